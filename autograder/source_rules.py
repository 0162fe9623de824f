"""Rules decided from the answer cells' syntax, in the grader's process, that cost points.

The student's process is the student's: a rule checked there (the complex-number watch of
:mod:`nncourse.derived`) can be seen and switched off by their code, and it cannot see a
complex temporary that is never stored (``cmath.exp(complex(x, h)).imag / h``). The
submitted notebook's syntax tree, read here, is out of the student's reach. A graded
function whose contract says its gradient is *derived* and whose code (or a helper it uses)
computes with complex numbers (:func:`autograder.integrity.analyse`'s
``complex-arithmetic`` rows: ``1j``, ``complex``, ``cmath``, ``.imag``, a complex dtype)
breaks that rule: every test cell that grades it scores 0, with the reason. So does a function
whose contract says warning-free and whose code, or the notebook's code outside functions,
silences numpy (``silences-warnings``: ``np.errstate`` or ``np.seterr`` turned off at run time
cannot be seen from the student's process once it is done).

The same rows are in ``integrity.csv`` for the instructor; this module is where they become
points, so the rule the student is told ("derived by hand: no numerical differences
(complex numbers included)") and the rule graded are one.
"""

from __future__ import annotations

from autograder.assemble import TestCell
from autograder.judge import TestResult
from autograder.submissions import Submission

GRADED_RULES = {
    "complex-arithmetic": "Derive the gradient by hand (the chain rule, node by node) with "
                          "real numbers; a complex step is a numerical estimate.",
    "silences-warnings": "Avoid the overflow instead of hiding it: for a large input, which "
                         "form of the expression computes exp only of numbers that cannot "
                         "be large?",
}
"""The integrity rows that cost points (the others only inform the instructor), each with
the hint a student gets with the lost points."""


class Breach(str):
    """What a graded function did that breaks a rule (its text), and which rule."""

    rule: str = ""


def breaches(submission: Submission) -> dict[str, str]:
    """Graded function -> the first rule it breaks by its syntax (for :data:`GRADED_RULES`):
    a :class:`Breach`, the detail as text, with ``.rule``."""
    from autograder.integrity import analyse

    rows, _ = analyse(submission)
    found: dict[str, str] = {}
    for _, _, function, rule, detail in rows:
        if rule in GRADED_RULES:
            breach = Breach(detail)
            breach.rule = rule
            found.setdefault(function, breach)
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
        rule = getattr(broken[names[0]], "rule", "complex-arithmetic")
        changed.append(TestResult(result.test, 0.0, result.max_points, why,
                                  GRADED_RULES.get(rule, GRADED_RULES["complex-arithmetic"])))
    return changed
