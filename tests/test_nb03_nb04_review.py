"""Findings of the review of notebooks 03 and 04 (2026-12-06) that the general finders of
``test_answer_leaks.py`` do not reach: expressions too short for them (two operations) that
are still an exercise's answer, and a check's model that was the answer's forward pass."""

from __future__ import annotations

import ast

import numpy as np

from autograder.notebooks import ROOT

ANSWER_SHAPES = {
    "_ * (1 - _)": "the sigmoid's derivative in terms of its output (03 sigmoid_grad, 04 "
                   "sigmoid_backward)",
    "1 - _ ** 2": "tanh's derivative with tanh(z) put in (03 tanh_grad)",
    "(_ >= 0) * 1.0": "relu's derivative, one comparison away (03 relu_grad)",
    "-_ * (_ @ _)": "half of softmax_vjp (03)",
    "_.outer(_, _.ones(_.shape(_)[1]))": "dW of linear_vjp with dy replaced by ones (03)",
    "_ @ _.T": "dx of linear_vjp (03)",
}
"""Expression shapes (names blanked to ``_``) no readable code of notebooks 03 and 04 may hold."""

READABLE = ("lib/nncourse/checks/nb03.py", "lib/nncourse/checks/nb04.py")


class _Blank(ast.NodeTransformer):
    def visit_Name(self, node):
        return ast.copy_location(ast.Name(id="_", ctx=node.ctx), node)


def shapes_in(source: str) -> set[str]:
    tree = _Blank().visit(ast.parse(source))
    return {ast.unparse(node) for node in ast.walk(tree) if isinstance(node, ast.expr)}


def notebook_code(assignment: str) -> str:
    import nbformat

    notebook = nbformat.read(ROOT / "notebooks" / assignment / f"{assignment}.ipynb", 4)
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")


def test_the_shape_finder_finds_the_old_expressions():
    old = ("expected * (1 - expected)\n1 - z ** 2\n(z >= 0) * 1.0\n-p * float(p @ dp)\n"
           "np.outer(x, np.ones(np.shape(W)[1]))\nnp.max(np.abs(dx_v - dy_v @ W_v.T))\n")
    found = shapes_in(old)
    assert {"_ * (1 - _)", "1 - _ ** 2", "(_ >= 0) * 1.0", "_.outer(_, _.ones(_.shape(_)[1]))",
            "_ @ _.T"} <= found
    assert "-_ * _(_ @ _)" in found  # float(...) around it: the check below strips it
    assert not shapes_in("np.exp(-np.abs(X))") & set(ANSWER_SHAPES)


def test_no_readable_check_or_cell_of_03_and_04_writes_an_answers_expression():
    places = {path: (ROOT / path).read_text() for path in READABLE}
    places |= {f"notebooks/{a}": notebook_code(a) for a in ("03_jacobians_and_chain_rule",
                                                            "04_computation_graph_backprop")}
    found = []
    for where, source in places.items():
        shapes = {s.replace("_(", "(") for s in shapes_in(source)} | shapes_in(source)
        found += [f"{where}: {shape} ({ANSWER_SHAPES[shape]})"
                  for shape in sorted(shapes & set(ANSWER_SHAPES))]
    assert not found, "\n".join(found)


class Traced:
    """A Value-like number that records its graph: op, children, and for a product of a node
    with a plain number, that number (an input read by a weight)."""

    def __init__(self, data, children=(), op="", reads=0):
        self.data, self.grad, self.children, self.op = float(data), 0.0, children, op
        self.reads = reads  # products of a node with a plain number (an input) in this node

    def __add__(self, other):
        other = other if isinstance(other, Traced) else Traced(other)
        return Traced(self.data + other.data, (self, other), "+")

    __radd__ = __add__

    def __mul__(self, other):
        if isinstance(other, Traced):
            return Traced(self.data * other.data, (self, other), "*")
        return Traced(self.data * other, (self,), "*", reads=1)

    __rmul__ = __mul__

    def __sub__(self, other):
        return self + (-1.0) * other if isinstance(other, Traced) else self + (-other)

    def __pow__(self, k):
        return Traced(self.data ** k, (self,), "**")

    def __truediv__(self, k):
        return Traced(self.data / k, (self,), "/")

    def tanh(self):
        return Traced(np.tanh(self.data), (self,), "tanh")

    def backward(self):
        pass


def inputs_read_inside(node) -> int:
    """Weight-times-input products in the sum under ``node`` (not below another tanh)."""
    return node.reads + sum(inputs_read_inside(c) for c in node.children if c.op != "tanh")


def tanh_nodes(node, found=None) -> list:
    found = [] if found is None else found
    if node.op == "tanh" and node not in found:
        found.append(node)
    for child in node.children:
        tanh_nodes(child, found)
    return found


def test_train_value_mlp_checks_model_is_not_a_net_of_neurons():
    """The model the train_value_mlp checks build from the student's Value is readable: it
    must not be a neuron's weighted sum over several inputs through tanh (what Neuron, Layer
    and MLP ask for); it was until the review."""
    from nncourse.checking import find_check

    models = []

    def train_value_mlp(model, X, y, steps, lr):
        models.append((model, X))
        return [0.0] * steps

    for name in ("train_value_mlp_steps", "train_value_mlp_accuracy"):
        check = find_check(name)
        check.probe(train_value_mlp, Traced, **check.arguments({}))
    assert len(models) == 2
    for model, X in models:
        out = model(list(X[0]))
        units = tanh_nodes(out)
        assert units, "the model has no tanh: the measurement is broken"
        assert max(inputs_read_inside(unit.children[0]) for unit in units) <= 1, \
            "a tanh unit of the check's model reads a weighted sum of several inputs: a neuron"


def test_the_graph_drawing_holds_no_topological_order():
    """Review r34 H1: draw_graph laid nodes out by their longest path from an input, so its
    code (and the columns it drew) sorted a graph topologically: topological_order's answer.
    Its columns are now the fewest steps to the output, which a reused node breaks: an answer
    that sorts the library's nodes by the drawing's columns fails the check."""
    from nncourse.plots import _columns, _graph_nodes
    from test_unreadable_inputs import definitions, passes

    from autograder.notebooks import solution_sources

    nb04 = "04_computation_graph_backprop"
    space = definitions(nb04, solution_sources(nb04))

    def by_drawing(root):
        column = _columns(root)
        return sorted(_graph_nodes(root), key=lambda node: column[id(node)])

    assert passes("topological_order_graphs", space["topological_order"])
    assert not passes("topological_order_graphs", by_drawing)
    import inspect

    import nncourse.plots

    assert "node_depth" not in inspect.getsource(nncourse.plots)


def test_an_unstable_softmax_jacobian_fails_the_visible_check():
    """Review r34 M1: the docstring says any magnitude; the visible check now has one."""
    from test_unreadable_inputs import definitions, passes

    from autograder.notebooks import solution_sources

    nb03 = "03_jacobians_and_chain_rule"
    space = definitions(nb03, solution_sources(nb03))

    def unstable(z):
        p = np.exp(z) / np.exp(z).sum()
        return np.diag(p) - np.outer(p, p)

    assert passes("softmax_jacobian_values", space["softmax_jacobian"])
    assert not passes("softmax_jacobian_values", unstable)


def test_the_written_mse_mae_question_is_not_answered_above_it():
    """Review r34 H2: the markdown before the question said mean/median, the never-settling
    MAE path and the remedies; now it says where to look, and the summary does not answer."""
    import nbformat

    book = nbformat.read(ROOT / "notebooks" / "03_jacobians_and_chain_rule" /
                         "03_jacobians_and_chain_rule.ipynb", 4)
    text = " ".join(" ".join(c.source.split()) for c in book.cells
                    if c.cell_type == "markdown")
    for answer in ("Huber", "learning rate that decays", "fitted with MSE is the mean",
                   "MSE is the more sensitive", "never settles", "resists them"):
        assert answer not in text, answer


def test_a_non_finite_result_is_named_by_the_input_the_student_knows():
    """Review r34 L5: "nan in 'one'" named a probe's internal key; a labelled check names
    the input it labels."""
    from nncourse.checking import find_check, judge_seen

    check = find_check("softmax_stable")
    verdict = judge_seen(check, {"one": np.array([np.nan, 1.0, 0.0]),
                                 "batch": np.zeros((4, 3))}, {})
    assert not verdict.passed
    assert "'one'" not in verdict.message
    assert check.LABELS["one"] in verdict.message
