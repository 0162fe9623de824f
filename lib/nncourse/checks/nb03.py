"""Visible checks for 03_jacobians_and_chain_rule: finite differences, activation derivatives,
softmax and its Jacobian, Jacobians with respect to a matrix, the chain rule, gradient descent,
and the MSE and MAE losses.

Probes use numpy only and compute no expected answer: each check builds its inputs in
``inputs`` (from the run's seed, ``fresh`` checks), its probe returns what the student's
functions gave, and its judge rebuilds the same inputs. Every expectation is computed
in a judge: torch autograd (``nncourse.gradcheck.torch_gradient`` / ``torch_jacobian``),
the course's own centred differences at the same step, or a closed form.
"""

from __future__ import annotations

import numpy as np

from nncourse import oracle
from nncourse.checking import Check, on_copies, register
from nncourse.compare import compare, compare_derived, known_mistake, unchanged
from nncourse.derived import EXTREMES
from nncourse.rules import Rules
from nncourse.verdict import Verdict, first_failure

# --------------------------------------------------------------------------------------------
# The contract's rules (read by the grader's integrity report)
# --------------------------------------------------------------------------------------------

NUMPY_ONLY = Rules()
ANALYTIC = Rules(forbidden_calls=("numerical_gradient", "numerical_jacobian"), derived=True)
"""Analytic derivatives, Jacobians and losses' gradients may not be finite differences."""

RULES = {
    "numerical_gradient": NUMPY_ONLY,
    "numerical_jacobian": NUMPY_ONLY,
    "sigmoid_grad": ANALYTIC,
    "tanh_grad": ANALYTIC,
    "relu_grad": ANALYTIC,
    "softmax": NUMPY_ONLY,
    "softmax_jacobian": ANALYTIC,
    "linear_jacobian_wrt_weights": ANALYTIC,
    "chain_jacobians": ANALYTIC,
    "gradient_descent": NUMPY_ONLY,
    "mse_loss": ANALYTIC,
    "mae_loss": ANALYTIC,
}


def rng_for(run_seed: int, seed: int, tag: int) -> np.random.Generator:
    """The generator of one check's inputs: the run's seed, the cell's seed, the check's tag."""
    return np.random.default_rng([abs(int(run_seed)), abs(int(seed)), tag])


# --------------------------------------------------------------------------------------------
# Test functions (numpy, handed to the student's code) and their torch twins (judges only).
# ``*_params`` draws the point and the constants; both forms are rebuilt from them.
# --------------------------------------------------------------------------------------------

SCALAR_FUNCTIONS = ("coupled", "logsumexp", "cubic", "exp3")


def scalar_params(name: str, shape, rng: np.random.Generator) -> dict:
    """Point x (float array of ``shape``) and constants a for a scalar test function.

    coupled:   (sum(a * x))^2 + sum(sin x)      partials all differ, not separable
    logsumexp: log(sum(exp(x))) + sum(a * x^2)  softmax-like, not separable
    cubic:     (sum(a * x))^3 / 3 + sum(a * x^3) central differences depend on eps (eps^2 terms)
    exp3:      sum(exp(3 x))                    large curvature: exposes forward differences
    """
    shape = tuple(shape)
    x = rng.uniform(-1.0, 1.0, size=shape)
    a = rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    if name == "exp3":
        x = np.linspace(-0.5, 0.6, int(np.prod(shape))).reshape(shape) + rng.uniform(-0.05, 0.05)
    return {"x": np.asarray(x, dtype=np.float64), "a": np.asarray(a, dtype=np.float64)}


def scalar_numpy(name: str, params: dict):
    """The numpy form of a scalar test function (accepts any array of x's shape, ints too)."""
    a = params["a"]
    if name == "coupled":
        def f(z):
            z = np.asarray(z, dtype=np.float64)
            return float(np.sum(a * z) ** 2 + np.sum(np.sin(z)))
    elif name == "logsumexp":
        def f(z):  # x stays in [-1, 1]: exp cannot overflow, no shift is needed
            z = np.asarray(z, dtype=np.float64)
            return float(np.log(np.sum(np.exp(z))) + np.sum(a * z * z))
    elif name == "cubic":
        def f(z):
            z = np.asarray(z, dtype=np.float64)
            return float(np.sum(a * z) ** 3 / 3.0 + np.sum(a * z ** 3))
    elif name == "exp3":
        def f(z):
            return float(np.sum(np.exp(3.0 * np.asarray(z, dtype=np.float64))))
    else:
        raise ValueError(f"unknown scalar test function {name!r}")
    return f


def scalar_torch(name: str, params: dict):
    """The torch form of a scalar test function (judges only)."""
    import torch

    a = torch.as_tensor(params["a"])
    return {
        "coupled": lambda t: torch.sum(a * t) ** 2 + torch.sum(torch.sin(t)),
        "logsumexp": lambda t: torch.logsumexp(t.reshape(-1), 0) + torch.sum(a * t * t),
        "cubic": lambda t: torch.sum(a * t) ** 3 / 3.0 + torch.sum(a * t ** 3),
        "exp3": lambda t: torch.sum(torch.exp(3.0 * t)),
    }[name]


def vector_params(name: str, shape, rng: np.random.Generator, out: int = 4) -> dict:
    """Point x and constants for an array-valued test function.

    tanh_affine: tanh(A x.ravel() + b), ``out`` outputs          (out, x.size) Jacobian
    matrix_map:  exp(X / 2) @ B for X (r, c), B (c, 2)            (2r, r*c) Jacobian
    exp3_sum:    [exp(3 x), sum(x)] flattened                      large curvature
    cubic_map:   [a * x^3, (sum(a * x))^2 / 2], flattened           eps^2 terms
    """
    shape = tuple(shape)
    size = int(np.prod(shape))
    x = rng.uniform(-1.0, 1.0, size=shape)
    params = {"x": x, "A": rng.normal(size=(out, size)), "b": rng.normal(size=out),
              "B": rng.normal(size=(shape[-1] if shape else 1, 2)),
              "a": rng.uniform(0.5, 1.5, size=shape)}
    if name == "exp3_sum":
        params["x"] = np.linspace(-0.5, 0.6, size).reshape(shape)
    return params


def vector_numpy(name: str, params: dict):
    A, b, B, a = params["A"], params["b"], params["B"], params["a"]
    if name == "tanh_affine":
        def f(z):
            return np.tanh(A @ np.asarray(z, dtype=np.float64).reshape(-1) + b)
    elif name == "matrix_map":
        def f(z):
            return np.exp(0.5 * np.asarray(z, dtype=np.float64)) @ B
    elif name == "exp3_sum":
        def f(z):
            z = np.asarray(z, dtype=np.float64).reshape(-1)
            return np.concatenate([np.exp(3.0 * z), [np.sum(z)]])
    elif name == "cubic_map":
        def f(z):
            z = np.asarray(z, dtype=np.float64)
            return np.concatenate([(a * z ** 3).reshape(-1), [np.sum(a * z) ** 2 / 2.0]])
    else:
        raise ValueError(f"unknown vector test function {name!r}")
    return f


def vector_torch(name: str, params: dict):
    import torch

    A, b, B, a = (torch.as_tensor(params[k]) for k in ("A", "b", "B", "a"))
    return {
        "tanh_affine": lambda t: torch.tanh(A @ t.reshape(-1) + b),
        "matrix_map": lambda t: torch.exp(0.5 * t) @ B,
        "exp3_sum": lambda t: torch.cat([torch.exp(3.0 * t.reshape(-1)),
                                         torch.sum(t).reshape(1)]),
        "cubic_map": lambda t: torch.cat([(a * t ** 3).reshape(-1),
                                          (torch.sum(a * t) ** 2 / 2.0).reshape(1)]),
    }[name]


def reference_gradient(f, x, eps):
    """The course's centred differences at step ``eps`` (judges only)."""
    from nncourse.gradcheck import finite_difference_gradient

    return finite_difference_gradient(f, x, eps=eps)


def reference_jacobian(f, x, eps):
    from nncourse.gradcheck import finite_difference_jacobian

    return finite_difference_jacobian(f, x, eps=eps)



# --------------------------------------------------------------------------------------------
# Shared judging helpers
# --------------------------------------------------------------------------------------------

NUDGE_HINT = ("If you nudge one entry by +eps and -eps, put the saved value back before "
              "moving to the next entry (or work on a copy of x).")
SECTION_1 = "Section 1 of the notebook (the central difference, one entry at a time)."
SECTION_1_TRAPS = ("Section 1's 'three traps': a flattened non-contiguous array is a copy, an "
                   "integer array cannot hold x + eps, and a 0-d array has one entry.")


def is_float_result(label: str, got) -> Verdict:
    """A derivative is a float array (or a Python float), even for an integer x."""
    array = np.asarray(got)
    if array.dtype.kind not in "f":
        return Verdict.fail(f"{label}: the result has dtype {array.dtype}, expected floats.",
                            "The derivative of a function of integers is still a real "
                            "number: the result is a float array.", SECTION_1_TRAPS)
    return Verdict.ok()


# --------------------------------------------------------------------------------------------
# numerical_gradient
# --------------------------------------------------------------------------------------------

GRADIENT_CASES = (("coupled", (3, 4)), ("logsumexp", (5,)))


def judge_gradient(label: str, got, f_torch, x, rtol=1e-5, atol=1e-6) -> Verdict:
    from nncourse.gradcheck import torch_gradient

    expected = torch_gradient(f_torch, x)[0]
    return compare(label, got, expected, rtol=rtol, atol=atol,
                   hints=("Each entry of the gradient needs its own two evaluations of f, "
                          "with only that entry of x moved.", SECTION_1),
                   mistakes={"every entry got the same value: was eps added to the whole "
                             "array instead of to one entry?": np.full(np.shape(expected),
                                                                       np.sum(expected))})


@register
class NumericalGradientValues(Check):
    """numerical_gradient matches torch autograd on non-separable functions of (5,) and (3, 4)."""

    name = "numerical_gradient_values"
    rules = NUMPY_ONLY
    fresh = True
    defaults = {"seed": 0}

    def inputs(self, seed, run_seed):
        rng = rng_for(run_seed, seed, 301)
        return {name: scalar_params(name, shape, rng) for name, shape in GRADIENT_CASES}

    def probe(self, numerical_gradient, **args):
        return {name: numerical_gradient(scalar_numpy(name, params), params["x"])
                for name, params in self.inputs(**args).items()}

    def judge(self, seen, **args):
        return first_failure(*(judge_gradient(
            f"numerical_gradient of the {name!r} function at x of shape {params['x'].shape}",
            seen[name], scalar_torch(name, params), params["x"])
            for name, params in self.inputs(**args).items()))


def one_sided_differences(f_torch, x, eps):
    """What one-sided differences (f(x + eps e_i) - f(x)) / eps give, evaluated by torch on
    every moved point at once (diagnosis only)."""
    import torch

    point = torch.as_tensor(np.asarray(x, dtype=np.float64))
    moves = eps * torch.eye(point.numel(), dtype=torch.float64).reshape(-1, *point.shape)
    moved = torch.func.vmap(f_torch)(point + moves)
    return ((moved - f_torch(point)) / eps).reshape(point.shape).numpy()


def judge_step(label: str, got, f_np, f_torch, x, eps, jacobian=False) -> Verdict:
    """``got`` must be the centred difference at exactly the step ``eps`` (tight tolerance)."""
    from nncourse.gradcheck import torch_gradient, torch_jacobian

    if jacobian:
        expected, exact, one_sided = reference_jacobian(f_np, x, eps), torch_jacobian(
            f_torch, x), {}
    else:
        expected, exact = reference_gradient(f_np, x, eps), torch_gradient(f_torch, x)[0]
        one_sided = {
            "these are forward differences (only x + eps, no x - eps), whose error is "
            "O(eps).": one_sided_differences(f_torch, x, eps),
            "these are backward differences (only x - eps), whose error is O(eps).":
                one_sided_differences(f_torch, x, -eps)}
    return compare(f"{label} (vs. central differences with step eps = {eps:g})", got,
                   expected, rtol=1e-7, atol=1e-9,
                   hints=("The result must be the central difference with the step the "
                          "caller passed as eps, used as given.", SECTION_1),
                   mistakes={f"this is the exact derivative, not the central difference with "
                             f"step {eps:g}: was the eps argument ignored (a fixed small step "
                             "used instead)?": exact, **one_sided,
                             "divided by eps instead of 2 * eps.": 2 * expected})


STEP_LABELS = {"cubic": "a cubic", "exp3": "sum(exp(3x))",
               "cubic_map": "[a x^3, (a.x)^2 / 2]", "exp3_sum": "[exp(3x), sum(x)]"}


class CentralDifference(Check):
    """Shared by numerical_gradient_central and numerical_jacobian_central."""

    rules = NUMPY_ONLY
    fresh = True
    functions = ()  # the test functions: the first at the cell's eps, the second at 1e-3
    jacobian = False
    tag = 0

    def inputs(self, eps, n, seed, run_seed):
        rng = rng_for(run_seed, seed, self.tag)
        draw = vector_params if self.jacobian else scalar_params
        return {name: (draw(name, (n,), rng), step)
                for name, step in zip(self.functions, (eps, 1e-3), strict=True)}

    def probe(self, fn, **args):
        build = vector_numpy if self.jacobian else scalar_numpy
        return {name: fn(build(name, params), params["x"], eps=step)
                for name, (params, step) in self.inputs(**args).items()}

    def judge(self, seen, **args):
        build, twin = (vector_numpy, vector_torch) if self.jacobian else (scalar_numpy,
                                                                          scalar_torch)
        owner = self.name.removesuffix("_central")
        return first_failure(*(judge_step(
            f"{owner} of {STEP_LABELS[name]}, x of shape {params['x'].shape}, eps={step:g}",
            seen[name], build(name, params), twin(name, params), params["x"], step,
            jacobian=self.jacobian) for name, (params, step) in self.inputs(**args).items()))


@register
class NumericalGradientCentral(CentralDifference):
    """numerical_gradient is the central difference at exactly the step eps it is given."""

    name = "numerical_gradient_central"
    defaults = {"eps": 0.1, "n": 4, "seed": 0}
    functions = ("cubic", "exp3")
    tag = 302


@register
class NumericalGradientLeavesX(Check):
    """numerical_gradient leaves x unchanged (2-D x, default and explicit eps)."""

    name = "numerical_gradient_leaves_x"
    rules = NUMPY_ONLY
    fresh = True
    defaults = {"seed": 1}

    def inputs(self, seed, run_seed):
        return scalar_params("coupled", (2, 3), rng_for(run_seed, seed, 303))

    def probe(self, numerical_gradient, **args):
        params = self.inputs(**args)
        f = scalar_numpy("coupled", params)
        return {"default": on_copies(numerical_gradient, f, params["x"])[1],
                "1e-3": on_copies(numerical_gradient, f, params["x"], eps=1e-3)[1]}

    def judge(self, seen, **args):
        x = self.inputs(**args)["x"]
        return first_failure(
            unchanged("numerical_gradient(f, x)", x, seen["default"]["1"], NUDGE_HINT),
            unchanged("numerical_gradient(f, x, eps=1e-3)", x, seen["1e-3"]["1"], NUDGE_HINT))


def any_array_inputs(rng: np.random.Generator) -> dict:
    """Bases and how each x is taken from its base: a transpose, a strided slice, integers,
    0-d arrays (float and integer). Returns {label: base}."""
    return {
        "W.T": rng.uniform(-1.0, 1.0, size=(3, 4)),
        "A[:, ::2]": rng.uniform(-1.0, 1.0, size=(3, 6)),
        "integers": rng.integers(-3, 4, size=(2, 3)),
        "0-d float": np.array(rng.uniform(-1.0, 1.0)),
        "0-d integer": np.array(int(rng.integers(1, 4))),
    }


def view_of(label: str, base: np.ndarray) -> np.ndarray:
    """The array handed to the student's function: a view of ``base`` (or base itself)."""
    if label == "W.T":
        return base.T
    if label == "A[:, ::2]":
        return base[:, ::2]
    return base


ANY_ARRAY_EPS = 1e-3
NOT_REACHED = ("the nudges never reached x: a flattened copy of a non-contiguous array was "
               "perturbed instead.")
TRUNCATED = "an integer array cannot hold x + eps (it is truncated back to an integer)."
TRAPS = {"W.T": NOT_REACHED, "A[:, ::2]": NOT_REACHED, "integers": TRUNCATED,
         "0-d integer": TRUNCATED}


class AnyArray(Check):
    """Shared by numerical_gradient_any_array and numerical_jacobian_any_array."""

    rules = NUMPY_ONLY
    fresh = True
    defaults = {"seed": 0}
    vector = False
    tag = 0

    def inputs(self, seed, run_seed):
        """{label: (base, params)}: the student's x is ``view_of(label, base)``."""
        rng = rng_for(run_seed, seed, self.tag)
        draw = ((lambda shape: vector_params("cubic_map", shape, rng)) if self.vector
                else (lambda shape: scalar_params("cubic", shape, rng)))
        return {label: (base, draw(np.shape(view_of(label, base))))
                for label, base in any_array_inputs(rng).items()}

    def function(self, params):
        return vector_numpy("cubic_map", params) if self.vector else scalar_numpy("cubic",
                                                                                   params)

    def probe(self, fn, **args):
        # the call gets a view of the base; the base, returned as it is left, shows any change
        return {label: {"result": fn(self.function(params), view_of(label, base),
                                     eps=ANY_ARRAY_EPS), "base_after": base}
                for label, (base, params) in self.inputs(**args).items()}

    def judge(self, seen, **args):
        owner = "numerical_jacobian" if self.vector else "numerical_gradient"
        verdicts = []
        for label, (base, params) in self.inputs(**args).items():
            x = view_of(label, base)
            f = self.function(params)
            expected = (reference_jacobian(f, x, ANY_ARRAY_EPS) if self.vector
                        else reference_gradient(f, x, ANY_ARRAY_EPS))
            what = (f"{owner} at x = {label} (shape {np.shape(x)}, "
                    f"{'contiguous' if x.flags.c_contiguous else 'not contiguous'}, "
                    f"dtype {np.asarray(x).dtype})")
            got = seen[label]["result"]
            verdicts += [
                compare(what, got, expected, rtol=1e-7, atol=1e-9,
                        hints=("The function must work for every array: check which kind "
                               "of x fails.", SECTION_1_TRAPS),
                        mistakes={TRAPS[label]: np.zeros(expected.shape)} if label in TRAPS
                        else None),
                is_float_result(what, got),
                unchanged(f"{owner} at x = {label}", base, seen[label]["base_after"],
                          NUDGE_HINT)]
        return first_failure(*verdicts)


@register
class NumericalGradientAnyArray(AnyArray):
    """numerical_gradient works for x = W.T, A[:, ::2], integer and 0-d arrays: floats, x kept."""

    name = "numerical_gradient_any_array"
    tag = 304


# --------------------------------------------------------------------------------------------
# numerical_jacobian
# --------------------------------------------------------------------------------------------

JACOBIAN_CASES = (("tanh_affine", (3,)), ("matrix_map", (2, 3)))
VIEW_HINTS = ("The Jacobian of f(v) = v is the identity matrix: check that your function gets "
              "it, and look at what f returns (here: x itself).",
              "Section 3: the output kept from the +eps evaluation must not be a view of x; "
              "copy it before changing x again.")


def judge_identity(label: str, got, x) -> Verdict:
    """numerical_jacobian of f(v) = v (which returns x itself) is the identity (torch)."""
    from nncourse.gradcheck import torch_jacobian

    oracle_jacobian = torch_jacobian(lambda t: t, x)
    return compare(label, got, oracle_jacobian, rtol=1e-5, atol=1e-6, hints=VIEW_HINTS,
                   mistakes={"f returned x itself, and the output kept from the +eps "
                             "evaluation changed with x: it was a view, not a copy.":
                                 np.zeros(oracle_jacobian.shape)})


def judge_jacobian(label: str, got, f_np, f_torch, x, eps=1e-6, rtol=1e-5,
                   atol=1e-6) -> Verdict:
    from nncourse.gradcheck import gradient_check, torch_jacobian

    oracle_jacobian = torch_jacobian(f_torch, x)
    numeric = reference_jacobian(f_np, x, eps)
    verdict = gradient_check(label, got, numeric, oracle=oracle_jacobian, rtol=rtol, atol=atol,
                             hints=("Row i holds the derivatives of output i (flattened); "
                                    "column j the derivatives with respect to input j "
                                    "(flattened): shape (f(x).size, x.size).",
                                    "Section 3: one central difference per input entry "
                                    "fills one column."))
    got = np.asarray(got, dtype=np.float64) if not verdict.passed else None
    if (got is not None and got.shape == oracle_jacobian.shape[::-1]
            and got.shape != oracle_jacobian.shape):
        verdict.message += ("\n  likely cause: transposed: column j should hold what moving "
                            "input j does.")
    return verdict


@register
class NumericalJacobianValues(Check):
    """numerical_jacobian returns the (f(x).size, x.size) matrix (row i: output i), matching
    torch, and leaves x unchanged."""

    name = "numerical_jacobian_values"
    rules = NUMPY_ONLY
    fresh = True
    defaults = {"seed": 0}

    def inputs(self, seed, run_seed):
        rng = rng_for(run_seed, seed, 311)
        cases = {name: vector_params(name, shape, rng) for name, shape in JACOBIAN_CASES}
        return {"cases": cases, "point": rng.uniform(-1.0, 1.0, size=3)}

    def probe(self, numerical_jacobian, **args):
        made = self.inputs(**args)
        seen = {name: on_copies(numerical_jacobian, vector_numpy(name, params), params["x"])
                for name, params in made["cases"].items()}
        return {**seen, "identity": numerical_jacobian(lambda v: v, made["point"])}

    def judge(self, seen, **args):
        made = self.inputs(**args)
        verdicts = []
        for name, params in made["cases"].items():
            jacobian, after = seen[name]
            verdicts += [judge_jacobian(f"numerical_jacobian of {name!r} at x of shape "
                                        f"{params['x'].shape}", jacobian,
                                        vector_numpy(name, params), vector_torch(name, params),
                                        params["x"]),
                         unchanged(f"numerical_jacobian of {name!r}", params["x"], after["1"],
                                   NUDGE_HINT)]
        verdicts.append(judge_identity("numerical_jacobian of f(v) = v (f returns x itself) at "
                                       "x of shape (3,)", seen["identity"], made["point"]))
        return first_failure(*verdicts)


@register
class NumericalJacobianCentral(CentralDifference):
    """numerical_jacobian is the central difference at exactly the step eps it is given."""

    name = "numerical_jacobian_central"
    defaults = {"eps": 0.1, "n": 3, "seed": 0}
    functions = ("cubic_map", "exp3_sum")
    jacobian = True
    tag = 312


@register
class NumericalJacobianAnyArray(AnyArray):
    """numerical_jacobian works for x = W.T, A[:, ::2], integer and 0-d arrays: floats, x kept."""

    name = "numerical_jacobian_any_array"
    vector = True
    tag = 313


# --------------------------------------------------------------------------------------------
# Activation derivatives
# --------------------------------------------------------------------------------------------


def activation_inputs(rng: np.random.Generator) -> dict:
    """A (2, 7) grid spanning the interesting range, a (3, 4) random array, a (2, 3, 4) one,
    a non-contiguous (4, 3) view, magnitudes up to 1000 and :data:`EXTREMES` (the kinds the
    grade uses)."""
    random = rng.normal(scale=3.0, size=(3, 4))
    return {"grid": np.linspace(-6.0, 6.0, 14).reshape(2, 7), "random": random,
            "cube": rng.normal(scale=4.0, size=(2, 3, 4)),
            "view": rng.normal(scale=4.0, size=(3, 8))[:, ::2].T,
            "big": np.array([-1000.0, -40.0, 0.5, 40.0, 1000.0]),
            "extremes": EXTREMES.copy()}


def _torch_activation(kind):
    import torch

    return {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[kind]


def torch_activation_grad(kind: str, z) -> np.ndarray:
    """d/dz of the activation, elementwise, by torch autograd (judges only)."""
    from nncourse.gradcheck import torch_gradient

    act = _torch_activation(kind)
    return torch_gradient(lambda t: act(t).sum(), np.asarray(z, dtype=np.float64))[0]


ACTIVATION_HINTS = {
    "sigmoid": ("Compare your values with the central differences of the sigmoid at a few z "
                "(z = 0 is a good start).",
                "Section 4: differentiate 1 / (1 + e^(-z)) with the chain rule, then write "
                "the result with sigma(z) itself."),
    "tanh": ("Compare your values with the central differences of tanh at a few z.",
             "Section 4: write tanh as sinh / cosh and use the quotient rule; the result "
             "can be written with tanh(z) itself."),
    "relu": ("Look at the sign of z: what is the slope of max(z, 0) on each side, and what "
             "does the course use at z = 0?",
             "Section 4: the slope on each side of the kink, and relu'(0) = 0."),
}


EXACT_RTOL, EXACT_ATOL = 1e-11, 1e-13
"""A derived derivative agrees with torch to round-off (about 1e-16); central differences
with any step are off by 1e-12 or more (truncation plus round-off / eps)."""

ACTIVATION_ROUNDOFFS = 8
"""sigmoid' and tanh' may be off by 8 round-offs (1.8e-15) at any z: the six closed forms
measured (written with the function's own value, with cosh, or with exponentials of |z|) are
within 1.2; the best difference quotient in float64 is not (Richardson extrapolation at a
tuned step: 17 round-offs on sigmoid, 25 on tanh; 6th-order central differences 51)."""

APPROXIMATE = ("\n  likely cause: close to the derivative but not equal to it (largest error "
               "{error:.1e}; an exact formula agrees with torch to about 1e-16): "
               "finite differences instead of the derived formula?")


def as_floats(value) -> np.ndarray | None:
    """``value`` as a float array, or None if it is not one (diagnosis only)."""
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def exact_compare(label: str, got, expected, hints, mistakes=None, size=None,
                  roundoffs: float = 64) -> Verdict:
    """``got`` must equal ``expected`` to round-off; an approximation is named as such.
    size: each entry's own magnitude (see :func:`nncourse.compare.compare_derived`); then
    every entry must be within ``roundoffs`` round-offs of it."""
    verdict = compare(label, got, expected, rtol=EXACT_RTOL, atol=EXACT_ATOL, hints=hints,
                      mistakes=mistakes)
    if verdict.passed:
        if size is None:
            return verdict
        return compare_derived(label, got, expected, size=size, roundoffs=roundoffs,
                               hints=hints)
    try:
        array = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return verdict
    expected = np.asarray(expected, dtype=np.float64)
    if (array.shape == expected.shape and np.all(np.isfinite(array))
            and np.allclose(array, expected, rtol=1e-5, atol=1e-8)):
        verdict.message += APPROXIMATE.format(error=float(np.max(np.abs(array - expected))))
    return verdict


def judge_float_array(label: str, got, use: str) -> Verdict:
    """The docstring's "float array": a numpy array of floats. A list, or a bool or integer
    array, with the right numbers in it is not (``use``: what the notebook does with it that
    the other type breaks or changes)."""
    if isinstance(got, np.ndarray) and got.dtype.kind == "f":
        return Verdict.ok()
    what = (f"a numpy array of dtype {got.dtype}" if isinstance(got, np.ndarray)
            else f"a {type(got).__name__}")
    return Verdict.fail(f"{label}: the numbers are right, but it returned {what}; the "
                        "docstring's Returns line asks for a float array.",
                        f"Return one numpy array of floats: {use}",
                        "Look at the type and dtype of what you return (type(r), r.dtype) "
                        "on a small input.")


def judge_activation(kind: str, label: str, got, z, hints=None, mistakes=None) -> Verdict:
    """Elementwise derivative vs torch autograd of sum(f), to round-off: relu's exactly,
    sigmoid's and tanh's within :data:`ACTIVATION_ROUNDOFFS` round-offs; a float array."""
    hints = ACTIVATION_HINTS[kind] if hints is None else hints
    expected = torch_activation_grad(kind, z)
    return first_failure(
        exact_compare(label, got, expected, hints, mistakes,
                      size=np.abs(expected) if kind == "relu" else 1.0,
                      roundoffs=ACTIVATION_ROUNDOFFS),
        judge_float_array(label, got, "a layer multiplies it into the upstream gradient, and "
                          "a bool or integer array is not a derivative's value."))


ACTIVATION_LABELS = {"special": "of [[-2, -0.001, 0], [0.001, 2, 0]]",
                     "grid": "on a (2, 7) grid in [-6, 6]", "random": "of a (3, 4) array",
                     "cube": "of a (2, 3, 4) array", "view": "of a non-contiguous (4, 3) view",
                     "big": "of [-1000, -40, 0.5, 40, 1000]",
                     "extremes": "of [-1.7e308, -1e300, -1e-300, -5e-324, 0, 5e-324, 1e-300, "
                                 "1e300, 1.7e308]"}


class ActivationGradValues(Check):
    """Shared by the sigmoid_grad, tanh_grad and relu_grad checks."""

    kind = ""
    rules = ANALYTIC
    fresh = True
    defaults = {"seed": 0}

    def inputs(self, seed, run_seed):
        return activation_inputs(rng_for(run_seed, seed, 320))

    def mistakes(self, z) -> dict:
        """The known mistakes: {cause: what that mistake returns for z}."""
        return {}

    def property_mistake(self, z, got) -> str | None:
        """The cause of a mistake recognised by a property of ``got`` (not by recomputing
        it), or None."""
        return None

    def probe(self, fn, **args):
        return {key: fn(z) for key, z in self.inputs(**args).items()}

    def judge(self, seen, **args):
        verdicts = []
        for key, z in self.inputs(**args).items():
            mistakes = self.mistakes(z)
            cause = self.property_mistake(z, as_floats(seen[key]))
            if cause:  # named as what ``got`` itself returns: it precedes the generic patterns
                mistakes[cause] = seen[key]
            verdicts.append(judge_activation(self.kind, f"{self.kind}_grad "
                                             f"{ACTIVATION_LABELS[key]}", seen[key], z,
                                             hints=ACTIVATION_HINTS[self.kind],
                                             mistakes=mistakes))
        return first_failure(*verdicts)


@register
class SigmoidGradValues(ActivationGradValues):
    """sigmoid_grad matches torch autograd, elementwise (no finite differences inside)."""

    name = "sigmoid_grad_values"
    kind = "sigmoid"

    def mistakes(self, z):
        return {"that is sigma(z) itself, not its derivative.": oracle.sigmoid(z)}


@register
class TanhGradValues(ActivationGradValues):
    """tanh_grad matches torch autograd, elementwise (no finite differences inside)."""

    name = "tanh_grad_values"
    kind = "tanh"

    def mistakes(self, z):
        return {"that is tanh(z) itself, not its derivative.": np.tanh(z)}

    def property_mistake(self, z, got):
        if got is not None and got.shape == np.shape(z) and np.any(got < 0):
            return ("some values are negative, but tanh only rises: its slope is positive "
                    "everywhere (and at most 1). Was a formula in terms of tanh(z) applied "
                    "to z itself?")
        return None


@register
class ReluGradValues(ActivationGradValues):
    """relu_grad is 1 for z > 0 and 0 for z <= 0 (including z = 0); matches torch."""

    name = "relu_grad_values"

    expected_hidden = True
    kind = "relu"

    def inputs(self, seed, run_seed):
        return {"special": np.array([[-2.0, -1e-3, 0.0], [1e-3, 2.0, 0.0]]),
                **super().inputs(seed, run_seed)}

    def mistakes(self, z):
        return {"negative inputs must have derivative 0.": np.ones(z.shape),
                "negative inputs must have derivative 0, not -1.": np.sign(z),
                "that is relu(z) itself, not its derivative.": np.maximum(z, 0.0)}

    def property_mistake(self, z, got):
        zero = np.asarray(z) == 0  # right everywhere but at z == 0, where it is not 0
        if (got is not None and got.shape == np.shape(z) and zero.any()
                and np.any(got[zero] != 0)
                and np.array_equal(got[~zero], torch_activation_grad("relu", z)[~zero])):
            return "relu_grad(0) should be 0 (the convention)."
        return None


# --------------------------------------------------------------------------------------------
# softmax and its Jacobian
# --------------------------------------------------------------------------------------------

SOFTMAX_HINTS = ("Each row (the last axis) is one distribution: check that your rows, not "
                 "your columns or the whole array, sum to 1.",
                 "Section 5: compute softmax([1, 2, 3]) by hand and compare; then put that "
                 "row in a (2, 3) array under another row, and check each row of your result "
                 "on its own.")
STABLE_HINTS = ("exp of a score of 1000 overflows, and exp of -2000 is 0: look at rows whose "
                "largest score is far from the other rows' largest.",
                "Section 5: which change to a row's scores leaves its softmax the same? Try "
                "it on [1, 2, 3] and [1001, 1002, 1003], then ask what must differ when the "
                "rows' largest scores differ.")


@register
class SoftmaxValues(Check):
    """softmax matches torch.softmax along the last axis for (5,) and (3, 5) inputs."""

    name = "softmax_values"
    rules = NUMPY_ONLY
    fresh = True
    defaults = {"seed": 0}

    def inputs(self, seed, run_seed):
        rng = rng_for(run_seed, seed, 330)
        return {"one": rng.normal(scale=2.0, size=5), "batch": rng.normal(scale=2.0, size=(3, 5))}

    def probe(self, softmax, **args):
        z = self.inputs(**args)
        return {"one": softmax(z["one"]), "batch": on_copies(softmax, z["batch"])}

    def judge(self, seen, **args):
        z = self.inputs(**args)
        batch, after = seen["batch"]
        zb = z["batch"]
        return first_failure(
            compare("softmax of a (5,) vector", seen["one"], oracle.softmax(z["one"]),
                    hints=SOFTMAX_HINTS),
            compare("softmax of a (3, 5) array (one distribution per row)", batch,
                    oracle.softmax(zb), hints=SOFTMAX_HINTS, mistakes={
                        "the columns sum to 1: normalised over axis 0 instead of the last "
                        "axis.": oracle.softmax(zb.T).T,
                        "all 15 entries sum to 1: the sum ran over the whole array instead "
                        "of each row.": oracle.softmax(zb.reshape(-1)).reshape(zb.shape)}),
            unchanged("softmax", zb, after["0"]))


@register
class SoftmaxStable(Check):
    """softmax is finite, warning-free and right at magnitude 1000, rows with different maxima."""

    name = "softmax_stable"
    rules = NUMPY_ONLY
    warnings_fail = True
    stability_idea = STABLE_HINTS[1]
    LABELS = {"one": "softmax([1000, 999, 998])",
              "batch": "softmax of rows with entries of magnitude 1000 and different maxima "
                       "(1000, 1000, -999, -1499)"}

    def inputs(self):
        return {"one": np.array([1000.0, 999.0, 998.0]),
                "batch": np.array([[-1000.0, 0.0, 1000.0], [1000.0, 1000.0, 1000.0],
                                   [-1000.0, -1000.0, -999.0], [-1500.0, -1501.0, -1499.0]])}

    def probe(self, softmax):
        return {key: softmax(z) for key, z in self.inputs().items()}

    def judge(self, seen):
        return first_failure(*(compare(self.LABELS[key], seen[key], oracle.softmax(z),
                                       atol=1e-12, hints=STABLE_HINTS)
                               for key, z in self.inputs().items()))


JACOBIAN_SOFTMAX_HINTS = (
    "Two cases: the derivative of p_i with respect to its own score z_i, and with respect "
    "to another score z_j; check the diagonal and the off-diagonal entries separately.",
    "Section 5: differentiate exp(z_i) / S with S = sum_j exp(z_j) (the quotient rule); the "
    "K = 2 case must agree with your sigmoid_grad.")


def softmax_jacobian_size(z) -> np.ndarray:
    """(K, K): each entry's size, the sum of the sizes of the two terms the chain rule gives it
    through ``exp(z - logsumexp(z))``: the exponential's own slope (logsumexp held fixed) and
    the slope through logsumexp (the exponential held fixed), each by torch. A judge allows a
    few round-offs of this size, times 1 + max |z| (p is exact only to the round-off of the
    scores), which no difference quotient in float64 reaches (Richardson extrapolation at a
    tuned step: 100 round-offs)."""
    import torch

    from nncourse.gradcheck import torch_jacobian

    t = torch.as_tensor(np.asarray(z, dtype=np.float64))
    fixed_lse = torch.logsumexp(t, dim=-1).detach()
    fixed_p = torch.softmax(t, dim=-1).detach()
    through_exp = torch_jacobian(lambda u: torch.exp(u - fixed_lse), z)
    through_lse = torch_jacobian(lambda u: fixed_p * torch.logsumexp(u, dim=-1), z)
    return np.abs(through_exp) + np.abs(through_lse)


def judge_softmax_jacobian(label: str, got, z) -> Verdict:
    import torch

    from nncourse.gradcheck import torch_jacobian

    expected = torch_jacobian(lambda t: torch.softmax(t, dim=-1), z)
    size = softmax_jacobian_size(z) * (1.0 + float(np.max(np.abs(z), initial=0.0)))
    verdict = exact_compare(label, got, expected, JACOBIAN_SOFTMAX_HINTS, size=size,
                            roundoffs=ACTIVATION_ROUNDOFFS)
    got = np.asarray(got, dtype=np.float64) if not verdict.passed else None
    # which part is wrong: bespoke, as a partly right matrix is no one mistake's result
    if (got is not None and got.shape == expected.shape and np.all(np.isfinite(got))
            and "likely cause" not in verdict.message):
        off = ~np.eye(len(expected), dtype=bool)
        diagonal_ok = np.allclose(np.diag(got), np.diag(expected), rtol=1e-6, atol=1e-9)
        off_ok = np.allclose(got[off], expected[off], rtol=1e-6, atol=1e-9)
        if diagonal_ok and not off_ok:
            verdict.message += "\n  likely cause: the diagonal is right, the off-diagonal is not."
        elif off_ok and not diagonal_ok:
            verdict.message += "\n  likely cause: the off-diagonal is right, the diagonal is not."
        elif not np.allclose(got.sum(axis=0), 0.0, atol=1e-9):
            verdict.message += ("\n  likely cause: the columns do not sum to 0, but the "
                                "probabilities always sum to 1 whatever z_j does.")
    return verdict


@register
class SoftmaxJacobianValues(Check):
    """softmax_jacobian(z) of a (K,) z is the (K, K) matrix of d p_i / d z_j, matching torch,
    also for scores of magnitude 1000 (finite and warning-free)."""

    name = "softmax_jacobian_values"
    rules = ANALYTIC
    fresh = True
    warnings_fail = True
    defaults = {"seed": 0, "k": 4}
    LARGE = np.array([1000.0, 999.0, -1000.0, 998.5])

    def inputs(self, seed, k, run_seed):
        return rng_for(run_seed, seed, 335).normal(scale=1.5, size=k)

    def probe(self, softmax_jacobian, **args):
        return {"jac": on_copies(softmax_jacobian, self.inputs(**args)),
                "large": softmax_jacobian(self.LARGE.copy())}

    def judge(self, seen, **args):
        z = self.inputs(**args)
        jacobian, after = seen["jac"]
        return first_failure(judge_softmax_jacobian(f"softmax_jacobian of z with shape "
                                                    f"({len(z)},)", jacobian, z),
                             unchanged("softmax_jacobian", z, after["0"]),
                             judge_softmax_jacobian("softmax_jacobian of z = [1000, 999, "
                                                    "-1000, 998.5]", seen["large"],
                                                    self.LARGE))


# --------------------------------------------------------------------------------------------
# The Jacobian of x @ W with respect to W
# --------------------------------------------------------------------------------------------


def linear_case(n, m, rng):
    return rng.normal(size=n), rng.normal(size=(n, m))


def judge_linear_jacobian(label: str, got, x, W) -> Verdict:
    import torch

    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))
    expected = torch.autograd.functional.jacobian(lambda w: xt @ w, torch.as_tensor(W)).numpy()
    return exact_compare(label, got, expected, size=np.abs(expected),
                   hints=("Slice J[i] (an (n, m) matrix) holds the derivatives of output i "
                          "with respect to every weight: which weights does output i use?",
                          "Section 6: write f_1 and f_2 out for n = m = 2 and read off "
                          "which W_jk each one contains, and with what factor."),
                   mistakes={"x sits on the wrong axis of the tensor: which index of W_jk "
                             "meets x in the product x @ W?":
                                 torch.autograd.functional.jacobian(  # the layout W @ x's
                                     lambda v: v @ xt, torch.zeros(W.shape[::-1],
                                                                   dtype=torch.float64)
                                 ).numpy()})


@register
class LinearJacobianValues(Check):
    """linear_jacobian_wrt_weights(x, m) is the (m, n, m) tensor of dF_i / dW_jk, matching torch."""

    name = "linear_jacobian_values"
    rules = ANALYTIC
    fresh = True
    defaults = {"n": 3, "m": 4, "seed": 0}

    def inputs(self, n, m, seed, run_seed):
        return linear_case(n, m, rng_for(run_seed, seed, 340))

    def probe(self, linear_jacobian_wrt_weights, m, **args):
        x, _ = self.inputs(m=m, **args)
        return {"jac": on_copies(linear_jacobian_wrt_weights, x, m),
                "extremes": linear_jacobian_wrt_weights(EXTREMES.copy(), 2)}

    def judge(self, seen, n, m, **args):
        x, W = self.inputs(n=n, m=m, **args)
        jacobian, after = seen["jac"]
        return first_failure(
            judge_linear_jacobian(f"linear_jacobian_wrt_weights(x of shape ({n},), m={m})",
                                  jacobian, x, W),
            unchanged("linear_jacobian_wrt_weights", x, after["0"]),
            judge_linear_jacobian("linear_jacobian_wrt_weights(x = [-1.7e308, -1e300, ..., "
                                  "5e-324, ..., 1.7e308], m=2)", seen["extremes"], EXTREMES,
                                  np.zeros((EXTREMES.size, 2))))


# --------------------------------------------------------------------------------------------
# The chain rule
# --------------------------------------------------------------------------------------------


def random_chain(shapes, rng):
    """Jacobians J_1..J_k with J_i of shape (shapes[i], shapes[i-1]) (input size first)."""
    return [rng.normal(size=(b, a)) for a, b in zip(shapes[:-1], shapes[1:], strict=True)]


def expected_chain(jacobians):
    """The Jacobian of the composition of the linear maps v -> J_i v, by torch autograd
    (judges only)."""
    import torch

    from nncourse.gradcheck import torch_jacobian

    maps = [torch.as_tensor(np.asarray(J, dtype=np.float64)) for J in jacobians]

    def composition(t):
        for J in maps:
            t = J @ t
        return t

    return torch_jacobian(composition, np.zeros(maps[0].shape[1]))


CHAIN_HINTS = ("The shapes only fit one way round: (d_2, d_1) @ (d_1, d_0).",
               "Section 7: the Jacobian of the function applied last stands on the left.")
SQUARE_CHAIN_HINTS = ("These Jacobians are all square, so any order of the product has the "
                      "right shape: here only the order of the factors decides the values.",
                      CHAIN_HINTS[1])


def chain_hints(jacobians) -> tuple[str, str]:
    """The shapes hint where the shapes decide the order, the order hint where every
    Jacobian is square of one size (any order fits)."""
    shapes = {np.shape(J) for J in jacobians}
    if len(shapes) == 1 and len(next(iter(shapes))) == 2 and len(set(next(iter(shapes)))) == 1:
        return SQUARE_CHAIN_HINTS
    return CHAIN_HINTS


def judge_chain(label: str, got, jacobians) -> Verdict:
    try:
        backwards = {"multiplied in the wrong order.": np.linalg.multi_dot(jacobians)}
    except ValueError:  # one matrix, or shapes that do not fit the wrong way round
        backwards = {}
    return compare(label, got, expected_chain(jacobians), rtol=1e-9, atol=1e-10,
                   hints=chain_hints(jacobians), mistakes=backwards)


def judge_unchanged_list(label: str, after, jacobians) -> Verdict:
    """The list passed in, as the call left it: the same matrices in the same order (a list,
    not one array: bespoke, for the list's own length and order)."""
    if not isinstance(after, list) or len(after) != len(jacobians) or not all(
            np.shape(a) == J.shape and np.array_equal(a, J)
            for a, J in zip(after, jacobians, strict=True)):
        return Verdict.fail(f"{label}: the list of Jacobians passed in was changed by the call "
                            "(reordered, emptied or its matrices modified).",
                            "Iterate over the list (reversed(...) or indices) instead of "
                            "reversing, popping or multiplying into it in place.",
                            "Print the list (its length, and each matrix) before and after one "
                            "call on three small matrices: what did the call change?")
    return Verdict.ok()


@register
class ChainJacobiansValues(Check):
    """chain_jacobians composes a non-square and a square chain of Jacobians; list unchanged."""

    name = "chain_jacobians_values"
    rules = ANALYTIC
    fresh = True
    defaults = {"shapes": (3, 4, 2, 5), "square": 3, "seed": 0}

    def inputs(self, shapes, square, seed, run_seed):
        rng = rng_for(run_seed, seed, 350)
        return random_chain(list(shapes), rng), random_chain([square] * 4, rng)

    def probe(self, chain_jacobians, **args):
        rect, squares = self.inputs(**args)
        try:
            out_rect = chain_jacobians(rect)
        except ValueError as error:  # typically matmul's shape mismatch
            out_rect = f"raised ValueError: {error}"[:300]
        # the list itself, as the call left it
        return {"rect": out_rect, "square": chain_jacobians(squares), "after": squares}

    def judge(self, seen, square, **args):
        rect, squares = self.inputs(square=square, **args)
        label = f"chain_jacobians of Jacobians with shapes {[J.shape for J in rect]}"
        if isinstance(seen["rect"], str):
            return Verdict.fail(f"{label} {seen['rect']}", *CHAIN_HINTS)
        return first_failure(
            judge_chain(label, seen["rect"], rect),
            judge_chain(f"chain_jacobians of three ({square}, {square}) Jacobians",
                        seen["square"], squares),
            judge_unchanged_list("chain_jacobians", seen["after"], squares))


@register
class ChainJacobiansComposition(Check):
    """chain_jacobians of the local Jacobians of exp(A3 sin(A1 x)) equals torch's Jacobian."""

    name = "chain_jacobians_composition"
    rules = ANALYTIC
    fresh = True
    defaults = {"seed": 0}

    def inputs(self, seed, run_seed):
        """x0 and the matrices of exp(A3 sin(A1 x)): R^3 -> R^4 -> R^4 -> R^2 -> R^2, and
        the four local Jacobians at x0."""
        rng = rng_for(run_seed, seed, 355)
        x0, A1, A3 = rng.normal(size=3), rng.normal(size=(4, 3)), rng.normal(size=(2, 4))
        h1 = A1 @ x0
        local = [A1, np.diag(np.cos(h1)), A3, np.diag(np.exp(A3 @ np.sin(h1)))]
        return {"x0": x0, "A1": A1, "A3": A3, "local": local}

    def probe(self, chain_jacobians, **args):
        return {"jac": chain_jacobians(self.inputs(**args)["local"])}

    def judge(self, seen, **args):
        import torch

        from nncourse.gradcheck import torch_jacobian

        made = self.inputs(**args)
        A1t, A3t = torch.as_tensor(made["A1"]), torch.as_tensor(made["A3"])
        expected = torch_jacobian(lambda t: torch.exp(A3t @ torch.sin(A1t @ t)), made["x0"])
        return compare("chain_jacobians([A1, diag(cos), A3, diag(exp)]) (vs. torch's Jacobian "
                       "of exp(A3 sin(A1 x)))", seen["jac"], expected, rtol=1e-6, atol=1e-9,
                       hints=CHAIN_HINTS)


# --------------------------------------------------------------------------------------------
# Gradient descent
# --------------------------------------------------------------------------------------------

QUADRATIC_RATES = (0.1, 0.9, 1.05)


def quadratic_1d_grad(theta):
    """Gradient of (theta - 2)^2 (handed to the student's gradient_descent)."""
    return 2.0 * (np.asarray(theta, dtype=np.float64) - 2.0)


def shifted_quadratic_grad(theta):
    """Gradient of 3 (theta + 1)^2: same start, rate and steps as a case of (theta - 2)^2,
    another function (a result that ignores the gradient cannot be right for both)."""
    return 6.0 * (np.asarray(theta, dtype=np.float64) + 1.0)


def ellipse_grad(theta):
    """Gradient of 4 x^2 + y^2 at theta = (x, y)."""
    theta = np.asarray(theta, dtype=np.float64)
    return np.array([8.0 * theta[0], 2.0 * theta[1]])


DESCENT_HINTS = ("Row 0 is theta0; each further row is one update of the row before it: "
                 "steps + 1 rows in all.",
                 "Section 8: do two steps by hand on the lesson's 1-D quadratic (a small "
                 "lr) and compare them with rows 1 and 2 of your path: does each step go "
                 "downhill, and how does lr change its length?")


def judge_descent(label: str, got, expected, mistakes=None) -> Verdict:
    verdict = compare(label, got, expected, rtol=1e-9, atol=1e-12, hints=DESCENT_HINTS,
                      mistakes=mistakes)
    if verdict.passed:
        return judge_float_array(label, got, "the notebook's demos index the path as "
                                 "path[:, 0], which a list does not allow.")
    got = np.asarray(got, dtype=np.float64)
    # a wrong number of rows: bespoke, as compare names no value mistake on a shape mismatch
    if not verdict.passed and got.shape != expected.shape:
        if got.shape == expected.shape[1:] or got.size == expected[-1].size:
            verdict.message += ("\n  likely cause: only the last iterate was returned; return "
                                "all of them, stacked.")
        elif got.ndim >= 1 and got.shape[0] == expected.shape[0] - 1:
            verdict.message += "\n  likely cause: the starting point theta0 is missing (row 0)."
    return verdict


@register
class GradientDescentValues(Check):
    """gradient_descent gives every iterate on (theta - 2)^2, 3 (theta + 1)^2 and 4x^2 + y^2."""

    name = "gradient_descent_values"
    rules = NUMPY_ONLY
    defaults = {"steps": 12}

    def inputs(self, steps):
        """{label: (gradient, theta0, lr, curvatures, minimum)} of separable quadratics."""
        cases = {f"(theta - 2)^2 from theta0 = [5.0], lr = {lr}": (
            quadratic_1d_grad, np.array([5.0]), lr, np.array([2.0]), 2.0)
            for lr in QUADRATIC_RATES}
        cases["4x^2 + y^2 from (1, 1.5), lr = 0.2"] = (
            ellipse_grad, np.array([1.0, 1.5]), 0.2, np.array([8.0, 2.0]), 0.0)
        cases["3 (theta + 1)^2 from theta0 = [5.0], lr = 0.1"] = (
            shifted_quadratic_grad, np.array([5.0]), 0.1, np.array([6.0]), -1.0)
        return cases

    def probe(self, gradient_descent, steps):
        return {label: on_copies(gradient_descent, grad, theta0, lr, steps)
                for label, (grad, theta0, lr, _, _) in self.inputs(steps).items()}

    def judge(self, seen, steps):
        t = np.arange(steps + 1)[:, None]
        verdicts = []
        for label, (_, theta0, lr, curvature, low) in self.inputs(steps).items():
            got, after = seen[label]
            # theta_t - low = (1 - lr c)^t (theta_0 - low), coordinate by coordinate
            verdicts += [
                judge_descent(f"gradient_descent on {label}, steps = {steps}", got,
                              low + (1.0 - lr * curvature) ** t * (theta0 - low),
                              mistakes={"theta moved *up* the slope, away from the minimum.":
                                        low + (1.0 + lr * curvature) ** t * (theta0 - low)}),
                unchanged("gradient_descent (theta0)", theta0, after["1"])]
        return first_failure(*verdicts)


# --------------------------------------------------------------------------------------------
# MSE and MAE
# --------------------------------------------------------------------------------------------

LOSS_SHAPES = ((4, 3), (6,))


def loss_inputs(rng: np.random.Generator, shape, ties: bool = False):
    """pred and target of ``shape``; with ``ties``, about a third of the entries equal."""
    pred = rng.normal(size=shape)
    target = rng.normal(size=shape)
    if ties:
        same = rng.random(size=shape) < 0.25
        same.flat[0] = True
        target = np.where(same, pred, target)
    return pred, target


OFFSET = 2.0 ** 27
"""Where the loss checks' "offset" inputs sit: 2^27 (1.3e8), pred on one side of it and target
on the other, residuals from 1e-7 to 1e2. A derived gradient is exact there (pred - target
is exact); no difference quotient is: ``pred + h`` rounds at 1e8's precision (1.5e-8) for a
fixed step, and for a step of the residual's own size it crosses 2^27, where the spacing of
float64 numbers doubles, and rounds too."""


def offset_inputs(rng: np.random.Generator, shape, ties: bool = False):
    """pred and target of ``shape`` on either side of :data:`OFFSET` (which side at random),
    residuals of sizes 1e-7 to 1e2; the entry below 2^27 an odd multiple of its spacing (so
    twice the residual added to the one above is not a float64 number). With ``ties``, two
    entries equal."""
    spacing = np.spacing(OFFSET / 2)  # the spacing just below 2^27
    below = (2 * np.floor(10.0 ** rng.uniform(-7.0, 1.7, size=shape) / spacing / 2) + 1) * spacing
    above = np.round(10.0 ** rng.uniform(-7.0, 1.7, size=shape) / spacing / 2 + 1) * 2 * spacing
    low, high = OFFSET - below, OFFSET + above
    flip = rng.random(size=shape) < 0.5
    pred, target = np.where(flip, low, high), np.where(flip, high, low)
    if ties:
        pred.flat[-1], pred.flat[0] = target.flat[-1], target.flat[0]
    return pred, target


def torch_loss(kind: str, pred, target):
    """(loss, dloss/dpred) by torch: F.mse_loss / F.l1_loss with reduction 'mean'."""
    import torch
    import torch.nn.functional as F

    p = torch.tensor(np.asarray(pred, dtype=np.float64), requires_grad=True)
    t = torch.as_tensor(np.asarray(target, dtype=np.float64))
    loss = (F.mse_loss if kind == "mse" else F.l1_loss)(p, t)
    loss.backward()
    return float(loss.detach()), p.grad.numpy().copy()


LOSS_HINTS = {
    "mse": ("Check the scale: compare your loss and dpred with a hand computation on a "
            "1 x 2 pred, then on a 2 x 2 one (the loss is a mean over all N*K entries).",
            "Section 9: differentiate one term (pred_ij - target_ij)^2 with respect to "
            "pred_ij; every other term does not depend on it."),
    "mae": ("Compare the sign and the size of each entry of dpred with what moving that "
            "entry of pred a little does to the loss; look at the entries where pred == target.",
            "Section 9: the slope of |u| on each side of 0, the course's convention at 0, "
            "and the divisor of the mean."),
}


def scale_mistakes(expected, size: int, rows: int) -> dict:
    """The loss's (or dpred's) known mistakes: a wrong divisor, sign or factor."""
    expected = np.asarray(expected, dtype=np.float64)
    return {f"{size} (= N*K) times too large: a sum, not the mean over all entries.":
                size * expected,
            f"divided by N = {rows} (the rows) only, not by N*K = {size}.":
                size / rows * expected,
            "opposite sign: the derivative with respect to target, not pred?": -expected,
            "half the expected value: a factor from the square is missing.": 0.5 * expected,
            "twice the expected value: a factor 2 too many.": 2.0 * expected}


def judge_loss(kind: str, label: str, got, pred, target, atol: float = 1e-12) -> Verdict:
    """(loss, dpred) against torch, with the likely scale or sign error named. ``atol`` for
    dpred (0 where some entries of the gradient are tiny and must still be exact)."""
    if not isinstance(got, list) or len(got) != 2:
        return Verdict.fail(f"{label}: expected a pair (loss, dpred), got {str(got)[:80]}.",
                            "Return two things: the loss (a number) and its gradient with "
                            "respect to pred (an array shaped like pred).",
                            "Print type(r) and len(r) of what your function returns for a "
                            "tiny pred and target.")
    loss, dpred = got
    expected_loss, expected_grad = torch_loss(kind, pred, target)
    scale = np.size(pred), (np.shape(pred)[0] if np.ndim(pred) else 1)
    hints = LOSS_HINTS[kind]
    verdict = compare(f"{label}: the loss", loss, expected_loss, rtol=1e-9, atol=1e-12,
                      hints=hints, mistakes=scale_mistakes(expected_loss, *scale))
    if not verdict.passed:
        return verdict
    mistakes = scale_mistakes(expected_grad, *scale)
    verdict = compare(f"{label}: dpred", dpred, expected_grad, rtol=EXACT_RTOL, atol=atol,
                      hints=hints, mistakes=mistakes)
    if verdict.passed:  # and exact entry by entry, to a few round-offs of its size
        return compare_derived(f"{label}: dpred", dpred, expected_grad,
                               size=np.abs(expected_grad), hints=hints)
    if known_mistake(dpred, mistakes, rtol=1e-9, atol=atol):
        return verdict
    # bespoke: right but for the ties (a convention at 0), or right to a few digits only
    try:
        got_array = np.asarray(dpred, dtype=np.float64)
    except (TypeError, ValueError):
        return verdict
    if got_array.shape != expected_grad.shape or not np.all(np.isfinite(got_array)):
        return verdict
    ties = np.asarray(pred) == np.asarray(target)
    if kind == "mae" and got_array.ndim and ties.any() and np.allclose(
            got_array[~ties], expected_grad[~ties]):
        verdict.message += ("\n  likely cause: right everywhere except where pred == "
                            "target, where the contract says 0.")
    elif np.allclose(got_array, expected_grad, rtol=1e-3, atol=1e-9):
        verdict.message += APPROXIMATE.format(
            error=float(np.max(np.abs(got_array - expected_grad))))
    return verdict


def spread_residuals(rng: np.random.Generator, shape, ties: bool = False):
    """pred and target whose residuals pred - target range from 1e-9 to 1e4 in size (random
    signs; with ``ties`` two entries equal). A derived gradient is exact at every entry; a
    difference of two total losses (of size about 1e7) cannot resolve the tiny ones."""
    target = rng.normal(size=shape)
    residual = 10.0 ** rng.uniform(-9.0, 4.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    residual.flat[0], residual.flat[1], residual.flat[2] = 1e4, 3e-9, -2e-10
    if ties:
        residual.flat[-1] = residual.flat[-2] = 0.0
    return target + residual, target


CANCELLATION_HINTS = (
    "Your formula is right, but it subtracts two numbers of about 1e8 that differ by as little "
    "as 1e-7 only after each was scaled (or squared): each carries a rounding error near "
    "1e-8, which swamps that difference.",
    "Order the operations so that the one subtraction of large, nearly equal numbers "
    "happens first, on the exact inputs, and every later step works on its (small, exactly "
    "computed) result (section 5 met the same care with the softmax's shift).")


def _rounded_late(out, pred, target) -> bool:
    """Whether dpred is what it should be up to the rounding of the large entries
    (cancellation after scaling), not up to the residuals' own round-off."""
    try:
        got = np.asarray(out[1], dtype=np.float64)
        exact = 2.0 * (np.asarray(pred, dtype=np.float64) - target) / np.size(pred)
        return got.shape == exact.shape and bool(np.all(
            np.abs(got - exact) <= 64 * np.spacing(OFFSET) / np.size(pred)))
    except (TypeError, ValueError, IndexError):
        return False


class LossValues(Check):
    """Shared by mse_loss_values and mae_loss_values."""

    kind = ""
    rules = ANALYTIC
    fresh = True
    defaults = {"seed": 0}
    tag = 0

    def inputs(self, seed, run_seed):
        rng = rng_for(run_seed, seed, self.tag)
        ties = self.kind == "mae"
        return {**{shape: loss_inputs(rng, shape, ties=ties) for shape in LOSS_SHAPES},
                "offset": offset_inputs(rng, (3, 4), ties=ties)}

    def probe(self, fn, **args):
        return {str(shape): on_copies(fn, pred, target, names=("pred", "target"))
                for shape, (pred, target) in self.inputs(**args).items()}

    def judge(self, seen, **args):
        verdicts = []
        for shape, (pred, target) in self.inputs(**args).items():
            out, after = seen[str(shape)]
            where = (f"with shape {shape}" if shape != "offset" else
                     "with entries near 2^27 = 1.3e8 (pred on one side, target on the "
                     "other) and residuals pred - target from 1e-7 to 1e2")
            verdict = judge_loss(self.kind, f"{self.kind}_loss(pred, target) {where}", out,
                                 pred, target, atol=0.0 if shape == "offset" else 1e-12)
            if shape == "offset" and not verdict.passed and _rounded_late(out, pred, target):
                verdict = Verdict.fail(
                    f"{self.kind}_loss(pred, target) {where}: dpred is right only to the "
                    "round-off of the large entries (about 1e-8), not to that of the small "
                    "residuals pred - target; the docstring asks for values right at any "
                    "magnitude.", *CANCELLATION_HINTS)
            verdicts += [verdict, unchanged(f"{self.kind}_loss",
                                            {"pred": pred, "target": target}, after)]
        return first_failure(*verdicts)


@register
class MseLossValues(LossValues):
    """mse_loss returns the mean squared error over all entries and its gradient, matching torch."""

    name = "mse_loss_values"

    expected_hidden = True
    kind = "mse"
    tag = 360


@register
class MaeLossValues(LossValues):
    """mae_loss returns the mean absolute error and its gradient (0 at ties), matching torch."""

    name = "mae_loss_values"

    expected_hidden = True
    kind = "mae"
    tag = 365


# --------------------------------------------------------------------------------------------
# Vector-Jacobian products (new 2026-12-06): backprop's primitive, without the Jacobian
# --------------------------------------------------------------------------------------------

VJP = Rules(forbidden_calls=("numerical_gradient", "numerical_jacobian", "softmax_jacobian",
                             "linear_jacobian_wrt_weights"), derived=True, no_jacobian=True)
"""A vector-Jacobian product is derived and never builds the Jacobian it multiplies: no finite
differences, and not the Jacobian exercises of sections 5 and 6."""

RULES["linear_vjp"] = VJP
RULES["softmax_vjp"] = VJP

LINEAR_VJP_HINTS = (
    "Check the shapes first: dx is shaped like x (n,), dW like W (n, m). Then check that "
    "doubling dy doubles both results.",
    "The cell of section 6 that contracts g with J shows which entries of J are not zero: in "
    "sum_i dy_i J[i, ...] only those survive. Write the sum for one entry dW[j, k] (and one "
    "dx[j]) and see which products of x, W and dy remain.")
SOFTMAX_VJP_HINTS = (
    "The result must sum to 0 (adding the same number to every score changes no "
    "probability), and for K = 1 it is 0. Check yours on a small z against the product of "
    "dp with your softmax_jacobian.",
    "Write entry j of the product as sum_i dp_i J[i, j], put in your two cases from section 5 "
    "(i = j and i != j), and collect the terms: the sum over i becomes one number shared by "
    "every entry.")
NO_JACOBIAN_HINTS = (
    "The product needs only vectors and arrays shaped like its inputs: no (K, K) or "
    "(m, n, m) array, and no call to your Jacobian functions.",
    "Write one entry of the product as a sum and simplify it on paper before coding: the "
    "zeros of the Jacobian (section 6) or its structure (section 5) remove the big array.")


def torch_linear_vjp(x, W, dy):
    """(dx, dW) of sum(dy * (x @ W)) by torch autograd (judges only)."""
    import torch

    xt = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    Wt = torch.tensor(np.asarray(W, dtype=np.float64), requires_grad=True)
    ((xt @ Wt) * torch.as_tensor(np.asarray(dy, dtype=np.float64))).sum().backward()
    return xt.grad.numpy().copy(), Wt.grad.numpy().copy()


def torch_softmax_vjp(z, dp):
    """dz of sum(dp * softmax(z)) by torch autograd (judges only)."""
    import torch

    zt = torch.tensor(np.asarray(z, dtype=np.float64), requires_grad=True)
    (torch.softmax(zt, dim=-1) * torch.as_tensor(np.asarray(dp, dtype=np.float64))).sum()\
        .backward()
    return zt.grad.numpy().copy()


def linear_vjp_case(n, m, rng):
    """x (n,), W (n, m), dy (m,)."""
    return rng.normal(size=n), rng.normal(size=(n, m)), rng.normal(size=m)


IGNORES_DY = ("{part} did not change when dy was doubled: it ignores the "
              "upstream gradient (the product with dy is missing).")


def judge_linear_vjp(label: str, got, x, W, dy, doubled=None) -> Verdict:
    """``got`` = (dx, dW) for (x, W, dy) against torch; ``doubled``, when given, is what the
    same function returned for 2 dy (a result that ignores dy does not double)."""
    if not isinstance(got, (list, tuple)) or len(got) != 2:
        return Verdict.fail(f"{label} should return a pair (dx, dW).", *LINEAR_VJP_HINTS)
    dx, dW = torch_linear_vjp(x, W, dy)
    verdicts = []
    for index, (part, expected) in enumerate((("dx", dx), ("dW", dW))):
        mistakes = {}
        if isinstance(doubled, (list, tuple)) and len(doubled) == 2:
            once, twice = as_floats(got[index]), as_floats(doubled[index])
            if (once is not None and twice is not None and once.shape == twice.shape
                    and np.any(once != 0) and np.allclose(once, twice, rtol=1e-12, atol=0)):
                mistakes[IGNORES_DY.format(part=part)] = got[index]  # what it returned
        verdicts.append(exact_compare(f"{label}: {part}", got[index], expected,
                                      LINEAR_VJP_HINTS, mistakes=mistakes))
    return first_failure(*verdicts)


def torch_softmax_jacobian_diagonal(z) -> np.ndarray:
    """The diagonal d p_j / d z_j of the softmax's Jacobian, by torch (diagnosis only)."""
    import torch

    from nncourse.gradcheck import torch_jacobian

    return np.diagonal(torch_jacobian(lambda t: torch.softmax(t, dim=-1),
                                      np.asarray(z, dtype=np.float64))).copy()


def judge_softmax_vjp(label: str, got, z, dp) -> Verdict:
    expected = torch_softmax_vjp(z, dp)
    if np.size(z) < 2:
        return exact_compare(label, got, expected, SOFTMAX_VJP_HINTS)
    mistakes = {"only the diagonal of the Jacobian is used: softmax is not elementwise, every "
                "p_i depends on every score.":
                    torch_softmax_jacobian_diagonal(z) * np.asarray(dp, dtype=np.float64)}
    p, array = oracle.softmax(np.asarray(z, dtype=np.float64)), as_floats(got)
    if array is not None and array.shape == p.shape and np.all(np.isfinite(array)):
        big = p > 1e-6  # p_j's that are not tiny
        ratio = array[big] / p[big]
        if ratio.size > 1 and np.allclose(ratio, ratio[0], rtol=1e-9, atol=0) and not \
                np.allclose(array, expected, rtol=EXACT_RTOL, atol=EXACT_ATOL):
            mistakes["every entry is the same multiple of its p_j: one of the two cases of "
                     "section 5 seems to be absent from your sum (write entry j's sum out "
                     "for K = 2 and check that both cases appear)."] = got  # what it returned
    return exact_compare(label, got, expected, SOFTMAX_VJP_HINTS, mistakes=mistakes)


RESIDENT_SLACK = 16_000_000
"""Resident memory a call may add beyond its allowance (numpy's and the BLAS's first-use
buffers, the allocator's pages); a Jacobian of these checks takes 72 MB or more."""


def judge_memory(label: str, peaks, allowed: int, jacobian: str) -> Verdict:
    """Every measured call (:func:`nncourse.rules.measured`: every call of a probe of a
    vector-Jacobian product) stayed within ``allowed`` plus :data:`RESIDENT_SLACK` bytes of
    resident memory (an ``mmap`` included), or within ``allowed`` by tracemalloc's count
    where resident memory cannot be measured."""
    if not isinstance(peaks, list) or not peaks:
        return Verdict.fail(f"{label}: the call's memory was not measured (the function "
                            "was not called).", *NO_JACOBIAN_HINTS)
    for peak in peaks:
        traced, resident = peak.get("traced"), peak.get("resident")
        traced = 0 if traced is None else int(traced)
        resident = 0 if resident is None else int(resident)
        if traced > allowed or resident > allowed + RESIDENT_SLACK:
            used = max(traced, resident)
            return Verdict.fail(f"{label}: the call used {used / 1e6:.1f} MB at its peak; the "
                                f"product needs at most {allowed / 1e6:.2f} MB, while "
                                f"{jacobian}.", *NO_JACOBIAN_HINTS)
    return Verdict.ok()


@register
class LinearVjpValues(Check):
    """linear_vjp(x, W, dy) gives dy^T J_x and dy^T J_W, matching torch autograd."""

    name = "linear_vjp_values"
    rules = VJP
    fresh = True
    defaults = {"n": 3, "m": 4, "seed": 0}

    def inputs(self, n, m, seed, run_seed):
        return linear_vjp_case(n, m, rng_for(run_seed, seed, 370))

    def probe(self, linear_vjp, **args):
        x, W, dy = self.inputs(**args)
        result, after = on_copies(linear_vjp, x, W, dy, names=("x", "W", "dy"))
        doubled = linear_vjp(x.copy(), W.copy(), 2.0 * dy)
        return {"grads": list(result) if isinstance(result, tuple) else result,
                "doubled": list(doubled) if isinstance(doubled, tuple) else doubled,
                "after": after}

    def judge(self, seen, n, m, **args):
        x, W, dy = self.inputs(n=n, m=m, **args)
        return first_failure(
            judge_linear_vjp(f"linear_vjp(x ({n},), W ({n}, {m}), dy ({m},))", seen["grads"],
                             x, W, dy, doubled=seen.get("doubled")),
            unchanged("linear_vjp", {"x": x, "W": W, "dy": dy}, seen["after"]))


@register
class LinearVjpNoJacobian(Check):
    """linear_vjp on a (300, 200) layer is right and never holds more than a few W-sized arrays."""

    name = "linear_vjp_no_jacobian"
    rules = VJP
    fresh = True
    defaults = {"n": 300, "m": 200, "seed": 0}

    def inputs(self, n, m, seed, run_seed):
        return linear_vjp_case(n, m, rng_for(run_seed, seed, 371))

    def probe(self, linear_vjp, **args):
        x, W, dy = self.inputs(**args)
        result = linear_vjp(x, W, dy)  # measured, as every call of every probe of it
        return {"grads": list(result) if isinstance(result, tuple) else result}

    def judge(self, seen, n, m, **args):
        x, W, dy = self.inputs(n=n, m=m, **args)
        label = f"linear_vjp(x ({n},), W ({n}, {m}), dy ({m},))"
        return first_failure(
            judge_memory(label, seen["memory_peaks"], 4 * n * m * 8 + 200_000,
                         f"the Jacobian with respect to W alone would take "
                         f"{m * n * m * 8 / 1e6:.0f} MB"),
            judge_linear_vjp(label, seen["grads"], x, W, dy))


@register
class SoftmaxVjpValues(Check):
    """softmax_vjp(z, dp) gives dp^T J of the softmax, matching torch, also at magnitude 1000."""

    name = "softmax_vjp_values"
    rules = VJP
    fresh = True
    warnings_fail = True
    stability_idea = ("Section 5: compute the probabilities with your stable softmax (it "
                      "may be called here) instead of exponentiating the raw scores.")
    defaults = {"k": 5, "seed": 0}

    def inputs(self, k, seed, run_seed):
        rng = rng_for(run_seed, seed, 375)
        return {"random": (rng.normal(scale=2.0, size=k), rng.normal(size=k)),
                "large": (np.array([1000.0, 999.0, -1000.0, 998.5]), rng.normal(size=4))}

    def probe(self, softmax_vjp, **args):
        return {key: on_copies(softmax_vjp, z, dp, names=("z", "dp"))
                for key, (z, dp) in self.inputs(**args).items()}

    def judge(self, seen, k, **args):
        verdicts = []
        for key, (z, dp) in self.inputs(k=k, **args).items():
            result, after = seen[key]
            label = (f"softmax_vjp(z ({k},), dp ({k},))" if key == "random"
                     else "softmax_vjp(z = [1000, 999, -1000, 998.5], dp)")
            verdicts += [judge_softmax_vjp(label, result, z, dp),
                         unchanged("softmax_vjp", {"z": z, "dp": dp}, after)]
        return first_failure(*verdicts)


@register
class SoftmaxVjpNoJacobian(Check):
    """softmax_vjp for K = 3000 scores is right and never holds a (K, K) array."""

    name = "softmax_vjp_no_jacobian"
    rules = VJP
    fresh = True
    defaults = {"k": 3000, "seed": 0}

    def inputs(self, k, seed, run_seed):
        rng = rng_for(run_seed, seed, 376)
        return rng.normal(scale=2.0, size=k), rng.normal(size=k)

    def probe(self, softmax_vjp, **args):
        z, dp = self.inputs(**args)
        return {"dz": softmax_vjp(z, dp)}  # measured, as every call of every probe of it

    def judge(self, seen, k, **args):
        z, dp = self.inputs(k=k, **args)
        label = f"softmax_vjp(z ({k},), dp ({k},))"
        return first_failure(
            judge_memory(label, seen["memory_peaks"], 16 * k * 8 + 200_000,
                         f"the ({k}, {k}) Jacobian alone would take {k * k * 8 / 1e6:.0f} MB"),
            judge_softmax_vjp(label, seen["dz"], z, dp))
