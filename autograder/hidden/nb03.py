"""Hidden checks for 03_jacobians_and_chain_rule (instructor only; never in the student's
notebook). Every input is drawn from the grading run's seed (``fresh``) in the check's
``inputs``; probes use numpy only and the judges import what they compare with inside the
judge."""

from __future__ import annotations

import numpy as np
from nncourse.checking import Check, on_copies, register
from nncourse.checks.nb03 import (
    ANALYTIC,
    NUDGE_HINT,
    NUMPY_ONLY,
    VJP,
    linear_case,
    linear_vjp_case,
    loss_inputs,
    offset_inputs,
    random_chain,
    rng_for,
    scalar_numpy,
    scalar_params,
    spread_residuals,
    vector_numpy,
    vector_params,
)
from nncourse.compare import compare, unchanged
from nncourse.verdict import first_failure


@register
class NumericalGradientHiddenShapes(Check):
    """numerical_gradient works on a 3-D x (eps = 1e-5) and a 0-d x and leaves x unchanged."""

    name = "numerical_gradient_hidden_shapes"
    rules = NUMPY_ONLY
    fresh = True

    def inputs(self, run_seed):
        rng = rng_for(run_seed, 0, 401)
        return scalar_params("logsumexp", (2, 3, 2), rng), scalar_params("coupled", (), rng)

    def probe(self, numerical_gradient, run_seed=0):
        cube, point = self.inputs(run_seed)
        return {"cube": on_copies(numerical_gradient, scalar_numpy("logsumexp", cube), cube["x"],
                                  eps=1e-5),
                "scalar": on_copies(numerical_gradient, scalar_numpy("coupled", point),
                                    point["x"])}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import judge_gradient, scalar_torch

        cube, point = self.inputs(run_seed)
        (grad3, after3), (grad0, after0) = seen["cube"], seen["scalar"]
        return first_failure(
            judge_gradient("numerical_gradient at x of shape (2, 3, 2), eps=1e-5", grad3,
                           scalar_torch("logsumexp", cube), cube["x"], rtol=1e-5, atol=1e-5),
            judge_gradient("numerical_gradient at a 0-d array x", grad0,
                           scalar_torch("coupled", point), point["x"]),
            unchanged("numerical_gradient (3-D x)", cube["x"], after3["1"], NUDGE_HINT),
            unchanged("numerical_gradient (0-d x)", point["x"], after0["1"], NUDGE_HINT))


class StepHidden(Check):
    """Shared by the checks that a step eps drawn per run is used as given."""

    rules = NUMPY_ONLY
    fresh = True
    tag = 0
    function, shape = "", ()

    def inputs(self, run_seed):
        """A step eps between 0.02 and 0.3, and the test function's parameters."""
        eps = float(np.round(rng_for(run_seed, 0, self.tag).uniform(0.02, 0.3), 4))
        draw = vector_params if self.function == "cubic_map" else scalar_params
        return eps, draw(self.function, self.shape, rng_for(run_seed, 1, self.tag))

    def probe(self, fn, run_seed=0):
        eps, params = self.inputs(run_seed)
        build = vector_numpy if self.function == "cubic_map" else scalar_numpy
        return {"result": fn(build(self.function, params), params["x"], eps=eps)}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import STEP_LABELS, judge_step, scalar_torch, vector_torch

        eps, params = self.inputs(run_seed)
        jacobian = self.function == "cubic_map"
        build, twin = (vector_numpy, vector_torch) if jacobian else (scalar_numpy, scalar_torch)
        owner = "numerical_jacobian" if jacobian else "numerical_gradient"
        return judge_step(f"{owner} of {STEP_LABELS[self.function]} at x of shape "
                          f"{self.shape}, eps={eps:g}", seen["result"],
                          build(self.function, params), twin(self.function, params),
                          params["x"], eps, jacobian=jacobian)


@register
class NumericalGradientStepHidden(StepHidden):
    """numerical_gradient uses the step eps it is given (a step drawn per run, 2-D x)."""

    name = "numerical_gradient_step_hidden"
    tag = 402
    function, shape = "cubic", (2, 3)


@register
class NumericalJacobianHidden(Check):
    """numerical_jacobian works for a 2-D input with many outputs and for a (1, n) Jacobian."""

    name = "numerical_jacobian_hidden"
    rules = NUMPY_ONLY
    fresh = True
    LABELS = {"wide": "6 outputs of a (2, 2) input", "row": "1 output of a (5,) input"}

    def inputs(self, run_seed):
        rng = rng_for(run_seed, 0, 411)
        return {"wide": vector_params("tanh_affine", (2, 2), rng, out=6),
                "row": vector_params("tanh_affine", (5,), rng, out=1)}

    def probe(self, numerical_jacobian, run_seed=0):
        return {key: on_copies(numerical_jacobian, vector_numpy("tanh_affine", params),
                               params["x"]) for key, params in self.inputs(run_seed).items()}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import judge_jacobian, vector_torch

        verdicts = []
        for key, params in self.inputs(run_seed).items():
            jacobian, after = seen[key]
            verdicts += [judge_jacobian(f"numerical_jacobian: {self.LABELS[key]}", jacobian,
                                        vector_numpy("tanh_affine", params),
                                        vector_torch("tanh_affine", params), params["x"]),
                         unchanged(f"numerical_jacobian ({self.LABELS[key]})", params["x"],
                                   after["1"], NUDGE_HINT)]
        return first_failure(*verdicts)


@register
class NumericalJacobianViewsHidden(Check):
    """numerical_jacobian of functions that return (a view of) x itself: the identity on a
    2-D x and the slice v[1:] of a vector."""

    name = "numerical_jacobian_views_hidden"
    rules = NUMPY_ONLY
    fresh = True

    def inputs(self, run_seed):
        rng = rng_for(run_seed, 0, 413)
        return rng.uniform(-1.0, 1.0, size=(2, 3)), rng.uniform(-1.0, 1.0, size=5)

    def probe(self, numerical_jacobian, run_seed=0):
        matrix, vector = self.inputs(run_seed)
        return {"identity": numerical_jacobian(lambda v: v, matrix),
                "slice": numerical_jacobian(lambda v: v[1:], vector)}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import VIEW_HINTS, judge_identity
        from nncourse.gradcheck import torch_jacobian

        matrix, vector = self.inputs(run_seed)
        return first_failure(
            judge_identity("numerical_jacobian of f(v) = v at x of shape (2, 3)",
                           seen["identity"], matrix),
            compare("numerical_jacobian of f(v) = v[1:] (a view of x) at x of shape (5,)",
                    seen["slice"], torch_jacobian(lambda t: t[1:], vector), rtol=1e-5,
                    atol=1e-6, hints=VIEW_HINTS))


@register
class NumericalJacobianStepHidden(StepHidden):
    """numerical_jacobian uses the step eps it is given (a step drawn per run, 2-D x)."""

    name = "numerical_jacobian_step_hidden"
    tag = 412
    function, shape = "cubic_map", (3, 2)


BIG = np.array([-1000.0, -40.0, -1e-8, 1e-8, 40.0, 1000.0])


def fresh_extremes(rng: np.random.Generator) -> np.ndarray:
    """This run's values of the visible checks' ``EXTREMES`` kind: subnormals, 1e-300, values
    near overflow, zero, with random signs and digits."""
    sign = rng.choice([-1.0, 1.0], size=8)
    return np.concatenate([[0.0], sign[:3] * rng.integers(1, 1000, size=3) * 5e-324,
                           sign[3:5] * 10.0 ** rng.uniform(-305.0, -295.0, size=2),
                           sign[5:] * 10.0 ** rng.uniform(300.0, 308.2, size=3)])


class ActivationGradHidden(Check):
    """Derivative on a 3-D array, a non-contiguous view, and at large magnitudes."""

    kind = ""
    rules = ANALYTIC
    fresh = True

    def inputs(self, run_seed):
        """A (2, 3, 4) array, a second one like it whose (4, 2, 2) view the call gets."""
        rng = rng_for(run_seed, 0, 421)
        cube = rng.normal(scale=4.0, size=(2, 3, 4))
        return {"cube": cube, "base": cube.copy(), "big": BIG.copy(),
                "extremes": fresh_extremes(rng)}

    def probe(self, fn, run_seed=0):
        z = self.inputs(run_seed)
        # the base, as the call on its view left it
        return {"cube": fn(z["cube"]), "view": fn(z["base"].transpose(2, 0, 1)[:, :, ::2]),
                "base": z["base"], "big": fn(z["big"]), "extremes": fn(z["extremes"])}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import (
            ACTIVATION_HINTS,
            judge_activation,
            torch_activation_grad,
        )

        z = self.inputs(run_seed)
        return first_failure(
            judge_activation(self.kind, f"{self.kind}_grad of a (2, 3, 4) array", seen["cube"],
                             z["cube"], hints=ACTIVATION_HINTS[self.kind]),
            judge_activation(self.kind, f"{self.kind}_grad of a non-contiguous (4, 2, 2) view",
                             seen["view"], z["cube"].transpose(2, 0, 1)[:, :, ::2],
                             hints=ACTIVATION_HINTS[self.kind]),
            judge_activation(self.kind, f"{self.kind}_grad of subnormals, 1e-300s, zero and "
                             "values near overflow", seen["extremes"], z["extremes"],
                             hints=ACTIVATION_HINTS[self.kind]),
            unchanged(f"{self.kind}_grad", z["base"], seen["base"]),
            compare(f"{self.kind}_grad([-1000, -40, -1e-8, 1e-8, 40, 1000])", seen["big"],
                    torch_activation_grad(self.kind, z["big"]), rtol=1e-9, atol=1e-12,
                    hints=("Large |z| must give a finite derivative (about 0 for the "
                           "saturating functions): no overflow on the way.",
                           "Print your derivative at z = 1000 and z = -1000, and each "
                           "intermediate value on the way: which one becomes inf or nan?")))


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

    expected_hidden = True
    kind = "relu"

    def probe(self, fn, run_seed=0):
        return {**super().probe(fn, run_seed), "zeros": fn(np.zeros((2, 3)))}

    def judge(self, seen, run_seed=0):
        return first_failure(compare("relu_grad(np.zeros((2, 3)))", seen["zeros"],
                                     np.zeros((2, 3)), atol=0.0, rtol=0.0,
                                     hints=("relu_grad of an all-zero array is wrong: at the "
                                            "kink z = 0 your value is not the course's "
                                            "convention, or the shape is off.",
                                            "Section 4 states the convention at the kink: "
                                            "print relu_grad(np.zeros((2, 3))) and its "
                                            "shape.")),
                             super().judge(seen, run_seed))


def rows_with_different_maxima(rng: np.random.Generator) -> np.ndarray:
    """(5, 4) scores: each row a different offset of magnitude up to 1500."""
    offsets = rng.permutation(np.array([-1500.0, -700.0, 0.0, 650.0, 1400.0]))
    return rng.normal(scale=2.0, size=(5, 4)) + offsets[:, None]


@register
class SoftmaxHiddenShapes(Check):
    """softmax works on a (2, 3, 4) array, rows with very different maxima, a view, one class."""

    name = "softmax_hidden_shapes"
    rules = NUMPY_ONLY
    warnings_fail = True
    fresh = True

    def inputs(self, run_seed):
        rng = rng_for(run_seed, 0, 431)
        return {"cube": rng.normal(scale=3.0, size=(2, 3, 4)),
                "spread": rows_with_different_maxima(rng),
                "base": rng.normal(scale=3.0, size=(3, 8)),
                "single": np.array([[3.0], [-2.0]]),
                "shifted": np.array([1.0, 2.0, 3.0]) + 500.0}

    def probe(self, softmax, run_seed=0):
        z = self.inputs(run_seed)
        seen = {key: softmax(z[key]) for key in ("cube", "spread", "single", "shifted")}
        # the call gets a view of the base; the base as it left it
        return {**seen, "view": softmax(z["base"].T[::2]), "base": z["base"]}

    def judge(self, seen, run_seed=0):
        from nncourse import oracle
        from nncourse.checks.nb03 import SOFTMAX_HINTS, STABLE_HINTS

        z = self.inputs(run_seed)
        return first_failure(
            compare("softmax of a (2, 3, 4) array (over the last axis)", seen["cube"],
                    oracle.softmax(z["cube"]), hints=SOFTMAX_HINTS),
            compare("softmax of a (5, 4) array whose rows' maxima range from about -1500 to "
                    "1400", seen["spread"], oracle.softmax(z["spread"]), atol=1e-12,
                    hints=STABLE_HINTS),
            compare("softmax of a non-contiguous (4, 3) view B.T[::2]", seen["view"],
                    oracle.softmax(z["base"].T[::2]), hints=SOFTMAX_HINTS),
            unchanged("softmax (view)", z["base"], seen["base"]),
            compare("softmax of a (2, 1) array", seen["single"], np.ones((2, 1)),
                    hints=SOFTMAX_HINTS),
            compare("softmax([501, 502, 503])", seen["shifted"],
                    oracle.softmax(np.array([1.0, 2.0, 3.0])),
                    hints=("softmax([501, 502, 503]) differs from softmax([1, 2, 3]): adding "
                           "the same number to every score changes no probability, yet in "
                           "your code it does.",
                           "Print both results and their difference, then follow what your "
                           "code does to a row's scores before and after the exponential.")))


@register
class SoftmaxJacobianHidden(Check):
    """softmax_jacobian works with K = 6, a strided z, scores of magnitude 1000, and K = 1."""

    name = "softmax_jacobian_hidden"
    rules = ANALYTIC
    warnings_fail = True
    fresh = True
    LABELS = {"six": "z with shape (6,)", "strided": "a strided z[::2] (5,)",
              "big": "[1000, 0, -1000, 999]"}

    def inputs(self, run_seed):
        rng = rng_for(run_seed, 0, 441)
        six, base = rng.normal(scale=2.0, size=6), rng.normal(scale=2.0, size=10)
        return {"six": six, "strided": base[::2], "big": np.array([1000.0, 0.0, -1000.0, 999.0]),
                "one": np.array([0.3])}

    def probe(self, softmax_jacobian, run_seed=0):
        return {key: softmax_jacobian(z) for key, z in self.inputs(run_seed).items()}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import JACOBIAN_SOFTMAX_HINTS, judge_softmax_jacobian

        z = self.inputs(run_seed)
        return first_failure(
            *(judge_softmax_jacobian(f"softmax_jacobian of {label}", seen[key], z[key])
              for key, label in self.LABELS.items()),
            compare("softmax_jacobian([0.3])", seen["one"], np.zeros((1, 1)),
                    hints=JACOBIAN_SOFTMAX_HINTS))


@register
class LinearJacobianHidden(Check):
    """linear_jacobian_wrt_weights works for a square W, for n = 1 and for a strided x."""

    name = "linear_jacobian_hidden"
    rules = ANALYTIC
    fresh = True
    LABELS = {"square": "x (3,), m=3", "thin": "x (1,), m=2", "strided": "x = A[:, 1] (4,), m=5",
              "extremes": "x (9,) of subnormals, 1e-300s and values near overflow, m=3"}

    def inputs(self, run_seed):
        """{label: (x, W)}: the call gets x and W's column count."""
        rng = rng_for(run_seed, 0, 451)
        square, thin, base = linear_case(3, 3, rng), linear_case(1, 2, rng), rng.normal(
            size=(4, 3))
        return {"square": square, "thin": thin, "strided": (base[:, 1], np.zeros((4, 5))),
                "extremes": (fresh_extremes(rng), np.zeros((9, 3)))}

    def probe(self, linear_jacobian_wrt_weights, run_seed=0):
        return {key: linear_jacobian_wrt_weights(x, W.shape[1])
                for key, (x, W) in self.inputs(run_seed).items()}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import judge_linear_jacobian

        return first_failure(*(judge_linear_jacobian(
            f"linear_jacobian_wrt_weights({self.LABELS[key]})", seen[key], x, W)
            for key, (x, W) in self.inputs(run_seed).items()))


@register
class ChainJacobiansHidden(Check):
    """chain_jacobians works for one Jacobian, a long chain, and a scalar output (1, d)."""

    name = "chain_jacobians_hidden"
    rules = ANALYTIC
    fresh = True
    LONG = (2, 5, 3, 6, 4, 1)

    def inputs(self, run_seed):
        rng = rng_for(run_seed, 0, 461)
        one, long = random_chain([3, 5], rng), random_chain(list(self.LONG), rng)
        return {"one": one, "long": long, "transposed": [J.T.copy().T for J in long]}

    def probe(self, chain_jacobians, run_seed=0):
        chains = self.inputs(run_seed)
        # the long list itself, as the call left it
        return {**{key: chain_jacobians(chain) for key, chain in chains.items()},
                "after": chains["long"]}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import judge_chain, judge_unchanged_list

        chains = self.inputs(run_seed)
        long = chains["long"]
        return first_failure(
            judge_chain("chain_jacobians of a single (5, 3) Jacobian", seen["one"],
                        chains["one"]),
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

    def inputs(self, run_seed):
        """Per-coordinate curvatures, the base whose transpose is theta0, lr, a start."""
        rng = rng_for(run_seed, 0, 471)
        return (rng.uniform(0.5, 3.0, size=(2, 3)), rng.normal(size=(3, 2)),
                float(rng.uniform(0.05, 0.3)), rng.normal(size=2))

    def probe(self, gradient_descent, run_seed=0):
        scales, base, lr, start = self.inputs(run_seed)

        def scaled(theta):
            return scales * np.asarray(theta, dtype=np.float64)

        # theta0 is a view of the base; the base, as the calls left it
        return {"matrix": gradient_descent(scaled, base.T, lr, 7),
                "zero": gradient_descent(scaled, base.T, lr, 0),
                "coupled": gradient_descent(lambda th: self.A @ th, start, 0.1, 9),
                "after": base}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import judge_descent

        scales, base, lr, start = self.inputs(run_seed)
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
            unchanged("gradient_descent (theta0)", base, seen["after"]))


class LossHidden(Check):
    """Shared by the hidden MSE/MAE checks: shapes drawn per run, views, integers."""

    kind = ""
    rules = ANALYTIC
    fresh = True
    tag = 0

    def inputs(self, run_seed):
        rng = rng_for(run_seed, 0, self.tag)
        n, k = int(rng.integers(2, 7)), int(rng.integers(2, 6))
        ties = self.kind == "mae"
        return {"matrix": loss_inputs(rng, (n, k), ties),
                "offset": offset_inputs(rng, (n, k), ties),
                "vector": loss_inputs(rng, (n + 3,), ties),
                "view": loss_inputs(rng, (k, 2 * n), ties),
                "integers": (rng.integers(-4, 5, size=(n, k)), rng.integers(-4, 5, size=(n, k)))}

    @staticmethod
    def handed(label, pred, target):
        """What the student's function receives: views for the "view" case."""
        if label == "view":
            return pred.T[::2], target.T[::2]
        return pred, target

    def probe(self, fn, run_seed=0):
        # the arrays (the bases of the views) as the call left them
        return {label: {"out": fn(*self.handed(label, pred, target)),
                        "after": {"pred": pred, "target": target}}
                for label, (pred, target) in self.inputs(run_seed).items()}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import judge_loss

        verdicts = []
        for label, (pred, target) in self.inputs(run_seed).items():
            p, t = self.handed(label, pred, target)
            verdicts += [judge_loss(self.kind, f"{self.kind}_loss on {label} inputs of shape "
                                    f"{np.shape(p)}", seen[label]["out"], p, t,
                                    atol=0.0 if label == "offset" else 1e-12),
                         unchanged(f"{self.kind}_loss", {"pred": pred, "target": target},
                                   seen[label]["after"])]
        return first_failure(*verdicts)


@register
class MseLossHidden(LossHidden):
    """mse_loss on (N, K) and (N,) inputs drawn per run, transposed views and integers."""

    name = "mse_loss_hidden"

    expected_hidden = True
    kind = "mse"
    tag = 481


@register
class MaeLossHidden(LossHidden):
    """mae_loss on (N, K) and (N,) inputs drawn per run (with ties), views and integers."""

    name = "mae_loss_hidden"

    expected_hidden = True
    kind = "mae"
    tag = 486


class LossSpreadHidden(Check):
    """The loss's gradient is exact at every entry, for residuals from 1e-9 to 1e4 in size."""

    kind = ""
    rules = ANALYTIC
    fresh = True
    tag = 0

    def inputs(self, run_seed):
        rng = rng_for(run_seed, 0, self.tag)
        shape = (int(rng.integers(3, 6)), int(rng.integers(2, 5)))
        return spread_residuals(rng, shape, ties=self.kind == "mae")

    def probe(self, fn, run_seed=0):
        return {"out": fn(*self.inputs(run_seed))}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import judge_loss

        pred, target = self.inputs(run_seed)
        return judge_loss(self.kind, f"{self.kind}_loss with residuals pred - target from "
                          f"1e-9 to 1e4 in size, shape {pred.shape}", seen["out"], pred,
                          target, atol=0.0)


@register
class MseLossSpreadHidden(LossSpreadHidden):
    """mse_loss: dpred exact (to round-off) even where the residual is 1e-9 next to 1e4."""

    name = "mse_loss_spread_hidden"

    expected_hidden = True
    kind = "mse"
    tag = 482


@register
class MaeLossSpreadHidden(LossSpreadHidden):
    """mae_loss: dpred exact even where the residual is 1e-9 next to 1e4 (and at ties)."""

    name = "mae_loss_spread_hidden"

    expected_hidden = True
    kind = "mae"
    tag = 487


@register
class LinearVjpHidden(Check):
    """linear_vjp works for a square W, for n = 1, and for a transposed W and a strided dy."""

    name = "linear_vjp_hidden"
    rules = VJP
    fresh = True
    LABELS = {"square": "x (3,), W (3, 3)", "thin": "x (1,), W (1, 4)",
              "layout": "a transposed W (4, 2) and a strided dy (2,)"}

    def inputs(self, run_seed):
        rng = rng_for(run_seed, 0, 471)
        base = rng.normal(size=(2, 4))
        dy_base = rng.normal(size=4)
        return {"square": linear_vjp_case(3, 3, rng), "thin": linear_vjp_case(1, 4, rng),
                "layout": (rng.normal(size=4), base.T, dy_base[::2])}

    def probe(self, linear_vjp, run_seed=0):
        return {key: on_copies(linear_vjp, *case)
                for key, case in self.inputs(run_seed).items()}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import judge_linear_vjp

        verdicts = []
        for key, case in self.inputs(run_seed).items():
            result, after = seen[key]
            verdicts += [judge_linear_vjp(f"linear_vjp({self.LABELS[key]})",
                                          list(result) if isinstance(result, tuple) else result,
                                          *case),
                         unchanged(f"linear_vjp({self.LABELS[key]})",
                                   dict(zip("012", case, strict=True)), after)]
        return first_failure(*verdicts)


@register
class SoftmaxVjpHidden(Check):
    """softmax_vjp works for K = 1 (zero), K = 7, a strided z and a dp along one score."""

    name = "softmax_vjp_hidden"
    rules = VJP
    fresh = True
    warnings_fail = True
    LABELS = {"one": "z (1,)", "seven": "z (7,)", "strided": "a strided z[::2] (4,)",
              "basis": "dp = (0, 1, 0, 0, 0)"}

    def inputs(self, run_seed):
        rng = rng_for(run_seed, 0, 476)
        base = rng.normal(scale=3.0, size=8)
        return {"one": (np.array([0.7]), np.array([2.0])),
                "seven": (rng.normal(scale=2.0, size=7), rng.normal(size=7)),
                "strided": (base[::2], rng.normal(size=4)),
                "basis": (rng.normal(size=5), np.eye(5)[1])}

    def probe(self, softmax_vjp, run_seed=0):
        return {key: on_copies(softmax_vjp, z, dp)
                for key, (z, dp) in self.inputs(run_seed).items()}

    def judge(self, seen, run_seed=0):
        from nncourse.checks.nb03 import judge_softmax_vjp

        verdicts = []
        for key, (z, dp) in self.inputs(run_seed).items():
            result, after = seen[key]
            verdicts += [judge_softmax_vjp(f"softmax_vjp({self.LABELS[key]})", result, z, dp),
                         unchanged(f"softmax_vjp({self.LABELS[key]})", {"0": z, "1": dp},
                                   after)]
        return first_failure(*verdicts)
