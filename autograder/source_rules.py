"""Rules decided from the answer cells' syntax, in the grader's process, that cost points.

The student's process is the student's: a rule checked there (the complex-number watch of
:mod:`nncourse.derived`) can be seen and switched off by their code, and it cannot see a
complex temporary that is never stored (``cmath.exp(complex(x, h)).imag / h``). The
submitted notebook's syntax tree, read here, is out of the student's reach. A graded
function whose contract says its gradient is *derived* and whose code (or a helper it uses)
computes with complex numbers (:func:`autograder.integrity.analyse`'s
``complex-arithmetic`` rows: ``1j``, ``complex``, ``cmath``, ``.imag``, a complex dtype)
breaks that rule: every test cell that grades it scores 0, with the reason.

The same rows are in ``integrity.csv`` for the instructor; this module is where they become
points, so the rule the student is told ("derived by hand: no numerical differences
(complex numbers included)") and the rule graded are one.
"""

from __future__ import annotations

from autograder.assemble import TestCell
from autograder.judge import TestResult
from autograder.submissions import Submission

GRADED_RULES = ("complex-arithmetic",)
"""The integrity rows that cost points (the others only inform the instructor)."""


def breaches(submission: Submission) -> dict[str, str]:
    """Graded function -> the first rule it breaks by its syntax (for :data:`GRADED_RULES`)."""
    from autograder.integrity import analyse

    rows, _ = analyse(submission)
    found: dict[str, str] = {}
    for _, _, function, rule, detail in rows:
        if rule in GRADED_RULES:
            found.setdefault(function, detail)
    return found


def apply(tests: list[TestCell], results: list[TestResult],
          broken: dict[str, str]) -> list[TestResult]:
    """``results`` with every test cell that grades a function in ``broken`` at 0 points."""
    if not broken:
        return results
    by_id = {t.grade_id: t for t in tests}
    changed = []
    for result in results:
        test = by_id.get(result.test)
        names = [n for n in (test.functions if test else ()) if n in broken]
        if not names:
            changed.append(result)
            continue
        why = "; ".join(f"{n} breaks a rule of the contract: it {broken[n]}" for n in names)
        changed.append(TestResult(result.test, 0.0, result.max_points, why,
                                  "Derive the gradient by hand (the chain rule, node by "
                                  "node) with real numbers; a complex step is a numerical "
                                  "estimate."))
    return changed
