"""The checks of notebooks 05 and 06 that review r56 found passing wrong answers.

Each wrong answer is a catalogue entry (it must lose points in the grader); here the VISIBLE
check of its function fails it too, so that the student learns of the mistake from the test
cell (issue 20, item 5: visible and hidden checks test the same kinds of input), and the
solution still passes the same check.
"""

from __future__ import annotations

import numpy as np
import pytest
from nncourse.checking import find_check, judge_seen, run_probe
from test_unreadable_inputs import namespace

from autograder.notebooks import source_notebook

WRONG = [
    # eps under the square root: invisible while sqrt(v) >> eps (gradients of 0.01 .. 30)
    ("05", "adam_eps_inside_sqrt", "adam_step_values", "adam_step"),
    # a softmax without the max shift: scores of order 1 never overflow
    ("05", "vectorized_unstable_softmax", "batch_gradient_vectorized_values",
     "batch_gradient_vectorized"),
    ("05", "loop_unstable_softmax", "batch_gradient_loop_values", "batch_gradient_by_loop"),
    # relu'(0) = 1: random inputs never hit a pre-activation of exactly 0
    ("05", "vectorized_relu_ge", "batch_gradient_vectorized_values", "batch_gradient_vectorized"),
    ("05", "loop_gradient_relu_ge", "batch_gradient_loop_values", "batch_gradient_by_loop"),
    # np.random instead of rng: the lesson promises two generators of one seed are compared
    ("05", "minibatches_global_rng", "minibatches_cover_and_pair", "make_minibatches"),
    # biases penalised: the first step starts from zero biases, where that has no gradient
    ("06", "tr_penalises_biases", "train_regularized_one_step", "train_regularized"),
    ("06", "tr_penalises_b2", "train_regularized_one_step", "train_regularized"),
]


def verdict(check: str, *student, seed: int = 0, **args):
    found = find_check(check)
    return judge_seen(found, run_probe(found, student, args, seed=seed), args, seed)


@pytest.mark.parametrize(("notebook", "name", "check", "function"), WRONG,
                         ids=[w[1] for w in WRONG])
def test_the_visible_check_fails_the_wrong_answer(notebook, name, check, function):
    assert not verdict(check, namespace(notebook, name)[function]).passed


@pytest.mark.parametrize(("notebook", "check", "function"),
                         sorted({(n, c, f) for n, _, c, f in WRONG}))
@pytest.mark.parametrize("seed", [0, 12345])
def test_the_solution_passes_the_visible_check(notebook, check, function, seed):
    """Under grading too (a fresh seed): the edge cases hold for any drawn inputs."""
    result = verdict(check, namespace(notebook)[function], seed=seed)
    assert result.passed, result.message


def test_an_accuracy_of_zero_is_not_called_never_accumulated():
    result = verdict("accuracy_values", namespace("05", "accuracy_argmin")["accuracy"])
    assert not result.passed
    assert "no row was counted as correct" in result.render(max_hints=2)
    assert "never accumulated" not in result.render(max_hints=2)


@pytest.mark.parametrize(("check", "edit", "blamed"), [
    # an import that is used (the allow list refuses a loaded module where it is used)
    ("batchnorm_backward_gradients", "import torch; torch.ones(1)",
     "batchnorm_backward {} torch"),
    ("batchnorm_backward_alt_gradients", "return batchnorm_backward(dout, cache)",
     "batchnorm_backward_alt used batchnorm_backward"),
])  # "imported" if the module was not loaded yet, "used" if it was
def test_a_rule_broken_by_the_backward_pass_names_the_backward_pass(check, edit, blamed):
    """Checks given (forward, backward) once blamed the forward pass for every rule the
    backward pass broke ("batchnorm_forward used batchnorm_backward")."""
    space = namespace("06")
    name = "batchnorm_backward_alt" if "alt" in check else "batchnorm_backward"
    exec(f"def {name}(dout, cache):\n    {edit}\n    return None\n", space)  # noqa: S102
    result = verdict(check, space["batchnorm_forward"], space[name])
    assert not result.passed
    assert any(blamed.format(verb) in result.message for verb in ("imported", "used")), \
        result.message


def test_a_rule_broken_by_the_first_function_still_names_it():
    space = namespace("06")
    exec("def batchnorm_forward(*args, **kwargs):\n    import scipy\n    scipy.special\n",
         space)  # noqa: S102
    result = verdict("batchnorm_backward_gradients", space["batchnorm_forward"],
                     space["batchnorm_backward"])
    assert any(f"batchnorm_forward {verb} scipy" in result.message
               for verb in ("imported", "used")), result.message


def test_nb06_ready_names_an_unfinished_function_that_a_demo_reaches(capsys):
    """Cells 97 and 101 run train_regularized, which may call the student's init_weights:
    ready() names it when it is unfinished, instead of the demo raising a bare
    NotImplementedError."""
    setup = source_notebook("06_regularization").cells[1].source
    space: dict = {}
    exec(setup[setup.index("def ready"):], space)  # noqa: S102
    exec("def init_weights(n_in, n_out, kind, rng):\n    raise NotImplementedError()\n\n"
         "def train_regularized(X):\n    def helper(n):\n        return init_weights(n, n, "
         "'he', None)\n    return helper(len(X))\n\n"
         "def l2_penalty(params, lam):\n    return 0.0, {}\n", space)  # noqa: S102
    assert space["ready"](space["l2_penalty"])
    assert not space["ready"](space["train_regularized"], space["l2_penalty"])
    assert "your init_weights" in capsys.readouterr().out
    assert space["ready"](np.zeros)  # the library's functions are not followed


def test_nb06_says_what_the_closed_form_test_checks():
    """The simplified batch-norm backward is told from the node-by-node steps pasted under its
    name by the intermediate bars they compute (review 22 of 2026-12-07, r56 H2): the lesson
    says what the test checks, and no longer that it cannot tell them apart."""
    text = " ".join(next(c.source for c in source_notebook("06_regularization").cells
                         if c.cell_type == "markdown"
                         and "Write `batchnorm_backward_alt`" in c.source).split())
    assert "no intermediate bar of $s$ or $v$" in text
    assert "cannot tell" not in text


@pytest.mark.parametrize(("name", "check", "function"), [
    ("vectorized_unstable_softmax", "batch_gradient_vectorized_hidden_random",
     "batch_gradient_vectorized"),
    ("loop_unstable_softmax", "batch_gradient_loop_hidden_random", "batch_gradient_by_loop"),
])
def test_the_hidden_random_gradient_checks_have_large_scores_too(name, check, function):
    import autograder.hidden  # noqa: F401 - registers the hidden checks

    for seed in (1, 2):
        assert verdict(check, namespace("05")[function], seed=seed).passed
        assert not verdict(check, namespace("05", name)[function], seed=seed).passed
