"""Visible checks for 06_regularization: L2, dropout, batch norm, early stopping, initialisation."""

from __future__ import annotations

import contextlib
import sys

import numpy as np

from nncourse import oracle
from nncourse.checking import (
    THROUGH_SYMPTOM,
    CaseCheck,
    Check,
    drive,
    nudge,
    on_copies,
    orders_may_coincide,
    register,
)
from nncourse.compare import compare, compare_derived, describe, unchanged
from nncourse.derived import wide_magnitudes
from nncourse.expected import stored
from nncourse.gradcheck import (
    finite_difference_gradient,
    finite_difference_vjp,
    gradient_check,
    torch_gradient,
)
from nncourse.oracle import cross_entropy
from nncourse.rules import RECOMPUTE_CALLS, Recorder, RuleBroken, Rules, outer_calls, swapped
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
DERIVED_HINTS = (
    "Your gradient is not exact to round-off (an estimate from nearby values of the function "
    "comes close, never exact): derive it on paper from the lesson's definition, one node at "
    "a time, as an expression with no step size in it.",
    "Check your expression against a hand computation on a tiny input (one row, two "
    "features) and print the two side by side: a derived gradient agrees in every digit, not "
    "in the first few.")
"""Two layers for a derived gradient judged at round-off (:func:`compare_derived`, whose
own first hint already names an approximation: these follow it)."""
BACKWARD_RETURN_HINTS = (
    "The backward did not return three gradients: one for the layer's input and one for "
    "each of its parameters, in the order the docstring lists them.",
    "Read the docstring's Returns line, then print type(result) and the shape of each part "
    "of what one call of your backward returns.")


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
        "Your backward evaluates the forward again and again: once per input entry is "
        "estimating the gradient from nearby values of the function, not deriving it.",
        "Walk the lesson's graph of this layer from the output back, one node at a time: "
        "each node's gradient needs the forward's values once, not new evaluations.")


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


def wide_params(shapes: dict, seed) -> dict:
    """A params dict whose entries have sizes 1e-6 to 1e6 (random signs), one exactly 0 and
    one the smallest subnormal: each gradient entry of a penalty is exact to round-off of
    itself; a difference quotient of the penalty is not (``w + h`` rounds at w's precision,
    a fixed step is lost next to 1e6 or swamps 1e-6, half a subnormal is 0)."""
    rng = np.random.default_rng([seed, 6])
    params = {key: wide_magnitudes(rng, shape) for key, shape in shapes.items()}
    first = params[next(iter(params))]
    first.flat[0], first.flat[1] = 0.0, -5e-324
    return params


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
                            "the ones the penalty does not touch, such as biases.",
                            "The training step updates every parameter with its gradient, so "
                            "every key needs one, even where the penalty has nothing to add.")
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
                        hints=("The penalty's value is wrong (before any gradient): work it "
                               "out by hand for one small weight matrix and compare.",
                               "Section 1: the penalty as the lesson defines it, which "
                               "parameters it covers and which factor it carries."))]
    hints = ("The gradient of a penalised weight is off (the penalty's value is right): "
             "compare your entries with the penalty's change when one weight moves a little.",
             "Differentiate the penalty entry by entry (section 1); a bias is not "
             "penalised, so its gradient is zero.")
    # finite differences as the reference only where they are one (weights of moderate size)
    moderate = max(float(np.max(np.abs(v), initial=0.0)) for v in params.values()) <= 1e3
    verdicts += [gradient_check(
        f"{label}: grads[{key!r}]", seen["grads"][key], numeric_l2_grad(params, lam, key),
        oracle=grads[key], hints=hints) if moderate else
        compare(f"{label}: grads[{key!r}]", seen["grads"][key], grads[key], rtol=1e-6,
                hints=hints)
        for key in params]
    # derived: each entry one product (2 lam w), so exact to round-off of itself
    verdicts += [compare_derived(f"{label}: grads[{key!r}]", seen["grads"][key], grads[key],
                                 size=np.abs(grads[key]), hints=DERIVED_HINTS)
                 for key in params]
    verdicts.append(unchanged(label, params, seen["after"],
                              "Do not modify the arrays of params in place: build new arrays "
                              "for the gradients."))
    return first_failure(*verdicts)


def other_value(value: float) -> float:
    """A hyper-parameter value other than ``value`` for a check's second run: an answer
    that ignores the argument and uses a fixed number fails one of the two runs."""
    return round(3.7 * float(value) + 0.02, 6)


@register
class L2PenaltyValues(CaseCheck):
    """l2_penalty penalises the weight matrices only; biases get zero gradients."""

    name = "l2_penalty_values"

    expected_hidden = True
    rules = DERIVED
    defaults = {"lam": 0.05, "seed": 0}
    SHAPES = {"W1": (5, 4), "b1": (4,), "W2": (4, 3), "b2": (3,)}

    def inputs(self, lam, seed, **_):
        other = other_value(lam)  # every argument is honoured: a fixed lam fails one case
        return {"main": (random_params(self.SHAPES, seed), lam, f"l2_penalty(params, lam={lam})"),
                "wide": (wide_params(self.SHAPES, seed), lam,
                         f"l2_penalty(params with weights of sizes 1e-6 to 1e6, lam={lam})"),
                "other": (random_params(self.SHAPES, seed), other,
                          f"l2_penalty(params, lam={other})")}

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
                            "scale for a kept one).",
                            "In training mode your dropout_forward returned no mask: the "
                            "backward pass then cannot know what happened to each unit.",
                            "Section 2: the mask records, unit by unit, what the forward did "
                            "to X; print out and X side by side for a small X to see it.")
    mask = np.asarray(mask, dtype=np.float64)
    if mask.shape != X.shape:
        return Verdict.fail(f"{name}: mask has shape {mask.shape}, expected {X.shape} "
                            "(one factor per unit of X).",
                            "The mask's shape is not X's: some units of some examples have no "
                            "factor of their own.",
                            "Section 2: print X.shape and mask.shape for a small batch; every "
                            "unit of every example gets its own factor.")
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
                            f"with p = {p} that factor does not make the expected value of "
                            "out equal to X.", hint, idea)
    return compare(f"{name}: out", out, X * mask,
                   hints=("out and mask disagree: the mask is the factor each unit of X was "
                          "multiplied by to give out.",
                          "Section 2: for a batch of one row, print X, mask and out one under "
                          "the other: each entry of out should follow from the two above it."))


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
                            f"p = {p} (within {tolerance:.4f}).", hint,
                            "Section 2: p is the probability of dropping a unit, for each "
                            "unit on its own: how many of n units does that drop on "
                            "average, and how much do two draws vary?")
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
                "Neighbouring units are dropped together far more (or less) often than "
                "chance: your mask repeats a pattern across the batch, or drops units in "
                "blocks.",
                "Section 2: every unit of every example is dropped on its own coin flip.")
    return judge_pairs(name, dropped, p)


PAIR_SAMPLES = 200
"""Draws a pair of units (or of examples) must share before the judge compares them."""
PAIR_FALSE_ALARM = 1e-9
"""The most a right dropout may fail the pair test by chance (a union bound over all pairs)."""


def _tail_bound(draws: int, q: float, count: int) -> float:
    """Chernoff's bound on P(Binomial(draws, q) >= count) (1 when count is not above the
    mean)."""
    share = count / draws
    if share <= q:
        return 1.0
    if share >= 1.0:
        return q ** draws
    kl = share * np.log(share / q) + (1.0 - share) * np.log((1.0 - share) / (1.0 - q))
    return float(np.exp(-draws * kl))


def judge_pairs(name: str, dropped: np.ndarray, p: float) -> Verdict:
    """No two units (columns), and no two examples (rows), are dropped together, or kept
    together, more often than independent draws allow: the most co-drops (co-keeps) of any
    pair over the draws they share must be likely under Binomial(draws, p^2) ((1 - p)^2), by
    Chernoff's bound with a union bound over the pairs, at odds of :data:`PAIR_FALSE_ALARM`.
    Two units that share one coin, however far apart, are dropped together p of the time."""
    for axis, what in ((0, "units"), (1, "examples")):
        draws, members = dropped.shape[axis], dropped.shape[1 - axis]
        if draws < PAIR_SAMPLES or members < 2:
            continue
        values = np.asarray(dropped, dtype=np.float64)
        values = values if axis == 0 else values.T  # draws along the rows, members across
        pairs = members * (members - 1) / 2
        for together, q, how in ((values, p * p, "dropped"), (1.0 - values, (1 - p) ** 2,
                                                               "kept")):
            counts = together.T @ together
            np.fill_diagonal(counts, -1.0)
            i, j = np.unravel_index(int(np.argmax(counts)), counts.shape)
            most = int(round(counts[i, j]))
            if pairs * _tail_bound(draws, q, most) < PAIR_FALSE_ALARM:
                return Verdict.fail(
                    f"{name}: {what} {min(i, j)} and {max(i, j)} were {how} together in "
                    f"{most} of {draws} draws; independent draws would do that about "
                    f"{q * draws:.1f} times (and more than {most - 1} with odds below "
                    f"{PAIR_FALSE_ALARM:g} over all {int(pairs)} pairs).",
                    "Two units (or two examples) are dropped or kept together far more often "
                    "than chance: part of your mask is shared or derived from another part.",
                    "Section 2: every unit of every example is dropped on its own coin flip: "
                    "nothing in the mask may be computed from another of its entries.")
    return Verdict.ok()


COUNT_SHAPES = {(10, 20): 200, (32, 64): 100}
"""The shapes the number of dropped units is measured on, with how many calls each: a small
X, and one training batch of the digits (batch_size 32, 64 hidden units); the check's own X
is measured too (:data:`LARGE_REPEATS` calls)."""

LARGE_REPEATS = 6
"""Calls on the check's own (large) X: its count varies by hundreds from call to call, so a
few calls show a fixed count (every call's mask is sent to the judge: they stay few)."""


def count_bounds(calls: int) -> tuple[float, float]:
    """The range of (sample variance of the counts) / (binomial variance) that right dropout
    leaves but for odds of about one in a million or less (chi-square with calls - 1 degrees
    of freedom): 200 calls [0.5, 1.6], 100 calls [0.35, 1.9]; a few calls only a lower
    bound, 0.002 (a fixed count has variance 0)."""
    if calls >= 200:
        return 0.5, 1.6
    if calls >= 100:
        return 0.35, 1.9
    return 0.002, np.inf


def judge_drop_counts(masks, shape, p) -> Verdict:
    """Each unit dropped on its own draw: the number dropped in one call is binomial
    (size, p), so over many calls its variance is about size * p * (1 - p). Dropping exactly
    round(p * size) units (or round(p * D) per row) has a constant count: variance 0."""
    size = int(np.prod(shape))
    if not 0 < p < 1:
        return Verdict.ok()  # nothing random to measure
    counts = []
    for mask in masks:
        mask = np.asarray(mask, dtype=np.float64)
        if mask.shape != tuple(shape):
            return Verdict.fail(f"dropout_forward on X {tuple(shape)} returned a mask "
                                f"{describe(mask)}.",
                                "On this shape of X the mask's shape is not X's: your forward "
                                "works on one shape only (a size fixed in the code, or taken "
                                "from somewhere else).",
                                "Section 2: call your dropout_forward on X of a few shapes (one "
                                "row, a tall batch) and print mask.shape each time.")
        counts.append(int(np.sum(np.isclose(mask, 0.0))))
    ratio = float(np.var(counts, ddof=1)) / (size * p * (1 - p))
    low, high = count_bounds(len(counts))
    if not low <= ratio <= high:
        return Verdict.fail(
            f"dropout_forward on X {tuple(shape)}, {len(counts)} calls with different rngs: the "
            f"number of dropped units varied with variance {np.var(counts, ddof=1):.1f}, "
            f"expected about size * p * (1 - p) = {size * p * (1 - p):.1f} if each unit is "
            f"dropped on its own draw (counts seen: {sorted(set(counts))[:8]}...).",
            "The number of units you drop hardly varies from call to call: your forward "
            "drops a fixed count (or a fixed share of each row) instead of deciding for each "
            "unit on its own.",
            "Section 2: every unit is a coin flip of its own. Call dropout_forward a few "
            "times on a small X with different rngs and print how many units each call "
            "dropped: the count should wander.")
    return Verdict.ok()


def judge_fresh_masks(masks, shape, p) -> Verdict:
    """Every call draws a new mask: two calls (with different rngs) giving the same pattern of
    dropped units of 50 or more is a mask kept from an earlier call (chance: at most
    max(p, 1 - p)^50 for a pair, below 1e-7 for p = 0.3)."""
    if not 0 < p < 1 or int(np.prod(shape)) < 50:
        return Verdict.ok()
    seen: dict[bytes, int] = {}
    for number, mask in enumerate(masks):
        key = np.packbits(np.isclose(np.asarray(mask, dtype=np.float64), 0.0)).tobytes()
        if key in seen:
            return Verdict.fail(
                f"dropout_forward on X {tuple(shape)}: calls {seen[key] + 1} and {number + 1} "
                "(each with its own rng) dropped exactly the same units.",
                "Your forward reuses a mask from an earlier call instead of drawing a new one "
                "from the rng it is given.",
                "Section 2: every call draws a new coin flip for every unit, from the rng "
                "argument of that call.")
        seen[key] = number
    return Verdict.ok()


def judge_repeats(repeats: dict, p: float) -> Verdict:
    """Every shape's repeated masks: the count's variance, and (stacked) the drop rate and
    the independence of neighbouring units and rows."""
    for shape, masks in repeats.items():
        verdict = judge_drop_counts(masks, shape, p)
        if not verdict.passed:
            return verdict
        verdict = judge_fresh_masks(masks, shape, p)
        if not verdict.passed:
            return verdict
        stacked = np.concatenate([np.asarray(m, dtype=np.float64) for m in masks])
        verdict = judge_drop_rate(f"dropout_forward on X {shape} ({len(masks)} calls, "
                                  "stacked)", stacked, p)
        if not verdict.passed:
            return verdict
    return Verdict.ok()


@register
class DropoutForwardTrain(Check):
    """dropout_forward in training: drops a fraction p, scales survivors, keeps the mean."""

    name = "dropout_forward_train"

    expected_hidden = True
    defaults = {"p": 0.3, "seed": 0, "shape": (200, 500)}

    def inputs(self, p, seed, shape, **_):
        return {"X": dropout_input(tuple(shape), seed), "small": dropout_input((20, 50), seed + 1),
                "p": p, "seed": seed,
                "name": f"dropout_forward(X {tuple(shape)}, p={p}, train=True)"}

    def probe(self, dropout_forward, **args):
        given = self.inputs(**args)
        p, seed = given["p"], given["seed"]
        (out, mask), after = on_copies(dropout_forward, given["X"], p, True,
                                       np.random.default_rng(seed))
        masks = [on_copies(dropout_forward, given["small"], p, True,
                           np.random.default_rng(s))[0][1] for s in (seed, seed, seed + 1)]
        repeats = {f"{r}x{c}": [dropout_forward(dropout_input((r, c), seed + k), p, True,
                                                np.random.default_rng([seed, k, r]))[1]
                                for k in range(calls)]
                   for (r, c), calls in self.repeats(given["X"].shape).items()}
        other_out, other_mask = dropout_forward(given["X"], other_p(p), True,
                                                np.random.default_rng(seed + 2))
        return {"out": out, "mask": mask, "after": after, "small_masks": masks,
                "repeats": repeats, "other": {"out": other_out, "mask": other_mask}}

    @staticmethod
    def repeats(shape) -> dict:
        """{shape: calls}: where the count of dropped units is measured."""
        return {tuple(shape): LARGE_REPEATS, **COUNT_SHAPES}

    def judge(self, seen, **args):
        given = self.inputs(**args)
        X, p, name = given["X"], given["p"], given["name"]
        q = other_p(p)
        other_name = name.replace(f"p={p},", f"p={q},")
        verdict = first_failure(judge_mask(name, seen["mask"], X, seen["out"], p),
                                judge_drop_rate(name, seen["mask"], p),
                                judge_mask(other_name, seen["other"]["mask"], X,
                                           seen["other"]["out"], q),
                                judge_drop_rate(other_name, seen["other"]["mask"], q))
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
                                f"{[describe(m) for m in seen['small_masks']]}.",
                                "On a smaller X in training mode the masks are missing or "
                                "not shaped like X.",
                                "Section 2: call your dropout_forward on a small X in training "
                                "mode and print what it returns.")
        if not np.array_equal(a, b):
            return Verdict.fail("two calls with identically seeded rngs dropped different units.",
                                "Your masks do not follow the rng you were given: the "
                                "randomness comes from somewhere else (np.random, a generator "
                                "made inside the function).",
                                "Call dropout_forward twice, each time with a fresh "
                                "np.random.default_rng(0), and compare the two masks: every "
                                "random number comes from the `rng` argument.")
        if np.array_equal(a, c):
            return Verdict.fail("two calls with differently seeded rngs dropped the same units: "
                                "the mask should be random, drawn from `rng`.",
                                "Your masks do not change with the rng you were given: the "
                                "dropped units are fixed, or drawn from a generator with its "
                                "own seed.",
                                "Call dropout_forward with np.random.default_rng(0) and with "
                                "np.random.default_rng(1) and compare the masks: the `rng` "
                                "argument is the only source of randomness.")
        repeats = {(r, c): seen["repeats"][f"{r}x{c}"] for r, c in self.repeats(X.shape)}
        return first_failure(judge_repeats(repeats, p), unchanged(name, X, seen["after"]["0"]))


def other_p(p: float) -> float:
    """A dropout probability far from ``p`` for a second run (every argument is honoured)."""
    return 0.7 if float(p) < 0.5 else 0.2


@register
class DropoutForwardEval(Check):
    """dropout_forward with train=False returns X unchanged and the mask None."""

    name = "dropout_forward_eval"

    expected_hidden = True
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
                                "With train=False your dropout_forward returned a mask, as "
                                "if dropout were still acting.",
                                "Section 2: with train=False the layer is the identity, and "
                                "no mask was used.")
        return compare(f"dropout_forward(X, p={p}, train=False): out", seen["out"], X,
                       rtol=0, atol=0,
                       hints=("In eval mode out differs from X.",
                              "Section 2: inverted dropout already did the scaling during "
                              "training; what is left to do at evaluation time?"))


def dropout_symptom(got, mask: np.ndarray, expected: np.ndarray) -> str:
    """What dropout_backward's wrong dX gets wrong: which units it lets through, and by how
    much it scales the ones it keeps."""
    try:
        dX = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return "dX is not an array of numbers."
    if dX.shape != mask.shape:
        return "dX has the wrong shape: one entry per unit of X."
    kept = ~np.isclose(mask, 0.0)
    if np.any(~np.isclose(dX[~kept], 0.0)) or np.any(np.isclose(dX[kept], 0.0)
                                                     & ~np.isclose(expected[kept], 0.0)):
        return ("dX is non-zero for units the forward dropped, or zero for units it kept: "
                "the backward's pattern of dropped units is not the forward's (a new mask "
                "drawn here gives the gradient of a different network).")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = dX[kept] / expected[kept]
    ratio = ratio[np.isfinite(ratio)]
    if ratio.size and np.allclose(ratio, ratio[0], rtol=1e-6):
        return (f"dX is zero exactly where the forward dropped a unit, right so far, but "
                f"every kept unit's gradient is {ratio[0]:.4g} times what it should be.")
    return "dX is zero exactly where the forward dropped a unit, but the kept units are off."


@register
class DropoutBackwardMask(Check):
    """dropout_backward reuses the forward's mask; a None mask passes dout through."""

    name = "dropout_backward_mask"

    expected_hidden = True
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
                           hints=(dropout_symptom(seen["dX"], mask, oracle),
                                  "Section 2: write out as a function of X alone (the mask "
                                  "fixed) and differentiate it entry by entry.")),
            compare_derived("dropout_backward(dout, mask)", seen["dX"], oracle,
                            scale=float(np.max(np.abs(mask * dout))), hints=DERIVED_HINTS),
            compare("dropout_backward(dout, None)", seen["through"], dout, rtol=0, atol=0,
                    hints=("With mask None (dropout off, eval mode) dX differs from dout.",
                           "With dropout off the layer is the identity: what is the "
                           "gradient of the identity?")),
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


def eps_after_root(X, gamma, beta, eps, mean=None, var=None) -> np.ndarray:
    """The wrong normalisation with eps added to the standard deviation (a likely cause the
    failure message names), not to the variance: torch's evaluation-mode batch norm with
    eps 0 and a variance whose root is the standard deviation plus eps. mean, var: the
    statistics used (None: the batch's own, biased, from torch)."""
    import torch
    import torch.nn.functional as F

    x = torch.as_tensor(np.ascontiguousarray(X, dtype=np.float64))
    if mean is None:
        var, mean = torch.var_mean(x, dim=0, unbiased=False)
    spread = (torch.sqrt(torch.as_tensor(var, dtype=torch.float64)) + eps) ** 2
    return F.batch_norm(x, torch.as_tensor(mean, dtype=torch.float64), spread,
                        torch.as_tensor(gamma), torch.as_tensor(beta), training=False,
                        eps=0.0).numpy().copy()


def judge_batchnorm_train(seen, case, momentum, eps, label) -> Verdict:
    X, gamma, beta, running_mean, running_var, _ = case
    out, torch_mean, torch_var = torch_batchnorm(X, gamma, beta, running_mean, running_var,
                                                 True, momentum, eps)
    N = X.shape[0]
    # torch's running variance averages the unbiased batch variance; rescale its new share
    expected_var = momentum * running_var + (torch_var - momentum * running_var) * (N - 1) / N
    return first_failure(
        compare(f"{label}: out (vs. torch BatchNorm1d in train mode)", seen["out"], out,
                mistakes={"each column comes out scaled by the unbiased variance (the one "
                          "with N - 1), not by the variance the lesson normalises with":
                          torch_batchnorm_train(X, gamma, beta, eps, unbiased=True),
                          "eps is not where the lesson puts it (this output has it added "
                          "after the square root)":
                          eps_after_root(X, gamma, beta, eps)},
                hints=("out is wrong before the running statistics: check one column by "
                       "hand; before gamma and beta, each normalised column has mean 0 and "
                       "(biased) variance 1.",
                       "Section 3: batch norm in training mode as the lesson defines it, "
                       "statistics over the batch (axis 0), eps where the lesson puts it.")),
        compare(f"{label}: running_mean (vs. torch)", seen["running_mean"], torch_mean,
                mistakes={"the weights are swapped: that is torch's convention (momentum = "
                          "weight of the new batch), the opposite of this course's":
                          (1 - momentum) * running_mean
                          + momentum * X.mean(axis=0)},
                hints=("out is right but running_mean is off.",
                       f"Section 3: a moving average of the batch means with momentum = "
                       f"{momentum}; which of the two (old value, batch mean) gets the weight "
                       "momentum in this course's convention?")),
        compare(f"{label}: running_var", seen["running_var"], expected_var,
                mistakes={f"that is torch's running variance, which uses the unbiased batch "
                          f"variance (times N/(N-1) = {N}/{N - 1}); ours uses the same biased "
                          "variance as the normalisation": torch_var},
                hints=("out and running_mean are right but running_var is off.",
                       f"Section 3: a moving average (momentum = {momentum}) like the running "
                       "mean's, of the same variance as the normalisation uses.")),
        unchanged(label, dict(zip(BN_INPUTS, case[:5], strict=True)), seen["after"],
                  "Do not update inputs in place (no +=, *= or [...] = on them): return new "
                  "running statistics."))


EVAL_KEEPS_STATISTICS = (
    "In eval mode the returned running statistics differ from the ones you were given: "
    "evaluation changed them.",
    "Section 3: only training updates the running statistics; print them before and after "
    "an eval-mode call.")


def judge_batchnorm_eval(seen, case, momentum, eps, label) -> Verdict:
    X, gamma, beta, running_mean, running_var, _ = case
    out, _, _ = torch_batchnorm(X, gamma, beta, running_mean, running_var, False, momentum, eps)
    return first_failure(
        compare(f"{label}: out (vs. torch BatchNorm1d in eval mode)", seen["out"], out,
                mistakes={"your eval-mode output uses the batch's own mean and variance":
                          torch_batchnorm_train(X, gamma, beta, eps),
                          "eps is not where the lesson puts it (this output has it added "
                          "after the square root)":
                          eps_after_root(X, gamma, beta, eps, running_mean, running_var)},
                hints=("In eval mode out is off: if the training-mode test fails too, fix "
                       "that first; the two share the normalisation.",
                       "Section 3: at evaluation time there may be one example only: which "
                       "statistics can the normalisation use then?")),
        compare(f"{label}: returned running_mean", seen["running_mean"], running_mean,
                rtol=0, atol=0, hints=EVAL_KEEPS_STATISTICS),
        compare(f"{label}: returned running_var", seen["running_var"], running_var,
                rtol=0, atol=0, hints=EVAL_KEEPS_STATISTICS),
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
                         f"momentum={momentum}, eps={eps})"}

    def other_args(self, args) -> dict:
        """A second run with another momentum and a larger eps: every argument is honoured
        (an answer that uses fixed numbers fails one of the two runs)."""
        momentum = args.get("momentum", self.defaults["momentum"])
        eps = args.get("eps", self.defaults["eps"])
        return dict(args, momentum=0.6 if momentum != 0.6 else 0.8,
                    eps=0.05 if eps != 0.05 else 0.01)

    def probe(self, batchnorm_forward, **args):
        seen = {}
        for key, run in (("main", args), ("other", self.other_args(args))):
            given = self.inputs(**run)
            case = given["case"][:5]
            out, _cache, mean, var = batchnorm_forward(*case, self.train,
                                                       momentum=given["momentum"],
                                                       eps=given["eps"])
            seen[key] = {"out": out, "running_mean": mean, "running_var": var,
                         "after": dict(zip(BN_INPUTS, case, strict=True))}
        return {**seen["main"], "other": seen["other"]}

    def judge_mode(self, seen, case, momentum, eps, label) -> Verdict:
        return judge_batchnorm_train(seen, case, momentum, eps, label)

    def judge(self, seen, **args):
        given = self.inputs(**args)
        other = self.inputs(**self.other_args(args))
        return first_failure(
            self.judge_mode(seen, given["case"], given["momentum"], given["eps"],
                            given["label"]),
            self.judge_mode(seen["other"], other["case"], other["momentum"], other["eps"],
                            other["label"]))


@register
class BatchnormForwardEval(BatchnormForwardTrain):
    """batchnorm_forward in eval mode uses the running stats and returns them unchanged."""

    name = "batchnorm_forward_eval"
    defaults = {**BatchnormForwardTrain.defaults, "seed": 1}
    train = False

    def judge_mode(self, seen, case, momentum, eps, label) -> Verdict:
        return judge_batchnorm_eval(seen, case, momentum, eps, label)


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


def torch_direct_path(X, gamma, dout, eps) -> np.ndarray:
    """The wrong dX that holds the batch mean and variance constant (a likely mistake the
    failure message names): torch autograd through eval-mode batch norm given the batch's own
    statistics, detached."""
    import torch
    import torch.nn.functional as F

    var, mean = torch.var_mean(torch.as_tensor(np.asarray(X, dtype=np.float64)), dim=0,
                               unbiased=False)
    upstream, scale = torch.as_tensor(dout), torch.as_tensor(gamma)
    return torch_gradient(lambda Z: (F.batch_norm(Z, mean, var, scale, None, training=False,
                                                  eps=eps) * upstream).sum(), X)[0]


def judge_batchnorm_backward(seen, case, eps, label, dx_idea: str = "") -> Verdict:
    X, gamma, beta, _, _, dout = case
    N = X.shape[0]
    numeric, oracle = batchnorm_gradients(X, gamma, beta, dout, eps)
    grads = seen["grads"]
    if not isinstance(grads, list) or len(grads) != 3:
        return Verdict.fail(f"{label} should return (dX, dgamma, dbeta), got "
                            f"{describe(grads)}.", *BACKWARD_RETURN_HINTS)
    dX = np.asarray(grads[0], dtype=np.float64)
    dx_hints = ["The batch mean and variance depend on every row of X, so dX has two extra "
                "paths besides the direct one through x_hat. For every column, dX must sum "
                "to zero over the batch.",
                dx_idea or "Go back through the graph of section 3 one node at a time: where "
                "a node feeds several others, add what comes back on each edge; a node "
                "shared by every row (the mean, the variance) collects a sum over the batch."]
    if dX.shape == X.shape and np.allclose(dX, torch_direct_path(X, gamma, dout, eps)):
        dx_hints[0] = ("Your dX is only the direct path, through each entry's own "
                       "normalisation: it treats the batch mean and variance as constants, "
                       "but they depend on X too.")
    sum_hint = ("dgamma or dbeta is off (one entry per feature, shape (D,)).",
                "gamma and beta are shared by every row of the batch: like a node used twice "
                "in notebook 04, what does their gradient collect?")
    return first_failure(
        gradient_check(f"{label}: dbeta", grads[2], numeric[2], oracle=oracle[2], n=N,
                       hints=sum_hint),
        gradient_check(f"{label}: dgamma", grads[1], numeric[1], oracle=oracle[1], n=N,
                       hints=(sum_hint[0], "dgamma needs the normalised input x_hat of every "
                              "row, and " + sum_hint[1][0].lower() + sum_hint[1][1:])),
        gradient_check(f"{label}: dX", dX, numeric[0], oracle=oracle[0], n=N,
                       hints=tuple(dx_hints)),
        *derived_gradients(label, grads, oracle, ("dX", "dgamma", "dbeta")),
        unchanged(label, dout, seen["dout_after"], "Do not modify dout in place."))


def derived_gradients(label, grads, oracle, names,
                      hints: tuple[str, ...] = DERIVED_HINTS) -> list[Verdict]:
    """Each returned gradient against torch at round-off (the contract: derived), relative to
    the largest of them (dX of a normalisation sums to zero over a batch by cancellation)."""
    scale = max(float(np.max(np.abs(g), initial=0.0)) for g in oracle)
    return [compare_derived(f"{label}: {name}", got, want, scale=scale, hints=hints)
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
        ([1.0, 1.1, 0.9, 1.0, 0.8, 0.85, 0.9, 0.95], 3),
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
                                f"notebook uses, not for {args}.",
                                "The check was called with arguments of its own (or the test "
                                "cell was edited): it only knows the curves the notebook's "
                                "test cell runs.",
                                "Run the test cell as the notebook gives it; to try curves of "
                                "your own, replay them by hand as in section 4 and compare.")
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
                                    "best_epoch).",
                                    "early_stopping returned something other than two whole "
                                    "numbers (the epochs of the stop and of the best loss).",
                                    "Print what your function returns for a short curve of "
                                    "three or four losses, and replay that curve by hand as in "
                                    "section 4.")
            if got_pair != expected:
                return Verdict.fail(
                    f"early_stopping({shown}, patience={patience}) returned {got_pair}, "
                    f"expected (stop_epoch, best_epoch) = {expected}.",
                    stopping_symptom(got_pair, expected, losses),
                    STOP_IDEA + TIES_IDEA if has_ties(losses, expected) else STOP_IDEA)
        return Verdict.ok()


STOP_IDEA = ("Section 4's worked example: step through its losses by hand, epoch by epoch, "
             "keeping the best loss so far and how many epochs have passed since it (epochs "
             "count from 0).")


TIES_IDEA = (" This curve has epochs that only tie the best loss before them: a tie is not "
             "an improvement.")


def has_ties(losses, expected: tuple[int, int]) -> bool:
    """Whether an epoch up to the expected stop ties the best loss before it."""
    values = [float(v) for v in losses][:expected[0] + 1]
    return any(values[k] == min(values[:k]) for k in range(1, len(values)))


def stopping_symptom(got: tuple[int, int], expected: tuple[int, int], losses) -> str:
    """What a wrong (stop_epoch, best_epoch) gets wrong, the stop first: a best epoch after
    the stop, a stop that comes early or late (a late stop may find a later best), then a
    best epoch that only ties the best so far or is not the lowest before the stop."""
    (stop, best), (want_stop, want_best) = got, expected
    values = [float(v) for v in losses]
    if best > stop:
        return (f"best_epoch {best} comes after the stop at epoch {stop}: the best epoch is "
                "the lowest loss seen up to the stop, not over the whole curve.")
    if stop != want_stop and best in (want_best, _first_lowest(values, stop)):
        found = "" if best == want_best else (
            f" (running on past epoch {want_stop} is how it found epoch {best}'s loss)")
        return (f"The stop comes {abs(stop - want_stop)} epoch(s) "
                f"{'late' if stop > want_stop else 'early'}{found}: at the expected stop, epoch "
                f"{want_stop}, count by hand the epochs in a row since the best one that did "
                "not improve on it, and compare with the count your loop keeps.")
    if best != want_best:
        if 0 <= best < len(values) and values[best] == values[want_best]:
            return (f"best_epoch is {best}, whose loss equals the best one at epoch "
                    f"{want_best}: an epoch that only ties the best so far was counted as "
                    "an improvement.")
        return (f"best_epoch is {best}, not the epoch of the lowest loss seen before the "
                "stop: compare how your loop decides that an epoch improved.")
    return (f"best_epoch is right, but the stop comes {abs(stop - want_stop)} epoch(s) "
            f"{'late' if stop > want_stop else 'early'}: count again how many epochs in a row "
            "without improvement your loop waits.")


def _first_lowest(values: list, stop: int) -> int | None:
    """The first epoch of the lowest loss up to ``stop`` (None for a stop off the curve)."""
    if not 0 <= stop < len(values):
        return None
    head = values[:stop + 1]
    return head.index(min(head))


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
        return Verdict.fail(f"{label}: scheme 'zeros' gave non-zero weights.",
                            "Some weights of the 'zeros' scheme are not 0.",
                            "Section 5: the 'zeros' scheme and why it fails.") \
            if np.any(W != 0) else Verdict.ok()
    target = torch_init_std(scheme, fan_in, fan_out)
    std, mean = float(W.std()), float(W.mean())
    if abs(std / target - 1) > 0.05:
        swapped_fans = torch_init_std(scheme if scheme != "xavier" else "normal", fan_out, fan_in)
        hint = ("That is the scale with fan_in and fan_out swapped: fan_in is the number of "
                "inputs of a unit, dims[i] (the rows of W)." if abs(std / swapped_fans - 1) < 0.05
                else "Your standard deviation is the square of the expected one: the "
                "scheme's number is a *variance*." if abs(std / target ** 2 - 1) < 0.05 else
                f"The spread of your {scheme!r} weights is not the scheme's: compare their "
                "standard deviation with the one the scheme's variance implies.")
        return Verdict.fail(
            f"{label}({scheme!r}): the layer with fan_in {fan_in}, fan_out {fan_out} has "
            f"standard deviation {std:.4f}, expected {target:.4f} from "
            f"{INIT_FORMULA[scheme]}.", hint, INIT_SCALE_IDEA)
    tails = float(np.mean(np.abs(W) > 2 * target))
    if abs(tails - 0.0455) > 0.015:
        return Verdict.fail(
            f"{label}({scheme!r}): {tails:.2%} of the weights of the layer with fan_in {fan_in} "
            "lie beyond two standard deviations; a normal distribution puts about 4.6% there.",
            "The schemes draw from a normal distribution (a uniform one of the same standard "
            "deviation has no tails beyond 1.73 of them).",
            "Section 5: which distribution the lesson's schemes draw from, and which numpy "
            "generator method draws it.")
    if abs(mean) > 5 * target / np.sqrt(W.size):
        return Verdict.fail(f"{label}({scheme!r}): weights have mean {mean:.4f}, "
                            "expected about 0.",
                            "The weights are shifted away from 0 as a whole.",
                            "Section 5: the lesson's schemes are centred on 0.")
    return Verdict.ok()


INIT_SCALE_IDEA = ("Section 5: draw one wide layer, print W.std() and work out by hand "
                   "what the scheme asks for: which fans does its variance use, and does the "
                   "numpy call you use take a variance or a standard deviation?")
INIT_RETURN_HINTS = ("init_weights did not return a list with one weight matrix per layer.",
                     "The docstring's Returns line: for dims of three sizes there are two "
                     "layers; print the type, the length and each shape of what you return.")

REPEAT_DIMS = [30, 30, 30]


def repeat_plan(init_weights, seeds):
    """A plan (:func:`drive`): init_weights(REPEAT_DIMS, "he", rng) with generators seeded
    ``seeds`` (three), then an xavier call whose dims list is kept to see it unchanged."""
    seen = {}
    for key, seed in zip("abc", seeds, strict=True):
        seen[key] = list((yield init_weights, (list(REPEAT_DIMS), "he",
                                               np.random.default_rng(seed)), {}))
    dims = list(REPEAT_DIMS)
    yield init_weights, (dims, "xavier", np.random.default_rng(3)), {}
    return {**seen, "dims_after": dims}


def judge_repeatable(seen) -> Verdict:
    """Same seed, same weights; another seed, other weights; layers drawn separately; dims
    left unchanged: the rng argument is the only source of randomness."""
    a, b, c = seen["a"], seen["b"], seen["c"]
    if not all(isinstance(w, list) and len(w) == 2 for w in (a, b, c)):
        return Verdict.fail(f"init_weights({REPEAT_DIMS}, 'he', rng) returned "
                            f"{describe(a)}; expected a list of 2 matrices.",
                            *INIT_RETURN_HINTS)
    if not all(np.array_equal(x, y) for x, y in zip(a, b, strict=True)):
        return Verdict.fail("init_weights: two calls with identically seeded rngs gave "
                            "different weights.",
                            "Draw every random number from the `rng` argument.",
                            "Section 5: the same rng seed must give the same network: "
                            "which random source did the weights come from?")
    if any(np.array_equal(x, y) for x, y in zip(a, c, strict=True)):
        return Verdict.fail("init_weights: two calls with differently seeded rngs gave the "
                            "same weights.",
                            "The weights do not depend on the rng you were given.",
                            "Section 5: every random number comes from the `rng` argument.")
    spreads = [(float(np.std(x)), float(np.std(y))) for x, y in zip(a, c, strict=True)]
    if all(np.size(x) >= 100 for x in a) and all(
            abs(first / second - 1) < 1e-9 for first, second in spreads if second > 0):
        return Verdict.fail(
            "init_weights: two differently seeded rngs gave weights of exactly the same "
            f"standard deviation, layer by layer ({spreads[0][0]:.12f} both for the first): "
            "independent draws scatter around the scheme's spread, a little differently for "
            "every seed.",
            "The draws were adjusted after drawing (rescaled to the exact spread): each weight "
            "must be an independent draw, with no step that uses the others.",
            "Section 5: draw each layer's weights with rng at the scheme's scale, and use "
            "them as drawn.")
    if np.array_equal(a[0], a[1]):
        return Verdict.fail("init_weights: both layers got the same matrix: draw each layer "
                            "separately.",
                            "Both layers hold identical entries: one draw serves every layer.",
                            "Section 5: every layer gets random numbers of its own from the "
                            "one rng; print a corner of each matrix.")
    if list(seen["dims_after"]) != REPEAT_DIMS:
        return Verdict.fail("init_weights modified its dims argument.",
                            "After the call the dims list you were given has changed: the "
                            "function wrote into it (append, pop, item assignment).",
                            "Print dims before and after one call of your function; read the "
                            "caller's list, never change it.")
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
        seed = given["seed"]
        seen["repeat"] = drive(repeat_plan(init_weights, ([seed, 1], [seed, 1], [seed, 2])))
        return seen

    def judge(self, seen, **args):
        dims, label = self.inputs(**args)["dims"], "init_weights"
        shapes = list(zip(dims[:-1], dims[1:]))
        for scheme in INIT_SCHEMES:
            weights = seen[scheme]
            if not isinstance(weights, list) or len(weights) != len(shapes):
                return Verdict.fail(f"{label}(dims={dims}, {scheme!r}) returned "
                                    f"{describe(weights)}; expected a list of {len(shapes)} "
                                    "weight matrices.", *INIT_RETURN_HINTS)
            got_shapes = [tuple(np.shape(W)) for W in weights]
            if got_shapes != shapes:
                return Verdict.fail(f"{label}(dims={dims}, {scheme!r}) gave shapes "
                                    f"{got_shapes}, expected {shapes}.",
                                    "Weight i maps layer i to layer i+1: shape (dims[i], "
                                    "dims[i+1]).",
                                    "Section 0: the network computes X @ W1: which shape of "
                                    "W1 does that product need?")
            verdict = first_failure(*[judge_init_layer(scheme, W, fan_in, fan_out, label)
                                      for (fan_in, fan_out), W in zip(shapes, weights,
                                                                      strict=True)])
            if not verdict.passed:
                return verdict
        if seen["unknown"] != "ValueError":
            return Verdict.fail(f"{label}(dims, 'kaiming_uniform') should raise ValueError for "
                                f"an unknown scheme; it {seen['unknown']}.",
                                "A scheme name it does not know gave weights anyway (or "
                                "another error): a misspelt scheme would go unnoticed.",
                                "The docstring's contract: what init_weights does with a "
                                "scheme outside its list.")
        return judge_repeatable(seen["repeat"])


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
                        hints=("The penalty's value is wrong (before any gradient): work it "
                               "out by hand for one small weight matrix and compare.",
                               "Section 1b: the penalty as the lesson defines it, and which "
                               "parameters it covers (keys starting with 'W' only)."))]
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
            g_hints = [f"{key!r} is not a weight matrix, yet its gradient is not all zeros.",
                       "The penalty does not depend on this parameter at all."]
        verdicts.append(compare(f"{label}: grads[{key!r}]", g, want, hints=tuple(g_hints)))
        verdicts.append(compare_derived(f"{label}: grads[{key!r}]", g, want,
                                        size=np.abs(want), hints=DERIVED_HINTS))
    verdicts.append(unchanged(label, params, seen["after"],
                              "Do not modify the arrays of params in place."))
    return first_failure(*verdicts)


@register
class L1PenaltyValues(CaseCheck):
    """l1_penalty: lam * sum |W| over weight matrices only, subgradient 0 at 0."""

    name = "l1_penalty_values"

    expected_hidden = True
    rules = DERIVED
    defaults = {"lam": 0.1, "seed": 0}

    def inputs(self, lam, seed, **_):
        return {"main": (l1_params(seed), lam, f"l1_penalty(params, lam={lam})"),
                "wide": (wide_params({"W1": (4, 5), "b1": (5,), "W2": (6, 3)}, seed), lam,
                         f"l1_penalty(params with weights of sizes 1e-6 to 1e6, lam={lam})")}

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

    expected_hidden = True
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
    hints = ["out is wrong: check one row by hand; before gamma and beta, each normalised "
             "row has mean 0 and (biased) variance 1 over its features.",
             "Section 3b: batch norm's statistics turned by 90 degrees, over the features of "
             "a row (axis 1), eps where batch norm puts it."]
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
        return Verdict.fail(f"{label} should return (dX, dgamma, dbeta), got {describe(grads)}.",
                            *BACKWARD_RETURN_HINTS)
    dX = np.asarray(grads[0], dtype=np.float64)
    dx_hints = ["dX is off while dgamma and dbeta pass: X reaches the output along more "
                "paths than the one through each entry's own normalisation, and some "
                "are missing or wrong.",
                "Take the batch-norm graph of section 3 and turn it by 90 degrees: the mean and "
                "variance nodes collect over the features of a row (axis 1)."]
    if dX.shape == X.shape and np.allclose(
            dX, dout * gamma / torch_row_scale(X, eps)):
        dx_hints[0] = ("Your dX is only the direct path: it treats each row's mean and "
                       "variance as constants, but they depend on the row.")
    elif dX.shape == X.shape and np.allclose(dX, torch_gradient(
            lambda Z: (F.layer_norm(Z, (D,), None, None, eps=eps) * upstream).sum(), X)[0]):
        dx_hints[0] = ("Your dX is the gradient of the normalisation alone, as if gamma were "
                       "1: the upstream gradient reaches the normalised entries through the "
                       "scale gamma first.")
    sum_hint = ("dgamma or dbeta is off (one entry per feature, shape (D,)).",
                "gamma and beta are shared by every row of the batch: like a node used twice "
                "in notebook 04, what does their gradient collect?")
    return first_failure(
        gradient_check(f"{label}: dbeta", grads[2], numeric[2], oracle=oracle[2], n=N,
                       hints=sum_hint),
        gradient_check(f"{label}: dgamma", grads[1], numeric[1], oracle=oracle[1], n=N,
                       hints=(sum_hint[0], "dgamma needs the normalised input of every row, "
                              "and " + sum_hint[1][0].lower() + sum_hint[1][1:])),
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
                hints=("out is wrong: compare it, term by term, with the block the "
                       "exercise's docstring defines.",
                       "Section 6: a residual block is two paths from X, the identity and "
                       "the branch; which one carries the relu?")),
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
        return Verdict.fail(f"{label} should return (dX, dW, db), got {describe(grads)}.",
                            *BACKWARD_RETURN_HINTS)
    at_zero = ("The pre-activation is exactly 0 for some entries here; relu'(0) = 0, so no "
               "gradient passes there.")
    return first_failure(
        compare(f"{label}: db", grads[2], oracle[2],
                hints=("db is off (one entry per unit of the branch, shape (D,)).",
                       "b is added to every row of the batch, like a node used several times "
                       "in notebook 04: what does its gradient collect? " + at_zero)),
        compare(f"{label}: dW", grads[1], oracle[1],
                hints=("dW is off (shape (D, D)); it only comes from the branch.",
                       "Notebook 04's linear layer backward applies to the branch's X @ W + b; "
                       + at_zero)),
        compare(f"{label}: dX", grads[0], oracle[0],
                mistakes={"dX misses the identity path (out contains X itself)":
                          torch_gradient(lambda x: (torch.relu(x @ w + c) * upstream).sum(),
                                         X)[0],
                          "the branch's gradient ignores the relu: it passes only where the "
                          "pre-activation is positive":
                          torch_gradient(lambda x: ((x + x @ w + c) * upstream).sum(), X)[0]},
                hints=("X reaches out along two paths, the identity and the branch: dX is the "
                       "sum of what comes back along both.", at_zero + " W is square here, so "
                       "shapes cannot tell W from its transpose: check the orientation of each "
                       "product on paper with a non-square W.")),
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
    """A plan (:func:`nncourse.checking.drive`) of one call on the case's data (X_train as
    built, possibly non-contiguous; fresh copies of the others); returns the result and the
    data as the call left it."""
    X_train, y_train, X_val, y_val = case
    given = [X_train, y_train.copy(), X_val.copy(), y_val.copy()]
    params, history, best = yield train_regularized, given, kwargs
    return {"params": params, "history": history, "best": best,
            "after": dict(zip(DATA_NAMES, given, strict=True))}


def require_collaborators(train_regularized):
    require_written(train_regularized, *[student_original(train_regularized, name)
                                         for name in TRAIN_COLLABORATORS])


def one_step_probe(train_regularized, case, lam, lr, seed, hidden):
    """A plan (:func:`nncourse.checking.drive`): the one-step runs and the mechanics runs."""
    require_collaborators(train_regularized)
    n_train = len(case[0])
    seen = {}
    for bn in (False, True):
        for name, rate in (("start", 0.0), ("step", lr)):
            seen[f"{name}_{int(bn)}"] = yield from _run(
                train_regularized, case, hidden=hidden, lr=rate, batch_size=n_train,
                max_epochs=1, lam=lam, p_drop=0.0, batchnorm=bn, patience=3,
                rng=np.random.default_rng(seed))
    seen["ties"] = yield from _run(train_regularized, case, hidden=hidden, lr=0.0,
                                   batch_size=n_train, max_epochs=6, lam=lam, patience=2,
                                   rng=np.random.default_rng(seed))
    # a second full-batch step starts from non-zero biases (the first starts from the
    # initial ones, often zeros, where a penalty on the biases has no gradient); validation
    # on the training data, so the judge knows which epoch is best
    seen["two_steps"] = yield from _run(
        train_regularized, (*case[:2], case[0].copy(), case[1].copy()), hidden=hidden, lr=lr,
        batch_size=n_train, max_epochs=2, lam=lam, p_drop=0.0, batchnorm=False, patience=3,
        rng=np.random.default_rng(seed))
    seen["rng_none"] = yield from _run(train_regularized, case, hidden=hidden, max_epochs=2,
                                       rng=None)
    seen["rng_zero"] = yield from _run(train_regularized, case, hidden=hidden, max_epochs=2,
                                       rng=np.random.default_rng(0))
    seen.update((yield from mechanics_probe(train_regularized, case, lam, lr, seed, hidden)))
    seen["batches"] = yield from batches_probe(train_regularized, lam, lr, seed, hidden)
    seen.update((yield from through_probe(train_regularized, case, lam, lr, seed, hidden)))
    return seen


def altered_collaborators(train_regularized) -> dict:
    """The student's l2_penalty, batchnorm_forward, batchnorm_backward and dropout_backward,
    each altered by a known amount (its result plus :func:`nudge`): a loop whose step comes
    through them moves by exactly what the judge computes."""
    own = {name: student_original(train_regularized, name) for name in TRAIN_COLLABORATORS}

    def l2_penalty(params, lam):
        penalty, grads = own["l2_penalty"](params, lam)
        return penalty, {k: (np.asarray(v) + nudge(np.shape(v), 1.0)
                             if str(k).startswith("W") else v) for k, v in grads.items()}

    def batchnorm_forward(X, gamma, beta, running_mean, running_var, train, *args, **kwargs):
        out, cache, new_mean, new_var = own["batchnorm_forward"](
            X, gamma, beta, running_mean, running_var, train, *args, **kwargs)
        if train:
            H = np.shape(out)[-1]
            out = np.asarray(out) + nudge((1, H), 2.0)
            new_mean = np.asarray(new_mean) + nudge((H,), 7.0)
            new_var = np.asarray(new_var) + nudge((H,), 8.0)
        return out, cache, new_mean, new_var

    def batchnorm_backward(dout, cache):
        dx, dgamma, dbeta = own["batchnorm_backward"](dout, cache)
        H = np.shape(dx)[-1]
        return (np.asarray(dx) + nudge((1, H), 3.0), np.asarray(dgamma) + nudge((H,), 4.0),
                np.asarray(dbeta) + nudge((H,), 5.0))

    def dropout_backward(dout, mask):
        dx = own["dropout_backward"](dout, mask)
        return np.asarray(dx) + nudge((1, np.shape(dx)[-1]), 6.0)

    return {"l2_penalty": l2_penalty, "batchnorm_forward": batchnorm_forward,
            "batchnorm_backward": batchnorm_backward, "dropout_backward": dropout_backward}


def through_probe(train_regularized, case, lam, lr, seed, hidden):
    """A plan: the full-batch step runs again with one collaborator at a time altered by a
    known amount (its result plus :func:`nudge`): a loop whose result comes through the
    collaborator moves by exactly what the judge computes; one that calls it and computes
    the same thing again itself does not."""
    altered = altered_collaborators(train_regularized)
    seen = {}
    runs = {"through_l2": ({"l2_penalty": altered["l2_penalty"]}, False, 0.0),
            "through_bnf": ({"batchnorm_forward": altered["batchnorm_forward"]}, True, 0.0),
            "through_bnb": ({"batchnorm_backward": altered["batchnorm_backward"]}, True, 0.0),
            "through_dob": ({"dropout_forward": value_dropout,
                             "dropout_backward": altered["dropout_backward"]}, False, 0.5)}
    for key, (swaps, bn, p_drop) in runs.items():
        with swapped(train_regularized, **swaps):
            seen[key] = yield from _run(
                train_regularized, case, hidden=hidden, lr=lr, batch_size=len(case[0]),
                max_epochs=1, lam=lam, p_drop=p_drop, batchnorm=bn, patience=3,
                rng=np.random.default_rng(seed))
    return seen


THROUGH_HINTS = (
    THROUGH_SYMPTOM,
    "The docstring says the result must come through your earlier functions: use what each "
    "returns (the penalty's gradients, batch norm's output and gradients, dropout's backward "
    "gradient) in the step itself, instead of writing their work again in the loop.")


def judge_through(seen, case, lam, lr, hidden, label) -> Verdict:
    """Each altered run's step differs from the faithful run's by exactly what the altered
    collaborator's nudge does to one SGD step (computed here, in numpy or torch)."""
    X = np.asarray(case[0], dtype=np.float64)
    N = len(X)
    for key, bn, base in (("through_l2", False, "step_0"), ("through_bnb", True, "step_1"),
                          ("through_dob", False, "dstep_0"), ("through_bnf", True, None)):
        name = {"through_l2": "l2_penalty", "through_bnb": "batchnorm_backward",
                "through_dob": "dropout_backward", "through_bnf": "batchnorm_forward"}[key]
        run = seen[key]
        verdict = _structure(run, case, bn, hidden, f"{label} ({name} altered)", 1)
        if not verdict.passed:
            return verdict
        got = run["params"]
        H = np.shape(got["W1"])[1]
        options = []
        if base is not None:
            step = {k: np.asarray(v, dtype=np.float64) for k, v in seen[base]["params"].items()}
        if key == "through_l2":
            options.append(dict(step, W1=step["W1"] - lr * nudge(step["W1"].shape, 1.0),
                                W2=step["W2"] - lr * nudge(step["W2"].shape, 1.0)))
        elif key == "through_bnb":
            e = nudge((1, H), 3.0)[0]
            options.append(dict(step, W1=step["W1"] - lr * np.outer(X.sum(axis=0), e),
                                b1=step["b1"] - lr * N * e,
                                gamma=step["gamma"] - lr * nudge((H,), 4.0),
                                beta=step["beta"] - lr * nudge((H,), 5.0)))
        elif key == "through_dob":
            start = {k: np.asarray(v, dtype=np.float64)
                     for k, v in seen["dstart_0"]["params"].items()}
            e = nudge((1, H), 6.0)
            gate = (X @ start["W1"] + start["b1"] > 0).astype(np.float64)
            for extra in (e * gate, np.broadcast_to(e, gate.shape)):  # relu's gate after or
                options.append(dict(step, W1=step["W1"] - lr * X.T @ extra,  # before it
                                    b1=step["b1"] - lr * extra.sum(axis=0)))
        else:
            start = {k: np.asarray(v, dtype=np.float64)
                     for k, v in seen["start_1"]["params"].items()}
            options.append(dict(start, **reference_sgd_step(start, X, case[1], lam, lr, True,
                                                            shift=nudge((1, H), 2.0))))
            # the running statistics are the ones batchnorm_forward returned for the batch
            options[0]["running_mean"] = start["running_mean"] + nudge((H,), 7.0)
            options[0]["running_var"] = start["running_var"] + nudge((H,), 8.0)
        keys = ("W1", "b1", "W2", "b2") + (("gamma", "beta") if bn else ()) \
            + (("running_mean", "running_var") if key == "through_bnf" else ())
        matched = any(all(np.allclose(np.asarray(got[k], dtype=np.float64), want[k],
                                      rtol=1e-6, atol=1e-9) for k in keys) for want in options)
        if not matched:
            wrong = next(k for k in keys if not np.allclose(
                np.asarray(got[k], dtype=np.float64), options[0][k], rtol=1e-6, atol=1e-9))
            return Verdict.fail(
                f"{label}(batchnorm={bn}, batch_size=N, max_epochs=1, lr={lr}, lam={lam}): with "
                f"your {name} changed to return a slightly different result (this test's "
                f"stand-in), params[{wrong!r}] after the step did not change the way a step "
                f"built from {name}'s result does: your loop does not use what {name} returns.",
                *THROUGH_HINTS)
    return Verdict.ok()


BATCHES = {"n_train": 19, "batch_size": 4, "max_epochs": 2}
"""The run with several batches per epoch and lr > 0: 5 batches an epoch (the last of 3)."""
MAX_STATES = 200
STEP_KEYS = ("W1", "b1", "W2", "b2", "gamma", "beta")


def batches_probe(train_regularized, lam, lr, seed, hidden):
    """A plan: one run with batch norm, several batches per epoch and lr > 0, recording (as
    copies, taken as each call is made) the parameters every call of the student's
    l2_penalty was given (the states the steps went through) and the batch every training
    call of batchnorm_forward was given (which rows each step used)."""
    states, batches = [], []

    def state(args, kwargs):
        params = _argument((args, kwargs), 0, "params")
        if isinstance(params, dict) and len(states) < MAX_STATES:
            states.append({k: np.array(params[k], dtype=np.float64, copy=True)
                           for k in STEP_KEYS if k in params})

    def batch(args, kwargs):
        if _argument((args, kwargs), 5, "train") and len(batches) < MAX_STATES:
            batches.append({key: np.array(_argument((args, kwargs), at, key), dtype=np.float64)
                            for at, key in ((0, "X"), (1, "gamma"), (2, "beta"))})

    recorders = {"l2_penalty": Recorder(student_original(train_regularized, "l2_penalty"),
                                        "l2_penalty", before=state),
                 "batchnorm_forward": Recorder(
                     student_original(train_regularized, "batchnorm_forward"),
                     "batchnorm_forward", before=batch)}
    case = training_case(seed + 5, BATCHES["n_train"])
    settings = {"hidden": hidden, "batch_size": BATCHES["batch_size"], "lam": lam,
                "p_drop": 0.0, "batchnorm": True, "patience": 10}
    # the same rng with lr = 0: the initial parameters the replay starts from
    start = yield from _run(train_regularized, case, lr=0.0, max_epochs=1,
                            rng=np.random.default_rng(seed), **settings)
    with swapped(train_regularized, **recorders):
        run = yield from _run(train_regularized, case, lr=lr,
                              max_epochs=BATCHES["max_epochs"],
                              rng=np.random.default_rng(seed), **settings)
    return {"start": start, "run": run, "states": states, "batches": batches}


def _distinct(states) -> list[dict]:
    """The parameter states in order, from what l2_penalty was given: calls with parts of one
    state (one call per weight matrix) are joined, and a state given twice in a row counts
    once; a new state begins when a call gives a parameter another value."""
    kept: list[dict] = []
    current: dict = {}
    for state in states:
        if any(k in current and not np.array_equal(current[k], v) for k, v in state.items()):
            kept.append(current)
            current = {}
        current = {**current, **state}
    if current:
        kept.append(current)
    return kept


def _rows_of(batch, X_train, state) -> list[int] | None:
    """Which rows of X_train the pre-activations ``batch`` (B, H) are, at ``state``'s first
    layer; None if one of them is no row's."""
    every = X_train @ state["W1"] + state["b1"]
    rows = []
    for row in np.atleast_2d(batch):
        if row.shape != every.shape[1:]:
            return None
        distance = np.abs(every - row).max(axis=1)
        best = int(np.argmin(distance))
        if distance[best] > 1e-8 * (1.0 + np.abs(row).max()):
            return None
        rows.append(best)
    return rows


def judge_batches(seen, lam, lr, seed, hidden, label) -> Verdict:
    """Every step of a run with batch norm, several batches per epoch (the last one partial)
    and lr > 0 is one SGD step on its own batch. The judge replays the run from the initial
    parameters (those of a run of one epoch with lr=0 and the same rng, which l2_penalty's
    first state must show), taking each step's rows from what batchnorm_forward was given,
    and compares what the student's code held before each step (what l2_penalty was given,
    W1 and W2 at least; gamma and beta as batchnorm_forward got them) with the replay; the
    first wrong step is named. The returned params are the replay's at the end of the epoch
    with the lowest validation loss (the first, when the second is no lower)."""
    case = training_case(seed + 5, BATCHES["n_train"])
    n, size = BATCHES["n_train"], BATCHES["batch_size"]
    sizes = [min(size, n - start) for start in range(0, n, size)] * BATCHES["max_epochs"]
    name = (f"{label}(batchnorm=True, batch_size={size}, N={n}, "
            f"max_epochs={BATCHES['max_epochs']}, lr={lr}, lam={lam})")
    verdict = _structure(seen["batches"]["run"], case, True, hidden, name,
                         BATCHES["max_epochs"])
    if not verdict.passed:
        return verdict
    states = _distinct(seen["batches"]["states"])
    batches = seen["batches"]["batches"]
    if len(states) < len(sizes) or len(batches) < len(sizes) or any(
            not {"W1", "W2"} <= set(s) for s in states[:len(sizes)]):
        return Verdict.fail(
            f"{name}: l2_penalty was given {len(states)} different parameter states (with W1 "
            f"and W2) and batchnorm_forward {len(batches)} training batches; this run takes "
            f"{len(sizes)} SGD steps, each with its own forward pass and its penalty at the "
            "parameters that step starts from.",
            "The penalty and its gradient belong to every step, every batch of every epoch, "
            "at the parameters that step starts from.",
            "Section 7: count how often your loop calls l2_penalty and batchnorm_forward in a "
            "run of two epochs with several batches, and with which parameters.")
    verdict = _structure(seen["batches"]["start"], case, True, hidden, f"{name[:-1]}, lr=0)",
                         1)
    if not verdict.passed:
        return verdict
    start = seen["batches"]["start"]["params"]
    replay = {k: np.asarray(start[k], dtype=np.float64) for k in STEP_KEYS}
    held = lambda step: {**states[step], "gamma": batches[step]["gamma"],  # noqa: E731
                         "beta": batches[step]["beta"]}
    first = held(0)
    wrong = next((k for k in STEP_KEYS if k in first and not np.allclose(
        np.asarray(first[k], dtype=np.float64), replay[k], rtol=1e-12, atol=0.0)), None)
    if wrong is not None:
        return Verdict.fail(
            f"{name}: before the first step, params[{wrong!r}] was not what the same rng gave "
            "with lr=0: the first step does not start from the initial parameters.",
            "The first step of the run starts from parameters other than the initial ones "
            "(drawn from rng as the run with lr=0 draws them).",
            "Section 7: print W1[0] right after you initialise and again as the first step "
            "begins; nothing may change it in between.")
    per_epoch = len(sizes) // BATCHES["max_epochs"]
    ends = []
    for step in range(len(sizes)):
        epoch, within = divmod(step, per_epoch)
        where = f"step {step + 1} (epoch {epoch}, batch {within + 1})"
        rows = _rows_of(batches[step]["X"], case[0], replay)
        if rows is None or len(rows) != sizes[step]:
            return Verdict.fail(
                f"{name}: {where}: batchnorm_forward (training mode) was not given "
                f"{sizes[step]} rows of X_train times W1 plus b1 at the parameters that step "
                "starts from.",
                "Each step runs the forward pass of its own batch of training rows, at the "
                "parameters the step starts from.",
                "Section 7: print, for each step, the batch's size and the parameters you "
                "pass to batchnorm_forward and to l2_penalty.")
        replay = dict(replay, **{k: v for k, v in reference_sgd_step(
            replay, case[0][rows], case[1][rows], lam, lr, True).items()})
        if within == per_epoch - 1:
            ends.append(replay)
        got = held(step + 1) if step + 1 < len(sizes) else {}
        for key in STEP_KEYS:
            if key not in got:
                continue
            verdict = compare(
                f"{name}: params[{key!r}] after {where}, {len(rows)} rows (as your code held "
                "it at the next step)", got[key], replay[key], rtol=1e-7, atol=1e-10,
                hints=("Every step of the epoch, not only the first, is a full SGD step on "
                       "its own batch: the mean loss over that batch's rows plus the whole "
                       "penalty, scaled by the same lr.",
                       "Section 7: run two epochs with a small batch and print, for each "
                       "step, the batch size, lr and penalty term your loop uses."))
            if not verdict.passed:
                return verdict
    val = [float(v) for v in seen["batches"]["run"]["history"]["val_loss"]]
    return judge_returned(seen["batches"]["run"]["params"], ends, val.index(min(val)),
                          STEP_KEYS, name)


def value_mask(values) -> np.ndarray:
    """The factors :func:`value_dropout` gives ``values``: 0 where floor(97 v) is a multiple
    of 3 (about a third of the units, scattered over rows and columns alike), 2 elsewhere."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(np.floor(97.0 * values) % 3 == 0, 0.0, 2.0)


def value_dropout(X, p, train, rng=None):
    """A stand-in for dropout_forward whose mask the judge can recompute: in training each
    unit is dropped or kept by its own value (whatever p is), so the mask differs from row to
    row and unit to unit however the activations are passed in; reusing one row's mask, or
    one batch's, for other rows shows."""
    if not train:
        return X, None
    mask = value_mask(X)
    return X * mask, mask


def _argument(call, position, name):
    args, kwargs = call
    return args[position] if len(args) > position else kwargs.get(name)


def mechanics_probe(train_regularized, case, lam, lr, seed, hidden, p_drop=0.5, batch=7):
    """A plan of runs that show how the loop uses its pieces (the judge does every
    comparison)."""
    n_train = len(case[0])
    seen = {}
    for bn in (False, True):
        for name, rate in (("dstart", 0.0), ("dstep", lr)):
            with swapped(train_regularized, dropout_forward=value_dropout):
                seen[f"{name}_{int(bn)}"] = yield from _run(
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
        seen["rows_run"] = yield from _run(train_regularized, case, hidden=hidden, lr=0.0,
                                           batch_size=batch, max_epochs=3, lam=0.0,
                                           p_drop=p_drop, batchnorm=True, patience=10,
                                           rng=given)
    calls = recorders["dropout_forward"].calls if "dropout_forward" in recorders else []
    seen["dropout_rng_is_argument"] = [_argument(c, 3, "rng") is given for c in calls
                                       if _argument(c, 2, "train")]
    seen["dropout_shapes"] = [list(np.shape(_argument(c, 0, "X"))) for c in calls
                              if _argument(c, 2, "train")]
    calls = recorders["batchnorm_forward"].calls if "batchnorm_forward" in recorders else []
    seen["bn_train_inputs"] = [np.array(_argument(c, 0, "X"), dtype=np.float64) for c in calls
                               if _argument(c, 5, "train")]
    seen["init_other_seed"] = yield from _run(train_regularized, case, hidden=hidden, lr=0.0,
                                              batch_size=n_train, max_epochs=1, lam=lam,
                                              rng=np.random.default_rng(seed + 1))
    return seen


NON_FINITE_HINTS = (
    "Training produced inf or nan: a loss or gradient overflowed, or something was divided "
    "by zero (a variance, a count).",
    "Print the training loss after every batch of a short run (a few epochs, a small lr) and "
    "find the first batch where it stops being a finite number.")
HISTORY_HINTS = (
    "history is not the docstring's dict of three lists with one entry per epoch run.",
    "Section 7: print each list's length in history after a run of a few epochs; each list "
    "grows by one entry per epoch.")


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
                            "running_mean, running_var.",
                            "Section 7: print sorted(params) of what your function returns "
                            "for a tiny run, with batchnorm off and on.")
    shapes = {"W1": (D, hidden), "b1": (hidden,), "W2": (hidden, C), "b2": (C,),
              "gamma": (hidden,), "beta": (hidden,), "running_mean": (hidden,),
              "running_var": (hidden,)}
    for key in keys:
        if np.shape(params[key]) != shapes[key]:
            return Verdict.fail(f"{label}: params[{key!r}] has shape {np.shape(params[key])}, "
                                f"expected {shapes[key]}.",
                                "A returned parameter's shape is not the docstring's: D "
                                "features in, H hidden units, C classes out.",
                                "Section 7: print the shape of every returned parameter for a "
                                "tiny run and compare with the docstring's Returns line.")
        if not np.all(np.isfinite(np.asarray(params[key], dtype=np.float64))):
            return Verdict.fail(f"{label}: params[{key!r}] has non-finite entries.",
                                *NON_FINITE_HINTS)
    if not isinstance(history, dict) or not {"train_loss", "val_loss", "val_acc"} <= set(history):
        return Verdict.fail(f"{label}: history should be a dict with lists train_loss, val_loss "
                            f"and val_acc; got {describe(history)}.", *HISTORY_HINTS)
    lengths = {len(history[k]) for k in ("train_loss", "val_loss", "val_acc")}
    if len(lengths) != 1 or not 1 <= lengths.pop() <= max_epochs:
        return Verdict.fail(f"{label}: history's lists should have one entry per epoch run "
                            f"(between 1 and max_epochs = {max_epochs}); they have lengths "
                            f"{[len(history[k]) for k in ('train_loss', 'val_loss', 'val_acc')]}.",
                            *HISTORY_HINTS)
    for key in ("train_loss", "val_loss", "val_acc"):
        if not np.all(np.isfinite(np.asarray(history[key], dtype=np.float64))):
            return Verdict.fail(f"{label}: history[{key!r}] has non-finite entries.",
                                *NON_FINITE_HINTS)
    return unchanged(label, dict(zip(DATA_NAMES, case, strict=True)), run["after"],
                     "Do not modify the data in place (shuffle indices, not the arrays).")


def reference_sgd_step(params, X, y, lam, lr, bn, eps=1e-5, keep=None,
                       penalised=("W1", "W2"), kink_passes=False, shift=None, extra=None):
    """One full-batch SGD step on cross-entropy + lam * sum ||W||^2, by torch autograd
    (``penalised``: the parameters in the penalty, the weight matrices; a judge names the
    mistake of penalising more; ``kink_passes``: relu'(0) = 1, the mistake the all-zero rows
    of the one-step case show; ``extra``: a function of the parameters' and the layers'
    tensors, ``linear`` the first layer's output, ``normalised`` batch norm's, ``relu`` the
    relu's, added to the loss: a linear term adds a known amount to one gradient)."""
    import torch
    import torch.nn.functional as F

    names = ["W1", "b1", "W2", "b2"] + (["gamma", "beta"] if bn else [])
    t = {k: torch.tensor(np.asarray(params[k], dtype=np.float64), requires_grad=True)
         for k in names}
    linear = pre = torch.as_tensor(np.ascontiguousarray(X)) @ t["W1"] + t["b1"]
    if bn:
        pre = F.batch_norm(pre, None, None, t["gamma"], t["beta"], training=True, eps=eps)
        if shift is not None:  # a batch norm that adds a constant row to its output
            pre = pre + torch.as_tensor(shift)
    relu = hidden_out = torch.where(pre >= 0, pre, 0.0) if kink_passes else torch.relu(pre)
    if keep is not None:  # the mask is a function of the activations it is applied to
        hidden_out = hidden_out * torch.as_tensor(keep(hidden_out.detach().numpy()))
    scores = hidden_out @ t["W2"] + t["b2"]
    loss = F.cross_entropy(scores, torch.as_tensor(y)) \
        + lam * sum((t[k] ** 2).sum() for k in penalised)
    if extra is not None:
        loss = loss + extra(dict(t, linear=linear, normalised=pre, relu=relu))
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
              "b1": "b1 is off: it is not penalised, and it is shared by every row of the "
                    "batch (like a node used several times in notebook 04).",
              "b2": "b2 is off: it is not penalised, and it is shared by every row of the "
                    "batch (like a node used several times in notebook 04).",
              "gamma": "gamma's gradient comes from your batchnorm_backward (not penalised).",
              "beta": "beta's gradient comes from your batchnorm_backward (not penalised)."}
COLUMN_DROPOUT_HINT = ("For this test dropout_forward was replaced by one that drops about a "
                       "third of the hidden units (different units in every row): your step "
                       "is not one SGD step through that stand-in's mask, so the mask that "
                       "shaped the forward output is not the one the backward used, or not "
                       "every row of the batch's hidden layer went through it.")


STEP_IDEA = ("Losses and gradients are means over the batch, as in notebook 05; one step "
             "is your sgd_step of notebook 05 with those gradients. Check one step on a batch of "
             "one row by hand: print a parameter before and after, next to the gradient you "
             "expect for it.")
DROPOUT_STEP_IDEA = ("Section 2: the forward pass draws the mask once; the backward pass "
                     "must see the very mask that shaped the forward's output.")


def step_symptom(step: dict, want: dict, key: str) -> str:
    """The first hint of a wrong step: the parameter's own (STEP_HINTS) when the other
    parameters are right, what every parameter shows when all of them are off."""
    wrong = []
    for name, value in want.items():
        try:
            off = not np.allclose(np.asarray(step[name], dtype=np.float64), value, rtol=1e-6,
                                  atol=1e-9)
        except (KeyError, TypeError, ValueError):
            off = True
        wrong.append(off)
    if all(wrong):
        return ("Every parameter's step is off, not one alone: the loss this step descends "
                "is not the mean loss of (X_train, y_train) with the penalty (other data "
                "in the batch, or another scale?).")
    return STEP_HINTS[key]


def judge_steps(seen, case, lam, lr, hidden, label, dropout=False) -> Verdict:
    """The runs of one full-batch epoch from the same rng with lr=0 (the start) and with lr
    (the step), without and with batch norm: the step is one SGD step from the start (with
    ``dropout``: through the column stand-in's mask)."""
    X_train, y_train = case[:2]
    prefix, keep = ("d", value_mask) if dropout else ("", None)
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
                     reference_sgd_step(start, X_train, y_train, 0.0, lr, bn),
                     "that is the step with relu'(0) = 1: X_train has a row of zeros, whose "
                     "pre-activations are exactly 0 (zero initial biases), and your backward "
                     "pass let the gradient through them; the course's convention is "
                     "relu'(0) = 0":
                     reference_sgd_step(start, X_train, y_train, lam, lr, bn,
                                        kink_passes=True)})
        wanted = reference_sgd_step(start, X_train, y_train, lam, lr, bn, keep=keep)
        for key, want in wanted.items():
            verdict = compare(
                f"{name}: params[{key!r}] after one SGD step with lr={lr} "
                + ("(dropout through a stand-in mask)" if dropout else
                   "(the same rng with lr=0 gave the starting point)"), step[key], want,
                rtol=1e-6, atol=1e-9, mistakes={cause: wrong[key] for cause, wrong in
                                                mistakes.items()},
                hints=(COLUMN_DROPOUT_HINT, DROPOUT_STEP_IDEA) if dropout else (
                    step_symptom(step, wanted, key),
                    STEP_IDEA))
            if not verdict.passed:
                return verdict
    return Verdict.ok()


def judge_two_steps(seen, case, lam, lr, hidden, label) -> Verdict:
    """Two full-batch epochs validated on the training data: the returned parameters are
    those of the epoch with the lower loss, each epoch one SGD step that penalises W1 and W2
    only (the second step starts from non-zero biases)."""
    X_train, y_train = case[:2]
    name = (f"{label}(X_val=X_train, batch_size=N, max_epochs=2, lam={lam}, lr={lr}, "
            "p_drop=0)")
    run = seen["two_steps"]
    verdict = _structure(run, (*case[:2], X_train, y_train), False, hidden, name, 2)
    if not verdict.passed:
        return verdict
    start = seen["start_0"]["params"]
    steps, wrong = [start], [start]
    for _ in range(2):
        steps.append(reference_sgd_step(steps[-1], X_train, y_train, lam, lr, False))
        wrong.append(reference_sgd_step(wrong[-1], X_train, y_train, lam, lr, False,
                                        penalised=("W1", "b1", "W2", "b2")))
    losses = [cross_entropy(eval_scores(p, X_train, False), y_train) for p in steps[1:]]
    best = 1 if losses[1] < losses[0] else 0
    for key in ("W1", "b1", "W2", "b2"):
        verdict = compare(
            f"{name}: params[{key!r}] of the best epoch ({best}: "
            f"{'two SGD steps' if best else 'one SGD step'} from the start)",
            run["params"][key], steps[best + 1][key], rtol=1e-6, atol=1e-9,
            mistakes={"the biases were penalised too: the L2 penalty is on W1 and W2 only":
                      wrong[best + 1][key]},
            hints=(STEP_HINTS[key], STEP_IDEA))
        if not verdict.passed:
            return verdict
    return Verdict.ok()


def judge_one_step(seen, case, lam, lr, hidden, label, seed) -> Verdict:
    verdict = judge_steps(seen, case, lam, lr, hidden, label)
    if verdict.passed:  # the start is known good before the second step is judged from it
        verdict = judge_two_steps(seen, case, lam, lr, hidden, label)
    if not verdict.passed:
        return verdict
    start, step = seen["start_1"]["params"], seen["step_1"]["params"]
    for key in ("running_mean", "running_var"):
        verdict = compare(
            f"{label}(batchnorm=True, batch_size=N, max_epochs=1, lam={lam}): params[{key!r}] "
            f"with lr=0 and with lr={lr}", step[key], start[key], rtol=1e-9, atol=1e-12,
            hints=("Both runs see the same single batch at the same starting point, so their "
                   "running statistics must agree: do they depend on lr?",
                   "Section 3: the running statistics follow the batches the forward pass "
                   "sees, not the parameters' step."))
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
                            ("best_epoch moved although no epoch was lower than the first: "
                             "an epoch that only ties the best so far was counted as an "
                             "improvement." if ties["best"] is None or int(ties["best"]) != 0
                             else f"best_epoch is right, but it ran {epochs_run} epochs: "
                             "count again how many epochs without improvement your loop "
                             "waits before it stops."),
                            STOP_IDEA)
    verdict = judge_mechanics(seen, case, lam, lr, hidden, label)
    if not verdict.passed:
        return verdict
    verdict = judge_batches(seen, lam, lr, seed, hidden, label)
    if not verdict.passed:
        return verdict
    verdict = judge_through(seen, case, lam, lr, hidden, label)
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
                            "from that generator.",
                            "One generator, made once, drives every random choice of the run, "
                            "so two runs with the same seed agree.")
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
                              "batchnorm_forward (default momentum); keep what it returns.",
                              "Section 3: the running statistics are the forward pass's memory"
                              " across batches: what happens to what batchnorm_forward returns"
                              " for them?"))
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
                            "Your initial weights do not depend on the rng you were given: "
                            "they come from np.random or a generator with its own seed.",
                            "All randomness of a run comes from the one rng argument; print "
                            "W1's first entries for two seeds, with lr=0.")
    if not all(seen["dropout_rng_is_argument"]) or not seen["dropout_rng_is_argument"]:
        return Verdict.fail(f"{label}(p_drop={p_drop}): dropout_forward was "
                            + ("never called in training mode." if not
                               seen["dropout_rng_is_argument"] else
                               "given a generator other than the rng argument."),
                            "The dropout masks do not come from the run's rng (or dropout "
                            "never runs in training): they follow some other generator.",
                            "The docstring of train_regularized: which generator does "
                            "dropout_forward get, and when is it called? Print the generator "
                            "each of its calls receives.")
    run = seen["rows_run"]
    name = (f"{label}(batchnorm=True, lr=0, batch_size={batch}, max_epochs=3, patience=10, "
            f"N={N})")
    verdict = _structure(run, case, True, hidden, name, 3)
    if not verdict.passed:
        return verdict
    shapes = seen.get("dropout_shapes") or []
    epochs = len(run["history"]["val_loss"])
    rows = sum(s[0] for s in shapes if len(s) == 2 and s[1] == hidden)
    if rows != epochs * N or any(len(s) != 2 or s[1] != hidden for s in shapes):
        return Verdict.fail(f"{name}, p_drop={p_drop}: dropout_forward (train=True) was given "
                            f"inputs of shapes {[tuple(s) for s in shapes][:8]}..., "
                            f"{rows} rows in {epochs} epochs; expected every training batch's "
                            f"hidden activations, all its rows: {epochs} x {N} rows.",
                            "Call dropout_forward on each batch's whole hidden layer at every "
                            "step: one mask row per example, a new mask for every batch.",
                            "Section 2: dropout acts while training only; evaluation (the "
                            "history's losses) sees the whole network.")
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
                            "training set; batch norm normalises its first layer's output.",
                            "Section 3: in training mode batch norm sees the training batches;"
                            " evaluation uses the running statistics instead.")
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
                            "replacement.",
                            "Section 1 of notebook 05: one epoch visits every example once, "
                            "the leftover batch included.")
    orders = [order[e * N:(e + 1) * N] for e in range(epochs)]
    if any(sorted(o) != list(range(N)) for o in orders):
        return Verdict.fail(f"{name}: an epoch did not use every training row exactly once.",
                            "Shuffle the indices of the training set once per epoch and cut "
                            "them into consecutive batches.",
                            "Section 1 of notebook 05: one epoch visits every example once, in"
                            " a new random order.")
    if not orders_may_coincide(N) and len({tuple(o) for o in orders}) != len(orders):
        return Verdict.fail(f"{name}: two epochs used the rows in the same order.",
                            "Draw a fresh shuffle from rng at the start of every epoch.",
                            "Section 1 of notebook 05: the order of the examples is drawn anew"
                            " for each epoch, from the one rng.")
    return Verdict.ok()


def with_zero_rows(case):
    """The case with one training row of zeros: with zero initial biases its hidden
    pre-activations are exactly 0, where relu'(0) = 0 decides the step (without batch norm).
    One row only: the judge finds each batch row in X_train by its values."""
    case[0][len(case[0]) // 2] = 0.0  # in place: a strided view stays strided
    return case


@register
class TrainRegularizedOneStep(CaseCheck):
    """train_regularized: one full-batch epoch is one SGD step (L2, dropout, batch norm)."""

    name = "train_regularized_one_step"
    rules = TRAIN_RULES
    defaults = {"seed": 0, "lam": 0.05, "lr": 0.5, "hidden": 6}

    def inputs(self, seed, lam, lr, hidden, **_):
        return {"main": (with_zero_rows(training_case(seed)), lam, lr, seed + 1, hidden,
                         "train_regularized")}

    def probe_case(self, train_regularized, case, lam, lr, seed, hidden):
        with swapped_collaborators(train_regularized):
            return drive(one_step_probe(train_regularized, case, lam, lr, seed, hidden))

    def judge_case(self, seen, case, lam, lr, seed, hidden, label):
        return judge_one_step(seen, case, lam, lr, hidden, label, seed)


def swapped_collaborators(train_regularized):
    """Record the student's own collaborators while train_regularized runs (numpy only)."""
    present = {name: student_original(train_regularized, name) for name in TRAIN_COLLABORATORS}
    return swapped(train_regularized, **{k: v for k, v in present.items() if callable(v)})


def swinging_case():
    """Inputs that are all zero (12 training rows, labels 8 : 1 : 3; 12 validation rows,
    3 : 6 : 3): with zero initial biases the hidden layer outputs zeros, so only b2 learns,
    and full-batch steps with lr 10 overshoot: the validation loss swings down and up in a
    way every run with zero initial biases shares. Patience 2: epoch 3 improves exactly when
    the patience of the best epoch 1 runs out, epoch 5 does not improve, epoch 6 improves,
    the stop comes at epoch 8 (best 6)."""
    y_train = np.array([0, 2, 0, 0, 1, 0, 2, 0, 0, 2, 0, 0])
    y_val = np.array([1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 2, 1])
    return np.zeros((12, 3)), y_train, np.zeros((12, 3)), y_val


SWING_SETTINGS = {"hidden": 4, "lr": 10.0, "batch_size": 12, "max_epochs": 20, "lam": 0.0,
                  "p_drop": 0.0, "batchnorm": False, "patience": 2}


SWING_CUTS = ((2, 2), (3, 2), (6, 2), (8, 2), (9, 3))
"""(max_epochs, patience) of the swinging runs cut short: with zero initial biases they end
at max_epochs 0, 1, 1, 1 and 2 epochs after their best epoch (the full run stops by
patience 2 epochs after it)."""
RECORDED_MAX = 2000


def plain_settings(settings, case) -> dict:
    """The main settings without regularisation, one batch per epoch: a run the judge
    replays step by step without seeing its batches."""
    return dict(settings, p_drop=0.0, batchnorm=False, lam=0.0, batch_size=len(case[0]))


def _array_copy(value):
    try:
        return np.array(value, dtype=np.float64, copy=True)
    except (TypeError, ValueError):
        return None


def recorded_run(train_regularized, case, seed, settings, nudged=False):
    """A plan: one run of ``settings`` with the student's collaborators recorded (copies,
    taken as each call is made): the parameters every l2_penalty call was given
    (``states``), the arguments of every training call of batchnorm_forward (``bn``) and the
    running statistics it returned (``bn_out``), the mask every training call of
    dropout_forward returned with the number of training batch-norm calls before it
    (``masks``), and how often each collaborator was called. ``nudged``: l2_penalty,
    batchnorm_forward and batchnorm_backward altered by :func:`altered_collaborators`."""
    behaviours = {name: student_original(train_regularized, name)
                  for name in TRAIN_COLLABORATORS}
    behaviours = {k: v for k, v in behaviours.items() if callable(v)}
    if nudged:
        altered = altered_collaborators(train_regularized)
        behaviours.update(altered)
    notes: dict = {"states": [], "bn": [], "bn_out": [], "masks": []}
    training = {}

    def state(args, kwargs):
        params = _argument((args, kwargs), 0, "params")
        if isinstance(params, dict) and len(notes["states"]) < RECORDED_MAX:
            notes["states"].append({k: _array_copy(params[k]) for k in STEP_KEYS
                                    if k in params})

    def bn_in(args, kwargs):
        training["bn"] = bool(_argument((args, kwargs), 5, "train"))
        if training["bn"] and len(notes["bn"]) < RECORDED_MAX:
            notes["bn"].append({key: _array_copy(_argument((args, kwargs), at, key))
                                for at, key in enumerate(BN_ARGUMENTS)})

    def bn_out(result):
        if training.get("bn") and len(notes["bn_out"]) < RECORDED_MAX:
            held = isinstance(result, tuple) and len(result) == 4
            notes["bn_out"].append({"running_mean": _array_copy(result[2]) if held else None,
                                    "running_var": _array_copy(result[3]) if held else None})

    def drop_in(args, kwargs):
        training["drop"] = bool(_argument((args, kwargs), 2, "train"))

    def drop_out(result):
        if training.get("drop") and len(notes["masks"]) < RECORDED_MAX:
            mask = result[1] if isinstance(result, tuple) and len(result) == 2 else None
            notes["masks"].append((len(notes["bn"]) - 1,
                                   None if mask is None else _array_copy(mask)))

    hooks = {"l2_penalty": (state, None), "batchnorm_forward": (bn_in, bn_out),
             "dropout_forward": (drop_in, drop_out)}
    recorders = {name: Recorder(function, name, *hooks.get(name, (None, None)))
                 for name, function in behaviours.items()}
    with swapped(train_regularized, **recorders):
        run = yield from _run(train_regularized, case, rng=np.random.default_rng(seed),
                              **settings)
    return dict(run, calls={name: r.count for name, r in recorders.items()}, **notes)


BN_ARGUMENTS = ("X", "gamma", "beta", "running_mean", "running_var")


def stopping_probe(train_regularized, case, other_val, seed, settings):
    """A plan (:func:`nncourse.checking.drive`): the early-stopping runs, each with the run
    of one epoch with lr=0 and the same rng that shows its initial parameters; the main run
    recorded (:func:`recorded_run`), once faithfully and once, two epochs long, with its
    collaborators altered; the swinging run also cut short at several max_epochs."""
    require_collaborators(train_regularized)
    seen = {}
    rng = lambda: np.random.default_rng(seed)  # noqa: E731
    seen["swings"] = yield from _run(train_regularized, swinging_case(), rng=rng(),
                                     **SWING_SETTINGS)
    seen["swings_start"] = yield from _run(train_regularized, swinging_case(), rng=rng(),
                                           **dict(SWING_SETTINGS, lr=0.0, max_epochs=1))
    seen["swings_cut"] = []
    for max_epochs, patience in SWING_CUTS:
        seen["swings_cut"].append((yield from _run(
            train_regularized, swinging_case(), rng=rng(),
            **dict(SWING_SETTINGS, max_epochs=max_epochs, patience=patience))))
    seen["start"] = yield from _run(train_regularized, case, rng=rng(),
                                    **dict(settings, lr=0.0, max_epochs=1))
    seen["main"] = yield from recorded_run(train_regularized, case, seed, settings)
    seen["calls"] = seen["main"]["calls"]
    seen["nudged"] = yield from recorded_run(train_regularized, case, seed,
                                             dict(settings, max_epochs=2), nudged=True)
    seen["again"] = yield from _run(train_regularized, case, rng=rng(), **settings)
    seen["other_seed"] = yield from _run(train_regularized, case,
                                         rng=np.random.default_rng(seed + 1), **settings)
    seen["other_val"] = yield from _run(train_regularized, (case[0], case[1], *other_val),
                                        rng=rng(), **settings)
    plain = plain_settings(settings, case)
    seen["plain"] = yield from _run(train_regularized, case, rng=rng(), **plain)
    seen["plain_start"] = yield from _run(train_regularized, case, rng=rng(),
                                          **dict(plain, lr=0.0, max_epochs=1))
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
        said = run["best"]
        late = (isinstance(said, (int, np.integer)) and best == last
                and last - int(said) >= patience)
        return Verdict.fail(f"{label}: best_epoch is {run['best']}, but the lowest validation "
                            f"loss of history (first one, strictly lower) is at epoch {best}.",
                            f"Epoch {best} improved on the best loss exactly when patience ran "
                            "out, and the run stopped without keeping it: an epoch that "
                            "improves is recorded as the new best before the patience test."
                            if late else
                            "best_epoch is the epoch whose validation loss is strictly lower "
                            "than every earlier one and not beaten later.", STOP_IDEA)
    # the contract's stop, as a property of the recorded curve: no `patience` epochs in a row
    # before the last one failed to beat every loss before them
    for j in range(last - patience):
        if min(val[j + 1:j + 1 + patience]) >= min(val[:j + 1]):
            return Verdict.fail(f"{label}: training ran {len(val)} epochs, but the validation "
                                f"losses it recorded at epochs {j + 1}..{j + patience} did not "
                                f"improve on the best loss up to epoch {j}: with patience "
                                f"{patience} it should have stopped at epoch {j + patience}.",
                                "It ran on past the point where its patience had run out.",
                                STOP_IDEA)
    if len(val) < max_epochs and last - best < patience:
        before = [k for k in range(1, best) if val[k] >= min(val[:k])]
        return Verdict.fail(f"{label}: training stopped after epoch {last}, only "
                            f"{last - best} epochs after the best epoch {best}, with "
                            f"patience {patience} and max_epochs {max_epochs}.",
                            f"It stopped before its patience had run out. Epochs {before} did "
                            "not improve either, but they came before the best epoch: "
                            "patience counts only the epochs in a row since the best one."
                            if before else "It stopped before its patience had run out.",
                            STOP_IDEA)
    val_scores = eval_scores(params, X_val, bn)
    got_val = cross_entropy(val_scores, y_val)
    got_train = cross_entropy(eval_scores(params, X_train, bn), y_train)
    if not np.isclose(got_val, val[best], rtol=1e-6, atol=1e-9):
        copy_idea = ("Section 4: early stopping hands back the best epoch's network. Parameters "
                     "that training goes on updating change after you saved them unless what "
                     "you saved is their own copy: print the returned params' validation loss "
                     "next to history.")
        others = [k for k, v in enumerate(val)
                  if k != best and np.isclose(got_val, v, rtol=1e-6, atol=1e-9)]
        if others:
            hints = (f"Those are the parameters of "
                     f"{'the last epoch' if others[-1] == len(val) - 1 else f'epoch {others[-1]}'}"
                     f", not of the best epoch {best}.", copy_idea)
        else:
            hints = history_symptom(val[best], params, X_val, y_val, settings, "val_loss") \
                or ("The returned params do not score history's validation loss of their "
                    "epoch: they belong to another epoch.", copy_idea)
        return Verdict.fail(f"{label}: the returned params give validation loss {got_val:.6f} "
                            f"(evaluation mode), but history['val_loss'][{best}] is "
                            f"{val[best]:.6f}.", *hints)
    if not np.isclose(got_train, float(history["train_loss"][best]), rtol=1e-6, atol=1e-9):
        return Verdict.fail(f"{label}: the returned params give training loss {got_train:.6f} "
                            f"(cross-entropy on all of X_train, evaluation mode), but "
                            f"history['train_loss'][{best}] is "
                            f"{float(history['train_loss'][best]):.6f}.",
                            *(history_symptom(float(history["train_loss"][best]), params,
                                              X_train, y_train, settings, "train_loss")
                              or ("train_loss is the cross-entropy on the whole training set "
                                  "after the epoch, without the penalty, with no dropout and "
                                  "batch norm in evaluation mode.",
                                  "Section 7: the history measures the network as evaluation "
                                  "sees it, so the curves of different settings compare.")))
    acc = oracle.accuracy(val_scores, y_val)
    if not np.isclose(acc, float(history["val_acc"][best])):
        return Verdict.fail(f"{label}: the returned params classify {acc:.4f} of X_val "
                            f"correctly, but history['val_acc'][{best}] is "
                            f"{float(history['val_acc'][best]):.4f}.",
                            "history's val_acc at the best epoch is not the accuracy of the "
                            "params you return, measured on X_val in evaluation mode.",
                            "Section 7: compute the accuracy of the returned params on X_val "
                            "yourself and print it next to history['val_acc'][best_epoch].")
    return Verdict.ok()


EVAL_IDEA = ("Section 7: the history measures the network as evaluation sees it (no "
             "dropout, batch norm with the running statistics, no penalty), so the curves of "
             "different settings compare.")


def history_symptom(recorded: float, params, X, y, settings, key: str) -> tuple:
    """The hints naming how history[key] was measured when the returned params do not give
    it in evaluation mode: with the L2 penalty added, with batch norm using the batch's own
    statistics, or (with dropout on) with a random mask; () when none of them explains it."""
    import torch

    bn, lam = settings["batchnorm"], settings["lam"]
    plain = cross_entropy(eval_scores(params, X, bn), y)
    if lam > 0:
        weights = {k: v for k, v in params.items() if k.startswith("W")}
        penalty = torch_value(torch_l2(lam, list(weights)), *weights.values())
        if np.isclose(recorded, plain + penalty, rtol=1e-6, atol=1e-9):
            return (f"history[{key!r}] is the cross-entropy plus the L2 penalty of the "
                    "returned params: the history records the cross-entropy alone, without "
                    "the penalty.", EVAL_IDEA)
    if bn:
        p = {k: torch.as_tensor(np.asarray(v, dtype=np.float64)) for k, v in params.items()}
        pre = torch.as_tensor(np.ascontiguousarray(X, dtype=np.float64)) @ p["W1"] + p["b1"]
        pre = torch.nn.functional.batch_norm(pre, None, None, p["gamma"], p["beta"],
                                             training=True, eps=1e-5)
        scores = (torch.relu(pre) @ p["W2"] + p["b2"]).numpy()
        if np.isclose(recorded, cross_entropy(scores, y), rtol=1e-6, atol=1e-9):
            return (f"history[{key!r}] was measured with batch norm normalising by the "
                    "evaluated set's own mean and variance: evaluation uses the running "
                    "statistics (the ones returned in params).", EVAL_IDEA)
    if settings["p_drop"] > 0:
        return (f"history[{key!r}] is not the loss of the returned params in evaluation mode, "
                "and neither the penalty nor batch statistics explain it: is dropout still "
                "dropping units when the history is measured?", EVAL_IDEA)
    return ()


def judge_stopping(seen, case, other_val, settings, label) -> Verdict:
    main = seen["main"]
    verdict = first_failure(
        judge_run_stopping(main, case, settings, f"{label} with {describe_settings(settings)}"),
        judge_run_stopping(seen["plain"], case, plain_settings(settings, case),
                           f"{label} without regularisation, one batch per epoch"),
        judge_run_stopping(seen["swings"], swinging_case(), SWING_SETTINGS,
                           f"{label} on all-zero inputs (only b2 learns; with lr 10 its "
                           "validation loss swings down and up)"))
    if not verdict.passed:
        return verdict
    needed = ["l2_penalty", "dropout_forward", "dropout_backward", "batchnorm_forward",
              "batchnorm_backward"]
    missing = [name for name in needed if seen["calls"].get(name, 0) == 0]
    if missing:
        return Verdict.fail(f"{label} must be built from your {', '.join(missing)}: with lam > 0, "
                            "p_drop > 0 and batchnorm=True it never called "
                            f"{'it' if len(missing) == 1 else 'them'}.",
                            "The loop never called some of your own functions of this "
                            "notebook: it writes their work again, or skips it.",
                            "The docstring of train_regularized names the functions it is "
                            "built from; put a print in each and run a tiny training.")
    if main["history"] != seen["again"]["history"]:
        return Verdict.fail(f"{label}: two runs with identically seeded rngs gave different "
                            "histories.",
                            "Two runs with the same seed differ: some random number (initial "
                            "weights, shuffles, dropout masks) comes from somewhere other than "
                            "the rng argument.",
                            "Run twice with np.random.default_rng(0) and print both histories: "
                            "everything random comes from that one generator.")
    if main["history"]["train_loss"] == seen["other_seed"]["history"]["train_loss"]:
        return Verdict.fail(f"{label}: runs with rng seeds differing gave the same history: the "
                            "rng argument is not used.",
                            "Changing the seed changes nothing: the run's random choices "
                            "ignore the rng you pass.",
                            "Run with np.random.default_rng(0) and with default_rng(1) and "
                            "compare the histories: initial weights, shuffles and masks all "
                            "follow the seed.")
    a = main["history"]["train_loss"]
    b = seen["other_val"]["history"]["train_loss"]
    common = min(len(a), len(b))
    if not np.allclose(a[:common], b[:common], rtol=1e-10, atol=1e-12):
        return Verdict.fail(f"{label}: changing only the validation data changed the training "
                            "losses: the network was trained on the validation data.",
                            "The training losses depend on X_val, y_val: some step of your "
                            "training (a gradient, a batch) used the validation data.",
                            "The validation set only decides when to stop and which epoch to "
                            "keep; trace where X_val and y_val go in your loop.")
    verdict = judge_recorded(seen, case, settings, label)
    if not verdict.passed:
        return verdict
    verdict = judge_full_batch(seen["plain"], seen["plain_start"], case,
                               plain_settings(settings, case),
                               f"{label} without regularisation, one batch per epoch")
    if not verdict.passed:
        return verdict
    for run, (max_epochs, patience) in zip(seen["swings_cut"], SWING_CUTS, strict=True):
        verdict = judge_full_batch(run, seen["swings_start"], swinging_case(),
                                   dict(SWING_SETTINGS, max_epochs=max_epochs,
                                        patience=patience),
                                   f"{label} on all-zero inputs, max_epochs={max_epochs}, "
                                   f"patience={patience}")
        if not verdict.passed:
            return verdict
    return judge_full_batch(seen["swings"], seen["swings_start"], swinging_case(),
                            SWING_SETTINGS, f"{label} on all-zero inputs")


REPLAY_IDEA = ("Section 7: run two epochs with a small batch and print, for each step, the "
               "batch's rows, the dropout mask and the parameters before and after the step; "
               "each step is one SGD step on its batch alone, built from what your functions "
               "return.")
COPY_IDEA = ("Section 4: early stopping hands back the network of the best epoch. Parameters "
             "that training goes on updating change after you saved them unless what you saved "
             "is their own copy; print the epoch your returned params come from.")


def judge_returned(params, ends, best, keys, name) -> Verdict:
    """The returned params are the replayed parameters at the end of epoch ``best``; when
    they are another epoch's, the hint names it."""
    def same(k):
        return all(np.allclose(np.asarray(params[key], dtype=np.float64), ends[k][key],
                                rtol=1e-6, atol=1e-9) for key in keys)

    if same(best):
        return Verdict.ok()
    wrong = next(key for key in keys if not np.allclose(
        np.asarray(params[key], dtype=np.float64), ends[best][key], rtol=1e-6, atol=1e-9))
    other = next((k for k in range(len(ends) - 1, -1, -1) if k != best and same(k)), None)
    symptom = (f"The returned params are those at the end of "
               f"{'the last epoch' if other == len(ends) - 1 else f'epoch {other}'}, not of "
               f"best_epoch {best}." if other is not None else
               "The returned params are not those of any epoch's end of this very run (the "
               "same rng, the same steps): they belong to no epoch, or the steps themselves "
               "went wrong.")
    return Verdict.fail(f"{name}: params[{wrong!r}] is not the parameter after epoch {best}, the "
                        f"best epoch (of {len(ends)} run), as the judge replays the run's own "
                        "SGD steps from its initial parameters.", symptom, COPY_IDEA)


def judge_full_batch(run, start, case, settings, label) -> Verdict:
    """A run with one batch per epoch, no dropout and no batch norm, whose stopping is right
    (:func:`judge_run_stopping`): the judge replays its epochs (one SGD step each, in
    torch) from its initial parameters (a run of one epoch with lr=0 and the same rng), and
    the returned params are those at the end of best_epoch."""
    verdict = first_failure(judge_run_stopping(run, case, settings, label),
                            _structure(start, case, False, settings["hidden"],
                                       f"{label}, lr=0, max_epochs=1", 1))
    if not verdict.passed:
        return verdict
    X, y = np.asarray(case[0], dtype=np.float64), case[1]
    ends, params = [], {k: np.asarray(v, dtype=np.float64) for k, v in start["params"].items()}
    for _ in run["history"]["val_loss"]:
        params = reference_sgd_step(params, X, y, settings["lam"], settings["lr"], False)
        ends.append(params)
    return judge_returned(run["params"], ends, int(run["best"]), ("W1", "b1", "W2", "b2"),
                          label)


def nudged_terms(t, gate):
    """The loss terms whose gradients are the nudges of :func:`altered_collaborators`:
    l2_penalty's (on W1 and W2), batchnorm_backward's (on the first layer's output, gamma and
    beta) and dropout_backward's, on the relu's output when the relu's gate comes after
    dropout_backward in the loop's backward pass (``gate`` "after"), on batch norm's output
    when it comes before ("before")."""
    import torch

    def term(name, phase):
        return (t[name] * torch.as_tensor(nudge(tuple(t[name].shape[-1:]) if name in
                                                ("linear", "normalised", "relu")
                                                else tuple(t[name].shape), phase))).sum()

    return (term("W1", 1.0) + term("W2", 1.0) + term("linear", 3.0) + term("gamma", 4.0)
            + term("beta", 5.0) + term("relu" if gate == "after" else "normalised", 6.0))


def judge_replay(run, start, case, settings, label, nudged=None):
    """Replay a recorded run (:func:`recorded_run`, batch norm on) step by step from its
    initial parameters, in torch: each step's rows are found from what batchnorm_forward
    was given, its mask is what dropout_forward returned; the parameters the student's code
    held before each step (what l2_penalty and batchnorm_forward were given) must be the
    replay's, the running statistics those batchnorm_forward returned at the step before,
    every epoch a fresh shuffle of all rows. ``nudged``: the run's collaborators were
    altered (:func:`altered_collaborators`), the relu's gate coming "after" or "before"
    dropout_backward in the loop. Returns (verdict, the parameters at the end of every epoch
    run)."""
    X, y = np.asarray(case[0], dtype=np.float64), case[1]
    N, size, H = len(X), settings["batch_size"], settings["hidden"]
    lam, lr, p_drop = settings["lam"], settings["lr"], settings["p_drop"]
    per_epoch = -(-N // size)  # batches of at most batch_size rows (their sizes are free)
    epochs = len(run["history"]["val_loss"])
    steps = per_epoch * epochs
    states = _distinct(run["states"])
    if (min(len(states), len(run["bn"]), len(run["bn_out"])) < steps
            or any(not {"W1", "W2"} <= set(s) for s in states[:steps])):
        return Verdict.fail(
            f"{label}: l2_penalty was given {len(states)} different parameter states (with W1 "
            f"and W2) and batchnorm_forward {len(run['bn'])} training batches; these "
            f"{epochs} epochs take {steps} SGD steps, each with its own forward pass and "
            "its penalty at the parameters that step starts from.",
            "The penalty and its gradient belong to every step, every batch of every epoch, "
            "at the parameters that step starts from.", REPLAY_IDEA), []
    masks: dict = {}
    for index, mask in run["masks"]:
        masks.setdefault(index, []).append(mask)
    replay = {k: np.asarray(start["params"][k], dtype=np.float64) for k in STEP_KEYS}
    running = {"running_mean": np.zeros(H), "running_var": np.ones(H)}
    ends, order = [], []
    hints = (("The step does not follow what your functions returned (this run's "
              "l2_penalty, batchnorm_forward, batchnorm_backward and dropout_backward were "
              "altered by a known, small amount): a value the loop uses was computed again "
              "another way.",
              THROUGH_HINTS[1]) if nudged else
             ("A step of this run is not one SGD step on its own batch: the mean loss over "
              "that batch's rows through the mask dropout_forward returned for it, plus your "
              "l2_penalty's gradient, scaled by lr.", REPLAY_IDEA))
    for step in range(steps):
        epoch, within = divmod(step, per_epoch)
        where = f"{label}: step {step + 1} (epoch {epoch}, batch {within + 1})"
        held = {**states[step], **{k: run["bn"][step][k] for k in BN_ARGUMENTS[1:]}}
        for key, value in held.items():
            verdict = compare(f"{where}: params[{key!r}] as the step began", value,
                              {**replay, **running}[key], rtol=1e-7, atol=1e-10, hints=hints)
            if not verdict.passed:
                return verdict, ends
        rows = _rows_of(run["bn"][step]["X"], X, replay)
        if rows is None or not 0 < len(rows) <= size:
            return Verdict.fail(
                f"{where}: batchnorm_forward (training mode) was not given 1 to {size} rows "
                "of X_train times W1 plus b1 at the parameters that step starts from.",
                "Each step runs the forward pass of its own batch of training rows, at the "
                "parameters the step starts from.", REPLAY_IDEA), ends
        keep = None
        if p_drop > 0:
            got = masks.get(step, [])
            mask = (np.concatenate([np.reshape(m, (-1, H)) for m in got])
                    if got and all(m is not None and np.size(m) % H == 0 for m in got)
                    else None)
            if mask is None or mask.shape != (len(rows), H):
                return Verdict.fail(
                    f"{where}: dropout_forward (train=True) returned masks of shapes "
                    f"{[np.shape(m) for m in got]} for this batch; expected one mask for the "
                    f"batch's whole hidden layer, ({len(rows)}, {H}).",
                    "Call dropout_forward on each batch's whole hidden layer at every step: "
                    "one mask row per example, a new mask for every batch.", REPLAY_IDEA), ends
            keep = lambda _values, mask=mask: mask  # noqa: E731
        replay = dict(replay, **reference_sgd_step(
            replay, X[rows], y[rows], lam, lr, True, keep=keep,
            shift=nudge((1, H), 2.0) if nudged else None,
            extra=None if not nudged else lambda t: nudged_terms(t, nudged)))
        running = dict(run["bn_out"][step])
        order.extend(rows)
        if within == per_epoch - 1:
            ends.append({**replay, **running})
    orders = [order[e * N:(e + 1) * N] for e in range(epochs)]
    if any(sorted(o) != list(range(N)) for o in orders):
        return Verdict.fail(f"{label}: an epoch did not use every training row exactly once.",
                            "Shuffle the indices of the training set once per epoch and cut "
                            "them into consecutive batches.",
                            "Section 1 of notebook 05: one epoch visits every example once, in"
                            " a new random order."), ends
    if len({tuple(o) for o in orders}) != len(orders):
        return Verdict.fail(f"{label}: two epochs used the rows in the same order.",
                            "Draw a fresh shuffle from rng at the start of every epoch.",
                            "Section 1 of notebook 05: the order of the examples is drawn anew"
                            " for each epoch, from the one rng."), ends
    return Verdict.ok(), ends


def judge_recorded(seen, case, settings, label) -> Verdict:
    """The main run (its stopping already judged) replayed: every step, and the returned
    params those at the end of best_epoch; the run with its collaborators altered replayed
    with their alterations."""
    bn, hidden = settings["batchnorm"], settings["hidden"]
    name = f"{label} with {describe_settings(settings)}"
    verdict = _structure(seen["start"], case, bn, hidden, f"{name[:-1]}, lr=0, max_epochs=1)"
                         if name.endswith(")") else f"{name}, lr=0, max_epochs=1", 1)
    if not verdict.passed or not bn:
        return verdict
    verdict, ends = judge_replay(seen["main"], seen["start"], case, settings, name)
    if not verdict.passed:
        return verdict
    main = seen["main"]
    verdict = judge_returned(main["params"], ends, int(main["best"]), sorted(main["params"]),
                             name)
    if not verdict.passed:
        return verdict
    short = dict(settings, max_epochs=2)
    name = (f"{label} with {describe_settings(short)}, its collaborators altered (this "
            "test's stand-ins)")
    verdict = _structure(seen["nudged"], case, bn, hidden, name, 2)
    if not verdict.passed:
        return verdict
    after = judge_replay(seen["nudged"], seen["start"], case, short, name, "after")[0]
    if after.passed:
        return after
    before = judge_replay(seen["nudged"], seen["start"], case, short, name, "before")[0]
    return before if before.passed else after


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
        return drive(stopping_probe(train_regularized, case, other_val, seed, settings))

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
ALT_DX_IDEA = ("The lesson's simplification: substitute your node-by-node bars into one "
               "another on paper and collect terms; then compare your one expression with "
               "your batchnorm_backward on the same cache, column by column, and print where "
               "they differ.")


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
        given = self.inputs(**args)
        held = Held(np.shape(given["case"][0])[1])
        with values_held(batchnorm_backward_alt, held):
            seen = super().probe(batchnorm_forward, batchnorm_backward_alt, **args)
        noting_run(batchnorm_forward, batchnorm_backward_alt, given["case"], given["eps"], held)
        return dict(seen, held=held.rows)

    def judge(self, seen, **args):
        given = self.inputs(**args)
        return first_failure(
            judge_batchnorm_backward(seen, given["case"], given["eps"], given["label"],
                                     dx_idea=ALT_DX_IDEA),
            judge_no_node_bars(seen.get("held", []), given["case"], given["eps"],
                               given["label"]))


MAX_HELD = 2000
"""The most values one probe of the closed form notes (each of at most D entries)."""


class Held:
    """The distinct per-column values a run computed: float arrays of ``width`` entries (any
    shape: (D,), (1, D), (D, 1)), the row of a float array whose rows of ``width`` entries are
    all equal (a row broadcast down the batch), and single floats (one column at a time), also
    as the items of a short list, tuple or dict; at most :data:`MAX_HELD`, each as a flat
    float64 array. Called with a value, notes it (a dunder: the grader's copy of the library
    keeps only the probes and dunders of a class)."""

    def __init__(self, width: int):
        self.width, self.rows, self._keys = width, [], set()

    def __call__(self, value, depth: int = 0) -> None:
        if len(self.rows) >= MAX_HELD:
            return
        if depth == 0 and type(value) in (list, tuple, dict) and len(value) <= 64:
            for item in list(value.values() if type(value) is dict else value):
                self(item, 1)  # the items of a short list, tuple or dict too
            return
        row = per_column(value, self.width)
        if row is not None and (key := row.tobytes()) not in self._keys:
            self._keys.add(key)
            self.rows.append(row)


def per_column(value, width: int):
    """``value``'s entries as a flat float64 array if it holds one value per column (see
    :class:`Held`), else None."""
    if isinstance(value, float | np.floating):
        return np.array([value], dtype=np.float64)
    if not isinstance(value, np.ndarray) or value.dtype.kind != "f" or value.size == 0:
        return None
    if value.size in (1, width):
        return np.array(value, dtype=np.float64).ravel()
    if value.ndim >= 2 and value.shape[-1] == width and value.size <= 64 * width:
        rows = np.array(value, dtype=np.float64).reshape(-1, width)
        if (rows == rows[0]).all():
            return rows[0]
    return None


@contextlib.contextmanager
def values_held(function, held: Held):
    """While the body runs, add to ``held`` every local of a frame of the student's code (a
    function of their notebook's namespace) at each line it runs and when it returns, and what
    it returns, beside any tracer already watching (the derived rule's)."""
    space = getattr(function, "__globals__", None)
    previous = sys.gettrace()

    def watch(frame, event, arg):
        inner = previous(frame, event, arg) if previous is not None else None
        if frame.f_globals is not space:
            return inner
        frame.f_trace_lines = True  # the derived rule's tracer turns line events off

        def local(frame, event, arg):
            nonlocal inner
            if inner is not None:
                inner = inner(frame, event, arg)
            for value in list(frame.f_locals.values()):
                held(value)
            if event == "return":
                held(arg)
            return local

        return local

    sys.settrace(watch)
    try:
        yield
    finally:
        sys.settrace(previous)


def noting_array(held: Held) -> type:
    """An ndarray subclass that, while its ``on`` is set, adds to ``held`` the result of every
    numpy operation (ufunc, reduction, array function) given one of its arrays: the values an
    expression computes on the way, never bound to a name."""

    def plain(value, depth=0):
        if isinstance(value, Noting):
            return value.view(np.ndarray)
        if depth < 3 and type(value) in (tuple, list):
            return type(value)(plain(v, depth + 1) for v in value)
        return value

    def noted(result):
        if Noting.on:
            for value in result if type(result) is tuple else (result,):
                held(value)
        return dressed(result, Noting)

    class Noting(np.ndarray):
        on = False

        def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
            if out is not None:
                kwargs["out"] = plain(out)
            result = noted(getattr(ufunc, method)(*plain(inputs), **kwargs))
            if out is None:
                return result
            return out[0] if len(out) == 1 else out

        def __array_function__(self, func, types, args, kwargs):
            return noted(func(*plain(args), **{k: plain(v) for k, v in kwargs.items()}))

        def dot(self, other, out=None):  # the method skips both protocols
            return np.dot(self, other, out=out)

    return Noting


def dressed(value, kind: type, depth=0):
    """``value`` with its float ndarrays (in a tuple, list or dict) viewed as ``kind``."""
    if type(value) is np.ndarray and value.dtype.kind == "f":
        return value.view(kind)
    if depth < 3 and type(value) in (tuple, list):
        return type(value)(dressed(v, kind, depth + 1) for v in value)
    if depth < 3 and type(value) is dict:
        return {k: dressed(v, kind, depth + 1) for k, v in value.items()}
    return value


def noting_run(forward, backward, case, eps, held: Held) -> None:
    """The forward and the closed form once more, on arrays that note every numpy result of
    the backward (:func:`noting_array`); its results are not judged (the plain run's are), and
    a failure of this run is not a failure of the check (a rule broken is)."""
    Noting = noting_array(held)
    *inputs, dout = (np.array(v, dtype=np.float64).view(Noting) for v in case)
    try:
        cache = forward(*inputs, True, eps=eps)[1]
        Noting.on = True
        backward(dout, dressed(cache, Noting))
    except RuleBroken:
        raise
    except Exception:  # noqa: S110 - the plain run's verdict stands
        pass
    finally:
        Noting.on = False


def torch_node_bars(X, gamma, dout, eps) -> dict:
    """The node-by-node steps' per-column gradients with respect to s = (v + eps)^-1/2 and to
    the variance v, by torch autograd on the lesson's graph (its nodes' gradients retained):
    with the given gamma, and with gamma = 1 (dout in place of dout * gamma, the bar of x_hat)."""
    import torch

    bars = {}
    for given, scale in (("", gamma), (" with dout in place of dout * gamma (the bar of x_hat)",
                                          np.ones_like(gamma))):
        x = torch.tensor(np.asarray(X, dtype=np.float64))
        mu = x.mean(dim=0)
        v = ((x - mu) ** 2).mean(dim=0).requires_grad_(True)
        s = torch.rsqrt(v + eps)
        s.retain_grad()
        out = torch.as_tensor(np.asarray(scale, dtype=np.float64)) * (x - mu) * s
        (out * torch.as_tensor(np.asarray(dout, dtype=np.float64))).sum().backward()
        bars[f"s = (v + eps)^-1/2{given}"] = s.grad.numpy().copy()
        bars[f"the variance v{given}"] = v.grad.numpy().copy()
    return bars


def bar_match(row: np.ndarray, bar: np.ndarray) -> str | None:
    """How ``row`` (a value noted by :class:`Held`) holds ``bar`` at round-off: "the" (equal),
    "a fixed multiple of the" (one factor for every column, with 3 columns or more), "one
    column of the" (a single float equal to one of its entries); None when it does not."""
    scale = float(np.max(np.abs(bar), initial=0.0))
    if scale == 0.0 or not np.all(np.isfinite(row)):
        return None
    if row.size == bar.size:
        if np.allclose(row, bar, rtol=1e-9, atol=1e-9 * scale):
            return "the"
        factor = float(row @ bar) / float(bar @ bar)
        if bar.size >= 3 and factor != 0.0 and np.allclose(
                row, factor * bar, rtol=1e-9, atol=1e-9 * abs(factor) * scale):
            return "a fixed multiple of the"
    if row.size == 1 and np.any((bar != 0) & (np.abs(bar - row[0]) <= 1e-9 * np.abs(bar))):
        return "one column of the"
    return None


def judge_no_node_bars(held, case, eps, label) -> Verdict:
    """The closed form computes no gradient with respect to the variance or to
    s = (v + eps)^-1/2 (the node-by-node steps' intermediate bars, per column), nor a fixed
    multiple of one, in any value it holds or any numpy result on its arrays."""
    X, gamma, *_, dout = case
    bars = torch_node_bars(X, gamma, dout, eps)
    for value in held:
        row = np.asarray(value, dtype=np.float64).ravel()
        for name, bar in bars.items():
            how = bar_match(row, bar)
            if how:
                return Verdict.fail(
                    f"{label}: the results are right, but on the way your code computed {how} "
                    f"gradient with respect to {name}: the exercise is dX from one expression "
                    "in x_hat, dout and the batch sums of dout and dout * x_hat, with no bar "
                    "of s or v on the way.",
                    "The node-by-node steps pass through the bars of s and v (the test looks "
                    "for them under any name, as a temporary inside one expression, or one "
                    "column at a time), and an expression in the centred input x - mu rather "
                    "than x_hat usually does too.",
                    "Section 3 ('The same gradient in one expression'): substitute the bars "
                    "into each other on paper, with x - mu written through x_hat, until only "
                    "x_hat, g, the two per-column sums of the lesson's list and the factors "
                    "remain; then code that expression.")
    return Verdict.ok()
