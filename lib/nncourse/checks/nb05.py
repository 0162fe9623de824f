"""Visible checks for 05_minibatches_and_sgd: mini-batches, batch gradients, SGD, training.

The two-layer network of the notebook is ``linear -> relu -> linear -> softmax
cross-entropy`` with ``params = {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}``. The
judges compute every expectation themselves: forward passes and gradients with torch
(:mod:`nncourse.oracle`), finite differences of the oracle's (torch) loss, and properties
of random batches.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import sys

import numpy as np

from nncourse import oracle
from nncourse.checking import (
    THROUGH_SYMPTOM,
    Check,
    call_on_copies,
    drive,
    nudge,
    orders_may_coincide,
    register,
)
from nncourse.compare import compare, compare_derived, describe, unchanged
from nncourse.gradcheck import finite_difference_gradient, gradient_check
from nncourse.oracle import TWO_LAYER_KEYS as KEYS
from nncourse.oracle import two_layer_gradients, two_layer_loss, two_layer_scores
from nncourse.rules import Recorder, Rules, original, swapped
from nncourse.verdict import Verdict, first_failure

VECTORIZED_RULES = Rules(forbidden_calls=("batch_gradient_by_loop",), derived=True)
LOOP_RULES = Rules(forbidden_calls=("batch_gradient_vectorized",), derived=True)
"""Both batch gradients are backprop by hand (derived): no numerical differences, complex
steps included (issue 20: they had no derived rule, and complex steps got full marks)."""
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


# ---------------------------------------------------------------- batch gradients


def grads_form(name: str, grads, params: dict) -> Verdict:
    """The returned gradients are a dict with params' keys and shapes."""
    if not isinstance(grads, dict):
        return Verdict.fail(f"{name} returned {describe(grads)}; expected a dict with keys "
                            f"{list(KEYS)}.", *GRADS_FORM_HINTS)
    missing = [k for k in KEYS if k not in grads]
    if missing:
        return Verdict.fail(f"{name}: the returned dict has keys {sorted(grads)}; missing "
                            f"{missing}.", *GRADS_FORM_HINTS)
    for key in KEYS:
        shape = np.shape(grads[key])
        if shape != np.shape(params[key]):
            hint = (f"grads[{key!r}] has shape {shape}, but a bias gradient has one entry "
                    f"per unit, like params[{key!r}]: an axis of the batch is left over (or "
                    "the units' axis is lost)."
                    if key.startswith("b") else
                    f"grads[{key!r}] has shape {shape}, but a weight gradient has the shape "
                    "of its weight, (D_in, D_out): the arrays it is made from were combined "
                    "along the wrong axes (print each one's shape on a batch of 3 rows).")
            return Verdict.fail(f"{name}: grads[{key!r}] has shape {shape}, expected "
                                f"{np.shape(params[key])} (the shape of params[{key!r}]).",
                                hint, GRADIENT_IDEA)
    return Verdict.ok()


DERIVED_HINTS = (
    "Section 2: build each gradient node by node from the loss down (the scores, the second "
    "layer, the ReLU's gate, the first layer), with no evaluation of the loss at shifted "
    "parameters; compare it with your hand computation on a batch of one row.",
    "Print your gradient minus a finite-difference estimate: a gradient from the chain rule "
    "differs from torch's only in the last digits, an estimate from nearby values much more.")
"""The layers after compare_derived's own symptom: a gradient right only to about 1e-7."""

MALFORMED_HINTS = (
    "The test's record of your function's run is damaged: something in your notebook "
    "changed what the test measures (a redefined helper, a patched module, a changed "
    "global).",
    "Restart the kernel, run the notebook's cells from the top in order, and run this test "
    "again without changing anything in between.")
"""The two layers of a probe record that does not have the form the test wrote."""

GRADS_FORM_HINTS = (
    "What your function returns is not one gradient per parameter, under the parameter's own "
    "name: the result must be a dict with exactly the keys of params, e.g. {'W1': dW1, "
    "'b1': db1, ...}.",
    "Section 2: print type(grads) and sorted(grads) for a batch of one row and compare them "
    "with type(params) and sorted(params).")
"""The two layers of a gradients result that is not a dict with params' keys."""

GRADIENT_IDEA = (
    "Work from the top down as in section 2: the gradient at the scores, then the second "
    "layer, the ReLU's gate (relu'(0) = 0), the first layer; compare each with the "
    "one-example version on a batch of one row.")
SCALE_IDEA = (
    "Section 2: the loss of a batch combines the examples' losses; follow that combination "
    "from the loss down to the scores and count how often it acts on your gradient.")


def _ratio(got: np.ndarray, expected: np.ndarray) -> float | None:
    """The one factor relating got to expected entry by entry, or None."""
    scale = float(np.vdot(got, expected) / max(float(np.vdot(expected, expected)), 1e-300))
    close = np.allclose(got, scale * expected, rtol=1e-6, atol=1e-9)
    return scale if close and abs(scale - 1.0) > 1e-6 else None


def one_example_symptom(got: dict, params: dict, X: np.ndarray, y) -> str | None:
    """The hint when the gradients are those of the batch's first or last example alone
    (or that divided by N): the loop over the examples kept one example's gradient instead
    of accumulating all of them. None when they are not."""
    n = len(X)
    if y is None or n < 2:
        return None
    for index, which in ((n - 1, "last"), (0, "first")):
        alone = two_layer_gradients(params, X[index:index + 1], np.asarray(y)[index:index + 1])
        for factor, scale in ((1.0, ""), (1.0 / n, " (times a constant factor)")):
            if all(np.allclose(got[key], factor * alone[key], rtol=1e-6, atol=1e-9)
                   for key in KEYS):
                return (f"Your gradients are the {which} example's gradient alone{scale}: the "
                        "loop over the examples does not accumulate their gradients, only one "
                        "example's survives.")
    return None


def gradient_symptoms(grads, oracle: dict, params: dict, X: np.ndarray,
                      y=None) -> dict[str, tuple]:
    """The hints of each key's gradient check, the first naming what the grads observed
    show (which keys are off, by which factor, through which hidden units), the second the
    idea to follow. grads: the student's (shapes already checked); oracle: torch's."""
    try:
        got = {key: np.asarray(grads[key], dtype=np.float64) for key in KEYS}
    except (TypeError, ValueError, KeyError):
        return {key: ("The gradients are not arrays of numbers.", GRADIENT_IDEA)
                for key in KEYS}
    n = len(X)
    right = {key: bool(np.allclose(got[key], oracle[key], rtol=1e-4, atol=1e-6))
             for key in KEYS}
    single = one_example_symptom(got, params, X, y) if not all(right.values()) else None
    if single:
        return {key: ("", GRADIENT_IDEA) if right[key] else (single, GRADIENT_IDEA)
                for key in KEYS}
    ratios = {key: _ratio(got[key], oracle[key]) for key in KEYS}
    hints = {}
    for key in KEYS:
        if right[key]:
            hints[key] = ("", GRADIENT_IDEA)
            continue
        wrong = [k for k in KEYS if not right[k]]
        ratio = ratios[key]
        if ratio is not None and all(ratios[k] is not None and np.isclose(ratios[k], ratio)
                                     for k in KEYS):
            size = (f"N = {n}" if np.isclose(ratio, n) else f"1/N = 1/{n}"
                    if np.isclose(ratio, 1.0 / n) else f"{ratio:.4g}")
            hints[key] = (f"All four gradients are exactly {size} times the expected ones: "
                          "right in direction, wrong in scale.", SCALE_IDEA)
        elif wrong == [key] and ratio is not None:
            hints[key] = (f"Only grads[{key!r}] is off, by a factor {ratio:.4g} in every "
                          "entry; the other three gradients are right.", GRADIENT_IDEA)
        elif wrong == [key]:
            hints[key] = (f"Only grads[{key!r}] is off; the other three gradients are right.",
                          GRADIENT_IDEA)
        elif set(wrong) <= {"W1", "b1"}:
            pre = X @ params["W1"] + params["b1"]
            units = np.flatnonzero(~np.all(np.isclose(got["W1"], oracle["W1"], rtol=1e-4,
                                                      atol=1e-6), axis=0))
            where = ("whose pre-activation is exactly 0 for some example"
                     if units.size and np.all(np.any(pre[:, units] == 0, axis=0)) else
                     "that were off (pre-activation <= 0) for some examples"
                     if units.size and np.all(np.any(pre[:, units] <= 0, axis=0)) else
                     "of the hidden layer")
            hints[key] = ("The second layer's gradients are right and the first layer's are "
                          f"off, in the weights of hidden units {where}.", GRADIENT_IDEA)
        elif any(right.values()):
            hints[key] = (f"The gradients {wrong} are off and "
                          f"{[k for k in KEYS if right[k]]} are right.", GRADIENT_IDEA)
        else:
            hints[key] = ("All four gradients are off, not by one common factor: start with "
                          "the gradient at the scores.", GRADIENT_IDEA)
    return hints


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
    # scores of magnitude 1000 (EDGE_CASES): the returned gradients must be finite (a nan or
    # inf fails before the judge); a warning alone does not fail, as a correct gradient may
    # come with an unused loss value that underflows (log of a probability of 0)
    stability_idea = ("Print the intermediate arrays of your gradient on that batch and "
                      "find the first inf or nan; notebook 04's stable softmax (the one you "
                      "pasted in section 0 must be stable too): which property of the "
                      "softmax keeps np.exp's argument small?")

    def inputs(self, n, d, h, c, seed):
        return random_problem(n, d, h, c, seed)

    def probe(self, gradient_fn, **args):
        inputs = self.inputs(**args)
        inputs["X"] = spy = RowSpy(inputs["X"])
        grads, after = call_on_copies(gradient_fn, inputs)
        lines = [lines_run(gradient_fn, self.inputs(n, args["d"], args["h"], args["c"],
                                                    args["seed"] + 1))
                 for n in LINE_BATCHES]
        calls = [calls_run(gradient_fn, self.inputs(n, args["d"], args["h"], args["c"],
                                                    args["seed"] + 1))
                 for n in LINE_BATCHES]
        edges = {}
        for case, make in EDGE_CASES.items():
            edge, edge_after = call_on_copies(gradient_fn, make(args["seed"]))
            edges[case] = {"grads": edge, "after": edge_after}
        return {"grads": grads, "after": after, "rows": spy.log["rows"],
                "block": spy.log["block"], "lines": lines, "calls": calls, "edges": edges}

    def judge(self, seen, **args):
        verdict = first_failure(
            judge_gradient_values(self.function, seen, **self.inputs(**args)),
            *(judge_edge_case(self.function, case, seen["edges"][case], make(args["seed"]))
              for case, make in EDGE_CASES.items()))
        if not verdict.passed:
            return verdict
        verdict = judge_lines(self.function, seen["lines"], seen["calls"])
        if not verdict.passed or args["n"] < 3:
            return verdict
        return judge_row_use(self.function, seen["rows"], seen["block"], args["n"])


def large_score_problem(seed: int) -> dict:
    """A batch of six whose scores are near +-1000 with each row's two largest scores close
    (within 0.5 to 3; the third far below): exp of them overflows or underflows, and the
    softmax of a row is far from one-hot, so only a shift that leaves every row's softmax
    unchanged gives the right gradients (clipping the scores, or one shift for the whole
    batch, does not). Rows alternate between scores near +1000 and near -1000; no
    pre-activation is exactly 0."""
    rng = np.random.default_rng(seed + 2)
    X = np.zeros((6, 4))
    for row in range(6):
        X[row, :3] = rng.permutation([1.0, 1.0 - rng.uniform(0.0005, 0.003),
                                      rng.uniform(0.1, 0.5)])
        X[row, 3] = 1.0 if row % 2 else -1.0  # the fourth unit pushes odd rows down
    W2 = np.zeros((4, 3))
    W2[:3] = 1000.0 * np.eye(3)
    W2[3] = -2000.0
    params = {"W1": np.eye(4), "b1": np.zeros(4), "W2": W2, "b2": np.zeros(3)}
    return {"params": params, "X": X, "y": rng.permutation(np.arange(6) % 3)}


def kink_problem(seed: int) -> dict:
    """A batch with hidden pre-activations exactly 0 (two examples of all-zero inputs and
    two units with zero bias), where relu'(0) = 0 decides the gradient."""
    problem = random_problem(6, 4, 5, 3, seed + 3)
    problem["X"][[1, 4]] = 0.0
    problem["params"]["b1"][:2] = 0.0
    return problem


EDGE_CASES = {"large scores": large_score_problem, "pre-activations exactly 0": kink_problem}
"""The edge cases the contract names, in every batch-gradient check: scores of magnitude 1000
("stable for large scores": finite and right gradients) and relu'(0) = 0."""

EDGE_HINTS = {
    "large scores": ("With scores near 1000 your gradients are not finite: something "
                     "overflowed on the way (look at what np.exp does to a score of 1000).",
                     "Notebook 04's stable softmax (the softmax_cross_entropy you pasted in "
                     "section 0 must be stable too): which property of the softmax keeps "
                     "np.exp's argument small? Print your intermediate arrays to find the "
                     "first inf."),
    "pre-activations exactly 0": ("The course's convention is relu'(0) = 0: a unit whose "
                                  "pre-activation is exactly 0 passes no gradient back.",
                                  "Look at the condition that decides which hidden units "
                                  "pass the gradient: which side does a pre-activation of "
                                  "exactly 0 land on?"),
}


LARGE_SCORE_HINTS = (
    "With scores near 1000 (or -1000) your gradients are finite but wrong. In this batch "
    "each row's two largest scores are close, so its softmax is far from one-hot: a way of "
    "avoiding the overflow that changes the probabilities (clipping the scores, one shift "
    "for the whole batch) gives wrong gradients.",
    "Notebook 04's stable softmax: which change of one row's scores leaves that row's "
    "softmax exactly as it was and keeps np.exp's argument small? Check one row by hand: "
    "two scores 1 apart, far above the third, have probabilities about 0.73 and 0.27.")


def judge_edge_case(function: str, case: str, seen: dict, problem: dict) -> Verdict:
    """Form, inputs unchanged, and every gradient against torch's at round-off."""
    name = f"{function}(params, X {problem['X'].shape}, y) with {case}"
    verdict = first_failure(grads_form(name, seen["grads"], problem["params"]),
                            unchanged(name, problem, seen["after"]))
    if not verdict.passed:
        return verdict
    oracle = two_layer_gradients(**problem)
    symptoms = gradient_symptoms(seen["grads"], oracle, problem["params"], problem["X"],
                                 problem["y"])
    scale = term_scale(problem)
    return first_failure(*(
        compare_derived(f"{name}: grads[{key!r}]", seen["grads"][key], oracle[key],
                        n=len(problem["X"]), scale=scale,
                        hints=_edge_hints(case, seen["grads"], oracle, symptoms[key]))
        for key in KEYS))


def term_scale(problem: dict) -> float:
    """The size of the numbers every gradient of ``problem`` is a sum of products of (a
    probability or a one-hot entry over N, times activations and weights): round-off is
    relative to it, not to a gradient that cancels to nearly 0. With scores of 1000 every
    softmax row is one-hot to 1e-140, every gradient is that small, and a correct stable
    answer differs from torch's by 1e-141: round-off of numbers of size 1, not an error."""
    import torch

    t = {k: torch.as_tensor(np.asarray(v, dtype=np.float64)) for k, v in
         problem["params"].items()}
    X = torch.as_tensor(np.asarray(problem["X"], dtype=np.float64))
    hidden = torch.relu(X @ t["W1"] + t["b1"])
    largest = max(1.0, float(hidden.abs().max()), float(t["W2"].abs().max()),
                  float(X.abs().max() * t["W2"].abs().max()))
    return largest / len(X)


def _edge_hints(case: str, grads: dict, oracle: dict, symptoms: tuple) -> tuple:
    """The edge case's own hints where its mistake shows (numbers that overflowed for large
    scores; only the first layer off at the kink), else what the gradients show."""
    try:
        got = {key: np.asarray(grads[key], dtype=np.float64) for key in KEYS}
    except (TypeError, ValueError, KeyError):
        return symptoms
    if case == "large scores":
        return EDGE_HINTS[case] if not all(np.isfinite(got[key]).all() for key in KEYS) \
            else LARGE_SCORE_HINTS
    second_layer_right = all(np.allclose(got[key], oracle[key], rtol=1e-6, atol=1e-9)
                             for key in ("W2", "b2"))
    if case == "pre-activations exactly 0" and second_layer_right:
        return KINK_HINTS
    return symptoms


LINE_BATCHES = (8, 40)
"""The two batch sizes whose runs are compared: a loop over the examples runs at least one
line of the student's code per example, or makes at least one function call per example
(:func:`calls_run`), so the lines run or the calls made grow by at least 32 between them;
one matrix computation runs the same lines and makes the same calls for both."""


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


class Counted(np.ndarray):
    """An array that announces every new array made from it (a view, a row, a result
    computed from it) with a Python call, this method's: a loop that numpy's C code drives
    over the rows (map with a ufunc's method, summed by sum or functools.reduce) then makes
    calls that :func:`calls_run` counts."""

    def __array_finalize__(self, obj):
        pass


def counted(inputs: dict) -> dict:
    """A batch gradient's inputs with X and every parameter viewed as :class:`Counted`."""
    return {**inputs, "X": np.asarray(inputs["X"]).view(Counted),
            "params": {key: np.asarray(value).view(Counted)
                       for key, value in inputs["params"].items()}}


def calls_run(function, inputs: dict) -> int:
    """How many function calls ``function(**inputs)`` makes, everywhere (its own code,
    numpy's Python code, builtins and numpy's C functions called from Python, new arrays
    made from :func:`counted` inputs): what a loop over the examples hidden in map, a
    comprehension, np.vectorize, np.apply_along_axis, functools.reduce or recursion cannot
    hide (one call per example at least), where no line of the student's code runs per
    example. An answer that fails on the counted inputs is counted on the plain ones."""
    count = [0]
    previous = sys.getprofile()

    def watch(frame, event, arg):
        if event in ("call", "c_call"):
            count[0] += 1
        if previous is not None:  # the rules' own watch (forbidden calls) keeps watching
            previous(frame, event, arg)

    sys.setprofile(watch)
    try:
        try:
            function(*counted(inputs).values())
        except Exception:  # noqa: BLE001 - its run on the plain inputs says what is wrong
            count[0] = 0
            function(*inputs.values())
    finally:
        sys.setprofile(previous)
    return count[0]


def kink_problem() -> dict:
    """Inputs where two examples' hidden pre-activations are exactly 0 (relu'(0) = 0 shows)."""
    rng = np.random.default_rng(17)
    params = {"W1": rng.normal(size=(3, 4)), "b1": np.array([0.0, 0.0, 0.5, -0.5]),
              "W2": rng.normal(size=(4, 3)), "b2": rng.normal(size=3)}
    X = rng.normal(size=(5, 3))
    X[1] = 0.0  # this example has Z1 = b1: two units exactly at 0
    X[3, :] = 0.0
    return {"params": params, "X": X, "y": np.array([2, 0, 1, 1, 0])}


KINK_HINTS = ("In this test, examples 1 and 3 put hidden pre-activations exactly at 0, the "
              "kink: the course's convention there is relu'(0) = 0.",
              "Look at the condition that decides which hidden units pass the gradient: which "
              "side does a pre-activation of exactly 0 land on?")
"""The kink's two hint layers: the symptom, then where to look (never the condition)."""


def judge_kink(function: str, seen: dict) -> Verdict:
    """The gradient on :func:`kink_problem` (``seen``: grads, after) is torch's, whose
    relu'(0) is 0."""
    inputs = kink_problem()
    name = f"{function} with pre-activations exactly 0"
    verdict = first_failure(grads_form(name, seen["grads"], inputs["params"]),
                            unchanged(name, inputs, seen["after"]))
    if not verdict.passed:
        return verdict
    oracle = two_layer_gradients(**inputs)
    return first_failure(*(compare(f"{name}: grads[{key!r}]", seen["grads"][key],
                                   oracle[key], rtol=1e-6, atol=1e-9, n=len(inputs["X"]),
                                   hints=KINK_HINTS)
                            for key in KEYS))


VECTORIZED_RULE_HINTS = (
    "batch_gradient_vectorized handles the examples one after another (a Python loop, a "
    "comprehension, map, np.vectorize, np.apply_along_axis, functools.reduce or recursion "
    "over the rows of X or of an array computed from it, in it or in a helper it calls): its "
    "work grows with the batch.",
    "Section 2, the second way: work with the stacked matrices Z1, H, S (one row per "
    "example) and matrix products that combine the whole batch at once; check it on a batch "
    "of one row against your loop version, then on a batch of three.")
"""The two layers of the vectorized version's rule (no loop over the examples)."""

LOOP_RULE_HINTS = (
    "batch_gradient_by_loop computes with the whole batch at once: each pass of its loop must "
    "see one example (one row of X) only.",
    "Section 2, the first way: loop over the rows (for i in range(N): X[i] or X[i:i + 1]), "
    "take the one-example gradient of each, and combine them as the batch's loss combines "
    "the examples' losses.")
"""The two layers of the loop version's rule (one example at a time)."""


def judge_lines(function: str, lines, calls=(0, 0)) -> Verdict:
    """The loop version's lines grow with the batch; the vectorized version's lines and
    function calls (:func:`calls_run`) do not: fewer than one more per two more examples."""
    small, large = LINE_BATCHES
    try:
        grew = int(lines[1]) - int(lines[0])
        calls_grew = int(calls[1]) - int(calls[0])
    except (TypeError, ValueError, IndexError):
        return Verdict.fail(f"{function}: malformed results (the lines it ran).",
                            *MALFORMED_HINTS)
    if function == "batch_gradient_vectorized" and grew >= large - small:
        return Verdict.fail(
            f"{function}: breaks a rule of the contract: it runs a Python loop over the "
            f"examples (your code ran {lines[0]} lines for a batch of {small} and "
            f"{lines[1]} for {large}); it must be one matrix computation on the whole batch.",
            *VECTORIZED_RULE_HINTS)
    if function == "batch_gradient_vectorized" and 2 * calls_grew >= large - small:
        return Verdict.fail(
            f"{function}: breaks a rule of the contract: it runs a loop over the examples "
            f"(it made {calls[0]} function calls for a batch of {small} and {calls[1]} for "
            f"{large}: the more examples, the more calls); it must be one matrix computation "
            "on the whole batch.",
            *VECTORIZED_RULE_HINTS)
    if function == "batch_gradient_by_loop" and grew < large - small:
        return Verdict.fail(
            f"{function}: breaks a rule of the contract: it does not loop over the examples "
            f"(your code ran {lines[0]} lines for a batch of {small} and {lines[1]} for "
            f"{large}); it must compute one example at a time.",
            *LOOP_RULE_HINTS)
    return Verdict.ok()


def judge_row_use(function: str, rows: int, block: int, n: int) -> Verdict:
    """The loop version takes the rows of X one at a time; the vectorized one never does."""
    if function == "batch_gradient_vectorized" and rows >= n:
        return Verdict.fail(
            f"{function}: breaks a rule of the contract: it took the {n} rows of X one at a "
            "time (a Python loop over the examples); it must be one matrix computation on "
            "the whole batch.",
            *VECTORIZED_RULE_HINTS)
    if function == "batch_gradient_by_loop" and rows < n and block > 0:
        return Verdict.fail(
            f"{function}: breaks a rule of the contract: it computed with all {n} rows of X "
            "at once instead of one example at a time.",
            *LOOP_RULE_HINTS)
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
    hints = gradient_symptoms(seen["grads"], oracle, params, X, y)
    return first_failure(*(
        gradient_check(f"{function}: grads[{key!r}]", seen["grads"][key],
                       numeric[key], oracle=oracle[key], n=len(X), hints=hints[key])
        for key in KEYS), *(  # derived: at round-off (a numerical one is right to 1e-7)
        compare_derived(f"{function}: grads[{key!r}]", seen["grads"][key], oracle[key],
                        hints=DERIVED_HINTS)
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


BATCHES_FORM_HINTS = (
    "What make_minibatches returns is not a list whose items are each one pair "
    "(X_batch, y_batch): print type(batches), len(batches) and type(batches[0]).",
    "Section 1: an epoch is a list of mini-batches, each a pair of the examples' rows and "
    "their labels; build one such list by hand for N = 5, batch_size = 2 and compare.")
"""The two layers of a make_minibatches result of the wrong form."""

BATCH_ROWS_HINTS = (
    "A batch's X_batch is not made of whole rows of X with the matching labels alongside: "
    "rows and columns were mixed up, or X and y were cut differently.",
    "Section 1: select examples, i.e. rows, by their indices (the same indices for X and y); "
    "print X_batch.shape and y_batch.shape for each batch of a small example.")
"""The two layers of batches whose rows are not whole rows of X paired with their labels."""


def _minibatch_ids(name: str, batches):
    """(verdict, list of id arrays per batch) after the pairing and shape checks."""
    if not isinstance(batches, list):
        return Verdict.fail(f"{name} returned {describe(batches)}; expected a list of "
                            "(X_batch, y_batch) pairs.", *BATCHES_FORM_HINTS), None
    ids = []
    for b, pair in enumerate(batches):
        if not isinstance(pair, list) or len(pair) != 2:
            return Verdict.fail(f"{name}: batch {b} is {describe(pair)}; expected a pair "
                                "(X_batch, y_batch).", *BATCHES_FORM_HINTS), None
        Xb = np.asarray(pair[0], dtype=np.float64)
        yb = np.asarray(pair[1])
        if Xb.ndim != 2 or Xb.shape[1] != 3:
            return Verdict.fail(f"{name}: X_batch {b} has shape {Xb.shape}, expected "
                                "(k, 3): whole rows of X.", *BATCH_ROWS_HINTS), None
        if yb.shape != (Xb.shape[0],):
            return Verdict.fail(f"{name}: batch {b} has X_batch of shape {Xb.shape} but "
                                f"y_batch of shape {yb.shape}; expected ({Xb.shape[0]},).",
                                *BATCH_ROWS_HINTS), None
        rows = Xb[:, 0]
        if not (np.allclose(Xb[:, 1], rows / 2) and np.allclose(Xb[:, 2], -rows)
                and np.allclose(rows, np.round(rows))):
            return Verdict.fail(f"{name}: batch {b} holds rows that are not rows of X "
                                "(mixed-up columns?).", *BATCH_ROWS_HINTS), None
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
            "Shuffle by a permutation (no repeats), not by drawing indices with replacement.",
            "Section 1: one epoch visits every example once, in a new random order.")
    if np.any(counts == 0):
        missing = int(np.sum(counts == 0))
        message = (f"{name}: {missing} of {n} examples are missing (batch sizes {sizes}, "
                   f"batch_size={batch_size}).")
        hint = "Every example goes into exactly one batch."
        if missing == n % batch_size and all(s == batch_size for s in sizes):
            hint = (f"The missing examples are exactly the last {missing} of the shuffled "
                    f"order: N = {n} is not a multiple of batch_size = {batch_size}.")
        return Verdict.fail(message, hint,
                            "Section 1: one epoch visits every example once; what happens "
                            "to the examples left over after the last full batch?")
    if any(s != batch_size for s in sizes[:-1]) or not 1 <= sizes[-1] <= batch_size:
        return Verdict.fail(
            f"{name}: batch sizes are {sizes} for N={n}, batch_size={batch_size}; expected "
            f"{n_batches} batches of {batch_size}, the last one with "
            f"{n - (n_batches - 1) * batch_size}.",
            batch_sizes_symptom(sizes, n, batch_size),
            "Section 1: count how many batches N examples make, and how big the last is.")
    if n >= 10 and np.array_equal(all_ids, np.arange(n)):
        return Verdict.fail(f"{name}: the examples come out in their original order; the "
                            "batches must be drawn from a shuffled order.",
                            "Shuffle the indices with the generator you were given.",
                            "Section 1, 'Cutting the data into mini-batches': step 1 of every "
                            "epoch comes before the cutting; print the first batch's labels "
                            "for two calls with generators of different seeds.")
    return judge_shuffled(name, all_ids)


def batch_sizes_symptom(sizes: list, n: int, batch_size: int) -> str:
    """The first hint for batches of the wrong sizes: the short batch first, batches of
    nearly equal sizes (a count of batches taken for their size), or neither."""
    if len(sizes) > 1 and sizes[0] == n % batch_size and all(s == batch_size
                                                             for s in sizes[1:]):
        return ("The short batch comes first: the batches are consecutive runs of batch_size "
                "examples from the start of the shuffled order, the remainder last.")
    if len(sizes) > 1 and max(sizes) - min(sizes) <= 1:
        return ("The batches have nearly equal sizes, as if the data were cut into a number "
                "of batches (np.array_split(x, k) makes k batches, not batches of size k).")
    return "Consecutive batches of batch_size examples each, the remainder last."


SHUFFLE_NEIGHBOURS = 10
"""In a uniformly random order of N examples, the number of places where example i + 1
follows example i is about Poisson(1): 10 or more has odds of about one in ten million."""


def judge_shuffled(name: str, order: np.ndarray) -> Verdict:
    """The order looks like a uniform random permutation: few stored neighbours still follow
    each other (a rotation or a partly shuffled order keeps most of them), and the position
    of an example is uncorrelated with its index (Spearman's rho within 6 / sqrt(N - 1))."""
    n = len(order)
    if n < 10:
        return Verdict.ok()
    kept = int(np.count_nonzero(np.diff(order) == 1))
    rho = float(np.corrcoef(np.arange(n), order)[0, 1])  # the order is a rank already
    if kept >= SHUFFLE_NEIGHBOURS or abs(rho) > 6 / np.sqrt(n - 1):
        return Verdict.fail(
            f"{name}: the order is not a shuffle of all {n} examples: {kept} examples still "
            f"follow their stored neighbour (a random order keeps about 1), and position and "
            f"index correlate with rho = {rho:.3f} (a random order: within "
            f"{6 / np.sqrt(n - 1):.3f}).",
            "Much of the stored order survives: some examples were never moved, or the "
            "order was only shifted or shuffled in part.",
            "Section 1: every example's place in the epoch is drawn at random, whatever N is.")
    return judge_residues(name, order)


RESIDUE_MODULI = range(2, 33)
"""The moduli k of :func:`judge_residues`: an order that keeps the index of every example
modulo k (or maps one residue to another), for any k from 2 to 32, is not uniform."""

RESIDUE_FALSE_ALARM = 1e-11
"""The chance that :func:`judge_residues` fails one uniformly random order (union bound over
its cells): below 1e-9 for the hundred orders a whole grading judges."""


def residue_limit(draws, cells: int):
    """How far a cell's count may be from its mean: for a uniform order the count is
    hypergeometric (``draws`` examples of one residue placed among the positions), and
    Hoeffding's bound for sampling without replacement gives P(|count - mean| >= t) <=
    2 exp(-2 t^2 / draws); t makes that RESIDUE_FALSE_ALARM / cells."""
    return np.sqrt(draws * math.log(2 * cells / RESIDUE_FALSE_ALARM) / 2)


def judge_residues(name: str, order: np.ndarray) -> Verdict:
    """Where an example lands does not depend on its index modulo k (k in RESIDUE_MODULI):
    for every pair (index mod k, position mod k), the count of examples is the mean of a
    uniform order within :func:`residue_limit` (a parity-keeping shuffle, which moves the
    even examples among the even places only, fails with every N of the digits' size)."""
    n = len(order)
    index, position = np.asarray(order, dtype=np.int64), np.arange(n)
    cells = sum(k * k for k in RESIDUE_MODULI)
    for k in RESIDUE_MODULI:
        sizes = np.bincount(np.arange(n) % k, minlength=k)  # examples (or places) per residue
        table = np.zeros((k, k), dtype=np.int64)
        np.add.at(table, (index % k, position % k), 1)
        mean = np.outer(sizes, sizes) / n
        limit = residue_limit(np.minimum.outer(sizes, sizes), cells)
        excess = np.abs(table - mean) - limit  # a residue no example has (k > N): 0 - 0
        if np.all(excess <= 0):
            continue
        r, c = np.unravel_index(np.argmax(excess), table.shape)
        return Verdict.fail(
            f"{name}: the order is not uniformly random: of the {sizes[r]} examples whose "
            f"index is {r} modulo {k}, {table[r, c]} landed at positions that are {c} "
            f"modulo {k} (a uniform order puts about {mean[r, c]:.0f} there, give or take "
            f"{limit[r, c]:.0f}).",
            f"Where an example lands depends on its index modulo {k}: some examples are "
            "only ever moved among some of the places.",
            "Section 1: in a uniformly random order every example can land at every place "
            "with the same chance; shuffle all N examples together, in one draw from rng.")
    return Verdict.ok()


UNIFORM_CALLS = {3: 3000, 4: 9000}
"""The tiny data sets whose orders :func:`judge_uniform_orders` counts: N examples, calls of
make_minibatches. A shuffle can be a mix of all N examples every time and still favour some
orders (the swap of every place with any place, each of its N^N equally likely ways of
drawing leading to one of N! orders: N^N is no multiple of N!); only many shuffles of a tiny
data set, where every order is seen often, show that."""

UNIFORM_BATCH = 2
CALLS_PER_RNG = 10
"""Each generator of :func:`uniform_orders` serves this many calls in a row (epochs)."""

UNIFORM_FALSE_ALARM = 1e-11
"""The chance that :func:`judge_uniform_orders` fails a uniform shuffle, for one judgement;
the visible check is judged four times in a whole grading (the test cell's visible call and
its three hidden ones): below 1e-10 per grading."""


def uniform_orders(make_minibatches, seed: int):
    """A plan (:func:`drive`): make_minibatches on :func:`id_data` of N examples (batch_size
    2), UNIFORM_CALLS[N] times for each N, a new generator (seeded from ``seed``, N and its
    number) every CALLS_PER_RNG calls. Returns for each N the raw orders: the ids of the
    examples as they came out (X_batch's first column, batch after batch, call after call)
    and how many each call gave; the judge does the counting."""
    seen = {}
    for n, calls in UNIFORM_CALLS.items():
        data = id_data(n, UNIFORM_BATCH, 0)
        ids, lengths = [], []
        for g in range(calls // CALLS_PER_RNG):
            rng = np.random.default_rng([seed, 55, n, g])
            for _ in range(CALLS_PER_RNG):
                came = _came_out((yield make_minibatches, (
                    data["X"].copy(), data["y"].copy(), UNIFORM_BATCH, rng), {}))
                ids.append(came)
                lengths.append(len(came))
        seen[f"n{n}"] = {"ids": np.concatenate(ids), "lengths": np.array(lengths)}
    return seen


def _came_out(batches) -> np.ndarray:
    """The first column of every X_batch, one after another (none if they cannot be read:
    the form of the batches is judged on the check's other calls)."""
    try:
        return np.concatenate([np.asarray(pair[0], dtype=np.float64)[:, 0]
                               for pair in batches])
    except (TypeError, ValueError, IndexError, KeyError):
        return np.zeros(0)


def uniform_threshold(shape: int, false_alarm: float = UNIFORM_FALSE_ALARM) -> float:
    """The x > shape where e^-(x - shape) (x / shape)^shape, the Chernoff bound on the upper
    tail of a gamma(shape, 1) variable, is ``false_alarm`` (bisection)."""
    target = math.log(false_alarm)
    low, high = float(shape), float(shape) + 10.0 * (shape + 50.0)
    for _ in range(200):
        middle = (low + high) / 2
        if shape - middle + shape * math.log(middle / shape) > target:
            low = middle
        else:
            high = middle
    return high


UNIFORM_HINTS = (
    "Your shuffle favours some orders of the examples over others: on a tiny data set, "
    "counted over many calls, some orders come out more often than others (or never). Each "
    "single shuffle is a mix of all N examples, so no look at one shuffle shows it.",
    "Section 1: a uniformly random order gives each of the N! orders the same chance. For "
    "N = 3, list every equally likely way your code can make its random draws and the order "
    "each one leads to: each of the 6 orders must be reached by the same number of ways (if "
    "the number of ways is not a multiple of 6, that cannot be).")
"""The two layers of a shuffle whose orders are not uniformly distributed."""


def judge_uniform_orders(seen: dict) -> Verdict:
    """Every order of the :data:`UNIFORM_CALLS` tiny data sets came out about equally often.

    For each N the calls' orders are a multinomial sample over its k = N! orders; G = sum of
    count * ln(count / expected), the likelihood-ratio statistic (calls times the relative
    entropy of the observed frequencies to the uniform ones), summed over the sizes. For a
    uniform shuffle, E[exp(t G_N)] <= (1 - t)^-(k - 1) for 0 <= t < 1 (R. Agrawal, "Finite-
    sample concentration of the multinomial in relative entropy", IEEE Trans. Inf. Theory
    66 (2020): the relative entropy's moment generating function is at most that of a gamma
    variable of shape k - 1 and rate ``calls``), and the sizes are independent, so the sum's
    is at most that of a gamma variable of shape d = sum of (N! - 1) = 28: Chernoff's bound
    P(G >= x) <= e^-(x - d) (x / d)^d is UNIFORM_FALSE_ALARM at x = :func:`uniform_threshold`
    (84.1). The textbook swap of every place with any place gives G of about 160 (standard
    deviation 18) with these calls."""
    total, shape, worst = 0.0, 0, None
    for n, calls in UNIFORM_CALLS.items():
        k = math.factorial(n)
        try:
            ids = np.asarray(seen[f"n{n}"]["ids"], dtype=np.float64).ravel()
            lengths = np.asarray(seen[f"n{n}"]["lengths"], dtype=np.int64)
            well_formed = lengths.shape == (calls,) and int(lengths.sum()) == ids.size
        except (TypeError, ValueError):
            well_formed = False
        if not well_formed:
            return Verdict.fail("make_minibatches: malformed results (the orders of the "
                                "tiny data sets).", *MALFORMED_HINTS)
        name = f"make_minibatches(X ({n}, 3), y ({n},), batch_size={UNIFORM_BATCH}, rng)"
        orders = ids.reshape(calls, n) if np.all(lengths == n) else None
        if orders is None or not np.array_equal(np.sort(orders, axis=1),
                                                np.broadcast_to(np.arange(n), orders.shape)):
            return Verdict.fail(
                f"{name}, called {calls} times: some calls did not return each of the {n} "
                "examples exactly once.",
                "On a tiny data set (fewer examples than two batches' worth, or barely more) "
                "your batches lose or repeat examples.",
                "Section 1: one epoch visits every example once, whatever N and batch_size "
                "are; try your function by hand on N = 3 with batch_size = 2.")
        codes = orders.astype(np.int64) @ (n ** np.arange(n))
        every = np.array(sorted(np.asarray(p) @ (n ** np.arange(n))
                                for p in itertools.permutations(range(n))))
        counts = np.bincount(codes, minlength=n ** n)[every]
        expected = calls / k
        present = counts > 0
        statistic = float(np.sum(counts[present] * np.log(counts[present] / expected)))
        total += statistic
        shape += k - 1
        excess = statistic - (k - 1) / 2  # its mean for a uniform shuffle, about (k - 1) / 2
        if worst is None or excess > worst[0]:
            worst = (excess, name, n, calls, counts, every)
    limit = uniform_threshold(shape)
    if total <= limit:
        return Verdict.ok()
    _, name, n, calls, counts, every = worst
    k = math.factorial(n)

    def order(code) -> list[int]:
        return [int(code) // n ** j % n for j in range(n)]

    never = int(np.sum(counts == 0))
    low, high = int(np.argmin(counts)), int(np.argmax(counts))
    return Verdict.fail(
        f"{name}, called {calls} times (a new generator every {CALLS_PER_RNG} calls): the "
        f"{k} possible orders of the examples did not come out equally often: "
        f"{order(every[high])} came out {counts[high]} times and {order(every[low])} "
        f"{counts[low]} times"
        + (f" ({never} of the {k} orders never)" if never else "")
        + f", where a uniformly random order gives each about {calls / k:.0f}, give or take "
        f"{math.sqrt(calls / k):.0f} (the test's statistic, {total:.0f}, is above {limit:.0f}, "
        f"which a uniform shuffle exceeds with a chance below {UNIFORM_FALSE_ALARM:.0e}).",
        *UNIFORM_HINTS)


def rng_replay(make_minibatches, n: int, batch_size: int, seed: int):
    """A plan (:func:`drive`): make_minibatches on :func:`id_data` with generators seeded
    ``seed`` (twice, np.random's global state changed between), ``seed + 1``, and one
    generator for two calls (two epochs)."""
    inputs = id_data(n, batch_size, seed)
    X, y = inputs["X"], inputs["y"]

    def batches(rng):
        return make_minibatches, (X.copy(), y.copy(), batch_size, rng), {}

    np.random.seed(1)
    first = yield batches(inputs["rng"])
    np.random.seed(2)
    seen = {"first": first, "again": (yield batches(np.random.default_rng(seed))),
            "other": (yield batches(np.random.default_rng(seed + 1)))}
    rng = np.random.default_rng(seed + 2)
    seen["epoch_0"] = yield batches(rng)
    seen["epoch_1"] = yield batches(rng)
    return seen


SAME_SEED_HINTS = ("Every random draw goes through the rng argument, never np.random.",
                   "Section 1: the same seed must give the same batches; which random source "
                   "did yours come from?")
OTHER_SEED_HINTS = ("The order does not depend on the generator you were given (never "
                    "shuffled, or shuffled from elsewhere).",
                    "Section 1: every epoch's order is drawn from the rng argument.")
"""The two layers of the rng rule's failures, shared by judge_rng_replay and judge_same_seed."""


ONE_RNG_IDEA = ("Section 4: one generator, made once, drives every random choice of the run, "
                "so two runs with the same seed agree.")
"""The idea layer of every failure of train_mlp's rng rule (visible and hidden checks)."""


def judge_rng_replay(seen: dict, label: str) -> Verdict:
    """The rng argument is the only source of randomness, and every call draws afresh."""
    ids = {k: [np.round(np.asarray(pair[0], dtype=float)[:, 0]).astype(int).tolist()
               for pair in seen[k]] for k in ("first", "again", "other", "epoch_0", "epoch_1")}
    if ids["first"] != ids["again"]:
        return Verdict.fail(
            f"make_minibatches ({label}) gave different batches for two generators with "
            "the same seed: it draws from np.random (global state) instead of its rng "
            "argument.", *SAME_SEED_HINTS)
    if orders_may_coincide(sum(map(len, ids["first"]))):
        return Verdict.ok()
    if ids["first"] == ids["other"]:
        return Verdict.fail(f"make_minibatches ({label}) gave the same order for two "
                            "generators with different seeds: the shuffle must come from "
                            "the rng.", *OTHER_SEED_HINTS)
    if ids["epoch_0"] == ids["epoch_1"]:
        return Verdict.fail(f"make_minibatches ({label}): two calls with one rng (two "
                            "epochs) gave the same order; every call must draw a fresh "
                            "permutation from rng.",
                            "The second call repeated the first one's order: was a new "
                            "generator made inside, from a fixed seed?",
                            "Section 1: every epoch's order is drawn from the rng argument.")
    return Verdict.ok()


REAL_MINIBATCHES = {"n": 1437, "batch_size": 32}
"""The digits' training set size and train_mlp's default batch: every make_minibatches check
also runs on the real data's size (a rule kept on small N only is not kept)."""


@register
class MinibatchesCoverAndPair(Check):
    """make_minibatches shuffles (x, y) pairs together into full batches, each example once."""

    name = "minibatches_cover_and_pair"
    defaults = {"n": 50, "batch_size": 8, "seed": 0}

    def inputs(self, n, batch_size, seed):
        return id_data(n, batch_size, seed)

    def real(self, seed, **_):
        return id_data(REAL_MINIBATCHES["n"], REAL_MINIBATCHES["batch_size"], [seed, 1437])

    def probe(self, make_minibatches, **args):
        np.random.seed(1)  # np.random's state differs between the calls with one seed
        batches, after = call_on_copies(make_minibatches, self.inputs(**args))
        np.random.seed(2)
        again = call_on_copies(make_minibatches, self.inputs(**args))[0]
        other = call_on_copies(make_minibatches,
                               self.inputs(**{**args, "seed": args["seed"] + 1}))[0]
        real, real_after = call_on_copies(make_minibatches, self.real(**args))
        n, b = REAL_MINIBATCHES.values()
        return {"batches": batches, "after": after, "again": again, "other": other,
                "real": {"batches": real, "after": real_after},
                "rng": drive(rng_replay(make_minibatches, args["n"], args["batch_size"],
                                        args["seed"] + 100)),
                "real_rng": drive(rng_replay(make_minibatches, n, b, args["seed"] + 200)),
                "uniform": drive(uniform_orders(make_minibatches, args["seed"]))
                if self.counts_orders(args) else None}

    def counts_orders(self, args: dict) -> bool:
        """The orders of the tiny data sets are counted in the call with the default data
        set only (the test cell's first): their 12,000 shuffles depend on the seed alone, so
        one count a grading suffices, and the other calls cost no more than before."""
        return (args["n"], args["batch_size"]) == (self.defaults["n"],
                                                   self.defaults["batch_size"])

    def judge(self, seen, **args):
        name = (f"make_minibatches(X ({args['n']}, 3), y ({args['n']},), "
                f"batch_size={args['batch_size']}, rng)")
        n, b = REAL_MINIBATCHES.values()
        return first_failure(
            judge_minibatches(name, seen, self.inputs(**args)),
            judge_minibatches(f"make_minibatches(X ({n}, 3), y ({n},), batch_size={b}, rng) "
                              "(the digits' size)", seen["real"], self.real(**args)),
            judge_same_seed(name, seen["batches"], seen["again"], seen["other"]),
            judge_rng_replay(seen["rng"], f"N={args['n']}"),
            judge_rng_replay(seen["real_rng"], f"N={n}"),
            judge_uniform_orders(seen["uniform"]) if self.counts_orders(args) else Verdict.ok())


def judge_same_seed(name: str, first, again, other) -> Verdict:
    """Two generators with the same seed give the same batches, different seeds another
    order: the shuffle comes from the rng argument and nothing else."""
    def ids(batches):
        verdict, found = _minibatch_ids(name, batches)
        return [list(map(int, i)) for i in found] if verdict.passed else None

    if ids(first) != ids(again):
        return Verdict.fail(
            f"{name}, called twice with generators of the same seed, gave different batches: "
            "the shuffle does not come from the rng argument alone (np.random's global "
            "state?).", *SAME_SEED_HINTS)
    if ids(first) is not None and orders_may_coincide(sum(map(len, ids(first)))):
        return Verdict.ok()
    if ids(first) == ids(other):
        return Verdict.fail(f"{name} gave the same batches for generators with different "
                            "seeds: the shuffle must be drawn from the rng argument.",
                            *OTHER_SEED_HINTS)
    return Verdict.ok()


# ---------------------------------------------------------------- sgd_step and accuracy


NEW_PARAMS_HINTS = (
    "The step did not return a new dict with one array under each key of params (nothing "
    "returned, a changed params, or other keys).",
    "Sections 3 and 6: a step maps the current parameters to new ones, key by key; print "
    "sorted(result) next to sorted(params) for a tiny example.")
"""The two layers of an update step's result of the wrong form (sgd_step, momentum, Adam)."""


def judge_sgd_step(name: str, seen: dict, inputs: dict) -> Verdict:
    """A new dict with params' keys, inputs unchanged, every entry one step against grads."""
    params, grads, lr = inputs["params"], inputs["grads"], inputs["lr"]
    new = seen["new"]
    if not isinstance(new, dict) or sorted(new) != sorted(params):
        return Verdict.fail(f"sgd_step returned {describe(new)}; expected a new dict with "
                            f"the keys of params, {sorted(params)}.", *NEW_PARAMS_HINTS)
    return first_failure(
        unchanged("sgd_step", inputs, seen["after"]),
        *(compare(f"{name}[{key!r}]", new[key], params[key] - lr * grads[key],
                  hints=("The new parameters are not one plain descent step from the old "
                         "ones: compare, entry by entry, how far and in which direction "
                         "yours moved with that entry's gradient and lr.",
                         "Section 3: the step in parameter space that lowers the loss "
                         "fastest for a small move, scaled by the learning rate."),
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

    def other_args(self, args) -> dict:
        """A second run with another learning rate: every argument is honoured."""
        return dict(args, lr=other_rate(args["lr"]))

    def probe(self, sgd_step, **args):
        new, after = call_on_copies(sgd_step, self.inputs(**args))
        other_new, other_after = call_on_copies(sgd_step, self.inputs(**self.other_args(args)))
        return {"new": new, "after": after, "other": {"new": other_new, "after": other_after}}

    def judge(self, seen, **args):
        other = self.other_args(args)
        return first_failure(
            judge_sgd_step(f"sgd_step(params, grads, lr={args['lr']})", seen,
                           self.inputs(**args)),
            judge_sgd_step(f"sgd_step(params, grads, lr={other['lr']})", seen["other"],
                           self.inputs(**other)))


def other_rate(lr: float) -> float:
    """A learning rate other than ``lr`` for a check's second run (one that ignores its lr
    argument and uses a fixed rate fails one of the two runs)."""
    return round(2.5 * float(lr) + 0.05, 6)


def judge_accuracy(name: str, got, scores: np.ndarray, y: np.ndarray) -> Verdict:
    """One number: the fraction of rows whose largest score is at the label."""
    if np.size(got) != 1:
        return Verdict.fail(f"{name} returned {describe(np.asarray(got))}; expected one "
                            "number, the fraction of correct rows.",
                            "Your accuracy returns many values (one per row or per class), not "
                            "one number for the whole batch.",
                            "Section 3: decide for each row whether it is correct, then reduce "
                            "those row verdicts to one fraction; print the shape of every "
                            "intermediate array for scores of 3 rows.")
    return compare(name, float(np.squeeze(got)), oracle.accuracy(scores, y),
                   mistakes={"it is 0: no row was counted as correct (is the class with the "
                             "largest score compared with the label?)": 0.0},
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


TRAIN_RESULT_HINTS = (
    "train_mlp does not return the pair (params, history) with params a dict of the "
    "network's four arrays under their names.",
    "Section 4: the end of the training loop's outline; print type(result), len(result) "
    "and sorted(result[0]) after one epoch on a small problem.")
"""The two layers of a train_mlp result of the wrong form."""

TRAIN_SHAPES_HINTS = (
    "The returned network's layers do not have the sizes of the data and the arguments "
    "(D inputs, hidden units, C classes): the wrong sizes were passed to init_params, or the "
    "parameters were reshaped on the way.",
    "Section 4: where do D and C come from in the training data? Print every returned "
    "array's shape next to the sizes you expect.")
"""The two layers of returned parameters of the wrong shapes."""

HISTORY_FORM_HINTS = (
    "history is not a dict holding, under 'train_loss', 'val_loss' and 'val_acc', a list of "
    "numbers each.",
    "Section 4: the history is a record of the epochs, one entry per epoch under each name; "
    "print history after two epochs of a small problem.")
"""The two layers of a history of the wrong form."""

DIVERGED_HINTS = (
    "Training blew up: numbers became nan or inf, as when the parameters grow without bound "
    "or a loss is computed on impossible values.",
    "Section 4: print the loss after every step of the first epoch; if it grows, test "
    "sgd_step and the gradients alone (their tests above) before the loop.")
"""The two layers of a non-finite number in the history or the parameters."""


def judge_training(name: str, seen: dict, data: dict, hidden: int, epochs: int,
                   n_classes: int) -> Verdict:
    """History form, parameter shapes, and val numbers recomputed from the returned params."""
    X_train, y_train, X_val, y_val = data.values()
    result = seen["result"]
    if not isinstance(result, list) or len(result) != 2:
        return Verdict.fail(f"{name} returned {describe(result)}; expected (params, history).",
                            *TRAIN_RESULT_HINTS)
    params, history = result
    if not isinstance(params, dict) or any(k not in params for k in KEYS):
        return Verdict.fail(f"{name}: params is {describe(params)}; expected a dict with "
                            f"keys {list(KEYS)}.", *TRAIN_RESULT_HINTS)
    D = X_train.shape[1]
    shapes = {"W1": (D, hidden), "b1": (hidden,), "W2": (hidden, n_classes),
              "b2": (n_classes,)}
    for key, shape in shapes.items():
        if np.shape(params[key]) != shape:
            return Verdict.fail(f"{name}: params[{key!r}] has shape {np.shape(params[key])}, "
                                f"expected {shape} (D={D}, hidden={hidden}, "
                                f"C={n_classes}).", *TRAIN_SHAPES_HINTS)
    if not isinstance(history, dict):
        return Verdict.fail(f"{name}: history is {describe(history)}; expected a dict of "
                            "lists.", *HISTORY_FORM_HINTS)
    for key in ("train_loss", "val_loss", "val_acc"):
        values = history.get(key)
        if not isinstance(values, list | np.ndarray):
            return Verdict.fail(f"{name}: history[{key!r}] is {describe(values)}; expected a "
                                f"list with one number per epoch.", *HISTORY_FORM_HINTS)
        if len(values) != epochs:
            return Verdict.fail(
                f"{name}: history[{key!r}] has {len(values)} entries for epochs={epochs}; "
                "expected exactly one per epoch.",
                "Append once at the end of every epoch (not per batch, not before training).",
                "Section 4: the history is a record of the epochs, one entry each, each taken "
                "when its epoch is over.")
        if not np.all(np.isfinite(np.asarray(values, dtype=np.float64))):
            return Verdict.fail(f"{name}: history[{key!r}] contains nan or inf: {values}.",
                                *DIVERGED_HINTS)
    params = {k: np.asarray(params[k], dtype=np.float64) for k in KEYS}
    val_loss = two_layer_loss(params, X_val, y_val)
    val_acc = oracle.accuracy(two_layer_scores(params, X_val), y_val)
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
        return Verdict.fail(message, hint,
                            "Section 4: the history measures the network as it stands at "
                            "the end of each epoch, on data it never trained on.")
    if not np.isclose(last["val_acc"], val_acc, atol=1e-9):
        return Verdict.fail(
            f"{name}: history['val_acc'][-1] is {last['val_acc']:.6g}, but the returned "
            f"params classify {val_acc:.6g} of the validation set correctly.",
            "The last val_acc does not describe the returned network on the validation "
            "set: it was measured on other data, or with the parameters of another moment.",
            "Section 4: the history measures the network as it stands at the end of each "
            "epoch, on data it never trained on; print the accuracy of the returned params "
            "on X_val, y_val next to history['val_acc'][-1].")
    if not np.isclose(last["train_loss"], train_loss, rtol=1e-6, atol=1e-9):
        return Verdict.fail(
            f"{name}: history['train_loss'][-1] is {last['train_loss']:.6g}, but the returned "
            f"params have loss {train_loss:.6g} on the whole training set.",
            "train_loss is the mean loss on ALL of X_train, y_train with the parameters "
            "after the epoch (not an average of the mini-batch losses seen during it).",
            "Section 4: the history measures the network as it stands at the end of each "
            "epoch, not as it was during it.")
    return Verdict.ok()


DIGITS_ACCURACY = 0.93
"""The final validation accuracy train_mlp_digits asks for. Correct answers reach 0.950 to
0.958 (342 to 345 of the 360 validation images; measured for nine correct ways of drawing the
shuffle from rng: permutation, choice without replacement, shuffle, permuted, argsort of
random/normal/integer draws, two Fisher-Yates loops; their last five epochs go down to 0.947):
the contract's 0.95 has no margin, so the check leaves 0.02 (7 images). Every step is judged
exactly by judge_sgd_run before this; the accuracy is the last line of defence."""


@register
class TrainMlpDigits(Check):
    """train_mlp with its defaults reaches about 0.95 validation accuracy on the digits."""

    name = "train_mlp_digits"
    rules = TRAIN_RULES

    def inputs(self):
        from nncourse.data import digits_split

        X_train, X_val, y_train, y_val = digits_split()
        return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}

    #: what is judged in full: the first epoch's shuffle and its first 10 steps (the others:
    #: each epoch's order, labels and fresh draw, the steps' count and lr, the parameters
    #: after each epoch): see recorded_training. One whole epoch of the digits' steps is
    #: about 7 MB of probe data, and a test cell's record may hold 16 MB (about 9 MB here).
    FULL_EPOCHS, FULL_STEPS = (0,), 10

    def probe(self, train_mlp):
        with recorded_training(train_mlp, None, self.FULL_EPOCHS, self.FULL_STEPS) as record:
            record["result"], record["after"] = call_on_copies(train_mlp, self.inputs())
        # rng=None means default_rng(0): one epoch with that generator starts the same way
        rng = np.random.default_rng(0)
        with recorded_training(train_mlp, rng, full_epochs=()) as zero:
            zero["result"] = call_on_copies(train_mlp, self.inputs(), epochs=1, rng=rng)[0]
        return {**record, "zero": zero}

    def judge(self, seen):
        inputs = self.inputs()
        name = "train_mlp(digits, defaults)"
        verdict = first_failure(
            unchanged(name, inputs, seen["after"]),
            judge_sgd_run(name, seen, inputs, 64, 0.1, 32, 20, 10),
            judge_sgd_run("train_mlp(digits, epochs=1, rng=np.random.default_rng(0))",
                          seen["zero"], inputs, 64, 0.1, 32, 1, 10))
        if not verdict.passed:
            return verdict
        first, zero = seen["shuffles"][0], seen["zero"]["shuffles"][0]
        if not (np.array_equal(np.asarray(seen["inits"][0]["params"]["W1"], dtype=np.float64),
                               np.asarray(seen["zero"]["inits"][0]["params"]["W1"],
                                          dtype=np.float64))
                and all(np.array_equal(np.asarray(a[1]), np.asarray(b[1]))
                        for a, b in zip(first["batches"], zero["batches"], strict=True))):
            return Verdict.fail(
                f"{name}: with rng=None the initial weights and the first epoch's shuffle "
                "differ from those with rng=np.random.default_rng(0).",
                "Replace None by np.random.default_rng(0) and draw everything (init and "
                "shuffles) from that generator.",
                ONE_RNG_IDEA)
        acc = float(seen["result"][1]["val_acc"][-1])
        if acc < DIGITS_ACCURACY:
            return Verdict.fail(
                f"{name}: final validation accuracy {acc:.3f}, expected at least "
                f"{DIGITS_ACCURACY} (correct answers reach about 0.95).",
                "Training runs by the contract's rules but learns too little: the tests of "
                "sgd_step, the batch gradients and make_minibatches above show which part "
                "is off.",
                "Section 4: print history['train_loss'] epoch by epoch: a loss that rises "
                "or stalls points to the step's direction or size, one that falls while "
                "val_acc stays low to the gradients or the evaluation.")
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


ORDER_COLUMNS = slice(None, None, 16)
"""The columns of X a light record keeps (every 16th): enough to tell one order of the
examples from another."""


TRAIN_COLLABORATORS = ("init_params", "make_minibatches", "sgd_step")
"""The functions train_mlp is built from (its docstring's Rules line): the result must come
through each of them, which the altered runs (:func:`altered_collaborators`) test."""


def nudged(value, phase: float):
    """``value`` (a dict of arrays, or an array) plus :func:`nudge`, one phase per key;
    anything else as it is (a wrong result stays wrong for the judge to see)."""
    try:
        if isinstance(value, dict):
            return {key: np.asarray(v, dtype=np.float64) + nudge(np.shape(v), phase + i)
                    for i, (key, v) in enumerate(value.items())}
        return np.asarray(value, dtype=np.float64) + nudge(np.shape(value), phase)
    except (TypeError, ValueError):
        return value


def altered_collaborators(own: dict) -> dict:
    """Stand-ins of train_mlp's collaborators that return a slightly different result (their
    own plus :func:`nudge`): init_params's parameters, every X_batch make_minibatches
    returns, every sgd_step's new parameters. A train_mlp built from them follows them (its
    first step starts from the nudged initial parameters, each gradient is taken on the
    nudged batch, each step starts where the nudged step before it ended); one that calls
    them but computes their work again itself, or drops a result, does not."""
    def init_params(*args, **kwargs):
        return nudged(own["init_params"](*args, **kwargs), 1.0)

    def make_minibatches(*args, **kwargs):
        batches = own["make_minibatches"](*args, **kwargs)
        if not isinstance(batches, list):
            return batches
        return [(nudged(pair[0], 5.0), pair[1])
                if isinstance(pair, tuple | list) and len(pair) == 2 else pair
                for pair in batches]

    def sgd_step(*args, **kwargs):
        return nudged(own["sgd_step"](*args, **kwargs), 9.0)

    return {"init_params": init_params, "make_minibatches": make_minibatches,
            "sgd_step": sgd_step}


@contextlib.contextmanager
def recorded_training(train_mlp, rng, full_epochs=None, full_steps=None, altered=False):
    """Record, while the body runs ``train_mlp`` with ``rng``, every call it makes of the
    student's init_params, make_minibatches and sgd_step: arguments and results, raw data
    for :func:`judge_sgd_run`. The body stores train_mlp's result as ``record["result"]``.

    rng: the generator the body passes (None: train_mlp's own default, then the generator
    init_params gets is the one every shuffle must use).
    full_epochs: the epochs recorded in full (None: every epoch). In the others a shuffle
    keeps :data:`ORDER_COLUMNS` of X and the labels and a step its lr only, with the
    parameters after each epoch's last step (20 epochs of the digits in full would be about
    130 MB of probe data; a test cell's record may hold 16 MB).
    full_steps: at most this many steps recorded in full, the first ones (None: no limit).
    altered: the collaborators are :func:`altered_collaborators` (what is recorded is what
    they return), else the student's own.

    The body calls train_mlp from the check's own probe, and the notes are :class:`Recorder`
    hooks taken before and after each call: no code of a check module is on the stack while
    the student's functions run, in a visible check or a hidden one (issue 20).
    """
    own = {name: original(train_mlp, name) for name in TRAIN_COLLABORATORS}
    record: dict = {"missing": [name for name, f in own.items() if not callable(f)]}
    if record["missing"]:
        yield record
        return
    if altered:
        own = altered_collaborators(own)
    del record["missing"]
    given = [rng]
    shuffles: list[dict] = []
    steps: list[dict] = []
    inits: list[dict] = []

    def full() -> bool:
        return full_epochs is None or max(len(shuffles) - 1, 0) in full_epochs

    def light(array):
        array = np.asarray(array)
        return np.array(array[:, ORDER_COLUMNS], dtype=np.float64) if array.ndim == 2 \
            else np.array(array, dtype=np.float64)

    pending: dict = {}

    def in_order(params):  # a step as lists in KEYS order: no strings (a record holds <= 1000)
        if not isinstance(params, dict):
            return None
        return [np.array(params[k], copy=True) if k in params else None for k in KEYS]

    def init_before(args, kwargs):
        bound = _arguments((args, kwargs), ("D", "H", "C", "rng"))
        if given[0] is None and not inits:
            given[0] = bound.get("rng")
        pending["init"] = {"D": bound.get("D"), "H": bound.get("H"), "C": bound.get("C"),
                           "rng_is_given": bound.get("rng") is given[0] and given[0] is not None}

    def init_after(new):
        inits.append({**pending.pop("init"),
                      "params": copy_params(new) if isinstance(new, dict) else new})

    def batches_before(args, kwargs):
        bound = _arguments((args, kwargs), ("X", "y", "batch_size", "rng"))
        pending["batches"] = {"batch_size": bound.get("batch_size"), "X": bound.get("X"),
                              "y": bound.get("y"),
                              "rng_is_given": bound.get("rng") is given[0]
                              and given[0] is not None}

    def batches_after(batches):
        # a call whose exception train_mlp caught has no result: its shuffle is not recorded
        entry = pending.pop("batches")
        shuffles.append(entry)
        entry["light"] = not full()
        if entry["light"]:
            entry.update(X=light(entry["X"]),
                         batches=[(light(pair[0]), pair[1]) for pair in batches])
        else:
            entry["batches"] = batches
        entry["n_batches"] = len(batches) if isinstance(batches, list) else None
        entry["taken"] = 0

    def step_before(args, kwargs):
        bound = _arguments((args, kwargs), ("params", "grads", "lr"))
        keep = full() and (full_steps is None or len(steps) < full_steps)
        pending["step"] = [bound.get("lr"), not keep,
                           in_order(bound.get("params")) if keep else None,
                           in_order(bound.get("grads")) if keep else None]

    def step_after(new):
        step = pending.pop("step")
        epoch = shuffles[-1] if shuffles else None
        if epoch is not None:
            epoch["taken"] += 1
        last = epoch is not None and epoch["taken"] == epoch["n_batches"]
        steps.append([*step, in_order(new) if not step[1] or last else None])

    # the notes are taken by Recorder hooks before and after each call: no code of a check
    # module is on the stack while the student's functions run
    with swapped(train_mlp,
                 make_minibatches=Recorder(own["make_minibatches"], "make_minibatches",
                                           batches_before, batches_after),
                 sgd_step=Recorder(own["sgd_step"], "sgd_step", step_before, step_after),
                 init_params=Recorder(own["init_params"], "init_params", init_before,
                                      init_after)):
        yield record
    for entry in shuffles:
        del entry["taken"], entry["n_batches"]
    record.update(shuffles=shuffles, steps=steps, inits=inits)


def probe_sgd_run(train_mlp, data: dict, hidden: int, lr: float, batch_size: int,
                  epochs: int, rng_seed: int, altered: bool = False) -> dict:
    """A plan (:func:`nncourse.checking.drive`): one call of train_mlp with its init_params,
    make_minibatches and sgd_step recorded (:func:`recorded_training`; ``altered``: the
    stand-ins of :func:`altered_collaborators`)."""
    rng = np.random.default_rng(rng_seed)
    with recorded_training(train_mlp, rng, altered=altered) as record:
        if "missing" not in record:
            record["result"] = yield train_mlp, list(data.values()), {
                "hidden": hidden, "lr": lr, "batch_size": batch_size, "epochs": epochs,
                "rng": rng}
    return record


def _step(record) -> dict:
    """A recorded step (:func:`recorded_training`: lr, light, params, grads, new, the dicts
    as lists in KEYS order) as a dict of dicts."""
    lr, light, params, grads, new = record

    def named(values):
        return None if values is None else {
            k: v for k, v in zip(KEYS, values, strict=True) if v is not None}

    return {"lr": lr, "light": light, "params": named(params) or {},
            "grads": named(grads) or {}, "new": named(new)}


TRAIN_THROUGH_IDEA = (
    "Section 4: the parameters train_mlp trains are exactly what init_params returned, each "
    "step's batch is one that make_minibatches returned, and after a step the parameters are "
    "exactly what sgd_step returned; follow each of those values from the call that returns "
    "it to the place your loop uses it.")


def judge_through_run(name: str, seen: dict, data: dict, hidden: int, lr: float,
                      batch_size: int, epochs: int, n_classes: int = 3) -> Verdict:
    """A run with :func:`altered_collaborators` (judged after the same run with the student's
    own, which passed): every rule of :func:`judge_sgd_run` holds for what the stand-ins
    returned, so each step, the history and the result came through them."""
    verdict = judge_sgd_run(f"{name}, with init_params, make_minibatches and sgd_step "
                            "changed by this test to return slightly different results",
                            seen, data, hidden, lr, batch_size, epochs, n_classes)
    if verdict.passed:
        return verdict
    return Verdict.fail(verdict.message + " train_mlp is built from them: its result must "
                        "come through what they return.", THROUGH_SYMPTOM, TRAIN_THROUGH_IDEA)


STEP_LR_HINTS = (
    "The learning rate train_mlp was given did not reach sgd_step: a fixed number or "
    "another argument was passed instead.",
    "Section 4: every setting of the run comes from train_mlp's arguments; print the lr you "
    "pass to sgd_step.")
"""The two layers of a step given another learning rate than train_mlp's."""


def judge_sgd_run(name: str, seen: dict, data: dict, hidden: int, lr: float, batch_size: int,
                  epochs: int, n_classes: int = 3) -> Verdict:
    """Every epoch one new shuffle of the training data from rng through make_minibatches,
    one sgd_step per mini-batch with that batch's mean gradient, never validation data."""
    if seen.get("missing"):
        return Verdict.fail(f"{name}: no function named {seen['missing'][0]} in your "
                            "notebook; train_mlp is built from your make_minibatches and "
                            "sgd_step.",
                            "train_mlp looks up init_params, make_minibatches and sgd_step by "
                            "name in your notebook: one of them is not defined there (not run "
                            "yet, or named differently).",
                            "Run the cells that define your functions of sections 1 to 3 "
                            "first, with the names the notebook gives them, then this test "
                            "again.")
    verdict = judge_training(name, seen, data, hidden, epochs, n_classes)
    if not verdict.passed:
        return verdict
    X_train, y_train = data["X_train"], data["y_train"]
    shuffles, steps = seen["shuffles"], [_step(s) for s in seen["steps"]]
    n_batches = math.ceil(len(X_train) / batch_size)
    inits = seen.get("inits", [])
    if len(inits) != 1:
        return Verdict.fail(
            f"{name}: breaks a rule of the contract: train_mlp called init_params "
            f"{len(inits)} times; it draws the initial parameters once, with "
            "init_params(D, hidden, C, rng).",
            "Initialise once, before the epoch loop, with the given init_params.",
            "Section 4: the training loop's outline, from its one initialisation to the last "
            "epoch.")
    init = inits[0]
    if (init["D"], init["H"], init["C"]) != (X_train.shape[1], hidden, n_classes) \
            or not init["rng_is_given"]:
        return Verdict.fail(
            f"{name}: init_params got D={init['D']}, H={init['H']}, C={init['C']}"
            + ("" if init["rng_is_given"] else " and another generator than rng")
            + f"; expected D={X_train.shape[1]}, H={hidden}, C={n_classes} and the rng passed to "
            "train_mlp.",
            "The initial weights come from the one rng train_mlp was given (or "
            "default_rng(0) for None).",
            ONE_RNG_IDEA)
    if len(shuffles) != epochs:
        hint = {0: "Every epoch's batches come from a call of your make_minibatches (the "
                   "contract says train_mlp is built from it).",
                1: "Shuffling once before the loop reuses one order for every epoch: "
                   "call make_minibatches inside the epoch loop."}.get(
            len(shuffles), "Call it exactly once at the start of every epoch.")
        return Verdict.fail(
            f"{name}: breaks a rule of the contract: train_mlp called make_minibatches "
            f"{len(shuffles)} times in {epochs} epochs; every epoch draws a new shuffle "
            "through make_minibatches, once.", hint,
            "Section 4: the order of the examples is drawn anew for each epoch; count your "
            "make_minibatches calls per epoch.")
    for e, call in enumerate(shuffles):
        X_arg = np.asarray(call["X"], dtype=np.float64)
        y_arg = np.asarray(call["y"])
        X_want = X_train[:, ORDER_COLUMNS] if call.get("light") else X_train
        if X_arg.shape != X_want.shape or not np.array_equal(X_arg, X_want) \
                or not np.array_equal(y_arg, y_train):
            return Verdict.fail(
                f"{name}: in epoch {e}, make_minibatches got X of shape {X_arg.shape} that "
                f"is not X_train {X_train.shape} (with y_train): train_mlp trains on "
                "X_train, y_train only, never on the validation data.",
                "Pass X_train and y_train themselves, unchanged, to make_minibatches.",
                "Section 4: the validation set only measures; it never moves the parameters.")
        if call["batch_size"] != batch_size:
            return Verdict.fail(f"{name}: make_minibatches got batch_size="
                                f"{call['batch_size']}, expected {batch_size}.",
                                "The batch size train_mlp was given did not reach "
                                "make_minibatches: a fixed number or another argument was "
                                "passed instead.",
                                "Section 4: every setting of the run comes from train_mlp's "
                                "arguments; print what you pass to make_minibatches.")
        if not call["rng_is_given"]:
            return Verdict.fail(
                f"{name}: in epoch {e}, make_minibatches got another generator than the "
                "rng passed to train_mlp; every shuffle is drawn from that one rng.",
                "Do not make new generators (or use np.random) inside train_mlp.",
                ONE_RNG_IDEA)
    orders = [np.concatenate([np.asarray(pair[0], dtype=np.float64)[:, ORDER_COLUMNS]
                              if not call.get("light") else np.asarray(pair[0], np.float64)
                              for pair in call["batches"]]) for call in shuffles]
    for e in range(1, epochs):
        for f in range(e):
            if (orders[e].shape == orders[f].shape and not orders_may_coincide(len(orders[e]))
                    and np.array_equal(orders[e], orders[f])):
                return Verdict.fail(f"{name}: epochs {f} and {e} visited the examples in the "
                                    "same order; every epoch draws a new shuffle from rng.",
                                    "The shuffle was drawn once, or from a generator made "
                                    "afresh each epoch with the same seed.",
                                    "Section 4: the order of the examples is drawn anew for "
                                    "each epoch, all from the one rng.")
    batches = [pair for call in shuffles for pair in call["batches"]]
    if len(steps) != epochs * n_batches or len(steps) != len(batches):
        return Verdict.fail(
            f"{name}: breaks a rule of the contract: {len(steps)} calls of sgd_step in "
            f"{epochs} epochs, expected one per mini-batch: {epochs} x {n_batches} = "
            f"{epochs * n_batches} (N = {len(X_train)}, batch_size = {batch_size}).",
            "One step per mini-batch, each with that batch's gradient: not one step per "
            "epoch on all the data.",
            "Section 4: an epoch is a loop over its mini-batches, and each batch moves the "
            "parameters once.")
    for k, (step, (X_b, y_b)) in enumerate(zip(steps, batches, strict=True)):
        where = f"{name}: sgd_step call {k} (epoch {k // n_batches}, batch {k % n_batches})"
        if step.get("light"):  # recorded light (recorded_training): its lr only
            if step["lr"] is None or not np.isclose(float(step["lr"]), lr):
                return Verdict.fail(f"{where} got lr={step['lr']}, expected {lr}.",
                                    *STEP_LR_HINTS)
            continue
        if not isinstance(step["new"], dict) or not all(
                key in step["params"] and key in step["grads"] for key in KEYS):
            return Verdict.fail(f"{where} did not get params and grads dicts with keys "
                                f"{list(KEYS)}.",
                                "sgd_step was called with something other than the "
                                "network's parameters and their gradients (each a dict "
                                "with the four names), or returned no such dict.",
                                "Section 4: inside the batch loop, print sorted(params) and "
                                "sorted(grads) just before the step.")
        if k == 0 and not (isinstance(init["params"], dict) and all(
                key in init["params"] and np.array_equal(
                    np.asarray(step["params"][key], dtype=np.float64),
                    np.asarray(init["params"][key], dtype=np.float64)) for key in KEYS)):
            return Verdict.fail(
                f"{where}: the first step did not start from the parameters init_params "
                "returned: train_mlp changed them another way before training (only "
                "sgd_step on training mini-batches may change them).",
                "Start the first epoch with exactly what init_params returned.",
                "Section 4: the training loop's outline; between the initialisation and the "
                "first step nothing else touches the parameters.")
        if step["lr"] is None or not np.isclose(float(step["lr"]), lr):
            return Verdict.fail(f"{where} got lr={step['lr']}, expected {lr}.",
                                *STEP_LR_HINTS)
        params = {key: np.asarray(step["params"][key], dtype=np.float64) for key in KEYS}
        if not all(np.all(np.isfinite(v)) for v in params.values()):
            return Verdict.fail(f"{where}: the parameters contain nan or inf.",
                                *DIVERGED_HINTS)
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
                "returned, computed with your batch gradient at the current params.",
                "Section 4: inside the batch loop, the gradient is taken at the parameters as "
                "they are after the previous step.")
        if k + 1 < len(steps) and not steps[k + 1].get("light"):
            following = steps[k + 1]["params"]
            if not all(np.array_equal(np.asarray(following[key], dtype=np.float64),
                                      np.asarray(step["new"][key], dtype=np.float64))
                       for key in KEYS):
                return Verdict.fail(f"{where}: the next step did not start from the "
                                    "parameters this step returned.",
                                    "A step's result was dropped or changed before the next "
                                    "step: each step must carry on from the previous one's "
                                    "result.",
                                    "Section 4: follow the parameters through two steps of "
                                    "the batch loop; print which dict each step gets and "
                                    "which it returns.")
    final = seen["result"][0]
    if steps and not (isinstance(steps[-1]["new"], dict) and all(
            np.array_equal(np.asarray(final[key], dtype=np.float64),
                           np.asarray(steps[-1]["new"][key], dtype=np.float64))
            for key in KEYS)):
        return Verdict.fail(f"{name}: the returned params are not those of the last "
                            "sgd_step.",
                            "The parameters returned are older (or changed again) than "
                            "what the last step produced.",
                            "Section 4: after the loop, the network is what the last step "
                            "left.")
    return judge_epoch_history(name, seen["result"][1], steps, n_batches, epochs, data)


def judge_epoch_history(name: str, history: dict, steps: list, n_batches: int, epochs: int,
                        data: dict) -> Verdict:
    """Every epoch's history entries against the parameters after that epoch's last step."""
    X_train, y_train, X_val, y_val = data.values()
    for e in range(epochs):
        after = steps[(e + 1) * n_batches - 1]["new"]
        if not isinstance(after, dict) or any(key not in after for key in KEYS):
            return Verdict.fail(f"{name}: the last sgd_step of epoch {e} did not return a "
                                f"params dict with keys {list(KEYS)}.", *NEW_PARAMS_HINTS)
        params = {key: np.asarray(after[key], dtype=np.float64) for key in KEYS}
        expected = {"train_loss": two_layer_loss(params, X_train, y_train),
                    "val_loss": two_layer_loss(params, X_val, y_val),
                    "val_acc": oracle.accuracy(two_layer_scores(params, X_val), y_val)}
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
    DIGITS = {"hidden": 8, "lr": 0.1, "batch_size": 256, "epochs": 2}

    def probe(self, train_mlp, epochs, batch_size, seed):
        from nncourse.data import digits_split

        X_train, X_val, y_train, y_val = digits_split()
        digits = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}
        return {"small": drive(probe_sgd_run(train_mlp, self.inputs(seed), 6, 0.2, batch_size,
                                             epochs, seed + 1)),
                "digits": drive(probe_sgd_run(train_mlp, digits, *self.DIGITS.values(),
                                              seed + 2)),
                "small_through": drive(probe_sgd_run(train_mlp, self.inputs(seed), 6, 0.2,
                                                     batch_size, epochs, seed + 3, True)),
                "digits_through": drive(probe_sgd_run(train_mlp, digits,
                                                      *self.DIGITS.values(), seed + 4, True))}

    def judge(self, seen, epochs, batch_size, seed):
        from nncourse.data import digits_split

        name = (f"train_mlp(small problem, hidden=6, lr=0.2, batch_size={batch_size}, "
                f"epochs={epochs})")
        X_train, X_val, y_train, y_val = digits_split()
        digits = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}
        on_digits = "train_mlp(digits, hidden=8, lr=0.1, batch_size=256, epochs=2)"
        return first_failure(
            judge_sgd_run(name, seen["small"], self.inputs(seed), 6, 0.2, batch_size, epochs),
            judge_sgd_run(on_digits, seen["digits"], digits, *self.DIGITS.values(),
                          n_classes=10),
            judge_through_run(name, seen["small_through"], self.inputs(seed), 6, 0.2,
                              batch_size, epochs),
            judge_through_run(on_digits, seen["digits_through"], digits,
                              *self.DIGITS.values(), n_classes=10))


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
    so changing it in place shows in that second call). A plan (:func:`drive`)."""
    make = strided if noncontiguous else None
    current, state, seen = params, None, []
    for g in grads:
        inputs = {"params": current, "grads": g, "state": state}
        (new_params, new_state), after = yield call_on_copies, (step_fn, inputs, make), kwargs
        again = (yield call_on_copies, (step_fn, inputs, make), kwargs)[0][0]
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


VELOCITY_FORM_HINTS = (
    "The second value returned is not a velocity per parameter: a dict with the keys of "
    "params, one array each.",
    "Section 6: the velocity is kept per parameter, like the parameters themselves; print "
    "type(velocity) and sorted(velocity) after one step.")
"""The two layers of a momentum state of the wrong form."""

SAME_STATE_HINTS = (
    "A second call with the same params, grads and state gave another result: the first "
    "call changed the state (or velocity) it was given, in place.",
    "Section 6: a step reads the state it is given and returns a new one; call your step "
    "twice with one state and print the state before and after each call.")
"""The two layers of an optimizer step that changes the state it was given."""


def judge_optimizer(kind: str, call: str, seen: dict, params: dict, grads: list,
                    kwargs: dict, hints: tuple[str, ...]) -> Verdict:
    expected = torch_optimizer_run(kind, params, grads, kwargs)
    steps = seen["steps"]
    for t, (step, (exp_params, exp_velocity)) in enumerate(zip(steps, expected, strict=True)):
        where = f"{call}, step {t + 1}" + (" (state None)" if t == 0 else "")
        new = step["params"]
        if not isinstance(new, dict) or sorted(new) != sorted(params):
            return Verdict.fail(f"{where}: returned params {describe(new)}; expected a new "
                                f"dict with the keys {sorted(params)}.", *NEW_PARAMS_HINTS)
        if kind == "adam" and _only_off(new, exp_params) == ["b1"]:
            hints = (TINY_GRADIENT_HINT, *hints[1:])
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
                        hints=SAME_STATE_HINTS))
            if not verdict.passed:
                return verdict
        if kind == "momentum":
            velocity = step["state"]
            if not isinstance(velocity, dict) or sorted(velocity) != sorted(params):
                return Verdict.fail(f"{where}: returned velocity {describe(velocity)}; "
                                    f"expected a dict with the keys {sorted(params)}.",
                                    *VELOCITY_FORM_HINTS)
            verdict = first_failure(*(
                compare(f"{where}: velocity[{key!r}]", velocity[key], exp_velocity[key],
                        rtol=1e-7, atol=1e-10, hints=hints) for key in params))
            if not verdict.passed:
                return verdict
    return Verdict.ok()


def _only_off(new: dict, expected: dict) -> list | None:
    """The keys whose values are off (None when some cannot be compared)."""
    try:
        return [key for key in expected
                if not np.allclose(np.asarray(new[key], dtype=np.float64), expected[key],
                                   rtol=1e-7, atol=1e-10)]
    except (TypeError, ValueError):
        return None


TINY_GRADIENT_HINT = (
    "Only b1's step is off, and b1's gradients in this check are about 1e-8, the size of "
    "eps: where and how eps enters your step shows only there.")


MOMENTUM_HINTS = (
    "Compare step 1 first (velocity None: it starts at zero), then step 2, where the old "
    "velocity counts for the first time.",
    "Section 6: by hand, write the velocity after two steps as a weighted sum of the two "
    "gradients in the lesson's (torch's) convention, and compare each weight with what your "
    "code gives; then check which velocity, the one you were given or the new one, your "
    "step moves the parameters with.",
)

ADAM_HINTS = (
    "Compare step 1 first: with bias correction the first step moves every entry by about "
    "lr, whatever the gradient's scale.",
    "Section 6: follow one entry through the first two steps on paper, with the lesson's "
    "table of what the bias correction does at small t, and compare with yours.",
)


@register
class MomentumStepValues(Check):
    """momentum_step matches torch.optim.SGD with momentum, step after step."""

    name = "momentum_step_values"
    defaults = {"steps": 3, "lr": 0.1, "seed": 0}

    def inputs(self, steps, lr, seed):
        params, grads = optimizer_problem(seed, steps)
        return {"params": params, "grads": grads, "kwargs": {"lr": lr}}

    #: a second run with another beta: every argument is honoured
    OTHER_BETA = 0.5

    def other(self, args) -> dict:
        """The second run: another beta and another learning rate."""
        inputs = self.inputs(**args)
        return dict(inputs, kwargs={"lr": other_rate(args["lr"]), "beta": self.OTHER_BETA})

    def probe(self, momentum_step, **args):
        return {**drive(probe_optimizer(momentum_step, **self.inputs(**args))),
                "other_beta": drive(probe_optimizer(momentum_step, **self.other(args)))}

    def judge(self, seen, **args):
        other = self.other(args)
        return first_failure(
            judge_optimizer("momentum", f"momentum_step(lr={args['lr']}, beta=0.9)", seen,
                            **self.inputs(**args), hints=MOMENTUM_HINTS),
            judge_optimizer("momentum", f"momentum_step(lr={other['kwargs']['lr']}, "
                            f"beta={self.OTHER_BETA})", seen["other_beta"], **other,
                            hints=MOMENTUM_HINTS))


TINY_GRADIENT = 1e-8
"""The largest entry of b1's gradients in the visible Adam check: as small as the default eps,
so that adding eps after the square root and adding it under it give different steps."""


@register
class AdamStepValues(Check):
    """adam_step with its defaults matches torch.optim.Adam, step after step."""

    name = "adam_step_values"
    defaults = {"steps": 4, "seed": 0}

    def inputs(self, steps, seed):
        params, grads = optimizer_problem(seed, steps)
        for step in grads:  # gradients of about 1e-8, the size of eps: where eps's place shows
            step["b1"] = step["b1"] * (TINY_GRADIENT / np.max(np.abs(step["b1"])))
        return {"params": params, "grads": grads, "kwargs": {}}

    #: a second run with every hyper-parameter changed (eps 100 times the default, so that
    #: b1's gradients of about 1e-8 show which eps was used): every argument is honoured
    OTHER = {"lr": 0.05, "beta1": 0.7, "beta2": 0.95, "eps": 1e-6}

    def probe(self, adam_step, **args):
        inputs = self.inputs(**args)
        return {**drive(probe_optimizer(adam_step, **inputs)),
                "other": drive(probe_optimizer(adam_step, **dict(inputs, kwargs=self.OTHER)))}

    def judge(self, seen, **args):
        inputs = self.inputs(**args)
        shown = ", ".join(f"{k}={v}" for k, v in self.OTHER.items())
        return first_failure(
            judge_optimizer("adam", "adam_step(defaults)", seen, **inputs, hints=ADAM_HINTS),
            judge_optimizer("adam", f"adam_step({shown})", seen["other"],
                            **dict(inputs, kwargs=self.OTHER), hints=ADAM_OTHER_HINTS))


ADAM_OTHER_HINTS = (
    "With its defaults your adam_step is right, but with other values of lr, beta1, beta2 "
    "and eps it is not: one of them is not used as given (a default or a number written in "
    "the code instead of the argument).",
    "Read your adam_step line by line and check that each of lr, beta1, beta2 and eps is "
    "the argument, wherever it appears.")
