"""A demo cell names the exercise that is not written yet: the innermost frame that raised,
whichever function of the student's it is (review 22 of 2026-12-07, notebook 01, M2: a
finished ``neuron`` was named because the unfinished ``sigmoid`` was not in the demo's list)."""

from __future__ import annotations

import contextlib
import io

import nbformat
import pytest

from autograder.notebooks import ROOT


def _needs():
    book = nbformat.read(ROOT / "notebooks" / "01_neuron_and_xor" / "01_neuron_and_xor.ipynb", 4)
    cell = next(c for c in book.cells if "from nncourse.demos import needs" in c.source)
    space: dict = {}
    exec(cell.source, space)  # noqa: S102 - the notebook's own setup cell
    return space["needs"]


def _said(needs, *exercises, run) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), needs(*exercises):
        run()
    return out.getvalue()


def test_the_unwritten_inner_exercise_is_named_not_the_finished_outer_one():
    needs = _needs()

    def sigmoid(z):
        raise NotImplementedError()

    def neuron(x, w, b):
        return sigmoid(x * w + b)

    said = _said(needs, "neuron", run=lambda: neuron(1.0, 1.0, 0.0))
    assert "your sigmoid, which is not written yet" in said, said


def test_an_unwritten_exercise_listed_by_the_demo_is_named():
    needs = _needs()

    def xor_network(X):
        raise NotImplementedError()

    said = _said(needs, "xor_network", run=lambda: xor_network(None))
    assert "your xor_network, which is not written yet" in said, said


# Review d01 item 2: every notebook's demo guard is the library's (nncourse.demos: notebooks
# 01-03 import `needs`, 04's run_demo and 05's attempt run their demo inside it; 06's ready()
# reads code and runs nothing). Notebook 02's own copy caught every NameError and printed
# "This cell needs steepnes, which is not defined yet" for a typo inside the student's bump.

GUARDED = {
    "01_neuron_and_xor": "with needs('bump'):\n    bump(0.5)\n",
    "02_universal_approximation": "with needs('bump'):\n    bump(0.5)\n",
    "03_jacobians_and_chain_rule": "with needs('bump'):\n    bump(0.5)\n",
    "04_computation_graph_backprop": "run_demo(lambda: bump(0.5), needs='bump')\n",
    "05_minibatches_and_sgd": "attempt(lambda: bump(0.5), 'bump')\n",
    "06_regularization": "if ready(bump):\n    bump(0.5)\n",
}
TYPO = "def bump(x, steepness=1000.0):\n    return steepnes * x\n"
WRONG = "def bump(x):\n    return np.ones(2) @ np.ones(3)\n"
STUB = "def bump(x):\n    raise NotImplementedError()\n"


def _setup(assignment: str) -> dict:
    book = nbformat.read(ROOT / "notebooks" / assignment / f"{assignment}.ipynb", 4)
    cell = next(c for c in book.cells if c.cell_type == "code"
                and ("needs" in c.source or "def attempt" in c.source or "def ready" in c.source
                     or "def run_demo" in c.source))
    space: dict = {}
    exec(compile(cell.source, "<setup>", "exec"), space)  # noqa: S102 - the notebook's cell
    return space


def _run(space: dict, answer: str, demo: str) -> str:
    out = io.StringIO()
    exec(answer, space)  # noqa: S102 - the student's function
    with contextlib.redirect_stdout(out):
        exec(compile(demo, "<demo>", "exec"), space)  # noqa: S102 - the demo cell
    return out.getvalue()


@pytest.mark.parametrize("assignment", sorted(GUARDED))
def test_no_notebooks_demo_guard_hides_an_error_raised_inside_the_students_function(assignment):
    space = _setup(assignment)
    with pytest.raises(NameError, match="steepnes"):
        _run(space, TYPO, GUARDED[assignment])
    with pytest.raises(ValueError):
        _run(space, WRONG, GUARDED[assignment])
    said = _run(space, STUB, GUARDED[assignment])
    assert "your bump" in said and "finish that exercise" in said, said


@pytest.mark.parametrize("assignment", sorted(set(GUARDED) - {"06_regularization"}))
def test_every_guard_names_a_listed_exercise_whose_cell_has_not_run(assignment):
    space = _setup(assignment)
    said = _run(space, "", GUARDED[assignment])
    assert "needs bump, which is not defined yet" in said, said


def test_the_guards_are_one_source():
    for assignment in GUARDED:
        book = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", 4)
        code = "\n".join(c.source for c in book.cells if c.cell_type == "code")
        assert "except NameError" not in code and "except (NotImplementedError" not in code
        assert "nncourse.demos" in code or "nncourse import check, demos" in code or (
            "def ready(" in code), assignment
