"""The contract's rules for graded functions, enforced while a probe calls the student's code.

Every graded function is written with numpy, Python's standard library (``math``,
``collections``, ``heapq``...) and the student's own functions (:data:`USES`). Every other
package is refused, an allow list (:func:`forbidden_modules`), not a list of the ones known to
help: torch and scipy, pip's vendored libraries, setuptools, whatever jupyter or nbgrader
installed; so are ``graphlib`` (a ready-made topological sort) and the course library but its
records and data (:data:`ALLOWED_LIBRARY`): its checks, references and plots. Some exercises are
*built from* earlier ones (``xor_network`` from ``neuron`` and ``logic_gate_weights``), and
some may not call a named function (``batch_gradient_vectorized`` may not call
``batch_gradient_by_loop``).

The rules of each exercise are data (:class:`Rules`), declared next to its checks in
``nncourse.checks.nbNN.RULES``. A probe applies them with :func:`enforced` (numpy-only and
forbidden calls) and :func:`swapped` (replace the student's collaborators by recording or
altered versions, so the judge can see whether the result was computed through them).

No run can be told apart from another to any use. Every probe of a built-from function,
value runs included, puts the same kind of stand-in in the student's namespace and records
the collaborators' results, and its judge checks that the result came out of them exactly;
every call of a function whose rules say :attr:`Rules.no_jacobian` is measured the same way
(:func:`measured`), by resident memory, with nothing switched on that a normal call lacks.
An answer may still find out that it is graded (the stack, the sandbox): it then does the
work in every graded call, and the grade is that work.

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

ALLOWED_PACKAGES = ("numpy",)
"""The one installed package a graded function may use beyond Python's standard library (and
the student's own functions): every other top-level package is refused, whatever it is
(torch, scipy, pip's vendored libraries, setuptools, jupyter's or nbgrader's dependencies)."""

FORBIDDEN_STDLIB = ("graphlib",)
"""Standard-library modules that are ready-made solutions of a graded exercise (``graphlib``
sorts a graph topologically, notebook 04's ``topological_order``)."""

ALLOWED_LIBRARY = ("nncourse.records", "nncourse.data")
"""The course library's modules a graded function may use: records of a run (History, Timer)
and the course's data, which implement no exercise. Every other module of ``nncourse`` is
refused (its checks, reference implementations, gradient checker, plots)."""

OWN_MODULES = ("__main__",)
"""Where the student's own functions live (a notebook's namespace)."""

USES = ("numpy, the standard library (not graphlib), nncourse.records, nncourse.data and "
        "your own functions only")
"""What every graded function may use, as its docstring's ``Rules:`` line says it."""

USES_MESSAGE = ("graded functions use numpy, the standard library and your own functions "
                "only")
"""The reason a rule message gives when a graded function reaches any other package."""

LIBRARY_MESSAGE = ("of the course library, graded functions use only nncourse.records and "
                   "nncourse.data")
"""The reason a rule message gives when a graded function reaches any other course module."""


def _usable_top(top: str, allowed: tuple[str, ...] = (), own: tuple[str, ...] = ()) -> bool:
    """Whether the top-level package ``top`` is one a graded function may use (the course
    library aside, whose modules are decided one by one)."""
    if top in ALLOWED_PACKAGES or top in allowed or top in own or top in OWN_MODULES:
        return True
    return top in sys.stdlib_module_names and top not in FORBIDDEN_STDLIB


class RuleBroken(Exception):
    """A graded function broke a rule of the contract; the message names the rule."""


RECOMPUTE_CALLS = 2
"""How often a backward pass may call its forward per call: to recompute what it needs, not
to difference it numerically (that takes two calls per input entry)."""


@dataclass(frozen=True)
class Rules:
    """What a graded function may use, beyond :data:`USES`: the one source of its rules.

    Every graded function uses numpy, the standard library and the student's own functions
    only (:data:`USES`: the first part of :meth:`told`).
    built_from: names of the student's functions it must compute its result through.
    forbidden_calls: names of the student's functions (or modules) it may not call.
    recomputes_with: a backward pass's forward, which it may call (at most
    :data:`RECOMPUTE_CALLS` times per call) to recompute what it needs.
    derived: its derivatives are derived by hand, not numerical differences (complex-step
    differentiation and differences in extended precision included: numerical derivatives
    exact to round-off), computed with float64 real numbers (:mod:`nncourse.derived`).
    allowed_packages: packages this function may use all the same (notebook 04's
    ``LinearFunction`` is written with torch: ``("torch",)``).
    no_jacobian: it never forms the Jacobian it multiplies by (a vector-Jacobian product):
    every call a probe makes is measured (:func:`measured`), value runs and memory runs alike.
    warning_free: it is finite and warning-free for inputs of magnitude 1000 on its own: its
    code (and its helpers', and the notebook's code outside functions) never silences numpy
    (``np.errstate``, ``np.seterr``, a warnings filter), read from the syntax by the grader.

    :meth:`told` is the sentence the student reads (the docstring's ``Rules:`` line and
    ``docs/curriculum.md``); the checks enforce the same fields.
    """

    built_from: tuple[str, ...] = ()
    forbidden_calls: tuple[str, ...] = ()
    recomputes_with: str = ""
    derived: bool = False
    allowed_packages: tuple[str, ...] = ()
    no_jacobian: bool = False
    warning_free: bool = False

    def told(self) -> str:
        """The rules as the student is told them, one line (``Rules: numpy, ...; ...``)."""
        modules = [n for n in self.forbidden_calls if n in ("np", "numpy")]
        calls = tuple(n for n in self.forbidden_calls if n not in modules)
        parts = [f"{self.allowed_packages[0]} tensor operations"
                 + (", no numpy" if modules else "") if self.allowed_packages else USES]
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
            parts.append("derived by hand: no numerical differences, exact for the inputs "
                         "or not (float64 real numbers only: no complex or extended "
                         "precision)")
        if self.no_jacobian:
            parts.append("never forms the Jacobian, in any memory: every graded call's "
                         "memory is measured, and may hold a few arrays the size of its "
                         "inputs, never a Jacobian of the tests' large inputs (tens of MB); "
                         "it starts no other process (its memory would not be measured)")
        if self.warning_free:
            parts.append("warning-free by avoiding every overflow, not by silencing numpy "
                         "(np.errstate, np.seterr or a warnings filter, here or anywhere in "
                         "the notebook, breaks the rule)")
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
    """Whether module ``name`` is one a graded function may not use: every one but numpy's,
    the standard library's (but :data:`FORBIDDEN_STDLIB`), :data:`ALLOWED_LIBRARY`'s and
    ``allowed`` packages' (a rule's :attr:`Rules.allowed_packages`); every module of checks (a
    grader's hidden ones too) among them."""
    return forbidden_modules(allowed)(name)


def forbidden_modules(allowed: tuple[str, ...] = (), own: tuple[str, ...] = ()
                      ) -> Callable[[str], bool]:
    """:func:`forbidden_module` for many names: the modules of checks read once (a check
    tests every loaded module, thousands of them). ``own``: the names of the modules the
    student's functions live in (a notebook's ``__main__``, a test's module)."""
    libraries = tuple(added_check_modules())
    below = tuple(library + "." for library in libraries)
    usable = tuple(library + "." for library in ALLOWED_LIBRARY)
    known = _VERDICTS.setdefault((allowed, own, libraries), {})

    def forbidden(name: str) -> bool:
        verdict = known.get(name)
        if verdict is None:
            verdict = known[name] = decide(name)
        return verdict

    def decide(name: str) -> bool:
        if name in libraries or name.startswith(below):
            return True
        if name in own:
            return False
        top = name.partition(".")[0]
        if top == "nncourse":
            return not (name == "nncourse" or name in ALLOWED_LIBRARY
                        or name.startswith(usable))
        return not _usable_top(top, allowed)

    return forbidden


_VERDICTS: dict[tuple, dict[str, bool]] = {}
""":func:`forbidden_modules`'s verdicts, by its arguments and the modules of checks: a probe
tests every loaded module, thousands, each time."""


def _forbidden_value(value, allowed: tuple[str, ...] = (), own: tuple[str, ...] = ()
                     ) -> str | None:
    """The forbidden module ``value`` belongs to, or None if it is allowed (a module, or a
    callable by its ``__module__``; a stand-in of the checks' is the student's own)."""
    if isinstance(value, types.ModuleType):
        name = value.__name__
    else:
        if not callable(value) or getattr(value, "__code__", None) is _STAND_IN_CODE:
            return None
        name = getattr(value, "__module__", None)
        if not isinstance(name, str):  # a ufunc (scipy.special.expit) names no module
            return _owner_module(value, allowed, own)
    return name if forbidden_modules(allowed, own)(name) else None


def _owner_module(value, allowed: tuple[str, ...] = (), own: tuple[str, ...] = ()
                  ) -> str | None:
    """The loaded forbidden module that holds ``value`` under its own name, if no allowed one
    does (numpy's functions are re-exported by packages a graded function may not use)."""
    name = getattr(value, "__name__", None)
    if not isinstance(name, str):
        return None
    forbidden, found = forbidden_modules(allowed), None
    for module_name, module in list(sys.modules.items()):
        if module is not None and module_name not in own and \
                getattr(module, "__dict__", {}).get(name) is value:
            if not forbidden(module_name):
                return None
            found = found or module_name
    return found


class _Owner:
    """The name a rule message gives the function that broke the rule: the innermost graded
    function running when it is broken (a check given ``(forward, backward)`` names the
    backward pass when the backward pass imports torch), else the check's first function."""

    def __init__(self, default: str, functions=()):
        self.default = str(default)
        self.labels: dict = {}
        self.spaces = {id(space) for space in _namespaces(functions)}
        for thing in functions:
            label = getattr(thing, "__name__", None)
            if not isinstance(label, str):
                continue
            for member in _functions([thing]):  # a class's methods carry the class's name
                self.labels.setdefault(member.__code__, label)

    def __str__(self) -> str:
        """The graded function running; when the rule was broken inside another function of
        the student's own that it called (their linear_forward, called by their
        mlp_loss_and_grads), that one is named first: the message says where to look."""
        frame, inner = sys._getframe(1), None
        while frame is not None:
            label = self.labels.get(frame.f_code)
            if label is not None:
                return label if inner in (None, label) else f"{inner} (called by {label})"
            if inner is None and id(frame.f_globals) in self.spaces and \
                    not frame.f_code.co_name.startswith("<"):
                inner = frame.f_code.co_name
            frame = frame.f_back
        return self.default

    def of(self, code) -> str:
        """The label of ``code``, one of the graded functions' (the default otherwise)."""
        return self.labels.get(code, self.default)


class _Forbidden:
    """Stands in for a forbidden global while a probe runs: any use raises RuleBroken."""

    def __init__(self, owner, name: str, why: str):
        object.__setattr__(self, "_parts", (owner, name, why))

    def _broken(self) -> RuleBroken:
        owner, name, why = object.__getattribute__(self, "_parts")
        return RuleBroken(f"{owner} used {name} ({why})")

    def __getattr__(self, attribute):
        raise object.__getattribute__(self, "_broken")()

    def __call__(self, *args, **kwargs):
        raise object.__getattribute__(self, "_broken")()


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
                             f"({LIBRARY_MESSAGE})")
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
                  allowed: tuple[str, ...] = (), own: tuple[str, ...] = ()):
    """Put stand-ins for forbidden values a function holds in its defaults or closure
    (``def f(z, _expit=scipy.special.expit)``, or a forbidden call's function, ``banned``
    by id); returns what puts them back."""

    def stand_in(value, where: str):
        module = _forbidden_value(value, allowed, own)
        if module is not None:
            return _Forbidden(owner, where, _why(module))
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


def _why(module: str) -> str:
    """The rule a use of ``module`` breaks, as a message says it."""
    if module.partition(".")[0] == "nncourse":
        return LIBRARY_MESSAGE
    return USES_MESSAGE


class _Guard(types.ModuleType):
    """Stands in ``sys.modules`` for a loaded module a graded function may not use while a
    probe runs: the student's code that reaches it (``import pip``, ``sys.modules["pip"]``,
    ``importlib.import_module``) gets this, and any attribute of it raises RuleBroken; a
    library's own code (ipykernel printing) gets the module's attributes as they are."""

    def __init__(self, module, finder: _BlockImports):
        # not ModuleType.__init__ (thousands per probe): every attribute is the module's
        object.__setattr__(self, "_guarded", (module, finder))

    def _target(self):
        module, finder = object.__getattribute__(self, "_guarded")
        if finder.students(depth=3):
            raise RuleBroken(f"{finder.owner} used {module.__name__}: {_why(module.__name__)}")
        return module

    def __getattribute__(self, name):
        return getattr(object.__getattribute__(self, "_target")(), name)

    def __setattr__(self, name, value):
        setattr(object.__getattribute__(self, "_target")(), name, value)

    def __delattr__(self, name):
        delattr(object.__getattribute__(self, "_target")(), name)


class _BlockImports:
    """A meta-path finder that refuses, while a probe runs, every module a graded function
    may not use (:func:`forbidden_modules`) when the student's code imports it: directly,
    through ``importlib`` or ``__import__``, or through any standard-library or numpy code
    that imports by name. Whose the code is: the nearest frame that is the student's or a
    library's (a module loaded when the probe started, neither the standard library nor
    numpy) decides; a library's import is left to the import system."""

    def __init__(self, owner, forbidden: Callable[[str], bool], spaces: set[int],
                 libraries: set[int]):
        """libraries: the ids of the libraries' namespaces (their modules' ``__dict__``)."""
        self.owner, self.forbidden, self.spaces = owner, forbidden, spaces
        self.libraries = libraries

    def students(self, depth: int = 2) -> bool:
        """Whether the code running ``depth`` frames up is the student's (see the class)."""
        frame = sys._getframe(depth)
        while frame is not None:
            if id(frame.f_globals) in self.spaces:
                return True
            if id(frame.f_globals) in self.libraries:
                return False
            frame = frame.f_back
        return True

    def find_spec(self, name, path=None, target=None):
        if self.forbidden(name) and self.students():
            raise RuleBroken(f"{self.owner} imported {name}: {_why(name)}")
        return None


@contextlib.contextmanager
def enforced(owner: str, *functions: Callable, rules: Rules = Rules()) -> Iterator[None]:
    """Run the body with the contract's rules in force for the student's ``functions``.

    owner: the graded function's name, used in messages ("xor_network used torch ...").
    While active, every module a graded function may not use (:func:`forbidden_modules`:
    all but numpy's, the standard library's and a few of the course library's) is out of
    ``sys.modules`` and cannot be imported by the student's code, and every global of the
    functions' namespace (and every default argument and closure variable of theirs) that is
    such a module, a function of one, or one of
    ``rules.forbidden_calls`` raises :class:`RuleBroken` when used, and the functions of
    ``rules.built_from`` are :func:`faithful` stand-ins. Everything is restored afterwards,
    whatever happened.
    """
    saved: list[tuple[dict, str, object]] = []
    owner = _Owner(owner, functions)
    spaces = _namespaces(functions)
    own = tuple(space["__name__"] for space in spaces if isinstance(space.get("__name__"), str))
    allowed = rules.allowed_packages
    forbidden = forbidden_modules(allowed, own)
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
                module = _forbidden_value(value, allowed, own)
                if module is not None:
                    why = _why(module)
            if why:
                saved.append((space, name, value))
                space[name] = _Forbidden(owner, name, why)
            elif isinstance(value, types.ModuleType) and value.__name__ == "nncourse":
                saved.append((space, name, value))
                space[name] = _Library(value, owner)
    restores = [_poison_bound(function, owner, banned, allowed, own)
                for function in _functions(functions)]
    package = sys.modules.get("nncourse")
    shadowed = {}
    if package is not None:  # ``from nncourse import finite_difference_gradient``
        for name, value in list(vars(package).items()):
            if not name.startswith("__") and _forbidden_value(value):
                shadowed[name] = value
                setattr(package, name, _Forbidden(owner, f"nncourse.{name}", LIBRARY_MESSAGE))
    library = forbidden_modules((), own)  # a package a rule allows is a library too
    hidden_modules, libraries = {}, set()
    for name, module in list(sys.modules.items()):
        if module is not None and library(name):
            libraries.add(id(getattr(module, "__dict__", None)))
            if forbidden(name):
                hidden_modules[name] = module
    finder = _BlockImports(owner, forbidden, {id(space) for space in spaces}, libraries)
    for name, module in hidden_modules.items():
        sys.modules[name] = _Guard(module, finder)  # ``import pip``, ``sys.modules["pip"]``
    sys.meta_path.insert(0, finder)
    called: list[str] = []
    _CALLED.append(called)  # where a measured call in a child process reports back to
    try:
        with faithful(functions, rules.built_from), \
                _calls_of(codes, {f.__code__ for f in _functions(functions)} - set(codes),
                          called, owner):
            yield
        if called:
            raise RuleBroken(f"{called[0]} (the contract forbids calling it here)")
    finally:
        with contextlib.suppress(ValueError):
            _CALLED.remove(called)
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


_CALLED: list[list[str]] = []
"""The forbidden calls seen by the :func:`enforced` blocks now running (innermost last), each
as "caller used callee"."""


@contextlib.contextmanager
def _calls_of(codes: dict, owners: set, called: list[str], owner=None) -> Iterator[None]:
    """While the body runs, append to ``called`` "caller used callee" for every code in
    ``codes`` that runs with a frame of one of ``owners`` (the graded functions' code) below
    it: the callee's name, and the innermost such frame's label (``owner.of``)."""
    if not codes:
        yield
        return
    previous = sys.getprofile()

    def watch(frame, event, arg):
        if event == "call" and frame.f_code in codes and not called:
            caller = frame.f_back
            while caller is not None:
                if caller.f_code in owners:
                    label = owner.of(caller.f_code) if owner is not None else "your code"
                    called.append(f"{label} used {codes[frame.f_code]}")
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

    def __init__(self, function: Callable, name: str | None = None,
                 before: Callable | None = None, after: Callable | None = None):
        """before(args, kwargs), after(result): the check's own notes on each call (copies
        of what the call is given, what it returned), taken just before and just after it,
        so that no check's code is on the stack while the student's function runs."""
        self.function = function
        self.name = name or getattr(function, "__name__", "function")
        self.before, self.after = before, after
        self.calls: list[tuple[tuple, dict]] = []
        self.results: list = []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        if self.before is not None:
            self.before(args, kwargs)
        result = self.function(*args, **kwargs)
        self.results.append(result)
        if self.after is not None:
            self.after(result)
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


_STAND_IN_CODE = stand_in(len, len).__code__
"""The code of every :func:`stand_in`: one is the student's own function, or the checks'."""

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
        # another global name of the same function (``lgw = logic_gate_weights``) is the
        # same function: it is swapped with it, to the same stand-in (one record of a call)
        originals = {id(value): name for name, value in self.saved.items()
                     if callable(value) and isinstance(value, types.FunctionType)}
        for other, value in list(space.items()):
            if other not in self.saved and id(value) in originals:
                self.saved[other] = value
                self.functions[other] = self.functions[originals[id(value)]]

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

    Each replacement is recorded by a :class:`Recorder` (kept here, on the checks' side; a
    replacement that is a Recorder already is used as it is, with its notes) and
    put in ``function``'s globals under its name as a :func:`stand_in` (the student's
    notebook namespace, where their other functions live), so a function built from
    ``neuron`` calls the replacement. The swap applies once, at the outer boundary: while a
    replacement runs, the namespace holds the student's own functions again (see
    :class:`_Layer`). Restored afterwards. A missing name is added for the duration and
    removed again.
    """
    recorders = {name: value if isinstance(value, Recorder) else Recorder(value, name)
                 for name, value in replacements.items()}
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


def _resident() -> tuple[int, int] | None:
    """(peak, current) resident memory of this process in bytes (Linux), or None."""
    try:
        with open("/proc/self/status") as handle:
            fields = dict(line.split(":", 1) for line in handle if ":" in line)
        return (int(fields["VmHWM"].split()[0]) * 1024, int(fields["VmRSS"].split()[0]) * 1024)
    except (OSError, KeyError, ValueError, IndexError):
        return None


def _release_free_memory() -> None:
    """Give the C heap's free pages back to the system (glibc's ``malloc_trim``) before a
    measured call: memory an earlier computation freed stays resident in the heap, and a
    new array placed there raises no peak (a Jacobian built after a training run went
    unseen). Where there is no glibc, nothing is done."""
    import ctypes
    import ctypes.util

    with contextlib.suppress(OSError, AttributeError, TypeError):
        global _LIBC
        if _LIBC is None:
            _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        _LIBC.malloc_trim(0)


_LIBC = None


RESIDENT_BUMP = (1_000_000, 8_000_000)
"""Bytes (at least, at most) of a buffer touched and freed right after the peak is reset, a
random size each time: the peak then stands above the current resident memory as it does
after any earlier work, not level with it (which would tell a reset peak from a normal one)."""


def _bump() -> None:
    import mmap
    import random

    size = random.SystemRandom().randrange(*RESIDENT_BUMP)
    with contextlib.suppress(OSError, ValueError):
        buffer = mmap.mmap(-1, size)
        for offset in range(0, size, mmap.PAGESIZE):
            buffer[offset] = 1
        buffer.close()


def _reset_resident_peak() -> int | None:
    """Reset this process's peak resident memory; return the current one (None when the
    process may not: a grading job's process is not dumpable, so its /proc files are
    root's). The peak is left a random bit above it (:data:`RESIDENT_BUMP`)."""
    _release_free_memory()
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return None
    now = _resident()
    if now is None:
        return None
    _bump()
    return now[1]


def _copy_back(old, new) -> None:
    """Put what a call in a child process did to an argument in place into the parent's."""
    import numpy as np

    if isinstance(old, np.ndarray) and isinstance(new, np.ndarray) and \
            old.shape == new.shape and old.flags.writeable:
        np.copyto(old, new, casting="unsafe")
    elif isinstance(old, list) and isinstance(new, list):
        old[:] = new
    elif isinstance(old, dict) and isinstance(new, dict):
        old.clear()
        old.update(new)


def _in_child(function: Callable, args: tuple, kwargs: dict):
    """Call ``function`` in a forked child process, whose peak resident memory starts at its
    current one (the kernel resets it on fork): (result, peak bytes above the start). What
    the call did to its arguments in place, the exception it raised and the forbidden calls
    it made come back to this process as if it had run here. None if there is no fork."""
    import pickle

    if not hasattr(os, "fork") or _resident() is None:
        return None
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, report, exit without running any cleanup of the parent's
        code = 0
        try:
            os.close(read)
            _release_free_memory()
            base = _resident()[1]
            _bump()
            error = None
            try:
                result = function(*args, **kwargs)
            except BaseException as raised:  # noqa: BLE001 - reported to the parent
                result, error = None, raised
            peak = _resident()[0] - base
            called = list(_CALLED[-1]) if _CALLED else []
            try:
                payload = pickle.dumps((result, error, args, kwargs, peak, called))
            except Exception as unpicklable:  # noqa: BLE001
                payload = pickle.dumps((None, TypeError(
                    f"the result could not be sent back ({unpicklable})"), (), {}, peak,
                    called))
            with os.fdopen(write, "wb") as handle:
                handle.write(payload)
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as handle:
        data = handle.read()
    os.waitpid(pid, 0)
    if not data:
        raise RuntimeError("the measured call's process ended without a result")
    result, error, new_args, new_kwargs, peak, called = pickle.loads(data)
    for old, new in zip(args, new_args):
        _copy_back(old, new)
    for key, old in kwargs.items():
        _copy_back(old, new_kwargs.get(key))
    if called and _CALLED and not _CALLED[-1]:
        _CALLED[-1].extend(called)
    if error is not None:
        raise error
    return result, int(peak)


def _children() -> tuple | None:
    """What this process's children have done so far (the resource usage of those it
    waited for) and whether it has any left (running, or ended and not waited for)."""
    import resource

    try:
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
    except (OSError, ValueError):  # pragma: no cover - every POSIX system has it
        return None
    try:  # WNOWAIT: a child that ended stays the student's to wait for
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        left = True
    except ChildProcessError:
        left = False
    except (OSError, AttributeError):  # pragma: no cover - no waitid (not Linux)
        return None
    return (used.ru_utime, used.ru_stime, used.ru_minflt, used.ru_nvcsw, used.ru_nivcsw,
            left)


def _alone(function: Callable, owner: str) -> Callable:
    """``function``, noting in the rules' record of forbidden calls (see :func:`enforced`)
    when a call of it starts another process (``os.fork``, ``subprocess``,
    ``multiprocessing``): a measured call's memory is its own process's, so its work stays
    in it. Seen from this process: a child it waited for adds to its children's resource
    usage, one it did not is still there."""

    def run(*args, **kwargs):
        before = _children()
        try:
            return function(*args, **kwargs)
        finally:
            after = _children()
            if before is not None and after is not None and after != before \
                    and (after[:5] != before[:5] or after[5]) and _CALLED:
                _CALLED[-1].append(f"{owner} started another process")

    return run


def measured(function: Callable, peaks: list) -> Callable:
    """``function`` as a probe calls it when its rules say :attr:`Rules.no_jacobian`: every
    call's peak resident memory above its start is appended to ``peaks`` (``resident``:
    every page the call touched, numpy's arrays and an ``mmap`` alike). Where this process
    may reset its own peak (a student's kernel) it does; where it may not (a grading job) the
    call runs in a forked child, whose peak starts afresh, and its result, its changes to
    its arguments and its exception come back. Every probe of such a function calls it the
    same way, value runs and memory runs alike; no tracing is switched on
    (``tracemalloc.is_tracing()`` is what it is in any call) and the peak is never level
    with the current memory. Only where neither works (no Linux ``/proc``) is tracemalloc
    used instead (``traced``)."""
    import tracemalloc

    function = _alone(function, getattr(function, "__name__", "function"))

    def call(*args, **kwargs):
        resident_base = _reset_resident_peak()
        if resident_base is not None:
            result = function(*args, **kwargs)
            after = _resident()
            peaks.append({"resident": None if after is None else int(after[0] - resident_base),
                          "traced": None})
            return result
        forked = _in_child(function, args, kwargs)
        if forked is not None:
            peaks.append({"resident": forked[1], "traced": None})
            return forked[0]
        started = not tracemalloc.is_tracing()
        if started:
            tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            result = function(*args, **kwargs)
            traced = tracemalloc.get_traced_memory()[1] - base
        finally:
            if started:
                tracemalloc.stop()
        peaks.append({"resident": None, "traced": int(traced)})
        return result

    return stand_in(function, call)
