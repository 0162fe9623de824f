"""Hidden checks for 03_jacobians_and_chain_rule (instructor only; never in the student's
notebook). Every input is drawn from the grading run's seed (``fresh``); probes use numpy only
and the judges import what they compare with inside the judge."""

from __future__ import annotations

import numpy as np
from nncourse.checking import Check, register
from nncourse.checks.nb03 import (
    ANALYTIC,
    NUMPY_ONLY,
    linear_case,
    loss_inputs,
    random_chain,
    rng_for,
    scalar_numpy,
    scalar_params,
    spread_residuals,
    vector_numpy,
    vector_params,
)
from nncourse.verdict import first_failure


@register
class NumericalGradientHiddenShapes(Check):
    """numerical_gradient on a 3-D x (eps = 1e-5) and a 0-d x; x unchanged."""

    name = "numerical_gradient_hidden_shapes"
    rules = NUMPY_ONLY
    fresh = True

    @staticmethod
    def cases(run_seed):
        rng = rng_for(run_seed, 0, 401)
        return scalar_params("logsumexp", (2, 3, 2), rng), scalar_params("coupled", (), rng)

    def probe(self, numerical_gradient, run_seed=0):
        cube, point = self.cases(run_seed)
        given3, given0 = cube["x"].copy(), point["x"].copy()
        return {"cube": numerical_gradient(scalar_numpy("logsumexp", cube), given3, eps=1e-5),
                "scalar": numerical_gradient(scalar_numpy("coupled", point), given0),
                "after3": given3, "after0": given0}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import judge_gradient, scalar_torch, unchanged

        cube, point = self.cases(run_seed)
        return first_failure(
            judge_gradient("numerical_gradient at x of shape (2, 3, 2), eps=1e-5", seen["cube"],
                           scalar_torch("logsumexp", cube), cube["x"], rtol=1e-5, atol=1e-5),
            judge_gradient("numerical_gradient at a 0-d array x", seen["scalar"],
                           scalar_torch("coupled", point), point["x"]),
            unchanged("numerical_gradient (3-D x)", seen["after3"], cube["x"]),
            unchanged("numerical_gradient (0-d x)", seen["after0"], point["x"]))


def hidden_step(run_seed: int, tag: int) -> float:
    """A step eps drawn per grading run, between 0.02 and 0.3."""
    return float(np.round(rng_for(run_seed, 0, tag).uniform(0.02, 0.3), 4))


@register
class NumericalGradientStepHidden(Check):
    """numerical_gradient uses the step eps it is given (a step drawn per run, 2-D x)."""

    name = "numerical_gradient_step_hidden"
    rules = NUMPY_ONLY
    fresh = True

    def probe(self, numerical_gradient, run_seed=0):
        eps = hidden_step(run_seed, 402)
        params = scalar_params("cubic", (2, 3), rng_for(run_seed, 1, 402))
        return {"grad": numerical_gradient(scalar_numpy("cubic", params), params["x"].copy(),
                                           eps=eps)}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import judge_step, scalar_torch

        eps = hidden_step(run_seed, 402)
        params = scalar_params("cubic", (2, 3), rng_for(run_seed, 1, 402))
        return judge_step(f"numerical_gradient of a cubic at x of shape (2, 3), eps={eps:g}",
                          seen["grad"], scalar_numpy("cubic", params),
                          scalar_torch("cubic", params), params["x"], eps)


@register
class NumericalJacobianHidden(Check):
    """numerical_jacobian for a 2-D input with many outputs, and a (1, n) Jacobian."""

    name = "numerical_jacobian_hidden"
    rules = NUMPY_ONLY
    fresh = True

    @staticmethod
    def cases(run_seed):
        rng = rng_for(run_seed, 0, 411)
        return (vector_params("tanh_affine", (2, 2), rng, out=6),
                vector_params("tanh_affine", (5,), rng, out=1))

    def probe(self, numerical_jacobian, run_seed=0):
        wide, row = self.cases(run_seed)
        given1, given2 = wide["x"].copy(), row["x"].copy()
        return {"wide": numerical_jacobian(vector_numpy("tanh_affine", wide), given1),
                "row": numerical_jacobian(vector_numpy("tanh_affine", row), given2),
                "after1": given1, "after2": given2}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import judge_jacobian, unchanged, vector_torch

        wide, row = self.cases(run_seed)
        return first_failure(
            judge_jacobian("numerical_jacobian: 6 outputs of a (2, 2) input", seen["wide"],
                           vector_numpy("tanh_affine", wide), vector_torch("tanh_affine", wide),
                           wide["x"]),
            judge_jacobian("numerical_jacobian: 1 output of a (5,) input", seen["row"],
                           vector_numpy("tanh_affine", row), vector_torch("tanh_affine", row),
                           row["x"]),
            unchanged("numerical_jacobian (2-D x)", seen["after1"], wide["x"]),
            unchanged("numerical_jacobian (1 output)", seen["after2"], row["x"]))


@register
class NumericalJacobianViewsHidden(Check):
    """numerical_jacobian of functions that return (a view of) x itself: the identity on a
    2-D x and the slice v[1:] of a vector."""

    name = "numerical_jacobian_views_hidden"
    rules = NUMPY_ONLY
    fresh = True

    @staticmethod
    def cases(run_seed):
        rng = rng_for(run_seed, 0, 413)
        return rng.uniform(-1.0, 1.0, size=(2, 3)), rng.uniform(-1.0, 1.0, size=5)

    def probe(self, numerical_jacobian, run_seed=0):
        matrix, vector = self.cases(run_seed)
        return {"identity": numerical_jacobian(lambda v: v, matrix.copy()),
                "slice": numerical_jacobian(lambda v: v[1:], vector.copy())}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import VIEW_HINTS, judge_identity
        from nncourse.compare import compare
        from nncourse.gradcheck import torch_jacobian

        matrix, vector = self.cases(run_seed)
        return first_failure(
            judge_identity("numerical_jacobian of f(v) = v at x of shape (2, 3)",
                           seen["identity"], matrix),
            compare("numerical_jacobian of f(v) = v[1:] (a view of x) at x of shape (5,)",
                    seen["slice"], torch_jacobian(lambda t: t[1:], vector), rtol=1e-5,
                    atol=1e-6, hints=VIEW_HINTS))


@register
class NumericalJacobianStepHidden(Check):
    """numerical_jacobian uses the step eps it is given (a step drawn per run, 2-D x)."""

    name = "numerical_jacobian_step_hidden"
    rules = NUMPY_ONLY
    fresh = True

    def probe(self, numerical_jacobian, run_seed=0):
        eps = hidden_step(run_seed, 412)
        params = vector_params("cubic_map", (3, 2), rng_for(run_seed, 1, 412))
        return {"jac": numerical_jacobian(vector_numpy("cubic_map", params), params["x"].copy(),
                                          eps=eps)}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import judge_step, vector_torch

        eps = hidden_step(run_seed, 412)
        params = vector_params("cubic_map", (3, 2), rng_for(run_seed, 1, 412))
        return judge_step(f"numerical_jacobian of [a x^3, (a.x)^2 / 2] at x of shape (3, 2), "
                          f"eps={eps:g}", seen["jac"], vector_numpy("cubic_map", params),
                          vector_torch("cubic_map", params), params["x"], eps, jacobian=True)


BIG = np.array([-1000.0, -40.0, -1e-8, 1e-8, 40.0, 1000.0])


class ActivationGradHidden(Check):
    """Derivative on a 3-D array, a non-contiguous view, and at large magnitudes."""

    kind = ""
    rules = ANALYTIC
    fresh = True

    @staticmethod
    def cube(run_seed):
        return rng_for(run_seed, 0, 421).normal(scale=4.0, size=(2, 3, 4))

    def probe(self, fn, run_seed=0):
        cube = self.cube(run_seed)
        view_base = cube.copy()
        return {"cube": fn(cube.copy()), "view": fn(view_base.transpose(2, 0, 1)[:, :, ::2]),
                "view_base": view_base, "big": fn(BIG.copy())}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import (
            COPY_HINT,
            judge_activation,
            torch_activation_grad,
            unchanged,
        )
        from nncourse.compare import compare

        cube = self.cube(run_seed)
        return first_failure(
            judge_activation(self.kind, f"{self.kind}_grad of a (2, 3, 4) array", seen["cube"],
                             cube),
            judge_activation(self.kind, f"{self.kind}_grad of a non-contiguous (4, 2, 2) view",
                             seen["view"], cube.transpose(2, 0, 1)[:, :, ::2]),
            unchanged(f"{self.kind}_grad", seen["view_base"], cube, COPY_HINT),
            compare(f"{self.kind}_grad([-1000, -40, -1e-8, 1e-8, 40, 1000])", seen["big"],
                    torch_activation_grad(self.kind, BIG), rtol=1e-9, atol=1e-12,
                    hints=("Large |z| must give a finite derivative (about 0 for the "
                           "saturating functions): no overflow on the way.",)))


@register
class SigmoidGradHidden(ActivationGradHidden):
    """sigmoid_grad on a 3-D array, a non-contiguous view and at |z| up to 1000."""

    name = "sigmoid_grad_hidden"
    kind = "sigmoid"


@register
class TanhGradHidden(ActivationGradHidden):
    """tanh_grad on a 3-D array, a non-contiguous view and at |z| up to 1000."""

    name = "tanh_grad_hidden"
    kind = "tanh"


@register
class ReluGradHidden(ActivationGradHidden):
    """relu_grad on a 3-D array, a non-contiguous view, tiny and huge magnitudes, zeros."""

    name = "relu_grad_hidden"
    kind = "relu"

    def probe(self, fn, run_seed=0):
        seen = super().probe(fn, run_seed)
        seen["zeros"] = fn(np.zeros((2, 3)))
        return seen

    def judge(self, seen, run_seed=0):
        from nncourse.compare import compare

        return first_failure(compare("relu_grad(np.zeros((2, 3)))", seen["zeros"],
                                     np.zeros((2, 3)), atol=0.0, rtol=0.0),
                             super().judge(seen, run_seed))


def rows_with_different_maxima(rng: np.random.Generator) -> np.ndarray:
    """(5, 4) scores: each row a different offset of magnitude up to 1500."""
    offsets = rng.permutation(np.array([-1500.0, -700.0, 0.0, 650.0, 1400.0]))
    return rng.normal(scale=2.0, size=(5, 4)) + offsets[:, None]


@register
class SoftmaxHiddenShapes(Check):
    """softmax of a (2, 3, 4) array, rows with very different maxima, a view, one class."""

    name = "softmax_hidden_shapes"
    rules = NUMPY_ONLY
    warnings_fail = True
    fresh = True

    @staticmethod
    def cases(run_seed):
        rng = rng_for(run_seed, 0, 431)
        return (rng.normal(scale=3.0, size=(2, 3, 4)), rows_with_different_maxima(rng),
                rng.normal(scale=3.0, size=(3, 8)))

    def probe(self, softmax, run_seed=0):
        cube, spread, base = self.cases(run_seed)
        given = base.copy()
        return {"cube": softmax(cube.copy()), "spread": softmax(spread.copy()),
                "view": softmax(given.T[::2]), "after": given,
                "single": softmax(np.array([[3.0], [-2.0]])),
                "shifted": softmax(np.array([1.0, 2.0, 3.0]) + 500.0)}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import (
            COPY_HINT,
            SOFTMAX_HINTS,
            STABLE_HINTS,
            reference_softmax,
            unchanged,
        )
        from nncourse.compare import compare

        cube, spread, base = self.cases(run_seed)
        return first_failure(
            compare("softmax of a (2, 3, 4) array (over the last axis)", seen["cube"],
                    reference_softmax(cube), hints=SOFTMAX_HINTS),
            compare("softmax of a (5, 4) array whose rows' maxima range from about -1500 to "
                    "1400", seen["spread"], reference_softmax(spread), atol=1e-12,
                    hints=STABLE_HINTS),
            compare("softmax of a non-contiguous (4, 3) view B.T[::2]", seen["view"],
                    reference_softmax(base.T[::2]), hints=SOFTMAX_HINTS),
            unchanged("softmax (view)", seen["after"], base, COPY_HINT),
            compare("softmax of a (2, 1) array", seen["single"], np.ones((2, 1))),
            compare("softmax([501, 502, 503])", seen["shifted"],
                    reference_softmax(np.array([1.0, 2.0, 3.0]))))


@register
class SoftmaxJacobianHidden(Check):
    """softmax_jacobian with K = 6, a strided z, scores of magnitude 1000, and K = 1."""

    name = "softmax_jacobian_hidden"
    rules = ANALYTIC
    warnings_fail = True
    fresh = True
    BIG = np.array([1000.0, 0.0, -1000.0, 999.0])

    @staticmethod
    def cases(run_seed):
        rng = rng_for(run_seed, 0, 441)
        return rng.normal(scale=2.0, size=6), rng.normal(scale=2.0, size=10)

    def probe(self, softmax_jacobian, run_seed=0):
        z6, base = self.cases(run_seed)
        return {"six": softmax_jacobian(z6.copy()), "strided": softmax_jacobian(base[::2]),
                "big": softmax_jacobian(self.BIG.copy()),
                "one": softmax_jacobian(np.array([0.3]))}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import JACOBIAN_SOFTMAX_HINTS, judge_softmax_jacobian
        from nncourse.compare import compare

        z6, base = self.cases(run_seed)
        return first_failure(
            judge_softmax_jacobian("softmax_jacobian of z with shape (6,)", seen["six"], z6),
            judge_softmax_jacobian("softmax_jacobian of a strided z[::2] (5,)", seen["strided"],
                                   base[::2]),
            judge_softmax_jacobian("softmax_jacobian([1000, 0, -1000, 999])", seen["big"],
                                   self.BIG),
            compare("softmax_jacobian([0.3])", seen["one"], np.zeros((1, 1)),
                    hints=JACOBIAN_SOFTMAX_HINTS))


@register
class LinearJacobianHidden(Check):
    """linear_jacobian_wrt_weights for square W, n = 1, and a strided x."""

    name = "linear_jacobian_hidden"
    rules = ANALYTIC
    fresh = True

    @staticmethod
    def cases(run_seed):
        rng = rng_for(run_seed, 0, 451)
        return linear_case(3, 3, rng), linear_case(1, 2, rng), rng.normal(size=(4, 3))

    def probe(self, linear_jacobian_wrt_weights, run_seed=0):
        (x3, _), (x1, _), base = self.cases(run_seed)
        return {"square": linear_jacobian_wrt_weights(x3.copy(), 3),
                "thin": linear_jacobian_wrt_weights(x1.copy(), 2),
                "strided": linear_jacobian_wrt_weights(base[:, 1], 5)}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import judge_linear_jacobian

        (x3, W3), (x1, W1), base = self.cases(run_seed)
        return first_failure(
            judge_linear_jacobian("linear_jacobian_wrt_weights(x (3,), m=3)", seen["square"],
                                  x3, W3),
            judge_linear_jacobian("linear_jacobian_wrt_weights(x (1,), m=2)", seen["thin"],
                                  x1, W1),
            judge_linear_jacobian("linear_jacobian_wrt_weights(x = A[:, 1] (4,), m=5)",
                                  seen["strided"], base[:, 1], np.zeros((4, 5))))


@register
class ChainJacobiansHidden(Check):
    """chain_jacobians of one Jacobian, of a long chain, and with a scalar output (1, d)."""

    name = "chain_jacobians_hidden"
    rules = ANALYTIC
    fresh = True
    LONG = (2, 5, 3, 6, 4, 1)

    @classmethod
    def cases(cls, run_seed):
        rng = rng_for(run_seed, 0, 461)
        return random_chain([3, 5], rng), random_chain(list(cls.LONG), rng)

    def probe(self, chain_jacobians, run_seed=0):
        one, long = self.cases(run_seed)
        given = [J.copy() for J in long]
        return {"one": chain_jacobians([one[0].copy()]), "long": chain_jacobians(given),
                "transposed": chain_jacobians([J.T.copy().T for J in long]), "after": given}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import judge_chain, judge_unchanged_list

        one, long = self.cases(run_seed)
        return first_failure(
            judge_chain("chain_jacobians of a single (5, 3) Jacobian", seen["one"], one),
            judge_chain(f"chain_jacobians of shapes {[J.shape for J in long]}", seen["long"],
                        long),
            judge_chain("chain_jacobians of Fortran-ordered (non-C-contiguous) Jacobians",
                        seen["transposed"], long),
            judge_unchanged_list("chain_jacobians", seen["after"], long))


@register
class GradientDescentHidden(Check):
    """gradient_descent from a transposed-view theta0, with steps = 0, on a coupled quadratic."""

    name = "gradient_descent_hidden"
    rules = NUMPY_ONLY
    fresh = True
    A = np.array([[3.0, 1.0], [1.0, 2.0]])

    @staticmethod
    def cases(run_seed):
        rng = rng_for(run_seed, 0, 471)
        return (rng.uniform(0.5, 3.0, size=(2, 3)), rng.normal(size=(3, 2)),
                float(rng.uniform(0.05, 0.3)), rng.normal(size=2))

    def probe(self, gradient_descent, run_seed=0):
        scales, base, lr, start = self.cases(run_seed)
        given = base.copy()

        def scaled(theta):
            return scales * np.asarray(theta, dtype=np.float64)

        matrix = gradient_descent(scaled, given.T, lr, 7)
        zero = gradient_descent(scaled, given.T, lr, 0)
        coupled = gradient_descent(lambda th: self.A @ th, start.copy(), 0.1, 9)
        return {"matrix": matrix, "zero": zero, "coupled": coupled, "after": given}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import COPY_HINT, judge_descent, unchanged

        scales, base, lr, start = self.cases(run_seed)
        theta0 = base.T
        t = np.arange(8)[:, None, None]
        matrix = (1.0 - lr * scales) ** t * theta0
        step = np.eye(2) - 0.1 * self.A
        coupled = [start]
        for _ in range(9):
            coupled.append(step @ coupled[-1])
        return first_failure(
            judge_descent(f"gradient_descent with theta0 = B.T of shape (2, 3), lr = {lr:.3g}, "
                          "7 steps", seen["matrix"], matrix),
            judge_descent("gradient_descent with steps = 0", seen["zero"], theta0[None]),
            judge_descent("gradient_descent on the quadratic with Hessian [[3, 1], [1, 2]]",
                          seen["coupled"], np.array(coupled)),
            unchanged("gradient_descent (theta0)", seen["after"], base, COPY_HINT))


class LossHidden(Check):
    """Shared by the hidden MSE/MAE checks: shapes drawn per run, views, integers."""

    kind = ""
    rules = ANALYTIC
    fresh = True
    tag = 0

    def cases(self, run_seed):
        rng = rng_for(run_seed, 0, self.tag)
        n, k = int(rng.integers(2, 7)), int(rng.integers(2, 6))
        ties = self.kind == "mae"
        matrix = loss_inputs(rng, (n, k), ties)
        vector = loss_inputs(rng, (n + 3,), ties)
        view_pred, view_target = loss_inputs(rng, (k, 2 * n), ties)
        integers = (rng.integers(-4, 5, size=(n, k)), rng.integers(-4, 5, size=(n, k)))
        return {"matrix": matrix, "vector": vector, "view": (view_pred, view_target),
                "integers": integers}

    @staticmethod
    def handed(label, pred, target):
        """What the student's function receives: views for the "view" case."""
        if label == "view":
            return pred.T[::2], target.T[::2]
        return pred, target

    def probe(self, fn, run_seed=0):
        seen = {}
        for label, (pred, target) in self.cases(run_seed).items():
            p, t = pred.copy(), target.copy()
            seen[label] = {"out": list(fn(*self.handed(label, p, t))), "pred_after": p,
                           "target_after": t}
        return seen

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import COPY_HINT, judge_loss, unchanged

        verdicts = []
        for label, (pred, target) in self.cases(run_seed).items():
            p, t = self.handed(label, pred, target)
            entry = seen[label]
            verdicts += [judge_loss(self.kind, f"{self.kind}_loss on {label} inputs of shape "
                                    f"{np.shape(p)}", entry["out"], p, t),
                         unchanged(f"{self.kind}_loss (pred)", entry["pred_after"], pred,
                                   COPY_HINT),
                         unchanged(f"{self.kind}_loss (target)", entry["target_after"], target,
                                   COPY_HINT)]
        return first_failure(*verdicts)


@register
class MseLossHidden(LossHidden):
    """mse_loss on (N, K) and (N,) inputs drawn per run, transposed views and integers."""

    name = "mse_loss_hidden"
    kind = "mse"
    tag = 481


@register
class MaeLossHidden(LossHidden):
    """mae_loss on (N, K) and (N,) inputs drawn per run (with ties), views and integers."""

    name = "mae_loss_hidden"
    kind = "mae"
    tag = 486


class LossSpreadHidden(Check):
    """The loss's gradient is exact at every entry, for residuals from 1e-9 to 1e4 in size."""

    kind = ""
    rules = ANALYTIC
    fresh = True
    tag = 0

    def case(self, run_seed):
        rng = rng_for(run_seed, 0, self.tag)
        shape = (int(rng.integers(3, 6)), int(rng.integers(2, 5)))
        return spread_residuals(rng, shape, ties=self.kind == "mae")

    def probe(self, fn, run_seed=0):
        pred, target = self.case(run_seed)
        return {"out": list(fn(pred.copy(), target.copy()))}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import judge_loss

        pred, target = self.case(run_seed)
        return judge_loss(self.kind, f"{self.kind}_loss with residuals pred - target from "
                          f"1e-9 to 1e4 in size, shape {pred.shape}", seen["out"], pred,
                          target, atol=0.0)


@register
class MseLossSpreadHidden(LossSpreadHidden):
    """mse_loss: dpred exact (to round-off) even where the residual is 1e-9 next to 1e4."""

    name = "mse_loss_spread_hidden"
    kind = "mse"
    tag = 482


@register
class MaeLossSpreadHidden(LossSpreadHidden):
    """mae_loss: dpred exact even where the residual is 1e-9 next to 1e4 (and at ties)."""

    name = "mae_loss_spread_hidden"
    kind = "mae"
    tag = 487
