"""Hidden checks for 06_regularization (instructor only; never in the student's notebook)."""

from __future__ import annotations

import numpy as np
from nncourse.checking import Check, register
from nncourse.checks.nb06 import (
    batchnorm_case,
    dropout_input,
    judge_drop_rate,
    judge_early_stopping,
    judge_l2,
    judge_mask,
    random_params,
    torch_batchnorm,
)
from nncourse.compare import compare, describe
from nncourse.verdict import Verdict, first_failure


@register
class L2PenaltyHiddenKeys(Check):
    """l2_penalty penalises only keys starting with W (not gamma/beta/biases); lam = 0 gives 0."""

    name = "l2_penalty_hidden_keys"
    SHAPES = {"W_hidden": (7, 3), "b_hidden": (3,), "gamma": (3,), "beta": (3,),
              "W_out": (3, 2), "b_out": (2,)}

    def probe(self, l2_penalty):
        params = random_params(self.SHAPES, 41)
        penalty, grads = l2_penalty(params, 1e-3)
        zero_params = random_params(self.SHAPES, 42)
        zero_penalty, zero_grads = l2_penalty(zero_params, 0.0)
        return {"penalty": penalty, "grads": grads, "after": params,
                "zero": {"penalty": zero_penalty, "grads": zero_grads, "after": zero_params}}

    def judge(self, seen):
        return first_failure(
            judge_l2(seen, random_params(self.SHAPES, 41), 1e-3,
                     "l2_penalty(params with gamma/beta, lam=1e-3)"),
            judge_l2(seen["zero"], random_params(self.SHAPES, 42), 0.0,
                     "l2_penalty(params, lam=0.0)"))


@register
class DropoutHiddenPZero(Check):
    """dropout_forward with p = 0 keeps everything unscaled; p = 0.5 on a tall batch drops half."""

    name = "dropout_hidden_p_zero"

    def probe(self, dropout_forward):
        X = dropout_input((50, 40), 9)
        out, mask = dropout_forward(X.copy(), 0.0, True, np.random.default_rng(9))
        tall = dropout_input((4000, 25), 10)
        out_half, mask_half = dropout_forward(tall.copy(), 0.5, True, np.random.default_rng(10))
        return {"out": out, "mask": mask, "out_half": out_half, "mask_half": mask_half}

    def judge(self, seen):
        X = dropout_input((50, 40), 9)
        tall = dropout_input((4000, 25), 10)
        verdict = judge_mask("dropout_forward(X, p=0.0, train=True)", seen["mask"], X,
                             seen["out"], 0.0)
        if verdict.passed:
            verdict = compare("dropout_forward(X, p=0.0, train=True): out", seen["out"], X,
                              hints=("With p = 0 nothing is dropped and the scale is 1.",))
        name = "dropout_forward(X (4000, 25), p=0.5, train=True)"
        return first_failure(verdict,
                             judge_mask(name, seen["mask_half"], tall, seen["out_half"], 0.5),
                             judge_drop_rate(name, seen["mask_half"], 0.5))


@register
class BatchnormHiddenTwoSteps(Check):
    """Running statistics after two training batches (fed back in), then eval on a third."""

    name = "batchnorm_hidden_two_steps"

    def probe(self, batchnorm_forward, momentum=0.8):
        X1, gamma, beta, mean, var, _ = batchnorm_case(10, 4, 50)
        X2 = batchnorm_case(10, 4, 51)[0]
        X3 = batchnorm_case(5, 4, 52)[0]
        _, _, mean, var = batchnorm_forward(X1, gamma, beta, mean, var, True, momentum=momentum)
        _, _, mean, var = batchnorm_forward(X2, gamma, beta, mean, var, True, momentum=momentum)
        out, _, mean3, var3 = batchnorm_forward(X3, gamma, beta, mean, var, False,
                                                momentum=momentum)
        return {"mean": mean, "var": var, "out": out, "mean3": mean3, "var3": var3}

    def judge(self, seen, momentum=0.8):
        X1, gamma, beta, mean, var, _ = batchnorm_case(10, 4, 50)
        X2 = batchnorm_case(10, 4, 51)[0]
        X3 = batchnorm_case(5, 4, 52)[0]
        for X in (X1, X2):
            mean = momentum * mean + (1 - momentum) * X.mean(axis=0)
            var = momentum * var + (1 - momentum) * X.var(axis=0)
        out, _, _ = torch_batchnorm(X3, gamma, beta, mean, var, False, momentum, 1e-5)
        hint = (f"running = momentum * running + (1 - momentum) * batch statistic (biased "
                f"variance), momentum = {momentum}, applied after each training batch.",)
        return first_failure(
            compare("running_mean after two batches", seen["mean"], mean, hints=hint),
            compare("running_var after two batches", seen["var"], var, hints=hint),
            compare("eval-mode output after two batches (vs. torch)", seen["out"], out),
            compare("eval mode's returned running_mean", seen["mean3"], mean, rtol=0, atol=0),
            compare("eval mode's returned running_var", seen["var3"], var, rtol=0, atol=0))


def noisy_validation_curve(seed: int, length: int) -> np.ndarray:
    """A U-shaped validation curve with noise and a few exact ties."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, length)
    curve = 1.0 / (1 + 8 * t) + 0.6 * t ** 2 + rng.normal(scale=0.03, size=length)
    curve = np.round(curve, 2)  # rounding creates ties
    return curve


@register
class EarlyStoppingHiddenRandom(Check):
    """early_stopping on noisy U-shaped curves (numpy arrays, with ties) and edge cases."""

    name = "early_stopping_hidden_random"
    EDGE = (([0.5], 1), ([1.0, 2.0], 1), ([1.0, 1.0, 1.0, 1.0], 2), ([2.0, 1.0, 1.5], 5),
            ([4.0, 3.0, 3.0, 2.0, 2.5, 2.5], 2))

    def cases(self):
        cases = [(noisy_validation_curve(seed, 40), patience)
                 for seed in range(6) for patience in (1, 2, 3, 5, 8)]
        return cases + [(np.array(losses), patience) for losses, patience in self.EDGE]

    def probe(self, early_stopping):
        return {"results": [list(early_stopping(losses.copy(), patience))
                            for losses, patience in self.cases()]}

    def judge(self, seen):
        return judge_early_stopping(seen, [(losses.tolist(), patience)
                                           for losses, patience in self.cases()])


@register
class InitHiddenRepeatable(Check):
    """init_weights draws from rng: equal for equal seeds, different otherwise; layers differ."""

    name = "init_hidden_repeatable"

    def probe(self, init_weights):
        dims = [30, 30, 30]
        a = init_weights(list(dims), "he", np.random.default_rng(1))
        b = init_weights(list(dims), "he", np.random.default_rng(1))
        c = init_weights(list(dims), "he", np.random.default_rng(2))
        given = list(dims)
        init_weights(given, "xavier", np.random.default_rng(3))
        return {"a": list(a), "b": list(b), "c": list(c), "dims_after": given}

    def judge(self, seen):
        a, b, c = seen["a"], seen["b"], seen["c"]
        if not all(isinstance(w, list) and len(w) == 2 for w in (a, b, c)):
            return Verdict.fail(f"init_weights([30, 30, 30], 'he', rng) returned "
                                f"{describe(a)}; expected a list of 2 matrices.")
        if not all(np.array_equal(x, y) for x, y in zip(a, b)):
            return Verdict.fail("two calls with identically seeded rngs gave different weights.",
                                "Draw every random number from the `rng` argument.")
        if any(np.array_equal(x, y) for x, y in zip(a, c)):
            return Verdict.fail("two calls with differently seeded rngs gave the same weights.")
        if np.array_equal(a[0], a[1]):
            return Verdict.fail("both layers got the same matrix: draw each layer separately.")
        if list(seen["dims_after"]) != [30, 30, 30]:
            return Verdict.fail("init_weights modified its dims argument.")
        return Verdict.ok()
