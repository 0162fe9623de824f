"""A function whose contract says warning-free loses its points when numpy is silenced (issue
20, round 2 shortcut H3): read from the notebook's syntax in the grader's process, where the
student's code cannot switch it off, as the complex-step rule is."""

import nbformat
import pytest

from autograder import source_rules
from autograder.assemble import assemble
from autograder.judge import TestResult
from autograder.notebooks import filled_notebook, solution_sources
from autograder.submissions import Submission

NB01, NB02, NB03 = ("01_neuron_and_xor", "02_universal_approximation",
                    "03_jacobians_and_chain_rule")
NAIVE_BUMP = (
    "def bump(x, left, right, height, steepness=1000.0):\n"
    "    with np.errstate(over='ignore'):\n"
    "        rise = 1 / (1 + np.exp(-steepness * (x - left)))\n"
    "        fall = 1 / (1 + np.exp(-steepness * (x - right)))\n"
    "    return height * (rise - fall)\n")


def submission(tmp_path, assignment, answers, student, scratch=None):
    book = filled_notebook(assignment, answers, None)
    if scratch:
        book.cells.insert(1, nbformat.v4.new_code_cell(scratch))
    path = tmp_path / f"{student}.ipynb"
    nbformat.write(book, path)
    return Submission(student, assignment, path)


def lost_cells(assignment, broken):
    _, tests, _ = assemble(assignment, None)
    full = [TestResult(t.grade_id, t.points, t.points, "passed") for t in tests]
    return {r.test for r in source_rules.apply(tests, full, broken) if r.points == 0.0}


def test_a_silenced_bump_loses_its_test_cells_and_an_honest_one_does_not(tmp_path):
    answers = solution_sources(NB02)
    silenced = submission(tmp_path, NB02, {**answers, "bump": NAIVE_BUMP}, "silenced")
    broken = source_rules.breaches(silenced)
    assert set(broken) == {"bump"} and "errstate" in broken["bump"]
    lost = lost_cells(NB02, broken)
    assert lost and all("bump" in t.functions for t in assemble(NB02, None)[1]
                        if t.grade_id in lost)
    assert source_rules.breaches(submission(tmp_path, NB02, answers, "honest")) == {}


@pytest.mark.parametrize("scratch", [
    "np.seterr(all='ignore')",
    "import warnings\nwarnings.filterwarnings('ignore')",
    "from numpy import seterr as quiet\nquiet(over='ignore')",
    "import warnings\nwith warnings.catch_warnings():\n    np.seterr(over='ignore')",
    "with np.errstate(over='ignore'):\n    import warnings\n    warnings.simplefilter('ignore')",
])
def test_silencing_numpy_anywhere_in_the_notebook_breaks_sigmoids_rule(tmp_path, scratch):
    answers = solution_sources(NB01)
    broken = source_rules.breaches(submission(tmp_path, NB01, answers, "s", scratch))
    assert "sigmoid" in broken, broken
    assert broken["sigmoid"].rule == "silences-warnings"
    assert any("sigmoid" in t.functions for t in assemble(NB01, None)[1]
               if t.grade_id in lost_cells(NB01, broken))


def test_a_function_not_held_to_warning_free_may_use_errstate(tmp_path):
    answers = solution_sources(NB03)
    source = answers["sigmoid_grad"].replace(
        "def sigmoid_grad(z):", "def sigmoid_grad(z):\n    np.errstate(over='ignore')", 1)
    assert source != answers["sigmoid_grad"]
    broken = source_rules.breaches(submission(tmp_path, NB03, {**answers,
                                                               "sigmoid_grad": source}, "s"))
    assert "sigmoid_grad" not in broken


def test_the_rule_is_told_in_the_docstring():
    from nncourse.checks.nb01 import RULES

    text = RULES["sigmoid"].told()
    assert "np.errstate" in text and "anywhere in the notebook" in text


@pytest.mark.parametrize("scratch", [
    "with np.errstate(over='ignore', invalid='ignore'):\n    print(np.exp(1000.0))",
    "import warnings\nwith warnings.catch_warnings():\n    warnings.simplefilter('ignore')\n"
    "    print(np.exp(1000.0))",
])
def test_a_scoped_silence_outside_functions_is_not_a_breach(tmp_path, scratch):
    """The given demo of notebook 01 reads overflowing values inside ``with np.errstate``: a
    student's edited copy of it, or a cell like it, silences nothing the tests see."""
    answers = solution_sources(NB01)
    assert source_rules.breaches(submission(tmp_path, NB01, answers, "s", scratch)) == {}


@pytest.mark.parametrize("body", [
    "    with np.errstate(over='raise'):\n        return 1 / (1 + np.exp(-z))\n",
    "    import warnings\n    with warnings.catch_warnings():\n"
    "        warnings.simplefilter('error')\n        return 1 / (1 + np.exp(-z))\n",
])
def test_making_overflow_louder_is_not_silencing(tmp_path, body):
    """np.errstate(over='raise') or a warnings filter set to 'error' hides nothing (the
    catalogue's sigmoid_masked_errstate_unused variant keeps full marks)."""
    answers = solution_sources(NB01)
    source = "def sigmoid(z):\n    z = np.asarray(z, dtype=float)\n" + body
    broken = source_rules.breaches(submission(tmp_path, NB01, {**answers, "sigmoid": source},
                                              "s"))
    assert "sigmoid" not in broken, broken


def test_the_visible_check_hears_a_silenced_overflow_too():
    """The student sees the breach in their notebook before grading: a silenced bump (in the
    function, or by np.seterr in an earlier cell) fails the visible check, and the
    student's numpy settings are as they were afterwards."""
    import numpy as np
    from test_unreadable_inputs import definitions, passes

    space = definitions(NB02, solution_sources(NB02))
    assert passes("bump_values", space["bump"])
    exec(compile(NAIVE_BUMP, "<answer>", "exec"), space)  # noqa: S102
    assert not passes("bump_values", space["bump"])
    exec(compile(NAIVE_BUMP.replace("    with np.errstate(over='ignore'):\n", "    if True:\n"),
                 "<answer>", "exec"), space)  # noqa: S102
    before = np.seterr(over="ignore")
    try:
        assert not passes("bump_values", space["bump"])
        assert np.geterr()["over"] == "ignore"
    finally:
        np.seterr(**before)
