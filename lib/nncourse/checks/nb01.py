"""Visible checks for 01_neuron_and_xor: sigmoid, the neuron, gates, XOR, perceptron, MLP."""

from __future__ import annotations

import numpy as np

from nncourse.checking import Check, register
from nncourse.compare import compare, describe
from nncourse.verdict import Verdict, first_failure

INPUTS_2 = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TRUTH = {
    "and": np.array([0.0, 0.0, 0.0, 1.0]),
    "or": np.array([0.0, 1.0, 1.0, 1.0]),
    "nand": np.array([1.0, 1.0, 1.0, 0.0]),
    "xor": np.array([0.0, 1.0, 1.0, 0.0]),
}


def reference_sigmoid(z: np.ndarray) -> np.ndarray:
    """torch's sigmoid: the oracle for every sigmoid-based expectation."""
    import torch

    return torch.sigmoid(torch.as_tensor(np.asarray(z, dtype=np.float64))).numpy()


def reference_mlp(X, weights, biases, activation: str = "tanh") -> np.ndarray:
    """Forward pass computed by torch: ``activation`` after every hidden layer only."""
    import torch

    act = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu}[activation]
    h = torch.as_tensor(np.asarray(X, dtype=np.float64))
    for i, (W, b) in enumerate(zip(weights, biases)):
        h = h @ torch.as_tensor(W) + torch.as_tensor(b)
        if i < len(weights) - 1:
            h = act(h)
    return h.numpy()


def random_mlp(dims, seed):
    """Weights and biases for a probe: (dims[i], dims[i+1]) and (dims[i+1],)."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(a, b)) / np.sqrt(a) for a, b in zip(dims[:-1], dims[1:])]
    biases = [rng.normal(size=b) for b in dims[1:]]
    return weights, biases


def expected_parameter_count(dims) -> int:
    return int(sum(a * b + b for a, b in zip(dims[:-1], dims[1:])))


@register
class SigmoidValues(Check):
    """sigmoid matches torch.sigmoid on a 1-D grid and elementwise on a 2-D array."""

    name = "sigmoid_values"

    def probe(self, sigmoid, seed=0):
        z2 = np.random.default_rng(seed).normal(scale=4.0, size=(3, 5))
        return {"grid": sigmoid(np.linspace(-8, 8, 33)), "matrix": sigmoid(z2)}

    def judge(self, seen, seed=0):
        z2 = np.random.default_rng(seed).normal(scale=4.0, size=(3, 5))
        return first_failure(
            compare("sigmoid(np.linspace(-8, 8, 33))", seen["grid"],
                    reference_sigmoid(np.linspace(-8, 8, 33)),
                    hints=("sigmoid(z) = 1 / (1 + exp(-z)), applied to every entry.",)),
            compare("sigmoid of a (3, 5) array", seen["matrix"], reference_sigmoid(z2)))


@register
class SigmoidStable(Check):
    """sigmoid is finite and warning-free at z = -1000 and z = 1000."""

    name = "sigmoid_stable"
    warnings_fail = True

    def probe(self, sigmoid):
        return {"out": sigmoid(np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0]))}

    def judge(self, seen):
        return compare("sigmoid([-1000, -30, 0, 30, 1000])", seen["out"],
                       reference_sigmoid(np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])),
                       atol=1e-12,
                       hints=("For z < 0 use the equivalent form exp(z) / (1 + exp(z)), "
                              "which never computes exp of a large positive number.",))


@register
class NeuronValues(Check):
    """neuron computes activation(x @ w + b) for one example (D,) and a batch (N, D)."""

    name = "neuron_values"

    def probe(self, neuron, seed=1):
        rng = np.random.default_rng(seed)
        x, X, w = rng.normal(size=3), rng.normal(size=(4, 3)), rng.normal(size=3)
        return {"one": neuron(x, w, 0.5), "batch": neuron(X, w, -0.25),
                "linear": neuron(X, w, 2.0, activation=lambda z: z)}

    def judge(self, seen, seed=1):
        rng = np.random.default_rng(seed)
        x, X, w = rng.normal(size=3), rng.normal(size=(4, 3)), rng.normal(size=3)
        hints = ("A neuron adds the bias to the weighted sum x @ w, then applies the "
                 "activation.",)
        return first_failure(
            compare("neuron(x, w, 0.5) for x of shape (3,)", seen["one"],
                    reference_sigmoid(x @ w + 0.5), hints=hints),
            compare("neuron(X, w, -0.25) for X of shape (4, 3)", seen["batch"],
                    reference_sigmoid(X @ w - 0.25), hints=hints),
            compare("neuron(X, w, 2.0, activation=identity)", seen["linear"], X @ w + 2.0,
                    hints=("Use the `activation` argument instead of always calling "
                           "sigmoid.",)))


@register
class LogicGates(Check):
    """one sigmoid neuron with your weights reproduces AND, OR and NAND within 0.01."""

    name = "logic_gates"

    def probe(self, logic_gate_weights):
        seen = {}
        for gate in ("and", "or", "nand"):
            w, b = logic_gate_weights(gate)
            seen[gate] = {"w": w, "b": b}
        try:
            logic_gate_weights("xor")
            seen["unknown"] = "returned"
        except ValueError:
            seen["unknown"] = "ValueError"
        except Exception as error:
            seen["unknown"] = type(error).__name__
        return seen

    def judge(self, seen):
        for gate in ("and", "or", "nand"):
            w = np.asarray(seen[gate]["w"], dtype=np.float64)
            if w.shape != (2,):
                return Verdict.fail(f"logic_gate_weights({gate!r}) returned w of shape "
                                    f"{w.shape}, expected (2,): one weight per input.")
            out = reference_sigmoid(INPUTS_2 @ w + float(np.squeeze(seen[gate]["b"])))
            verdict = compare(f"the {gate.upper()} neuron's outputs on (0,0), (0,1), (1,0), "
                              "(1,1)", out, TRUTH[gate], atol=0.01, rtol=0.0,
                              hints=("Outputs near 0 or 1 need |x @ w + b| > 4.6 on every "
                                     "input: scale the weights and bias up.",
                                     "AND: w = (20, 20), b between -40 + 5 and -20 - 5."))
            if not verdict.passed:
                return verdict
        if seen["unknown"] != "ValueError":
            return Verdict.fail(f"logic_gate_weights('xor') should raise ValueError (no "
                                f"single neuron computes XOR); it {seen['unknown']}.")
        return Verdict.ok()


@register
class XorNetwork(Check):
    """xor_network returns XOR of each row, within 0.01, on float inputs in any order."""

    name = "xor_network_truth"

    def probe(self, xor_network, order=(0, 1, 2, 3)):
        return {"out": xor_network(INPUTS_2[list(order)].copy())}

    def judge(self, seen, order=(0, 1, 2, 3)):
        out = np.asarray(seen["out"], dtype=np.float64)
        expected = TRUTH["xor"][list(order)]
        if out.size != expected.size:
            return Verdict.fail(f"xor_network returned {describe(out)}; expected one output "
                                f"per row, shape ({expected.size},).")
        return compare("xor_network on the four inputs", out.reshape(-1), expected,
                       atol=0.01, rtol=0.0,
                       hints=("XOR(p, q) = AND(OR(p, q), NAND(p, q)): two hidden neurons, "
                              "then one output neuron fed with their outputs.",))


def _perceptron_judge(name, seen, targets, separable: bool, max_epochs: int) -> Verdict:
    mistakes = seen["mistakes"]
    if not isinstance(mistakes, list | np.ndarray):
        return Verdict.fail(f"{name}: mistakes should be a list of counts, got "
                            f"{describe(mistakes)}.")
    mistakes = [int(m) for m in np.asarray(mistakes).reshape(-1)]
    w = np.asarray(seen["w"], dtype=np.float64)
    b = float(np.squeeze(seen["b"]))
    if w.shape != (2,):
        return Verdict.fail(f"{name}: w has shape {w.shape}, expected (2,).")
    if not mistakes:
        return Verdict.fail(f"{name}: mistakes is empty; it needs one count per epoch run.")
    if separable:
        predictions = (INPUTS_2 @ w + b > 0).astype(float)
        if mistakes[-1] != 0 or any(m == 0 for m in mistakes[:-1]):
            return Verdict.fail(
                f"{name}: mistakes per epoch were {mistakes}; training should stop right "
                "after the first epoch with 0 mistakes.",
                "Count the mistakes of one epoch from 0, and break out of the epoch loop when "
                "the count is 0.")
        if not np.array_equal(predictions, targets):
            return Verdict.fail(
                f"{name}: the final step unit predicts {predictions.tolist()}, targets are "
                f"{targets.tolist()}, although the last epoch counted no mistake.",
                "Update w and b whenever t - o is not 0: w += lr * (t - o) * x, "
                "b += lr * (t - o).")
        return Verdict.ok()
    if len(mistakes) != max_epochs or min(mistakes) == 0:
        return Verdict.fail(
            f"{name}: on XOR mistakes per epoch were {mistakes}; expected {max_epochs} epochs, "
            "each with at least one mistake (no line separates XOR).")
    return Verdict.ok()


@register
class PerceptronSeparable(Check):
    """perceptron_train learns AND and OR, stopping after the first mistake-free epoch."""

    name = "perceptron_separable"

    def probe(self, perceptron_train):
        seen = {}
        for gate in ("and", "or"):
            w, b, mistakes = perceptron_train(INPUTS_2.copy(), TRUTH[gate].copy())
            seen[gate] = {"w": w, "b": b, "mistakes": mistakes}
        return seen

    def judge(self, seen):
        return first_failure(*(
            _perceptron_judge(f"perceptron_train on {gate.upper()}", seen[gate], TRUTH[gate],
                              True, 100) for gate in ("and", "or")))


@register
class PerceptronXor(Check):
    """perceptron_train never reaches zero mistakes on XOR and runs all max_epochs."""

    name = "perceptron_xor"

    def probe(self, perceptron_train, max_epochs=25):
        w, b, mistakes = perceptron_train(INPUTS_2.copy(), TRUTH["xor"].copy(),
                                          max_epochs=max_epochs)
        return {"w": w, "b": b, "mistakes": mistakes}

    def judge(self, seen, max_epochs=25):
        return _perceptron_judge("perceptron_train on XOR", seen, TRUTH["xor"], False,
                                 max_epochs)


@register
class CountParameters(Check):
    """count_parameters counts weights and biases: [5, 3, 3, 2] has 38."""

    name = "count_parameters_values"
    CASES = ([5, 3, 3, 2], [2, 2, 1], [64, 32, 10])

    def probe(self, count_parameters):
        return {"counts": [count_parameters(list(dims)) for dims in self.CASES]}

    def judge(self, seen):
        for dims, got in zip(self.CASES, seen["counts"]):
            expected = expected_parameter_count(dims)
            if got != expected:
                weights = expected_parameter_count(dims) - sum(dims[1:])
                hint = ("That is the number of weights alone: every unit of a layer also has "
                        "a bias." if got == weights else
                        "Layer i has dims[i] * dims[i+1] weights and dims[i+1] biases.")
                return Verdict.fail(f"count_parameters({dims}) returned {got!r}, expected "
                                    f"{expected}.", hint)
        return Verdict.ok()


@register
class InitMlp(Check):
    """init_mlp gives W_i of shape (dims[i], dims[i+1]) with std 1/sqrt(dims[i]), zero biases."""

    name = "init_mlp_shapes_and_scale"

    def probe(self, init_mlp, seed=0):
        small = init_mlp([5, 3, 3, 2], np.random.default_rng(seed))
        big = init_mlp([400, 300, 50], np.random.default_rng(seed))
        again = init_mlp([400, 300, 50], np.random.default_rng(seed))
        return {
            "small_shapes": [[list(np.shape(W)) for W in small[0]],
                             [list(np.shape(b)) for b in small[1]]],
            "std": [float(np.std(W)) for W in big[0]],
            "mean": [float(np.mean(W)) for W in big[0]],
            "bias_max": float(max(np.max(np.abs(b)) for b in big[1])),
            "repeatable": all(np.array_equal(a, b) for a, b in zip(big[0], again[0])),
        }

    def judge(self, seen, seed=0):
        expected_shapes = [[[5, 3], [3, 3], [3, 2]], [[3], [3], [2]]]
        if seen["small_shapes"] != expected_shapes:
            return Verdict.fail(
                f"init_mlp([5, 3, 3, 2]) gave weight shapes {seen['small_shapes'][0]} and bias "
                f"shapes {seen['small_shapes'][1]}; expected {expected_shapes[0]} and "
                f"{expected_shapes[1]}.",
                "W_i maps layer i to layer i+1: shape (dims[i], dims[i+1]); b_i is (dims[i+1],).")
        for fan_in, std in zip([400, 300], seen["std"]):
            target = 1 / np.sqrt(fan_in)
            if abs(std / target - 1) > 0.05:
                return Verdict.fail(
                    f"weights with fan-in {fan_in} have standard deviation {std:.4f}, expected "
                    f"{target:.4f} = 1/sqrt({fan_in}).",
                    "N(0, 1/fan_in) is a *variance* of 1/fan_in: the scale (standard "
                    "deviation) is its square root.")
        if max(abs(m) for m in seen["mean"]) > 0.01:
            return Verdict.fail(f"weight means are {seen['mean']}, expected about 0.")
        if seen["bias_max"] != 0.0:
            return Verdict.fail("biases should start at exactly zero.")
        if not seen["repeatable"]:
            return Verdict.fail("two calls with identically seeded rngs gave different weights.",
                                "Draw every random number from the `rng` argument "
                                "(rng.normal or rng.standard_normal), not np.random.")
        return Verdict.ok()


@register
class MlpForward(Check):
    """mlp_forward: activation after each hidden layer, raw scores out; matches torch."""

    name = "mlp_forward_values"

    def probe(self, mlp_forward, dims=(4, 6, 5, 3), n=7, seed=3):
        weights, biases = random_mlp(list(dims), seed)
        X = np.random.default_rng(seed + 1).normal(size=(n, dims[0]))
        return {"out": mlp_forward(X, weights, biases)}

    def judge(self, seen, dims=(4, 6, 5, 3), n=7, seed=3):
        weights, biases = random_mlp(list(dims), seed)
        X = np.random.default_rng(seed + 1).normal(size=(n, dims[0]))
        expected = reference_mlp(X, weights, biases)
        verdict = compare(f"mlp_forward on X {X.shape} with dims {list(dims)}", seen["out"],
                          expected, hints=("h = activation(h @ W + b) for the hidden layers; "
                                           "the last layer is h @ W + b with no activation.",))
        out = np.asarray(seen["out"], dtype=np.float64) if not verdict.passed else None
        if out is not None and out.shape == expected.shape and np.allclose(out, np.tanh(expected)):
            verdict.message += "\n  likely cause: tanh applied after the output layer too."
        return verdict
