"""Mutation catalogue for 01_neuron_and_xor: plausible student bugs, and correct variants."""

from autograder.mutation import Mutant, Shortcut, Variant

MUTANTS = [
    Mutant("sigmoid_unstable", "sigmoid", source=(
        "def sigmoid(z):\n    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))\n"),
        why="overflows (with a warning) at z = -1000"),
    Mutant("sigmoid_where_both_branches", "sigmoid", source=(
        "def sigmoid(z):\n    z = np.asarray(z, dtype=float)\n"
        "    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))\n"),
        why="np.where evaluates both branches: overflow warnings at |z| = 1000"),
    Mutant("sigmoid_sign_flipped", "sigmoid",
           edits=[("1.0 / (1.0 + e), e / (1.0 + e)", "e / (1.0 + e), 1.0 / (1.0 + e)")],
           why="computes sigmoid(-z)"),
    Mutant("neuron_missing_bias", "neuron",
           edits=[("return activation(x @ w + b)", "return activation(x @ w)")]),
    Mutant("neuron_ignores_activation", "neuron",
           edits=[("return activation(x @ w + b)", "return sigmoid(x @ w + b)")]),
    Mutant("nand_is_and", "logic_gate_weights",
           edits=[('"nand": (np.array([-20.0, -20.0]), 30.0)',
                   '"nand": (np.array([20.0, 20.0]), -30.0)')]),
    Mutant("gates_margin_too_small", "logic_gate_weights",
           edits=[('"or": (np.array([20.0, 20.0]), -10.0)',
                   '"or": (np.array([2.0, 2.0]), -1.0)')],
           why="right side of the line, but outputs 0.27/0.73 instead of within 0.01"),
    Mutant("unknown_gate_returns_none", "logic_gate_weights",
           edits=[("raise ValueError(f\"no single neuron for gate {gate!r}\")",
                   "return None")]),
    Mutant("xor_uses_and_twice", "xor_network",
           edits=[('h_nand = neuron(X, *logic_gate_weights("nand"))',
                   'h_nand = neuron(X, *logic_gate_weights("and"))')]),
    Mutant("perceptron_no_bias_update", "perceptron_train",
           edits=[("b = b + lr * (t_i - o)", "b = b")]),
    Mutant("perceptron_step_at_zero", "perceptron_train",
           edits=[("x_i @ w + b > 0", "x_i @ w + b >= 0")]),
    Mutant("perceptron_mistakes_cumulative", "perceptron_train",
           edits=[("    for _ in range(max_epochs):\n        count = 0\n",
                   "    count = 0\n    for _ in range(max_epochs):\n")]),
    Mutant("perceptron_never_stops_early", "perceptron_train",
           edits=[("        if count == 0:\n            break\n", "")]),
    Mutant("perceptron_sign_flipped", "perceptron_train",
           edits=[("w = w + lr * (t_i - o) * x_i", "w = w + lr * (o - t_i) * x_i"),
                  ("b = b + lr * (t_i - o)", "b = b + lr * (o - t_i)")]),
    Mutant("count_weights_only", "count_parameters",
           edits=[("d_in * d_out + d_out", "d_in * d_out")]),
    Mutant("count_bias_per_input", "count_parameters",
           edits=[("d_in * d_out + d_out", "d_in * d_out + d_in")]),
    Mutant("init_variance_not_std", "init_mlp",
           edits=[("1.0 / np.sqrt(d_in)", "1.0 / d_in")]),
    Mutant("init_fan_out", "init_mlp",
           edits=[("1.0 / np.sqrt(d_in)", "1.0 / np.sqrt(d_out)")]),
    Mutant("init_transposed", "init_mlp",
           edits=[("size=(d_in, d_out)", "size=(d_out, d_in)")]),
    Mutant("forward_activation_on_output", "mlp_forward",
           edits=[("        if i < len(weights) - 1:\n            h = activation(h)\n",
                   "        h = activation(h)\n")]),
    Mutant("forward_missing_bias", "mlp_forward", edits=[("h = h @ W + b", "h = h @ W")]),
    Mutant("forward_hardcoded_tanh", "mlp_forward",
           edits=[("h = activation(h)", "h = np.tanh(h)")]),
    Mutant("xor_output_column", "xor_network",
           edits=[('return neuron(hidden, *logic_gate_weights("and"))',
                   'return neuron(hidden, *logic_gate_weights("and")).reshape(-1, 1)')],
           why="shape (N, 1) instead of (N,)"),
    Mutant("xor_or_and_or", "xor_network",
           edits=[('return neuron(hidden, *logic_gate_weights("and"))',
                   'return neuron(hidden, *logic_gate_weights("or"))')],
           why="output gate OR instead of AND: 1 at (1, 1)"),
    Mutant("collapse_bias_not_propagated", "collapse_linear",
           edits=[("b = b @ W_next + b_next", "b = b + b_next")],
           why="adds the biases without passing them through the later weights"),
    Mutant("collapse_product_reversed", "collapse_linear",
           edits=[("W = W @ W_next", "W = W_next @ W")],
           why="multiplies the layers in the wrong order (only square stacks run)"),
    Mutant("collapse_last_bias_only", "collapse_linear",
           edits=[("b = b @ W_next + b_next", "b = b_next")]),
    Mutant("collapse_bias_through_next_only", "collapse_linear", source=(
        "def collapse_linear(weights, biases):\n"
        "    W = np.array(weights[0], dtype=np.float64)\n"
        "    for W_next in weights[1:]:\n"
        "        W = W @ W_next\n"
        "    b = np.array(biases[-1], dtype=np.float64)\n"
        "    for i in range(len(biases) - 1):\n"
        "        b = b + biases[i] @ weights[i + 1]\n"
        "    return W, b\n"),
        why="each bias goes through the next layer's weights only, not all later ones"),
    Mutant("collapse_mutates_inputs", "collapse_linear", source=(
        "def collapse_linear(weights, biases):\n"
        "    W, b = weights[0], biases[0]\n"
        "    for W_next, b_next in zip(weights[1:], biases[1:]):\n"
        "        W = W @ W_next\n"
        "        b = b @ W_next\n"
        "        b += b_next\n"
        "        b_next[...] = b\n"
        "    return W, b\n"),
        why="writes its running bias into the caller's bias arrays"),
    Mutant("init_uniform_right_variance", "init_mlp",
           edits=[("rng.normal(0.0, 1.0 / np.sqrt(d_in), size=(d_in, d_out))",
                   "rng.uniform(-np.sqrt(3.0 / d_in), np.sqrt(3.0 / d_in), size=(d_in, d_out))")],
           why="uniform draws with the right variance: not N(0, 1/d_in) (review 01, s08)"),
    Mutant("neuron_default_tanh", "neuron",
           edits=[("def neuron(x, w, b, activation=sigmoid):",
                   "def neuron(x, w, b, activation=np.tanh):")],
           why="the default activation is not the sigmoid"),
    Mutant("collapse_ignores_biases", "collapse_linear",
           edits=[("b = b @ W_next + b_next", "b = 0 * b_next")]),
    # review r12 (notebooks 01/02 read as a student): wrong answers the visible checks passed
    Mutant("r12_sigmoid_empty_like_int", "sigmoid", source=(
        "def sigmoid(z):\n    z = np.asarray(z)\n    out = np.empty_like(z)\n    pos = z >= 0\n"
        "    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))\n"
        "    e = np.exp(z[~pos])\n    out[~pos] = e / (1.0 + e)\n    return out\n"),
        why="np.empty_like of an int array is an int array: sigmoid of [-3, 0, 3] is [0, 0, 0]"),
    Mutant("r12_sigmoid_overwrites_input", "sigmoid", source=(
        "def sigmoid(z):\n    if not isinstance(z, np.ndarray) or z.dtype != np.float64:\n"
        "        z = np.asarray(z, dtype=np.float64)\n"
        "    e = np.exp(-np.abs(z))\n"
        "    z[...] = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n    return z\n"),
        why="writes the result into the caller's array"),
    Mutant("r12_neuron_overwrites_x", "neuron", source=(
        "def neuron(x, w, b, activation=sigmoid):\n    out = activation(x @ w + b)\n"
        "    x[...] = 0\n    return out\n"),
        why="zeroes the caller's inputs after computing"),
    Mutant("r12_perceptron_batch_update", "perceptron_train", source=(
        "def perceptron_train(X, t, lr=1.0, max_epochs=100):\n"
        "    X = np.asarray(X, float); t = np.asarray(t, float)\n"
        "    w = np.zeros(X.shape[1]); b = 0.0; mistakes = []\n"
        "    for _ in range(max_epochs):\n"
        "        o = (X @ w + b > 0).astype(float)\n"
        "        m = int((o != t).sum()); mistakes.append(m)\n"
        "        w = w + lr * (t - o) @ X; b = b + lr * (t - o).sum()\n"
        "        if m == 0:\n            break\n"
        "    return w, b, mistakes\n"),
        why="one update per epoch (batch), not after every example"),
    Mutant("r12_perceptron_starts_at_ones", "perceptron_train",
           edits=[("w = np.zeros(X.shape[1])", "w = np.ones(X.shape[1])")],
           why="w does not start at zero"),
    Mutant("r12_count_float", "count_parameters",
           edits=[("return int(sum(", "return float(sum(")],
           why="returns a float; the contract says int"),
    Mutant("r12_forward_zeroes_weights", "mlp_forward",
           edits=[("    return h\n", "    weights[0][...] = 0.0\n    return h\n")],
           why="changes the caller's weights after computing"),
    Mutant("r12_collapse_zeroes_bias", "collapse_linear",
           edits=[("    return W, b\n", "    biases[0][...] = 0.0\n    return W, b\n")],
           why="changes the caller's first bias after computing"),
]

SHORTCUTS = [
    Shortcut("init_standardised_draws", "init_mlp", source=(
        "def init_mlp(dims, rng):\n"
        "    weights, biases = [], []\n"
        "    for d_in, d_out in zip(dims[:-1], dims[1:]):\n"
        "        W = rng.normal(size=(d_in, d_out))\n"
        "        W = (W - W.mean()) / W.std() / np.sqrt(d_in)\n"
        "        weights.append(W)\n"
        "        biases.append(np.zeros(d_out))\n"
        "    return weights, biases\n"),
        why="draws, then forces the mean and spread to the target exactly: the entries are "
            "no longer independent draws (review 20c H5)"),
    Shortcut("xor_by_not_equal", "xor_network", source=(
        "def xor_network(X):\n"
        "    return (X[:, 0] != X[:, 1]).astype(float)\n"),
        why="XOR by a comparison, no neurons"),
    Shortcut("xor_by_caret", "xor_network", source=(
        "def xor_network(X):\n"
        "    bits = np.asarray(X).astype(int)\n"
        "    return (bits[:, 0] ^ bits[:, 1]).astype(float)\n"),
        why="XOR by the ^ operator"),
    Shortcut("xor_lookup_table", "xor_network", source=(
        "def xor_network(X):\n"
        "    table = {(0, 0): 0.0, (0, 1): 1.0, (1, 0): 1.0, (1, 1): 0.0}\n"
        "    return np.array([table[(int(a), int(b))] for a, b in X])\n"),
        why="XOR from a lookup table"),
    Shortcut("xor_neurons_then_operator", "xor_network", source=(
        "def xor_network(X):\n"
        "    h = neuron(X, *logic_gate_weights('or')) * neuron(X, *logic_gate_weights('nand'))\n"
        "    return np.abs(X[:, 0] - X[:, 1]) + 0 * h\n"),
        why="calls the neurons for show, answers with arithmetic on the inputs"),
    Shortcut("xor_hand_typed_weights", "xor_network", source=(
        "def xor_network(X):\n"
        "    h1 = neuron(X, np.array([20.0, 20.0]), -10.0)\n"
        "    h2 = neuron(X, np.array([-20.0, -20.0]), 30.0)\n"
        "    return neuron(np.stack([h1, h2], axis=1), np.array([20.0, 20.0]), -30.0)\n"),
        why="neurons with hand-typed weights, never asking logic_gate_weights"),
    Shortcut("xor_sigmoid_not_neuron", "xor_network", source=(
        "def xor_network(X):\n"
        "    (w1, b1), (w2, b2), (w3, b3) = (logic_gate_weights(g)\n"
        "                                    for g in ('or', 'nand', 'and'))\n"
        "    H = sigmoid(X @ np.column_stack([w1, w2]) + np.array([b1, b2]))\n"
        "    return sigmoid(H @ w3 + b3)\n"),
        why="bypasses neuron(): the rule says built from neuron and logic_gate_weights"),
    Shortcut("xor_step_activation", "xor_network", source=(
        "def xor_network(X):\n"
        "    step = lambda z: (z > 0).astype(float)\n"
        "    h_or = neuron(X, *logic_gate_weights('or'), activation=step)\n"
        "    h_nand = neuron(X, *logic_gate_weights('nand'), activation=step)\n"
        "    return neuron(np.stack([h_or, h_nand], axis=1), *logic_gate_weights('and'),\n"
        "                  activation=step)\n"),
        why="the real gate weights with a step activation: a lookup table (review 01, s05)"),
    Shortcut("xor_round_every_neuron", "xor_network", source=(
        "def xor_network(X):\n"
        "    h_or = np.round(neuron(X, *logic_gate_weights('or')))\n"
        "    h_nand = np.round(neuron(X, *logic_gate_weights('nand')))\n"
        "    return np.round(neuron(np.stack([h_or, h_nand], axis=1),\n"
        "                           *logic_gate_weights('and')))\n"),
        why="every neuron's output rounded to 0/1 (review 01, s06)"),
    Shortcut("xor_round_output", "xor_network", source=(
        "def xor_network(X):\n"
        "    h_or = neuron(X, *logic_gate_weights('or'))\n"
        "    h_nand = neuron(X, *logic_gate_weights('nand'))\n"
        "    out = neuron(np.stack([h_or, h_nand], axis=1), *logic_gate_weights('and'))\n"
        "    return np.round(out, 2)\n"),
        why="the output rounded to 2 places (review 01, s21)"),
    Shortcut("xor_round_hidden", "xor_network", source=(
        "def xor_network(X):\n"
        "    h_or = neuron(X, *logic_gate_weights('or'))\n"
        "    h_nand = neuron(X, *logic_gate_weights('nand'))\n"
        "    hidden = np.round(np.stack([h_or, h_nand], axis=1))\n"
        "    return neuron(hidden, *logic_gate_weights('and'))\n"),
        why="the hidden layer rounded to 0/1 before the output neuron"),
    Shortcut("sigmoid_silenced_naive", "sigmoid", source=(
        "def sigmoid(z):\n"
        "    with np.errstate(all='ignore'):\n"
        "        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))\n"),
        why="the overflowing formula with numpy's warnings silenced (review 01)"),
    Shortcut("sigmoid_warnings_filtered", "sigmoid", source=(
        "import warnings\n"
        "def sigmoid(z):\n"
        "    warnings.simplefilter('ignore')\n"
        "    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))\n"),
        why="the overflowing formula with Python's warnings filtered out"),
    Shortcut("init_global_rng", "init_mlp",
             edits=[("rng.normal(0.0, 1.0 / np.sqrt(d_in), size=(d_in, d_out))",
                     "np.random.normal(0.0, 1.0 / np.sqrt(d_in), size=(d_in, d_out))")],
             why="ignores the rng argument (global np.random)"),
    Shortcut("init_own_seeded_rng", "init_mlp",
             edits=[("rng.normal(0.0, 1.0 / np.sqrt(d_in), size=(d_in, d_out))",
                     "np.random.default_rng(0).normal(0.0, 1.0 / np.sqrt(d_in), "
                     "size=(d_in, d_out))")],
             why="ignores the rng argument (a generator of its own, always seed 0)"),
    Shortcut("sigmoid_scipy_expit", "sigmoid", source=(
        "def sigmoid(z):\n"
        "    from scipy.special import expit\n"
        "    return expit(np.asarray(z, dtype=float))\n"),
        why="scipy instead of numpy"),
    Shortcut("forward_torch", "mlp_forward", source=(
        "def mlp_forward(X, weights, biases, activation=np.tanh):\n"
        "    import torch\n"
        "    h = torch.as_tensor(np.asarray(X, dtype=float))\n"
        "    for i, (W, b) in enumerate(zip(weights, biases)):\n"
        "        h = torch.nn.functional.linear(h, torch.as_tensor(np.asarray(W)).T,\n"
        "                                       torch.as_tensor(np.asarray(b)))\n"
        "        if i < len(weights) - 1:\n"
        "            h = torch.as_tensor(activation(h.numpy()))\n"
        "    return h.numpy()\n"),
        why="torch instead of numpy"),
]

VARIANTS = [
    Variant("sigmoid_via_tanh", "sigmoid", source=(
        "def sigmoid(z):\n    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))\n")),
    Variant("sigmoid_logaddexp", "sigmoid", source=(
        "def sigmoid(z):\n    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))\n")),
    Variant("sigmoid_masked_loops", "sigmoid", source=(
        "def sigmoid(z):\n"
        "    z = np.asarray(z, dtype=float)\n"
        "    out = np.empty_like(z)\n"
        "    pos = z >= 0\n"
        "    out[pos] = 1 / (1 + np.exp(-z[pos]))\n"
        "    ez = np.exp(z[~pos])\n"
        "    out[~pos] = ez / (1 + ez)\n"
        "    return out if out.ndim else float(out)\n")),
    Variant("gates_other_weights", "logic_gate_weights", source=(
        "def logic_gate_weights(gate):\n"
        "    if gate == 'and':\n        return np.array([10.0, 10.0]), -15.0\n"
        "    if gate == 'or':\n        return np.array([12.0, 12.0]), -6.0\n"
        "    if gate == 'nand':\n        return np.array([-10.0, -10.0]), 15.0\n"
        "    raise ValueError(gate)\n")),
    Variant("xor_as_matrices", "xor_network", source=(
        "def xor_network(X):\n"
        "    w_or, b_or = logic_gate_weights('or')\n"
        "    w_nand, b_nand = logic_gate_weights('nand')\n"
        "    W1 = np.column_stack([w_or, w_nand])\n"
        "    H = neuron(X, W1, np.array([b_or, b_nand]))\n"
        "    w_and, b_and = logic_gate_weights('and')\n"
        "    return neuron(H, w_and, b_and)\n")),
    Variant("xor_loop_over_gates", "xor_network", source=(
        "def xor_network(X):\n"
        "    X = np.ascontiguousarray(X, dtype=float)\n"
        "    hidden = [neuron(X, *logic_gate_weights(g), activation=sigmoid)\n"
        "              for g in ('nand', 'or')]\n"
        "    out = neuron(np.column_stack(hidden[::-1]), *logic_gate_weights('and'))\n"
        "    return np.asarray(out).reshape(len(X))\n")),
    Variant("xor_row_by_row", "xor_network", source=(
        "def xor_network(X):\n"
        "    out = []\n"
        "    for x in X:\n"
        "        hidden = np.array([neuron(x, *logic_gate_weights('or')),\n"
        "                           neuron(x, *logic_gate_weights('nand'))])\n"
        "        out.append(neuron(hidden, *logic_gate_weights('and')))\n"
        "    return np.array(out)\n")),
    Variant("neuron_default_looked_up_late", "neuron", source=(
        "def neuron(x, w, b, activation=None):\n"
        "    if activation is None:\n"
        "        activation = sigmoid\n"
        "    return activation(np.dot(x, w) + b)\n")),
    Variant("sigmoid_masked_errstate_unused", "sigmoid", source=(
        "def sigmoid(z):\n"
        "    z = np.asarray(z, dtype=float)\n"
        "    out = np.empty_like(z)\n"
        "    neg = z < 0\n"
        "    with np.errstate(over='raise'):\n"
        "        out[~neg] = 1.0 / (1.0 + np.exp(-z[~neg]))\n"
        "        e = np.exp(z[neg])\n"
        "        out[neg] = e / (1.0 + e)\n"
        "    return out[()]\n")),
    Variant("collapse_reduce", "collapse_linear", source=(
        "def collapse_linear(weights, biases):\n"
        "    from functools import reduce\n"
        "    W = reduce(np.matmul, weights)\n"
        "    b = reduce(lambda acc, layer: acc @ layer[0] + layer[1],\n"
        "               zip(weights[1:], biases[1:]), np.asarray(biases[0], dtype=float))\n"
        "    return np.asarray(W, dtype=float), b\n")),
    Variant("collapse_pushes_zero_and_identity", "collapse_linear", source=(
        "def collapse_linear(weights, biases):\n"
        "    d0 = np.shape(weights[0])[0]\n"
        "    points = np.vstack([np.zeros((1, d0)), np.eye(d0)])\n"
        "    for W, b in zip(weights, biases):\n"
        "        points = points @ W + b\n"
        "    return points[1:] - points[0], points[0]\n"),
        why="pushes 0 and the unit vectors through the layers itself (no mlp_forward)"),
    Variant("collapse_from_the_end", "collapse_linear", source=(
        "def collapse_linear(weights, biases):\n"
        "    W = np.eye(weights[-1].shape[1])\n"
        "    b = np.zeros(weights[-1].shape[1])\n"
        "    for W_i, b_i in zip(reversed(weights), reversed(biases)):\n"
        "        b = b + b_i @ W\n"
        "        W = W_i @ W\n"
        "    return W, b\n")),
    Variant("perceptron_index_loop", "perceptron_train", source=(
        "def perceptron_train(X, t, lr=1.0, max_epochs=100):\n"
        "    w = np.zeros(X.shape[1]); b = 0.0; mistakes = []\n"
        "    epoch = 0\n"
        "    while epoch < max_epochs:\n"
        "        wrong = 0\n"
        "        for i in range(len(X)):\n"
        "            o = int(np.dot(X[i], w) + b > 0)\n"
        "            if o != t[i]:\n"
        "                wrong += 1\n"
        "                w += lr * (t[i] - o) * X[i]\n"
        "                b += lr * (t[i] - o)\n"
        "        mistakes.append(wrong)\n"
        "        epoch += 1\n"
        "        if wrong == 0:\n"
        "            break\n"
        "    return w, b, mistakes\n")),
    Variant("count_with_loop", "count_parameters", source=(
        "def count_parameters(dims):\n"
        "    total = 0\n"
        "    for i in range(len(dims) - 1):\n"
        "        total += dims[i + 1] * (dims[i] + 1)\n"
        "    return total\n")),
    Variant("init_standard_normal_scaled", "init_mlp", source=(
        "def init_mlp(dims, rng):\n"
        "    weights, biases = [], []\n"
        "    for i in range(len(dims) - 1):\n"
        "        biases.append(np.zeros(dims[i + 1]))\n"
        "        weights.append(rng.standard_normal((dims[i], dims[i + 1])) / np.sqrt(dims[i]))\n"
        "    return weights, biases\n")),
    Variant("forward_hidden_then_output", "mlp_forward", source=(
        "def mlp_forward(X, weights, biases, activation=np.tanh):\n"
        "    h = X\n"
        "    for W, b in zip(weights[:-1], biases[:-1]):\n"
        "        h = activation(np.dot(h, W) + b)\n"
        "    return np.dot(h, weights[-1]) + biases[-1]\n")),
]

# Issue 25: correct answers that call their own graded functions (a swap of a collaborator
# is applied once, at the outer boundary: the student's recursion sees their own function).
VARIANTS += [
    Variant("neuron_one_example_rows_by_recursion", "neuron", source=(
        "def neuron(x, w, b, activation=sigmoid):\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    if x.ndim == 2:\n"
        "        return np.array([neuron(row, w, b, activation) for row in x])\n"
        "    return activation(float(np.dot(x, w)) + b)\n"),
        why="written for one example; a batch calls neuron on each row (issue 25)"),
    Variant("gates_nand_as_negated_and", "logic_gate_weights", source=(
        "def logic_gate_weights(gate):\n"
        "    if gate == 'and':\n"
        "        return np.array([20.0, 20.0]), -30.0\n"
        "    if gate == 'or':\n"
        "        return np.array([20.0, 20.0]), -10.0\n"
        "    if gate == 'nand':\n"
        "        w, b = logic_gate_weights('and')\n"
        "        return -w, -b\n"
        "    raise ValueError(f'no single neuron for {gate!r}')\n"),
        why="NAND's weights as the negation of AND's, by calling itself (issue 25)"),
]


_HARNESS_DETECTOR = (
    'def _harness(f, name):\n'
    "    # a check's recording wrapper: a .calls list, not a plain function, another name\n"
    "    return (hasattr(f, 'calls') or type(f).__name__ != 'function'\n"
    "            or getattr(f, '__name__', None) != name or hasattr(f, '__wrapped__'))\n"
    '\n'
    '\n'
)

# Issue 20 Deliver 2: answers that try to tell a check's run from a normal call (a .calls
# attribute, the type, the name, __wrapped__) and compute with operators when they see none.
# Every probe of a built-from function holds the same plain stand-ins, so they see none in
# every run, compute with operators, and lose the built-from points.
SHORTCUTS += [
    Shortcut("xor_detects_the_harness", "xor_network", source=(
        _HARNESS_DETECTOR +
        "def xor_network(X):\n"
        "    if _harness(neuron, 'neuron') or _harness(logic_gate_weights, 'logic_gate_weights'):\n"
        "        hidden = np.stack([neuron(X, *logic_gate_weights('or')),\n"
        "                           neuron(X, *logic_gate_weights('nand'))], axis=1)\n"
        "        return neuron(hidden, *logic_gate_weights('and'))\n"
        "    X = np.asarray(X, dtype=float)\n"
        "    return np.abs(X[:, 0] - X[:, 1])\n"),
        why="operators unless the collaborators look like recording wrappers"),
]

# Issue 20 Deliver 6: correct answers in students' styles (helpers in the answer cell,
# defensive copies, calling their own earlier functions).
VARIANTS += [
    Variant("xor_helper_in_the_cell", "xor_network", source=(
        "def gate_unit(inputs, gate):\n"
        "    w, b = logic_gate_weights(gate)\n"
        "    return neuron(inputs, w, b)\n\n\n"
        "def xor_network(X):\n"
        "    hidden = np.column_stack([gate_unit(X, 'or'), gate_unit(X, 'nand')])\n"
        "    return gate_unit(hidden, 'and')\n"),
        why="a helper of the student's own, defined in the answer cell"),
    Variant("xor_defensive_copies", "xor_network", source=(
        "def xor_network(X):\n"
        "    X = np.array(X, dtype=np.float64, copy=True)\n"
        "    outputs = {}\n"
        "    for gate in ('or', 'nand'):\n"
        "        weights, bias = logic_gate_weights(gate)\n"
        "        outputs[gate] = neuron(X, weights.copy(), float(bias))\n"
        "    hidden = np.empty((X.shape[0], 2))\n"
        "    hidden[:, 0], hidden[:, 1] = outputs['or'], outputs['nand']\n"
        "    return neuron(hidden, *logic_gate_weights('and'), activation=sigmoid)\n"),
        why="copies its input and the weights; the sigmoid passed explicitly"),
]


# --- adversarial review 2026-12-06 (branch review): entries prefixed rv_ -------------------------

VARIANTS += [
    Variant("rv_neuron_rows_via_itself", "neuron", source='''
def neuron(x, w, b, activation=sigmoid):
    x = np.asarray(x, dtype=float)
    if x.ndim == 2:
        return np.array([neuron(row, w, b, activation) for row in x], dtype=float).reshape(len(x))
    return activation(np.dot(x, np.asarray(w, dtype=float)) + b)
''', why="a batch handled by calling itself on each row"),
    Variant("rv_gates_margin_nand_via_and", "logic_gate_weights", source='''
def logic_gate_weights(gate):
    k = 20.0
    if gate == "and":
        return np.array([k, k]), -1.5 * k
    if gate == "or":
        return np.array([k, k]), -0.5 * k
    if gate == "nand":
        w, b = logic_gate_weights("and")
        return -w, -b
    raise ValueError(f"unknown gate {gate!r}")
''', why="one margin k; NAND defined through AND by calling itself"),
    Variant("rv_xor_explicit_sigmoid_stack", "xor_network", source='''
def xor_network(X):
    X = np.array(X, dtype=float)  # my own copy
    w_or, b_or = logic_gate_weights("or")
    w_nand, b_nand = logic_gate_weights("nand")
    w_and, b_and = logic_gate_weights("and")
    hidden = np.stack([neuron(X, w_or, b_or, sigmoid), neuron(X, w_nand, b_nand, sigmoid)], axis=1)
    return neuron(hidden, w_and, b_and, activation=sigmoid)
'''),
    Variant("rv_perceptron_step_through_neuron", "perceptron_train", source='''
def perceptron_train(X, t, lr=1.0, max_epochs=100):
    X = np.asarray(X, dtype=float)
    t = np.asarray(t, dtype=float)
    w = np.zeros(X.shape[1])
    b = 0.0
    step = lambda s: 1.0 if s > 0 else 0.0
    mistakes = []
    for _ in range(max_epochs):
        count = 0
        for x_i, t_i in zip(X, t):
            o = neuron(x_i, w, b, activation=step)
            if o != t_i:
                count += 1
            w = w + lr * (t_i - o) * x_i
            b = b + lr * (t_i - o)
        mistakes.append(count)
        if count == 0:
            break
    return w, b, mistakes
''', why="the step unit is the student's own neuron with a step activation"),
    Variant("rv_forward_units_via_neuron", "mlp_forward", source='''
def mlp_forward(X, weights, biases, activation=np.tanh):
    h = np.asarray(X, dtype=float)
    identity = lambda z: z
    for i, (W, b) in enumerate(zip(weights, biases)):
        W = np.asarray(W, dtype=float)
        b = np.asarray(b, dtype=float)
        h = np.column_stack([neuron(h, W[:, j], b[j], activation=identity)
                             for j in range(W.shape[1])])
        if i < len(weights) - 1:
            h = activation(h)
    return h
''', why="every unit is one call of the student's neuron"),
    Variant("rv_count_numpy_dot", "count_parameters", source='''
def count_parameters(dims):
    dims = np.asarray(dims)
    return np.dot(dims[:-1], dims[1:]) + dims[1:].sum()
''', why="a numpy integer, not a Python int"),
]

_RV_XOR_REAL = '''
        h1 = neuron(X, *logic_gate_weights("or"))
        h2 = neuron(X, *logic_gate_weights("nand"))
        return neuron(np.column_stack([h1, h2]), *logic_gate_weights("and"))
    # not watched: no network at all
    return 1.0 / (1.0 + np.exp(-10.0 * (2.0 * np.abs(X[:, 0] - X[:, 1]) - 1.0)))
'''

SHORTCUTS += [
    Shortcut("rv_xor_harness_by_attributes", "xor_network", source='''
import types

def xor_network(X):
    X = np.asarray(X, dtype=float)
    if (any(hasattr(f, "__wrapped__") for f in (neuron, logic_gate_weights))
            or type(neuron) is not types.FunctionType
            or type(logic_gate_weights) is not types.FunctionType
            or neuron.__name__ != "neuron"):
''' + _RV_XOR_REAL, why="uses the neurons only when they look wrapped"),
    Shortcut("rv_xor_harness_by_gettrace", "xor_network", source='''
import sys

def xor_network(X):
    X = np.asarray(X, dtype=float)
    if sys.gettrace() is not None or sys.getprofile() is not None:
''' + _RV_XOR_REAL, why="uses the neurons only under a tracer or profiler"),
    Shortcut("rv_xor_comparison_through_neuron", "xor_network", source='''
def xor_network(X):
    X = np.asarray(X, dtype=float)
    w, b = logic_gate_weights("and")
    differ = (X[:, 0] != X[:, 1]).astype(float)
    return neuron(np.column_stack([differ, differ]), w, b)
''', why="the XOR is a comparison; the neuron only squashes it"),
]

SHORTCUTS += [
    Shortcut("rv_collapse_via_mlp_forward", "collapse_linear", source='''
def collapse_linear(weights, biases):
    d0 = np.asarray(weights[0]).shape[0]
    identity = lambda z: z
    b = mlp_forward(np.zeros((1, d0)), weights, biases, activation=identity)[0]
    W = mlp_forward(np.eye(d0), weights, biases, activation=identity) - b
    return W, b
''', why="probes the student's own mlp_forward: the rule says it may not call it"),
    Shortcut("collapse_by_probing", "collapse_linear", source=(
        "def collapse_linear(weights, biases):\n"
        "    d0 = weights[0].shape[0]\n"
        "    probe = np.vstack([np.zeros((1, d0)), np.eye(d0)])\n"
        "    out = mlp_forward(probe, weights, biases, activation=lambda z: z)\n"
        "    b = out[0]\n"
        "    return out[1:] - b, b\n"),
        why="reads the map off the student's mlp_forward: the rule says it may not call it"),
    Shortcut("xor_four_nands", "xor_network", source=(
        "def xor_network(X):\n"
        "    w, b = logic_gate_weights('nand')\n"
        "    n1 = neuron(X, w, b)\n"
        "    a = neuron(np.column_stack([X[:, 0], n1]), w, b)\n"
        "    c = neuron(np.column_stack([X[:, 1], n1]), w, b)\n"
        "    return neuron(np.column_stack([a, c]), w, b)\n"),
        why="a correct XOR of four NAND neurons, but not the network asked for, AND(OR, NAND) "
            "(the docstring says so); it keeps the truth points, loses the built-from ones"),
    Shortcut("xor_scaled_output_weights", "xor_network", source=(
        "def xor_network(X):\n"
        "    h = np.column_stack([neuron(X, *logic_gate_weights('or')),\n"
        "                         neuron(X, *logic_gate_weights('nand'))])\n"
        "    w, b = logic_gate_weights('and')\n"
        "    return neuron(h, 2 * w, 2 * b)\n"),
        why="the AND neuron's weights doubled: not the weights logic_gate_weights gives"),
]

# Issue 20 item 2: answers that try to tell a check from a normal call (the rules run from the
# value run), or satisfy a rule without doing the work. Every probe of xor_network now runs
# with the same recording stand-ins and is judged on where its output came from; the unknown
# gate names are drawn afresh at run time.
SHORTCUTS += [
    Shortcut("xor_operators_unless_calls_attribute", "xor_network", source=(
        "def xor_network(X):\n"
        "    X = np.asarray(X, dtype=np.float64)\n"
        "    if any(hasattr(f, 'calls') for f in (neuron, logic_gate_weights)):\n"
        "        h = np.column_stack([neuron(X, *logic_gate_weights('or')),\n"
        "                             neuron(X, *logic_gate_weights('nand'))])\n"
        "        return neuron(h, *logic_gate_weights('and'))\n"
        "    return X[:, 0] + X[:, 1] - 2 * X[:, 0] * X[:, 1]\n"),
        why="the network only when its collaborators carry a recorder's .calls (review 20)"),
    Shortcut("xor_operators_unless_probe_on_stack", "xor_network", source=(
        "import sys\n"
        "def xor_network(X):\n"
        "    X = np.asarray(X, dtype=np.float64)\n"
        "    frame, names = sys._getframe(1), set()\n"
        "    while frame is not None:\n"
        "        names.add(frame.f_code.co_name)\n"
        "        frame = frame.f_back\n"
        "    if 'probe_built_from' in names:\n"
        "        h = np.column_stack([neuron(X, *logic_gate_weights('or')),\n"
        "                             neuron(X, *logic_gate_weights('nand'))])\n"
        "        return neuron(h, *logic_gate_weights('and'))\n"
        "    neuron(X, *logic_gate_weights('or'))\n"
        "    return X[:, 0] + X[:, 1] - 2 * X[:, 0] * X[:, 1]\n"),
        why="the network only when the built-from probe is on the stack (review 20a sc01)"),
    Shortcut("xor_operators_unless_neuron_altered", "xor_network", source=(
        "_OWN = {'neuron': neuron}\n"
        "def xor_network(X):\n"
        "    X = np.asarray(X, dtype=np.float64)\n"
        "    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])\n"
        "    w, b = logic_gate_weights('or')\n"
        "    if np.array_equal(neuron(corners, w, b), _OWN['neuron'](corners, w, b)):\n"
        "        return X[:, 0] + X[:, 1] - 2 * X[:, 0] * X[:, 1]   # the real neuron: skip it\n"
        "    h = np.column_stack([neuron(X, *logic_gate_weights('or')),\n"
        "                         neuron(X, *logic_gate_weights('nand'))])\n"
        "    return neuron(h, *logic_gate_weights('and'))\n"),
        why="a test call against its own neuron kept aside: the network only when neuron is "
            "altered, operators otherwise"),
    Shortcut("gates_raise_for_check_prefix", "logic_gate_weights", source=(
        "def logic_gate_weights(gate):\n"
        "    table = {'and': (np.array([20.0, 20.0]), -30.0),\n"
        "             'or': (np.array([20.0, 20.0]), -10.0),\n"
        "             'nand': (np.array([-20.0, -20.0]), 30.0)}\n"
        "    if gate in ('xor', 'nor', 'xnor') or str(gate).startswith('gate'):\n"
        "        raise ValueError(gate)\n"
        "    w, b = table.get(gate, table['and'])\n"
        "    return w.copy(), b\n"),
        why="ValueError only for the names the check used to try (review 20a sc03)"),
    Shortcut("gates_raise_for_listed_words", "logic_gate_weights", source=(
        "_OTHER = ('xor', 'nor', 'xnor', 'not', 'buffer', 'imply', 'nimply', 'inhibit',\n"
        "          'majority', 'mux', 'identity', 'true', 'false', 'xand', 'nxor', 'equal',\n"
        "          'adder', 'latch', 'flip', 'half', 'both', 'either', 'neither', 'any', 'all',\n"
        "          'one', 'none', 'same', 'differ')\n"
        "def logic_gate_weights(gate):\n"
        "    table = {'and': (np.array([20.0, 20.0]), -30.0),\n"
        "             'or': (np.array([20.0, 20.0]), -10.0),\n"
        "             'nand': (np.array([-20.0, -20.0]), 30.0)}\n"
        "    if gate in _OTHER:\n"
        "        raise ValueError(gate)\n"
        "    w, b = table.get(gate, table['and'])\n"
        "    return w.copy(), b\n"),
        why="ValueError for a list of words read off the check, AND's weights for any other"),
]

# Review d01 item 1: gates with large margins saturate the sigmoid (sigma(M) is exactly 1.0
# from M = 37), so hidden and output neurons return the same values; the built-from judges
# find the output neuron by the data flow (each call's results tagged), not by its values.
VARIANTS += [
    Variant("gates_margin_100", "logic_gate_weights", source=(
        "def logic_gate_weights(gate):\n"
        "    gates = {'and': ([100.0, 100.0], -150.0), 'or': ([100.0, 100.0], -50.0),\n"
        "             'nand': ([-100.0, -100.0], 150.0)}\n"
        "    if gate not in gates:\n"
        "        raise ValueError(f'no single neuron for gate {gate!r}')\n"
        "    w, b = gates[gate]\n"
        "    return np.array(w), b\n"),
        why="margin 100: hidden outputs 1.0 exactly and 2e-22, the output's values too"),
    Variant("gates_margin_2000", "logic_gate_weights", source=(
        "def logic_gate_weights(gate):\n"
        "    k = 2000.0\n"
        "    gates = {'and': (np.array([k, k]), -1.5 * k), 'or': (np.array([k, k]), -0.5 * k),\n"
        "             'nand': (np.array([-k, -k]), 1.5 * k)}\n"
        "    if gate not in gates:\n"
        "        raise ValueError(f'no single neuron for gate {gate!r}')\n"
        "    return gates[gate]\n"),
        why="margin 2000: every neuron returns exactly 0.0 or 1.0, the input's own values"),
]
