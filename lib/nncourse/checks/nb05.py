"""Visible checks for 05_minibatches_and_sgd: mini-batches, batch gradients, SGD, training.

The two-layer network of the notebook is ``linear -> relu -> linear -> softmax
cross-entropy`` with ``params = {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}``. The
judges compute every expectation themselves: forward passes and gradients with torch
(:mod:`nncourse.oracle`), finite differences of the oracle's (torch) loss, and properties
of random batches.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from nncourse import oracle
from nncourse.checking import Check, on_copies, register
from nncourse.compare import compare, describe, unchanged
from nncourse.gradcheck import finite_difference_gradient, gradient_check
from nncourse.oracle import TWO_LAYER_KEYS as KEYS
from nncourse.oracle import two_layer_gradients, two_layer_loss, two_layer_scores
from nncourse.rules import Rules, original, swapped
from nncourse.verdict import Verdict, first_failure

VECTORIZED_RULES = Rules(forbidden_calls=("batch_gradient_by_loop",))
LOOP_RULES = Rules(forbidden_calls=("batch_gradient_vectorized",))
TRAIN_RULES = Rules(built_from=("init_params", "make_minibatches", "sgd_step"))
RULES = {"batch_gradient_by_loop": LOOP_RULES, "batch_gradient_vectorized": VECTORIZED_RULES,
         "train_mlp": TRAIN_RULES}
"""The contract's rules of this notebook's graded functions, beyond numpy only."""


# ---------------------------------------------------------------- fixtures and calls


def numeric_gradients(params: dict, X: np.ndarray, y: np.ndarray) -> dict:
    """Centred finite differences of the oracle's loss (torch) for every key."""
    grads = {}
    for key in KEYS:
        work = {k: np.array(v, dtype=np.float64) for k, v in params.items()}

        def f(value, key=key, work=work):
            work[key] = value
            return two_layer_loss(work, X, y)

        grads[key] = finite_difference_gradient(f, work[key].copy())
    return grads


def random_problem(n: int, d: int, h: int, c: int, seed: int) -> dict:
    """params (scaled like a trained net), X (n, d), y (n,) with every class id < c."""
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(size=(d, h)) / np.sqrt(d), "b1": rng.normal(scale=0.5, size=h),
              "W2": rng.normal(size=(h, c)) / np.sqrt(h), "b2": rng.normal(scale=0.5, size=c)}
    X = rng.normal(size=(n, d))
    return {"params": params, "X": X, "y": rng.integers(0, c, size=n)}


def copy_params(params: dict) -> dict:
    return {k: np.array(v, copy=True) for k, v in params.items()}


def strided(array: np.ndarray) -> np.ndarray:
    """The same values as a non-contiguous view (every other column or entry of a bigger
    array; a 2-D result is also in Fortran order), to catch code that assumes a fresh array."""
    array = np.asarray(array)
    if array.ndim == 0:
        return array.copy()
    big = np.zeros(array.shape[:-1] + (2 * array.shape[-1],), dtype=array.dtype)
    big[..., ::2] = array
    view = big[..., ::2]
    if view.ndim == 2:
        view = np.asfortranarray(big)[..., ::2]
    return view


def call_on_copies(function, inputs: dict, make=None, **kwargs):
    """``function(*inputs.values(), **kwargs)`` through :func:`on_copies`, each argument named
    as in ``inputs``; ``make`` (e.g. :func:`strided`) first turns every array, in a dict
    too, into the view the student is handed. Returns ``(result, after)``."""
    def handed(value):
        if isinstance(value, dict):
            return {k: handed(v) for k, v in value.items()}
        return make(value) if make and isinstance(value, np.ndarray) else value

    return on_copies(function, *map(handed, inputs.values()), names=tuple(inputs), **kwargs)


# ---------------------------------------------------------------- batch gradients


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
            hint = ("A bias gradient has one entry per unit: the batch axis has to "
                    "disappear, as the per-example sum does in the loop."
                    if key.startswith("b") else
                    "A weight gradient has the shape of its weight, (D_in, D_out): which "
                    "product of the layer's input (N, D_in) and the gradient arriving at "
                    "its output (N, D_out) has that shape?")
            return Verdict.fail(f"{name}: grads[{key!r}] has shape {shape}, expected "
                                f"{np.shape(params[key])} (the shape of params[{key!r}]).",
                                hint)
    return Verdict.ok()


GRADIENT_HINTS = (
    "Look at the scale first: the loss is the MEAN over the batch, so every gradient "
    "carries one factor 1/N, applied once.",
    "Work from the top down as in section 2: the gradient at the scores, then the second "
    "layer, the ReLU's gate (relu'(0) = 0), the first layer; compare each with the "
    "one-example version on a batch of one row.",
)


class RowSpy(np.ndarray):
    """An array that notes how the code uses it: rows taken one at a time (iteration, an
    integer index, a one-row slice) and operations on a block of many rows at once. Results
    of arithmetic are plain arrays; views and copies (``X.T``, ``X[i]``) keep noting."""

    def __new__(cls, array):
        spy = np.array(array, dtype=np.float64).view(cls)
        spy.log = {"rows": 0, "block": 0, "n": len(spy)}
        return spy

    def __array_finalize__(self, obj):
        self.log = getattr(obj, "log", None)

    def __iter__(self):
        if self.log is not None and self.ndim == 2:
            self.log["rows"] += len(self)
        return np.ndarray.__iter__(self)

    def __getitem__(self, key):
        log = self.log
        if log is not None and self.ndim == 2 and self.shape[0] == log["n"]:
            first = key[0] if isinstance(key, tuple) and key else key
            if isinstance(first, int | np.integer) or (
                    isinstance(first, slice) and len(range(*first.indices(log["n"]))) == 1):
                log["rows"] += 1
        return np.ndarray.__getitem__(self, key)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        plain = []
        for value in inputs:
            if isinstance(value, RowSpy):
                if value.log is not None and value.ndim == 2 and value.log["n"] >= 3 and \
                        value.log["n"] in value.shape:
                    value.log["block"] += 1
                value = value.view(np.ndarray)
            plain.append(value)
        if "out" in kwargs:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, RowSpy) else o
                                  for o in kwargs["out"])
        return getattr(ufunc, method)(*plain, **kwargs)


class _BatchGradientValues(Check):
    """Shared probe/judge of the two batch-gradient functions."""

    function = ""
    defaults = {"n": 6, "d": 4, "h": 5, "c": 3, "seed": 0}

    def inputs(self, n, d, h, c, seed):
        return random_problem(n, d, h, c, seed)

    def probe(self, gradient_fn, **args):
        inputs = self.inputs(**args)
        inputs["X"] = spy = RowSpy(inputs["X"])
        grads, after = call_on_copies(gradient_fn, inputs)
        lines = [lines_run(gradient_fn, self.inputs(n, args["d"], args["h"], args["c"],
                                                    args["seed"] + 1))
                 for n in LINE_BATCHES]
        return {"grads": grads, "after": after, "rows": spy.log["rows"],
                "block": spy.log["block"], "lines": lines}

    def judge(self, seen, **args):
        verdict = judge_gradient_values(self.function, seen, **self.inputs(**args))
        if not verdict.passed:
            return verdict
        verdict = judge_lines(self.function, seen["lines"])
        if not verdict.passed or args["n"] < 3:
            return verdict
        return judge_row_use(self.function, seen["rows"], seen["block"], args["n"])


LINE_BATCHES = (8, 40)
"""The two batch sizes whose runs are compared: a loop over the examples runs at least one
line of the student's code per example, so the lines run grow by at least 32 between them;
one matrix computation runs the same lines for both."""


def lines_run(function, inputs: dict) -> int:
    """How many lines of the student's own code (any function of their notebook's namespace)
    ``function(**inputs)`` runs: what a loop over the examples cannot hide, whatever array it
    loops over (a copy of X too)."""
    space = getattr(function, "__globals__", None)
    count = [0]

    def local(frame, event, arg):
        if event == "line":
            count[0] += 1
        return local

    def watch(frame, event, arg):
        return local if frame.f_globals is space else None

    previous = sys.gettrace()
    sys.settrace(watch)
    try:
        function(*inputs.values())
    finally:
        sys.settrace(previous)
    return count[0]


def judge_lines(function: str, lines) -> Verdict:
    """The loop version's lines grow with the batch; the vectorized version's do not."""
    small, large = LINE_BATCHES
    try:
        grew = int(lines[1]) - int(lines[0])
    except (TypeError, ValueError, IndexError):
        return Verdict.fail(f"{function}: malformed results (the lines it ran).")
    if function == "batch_gradient_vectorized" and grew >= large - small:
        return Verdict.fail(
            f"{function}: breaks a rule of the contract: it runs a Python loop over the "
            f"examples (your code ran {lines[0]} lines for a batch of {small} and "
            f"{lines[1]} for {large}); it must be one matrix computation on the whole batch.",
            "Work with the stacked matrices Z1, H, S (one row per example) and the matrix "
            "products of section 2 that sum over the batch.")
    if function == "batch_gradient_by_loop" and grew < large - small:
        return Verdict.fail(
            f"{function}: breaks a rule of the contract: it does not loop over the examples "
            f"(your code ran {lines[0]} lines for a batch of {small} and {lines[1]} for "
            f"{large}); it must compute one example at a time.",
            "Loop over the rows (for i in range(N): X[i] or X[i:i + 1]) and add up the "
            "gradients of one example each.")
    return Verdict.ok()


def judge_row_use(function: str, rows: int, block: int, n: int) -> Verdict:
    """The loop version takes the rows of X one at a time; the vectorized one never does."""
    if function == "batch_gradient_vectorized" and rows >= n:
        return Verdict.fail(
            f"{function}: breaks a rule of the contract: it took the {n} rows of X one at a "
            "time (a Python loop over the examples); it must be one matrix computation on "
            "the whole batch.",
            "Work with the stacked matrices Z1, H, S (one row per example) and the matrix "
            "products of section 2 that sum over the batch.")
    if function == "batch_gradient_by_loop" and rows < n and block > 0:
        return Verdict.fail(
            f"{function}: breaks a rule of the contract: it computed with all {n} rows of X "
            "at once instead of one example at a time.",
            "Loop over the rows (for i in range(N): X[i] or X[i:i + 1]) and add up the "
            "gradients of one example each.")
    return Verdict.ok()


def judge_gradient_values(function: str, seen: dict, params: dict, X: np.ndarray,
                          y: np.ndarray) -> Verdict:
    """Form, inputs unchanged, and every gradient against finite differences and torch."""
    name = f"{function}(params, X {X.shape}, y)"
    verdict = first_failure(grads_form(name, seen["grads"], params),
                            unchanged(name, {"params": params, "X": X, "y": y},
                                      seen["after"]))
    if not verdict.passed:
        return verdict
    numeric = numeric_gradients(params, X, y)
    oracle = two_layer_gradients(params, X, y)
    return first_failure(*(
        gradient_check(f"{function}: grads[{key!r}]", seen["grads"][key],
                       numeric[key], oracle=oracle[key], n=len(X), hints=GRADIENT_HINTS)
        for key in KEYS))


@register
class BatchGradientLoopValues(_BatchGradientValues):
    """batch_gradient_by_loop gives the batch's mean gradient, one example at a time."""

    name = "batch_gradient_loop_values"
    function = "batch_gradient_by_loop"
    rules = LOOP_RULES


@register
class BatchGradientVectorizedValues(_BatchGradientValues):
    """batch_gradient_vectorized gives the batch's mean gradient, without a loop."""

    name = "batch_gradient_vectorized_values"
    function = "batch_gradient_vectorized"
    rules = VECTORIZED_RULES


# ---------------------------------------------------------------- make_minibatches


def id_data(n: int, batch_size: int, seed) -> dict:
    """make_minibatches' inputs: X (n, 3) whose rows encode their index i as [i, i/2, -i],
    y = (7 i) mod 5, and a generator seeded with ``seed``."""
    ids = np.arange(n, dtype=np.float64)
    return {"X": np.column_stack([ids, ids / 2.0, -ids]), "y": (7 * np.arange(n)) % 5,
            "batch_size": batch_size, "rng": np.random.default_rng(seed)}


def _minibatch_ids(name: str, batches):
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
                "Draw ONE shuffled order of the indices and use it for both X and y.",
                "Section 1 of the notebook: the pairs (x, y) must move together."), None
        ids.append(np.round(rows).astype(np.int64))
    return Verdict.ok(), ids


def judge_minibatches(name: str, seen: dict, inputs: dict) -> Verdict:
    """Inputs unchanged; pairs together, every example once, full batches, shuffled."""
    n, batch_size = len(inputs["X"]), inputs["batch_size"]
    verdict = unchanged(name, inputs, seen["after"])
    if not verdict.passed:
        return verdict
    verdict, ids = _minibatch_ids(name, seen["batches"])
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
            "Consecutive batches of batch_size examples each, the remainder last "
            "(np.array_split(x, k) makes k batches, not batches of size k).")
    if n >= 10 and np.array_equal(all_ids, np.arange(n)):
        return Verdict.fail(f"{name}: the examples come out in their original order; the "
                            "batches must be drawn from a shuffled order.",
                            "Shuffle the indices with the generator you were given.")
    return Verdict.ok()


@register
class MinibatchesCoverAndPair(Check):
    """make_minibatches shuffles (x, y) pairs together into full batches, each example once."""

    name = "minibatches_cover_and_pair"
    defaults = {"n": 50, "batch_size": 8, "seed": 0}

    def inputs(self, n, batch_size, seed):
        return id_data(n, batch_size, seed)

    def probe(self, make_minibatches, **args):
        batches, after = call_on_copies(make_minibatches, self.inputs(**args))
        return {"batches": batches, "after": after}

    def judge(self, seen, **args):
        name = (f"make_minibatches(X ({args['n']}, 3), y ({args['n']},), "
                f"batch_size={args['batch_size']}, rng)")
        return judge_minibatches(name, seen, self.inputs(**args))


# ---------------------------------------------------------------- sgd_step and accuracy


def judge_sgd_step(name: str, seen: dict, inputs: dict) -> Verdict:
    """A new dict with params' keys, inputs unchanged, every entry one step against grads."""
    params, grads, lr = inputs["params"], inputs["grads"], inputs["lr"]
    new = seen["new"]
    if not isinstance(new, dict) or sorted(new) != sorted(params):
        return Verdict.fail(f"sgd_step returned {describe(new)}; expected a new dict with "
                            f"the keys of params, {sorted(params)}.")
    return first_failure(
        unchanged("sgd_step", inputs, seen["after"]),
        *(compare(f"{name}[{key!r}]", new[key], params[key] - lr * grads[key],
                  hints=("Check the sign and the scale: gradient DEScent moves against the "
                         "gradient, by lr times it.",),
                  mistakes={"the step went along the gradient, which climbs the loss.":
                            params[key] + lr * grads[key]})
          for key in params))


@register
class SgdStepValues(Check):
    """sgd_step moves every parameter one step against its gradient, into a new dict."""

    name = "sgd_step_values"
    defaults = {"lr": 0.1, "seed": 0}

    def inputs(self, lr, seed):
        return {"params": random_problem(1, 4, 3, 2, seed)["params"],
                "grads": random_problem(1, 4, 3, 2, seed + 1)["params"], "lr": lr}

    def probe(self, sgd_step, **args):
        new, after = call_on_copies(sgd_step, self.inputs(**args))
        return {"new": new, "after": after}

    def judge(self, seen, **args):
        return judge_sgd_step(f"sgd_step(params, grads, lr={args['lr']})", seen,
                              self.inputs(**args))


def judge_accuracy(name: str, got, scores: np.ndarray, y: np.ndarray) -> Verdict:
    """One number: the fraction of rows whose largest score is at the label."""
    if np.size(got) != 1:
        return Verdict.fail(f"{name} returned {describe(np.asarray(got))}; expected one "
                            "number, the fraction of correct rows.",
                            "Take the argmax of each row (axis=1) before comparing.")
    return compare(name, float(np.squeeze(got)), oracle.accuracy(scores, y),
                   hints=("A row is correct when its LARGEST score sits at the label.",
                          "Which axis of scores holds the classes? The result is a "
                          "fraction of rows, between 0 and 1."))


@register
class AccuracyValues(Check):
    """accuracy returns the fraction of rows whose largest score sits at the row's label."""

    name = "accuracy_values"
    defaults = {"n": 40, "c": 7, "seed": 0}

    def inputs(self, n, c, seed):
        rng = np.random.default_rng(seed)
        scores = rng.normal(scale=3.0, size=(n, c))
        y = rng.integers(0, c, size=n)
        y[: n // 2] = scores[: n // 2].argmax(axis=1)  # about half right
        return {"scores": scores, "y": y}

    def probe(self, accuracy, **args):
        return {"acc": accuracy(*self.inputs(**args).values())}

    def judge(self, seen, **args):
        return judge_accuracy(f"accuracy(scores ({args['n']}, {args['c']}), y ({args['n']},))",
                              seen["acc"], **self.inputs(**args))


# ---------------------------------------------------------------- train_mlp


def judge_training(name: str, seen: dict, data: dict, hidden: int, epochs: int,
                   n_classes: int) -> Verdict:
    """History form, parameter shapes, and val numbers recomputed from the returned params."""
    X_train, y_train, X_val, y_val = data.values()
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
    val_loss = two_layer_loss(params, X_val, y_val)
    val_acc = float(np.mean(two_layer_scores(params, X_val).argmax(axis=1) == y_val))
    train_loss = two_layer_loss(params, X_train, y_train)
    last = {k: float(history[k][-1]) for k in ("train_loss", "val_loss", "val_acc")}
    if not np.isclose(last["val_loss"], val_loss, rtol=1e-6, atol=1e-9):
        message = (f"{name}: history['val_loss'][-1] is {last['val_loss']:.6g}, but the "
                   f"returned params have validation loss {val_loss:.6g} (and training loss "
                   f"{train_loss:.6g}).")
        hint = ("Evaluate on (X_val, y_val), with the params after the epoch's last update, "
                "as a mean cross-entropy.")
        if np.isclose(last["val_loss"], train_loss, rtol=1e-3):
            hint = ("That is the TRAINING loss: validation numbers must be computed on "
                    "X_val, y_val, data the network never trained on.")
        return Verdict.fail(message, hint)
    if not np.isclose(last["val_acc"], val_acc, atol=1e-9):
        return Verdict.fail(
            f"{name}: history['val_acc'][-1] is {last['val_acc']:.6g}, but the returned "
            f"params classify {val_acc:.6g} of the validation set correctly.",
            "val_acc is accuracy(scores of X_val, y_val) after the epoch's last update.")
    if not np.isclose(last["train_loss"], train_loss, rtol=1e-6, atol=1e-9):
        return Verdict.fail(
            f"{name}: history['train_loss'][-1] is {last['train_loss']:.6g}, but the returned "
            f"params have loss {train_loss:.6g} on the whole training set.",
            "train_loss is the mean loss on ALL of X_train, y_train with the parameters "
            "after the epoch (not an average of the mini-batch losses seen during it).")
    return Verdict.ok()


@register
class TrainMlpDigits(Check):
    """train_mlp with its defaults reaches 0.95 validation accuracy on the digits."""

    name = "train_mlp_digits"
    rules = TRAIN_RULES

    def inputs(self):
        from nncourse.data import digits_split

        X_train, X_val, y_train, y_val = digits_split()
        return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}

    def probe(self, train_mlp):
        result, after = call_on_copies(train_mlp, self.inputs())
        return {"result": result, "after": after}

    def judge(self, seen):
        inputs = self.inputs()
        name = "train_mlp(digits, defaults)"
        verdict = first_failure(unchanged(name, inputs, seen["after"]),
                                judge_training(name, seen, inputs, 64, 20, 10))
        if not verdict.passed:
            return verdict
        acc = float(seen["result"][1]["val_acc"][-1])
        if acc < 0.95:
            return Verdict.fail(
                f"{name}: final validation accuracy {acc:.3f}, expected at least 0.95.",
                "Check the sign of the step (p - lr * g), that every epoch reshuffles and "
                "visits all batches, and your gradients (the tests above).")
        return Verdict.ok()


# ---------------------------------------------------------------- train_mlp: mini-batch SGD


def small_problem(seed: int, n_train: int = 90, d: int = 5) -> dict:
    """A three-class blob problem: train (n_train, d); validation (30, d) with random labels
    (so that validation data cannot pass for training data)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=2.0, size=(3, d))
    y_train = np.arange(n_train) % 3
    X_train = centres[y_train] + rng.normal(size=(n_train, d))
    y_val = rng.integers(0, 3, size=30)
    X_val = centres[np.arange(30) % 3] + rng.normal(size=(30, d))
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}


def _arguments(call: tuple, names: tuple[str, ...]) -> dict:
    args, kwargs = call
    bound = dict(zip(names, args))  # a call may pass fewer positionally
    bound.update({k: v for k, v in kwargs.items() if k in names})
    return bound


def probe_sgd_run(train_mlp, data: dict, hidden: int, lr: float, batch_size: int,
                  epochs: int, rng_seed: int) -> dict:
    """Run train_mlp with the student's make_minibatches and sgd_step recorded: every call's
    arguments and results, as raw data for the judge."""
    own_batches = original(train_mlp, "make_minibatches")
    own_step = original(train_mlp, "sgd_step")
    own_init = original(train_mlp, "init_params")
    if not callable(own_batches) or not callable(own_step) or not callable(own_init):
        return {"missing": [n for n, f in (("make_minibatches", own_batches),
                                            ("sgd_step", own_step),
                                            ("init_params", own_init)) if not callable(f)]}
    rng = np.random.default_rng(rng_seed)
    steps: list[dict] = []
    inits: list[dict] = []

    def recorded_init(*args, **kwargs):
        bound = _arguments((args, kwargs), ("D", "H", "C", "rng"))
        new = own_init(*args, **kwargs)
        inits.append({"D": bound.get("D"), "H": bound.get("H"), "C": bound.get("C"),
                      "rng_is_given": bound.get("rng") is rng,
                      "params": copy_params(new) if isinstance(new, dict) else new})
        return new

    def recorded_step(*args, **kwargs):
        bound = _arguments((args, kwargs), ("params", "grads", "lr"))
        before = {"params": copy_params(bound.get("params") or {}),
                  "grads": copy_params(bound.get("grads") or {}), "lr": bound.get("lr")}
        new = own_step(*args, **kwargs)
        steps.append({**before, "new": copy_params(new) if isinstance(new, dict) else new})
        return new

    with swapped(train_mlp, make_minibatches=own_batches, sgd_step=recorded_step,
                 init_params=recorded_init) as rec:
        result = train_mlp(*data.values(), hidden=hidden, lr=lr, batch_size=batch_size,
                           epochs=epochs, rng=rng)
    shuffles = []
    # a call whose exception train_mlp caught has no result: its shuffle is not recorded
    for call, batches in zip(rec["make_minibatches"].calls, rec["make_minibatches"].results):
        bound = _arguments(call, ("X", "y", "batch_size", "rng"))
        shuffles.append({"X": bound.get("X"), "y": bound.get("y"),
                         "batch_size": bound.get("batch_size"),
                         "rng_is_given": bound.get("rng") is rng, "batches": batches})
    return {"result": result, "shuffles": shuffles, "steps": steps, "inits": inits}


def judge_sgd_run(name: str, seen: dict, data: dict, hidden: int, lr: float, batch_size: int,
                  epochs: int, n_classes: int = 3) -> Verdict:
    """Every epoch one new shuffle of the training data from rng through make_minibatches,
    one sgd_step per mini-batch with that batch's mean gradient, never validation data."""
    if seen.get("missing"):
        return Verdict.fail(f"{name}: no function named {seen['missing'][0]} in your "
                            "notebook; train_mlp is built from your make_minibatches and "
                            "sgd_step.")
    verdict = judge_training(name, seen, data, hidden, epochs, n_classes)
    if not verdict.passed:
        return verdict
    X_train, y_train = data["X_train"], data["y_train"]
    shuffles, steps = seen["shuffles"], seen["steps"]
    n_batches = math.ceil(len(X_train) / batch_size)
    inits = seen.get("inits", [])
    if len(inits) != 1:
        return Verdict.fail(
            f"{name}: breaks a rule of the contract: train_mlp called init_params "
            f"{len(inits)} times; it draws the initial parameters once, with "
            "init_params(D, hidden, C, rng).",
            "Initialise once, before the epoch loop, with the given init_params.")
    init = inits[0]
    if (init["D"], init["H"], init["C"]) != (X_train.shape[1], hidden, n_classes) \
            or not init["rng_is_given"]:
        return Verdict.fail(
            f"{name}: init_params got D={init['D']}, H={init['H']}, C={init['C']}"
            + ("" if init["rng_is_given"] else " and another generator than rng")
            + f"; expected D={X_train.shape[1]}, H={hidden}, C={n_classes} and the rng passed to "
            "train_mlp.",
            "The initial weights come from the one rng train_mlp was given (or "
            "default_rng(0) for None).")
    if len(shuffles) != epochs:
        hint = {0: "Every epoch's batches come from a call of your make_minibatches (the "
                   "contract says train_mlp is built from it).",
                1: "Shuffling once before the loop reuses one order for every epoch: "
                   "call make_minibatches inside the epoch loop."}.get(
            len(shuffles), "Call it exactly once at the start of every epoch.")
        return Verdict.fail(
            f"{name}: breaks a rule of the contract: train_mlp called make_minibatches "
            f"{len(shuffles)} times in {epochs} epochs; every epoch draws a new shuffle "
            "through make_minibatches, once.", hint)
    for e, call in enumerate(shuffles):
        X_arg = np.asarray(call["X"], dtype=np.float64)
        y_arg = np.asarray(call["y"])
        if X_arg.shape != X_train.shape or not np.array_equal(X_arg, X_train) \
                or not np.array_equal(y_arg, y_train):
            return Verdict.fail(
                f"{name}: in epoch {e}, make_minibatches got X of shape {X_arg.shape} that "
                f"is not X_train {X_train.shape} (with y_train): train_mlp trains on "
                "X_train, y_train only, never on the validation data.",
                "Pass X_train and y_train themselves, unchanged, to make_minibatches.")
        if call["batch_size"] != batch_size:
            return Verdict.fail(f"{name}: make_minibatches got batch_size="
                                f"{call['batch_size']}, expected {batch_size}.")
        if not call["rng_is_given"]:
            return Verdict.fail(
                f"{name}: in epoch {e}, make_minibatches got another generator than the "
                "rng passed to train_mlp; every shuffle is drawn from that one rng.",
                "Do not make new generators (or use np.random) inside train_mlp.")
    orders = [np.concatenate([np.asarray(pair[0], dtype=np.float64)
                              for pair in call["batches"]]) for call in shuffles]
    for e in range(1, epochs):
        for f in range(e):
            if orders[e].shape == orders[f].shape and np.array_equal(orders[e], orders[f]):
                return Verdict.fail(f"{name}: epochs {f} and {e} visited the examples in the "
                                    "same order; every epoch draws a new shuffle from rng.")
    batches = [pair for call in shuffles for pair in call["batches"]]
    if len(steps) != epochs * n_batches or len(steps) != len(batches):
        return Verdict.fail(
            f"{name}: breaks a rule of the contract: {len(steps)} calls of sgd_step in "
            f"{epochs} epochs, expected one per mini-batch: {epochs} x {n_batches} = "
            f"{epochs * n_batches} (N = {len(X_train)}, batch_size = {batch_size}).",
            "One step per mini-batch, each with that batch's gradient: not one step per "
            "epoch on all the data.")
    for k, (step, (X_b, y_b)) in enumerate(zip(steps, batches, strict=True)):
        where = f"{name}: sgd_step call {k} (epoch {k // n_batches}, batch {k % n_batches})"
        if not isinstance(step["new"], dict) or not all(
                key in step["params"] and key in step["grads"] for key in KEYS):
            return Verdict.fail(f"{where} did not get params and grads dicts with keys "
                                f"{list(KEYS)}.")
        if k == 0 and not (isinstance(init["params"], dict) and all(
                key in init["params"] and np.array_equal(
                    np.asarray(step["params"][key], dtype=np.float64),
                    np.asarray(init["params"][key], dtype=np.float64)) for key in KEYS)):
            return Verdict.fail(
                f"{where}: the first step did not start from the parameters init_params "
                "returned: train_mlp changed them another way before training (only "
                "sgd_step on training mini-batches may change them).",
                "Start the first epoch with exactly what init_params returned.")
        if step["lr"] is None or not np.isclose(float(step["lr"]), lr):
            return Verdict.fail(f"{where} got lr={step['lr']}, expected {lr}.")
        params = {key: np.asarray(step["params"][key], dtype=np.float64) for key in KEYS}
        if not all(np.all(np.isfinite(v)) for v in params.values()):
            return Verdict.fail(f"{where}: the parameters contain nan or inf.")
        grads = {key: np.asarray(step["grads"][key], dtype=np.float64) for key in KEYS}

        def equal(expected, grads=grads):
            return all(g.shape == expected[key].shape and np.allclose(
                g, expected[key], rtol=1e-6, atol=1e-9) for key, g in grads.items())

        if not equal(two_layer_gradients(params, np.asarray(X_b, dtype=np.float64),
                                         np.asarray(y_b, dtype=np.int64))):
            on_all = equal(two_layer_gradients(params, X_train, y_train))
            return Verdict.fail(
                f"{where}: the gradient it was given is not the mean gradient of that "
                "mini-batch at the current parameters"
                + (" (it is the gradient on the whole training set)." if on_all else "."),
                "Each step uses the gradient of the batch that make_minibatches just "
                "returned, computed with your batch gradient at the current params.")
        if k + 1 < len(steps):
            following = steps[k + 1]["params"]
            if not all(np.array_equal(np.asarray(following[key], dtype=np.float64),
                                      np.asarray(step["new"][key], dtype=np.float64))
                       for key in KEYS):
                return Verdict.fail(f"{where}: the next step did not start from the "
                                    "parameters this step returned.")
    final = seen["result"][0]
    if steps and not all(np.array_equal(np.asarray(final[key], dtype=np.float64),
                                        np.asarray(steps[-1]["new"][key], dtype=np.float64))
                         for key in KEYS):
        return Verdict.fail(f"{name}: the returned params are not those of the last "
                            "sgd_step.")
    return judge_epoch_history(name, seen["result"][1], steps, n_batches, epochs, data)


def judge_epoch_history(name: str, history: dict, steps: list, n_batches: int, epochs: int,
                        data: dict) -> Verdict:
    """Every epoch's history entries against the parameters after that epoch's last step."""
    X_train, y_train, X_val, y_val = data.values()
    for e in range(epochs):
        params = {key: np.asarray(steps[(e + 1) * n_batches - 1]["new"][key],
                                  dtype=np.float64) for key in KEYS}
        expected = {"train_loss": two_layer_loss(params, X_train, y_train),
                    "val_loss": two_layer_loss(params, X_val, y_val),
                    "val_acc": float(np.mean(two_layer_scores(params, X_val).argmax(axis=1)
                                             == y_val))}
        for key, value in expected.items():
            got = float(np.asarray(history[key][e], dtype=np.float64))
            if not np.isclose(got, value, rtol=1e-6, atol=1e-9):
                what = {"train_loss": "the loss on the whole training set",
                        "val_loss": "the validation loss",
                        "val_acc": "the validation accuracy"}[key]
                return Verdict.fail(
                    f"{name}: history[{key!r}][{e}] is {got:.6g}, but {what} with the "
                    f"parameters after epoch {e} is {value:.6g}.",
                    "Evaluate at the end of every epoch, with the parameters of that moment "
                    "(after the epoch's last sgd_step).",
                    "train_loss is the loss on ALL of X_train, y_train after the epoch; "
                    "val_loss and val_acc are on X_val, y_val.")
    return Verdict.ok()


@register
class TrainMlpMinibatchSgd(Check):
    """train_mlp reshuffles every epoch and takes one sgd_step per mini-batch."""

    name = "train_mlp_minibatch_sgd"
    rules = TRAIN_RULES
    defaults = {"epochs": 3, "batch_size": 16, "seed": 0}

    def inputs(self, seed, **_):
        return small_problem(seed)

    #: the same rules replayed on the real digits (64 features, 10 classes), one epoch of
    #: large batches: a rule kept on small problems only is not kept
    DIGITS = {"hidden": 8, "lr": 0.1, "batch_size": 256, "epochs": 1}

    def probe(self, train_mlp, epochs, batch_size, seed):
        from nncourse.data import digits_split

        X_train, X_val, y_train, y_val = digits_split()
        digits = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}
        return {"small": probe_sgd_run(train_mlp, self.inputs(seed), 6, 0.2, batch_size,
                                       epochs, seed + 1),
                "digits": probe_sgd_run(train_mlp, digits, *self.DIGITS.values(), seed + 2)}

    def judge(self, seen, epochs, batch_size, seed):
        from nncourse.data import digits_split

        name = (f"train_mlp(small problem, hidden=6, lr=0.2, batch_size={batch_size}, "
                f"epochs={epochs})")
        X_train, X_val, y_train, y_val = digits_split()
        digits = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}
        return first_failure(
            judge_sgd_run(name, seen["small"], self.inputs(seed), 6, 0.2, batch_size, epochs),
            judge_sgd_run("train_mlp(digits, hidden=8, lr=0.1, batch_size=256, epochs=1)",
                          seen["digits"], digits, *self.DIGITS.values(), n_classes=10))


# ---------------------------------------------------------------- momentum and Adam


def optimizer_problem(seed: int, steps: int, keys=("W1", "b1", "W2", "b2")):
    """params (shapes of a small net) and a list of `steps` gradient dicts."""
    rng = np.random.default_rng(seed)
    shapes = {"W1": (4, 3), "b1": (3,), "W2": (3, 2), "b2": (2,), "w": (2, 3, 2),
              "gamma": (5,)}
    params = {k: rng.normal(size=shapes[k]) for k in keys}
    grads = [{k: rng.normal(scale=rng.choice([0.01, 1.0, 30.0]), size=shapes[k])
              for k in keys} for _ in range(steps)]
    return params, grads


def probe_optimizer(step_fn, params: dict, grads: list, kwargs: dict,
                    noncontiguous: bool = False) -> dict:
    """Call step_fn step after step, each time with the state it returned, on copies (strided
    views if ``noncontiguous``); record each step's result, its inputs after the call, and a
    second call with the same state (a state that is not a dict of arrays is passed as it is,
    so changing it in place shows in that second call)."""
    make = strided if noncontiguous else None
    current, state, seen = params, None, []
    for g in grads:
        inputs = {"params": current, "grads": g, "state": state}
        (new_params, new_state), after = call_on_copies(step_fn, inputs, make, **kwargs)
        again = call_on_copies(step_fn, inputs, make, **kwargs)[0][0]
        seen.append({"params": new_params, "again": again, "after": after,
                     "state": new_state if isinstance(new_state, dict) else None})
        current, state = new_params, new_state
    return {"steps": seen}


def torch_optimizer_run(kind: str, params: dict, grads_list: list, kwargs: dict) -> list:
    """torch.optim.SGD(momentum) or torch.optim.Adam step after step: list of (params,
    buffers) with the buffers as numpy dicts ("velocity" for SGD)."""
    import torch

    tensors = {k: torch.tensor(np.array(v, dtype=np.float64), requires_grad=True)
               for k, v in params.items()}
    if kind == "momentum":
        optimizer = torch.optim.SGD(list(tensors.values()), lr=kwargs["lr"],
                                    momentum=kwargs.get("beta", 0.9))
    else:
        betas = (kwargs.get("beta1", 0.9), kwargs.get("beta2", 0.999))
        optimizer = torch.optim.Adam(list(tensors.values()), lr=kwargs.get("lr", 1e-3),
                                     betas=betas, eps=kwargs.get("eps", 1e-8))
    out = []
    for grads in grads_list:
        for k, t in tensors.items():
            t.grad = torch.tensor(np.array(grads[k], dtype=np.float64))
        optimizer.step()
        buffers = {k: optimizer.state[t]["momentum_buffer"].numpy().copy()
                   for k, t in tensors.items()} if kind == "momentum" else {}
        out.append(({k: t.detach().numpy().copy() for k, t in tensors.items()}, buffers))
    return out


def judge_optimizer(kind: str, call: str, seen: dict, params: dict, grads: list,
                    kwargs: dict, hints: tuple[str, ...]) -> Verdict:
    expected = torch_optimizer_run(kind, params, grads, kwargs)
    steps = seen["steps"]
    for t, (step, (exp_params, exp_velocity)) in enumerate(zip(steps, expected, strict=True)):
        where = f"{call}, step {t + 1}" + (" (state None)" if t == 0 else "")
        new = step["params"]
        if not isinstance(new, dict) or sorted(new) != sorted(params):
            return Verdict.fail(f"{where}: returned params {describe(new)}; expected a new "
                                f"dict with the keys {sorted(params)}.")
        given = {"params": steps[t - 1]["params"] if t else params, "grads": grads[t],
                 "state": steps[t - 1]["state"] if t else None}
        verdict = unchanged(where, given, step["after"])
        if not verdict.passed:
            return verdict
        for key in params:
            verdict = first_failure(
                compare(f"{where}: params[{key!r}]", new[key], exp_params[key], rtol=1e-7,
                        atol=1e-10, hints=hints),
                compare(f"{where}, called twice with the same state: params[{key!r}]",
                        step["again"][key], exp_params[key], rtol=1e-7, atol=1e-10,
                        hints=("The state (or velocity) you are given must not change: "
                               "build new arrays and return them.",)))
            if not verdict.passed:
                return verdict
        if kind == "momentum":
            velocity = step["state"]
            if not isinstance(velocity, dict) or sorted(velocity) != sorted(params):
                return Verdict.fail(f"{where}: returned velocity {describe(velocity)}; "
                                    f"expected a dict with the keys {sorted(params)}.")
            verdict = first_failure(*(
                compare(f"{where}: velocity[{key!r}]", velocity[key], exp_velocity[key],
                        rtol=1e-7, atol=1e-10, hints=hints) for key in params))
            if not verdict.passed:
                return verdict
    return Verdict.ok()


MOMENTUM_HINTS = (
    "Compare step 1 first (velocity None: it starts at zero), then step 2, where the old "
    "velocity counts for the first time.",
    "Section 6: from the weighted sum of past gradients, work out how the new velocity "
    "follows from the one you were given and the new gradient (torch's convention has no "
    "(1 - beta) factor); the step uses the new velocity.",
)

ADAM_HINTS = (
    "Compare step 1 first: with bias correction the first step moves every entry by about "
    "lr, whatever the gradient's scale.",
    "Section 6: two moving averages (of g and of g squared), each divided by its bias "
    "correction for step t (t counts from 1), and eps added after the square root.",
)


@register
class MomentumStepValues(Check):
    """momentum_step matches torch.optim.SGD with momentum, step after step."""

    name = "momentum_step_values"
    defaults = {"steps": 3, "lr": 0.1, "seed": 0}

    def inputs(self, steps, lr, seed):
        params, grads = optimizer_problem(seed, steps)
        return {"params": params, "grads": grads, "kwargs": {"lr": lr}}

    def probe(self, momentum_step, **args):
        return probe_optimizer(momentum_step, **self.inputs(**args))

    def judge(self, seen, **args):
        return judge_optimizer("momentum", f"momentum_step(lr={args['lr']}, beta=0.9)", seen,
                               **self.inputs(**args), hints=MOMENTUM_HINTS)


@register
class AdamStepValues(Check):
    """adam_step with its defaults matches torch.optim.Adam, step after step."""

    name = "adam_step_values"
    defaults = {"steps": 4, "seed": 0}

    def inputs(self, steps, seed):
        params, grads = optimizer_problem(seed, steps)
        return {"params": params, "grads": grads, "kwargs": {}}

    def probe(self, adam_step, **args):
        return probe_optimizer(adam_step, **self.inputs(**args))

    def judge(self, seen, **args):
        return judge_optimizer("adam", "adam_step(defaults)", seen, **self.inputs(**args),
                               hints=ADAM_HINTS)
