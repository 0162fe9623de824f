"""Mutation catalogue for 02_universal_approximation: plausible bugs, and correct variants."""

from autograder.mutation import Mutant, Variant

MUTANTS = [
    Mutant("bump_sigmoids_swapped", "bump",
           edits=[("sigmoid(s * (x - left)) - sigmoid(s * (x - right))",
                   "sigmoid(s * (x - right)) - sigmoid(s * (x - left))")],
           why="a negative bump"),
    Mutant("bump_wrong_centre", "bump",
           edits=[("sigmoid(s * (x - left))", "sigmoid(s * x - left)"),
                  ("sigmoid(s * (x - right))", "sigmoid(s * x - right)")],
           why="the shift is not scaled by s: edges at left/s and right/s"),
    Mutant("bump_steepness_ignored", "bump", edits=[("s = steepness", "s = 1000.0")]),
    Mutant("approx_heights_at_edges", "approximate_1d",
           edits=[("np.asarray(f(centres)", "np.asarray(f(edges[:-1])")],
           why="samples f at the left edges instead of the centres"),
    Mutant("approx_heights_not_in_W2", "approximate_1d",
           edits=[("W2[0::2, 0] = heights", "W2[0::2, 0] = 1.0"),
                  ("W2[1::2, 0] = -heights", "W2[1::2, 0] = -1.0")],
           why="unit-height bumps: f's values never reach the output weights"),
    Mutant("approx_negative_bumps", "approximate_1d",
           edits=[("W2[0::2, 0] = heights", "W2[0::2, 0] = -heights"),
                  ("W2[1::2, 0] = -heights", "W2[1::2, 0] = heights")]),
    Mutant("approx_unequal_widths", "approximate_1d",
           edits=[("edges = np.linspace(lo, hi, n_bumps + 1)",
                   "grid = np.linspace(lo, hi, n_bumps)\n"
                   "    edges = np.r_[lo, (grid[:-1] + grid[1:]) / 2, hi]")],
           why="centres on linspace(lo, hi, n): the two end bumps are half as wide"),
    Mutant("approx_W1_transposed", "approximate_1d",
           edits=[("W1 = np.full((1, 2 * n_bumps), float(s))",
                   "W1 = np.full((2 * n_bumps, 1), float(s))")]),
    Mutant("approx_W2_flat", "approximate_1d",
           edits=[("return W1, b1, W2, b2", "return W1, b1, W2.ravel(), b2")],
           why="W2 of shape (2n,) instead of (2n, 1)"),
    Mutant("approx_steepness_ignored", "approximate_1d",
           edits=[("s = steepness", "s = 1000.0")]),
    Mutant("parity_adjacent_pairs", "parity_deep",
           edits=[("np.column_stack([parity, X[:, j]])",
                   "np.column_stack([X[:, j - 1], X[:, j]])")],
           why="XORs neighbouring columns instead of carrying the running parity"),
    Mutant("parity_skips_a_column", "parity_deep",
           edits=[("range(1, X.shape[1])", "range(2, X.shape[1])")]),
    Mutant("parity_shallow_2_to_the_n", "parity_units_shallow",
           edits=[("return 2 ** (n - 1)", "return 2 ** n")]),
    Mutant("parity_deep_quadratic", "parity_units_deep",
           edits=[("return 3 * n - 4", "return (n - 1) ** 2 + 1")],
           why="right for n = 2 only"),
    Mutant("parity_deep_counts_output", "parity_units_deep",
           edits=[("return 3 * n - 4", "return 3 * (n - 1)")],
           why="counts the final AND (the output unit) as hidden"),
]

VARIANTS = [
    Variant("bump_via_tanh", "bump", source=(
        "def bump(x, left, right, height, steepness=1000.0):\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    a = np.tanh(0.5 * steepness * (x - left))\n"
        "    b = np.tanh(0.5 * steepness * (x - right))\n"
        "    return 0.5 * height * (a - b)\n")),
    Variant("approx_loops_ups_then_downs", "approximate_1d", source=(
        "def approximate_1d(f, n_bumps, lo=0.0, hi=1.0, steepness=1000.0):\n"
        "    width = (hi - lo) / n_bumps\n"
        "    W1 = np.zeros((1, 2 * n_bumps)); b1 = np.zeros(2 * n_bumps)\n"
        "    W2 = np.zeros((2 * n_bumps, 1)); b2 = np.array([0.0])\n"
        "    for k in range(n_bumps):\n"
        "        left = lo + k * width\n"
        "        right = left + width\n"
        "        height = float(f(np.array([left + width / 2]))[0])\n"
        "        W1[0, k] = steepness; b1[k] = -steepness * left; W2[k, 0] = height\n"
        "        j = n_bumps + k\n"
        "        W1[0, j] = steepness; b1[j] = -steepness * right; W2[j, 0] = -height\n"
        "    return W1, b1, W2, b2\n")),
    Variant("approx_telescoped_steps", "approximate_1d", source=(
        "def approximate_1d(f, n_bumps, lo=0.0, hi=1.0, steepness=1000.0):\n"
        "    edges = lo + (hi - lo) * np.arange(n_bumps + 1) / n_bumps\n"
        "    heights = f(lo + (hi - lo) * (np.arange(n_bumps) + 0.5) / n_bumps)\n"
        "    jumps = np.diff(np.concatenate([[0.0], heights, [0.0]]))  # n + 1 steps\n"
        "    W1 = np.full((1, 2 * n_bumps), steepness)\n"
        "    b1 = np.zeros(2 * n_bumps)\n"
        "    b1[:n_bumps + 1] = -steepness * edges\n"
        "    W2 = np.zeros((2 * n_bumps, 1))\n"
        "    W2[:n_bumps + 1, 0] = jumps  # the remaining units are unused\n"
        "    return W1, b1, W2, np.zeros((1,))\n")),
    Variant("approx_offset_in_b2", "approximate_1d", source=(
        "def approximate_1d(f, n_bumps, lo=0.0, hi=1.0, steepness=1000.0):\n"
        "    edges = np.linspace(lo, hi, n_bumps + 1)\n"
        "    heights = f((edges[:-1] + edges[1:]) / 2)\n"
        "    offset = heights.mean()\n"
        "    W1 = steepness * np.ones((1, 2 * n_bumps))\n"
        "    b1 = -steepness * np.column_stack([edges[:-1], edges[1:]]).reshape(-1)\n"
        "    W2 = np.column_stack([heights - offset, offset - heights]).reshape(-1, 1)\n"
        "    return W1, b1.reshape(1, -1), W2, np.array([offset])\n")),
    Variant("parity_tree", "parity_deep", source=(
        "def parity_deep(X):\n"
        "    cols = [X[:, j] for j in range(X.shape[1])]\n"
        "    while len(cols) > 1:\n"
        "        paired = [xor_network(np.column_stack([cols[i], cols[i + 1]]))\n"
        "                  for i in range(0, len(cols) - 1, 2)]\n"
        "        if len(cols) % 2:\n"
        "            paired.append(cols[-1])\n"
        "        cols = paired\n"
        "    return np.asarray(cols[0], dtype=float)\n")),
    Variant("parity_reduce", "parity_deep", source=(
        "import functools\n\n"
        "def parity_deep(X):\n"
        "    return functools.reduce(lambda p, c: xor_network(np.stack([p, c], axis=1)),\n"
        "                            list(X.T.astype(float)))\n")),
    Variant("units_deep_by_counting", "parity_units_deep", source=(
        "def parity_units_deep(n):\n"
        "    units = 0\n"
        "    for block in range(n - 1):\n"
        "        units += 2  # OR and NAND\n"
        "        if block < n - 2:\n"
        "            units += 1  # an AND that feeds the next block\n"
        "    return units\n")),
    Variant("units_shallow_shift", "parity_units_shallow", source=(
        "def parity_units_shallow(n):\n    return 1 << (n - 1)\n")),
]
