"""The probe-only library: judges, oracles and what only they use are gone; probes work."""

import ast

import pytest

from autograder.probes import _stripped, strip_modules

SOURCE = '''
import numpy as np
import torch
from nncourse.checking import Check, register

SIZES = (3, 4)


def inputs(seed):
    return np.random.default_rng(seed).normal(size=SIZES)


def oracle(x):
    return torch.sigmoid(torch.as_tensor(x)).numpy()


class Base(Check):
    def case(self):
        return 1

    def probe(self, f):
        return {"out": f(inputs(self.case()))}

    def judge(self, seen):
        return oracle(inputs(self.case()))


@register
class Child(Base):
    name = "child"

    def case(self):
        return 2

    def expected(self):
        return oracle(inputs(2))
'''

OTHER = '''
from mod_a import SIZES
from nncourse.checking import Check, register


@register
class Uses(Check):
    name = "uses"

    def probe(self, f):
        return {"out": f(SIZES)}
'''


def test_judges_oracles_and_their_imports_are_stripped_and_probes_kept():
    stripped = strip_modules({"mod_a": SOURCE, "mod_b": OTHER})["mod_a"]
    tree = ast.parse(stripped)
    names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert "judge" not in names and "oracle" not in names and "expected" not in names
    assert {"probe", "case", "inputs"} <= names  # the child's override of case() too
    assert "torch" not in stripped
    assert "SIZES" in stripped  # another module's probe imports it


def _imports(tree: ast.AST) -> list[str]:
    return [a.name for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)
            for a in n.names] + [n.module or "" for n in ast.walk(tree)
                                 if isinstance(n, ast.ImportFrom)]


def _reached_by_probes(tree: ast.Module, classes: set[str]) -> set[str]:
    """Module-level functions the probes of ``classes`` call, directly or through others."""
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    todo = [m for c in tree.body if isinstance(c, ast.ClassDef) and c.name in classes
            for m in c.body if isinstance(m, ast.FunctionDef) and m.name == "probe"]
    reached: set[str] = set()
    while todo:
        node = todo.pop()
        for name in {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}:
            if name in functions and name not in reached:
                reached.add(name)
                todo.append(functions[name])
    return reached


def test_the_courses_stripped_modules_hold_no_judge_and_no_torch_import():
    """No judge, and no torch, scipy or sklearn import: but in what the probes of a check
    whose rules allow torch (notebook 04's LinearFunction, written with torch) call."""
    from nncourse.checking import REGISTRY, find_check

    find_check("linear_function_gradients")  # every check module imported
    allow_torch = {type(c).__name__ for c in REGISTRY.values()
                   if "torch" in c.rules.allowed_packages}
    assert allow_torch, "the LinearFunction checks allow torch"
    for name, source in _stripped().items():
        tree = ast.parse(source)
        functions = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert "judge" not in functions, name
        probes_of_torch = _reached_by_probes(tree, allow_torch)
        outside = ast.Module(body=[n for n in tree.body if not (
            isinstance(n, ast.FunctionDef) and n.name in probes_of_torch)], type_ignores=[])
        assert not [i for i in _imports(outside)
                    if i.split(".")[0] in ("torch", "scipy", "sklearn")], name
        for function in (n for n in tree.body if isinstance(n, ast.FunctionDef)
                         and n.name in probes_of_torch):
            assert not [i for i in _imports(function)
                        if i.split(".")[0] in ("scipy", "sklearn")], name


def test_a_stubbed_module_keeps_its_constants_and_refuses_its_functions():
    from autograder.probes import _stub

    namespace: dict = {}
    exec(_stub("oracle"), namespace)  # noqa: S102 - the course's own generated stub
    assert namespace["TWO_LAYER_KEYS"] == ("W1", "b1", "W2", "b2")
    with pytest.raises(RuntimeError, match="not available while grading"):
        namespace["sigmoid"](0.0)


def test_what_a_base_class_probe_calls_is_kept():
    """CaseCheck.probe (in nncourse.checking) calls self.probe_case, defined by each check:
    the stripped checks keep it, or every such check raises AttributeError while grading."""
    stripped = _stripped()
    for name, source in stripped.items():
        for cls in [n for n in ast.parse(source).body if isinstance(n, ast.ClassDef)]:
            if any(getattr(b, "id", "") == "CaseCheck" for b in cls.bases):
                methods = {m.name for m in cls.body if isinstance(m, ast.FunctionDef)}
                assert "probe_case" in methods or "inputs" in methods, (name, cls.name)
    assert "def probe_case" in stripped["nncourse.checks.nb06"]


def test_the_stripped_checks_are_kept_by_the_hash_of_their_sources(tmp_path, monkeypatch):
    """The stripped check modules are computed once per version of their sources and read
    back from ``.cache/`` after: the same text as computing them, and a changed source is
    computed afresh, never served from an older version's file."""
    from autograder import probes

    monkeypatch.setattr(probes, "ROOT", tmp_path)
    sources = probes._check_sources()
    fresh = strip_modules(dict(sources))
    _stripped.cache_clear()
    try:
        assert _stripped() == fresh
        (kept,) = (tmp_path / ".cache").glob("probes-*.json")
        marked = {name: text + "# read from the cache\n" for name, text in fresh.items()}
        kept.write_text(__import__("json").dumps(marked))
        _stripped.cache_clear()
        assert _stripped() == marked  # read back, not recomputed
        name = next(iter(sources))
        changed = dict(sources, **{name: sources[name] + "\nEXTRA_CONSTANT = 1\n"})
        monkeypatch.setattr(probes, "_check_sources", lambda: changed)
        _stripped.cache_clear()
        assert _stripped() == strip_modules(dict(changed))
        assert len(list((tmp_path / ".cache").glob("probes-*.json"))) == 2
    finally:
        _stripped.cache_clear()
