"""Hidden checks for 06_regularization (instructor only; never in the student's notebook)."""

from __future__ import annotations

import numpy as np
from nncourse.checking import Check, drive, register
from nncourse.checks.nb06 import (
    EVAL_KEEPS_STATISTICS,
    BatchnormBackward,
    BatchnormBackwardAlt,
    BatchnormForwardEval,
    BatchnormForwardTrain,
    DropoutBackwardMask,
    DropoutForwardEval,
    DropoutForwardTrain,
    EarlyStoppingCases,
    InitWeightsScales,
    L1PenaltyValues,
    L2PenaltyValues,
    LayernormBackward,
    LayernormForwardValues,
    ResidualBackward,
    ResidualForwardValues,
    SoftThresholdValues,
    TrainRegularizedEarlyStopping,
    TrainRegularizedOneStep,
    batchnorm_case,
    dropout_input,
    judge_drop_rate,
    judge_mask,
    judge_repeatable,
    l1_params,
    layernorm_case,
    one_step_probe,
    random_params,
    repeat_plan,
    residual_cases,
    soft_threshold_case,
    stopping_probe,
    swapped_collaborators,
    torch_batchnorm,
    training_case,
    with_zero_rows,
)
from nncourse.compare import compare
from nncourse.verdict import first_failure

from autograder.references import reference_early_stopping


def fresh_int(run_seed: int, key: int) -> int:
    """An integer seed drawn from this grading run's seed (the same in probe and judge)."""
    return int(np.random.default_rng([run_seed, key]).integers(2 ** 31))


def fresh_shape(run_seed: int, key: int) -> tuple[int, int]:
    rng = np.random.default_rng([run_seed, key])
    return int(rng.integers(2, 9)), int(rng.integers(2, 9))


@register
class L2PenaltyHiddenKeys(L2PenaltyValues):
    """l2_penalty penalises only keys starting with W (not gamma/beta/biases, nor a key with a W
    elsewhere or a lower-case w: round 2 of review 20, 04-06 H6); lam = 0 gives 0."""

    name = "l2_penalty_hidden_keys"

    expected_hidden = True
    fresh = True
    SHAPES = {"W_hidden": (7, 3), "b_hidden": (3,), "gamma": (3,), "beta": (3,),
              "W_out": (3, 2), "b_out": (2,), "xW": (3,), "w_low": (2, 2)}

    def inputs(self, run_seed, **_):
        return {"main": (random_params(self.SHAPES, [run_seed, 41]), 1e-3,
                         "l2_penalty(params with gamma/beta, lam=1e-3)"),
                "zero": (random_params(self.SHAPES, [run_seed, 42]), 0.0,
                         "l2_penalty(params, lam=0.0)")}


@register
class DropoutHiddenPZero(Check):
    """dropout_forward with p = 0 changes nothing; p = 0.5 on a tall batch drops half."""

    name = "dropout_hidden_p_zero"

    expected_hidden = True
    fresh = True

    def inputs(self, run_seed, **_):
        return {"X": dropout_input((50, 40), fresh_int(run_seed, 9)),
                "tall": dropout_input((4000, 50), fresh_int(run_seed, 10))[:, ::2],
                "rng_seed": [run_seed, 10]}

    def probe(self, dropout_forward, **args):
        given = self.inputs(**args)
        out, mask = dropout_forward(given["X"], 0.0, True, np.random.default_rng(9))
        out_half, mask_half = dropout_forward(given["tall"], 0.5, True,
                                              np.random.default_rng(given["rng_seed"]))
        return {"out": out, "mask": mask, "out_half": out_half, "mask_half": mask_half}

    def judge(self, seen, **args):
        given = self.inputs(**args)
        X, tall = given["X"], given["tall"]
        verdict = judge_mask("dropout_forward(X, p=0.0, train=True)", seen["mask"], X,
                             seen["out"], 0.0)
        if verdict.passed:
            verdict = compare("dropout_forward(X, p=0.0, train=True): out", seen["out"], X,
                              hints=("With p = 0 out differs from X.",
                                     "With p = 0 nothing is dropped: what does the "
                                     "survivors' factor become?"))
        name = "dropout_forward(X (4000, 25), p=0.5, train=True)"
        return first_failure(verdict,
                             judge_mask(name, seen["mask_half"], tall, seen["out_half"], 0.5),
                             judge_drop_rate(name, seen["mask_half"], 0.5))


@register
class BatchnormHiddenTwoSteps(Check):
    """batchnorm_forward: running stats after two training batches, then eval on a third."""

    name = "batchnorm_hidden_two_steps"
    fresh = True
    defaults = {"momentum": 0.8}

    def inputs(self, run_seed, **_):
        X1, gamma, beta, mean, var, _ = batchnorm_case(10, 4, [run_seed, 50])
        X2 = batchnorm_case(20, 8, [run_seed, 51])[0][::2, ::2]  # non-contiguous
        return {"batches": (X1, X2, batchnorm_case(5, 4, [run_seed, 52])[0]),
                "start": (gamma, beta, mean, var)}

    def probe(self, batchnorm_forward, momentum, **args):
        given = self.inputs(**args)
        (X1, X2, X3), (gamma, beta, mean, var) = given["batches"], given["start"]
        _, _, mean, var = batchnorm_forward(X1, gamma, beta, mean, var, True, momentum=momentum)
        _, _, mean, var = batchnorm_forward(X2, gamma, beta, mean, var, True, momentum=momentum)
        out, _, mean3, var3 = batchnorm_forward(X3, gamma, beta, mean, var, False,
                                                momentum=momentum)
        return {"mean": mean, "var": var, "out": out, "mean3": mean3, "var3": var3}

    def judge(self, seen, momentum, **args):
        given = self.inputs(**args)
        (X1, X2, X3), (gamma, beta, mean, var) = given["batches"], given["start"]
        for X in (X1, X2):
            mean = momentum * mean + (1 - momentum) * X.mean(axis=0)
            var = momentum * var + (1 - momentum) * X.var(axis=0)
        out, _, _ = torch_batchnorm(X3, gamma, beta, mean, var, False, momentum, 1e-5)
        hint = ("The running statistics are off after two training batches (one batch is "
                "checked by the visible test).",
                f"Section 3: the moving average (momentum = {momentum}) is updated after each "
                "training batch, starting from the statistics it is given.")
        return first_failure(
            compare("running_mean after two batches", seen["mean"], mean, hints=hint),
            compare("running_var after two batches", seen["var"], var, hints=hint),
            compare("eval-mode output after two batches (vs. torch)", seen["out"], out,
                    hints=("The running statistics are right after two batches, the "
                           "eval-mode output with them is off: if the training-mode out "
                           "fails too, look first at the normalisation the two share.",
                           "Section 3: at evaluation time there may be one example only: "
                           "which statistics can the normalisation use then?")),
            # eval mode returns exactly the statistics it was given: the student's own after
            # two batches (the judge's recomputation may differ from theirs in the last bit)
            compare("eval mode's returned running_mean", seen["mean3"], seen["mean"], rtol=0,
                    atol=0, hints=EVAL_KEEPS_STATISTICS),
            compare("eval mode's returned running_var", seen["var3"], seen["var"], rtol=0,
                    atol=0, hints=EVAL_KEEPS_STATISTICS))


def noisy_validation_curve(seed, length: int) -> np.ndarray:
    """A U-shaped validation curve with noise and a few exact ties (from rounding)."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, length)
    return np.round(1.0 / (1 + 8 * t) + 0.6 * t ** 2 + rng.normal(scale=0.03, size=length), 2)


@register
class EarlyStoppingHiddenRandom(EarlyStoppingCases):
    """early_stopping on noisy U-shaped curves (numpy arrays, with ties) and edge cases."""

    name = "early_stopping_hidden_random"
    fresh = True
    stored_expected = False
    EDGE = (([0.5], 1), ([1.0, 2.0], 1), ([1.0, 1.0, 1.0, 1.0], 2), ([2.0, 1.0, 1.5], 5),
            ([4.0, 3.0, 3.0, 2.0, 2.5, 2.5], 2),
            # non-improving epochs, an improvement, then the stop: a counter of epochs
            # without improvement that is never reset stops early on every run seed
            ([2.0, 2.1, 1.9, 2.0, 1.8, 1.85, 1.9, 1.95, 1.7], 3))

    def inputs(self, run_seed, **_):
        return {"cases": [(noisy_validation_curve([run_seed, seed], 40), patience)
                          for seed in range(6) for patience in (1, 2, 3, 5, 8)]
                + [(np.array(losses), patience) for losses, patience in self.EDGE]}

    def expected_pairs(self, args) -> list:
        """Computed by the grader's reference (the student library holds none)."""
        return [reference_early_stopping(losses, patience)
                for losses, patience in self.inputs(**args)["cases"]]


@register
class InitHiddenRepeatable(Check):
    """init_weights draws from rng: same seed, same weights; other seed, other weights."""

    name = "init_hidden_repeatable"
    fresh = True

    def probe(self, init_weights, run_seed=0, **_):
        return drive(repeat_plan(init_weights, ([run_seed, 1], [run_seed, 1], [run_seed, 2])))

    def judge(self, seen, **_):
        return judge_repeatable(seen)


@register
class L1PenaltyHiddenFresh(L1PenaltyValues):
    """l1_penalty on fresh weights with exact zeros, a transposed W, and lam = 0."""

    name = "l1_penalty_hidden_fresh"

    expected_hidden = True
    fresh = True

    def inputs(self, run_seed, **_):
        lam = float(np.random.default_rng([run_seed, 60]).uniform(0.01, 1.0))
        return {"main": (l1_params([run_seed, 61], transposed=True), lam,
                         f"l1_penalty(params with W2 transposed, lam={lam:.3f})"),
                "zero": (l1_params([run_seed, 62]), 0.0, "l1_penalty(params, lam=0)")}


@register
class SoftThresholdHiddenFresh(SoftThresholdValues):
    """soft_threshold on fresh, non-contiguous inputs with a fresh threshold."""

    name = "soft_threshold_hidden_fresh"

    expected_hidden = True
    fresh = True

    def inputs(self, run_seed, **_):
        t = float(np.random.default_rng([run_seed, 63]).uniform(0.1, 1.0))
        return {"main": (soft_threshold_case([run_seed, 64], t, transposed=True),
                         f"soft_threshold(W.T, t={t:.3f})")}


@register
class LayernormForwardHiddenFresh(LayernormForwardValues):
    """layernorm_forward vs torch on fresh shapes, strided X, eps 1e-3, and one row."""

    name = "layernorm_forward_hidden_fresh"
    fresh = True

    def inputs(self, run_seed, **_):
        N, D = fresh_shape(run_seed, 65)
        return {"strided": (layernorm_case(N, D, [run_seed, 66], True), 1e-3,
                            f"layernorm_forward(X[:, ::2] ({N}, {D}), eps=1e-3)"),
                "one_row": (layernorm_case(1, D, [run_seed, 67]), 1e-5,
                            f"layernorm_forward(X (1, {D}))")}


@register
class LayernormBackwardHiddenFresh(LayernormBackward):
    """layernorm_backward vs torch autograd on fresh shapes, strided X, eps 1e-3."""

    name = "layernorm_backward_hidden_fresh"
    fresh = True

    def inputs(self, run_seed, **_):
        N, D = fresh_shape(run_seed, 68)
        return {"main": (layernorm_case(N, D, [run_seed, 69], True), 1e-3,
                         f"layernorm_backward on X[:, ::2] ({N}, {D}), eps=1e-3")}


@register
class ResidualForwardHiddenFresh(ResidualForwardValues):
    """residual_forward on fresh shapes, contiguous and non-contiguous."""

    name = "residual_forward_hidden_fresh"
    fresh = True

    def inputs(self, run_seed, **_):
        return residual_cases(*fresh_shape(run_seed, 70), ([run_seed, 71], [run_seed, 72]),
                              "residual_forward")


@register
class ResidualBackwardHiddenFresh(ResidualBackward):
    """residual_backward vs torch autograd on fresh shapes, strided inputs too."""

    name = "residual_backward_hidden_fresh"
    fresh = True

    def inputs(self, run_seed, **_):
        return residual_cases(*fresh_shape(run_seed, 73), ([run_seed, 74], [run_seed, 75]),
                              "residual_backward")


@register
class TrainRegularizedHiddenStep(TrainRegularizedOneStep):
    """train_regularized: one full-batch SGD step on fresh, strided data and settings."""

    name = "train_regularized_hidden_step"
    fresh = True

    def inputs(self, run_seed, **_):
        rng = np.random.default_rng([run_seed, 76])
        lam, lr, hidden = (float(rng.uniform(0.01, 0.2)), float(rng.uniform(0.1, 1.0)),
                           int(rng.integers(3, 9)))
        case = with_zero_rows(training_case(fresh_int(run_seed, 77), n_train=30, C=4,
                                            strided=True))
        return {"main": (case, lam, lr, fresh_int(run_seed, 78), hidden, "train_regularized")}

    def probe_case(self, train_regularized, case, lam, lr, seed, hidden):
        # the calls are made under this check's own probe (drive), not a visible check's
        with swapped_collaborators(train_regularized):
            return drive(one_step_probe(train_regularized, case, lam, lr, seed, hidden))


@register
class TrainRegularizedHiddenFresh(TrainRegularizedEarlyStopping):
    """train_regularized on fresh, strided data: a partial last batch, patience 2 and 4."""

    name = "train_regularized_hidden_fresh"
    fresh = True
    RUNS = ({"hidden": 10, "lr": 0.4, "batch_size": 7, "max_epochs": 30, "lam": 1e-3,
             "p_drop": 0.2, "batchnorm": True, "patience": 2},
            {"hidden": 12, "lr": 0.3, "batch_size": 9, "max_epochs": 30, "lam": 1e-3,
             "p_drop": 0.4, "batchnorm": True, "patience": 4})

    def inputs(self, run_seed, **_):
        return {f"run {k}": (training_case(fresh_int(run_seed, 80 + k), n_train=45, strided=True),
                             training_case(fresh_int(run_seed, 90 + k))[2:],
                             fresh_int(run_seed, 85 + k), settings, "train_regularized")
                for k, settings in enumerate(self.RUNS)}

    def probe_case(self, train_regularized, case, other_val, seed, settings):
        # the calls are made under this check's own probe (drive), not a visible check's
        return drive(stopping_probe(train_regularized, case, other_val, seed, settings))


class FreshSeed:
    """Mixin: a visible check whose ``seed`` is drawn from this grading run's seed."""

    key = 0

    def inputs(self, run_seed=0, seed=0, **args):
        return super().inputs(seed=fresh_int(run_seed, self.key + seed), **args)


@register
class L2PenaltyValuesFresh(FreshSeed, L2PenaltyValues):
    """l2_penalty on fresh weights."""

    name = "l2_penalty_values_fresh"

    expected_hidden = True
    fresh = True
    key = 1000


@register
class DropoutForwardTrainFresh(FreshSeed, DropoutForwardTrain):
    """dropout_forward in training mode on fresh inputs."""

    name = "dropout_forward_train_fresh"

    expected_hidden = True
    fresh = True
    key = 2000


@register
class DropoutForwardEvalFresh(FreshSeed, DropoutForwardEval):
    """dropout_forward in eval mode on fresh inputs."""

    name = "dropout_forward_eval_fresh"

    expected_hidden = True
    fresh = True
    key = 3000


@register
class DropoutBackwardMaskFresh(FreshSeed, DropoutBackwardMask):
    """dropout_backward on fresh inputs and masks."""

    name = "dropout_backward_mask_fresh"

    expected_hidden = True
    fresh = True
    key = 4000


@register
class BatchnormForwardTrainFresh(FreshSeed, BatchnormForwardTrain):
    """batchnorm_forward in training mode vs torch on fresh inputs."""

    name = "batchnorm_forward_train_fresh"
    fresh = True
    key = 5000


@register
class BatchnormForwardEvalFresh(FreshSeed, BatchnormForwardEval):
    """batchnorm_forward in eval mode vs torch on fresh inputs."""

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
class BatchnormBackwardAltFresh(FreshSeed, BatchnormBackwardAlt):
    """batchnorm_backward_alt vs torch autograd on fresh inputs."""

    name = "batchnorm_backward_alt_gradients_fresh"
    fresh = True
    key = 7100


@register
class InitWeightsScalesFresh(FreshSeed, InitWeightsScales):
    """init_weights scales with a fresh rng."""

    name = "init_weights_scales_fresh"
    fresh = True
    key = 8000
