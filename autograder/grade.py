"""``python -m autograder grade``: grade a class, in parallel, sandboxed, resumable.

For every (student, notebook): read the submission, assemble it with the instructor's test
cells (hidden tests included), run it in a warm sandboxed worker, judge the probe data here,
and write the result atomically to ``OUT/results/<student>/<notebook>.json``. A result is
reused only when nothing that produced it changed: the submission's bytes, the instructor's
source, the hidden checks, the course library, the grader's own code, the limits and the
run's secret; so an interrupted run (even ``kill -9``) resumes where it stopped, and a fixed
judge or a raised cap regrades. At the end the CSVs, the feedback pages and nbgrader's
gradebook are written from all results.

Hidden checks draw their inputs from a secret seed: ``OUT/.secret`` (made on the first run
of an output folder, readable by the instructor only; ``--seed`` sets it), mixed with the
student and notebook, so each submission gets its own inputs, passed in the job and never
in a file the student's kernel can read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import secrets
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from functools import cache
from pathlib import Path

from nncourse.checking import find_check

from autograder import source_rules
from autograder.assemble import TestCell, assemble, max_points, read_submission
from autograder.config import Settings
from autograder.judge import TestResult, import_torch_in_background, judge_events, reported_error
from autograder.notebooks import ROOT, SOLUTIONS
from autograder.probes import hidden_probes, probe_library
from autograder.sandbox import SandboxMissing, Worker, bwrap_available
from autograder.submissions import MAX_NOTEBOOK_BYTES, Submission, folder_name

MAX_SUBMISSION_BYTES = MAX_NOTEBOOK_BYTES


@cache
def code_digest() -> str:
    """What the course library and the grader's own code are, as one hash."""
    digest = hashlib.sha256()
    for folder in (ROOT / "lib" / "nncourse", ROOT / "autograder"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def run_secret(out: Path, seed: int | None = None) -> int:
    """The output folder's secret (``--seed`` sets it; otherwise made once, kept)."""
    path = out / ".secret"
    if seed is not None or not path.exists():
        out.mkdir(parents=True, exist_ok=True)
        # readable by the instructor only, however it is made (--seed over an existing
        # file too); a made one is never written over (O_EXCL)
        flags = os.O_TRUNC if seed is not None else os.O_EXCL
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | flags, 0o600)
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(str(seed if seed is not None else secrets.randbits(62)))
    return int(path.read_text().strip())


def job_seed(secret: int, submission: Submission) -> int:
    """The seed of one submission's fresh inputs: its own, unguessable without the secret."""
    text = f"{secret}\0{submission.student}\0{submission.assignment}"
    return int(hashlib.sha256(text.encode()).hexdigest()[:15], 16)


def input_digest(submission: Submission, settings: Settings | None = None,
                 secret: int = 0) -> str:
    digest = hashlib.sha256(code_digest().encode())
    limits = asdict(settings.limits) if settings is not None else {}
    digest.update(json.dumps({"limits": limits, "secret": secret}, sort_keys=True).encode())
    source = SOLUTIONS / submission.assignment / f"{submission.assignment}.ipynb"
    digest.update(source.read_bytes())
    if submission.path is not None:
        digest.update(submission.path.read_bytes()[:MAX_SUBMISSION_BYTES])
    if submission.uncertain:  # its result says so (:func:`keep_earlier_results`)
        digest.update(b"uncertain")
    return digest.hexdigest()


def file_digest(path: Path | None) -> str | None:
    """The SHA-256 of the exact bytes of a submission's file, kept in its result
    (``file_sha256``) so ``grade --from-results`` can tell a result of other bytes; None for
    no file (or one that cannot be read)."""
    if path is None:
        return None
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def result_path(out: Path, student: str, assignment: str) -> Path:
    """Where one result is kept: a folder per student, named safely for any exact id."""
    return out / "results" / folder_name(student) / f"{assignment}.json"


def keep_earlier_results(submissions: list[Submission], out: Path) -> list[Submission]:
    """The submissions to grade: each one that may not be of its notebook's own download
    (:attr:`autograder.submissions.Submission.uncertain`) is left out (a file with a
    warning, a "no submission" silently) where ``out`` already holds a result graded from
    a file for that student and notebook, unless it grades a file and that result was
    itself uncertain (review 24 H2: a later download of
    notebook 01 holding one classmate's upload of 02 turned a student's 02 grade, earned
    from 02's own download, into 0). So one upload never changes a classmate's grade, and
    a download that may be another assignment's changes no grade its own download gave;
    ``--assignment`` says what a download holds."""
    graded = []
    for submission in submissions:
        try:
            record = json.loads(result_path(out, submission.student,
                                            submission.assignment).read_text())
            earlier = record.get("file") is not None and not (
                submission.path is not None and record.get("uncertain"))
        except (OSError, ValueError, AttributeError):
            earlier = False
        if not submission.uncertain or not earlier:
            graded.append(submission)
            continue
        if submission.path is None:  # nothing of theirs here: nothing to say
            continue
        print(f"warning: {submission.student} / {submission.assignment}: kept the result "
              f"graded earlier into {out.name} from {record['file']}; "
              f"{submission.path.name} is not graded ({submission.uncertain}). If this "
              f"download is {submission.assignment}'s, grade it with --assignment "
              f"{submission.assignment}", file=sys.stderr)
    return graded


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def shard_of(student: str, shards: int) -> int:
    """The shard (0-based) a student belongs to: stable across machines and runs."""
    return int(hashlib.sha256(student.encode()).hexdigest(), 16) % shards


MAX_RAISED_NOTES = 20
"""Errors of the student's own cells named in their notes (then a count of the rest)."""


def _run(worker: Worker, settings: Settings, cells, tests, assignment: str,
         seed: int) -> tuple[list[TestResult], list[str]]:
    """Run the cells, skipping any that hung or killed the kernel; judge the last run."""
    limits = settings.limits
    skipped: dict[int, str] = {}
    notes: list[str] = []
    started = time.monotonic()
    events: list[dict] = []
    timing = TIMING.setdefault(threading.get_ident(), {})
    for run in range(limits.restarts + 1):
        if worker.process is None:  # a worker's warm-up: once, or after it was stopped
            warming = time.monotonic()
            worker.start()
            timing["worker start"] = timing.get("worker start", 0.0) + \
                time.monotonic() - warming
        run_started = time.monotonic()
        remaining = limits.notebook_wall_seconds - (time.monotonic() - started)
        job_limits = dict(vars(limits), notebook_wall_seconds=max(remaining, 1.0))
        events = worker.run({"cells": _with_hidden(cells, tests, assignment),
                             "skip": sorted(skipped), "limits": job_limits, "seed": seed})
        _add_timing(timing, events, run, time.monotonic() - run_started)
        abort = next((e for e in events if e.get("event") == "abort"), None)
        if abort is None:
            break
        notes.append(f"{_label(cells, abort.get('cell'))}: {abort['reason']}")
        if abort.get("cell") is None or abort["cell"] in skipped or remaining <= 1.0:
            break
        skipped[abort["cell"]] = abort["reason"]
    tested = {t.index for t in tests}
    raised = [f"{_label(cells, e['cell'])} raised {reported_error(e['error'])}"
              f"{_forbidden_import(cells, e['cell']) if _import_failed(e['error']) else ''}"
              for e in events
              if e.get("event") == "end" and e.get("error") and e["cell"] not in tested]
    notes += raised[:MAX_RAISED_NOTES]  # each is bounded, and so is their number
    if len(raised) > MAX_RAISED_NOTES:
        notes.append(f"and {len(raised) - MAX_RAISED_NOTES} more of your cells raised errors")
    judging = time.monotonic()
    results = judge_events(tests, events, skipped, seed)
    timing["judges"] = timing.get("judges", 0.0) + time.monotonic() - judging
    return results, notes


TIMING: dict[int, dict] = {}
"""Per grading thread, the current job's seconds by phase (the benchmark's breakdown)."""


def _add_timing(timing: dict, events: list[dict], run: int, seconds: float) -> None:
    """Add one run's phases (as the runner measured them) to ``timing``; a run after the
    first (re-run after a failing cell) counts whole under "reruns"."""
    measured = next((e for e in events if e.get("event") == "timing"), {})
    if run:
        timing["reruns"] = timing.get("reruns", 0.0) + seconds
        return
    for phase in ("start", "student cells", "probes", "hand-over", "stopped", "cleanup"):
        timing[phase] = timing.get(phase, 0.0) + float(measured.get(phase, 0.0))
    inside = float(measured.get("total", 0.0))
    timing["transport"] = timing.get("transport", 0.0) + max(seconds - inside, 0.0)


def _with_hidden(cells: list[dict], tests, assignment: str) -> list[dict]:
    """The cells, each test cell with a hidden check carrying the (stripped) hidden probe
    module it needs: the runner hands it to the kernel with that cell only."""
    modules = hidden_probes(assignment)
    needing = {t.index for t in tests
               if any(type(find_check(name)).__module__.startswith("autograder.hidden")
                      for name, _ in t.checks)}
    return [dict(c, hidden=modules) if c["index"] in needing else c for c in cells]


def allowed_packages(test: TestCell) -> tuple[str, ...]:
    """The forbidden packages the rules of a test cell's checks allow (torch, for notebook
    04's ``LinearFunction``): such a test is judged from a run in a worker that has them."""
    found: list[str] = []
    for name, _ in test.checks:
        with contextlib.suppress(KeyError):
            found += find_check(name).rules.allowed_packages
    return tuple(dict.fromkeys(found))


def _with_allowed(worker_for, settings: Settings, cells, tests, results, notes,
                  assignment: str, seed: int) -> tuple[list[TestResult], list[str]]:
    """Results of the tests whose checks allow a package (torch), from a second run of the
    whole notebook in a worker where that package is visible; every other test keeps the
    result of the run without it, so no other graded function can gain by the package.

    The notes about the cells that define those tests' functions (an answer cell that
    imports torch raises in the first run, where torch is missing, as it was meant to) come
    from the second run; every other note from the first (it speaks for the notebook).
    """
    groups: dict[tuple[str, ...], list[TestCell]] = {}
    for test in tests:
        allowed = allowed_packages(test)
        if allowed:
            groups.setdefault(allowed, []).append(test)
    if not groups or worker_for is None:
        return results, notes
    replaced: dict[str, TestResult] = {}
    own: set[str] = set()
    second: list[str] = []
    for allowed, group in groups.items():
        extra, extra_notes = _run(worker_for(allowed), settings, cells, group, assignment,
                                  seed)
        replaced.update({r.test: r for r in extra})
        labels = _labels_defining(cells, {f for t in group for f in t.functions})
        own |= labels
        second += [n for n in extra_notes if _about(n, labels)]
    notes = [n for n in notes if not _about(n, own)] + second
    return [replaced.get(r.test, r) for r in results], notes


def _labels_defining(cells: list[dict], names: set[str]) -> set[str]:
    """The labels of the cells whose code defines (at top level) one of ``names``."""
    import ast

    found = set()
    for cell in cells:
        try:
            tree = ast.parse(cell.get("source", ""))
        except (SyntaxError, ValueError):
            continue
        if any(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
               and n.name in names for n in tree.body):
            found.add(cell.get("label", ""))
    return found - {""}


def _about(note: str, labels: set[str]) -> bool:
    return any(note.startswith(label + " ") for label in labels)


def _import_failed(error) -> bool:
    from autograder.judge import error_type

    return error_type(error) in ("ImportError", "ModuleNotFoundError")


def _forbidden_import(cells: list[dict], index) -> str:
    """Why a cell that imports a package graded code may not use raised, read from its
    source here (the kernel's words never reach a report): " (it imports torch, which ...)",
    or nothing."""
    import ast

    from autograder.sandbox import FORBIDDEN_PACKAGES

    if not isinstance(index, int) or not 0 <= index < len(cells):
        return ""
    try:
        tree = ast.parse(cells[index].get("source", ""))
    except (SyntaxError, ValueError):
        return ""
    for node in ast.walk(tree):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                 [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        for name in names:
            top = name.split(".")[0]
            if top in FORBIDDEN_PACKAGES:
                return (f" (it imports {top}, which is not available while grading: graded "
                        "functions use numpy, the standard library and your own functions "
                        "only)")
    return ""


def _label(cells: list[dict], index: int | None) -> str:
    if index is None or not 0 <= index < len(cells):
        return "the notebook"
    return cells[index].get("label", f"cell {index}")


def grade_submission(worker: Worker | None, settings: Settings, submission: Submission,
                     digest: str, secret: int = 0, worker_for=None) -> dict:
    """The result record of one submission (runs it unless it is unreadable or missing).

    digest: :func:`input_digest` of the submission, stored so a later run can skip it.
    worker_for: allowed packages -> a worker that has them (for the tests whose checks'
    rules allow a package; see :func:`_with_allowed`), or None.
    """
    notes = list(submission.notes)
    notebook, raw = None, None
    if submission.path is not None:
        raw = submission.path.read_bytes()
        if len(raw) > MAX_SUBMISSION_BYTES:
            notes.append(f"the file is larger than {MAX_SUBMISSION_BYTES >> 20} MB")
        else:
            notebook, read_notes = read_submission(raw)
            notes += read_notes
    cells, tests, assemble_notes = assemble(submission.assignment, notebook)
    notes += assemble_notes
    if notebook is None:
        reason = notes[-1] if notes else "no submission"
        results = [TestResult(t.grade_id, 0.0, t.points, f"not graded: {reason}")
                   for t in tests]
    else:
        seed = job_seed(secret, submission)
        results, run_notes = _run(worker, settings, cells, tests, submission.assignment, seed)
        results, run_notes = _with_allowed(worker_for, settings, cells, tests, results,
                                           run_notes, submission.assignment, seed)
        results = source_rules.apply(tests, results, source_rules.breaches(submission))
        notes += run_notes
    points = sum(r.points for r in results)
    return {"student": submission.student, "assignment": submission.assignment,
            "points": points, "max_points": max_points(submission.assignment),
            "file": submission.path.name if submission.path else None,
            "notes": notes, "tests": [r.as_dict() for r in results],
            "input_digest": digest, "uncertain": submission.uncertain,
            # the exact bytes graded: --from-results refuses a result of other bytes
            "file_sha256": hashlib.sha256(raw).hexdigest() if raw is not None else None}


def failed_record(submission: Submission, error: Exception) -> dict:
    """The result of a submission the grader could not grade: every test at 0, with why.

    Its digest is empty, so the next run grades it again.
    """
    from autograder.assemble import instructor_cells

    why = f"not graded: the grader failed ({type(error).__name__}: {error})"[:500]
    tests = [TestResult(cell_id, 0.0, points, why).as_dict()
             for kind, cell_id, _, points in instructor_cells(submission.assignment)
             if kind == "test"]
    return {"student": submission.student, "assignment": submission.assignment,
            "points": 0.0, "max_points": max_points(submission.assignment),
            "file": submission.path.name if submission.path else None,
            "notes": [why], "tests": tests, "input_digest": "",
            "uncertain": submission.uncertain,
            "file_sha256": file_digest(submission.path)}


def grade_all(submissions: list[Submission], out: Path, settings: Settings, sandbox: bool,
              covered: list[str], show_progress: bool = True, seed: int | None = None) -> dict:
    """Grade what has no up-to-date result yet; returns counts and timings.

    covered: paths the sandbox hides besides the configured ones (submissions, output).
    """
    secret = run_secret(out, seed)
    todo = []
    for submission in submissions:
        digest = input_digest(submission, settings, secret)
        path = result_path(out, submission.student, submission.assignment)
        if path.exists():
            try:
                if json.loads(path.read_text())["input_digest"] == digest:
                    continue
            except (ValueError, KeyError):
                pass
        todo.append((submission, digest))
    if sandbox and not bwrap_available():
        if settings.sandbox_required:
            raise SandboxMissing("bubblewrap (bwrap) is not installed: `apt-get install -y "
                                 "bubblewrap`, or pass --no-sandbox to grade WITHOUT isolation")
        print("WARNING: bubblewrap is not installed and grading.toml says the sandbox is not "
              "required: student code runs with your permissions.", file=sys.stderr)
        sandbox = False
    jobs: queue.Queue = queue.Queue()
    for job in todo:
        jobs.put(job)
    from nncourse.training import progress

    bar = progress(range(len(todo)), "grading", total=len(todo), enabled=show_progress)
    bar_lock = threading.Lock()
    failures: list[str] = []
    started = time.monotonic()

    scratch = tempfile.TemporaryDirectory(prefix="nncourse-probes-")
    library = probe_library(Path(scratch.name)) if todo else Path(scratch.name)

    def work(index: int) -> None:
        worker = Worker(settings, index, sandbox, covered, library)
        extra: dict[tuple[str, ...], Worker] = {}

        def worker_for(allowed: tuple[str, ...]) -> Worker:
            if allowed not in extra:  # started on first use: most notebooks need none
                extra[allowed] = Worker(settings, index, sandbox, covered, library, allowed)
            return extra[allowed]

        try:
            while True:
                try:
                    submission, digest = jobs.get_nowait()
                except queue.Empty:
                    return
                needs_run = submission.path is not None
                TIMING[threading.get_ident()] = {}
                job_started = time.monotonic()
                try:
                    record = grade_submission(worker if needs_run else None, settings,
                                              submission, digest, secret, worker_for)
                    writing = time.monotonic()
                    write_atomically(result_path(out, submission.student,
                                                 submission.assignment),
                                     json.dumps(record, indent=1, sort_keys=True))
                    timing = TIMING[threading.get_ident()]
                    timing["result"] = time.monotonic() - writing
                    timing["job"] = time.monotonic() - job_started
                    timings.append({"student": submission.student,
                                    "notebook": submission.assignment, **timing})
                except Exception as error:  # noqa: BLE001 - one bad job must not stop a class
                    failures.append(f"{submission.student}/{submission.assignment}: {error}")
                    with contextlib.suppress(Exception):  # the student keeps a row, at 0
                        write_atomically(result_path(out, submission.student,
                                                     submission.assignment),
                                         json.dumps(failed_record(submission, error),
                                                    indent=1, sort_keys=True))
                with bar_lock:
                    if hasattr(bar, "update"):
                        bar.update(1)
        finally:
            worker.stop()
            for other in extra.values():
                other.stop()

    timings: list[dict] = []
    if todo:  # the judges' torch, imported while the workers warm up (not in the first job)
        import_torch_in_background()
    threads = [threading.Thread(target=work, args=(i,), daemon=True)
               for i in range(min(settings.workers, max(len(todo), 1)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if hasattr(bar, "close"):
        bar.close()
    scratch.cleanup()
    write_atomically(out / "timings.jsonl", "".join(json.dumps(t) + "\n" for t in timings))
    return {"graded": len(todo), "skipped_up_to_date": len(submissions) - len(todo),
            "seconds": time.monotonic() - started, "failures": failures}
