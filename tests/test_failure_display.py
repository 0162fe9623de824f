"""A failing check in a notebook: a red box with the message, no frames of the library;
the student's own exception keeps the student's frames; a wrong array gets a figure of
expected, seen and their difference, a wrong number does not, and grading never draws."""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest
from nncourse.checking import CheckFailed
from nncourse.compare import compare
from nncourse.failure import box, difference_figure, failed, wants_figure

from autograder.notebooks import execute

ANSI = re.compile(r"\x1b\[[0-9;]*m")

SETUP = """
import os
import numpy as np
from nncourse import check

def mlp_forward(X, weights, biases, activation=np.tanh):
    h = X
    for W, b in zip(weights, biases):
        h = activation(h @ W + b)  # wrong: the output layer gets the activation too
    return h

def neuron(x, w, b, activation=None):
    return 1 / (1 + np.exp(-(x @ w)))  # wrong: no bias

def layer(h, W, b):
    return h @ W.T + b

def mlp_forward_broken(X, weights, biases, activation=np.tanh):
    h = X
    for W, b in zip(weights, biases):
        h = layer(h, W, b)
    return h
"""

CELLS = {
    "matrix": 'check("mlp_forward_values", mlp_forward)',
    "scalar": 'check("neuron_values", neuron)',
    "raises": 'check("mlp_forward_values", mlp_forward_broken)',
    "grading": 'os.environ["NBGRADER_EXECUTION"] = "autograde"\n'
               'check("mlp_forward_values", mlp_forward)',
}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, list]:
    """Each demo cell's outputs, run in a real IPython kernel."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SETUP)] + [
        nbformat.v4.new_code_cell(source) for source in CELLS.values()])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    executed, _, _ = execute(notebook, tmp_path_factory.mktemp("kernel"), allow_errors=True,
                             timeout=120)
    assert not executed.cells[0].outputs, executed.cells[0].outputs
    return dict(zip(CELLS, (cell.outputs for cell in executed.cells[1:])))


def _error(outputs: list) -> tuple[str, str]:
    errors = [o for o in outputs if o.output_type == "error"]
    assert len(errors) == 1, outputs
    return errors[0].ename, "\n".join(errors[0].traceback)


def _images(outputs: list) -> int:
    return sum("image/png" in o.get("data", {}) for o in outputs
               if o.output_type == "display_data")


def test_a_failing_check_shows_only_its_message_in_red(outputs):
    ename, text = _error(outputs["matrix"])
    assert ename == "CheckFailed"
    assert "\x1b[1;31m" in text and "\x1b[31m" in text
    plain = ANSI.sub("", text)
    assert "mlp_forward on X (7, 4)" in plain and "wrong values" in plain
    assert "hint: " in plain
    assert "checking.py" not in plain and "nncourse" not in plain
    assert "Traceback" not in plain and "File " not in plain


def test_a_wrong_matrix_gets_a_figure_and_a_wrong_number_does_not(outputs):
    assert _images(outputs["matrix"]) == 1
    assert _images(outputs["scalar"]) == 0
    assert _error(outputs["scalar"])[0] == "CheckFailed"


def test_no_figure_while_nbgrader_executes(outputs):
    assert _images(outputs["grading"]) == 0
    assert _error(outputs["grading"])[0] == "CheckFailed"


def test_the_students_exception_keeps_the_students_frames(outputs):
    ename, text = _error(outputs["raises"])
    plain = ANSI.sub("", text)
    assert ename == "CheckFailed"
    assert "your code raised ValueError" in plain  # the box's message
    assert "mlp_forward_broken" in plain and "in layer" in plain
    assert "return h @ W.T + b" in plain  # the student's line that raised
    assert plain.index("mlp_forward_broken") < plain.index("in layer")
    assert "nncourse" not in plain and "def probe" not in plain and "run_probe" not in plain


def test_the_box_is_the_message_and_nothing_else():
    error = failed("w has shape (2,), expected (3,).\n  hint: one weight per input")
    assert isinstance(error, CheckFailed) and error.student_error is None
    lines = [ANSI.sub("", line) for line in error._render_traceback_()]
    assert lines == [ANSI.sub("", line) for line in box(str(error))]
    assert lines[1:] == ["\u2502 w has shape (2,), expected (3,).",
                         "\u2502   hint: one weight per input"]


def test_compare_keeps_the_arrays_of_a_wrong_answer_only():
    expected = np.arange(6.0).reshape(2, 3)
    wrong = compare("dW", expected.T.copy().reshape(2, 3), expected)
    assert wrong.arrays is not None and wrong.arrays["seen"].shape == (2, 3)
    assert compare("dW", expected, expected).arrays is None
    transposed = compare("dW", expected.T, expected)  # only the shape wrong: both kept
    assert transposed.arrays["seen"].shape == (3, 2)
    assert transposed.arrays["expected"].shape == (2, 3)
    assert "arrays" not in repr(wrong)


def test_which_wrong_answers_get_a_figure():
    matrix = compare("dW", np.ones((3, 2)), np.zeros((3, 2)))
    scalar = compare("loss", 1.0, 2.0)
    short = compare("b", np.ones(3), np.zeros(3))
    long = compare("h", np.ones(12), np.zeros(12))
    assert wants_figure(matrix.arrays) and wants_figure(long.arrays)
    assert not wants_figure(scalar.arrays) and not wants_figure(short.arrays)
    figure = difference_figure(matrix.arrays)
    titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
    assert titles == ["expected (3, 2)", "seen (yours) (3, 2)", "seen \u2212 expected"]
    difference = figure.axes[2].images[0].get_array()
    assert np.allclose(difference, np.ones((3, 2)))


def test_no_figure_without_matplotlib(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    assert difference_figure(compare("W", np.ones((2, 2)), np.zeros((2, 2))).arrays) is None


def test_a_wrong_shape_alone_gets_a_picture_of_both_shapes():
    """The commonest bug: the values may be right, the layout is not. Both arrays are drawn,
    each in its own shape, and the title says how the shapes differ."""
    expected = np.arange(15.0).reshape(5, 3)
    verdict = compare("dW", expected.T, expected)
    assert wants_figure(verdict.arrays)
    figure = difference_figure(verdict.arrays)
    titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
    assert titles == ["expected (5, 3)", "seen (yours) (3, 5)"]
    assert figure.get_suptitle() == "the shapes differ: expected (5, 3), yours (3, 5)"
    assert figure.axes[0].images[0].get_array().shape == (5, 3)
    assert figure.axes[1].images[0].get_array().shape == (3, 5)
    assert not wants_figure(compare("b", np.ones(3), np.ones(4)).arrays)  # short 1-D: text
    assert not wants_figure(compare("s", 1.0, np.ones(2)).arrays)  # a number for an array


def test_failure_pictures_have_whole_number_ticks():
    for shape in ((2, 3), (3, 2), (1, 12), (4, 4), (40, 30)):
        figure = difference_figure(compare("W", np.ones(shape), np.zeros(shape)).arrays)
        for ax in figure.axes[:3]:
            if not ax.images:
                continue
            for ticks in (ax.get_xticks(), ax.get_yticks()):
                assert np.allclose(ticks, np.round(ticks)), (shape, ticks)
