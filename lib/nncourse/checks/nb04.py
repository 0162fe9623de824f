"""Visible checks for 04_computation_graph_backprop.

The scalar engine (``Value``) is judged by building the same expression twice: once with the
student's class (probe) and once with torch tensors (judge). Every expression below is
written so that it runs unchanged on both, which is the whole trick: one table of cases
(label, number of inputs, input range, function) drives the arithmetic, function and
backward checks. Layers are judged against finite differences of the oracles'
(:mod:`nncourse.oracle`) forward pass and against torch autograd, through
:mod:`nncourse.gradcheck`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nncourse.checking import Check, on_copies, register
from nncourse.compare import compare, compare_derived, describe, unchanged
from nncourse.gradcheck import (
    finite_difference_gradient,
    finite_difference_vjp,
    gradient_check,
    torch_gradient,
)
from nncourse.oracle import TWO_LAYER_KEYS as KEYS
from nncourse.oracle import (
    cross_entropy,
    cross_entropy_gradient,
    sigmoid,
    two_layer_gradients,
    two_layer_loss,
)
from nncourse.rules import Rules, original, swapped
from nncourse.verdict import Verdict, first_failure

MLP_PARTS = ("linear_forward", "linear_backward", "relu_forward", "relu_backward",
             "softmax_cross_entropy")
"""The student's functions mlp_loss_and_grads must be built from (the contract)."""

DERIVED = Rules(derived=True)
"""A gradient derived by hand: no complex arithmetic (complex steps are numerical)."""

RULES = {
    # Every graded function of this notebook is numpy-only (the default rules); the
    # gradients are derived, and mlp_loss_and_grads is also *built from* the layer functions
    # written before it.
    "Value": DERIVED, "linear_backward": DERIVED, "relu_backward": DERIVED,
    "sigmoid_backward": DERIVED, "softmax_cross_entropy": DERIVED,
    "mlp_loss_and_grads": Rules(built_from=MLP_PARTS, derived=True),
}

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


def build_probe_graph(inputs: list[tuple[int, ...]], root: int):
    """The graph of a :func:`dag_spec` as :class:`_ProbeNode` objects; returns (nodes, root)."""
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


PROBE_ATTRIBUTES = ("name", "_prev", "data", "grad")
"""The attributes a :class:`_ProbeNode` is made with; topological_order must not add any."""


def node_states(nodes, prevs) -> list[dict]:
    """Each node's attributes after the calls (names, data, grad, whether _prev is the same
    object): raw observations for the judge."""
    states = []
    for node, prev in zip(nodes, prevs, strict=True):
        attributes = getattr(node, "__dict__", {})
        states.append({"attributes": sorted(str(k) for k in attributes),
                       "data": repr(attributes.get("data")), "grad": repr(attributes.get("grad")),
                       "same_prev": attributes.get("_prev") is prev})
    return states


def judge_untouched(what: str, states: list[dict]) -> Verdict:
    """The nodes carry exactly the attributes they were made with, unchanged."""
    hints = ("topological_order only reads the graph: it must not write anything on the nodes.",
             "Keep what you have visited in a set that belongs to the call (created inside the "
             "function), not on the nodes.")
    for state in states:
        added = sorted(set(state["attributes"]) - set(PROBE_ATTRIBUTES))
        if added:
            return Verdict.fail(f"{what}: the nodes have a new attribute {added[0]!r} after the "
                                "call.", *hints)
        if (state["data"], state["grad"]) != ("0.0", "0.0") or not state["same_prev"] or \
                len(state["attributes"]) != len(PROBE_ATTRIBUTES):
            return Verdict.fail(f"{what}: the call changed the nodes' data, grad or _prev.",
                                *hints)
    return Verdict.ok()


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
    defaults = {"seed": 0, "n": 30}
    KINDS = ("seed", "single", "chain", "random")

    def inputs(self, seed, n):
        return {kind: dag_spec(kind, seed, n) for kind in self.KINDS}

    def probe(self, topological_order, seed, n):
        seen = {"first": {}, "second": {}, "nodes": {}}
        for kind, spec in self.inputs(seed=seed, n=n).items():
            nodes, root = build_probe_graph(*spec)
            prevs = [node._prev for node in nodes]
            seen["first"][kind] = names_in_order(topological_order(root), nodes)
            seen["second"][kind] = names_in_order(topological_order(root), nodes)
            seen["nodes"][kind] = node_states(nodes, prevs)
        return seen

    def judge(self, seen, seed, n):
        graphs = self.inputs(seed=seed, n=n)
        names = {"seed": "the graph of f = (x1 + x2) * x3 - x4",
                 "single": "a graph that is a single leaf", "chain": f"a chain of {n} nodes",
                 "random": f"a random graph of {n} nodes (seed {seed})"}
        verdict = first_failure(*(
            judge_order(f"topological_order on {names[kind]}", seen["first"][kind], *spec)
            for kind, spec in graphs.items()))
        for kind in self.KINDS:
            if not verdict.passed:
                return verdict
            verdict = judge_untouched(f"topological_order on {names[kind]}",
                                      seen["nodes"][kind])
            if verdict.passed and seen["second"][kind] != seen["first"][kind]:
                verdict = Verdict.fail(
                    f"topological_order on {names[kind]}: a second call on the same graph "
                    f"returned {len(seen['second'][kind])} nodes, the first "
                    f"{len(seen['first'][kind])}: the first call left something behind.",
                    "Calling topological_order twice on the same root must give the same list.",
                    "Keep what you have visited in a set that belongs to the call (created "
                    "inside the function), not on the nodes or in a global.")
        return verdict


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
    idea: str = ""  # the second layer of hints: where in the lesson to look
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


TABLE = "Section 3's table of local derivatives: fill in this operation's row on paper first."

ARITHMETIC = (
    Case("a + b", 2, lambda a, b: a + b),
    Case("a * b", 2, lambda a, b: a * b,
         hint="The gradient of a product is wrong: check the local derivative __mul__'s "
              "_backward uses for each of its two inputs.", idea=TABLE),
    Case("a - b", 2, lambda a, b: a - b,
         hint="df/db of a - b is wrong: check its sign.",
         idea="Subtraction can be built from operations whose gradients already pass "
              "(section 3)."),
    Case("a / b", 2, lambda a, b: a / b, 0.5, 2.0,
         "df/db of a / b is wrong (the denominator): check the local derivative with respect "
         "to b, or build division from * and **.",
         idea="Section 3: division is a composition of operations in the table."),
    Case("-a", 1, lambda a: -a, hint="-a: check the sign of the gradient.",
         idea="Section 3: negation is a composition of operations in the table."),
    Case("a + 1.5", 1, lambda a: a + 1.5),
    Case("1.5 + a", 1, lambda a: 1.5 + a, hint="1.5 + a calls a.__radd__(1.5)."),
    Case("a * 3", 1, lambda a: a * 3),
    Case("3 * a", 1, lambda a: 3 * a, hint="3 * a calls a.__rmul__(3)."),
    Case("a - 2", 1, lambda a: a - 2),
    Case("2 - a", 1, lambda a: 2 - a,
         hint="2 - a is wrong (value or sign): it calls a.__rsub__(2) with other = 2; check "
              "which operand comes first.",
         idea="Section 3, 'Numbers on either side': what Python calls for 2 - a."),
    Case("a / 2", 1, lambda a: a / 2),
    Case("2 / a", 1, lambda a: 2 / a, 0.5, 2.0,
         "2 / a is wrong: it calls a.__rtruediv__(2) with other = 2; check which operand is "
         "divided by which.",
         idea="Section 3, 'Numbers on either side': what Python calls for 2 / a."),
)

POWER = ("a ** k: the value is right but the gradient is not: check the local derivative in "
         "__pow__'s _backward (k is a plain number).")
FUNCTIONS = (
    Case("a ** 3", 1, lambda a: a ** 3, hint=POWER, idea=TABLE),
    Case("a ** 2", 1, lambda a: a ** 2, hint=POWER, idea=TABLE),
    Case("a ** -0.5", 1, lambda a: a ** -0.5, 0.3, 3.0, POWER, idea=TABLE),
    Case("a ** 1.5", 1, lambda a: a ** 1.5, 0.3, 3.0, POWER, idea=TABLE),
    Case("a.exp()", 1, lambda a: a.exp(), hint="exp: check the local derivative in its "
         "_backward.", idea="Section 3's table: exp's local derivative can be read off the "
         "node's own output."),
    Case("a.log()", 1, lambda a: a.log(), 0.2, 4.0, "log: check the local derivative in its "
         "_backward.", idea=TABLE),
    Case("a.tanh()", 1, lambda a: a.tanh(), -1.5, 1.5,
         "tanh: the value is right, the gradient is not: check the local derivative in its "
         "_backward.",
         idea="Notebook 03 (section 4) wrote tanh's derivative with tanh's own output: use the "
              "output o, not the input a."),
    Case("a.sigmoid()", 1, lambda a: a.sigmoid(), -3.0, 3.0,
         "sigmoid: check the local derivative in its _backward.",
         idea="Notebook 03 (section 4) wrote the sigmoid's derivative with its own output."),
    Case("a.relu() (a > 0)", 1, lambda a: a.relu(), 0.2, 2.0,
         "relu for a positive input: check its value and the gradient it passes on."),
    Case("a.relu() (a < 0)", 1, lambda a: a.relu(), -2.0, -0.2,
         "relu for a negative input: check its value and the gradient it passes on."),
    Case("a.relu() at a = 0", 1, lambda a: a.relu(), fixed=(0.0,),
         hint="The course's convention is relu'(0) = 0: no gradient passes at a = 0."),
    Case("a.sigmoid() at a = -1000", 1, lambda a: a.sigmoid(), fixed=(-1000.0,),
         hint="sigmoid at a = -1000 failed: math.exp of a large positive number overflows.",
         idea="For negative a, write the sigmoid so that exp only ever sees a number <= 0 "
              "(notebook 01's stable sigmoid)."),
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


def case_inputs(case: Case, *key: int) -> list[float]:
    """The inputs of one case: its fixed ones, or uniform draws in [lo, hi] from the rng
    seeded with ``key`` (the check's seed and the case's index)."""
    if case.fixed is not None:
        return [float(x) for x in case.fixed]
    rng = np.random.default_rng(list(key))
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


def judge_value_cases(cases: tuple[Case, ...], results: list, points: list) -> Verdict:
    """Compare each case's data, root grad and input grads with torch at its inputs."""
    if all((r.get("raised") or "").startswith("NotImplementedError") for r in results):
        return Verdict.not_yet("Value: not implemented yet.",
                               "Replace each `raise NotImplementedError()` in the class with your "
                               "code, then run the cell that defines Value again.")
    for case, result, inputs in zip(cases, results, points, strict=True):
        where = _describe(case, inputs)
        if result.get("raised"):
            return Verdict.fail(f"{where}: building f or calling f.backward() raised "
                                f"{result['raised']}", case.hint, case.idea)
        data, grads = torch_case(case, inputs)
        verdict = compare(f"{where}: f.data", result["data"], data, rtol=1e-6, atol=1e-9)
        if not verdict.passed:
            return Verdict.fail(verdict.message, case.hint or case.idea,
                                "The forward value is wrong, so look at how out.data is "
                                "computed (before any gradient).")
        if any(g != 0.0 for g in np.atleast_1d(result["fresh"])):
            return Verdict.fail(f"Value(x).grad was {result['fresh']} when made, expected 0.0.")
        if not np.isclose(result["root_grad"], 1.0):
            return Verdict.fail(f"{where}: after f.backward(), f.grad is "
                                f"{result['root_grad']!r}, expected 1.0.",
                                "backward starts by setting self.grad = 1.0 (df/df = 1).")
        # derived: equal to torch at round-off of the case's own scale (a local derivative
        # by finite differences is close, not equal)
        scale = max(1.0, abs(data), *(abs(g) for g in grads))
        for name, got, expected in zip(case.names[:case.arity], result["grads"], grads,
                                       strict=True):
            label = f"{where}: df/d{name} (the .grad of {name})"
            verdict = compare(label, got, expected, rtol=1e-6, atol=1e-9)
            if not verdict.passed:  # a wrong local derivative: the case's own hints
                return Verdict.fail(verdict.message, case.hint, case.idea)
            verdict = compare_derived(label, got, expected, scale=scale)
            if not verdict.passed:  # right to 1e-6, not to round-off: a numerical one
                return verdict
    return Verdict.ok(f"{len(cases)} expressions match torch.")


class ValueCasesCheck(Check):
    """Base of the checks that run a table of expressions on Value and on torch."""

    cases: tuple[Case, ...] = ()
    defaults = {"seed": 0}

    def inputs(self, seed):
        return {"points": [case_inputs(case, seed, i) for i, case in enumerate(self.cases)]}

    def probe(self, Value, **args):
        return {"cases": [run_value_case(Value, case, x) for case, x in
                          zip(self.cases, self.inputs(**args)["points"], strict=True)]}

    def judge(self, seen, **args):
        return judge_value_cases(self.cases, seen["cases"], self.inputs(**args)["points"])


@register
class ValueArithmetic(ValueCasesCheck):
    """Value's + - * / and unary minus, numbers on either side, give torch's data and grads."""

    name = "value_arithmetic"
    rules = DERIVED
    cases = ARITHMETIC


@register
class ValueFunctions(ValueCasesCheck):
    """Value's ** (number exponent), exp, log, tanh, sigmoid, relu give torch's data and grads."""

    name = "value_functions"
    rules = DERIVED
    cases = FUNCTIONS


@register
class ValueBackward(ValueCasesCheck):
    """Value.backward gives torch's grads on the lecture graphs, reused nodes and a deep chain."""

    name = "value_backward_graphs"
    rules = DERIVED
    cases = BACKWARD


# --------------------------------------------------------------------------------------------
# Value.backward visits each node once (memoisation), it does not follow every path
# --------------------------------------------------------------------------------------------

DIAMONDS = 40
"""x <- x * 0.6 + x * 0.5, DIAMONDS times: 2**40 paths from the root to the first x."""


class _TooManyCalls(Exception):
    """Raised by the probe's counters to stop a backward pass that revisits nodes."""


def graph_nodes(root) -> list:
    """Every node reachable from ``root`` through ``_prev`` (the probe's own walk, by id)."""
    found, stack = {}, [root]
    while stack:
        node = stack.pop()
        if id(node) not in found:
            found[id(node)] = node
            stack.extend(node._prev)
    return list(found.values())


def _counting(container, tally: dict, budget: int):
    """A copy of ``_prev`` (tuple, list or set) that counts how often it is iterated."""
    base = next((kind for kind in (tuple, list, set, frozenset) if isinstance(container, kind)),
                None)
    if base is None:
        return container

    class Counted(base):
        def __iter__(self):
            tally["prev"] += 1
            if tally["prev"] > budget:
                raise _TooManyCalls("_prev")
            return base.__iter__(self)

    return Counted(container)


def count_backward_calls(nodes: list, budget: int) -> tuple[dict, list]:
    """Wrap every node's ``_backward`` (and ``_prev``) with counters that stop the run once
    ``budget`` calls are exceeded; returns (the tally, the per-node call counts)."""
    tally, per_node = {"calls": 0, "prev": 0}, [0] * len(nodes)
    for i, node in enumerate(nodes):
        inner = node._backward

        def counted(inner=inner, i=i):
            per_node[i] += 1
            tally["calls"] += 1
            if tally["calls"] > budget:
                raise _TooManyCalls("_backward")
            return inner()

        node._backward = counted
        node._prev = _counting(node._prev, tally, 20 * budget)
    return tally, per_node


@register
class ValueBackwardOnce(Check):
    """Value.backward calls each node's _backward once, even where 2**40 paths meet."""

    name = "value_backward_once"
    rules = DERIVED

    def probe(self, Value):
        try:
            start = Value(0.8)
            x = start
            for _ in range(DIAMONDS):
                x = x * 0.6 + x * 0.5
            nodes = graph_nodes(x)
            tally, per_node = count_backward_calls(nodes, 2 * len(nodes) + 10)
        except NotImplementedError as error:
            return {"raised": f"NotImplementedError: {error}"}
        try:
            x.backward()
        except _TooManyCalls as stop:
            return {"stopped": str(stop), "nodes": len(nodes), "tally": tally,
                    "per_node": per_node}
        except Exception as error:
            return {"raised": f"{type(error).__name__}: {error}"[:500]}
        return {"nodes": len(nodes), "tally": tally, "per_node": per_node, "data": x.data,
                "grad": start.grad}

    def judge(self, seen):
        what = (f"f = x * 0.6 + x * 0.5, nested {DIAMONDS} times (each x used twice, so "
                f"2^{DIAMONDS} paths lead from f to the first x)")
        hints = ("backward must visit each node once; a node's .grad is complete before its "
                 "_backward passes it on, so no path has to be followed separately.",
                 "Section 1: one loop over topological_order(self), reversed, calling each "
                 "node's _backward once (memoisation).")
        if seen.get("raised"):
            if seen["raised"].startswith("NotImplementedError"):
                return Verdict.not_yet("Value: not implemented yet.",
                                       "Replace each `raise NotImplementedError()` in the "
                                       "class with your code, then run the cell that "
                                       "defines Value again.")
            return Verdict.fail(f"{what}: building f or calling f.backward() raised "
                                f"{seen['raised']}")
        if seen.get("stopped") == "_backward" or max(seen["per_node"], default=0) > 1:
            most = max(seen["per_node"], default=0)
            return Verdict.fail(f"{what}: f.backward() called the _backward of the "
                                f"{seen['nodes']} nodes more than {2 * seen['nodes']} times in "
                                f"all (one node at least {most} times) before the check "
                                "stopped it: it follows every path separately, which costs "
                                "time exponential in the depth.", *hints)
        if seen.get("stopped"):
            return Verdict.fail(f"{what}: f.backward() walked the inputs (_prev) of the "
                                f"{seen['nodes']} nodes millions of times before the check "
                                "stopped it: it follows every path separately.", *hints)
        expected_data, expected_grad = 0.8 * 1.1 ** DIAMONDS, 1.1 ** DIAMONDS
        return first_failure(
            compare(f"{what}: f.data", seen["data"], expected_data, rtol=1e-9),
            compare(f"{what}: df/dx (the first x)", seen["grad"], expected_grad, rtol=1e-9,
                    hints=("Every use of a node adds its contribution to that node's .grad.",)))


# --------------------------------------------------------------------------------------------
# Layers: references written independently of the student's code
# --------------------------------------------------------------------------------------------


def layer_data(seed: int, *shapes: tuple[int, ...], scale: float = 1.0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(scale=scale, size=shape) for shape in shapes]


LINEAR_SECTION = ("Section 4, 'The linear layer': out written entry by entry, and the worked "
                  "case with D = 2, M = 1.")


def judge_linear_out(what: str, got, X: np.ndarray, W: np.ndarray, b: np.ndarray) -> Verdict:
    """Compare the layer's output with X W + b; name the bias mistakes."""
    return compare(what, got, X @ W + b, mistakes={
        "out is off by the same vector in every row: the bias b is missing.": X @ W,
        "out is off by the same vector in every row: check the bias's sign.": X @ W - b},
        hints=("Entry (n, m) of out involves row n of X and column m of W: which entries are "
               "off?", LINEAR_SECTION))


@register
class LinearForward(Check):
    """linear_forward returns the dense layer's output, of shape (N, M), and a cache."""

    name = "linear_forward_values"
    defaults = {"n": 5, "d": 4, "m": 3, "seed": 0}

    def inputs(self, n, d, m, seed):
        return dict(zip("XWb", layer_data(seed, (n, d), (d, m), (m,)), strict=True))

    def probe(self, linear_forward, **args):
        out, _cache = linear_forward(*self.inputs(**args).values())
        return {"out": out}

    def judge(self, seen, **args):
        x = self.inputs(**args)
        return judge_linear_out(f"linear_forward(X {x['X'].shape}, W {x['W'].shape}, "
                                f"b {x['b'].shape})[0]", seen["out"], **x)


@register
class LinearBackward(Check):
    """linear_backward returns dX, dW and db that match finite differences and torch."""

    name = "linear_backward_gradients"
    rules = DERIVED
    defaults = {"n": 5, "d": 4, "m": 3, "seed": 0}

    def inputs(self, n, d, m, seed):
        X, W, b, dout = layer_data(seed, (n, d), (d, m), (m,), (n, m))
        return {"X": X, "W": W, "b": b, "dout": dout,
                "other": layer_data(seed + 100, (n, d), (d, m), (m,))}

    def probe(self, linear_forward, linear_backward, **args):
        x = self.inputs(**args)
        (_out, cache), forward = on_copies(linear_forward, x["X"], x["W"], x["b"],
                                           names=("X", "W", "b"))
        (dX, dW, db), backward = on_copies(linear_backward, x["dout"], cache, names=("dout",))
        # Another layer's forward between this layer's forward and backward (as in a
        # two-layer net): the backward must take everything from its own cache.
        _out, cache = linear_forward(x["X"], x["W"], x["b"])
        linear_forward(*x["other"])
        later = linear_backward(x["dout"], cache)
        return {"dX": dX, "dW": dW, "db": db, "forward": forward, "backward": backward,
                "later": later}

    def judge(self, seen, **args):
        x = self.inputs(**args)
        X, W, b, dout = x["X"], x["W"], x["b"], x["dout"]
        oracle = torch_gradient(lambda X_, W_, b_: ((X_ @ W_ + b_) * dout_t(dout, X_)).sum(),
                                X, W, b)
        return first_failure(
            gradient_check("dX", seen["dX"], finite_difference_vjp(lambda Z: Z @ W + b, X, dout),
                           oracle=oracle[0],
                           hints=("dX must have the shape of X, (N, D); row n of dX depends "
                                  "only on row n of dout.",
                                  "Section 4: for one row, notebook 03's Jacobian of x -> x W "
                                  "is W^T; a batch repeats that row by row.")),
            gradient_check("dW", seen["dW"], finite_difference_vjp(lambda Z: X @ Z + b, W, dout),
                           oracle=oracle[1],
                           hints=("dW must have the shape of W, (D, M): a (M, D) result is "
                                  "transposed.",
                                  "Every row of the batch uses W, so dW adds up one "
                                  "contribution per row: see the worked case in section 4.")),
            gradient_check("db", seen["db"], finite_difference_vjp(lambda Z: X @ W + Z, b, dout),
                           oracle=oracle[2],
                           hints=("db must have the shape of b, (M,), not one row per "
                                  "example.",
                                  "b is added to every row, so (like a + a in section 3) its "
                                  "gradient collects the contributions of all rows.")),
            *(compare_derived(name, seen[name], want, scale=scale) for name, want, scale in
              zip(("dX", "dW", "db"), oracle,
                  (float(np.max(np.abs(dout))) * float(np.max(np.abs(W))),
                   float(np.max(np.abs(dout))) * float(np.max(np.abs(X))),
                   float(np.max(np.abs(dout)))))),
            unchanged("linear_backward", {"X": X, "W": W, "b": b, "dout": dout},
                      {**seen["backward"], **seen["forward"]}),
            same_after_other_forward(seen))


def same_after_other_forward(seen: dict) -> Verdict:
    """linear_backward gave the same gradients with another linear_forward run in between."""
    later = seen["later"]
    parts = later if isinstance(later, (tuple, list)) and len(later) == 3 else (None,) * 3
    for name, got, first in zip(("dX", "dW", "db"), parts, (seen["dX"], seen["dW"], seen["db"]),
                                strict=True):
        try:
            same = np.array_equal(np.asarray(got, dtype=np.float64),
                                  np.asarray(first, dtype=np.float64))
        except (TypeError, ValueError):
            same = False
        if not same:
            return Verdict.fail(
                f"linear_backward(dout, cache) gave a different {name} when another layer's "
                "linear_forward ran between this layer's forward and backward (as in a "
                "two-layer net).",
                "linear_backward must take everything it needs from its cache argument, not "
                "from a global or from the most recent forward call.",
                "Put what backward needs into the cache that linear_forward returns.")
    return Verdict.ok()


def dout_t(dout: np.ndarray, like):
    """``dout`` as a float64 tensor next to ``like`` (for torch oracles)."""
    import torch

    return torch.tensor(dout, dtype=like.dtype)


def run_layer(forward, backward, X, dout) -> dict:
    """A layer's forward then backward on copies of X and dout: out, dX and the inputs as the
    calls left them (probes)."""
    (out, cache), before = on_copies(forward, X, names=("X",))
    dX, after = on_copies(backward, dout, cache, names=("dout",))
    return {"out": out, "dX": dX, "forward": before, "backward": after}


def layer_unchanged(name: str, seen: dict, X: np.ndarray, dout: np.ndarray) -> Verdict:
    """The judge of :func:`run_layer`'s inputs: X and dout as they were."""
    return unchanged(name, {"X": X, "dout": dout}, {**seen["backward"], **seen["forward"]})


@register
class ReluLayer(Check):
    """relu_forward gives max(X, 0); relu_backward passes dout only where X > 0 (relu'(0) = 0)."""

    name = "relu_layer"
    rules = DERIVED
    defaults = {"n": 6, "d": 5, "seed": 1}

    def inputs(self, n, d, seed):
        X, dout = layer_data(seed, (n, d), (n, d))
        X[0, 0] = 0.0  # the kink: relu'(0) = 0
        X[-1, -1] = 0.0
        return {"X": X, "dout": dout}

    def probe(self, relu_forward, relu_backward, **args):
        return run_layer(relu_forward, relu_backward, **self.inputs(**args))

    def judge(self, seen, **args):
        X, dout = self.inputs(**args).values()
        verdict = compare("relu_forward(X)[0]", seen["out"], np.maximum(X, 0.0))
        if not verdict.passed:
            return verdict
        numeric = finite_difference_vjp(lambda Z: np.maximum(Z, 0.0), X, dout)
        numeric[X == 0.0] = 0.0  # finite differences straddle the kink; the convention is 0
        oracle = torch_gradient(lambda Z: (Z.relu() * dout_t(dout, Z)).sum(), X)[0]
        dX = np.asarray(seen["dX"], dtype=np.float64)
        hints = ("Where the forward input was positive the gradient passes unchanged, "
                 "elsewhere nothing passes: decide from the forward input (the cache), not "
                 "from dout.",)
        if dX.shape == X.shape:
            if np.any(dX[X < 0] != 0):
                hints = ("dX is non-zero where the input X was negative: relu passed no "
                         "signal there, so no gradient flows back.",) + hints
            elif np.any(dX[X == 0] != 0):
                hints = ("dX is non-zero where X == 0: the course's convention is "
                         "relu'(0) = 0.",)
        return first_failure(gradient_check("relu_backward dX", dX, numeric, oracle=oracle,
                                            hints=hints),
                             layer_unchanged("relu_forward/relu_backward", seen, X, dout))


@register
class SigmoidLayer(Check):
    """sigmoid_forward and sigmoid_backward match torch and finite differences."""

    name = "sigmoid_layer"
    rules = DERIVED
    defaults = {"n": 6, "d": 5, "seed": 2, "scale": 3.0}

    def inputs(self, n, d, seed, scale):
        return dict(zip(("X", "dout"), layer_data(seed, (n, d), (n, d), scale=scale),
                        strict=True))

    def probe(self, sigmoid_forward, sigmoid_backward, **args):
        return run_layer(sigmoid_forward, sigmoid_backward, **self.inputs(**args))

    def judge(self, seen, **args):
        X, dout = self.inputs(**args).values()
        oracle = torch_gradient(lambda Z: (Z.sigmoid() * dout_t(dout, Z)).sum(), X)[0]
        return first_failure(
            compare("sigmoid_forward(X)[0]", seen["out"], sigmoid(X)),
            gradient_check("sigmoid_backward dX", seen["dX"],
                           finite_difference_vjp(sigmoid, X, dout), oracle=oracle,
                           hints=("dX is off: it should be dout times the sigmoid's slope at "
                                  "each entry of X.",
                                  "Notebook 03 wrote the sigmoid's derivative with the sigmoid "
                                  "itself: the forward output is what to cache.")),
            layer_unchanged("sigmoid_forward/sigmoid_backward", seen, X, dout))


STABLE_X = ((-1000.0, -800.0, -30.0, 0.0), (30.0, 700.0, 800.0, 1000.0))


@register
class SigmoidLayerStable(Check):
    """sigmoid_forward/backward are finite, right and warning-free at magnitude 1000."""

    name = "sigmoid_layer_stable"
    rules = DERIVED
    warnings_fail = True

    def inputs(self):
        return {"X": np.array(STABLE_X), "dout": np.ones((2, 4))}

    def probe(self, sigmoid_forward, sigmoid_backward):
        return run_layer(sigmoid_forward, sigmoid_backward, **self.inputs())

    def judge(self, seen):
        expected = sigmoid(self.inputs()["X"])
        return first_failure(
            compare("sigmoid_forward at +-1000", seen["out"], expected, atol=1e-12),
            compare("sigmoid_backward at +-1000 (dout = 1)", seen["dX"],
                    expected * (1 - expected), atol=1e-12))


def classification_data(seed: int, n: int, k: int, scale: float = 2.0) -> dict:
    rng = np.random.default_rng(seed)
    scores = rng.normal(scale=scale, size=(n, k))
    y = rng.integers(0, k, size=n)
    y[: min(n, k)] = np.arange(min(n, k))  # every class appears when n >= k
    return {"scores": scores, "y": y}


@register
class SoftmaxCrossEntropy(Check):
    """softmax_cross_entropy's mean loss and dscores match torch and finite differences."""

    name = "softmax_cross_entropy_values"
    rules = DERIVED
    defaults = {"n": 6, "k": 4, "seed": 3, "scale": 2.0}

    def inputs(self, n, k, seed, scale):
        return classification_data(seed, n, k, scale)

    def probe(self, softmax_cross_entropy, **args):
        (loss, dscores), after = on_copies(softmax_cross_entropy, *self.inputs(**args).values(),
                                           names=("scores", "y"))
        return {"loss": loss, "dscores": dscores, "after": after}

    def judge(self, seen, n, **args):
        scores, y = self.inputs(n=n, **args).values()
        expected = cross_entropy(scores, y)
        numeric = finite_difference_gradient(lambda s: cross_entropy(s, y), scores)
        return first_failure(
            compare(f"loss on scores {scores.shape}", np.squeeze(seen["loss"]), expected, n=n,
                    mistakes={"the sum over the batch instead of the mean.": n * expected},
                    hints=("The loss is the *mean* over the batch of "
                           "-log softmax(scores_i)[y_i].",)),
            gradient_check("dscores", seen["dscores"], numeric,
                           oracle=cross_entropy_gradient(scores, y), n=n,
                           hints=("Every row of dscores should add up to 0, and the loss is a "
                                  "mean, so each row carries a 1/N.",
                                  "Section 4, softmax cross-entropy: differentiate "
                                  "-s_y + log sum_j exp(s_j) with respect to each s_k.")),
            unchanged("softmax_cross_entropy", {"scores": scores, "y": y},
                      seen["after"]))


STABLE_SCORES = ((1000.0, 0.0, -1000.0), (1000.0, 1000.0, -1000.0), (-1000.0, 999.0, 1000.0),
                 (-1000.0, -999.0, -1002.0), (1.0, 0.0, 2.0), (-500.0, -501.0, -500.5))
STABLE_Y = (0, 2, 1, 2, 1, 0)
"""Rows with maxima 1000, -999, 2 and -500: one shift for the whole batch is not enough."""


@register
class SoftmaxCrossEntropyStable(Check):
    """softmax_cross_entropy is right and warning-free on rows of magnitude 1000, maxima apart."""

    name = "softmax_cross_entropy_stable"
    rules = DERIVED
    warnings_fail = True

    def inputs(self):
        return {"scores": np.array(STABLE_SCORES), "y": np.array(STABLE_Y)}

    def probe(self, softmax_cross_entropy):
        loss, dscores = softmax_cross_entropy(*self.inputs().values())
        return {"loss": loss, "dscores": dscores}

    def judge(self, seen):
        scores, y = self.inputs().values()
        hints = ("Overflow or underflow: the rows of this batch have maxima 1000, -999, 2 and "
                 "-500.",
                 "Subtracting a constant from a row changes neither its softmax nor the loss; "
                 "pick, for each row, the constant that keeps every exp at most 1 and at least "
                 "one of them equal to 1.")
        return first_failure(
            compare("loss on rows of magnitude up to 1000 with different maxima",
                    np.squeeze(seen["loss"]), cross_entropy(scores, y), hints=hints),
            compare("dscores on rows of magnitude up to 1000 with different maxima",
                    seen["dscores"], cross_entropy_gradient(scores, y), n=len(y), hints=hints))


# --------------------------------------------------------------------------------------------
# The two-layer network
# --------------------------------------------------------------------------------------------


def mlp_data(seed: int, n: int, d: int, h: int, c: int) -> dict:
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(scale=1 / np.sqrt(d), size=(d, h)), "b1": rng.normal(size=h) * 0.1,
              "W2": rng.normal(scale=1 / np.sqrt(h), size=(h, c)), "b2": rng.normal(size=c) * 0.1}
    X = rng.normal(size=(n, d))
    y = rng.integers(0, c, size=n)
    return {"params": params, "X": X, "y": y}


def run_mlp(mlp_loss_and_grads, params: dict, X: np.ndarray, y: np.ndarray) -> dict:
    """One call on the probe's own arrays: the loss, the grads, and the inputs as the call
    left them (probes)."""
    loss, grads = mlp_loss_and_grads(params, X, y)
    return {"loss": loss, "grads": dict(grads), "params": params, "X": X, "y": y}


def judge_mlp(seen: dict, params: dict, X: np.ndarray, y: np.ndarray) -> Verdict:
    """:func:`run_mlp`'s results against torch and finite differences; inputs unchanged."""
    n = len(y)
    verdict = compare(f"loss of the two-layer net on X {X.shape}", np.squeeze(seen["loss"]),
                      two_layer_loss(params, X, y), n=n,
                      hints=("The loss is wrong before any gradient: check the forward "
                             "half, the order of the three layers and which output feeds "
                             "which.", "Section 5 draws the network's graph of layers."))
    if not verdict.passed:
        return verdict
    grads = seen["grads"]
    if not isinstance(grads, dict) or sorted(grads) != sorted(KEYS):
        return Verdict.fail(f"grads has keys {sorted(grads) if isinstance(grads, dict) else grads}"
                            f", expected {sorted(KEYS)}.")
    for key, torch_grad in two_layer_gradients(params, X, y).items():
        numeric = finite_difference_gradient(
            lambda value, key=key: two_layer_loss({**params, key: value}, X, y), params[key])
        shape_hint = (f"grads['{key}'] must have the shape of params['{key}'], "
                      f"{params[key].shape}: did two entries get swapped?")
        verdict = gradient_check(f"grads['{key}']", grads[key], numeric, oracle=torch_grad,
                                 n=n, hints=(shape_hint, "Section 5: the backward pass visits the "
                                             "forward's calls in reverse order, each with the "
                                             "cache its forward returned."))
        if not verdict.passed:
            return verdict
    after = seen["params"] if isinstance(seen["params"], dict) else {}
    return unchanged("mlp_loss_and_grads", {f"params['{k}']": params[k] for k in KEYS}
                     | {"X": X, "y": y}, {f"params['{k}']": after.get(k) for k in KEYS}
                     | {"X": seen["X"], "y": seen["y"]})


@register
class MlpLossAndGrads(Check):
    """mlp_loss_and_grads's loss and four gradients match torch and finite differences."""

    name = "mlp_loss_and_grads_values"
    rules = RULES["mlp_loss_and_grads"]
    defaults = {"n": 7, "d": 5, "h": 6, "c": 3, "seed": 4}

    def inputs(self, n, d, h, c, seed):
        return mlp_data(seed, n, d, h, c)

    def probe(self, mlp_loss_and_grads, **args):
        return run_mlp(mlp_loss_and_grads, **self.inputs(**args))

    def judge(self, seen, **args):
        return judge_mlp(seen, **self.inputs(**args))


# --------------------------------------------------------------------------------------------
# mlp_loss_and_grads is built from the layer functions: swap them, the result must follow
# --------------------------------------------------------------------------------------------

LEAK = 0.1    # the leaky ReLU's slope for negative inputs
SCALE = 2.0   # the altered linear layer multiplies its weight by this
COOL = 2.0    # the altered softmax cross-entropy divides the scores by this

ALTERATIONS = {
    "relu": (("relu_forward", "relu_backward"),
             f"a leaky ReLU (slope {LEAK} below 0)"),
    "linear": (("linear_forward", "linear_backward"),
               f"a linear layer that uses {SCALE:g} W in place of W"),
    "softmax": (("softmax_cross_entropy",),
                f"a cross-entropy of scores / {COOL:g}"),
}


def _altered_parts(mlp_loss_and_grads, kind: str) -> dict:
    """Replacements for the student's collaborators, each made of the student's own functions
    (so nothing here knows an answer): a leaky ReLU from two ReLUs, a layer with its weight
    scaled, a cross-entropy of scaled scores."""
    parts = {name: original(mlp_loss_and_grads, name) for name in ALTERATIONS[kind][0]}
    missing = [name for name, value in parts.items() if not callable(value)]
    if missing:
        raise NameError(f"mlp_loss_and_grads is built from {missing[0]}, which is not defined")
    if kind == "relu":
        relu_forward, relu_backward = parts["relu_forward"], parts["relu_backward"]

        def leaky_forward(X):
            positive, cache_positive = relu_forward(X)
            negative, cache_negative = relu_forward(-X)
            return positive - LEAK * negative, (cache_positive, cache_negative)

        def leaky_backward(dout, cache):
            return relu_backward(dout, cache[0]) + LEAK * relu_backward(dout, cache[1])

        return {"relu_forward": leaky_forward, "relu_backward": leaky_backward}
    if kind == "linear":
        linear_forward, linear_backward = parts["linear_forward"], parts["linear_backward"]

        def scaled_forward(X, W, b):
            return linear_forward(X, SCALE * W, b)

        def scaled_backward(dout, cache):
            dX, dW, db = linear_backward(dout, cache)
            return dX, SCALE * dW, db

        return {"linear_forward": scaled_forward, "linear_backward": scaled_backward}
    softmax_cross_entropy = parts["softmax_cross_entropy"]

    def cooled(scores, y):
        loss, dscores = softmax_cross_entropy(scores / COOL, y)
        return loss, dscores / COOL

    return {"softmax_cross_entropy": cooled}


def altered_mlp_loss(params: dict, X: np.ndarray, y: np.ndarray, kind: str | None) -> float:
    """The two-layer net's loss with one part altered as in :data:`ALTERATIONS` (judges)."""
    scale = SCALE if kind == "linear" else 1.0
    z = X @ (scale * params["W1"]) + params["b1"]
    hidden = np.where(z > 0, z, LEAK * z) if kind == "relu" else np.maximum(z, 0.0)
    scores = hidden @ (scale * params["W2"]) + params["b2"]
    return cross_entropy(scores / (COOL if kind == "softmax" else 1.0), y)


def _follows(run: dict, params: dict, X: np.ndarray, y: np.ndarray, kind: str | None) -> bool:
    """Whether a run's loss and grads are those of the net altered by ``kind`` (finite, close)."""
    loss = np.asarray(run.get("loss"), dtype=np.float64)
    if loss.size != 1 or not np.isfinite(loss).all() or not np.isclose(
            float(loss.reshape(-1)[0]), altered_mlp_loss(params, X, y, kind), rtol=1e-7,
            atol=1e-9):
        return False
    grads = run.get("grads")
    if not isinstance(grads, dict):
        return False
    for key in KEYS:
        numeric = finite_difference_gradient(
            lambda value, key=key: altered_mlp_loss({**params, key: value}, X, y, kind),
            params[key])
        try:
            got = np.asarray(grads.get(key), dtype=np.float64)
        except (TypeError, ValueError):
            return False
        if got.shape != numeric.shape or not np.all(np.isfinite(got)) or not np.allclose(
                got, numeric, rtol=1e-4, atol=1e-6):
            return False
    return True


@register
class MlpBuiltFrom(Check):
    """mlp_loss_and_grads uses your layer functions: swap one and the results follow it."""

    name = "mlp_loss_and_grads_built_from"
    rules = RULES["mlp_loss_and_grads"]
    fresh = True

    def inputs(self, run_seed=0):
        rng = np.random.default_rng([run_seed, 404])
        n, d, h, c = (int(v) for v in rng.integers((4, 2, 3, 2), (9, 5, 7, 5)))
        params = {"W1": rng.normal(scale=1 / np.sqrt(d), size=(d, h)), "b1": rng.normal(size=h),
                  "W2": rng.normal(scale=1 / np.sqrt(h), size=(h, c)), "b2": rng.normal(size=c)}
        return {"params": params, "X": rng.normal(size=(n, d)), "y": rng.integers(0, c, size=n)}

    def probe(self, mlp_loss_and_grads, run_seed=0):
        loss, grads = mlp_loss_and_grads(*self.inputs(run_seed=run_seed).values())
        seen = {"plain": {"loss": loss, "grads": dict(grads)}}
        for kind in ALTERATIONS:  # each call on inputs of its own, as the first one's
            with swapped(mlp_loss_and_grads, **_altered_parts(mlp_loss_and_grads, kind)) as rec:
                loss, grads = mlp_loss_and_grads(*self.inputs(run_seed=run_seed).values())
            seen[kind] = {"loss": loss, "grads": dict(grads),
                          "calls": {name: r.count for name, r in rec.items()}}
        return seen

    def judge(self, seen, run_seed=0):
        params, X, y = self.inputs(run_seed=run_seed).values()
        if not _follows(seen["plain"], params, X, y, None):
            return Verdict.fail(
                f"{self.name}: the loss or the gradients of the two-layer net are wrong, so "
                "whether they follow your layer functions cannot be told yet.",
                "Make mlp_loss_and_grads_values pass first (and the layer checks before it).")
        for kind, (names, altered) in ALTERATIONS.items():
            run = seen[kind]
            uses = " and ".join(f"{name}()" for name in names)
            rule = (f"{self.name}: breaks a rule of the contract: mlp_loss_and_grads must be "
                    f"computed with your {uses}")
            unused = [name for name in names if run["calls"].get(name, 0) == 0]
            if unused:
                return Verdict.fail(f"{rule}; it never called {unused[0]}().",
                                    "Run the network through the layer functions you wrote in "
                                    "section 4, forward and then backward, in that order and "
                                    "reversed.")
            follows = _follows(run, params, X, y, kind)
            if not follows:
                return Verdict.fail(
                    f"{rule}: with them replaced by {altered}, the loss or the gradients did "
                    "not change accordingly, so part of the result was computed another way.",
                    "Every step of the forward and the backward pass goes through your layer "
                    "functions: no inline copy of a layer, no other library.")
        return Verdict.ok()


# --------------------------------------------------------------------------------------------
# (new 2026-12-06) Neuron, Layer, MLP made of the student's Values, and their training loop.
# The probe reads each unit's weights and bias (.w, .b), calls the net and its backward, and
# returns raw numbers; the judge rebuilds the same net in torch from those numbers.
# --------------------------------------------------------------------------------------------

VALUE_NET_SECTION = "Section 3, 'A small network of Values': what a neuron computes."


def _is_value(thing, Value) -> bool:
    return isinstance(Value, type) and isinstance(thing, Value)


def read_neuron(neuron, Value, prefix: str, names: dict) -> dict:
    """A neuron's weights and bias as numbers, with each parameter's id named in ``names``."""
    w, b = list(getattr(neuron, "w", None) or []), getattr(neuron, "b", None)
    for i, weight in enumerate(w):
        names[id(weight)] = f"{prefix}w{i}"
    names[id(b)] = f"{prefix}b"
    return {"w": [float(v.data) if _is_value(v, Value) else repr(v)[:40] for v in w],
            "b": float(b.data) if _is_value(b, Value) else repr(b)[:40],
            "values": all(_is_value(v, Value) for v in [*w, b])}


def read_net(layers, Value, names: dict) -> list[list[dict]]:
    """Every layer's neurons (see :func:`read_neuron`), naming parameters L<i>N<j>..."""
    return [[read_neuron(neuron, Value, f"L{i}N{j}", names)
             for j, neuron in enumerate(getattr(layer, "neurons", None) or [])]
            for i, layer in enumerate(layers)]


def parameter_names(parameters, names: dict) -> list[str]:
    return [names.get(id(p), f"<not a weight or bias of the net: {type(p).__name__}>")
            for p in list(parameters)]


def as_outputs(out, Value) -> list:
    """A call's result as a list of Values (a lone Value counts as a list of one)."""
    return [out] if _is_value(out, Value) else list(out)


def run_value_net(net, layers, Value, x: list[float]) -> dict:
    """Call ``net`` on numbers and on Values; backward of the sum of its outputs."""
    names: dict = {}
    structure = read_net(layers, Value, names)
    params = list(net.parameters())
    listed = parameter_names(params, names)
    on_numbers = [float(o.data) for o in as_outputs(net(list(x)), Value)]
    inputs = [Value(v) for v in x]
    outputs = as_outputs(net(inputs), Value)
    total = outputs[0]
    for o in outputs[1:]:
        total = total + o
    for p in params:
        p.grad = 0.0
    total.backward()
    grads = {name: float(p.grad) for name, p in zip(listed, params, strict=True)
             if not name.startswith("<")}
    return {"structure": structure, "listed": listed, "on_numbers": on_numbers,
            "on_values": [float(o.data) for o in outputs], "grads": grads,
            "input_grads": [float(v.grad) for v in inputs]}


def torch_net(structure: list[list[dict]], x, linear_last: bool = True):
    """The net of ``structure`` in torch (float64): tanh units, the last layer linear when
    ``linear_last``. Returns (outputs, leaf tensors by parameter name, input tensor)."""
    import torch

    leaves = {}
    h = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    first = h
    for i, layer in enumerate(structure):
        outs = []
        for j, unit in enumerate(layer):
            w = torch.tensor(unit["w"], dtype=torch.float64, requires_grad=True)
            b = torch.tensor(unit["b"], dtype=torch.float64, requires_grad=True)
            leaves[f"L{i}N{j}b"] = b
            for k in range(len(unit["w"])):
                leaves[f"L{i}N{j}w{k}"] = (w, k)
            z = (w * h).sum() + b
            outs.append(z if (linear_last and i == len(structure) - 1) else z.tanh())
        h = torch.stack(outs)
    return h, leaves, first


def judge_value_net(what: str, seen: dict, x: list[float], n_in: int, sizes: list[int],
                    linear_last: bool = True) -> Verdict:
    """A net's structure, parameters() and outputs/grads against torch rebuilt from it."""
    structure = seen["structure"]
    shapes = [len(layer) for layer in structure]
    if shapes != list(sizes):
        return Verdict.fail(f"{what}: the layers have {shapes} units, expected {list(sizes)}.",
                            "Each Layer makes n_out Neurons (in .neurons); the MLP makes one "
                            "Layer per entry of sizes (in .layers), each fed by the previous.")
    fan_in = [n_in, *sizes[:-1]]
    for i, layer in enumerate(structure):
        for unit in layer:
            if not unit["values"]:
                return Verdict.fail(f"{what}: a weight or bias of layer {i} is not a Value "
                                    f"(w = {unit['w'][:3]}, b = {unit['b']}).",
                                    "Every weight and the bias must be a Value, so that "
                                    "backward() can fill its .grad.")
            if len(unit["w"]) != fan_in[i]:
                return Verdict.fail(f"{what}: a unit of layer {i} has {len(unit['w'])} weights "
                                    f"for {fan_in[i]} inputs.")
    wanted = sum((f + 1) * s for f, s in zip(fan_in, sizes, strict=True))
    listed = seen["listed"]
    strangers = [name for name in listed if name.startswith("<")]
    twice = sorted({name for name in listed if listed.count(name) > 1})
    if strangers or twice or len(listed) != wanted:
        detail = (strangers[0] if strangers else f"{twice[0]} twice" if twice else
                  f"{len(listed)} entries")
        return Verdict.fail(f"{what}: parameters() lists {len(listed)} entries ({detail}), "
                            f"expected each of the {wanted} weights and biases once.",
                            "parameters() collects every neuron's weights and its bias, each "
                            "once: a Layer's are its neurons', an MLP's its layers'.")
    weights = [v for layer in structure for unit in layer for v in unit["w"]]
    if len(set(weights)) < max(2, len(weights) // 2):
        return Verdict.fail(f"{what}: the weights are {weights[:4]}...: they must be random "
                            "(drawn from rng), or all units of a layer compute the same thing.")
    out, leaves, first = torch_net(structure, x, linear_last)
    out.sum().backward()
    hints = ("The value is wrong before any gradient: a neuron computes its weighted sum plus "
             "its bias; hidden units apply tanh, the output layer does not.", VALUE_NET_SECTION)
    expected = out.detach().numpy()
    verdict = first_failure(
        compare(f"{what}: its outputs on the numbers {x}", seen["on_numbers"], expected,
                rtol=1e-9, atol=1e-12, hints=hints),
        compare(f"{what}: its outputs on Values holding {x}", seen["on_values"], expected,
                rtol=1e-9, atol=1e-12, hints=hints))
    if not verdict.passed:
        return verdict
    grads = seen["grads"]
    for name in listed:
        leaf = leaves[name]
        want = float(leaf[0].grad[leaf[1]]) if isinstance(leaf, tuple) else float(leaf.grad)
        verdict = compare(f"{what}: after backward() of the sum of its outputs, the .grad of "
                          f"{name}", grads.get(name), want, rtol=1e-7, atol=1e-10,
                          hints=("The outputs are right, the gradients not: build every "
                                 "output only from Value operations, so backward() reaches "
                                 "each weight and bias.",))
        if not verdict.passed:
            return verdict
    return compare(f"{what}: the .grad of the input Values", seen["input_grads"],
                   first.grad.numpy(), rtol=1e-7, atol=1e-10,
                   hints=("Use the inputs as given (numbers or Values) in the weighted sum, "
                          "so a gradient reaches Values passed in.",))


NET_CASES = {"neuron": (3, [1], False), "linear neuron": (3, [1], True),
             "layer": (3, [4], False), "mlp": (2, [4, 3, 1], True), "wide mlp": (3, [5, 2], True)}
"""name -> (n_in, sizes, linear last): what each case builds."""
NET_LABELS = {"neuron": "Neuron(3, rng)", "linear neuron": "Neuron(3, rng, linear=True)",
              "layer": "Layer(3, 4, rng)", "mlp": "MLP(2, [4, 3, 1], rng)",
              "wide mlp": "MLP(3, [5, 2], rng)"}


def build_value_net(kind: str, Neuron, Layer, MLP, rng):
    """(net, its layers) of one :data:`NET_CASES` entry, made with the student's classes."""
    n_in, sizes, linear = NET_CASES[kind]
    if kind in ("neuron", "linear neuron"):
        neuron = Neuron(n_in, rng, linear=True) if linear else Neuron(n_in, rng)
        return neuron, [type("OneLayer", (), {"neurons": [neuron]})()]
    if kind == "layer":
        layer = Layer(n_in, sizes[0], rng)
        return layer, [layer]
    net = MLP(n_in, sizes, rng)
    return net, list(getattr(net, "layers", None) or [])


def net_point(seed: int, n_in: int) -> list[float]:
    return [float(v) for v in np.random.default_rng([seed, 4044]).uniform(-1.5, 1.5, n_in)]


@register
class ValueNet(Check):
    """Neuron, Layer and MLP of Values compute a tanh net (linear output) and its gradients."""

    name = "value_net"
    rules = DERIVED
    defaults = {"seed": 0}

    def probe(self, Neuron, Layer, MLP, Value, seed):
        seen = {}
        for kind, (n_in, _sizes, _linear) in NET_CASES.items():
            net, layers = build_value_net(kind, Neuron, Layer, MLP, np.random.default_rng(seed))
            seen[kind] = run_value_net(net, layers, Value, net_point(seed, n_in))
        same = [Neuron(3, np.random.default_rng([seed, k])) for k in (1, 1, 2)]
        seen["weights by seed"] = [[float(v.data) for v in neuron.w] for neuron in same]
        return seen

    def judge(self, seen, seed):
        for kind, (n_in, sizes, linear) in NET_CASES.items():
            verdict = judge_value_net(NET_LABELS[kind], seen[kind], net_point(seed, n_in),
                                      n_in, sizes, linear)
            if not verdict.passed:
                return verdict
        first, again, other = seen["weights by seed"]
        if first != again or first == other:
            return Verdict.fail("Neuron(3, rng): two generators with the same seed gave "
                                f"{'different' if first != again else 'the same'} weights "
                                f"({first} and {again if first != again else other}).",
                                "Draw the initial weights from the rng argument (and only "
                                "from it), so a seed fixes the net.")
        return Verdict.ok()


def probe_value_model(Value, structure: list[list[dict]]):
    """A tanh net with a linear output built by the probe from the student's Value: an
    object with __call__ and parameters(), as train_value_mlp expects of a model."""
    units = [[([Value(w) for w in unit["w"]], Value(unit["b"])) for unit in layer]
             for layer in structure]

    class Model:
        def __call__(self, x):
            h = list(x)
            for i, layer in enumerate(units):
                outs = []
                for w, b in layer:
                    z = b
                    for wi, hi in zip(w, h):
                        z = z + wi * hi
                    outs.append(z if i == len(units) - 1 else z.tanh())
                h = outs
            return h[0]

        def parameters(self):
            return [p for layer in units for w, b in layer for p in (*w, b)]

    return Model()


def train_data(seed: int, n: int = 6, n_in: int = 2, hidden: int = 3) -> dict:
    rng = np.random.default_rng([seed, 4045])
    structure = [[{"w": rng.normal(size=n_in).tolist(), "b": float(rng.normal(scale=0.3))}
                  for _ in range(hidden)],
                 [{"w": rng.normal(size=hidden).tolist(), "b": float(rng.normal(scale=0.3))}]]
    X = rng.uniform(-1.5, 1.5, size=(n, n_in)).tolist()
    y = [float(v) for v in rng.choice([-1.0, 1.0], size=n)]
    return {"structure": structure, "X": X, "y": y}


def torch_training(structure, X, y, steps: int, lr: float) -> tuple[list[float], list[float]]:
    """Full-batch gradient descent on the mean squared error, in torch: the losses at the
    start of every step and the parameters after the last one (in the model's order)."""
    import torch

    tensors = [[(torch.tensor(u["w"], dtype=torch.float64, requires_grad=True),
                 torch.tensor(u["b"], dtype=torch.float64, requires_grad=True)) for u in layer]
               for layer in structure]
    X_t, y_t = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    params = [t for layer in tensors for w, b in layer for t in (w, b)]
    losses = []
    for _ in range(steps):
        h = X_t
        for i, layer in enumerate(tensors):
            z = torch.stack([h @ w + b for w, b in layer], dim=1)
            h = z if i == len(tensors) - 1 else z.tanh()
        loss = ((h[:, 0] - y_t) ** 2).mean()
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads, strict=True):
                p -= lr * g
        losses.append(float(loss.detach()))
    final = [float(v) for layer in tensors for w, b in layer for v in (*w.tolist(), b.item())]
    return losses, final


@register
class TrainValueMlp(Check):
    """train_value_mlp takes plain gradient steps on the mean squared error, one backward each."""

    name = "train_value_mlp_steps"
    rules = DERIVED
    defaults = {"seed": 0, "steps": 4, "lr": 0.3, "n": 6}
    GARBAGE = 5.0  # every .grad holds this when train_value_mlp is called

    def inputs(self, seed, n, **_):
        return train_data(seed, n)

    def probe(self, train_value_mlp, Value, seed, steps, lr, n):
        data = self.inputs(seed=seed, n=n)
        model = probe_value_model(Value, data["structure"])
        for p in model.parameters():
            p.grad = self.GARBAGE
        calls = {"backward": 0}
        backward = Value.backward

        def counted(self_):
            calls["backward"] += 1
            return backward(self_)

        X, y = [list(row) for row in data["X"]], list(data["y"])
        Value.backward = counted
        try:
            losses = train_value_mlp(model, X, y, steps, lr)
        finally:
            Value.backward = backward
        return {"losses": [float(v) for v in list(losses)],
                "params": [float(p.data) for p in model.parameters()],
                "backward_calls": calls["backward"], "X": X, "y": y}

    def judge(self, seen, seed, steps, lr, n):
        data = self.inputs(seed=seed, n=n)
        losses, final = torch_training(data["structure"], data["X"], data["y"], steps, lr)
        what = f"train_value_mlp(model, X ({n} points), y, steps={steps}, lr={lr})"
        if len(seen["losses"]) != steps:
            return Verdict.fail(f"{what} returned {len(seen['losses'])} losses, expected one "
                                f"per step ({steps}).")
        if seen["backward_calls"] != steps:
            return Verdict.fail(f"{what} called backward() {seen['backward_calls']} times, "
                                f"expected once per step ({steps}).",
                                "Each step builds the loss of the whole data set as one Value "
                                "and calls backward() on it once.")
        verdict = compare(f"{what}: the first loss (before any step)", seen["losses"][:1],
                          losses[:1], rtol=1e-9,
                          atol=1e-12, mistakes={"the sum over the points, not the mean.":
                                                [losses[0] * n]},
                          hints=("The first loss, before any step, is wrong: it is the mean "
                                 "over the points of (model(x) - y) squared.",))
        if not verdict.passed:
            return verdict
        verdict = compare(f"{what}: the losses, one per step", seen["losses"], losses,
                          rtol=1e-8, atol=1e-12,
                          hints=("The first loss is right, the later ones are not: so the "
                                 "steps are wrong. Check the direction and the size of each "
                                 "parameter's change (gradient descent, notebook 03, section "
                                 "8), and what its .grad holds when backward() runs.",
                                 "Gradients accumulate (+=): set every parameter's .grad to "
                                 "0 before each backward() (section 3, 'Why +=')."))
        if not verdict.passed:
            return verdict
        verdict = compare(f"{what}: the parameters after the last step", seen["params"], final,
                          rtol=1e-8, atol=1e-12,
                          hints=("The losses are right but the final parameters are not: "
                                 "every step, the last one too, updates every parameter's "
                                 ".data.",))
        if not verdict.passed:
            return verdict
        if seen["X"] != data["X"] or seen["y"] != data["y"]:
            return Verdict.fail(f"{what} changed X or y.")
        return Verdict.ok()


def moons_training(seed: int, n: int = 40, hidden: int = 8) -> dict:
    """The lesson's training run of section 3: n two-moons points (labels -1, +1 as targets)
    and the initial weights of a (2 -> hidden tanh -> 1 linear) net, drawn from one
    generator in the order the lesson's MLP(2, [hidden, 1], rng) draws them (each neuron's
    weights uniform on [-1, 1], biases 0)."""
    from nncourse.data import moons

    rng = np.random.default_rng(seed)
    X, labels = moons(n, rng, noise=0.1)
    structure = [[{"w": rng.uniform(-1.0, 1.0, 2).tolist(), "b": 0.0} for _ in range(hidden)],
                 [{"w": rng.uniform(-1.0, 1.0, hidden).tolist(), "b": 0.0}]]
    return {"X": X.tolist(), "y": [2.0 * float(v) - 1.0 for v in labels],
            "structure": structure}


def torch_outputs(structure, X, steps: int, lr: float, y) -> list[float]:
    """The outputs on X of the net of ``structure`` after ``steps`` steps of torch's full-batch
    gradient descent on the mean squared error (:func:`torch_training`)."""
    import torch

    _, final = torch_training(structure, X, y, steps, lr)
    values = iter(final)
    trained = [[{"w": [next(values) for _ in unit["w"]], "b": next(values)} for unit in layer]
               for layer in structure]
    h = torch.tensor(X, dtype=torch.float64)
    for i, layer in enumerate(trained):
        z = torch.stack([h @ torch.tensor(u["w"], dtype=torch.float64) + u["b"] for u in layer],
                        dim=1)
        h = z if i == len(trained) - 1 else torch.tanh(z)
    return h[:, 0].tolist()


def sign_accuracy(outputs, y) -> float:
    """The fraction of points whose output has the sign of their target (-1 or +1)."""
    return sum((o > 0) == (t > 0) for o, t in zip(outputs, y, strict=True)) / len(y)


@register
class TrainValueMlpAccuracy(Check):
    """train_value_mlp trains the lesson's net on the two moons to the accuracy the lesson's
    training reaches (the same data, initial weights, steps and learning rate)."""

    name = "train_value_mlp_accuracy"
    rules = DERIVED
    defaults = {"seed": 0, "steps": 60, "lr": 0.2}

    def probe(self, train_value_mlp, Value, seed, steps, lr):
        data = moons_training(seed)
        model = probe_value_model(Value, data["structure"])
        losses = train_value_mlp(model, [list(x) for x in data["X"]], list(data["y"]), steps,
                                 lr)
        return {"outputs": [float(model(list(x)).data) for x in data["X"]],
                "losses": [float(v) for v in list(losses)]}

    def judge(self, seen, seed, steps, lr):
        data = moons_training(seed)
        target = sign_accuracy(torch_outputs(data["structure"], data["X"], steps, lr,
                                             data["y"]), data["y"])
        reached = sign_accuracy(seen["outputs"], data["y"])
        what = (f"train_value_mlp on the lesson's two moons ({len(data['y'])} points, "
                f"steps={steps}, lr={lr})")
        if reached + 1e-9 < target:
            losses = seen["losses"]
            trend = (f" Its losses went from {losses[0]:.3f} to {losses[-1]:.3f}."
                     if losses else "")
            return Verdict.fail(
                f"{what}: the trained net classifies {reached:.0%} of the points correctly; "
                f"the lesson's training reaches {target:.0%}.{trend}",
                "The loop runs, but the net does not learn as far as it should: does every "
                "step (the last ones too) move every parameter, by the full step?",
                "Watch the losses step by step: they should keep falling over all the steps, "
                "not stall after a few.")
        return Verdict.ok()


# --------------------------------------------------------------------------------------------
# (new 2026-12-06) LinearFunction: the student's torch.autograd.Function for X @ W + b.
# The probe runs it through torch's autograd and calls its backward directly with a context
# of the probe's own while counting every run of torch's autograd engine; the judge compares
# with torch.nn.functional.linear and its autograd gradients, computed here.
# --------------------------------------------------------------------------------------------

TORCH_PACKAGES = ("torch", "torchgen", "sympy", "mpmath")
"""torch and the forbidden packages it imports itself (``import torch`` loads torchgen,
gradcheck loads sympy and mpmath): what LinearFunction's kernel must be able to import."""

RULES["LinearFunction"] = Rules(allowed_packages=TORCH_PACKAGES,
                                forbidden_calls=("np", "numpy", "linear_forward",
                                                 "linear_backward"))
"""LinearFunction is written with torch tensor operations: not numpy, not the numpy layer."""


def linear_function_data(seed: int, n: int, d: int, m: int) -> dict:
    rng = np.random.default_rng([seed, 4046])
    return {"X": rng.normal(size=(n, d)), "W": rng.normal(size=(d, m)),
            "b": rng.normal(size=m), "dout": rng.normal(size=(n, m)),
            "other": [rng.normal(size=(n + 1, d)), rng.normal(size=(d, m)),
                      rng.normal(size=m)]}


def _numbers(value):
    """A tensor (or tuple of them) as numpy arrays; anything else described."""
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy().copy()
    if isinstance(value, (tuple, list)):
        return [_numbers(v) for v in value]
    return describe(value)


def run_linear_function(LinearFunction, X, W, b, dout, other) -> dict:
    """Autograd through LinearFunction.apply, gradcheck, and a direct backward call."""
    import torch
    from torch.autograd.variable import Variable

    def tensors(*arrays, grad=False):
        return [torch.tensor(a, dtype=torch.float64, requires_grad=grad) for a in arrays]

    # helper classes live here, not at module level: the probe-only library keeps a
    # module's classes without their methods

    class _ProbeContext:
        """A stand-in for the ``ctx`` torch passes to forward and backward (called directly)."""

        needs_input_grad = (True, True, True)

        def save_for_backward(self, *tensors):
            self._saved = tensors

        @property
        def saved_tensors(self):
            return self._saved

        def mark_non_differentiable(self, *tensors):
            pass

        def set_materialize_grads(self, value):
            pass

    class _EngineCounter:
        """Wraps torch's autograd engine so that every backward or autograd.grad run counts."""

        def __init__(self, engine):
            self.engine, self.runs = engine, 0

        def run_backward(self, *args, **kwargs):
            self.runs += 1
            return self.engine.run_backward(*args, **kwargs)

        def __getattr__(self, name):
            return getattr(self.engine, name)

    seen = {}
    X_t, W_t, b_t = tensors(X, W, b, grad=True)
    out = LinearFunction.apply(X_t, W_t, b_t)
    seen["out"] = _numbers(out)
    seen["out_dtype"] = str(getattr(out, "dtype", type(out).__name__))
    out.backward(torch.tensor(dout, dtype=torch.float64))
    seen["autograd"] = [_numbers(t.grad) if t.grad is not None else "None"
                        for t in (X_t, W_t, b_t)]
    seen["gradcheck"] = bool(torch.autograd.gradcheck(
        LinearFunction.apply, tuple(tensors(X[:3, :3], W[:3, :2], b[:2], grad=True)),
        raise_exception=False))
    ctx, ctx_other = _ProbeContext(), _ProbeContext()
    inputs = tensors(X, W, b)
    LinearFunction.forward(ctx, *inputs)
    LinearFunction.forward(ctx_other, *tensors(*other))  # another call between the two
    counter = _EngineCounter(Variable._execution_engine)
    Variable._execution_engine = counter
    try:
        with torch.no_grad():
            direct = LinearFunction.backward(ctx, torch.tensor(dout, dtype=torch.float64))
    finally:
        Variable._execution_engine = counter.engine
    seen["direct"] = _numbers(direct)
    seen["engine_runs"] = counter.runs
    seen["inputs_after"] = [_numbers(t) for t in inputs]
    return seen


def judge_linear_function(seen: dict, X, W, b, dout, other) -> Verdict:
    import torch

    X_t, W_t, b_t = (torch.tensor(a, requires_grad=True) for a in (X, W, b))
    out = torch.nn.functional.linear(X_t, W_t.T, b_t)  # torch stores the weight as (M, D)
    out.backward(torch.tensor(dout))
    expected_grads = [t.grad.numpy() for t in (X_t, W_t, b_t)]
    where = f"LinearFunction.apply(X {X.shape}, W {W.shape}, b {b.shape})"
    verdict = judge_linear_out(where, seen["out"], X, W, b)
    if not verdict.passed:
        return verdict
    if seen["out_dtype"] != "torch.float64":
        return Verdict.fail(f"{where} returned {seen['out_dtype']}, expected a float64 tensor.",
                            "Compute the output with tensor operations on the inputs "
                            "themselves, so it keeps their dtype.")
    hints = {"dX": ("dX must have the shape of X: one row per example.",
                    "Section 4: for one row, the Jacobian of x -> x W is W^T."),
             "dW": ("dW must have the shape of W, (D, M).",
                    "Every row of the batch uses W: dW adds up one contribution per row."),
             "db": ("db must have the shape of b, (M,).",
                    "b is added to every row: its gradient collects all rows' contributions.")}
    autograd = seen["autograd"]
    if not isinstance(autograd, list) or len(autograd) != 3:
        return Verdict.fail(f"{where}: backward must return three gradients (dX, dW, db).")
    for name, got, want in zip(("dX", "dW", "db"), autograd, expected_grads, strict=True):
        verdict = compare(f"{where}, then out.backward(dout): {name}", got, want,
                          rtol=1e-9, atol=1e-12, hints=hints[name])
        if not verdict.passed:
            return verdict
    if not seen["gradcheck"]:
        return Verdict.fail("torch.autograd.gradcheck(LinearFunction.apply, ...) in float64 "
                            "failed on a smaller X.",
                            "Its backward must be right for every shape, not just one.")
    direct = seen["direct"]
    parts = direct if isinstance(direct, list) and len(direct) == 3 else [direct] * 3
    for name, got, want in zip(("dX", "dW", "db"), parts, expected_grads, strict=True):
        verdict = compare(f"LinearFunction.backward(ctx, dout) called with the ctx of an "
                          f"earlier forward (another forward ran in between): {name}", got,
                          want, rtol=1e-9, atol=1e-12,
                          hints=("backward must take X and W from what forward saved on its "
                                 "own ctx (ctx.save_for_backward, ctx.saved_tensors), not from "
                                 "a global or the latest call.",))
        if not verdict.passed:
            return verdict
    if seen["engine_runs"]:
        return Verdict.fail("LinearFunction.backward ran torch's autograd (.backward() or "
                            "torch.autograd.grad) to compute its gradients: breaks a rule of "
                            "the contract.",
                            "backward computes the three gradients itself, with tensor "
                            "operations on the saved tensors and dout: it is the layer's "
                            "backward pass, written in torch.")
    return unchanged("LinearFunction.forward/backward", {"X": X, "W": W, "b": b},
                     dict(zip(("X", "W", "b"), seen["inputs_after"], strict=True)))


@register
class LinearFunctionGradients(Check):
    """LinearFunction matches torch.nn.functional.linear, its autograd and gradcheck."""

    name = "linear_function_gradients"
    rules = RULES["LinearFunction"]
    defaults = {"n": 5, "d": 4, "m": 3, "seed": 0}

    def inputs(self, n, d, m, seed):
        return linear_function_data(seed, n, d, m)

    def probe(self, LinearFunction, **args):
        return run_linear_function(LinearFunction, **self.inputs(**args))

    def judge(self, seen, **args):
        return judge_linear_function(seen, **self.inputs(**args))
