"""batchnorm_backward_alt's detector of the node-by-node bars (review of 2026-12-08).

The node-by-node steps passed the visible check when their bars of s and v were never a local
of shape exactly (D,) at a frame's return: keepdims sums (1, D), one reused temporary, the bar
of v inside one expression. Every way of holding them now fails the visible check and its
hidden twins, with a message that says what is required; every closed form in x_hat passes.
"""

from __future__ import annotations

import pytest
from nncourse.checking import find_check, judge_seen, run_probe
from test_unreadable_inputs import namespace

import autograder.hidden  # noqa: F401 - registers the hidden checks

CHECKS = [("batchnorm_backward_alt_gradients", {}),
          ("batchnorm_backward_alt_gradients_fresh", {"N": 16, "D": 3, "seed": 22,
                                                      "eps": 1e-3}),
          ("batchnorm_backward_alt_gradients_fresh", {"N": 2, "D": 5, "seed": 23})]
HOLDING = ["bn_alt_node_by_node_copy", "bn_alt_node_by_node_keepdims",
           "bn_alt_node_by_node_one_temporary", "bn_alt_bar_of_v_inline",
           "bn_alt_node_by_node_column_loop", "bn_alt_node_by_node_scaled_bars",
           "bn_alt_node_by_node_in_a_list", "bn_alt_centred_closed_form"]
CLOSED_FORMS = [None, "bn_alt_through_g", "bn_alt_means", "bn_alt_column_loop",
                "student_bn_alt_means", "student_bn_alt_einsum", "student_bn_alt_helper_sums"]


def run(name, check, args):
    space = namespace("06", name)
    found = find_check(check)
    student = (space["batchnorm_forward"], space["batchnorm_backward_alt"])
    return judge_seen(found, run_probe(found, student, args, seed=12345), args, 12345)


@pytest.mark.parametrize(("check", "args"), CHECKS, ids=["visible", "hidden-16x3", "hidden-2x5"])
@pytest.mark.parametrize("name", HOLDING)
def test_a_bar_of_s_or_v_fails_however_it_is_held(name, check, args):
    result = run(name, check, args)
    assert not result.passed
    text = result.render(max_hints=2)
    assert "gradient with respect to" in text, text
    assert "x_hat, dout and the batch sums of dout and dout * x_hat" in text, text
    assert "written out again" not in text  # true of the centred closed form too


@pytest.mark.parametrize(("check", "args"), CHECKS, ids=["visible", "hidden-16x3", "hidden-2x5"])
@pytest.mark.parametrize("name", CLOSED_FORMS)
def test_every_closed_form_in_x_hat_passes(name, check, args):
    result = run(name, check, args)
    assert result.passed, result.message


def test_the_bar_of_v_inside_one_expression_is_seen_by_the_noting_run(monkeypatch):
    """Without the run on noting arrays the temporaries inside one expression go unseen."""
    from nncourse.checks import nb06

    check, args = CHECKS[0]
    assert not run("bn_alt_bar_of_v_inline", check, args).passed
    monkeypatch.setattr(nb06, "noting_run", lambda *_: None)
    assert run("bn_alt_bar_of_v_inline", check, args).passed


def test_the_judge_holds_no_numpy_step_of_the_node_by_node_derivation():
    """The references are torch's retained gradients of the lesson's graph."""
    import numpy as np
    from nncourse.checks.nb06 import torch_node_bars

    rng = np.random.default_rng(0)
    X, dout, gamma = rng.normal(size=(5, 3)), rng.normal(size=(5, 3)), rng.uniform(1, 2, 3)
    bars = torch_node_bars(X, gamma, dout, 1e-5)
    c = X - X.mean(axis=0)
    want = (dout * gamma * c).sum(axis=0)
    assert np.allclose(bars["s = (v + eps)^-1/2"], want, rtol=1e-12)
    assert np.allclose(bars["the variance v"], -0.5 * want * (X.var(axis=0) + 1e-5) ** -1.5,
                       rtol=1e-12)


@pytest.mark.parametrize("name", [None, "bn_alt_node_by_node_keepdims"])
def test_the_graders_stripped_probe_runs(name, monkeypatch):
    """While grading, the kernel holds the probe-only copy of the checks (a class keeps its
    probes and dunders only): its probe notes the values (no AttributeError), and the full
    judge reaches the same verdict from them."""
    import types

    from nncourse import checking

    from autograder.probes import _stripped

    real = find_check("batchnorm_backward_alt_gradients")
    monkeypatch.setattr(checking, "REGISTRY", {})
    module = types.ModuleType("stripped_nb06")
    exec(_stripped()["nncourse.checks.nb06"], module.__dict__)  # noqa: S102 - the course's own
    stripped = checking.REGISTRY["batchnorm_backward_alt_gradients"]
    space = namespace("06", name)
    seen = run_probe(stripped, (space["batchnorm_forward"], space["batchnorm_backward_alt"]), {})
    assert seen["raised"] is None, seen["raised"]
    assert seen["held"]
    assert judge_seen(real, seen, {}, 0).passed is (name is None)
