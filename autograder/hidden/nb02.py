"""Hidden checks for 02_universal_approximation (instructor only; not in the student's copy).

Every check with random inputs is ``fresh``: its inputs come from the grading run's seed.
"""

from __future__ import annotations

import numpy as np
from nncourse.checking import Check, register
from nncourse.checks.nb02 import (
    BUMP_HINTS,
    BUMP_RULES,
    MAX_RECORDED,
    PARITY_DEEP_RULES,
    all_patterns,
    bounds_verdict,
    built_from_verdict,
    from_xor,
    parity_outputs,
    pieces_function,
    pieces_verdict,
    probe_built_from,
    shallow_verdict,
    strided,
    tent_points,
    tent_verdict,
    units_verdicts,
    watched,
)
from nncourse.compare import compare
from nncourse.verdict import Verdict, first_failure

from autograder.references import reference_bump


@register
class BumpHiddenShapes(Check):
    """Your bump handles a number, ints, 3-D arrays and strided views, and a very steep bump."""

    name = "bump_hidden_shapes"
    rules = BUMP_RULES
    fresh = True
    warnings_fail = True  # steepness 1e5: an overflowing sigmoid warns
    LABELS = {"number": "bump(0.5, 0, 1, 3)", "ints": "bump of an int array",
              "cube": "bump of a (2, 3, 2) array",
              "strided": "bump of a non-contiguous (3, 2) view",
              "steep": "bump with steepness 1e5"}

    def inputs(self, run_seed=0):
        """{case: (x, positional arguments, keyword arguments)} of bump's calls."""
        rng = np.random.default_rng([run_seed, 201])
        cube = rng.uniform(-2, 2, size=(2, 3, 2))
        left = float(rng.uniform(-1.0, 0.0))
        right = left + float(rng.uniform(0.2, 1.5))
        height, s = float(rng.uniform(-3, 3)), float(rng.uniform(2, 30))
        return {"number": (0.5, (0.0, 1.0, 3.0), {}),
                "ints": (np.array([-2, 0, 1, 3]), (-1.0, 2.0, 1.5), {"steepness": 3.0}),
                "cube": (cube, (left, right, height), {"steepness": s}),
                "strided": (strided(cube[0]), (left, right, height, s), {}),
                "steep": (np.array([-1.0, 0.1, 0.5, 2.0]), (0.0, 1.0, 2.0),
                          {"steepness": 1.0e5})}

    def probe(self, bump, **args):
        return {key: bump(x, *more, **kwargs)
                for key, (x, more, kwargs) in self.inputs(**args).items()}

    def judge(self, seen, **args):
        return first_failure(*(
            compare(self.LABELS[key], np.squeeze(seen[key]) if key == "number" else seen[key],
                    reference_bump(x, *more, **kwargs),
                    atol=1e-9 if key in ("number", "steep") else 1e-7, hints=BUMP_HINTS)
            for key, (x, more, kwargs) in self.inputs(**args).items()))


def _wave(run_seed):
    """A fresh Lipschitz target with |f| <= 1 on a fresh interval, and bump counts."""
    rng = np.random.default_rng([run_seed, 202])
    lo = float(rng.uniform(-2.0, 0.5))
    hi = lo + float(rng.uniform(0.5, 2.5))
    a, b = float(rng.uniform(0.3, 0.7)), float(rng.uniform(-0.3, 0.3))
    omega, phase = float(rng.uniform(1.0, 12.0)), float(rng.uniform(0, 2 * np.pi))
    top = int(100 * (hi - lo))
    sizes = [1, int(rng.integers(2, 20)), int(rng.integers(20, top + 1))]
    return lo, hi, a, b, omega, phase, sizes


def _wave_function(a, b, omega, phase):
    def f(x):
        return a * np.cos(omega * np.asarray(x, dtype=np.float64) + phase) + b
    return f


@register
class ApproximateHiddenBound(Check):
    """For a fresh Lipschitz f on a fresh [lo, hi], your approximate_1d keeps within its bound."""

    name = "approximate_1d_hidden_bound"
    fresh = True

    def probe(self, approximate_1d, run_seed=0):
        lo, hi, a, b, omega, phase, sizes = _wave(run_seed)
        f = _wave_function(a, b, omega, phase)
        return {"params": [list(approximate_1d(f, n, lo=lo, hi=hi)) for n in sizes]}

    def judge(self, seen, run_seed=0):
        lo, hi, a, b, omega, phase, sizes = _wave(run_seed)
        return bounds_verdict(sizes, seen["params"], _wave_function(a, b, omega, phase),
                              a * omega, lo, hi,
                              f"approximate_1d(f, {{n}}, lo={lo:.4g}, hi={hi:.4g})")


def _parity_rows(run_seed):
    rng = np.random.default_rng([run_seed, 203])
    n = int(rng.integers(6, 13))
    X = rng.integers(0, 2, size=(300, n)).astype(np.float64)
    return n, X


@register
class ParityDeepHidden(Check):
    """Your parity_deep is right on random rows of 6 to 12 bits, in any layout, via xor_network."""

    name = "parity_deep_hidden"
    fresh = True
    rules = PARITY_DEEP_RULES

    def probe(self, parity_deep, run_seed=0):
        n, X = _parity_rows(run_seed)
        seen = probe_built_from(parity_deep, X)
        with watched(parity_deep) as results:
            seen.update({"out": parity_deep(X.copy()), "strided": parity_deep(strided(X)),
                         "ints": parity_deep(X.astype(np.int64).T.copy().T)})
        seen["xor_results"] = results[:MAX_RECORDED] if results is not None else None
        return seen

    def judge(self, seen, run_seed=0):
        n, X = _parity_rows(run_seed)
        expected = X.sum(axis=1) % 2
        name = f"parity_deep on {len(X)} random rows of {n} bits"
        return first_failure(
            parity_outputs(name, seen["out"], X, expected),
            parity_outputs(name + " (a non-contiguous view)", seen["strided"], X, expected),
            parity_outputs(name + " (an int array in column-major order)", seen["ints"], X,
                           expected),
            built_from_verdict(seen, X, n),
            from_xor(name, seen, ("out", "strided", "ints"), n))


def _units_sizes(run_seed):
    rng = np.random.default_rng([run_seed, 207])
    return [6, 10, 13, 17, 21, 30, 40, int(rng.integers(41, 200))]


@register
class ParityUnitsLarge(Check):
    """Your parity_units_deep(n) is the exact int count for n from 6 to 40 and a random n < 200."""

    name = "parity_units_hidden_large"
    fresh = True

    def probe(self, parity_units_deep, run_seed=0):
        return {"deep": [parity_units_deep(n) for n in _units_sizes(run_seed)]}

    def judge(self, seen, run_seed=0):
        sizes = _units_sizes(run_seed)
        return units_verdicts(sizes, seen["deep"], [3 * n - 4 for n in sizes])


def _shallow_sizes(run_seed):
    rng = np.random.default_rng([run_seed, 204])
    return [4, int(rng.integers(6, 12)), 12], int(rng.integers(0, 2 ** 31))


@register
class ParityShallowHidden(Check):
    """Your parity_shallow_weights is right for n = 4, a random n in 6..11, and 12."""

    name = "parity_shallow_weights_hidden"
    fresh = True

    def probe(self, parity_shallow_weights, run_seed=0):
        sizes, _ = _shallow_sizes(run_seed)
        return {"params": [list(parity_shallow_weights(n)) for n in sizes]}

    def judge(self, seen, run_seed=0):
        sizes, order = _shallow_sizes(run_seed)
        return first_failure(*(shallow_verdict(p, n, order)
                               for n, p in zip(sizes, seen["params"], strict=True)))


def _tent_case(run_seed):
    rng = np.random.default_rng([run_seed, 205])
    return int(rng.integers(5, 11)), int(rng.integers(0, 2 ** 31))


@register
class TentNetworkHidden(Check):
    """Your tent_network is right for a random depth from 5 to 10 at random points of [0, 1]."""

    name = "tent_network_hidden"
    fresh = True

    def probe(self, tent_network, run_seed=0):
        depth, _ = _tent_case(run_seed)
        return {"params": list(tent_network(depth))}

    def judge(self, seen, run_seed=0):
        depth, seed = _tent_case(run_seed)
        return tent_verdict(seen["params"], depth,
                            tent_points(depth, np.random.default_rng(seed)))


def _pieces_cases(run_seed):
    """Fresh piecewise-linear functions and grids: (knots, values, lo, hi, grid). What the
    contract counts for each is :func:`expected_pieces`'s (the judge's alone)."""
    rng = np.random.default_rng([run_seed, 206])
    cases = []
    for _ in range(3):
        lo = float(rng.uniform(-3, 1))
        hi = lo + float(rng.uniform(0.5, 4))
        grid = int(rng.choice([2001, 10001, 100001]))
        step = (hi - lo) / (grid - 1)
        k = int(rng.integers(2, 25))
        # kinks at least 20 grid steps apart and from the ends
        slots = rng.choice(np.arange(20, grid - 20, 25), size=k, replace=False)
        kinks = np.sort(lo + (slots + rng.uniform(0.1, 0.9, size=k)) * step)
        knots = np.concatenate([[lo - 1.0], kinks, [hi + 1.0]])
        slopes = rng.uniform(0.5, 3.0, size=k + 1) * rng.choice([-1, 1], size=k + 1)
        for i in range(1, k + 1):  # neighbouring slopes differ clearly
            if abs(slopes[i] - slopes[i - 1]) < 0.3:
                slopes[i] = -slopes[i - 1]
        values = np.concatenate([[0.0], np.cumsum(slopes * np.diff(knots))])
        cases.append((knots, values, lo, hi, grid))
    # two kinks inside one interval of a coarse grid: one kink there, two on the default grid
    lo, hi = 0.0, float(rng.uniform(1.0, 2.0))
    grid = int(rng.integers(11, 40))
    step = (hi - lo) / (grid - 1)
    j = int(rng.integers(3, grid - 4))
    pair = lo + (j + np.array([0.3, 0.7])) * step
    knots = np.array([lo - 1.0, pair[0], pair[1], hi + 1.0])
    values = np.array([0.0, pair[0] + 1.0, pair[0] + 1.0 - 4 * (pair[1] - pair[0]),
                       pair[0] + 1.0 - 4 * (pair[1] - pair[0]) + 2 * (hi + 1.0 - pair[1])])
    cases.append((knots, values, lo, hi, grid))
    cases.append((knots, values, lo, hi, 100001))
    # the tolerance is relative: the first random function scaled to huge and to tiny slopes
    knots, values, lo, hi, grid = cases[0]
    for scale in (10.0 ** rng.uniform(6, 8), 10.0 ** -rng.uniform(9.5, 12)):
        cases.append((knots, scale * values, lo, hi, grid))
    # slopes that change by a fresh 0.5 % to 3 % at kinks between grid points
    k = int(rng.integers(2, 6))
    lo, hi = float(rng.uniform(-2, 0)), float(rng.uniform(1, 3))
    step = (hi - lo) / 100000
    slots = rng.choice(np.arange(2000, 98000, 4000), size=k, replace=False)
    kinks = np.sort(lo + (slots + rng.uniform(0.2, 0.8, size=k)) * step)
    knots = np.concatenate([[lo - 1.0], kinks, [hi + 1.0]])
    factors = 1.0 + rng.uniform(0.005, 0.03, size=k) * rng.choice([-1, 1], size=k)
    slopes = float(rng.uniform(0.5, 2.0)) * np.cumprod(np.concatenate([[1.0], factors]))
    values = np.concatenate([[0.0], np.cumsum(slopes * np.diff(knots))])
    cases.append((knots, values, lo, hi, 100001))
    return cases


def expected_pieces(knots, lo: float, hi: float, grid: int) -> int:
    """The contract's count for :func:`_pieces_cases`' functions (kinks never on a grid point,
    neighbouring slopes clearly apart): one piece, plus one per grid interval holding a kink."""
    kinks = np.asarray(knots[1:-1])
    kinks = kinks[(kinks > lo) & (kinks < hi)]
    return 1 + len(set(np.floor((kinks - lo) / ((hi - lo) / (grid - 1))).astype(int)))


@register
class CountPiecesHidden(Check):
    """Your count_linear_pieces is right on random functions, intervals and grids."""

    name = "count_linear_pieces_hidden"
    fresh = True

    def probe(self, count_linear_pieces, run_seed=0):
        rng = np.random.default_rng([run_seed, 207])
        return {"counts": [count_linear_pieces(pieces_function(knots, values, rng), lo, hi,
                                               grid=grid)
                           for knots, values, lo, hi, grid in _pieces_cases(run_seed)]}

    def judge(self, seen, run_seed=0):
        for (knots, _, lo, hi, grid), got in zip(_pieces_cases(run_seed), seen["counts"],
                                                 strict=True):
            expected = expected_pieces(knots, lo, hi, grid)
            label = (f"a function with {len(knots) - 2} kinks on [{lo:.3g}, {hi:.3g}], "
                     f"grid={grid}")
            verdict = pieces_verdict(label, got, expected)
            if not verdict.passed:
                return verdict
        return Verdict.ok()


@register
class ParityDeepTiny(Check):
    """Your parity_deep of one column is that column, and of two columns their XOR."""

    name = "parity_deep_hidden_small"
    rules = PARITY_DEEP_RULES

    def probe(self, parity_deep):
        return {"one": parity_deep(all_patterns(1)), "two": parity_deep(all_patterns(2))}

    def judge(self, seen):
        X1, X2 = all_patterns(1), all_patterns(2)
        return first_failure(
            parity_outputs("parity_deep on the 2 rows of {0,1}^1", seen["one"], X1, X1[:, 0]),
            parity_outputs("parity_deep on the 4 rows of {0,1}^2", seen["two"], X2,
                           X2.sum(axis=1) % 2))
