# ruff: noqa: E501 - answers kept as their student-side authors wrote them
"""Correct answers written from the student's side (student notebook and contract only)."""
from autograder.mutation import Variant

VARIANTS = [
    # --- bump ---------------------------------------------------------------------------
    Variant("student_bump_own_sigmoid_sigmoid", "bump", source=(
        "import numpy as np\n\n"
        "def bump(x, left, right, height, steepness=1000.0):\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    up = sigmoid(steepness * (x - left))      # unit 1 switches on at left\n"
        "    down = sigmoid(steepness * (x - right))   # unit 2 switches on at right\n"
        "    return height * (up - down)\n"),
        why="the two units written with the student's notebook-01 sigmoid"),
    Variant("student_bump_tanh_identity", "bump", source=(
        "import numpy as np\n\n"
        "def bump(x, left, right, height, steepness=1000.0):\n"
        "    z = np.array(x, dtype=np.float64)\n"
        "    # sigmoid(u) = (1 + tanh(u / 2)) / 2, and tanh never overflows\n"
        "    a = np.tanh(0.5 * steepness * (z - left))\n"
        "    c = np.tanh(0.5 * steepness * (z - right))\n"
        "    return 0.5 * height * (a - c)\n"),
        why="another stable formula: the sigmoid as a shifted tanh, the 1s cancel"),
    Variant("student_bump_as_network", "bump", source=(
        "import numpy as np\n\n"
        "def bump(x, left, right, height, steepness=1000.0):\n"
        "    points = np.asarray(x, dtype=np.float64)\n"
        "    s = float(steepness)\n"
        "    W1 = np.array([[s, s]])                       # (1, 2): two hidden units\n"
        "    b1 = np.array([-s * left, -s * right])\n"
        "    W2 = np.array([[height], [-height]], dtype=float)  # (2, 1): up minus down\n"
        "    b2 = np.zeros(1)\n"
        "    out = mlp_forward(points.reshape(-1, 1), [W1, W2], [b1, b2],\n"
        "                      activation=sigmoid)\n"
        "    return out.reshape(points.shape)\n"),
        why="a real 1-2-1 network evaluated with the student's mlp_forward and sigmoid"),
    # --- parity_units_deep --------------------------------------------------------------
    Variant("student_parity_units_loop", "parity_units_deep", source=(
        "def parity_units_deep(n):\n"
        "    units = 0\n"
        "    blocks = n - 1                 # one XOR block per extra input\n"
        "    for block in range(blocks):\n"
        "        units += 2                 # its OR and NAND units\n"
        "        if block < blocks - 1:\n"
        "            units += 1             # its AND feeds the next block: hidden too\n"
        "    return units\n"),
        why="counts block by block in a loop"),
    Variant("student_parity_units_recursive", "parity_units_deep", source=(
        "def parity_units_deep(n):\n"
        "    n = int(n)\n"
        "    if n == 2:\n"
        "        return 2  # one XOR: OR and NAND hidden, AND is the output\n"
        "    # one more input: the old output AND becomes hidden, plus a new OR and NAND\n"
        "    return parity_units_deep(n - 1) + 3\n"),
        why="recursion on n from the two-input XOR"),
    Variant("student_parity_units_sum_of_parts", "parity_units_deep", source=(
        "def parity_units_deep(n):\n"
        "    or_and_nand = 2 * (n - 1)\n"
        "    hidden_ands = (n - 1) - 1\n"
        "    return int(or_and_nand + hidden_ands)\n"),
        why="closed form written as the sum of the two kinds of hidden units"),
    # --- parity_shallow_weights ---------------------------------------------------------
    Variant("student_parity_shallow_vectorised_counting", "parity_shallow_weights", source=(
        "import numpy as np\n\n"
        "def parity_shallow_weights(n):\n"
        "    k = np.arange(1, n + 1)\n"
        "    a = 40.0                                 # steep hidden units\n"
        "    W1 = a * np.ones((n, n))                 # every unit sees the count of ones\n"
        "    b1 = -a * (k - 0.5)                      # unit k: 'at least k ones'\n"
        "    c = 20.0\n"
        "    w2 = c * (-1.0) ** (k + 1)               # +1 -1 +1 ...: odd counts sum to 1\n"
        "    b2 = -c / 2\n"
        "    return W1, b1, w2, float(b2)\n"),
        why="vectorised 'at least k ones' units with alternating output weights"),
    Variant("student_parity_shallow_at_most_units", "parity_shallow_weights", source=(
        "import numpy as np\n\n"
        "def parity_shallow_weights(n):\n"
        "    steep, out_scale = 30.0, 24.0\n"
        "    W1 = np.empty((n, n))\n"
        "    b1 = np.empty(n)\n"
        "    w2 = np.empty(n)\n"
        "    for j in range(n):\n"
        "        k = j + 1\n"
        "        # unit j is on when there are at most k - 1 ones (fewer than k)\n"
        "        W1[:, j] = -steep\n"
        "        b1[j] = steep * (k - 0.5)\n"
        "        # [count >= k] = 1 - unit; parity = sum_k (-1)^(k+1) [count >= k]\n"
        "        w2[j] = -out_scale * (1 if k % 2 == 1 else -1)\n"
        "    constant = 1.0 if n % 2 == 1 else 0.0   # sum_k (-1)^(k+1)\n"
        "    b2 = out_scale * (constant - 0.5)\n"
        "    return W1, b1, w2, b2\n"),
        why="loop-built 'fewer than k ones' units (the complement), with the constant in b2"),
    Variant("student_parity_shallow_margins_from_tolerance", "parity_shallow_weights", source=(
        "import numpy as np\n\n"
        "def parity_shallow_weights(n):\n"
        "    # output: sigmoid(+-c/2) must be within 0.001 of 1 or 0\n"
        "    c = 2.0 * np.log(1000.0) * 1.5\n"
        "    # hidden: each unit within about 1e-6 of a step, so n of them shift c * sum by little\n"
        "    a = 2.0 * np.log(1e6)\n"
        "    W1 = np.full((n, n), a)\n"
        "    b1 = -a * np.linspace(0.5, n - 0.5, n)      # thresholds 0.5, 1.5, ..., n - 0.5\n"
        "    w2 = c * np.resize([1.0, -1.0], n)          # alternating signs\n"
        "    b2 = -0.5 * c\n"
        "    return W1, b1, w2, b2\n"),
        why="np.full / np.linspace / np.resize, steepnesses computed from the 0.01 tolerance"),
    # --- tent_network -------------------------------------------------------------------
    Variant("student_tent_relu_pair_loop", "tent_network", source=(
        "import numpy as np\n\n"
        "def tent_network(depth):\n"
        "    # t(x) = 2 relu(x) - 4 relu(x - 1/2) on [0, 1]\n"
        "    fold_bias = np.array([0.0, -0.5])\n"
        "    weights = [np.array([[1.0, 1.0]])]\n"
        "    biases = [fold_bias.copy()]\n"
        "    for _ in range(depth - 1):\n"
        "        # the next layer's input t = 2 h1 - 4 h2, fed to both units\n"
        "        weights.append(np.array([[2.0, 2.0], [-4.0, -4.0]]))\n"
        "        biases.append(fold_bias.copy())\n"
        "    weights.append(np.array([[2.0], [-4.0]]))\n"
        "    biases.append(np.array([0.0]))\n"
        "    return weights, biases\n"),
        why="units relu(x) and relu(x - 1/2), loop over the middle layers"),
    Variant("student_tent_abs_form_outer", "tent_network", source=(
        "import numpy as np\n\n"
        "def tent_network(depth):\n"
        "    # t(x) = 1 - |2x - 1| = 1 - relu(2x - 1) - relu(1 - 2x)\n"
        "    into_units = np.array([[2.0, -2.0]])          # x -> (2x, -2x)\n"
        "    unit_bias = np.array([-1.0, 1.0])\n"
        "    read_out = np.array([-1.0, -1.0])             # t = 1 - u1 - u2\n"
        "    read_bias = 1.0\n"
        "    weights = [into_units]\n"
        "    biases = [unit_bias]\n"
        "    for _ in range(1, depth):\n"
        "        # compose: units of (read_out . h + read_bias)\n"
        "        weights.append(np.outer(read_out, into_units[0]))\n"
        "        biases.append(unit_bias + read_bias * into_units[0])\n"
        "    weights.append(read_out.reshape(2, 1))\n"
        "    biases.append(np.array([read_bias]))\n"
        "    return weights, biases\n"),
        why="a different decomposition (1 - |2x - 1|), middle layers composed with np.outer"),
    Variant("student_tent_centred_units_shared", "tent_network", source=(
        "import numpy as np\n\n"
        "def tent_network(depth):\n"
        "    # t(x) = 1 - 2|x - 1/2| = 1 - 2 relu(x - 1/2) - 2 relu(1/2 - x)\n"
        "    first_W = np.array([[1.0, -1.0]])\n"
        "    first_b = np.array([-0.5, 0.5])\n"
        "    # a later layer sees t = 1 - 2 u1 - 2 u2 and makes relu(t - 1/2), relu(1/2 - t)\n"
        "    middle_W = np.array([[-2.0, 2.0], [-2.0, 2.0]])\n"
        "    middle_b = np.array([0.5, -0.5])\n"
        "    last_W = np.array([[-2.0], [-2.0]])\n"
        "    last_b = np.array([1.0])\n"
        "    weights = [first_W] + [middle_W] * (depth - 1) + [last_W]\n"
        "    biases = [first_b] + [middle_b] * (depth - 1) + [last_b]\n"
        "    return weights, biases\n"),
        why="units centred on 1/2, list concatenation (the middle layers share one array)"),
    # --- approximate_1d -----------------------------------------------------------------
    Variant("student_approx_interleaved_loop", "approximate_1d", source=(
        "import numpy as np\n\n"
        "def approximate_1d(f, n_bumps, lo=0.0, hi=1.0, steepness=1000.0):\n"
        "    s = float(steepness)\n"
        "    start = lo - 10.0 / s\n"
        "    width = (hi + 10.0 / s - start) / n_bumps       # n equal pieces\n"
        "    centres = np.array([start + (k + 0.5) * width for k in range(n_bumps)])\n"
        "    heights = np.asarray(f(centres), dtype=float).reshape(n_bumps)\n"
        "    W1 = np.zeros((1, 2 * n_bumps))\n"
        "    b1 = np.zeros(2 * n_bumps)\n"
        "    W2 = np.zeros((2 * n_bumps, 1))\n"
        "    for k in range(n_bumps):\n"
        "        left = start + k * width\n"
        "        right = start + (k + 1) * width\n"
        "        # column 2k: up at left; column 2k + 1: down at right\n"
        "        W1[0, 2 * k], b1[2 * k] = s, -s * left\n"
        "        W1[0, 2 * k + 1], b1[2 * k + 1] = s, -s * right\n"
        "        W2[2 * k, 0], W2[2 * k + 1, 0] = heights[k], -heights[k]\n"
        "    b2 = np.zeros(1)\n"
        "    return W1, b1, W2, b2\n"),
        why="loop over the bumps, each pair of units in neighbouring columns"),
    Variant("student_approx_blocks_concatenated", "approximate_1d", source=(
        "import numpy as np\n\n"
        "def approximate_1d(f, n_bumps, lo=0.0, hi=1.0, steepness=1000.0):\n"
        "    margin = 10.0 / steepness\n"
        "    edges = np.linspace(lo - margin, hi + margin, n_bumps + 1)\n"
        "    centres = 0.5 * (edges[:-1] + edges[1:])\n"
        "    heights = np.asarray(f(centres), dtype=np.float64).ravel()\n"
        "    # first n units step up at the left edges, the last n step up at the right edges\n"
        "    thresholds = np.concatenate([edges[:-1], edges[1:]])\n"
        "    W1 = np.full((1, 2 * n_bumps), float(steepness))\n"
        "    b1 = -steepness * thresholds\n"
        "    W2 = np.concatenate([heights, -heights]).reshape(-1, 1)\n"
        "    b2 = np.array([0.0])\n"
        "    return W1, b1, W2, b2\n"),
        why="vectorised: all up units, then all down units, np.linspace edges"),
    Variant("student_approx_kron_pairs", "approximate_1d", source=(
        "import numpy as np\n\n"
        "def approximate_1d(f, n_bumps, lo=0.0, hi=1.0, steepness=1000.0):\n"
        "    s = steepness\n"
        "    k = np.arange(n_bumps + 1)\n"
        "    a, c = lo - 10 / s, hi + 10 / s\n"
        "    edges = a + (c - a) * k / n_bumps\n"
        "    pairs = np.stack([edges[:-1], edges[1:]], axis=1)      # (n, 2): left, right\n"
        "    heights = np.asarray(f(pairs.mean(axis=1)), dtype=float).reshape(-1)\n"
        "    W1 = s * np.ones((1, 2 * n_bumps))\n"
        "    b1 = -s * pairs.reshape(-1)                              # left0, right0, left1, ...\n"
        "    W2 = np.kron(heights, np.array([1.0, -1.0]))[:, None]   # +h, -h per pair\n"
        "    b2 = np.zeros((1,))\n"
        "    return W1, b1, W2, b2\n"),
        why="edges from an index formula, (left, right) pairs flattened, np.kron for the signs"),
    # --- parity_deep --------------------------------------------------------------------
    Variant("student_parity_running_value", "parity_deep", source=(
        "import numpy as np\n\n"
        "def parity_deep(X):\n"
        "    X = np.asarray(X, dtype=np.float64)\n"
        "    p = X[:, 0].copy()                  # p_1 = x_1\n"
        "    for j in range(1, X.shape[1]):\n"
        "        p = xor_network(np.column_stack([p, X[:, j]]))   # p_j = XOR(p_{j-1}, x_j)\n"
        "    return p\n"),
        why="the lesson's recurrence as a loop with a running value"),
    Variant("student_parity_reduce_columns", "parity_deep", source=(
        "from functools import reduce\n"
        "import numpy as np\n\n"
        "def parity_deep(X):\n"
        "    columns = list(np.array(X, dtype=float).T)   # my own float copy, one column each\n"
        "    chained = reduce(lambda acc, col: xor_network(np.stack([acc, col], axis=1)),\n"
        "                     columns)\n"
        "    return np.asarray(chained, dtype=float).reshape(-1)\n"),
        why="functools.reduce over the columns"),
    Variant("student_parity_recursive_helper", "parity_deep", source=(
        "import numpy as np\n\n"
        "def _chain(P):\n"
        "    # parity of the first k columns = XOR(parity of the first k - 1, column k)\n"
        "    if P.shape[1] == 1:\n"
        "        return P[:, 0]\n"
        "    pair = np.empty((P.shape[0], 2))\n"
        "    pair[:, 0] = _chain(P[:, :-1])\n"
        "    pair[:, 1] = P[:, -1]\n"
        "    return xor_network(pair)\n\n\n"
        "def parity_deep(X):\n"
        "    P = np.array(X, dtype=np.float64, copy=True)\n"
        "    return np.array(_chain(P), dtype=np.float64)\n"),
        why="recursion on the number of columns, pairs written into a preallocated (N, 2)"),
    # --- count_linear_pieces ------------------------------------------------------------
    Variant("student_pieces_vectorised_run_starts", "count_linear_pieces", source=(
        "import numpy as np\n\n"
        "def count_linear_pieces(f, lo, hi, grid=100001):\n"
        "    x = np.linspace(lo, hi, grid)\n"
        "    y = np.asarray(f(x), dtype=np.float64)\n"
        "    slopes = np.diff(y) / np.diff(x)\n"
        "    a, b = slopes[:-1], slopes[1:]\n"
        "    changed = np.abs(b - a) > 1e-6 * np.maximum(np.abs(a), np.abs(b))\n"
        "    # a run of consecutive changes is one kink: count the places where a run starts\n"
        "    starts = changed & ~np.concatenate([[False], changed[:-1]])\n"
        "    return int(np.count_nonzero(starts)) + 1\n"),
        why="vectorised: changes as a boolean array, kinks = starts of runs"),
    Variant("student_pieces_python_loop", "count_linear_pieces", source=(
        "import numpy as np\n\n"
        "def _same_slope(s1, s2, rtol=1e-6):\n"
        "    return abs(s1 - s2) <= rtol * max(abs(s1), abs(s2))\n\n\n"
        "def count_linear_pieces(f, lo, hi, grid=100001):\n"
        "    xs = np.linspace(lo, hi, grid)\n"
        "    ys = np.asarray(f(xs), dtype=float)\n"
        "    slopes = ((ys[1:] - ys[:-1]) / (xs[1:] - xs[:-1])).tolist()\n"
        "    kinks = 0\n"
        "    inside_kink = False\n"
        "    for i in range(len(slopes) - 1):\n"
        "        if _same_slope(slopes[i], slopes[i + 1]):\n"
        "            inside_kink = False\n"
        "        else:\n"
        "            if not inside_kink:\n"
        "                kinks += 1        # a new kink starts here\n"
        "            inside_kink = True\n"
        "    return kinks + 1\n"),
        why="plain Python loop with an 'inside a kink' flag and a tolerance helper"),
    Variant("student_pieces_gaps_between_changes", "count_linear_pieces", source=(
        "import numpy as np\n\n"
        "def count_linear_pieces(f, lo, hi, grid=100001):\n"
        "    points = np.linspace(lo, hi, num=grid)\n"
        "    values = np.asarray(f(points), dtype=np.float64).reshape(-1)\n"
        "    slope = np.diff(values) / np.diff(points)\n"
        "    larger = np.maximum(np.abs(slope[1:]), np.abs(slope[:-1]))\n"
        "    where = np.flatnonzero(np.abs(np.diff(slope)) > 1e-6 * larger)\n"
        "    if where.size == 0:\n"
        "        return 1\n"
        "    # changes at neighbouring positions belong to one kink: a new kink after each gap\n"
        "    kinks = 1 + int(np.sum(np.diff(where) > 1))\n"
        "    return kinks + 1\n"),
        why="indices of the slope changes, kinks counted from the gaps between them"),
]
