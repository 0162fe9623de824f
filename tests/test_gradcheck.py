"""The gradient checker: centred differences, torch oracle, and the combined verdict."""

import numpy as np
import pytest
import torch
from nncourse.gradcheck import (
    finite_difference_gradient,
    finite_difference_jacobian,
    finite_difference_vjp,
    gradient_check,
    torch_gradient,
    torch_jacobian,
)

RNG = np.random.default_rng(3)


def test_gradient_of_known_function_and_x_restored():
    x = RNG.normal(size=(3, 4))
    before = x.copy()
    grad = finite_difference_gradient(lambda z: np.sum(np.sin(z) * z), x)
    np.testing.assert_allclose(grad, np.cos(before) * before + np.sin(before), atol=1e-8)
    np.testing.assert_array_equal(x, before)


def test_centred_differences_are_second_order():
    x = np.array([0.7])
    exact = 3 * np.exp(3 * 0.7)
    error_big = abs(finite_difference_gradient(lambda z: np.exp(3 * z).sum(), x, 1e-2) - exact)
    error_small = abs(finite_difference_gradient(lambda z: np.exp(3 * z).sum(), x, 1e-3) - exact)
    assert error_big / error_small == pytest.approx(100, rel=0.05)


def test_jacobian_orientation_rows_are_outputs():
    A = RNG.normal(size=(2, 5))
    x = RNG.normal(size=5)
    J = finite_difference_jacobian(lambda z: A @ z, x)
    assert J.shape == (2, 5)
    np.testing.assert_allclose(J, A, atol=1e-8)


def test_vjp_matches_transpose_product():
    A = RNG.normal(size=(4, 3))
    upstream = RNG.normal(size=4)
    x = RNG.normal(size=3)
    np.testing.assert_allclose(finite_difference_vjp(lambda z: A @ z, x, upstream),
                               upstream @ A, atol=1e-8)


def test_torch_oracle_agrees_with_finite_differences():
    x = RNG.normal(size=(2, 3))
    w = RNG.normal(size=3)
    (gx, gw) = torch_gradient(lambda a, b: torch.tanh(a @ b).sum(), x, w)
    np.testing.assert_allclose(gx, finite_difference_gradient(lambda z: np.tanh(z @ w).sum(), x),
                               atol=1e-7)
    assert gw.shape == (3,)
    J = torch_jacobian(torch.sigmoid, x)
    assert J.shape == (6, 6)
    np.testing.assert_allclose(np.diag(J), (1 / (1 + np.exp(-x)) * (1 - 1 / (1 + np.exp(-x))))
                               .ravel(), atol=1e-12)


def test_gradient_check_names_missing_one_over_n():
    X = RNG.normal(size=(5, 3))
    W = RNG.normal(size=(3, 2))

    def loss(w):
        return np.mean(np.sum((X @ w) ** 2, axis=1))

    correct = 2 * X.T @ (X @ W) / 5
    numeric = finite_difference_gradient(loss, W)
    (oracle,) = torch_gradient(lambda w: ((torch.as_tensor(X) @ w) ** 2).sum(1).mean(), W)
    assert gradient_check("dW", correct, numeric, oracle=oracle, n=5).passed
    verdict = gradient_check("dW", correct * 5, numeric, oracle=oracle, n=5)
    assert not verdict.passed and "missing 1/N" in verdict.message
    verdict = gradient_check("dW", correct.T, numeric, n=5)
    assert "transposed" in verdict.message


def test_gradient_check_uses_oracle_when_numeric_agrees():
    grad = np.ones(3)
    verdict = gradient_check("g", grad, grad, oracle=-grad)
    assert not verdict.passed and "torch" in verdict.message


@pytest.mark.parametrize("make", [lambda A: A.T, lambda A: A[:, ::2], lambda A: A.astype(int)])
def test_finite_differences_of_non_contiguous_and_integer_arrays(make):
    """W.T, A[:, ::2] and integer arrays: every perturbation reaches f (no silent zeros)."""
    A = make(np.arange(12.0).reshape(3, 4) - 5.0)
    before = A.copy()
    grad = finite_difference_gradient(lambda x: float(np.sum(x ** 2)), A)
    np.testing.assert_allclose(grad, 2 * A, atol=1e-5)
    jac = finite_difference_jacobian(lambda x: 3 * x, A)
    np.testing.assert_allclose(jac, 3 * np.eye(A.size), atol=1e-5)
    np.testing.assert_array_equal(A, before)


def test_jacobian_of_a_function_that_returns_its_input():
    """f(x) = x (or a view of it): the differences are taken of copies, not of x itself."""
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(finite_difference_jacobian(lambda v: v, x), np.eye(3), atol=1e-6)
    np.testing.assert_allclose(finite_difference_jacobian(lambda v: v[::-1], x),
                               np.eye(3)[::-1], atol=1e-6)
