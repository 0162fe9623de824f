"""Review d01: the XOR built-from judge follows the data, not the values (gates with large
margins); check() takes only a check's own inputs (``hints=2`` is told to use show_hints); and
failure messages of formula exercises never show the expected values or an answer's factor."""

from __future__ import annotations

import ast
import importlib

import numpy as np
import pytest
from nncourse.checking import (
    REGISTRY,
    CheckFailed,
    check,
    find_check,
    judge_seen,
    run_probe,
)
from nncourse.compare import compare, diagnose, expected_hidden
from test_review_r12_nb01_nb02 import NB01, namespace

from autograder.notebooks import solution_sources, source_notebook

ASSIGNMENTS = ("01_neuron_and_xor", "02_universal_approximation", "03_jacobians_and_chain_rule",
               "04_computation_graph_backprop", "05_minibatches_and_sgd", "06_regularization")


def _all_checks() -> None:
    for module in ("nncourse.checks", *(f"autograder.hidden.nb{a[:2]}" for a in ASSIGNMENTS)):
        importlib.import_module(module)


def _verdict(name: str, *student, seed: int = 5, **args):
    _all_checks()
    found = find_check(name)
    return judge_seen(found, run_probe(found, student, args, seed=seed), args, seed)


def _gates(margin: float) -> str:
    return ("def logic_gate_weights(gate):\n"
            f"    k = {margin!r}\n"
            "    table = {'and': ([k, k], -1.5 * k), 'or': ([k, k], -0.5 * k),\n"
            "             'nand': ([-k, -k], 1.5 * k)}\n"
            "    if gate not in table:\n"
            "        raise ValueError(gate)\n"
            "    w, b = table[gate]\n"
            "    return np.array(w), b\n")


ROUND_HIDDEN = ("def xor_network(X):\n"
                "    h = np.stack([neuron(X, *logic_gate_weights('or')),\n"
                "                  neuron(X, *logic_gate_weights('nand'))], axis=1)\n"
                "    return neuron(np.round(h), *logic_gate_weights('and'))\n")


@pytest.mark.parametrize("margin", [20.0, 37.0, 100.0, 2000.0])
def test_xor_built_from_passes_saturated_gates_and_fails_a_rounded_hidden_layer(margin):
    """From a margin of 37 the sigmoid returns exactly 1.0: the hidden neurons' values are the
    output's and the input's too. The output neuron is found by the data flow (each call's
    results tagged), so a right network passes and a rounded hidden layer still fails."""
    right = namespace(NB01, {"logic_gate_weights": _gates(margin)})
    for name in ("xor_network_truth", "xor_network_built_from", "xor_network_hidden_built_from"):
        found = _verdict(name, right["xor_network"])
        assert found.passed, (margin, name, found.message)
    rounded = namespace(NB01, {"logic_gate_weights": _gates(margin), "xor_network": ROUND_HIDDEN})
    found = _verdict("xor_network_built_from", rounded["xor_network"])
    assert not found.passed and "hidden" in found.message, found.message


def _l2_times(factor):
    """An l2_penalty whose weight gradients are ``factor(lam) * W``."""
    def l2_penalty(params, lam):
        penalty = lam * sum(float(np.sum(v ** 2)) for k, v in params.items() if k[0] == "W")
        grads = {k: factor(lam) * v if k[0] == "W" else np.zeros_like(v)
                 for k, v in params.items()}
        return penalty, grads
    return l2_penalty


def _called(calls: list):
    def early_stopping(*args, **kwargs):
        calls.append(args)
        return 0
    return early_stopping


@pytest.mark.parametrize("name", ["early_stopping_cases", "l2_penalty_values"])
def test_check_rejects_a_keyword_that_is_not_an_input_and_points_to_show_hints(name):
    calls: list = []
    with pytest.raises(CheckFailed) as failed:
        check(name, _called(calls), hints=2)
    assert "does not take hints" in str(failed.value) and "show_hints(2)" in str(failed.value)
    assert not calls  # nothing was run: the call is refused before any probe


def test_every_check_call_in_the_notebooks_passes_only_the_checks_inputs():
    _all_checks()
    for assignment in ASSIGNMENTS:
        for cell in source_notebook(assignment).cells:
            if cell.cell_type != "code" or "check(" not in cell.source:
                continue
            for node in ast.walk(ast.parse(cell.source)):
                if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "check"
                        and isinstance(node.args[0], ast.Constant)):
                    given = {k.arg for k in node.keywords}
                    accepted = find_check(node.args[0].value).accepted()
                    assert given <= accepted, (assignment, node.args[0].value, given, accepted)


def test_a_constant_factor_is_named_by_its_number_only_when_it_is_n_or_1_over_n():
    expected = np.arange(1.0, 7.0).reshape(2, 3)
    for factor in (10.0, 0.5, 2.0, 1 / 0.7):
        said = diagnose(factor * expected, expected, n=3)
        assert "constant factor" in said and not any(c.isdigit() for c in said), said
    assert "3 (= N) times too large" in diagnose(3 * expected, expected, n=3)
    assert "3 (= N) times too small" in diagnose(expected / 3, expected, n=3)


def test_a_hidden_expected_comparison_says_where_and_how_much_but_not_what():
    W = np.array([[0.3, -1.2], [0.0, 2.5]])
    want, got = 0.05 * np.sign(W), np.sign(W)
    shown = compare("grads['W1']", got, want)
    assert "expected [[" in shown.message and shown.arrays is not None
    with expected_hidden():
        hidden = compare("grads['W1']", got, want)
        reshaped = compare("grads['W1']", got.ravel(), want)
    assert "0.05" not in hidden.message and "expected [" not in hidden.message
    assert "3 of 4 entries are off" in hidden.message and "0.95 at index (0, 0)" in hidden.message
    assert hidden.arrays is None and reshaped.arrays is None  # no picture of the expected


def test_the_l2_gradient_message_shows_neither_the_factor_nor_the_expected_values():
    """l2_penalty handing out W for 2 lam W (lam = 0.05) was told "10 times the expected
    value", and the expected arrays were printed next to the student's."""
    found = _verdict("l2_penalty_values", _l2_times(lambda lam: 1.0), seed=0)
    assert not found.passed
    assert "10 times" not in found.message and "expected [" not in found.message, found.message
    assert "constant factor" in found.message and found.arrays is None
    assert _verdict("l2_penalty_values", _l2_times(lambda lam: 2 * lam), seed=0).passed


FORMULA_CHECKS = {
    "relu_grad_values", "relu_grad_hidden", "mse_loss_values", "mse_loss_hidden",
    "mse_loss_spread_hidden", "mae_loss_values", "mae_loss_hidden", "mae_loss_spread_hidden",
    "l2_penalty_values", "l2_penalty_values_fresh", "l2_penalty_hidden_keys",
    "l1_penalty_values", "l1_penalty_hidden_fresh", "soft_threshold_values",
    "soft_threshold_hidden_fresh", "dropout_forward_train", "dropout_forward_train_fresh",
    "dropout_forward_eval", "dropout_forward_eval_fresh", "dropout_backward_mask",
    "dropout_backward_mask_fresh", "dropout_hidden_p_zero"}
"""The checks of formula exercises (their flag sits on each class: a table of names in the
student library would name the hidden checks)."""


def test_every_formula_check_hides_its_expected_values():
    _all_checks()
    hiding = {name for name, check in REGISTRY.items() if check.expected_hidden}
    assert hiding == FORMULA_CHECKS, sorted(hiding ^ FORMULA_CHECKS)
    assert find_check("l1_penalty_values").expected_hidden
    assert not find_check("xor_network_truth").expected_hidden


def test_the_catalogues_hold_the_large_margin_answers():
    from autograder.mutants import nb01, nb02

    names = {v.name for v in nb01.VARIANTS} | {v.name for v in nb02.VARIANTS}
    assert {"gates_margin_100", "gates_margin_2000", "pasted_gates_margin_2000"} <= names
    assert "notebook01_functions" in solution_sources("02_universal_approximation")
