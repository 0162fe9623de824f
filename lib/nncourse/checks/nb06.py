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
from nncourse.verdict import Verdict, first_failure

# ----------------------------------------------------------------------------- helpers


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
            hints=("The derivative of lam * W**2 is 2 * lam * W; a bias is not penalised, so "
                   "its gradient is zero.",)))
    for key in params:
        verdicts.append(compare(f"{label}: params[{key!r}] after the call", seen["after"][key],
                                params[key], rtol=0, atol=0,
                                hints=("Do not modify the arrays of params in place: build "
                                       "new arrays for the gradients.",)))
    return first_failure(*verdicts)


@register
class L2PenaltyValues(Check):
    """l2_penalty: lam * sum ||W||^2 over weight matrices only, grads 2 lam W, zeros for biases."""

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
    """The mask has X's shape, holds only 0 and 1/(1-p), and out = X * mask."""
    if mask is None:
        return Verdict.fail(f"{name}: mask is None in training mode; it should hold the factor "
                            "each unit was multiplied by (0 or 1/(1-p)).")
    mask = np.asarray(mask, dtype=np.float64)
    if mask.shape != X.shape:
        return Verdict.fail(f"{name}: mask has shape {mask.shape}, expected {X.shape} "
                            "(one factor per unit of X).")
    scale = 1.0 / (1.0 - p)
    is_zero = np.isclose(mask, 0.0)
    is_scale = np.isclose(mask, scale)
    if not np.all(is_zero | is_scale):
        odd = np.unique(np.round(mask[~(is_zero | is_scale)], 4))[:5]
        hint = ("A mask of 0s and 1s is the *keep* pattern: the factor of a survivor is "
                "1/(1-p), so the mask should hold that." if np.allclose(odd, 1.0) else
                "Each entry is either dropped (factor 0) or kept and scaled (factor 1/(1-p)).")
        return Verdict.fail(f"{name}: mask holds values {odd.tolist()}; expected only 0 and "
                            f"1/(1-p) = {scale:.4g} for p = {p}.", hint)
    return compare(f"{name}: out", out, X * mask,
                   hints=("out is X multiplied elementwise by the mask.",))


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
    """dropout_forward in training: drop rate p, survivors scaled by 1/(1-p), mean unchanged."""

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
                                "Scale the survivors by 1/(1-p).")
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
    """dropout_backward multiplies dout by the forward pass's mask; None passes dout through."""

    name = "dropout_backward_mask"

    def probe(self, dropout_forward, dropout_backward, p=0.4, seed=5, shape=(30, 40)):
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
                                  "is passed in): dX = dout * mask. Drawing a new mask "
                                  "gives the gradient of a different network.",)),
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


def reference_batchnorm_train(X, gamma, beta, eps):
    """The seed's algorithm: batch mean, biased batch variance, normalise, scale and shift."""
    mu = X.mean(axis=0)
    var = ((X - mu) ** 2).mean(axis=0)
    return gamma * (X - mu) / np.sqrt(var + eps) + beta


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
        mu = X.mean(axis=0)
        unbiased = gamma * (X - mu) / np.sqrt(X.var(axis=0, ddof=1) + eps) + beta
        if np.allclose(got, unbiased, rtol=1e-6, atol=1e-8):
            hints.insert(0, "You normalise with the unbiased variance (divide by N - 1): "
                            "batch norm uses the biased one, 1/N * sum (x - mu)^2.")
    verdict = compare(f"{label}: out (vs. torch BatchNorm1d in train mode)", got, out,
                      hints=tuple(hints))
    if not verdict.passed:
        return verdict
    batch_var = X.var(axis=0)
    expected_var = momentum * running_var + (1 - momentum) * batch_var
    var_hints = [f"running_var = momentum * running_var + (1 - momentum) * batch variance, "
                 f"momentum = {momentum}."]
    got_var = np.asarray(seen["running_var"], dtype=np.float64)
    if got_var.shape == torch_var.shape and np.allclose(got_var, torch_var) \
            and not np.allclose(torch_var, expected_var):
        var_hints.insert(0, f"That is torch's running variance, which uses the unbiased batch "
                            f"variance (times N/(N-1) = {N}/{N - 1}); ours uses the same "
                            "biased variance as the normalisation.")
    reversed_mean = (1 - momentum) * running_mean + momentum * X.mean(axis=0)
    mean_hints = [f"running_mean = momentum * running_mean + (1 - momentum) * batch mean, "
                  f"momentum = {momentum}: the old value keeps weight momentum."]
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
    hints = ["In eval mode normalise with running_mean and running_var, not with statistics "
             "of the batch: x_hat = (X - running_mean) / sqrt(running_var + eps)."]
    if got.shape == X.shape and np.allclose(got, reference_batchnorm_train(X, gamma, beta, eps)):
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
        finite_difference_vjp(lambda Z: reference_batchnorm_train(Z, gamma, beta, eps),
                              X.copy(), dout),
        finite_difference_vjp(lambda g: reference_batchnorm_train(X, g, beta, eps),
                              gamma.copy(), dout),
        finite_difference_vjp(lambda b: reference_batchnorm_train(X, gamma, b, eps),
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
                "terms besides dout * gamma / sqrt(var + eps).",
                "dX = gamma / (N sqrt(var + eps)) * (N dout - sum_rows(dout) - x_hat * "
                "sum_rows(dout * x_hat))."]
    if dX.shape == X.shape and np.allclose(dX, dout * gamma / np.sqrt(X.var(0) + eps)):
        dx_hints[0] = ("Your dX is dout * gamma / sqrt(var + eps): it treats the batch mean and "
                       "variance as constants, but they depend on X too.")
    sum_hint = ("dgamma and dbeta have shape (D,): sum over the batch (axis 0), since gamma and "
                "beta are shared by every row.")
    verdicts = [
        gradient_check(f"{label}: dbeta", grads[2], numeric[2], oracle=oracle[2], n=N,
                       hints=(sum_hint, "dbeta = sum over rows of dout.")),
        gradient_check(f"{label}: dgamma", grads[1], numeric[1], oracle=oracle[1], n=N,
                       hints=(sum_hint, "dgamma = sum over rows of dout * x_hat.")),
        gradient_check(f"{label}: dX", dX, numeric[0], oracle=oracle[0], n=N,
                       hints=tuple(dx_hints)),
    ]
    verdicts.append(compare(f"{label}: dout after the call", seen["dout_after"], dout,
                            rtol=0, atol=0, hints=("Do not modify dout in place.",)))
    return first_failure(*verdicts)


def batchnorm_backward_probe(batchnorm_forward, batchnorm_backward, case, eps):
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

    def probe(self, batchnorm_forward, batchnorm_backward, N=6, D=4, seed=2, eps=1e-5):
        return batchnorm_backward_probe(batchnorm_forward, batchnorm_backward,
                                        batchnorm_case(N, D, seed), eps)

    def judge(self, seen, N=6, D=4, seed=2, eps=1e-5):
        return judge_batchnorm_backward(seen, batchnorm_case(N, D, seed), eps,
                                        f"batchnorm_backward on X ({N}, {D})")


# ----------------------------------------------------------------------------- early stopping


def reference_early_stopping(val_losses, patience):
    """Replay: the best so far improves only when strictly lower; count epochs since."""
    losses = [float(v) for v in val_losses]
    best_epoch = 0
    for epoch in range(1, len(losses)):
        if losses[epoch] < losses[best_epoch]:
            best_epoch = epoch
        elif epoch - best_epoch == patience:
            return epoch, best_epoch
    return len(losses) - 1, best_epoch


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


INIT_VARIANCE = {
    "normal": lambda fan_in, fan_out: 1.0 / fan_in,
    "xavier": lambda fan_in, fan_out: 2.0 / (fan_in + fan_out),
    "he": lambda fan_in, fan_out: 2.0 / fan_in,
}
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
            target = np.sqrt(INIT_VARIANCE[scheme](fan_in, fan_out))
            std, mean = float(W.std()), float(W.mean())
            if abs(std / target - 1) > 0.05:
                swapped = np.sqrt(INIT_VARIANCE[scheme](fan_out, fan_in)) \
                    if scheme != "xavier" else np.sqrt(1.0 / fan_out)
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
