# ruff: noqa: E501 - answers kept as their student-side authors wrote them
"""Correct answers written from the student's side (student notebook and contract only)."""
from autograder.mutation import Variant

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
]
