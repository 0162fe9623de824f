"""Hidden checks for 06_regularization (instructor only; never in the student's notebook)."""

from __future__ import annotations

import numpy as np
from nncourse.checking import Check, register
from nncourse.checks.nb06 import (
    LAYERNORM_BACKWARD_RULES,
    RESIDUAL_BACKWARD_RULES,
    BatchnormBackward,
    BatchnormForwardEval,
    BatchnormForwardTrain,
    DropoutBackwardMask,
    DropoutForwardEval,
    DropoutForwardTrain,
    InitWeightsScales,
    L2PenaltyValues,
    batchnorm_case,
    dropout_input,
    judge_drop_rate,
    judge_early_stopping,
    judge_l1,
    judge_l2,
    judge_layernorm_backward,
    judge_layernorm_forward,
    judge_mask,
    judge_one_step,
    judge_residual_backward,
    judge_residual_forward,
    judge_soft_threshold,
    judge_stopping,
    l1_params,
    l1_probe,
    layernorm_backward_probe,
    layernorm_case,
    layernorm_probe,
    one_step_probe,
    random_params,
    residual_backward_probe,
    residual_case,
    residual_probe,
    soft_threshold_probe,
    stopping_probe,
    swapped_collaborators,
    torch_batchnorm,
    training_case,
)
from nncourse.compare import compare, describe
from nncourse.verdict import Verdict, first_failure


@register
class L2PenaltyHiddenKeys(Check):
    """l2_penalty penalises only keys starting with W (not gamma/beta/biases); lam = 0 gives 0."""

    name = "l2_penalty_hidden_keys"
    fresh = True
    SHAPES = {"W_hidden": (7, 3), "b_hidden": (3,), "gamma": (3,), "beta": (3,),
              "W_out": (3, 2), "b_out": (2,)}

    def probe(self, l2_penalty, run_seed):
        params = random_params(self.SHAPES, [run_seed, 41])
        penalty, grads = l2_penalty(params, 1e-3)
        zero_params = random_params(self.SHAPES, [run_seed, 42])
        zero_penalty, zero_grads = l2_penalty(zero_params, 0.0)
        return {"penalty": penalty, "grads": grads, "after": params,
                "zero": {"penalty": zero_penalty, "grads": zero_grads, "after": zero_params}}

    def judge(self, seen, run_seed):
        return first_failure(
            judge_l2(seen, random_params(self.SHAPES, [run_seed, 41]), 1e-3,
                     "l2_penalty(params with gamma/beta, lam=1e-3)"),
            judge_l2(seen["zero"], random_params(self.SHAPES, [run_seed, 42]), 0.0,
                     "l2_penalty(params, lam=0.0)"))


@register
class DropoutHiddenPZero(Check):
    """dropout_forward with p = 0 keeps everything unscaled; p = 0.5 on a tall batch drops half."""

    name = "dropout_hidden_p_zero"
    fresh = True

    def probe(self, dropout_forward, run_seed):
        X = dropout_input((50, 40), fresh_int(run_seed, 9))
        out, mask = dropout_forward(X.copy(), 0.0, True, np.random.default_rng(9))
        tall = dropout_input((4000, 50), fresh_int(run_seed, 10))[:, ::2]
        out_half, mask_half = dropout_forward(tall, 0.5, True,
                                              np.random.default_rng([run_seed, 10]))
        return {"out": out, "mask": mask, "out_half": out_half, "mask_half": mask_half}

    def judge(self, seen, run_seed):
        X = dropout_input((50, 40), fresh_int(run_seed, 9))
        tall = dropout_input((4000, 50), fresh_int(run_seed, 10))[:, ::2]
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
    fresh = True

    def probe(self, batchnorm_forward, run_seed, momentum=0.8):
        X1, gamma, beta, mean, var, _ = batchnorm_case(10, 4, [run_seed, 50])
        X2 = batchnorm_case(20, 8, [run_seed, 51])[0][::2, ::2]  # non-contiguous
        X3 = batchnorm_case(5, 4, [run_seed, 52])[0]
        _, _, mean, var = batchnorm_forward(X1, gamma, beta, mean, var, True, momentum=momentum)
        _, _, mean, var = batchnorm_forward(X2, gamma, beta, mean, var, True, momentum=momentum)
        out, _, mean3, var3 = batchnorm_forward(X3, gamma, beta, mean, var, False,
                                                momentum=momentum)
        return {"mean": mean, "var": var, "out": out, "mean3": mean3, "var3": var3}

    def judge(self, seen, run_seed, momentum=0.8):
        X1, gamma, beta, mean, var, _ = batchnorm_case(10, 4, [run_seed, 50])
        X2 = batchnorm_case(20, 8, [run_seed, 51])[0][::2, ::2]
        X3 = batchnorm_case(5, 4, [run_seed, 52])[0]
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
    fresh = True
    EDGE = (([0.5], 1), ([1.0, 2.0], 1), ([1.0, 1.0, 1.0, 1.0], 2), ([2.0, 1.0, 1.5], 5),
            ([4.0, 3.0, 3.0, 2.0, 2.5, 2.5], 2))

    def cases(self, run_seed):
        cases = [(noisy_validation_curve([run_seed, seed], 40), patience)
                 for seed in range(6) for patience in (1, 2, 3, 5, 8)]
        return cases + [(np.array(losses), patience) for losses, patience in self.EDGE]

    def probe(self, early_stopping, run_seed):
        return {"results": [list(early_stopping(losses.copy(), patience))
                            for losses, patience in self.cases(run_seed)]}

    def judge(self, seen, run_seed):
        return judge_early_stopping(seen, [(losses.tolist(), patience)
                                           for losses, patience in self.cases(run_seed)])


@register
class InitHiddenRepeatable(Check):
    """init_weights draws from rng: equal for equal seeds, different otherwise; layers differ."""

    name = "init_hidden_repeatable"
    fresh = True

    def probe(self, init_weights, run_seed):
        dims = [30, 30, 30]
        a = init_weights(list(dims), "he", np.random.default_rng([run_seed, 1]))
        b = init_weights(list(dims), "he", np.random.default_rng([run_seed, 1]))
        c = init_weights(list(dims), "he", np.random.default_rng([run_seed, 2]))
        given = list(dims)
        init_weights(given, "xavier", np.random.default_rng(3))
        return {"a": list(a), "b": list(b), "c": list(c), "dims_after": given}

    def judge(self, seen, run_seed):
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


def fresh_int(run_seed: int, key: int) -> int:
    """An integer seed drawn from this grading run's seed (the same in probe and judge)."""
    return int(np.random.default_rng([run_seed, key]).integers(2 ** 31))


@register
class L1PenaltyHiddenFresh(Check):
    """l1_penalty on fresh weights with exact zeros, a transposed (non-contiguous) W; lam = 0."""

    name = "l1_penalty_hidden_fresh"
    fresh = True

    def probe(self, l1_penalty, run_seed):
        lam = float(np.random.default_rng([run_seed, 60]).uniform(0.01, 1.0))
        return {"main": l1_probe(l1_penalty, l1_params([run_seed, 61], transposed=True), lam),
                "zero": l1_probe(l1_penalty, l1_params([run_seed, 62]), 0.0)}

    def judge(self, seen, run_seed):
        lam = float(np.random.default_rng([run_seed, 60]).uniform(0.01, 1.0))
        return first_failure(
            judge_l1(seen["main"], l1_params([run_seed, 61], transposed=True), lam,
                     f"l1_penalty(params with W2 transposed, lam={lam:.3f})"),
            judge_l1(seen["zero"], l1_params([run_seed, 62]), 0.0, "l1_penalty(params, lam=0)"))


@register
class SoftThresholdHiddenFresh(Check):
    """soft_threshold on fresh, non-contiguous inputs with a fresh threshold."""

    name = "soft_threshold_hidden_fresh"
    fresh = True

    def probe(self, soft_threshold, run_seed):
        t = float(np.random.default_rng([run_seed, 63]).uniform(0.1, 1.0))
        return soft_threshold_probe(soft_threshold, [run_seed, 64], t, transposed=True)

    def judge(self, seen, run_seed):
        t = float(np.random.default_rng([run_seed, 63]).uniform(0.1, 1.0))
        return judge_soft_threshold(seen, [run_seed, 64], t, f"soft_threshold(W.T, t={t:.3f})",
                                    transposed=True)


def fresh_shape(run_seed: int, key: int) -> tuple[int, int]:
    rng = np.random.default_rng([run_seed, key])
    return int(rng.integers(2, 9)), int(rng.integers(2, 9))


@register
class LayernormForwardHiddenFresh(Check):
    """layernorm_forward vs torch on fresh shapes, non-contiguous X, eps 1e-3; a single row."""

    name = "layernorm_forward_hidden_fresh"
    fresh = True

    def probe(self, layernorm_forward, run_seed):
        N, D = fresh_shape(run_seed, 65)
        return {"strided": layernorm_probe(layernorm_forward,
                                           layernorm_case(N, D, [run_seed, 66], True), 1e-3),
                "one_row": layernorm_probe(layernorm_forward,
                                           layernorm_case(1, D, [run_seed, 67]), 1e-5)}

    def judge(self, seen, run_seed):
        N, D = fresh_shape(run_seed, 65)
        return first_failure(
            judge_layernorm_forward(seen["strided"], layernorm_case(N, D, [run_seed, 66], True),
                                    1e-3, f"layernorm_forward(X[:, ::2] ({N}, {D}), eps=1e-3)"),
            judge_layernorm_forward(seen["one_row"], layernorm_case(1, D, [run_seed, 67]), 1e-5,
                                    f"layernorm_forward(X (1, {D}))"))


@register
class LayernormBackwardHiddenFresh(Check):
    """layernorm_backward vs torch autograd on fresh shapes, non-contiguous X, eps 1e-3."""

    name = "layernorm_backward_hidden_fresh"
    rules = LAYERNORM_BACKWARD_RULES
    fresh = True

    def probe(self, layernorm_forward, layernorm_backward, run_seed):
        N, D = fresh_shape(run_seed, 68)
        return layernorm_backward_probe(layernorm_forward, layernorm_backward,
                                        layernorm_case(N, D, [run_seed, 69], True), 1e-3)

    def judge(self, seen, run_seed):
        N, D = fresh_shape(run_seed, 68)
        return judge_layernorm_backward(seen, layernorm_case(N, D, [run_seed, 69], True), 1e-3,
                                        f"layernorm_backward on X[:, ::2] ({N}, {D}), eps=1e-3")


@register
class ResidualForwardHiddenFresh(Check):
    """residual_forward on fresh shapes, contiguous and non-contiguous."""

    name = "residual_forward_hidden_fresh"
    fresh = True

    def probe(self, residual_forward, run_seed):
        N, D = fresh_shape(run_seed, 70)
        return {"plain": residual_probe(residual_forward, residual_case(N, D, [run_seed, 71])),
                "strided": residual_probe(residual_forward,
                                          residual_case(N, D, [run_seed, 72], True))}

    def judge(self, seen, run_seed):
        N, D = fresh_shape(run_seed, 70)
        return first_failure(
            judge_residual_forward(seen["plain"], residual_case(N, D, [run_seed, 71]),
                                   f"residual_forward(X ({N}, {D}), W, b)"),
            judge_residual_forward(seen["strided"], residual_case(N, D, [run_seed, 72], True),
                                   f"residual_forward(X[:, ::2] ({N}, {D}), W.T, b)"))


@register
class ResidualBackwardHiddenFresh(Check):
    """residual_backward vs torch autograd on fresh shapes, contiguous and non-contiguous."""

    name = "residual_backward_hidden_fresh"
    rules = RESIDUAL_BACKWARD_RULES
    fresh = True

    def probe(self, residual_forward, residual_backward, run_seed):
        N, D = fresh_shape(run_seed, 73)
        return {"plain": residual_backward_probe(residual_forward, residual_backward,
                                                 residual_case(N, D, [run_seed, 74])),
                "strided": residual_backward_probe(residual_forward, residual_backward,
                                                   residual_case(N, D, [run_seed, 75], True))}

    def judge(self, seen, run_seed):
        N, D = fresh_shape(run_seed, 73)
        return first_failure(
            judge_residual_backward(seen["plain"], residual_case(N, D, [run_seed, 74]),
                                    f"residual_backward on X ({N}, {D})"),
            judge_residual_backward(seen["strided"], residual_case(N, D, [run_seed, 75], True),
                                    f"residual_backward on X[:, ::2] ({N}, {D}), W.T"))


def fresh_step_settings(run_seed: int):
    rng = np.random.default_rng([run_seed, 76])
    return (float(rng.uniform(0.01, 0.2)), float(rng.uniform(0.1, 1.0)),
            int(rng.integers(3, 9)))


@register
class TrainRegularizedHiddenStep(Check):
    """train_regularized: one full-batch SGD step on fresh, non-contiguous data and settings."""

    name = "train_regularized_hidden_step"
    fresh = True

    def probe(self, train_regularized, run_seed):
        lam, lr, hidden = fresh_step_settings(run_seed)
        case = training_case(fresh_int(run_seed, 77), n_train=30, C=4, strided=True)
        with swapped_collaborators(train_regularized):
            return one_step_probe(train_regularized, case, lam, lr, fresh_int(run_seed, 78),
                                  hidden)

    def judge(self, seen, run_seed):
        lam, lr, hidden = fresh_step_settings(run_seed)
        case = training_case(fresh_int(run_seed, 77), n_train=30, C=4, strided=True)
        return judge_one_step(seen, case, lam, lr, hidden, "train_regularized")


@register
class TrainRegularizedHiddenFresh(Check):
    """train_regularized on fresh, non-contiguous data: a partial last batch, patience 2 and 4."""

    name = "train_regularized_hidden_fresh"
    fresh = True
    SETTINGS = ({"hidden": 10, "lr": 0.4, "batch_size": 7, "max_epochs": 30, "lam": 1e-3,
                 "p_drop": 0.2, "batchnorm": True, "patience": 2},
                {"hidden": 12, "lr": 0.3, "batch_size": 9, "max_epochs": 30, "lam": 1e-3,
                 "p_drop": 0.4, "batchnorm": True, "patience": 4})

    def cases(self, run_seed):
        return [(training_case(fresh_int(run_seed, 80 + k), n_train=45, strided=True),
                 training_case(fresh_int(run_seed, 90 + k))[2:], fresh_int(run_seed, 85 + k))
                for k in range(len(self.SETTINGS))]

    def probe(self, train_regularized, run_seed):
        return {"runs": [stopping_probe(train_regularized, case, other, seed, settings)
                         for (case, other, seed), settings in zip(self.cases(run_seed),
                                                                  self.SETTINGS)]}

    def judge(self, seen, run_seed):
        return first_failure(*[
            judge_stopping(run, case, other, settings, "train_regularized")
            for run, (case, other, _), settings in zip(seen["runs"], self.cases(run_seed),
                                                       self.SETTINGS)])



class FreshSeed:
    """Mixin: a visible check whose ``seed`` is drawn from this grading run's seed."""

    key = 0

    def probe(self, *student, run_seed, seed=0, **args):
        return super().probe(*student, seed=fresh_int(run_seed, self.key + seed), **args)

    def judge(self, seen, run_seed, seed=0, **args):
        return super().judge(seen, seed=fresh_int(run_seed, self.key + seed), **args)


@register
class L2PenaltyValuesFresh(FreshSeed, L2PenaltyValues):
    """l2_penalty on fresh weights."""

    name = "l2_penalty_values_fresh"
    fresh = True
    key = 1000


@register
class DropoutForwardTrainFresh(FreshSeed, DropoutForwardTrain):
    """dropout_forward (train) on fresh inputs."""

    name = "dropout_forward_train_fresh"
    fresh = True
    key = 2000


@register
class DropoutForwardEvalFresh(FreshSeed, DropoutForwardEval):
    """dropout_forward (eval) on fresh inputs."""

    name = "dropout_forward_eval_fresh"
    fresh = True
    key = 3000


@register
class DropoutBackwardMaskFresh(FreshSeed, DropoutBackwardMask):
    """dropout_backward on fresh inputs and masks."""

    name = "dropout_backward_mask_fresh"
    fresh = True
    key = 4000


@register
class BatchnormForwardTrainFresh(FreshSeed, BatchnormForwardTrain):
    """batchnorm_forward (train) vs torch on fresh inputs."""

    name = "batchnorm_forward_train_fresh"
    fresh = True
    key = 5000


@register
class BatchnormForwardEvalFresh(FreshSeed, BatchnormForwardEval):
    """batchnorm_forward (eval) vs torch on fresh inputs."""

    name = "batchnorm_forward_eval_fresh"
    fresh = True
    key = 6000


@register
class BatchnormBackwardFresh(FreshSeed, BatchnormBackward):
    """batchnorm_backward vs torch autograd on fresh inputs."""

    name = "batchnorm_backward_gradients_fresh"
    fresh = True
    key = 7000


@register
class InitWeightsScalesFresh(FreshSeed, InitWeightsScales):
    """init_weights scales on a fresh rng."""

    name = "init_weights_scales_fresh"
    fresh = True
    key = 8000
