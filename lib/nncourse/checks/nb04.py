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

from nncourse.checking import Check, _unfinished_callee, on_copies, register, stored_values
from nncourse.compare import compare, compare_derived, describe, unchanged
from nncourse.derived import EXTREMES, wide_magnitudes
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
                            "Return a Python list of the nodes themselves.",
                            "Print type(order) and order[:3] for the small graph of section 2: "
                            "the callers loop over it in its order.")
    strangers = [g for g in got if not (isinstance(g, str) and g.startswith("n"))]
    if strangers:
        return Verdict.fail(f"{what}: the list holds {strangers[0]}, expected graph nodes.",
                            "Append the node objects themselves, not their data or labels.",
                            "Print type(order[0]) for a small graph: each entry must be a node "
                            "whose .grad and _prev the caller can use.")
    wanted = {f"n{i}" for i in reachable(inputs, root)}
    counts = {name: got.count(name) for name in set(got)}
    twice = sorted(name for name, c in counts.items() if c > 1)
    if twice:
        return Verdict.fail(
            f"{what}: node {twice[0]} appears {counts[twice[0]]} times in the order "
            f"({len(got)} entries for {len(wanted)} nodes).",
            "A node reached along two paths (or used twice, as in a * a) is added each time "
            "it is reached.",
            "Section 2: run it on a * a and on a diamond, print the list and count each node; "
            "what could tell your walk that it has met a node before?")
    missing = sorted(wanted - set(got), key=lambda s: int(s[1:]))
    if missing:
        return Verdict.fail(
            f"{what}: {len(missing)} of the {len(wanted)} reachable nodes are missing "
            f"(e.g. {missing[0]}).",
            "Some nodes that the root depends on were never reached: an input of some node, "
            "or the root itself, was left out of the walk.",
            "Section 2: follow the walk by hand on a * b + c: does it reach every leaf, "
            "through every input of every node?")
    extra = sorted(set(got) - wanted)
    if extra:
        return Verdict.fail(f"{what}: {extra[0]} is not reachable from the root but is in the "
                            "order.", "Start from the root and follow only ._prev.",
                            "Section 2: the order lists what the root depends on, and nothing "
                            "else.")
    position = {name: k for k, name in enumerate(got)}
    for i in reachable(inputs, root):
        for j in inputs[i]:
            if position[f"n{j}"] > position[f"n{i}"]:
                return Verdict.fail(
                    f"{what}: node n{i} comes at position {position[f'n{i}']}, before its "
                    f"input n{j} (position {position[f'n{j}']}).",
                    "Some node was listed before an input it depends on, so a backward pass "
                    "over the reversed list would reach that input too early.",
                    "Section 2: write the order for a * b + c by hand; at the moment your "
                    "walk appends a node, have all of its inputs been appended yet?")
    if got[-1] != f"n{root}":
        return Verdict.fail(f"{what}: the last node is {got[-1]}, expected the root n{root}.",
                            "The root depends on every other node, yet something comes "
                            "after it in your order.",
                            "Section 2: every node comes after its inputs, so which node "
                            "can only be last?")
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
TWICE = ("Section 3, 'a node used twice': what must happen to a node's .grad when a "
         "second _backward reaches it?")
CASE_HINT = ("Work this expression's gradient by hand at the point above and compare it with "
             "your .grad, input by input.")
FORWARD_VALUE_HINT = ("The forward value is wrong, before any gradient: look at how out.data "
                      "is computed.")
NOT_IMPLEMENTED_HINTS = (
    "A method of Value this test calls (the constructor, an operation or backward) still "
    "raises NotImplementedError.",
    "Replace each `raise NotImplementedError()` in the class with your code, then run the "
    "cell that defines Value again.")
RAISED_HINTS = (
    "Your code raised an exception on the expression above: the message names its type and "
    "text.",
    "Run the same lines in a cell of your own and read the traceback down to the line of "
    "your code that raised; print the values it used there.")
DERIVED_HINTS = (
    "This gradient is not equal to torch's exact one: either a local derivative is wrong, or "
    "the gradient is estimated from nearby values of the function instead of derived.",
    "Print yours next to torch's on a tiny input with 17 digits (f'{v:.17g}'): if they agree "
    "to about 6 digits only, derive each local derivative on paper (section 3's table); if "
    "they differ more, work the gradient by hand and compare step by step.")

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

RELU_IDEA = ("Section 3's table: on each side of 0, relu is a straight line; which of the node's "
             "own numbers tells the _backward which side it is on?")

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
         "relu is wrong for a positive input (negative inputs are checked next): compare "
         "the value and the gradient with what you expect on this side of 0.", idea=RELU_IDEA),
    Case("a.relu() (a < 0)", 1, lambda a: a.relu(), -2.0, -0.2,
         "relu is right for positive inputs and wrong for a negative one: compare the value "
         "and the gradient with what you expect on this side of 0.", idea=RELU_IDEA),
    Case("a.relu() at a = 0", 1, lambda a: a.relu(), fixed=(0.0,),
         hint="relu is right on both sides of 0 and wrong at a = 0 exactly, the kink: the "
              "course's convention there is relu'(0) = 0.",
         idea="Look at the condition that picks the side of 0 in your _backward: which side "
              "does a = 0 land on?"),
    Case("a.sigmoid() at a = -1000", 1, lambda a: a.sigmoid(), fixed=(-1000.0,),
         hint="sigmoid at a = -1000 failed: math.exp of a large positive number overflows.",
         idea="For negative a, write the sigmoid so that exp only ever sees a number <= 0 "
              "(notebook 01's stable sigmoid)."),
)

BACKWARD = (
    Case("(x1 + x2) * x3 - x4 at (5, 4, 3, 2)", 4, lambda a, b, c, d: (a + b) * c - d,
         fixed=(5.0, 4.0, 3.0, 2.0), names=("x1", "x2", "x3", "x4"),
         hint="By hand: df/dx = (3, 3, 9, -1).",
         idea="Section 1 works this graph by hand, node by node: compare each of your nodes' "
              ".grad with it."),
    Case("log(1 + (w x - y)^2) at w = 2, x = 1.5, y = 1", 3,
         lambda w, x, y: (1 + (w * x - y) ** 2).log(), fixed=(2.0, 1.5, 1.0), names=("w", "x", "y"),
         hint="By hand: dl/dw = 1.2, dl/dx = 1.6, dl/dy = -0.8.",
         idea="Section 1's second graph works this loss by hand, node by node."),
    Case("a * a (a used twice)", 1, lambda a: a * a,
         hint="a * b passes but a * a does not: here the product's two inputs are the same "
              "node, and only one of the two contributions reaches a.grad.",
         idea=TWICE),
    Case("a + a (a used twice)", 1, lambda a: a + a,
         hint="a + b passes but a + a does not: the second _backward that reaches a "
              "loses what the first one put in a.grad.",
         idea=TWICE),
    Case("b * b + b with b = 3a + 1 (b used three times)", 1, _shared,
         hint="b is used three times and its gradient is off: some of its uses do not "
              "count.", idea=TWICE),
    Case("sigmoid((exp(2 tanh(a/2 + 0.3)) - 1) / 3) (a chain six deep)", 1, _chain,
         hint="The chain six deep is off. If each of its operations passes on its own "
              "(value_functions), a node passed its .grad on before all of it had arrived, "
              "or never passed it on; if one of them fails there, fix that one first.",
         idea="Section 2: topological_order lists every node after its inputs. The root's "
              "gradient is known first: in which direction through that list must the "
              "_backward calls go?"),
    Case("a mixture of every operation", 3, _mixed, 0.5, 2.0,
         hint="Every other case passes: an operation used here in a way the other cases "
              "do not (a number on the left, a shared node) is off.", idea=TABLE),
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
        return {"raised": f"{type(error).__name__}: {error}"[:500],
                "raised_in": _unfinished_callee(error, (Value,))
                if isinstance(error, NotImplementedError) else None}


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
        callee = next((r["raised_in"] for r in results if isinstance(r.get("raised_in"), str)
                       and r["raised_in"]), None)
        if callee:
            return Verdict.not_yet(f"Value: needs your {callee}, which is not implemented yet.",
                                   f"Finish {callee} first (its own test says when it works), "
                                   "then run this test again.",
                                   f"This exercise calls your {callee}: replace its `raise "
                                   "NotImplementedError()` and run the cell that defines it "
                                   "again.")
        return Verdict.not_yet("Value: not implemented yet.", *NOT_IMPLEMENTED_HINTS)
    for case, result, inputs in zip(cases, results, points, strict=True):
        where = _describe(case, inputs)
        if result.get("raised_in") and isinstance(result["raised_in"], str):
            callee = result["raised_in"]
            return Verdict.not_yet(f"{where}: needs your {callee}, which is not implemented "
                                   "yet.", f"Finish {callee} first (its own test says when it "
                                   "works), then run this test again.",
                                   f"This exercise calls your {callee}: replace its `raise "
                                   "NotImplementedError()` and run the cell that defines it "
                                   "again.")
        if result.get("raised"):
            return Verdict.fail(f"{where}: building f or calling f.backward() raised "
                                f"{result['raised']}", case.hint or CASE_HINT,
                                case.idea or TABLE)
        data, grads = torch_case(case, inputs)
        verdict = compare(f"{where}: f.data", result["data"], data, rtol=1e-6, atol=1e-9,
                          hints=(FORWARD_VALUE_HINT, case.hint or case.idea or TABLE))
        if not verdict.passed:
            return Verdict.fail(verdict.message, FORWARD_VALUE_HINT,
                                case.hint or case.idea or TABLE)
        if any(g != 0.0 for g in np.atleast_1d(result["fresh"])):
            return Verdict.fail(f"Value(x).grad was {result['fresh']} when made, expected 0.0.",
                                "A Value that was just made already has a gradient: look at "
                                "what the constructor stores in .grad.",
                                "Section 3: before any backward() no gradient has been "
                                "computed; print Value(2.0).grad right after making it.")
        if not np.isclose(result["root_grad"], 1.0):
            return Verdict.fail(f"{where}: after f.backward(), f.grad is "
                                f"{result['root_grad']!r}, expected 1.0.",
                                "The root's own gradient is wrong, so every gradient below it "
                                "is scaled wrong too.",
                                "Section 1: before any _backward runs, the root needs its "
                                "gradient df/df: which line of backward gives it one?")
        # derived: equal to torch at round-off of the case's own scale (a local derivative
        # by finite differences is close, not equal)
        scale = max(1.0, abs(data), *(abs(g) for g in grads))
        for name, got, expected in zip(case.names[:case.arity], result["grads"], grads,
                                       strict=True):
            label = f"{where}: df/d{name} (the .grad of {name})"
            verdict = compare(label, got, expected, rtol=1e-6, atol=1e-9,
                              hints=(case.hint or CASE_HINT, case.idea or TABLE))
            if not verdict.passed:  # a wrong local derivative: the case's own hints
                return Verdict.fail(verdict.message, *count_hints(case, got, expected))
            verdict = compare_derived(label, got, expected, scale=scale, hints=DERIVED_HINTS)
            if not verdict.passed:  # right to 1e-6, not to round-off: a numerical one
                return verdict
    return Verdict.ok(f"{len(cases)} expressions match torch.")


ONCE_IDEA = ("Section 2: with every node listed once, after its inputs, a single pass over "
             "that list is enough: in which direction, and how often does each node's "
             "_backward run?")


def count_hints(case: Case, got, expected: float) -> tuple[str, str]:
    """The hints of a wrong input gradient: the case's own, except where a node is used
    more than once and the gradient came out too large (counted more than once, not less)."""
    try:
        ratio = float(got) / expected
    except (TypeError, ValueError, ZeroDivisionError):
        ratio = 0.0
    if case.idea == TWICE and abs(ratio) > 1.0 + 1e-6:
        return (f"The gradient is {ratio:.3g} times torch's: too large, not too small, so "
                "some contributions reached it more than once (a node passing its .grad on "
                "again each time another path leads to it?).", ONCE_IDEA)
    return case.hint or CASE_HINT, case.idea or TABLE


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


def _first_graph(a):
    return a * a + a


def _second_graph(a):
    return (a * 3).tanh()


ACCUMULATION = ("f = a * a + a, f.backward(), then g = tanh(3a) on the same leaf a, "
                "g.backward()")


def run_accumulation(Value, a0: float) -> dict:
    """Two graphs that share the leaf a, each with its own backward(): a.grad after each."""
    try:
        a = Value(a0)
        _first_graph(a).backward()
        first = a.grad
        _second_graph(a).backward()
        return {"first": first, "second": a.grad}
    except Exception as error:
        return {"raised": f"{type(error).__name__}: {error}"[:500]}


def judge_accumulation(seen: dict, a0: float) -> Verdict:
    """a.grad after the second backward() is the sum of both graphs' gradients, as torch's
    leaves accumulate."""
    import torch

    a = torch.tensor(a0, dtype=torch.float64, requires_grad=True)
    _first_graph(a).backward()
    first = float(a.grad)
    _second_graph(a).backward()
    both = float(a.grad)
    where = f"{ACCUMULATION}, at a = {a0:.4g}"
    if seen.get("raised"):
        return Verdict.fail(f"{where}: raised {seen['raised']}", *RAISED_HINTS)
    verdict = compare(f"{where}: a.grad after f.backward()", seen["first"], first, rtol=1e-9,
                      atol=1e-12,
                      hints=("a.grad is already wrong after the first backward(): the fault is "
                             "in f = a * a + a alone, before the second graph.", TWICE))
    if not verdict.passed:
        return verdict
    hints = ("a.grad was right after the first backward() and is wrong after the second: "
             "the second call changes what the first one left on the shared leaf a.",
             "Section 3, 'Why +=': torch's leaves keep what earlier backward() calls left on "
             "them. Print a.grad after each call, and look at which lines of your backward() "
             "write a node's .grad, and for which nodes.")
    if np.isclose(seen["second"], both - first, rtol=1e-9, atol=1e-12) and not np.isclose(
            first, 0.0):
        return Verdict.fail(f"{where}: a.grad is {seen['second']!r} after g.backward(), "
                            f"which is dg/da alone: the df/da = {first:.6g} that f.backward() "
                            "left there was erased.", *hints)
    return compare(f"{where}: a.grad after g.backward()", seen["second"], both, rtol=1e-9,
                   atol=1e-12, hints=hints)


@register
class ValueBackward(ValueCasesCheck):
    """Value.backward matches torch: lecture graphs, reused nodes, a deep chain, shared leaves.

    Two graphs that share a leaf, each with its own backward(): the leaf's gradients add up.
    """

    name = "value_backward_graphs"
    rules = DERIVED
    cases = BACKWARD

    def inputs(self, seed):
        rng = np.random.default_rng([seed, 4104])
        return {**super().inputs(seed), "shared": float(rng.uniform(0.2, 1.2))}

    def probe(self, Value, **args):
        return {**super().probe(Value, **args),
                "accumulation": run_accumulation(Value, self.inputs(**args)["shared"])}

    def judge(self, seen, **args):
        verdict = super().judge(seen, **args)
        if not verdict.passed:
            return verdict
        verdict = judge_accumulation(seen["accumulation"], self.inputs(**args)["shared"])
        return verdict if not verdict.passed else Verdict.ok(
            f"{len(self.cases)} expressions match torch, and gradients add up across "
            "backward() calls.")


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
                 "Section 2: with every node listed once, after its inputs, a single pass "
                 "over that list is enough (memoisation): from which end does it start?")
        if seen.get("raised"):
            if seen["raised"].startswith("NotImplementedError"):
                return Verdict.not_yet("Value: not implemented yet.", *NOT_IMPLEMENTED_HINTS)
            return Verdict.fail(f"{what}: building f or calling f.backward() raised "
                                f"{seen['raised']}", *RAISED_HINTS)
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
            compare(f"{what}: f.data", seen["data"], expected_data, rtol=1e-9,
                    hints=("f.data is wrong: the forward values of this nested expression are "
                           "off, before any gradient.",
                           "Build the expression with one or two levels of nesting and compare "
                           "f.data with the same arithmetic on plain floats.")),
            compare(f"{what}: df/dx (the first x)", seen["grad"], expected_grad, rtol=1e-9,
                    hints=("Each x is used twice here, and the gradient of the first x is "
                           "off: some uses do not count.", TWICE)))


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
        rng = np.random.default_rng([seed, 7])
        return {"X": X, "W": W, "b": b, "dout": dout,
                "other": layer_data(seed + 100, (n, d), (d, m), (m,)),
                "wide": (wide_magnitudes(rng, (n, d)), wide_magnitudes(rng, (d, m)),
                         wide_magnitudes(rng, (m,)), rng.normal(size=(n, m)))}

    def probe(self, linear_forward, linear_backward, **args):
        x = self.inputs(**args)
        X, W, b, dout = x["wide"]
        wide = linear_backward(dout, linear_forward(X, W, b)[1])
        (_out, cache), forward = on_copies(linear_forward, x["X"], x["W"], x["b"],
                                           names=("X", "W", "b"))
        (dX, dW, db), backward = on_copies(linear_backward, x["dout"], cache, names=("dout",))
        # Another layer's forward between this layer's forward and backward (as in a
        # two-layer net): the backward must take everything from its own cache.
        _out, cache = linear_forward(x["X"], x["W"], x["b"])
        linear_forward(*x["other"])
        later = linear_backward(x["dout"], cache)
        return {"dX": dX, "dW": dW, "db": db, "forward": forward, "backward": backward,
                "later": later, "wide": wide}

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
                                  "Section 4: work one row first, with notebook 03's "
                                  "vector-Jacobian product of x -> x W; then check that a batch "
                                  "of two rows gives each row what it gives alone.")),
            gradient_check("dW", seen["dW"], finite_difference_vjp(lambda Z: X @ Z + b, W, dout),
                           oracle=oracle[1],
                           hints=("dW must have the shape of W, (D, M): a (M, D) result is "
                                  "transposed.",
                                  "Every row of the batch uses the same W: compare your dW "
                                  "for a batch of two rows with the dW of each row alone, and "
                                  "with the worked case of section 4.")),
            gradient_check("db", seen["db"], finite_difference_vjp(lambda Z: X @ W + Z, b, dout),
                           oracle=oracle[2],
                           hints=("db must have the shape of b, (M,), not one row per "
                                  "example.",
                                  "b is used by every row, like the node used twice in "
                                  "section 3 (a + a): try a batch of one row, then of two equal "
                                  "rows, and compare db with your hand computation.")),
            *(compare_derived(name, seen[name], want, scale=scale, hints=DERIVED_HINTS)
              for name, want, scale in
              zip(("dX", "dW", "db"), oracle,
                  (float(np.max(np.abs(dout))) * float(np.max(np.abs(W))),
                   float(np.max(np.abs(dout))) * float(np.max(np.abs(X))),
                   float(np.max(np.abs(dout)))))),
            unchanged("linear_backward", {"X": X, "W": W, "b": b, "dout": dout},
                      {**seen["backward"], **seen["forward"]}),
            same_after_other_forward(seen),
            judge_wide_linear(seen["wide"], *x["wide"]))


WIDE_LINEAR_HINTS = (
    "On inputs whose entries range from 1e-6 to 1e6 some entry of your gradient is off: "
    "its small entries lose their digits to the large ones, or the gradient is estimated "
    "rather than derived.",
    "Make a 2 x 2 X and W by hand with entries 1e-6 and 1e6 and compare each entry of your "
    "gradients with a hand computation: every entry must be exact to its own size.")


def judge_wide_linear(got, X, W, b, dout) -> Verdict:
    """linear_backward's gradients on entries of sizes 1e-6 to 1e6, each entry within
    round-off of its own size (torch's gradients of the same layer with every entry of X, W,
    b and dout made positive: no term cancels another, so each entry is the sum of its terms'
    sizes): exact for any way of multiplying; not for a difference quotient of the layer's
    output."""
    def gradients(X, W, b, dout):
        return torch_gradient(lambda X_, W_, b_: ((X_ @ W_ + b_) * dout_t(dout, X_)).sum(),
                              X, W, b)

    oracle = gradients(X, W, b, dout)
    sizes = gradients(*(np.abs(np.asarray(a, dtype=np.float64)) for a in (X, W, b, dout)))
    parts = got if isinstance(got, (tuple, list)) and len(got) == 3 else (got, None, None)
    where = "on X and W with entries of sizes 1e-6 to 1e6"
    return first_failure(*(compare_derived(f"{name} {where}", part, want, size=size,
                                           hints=WIDE_LINEAR_HINTS)
                           for name, part, want, size in zip(
                               ("dX", "dW", "db"), parts, oracle, sizes, strict=True)))


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


RELU_EXTREMES_IDEA = ("Which side of 0 an entry is on decides its gradient, not its size: "
                      "arithmetic on X itself (a product, a quotient) rounds tiny and huge "
                      "numbers to 0 or inf.")
RELU_LAYER_IDEA = ("Section 4, 'Activations': relu is a straight line on each side of 0; "
                   "differentiate each piece, and let the value the forward pass cached say "
                   "which piece each entry was on.")


def relu_symptom(dX: np.ndarray, X: np.ndarray, dout: np.ndarray, expected: np.ndarray) -> str:
    """What relu_backward's wrong dX (of X's shape) gets wrong, by where it differs."""
    wrong = ~np.isclose(dX, expected, rtol=1e-6, atol=1e-9)
    if np.any(wrong[X < 0]):
        return "dX is non-zero where the forward input X was negative."
    if np.any(wrong[X == 0]):
        return ("dX is right on both sides of 0 and wrong where X == 0 exactly, the kink: "
                "the course's convention there is relu'(0) = 0.")
    if np.any(wrong[(X > 0) & (dout < 0)]) and not np.any(wrong[(X > 0) & (dout > 0)]):
        return ("dX is wrong where X > 0 and dout < 0 only: the entries that pass are chosen "
                "by dout's sign, not by the forward input's.")
    return "dX is wrong where the forward input X was positive."


def judge_relu_extremes(got, X) -> Verdict:
    """relu_backward(ones, cache of X) at magnitudes from subnormal to near overflow: exactly
    1 where X > 0, 0 elsewhere (no difference quotient is: a step is lost next to 1e308 and
    rounds to 0 next to 5e-324)."""
    return compare_derived("relu_backward(ones, cache) for X = [-1.7e308, -1e300, -1e-300, "
                           "-5e-324, 0, 5e-324, 1e-300, 1e300, 1.7e308]", got,
                           (X > 0) * 1.0, size=(X > 0) * 1.0,
                           hints=("With dout = 1, dX is wrong for inputs of extreme size "
                                  "(subnormal or near overflow) although it is right for "
                                  "ordinary ones.", RELU_EXTREMES_IDEA))


@register
class ReluLayer(Check):
    """relu_forward and relu_backward match torch and finite differences, at the kink X = 0
    and at extreme magnitudes."""

    name = "relu_layer"
    rules = DERIVED
    defaults = {"n": 6, "d": 5, "seed": 1}

    def inputs(self, n, d, seed):
        X, dout = layer_data(seed, (n, d), (n, d))
        X[0, 0] = 0.0  # the kink: relu'(0) = 0
        X[-1, -1] = 0.0
        return {"X": X, "dout": dout}

    def probe(self, relu_forward, relu_backward, **args):
        extremes = EXTREMES.reshape(1, -1).repeat(2, axis=0)
        return {**run_layer(relu_forward, relu_backward, **self.inputs(**args)),
                "extremes": relu_backward(np.ones(extremes.shape),
                                          relu_forward(extremes)[1])}

    def judge(self, seen, **args):
        verdict = self.judge_data(seen, **args)
        if not verdict.passed:
            return verdict
        return judge_relu_extremes(seen["extremes"], EXTREMES.reshape(1, -1).repeat(2, axis=0))

    def judge_data(self, seen, **args):
        X, dout = self.inputs(**args).values()
        verdict = compare("relu_forward(X)[0]", seen["out"], np.maximum(X, 0.0),
                          hints=("relu_forward's output is wrong before any gradient: the "
                                 "fault is in the forward.", RELU_LAYER_IDEA))
        if not verdict.passed:
            return verdict
        numeric = finite_difference_vjp(lambda Z: np.maximum(Z, 0.0), X, dout)
        numeric[X == 0.0] = 0.0  # finite differences straddle the kink; the convention is 0
        oracle = torch_gradient(lambda Z: (Z.relu() * dout_t(dout, Z)).sum(), X)[0]
        dX = np.asarray(seen["dX"], dtype=np.float64)
        hints = ("dX has the wrong shape or form: it has one entry per entry of X.",
                 RELU_LAYER_IDEA)
        if dX.shape == X.shape and np.all(np.isfinite(dX)):
            hints = (relu_symptom(dX, X, dout, oracle), RELU_LAYER_IDEA)
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
            compare("sigmoid_forward(X)[0]", seen["out"], sigmoid(X),
                    hints=("The forward output is wrong before any gradient.",
                           "Notebook 01's sigmoid, applied entry by entry.")),
            gradient_check("sigmoid_backward dX", seen["dX"],
                           finite_difference_vjp(sigmoid, X, dout), oracle=oracle,
                           hints=(sigmoid_symptom(seen["dX"], X, dout, oracle),
                                  SIGMOID_IDEA)),
            # derived: within 8 round-offs of |dout| (the slope is at most 1/4), as notebook 03's
            # sigmoid_grad; no difference quotient in float64 comes that close
            compare_derived("sigmoid_backward dX", seen["dX"], oracle, size=np.abs(dout),
                            roundoffs=8, hints=(DERIVED_HINTS[0], SIGMOID_IDEA)),
            layer_unchanged("sigmoid_forward/sigmoid_backward", seen, X, dout))


SIGMOID_IDEA = ("Notebook 03 (section 4) wrote the sigmoid's derivative with the sigmoid's own "
                "output: which value of the forward pass does the backward need, and where "
                "does it keep it?")


def sigmoid_symptom(got, X: np.ndarray, dout: np.ndarray, expected: np.ndarray) -> str:
    """What sigmoid_backward's wrong dX gets wrong (its shape, its use of dout)."""
    try:
        dX = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return "dX is not an array of numbers."
    if dX.shape != X.shape:
        return "dX has the wrong shape: it has one entry per entry of X."
    with np.errstate(divide="ignore", invalid="ignore"):
        if np.allclose(dX, expected / dout, rtol=1e-6, atol=1e-12):
            return ("dX does not depend on dout: it is what dout = 1 would give, whatever "
                    "gradient arrives from above.")
    if np.allclose(dX, -expected, rtol=1e-6, atol=1e-12):
        return "dX has the opposite sign at every entry."
    return ("dX is off although its shape is right and it follows dout: the local "
            "derivative is not the sigmoid's slope at these inputs.")


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
        X, dout = self.inputs().values()
        slope = torch_gradient(lambda Z: (Z.sigmoid() * dout_t(dout, Z)).sum(), X)[0]
        return first_failure(
            compare("sigmoid_forward at +-1000", seen["out"], sigmoid(X), atol=1e-12,
                    hints=("The forward output is wrong at large |X| although the check "
                           "runs it on ordinary inputs too: an exp overflowed or a large "
                           "term swamped a small one.", STABLE_IDEA)),
            compare("sigmoid_backward at +-1000 (dout = 1)", seen["dX"], slope, atol=1e-12,
                    hints=(sigmoid_symptom(seen["dX"], X, dout, slope), STABLE_IDEA)))


STABLE_IDEA = ("Notebook 01's stable sigmoid never takes exp of a large positive number; the "
               "backward needs only the forward's output, which is finite at any input: "
               "compare your dX entry by entry with the slope you expect there.")


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
                    hints=SOFTMAX_LOSS_HINTS),
            gradient_check("dscores", seen["dscores"], numeric,
                           oracle=cross_entropy_gradient(scores, y), n=n,
                           hints=(dscores_symptom(seen["dscores"], scores, y), DSCORES_IDEA)),
            judge_dscores_derived(seen["dscores"], scores, y),
            unchanged("softmax_cross_entropy", {"scores": scores, "y": y},
                      seen["after"]))


SOFTMAX_LOSS_HINTS = (
    "The loss is wrong before any gradient: compare one row's loss by hand with yours, then "
    "how the rows are combined.",
    "Section 4, softmax cross-entropy: the contract's loss of a batch, from the probability "
    "each row gives its label.")
DSCORES_IDEA = ("Section 4, softmax cross-entropy: differentiate one row's "
                "-s_y + log sum_j exp(s_j) with respect to each s_k, then ask what the batch's "
                "loss does to each row's share.")


def dscores_symptom(got, scores: np.ndarray, y: np.ndarray) -> str:
    """What a wrong dscores gets wrong: its scale, its rows' sums, its label entries."""
    try:
        dscores = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return "dscores is not an array of numbers."
    if dscores.shape != scores.shape or not np.all(np.isfinite(dscores)):
        return "dscores has the wrong shape or form: one entry per score."
    n = len(y)
    expected = cross_entropy_gradient(scores, y)
    if np.allclose(dscores, n * expected, rtol=1e-6, atol=1e-12):
        return (f"dscores is exactly N = {n} times the expected gradient: right in every "
                "row's shape, wrong in scale.")
    labels = np.zeros(scores.shape, dtype=bool)
    labels[np.arange(n), y] = True
    for scale in (1.0, float(n)):
        if np.allclose(dscores[~labels], scale * expected[~labels], rtol=1e-6, atol=1e-12):
            return ("dscores is right away from each row's label and wrong at the label "
                    "entries: the rows of your dscores do not add up to 0 as this loss's "
                    "gradient rows do.")
    return ("dscores is off in entries away from the labels too: compare one row with the "
            "gradient of that row's loss alone.")


def judge_dscores_derived(got, scores, y) -> Verdict:
    """dscores within 8 round-offs of each entry's size, times ``1 + max |scores|`` (p is
    exact only to the round-off of the scores), as notebook 03's softmax Jacobian: no
    difference quotient in float64 comes that close. An entry's size is the sum of the sizes
    of the gradients of the loss's two terms (the correct class's score and the log-sum-exp,
    each a mean over the batch), each by torch."""
    import torch

    target = torch.as_tensor(np.asarray(y, dtype=np.int64))
    rows = torch.arange(len(y))
    terms = (lambda s: s[rows, target].mean(), lambda s: torch.logsumexp(s, dim=1).mean())
    size = sum(np.abs(torch_gradient(term, scores)[0]) for term in terms)
    size = size * (1.0 + float(np.max(np.abs(scores))))
    return compare_derived("dscores", got, cross_entropy_gradient(scores, y), size=size,
                           roundoffs=8, hints=(DERIVED_HINTS[0], DSCORES_IDEA))


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


def run_mlp(mlp_loss_and_grads, params: dict, X: np.ndarray, y: np.ndarray,
            parts: dict | None = None) -> dict:
    """One call on the probe's own arrays: the loss, the grads, the inputs as the call left
    them, and the weight gradients the student's linear_backward returned during the call
    (probes). Every run of mlp_loss_and_grads, value or built-from, runs this way: with
    ``parts`` (altered collaborators, :func:`_altered_parts`) or the student's own, recorded
    by the same kind of stand-in."""
    parts = dict(parts or {})
    own = original(mlp_loss_and_grads, "linear_backward")
    if "linear_backward" not in parts and callable(own):
        parts["linear_backward"] = own
    with swapped(mlp_loss_and_grads, **parts) as recorders:
        loss, grads = mlp_loss_and_grads(params, X, y)
    backward = recorders.get("linear_backward")
    weight_grads = None
    if backward is not None:
        weight_grads = [result[1] for result in backward.results[:MAX_RECORDED]
                        if isinstance(result, tuple) and len(result) == 3]
    return {"loss": loss, "grads": dict(grads), "params": params, "X": X, "y": y,
            "weight_grads": weight_grads,
            "calls": {name: recorder.count for name, recorder in recorders.items()}}


MAX_RECORDED = 50
"""Calls of linear_backward whose results a probe keeps."""


def judge_weight_grads(seen: dict, label: str = "") -> Verdict:
    """grads['W1'] and grads['W2'] must each be, exactly, a weight gradient the student's
    linear_backward returned in that call: gradients computed another way (numerical
    differences beside token calls of the layers, an inline copy whenever the layers look
    unwatched) fail every run, value and built-from alike."""
    returned = []
    for value in seen.get("weight_grads") or []:
        try:
            returned.append(np.asarray(value, dtype=np.float64))
        except (TypeError, ValueError):
            continue
    grads = seen.get("grads") if isinstance(seen.get("grads"), dict) else {}
    for key in ("W1", "W2"):
        try:
            got = np.asarray(grads.get(key), dtype=np.float64)
        except (TypeError, ValueError):
            got = np.empty(0)
        if not any(r.shape == got.shape and np.array_equal(r, got) for r in returned):
            return Verdict.fail(
                f"mlp_loss_and_grads{label}: breaks a rule of the contract: it must be built "
                f"from your layer functions, but grads['{key}'] is not a weight gradient your "
                "linear_backward returned in that call: it was computed another way.",
                "Take each weight gradient from the linear_backward call of its layer, as it "
                "returns it: no finite differences, no inline copy of a layer.",
                "Section 5: the backward pass visits the forward's calls in reverse order.")
    return Verdict.ok()


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
                            f", expected {sorted(KEYS)}.",
                            "grads misses a key or has one too many: its keys name the "
                            "parameters the gradients belong to.",
                            "Print sorted(grads) next to sorted(params): the contract's "
                            "Returns line lists the keys.")
    for key, torch_grad in two_layer_gradients(params, X, y).items():
        numeric = finite_difference_gradient(
            lambda value, key=key: two_layer_loss({**params, key: value}, X, y), params[key])
        shape_hint = (f"grads['{key}'] must have the shape of params['{key}'], "
                      f"{params[key].shape}: did two entries get swapped?")
        try:
            right_shape = np.shape(grads[key]) == params[key].shape
        except (TypeError, ValueError):
            right_shape = False
        if right_shape:
            shape_hint = (f"grads['{key}'] has the right shape but not the right values. "
                          "It is built from your layer functions: if one of their tests "
                          "above fails, fix that one first; if they all pass, follow the "
                          "gradient back through the calls one at a time.")
        verdict = gradient_check(f"grads['{key}']", grads[key], numeric, oracle=torch_grad,
                                 n=n, hints=(shape_hint, "Section 5: the backward pass visits the "
                                             "forward's calls in reverse order, each with the "
                                             "cache its forward returned."))
        if not verdict.passed:
            return verdict
        verdict = compare_derived(f"grads['{key}']", grads[key], torch_grad,
                                  hints=DERIVED_HINTS)
        if not verdict.passed:  # right to 1e-6, not to round-off: a numerical one
            return verdict
    verdict = judge_weight_grads(seen)
    if not verdict.passed:
        return verdict
    after = seen["params"] if isinstance(seen["params"], dict) else {}
    if sorted(after) != sorted(params):
        added, removed = sorted(set(after) - set(params)), sorted(set(params) - set(after))
        return Verdict.fail(
            "mlp_loss_and_grads changed the caller's params dict: "
            + "; ".join(part for part in (f"added {added}" if added else "",
                                          f"removed {removed}" if removed else "") if part)
            + ". Inputs must stay exactly as they were, keys included.",
            "Which line of yours writes into params (an assignment params[...] = ..., "
            "update, pop, setdefault)?",
            "Keep what you compute in your own variables (or your own dict): the params the "
            "caller passed are the caller's.")
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
        seen = {"plain": run_mlp(mlp_loss_and_grads, **self.inputs(run_seed=run_seed))}
        for kind in ALTERATIONS:  # each call on inputs of its own, as the first one's
            seen[kind] = run_mlp(mlp_loss_and_grads, **self.inputs(run_seed=run_seed),
                                 parts=_altered_parts(mlp_loss_and_grads, kind))
        return seen

    def judge(self, seen, run_seed=0):
        params, X, y = self.inputs(run_seed=run_seed).values()
        if not _follows(seen["plain"], params, X, y, None):
            return Verdict.fail(
                f"{self.name}: the loss or the gradients of the two-layer net are wrong, so "
                "whether they follow your layer functions cannot be told yet.",
                "Make mlp_loss_and_grads_values pass first (and the layer checks before it).",
                "This check compares your gradients with your own layer functions' results, "
                "which only means something once the values are right.")
        verdict = judge_weight_grads(seen["plain"])
        if not verdict.passed:
            return verdict
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
                                    "reversed.",
                                    "Put a print in each of your layer functions and call "
                                    "mlp_loss_and_grads once: each of them should print.")
            follows = _follows(run, params, X, y, kind)
            if follows:
                verdict = judge_weight_grads(run, f" (with {altered})")
                if not verdict.passed:
                    return verdict
            if not follows:
                return Verdict.fail(
                    f"{rule}: with them replaced by {altered}, the loss or the gradients did "
                    "not change accordingly, so part of the result was computed another way.",
                    "Every step of the forward and the backward pass goes through your layer "
                    "functions: no inline copy of a layer, no other library.",
                    "Swap one of your layer functions for a deliberately wrong one, as this "
                    "check does, and call mlp_loss_and_grads again: a result that does not "
                    "change shows the part computed elsewhere.")
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
                            "Layer per entry of sizes (in .layers), each fed by the previous.",
                            "Print [len(layer.neurons) for layer in net.layers] for a small "
                            "MLP and compare it with its sizes.")
    fan_in = [n_in, *sizes[:-1]]
    for i, layer in enumerate(structure):
        for unit in layer:
            if not unit["values"]:
                return Verdict.fail(f"{what}: a weight or bias of layer {i} is not a Value "
                                    f"(w = {unit['w'][:3]}, b = {unit['b']}).",
                                    "Every weight and the bias must be a Value, so that "
                                    "backward() can fill its .grad.",
                                    "Print type(w) for a few weights of one neuron and "
                                    "type(neuron.b), right after building it.")
            if len(unit["w"]) != fan_in[i]:
                return Verdict.fail(f"{what}: a unit of layer {i} has {len(unit['w'])} weights "
                                    f"for {fan_in[i]} inputs.",
                                    "A neuron of this layer has the wrong number of weights: "
                                    "it needs one per input it receives.",
                                    "Each layer's inputs are the previous layer's outputs: print "
                                    "len(neuron.w) for one neuron of each layer of a small "
                                    "MLP.")
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
                            "once: a Layer's are its neurons', an MLP's its layers'.",
                            "A parameter missing from the list is never trained; one listed "
                            "twice takes two steps each time: count them by hand for "
                            "Neuron(3) and Layer(3, 4).")
    weights = [v for layer in structure for unit in layer for v in unit["w"]]
    if len(set(weights)) < max(2, len(weights) // 2):
        return Verdict.fail(f"{what}: the weights are {weights[:4]}...: they must be random "
                            "(drawn from rng), or all units of a layer compute the same thing.",
                            "Many weights are equal, so units that start alike get the same "
                            "gradients and stay alike.", VALUE_NET_SECTION)
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
                                 "each weight and bias.", VALUE_NET_SECTION))
        if not verdict.passed:
            return verdict
    return compare(f"{what}: the .grad of the input Values", seen["input_grads"],
                   first.grad.numpy(), rtol=1e-7, atol=1e-10,
                   hints=("Use the inputs as given (numbers or Values) in the weighted sum, "
                          "so a gradient reaches Values passed in.", VALUE_NET_SECTION))


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
                                "from it), so a seed fixes the net.",
                                "The same seed must give the same net, another seed another "
                                "net: where else did a random number come from, or which "
                                "one was not drawn?")
        return Verdict.ok()


# train_value_mlp is tried on a model of the probe's own, built from the student's Value: a
# sum of product units, c + sum_k a_k tanh(u_k x_0 + s_k) tanh(v_k x_1 + t_k), on purpose not
# a net of neurons (the lesson's Neuron, Layer and MLP are an exercise, and a probe is
# readable). The expected losses, parameters and accuracy are numbers computed by the
# grader's reference (the same model in torch, trained by torch)
# and stored in ``nncourse.expected``: a reference training loop would be train_value_mlp's
# answer.

UNIT = 5
"""Numbers per product unit: a, u, s, v, t (the model's flat parameters, then c last)."""


def product_units_model(Value, params: list[float]):
    """An object with __call__ (a list of two numbers, or of two Values, -> one Value) and
    parameters() (the Values of ``params``, in order), as train_value_mlp expects of a model."""
    values = [Value(float(v)) for v in params]

    def number(entry) -> float:  # an input given as a number or as a Value (micrograd-style)
        return float(entry.data) if isinstance(entry, Value) else float(entry)

    class Model:
        def __call__(self, x):
            out = values[-1]
            for k in range(0, len(values) - 1, UNIT):
                a, u, s, v, t = values[k:k + UNIT]
                out = out + a * (u * number(x[0]) + s).tanh() * (v * number(x[1]) + t).tanh()
            return out

        def parameters(self):
            return list(values)

    return Model()


def product_units_params(rng: np.random.Generator, units: int) -> list[float]:
    """Initial parameters of ``units`` product units (a, u, s, v, t each) and c = 0."""
    draws = np.stack([rng.uniform(-1.0, 1.0, units), rng.uniform(-2.0, 2.0, units),
                      rng.uniform(-1.0, 1.0, units), rng.uniform(-2.0, 2.0, units),
                      rng.uniform(-1.0, 1.0, units)], axis=1)
    return [*draws.ravel().tolist(), 0.0]


def train_data(seed: int, n: int = 6, units: int = 3) -> dict:
    """The initial parameters of a small model and n points in [-1.5, 1.5]^2, targets +-1."""
    rng = np.random.default_rng([seed, 4045])
    params = product_units_params(rng, units)
    X = rng.uniform(-1.5, 1.5, size=(n, 2)).tolist()
    y = [float(v) for v in rng.choice([-1.0, 1.0], size=n)]
    return {"params": params, "X": X, "y": y}


def _number(value) -> float:
    """``value`` as a float (nan when it is not a number)."""
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return float("nan")


@register
class TrainValueMlp(Check):
    """train_value_mlp takes plain gradient steps on the mean squared error, one backward each."""

    name = "train_value_mlp_steps"
    rules = DERIVED
    stored_expected = True
    defaults = {"seed": 0, "steps": 4, "lr": 0.3, "n": 6}
    GARBAGE = 5.0  # every .grad holds this when train_value_mlp is called

    def inputs(self, seed, n, **_):
        return train_data(seed, n)

    def probe(self, train_value_mlp, Value, seed, steps, lr, n):
        data = self.inputs(seed=seed, n=n)
        model = product_units_model(Value, data["params"])
        for p in model.parameters():
            p.grad = self.GARBAGE
        calls = {"backward": 0}
        backward = Value.backward
        parameters = list(model.parameters())
        held: list[list] = []  # every parameter's .grad as each backward() begins

        def counted(self_):
            calls["backward"] += 1
            if len(held) < 200:
                held.append([p.grad for p in parameters])
            return backward(self_)

        X, y = [list(row) for row in data["X"]], list(data["y"])
        Value.backward = counted
        try:
            losses = train_value_mlp(model, X, y, steps, lr)
        finally:
            Value.backward = backward
        return {"losses": [float(v) for v in list(losses)],
                "params": [float(p.data) for p in model.parameters()],
                "backward_calls": calls["backward"], "X": X, "y": y,
                "grads_before_backward": [[_number(g) for g in row] for row in held]}

    def expected(self, seed, steps, lr, n) -> list | Verdict:
        """[the losses, the parameters after the last step] of the reference training."""
        return stored_values(self.name, ("losses", "params"),
                             {"seed": seed, "steps": steps, "lr": lr, "n": n})

    def judge(self, seen, seed, steps, lr, n):
        data = self.inputs(seed=seed, n=n)
        found = self.expected(seed=seed, steps=steps, lr=lr, n=n)
        if isinstance(found, Verdict):
            return found
        losses, final = (np.asarray(value, dtype=np.float64).tolist() for value in found)
        what = f"train_value_mlp(model, X ({n} points), y, steps={steps}, lr={lr})"
        if len(seen["losses"]) != steps:
            return Verdict.fail(f"{what} returned {len(seen['losses'])} losses, expected one "
                                f"per step ({steps}).",
                                "The list of losses has the wrong length: the loop records a "
                                "different number of losses than it takes steps.",
                                "Print len(losses) for steps=1 and steps=3, and look at the "
                                "loop's range and where it records a loss.")
        if seen["backward_calls"] != steps:
            return Verdict.fail(f"{what} called backward() {seen['backward_calls']} times, "
                                f"expected once per step ({steps}).",
                                "Each step builds the loss of the whole data set as one Value "
                                "and calls backward() on it once.",
                                "Count your loop's backward() calls for steps=2 by hand, then "
                                "with a print next to the call.")
        held = np.asarray(seen.get("grads_before_backward") or [[0.0]], dtype=np.float64)
        if not np.all(held == 0.0):
            step = int(np.flatnonzero(~np.all(held == 0.0, axis=1))[0])
            return Verdict.fail(f"{what}: when backward() was called in step {step + 1}, some "
                                "parameter's .grad was not 0 (the docstring: each step sets "
                                "every parameter's .grad to 0 before it calls backward()).",
                                "backward() adds into .grad: what is there when it starts "
                                "(from a previous step, or whatever the model held) is "
                                "mixed into the new gradient, unless it was cleared first.",
                                "Section 3, 'Why +=': print one parameter's .grad just before "
                                "each backward() call of a two-step run.")
        verdict = compare(f"{what}: the first loss (before any step)", seen["losses"][:1],
                          losses[:1], rtol=1e-9,
                          atol=1e-12, mistakes={"the sum over the points, not the mean.":
                                                [losses[0] * n]},
                          hints=("The first loss, before any step, is wrong, so the fault is "
                                 "in the loss itself, not in the steps.",
                                 "Section 3: the training loss the exercise names, computed "
                                 "by hand for two points, against your loop's first "
                                 "number."))
        if not verdict.passed:
            return verdict
        verdict = compare(f"{what}: the losses, one per step", seen["losses"], losses,
                          rtol=1e-8, atol=1e-12,
                          hints=("The first loss is right, the later ones are not: so the "
                                 "steps are wrong. Check the direction and the size of each "
                                 "parameter's change (gradient descent, notebook 03, section "
                                 "8), and what its .grad holds when backward() runs.",
                                 "Section 3, 'Why +=': with steps=2, print one parameter's "
                                 ".grad after each backward() and compare the second with that "
                                 "step's gradient worked out alone."))
        if not verdict.passed:
            return verdict
        verdict = compare(f"{what}: the parameters after the last step", seen["params"], final,
                          rtol=1e-8, atol=1e-12,
                          hints=("The losses are right but the final parameters are not: "
                                 "every step, the last one too, updates every parameter's "
                                 ".data.",
                                 "Each loss is measured before its step: after the last "
                                 "loss one more step still has to move the parameters."))
        if not verdict.passed:
            return verdict
        if seen["X"] != data["X"] or seen["y"] != data["y"]:
            return Verdict.fail(f"{what} changed X or y.",
                                "The loop modified the data it was given: X or y differs "
                                "after the call.",
                                "Print X and y before and after one call: look for a change "
                                "made in place (a shuffle, +=, an assignment into them).")
        return Verdict.ok()


def moons_training(seed: int, n: int = 40, units: int = 3) -> dict:
    """The lesson's two moons of section 3 (n points, labels -1 and +1 as targets) and the
    initial parameters of a model of ``units`` product units, drawn right after the data."""
    from nncourse.data import moons

    rng = np.random.default_rng(seed)
    X, labels = moons(n, rng, noise=0.1)
    return {"X": X.tolist(), "y": [2.0 * float(v) - 1.0 for v in labels],
            "params": product_units_params(rng, units)}


def sign_accuracy(outputs, y) -> float:
    """The fraction of points whose output has the sign of their target (-1 or +1)."""
    return sum((o > 0) == (t > 0) for o, t in zip(outputs, y, strict=True)) / len(y)


@register
class TrainValueMlpAccuracy(Check):
    """train_value_mlp trains a model on the lesson's two moons to the accuracy the same
    training reaches in PyTorch (the same data, initial weights, steps and learning rate)."""

    name = "train_value_mlp_accuracy"
    rules = DERIVED
    stored_expected = True
    defaults = {"seed": 0, "steps": 40, "lr": 0.3}

    def probe(self, train_value_mlp, Value, seed, steps, lr):
        data = moons_training(seed)
        model = product_units_model(Value, data["params"])
        losses = train_value_mlp(model, [list(x) for x in data["X"]], list(data["y"]), steps,
                                 lr)
        return {"outputs": [float(model(list(x)).data) for x in data["X"]],
                "losses": [float(v) for v in list(losses)]}

    def expected(self, seed, steps, lr) -> list | Verdict:
        """[the accuracy the reference training reaches] (one number in an array)."""
        return stored_values(self.name, ("accuracy",), {"seed": seed, "steps": steps,
                                                        "lr": lr})

    def judge(self, seen, seed, steps, lr):
        data = moons_training(seed)
        found = self.expected(seed=seed, steps=steps, lr=lr)
        if isinstance(found, Verdict):
            return found
        target = float(np.ravel(found[0])[0])
        reached = sign_accuracy(seen["outputs"], data["y"])
        what = (f"train_value_mlp on the lesson's two moons ({len(data['y'])} points, "
                f"steps={steps}, lr={lr})")
        if reached + 1e-9 < target:
            losses = seen["losses"]
            trend = (f" Its losses went from {losses[0]:.4g} to {losses[-1]:.4g}."
                     if losses else "")
            return Verdict.fail(
                f"{what}: the trained model classifies {reached:.0%} of the points correctly; "
                f"the same training in PyTorch reaches {target:.0%}.{trend}",
                "The loop runs, but the model does not learn as far as it should: does every "
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
    # the backward differentiated with respect to dout: its gradients are tensor operations
    # of dout only if torch can follow them (a round trip through numpy arrays or Python
    # numbers leaves results with no history); raw derivatives, judged against the math
    seen["through_dout"] = []
    try:
        X_t, W_t, b_t = tensors(X, W, b, grad=True)
        dout_t = torch.tensor(dout, dtype=torch.float64, requires_grad=True)
        firsts = torch.autograd.grad(LinearFunction.apply(X_t, W_t, b_t), (X_t, W_t, b_t),
                                     dout_t, create_graph=True, allow_unused=True)
        for first in firsts:
            if first is None or not first.requires_grad:
                seen["through_dout"].append("no history")
                continue
            second = torch.autograd.grad(first.sum(), dout_t, allow_unused=True)[0]
            seen["through_dout"].append("no history" if second is None else _numbers(second))
    except RuntimeError as error:
        seen["through_dout"] = f"RuntimeError: {str(error)[:200]}"
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
                            "themselves, so it keeps their dtype.",
                            "Print out.dtype for float64 inputs after each line of forward: "
                            "a conversion on the way (to numpy, float32, a list) changes it.")
    hints = {"dX": ("dX must have the shape of X: one row per example.",
                    "Section 4: the same gradient as your numpy linear_backward; work one "
                    "row by hand and compare."),
             "dW": ("dW must have the shape of W, (D, M).",
                    "Every row of the batch uses the same W: compare a batch of one row with "
                    "a hand computation, then a batch of two rows with each row alone."),
             "db": ("db must have the shape of b, (M,).",
                    "b is used by every row: compare db for a batch of two equal rows with "
                    "db for one of them.")}
    autograd = seen["autograd"]
    if not isinstance(autograd, list) or len(autograd) != 3:
        return Verdict.fail(f"{where}: backward must return three gradients (dX, dW, db).",
                            "backward returned something other than three gradients: one per "
                            "input of forward, in forward's order.",
                            "Print what your backward returns for a tiny X, W, b: its length "
                            "and each entry's shape.")
    for name, got, want in zip(("dX", "dW", "db"), autograd, expected_grads, strict=True):
        verdict = compare(f"{where}, then out.backward(dout): {name}", got, want,
                          rtol=1e-9, atol=1e-12, hints=hints[name])
        if not verdict.passed:
            return verdict
    if not seen["gradcheck"]:
        return Verdict.fail("torch.autograd.gradcheck(LinearFunction.apply, ...) in float64 "
                            "failed on a smaller X.",
                            "Its backward must be right for every shape, not just one.",
                            "Try a 1 x 1 X and W, then X 2 x 3 with W 3 x 2, and compare each "
                            "gradient with a hand computation: a shape-dependent slip shows "
                            "there.")
    direct = seen["direct"]
    parts = direct if isinstance(direct, list) and len(direct) == 3 else [direct] * 3
    for name, got, want in zip(("dX", "dW", "db"), parts, expected_grads, strict=True):
        verdict = compare(f"LinearFunction.backward(ctx, dout) called with the ctx of an "
                          f"earlier forward (another forward ran in between): {name}", got,
                          want, rtol=1e-9, atol=1e-12,
                          hints=("backward must take X and W from what forward saved on its "
                                 "own ctx (ctx.save_for_backward, ctx.saved_tensors), not from "
                                 "a global or the latest call.",
                                 "Run forward on two different inputs, then backward with the "
                                 "first call's ctx, and print what backward reads from it."))
        if not verdict.passed:
            return verdict
    if seen["engine_runs"]:
        return Verdict.fail("LinearFunction.backward ran torch's autograd (.backward() or "
                            "torch.autograd.grad) to compute its gradients: breaks a rule of "
                            "the contract.",
                            "backward computes the three gradients itself, with tensor "
                            "operations on the saved tensors and dout: it is the layer's "
                            "backward pass, written in torch.",
                            "Section 4 derived these three gradients for your numpy layer: "
                            "the backward here is that derivation again, on tensors.")
    # d(sum of each gradient)/d(dout): rows of W's column sums; X's row sums; ones
    expected = [np.tile(W.sum(axis=0), (len(X), 1)),
                np.tile(X.sum(axis=1)[:, None], (1, W.shape[1])), np.ones_like(dout)]
    through = seen["through_dout"]
    for name, got, want in zip(("dX", "dW", "db"), through if isinstance(through, list)
                               and len(through) == 3 else [through] * 3, expected, strict=True):
        if isinstance(got, str) or not np.allclose(np.asarray(got, dtype=np.float64), want,
                                                   rtol=1e-9, atol=1e-12):
            return Verdict.fail(
                f"LinearFunction.backward: torch could not differentiate {name} with respect "
                f"to dout ({got if isinstance(got, str) else 'wrong derivative'}): the "
                "gradients are not torch tensor operations on dout and the saved tensors.",
                "backward computes the gradients with torch operations on dout itself: not "
                "on .numpy() arrays, Python lists or detached copies (their results carry no "
                "history torch can follow).",
                "Call backward with a dout that has requires_grad=True and print each result's "
                "grad_fn: None shows where torch lost the history.")
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
