"""Review r56 (second round, r56b): wrong answers that passed the visible checks of notebooks
05 and 06, and hints that named the wrong mistake.

Each wrong answer is a catalogue entry (it must lose points in the grader); here the VISIBLE
check of its function fails it too, the solution passes the same check (at the notebook's
seed and at a grading run's seed), and where the review asked for it the hidden check fails
it on several run seeds.
"""

from __future__ import annotations

import pytest
from nncourse.checking import find_check, judge_seen, run_probe
from test_unreadable_inputs import namespace

import autograder.hidden.nb05  # noqa: F401 - registers the hidden checks
import autograder.hidden.nb06  # noqa: F401

WRONG = [
    # H1: a counter of epochs without improvement that is never reset
    ("06", "es_counter_never_reset", "early_stopping_cases", "early_stopping"),
    ("06", "tr_patience_counter_never_reset", "train_regularized_early_stopping",
     "train_regularized"),
    # H3: the patience test made before the epoch's improvement is recorded
    ("06", "tr_patience_tested_before_improvement", "train_regularized_early_stopping",
     "train_regularized"),
    # H2: overflow avoided by clipping the scores, or by one shift for the whole batch
    ("05", "vectorized_clips_scores", "batch_gradient_vectorized_values",
     "batch_gradient_vectorized"),
    ("05", "loop_clips_scores", "batch_gradient_loop_values", "batch_gradient_by_loop"),
    # M9: a hyper-parameter ignored (a fixed number instead of the argument)
    ("05", "sgd_fixed_lr", "sgd_step_values", "sgd_step"),
    ("05", "momentum_fixed_lr", "momentum_step_values", "momentum_step"),
    ("05", "adam_fixed_lr", "adam_step_values", "adam_step"),
    ("05", "adam_fixed_beta1", "adam_step_values", "adam_step"),
    ("05", "adam_fixed_beta2", "adam_step_values", "adam_step"),
    ("05", "adam_ignores_eps", "adam_step_values", "adam_step"),
    ("06", "l2_fixed_lam", "l2_penalty_values", "l2_penalty"),
    ("06", "dropout_fixed_p", "dropout_forward_train", "dropout_forward"),
    ("06", "bn_fixed_momentum", "batchnorm_forward_train", "batchnorm_forward"),
    ("06", "bn_fixed_eps", "batchnorm_forward_train", "batchnorm_forward"),
    ("06", "bn_fixed_eps", "batchnorm_forward_eval", "batchnorm_forward"),
    # L13: relu'(0) = 1 in train_regularized's backward pass
    ("06", "tr_relu_kink_passes", "train_regularized_one_step", "train_regularized"),
]

HIDDEN = [
    ("06", "es_counter_never_reset", "early_stopping_hidden_random", "early_stopping"),
    ("06", "tr_patience_counter_never_reset", "train_regularized_hidden_fresh",
     "train_regularized"),
    ("06", "tr_patience_tested_before_improvement", "train_regularized_hidden_fresh",
     "train_regularized"),
    ("06", "tr_relu_kink_passes", "train_regularized_hidden_step", "train_regularized"),
    ("05", "vectorized_clips_scores", "batch_gradient_vectorized_hidden_random",
     "batch_gradient_vectorized"),
]


def verdict(check: str, *student, seed: int = 0, **args):
    found = find_check(check)
    return judge_seen(found, run_probe(found, student, args, seed=seed), args, seed)


@pytest.mark.parametrize(("notebook", "name", "check", "function"), WRONG,
                         ids=[f"{w[1]}-{w[2]}" for w in WRONG])
def test_the_visible_check_fails_the_wrong_answer(notebook, name, check, function):
    assert not verdict(check, namespace(notebook, name)[function]).passed


@pytest.mark.parametrize(("notebook", "check", "function"),
                         sorted({(n, c, f) for n, _, c, f in WRONG + HIDDEN}))
@pytest.mark.parametrize("seed", [0, 12345])
def test_the_solution_passes_the_check(notebook, check, function, seed):
    result = verdict(check, namespace(notebook)[function], seed=seed)
    assert result.passed, result.message


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("notebook", "name", "check", "function"), HIDDEN,
                         ids=[f"{w[1]}-{w[2]}" for w in HIDDEN])
def test_the_hidden_check_fails_the_wrong_answer_on_every_run_seed(notebook, name, check,
                                                                   function, seed):
    assert not verdict(check, namespace(notebook, name)[function], seed=seed).passed


# ---- M5, M6, M7 and H1/H3: the first hint of each failure names that failure's symptom

def first_hint(check: str, function, **args) -> str:
    result = verdict(check, function, **args)
    assert not result.passed
    return result.hints[0]


def own(notebook: str, source: str, name: str):
    space = namespace(notebook)
    exec(source, space)  # noqa: S102 - a wrong answer written for the test
    return space[name]


STOPPING_LATE = """
def early_stopping(val_losses, patience):
    best, best_epoch = float("inf"), 0
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best, best_epoch = loss, epoch
        elif epoch - best_epoch > patience:
            return epoch, best_epoch
    return len(val_losses) - 1, best_epoch
"""

STOPPING_GLOBAL_ARGMIN = """
def early_stopping(val_losses, patience):
    best, best_epoch = float("inf"), 0
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best, best_epoch = loss, epoch
        elif epoch - best_epoch >= patience:
            return epoch, int(np.argmin(val_losses))
    return len(val_losses) - 1, int(np.argmin(val_losses))
"""


def test_a_late_stop_is_named_as_a_late_stop_not_as_the_improvement_test():
    hint = first_hint("early_stopping_cases", own("06", STOPPING_LATE, "early_stopping"))
    assert "late" in hint and "decides that an epoch improved" not in hint, hint


def test_a_best_epoch_after_the_stop_is_named():
    hint = first_hint("early_stopping_cases", own("06", STOPPING_GLOBAL_ARGMIN,
                                                  "early_stopping"))
    assert "after the stop" in hint, hint


def test_a_counter_never_reset_is_told_the_count_is_of_epochs_in_a_row():
    hint = first_hint("early_stopping_cases",
                      namespace("06", "es_counter_never_reset")["early_stopping"])
    assert "early" in hint and "in a row" in hint, hint
    hint = first_hint("train_regularized_early_stopping",
                      namespace("06", "tr_patience_counter_never_reset")["train_regularized"])
    assert "in a row since the best" in hint, hint


def test_ties_counted_as_improvements_are_pointed_at():
    result = verdict("early_stopping_cases",
                     namespace("06", "es_non_strict_improvement")["early_stopping"])
    assert not result.passed and "a tie is not an improvement" in result.hints[1], result.hints


def test_an_improvement_thrown_away_when_patience_runs_out_is_named():
    hint = first_hint("train_regularized_early_stopping",
                      namespace("06", "tr_patience_tested_before_improvement")
                      ["train_regularized"])
    assert "exactly when patience ran out" in hint, hint


@pytest.mark.parametrize(("mutant", "named"), [
    ("tr_penalty_in_recorded_loss", "penalty"),
    ("tr_bn_evaluates_with_batch_statistics", "own mean and variance"),
    ("tr_dropout_at_evaluation", "dropout"),
])
def test_each_mistake_in_the_history_gets_its_own_first_hint(mutant, named):
    hint = first_hint("train_regularized_early_stopping",
                      namespace("06", mutant)["train_regularized"])
    assert named in hint and "copy" not in hint, hint


def test_the_last_params_are_still_named_as_the_last_epochs():
    hint = first_hint("train_regularized_early_stopping",
                      namespace("06", "tr_returns_last_params")["train_regularized"])
    assert "last epoch" in hint, hint


def test_an_overwritten_accumulator_is_named():
    hint = first_hint("batch_gradient_loop_values",
                      namespace("05", "loop_overwrites_totals")["batch_gradient_by_loop"])
    assert "last example's gradient alone" in hint, hint


def test_clipped_scores_get_the_large_scores_hint():
    hint = first_hint("batch_gradient_vectorized_values",
                      namespace("05", "vectorized_clips_scores")["batch_gradient_vectorized"])
    assert "finite but wrong" in hint, hint


def test_relu_kink_in_the_training_loop_is_named():
    result = verdict("train_regularized_one_step",
                     namespace("06", "tr_relu_kink_passes")["train_regularized"])
    assert not result.passed and "relu'(0) = 1" in result.render(max_hints=1), result.message


def test_the_written_batch_size_question_is_not_answered_above_it():
    """L14: the markdown before the question said where the batch-256 run loses (fewer
    steps), the remedy (a larger learning rate, by about k) and its risk; now it says where
    to look."""
    import nbformat

    from autograder.notebooks import ROOT

    book = nbformat.read(ROOT / "notebooks" / "05_minibatches_and_sgd" /
                         "05_minibatches_and_sgd.ipynb", 4)
    text = " ".join(" ".join(c.source.split()) for c in book.cells
                    if c.cell_type == "markdown")
    for answer in ("small batches take more steps", "Large batches need larger learning rates",
                   "multiplying the learning rate by about", "makes the loss jump around"):
        assert answer not in text, answer


def test_a_correct_shuffle_that_ends_at_exactly_0_95_passes_with_margin():
    """L10: rng.choice(n, n, replace=False) (a catalogue variant) is a correct shuffle whose
    digits run ends at 342/360 = 0.95, the contract's number; the check leaves a margin."""
    from nncourse.checks.nb05 import DIGITS_ACCURACY
    from nncourse.data import digits_split

    space = namespace("05", "in4_minibatches_choice_without_replacement")
    X_train, X_val, y_train, y_val = digits_split()
    history = space["train_mlp"](X_train, y_train, X_val, y_val)[1]
    assert history["val_acc"][-1] >= DIGITS_ACCURACY + 0.015
    assert verdict("train_mlp_digits", space["train_mlp"]).passed


# ---- L11, L12: hints that point at what the code did

def test_a_short_batch_first_is_named_and_array_split_only_for_equal_sizes():
    space = namespace("05")
    exec("def make_minibatches(X, y, batch_size, rng):\n"  # noqa: S102
         "    order = rng.permutation(len(X))\n"
         "    r = len(X) % batch_size\n"
         "    cuts = [order[:r]] + [order[i:i + batch_size]"
         " for i in range(r, len(X), batch_size)]\n"
         "    return [(X[c], y[c]) for c in cuts]\n", space)
    hint = first_hint("minibatches_cover_and_pair", space["make_minibatches"])
    assert "short batch comes first" in hint and "array_split" not in hint, hint
    hint = first_hint("minibatches_cover_and_pair",
                      namespace("05", "minibatches_array_split_count")["make_minibatches"])
    assert "array_split" in hint, hint


def test_no_hint_sends_the_student_to_a_lesson_passage_that_does_not_exist():
    result = verdict("minibatches_cover_and_pair",
                     namespace("05", "minibatches_not_shuffled")["make_minibatches"])
    assert "fixed order biases" not in result.render(max_hints=3)


def test_eps_inside_the_root_is_told_that_only_b1_with_its_tiny_gradients_is_off():
    hint = first_hint("adam_step_values", namespace("05", "adam_eps_inside_sqrt")["adam_step"])
    assert "eps" in hint and "b1" in hint, hint


def test_the_student_is_told_that_a_failing_test_stops_run_all():
    """L15: every test cell raises on failure, so Run All stops at the first unfinished
    exercise; cell 0 says so and how to go on."""
    import nbformat

    from autograder.notebooks import ROOT

    for notebook in ("05_minibatches_and_sgd", "06_regularization"):
        book = nbformat.read(ROOT / "notebooks" / notebook / f"{notebook}.ipynb", 4)
        assert "stops *Run All*" in " ".join(book.cells[0].source.split()), notebook


def test_a_missing_transpose_in_the_residual_branch_is_hinted_without_its_answer():
    """The second hint points at the orientation of W (square here); the library no longer
    computes that mistake, whose code was one transpose away from dX (review 22 r56 M2)."""
    space = namespace("06", "rb_dX_W_not_transposed")
    result = verdict("residual_backward_gradients", space["residual_forward"],
                     space["residual_backward"])
    assert not result.passed and "transpose" in result.render(max_hints=2), \
        result.render(max_hints=2)
    import inspect

    from nncourse.checks import nb06
    assert "open_units" not in inspect.getsource(nb06)


def test_a_layernorm_backward_that_forgets_gamma_is_told_so():
    space = namespace("06", "lnb_forgets_gamma")
    result = verdict("layernorm_backward_gradients", space["layernorm_forward"],
                     space["layernorm_backward"])
    assert not result.passed and "as if gamma were 1" in result.hints[0], result.hints


@pytest.mark.parametrize("check", ["batchnorm_forward_train", "batchnorm_forward_eval"])
def test_eps_after_the_root_is_still_named_without_a_numpy_normalisation(check):
    """L14: the likely-cause value for eps after the square root was a numpy expression one
    parenthesis away from batchnorm_forward's answer; now torch computes it."""
    import inspect

    from nncourse.checks import nb06

    assert "np.sqrt(var) + eps" not in inspect.getsource(nb06)
    result = verdict(check, namespace("06", "bn_eps_outside_sqrt")["batchnorm_forward"])
    assert not result.passed and "after the square root" in result.render(max_hints=1), \
        result.render(max_hints=1)
