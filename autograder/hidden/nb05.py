"""Hidden checks for 05_minibatches_and_sgd (instructor only; never in the student's notebook)."""

from __future__ import annotations

import numpy as np
from nncourse.checking import Check, drive, register
from nncourse.checks.nb05 import (
    ADAM_HINTS,
    KEYS,
    LOOP_RULES,
    MOMENTUM_HINTS,
    ONE_RNG_IDEA,
    REAL_MINIBATCHES,
    TRAIN_RULES,
    VECTORIZED_RULES,
    call_on_copies,
    id_data,
    judge_accuracy,
    judge_edge_case,
    judge_gradient_values,
    judge_kink,
    judge_minibatches,
    judge_optimizer,
    judge_rng_replay,
    judge_sgd_run,
    judge_sgd_step,
    judge_through_run,
    kink_problem,
    large_score_problem,
    optimizer_problem,
    probe_optimizer,
    probe_sgd_run,
    random_problem,
    recorded_training,
    rng_replay,
    small_problem,
    strided,
)
from nncourse.compare import compare, unchanged
from nncourse.oracle import two_layer_loss
from nncourse.verdict import Verdict, first_failure


@register
class MinibatchesRng(Check):
    """make_minibatches draws its shuffle from its rng argument and nothing else, on a small
    data set and on one of the digits' size."""

    name = "minibatches_hidden_rng"
    fresh = True
    defaults = {"n": 30, "batch_size": 4}

    def inputs(self, n, batch_size, run_seed=0):
        seed = int(np.random.default_rng([run_seed, 51, n]).integers(1000, 10**6))
        return {"seed": seed, **id_data(n, batch_size, seed)}

    def sizes(self, n, batch_size):
        return {"small": (n, batch_size), "real": tuple(REAL_MINIBATCHES.values())}

    def probe(self, make_minibatches, n, batch_size, run_seed=0):
        return {key: self.probe_size(make_minibatches, *size, run_seed)
                for key, size in self.sizes(n, batch_size).items()}

    def probe_size(self, make_minibatches, n, batch_size, run_seed):
        seed = self.inputs(n, batch_size, run_seed)["seed"]
        return drive(rng_replay(make_minibatches, n, batch_size, seed))

    def judge(self, seen, n, batch_size, run_seed=0):
        return first_failure(*(judge_rng_replay(seen[key], f"N={size[0]}")
                               for key, size in self.sizes(n, batch_size).items()))


class _GradientKink(Check):
    """relu'(0) = 0: an example whose hidden pre-activations are exactly 0."""

    function = ""

    def probe(self, gradient_fn):
        grads, after = call_on_copies(gradient_fn, kink_problem())
        return {"grads": grads, "after": after}

    def judge(self, seen):
        return judge_kink(self.function, seen)


@register
class BatchGradientLoopKink(_GradientKink):
    """batch_gradient_by_loop treats the ReLU's slope at exactly 0 as 0."""

    name = "batch_gradient_loop_hidden_kink"
    function = "batch_gradient_by_loop"
    rules = LOOP_RULES


@register
class BatchGradientVectorizedKink(_GradientKink):
    """batch_gradient_vectorized treats the ReLU's slope at exactly 0 as 0."""

    name = "batch_gradient_vectorized_hidden_kink"
    function = "batch_gradient_vectorized"
    rules = VECTORIZED_RULES


ZERO_LR_HINTS = (
    "With lr = 0 your sgd_step still changed some entries: its result depends on something "
    "other than the learning rate's step (a rescaling, a shift, a leftover from a call "
    "before).",
    "Section 3: the learning rate sets how far a step goes; run your sgd_step with lr = 0 "
    "on a tiny dict and print its result next to params.")
"""The two layers of a step that moves the parameters with a learning rate of 0."""


@register
class SgdStepFresh(Check):
    """sgd_step returns new arrays even with lr = 0: changing its result leaves params alone."""

    name = "sgd_step_hidden_fresh"

    def inputs(self):
        return {"params": {"W": np.arange(6.0).reshape(2, 3), "b": np.array([1.0, -1.0, 0.5])},
                "grads": {"W": np.ones((2, 3)), "b": np.array([2.0, 0.0, -4.0])}}

    def probe(self, sgd_step):
        def twice(params, grads):
            same = sgd_step(params, grads, 0.0)
            snapshot = {k: np.array(v, dtype=float, copy=True) for k, v in same.items()}
            for value in same.values():
                if isinstance(value, np.ndarray):
                    value[...] = -99.0  # the caller changes the result
            return snapshot, sgd_step(params, grads, 0.25)

        (same, step), after = call_on_copies(twice, self.inputs())
        return {"same": same, "step": step, "after": after}

    def judge(self, seen):
        inputs = self.inputs()
        params, grads = inputs["params"], inputs["grads"]
        verdict = unchanged("sgd_step (after the caller changed its result)", inputs,
                            seen["after"])
        if not verdict.passed:
            return Verdict.fail(verdict.message + " With lr = 0 the result must still be a "
                                "new dict of new arrays.", *verdict.hints)
        return first_failure(*(
            [compare(f"sgd_step(params, grads, 0.0)[{k!r}]", seen["same"][k], params[k],
                     hints=ZERO_LR_HINTS) for k in params]
            + [compare(f"sgd_step(params, grads, 0.25)[{k!r}]", seen["step"][k],
                       params[k] - 0.25 * grads[k],
                       hints=("The step with lr = 0.25 is off: compare, entry by entry, how "
                              "far and in which direction yours moved with that entry's "
                              "gradient.", "Section 3: the step in parameter space that "
                              "lowers the loss fastest for a small move, scaled by the "
                              "learning rate.")) for k in params]))


@register
class AccuracyCases(Check):
    """accuracy is right on hand-made cases: all, none or some rows right, one row."""

    name = "accuracy_hidden_cases"

    def inputs(self):
        scores = np.array([[-5.0, -1.0, -3.0], [2.0, 0.5, 1.0], [0.0, 0.1, 9.0],
                           [7.0, 8.0, 1.0], [-2.0, -9.0, -1.0]])
        return {"half": (scores, np.array([1, 0, 2, 0, 1])),
                "all": (scores.copy(), np.array([1, 0, 2, 1, 2])),
                "none": (scores.copy(), np.array([0, 1, 0, 0, 0])),
                "one_row": (scores[2:3].copy(), np.array([2]))}

    def probe(self, accuracy):
        return {k: accuracy(*case) for k, case in self.inputs().items()}

    def judge(self, seen):
        return first_failure(*(judge_accuracy(f"accuracy ({k})", seen[k], *case)
                               for k, case in self.inputs().items()))


@register
class TrainMlpSmall(Check):
    """train_mlp on a small problem: history per epoch, rng=None means default_rng(0)."""

    name = "train_mlp_hidden_small"
    fresh = True
    rules = TRAIN_RULES
    defaults = {"epochs": 4, "batch_size": 16}

    def inputs(self, run_seed=0, **_):
        seed = int(np.random.default_rng([run_seed, 55]).integers(10**6))
        return seed, small_problem(seed)

    #: the five calls, by name: (the seed of the rng passed, or None for rng=None, or
    #: "omitted" for no rng argument; np.random's global seed set before the call)
    CALLS = {"result": ("seed", 5), "none_1": (None, 6), "none_2": ("omitted", 7),
             "zero": (0, None), "other": ("other", None)}

    def probe(self, train_mlp, epochs, batch_size, run_seed=0):
        seed, data = self.inputs(run_seed)
        inputs = [strided(a) for a in data.values()]  # the same views for every call
        seen = {}
        for key, (rng_seed, global_seed) in self.CALLS.items():
            rng_seed = {"seed": seed, "other": seed + 100}.get(rng_seed, rng_seed)
            rng = None if rng_seed in (None, "omitted") else np.random.default_rng(rng_seed)
            if global_seed is not None:
                np.random.seed(global_seed)
            # every call records what it does through init_params, make_minibatches and
            # sgd_step: each one is judged by every rule of the contract (issue 20)
            with recorded_training(train_mlp, rng) as record:
                if "missing" not in record:
                    extra = {} if rng_seed == "omitted" else {"rng": rng}
                    record["result"] = train_mlp(*inputs, hidden=7, lr=0.2,
                                                 batch_size=batch_size, epochs=epochs, **extra)
            seen[key] = record
        seen["after"] = dict(zip(data, inputs, strict=True))
        return seen

    def judge(self, seen, epochs, batch_size, run_seed=0):
        data = self.inputs(run_seed)[1]
        name = f"train_mlp(small problem, hidden=7, epochs={epochs}, batch_size={batch_size})"
        verdict = first_failure(unchanged(name, data, seen["after"]), *(
            judge_sgd_run(f"{name} (rng {label})", seen[key], data, 7, 0.2, batch_size, epochs)
            for key, label in (("result", "given"), ("none_1", "None"),
                               ("none_2", "left out"), ("zero", "default_rng(0)"),
                               ("other", "of another seed"))))
        if not verdict.passed:
            return verdict
        seen = {"result": seen["result"]["result"],
                **{key: seen[key]["result"][0] for key in ("none_1", "none_2", "zero", "other")}}

        def same(a, b):
            return all(np.array_equal(np.asarray(a[k]), np.asarray(b[k])) for k in KEYS)

        if not (same(seen["none_1"], seen["none_2"]) and same(seen["none_1"], seen["zero"])):
            return Verdict.fail(
                f"{name}: with rng=None the result must equal the one with "
                "rng=np.random.default_rng(0), whatever np.random's global state is.",
                "Replace None by np.random.default_rng(0) and draw everything (init and "
                "shuffles) from that generator.",
                ONE_RNG_IDEA)
        if same(seen["result"][0], seen["other"]):
            return Verdict.fail(f"{name}: different rng seeds gave identical params: the rng "
                                "argument is ignored.",
                                "The result does not depend on the generator you were "
                                "given: was a new one made inside, from a fixed seed?",
                                "Section 4: one generator, made once, drives every random "
                                "choice of the run.")
        params = {k: np.asarray(v, dtype=float) for k, v in seen["result"][0].items()}
        loss = two_layer_loss(params, data["X_train"], data["y_train"])
        start = two_layer_loss({"W1": np.zeros((5, 7)), "b1": np.zeros(7),
                                "W2": np.zeros((7, 3)), "b2": np.zeros(3)},
                               data["X_train"], data["y_train"])
        if epochs >= 4 and loss > 0.8 * start:
            return Verdict.fail(f"{name}: the training loss barely fell ({loss:.3f}, chance "
                                f"level {start:.3f}) on an easy problem.",
                                "The steps do not lower the training loss: their direction "
                                "or size is off, or fewer steps are taken than there are "
                                "mini-batches.",
                                "Section 4: the training loop's outline, and section 3's "
                                "step; print the training loss after every epoch and test "
                                "sgd_step alone on a tiny dict.")
        return Verdict.ok()


# ---------------------------------------------------------------- fresh random inputs


@register
class MinibatchesRandom(Check):
    """make_minibatches is right on random sizes with non-contiguous X and y."""

    name = "minibatches_hidden_random"
    fresh = True

    def inputs(self, run_seed=0):
        rng = np.random.default_rng([run_seed, 52])
        n = int(rng.integers(11, 80))
        batch_size = int(rng.integers(2, n))
        return id_data(n, batch_size, int(rng.integers(10**6)))

    def probe(self, make_minibatches, run_seed=0):
        batches, after = call_on_copies(make_minibatches, self.inputs(run_seed), strided)
        return {"batches": batches, "after": after}

    def judge(self, seen, run_seed=0):
        inputs = self.inputs(run_seed)
        name = (f"make_minibatches(X ({len(inputs['X'])}, 3) non-contiguous, "
                f"y ({len(inputs['X'])},), batch_size={inputs['batch_size']}, rng)")
        return judge_minibatches(name, seen, inputs)


class _GradientRandom(Check):
    """Random sizes, non-contiguous params and X (transposed and strided views)."""

    function = ""
    fresh = True

    def inputs(self, run_seed=0):
        rng = np.random.default_rng([run_seed, 53])
        n, d, h, c = (int(rng.integers(lo, hi)) for lo, hi in ((1, 20), (2, 9), (2, 12),
                                                                (2, 8)))
        return random_problem(n, d, h, c, int(rng.integers(10**6)))

    def large(self, run_seed=0):
        return large_score_problem(int(np.random.default_rng([run_seed, 62]).integers(10**6)))

    def probe(self, gradient_fn, run_seed=0):
        grads, after = call_on_copies(gradient_fn, self.inputs(run_seed), strided)
        large, large_after = call_on_copies(gradient_fn, self.large(run_seed), strided)
        return {"grads": grads, "after": after,
                "large": {"grads": large, "after": large_after}}

    def judge(self, seen, run_seed=0):
        return first_failure(
            judge_gradient_values(self.function + " (non-contiguous inputs)", seen,
                                  **self.inputs(run_seed)),
            judge_edge_case(self.function + " (non-contiguous inputs)", "large scores",
                            seen["large"], self.large(run_seed)))


@register
class BatchGradientLoopRandom(_GradientRandom):
    """batch_gradient_by_loop is right on random sizes with non-contiguous inputs."""

    name = "batch_gradient_loop_hidden_random"
    function = "batch_gradient_by_loop"
    rules = LOOP_RULES


@register
class BatchGradientVectorizedRandom(_GradientRandom):
    """batch_gradient_vectorized is right on random sizes with non-contiguous inputs."""

    name = "batch_gradient_vectorized_hidden_random"
    function = "batch_gradient_vectorized"
    rules = VECTORIZED_RULES


@register
class SgdStepRandom(Check):
    """sgd_step is right on random keys, shapes and lr, with non-contiguous arrays."""

    name = "sgd_step_hidden_random"
    fresh = True

    def inputs(self, run_seed=0):
        rng = np.random.default_rng([run_seed, 54])
        params, grads = optimizer_problem(int(rng.integers(10**6)), 1,
                                          ("W1", "b1", "w", "gamma"))
        return {"params": params, "grads": grads[0], "lr": float(rng.uniform(0.01, 2.0))}

    def probe(self, sgd_step, run_seed=0):
        new, after = call_on_copies(sgd_step, self.inputs(run_seed), strided)
        return {"new": new, "after": after}

    def judge(self, seen, run_seed=0):
        inputs = self.inputs(run_seed)
        return judge_sgd_step(f"sgd_step(non-contiguous params, grads, lr={inputs['lr']:.3g})",
                              seen, inputs)


@register
class AccuracyRandom(Check):
    """accuracy is right on random sizes with non-contiguous scores (a transposed view)."""

    name = "accuracy_hidden_random"
    fresh = True

    def inputs(self, run_seed=0):
        rng = np.random.default_rng([run_seed, 56])
        n, c = int(rng.integers(1, 60)), int(rng.integers(2, 12))
        scores = rng.normal(size=(n, c))
        y = rng.integers(0, c, size=n)
        right = rng.random(n) < 0.5
        y[right] = scores[right].argmax(axis=1)
        return {"scores": scores, "y": y}

    def probe(self, accuracy, run_seed=0):
        inputs = self.inputs(run_seed)
        return {"acc": accuracy(np.ascontiguousarray(inputs["scores"].T).T,
                                strided(inputs["y"]))}

    def judge(self, seen, run_seed=0):
        inputs = self.inputs(run_seed)
        return judge_accuracy(f"accuracy(scores {inputs['scores'].shape} (a transposed view), "
                              "y)", seen["acc"], **inputs)


@register
class TrainMlpMinibatchSgdHidden(Check):
    """train_mlp on fresh data and sizes: a new shuffle per epoch, a step per batch."""

    name = "train_mlp_hidden_minibatch_sgd"
    fresh = True
    rules = TRAIN_RULES
    defaults = {"variant": 0}

    def inputs(self, variant, run_seed=0):
        rng = np.random.default_rng([run_seed, 57, variant])
        n_train = int(rng.integers(40, 100))
        batch_size = int(rng.choice([5, 7, 11, 13, 32])) if variant == 0 else n_train - 1
        epochs = int(rng.integers(2, 4))
        seed = int(rng.integers(10**6))
        return {"data": small_problem(seed, n_train=n_train), "lr": float(rng.uniform(0.05, 0.3)),
                "hidden": int(rng.integers(3, 9)), "batch_size": batch_size, "epochs": epochs,
                "seed": seed}

    def probe(self, train_mlp, **args):
        case = self.inputs(**args)

        def run(rng_seed, altered):
            return drive(probe_sgd_run(train_mlp,
                                       {k: strided(a) for k, a in case["data"].items()},
                                       case["hidden"], case["lr"], case["batch_size"],
                                       case["epochs"], rng_seed, altered))

        return {**run(case["seed"] + 1, False), "through": run(case["seed"] + 2, True)}

    def judge(self, seen, **args):
        case = self.inputs(**args)
        name = (f"train_mlp(N={len(case['data']['X_train'])}, hidden={case['hidden']}, "
                f"lr={case['lr']:.3g}, batch_size={case['batch_size']}, "
                f"epochs={case['epochs']})")
        return first_failure(*(
            judge(name, run, case["data"], case["hidden"], case["lr"], case["batch_size"],
                  case["epochs"])
            for judge, run in ((judge_sgd_run, seen), (judge_through_run, seen["through"]))))


@register
class MomentumStepRandom(Check):
    """momentum_step matches torch.optim.SGD on random settings and non-contiguous arrays."""

    name = "momentum_step_hidden_random"
    fresh = True

    def inputs(self, run_seed=0):
        rng = np.random.default_rng([run_seed, 58])
        params, grads = optimizer_problem(int(rng.integers(10**6)), int(rng.integers(2, 6)),
                                          ("w", "b1", "gamma", "W2"))
        return {"params": params, "grads": grads, "kwargs": {
            "lr": float(rng.uniform(0.001, 0.3)), "beta": float(rng.uniform(0.3, 0.99))}}

    def probe(self, momentum_step, run_seed=0):
        return drive(probe_optimizer(momentum_step, **self.inputs(run_seed), noncontiguous=True))

    def judge(self, seen, run_seed=0):
        inputs = self.inputs(run_seed)
        call = "momentum_step(lr={lr:.3g}, beta={beta:.3g})".format(**inputs["kwargs"])
        return judge_optimizer("momentum", call, seen, **inputs, hints=MOMENTUM_HINTS)


class _AdamRandom(Check):
    fresh = True
    salt = 59
    grad_scale = 1.0
    eps_range = (-10.0, -6.0)  # log10 of eps

    def inputs(self, run_seed=0):
        rng = np.random.default_rng([run_seed, self.salt])
        params, grads = optimizer_problem(int(rng.integers(10**6)), int(rng.integers(2, 7)),
                                          ("W1", "b2", "w", "gamma"))
        grads = [{k: g * self.grad_scale for k, g in step.items()} for step in grads]
        kwargs = {"lr": float(rng.uniform(1e-4, 0.1)), "beta1": float(rng.uniform(0.5, 0.95)),
                  "beta2": float(rng.uniform(0.9, 0.9999)),
                  "eps": float(10 ** rng.uniform(*self.eps_range))}
        return {"params": params, "grads": grads, "kwargs": kwargs}

    def probe(self, adam_step, run_seed=0):
        return drive(probe_optimizer(adam_step, **self.inputs(run_seed), noncontiguous=True))

    def judge(self, seen, run_seed=0):
        inputs = self.inputs(run_seed)
        call = "adam_step(" + ", ".join(f"{k}={v:.3g}" for k, v in inputs["kwargs"].items()) + ")"
        return judge_optimizer("adam", call, seen, **inputs, hints=ADAM_HINTS)


@register
class AdamStepRandom(_AdamRandom):
    """adam_step matches torch.optim.Adam on random settings and non-contiguous arrays."""

    name = "adam_step_hidden_random"


@register
class AdamStepEps(_AdamRandom):
    """adam_step uses its eps argument: a large eps with small gradients changes every step."""

    name = "adam_step_hidden_eps"
    salt = 60
    grad_scale = 1e-3  # small gradients: an eps of 1e-3 .. 1e-2 changes every step
    eps_range = (-3.0, -2.0)
