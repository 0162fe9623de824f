"""Visible checks for 03_jacobians_and_chain_rule: finite differences, activation derivatives,
softmax and its Jacobian, Jacobians with respect to a matrix, the chain rule, gradient descent.

Every expectation comes from torch autograd (``nncourse.gradcheck.torch_gradient`` /
``torch_jacobian``), from centred differences on an oracle forward function written here, or
from a closed form; never from the student's code.
"""

from __future__ import annotations

import numpy as np

from nncourse.checking import Check, register
from nncourse.compare import compare
from nncourse.gradcheck import (
    finite_difference_gradient,
    finite_difference_jacobian,
    gradient_check,
    torch_gradient,
    torch_jacobian,
)
from nncourse.verdict import Verdict, first_failure

# --------------------------------------------------------------------------------------------
# Test functions: each has a numpy form (handed to the student's code) and a torch form (the
# oracle). ``scalar_case`` / ``vector_case`` rebuild the same function and point from literals.
# --------------------------------------------------------------------------------------------


def _weights(shape, seed):
    """A fixed, non-constant weight array of ``shape``: different partials per entry."""
    size = int(np.prod(shape)) if len(shape) else 1
    return np.linspace(-1.0, 1.5, size).reshape(shape) + 0.1 * seed


def scalar_case(name: str, shape, seed: int = 0):
    """(numpy f, torch f, x) for a scalar function of an array of ``shape``.

    coupled:   (sum(a * x))^2 + sum(sin x)      partials all differ, not separable
    logsumexp: log(sum(exp(x))) + sum(a * x^2)  softmax-like, not separable
    exp3:      sum(exp(3 x))                    large curvature: exposes forward differences
    """
    import torch

    shape = tuple(shape)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=shape)
    a = _weights(shape, seed)
    if name == "coupled":
        def f_np(z):
            z = np.asarray(z, dtype=np.float64)
            return float(np.sum(a * z) ** 2 + np.sum(np.sin(z)))

        def f_torch(t):
            return torch.sum(torch.as_tensor(a) * t) ** 2 + torch.sum(torch.sin(t))
    elif name == "logsumexp":
        def f_np(z):
            z = np.asarray(z, dtype=np.float64)
            m = np.max(z)
            return float(m + np.log(np.sum(np.exp(z - m))) + np.sum(a * z * z))

        def f_torch(t):
            return torch.logsumexp(t.reshape(-1), 0) + torch.sum(torch.as_tensor(a) * t * t)
    elif name == "exp3":
        x = np.linspace(-0.5, 0.6, int(np.prod(shape))).reshape(shape)

        def f_np(z):
            return float(np.sum(np.exp(3.0 * np.asarray(z, dtype=np.float64))))

        def f_torch(t):
            return torch.sum(torch.exp(3.0 * t))
    else:
        raise ValueError(f"unknown scalar test function {name!r}")
    return f_np, f_torch, x


def vector_case(name: str, shape, seed: int = 0, out: int = 4):
    """(numpy f, torch f, x) for an array-valued function of an array of ``shape``.

    tanh_affine: tanh(A x.ravel() + b), ``out`` outputs           (out, x.size) Jacobian
    matrix_map:  exp(X / 2) @ B for X (r, c), B (c, 2)             (2r, r*c) Jacobian
    exp3_sum:    [exp(3 x), sum(x)] flattened                       large curvature
    """
    import torch

    shape = tuple(shape)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=shape)
    size = int(np.prod(shape))
    if name == "tanh_affine":
        A, b = rng.normal(size=(out, size)), rng.normal(size=out)

        def f_np(z):
            return np.tanh(A @ np.asarray(z, dtype=np.float64).reshape(-1) + b)

        def f_torch(t):
            return torch.tanh(torch.as_tensor(A) @ t.reshape(-1) + torch.as_tensor(b))
    elif name == "matrix_map":
        B = rng.normal(size=(shape[-1], 2))

        def f_np(z):
            return np.exp(0.5 * np.asarray(z, dtype=np.float64)) @ B

        def f_torch(t):
            return torch.exp(0.5 * t) @ torch.as_tensor(B)
    elif name == "exp3_sum":
        x = np.linspace(-0.5, 0.6, size).reshape(shape)

        def f_np(z):
            z = np.asarray(z, dtype=np.float64).reshape(-1)
            return np.concatenate([np.exp(3.0 * z), [np.sum(z)]])

        def f_torch(t):
            t = t.reshape(-1)
            return torch.cat([torch.exp(3.0 * t), torch.sum(t).reshape(1)])
    else:
        raise ValueError(f"unknown vector test function {name!r}")
    return f_np, f_torch, x


def exp3_forward_difference(x, eps):
    """What forward differences give for sum(exp(3x)): (f(x + eps e_i) - f(x)) / eps."""
    return (np.exp(3.0 * (x + eps)) - np.exp(3.0 * x)) / eps


def reference_softmax(z) -> np.ndarray:
    """torch's softmax along the last axis: the oracle."""
    import torch

    return torch.softmax(torch.as_tensor(np.asarray(z, dtype=np.float64)), dim=-1).numpy()


def numpy_softmax(z):
    """A stable numpy softmax on the last axis (oracle forward function for differences)."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


NUDGE_HINT = ("If you nudge x[i] by +eps and -eps in place, put the saved value back before "
              "moving to the next entry (or work on a copy of x).")
COPY_HINT = ("An in-place update such as `a -= ...` changes the caller's array; write "
             "`a = a - ...` or start from a copy (np.array(a, dtype=float)).")


def unchanged(name: str, after, before, hint: str = NUDGE_HINT) -> Verdict:
    """``after`` must equal ``before`` up to round-off (a function never mutates its inputs)."""
    after = np.asarray(after, dtype=np.float64)
    if after.shape != np.shape(before) or not np.allclose(after, before, rtol=1e-12,
                                                          atol=1e-12):
        moved = (float(np.max(np.abs(after - before))) if after.shape == np.shape(before)
                 else float("nan"))
        return Verdict.fail(
            f"{name}: the input array was changed by the call (largest change {moved:.3g}); "
            "it must be left exactly as it was.", hint)
    return Verdict.ok()


def _same_everywhere(got) -> bool:
    got = np.asarray(got, dtype=np.float64)
    return got.size > 1 and bool(np.allclose(got, got.reshape(-1)[0]))


# --------------------------------------------------------------------------------------------
# numerical_gradient
# --------------------------------------------------------------------------------------------

GRADIENT_CASES = (("coupled", (3, 4)), ("logsumexp", (5,)))


def judge_gradient(label: str, got, f_torch, x, rtol=1e-5, atol=1e-6) -> Verdict:
    expected = torch_gradient(f_torch, x)[0]
    verdict = compare(label, got, expected, rtol=rtol, atol=atol,
                      hints=("Perturb one entry at a time: "
                             "(f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for every index i.",))
    if not verdict.passed and _same_everywhere(got) and not _same_everywhere(expected):
        verdict.message += ("\n  likely cause: every entry got the same value: was eps added "
                            "to the whole array instead of to one entry?")
    return verdict


@register
class NumericalGradientValues(Check):
    """numerical_gradient matches torch autograd on non-separable functions of (5,) and (3, 4)."""

    name = "numerical_gradient_values"

    def probe(self, numerical_gradient, seed=0):
        seen = {}
        for name, shape in GRADIENT_CASES:
            f_np, _, x = scalar_case(name, shape, seed)
            seen[name] = numerical_gradient(f_np, x.copy())
        return seen

    def judge(self, seen, seed=0):
        verdicts = []
        for name, shape in GRADIENT_CASES:
            _, f_torch, x = scalar_case(name, shape, seed)
            verdicts.append(judge_gradient(f"numerical_gradient of the {name!r} function at x "
                                           f"of shape {shape}", seen[name], f_torch, x))
        return first_failure(*verdicts)


@register
class NumericalGradientCentral(Check):
    """numerical_gradient uses central differences: error O(eps^2) at eps = 1e-3."""

    name = "numerical_gradient_central"

    def probe(self, numerical_gradient, eps=1e-3, n=4):
        f_np, _, x = scalar_case("exp3", (n,))
        return {"grad": numerical_gradient(f_np, x.copy(), eps=eps)}

    def judge(self, seen, eps=1e-3, n=4):
        _, f_torch, x = scalar_case("exp3", (n,))
        expected = torch_gradient(f_torch, x)[0]
        # central differences are off by about eps^2 * 9/2 (relative 1.5e-6 at eps = 1e-3);
        # forward differences by about eps * 3/2 (relative 1.5e-3)
        verdict = compare(f"numerical_gradient(sum(exp(3x)), x, eps={eps}) (vs. the exact "
                          "gradient 3 exp(3x))", seen["grad"], expected, rtol=2e-5, atol=0.0,
                          hints=("Use central differences (f(x + eps) - f(x - eps)) / (2 eps): "
                                 "their error shrinks like eps**2, forward differences' only "
                                 "like eps.",))
        if not verdict.passed:
            got = np.asarray(seen["grad"], dtype=np.float64)
            if got.shape == x.shape and np.allclose(got, exp3_forward_difference(x, eps),
                                                    rtol=1e-6):
                verdict.message += ("\n  likely cause: these are forward differences "
                                    "(f(x + eps) - f(x)) / eps, whose error is O(eps).")
            elif got.shape == x.shape and np.allclose(got, exp3_forward_difference(x, -eps),
                                                      rtol=1e-6):
                verdict.message += ("\n  likely cause: these are backward differences "
                                    "(f(x) - f(x - eps)) / eps, whose error is O(eps).")
            elif got.shape == x.shape and np.allclose(got, 2 * expected, rtol=1e-4):
                verdict.message += "\n  likely cause: divided by eps instead of 2 * eps."
        return verdict


@register
class NumericalGradientLeavesX(Check):
    """numerical_gradient leaves x unchanged (2-D x, default and explicit eps)."""

    name = "numerical_gradient_leaves_x"

    def probe(self, numerical_gradient, seed=1):
        f_np, _, x = scalar_case("coupled", (2, 3), seed)
        x1, x2 = x.copy(), x.copy()
        numerical_gradient(f_np, x1)
        numerical_gradient(f_np, x2, eps=1e-3)
        return {"after_default": x1, "after_1e-3": x2}

    def judge(self, seen, seed=1):
        _, _, x = scalar_case("coupled", (2, 3), seed)
        return first_failure(
            unchanged("numerical_gradient(f, x)", seen["after_default"], x),
            unchanged("numerical_gradient(f, x, eps=1e-3)", seen["after_1e-3"], x))


# --------------------------------------------------------------------------------------------
# numerical_jacobian
# --------------------------------------------------------------------------------------------

JACOBIAN_CASES = (("tanh_affine", (3,)), ("matrix_map", (2, 3)))


def judge_jacobian(label: str, got, f_np, f_torch, x, eps=1e-6, rtol=1e-5,
                   atol=1e-6) -> Verdict:
    oracle = torch_jacobian(f_torch, x)
    numeric = finite_difference_jacobian(f_np, x.copy(), eps=eps)
    verdict = gradient_check(label, got, numeric, oracle=oracle, rtol=rtol, atol=atol,
                             hints=("Row i holds the derivatives of output i (flattened); "
                                    "column j the derivatives with respect to input j "
                                    "(flattened): shape (f(x).size, x.size).",))
    got = np.asarray(got, dtype=np.float64) if not verdict.passed else None
    if got is not None and got.shape == oracle.shape[::-1] and got.shape != oracle.shape:
        verdict.message += ("\n  likely cause: transposed: column i should be the "
                            "perturbation of input i.")
    return verdict


@register
class NumericalJacobianValues(Check):
    """numerical_jacobian: (f(x).size, x.size), row i = output i; matches torch; x unchanged."""

    name = "numerical_jacobian_values"

    def probe(self, numerical_jacobian, seed=0):
        seen = {}
        for name, shape in JACOBIAN_CASES:
            f_np, _, x = vector_case(name, shape, seed)
            given = x.copy()
            seen[name] = {"jac": numerical_jacobian(f_np, given), "after": given}
        return seen

    def judge(self, seen, seed=0):
        verdicts = []
        for name, shape in JACOBIAN_CASES:
            f_np, f_torch, x = vector_case(name, shape, seed)
            verdicts.append(judge_jacobian(f"numerical_jacobian of {name!r} at x of shape "
                                           f"{shape}", seen[name]["jac"], f_np, f_torch, x))
            verdicts.append(unchanged(f"numerical_jacobian of {name!r}", seen[name]["after"], x))
        return first_failure(*verdicts)


@register
class NumericalJacobianCentral(Check):
    """numerical_jacobian uses central differences: error O(eps^2) at eps = 1e-3."""

    name = "numerical_jacobian_central"

    def probe(self, numerical_jacobian, eps=1e-3, n=3):
        f_np, _, x = vector_case("exp3_sum", (n,))
        return {"jac": numerical_jacobian(f_np, x.copy(), eps=eps)}

    def judge(self, seen, eps=1e-3, n=3):
        _, f_torch, x = vector_case("exp3_sum", (n,))
        expected = torch_jacobian(f_torch, x)
        verdict = compare(f"numerical_jacobian([exp(3x), sum(x)], x, eps={eps}) (vs. torch)",
                          seen["jac"], expected, rtol=2e-5, atol=1e-9,
                          hints=("Use central differences (f(x + eps e_j) - f(x - eps e_j)) / "
                                 "(2 eps) for column j.",))
        got = np.asarray(seen["jac"], dtype=np.float64)
        if not verdict.passed and got.shape == expected.shape:
            forward = expected.copy()
            forward[:n, :n] = np.diag(exp3_forward_difference(x, eps))
            if np.allclose(got, forward, rtol=1e-6, atol=1e-9):
                verdict.message += ("\n  likely cause: forward differences "
                                    "(f(x + eps) - f(x)) / eps, whose error is O(eps).")
        return verdict


# --------------------------------------------------------------------------------------------
# Activation derivatives
# --------------------------------------------------------------------------------------------


def activation_grid(seed):
    """A (2, 7) grid spanning the interesting range, and a (3, 4) random array."""
    grid = np.linspace(-6.0, 6.0, 14).reshape(2, 7)
    random = np.random.default_rng(seed).normal(scale=3.0, size=(3, 4))
    return grid, random


def _torch_activation(kind):
    import torch

    return {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[kind]


def _numpy_activation(kind):
    return {"sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)), "tanh": np.tanh,
            "relu": lambda z: np.maximum(z, 0.0)}[kind]


def judge_activation(kind: str, label: str, got, z, hints) -> Verdict:
    """Elementwise derivative: finite differences of sum(f) and torch autograd of sum(f)."""
    act = _torch_activation(kind)
    oracle = torch_gradient(lambda t: act(t).sum(), z)[0]
    f_np = _numpy_activation(kind)
    numeric = finite_difference_gradient(lambda v: np.sum(f_np(v)), z.copy())
    return gradient_check(label, got, numeric, oracle=oracle, rtol=1e-5, atol=1e-7, hints=hints)


class ActivationGradValues(Check):
    kind = ""
    hints: tuple[str, ...] = ()

    def probe(self, fn, seed=0):
        grid, random = activation_grid(seed)
        return {"grid": fn(grid.copy()), "random": fn(random.copy())}

    def judge(self, seen, seed=0):
        grid, random = activation_grid(seed)
        return first_failure(
            judge_activation(self.kind, f"{self.kind}_grad on a (2, 7) grid in [-6, 6]",
                             seen["grid"], grid, self.hints),
            judge_activation(self.kind, f"{self.kind}_grad of a (3, 4) array", seen["random"],
                             random, self.hints))


@register
class SigmoidGradValues(ActivationGradValues):
    """sigmoid_grad matches finite differences and torch autograd, elementwise."""

    name = "sigmoid_grad_values"
    kind = "sigmoid"
    hints = ("The derivative of the sigmoid is written with the sigmoid itself.",
             "sigma'(z) = sigma(z) * (1 - sigma(z)).")

    def judge(self, seen, seed=0):
        verdict = super().judge(seen, seed)
        grid, _ = activation_grid(seed)
        got = np.asarray(seen["grid"], dtype=np.float64)
        s = 0.5 * (1.0 + np.tanh(0.5 * grid))
        if not verdict.passed and got.shape == grid.shape and np.allclose(got, s):
            verdict.message += "\n  likely cause: that is sigma(z) itself, not its derivative."
        return verdict


@register
class TanhGradValues(ActivationGradValues):
    """tanh_grad matches finite differences and torch autograd, elementwise."""

    name = "tanh_grad_values"
    kind = "tanh"
    hints = ("The derivative of tanh is written with tanh(z), not with z.",
             "tanh'(z) = 1 - tanh(z)**2.")

    def judge(self, seen, seed=0):
        verdict = super().judge(seen, seed)
        grid, _ = activation_grid(seed)
        got = np.asarray(seen["grid"], dtype=np.float64)
        if not verdict.passed and got.shape == grid.shape and np.allclose(got, 1 - grid ** 2):
            verdict.message += ("\n  likely cause: 1 - z**2 is the derivative written in terms "
                                "of the *output* a = tanh(z); here the argument is z.")
        return verdict


@register
class ReluGradValues(Check):
    """relu_grad is 1 for z > 0 and 0 for z <= 0 (including z = 0); matches torch."""

    name = "relu_grad_values"
    SPECIAL = np.array([[-2.0, -1e-3, 0.0], [1e-3, 2.0, 0.0]])

    def probe(self, relu_grad, seed=0):
        grid, random = activation_grid(seed)
        return {"special": relu_grad(self.SPECIAL.copy()), "grid": relu_grad(grid.copy()),
                "random": relu_grad(random.copy())}

    def judge(self, seen, seed=0):
        grid, random = activation_grid(seed)
        hints = ("relu(z) = max(z, 0) has slope 1 where z > 0 and slope 0 where z < 0; the "
                 "course's convention is relu'(0) = 0.",)
        expected = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
        verdict = compare("relu_grad([[-2, -0.001, 0], [0.001, 2, 0]])", seen["special"],
                          expected, atol=0.0, rtol=0.0, hints=hints)
        got = np.asarray(seen["special"], dtype=np.float64)
        if not verdict.passed and got.shape == expected.shape:
            if got[0, 2] != 0.0 and got[0, 0] == 0.0:
                verdict.message += "\n  likely cause: relu_grad(0) should be 0 (use z > 0)."
            elif got[0, 0] != 0.0:
                verdict.message += "\n  likely cause: negative inputs must have derivative 0."
        return first_failure(
            verdict,
            judge_activation("relu", "relu_grad on a (2, 7) grid", seen["grid"], grid, hints),
            judge_activation("relu", "relu_grad of a (3, 4) array", seen["random"], random,
                             hints))


# --------------------------------------------------------------------------------------------
# softmax and its Jacobian
# --------------------------------------------------------------------------------------------


@register
class SoftmaxValues(Check):
    """softmax matches torch.softmax along the last axis for (5,) and (3, 5) inputs."""

    name = "softmax_values"

    def probe(self, softmax, seed=0):
        rng = np.random.default_rng(seed)
        z1, z2 = rng.normal(scale=2.0, size=5), rng.normal(scale=2.0, size=(3, 5))
        given = z2.copy()
        return {"one": softmax(z1.copy()), "batch": softmax(given), "after": given}

    def judge(self, seen, seed=0):
        rng = np.random.default_rng(seed)
        z1, z2 = rng.normal(scale=2.0, size=5), rng.normal(scale=2.0, size=(3, 5))
        hints = ("softmax(z)_i = exp(z_i) / sum_j exp(z_j), with the sum over the last axis "
                 "(one distribution per row); keep that axis (keepdims=True) when dividing.",)
        batch = compare("softmax of a (3, 5) array (one distribution per row)", seen["batch"],
                        reference_softmax(z2), hints=hints)
        got = np.asarray(seen["batch"], dtype=np.float64)
        if not batch.passed and got.shape == z2.shape:
            if np.allclose(got.sum(axis=0), 1.0):
                batch.message += ("\n  likely cause: the columns sum to 1: normalised over "
                                  "axis 0 instead of the last axis.")
            elif np.isclose(got.sum(), 1.0):
                batch.message += ("\n  likely cause: all 15 entries sum to 1: the sum ran over "
                                  "the whole array instead of each row.")
        return first_failure(
            compare("softmax of a (5,) vector", seen["one"], reference_softmax(z1), hints=hints),
            batch, unchanged("softmax", seen["after"], z2, COPY_HINT))


@register
class SoftmaxStable(Check):
    """softmax is finite, warning-free and correct for scores of magnitude 1000."""

    name = "softmax_stable"
    warnings_fail = True
    Z1 = np.array([1000.0, 999.0, 998.0])
    Z2 = np.array([[-1000.0, 0.0, 1000.0], [1000.0, 1000.0, 1000.0], [-1000.0, -1000.0, -999.0]])

    def probe(self, softmax):
        return {"one": softmax(self.Z1.copy()), "batch": softmax(self.Z2.copy())}

    def judge(self, seen):
        hints = ("exp(1000) overflows. Subtracting the maximum of each row first does not "
                 "change the result (it cancels between numerator and denominator).",)
        return first_failure(
            compare("softmax([1000, 999, 998])", seen["one"], reference_softmax(self.Z1),
                    atol=1e-12, hints=hints),
            compare("softmax of rows with entries of magnitude 1000", seen["batch"],
                    reference_softmax(self.Z2), atol=1e-12, hints=hints))


def judge_softmax_jacobian(label: str, got, z) -> Verdict:
    import torch

    oracle = torch_jacobian(lambda t: torch.softmax(t, dim=-1), z)
    numeric = finite_difference_jacobian(numpy_softmax, z.copy())
    verdict = gradient_check(label, got, numeric, oracle=oracle, rtol=1e-5, atol=1e-7,
                             hints=("d p_i / d z_j = p_i (delta_ij - p_j).",
                                    "J = diag(p) - outer(p, p), a (K, K) matrix."))
    got = np.asarray(got, dtype=np.float64) if not verdict.passed else None
    if got is not None and got.shape == oracle.shape:
        p = reference_softmax(z)
        if np.allclose(got, -np.outer(p, p)):
            verdict.message += "\n  likely cause: the diagonal term diag(p) is missing."
        elif np.allclose(got, np.diag(p)):
            verdict.message += "\n  likely cause: the term -outer(p, p) is missing."
        elif np.allclose(got, np.diag(p) - np.outer(z, z)) or np.allclose(
                got, np.diag(z) - np.outer(z, z)):
            verdict.message += "\n  likely cause: used the scores z where p = softmax(z) belongs."
    return verdict


@register
class SoftmaxJacobianValues(Check):
    """softmax_jacobian(z) for z (K,) is diag(p) - p p^T: matches torch and finite differences."""

    name = "softmax_jacobian_values"

    def probe(self, softmax_jacobian, seed=0, k=4):
        z = np.random.default_rng(seed).normal(scale=1.5, size=k)
        given = z.copy()
        return {"jac": softmax_jacobian(given), "after": given}

    def judge(self, seen, seed=0, k=4):
        z = np.random.default_rng(seed).normal(scale=1.5, size=k)
        return first_failure(judge_softmax_jacobian(f"softmax_jacobian of z with shape ({k},)",
                                                    seen["jac"], z),
                             unchanged("softmax_jacobian", seen["after"], z, COPY_HINT))


# --------------------------------------------------------------------------------------------
# The Jacobian of x @ W with respect to W
# --------------------------------------------------------------------------------------------


def linear_case(n, m, seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=n), rng.normal(size=(n, m))


def judge_linear_jacobian(label: str, got, x, W) -> Verdict:
    import torch

    n, m = W.shape
    xt = torch.as_tensor(x)
    oracle = torch.autograd.functional.jacobian(lambda w: xt @ w, torch.as_tensor(W)).numpy()
    numeric = finite_difference_jacobian(lambda w: x @ w, W.copy()).reshape(m, n, m)
    verdict = gradient_check(label, got, numeric, oracle=oracle, rtol=1e-6, atol=1e-8,
                             hints=("f_i = sum_j x_j W_ji, so d f_i / d W_jk is x_j when k = i "
                                    "and 0 otherwise.",
                                    "J[i, j, k] = x[j] * (1 if i == k else 0); shape (m, n, m)."))
    got = np.asarray(got, dtype=np.float64) if not verdict.passed else None
    if (got is not None and got.shape == oracle.shape and n == m
            and np.allclose(got, np.einsum("ij,k->ijk", np.eye(m), x))):
        verdict.message += ("\n  likely cause: x was put on the last axis: J[i, j, k] = "
                            "x[k] delta_ij, but W_jk multiplies x[j].")
    return verdict


@register
class LinearJacobianValues(Check):
    """linear_jacobian_wrt_weights(x, m): the (m, n, m) tensor dF_i/dW_jk; matches torch."""

    name = "linear_jacobian_values"

    def probe(self, linear_jacobian_wrt_weights, n=3, m=4, seed=0):
        x, _ = linear_case(n, m, seed)
        given = x.copy()
        return {"jac": linear_jacobian_wrt_weights(given, m), "after": given}

    def judge(self, seen, n=3, m=4, seed=0):
        x, W = linear_case(n, m, seed)
        return first_failure(
            judge_linear_jacobian(f"linear_jacobian_wrt_weights(x of shape ({n},), m={m})",
                                  seen["jac"], x, W),
            unchanged("linear_jacobian_wrt_weights", seen["after"], x, COPY_HINT))


# --------------------------------------------------------------------------------------------
# The chain rule
# --------------------------------------------------------------------------------------------


def random_chain(shapes, seed):
    """Jacobians J_1..J_k with J_i of shape (shapes[i], shapes[i-1]) (input size first)."""
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(b, a)) for a, b in zip(shapes[:-1], shapes[1:])]


def expected_chain(jacobians):
    """J_k @ ... @ J_1, multiplied from the output side."""
    result = jacobians[-1]
    for J in reversed(jacobians[:-1]):
        result = result @ J
    return result


def judge_chain(label: str, got, jacobians) -> Verdict:
    expected = expected_chain(jacobians)
    verdict = compare(label, got, expected, rtol=1e-9, atol=1e-10,
                      hints=("The Jacobian of f_k(...f_1(x)) is J_k @ J_(k-1) @ ... @ J_1: the "
                             "*last* function's Jacobian comes first.",))
    got = np.asarray(got, dtype=np.float64) if not verdict.passed else None
    if got is not None and got.shape == expected.shape:
        backwards = jacobians[0]
        for J in jacobians[1:]:
            backwards = backwards @ J
        if np.allclose(got, backwards):
            verdict.message += ("\n  likely cause: multiplied in the wrong order "
                                "(J_1 @ J_2 @ ... @ J_k).")
    return verdict


def judge_unchanged_list(label: str, after, jacobians) -> Verdict:
    if not isinstance(after, list) or len(after) != len(jacobians) or not all(
            np.shape(a) == J.shape and np.array_equal(a, J) for a, J in zip(after, jacobians)):
        return Verdict.fail(f"{label}: the list of Jacobians passed in was changed by the call "
                            "(reordered, emptied or its matrices modified).",
                            "Iterate over the list (reversed(...) or indices) instead of "
                            "reversing, popping or multiplying into it in place.")
    return Verdict.ok()


@register
class ChainJacobiansValues(Check):
    """chain_jacobians gives J_k @ ... @ J_1 for non-square and square chains; list unchanged."""

    name = "chain_jacobians_values"

    def probe(self, chain_jacobians, shapes=(3, 4, 2, 5), square=3, seed=0):
        rect = random_chain(list(shapes), seed)
        squares = random_chain([square] * 4, seed + 1)
        given = [J.copy() for J in squares]
        try:
            out_rect = chain_jacobians([J.copy() for J in rect])
        except ValueError as error:  # typically matmul's shape mismatch
            out_rect = f"raised ValueError: {error}"[:300]
        return {"rect": out_rect, "square": chain_jacobians(given), "after": given}

    def judge(self, seen, shapes=(3, 4, 2, 5), square=3, seed=0):
        rect = random_chain(list(shapes), seed)
        squares = random_chain([square] * 4, seed + 1)
        if isinstance(seen["rect"], str):
            return Verdict.fail(
                f"chain_jacobians of Jacobians with shapes {[J.shape for J in rect]} "
                f"{seen['rect']}",
                "The shapes only fit one way round: J_2 @ J_1 is (d_2, d_1) @ (d_1, d_0). "
                "Multiply with the last function's Jacobian on the left.")
        return first_failure(
            judge_chain(f"chain_jacobians of Jacobians with shapes {[J.shape for J in rect]}",
                        seen["rect"], rect),
            judge_chain(f"chain_jacobians of three ({square}, {square}) Jacobians",
                        seen["square"], squares),
            judge_unchanged_list("chain_jacobians", seen["after"], squares))


def composition_case(seed):
    """x0 and the matrices of softmax(A3 tanh(A1 x)): R^3 -> R^4 -> R^4 -> R^2 -> R^2."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=3), rng.normal(size=(4, 3)), rng.normal(size=(2, 4))


@register
class ChainJacobiansComposition(Check):
    """chain_jacobians of local Jacobians of softmax(A3 tanh(A1 x)) equals torch's Jacobian."""

    name = "chain_jacobians_composition"

    def probe(self, chain_jacobians, seed=0):
        x0, A1, A3 = composition_case(seed)
        h1 = A1 @ x0
        h3 = A3 @ np.tanh(h1)
        p = numpy_softmax(h3)
        local = [A1.copy(), np.diag(1.0 - np.tanh(h1) ** 2), A3.copy(),
                 np.diag(p) - np.outer(p, p)]
        return {"jac": chain_jacobians(local)}

    def judge(self, seen, seed=0):
        import torch

        x0, A1, A3 = composition_case(seed)
        A1t, A3t = torch.as_tensor(A1), torch.as_tensor(A3)
        oracle = torch_jacobian(lambda t: torch.softmax(A3t @ torch.tanh(A1t @ t), dim=-1), x0)
        return compare("chain_jacobians([A1, diag(tanh'), A3, softmax Jacobian]) (vs. torch's "
                       "Jacobian of softmax(A3 tanh(A1 x)))", seen["jac"], oracle, rtol=1e-6,
                       atol=1e-9,
                       hints=("The composite's Jacobian is the product of the local ones, the "
                              "last function's on the left.",))


# --------------------------------------------------------------------------------------------
# Gradient descent
# --------------------------------------------------------------------------------------------

QUADRATIC_RATES = (0.1, 0.9, 1.05)


def quadratic_1d_grad(theta):
    """Gradient of (theta - 2)^2."""
    return 2.0 * (np.asarray(theta, dtype=np.float64) - 2.0)


def ellipse_grad(theta):
    """Gradient of 4 x^2 + y^2 at theta = (x, y): (8x, 2y)."""
    theta = np.asarray(theta, dtype=np.float64)
    return np.array([8.0 * theta[0], 2.0 * theta[1]])


def judge_descent(label: str, got, expected) -> Verdict:
    verdict = compare(label, got, expected, rtol=1e-9, atol=1e-12,
                      hints=("Row 0 is theta0; row t+1 is row t minus lr * grad(row t).",
                             "theta <- theta - lr * grad(theta), keeping every iterate: "
                             "steps + 1 rows."))
    got = np.asarray(got, dtype=np.float64)
    if not verdict.passed:
        if got.shape == expected.shape[1:] or got.size == expected[-1].size:
            verdict.message += ("\n  likely cause: only the last iterate was returned; return "
                                "all of them, stacked.")
        elif got.ndim >= 1 and got.shape[0] == expected.shape[0] - 1:
            verdict.message += "\n  likely cause: the starting point theta0 is missing (row 0)."
    return verdict


@register
class GradientDescentValues(Check):
    """gradient_descent on (theta - 2)^2 (three rates) and on 4x^2 + y^2: every iterate."""

    name = "gradient_descent_values"

    def probe(self, gradient_descent, steps=12):
        seen = {"starts_after": []}
        for lr in QUADRATIC_RATES:
            theta0 = np.array([5.0])
            seen[f"lr={lr}"] = gradient_descent(quadratic_1d_grad, theta0, lr, steps)
            seen["starts_after"].append(theta0)
        start = np.array([1.0, 1.5])
        seen["ellipse"] = gradient_descent(ellipse_grad, start, 0.2, steps)
        seen["start_after"] = start
        return seen

    def judge(self, seen, steps=12):
        t = np.arange(steps + 1)[:, None]
        verdicts = [unchanged("gradient_descent (theta0)", after, np.array([5.0]), COPY_HINT)
                    for after in seen["starts_after"]]
        verdicts.append(unchanged("gradient_descent (theta0)", seen["start_after"],
                                  np.array([1.0, 1.5]), COPY_HINT))
        for lr in QUADRATIC_RATES:
            # theta_t - 2 = (1 - 2 lr)^t (theta_0 - 2)
            expected = 2.0 + 3.0 * (1.0 - 2.0 * lr) ** t
            verdicts.append(judge_descent(
                f"gradient_descent on (theta - 2)^2 from theta0 = [5.0], lr = {lr}, "
                f"steps = {steps}", seen[f"lr={lr}"], expected))
        expected = np.hstack([(1.0 - 8 * 0.2) ** t * 1.0, (1.0 - 2 * 0.2) ** t * 1.5])
        verdicts.append(judge_descent(f"gradient_descent on 4x^2 + y^2 from (1, 1.5), lr = 0.2, "
                                      f"steps = {steps}", seen["ellipse"], expected))
        verdict = first_failure(*verdicts)
        if not verdict.passed and "lr = 0.1" in verdict.message:
            got = np.asarray(seen["lr=0.1"], dtype=np.float64)
            if got.shape == (steps + 1, 1) and got[-1, 0] > 5.0:
                verdict.message += ("\n  likely cause: theta moved *up* the slope: subtract "
                                    "lr * grad, do not add it.")
        return verdict

