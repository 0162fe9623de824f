"""Derived means derived: no complex numbers while a derived gradient is computed.

Where the contract says a gradient is *derived*, a numerical estimate does not count. Finite
differences are caught by the tolerance (a derived formula is exact to round-off, see
:func:`nncourse.compare.compare_derived`); complex-step differentiation
(``Im f(x + ih) / h``) is exact to round-off too, so it is caught here instead: while the
probe of a derived check runs, every Python function called (the student's own, a lambda, a
test function of the check) is watched for complex arguments, locals and return values.
The grader also reads the answer cells' syntax for complex literals (``integrity.csv``).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import numpy as np

from nncourse.rules import RuleBroken


def _is_complex(value) -> bool:
    if isinstance(value, complex | np.complexfloating):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "c"
    if isinstance(value, list | tuple) and len(value) <= 64:
        return any(isinstance(v, complex | np.complexfloating)
                   or (isinstance(v, np.ndarray) and v.dtype.kind == "c") for v in value)
    return False


@contextlib.contextmanager
def no_complex(owner: str, active: bool = True) -> Iterator[None]:
    """Run the body; if any Python function it calls receives, holds or returns a complex
    number or array, raise :class:`~nncourse.rules.RuleBroken` naming where. ``active``:
    False watches nothing (for checks of functions that are not derived)."""
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

    def local(frame, event, arg):
        if event == "return" and not found:
            if _is_complex(arg):
                spotted(frame, "returned a complex value")
            elif any(_is_complex(v) for v in list(frame.f_locals.values())):
                spotted(frame, "held a complex value")
        return local

    def watch(frame, event, arg):
        if found:
            return None
        frame.f_trace_lines = False
        if any(_is_complex(v) for v in list(frame.f_locals.values())):
            spotted(frame, "was called with a complex argument")
        return local

    previous = sys.gettrace()
    sys.settrace(watch)
    try:
        yield
    finally:
        sys.settrace(previous)
    if found:
        raise RuleBroken(
            f"{owner} computed with complex numbers ({found[0]}): complex-step "
            "differentiation is a numerical method, and this gradient must be derived "
            "(real numbers only)")
