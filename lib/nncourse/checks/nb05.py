"""Visible checks for 05_minibatches_and_sgd: mini-batches, batch gradients, SGD, training.

The two-layer network of the notebook is ``linear -> relu -> linear -> softmax
cross-entropy`` with ``params = {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}``. The
judges compute every expectation themselves: forward passes and gradients with torch, finite
differences on a numpy oracle, and properties of random batches.
"""

from __future__ import annotations

import math

import numpy as np

from nncourse.checking import Check, register
from nncourse.compare import compare, describe
from nncourse.gradcheck import finite_difference_gradient, gradient_check, torch_gradient
from nncourse.verdict import Verdict, first_failure

KEYS = ("W1", "b1", "W2", "b2")


# ---------------------------------------------------------------- oracles and fixtures


def oracle_scores(params: dict, X: np.ndarray) -> np.ndarray:
    """Scores (N, C) of the two-layer ReLU net, computed by torch."""
    import torch

    t = {k: torch.as_tensor(np.asarray(params[k], dtype=np.float64)) for k in KEYS}
    X = torch.as_tensor(np.asarray(X, dtype=np.float64))
    return (torch.relu(X @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]).numpy()


def oracle_loss(params: dict, X: np.ndarray, y: np.ndarray) -> float:
    """Mean softmax cross-entropy of the net on (X, y), computed by torch."""
    import torch

    scores = torch.as_tensor(oracle_scores(params, X))
    return float(torch.nn.functional.cross_entropy(scores, torch.as_tensor(
        np.asarray(y, dtype=np.int64))))


def numpy_loss(params: dict, X: np.ndarray, y: np.ndarray) -> float:
    """The same loss in plain numpy (for finite differences: many cheap evaluations)."""
    scores = np.maximum(X @ params["W1"] + params["b1"], 0.0) @ params["W2"] + params["b2"]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(y)), y].mean())


def oracle_gradients(params: dict, X: np.ndarray, y: np.ndarray) -> dict:
    """Gradient of the mean loss for every key, by torch autograd (relu'(0) = 0)."""
    import torch

    Xt = torch.as_tensor(np.asarray(X, dtype=np.float64))
    yt = torch.as_tensor(np.asarray(y, dtype=np.int64))

    def loss(W1, b1, W2, b2):
        scores = torch.relu(Xt @ W1 + b1) @ W2 + b2
        return torch.nn.functional.cross_entropy(scores, yt)

    return dict(zip(KEYS, torch_gradient(loss, *(params[k] for k in KEYS))))


def numeric_gradients(params: dict, X: np.ndarray, y: np.ndarray) -> dict:
    """Centred finite differences of :func:`numpy_loss` for every key."""
    grads = {}
    for key in KEYS:
        work = {k: np.array(v, dtype=np.float64) for k, v in params.items()}

        def f(value, key=key, work=work):
            work[key] = value
            return numpy_loss(work, X, y)

        grads[key] = finite_difference_gradient(f, work[key].copy())
    return grads


def random_problem(n: int, d: int, h: int, c: int, seed: int):
    """params (scaled like a trained net), X (n, d), y (n,) with every class id < c."""
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(size=(d, h)) / np.sqrt(d), "b1": rng.normal(scale=0.5, size=h),
              "W2": rng.normal(size=(h, c)) / np.sqrt(h), "b2": rng.normal(scale=0.5, size=c)}
    X = rng.normal(size=(n, d))
    y = rng.integers(0, c, size=n)
    return params, X, y


def copy_params(params: dict) -> dict:
    return {k: np.array(v, copy=True) for k, v in params.items()}


def unchanged(name: str, after: dict, before: dict) -> Verdict:
    """Fail if any array the student received was modified in place."""
    for key, value in before.items():
        got = np.asarray(after.get(key), dtype=np.float64)
        if got.shape != np.shape(value) or not np.array_equal(got, value):
            return Verdict.fail(
                f"{name} modified its input {key!r} in place; inputs must stay unchanged.",
                "Build new arrays (`p - lr * g`, `X[order]`) instead of updating the "
                "arrays you were given (`p -= ...`, `rng.shuffle(X)`).")
    return Verdict.ok()


def grads_form(name: str, grads, params: dict) -> Verdict:
    """The returned gradients are a dict with params' keys and shapes."""
    if not isinstance(grads, dict):
        return Verdict.fail(f"{name} returned {describe(grads)}; expected a dict with keys "
                            f"{list(KEYS)}.", "Return e.g. {'W1': dW1, 'b1': db1, ...}.")
    missing = [k for k in KEYS if k not in grads]
    if missing:
        return Verdict.fail(f"{name}: the returned dict has keys {sorted(grads)}; missing "
                            f"{missing}.")
    for key in KEYS:
        shape = np.shape(grads[key])
        if shape != np.shape(params[key]):
            hint = ("a bias gradient sums dS over the batch axis: dS.sum(axis=0)"
                    if key.startswith("b") else
                    "dW has the shape of W: inputs.T @ upstream, (D_in, N) @ (N, D_out)")
            return Verdict.fail(f"{name}: grads[{key!r}] has shape {shape}, expected "
                                f"{np.shape(params[key])} (the shape of params[{key!r}]).",
                                hint)
    return Verdict.ok()


GRADIENT_HINTS = (
    "The loss is the MEAN over the batch, so every gradient carries a 1/N: average the "
    "per-example gradients (or divide dS by N once).",
    "dS = (softmax(S) - onehot(y)) / N; dW2 = H^T dS; db2 = sum_rows(dS); "
    "dZ1 = (dS W2^T) * [Z1 > 0]; dW1 = X^T dZ1; db1 = sum_rows(dZ1).",
)


class _BatchGradientValues(Check):
    """Shared probe/judge of the two batch-gradient functions."""

    function = ""

    def probe(self, gradient_fn, n=6, d=4, h=5, c=3, seed=0):
        params, X, y = random_problem(n, d, h, c, seed)
        p_in, X_in, y_in = copy_params(params), X.copy(), y.copy()
        grads = gradient_fn(p_in, X_in, y_in)
        return {"grads": grads, "params_after": p_in, "X_after": X_in, "y_after": y_in}

    def judge(self, seen, n=6, d=4, h=5, c=3, seed=0):
        params, X, y = random_problem(n, d, h, c, seed)
        name = f"{self.function}(params, X {X.shape}, y)"
        verdict = first_failure(
            grads_form(name, seen["grads"], params),
            unchanged(name, {**seen["params_after"], "X": seen["X_after"],
                             "y": seen["y_after"]}, {**params, "X": X, "y": y}))
        if not verdict.passed:
            return verdict
        numeric = numeric_gradients(params, X, y)
        oracle = oracle_gradients(params, X, y)
        return first_failure(*(
            gradient_check(f"{self.function}: grads[{key!r}]", seen["grads"][key],
                           numeric[key], oracle=oracle[key], n=n, hints=GRADIENT_HINTS)
            for key in KEYS))


@register
class BatchGradientLoopValues(_BatchGradientValues):
    """batch_gradient_by_loop: the mean gradient matches finite differences and torch."""

    name = "batch_gradient_loop_values"
    function = "batch_gradient_by_loop"


@register
class BatchGradientVectorizedValues(_BatchGradientValues):
    """batch_gradient_vectorized: the mean gradient matches finite differences and torch."""

    name = "batch_gradient_vectorized_values"
    function = "batch_gradient_vectorized"


# ---------------------------------------------------------------- make_minibatches


def id_data(n: int):
    """X (n, 3) whose rows encode their index i as [i, i/2, -i]; y = (7 i) mod 5."""
    ids = np.arange(n, dtype=np.float64)
    X = np.column_stack([ids, ids / 2.0, -ids])
    y = (7 * np.arange(n)) % 5
    return X, y


def _minibatch_ids(name: str, batches, n: int, batch_size: int):
    """(verdict, list of id arrays per batch) after the pairing and shape checks."""
    if not isinstance(batches, list):
        return Verdict.fail(f"{name} returned {describe(batches)}; expected a list of "
                            "(X_batch, y_batch) pairs."), None
    ids = []
    for b, pair in enumerate(batches):
        if not isinstance(pair, list) or len(pair) != 2:
            return Verdict.fail(f"{name}: batch {b} is {describe(pair)}; expected a pair "
                                "(X_batch, y_batch)."), None
        Xb = np.asarray(pair[0], dtype=np.float64)
        yb = np.asarray(pair[1])
        if Xb.ndim != 2 or Xb.shape[1] != 3:
            return Verdict.fail(f"{name}: X_batch {b} has shape {Xb.shape}, expected "
                                "(k, 3): whole rows of X."), None
        if yb.shape != (Xb.shape[0],):
            return Verdict.fail(f"{name}: batch {b} has X_batch of shape {Xb.shape} but "
                                f"y_batch of shape {yb.shape}; expected ({Xb.shape[0]},)."), None
        rows = Xb[:, 0]
        if not (np.allclose(Xb[:, 1], rows / 2) and np.allclose(Xb[:, 2], -rows)
                and np.allclose(rows, np.round(rows))):
            return Verdict.fail(f"{name}: batch {b} holds rows that are not rows of X "
                                "(mixed-up columns?)."), None
        expected_y = (7 * np.round(rows).astype(np.int64)) % 5
        if not np.array_equal(yb.astype(np.int64), expected_y):
            wrong = int(np.sum(yb.astype(np.int64) != expected_y))
            return Verdict.fail(
                f"{name}: in batch {b}, {wrong} of {len(yb)} labels do not belong to the "
                "example next to them: X and y were shuffled differently.",
                "Draw ONE permutation of the indices and index both X and y with it.",
                "order = rng.permutation(N); X[order], y[order], then cut into slices."), None
        ids.append(np.round(rows).astype(np.int64))
    return Verdict.ok(), ids


def judge_minibatches(name: str, batches, n: int, batch_size: int) -> Verdict:
    verdict, ids = _minibatch_ids(name, batches, n, batch_size)
    if not verdict.passed:
        return verdict
    sizes = [len(i) for i in ids]
    all_ids = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
    counts = np.bincount(all_ids, minlength=n)
    n_batches = math.ceil(n / batch_size)
    if np.any(counts > 1):
        return Verdict.fail(
            f"{name}: {int(np.sum(counts > 1))} examples appear more than once "
            f"(batch sizes {sizes}); every example must appear exactly once per epoch.",
            "Shuffle by a permutation (no repeats), not by drawing indices with replacement.")
    if np.any(counts == 0):
        missing = int(np.sum(counts == 0))
        message = (f"{name}: {missing} of {n} examples are missing (batch sizes {sizes}, "
                   f"batch_size={batch_size}).")
        hint = "Every example goes into exactly one batch."
        if missing == n % batch_size and all(s == batch_size for s in sizes):
            hint = ("The last batch may be smaller than batch_size: keep it rather than "
                    "dropping it.")
        return Verdict.fail(message, hint)
    if any(s != batch_size for s in sizes[:-1]) or not 1 <= sizes[-1] <= batch_size:
        return Verdict.fail(
            f"{name}: batch sizes are {sizes} for N={n}, batch_size={batch_size}; expected "
            f"{n_batches} batches of {batch_size}, the last one with "
            f"{n - (n_batches - 1) * batch_size}.",
            "Cut the shuffled indices into consecutive slices [start:start + batch_size] for "
            "start = 0, batch_size, 2 batch_size, ... (np.array_split(x, k) makes k "
            "batches, not batches of size k).")
    if n >= 10 and np.array_equal(all_ids, np.arange(n)):
        return Verdict.fail(f"{name}: the examples come out in their original order; the "
                            "batches must be drawn from a shuffled order.",
                            "Use rng.permutation(N) to shuffle the indices.")
    return Verdict.ok()


@register
class MinibatchesCoverAndPair(Check):
    """make_minibatches: pairs stay together, every example once, full batches, shuffled."""

    name = "minibatches_cover_and_pair"

    def probe(self, make_minibatches, n=50, batch_size=8, seed=0):
        X, y = id_data(n)
        X_in, y_in = X.copy(), y.copy()
        batches = make_minibatches(X_in, y_in, batch_size, np.random.default_rng(seed))
        if isinstance(batches, list | tuple):
            batches = [list(p) if isinstance(p, list | tuple) else p for p in batches]
        return {"batches": batches, "X_after": X_in, "y_after": y_in}

    def judge(self, seen, n=50, batch_size=8, seed=0):
        X, y = id_data(n)
        name = f"make_minibatches(X ({n}, 3), y ({n},), batch_size={batch_size}, rng)"
        return first_failure(
            unchanged(name, {"X": seen["X_after"], "y": seen["y_after"]}, {"X": X, "y": y}),
            judge_minibatches(name, seen["batches"], n, batch_size))


# ---------------------------------------------------------------- sgd_step and accuracy


@register
class SgdStepValues(Check):
    """sgd_step returns new params p - lr * g for every key and leaves its inputs alone."""

    name = "sgd_step_values"

    def probe(self, sgd_step, lr=0.1, seed=0):
        params, _, _ = random_problem(1, 4, 3, 2, seed)
        grads = {k: v for k, v in random_problem(1, 4, 3, 2, seed + 1)[0].items()}
        p_in, g_in = copy_params(params), copy_params(grads)
        new = sgd_step(p_in, g_in, lr)
        return {"new": new, "params_after": p_in, "grads_after": g_in}

    def judge(self, seen, lr=0.1, seed=0):
        params, _, _ = random_problem(1, 4, 3, 2, seed)
        grads = random_problem(1, 4, 3, 2, seed + 1)[0]
        new = seen["new"]
        if not isinstance(new, dict) or sorted(new) != sorted(KEYS):
            return Verdict.fail(f"sgd_step returned {describe(new)}; expected a new dict "
                                f"with the keys {list(KEYS)}.")
        verdict = unchanged("sgd_step", seen["params_after"], params)
        if not verdict.passed:
            return verdict
        verdict = unchanged("sgd_step", seen["grads_after"], grads)
        if not verdict.passed:
            return verdict
        for key in KEYS:
            verdict = compare(f"sgd_step(params, grads, lr={lr})[{key!r}]", new[key],
                              params[key] - lr * grads[key],
                              hints=("Gradient DEScent steps against the gradient: "
                                     "p_new = p - lr * g.",))
            if not verdict.passed:
                if np.allclose(np.asarray(new[key], dtype=float),
                               params[key] + lr * grads[key]):
                    verdict.message += "\n  likely cause: p + lr * g climbs the loss."
                return verdict
        return Verdict.ok()


@register
class AccuracyValues(Check):
    """accuracy is the fraction of rows whose largest score is at the label."""

    name = "accuracy_values"

    def probe(self, accuracy, n=40, c=7, seed=0):
        rng = np.random.default_rng(seed)
        scores = rng.normal(scale=3.0, size=(n, c))
        y = rng.integers(0, c, size=n)
        y[: n // 2] = scores[: n // 2].argmax(axis=1)  # about half right
        return {"acc": accuracy(scores.copy(), y.copy())}

    def judge(self, seen, n=40, c=7, seed=0):
        import torch

        rng = np.random.default_rng(seed)
        scores = rng.normal(scale=3.0, size=(n, c))
        y = rng.integers(0, c, size=n)
        y[: n // 2] = scores[: n // 2].argmax(axis=1)
        expected = float((torch.as_tensor(scores).argmax(dim=1) == torch.as_tensor(y))
                         .double().mean())
        got = seen["acc"]
        if np.size(got) != 1:
            return Verdict.fail(f"accuracy returned {describe(np.asarray(got))}; expected one "
                                "number, the fraction of correct rows.",
                                "Take the argmax of each row (axis=1) before comparing.")
        return compare(f"accuracy(scores ({n}, {c}), y ({n},))", float(np.squeeze(got)),
                       expected, hints=(
                           "A row is correct when its LARGEST score sits at the label: "
                           "compare argmax(scores, axis=1) with y, then take the mean.",))


# ---------------------------------------------------------------- train_mlp


def judge_training(name: str, seen: dict, X_train, y_train, X_val, y_val, hidden: int,
                   epochs: int, n_classes: int) -> Verdict:
    """History form, parameter shapes, and val numbers recomputed from the returned params."""
    result = seen["result"]
    if not isinstance(result, list) or len(result) != 2:
        return Verdict.fail(f"{name} returned {describe(result)}; expected (params, history).")
    params, history = result
    if not isinstance(params, dict) or any(k not in params for k in KEYS):
        return Verdict.fail(f"{name}: params is {describe(params)}; expected a dict with "
                            f"keys {list(KEYS)}.")
    D = X_train.shape[1]
    shapes = {"W1": (D, hidden), "b1": (hidden,), "W2": (hidden, n_classes),
              "b2": (n_classes,)}
    for key, shape in shapes.items():
        if np.shape(params[key]) != shape:
            return Verdict.fail(f"{name}: params[{key!r}] has shape {np.shape(params[key])}, "
                                f"expected {shape} (D={D}, hidden={hidden}, "
                                f"C={n_classes}).")
    if not isinstance(history, dict):
        return Verdict.fail(f"{name}: history is {describe(history)}; expected a dict of "
                            "lists.")
    for key in ("train_loss", "val_loss", "val_acc"):
        values = history.get(key)
        if not isinstance(values, list | np.ndarray):
            return Verdict.fail(f"{name}: history[{key!r}] is {describe(values)}; expected a "
                                f"list with one number per epoch.")
        if len(values) != epochs:
            return Verdict.fail(
                f"{name}: history[{key!r}] has {len(values)} entries for epochs={epochs}; "
                "expected exactly one per epoch.",
                "Append once at the end of every epoch (not per batch, not before training).")
        if not np.all(np.isfinite(np.asarray(values, dtype=np.float64))):
            return Verdict.fail(f"{name}: history[{key!r}] contains nan or inf: {values}.")
    params = {k: np.asarray(params[k], dtype=np.float64) for k in KEYS}
    val_loss = oracle_loss(params, X_val, y_val)
    val_acc = float(np.mean(oracle_scores(params, X_val).argmax(axis=1) == y_val))
    train_loss = oracle_loss(params, X_train, y_train)
    last = {k: float(history[k][-1]) for k in ("train_loss", "val_loss", "val_acc")}
    on_train = (np.isclose(last["val_loss"], train_loss, rtol=1e-6)
                or not np.isclose(last["val_loss"], val_loss, rtol=1e-6))
    if not np.isclose(last["val_loss"], val_loss, rtol=1e-6, atol=1e-9):
        message = (f"{name}: history['val_loss'][-1] is {last['val_loss']:.6g}, but the "
                   f"returned params have validation loss {val_loss:.6g} (and training loss "
                   f"{train_loss:.6g}).")
        hint = ("Evaluate on (X_val, y_val), with the params after the epoch's last update, "
                "as a mean cross-entropy.")
        if on_train and np.isclose(last["val_loss"], train_loss, rtol=1e-3):
            hint = ("That is the TRAINING loss: validation numbers must be computed on "
                    "X_val, y_val, data the network never trained on.")
        return Verdict.fail(message, hint)
    if not np.isclose(last["val_acc"], val_acc, atol=1e-9):
        return Verdict.fail(
            f"{name}: history['val_acc'][-1] is {last['val_acc']:.6g}, but the returned "
            f"params classify {val_acc:.6g} of the validation set correctly.",
            "val_acc is accuracy(scores of X_val, y_val) after the epoch's last update.")
    # a running average over the epoch's batches lags behind the end-of-epoch loss, most of
    # all in the first epochs: allow up to the loss of a chance-level guess there
    upper = 3.0 * train_loss + 0.05
    if epochs < 4:
        upper = max(upper, 1.5 * math.log(n_classes))
    if not (0.3 * train_loss - 0.02 <= last["train_loss"] <= upper):
        return Verdict.fail(
            f"{name}: history['train_loss'][-1] is {last['train_loss']:.4g}, but the returned "
            f"params have training loss {train_loss:.4g}: not the same quantity.",
            "Record the mean training loss of each epoch: the average of its mini-batch "
            "losses, or the loss on the whole training set after the epoch.")
    return Verdict.ok()


@register
class TrainMlpDigits(Check):
    """train_mlp with the defaults on digits: history per epoch, val numbers, >= 0.95."""

    name = "train_mlp_digits"

    def probe(self, train_mlp):
        from nncourse.data import digits_split

        X_train, X_val, y_train, y_val = digits_split()
        inputs = [a.copy() for a in (X_train, y_train, X_val, y_val)]
        result = train_mlp(*inputs)
        return {"result": list(result) if isinstance(result, tuple) else result,
                "inputs_after": inputs}

    def judge(self, seen):
        from nncourse.data import digits_split

        X_train, X_val, y_train, y_val = digits_split()
        name = "train_mlp(digits, defaults)"
        after = seen["inputs_after"]
        verdict = first_failure(
            unchanged(name, dict(zip(("X_train", "y_train", "X_val", "y_val"), after)),
                      {"X_train": X_train, "y_train": y_train, "X_val": X_val,
                       "y_val": y_val}),
            judge_training(name, seen, X_train, y_train, X_val, y_val, 64, 20, 10))
        if not verdict.passed:
            return verdict
        acc = float(seen["result"][1]["val_acc"][-1])
        if acc < 0.95:
            return Verdict.fail(
                f"{name}: final validation accuracy {acc:.3f}, expected at least 0.95.",
                "Check the sign of the step (p - lr * g), that every epoch reshuffles and "
                "visits all batches, and your gradients (the tests above).")
        return Verdict.ok()
