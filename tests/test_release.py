"""notebooks/ is exactly what nbgrader generates from solutions/, with nothing hidden leaking."""

import ast

import nbformat
import pytest

from autograder.course import generate_release
from autograder.notebooks import (
    RELEASE,
    assignments,
    grade_id,
    is_graded,
    is_solution,
    source_notebook,
)

ASSIGNMENTS = assignments()


CURRICULUM_IDS = ["01_neuron_and_xor", "02_universal_approximation",
                  "03_jacobians_and_chain_rule", "04_computation_graph_backprop",
                  "05_minibatches_and_sgd", "06_regularization"]
"""The notebook ids fixed by the graded interface (CURRICULUM.md)."""


def test_the_six_notebooks_of_the_curriculum_exist():
    """solutions/ and notebooks/ hold exactly the curriculum's six notebooks."""
    assert ASSIGNMENTS == CURRICULUM_IDS
    assert sorted(p.name for p in RELEASE.iterdir() if p.is_dir()) == CURRICULUM_IDS


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_release_is_byte_for_byte_the_generated_one(assignment, tmp_path):
    generated = generate_release(assignment, tmp_path)
    committed = RELEASE / assignment / f"{assignment}.ipynb"
    assert committed.exists(), f"run `make release`: {committed} is missing"
    assert committed.read_bytes() == generated.read_bytes(), (
        f"{committed} differs from what `make release` generates from solutions/: run "
        "`make release` (never edit notebooks/ by hand)")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_has_stubs_and_no_hidden_tests(assignment):
    release = nbformat.read(RELEASE / assignment / f"{assignment}.ipynb", as_version=4)
    text = "\n".join(cell.source for cell in release.cells)
    assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
    source = source_notebook(assignment)
    hidden = [line.strip() for cell in source.cells if "BEGIN HIDDEN TESTS" in cell.source
              for line in cell.source.split("### BEGIN HIDDEN TESTS")[1]
              .split("### END HIDDEN TESTS")[0].splitlines() if line.strip()]
    assert hidden, "every notebook has hidden tests"
    assert not [line for line in hidden if line in text]
    stubs = [cell for cell in release.cells if is_solution(cell) and cell.cell_type == "code"]
    assert stubs
    sources = {grade_id(c): c.source for c in source.cells if is_solution(c)}
    for cell in stubs:
        # a paste area (a solution region at a cell's top level) must not stop "Run All"
        # before the lesson; a function's body raises until it is written
        paste_area = any(line.startswith("### BEGIN SOLUTION")
                         for line in sources[grade_id(cell)].splitlines())
        if paste_area:
            assert "raise" not in cell.source and "YOUR CODE HERE" in cell.source, grade_id(cell)
        else:
            assert "raise NotImplementedError()" in cell.source, grade_id(cell)
    tests = [cell for cell in source.cells
             if is_graded(cell) and not is_solution(cell)]
    for cell in tests:  # one description: the checks' own, which their ticks print
        statements = ast.parse(cell.source).body
        assert statements and all(
            isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
            and getattr(s.value.func, "id", "") == "check" for s in statements), (
            f"{grade_id(cell)}: a test cell holds check(...) calls only; what it checks is "
            "said once, in each check's docstring")
    assert {grade_id(c) for c in tests} == {grade_id(c) for c in release.cells
                                            if is_graded(c) and not is_solution(c)}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_notebook_has_one_written_answer_graded_by_hand(assignment):
    """One markdown answer cell graded by hand (formgrader), after a locked question; the
    release shows the text stub, the source the model answer and its marking guide."""
    source = source_notebook(assignment)
    release = nbformat.read(RELEASE / assignment / f"{assignment}.ipynb", as_version=4)
    written = [i for i, c in enumerate(source.cells) if c.cell_type == "markdown"
               and is_solution(c) and is_graded(c)]
    assert len(written) == 1, written
    cell = source.cells[written[0]]
    meta = cell.metadata["nbgrader"]
    assert grade_id(cell).startswith("written_") and meta["points"] in (1, 2)
    assert not meta["locked"] and not meta["task"]
    assert "Model answer" in cell.source and "Marking guide" in cell.source
    question = source.cells[written[0] - 1]
    assert question.cell_type == "markdown" and question.metadata["nbgrader"]["locked"]
    assert f"({meta['points']} point" in question.source
    stub = next(c for c in release.cells if grade_id(c) == grade_id(cell))
    assert stub.cell_type == "markdown" and stub.source == "YOUR ANSWER HERE"
    assert "Marking guide" not in "\n".join(c.source for c in release.cells)
