"""Issue 20, round 2 (independent shortcuts and variants): findings as behaviours."""

import pytest
from nncourse.checking import find_check, judge_seen, run_probe
from test_unreadable_inputs import definitions

import autograder.hidden.nb05  # noqa: F401 - registers the hidden checks
from autograder.notebooks import solution_sources

NB05 = "05_minibatches_and_sgd"


@pytest.fixture(scope="module")
def nb05():
    return definitions(NB05, solution_sources(NB05))


@pytest.mark.parametrize("run_seed", [53, 55, 56, 79, 88, 129])
def test_correct_batch_gradients_pass_the_large_scores_case_on_every_run_seed(nb05, run_seed):
    """F5: with scores of 1000 every gradient cancels to ~1e-141; a correct stable answer
    was judged against 0 tolerance and lost the point on these run seeds."""
    for function, name in (("batch_gradient_vectorized", "batch_gradient_vectorized_values"),
                           ("batch_gradient_by_loop", "batch_gradient_loop_values")):
        check = find_check(name)
        seen = run_probe(check, (nb05[function],), {}, seed=run_seed)
        verdict = judge_seen(check, seen, {}, run_seed)
        assert verdict.passed, (function, verdict.message)


def test_a_rule_broken_inside_a_callee_names_the_callee():
    """F3: a torch linear_forward failed mlp_loss_and_grads' check with "mlp_loss_and_grads
    used _t": the student looked in the wrong function."""
    nb04 = "04_computation_graph_backprop"
    answers = dict(solution_sources(nb04))
    cell = next(k for k, v in answers.items() if "def linear_forward(" in v)
    answers[cell] = answers[cell].replace(
        "def linear_forward(X, W, b):",
        "import torch as _t\n\n\ndef linear_forward(X, W, b):\n"
        "    return _t.as_tensor(X).numpy() @ W + b\n\n\ndef _unused(X, W, b):", 1)
    space = definitions(nb04, answers)
    check = find_check("mlp_loss_and_grads_values")
    verdict = judge_seen(check, run_probe(check, (space["mlp_loss_and_grads"],), {}), {})
    assert not verdict.passed
    assert "linear_forward (called by mlp_loss_and_grads) used _t" in verdict.message


def test_init_weights_rescaled_to_the_exact_spread_fails():
    """F6: a sample forced to the scheme's exact variance kept its point."""
    import numpy as np

    nb06 = "06_regularization"
    space = definitions(nb06, solution_sources(nb06))

    def exact(dims, scheme, rng):
        variances = {"normal": lambda i, o: 1.0 / i, "xavier": lambda i, o: 2.0 / (i + o),
                     "he": lambda i, o: 2.0 / i}
        if scheme != "zeros" and scheme not in variances:
            raise ValueError(scheme)
        out = []
        for i, o in zip(dims[:-1], dims[1:]):
            if scheme == "zeros":
                out.append(np.zeros((i, o)))
                continue
            W = rng.normal(size=(i, o))
            out.append(W / W.std() * np.sqrt(variances[scheme](i, o)))
        return out

    check = find_check("init_weights_scales")
    good = judge_seen(check, run_probe(check, (space["init_weights"],), {}), {})
    assert good.passed, good.message
    verdict = judge_seen(check, run_probe(check, (exact,), {}), {})
    assert not verdict.passed and "independent" in verdict.message
