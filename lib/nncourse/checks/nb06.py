"""Visible checks for 06_regularization: L2, dropout, batch norm, early stopping, initialisation."""

from __future__ import annotations

import numpy as np

from nncourse import oracle
from nncourse.checking import CaseCheck, Check, on_copies, register
from nncourse.compare import compare, compare_derived, describe, unchanged
from nncourse.expected import stored
from nncourse.gradcheck import (
    finite_difference_gradient,
    finite_difference_vjp,
    gradient_check,
    torch_gradient,
)
from nncourse.oracle import cross_entropy
from nncourse.rules import RECOMPUTE_CALLS, Rules, outer_calls, swapped
from nncourse.rules import original as student_original
from nncourse.verdict import Verdict, first_failure

# ----------------------------------------------------------------------------- helpers

# A backward pass may call its forward to recompute what it needs (as CS231n's solutions do):
# one rule for the three, told in their docstrings. Its gradients are derived, not
# differences of the forward: the gradient checks' tolerances decide that, not a ban on a call.
DERIVED = Rules(derived=True)
"""The rules of a derived gradient: numpy only, no numerical differences."""
BATCHNORM_BACKWARD_RULES = Rules(recomputes_with="batchnorm_forward", derived=True)
LAYERNORM_BACKWARD_RULES = Rules(recomputes_with="layernorm_forward", derived=True)
RESIDUAL_BACKWARD_RULES = Rules(recomputes_with="residual_forward", derived=True)
NOT_IN_PLACE = "Do not modify the inputs in place; build new arrays."


def probe_backward(backward, rules: Rules, dout, cache) -> dict:
    """A backward pass's raw gradients, dout as the call left it, and how often the call
    itself called the student's forward (counted at the boundary: the forward's own calls of
    itself are not counted)."""
    grads, calls = outer_calls(backward, rules.recomputes_with, lambda: backward(dout, cache))
    return {"grads": returned_list(grads), "dout_after": dout, "forward_calls": calls}


def judge_recomputes(seen, rules: Rules, label: str) -> Verdict:
    """A backward may call its forward to recompute what it needs, not to difference it."""
    calls = int(seen["forward_calls"])
    if calls <= RECOMPUTE_CALLS:
        return Verdict.ok()
    return Verdict.fail(
        f"{label}: one call of the backward called {rules.recomputes_with} {calls} times. "
        f"{rules.told()}",
        "Calling the forward once per input entry is differencing it numerically: derive "
        "each gradient on the computation graph instead.")


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


def returned_list(value):
    """A returned tuple as a list (plain data), anything else as it is (for the judge)."""
    return list(value) if isinstance(value, tuple | list) else value


def random_params(shapes: dict, seed) -> dict:
    """A params dict {key: array} with normal entries, drawn in key order."""
    rng = np.random.default_rng(seed)
    return {key: rng.normal(size=shape) for key, shape in shapes.items()}


# ----------------------------------------------------------------------------- L2


def torch_penalty(lam: float, keys, term: str):
    """``lam`` times the sum of ``torch.<term>`` (``"square"``: L2, ``"abs"``: L1) over the
    weights, as a torch function of tensors named ``keys`` (weights: keys starting with
    "W")."""
    import torch

    elementwise = getattr(torch, term)

    def penalty(*tensors):
        return sum(lam * torch.sum(elementwise(t)) for k, t in zip(keys, tensors, strict=True)
                   if k.startswith("W"))
    return penalty


def torch_l2(lam: float, keys):
    """The L2 penalty (:func:`torch_penalty` of squares)."""
    return torch_penalty(lam, keys, "square")


def torch_l1(lam: float, keys):
    """The L1 penalty (:func:`torch_penalty` of absolute values)."""
    return torch_penalty(lam, keys, "abs")


def torch_row_scale(X, eps: float) -> np.ndarray:
    """torch's per-row sqrt(variance + eps) of X (N, D), as a column (N, 1)."""
    import torch

    rows = torch.as_tensor(np.array(X, dtype=np.float64))
    return torch.sqrt(rows.var(dim=1, keepdim=True, unbiased=False) + eps).numpy()


def torch_value(function, *arrays) -> float:
    import torch

    return float(function(*(torch.as_tensor(np.array(a, dtype=np.float64)) for a in arrays)))


def reference_l2(params: dict, lam: float):
    """Penalty and grads computed by torch autograd (weights = keys starting with "W")."""
    keys = list(params)
    penalty = torch_l2(lam, keys)
    value = torch_value(penalty, *params.values())
    return value, dict(zip(keys, torch_gradient(penalty, *params.values()), strict=True))


def numeric_l2_grad(params: dict, lam: float, key: str) -> np.ndarray:
    """d penalty / d params[key] by centred finite differences of torch's penalty."""
    keys, penalty = list(params), torch_l2(lam, list(params))

    def at(value):
        return torch_value(penalty, *(value if k == key else params[k] for k in keys))
    return finite_difference_gradient(at, np.array(params[key], dtype=np.float64))


def penalty_probe(penalty_function, params, lam):
    """Call l1_penalty or l2_penalty on the probe's own params; return them as the call
    left them."""
    penalty, grads = penalty_function(params, lam)
    return {"penalty": penalty, "grads": grads, "after": params}


def judge_grad_keys(grads, params, label) -> Verdict:
    if not isinstance(grads, dict) or sorted(grads) != sorted(params):
        shown = sorted(grads) if isinstance(grads, dict) else describe(grads)
        return Verdict.fail(f"{label}: grads has keys {shown}, expected {sorted(params)}.",
                            "Return a gradient for every key of params: zeros (same shape) for "
                            "the ones the penalty does not touch, such as biases.")
    return Verdict.ok()


def judge_l2(seen: dict, params: dict, lam: float, label: str) -> Verdict:
    verdict = judge_grad_keys(seen["grads"], params, label)
    if not verdict.passed:
        return verdict
    penalty, grads = reference_l2(params, lam)
    everything = torch_value(torch_l2(lam, ["W"] * len(params)), *params.values())
    verdicts = [compare(f"{label}: the penalty", np.squeeze(seen["penalty"]), penalty,
                        mistakes={"your penalty includes the biases: only keys starting with "
                                  "'W' are penalised": everything},
                        hints=("penalty = lam * (sum of the squared entries of every weight "
                               "matrix).",))]
    verdicts += [gradient_check(
        f"{label}: grads[{key!r}]", seen["grads"][key], numeric_l2_grad(params, lam, key),
        oracle=grads[key], hints=("Differentiate the penalty entry by entry (section 1); a "
                                  "bias is not penalised, so its gradient is zero.",))
        for key in params]
    verdicts += [compare_derived(f"{label}: grads[{key!r}]", seen["grads"][key], grads[key],
                                 scale=lam * float(np.max(np.abs(params[key]), initial=0.0)))
                 for key in params]
    verdicts.append(unchanged(label, params, seen["after"],
                              "Do not modify the arrays of params in place: build new arrays "
                              "for the gradients."))
    return first_failure(*verdicts)


@register
class L2PenaltyValues(CaseCheck):
    """l2_penalty penalises the weight matrices only; biases get zero gradients."""

    name = "l2_penalty_values"
    rules = DERIVED
    defaults = {"lam": 0.05, "seed": 0}
    SHAPES = {"W1": (5, 4), "b1": (4,), "W2": (4, 3), "b2": (3,)}

    def inputs(self, lam, seed, **_):
        return {"main": (random_params(self.SHAPES, seed), lam, f"l2_penalty(params, lam={lam})")}

    def probe_case(self, l2_penalty, params, lam):
        return penalty_probe(l2_penalty, params, lam)

    def judge_case(self, seen, params, lam, label):
        return judge_l2(seen, params, lam, label)


# ----------------------------------------------------------------------------- dropout


def dropout_input(shape, seed):
    """Positive inputs (so a scaled survivor is easy to tell from a dropped unit)."""
    return np.random.default_rng(seed + 100).uniform(0.5, 2.0, size=shape)


def torch_survivor_factor(p: float) -> float:
    """The factor torch's (inverted) dropout gives every unit it keeps, measured: the
    largest entry of torch.nn.functional.dropout applied to ones."""
    import torch

    kept = torch.nn.functional.dropout(torch.ones(4096, dtype=torch.float64), p, training=True)
    return float(kept.max())


def judge_mask(name: str, mask, X: np.ndarray, out, p: float) -> Verdict:
    """The mask has X's shape, holds only 0 and one value shared by every survivor (the
    factor torch's dropout gives a kept unit), and out is X times it."""
    if mask is None:
        return Verdict.fail(f"{name}: mask is None in training mode; it should hold the factor "
                            "each unit was multiplied by (0 for a dropped unit, the survivors' "
                            "scale for a kept one).")
    mask = np.asarray(mask, dtype=np.float64)
    if mask.shape != X.shape:
        return Verdict.fail(f"{name}: mask has shape {mask.shape}, expected {X.shape} "
                            "(one factor per unit of X).")
    is_zero = np.isclose(mask, 0.0)
    survivors = np.unique(mask[~is_zero])
    idea = ("Section 2: the survivors' factor is the one that keeps the expected output equal "
            "to the input (redo the E[a] example for a general p).")
    if survivors.size and not np.allclose(survivors, survivors[0]):
        return Verdict.fail(f"{name}: the kept units were multiplied by different factors "
                            f"({np.round(survivors, 4)[:5].tolist()}...); expected 0 for a "
                            f"dropped unit and one value shared by every survivor (p = {p}).",
                            "Each entry is either dropped (factor 0) or kept and scaled by one "
                            "constant that depends on p only.", idea)
    factor = torch_survivor_factor(p)
    if survivors.size and not np.isclose(survivors[0], factor):
        hint = ("A mask of 0s and 1s is only the *keep* pattern: the mask holds the factor "
                "each unit was multiplied by, and a survivor is scaled."
                if np.isclose(survivors[0], 1.0) else
                "Write the expected value of one unit of out in terms of p and the factor, "
                "and set it equal to the unit of X.")
        return Verdict.fail(f"{name}: every survivor was multiplied by {survivors[0]:.4f}; "
                            f"with p = {p} that factor makes the expected value of out "
                            f"{survivors[0] / factor:.4f} times X, not X.", hint, idea)
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
                "not of keeping it." if abs(rate - (1 - p)) <= tolerance
                else "Drop each unit independently with probability p.")
        return Verdict.fail(f"{name}: {rate:.4f} of the {n} units were dropped, expected "
                            f"p = {p} (within {tolerance:.4f}).", hint)
    return judge_independent_drops(name, np.isclose(mask, 0.0), p)


def judge_independent_drops(name: str, dropped: np.ndarray, p: float) -> Verdict:
    """Each unit of each example is dropped on its own draw: two neighbours (in a row, or
    one unit in two neighbouring examples) are both dropped about p^2 of the time, not p
    (a block of units, or one mask shared by every example)."""
    if dropped.ndim != 2 or not 0 < p < 1:
        return Verdict.ok()
    for axis, what in ((1, "two neighbouring units of one example"),
                       (0, "one unit in two neighbouring examples")):
        if dropped.shape[axis] < 2:
            continue
        first = np.take(dropped, range(dropped.shape[axis] - 1), axis=axis)
        both = first & np.take(dropped, range(1, dropped.shape[axis]), axis=axis)
        rate = float(np.mean(both))
        # neighbouring pairs overlap: allow for their correlation, then 8 standard deviations
        tolerance = 8 * np.sqrt(p * p * (1 - p * p) * (1 + 2 * p) / both.size)
        if abs(rate - p * p) > tolerance:
            return Verdict.fail(
                f"{name}: {what} were both dropped {rate:.4f} of the time, expected about "
                f"p^2 = {p * p:.4f} if every unit is dropped on its own draw.",
                "Draw one random number per entry of X (its whole shape), not one per unit "
                "shared by the batch or one block of units.")
    return Verdict.ok()


COUNT_REPEATS = 200
"""How many masks of one small X the count of dropped units is measured on."""


def judge_drop_counts(masks, shape, p) -> Verdict:
    """Each unit dropped on its own draw: the number dropped in one call is binomial
    (size, p), so over many calls its variance is about size * p * (1 - p). Dropping exactly
    round(p * size) units (or round(p * D) per row) has a constant count: variance 0. With
    200 calls the sample variance over the binomial one is within [0.5, 1.6] but for odds
    of about one in a million."""
    size = int(np.prod(shape))
    if not 0 < p < 1:
        return Verdict.ok()  # nothing random to measure
    counts = []
    for mask in masks:
        mask = np.asarray(mask, dtype=np.float64)
        if mask.shape != tuple(shape):
            return Verdict.fail(f"dropout_forward on X {tuple(shape)} returned a mask "
                                f"{describe(mask)}.")
        counts.append(int(np.sum(np.isclose(mask, 0.0))))
    ratio = float(np.var(counts, ddof=1)) / (size * p * (1 - p))
    if not 0.5 <= ratio <= 1.6:
        return Verdict.fail(
            f"dropout_forward on X {tuple(shape)}, {len(counts)} calls with different rngs: the "
            f"number of dropped units varied with variance {np.var(counts, ddof=1):.1f}, "
            f"expected about size * p * (1 - p) = {size * p * (1 - p):.1f} if each unit is "
            f"dropped on its own draw (counts seen: {sorted(set(counts))[:8]}...).",
            "Drop each unit independently with probability p (one draw per entry of X): "
            "the number dropped then varies from call to call, it is not fixed at p * size.")
    return Verdict.ok()


@register
class DropoutForwardTrain(Check):
    """dropout_forward in training: drops a fraction p, scales survivors, keeps the mean."""

    name = "dropout_forward_train"
    defaults = {"p": 0.3, "seed": 0, "shape": (200, 500)}

    def inputs(self, p, seed, shape, **_):
        return {"X": dropout_input(tuple(shape), seed), "small": dropout_input((20, 50), seed + 1),
                "tiny": dropout_input((10, 20), seed + 2), "p": p, "seed": seed,
                "name": f"dropout_forward(X {tuple(shape)}, p={p}, train=True)"}

    def probe(self, dropout_forward, **args):
        given = self.inputs(**args)
        p, seed = given["p"], given["seed"]
        (out, mask), after = on_copies(dropout_forward, given["X"], p, True,
                                       np.random.default_rng(seed))
        masks = [on_copies(dropout_forward, given["small"], p, True,
                           np.random.default_rng(s))[0][1] for s in (seed, seed, seed + 1)]
        repeats = [dropout_forward(given["tiny"], p, True, np.random.default_rng([seed, k]))[1]
                   for k in range(COUNT_REPEATS)]
        return {"out": out, "mask": mask, "after": after, "small_masks": masks,
                "repeats": repeats}

    def judge(self, seen, **args):
        given = self.inputs(**args)
        X, p, name = given["X"], given["p"], given["name"]
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
        return first_failure(judge_drop_counts(seen["repeats"], given["tiny"].shape, p),
                             unchanged(name, X, seen["after"]["0"]))


@register
class DropoutForwardEval(Check):
    """dropout_forward with train=False returns X unchanged and the mask None."""

    name = "dropout_forward_eval"
    defaults = {"p": 0.5, "seed": 3}

    def inputs(self, p, seed, **_):
        return {"X": dropout_input((40, 30), seed), "p": p, "seed": seed}

    def probe(self, dropout_forward, **args):
        given = self.inputs(**args)
        out, mask = dropout_forward(given["X"], given["p"], False,
                                    np.random.default_rng(given["seed"]))
        return {"out": out, "mask": mask}

    def judge(self, seen, **args):
        given = self.inputs(**args)
        X, p = given["X"], given["p"]
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
    """dropout_backward reuses the forward's mask; a None mask passes dout through."""

    name = "dropout_backward_mask"
    rules = DERIVED
    defaults = {"p": 0.4, "seed": 5, "shape": (30, 40)}

    def inputs(self, p, seed, shape, **_):
        return {"X": dropout_input(tuple(shape), seed), "p": p, "seed": seed,
                "dout": np.random.default_rng(seed + 1).normal(size=tuple(shape))}

    def probe(self, dropout_forward, dropout_backward, **args):
        require_written(dropout_backward, dropout_forward)
        given = self.inputs(**args)
        out, mask = dropout_forward(given["X"], given["p"], True,
                                    np.random.default_rng(given["seed"]))
        dX, after = on_copies(dropout_backward, given["dout"], mask)
        through = dropout_backward(given["dout"], None)
        return {"out": out, "mask": mask, "dX": dX, "through": through, "after": after}

    def judge(self, seen, **args):
        given = self.inputs(**args)
        X, dout, p = given["X"], given["dout"], given["p"]
        verdict = judge_mask(f"dropout_forward(X {X.shape}, p={p}, train=True)", seen["mask"], X,
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
            compare_derived("dropout_backward(dout, mask)", seen["dX"], oracle,
                            scale=float(np.max(np.abs(mask * dout)))),
            compare("dropout_backward(dout, None)", seen["through"], dout, rtol=0, atol=0,
                    hints=("mask None means dropout was off (eval mode): return dout as it "
                           "is.",)),
            unchanged("dropout_backward(dout, mask)", dout, seen["after"]["0"],
                      "Do not modify dout in place."))


# ----------------------------------------------------------------------------- batch norm

BN_INPUTS = ("X", "gamma", "beta", "running_mean", "running_var")


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


def judge_batchnorm_train(seen, case, momentum, eps, label) -> Verdict:
    X, gamma, beta, running_mean, running_var, _ = case
    out, torch_mean, torch_var = torch_batchnorm(X, gamma, beta, running_mean, running_var,
                                                 True, momentum, eps)
    N = X.shape[0]
    # torch's running variance averages the unbiased batch variance; rescale its new share
    expected_var = momentum * running_var + (torch_var - momentum * running_var) * (N - 1) / N
    return first_failure(
        compare(f"{label}: out (vs. torch BatchNorm1d in train mode)", seen["out"], out,
                mistakes={"you normalise with the unbiased variance (divide by N - 1): batch "
                          "norm uses the biased one, 1/N * sum (x - mu)^2":
                          torch_batchnorm_train(X, gamma, beta, eps, unbiased=True)},
                hints=("Normalise each column with the batch mean and the biased variance "
                       "(divide by N, np.var's default), then scale by gamma and add beta.",)),
        compare(f"{label}: running_mean (vs. torch)", seen["running_mean"], torch_mean,
                mistakes={"the weights are swapped: that is torch's convention (momentum = "
                          "weight of the new batch); ours gives the *old* running value the "
                          "weight momentum": (1 - momentum) * running_mean
                          + momentum * X.mean(axis=0)},
                hints=(f"The running mean is a moving average of the batch means: the old "
                       f"value keeps the weight momentum = {momentum}, the batch mean the "
                       "rest.",)),
        compare(f"{label}: running_var", seen["running_var"], expected_var,
                mistakes={f"that is torch's running variance, which uses the unbiased batch "
                          f"variance (times N/(N-1) = {N}/{N - 1}); ours uses the same biased "
                          "variance as the normalisation": torch_var},
                hints=(f"The running variance is a moving average (momentum = {momentum}) of "
                       "the batch's biased variance, the one used to normalise: see section "
                       "3.",)),
        unchanged(label, dict(zip(BN_INPUTS, case[:5], strict=True)), seen["after"],
                  "Do not update inputs in place (no +=, *= or [...] = on them): return new "
                  "running statistics."))


def judge_batchnorm_eval(seen, case, momentum, eps, label) -> Verdict:
    X, gamma, beta, running_mean, running_var, _ = case
    out, _, _ = torch_batchnorm(X, gamma, beta, running_mean, running_var, False, momentum, eps)
    kept = ("Eval mode returns the running statistics unchanged.",)
    return first_failure(
        compare(f"{label}: out (vs. torch BatchNorm1d in eval mode)", seen["out"], out,
                mistakes={"your eval-mode output uses the batch's own mean and variance":
                          torch_batchnorm_train(X, gamma, beta, eps)},
                hints=("In eval mode normalise with running_mean and running_var in place of "
                       "the batch's own statistics.",)),
        compare(f"{label}: returned running_mean", seen["running_mean"], running_mean,
                rtol=0, atol=0, hints=kept),
        compare(f"{label}: returned running_var", seen["running_var"], running_var,
                rtol=0, atol=0, hints=kept),
        unchanged(label, dict(zip(BN_INPUTS, case[:5], strict=True)), seen["after"]))


@register
class BatchnormForwardTrain(Check):
    """batchnorm_forward in training matches torch; running stats use our momentum."""

    name = "batchnorm_forward_train"
    defaults = {"N": 8, "D": 5, "seed": 0, "momentum": 0.9, "eps": 1e-5}
    train = True

    def inputs(self, N, D, seed, momentum, eps, **_):
        return {"case": batchnorm_case(N, D, seed), "momentum": momentum, "eps": eps,
                "label": f"batchnorm_forward(X ({N}, {D}), train={self.train}, "
                         f"momentum={momentum})"}

    def probe(self, batchnorm_forward, **args):
        given = self.inputs(**args)
        case = given["case"][:5]
        out, _cache, mean, var = batchnorm_forward(*case, self.train, momentum=given["momentum"],
                                                   eps=given["eps"])
        return {"out": out, "running_mean": mean, "running_var": var,
                "after": dict(zip(BN_INPUTS, case, strict=True))}

    def judge(self, seen, **args):
        given = self.inputs(**args)
        return judge_batchnorm_train(seen, given["case"], given["momentum"], given["eps"],
                                     given["label"])


@register
class BatchnormForwardEval(BatchnormForwardTrain):
    """batchnorm_forward in eval mode uses the running stats and returns them unchanged."""

    name = "batchnorm_forward_eval"
    defaults = {**BatchnormForwardTrain.defaults, "seed": 1}
    train = False

    def judge(self, seen, **args):
        given = self.inputs(**args)
        return judge_batchnorm_eval(seen, given["case"], given["momentum"], given["eps"],
                                    given["label"])


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


def judge_batchnorm_backward(seen, case, eps, label, dx_idea: str = "") -> Verdict:
    X, gamma, beta, _, _, dout = case
    N = X.shape[0]
    numeric, oracle = batchnorm_gradients(X, gamma, beta, dout, eps)
    grads = seen["grads"]
    if not isinstance(grads, list) or len(grads) != 3:
        return Verdict.fail(f"{label} should return (dX, dgamma, dbeta), got "
                            f"{describe(grads)}.")
    dX = np.asarray(grads[0], dtype=np.float64)
    dx_hints = ["The batch mean and variance depend on every row of X, so dX has two extra "
                "paths besides the direct one through x_hat. For every column, dX must sum "
                "to zero over the batch.",
                dx_idea or "Go back through the graph of section 3 one node at a time: where "
                "a node feeds several others, add what comes back on each edge; a node "
                "shared by every row (the mean, the variance) collects a sum over the batch."]
    if dX.shape == X.shape and np.allclose(dX, dout * gamma / np.sqrt(X.var(0) + eps)):
        dx_hints[0] = ("Your dX is dout * gamma / sqrt(var + eps): it treats the batch mean and "
                       "variance as constants, but they depend on X too.")
    sum_hint = ("dgamma and dbeta have shape (D,): sum over the batch (axis 0), since gamma and "
                "beta are shared by every row.")
    return first_failure(
        gradient_check(f"{label}: dbeta", grads[2], numeric[2], oracle=oracle[2], n=N,
                       hints=(sum_hint,)),
        gradient_check(f"{label}: dgamma", grads[1], numeric[1], oracle=oracle[1], n=N,
                       hints=(sum_hint, "dgamma needs the normalised input x_hat of every "
                              "row.")),
        gradient_check(f"{label}: dX", dX, numeric[0], oracle=oracle[0], n=N,
                       hints=tuple(dx_hints)),
        *derived_gradients(label, grads, oracle, ("dX", "dgamma", "dbeta")),
        unchanged(label, dout, seen["dout_after"], "Do not modify dout in place."))


def derived_gradients(label, grads, oracle, names) -> list[Verdict]:
    """Each returned gradient against torch at round-off (the contract: derived), relative to
    the largest of them (dX of a normalisation sums to zero over a batch by cancellation)."""
    scale = max(float(np.max(np.abs(g), initial=0.0)) for g in oracle)
    return [compare_derived(f"{label}: {name}", got, want, scale=scale)
            for name, got, want in zip(names, grads, oracle)]


@register
class BatchnormBackward(Check):
    """batchnorm_backward: dX, dgamma, dbeta match finite differences and torch."""

    name = "batchnorm_backward_gradients"
    rules = BATCHNORM_BACKWARD_RULES
    defaults = {"N": 6, "D": 4, "seed": 2, "eps": 1e-5}

    def inputs(self, N, D, seed, eps, **_):
        return {"case": batchnorm_case(N, D, seed), "eps": eps,
                "label": f"batchnorm_backward on X ({N}, {D})"}

    def probe(self, batchnorm_forward, batchnorm_backward, **args):
        require_written(batchnorm_backward, batchnorm_forward)
        given = self.inputs(**args)
        *inputs, dout = given["case"]
        cache = batchnorm_forward(*inputs, True, eps=given["eps"])[1]
        return probe_backward(batchnorm_backward, self.rules, dout, cache)

    def judge(self, seen, **args):
        given = self.inputs(**args)
        return first_failure(
            judge_recomputes(seen, self.rules, given["label"]),
            judge_batchnorm_backward(seen, given["case"], given["eps"], given["label"]))


# ----------------------------------------------------------------------------- early stopping


@register
class EarlyStoppingCases(Check):
    """early_stopping on hand-made curves: strict improvement, patience counted exactly."""

    name = "early_stopping_cases"
    stored_expected = True
    CASES = (
        ([1.0, 0.8, 0.7, 0.72, 0.71, 0.75, 0.6], 3),
        ([1.0, 0.8, 0.7, 0.72, 0.71, 0.75, 0.6], 4),
        ([3.0, 2.0, 2.0, 2.0, 2.0, 1.0], 3),
        ([5.0, 4.0, 3.0, 2.0, 1.0], 2),
    )


    def inputs(self, **_):
        return {"cases": [(list(losses), patience) for losses, patience in self.CASES]}

    def probe(self, early_stopping, **args):
        return {"results": [returned_list(early_stopping(losses, patience))
                            for losses, patience in self.inputs(**args)["cases"]]}

    def expected_pairs(self, args) -> list | None:
        """(stop_epoch, best_epoch) of every case: stored numbers, computed by the grader's
        reference implementation; None for unknown arguments."""
        pairs = [stored(self.name, f"case {i}", args, (2,))
                 for i in range(len(self.inputs(**args)["cases"]))]
        return None if any(p is None for p in pairs) else [
            (int(stop), int(best)) for stop, best in pairs]

    def judge(self, seen, **args):
        expected_pairs = self.expected_pairs(args)
        if expected_pairs is None:
            return Verdict.fail(f"{self.name} knows the expected values for the arguments the "
                                f"notebook uses, not for {args}.")
        for (losses, patience), got, expected in zip(self.inputs(**args)["cases"],
                                                     seen["results"], expected_pairs,
                                                     strict=True):
            shown = [round(float(v), 4) for v in losses]
            shown = shown if len(shown) <= 14 else shown[:12] + ["..."]
            try:
                got_pair = tuple(int(v) for v in got)
            except (TypeError, ValueError):
                return Verdict.fail(f"early_stopping({shown}, patience={patience}) returned "
                                    f"{describe(got)}; expected a pair (stop_epoch, "
                                    "best_epoch).")
            if got_pair != expected:
                return Verdict.fail(
                    f"early_stopping({shown}, patience={patience}) returned {got_pair}, "
                    f"expected (stop_epoch, best_epoch) = {expected}.",
                    "An epoch improves only if its loss is strictly lower than the best so far "
                    "(a tie does not reset the count); stop at the epoch where `patience` "
                    "epochs in a row have not improved; epochs count from 0.",
                    "Without a stop, stop_epoch is the last epoch, len(val_losses) - 1.")
        return Verdict.ok()


# ----------------------------------------------------------------------------- initialisation

INIT_SCHEMES = ("zeros", "normal", "xavier", "he")
INIT_FORMULA = {"normal": "N(0, 1/fan_in)", "xavier": "N(0, 2/(fan_in + fan_out))",
                "he": "N(0, 2/fan_in)"}


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


def judge_init_layer(scheme, W, fan_in, fan_out, label) -> Verdict:
    W = np.asarray(W, dtype=np.float64)
    if scheme == "zeros":
        return Verdict.fail(f"{label}: scheme 'zeros' gave non-zero weights.") \
            if np.any(W != 0) else Verdict.ok()
    target = torch_init_std(scheme, fan_in, fan_out)
    std, mean = float(W.std()), float(W.mean())
    if abs(std / target - 1) > 0.05:
        swapped_fans = torch_init_std(scheme if scheme != "xavier" else "normal", fan_out, fan_in)
        hint = ("That is the scale with fan_in and fan_out swapped: fan_in is the number of "
                "inputs of a unit, dims[i] (the rows of W)." if abs(std / swapped_fans - 1) < 0.05
                else "The formula gives a *variance*: the standard deviation is its square "
                "root." if abs(std / target ** 2 - 1) < 0.05 else
                f"{scheme}: {INIT_FORMULA[scheme]}.")
        return Verdict.fail(
            f"{label}({scheme!r}): the layer with fan_in {fan_in}, fan_out {fan_out} has "
            f"standard deviation {std:.4f}, expected {target:.4f} from "
            f"{INIT_FORMULA[scheme]}.", hint, f"{scheme}: {INIT_FORMULA[scheme]}.")
    tails = float(np.mean(np.abs(W) > 2 * target))
    if abs(tails - 0.0455) > 0.015:
        return Verdict.fail(
            f"{label}({scheme!r}): {tails:.2%} of the weights of the layer with fan_in {fan_in} "
            "lie beyond two standard deviations; a normal distribution puts about 4.6% there.",
            "The schemes draw from a normal distribution (a uniform one of the same standard "
            "deviation has no tails beyond 1.73 of them).")
    if abs(mean) > 5 * target / np.sqrt(W.size):
        return Verdict.fail(f"{label}({scheme!r}): weights have mean {mean:.4f}, "
                            "expected about 0.")
    return Verdict.ok()


@register
class InitWeightsScales(Check):
    """init_weights: shapes, zeros, and the std of normal/xavier/he on non-square layers."""

    name = "init_weights_scales"
    defaults = {"dims": (600, 40, 300), "seed": 0}

    def inputs(self, dims, seed, **_):
        return {"dims": list(dims), "seed": seed}

    def probe(self, init_weights, **args):
        given = self.inputs(**args)
        seen = {scheme: [np.asarray(W) for W in init_weights(
                    list(given["dims"]), scheme, np.random.default_rng(given["seed"]))]
                for scheme in INIT_SCHEMES}
        try:
            init_weights(list(given["dims"]), "kaiming_uniform",
                         np.random.default_rng(given["seed"]))
            seen["unknown"] = "returned normally"
        except ValueError:
            seen["unknown"] = "ValueError"
        except Exception as error:
            seen["unknown"] = f"raised {type(error).__name__}"
        return seen

    def judge(self, seen, **args):
        dims, label = self.inputs(**args)["dims"], "init_weights"
        shapes = list(zip(dims[:-1], dims[1:]))
        for scheme in INIT_SCHEMES:
            weights = seen[scheme]
            if not isinstance(weights, list) or len(weights) != len(shapes):
                return Verdict.fail(f"{label}(dims={dims}, {scheme!r}) returned "
                                    f"{describe(weights)}; expected a list of {len(shapes)} "
                                    "weight matrices.")
            got_shapes = [tuple(np.shape(W)) for W in weights]
            if got_shapes != shapes:
                return Verdict.fail(f"{label}(dims={dims}, {scheme!r}) gave shapes "
                                    f"{got_shapes}, expected {shapes}.",
                                    "Weight i maps layer i to layer i+1: shape (dims[i], "
                                    "dims[i+1]).")
            verdict = first_failure(*[judge_init_layer(scheme, W, fan_in, fan_out, label)
                                      for (fan_in, fan_out), W in zip(shapes, weights,
                                                                      strict=True)])
            if not verdict.passed:
                return verdict
        if seen["unknown"] != "ValueError":
            return Verdict.fail(f"{label}(dims, 'kaiming_uniform') should raise ValueError for "
                                f"an unknown scheme; it {seen['unknown']}.")
        return Verdict.ok()


# ----------------------------------------------------------------------------- L1, proximal step


def l1_params(seed, transposed=False) -> dict:
    """Weights with exact zeros (the subgradient's corner), a bias, a gamma."""
    rng = np.random.default_rng(seed)
    W1 = rng.normal(size=(4, 5))
    W1[rng.random((4, 5)) < 0.3] = 0.0
    W2 = rng.normal(size=(6, 3))
    return {"W1": W1, "b1": rng.normal(size=5), "W2": W2.T if transposed else W2,
            "gamma": rng.uniform(0.5, 2.0, size=3)}


def judge_l1(seen, params, lam, label) -> Verdict:
    verdict = judge_grad_keys(seen["grads"], params, label)
    if not verdict.passed:
        return verdict
    weights = [k for k in params if k.startswith("W")]
    everything = torch_value(torch_l1(lam, ["W"] * len(params)), *params.values())
    verdicts = [compare(f"{label}: the penalty", np.squeeze(seen["penalty"]),
                        torch_value(torch_l1(lam, list(params)), *params.values()),
                        mistakes={"your penalty includes keys that are not weight matrices "
                                  "(biases, gamma)": everything},
                        hints=("penalty: lam times the sum of |entries| of the weight matrices "
                               "(keys starting with 'W') only.",))]
    for key, array in params.items():
        want = torch_gradient(torch_l1(lam, ["W"]), array)[0] if key in weights \
            else np.zeros_like(array)
        g = np.asarray(seen["grads"][key], dtype=np.float64)
        g_hints = ["Compare your gradient with the penalty's slope at single weights: a "
                   "positive one, a negative one, and one that is exactly 0.",
                   "Section 1b: away from 0, |w| is a straight line on each side: what does "
                   "that say about how the penalty changes as one weight moves, and what "
                   "does the lesson choose at the kink?"]
        if key in weights and g.shape == array.shape and not np.allclose(g, want) \
                and np.allclose(g[array != 0], want[array != 0]):
            g_hints.insert(0, f"grads[{key!r}] is right except where the weight is exactly 0: "
                              "the subgradient chosen there is 0.")
        if key not in weights:
            g_hints = [f"{key!r} is not a weight matrix: its gradient is all zeros."]
        verdicts.append(compare(f"{label}: grads[{key!r}]", g, want, hints=tuple(g_hints)))
        verdicts.append(compare_derived(f"{label}: grads[{key!r}]", g, want, scale=lam))
    verdicts.append(unchanged(label, params, seen["after"],
                              "Do not modify the arrays of params in place."))
    return first_failure(*verdicts)


@register
class L1PenaltyValues(CaseCheck):
    """l1_penalty: lam * sum |W| over weight matrices only, subgradient 0 at 0."""

    name = "l1_penalty_values"
    rules = DERIVED
    defaults = {"lam": 0.1, "seed": 0}

    def inputs(self, lam, seed, **_):
        return {"main": (l1_params(seed), lam, f"l1_penalty(params, lam={lam})")}

    def probe_case(self, l1_penalty, params, lam):
        return penalty_probe(l1_penalty, params, lam)

    def judge_case(self, seen, params, lam, label):
        return judge_l1(seen, params, lam, label)


def soft_threshold_case(seed, t, transposed=False):
    """W hitting every case (|w| < t, = t, > t, 0, both signs), a random matrix (as given:
    transposed, so non-contiguous), and a copy of it for t = 0."""
    rng = np.random.default_rng(seed)
    edge = np.array([-3.0, -t, -0.5 * t, 0.0, 0.25 * t, t, t + 1e-3, 2.5])
    wide = rng.normal(scale=1.5, size=(7, 10))
    return {"edge": (edge, t), "wide": (wide.T if transposed else wide.copy(), t),
            "zero_t": (wide, 0.0)}


def torch_softshrink(W, t):
    import torch

    return torch.nn.functional.softshrink(
        torch.as_tensor(np.ascontiguousarray(W, dtype=np.float64)), t).numpy().copy()


def judge_soft_threshold(seen, case, label) -> Verdict:
    verdicts = []
    for key, (W, t) in case.items():
        got = np.asarray(seen[key], dtype=np.float64)
        shown = f"{label}: soft_threshold(W {W.shape}, t={t})"
        if got.shape == W.shape and np.all(np.isfinite(got)) and np.any(got * W < 0):
            crossed = got * W < 0
            verdicts.append(Verdict.fail(
                f"{shown}: {int(np.sum(crossed))} entries changed sign (W = "
                f"{W[crossed].flat[0]:.4g} became {got[crossed].flat[0]:.4g}).",
                "The minimiser of 0.5 (w - W_ij)^2 + t |w| never has the opposite sign of "
                "W_ij: moving past 0 makes both terms worse than stopping at 0. A subgradient "
                "step can cross zero; the proximal step cannot.",
                "Work out the three cases of the proximal step in the lesson (positive, "
                "negative, zero minimiser)."))
            continue
        verdicts.append(compare(
            shown, got, torch_softshrink(W, t),
            hints=("Compare entries below, at and above t in size, of both signs: which of "
                   "them come out wrong?",
                   "Work out the three cases of the proximal step in the lesson (positive, "
                   "negative, zero minimiser).")))
        zero = torch_softshrink(W, t) == 0.0
        if got.shape == W.shape and np.any(got[zero] != 0.0):
            verdicts.append(Verdict.fail(
                f"{shown} left {int(np.sum(got[zero] != 0))} entries whose minimiser is 0 "
                f"non-zero (largest {np.abs(got[zero]).max():.2e}).",
                "The proximal step gives exact zeros: no tolerance, no tiny leftovers.",
                "Work out the lesson's third case (a minimiser at 0): for which inputs "
                "does it happen?"))
    verdicts.append(unchanged(label, {"W": case["wide"][0]}, {"W": seen["wide_after"]},
                              "Do not modify W in place; return a new array."))
    return first_failure(*verdicts)


@register
class SoftThresholdValues(CaseCheck):
    """soft_threshold: every case around t, both signs, exact zeros, and t = 0."""

    name = "soft_threshold_values"
    defaults = {"t": 0.5, "seed": 0}

    def inputs(self, t, seed, **_):
        return {"main": (soft_threshold_case(seed, t), "soft_threshold")}

    def probe_case(self, soft_threshold, case):
        seen = {key: soft_threshold(W, t) for key, (W, t) in case.items()}
        return {**seen, "wide_after": case["wide"][0]}

    def judge_case(self, seen, case, label):
        return judge_soft_threshold(seen, case, label)


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


def judge_layernorm_forward(seen, case, eps, label) -> Verdict:
    X, gamma, beta, _ = case
    D = X.shape[1]
    expected = torch_layernorm(X, gamma, beta, eps)
    got = np.asarray(seen["out"], dtype=np.float64)
    hints = ["Normalise every row over its features (axis 1), then scale by gamma and shift "
             "by beta (one value per feature).",
             "Use the row's biased variance (divide by D), and put eps inside the square root."]
    if got.shape == X.shape and np.allclose(got[1:], expected[1:]) \
            and not np.allclose(got[0], expected[0]):
        hints.insert(0, "Only the nearly constant first row is off: is eps inside the "
                        "square root, and do you use the eps argument?")
    mistakes = {"you normalised every column over the batch: that is batch norm; layer norm "
                "normalises every row over its features": torch_batchnorm_train(X, gamma, beta,
                                                                                eps),
                "that is the unbiased variance (divide by D - 1); use the biased one":
                torch_layernorm(X, gamma * np.sqrt((D - 1) / D), beta, eps * (D - 1) / D)}
    return first_failure(
        compare(f"{label}: out (vs. torch.nn.functional.layer_norm)", got, expected,
                mistakes=mistakes, hints=tuple(hints)),
        unchanged(label, {"X": X, "gamma": gamma, "beta": beta}, seen["after"], NOT_IN_PLACE))


@register
class LayernormForwardValues(CaseCheck):
    """layernorm_forward equals torch's layer_norm, with the default and a larger eps."""

    name = "layernorm_forward_values"
    defaults = {"N": 5, "D": 6, "seed": 0}

    def inputs(self, N, D, seed, **_):
        return {"default": (layernorm_case(N, D, seed), 1e-5, f"layernorm_forward(X ({N}, {D}))"),
                "big_eps": (layernorm_case(N, D, seed + 1), 1e-2,
                            f"layernorm_forward(X ({N}, {D}), eps=0.01)")}

    def probe_case(self, layernorm_forward, case, eps):
        X, gamma, beta, _ = case  # X as built: non-contiguous in some cases
        out, _cache = layernorm_forward(X, gamma, beta, eps=eps)
        return {"out": out, "after": {"X": X, "gamma": gamma, "beta": beta}}

    def judge_case(self, seen, case, eps, label):
        return judge_layernorm_forward(seen, case, eps, label)


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
    if dX.shape == X.shape and np.allclose(
            dX, dout * gamma / torch_row_scale(X, eps)):
        dx_hints[0] = ("Your dX is only the direct path: it treats each row's mean and "
                       "variance as constants, but they depend on the row.")
    sum_hint = ("dgamma and dbeta have shape (D,): gamma and beta are shared by every row, so "
                "their gradients sum over the batch (axis 0).")
    return first_failure(
        gradient_check(f"{label}: dbeta", grads[2], numeric[2], oracle=oracle[2], n=N,
                       hints=(sum_hint,)),
        gradient_check(f"{label}: dgamma", grads[1], numeric[1], oracle=oracle[1], n=N,
                       hints=(sum_hint, "dgamma needs the normalised input of every row.")),
        gradient_check(f"{label}: dX", dX, numeric[0], oracle=oracle[0], n=N,
                       hints=tuple(dx_hints)),
        *derived_gradients(label, grads, oracle, ("dX", "dgamma", "dbeta")),
        unchanged(label, dout, seen["dout_after"], "Do not modify dout in place."))


@register
class LayernormBackward(CaseCheck):
    """layernorm_backward: dX, dgamma, dbeta match finite differences and torch."""

    name = "layernorm_backward_gradients"
    rules = LAYERNORM_BACKWARD_RULES
    defaults = {"N": 4, "D": 5, "seed": 2, "eps": 1e-5}

    def inputs(self, N, D, seed, eps, **_):
        return {"main": (layernorm_case(N, D, seed), eps, f"layernorm_backward on X ({N}, {D})")}

    def probe_case(self, layernorm_forward, layernorm_backward, case, eps):
        require_written(layernorm_backward, layernorm_forward)
        X, gamma, beta, dout = case
        cache = layernorm_forward(X, gamma, beta, eps=eps)[1]
        return probe_backward(layernorm_backward, self.rules, dout, cache)

    def judge_case(self, seen, case, eps, label):
        return first_failure(judge_recomputes(seen, self.rules, label),
                             judge_layernorm_backward(seen, case, eps, label))


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


def residual_cases(N, D, seeds, label) -> dict:
    """A contiguous case and a non-contiguous one (X[:, ::2], W.T), labelled."""
    return {"plain": (residual_case(N, D, seeds[0]), f"{label} on X ({N}, {D})"),
            "strided": (residual_case(N, D, seeds[1], True), f"{label} on X[:, ::2] ({N}, {D}), "
                                                             "W.T")}


def judge_residual_forward(seen, case, label) -> Verdict:
    import torch

    X, W, b, _ = case
    x, w = (torch.as_tensor(np.ascontiguousarray(a, dtype=np.float64)) for a in (X, W))
    expected = (x + torch.relu(x @ w + torch.as_tensor(b))).numpy().copy()
    mistakes = {"out is only the branch: the residual block adds its input X":
                np.maximum(X @ W + b, 0.0),
                "the relu is applied after adding X: it belongs to the branch only":
                np.maximum(X + X @ W + b, 0.0),
                "W looks transposed: the branch computes X @ W + b with W (D_in, D_out)":
                X + np.maximum(X @ W.T + b, 0.0)}
    return first_failure(
        compare(f"{label}: out", seen["out"], expected, mistakes=mistakes,
                hints=("The block returns its input plus the branch relu(X @ W + b).",)),
        unchanged(label, {"X": X, "W": W, "b": b}, seen["after"], NOT_IN_PLACE))


@register
class ResidualForwardValues(CaseCheck):
    """residual_forward is X + relu(X W + b), on contiguous and strided inputs."""

    name = "residual_forward_values"
    defaults = {"N": 5, "D": 4, "seed": 0}

    def inputs(self, N, D, seed, **_):
        return residual_cases(N, D, (seed, seed + 1), "residual_forward")

    def probe_case(self, residual_forward, case):
        X, W, b, _ = case  # as built: non-contiguous in the strided case
        out, _cache = residual_forward(X, W, b)
        return {"out": out, "after": {"X": X, "W": W, "b": b}}

    def judge_case(self, seen, case, label):
        return judge_residual_forward(seen, case, label)


def judge_residual_backward(seen, case, label) -> Verdict:
    import torch

    X, W, b, dout = case
    X, W = np.ascontiguousarray(X), np.ascontiguousarray(W)
    upstream = torch.as_tensor(dout)
    oracle = torch_gradient(lambda x, w, c: ((x + torch.relu(x @ w + c)) * upstream).sum(),
                            X, W, b)
    w, c = torch.as_tensor(W), torch.as_tensor(np.asarray(b, dtype=np.float64))
    grads = seen["grads"]
    if not isinstance(grads, list) or len(grads) != 3:
        return Verdict.fail(f"{label} should return (dX, dW, db), got {describe(grads)}.")
    at_zero = ("The pre-activation is exactly 0 for some entries here; relu'(0) = 0, so no "
               "gradient passes there.")
    return first_failure(
        compare(f"{label}: db", grads[2], oracle[2],
                hints=("db has shape (D,): sum over the batch what reaches the branch's "
                       "pre-activation.", at_zero)),
        compare(f"{label}: dW", grads[1], oracle[1],
                hints=("dW has shape (D, D) and only comes from the branch; check the "
                       "transposes against the shapes.", at_zero)),
        compare(f"{label}: dX", grads[0], oracle[0],
                mistakes={"dX misses the identity path (out contains X itself)":
                          torch_gradient(lambda x: (torch.relu(x @ w + c) * upstream).sum(),
                                         X)[0],
                          "the branch's gradient ignores the relu: it passes only where the "
                          "pre-activation is positive":
                          torch_gradient(lambda x: ((x + x @ w + c) * upstream).sum(), X)[0]},
                hints=("X reaches out along two paths, the identity and the branch: dX is the "
                       "sum of what comes back along both.", at_zero)),
        *derived_gradients(label, grads, oracle, ("dX", "dW", "db")),
        unchanged(label, dout, seen["dout_after"], "Do not modify dout in place."))


@register
class ResidualBackward(CaseCheck):
    """residual_backward: dX, dW, db match torch (relu'(0) = 0), strided inputs too."""

    name = "residual_backward_gradients"
    rules = RESIDUAL_BACKWARD_RULES
    defaults = {"N": 6, "D": 4, "seed": 2}

    def inputs(self, N, D, seed, **_):
        return residual_cases(N, D, (seed, seed + 1), "residual_backward")

    def probe_case(self, residual_forward, residual_backward, case):
        require_written(residual_backward, residual_forward)
        X, W, b, dout = case
        cache = residual_forward(X, W, b)[1]
        return probe_backward(residual_backward, self.rules, dout, cache)

    def judge_case(self, seen, case, label):
        return first_failure(judge_recomputes(seen, self.rules, label),
                             judge_residual_backward(seen, case, label))


# ----------------------------------------------------------------------------- train_regularized

TRAIN_COLLABORATORS = ("l2_penalty", "dropout_forward", "dropout_backward", "batchnorm_forward",
                       "batchnorm_backward")
TRAIN_RULES = Rules(built_from=TRAIN_COLLABORATORS)
DATA_NAMES = ("X_train", "y_train", "X_val", "y_val")


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
    """One call on the case's data (X_train as built, possibly non-contiguous; fresh copies of
    the others); returns the data as the call left it."""
    X_train, y_train, X_val, y_val = case
    given = [X_train, y_train.copy(), X_val.copy(), y_val.copy()]
    params, history, best = train_regularized(*given, **kwargs)
    return {"params": params, "history": history, "best": best,
            "after": dict(zip(DATA_NAMES, given, strict=True))}


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


def column_mask(width: int) -> np.ndarray:
    """The row of factors of :func:`column_dropout`: 0 for every third unit (0, 3, 6, ...),
    one fixed factor for the others."""
    return np.where(np.arange(width) % 3 == 0, 0.0, 2.0)


def column_dropout(X, p, train, rng=None):
    """A stand-in for dropout_forward whose mask is known: in training it drops every third
    hidden unit in every row and multiplies the others by a fixed factor (whatever p is)."""
    if not train:
        return X, None
    mask = np.broadcast_to(column_mask(np.shape(X)[1]), np.shape(X)).copy()
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
    # every collaborator is swapped (the others faithfully), so a call that one of them makes
    # (batchnorm_backward recomputing with batchnorm_forward) is inside the boundary and not
    # counted as a training batch: the batches are the forward calls train_regularized makes
    present = {name: student_original(train_regularized, name) for name in TRAIN_COLLABORATORS}
    present = {k: v for k, v in present.items() if callable(v)}
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


def _structure(run, case, bn, hidden, label, max_epochs) -> Verdict:
    """The returned params, history and data: keys, shapes, finite values, inputs unchanged."""
    D, C = case[0].shape[1], int(max(case[1].max(), case[3].max())) + 1
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
    return unchanged(label, dict(zip(DATA_NAMES, case, strict=True)), run["after"],
                     "Do not modify the data in place (shuffle indices, not the arrays).")


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


STEP_HINTS = {"W1": "W1's gradient goes back through the second layer, the relu (and batch "
                    "norm when it is on), plus the penalty's.",
              "W2": "W2's gradient is the data term's plus your l2_penalty's gradient.",
              "b1": "b1 is not penalised; its gradient sums over the batch.",
              "b2": "b2 is not penalised; its gradient sums over the batch.",
              "gamma": "gamma's gradient comes from your batchnorm_backward (not penalised).",
              "beta": "beta's gradient comes from your batchnorm_backward (not penalised)."}
COLUMN_DROPOUT_HINT = ("For this test dropout_forward was replaced by one that drops every third "
                       "hidden unit: the step must apply the mask dropout_forward returns in the "
                       "forward pass (train=True when p_drop > 0) and give the same mask to "
                       "dropout_backward.")


def judge_steps(seen, case, lam, lr, hidden, label, dropout=False) -> Verdict:
    """The runs of one full-batch epoch from the same rng with lr=0 (the start) and with lr
    (the step), without and with batch norm: the step is one SGD step from the start (with
    ``dropout``: through the column stand-in's mask)."""
    X_train, y_train = case[:2]
    prefix, keep = ("d", column_mask(hidden)) if dropout else ("", None)
    for bn in (False, True):
        name = (f"{label}(batchnorm={bn}, {'p_drop=0.5, ' if dropout else ''}batch_size=N, "
                f"max_epochs=1, lam={lam})")
        runs = [seen[f"{prefix}{key}_{int(bn)}"] for key in ("start", "step")]
        verdict = first_failure(*[_structure(run, case, bn, hidden, name, 1) for run in runs])
        if not verdict.passed:
            return verdict
        start, step = (run["params"] for run in runs)
        mistakes = ({"that is the step without dropout: is dropout_forward called in training "
                     "mode, and is its output used?":
                     reference_sgd_step(start, X_train, y_train, lam, lr, bn)} if dropout else
                    {"the step ignores the L2 penalty: add your l2_penalty's gradients":
                     reference_sgd_step(start, X_train, y_train, 0.0, lr, bn)})
        for key, want in reference_sgd_step(start, X_train, y_train, lam, lr, bn,
                                            keep=keep).items():
            verdict = compare(
                f"{name}: params[{key!r}] after one SGD step with lr={lr} "
                + ("(dropout masking every third hidden unit)" if dropout else
                   "(the same rng with lr=0 gave the starting point)"), step[key], want,
                rtol=1e-6, atol=1e-9, mistakes={cause: wrong[key] for cause, wrong in
                                                mistakes.items()},
                hints=(COLUMN_DROPOUT_HINT,) if dropout else (
                    STEP_HINTS[key], "Losses and gradients are means over the batch; one step "
                    "is params - lr * gradient."))
            if not verdict.passed:
                return verdict
    return Verdict.ok()


def judge_one_step(seen, case, lam, lr, hidden, label) -> Verdict:
    verdict = judge_steps(seen, case, lam, lr, hidden, label)
    if not verdict.passed:
        return verdict
    start, step = seen["start_1"]["params"], seen["step_1"]["params"]
    for key in ("running_mean", "running_var"):
        verdict = compare(
            f"{label}(batchnorm=True, batch_size=N, max_epochs=1, lam={lam}): params[{key!r}] "
            f"with lr=0 and with lr={lr}", step[key], start[key], rtol=1e-9, atol=1e-12,
            hints=("Both runs see the same single batch at the same starting point, so their "
                   "running statistics must agree: do they depend on lr?",))
        if not verdict.passed:
            return verdict
    ties = seen["ties"]
    name = f"{label}(lr=0, max_epochs=6, patience=2)"
    verdict = _structure(ties, case, False, hidden, name, 6)
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
    X_train = case[0]
    N = len(X_train)
    verdict = judge_steps(seen, case, lam, lr, hidden, label, dropout=True)
    if not verdict.passed:
        return verdict
    start = seen["dstart_1"]["params"]
    pre = X_train @ np.asarray(start["W1"], dtype=np.float64) \
        + np.asarray(start["b1"], dtype=np.float64)
    H = pre.shape[1]
    _, torch_mean, torch_var = torch_batchnorm(pre, np.ones(H), np.zeros(H), np.zeros(H),
                                               np.ones(H), True, 0.9, 1e-5)
    want_var = 0.9 + (torch_var - 0.9) * (N - 1) / N  # torch's var is unbiased
    for key, want in (("running_mean", torch_mean), ("running_var", want_var)):
        verdict = compare(
            f"{label}(batchnorm=True, p_drop={p_drop}, batch_size=N, max_epochs=1, lr=0): "
            f"params[{key!r}] after the one batch of the epoch", start[key], want, rtol=1e-6,
            atol=1e-9, hints=("The running statistics start at zeros (mean) and ones "
                              "(variance) and every training batch updates them through "
                              "batchnorm_forward (default momentum); keep what it returns.",))
        if not verdict.passed:
            return verdict
    other = seen["init_other_seed"]
    verdict = _structure(other, case, False, hidden, f"{label}(lr=0)", 1)
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
    verdict = _structure(run, case, True, hidden, name, 3)
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
class TrainRegularizedOneStep(CaseCheck):
    """train_regularized: one full-batch epoch is one SGD step (L2, dropout, batch norm)."""

    name = "train_regularized_one_step"
    rules = TRAIN_RULES
    defaults = {"seed": 0, "lam": 0.05, "lr": 0.5, "hidden": 6}

    def inputs(self, seed, lam, lr, hidden, **_):
        return {"main": (training_case(seed), lam, lr, seed + 1, hidden, "train_regularized")}

    def probe_case(self, train_regularized, case, lam, lr, seed, hidden):
        with swapped_collaborators(train_regularized):
            return one_step_probe(train_regularized, case, lam, lr, seed, hidden)

    def judge_case(self, seen, case, lam, lr, _seed, hidden, label):
        return judge_one_step(seen, case, lam, lr, hidden, label)


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
    verdict = _structure(run, case, bn, settings["hidden"], label, settings["max_epochs"])
    if not verdict.passed:
        return verdict
    history, params = run["history"], run["params"]
    val = [float(v) for v in history["val_loss"]]
    patience, max_epochs = settings["patience"], settings["max_epochs"]
    last = len(val) - 1
    best = val.index(min(val))  # the run ends at its stop, so its best is the curve's first lowest
    if run["best"] is None or int(run["best"]) != best:
        return Verdict.fail(f"{label}: best_epoch is {run['best']}, but the lowest validation "
                            f"loss of history (first one, strictly lower) is at epoch {best}.",
                            "best_epoch is the epoch whose validation loss is strictly lower "
                            "than every earlier one and not beaten later.")
    # the contract's stop, as a property of the recorded curve: no `patience` epochs in a row
    # before the last one failed to beat every loss before them
    for j in range(last - patience):
        if min(val[j + 1:j + 1 + patience]) >= min(val[:j + 1]):
            return Verdict.fail(f"{label}: training ran {len(val)} epochs, but the validation "
                                f"losses it recorded at epochs {j + 1}..{j + patience} did not "
                                f"improve on the best loss up to epoch {j}: with patience "
                                f"{patience} it should have stopped at epoch {j + patience}.",
                                "Stop after epoch e as soon as e - best_epoch >= patience.")
    if len(val) < max_epochs and last - best < patience:
        return Verdict.fail(f"{label}: training stopped after epoch {last}, only "
                            f"{last - best} epochs after the best epoch {best}, with "
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
    acc = oracle.accuracy(val_scores, y_val)
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
class TrainRegularizedEarlyStopping(CaseCheck):
    """train_regularized stops early, keeps the best epoch, trains on training data only."""

    name = "train_regularized_early_stopping"
    rules = TRAIN_RULES
    defaults = {"seed": 5}
    SETTINGS = {"hidden": 16, "lr": 0.5, "batch_size": 8, "max_epochs": 40, "lam": 1e-4,
                "p_drop": 0.3, "batchnorm": True, "patience": 3}

    def inputs(self, seed, **_):
        return {"main": (training_case(seed), training_case(seed + 50)[2:], seed, self.SETTINGS,
                         "train_regularized")}

    def probe_case(self, train_regularized, case, other_val, seed, settings):
        return stopping_probe(train_regularized, case, other_val, seed, settings)

    def judge_case(self, seen, case, other_val, _seed, settings, label):
        return judge_stopping(seen, case, other_val, settings, label)


RULES = {
    "l1_penalty": Rules(derived=True), "soft_threshold": Rules(),
    "l2_penalty": Rules(derived=True), "dropout_forward": Rules(),
    "dropout_backward": Rules(derived=True), "batchnorm_forward": Rules(),
    "batchnorm_backward": BATCHNORM_BACKWARD_RULES, "layernorm_forward": Rules(),
    "layernorm_backward": LAYERNORM_BACKWARD_RULES, "residual_forward": Rules(),
    "residual_backward": RESIDUAL_BACKWARD_RULES, "early_stopping": Rules(),
    "init_weights": Rules(),
    "train_regularized": TRAIN_RULES,
}
"""The rules of every graded function: numpy only (no torch, no course-library checker);
the gradients are derived (no complex arithmetic); train_regularized is built from the
notebook's own regularisers."""


# ----------------------------------------------------------------------------- batch norm,
# the simplified backward (new 2026-12-06)

BATCHNORM_ALT_RULES = Rules(forbidden_calls=("batchnorm_backward",),
                            recomputes_with="batchnorm_forward", derived=True)
"""The closed form is written out, not the node-by-node function; like every backward pass it
may recompute what it needs with its forward."""
RULES["batchnorm_backward_alt"] = BATCHNORM_ALT_RULES
ALT_DX_IDEA = ("Substitute your node-by-node bars into each other: what the mean and the "
               "variance send back to a row is the same for every row, a batch sum (per "
               "column) of dout or of dout * x_hat, times factors of gamma, the inverse "
               "standard deviation and the batch size.")


@register
class BatchnormBackwardAlt(BatchnormBackward):
    """batchnorm_backward_alt: dX, dgamma, dbeta match finite differences and torch."""

    name = "batchnorm_backward_alt_gradients"
    rules = BATCHNORM_ALT_RULES
    defaults = {"N": 7, "D": 4, "seed": 3, "eps": 1e-5}

    def inputs(self, N, D, seed, eps, **_):
        return {**super().inputs(N=N, D=D, seed=seed, eps=eps),
                "label": f"batchnorm_backward_alt on X ({N}, {D})"}

    def probe(self, batchnorm_forward, batchnorm_backward_alt, **args):
        return super().probe(batchnorm_forward, batchnorm_backward_alt, **args)

    def judge(self, seen, **args):
        given = self.inputs(**args)
        return judge_batchnorm_backward(seen, given["case"], given["eps"], given["label"],
                                        dx_idea=ALT_DX_IDEA)
