"""What the student's kernel may hold while grading: the probes, and nothing that answers.

A check is a class with a ``probe`` (runs the student's code) and a ``judge`` (computes the
expected answer: torch oracles, reference formulas). Only the probe belongs in the student's
process. :func:`probe_library` builds, once per grading run, a copy of the course library for
the sandbox in which

- every check module keeps its registered check classes without their ``judge`` methods,
  and only the module-level code those probes still use (an oracle that only judges call is
  gone, and so is an ``import torch`` that only they needed);
- the gradient checker, the oracles and the torch trainer, reference implementations of
  graded exercises, and the visible checks' stored expected values are stubs that raise;
- the rest (``check`` itself, data, plots, the rules) is copied as it is.

The hidden checks are stripped the same way and never written into that copy: the job
carries the stripped source of the one notebook's hidden module (:func:`hidden_probes`).
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import shutil
from functools import cache
from pathlib import Path

from autograder.notebooks import ROOT

LIBRARY = ROOT / "lib" / "nncourse"
HIDDEN = ROOT / "autograder" / "hidden"
STUBBED = ("gradcheck", "training", "oracle", "expected")
"""Library modules that implement graded ideas: replaced by stubs while grading."""


def _defined(statement: ast.stmt) -> set[str]:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in statement.names}
    names = set()
    targets = getattr(statement, "targets", None) or [getattr(statement, "target", None)]
    for target in targets:
        if target is not None:
            names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def _used(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _is_check(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.ClassDef) and any(
        (isinstance(d, ast.Name) and d.id == "register") for d in statement.decorator_list)


def _methods(tree: ast.Module) -> list[ast.FunctionDef]:
    return [m for c in tree.body if isinstance(c, ast.ClassDef) for m in c.body
            if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _probe_methods(trees) -> set[str]:
    """Method names the probes need, across every class of every module (a subclass's
    override of a method its base's probe calls counts): ``probe``, dunders, and what any
    of those calls through ``self``/``cls``, to a fixed point."""
    methods = [m for tree in trees for m in _methods(tree)]
    keep = {"probe"} | {m.name for m in methods if m.name.startswith("__")}
    while True:
        called = {n.attr for m in methods if m.name in keep for n in ast.walk(m)
                  if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                  and n.value.id in ("self", "cls")}
        if called <= keep:
            return keep
        keep |= called


def _strip_class(statement: ast.ClassDef, keep: set[str]) -> ast.ClassDef:
    """Keep a class's attributes and the methods named in ``keep``."""
    statement.body = [s for s in statement.body
                      if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
                      or s.name in keep] or [ast.Pass()]
    return statement


def strip_modules(sources: dict[str, str]) -> dict[str, str]:
    """Module name -> source, with judges and all that only judges need removed.

    Works across the modules together: a name one module's probes import from another is
    kept there too.
    """
    trees = {name: ast.parse(source) for name, source in sources.items()}
    names_used: dict[int, set[str]] = {}
    names_defined: dict[int, set[str]] = {}

    def used_by(statement: ast.stmt) -> set[str]:  # each statement walked once, not per pass
        if id(statement) not in names_used:
            names_used[id(statement)] = _used(statement)
        return names_used[id(statement)]

    def defined_by(statement: ast.stmt) -> set[str]:
        if id(statement) not in names_defined:
            names_defined[id(statement)] = _defined(statement)
        return names_defined[id(statement)]

    # the base classes' probes (nncourse.checking's CaseCheck.probe calls self.probe_case)
    # count too: a method only a base's probe calls is still a probe's
    keep = _probe_methods([*trees.values(), ast.parse((LIBRARY / "checking.py").read_text())])
    for tree in trees.values():
        tree.body = [_strip_class(s, keep) if isinstance(s, ast.ClassDef) else s
                     for s in tree.body]
    wanted: dict[str, set[str]] = {name: set() for name in trees}
    kept: dict[str, list[ast.stmt]] = {}
    while True:
        changed = False
        for name, tree in trees.items():
            body = [s for s in tree.body
                    if _is_check(s) or not defined_by(s) or defined_by(s) & wanted[name]]
            used = set().union(*(used_by(s) for s in body)) if body else set()
            for statement in tree.body:
                if defined_by(statement) & used and statement not in body:
                    body.append(statement)
            used = set().union(*(used_by(s) for s in body)) if body else set()
            for statement in body:
                if isinstance(statement, ast.ImportFrom) and statement.module in trees:
                    names = {a.name for a in statement.names if (a.asname or a.name) in used}
                    if not names <= wanted[statement.module]:
                        wanted[statement.module] |= names
                        changed = True
            new_wanted = wanted[name] | {n for s in body for n in defined_by(s) & used}
            if new_wanted != wanted[name]:
                wanted[name] = new_wanted
                changed = True
            kept[name] = body
        if not changed:
            break
    result = {}
    for name, tree in trees.items():
        used = set().union(*(used_by(s) for s in kept[name])) | wanted[name]
        body = []
        for statement in tree.body:
            if statement not in kept[name]:
                continue
            if isinstance(statement, (ast.Import, ast.ImportFrom)) and not (
                    isinstance(statement, ast.ImportFrom) and statement.module == "__future__"):
                statement.names = [a for a in statement.names
                                   if (a.asname or a.name).split(".")[0] in used]
                if not statement.names:
                    continue
            body.append(statement)
        tree.body = body
        result[name] = ast.unparse(tree) + "\n"
    return result


def _stub(module: str) -> str:
    tree = ast.parse((LIBRARY / f"{module}.py").read_text())
    public = [s.name for s in tree.body
              if isinstance(s, (ast.FunctionDef, ast.ClassDef)) and not s.name.startswith("_")]
    lines = [f'"""nncourse.{module} is not available while grading: graded functions may not '
             'use the course\'s own implementations."""', "",
             "def _unavailable(*args, **kwargs):",
             f"    raise RuntimeError('nncourse.{module} is not available while grading')", ""]
    lines += [f"{name} = _unavailable" for name in public]
    lines += [ast.unparse(s) for s in tree.body if isinstance(s, ast.Assign) and _literal(s.value)]
    return "\n".join(lines) + "\n"


def _literal(node: ast.expr) -> bool:
    """A constant (``KEYS = ("W1", "b1")``): kept in a stub, it answers nothing."""
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


def _check_sources() -> dict[str, str]:
    sources = {f"nncourse.checks.{p.stem}": p.read_text()
               for p in sorted((LIBRARY / "checks").glob("nb*.py"))}
    sources |= {f"autograder.hidden.{p.stem}": p.read_text()
                for p in sorted(HIDDEN.glob("nb*.py"))}
    return sources


@cache
def _stripped() -> dict[str, str]:
    """:func:`strip_modules` of the check modules, kept in the repository's ``.cache/`` by
    the hash of every source it depends on (about a second of parsing, once per version)."""
    sources = _check_sources()
    digest = hashlib.sha256(json.dumps(
        [sources, (LIBRARY / "checking.py").read_text(), Path(__file__).read_text()],
        sort_keys=True).encode()).hexdigest()[:32]
    cached = ROOT / ".cache" / f"probes-{digest}.json"
    with contextlib.suppress(OSError, ValueError):
        stripped = json.loads(cached.read_text(encoding="utf-8"))
        if isinstance(stripped, dict) and set(stripped) == set(sources):
            return stripped
    stripped = strip_modules(sources)
    with contextlib.suppress(OSError):
        cached.parent.mkdir(exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(stripped), encoding="utf-8")
        os.replace(partial, cached)
    return stripped


def hidden_probes(assignment: str) -> dict[str, str]:
    """The job's hidden probe module of ``assignment``: {module name: stripped source}."""
    name = f"autograder.hidden.nb{assignment[:2]}"
    stripped = _stripped()
    return {name: stripped[name]} if name in stripped else {}


def probe_library(target: Path) -> Path:
    """Write the probe-only copy of the course library to ``target/nncourse``; return it."""
    package = target / "nncourse"
    if package.exists():
        shutil.rmtree(package)
    shutil.copytree(LIBRARY, package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name, source in _stripped().items():
        if name.startswith("nncourse.checks."):
            (package / "checks" / f"{name.rsplit('.', 1)[1]}.py").write_text(source)
    for module in STUBBED:
        (package / f"{module}.py").write_text(_stub(module))
    return package
