"""Notebook 05's failure paths that no catalogue mutant reaches still give both hint layers
(issue 22), and reaching them does not crash the check."""

from __future__ import annotations

from nncourse import oracle
from nncourse.checks.nb05 import judge_sgd_run, random_problem, small_problem
from nncourse.oracle import two_layer_loss, two_layer_scores


def test_make_minibatches_called_too_often_fails_with_two_layers():
    """A train_mlp that calls make_minibatches twice per epoch once crashed the judge: the
    hint was chosen by ``dict.get`` with three arguments (a TypeError)."""
    data = small_problem(0)
    params = random_problem(1, 5, 6, 3, 0)["params"]
    history = {"train_loss": [two_layer_loss(params, data["X_train"], data["y_train"])],
               "val_loss": [two_layer_loss(params, data["X_val"], data["y_val"])],
               "val_acc": [oracle.accuracy(two_layer_scores(params, data["X_val"]),
                                           data["y_val"])]}
    seen = {"result": [params, history], "steps": [], "shuffles": [{}, {}],
            "inits": [{"D": 5, "H": 6, "C": 3, "rng_is_given": True, "params": params}]}
    verdict = judge_sgd_run("train_mlp(small)", seen, data, 6, 0.2, 16, 1)
    assert not verdict.passed
    assert "called make_minibatches 2 times in 1 epochs" in verdict.message, verdict.message
    assert len(verdict.hints) == 2 and all(verdict.hints), verdict.hints
    assert verdict.render(max_hints=2) != verdict.render(max_hints=1)
