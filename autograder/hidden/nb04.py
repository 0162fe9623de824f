"""Hidden checks for 04_computation_graph_backprop (instructor only)."""

from __future__ import annotations

import numpy as np
from nncourse.checking import Check, register
from nncourse.checks.nb04 import (
    DERIVED,
    DSCORES_IDEA,
    RELU_LAYER_IDEA,
    RULES,
    SIGMOID_IDEA,
    SOFTMAX_LOSS_HINTS,
    Case,
    LinearFunctionGradients,
    TrainValueMlp,
    ValueCasesCheck,
    ValueNet,
    _counting,
    _TooManyCalls,
    build_probe_graph,
    case_inputs,
    dag_spec,
    dscores_symptom,
    judge_linear_out,
    judge_mlp,
    judge_order,
    judge_value_cases,
    names_in_order,
    relu_symptom,
    run_mlp,
    run_value_case,
    sigmoid_symptom,
)
from nncourse.compare import compare, unchanged
from nncourse.gradcheck import finite_difference_vjp, gradient_check
from nncourse.oracle import cross_entropy, cross_entropy_gradient, sigmoid
from nncourse.verdict import Verdict, first_failure


def _value_graphs(Node):
    """Graphs built from + and * only (the shapes Value expressions make); every node has a
    handle. Node is any class whose + and * make a new node.

    Returns {name: (known nodes in creation order, edges as (input, output) indices, root)}.
    """
    graphs = {}
    a, b = Node(0.7), Node(-1.3)
    c = a * b
    d = c + a          # a used twice in the graph
    e = b * b          # b used twice by one node
    f = d * e
    g = f + d          # d used twice
    graphs["reuse"] = ([a, b, c, d, e, f, g],
                       [(0, 2), (1, 2), (2, 3), (0, 3), (1, 4), (3, 5), (4, 5), (5, 6), (3, 6)],
                       6)
    half = Node(0.5)
    x = Node(1.25)
    nodes, edges, current = [half, x], [], 1
    for _ in range(120):  # x <- (x + x) * half: a chain 240 operations deep
        s = x + x
        nodes.append(s)
        edges.append((current, len(nodes) - 1))
        x = s * half
        nodes.append(x)
        edges += [(len(nodes) - 2, len(nodes) - 1), (0, len(nodes) - 1)]
        current = len(nodes) - 1
    graphs["chain"] = (nodes, edges, len(nodes) - 1)
    return graphs


class _ExpressionNode:
    """A bare node the probe builds with + and *, as a Value expression would be built."""

    def __init__(self, data, prev=()):
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(prev)

    def __add__(self, other):
        return _ExpressionNode(0.0, (self, other))

    def __mul__(self, other):
        return _ExpressionNode(0.0, (self, other))


GRAPH_NAMES = {"reuse": "a graph where nodes are used by two later nodes and b * b uses b twice",
               "chain": "x <- (x + x) * 0.5 repeated 120 times (x + x uses x twice, 0.5 is "
                        "shared by all 120 products)"}


@register
class TopologicalOrderExpressions(Check):
    """topological_order is right on expression graphs: shared nodes, x + x, a deep chain."""

    name = "topological_order_hidden_expressions"

    def inputs(self):
        return _value_graphs(_ExpressionNode)

    def probe(self, topological_order):
        seen = {}
        for name, (nodes, _edges, root) in self.inputs().items():
            tally = {"prev": 0}
            for node in nodes:  # stop a walk that follows every path (2^120 in the chain)
                node._prev = _counting(node._prev, tally, 20 * len(nodes))
            index = {id(node): i for i, node in enumerate(nodes)}
            try:
                order = list(topological_order(nodes[root]))
            except _TooManyCalls:
                seen[name] = {"stopped": tally["prev"], "nodes": len(nodes)}
                continue
            seen[name] = {"positions": [index.get(id(item), -1) for item in order],
                          "distinct": len({id(item) for item in order})}
        return seen

    def judge(self, seen):
        for name, (_nodes, edges, root) in self.inputs().items():
            what = f"topological_order on {GRAPH_NAMES[name]}"
            if "stopped" in seen[name]:
                return Verdict.fail(
                    f"{what}: it walked the inputs (_prev) of the {seen[name]['nodes']} nodes "
                    f"more than {seen[name]['stopped'] - 1} times before the check stopped it: "
                    "it goes through a node again every time it reaches it along another "
                    "path.",
                    "Your walk handles a node again each time another path leads to it, so its "
                    "work grows with the number of paths, not of nodes.",
                    "Section 2: draw a diamond (two paths from the root to one leaf) and count "
                    "by hand how often your code handles the leaf; what could tell it that it "
                    "has been there before?")
            got = seen[name]["positions"]
            if seen[name]["distinct"] != len(got):
                return Verdict.fail(f"{what}: {len(got) - seen[name]['distinct']} nodes appear "
                                    "more than once.",
                                    "A node reached along two paths is added to the list each "
                                    "time it is reached.",
                                    "Run it on a diamond of section 2 (one node used by two "
                                    "others), print the list and count each node.")
            if -1 in got:
                return Verdict.fail(f"{what}: the list holds something that is not a node of "
                                    "the graph.",
                                    "An entry of the list is not one of the graph's nodes: a "
                                    "copy, its data or a label?",
                                    "For a small graph, print type(x) of each entry and check "
                                    "with `is` that it is a node you built.")
            for i in range(root + 1):
                if got.count(i) != 1:
                    return Verdict.fail(f"{what}: a node of the graph appears {got.count(i)} "
                                        "times, expected once.",
                                        "Some node is missing (or repeated): not every input "
                                        "of every node is followed down to the leaves.",
                                        "Print the list for a chain of three nodes and for a "
                                        "diamond, and check by hand that every node is there "
                                        "once.")
            for src, dst in edges:
                if got.index(src) > got.index(dst):
                    return Verdict.fail(f"{what}: a node comes before one of its inputs.",
                                        "The list is not in an order where every node "
                                        "follows the nodes it is computed from.",
                                        "Section 2: for a chain a -> b -> c and for a diamond, "
                                        "write by hand where each node may go, then print where "
                                        "your code puts it.")
            if got[-1] != root:
                return Verdict.fail(f"{what}: the root is not last.",
                                    "The node you were called on is not the list's last "
                                    "entry: the order ends with another node.",
                                    "Print the list for a chain of three nodes and trace when "
                                    "your code adds the node it was called on.")
        return Verdict.ok()


def _hidden_mix(a, b):
    c = (2 - a) / (3 / b) ** 2 - 1 / (a * 4)
    d = (c * c + 0.5).log() + (-c).exp() * (a - b).tanh()
    return d / (1 + b.sigmoid()) - (a ** 0.5 - 1).relu() * 2


def _reflected(a, b):
    return (2 - a) / (3 / b) - 1 / (a * 4) + (5 - b) * (1.5 + a)


HIDDEN_ARITHMETIC = (
    Case("(2 - a) / (3 / b) - 1 / (4a) + (5 - b)(1.5 + a)", 2, _reflected, 0.4, 2.5,
         "Numbers on the left call the reflected methods (2 - a calls a.__rsub__(2), 3 / b "
         "calls b.__rtruediv__(3)): check which operand comes first in each.",
         idea="Section 3, 'Numbers on either side'."),
    Case("1 / a (a negative)", 1, lambda a: 1 / a, -3.0, -0.5,
         "1 / a calls a.__rtruediv__(1)."),
    Case("10 - a - a", 1, lambda a: 10 - a - a,
         hint="a is used twice here, subtracted both times, and its gradient is off: some "
              "use does not count, or counts with the wrong sign.",
         idea="Section 3, 'a node used twice'."),
    Case("a / b - b / a", 2, lambda a, b: a / b - b / a, -3.0, -0.5,
         "Division with negative numbers: check df/db (the denominator), and its sign.",
         idea="Section 3: division is a composition of operations in the table."),
)

HIDDEN_FUNCTIONS = (
    Case("(a - 1)^3", 1, lambda a: (a - 1) ** 3, 1.5, 3.0,
         "A power of an expression: check the local derivative in __pow__'s _backward."),
    Case("a ** 0.5", 1, lambda a: a ** 0.5, 0.3, 4.0,
         "a ** 0.5: check the local derivative in __pow__'s _backward (k need not be an "
         "integer)."),
    Case("a.tanh() at a large", 1, lambda a: a.tanh(), 2.0, 3.0,
         "tanh for larger inputs: check its local derivative.",
         idea="Notebook 03 (section 4) wrote it with tanh's own output."),
    Case("a.sigmoid() at a = 1000", 1, lambda a: a.sigmoid(), fixed=(1000.0,),
         hint="sigmoid at a = 1000 failed: it must give 1 and a zero gradient, without "
              "overflow."),
    Case("a.sigmoid() at a = -1000", 1, lambda a: a.sigmoid(), fixed=(-1000.0,),
         hint="sigmoid at a = -1000 failed: math.exp(1000) raises OverflowError.",
         idea="For negative a, write the sigmoid so that exp only ever sees a number <= 0 "
              "(notebook 01's stable sigmoid)."),
    Case("a.exp(), a.log(), a.relu() at random a", 1,
         lambda a: a.exp() + (a + 3.5).log() + (a - 0.1).relu(), -3.0, 3.0,
         "exp, log or relu: check their local derivatives (relu'(0) = 0)."),
)

HIDDEN_BACKWARD = (
    Case("(2 - a) / (3 / b)^2 - 1 / (4a), then log, exp, tanh, sigmoid, relu", 2, _hidden_mix,
         0.4, 2.5, "Each operation passes on its own; in this mixture some nodes are used by "
         "several later nodes, and a gradient is off.",
         "Section 1: a node's grad must be complete before its _backward passes it on, and "
         "must collect every use: check both in your backward and your _backward closures."),
    Case("a * a * a - a / a", 1, lambda a: a * a * a - a / a, 0.5, 2.0,
         "a is used five times here and its gradient is off: some uses do not count.",
         "Section 3, 'a node used twice'."),
)


class FreshValueCases(ValueCasesCheck):
    """Base of the hidden Value checks: a table of expressions at this run's random inputs."""

    tag = 0
    fresh = True
    defaults = {}

    def inputs(self, run_seed=0):
        return {"points": [case_inputs(case, run_seed, self.tag, i)
                           for i, case in enumerate(self.cases)]}


@register
class ValueHiddenArithmetic(FreshValueCases):
    """Value is right with numbers left of every operator, negative inputs, a node used twice."""

    name = "value_hidden_arithmetic"
    rules = DERIVED
    cases = HIDDEN_ARITHMETIC
    tag = 4101


@register
class ValueHiddenFunctions(FreshValueCases):
    """Value's **, tanh, sigmoid (also at +-1000), exp, log and relu are right at fresh inputs."""

    name = "value_hidden_functions"
    rules = DERIVED
    cases = HIDDEN_FUNCTIONS
    tag = 4102


LOOK_UP = "Section 3's table of local derivatives: fill in this operation's row on paper first."


def _shared_sum(a, b):
    s = a + b
    return s + s


GIVEN_ONLY = (
    Case("a + b", 2, lambda a, b: a + b),
    Case("a + (b + (a + b))", 2, lambda a, b: a + (b + (a + b))),
    Case("s + s with s = a + b", 2, _shared_sum),
)
"""Expressions made only of the given __add__: if one fails, backward (or the topological
order it uses) is wrong, not a local derivative."""

SINGLE_OPERATIONS = tuple(
    Case(label, arity, fn, lo, hi, idea=LOOK_UP) for label, arity, fn, lo, hi in (
        ("a * b", 2, lambda a, b: a * b, -2.0, 2.0),
        ("-a", 1, lambda a: -a, -2.0, 2.0),
        ("a - b", 2, lambda a, b: a - b, -2.0, 2.0),
        ("1 + a", 1, lambda a: 1 + a, -2.0, 2.0),
        ("2 - a", 1, lambda a: 2 - a, -2.0, 2.0),
        ("a ** 2", 1, lambda a: a ** 2, -2.0, 2.0),
        ("a ** 0.5", 1, lambda a: a ** 0.5, 0.3, 2.5),
        ("a ** -1", 1, lambda a: a ** -1, 0.4, 2.5),
        ("a / b", 2, lambda a, b: a / b, 0.4, 2.5),
        ("3 / a", 1, lambda a: 3 / a, 0.4, 2.5),
        ("a.exp()", 1, lambda a: a.exp(), -2.0, 2.0),
        ("a.log()", 1, lambda a: a.log(), 0.3, 2.5),
        ("a.tanh()", 1, lambda a: a.tanh(), -2.0, 2.0),
        ("a.sigmoid()", 1, lambda a: a.sigmoid(), -3.0, 3.0),
        ("a.relu() (a > 0)", 1, lambda a: a.relu(), 0.2, 2.0),
        ("a.relu() (a < 0)", 1, lambda a: a.relu(), -2.0, -0.2)))
"""Every operation the mixed expressions use, one at a time, to name the one that is off: the
arithmetic first, then powers and division, then exp, log, tanh, sigmoid and relu (those that
may be built from others come after them, so the first one off is the one to fix)."""


@register
class ValueHiddenMixed(FreshValueCases):
    """Value.backward is right on long expressions mixing every operation, nodes used often.

    When an expression is wrong, the judge also compares each operation on its own with torch
    and names the first one that is off; only when all of them pass does it point to
    accumulation and the order of the backward pass."""

    name = "value_hidden_mixed"
    rules = DERIVED
    cases = HIDDEN_BACKWARD
    tag = 4103
    OPERATIONS_TAG = 4105
    GIVEN_TAG = 4106

    def inputs(self, run_seed=0):
        return super().inputs(run_seed) | {
            "given_only": [case_inputs(case, run_seed, self.GIVEN_TAG, i)
                           for i, case in enumerate(GIVEN_ONLY)],
            "operations": [case_inputs(case, run_seed, self.OPERATIONS_TAG, i)
                           for i, case in enumerate(SINGLE_OPERATIONS)]}

    def probe(self, Value, run_seed=0):
        points = self.inputs(run_seed)
        return super().probe(Value, run_seed=run_seed) | {
            part: [run_value_case(Value, case, x)
                   for case, x in zip(cases, points[part], strict=True)]
            for part, cases in (("given_only", GIVEN_ONLY), ("operations", SINGLE_OPERATIONS))}

    def judge(self, seen, run_seed=0):
        verdict = super().judge(seen, run_seed=run_seed)
        if verdict.passed or verdict.message.startswith("Value: not implemented"):
            return verdict
        points = self.inputs(run_seed)
        for case, result, x in zip(GIVEN_ONLY, seen["given_only"], points["given_only"],
                                   strict=True):
            alone = judge_value_cases((case,), [result], [x])
            if not alone.passed:
                return Verdict.fail(
                    f"{verdict.message}\n  Even an expression made only of the given + is "
                    f"wrong: {alone.message}",
                    "Only the given __add__ is involved: unless you changed it, the problem "
                    "is in backward (or in your topological_order, which it uses).",
                    "Section 1: the algorithm of the backward pass: where does the root's "
                    "gradient come from, and in which order must the _backward calls run so "
                    "that each node's .grad is complete first?")
        for case, result, x in zip(SINGLE_OPERATIONS, seen["operations"], points["operations"],
                                   strict=True):
            alone = judge_value_cases((case,), [result], [x])
            if not alone.passed:
                return Verdict.fail(
                    f"{verdict.message}\n  One operation at a time: {case.label} is already "
                    f"wrong on its own. {alone.message}",
                    f"{case.label} on its own is wrong, so every expression that uses it is "
                    "too: check its value and the local derivative its _backward uses.",
                    LOOK_UP)
        return Verdict.fail(f"{verdict.message}\n  Every operation on its own matches torch: "
                            "the error comes from how the nodes are combined.", *verdict.hints)


@register
class TopologicalOrderFresh(Check):
    """topological_order is right on random graphs drawn for this run (shared, repeated inputs)."""

    name = "topological_order_hidden_fresh"
    fresh = True
    SIZES = (60, 12, 200)

    def inputs(self, run_seed=0):
        return {n: dag_spec("random", int(np.random.default_rng([run_seed, 4104, k]).integers(
            2**31)), n) for k, n in enumerate(self.SIZES)}

    def probe(self, topological_order, run_seed=0):
        orders = []
        for spec in self.inputs(run_seed).values():
            nodes, root = build_probe_graph(*spec)
            orders.append(names_in_order(topological_order(root), nodes))
        return {"orders": orders}

    def judge(self, seen, run_seed=0):
        return first_failure(*(
            judge_order(f"topological_order on a random graph of {n} nodes", got, *spec)
            for (n, spec), got in zip(self.inputs(run_seed).items(), seen["orders"],
                                      strict=True)))


# --------------------------------------------------------------------------------------------
# Layers at this run's random inputs, passed as non-contiguous views (W.T, A[:, ::2]) and
# never copied (a copy would be contiguous): the probes return the views after the calls
# --------------------------------------------------------------------------------------------


def strided(rng: np.random.Generator, shape: tuple[int, ...], how: str,
            scale: float = 1.0) -> np.ndarray:
    """A random array of ``shape`` that is a non-contiguous view: a transpose ("T"), every
    second column ("cols") or every second entry of a longer vector ("step")."""
    if how == "T":
        return rng.normal(scale=scale, size=shape[::-1]).T
    if how == "cols":
        return rng.normal(scale=scale, size=(shape[0], 2 * shape[1]))[:, ::2]
    return rng.normal(scale=scale, size=2 * shape[0])[::2]


def layer_views(run_seed: int, tag: int, scale: float = 1.0) -> dict:
    """(N, D, M) and X (N, D) every second column, W (D, M) a transpose, b (M,) strided,
    dout (N, M) a transpose: all non-contiguous."""
    rng = np.random.default_rng([run_seed, tag])
    n, d, m = (int(v) for v in rng.integers((1, 2, 2), (9, 7, 6)))
    return {"X": strided(rng, (n, d), "cols", scale), "W": strided(rng, (d, m), "T"),
            "b": strided(rng, (m,), "step"), "dout": strided(rng, (n, m), "T")}


VIEWS = "(X = A[:, ::2], W = V.T, dout = U.T)"


@register
class LinearForwardFresh(Check):
    """linear_forward is right on non-contiguous X, W and b drawn for this run."""

    name = "linear_forward_hidden_fresh"
    fresh = True

    def inputs(self, run_seed=0):
        x = layer_views(run_seed, 4201)
        return {"X": x["X"], "W": x["W"], "b": x["b"]}

    def probe(self, linear_forward, run_seed=0):
        out, _cache = linear_forward(*self.inputs(run_seed).values())
        return {"out": out}

    def judge(self, seen, run_seed=0):
        x = self.inputs(run_seed)
        return judge_linear_out(f"linear_forward(X {x['X'].shape} = A[:, ::2], W "
                                f"{x['W'].shape} = V.T, b)[0]", seen["out"], **x)


@register
class LinearBackwardFresh(Check):
    """linear_backward is right on non-contiguous X, W, dout of this run; inputs unchanged."""

    name = "linear_backward_hidden_fresh"
    rules = DERIVED
    fresh = True

    def inputs(self, run_seed=0):
        return layer_views(run_seed, 4202)

    def probe(self, linear_forward, linear_backward, run_seed=0):
        x = self.inputs(run_seed)
        _out, cache = linear_forward(x["X"], x["W"], x["b"])
        dX, dW, db = linear_backward(x["dout"], cache)
        return {"dX": dX, "dW": dW, "db": db, "after": x}

    def judge(self, seen, run_seed=0):
        x = self.inputs(run_seed)
        X, W, b, dout = x.values()
        where = f"on non-contiguous inputs {VIEWS}, X {X.shape}"
        return first_failure(
            gradient_check(f"dX {where}", seen["dX"],
                           finite_difference_vjp(lambda Z: Z @ W + b, X, dout)),
            gradient_check(f"dW {where}", seen["dW"],
                           finite_difference_vjp(lambda Z: X @ Z + b, W, dout)),
            gradient_check(f"db {where}", seen["db"],
                           finite_difference_vjp(lambda Z: X @ W + Z, b, dout)),
            unchanged("linear_backward", x, seen["after"]))


class FreshLayer(Check):
    """Base of the hidden elementwise-layer checks: forward then backward on this run's
    non-contiguous X and dout; the views returned as the calls left them."""

    fresh = True
    tag = extra_tag = 0
    scale = 1.0
    extremes: tuple[float, ...] = (0.0,)  # written into X's corners (the kink, or +-800)

    def inputs(self, run_seed=0):
        X = layer_views(run_seed, self.tag, scale=self.scale)["X"]
        dout = strided(np.random.default_rng([run_seed, self.extra_tag]), X.shape, "T")
        X[0, 0] = self.extremes[0]  # written through the view
        if len(self.extremes) > 1:
            X[-1, -1] = self.extremes[1]
        return {"X": X, "dout": dout}

    def probe(self, forward, backward, run_seed=0):
        x = self.inputs(run_seed)
        out, cache = forward(x["X"])
        return {"out": out, "dX": backward(x["dout"], cache), "after": x}


@register
class ReluLayerFresh(FreshLayer):
    """relu_forward/backward are right on non-contiguous inputs of this run, a zero and the
    smallest negative subnormal included (the visible check's kinds: the kink, and a value a
    fixed-step difference quotient steps across)."""

    name = "relu_layer_hidden_fresh"
    rules = DERIVED
    tag, extra_tag = 4203, 4213
    extremes = (0.0, -5e-324)

    def judge(self, seen, run_seed=0):
        x = self.inputs(run_seed)
        X, dout = x.values()
        expected = np.where(X > 0, dout, 0.0)
        try:
            dX = np.asarray(seen["dX"], dtype=np.float64)
        except (TypeError, ValueError):
            dX = np.empty(0)
        symptom = (relu_symptom(dX, X, dout, expected) if dX.shape == X.shape
                   and np.all(np.isfinite(dX)) else
                   "dX has the wrong shape or form: it has one entry per entry of X.")
        return first_failure(
            compare("relu_forward(X) on a non-contiguous X", seen["out"], np.maximum(X, 0.0),
                    hints=("The forward output is wrong on a non-contiguous X.",
                           RELU_LAYER_IDEA)),
            compare("relu_backward on non-contiguous X and dout", seen["dX"], expected,
                    hints=(symptom, RELU_LAYER_IDEA)),
            unchanged("relu_forward/relu_backward", x, seen["after"]))


@register
class SigmoidLayerFresh(FreshLayer):
    """sigmoid_forward/backward are right, warning-free on non-contiguous inputs up to 800."""

    name = "sigmoid_layer_hidden_fresh"
    rules = DERIVED
    warnings_fail = True
    tag, extra_tag, scale, extremes = 4204, 4214, 4.0, (800.0, -800.0)

    def judge(self, seen, run_seed=0):
        x = self.inputs(run_seed)
        X, dout = x.values()
        s = sigmoid(X)
        return first_failure(
            compare("sigmoid_forward(X) on a non-contiguous X", seen["out"], s, atol=1e-12,
                    hints=("The forward output is wrong on a non-contiguous X.",
                           "Notebook 01's stable sigmoid, applied entry by entry.")),
            compare("sigmoid_backward on non-contiguous X and dout", seen["dX"],
                    dout * s * (1 - s), atol=1e-12,
                    hints=(sigmoid_symptom(seen["dX"], X, dout, dout * s * (1 - s)),
                           SIGMOID_IDEA)),
            unchanged("sigmoid_forward/sigmoid_backward", x, seen["after"]))


@register
class SoftmaxCrossEntropyFresh(Check):
    """softmax_cross_entropy is right, warning-free on this run's transposed, far-apart scores."""

    name = "softmax_cross_entropy_hidden_fresh"
    rules = DERIVED
    fresh = True
    warnings_fail = True

    def inputs(self, run_seed=0):
        rng = np.random.default_rng([run_seed, 4205])
        n, k = (int(v) for v in rng.integers((3, 2), (9, 7)))
        scores = strided(rng, (n, k), "T", scale=3.0)
        scores += rng.choice([-900.0, -300.0, 0.0, 400.0, 950.0], size=(n, 1))
        return {"scores": scores, "y": rng.integers(0, k, size=2 * n)[::2]}

    def probe(self, softmax_cross_entropy, run_seed=0):
        x = self.inputs(run_seed)
        loss, dscores = softmax_cross_entropy(x["scores"], x["y"])
        return {"loss": loss, "dscores": dscores, "after": x}

    def judge(self, seen, run_seed=0):
        x = self.inputs(run_seed)
        scores, y = x.values()
        return first_failure(
            compare(f"loss on scores {scores.shape} (a transpose; row maxima far apart)",
                    np.squeeze(seen["loss"]), cross_entropy(scores, y), n=len(y),
                    hints=SOFTMAX_LOSS_HINTS),
            compare("dscores on the same scores", seen["dscores"],
                    cross_entropy_gradient(scores, y), n=len(y),
                    hints=(dscores_symptom(seen["dscores"], scores, y), DSCORES_IDEA)),
            unchanged("softmax_cross_entropy", x, seen["after"]))


@register
class SoftmaxCrossEntropyUniform(Check):
    """softmax_cross_entropy on equal scores gives the loss log K and the matching dscores."""

    name = "softmax_cross_entropy_hidden_uniform"
    rules = DERIVED

    def inputs(self):
        return {"scores": np.full((5, 5), 7.0), "y": np.array([0, 3, 3, 1, 4])}

    def probe(self, softmax_cross_entropy):
        loss, dscores = softmax_cross_entropy(*self.inputs().values())
        return {"loss": loss, "dscores": dscores}

    def judge(self, seen):
        return first_failure(
            compare("loss on equal scores (5 classes)", np.squeeze(seen["loss"]), np.log(5.0),
                    hints=SOFTMAX_LOSS_HINTS),
            compare("dscores on equal scores", seen["dscores"],
                    cross_entropy_gradient(*self.inputs().values()), n=5,
                    hints=(dscores_symptom(seen["dscores"], *self.inputs().values()),
                           DSCORES_IDEA)))


@register
class MlpHiddenFresh(Check):
    """mlp_loss_and_grads is right at this run's sizes, non-contiguous arrays, a batch of one."""

    name = "mlp_loss_and_grads_hidden_fresh"
    rules = RULES["mlp_loss_and_grads"]
    fresh = True

    def inputs(self, run_seed=0):
        """A two-layer net's params and data for this run; W1 a transpose, X every second
        column, b2 strided. Run 0: random sizes; run 1: a batch of one."""
        runs = []
        for k in (0, 1):
            rng = np.random.default_rng([run_seed, 4206, k])
            n, d, h, c = (int(v) for v in rng.integers((2, 2, 2, 2), (14, 6, 9, 6)))
            n = 1 if k == 1 else n
            params = {"W1": strided(rng, (d, h), "T") / np.sqrt(d),
                      "b1": rng.normal(size=h) * 0.1,
                      "W2": rng.normal(scale=1 / np.sqrt(h), size=(h, c)),
                      "b2": strided(rng, (c,), "step") * 0.1}
            runs.append({"params": params, "X": strided(rng, (n, d), "cols"),
                         "y": rng.integers(0, c, size=n)})
        return {"runs": runs}

    def probe(self, mlp_loss_and_grads, run_seed=0):
        return {"runs": [run_mlp(mlp_loss_and_grads, **run)
                         for run in self.inputs(run_seed)["runs"]]}

    def judge(self, seen, run_seed=0):
        return first_failure(*(judge_mlp(got, **run) for got, run in
                               zip(seen["runs"], self.inputs(run_seed)["runs"], strict=True)))


# (new 2026-12-06) the Value net, its training loop and LinearFunction, on this run's inputs


def _fresh_seed(run_seed: int, salt: int) -> int:
    return int(np.random.default_rng([run_seed, salt]).integers(2**31))


@register
class ValueNetFresh(ValueNet):
    """Neuron, Layer and MLP of Values are right with this run's weights and inputs."""

    name = "value_net_hidden_fresh"
    defaults = {}
    fresh = True

    def probe(self, Neuron, Layer, MLP, Value, run_seed=0):
        return super().probe(Neuron, Layer, MLP, Value, seed=_fresh_seed(run_seed, 4301))

    def judge(self, seen, run_seed=0):
        return super().judge(seen, seed=_fresh_seed(run_seed, 4301))


@register
class TrainValueMlpFresh(TrainValueMlp):
    """train_value_mlp is right on this run's net, data, number of steps and learning rate."""

    name = "train_value_mlp_hidden_fresh"
    defaults = {}
    fresh = True

    @staticmethod
    def arguments_of(run_seed: int) -> dict:
        rng = np.random.default_rng([run_seed, 4302])
        return {"seed": int(rng.integers(2**31)), "steps": int(rng.integers(2, 6)),
                "lr": float(rng.choice([0.05, 0.15, 0.4])), "n": int(rng.integers(3, 8))}

    def probe(self, train_value_mlp, Value, run_seed=0):
        return super().probe(train_value_mlp, Value, **self.arguments_of(run_seed))

    def expected(self, seed, steps, lr, n):
        from autograder.references import train_steps_cases

        found = train_steps_cases(seed, steps, lr, n)
        return [found["losses"], found["params"]]

    def judge(self, seen, run_seed=0):
        return super().judge(seen, **self.arguments_of(run_seed))


@register
class TrainValueMlpLong(TrainValueMlp):
    """train_value_mlp follows the reference step by step over a long run (30 to 60 steps, as
    long as the lesson's training) on this run's net, data and learning rate: a loop that
    stops moving, or goes wrong, after any number of steps is seen at that step."""

    name = "train_value_mlp_hidden_long"
    defaults = {}
    fresh = True

    @staticmethod
    def arguments_of(run_seed: int) -> dict:
        rng = np.random.default_rng([run_seed, 4304])
        return {"seed": int(rng.integers(2**31)), "steps": int(rng.integers(30, 61)),
                "lr": float(rng.choice([0.1, 0.2, 0.3])), "n": int(rng.integers(4, 9))}

    def probe(self, train_value_mlp, Value, run_seed=0):
        return super().probe(train_value_mlp, Value, **self.arguments_of(run_seed))

    def expected(self, seed, steps, lr, n):
        from autograder.references import train_steps_cases

        found = train_steps_cases(seed, steps, lr, n)
        return [found["losses"], found["params"]]

    def judge(self, seen, run_seed=0):
        return super().judge(seen, **self.arguments_of(run_seed))


@register
class LinearFunctionFresh(LinearFunctionGradients):
    """LinearFunction is right on shapes and numbers drawn for this run."""

    name = "linear_function_hidden_fresh"
    defaults = {}
    fresh = True

    @staticmethod
    def arguments_of(run_seed: int) -> dict:
        rng = np.random.default_rng([run_seed, 4303])
        n, d, m = (int(v) for v in rng.integers((3, 3, 1), (9, 7, 6)))
        return {"n": n, "d": d, "m": m, "seed": int(rng.integers(2**31))}

    def probe(self, LinearFunction, run_seed=0):
        return super().probe(LinearFunction, **self.arguments_of(run_seed))

    def judge(self, seen, run_seed=0):
        return super().judge(seen, **self.arguments_of(run_seed))
