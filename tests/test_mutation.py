"""Every plausible bug in the catalogue loses points; every correct variant keeps them all.

The catalogue is graded by the course's own pipeline (``python -m autograder``: sandboxed
workers, verdicts judged outside the student's process). Separately, every notebook's
solution gets full marks and its blank student version zero through real
``nbgrader autograde``. ``make mutate ARGS=--engine=nbgrader`` grades the whole catalogue
with plain nbgrader too (slow; see bench/grading.py for the two pipelines compared).
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

from autograder.mutation import catalogue, run_with_autograder, run_with_nbgrader
from autograder.notebooks import assignments

ASSIGNMENTS = assignments()
# every catalogue entry of every notebook is graded (about 900 in all): `make test-slow` runs
# it (and CI), `make test` does not. Far longer than the suite's default 1200 s per test; the
# timeout only stops a hang, within CI's 90 minutes (the time it took is in the closing notes)
pytestmark = [pytest.mark.slow, pytest.mark.timeout(4500)]


@pytest.fixture(scope="session")
def autograder_outcomes():
    return run_with_autograder(ASSIGNMENTS, jobs=2)


@pytest.fixture(scope="session")
def nbgrader_outcomes():
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = pool.map(lambda a: run_with_nbgrader(a, kinds=()), ASSIGNMENTS)
        return dict(zip(ASSIGNMENTS, runs))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_catalogue_is_big_enough(assignment):
    entries = catalogue(assignment)
    assert sum(not e.expect_full_marks for e in entries) >= 10
    assert sum(e.expect_full_marks for e in entries) >= 3


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_full_marks_and_blank_zero_through_nbgrader(assignment, nbgrader_outcomes):
    outcomes = {o.student: o for o in nbgrader_outcomes[assignment]}
    assert outcomes["solution"].ok, f"solution: {outcomes['solution'].score}"
    assert outcomes["blank"].ok, f"blank: {outcomes['blank'].score}"


def _regraded(assignment: str, student: str):
    """``student`` (a catalogue entry) graded again, alone."""
    kind, name = student.split("-", 1)
    again = run_with_autograder([assignment], jobs=1, kinds=(kind,), match=name)[assignment]
    return next(o for o in again if o.student == student)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_mutants_lose_points_and_variants_keep_them(assignment, autograder_outcomes):
    results = autograder_outcomes[assignment]
    # A correct variant that lost a point in the loaded run of the whole catalogue is graded
    # again alone: three single-point losses seen this week under heavy load (a different
    # variant or test each time, never reproduced alone or over thousands of seeds) are shown
    # with their reasons, not failed on; a variant that loses points twice fails.
    wrong, flaky = [], []
    for o in results:
        if o.ok:
            continue
        line = (f"{o.student}: {o.score:g}/{o.max_score:g}, expected {o.expected}"
                + (f" (lost: {o.why})" if o.expected == "full" else ""))
        if o.expected == "full" and o.student.startswith("variant-") \
                and _regraded(assignment, o.student).ok:
            flaky.append(line)
        else:
            wrong.append(line)
    if flaky:
        print("variants that lost points once and kept them when graded again:\n"
              + "\n".join(flaky))
    assert not wrong, "\n".join(wrong)
    assert {o.student for o in results} >= {"solution", "blank"}
    assert len(results) == len(catalogue(assignment)) + 2
