"""Hidden checks for 05_minibatches_and_sgd (instructor only; never in the student's notebook)."""

from __future__ import annotations

import numpy as np
from nncourse.checking import Check, register
from nncourse.checks.nb05 import (
    ADAM_HINTS,
    GRADIENT_HINTS,
    KEYS,
    LOOP_RULES,
    MOMENTUM_HINTS,
    TRAIN_RULES,
    VECTORIZED_RULES,
    copy_params,
    grads_form,
    id_data,
    judge_gradient_values,
    judge_minibatches,
    judge_optimizer,
    judge_sgd_run,
    judge_training,
    optimizer_problem,
    oracle_gradients,
    oracle_loss,
    probe_optimizer,
    probe_sgd_run,
    random_problem,
    small_problem,
    strided,
    strided_params,
    unchanged,
)
from nncourse.compare import compare
from nncourse.verdict import Verdict, first_failure


def _batch_ids(batches) -> list:
    """The example ids (column 0 of X_batch) of every batch, as plain lists."""
    return [np.round(np.asarray(pair[0], dtype=float)[:, 0]).astype(int).tolist()
            for pair in batches]


@register
class MinibatchesRng(Check):
    """make_minibatches draws only from its rng: same seed, same batches; new seed, new order."""

    name = "minibatches_hidden_rng"
    fresh = True

    def probe(self, make_minibatches, n=30, batch_size=4, run_seed=0):
        X, y = id_data(n)
        seed = int(np.random.default_rng([run_seed, 51]).integers(1000, 10**6))
        np.random.seed(1)
        first = make_minibatches(X.copy(), y.copy(), batch_size, np.random.default_rng(seed))
        np.random.seed(2)
        again = make_minibatches(X.copy(), y.copy(), batch_size, np.random.default_rng(seed))
        other = make_minibatches(X.copy(), y.copy(), batch_size,
                                 np.random.default_rng(seed + 1))
        rng = np.random.default_rng(seed + 2)
        epoch_0 = make_minibatches(X.copy(), y.copy(), batch_size, rng)
        epoch_1 = make_minibatches(X.copy(), y.copy(), batch_size, rng)
        return {k: _batch_ids(v) for k, v in (("first", first), ("again", again),
                                               ("other", other), ("epoch_0", epoch_0),
                                               ("epoch_1", epoch_1))}

    def judge(self, seen, n=30, batch_size=4, run_seed=0):
        if seen["first"] != seen["again"]:
            return Verdict.fail(
                "make_minibatches gave different batches for two generators with the same "
                "seed: it draws from np.random (global state) instead of its rng argument.",
                "Every random draw goes through the rng argument, never np.random.")
        if seen["first"] == seen["other"]:
            return Verdict.fail("make_minibatches gave the same order for two generators with "
                                "different seeds: the shuffle must come from the rng.")
        if seen["epoch_0"] == seen["epoch_1"]:
            return Verdict.fail("two calls with one rng (two epochs) gave the same order; "
                                "every call must draw a fresh permutation from rng.")
        return Verdict.ok()


class _GradientKink(Check):
    """relu'(0) = 0: an example whose hidden pre-activations are exactly 0."""

    function = ""

    @staticmethod
    def problem():
        rng = np.random.default_rng(17)
        params = {"W1": rng.normal(size=(3, 4)), "b1": np.array([0.0, 0.0, 0.5, -0.5]),
                  "W2": rng.normal(size=(4, 3)), "b2": rng.normal(size=3)}
        X = rng.normal(size=(5, 3))
        X[1] = 0.0  # this example has Z1 = b1: two units exactly at 0
        X[3, :] = 0.0
        y = np.array([2, 0, 1, 1, 0])
        return params, X, y

    def probe(self, gradient_fn):
        params, X, y = self.problem()
        p_in, X_in = copy_params(params), X.copy()
        return {"grads": gradient_fn(p_in, X_in, y.copy()), "params_after": p_in,
                "X_after": X_in}

    def judge(self, seen):
        params, X, y = self.problem()
        name = f"{self.function} with pre-activations exactly 0"
        verdict = first_failure(
            grads_form(name, seen["grads"], params),
            unchanged(name, {**seen["params_after"], "X": seen["X_after"]},
                      {**params, "X": X}))
        if not verdict.passed:
            return verdict
        oracle = oracle_gradients(params, X, y)
        return first_failure(*(compare(f"{name}: grads[{key!r}]", seen["grads"][key],
                                       oracle[key], rtol=1e-6, atol=1e-9, n=len(X),
                                       hints=("The course's convention is relu'(0) = 0: "
                                              "the mask is [Z1 > 0], not [Z1 >= 0].",))
                                for key in KEYS))


@register
class BatchGradientLoopKink(_GradientKink):
    """batch_gradient_by_loop uses relu'(0) = 0 (torch's convention)."""

    name = "batch_gradient_loop_hidden_kink"
    function = "batch_gradient_by_loop"
    rules = LOOP_RULES


@register
class BatchGradientVectorizedKink(_GradientKink):
    """batch_gradient_vectorized uses relu'(0) = 0 (torch's convention)."""

    name = "batch_gradient_vectorized_hidden_kink"
    function = "batch_gradient_vectorized"
    rules = VECTORIZED_RULES


@register
class SgdStepFresh(Check):
    """sgd_step returns new arrays: changing the result leaves params alone; lr = 0 copies."""

    name = "sgd_step_hidden_fresh"

    def probe(self, sgd_step):
        params = {"W": np.arange(6.0).reshape(2, 3), "b": np.array([1.0, -1.0, 0.5])}
        grads = {"W": np.ones((2, 3)), "b": np.array([2.0, 0.0, -4.0])}
        p_in, g_in = copy_params(params), copy_params(grads)
        same = sgd_step(p_in, g_in, 0.0)
        snapshot = {k: np.array(v, dtype=float, copy=True) for k, v in same.items()}
        for value in same.values():
            if isinstance(value, np.ndarray):
                value[...] = -99.0
        step = sgd_step(p_in, g_in, 0.25)
        return {"same": snapshot, "step": step, "params_after": p_in, "grads_after": g_in}

    def judge(self, seen):
        params = {"W": np.arange(6.0).reshape(2, 3), "b": np.array([1.0, -1.0, 0.5])}
        grads = {"W": np.ones((2, 3)), "b": np.array([2.0, 0.0, -4.0])}
        verdict = first_failure(
            unchanged("sgd_step (after the caller changed its result)", seen["params_after"],
                      params),
            unchanged("sgd_step", seen["grads_after"], grads))
        if not verdict.passed:
            return Verdict.fail(verdict.message + " With lr = 0 the result must still be a "
                                "new dict of new arrays.", *verdict.hints)
        return first_failure(*(
            [compare(f"sgd_step(params, grads, 0.0)[{k!r}]", seen["same"][k], params[k])
             for k in params]
            + [compare(f"sgd_step(params, grads, 0.25)[{k!r}]", seen["step"][k],
                       params[k] - 0.25 * grads[k]) for k in params]))


@register
class AccuracyCases(Check):
    """accuracy on hand-made cases: all right, none right, one row, negative scores."""

    name = "accuracy_hidden_cases"
    SCORES = np.array([[-5.0, -1.0, -3.0], [2.0, 0.5, 1.0], [0.0, 0.1, 9.0],
                       [7.0, 8.0, 1.0], [-2.0, -9.0, -1.0]])
    LABELS = {"half": np.array([1, 0, 2, 0, 1]), "all": np.array([1, 0, 2, 1, 2]),
              "none": np.array([0, 1, 0, 0, 0])}

    def probe(self, accuracy):
        seen = {k: accuracy(self.SCORES.copy(), y.copy()) for k, y in self.LABELS.items()}
        seen["one_row"] = accuracy(self.SCORES[2:3].copy(), np.array([2]))
        return seen

    def judge(self, seen):
        expected = {"half": 0.6, "all": 1.0, "none": 0.0, "one_row": 1.0}
        return first_failure(*(compare(f"accuracy ({k})", np.squeeze(seen[k]), v,
                                       hints=("A row is right when its largest score is at "
                                              "its label.",))
                               for k, v in expected.items()))


@register
class TrainMlpSmall(Check):
    """train_mlp on a small problem: history lengths, shapes, val numbers, rng=None = seed 0."""

    name = "train_mlp_hidden_small"
    fresh = True
    rules = TRAIN_RULES

    def probe(self, train_mlp, epochs=4, batch_size=16, run_seed=0):
        seed = int(np.random.default_rng([run_seed, 55]).integers(10**6))
        data = small_problem(seed)
        inputs = [strided(a) for a in data]
        kwargs = dict(hidden=7, lr=0.2, batch_size=batch_size, epochs=epochs)
        np.random.seed(5)
        result = train_mlp(*inputs, rng=np.random.default_rng(seed), **kwargs)
        np.random.seed(6)
        none_1 = train_mlp(*inputs, rng=None, **kwargs)
        np.random.seed(7)
        none_2 = train_mlp(*inputs, **kwargs)
        zero = train_mlp(*inputs, rng=np.random.default_rng(0), **kwargs)
        other = train_mlp(*inputs, rng=np.random.default_rng(seed + 100), **kwargs)
        return {"result": list(result), "inputs_after": inputs,
                "none_1": none_1[0], "none_2": none_2[0], "zero": zero[0], "other": other[0]}

    def judge(self, seen, epochs=4, batch_size=16, run_seed=0):
        seed = int(np.random.default_rng([run_seed, 55]).integers(10**6))
        X_train, y_train, X_val, y_val = small_problem(seed)
        name = f"train_mlp(small problem, hidden=7, epochs={epochs}, batch_size={batch_size})"
        verdict = first_failure(
            unchanged(name, dict(zip(("X_train", "y_train", "X_val", "y_val"),
                                     seen["inputs_after"])),
                      {"X_train": X_train, "y_train": y_train, "X_val": X_val,
                       "y_val": y_val}),
            judge_training(name, seen, X_train, y_train, X_val, y_val, 7, epochs, 3))
        if not verdict.passed:
            return verdict

        def same(a, b):
            return all(np.array_equal(np.asarray(a[k]), np.asarray(b[k])) for k in KEYS)

        if not (same(seen["none_1"], seen["none_2"]) and same(seen["none_1"], seen["zero"])):
            return Verdict.fail(
                f"{name}: with rng=None the result must equal the one with "
                "rng=np.random.default_rng(0), whatever np.random's global state is.",
                "Replace None by np.random.default_rng(0) and draw everything (init and "
                "shuffles) from that generator.")
        if same(seen["result"][0], seen["other"]):
            return Verdict.fail(f"{name}: different rng seeds gave identical params: the rng "
                                "argument is ignored.")
        params = {k: np.asarray(v, dtype=float) for k, v in seen["result"][0].items()}
        start = oracle_loss({"W1": np.zeros((5, 7)), "b1": np.zeros(7),
                             "W2": np.zeros((7, 3)), "b2": np.zeros(3)}, X_train, y_train)
        if epochs >= 4 and oracle_loss(params, X_train, y_train) > 0.8 * start:
            return Verdict.fail(f"{name}: the training loss barely fell "
                                f"({oracle_loss(params, X_train, y_train):.3f}, chance level "
                                f"{start:.3f}) on an easy problem.",
                                "Step against the gradient, once per mini-batch.")
        return Verdict.ok()


# ---------------------------------------------------------------- fresh random inputs


@register
class MinibatchesRandom(Check):
    """make_minibatches on random sizes and non-contiguous X, y (views of bigger arrays)."""

    name = "minibatches_hidden_random"
    fresh = True

    @staticmethod
    def case(run_seed):
        rng = np.random.default_rng([run_seed, 52])
        n = int(rng.integers(11, 80))
        batch_size = int(rng.integers(2, n))
        return n, batch_size, int(rng.integers(10**6))

    def probe(self, make_minibatches, run_seed=0):
        n, batch_size, seed = self.case(run_seed)
        X, y = id_data(n)
        X_in, y_in = strided(X), strided(y)
        batches = make_minibatches(X_in, y_in, batch_size, np.random.default_rng(seed))
        if isinstance(batches, list | tuple):
            batches = [list(p) if isinstance(p, list | tuple) else p for p in batches]
        return {"batches": batches, "X_after": X_in, "y_after": y_in}

    def judge(self, seen, run_seed=0):
        n, batch_size, _ = self.case(run_seed)
        X, y = id_data(n)
        name = (f"make_minibatches(X ({n}, 3) non-contiguous, y ({n},), "
                f"batch_size={batch_size}, rng)")
        return first_failure(
            unchanged(name, {"X": seen["X_after"], "y": seen["y_after"]}, {"X": X, "y": y}),
            judge_minibatches(name, seen["batches"], n, batch_size))


class _GradientRandom(Check):
    """Random sizes, non-contiguous params and X (transposed and strided views)."""

    function = ""
    fresh = True

    @staticmethod
    def case(run_seed):
        rng = np.random.default_rng([run_seed, 53])
        n, d, h, c = (int(rng.integers(lo, hi)) for lo, hi in ((1, 20), (2, 9), (2, 12),
                                                                (2, 8)))
        return n, d, h, c, int(rng.integers(10**6))

    def probe(self, gradient_fn, run_seed=0):
        n, d, h, c, seed = self.case(run_seed)
        params, X, y = random_problem(n, d, h, c, seed)
        p_in, X_in, y_in = strided_params(params), strided(X), strided(y)
        grads = gradient_fn(p_in, X_in, y_in)
        return {"grads": grads, "params_after": p_in, "X_after": X_in, "y_after": y_in}

    def judge(self, seen, run_seed=0):
        n, d, h, c, seed = self.case(run_seed)
        params, X, y = random_problem(n, d, h, c, seed)
        return judge_gradient_values(self.function + " (non-contiguous inputs)", seen,
                                     params, X, y, GRADIENT_HINTS)


@register
class BatchGradientLoopRandom(_GradientRandom):
    """batch_gradient_by_loop on random sizes with non-contiguous inputs."""

    name = "batch_gradient_loop_hidden_random"
    function = "batch_gradient_by_loop"
    rules = LOOP_RULES


@register
class BatchGradientVectorizedRandom(_GradientRandom):
    """batch_gradient_vectorized on random sizes with non-contiguous inputs."""

    name = "batch_gradient_vectorized_hidden_random"
    function = "batch_gradient_vectorized"
    rules = VECTORIZED_RULES


@register
class SgdStepRandom(Check):
    """sgd_step on random keys, shapes and lr, with non-contiguous arrays."""

    name = "sgd_step_hidden_random"
    fresh = True

    @staticmethod
    def case(run_seed):
        rng = np.random.default_rng([run_seed, 54])
        keys = ("W1", "b1", "w", "gamma")
        params, grads = optimizer_problem(int(rng.integers(10**6)), 1, keys)
        return params, grads[0], float(rng.uniform(0.01, 2.0))

    def probe(self, sgd_step, run_seed=0):
        params, grads, lr = self.case(run_seed)
        p_in, g_in = strided_params(params), strided_params(grads)
        return {"new": sgd_step(p_in, g_in, lr), "params_after": p_in, "grads_after": g_in}

    def judge(self, seen, run_seed=0):
        params, grads, lr = self.case(run_seed)
        new = seen["new"]
        if not isinstance(new, dict) or sorted(new) != sorted(params):
            return Verdict.fail(f"sgd_step returned a dict with keys "
                                f"{sorted(new) if isinstance(new, dict) else new}; expected "
                                f"the keys of params, {sorted(params)}.")
        return first_failure(
            unchanged("sgd_step", seen["params_after"], params),
            unchanged("sgd_step", seen["grads_after"], grads),
            *(compare(f"sgd_step(non-contiguous params, grads, lr={lr:.3g})[{k!r}]", new[k],
                      params[k] - lr * grads[k]) for k in params))


@register
class AccuracyRandom(Check):
    """accuracy on random sizes with non-contiguous scores (a transposed view)."""

    name = "accuracy_hidden_random"
    fresh = True

    @staticmethod
    def case(run_seed):
        rng = np.random.default_rng([run_seed, 56])
        n, c = int(rng.integers(1, 60)), int(rng.integers(2, 12))
        scores = rng.normal(size=(n, c))
        y = rng.integers(0, c, size=n)
        right = rng.random(n) < 0.5
        y[right] = scores[right].argmax(axis=1)
        return scores, y

    def probe(self, accuracy, run_seed=0):
        scores, y = self.case(run_seed)
        return {"acc": accuracy(np.ascontiguousarray(scores.T).T, strided(y))}

    def judge(self, seen, run_seed=0):
        scores, y = self.case(run_seed)
        expected = float(np.mean(scores.argmax(axis=1) == y))
        if np.size(seen["acc"]) != 1:
            return Verdict.fail(f"accuracy returned {np.shape(seen['acc'])}; expected one "
                                "number.")
        return compare(f"accuracy(scores {scores.shape} (a transposed view), y)",
                       float(np.squeeze(seen["acc"])), expected)


@register
class TrainMlpMinibatchSgdHidden(Check):
    """train_mlp on fresh data and sizes: a new shuffle from rng per epoch through
    make_minibatches, one sgd_step per mini-batch, never the validation data."""

    name = "train_mlp_hidden_minibatch_sgd"
    fresh = True
    rules = TRAIN_RULES

    @staticmethod
    def case(run_seed, variant):
        rng = np.random.default_rng([run_seed, 57, variant])
        n_train = int(rng.integers(40, 100))
        batch_size = int(rng.choice([5, 7, 11, 13, 32])) if variant == 0 else n_train - 1
        epochs = int(rng.integers(2, 4))
        return (int(rng.integers(10**6)), n_train, batch_size, epochs,
                float(rng.uniform(0.05, 0.3)), int(rng.integers(3, 9)))

    def probe(self, train_mlp, variant=0, run_seed=0):
        seed, n_train, batch_size, epochs, lr, hidden = self.case(run_seed, variant)
        inputs = [strided(a) for a in small_problem(seed, n_train=n_train)]
        return probe_sgd_run(train_mlp, inputs, hidden, lr, batch_size, epochs, seed + 1)

    def judge(self, seen, variant=0, run_seed=0):
        seed, n_train, batch_size, epochs, lr, hidden = self.case(run_seed, variant)
        X_train, y_train, X_val, y_val = small_problem(seed, n_train=n_train)
        name = (f"train_mlp(N={n_train}, hidden={hidden}, lr={lr:.3g}, "
                f"batch_size={batch_size}, epochs={epochs})")
        return judge_sgd_run(name, seen, X_train, y_train, X_val, y_val, hidden, lr,
                             batch_size, epochs)


@register
class MomentumStepRandom(Check):
    """momentum_step vs torch.optim.SGD on random keys, lr, beta; non-contiguous arrays."""

    name = "momentum_step_hidden_random"
    fresh = True

    @staticmethod
    def case(run_seed):
        rng = np.random.default_rng([run_seed, 58])
        params, grads = optimizer_problem(int(rng.integers(10**6)), int(rng.integers(2, 6)),
                                          ("w", "b1", "gamma", "W2"))
        return params, grads, {"lr": float(rng.uniform(0.001, 0.3)),
                               "beta": float(rng.uniform(0.3, 0.99))}

    def probe(self, momentum_step, run_seed=0):
        params, grads, kwargs = self.case(run_seed)
        return probe_optimizer(momentum_step, params, grads, kwargs, noncontiguous=True)

    def judge(self, seen, run_seed=0):
        params, grads, kwargs = self.case(run_seed)
        call = f"momentum_step(lr={kwargs['lr']:.3g}, beta={kwargs['beta']:.3g})"
        return judge_optimizer("momentum", call, seen, params, grads, kwargs, MOMENTUM_HINTS)


class _AdamRandom(Check):
    fresh = True
    salt = 59
    grad_scale = 1.0
    eps_range = (-10.0, -6.0)  # log10 of eps

    def case(self, run_seed):
        rng = np.random.default_rng([run_seed, self.salt])
        params, grads = optimizer_problem(int(rng.integers(10**6)), int(rng.integers(2, 7)),
                                          ("W1", "b2", "w", "gamma"))
        grads = [{k: g * self.grad_scale for k, g in step.items()} for step in grads]
        kwargs = {"lr": float(rng.uniform(1e-4, 0.1)), "beta1": float(rng.uniform(0.5, 0.95)),
                  "beta2": float(rng.uniform(0.9, 0.9999)),
                  "eps": float(10 ** rng.uniform(*self.eps_range))}
        return params, grads, kwargs

    def probe(self, adam_step, run_seed=0):
        params, grads, kwargs = self.case(run_seed)
        return probe_optimizer(adam_step, params, grads, kwargs, noncontiguous=True)

    def judge(self, seen, run_seed=0):
        params, grads, kwargs = self.case(run_seed)
        call = "adam_step(" + ", ".join(f"{k}={v:.3g}" for k, v in kwargs.items()) + ")"
        return judge_optimizer("adam", call, seen, params, grads, kwargs, ADAM_HINTS)


@register
class AdamStepRandom(_AdamRandom):
    """adam_step vs torch.optim.Adam on random keys and hyper-parameters, non-contiguous."""

    name = "adam_step_hidden_random"


@register
class AdamStepEps(_AdamRandom):
    """adam_step honours eps: a large eps with small gradients changes every step."""

    name = "adam_step_hidden_eps"
    salt = 60
    grad_scale = 1e-3  # small gradients: an eps of 1e-3 .. 1e-2 changes every step
    eps_range = (-3.0, -2.0)
