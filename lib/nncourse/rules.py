"""The contract's rules for graded functions, enforced while a probe calls the student's code.

Every graded function is written with numpy (and ``math``) and the student's own functions:
no torch, scipy or scikit-learn, and none of the course library's own implementations of the
idea being graded (the finite-difference checker, the torch oracles). Some exercises are
*built from* earlier ones (``xor_network`` from ``neuron`` and ``logic_gate_weights``), and
some may not call a named function (``batch_gradient_vectorized`` may not call
``batch_gradient_by_loop``).

The rules of each exercise are data (:class:`Rules`), declared next to its checks in
``nncourse.checks.nbNN.RULES``. A probe applies them with :func:`enforced` (numpy-only and
forbidden calls) and :func:`swapped` (replace the student's collaborators by recording or
altered versions, so the judge can see whether the result was computed through them).

Inside a student's kernel this is a helpful teacher, not a guarantee: the student's code can
undo anything done in its own process. While grading, the guarantee comes from elsewhere:
torch, scipy and scikit-learn are not on the sandbox's filesystem, the course library's
reference implementations are not in it, and the grader reads the answer cells' syntax
(``grading/integrity.csv``).
"""

from __future__ import annotations

import contextlib
import os
import sys
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass

FORBIDDEN_PACKAGES = ("torch", "scipy", "sklearn", "jax", "tensorflow", "autograd",
                      "graphlib", "networkx", "sympy", "mpmath", "pandas", "numba", "cupy",
                      "sqlalchemy")
"""Top-level packages a graded function may not use (numpy and math only): the machine
learning libraries, and ready-made solutions of graded exercises (``graphlib`` sorts a graph
topologically, and so does ``sqlalchemy.util.topological``, installed with nbgrader)."""

FORBIDDEN_LIBRARY = ("nncourse.gradcheck", "nncourse.checks", "nncourse.oracle",
                     "nncourse.training", "nncourse.expected")
"""Course-library modules whose functions implement what the exercises grade."""


class RuleBroken(Exception):
    """A graded function broke a rule of the contract; the message names the rule."""


RECOMPUTE_CALLS = 2
"""How often a backward pass may call its forward per call: to recompute what it needs, not
to difference it numerically (that takes two calls per input entry)."""


@dataclass(frozen=True)
class Rules:
    """What a graded function may use, beyond numpy: the one source of its rules.

    Every graded function uses numpy (and ``math``) only, and its own earlier functions.
    built_from: names of the student's functions it must compute its result through.
    forbidden_calls: names of the student's functions (or modules) it may not call.
    recomputes_with: a backward pass's forward, which it may call (at most
    :data:`RECOMPUTE_CALLS` times per call) to recompute what it needs.
    derived: its derivatives are derived by hand, not numerical differences (complex-step
    differentiation included: a numerical derivative exact to round-off).
    allowed_packages: forbidden packages this function may use all the same (notebook 04's
    ``LinearFunction`` is written with torch: ``("torch",)``).

    :meth:`told` is the sentence the student reads (the docstring's ``Rules:`` line and
    ``docs/curriculum.md``); the checks enforce the same fields.
    """

    built_from: tuple[str, ...] = ()
    forbidden_calls: tuple[str, ...] = ()
    recomputes_with: str = ""
    derived: bool = False
    allowed_packages: tuple[str, ...] = ()

    def told(self) -> str:
        """The rules as the student is told them, one line (``Rules: numpy only; ...``)."""
        modules = [n for n in self.forbidden_calls if n in ("np", "numpy")]
        calls = tuple(n for n in self.forbidden_calls if n not in modules)
        parts = [f"{self.allowed_packages[0]} tensor operations"
                 + (", no numpy" if modules else "") if self.allowed_packages else "numpy only"]
        if self.built_from:
            parts.append("built from " + _names(self.built_from)
                         + " (the result must come through "
                         + ("it" if len(self.built_from) == 1 else "them") + ")")
        if calls:
            parts.append("may not call your " + _names(calls))
        if self.recomputes_with:
            parts.append(f"may call your {self.recomputes_with} to recompute what it needs "
                         f"(at most {RECOMPUTE_CALLS} times per call)")
        if self.derived:
            parts.append("derived by hand: no numerical differences (complex numbers "
                         "included)")
        return "Rules: " + "; ".join(parts) + "."


def _names(names: tuple[str, ...]) -> str:
    quoted = list(names)
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


MODULES_VARIABLE = "NNCOURSE_CHECK_MODULES"
"""Comma-separated modules of checks a grader adds to the visible ones (its hidden checks)."""


def added_check_modules() -> list[str]:
    """The modules of checks named in ``NNCOURSE_CHECK_MODULES`` (none by default)."""
    return [m.strip() for m in os.environ.get(MODULES_VARIABLE, "").split(",") if m.strip()]


def forbidden_module(name: str, allowed: tuple[str, ...] = ()) -> bool:
    """Whether module ``name`` is one a graded function may not use: the packages above
    (but ``allowed``), the course's own implementations, and every module of checks (a
    grader's hidden ones too)."""
    return forbidden_modules(allowed)(name)


def forbidden_modules(allowed: tuple[str, ...] = ()) -> Callable[[str], bool]:
    """:func:`forbidden_module` for many names: the modules of checks read once (a check
    tests every loaded module, thousands of them)."""
    libraries = (*FORBIDDEN_LIBRARY, *added_check_modules())
    below = tuple(library + "." for library in libraries)

    def forbidden(name: str) -> bool:
        top = name.partition(".")[0]
        return ((top in FORBIDDEN_PACKAGES and top not in allowed) or name in libraries
                or name.startswith(below))

    return forbidden


def _forbidden_value(value, allowed: tuple[str, ...] = ()) -> str | None:
    """The forbidden module ``value`` belongs to, or None if it is allowed."""
    if isinstance(value, types.ModuleType):
        name = value.__name__
    else:
        if not callable(value):
            return None
        name = getattr(value, "__module__", None)
        if not isinstance(name, str):  # a ufunc (scipy.special.expit) names no module
            return _owner_module(value, allowed)
    return name if forbidden_module(name, allowed) else None


def _owner_module(value, allowed: tuple[str, ...] = ()) -> str | None:
    """The loaded forbidden module that holds ``value`` under its own name, if any."""
    name = getattr(value, "__name__", None)
    if not isinstance(name, str):
        return None
    for module_name, module in list(sys.modules.items()):
        if module is not None and forbidden_module(module_name, allowed) and \
                getattr(module, "__dict__", {}).get(name) is value:
            return module_name
    return None


class _Forbidden:
    """Stands in for a forbidden global while a probe runs: any use raises RuleBroken."""

    def __init__(self, owner: str, name: str, why: str):
        object.__setattr__(self, "_message", f"{owner} used {name} ({why})")

    def __getattr__(self, attribute):
        raise RuleBroken(object.__getattribute__(self, "_message"))

    def __call__(self, *args, **kwargs):
        raise RuleBroken(object.__getattribute__(self, "_message"))


class _Library:
    """Stands in for the ``nncourse`` package while a probe runs: its reference functions
    (``nncourse.finite_difference_gradient``) raise RuleBroken, the rest works."""

    def __init__(self, package, owner: str):
        object.__setattr__(self, "_package", package)
        object.__setattr__(self, "_owner", owner)

    def __getattr__(self, name):
        value = getattr(object.__getattribute__(self, "_package"), name)
        if _forbidden_value(value):
            raise RuleBroken(f"{object.__getattribute__(self, '_owner')} used nncourse.{name} "
                             "(the course library's own version of an exercise may not be "
                             "used)")
        return value


def _namespaces(functions) -> list[dict]:
    spaces, seen = [], set()
    for function in functions:
        for candidate in (function, *vars(function).values()) if isinstance(function, type) \
                else (function,):
            candidate = getattr(candidate, "__func__", candidate)  # a staticmethod's function
            space = getattr(candidate, "__globals__", None)
            if isinstance(space, dict) and id(space) not in seen:
                seen.add(id(space))
                spaces.append(space)
    return spaces


def _functions(things) -> list:
    """The plain functions among ``things`` and the methods of the classes among them."""
    found = []
    for thing in things:
        members = vars(thing).values() if isinstance(thing, type) else (thing,)
        members = [getattr(m, "__func__", m) for m in members]  # staticmethod, classmethod
        found += [m for m in members if isinstance(m, types.FunctionType)]
    return found


def _poison_bound(function, owner: str, banned: set[int] = frozenset(),
                  allowed: tuple[str, ...] = ()):
    """Put stand-ins for forbidden values a function holds in its defaults or closure
    (``def f(z, _expit=scipy.special.expit)``, or a forbidden call's function, ``banned``
    by id); returns what puts them back."""

    def stand_in(value, where: str):
        if _forbidden_value(value, allowed):
            return _Forbidden(owner, where, "graded functions use numpy only")
        if id(value) in banned and callable(value):
            return _Forbidden(owner, where, "the contract forbids calling it here")
        if isinstance(value, types.ModuleType) and value.__name__ == "nncourse":
            return _Library(value, owner)
        return None

    defaults, kwdefaults = function.__defaults__, function.__kwdefaults__
    if defaults:
        function.__defaults__ = tuple(stand_in(v, "a default argument") or v
                                      for v in defaults)
    if kwdefaults:
        function.__kwdefaults__ = {k: stand_in(v, "a default argument") or v
                                   for k, v in kwdefaults.items()}
    cells = []
    for cell in function.__closure__ or ():
        with contextlib.suppress(ValueError):  # an empty cell
            value = cell.cell_contents
            replacement = stand_in(value, "a variable it closes over")
            if replacement is not None:
                cells.append((cell, value))
                cell.cell_contents = replacement

    def restore():
        function.__defaults__, function.__kwdefaults__ = defaults, kwdefaults
        for cell, value in cells:
            cell.cell_contents = value

    return restore


class _BlockImports:
    """A meta-path finder that refuses the forbidden packages while a probe runs."""

    def __init__(self, owner: str, allowed: tuple[str, ...] = ()):
        self.owner, self.allowed = owner, allowed

    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in FORBIDDEN_PACKAGES and top not in self.allowed:
            raise RuleBroken(f"{self.owner} imported {name}: graded functions use numpy only")
        if forbidden_module(name, self.allowed):
            raise RuleBroken(f"{self.owner} imported {name}: the course library's own "
                             "version of an exercise may not be used")
        return None


@contextlib.contextmanager
def enforced(owner: str, *functions: Callable, rules: Rules = Rules()) -> Iterator[None]:
    """Run the body with the contract's rules in force for the student's ``functions``.

    owner: the graded function's name, used in messages ("xor_network used torch ...").
    While active, the forbidden packages cannot be imported, and every global of the
    functions' namespace that is a forbidden module, a function of one, or one of
    ``rules.forbidden_calls`` raises :class:`RuleBroken` when used, and the functions of
    ``rules.built_from`` are :func:`faithful` stand-ins. Everything is restored afterwards,
    whatever happened.
    """
    saved: list[tuple[dict, str, object]] = []
    spaces = _namespaces(functions)
    banned = {id(space[name]) for space in spaces for name in rules.forbidden_calls
              if name in space}  # under any other name too (an alias, a default argument)
    # and by the code that runs, however it is reached (a dict, a list, functools.partial):
    # a call of a forbidden function's code from inside the graded function breaks the rule
    codes = {space[name].__code__: name for space in spaces for name in rules.forbidden_calls
             if isinstance(space.get(name), types.FunctionType)}
    for space in spaces:
        for name, value in list(space.items()):
            why = None
            if name in rules.forbidden_calls or (id(value) in banned and callable(value)):
                why = "the contract forbids calling it here"
            elif not name.startswith("__"):
                module = _forbidden_value(value, rules.allowed_packages)
                if module is not None:
                    why = ("graded functions use numpy only" if module.split(".")[0]
                           in FORBIDDEN_PACKAGES else
                           "the course library's own version of an exercise may not be used")
            if why:
                saved.append((space, name, value))
                space[name] = _Forbidden(owner, name, why)
            elif isinstance(value, types.ModuleType) and value.__name__ == "nncourse":
                saved.append((space, name, value))
                space[name] = _Library(value, owner)
    allowed = rules.allowed_packages
    restores = [_poison_bound(function, owner, banned, allowed)
                for function in _functions(functions)]
    forbidden = forbidden_modules(allowed)
    hidden_modules = {name: module for name, module in list(sys.modules.items())
                      if module is not None and forbidden(name)}
    for name in hidden_modules:
        del sys.modules[name]  # ``import torch`` now reaches the finder below, which refuses
    package = sys.modules.get("nncourse")
    shadowed = {}
    if package is not None:  # ``from nncourse import finite_difference_gradient``
        for name, value in list(vars(package).items()):
            if not name.startswith("__") and _forbidden_value(value):
                shadowed[name] = value
                setattr(package, name, _Forbidden(
                    owner, f"nncourse.{name}",
                    "the course library's own version of an exercise may not be used"))
    finder = _BlockImports(owner, allowed)
    sys.meta_path.insert(0, finder)
    called: list[str] = []
    try:
        with faithful(functions, rules.built_from), \
                _calls_of(codes, {f.__code__ for f in _functions(functions)} - set(codes),
                          called):
            yield
        if called:
            raise RuleBroken(f"{owner} used {called[0]} (the contract forbids calling it "
                             "here)")
    finally:
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(finder)
        for name, module in hidden_modules.items():
            sys.modules[name] = module
        for name, value in shadowed.items():
            setattr(package, name, value)
        for space, name, value in reversed(saved):
            space[name] = value
        for restore in reversed(restores):
            restore()


@contextlib.contextmanager
def _calls_of(codes: dict, owners: set, called: list[str]) -> Iterator[None]:
    """While the body runs, append to ``called`` the name of every code in ``codes`` that
    runs with a frame of one of ``owners`` (the graded functions' code) below it."""
    if not codes:
        yield
        return
    previous = sys.getprofile()

    def watch(frame, event, arg):
        if event == "call" and frame.f_code in codes and not called:
            caller = frame.f_back
            while caller is not None:
                if caller.f_code in owners:
                    called.append(codes[frame.f_code])
                    break
                caller = caller.f_back

    sys.setprofile(watch)
    try:
        yield
    finally:
        sys.setprofile(previous)


class Recorder:
    """Wraps a callable and records each call's arguments (as given) and result.

    A recorder stays in the checks' hands: what the student's namespace holds while a check
    runs is a :func:`stand_in`, a plain function like their own.
    """

    def __init__(self, function: Callable, name: str | None = None):
        self.function = function
        self.name = name or getattr(function, "__name__", "function")
        self.calls: list[tuple[tuple, dict]] = []
        self.results: list = []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        result = self.function(*args, **kwargs)
        self.results.append(result)
        return result

    @property
    def count(self) -> int:
        return len(self.calls)


_COPIED = ("__name__", "__qualname__", "__doc__", "__module__")


def stand_in(like: Callable, behaviour: Callable) -> Callable:
    """A plain function that does ``behaviour`` and otherwise looks like ``like`` (its name,
    qualified name, docstring and module): every check puts the same kind of object in the
    student's namespace, faithful (the value checks) or altered (the built-from checks), so
    the student's code cannot tell one run from another by type, attributes or names."""

    def function(*args, **kwargs):
        return behaviour(*args, **kwargs)

    for attribute in _COPIED:
        value = getattr(like, attribute, None)
        if isinstance(value, str) or (attribute == "__doc__" and value is None):
            with contextlib.suppress(AttributeError, TypeError):
                setattr(function, attribute, value)
    return function


_MISSING = object()


class _Layer:
    """Names of one namespace replaced by stand-ins for a while, applied once at the outer
    boundary: while one of the stand-ins runs, the namespace holds what it held before, so
    the student's own functions calling themselves or each other (``neuron`` on each row,
    ``logic_gate_weights("nand")`` from ``logic_gate_weights("and")``, a backward recomputing
    with its forward) see their own functions, and nothing they call inside is swapped or
    counted a second time."""

    def __init__(self, space: dict, behaviours: dict[str, Callable]):
        self.space = space
        self.saved = {name: space.get(name, _MISSING) for name in behaviours}
        self.inside = False
        self.functions = {name: stand_in(self._like(name, behaviour),
                                         self._guarded(name, behaviour))
                          for name, behaviour in behaviours.items()}

    def _like(self, name, behaviour):
        before = self.saved[name]
        return before if callable(before) and before is not _MISSING else behaviour

    def _guarded(self, name, behaviour):
        def guarded(*args, **kwargs):
            if self.inside:  # reached again through an alias while inside: no swap twice
                before = self.saved[name]
                return (before if before is not _MISSING else behaviour)(*args, **kwargs)
            self.inside = True
            held = {name: self.space.get(name, _MISSING) for name in self.saved}
            self._put(self.saved)
            try:
                return behaviour(*args, **kwargs)
            finally:
                self._put(held)  # as it was: another layer's stand-ins stay in place
                self.inside = False
        return guarded

    def _put(self, values: dict) -> None:
        for name, value in values.items():
            if value is _MISSING:
                self.space.pop(name, None)
            else:
                self.space[name] = value

    def __enter__(self):
        self._put(self.functions)
        return self

    def __exit__(self, *exc):
        self._put(self.saved)


def _space_of(function: Callable) -> dict:
    return function.__globals__ if hasattr(function, "__globals__") else \
        _namespaces([function])[0]


@contextlib.contextmanager
def swapped(function: Callable, **replacements: Callable) -> Iterator[dict[str, Recorder]]:
    """Replace globals of the student's namespace while the body runs; yield the recorders.

    Each replacement is recorded by a :class:`Recorder` (kept here, on the checks' side) and
    put in ``function``'s globals under its name as a :func:`stand_in` (the student's
    notebook namespace, where their other functions live), so a function built from
    ``neuron`` calls the replacement. The swap applies once, at the outer boundary: while a
    replacement runs, the namespace holds the student's own functions again (see
    :class:`_Layer`). Restored afterwards. A missing name is added for the duration and
    removed again.
    """
    recorders = {name: Recorder(value, name) for name, value in replacements.items()}
    with _Layer(_space_of(function), recorders):
        yield recorders


@contextlib.contextmanager
def faithful(functions, names: tuple[str, ...]) -> Iterator[None]:
    """While the body runs, the student's functions ``names`` in the namespace of
    ``functions`` are stand-ins that only call them: the same kind of object a built-from
    check's altered collaborators are, so no run can be told apart from another."""
    spaces = _namespaces(functions)
    layers = [_Layer(space, {name: space[name] for name in names
                             if callable(space.get(name))}) for space in spaces]
    with contextlib.ExitStack() as stack:
        for layer in layers:
            stack.enter_context(layer)
        yield


def original(function: Callable, name: str):
    """The student's own ``name`` from ``function``'s namespace (None if there is none)."""
    space = getattr(function, "__globals__", {})
    return space.get(name)


def outer_calls(function: Callable, name: str, run: Callable[[], object]) -> tuple[object, int]:
    """``run()``'s result and how often the student's code called their own ``name`` (from
    ``function``'s namespace) while it ran, counted at the outer boundary: a call ``name``
    makes of itself inside is not counted (see :func:`swapped`)."""
    own = original(function, name)
    if not callable(own):
        return run(), 0
    with swapped(function, **{name: own}) as recorders:
        result = run()
    return result, recorders[name].count
