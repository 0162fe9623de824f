"""Hidden checks for 01_neuron_and_xor (instructor only; never in the student's notebook).

Every check with random inputs is ``fresh``: its inputs come from the grading run's secret
seed, so outputs seen in one run are of no use in the next.
"""

from __future__ import annotations

import contextlib

import numpy as np
from nncourse.checking import Check, register
from nncourse.checks.nb01 import (
    INPUTS_2,
    TRUTH,
    XOR_RULES,
    _xor_verdict,
    judge_built_from,
    judge_collapse,
    judge_init,
    probe_built_from,
    probe_init,
    reference_scores,
    reference_sigmoid,
    strided,
    strided_mlp,
    torch_parameter_count,
)
from nncourse.compare import compare
from nncourse.verdict import Verdict, first_failure


def _cube(run_seed):
    return np.random.default_rng([run_seed, 201]).normal(scale=10, size=(4, 2, 3))


@register
class SigmoidHiddenShapes(Check):
    """sigmoid keeps the shape of 3-D (non-contiguous) inputs, handles a number and integers."""

    name = "sigmoid_hidden_shapes"
    fresh = True

    def probe(self, sigmoid, run_seed=0):
        z3 = _cube(run_seed).transpose(1, 2, 0)
        return {"cube": sigmoid(z3), "number": sigmoid(0.75),
                "ints": sigmoid(np.array([-3, 0, 3]))}

    def judge(self, seen, run_seed=0):
        z3 = _cube(run_seed).transpose(1, 2, 0)
        return first_failure(
            compare("sigmoid of a (2, 3, 4) array (a transposed view)", seen["cube"],
                    reference_sigmoid(z3)),
            compare("sigmoid(0.75)", seen["number"], reference_sigmoid(0.75)),
            compare("sigmoid of an int array", seen["ints"],
                    reference_sigmoid(np.array([-3.0, 0.0, 3.0]))))


def _neuron_hidden_inputs(run_seed):
    rng = np.random.default_rng([run_seed, 202])
    return rng.normal(size=(1, 4)), rng.normal(size=8)[::2], float(rng.normal())


@register
class NeuronBatchOfOne(Check):
    """neuron on a (1, D) batch returns shape (1,); tanh activation and strided w honoured."""

    name = "neuron_hidden_batch_of_one"
    fresh = True

    def probe(self, neuron, run_seed=0):
        X, w, b = _neuron_hidden_inputs(run_seed)
        return {"out": neuron(X, w, b, activation=np.tanh)}

    def judge(self, seen, run_seed=0):
        X, w, b = _neuron_hidden_inputs(run_seed)
        return compare("neuron(X (1, 4), w (a strided view), b, activation=np.tanh)",
                       seen["out"], np.tanh(X @ w + b))


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
            w = np.asarray(w, dtype=np.float64)
            b = np.asarray(b, dtype=np.float64).reshape(-1)
            if w.shape != (2,) or b.size != 1:
                return Verdict.fail(f"{gate.upper()}: expected w of shape (2,) and one bias.")
            out = reference_sigmoid(INPUTS_2 @ w + float(b[0]))
            verdict = compare(f"{gate.upper()} outputs", out, TRUTH[gate], atol=0.01, rtol=0)
            if not verdict.passed:
                return Verdict.fail(verdict.message + " (after the caller modified an earlier "
                                    "result: return a new array each call)")
        return Verdict.ok()


def _xor_rows(run_seed):
    rng = np.random.default_rng([run_seed, 203])
    return [int(r) for r in rng.integers(0, 4, size=int(rng.integers(5, 21)))]


@register
class XorRepeatedRows(Check):
    """xor_network on random rows with repeats (a strided view) and on one row: shape (N,)."""

    name = "xor_network_hidden_repeated_rows"
    fresh = True
    rules = XOR_RULES

    def probe(self, xor_network, run_seed=0):
        rows = _xor_rows(run_seed)
        return {"out": xor_network(strided(INPUTS_2[rows])),
                "one": xor_network(INPUTS_2[rows[:1]].copy())}

    def judge(self, seen, run_seed=0):
        rows = _xor_rows(run_seed)
        return first_failure(
            _xor_verdict(f"xor_network on {len(rows)} rows", seen["out"], TRUTH["xor"][rows]),
            _xor_verdict("xor_network on a batch of one row", seen["one"],
                         TRUTH["xor"][rows[:1]]))


@register
class XorHiddenBuiltFrom(Check):
    """xor_network follows its neurons and gate weights on a random batch of rows."""

    name = "xor_network_hidden_built_from"
    fresh = True
    rules = XOR_RULES

    def probe(self, xor_network, run_seed=0):
        return probe_built_from(xor_network, INPUTS_2[_xor_rows(run_seed)])

    def judge(self, seen, run_seed=0):
        return judge_built_from(seen, _xor_rows(run_seed))


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


def _judge_replay(name, seen, X, t, lr, max_epochs) -> Verdict:
    w, b, mistakes = replay_perceptron(X, t, lr, max_epochs)
    got = [int(m) for m in np.asarray(seen["mistakes"]).reshape(-1)]
    if got != mistakes:
        return Verdict.fail(f"{name}: mistakes per epoch {got}, expected {mistakes}.",
                            "Section 4: the step unit fires only for a strictly positive "
                            "sum; examples are visited in their order; w and b change after "
                            "every example.")
    return first_failure(compare(f"{name}: final w", seen["w"], w),
                         compare(f"{name}: final b", np.squeeze(seen["b"]), b))


@register
class PerceptronReplay(Check):
    """perceptron_train follows the rule exactly: same weights and mistakes as a replay."""

    name = "perceptron_replay"

    def probe(self, perceptron_train, gate="and", lr=1.0, max_epochs=100):
        w, b, mistakes = perceptron_train(INPUTS_2.copy(), TRUTH[gate].copy(), lr=lr,
                                          max_epochs=max_epochs)
        return {"w": w, "b": b, "mistakes": mistakes}

    def judge(self, seen, gate="and", lr=1.0, max_epochs=100):
        return _judge_replay(f"perceptron_train on {gate.upper()} (lr={lr})", seen, INPUTS_2,
                             TRUTH[gate], lr, max_epochs)


def _shuffled_task(run_seed):
    rng = np.random.default_rng([run_seed, 204])
    gate = ["and", "or", "nand"][int(rng.integers(3))]
    rows = rng.permutation(4)
    X = np.repeat(INPUTS_2[rows], 2, axis=0)  # each example twice in a row
    lr = float(rng.choice([0.25, 0.5, 2.0]))
    return gate, X, np.repeat(TRUTH[gate][rows], 2), lr


@register
class PerceptronShuffled(Check):
    """perceptron_train replays exactly on shuffled, repeated examples and a random lr."""

    name = "perceptron_hidden_shuffled"
    fresh = True

    def probe(self, perceptron_train, run_seed=0):
        gate, X, t, lr = _shuffled_task(run_seed)
        w, b, mistakes = perceptron_train(strided(X), strided(t[:, None])[:, 0], lr=lr,
                                          max_epochs=50)
        return {"w": w, "b": b, "mistakes": mistakes}

    def judge(self, seen, run_seed=0):
        gate, X, t, lr = _shuffled_task(run_seed)
        return _judge_replay(f"perceptron_train on {gate.upper()} with shuffled, repeated "
                             f"examples (lr={lr})", seen, X, t, lr, 50)


@register
class CountParametersHidden(Check):
    """count_parameters on deeper, wider and minimal networks."""

    name = "count_parameters_hidden"
    CASES = ([784, 256, 128, 10], [1, 1], [3, 7, 7, 7, 7, 1])

    def probe(self, count_parameters):
        return {"counts": [count_parameters(list(d)) for d in self.CASES]}

    def judge(self, seen):
        for dims, got in zip(self.CASES, seen["counts"]):
            if got != torch_parameter_count(dims):
                return Verdict.fail(f"count_parameters({dims}) returned {got!r}, expected "
                                    f"{torch_parameter_count(dims)}.")
        return Verdict.ok()


@register
class InitMlpLayersDiffer(Check):
    """init_mlp on a deeper net: each layer drawn afresh, scaled by its fan-in, from rng."""

    name = "init_mlp_hidden_layers_differ"
    fresh = True
    DIMS = [120, 120, 120, 30]

    def probe(self, init_mlp, run_seed=0):
        return probe_init(init_mlp, self.DIMS, [run_seed, 205])

    def judge(self, seen, run_seed=0):
        return judge_init(seen, self.DIMS)


def _activation_task(run_seed):
    rng = np.random.default_rng([run_seed, 206])
    dims = [5, int(rng.integers(3, 10)), int(rng.integers(3, 10)), 4]
    weights, biases = strided_mlp(dims, [run_seed, 207])
    single_w, single_b = strided_mlp([5, 2], [run_seed, 208])
    X = rng.normal(size=(6, 5)).T.copy().T  # Fortran order: non-contiguous rows
    return X, weights, biases, single_w, single_b


@register
class MlpForwardActivation(Check):
    """mlp_forward uses the given activation (relu, sigmoid) and handles one layer."""

    name = "mlp_forward_hidden_activation"
    fresh = True

    def probe(self, mlp_forward, run_seed=0):
        X, weights, biases, single_w, single_b = _activation_task(run_seed)
        return {"relu": mlp_forward(X, weights, biases, activation=lambda z: np.maximum(z, 0)),
                "sigmoid": mlp_forward(X, weights, biases,
                                       activation=lambda z: 1 / (1 + np.exp(-z))),
                "single": mlp_forward(X, single_w, single_b)}

    def judge(self, seen, run_seed=0):
        X, weights, biases, single_w, single_b = _activation_task(run_seed)
        return first_failure(
            compare("mlp_forward with relu", seen["relu"],
                    reference_scores(X, weights, biases, "relu")),
            compare("mlp_forward with sigmoid", seen["sigmoid"],
                    reference_scores(X, weights, biases, "sigmoid")),
            compare("mlp_forward with a single layer (no hidden layer)", seen["single"],
                    reference_scores(X, single_w, single_b)))


def _collapse_task(run_seed, square: bool):
    rng = np.random.default_rng([run_seed, 209, int(square)])
    depth = int(rng.integers(2, 6))
    dims = [int(rng.integers(2, 7))] * (depth + 1) if square else \
        [int(d) for d in rng.integers(1, 7, size=depth + 1)]
    weights, biases = strided_mlp(dims, [run_seed, 210, int(square)])
    X = rng.normal(size=(5, dims[0]))
    return dims, weights, biases, X


@register
class CollapseLinearHidden(Check):
    """collapse_linear on random stacks (strided, square layers), inputs left unchanged."""

    name = "collapse_linear_hidden_fresh"
    fresh = True

    def probe(self, collapse_linear, run_seed=0):
        seen = {}
        for square in (False, True):
            _, weights, biases, _ = _collapse_task(run_seed, square)
            result = collapse_linear(weights, biases)
            seen["square" if square else "mixed"] = {
                "result": list(result) if isinstance(result, tuple | list) else result,
                "weights_after": list(weights), "biases_after": list(biases)}
        return seen

    def judge(self, seen, run_seed=0):
        for square in (False, True):
            dims, weights, biases, X = _collapse_task(run_seed, square)
            part = seen["square" if square else "mixed"]
            name = f"collapse_linear on dims {dims}"
            after = [np.asarray(a) for a in part["weights_after"] + part["biases_after"]]
            if any(not np.array_equal(a, e) for a, e in zip(after, weights + biases)):
                return Verdict.fail(f"{name} changed the weights or biases it was given.",
                                    "Work on new arrays: an in-place operation (+=, @=, "
                                    "out=) on an input changes the caller's network.")
            verdict = judge_collapse(name, part, weights, biases, X)
            if not verdict.passed:
                return verdict
        return Verdict.ok()
