"""Compare what a student's code returned with what was expected, and name the likely bug.

Every comparison reports shapes first, then values; where the difference has a recognisable
pattern (transposed, sign flipped, off by a constant factor: its number only when it is ``N``
or ``1/N``, a row vector missing from every row, all zeros, overflow) the message says so.
A check of an exercise whose answer is a short formula of its inputs judges under
:func:`expected_hidden`: its messages never show the expected values.
"""

from __future__ import annotations

import contextlib
import contextvars

import numpy as np

from nncourse.verdict import Verdict

RTOL = 1e-5
ATOL = 1e-7

_EXPECTED_HIDDEN = contextvars.ContextVar("expected_hidden", default=False)


@contextlib.contextmanager
def expected_hidden(hidden: bool = True):
    """While the body runs (a judge of a check whose ``expected_hidden`` is set: an exercise
    whose answer is a short formula of its inputs, such as a penalty's gradient), failure
    messages of :func:`compare` say where and by how much the values are wrong, never the
    expected values themselves, and carry no picture of them: next to the inputs, the
    expected array of ``lam * sign(W)`` is the formula."""
    token = _EXPECTED_HIDDEN.set(bool(hidden))
    try:
        yield
    finally:
        _EXPECTED_HIDDEN.reset(token)


def _as_array(value) -> np.ndarray | None:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def describe(value) -> str:
    """A short description of a value: its type, and shape and dtype for arrays."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}, dtype {value.dtype}"
    if value is None:
        return "None"
    return f"{type(value).__name__} {value!r}"[:120]


def _preview(array: np.ndarray) -> str:
    with np.printoptions(precision=4, suppress=True, threshold=12, edgeitems=2):
        return np.array2string(np.asarray(array), separator=", ").replace("\n", "")


def diagnose(got: np.ndarray, expected: np.ndarray, n: int | None = None,
             rtol: float = RTOL, atol: float = ATOL) -> str | None:
    """Name the pattern relating ``got`` to ``expected`` (same shape), or ``None``.

    ``n`` is the batch size where a missing or extra ``1/N`` is plausible.
    """
    if not np.all(np.isfinite(got)):
        return ("it contains nan or inf: an overflow? (exp of a large number; "
                "subtract the maximum first, or use a stable formula)")
    if np.allclose(got, 0.0, atol=atol) and not np.allclose(expected, 0.0, atol=atol):
        return "it is all zeros: was the result never computed, or never accumulated?"
    if got.size < 2:
        return None  # one number is always some multiple of another: nothing to recognise
    if _close(got, -expected, rtol, atol):
        return "it has the opposite sign everywhere: a sign flipped?"
    if got.ndim == 2 and got.shape[0] == got.shape[1] and _close(got, expected.T, rtol, atol):
        return "it is the transpose of the expected matrix: the two factors swapped?"
    scale = np.vdot(got, expected) / max(np.vdot(expected, expected), 1e-300)
    if scale != 0 and abs(scale - 1) > 1e-3 and _close(got, scale * expected, rtol * 10,
                                                      atol * 10):
        if n and np.isclose(scale, n, rtol=1e-3):
            return f"it is {n} (= N) times too large: a missing 1/N (the mean over the batch)?"
        if n and np.isclose(scale, 1.0 / n, rtol=1e-3):
            return f"it is {n} (= N) times too small: divided by N twice?"
        # the factor itself is printed only when it names a mistake (N, 1/N above): any
        # other number is the answer's constant (2 lam for lam, 1 / (1 - p) for 1)
        return ("every entry is off by the same constant factor: a missing or extra "
                "constant factor?")
    if got.ndim >= 2:
        offset = got - expected
        # rows of expected that are all equal say nothing about a bias (the same input
        # repeated row by row): every wrong answer then is off by the same vector
        if (np.allclose(offset, offset[:1], rtol=rtol, atol=atol * 10)
                and not np.allclose(expected, expected[:1], rtol=rtol, atol=atol)):
            return ("every row is off by the same vector: a bias term missing or added twice?")
    return None


MAX_PICTURE = 100_000
"""Largest array (entries) a failure picture shows when the shapes differ."""


def compare(name: str, got, expected, *, rtol: float = RTOL, atol: float = ATOL,
            n: int | None = None, hints: tuple[str, ...] = (),
            mistakes: dict | None = None) -> Verdict:
    """Judge whether ``got`` equals ``expected`` (arrays or numbers) within tolerances.

    The message names ``name``, then the shapes, then the values and a likely cause.
    ``mistakes``: the check's known mistakes, ``{cause: what that mistake returns}``; the
    first one ``got`` matches is named as the likely cause (before the generic patterns).
    Values near overflow (the derived checks' inputs) are compared without warnings.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return _compare(name, got, expected, rtol=rtol, atol=atol, n=n, hints=hints,
                        mistakes=mistakes)


def _compare(name: str, got, expected, *, rtol: float, atol: float, n: int | None,
             hints: tuple[str, ...], mistakes: dict | None) -> Verdict:
    expected_array = _as_array(expected)
    got_array = _as_array(got)
    if got_array is None or (got is None and expected is not None):
        return Verdict.fail(
            f"{name}: expected {describe(np.asarray(expected))}, got {describe(got)}.",
            "Did the function forget to `return` its result?" if got is None else "",
            *hints)
    if got_array.shape != expected_array.shape:
        message = f"{name} has shape {got_array.shape}, expected {expected_array.shape}"
        if got_array.ndim == 2 and got_array.shape == expected_array.shape[::-1]:
            message += ": it looks transposed (are the two factors of a product swapped?)"
        elif got_array.size == expected_array.size:
            message += ": the right number of entries in the wrong layout (a reshape or axis?)"
        verdict = Verdict.fail(message + ".", *hints)
        if got_array.ndim and expected_array.ndim and not _EXPECTED_HIDDEN.get() and max(
                got_array.size, expected_array.size) <= MAX_PICTURE:
            verdict.arrays = {"expected": expected_array, "seen": got_array}  # a picture of
        return verdict  # the two shapes side by side (the commonest bug)
    if np.allclose(got_array, expected_array, rtol=rtol, atol=atol, equal_nan=False):
        return Verdict.ok(f"{name} is correct.")
    difference = np.abs(got_array - expected_array)
    worst = np.unravel_index(int(np.nanargmax(np.where(np.isnan(difference), np.inf,
                                                       difference))), difference.shape)
    largest = f"largest error {float(difference[worst]):.3g} at index {tuple(map(int, worst))}"
    hidden = _EXPECTED_HIDDEN.get()
    if hidden:
        wrong = ~np.isclose(got_array, expected_array, rtol=rtol, atol=atol)
        message = (f"{name} has the right shape {got_array.shape} but wrong values: "
                   f"{int(wrong.sum())} of {wrong.size} entries are off; {largest}.")
    else:
        message = (f"{name} has the right shape {got_array.shape} but wrong values: "
                   f"expected {_preview(expected_array)}, got {_preview(got_array)}; "
                   f"{largest}.")
    cause = known_mistake(got_array, mistakes, rtol=rtol, atol=atol) or diagnose(
        got_array, expected_array, n=n, rtol=rtol, atol=atol)
    if cause:
        message += f"\n  likely cause: {cause}"
    verdict = Verdict.fail(message, *hints)
    if not hidden:
        verdict.arrays = {"expected": expected_array, "seen": got_array}
    return verdict


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``max |a - b| / max(|a| + |b|)``: 0 for equal arrays, about 1 for unrelated ones."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(float(np.max(np.abs(a) + np.abs(b), initial=0.0)), 1e-12)
    return float(np.max(np.abs(a - b), initial=0.0)) / scale


def known_mistake(got, mistakes: dict | None, rtol: float = RTOL, atol: float = ATOL) -> str | None:
    """The first cause in ``mistakes`` (``{cause: what that mistake returns}``) whose result
    ``got`` equals within the tolerances, or ``None``."""
    got = _as_array(got)
    for cause, wrong in (mistakes or {}).items():
        wrong = _as_array(wrong)
        if got is not None and wrong is not None and _close(got, wrong, rtol, atol):
            return cause
    return None


def unchanged(name: str, before, after, hint: str = "") -> Verdict:
    """Fail if the call ``name`` changed an input in place.

    before: the inputs as the probe built them, an array or ``{label: array}``; a value may
    itself be a dict or list of arrays (``params``), named ``params['W1']``, ``grads[0]``.
    after: the same inputs after the call (what the probe saw), same form.
    """
    before, after = _flat(before), _flat(after)
    for label, value in before.items():
        got = _as_array(after.get(label))
        value = np.asarray(value, dtype=np.float64)
        if got is None or got.shape != value.shape or not np.array_equal(got, value):
            moved = (f" (largest change {float(np.max(np.abs(got - value), initial=0.0)):.3g})"
                     if got is not None and got.shape == value.shape else "")
            what = f"its input {label}" if label else "its input array"
            return Verdict.fail(
                f"{name} changed {what} in place{moved}; inputs must stay exactly as they "
                "were.", hint or "Compute into new arrays instead of assigning into the "
                "arrays you were given (`a -= ...`, `a[i] = ...`, `rng.shuffle(a)` change "
                "the caller's data).", IN_PLACE_IDEA)
    return Verdict.ok()


IN_PLACE_IDEA = ("`b = a - x` makes a new array and leaves `a` alone; `a -= x` and "
                 "`a[mask] = 0` write into the array the caller gave you. Copy first if you "
                 "want to write into one.")


def _flat(value, label: str = "", inside: bool = False) -> dict:
    """``{label: value}`` for every array inside ``value`` (dicts and lists opened), and every
    number inside a dict or list (``state['t']``, which a call can change in place)."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items()
                for k, v in _flat(item, f"{label}[{key!r}]" if label else str(key),
                                  bool(label)).items()}
    if isinstance(value, (list, tuple)) and label:
        return {k: v for i, item in enumerate(value)
                for k, v in _flat(item, f"{label}[{i}]", True).items()}
    if label and not isinstance(value, np.ndarray) and not (
            inside and isinstance(value, (int, float, np.number))):
        return {}  # a number passed as it is, a string, a generator: nothing to change
    return {label: value}


DERIVED_RTOL = 1e-12
"""How far a derived gradient may be from torch's float64 autograd, relative to the scale of
the gradient: a formula worked out by hand (however written) is exact up to a few thousand
round-offs (measured on batch norm: at most 2e-14); centred finite differences are not
(at their best step, 1e-12 to 1e-10)."""

EPS = float(np.finfo(np.float64).eps)
ROUNDOFF = 64 * EPS
"""How far an entry of a derived gradient may be from torch's, relative to its own ``size``
(the magnitude of the terms it is made of, see :func:`compare_derived`): 64 round-offs, room
for any order of summation, a loop, ``einsum`` or a stable rewriting of the formula (1.4e-14).
A difference quotient on the checks' inputs (large offsets, magnitudes from subnormal to
near overflow) is off by far more: ``x + h`` rounds at the precision of ``x``."""


def compare_derived(name: str, got, oracle, *, scale: float = 0.0, size=None,
                    roundoffs: float = 64, n: int | None = None,
                    hints: tuple[str, ...] = ()) -> Verdict:
    """Judge a gradient the contract says is *derived* against torch's float64 autograd, at
    round-off: ``|got - oracle| <= DERIVED_RTOL * max(max |oracle|, scale)`` entry by entry.

    scale: the magnitude of the numbers the gradient is computed from (an absolute floor for
    gradients that are near zero by cancellation). size: instead, each entry's own magnitude
    (an array shaped like ``oracle``, or a number): the sum of the absolute values of the
    terms the entry is made of (``|X|^T |dout|`` for ``X^T dout``; ``|oracle|`` for an entry
    computed by one product), so an entry may be off by ``roundoffs`` round-offs of its
    size (:data:`ROUNDOFF` by default: the textbook bound of a floating-point sum, with room)
    and entries of 1e-8 next to entries of 1e8 are each checked to their own precision. A
    wrong formula fails here as in :func:`compare` (with its diagnosis); a numerical
    approximation (finite differences) that is right to 1e-7 fails with a message that says
    why.
    """
    got_array, oracle_array = _as_array(got), np.asarray(oracle, dtype=np.float64)
    if got_array is not None and np.iscomplexobj(np.asarray(got)):
        return Verdict.fail(f"{name}: the result is complex ({describe(np.asarray(got))}); a "
                            "derived gradient is computed with real numbers only.",
                            "Complex-step differentiation is a numerical method, like finite "
                            "differences: derive the formula instead.")
    bound = DERIVED_RTOL * max(float(np.max(np.abs(oracle_array), initial=0.0)), float(scale),
                               1e-300)
    verdict = compare(name, got, oracle_array, rtol=1e-6, atol=1e-6 * bound / DERIVED_RTOL,
                      n=n, hints=hints)
    if not verdict.passed:
        return verdict
    if size is not None:
        bound = roundoffs * EPS * np.broadcast_to(np.abs(np.asarray(size, dtype=np.float64)),
                                           oracle_array.shape)
    with np.errstate(over="ignore", invalid="ignore"):
        excess = np.abs(got_array - oracle_array) - bound
    if np.any(excess > 0) or not np.all(np.isfinite(got_array)):
        worst = np.unravel_index(int(np.nanargmax(np.where(np.isfinite(excess), excess,
                                                           np.inf))), excess.shape)
        error = float(np.abs(got_array - oracle_array)[worst])
        allowed = float(np.broadcast_to(bound, oracle_array.shape)[worst])
        at = f" at index {tuple(map(int, worst))}" if oracle_array.ndim else ""
        return Verdict.fail(
            f"{name} is close to the exact gradient but not equal to it: error {error:.2g}"
            f"{at}, where a derived formula is exact to round-off ({allowed:.2g}). That is "
            "what a numerical approximation (finite differences) gives.",
            "The contract asks for the gradient derived by hand (chain rule, node by node), "
            "not estimated from nearby values of the function.", *hints)
    return Verdict.ok(f"{name} is correct.")
