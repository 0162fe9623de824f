"""Gradescope's programming-assignment autograder, built on the course's own grader.

``make gradescope`` (``python -m autograder gradescope build``) writes, per notebook,
``dist/gradescope/<id>.zip`` in Gradescope's documented layout (Gradescope Help, "Autograder
Specifications"): at the zip's top level ``setup.sh`` (run once, as root, when the image is
built; installs Python 3.11, bubblewrap and the course) and ``run_autograder`` (run for
every submission), and the course itself (``autograder/``, ``lib/``, ``solutions/``,
``notebooks/``, ``course/``, ``pyproject.toml``; of the notebooks, solutions and hidden
checks only that notebook's), which Gradescope unpacks into
``/autograder/source``. The student's upload is in ``/autograder/submission``; the result
must be ``/autograder/results/results.json``.

``run_autograder`` calls ``python -m autograder gradescope run``, which

1. copies the student's notebook out of ``submission/``: of the uploaded notebooks that are
   this notebook's by name or cells, the one holding most of its answer cells
   (:data:`PICK_RULE`);
2. grades it with ``python -m autograder grade`` in a child process: the same grader as
   ``make grade``, so the notebook runs in bubblewrap as an unprivileged per-job uid, with
   all of ``/autograder`` (source, submission, results, ``submission_metadata.json``)
   hidden from it (a run over :data:`GRADE_TIMEOUT` seconds still writes results.json);
3. runs that child as pid 1 of its own pid namespace (``unshare --pid --fork
   --kill-child``): when it exits, the kernel has killed every process the student's code
   started, in whatever sandbox or session;
4. only then writes ``results.json``, as root, atomically, into ``results/``, from which it
   has removed everything but the harness's own ``stdout``: nothing the student's code could
   have written there survives, and nothing of the student's is still running to write it
   afterwards.

``results.json`` has one test per test cell: ``name`` (its grade id), ``score``,
``max_score``, ``output`` (the grader's reason and first hint, never the kernel's raw text)
and ``visibility``: ``visible`` for the visible tests; ``after_published`` for a test cell
that holds hidden tests, so its name, score and output stay hidden until the instructor
publishes the grades. First among them a 0-point ``uploaded notebook`` test, always
visible (:func:`upload_test`): which file was graded and how many answer cells it has filled
in, nothing about correctness. Top level: ``score`` (the automatic points), ``output`` (the notes),
``stdout_visibility: hidden``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from autograder.notebooks import NOTEBOOK_IDS as NOTEBOOK_IDS_FILE
from autograder.notebooks import ROOT, course_ids
from autograder.submissions import MAX_NOTEBOOK_BYTES

SOURCE_PARTS = ("pyproject.toml", "autograder", "lib", "solutions", "notebooks",
                "course/nbgrader_config.py")
"""The course's parts in each zip. ``course/duedates.toml`` (due dates, the LMS's settings)
is never one (review 24e H1): Gradescope keeps its own due dates and the grader writes no
gradebook or LMS file there, so nothing of the gradebook's or the LMS's can stop a run."""
_SKIP = {"__pycache__", ".ipynb_checkpoints"}
_MUTANTS = ("autograder", "mutants")
"""The mutation catalogue stays out of the zip; its package's ``__init__.py`` goes in, since
``pyproject.toml`` lists the package and ``setup.sh``'s install needs its folder."""

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image
# (Ubuntu 22.04 base image). It installs Python 3.11, bubblewrap (the sandbox the student's
# notebook runs in) and the course with its pinned dependencies.
set -euo pipefail
apt-get update -qq
apt-get install -y -qq software-properties-common
add-apt-repository -y ppa:deadsnakes/ppa
apt-get update -qq
apt-get install -y -qq python3.11 python3.11-venv bubblewrap
cd /autograder/source
python3.11 -m venv .venv
# torch's CPU build first (pip's default index would pull the multi-GB CUDA one), then the
# course with the rest of its pinned dependencies
TORCH="$(grep -o 'torch==[0-9.]*' pyproject.toml)"
.venv/bin/pip install --quiet --index-url https://download.pytorch.org/whl/cpu "$TORCH"
.venv/bin/pip install --quiet -e .
# the sandbox started once, as run_autograder will start it, then the released notebook
# graded as run_autograder grades an upload: a container where the sandbox cannot start (no
# CAP_SYS_ADMIN), or a grader that cannot start here, fails the build, with the reason,
# instead of giving every student 0
.venv/bin/python -m autograder gradescope check --assignment {assignment}
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission, as root. GRADESCOPE_ROOT (default /autograder)
# and NNCOURSE_PYTHON (default the course's venv) exist for testing it outside Gradescope.
set -euo pipefail
ROOT="${{GRADESCOPE_ROOT:-/autograder}}"
PYTHON="${{NNCOURSE_PYTHON:-$ROOT/source/.venv/bin/python}}"
cd "$ROOT/source"
exec "$PYTHON" -m autograder gradescope run --assignment {assignment} --root "$ROOT"
"""


def _other_notebook(relative: Path, assignment: str) -> bool:
    """A file of another notebook than ``assignment``: its solution, its released notebook or
    its hidden checks (``autograder/hidden/nbNN.py``), which one notebook's zip never holds
    (the hidden package imports the modules it has)."""
    parts = relative.parts
    if parts[0] in ("solutions", "notebooks") and len(parts) > 2:
        return parts[1] != assignment
    if parts[:2] == ("autograder", "hidden") and relative.name.startswith("nb"):
        return relative.name != f"nb{assignment[:2]}.py"
    return False


def _source_files(assignment: str | None = None) -> list[tuple[Path, str]]:
    """The course's files for the zip: with ``assignment``, of that notebook only."""
    files = []
    for part in SOURCE_PARTS:
        path = ROOT / part
        if path.is_file():
            files.append((path, part))
            continue
        for file in sorted(path.rglob("*")):
            relative = file.relative_to(ROOT)
            if not file.is_file() or _SKIP & set(relative.parts):
                continue
            if relative.parts[:2] == _MUTANTS and relative.name != "__init__.py":
                continue
            if assignment is not None and _other_notebook(relative, assignment):
                continue
            files.append((file, relative.as_posix()))
    return files


def build(dist: Path, assignment: str) -> Path:
    """``dist/<assignment>.zip``: Gradescope's autograder for one notebook."""
    dist.mkdir(parents=True, exist_ok=True)
    archive = dist / f"{assignment}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, text in (("setup.sh", SETUP_SH.format(assignment=assignment)),
                           ("run_autograder", RUN_AUTOGRADER.format(assignment=assignment))):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | 0o755) << 16
            zipped.writestr(info, text)
        for path, name in _source_files(assignment):  # that notebook's, no other's
            zipped.write(path, name)
        from autograder.notebooks import assignments

        zipped.writestr(NOTEBOOK_IDS, json.dumps(assignments()))  # names only
    return archive


# ---------------------------------------------------------------------------------------------
# inside Gradescope


def _pick_notebook(submission: Path, assignment: str) -> tuple[Path | None, list[str]]:
    """The uploaded notebook to grade, of every uploaded notebook that is this notebook's by
    its name (one holding the id) or its cells and is not another notebook
    (:func:`_other_notebook_named`): :data:`PICK_RULE`. The notes name the file graded and
    the others left out."""
    try:  # a symbolic link is never graded: it could point at the course's own files
        uploaded = [p for p in submission.rglob("*.ipynb")
                    if ".ipynb_checkpoints" not in p.parts]
        linked = [p for p in uploaded if p.is_symlink()]
        found = [p for p in uploaded if not p.is_symlink() and p.is_file()
                 and p.resolve().is_relative_to(submission.resolve())]
    except (OSError, RecursionError):  # an upload nested thousands of folders deep
        found, linked = [], []
    if linked and not found:
        return None, [f"{linked[0].relative_to(submission)} is a symbolic link, not a "
                      "notebook: upload the notebook file itself"]
    from autograder.submissions import _assignment_from_content

    answers = _answer_cells(assignment)
    ranked, others = [], []
    for path in found:
        named = assignment in path.name
        if not named and _assignment_from_content(path, [assignment]) != assignment:
            others.append((path, None))
            continue
        other = _other_notebook_named(path, assignment)
        if other is not None:
            others.append((path, other))
            continue
        ranked.append((-len(_grade_ids_of(path) & answers), path.name != f"{assignment}.ipynb",
                       not named, len(path.relative_to(submission).parts), str(path), path))
    if not ranked:
        wrong = sorted((str(p), p, other) for p, other in others if other is not None)
        if wrong:
            _, path, other = wrong[0]
            return None, [WRONG_NOTEBOOK.format(file=path.relative_to(submission), other=other,
                                                assignment=assignment)]
        return None, [f"no notebook for {assignment} in the upload"]
    chosen = min(ranked)[-1]
    if len(found) == 1:
        return chosen, []
    others += [(r[-1], None) for r in ranked if r[-1] != chosen]
    left = sorted(str(p.relative_to(submission)) + (f" ({other})" if other else "")
                  for p, other in others)
    return chosen, [f"{len(found)} notebooks uploaded: graded {chosen.relative_to(submission)}"
                    f"; not graded: {', '.join(left)}. "
                    + PICK_RULE.format(assignment=assignment)]


PICK_RULE = ("Of several notebooks the one holding most of {assignment}'s answer cells is "
             "graded; on a tie {assignment}.ipynb, then a name holding {assignment}, then the "
             "upload's top folder, then the first path in alphabetical order.")


def _answer_cells(assignment: str) -> set[str]:
    from autograder.assemble import instructor_cells

    return {cell_id for kind, cell_id, _, _ in instructor_cells(assignment)
            if kind == "solution"}


def _grade_ids_of(notebook: Path) -> set[str]:
    """The grade ids of ``notebook``'s cells (none when it cannot be read)."""
    from autograder.submissions import _grade_ids

    try:
        return _grade_ids(json.loads(notebook.read_bytes()[:MAX_NOTEBOOK_BYTES]))
    except (OSError, ValueError, RecursionError, MemoryError):
        return set()


WRONG_NOTEBOOK = ("{file} is {other}, not {assignment}: this assignment grades "
                  "{assignment}; upload {assignment}.ipynb here (and that notebook to its "
                  "own assignment). Not graded.")
NOTEBOOK_IDS = NOTEBOOK_IDS_FILE.relative_to(ROOT).as_posix()
"""Where :func:`build` writes the course's notebook ids into each zip (:func:`course_ids`):
an upload of another notebook is then named, and settings naming other notebooks stay valid."""


def _other_notebook_named(notebook: Path, assignment: str) -> str | None:
    """The other notebook ``notebook`` is: the course notebook its file name names (not
    ``assignment``), when it holds fewer than half of ``assignment``'s answer cells (a
    renamed copy of the right notebook is still graded); "another notebook" when its name
    names none but it holds none of them; else None."""
    from autograder.submissions import _assignment_from_name

    if assignment in notebook.name:
        return None
    answers = _answer_cells(assignment)
    held = len(_grade_ids_of(notebook) & answers)
    other = _assignment_from_name(notebook.name, [a for a in course_ids() if a != assignment])
    if other is not None and held * 2 < len(answers):
        return f"notebook {other}"
    if other is None and held == 0 and answers:
        return f"another notebook (none of the {len(answers)} answer cells of {assignment})"
    return None


def _own_pid_namespace() -> list[str]:
    """The prefix that runs the grader as pid 1 of a new pid namespace: when it exits, the
    kernel kills every process left in it and in the sandboxes' namespaces below it, so
    nothing of the student's can outlive grading (util-linux ``unshare``; needs root, as
    Gradescope runs ``run_autograder``)."""
    unshare = shutil.which("unshare")
    if unshare and os.geteuid() == 0:
        return [unshare, "--pid", "--fork", "--kill-child"]
    return []


def _hidden_cells(assignment: str) -> set[str]:
    from autograder.assemble import HIDDEN_BLOCK, instructor_cells

    return {cell_id for kind, cell_id, source, _ in instructor_cells(assignment)
            if kind == "test" and HIDDEN_BLOCK.search(source)}


UPLOAD_TEST = "uploaded notebook"


def _filled_in(notebook: Path, assignment: str) -> tuple[int, int]:
    """How many of ``assignment``'s answer cells ``notebook`` holds changed from the released
    notebook, and how many there are."""
    from autograder.notebooks import grade_id, is_solution, release_notebook

    blank = {grade_id(c): c.source.strip() for c in release_notebook(assignment).cells
             if is_solution(c)}
    try:
        cells = json.loads(notebook.read_bytes()[:MAX_NOTEBOOK_BYTES]).get("cells")
    except (OSError, ValueError, AttributeError, RecursionError, MemoryError):
        cells = None
    filled = set()
    for cell in cells if isinstance(cells, list) else []:
        source = cell.get("source") if isinstance(cell, dict) else None
        source = "".join(source) if isinstance(source, list) else source
        if grade_id(cell) in blank and isinstance(source, str) and (
                source.strip() != blank[grade_id(cell)]):
            filled.add(grade_id(cell))
    return len(filled), len(blank)


def upload_test(notebook: Path, assignment: str, name: str, notes: list[str]) -> dict:
    """A 0-point test, always visible, that says which file was graded (``name``, the upload's;
    ``notebook`` is its copy) and how many answer cells it has filled in, with the notes on
    the uploaded files left out: a student whose every test waits for publishing (notebooks
    05 and 06) sees at once that the right file was taken, and nothing about whether it is
    correct."""
    filled, answers = _filled_in(notebook, assignment)
    line = (f"graded {name}: {filled} of {answers} answer cells filled in (changed from the "
            "released notebook)")
    with contextlib.suppress(OSError):
        if notebook.stat().st_size > MAX_NOTEBOOK_BYTES:  # not read, so not "0 filled in"
            line = (f"{name} is larger than {MAX_NOTEBOOK_BYTES >> 20} MB and is not graded: "
                    "clear its outputs (Edit > Clear Outputs of All Cells), save, upload again")
    return {"name": UPLOAD_TEST, "score": 0.0, "max_score": 0.0,
            "output": "\n".join([line, *notes]), "visibility": "visible"}


def results_json(record: dict | None, assignment: str, notes: list[str],
                 upload: dict | None = None) -> dict:
    """Gradescope's results for one graded record (None: nothing could be graded); upload:
    :func:`upload_test`'s entry, first among the tests."""
    from autograder.assemble import instructor_cells

    hidden = _hidden_cells(assignment)
    graded = record is not None
    if record is None:
        tests = [{"test": cell_id, "points": 0.0, "max_points": points,
                  "reason": "not graded: " + (notes[-1] if notes else "no submission")}
                 for kind, cell_id, _, points in instructor_cells(assignment) if kind == "test"]
        record = {"points": 0.0, "tests": tests, "notes": []}
    results = [upload] if upload else []
    for test in record["tests"]:
        output = test.get("reason") or ("passed" if test["points"] >= test["max_points"]
                                        else "failed")
        if test.get("hint"):
            output += f"\nhint: {test['hint']}"
        results.append({"name": test["test"], "score": test["points"],
                        "max_score": test["max_points"], "output": output,
                        "visibility": "after_published" if test["test"] in hidden
                        else "visible"})
    # the total includes the hidden tests' points: shown at once, it would tell a student
    # their hidden results by subtraction, so it waits for publishing like those tests
    # nothing graded (no notebook, the wrong one): every test is 0 and says so, and the
    # student sees why at once, before publishing
    overall = "after_published" if graded and any(t["visibility"] == "after_published"
                                                  for t in results) else "visible"
    return {"score": record["points"], "output": "\n".join([*notes, *record["notes"]]),
            "visibility": overall, "stdout_visibility": "hidden", "tests": results}


def _copy_no_follow(source: Path, destination: Path) -> None:
    """Copy ``source`` unless it is (or was swapped for) a symbolic link: O_NOFOLLOW."""
    fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as reading, open(destination, "xb") as writing:
        shutil.copyfileobj(reading, writing)


GRADE_TIMEOUT = 1500
"""Seconds the grading child may take: above the notebook's wall-clock cap (900 s by
default, ``notebook_wall_seconds``), below the 30 minutes to set as Gradescope's autograder
timeout, so results.json is always written (README, Gradescope)."""


def covered(root: Path) -> list[str]:
    """What the student's sandbox hides: all of ``root`` (``/autograder``: the course, the
    upload, the results, ``submission_metadata.json`` with earlier submissions' results and
    the students' emails). The grader reads what it needs outside the sandbox."""
    return [str(root)]


def run(root: Path, assignment: str, python: str = sys.executable) -> dict:
    """Grade ``root/submission`` and write ``root/results/results.json``; returns it."""
    results = root / "results"
    scratch = Path(tempfile.mkdtemp(prefix="gradescope-"))
    os.chmod(scratch, 0o700)
    try:
        notebook, notes = _pick_notebook(root / "submission", assignment)
        record, upload = None, None
        if notebook is not None:
            folder = scratch / "submitted" / "student" / assignment
            folder.mkdir(parents=True)
            _copy_no_follow(notebook, folder / f"{assignment}.ipynb")
            upload = upload_test(folder / f"{assignment}.ipynb", assignment,
                                 str(notebook.relative_to(root / "submission")), notes)
            out = scratch / "out"
            env = dict(os.environ, NNCOURSE_COVER=os.pathsep.join(covered(root)))
            try:
                done = subprocess.run(
                    [*_own_pid_namespace(), python, "-m", "autograder", "grade",
                     str(scratch / "submitted"), "--out", str(out), "--assignment",
                     assignment, "--no-gradebook", "--quiet"],
                    cwd=ROOT, env=env, capture_output=True, text=True, timeout=GRADE_TIMEOUT)
                failure = f"the grader failed (exit {done.returncode})"
                logs = (done.stdout[-3000:], done.stderr[-3000:])
            except subprocess.TimeoutExpired as error:
                failure = f"grading took longer than {GRADE_TIMEOUT} s"
                logs = (str(error.stdout or "")[-3000:], str(error.stderr or "")[-3000:])
            path = out / "results" / "student" / f"{assignment}.json"
            if path.is_file():
                record = json.loads(path.read_text())
            else:
                notes.append(f"{failure}; ask your instructor")
                print(*logs, file=sys.stderr)
        payload = results_json(record, assignment, notes, upload)
        _write_results(results, payload)
        return payload
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


HARNESS_FILES = ("stdout",)
"""What Gradescope's harness itself keeps in ``results/`` (Autograder Specifications:
``results/stdout`` captures run_autograder's output for the instructor): kept as it is."""


def _write_results(results: Path, payload: dict) -> None:
    """Remove from ``results/`` whatever is not the harness's (results.json and anything else
    put there; the folder itself stays, it may be the harness's mount point), then write
    results.json atomically."""
    if results.is_symlink() or (results.exists() and not results.is_dir()):
        results.unlink()  # not the harness's folder
    results.mkdir(mode=0o755, exist_ok=True)
    for entry in os.scandir(results):
        if entry.name in HARNESS_FILES and entry.is_file(follow_symlinks=False):
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)
    temporary = results / ".results.json.partial"
    temporary.write_text(json.dumps(payload, indent=1))
    os.chmod(temporary, 0o644)
    os.replace(temporary, results / "results.json")


def _privilege_missing() -> str:
    """A sentence naming the privilege this process lacks for the sandbox, or ""."""
    try:
        status = Path("/proc/self/status").read_text()
        effective = int(next(line.split()[1] for line in status.splitlines()
                             if line.startswith("CapEff:")), 16)
    except (OSError, StopIteration, ValueError):
        return ""
    if effective >> 21 & 1:  # CAP_SYS_ADMIN
        return ""
    return (" This container's root lacks CAP_SYS_ADMIN, which bubblewrap and unshare need "
            "to create the sandbox's namespaces (Docker drops it by default): run it with "
            "that capability.")


def check() -> str | None:
    """Start the sandbox once, as ``run_autograder`` does (its pid namespace, then one
    grading worker in bubblewrap): None when it works, else why not. ``setup.sh`` runs it
    (and :func:`grading_problem`) when Gradescope builds the image, so a container where
    the sandbox cannot start fails the build instead of giving every student 0."""
    from autograder.config import load
    from autograder.probes import probe_library
    from autograder.sandbox import Worker, bwrap_available

    if not bwrap_available():
        return "bubblewrap (bwrap) or setpriv is not installed"
    if os.geteuid() != 0:
        return "run_autograder runs as root: run the check as root"
    done = subprocess.run([*_own_pid_namespace(), "true"], capture_output=True, text=True)
    if done.returncode != 0:
        return f"{' '.join(_own_pid_namespace())} failed: {done.stderr.strip()}."
    with tempfile.TemporaryDirectory(prefix="gradescope-check-") as scratch:
        worker = Worker(load(), 0, True, [], probe_library(Path(scratch)))
        try:
            worker.start()
        except RuntimeError as error:
            bwrap = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--unshare-pid", "true"],
                                   capture_output=True, text=True)
            return f"{error}; bwrap says: {bwrap.stderr.strip() or 'nothing'}."
        finally:
            worker.stop()
    return None


def grading_problem(assignment: str) -> str | None:
    """Why the released notebook of ``assignment``, uploaded, is not graded as :func:`run`
    grades an upload (the grader's output is on stderr), else None: any grader that stops
    before grading (review 24e H1: a setting it refused) fails the image's build."""
    import nbformat

    from autograder.notebooks import release_notebook

    with tempfile.TemporaryDirectory(prefix="gradescope-check-") as scratch:
        root = Path(scratch)
        (root / "submission").mkdir()
        nbformat.write(release_notebook(assignment), root / "submission" / f"{assignment}.ipynb")
        payload = run(root, assignment)
    failed = [t["output"] for t in payload["tests"] if t["output"].startswith("not graded: ")]
    return (f"the released {assignment} could not be graded: "
            f"{failed[0].removeprefix('not graded: ')}" if failed else None)


def main(args) -> int:
    from autograder.notebooks import assignments

    if args.action == "build":
        for assignment in [args.assignment] if args.assignment else assignments():
            print(f"Gradescope autograder: {build(Path(args.dist), assignment)}")
        return 0
    if args.action == "check":
        problem = check()
        if problem is not None:
            print(f"error: the grader's sandbox cannot start here: {problem}"
                  f"{_privilege_missing()} Every submission would score 0.", file=sys.stderr)
            return 1
        print("the grader's sandbox starts here")
        problem = grading_problem(args.assignment) if args.assignment else None
        if problem is not None:
            print(f"error: {problem}. Every submission would score 0.", file=sys.stderr)
            return 1
        if args.assignment:
            print(f"the released {args.assignment} is graded here")
        return 0
    if not args.assignment:
        print("error: --assignment is required", file=sys.stderr)
        return 2
    payload = run(Path(args.root), args.assignment)
    print(f"{args.assignment}: {payload['score']:g} points")
    return 0
