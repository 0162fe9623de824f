"""Every plausible bug in the catalogue loses points; every correct variant keeps them all.

Graded through real ``nbgrader autograde`` (see autograder/mutation.py); the solution gets
full marks and the blank student notebook zero in the same run.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

from autograder.mutation import catalogue, run_assignment
from autograder.notebooks import assignments

ASSIGNMENTS = assignments()


@pytest.fixture(scope="session")
def outcomes():
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(ASSIGNMENTS, pool.map(run_assignment, ASSIGNMENTS)))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_catalogue_is_big_enough(assignment):
    entries = catalogue(assignment)
    assert sum(not e.expect_full_marks for e in entries) >= 10
    assert sum(e.expect_full_marks for e in entries) >= 3


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_mutants_lose_points_and_variants_keep_them(assignment, outcomes):
    results = outcomes[assignment]
    wrong = [f"{o.student}: {o.score:g}/{o.max_score:g}, expected {o.expected}"
             for o in results if not o.ok]
    assert not wrong, "\n".join(wrong)
    assert {o.student for o in results} >= {"solution", "blank"}
