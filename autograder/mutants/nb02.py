"""Mutation catalogue for 02_universal_approximation: plausible bugs, shortcuts, and correct
variants."""

from autograder.mutation import Mutant, Shortcut, Variant

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
    Mutant("approx_edges_on_the_interval", "approximate_1d",
           edits=[("margin = 10.0 / s", "margin = 0.0")],
           why="the first guess: outer edges on lo and hi, half height at the ends"),
    Mutant("approx_margin_not_scaled", "approximate_1d",
           edits=[("margin = 10.0 / s", "margin = 0.01")],
           why="the margin 10/s computed for s = 1000 only"),
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
           edits=[("edges = np.linspace(lo - margin, hi + margin, n_bumps + 1)",
                   "grid = np.linspace(lo, hi, n_bumps)\n"
                   "    edges = np.r_[lo - margin, (grid[:-1] + grid[1:]) / 2, hi + margin]")],
           why="centres on linspace(lo, hi, n): the two end bumps are narrower"),
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
    Mutant("parity_returns_a_column", "parity_deep",
           edits=[("return parity", "return parity.reshape(-1, 1)")],
           why="shape (N, 1) instead of (N,)"),
    Mutant("parity_deep_quadratic", "parity_units_deep",
           edits=[("return 3 * n - 4", "return (n - 1) ** 2 + 1")],
           why="right for n = 2 only"),
    Mutant("parity_deep_counts_output", "parity_units_deep",
           edits=[("return 3 * n - 4", "return 3 * (n - 1)")],
           why="counts the final AND (the output unit) as hidden"),
    Mutant("parity_deep_three_per_input", "parity_units_deep",
           edits=[("return 3 * n - 4", "return 3 * n - 3")],
           why="three units per input, written out: the output AND counted as hidden"),
    Mutant("shallow_thresholds_on_counts", "parity_shallow_weights",
           edits=[("np.arange(1, n + 1) - 0.5", "np.arange(1, n + 1) - 0.0")],
           why="thresholds on the counts themselves: units half on"),
    Mutant("shallow_not_alternating", "parity_shallow_weights",
           edits=[("sharp * (-1.0) ** np.arange(n)", "sharp * np.ones(n)")],
           why="counts the ones instead of their parity"),
    Mutant("shallow_too_soft", "parity_shallow_weights",
           edits=[("steep = 40.0", "steep = 2.0")],
           why="hidden units not steep enough: errors above 0.01 for larger n"),
    Mutant("shallow_output_not_sharp", "parity_shallow_weights",
           edits=[("sharp = 20.0", "sharp = 4.0")],
           why="output unit too soft: sigmoid(2) is 0.88, not within 0.01 of 1"),
    Mutant("shallow_no_output_bias", "parity_shallow_weights",
           edits=[("b2 = -sharp / 2", "b2 = 0.0")]),
    Mutant("tent_wrong_second_slope", "tent_network",
           edits=[("np.array([[2.0], [-4.0]])", "np.array([[2.0], [-2.0]])")],
           why="right slope -2 mistaken for the change of slope"),
    Mutant("tent_kink_at_wrong_place", "tent_network",
           edits=[("np.array([0.0, -0.5])", "np.array([0.0, 0.5])")]),
    Mutant("tent_one_layer_short", "tent_network",
           edits=[("range(depth - 1)", "range(depth - 2)")]),
    Mutant("tent_layers_not_composed", "tent_network",
           edits=[("weights.append(combine @ first)", "weights.append(np.eye(2))")],
           why="the later layers pass the units through instead of re-applying the tent"),
    Mutant("pieces_no_merging", "count_linear_pieces",
           edits=[("int(np.count_nonzero(starts))", "int(np.count_nonzero(changes))")],
           why="a kink between two grid points counted twice"),
    Mutant("pieces_kinks_not_pieces", "count_linear_pieces",
           edits=[("return int(np.count_nonzero(starts)) + 1",
                   "return int(np.count_nonzero(starts))")]),
    Mutant("pieces_exact_equality", "count_linear_pieces",
           edits=[("> 1e-6 * larger", "> 0")],
           why="rounding noise in the slopes counted as kinks"),
    Mutant("bump_overflowing_sigmoid", "bump", source=(
        "def bump(x, left, right, height, steepness=1000.0):\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    sg = lambda z: 1.0 / (1.0 + np.exp(-z))\n"
        "    return height * (sg(steepness * (x - left)) - sg(steepness * (x - right)))\n"),
        why="a naive sigmoid: right values, but exp overflows (a RuntimeWarning) at s = 1000"),
    Mutant("units_deep_float", "parity_units_deep",
           edits=[("return 3 * n - 4", "return 3.0 * n - 4")],
           why="the right count as a float; the contract says an int"),
    Mutant("pieces_absolute_tolerance", "count_linear_pieces",
           edits=[("> 1e-6 * larger", "> 1e-6")],
           why="an absolute tolerance: wrong for slopes of 1e7 (noise) and of 1e-9 (no kinks)"),
    Mutant("pieces_loose_tolerance", "count_linear_pieces",
           edits=[("> 1e-6 * larger", "> 0.1 * larger")],
           why="a 10 % relative tolerance: misses a slope change of a few percent"),
    Mutant("pieces_isclose_defaults", "count_linear_pieces", source=(
        "def count_linear_pieces(f, lo, hi, grid=100001):\n"
        "    x = np.linspace(lo, hi, grid)\n"
        "    s = np.diff(f(x)) / np.diff(x)\n"
        "    changed = ~np.isclose(s[1:], s[:-1])\n"
        "    starts = changed & ~np.concatenate([[False], changed[:-1]])\n"
        "    return int(starts.sum()) + 1\n"),
        why="np.isclose's default atol = 1e-8 swallows every kink of a function with tiny slopes"),
    Mutant("pieces_second_difference", "count_linear_pieces", source=(
        "def count_linear_pieces(f, lo, hi, grid=100001):\n"
        "    y = f(np.linspace(lo, hi, grid))\n"
        "    changed = np.abs(np.diff(y, 2)) > 1e-9\n"
        "    starts = changed & ~np.concatenate([[False], changed[:-1]])\n"
        "    return int(starts.sum()) + 1\n"),
        why="second differences of the values against a fixed threshold: scale-dependent"),
    Mutant("pieces_half_the_changes", "count_linear_pieces", source=(
        "def count_linear_pieces(f, lo, hi, grid=100001):\n"
        "    x = np.linspace(lo, hi, grid); y = f(x)\n"
        "    s = np.diff(y) / np.diff(x)\n"
        "    ch = np.abs(np.diff(s)) > 1e-6 * np.maximum(np.abs(s[1:]), np.abs(s[:-1]))\n"
        "    return int(np.ceil(ch.sum() / 2)) + 1\n"),
        why="halves the number of slope changes instead of merging runs"),
    # review r12: wrong counts the visible check passed
    Mutant("r12_units_two_per_block", "parity_units_deep",
           edits=[("return 3 * n - 4", "return 2 * n - 2")],
           why="counts only each block's OR and NAND as hidden"),
    Mutant("r12_units_n", "parity_units_deep",
           edits=[("return 3 * n - 4", "return n")]),
]

SHORTCUTS = [
    Shortcut("bump_naive_silenced", "bump", source=(
        "def bump(x, left, right, height, steepness=1000.0):\n"
        "    with np.errstate(over='ignore'):\n"
        "        rise = 1 / (1 + np.exp(-steepness * (x - left)))\n"
        "        fall = 1 / (1 + np.exp(-steepness * (x - right)))\n"
        "    return height * (rise - fall)\n"),
        why="computes exp of large numbers and hides numpy's overflow warning (the rule: "
            "warning-free by avoiding the overflow; review 20c H3)"),
    Shortcut("bump_naive_seterr_in_cell", "bump", source=(
        "np.seterr(over='ignore')\n\n\n"
        "def bump(x, left, right, height, steepness=1000.0):\n"
        "    rise = 1 / (1 + np.exp(-steepness * (x - left)))\n"
        "    return height * (rise - 1 / (1 + np.exp(-steepness * (x - right))))\n"),
        why="silences numpy for the whole notebook in the answer cell, outside the function"),
    Shortcut("pieces_reads_the_closure", "count_linear_pieces", source=(
        "def count_linear_pieces(f, lo, hi, grid=100001):\n"
        "    held = [c.cell_contents for c in getattr(f, '__clo' + 'sure__') or ()]\n"
        "    knots = [a for a in held if isinstance(a, np.ndarray) and a.ndim == 1\n"
        "             and np.all(np.diff(a) > 0)][0]\n"
        "    step = (hi - lo) / (grid - 1)\n"
        "    inside = [k for k in knots if lo < k < hi]\n"
        "    return 1 + len({int(np.floor((k - lo) / step)) for k in inside})\n"),
        why="counts the knots the test function closes over (merging those in one grid "
            "interval) and never measures a slope"),
    Shortcut("parity_deep_modulo", "parity_deep", source=(
        "def parity_deep(X):\n"
        "    return np.asarray(X, dtype=float).sum(axis=1) % 2\n"),
        why="an operator instead of the chain of XOR networks"),
    Shortcut("parity_deep_bitwise_xor", "parity_deep", source=(
        "def parity_deep(X):\n"
        "    return np.bitwise_xor.reduce(np.asarray(X, dtype=int), axis=1).astype(float)\n"),
        why="numpy's xor instead of the student's networks"),
    Shortcut("parity_deep_decoy_call", "parity_deep", source=(
        "def parity_deep(X):\n"
        "    xor_network(np.asarray(X, dtype=float)[:, :2])  # called, result unused\n"
        "    return np.asarray(X, dtype=float).sum(axis=1) % 2\n"),
        why="calls xor_network for show, computes parity with %"),
    Shortcut("parity_deep_threshold_between", "parity_deep",
             edits=[("parity = xor_network(np.column_stack([parity, X[:, j]]))",
                     "parity = (xor_network(np.column_stack([parity, X[:, j]])) > 0.5)"
                     ".astype(float)")],
             why="a comparison between the XORs: the chain no longer only chains xor_network"),
    Shortcut("parity_deep_round_between", "parity_deep",
             edits=[("parity = xor_network(np.column_stack([parity, X[:, j]]))",
                     "parity = np.round(xor_network(np.column_stack([parity, X[:, j]])))")],
             why="rounds between the XORs"),
    Shortcut("parity_deep_inlined_neurons", "parity_deep", source=(
        "def parity_deep(X):\n"
        "    X = np.asarray(X, dtype=float)\n"
        "    p = X[:, 0]\n"
        "    for j in range(1, X.shape[1]):\n"
        "        Z = np.column_stack([p, X[:, j]])\n"
        "        h = np.stack([neuron(Z, *logic_gate_weights('or')),\n"
        "                      neuron(Z, *logic_gate_weights('nand'))], axis=1)\n"
        "        p = neuron(h, *logic_gate_weights('and'))\n"
        "    return p\n"),
        why="rebuilds XOR from neurons instead of calling the student's xor_network"),
    Shortcut("units_deep_visible_table", "parity_units_deep", source=(
        "def parity_units_deep(n):\n"
        "    return {2: 2, 3: 5, 4: 8, 5: 11, 8: 20}.get(n, 0)\n"),
        why="the visible sizes written out"),
    Shortcut("bump_course_reference", "bump", source=(
        "def bump(x, left, right, height, steepness=1000.0):\n"
        "    from nncourse.expected import stored\n"
        "    args = dict(left=left, right=right, height=height, steepness=steepness, seed=0)\n"
        "    return stored('bump_values', 'soft', args, np.shape(x))\n"),
        why="reads the visible check's stored expected values"),
    Shortcut("approx_course_bump_grid", "approximate_1d", source=(
        "def approximate_1d(f, n_bumps, lo=0.0, hi=1.0, steepness=1000.0):\n"
        "    from nncourse.expected import stored\n"
        "    args = {'f': 'sine', 'n_bumps': n_bumps, 'lo': lo, 'hi': hi}\n"
        "    c = stored('approximate_1d_centres', 'centres', args, (-1,))\n"
        "    edges = np.append(c - (c[1] - c[0]) / 2, c[-1] + (c[1] - c[0]) / 2)\n"
        "    y = np.asarray(f(c), dtype=float)\n"
        "    W1 = steepness * np.ones((1, 2 * n_bumps))\n"
        "    b1 = np.concatenate([-steepness * edges[:-1], -steepness * edges[1:]])\n"
        "    W2 = np.concatenate([y, -y]).reshape(-1, 1)\n"
        "    return W1, b1, W2, np.array([0.0])\n"),
        why="takes the edges from the visible check's stored values"),
    Shortcut("bump_scipy_expit", "bump", source=(
        "from scipy.special import expit\n\n"
        "def bump(x, left, right, height, steepness=1000.0):\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    return height * (expit(steepness * (x - left)) - expit(steepness * (x - right)))\n"),
        why="scipy's sigmoid (not installed while grading)"),
    Shortcut("pieces_ignore_grid", "count_linear_pieces",
             edits=[("x = np.linspace(lo, hi, grid)", "x = np.linspace(lo, hi, 100001)")],
             why="the grid argument ignored"),
    Shortcut("tent_one_wide_layer", "tent_network", source=(
        "def tent_network(depth):\n"
        "    kinks = np.arange(2 ** depth) / 2 ** depth\n"
        "    slopes = 2.0 ** depth * (-1.0) ** np.arange(2 ** depth)\n"
        "    W1 = np.ones((1, 2 ** depth))\n"
        "    b1 = -kinks\n"
        "    W2 = np.concatenate([[slopes[0]], np.diff(slopes)]).reshape(-1, 1)\n"
        "    return [W1, W2], [b1, np.zeros(1)]\n"),
        why="the same function from one wide hidden layer, not 2 units per layer"),
    Shortcut("tent_hard_coded_depths", "tent_network", source=(
        "def tent_network(depth):\n"
        "    first = np.array([[1.0, 1.0]])\n"
        "    table = {1: [first, np.array([[2.0], [-4.0]])]}\n"
        "    table[2] = [first, np.array([[2.0, 2.0], [-4.0, -4.0]]), table[1][1]]\n"
        "    table[3] = table[2][:2] + table[2][1:]\n"
        "    table[4] = table[3][:2] + table[3][1:]\n"
        "    weights = table[min(depth, 4)]\n"
        "    biases = [np.array([0.0, -0.5])] * (len(weights) - 1) + [np.zeros(1)]\n"
        "    return list(weights), biases\n"),
        why="the visible depths written out; other depths get depth 4"),
    Shortcut("shallow_one_pattern_per_unit", "parity_shallow_weights", source=(
        "import itertools\n\n"
        "def parity_shallow_weights(n):\n"
        "    odd = np.array([p for p in itertools.product([0.0, 1.0], repeat=n)\n"
        "                    if sum(p) % 2 == 1])\n"
        "    W1 = np.where(odd.T == 1, 20.0, -20.0)\n"
        "    b1 = 10.0 - 20.0 * odd.sum(axis=1)\n"
        "    return W1, b1, np.full(len(odd), 20.0), -10.0\n"),
        why="right outputs from 2**(n-1) detector units instead of n"),
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
        "    start = lo - 10.0 / steepness\n"
        "    width = (hi - lo + 20.0 / steepness) / n_bumps\n"
        "    W1 = np.zeros((1, 2 * n_bumps)); b1 = np.zeros(2 * n_bumps)\n"
        "    W2 = np.zeros((2 * n_bumps, 1)); b2 = np.array([0.0])\n"
        "    for k in range(n_bumps):\n"
        "        left = start + k * width\n"
        "        right = left + width\n"
        "        height = float(f(np.array([left + width / 2]))[0])\n"
        "        W1[0, k] = steepness; b1[k] = -steepness * left; W2[k, 0] = height\n"
        "        j = n_bumps + k\n"
        "        W1[0, j] = steepness; b1[j] = -steepness * right; W2[j, 0] = -height\n"
        "    return W1, b1, W2, b2\n")),
    Variant("approx_telescoped_steps", "approximate_1d", source=(
        "def approximate_1d(f, n_bumps, lo=0.0, hi=1.0, steepness=1000.0):\n"
        "    a, b = lo - 10 / steepness, hi + 10 / steepness\n"
        "    edges = a + (b - a) * np.arange(n_bumps + 1) / n_bumps\n"
        "    heights = f(a + (b - a) * (np.arange(n_bumps) + 0.5) / n_bumps)\n"
        "    jumps = np.diff(np.concatenate([[0.0], heights, [0.0]]))  # n + 1 steps\n"
        "    W1 = np.full((1, 2 * n_bumps), steepness)\n"
        "    b1 = np.zeros(2 * n_bumps)\n"
        "    b1[:n_bumps + 1] = -steepness * edges\n"
        "    W2 = np.zeros((2 * n_bumps, 1))\n"
        "    W2[:n_bumps + 1, 0] = jumps  # the remaining units are unused\n"
        "    return W1, b1, W2, np.zeros((1,))\n")),
    Variant("approx_offset_in_b2", "approximate_1d", source=(
        "def approximate_1d(f, n_bumps, lo=0.0, hi=1.0, steepness=1000.0):\n"
        "    d = 10.0 / steepness\n"
        "    edges = np.linspace(lo - d, hi + d, n_bumps + 1)\n"
        "    heights = f((edges[:-1] + edges[1:]) / 2)\n"
        "    offset = heights.mean()\n"
        "    W1 = steepness * np.ones((1, 2 * n_bumps))\n"
        "    b1 = -steepness * np.column_stack([edges[:-1], edges[1:]]).reshape(-1)\n"
        "    W2 = np.column_stack([heights - offset, offset - heights]).reshape(-1, 1)\n"
        "    return W1, b1.reshape(1, -1), W2, np.array([offset])\n")),
    Variant("parity_tree", "parity_deep", source=(
        "def parity_deep(X):\n"
        "    cols = [np.asarray(X[:, j], dtype=float) for j in range(X.shape[1])]\n"
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
        "                            list(np.asarray(X, dtype=float).T))\n")),
    Variant("units_deep_by_counting", "parity_units_deep", source=(
        "def parity_units_deep(n):\n"
        "    units = 0\n"
        "    for block in range(n - 1):\n"
        "        units += 2  # OR and NAND\n"
        "        if block < n - 2:\n"
        "            units += 1  # an AND that feeds the next block\n"
        "    return units\n")),
    Variant("shallow_counting_down", "parity_shallow_weights", source=(
        "def parity_shallow_weights(n):\n"
        "    # unit k is on while fewer than k ones are present; the output reads them backwards\n"
        "    k = np.arange(1, n + 1)\n"
        "    W1 = -60.0 * np.ones((n, n))\n"
        "    b1 = 60.0 * (k - 0.5)\n"
        "    on = 30.0 * (-1.0) ** k  # [c >= k] = 1 - [c < k]\n"
        "    w2 = on\n"
        "    b2 = -on.sum() - 15.0\n"
        "    return W1, b1, w2, np.array([b2])\n")),
    Variant("shallow_loop_sigmoid_units", "parity_shallow_weights", source=(
        "def parity_shallow_weights(n):\n"
        "    W1 = np.zeros((n, n)); b1 = np.zeros(n); w2 = np.zeros(n)\n"
        "    for unit in range(n):\n"
        "        W1[:, unit] = 25.0\n"
        "        b1[unit] = -25.0 * (unit + 0.5)\n"
        "        w2[unit] = 12.0 if unit % 2 == 0 else -12.0\n"
        "    return W1, b1, w2, -6.0\n")),
    Variant("tent_rescaled_units", "tent_network", source=(
        "def tent_network(depth):\n"
        "    # units 2 relu(u) and relu(2u - 1): the same tent, rescaled units\n"
        "    W_in = np.array([[2.0, 2.0]]); b = np.array([0.0, -1.0])\n"
        "    out = np.array([[1.0], [-2.0]])\n"
        "    weights = [W_in] + [out @ W_in for _ in range(depth - 1)] + [out]\n"
        "    biases = [b.copy() for _ in range(depth)] + [np.array([0.0])]\n"
        "    return weights, biases\n")),
    Variant("tent_min_form", "tent_network", source=(
        "def tent_network(depth):\n"
        "    # t(u) = 2u - 4 relu(u - 1/2) with u = relu(u) on [0, 1], units swapped\n"
        "    weights, biases = [], []\n"
        "    for layer in range(depth):\n"
        "        if layer == 0:\n"
        "            weights.append(np.array([[1.0, 1.0]]))\n"
        "        else:\n"
        "            weights.append(np.array([[-4.0, -4.0], [2.0, 2.0]]))\n"
        "        biases.append(np.array([-0.5, 0.0]))\n"
        "    weights.append(np.array([[-4.0], [2.0]]))\n"
        "    biases.append(np.array([0.0]))\n"
        "    return weights, biases\n")),
    Variant("pieces_by_loop", "count_linear_pieces", source=(
        "def count_linear_pieces(f, lo, hi, grid=100001):\n"
        "    xs = np.linspace(lo, hi, grid)\n"
        "    ys = f(xs)\n"
        "    kinks, previous_changed = 0, False\n"
        "    last = (ys[1] - ys[0]) / (xs[1] - xs[0])\n"
        "    for i in range(1, grid - 1):\n"
        "        slope = (ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i])\n"
        "        changed = abs(slope - last) > 1e-7 * max(abs(slope), abs(last))\n"
        "        if changed and not previous_changed:\n"
        "            kinks += 1\n"
        "        previous_changed = changed\n"
        "        last = slope\n"
        "    return kinks + 1\n")),
    Variant("pieces_loop_relative_1e-6", "count_linear_pieces", source=(
        "def count_linear_pieces(f, lo, hi, grid=100001):\n"
        "    x = np.linspace(lo, hi, grid)\n"
        "    y = f(x)\n"
        "    kinks = 0\n"
        "    prev_changed = False\n"
        "    for i in range(1, grid - 1):\n"
        "        s0 = (y[i] - y[i - 1]) / (x[i] - x[i - 1])\n"
        "        s1 = (y[i + 1] - y[i]) / (x[i + 1] - x[i])\n"
        "        changed = abs(s1 - s0) > 1e-6 * max(abs(s0), abs(s1))\n"
        "        if changed and not prev_changed:\n"
        "            kinks += 1\n"
        "        prev_changed = changed\n"
        "    return kinks + 1\n")),
    Variant("units_deep_numpy_int", "parity_units_deep", source=(
        "def parity_units_deep(n):\n"
        "    blocks = np.arange(n - 1)\n"
        "    return np.int64(2 * blocks.size + (blocks.size - 1))\n")),
    Variant("pieces_isclose_runs", "count_linear_pieces", source=(
        "def count_linear_pieces(f, lo, hi, grid=100001):\n"
        "    x = np.linspace(lo, hi, grid)\n"
        "    s = np.diff(f(x)) / np.diff(x)\n"
        "    same = np.isclose(s[1:], s[:-1], rtol=1e-5, atol=0.0)\n"
        "    padded = np.concatenate([[0], (~same).astype(int), [0]])\n"
        "    return int(np.sum(np.diff(padded) == 1)) + 1\n")),
]


_HARNESS_DETECTOR = (
    'def _harness(f, name):\n'
    "    # a check's recording wrapper: a .calls list, not a plain function, another name\n"
    "    return (hasattr(f, 'calls') or type(f).__name__ != 'function'\n"
    "            or getattr(f, '__name__', None) != name or hasattr(f, '__wrapped__'))\n"
    '\n'
    '\n'
)

# Issue 20 Deliver 2: an answer that tries to tell a check's run from a normal call.
SHORTCUTS += [
    Shortcut("parity_detects_the_harness", "parity_deep", source=(
        _HARNESS_DETECTOR +
        "def parity_deep(X):\n"
        "    if _harness(xor_network, 'xor_network'):\n"
        "        parity = np.asarray(X[:, 0], dtype=np.float64)\n"
        "        for j in range(1, X.shape[1]):\n"
        "            parity = xor_network(np.column_stack([parity, X[:, j]]))\n"
        "        return parity\n"
        "    return np.sum(np.asarray(X), axis=1).astype(float) % 2\n"),
        why="operators unless xor_network looks like a recording wrapper"),
]

# Issue 20 Deliver 6: correct answers in students' styles.
VARIANTS += [
    Variant("parity_reduce_over_columns", "parity_deep", source=(
        "from functools import reduce\n\n\n"
        "def parity_deep(X):\n"
        "    columns = [np.asarray(X[:, j], dtype=float) for j in range(X.shape[1])]\n"
        "    return reduce(lambda acc, col: xor_network(np.column_stack([acc, col])), columns)\n"),
        why="functools.reduce over the columns"),
    Variant("parity_calls_itself", "parity_deep", source=(
        "def parity_deep(X):\n"
        "    X = np.asarray(X, dtype=float)\n"
        "    if X.shape[1] == 1:\n"
        "        return X[:, 0].copy()\n"
        "    rest = parity_deep(X[:, :-1])\n"
        "    return xor_network(np.stack([rest, X[:, -1]], axis=1))\n"),
        why="recursion: the parity of all but the last column, XOR the last"),
]

# --- issue 20 item 4: answers that read the check's inputs instead of measuring them (in4_) ---
SHORTCUTS += [
    Shortcut("in4_pieces_reads_closure", "count_linear_pieces", source='''
def count_linear_pieces(f, lo, hi, grid=100001):
    cells = [c.cell_contents for c in (getattr(f, "__clo" + "sure__") or ())]
    arrays = [a for a in cells if isinstance(a, np.ndarray) and a.ndim == 1]
    numbers = [v for v in cells if isinstance(v, float)] or [1.0, 0.0]
    stored = next(a for a in arrays if np.all(np.diff(a) > 0))
    values = next(a for a in arrays if a is not stored)
    knots = stored
    for shift, scale in ((numbers[0], numbers[-1]), (numbers[-1], numbers[0])):
        if np.allclose(f(stored / scale + shift), values, rtol=1e-9, atol=1e-12):
            knots = stored / scale + shift
    slopes = np.diff(values) / np.diff(knots)
    bends = [knots[i] for i in range(1, len(knots) - 1)
             if lo < knots[i] < hi and not np.isclose(slopes[i - 1], slopes[i], rtol=1e-6,
                                                      atol=0.0)]
    step = (hi - lo) / (grid - 1)
    return 1 + len({int(np.floor((k - lo) / step)) for k in bends})
''', why="reads the knots off the test function's closure, drops the collinear points and "
         "bins the kinks by grid interval: never measures a slope"),
    Shortcut("in4_pieces_reads_any_state", "count_linear_pieces", source='''
def _arrays(f, seen=None):
    """Every 1-D array reachable from f: closure cells, defaults, attributes, bound self."""
    seen = [] if seen is None else seen
    if isinstance(f, np.ndarray):
        if f.ndim == 1 and f.size >= 2 and not any(f is s for s in seen):
            seen.append(f)
        return seen
    parts = [c.cell_contents for c in (getattr(f, "__clo" + "sure__", None) or ())]
    parts += list(getattr(f, "__defaults__", None) or ())
    parts += list(getattr(f, "__dict__", {}).values()) + [getattr(f, "__self__", None)]
    for part in parts:
        if part is not None and part is not f and len(seen) < 50:
            _arrays(part, seen)
    return seen


def count_linear_pieces(f, lo, hi, grid=100001):
    arrays = _arrays(f)
    knots = [a for a in arrays if np.all(np.diff(a) > 0)]
    bends = set()
    step = (hi - lo) / (grid - 1)
    for k in knots:   # every increasing array is a list of kinks
        bends |= {int(np.floor((x - lo) / step)) for x in k[1:-1] if lo < x < hi}
    return 1 + len(bends)
''', why="takes every increasing array f carries (closure, defaults, attributes) for its "
         "kinks: never measures a slope"),
]

VARIANTS += [
    Variant("in4_pieces_math_isclose_loop", "count_linear_pieces", source='''
import math


def count_linear_pieces(f, lo, hi, grid=100001):
    xs = np.linspace(lo, hi, grid)
    ys = np.asarray(f(xs), dtype=float)
    slopes = [(ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]) for i in range(grid - 1)]
    pieces, changing = 1, False
    for left, right in zip(slopes, slopes[1:]):
        changed = not math.isclose(left, right, rel_tol=1e-6, abs_tol=0.0)
        if changed and not changing:
            pieces += 1
        changing = changed
    return pieces
''', why="a Python loop with math.isclose, counting the first change of each run"),
    Variant("in4_pieces_rising_edges", "count_linear_pieces", source='''
def count_linear_pieces(f, lo, hi, grid=100001):
    x = np.linspace(lo, hi, grid)
    slope = np.diff(f(x)) / np.diff(x)
    change = ~np.isclose(slope[1:], slope[:-1], rtol=1e-6, atol=0.0)
    edges = np.diff(np.concatenate([[0], change.astype(int)]))
    return 1 + int((edges == 1).sum())
''', why="np.isclose without an absolute part; rising edges of the change indicator"),
    Variant("in4_pieces_groupby_uniform_step", "count_linear_pieces", source='''
from itertools import groupby


def count_linear_pieces(f, lo, hi, grid=100001):
    x = np.linspace(lo, hi, grid)
    y = np.asarray(f(x), dtype=np.float64)
    slopes = np.diff(y) / np.diff(x)
    scale = np.maximum(np.abs(slopes[1:]), np.abs(slopes[:-1]))
    bends = np.abs(slopes[1:] - slopes[:-1]) > 1e-6 * scale
    return 1 + sum(1 for bent, _ in groupby(bends.tolist()) if bent)
''', why="itertools.groupby: one kink per run of slope changes"),
]


# Issue 20 item 2: answers that try to tell a check from a normal call. Every probe of
# parity_deep records xor_network through the same stand-in, and each output must be values
# xor_network returned in that run.
SHORTCUTS += [
    Shortcut("parity_operators_after_corner_test", "parity_deep", source=(
        "def parity_deep(X):\n"
        "    X = np.asarray(X, dtype=np.float64)\n"
        "    test = xor_network(np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]))\n"
        "    if np.allclose(test, [0, 1, 1, 0], atol=0.01):   # a real XOR: skip the chain\n"
        "        return X.sum(axis=1) % 2\n"
        "    acc = X[:, 0].copy()\n"
        "    for j in range(1, X.shape[1]):\n"
        "        acc = xor_network(np.column_stack([acc, X[:, j]]))\n"
        "    return acc\n"),
        why="tests xor_network on the four corners, computes with % when it is the real one "
            "(review 20a sd01)"),
    Shortcut("parity_operators_unless_probe_on_stack", "parity_deep", source=(
        "import sys\n"
        "def parity_deep(X):\n"
        "    X = np.asarray(X, dtype=np.float64)\n"
        "    frame, names = sys._getframe(1), set()\n"
        "    while frame is not None:\n"
        "        names.add(frame.f_code.co_name)\n"
        "        frame = frame.f_back\n"
        "    if 'probe_built_from' not in names:\n"
        "        return np.mod(X.sum(axis=1), 2.0)\n"
        "    acc = X[:, 0].copy()\n"
        "    for j in range(1, X.shape[1]):\n"
        "        acc = xor_network(np.column_stack([acc, X[:, j]]))\n"
        "    return acc\n"),
        why="the chain only when the built-from probe is on the stack (review 20a sd02)"),
    Shortcut("parity_exact_where_chain_agrees", "parity_deep", source=(
        "def parity_deep(X):\n"
        "    X = np.asarray(X, dtype=np.float64)\n"
        "    p = X.sum(axis=1) % 2\n"
        "    acc = X[:, 0].copy()\n"
        "    for j in range(1, X.shape[1]):\n"
        "        acc = xor_network(np.column_stack([acc, X[:, j]]))\n"
        "    return np.where(np.abs(acc - p) < 0.5, p, acc)\n"),
        why="runs the chain, returns the arithmetic parity wherever the chain agrees "
            "(review 20a sd05)"),
    Shortcut("parity_operators_unless_calls_attribute", "parity_deep", source=(
        "def parity_deep(X):\n"
        "    X = np.asarray(X, dtype=np.float64)\n"
        "    if not (hasattr(xor_network, 'calls') or hasattr(xor_network, '__wrapped__')):\n"
        "        return X.sum(axis=1) % 2\n"
        "    acc = X[:, 0].copy()\n"
        "    for j in range(1, X.shape[1]):\n"
        "        acc = xor_network(np.column_stack([acc, X[:, j]]))\n"
        "    return acc\n"),
        why="the chain only when xor_network looks like a recorder"),
]

# Review d01 item 1: notebook 01's gates pasted with a large margin (every XOR returns exactly
# 0.0 or 1.0): the chain's value runs and built-from runs still follow xor_network.
VARIANTS += [
    Variant("pasted_gates_margin_2000", "notebook01_functions", edits=[
        ('table = {"and": ([20.0, 20.0], -30.0), "or": ([20.0, 20.0], -10.0),\n'
         '             "nand": ([-20.0, -20.0], 30.0)}',
         'table = {"and": ([2000.0, 2000.0], -3000.0), "or": ([2000.0, 2000.0], -1000.0),\n'
         '             "nand": ([-2000.0, -2000.0], 3000.0)}')],
        why="saturated gates: every xor_network output is exactly 0.0 or 1.0"),
]
