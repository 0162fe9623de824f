"""Review of notebook 06 (round d06): train_regularized's returned epoch, and loops that break
a rule in every step.

Finding 1: the stopping test compares the returned parameters with those of the best epoch,
which the judge replays from the run's own initial parameters, in every run it makes: the
main runs (stopped by patience), the run without regularisation and the swinging runs, also
cut short so that they end at max_epochs 0, 1 and 2 epochs after their best epoch.
Finding 2: a loop broken in every step (its own penalty gradient or dropout mask, one shuffle
for all epochs, a collaborator's work written again) loses the stopping test too: the judge
replays the main run step by step, and a run with its collaborators altered.
"""

from __future__ import annotations

import numpy as np
import pytest
from nncourse.checks.nb06 import SWING_CUTS, SWING_SETTINGS, swinging_case
from test_review_r56b import verdict
from test_unreadable_inputs import namespace

import autograder.hidden.nb06  # noqa: F401 - registers the hidden checks

RETURNED = ["tr_last_params_when_best_just_before", "tr_params_of_the_epoch_after_best",
            "tr_returns_last_params"]
BROKEN_STEPS = ["tr_l2_called_then_lam_w", "tr_dropout_called_then_own_mask",
                "tr_one_shuffle_for_all_epochs", "tr_bn_backward_called_then_closed_form",
                "student_s13_l2_inline", "student_s16_train_dropback_inline",
                "student_s17_train_bnback_inline", "student_s18_train_bnfwd_inline_stats"]
STOPPING = "train_regularized_early_stopping"


def train(name: str | None = None):
    return namespace("06", name)["train_regularized"]


@pytest.mark.parametrize("name", RETURNED + BROKEN_STEPS)
def test_the_visible_stopping_check_fails_the_wrong_loop(name):
    assert not verdict(STOPPING, train(name)).passed


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("name", ["tr_last_params_when_best_just_before",
                                  "tr_dropout_called_then_own_mask",
                                  "tr_bn_backward_called_then_closed_form"])
def test_the_hidden_stopping_check_fails_the_wrong_loop(name, seed):
    assert not verdict("train_regularized_hidden_fresh", train(name), seed=seed).passed


@pytest.mark.parametrize("check", [STOPPING, "train_regularized_hidden_fresh",
                                   "train_regularized_one_step"])
@pytest.mark.parametrize("seed", [0, 12345])
def test_the_solution_passes(check, seed):
    result = verdict(check, train(), seed=seed)
    assert result.passed, result.message


def test_the_swinging_runs_cut_short_end_at_max_epochs_0_1_and_2_epochs_after_the_best():
    """The distances SWING_CUTS promises, for a run with zero initial biases (the solution)."""
    distances = []
    for max_epochs, patience in SWING_CUTS:
        _, history, best = train()(*swinging_case(), rng=np.random.default_rng(5),
                                   **dict(SWING_SETTINGS, max_epochs=max_epochs,
                                          patience=patience))
        assert len(history["val_loss"]) == max_epochs
        distances.append(max_epochs - 1 - best)
    assert sorted(set(distances)) == [0, 1, 2]


def test_the_reviewers_loop_is_told_it_returned_the_last_epoch():
    result = verdict(STOPPING, train("tr_last_params_when_best_just_before"))
    assert "max_epochs=" in result.message and "last epoch" in result.hints[0], result.hints


def test_a_loop_with_its_own_dropout_mask_is_told_its_step_is_off():
    result = verdict(STOPPING, train("tr_dropout_called_then_own_mask"))
    assert "step" in result.message and "mask dropout_forward returned" in result.hints[0]


def test_a_loop_that_writes_batchnorm_backward_again_is_told_to_use_its_result():
    result = verdict(STOPPING, train("tr_bn_backward_called_then_closed_form"))
    assert "altered" in result.message and "computed again" in result.hints[0], result.hints
