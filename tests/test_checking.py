"""The probe/judge split: self-checks in the kernel, verdicts outside it when grading."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from nncourse.checking import (
    PROBE_MIME,
    REGISTRY,
    CheckFailed,
    check,
    find_check,
    judge_seen,
    run_probe,
)
from nncourse.plain import decode


def good_sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def test_visible_and_hidden_checks_are_registered():
    import autograder.hidden  # noqa: F401 - the grader registers its own hidden checks

    find_check("sigmoid_values")
    assert "sigmoid_hidden_shapes" in REGISTRY  # from autograder.hidden, instructor side
    with pytest.raises(KeyError):
        find_check("no_such_check")


def test_passing_check_prints_a_tick(capsys):
    assert check("sigmoid_values", good_sigmoid) is None
    assert "\u2714" in capsys.readouterr().out


def test_failing_check_says_what_to_fix():
    with pytest.raises(CheckFailed) as failure:
        check("sigmoid_values", lambda z: 1 / (1 + np.exp(np.asarray(z, dtype=float))))
    assert "wrong values" in str(failure.value) and "hint" in str(failure.value)


def test_not_implemented_is_reported_as_such():
    def stub(z):
        raise NotImplementedError()

    with pytest.raises(CheckFailed, match="not implemented yet"):
        check("sigmoid_values", stub)


def test_other_exceptions_are_reported_with_their_message():
    def broken(z):
        raise ValueError("bad shapes here")

    with pytest.raises(CheckFailed, match="ValueError: bad shapes here"):
        check("sigmoid_values", broken)


def test_warnings_fail_only_checks_that_forbid_them():
    def unstable(z):
        return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))

    with pytest.raises(CheckFailed, match="warned"):
        check("sigmoid_stable", unstable)
    seen = run_probe(find_check("sigmoid_values"), (unstable,), {})
    assert judge_seen(find_check("sigmoid_values"), seen, {}).passed


def test_probe_mode_publishes_data_and_decides_nothing(monkeypatch, capsys):
    monkeypatch.setenv("NNCOURSE_MODE", "probe")
    assert check("sigmoid_values", lambda z: z) is None  # wrong, yet no exception here
    out = capsys.readouterr().out
    payload = decode(out.split(PROBE_MIME, 1)[1].strip())
    assert payload["check"] == "sigmoid_values"
    assert not judge_seen(find_check("sigmoid_values"), payload["seen"], payload["args"]).passed


def test_a_student_monkeypatching_numpy_cannot_pass_in_the_judge(tmp_path):
    """The student's process patches numpy and the library; the verdict comes from here."""
    student = textwrap.dedent("""
        import os
        os.environ["NNCOURSE_MODE"] = "probe"
        import numpy as np
        import nncourse.compare, nncourse.checking
        np.allclose = lambda *a, **k: True
        np.testing.assert_allclose = lambda *a, **k: None
        nncourse.compare.compare = lambda *a, **k: nncourse.verdict.Verdict.ok()
        def sigmoid(z):
            return np.asarray(z) * 0.0 + 0.5
        nncourse.checking.check("sigmoid_values", sigmoid)
    """)
    done = subprocess.run([sys.executable, "-c", student], capture_output=True, text=True,
                          timeout=120, check=True)
    payload = decode(done.stdout.split(PROBE_MIME, 1)[1].strip())
    verdict = judge_seen(find_check(payload["check"]), payload["seen"], payload["args"])
    assert not verdict.passed
    assert "wrong values" in verdict.message
    json.loads(done.stdout.split(PROBE_MIME, 1)[1])  # the channel is plain JSON


def test_nan_and_inf_never_pass_whatever_the_judge_computes():
    """A judge with the classic hole (abs(std - target) > tol is False for nan) still fails
    an init that returns inf entries: non-finite probe data fails before any judge runs."""
    from nncourse.checking import Check
    from nncourse.verdict import Verdict

    class ScaleOnly(Check):
        name = "scale_only_for_this_test"

        def probe(self, init):
            return {"W": init()}

        def judge(self, seen):
            std = float(np.std(seen["W"]))
            return Verdict.fail("wrong scale") if abs(std - 1.0) > 0.1 else Verdict.ok()

    check = ScaleOnly()
    rng = np.random.default_rng(0)
    good = run_probe(check, (lambda: rng.normal(size=(50, 50)),), {})
    assert judge_seen(check, good, {}).passed
    for bad in (np.inf, -np.inf, np.nan):
        W = rng.normal(size=(50, 50))
        W[3, 4] = bad
        seen = run_probe(check, (lambda W=W: W,), {})
        assert abs(np.std(W) - 1.0) > 0.1 or np.isnan(np.std(W))  # the hole is real
        verdict = judge_seen(check, seen, {})
        assert not verdict.passed and ("inf" in verdict.message or "nan" in verdict.message)
    as_text = np.full((50, 50), "nan").tolist()  # a judge's float() makes it nan again
    verdict = judge_seen(check, run_probe(check, (lambda: as_text,), {}), {})
    assert not verdict.passed and "nan" in verdict.message


def test_a_judge_bug_is_the_course_s_and_malformed_values_the_student_s():
    """A name or attribute error inside a judge is the course's bug (said so, flagged for
    the grader); a comparison that fails on values of the wrong form, or probe data without
    a key the probe always sends (only forged data lacks one), is the student's."""
    from nncourse.checking import Check, judge_seen
    from nncourse.verdict import Verdict

    class Buggy(Check):
        name = "buggy"

        def probe(self, f):
            return {"out": f(1.0)}

        def judge(self, seen):
            return Verdict.ok() if seen["out"].typo else Verdict.ok()

    class Strict(Check):
        name = "strict"

        def probe(self, f):
            return {"out": f(1.0)}

        def judge(self, seen):
            return Verdict.ok() if float(seen["out"]) == 2.0 else Verdict.fail("no")

    bug = judge_seen(Buggy(), {"out": 2.0, "raised": None, "warnings": []}, {})
    assert not bug.passed and bug.course_bug and "bug in the course" in bug.message
    malformed = judge_seen(Strict(), {"out": "two", "raised": None, "warnings": []}, {})
    assert not malformed.passed and not malformed.course_bug
    assert "wrong form" in malformed.message
    assert judge_seen(Strict(), {"out": 2.0, "raised": None, "warnings": []}, {}).passed
    forged = judge_seen(Strict(), {"raised": None, "warnings": []}, {})
    assert not forged.passed and not forged.course_bug and "no 'out'" in forged.message


def test_declared_defaults_reach_both_halves_and_a_test_cell_overrides_them():
    from nncourse.checking import Check, judge_seen, run_probe
    from nncourse.compare import compare

    class Doubles(Check):
        name = "doubles_for_this_test"
        defaults = {"n": 3}

        def inputs(self, n):
            return {"x": np.arange(float(n))}

        def probe(self, double, n):
            return {"out": double(self.inputs(n=n)["x"])}

        def judge(self, seen, n):
            return compare("double(x)", seen["out"], 2 * self.inputs(n=n)["x"])

    found = Doubles()
    for args in ({}, {"n": 5}):
        seen = run_probe(found, (lambda x: 2 * x,), args)
        assert np.shape(seen["out"]) == (args.get("n", 3),)
        assert judge_seen(found, seen, args).passed
    assert not judge_seen(found, run_probe(found, (lambda x: x,), {}), {}).passed


UNFINISHED_HELPER = '''
def sigmoid(z):
    raise NotImplementedError()

def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1 - s)

def sigmoid_grad_stub(z):
    raise NotImplementedError()

def topological_order(root):
    raise NotImplementedError()

class Value:
    def __init__(self, data, _children=()):
        self.data, self.grad, self._prev = float(data), 0.0, set(_children)
        self._backward = lambda: None

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def backward(self):
        self.grad = 1.0
        for node in reversed(topological_order(self)):
            node._backward()
'''


def test_a_test_names_the_unfinished_exercise_its_function_calls():
    """A finished function that calls an unfinished one (a stub raising NotImplementedError)
    is told which one to finish, not to replace a ``raise`` line it does not have; the stub
    itself is still "not implemented yet"."""
    from nncourse.checking import find_check, judge_seen, run_probe

    space = {"np": np}
    exec(compile(UNFINISHED_HELPER, "/tmp/ipykernel_0/cell.py", "exec"), space)
    check = find_check("sigmoid_grad_values")
    told = judge_seen(check, run_probe(check, (space["sigmoid_grad"],), {}), {})
    assert not told.passed and told.not_written
    assert "needs your sigmoid, which is not implemented yet" in told.message
    stub = judge_seen(check, run_probe(check, (space["sigmoid_grad_stub"],), {}), {})
    assert stub.message == "sigmoid_grad_values: not implemented yet."
    check = find_check("value_arithmetic")
    told = judge_seen(check, run_probe(check, (space["Value"],), {}), {})
    assert "needs your topological_order, which is not implemented yet" in told.message
