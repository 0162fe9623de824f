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
    with pytest.raises(RuleBroken, match="numpy only"), enforced(function.__name__, function):
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
    with enforced("through_package", through_package):
        assert nncourse.check is not None  # the rest of the package still works
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
    with pytest.raises(RuleBroken, match="numpy only"), enforced("StaticTorch", StaticTorch):
        StaticTorch.forward(z)
    torch_family = ("torch", "torchgen", "sympy", "mpmath")
    with enforced("StaticTorch", StaticTorch, rules=Rules(allowed_packages=torch_family)):
        np.testing.assert_allclose(StaticTorch.forward(z), 0.5)
    with pytest.raises(RuleBroken, match="forbids calling it"), enforced(
            "StaticTorch", StaticTorch, rules=Rules(allowed_packages=torch_family,
                                                    forbidden_calls=("np",))):
        StaticTorch.uses_numpy(z)
    np.testing.assert_allclose(StaticTorch.uses_numpy(z), 0.0)  # all put back
