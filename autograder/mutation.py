"""Mutation testing of the graded tests, through real ``nbgrader autograde``.

Each notebook has a catalogue (``autograder/mutants/nbNN.py``) of plausible wrong answers
(*mutants*, each must lose points) and correct answers written differently (*variants*, each
must keep full marks). A mutant or variant changes one or more solution cells of the
instructor's answer: ``edits`` replaces text (each old string must occur exactly once), or
``source`` replaces whole cells. Every one becomes a student submission, graded by nbgrader.
Two more students come free: ``solution`` (full marks) and ``blank`` (the unanswered release,
zero points).
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.notebooks import COURSE, assignments, filled_notebook, solution_sources


@dataclass
class Mutant:
    """A plausible wrong answer: it must lose points."""

    name: str
    cell: str
    edits: list[tuple[str, str]] = field(default_factory=list)
    source: str | None = None
    why: str = ""
    expect_full_marks = False

    def answers(self, solutions: dict[str, str]) -> dict[str, str]:
        """The solution cells with this change applied."""
        answers = dict(solutions)
        if self.cell not in answers:
            raise KeyError(f"{self.name}: no solution cell {self.cell!r}")
        text = self.source if self.source is not None else answers[self.cell]
        for old, new in self.edits:
            if text.count(old) != 1:
                raise ValueError(f"{self.name}: {old!r} occurs {text.count(old)} times in "
                                 f"cell {self.cell!r}, expected once")
            text = text.replace(old, new)
        answers[self.cell] = text
        return answers


@dataclass
class Variant(Mutant):
    """A correct answer written differently: it must keep full marks."""

    expect_full_marks = True


def catalogue(assignment: str) -> list[Mutant]:
    """The mutants and variants of ``assignment`` (module ``autograder.mutants.nbNN``)."""
    module = importlib.import_module(f"autograder.mutants.nb{assignment[:2]}")
    return list(module.MUTANTS) + list(module.VARIANTS)


@dataclass
class Outcome:
    student: str
    expected: str  # "full", "less than full" or "zero"
    score: float
    max_score: float

    @property
    def ok(self) -> bool:
        if self.expected == "full":
            return self.max_score > 0 and self.score == self.max_score
        if self.expected == "zero":
            return self.score == 0
        return self.score < self.max_score


def nbgrader_env(work: Path) -> dict[str, str]:
    """Environment for nbgrader run on the course config with its work files in ``work``."""
    env = dict(os.environ, NNCOURSE_WORK=str(work))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def nbgrader(args: list[str], work: Path, timeout: float = 1800) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in ``course/`` with work files (gradebook, submissions) in work."""
    return subprocess.run([str(Path(sys.executable).parent / "nbgrader"), *args],
                          cwd=COURSE, env=nbgrader_env(work), capture_output=True, text=True,
                          timeout=timeout)


def generate_release(assignment: str, work: Path) -> Path:
    """``nbgrader generate_assignment`` into ``work/release`` (and work's gradebook).

    Returns the generated student notebook's path. The gradebook then knows the assignment's
    notebooks and grade cells, as ``nbgrader autograde`` requires.
    """
    release = work / "release"
    done = nbgrader(["generate_assignment", assignment, "--force", "--log-level=WARN",
                     f"--CourseDirectory.release_directory={release}"], work)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment {assignment} failed:\n"
                           f"{done.stderr[-4000:]}")
    return release / assignment / f"{assignment}.ipynb"


def autograde(assignment: str, submissions: dict[str, nbformat.NotebookNode],
              work: Path) -> dict[str, tuple[float, float]]:
    """Grade ``submissions`` (student -> notebook) with nbgrader; student -> (score, max)."""
    from nbgrader.api import Gradebook

    for student, notebook in submissions.items():
        folder = work / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, folder / f"{assignment}.ipynb")
    done = nbgrader(["autograde", assignment, "--create", "--force", "--log-level=WARN"], work)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader autograde {assignment} failed:\n{done.stderr[-4000:]}")
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gradebook:
        return {s: (gradebook.find_submission(assignment, s).score,
                    gradebook.find_submission(assignment, s).max_score) for s in submissions}


def run_assignment(assignment: str) -> list[Outcome]:
    """Grade the solution, the blank release, and every mutant and variant of one notebook."""
    solutions = solution_sources(assignment)
    entries = catalogue(assignment)
    submissions = {"solution": filled_notebook(assignment, solutions),
                   "blank": filled_notebook(assignment, {})}
    expected = {"solution": "full", "blank": "zero"}
    for entry in entries:
        student = ("variant-" if entry.expect_full_marks else "mutant-") + entry.name
        submissions[student] = filled_notebook(assignment, entry.answers(solutions))
        expected[student] = "full" if entry.expect_full_marks else "less than full"
    work = Path(tempfile.mkdtemp(prefix=f"mutate-{assignment}-"))
    try:
        generate_release(assignment, work)
        scores = autograde(assignment, submissions, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return [Outcome(s, expected[s], *scores[s]) for s in submissions]


def main(selected: list[str], jobs: int = 2) -> int:
    """Mutation-test the selected notebooks (all by default); print a table; 0 if all ok."""
    selected = selected or [a for a in assignments() if _has_catalogue(a)]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = dict(zip(selected, pool.map(run_assignment, selected)))
    failures = 0
    for assignment, outcomes in results.items():
        mutants = [o for o in outcomes if o.student.startswith("mutant-")]
        variants = [o for o in outcomes if o.student.startswith("variant-")]
        print(f"\n{assignment}: {sum(o.ok for o in mutants)}/{len(mutants)} mutants killed, "
              f"{sum(o.ok for o in variants)}/{len(variants)} variants kept")
        for outcome in outcomes:
            failures += not outcome.ok
            mark = "ok  " if outcome.ok else "FAIL"
            print(f"  {mark} {outcome.student:<45} {outcome.score:g}/{outcome.max_score:g} "
                  f"(expected {outcome.expected})")
    return 1 if failures else 0


def _has_catalogue(assignment: str) -> bool:
    return importlib.util.find_spec(f"autograder.mutants.nb{assignment[:2]}") is not None
