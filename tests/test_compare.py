"""compare() judges shapes first, then values, and names the likely bug."""

import numpy as np
import pytest
from nncourse.compare import compare, diagnose, relative_error

RNG = np.random.default_rng(0)
EXPECTED = RNG.normal(size=(4, 3))


def test_equal_arrays_pass():
    assert compare("dW", EXPECTED + 1e-12, EXPECTED).passed


def test_shape_mismatch_reports_shapes_and_transpose():
    verdict = compare("dW", EXPECTED.T, EXPECTED)
    assert not verdict.passed
    assert "(3, 4)" in verdict.message and "(4, 3)" in verdict.message
    assert "transposed" in verdict.message


def test_same_size_other_layout_is_named():
    verdict = compare("out", EXPECTED.reshape(2, 6), EXPECTED)
    assert "wrong layout" in verdict.message


def test_none_hints_at_missing_return():
    verdict = compare("out", None, EXPECTED)
    assert not verdict.passed and "return" in verdict.render()


@pytest.mark.parametrize("got, cause", [
    (-EXPECTED, "opposite sign"),
    (EXPECTED * 4, "(= N) times too large"),
    (EXPECTED / 4, "(= N) times too small"),
    (EXPECTED * 2.5, "the same constant factor"),  # its number is named only for N, 1/N
    (np.zeros_like(EXPECTED), "all zeros"),
    (EXPECTED + np.array([1.0, -2.0, 0.5]), "bias"),
    (np.where(EXPECTED > 0, np.inf, EXPECTED), "nan or inf"),
])
def test_diagnosis_names_the_pattern(got, cause):
    verdict = compare("dW", got, EXPECTED, n=4)
    assert not verdict.passed
    assert cause in verdict.message


def test_square_transpose_is_diagnosed():
    square = RNG.normal(size=(3, 3))
    assert "transpose" in diagnose(square.T, square)


def test_unrelated_values_have_no_false_diagnosis():
    other = np.random.default_rng(1).normal(size=(4, 3))
    assert diagnose(other, EXPECTED) is None
    assert "largest error" in compare("dW", other, EXPECTED).message


def test_relative_error_scale():
    assert relative_error(EXPECTED, EXPECTED) == 0.0
    assert relative_error(EXPECTED, -EXPECTED) == pytest.approx(1.0)


def test_single_numbers_get_no_pattern_guess():
    assert diagnose(np.array(0.53), np.array(0.65)) is None
    assert "likely cause" not in compare("loss", 0.53, 0.65).message


def test_a_near_miss_is_not_blamed_on_a_constant_factor_of_one():
    """Close but outside tolerance: no 'it is 1 times the expected value' diagnosis."""
    expected = np.linspace(1.0, 2.0, 6)
    verdict = compare("x", expected * (1 + 1e-4), expected)
    assert not verdict.passed and "1 times" not in verdict.message


def test_a_known_mistake_is_named_before_the_generic_patterns():
    wrong = -EXPECTED
    verdict = compare("dW", wrong, EXPECTED, mistakes={"dout was subtracted": wrong})
    assert not verdict.passed and "likely cause: dout was subtracted" in verdict.message
    plain = compare("dW", wrong, EXPECTED, mistakes={"something else": EXPECTED * 3})
    assert "dout was subtracted" not in plain.message and "opposite sign" in plain.message


def test_unchanged_names_the_changed_input_and_how_far_it_moved():
    from nncourse.compare import unchanged

    before = {"X": EXPECTED, "b": np.zeros(3)}
    assert unchanged("f(X, b)", before, {"X": EXPECTED.copy(), "b": np.zeros(3)}).passed
    moved = unchanged("f(X, b)", before, {"X": EXPECTED.copy(), "b": np.ones(3)})
    assert not moved.passed and "input b" in moved.message and "largest change 1" in moved.message
    assert not unchanged("f(x)", EXPECTED, EXPECTED[:2]).passed  # a reshaped input changed
    assert not unchanged("f(X, b)", before, {"X": EXPECTED}).passed  # one missing
    nested = {"params": {"W1": EXPECTED}, "X": np.zeros(2)}
    assert unchanged("step", nested, {"params": {"W1": EXPECTED.copy()}, "X": np.zeros(2)})
    inner = unchanged("step", nested, {"params": {"W1": 2 * EXPECTED}, "X": np.zeros(2)})
    assert not inner.passed and "params['W1']" in inner.message


def test_on_copies_leaves_the_probe_s_arrays_and_reports_what_the_call_did():
    from nncourse.checking import on_copies

    def sloppy(a, b, scale=1.0):
        a *= scale
        return a + b

    a, b = np.ones(3), np.arange(3.0)
    result, after = on_copies(sloppy, a, b, scale=2.0)
    assert np.array_equal(a, np.ones(3)) and np.array_equal(result, 2 + np.arange(3.0))
    assert np.array_equal(after["0"], 2 * np.ones(3)) and np.array_equal(after["1"], b)
    assert set(after) == {"0", "1"}
    _, named = on_copies(sloppy, a, b, names=("a",), scale=2.0)
    assert set(named) == {"a", "1"}


def test_on_copies_keeps_views_views_and_copies_dicts_of_arrays():
    from nncourse.checking import on_copies

    seen = {}

    def look(x, params):
        seen["contiguous"] = (x.flags.c_contiguous, params["W"].flags.c_contiguous)
        params["W"][0, 0] = 99.0
        return x.sum()

    base = np.arange(12.0).reshape(3, 4)
    params = {"W": base.T}
    result, after = on_copies(look, base[:, ::2], params, names=("x", "params"))
    assert result == base[:, ::2].sum() and seen["contiguous"] == (False, False)
    assert base[0, 0] == 0.0 and after["params"]["W"][0, 0] == 99.0
