"""Solutions run cleanly; student versions run to the end with only 'not implemented' errors."""

import random

import pytest

from autograder.notebooks import (
    RELEASE,
    SOLUTIONS,
    assignments,
    errors,
    execute,
    is_graded,
    release_notebook,
    source_notebook,
)

ASSIGNMENTS = assignments()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_notebook_executes_without_errors(assignment):
    # as under the grader: a run seed, so every visible check draws the inputs of a grading
    # run (a new one each time; a failure names it, to repeat with that seed)
    seed = random.randrange(1, 2**31)
    notebook, seconds, alive = execute(source_notebook(assignment), SOLUTIONS / assignment,
                                       allow_errors=True, hidden=True, run_seed=seed)
    assert errors(notebook) == [], f"{assignment} solution raised errors with run seed {seed}"
    assert alive
    print(f"{assignment}: solution executed in {seconds:.1f} s")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_notebook_runs_to_the_end(assignment):
    notebook, _, alive = execute(release_notebook(assignment), RELEASE / assignment,
                                 allow_errors=True)
    assert alive, "the kernel died while running the student notebook"
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code_cells), "execution stopped early"
    found = errors(notebook)
    assert found, "an unanswered notebook must fail its tests"
    first_test = next(i for i, c in enumerate(notebook.cells)
                      if is_graded(c))
    first_error = next(e for e in found if e[0] == first_test)
    assert "not implemented yet" in first_error[2] or first_error[1] == "NotImplementedError"
