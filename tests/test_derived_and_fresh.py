"""Derived means derived, and graded inputs are fresh (issues 20 and 21).

A gradient the contract says is derived is compared with torch at round-off (finite
differences fail) and complex numbers in its computation break a rule (complex-step
differentiation is exact to round-off too). A visible check's ``seed`` is drawn afresh from
the grading run's seed, so a record forged for the inputs a student can see fails.
"""

import numpy as np
import pytest
from nncourse.checking import find_check, fresh_seed, judge_seen, run_probe
from nncourse.compare import DERIVED_RTOL, compare_derived
from nncourse.derived import no_complex
from nncourse.rules import RuleBroken


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_grad_exact(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def sigmoid_grad_central(z):
    return (sigmoid(z + 1e-5) - sigmoid(z - 1e-5)) / 2e-5


def sigmoid_grad_complex_step(z):
    return sigmoid(np.asarray(z) + 1e-20j).imag / 1e-20


def test_a_derived_gradient_passes_and_central_differences_fail():
    z = np.linspace(-4.0, 4.0, 17)
    exact = sigmoid_grad_exact(z)
    assert compare_derived("sigmoid_grad", exact, exact * (1 + 1e-15)).passed
    verdict = compare_derived("sigmoid_grad", sigmoid_grad_central(z), exact)
    assert not verdict.passed
    assert "finite differences" in verdict.message
    wrong = compare_derived("sigmoid_grad", sigmoid(z), exact)  # a wrong formula
    assert not wrong.passed and "finite differences" not in wrong.message


def test_the_round_off_bound_is_relative_to_the_gradient_s_scale():
    big = np.array([1e6, -2e6, 3e6])
    assert compare_derived("g", big * (1 + 1e-14), big).passed
    assert not compare_derived("g", big * (1 + 10 * DERIVED_RTOL), big).passed
    # an entry near zero by cancellation is judged against the scale, not against itself
    assert compare_derived("g", np.array([1.0, 1e-16]), np.array([1.0, 0.0])).passed


def test_complex_numbers_in_a_derived_computation_break_a_rule():
    z = np.linspace(-3.0, 3.0, 7)
    assert np.allclose(sigmoid_grad_complex_step(z), sigmoid_grad_exact(z), rtol=1e-14)
    with pytest.raises(RuleBroken, match="complex"), no_complex("sigmoid_grad"):
        sigmoid_grad_complex_step(z)
    with no_complex("sigmoid_grad"):  # real arithmetic passes
        sigmoid_grad_exact(z)
    with no_complex("sigmoid_grad", active=False):  # checks of other functions: no watch
        sigmoid_grad_complex_step(z)


@pytest.mark.parametrize("name", ["sigmoid_grad_values", "sigmoid_grad_hidden"])
def test_derived_checks_fail_complex_step_and_pass_the_formula(name, monkeypatch):
    monkeypatch.setenv("NNCOURSE_CHECK_MODULES", "autograder.hidden")
    check = find_check(name)
    assert check.rules.derived
    good = run_probe(check, (sigmoid_grad_exact,), {}, seed=5)
    assert good["raised"] is None and judge_seen(check, good, {}, 5).passed
    bad = run_probe(check, (sigmoid_grad_complex_step,), {}, seed=5)
    assert bad["raised"].startswith("RuleBroken") and "complex" in bad["raised"]
    assert not judge_seen(check, bad, {}, 5).passed


def test_a_visible_check_s_seed_is_the_written_one_when_self_checking_and_fresh_when_graded():
    check = find_check("l2_penalty_values")
    assert not check.fresh and "seed" in check.defaults
    assert check.arguments({}, 0)["seed"] == check.defaults["seed"]
    assert check.arguments({"seed": 7}, 0)["seed"] == 7
    graded = {check.arguments({}, run)["seed"] for run in (11, 12, 13)}
    assert len(graded) == 3 and check.defaults["seed"] not in graded
    assert check.arguments({}, 11)["seed"] == fresh_seed(11, check.name, 0)


def test_a_record_forged_for_the_visible_inputs_fails_under_grading():
    """The answer computed for the inputs a student sees (run seed 0) is not the answer to
    the inputs graded (another run seed): a forged record must compute the answer."""

    def l2_penalty(params, lam):
        grads = {k: (2 * lam * v if k.startswith("W") else np.zeros_like(v))
                 for k, v in params.items()}
        return lam * sum(float(np.sum(v ** 2)) for k, v in params.items()
                         if k.startswith("W")), grads

    check = find_check("l2_penalty_values")
    seen_by_student = run_probe(check, (l2_penalty,), {}, seed=0)
    assert judge_seen(check, seen_by_student, {}, 0).passed
    assert not judge_seen(check, seen_by_student, {}, 4242).passed
    assert judge_seen(check, run_probe(check, (l2_penalty,), {}, seed=4242), {}, 4242).passed


# ---- complex arithmetic in a derived function is a rule decided from the syntax tree, in the
# grader's process: the in-kernel watch misses a complex temporary that is never stored, and
# the student's code could switch the watch off anyway


def _submission(tmp_path, assignment, answers, student="s"):
    import nbformat

    from autograder.notebooks import filled_notebook
    from autograder.submissions import Submission

    path = tmp_path / f"{student}.ipynb"
    nbformat.write(filled_notebook(assignment, answers, None), path)
    return Submission(student, assignment, path)


def test_a_complex_step_value_loses_every_test_cell_that_grades_value(tmp_path):
    from autograder import source_rules
    from autograder.assemble import assemble
    from autograder.judge import TestResult
    from autograder.mutation import catalogue
    from autograder.notebooks import solution_sources

    assignment = "04_computation_graph_backprop"
    solutions = solution_sources(assignment)
    entry = next(e for e in catalogue(assignment) if e.name == "rv_value_complex_step")
    shortcut = _submission(tmp_path, assignment, entry.answers(solutions), "shortcut")
    honest = _submission(tmp_path, assignment, solutions, "honest")
    broken = source_rules.breaches(shortcut)
    assert set(broken) == {"Value"} and "complex" in broken["Value"]
    assert source_rules.breaches(honest) == {}
    _, tests, _ = assemble(assignment, None)
    full = [TestResult(t.grade_id, t.points, t.points, "passed") for t in tests]
    after = {r.test: r for r in source_rules.apply(tests, full, broken)}
    grading_value = {t.grade_id for t in tests if "Value" in t.functions}
    assert {"test_value_arithmetic", "test_value_functions"} <= grading_value
    for test in tests:
        lost = test.grade_id in grading_value
        assert (after[test.grade_id].points == 0.0) == lost, test.grade_id
        if lost:
            assert "Value breaks a rule" in after[test.grade_id].reason


@pytest.mark.parametrize("expression", [
    "cmath.exp(x).real", "np.emath.sqrt(-1.0) * h", "np.asarray(x).astype('D')",
    "np.zeros(3, dtype='complex128')", "x + 1e-20j", "complex(x, h)", "np.exp(z).imag"])
def test_every_spelling_of_complex_arithmetic_is_read_from_the_syntax(expression):
    import ast

    from autograder.integrity import _complex_arithmetic

    assert _complex_arithmetic(ast.parse(expression))
    assert not _complex_arithmetic(ast.parse("np.exp(x).real + np.abs(x) * 2.0"))


# ---- an argument rule is checked on every kind the contract names: "ValueError for any
# other gate", not only for the one gate the lesson discusses


def _gates(raises_for):
    table = {"and": (np.array([20.0, 20.0]), -30.0), "or": (np.array([20.0, 20.0]), -10.0),
             "nand": (np.array([-20.0, -20.0]), 30.0)}

    def logic_gate_weights(gate):
        if raises_for(gate):
            raise ValueError(gate)
        w, b = table.get(gate, table["and"])
        return w.copy(), b
    return logic_gate_weights


@pytest.mark.parametrize("raises_for, passes", [
    (lambda gate: gate not in ("and", "or", "nand"), True),
    (lambda gate: gate == "xor", False),  # AND's weights for 'nor' or a made-up name
    (lambda gate: gate in ("xor", "nor", "xnor"), False)])
def test_any_other_gate_must_raise(raises_for, passes):
    check = find_check("logic_gates")
    seen = run_probe(check, (_gates(raises_for),), {}, seed=0)
    assert seen["raised"] is None
    assert judge_seen(check, seen, {}, 0).passed is passes


# ---- a forbidden call is the code that runs, however it is reached: a function kept in a
# dict, a list or a functools.partial is still the function the contract forbids

FORBIDDEN_BY_CONTAINER = '''
import functools
import numpy as np

def batch_gradient_by_loop(params, X, y):
    return {key: np.zeros_like(value) for key, value in params.items()}

_TOOLBOX = {"slow": batch_gradient_by_loop}
_LIST = [batch_gradient_by_loop]
_PARTIAL = functools.partial(batch_gradient_by_loop)

def through_dict(params, X, y):
    return _TOOLBOX["slow"](params, np.array(X, dtype=float), y)

def through_list(params, X, y):
    return _LIST[0](params, X, y)

def through_partial(params, X, y):
    return _PARTIAL(params, X, y)

def honest(params, X, y):
    return {key: np.zeros_like(value) for key, value in params.items()}
'''


@pytest.mark.parametrize("name", ["through_dict", "through_list", "through_partial"])
def test_a_forbidden_function_reached_through_a_container_breaks_the_rule(name):
    space: dict = {}
    exec(compile(FORBIDDEN_BY_CONTAINER, "<answer cell>", "exec"), space)  # noqa: S102
    check = find_check("batch_gradient_vectorized_values")
    space["batch_gradient_vectorized"] = space[name]
    seen = run_probe(check, (space[name],), {}, seed=0)
    assert seen["raised"].startswith("RuleBroken") and "batch_gradient_by_loop" in seen["raised"]
    honest = run_probe(check, (space["honest"],), {}, seed=0)
    assert honest["raised"] is None  # its zeros are wrong, but no rule is broken
    # the check's own call of the loop function (outside the graded one) is not a breach
    both = run_probe(find_check("batch_gradient_loop_values"),
                     (space["batch_gradient_by_loop"],), {}, seed=0)
    assert both["raised"] is None


def test_extended_precision_in_a_derived_function_is_a_lead_for_the_instructor():
    import ast

    from autograder.integrity import _extended_precision

    for spelling in ("np.asarray(z, dtype=np.longdouble)", "z.astype('g')", "np.float128(h)"):
        assert _extended_precision(ast.parse(spelling)), spelling
    assert not _extended_precision(ast.parse("np.asarray(z, dtype=np.float64)"))


# ---- "one example at a time" and "one matrix computation" are decided by the lines of the
# student's code that run for two batch sizes: a loop over the examples cannot hide by
# looping over a copy of X


LOOPS = '''
import numpy as np

def _grads_of(params, X, y):
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    Z = X @ W1 + b1
    H = np.maximum(Z, 0.0)
    S = H @ W2 + b2
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(len(y)), y] -= 1.0
    dS = P / len(y)
    dH = dS @ W2.T * (Z > 0)
    return {"W1": X.T @ dH, "b1": dH.sum(0), "W2": H.T @ dS, "b2": dS.sum(0)}

def vectorized(params, X, y):
    return _grads_of(params, np.asarray(X, dtype=float), np.asarray(y))

def by_loop(params, X, y):
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    total = {k: np.zeros_like(v, dtype=float) for k, v in params.items()}
    for i in range(len(X)):
        one = _grads_of(params, X[i:i + 1], y[i:i + 1])
        for k in total:
            total[k] += one[k] / len(X)
    return total

def vectorized_looping_over_a_copy(params, X, y):
    Xc = np.array(X, dtype=float)
    return by_loop(params, [row for row in Xc], y)
'''


@pytest.mark.parametrize("check_name, function, passes", [
    ("batch_gradient_vectorized_values", "vectorized", True),
    ("batch_gradient_vectorized_values", "vectorized_looping_over_a_copy", False),
    ("batch_gradient_loop_values", "by_loop", True),
    ("batch_gradient_loop_values", "vectorized", False)])
def test_a_loop_over_the_examples_shows_in_the_lines_run(check_name, function, passes):
    space: dict = {}
    exec(compile(LOOPS, "<answer cell>", "exec"), space)  # noqa: S102
    check = find_check(check_name)
    seen = run_probe(check, (space[function],), {"n": 6}, seed=0)
    assert seen["raised"] is None
    verdict = judge_seen(check, seen, {"n": 6}, 0)
    assert verdict.passed is passes, verdict.message
    if not passes:
        assert "breaks a rule of the contract" in verdict.message


def test_eval_mode_returns_the_statistics_it_was_given_not_the_judge_s_recomputation(
        monkeypatch):
    """A batch norm whose running mean differs from the judge's recomputation in the last bit
    (a column sum over N instead of a pairwise mean) is still right: in eval mode it must
    return exactly what it was given. Every run seed is tried that once failed it."""
    monkeypatch.setenv("NNCOURSE_CHECK_MODULES", "autograder.hidden")
    import math

    def batchnorm_forward(X, gamma, beta, running_mean, running_var, train, momentum=0.9,
                          eps=1e-5):
        N, D = X.shape
        x_hat, inv_std = np.empty((N, D)), np.empty(D)
        new_mean = np.array(running_mean, dtype=np.float64, copy=True)
        new_var = np.array(running_var, dtype=np.float64, copy=True)
        for j in range(D):
            col = X[:, j]
            if train:
                mu = col.sum() / N
                var = ((col - mu) ** 2).sum() / N
                new_mean[j] = momentum * running_mean[j] + (1 - momentum) * mu
                new_var[j] = momentum * running_var[j] + (1 - momentum) * var
            else:
                mu, var = running_mean[j], running_var[j]
            inv_std[j] = 1.0 / math.sqrt(var + eps)
            x_hat[:, j] = (col - mu) * inv_std[j]
        return gamma * x_hat + beta, (x_hat, gamma, inv_std), new_mean, new_var

    check = find_check("batchnorm_hidden_two_steps")
    for seed in range(1, 41):
        seen = run_probe(check, (batchnorm_forward,), {}, seed=seed)
        assert judge_seen(check, seen, {}, seed).passed, seed
