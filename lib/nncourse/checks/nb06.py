"""Visible checks for 06_regularization: L2, dropout, batch norm, early stopping, initialisation."""

from __future__ import annotations

import numpy as np

from nncourse.checking import Check, register
from nncourse.compare import compare, describe
from nncourse.gradcheck import (
    finite_difference_gradient,
    finite_difference_vjp,
    gradient_check,
    torch_gradient,
)
from nncourse.rules import Rules, swapped
from nncourse.rules import original as student_original
from nncourse.verdict import Verdict, first_failure

# ----------------------------------------------------------------------------- helpers

# A backward pass is written out, not obtained by differentiating the forward numerically.
BATCHNORM_BACKWARD_RULES = Rules(forbidden_calls=("batchnorm_forward",))
LAYERNORM_BACKWARD_RULES = Rules(forbidden_calls=("layernorm_forward",))
RESIDUAL_BACKWARD_RULES = Rules(forbidden_calls=("residual_forward",))


class NotWrittenYet(Exception):
    """A function this test calls besides the one it grades is still the exercise's stub."""


def _is_stub(function) -> bool:
    return "NotImplementedError" in getattr(getattr(function, "__code__", None), "co_names", ())


def require_written(graded, *others):
    """Name the unwritten exercise a test depends on (instead of a bare 'not implemented')."""
    if _is_stub(graded):
        return
    todo = [getattr(f, "__name__", "?") for f in others if _is_stub(f)]
    if todo:
        raise NotWrittenYet(f"this test also runs your {', '.join(todo)}, which "
                            f"{'is' if len(todo) == 1 else 'are'} not written yet: finish "
                            f"{'that exercise' if len(todo) == 1 else 'those exercises'} "
                            "first, then run this test again.")


def random_params(shapes: dict, seed: int) -> dict:
    """A params dict {key: array} with normal entries, drawn in key order."""
    rng = np.random.default_rng(seed)
    return {key: rng.normal(size=shape) for key, shape in shapes.items()}


def reference_l2(params: dict, lam: float):
    """Penalty and grads computed by torch autograd (weights = keys starting with "W")."""
    import torch

    keys = list(params)

    def penalty(*tensors):
        total = torch.zeros((), dtype=torch.float64)
        for key, tensor in zip(keys, tensors):
            if key.startswith("W"):
                total = total + lam * (tensor ** 2).sum()
        return total

    tensors = [torch.as_tensor(np.asarray(params[k], dtype=np.float64)) for k in keys]
    value = float(penalty(*tensors))
    grads = torch_gradient(penalty, *[params[k] for k in keys])
    return value, dict(zip(keys, grads))


def numeric_l2_grad(params: dict, lam: float, key: str) -> np.ndarray:
    """d penalty / d params[key] by centred finite differences on the formula."""
    def penalty(value):
        return sum(lam * float(np.sum((value if k == key else v) ** 2))
                   for k, v in params.items() if k.startswith("W"))
    return finite_difference_gradient(penalty, np.array(params[key], dtype=np.float64))


def judge_l2(seen: dict, params: dict, lam: float, label: str) -> Verdict:
    penalty, grads = reference_l2(params, lam)
    got_grads = seen["grads"]
    if not isinstance(got_grads, dict):
        return Verdict.fail(f"{label}: grads should be a dict with one entry per key of params, "
                            f"got {describe(got_grads)}.")
    if sorted(got_grads) != sorted(params):
        return Verdict.fail(
            f"{label}: grads has keys {sorted(got_grads)}, expected {sorted(params)}.",
            "Return a gradient for every parameter: zeros (same shape) for the ones the "
            "penalty does not touch, such as biases.")
    weights_only = sum(lam * float(np.sum(v ** 2)) for k, v in params.items()
                       if k.startswith("W"))
    everything = sum(lam * float(np.sum(v ** 2)) for v in params.values())
    hint = ""
    if lam and np.isclose(float(np.squeeze(seen["penalty"])), everything) \
            and not np.isclose(weights_only, everything):
        hint = "Your penalty includes the biases: only keys starting with 'W' are penalised."
    verdicts = [compare(f"{label}: the penalty", np.squeeze(seen["penalty"]), penalty,
                        hints=(hint or "penalty = lam * (sum of the squared entries of every "
                               "weight matrix).",))]
    for key in params:
        numeric = numeric_l2_grad(params, lam, key)
        verdicts.append(gradient_check(
            f"{label}: grads[{key!r}]", got_grads[key], numeric, oracle=grads[key],
            hints=("Differentiate the penalty entry by entry (section 1); a bias is not "
                   "penalised, so its gradient is zero.",)))
    for key in params:
        verdicts.append(compare(f"{label}: params[{key!r}] after the call", seen["after"][key],
                                params[key], rtol=0, atol=0,
                                hints=("Do not modify the arrays of params in place: build "
                                       "new arrays for the gradients.",)))
    return first_failure(*verdicts)


@register
class L2PenaltyValues(Check):
    """l2_penalty: penalty and gradient on the weight matrices only, zeros for biases."""

    name = "l2_penalty_values"
    SHAPES = {"W1": (5, 4), "b1": (4,), "W2": (4, 3), "b2": (3,)}

    def probe(self, l2_penalty, lam=0.05, seed=0):
        params = random_params(self.SHAPES, seed)
        penalty, grads = l2_penalty(params, lam)
        return {"penalty": penalty, "grads": grads, "after": params}

    def judge(self, seen, lam=0.05, seed=0):
        return judge_l2(seen, random_params(self.SHAPES, seed), lam,
                        f"l2_penalty(params, lam={lam})")


# ----------------------------------------------------------------------------- dropout


def dropout_input(shape, seed):
    """Positive inputs (so a scaled survivor is easy to tell from a dropped unit)."""
    return np.random.default_rng(seed + 100).uniform(0.5, 2.0, size=shape)


def judge_mask(name: str, mask, X: np.ndarray, out, p: float) -> Verdict:
    """The mask has X's shape, holds only 0 and the survivors' scale, and out follows it."""
    if mask is None:
        return Verdict.fail(f"{name}: mask is None in training mode; it should hold the factor "
                            "each unit was multiplied by (0 for a dropped unit, the survivors' "
                            "scale for a kept one).")
    mask = np.asarray(mask, dtype=np.float64)
    if mask.shape != X.shape:
        return Verdict.fail(f"{name}: mask has shape {mask.shape}, expected {X.shape} "
                            "(one factor per unit of X).")
    scale = 1.0 / (1.0 - p)
    is_zero = np.isclose(mask, 0.0)
    is_scale = np.isclose(mask, scale)
    if not np.all(is_zero | is_scale):
        odd = np.unique(np.round(mask[~(is_zero | is_scale)], 4))[:5]
        hint = ("A mask of 0s and 1s is only the *keep* pattern: the mask holds the factor "
                "each unit was multiplied by, and a survivor is scaled." if np.allclose(odd, 1.0)
                else "Each entry is either dropped (factor 0) or kept and scaled by one "
                "constant that depends on p only.")
        return Verdict.fail(f"{name}: mask holds values {odd.tolist()}; expected only 0 and "
                            f"{scale:.4g} for p = {p}.", hint,
                            "Section 2: the survivors' factor is the one that keeps the "
                            "expected output equal to the input (redo the E[a] example for a "
                            "general p).")
    return compare(f"{name}: out", out, X * mask,
                   hints=("out and mask disagree: the mask is the factor each unit of X was "
                          "multiplied by to give out.",))


def judge_drop_rate(name: str, mask: np.ndarray, p: float) -> Verdict:
    mask = np.asarray(mask, dtype=np.float64)
    rate = float(np.mean(np.isclose(mask, 0.0)))
    n = mask.size
    tolerance = max(6 * np.sqrt(p * (1 - p) / n), 1e-9)
    if abs(rate - p) > tolerance:
        hint = ("You drop with probability 1 - p: p is the probability of *dropping* a unit, "
                "so keep it when a uniform draw is >= p." if abs(rate - (1 - p)) <= tolerance
                else "Drop each unit independently with probability p.")
        return Verdict.fail(f"{name}: {rate:.4f} of the {n} units were dropped, expected "
                            f"p = {p} (within {tolerance:.4f}).", hint)
    return Verdict.ok()


@register
class DropoutForwardTrain(Check):
    """dropout_forward in training: drop rate p, survivors scaled, mean unchanged."""

    name = "dropout_forward_train"

    def probe(self, dropout_forward, p=0.3, seed=0, shape=(200, 500)):
        X = dropout_input(shape, seed)
        X_in = X.copy()
        out, mask = dropout_forward(X_in, p, True, np.random.default_rng(seed))
        small = dropout_input((20, 50), seed + 1)
        masks = [dropout_forward(small.copy(), p, True, np.random.default_rng(s))[1]
                 for s in (seed, seed, seed + 1)]
        return {"out": out, "mask": mask, "X_after": X_in, "small_masks": masks}

    def judge(self, seen, p=0.3, seed=0, shape=(200, 500)):
        X = dropout_input(tuple(shape), seed)
        name = f"dropout_forward(X {tuple(shape)}, p={p}, train=True)"
        verdict = first_failure(judge_mask(name, seen["mask"], X, seen["out"], p),
                                judge_drop_rate(name, seen["mask"], p))
        if not verdict.passed:
            return verdict
        ratio = float(np.mean(seen["out"]) / np.mean(X))
        if abs(ratio - 1) > 0.02:
            return Verdict.fail(f"{name}: mean(out) / mean(X) = {ratio:.4f}, expected about 1: "
                                "dropout must not change the expected activation.",
                                "Is every survivor scaled, by a factor that depends on p?",
                                "Section 2: choose the survivors' factor so that the expected "
                                "output equals the input.")
        a, b, c = (np.asarray(m, dtype=np.float64) if m is not None else None
                   for m in seen["small_masks"])
        if a is None or b is None or c is None or a.shape != (20, 50):
            return Verdict.fail(f"dropout_forward on X (20, 50) returned masks "
                                f"{[describe(m) for m in seen['small_masks']]}.")
        if not np.array_equal(a, b):
            return Verdict.fail("two calls with identically seeded rngs dropped different units.",
                                "Draw the random numbers from the `rng` argument, not np.random.")
        if np.array_equal(a, c):
            return Verdict.fail("two calls with differently seeded rngs dropped the same units: "
                                "the mask should be random, drawn from `rng`.")
        return compare(f"{name}: X after the call", seen["X_after"], X, rtol=0, atol=0,
                       hints=("Do not modify X in place; return a new array.",))


@register
class DropoutForwardEval(Check):
    """dropout_forward with train=False returns X unchanged and mask None."""

    name = "dropout_forward_eval"

    def probe(self, dropout_forward, p=0.5, seed=3):
        X = dropout_input((40, 30), seed)
        out, mask = dropout_forward(X.copy(), p, False, np.random.default_rng(seed))
        return {"out": out, "mask": mask}

    def judge(self, seen, p=0.5, seed=3):
        X = dropout_input((40, 30), seed)
        if seen["mask"] is not None:
            return Verdict.fail(f"dropout_forward(X, p={p}, train=False) returned a mask "
                                f"({describe(seen['mask'])}); expected None.",
                                "At evaluation time dropout is switched off: return (X, None).")
        return compare(f"dropout_forward(X, p={p}, train=False): out", seen["out"], X,
                       rtol=0, atol=0,
                       hints=("In eval mode nothing is dropped and nothing is scaled: inverted "
                              "dropout already did the scaling during training.",))


@register
class DropoutBackwardMask(Check):
    """dropout_backward reuses the forward pass's mask; None passes dout through."""

    name = "dropout_backward_mask"

    def probe(self, dropout_forward, dropout_backward, p=0.4, seed=5, shape=(30, 40)):
        require_written(dropout_backward, dropout_forward)
        X = dropout_input(shape, seed)
        dout = np.random.default_rng(seed + 1).normal(size=shape)
        out, mask = dropout_forward(X.copy(), p, True, np.random.default_rng(seed))
        dout_in = dout.copy()
        dX = dropout_backward(dout_in, mask)
        through = dropout_backward(dout.copy(), None)
        return {"out": out, "mask": mask, "dX": dX, "through": through, "dout_after": dout_in}

    def judge(self, seen, p=0.4, seed=5, shape=(30, 40)):
        shape = tuple(shape)
        X = dropout_input(shape, seed)
        dout = np.random.default_rng(seed + 1).normal(size=shape)
        verdict = judge_mask(f"dropout_forward(X {shape}, p={p}, train=True)", seen["mask"], X,
                             seen["out"], p)
        if not verdict.passed:
            verdict.message += "\n  (dropout_backward is checked with the forward's mask.)"
            return verdict
        import torch

        mask = np.asarray(seen["mask"], dtype=np.float64)
        numeric = finite_difference_vjp(lambda Z: Z * mask, X.copy(), dout)
        mask_t, dout_t = torch.as_tensor(mask), torch.as_tensor(dout)
        oracle = torch_gradient(lambda Z: (Z * mask_t * dout_t).sum(), X)[0]
        return first_failure(
            gradient_check("dropout_backward(dout, mask)", seen["dX"], numeric, oracle=oracle,
                           hints=("Backward must use the *same* mask as the forward pass (it "
                                  "is passed in); drawing a new mask gives the gradient of a "
                                  "different network.",
                                  "A kept unit passes its gradient scaled exactly as its "
                                  "value was scaled in the forward pass.")),
            compare("dropout_backward(dout, None)", seen["through"], dout, rtol=0, atol=0,
                    hints=("mask None means dropout was off (eval mode): return dout as it "
                           "is.",)),
            compare("dout after dropout_backward", seen["dout_after"], dout, rtol=0, atol=0,
                    hints=("Do not modify dout in place.",)))


# ----------------------------------------------------------------------------- batch norm


def batchnorm_case(N, D, seed):
    """X with per-feature offsets and scales, gamma, beta, running statistics, dout."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, D)) * rng.uniform(0.5, 3.0, size=D) + rng.uniform(-2, 2, size=D)
    gamma = rng.uniform(0.5, 2.0, size=D)
    beta = rng.normal(size=D)
    running_mean = rng.normal(size=D)
    running_var = rng.uniform(0.5, 2.0, size=D)
    dout = rng.normal(size=(N, D))
    return X, gamma, beta, running_mean, running_var, dout


def torch_batchnorm(X, gamma, beta, running_mean, running_var, train, momentum, eps):
    """torch.nn.BatchNorm1d as the oracle; its momentum is 1 - ours.

    Returns out, and torch's updated running mean and running variance (torch updates the
    running variance with the *unbiased* batch variance).
    """
    import torch

    layer = torch.nn.BatchNorm1d(X.shape[1], eps=eps, momentum=1.0 - momentum).double()
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(gamma))
        layer.bias.copy_(torch.as_tensor(beta))
        layer.running_mean.copy_(torch.as_tensor(running_mean))
        layer.running_var.copy_(torch.as_tensor(running_var))
        layer.train(train)
        out = layer(torch.as_tensor(X))
    return out.numpy().copy(), layer.running_mean.numpy().copy(), \
        layer.running_var.numpy().copy()


def torch_batchnorm_train(X, gamma, beta, eps, unbiased=False):
    """Train-mode batch norm by torch's F.batch_norm (as numpy). unbiased=True: the wrong
    version normalising with the unbiased variance, obtained from torch by rescaling gamma
    and eps (var_u + eps = N/(N-1) * (var_b + eps (N-1)/N))."""
    import torch
    import torch.nn.functional as F

    N = X.shape[0]
    if N < 2:  # torch refuses a batch of one; no answer can match this one
        return np.full(np.shape(X), np.nan)
    factor = (N - 1) / N if unbiased else 1.0
    return F.batch_norm(torch.as_tensor(np.ascontiguousarray(X, dtype=np.float64)), None, None,
                        torch.as_tensor(gamma * np.sqrt(factor)), torch.as_tensor(beta),
                        training=True, eps=eps * factor).numpy().copy()


def batchnorm_probe(batchnorm_forward, case, train, momentum, eps):
    X, gamma, beta, running_mean, running_var, _ = case
    inputs = [a.copy() for a in (X, gamma, beta, running_mean, running_var)]
    out, _cache, new_mean, new_var = batchnorm_forward(*inputs, train, momentum=momentum,
                                                       eps=eps)
    return {"out": out, "running_mean": new_mean, "running_var": new_var, "after": inputs}


def judge_batchnorm_train(seen, case, momentum, eps, label) -> Verdict:
    X, gamma, beta, running_mean, running_var, _ = case
    out, torch_mean, torch_var = torch_batchnorm(X, gamma, beta, running_mean, running_var,
                                                 True, momentum, eps)
    N = X.shape[0]
    got = np.asarray(seen["out"], dtype=np.float64)
    hints = ["Normalise each column with the batch mean and the biased variance "
             "(divide by N, np.var's default), then scale by gamma and add beta."]
    if got.shape == X.shape:
        unbiased = torch_batchnorm_train(X, gamma, beta, eps, unbiased=True)
        if np.allclose(got, unbiased, rtol=1e-6, atol=1e-8):
            hints.insert(0, "You normalise with the unbiased variance (divide by N - 1): "
                            "batch norm uses the biased one, 1/N * sum (x - mu)^2.")
    verdict = compare(f"{label}: out (vs. torch BatchNorm1d in train mode)", got, out,
                      hints=tuple(hints))
    if not verdict.passed:
        return verdict
    # torch's running variance averages the unbiased batch variance; rescale its new share
    expected_var = momentum * running_var + (torch_var - momentum * running_var) * (N - 1) / N
    var_hints = [f"The running variance is a moving average (momentum = {momentum}) of the "
                 "batch's biased variance, the one used to normalise: see section 3."]
    got_var = np.asarray(seen["running_var"], dtype=np.float64)
    if got_var.shape == torch_var.shape and np.allclose(got_var, torch_var) \
            and not np.allclose(torch_var, expected_var):
        var_hints.insert(0, f"That is torch's running variance, which uses the unbiased batch "
                            f"variance (times N/(N-1) = {N}/{N - 1}); ours uses the same "
                            "biased variance as the normalisation.")
    reversed_mean = (1 - momentum) * running_mean + momentum * X.mean(axis=0)
    mean_hints = [f"The running mean is a moving average of the batch means: the old value "
                  f"keeps the weight momentum = {momentum}, the batch mean the rest."]
    got_mean = np.asarray(seen["running_mean"], dtype=np.float64)
    if got_mean.shape == reversed_mean.shape and np.allclose(got_mean, reversed_mean):
        mean_hints.insert(0, "The weights are swapped: that is torch's convention "
                             "(momentum = weight of the new batch); ours gives the *old* "
                             "running value the weight momentum.")
    verdicts = [compare(f"{label}: running_mean (vs. torch)", got_mean, torch_mean,
                        hints=tuple(mean_hints)),
                compare(f"{label}: running_var", got_var, expected_var, hints=tuple(var_hints))]
    for name, value, original in zip(("X", "gamma", "beta", "running_mean", "running_var"),
                                     seen["after"], case[:5]):
        verdicts.append(compare(f"{label}: the input {name} after the call", value, original,
                                rtol=0, atol=0,
                                hints=("Do not update inputs in place (no +=, *= or [...] = on "
                                       "them): return new running statistics.",)))
    return first_failure(*verdicts)


def judge_batchnorm_eval(seen, case, momentum, eps, label) -> Verdict:
    X, gamma, beta, running_mean, running_var, _ = case
    out, _, _ = torch_batchnorm(X, gamma, beta, running_mean, running_var, False, momentum, eps)
    got = np.asarray(seen["out"], dtype=np.float64)
    hints = ["In eval mode normalise with running_mean and running_var in place of the "
             "batch's own statistics."]
    if got.shape == X.shape and np.allclose(got, torch_batchnorm_train(X, gamma, beta, eps)):
        hints.insert(0, "Your eval-mode output uses the batch's own mean and variance.")
    verdicts = [
        compare(f"{label}: out (vs. torch BatchNorm1d in eval mode)", got, out,
                hints=tuple(hints)),
        compare(f"{label}: returned running_mean", seen["running_mean"], running_mean,
                rtol=0, atol=0, hints=("Eval mode returns the running statistics unchanged.",)),
        compare(f"{label}: returned running_var", seen["running_var"], running_var,
                rtol=0, atol=0, hints=("Eval mode returns the running statistics unchanged.",)),
    ]
    for name, value, original in zip(("X", "gamma", "beta", "running_mean", "running_var"),
                                     seen["after"], case[:5]):
        verdicts.append(compare(f"{label}: the input {name} after the call", value, original,
                                rtol=0, atol=0, hints=("Do not update inputs in place.",)))
    return first_failure(*verdicts)


@register
class BatchnormForwardTrain(Check):
    """batchnorm_forward (train) matches torch's BatchNorm1d; running stats use our convention."""

    name = "batchnorm_forward_train"

    def probe(self, batchnorm_forward, N=8, D=5, seed=0, momentum=0.9, eps=1e-5):
        return batchnorm_probe(batchnorm_forward, batchnorm_case(N, D, seed), True,
                               momentum, eps)

    def judge(self, seen, N=8, D=5, seed=0, momentum=0.9, eps=1e-5):
        return judge_batchnorm_train(seen, batchnorm_case(N, D, seed), momentum, eps,
                                     f"batchnorm_forward(X ({N}, {D}), train=True, "
                                     f"momentum={momentum})")


@register
class BatchnormForwardEval(Check):
    """batchnorm_forward (eval) uses the running statistics and returns them unchanged."""

    name = "batchnorm_forward_eval"

    def probe(self, batchnorm_forward, N=8, D=5, seed=1, momentum=0.9, eps=1e-5):
        return batchnorm_probe(batchnorm_forward, batchnorm_case(N, D, seed), False,
                               momentum, eps)

    def judge(self, seen, N=8, D=5, seed=1, momentum=0.9, eps=1e-5):
        return judge_batchnorm_eval(seen, batchnorm_case(N, D, seed), momentum, eps,
                                    f"batchnorm_forward(X ({N}, {D}), train=False)")


def batchnorm_gradients(X, gamma, beta, dout, eps):
    """Finite differences and torch autograd of sum(BN(X) * dout) for X, gamma, beta."""
    import torch
    import torch.nn.functional as F

    numeric = [
        finite_difference_vjp(lambda Z: torch_batchnorm_train(Z, gamma, beta, eps),
                              X.copy(), dout),
        finite_difference_vjp(lambda g: torch_batchnorm_train(X, g, beta, eps),
                              gamma.copy(), dout),
        finite_difference_vjp(lambda b: torch_batchnorm_train(X, gamma, b, eps),
                              beta.copy(), dout),
    ]
    upstream = torch.as_tensor(dout)
    oracle = torch_gradient(
        lambda Z, g, b: (F.batch_norm(Z, None, None, g, b, training=True, eps=eps)
                         * upstream).sum(), X, gamma, beta)
    return numeric, oracle


def judge_batchnorm_backward(seen, case, eps, label) -> Verdict:
    X, gamma, beta, _, _, dout = case
    N = X.shape[0]
    numeric, oracle = batchnorm_gradients(X, gamma, beta, dout, eps)
    grads = seen["grads"]
    if not isinstance(grads, list) or len(grads) != 3:
        return Verdict.fail(f"{label} should return (dX, dgamma, dbeta), got "
                            f"{describe(grads)}.")
    dX = np.asarray(grads[0], dtype=np.float64)
    dx_hints = ["The batch mean and variance depend on every row of X, so dX has two extra "
                "paths besides the direct one through x_hat.",
                "Go back through the graph of section 3 one node at a time; steps 4 and 6 "
                "(the two mean nodes) are the ones to check. For every column, dX must sum "
                "to zero over the batch."]
    if dX.shape == X.shape and np.allclose(dX, dout * gamma / np.sqrt(X.var(0) + eps)):
        dx_hints[0] = ("Your dX is dout * gamma / sqrt(var + eps): it treats the batch mean and "
                       "variance as constants, but they depend on X too.")
    sum_hint = ("dgamma and dbeta have shape (D,): sum over the batch (axis 0), since gamma and "
                "beta are shared by every row.")
    verdicts = [
        gradient_check(f"{label}: dbeta", grads[2], numeric[2], oracle=oracle[2], n=N,
                       hints=(sum_hint,)),
        gradient_check(f"{label}: dgamma", grads[1], numeric[1], oracle=oracle[1], n=N,
                       hints=(sum_hint, "dgamma needs the normalised input x_hat of every "
                              "row.")),
        gradient_check(f"{label}: dX", dX, numeric[0], oracle=oracle[0], n=N,
                       hints=tuple(dx_hints)),
    ]
    verdicts.append(compare(f"{label}: dout after the call", seen["dout_after"], dout,
                            rtol=0, atol=0, hints=("Do not modify dout in place.",)))
    return first_failure(*verdicts)


def batchnorm_backward_probe(batchnorm_forward, batchnorm_backward, case, eps):
    require_written(batchnorm_backward, batchnorm_forward)
    X, gamma, beta, running_mean, running_var, dout = case
    _, cache, _, _ = batchnorm_forward(X.copy(), gamma.copy(), beta.copy(), running_mean.copy(),
                                       running_var.copy(), True, eps=eps)
    dout_in = dout.copy()
    grads = batchnorm_backward(dout_in, cache)
    return {"grads": list(grads) if isinstance(grads, tuple | list) else grads,
            "dout_after": dout_in}


@register
class BatchnormBackward(Check):
    """batchnorm_backward: dX, dgamma, dbeta match finite differences and torch autograd."""

    name = "batchnorm_backward_gradients"
    rules = BATCHNORM_BACKWARD_RULES

    def probe(self, batchnorm_forward, batchnorm_backward, N=6, D=4, seed=2, eps=1e-5):
        return batchnorm_backward_probe(batchnorm_forward, batchnorm_backward,
                                        batchnorm_case(N, D, seed), eps)

    def judge(self, seen, N=6, D=4, seed=2, eps=1e-5):
        return judge_batchnorm_backward(seen, batchnorm_case(N, D, seed), eps,
                                        f"batchnorm_backward on X ({N}, {D})")


# ----------------------------------------------------------------------------- early stopping


def reference_early_stopping(val_losses, patience):
    """Brute force: at every epoch e, look back over the prefix up to e; the first e whose
    prefix minimum (its first occurrence) lies at least `patience` epochs back is the stop."""
    losses = np.array([float(v) for v in val_losses])
    looks = [(e, int(np.flatnonzero(losses[:e + 1] == losses[:e + 1].min())[0]))
             for e in range(len(losses))]
    stops = [(e, at) for e, at in looks if e - at >= patience]
    return stops[0] if stops else looks[-1]


def judge_early_stopping(seen, cases) -> Verdict:
    for (losses, patience), got in zip(cases, seen["results"]):
        expected = reference_early_stopping(losses, patience)
        try:
            got_pair = tuple(int(v) for v in got)
        except (TypeError, ValueError):
            return Verdict.fail(f"early_stopping({losses}, patience={patience}) returned "
                                f"{describe(got)}; expected a pair (stop_epoch, best_epoch).")
        if got_pair != expected:
            shown = [round(float(v), 4) for v in losses]
            shown = shown if len(shown) <= 14 else shown[:12] + ["..."]
            return Verdict.fail(
                f"early_stopping({shown}, patience={patience}) returned {got_pair}, expected "
                f"(stop_epoch, best_epoch) = {expected}.",
                "An epoch improves only if its loss is strictly lower than the best so far "
                "(a tie does not reset the count); stop at the epoch where `patience` epochs "
                "in a row have not improved; epochs count from 0.",
                "Without a stop, stop_epoch is the last epoch, len(val_losses) - 1.")
    return Verdict.ok()


@register
class EarlyStoppingCases(Check):
    """early_stopping on hand-made curves: strict improvement, patience counted exactly."""

    name = "early_stopping_cases"
    CASES = (
        ([1.0, 0.8, 0.7, 0.72, 0.71, 0.75, 0.6], 3),
        ([1.0, 0.8, 0.7, 0.72, 0.71, 0.75, 0.6], 4),
        ([3.0, 2.0, 2.0, 2.0, 2.0, 1.0], 3),
        ([5.0, 4.0, 3.0, 2.0, 1.0], 2),
    )

    def probe(self, early_stopping):
        return {"results": [list(early_stopping(list(losses), patience))
                            for losses, patience in self.CASES]}

    def judge(self, seen):
        return judge_early_stopping(seen, self.CASES)


# ----------------------------------------------------------------------------- initialisation


def torch_init_std(scheme, fan_in, fan_out):
    """The standard deviation of torch's initialiser for `scheme`, measured on a large draw
    of a (fan_out, fan_in) weight (torch's layout): kaiming_normal_ with a linear gain for
    "normal", xavier_normal_, kaiming_normal_ for relu."""
    import torch

    generator = torch.Generator().manual_seed(0)
    draws = []
    for _ in range(max(1, 200000 // (fan_in * fan_out))):
        W = torch.empty(fan_out, fan_in, dtype=torch.float64)
        if scheme == "normal":
            torch.nn.init.kaiming_normal_(W, nonlinearity="linear", generator=generator)
        elif scheme == "xavier":
            torch.nn.init.xavier_normal_(W, generator=generator)
        else:
            torch.nn.init.kaiming_normal_(W, nonlinearity="relu", generator=generator)
        draws.append(W.numpy().ravel())
    return float(np.concatenate(draws).std())
INIT_FORMULA = {"normal": "N(0, 1/fan_in)", "xavier": "N(0, 2/(fan_in + fan_out))",
                "he": "N(0, 2/fan_in)"}


def judge_init(seen, dims, label) -> Verdict:
    dims = list(dims)
    shapes = [(a, b) for a, b in zip(dims[:-1], dims[1:])]
    for scheme in ("zeros", "normal", "xavier", "he"):
        weights = seen[scheme]
        if not isinstance(weights, list) or len(weights) != len(shapes):
            return Verdict.fail(f"{label}(dims={dims}, {scheme!r}) returned "
                                f"{describe(weights)}; expected a list of {len(shapes)} "
                                "weight matrices.")
        got_shapes = [tuple(np.shape(W)) for W in weights]
        if got_shapes != shapes:
            return Verdict.fail(f"{label}(dims={dims}, {scheme!r}) gave shapes {got_shapes}, "
                                f"expected {shapes}.",
                                "Weight i maps layer i to layer i+1: shape (dims[i], dims[i+1]).")
        for (fan_in, fan_out), W in zip(shapes, weights):
            W = np.asarray(W, dtype=np.float64)
            if scheme == "zeros":
                if np.any(W != 0):
                    return Verdict.fail(f"{label}: scheme 'zeros' gave non-zero weights.")
                continue
            target = torch_init_std(scheme, fan_in, fan_out)
            std, mean = float(W.std()), float(W.mean())
            if abs(std / target - 1) > 0.05:
                swapped = torch_init_std(scheme if scheme != "xavier" else "normal",
                                         fan_out, fan_in)
                hint = ("That is the scale with fan_in and fan_out swapped: fan_in is the "
                        "number of inputs of a unit, dims[i] (the rows of W)."
                        if abs(std / swapped - 1) < 0.05 else
                        "The formula gives a *variance*: the standard deviation is its "
                        "square root." if abs(std / target ** 2 - 1) < 0.05 else
                        f"{scheme}: {INIT_FORMULA[scheme]}.")
                return Verdict.fail(
                    f"{label}({scheme!r}): the layer with fan_in {fan_in}, fan_out {fan_out} "
                    f"has standard deviation {std:.4f}, expected {target:.4f} from "
                    f"{INIT_FORMULA[scheme]}.", hint, f"{scheme}: {INIT_FORMULA[scheme]}.")
            tails = float(np.mean(np.abs(W) > 2 * target))
            if abs(tails - 0.0455) > 0.015:
                return Verdict.fail(
                    f"{label}({scheme!r}): {tails:.2%} of the weights of the layer with fan_in "
                    f"{fan_in} lie beyond two standard deviations; a normal distribution puts "
                    "about 4.6% there.",
                    "The schemes draw from a normal distribution (a uniform one of the same "
                    "standard deviation has no tails beyond 1.73 of them).")
            if abs(mean) > 5 * target / np.sqrt(W.size):
                return Verdict.fail(f"{label}({scheme!r}): weights have mean {mean:.4f}, "
                                    "expected about 0.")
    if seen["unknown"] != "ValueError":
        return Verdict.fail(f"{label}(dims, 'kaiming_uniform') should raise ValueError for an "
                            f"unknown scheme; it {seen['unknown']}.")
    return Verdict.ok()


def init_probe(init_weights, dims, seed):
    seen = {scheme: [np.asarray(W) for W in init_weights(list(dims), scheme,
                                                         np.random.default_rng(seed))]
            for scheme in ("zeros", "normal", "xavier", "he")}
    try:
        init_weights(list(dims), "kaiming_uniform", np.random.default_rng(seed))
        seen["unknown"] = "returned normally"
    except ValueError:
        seen["unknown"] = "ValueError"
    except Exception as error:
        seen["unknown"] = f"raised {type(error).__name__}"
    return seen


@register
class InitWeightsScales(Check):
    """init_weights: shapes, zeros, and the std of normal/xavier/he on very non-square layers."""

    name = "init_weights_scales"

    def probe(self, init_weights, dims=(600, 40, 300), seed=0):
        return init_probe(init_weights, dims, seed)

    def judge(self, seen, dims=(600, 40, 300), seed=0):
        return judge_init(seen, dims, "init_weights")


# ----------------------------------------------------------------------------- L1, proximal step


def l1_params(seed, transposed=False) -> dict:
    """Weights with exact zeros (the subgradient's corner), a bias, a gamma."""
    rng = np.random.default_rng(seed)
    W1 = rng.normal(size=(4, 5))
    W1[rng.random((4, 5)) < 0.3] = 0.0
    W2 = rng.normal(size=(6, 3))
    return {"W1": W1, "b1": rng.normal(size=5), "W2": W2.T if transposed else W2,
            "gamma": rng.uniform(0.5, 2.0, size=3)}


def l1_probe(l1_penalty, params, lam):
    given = {key: value.copy() for key, value in params.items()}
    penalty, grads = l1_penalty(given, lam)
    return {"penalty": penalty, "grads": grads, "after": given}


def judge_l1(seen, params, lam, label) -> Verdict:
    got = seen["grads"]
    if not isinstance(got, dict) or sorted(got) != sorted(params):
        shown = sorted(got) if isinstance(got, dict) else describe(got)
        return Verdict.fail(f"{label}: grads has keys {shown}, expected {sorted(params)}.",
                            "Return a gradient for every key of params, zeros for the keys the "
                            "penalty does not touch.")
    weights = [k for k in params if k.startswith("W")]
    expected = lam * sum(float(np.abs(params[k]).sum()) for k in weights)
    everything = lam * sum(float(np.abs(v).sum()) for v in params.values())
    hints = ["penalty: lam times the sum of |entries| of the weight matrices (keys starting "
             "with 'W') only."]
    value = np.squeeze(np.asarray(seen["penalty"], dtype=np.float64))
    if value.shape == () and np.isclose(value, everything) and lam:
        hints.insert(0, "Your penalty includes keys that are not weight matrices (biases, gamma).")
    verdicts = [compare(f"{label}: the penalty", value, expected, hints=tuple(hints))]
    for key, array in params.items():
        want = torch_gradient(lambda t: lam * t.abs().sum(), array)[0] if key in weights \
            else np.zeros_like(array)
        g = np.asarray(got[key], dtype=np.float64)
        g_hints = ["Away from 0 the slope of lam * |w| is lam or -lam; at exactly 0 use 0."]
        if key in weights and g.shape == array.shape and not np.allclose(g, want) \
                and np.allclose(g[array != 0], want[array != 0]):
            g_hints.insert(0, f"grads[{key!r}] is right except where the weight is exactly 0: "
                              "the subgradient chosen there is 0.")
        if key not in weights:
            g_hints = [f"{key!r} is not a weight matrix: its gradient is all zeros."]
        verdicts.append(compare(f"{label}: grads[{key!r}]", g, want, hints=tuple(g_hints)))
    for key in params:
        verdicts.append(compare(f"{label}: params[{key!r}] after the call", seen["after"][key],
                                params[key], rtol=0, atol=0,
                                hints=("Do not modify the arrays of params in place.",)))
    return first_failure(*verdicts)


@register
class L1PenaltyValues(Check):
    """l1_penalty: lam * sum |W| over weight matrices only, subgradient 0 at 0, zeros elsewhere."""

    name = "l1_penalty_values"

    def probe(self, l1_penalty, lam=0.1, seed=0):
        return l1_probe(l1_penalty, l1_params(seed), lam)

    def judge(self, seen, lam=0.1, seed=0):
        return judge_l1(seen, l1_params(seed), lam, f"l1_penalty(params, lam={lam})")


def soft_threshold_inputs(seed, t):
    """A vector hitting every case (|w| < t, = t, > t, 0, both signs) and a random matrix."""
    rng = np.random.default_rng(seed)
    edge = np.array([-3.0, -t, -0.5 * t, 0.0, 0.25 * t, t, t + 1e-3, 2.5])
    wide = rng.normal(scale=1.5, size=(7, 10))
    return edge, wide


def soft_threshold_probe(soft_threshold, seed, t, transposed=False):
    edge, wide = soft_threshold_inputs(seed, t)
    wide_in = wide.T if transposed else wide.copy()
    outs = {"edge": soft_threshold(edge.copy(), t), "wide": soft_threshold(wide_in, t),
            "zero_t": soft_threshold(wide.copy(), 0.0), "wide_after": wide_in}
    return outs


def judge_soft_threshold(seen, seed, t, label, transposed=False) -> Verdict:
    edge, wide = soft_threshold_inputs(seed, t)
    wide_in = wide.T if transposed else wide

    def expected(W, tt):
        import torch

        return torch.nn.functional.softshrink(
            torch.as_tensor(np.ascontiguousarray(W, dtype=np.float64)), tt).numpy().copy()

    verdicts = []
    for key, W, tt in (("edge", edge, t), ("wide", wide_in, t), ("zero_t", wide, 0.0)):
        got = np.asarray(seen[key], dtype=np.float64)
        hints = ["Every entry moves towards 0 by t, and stops at 0 instead of crossing it.",
                 "Work out the three cases of the proximal step in the lesson (positive, "
                 "negative, zero minimiser)."]
        if got.shape == W.shape and np.allclose(got, W - tt * np.sign(W)):
            hints.insert(0, "Small entries crossed zero: that is a subgradient step, not the "
                            "proximal step; entries with |w| <= t must become exactly 0.")
        verdicts.append(compare(f"{label}: soft_threshold(W {W.shape}, t={tt})", got,
                                expected(W, tt), hints=tuple(hints)))
        if got.shape == W.shape:
            small = np.abs(W) <= tt
            if np.any(got[small] != 0.0):
                verdicts.append(Verdict.fail(
                    f"{label}: soft_threshold(W, t={tt}) left {int(np.sum(got[small] != 0))} "
                    f"entries with |w| <= t non-zero (largest {np.abs(got[small]).max():.2e}); "
                    "they must be exactly 0.",
                    "The proximal step gives exact zeros: no tolerance, no tiny leftovers."))
    verdicts.append(compare(f"{label}: W after the call", seen["wide_after"], wide_in, rtol=0,
                            atol=0, hints=("Do not modify W in place; return a new array.",)))
    return first_failure(*verdicts)


@register
class SoftThresholdValues(Check):
    """soft_threshold: every case (below, at and above t, both signs), exact zeros, t = 0."""

    name = "soft_threshold_values"

    def probe(self, soft_threshold, t=0.5, seed=0):
        return soft_threshold_probe(soft_threshold, seed, t)

    def judge(self, seen, t=0.5, seed=0):
        return judge_soft_threshold(seen, seed, t, "soft_threshold")


# ----------------------------------------------------------------------------- layer norm


def layernorm_case(N, D, seed, strided=False):
    """Rows with their own offsets and scales (one nearly constant row), gamma, beta, dout."""
    rng = np.random.default_rng(seed)
    wide = rng.normal(size=(N, 2 * D)) * rng.uniform(0.5, 3.0, size=(N, 1)) \
        + rng.uniform(-3, 3, size=(N, 1))
    X = wide[:, ::2] if strided else np.ascontiguousarray(wide[:, ::2])
    X[0] = 2.0 + 1e-3 * rng.normal(size=D)  # a row whose variance is below eps's scale
    gamma = rng.uniform(0.5, 2.0, size=D)
    beta = rng.normal(size=D)
    dout = rng.normal(size=(N, D))
    return X, gamma, beta, dout


def torch_layernorm(X, gamma, beta, eps):
    import torch
    import torch.nn.functional as F

    return F.layer_norm(torch.as_tensor(np.ascontiguousarray(X)), (X.shape[1],),
                        torch.as_tensor(gamma), torch.as_tensor(beta), eps=eps).numpy().copy()




def layernorm_probe(layernorm_forward, case, eps):
    X, gamma, beta, _ = case
    inputs = [X, gamma.copy(), beta.copy()]
    X_before = X.copy()
    out, _cache = layernorm_forward(*inputs, eps=eps)
    return {"out": out, "after": inputs, "X_before": X_before}


def judge_layernorm_forward(seen, case, eps, label) -> Verdict:
    X, gamma, beta, _ = case
    expected = torch_layernorm(X, gamma, beta, eps)
    got = np.asarray(seen["out"], dtype=np.float64)
    hints = ["Normalise every row over its features (axis 1), then scale by gamma and shift "
             "by beta (one value per feature).",
             "Use the row's biased variance (divide by D), and put eps inside the square root."]
    if got.shape == X.shape:
        D = X.shape[1]
        if np.allclose(got, torch_batchnorm_train(X, gamma, beta, eps)):
            hints.insert(0, "You normalised every column over the batch: that is batch norm. "
                            "Layer norm normalises every row over its features.")
        elif np.allclose(got, torch_layernorm(X, gamma * np.sqrt((D - 1) / D), beta,
                                              eps * (D - 1) / D)):
            hints.insert(0, "That is the unbiased variance (divide by D - 1); use the biased one.")
        elif np.allclose(got[1:], expected[1:]) and not np.allclose(got[0], expected[0]):
            hints.insert(0, "Only the nearly constant first row is off: is eps inside the "
                            "square root, and do you use the eps argument?")
    verdicts = [compare(f"{label}: out (vs. torch.nn.functional.layer_norm)", got, expected,
                        hints=tuple(hints))]
    for name, value, original in zip(("X", "gamma", "beta"), seen["after"],
                                     (seen["X_before"], gamma, beta)):
        verdicts.append(compare(f"{label}: the input {name} after the call", value, original,
                                rtol=0, atol=0, hints=("Do not modify the inputs in place.",)))
    return first_failure(*verdicts)


@register
class LayernormForwardValues(Check):
    """layernorm_forward equals torch's layer_norm, with the default and a larger eps."""

    name = "layernorm_forward_values"

    def probe(self, layernorm_forward, N=5, D=6, seed=0):
        return {"default": layernorm_probe(layernorm_forward, layernorm_case(N, D, seed), 1e-5),
                "big_eps": layernorm_probe(layernorm_forward, layernorm_case(N, D, seed + 1),
                                           1e-2)}

    def judge(self, seen, N=5, D=6, seed=0):
        return first_failure(
            judge_layernorm_forward(seen["default"], layernorm_case(N, D, seed), 1e-5,
                                    f"layernorm_forward(X ({N}, {D}))"),
            judge_layernorm_forward(seen["big_eps"], layernorm_case(N, D, seed + 1), 1e-2,
                                    f"layernorm_forward(X ({N}, {D}), eps=0.01)"))


def layernorm_backward_probe(layernorm_forward, layernorm_backward, case, eps):
    require_written(layernorm_backward, layernorm_forward)
    X, gamma, beta, dout = case
    _, cache = layernorm_forward(X.copy(), gamma.copy(), beta.copy(), eps=eps)
    dout_in = dout.copy()
    grads = layernorm_backward(dout_in, cache)
    return {"grads": list(grads) if isinstance(grads, tuple | list) else grads,
            "dout_after": dout_in}


def judge_layernorm_backward(seen, case, eps, label) -> Verdict:
    import torch
    import torch.nn.functional as F

    X, gamma, beta, dout = case
    X = np.ascontiguousarray(X)
    N, D = X.shape
    numeric = [finite_difference_vjp(lambda Z: torch_layernorm(Z, gamma, beta, eps),
                                     X.copy(), dout),
               finite_difference_vjp(lambda g: torch_layernorm(X, g, beta, eps),
                                     gamma.copy(), dout),
               finite_difference_vjp(lambda b: torch_layernorm(X, gamma, b, eps),
                                     beta.copy(), dout)]
    upstream = torch.as_tensor(dout)
    oracle = torch_gradient(lambda Z, g, b: (F.layer_norm(Z, (D,), g, b, eps=eps)
                                             * upstream).sum(), X, gamma, beta)
    grads = seen["grads"]
    if not isinstance(grads, list) or len(grads) != 3:
        return Verdict.fail(f"{label} should return (dX, dgamma, dbeta), got {describe(grads)}.")
    dX = np.asarray(grads[0], dtype=np.float64)
    dx_hints = ["Each row's mean and variance depend on every entry of that row, so dX has "
                "more than the direct path dout * gamma / sqrt(var + eps).",
                "Take the batch-norm graph of section 3 and turn it by 90 degrees: the mean and "
                "variance nodes collect over the features of a row (axis 1)."]
    if dX.shape == X.shape:
        direct = dout * gamma / np.sqrt(X.var(axis=1, keepdims=True) + eps)
        if np.allclose(dX, direct):
            dx_hints[0] = ("Your dX is only the direct path: it treats each row's mean and "
                           "variance as constants, but they depend on the row.")
    sum_hint = ("dgamma and dbeta have shape (D,): gamma and beta are shared by every row, so "
                "their gradients sum over the batch (axis 0).")
    verdicts = [
        gradient_check(f"{label}: dbeta", grads[2], numeric[2], oracle=oracle[2], n=N,
                       hints=(sum_hint,)),
        gradient_check(f"{label}: dgamma", grads[1], numeric[1], oracle=oracle[1], n=N,
                       hints=(sum_hint, "dgamma needs the normalised input of every row.")),
        gradient_check(f"{label}: dX", dX, numeric[0], oracle=oracle[0], n=N,
                       hints=tuple(dx_hints)),
        compare(f"{label}: dout after the call", seen["dout_after"], dout, rtol=0, atol=0,
                hints=("Do not modify dout in place.",)),
    ]
    return first_failure(*verdicts)


@register
class LayernormBackward(Check):
    """layernorm_backward: dX, dgamma, dbeta match finite differences and torch autograd."""

    name = "layernorm_backward_gradients"
    rules = LAYERNORM_BACKWARD_RULES

    def probe(self, layernorm_forward, layernorm_backward, N=4, D=5, seed=2, eps=1e-5):
        return layernorm_backward_probe(layernorm_forward, layernorm_backward,
                                        layernorm_case(N, D, seed), eps)

    def judge(self, seen, N=4, D=5, seed=2, eps=1e-5):
        return judge_layernorm_backward(seen, layernorm_case(N, D, seed), eps,
                                        f"layernorm_backward on X ({N}, {D})")


# ----------------------------------------------------------------------------- residual blocks


def residual_case(N, D, seed, strided=False):
    """X, W, b with some pre-activations exactly 0 (a zero row of X, zero entries of b)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, D))
    X[0] = 0.0
    A = rng.normal(scale=1.0 / np.sqrt(D), size=(D, D))
    W = A.T if strided else A.copy()
    b = rng.normal(size=D)
    b[::2] = 0.0
    if strided:
        X = np.repeat(X, 2, axis=1)[:, ::2]
    dout = rng.normal(size=(N, D))
    return X, W, b, dout


def residual_probe(residual_forward, case):
    X, W, b, _ = case
    inputs = [X, W, b.copy()]
    before = [X.copy(), W.copy(), b.copy()]
    out, _cache = residual_forward(*inputs)
    return {"out": out, "after": inputs, "before": before}


def judge_residual_forward(seen, case, label) -> Verdict:
    import torch

    X, W, b, _ = case
    x, w = (torch.as_tensor(np.ascontiguousarray(a, dtype=np.float64)) for a in (X, W))
    expected = (x + torch.relu(x @ w + torch.as_tensor(b))).numpy().copy()
    got = np.asarray(seen["out"], dtype=np.float64)
    hints = ["The block returns its input plus the branch relu(X @ W + b)."]
    if got.shape == X.shape and np.allclose(got, np.maximum(X @ W + b, 0.0)):
        hints.insert(0, "out is only the branch: the residual block adds its input X.")
    elif got.shape == X.shape and np.allclose(got, np.maximum(X + X @ W + b, 0.0)):
        hints.insert(0, "The relu is applied after adding X: it belongs to the branch only.")
    elif got.shape == X.shape and np.allclose(got, X + np.maximum(X @ W.T + b, 0.0)):
        hints.insert(0, "W looks transposed: the branch computes X @ W + b with W (D_in, D_out).")
    verdicts = [compare(f"{label}: out", got, expected, hints=tuple(hints))]
    for name, value, original in zip(("X", "W", "b"), seen["after"], seen["before"]):
        verdicts.append(compare(f"{label}: the input {name} after the call", value, original,
                                rtol=0, atol=0, hints=("Do not modify the inputs in place.",)))
    return first_failure(*verdicts)


@register
class ResidualForwardValues(Check):
    """residual_forward: X + relu(X W + b), with contiguous and non-contiguous inputs."""

    name = "residual_forward_values"

    def probe(self, residual_forward, N=5, D=4, seed=0):
        return {"plain": residual_probe(residual_forward, residual_case(N, D, seed)),
                "strided": residual_probe(residual_forward, residual_case(N, D, seed + 1, True))}

    def judge(self, seen, N=5, D=4, seed=0):
        return first_failure(
            judge_residual_forward(seen["plain"], residual_case(N, D, seed),
                                   f"residual_forward(X ({N}, {D}), W, b)"),
            judge_residual_forward(seen["strided"], residual_case(N, D, seed + 1, True),
                                   "residual_forward(X[:, ::2], W.T, b)"))


def residual_backward_probe(residual_forward, residual_backward, case):
    require_written(residual_backward, residual_forward)
    X, W, b, dout = case
    _, cache = residual_forward(X, W, b.copy())
    dout_in = dout.copy()
    grads = residual_backward(dout_in, cache)
    return {"grads": list(grads) if isinstance(grads, tuple | list) else grads,
            "dout_after": dout_in}


def judge_residual_backward(seen, case, label) -> Verdict:
    import torch

    X, W, b, dout = case
    X, W = np.ascontiguousarray(X), np.ascontiguousarray(W)
    upstream = torch.as_tensor(dout)
    oracle = torch_gradient(lambda x, w, c: ((x + torch.relu(x @ w + c)) * upstream).sum(),
                            X, W, b)
    grads = seen["grads"]
    if not isinstance(grads, list) or len(grads) != 3:
        return Verdict.fail(f"{label} should return (dX, dW, db), got {describe(grads)}.")
    dX = np.asarray(grads[0], dtype=np.float64)
    dx_hints = ["X reaches out along two paths, the identity and the branch: dX is the sum of "
                "what comes back along both."]
    gate = (X @ W + b) > 0
    if dX.shape == X.shape and np.allclose(dX, oracle[0] - dout):
        dx_hints.insert(0, "dX misses the identity path (out contains X itself).")
    elif dX.shape == X.shape and np.allclose(dX, dout + dout @ W.T):
        dx_hints.insert(0, "The branch's gradient ignores the relu: it passes only where the "
                           "pre-activation is positive.")
    at_zero = ("The pre-activation is exactly 0 for some entries here; relu'(0) = 0, so no "
               "gradient passes there.")
    verdicts = [
        compare(f"{label}: db", grads[2], oracle[2],
                hints=("db has shape (D,): sum over the batch what reaches the branch's "
                       "pre-activation.", at_zero)),
        compare(f"{label}: dW", grads[1], oracle[1],
                hints=("dW has shape (D, D) and only comes from the branch; check the "
                       "transposes against the shapes.", at_zero)),
        compare(f"{label}: dX", dX, oracle[0], hints=tuple(dx_hints) + (at_zero,)),
        compare(f"{label}: dout after the call", seen["dout_after"], dout, rtol=0, atol=0,
                hints=("Do not modify dout in place.",)),
    ]
    del gate
    return first_failure(*verdicts)


@register
class ResidualBackward(Check):
    """residual_backward: dX, dW, db match torch autograd (relu'(0) = 0), non-contiguous too."""

    name = "residual_backward_gradients"
    rules = RESIDUAL_BACKWARD_RULES

    def probe(self, residual_forward, residual_backward, N=6, D=4, seed=2):
        return {"plain": residual_backward_probe(residual_forward, residual_backward,
                                                 residual_case(N, D, seed)),
                "strided": residual_backward_probe(residual_forward, residual_backward,
                                                   residual_case(N, D, seed + 1, True))}

    def judge(self, seen, N=6, D=4, seed=2):
        return first_failure(
            judge_residual_backward(seen["plain"], residual_case(N, D, seed),
                                    f"residual_backward on X ({N}, {D})"),
            judge_residual_backward(seen["strided"], residual_case(N, D, seed + 1, True),
                                    "residual_backward on X[:, ::2], W.T"))


# ----------------------------------------------------------------------------- train_regularized

TRAIN_COLLABORATORS = ("l2_penalty", "dropout_forward", "dropout_backward", "batchnorm_forward",
                       "batchnorm_backward")


def training_case(seed, n_train=40, n_val=30, D=5, C=3, strided=False):
    """Random inputs with random labels (every class present): training can only memorise,
    so the validation loss soon rises and early stopping has work to do."""
    rng = np.random.default_rng(seed)
    wide = rng.normal(size=(n_train, 2 * D))
    X_train = wide[:, ::2] if strided else np.ascontiguousarray(wide[:, ::2])
    y_train = rng.permutation(np.arange(n_train) % C)
    X_val = rng.normal(size=(n_val, D))
    y_val = rng.permutation(np.arange(n_val) % C)
    return X_train, y_train, X_val, y_val


def _run(train_regularized, case, **kwargs):
    X_train, y_train, X_val, y_val = case
    given = [X_train, y_train.copy(), X_val.copy(), y_val.copy()]
    before = [np.array(a) for a in given]
    params, history, best = train_regularized(*given, **kwargs)
    changed = [not np.array_equal(a, b) for a, b in zip(given, before)]
    return {"params": params, "history": history, "best": best, "inputs_changed": changed}


def require_collaborators(train_regularized):
    require_written(train_regularized, *[student_original(train_regularized, name)
                                         for name in TRAIN_COLLABORATORS])


def one_step_probe(train_regularized, case, lam, lr, seed, hidden):
    require_collaborators(train_regularized)
    n_train = len(case[0])
    seen = {}
    for bn in (False, True):
        for name, rate in (("start", 0.0), ("step", lr)):
            seen[f"{name}_{int(bn)}"] = _run(
                train_regularized, case, hidden=hidden, lr=rate, batch_size=n_train,
                max_epochs=1, lam=lam, p_drop=0.0, batchnorm=bn, patience=3,
                rng=np.random.default_rng(seed))
    seen["ties"] = _run(train_regularized, case, hidden=hidden, lr=0.0, batch_size=n_train,
                        max_epochs=6, lam=lam, patience=2, rng=np.random.default_rng(seed))
    seen["rng_none"] = _run(train_regularized, case, hidden=hidden, max_epochs=2, rng=None)
    seen["rng_zero"] = _run(train_regularized, case, hidden=hidden, max_epochs=2,
                            rng=np.random.default_rng(0))
    seen.update(mechanics_probe(train_regularized, case, lam, lr, seed, hidden))
    return seen


def column_dropout(X, p, train, rng=None):
    """A stand-in for dropout_forward whose mask is known: it drops every third hidden unit
    (columns 0, 3, 6, ...) in every row and scales the others as inverted dropout does."""
    if not train:
        return X, None
    keep = (np.arange(np.shape(X)[1]) % 3 != 0) / (1.0 - p)
    mask = np.broadcast_to(keep, np.shape(X)).copy()
    return X * mask, mask


def _argument(call, position, name):
    args, kwargs = call
    return args[position] if len(args) > position else kwargs.get(name)


def mechanics_probe(train_regularized, case, lam, lr, seed, hidden, p_drop=0.5, batch=7):
    """Runs that show how the loop uses its pieces (the judge does every comparison)."""
    n_train = len(case[0])
    seen = {}
    for bn in (False, True):
        for name, rate in (("dstart", 0.0), ("dstep", lr)):
            with swapped(train_regularized, dropout_forward=column_dropout):
                seen[f"{name}_{int(bn)}"] = _run(
                    train_regularized, case, hidden=hidden, lr=rate, batch_size=n_train,
                    max_epochs=1, lam=lam, p_drop=p_drop, batchnorm=bn, patience=3,
                    rng=np.random.default_rng(seed))
    given = np.random.default_rng(seed + 7)
    dropout = student_original(train_regularized, "dropout_forward")
    norm = student_original(train_regularized, "batchnorm_forward")
    present = {k: v for k, v in (("dropout_forward", dropout), ("batchnorm_forward", norm))
               if callable(v)}
    with swapped(train_regularized, **present) as recorders:
        seen["rows_run"] = _run(train_regularized, case, hidden=hidden, lr=0.0,
                                batch_size=batch, max_epochs=3, lam=0.0, p_drop=p_drop,
                                batchnorm=True, patience=10, rng=given)
    calls = recorders["dropout_forward"].calls if "dropout_forward" in recorders else []
    seen["dropout_rng_is_argument"] = [_argument(c, 3, "rng") is given for c in calls
                                       if _argument(c, 2, "train")]
    calls = recorders["batchnorm_forward"].calls if "batchnorm_forward" in recorders else []
    seen["bn_train_inputs"] = [np.array(_argument(c, 0, "X"), dtype=np.float64) for c in calls
                               if _argument(c, 5, "train")]
    seen["init_other_seed"] = _run(train_regularized, case, hidden=hidden, lr=0.0,
                                   batch_size=n_train, max_epochs=1, lam=lam,
                                   rng=np.random.default_rng(seed + 1))
    return seen


def _structure(run, bn, hidden, D, C, label, max_epochs) -> Verdict:
    params, history = run["params"], run["history"]
    keys = ["W1", "b1", "W2", "b2"] + (["gamma", "beta", "running_mean", "running_var"]
                                       if bn else [])
    if not isinstance(params, dict) or sorted(params) != sorted(keys):
        return Verdict.fail(f"{label}: params has keys "
                            f"{sorted(params) if isinstance(params, dict) else describe(params)}, "
                            f"expected {sorted(keys)}.",
                            "W1, b1, W2, b2, and with batchnorm=True also gamma, beta, "
                            "running_mean, running_var.")
    shapes = {"W1": (D, hidden), "b1": (hidden,), "W2": (hidden, C), "b2": (C,),
              "gamma": (hidden,), "beta": (hidden,), "running_mean": (hidden,),
              "running_var": (hidden,)}
    for key in keys:
        if np.shape(params[key]) != shapes[key]:
            return Verdict.fail(f"{label}: params[{key!r}] has shape {np.shape(params[key])}, "
                                f"expected {shapes[key]}.")
        if not np.all(np.isfinite(np.asarray(params[key], dtype=np.float64))):
            return Verdict.fail(f"{label}: params[{key!r}] has non-finite entries.")
    if not isinstance(history, dict) or not {"train_loss", "val_loss", "val_acc"} <= set(history):
        return Verdict.fail(f"{label}: history should be a dict with lists train_loss, val_loss "
                            f"and val_acc; got {describe(history)}.")
    lengths = {len(history[k]) for k in ("train_loss", "val_loss", "val_acc")}
    if len(lengths) != 1 or not 1 <= lengths.pop() <= max_epochs:
        return Verdict.fail(f"{label}: history's lists should have one entry per epoch run "
                            f"(between 1 and max_epochs = {max_epochs}); they have lengths "
                            f"{[len(history[k]) for k in ('train_loss', 'val_loss', 'val_acc')]}.")
    for key in ("train_loss", "val_loss", "val_acc"):
        if not np.all(np.isfinite(np.asarray(history[key], dtype=np.float64))):
            return Verdict.fail(f"{label}: history[{key!r}] has non-finite entries.")
    if any(run["inputs_changed"]):
        return Verdict.fail(f"{label}: the call modified its data arrays X_train, y_train, X_val "
                            "or y_val.", "Do not modify the data in place (shuffle indices, "
                            "not the arrays).")
    return Verdict.ok()


def reference_sgd_step(params, X, y, lam, lr, bn, eps=1e-5, keep=None):
    """One full-batch SGD step on cross-entropy + lam * sum ||W||^2, by torch autograd."""
    import torch
    import torch.nn.functional as F

    names = ["W1", "b1", "W2", "b2"] + (["gamma", "beta"] if bn else [])
    t = {k: torch.tensor(np.asarray(params[k], dtype=np.float64), requires_grad=True)
         for k in names}
    pre = torch.as_tensor(np.ascontiguousarray(X)) @ t["W1"] + t["b1"]
    if bn:
        pre = F.batch_norm(pre, None, None, t["gamma"], t["beta"], training=True, eps=eps)
    hidden_out = torch.relu(pre)
    if keep is not None:
        hidden_out = hidden_out * torch.as_tensor(np.asarray(keep, dtype=np.float64))
    scores = hidden_out @ t["W2"] + t["b2"]
    loss = F.cross_entropy(scores, torch.as_tensor(y)) \
        + lam * ((t["W1"] ** 2).sum() + (t["W2"] ** 2).sum())
    loss.backward()
    return {k: params[k] - lr * t[k].grad.numpy() for k in names}


def eval_scores(params, X, bn, eps=1e-5):
    """The network in evaluation mode (torch): batch norm with the running statistics."""
    import torch
    import torch.nn.functional as F

    p = {k: torch.as_tensor(np.asarray(v, dtype=np.float64)) for k, v in params.items()}
    pre = F.linear(torch.as_tensor(np.ascontiguousarray(X, dtype=np.float64)), p["W1"].T,
                   p["b1"])
    if bn:
        pre = F.batch_norm(pre, p["running_mean"], p["running_var"], p["gamma"], p["beta"],
                           training=False, eps=eps)
    return F.linear(torch.relu(pre), p["W2"].T, p["b2"]).numpy().copy()


def cross_entropy(scores, y):
    import torch
    import torch.nn.functional as F

    return float(F.cross_entropy(torch.as_tensor(scores), torch.as_tensor(np.asarray(y))))


def judge_one_step(seen, case, lam, lr, hidden, label) -> Verdict:
    X_train, y_train, X_val, y_val = case
    D, C = X_train.shape[1], int(max(y_train.max(), y_val.max())) + 1
    for bn in (False, True):
        name = f"{label}(batchnorm={bn}, batch_size=N, max_epochs=1, lam={lam})"
        for key in ("start", "step"):
            verdict = _structure(seen[f"{key}_{int(bn)}"], bn, hidden, D, C, name, 1)
            if not verdict.passed:
                return verdict
        start, step = seen[f"start_{int(bn)}"]["params"], seen[f"step_{int(bn)}"]["params"]
        expected = reference_sgd_step(start, X_train, y_train, lam, lr, bn)
        hints = {"W1": "W1's gradient goes back through the second layer, the relu"
                       + (" and batch norm" if bn else "") + ", plus the penalty's.",
                 "W2": "W2's gradient is the data term's plus your l2_penalty's gradient.",
                 "b1": "b1 is not penalised; its gradient sums over the batch.",
                 "b2": "b2 is not penalised; its gradient sums over the batch.",
                 "gamma": "gamma's gradient comes from your batchnorm_backward (not penalised).",
                 "beta": "beta's gradient comes from your batchnorm_backward (not penalised)."}
        for key, want in expected.items():
            got = np.asarray(step[key], dtype=np.float64)
            extra = []
            if key.startswith("W") and np.allclose(
                    got, reference_sgd_step(start, X_train, y_train, 0.0, lr, bn)[key]):
                extra = ["The step ignores the L2 penalty: add your l2_penalty's gradients."]
            verdict = compare(
                f"{name}: params[{key!r}] after one SGD step with lr={lr} (the same rng with "
                "lr=0 gave the starting point)", got, want, rtol=1e-6, atol=1e-9,
                hints=tuple(extra) + (hints[key], "Losses and gradients are means over the "
                                      "batch; one step is params - lr * gradient."))
            if not verdict.passed:
                return verdict
        if bn:
            for key in ("running_mean", "running_var"):
                verdict = compare(
                    f"{name}: params[{key!r}] with lr=0 and with lr={lr}",
                    step[key], start[key], rtol=1e-9, atol=1e-12,
                    hints=("Both runs see the same single batch at the same starting point, so "
                           "their running statistics must agree: do they depend on lr?",))
                if not verdict.passed:
                    return verdict
    ties = seen["ties"]
    name = f"{label}(lr=0, max_epochs=6, patience=2)"
    verdict = _structure(ties, False, hidden, D, C, name, 6)
    if not verdict.passed:
        return verdict
    epochs_run = len(ties["history"]["val_loss"])
    if epochs_run != 3 or ties["best"] is None or int(ties["best"]) != 0:
        return Verdict.fail(f"{name}: with lr=0 every epoch has the same validation loss; "
                            f"expected 3 epochs and best_epoch 0, got {epochs_run} epochs and "
                            f"best_epoch {ties['best']}.",
                            "An epoch improves only when its validation loss is strictly lower "
                            "than the best so far: a tie is not an improvement.")
    verdict = judge_mechanics(seen, case, lam, lr, hidden, label)
    if not verdict.passed:
        return verdict
    a, b = seen["rng_none"], seen["rng_zero"]
    same = (all(np.array_equal(np.asarray(a["params"][k]), np.asarray(b["params"][k]))
                for k in a["params"]) if isinstance(a["params"], dict)
            and isinstance(b["params"], dict) and sorted(a["params"]) == sorted(b["params"])
            else False) and a["history"] == b["history"]
    if not same:
        return Verdict.fail(f"{label}(rng=None) and {label}(rng=np.random.default_rng(0)) gave "
                            "different results.",
                            "rng=None means np.random.default_rng(0); draw every random number "
                            "from that generator.")
    return Verdict.ok()


def _match_rows(got, reference):
    """For each row of got, the index of the equal row of reference (None if there is none)."""
    found = []
    scale = 1e-7 * (1.0 + np.abs(reference).max())
    for row in np.asarray(got, dtype=np.float64).reshape(-1, reference.shape[1]):
        distance = np.abs(reference - row).max(axis=1)
        k = int(np.argmin(distance))
        found.append(k if distance[k] <= scale else None)
    return found


def judge_mechanics(seen, case, lam, lr, hidden, label, p_drop=0.5, batch=7) -> Verdict:
    """Dropout applied and back-propagated with dropout_forward's mask; running statistics
    updated; a fresh shuffle of every row every epoch, the partial last batch included; the
    rng argument used for the masks and the initial weights."""
    X_train, y_train, X_val, y_val = case
    N = len(X_train)
    D, C = X_train.shape[1], int(max(y_train.max(), y_val.max())) + 1
    keep = (np.arange(hidden) % 3 != 0) / (1.0 - p_drop)
    for bn in (False, True):
        name = (f"{label}(batchnorm={bn}, p_drop={p_drop}, batch_size=N, max_epochs=1, "
                f"lam={lam})")
        for key in ("dstart", "dstep"):
            verdict = _structure(seen[f"{key}_{int(bn)}"], bn, hidden, D, C, name, 1)
            if not verdict.passed:
                return verdict
        start = seen[f"dstart_{int(bn)}"]["params"]
        step = seen[f"dstep_{int(bn)}"]["params"]
        expected = reference_sgd_step(start, X_train, y_train, lam, lr, bn, keep=keep)
        for key, want in expected.items():
            got = np.asarray(step[key], dtype=np.float64)
            hints = ["For this test dropout_forward was replaced by one that drops every "
                     "third hidden unit: the step must apply the mask dropout_forward returns "
                     "in the forward pass (train=True when p_drop > 0) and give the same mask "
                     "to dropout_backward."]
            if np.allclose(got, reference_sgd_step(start, X_train, y_train, lam, lr, bn)[key]):
                hints.insert(0, "That is the step without dropout: is dropout_forward called "
                                "in training mode, and is its output used?")
            verdict = compare(f"{name}: params[{key!r}] after one SGD step with lr={lr}, "
                              "dropout masking every third hidden unit", got, want, rtol=1e-6,
                              atol=1e-9, hints=tuple(hints))
            if not verdict.passed:
                return verdict
        if bn:
            pre = X_train @ np.asarray(start["W1"], dtype=np.float64) \
                + np.asarray(start["b1"], dtype=np.float64)
            H = pre.shape[1]
            _, torch_mean, torch_var = torch_batchnorm(pre, np.ones(H), np.zeros(H),
                                                       np.zeros(H), np.ones(H), True, 0.9, 1e-5)
            want_var = 0.9 + (torch_var - 0.9) * (N - 1) / N  # torch's var is unbiased
            for key, want in (("running_mean", torch_mean), ("running_var", want_var)):
                verdict = compare(
                    f"{name}, lr=0: params[{key!r}] after the one batch of the epoch", start[key],
                    want, rtol=1e-6, atol=1e-9,
                    hints=("The running statistics start at zeros (mean) and ones (variance) "
                           "and every training batch updates them through batchnorm_forward "
                           "(default momentum); keep what it returns.",))
                if not verdict.passed:
                    return verdict
    other = seen["init_other_seed"]
    verdict = _structure(other, False, hidden, D, C, f"{label}(lr=0)", 1)
    if not verdict.passed:
        return verdict
    if np.allclose(np.asarray(other["params"]["W1"], dtype=np.float64),
                   np.asarray(seen["start_0"]["params"]["W1"], dtype=np.float64)):
        return Verdict.fail(f"{label}(lr=0, max_epochs=1) with two differently seeded rngs "
                            "returned the same W1: the initial weights do not come from rng.",
                            "Draw the initial weights from the rng argument.")
    if not all(seen["dropout_rng_is_argument"]) or not seen["dropout_rng_is_argument"]:
        return Verdict.fail(f"{label}(p_drop={p_drop}): dropout_forward was "
                            + ("never called in training mode." if not
                               seen["dropout_rng_is_argument"] else
                               "given a generator other than the rng argument."),
                            "Pass the rng argument itself to dropout_forward: every random "
                            "number comes from it.")
    run = seen["rows_run"]
    name = (f"{label}(batchnorm=True, lr=0, batch_size={batch}, max_epochs=3, patience=10, "
            f"N={N})")
    verdict = _structure(run, True, hidden, D, C, name, 3)
    if not verdict.passed:
        return verdict
    params = run["params"]
    pre = X_train @ np.asarray(params["W1"], dtype=np.float64) \
        + np.asarray(params["b1"], dtype=np.float64)
    inputs = seen["bn_train_inputs"]
    sizes = [len(np.asarray(x).reshape(-1, pre.shape[1])) for x in inputs]
    rows = [_match_rows(x, pre) for x in inputs]
    if any(k is None for r in rows for k in r):
        return Verdict.fail(f"{name}: batchnorm_forward (train=True) received rows that are not "
                            "rows of X_train @ W1 + b1.",
                            "Each training batch is X_train[rows] for rows of a shuffle of the "
                            "training set; batch norm normalises its first layer's output.")
    order = [k for r in rows for k in r]
    epochs = len(run["history"]["val_loss"])
    counts, filled = [], 0
    for size in sizes:  # the batches of each epoch, in order
        if filled == 0:
            counts.append([])
        counts[-1].append(size)
        filled = (filled + size) % N
    expected_batches = -(-N // batch)
    if (len(counts) != epochs or any(sum(c) != N or len(c) != expected_batches for c in counts)
            or max(sizes, default=0) > batch):
        return Verdict.fail(f"{name}: the training batches had sizes {sizes}; expected "
                            f"{epochs} epochs of {expected_batches} batches of at most {batch} "
                            f"rows that together hold all {N} training rows (the last batch "
                            "holding what is left).",
                            "Do not skip the partial last batch; do not draw batches with "
                            "replacement.")
    orders = [order[e * N:(e + 1) * N] for e in range(epochs)]
    if any(sorted(o) != list(range(N)) for o in orders):
        return Verdict.fail(f"{name}: an epoch did not use every training row exactly once.",
                            "Shuffle the indices of the training set once per epoch and cut "
                            "them into consecutive batches.")
    if len({tuple(o) for o in orders}) != len(orders):
        return Verdict.fail(f"{name}: two epochs used the rows in the same order.",
                            "Draw a fresh shuffle from rng at the start of every epoch.")
    return Verdict.ok()


@register
class TrainRegularizedOneStep(Check):
    """train_regularized: one full-batch epoch is one SGD step (L2, dropout, batch norm)."""

    name = "train_regularized_one_step"

    def probe(self, train_regularized, seed=0, lam=0.05, lr=0.5, hidden=6):
        with swapped_collaborators(train_regularized):
            return one_step_probe(train_regularized, training_case(seed), lam, lr, seed + 1,
                                  hidden)

    def judge(self, seen, seed=0, lam=0.05, lr=0.5, hidden=6):
        return judge_one_step(seen, training_case(seed), lam, lr, hidden, "train_regularized")


def swapped_collaborators(train_regularized):
    """Record the student's own collaborators while train_regularized runs (numpy only)."""
    present = {name: student_original(train_regularized, name) for name in TRAIN_COLLABORATORS}
    return swapped(train_regularized, **{k: v for k, v in present.items() if callable(v)})


def stopping_probe(train_regularized, case, other_val, seed, settings):
    require_collaborators(train_regularized)
    seen = {}
    with swapped_collaborators(train_regularized) as recorders:
        seen["main"] = _run(train_regularized, case, rng=np.random.default_rng(seed), **settings)
    seen["calls"] = {name: recorder.count for name, recorder in recorders.items()}
    seen["again"] = _run(train_regularized, case, rng=np.random.default_rng(seed), **settings)
    seen["other_seed"] = _run(train_regularized, case, rng=np.random.default_rng(seed + 1),
                              **settings)
    seen["other_val"] = _run(train_regularized, (case[0], case[1], *other_val),
                             rng=np.random.default_rng(seed), **settings)
    plain = dict(settings, p_drop=0.0, batchnorm=False, lam=0.0)
    seen["plain"] = _run(train_regularized, case, rng=np.random.default_rng(seed), **plain)
    return seen


def judge_run_stopping(run, case, settings, label) -> Verdict:
    X_train, y_train, X_val, y_val = case
    bn = settings["batchnorm"]
    D, C = X_train.shape[1], int(max(y_train.max(), y_val.max())) + 1
    verdict = _structure(run, bn, settings["hidden"], D, C, label, settings["max_epochs"])
    if not verdict.passed:
        return verdict
    history, params = run["history"], run["params"]
    val = [float(v) for v in history["val_loss"]]
    patience, max_epochs = settings["patience"], settings["max_epochs"]
    stop, best = reference_early_stopping(val, patience)
    if run["best"] is None or int(run["best"]) != best:
        return Verdict.fail(f"{label}: best_epoch is {run['best']}, but the lowest validation "
                            f"loss of history (first one, strictly lower) is at epoch {best}.",
                            "best_epoch is the epoch whose validation loss is strictly lower "
                            "than every earlier one and not beaten later.")
    if stop != len(val) - 1:
        return Verdict.fail(f"{label}: training ran {len(val)} epochs, but the validation losses "
                            f"it recorded had not improved for {patience} epochs after epoch "
                            f"{stop}: it should have stopped there.",
                            "Stop after epoch e as soon as e - best_epoch >= patience.")
    if len(val) < max_epochs and len(val) - 1 - best < patience:
        return Verdict.fail(f"{label}: training stopped after epoch {len(val) - 1}, only "
                            f"{len(val) - 1 - best} epochs after the best epoch {best}, with "
                            f"patience {patience} and max_epochs {max_epochs}.",
                            "Stop only when e - best_epoch >= patience (or at max_epochs).")
    val_scores = eval_scores(params, X_val, bn)
    got_val = cross_entropy(val_scores, y_val)
    got_train = cross_entropy(eval_scores(params, X_train, bn), y_train)
    if not np.isclose(got_val, val[best], rtol=1e-6, atol=1e-9):
        hints = ["Keep a copy of the parameters whenever the validation loss improves, and "
                 "return that copy."]
        if np.isclose(got_val, val[-1], rtol=1e-6, atol=1e-9) and best != len(val) - 1:
            hints.insert(0, "Those are the parameters of the last epoch; return the best "
                            "epoch's.")
        else:
            hints.append("The validation loss in history must be the deterministic one: no "
                         "dropout, batch norm with the running statistics"
                         + (", which must be the ones returned in params." if bn else "."))
        return Verdict.fail(f"{label}: the returned params give validation loss {got_val:.6f} "
                            f"(evaluation mode), but history['val_loss'][{best}] is "
                            f"{val[best]:.6f}.", *hints)
    if not np.isclose(got_train, float(history["train_loss"][best]), rtol=1e-6, atol=1e-9):
        return Verdict.fail(f"{label}: the returned params give training loss {got_train:.6f} "
                            f"(cross-entropy on all of X_train, evaluation mode), but "
                            f"history['train_loss'][{best}] is "
                            f"{float(history['train_loss'][best]):.6f}.",
                            "train_loss is the cross-entropy on the whole training set after "
                            "the epoch, without the penalty, with no dropout and batch norm "
                            "in evaluation mode.")
    acc = float(np.mean(val_scores.argmax(axis=1) == y_val))
    if not np.isclose(acc, float(history["val_acc"][best])):
        return Verdict.fail(f"{label}: the returned params classify {acc:.4f} of X_val "
                            f"correctly, but history['val_acc'][{best}] is "
                            f"{float(history['val_acc'][best]):.4f}.")
    return Verdict.ok()


def judge_stopping(seen, case, other_val, settings, label) -> Verdict:
    main = seen["main"]
    verdict = first_failure(
        judge_run_stopping(main, case, settings, f"{label} with {describe_settings(settings)}"),
        judge_run_stopping(seen["plain"], case, dict(settings, p_drop=0.0, batchnorm=False,
                                                     lam=0.0),
                           f"{label} without regularisation"))
    if not verdict.passed:
        return verdict
    needed = ["l2_penalty", "dropout_forward", "dropout_backward", "batchnorm_forward",
              "batchnorm_backward"]
    missing = [name for name in needed if seen["calls"].get(name, 0) == 0]
    if missing:
        return Verdict.fail(f"{label} must be built from your {', '.join(missing)}: with lam > 0, "
                            "p_drop > 0 and batchnorm=True it never called "
                            f"{'it' if len(missing) == 1 else 'them'}.",
                            "Use your own functions of this notebook inside the loop.")
    if main["history"] != seen["again"]["history"]:
        return Verdict.fail(f"{label}: two runs with identically seeded rngs gave different "
                            "histories.", "Draw every random number (initial weights, shuffles, "
                            "dropout masks) from the rng argument, not from np.random.")
    if main["history"]["train_loss"] == seen["other_seed"]["history"]["train_loss"]:
        return Verdict.fail(f"{label}: runs with rng seeds differing gave the same history: the "
                            "rng argument is not used.")
    a = main["history"]["train_loss"]
    b = seen["other_val"]["history"]["train_loss"]
    common = min(len(a), len(b))
    if not np.allclose(a[:common], b[:common], rtol=1e-10, atol=1e-12):
        return Verdict.fail(f"{label}: changing only the validation data changed the training "
                            "losses: the network was trained on the validation data.",
                            "The validation set only decides when to stop and which epoch to "
                            "keep; every gradient step uses X_train, y_train only.")
    return Verdict.ok()


def describe_settings(settings) -> str:
    return ", ".join(f"{k}={v}" for k, v in settings.items())


@register
class TrainRegularizedEarlyStopping(Check):
    """train_regularized: early stopping keeps the best epoch, trains on training data only."""

    name = "train_regularized_early_stopping"
    SETTINGS = {"hidden": 16, "lr": 0.5, "batch_size": 8, "max_epochs": 40, "lam": 1e-4,
                "p_drop": 0.3, "batchnorm": True, "patience": 3}

    def probe(self, train_regularized, seed=5):
        case = training_case(seed)
        other = training_case(seed + 50)[2:]
        return stopping_probe(train_regularized, case, other, seed, self.SETTINGS)

    def judge(self, seen, seed=5):
        return judge_stopping(seen, training_case(seed), training_case(seed + 50)[2:],
                              self.SETTINGS, "train_regularized")


RULES = {
    "l1_penalty": Rules(), "soft_threshold": Rules(), "l2_penalty": Rules(),
    "dropout_forward": Rules(), "dropout_backward": Rules(), "batchnorm_forward": Rules(),
    "batchnorm_backward": BATCHNORM_BACKWARD_RULES, "layernorm_forward": Rules(),
    "layernorm_backward": LAYERNORM_BACKWARD_RULES, "residual_forward": Rules(),
    "residual_backward": RESIDUAL_BACKWARD_RULES, "early_stopping": Rules(),
    "init_weights": Rules(),
    "train_regularized": Rules(built_from=TRAIN_COLLABORATORS),
}
"""The rules of every graded function: numpy only (no torch, no course-library checker);
train_regularized is built from the notebook's own regularisers."""
