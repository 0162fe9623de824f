"""Derived means derived: a derived gradient is computed with float64 real numbers only.

Where the contract says a gradient is *derived*, a numerical estimate does not count. Two
things make every numerical estimate fail, whatever its step or order:

- the checks compare with torch at round-off, entry by entry, on inputs where any difference
  quotient ``(f(x + h) - f(x - h)) / 2h`` loses digits while a formula does not: large
  offsets (``x + h`` rounds at the offset's precision, or equals ``x``), magnitudes from
  subnormal to near overflow (no one step suits every entry), kinks next to such entries
  (:func:`nncourse.compare.compare_derived`, the checks of each notebook);
- in float64 no difference quotient is exact to round-off on a smooth function, so the ways
  to buy the missing digits are numbers other than float64: complex steps
  (``Im f(x + ih) / h`` is exact to round-off), extended precision (``np.longdouble``), exact
  or decimal arithmetic (``fractions``, ``decimal``). While the probe of a derived check runs,
  every Python function called (the student's own, a lambda, a test function of the check)
  is watched here for such numbers in its arguments, locals and return values.

The grader also reads the answer cells' syntax for complex literals (``integrity.csv``).
"""

from __future__ import annotations

import contextlib
import decimal
import fractions
import sys
from collections.abc import Iterator

import numpy as np

from nncourse.rules import RuleBroken

EXTREMES = np.array([-1.7e308, -1e300, -1e-300, -5e-324, 0.0, 5e-324, 1e-300, 1e300, 1.7e308])
"""Magnitudes from the smallest subnormal to near overflow (inputs of derived checks at a
kink): a derived derivative is exact there; no difference quotient is (``z + h`` is ``z`` for
a huge z, and a step of a fraction of a subnormal z is 0)."""


def wide_magnitudes(rng: np.random.Generator, shape) -> np.ndarray:
    """Entries of sizes 1e-6 to 1e6 (log-uniform, random signs): in a sum of their products a
    derived gradient keeps each entry's own precision; a difference quotient of the sum loses
    the small terms' digits to the round-off of the large ones."""
    return rng.choice([-1.0, 1.0], size=shape) * 10.0 ** rng.uniform(-6.0, 6.0, size=shape)


def _wide_dtype(dtype) -> bool:
    """A complex dtype, or a float wider than float64 (``np.longdouble``)."""
    return dtype.kind == "c" or (dtype.kind == "f" and dtype.itemsize > 8)


def _number_kind(value) -> str | None:
    """What ``value`` is if it is a number other than float64 (one array or number)."""
    if isinstance(value, np.ndarray):
        if _wide_dtype(value.dtype):
            return "a complex" if value.dtype.kind == "c" else "an extended-precision"
        if value.dtype == object and 0 < value.size <= 64:
            return next((kind for kind in map(_number_kind, value.flat) if kind), None)
        return None
    if isinstance(value, complex | np.complexfloating):
        return "a complex"
    if isinstance(value, np.longdouble):
        return "an extended-precision"
    if isinstance(value, decimal.Decimal | fractions.Fraction):
        return "an exact-arithmetic"
    return None


def _kind(value) -> str | None:
    """:func:`_number_kind` of ``value``, or of an item of a short list or tuple."""
    if isinstance(value, list | tuple) and len(value) <= 64:
        return next((kind for kind in map(_number_kind, value) if kind), None)
    return _number_kind(value)


def _is_complex(value) -> bool:
    """Whether ``value`` is (or a short list of it holds) a number other than float64."""
    return _kind(value) is not None


@contextlib.contextmanager
def no_complex(owner: str, active: bool = True) -> Iterator[None]:
    """Run the body; if any Python function it calls receives, holds or returns a complex,
    extended-precision or exact (``Decimal``, ``Fraction``) number or array, raise
    :class:`~nncourse.rules.RuleBroken` naming where. ``active``: False watches nothing (for
    checks of functions that are not derived)."""
    if not active:
        yield
        return
    found: list[str] = []

    def spotted(frame, what: str) -> None:
        name = frame.f_code.co_name
        where = {"<lambda>": "a lambda", "<listcomp>": "a list comprehension",
                 "<genexpr>": "a generator expression", "<dictcomp>": "a dict comprehension",
                 "<module>": "the cell"}.get(name, name)
        if not found:
            found.append(f"{where} {what}")

    def held(frame) -> str | None:
        return next((kind for kind in map(_kind, list(frame.f_locals.values())) if kind), None)

    def local(frame, event, arg):
        if event == "return" and not found:
            kind = _kind(arg)
            if kind:
                spotted(frame, f"returned {kind} value")
            elif kind := held(frame):
                spotted(frame, f"held {kind} value")
        return local

    def watch(frame, event, arg):
        if found:
            return None
        frame.f_trace_lines = False
        kind = held(frame)
        if kind:
            spotted(frame, f"was called with {kind} argument")
        return local

    previous = sys.gettrace()
    sys.settrace(watch)
    try:
        yield
    finally:
        sys.settrace(previous)
    if found:
        raise RuleBroken(
            f"{owner} computed with numbers other than float64 ({found[0]}): complex steps "
            "and differences in extended or exact precision are numerical methods, and this "
            "gradient must be derived (float64 real numbers only)")
