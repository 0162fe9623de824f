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


def test_the_courses_stripped_modules_hold_no_judge_and_no_torch_import():
    for name, source in _stripped().items():
        tree = ast.parse(source)
        functions = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert "judge" not in functions, name
        imports = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)
                   for a in n.names] + [n.module or "" for n in ast.walk(tree)
                                        if isinstance(n, ast.ImportFrom)]
        assert not [i for i in imports if i.split(".")[0] in ("torch", "scipy", "sklearn")], \
            name


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
