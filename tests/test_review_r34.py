"""Findings of review r34 of notebooks 03 and 04 (2026-12-07): what the checks observe (a
backward that resets gradients, a list or a bool array with the right numbers, a key added to
the caller's params), what the demos say when an exercise is unfinished, and lesson claims
that now follow the printed numbers. Each test fails on the code before the fix."""

from __future__ import annotations

import contextlib
import io
import math
import re

import matplotlib
import nbformat
import numpy as np
import pytest

from autograder.mutation import catalogue
from autograder.notebooks import ROOT, solution_sources

matplotlib.use("Agg")

NB03, NB04 = "03_jacobians_and_chain_rule", "04_computation_graph_backprop"


def released(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "notebooks" / assignment / f"{assignment}.ipynb", 4)


def defined(answers: dict[str, str], *cells: str) -> dict:
    """The namespace after running the named answer cells (numpy and math imported)."""
    namespace = {"np": np, "math": math}
    for cell in cells:
        exec(answers[cell], namespace)  # noqa: S102 - the course's own solutions
    return namespace


def mutant(assignment: str, name: str) -> dict[str, str]:
    entry = next(m for m in catalogue(assignment) if m.name == name)
    return entry.answers(solution_sources(assignment))


def outcome(name: str, *student) -> str:
    """"passed", or the failure's message."""
    from nncourse import CheckFailed, check

    try:
        with contextlib.redirect_stdout(io.StringIO()):
            check(name, *student)
    except CheckFailed as failure:
        return str(failure)
    return "passed"


# --- HIGH 3: Value.backward adds to .grad across calls ---------------------------------------

@pytest.mark.parametrize("name", ["value_backward_resets_grads",
                                  "value_backward_resets_leaf_grads"])
def test_a_backward_that_resets_gradients_fails_the_value_check(name):
    """Two graphs sharing a leaf, each with its own backward(): a Value whose backward first
    sets .grad to 0 loses the earlier gradient (it passed every Value check before)."""
    good = defined(solution_sources(NB04), "topological_order", "Value")
    assert outcome("value_backward_graphs", good["Value"]) == "passed"
    bad = defined(mutant(NB04, name), "topological_order", "Value")
    message = outcome("value_backward_graphs", bad["Value"])
    assert "erased" in message and "the second call changes" in message, message


def test_the_value_docstring_and_curriculum_state_accumulation_across_calls():
    source = solution_sources(NB04)["Value"]
    assert "add up across backward() calls" in re.sub(r"\s+", " ", source)
    curriculum = re.sub(r"\s+", " ", (ROOT / "docs" / "curriculum.md").read_text())
    assert "never resets one (gradients add up across `backward()` calls" in curriculum


# --- LOW 18: return types and the caller's dict ---------------------------------------------

def test_a_list_of_iterates_fails_gradient_descent():
    good = defined(solution_sources(NB03), "gradient_descent")
    assert outcome("gradient_descent_values", good["gradient_descent"]) == "passed"
    bad = defined(mutant(NB03, "gd_returns_list"), "gradient_descent")
    message = outcome("gradient_descent_values", bad["gradient_descent"])
    assert "returned a list" in message and "float array" in message, message


def test_a_bool_relu_grad_fails():
    good = defined(solution_sources(NB03), "relu_grad")
    assert outcome("relu_grad_values", good["relu_grad"]) == "passed"
    bad = defined(mutant(NB03, "relu_grad_returns_bool"), "relu_grad")
    message = outcome("relu_grad_values", bad["relu_grad"])
    assert "dtype bool" in message, message


MLP_CELLS = ("linear_forward", "linear_backward", "relu_layer", "softmax_cross_entropy",
             "mlp_loss_and_grads")


def _mlp(answers: dict[str, str]):
    cells = [c for c in MLP_CELLS if c in answers]
    assert len(cells) == len(MLP_CELLS), sorted(answers)
    return defined(answers, *cells)["mlp_loss_and_grads"]


def test_a_key_added_to_the_callers_params_fails_mlp_loss_and_grads():
    assert outcome("mlp_loss_and_grads_values", _mlp(solution_sources(NB04))) == "passed"
    message = outcome("mlp_loss_and_grads_values",
                      _mlp(mutant(NB04, "mlp_adds_key_to_params")))
    assert "added ['last_loss']" in message, message


# --- MEDIUM 8: the pasted sigmoid has its tests --------------------------------------------

def test_the_pasted_sigmoid_is_tested_right_after_its_cell():
    """The cell after ``sigmoid_from_nb01`` runs notebook 01's value and stability checks
    (the sigmoid_grad test's "its own test says when it works" needs one); an unstable
    sigmoid fails it."""
    cells = released(NB03).cells
    index = next(i for i, c in enumerate(cells)
                 if c.metadata.get("nbgrader", {}).get("grade_id") == "sigmoid_from_nb01")
    after = cells[index + 1].source
    assert 'check("sigmoid_values", sigmoid)' in after
    assert 'check("sigmoid_stable", sigmoid)' in after

    def naive(z):
        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))

    assert "overflow" in outcome("sigmoid_stable", naive)


# --- LOW 17: a demo names the exercise that is not written ----------------------------------

def _setup_namespace() -> dict:
    """Notebook 03's setup cell takes its demo guard from the library (nncourse.demos)."""
    setup = next(c.source for c in released(NB03).cells if "nncourse.demos" in c.source)
    assert "from nncourse.demos import needs" in setup
    from nncourse.demos import needs

    return {"needs": needs}


@pytest.mark.parametrize("missing", ["sigmoid", "numerical_jacobian"])
def test_a_demo_names_the_unfinished_exercise_only(missing):
    namespace = _setup_namespace()

    def sigmoid(z):
        if missing == "sigmoid":
            raise NotImplementedError()
        return z

    def numerical_jacobian(f, x):
        if missing == "numerical_jacobian":
            raise NotImplementedError()
        return x

    def softmax_jacobian(z):
        return z

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), namespace["needs"](
            "softmax_jacobian", "sigmoid", "numerical_jacobian"):
        softmax_jacobian(1.0)
        sigmoid(1.0)
        numerical_jacobian(sigmoid, 1.0)
    text = printed.getvalue()
    assert f"your {missing}," in text, text
    others = {"softmax_jacobian", "sigmoid", "numerical_jacobian"} - {missing}
    assert not any(name in text for name in others), text


# --- LOW 11 and 15: the lesson says what the numbers show ------------------------------------

def _markdown(assignment: str) -> str:
    return re.sub(r"\s+", " ", "\n".join(c.source for c in released(assignment).cells
                                         if c.cell_type == "markdown"))


def test_step_size_one_is_stated_as_computed():
    """alpha = 1 on (theta - 2)^2 from 5: the iterates alternate 5, -1, 5, ... (the lesson
    listed every regime but this one)."""
    descent = defined(solution_sources(NB03), "gradient_descent")["gradient_descent"]
    path = descent(lambda th: 2 * (th - 2), np.array([5.0]), 1.0, 4).ravel()
    assert np.array_equal(path, [5.0, -1.0, 5.0, -1.0, 5.0])
    assert "at $\\alpha = 1$ the factor is $-1$" in _markdown(NB03)
    assert "5, $-1$, 5, $-1$" in _markdown(NB03)
    code = "\n".join(c.source for c in released(NB03).cells if c.cell_type == "code")
    assert "1.0, 4).ravel()" in code  # the cell that prints it


def test_the_roundoff_line_is_a_ceiling_as_the_printout_shows():
    """Below the best step every error lies under 1e-16/eps (the text once said "scattered
    around" it); the lesson's numbers are the printout's."""
    import matplotlib.pyplot as plt

    cells = released(NB03).cells
    index = next(i for i, c in enumerate(cells) if "roundoff_line = 1e-16" in c.source)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(cells[index].source, {"np": np, "plt": plt})  # noqa: S102
    plt.close("all")
    rows = re.findall(r"is (\d\.\d\d) at the median, (\d\.\d\d) at most; (\d+) points above",
                      printed.getvalue())
    assert len(rows) == 2, printed.getvalue()
    (forward_median, forward_max, forward_above), (central_median, central_max,
                                                   central_above) = rows
    assert forward_above == central_above == "0"
    assert round(max(float(forward_max), float(central_max)), 2) <= 0.86
    assert 0.15 <= float(central_median) <= 0.25 and 0.3 <= float(forward_median) <= 0.4
    text = re.sub(r"\s+", " ", cells[index + 1].source)
    assert "scattered around" not in text
    assert "under* the $10^{-16}/\\varepsilon$ line" in text and "about 0.85" in text
    assert "a fifth of it for the central difference and a third for the forward" in text


# --- nb04 LOW 12 and 13 ---------------------------------------------------------------------

def test_the_dw_step_asks_for_the_sum_not_the_shape():
    text = _markdown(NB04)
    assert "only one product of $X$ and $dout$ has it" not in text
    assert "as a sum over the batch: which index does it run over" in text


def test_a_diverged_training_loss_is_printed_readably():
    from nncourse.checking import find_check

    check = find_check("train_value_mlp_accuracy")
    args = check.arguments({})
    from nncourse.checks.nb04 import moons_training

    n = len(moons_training(args["seed"])["y"])
    verdict = check.judge({"outputs": [0.0] * n, "losses": [55.285, 6.1516e200]}, **args)
    assert not verdict.passed
    assert "6.152e+200" in verdict.message and not re.search(r"\d{20}", verdict.message), \
        verdict.message
