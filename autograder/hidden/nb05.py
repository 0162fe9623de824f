"""Hidden checks for 05_minibatches_and_sgd (instructor only; never in the student's notebook)."""

from __future__ import annotations

import numpy as np
from nncourse.checking import Check, register
from nncourse.checks.nb05 import (
    KEYS,
    copy_params,
    grads_form,
    id_data,
    judge_training,
    oracle_gradients,
    oracle_loss,
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

    def probe(self, make_minibatches, n=30, batch_size=4):
        X, y = id_data(n)
        np.random.seed(1)
        first = make_minibatches(X.copy(), y.copy(), batch_size, np.random.default_rng(42))
        np.random.seed(2)
        again = make_minibatches(X.copy(), y.copy(), batch_size, np.random.default_rng(42))
        other = make_minibatches(X.copy(), y.copy(), batch_size, np.random.default_rng(43))
        rng = np.random.default_rng(44)
        epoch_0 = make_minibatches(X.copy(), y.copy(), batch_size, rng)
        epoch_1 = make_minibatches(X.copy(), y.copy(), batch_size, rng)
        return {k: _batch_ids(v) for k, v in (("first", first), ("again", again),
                                               ("other", other), ("epoch_0", epoch_0),
                                               ("epoch_1", epoch_1))}

    def judge(self, seen, n=30, batch_size=4):
        if seen["first"] != seen["again"]:
            return Verdict.fail(
                "make_minibatches gave different batches for two generators with the same "
                "seed: it draws from np.random (global state) instead of its rng argument.",
                "Use rng.permutation(N), not np.random.permutation(N).")
        if seen["first"] == seen["other"]:
            return Verdict.fail("make_minibatches gave the same order for rng seeds 42 and 43: "
                                "the shuffle must come from the rng.")
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


@register
class BatchGradientVectorizedKink(_GradientKink):
    """batch_gradient_vectorized uses relu'(0) = 0 (torch's convention)."""

    name = "batch_gradient_vectorized_hidden_kink"
    function = "batch_gradient_vectorized"


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
                                       hints=("argmax along axis=1 (per row), then the mean "
                                              "of the matches.",))
                               for k, v in expected.items()))


def small_problem(seed: int):
    """A three-class blob problem: train (90, 5); validation (30, 5) with shuffled labels."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=2.0, size=(3, 5))
    y_train = np.arange(90) % 3
    X_train = centres[y_train] + rng.normal(size=(90, 5))
    y_val = rng.integers(0, 3, size=30)  # labels unrelated to the inputs: val != train
    X_val = centres[np.arange(30) % 3] + rng.normal(size=(30, 5))
    return X_train, y_train, X_val, y_val


@register
class TrainMlpSmall(Check):
    """train_mlp on a small problem: history lengths, shapes, val numbers, rng=None = seed 0."""

    name = "train_mlp_hidden_small"

    def probe(self, train_mlp, epochs=4, batch_size=16, seed=0):
        data = small_problem(seed)
        inputs = [a.copy() for a in data]
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

    def judge(self, seen, epochs=4, batch_size=16, seed=0):
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
