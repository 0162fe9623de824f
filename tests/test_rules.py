"""The contract's rules, enforced while a probe runs: every way to reach a forbidden package
is refused with the rule named, and everything is put back afterwards."""

import numpy as np
import pytest
import scipy.special
import torch
from nncourse.rules import RuleBroken, Rules, enforced, swapped
from scipy.special import expit  # noqa: I001 - a global bound to a forbidden function


def imports_inside(z):
    import torch

    return torch.sigmoid(torch.as_tensor(z)).numpy()


def uses_global(z):
    return expit(z)


def uses_module_global(z):
    return torch.sigmoid(torch.as_tensor(z)).numpy()


def uses_default(z, _f=scipy.special.expit):
    return _f(z)


def closure():
    hidden = scipy.special.expit

    def uses_closure(z):
        return hidden(z)

    return uses_closure


def helper(z):
    return z + 1


def calls_helper(z):
    return helper(z)


@pytest.mark.parametrize("function", [imports_inside, uses_global, uses_module_global,
                                      uses_default, closure()])
def test_every_route_to_a_forbidden_package_is_refused_and_restored(function):
    z = np.zeros(3)
    with pytest.raises(RuleBroken, match="own functions only"), \
            enforced(function.__name__, function):
        function(z)
    np.testing.assert_allclose(function(z), 0.5)  # all put back
    assert "torch" in __import__("sys").modules


def test_forbidden_calls_are_refused_by_name():
    with pytest.raises(RuleBroken, match="forbids calling it"), \
            enforced("calls_helper", calls_helper, rules=Rules(forbidden_calls=("helper",))):
        calls_helper(1)
    assert calls_helper(1) == 2


def test_swapped_collaborators_are_recorded_and_put_back():
    with swapped(calls_helper, helper=lambda z: z * 10) as recorders:
        assert calls_helper(3) == 30
    assert recorders["helper"].count == 1 and recorders["helper"].calls[0] == ((3,), {})
    assert calls_helper(3) == 4


def test_the_course_librarys_reference_functions_are_refused_through_the_package():
    import nncourse

    def through_package(f, x):
        return nncourse.finite_difference_gradient(f, x)

    with pytest.raises(RuleBroken, match="nncourse.finite_difference_gradient"), \
            enforced("through_package", through_package):
        through_package(lambda x: float(np.sum(x)), np.zeros(2))
    from nncourse.records import History

    with enforced("through_package", through_package):
        assert nncourse.records.History is History  # what answers may use still works
    np.testing.assert_allclose(through_package(lambda x: float(np.sum(x)), np.zeros(2)), 1)


def test_a_forbidden_call_is_refused_under_any_name():
    """An alias, a default argument or a closure holding the forbidden function."""
    alias = helper

    def by_alias(z):
        return alias(z)

    def by_default(z, _h=helper):
        return _h(z)

    rules = Rules(forbidden_calls=("helper",))
    for function in (by_alias, by_default):
        with pytest.raises(RuleBroken, match="forbids"), enforced("f", function, rules=rules):
            function(1)
        assert function(1) == 2


ALIASED = helper


def uses_module_alias(z):
    return ALIASED(z)


def test_a_module_level_alias_of_a_forbidden_call_is_refused():
    with pytest.raises(RuleBroken, match="forbids"), \
            enforced("f", uses_module_alias, rules=Rules(forbidden_calls=("helper",))):
        uses_module_alias(1)
    assert uses_module_alias(1) == 2


@pytest.mark.parametrize("source", [
    "from nncourse.checks.nb01 import torch_parameter_count as f\n    return f(z)",
    "import nncourse.gradcheck as g\n    return g.finite_difference_gradient",
    "from nncourse import finite_difference_gradient as fd\n    return fd(sum, z)",
    "from nncourse import gradcheck\n    return gradcheck.finite_difference_jacobian",
])
def test_the_course_librarys_modules_cannot_be_imported_inside(source):
    import nncourse.checks  # noqa: F401 - loaded, as in any kernel that ran a check
    import nncourse.gradcheck  # noqa: F401

    space: dict = {}
    exec(f"def sneaky(z):\n    {source}\n", space)  # noqa: S102 - a student's cell
    with pytest.raises(RuleBroken, match="course library"), enforced("sneaky", space["sneaky"]):
        space["sneaky"]([5, 3, 3, 2])
    import nncourse

    assert callable(nncourse.finite_difference_gradient)  # all put back
    assert "nncourse.checks.nb01" in __import__("sys").modules


class StaticTorch:
    """Like a torch.autograd.Function: its methods are staticmethods using torch."""

    @staticmethod
    def forward(z):
        return torch.sigmoid(torch.as_tensor(z)).numpy()

    @staticmethod
    def uses_numpy(z):
        return np.tanh(z)


def test_a_classs_staticmethods_are_under_the_rules_and_allowed_packages_pass():
    z = np.zeros(3)
    with pytest.raises(RuleBroken, match="own functions only"), \
            enforced("StaticTorch", StaticTorch):
        StaticTorch.forward(z)
    torch_family = ("torch", "torchgen", "sympy", "mpmath")
    with enforced("StaticTorch", StaticTorch, rules=Rules(allowed_packages=torch_family)):
        np.testing.assert_allclose(StaticTorch.forward(z), 0.5)
    with pytest.raises(RuleBroken, match="forbids calling it"), enforced(
            "StaticTorch", StaticTorch, rules=Rules(allowed_packages=torch_family,
                                                    forbidden_calls=("np",))):
        StaticTorch.uses_numpy(z)
    np.testing.assert_allclose(StaticTorch.uses_numpy(z), 0.0)  # all put back
# --- issue 25 / issue 20: swaps at the outer boundary, stand-ins alike, rules told once ----

def _space(source: str) -> dict:
    space: dict = {"np": np}
    exec(source, space)  # noqa: S102 - a student's cells
    return space


ROW_BY_ROW = """
def unit(x, w):
    x = np.asarray(x, dtype=float)
    if x.ndim == 2:
        return np.array([unit(row, w) for row in x])
    return float(x @ w)

def net(X):
    return unit(X, np.ones(X.shape[1]))
"""


def test_a_swap_applies_once_when_the_students_function_calls_itself():
    """neuron written for one example, a batch handled by calling neuron on each row: the
    altered collaborator is applied to net's call only, not again to every row (issue 25)."""
    space = _space(ROW_BY_ROW)
    own = space["unit"]
    X = np.arange(6.0).reshape(3, 2)
    with swapped(space["net"], unit=lambda *a: 1.0 - own(*a)) as recorders:
        got = space["net"](X)
    np.testing.assert_allclose(got, 1.0 - X.sum(axis=1))
    assert recorders["unit"].count == 1
    assert space["unit"] is own


GATES = """
def gates(name):
    if name == "and":
        return np.array([20.0, 20.0]), -30.0
    if name == "nand":
        w, b = gates("and")
        return -w, -b
    raise ValueError(name)

def uses_gates():
    return gates("and")[1], gates("nand")[1]
"""


def test_a_function_calling_itself_under_an_exchanging_swap_sees_itself():
    """logic_gate_weights("nand") as the negation of logic_gate_weights("and"): exchanging
    the two gates gives the exchanged answers, not an endless recursion (issue 25)."""
    space = _space(GATES)
    own = space["gates"]

    def exchanged(name):
        return own({"and": "nand", "nand": "and"}[name])

    with swapped(space["uses_gates"], gates=exchanged) as recorders:
        assert space["uses_gates"]() == (30.0, -30.0)
    assert recorders["gates"].count == 2


def _looks(value) -> tuple:
    """Everything an answer could inspect cheaply to tell a check's run from another."""
    return (type(value), getattr(value, "__name__", None), getattr(value, "__qualname__", None),
            hasattr(value, "calls"), hasattr(value, "__wrapped__"),
            sorted(k for k in getattr(value, "__dict__", {})))


def test_the_value_run_and_the_built_from_run_show_the_same_kind_of_collaborator():
    """Issue 20 Deliver 2: every probe of a built-from function holds a plain stand-in with
    the student's function's name, no recorder, no __wrapped__, in value and altered runs."""
    seen: list = []
    space: dict = {"__name__": __name__, "np": np, "looks": _looks, "seen": seen}
    exec("def helper(z):\n    return z + 1\n\n"  # noqa: S102 - a student's cells
         "def calls(z):\n    seen.append(looks(helper))\n    return helper(z)\n", space)
    rules = Rules(built_from=("helper",))
    with enforced("calls", space["calls"], rules=rules):
        assert space["calls"](1) == 2
        with swapped(space["calls"], helper=lambda z: z * 10):
            assert space["calls"](1) == 10
    first, second = seen
    assert first == second
    assert first[0].__name__ == "function" and first[1] == "helper"
    assert not first[3] and not first[4]
    assert space["calls"](1) == 2 and space["helper"].__name__ == "helper"


def test_history_and_timer_are_allowed_in_answers():
    """A helper the notebook itself uses (Timer in 05, History in 06) is not a forbidden
    course implementation (issue 25)."""
    from nncourse import training
    from nncourse.records import History, Timer

    assert training.History is History and training.Timer is Timer  # an older notebook's import

    def timed(z):
        history = History()
        with Timer() as timer:
            history.add(loss=float(np.sum(z)))
        return history["loss"][0] + 0 * timer.seconds

    with enforced("timed", timed):
        assert timed(np.ones(3)) == 3.0


# --- issue 20 Deliver 1: each graded function's rules are data in one place ----------------

def _source_cells(assignment):
    from autograder.notebooks import source_notebook

    return [c for c in source_notebook(assignment).cells if c.cell_type == "code"]


def _normalised(text: str) -> str:
    return " ".join(text.split())


def test_every_ruled_docstring_says_its_rules_as_the_data_does():
    """The student's docstring carries the Rules: line generated from RULES (in notebook 06
    every graded function's, a plain "Rules: numpy, ... only." included)."""
    import ast

    from autograder.rules_doc import docstring_rules

    assert "early_stopping" in docstring_rules()["06_regularization"]
    checked = 0
    for assignment, table in docstring_rules().items():
        docs = {}
        for cell in _source_cells(assignment):
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue
            docs.update({n.name: ast.get_docstring(n) or "" for n in tree.body
                         if isinstance(n, ast.FunctionDef | ast.ClassDef)})
        for name, rules in table.items():
            assert _normalised(rules.told()) in _normalised(docs[name]), (assignment, name)
            said = [line for line in docs[name].splitlines() if line.strip().startswith("Rules:")]
            assert len(said) == 1, (assignment, name, said)
            checked += 1
    assert checked >= 15


def test_the_curriculum_states_the_rules_the_data_holds():
    from autograder.rules_doc import CURRICULUM, rules_section

    assert rules_section() in CURRICULUM.read_text()
    assert "`train_mlp`: Rules: numpy, the standard library (not graphlib), nncourse.records, " \
        "nncourse.data and your own functions only; built from init_params" in rules_section()


def test_every_check_of_a_ruled_function_enforces_that_functions_rules():
    """A check called with a ruled function (visible or hidden) applies exactly its rules, and
    a rule breach's message says the rules the student was told."""
    import ast
    import importlib

    from nncourse.checking import find_check, judge_seen

    from autograder.notebooks import assignments
    from autograder.rules_doc import notebook_rules

    for assignment in assignments():
        importlib.import_module(f"autograder.hidden.nb{assignment[:2]}")
        ruled = {k: v for k, v in notebook_rules(assignment).items() if v != Rules()}
        for cell in _source_cells(assignment):
            if "check(" not in cell.source:
                continue
            for node in ast.walk(ast.parse(cell.source)):
                if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "check"):
                    continue
                found = find_check(node.args[0].value)
                names = [a.id for a in node.args[1:] if isinstance(a, ast.Name)]
                wanted = {ruled[n] for n in names if n in ruled}
                assert len(wanted) <= 1, (found.name, names)
                if wanted:
                    assert found.rules == wanted.pop(), (assignment, found.name)
                    verdict = judge_seen(found, {"raised": "RuleBroken: x used y", "warnings": []},
                                         {})
                    assert found.rules.told() in verdict.render(max_hints=2), found.name


def test_no_given_code_reuses_a_graded_name():
    """Given code never defines a name a student writes in this or an earlier notebook (a
    given softmax_cross_entropy with another contract broke pasted answers)."""
    import ast

    from nncourse.selfcheck import nbgrader_meta

    from autograder.notebooks import assignments

    graded: set[str] = set()
    for assignment in assignments():
        given = set()
        for cell in _source_cells(assignment):
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue
            names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
            if nbgrader_meta(cell).get("solution"):
                graded |= names
            else:
                given |= names
        assert not given & graded, (assignment, sorted(given & graded))


def test_ready_made_topological_sorts_are_forbidden_packages():
    """Issue 21 round 2: SQLAlchemy (installed with nbgrader) sorts a graph topologically,
    like graphlib and networkx: notebook 04's topological_order may use none of them."""
    from nncourse.rules import forbidden_module

    for path in ("graphlib", "networkx.algorithms.dag", "sqlalchemy.util.topological"):
        assert forbidden_module(path), path
    assert not forbidden_module("numpy.linalg")
