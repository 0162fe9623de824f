"""Visible checks for 02_universal_approximation: bumps, the 1-D approximator, parity."""

from __future__ import annotations

import itertools

import numpy as np

from nncourse.checking import Check, register
from nncourse.compare import compare, describe
from nncourse.verdict import Verdict, first_failure

# Targets the checks hand to approximate_1d, by name (args must be literals), with a
# Lipschitz constant (max |f'|) on the intervals the checks use.
TARGETS = {
    "sine": (lambda x: np.sin(2 * np.pi * np.asarray(x, dtype=np.float64))
             + 0.5 * np.asarray(x, dtype=np.float64), 2 * np.pi + 0.5),
    "cubic": (lambda x: np.asarray(x, dtype=np.float64) ** 3
              - 2 * np.asarray(x, dtype=np.float64), None),
    "kink": (lambda x: np.abs(np.asarray(x, dtype=np.float64) - 0.3) + 0.2, 1.0),
}


def target(name: str):
    return TARGETS[name][0]


def reference_sigmoid(z) -> np.ndarray:
    """torch's sigmoid: the oracle for every sigmoid-based expectation."""
    import torch

    return torch.sigmoid(torch.as_tensor(np.asarray(z, dtype=np.float64))).numpy()


def reference_bump(x, left, right, height, steepness) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return height * (reference_sigmoid(steepness * (x - left))
                     - reference_sigmoid(steepness * (x - right)))


def bump_grid(lo: float, hi: float, n_bumps: int):
    """Edges (n+1,) and centres (n,) of n equal-width bumps on [lo, hi]."""
    edges = lo + (hi - lo) * np.arange(n_bumps + 1) / n_bumps
    return edges, (edges[:-1] + edges[1:]) / 2


def reference_staircase(f, n_bumps, lo, hi, steepness, x) -> np.ndarray:
    """The canonical network's output at x: sum_k f(c_k) bump_k(x), computed with torch."""
    edges, centres = bump_grid(lo, hi, n_bumps)
    heights = f(centres)
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    for k in range(n_bumps):
        out = out + reference_bump(x, edges[k], edges[k + 1], heights[k], steepness)
    return out


def network_form(params, n_bumps: int, where: str) -> Verdict:
    """Shapes of (W1, b1, W2, b2): W1 (1, 2n), W2 (2n, 1), b1 2n entries, b2 one entry."""
    if not isinstance(params, list) or len(params) != 4:
        return Verdict.fail(f"{where} returned {describe(params)}; expected a tuple "
                            "(W1, b1, W2, b2).")
    W1, b1, W2, b2 = (np.asarray(p, dtype=np.float64) for p in params)
    m = 2 * n_bumps
    hint = ("Each bump is two hidden units, so the hidden layer has 2 * n_bumps units; the "
            "input is one number per row, so W1 maps 1 -> 2n and W2 maps 2n -> 1.")
    if W1.shape != (1, m):
        extra = " (transposed?)" if W1.shape == (m, 1) else ""
        return Verdict.fail(f"{where}: W1 has shape {W1.shape}, expected (1, {m}){extra}.", hint)
    if W2.shape != (m, 1):
        extra = (" (transposed?)" if W2.shape == (1, m) else
                 " (a flat vector: reshape it to a column)" if W2.shape == (m,) else "")
        return Verdict.fail(f"{where}: W2 has shape {W2.shape}, expected ({m}, 1){extra}.", hint)
    if b1.size != m or b1.shape not in ((m,), (1, m)):
        return Verdict.fail(f"{where}: b1 has shape {b1.shape}, expected ({m},): one bias per "
                            "hidden unit.", hint)
    if b2.size != 1:
        return Verdict.fail(f"{where}: b2 has shape {b2.shape}, expected (1,): one output.")
    return Verdict.ok()


def evaluate_network(params, x) -> np.ndarray:
    """sigmoid(x @ W1 + b1) @ W2 + b2 for points x (M,), computed by torch; returns (M,)."""
    import torch

    W1, b1, W2, b2 = (torch.as_tensor(np.asarray(p, dtype=np.float64)) for p in params)
    xs = torch.as_tensor(np.asarray(x, dtype=np.float64).reshape(-1, 1))
    hidden = torch.sigmoid(xs @ W1 + b1.reshape(1, -1))
    return (hidden @ W2.reshape(-1, 1) + b2.reshape(1, 1)).numpy().reshape(-1)


def interior_points(n_bumps, lo, hi, steepness, per_bump=40, margin=20.0):
    """A grid over [lo, hi] plus points across every inner edge, minus the outer ramps."""
    edges, _ = bump_grid(lo, hi, n_bumps)
    grid = np.linspace(lo, hi, per_bump * n_bumps + 1)
    ramps = (edges[1:-1, None] + np.array([-3, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 3])
             / steepness).ravel()
    x = np.unique(np.concatenate([grid, ramps]))
    keep = (x >= lo + margin / steepness) & (x <= hi - margin / steepness)
    return x[keep]


APPROX_HINTS = (
    "Bump k covers [lo + k h, lo + (k+1) h] with h = (hi - lo) / n_bumps; its two hidden "
    "units are sigmoid(s (x - left)) and sigmoid(s (x - right)).",
    "Unit weight s and bias -s * edge put a unit's step at that edge; W2 holds +height and "
    "-height for the pair, with height = f(centre).",
)


@register
class BumpValues(Check):
    """bump matches height * (sigmoid(s(x - left)) - sigmoid(s(x - right))) computed by torch."""

    name = "bump_values"

    def _inputs(self, seed):
        rng = np.random.default_rng(seed)
        return np.linspace(-0.5, 1.5, 81), rng.uniform(-1, 2, size=(3, 4))

    def probe(self, bump, left=0.25, right=0.6, height=2.0, steepness=40.0, seed=0):
        grid, matrix = self._inputs(seed)
        grid_in, matrix_in = grid.copy(), matrix.copy()
        return {"default": bump(grid_in, left, right, height),
                "soft": bump(grid_in, left, right, height, steepness=steepness),
                "matrix": bump(matrix_in, left, right, -height, steepness),
                "inputs_after": [grid_in, matrix_in]}

    def judge(self, seen, left=0.25, right=0.6, height=2.0, steepness=40.0, seed=0):
        grid, matrix = self._inputs(seed)
        hints = ("The bump rises where x passes `left` and falls where x passes `right`: "
                 "sigmoid(s (x - left)) minus sigmoid(s (x - right)).",
                 "bump(x) = height * (sigmoid(s * (x - left)) - sigmoid(s * (x - right))); "
                 "s multiplies the whole difference x - edge.")
        verdict = first_failure(
            compare(f"bump(x, {left}, {right}, {height}) on a grid of 81 points",
                    seen["default"], reference_bump(grid, left, right, height, 1000.0),
                    atol=1e-6, hints=hints),
            compare(f"bump(x, {left}, {right}, {height}, steepness={steepness})",
                    seen["soft"], reference_bump(grid, left, right, height, steepness),
                    atol=1e-6, hints=hints),
            compare(f"bump(x of shape (3, 4), {left}, {right}, {-height}, {steepness})",
                    seen["matrix"], reference_bump(matrix, left, right, -height, steepness),
                    atol=1e-6, hints=hints))
        if not verdict.passed:
            got = np.asarray(seen["soft"], dtype=np.float64)
            if got.shape == grid.shape and np.allclose(
                    got, reference_bump(grid, left, right, height, 1000.0), atol=1e-6):
                verdict.message += ("\n  likely cause: the steepness argument is ignored "
                                    "(this is the bump for steepness 1000).")
            return verdict
        for before, after in zip((grid, matrix), seen["inputs_after"]):
            if not np.array_equal(np.asarray(after), before):
                return Verdict.fail("bump changed its input array x; compute a new array "
                                    "instead of modifying x in place.")
        return Verdict.ok()


def _approx_case(approximate_1d, f, n_bumps, lo, hi, steepness):
    kwargs = {} if steepness is None else {"steepness": steepness}
    if (lo, hi) == (0.0, 1.0):
        return list(approximate_1d(target(f), n_bumps, **kwargs))
    return list(approximate_1d(target(f), n_bumps, lo=lo, hi=hi, **kwargs))


@register
class ApproximateShapes(Check):
    """approximate_1d returns W1 (1, 2n), b1 (2n,), W2 (2n, 1), b2 (1,) for several n."""

    name = "approximate_1d_shapes"
    SIZES = (1, 3, 8)

    def probe(self, approximate_1d):
        return {"params": [_approx_case(approximate_1d, "sine", n, 0.0, 1.0, None)
                           for n in self.SIZES]}

    def judge(self, seen):
        return first_failure(*(network_form(p, n, f"approximate_1d(f, {n})")
                               for n, p in zip(self.SIZES, seen["params"])))


def _diagnose_heights(got, f, n_bumps, lo, hi) -> str:
    edges, centres = bump_grid(lo, hi, n_bumps)
    if np.allclose(got, f(edges[:-1]), atol=1e-6):
        return "\n  likely cause: the heights are f at the left edges, not at the centres."
    if np.allclose(got, f(edges[1:]), atol=1e-6):
        return "\n  likely cause: the heights are f at the right edges, not at the centres."
    if np.allclose(got, got[0], atol=1e-6):
        return ("\n  likely cause: every bump has the same height: are the heights f(c_k) "
                "multiplied into W2?")
    if np.allclose(got, -f(centres), atol=1e-6):
        return "\n  likely cause: every bump is upside down (the two units' signs swapped?)."
    return ("\n  check that the bumps are equally wide: n + 1 edges lo + k h (k = 0..n) with "
            "h = (hi - lo) / n, and each centre halfway between two neighbouring edges.")


@register
class ApproximateCentres(Check):
    """at each bump centre c_k the network outputs f(c_k) (equal-width bumps on [lo, hi])."""

    name = "approximate_1d_centres"

    def probe(self, approximate_1d, f="sine", n_bumps=10, lo=0.0, hi=1.0):
        return {"params": _approx_case(approximate_1d, f, n_bumps, lo, hi, None)}

    def judge(self, seen, f="sine", n_bumps=10, lo=0.0, hi=1.0):
        where = f"approximate_1d(f, {n_bumps}, lo={lo}, hi={hi})"
        form = network_form(seen["params"], n_bumps, where)
        if not form.passed:
            return form
        func = target(f)
        _, centres = bump_grid(lo, hi, n_bumps)
        got = evaluate_network(seen["params"], centres)
        verdict = compare(f"the network of {where} at the {n_bumps} bump centres", got,
                          func(centres), atol=1e-6, hints=APPROX_HINTS)
        if not verdict.passed:
            verdict.message += _diagnose_heights(got, func, n_bumps, lo, hi)
        return verdict


@register
class ApproximateNetwork(Check):
    """the network equals the sum of bumps f(c_k) * bump_k(x) everywhere inside [lo, hi]."""

    name = "approximate_1d_network"

    def probe(self, approximate_1d, f="sine", n_bumps=6, lo=0.0, hi=1.0, steepness=None):
        return {"params": _approx_case(approximate_1d, f, n_bumps, lo, hi, steepness)}

    def judge(self, seen, f="sine", n_bumps=6, lo=0.0, hi=1.0, steepness=None):
        s = 1000.0 if steepness is None else steepness
        where = f"approximate_1d(f, {n_bumps}, lo={lo}, hi={hi}, steepness={s:g})"
        form = network_form(seen["params"], n_bumps, where)
        if not form.passed:
            return form
        func = target(f)
        x = interior_points(n_bumps, lo, hi, s)
        got = evaluate_network(seen["params"], x)
        expected = reference_staircase(func, n_bumps, lo, hi, s, x)
        return compare(f"the network of {where} at {x.size} points inside [lo, hi] "
                       "(including across the inner bump edges)", got, expected, atol=1e-6,
                       hints=APPROX_HINTS)


@register
class ApproximateSteepness(Check):
    """the ramps between neighbouring bumps are sigmoids of width 1/steepness."""

    name = "approximate_1d_steepness"

    def probe(self, approximate_1d, steepness=100.0, n_bumps=4):
        return {"params": _approx_case(approximate_1d, "sine", n_bumps, 0.0, 1.0, steepness)}

    def judge(self, seen, steepness=100.0, n_bumps=4):
        where = f"approximate_1d(f, {n_bumps}, steepness={steepness:g})"
        form = network_form(seen["params"], n_bumps, where)
        if not form.passed:
            return form
        func = target("sine")
        edges, _ = bump_grid(0.0, 1.0, n_bumps)
        t = np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
        x = (edges[1:-1, None] + t / steepness).ravel()
        got = evaluate_network(seen["params"], x)
        expected = reference_staircase(func, n_bumps, 0.0, 1.0, steepness, x)
        verdict = compare(f"the network of {where} at 1/s, 2/s around each inner edge", got,
                          expected, atol=1e-6,
                          hints=("The weight of each hidden unit is the steepness s: "
                                 "sigmoid(s * x - s * edge).",))
        if not verdict.passed and np.allclose(
                got, reference_staircase(func, n_bumps, 0.0, 1.0, 1000.0, x), atol=1e-6):
            verdict.message += ("\n  likely cause: the steepness argument is ignored (these "
                                "ramps have steepness 1000).")
        return verdict


@register
class ApproximateErrorRate(Check):
    """for a Lipschitz f, the max error away from the edges is <= L h / 2 and falls like 1/n."""

    name = "approximate_1d_error_rate"
    SIZES = (4, 8, 16, 32)

    def probe(self, approximate_1d, f="sine"):
        return {"params": [_approx_case(approximate_1d, f, n, 0.0, 1.0, None)
                           for n in self.SIZES]}

    def judge(self, seen, f="sine"):
        func, lipschitz = TARGETS[f]
        errors = []
        for n, params in zip(self.SIZES, seen["params"]):
            form = network_form(params, n, f"approximate_1d(f, {n})")
            if not form.passed:
                return form
            edges, _ = bump_grid(0.0, 1.0, n)
            h = 1.0 / n
            x = np.linspace(0.0, 1.0, 200 * n + 1)
            away = np.min(np.abs(x[:, None] - edges[None, :]), axis=1) >= h / 4
            error = float(np.max(np.abs(evaluate_network(params, x[away]) - func(x[away]))))
            errors.append(error)
            if not error <= lipschitz * h / 2 * 1.05:
                return Verdict.fail(
                    f"with n_bumps = {n} the largest error at points at least h/4 from every "
                    f"bump edge is {error:.4g}; a staircase of equal-width bumps with heights "
                    f"f(centre) stays within L h / 2 = {lipschitz * h / 2:.4g}.",
                    *APPROX_HINTS)
        if not errors[0] / max(errors[-1], 1e-300) > 4:
            return Verdict.fail(f"max errors for n_bumps = {list(self.SIZES)} were "
                                f"{[round(e, 5) for e in errors]}; they should fall like 1/n.")
        return Verdict.ok()


def all_patterns(n: int, order_seed: int | None = None) -> np.ndarray:
    """All 2**n rows of {0, 1}^n as floats, optionally shuffled."""
    X = np.array(list(itertools.product([0.0, 1.0], repeat=n)))
    if order_seed is not None:
        X = X[np.random.default_rng(order_seed).permutation(len(X))]
    return X


@register
class ParityDeep(Check):
    """parity_deep returns the parity of every row of {0,1}^n within 0.01."""

    name = "parity_deep_truth"

    def probe(self, parity_deep, n=3, order_seed=None, integers=False):
        X = all_patterns(n, order_seed)
        X_in = X.astype(np.int64) if integers else X.copy()
        return {"out": parity_deep(X_in), "input_after": X_in}

    def judge(self, seen, n=3, order_seed=None, integers=False):
        X = all_patterns(n, order_seed)
        expected = X.sum(axis=1) % 2
        out = np.asarray(seen["out"], dtype=np.float64)
        if out.size != expected.size:
            return Verdict.fail(f"parity_deep on X of shape {X.shape} returned "
                                f"{describe(out)}; expected one output per row, shape "
                                f"({expected.size},).")
        verdict = compare(f"parity_deep on all {len(X)} rows of {{0,1}}^{n}", out.reshape(-1),
                          expected, atol=0.01, rtol=0.0,
                          hints=("Carry a running parity p: start with the first column, "
                                 "then p = XOR(p, next column) for every further column.",
                                 "parity(x_1..x_n) = XOR(...XOR(XOR(x_1, x_2), x_3)..., x_n): "
                                 "feed xor_network the (N, 2) array [p, X[:, j]]."))
        if not verdict.passed:
            last_pair = (X[:, -2] + X[:, -1]) % 2
            if np.allclose(out.reshape(-1), last_pair, atol=0.01):
                verdict.message += ("\n  likely cause: only the last two columns are XORed "
                                    "(each XOR should take the running parity, not the "
                                    "previous column).")
            return verdict
        if not np.array_equal(np.asarray(seen["input_after"], dtype=np.float64), X):
            return Verdict.fail("parity_deep changed its input X; work on new arrays.")
        return Verdict.ok()


def _count_judge(name, seen, sizes, formula, expected_fn, hints):
    for n, got in zip(sizes, seen["counts"]):
        expected = expected_fn(n)
        if isinstance(got, bool) or not isinstance(got, int | float) or got != expected:
            return Verdict.fail(f"{name}({n}) returned {got!r}, expected {expected} "
                                f"({formula}).", *hints)
    return Verdict.ok()


@register
class ParityUnitsDeep(Check):
    """parity_units_deep(n) counts the deep chain's hidden units: 3n - 4."""

    name = "parity_units_deep_values"

    def probe(self, parity_units_deep, sizes=(2, 3, 4, 5, 8)):
        return {"counts": [parity_units_deep(n) for n in sizes]}

    def judge(self, seen, sizes=(2, 3, 4, 5, 8)):
        return _count_judge(
            "parity_units_deep", seen, sizes, "3n - 4", lambda n: 3 * n - 4,
            ("n inputs need n - 1 XOR blocks; each block has an OR and a NAND unit, and every "
             "AND except the final output is also a hidden unit.",
             "2 (n - 1) OR/NAND units plus (n - 2) hidden ANDs."))


@register
class ParityUnitsShallow(Check):
    """parity_units_shallow(n) counts one hidden unit per odd input pattern: 2**(n-1)."""

    name = "parity_units_shallow_values"

    def probe(self, parity_units_shallow, sizes=(2, 3, 4, 5, 8)):
        return {"counts": [parity_units_shallow(n) for n in sizes]}

    def judge(self, seen, sizes=(2, 3, 4, 5, 8)):
        return _count_judge(
            "parity_units_shallow", seen, sizes, "2**(n-1)", lambda n: 2 ** (n - 1),
            ("One hidden unit detects each input pattern with odd parity; the output ORs "
             "them. How many of the 2**n patterns have odd parity?",))
