"""Visible checks for 01_neuron_and_xor: sigmoid, the neuron, gates, XOR, perceptron, MLP,
and collapsing a stack of linear layers.

Probes draw inputs, call the student's function and return its raw outputs; judges (and only
judges) compute what was expected, with torch or a closed form as the oracle.
"""

from __future__ import annotations

import numpy as np

from nncourse import oracle
from nncourse.checking import Check, on_copies, register
from nncourse.compare import compare, describe, known_mistake, unchanged
from nncourse.data import BOOLEAN_INPUTS, TRUTH_TABLES, boolean_data
from nncourse.plain import to_plain
from nncourse.rules import RuleBroken, Rules, original, swapped
from nncourse.verdict import Verdict, first_failure

XOR_RULES = Rules(built_from=("neuron", "logic_gate_weights"))
COLLAPSE_RULES = Rules(forbidden_calls=("mlp_forward",))
SIGMOID_RULES = Rules(warning_free=True)

RULES = {
    # every graded function is numpy-only (applied to every probe automatically); these
    # have more: xor_network must compute its result through the student's own neurons, and
    # collapse_linear works out the map from the layers' arrays, not by running the stack
    "xor_network": XOR_RULES,
    "collapse_linear": COLLAPSE_RULES,
    "sigmoid": SIGMOID_RULES,
}
"""The contract's rules beyond numpy-only, per graded function (read by the grader)."""

XOR_BUILT_FROM = ("xor_network must be the network its docstring asks for, AND(OR, NAND) of "
                  "your gate neurons, computed with neuron() and logic_gate_weights()")
XOR_ASKED = ("The network asked for (the docstring, section 3): two hidden neurons, OR and "
             "NAND, each reading X; one output neuron, AND, reading their two outputs as they "
             "are; its output is the answer. Another network of gates, even one that computes "
             "XOR too, is not the one asked for.")


def _layer_draws(rng, dims) -> list:
    """Uniform draws for each layer i: (dims[i], dims[i+1]) entries and dims[i+1] more."""
    layers = []
    for i in range(len(dims) - 1):
        scale = 1.7 / np.sqrt(dims[i])  # uniform on +-1.7/sqrt(d_in): variance near 1/d_in
        layers.append((rng.uniform(-scale, scale, size=(dims[i + 1], dims[i])),
                       rng.uniform(-1.7, 1.7, size=2 * dims[i + 1])))
    return layers


def random_mlp(dims, seed):
    """Weights and biases for a probe: (dims[i], dims[i+1]) and (dims[i+1],)."""
    layers = _layer_draws(np.random.default_rng(seed), dims)
    return ([np.ascontiguousarray(w.T) for w, _ in layers],
            [np.array(b[: len(b) // 2]) for _, b in layers])


def strided_mlp(dims, seed):
    """Like :func:`random_mlp`, but every array is a non-contiguous view: each weight is the
    transpose of a stored matrix, each bias every other entry of a longer vector."""
    layers = _layer_draws(np.random.default_rng(seed), dims)
    return [w.T for w, _ in layers], [b[::2] for _, b in layers]


def strided(matrix: np.ndarray) -> np.ndarray:
    """The same values as ``matrix`` (2-D) in a non-contiguous view (every other column)."""
    wide = np.zeros((matrix.shape[0], 2 * matrix.shape[1]))
    wide[:, ::2] = matrix
    return wide[:, ::2]


def torch_parameter_count(dims) -> int:
    """What torch counts for ``nn.Linear`` layers of these sizes (judges only; no memory is
    allocated on the "meta" device)."""
    import torch

    net = torch.nn.Sequential(*(torch.nn.Linear(int(a), int(b), device="meta")
                                for a, b in zip(dims[:-1], dims[1:])))
    return int(sum(p.numel() for p in net.parameters()))


KEPT_HINTS = ("Compute into new arrays instead of assigning into the ones you were given: "
              "`a[...] = ...`, `a[i] = ...`, `a += ...` and `out=a` change the caller's array.",
              "Find the line that writes into an argument (or into an array you got from "
              "it without a copy, such as a list entry or np.asarray of it), and make it "
              "build a new array instead; the caller's data must be exactly as before the "
              "call.")


def kept_inputs(name: str, before, after) -> Verdict:
    """The one judge of "your function changed its input <name>", for every check of
    notebooks 01 and 02 whose function must leave its inputs as they were: ``before`` the
    inputs as the probe built them, ``after`` the same inputs after the call (from
    :func:`nncourse.checking.on_copies`), both an array or ``{name: array}``. Judged before
    the values, so a changed input is reported as that, not as the wrong values it causes."""
    verdict = unchanged(name, before, after, KEPT_HINTS[0])
    if not verdict.passed:
        verdict.hints = list(KEPT_HINTS)
    return verdict


# --- sigmoid ----------------------------------------------------------------------------

SIGMOID_HINTS = ("Compare your function, entry by entry, with the definition of the sigmoid "
                 "in section 1 (try sigma(0) = 0.5 and a few values by hand).",
                 "It must work elementwise on an array of any shape, including a view such "
                 "as z.T: use numpy's elementwise functions, no Python loop over a fixed "
                 "shape.")
SIGMOID_INT_HINTS = ("The same numbers as floats give the right values: what type of array "
                     "does your function fill in when it is handed integers?",
                     "An array made to match the input (np.empty_like, np.zeros_like, or "
                     "the input itself) has the input's dtype: an int array keeps only whole "
                     "numbers. The result must be a float array whatever the input's dtype.")


@register
class SigmoidValues(Check):
    """Your sigmoid is right on a grid, a transposed 2-D array and integers; z stays as it was."""

    name = "sigmoid_values"
    rules = SIGMOID_RULES
    fresh = True
    defaults = {"seed": 0}
    LABELS = {"grid": "sigmoid(np.linspace(-8, 8, 33))",
              "matrix": "sigmoid of a (3, 5) array (a transposed view)",
              "ints": "sigmoid(np.array([-3, 0, 3])) (an int array)"}

    def inputs(self, seed, run_seed=0):
        z = np.random.default_rng([[seed, run_seed], 101]).normal(scale=4.0, size=(5, 3))
        return {"grid": np.linspace(-8, 8, 33), "matrix": z.T, "ints": np.array([-3, 0, 3])}

    def probe(self, sigmoid, **args):
        seen = {key: on_copies(sigmoid, z) for key, z in self.inputs(**args).items()}
        return {"out": {key: out for key, (out, _) in seen.items()},
                "after": {key: after["0"] for key, (_, after) in seen.items()}}

    def judge(self, seen, **args):
        inputs = self.inputs(**args)
        return first_failure(
            *(kept_inputs(self.LABELS[key], {"z": z}, {"z": seen["after"][key]})
              for key, z in inputs.items()),
            *(compare(self.LABELS[key], seen["out"][key], oracle.sigmoid(z),
                      hints=SIGMOID_INT_HINTS if key == "ints" else SIGMOID_HINTS)
              for key, z in inputs.items()))


@register
class SigmoidStable(Check):
    """Your sigmoid stays finite and warning-free for very large inputs (z = -1000 and 1000)."""

    name = "sigmoid_stable"
    rules = SIGMOID_RULES
    warnings_fail = True
    stability_idea = ("Section 1, 'Numerical care': for z < 0 rewrite the fraction so that "
                      "only exp of a non-positive number is ever computed, and make sure the "
                      "other form is never evaluated where it overflows.")

    def inputs(self):
        return {"z": np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])}

    def probe(self, sigmoid):
        return {"out": sigmoid(self.inputs()["z"])}  # warnings heard: run_probe

    def judge(self, seen):
        return compare("sigmoid([-1000, -30, 0, 30, 1000])", seen["out"],
                       oracle.sigmoid(self.inputs()["z"]), atol=1e-12,
                       hints=("Which entry goes wrong? For a very negative z, exp(-z) is "
                              "larger than any float.",
                              "Section 1, 'Numerical care': the sigmoid can be written as "
                              "more than one fraction. Print each form's pieces at z = -1000 "
                              "and at z = 1000: which stays finite where? Note that np.where "
                              "computes both of its branches everywhere."))


# --- neuron -----------------------------------------------------------------------------

NEURON_HINTS = ("Check the order: the weighted sum of the inputs, then the bias, then the "
                "activation you are given (section 1's formula).",
                "For a batch X of shape (N, D) the same expression must give one value per "
                "row: shape (N,).")
DEFAULT_HINTS = ("The default activation must be your sigmoid. A default is fixed when the "
                 "`def` runs: if you changed sigmoid after running the neuron cell, run the "
                 "neuron cell again.",
                 "Does test_sigmoid pass? neuron's own values are tested with other "
                 "activations; this part only asks that the default is your sigmoid.")


def _outcome(compute) -> dict:
    """What ``compute()`` returned, or the kind of error it raised (rules still apply)."""
    try:
        return {"value": compute()}
    except RuleBroken:
        raise
    except Exception as error:  # noqa: BLE001 - reported to the judge
        return {"error": type(error).__name__}


def _judge_default(seen) -> Verdict:
    """neuron's default activation behaves as the notebook's current sigmoid."""
    default, explicit = seen["default"], seen["with_sigmoid"]
    if explicit.get("missing"):
        return Verdict.fail("neuron's default activation should be your sigmoid, but your "
                            "notebook defines no sigmoid.", *DEFAULT_HINTS)
    if "error" in default or "error" in explicit:
        if default.get("error") == explicit.get("error"):
            return Verdict.ok()  # both fail alike (sigmoid not written yet): not neuron's fault
        what = (f"raised {default['error']}" if "error" in default else "worked")
        other = (f"raised {explicit['error']}" if "error" in explicit else "worked")
        return Verdict.fail(f"neuron(X, w, b) with its default activation {what}, but "
                            f"neuron(X, w, b, activation=sigmoid) {other}: the default is not "
                            "your current sigmoid.", *DEFAULT_HINTS)
    return compare("neuron(X, w, -0.25) with its default activation, against "
                   "neuron(X, w, -0.25, activation=sigmoid) (your sigmoid)",
                   default["value"], explicit["value"], rtol=1e-12, atol=0.0,
                   hints=DEFAULT_HINTS)


@register
class NeuronValues(Check):
    """Your neuron is right on one example or a batch, in any layout; its default is sigmoid."""

    name = "neuron_values"
    fresh = True
    defaults = {"seed": 1}

    def inputs(self, seed, run_seed=0):
        rng = np.random.default_rng([[seed, run_seed], 102])
        M, X, w_long = rng.normal(size=(3, 2)), rng.normal(size=(4, 3)), rng.normal(size=6)
        # strided views: a column of a matrix, every other entry
        return {"x": M[:, 1], "X": X, "w": w_long[::2]}

    def probe(self, neuron, **args):
        x, X, w = self.inputs(**args).values()
        own = original(neuron, "sigmoid")
        seen, after = {}, {}
        for key, xs, b, activation in (("one", x, 0.5, np.tanh), ("batch", X, -0.25, np.arctan),
                                       ("strided", strided(X), -0.25, np.arctan),
                                       ("linear", X, 2.0, lambda z: z)):
            seen[key], after[key] = on_copies(neuron, xs, w, b, activation=activation,
                                              names=("x", "w"))
        return {**seen, "after": after,
                "default": _outcome(lambda: neuron(X.copy(), w.copy(), -0.25)),
                "with_sigmoid": _outcome(lambda: neuron(X.copy(), w.copy(), -0.25,
                                                        activation=own))
                if callable(own) else {"missing": True}}

    def judge(self, seen, **args):
        x, X, w = self.inputs(**args).values()
        calls = {"one": ("neuron(x, w, 0.5, activation=np.tanh)", x),
                 "batch": ("neuron(X, w, -0.25, activation=np.arctan)", X),
                 "strided": ("neuron(X, w, -0.25, activation=np.arctan) for a view X", X),
                 "linear": ("neuron(X, w, 2.0, activation=identity)", X)}
        return first_failure(
            *(kept_inputs(label, {"x": xs, "w": w}, seen["after"][key])
              for key, (label, xs) in calls.items()),
            compare("neuron(x, w, 0.5, activation=np.tanh) for x of shape (3,)", seen["one"],
                    np.tanh(x @ w + 0.5), hints=NEURON_HINTS),
            compare("neuron(X, w, -0.25, activation=np.arctan) for X of shape (4, 3)",
                    seen["batch"], np.arctan(X @ w - 0.25), hints=NEURON_HINTS[::-1]),
            compare("neuron(X, w, -0.25, activation=np.arctan) for a non-contiguous X (a "
                    "view)", seen["strided"], np.arctan(X @ w - 0.25),
                    hints=("The same values in a contiguous X pass: the values should not "
                           "depend on how X is laid out in memory.",
                           "Work with X through numpy's operations on the whole array (a "
                           "product, a sum over an axis), not through its raw buffer, "
                           "strides or a reshape that assumes contiguous memory.")),
            compare("neuron(X, w, 2.0, activation=identity)", seen["linear"], X @ w + 2.0,
                    hints=("With activation=lambda z: z the neuron must return the "
                           "pre-activation itself: is the `activation` argument used?",
                           "The activation you are given is applied once, to the weighted "
                           "sum plus the bias, and nothing else is applied after it.")),
            _judge_default(seen))


# --- logic gates ------------------------------------------------------------------------

GATE_FORM_HINTS = ("The docstring's Returns line: a pair (w, b), w a new array of shape (2,) "
                   "(one weight per input), b one number.",
                   "The neuron computes sigmoid(x @ w + b) for x of shape (2,): w needs one "
                   "entry per input and b is added once, so it is a single number.")


@register
class LogicGates(Check):
    """Your weights make a sigmoid neuron compute AND, OR, NAND; any other gate raises.

    Within 0.01 of each truth table; 'xor', 'nor', 'xnor' and five names made up afresh each
    raise ValueError."""

    name = "logic_gates"
    #: the contract: ValueError for *any* other gate; the made-up name is new on every call
    UNKNOWN = ("xor", "nor", "xnor")

    def probe(self, logic_gate_weights):
        seen = {}
        for gate in ("and", "or", "nand"):
            w, b = logic_gate_weights(gate)
            seen[gate] = {"w": w, "b": b}
        rng = np.random.default_rng()
        made_up = [made_up_gate(rng, word=i < 2) for i in range(MADE_UP)]
        seen["unknown"], seen["made_up"] = {}, made_up
        for i, gate in enumerate((*self.UNKNOWN, *made_up)):
            label = gate if i < len(self.UNKNOWN) else f"a made-up name {i - 2}"
            try:
                logic_gate_weights(gate)
                seen["unknown"][label] = "returned"
            except ValueError:
                seen["unknown"][label] = "ValueError"
            except Exception as error:
                seen["unknown"][label] = type(error).__name__
        return seen

    def judge(self, seen):
        for gate in ("and", "or", "nand"):
            w = np.asarray(seen[gate]["w"], dtype=np.float64)
            if w.shape != (2,):
                return Verdict.fail(f"logic_gate_weights({gate!r}) returned w of shape "
                                    f"{w.shape}, expected (2,): one weight per input.",
                                    *GATE_FORM_HINTS)
            b = np.asarray(seen[gate]["b"], dtype=np.float64)
            if b.size != 1:
                return Verdict.fail(f"logic_gate_weights({gate!r}): b should be one number; "
                                    f"got {describe(b)}.", *GATE_FORM_HINTS)
            out = oracle.sigmoid(BOOLEAN_INPUTS @ w + float(b.reshape(-1)[0]))
            wrong_side = np.any(np.round(out) != TRUTH_TABLES[gate])
            verdict = compare(f"the {gate.upper()} neuron's outputs on (0,0), (0,1), (1,0), "
                              "(1,1)", out, TRUTH_TABLES[gate], atol=0.01, rtol=0.0,
                              hints=(("Some input falls on the wrong side of the line "
                                      "x @ w + b = 0: make a table of the four weighted sums, "
                                      "as the lesson does for its worked gate.",
                                      "Which inputs must give a positive sum and which a "
                                      "negative one? Choose the signs of w and b first, "
                                      "then their sizes.") if wrong_side else
                                     ("Every input is on the right side, but some outputs "
                                      "are not within 0.01 of 0 or 1: the margins are too "
                                      "small.",
                                      "Section 2: how far from 0 must each weighted sum be "
                                      "for the sigmoid to come within 0.01 of 0 or 1? "
                                      "Scaling w and b together keeps the line and widens "
                                      "the margins.")))
            if not verdict.passed:
                return verdict
        unknown = seen["unknown"] if isinstance(seen["unknown"], dict) else {}
        made_up = seen["made_up"] if isinstance(seen.get("made_up"), list) else []
        labels = [f"a made-up name {i + 1}" for i in range(MADE_UP)]
        for gate in (*self.UNKNOWN, *labels):
            what = unknown.get(gate, "was not asked")
            if what != "ValueError":
                shown = repr(gate) if gate in self.UNKNOWN else (
                    repr(made_up[labels.index(gate)]) if len(made_up) == MADE_UP else gate)
                return Verdict.fail(
                    f"logic_gate_weights({shown}) should raise ValueError (the contract: "
                    f"ValueError for any gate but 'and', 'or' and 'nand'); it {what}.",
                    "Check the gate against the three you know, and raise for anything "
                    "else (not only for 'xor').",
                    "Decide first whether the name is one of 'and', 'or', 'nand'; every "
                    "other string, even one you never thought of, takes the `raise "
                    "ValueError(...)` path.")
        return Verdict.ok()


OTHER_NAMES = ("not", "buffer", "imply", "nimply", "inhibit", "majority", "mux", "identity",
               "true", "false", "xand", "nxor", "equal", "adder", "latch", "flip", "half",
               "both", "either", "neither", "any", "all", "one", "none", "same", "differ")
"""Words a student might pass as a gate, none of them 'and', 'or' or 'nand'."""


MADE_UP = 5
"""Unknown gate names a check asks for, drawn afresh each time: two words, three strings."""


def made_up_gate(rng: np.random.Generator, word: bool) -> str:
    """An unknown gate name drawn afresh on every call, as any caller might write one: a
    plausible word, or a few random letters (no prefix, no length, no list a
    ValueError-only-for-these answer could recognise)."""
    if word:
        return str(rng.choice(OTHER_NAMES))
    letters = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), int(rng.integers(2, 7))))
    return letters if letters not in ("and", "or", "nand") else letters + "d"


# --- xor_network ------------------------------------------------------------------------

XOR_HINTS = ("Look at which of the four inputs is wrong: a 1 where XOR is 0 at (1, 1) means "
             "the 'not both' part is missing; at (0, 0), the 'at least one' part.",
             "Section 3: XOR is one gate applied to the outputs of two others; the hidden "
             "neurons read X, the output neuron reads the hidden neurons' outputs.")


def _xor_verdict(name: str, got, expected) -> Verdict:
    out = np.asarray(got, dtype=np.float64)
    if out.shape != expected.shape:
        return Verdict.fail(
            f"{name} returned {describe(out)}; expected one output per row, shape "
            f"{expected.shape}.",
            "The contract asks for a 1-D array of shape (N,): not (N, 1), not a list of "
            "arrays.",
            "A neuron whose weight vector has shape (2,) already returns shape (N,) for an "
            "(N, 2) input.")
    margin = narrow_margins(name, out, expected)
    if margin is not None:
        return margin
    return compare(name, out, expected, atol=0.01, rtol=0.0, hints=XOR_HINTS)


NARROW_MARGIN_HINTS = (
    "Every output is on the right side, just not close enough: each layer of gates adds its "
    "own small error to the next layer's input, so margins that are just enough for one "
    "gate are not enough for a network of them.",
    "Section 2's table: how close to 0 or 1 is the sigmoid of a weighted sum 5 away from "
    "zero, and of one 10 away? Widen your gates' margins in logic_gate_weights.")


def narrow_margins(name: str, out: np.ndarray, expected: np.ndarray) -> Verdict | None:
    """A network of the student's gates that is right in every row but misses 0.01 by a
    little: the gates' margins are too narrow to survive a second layer (None otherwise)."""
    error = np.abs(out - expected)
    if out.shape != expected.shape or not np.all(np.isfinite(out)) or not (
            0.01 < float(error.max()) < 0.1):
        return None
    return Verdict.fail(f"{name}: every output is within {float(error.max()):.3g} of the "
                        "truth table, but not within 0.01.", *NARROW_MARGIN_HINTS)


@register
class XorNetwork(Check):
    """Your xor_network gives XOR of each row (within 0.01, shape (N,)), rows in any order."""

    name = "xor_network_truth"
    rules = XOR_RULES
    defaults = {"order": (0, 1, 2, 3)}

    def inputs(self, order):
        return {"X": BOOLEAN_INPUTS[list(order)]}

    def probe(self, xor_network, order):
        return run_watched(xor_network, self.inputs(order)["X"])

    def judge(self, seen, order):
        name = "xor_network on the four inputs"
        return first_failure(_xor_verdict(name, seen["out"], TRUTH_TABLES["xor"][list(order)]),
                             judge_from_neurons(name, seen))


def run_watched(xor_network, X) -> dict:
    """xor_network(X) with the student's neuron recorded (its results, raw), as every probe
    of xor_network runs it: the value runs and the built-from runs put the same kind of
    stand-in in the namespace, and each is judged on where its output came from."""
    unit = original(xor_network, "neuron")
    if not callable(unit):
        return {"out": xor_network(X), "neuron_results": None}
    with swapped(xor_network, neuron=unit) as recorders:
        out = xor_network(X)
    return {"out": out, "neuron_results": recorders["neuron"].results[:MAX_RECORDED]}


MAX_RECORDED = 2000
"""Calls of a collaborator whose results a probe keeps (a row-by-row answer calls neuron three
times per row)."""


def judge_from_neurons(name: str, seen) -> Verdict:
    """A value run's output must be what the output neuron returned, exactly: an answer that
    computes XOR another way whenever it is not watched (a stack, an attribute, a test call
    of its collaborators) is found in every run, not only in the built-from one."""
    results = seen.get("neuron_results")
    out = _floats(seen.get("out"))
    returned = [] if results is None else [np.asarray(r, dtype=np.float64).ravel()
                                           for r in results if _floats(r) is not None]
    if out is None or not returned or not np.all(np.isin(out.ravel(),
                                                         np.concatenate(returned))):
        shown = np.round(out, 6).ravel().tolist()[:20] if out is not None else seen.get("out")
        return Verdict.fail(
            f"{XOR_BUILT_FROM}: {name} returned {shown}, which is not what its output neuron "
            "returned in that call: the result was computed another way, or changed after "
            "the neuron.",
            "Return the output neuron's values as they are (reshaping is fine), in every "
            "call: no rounding, operators or lookups on the inputs.",
            "Section 3: the output neuron's output is the answer.")
    return Verdict.ok()


GATE_SWAPS = {"and_or": {"and": "or", "or": "and"}, "and_nand": {"and": "nand", "nand": "and"}}
SWAP_MEANING = {"and_or": ("'and' and 'or'", "OR(AND, NAND)", "or_of_and_nand"),
                "and_nand": ("'and' and 'nand'", "NAND(OR, AND)", "nand")}


def _swapped_gates(gates, exchange):
    def altered(gate, *args, **kwargs):
        key = gate.lower() if isinstance(gate, str) else gate
        return gates(exchange.get(key, key), *args, **kwargs)
    return altered


def _negated_neuron(unit):
    def altered(*args, **kwargs):
        return 1.0 - np.asarray(unit(*args, **kwargs), dtype=np.float64)
    return altered


ACTIVATION_GRID = np.linspace(-6.0, 6.0, 7)


def _logged_gates(gates, log: list):
    """The student's logic_gate_weights, noting which gate was asked for and the answer."""
    def logged(gate, *args, **kwargs):
        result = gates(gate, *args, **kwargs)
        log.append({"gate": gate if isinstance(gate, str) else repr(gate),
                    "result": to_plain(result)})
        return result
    return logged


NEURON_ARGUMENTS = ("x", "w", "b")


TAG = 2.0 ** -30
"""What the built-from run adds to the result of the k-th neuron call: ``(k + 1) * TAG``
(k < 1000, at most 1e-6, far inside XOR's 0.01). Each call's values are then its own, so the
judge follows the data by value: the output neuron is the call whose results make up the
output, and what it read must be other calls' results, whatever the gates' margins (with
margins of 37 or more the sigmoid returns exactly 1.0, so untagged hidden and output
values coincide, and a saturated hidden neuron's 0 is the input's 0)."""


def _tagged(result, k: int):
    """``result`` plus the k-th call's tag (unchanged if it is not numbers)."""
    try:
        values = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        return result
    return (values + (k % 1000 + 1) * TAG)[()]


def _logged_neuron(unit, log: list):
    """The student's neuron, noting each call's x, w, b and result and any activation passed
    explicitly (with its values on ACTIVATION_GRID, so that a judge can tell whether it is
    the sigmoid). Each call's result is tagged (:data:`TAG`): the value the student's code
    gets, and the one noted, is the neuron's plus a tiny amount of that call's own."""
    calls = [0]

    def logged(*args, **kwargs):
        activation = kwargs.get("activation", args[3] if len(args) > 3 else None)
        result = _tagged(unit(*args, **kwargs), calls[0])
        calls[0] += 1
        if len(log) < 200:
            entry = {"result": to_plain(result)}
            for position, name in enumerate(NEURON_ARGUMENTS):
                value = args[position] if len(args) > position else kwargs.get(name)
                entry[name] = _outcome(lambda v=value: np.array(v, dtype=np.float64))
            if activation is not None:
                entry["activation"] = str(getattr(activation, "__name__",
                                                  type(activation).__name__))[:60]
                entry["on_grid"] = _outcome(lambda: activation(ACTIVATION_GRID.copy()))
            log.append(entry)
        return result
    return logged


def probe_built_from(xor_network, X) -> dict:
    """xor_network's outputs on X with its collaborators watched, then altered (raw outputs
    only), and the gate weights the student's logic_gate_weights gives."""
    gates = original(xor_network, "logic_gate_weights")
    unit = original(xor_network, "neuron")
    if not callable(gates) or not callable(unit):
        return {"missing": True}
    gate_log, neuron_log = [], []
    with swapped(xor_network, logic_gate_weights=_logged_gates(gates, gate_log),
                 neuron=_logged_neuron(unit, neuron_log)):
        plain = xor_network(X.copy())
    seen = {"missing": False, "plain": plain, "neuron_log": neuron_log,
            "own_gates": {g: _outcome(lambda g=g: gates(g)) for g in ("or", "nand", "and")}}
    for key, exchange in GATE_SWAPS.items():
        with swapped(xor_network, logic_gate_weights=_swapped_gates(gates, exchange)) as rec:
            seen[key] = xor_network(X.copy())
        seen[key + "_calls"] = rec["logic_gate_weights"].count
    with swapped(xor_network, neuron=_negated_neuron(unit)) as rec:
        seen["negated"] = xor_network(X.copy())
    seen["neuron_calls"] = rec["neuron"].count
    return seen


def _gate_pair(outcome):
    """(w, b) of a logged logic_gate_weights answer, or None if it is not a usable pair."""
    value = outcome.get("value")
    if not isinstance(value, list) or len(value) != 2:
        return None
    try:
        w = np.asarray(value[0], dtype=np.float64).reshape(2)
        b = float(np.asarray(value[1], dtype=np.float64).reshape(-1)[0])
    except (TypeError, ValueError, IndexError):
        return None
    return (w, b) if np.all(np.isfinite(np.append(w, b))) else None


def _floats(outcome) -> np.ndarray | None:
    """A logged value as a float array, or None if it was not one."""
    value = outcome.get("value") if isinstance(outcome, dict) else outcome
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return array if np.all(np.isfinite(array)) else None


def _uses_gate_weights(entry, pairs) -> bool:
    """Whether a logged neuron call's w and b are those of one of the student's gates (w a
    column per neuron when several gate neurons are computed in one call)."""
    w, b = _floats(entry.get("w")), _floats(entry.get("b"))
    if w is None or b is None or not pairs:
        return False
    columns = w.reshape(len(w), -1) if w.ndim in (1, 2) and len(w) == 2 else None
    biases = b.reshape(-1)
    if columns is None or biases.size != columns.shape[1]:
        return False
    return all(any(np.allclose(columns[:, j], gw, rtol=1e-12, atol=0) and
                   np.isclose(biases[j], gb, rtol=1e-12, atol=0) for gw, gb in pairs)
               for j in range(columns.shape[1]))


def judge_built_from(seen, rows) -> Verdict:
    """Did xor_network's output follow every alteration of its collaborators?"""
    if seen.get("missing"):
        return Verdict.fail(f"{XOR_BUILT_FROM}: neuron or logic_gate_weights is not defined "
                            "in your notebook.",
                            "Run the cells that define neuron and logic_gate_weights (and "
                            "sigmoid before them), then this test again.",
                            "Each must be a function defined with `def` in the notebook: the "
                            "test follows them by name while xor_network runs.")
    truth = TRUTH_TABLES["xor"][rows]
    plain = _xor_verdict("xor_network", seen["plain"], truth)
    if not plain.passed:
        return plain
    expected = {"and_or": np.ones(len(rows)), "and_nand": TRUTH_TABLES["nand"][rows],
                "negated": np.ones(len(rows))}
    for key in ("and_or", "and_nand"):
        if seen[key + "_calls"] == 0:
            return Verdict.fail(
                f"{XOR_BUILT_FROM}: it never called logic_gate_weights while it ran.",
                "Get every gate's weights from logic_gate_weights inside xor_network, each "
                "time it runs (not typed in by hand, not computed once outside).",
                "Section 3: the exercise is to wire your three gate neurons together.")
    if seen["neuron_calls"] == 0:
        return Verdict.fail(
            f"{XOR_BUILT_FROM}: it never called neuron() while it ran.",
            "Compute every unit of the network, hidden and output, with your neuron().",
            "Section 3: the exercise is to wire your three gate neurons together.")
    for key in ("and_or", "and_nand", "negated"):
        got = np.asarray(seen[key], dtype=np.float64)
        follows = got.shape == expected[key].shape and bool(
            np.all(np.isfinite(got)) and np.allclose(got, expected[key], atol=0.1, rtol=0))
        if not follows:
            change = (f"with logic_gate_weights exchanging {SWAP_MEANING[key][0]}, the network "
                      f"asked for computes {SWAP_MEANING[key][1]}" if key in SWAP_MEANING else
                      "with every neuron's output replaced by 1 - output, the network "
                      "asked for outputs 1 everywhere")
            return Verdict.fail(
                f"{XOR_BUILT_FROM}: {change} = {expected[key].tolist()}, but xor_network "
                f"returned {np.round(got, 3).tolist() if got.size < 20 else describe(got)}: "
                "it is a different network than the one asked for, or its result does not "
                "come out of its neurons.", XOR_ASKED,
                "Draw your network: which gate does each neuron get from logic_gate_weights, "
                "and what does each neuron read? Then follow the exchanged gates through it "
                "by hand.")
    return judge_neuron_values(seen, rows)


def judge_neuron_values(seen, rows) -> Verdict:
    """xor_network's output is its output neuron's, of sigmoid neurons, unaltered."""
    grid = oracle.sigmoid(ACTIVATION_GRID)
    for entry in seen["neuron_log"]:
        on_grid = entry.get("on_grid")
        if on_grid is None:
            continue
        values = np.asarray(on_grid.get("value", np.nan), dtype=np.float64)
        if values.shape != grid.shape or not np.allclose(values, grid, rtol=1e-6, atol=1e-9):
            return Verdict.fail(
                f"{XOR_BUILT_FROM}: it calls neuron with activation={entry['activation']}, "
                f"which is not the sigmoid (on z = {ACTIVATION_GRID.tolist()} it gives "
                f"{np.round(values, 4).tolist() if values.size == grid.size else on_grid}).",
                "Leave every neuron's activation at its default, your sigmoid: a step or a "
                "rounding activation makes the network a lookup table.",
                "If test_sigmoid fails, fix sigmoid first, then run the neuron cell again.")
    out = np.asarray(seen["plain"], dtype=np.float64).ravel()
    returned = [np.empty(0) if isinstance(e["result"], str) else
                np.asarray(e["result"], dtype=np.float64).ravel() for e in seen["neuron_log"]]
    if not returned or not np.all(np.isin(out, np.concatenate(returned))):
        return Verdict.fail(
            f"{XOR_BUILT_FROM}: its output {np.round(out, 6).tolist()[:20]} is not what its "
            "output neuron returned: the neuron's values were changed afterwards.",
            "Return the output neuron's values as they are (reshaping is fine): no "
            "rounding, thresholds or comparisons after it.",
            "Section 3: the output neuron's output is the answer.")
    pairs = [pair for pair in (_gate_pair(seen["own_gates"][g]) for g in ("or", "nand", "and"))
             if pair is not None]
    for entry in seen["neuron_log"]:
        if not _uses_gate_weights(entry, pairs):
            return Verdict.fail(
                f"{XOR_BUILT_FROM}: one of its neurons was called with w = "
                f"{_shown(entry.get('w'))} and b = {_shown(entry.get('b'))}, which are not "
                "the weights logic_gate_weights gives for 'or', 'nand' or 'and'.",
                "Pass each gate's (w, b) to neuron as logic_gate_weights returns them: "
                "unchanged, not scaled or typed in.", XOR_ASKED)
    # the output neuron's calls (their results, tagged as their own, make up the output:
    # found by the data flow, not by the values a sigmoid happens to take) read what the
    # other neurons returned, as it was
    output_calls = [i for i, r in enumerate(returned) if r.size and np.all(np.isin(r, out))]
    for i in output_calls:
        read = _floats(seen["neuron_log"][i].get("x"))
        others = [r for j, r in enumerate(returned) if j != i]
        if read is None or not others or not np.all(np.isin(read, np.concatenate(others))):
            return Verdict.fail(
                f"{XOR_BUILT_FROM}: its output neuron read "
                f"{_shown(seen['neuron_log'][i].get('x'))}, which is not what the hidden "
                "neurons returned: the values changed on the way through the network.",
                "Feed the hidden neurons' outputs to the output neuron as they are: no rounding "
                "or thresholds on the hidden layer either.", XOR_ASKED)
    return Verdict.ok()


def _shown(outcome) -> str:
    values = _floats(outcome)
    if values is None:
        return str(outcome)[:80]
    return str(np.round(values, 4).tolist()) if values.size <= 8 else describe(values)


@register
class XorBuiltFrom(Check):
    """Your xor_network is built from your neuron and logic_gate_weights: it follows them."""

    name = "xor_network_built_from"
    rules = XOR_RULES

    def probe(self, xor_network):
        return probe_built_from(xor_network, BOOLEAN_INPUTS)

    def judge(self, seen):
        return judge_built_from(seen, [0, 1, 2, 3])


# --- perceptron -------------------------------------------------------------------------

def run_perceptron(perceptron_train, *args, **kwargs) -> dict:
    """perceptron_train's raw (w, b, mistakes)."""
    w, b, mistakes = perceptron_train(*args, **kwargs)
    return {"w": w, "b": b, "mistakes": mistakes}


PERCEPTRON_FORM_HINTS = (
    "The docstring's Returns line: w an array (D,) with one weight per input column, b one "
    "number, mistakes a list with one count per epoch that ran.",
    "Return the three as a tuple (w, b, mistakes) after the loop over epochs, with the count "
    "of every epoch appended to the list as that epoch ends.")

REPLAYED = {
    "and": ([2.0, 1.0], -2.0, [1, 3, 3, 2, 1, 0]),
    "or": ([1.0, 1.0], 0.0, [1, 2, 1, 0]),
    "xor": ([-1.0, 0.0], 1.0, [2, 3] + [4] * 23),
}
"""What section 4's rule gives on boolean_data(gate), lr = 1, as (w, b, mistakes per epoch;
for XOR its first 25 epochs): numbers (the notebook's own demo prints them), not the rule's
code. The grader replays the rule itself on data and learning rates drawn at grading time."""

REPLAY_HINTS = (
    "Replay the first two epochs by hand on the four examples, starting from w = 0 and b = 0, "
    "and compare your mistakes epoch by epoch: where does the first difference appear?",
    "Section 4's rule, as the docstring states it: the examples one at a time in their "
    "order, each one's prediction made with the w and b as they are at that moment, and a "
    "sum of exactly 0 predicting 0.")


def _replay_verdict(name, gate, mistakes, w, b, max_epochs) -> Verdict:
    """The run must be section 4's rule exactly: the stored replay's mistakes, w and b."""
    if gate not in REPLAYED or (gate == "xor" and max_epochs > len(REPLAYED["xor"][2])):
        return Verdict.ok()
    right_w, right_b, right = REPLAYED[gate]
    if gate == "xor":
        right = right[:max_epochs]
    if mistakes != right:
        first = next((e for e, (m, r) in enumerate(zip(mistakes, right)) if m != r),
                     min(len(mistakes), len(right)))
        return Verdict.fail(
            f"{name}: mistakes per epoch were {mistakes}; the rule of section 4 makes "
            f"{right} on these examples (lr = 1). They first differ in epoch {first} "
            "(counting from 0).", *REPLAY_HINTS)
    return first_failure(compare(f"{name}: the final w", w, np.array(right_w),
                                 hints=REPLAY_HINTS),
                         compare(f"{name}: the final b", b, right_b, hints=REPLAY_HINTS))


def _perceptron_judge(name, seen, inputs, targets, separable: bool,
                      max_epochs: int, gate: str = "") -> Verdict:
    mistakes = seen["mistakes"]
    if not isinstance(mistakes, list | np.ndarray):
        return Verdict.fail(f"{name}: mistakes should be a list of counts, got "
                            f"{describe(mistakes)}.", *PERCEPTRON_FORM_HINTS)
    mistakes = [int(m) for m in np.asarray(mistakes).reshape(-1)]
    w = np.asarray(seen["w"], dtype=np.float64)
    b = np.asarray(seen["b"], dtype=np.float64)
    if w.shape != (2,):
        return Verdict.fail(f"{name}: w has shape {w.shape}, expected (2,).",
                            *PERCEPTRON_FORM_HINTS)
    if b.size != 1:
        return Verdict.fail(f"{name}: b should be one number; got {describe(b)}.",
                            *PERCEPTRON_FORM_HINTS)
    b = float(b.reshape(-1)[0])
    if not mistakes:
        return Verdict.fail(f"{name}: mistakes is empty; it needs one count per epoch run.",
                            *PERCEPTRON_FORM_HINTS)
    if separable:
        predictions = (inputs @ w + b > 0).astype(float)
        if mistakes[-1] != 0 or any(m == 0 for m in mistakes[:-1]):
            return Verdict.fail(
                f"{name}: mistakes per epoch were {mistakes}; training should stop right "
                "after the first epoch with 0 mistakes.",
                "Is the count reset at the start of every epoch, and does the loop end "
                "when an epoch's count is 0?",
                "If no epoch ever reaches 0 mistakes, the unit never learns the gate: does "
                "every example's update change both w and b, in the direction of t - o "
                "(section 4)?")
        if not np.array_equal(predictions, targets) and np.array_equal(
                (inputs @ w + b >= 0).astype(float), targets):
            return Verdict.fail(
                f"{name}: with the final w and b the step unit predicts "
                f"{predictions.tolist()} for targets {targets.tolist()}: a sum of exactly 0 "
                "counts as 1 in your unit, as 0 in the perceptron's.",
                "The step unit fires only for a strictly positive sum: o = 1 when "
                "w . x + b > 0, and o = 0 when the sum is 0 (section 4).",
                "Find the comparison that decides o in your loop: for a sum of exactly 0 "
                "(as for every example at the start, with w and b zero) it must give 0.")
        if not np.array_equal(predictions, targets):
            return Verdict.fail(
                f"{name}: the final step unit predicts {predictions.tolist()}, targets are "
                f"{targets.tolist()}, although the last epoch counted no mistake.",
                "The count and the updates disagree: an example counted as right must be "
                "one the unit really classifies right.",
                "Section 4: after each example, update both w and b with the rule, in the "
                "direction of t - o.")
        return _replay_verdict(name, gate, mistakes, w, b, max_epochs)
    if len(mistakes) != max_epochs or min(mistakes) == 0:
        return Verdict.fail(
            f"{name}: on XOR mistakes per epoch were {mistakes}; expected {max_epochs} epochs, "
            "each with at least one mistake (no line separates XOR).",
            "No line separates XOR, so no epoch can be free of mistakes: an epoch counted as "
            "0, or a loop that ends early, means the count or the stopping rule is off.",
            "The loop runs until an epoch has no mistake or max_epochs epochs have run; "
            "mistakes gets one entry per epoch that ran.")
    return _replay_verdict(name, gate, mistakes, w, b, max_epochs)


@register
class PerceptronSeparable(Check):
    """Your perceptron_train follows section 4's rule on AND and OR: its mistakes, w and b;
    with lr = 0.5 on AND, the rule's steps are half as long."""

    name = "perceptron_separable"
    GATES = ("and", "or")
    HALF = 0.5

    def probe(self, perceptron_train):
        seen = {gate: run_perceptron(perceptron_train, *boolean_data(gate))
                for gate in self.GATES}
        seen["and, lr=0.5"] = run_perceptron(perceptron_train, *boolean_data("and"),
                                             lr=self.HALF)
        return seen

    def judge(self, seen):
        verdict = first_failure(*(
            _perceptron_judge(f"perceptron_train on {gate.upper()}", seen[gate],
                              *boolean_data(gate), True, 100, gate) for gate in self.GATES))
        if not verdict.passed:
            return verdict
        # from zeros, every step of the rule scales with lr and the step unit's decisions do
        # not: the same mistakes, w and b times lr (0.5 is exact in binary)
        half, full = seen["and, lr=0.5"], seen["and"]
        same = (np.asarray(half["mistakes"]).reshape(-1).tolist()
                == np.asarray(full["mistakes"]).reshape(-1).tolist()
                and np.array_equal(np.asarray(half["w"], dtype=np.float64),
                                   self.HALF * np.asarray(full["w"], dtype=np.float64))
                and np.array_equal(np.asarray(half["b"], dtype=np.float64).reshape(-1),
                                   self.HALF * np.asarray(full["b"],
                                                          dtype=np.float64).reshape(-1)))
        if not same:
            return Verdict.fail(
                "perceptron_train on AND with lr=0.5 gave w, b and mistakes that are not the "
                "lr=1 run's w and b halved with the same mistakes, as the rule gives from "
                "zeros.",
                "The learning rate must reach every update: is lr used in both the w and the "
                "b step, and nowhere else?",
                "Section 4's rule: which quantities does lr multiply? Run both learning "
                "rates by hand for one epoch of AND and compare.")
        return Verdict.ok()


@register
class PerceptronXor(Check):
    """Your perceptron_train runs all max_epochs epochs on XOR, with the rule's mistakes."""

    name = "perceptron_xor"
    defaults = {"max_epochs": 25}

    def probe(self, perceptron_train, max_epochs):
        return run_perceptron(perceptron_train, *boolean_data("xor"), max_epochs=max_epochs)

    def judge(self, seen, max_epochs):
        return _perceptron_judge("perceptron_train on XOR", seen, *boolean_data("xor"), False,
                                 max_epochs, "xor")


# --- count_parameters -------------------------------------------------------------------

def judge_counts(cases, counts) -> Verdict:
    """count_parameters' answers ``counts`` for the networks ``cases``, one to one."""
    for dims, got in zip(cases, counts, strict=True):
        expected = torch_parameter_count(dims)
        if isinstance(got, bool) or not isinstance(got, int | np.integer):
            return Verdict.fail(
                f"count_parameters({dims}) returned {describe(got)}; a number of parameters "
                "is an int (return an int, not a float).",
                "The docstring's Returns line says int: which step of your count makes a "
                "float (a division, np.prod of floats, a float literal)?",
                "Count with integers throughout, or convert the total with int(...) at the "
                "end.")
        if got != expected:
            weights = expected - sum(dims[1:])
            cause = known_mistake(got, {
                "That is the number of weights alone: a layer's units have biases too.":
                    weights,
                "That counts one bias per unit a layer reads from: a bias belongs to a unit "
                "of the layer the weights lead to.": weights + sum(dims[:-1])})
            return Verdict.fail(f"count_parameters({dims}) returned {got!r}, expected "
                                f"{expected}.", cause or
                                "Count layer by layer: how many weights connect layer i to "
                                "layer i + 1, and how many units (each with one bias) does "
                                "layer i + 1 have?",
                                "Redo the lesson's count for [5, 3, 3, 2] one layer at a "
                                "time, then write the same steps for any dims.")
    return Verdict.ok()


@register
class CountParameters(Check):
    """Your count_parameters counts every weight and bias ([5, 3, 3, 2] has 38)."""

    name = "count_parameters_values"
    CASES = ([5, 3, 3, 2], [2, 2, 1], [64, 32, 10])

    def probe(self, count_parameters):
        return {"counts": [count_parameters(list(dims)) for dims in self.CASES]}

    def judge(self, seen):
        return judge_counts(self.CASES, seen["counts"])


# --- init_mlp ---------------------------------------------------------------------------

INIT_DIMS = [200, 150, 50]  # 37,500 weights: scale judged to about 1 %; probe data ~0.6 MB


def probe_init(init_mlp, dims, seed) -> dict:
    """Raw weights and biases from two equally seeded rngs and one differently seeded."""
    first = init_mlp(list(dims), np.random.default_rng(seed))
    again = init_mlp(list(dims), np.random.default_rng(seed))
    other = init_mlp(list(dims), np.random.default_rng([seed, 1]))
    return {"weights": list(first[0]), "biases": list(first[1]),
            "again": [again[0][-1]], "other_first": other[0][0]}  # the last layer: enough


def judge_init(seen, dims) -> Verdict:
    """Shapes, N(0, 1/fan_in) scale, zero biases, and that the rng argument is used."""
    weights = [np.asarray(W, dtype=np.float64) for W in seen["weights"]]
    biases = [np.asarray(b, dtype=np.float64) for b in seen["biases"]]
    shapes = [list(W.shape) for W in weights], [list(b.shape) for b in biases]
    expected = ([[a, b] for a, b in zip(dims[:-1], dims[1:])], [[b] for b in dims[1:]])
    if shapes != expected:
        return Verdict.fail(
            f"init_mlp({list(dims)}) gave weight shapes {shapes[0]} and bias shapes "
            f"{shapes[1]}; expected {expected[0]} and {expected[1]}.",
            "One weight matrix per pair of neighbouring layers, batch-first convention: "
            "which size comes first?",
            "Section 5: W_i maps layer i to layer i + 1; b_i has one entry per unit of "
            "layer i + 1.")
    for fan_in, W in zip(dims[:-1], weights, strict=True):
        std, mean, target = float(np.std(W)), float(np.mean(W)), 1 / np.sqrt(fan_in)
        if abs(std / target - 1) > 0.06:
            ratio = std / target
            return Verdict.fail(
                f"weights with fan-in {fan_in} have standard deviation {std:.4f}, expected "
                f"{target:.4f} (variance 1/{fan_in}); yours is {ratio:.3g} times that.",
                "The contract gives the *variance*; what does your random generator's scale "
                "argument mean?",
                "Section 5 has a predict-then-run cell about exactly this.")
        if abs(mean) > 5 * target / np.sqrt(W.size):
            return Verdict.fail(f"weights with fan-in {fan_in} have mean {mean:.4f}, expected "
                                "about 0.",
                                "The contract's draws are centred on 0: is something added "
                                "to them, or are they drawn from a distribution that is not "
                                "centred?",
                                "Section 5: the weights are drawn from N(0, 1/d_i), a normal "
                                "distribution with mean 0.")
        if abs(mean) < 1e-9 * target and abs(std / target - 1) < 1e-9:
            return Verdict.fail(
                f"weights with fan-in {fan_in} have mean {mean:.2g} and standard deviation "
                f"{std:.10f}: exactly the target, which {W.size} independent draws never "
                "reach (their mean and spread scatter around it).",
                "The draws were adjusted after drawing (centred, rescaled): each weight must "
                "be an independent draw, with no step that uses the others.",
                "Section 5: draw each layer's weights from N(0, 1/d_i) with rng, and use "
                "them as drawn.")
        if W.size >= 2000:  # enough draws: the kurtosis' standard error sqrt(24/n) < 0.11
            kurtosis = float(np.mean((W - mean) ** 4) / std ** 4)
            if abs(kurtosis - 3.0) > 0.6:
                return Verdict.fail(
                    f"weights with fan-in {fan_in} have the right spread but not the shape of "
                    f"a normal distribution: their kurtosis (mean fourth power over variance "
                    f"squared) is {kurtosis:.2f}; for normal draws it is about 3 (uniform "
                    f"draws give 1.8).",
                    "The contract asks for normal draws N(0, 1/d_i): which method of rng "
                    "draws from a normal distribution?",
                    "Section 5: the weights are drawn from N(0, 1/d_i); only their scale "
                    "depends on the layer.")
    if any(np.any(b != 0.0) for b in biases):
        return Verdict.fail("biases should start at exactly zero.",
                            "The docstring: biases[i] is an array of zeros; no random draw "
                            "for the biases.",
                            "Make each bias with the right shape (d_{i+1},) and every entry "
                            "0.0.")
    same = all(np.array_equal(np.asarray(a), W) for a, W in zip(seen["again"], weights[-1:],
                                                                   strict=True))
    differ = not np.array_equal(np.asarray(seen["other_first"]), weights[0])
    if not same or not differ:
        return Verdict.fail(
            "init_mlp ignores its rng argument: " + (
                "two calls with identically seeded rngs gave different weights."
                if not same else "rngs with different seeds gave the same weights."),
            "Every random number must come from the `rng` you are given: not from np.random "
            "and not from a generator you create yourself.",
            "Draw each layer's weights with a method of `rng` itself (rng.something(...)); "
            "calling init_mlp twice with rngs seeded alike must then give the same arrays.")
    if len(weights) > 1 and np.array_equal(weights[0][:, :50], weights[1][:, :50]):
        return Verdict.fail("init_mlp gave two layers the same weights: draw each layer "
                            "afresh.",
                            "Is one array drawn once and used for several layers, or an rng "
                            "re-seeded before each layer?",
                            "Draw inside the loop over layers, from the one rng you are "
                            "given, so that each draw continues where the last one stopped.")
    return Verdict.ok()


@register
class InitMlp(Check):
    """Your init_mlp draws W_i of shape (d_i, d_i+1) and variance 1/d_i from rng; biases zero."""

    name = "init_mlp_shapes_and_scale"
    fresh = True
    defaults = {"seed": 0}

    def inputs(self, seed, run_seed=0):
        """(dims, rng seed) of a small net (its shapes judged) and a big one (its statistics)."""
        return {"small": ([5, 3, 3, 2], [seed, run_seed]), "big": (INIT_DIMS, [seed, run_seed, 7])}

    def probe(self, init_mlp, **args):
        return {key: probe_init(init_mlp, dims, seed)
                for key, (dims, seed) in self.inputs(**args).items()}

    def judge(self, seen, **args):
        (small, _), (big, _) = self.inputs(**args).values()
        shapes = ([list(np.shape(W)) for W in seen["small"]["weights"]],
                  [list(np.shape(b)) for b in seen["small"]["biases"]])
        if shapes != ([[a, b] for a, b in zip(small, small[1:])], [[b] for b in small[1:]]):
            return judge_init(seen["small"], small)
        return judge_init(seen["big"], big)


# --- mlp_forward ------------------------------------------------------------------------

FORWARD_HINTS = ("Compare the number of activations applied with the number of hidden "
                 "layers: the last layer gives raw scores.",
                 "Section 5's formula, for a net of one hidden layer: what happens to the "
                 "input in the hidden layer, and what in the output layer? Run your loop by "
                 "hand on that net and compare, step by step.")


FORWARD_ACTIVATION_HINTS = (
    "With its default activation your mlp_forward is right; with another one passed it is "
    "not: is the `activation` argument used after every hidden layer?",
    "Apply the function the caller passes (whatever it is) where the docstring says, and "
    "no other activation anywhere.")


def _relu(z):
    """The activation a probe passes to mlp_forward in place of its default."""
    return np.maximum(z, 0.0)


@register
class MlpForward(Check):
    """Your mlp_forward applies the given activation after each hidden layer; inputs unchanged."""

    name = "mlp_forward_values"
    fresh = True
    defaults = {"dims": (4, 6, 5, 3), "n": 7, "seed": 3}

    def inputs(self, dims, n, seed, run_seed=0):
        """Non-contiguous X (n, dims[0]), weights and biases."""
        weights, biases = strided_mlp(list(dims), [[seed, run_seed], 103])
        X = np.random.default_rng([[seed, run_seed], 104]).normal(size=(n, 2 * dims[0]))[:, ::2]
        return {"X": X, "weights": weights, "biases": biases}

    #: the activations a probe passes: (keyword argument or None for the default, the
    #: oracle's name of it)
    ACTIVATIONS = {"default": (None, "tanh"), "relu": (_relu, "relu")}

    def probe(self, mlp_forward, **args):
        inputs = self.inputs(**args)
        seen = {}
        for key, (activation, _) in self.ACTIVATIONS.items():
            seen[key] = on_copies(mlp_forward, *inputs.values(), names=tuple(inputs),
                                  **({"activation": activation} if activation else {}))
        return {"out": {key: out for key, (out, _) in seen.items()},
                "after": {key: after for key, (_, after) in seen.items()}}

    def judge(self, seen, **args):
        inputs = self.inputs(**args)
        X = inputs["X"]
        where = f"mlp_forward on X {X.shape} with dims {list(args['dims'])}"
        verdicts = [kept_inputs(where, inputs, seen["after"][key]) for key in self.ACTIVATIONS]
        tanh_scores = oracle.network_scores(*inputs.values(), "tanh")
        for key, (_, name) in self.ACTIVATIONS.items():
            expected = oracle.network_scores(*inputs.values(), name)
            mistakes = {f"{name} applied after the output layer too.": (
                np.tanh(expected) if name == "tanh" else np.maximum(expected, 0))}
            if name != "tanh":
                mistakes = {"the `activation` argument is ignored: these are the scores with "
                            "tanh after every hidden layer.": tanh_scores, **mistakes}
            verdicts.append(compare(
                where + (" and its default activation" if key == "default" else
                         f" and activation={name}"), seen["out"][key], expected,
                hints=FORWARD_HINTS if key == "default" else FORWARD_ACTIVATION_HINTS,
                mistakes=mistakes))
        return first_failure(*verdicts)


# --- collapse_linear --------------------------------------------------------------------

COLLAPSE_HINTS = ("Check W and b separately: W alone is what the stack does to X when every "
                  "bias is zero.",
                  "Section 6: expand two layers by hand as in the worked scalar case, keeping "
                  "each matrix on the side where it multiplies.")


def _stack(weights, biases):
    """The stack of affine layers as a function of X (N, d_0), computed by torch."""
    return lambda X: oracle.network_scores(X, weights, biases, "identity")


def _shape_verdict(name, label, got: np.ndarray, shape: tuple) -> Verdict | None:
    if got.shape == shape:
        return None
    message = f"{name}: {label} has shape {got.shape}, expected {shape}"
    if got.ndim == 2 and got.shape == shape[::-1]:
        message += ": it looks transposed (are the two factors of a product swapped?)"
    return Verdict.fail(message + ".", *COLLAPSE_HINTS)


def judge_collapse(name, seen, weights, biases) -> Verdict:
    """W, b of the right shapes; X @ W + b equal to the stack's output on random X (W judged
    first, by what it does to the difference of two inputs, where the biases cancel)."""
    if seen.get("error"):
        return Verdict.fail(f"{name} raised {seen['error']}",
                            "Which two arrays did not fit? Write down the shape of every W "
                            "and b as you go through the layers.", COLLAPSE_HINTS[1])
    got = seen["result"]
    if not isinstance(got, list) or len(got) != 2:
        return Verdict.fail(f"{name} should return a pair (W, b); got {describe(got)}.",
                            "The docstring's Returns line: a tuple (W, b), W of shape "
                            "(d_0, d_L) and b of shape (d_L,).",
                            "End with `return W, b` once the loop over the layers is done.")
    W, b = np.asarray(got[0], dtype=np.float64), np.asarray(got[1], dtype=np.float64)
    d_in, d_out = np.shape(weights[0])[0], np.shape(weights[-1])[1]
    wrong = _shape_verdict(name, "W", W, (d_in, d_out)) or _shape_verdict(name, "b", b,
                                                                          (d_out,))
    if wrong:
        return wrong
    X, Y = np.random.default_rng(32).normal(size=(2, d_in + 3, d_in))
    stack = _stack(weights, biases)
    square = len(weights) > 1 and len({np.shape(w) for w in weights}) == 1
    reversed_stack = _stack(weights[::-1], biases[::-1])
    verdict = compare(
        f"{name}: W, by (X - Y) @ W against the stack's output at X minus its output at Y "
        "(random X, Y)", (X - Y) @ W, stack(X) - stack(Y), hints=COLLAPSE_HINTS, mistakes={
            "the product's factors are in the wrong order: X is multiplied by the first "
            "layer's matrix first.": reversed_stack(X) - reversed_stack(Y)} if square else None)
    if not verdict.passed:
        return verdict
    mistakes = {"b is only the last layer's bias: the earlier layers' biases still reach the "
                "output, through the later weights.": X @ W + biases[-1]} if len(biases) > 1 \
        else {}
    if len(biases) > 1 and len({np.shape(x) for x in biases}) == 1:
        mistakes = {"b is the sum of the layers' biases: an early layer's bias goes through "
                    "every later layer's weights before it reaches the output.":
                    X @ W + np.sum(biases, axis=0), **mistakes}
    return compare(f"{name}: b, by X @ W + b against the stack's output (W is right)",
                   X @ W + b, stack(X), mistakes=mistakes,
                   hints=("Does every bias pass through all the layers after it?",
                          "Section 6: expand three layers by hand and collect the terms "
                          "without X."))


def run_collapse(collapse_linear, weights, biases) -> dict:
    """collapse_linear's raw result (on copies of the stack), or the error it raised on
    shape-related grounds; and the stack as the call left it."""
    try:
        result, after = on_copies(collapse_linear, weights, biases,
                                  names=("weights", "biases"))
    except (ValueError, IndexError, TypeError) as error:
        return {"error": f"{type(error).__name__}: {error}"[:300]}
    return {"result": list(result) if isinstance(result, tuple | list) else result,
            "after": after}


def judge_collapse_kept(name, seen, weights, biases) -> Verdict:
    """collapse_linear left the stack as it was, then :func:`judge_collapse`."""
    if seen.get("error") or "after" not in seen:
        return judge_collapse(name, seen, weights, biases)
    return first_failure(kept_inputs(name, {"weights": weights, "biases": biases},
                                     seen["after"]),
                         judge_collapse(name, seen, weights, biases))


@register
class CollapseLinear(Check):
    """Your collapse_linear gives the one affine map (W, b) of a stack; the stack is unchanged."""

    name = "collapse_linear_values"
    rules = COLLAPSE_RULES
    STACKS = {"square": (3, 3, 3, 3), "mixed": (3, 5, 4, 2)}

    def inputs(self):
        return {key: random_mlp(list(dims), 31) for key, dims in self.STACKS.items()}

    def probe(self, collapse_linear):
        return {key: run_collapse(collapse_linear, *stack)
                for key, stack in self.inputs().items()}

    def judge(self, seen):
        stacks = self.inputs()
        for key, dims in self.STACKS.items():
            verdict = judge_collapse_kept(f"collapse_linear on dims {list(dims)}", seen[key],
                                          *stacks[key])
            if not verdict.passed:
                return verdict
        return Verdict.ok()


@register
class CollapseLinearOneLayer(Check):
    """Your collapse_linear of a single layer gives that layer's own W and b."""

    name = "collapse_linear_one_layer"
    rules = COLLAPSE_RULES

    def inputs(self):
        return random_mlp([4, 3], 33)

    def probe(self, collapse_linear):
        return run_collapse(collapse_linear, *self.inputs())

    def judge(self, seen):
        return judge_collapse_kept("collapse_linear of one layer", seen, *self.inputs())
