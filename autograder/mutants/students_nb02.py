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
]
