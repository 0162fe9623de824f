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
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course import autograde, generate_release
from autograder.notebooks import assignments, filled_notebook, solution_sources


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


def run_assignment(assignment: str) -> list[Outcome]:
    """Grade the solution, the blank release, and every mutant and variant of one notebook."""
    solutions = solution_sources(assignment)
    work = Path(tempfile.mkdtemp(prefix=f"mutate-{assignment}-"))
    try:
        release = generate_release(assignment, work)
        submissions = {"solution": filled_notebook(assignment, solutions, release),
                       "blank": filled_notebook(assignment, {}, release)}
        expected = {"solution": "full", "blank": "zero"}
        for entry in catalogue(assignment):
            student = ("variant-" if entry.expect_full_marks else "mutant-") + entry.name
            submissions[student] = filled_notebook(assignment, entry.answers(solutions), release)
            expected[student] = "full" if entry.expect_full_marks else "less than full"
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
