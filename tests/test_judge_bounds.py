"""The judges run in the grader's own process on data a student's code chose: no shape of
that data may cost the grader more than a bounded amount of memory, or read as a bug in the
course (issue 21's hostile review: 1 MB of strings made a judge ask for 4 GB; an integer
too large for a float reported "COURSE BUG")."""

from __future__ import annotations

import nncourse.checks.nb01  # noqa: F401 - registers notebook 01's checks
from nncourse.checking import find_check, judge_seen, run_probe
from nncourse.plain import decode, encode

from autograder.judge import MAX_STRING_CHARS, MAX_TEXT_CELLS, _too_much_text


def test_probe_data_with_too_much_text_is_refused_before_any_judge():
    assert _too_much_text({"mistakes": [""] * 300 + ["x" * 1_000_000]})
    assert _too_much_text({"mistakes": ["x" * 100] * (MAX_TEXT_CELLS // 100 + 1)})
    assert _too_much_text({"mistakes": [""] * (MAX_TEXT_CELLS + 1)})
    assert not _too_much_text({"keys": ["val_loss"] * 2000})  # many short keys: 16,000
    assert _too_much_text({"nested": {"deeper": [["x" * (MAX_STRING_CHARS + 1)]]}})
    assert not _too_much_text({"w": [1.0, 2.0], "raised": "ValueError: no",
                               "warnings": ["overflow encountered in exp"]})


def test_every_solution_probe_stays_within_the_text_bounds():
    """The bound costs no honest answer: the instructor's perceptron's probe data (the
    check with the most results in notebook 01) is far inside it."""
    import numpy as np

    def perceptron_train(X, t, lr=1.0, max_epochs=100):
        w, b, mistakes = np.zeros(X.shape[1]), 0.0, []
        for _ in range(max_epochs):
            count = 0
            for x, target in zip(X, t):
                y = float(x @ w + b > 0)
                if y != target:
                    w, b, count = w + lr * (target - y) * x, b + lr * (target - y), count + 1
            mistakes.append(count)
            if count == 0:
                break
        return w, b, mistakes

    found = find_check("perceptron_separable")
    seen = decode(encode(run_probe(found, (perceptron_train,), {})))
    assert not _too_much_text(seen)
    assert judge_seen(found, seen, {}, 0).passed


def test_an_integer_too_large_for_a_float_is_a_wrong_form_not_a_course_bug():
    found = find_check("logic_gates")
    seen = decode(encode(run_probe(found, (lambda gate: ([10 ** 400, 0.0], 0.0),), {})))
    verdict = judge_seen(found, seen, {}, 0)
    assert not verdict.passed
    assert not verdict.course_bug, verdict.message


def test_notebook_06_s_stopping_runs_stay_within_the_text_bounds():
    """train_regularized's hidden stopping check records two runs of every kind: 1746 short
    dict keys, which the old bound (1000 strings) refused, so the solution lost 2 points
    under grading while passing in the notebook."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from test_unreadable_inputs import namespace

    import autograder.hidden.nb06  # noqa: F401 - registers the hidden checks

    found = find_check("train_regularized_hidden_fresh")
    seen = run_probe(found, (namespace("06")["train_regularized"],), {}, seed=12345)
    assert seen["raised"] is None and not _too_much_text(seen)
