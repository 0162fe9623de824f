"""Hidden checks for 03_jacobians_and_chain_rule (instructor only; never in the student's
notebook)."""

from __future__ import annotations

import numpy as np
from nncourse.checking import Check, register
from nncourse.checks.nb03 import (
    COPY_HINT,
    judge_activation,
    judge_chain,
    judge_descent,
    judge_gradient,
    judge_jacobian,
    judge_linear_jacobian,
    judge_softmax_jacobian,
    judge_unchanged_list,
    linear_case,
    random_chain,
    reference_softmax,
    scalar_case,
    unchanged,
    vector_case,
)
from nncourse.compare import compare
from nncourse.verdict import first_failure


@register
class NumericalGradientHiddenShapes(Check):
    """numerical_gradient on a 3-D x, a 0-d x and with a custom eps; x unchanged."""

    name = "numerical_gradient_hidden_shapes"

    def probe(self, numerical_gradient):
        f3, _, x3 = scalar_case("logsumexp", (2, 3, 2), 4)
        f0, _, x0 = scalar_case("coupled", (), 5)
        given3, given0 = x3.copy(), x0.copy()
        return {"cube": numerical_gradient(f3, given3, eps=1e-5),
                "scalar": numerical_gradient(f0, given0), "after3": given3, "after0": given0}

    def judge(self, seen):
        _, t3, x3 = scalar_case("logsumexp", (2, 3, 2), 4)
        _, t0, x0 = scalar_case("coupled", (), 5)
        return first_failure(
            judge_gradient("numerical_gradient at x of shape (2, 3, 2), eps=1e-5", seen["cube"],
                           t3, x3, rtol=1e-5, atol=1e-5),
            judge_gradient("numerical_gradient at a 0-d array x", seen["scalar"], t0, x0),
            unchanged("numerical_gradient (3-D x)", seen["after3"], x3),
            unchanged("numerical_gradient (0-d x)", seen["after0"], x0))


@register
class NumericalJacobianHidden(Check):
    """numerical_jacobian for a 2-D input with many outputs, and a (1, n) Jacobian."""

    name = "numerical_jacobian_hidden"

    def probe(self, numerical_jacobian):
        f1, _, x1 = vector_case("tanh_affine", (2, 2), 7, out=6)
        f2, _, x2 = vector_case("tanh_affine", (5,), 8, out=1)
        given1, given2 = x1.copy(), x2.copy()
        return {"wide": numerical_jacobian(f1, given1), "row": numerical_jacobian(f2, given2),
                "after1": given1, "after2": given2}

    def judge(self, seen):
        f1, t1, x1 = vector_case("tanh_affine", (2, 2), 7, out=6)
        f2, t2, x2 = vector_case("tanh_affine", (5,), 8, out=1)
        return first_failure(
            judge_jacobian("numerical_jacobian: 6 outputs of a (2, 2) input", seen["wide"],
                           f1, t1, x1),
            judge_jacobian("numerical_jacobian: 1 output of a (5,) input", seen["row"],
                           f2, t2, x2),
            unchanged("numerical_jacobian (2-D x)", seen["after1"], x1),
            unchanged("numerical_jacobian (1 output)", seen["after2"], x2))


class ActivationGradHidden(Check):
    """Derivative on a 3-D array and at large magnitudes (finite, saturated)."""

    kind = ""

    def probe(self, fn):
        cube = np.random.default_rng(31).normal(scale=4.0, size=(2, 3, 4))
        big = np.array([-1000.0, -40.0, -1e-8, 1e-8, 40.0, 1000.0])
        return {"cube": fn(cube.copy()), "big": fn(big.copy())}

    def judge(self, seen):
        import torch
        from nncourse.gradcheck import torch_gradient

        cube = np.random.default_rng(31).normal(scale=4.0, size=(2, 3, 4))
        big = np.array([-1000.0, -40.0, -1e-8, 1e-8, 40.0, 1000.0])
        act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[self.kind]
        expected_big = torch_gradient(lambda t: act(t).sum(), big)[0]
        return first_failure(
            judge_activation(self.kind, f"{self.kind}_grad of a (2, 3, 4) array", seen["cube"],
                             cube, ()),
            compare(f"{self.kind}_grad([-1000, -40, -1e-8, 1e-8, 40, 1000])", seen["big"],
                    expected_big, rtol=1e-9, atol=1e-12,
                    hints=("Large |z| must give a finite derivative (about 0 for the "
                           "saturating functions): use a stable sigmoid/np.tanh.",)))


@register
class SigmoidGradHidden(ActivationGradHidden):
    """sigmoid_grad on a 3-D array and at |z| up to 1000."""

    name = "sigmoid_grad_hidden"
    kind = "sigmoid"


@register
class TanhGradHidden(ActivationGradHidden):
    """tanh_grad on a 3-D array and at |z| up to 1000."""

    name = "tanh_grad_hidden"
    kind = "tanh"


@register
class ReluGradHidden(ActivationGradHidden):
    """relu_grad on a 3-D array, at tiny and huge magnitudes."""

    name = "relu_grad_hidden"
    kind = "relu"

    def probe(self, fn):
        seen = super().probe(fn)
        seen["zeros"] = fn(np.zeros((2, 3)))
        return seen

    def judge(self, seen):
        return first_failure(compare("relu_grad(np.zeros((2, 3)))", seen["zeros"],
                                     np.zeros((2, 3)), atol=0.0, rtol=0.0),
                             super().judge(seen))


@register
class SoftmaxHiddenShapes(Check):
    """softmax of a (2, 3, 4) array (last axis), a single class, and shifted scores."""

    name = "softmax_hidden_shapes"

    def probe(self, softmax):
        cube = np.random.default_rng(41).normal(scale=3.0, size=(2, 3, 4))
        return {"cube": softmax(cube.copy()), "single": softmax(np.array([[3.0], [-2.0]])),
                "shifted": softmax(np.array([1.0, 2.0, 3.0]) + 500.0)}

    def judge(self, seen):
        cube = np.random.default_rng(41).normal(scale=3.0, size=(2, 3, 4))
        return first_failure(
            compare("softmax of a (2, 3, 4) array (over the last axis)", seen["cube"],
                    reference_softmax(cube)),
            compare("softmax of a (2, 1) array", seen["single"], np.ones((2, 1))),
            compare("softmax([501, 502, 503])", seen["shifted"],
                    reference_softmax(np.array([1.0, 2.0, 3.0]))))


@register
class SoftmaxJacobianHidden(Check):
    """softmax_jacobian with K = 6, with scores of magnitude 1000, and with K = 1."""

    name = "softmax_jacobian_hidden"
    BIG = np.array([1000.0, 0.0, -1000.0, 999.0])

    def probe(self, softmax_jacobian):
        z6 = np.random.default_rng(51).normal(scale=2.0, size=6)
        return {"six": softmax_jacobian(z6.copy()), "big": softmax_jacobian(self.BIG.copy()),
                "one": softmax_jacobian(np.array([0.3]))}

    def judge(self, seen):
        z6 = np.random.default_rng(51).normal(scale=2.0, size=6)
        p = reference_softmax(self.BIG)
        return first_failure(
            judge_softmax_jacobian("softmax_jacobian of z with shape (6,)", seen["six"], z6),
            compare("softmax_jacobian([1000, 0, -1000, 999])", seen["big"],
                    np.diag(p) - np.outer(p, p), atol=1e-12,
                    hints=("Compute p with a stable softmax first.",)),
            compare("softmax_jacobian([0.3])", seen["one"], np.zeros((1, 1))))


@register
class LinearJacobianHidden(Check):
    """linear_jacobian_wrt_weights for square W (index order matters) and for n = 1."""

    name = "linear_jacobian_hidden"

    def probe(self, linear_jacobian_wrt_weights):
        x3, _ = linear_case(3, 3, 61)
        x1, _ = linear_case(1, 2, 62)
        return {"square": linear_jacobian_wrt_weights(x3.copy(), 3),
                "thin": linear_jacobian_wrt_weights(x1.copy(), 2)}

    def judge(self, seen):
        x3, W3 = linear_case(3, 3, 61)
        x1, W1 = linear_case(1, 2, 62)
        return first_failure(
            judge_linear_jacobian("linear_jacobian_wrt_weights(x (3,), m=3)", seen["square"],
                                  x3, W3),
            judge_linear_jacobian("linear_jacobian_wrt_weights(x (1,), m=2)", seen["thin"],
                                  x1, W1))


@register
class ChainJacobiansHidden(Check):
    """chain_jacobians of one Jacobian, of a long chain, and with a scalar output (1, d)."""

    name = "chain_jacobians_hidden"
    LONG = (2, 5, 3, 6, 4, 1)

    def probe(self, chain_jacobians):
        one = random_chain([3, 5], 71)
        long = random_chain(list(self.LONG), 72)
        given = [J.copy() for J in long]
        return {"one": chain_jacobians([one[0].copy()]), "long": chain_jacobians(given),
                "after": given}

    def judge(self, seen):
        one = random_chain([3, 5], 71)
        long = random_chain(list(self.LONG), 72)
        return first_failure(
            judge_chain("chain_jacobians of a single (5, 3) Jacobian", seen["one"], one),
            judge_chain(f"chain_jacobians of shapes {[J.shape for J in long]}", seen["long"],
                        long),
            judge_unchanged_list("chain_jacobians", seen["after"], long))


@register
class GradientDescentHidden(Check):
    """gradient_descent with a matrix-shaped theta, with steps = 0, and on a coupled quadratic."""

    name = "gradient_descent_hidden"
    SCALES = np.array([[1.0, 3.0], [0.5, 2.0]])
    A = np.array([[3.0, 1.0], [1.0, 2.0]])

    def probe(self, gradient_descent):
        theta0 = np.array([[1.0, -1.0], [2.0, 0.5]])
        matrix = gradient_descent(lambda th: self.SCALES * th, theta0, 0.3, 7)
        zero = gradient_descent(lambda th: self.SCALES * th, theta0, 0.3, 0)
        coupled = gradient_descent(lambda th: self.A @ th, np.array([1.0, -2.0]), 0.1, 9)
        return {"matrix": matrix, "zero": zero, "coupled": coupled, "after": theta0}

    def judge(self, seen):
        theta0 = np.array([[1.0, -1.0], [2.0, 0.5]])
        t = np.arange(8)[:, None, None]
        matrix = (1.0 - 0.3 * self.SCALES) ** t * theta0
        step = np.eye(2) - 0.1 * self.A
        coupled = [np.array([1.0, -2.0])]
        for _ in range(9):
            coupled.append(step @ coupled[-1])
        return first_failure(
            judge_descent("gradient_descent with theta0 of shape (2, 2), 7 steps",
                          seen["matrix"], matrix),
            judge_descent("gradient_descent with steps = 0", seen["zero"], theta0[None]),
            judge_descent("gradient_descent on the quadratic with Hessian [[3, 1], [1, 2]]",
                          seen["coupled"], np.array(coupled)),
            unchanged("gradient_descent (theta0)", seen["after"], theta0, COPY_HINT))

