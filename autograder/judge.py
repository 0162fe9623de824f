"""The verdicts, computed in the grader's own process from the probes' plain data.

Nothing the student's code did in its kernel is trusted: a test cell earns its points only
when its probe records are, one for one and in order, the checks the instructor's source
lists for it (a record published by anything but the test cell's own ``check()`` calls,
an extra or a reordered one, fails the cell as tampering), and the judge (the course
library's, imported here, not in the kernel) accepts each record's data. Data with an
empty list where results belong is malformed, never a pass. A check that never reported
gets the reason why: the cell's error, the cap that stopped the kernel, or "did not run".

Every reason is the grader's own words: the check's public label (its description; a hidden
check is named only as one of its test cell's), what kind of failure it was, and the first
hint the course wrote for it. No text from the kernel reaches a report: an exception is
named only as "NotImplementedError" or "an error" (:func:`reported_error`), a warning by
numpy's own wording only, and the values a
function returned are judged, never quoted (the student sees them by running the visible
tests in their notebook), so nothing a student's code found (a hidden probe's source, a
classmate's anything) can be carried out through feedback or notes.
"""

from __future__ import annotations

import builtins
import re
import sys
import threading
from dataclasses import asdict, dataclass

from nncourse.checking import find_check, judge_seen
from nncourse.plain import decode, encode

import autograder.hidden  # noqa: F401 - registers the hidden checks here, in the grader
from autograder.assemble import TestCell

COURSE_BUGS: list[str] = []
"""Judges that crashed in this process (a bug in the course): ``grade`` prints them."""


@dataclass
class TestResult:
    test: str
    points: float
    max_points: float
    reason: str
    hint: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


BUILTIN_ERRORS = frozenset(name for name, value in vars(builtins).items()
                           if isinstance(value, type) and issubclass(value, BaseException))
KNOWN_ERRORS = BUILTIN_ERRORS | {"RuleBroken", "CheckFailed"}
NUMPY_WARNING = re.compile(r"(overflow|underflow|divide by zero|invalid value) encountered in "
                           r"[a-z_ ]{1,40}")


def error_type(text) -> str:
    """The exception named in the kernel's ``"Type: message"`` text, by its type only, and
    only if that is a built-in one (or the course's): "an exception of its own type"
    otherwise. Messages are the kernel's words and never reach a report."""
    name = str(text or "").split(":", 1)[0].strip()
    return name if name in KNOWN_ERRORS else "an exception of its own type"


def reported_error(text) -> str:
    """How a report (notes, reasons, feedback) names an exception the kernel raised:
    "NotImplementedError" (the exercise is not written yet) or "an error". The kernel
    chooses which exception it raises, so naming any of the sixty built-in types would let
    each failing cell carry about six bits of whatever the student's code read (a running
    test cell's hidden source) out into a report; this way a cell carries one bit, as its
    pass or fail does anyway. The student sees the exception itself in their notebook."""
    return "NotImplementedError" if error_type(text) == "NotImplementedError" else "an error"


def _safe_seen(seen: dict) -> dict:
    """Probe data with the kernel's words replaced by the grader's: an exception by its
    type, a warning by numpy's own wording."""
    seen = dict(seen)
    raised = seen.get("raised")
    if raised is not None:
        kind = error_type(raised)
        seen["raised"] = {"RuleBroken": "RuleBroken: it uses what the contract does not allow"
                          }.get(kind, kind)
    warned = seen.get("warnings")
    if isinstance(warned, list):
        seen["warnings"] = [w if isinstance(w, str) and NUMPY_WARNING.fullmatch(w)
                            else "a warning" for w in warned[:10]]
    return seen


def _is_hidden(found) -> bool:
    return type(found).__module__.startswith("autograder.hidden")


def _reason(found, number: int, verdict, seen: dict) -> str:
    """A failed check's reason in the grader's words: its public label, what went wrong."""
    label = f"hidden check {number + 1} of this test cell" if _is_hidden(found) \
        else found.description
    raised = seen.get("raised")
    if isinstance(raised, str) and raised.startswith("RuleBroken"):
        what = ("breaks a rule of the contract (numpy, the standard library and your own "
                "functions only)")
    elif isinstance(raised, str) and raised.startswith("NotImplementedError"):
        what = "not implemented yet"
    elif raised:
        what = f"your code raised {reported_error(raised)}"
    elif found.warnings_fail and seen.get("warnings"):
        what = "numpy warned while running your code"
    else:
        what = "your function's results are not right"
    return f"{label}: {what}"


def _same_args(published, expected: dict) -> bool:
    try:
        return encode(published) == encode(expected)
    except (TypeError, ValueError):
        return False


_THREAD = threading.local()
_TORCH_IMPORTED = threading.Event()
_TORCH_IMPORTED.set()  # nothing is importing it: judges import it themselves when they need it


def import_torch_in_background() -> None:
    """Start importing torch (the judges' oracle) in a thread of its own, so the first job's
    judges do not wait for it; every judge waits until that import has ended. A judge never
    sees a half-imported torch: while an import runs, ``torch`` is in ``sys.modules`` without
    most of its names (a grading thread that used it then lost a test cell's points)."""
    if "torch" in sys.modules or not _TORCH_IMPORTED.is_set():
        return
    _TORCH_IMPORTED.clear()

    def run() -> None:
        try:
            import torch  # noqa: F401
        except Exception:  # noqa: BLE001, S110 - a judge that needs it imports it and says why
            pass
        finally:
            _TORCH_IMPORTED.set()

    threading.Thread(target=run, daemon=True).start()


def one_torch_thread() -> None:
    """Let torch compute this thread's judges on one core (once per thread; torch's thread
    count is per thread). The judges' tensors are small, and the grading workers beside them
    already use every core: torch's own pool of one thread per core then waits on busy cores
    (judges measured 20 times slower under load). Waits first for a background import of
    torch (:func:`import_torch_in_background`) to end."""
    _TORCH_IMPORTED.wait()
    if getattr(_THREAD, "one", False) or "torch" not in sys.modules:
        return
    sys.modules["torch"].set_num_threads(1)
    _THREAD.one = True


def judge_events(tests: list[TestCell], events: list[dict],
                 skipped: dict[int, str], seed: int = 0) -> list[TestResult]:
    """Points and reasons for every test cell, from a run's events.

    skipped: cell index -> why that cell was not run (it hung or killed the kernel before).
    seed: the job's seed, which checks with fresh inputs drew them from.
    """
    one_torch_thread()
    errors = {e["cell"]: e.get("error") for e in events if e.get("event") == "end"}
    started = {e["cell"] for e in events if e.get("event") == "start"}
    aborts = [e for e in events if e.get("event") == "abort"]
    probes: dict[int, list] = {}
    for event in events:
        if event.get("event") == "probe":
            try:
                record = decode(event["payload"])
            except Exception:  # noqa: BLE001 - whatever a kernel sent, it only costs itself
                record = None
            probes.setdefault(event.get("cell"), []).append(record)
    results = []
    for test in tests:
        reasons, hints = [], []
        published = probes.get(test.index, [])
        stray = _unaccounted(published, test.checks)
        if stray is not None:
            results.append(TestResult(
                test.grade_id, 0.0, test.points,
                "tampering: this test cell received a result that its own checks did not "
                "send; results can only come from the test cell's check() calls"))
            continue
        for number, (name, args) in enumerate(test.checks):
            found = find_check(name)
            label = f"hidden check {number + 1} of this test cell" if _is_hidden(found) \
                else found.description
            if number >= len(published):  # the cell stopped before this check reported
                why = _why_missing(test.index, errors, started, aborts, skipped)
                reasons.append(f"{label}: {why}")
                continue
            seen = published[number].get("seen")
            empty = _empty_results(seen)
            if empty:
                reasons.append(f"{label}: malformed results (a result is empty)")
                continue
            if _too_much_text(seen):
                reasons.append(f"{label}: malformed results (text where values belong)")
                continue
            seen = _safe_seen(seen if isinstance(seen, dict) else {})
            try:
                verdict = judge_seen(found, seen, args, seed)
            except Exception as error:  # noqa: BLE001 - malformed data must not crash grading
                reasons.append(f"{label}: unreadable results ({type(error).__name__})")
                continue
            if verdict.course_bug:  # loud for the instructor, whatever the student sees
                COURSE_BUGS.append(f"{test.grade_id}: {verdict.message}")
            if not verdict.passed:
                reasons.append(_reason(found, number, verdict, seen))
                hints.extend(verdict.hints[:1])
        passed = not reasons
        results.append(TestResult(test.grade_id, test.points if passed else 0.0, test.points,
                                  "passed" if passed else " | ".join(reasons),
                                  " | ".join(dict.fromkeys(hints))))
    return results


def _unaccounted(published: list, checks: list[tuple[str, dict]]) -> str | None:
    """None if the records are, in order, the first ``len(published)`` of ``checks``;
    otherwise what the first record that is not looks like."""
    if len(published) > len(checks):
        return f"{len(published)} results for {len(checks)} checks"
    for record, (name, args) in zip(published, checks):
        if not isinstance(record, dict) or record.get("check") != name \
                or not _same_args(record.get("args"), args):
            label = record.get("check") if isinstance(record, dict) else type(record).__name__
            return f"{str(label)[:60]!r} where {name!r} was due"
    return None


MAX_STRING_CHARS = 4000
MAX_TEXT_CELLS = 4_000_000
"""A probe's strings: each at most MAX_STRING_CHARS characters, and their count times the
longest one's length at most MAX_TEXT_CELLS (numpy turns a list of strings into a fixed-width
array as wide as the longest one: 16 MB at most). A count alone was no bound on memory and
failed right work: notebook 06's stopping runs record 1746 short dict keys."""


def _too_much_text(seen) -> bool:
    """Whether a probe's data holds a string longer than :data:`MAX_STRING_CHARS`, or so many
    strings that, as wide as the longest, they would take more than :data:`MAX_TEXT_CELLS`
    characters. No check's results are text beyond an exception's or a warning's words and
    the keys of its dicts."""
    pending, strings, longest = [seen], 0, 0
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            strings, longest = strings + 1, max(longest, len(value))
            if longest > MAX_STRING_CHARS or strings * max(longest, 1) > MAX_TEXT_CELLS:
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list | tuple):
            pending.extend(value)
    return False


def _empty_results(seen) -> str | None:
    """The first top-level result of a probe that is an empty list (``warnings`` aside): no
    check's results are ever empty, and a judge must not pass for lack of anything to
    compare."""
    if not isinstance(seen, dict):
        return None
    for key, value in seen.items():
        if key != "warnings" and isinstance(value, list | tuple) and len(value) == 0:
            return str(key)[:60]
    return None


def _why_missing(index: int, errors: dict, started: set, aborts: list,
                 skipped: dict[int, str]) -> str:
    if index in skipped:
        return f"not run: {skipped[index]}"
    if errors.get(index):
        earlier = [f"cell {i}: {why}" for i, why in sorted(skipped.items()) if i < index]
        return f"the test cell raised {reported_error(errors[index])}" + (
            f" (an earlier cell was stopped and skipped: {earlier[-1]})" if earlier else "")
    if index not in started:
        stop = aborts[0] if aborts else None
        return f"not run: {stop['reason']}" if stop else "not run"
    return "did not report a result"
