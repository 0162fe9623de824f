"""Visible checks for 02_universal_approximation: bumps, the 1-D approximator, parity, depth."""

from __future__ import annotations

import contextlib
import itertools

import numpy as np

from nncourse import oracle
from nncourse.checking import REGISTRY, Check, on_copies, register, stored_values
from nncourse.checks.nb01 import kept_inputs, narrow_margins
from nncourse.compare import compare, describe
from nncourse.expected import stored
from nncourse.rules import Rules
from nncourse.verdict import Verdict, first_failure

# Targets the checks hand to approximate_1d, by name (args must be literals), with a
# Lipschitz constant (max |f'|) on the intervals the checks use.
TARGETS = {
    "sine": (lambda x: np.sin(2 * np.pi * np.asarray(x, dtype=np.float64))
             + 0.5 * np.asarray(x, dtype=np.float64), 2 * np.pi + 0.5),
    "wave": (lambda x: 0.9 * np.cos(2 * np.pi * np.asarray(x, dtype=np.float64)),
             1.8 * np.pi),
    "cubic": (lambda x: np.asarray(x, dtype=np.float64) ** 3
              - 2 * np.asarray(x, dtype=np.float64), None),
    "kink": (lambda x: np.abs(np.asarray(x, dtype=np.float64) - 0.3) + 0.2, 1.0),
}

#: the contract's rules, per graded function (read by the grader's integrity report)
PARITY_DEEP_RULES = Rules(built_from=("xor_network",))
BUMP_RULES = Rules(warning_free=True)
RULES = {"parity_deep": PARITY_DEEP_RULES, "bump": BUMP_RULES}


def target(name: str):
    return TARGETS[name][0]


def strided(X) -> np.ndarray:
    """The same values as X (2-D), as a non-contiguous view (every other column of a wider
    array): a function that assumes contiguous memory gets it wrong."""
    X = np.asarray(X)
    wide = np.zeros((X.shape[0], 2 * X.shape[1]), dtype=X.dtype)
    wide[:, ::2] = X
    wide[:, 1::2] = 7
    return wide[:, ::2]


NETWORK_FORM_HINTS = (
    "The docstring's Returns line: a tuple of four arrays (W1, b1, W2, b2), in that order, "
    "with the shapes it gives.",
    "Each bump is two hidden units, so the hidden layer has 2 * n_bumps units; the input is "
    "one number per row, so W1 maps 1 -> 2n and W2 maps 2n -> 1; b2 is the one output's "
    "bias.")


def network_form(params, n_bumps: int, where: str) -> Verdict:
    """Shapes of (W1, b1, W2, b2): W1 (1, 2n), W2 (2n, 1), b1 2n entries, b2 one entry."""
    if not isinstance(params, list) or len(params) != 4:
        return Verdict.fail(f"{where} returned {describe(params)}; expected a tuple "
                            "(W1, b1, W2, b2).", *NETWORK_FORM_HINTS)
    try:
        W1, b1, W2, b2 = (np.asarray(p, dtype=np.float64) for p in params)
    except (TypeError, ValueError):
        return Verdict.fail(f"{where} returned something that is not four arrays of numbers.",
                            *NETWORK_FORM_HINTS)
    m = 2 * n_bumps
    hints = NETWORK_FORM_HINTS[::-1]
    if W1.shape != (1, m):
        extra = " (transposed?)" if W1.shape == (m, 1) else ""
        return Verdict.fail(f"{where}: W1 has shape {W1.shape}, expected (1, {m}){extra}.",
                            *hints)
    if W2.shape != (m, 1):
        extra = (" (transposed?)" if W2.shape == (1, m) else
                 " (a flat vector: reshape it to a column)" if W2.shape == (m,) else "")
        return Verdict.fail(f"{where}: W2 has shape {W2.shape}, expected ({m}, 1){extra}.",
                            *hints)
    if b1.size != m or b1.shape not in ((m,), (1, m)):
        return Verdict.fail(f"{where}: b1 has shape {b1.shape}, expected ({m},): one bias per "
                            "hidden unit.", *hints)
    if b2.size != 1:
        return Verdict.fail(f"{where}: b2 has shape {b2.shape}, expected (1,): one output.",
                            *hints)
    return Verdict.ok()


def evaluate_network(params, x) -> np.ndarray:
    """sigmoid(x @ W1 + b1) @ W2 + b2 for points x (M,), computed by torch; returns (M,)."""
    W1, b1, W2, b2 = (np.asarray(p, dtype=np.float64) for p in params)
    return oracle.network_scores(np.reshape(x, (-1, 1)), [W1, W2.reshape(-1, 1)],
                                 [b1.reshape(-1), b2.reshape(-1)], "sigmoid").reshape(-1)


APPROX_HINTS = (
    "Compare your bump edges and heights with the lesson's section 2: the n + 1 edges are "
    "equally spaced and the outer two lie 10/s outside [lo, hi].",
    "Each bump is one unit stepping up at its left edge and one stepping down at its right "
    "edge; a unit's weight and bias decide where its step is, W2 how tall it is.",
)


BUMP_HINTS = ("The bump rises where x passes `left` and falls where x passes `right`; look "
              "at which of your two units is added and which subtracted.",
              "The steepness multiplies the distance from x to an edge, inside the sigmoid "
              "(section 1).")


@register
class BumpValues(Check):
    """Your bump matches a pair of sigmoid units, warns of no overflow and leaves x unchanged."""

    name = "bump_values"
    rules = BUMP_RULES
    warnings_fail = True  # the contract: a steepness of 1000 causes no overflow
    stored_expected = True
    defaults = {"left": 0.25, "right": 0.6, "height": 2.0, "steepness": 40.0, "seed": 0}

    def inputs(self, seed):
        return {"x": np.linspace(-0.5, 1.5, 81),
                "x (a transposed view)": np.random.default_rng(seed).uniform(-1, 2, size=(4, 3))}

    def probe(self, bump, left, right, height, steepness, seed):
        grid, matrix = self.inputs(seed).values()
        default, after = on_copies(bump, grid, left, right, height)
        # the student's bump gets a transposed view of the copy: changes show in the copy
        flipped, after_matrix = on_copies(lambda m: bump(m.T, left, right, -height, steepness),
                                          matrix)
        return {"default": default, "soft": bump(grid, left, right, height, steepness=steepness),
                "matrix": flipped, "after": {"x": after["0"],
                                             "x (a transposed view)": after_matrix["0"]}}

    def judge(self, seen, left, right, height, steepness, seed):
        inputs = self.inputs(seed)
        grid, matrix = inputs.values()
        args = {"left": left, "right": right, "height": height, "steepness": steepness,
                "seed": seed}
        # the bump is its own formula: its expected values are stored numbers (computed by
        # the grader's reference), not code here a student could copy
        expected = {label: stored(self.name, label, args, shape) for label, shape in (
            ("default", grid.shape), ("soft", grid.shape), ("matrix", matrix.T.shape))}
        if any(value is None for value in expected.values()):
            return Verdict.fail(
                f"bump_values knows the expected values for the arguments the notebook uses, "
                f"not for {args}: call it as the notebook's test cell does.",
                "The test cell's line was changed: run it as the notebook gives it.",
                "To try other arguments, call bump yourself in a new cell and plot it.")
        return first_failure(
            kept_inputs("bump", inputs, seen["after"]),
            with_worst(compare(f"bump(x, {left}, {right}, {height}) on a grid of 81 points",
                               seen["default"], expected["default"], atol=1e-6,
                               hints=BUMP_HINTS), grid, seen["default"], expected["default"]),
            with_worst(compare(f"bump(x, {left}, {right}, {height}, steepness={steepness})",
                               seen["soft"], expected["soft"], atol=1e-6, hints=BUMP_HINTS,
                               mistakes={"the steepness argument is ignored (this is the bump "
                                         "for steepness 1000).": expected["default"]}),
                       grid, seen["soft"], expected["soft"]),
            with_worst(compare(f"bump(x of shape (3, 4), a transposed view, {left}, {right}, "
                               f"{-height}, {steepness})", seen["matrix"], expected["matrix"],
                               atol=1e-6, hints=BUMP_HINTS),
                       matrix.T, seen["matrix"], expected["matrix"]))


def with_worst(verdict: Verdict, x, got, expected) -> Verdict:
    """A failing comparison of values at the points ``x`` (same shape as ``expected``), told
    at the point where it is furthest off: x, the value expected there and the value got (the
    ends of a long array, which compare() shows, may all be alike)."""
    if verdict.passed:
        return verdict
    try:
        got = np.asarray(got, dtype=np.float64)
        expected = np.asarray(expected, dtype=np.float64)
        x = np.asarray(x, dtype=np.float64)
        if got.shape != expected.shape or x.shape != expected.shape:
            return verdict
        worst = np.unravel_index(int(np.argmax(np.abs(got - expected))), expected.shape)
    except (TypeError, ValueError):
        return verdict
    verdict.message += (f"\n  furthest off at x = {x[worst]:.4g}: expected "
                        f"{expected[worst]:.4g}, got {got[worst]:.4g}")
    return verdict


def _approx_case(approximate_1d, f, n_bumps, lo=0.0, hi=1.0, steepness=None):
    """approximate_1d's raw parameters for the target ``f`` (a name of TARGETS): lo, hi and
    steepness passed only where they are not the contract's defaults."""
    kwargs = {} if (lo, hi) == (0.0, 1.0) else {"lo": lo, "hi": hi}
    kwargs.update({} if steepness is None else {"steepness": steepness})
    return list(approximate_1d(target(f), n_bumps, **kwargs))


@register
class ApproximateShapes(Check):
    """Your approximate_1d returns W1 (1, 2n), b1 (2n,), W2 (2n, 1) and b2 (1,) for several n."""

    name = "approximate_1d_shapes"
    SIZES = (1, 3, 8)

    def probe(self, approximate_1d):
        return {"params": [_approx_case(approximate_1d, "sine", n) for n in self.SIZES]}

    def judge(self, seen):
        return first_failure(*(network_form(p, n, f"approximate_1d(f, {n})")
                               for n, p in zip(self.SIZES, seen["params"], strict=True)))


@register
class ApproximateCentres(Check):
    """Your approximate_1d's network outputs f(c_k) at the centre c_k of every bump."""

    name = "approximate_1d_centres"
    defaults = {"f": "sine", "n_bumps": 10, "lo": 0.0, "hi": 1.0}

    def probe(self, approximate_1d, f, n_bumps, lo, hi):
        return {"params": _approx_case(approximate_1d, f, n_bumps, lo, hi)}

    def judge(self, seen, f, n_bumps, lo, hi):
        where = f"approximate_1d(f, {n_bumps}, lo={lo}, hi={hi})"
        form = network_form(seen["params"], n_bumps, where)
        if not form.passed:
            return form
        func = target(f)
        points = stored_values(self.name, ("centres", "left edges", "right edges"),
                         {"f": f, "n_bumps": n_bumps, "lo": lo, "hi": hi})
        if isinstance(points, Verdict):
            return points
        centres, left_edges, right_edges = points
        inside = np.linspace(lo, hi, n_bumps + 1)
        got = evaluate_network(seen["params"], centres)
        verdict = compare(f"the network of {where} at the {n_bumps} bump centres", got,
                          func(centres), atol=1e-6, hints=APPROX_HINTS, mistakes={
                              "the outer edges sit on lo and hi; the contract moves them 10/s "
                              "outside the interval.": func((inside[:-1] + inside[1:]) / 2),
                              "the heights are f at the left edges, not at the centres.":
                                  func(left_edges),
                              "the heights are f at the right edges, not at the centres.":
                                  func(right_edges),
                              "every bump has the same height: do the heights of f reach the "
                              "output weights?": np.full_like(got, got[0]),
                              "every bump is upside down (the two units' signs swapped?).":
                                  -func(centres)})
        if not verdict.passed and "likely cause" not in verdict.message:
            verdict.message += ("\n  check that the bumps are equally wide and side by side, "
                                "and that each height is f at the middle of its bump.")
        return verdict


@register
class ApproximateNetwork(Check):
    """Your approximate_1d's network is the sum of bumps f(c_k) bump_k(x) on all of [lo, hi]."""

    name = "approximate_1d_network"
    defaults = {"f": "sine", "n_bumps": 6, "lo": 0.0, "hi": 1.0, "steepness": None}

    def probe(self, approximate_1d, **args):
        return {"params": _approx_case(approximate_1d, **args)}

    def judge(self, seen, f, n_bumps, lo, hi, steepness):
        s = 1000.0 if steepness is None else steepness
        where = f"approximate_1d(f, {n_bumps}, lo={lo}, hi={hi}, steepness={s:g})"
        form = network_form(seen["params"], n_bumps, where)
        if not form.passed:
            return form
        points = stored_values(self.name, ("x", "expected"), {
            "f": f, "n_bumps": n_bumps, "lo": lo, "hi": hi, "steepness": steepness})
        if isinstance(points, Verdict):
            return points
        x, expected = points
        got = evaluate_network(seen["params"], x)
        verdict = compare(f"the network of {where} at {x.size} points of [lo, hi] (the ends and "
                          "points across every bump edge included)", got, expected, atol=2e-4,
                          hints=APPROX_HINTS)
        if not verdict.passed:  # a pattern, not one wrong answer: wrong only at the ends
            at_ends = np.abs(got[[0, -1]] - expected[[0, -1]])
            if np.all(np.abs(got - expected)[1:-1] < 0.05) and np.any(at_ends > 0.05):
                verdict.message += ("\n  likely cause: the ends lo and hi are only half "
                                    "covered: where are your outermost edges?")
        return verdict


@register
class ApproximateSteepness(Check):
    """Your approximate_1d's ramps between neighbouring bumps are sigmoids of width 1/steepness."""

    name = "approximate_1d_steepness"
    defaults = {"steepness": 100.0, "n_bumps": 4}

    def probe(self, approximate_1d, steepness, n_bumps):
        return {"params": _approx_case(approximate_1d, "sine", n_bumps, steepness=steepness)}

    def judge(self, seen, steepness, n_bumps):
        where = f"approximate_1d(f, {n_bumps}, steepness={steepness:g})"
        form = network_form(seen["params"], n_bumps, where)
        if not form.passed:
            return form
        points = stored_values(self.name, ("x", "expected", "at 1000"),
                         {"steepness": steepness, "n_bumps": n_bumps})
        if isinstance(points, Verdict):
            return points
        x, expected, at_1000 = points
        return compare(f"the network of {where} at 1/s, 2/s around each inner edge and at "
                       "0 and 1", evaluate_network(seen["params"], x), expected, atol=2e-4,
                       hints=("With the default steepness your network is right: is the "
                              "steepness argument used everywhere it matters?",
                              "The steepness is the weight of every hidden unit, and the "
                              "margin outside [lo, hi] is measured in units of 1/s."),
                       mistakes={"the steepness argument is ignored (these ramps have "
                                 "steepness 1000).": at_1000})


def bound_failure(params, func, lipschitz, n, lo, hi, where) -> Verdict | None:
    """None if the max error of the network on the closed [lo, hi] is within the contract's
    bound L (hi - lo) / n + 0.01; otherwise the failing verdict."""
    form = network_form(params, n, where)
    if not form.passed:
        return form
    x = np.unique(np.concatenate([np.linspace(lo, hi, max(4001, 200 * n + 1)), [lo, hi]]))
    errors = np.abs(evaluate_network(params, x) - func(x))
    error = float(np.max(errors))
    bound = lipschitz * (hi - lo) / n + 0.01
    if not error <= bound:  # a nan fails too
        worst = float(x[np.argmax(errors)])
        return Verdict.fail(
            f"{where}: the largest error on the closed interval [{lo:g}, {hi:g}] is "
            f"{error:.4g} (at x = {worst:.4g}); the construction stays within "
            f"L (hi - lo) / n + 0.01 = {bound:.4g} for this f (L = {lipschitz:.4g}).",
            *APPROX_HINTS)
    return None


def bounds_verdict(sizes, all_params, func, lipschitz, lo, hi, where) -> Verdict:
    """bound_failure for each n of ``sizes`` and approximate_1d's parameters for it."""
    for n, params in zip(sizes, all_params, strict=True):
        failed = bound_failure(params, func, lipschitz, n, lo, hi, where.format(n=n))
        if failed is not None:
            return failed
    return Verdict.ok()


@register
class ApproximateErrorRate(Check):
    """For a Lipschitz f, your approximate_1d's largest error on [0, 1] is at most L/n + 0.01."""

    name = "approximate_1d_error_rate"
    SIZES = (2, 8, 32, 100)
    defaults = {"f": "wave"}

    def probe(self, approximate_1d, f):
        return {"params": [_approx_case(approximate_1d, f, n) for n in self.SIZES]}

    def judge(self, seen, f):
        return bounds_verdict(self.SIZES, seen["params"], *TARGETS[f], 0.0, 1.0,
                              "approximate_1d(f, {n})")


def all_patterns(n: int, order_seed: int | None = None) -> np.ndarray:
    """All 2**n rows of {0, 1}^n as floats, optionally shuffled."""
    X = np.array(list(itertools.product([0.0, 1.0], repeat=n)))
    if order_seed is not None:
        X = X[np.random.default_rng(order_seed).permutation(len(X))]
    return X


def _and_block(X):
    """Stands in for xor_network in the built-from probe: the AND of the two columns."""
    X = np.asarray(X, dtype=np.float64)
    return X[:, 0] * X[:, 1]


def _or_block(X):
    """Stands in for xor_network in the built-from probe: the OR of the two columns."""
    X = np.asarray(X, dtype=np.float64)
    return X[:, 0] + X[:, 1] - X[:, 0] * X[:, 1]


def _sum_block(X):
    """Stands in for xor_network in the built-from probe: a + b + 1/4, a gate whose outputs
    are not 0 or 1 (so a chain that rounds or thresholds between gates shows it)."""
    X = np.asarray(X, dtype=np.float64)
    return X[:, 0] + X[:, 1] + 0.25


PARITY_HINTS = (
    "Look at which rows are wrong: are only some columns taken into account?",
    "Carry one running value through the columns, one XOR network per new column "
    "(section 5's recurrence).",
)


def parity_outputs(name, out, X, expected, mistakes=None) -> Verdict:
    out = np.asarray(out, dtype=np.float64) if out is not None else np.array(np.nan)
    if out.shape != expected.shape:
        extra = " (a column: return a flat array)" if out.shape == (len(X), 1) else ""
        return Verdict.fail(f"{name} on X of shape {X.shape} returned {describe(out)}; "
                            f"expected shape {expected.shape}{extra}.",
                            "The docstring: one parity per row, an array of shape (N,).",
                            "xor_network returns (N,) for an (N, 2) input: the chain's last "
                            "XOR already has the shape to return.")
    margin = narrow_margins(name, out, expected)
    if margin is not None:
        return margin
    return compare(name, out, expected, atol=0.01, rtol=0.0, hints=PARITY_HINTS,
                   mistakes=mistakes)


def built_from_verdict(seen, X, n) -> Verdict:
    """The chain must follow xor_network: swapped for AND (OR) it must detect all (any) ones;
    swapped for a + b + 1/4 it must give the number of ones plus (n - 1)/4."""
    for key, expected, what, gives in (
            ("and", X.min(axis=1), "an AND of its two inputs", f"the AND of all {n} columns"),
            ("or", X.max(axis=1), "an OR of its two inputs", f"the OR of all {n} columns"),
            ("sum", X.sum(axis=1) + 0.25 * (n - 1), "a gate that returns a + b + 1/4",
             f"the number of ones plus (n - 1)/4 = {0.25 * (n - 1):g} for n = {n} (its "
             "outputs are not 0 or 1, so rounding or thresholding between gates shows)")):
        out = np.asarray(seen[key], dtype=np.float64)
        if out.shape != expected.shape or not np.allclose(out, expected, atol=0.01):
            follows = out.shape == expected.shape and np.allclose(
                out, X.sum(axis=1) % 2, atol=0.01)
            return Verdict.fail(
                f"parity_deep must be computed by chaining xor_network(): with xor_network "
                f"replaced by {what}, a chain gives {gives}, but your parity_deep "
                + ("still returned the parity: it computed parity another way."
                   if follows else f"returned {describe(out)} that does not follow it."),
                "Every combination of two values must go through xor_network(...), "
                "including the first one and the running value itself: no %, sum, ^, "
                "rounding or comparisons on the inputs or between the gates.",
                "Section 5: the parity of the first j bits follows from two things you "
                "already have; which of your networks combines them? Work 3 bits by hand, "
                "one step at a time, then compare with what your chain computes.")
    if seen.get("calls", 0) < n - 1:
        return Verdict.fail(f"parity_deep called xor_network {seen.get('calls', 0)} times for "
                            f"{n} columns; combining {n} bits takes {n - 1} XORs.",
                            "Does your chain use every column of X, whatever their number?",
                            "Section 5's recurrence: one XOR per column after the first, "
                            "each taking the running value and the next column.")
    return Verdict.ok()


@register
class ParityDeep(Check):
    """Your parity_deep returns the parity of every row of {0,1}^n (within 0.01)."""

    name = "parity_deep_truth"
    rules = PARITY_DEEP_RULES
    defaults = {"n": 3, "order_seed": None, "integers": False}

    def inputs(self, n, order_seed, integers):
        X = all_patterns(n, order_seed)
        return {"X": X.astype(np.int64) if integers else X, "strided": strided(X)}

    def probe(self, parity_deep, **args):
        X, X_strided = self.inputs(**args).values()
        with watched(parity_deep) as results:
            out, after = on_copies(parity_deep, X)
            strided_out = parity_deep(X_strided)
        return {"out": out, "strided": strided_out, "after": after["0"],
                "xor_results": results[:MAX_RECORDED] if results is not None else None}

    def judge(self, seen, **args):
        X = self.inputs(**args)["X"].astype(np.float64)
        expected = X.sum(axis=1) % 2
        name = f"parity_deep on all {len(X)} rows of {{0,1}}^{X.shape[1]}"
        verdict = first_failure(
            parity_outputs(name, seen["out"], X, expected, mistakes={
                "only the last two columns are XORed (each XOR should take the running value, "
                "not the previous column).": (X[:, -2] + X[:, -1]) % 2} if X.shape[1] > 1
                else None),
            parity_outputs(name + " (a non-contiguous view)", seen["strided"], X, expected))
        if not verdict.passed:
            verdict.message += ("\n  (parity_deep uses your xor_network from notebook 01: "
                                "check that it passes notebook 01's tests.)")
            return verdict
        return first_failure(kept_inputs("parity_deep", {"X": X}, {"X": seen["after"]}),
                             from_xor(name, seen, ("out", "strided"), X.shape[1]))


MAX_RECORDED = 20000
"""Calls of xor_network whose results a probe keeps (row by row, 300 rows of 12 bits take
3300 calls a run)."""


@contextlib.contextmanager
def watched(parity_deep):
    """While the body runs, the student's xor_network is recorded; yields the list of what it
    returned (None when there is no xor_network). Every probe of parity_deep runs this way:
    a value run and a built-from run put the same kind of stand-in in the namespace."""
    from nncourse.rules import original, swapped

    gate = original(parity_deep, "xor_network")
    if not callable(gate):
        yield None
        return
    with swapped(parity_deep, xor_network=gate) as recorders:
        yield recorders["xor_network"].results


def from_xor(name: str, seen, keys, n: int) -> Verdict:
    """Each output of a value run must be, exactly, values xor_network returned in that run:
    an answer that computes parity another way when it is not watched (a test call of
    xor_network on the four corners, a stack, an attribute) fails every value run."""
    if n < 2:
        return Verdict.ok()
    results = seen.get("xor_results") or []
    returned = []
    for result in results:
        with contextlib.suppress(TypeError, ValueError):
            returned.append(np.asarray(result, dtype=np.float64).ravel())
    values = np.concatenate(returned) if returned else np.empty(0)
    for key in keys:
        out = np.asarray(seen[key], dtype=np.float64).ravel()
        if not np.all(np.isin(out, values)):
            return Verdict.fail(
                f"parity_deep must be computed by chaining xor_network(): {name} returned "
                "values that no call of xor_network returned in that run, so the result was "
                "computed another way (or changed after the last XOR).",
                "Return the last xor_network's output as it is, in every call: no %, sum, ^, "
                "rounding or comparisons, and no test calls that decide how to compute.",
                "Section 5: the parity of the first j bits follows from two things you "
                "already have; which of your networks combines them? Work 3 bits by hand, "
                "one step at a time, then compare with what your chain computes.")
    return Verdict.ok()


def probe_built_from(parity_deep, X) -> dict:
    from nncourse.rules import swapped

    seen = {}
    for key, block in (("and", _and_block), ("or", _or_block), ("sum", _sum_block)):
        with swapped(parity_deep, xor_network=block) as recorders:
            seen[key] = parity_deep(X.copy())
        seen["calls"] = recorders["xor_network"].count
    return seen


@register
class ParityDeepBuiltFrom(Check):
    """Your parity_deep is a chain of your xor_network: given other gates, it follows them."""

    name = "parity_deep_built_from"
    rules = PARITY_DEEP_RULES
    defaults = {"n": 4}

    def probe(self, parity_deep, n):
        return probe_built_from(parity_deep, all_patterns(n))

    def judge(self, seen, n):
        return built_from_verdict(seen, all_patterns(n), n)


UNITS_HINTS = (
    "Draw the chain for n = 3 and mark every unit that is neither an input nor the final "
    "output; then count again for n = 4 and see what one more input adds.",
    "Each XOR block has three units; ask of each whether it is hidden, and whether the last "
    "block differs from the others.",
)


def units_verdict(n, got, expected) -> Verdict:
    """parity_units_deep(n) must be the exact int ``expected``; the message gives only the
    direction of a wrong count, not the count."""
    if isinstance(got, bool) or not isinstance(got, int | np.integer):
        return Verdict.fail(f"parity_units_deep({n}) returned {describe(got)}; a number of "
                            "units is an int (return an int, not a float).", *UNITS_HINTS)
    if got != expected:
        how = "too many" if got > expected else "too few"
        return Verdict.fail(f"parity_units_deep({n}) returned {got}: {how} hidden units for "
                            f"the chain on {n} inputs. Recount the n = 3 chain.", *UNITS_HINTS)
    return Verdict.ok()


def units_verdicts(sizes, counts, expected) -> Verdict:
    """units_verdict for each n of ``sizes``, one to one with ``counts`` and ``expected``."""
    return first_failure(*(units_verdict(n, got, right)
                           for n, got, right in zip(sizes, counts, expected, strict=True)))


UNITS_STATED = {2: 2}
"""The counts the lesson states (cell "Counting the chain's hidden units": n = 2, one block,
2 hidden units). Only these may be checked here by value."""

BLOCK_UNITS = 3
"""The units of one XOR block as the lesson's figure draws it (OR, NAND, AND): no added
input can add more."""


def units_growth_verdict(sizes, counts) -> Verdict:
    """What a visible check can tell without holding the answer: each count is an int, the
    count the lesson states (n = 2: 2) is returned, and every added input adds the same
    number of hidden units (the chain adds one block each time). The exact counts for other
    n are the grader's (parity_units_hidden_large): a count the lesson does not state,
    written here (or a digest of it: a small int is found by trying them all), could be
    read. A wrong count is told by its n, never by a step or a formula."""
    for n, got in zip(sizes, counts, strict=True):
        if isinstance(got, bool) or not isinstance(got, int | np.integer):
            return Verdict.fail(f"parity_units_deep({n}) returned {describe(got)}; a number of "
                                "units is an int (return an int, not a float).",
                                "Which step of your count makes a float (a division, a float "
                                "literal, a numpy function)?",
                                "Count with integers throughout, or convert the count with "
                                "int(...) at the end.")
        if got < 0:
            return Verdict.fail(f"parity_units_deep({n}) returned {got}: a count of units is "
                                "not negative.", *UNITS_HINTS)
    for n, got in zip(sizes, counts, strict=True):
        if n in UNITS_STATED and got != UNITS_STATED[n]:
            return Verdict.fail(f"parity_units_deep({n}) returned {got}, but the lesson counts "
                                f"the chain on {n} inputs: {UNITS_STATED[n]} hidden units (the "
                                "block's AND is the output, not hidden).", *UNITS_HINTS)
    steps = [b - a for a, b in zip(counts, counts[1:])]
    per_input = steps[0] / (sizes[1] - sizes[0])
    if any(step != per_input * (m - n) for step, n, m in zip(steps, sizes, sizes[1:])) \
            or not 0 < per_input <= BLOCK_UNITS:
        shown = ", ".join(f"parity_units_deep({n}) = {c}" for n, c in zip(sizes, counts))
        return Verdict.fail(f"{shown}: the chain on n inputs adds the same block for every "
                            "added input, so the count must grow by the same number of units "
                            "for each (and grow), never by more than the units of one block "
                            "as the lesson draws it.", *UNITS_HINTS)
    return Verdict.ok()


@register
class ParityUnitsDeep(Check):
    """parity_units_deep: an int, 2 for n = 2, a fixed step per input (n >= 3 graded later).

    The tick is not the exact counts for n >= 3: check n = 3 against your own drawing.
    n = 2 is compared with the count the lesson states; the exact counts for larger n are
    checked by the grader (they are not held here, not even as digests).
    """

    name = "parity_units_deep_values"
    SIZES = (2, 3, 4, 5, 8)

    def probe(self, parity_units_deep):
        return {"counts": [parity_units_deep(n) for n in self.SIZES]}

    def judge(self, seen):
        return units_growth_verdict(self.SIZES, seen["counts"])


def shallow_form(params, n) -> Verdict | tuple:
    where = f"parity_shallow_weights({n})"
    hint = ("One hidden layer of exactly n units: W1 maps the n inputs to n units, w2 "
            "the n units to one number.")
    form_hint = ("The docstring's Returns line: a tuple of four (W1, b1, w2, b2), in that "
                 "order: three arrays and the output's bias b2, one number.")
    if not isinstance(params, list) or len(params) != 4:
        return Verdict.fail(f"{where} returned {describe(params)}; expected a tuple "
                            "(W1, b1, w2, b2).", form_hint, hint)
    try:
        W1, b1, w2, b2 = (np.asarray(p, dtype=np.float64) for p in params)
    except (TypeError, ValueError):
        return Verdict.fail(f"{where} returned something that is not four arrays of numbers.",
                            form_hint, hint)
    for label, got, shape in (("W1", W1, (n, n)), ("b1", b1, (n,)), ("w2", w2, (n,))):
        if got.shape != shape:
            more = (f" (that is {got.shape[-1]} hidden units: the one-pattern-per-unit "
                    "construction? This exercise asks for n units.)"
                    if got.ndim >= 1 and got.shape[-1] == 2 ** (n - 1) and n > 2 else "")
            return Verdict.fail(f"{where}: {label} has shape {got.shape}, expected "
                                f"{shape}{more}.", hint, form_hint)
    if b2.size != 1:
        return Verdict.fail(f"{where}: b2 is {describe(params[3])}, expected one number.",
                            form_hint, hint)
    return W1, b1, w2, float(b2.reshape(-1)[0])


def shallow_cause(out, expected) -> str:
    """The likely cause of a wrong parity network's outputs ``out`` (N,), against the parity
    ``expected`` (N,). A sigmoid output is never off from 0 or 1 by a constant factor, so the
    generic patterns of compare() (which would name one) do not apply: the cause is told from
    which side of 1/2 each output is on (outputs with nan or inf match nothing, and keep
    compare()'s diagnosis of them)."""
    if np.array_equal(out > 0.5, expected > 0.5):
        return ("every output is on the right side of 1/2, but some are not within 0.01 of 0 "
                "or 1: the outputs are not saturated. Are the units (hidden or output) steep "
                "enough?")
    return ("some outputs are on the wrong side of 1/2: the network does not compute parity "
            "there (see for which numbers of ones below).")


def shallow_verdict(params, n, order_seed=None) -> Verdict:
    form = shallow_form(params, n)
    if isinstance(form, Verdict):
        return form
    W1, b1, w2, b2 = form
    X = all_patterns(n, order_seed)
    out = oracle.sigmoid(oracle.sigmoid(X @ W1 + b1) @ w2 + b2)
    expected = X.sum(axis=1) % 2
    verdict = compare(f"sigmoid(sigmoid(X @ W1 + b1) @ w2 + b2) for parity_shallow_weights({n}) "
                      f"on all {len(X)} rows of {{0,1}}^{n}", out, expected, atol=0.01,
                      rtol=0.0, mistakes={shallow_cause(out, expected): out},
                      hints=("Group the rows by their number of ones: which counts are "
                             "wrong, and is it the hidden units or the output unit?",
                             "Each hidden unit can answer 'are there at least k ones?'; "
                             "section 5 works out how to combine such answers for n = 2; "
                             "try n = 3 on paper, then generalise."))
    if not verdict.passed:
        counts = X.sum(axis=1).astype(int)
        wrong = sorted({int(c) for c in counts[np.abs(out - expected) > 0.01]})
        verdict.message += f"\n  wrong for rows with these numbers of ones: {wrong}"
    return verdict


@register
class ParityShallow(Check):
    """Your parity_shallow_weights(n): n sigmoid units give the parity of all of {0,1}^n."""

    name = "parity_shallow_weights_truth"
    defaults = {"sizes": (2, 3, 5, 8)}

    def probe(self, parity_shallow_weights, sizes):
        return {"params": [list(parity_shallow_weights(n)) for n in sizes]}

    def judge(self, seen, sizes):
        return first_failure(*(shallow_verdict(p, n)
                               for n, p in zip(sizes, seen["params"], strict=True)))


def tent_reference(x, depth) -> np.ndarray:
    """The tent map composed depth times (the judges' oracle)."""
    y = np.asarray(x, dtype=np.float64)
    for _ in range(depth):
        y = 2.0 * np.minimum(y, 1.0 - y)
    return y


TENT_FORM_HINTS = (
    "The docstring's Returns line: (weights, biases), two lists of numpy arrays in the "
    "layout mlp_forward reads: weights[i] of shape (d_i, d_(i+1)), biases[i] of (d_(i+1),).",
    "The input is one number (d_0 = 1), every hidden layer has two units, the output one.")


def tent_form(params, depth) -> Verdict | tuple:
    where = f"tent_network({depth})"
    if not isinstance(params, list) or len(params) != 2:
        return Verdict.fail(f"{where} returned {describe(params)}; expected a tuple "
                            "(weights, biases) of two lists.", *TENT_FORM_HINTS)
    weights, biases = params
    if not isinstance(weights, list) or not isinstance(biases, list):
        return Verdict.fail(f"{where}: weights and biases must be lists of arrays.",
                            *TENT_FORM_HINTS)
    if len(weights) != depth + 1 or len(biases) != depth + 1:
        return Verdict.fail(
            f"{where} returned {len(weights)} weight matrices and {len(biases)} bias vectors; "
            f"expected {depth + 1} of each: {depth} hidden layers and the output layer.",
            "The composition has one hidden layer per application of the tent map.",
            "Section 6: a loop that adds one hidden layer of two ReLU units per tent, then "
            "the linear output unit after the loop.")
    try:
        Ws = [np.asarray(w, dtype=np.float64) for w in weights]
        bs = [np.asarray(b, dtype=np.float64) for b in biases]
    except (TypeError, ValueError):
        return Verdict.fail(f"{where}: the weights are not arrays of numbers.",
                            *TENT_FORM_HINTS)
    for i, (W, b) in enumerate(zip(Ws, bs)):
        last = i == depth
        rows = (1,) if i == 0 else (2,)
        cols = 1 if last else 2
        if W.ndim != 2 or W.shape[0] not in rows or W.shape[1] != cols:
            shape = f"({rows[0]}, {cols})"
            return Verdict.fail(
                f"{where}: weights[{i}] has shape {W.shape}, expected {shape}"
                + (" (exactly 2 units per hidden layer, a single output unit)."
                   if not last else " (the linear output unit)."),
                "The input is one number, every hidden layer has exactly two ReLU units.",
                TENT_FORM_HINTS[0])
        if b.shape != (cols,):
            return Verdict.fail(f"{where}: biases[{i}] has shape {b.shape}, expected ({cols},).",
                                "One bias per unit of the layer the weights lead to: two for a "
                                "hidden layer, one for the output.", TENT_FORM_HINTS[0])
    return Ws, bs


def tent_verdict(params, depth, x) -> Verdict:
    form = tent_form(params, depth)
    if isinstance(form, Verdict):
        return form
    return compare(f"the network of tent_network({depth}) at {x.size} points of [0, 1]",
                   oracle.network_scores(np.reshape(x, (-1, 1)), *form, "relu").reshape(-1),
                   tent_reference(x, depth), atol=1e-9, rtol=0.0,
                   hints=("Check depth 1 first: the tent is 0 at x = 0 and x = 1 and 1 at "
                          "x = 1/2; which of those points are wrong?",
                          "Write the tent as a combination of relu(x) and relu(x - 1/2) by "
                          "matching slopes (section 6); the next layer gets that combination "
                          "as its input."),
                   mistakes={"the output is one tent: the map is not composed, or the later "
                             "layers ignore the earlier ones.": tent_reference(x, 1)}
                   if depth > 1 else None)


def tent_points(depth, rng=None) -> np.ndarray:
    """Points of [0, 1] (ends included) plus the tent's kinks and points next to them."""
    kinks = np.arange(2 ** depth + 1) / 2 ** depth
    parts = [np.linspace(0.0, 1.0, 1001), kinks, np.clip(kinks + 1e-4 / 2 ** depth, 0, 1)]
    if rng is not None:
        parts.append(rng.uniform(0.0, 1.0, 3000))
    return np.unique(np.concatenate(parts))


@register
class TentNetwork(Check):
    """Your tent_network(depth) computes the tent map depth times with 2 ReLU units per layer."""

    name = "tent_network_values"
    defaults = {"depths": (1, 2, 3, 4)}

    def probe(self, tent_network, depths):
        return {"params": [list(tent_network(d)) for d in depths]}

    def judge(self, seen, depths):
        return first_failure(*(tent_verdict(p, d, tent_points(d))
                               for d, p in zip(depths, seen["params"], strict=True)))


def pieces_function(knots, values, rng=None):
    """A piecewise-linear function through (knots, values), for the piece-counting probes.

    With ``rng`` nothing the function holds lists its kinks: it is ``g(h(x))``, a random
    increasing piecewise-linear warp ``h`` (kinks of its own that are not kinks of the
    function) followed by a piecewise-linear ``g`` whose kinks sit at the images of the
    warp's kinks, of the function's kinks and of points on its segments (collinear points,
    drawn from rng), most of them cancelling the warp's. Only measuring slopes on the grid
    counts its pieces.
    """
    knots = np.asarray(knots, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if rng is None:
        def plain(x):
            return np.interp(np.asarray(x, dtype=np.float64), knots, values)
        return plain
    between = [rng.uniform(a, b, size=int(rng.integers(1, 4)))
               for a, b in zip(knots[:-1], knots[1:], strict=True)]
    warp_knots = np.unique(np.concatenate(
        [knots[[0, -1]], rng.uniform(knots[0], knots[-1], size=int(rng.integers(3, 12)))]))
    warp_values = float(rng.uniform(-3.0, 3.0)) + np.concatenate([[0.0], np.cumsum(
        rng.uniform(0.3, 3.0, size=len(warp_knots) - 1) * np.diff(warp_knots))])
    # g's table: the function's values on every point where it or the warp may bend, at
    # those points' images under the warp (np.interp keeps a flat piece exactly flat)
    points = np.unique(np.concatenate([knots, warp_knots, *between]))
    images = np.interp(points, warp_knots, warp_values)
    heights = np.interp(points, knots, values)

    def f(x):
        return np.interp(np.interp(np.asarray(x, dtype=np.float64), warp_knots, warp_values),
                         images, heights)
    return f


# (knots, values, lo, hi, grid or None, expected pieces): each case's expected count is
# what the contract's rule gives on np.linspace(lo, hi, grid).
PIECE_CASES = {
    "line": ([-1.0, 3.0], [2.0, -6.0], 0.0, 1.0, None, 1),
    "vee": ([0.0, 0.3, 1.0], [1.0, 0.0, 1.4], 0.0, 1.0, None, 2),
    "off_grid_kinks": ([0.0, 0.123456789, 0.5, 0.777777777, 1.0],
                       [0.0, 0.5, 0.2, 1.9, 1.0], 0.0, 1.0, None, 4),
    "flat_pieces": ([-2.0, -0.5, 0.25, 1.0, 2.0], [1.0, 1.0, -2.0, -2.0, 5.0], -1.0, 1.5,
                    None, 4),
    "kinks_outside": ([-5.0, -0.7, 0.4, 5.0], [0.0, 3.0, -1.0, 2.0], -0.5, 0.2, None, 1),
    "steep": ([0.0, 0.2, 0.21, 0.6, 1.0], [0.0, 50.0, -30.0, 120.0, 0.0], 0.0, 1.0, None, 4),
    "coarse_grid": ([0.0, 0.33, 0.37, 1.0], [0.0, 1.0, 0.0, 1.0], 0.0, 1.0, 11, 2),
    "fine_grid": ([0.0, 0.33, 0.37, 1.0], [0.0, 1.0, 0.0, 1.0], 0.0, 1.0, 1001, 3),
    # the tolerance is relative: slopes of 1e7, slopes of 1e-9, slopes that differ by 1 %
    "huge_slopes": ([0.0, 0.3, 1.0], [3.0e6, 0.0, 7.0e6], 0.0, 1.0, None, 2),
    "tiny_slopes": ([0.0, 0.3, 1.0], [3.0e-10, 0.0, 7.0e-10], 0.0, 1.0, None, 2),
    "slight_bends": ([0.0, 0.41421356, 0.73205081, 1.0],
                     [0.0, 0.41421356, 0.41421356 + 1.01 * 0.31783725,
                      0.41421356 + 1.01 * 0.31783725 + 0.26794919], 0.0, 1.0, None, 3),
}

#: what a wrong count on some cases most likely means: {case: {count: cause}}, None for
#: any wrong count
PIECE_MISTAKES = {
    "coarse_grid": {3: "the grid argument is ignored (with 11 points both kinks fall between "
                       "0.3 and 0.4)."},
    "huge_slopes": {None: "slopes of 1e7 carry rounding noise far above any absolute "
                          "tolerance: compare neighbouring slopes relative to their size."},
    "tiny_slopes": {None: "slopes of 1e-9 differ by less than a fixed absolute tolerance: "
                          "compare neighbouring slopes relative to their size."},
    "slight_bends": {None: "these slopes change by 1 % at each kink: a relative tolerance of "
                           "about 1e-6 sees that, a much looser one does not."},
}


def count_case(count_linear_pieces, case, rng=None):
    knots, values, lo, hi, grid, _ = PIECE_CASES[case]
    f = pieces_function(knots, values, rng)
    if grid is None:
        return count_linear_pieces(f, lo, hi)
    return count_linear_pieces(f, lo, hi, grid=grid)


PIECES_HINTS = (
    "Compare with the cases where you were right: is the count off by one, or does it grow "
    "with the number of kinks that fall between two grid points?",
    "A kink strictly between two grid points gives that grid interval a slope of its own, "
    "so the slope changes twice in a row: the lesson counts such a pair as one kink.",
)


def pieces_verdict(label, got, expected, mistakes=None) -> Verdict:
    """count_linear_pieces' count ``got`` on ``label``; ``mistakes``: {wrong count, or None
    for any: its likely cause}."""
    if isinstance(got, bool) or not isinstance(got, int | np.integer):
        return Verdict.fail(f"count_linear_pieces on {label} returned {describe(got)}; "
                            "expected an int.",
                            "A number of pieces is a count: which step of yours makes it a "
                            "float or an array (a sum of a boolean array is fine, a mean or "
                            "a division is not)?",
                            "Return int(...) of your count.")
    if got != expected:
        cause = (mistakes or {}).get(got, (mistakes or {}).get(None))
        return Verdict.fail(f"count_linear_pieces on {label} returned {got}, expected "
                            f"{expected}." + (f"\n  likely cause: {cause}" if cause else ""),
                            *PIECES_HINTS)
    return Verdict.ok()


@register
class CountPieces(Check):
    """Your count_linear_pieces counts the linear pieces of piecewise-linear functions on a grid."""

    name = "count_linear_pieces_values"
    defaults = {"cases": tuple(PIECE_CASES), "seed": 0}

    def probe(self, count_linear_pieces, cases, seed):
        rng = np.random.default_rng([seed, 208])
        return {"counts": [count_case(count_linear_pieces, c, rng) for c in cases]}

    def judge(self, seen, cases, seed):
        for case, got in zip(cases, seen["counts"], strict=True):
            knots, _, lo, hi, grid, expected = PIECE_CASES[case]
            verdict = pieces_verdict(
                f"the '{case}' function (kinks at {[k for k in knots if lo < k < hi]} on "
                f"[{lo:g}, {hi:g}], grid={grid or 100001})", got, expected,
                PIECE_MISTAKES.get(case))
            if not verdict.passed:
                return verdict
        return Verdict.ok()


STABILITY_IDEA = (
    "Print the intermediate arrays of your function on the input named above and find the "
    "first one that is inf or nan. Build every sigmoid with your sigmoid from notebook 01 "
    "(pasted at the top of this notebook), whose section 'Numerical care' makes it finite "
    "and warning-free for any input, rather than with an exp of your own.")
"""The second hint after a nan, an inf or a warning in a check of this notebook: notebook 01
has the lesson on numerical care, not this one."""

for _check in list(REGISTRY.values()):
    if type(_check).__module__ == __name__ and not _check.stability_idea:
        _check.stability_idea = STABILITY_IDEA
