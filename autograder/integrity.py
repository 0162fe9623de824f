"""``grading/integrity.csv``: what the answer cells' syntax says about the contract's rules.

Grading decides points; this report informs the instructor (its ``complex-arithmetic`` rows
also cost points: :mod:`autograder.source_rules`). For every student and
graded function it lists, read from the submitted notebook's syntax tree (``ast``; the code
is never run here):

- ``forbidden-module``: an import (in an answer cell) of, or a use (in a graded function) of
  a name imported from, a package graded functions may not use: every one but numpy, the
  standard library (but ``graphlib``) and the course library's ``nncourse.records`` and
  ``nncourse.data``, an allow list (:func:`nncourse.rules.forbidden_modules`).
- ``indirect-import``: ``__import__``, ``importlib``, ``getattr``/``setattr`` on a module,
  ``sys.modules``, ``exec``, ``eval`` or ``compile`` (called or passed around), and every
  route to the builtins module (importing it, ``__builtins__``, a builtin's ``__self__``).
  Names are resolved as Python scopes them: a function's own ``t`` is not the ``torch`` a
  scratch cell imported as ``t``, a default argument's ``t`` is.
- ``patches-library``: an assignment to (or ``del`` of) an attribute or item of a module
  (``np.allclose = ...``, ``nncourse.compare.compare = ...``), ``setattr`` on one, or
  ``mock.patch``; in the answer cells or in code outside them.
- ``defined-outside``: the graded function's last definition is in a cell the student
  added, not in its answer cell.
- ``complex-arithmetic`` / ``extended-precision``: a function whose contract says derived
  computing with complex numbers (graded: :mod:`autograder.source_rules`) or in extended
  precision (a lead: finite differences in ``np.longdouble`` come within float64's round-off).
- ``silences-warnings``: a function whose contract says warning-free (``Rules.warning_free``)
  that uses ``np.errstate``, ``np.seterr``, a warnings filter (:data:`SILENCERS`), itself or
  through a helper, or in a notebook whose code outside functions does (graded:
  :mod:`autograder.source_rules`).
- ``built-from`` / ``forbidden-call``: the notebook's ``RULES`` (``nncourse.checks.nbNN``):
  a graded function that never uses (calls or passes on) any of its ``built_from`` names,
  or that uses one of its ``forbidden_calls``.
- ``similar``: two students' graded functions that are near-identical once identifiers
  are renamed canonically and docstrings dropped (comments and whitespace are not in the
  syntax tree). Similarity is RapidFuzz's normalised Indel ratio (``fuzz.ratio``, 0-100;
  RapidFuzz is installed with nbgrader), or the standard library's ``difflib`` ratio when
  RapidFuzz is missing; functions shorter than :data:`MIN_SIMILAR_CHARS` normalised
  characters and unanswered stubs are not compared.

Rows where the rule was broken outside any graded function name ``(outside the answer
cells)`` as the function. A file that cannot be read or parsed produces no rows (grading
already notes it).
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import csv
import hashlib
import importlib
import io
import json
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from nncourse.rules import forbidden_module
from rapidfuzz import process as _process
from rapidfuzz.distance import LCSseq

from autograder.assemble import instructor_cells, read_submission, released_form
from autograder.likeness import Rename, code_tokens, encoded, score
from autograder.notebooks import ROOT, grade_id, nbgrader_meta
from autograder.report import cell as csv_cell
from autograder.submissions import MAX_NOTEBOOK_BYTES, Submission

SIMILARITY_THRESHOLD = 95.0
"""Pairs at or above this similarity (0-100, :func:`autograder.likeness.score`) are reported."""
MIN_SIMILAR_TOKENS = 40
"""Normalised functions shorter than this (tokens) are too small to say anything by being
alike."""
MAX_PARTNERS = 5
"""Most similar classmates listed per student and function (then a count of the rest)."""
MAX_FILE_BYTES = MAX_NOTEBOOK_BYTES
MAX_CELL_CHARS = 200_000
MAX_NOTEBOOK_CHARS = 1_000_000
"""Source analysed per notebook, all cells together (the rest gets one row saying so): the
analysis runs in the grader's own process, so one notebook cannot take minutes of it."""
OUTSIDE = "(outside the answer cells)"
HEADER = ["student", "notebook", "function", "rule", "detail"]

SIMILARITY_LIBRARY = "rapidfuzz"
"""Similarity is RapidFuzz's longest common subsequence (nbgrader depends on RapidFuzz)."""

_INDIRECT_CALLS = {"__import__", "exec", "eval", "compile"}
_GRADER_NAMES = {"check", "run_probe", "_publish", "judge_seen", "find_check", "REGISTRY",
                 "PROBE_MIME", "display_pub", "enforced", "swapped"}
"""The grading machinery's names: a student's code has no business defining or touching them."""
_PROCESS_TRICKS = {"ctypes": "ctypes (raw memory and C calls)", "gc": "gc (every object)",
                   "pydoc": "pydoc.locate (imports by a string)", "inspect": "inspect (frames)",
                   "linecache": "linecache (the source of cells already run)",
                   "traceback": "traceback (frames)"}
_SUSPECT_STRINGS = ("/proc/self", "NNCOURSE_", "site-packages", "dist-packages")
_SUSPECT_ATTRIBUTES = {"__code__", "__globals__", "__closure__", "__dict__",
                       "cell_contents", "f_back", "f_globals", "path", "get_objects", "write",
                       "environ", "getenv", "_getframe", "f_locals", "f_code", "tb_frame",
                       "gi_frame", "cr_frame", "ctypeslib", "pythonapi", "settrace",
                       "setprofile"}
_BUILTINS = set(dir(builtins))
_BUILTINS_ROUTES = {"__self__": "a builtin function's __self__ is the builtins module",
                    "__builtins__": "a module's builtins"}


def _parse(source: str) -> ast.Module | None:
    """The cell's syntax tree (IPython magics and shell lines blanked), or None."""
    if len(source) > MAX_CELL_CHARS:
        return None
    lines = ["" if line.lstrip().startswith(("%", "!")) else line
             for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


@dataclass
class _Cell:
    tree: ast.Module
    where: str  # "answer cell 'x'" or "cell N (not an answer cell)", N counting every cell
    answer: bool
    graded: list[str] = field(default_factory=list)  # graded functions defined here
    source: str = ""
    parts: list[list[ast.AST]] = field(default_factory=list)
    """Every node of each top-level statement (``ast.walk`` of it, in order): the one walk
    of this cell's tree that every rule reads."""

    def __post_init__(self):
        if not self.parts:
            self.parts = [list(ast.walk(statement)) for statement in self.tree.body]

    def nodes(self, skip: set[int] = frozenset()) -> list[ast.AST]:
        """The nodes of every top-level statement but those whose id is in ``skip``."""
        return [node for part in self.parts if id(part[0]) not in skip for node in part]


def _imports(tree: ast.AST, nodes: list[ast.AST] | None = None
             ) -> list[tuple[ast.AST, str, str]]:
    """(node, bound name, full module or object path) of every import in ``tree`` (whose
    nodes are ``nodes`` when the caller walked it already)."""
    found = []
    for node in ast.walk(tree) if nodes is None else nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                found.append((node, bound, alias.name if alias.asname else bound))
                if not alias.asname and alias.name != bound:
                    found.append((node, bound, alias.name))
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                found.append((node, alias.asname or alias.name, f"{node.module}.{alias.name}"))
    return found


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id in ("vars", "getattr") and node.args:
        return _root(node.args[0])
    return node


def _dotted(node: ast.AST) -> str:
    try:
        return ast.unparse(node)[:80]
    except Exception:  # noqa: BLE001 - a display string only
        return "?"


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp,
           ast.SetComp, ast.DictComp, ast.GeneratorExp)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _outer_parts(scope: ast.AST) -> list[ast.AST]:
    """The parts of a scope's node that Python evaluates in the *enclosing* scope: a
    function's decorators, defaults and annotations, a class's decorators and bases, a
    comprehension's first iterable."""
    if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        a = scope.args
        parts = [*a.defaults, *[d for d in a.kw_defaults if d is not None]]
        if not isinstance(scope, ast.Lambda):
            parts += [*scope.decorator_list, *([scope.returns] if scope.returns else []),
                      *[x.annotation for x in (*a.posonlyargs, *a.args, *a.kwonlyargs,
                                               a.vararg, a.kwarg)
                        if x is not None and x.annotation is not None]]
        return parts
    if isinstance(scope, ast.ClassDef):
        return [*scope.decorator_list, *scope.bases, *scope.keywords]
    return [scope.generators[0].iter]


def _inner_parts(scope: ast.AST) -> list[ast.AST]:
    """The parts of a scope's node evaluated in the scope itself."""
    if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return list(scope.body)
    if isinstance(scope, ast.Lambda):
        return [scope.body]
    first, *rest = scope.generators
    return [first.target, *first.ifs, *rest, *[getattr(scope, name) for name in
                                               ("elt", "key", "value") if hasattr(scope, name)]]


def _walrus_targets(node: ast.AST) -> set[str]:
    """Names ``:=`` binds inside a comprehension: they belong to the enclosing function."""
    found, todo = set(), [node]
    while todo:
        part = todo.pop()
        if isinstance(part, ast.NamedExpr) and isinstance(part.target, ast.Name):
            found.add(part.target.id)
        if isinstance(part, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
                      | ast.ClassDef):
            todo += _outer_parts(part)
            continue
        todo += list(ast.iter_child_nodes(part))
    return found


def _bound_in(scope: ast.AST) -> tuple[set[str], dict[str, str], set[str]]:
    """(names ``scope`` binds other than by importing, names it binds by importing -> the
    module or object imported, names it declares global); nested scopes aside, except what
    they evaluate here (defaults, decorators, a comprehension's first iterable, its ``:=``
    targets)."""
    bound: set[str] = set()
    imported: dict[str, str] = {}
    declared: set[str] = set()
    nonlocal_: set[str] = set()
    if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        a = scope.args
        bound |= {x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg)
                  if x is not None}
    if isinstance(scope, _COMPREHENSIONS):
        return {n.id for g in scope.generators for n in ast.walk(g.target)
                if isinstance(n, ast.Name)}, {}, set()
    todo = _inner_parts(scope)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            bound.add(node.id)
        elif isinstance(node, ast.Global):
            declared |= set(node.names)
        elif isinstance(node, ast.Nonlocal):
            nonlocal_ |= set(node.names)
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.add(node.rest)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            imported.update((bound, path) for _, bound, path in _imports(node))
        if isinstance(node, _SCOPES):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                bound.add(node.name)
            if isinstance(node, _COMPREHENSIONS):
                bound |= _walrus_targets(node)
            todo += _outer_parts(node)
            continue
        todo += list(ast.iter_child_nodes(node))
    return bound - declared - nonlocal_, {name: path for name, path in imported.items()
                                          if name not in bound | declared | nonlocal_}, declared


def local_loads(tree: ast.AST) -> tuple[set[int], dict[int, str]]:
    """ids of the ``Name`` loads in ``tree`` that Python resolves to a function's (or a
    lambda's, a comprehension's) own variable rather than to the notebook's globals: a
    graded function's local ``t`` is not the ``torch`` a scratch cell imported as ``t``.
    Two collections: names bound otherwise, and names bound by an import in that function
    (id -> what it imports: a module all the same, but not the one imported elsewhere
    under that name). A default
    argument, a decorator or a comprehension's first iterable is read in the enclosing
    scope, as Python does."""
    local: set[int] = set()
    imported: dict[int, str] = {}
    todo: list[tuple[ast.AST, tuple]] = [(tree, ())]
    while todo:
        node, stack = todo.pop()
        inside = bool(stack) and stack[-1][0] is node
        if isinstance(node, _SCOPES) and not inside:
            todo += [(part, stack) for part in _outer_parts(node)]
            todo.append((node, (*stack, (node, *_bound_in(node)))))
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            where = _resolves_locally(node.id, stack)
            if where == "":
                local.add(id(node))
            elif where is not None:
                imported[id(node)] = where
        children = _inner_parts(node) if inside else ast.iter_child_nodes(node)
        todo += [(child, stack) for child in children]
    return local, imported


def _resolves_locally(name: str, stack: tuple) -> str | None:
    """"" for a function's own variable, the module or object path for a name the function
    binds by importing, None for a global."""
    for depth, (scope, bound, imported, declared) in enumerate(reversed(stack)):
        if name in declared:
            return None
        if isinstance(scope, ast.ClassDef) and depth > 0:
            continue  # a class body's names are not visible in its methods
        if name in bound:
            return ""
        if name in imported:
            return imported[name]
    return None


_COMPLEX_ATTRIBUTES = {"complex64", "complex128", "complex256", "complex_", "csingle",
                       "cdouble", "clongdouble", "complexfloating", "imag", "iscomplexobj",
                       "emath", "scimath"}
_COMPLEX_DTYPES = {"complex", "complex64", "complex128", "complex256", "c8", "c16", "c32",
                   "F", "D", "G"}


def _named_dtype(node: ast.AST, attributes: set[str], dtypes: set[str]) -> str | None:
    """How ``node`` names one of these types, if it does: ``np.<attribute>``,
    ``dtype=<dtype>`` or ``.astype(<dtype>)`` (the dtype as a string constant)."""
    line = getattr(node, "lineno", "?")
    if isinstance(node, ast.Attribute) and node.attr in attributes:
        return f".{node.attr} (line {line})"
    if isinstance(node, ast.keyword) and node.arg == "dtype" \
            and isinstance(node.value, ast.Constant) and node.value.value in dtypes:
        return f"dtype={node.value.value!r} (line {line})"
    if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "astype" \
            and node.args and isinstance(node.args[0], ast.Constant) \
            and node.args[0].value in dtypes:
        return f".astype({node.args[0].value!r}) (line {line})"
    return None


def _complex_arithmetic(tree: ast.AST, nodes: list[ast.AST] | None = None) -> list[str]:
    """What in ``tree`` computes with complex numbers (complex-step differentiation): a
    complex constant (``1j``), ``complex(...)``, ``cmath``, a complex dtype, ``.imag``."""
    found = []
    for node in ast.walk(tree) if nodes is None else nodes:
        line = getattr(node, "lineno", "?")
        if isinstance(node, ast.Constant) and isinstance(node.value, complex):
            found.append(f"the complex number {_dotted(node)} (line {line})")
        elif isinstance(node, ast.Name) and node.id in ("complex", "cmath"):
            found.append(f"{node.id} (line {line})")
        elif named := _named_dtype(node, _COMPLEX_ATTRIBUTES, _COMPLEX_DTYPES):
            found.append(named)
    return found


SILENCERS = frozenset({"errstate", "seterr", "seterrcall", "filterwarnings", "simplefilter",
                       "catch_warnings", "resetwarnings", "_extobj_contextvar"})
"""Names that switch numpy's floating-point warnings off (or catch them): a function whose
contract says warning-free may not use them, nor may the notebook's code outside functions."""


LOUD = frozenset({"raise", "warn", "print", "log", "call", "error", "always", "default",
                  "module", "once"})
"""Settings of numpy's error handling or of a warnings filter that silence nothing."""


def _loud_call(node: ast.AST) -> bool:
    """``np.errstate(over="raise")``, ``warnings.simplefilter("error")``,
    ``warnings.catch_warnings()``: a call of a silencer whose every setting is a literal that
    silences nothing (an overflow made to raise is not hidden)."""
    if not isinstance(node, ast.Call) or any(k.arg is None for k in node.keywords) or any(
            isinstance(a, ast.Starred) for a in node.args):
        return False
    name = _called_name(node)
    if name == "catch_warnings":
        return not node.args and not node.keywords
    if name in ("filterwarnings", "simplefilter"):
        settings = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "action")]
    elif name in ("errstate", "seterr"):
        settings = [*node.args, *(k.value for k in node.keywords)]
    else:
        return False
    return bool(settings) and all(isinstance(v, ast.Constant) and v.value in LOUD
                                  for v in settings)


def _silencing(tree: ast.AST, nodes: list[ast.AST] | None = None) -> list[str]:
    """What in ``tree`` silences numpy's warnings: a use of one of :data:`SILENCERS` (as an
    attribute, a name imported on its own, or a string an attribute is looked up by), except
    as the function of a call that silences nothing (:func:`_loud_call`)."""
    walked = list(ast.walk(tree) if nodes is None else nodes)
    loud = {id(n.func) for n in walked if _loud_call(n)}
    return [found[1] for node in walked
            if id(node) not in loud and (found := _silencer(node)) is not None]


def _silencer(node: ast.AST) -> tuple[str, str] | None:
    """(the silencer's name, what to report) if ``node`` names one of :data:`SILENCERS`; the
    name is empty for a string, which no ``with`` block is taken to undo."""
    line = getattr(node, "lineno", "?")
    if isinstance(node, ast.Attribute) and node.attr in SILENCERS:
        return node.attr, f"{_dotted(node)} (line {line})"
    if isinstance(node, ast.Name) and node.id in SILENCERS:
        return node.id, f"{node.id} (line {line})"
    if isinstance(node, ast.alias) and node.name.split(".")[-1] in SILENCERS:
        return node.name.split(".")[-1], f"an import of {node.name}"
    if isinstance(node, ast.Constant) and node.value in SILENCERS:
        return "", f"the name {node.value!r} (line {line})"
    return None


NUMPY_SCOPED = frozenset({"errstate", "seterr", "seterrcall", "_extobj_contextvar"})
WARNINGS_SCOPED = frozenset({"filterwarnings", "simplefilter", "resetwarnings",
                             "catch_warnings"})
"""What a ``with np.errstate(...)`` (the first) or a ``with warnings.catch_warnings()`` block
(the second) undoes when it ends."""


def _lasting_silencing(statement: ast.stmt) -> list[str]:
    """:func:`_silencing` for code outside functions, which runs once, before the tests: only
    what outlasts it counts. A ``with np.errstate(...)`` block (a given demo cell reads
    overflowing values that way) undoes numpy's settings made inside it when it ends, a
    ``with warnings.catch_warnings()`` block the warnings filters; anything else stays."""
    found: list[str] = []
    loud = {id(n.func) for n in ast.walk(statement) if _loud_call(n)}

    def visit(node: ast.AST, undone: frozenset[str]) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            return  # runs only if called: a graded function's helper is read as one
        if isinstance(node, ast.With | ast.AsyncWith):
            scoped = set(undone)
            for item in node.items:
                call = item.context_expr
                name = _called_name(call)
                if name == "errstate":
                    scoped |= NUMPY_SCOPED
                elif name == "catch_warnings":
                    scoped |= WARNINGS_SCOPED
                else:
                    visit(call, undone)
            for child in node.body:
                visit(child, frozenset(scoped))
            return
        silencer = None if id(node) in loud else _silencer(node)
        if silencer is not None and silencer[0] not in undone:
            found.append(silencer[1])
        for child in ast.iter_child_nodes(node):
            visit(child, undone)

    visit(statement, frozenset())
    return found


def _called_name(node: ast.AST) -> str:
    """``errstate`` for ``np.errstate(...)``, ``errstate(...)`` or ``np.errstate``."""
    node = node.func if isinstance(node, ast.Call) else node
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


_EXTENDED = {"longdouble", "float128", "float96", "clongdouble", "complex256", "longfloat"}
_EXTENDED_DTYPES = {"g", "f16", "float128", "longdouble", "G", "c32"}


def _extended_precision(tree: ast.AST, nodes: list[ast.AST] | None = None) -> list[str]:
    """Where ``tree`` computes in extended precision (``np.longdouble``, ``"g"``): the way
    finite differences get within float64's round-off of a derived gradient."""
    return [named for node in (ast.walk(tree) if nodes is None else nodes)
            if (named := _named_dtype(node, _EXTENDED, _EXTENDED_DTYPES))]


def _builtin_reached(node: ast.AST, module) -> bool:
    """``x.exec``/``x.eval``/``x.__import__`` on anything (numpy has no such attribute: it is
    the builtins module under some name), ``builtins.compile``, ``__builtins__['eval']``."""
    if isinstance(node, ast.Attribute):
        root = _root(node.value)
        return node.attr in _INDIRECT_CALLS - {"compile"} or (
            node.attr == "compile" and module(root) and root.id in ("builtins",
                                                                     "__builtins__"))
    return isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
        and node.slice.value in _INDIRECT_CALLS and module(_root(node.value))


def _unavailable(path: str) -> bool:
    """Whether ``path`` is not on the grading sandbox's filesystem (torch, graphlib)."""
    from autograder.sandbox import FORBIDDEN_MODULES, FORBIDDEN_PACKAGES

    return path.split(".")[0] in (*FORBIDDEN_PACKAGES, *FORBIDDEN_MODULES)


def _breaches(tree: ast.AST, modules: set[str], forbidden_names: dict[str, str],
              scoped: tuple[set[int], dict[int, str]] = (frozenset(), {}),
              allowed: tuple[str, ...] = (),
              builtin_names: dict[str, str] | None = None,
              nodes: list[ast.AST] | None = None,
              outside: bool = False) -> list[tuple[str, str]]:
    """(rule, detail) of everything in ``tree`` that breaks the contract. ``builtin_names``: names
    the notebook binds by importing from ``builtins`` (name -> where). ``scoped``: ids of
    the names that resolve to a function's own variable, and to what that function imports
    itself (:func:`local_loads`): neither is what was imported elsewhere under the same name
    (a function's own import of a forbidden package is one all the same); ``allowed``: the
    forbidden packages this code may use all the same (its rules' ``allowed_packages``). The
    builtins module is reached by no honest answer: every way to it (importing it,
    ``__builtins__``, a builtin function's ``__self__``, the strings ``"builtins"`` and
    ``"__builtins__"``) and every use of ``exec``, ``eval``, ``compile`` and ``__import__``,
    called or not (``run = eval``), is an ``indirect-import``. ``outside``: the code is
    outside every answer cell, where importing a package graded functions may not use is no
    breach (a cell may import matplotlib to plot; a graded function's use of the name is, found
    by the caller), but one the sandbox lacks (torch) is worth a row: that cell fails while
    grading."""
    local, imported_here = scoped
    own = local | {node for node, path in imported_here.items()
                   if not forbidden_module(path, allowed)}

    def module(node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and id(node) not in local and \
            node.id in modules | {"__builtins__"}

    nodes = list(ast.walk(tree)) if nodes is None else nodes
    found = []
    for node, _, path in _imports(tree, nodes):
        if path.split(".")[0] == "builtins":
            found.append(("indirect-import", f"imports {path} (line {node.lineno})"))
        if _unavailable(path) if outside else forbidden_module(path, allowed):
            found.append(("forbidden-module", f"imports {path} (line {node.lineno})"))
        if path.split(".")[0] == "importlib":
            found.append(("indirect-import", f"imports {path} (line {node.lineno})"))
        if path.split(".")[0] in _PROCESS_TRICKS:
            found.append(("tampering", f"imports {_PROCESS_TRICKS[path.split('.')[0]]} "
                          f"(line {node.lineno})"))
    found += _tampering(tree, nodes)
    called = {id(node.func) for node in nodes if isinstance(node, ast.Call)}
    for node in nodes:
        line = getattr(node, "lineno", "?")
        if isinstance(node, ast.Name) and node.id == "__builtins__":
            found.append(("indirect-import", f"uses __builtins__ (line {line})"))
        elif isinstance(node, ast.Name) and node.id in _INDIRECT_CALLS and id(node) not in \
                called and id(node) not in own and isinstance(node.ctx, ast.Load):
            found.append(("indirect-import", f"uses {node.id} (line {line})"))
        elif isinstance(node, ast.Attribute) and node.attr in _BUILTINS_ROUTES:
            found.append(("indirect-import", f"uses .{node.attr} (line {line}): "
                          f"{_BUILTINS_ROUTES[node.attr]}"))
        elif isinstance(node, ast.Name) and node.id in (builtin_names or {}) and \
                id(node) not in own and isinstance(node.ctx, ast.Load):
            found.append(("indirect-import", f"uses {node.id} ({builtin_names[node.id]}, "
                          f"line {line})"))
        elif isinstance(node, ast.Constant) and node.value in ("builtins", "__builtins__"):
            found.append(("indirect-import", f"the string {node.value!r} (line {line})"))
        elif _builtin_reached(node, module):
            found.append(("indirect-import", f"uses {_dotted(node)} (line {line})"))
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) \
                and node.id in forbidden_names and id(node) not in own:
            found.append(("forbidden-module", f"uses {node.id} ({forbidden_names[node.id]}, "
                          f"line {line})"))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else None
            if name in _INDIRECT_CALLS:
                found.append(("indirect-import", f"calls {name}() (line {line})"))
            elif name in ("getattr", "setattr", "delattr") and node.args:
                root = _root(node.args[0])
                if module(root):
                    rule = "indirect-import" if name == "getattr" else "patches-library"
                    found.append((rule, f"{name}() on the module {_dotted(node.args[0])} "
                                  f"(line {line})"))
            elif isinstance(func, ast.Attribute) and func.attr in ("patch", "setattr") \
                    and isinstance(_root(func), ast.Name) and id(_root(func)) not in local \
                    and _root(func).id in modules | {"monkeypatch", "mock", "patch"}:
                found.append(("patches-library", f"{_dotted(func)}() (line {line})"))
            elif isinstance(func, ast.Attribute) and func.attr == "import_module":
                found.append(("indirect-import", f"{_dotted(func)}() (line {line})"))
        elif isinstance(node, ast.Attribute) and node.attr == "modules" \
                and isinstance(node.value, ast.Name) and node.value.id in modules | {"sys"}:
            found.append(("indirect-import", f"uses {node.value.id}.modules (line {line})"))
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, ast.Attribute | ast.Subscript) \
                        and isinstance(part.ctx, ast.Store | ast.Del):
                    root = _root(part)
                    if module(root):
                        found.append(("patches-library", f"assigns {_dotted(part)} "
                                      f"(line {line})"))
    return found


def _autograd_inside(node: ast.AST) -> list[tuple[str, str]]:
    """Uses of torch's autograd inside the methods of a class that may use torch (its
    backward must compute the gradients itself): ``.backward()`` calls, ``autograd.grad``,
    ``torch.func``."""
    found = []
    for method in ast.walk(node):
        if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for part in ast.walk(method):
            line = getattr(part, "lineno", "?")
            if isinstance(part, ast.Call) and isinstance(part.func, ast.Attribute) and \
                    part.func.attr == "backward":
                found.append(("forbidden-call", f"calls {_dotted(part.func)}() (line {line})"))
            elif isinstance(part, ast.Attribute) and (
                    (part.attr in ("grad", "functional", "forward_ad") and isinstance(
                        part.value, ast.Attribute) and part.value.attr == "autograd")
                    or (part.attr == "func" and isinstance(part.value, ast.Name))):
                found.append(("forbidden-call", f"uses {_dotted(part)} (line {line})"))
    return found


def _tampering(tree: ast.AST, nodes: list[ast.AST] | None = None) -> list[tuple[str, str]]:
    """What reaches into the grading machinery or the process itself: defining or using the
    names of the checks' machinery, frame and code objects, the event pipe, ``sys.path``,
    the grader's environment variables."""
    found = []
    for node in ast.walk(tree) if nodes is None else nodes:
        line = getattr(node, "lineno", "?")
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) \
                and node.name in _GRADER_NAMES:
            found.append(("tampering", f"defines {node.name} (line {line}), a name of the "
                          "grading machinery"))
        elif isinstance(node, ast.Name) and node.id in _GRADER_NAMES - {"check"}:
            found.append(("tampering", f"uses {node.id} (line {line})"))
        elif isinstance(node, ast.Name) and node.id == "check" and \
                isinstance(node.ctx, ast.Store | ast.Del):
            found.append(("tampering", f"assigns check (line {line})"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id == "vars" and node.args:
            found.append(("tampering", f"vars() of {_dotted(node.args[0])} (line {line}): "
                          "a module's or object's own namespace"))
        elif isinstance(node, ast.Attribute) and node.attr in _GRADER_NAMES | \
                _SUSPECT_ATTRIBUTES and not (node.attr in ("write", "path") and not (
                    isinstance(node.value, ast.Name) and node.value.id in ("os", "sys"))):
            found.append(("tampering", f"uses .{node.attr} (line {line})"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                any(text in node.value for text in _SUSPECT_STRINGS):
            found.append(("tampering", f"the string {node.value[:40]!r} (line {line})"))
    return found


def _reachable(name: str, helpers: dict[str, ast.AST],
               uses: dict[str, set[str]] | None = None) -> set[str]:
    """Names ``name`` uses, directly or through the student's other top-level functions
    (``uses``: helper -> the names it uses, when the caller knows them)."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        node = helpers.get(current)
        if node is None:
            continue
        for used in (uses[current] if uses is not None else _uses(node)) - seen:
            seen.add(used)
            if used in helpers and used != name:
                todo.append(used)
    return seen


def _uses(tree: ast.AST, nodes: list[ast.AST] | None = None) -> set[str]:
    return {n.id for n in (ast.walk(tree) if nodes is None else nodes)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


@cache
def _graded_names(assignment: str) -> tuple[str, ...]:
    names = []
    for kind, _, source, _ in instructor_cells(assignment):
        if kind == "solution":
            tree = _parse(source)
            names += [n.name for n in (tree.body if tree else [])
                      if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]
    return tuple(names)


PATCH_EXEMPT = ("matplotlib", "IPython", "ipywidgets", "tqdm")
"""Modules whose settings a notebook may change (``plt.rcParams[...] = ...`` is no breach)."""


@cache
def _instructor_modules(assignment: str) -> frozenset[str]:
    """Names the instructor's own cells bind by importing (np, plt, check, ...)."""
    modules = set()
    for kind, _, source, _ in instructor_cells(assignment):
        tree = _parse(source) if kind != "solution" else None
        modules |= {bound for _, bound, path in _imports(tree) if tree
                    and path.split(".")[0] not in PATCH_EXEMPT} if tree else set()
    return frozenset(modules)


def _is_stub(node: ast.AST) -> bool:
    """A function whose body (docstring and ``pass`` aside) only raises NotImplementedError."""
    body = [n for n in getattr(node, "body", []) if not isinstance(n, ast.Pass) and not (
        isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    return bool(body) and all(isinstance(n, ast.Raise) and "NotImplementedError" in
                              ast.unparse(n) for n in body)


def rules_of(assignment: str) -> dict:
    """The notebook's ``RULES`` (name -> nncourse.rules.Rules), or {} when it has none."""
    try:
        module = importlib.import_module(f"nncourse.checks.nb{assignment[:2]}")
    except Exception:  # noqa: BLE001 - a notebook without checks has no rules to report
        return {}
    rules = getattr(module, "RULES", None)
    return rules if isinstance(rules, dict) else {}


# ---------------------------------------------------------------------------------------------
# normalisation and similarity


class _Canonical(Rename):
    """Renames identifiers in order of first appearance (v0, v1, ...), drops docstrings.

    Builtins and the notebook's module names (np, math, ...) and attribute names are kept:
    they are what the code does, not what the student called things.
    """

    def __init__(self, keep: set[str]):
        super().__init__(keep, blank=False)

    def generic_visit(self, node):
        """Bare string statements (docstrings, strings used as comments) are dropped."""
        for name in ("body", "orelse", "finalbody"):
            body = getattr(node, name, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                kept = [s for s in body if not (isinstance(s, ast.Expr) and isinstance(
                    s.value, ast.Constant) and isinstance(s.value.value, str))]
                setattr(node, name, kept or ([ast.Pass()] if name == "body" else []))
        return super().generic_visit(node)


def normalise(node: ast.AST, keep: set[str]) -> str:
    """``node``'s code with identifiers renamed canonically and docstrings dropped."""
    copy = ast.parse(ast.unparse(node))
    return ast.unparse(_Canonical(keep | _BUILTINS).visit(copy))


def similarity_tokens(node: ast.AST, keep: set[str]) -> list[str]:
    """``node`` as :mod:`autograder.likeness` compares it: identifiers renamed canonically,
    docstrings, comments and dead code dropped, as a token stream."""
    return code_tokens(node, keep)


@cache
def _solution_tokens(assignment: str, name: str) -> tuple[str, ...] | None:
    """The instructor's ``name``, normalised like the students' (solution markers dropped)."""
    modules = set(_instructor_modules(assignment)) | {"np", "numpy", "nncourse", "math"}
    for kind, _, source, _ in instructor_cells(assignment):
        tree = _parse(source) if kind == "solution" else None
        for node in tree.body if tree else []:
            if getattr(node, "name", None) == name:
                return tuple(similarity_tokens(node, modules))
    return None


LIBRARY_CACHE: list[Path | None] = [None]
"""A folder where :func:`library_functions` keeps its result between runs (the repository's
``.cache/``, else ``OUT/.cache``; set by :func:`write_integrity`), keyed by the library's and
this tokenizer's code: 1.5 s of every ``grade`` on this machine otherwise."""


def _cache_folder(out_dir: Path) -> Path:
    """Where the library's token streams are kept: the repository's ``.cache/`` (they depend
    on the library's and the tokenizer's code only, so every grading run and output folder
    shares them), else ``out_dir/.cache`` when the repository is read-only."""
    shared = ROOT / ".cache"
    with contextlib.suppress(OSError):
        shared.mkdir(exist_ok=True)
        if os.access(shared, os.W_OK):
            return shared
    return out_dir / ".cache"


@cache
def library_functions() -> dict[str, list[str]]:
    """``nncourse/<file>: <function>`` -> token stream, for every function and method of the
    course library that a student receives (long enough to be compared)."""
    library = ROOT / "lib" / "nncourse"
    sources = sorted(library.rglob("*.py"))
    digest = hashlib.sha256()
    for path in [*sources, Path(__file__), Path(__file__).with_name("likeness.py")]:
        digest.update(str(path).encode() + b"\0" + path.read_bytes())
    kept = LIBRARY_CACHE[0] / f"library-tokens-{digest.hexdigest()[:24]}.json" \
        if LIBRARY_CACHE[0] is not None else None
    if kept is not None:
        try:
            return json.loads(kept.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    found = _library_tokens(library, sources)
    if kept is not None:
        with contextlib.suppress(OSError):
            kept.parent.mkdir(parents=True, exist_ok=True)
            temporary = kept.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(found), encoding="utf-8")
            os.replace(temporary, kept)
    return found


def _library_tokens(library: Path, sources: list[Path]) -> dict[str, list[str]]:
    found = {}
    for path in sources:
        tree = _parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree) if tree else []:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                tokens = similarity_tokens(node, {"np", "numpy", "math"})
                if len(tokens) >= MIN_SIMILAR_TOKENS:
                    found[f"nncourse/{path.relative_to(library)}: {node.name}"] = tokens
    return found


@cache
def _library_encoded() -> tuple[list[str], list[str], list[int]]:
    functions = library_functions()
    return (list(functions), [encoded(t) for t in functions.values()],
            [len(t) for t in functions.values()])


def library_matches(tokens, threshold: float = SIMILARITY_THRESHOLD
                    ) -> list[tuple[str, float]]:
    """(library function, similarity) of every library function ``tokens`` is a copy of."""
    names, texts, lengths = _library_encoded()
    if not texts or not tokens:
        return []
    common = _process.cdist([encoded(list(tokens))], texts, scorer=LCSseq.similarity)[0]
    found = [(name, score(int(c), len(tokens), length))
             for name, c, length in zip(names, common, lengths, strict=True)]
    return sorted([(n, v) for n, v in found if v >= threshold], key=lambda p: (-p[1], p[0]))


def _similar_to(reference, codes: dict[str, list[str]], threshold: float
                ) -> list[tuple[str, float]]:
    return [(student, value) for student in sorted(codes)
            if (value := score(LCSseq.similarity(list(reference), codes[student]),
                               len(reference), len(codes[student]))) >= threshold]


def _similar_pairs(codes: dict[str, list[str]], threshold: float
                   ) -> list[tuple[str, str, float]]:
    students = sorted(codes)
    texts = [encoded(codes[s]) for s in students]
    common = _process.cdist(texts, texts, scorer=LCSseq.similarity)
    pairs = []
    for i in range(len(students)):
        for j in range(i + 1, len(students)):
            value = score(int(common[i][j]), len(texts[i]), len(texts[j]))
            if value >= threshold:
                pairs.append((students[i], students[j], value))
    return pairs


# ---------------------------------------------------------------------------------------------
# per submission


@cache
def _given(assignment: str) -> frozenset[str]:
    """The code the instructor gave (demo cells and others), as a student receives it."""
    return frozenset(released_form(source) for _, _, source, _ in instructor_cells(assignment))


def _cells(notebook, solution_ids: set[str], graded: list[str],
           given: frozenset[str] = frozenset(), skipped: list[int] | None = None
           ) -> list[_Cell]:
    """The cells to analyse, answer cells first, up to MAX_NOTEBOOK_CHARS of source in all;
    the number of characters left out is appended to ``skipped``."""
    cells = []
    budget, left_out = MAX_NOTEBOOK_CHARS, 0
    order = sorted(enumerate(notebook.cells, 1),
                   key=lambda numbered: grade_id(numbered[1]) not in solution_ids)
    answered: set[str] = set()
    for number, cell in order:
        gid = grade_id(cell)
        kind = cell.get("cell_type")
        answer = gid in solution_ids and kind in ("code", "markdown", "raw") and bool(
            nbgrader_meta(cell).get("solution"))  # as autograder.assemble picks answers
        if answer and gid in answered:
            continue  # a second cell with an answer's id: the grader runs the first only
        if answer:
            answered.add(gid)
        if kind != "code" and not answer:
            continue
        if gid and not answer:
            continue  # a locked or test cell: the instructor's copy runs, not this one
        source = cell.get("source", "")
        if not answer and isinstance(source, str) and source.strip() in given:
            continue  # given by the instructor (a demo that imports torch, say), unchanged
        source = source if isinstance(source, str) else ""
        if len(source) > budget:
            left_out += len(source)
            continue
        budget -= len(source)
        tree = _parse(source)
        if tree is None:
            continue
        where = f"answer cell {gid!r}" if answer else f"cell {number} (not an answer cell)"
        defined = [n.name for n in tree.body if isinstance(
            n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and n.name in graded]
        cells.append((number, _Cell(tree, where, answer, defined, source)))
    if skipped is not None:
        skipped.append(left_out)
    return [cell for _, cell in sorted(cells, key=lambda numbered: numbered[0])]


_ANALYSED: dict[tuple[str, str, str], tuple[list[list[str]], dict[str, list[str]]]] = {}
""":func:`analyse`'s results in this process, by (student, notebook, hash of the file's
bytes): grading reads each submission's rules (:mod:`autograder.source_rules`) and
``integrity.csv`` reads them all again at the end; the second reading is this lookup."""


def analyse(submission: Submission) -> tuple[list[list[str]], dict[str, list[str]]]:
    """Rule rows of one submission, and its normalised graded functions (name -> code)."""
    if submission.path is None:
        return [], {}
    try:
        raw = submission.path.read_bytes()[: MAX_FILE_BYTES + 1]
    except OSError:
        return [], {}
    if len(raw) > MAX_FILE_BYTES:
        return [], {}
    key = (submission.student, submission.assignment, hashlib.sha256(raw).hexdigest())
    if key not in _ANALYSED:
        _ANALYSED[key] = _analyse(submission, raw)
    rows, normalised = _ANALYSED[key]
    return [list(row) for row in rows], {name: list(code) for name, code in normalised.items()}


def _analyse(submission: Submission, raw: bytes
             ) -> tuple[list[list[str]], dict[str, list[str]]]:
    notebook, _ = read_submission(raw)
    if notebook is None:
        return [], {}
    assignment = submission.assignment
    graded = _graded_names(assignment)
    solution_ids = {gid for kind, gid, _, _ in instructor_cells(assignment)
                    if kind == "solution"}
    skipped: list[int] = []
    cells = _cells(notebook, solution_ids, graded, _given(assignment), skipped)
    modules = set(_instructor_modules(assignment)) | {"np", "numpy", "nncourse", "sys",
                                                      "builtins", "math"}
    forbidden_names: dict[str, str] = {}
    imported_from: dict[str, str] = {}  # bound name -> its package
    builtin_names: dict[str, str] = {}  # bound name -> where, of imports from builtins
    for cell in cells:
        for _, bound, path in _imports(cell.tree, cell.nodes()):
            if path.split(".")[0] == "builtins":
                builtin_names[bound] = f"from {path}, imported in {cell.where}"
            if path.split(".")[0] not in PATCH_EXEMPT:
                modules.add(bound)
            if forbidden_module(path):
                forbidden_names[bound] = f"from {path}, imported in {cell.where}"
                imported_from[bound] = path.split(".")[0]
    rules = rules_of(assignment)

    def allowed_for(*names: str) -> tuple[str, ...]:
        """The packages every one of ``names`` may use (none for code outside them)."""
        sets = [set(getattr(rules.get(n), "allowed_packages", ()) or ()) for n in names]
        return tuple(sorted(set.intersection(*sets))) if sets else ()
    rows: set[tuple[str, str, str]] = set()
    definitions: dict[str, tuple[ast.AST, _Cell]] = {}
    helpers: dict[str, ast.AST] = {}  # every top-level function the student defines
    walked: dict[int, list[ast.AST]] = {}  # id of a top-level statement -> its nodes
    for cell in cells:
        for node, nodes in zip(cell.tree.body, cell.parts, strict=True):
            walked[id(node)] = nodes
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                helpers[node.name] = node
    uses = {name: _uses(node, walked[id(node)]) for name, node in helpers.items()}
    for cell in cells:
        inside: set[int] = set()
        scoped = local_loads(cell.tree)
        for node in cell.tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) \
                    and node.name in graded:
                definitions[node.name] = (node, cell)
                inside.add(id(node))
                allowed = allowed_for(node.name)
                names = {bound: why for bound, why in forbidden_names.items()
                         if imported_from[bound] not in allowed}
                found = _breaches(node, modules, names, scoped, allowed, builtin_names,
                                  walked[id(node)])
                if allowed:
                    found += _autograd_inside(node)
                for rule, detail in found:
                    rows.add((node.name, rule, f"{detail} in {cell.where}"))
        rest = ast.Module(body=[n for n in cell.tree.body if id(n) not in inside],
                          type_ignores=[])
        owners = cell.graded if cell.answer and cell.graded else [OUTSIDE]
        allowed = allowed_for(*owners) if owners != [OUTSIDE] else ()
        for rule, detail in _breaches(rest, modules, {}, scoped, allowed,
                                      nodes=[rest, *cell.nodes(inside)],
                                      outside=owners == [OUTSIDE]):
            for owner in owners:
                rows.add((owner, rule, f"{detail} in {cell.where}"))
    outside_silencing = [(detail, cell.where) for cell in cells for statement in cell.tree.body
                         for detail in _lasting_silencing(statement)]
    normalised: dict[str, list[str]] = {}
    for name, (node, cell) in definitions.items():
        if not cell.answer:
            rows.add((name, "defined-outside", f"{name} is (re)defined in {cell.where}, "
                      "outside its answer cell"))
        if _is_stub(node):
            continue  # unanswered: grading already gives it no points
        used = _reachable(name, helpers, uses)
        rule = rules.get(name)
        for needed in tuple(getattr(rule, "built_from", ()) or ()):
            if needed not in used:
                rows.add((name, "built-from", f"{name} never uses {needed} (directly or "
                          "through the student's own functions), which it must be built from"))
        for call in tuple(getattr(rule, "forbidden_calls", ()) or ()):
            if call in used:
                rows.add((name, "forbidden-call", f"{name} uses {call}, which the contract "
                          "forbids here"))
        parts = [(cell.where, node)] + [(f"its helper {h}", helpers[h]) for h in sorted(used)
                                        if h in helpers and h != name]
        if getattr(rule, "derived", False):
            for where, part in parts:
                for detail in _complex_arithmetic(part, walked.get(id(part))):
                    rows.add((name, "complex-arithmetic", f"uses {detail} in {where}: the "
                              "contract says derived, and complex steps are a numerical "
                              "derivative"))
                for detail in _extended_precision(part, walked.get(id(part))):
                    rows.add((name, "extended-precision", f"uses {detail} in {where}: a "
                              "derived gradient needs no more than float64, while finite "
                              "differences in extended precision come within float64's "
                              "round-off (read it: a lead, not a verdict)"))
        if getattr(rule, "warning_free", False):
            for where, part in parts:
                for detail in _silencing(part, walked.get(id(part))):
                    rows.add((name, "silences-warnings", f"uses {detail} in {where}: the "
                              "contract says warning-free by avoiding the overflow, and "
                              "silencing numpy hides it"))
            for detail, where in outside_silencing:
                rows.add((name, "silences-warnings", f"is run after {detail} in {where}, "
                          "outside any function: the contract says warning-free by avoiding "
                          "the overflow, and silencing numpy hides it"))
        try:
            normalised[name] = _tokens_of(node, cell, modules)
        except (RecursionError, ValueError, SyntaxError):
            continue
    student = submission.student
    if skipped and skipped[0]:
        rows.add((OUTSIDE, "not-analysed", f"{skipped[0]} characters of source beyond the "
                  f"{MAX_NOTEBOOK_CHARS:,} analysed per notebook (answer cells first): "
                  "read this notebook yourself"))
    return [[student, assignment, f, r, d] for f, r, d in sorted(rows)], normalised


_TOKENS: dict[tuple, tuple[str, ...]] = {}
""":func:`similarity_tokens` of a function, by (its cell's source, its position, the names
kept): a cell that many students hand in unchanged (a given helper, an answer copied) is
normalised once per process."""
MAX_KEPT_TOKENS = 20_000


def _tokens_of(node: ast.AST, cell: _Cell, modules: set[str]) -> list[str]:
    key = (cell.source, node.lineno, node.col_offset, frozenset(modules))
    if key not in _TOKENS:
        if len(_TOKENS) >= MAX_KEPT_TOKENS:
            del _TOKENS[next(iter(_TOKENS))]
        _TOKENS[key] = tuple(similarity_tokens(node, modules))
    return list(_TOKENS[key])


def integrity_rows(submissions: list[Submission], threshold: float = SIMILARITY_THRESHOLD,
                   min_tokens: int = MIN_SIMILAR_TOKENS) -> list[list[str]]:
    """Every row of ``integrity.csv``, sorted."""
    rows: list[list[str]] = []
    codes: dict[tuple[str, str], dict[str, list[str]]] = {}
    how = ("after renaming identifiers and dropping docstrings and dead code "
           f"({SIMILARITY_LIBRARY})")
    for submission in submissions:
        try:
            found, normalised = analyse(submission)
        except (RecursionError, MemoryError) as error:
            found, normalised = [[submission.student, submission.assignment, OUTSIDE,
                                  "unreadable", f"not analysed: {type(error).__name__}"]], {}
        rows += found
        for name, code in normalised.items():
            if len(code) >= min_tokens:
                codes.setdefault((submission.assignment, name), {})[submission.student] = code
                for where, value in library_matches(code, threshold)[:MAX_PARTNERS]:
                    rows.append([submission.student, submission.assignment, name,
                                 "matches-library", f"{value:.1f}% similar to the course "
                                 f"library's {where} {how}"])
    for (assignment, name), by_student in codes.items():
        reference = _solution_tokens(assignment, name)
        if reference is not None:
            for student, value in _similar_to(reference, by_student, threshold):
                rows.append([student, assignment, name, "matches-solution",
                             f"{value:.1f}% similar to the instructor's solution {how}"])
        partners: dict[str, list[tuple[str, float]]] = {}
        for first, second, value in _similar_pairs(by_student, threshold):
            partners.setdefault(first, []).append((second, value))
            partners.setdefault(second, []).append((first, value))
        for one, others in partners.items():
            others.sort(key=lambda pair: (-pair[1], pair[0]))
            for other, value in others[:MAX_PARTNERS]:
                rows.append([one, assignment, name, "similar",
                             f"near-identical to {other}'s {name}: {value:.1f}% similar "
                             f"{how}"])
            if len(others) > MAX_PARTNERS:
                rows.append([one, assignment, name, "similar",
                             f"and {len(others) - MAX_PARTNERS} more students at or above "
                             f"{threshold:g}% (only the {MAX_PARTNERS} closest are listed)"])
    return sorted(rows)


def write_integrity(submissions: list[Submission], out_dir: Path,
                    threshold: float = SIMILARITY_THRESHOLD) -> Path:
    """Write ``out_dir/integrity.csv`` (header: student, notebook, function, rule, detail)."""
    LIBRARY_CACHE[0] = _cache_folder(out_dir)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows([[csv_cell(value) for value in row]
                      for row in integrity_rows(submissions, threshold)])
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "integrity.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path

