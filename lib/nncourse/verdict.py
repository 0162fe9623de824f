"""The result of judging one check: passed or not, what was wrong, and layered hints."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Verdict:
    """What a judge decided about one check.

    ``message`` says what was expected and what was seen (shapes first); ``hints`` go from
    the symptom (shape, sign, scale, which input) to the idea or the lesson section, never
    to the answer's formula or code.
    """

    passed: bool
    message: str = ""
    hints: list[str] = field(default_factory=list)
    #: for a wrong array answer, ``{"expected": ..., "seen": ...}`` (same shape), so a
    #: notebook can draw where they differ; never part of the plain data a grader stores
    arrays: dict | None = field(default=None, repr=False, compare=False)
    #: the check itself crashed (a bug in the course, not in the student's answer): the
    #: student is told so, and the grader reports it loudly to the instructor
    course_bug: bool = False
    #: the exercise is still the release's stub (``raise NotImplementedError()``): the
    #: self-check counts it as "not yet", not as a failure
    not_written: bool = False

    @classmethod
    def ok(cls, message: str = "") -> Verdict:
        return cls(True, message)

    @classmethod
    def fail(cls, message: str, *hints: str) -> Verdict:
        return cls(False, message, [h for h in hints if h])

    @classmethod
    def not_yet(cls, message: str, *hints: str) -> Verdict:
        """A failure because the exercise is not written yet (its stub raised)."""
        return cls(False, message, [h for h in hints if h], not_written=True)

    def __bool__(self) -> bool:
        return self.passed

    def render(self, max_hints: int | None = None) -> str:
        """The message and up to ``max_hints`` hints, one per line."""
        lines = [self.message] if self.message else []
        hints = self.hints if max_hints is None else self.hints[:max_hints]
        lines += [f"  hint: {h}" for h in hints]
        return "\n".join(lines)


def first_failure(*verdicts: Verdict) -> Verdict:
    """The first failing verdict, or a passing one if all pass."""
    for verdict in verdicts:
        if not verdict.passed:
            return verdict
    return Verdict.ok()
