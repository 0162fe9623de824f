"""Hidden checks for 04_computation_graph_backprop (instructor only)."""

from __future__ import annotations

import numpy as np
from nncourse.checking import Check, register
from nncourse.checks.nb04 import (
    Case,
    ValueCasesCheck,
    compare,
    judge_mlp,
    mlp_data,
)
from nncourse.verdict import Verdict, first_failure


def _value_graphs(Value):
    """Graphs built with the student's Value from + and * only; every node has a handle.

    Returns {name: (known nodes in creation order, edges as (input, output) indices, root)}.
    """
    graphs = {}
    a, b = Value(0.7), Value(-1.3)
    c = a * b
    d = c + a          # a used twice in the graph
    e = b * b          # b used twice by one node
    f = d * e
    g = f + d          # d used twice
    graphs["reuse"] = ([a, b, c, d, e, f, g],
                       [(0, 2), (1, 2), (2, 3), (0, 3), (1, 4), (3, 5), (4, 5), (5, 6), (3, 6)],
                       6)
    half = Value(0.5)
    x = Value(1.25)
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


@register
class TopologicalOrderOnValues(Check):
    """topological_order on Value graphs: shared nodes, a node used twice, a deep chain."""

    name = "topological_order_hidden_values"

    def probe(self, topological_order, Value):
        seen = {}
        for name, (nodes, _edges, root) in _value_graphs(Value).items():
            index = {id(node): i for i, node in enumerate(nodes)}
            order = list(topological_order(nodes[root]))
            seen[name] = {"positions": [index.get(id(item), -1) for item in order],
                          "distinct": len({id(item) for item in order})}
        return seen

    def judge(self, seen):
        for name in ("reuse", "chain"):
            _nodes, edges, root = _value_graphs_shape(name)
            got = seen[name]["positions"]
            what = f"topological_order on a Value graph ({name})"
            if seen[name]["distinct"] != len(got):
                return Verdict.fail(f"{what}: {len(got) - seen[name]['distinct']} nodes appear "
                                    "more than once.", "Keep a set of visited nodes.")
            for i in range(root + 1):
                if got.count(i) != 1:
                    return Verdict.fail(f"{what}: a node built in the expression appears "
                                        f"{got.count(i)} times, expected once.")
            for src, dst in edges:
                if got.index(src) > got.index(dst):
                    return Verdict.fail(f"{what}: a node comes before one of its inputs.",
                                        "Append a node after visiting all its inputs.")
            if got[-1] != root:
                return Verdict.fail(f"{what}: the root is not last.")
        return Verdict.ok()


def _value_graphs_shape(name):
    """The edges of :func:`_value_graphs`, rebuilt without any student class."""

    class Plain:
        def __init__(self, data):
            self.data = data

        def __add__(self, other):
            return Plain(0.0)

        def __mul__(self, other):
            return Plain(0.0)

    nodes, edges, root = _value_graphs(Plain)[name]
    return nodes, edges, root


def _hidden_mix(a, b):
    c = (2 - a) / (3 / b) ** 2 - 1 / (a * 4)
    d = (c * c + 0.5).log() + (-c).exp() * (a - b).tanh()
    return d / (1 + b.sigmoid()) - (a ** 0.5 - 1).relu() * 2


HIDDEN_CASES = (
    Case("(2 - a) / (3 / b)^2 - 1 / (4a), then log, exp, tanh, sigmoid, relu", 2, _hidden_mix,
         0.4, 2.5, "Numbers on the left call the reflected methods: 2 - a is "
         "a.__rsub__(2) = 2 - a, and 3 / b is b.__rtruediv__(3) = 3 / b."),
    Case("(a - 1)^3 at a = 1 + something", 1, lambda a: (a - 1) ** 3, 1.5, 3.0,
         "d(u^3)/du = 3 u^2."),
    Case("1 / a (a negative)", 1, lambda a: 1 / a, -3.0, -0.5,
         "1 / a calls a.__rtruediv__(1)."),
    Case("10 - a - a", 1, lambda a: 10 - a - a, hint="a is used twice: d/da = -2."),
    Case("a.tanh() at a large", 1, lambda a: a.tanh(), 2.0, 3.0,
         "d(tanh a)/da = 1 - tanh(a)^2, from the output."),
    Case("a.sigmoid() at a = 1000", 1, lambda a: a.sigmoid(), fixed=(1000.0,),
         hint="sigmoid(1000) = 1 with zero gradient, without overflow."),
)


@register
class ValueHiddenMixed(ValueCasesCheck):
    """Value: numbers on the left of every operator inside a longer expression."""

    name = "value_hidden_mixed"
    cases = HIDDEN_CASES


@register
class SoftmaxCrossEntropyUniform(Check):
    """softmax_cross_entropy on equal scores: loss log K, dscores (1/K - onehot) / N."""

    name = "softmax_cross_entropy_hidden_uniform"

    def probe(self, softmax_cross_entropy):
        y = np.array([0, 3, 3, 1, 4])
        loss, dscores = softmax_cross_entropy(np.full((5, 5), 7.0), y.copy())
        return {"loss": loss, "dscores": dscores}

    def judge(self, seen):
        y = np.array([0, 3, 3, 1, 4])
        expected = np.full((5, 5), 0.2)
        expected[np.arange(5), y] -= 1.0
        return first_failure(compare("loss on equal scores (5 classes)", np.squeeze(seen["loss"]),
                                     np.log(5.0)),
                             compare("dscores on equal scores", seen["dscores"], expected / 5,
                                     n=5))


@register
class MlpHiddenSizes(Check):
    """mlp_loss_and_grads on other sizes, including a batch of one."""

    name = "mlp_loss_and_grads_hidden_sizes"
    SIZES = ((12, 4, 8, 5, 8), (1, 3, 2, 4, 9))

    def probe(self, mlp_loss_and_grads):
        seen = []
        for n, d, h, c, seed in self.SIZES:
            params, X, y = mlp_data(seed, n, d, h, c)
            copies = {k: v.copy() for k, v in params.items()}
            loss, grads = mlp_loss_and_grads(copies, X.copy(), y.copy())
            seen.append({"loss": loss, "grads": dict(grads),
                         "after": {f"params['{k}']": copies[k] for k in copies}
                         | {"X": X, "y": y}})
        return {"runs": seen}

    def judge(self, seen):
        return first_failure(*(judge_mlp(run, *mlp_data(seed, n, d, h, c))
                               for run, (n, d, h, c, seed) in zip(seen["runs"], self.SIZES)))

