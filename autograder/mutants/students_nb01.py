# ruff: noqa: E501 - answers kept as their student-side authors wrote them
"""Correct answers written from the student's side (student notebook and contract only)."""
from autograder.mutation import Shortcut, Variant

VARIANTS = [
    # --- perceptron_train ---------------------------------------------------------------
    Variant("student_perceptron_scalar_loops", "perceptron_train", source=(
        "import numpy as np\n\n"
        "def perceptron_train(X, t, lr=1.0, max_epochs=100):\n"
        "    X = np.array(X, dtype=float)\n"
        "    t = np.array(t, dtype=float)\n"
        "    n_examples, n_features = X.shape\n"
        "    w = [0.0] * n_features\n"
        "    b = 0.0\n"
        "    mistakes = []\n"
        "    for epoch in range(max_epochs):\n"
        "        wrong = 0\n"
        "        for n in range(n_examples):\n"
        "            total = b\n"
        "            for d in range(n_features):\n"
        "                total += w[d] * X[n, d]\n"
        "            output = 1.0 if total > 0 else 0.0\n"
        "            error = t[n] - output\n"
        "            if error != 0:\n"
        "                wrong += 1\n"
        "            for d in range(n_features):\n"
        "                w[d] = w[d] + lr * error * X[n, d]\n"
        "            b = b + lr * error\n"
        "        mistakes.append(wrong)\n"
        "        if wrong == 0:\n"
        "            break\n"
        "    return np.array(w), float(b), mistakes\n"),
        why="pure Python loops over examples and features, weights kept in a list"),
    Variant("student_perceptron_while_and_helper", "perceptron_train", source=(
        "import numpy as np\n\n"
        "def _step(s):\n"
        "    return 1 if s > 0 else 0\n\n\n"
        "def perceptron_train(X, t, lr=1.0, max_epochs=100):\n"
        "    X = np.asarray(X, dtype=np.float64)\n"
        "    t = np.asarray(t, dtype=np.float64).reshape(-1)\n"
        "    w = np.zeros(X.shape[1])\n"
        "    b = 0.0\n"
        "    mistakes = []\n"
        "    epoch = 0\n"
        "    while epoch < max_epochs:\n"
        "        count = 0\n"
        "        for x_i, t_i in zip(X, t):\n"
        "            o = _step(np.dot(x_i, w) + b)\n"
        "            if o != t_i:\n"
        "                count += 1\n"
        "                w += lr * (t_i - o) * x_i\n"
        "                b += lr * (t_i - o)\n"
        "        mistakes.append(count)\n"
        "        epoch += 1\n"
        "        if count == 0:\n"
        "            break\n"
        "    return w, b, mistakes\n"),
        why="while loop, step helper, update only on a mistake (the same rule), in-place on own w"),
    Variant("student_perceptron_augmented", "perceptron_train", source=(
        "import numpy as np\n\n"
        "def perceptron_train(X, t, lr=1.0, max_epochs=100):\n"
        "    X = np.asarray(X, dtype=float)\n"
        "    targets = np.asarray(t, dtype=float)\n"
        "    # a column of ones: the bias is the last weight\n"
        "    Xa = np.hstack([X, np.ones((X.shape[0], 1))])\n"
        "    theta = np.zeros(Xa.shape[1])\n"
        "    mistakes = []\n"
        "    for epoch in range(max_epochs):\n"
        "        errors = 0\n"
        "        for i in range(Xa.shape[0]):\n"
        "            o = float(Xa[i] @ theta > 0)\n"
        "            delta = targets[i] - o\n"
        "            errors += int(delta != 0)\n"
        "            theta = theta + lr * delta * Xa[i]\n"
        "        mistakes.append(errors)\n"
        "        if errors == 0:\n"
        "            break\n"
        "    return theta[:-1].copy(), float(theta[-1]), mistakes\n"),
        why="bias folded in as an extra weight on a column of ones"),
    # --- count_parameters ---------------------------------------------------------------
    Variant("student_count_zip_sum", "count_parameters", source=(
        "def count_parameters(dims):\n"
        "    return sum(a * b + b for a, b in zip(dims[:-1], dims[1:]))\n"),
        why="one generator expression over consecutive pairs"),
    Variant("student_count_numpy_dot", "count_parameters", source=(
        "import numpy as np\n\n"
        "def count_parameters(dims):\n"
        "    sizes = np.asarray(list(dims), dtype=np.int64)\n"
        "    weights = int(np.dot(sizes[:-1], sizes[1:]))\n"
        "    biases = int(sizes[1:].sum())\n"
        "    return weights + biases\n"),
        why="vectorised: dot product of shifted size arrays, cast back to int"),
    Variant("student_count_recursive", "count_parameters", source=(
        "def count_parameters(dims):\n"
        "    dims = list(dims)\n"
        "    if len(dims) < 2:\n"
        "        return 0\n"
        "    first_layer = (dims[0] + 1) * dims[1]  # each unit: d_in weights and a bias\n"
        "    return int(first_layer) + count_parameters(dims[1:])\n"),
        why="recursion, (fan_in + 1) parameters per unit"),
    # --- init_mlp -----------------------------------------------------------------------
    Variant("student_init_standard_normal_scaled", "init_mlp", source=(
        "import numpy as np\n\n"
        "def init_mlp(dims, rng):\n"
        "    weights = [rng.standard_normal((d_in, d_out)) * np.sqrt(1.0 / d_in)\n"
        "               for d_in, d_out in zip(dims[:-1], dims[1:])]\n"
        "    biases = [np.zeros(d_out) for d_out in dims[1:]]\n"
        "    return weights, biases\n"),
        why="list comprehensions, standard normal draws scaled by the std"),
    Variant("student_init_keyword_loop", "init_mlp", source=(
        "import math\n"
        "import numpy as np\n\n"
        "def init_mlp(dims, rng):\n"
        "    weights, biases = [], []\n"
        "    for i in range(len(dims) - 1):\n"
        "        fan_in, fan_out = int(dims[i]), int(dims[i + 1])\n"
        "        std = math.sqrt(1 / fan_in)  # variance 1/fan_in -> std is its square root\n"
        "        weights.append(rng.normal(loc=0.0, scale=std, size=(fan_in, fan_out)))\n"
        "        biases.append(np.zeros((fan_out,), dtype=np.float64))\n"
        "    return weights, biases\n"),
        why="index loop, keyword arguments to rng.normal, math.sqrt"),
    Variant("student_init_one_draw_split", "init_mlp", source=(
        "import numpy as np\n\n"
        "def init_mlp(dims, rng):\n"
        "    shapes = [(dims[i], dims[i + 1]) for i in range(len(dims) - 1)]\n"
        "    total = sum(a * b for a, b in shapes)\n"
        "    flat = rng.normal(size=total)  # all standard normal draws at once\n"
        "    weights, biases, start = [], [], 0\n"
        "    for a, b in shapes:\n"
        "        block = flat[start:start + a * b].reshape(a, b)\n"
        "        weights.append(block / np.sqrt(a))\n"
        "        biases.append(np.zeros(b))\n"
        "        start += a * b\n"
        "    return weights, biases\n"),
        why="one vector of draws from rng, split into the layers and divided by sqrt(fan_in)"),
    # --- mlp_forward --------------------------------------------------------------------
    Variant("student_forward_hidden_then_output", "mlp_forward", source=(
        "import numpy as np\n\n"
        "def mlp_forward(X, weights, biases, activation=np.tanh):\n"
        "    h = np.asarray(X, dtype=float)\n"
        "    for W, b in zip(weights[:-1], biases[:-1]):\n"
        "        h = activation(h @ W + b)\n"
        "    return h @ weights[-1] + biases[-1]\n"),
        why="hidden layers in the loop, output layer after it"),
    Variant("student_forward_einsum_reversed_check", "mlp_forward", source=(
        "import numpy as np\n\n"
        "def mlp_forward(X, weights, biases, activation=np.tanh):\n"
        "    out = np.array(X, dtype=np.float64)  # my own copy\n"
        "    n_layers = len(weights)\n"
        "    for layer in range(n_layers):\n"
        "        W = np.asarray(weights[layer], dtype=np.float64)\n"
        "        b = np.asarray(biases[layer], dtype=np.float64)\n"
        "        out = np.einsum('nd,dk->nk', out, W) + b\n"
        "        is_last = layer == n_layers - 1\n"
        "        if not is_last:\n"
        "            out = activation(out)\n"
        "    return out\n"),
        why="np.einsum for the matrix product, defensive copy, explicit last-layer flag"),
    Variant("student_forward_recursive", "mlp_forward", source=(
        "import numpy as np\n\n"
        "def mlp_forward(X, weights, biases, activation=np.tanh):\n"
        "    scores = np.matmul(X, weights[0]) + biases[0]\n"
        "    if len(weights) == 1:\n"
        "        return scores\n"
        "    return mlp_forward(activation(scores), weights[1:], biases[1:],\n"
        "                       activation=activation)\n"),
        why="recursion on the remaining layers, np.matmul"),
    # --- sigmoid ------------------------------------------------------------------------
    Variant("student_sigmoid_masked_branches", "sigmoid", source=(
        "import numpy as np\n\n"
        "def sigmoid(z):\n"
        "    z = np.asarray(z, dtype=np.float64)\n"
        "    out = np.empty(z.shape, dtype=np.float64)\n"
        "    pos = z >= 0\n"
        "    neg = ~pos\n"
        "    # each form only on the entries where its exponential is at most 1\n"
        "    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))\n"
        "    e = np.exp(z[neg])\n"
        "    out[neg] = e / (1.0 + e)\n"
        "    return out\n"),
        why="boolean masks: each safe form computed only on its own entries"),
    Variant("student_sigmoid_math_loop", "sigmoid", source=(
        "import math\n"
        "import numpy as np\n\n"
        "def _sigmoid_scalar(v):\n"
        "    if v >= 0:\n"
        "        return 1.0 / (1.0 + math.exp(-v))\n"
        "    e = math.exp(v)\n"
        "    return e / (1.0 + e)\n\n\n"
        "def sigmoid(z):\n"
        "    values = np.asarray(z, dtype=float)\n"
        "    result = np.zeros(values.shape)\n"
        "    for idx in np.ndindex(values.shape):\n"
        "        result[idx] = _sigmoid_scalar(float(values[idx]))\n"
        "    return result\n"),
        why="scalar helper with math.exp, np.ndindex loop over every entry (0-d included)"),
    Variant("student_sigmoid_logaddexp", "sigmoid", source=(
        "import numpy as np\n\n"
        "def sigmoid(z):\n"
        "    z = np.array(z, dtype=np.float64)\n"
        "    # log sigma(z) = -log(1 + e^-z) = -logaddexp(0, -z), which numpy computes stably\n"
        "    return np.exp(-np.logaddexp(0.0, -z))\n"),
        why="another stable formula: exp of the log-sigmoid via np.logaddexp"),
    # --- neuron -------------------------------------------------------------------------
    Variant("student_neuron_einsum", "neuron", source=(
        "import numpy as np\n\n"
        "def neuron(x, w, b, activation=sigmoid):\n"
        "    x = np.asarray(x, dtype=np.float64)\n"
        "    w = np.asarray(w, dtype=np.float64)\n"
        "    # '...d,d->...': one weighted sum per example, for one example or a batch\n"
        "    z = np.einsum('...d,d->...', x, w) + b\n"
        "    return activation(z)\n"),
        why="np.einsum with an ellipsis covers (D,) and (N, D) alike"),
    Variant("student_neuron_row_loop", "neuron", source=(
        "import numpy as np\n\n"
        "def neuron(x, w, b, activation=sigmoid):\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    w = np.asarray(w, dtype=float)\n"
        "    if x.ndim == 1:\n"
        "        return activation(np.dot(x, w) + b)\n"
        "    sums = np.empty(x.shape[0])\n"
        "    for n in range(x.shape[0]):\n"
        "        sums[n] = np.dot(x[n], w) + b\n"
        "    return activation(sums)\n"),
        why="one example directly, a batch row by row, activation applied once to the sums"),
    Variant("student_neuron_helper_copies", "neuron", source=(
        "import numpy as np\n\n"
        "def _weighted_sum(inputs, weights, bias):\n"
        "    return np.matmul(inputs, weights) + bias\n\n\n"
        "def neuron(x, w, b, activation=sigmoid):\n"
        "    inputs = np.array(x, dtype=np.float64)   # own copies: lists work, views are fine\n"
        "    weights = np.array(w, dtype=np.float64)\n"
        "    pre_activation = _weighted_sum(inputs, weights, float(b))\n"
        "    return activation(pre_activation)\n"),
        why="defensive copies, a helper for the weighted sum, np.matmul"),
    # --- logic_gate_weights -------------------------------------------------------------
    Variant("student_gates_dict_lookup", "logic_gate_weights", source=(
        "import numpy as np\n\n"
        "GATES = {\n"
        "    'and': ((20.0, 20.0), -30.0),    # sums -30, -10, -10, +10\n"
        "    'or': ((20.0, 20.0), -10.0),     # sums -10, +10, +10, +30\n"
        "    'nand': ((-20.0, -20.0), 30.0),  # AND with every sign flipped\n"
        "}\n\n\n"
        "def logic_gate_weights(gate):\n"
        "    if gate not in GATES:\n"
        "        raise ValueError(f'unknown gate: {gate!r}')\n"
        "    w, b = GATES[gate]\n"
        "    return np.array(w, dtype=float), float(b)  # a new array every call\n"),
        why="a module-level dict of tuples, a fresh array built on each call"),
    Variant("student_gates_margin_counts", "logic_gate_weights", source=(
        "import numpy as np\n\n"
        "def logic_gate_weights(gate):\n"
        "    k = 12.0  # every sum at least k / 2 = 6 away from 0: sigma(6) > 0.997\n"
        "    # the sum is k * (number of ones) + b: put the threshold between two counts\n"
        "    if gate == 'and':\n"
        "        sign, threshold = 1.0, 1.5    # on for 2 ones\n"
        "    elif gate == 'or':\n"
        "        sign, threshold = 1.0, 0.5    # on for 1 or 2 ones\n"
        "    elif gate == 'nand':\n"
        "        sign, threshold = -1.0, 1.5   # on unless 2 ones\n"
        "    else:\n"
        "        raise ValueError('gate must be \"and\", \"or\" or \"nand\", not ' + repr(gate))\n"
        "    w = sign * k * np.ones(2)\n"
        "    b = -sign * k * threshold\n"
        "    return w, b\n"),
        why="weights from a margin and a threshold on the count of ones, sign for NAND"),
    Variant("student_gates_nand_from_and", "logic_gate_weights", source=(
        "import numpy as np\n\n"
        "def logic_gate_weights(gate):\n"
        "    if gate == 'and':\n"
        "        return np.array([10.0, 10.0]), -15.0\n"
        "    if gate == 'or':\n"
        "        return np.array([10.0, 10.0]), -5.0\n"
        "    if gate == 'nand':\n"
        "        # NOT AND: negate the whole sum, so sigma(-s) = 1 - sigma(s)\n"
        "        w_and, b_and = logic_gate_weights('and')\n"
        "        return -w_and, -b_and\n"
        "    raise ValueError('no single-neuron weights for gate %r' % (gate,))\n"),
        why="early returns; NAND obtained by negating the AND neuron (recursive call)"),
    # --- xor_network --------------------------------------------------------------------
    Variant("student_xor_column_stack", "xor_network", source=(
        "import numpy as np\n\n"
        "def xor_network(X):\n"
        "    X = np.asarray(X, dtype=float)\n"
        "    w_or, b_or = logic_gate_weights('or')\n"
        "    w_nand, b_nand = logic_gate_weights('nand')\n"
        "    w_and, b_and = logic_gate_weights('and')\n"
        "    hidden = np.column_stack([neuron(X, w_or, b_or), neuron(X, w_nand, b_nand)])\n"
        "    return neuron(hidden, w_and, b_and)\n"),
        why="hidden layer stacked into an (N, 2) array, output neuron on it"),
    Variant("student_xor_row_by_row", "xor_network", source=(
        "import numpy as np\n\n"
        "def xor_network(X):\n"
        "    rows = np.array(X, dtype=np.float64)\n"
        "    outputs = []\n"
        "    for x in rows:\n"
        "        h_or = neuron(x, *logic_gate_weights('or'))\n"
        "        h_nand = neuron(x, *logic_gate_weights('nand'))\n"
        "        h = np.array([h_or, h_nand], dtype=np.float64).reshape(2)\n"
        "        outputs.append(neuron(h, *logic_gate_weights('and')))\n"
        "    return np.array(outputs, dtype=np.float64).reshape(len(rows))\n"),
        why="one example at a time through the three neurons, collected into (N,)"),
    Variant("student_xor_layer_helper", "xor_network", source=(
        "import numpy as np\n\n"
        "def _gate_layer(inputs, gates):\n"
        "    # one neuron per gate, each reading all of `inputs`; outputs as columns\n"
        "    columns = []\n"
        "    for gate in gates:\n"
        "        w, b = logic_gate_weights(gate)\n"
        "        columns.append(neuron(inputs, w, b, activation=sigmoid))\n"
        "    return np.stack(columns, axis=1)\n\n\n"
        "def xor_network(X):\n"
        "    hidden = _gate_layer(np.asarray(X, dtype=float), ['or', 'nand'])\n"
        "    output = _gate_layer(hidden, ['and'])\n"
        "    return output[:, 0]\n"),
        why="a layer helper over gate names, sigmoid passed by keyword, output column taken"),
    # --- collapse_linear ----------------------------------------------------------------
    Variant("student_collapse_running_product", "collapse_linear", source=(
        "import numpy as np\n\n"
        "def collapse_linear(weights, biases):\n"
        "    W = np.array(weights[0], dtype=np.float64)  # copies: the inputs stay as they are\n"
        "    b = np.array(biases[0], dtype=np.float64)\n"
        "    for W_next, b_next in zip(weights[1:], biases[1:]):\n"
        "        # (X W + b) W' + b' = X (W W') + (b W' + b')\n"
        "        b = b @ W_next + b_next\n"
        "        W = W @ W_next\n"
        "    return W, b\n"),
        why="running product from the input side, bias pushed through each layer"),
    Variant("student_collapse_reduce_einsum", "collapse_linear", source=(
        "from functools import reduce\n"
        "import numpy as np\n\n"
        "def _compose(first, second):\n"
        "    (W1, b1), (W2, b2) = first, second\n"
        "    return (np.einsum('ij,jk->ik', W1, W2), np.einsum('j,jk->k', b1, W2) + b2)\n\n\n"
        "def collapse_linear(weights, biases):\n"
        "    layers = [(np.asarray(W, dtype=float), np.asarray(b, dtype=float))\n"
        "              for W, b in zip(weights, biases)]\n"
        "    W, b = reduce(_compose, layers)\n"
        "    return W.copy(), b.copy()\n"),
        why="functools.reduce of pairwise compositions written with np.einsum"),
]

SHORTCUTS = [
    Shortcut("student_collapse_through_mlp_forward", "collapse_linear", source=(
        "import numpy as np\n\n"
        "def collapse_linear(weights, biases):\n"
        "    d_in = np.shape(weights[0])[0]\n"
        "    identity = lambda z: z\n"
        "    # an affine map sends 0 to b and the unit vector e_i to W[i] + b\n"
        "    b = mlp_forward(np.zeros((1, d_in)), weights, biases, activation=identity)[0]\n"
        "    W = mlp_forward(np.eye(d_in), weights, biases, activation=identity) - b\n"
        "    return W, b\n"),
        why="reads W and b off the student's mlp_forward at 0 and the unit vectors: the rule says "
            "it may not call mlp_forward"),
]
