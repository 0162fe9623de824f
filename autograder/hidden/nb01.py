"""Hidden checks for 01_neuron_and_xor (instructor only; never in the student's notebook).

Every check with random inputs is ``fresh``: its inputs come from the grading run's secret
seed, so outputs seen in one run are of no use in the next.
"""

from __future__ import annotations

import contextlib

import numpy as np
from nncourse import oracle
from nncourse.checking import Check, register
from nncourse.checks.nb01 import (
    COLLAPSE_RULES,
    FORWARD_ACTIVATION_HINTS,
    FORWARD_HINTS,
    GATE_FORM_HINTS,
    NEURON_HINTS,
    REPLAY_HINTS,
    SIGMOID_HINTS,
    SIGMOID_INT_HINTS,
    SIGMOID_RULES,
    XOR_RULES,
    _xor_verdict,
    judge_built_from,
    judge_collapse,
    judge_counts,
    judge_from_neurons,
    judge_init,
    kept_inputs,
    probe_built_from,
    probe_init,
    run_perceptron,
    run_watched,
    strided,
    strided_mlp,
)
from nncourse.compare import compare
from nncourse.data import BOOLEAN_INPUTS, TRUTH_TABLES, boolean_data
from nncourse.verdict import Verdict, first_failure


@register
class SigmoidHiddenShapes(Check):
    """Your sigmoid keeps the shape of a 3-D transposed array and accepts a number and integers."""

    name = "sigmoid_hidden_shapes"
    rules = SIGMOID_RULES
    fresh = True
    LABELS = {"cube": "sigmoid of a (2, 3, 4) array (a transposed view)",
              "number": "sigmoid(0.75)", "ints": "sigmoid of an int array"}

    def inputs(self, run_seed=0):
        cube = np.random.default_rng([run_seed, 201]).normal(scale=10, size=(4, 2, 3))
        return {"cube": cube.transpose(1, 2, 0), "number": 0.75, "ints": np.array([-3, 0, 3])}

    def probe(self, sigmoid, **args):
        return {key: sigmoid(z) for key, z in self.inputs(**args).items()}

    def judge(self, seen, **args):
        return first_failure(*(compare(self.LABELS[key], seen[key], oracle.sigmoid(z),
                                       hints=SIGMOID_INT_HINTS if key == "ints" else
                                       SIGMOID_HINTS)
                               for key, z in self.inputs(**args).items()))


@register
class NeuronBatchOfOne(Check):
    """Your neuron returns shape (1,) for a batch of one row, with tanh and a strided w."""

    name = "neuron_hidden_batch_of_one"
    fresh = True

    def inputs(self, run_seed=0):
        rng = np.random.default_rng([run_seed, 202])
        return {"X": rng.normal(size=(1, 4)), "w": rng.normal(size=8)[::2],
                "b": float(rng.normal())}

    def probe(self, neuron, **args):
        return {"out": neuron(*self.inputs(**args).values(), activation=np.tanh)}

    def judge(self, seen, **args):
        X, w, b = self.inputs(**args).values()
        return compare("neuron(X (1, 4), w (a strided view), b, activation=np.tanh)",
                       seen["out"], np.tanh(X @ w + b), hints=NEURON_HINTS[::-1])


FRESH_RESULT_HINTS = (
    "A caller that changes the w it got must not change what the next call returns: is w "
    "one array kept between calls?",
    "Call logic_gate_weights('and') twice, change the first result (w[0] = 99.0), and print "
    "the second: does it show your change?")


@register
class LogicGatesMargin(Check):
    """Your logic_gate_weights returns new arrays: changing one result leaves the next intact."""

    name = "logic_gates_hidden_margin"

    def probe(self, logic_gate_weights):
        w, _ = logic_gate_weights("and")
        with contextlib.suppress(TypeError, ValueError):
            w[...] = 0.0  # the caller changes the weights it was given
        return {gate: list(logic_gate_weights(gate)) for gate in ("and", "or", "nand")}

    def judge(self, seen):
        for gate in ("and", "or", "nand"):
            w, b = seen[gate]
            w = np.asarray(w, dtype=np.float64)
            b = np.asarray(b, dtype=np.float64).reshape(-1)
            if w.shape != (2,) or b.size != 1:
                return Verdict.fail(f"{gate.upper()}: expected w of shape (2,) and one bias.",
                                    *GATE_FORM_HINTS)
            verdict = compare(f"{gate.upper()} outputs", oracle.sigmoid(BOOLEAN_INPUTS @ w + b[0]),
                              TRUTH_TABLES[gate], atol=0.01, rtol=0, hints=FRESH_RESULT_HINTS)
            if not verdict.passed:
                return Verdict.fail(verdict.message + " (after the caller modified an earlier "
                                    "result: return a new array each call)", *FRESH_RESULT_HINTS)
        return Verdict.ok()


def _xor_rows(run_seed):
    rng = np.random.default_rng([run_seed, 203])
    return [int(r) for r in rng.integers(0, 4, size=int(rng.integers(5, 21)))]


@register
class XorRepeatedRows(Check):
    """Your xor_network is right on random repeated rows (a strided view) and on one row."""

    name = "xor_network_hidden_repeated_rows"
    fresh = True
    rules = XOR_RULES

    def probe(self, xor_network, run_seed=0):
        rows = _xor_rows(run_seed)
        return {"out": run_watched(xor_network, strided(BOOLEAN_INPUTS[rows])),
                "one": run_watched(xor_network, BOOLEAN_INPUTS[rows[:1]])}

    def judge(self, seen, run_seed=0):
        rows = _xor_rows(run_seed)
        many, one = f"xor_network on {len(rows)} rows", "xor_network on a batch of one row"
        return first_failure(
            _xor_verdict(many, seen["out"]["out"], TRUTH_TABLES["xor"][rows]),
            _xor_verdict(one, seen["one"]["out"], TRUTH_TABLES["xor"][rows[:1]]),
            judge_from_neurons(many, seen["out"]), judge_from_neurons(one, seen["one"]))


@register
class XorHiddenBuiltFrom(Check):
    """Your xor_network follows your neuron and logic_gate_weights on a random batch of rows."""

    name = "xor_network_hidden_built_from"
    fresh = True
    rules = XOR_RULES

    def probe(self, xor_network, run_seed=0):
        return probe_built_from(xor_network, BOOLEAN_INPUTS[_xor_rows(run_seed)])

    def judge(self, seen, run_seed=0):
        return judge_built_from(seen, _xor_rows(run_seed))


def replay_perceptron(X, t, lr, max_epochs):
    """The rule exactly as stated: step unit, examples in order, zeros to start."""
    w, b, mistakes = np.zeros(X.shape[1]), 0.0, []
    for _ in range(max_epochs):
        count = 0
        for x_i, t_i in zip(X, t, strict=True):
            o = 1.0 if x_i @ w + b > 0 else 0.0
            count += int(o != t_i)
            w, b = w + lr * (t_i - o) * x_i, b + lr * (t_i - o)
        mistakes.append(count)
        if count == 0:
            break
    return w, b, mistakes


def replay_at_zero(X, t, lr, max_epochs):
    """The rule with a unit that also fires at a sum of exactly 0 (``>= 0``): a mistake
    named by its own message."""
    w, b, mistakes = np.zeros(X.shape[1]), 0.0, []
    for _ in range(max_epochs):
        count = 0
        for x_i, t_i in zip(X, t, strict=True):
            o = 1.0 if x_i @ w + b >= 0 else 0.0
            count += int(o != t_i)
            w, b = w + lr * (t_i - o) * x_i, b + lr * (t_i - o)
        mistakes.append(count)
        if count == 0:
            break
    return mistakes


def _judge_replay(name, seen, X, t, lr, max_epochs) -> Verdict:
    w, b, mistakes = replay_perceptron(X, t, lr, max_epochs)
    got = [int(m) for m in np.asarray(seen["mistakes"]).reshape(-1)]
    if got != mistakes and got == replay_at_zero(X, t, lr, max_epochs):
        return Verdict.fail(f"{name}: mistakes per epoch {got}, expected {mistakes}: your "
                            "step unit fires at a sum of exactly 0.",
                            "The step unit's threshold: o = 1 only when w . x + b > 0; a sum "
                            "of exactly 0 (as at the start, with w and b zero) gives o = 0.",
                            REPLAY_HINTS[0])
    if got != mistakes:
        return Verdict.fail(f"{name}: mistakes per epoch {got}, expected {mistakes}.",
                            "Section 4: the step unit fires only for a strictly positive "
                            "sum; examples are visited in their order; w and b change after "
                            "every example.", REPLAY_HINTS[0])
    return first_failure(compare(f"{name}: final w", seen["w"], w, hints=REPLAY_HINTS),
                         compare(f"{name}: final b", np.squeeze(seen["b"]), b,
                                 hints=REPLAY_HINTS))


@register
class PerceptronReplay(Check):
    """Your perceptron_train follows the rule exactly: the same weights and mistakes as a replay."""

    name = "perceptron_replay"
    defaults = {"gate": "and", "lr": 1.0, "max_epochs": 100}

    def probe(self, perceptron_train, gate, lr, max_epochs):
        return run_perceptron(perceptron_train, *boolean_data(gate), lr=lr, max_epochs=max_epochs)

    def judge(self, seen, gate, lr, max_epochs):
        return _judge_replay(f"perceptron_train on {gate.upper()} (lr={lr})", seen,
                             *boolean_data(gate), lr, max_epochs)


@register
class PerceptronShuffled(Check):
    """Your perceptron_train replays exactly on shuffled, repeated examples with a random lr."""

    name = "perceptron_hidden_shuffled"
    fresh = True

    def inputs(self, run_seed=0):
        rng = np.random.default_rng([run_seed, 204])
        gate = ["and", "or", "nand"][int(rng.integers(3))]
        rows = rng.permutation(4)
        return {"gate": gate, "X": np.repeat(BOOLEAN_INPUTS[rows], 2, axis=0),  # each twice
                "t": np.repeat(TRUTH_TABLES[gate][rows], 2),
                "lr": float(rng.choice([0.25, 0.5, 2.0]))}

    def probe(self, perceptron_train, **args):
        _, X, t, lr = self.inputs(**args).values()
        return run_perceptron(perceptron_train, strided(X), strided(t[:, None])[:, 0], lr=lr,
                              max_epochs=50)

    def judge(self, seen, **args):
        gate, X, t, lr = self.inputs(**args).values()
        return _judge_replay(f"perceptron_train on {gate.upper()} with shuffled, repeated "
                             f"examples (lr={lr})", seen, X, t, lr, 50)


@register
class CountParametersHidden(Check):
    """Your count_parameters is right for deeper, wider and minimal networks."""

    name = "count_parameters_hidden"
    CASES = ([784, 256, 128, 10], [1, 1], [3, 7, 7, 7, 7, 1])

    def probe(self, count_parameters):
        return {"counts": [count_parameters(list(d)) for d in self.CASES]}

    def judge(self, seen):
        return judge_counts(self.CASES, seen["counts"])


@register
class InitMlpLayersDiffer(Check):
    """Your init_mlp draws each layer of a deeper net afresh from rng, scaled by its fan-in."""

    name = "init_mlp_hidden_layers_differ"
    fresh = True
    DIMS = [120, 120, 120, 30]

    def probe(self, init_mlp, run_seed=0):
        return probe_init(init_mlp, self.DIMS, [run_seed, 205])

    def judge(self, seen, run_seed=0):
        return judge_init(seen, self.DIMS)


@register
class MlpForwardActivation(Check):
    """Your mlp_forward uses the activation it is given (relu, sigmoid) and handles one layer."""

    name = "mlp_forward_hidden_activation"
    fresh = True
    CASES = {"relu": (lambda z: np.maximum(z, 0), "relu", "mlp_forward with relu"),
             "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), "sigmoid", "mlp_forward with sigmoid"),
             "single": (None, "tanh", "mlp_forward with a single layer (no hidden layer)")}

    def inputs(self, run_seed=0):
        """X, then (weights, biases) of a 3-layer net and of a single layer."""
        rng = np.random.default_rng([run_seed, 206])
        dims = [5, int(rng.integers(3, 10)), int(rng.integers(3, 10)), 4]
        deep = strided_mlp(dims, [run_seed, 207])
        single = strided_mlp([5, 2], [run_seed, 208])
        X = rng.normal(size=(6, 5)).T.copy().T  # Fortran order: non-contiguous rows
        return {"X": X, "relu": deep, "sigmoid": deep, "single": single}

    def probe(self, mlp_forward, **args):
        inputs = self.inputs(**args)
        return {key: mlp_forward(inputs["X"], *inputs[key], **(
                    {"activation": activation} if activation else {}))
                for key, (activation, _, _) in self.CASES.items()}

    def judge(self, seen, **args):
        inputs = self.inputs(**args)
        return first_failure(*(
            compare(label, seen[key], oracle.network_scores(inputs["X"], *inputs[key], name),
                    hints=FORWARD_HINTS if key == "single" else FORWARD_ACTIVATION_HINTS)
            for key, (_, name, label) in self.CASES.items()))


def _labelled(weights, biases) -> dict:
    return {f"{name}[{i}]": a for name, arrays in (("weights", weights), ("biases", biases))
            for i, a in enumerate(arrays)}


@register
class CollapseLinearHidden(Check):
    """Your collapse_linear is right on random strided stacks and leaves its inputs unchanged."""

    name = "collapse_linear_hidden_fresh"
    rules = COLLAPSE_RULES
    fresh = True

    def inputs(self, run_seed=0):
        """{"mixed" / "square": (dims, weights, biases)}: random stacks of strided layers."""
        stacks = {}
        for square in (False, True):
            rng = np.random.default_rng([run_seed, 209, int(square)])
            depth = int(rng.integers(2, 6))
            dims = [int(rng.integers(2, 7))] * (depth + 1) if square else \
                [int(d) for d in rng.integers(1, 7, size=depth + 1)]
            stacks["square" if square else "mixed"] = (
                dims, *strided_mlp(dims, [run_seed, 210, int(square)]))
        return stacks

    def probe(self, collapse_linear, **args):
        seen = {}
        for key, (_, weights, biases) in self.inputs(**args).items():
            result = collapse_linear(weights, biases)  # the probe's own arrays: no copies
            seen[key] = {"result": list(result) if isinstance(result, tuple | list) else result,
                         "after": _labelled(weights, biases)}
        return seen

    def judge(self, seen, **args):
        for key, (dims, weights, biases) in self.inputs(**args).items():
            name = f"collapse_linear on dims {dims}"
            verdict = first_failure(
                kept_inputs(name, _labelled(weights, biases), seen[key]["after"]),
                judge_collapse(name, seen[key], weights, biases))
            if not verdict.passed:
                return verdict
        return Verdict.ok()
