"""Grading a synthetic class: plain serial ``nbgrader autograde`` against ``python -m autograder``.

The class: STUDENTS students x every course notebook. Each student's notebook is, by turn,
the solution, a correct variant or a mutant from the mutation catalogue (partly wrong), the
blank release, or (two students per notebook) hostile: an infinite loop, or a cell that
exits the kernel. Both graders grade the same files; the benchmark prints both wall times
and the speed ratio, and asserts identical scores for every non-hostile submission.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.course import auto_points, nbgrader
from autograder.mutation import catalogue
from autograder.notebooks import (
    assignments,
    filled_notebook,
    solution_sources,
    write_student_file,
)

HOSTILE = {
    "loop": "while True:\n    pass\n",
    "exit": "import os\nos._exit(1)\n",
}


def build_class(folder: Path, students: int) -> dict[tuple[str, str], str]:
    """Write ``folder/submitted/...``; returns (student, notebook) -> kind."""
    kinds = {}
    for assignment in assignments():
        solutions = solution_sources(assignment)
        entries = catalogue(assignment)
        mutants = [e for e in entries if not e.expect_full_marks]
        variants = [e for e in entries if e.expect_full_marks]
        first_cell = next(iter(solutions))
        for i in range(students):
            student = f"s{i:03d}"
            slot = i % 10
            if i in (students - 1, students - 2):
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


def nbgrader_scores(work: Path, timeout: int) -> tuple[dict, float]:
    from nbgrader.api import Gradebook

    started = time.monotonic()
    for assignment in assignments():
        nbgrader(["generate_assignment", assignment, "--force", "--log-level=ERROR",
                  f"--CourseDirectory.release_directory={work / 'release'}"], work)
        nbgrader(["autograde", assignment, "--create", "--force", "--log-level=ERROR",
                  f"--ExecutePreprocessor.timeout={timeout}", f"--Execute.timeout={timeout}"],
                 work, timeout=36000)
    seconds = time.monotonic() - started
    scores = {}
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gradebook:
        for assignment in assignments():
            for submission in gradebook.assignment_submissions(assignment):
                student = submission.student.id
                scores[(student, assignment)] = auto_points(gradebook, assignment, student)[0]
    return scores, seconds


def autograder_scores(work: Path, out: Path, jobs: int, timeout: int) -> tuple[dict, float]:
    import csv

    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "autograder", "grade", str(work / "submitted"),
                    "--out", str(out), "--no-gradebook", "--jobs", str(jobs),
                    "--cell-wall-seconds", str(timeout)], check=True)
    seconds = time.monotonic() - started
    with open(out / "grades.csv") as handle:
        scores = {(r["student"], r["notebook"]): float(r["points"])
                  for r in csv.DictReader(handle)}
    return scores, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=int, default=20, help="per-cell seconds, both")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    try:
        kinds = build_class(folder, args.students)
        ours, our_seconds = autograder_scores(folder, folder / "ours", args.jobs, args.timeout)
        theirs, their_seconds = nbgrader_scores(folder, args.timeout)
        compared = [k for k, kind in kinds.items() if kind != "hostile"]
        different = [(k, theirs.get(k), ours.get(k)) for k in compared
                     if theirs.get(k) != ours.get(k)]
        n = len(kinds)
        print(f"\nclass: {args.students} students x {len(assignments())} notebooks = {n} "
              f"submissions, {os.cpu_count()} cores")
        print(f"{'grader':<36}{'seconds':>9}{'per notebook':>14}")
        print(f"{'nbgrader autograde (serial)':<36}{their_seconds:>9.1f}{their_seconds / n:>14.2f}")
        print(f"{f'python -m autograder --jobs {args.jobs}':<36}{our_seconds:>9.1f}"
              f"{our_seconds / n:>14.2f}")
        print(f"speed ratio nbgrader / ours: {their_seconds / our_seconds:.2f}x (goal >= 3x)")
        print(f"identical scores on {len(compared) - len(different)}/{len(compared)} "
              "non-hostile submissions")
        for key, theirs_score, ours_score in different[:20]:
            print(f"  DIFFERENT {key}: nbgrader {theirs_score}, ours {ours_score}")
        return 1 if different else 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
