"""Mutation catalogue for 05_minibatches_and_sgd: plausible student bugs, and correct variants."""

from autograder.mutation import Mutant, Variant

MUTANTS = [
    # ---------------------------------------------------------------- make_minibatches
    Mutant("minibatches_two_permutations", "make_minibatches",
           edits=[("    order = rng.permutation(len(X))\n",
                   "    order = rng.permutation(len(X))\n    order_y = rng.permutation(len(X))\n"),
                  ("batches.append((X[idx], y[idx]))",
                   "batches.append((X[idx], y[order_y[start:start + batch_size]]))")],
           why="X and y shuffled with different permutations: labels leave their inputs"),
    Mutant("minibatches_drop_last", "make_minibatches",
           edits=[("range(0, len(X), batch_size)",
                   "range(0, len(X) - batch_size + 1, batch_size)")],
           why="drops the last partial batch"),
    Mutant("minibatches_with_replacement", "make_minibatches",
           edits=[("order = rng.permutation(len(X))",
                   "order = rng.integers(0, len(X), size=len(X))")],
           why="indices drawn with replacement: duplicated and missing examples"),
    Mutant("minibatches_array_split_count", "make_minibatches", source=(
        "def make_minibatches(X, y, batch_size, rng):\n"
        "    order = rng.permutation(len(X))\n"
        "    return [(X[idx], y[idx]) for idx in np.array_split(order, batch_size)]\n"),
        why="np.array_split(order, B) makes B batches, not batches of size B"),
    Mutant("minibatches_off_by_one_size", "make_minibatches",
           edits=[("idx = order[start:start + batch_size]",
                   "idx = order[start:start + batch_size - 1]")],
           why="batches one example short (and examples lost)"),
    Mutant("minibatches_not_shuffled", "make_minibatches",
           edits=[("order = rng.permutation(len(X))", "order = np.arange(len(X))")]),
    Mutant("minibatches_global_rng", "make_minibatches",
           edits=[("order = rng.permutation(len(X))", "order = np.random.permutation(len(X))")],
           why="ignores the rng argument"),
    # ---------------------------------------------------------------- batch gradients
    Mutant("loop_gradient_summed", "batch_gradient_by_loop",
           edits=[("return {key: total / N for key, total in totals.items()}",
                   "return totals")],
           why="sum of per-example gradients instead of their mean"),
    Mutant("loop_gradient_relu_ge", "batch_gradient_by_loop",
           edits=[("(z1 > 0)", "(z1 >= 0)")], why="relu'(0) = 1"),
    Mutant("loop_gradient_inner_not_outer", "batch_gradient_by_loop",
           edits=[("totals[\"W2\"] += np.outer(h, ds)", "totals[\"W2\"] += np.outer(ds, h).T * 2")],
           why="wrong factor in dW2"),
    Mutant("vectorized_missing_mean", "batch_gradient_vectorized",
           edits=[("    dS /= N  # (N, C): the mean over the batch\n", "")],
           why="no 1/N: the gradient of the summed loss"),
    Mutant("vectorized_relu_ge", "batch_gradient_vectorized",
           edits=[("(Z1 > 0)", "(Z1 >= 0)")], why="relu'(0) = 1"),
    Mutant("vectorized_db2_wrong_axis", "batch_gradient_vectorized",
           edits=[('"b2": dS.sum(axis=0)', '"b2": dS.sum(axis=1)')]),
    Mutant("vectorized_no_relu_mask", "batch_gradient_vectorized",
           edits=[("dZ1 = (dS @ params[\"W2\"].T) * (Z1 > 0)", "dZ1 = dS @ params[\"W2\"].T")]),
    # ---------------------------------------------------------------- sgd_step, accuracy
    Mutant("sgd_step_in_place", "sgd_step", source=(
        "def sgd_step(params, grads, lr):\n"
        "    for key in params:\n"
        "        params[key] -= lr * grads[key]\n"
        "    return params\n"),
        why="mutates the caller's arrays"),
    Mutant("sgd_step_plus", "sgd_step",
           edits=[("value - lr * grads[key]", "value + lr * grads[key]")],
           why="gradient ascent"),
    Mutant("accuracy_scores_vs_labels", "accuracy",
           edits=[("np.argmax(scores, axis=1) == y", "np.max(scores, axis=1) == y")],
           why="compares the scores themselves with the labels"),
    Mutant("accuracy_argmax_axis0", "accuracy",
           edits=[("np.argmax(scores, axis=1)", "np.argmax(scores, axis=0)")]),
    # ---------------------------------------------------------------- train_mlp
    Mutant("train_validates_on_training_set", "train_mlp",
           edits=[("val_scores = mlp_scores(params, X_val)",
                   "val_scores = mlp_scores(params, X_train)"),
                  ("cross_entropy(val_scores, y_val)", "cross_entropy(val_scores, y_train)"),
                  ("accuracy(val_scores, y_val)", "accuracy(val_scores, y_train)")]),
    Mutant("train_history_includes_start", "train_mlp",
           edits=[('history = {"train_loss": [], "val_loss": [], "val_acc": []}',
                   'history = {"train_loss": [mlp_loss(params, X_train, y_train)], '
                   '"val_loss": [mlp_loss(params, X_val, y_val)], '
                   '"val_acc": [accuracy(mlp_scores(params, X_val), y_val)]}')],
           why="epochs + 1 entries"),
    Mutant("train_history_per_batch", "train_mlp", source=(
        "def train_mlp(X_train, y_train, X_val, y_val, hidden=64, lr=0.1, batch_size=32,\n"
        "              epochs=20, rng=None):\n"
        "    rng = np.random.default_rng(0) if rng is None else rng\n"
        "    params = init_params(X_train.shape[1], hidden, int(y_train.max()) + 1, rng)\n"
        "    history = {'train_loss': [], 'val_loss': [], 'val_acc': []}\n"
        "    for _ in range(epochs):\n"
        "        for X_b, y_b in make_minibatches(X_train, y_train, batch_size, rng):\n"
        "            params = sgd_step(params, batch_gradient_vectorized(params, X_b, y_b), lr)\n"
        "            history['train_loss'].append(mlp_loss(params, X_b, y_b))\n"
        "            history['val_loss'].append(mlp_loss(params, X_val, y_val))\n"
        "            history['val_acc'].append(accuracy(mlp_scores(params, X_val), y_val))\n"
        "    return params, history\n"),
        why="one history entry per mini-batch"),
    Mutant("train_ignores_rng", "train_mlp",
           edits=[("rng = np.random.default_rng(0) if rng is None else rng",
                   "rng = np.random.default_rng(0)")]),
    Mutant("train_none_uses_global_state", "train_mlp",
           edits=[("rng = np.random.default_rng(0) if rng is None else rng",
                   "rng = np.random.default_rng() if rng is None else rng")],
           why="rng=None must mean default_rng(0)"),
    Mutant("train_returns_initial_params", "train_mlp",
           edits=[("    return params, history\n",
                   "    return init_params(X_train.shape[1], hidden, n_classes,\n"
                   "                       np.random.default_rng(0)), history\n")]),
]

VARIANTS = [
    Variant("minibatches_shuffle_and_split", "make_minibatches", source=(
        "def make_minibatches(X, y, batch_size, rng):\n"
        "    N = X.shape[0]\n"
        "    idx = np.arange(N)\n"
        "    rng.shuffle(idx)\n"
        "    pieces = np.array_split(idx, np.arange(batch_size, N, batch_size))\n"
        "    return [(X[p], y[p]) for p in pieces]\n")),
    Variant("minibatches_shuffle_copies_then_slice", "make_minibatches", source=(
        "def make_minibatches(X, y, batch_size, rng):\n"
        "    perm = rng.permutation(X.shape[0])\n"
        "    X_s, y_s = X[perm], y[perm]\n"
        "    out = []\n"
        "    i = 0\n"
        "    while i < len(X_s):\n"
        "        out.append((X_s[i:i + batch_size], y_s[i:i + batch_size]))\n"
        "        i += batch_size\n"
        "    return out\n")),
    Variant("loop_gradient_indexed_onehot", "batch_gradient_by_loop", source=(
        "def batch_gradient_by_loop(params, X, y):\n"
        "    W1, b1, W2, b2 = params['W1'], params['b1'], params['W2'], params['b2']\n"
        "    N, C = X.shape[0], W2.shape[1]\n"
        "    g = {'W1': np.zeros(W1.shape), 'b1': np.zeros(b1.shape),\n"
        "         'W2': np.zeros(W2.shape), 'b2': np.zeros(b2.shape)}\n"
        "    for i in range(N):\n"
        "        x = X[i:i + 1]                      # (1, D)\n"
        "        z = x @ W1 + b1\n"
        "        h = z * (z > 0)\n"
        "        s = h @ W2 + b2\n"
        "        e = np.exp(s - np.max(s))\n"
        "        p = e / np.sum(e)\n"
        "        onehot = np.zeros((1, C)); onehot[0, y[i]] = 1.0\n"
        "        ds = (p - onehot) / N\n"
        "        dz = (ds @ W2.T) * (z > 0)\n"
        "        g['W2'] += h.T @ ds; g['b2'] += ds[0]\n"
        "        g['W1'] += x.T @ dz; g['b1'] += dz[0]\n"
        "    return g\n")),
    Variant("vectorized_eye_onehot_mask_from_h", "batch_gradient_vectorized", source=(
        "def batch_gradient_vectorized(params, X, y):\n"
        "    n = len(y)\n"
        "    hidden = np.maximum(0, X @ params['W1'] + params['b1'])\n"
        "    scores = hidden @ params['W2'] + params['b2']\n"
        "    scores = scores - scores.max(axis=1)[:, None]\n"
        "    probs = np.exp(scores) / np.exp(scores).sum(axis=1)[:, None]\n"
        "    Y = np.eye(params['W2'].shape[1])[y]\n"
        "    d_scores = (probs - Y) / n\n"
        "    d_hidden = d_scores @ params['W2'].T\n"
        "    d_hidden[hidden <= 0] = 0.0\n"
        "    return {'W2': np.dot(hidden.T, d_scores), 'b2': np.sum(d_scores, 0),\n"
        "            'W1': np.dot(X.T, d_hidden), 'b1': np.sum(d_hidden, 0)}\n")),
    Variant("sgd_step_loop_copy", "sgd_step", source=(
        "def sgd_step(params, grads, lr):\n"
        "    new = {}\n"
        "    for key, value in params.items():\n"
        "        step = value.copy()\n"
        "        step -= lr * grads[key]\n"
        "        new[key] = step\n"
        "    return new\n")),
    Variant("accuracy_loop", "accuracy", source=(
        "def accuracy(scores, y):\n"
        "    hits = 0\n"
        "    for row, label in zip(scores, y):\n"
        "        hits += int(list(row).index(max(row)) == label)\n"
        "    return hits / len(y)\n")),
    Variant("train_running_average_own_shuffle", "train_mlp", source=(
        "def train_mlp(X_train, y_train, X_val, y_val, hidden=64, lr=0.1, batch_size=32,\n"
        "              epochs=20, rng=None):\n"
        "    if rng is None:\n"
        "        rng = np.random.default_rng(0)\n"
        "    C = int(y_train.max()) + 1\n"
        "    params = init_params(X_train.shape[1], hidden, C, rng)\n"
        "    history = {'train_loss': [], 'val_loss': [], 'val_acc': []}\n"
        "    N = len(X_train)\n"
        "    for epoch in range(epochs):\n"
        "        order = rng.permutation(N)\n"
        "        total = 0.0\n"
        "        for start in range(0, N, batch_size):\n"
        "            b = order[start:start + batch_size]\n"
        "            total += mlp_loss(params, X_train[b], y_train[b]) * len(b)\n"
        "            params = sgd_step(params, batch_gradient_vectorized(params, X_train[b],\n"
        "                                                                y_train[b]), lr)\n"
        "        scores = mlp_scores(params, X_val)\n"
        "        history['train_loss'].append(total / N)\n"
        "        history['val_loss'].append(mlp_loss(params, X_val, y_val))\n"
        "        history['val_acc'].append(accuracy(scores, y_val))\n"
        "    return params, history\n")),
]
