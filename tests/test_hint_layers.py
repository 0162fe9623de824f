"""Every failure a check can give has two hint layers: the symptom, then the idea (issue 22).

Read from the checks' source (visible and hidden), so that a failure path no test input
reaches is held to it too: every ``Verdict.fail``/``Verdict.not_yet`` passes at least two
hints after its message, and every call of a judging helper that takes ``hints`` (``compare``,
``compare_derived``, a module's own ``exact_compare``...) gives it at least two. A hint is a
non-empty string literal, an f-string, a name bound to one, or a starred tuple of them; a
name the test cannot resolve (a parameter passed through, ``self.HINTS``) counts as its
caller's, which is checked where the caller is called.
"""

from __future__ import annotations

import ast

import pytest

from autograder.notebooks import ROOT

MODULES = sorted([*(ROOT / "lib" / "nncourse" / "checks").glob("nb0*.py"),
                  *(ROOT / "autograder" / "hidden").glob("nb0*.py")])
SHARED = [ROOT / "lib" / "nncourse" / "compare.py", ROOT / "lib" / "nncourse" / "checking.py"]
UNKNOWN = 2  # a value the source does not pin down: judged at the call that supplies it


def _module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name):
            constants[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and \
                node.value is not None:
            constants[node.target.id] = node.value
    return constants


def _count(node: ast.expr | None, constants: dict, depth: int = 0) -> int:
    """How many hints ``node`` gives (a sequence of them)."""
    if node is None or depth > 5:
        return 0 if node is None else UNKNOWN
    if isinstance(node, ast.Constant):
        return 0 if node.value in (None, "", ()) else UNKNOWN
    if isinstance(node, (ast.Tuple, ast.List)):
        return sum(_one(e, constants, depth + 1) for e in node.elts)
    if isinstance(node, ast.Name) and node.id in constants:
        return _count(constants[node.id], constants, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _count(node.left, constants, depth + 1) + _count(node.right, constants,
                                                                depth + 1)
    return UNKNOWN


def _one(node: ast.expr, constants: dict, depth: int = 0) -> int:
    """1 for one hint, 0 for an empty one; a starred sequence counts its members."""
    if isinstance(node, ast.Starred):
        return _count(node.value, constants, depth + 1)
    if isinstance(node, ast.Constant):
        return 0 if node.value in (None, "") else 1
    if isinstance(node, ast.Name) and node.id in constants:
        return _one(constants[node.id], constants, depth + 1)
    return 1


def _takers() -> dict[str, tuple[int | None, ast.expr | None]]:
    """Functions with a ``hints`` parameter, by name: (its position if it can be given
    positionally, its default)."""
    found = {}
    for path in [*MODULES, *SHARED]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef):
                continue
            positional = [a.arg for a in node.args.posonlyargs + node.args.args]
            names = positional + [a.arg for a in node.args.kwonlyargs]
            if "hints" not in names or node.name.startswith("_"):
                continue
            if "hints" in positional:
                index = positional.index("hints")
                defaults = node.args.defaults
                offset = len(positional) - len(defaults)
                default = defaults[index - offset] if index >= offset else None
            else:
                index = None
                default = node.args.kw_defaults[node.args.kwonlyargs.index(
                    next(a for a in node.args.kwonlyargs if a.arg == "hints"))]
            found[node.name] = (index - (1 if positional and positional[0] == "self"
                                         else 0) if index is not None else None, default)
    return found


def _short_calls(path) -> list[str]:
    tree = ast.parse(path.read_text())
    constants = _module_constants(tree)
    takers = _takers()
    short = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in ("fail", "not_yet") and isinstance(func, ast.Attribute) and \
                getattr(func.value, "id", "") == "Verdict":
            given = sum(_one(a, constants) for a in node.args[1:])
        elif name in takers:
            index, default = takers[name]
            keyword = next((k.value for k in node.keywords if k.arg == "hints"), None)
            if any(k.arg is None for k in node.keywords) or any(
                    isinstance(a, ast.Starred) for a in node.args):
                continue  # **options or *args: given elsewhere
            if keyword is not None:
                given = _count(keyword, constants)
            elif index is not None and len(node.args) > index:
                given = _count(node.args[index], constants)
            else:
                given = _count(default, constants) if default is not None else 0
        else:
            continue
        if given < 2:
            short.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}() gives {given} "
                         "hint(s)")
    return short


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_failure_has_two_hint_layers(path):
    short = _short_calls(path)
    assert not short, f"{len(short)} failure paths without a second hint layer:\n" + \
        "\n".join(short)
