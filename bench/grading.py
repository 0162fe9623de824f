"""Grading a synthetic class: plain serial ``nbgrader autograde`` against ``python -m autograder``.

The classes of issue 23: notebook 01 for STUDENTS students, then a mixed class of all six
notebooks (MIXED students each). Each student's notebook is, by turn, the solution, a correct
variant or a mutant from the mutation catalogue (partly wrong), or the blank release: honest
work, as a class hands it in. ``--hostile N`` makes the last N students of each notebook
hostile (an infinite loop, or a cell that exits the kernel): a loop costs both graders the
cell cap (``--timeout``) and nothing else can shorten it, so it is measured apart from the
ratio's classes. Both graders grade the same files; the benchmark prints both wall times
and the speed ratio, and asserts identical scores for every non-hostile submission.

It also prints, per notebook, where each grader's time goes: for ours the phases the runner
and ``grade`` time (OUT/timings.jsonl: worker start, process start, the student's own cells,
test cells, a cell stopped by a cap (an infinite loop's cap counts here, not among the
student's cells), judges, re-runs, cleanup, transport), for nbgrader the phases
bench/nbgrader_timing.py times inside it (kernel start, the student's cells, test cells,
kernel shutdown, the rest); "x floor" is each phase against the student's own cells.
``--notebook 01_neuron_and_xor`` grades one notebook's class.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.course import COURSE, auto_points, nbgrader, nbgrader_env
from autograder.mutation import catalogue
from autograder.notebooks import (
    ROOT,
    assignments,
    filled_notebook,
    solution_sources,
    write_student_file,
)

HOSTILE = {
    "loop": "while True:\n    pass\n",
    "exit": "import os\nos._exit(1)\n",
}


def build_class(folder: Path, students: int, notebooks: list[str] | None = None,
                hostile: int = 0) -> dict[tuple[str, str], str]:
    """Write ``folder/submitted/...``; returns (student, notebook) -> kind."""
    kinds = {}
    for assignment in notebooks or assignments():
        solutions = solution_sources(assignment)
        entries = catalogue(assignment)
        mutants = [e for e in entries if not e.expect_full_marks]
        variants = [e for e in entries if e.expect_full_marks]
        first_cell = next(iter(solutions))
        for i in range(students):
            student = f"s{i:03d}"
            slot = i % 10
            if i >= students - hostile:
                kind = "hostile"
                code = HOSTILE["loop" if i % 2 else "exit"]
                answers = dict(solutions, **{first_cell: code + solutions[first_cell]})
            elif slot in (0, 1, 2):
                kind, answers = "solution", solutions
            elif slot in (3, 4):
                kind, answers = "variant", variants[i % len(variants)].answers(solutions)
            elif slot == 9:
                kind, answers = "blank", {}
            else:
                kind, answers = "mutant", mutants[i % len(mutants)].answers(solutions)
            write_student_file(filled_notebook(assignment, answers), folder, "submitted",
                               student, assignment)
            kinds[(student, assignment)] = kind
    return kinds


def nbgrader_scores(work: Path, timeout: int,
                    notebooks: list[str]) -> tuple[dict, float, list[dict]]:
    """Serial ``nbgrader autograde`` of every notebook, timed by phase (bench.nbgrader_timing)."""
    from nbgrader.api import Gradebook

    timings = work / "nbgrader-timings.jsonl"
    started = time.monotonic()
    for assignment in notebooks:
        nbgrader(["generate_assignment", assignment, "--force", "--log-level=ERROR",
                  f"--CourseDirectory.release_directory={work / 'release'}"], work)
        subprocess.run([sys.executable, "-m", "bench.nbgrader_timing", str(timings),
                        "autograde", assignment, "--create", "--force", "--log-level=ERROR",
                        f"--ExecutePreprocessor.timeout={timeout}",
                        f"--Execute.timeout={timeout}"],
                       cwd=COURSE, env=dict(nbgrader_env(work), PYTHONPATH=str(ROOT)),
                       capture_output=True, timeout=36000)
    seconds = time.monotonic() - started
    rows = _per_notebook([json.loads(line) for line in timings.read_text().splitlines()]
                         if timings.exists() else [])
    scores = {}
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gradebook:
        for assignment in notebooks:
            for submission in gradebook.assignment_submissions(assignment):
                student = submission.student.id
                scores[(student, assignment)] = auto_points(gradebook, assignment, student)[0]
    return scores, seconds, rows


def _per_notebook(rows: list[dict]) -> list[dict]:
    """nbgrader converts each submission twice (submitted/, then autograded/): one row each,
    summed per student and notebook."""
    merged: dict[tuple[str, ...], dict] = {}
    for row in rows:
        key = Path(row["notebook"]).parts[-3:]
        into = merged.setdefault(key, {"notebook": row["notebook"]})
        for name, value in row.items():
            if name != "notebook":
                into[name] = into.get(name, 0.0) + value
    return list(merged.values())


def autograder_scores(work: Path, out: Path, jobs: int, timeout: int,
                      notebooks: list[str]) -> tuple[dict, float, list[dict]]:
    import csv

    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "autograder", "grade", str(work / "submitted"),
                    "--out", str(out), "--no-gradebook", "--jobs", str(jobs), "--quiet",
                    "--cell-wall-seconds", str(timeout),
                    *[a for n in notebooks for a in ("--assignment", n)]], check=True)
    seconds = time.monotonic() - started
    with open(out / "grades.csv") as handle:
        scores = {(r["student"], r["notebook"]): float(r["points"])
                  for r in csv.DictReader(handle)}
    rows = [json.loads(line) for line in (out / "timings.jsonl").read_text().splitlines()]
    return scores, seconds, rows


OUR_PHASES = [
    ("worker start", "worker start: bwrap, imports (once per worker, shared)"),
    ("start", "process start: fork, uid, limits, hidden probes (runner)"),
    ("student cells", "the student's own cells (runner's clock)"),
    ("probes", "test cells: probes of the student's functions"),
    ("hand-over", "between cells: end, strays killed, next cell read"),
    ("stopped", "a cell stopped by a cap, or that killed the kernel"),
    ("judges", "judges (grader's process)"),
    ("reruns", "re-runs after a cell that hung or killed the kernel"),
    ("cleanup", "cleanup: strays, cgroup, files, IPC"),
    ("transport", "job and events through the pipes"),
    ("other", "read, assemble, write the result"),
]
NBGRADER_PHASES = [
    ("kernel start", "kernel start"),
    ("student cells", "the student's own cells"),
    ("test cells", "test cells"),
    ("kernel shutdown", "kernel shutdown"),
    ("other", "nbgrader's preprocessors and gradebook"),
]


def breakdown(ours: list[dict], our_seconds: float, theirs: list[dict], their_seconds: float,
              n: int, jobs: int) -> None:
    """Print, per notebook, the mean seconds of every phase of both graders, and each phase
    against the floor (the student's own cells)."""
    jobs_rows = [r for r in ours if "job" in r]
    report = next((r for r in ours if r.get("phase") == "reports and gradebook"), {})
    mean = {}
    for key, _ in OUR_PHASES[:-1]:
        mean[key] = sum(r.get(key, 0.0) for r in jobs_rows) / max(len(jobs_rows), 1)
    job = sum(r["job"] for r in jobs_rows) / max(len(jobs_rows), 1)
    mean["other"] = max(job - sum(mean.values()), 0.0)
    floor = mean["student cells"] or 1e-9
    print(f"\nper notebook, python -m autograder --jobs {jobs} (seconds of one job; jobs run "
          f"{jobs} at a time)")
    print(f"{'phase':<58}{'seconds':>9}{'x floor':>9}")
    for key, label in OUR_PHASES:
        print(f"{label:<58}{mean[key]:>9.3f}{mean[key] / floor:>9.2f}")
    print(f"{'one job, all phases':<58}{job:>9.3f}{job / floor:>9.2f}")
    reports = report.get("seconds", 0.0) / max(n, 1)
    print(f"{'reports and gradebook (whole class / notebooks)':<58}{reports:>9.3f}")
    print(f"{'wall time / notebooks':<58}{our_seconds / max(n, 1):>9.3f}")
    rows = theirs
    their = {key: sum(r.get(key, 0.0) for r in rows) / max(len(rows), 1)
             for key, _ in NBGRADER_PHASES[:-1]}
    total = sum(r["total"] for r in rows) / max(len(rows), 1)
    their["other"] = max(total - sum(their.values()), 0.0)
    floor = their["student cells"] or 1e-9
    print("\nper notebook, nbgrader autograde (serial)")
    print(f"{'phase':<58}{'seconds':>9}{'x floor':>9}")
    for key, label in NBGRADER_PHASES:
        print(f"{label:<58}{their[key]:>9.3f}{their[key] / floor:>9.2f}")
    print(f"{'one notebook, all phases':<58}{total:>9.3f}{total / floor:>9.2f}")
    outside = (their_seconds - total * len(rows)) / max(n, 1)
    print(f"{'nbgrader start, generate_assignment (per notebook)':<58}{outside:>9.3f}")
    print(f"{'wall time / notebooks':<58}{their_seconds / max(n, 1):>9.3f}")


def grade_class(students: int, notebooks: list[str], jobs: int, timeout: int,
                hostile: int) -> bool:
    """Build one class, grade it with both graders, print the breakdown and the ratio;
    False if a non-hostile submission's scores differ."""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    folder = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    try:
        kinds = build_class(folder, students, notebooks, hostile)
        ours, our_seconds, our_rows = autograder_scores(folder, folder / "ours", jobs,
                                                        timeout, notebooks)
        theirs, their_seconds, their_rows = nbgrader_scores(folder, timeout, notebooks)
        compared = [k for k, kind in kinds.items() if kind != "hostile"]
        different = [(k, theirs.get(k), ours.get(k)) for k in compared
                     if theirs.get(k) != ours.get(k)]
        n = len(kinds)
        breakdown(our_rows, our_seconds, their_rows, their_seconds, n, jobs)
        print(f"\nclass: {students} students x {len(notebooks)} notebooks = {n} "
              f"submissions ({hostile} hostile per notebook), {os.cpu_count()} cores, "
              f"load average before: {load}")
        print(f"{'grader':<36}{'seconds':>9}{'per notebook':>14}")
        print(f"{'nbgrader autograde (serial)':<36}{their_seconds:>9.1f}{their_seconds / n:>14.2f}")
        print(f"{f'python -m autograder --jobs {jobs}':<36}{our_seconds:>9.1f}"
              f"{our_seconds / n:>14.2f}")
        print(f"speed ratio nbgrader / ours: {their_seconds / our_seconds:.2f}x (goal >= 10x)")
        print(f"identical scores on {len(compared) - len(different)}/{len(compared)} "
              "non-hostile submissions")
        for key, theirs_score, ours_score in different[:20]:
            print(f"  DIFFERENT {key}: nbgrader {theirs_score}, ours {ours_score}")
        return not different
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=60,
                        help="students of the notebook-01 class (or of --notebook's)")
    parser.add_argument("--mixed", type=int, default=10,
                        help="students per notebook of the six-notebook class (0: none)")
    parser.add_argument("--hostile", type=int, default=0,
                        help="hostile students per notebook in every class")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=int, default=20, help="per-cell seconds, both")
    parser.add_argument("--notebook", action="append", choices=assignments(),
                        help="grade one class of only this notebook (repeatable)")
    args = parser.parse_args(argv)
    classes = [(args.students, args.notebook)] if args.notebook else [
        (args.students, ["01_neuron_and_xor"]), (args.mixed, assignments())]
    same = True
    for students, notebooks in classes:
        if students:
            same = grade_class(students, notebooks, args.jobs, args.timeout,
                               args.hostile) and same
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
