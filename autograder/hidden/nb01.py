"""Hidden checks for 01_neuron_and_xor (instructor only; never in the student's notebook)."""

from __future__ import annotations

import contextlib

import numpy as np
from nncourse.checking import Check, register
from nncourse.checks.nb01 import (
    INPUTS_2,
    TRUTH,
    expected_parameter_count,
    random_mlp,
    reference_mlp,
    reference_sigmoid,
)
from nncourse.compare import compare
from nncourse.verdict import Verdict, first_failure


@register
class SigmoidHiddenShapes(Check):
    """sigmoid keeps the shape of 3-D inputs and handles a plain number and integers."""

    name = "sigmoid_hidden_shapes"

    def probe(self, sigmoid):
        z3 = np.random.default_rng(21).normal(scale=10, size=(2, 3, 4))
        return {"cube": sigmoid(z3), "number": sigmoid(0.75),
                "ints": sigmoid(np.array([-3, 0, 3]))}

    def judge(self, seen):
        z3 = np.random.default_rng(21).normal(scale=10, size=(2, 3, 4))
        return first_failure(
            compare("sigmoid of a (2, 3, 4) array", seen["cube"], reference_sigmoid(z3)),
            compare("sigmoid(0.75)", seen["number"], reference_sigmoid(0.75)),
            compare("sigmoid of an int array", seen["ints"],
                    reference_sigmoid(np.array([-3.0, 0.0, 3.0]))))


@register
class NeuronBatchOfOne(Check):
    """neuron on a (1, D) batch returns shape (1,); tanh activation is honoured."""

    name = "neuron_hidden_batch_of_one"

    def probe(self, neuron):
        X = np.array([[0.5, -1.0, 2.0, 0.25]])
        w = np.array([1.0, 2.0, -0.5, 4.0])
        return {"out": neuron(X, w, -0.3, activation=np.tanh)}

    def judge(self, seen):
        X = np.array([[0.5, -1.0, 2.0, 0.25]])
        w = np.array([1.0, 2.0, -0.5, 4.0])
        return compare("neuron(X (1, 4), w, -0.3, activation=np.tanh)", seen["out"],
                       np.tanh(X @ w - 0.3))


@register
class LogicGatesMargin(Check):
    """gate weights are returned fresh (mutating one result does not change the next)."""

    name = "logic_gates_hidden_margin"

    def probe(self, logic_gate_weights):
        w, b = logic_gate_weights("and")
        w_copy = np.array(w, dtype=np.float64, copy=True)
        with contextlib.suppress(TypeError, ValueError):
            w[...] = 0.0
        w_again, b_again = logic_gate_weights("and")
        return {"first": w_copy, "again": w_again, "b": b, "b_again": b_again,
                "or": list(logic_gate_weights("or")), "nand": list(logic_gate_weights("nand"))}

    def judge(self, seen):
        for gate, (w, b) in (("and", (seen["again"], seen["b_again"])),
                             ("or", seen["or"]), ("nand", seen["nand"])):
            out = reference_sigmoid(INPUTS_2 @ np.asarray(w, dtype=float) + float(np.squeeze(b)))
            verdict = compare(f"{gate.upper()} outputs", out, TRUTH[gate], atol=0.01, rtol=0)
            if not verdict.passed:
                return Verdict.fail(verdict.message + " (after the caller modified an earlier "
                                    "result: return a new array each call)")
        return Verdict.ok()


@register
class XorRepeatedRows(Check):
    """xor_network on a batch of 12 rows with repeats."""

    name = "xor_network_hidden_repeated_rows"
    ORDER = [0, 3, 3, 1, 2, 2, 0, 1, 3, 0, 2, 1]

    def probe(self, xor_network):
        return {"out": xor_network(INPUTS_2[self.ORDER].copy())}

    def judge(self, seen):
        out = np.asarray(seen["out"], dtype=np.float64).reshape(-1)
        return compare("xor_network on 12 rows", out, TRUTH["xor"][self.ORDER], atol=0.01,
                       rtol=0)


def replay_perceptron(X, t, lr, max_epochs):
    """The rule exactly as stated: step unit, examples in order, zeros to start."""
    w, b, mistakes = np.zeros(X.shape[1]), 0.0, []
    for _ in range(max_epochs):
        count = 0
        for x_i, t_i in zip(X, t):
            o = 1.0 if x_i @ w + b > 0 else 0.0
            count += int(o != t_i)
            w, b = w + lr * (t_i - o) * x_i, b + lr * (t_i - o)
        mistakes.append(count)
        if count == 0:
            break
    return w, b, mistakes


@register
class PerceptronReplay(Check):
    """perceptron_train follows the rule exactly: same weights and mistakes as a replay."""

    name = "perceptron_replay"

    def probe(self, perceptron_train, gate="and", lr=1.0, max_epochs=100):
        w, b, mistakes = perceptron_train(INPUTS_2.copy(), TRUTH[gate].copy(), lr=lr,
                                          max_epochs=max_epochs)
        return {"w": w, "b": b, "mistakes": mistakes}

    def judge(self, seen, gate="and", lr=1.0, max_epochs=100):
        w, b, mistakes = replay_perceptron(INPUTS_2, TRUTH[gate], lr, max_epochs)
        got = [int(m) for m in np.asarray(seen["mistakes"]).reshape(-1)]
        if got != mistakes:
            return Verdict.fail(f"perceptron_train on {gate.upper()} (lr={lr}): mistakes per "
                                f"epoch {got}, expected {mistakes}.",
                                "Use o = 1 only if x @ w + b > 0 (strictly), visit the "
                                "examples in order, and update after every example.")
        return first_failure(compare("final w", seen["w"], w),
                             compare("final b", np.squeeze(seen["b"]), b))


@register
class CountParametersHidden(Check):
    """count_parameters on deeper, wider and minimal networks."""

    name = "count_parameters_hidden"
    CASES = ([784, 256, 128, 10], [1, 1], [3, 7, 7, 7, 7, 1])

    def probe(self, count_parameters):
        return {"counts": [count_parameters(list(d)) for d in self.CASES]}

    def judge(self, seen):
        for dims, got in zip(self.CASES, seen["counts"]):
            if got != expected_parameter_count(dims):
                return Verdict.fail(f"count_parameters({dims}) returned {got!r}, expected "
                                    f"{expected_parameter_count(dims)}.")
        return Verdict.ok()


@register
class InitMlpLayersDiffer(Check):
    """init_mlp draws each layer afresh (no two layers share values) and scales by fan-in."""

    name = "init_mlp_hidden_layers_differ"

    def probe(self, init_mlp):
        weights, biases = init_mlp([200, 200, 200, 30], np.random.default_rng(42))
        return {"std": [float(np.std(W)) for W in weights],
                "same": bool(np.array_equal(weights[0], weights[1])),
                "shapes": [list(np.shape(b)) for b in biases]}

    def judge(self, seen):
        if seen["same"]:
            return Verdict.fail("init_mlp gave two layers identical weights.")
        if seen["shapes"] != [[200], [200], [30]]:
            return Verdict.fail(f"bias shapes {seen['shapes']}, expected [[200], [200], [30]].")
        for std in seen["std"]:
            if abs(std * np.sqrt(200) - 1) > 0.06:
                return Verdict.fail(f"a layer with fan-in 200 has std {std:.4f}, expected "
                                    f"{1 / np.sqrt(200):.4f}.")
        return Verdict.ok()


@register
class MlpForwardActivation(Check):
    """mlp_forward uses the given activation (relu, sigmoid) and handles one layer."""

    name = "mlp_forward_hidden_activation"

    def probe(self, mlp_forward):
        weights, biases = random_mlp([5, 9, 9, 4], 17)
        X = np.random.default_rng(18).normal(size=(6, 5))
        single_w, single_b = random_mlp([5, 2], 19)
        return {"relu": mlp_forward(X, weights, biases, activation=lambda z: np.maximum(z, 0)),
                "sigmoid": mlp_forward(X, weights, biases,
                                       activation=lambda z: 1 / (1 + np.exp(-z))),
                "single": mlp_forward(X, single_w, single_b)}

    def judge(self, seen):
        weights, biases = random_mlp([5, 9, 9, 4], 17)
        X = np.random.default_rng(18).normal(size=(6, 5))
        single_w, single_b = random_mlp([5, 2], 19)
        return first_failure(
            compare("mlp_forward with relu", seen["relu"], reference_mlp(X, weights, biases,
                                                                          "relu")),
            compare("mlp_forward with sigmoid", seen["sigmoid"],
                    reference_mlp(X, weights, biases, "sigmoid")),
            compare("mlp_forward with a single layer (no hidden layer)", seen["single"],
                    X @ single_w[0] + single_b[0]))
