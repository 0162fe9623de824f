"""Mutation catalogue for 01_neuron_and_xor: plausible student bugs, and correct variants."""

from autograder.mutation import Mutant, Variant

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
    Mutant("init_global_rng", "init_mlp",
           edits=[("rng.normal(0.0, 1.0 / np.sqrt(d_in), size=(d_in, d_out))",
                   "np.random.normal(0.0, 1.0 / np.sqrt(d_in), size=(d_in, d_out))")]),
    Mutant("forward_activation_on_output", "mlp_forward",
           edits=[("        if i < len(weights) - 1:\n            h = activation(h)\n",
                   "        h = activation(h)\n")]),
    Mutant("forward_missing_bias", "mlp_forward", edits=[("h = h @ W + b", "h = h @ W")]),
    Mutant("forward_hardcoded_tanh", "mlp_forward",
           edits=[("h = activation(h)", "h = np.tanh(h)")]),
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
        "    H = sigmoid(X @ W1 + np.array([b_or, b_nand]))\n"
        "    w_and, b_and = logic_gate_weights('and')\n"
        "    return sigmoid(H @ w_and + b_and).reshape(-1, 1)\n")),
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
