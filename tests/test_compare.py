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
    (EXPECTED * 2.5, "2.5 times"),
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
