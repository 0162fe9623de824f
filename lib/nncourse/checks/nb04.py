"""Visible checks for 04_computation_graph_backprop, and its graph-drawing helper.

The scalar engine (``Value``) is judged by building the same expression twice: once with the
student's class (probe) and once with torch tensors (judge). Every expression below is
written so that it runs unchanged on both, which is the whole trick: one table of cases
(label, number of inputs, input range, function) drives the arithmetic, function and
backward checks. Layers are judged against finite differences of an independent numpy
forward pass and against torch autograd, through :mod:`nncourse.gradcheck`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nncourse.checking import Check, register
from nncourse.compare import compare, describe
from nncourse.gradcheck import (
    finite_difference_gradient,
    finite_difference_vjp,
    gradient_check,
    torch_gradient,
)
from nncourse.verdict import Verdict, first_failure

# --------------------------------------------------------------------------------------------
# Computation graphs: a plain node class and a drawing of any graph of nodes
# --------------------------------------------------------------------------------------------


class Node:
    """A node of a computation graph written by hand (no arithmetic, no backward).

    label: name shown in drawings; data: forward value; prev: tuple of input nodes;
    op: the operation that made it ('' for a leaf); grad: d(root)/d(node), if known.
    The inputs live in ``_prev``, as in the notebook's ``Value``.
    """

    def __init__(self, label: str, data: float, prev=(), op: str = "", grad: float = 0.0):
        self.label = label
        self.data = float(data)
        self._prev = tuple(prev)
        self._op = op
        self.grad = float(grad)

    def __repr__(self) -> str:
        return f"Node({self.label!r}, data={self.data:.4g}, grad={self.grad:.4g})"


def _graph_nodes(root) -> list:
    """Every node reachable from ``root`` (inputs through ``_prev``), each once."""
    seen, stack, nodes = set(), [root], []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        stack.extend(getattr(node, "_prev", ()))
    return nodes


def draw_graph(root, ax=None, title: str = "Computation graph", show_grad: bool = True):
    """Draw the graph that ends in ``root``: inputs on the left, ``root`` on the right.

    Works for any node with ``.data``, ``.grad``, ``._prev`` and ``._op`` (and, if present,
    ``.label``). Each box shows the node's label, its value (forward) and, if ``show_grad``,
    its gradient (backward, in orange); each arrow carries a value from an input to the node
    made from it, and the operation is written on the receiving box.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    nodes = _graph_nodes(root)
    depth: dict = {}

    def node_depth(node) -> int:  # longest path from a leaf; iterative enough for demos
        if id(node) not in depth:
            prev = getattr(node, "_prev", ())
            depth[id(node)] = 0 if not prev else 1 + max(node_depth(p) for p in prev)
        return depth[id(node)]

    for node in nodes:
        node_depth(node)
    for node in nodes:  # draw each leaf just left of its first consumer, not all at column 0
        for parent in getattr(node, "_prev", ()):
            if not getattr(parent, "_prev", ()):
                depth[id(parent)] = min(depth.get(("leaf", id(parent)), 10**9),
                                        depth[id(node)] - 1)
                depth[("leaf", id(parent))] = depth[id(parent)]
    columns: dict[int, list] = {}
    for node in nodes[::-1]:
        columns.setdefault(depth[id(node)], []).append(node)
    where = {}
    for column, members in columns.items():
        for row, node in enumerate(members):
            where[id(node)] = (column * 2.2, (len(members) - 1) / 2 - row)
    width = max(columns) * 2.2 + 2.0
    height = max(len(m) for m in columns.values())
    if ax is None:
        _, ax = plt.subplots(figsize=(min(2.3 + 1.9 * (max(columns) + 1), 14.0),
                                      min(1.2 + 1.1 * height, 9.0)))
    for node in nodes:
        x, y = where[id(node)]
        for parent in set(map(id, getattr(node, "_prev", ()))):
            px, py = where[parent]
            ax.annotate("", xy=(x - 0.75, y), xytext=(px + 0.75, py),
                        arrowprops={"arrowstyle": "-|>", "color": "0.45", "lw": 1.2,
                                    "shrinkA": 2, "shrinkB": 2})
    for node in nodes:
        x, y = where[id(node)]
        op = getattr(node, "_op", "")
        leaf = not getattr(node, "_prev", ())
        label = getattr(node, "label", "") or ("constant" if leaf else "")
        color = "#56B4E9" if leaf else "#E8E8E8"
        ax.add_patch(FancyBboxPatch((x - 0.75, y - 0.36), 1.5, 0.72,
                                    boxstyle="round,pad=0.02", fc=color, ec="0.3", lw=1.0))
        head = f"{label} ({op})" if op and label else (op or label)
        ax.text(x, y + 0.17, head, ha="center", va="center", fontsize=9, fontweight="bold")
        ax.text(x, y - 0.02, f"data {node.data:.4g}", ha="center", va="center", fontsize=8.5)
        if show_grad:
            ax.text(x, y - 0.2, f"grad {node.grad:.4g}", ha="center", va="center",
                    fontsize=8.5, color="#D55E00")
    ax.set_xlim(-1.0, width - 1.0)
    ax.set_ylim(-height / 2 - 0.2, height / 2 + 0.2)
    ax.set_title(title)
    ax.set_xlabel("forward: left to right  \u2192     \u2190  backward: right to left")
    ax.set_yticks([])
    ax.set_xticks([])
    ax.grid(False)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    return ax


# --------------------------------------------------------------------------------------------
# topological_order: random graphs of probe-owned nodes
# --------------------------------------------------------------------------------------------


class _ProbeNode:
    """A bare graph node the probe builds; only ``_prev`` matters to topological_order."""

    def __init__(self, name: str, prev=()):
        self.name = name
        self._prev = tuple(prev)
        self.data = 0.0
        self.grad = 0.0


def dag_spec(kind: str, seed: int = 0, n: int = 30) -> tuple[list[tuple[int, ...]], int]:
    """Inputs of node i (indices of earlier nodes, repeats allowed) and the root's index.

    kind: "random" (a DAG with shared inputs, repeated inputs and unreachable nodes),
    "chain" (n nodes in a line), "single" (one leaf), "seed" (f = (x1 + x2) x3 - x4).
    """
    if kind == "single":
        return [()], 0
    if kind == "chain":
        return [()] + [(i - 1,) for i in range(1, n)], n - 1
    if kind == "seed":  # x1 x2 x3 x4 a=x1+x2 b=a*x3 f=b-x4
        return [(), (), (), (), (0, 1), (4, 2), (5, 3)], 6
    rng = np.random.default_rng(seed)
    leaves = max(2, n // 5)
    inputs: list[tuple[int, ...]] = [()] * leaves
    for i in range(leaves, n):
        k = int(rng.integers(1, 4))
        picks = rng.integers(max(0, i - 8), i, size=k)
        if rng.random() < 0.2:  # a node that uses one input twice, like a * a
            picks = np.array([picks[0], picks[0]])
        inputs.append(tuple(int(p) for p in picks))
    return inputs, n - 1


def build_probe_graph(kind: str, seed: int = 0, n: int = 30):
    """The graph of :func:`dag_spec` as :class:`_ProbeNode` objects; returns (nodes, root)."""
    inputs, root = dag_spec(kind, seed, n)
    nodes: list[_ProbeNode] = []
    for i, prev in enumerate(inputs):
        nodes.append(_ProbeNode(f"n{i}", [nodes[j] for j in prev]))
    return nodes, nodes[root]


def reachable(inputs: list[tuple[int, ...]], root: int) -> set[int]:
    found, stack = set(), [root]
    while stack:
        i = stack.pop()
        if i not in found:
            found.add(i)
            stack.extend(inputs[i])
    return found


def names_in_order(order, nodes) -> list[str]:
    """Names of the returned nodes; anything not one of ``nodes`` becomes a description."""
    index = {id(node): node.name for node in nodes}
    return [index.get(id(item), f"<not a graph node: {type(item).__name__}>")
            for item in list(order)]


def judge_order(what: str, got, inputs: list[tuple[int, ...]], root: int) -> Verdict:
    """Each reachable node once, nothing else, every node after its inputs, root last."""
    if not isinstance(got, list):
        return Verdict.fail(f"{what}: expected a list of nodes, got {describe(got)}.",
                            "Return a Python list of the nodes themselves.")
    strangers = [g for g in got if not (isinstance(g, str) and g.startswith("n"))]
    if strangers:
        return Verdict.fail(f"{what}: the list holds {strangers[0]}, expected graph nodes.",
                            "Append the node objects themselves, not their data or labels.")
    wanted = {f"n{i}" for i in reachable(inputs, root)}
    counts = {name: got.count(name) for name in set(got)}
    twice = sorted(name for name, c in counts.items() if c > 1)
    if twice:
        return Verdict.fail(
            f"{what}: node {twice[0]} appears {counts[twice[0]]} times in the order "
            f"({len(got)} entries for {len(wanted)} nodes).",
            "A node reached along two paths (or used twice, as in a * a) must be added once: "
            "remember which nodes you have visited.",
            "Keep a set of visited nodes; skip a node already in it.")
    missing = sorted(wanted - set(got), key=lambda s: int(s[1:]))
    if missing:
        return Verdict.fail(
            f"{what}: {len(missing)} of the {len(wanted)} reachable nodes are missing "
            f"(e.g. {missing[0]}).",
            "Visit every input of every node (all of node._prev), recursively, down to the "
            "leaves; include the root itself.")
    extra = sorted(set(got) - wanted)
    if extra:
        return Verdict.fail(f"{what}: {extra[0]} is not reachable from the root but is in the "
                            "order.", "Start from the root and follow only ._prev.")
    position = {name: k for k, name in enumerate(got)}
    for i in reachable(inputs, root):
        for j in inputs[i]:
            if position[f"n{j}"] > position[f"n{i}"]:
                return Verdict.fail(
                    f"{what}: node n{i} comes at position {position[f'n{i}']}, before its "
                    f"input n{j} (position {position[f'n{j}']}).",
                    "A node may be appended only after all of its inputs: visit the inputs "
                    "first, then append the node (post-order).")
    if got[-1] != f"n{root}":
        return Verdict.fail(f"{what}: the last node is {got[-1]}, expected the root n{root}.")
    return Verdict.ok()


@register
class TopologicalOrderGraphs(Check):
    """topological_order lists every reachable node once, inputs before outputs, root last."""

    name = "topological_order_graphs"
    KINDS = ("seed", "single", "chain", "random")

    def probe(self, topological_order, seed=0, n=30):
        seen = {}
        for kind in self.KINDS:
            nodes, root = build_probe_graph(kind, seed, n)
            seen[kind] = names_in_order(topological_order(root), nodes)
        return seen

    def judge(self, seen, seed=0, n=30):
        names = {"seed": "the graph of f = (x1 + x2) * x3 - x4",
                 "single": "a graph that is a single leaf", "chain": f"a chain of {n} nodes",
                 "random": f"a random graph of {n} nodes (seed {seed})"}
        return first_failure(*(
            judge_order(f"topological_order on {names[kind]}", seen[kind],
                        *dag_spec(kind, seed, n)) for kind in self.KINDS))


# --------------------------------------------------------------------------------------------
# Value: one table of expressions, run on the student's class and on torch
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """An expression in the inputs a, b, c, ... that runs on Value and on torch tensors."""

    label: str
    arity: int
    fn: Callable
    lo: float = -2.0
    hi: float = 2.0
    hint: str = ""
    fixed: tuple[float, ...] | None = None  # exact inputs instead of random ones
    names: tuple[str, ...] = ("a", "b", "c")


def _shared(a):
    b = a * 3 + 1
    return b * b + b


def _chain(a):
    return ((((a * 0.5 + 0.3).tanh() * 2.0).exp() - 1.0) / 3.0).sigmoid()


def _mixed(a, b, c):
    d = a * b + c ** 2
    e = (d / c).tanh() - 1.5 / a
    f = e * d + (b - 2.0).relu() + (a * c).sigmoid() + 3.0 - e
    return f.exp() * 0.1 + (c + 1.0).log() * e


ARITHMETIC = (
    Case("a + b", 2, lambda a, b: a + b),
    Case("a * b", 2, lambda a, b: a * b, hint="d(ab)/da = b and d(ab)/db = a."),
    Case("a - b", 2, lambda a, b: a - b, hint="d(a - b)/db = -1."),
    Case("a / b", 2, lambda a, b: a / b, 0.5, 2.0, "d(a/b)/db = -a / b^2."),
    Case("-a", 1, lambda a: -a, hint="-a has derivative -1."),
    Case("a + 1.5", 1, lambda a: a + 1.5),
    Case("1.5 + a", 1, lambda a: 1.5 + a, hint="1.5 + a calls a.__radd__(1.5)."),
    Case("a * 3", 1, lambda a: a * 3),
    Case("3 * a", 1, lambda a: 3 * a, hint="3 * a calls a.__rmul__(3)."),
    Case("a - 2", 1, lambda a: a - 2),
    Case("2 - a", 1, lambda a: 2 - a,
         hint="2 - a calls a.__rsub__(2) with other = 2: the number comes first, "
              "so the result is other - self, not self - other."),
    Case("a / 2", 1, lambda a: a / 2),
    Case("2 / a", 1, lambda a: 2 / a, 0.5, 2.0,
         "2 / a calls a.__rtruediv__(2) with other = 2: the result is other / self, "
         "not self / other."),
)

FUNCTIONS = (
    Case("a ** 3", 1, lambda a: a ** 3,
         hint="d(a^k)/da = k * a^(k-1): the exponent drops by one."),
    Case("a ** 2", 1, lambda a: a ** 2, hint="d(a^k)/da = k * a^(k-1)."),
    Case("a ** -0.5", 1, lambda a: a ** -0.5, 0.3, 3.0, "d(a^k)/da = k * a^(k-1)."),
    Case("a ** 1.5", 1, lambda a: a ** 1.5, 0.3, 3.0, "d(a^k)/da = k * a^(k-1)."),
    Case("a.exp()", 1, lambda a: a.exp(), hint="d(e^a)/da = e^a, which is out.data."),
    Case("a.log()", 1, lambda a: a.log(), 0.2, 4.0, "d(log a)/da = 1 / a."),
    Case("a.tanh()", 1, lambda a: a.tanh(), -1.5, 1.5,
         "d(tanh a)/da = 1 - tanh(a)^2: square the output t = tanh(a), not the input a."),
    Case("a.sigmoid()", 1, lambda a: a.sigmoid(), -3.0, 3.0,
         "d(sigmoid a)/da = s (1 - s) with s = sigmoid(a), the output."),
    Case("a.relu() (a > 0)", 1, lambda a: a.relu(), 0.2, 2.0, "relu'(a) = 1 for a > 0."),
    Case("a.relu() (a < 0)", 1, lambda a: a.relu(), -2.0, -0.2,
         "relu(a) = 0 and relu'(a) = 0 for a < 0."),
    Case("a.relu() at a = 0", 1, lambda a: a.relu(), fixed=(0.0,),
         hint="The course's convention is relu'(0) = 0: pass gradient only where a > 0."),
    Case("a.sigmoid() at a = -1000", 1, lambda a: a.sigmoid(), fixed=(-1000.0,),
         hint="exp(1000) overflows: for a < 0 use sigmoid(a) = e^a / (1 + e^a)."),
)

BACKWARD = (
    Case("(x1 + x2) * x3 - x4 at (5, 4, 3, 2)", 4, lambda a, b, c, d: (a + b) * c - d,
         fixed=(5.0, 4.0, 3.0, 2.0), names=("x1", "x2", "x3", "x4"),
         hint="By hand: df/dx = (3, 3, 9, -1)."),
    Case("log(1 + (w x - y)^2) at w = 2, x = 1.5, y = 1", 3,
         lambda w, x, y: (1 + (w * x - y) ** 2).log(), fixed=(2.0, 1.5, 1.0), names=("w", "x", "y"),
         hint="By hand: dl/dw = 1.2, dl/dx = 1.6, dl/dy = -0.8."),
    Case("a * a (a used twice)", 1, lambda a: a * a,
         hint="a * a uses a twice: its gradient is the sum of both contributions, 2a. "
              "Accumulate with += in every _backward."),
    Case("a + a (a used twice)", 1, lambda a: a + a,
         hint="a + a uses a twice: d/da = 2. Accumulate with +=, never assign with =."),
    Case("b * b + b with b = 3a + 1 (b used three times)", 1, _shared,
         hint="Every use of a node adds its contribution to that node's .grad."),
    Case("sigmoid((exp(2 tanh(a/2 + 0.3)) - 1) / 3) (a chain six deep)", 1, _chain,
         hint="backward must visit the nodes in *reverse* topological order, so a node's "
              "grad is complete before its _backward passes it on."),
    Case("a mixture of every operation", 3, _mixed, 0.5, 2.0,
         hint="Check each _backward against the table of local derivatives."),
)


def case_inputs(case: Case, seed: int, index: int) -> list[float]:
    """The inputs of one case: its fixed ones, or seeded uniform draws in [lo, hi]."""
    if case.fixed is not None:
        return [float(x) for x in case.fixed]
    rng = np.random.default_rng([seed, index])
    return [float(x) for x in rng.uniform(case.lo, case.hi, size=case.arity)]


def run_value_case(Value, case: Case, inputs: list[float]) -> dict:
    """Build one case with the student's Value, call backward, read data and grads."""
    try:
        leaves = [Value(x) for x in inputs]
        fresh = [leaf.grad for leaf in leaves]
        root = case.fn(*leaves)
        data = root.data
        root.backward()
        return {"data": data, "grads": [leaf.grad for leaf in leaves], "fresh": fresh,
                "root_grad": root.grad, "raised": None}
    except Exception as error:
        return {"raised": f"{type(error).__name__}: {error}"[:500]}


def torch_case(case: Case, inputs: list[float]) -> tuple[float, list[float]]:
    """The case's value and input gradients by torch autograd (float64)."""
    import torch

    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    out = case.fn(*leaves)
    out.backward()
    return float(out.detach()), [0.0 if leaf.grad is None else float(leaf.grad)
                                 for leaf in leaves]


def _describe(case: Case, inputs: list[float]) -> str:
    """'f = label at a = 0.1, b = 2' (the point only if the label does not state it)."""
    if " at " in case.label:
        return f"f = {case.label}"
    return f"f = {case.label} at " + ", ".join(f"{n} = {x:.4g}"
                                              for n, x in zip(case.names, inputs))


def judge_value_cases(cases: tuple[Case, ...], seen: dict, seed: int) -> Verdict:
    """Compare each case's data, root grad and input grads with torch."""
    results = seen["cases"]
    if all((r.get("raised") or "").startswith("NotImplementedError") for r in results):
        return Verdict.fail("Value: not implemented yet.",
                            "Replace each `raise NotImplementedError()` in the class with your "
                            "code, then run the cell that defines Value again.")
    for index, (case, result) in enumerate(zip(cases, results)):
        inputs = case_inputs(case, seed, index)
        where = _describe(case, inputs)
        if result.get("raised"):
            return Verdict.fail(f"{where}: building f or calling f.backward() raised "
                                f"{result['raised']}", case.hint)
        data, grads = torch_case(case, inputs)
        verdict = compare(f"{where}: f.data", result["data"], data, rtol=1e-6, atol=1e-9)
        if not verdict.passed:
            return Verdict.fail(verdict.message, case.hint,
                                "The forward value is wrong, so look at how out.data is "
                                "computed (before any gradient).")
        if any(g != 0.0 for g in np.atleast_1d(result["fresh"])):
            return Verdict.fail(f"Value(x).grad was {result['fresh']} when made, expected 0.0.")
        if not np.isclose(result["root_grad"], 1.0):
            return Verdict.fail(f"{where}: after f.backward(), f.grad is "
                                f"{result['root_grad']!r}, expected 1.0.",
                                "backward starts by setting self.grad = 1.0 (df/df = 1).")
        for name, got, expected in zip(case.names, result["grads"], grads):
            verdict = compare(f"{where}: df/d{name} (the .grad of {name})", got, expected,
                              rtol=1e-6, atol=1e-9)
            if not verdict.passed:
                return Verdict.fail(verdict.message, case.hint)
    return Verdict.ok(f"{len(cases)} expressions match torch.")


class ValueCasesCheck(Check):
    """Base of the checks that run a table of expressions on Value and on torch."""

    cases: tuple[Case, ...] = ()

    def probe(self, Value, seed=0):
        return {"cases": [run_value_case(Value, case, case_inputs(case, seed, i))
                          for i, case in enumerate(self.cases)]}

    def judge(self, seen, seed=0):
        return judge_value_cases(self.cases, seen, seed)


@register
class ValueArithmetic(ValueCasesCheck):
    """Value: + - * / and unary minus, with numbers on either side, match torch (data, grad)."""

    name = "value_arithmetic"
    cases = ARITHMETIC


@register
class ValueFunctions(ValueCasesCheck):
    """Value: ** (number exponent), exp, log, tanh, sigmoid, relu match torch (data, grad)."""

    name = "value_functions"
    cases = FUNCTIONS


@register
class ValueBackward(ValueCasesCheck):
    """Value.backward: the two lecture graphs, nodes used twice, a deep chain, all ops mixed."""

    name = "value_backward_graphs"
    cases = BACKWARD


# --------------------------------------------------------------------------------------------
# Layers: references written independently of the student's code
# --------------------------------------------------------------------------------------------


def layer_data(seed: int, *shapes: tuple[int, ...], scale: float = 1.0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(scale=scale, size=shape) for shape in shapes]


def reference_sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -z))


def reference_cross_entropy(scores: np.ndarray, y: np.ndarray) -> float:
    """Mean of logsumexp(scores_i) - scores_i[y_i], with logsumexp by the max shift."""
    top = scores.max(axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.exp(scores - top).sum(axis=1))
    return float(np.mean(lse - scores[np.arange(len(y)), y]))


def classification_data(seed: int, n: int, k: int, scale: float = 2.0):
    rng = np.random.default_rng(seed)
    scores = rng.normal(scale=scale, size=(n, k))
    y = rng.integers(0, k, size=n)
    y[: min(n, k)] = np.arange(min(n, k))  # every class appears when n >= k
    return scores, y


def unchanged(name: str, before: dict, after: dict) -> Verdict:
    for key, value in before.items():
        if not np.array_equal(np.asarray(after[key]), value):
            return Verdict.fail(f"{name} changed its input {key} in place.",
                                "Work on new arrays (e.g. dout * mask, or dout.copy()) instead "
                                "of assigning into the arguments.")
    return Verdict.ok()


@register
class LinearForward(Check):
    """linear_forward returns X @ W + b of shape (N, M) and a cache."""

    name = "linear_forward_values"

    def probe(self, linear_forward, n=5, d=4, m=3, seed=0):
        X, W, b = layer_data(seed, (n, d), (d, m), (m,))
        out, _cache = linear_forward(X.copy(), W.copy(), b.copy())
        return {"out": out}

    def judge(self, seen, n=5, d=4, m=3, seed=0):
        X, W, b = layer_data(seed, (n, d), (d, m), (m,))
        return compare(f"linear_forward(X {X.shape}, W {W.shape}, b {b.shape})[0]",
                       seen["out"], X @ W + b, hints=("out = X @ W + b; b is broadcast over "
                                                      "the rows.",))


@register
class LinearBackward(Check):
    """linear_backward gives dX, dW, db matching finite differences and torch."""

    name = "linear_backward_gradients"

    def probe(self, linear_forward, linear_backward, n=5, d=4, m=3, seed=0):
        X, W, b, dout = layer_data(seed, (n, d), (d, m), (m,), (n, m))
        args = {"X": X.copy(), "W": W.copy(), "b": b.copy(), "dout": dout.copy()}
        _out, cache = linear_forward(args["X"], args["W"], args["b"])
        dX, dW, db = linear_backward(args["dout"], cache)
        return {"dX": dX, "dW": dW, "db": db, "after": args}

    def judge(self, seen, n=5, d=4, m=3, seed=0):
        X, W, b, dout = layer_data(seed, (n, d), (d, m), (m,), (n, m))
        oracle = torch_gradient(lambda X_, W_, b_: ((X_ @ W_ + b_) * dout_t(dout, X_)).sum(),
                                X, W, b)
        return first_failure(
            gradient_check("dX", seen["dX"], finite_difference_vjp(lambda Z: Z @ W + b, X.copy(),
                                                                   dout), oracle=oracle[0],
                           hints=("dX = dout @ W^T has the shape of X, (N, D).",)),
            gradient_check("dW", seen["dW"], finite_difference_vjp(lambda Z: X @ Z + b, W.copy(),
                                                                   dout), oracle=oracle[1],
                           hints=("dW has the shape of W, (D, M): it is X^T dout, not "
                                  "dout^T X.", "dW = X.T @ dout")),
            gradient_check("db", seen["db"], finite_difference_vjp(lambda Z: X @ W + Z, b.copy(),
                                                                   dout), oracle=oracle[2],
                           hints=("db has the shape of b, (M,): b is added to every row, so "
                                  "its gradient sums dout over the batch.",
                                  "db = dout summed over axis 0")),
            unchanged("linear_backward", {"X": X, "W": W, "b": b, "dout": dout},
                      seen["after"]))


def dout_t(dout: np.ndarray, like):
    """``dout`` as a float64 tensor next to ``like`` (for torch oracles)."""
    import torch

    return torch.tensor(dout, dtype=like.dtype)


def relu_inputs(seed: int, n: int, d: int):
    X, dout = layer_data(seed, (n, d), (n, d))
    X[0, 0] = 0.0  # the kink: relu'(0) = 0
    X[-1, -1] = 0.0
    return X, dout


@register
class ReluLayer(Check):
    """relu_forward/relu_backward: max(X, 0), and dout only where X > 0 (relu'(0) = 0)."""

    name = "relu_layer"

    def probe(self, relu_forward, relu_backward, n=6, d=5, seed=1):
        X, dout = relu_inputs(seed, n, d)
        args = {"X": X.copy(), "dout": dout.copy()}
        out, cache = relu_forward(args["X"])
        dX = relu_backward(args["dout"], cache)
        return {"out": out, "dX": dX, "after": args}

    def judge(self, seen, n=6, d=5, seed=1):
        X, dout = relu_inputs(seed, n, d)
        verdict = compare("relu_forward(X)[0]", seen["out"], np.maximum(X, 0.0))
        if not verdict.passed:
            return verdict
        numeric = finite_difference_vjp(lambda Z: np.maximum(Z, 0.0), X.copy(), dout)
        numeric[X == 0.0] = 0.0  # finite differences straddle the kink; the convention is 0
        oracle = torch_gradient(lambda Z: (Z.relu() * dout_t(dout, Z)).sum(), X)[0]
        dX = np.asarray(seen["dX"], dtype=np.float64)
        hints = ("dX = dout where X > 0 and 0 elsewhere: the mask comes from the forward "
                 "input (the cache), not from dout.",)
        if dX.shape == X.shape:
            if np.any(dX[X < 0] != 0):
                hints = ("dX is non-zero where the input X was negative: relu passed no "
                         "signal there, so no gradient flows back.",) + hints
            elif np.any(dX[X == 0] != 0):
                hints = ("dX is non-zero where X == 0: the convention is relu'(0) = 0, so "
                         "the mask is X > 0 (strictly).",)
        return first_failure(gradient_check("relu_backward dX", dX, numeric, oracle=oracle,
                                            hints=hints),
                             unchanged("relu_forward/relu_backward",
                                       {"X": X, "dout": dout}, seen["after"]))


@register
class SigmoidLayer(Check):
    """sigmoid_forward/sigmoid_backward match torch and finite differences."""

    name = "sigmoid_layer"

    def probe(self, sigmoid_forward, sigmoid_backward, n=6, d=5, seed=2, scale=3.0):
        X, dout = layer_data(seed, (n, d), (n, d), scale=scale)
        args = {"X": X.copy(), "dout": dout.copy()}
        out, cache = sigmoid_forward(args["X"])
        dX = sigmoid_backward(args["dout"], cache)
        return {"out": out, "dX": dX, "after": args}

    def judge(self, seen, n=6, d=5, seed=2, scale=3.0):
        X, dout = layer_data(seed, (n, d), (n, d), scale=scale)
        oracle = torch_gradient(lambda Z: (Z.sigmoid() * dout_t(dout, Z)).sum(), X)[0]
        return first_failure(
            compare("sigmoid_forward(X)[0]", seen["out"], reference_sigmoid(X)),
            gradient_check("sigmoid_backward dX", seen["dX"],
                           finite_difference_vjp(reference_sigmoid, X.copy(), dout),
                           oracle=oracle,
                           hints=("dX = dout * s * (1 - s) with s = sigmoid(X), the forward "
                                  "output you cached.",)),
            unchanged("sigmoid_forward/sigmoid_backward", {"X": X, "dout": dout},
                      seen["after"]))


STABLE_X = np.array([[-1000.0, -800.0, -30.0, 0.0], [30.0, 700.0, 800.0, 1000.0]])


@register
class SigmoidLayerStable(Check):
    """sigmoid_forward/backward are finite and warning-free at magnitude 1000."""

    name = "sigmoid_layer_stable"
    warnings_fail = True

    def probe(self, sigmoid_forward, sigmoid_backward):
        out, cache = sigmoid_forward(STABLE_X.copy())
        return {"out": out, "dX": sigmoid_backward(np.ones_like(STABLE_X), cache)}

    def judge(self, seen):
        expected = reference_sigmoid(STABLE_X)
        return first_failure(
            compare("sigmoid_forward at +-1000", seen["out"], expected, atol=1e-12),
            compare("sigmoid_backward at +-1000 (dout = 1)", seen["dX"],
                    expected * (1 - expected), atol=1e-12))


@register
class SoftmaxCrossEntropy(Check):
    """softmax_cross_entropy: mean loss and (softmax - onehot) / N match torch and differences."""

    name = "softmax_cross_entropy_values"

    def probe(self, softmax_cross_entropy, n=6, k=4, seed=3, scale=2.0):
        scores, y = classification_data(seed, n, k, scale)
        args = {"scores": scores.copy(), "y": y.copy()}
        loss, dscores = softmax_cross_entropy(args["scores"], args["y"])
        return {"loss": loss, "dscores": dscores, "after": args}

    def judge(self, seen, n=6, k=4, seed=3, scale=2.0):
        import torch

        scores, y = classification_data(seed, n, k, scale)
        expected = float(torch.nn.functional.cross_entropy(torch.tensor(scores),
                                                           torch.tensor(y)))
        oracle = torch_gradient(lambda s: torch.nn.functional.cross_entropy(
            s, torch.tensor(y)), scores)[0]
        numeric = finite_difference_gradient(lambda s: reference_cross_entropy(s, y),
                                             scores.copy())
        loss_hints = ("The loss is the *mean* over the batch of -log softmax(scores_i)[y_i].",)
        return first_failure(
            compare(f"loss on scores {scores.shape}", np.squeeze(seen["loss"]), expected,
                    n=n, hints=loss_hints),
            gradient_check("dscores", seen["dscores"], numeric, oracle=oracle, n=n,
                           hints=("dscores = (softmax(scores) - onehot(y)) / N: every row is "
                                  "p minus 1 at the true class, and the mean brings a 1/N.",)),
            unchanged("softmax_cross_entropy", {"scores": scores, "y": y}, seen["after"]))


STABLE_SCORES = np.array([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, -1000.0],
                          [-1000.0, 999.0, 1000.0]])
STABLE_Y = np.array([0, 2, 1])


@register
class SoftmaxCrossEntropyStable(Check):
    """softmax_cross_entropy is finite, right and warning-free for scores of magnitude 1000."""

    name = "softmax_cross_entropy_stable"
    warnings_fail = True

    def probe(self, softmax_cross_entropy):
        loss, dscores = softmax_cross_entropy(STABLE_SCORES.copy(), STABLE_Y.copy())
        return {"loss": loss, "dscores": dscores}

    def judge(self, seen):
        expected = reference_cross_entropy(STABLE_SCORES, STABLE_Y)
        top = STABLE_SCORES.max(axis=1, keepdims=True)
        p = np.exp(STABLE_SCORES - top)
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(3), STABLE_Y] -= 1.0
        hint = ("Subtract each row's maximum before exp: softmax and the loss do not change, "
                "and exp never sees a number above 0.")
        return first_failure(
            compare("loss at magnitude 1000", np.squeeze(seen["loss"]), expected, hints=(hint,)),
            compare("dscores at magnitude 1000", seen["dscores"], p / 3, n=3, hints=(hint,)))


# --------------------------------------------------------------------------------------------
# The two-layer network
# --------------------------------------------------------------------------------------------


def mlp_data(seed: int, n: int, d: int, h: int, c: int):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(scale=1 / np.sqrt(d), size=(d, h)), "b1": rng.normal(size=h) * 0.1,
              "W2": rng.normal(scale=1 / np.sqrt(h), size=(h, c)), "b2": rng.normal(size=c) * 0.1}
    X = rng.normal(size=(n, d))
    y = rng.integers(0, c, size=n)
    return params, X, y


def reference_mlp_loss(params: dict, X: np.ndarray, y: np.ndarray) -> float:
    hidden = np.maximum(X @ params["W1"] + params["b1"], 0.0)
    return reference_cross_entropy(hidden @ params["W2"] + params["b2"], y)


KEYS = ("W1", "b1", "W2", "b2")


def judge_mlp(seen: dict, params: dict, X: np.ndarray, y: np.ndarray) -> Verdict:
    import torch

    n = len(y)
    target = torch.tensor(y)
    oracle = torch_gradient(
        lambda W1, b1, W2, b2: torch.nn.functional.cross_entropy(
            (X_t(X) @ W1 + b1).relu() @ W2 + b2, target),
        *(params[k] for k in KEYS))
    verdict = compare(f"loss of the two-layer net on X {X.shape}", np.squeeze(seen["loss"]),
                      reference_mlp_loss(params, X, y), n=n,
                      hints=("scores = relu(X @ W1 + b1) @ W2 + b2, then the mean "
                             "cross-entropy.",))
    if not verdict.passed:
        return verdict
    grads = seen["grads"]
    if not isinstance(grads, dict) or sorted(grads) != sorted(KEYS):
        return Verdict.fail(f"grads has keys {sorted(grads) if isinstance(grads, dict) else grads}"
                            f", expected {sorted(KEYS)}.")
    for key, torch_grad in zip(KEYS, oracle):
        def loss_of(value, key=key):
            return reference_mlp_loss({**params, key: value}, X, y)

        numeric = finite_difference_gradient(loss_of, params[key].copy())
        shape_hint = (f"grads['{key}'] must have the shape of params['{key}'], "
                      f"{params[key].shape}: did two entries get swapped?")
        verdict = gradient_check(f"grads['{key}']", grads[key], numeric, oracle=torch_grad,
                                 n=n, hints=(shape_hint, "Backward runs the layers in reverse: "
                                             "softmax_cross_entropy, linear_backward (layer 2), "
                                             "relu_backward, linear_backward (layer 1)."))
        if not verdict.passed:
            return verdict
    return unchanged("mlp_loss_and_grads", {f"params['{k}']": params[k] for k in KEYS}
                     | {"X": X, "y": y}, seen["after"])


def X_t(X: np.ndarray):
    import torch

    return torch.tensor(X, dtype=torch.float64)


@register
class MlpLossAndGrads(Check):
    """mlp_loss_and_grads: loss and all four gradients match torch and finite differences."""

    name = "mlp_loss_and_grads_values"

    def probe(self, mlp_loss_and_grads, n=7, d=5, h=6, c=3, seed=4):
        params, X, y = mlp_data(seed, n, d, h, c)
        copies = {k: v.copy() for k, v in params.items()}
        X_copy, y_copy = X.copy(), y.copy()
        loss, grads = mlp_loss_and_grads(copies, X_copy, y_copy)
        after = {f"params['{k}']": copies[k] for k in KEYS} | {"X": X_copy, "y": y_copy}
        return {"loss": loss, "grads": dict(grads), "after": after}

    def judge(self, seen, n=7, d=5, h=6, c=3, seed=4):
        return judge_mlp(seen, *mlp_data(seed, n, d, h, c))
