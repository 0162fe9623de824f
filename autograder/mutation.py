"""Mutation testing of the graded tests, through the real grading pipelines.

Each notebook has a catalogue (``autograder/mutants/nbNN.py``) of plausible wrong answers
(*mutants*, each must lose points) and correct answers written differently (*variants*, each
must keep full marks). A mutant or variant changes one solution cell of the instructor's
answer: ``edits`` replaces text (each old string must occur exactly once), or ``source``
replaces the whole cell. Every one becomes a student submission, graded by the course's
autograder (``python -m autograder``: sandboxed, judged outside the student's process) or,
with ``--engine nbgrader``, by plain ``nbgrader autograde`` (slower, judged in the kernel).
Two more students come free: ``solution`` (full marks) and ``blank`` (the unanswered release,
zero points).
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course import autograde, generate_release
from autograder.notebooks import (
    assignments,
    filled_notebook,
    solution_sources,
    write_student_file,
)


@dataclass
class Mutant:
    """A plausible wrong answer: it must lose points."""

    name: str
    cell: str
    edits: list[tuple[str, str]] = field(default_factory=list)
    source: str | None = None
    why: str = ""
    expect_full_marks = False
    kind = "mutant"

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
class Shortcut(Mutant):
    """Right-looking outputs without doing the exercise (an operator instead of the neurons,
    torch autograd, the course's checker, an ignored argument): it must lose points."""

    kind = "shortcut"


@dataclass
class Variant(Mutant):
    """A correct answer written differently: it must keep full marks."""

    expect_full_marks = True
    kind = "variant"


def catalogue(assignment: str) -> list[Mutant]:
    """The mutants and variants of ``assignment``: module ``autograder.mutants.nbNN``, then
    ``autograder.mutants.students_nbNN`` (correct answers written from the student's side:
    by people who read only the student notebook and the contract), if there is one."""
    module = importlib.import_module(f"autograder.mutants.nb{assignment[:2]}")
    found = (list(module.MUTANTS) + list(getattr(module, "SHORTCUTS", []))
             + list(module.VARIANTS))
    try:
        students = importlib.import_module(f"autograder.mutants.students_nb{assignment[:2]}")
    except ModuleNotFoundError as error:
        if error.name != f"autograder.mutants.students_nb{assignment[:2]}":
            raise
        return found
    return found + list(getattr(students, "SHORTCUTS", [])) + list(students.VARIANTS)


KINDS = ("mutant", "shortcut", "variant")
"""The catalogue's kinds, graded by default. ``split`` (:mod:`autograder.split`: each mutant
honest under one kind of check only, built from the mutants) is graded when asked for."""


@dataclass
class Outcome:
    """One submission's automatic points (``score`` of ``max_score``): both engines count the
    test cells only, so "full" means every automatic point; a written answer, graded by hand
    in formgrader, is in neither."""

    student: str
    expected: str  # "full", "less than full" or "zero"
    score: float
    max_score: float
    why: str = ""  # the reasons of the tests that lost points, and the notes (ours only)

    @property
    def ok(self) -> bool:
        if self.expected == "full":
            return self.max_score > 0 and self.score == self.max_score
        if self.expected == "zero":
            return self.score == 0
        return self.score < self.max_score


def submissions_for(assignment: str, release: Path | None,
                    kinds: tuple[str, ...] = KINDS, match: str = "") -> tuple[dict, dict[str, str]]:
    """Student notebooks (solution, blank, and the catalogue's entries of ``kinds``) and the
    score each must get."""
    solutions = solution_sources(assignment)
    submissions = {"solution": filled_notebook(assignment, solutions, release),
                   "blank": filled_notebook(assignment, {}, release)}
    expected = {"solution": "full", "blank": "zero"}
    entries = [e for e in catalogue(assignment) if e.kind in kinds and match in e.name]
    if "split" in kinds:
        from autograder.split import split_entries

        entries += split_entries(assignment, match)
    for entry in entries:
        student = f"{entry.kind}-{entry.name}"
        submissions[student] = filled_notebook(assignment, entry.answers(solutions), release)
        expected[student] = "full" if entry.expect_full_marks else "less than full"
    return submissions, expected


def run_with_nbgrader(assignment: str, kinds: tuple[str, ...] = KINDS) -> list[Outcome]:
    """Grade one notebook's solution, blank release (and the catalogue's entries of
    ``kinds``) with nbgrader autograde."""
    work = Path(tempfile.mkdtemp(prefix=f"mutate-{assignment}-"))
    try:
        release = generate_release(assignment, work)
        submissions, expected = submissions_for(assignment, release, kinds)
        scores = autograde(assignment, submissions, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return [Outcome(s, expected[s], *scores[s]) for s in submissions]


def run_with_autograder(selected: list[str], jobs: int = 2, kinds: tuple[str, ...] = KINDS,
                        match: str = "") -> dict[str, list[Outcome]]:
    """Grade every catalogue of ``selected`` as one class with ``python -m autograder``'s
    engine: sandboxed warm workers, verdicts judged outside the student's process."""
    from autograder.config import load
    from autograder.grade import grade_all
    from autograder.report import load_results
    from autograder.sandbox import bwrap_available
    from autograder.submissions import discover

    work = Path(tempfile.mkdtemp(prefix="mutate-class-"))
    try:
        expected: dict[tuple[str, str], str] = {}
        for assignment in selected:
            submissions, wanted = submissions_for(assignment, None, kinds, match)
            for student, notebook in submissions.items():
                write_student_file(notebook, work, "submitted", student, assignment)
                expected[(student, assignment)] = wanted[student]
        found = [s for s in discover(work / "submitted", selected)
                 if (s.student, s.assignment) in expected]
        summary = grade_all(found, work / "out", load(jobs=jobs), bwrap_available(),
                            [str(work)], show_progress=False)
        if summary["failures"]:
            raise RuntimeError("grading failed: " + "; ".join(summary["failures"]))
        records = {(r["student"], r["assignment"]): r for r in load_results(work / "out")}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {a: [Outcome(s, expected[(s, a)], records[(s, a)]["points"],
                        records[(s, a)]["max_points"], _lost(records[(s, a)]))
                for (s, b) in sorted(expected) if b == a] for a in selected}


def _lost(record: dict) -> str:
    """What a result record says of the points it lost: each failing test's reason, the
    notes (a variant that loses a point under load says why in the table)."""
    lost = [f"{t['test']}: {t['reason']}" for t in record.get("tests", [])
            if t.get("points", 0) < t.get("max_points", 0)]
    return " | ".join(lost + list(record.get("notes", [])))[:1500]


def main(selected: list[str], jobs: int = 2, engine: str = "autograder",
         kinds: tuple[str, ...] = KINDS, match: str = "") -> int:
    """Mutation-test the selected notebooks (all by default) with the catalogue entries of
    ``kinds``; print a table; 0 if all ok."""
    selected = ([_full_id(a) for a in selected] if selected
                else [a for a in assignments() if _has_catalogue(a)])
    if engine == "nbgrader":
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = dict(zip(selected, pool.map(
                lambda a: run_with_nbgrader(a, kinds), selected)))
    else:
        results = run_with_autograder(selected, jobs, kinds, match)
    failures = 0
    for assignment, outcomes in results.items():
        mutants = [o for o in outcomes if o.student.startswith("mutant-")]
        shortcuts = [o for o in outcomes if o.student.startswith("shortcut-")]
        variants = [o for o in outcomes if o.student.startswith("variant-")]
        splits = [o for o in outcomes if o.student.startswith("split-")]
        print(f"\n{assignment}: {sum(o.ok for o in mutants)}/{len(mutants)} mutants killed, "
              f"{sum(o.ok for o in shortcuts)}/{len(shortcuts)} shortcuts killed, "
              f"{sum(o.ok for o in variants)}/{len(variants)} variants kept"
              + (f", {sum(o.ok for o in splits)}/{len(splits)} split personalities killed"
                 if splits else "") + f" ({engine})")
        if "split" in kinds:
            from autograder.split import unsplittable

            for name, why in unsplittable(assignment, match):
                print(f"  (no split entries for mutant {name}: {why})")
        for outcome in outcomes:
            failures += not outcome.ok
            mark = "ok  " if outcome.ok else "FAIL"
            print(f"  {mark} {outcome.student:<45} {outcome.score:g}/{outcome.max_score:g} "
                  f"(expected {outcome.expected})")
            if not outcome.ok and outcome.expected == "full" and outcome.why:
                print(f"       lost: {outcome.why}")
    return 1 if failures else 0


def _full_id(name: str) -> str:
    """The notebook id ``name`` stands for: itself, or the one id it begins (``01``)."""
    found = [a for a in assignments() if a == name] or [
        a for a in assignments() if a.startswith(name)]
    if len(found) != 1:
        raise SystemExit(f"{name!r} names no single notebook; the ids: {', '.join(assignments())}")
    return found[0]


def _has_catalogue(assignment: str) -> bool:
    return importlib.util.find_spec(f"autograder.mutants.nb{assignment[:2]}") is not None
