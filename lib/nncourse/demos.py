"""The guard of the notebooks' demo cells: one source for every notebook.

A demo cell runs inside ``with needs("bump", "sigmoid"):``. While an exercise it uses is not
written yet (its stub raises ``NotImplementedError``) or not defined yet (its cell has not
run: a ``NameError`` for its name), the cell says which one and stops instead of failing
half-way. Every other error is the student's to see and goes on as it is: a typo inside
their own function (a ``NameError`` for a name that is no exercise), a wrong shape, ...
Notebook 06 asks ``ready(...)`` before a demo instead (it reads the functions' code and
runs nothing, so it cannot hide an error either).
"""

from __future__ import annotations

import re
import sys


def _names(labels) -> set[str]:
    """The identifiers in the demo's labels ("Value (sections 2 and 3)" names Value)."""
    return {word for label in labels for word in re.findall(r"[A-Za-z_]\w*", str(label))}


def stopped_at(error: BaseException, exercises: tuple, space: dict,
               pasted: tuple = ()) -> tuple[str, str] | None:
    """Why a demo stopped, as ``(kind, name)``: ``("unwritten", f)`` when ``error`` is the
    NotImplementedError of an exercise's stub (``f`` the innermost function of the notebook
    that raised it, whether the demo lists it or not), ``("undefined", f)`` when it is a
    NameError for one of the demo's exercises or of ``pasted`` (an earlier notebook's
    functions) that the notebook ``space`` does not define; None for any other error (the
    student's to see, a typo inside their own function among them)."""
    if isinstance(error, NotImplementedError):
        trace, name = error.__traceback__, None
        while trace is not None:
            code = trace.tb_frame.f_code
            if trace.tb_frame.f_globals is space and not code.co_name.startswith("<"):
                qualified = getattr(code, "co_qualname", code.co_name)  # Value.__add__
                name = code.co_name if "<" in qualified else qualified
            trace = trace.tb_next
        return ("unwritten", name) if name else None
    if isinstance(error, NameError):
        name = getattr(error, "name", None)
        if name and name not in space and name in _names(exercises) | set(pasted):
            return "undefined", name
    return None


class Needs:
    """``needs(*exercises)``: the context a demo runs in (see the module's docstring).

    pasted: names of an earlier notebook's functions this notebook asks to be pasted in,
    and ``paste``: what to do about one of them that is missing."""

    def __init__(self, pasted: tuple = (), paste: str = ""):
        self.pasted, self.paste = tuple(pasted), paste

    def __call__(self, *exercises) -> _Guard:
        return _Guard(self, exercises, sys._getframe(1).f_globals)


class _Guard:
    def __init__(self, needs: Needs, exercises: tuple, space: dict):
        self.needs, self.exercises, self.space = needs, exercises, space

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace) -> bool:
        if error is None:
            return False
        found = stopped_at(error, self.exercises, self.space, self.needs.pasted)
        if found is None:
            return False  # the student's own error: shown as it is
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")  # no half-drawn figure
        what, name = found
        if what == "unwritten":
            print(f"This cell needs your {name}, which is not written yet: finish that "
                  "exercise, run its cell, then run this cell again.")
        else:
            where = (self.needs.paste if name in self.needs.pasted and self.needs.paste
                     else "run the cell that defines it")
            print(f"This cell needs {name}, which is not defined yet: {where}.")
        return True


needs = Needs()
