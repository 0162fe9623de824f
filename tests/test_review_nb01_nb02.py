"""Notebooks 01 and 02 after the independent review of 2026-12-06: what a student can read
answers none of xor_network, collapse_linear, bump and approximate_1d, the rules they are
graded by are told, and a correct network other than the one asked for is told so plainly."""

from __future__ import annotations

import ast
import contextlib
import io
import json

import numpy as np
import pytest

from autograder.notebooks import ROOT

NB01 = "01_neuron_and_xor"
NB02 = "02_universal_approximation"


def _cells(assignment: str, folder: str = "notebooks") -> list[dict]:
    path = ROOT / folder / assignment / f"{assignment}.ipynb"
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _nbgrader(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def given_code(assignment: str) -> list[str]:
    """The student notebook's code cells that are neither answers nor tests."""
    return ["".join(c["source"]) for c in _cells(assignment) if c["cell_type"] == "code"
            and not _nbgrader(c).get("solution") and not _nbgrader(c).get("grade")]


def _solutions(assignment: str) -> dict[str, str]:
    """grade_id -> the instructor's answer cell, solution markers dropped."""
    found = {}
    for cell in _cells(assignment, "solutions"):
        if cell["cell_type"] == "code" and _nbgrader(cell).get("solution"):
            found[_nbgrader(cell)["grade_id"]] = "".join(
                line for line in "".join(cell["source"]).splitlines(True)
                if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
    return found


XOR_STUB = "def xor_network(X):\n    raise NotImplementedError()\n"


def xor_computed_without_xor_network(cells: list[dict], answers: dict[str, str]) -> list[str]:
    """Run the notebook's given code with the instructor's answers, xor_network left
    unwritten; the names of the arrays it computed that hold XOR of the four inputs (within
    0.01, not exactly: not a truth table), as values or as sigmoid scores."""
    import matplotlib

    matplotlib.use("Agg")
    namespace: dict = {}
    for cell in cells:
        if cell["cell_type"] != "code" or _nbgrader(cell).get("grade"):
            continue
        grade_id = _nbgrader(cell).get("grade_id")
        source = "".join(cell["source"])
        if _nbgrader(cell).get("solution"):
            source = XOR_STUB if grade_id == "xor_network" else answers[grade_id]
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, f"cell {grade_id}", "exec"), namespace)  # noqa: S102
    xor = np.array([0.0, 1.0, 1.0, 0.0])
    found = []
    for name, value in namespace.items():
        if not isinstance(value, np.ndarray) or value.size != 4 or value.dtype.kind != "f":
            continue
        values = value.reshape(4)
        if np.all(np.isin(values, (0.0, 1.0))):
            continue  # a truth table, given data
        squashed = 1 / (1 + np.exp(-np.clip(values, -500, 500)))
        if np.allclose(values, xor, atol=0.01) or np.allclose(squashed, xor, atol=0.01):
            found.append(name)
    return found


def test_no_given_code_of_notebook_01_computes_xor_without_the_students_xor_network():
    """The XOR network's wiring is the exercise: the demos read it off the student's own
    xor_network (the old hidden-space and mlp_forward demos wired the gates themselves)."""
    assert xor_computed_without_xor_network(_cells(NB01), _solutions(NB01)) == []


def _run_xor_checks(source: str) -> dict[str, object]:
    from nncourse.checking import find_check, judge_seen, run_probe

    answers = _solutions(NB01)
    namespace = {"np": np}
    for name in ("sigmoid", "neuron", "logic_gate_weights"):
        exec(answers[name], namespace)  # noqa: S102 - the instructor's answers
    exec(source, namespace)  # noqa: S102 - the test's own network
    verdicts = {}
    for name in ("xor_network_truth", "xor_network_built_from"):
        check = find_check(name)
        verdicts[name] = judge_seen(check, run_probe(check, (namespace["xor_network"],), {}),
                                    {})
    return verdicts


FOUR_NANDS = """
def xor_network(X):
    w, b = logic_gate_weights("nand")
    n1 = neuron(X, w, b)
    a = neuron(np.column_stack([X[:, 0], n1]), w, b)
    c = neuron(np.column_stack([X[:, 1], n1]), w, b)
    return neuron(np.column_stack([a, c]), w, b)
"""


def test_a_correct_xor_of_four_nands_is_told_it_is_not_the_network_asked_for():
    """The docstring asks for AND(OR, NAND); a correct XOR of four NAND neurons keeps the
    truth points and loses the built-from ones, with a message that names the network asked
    for and suggests no cheating."""
    import nncourse.checks.nb01  # noqa: F401 - registers the checks

    verdicts = _run_xor_checks(FOUR_NANDS)
    assert verdicts["xor_network_truth"].passed
    built_from = verdicts["xor_network_built_from"]
    assert not built_from.passed
    text = built_from.render(max_hints=3)
    assert "different network than the one asked for" in text
    assert "AND(OR, NAND)" in text
    for suggestion in ("^", "!=", "lookup", "another way"):
        assert suggestion not in text, suggestion
    docstring = _solutions(NB01)["xor_network"]
    assert "AND(OR, NAND)" in docstring and "OR and NAND" in docstring


def test_no_readable_least_squares_answers_collapse_linear():
    """The old visible judge found collapse_linear's (W, b) by least squares on the stack's
    outputs and the last demo fitted an affine map the same way: neither is readable now."""
    readable = [p.read_text(encoding="utf-8") for p in (ROOT / "lib" / "nncourse").rglob("*.py")]
    readable += given_code(NB01)
    assert not [text[:60] for text in readable if "lstsq" in text]


def test_collapse_linear_may_not_read_the_map_off_mlp_forward():
    """The shortcut b = stack(0), W = stack(I) - b through the student's mlp_forward breaks
    the told rule; pushing 0 and I through the layers by hand is still a correct answer."""
    from nncourse.checking import find_check, judge_seen, run_probe
    from nncourse.checks.nb01 import RULES

    assert "may not call your mlp_forward" in RULES["collapse_linear"].told()
    assert " ".join(RULES["collapse_linear"].told().split()) in \
        " ".join(_solutions(NB01)["collapse_linear"].split())
    answers = _solutions(NB01)
    shortcut = """
def collapse_linear(weights, biases):
    d0 = np.shape(weights[0])[0]
    identity = lambda z: z
    b = mlp_forward(np.zeros((1, d0)), weights, biases, activation=identity)[0]
    return mlp_forward(np.eye(d0), weights, biases, activation=identity) - b, b
"""
    by_hand = """
def collapse_linear(weights, biases):
    points = np.vstack([np.zeros((1, np.shape(weights[0])[0])), np.eye(np.shape(weights[0])[0])])
    for W, b in zip(weights, biases):
        points = points @ W + b
    return points[1:] - points[0], points[0]
"""
    for source, passes in ((shortcut, False), (by_hand, True), (answers["collapse_linear"], True)):
        namespace = {"np": np}
        exec(answers["mlp_forward"], namespace)  # noqa: S102
        exec(source, namespace)  # noqa: S102
        for name in ("collapse_linear_values", "collapse_linear_one_layer"):
            check = find_check(name)
            verdict = judge_seen(check, run_probe(check, (namespace["collapse_linear"],), {}),
                                 {})
            assert verdict.passed == passes, (name, verdict.render(max_hints=1))
            if not passes:
                assert "mlp_forward" in verdict.render(max_hints=1)


def _sigmoid_steps(tree: ast.AST) -> int:
    """How many calls sigmoid(s * (x - a)) (a unit stepping up at a) the code writes."""
    return sum(1 for node in ast.walk(tree) if isinstance(node, ast.Call)
               and getattr(node.func, "id", "") == "sigmoid" and node.args
               and isinstance(node.args[0], ast.BinOp) and isinstance(node.args[0].op, ast.Mult)
               and isinstance(node.args[0].right, ast.BinOp)
               and isinstance(node.args[0].right.op, ast.Sub))


def test_no_given_code_of_notebook_02_writes_a_bumps_two_units():
    """A bump is two step units, the second subtracted: the lesson leads there, the student
    writes it. Given code may draw one step (section 1), never the pair."""
    assert [source[:60] for source in given_code(NB02)
            if _sigmoid_steps(ast.parse(source)) > 1] == []


def _edges_or_midpoints(tree: ast.AST) -> list[str]:
    """Expressions that build approximate_1d's layout: equally spaced edges
    (np.linspace(..., n + 1)), midpoints of neighbouring edges, or edges read off as
    -bias / weight."""
    found = []
    for node in ast.walk(tree):
        text = ast.unparse(node) if isinstance(node, ast.expr) else ""
        if isinstance(node, ast.Call) and text.startswith("np.linspace") and \
                any(isinstance(a, ast.BinOp) and isinstance(a.op, ast.Add) for a in node.args):
            found.append(text)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and (
                ("[:-1]" in text and "[1:]" in text) or
                (isinstance(node.left, ast.UnaryOp) and "b1" in text and "W1" in text)):
            found.append(text)
    return found


def test_no_given_code_of_notebook_02_lays_out_approximate_1ds_bumps():
    """The demos after approximate_1d draw the student's own network (its units, and the
    first guess as the student's construction on a shrunk interval), not a layout of edges,
    centres and heights computed beside it."""
    assert [found for source in given_code(NB02)
            for found in _edges_or_midpoints(ast.parse(source))] == []


@pytest.mark.parametrize("assignment", [NB01, NB02])
def test_the_notebook_tells_the_numpy_only_rule_it_grades_by(assignment):
    """A rule the student was not told is not a rule: the introduction says graded functions
    use numpy and the student's own functions only, as the checks enforce."""
    intro = " ".join("".join(_cells(assignment)[0]["source"]).split())
    assert "Graded functions use numpy" in intro
    assert "torch" in intro and "the tests refuse the rest" in intro
    assert "standard library" in intro and "graphlib" in intro and "no other package" in intro


def test_approximate_1ds_docstring_states_the_graded_error_bound():
    """The bound approximate_1d is graded against (|f| <= 1, L (hi - lo) / n + 0.01 for
    n <= 100 (hi - lo)) is in its docstring, and the lesson states the same |f| <= 1."""
    docstring = _solutions(NB02)["approximate_1d"]
    assert "|f| <= 1" in docstring and "L (hi - lo) / n + 0.01" in docstring
    assert "n <= 100 (hi - lo)" in docstring
    lesson = "".join("".join(c["source"]) for c in _cells(NB02) if c["cell_type"] == "markdown")
    assert "|f| \\le 1$" in lesson and "|f| \\le 2" not in lesson


def _units_check():
    from nncourse.checks.nb02 import ParityUnitsDeep

    return ParityUnitsDeep()


@pytest.mark.parametrize("wrong", [lambda n: 3 * n - 3, lambda n: 3 * (n - 1),
                                   lambda n: 4 * n - 6, lambda n: 1])
def test_the_visible_unit_count_check_fails_counts_the_lesson_contradicts(wrong):
    """The lesson counts the chain on 2 inputs (2 hidden units) and draws a block as three
    units: the visible check fails a count that is off at n = 2 (3 n - 3, the output AND
    counted as hidden), grows by more than a block per input, or does not grow; the
    instructor's count passes."""
    check = _units_check()
    assert not check.judge(check.probe(wrong)).passed
    answer = {}
    exec(_solutions(NB02)["parity_units_deep"], answer)  # noqa: S102
    assert check.judge(check.probe(answer["parity_units_deep"])).passed


def test_the_visible_unit_count_check_holds_only_counts_the_lesson_states():
    """The value the visible check holds (n = 2: 2 units) is the one the lesson states, and
    the check's first docstring line, the pass line a student reads, is a whole sentence."""
    from nncourse.checks.nb02 import UNITS_STATED

    lesson = "".join("".join(c["source"]) for c in _cells(NB02) if c["cell_type"] == "markdown")
    assert UNITS_STATED == {2: 2} and "$n = 2$: one block" in lesson
    assert "**2** hidden units" in lesson
    first = _units_check().description
    assert first.endswith(".") and "n = 2" in first


def test_too_soft_a_parity_network_is_told_it_is_not_saturated_not_a_constant_factor():
    """The right construction with hidden units of steepness 3 gives outputs on the right
    side of 1/2 but not within 0.01: the message names unsaturated units, not a constant
    factor; one on the wrong side of 1/2 is told so."""
    from nncourse.checks.nb02 import shallow_verdict

    def soft(n, steep):
        w2 = 20.0 * (-1.0) ** np.arange(n)
        return [np.full((n, n), steep), -steep * (np.arange(1, n + 1) - 0.5), w2, -10.0]

    verdict = shallow_verdict(soft(2, 3.0), 2)
    assert not verdict.passed and "constant factor" not in verdict.message
    assert "not saturated" in verdict.message and "steep enough" in verdict.message
    wrong_side = shallow_verdict(soft(2, 2.0), 2)
    assert "constant factor" not in wrong_side.message
    assert "wrong side of 1/2" in wrong_side.message


def test_the_error_past_the_diamond_does_what_the_lesson_says():
    """Section 3's claims are computed: past n = s/10 the printed log-log slopes of the max
    error start below -1 (faster than 1/n) and, for s = 100 and 30, end near 0 (the floor);
    the lesson no longer says the error falls more and more slowly."""
    import matplotlib
    import matplotlib.pyplot as plt

    matplotlib.use("Agg")
    namespace: dict = {}
    answers = _solutions(NB02)
    printed = io.StringIO()
    for cell in _cells(NB02, "solutions"):
        source = "".join(cell["source"])
        if cell["cell_type"] != "code" or _nbgrader(cell).get("grade"):
            continue
        if _nbgrader(cell).get("solution"):
            source = answers[_nbgrader(cell)["grade_id"]]
        with contextlib.redirect_stdout(printed):
            exec(compile(source, "cell", "exec"), namespace)  # noqa: S102
        plt.close("all")
        if "log-log slope of the error" in source:
            break
    slopes = [[float(v) for v in line.split(": ")[-1].split(", ")]
              for line in printed.getvalue().splitlines() if "log-log slope of the error" in line]
    assert len(slopes) == 3  # s = 1000, 100, 30
    assert all(s[0] < -1 for s in slopes) and all(v < -1 for v in slopes[0])
    assert all(s[-1] > -0.5 for s in slopes[1:])
    lesson = " ".join("".join(c["source"]) for c in _cells(NB02) if c["cell_type"] == "markdown")
    assert "more and more slowly" not in " ".join(lesson.split())
