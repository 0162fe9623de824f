# ruff: noqa: E501 - answers kept as their student-side authors wrote them
"""Correct answers written from the student's side (student notebook and contract only)."""
from autograder.mutation import Variant

VARIANTS = [
    # ------------------------------------------------------------------ make_minibatches
    Variant("student_minibatches_permutation_slices", "make_minibatches", source=(
        "import numpy as np\n\n"
        "def make_minibatches(X, y, batch_size, rng):\n"
        "    order = rng.permutation(len(X))  # one order shared by X and y\n"
        "    batches = []\n"
        "    for start in range(0, len(order), batch_size):\n"
        "        chosen = order[start:start + batch_size]\n"
        "        batches.append((X[chosen], y[chosen]))\n"
        "    return batches\n"),
        why="rng.permutation, then slices of the index array in a loop"),
    Variant("student_minibatches_shuffle_split", "make_minibatches", source=(
        "import numpy as np\n\n"
        "def make_minibatches(X, y, batch_size, rng):\n"
        "    X, y = np.asarray(X), np.asarray(y)\n"
        "    index = np.arange(X.shape[0])\n"
        "    rng.shuffle(index)  # shuffles my own index array, not the data\n"
        "    cuts = np.arange(batch_size, X.shape[0], batch_size)\n"
        "    return [(X[part], y[part]) for part in np.split(index, cuts)]\n"),
        why="rng.shuffle of an index array and np.split at multiples of the batch size"),
    Variant("student_minibatches_argsort_keys", "make_minibatches", source=(
        "import numpy as np\n\n"
        "def make_minibatches(X, y, batch_size, rng):\n"
        "    keys = rng.random(len(y))\n"
        "    order = np.argsort(keys, kind=\"stable\")  # sorting random keys: a uniform shuffle\n"
        "    X_shuffled = np.take(X, order, axis=0)\n"
        "    y_shuffled = np.take(y, order, axis=0)\n"
        "    n_batches = -(-len(y) // batch_size)  # ceiling division\n"
        "    return [(X_shuffled[k * batch_size:(k + 1) * batch_size],\n"
        "             y_shuffled[k * batch_size:(k + 1) * batch_size])\n"
        "            for k in range(n_batches)]\n"),
        why="argsort of uniform random keys, np.take, batches counted by ceiling division"),
    # ------------------------------------------------------------------ sgd_step
    Variant("student_sgd_np_subtract", "sgd_step", source=(
        "import numpy as np\n\n"
        "def sgd_step(params, grads, lr):\n"
        "    return {key: np.subtract(value, np.multiply(lr, grads[key]))\n"
        "            for key, value in params.items()}\n"),
        why="dict comprehension with np.subtract / np.multiply"),
    Variant("student_sgd_copy_then_inplace", "sgd_step", source=(
        "import numpy as np\n\n"
        "def sgd_step(params, grads, lr):\n"
        "    new_params = {}\n"
        "    for name in params:\n"
        "        moved = np.array(params[name], dtype=np.float64, copy=True)  # my own copy\n"
        "        moved -= lr * np.asarray(grads[name])  # in place on the copy only\n"
        "        new_params[name] = moved\n"
        "    return new_params\n"),
        why="explicit copy of each parameter, then an in-place update of the copy"),
    # ------------------------------------------------------------------ accuracy
    Variant("student_accuracy_count_nonzero", "accuracy", source=(
        "import numpy as np\n\n"
        "def accuracy(scores, y):\n"
        "    predictions = np.argmax(scores, axis=-1)\n"
        "    correct = np.count_nonzero(predictions == np.asarray(y))\n"
        "    return correct / len(predictions)\n"),
        why="np.count_nonzero of the matches divided by the row count"),
    Variant("student_accuracy_row_loop", "accuracy", source=(
        "import numpy as np\n\n"
        "def accuracy(scores, y):\n"
        "    hits = 0\n"
        "    for row, label in zip(scores, y):  # one example at a time\n"
        "        if int(np.argmax(row)) == int(label):\n"
        "            hits += 1\n"
        "    return float(hits) / len(scores)\n"),
        why="a Python loop over rows counting hits"),
    # ------------------------------------------------------------------ momentum_step
    Variant("student_momentum_comprehensions", "momentum_step", source=(
        "import numpy as np\n\n"
        "def momentum_step(params, grads, velocity, lr, beta=0.9):\n"
        "    if velocity is None:\n"
        "        velocity = {k: np.zeros_like(v, dtype=np.float64) for k, v in params.items()}\n"
        "    new_velocity = {k: beta * velocity[k] + grads[k] for k in params}\n"
        "    new_params = {k: params[k] - lr * new_velocity[k] for k in params}\n"
        "    return new_params, new_velocity\n"),
        why="two dict comprehensions, zeros for a missing velocity"),
    Variant("student_momentum_first_step_branch", "momentum_step", source=(
        "import numpy as np\n\n"
        "def momentum_step(params, grads, velocity, lr, beta=0.9):\n"
        "    new_params, new_velocity = {}, {}\n"
        "    for key in params:\n"
        "        g = np.array(grads[key], dtype=np.float64)  # a fresh copy\n"
        "        if velocity is None:\n"
        "            v = g  # v_1 = beta * 0 + g_1, like torch's first step\n"
        "        else:\n"
        "            v = np.add(np.multiply(beta, velocity[key]), g)\n"
        "        new_velocity[key] = v\n"
        "        new_params[key] = np.subtract(params[key], lr * v)\n"
        "    return new_params, new_velocity\n"),
        why="torch's own first-step branch (buffer = copy of the gradient), ufuncs in a loop"),
    # ------------------------------------------------------------------ adam_step
    Variant("student_adam_dict_state", "adam_step", source=(
        "import numpy as np\n\n"
        "def adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):\n"
        "    if state is None:\n"
        "        state = {\"t\": 0,\n"
        "                 \"m\": {k: np.zeros_like(v, dtype=np.float64) for k, v in params.items()},\n"
        "                 \"v\": {k: np.zeros_like(v, dtype=np.float64) for k, v in params.items()}}\n"
        "    t = state[\"t\"] + 1\n"
        "    m = {k: beta1 * state[\"m\"][k] + (1 - beta1) * grads[k] for k in params}\n"
        "    v = {k: beta2 * state[\"v\"][k] + (1 - beta2) * grads[k] * grads[k] for k in params}\n"
        "    new_params = {}\n"
        "    for k in params:\n"
        "        m_hat = m[k] / (1 - beta1 ** t)\n"
        "        v_hat = v[k] / (1 - beta2 ** t)\n"
        "        new_params[k] = params[k] - lr * m_hat / (np.sqrt(v_hat) + eps)\n"
        "    return new_params, {\"t\": t, \"m\": m, \"v\": v}\n"),
        why="textbook bias-corrected m_hat, v_hat with a dict state"),
    Variant("student_adam_torch_form_tuple_state", "adam_step", source=(
        "import math\n\n"
        "import numpy as np\n\n"
        "def adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):\n"
        "    step, first, second = (0, {}, {}) if state is None else state\n"
        "    step += 1\n"
        "    correction1 = 1.0 - beta1 ** step\n"
        "    correction2 = 1.0 - beta2 ** step\n"
        "    new_params, new_first, new_second = {}, {}, {}\n"
        "    for key, p in params.items():\n"
        "        g = np.asarray(grads[key], dtype=np.float64)\n"
        "        m = first.get(key, 0.0) * beta1 + (1.0 - beta1) * g\n"
        "        v = second.get(key, 0.0) * beta2 + (1.0 - beta2) * np.square(g)\n"
        "        # as torch writes it: step size lr / c1, denominator sqrt(v) / sqrt(c2) + eps\n"
        "        denominator = np.sqrt(v) / math.sqrt(correction2) + eps\n"
        "        new_params[key] = p - (lr / correction1) * (m / denominator)\n"
        "        new_first[key], new_second[key] = m, v\n"
        "    return new_params, (step, new_first, new_second)\n"),
        why="torch's rearranged step (lr / c1, sqrt(v) / sqrt(c2) + eps), a tuple state"),
    # ================================================================ second batch (student side)
    # ------------------------------------------------------------------ batch_gradient_by_loop
    Variant("student_loop_outer_products", "batch_gradient_by_loop", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def batch_gradient_by_loop(params, X, y):\n"
        "    W1, b1, W2, b2 = params[\"W1\"], params[\"b1\"], params[\"W2\"], params[\"b2\"]\n"
        "    N = X.shape[0]\n"
        "    sums = {k: np.zeros(np.shape(v)) for k, v in params.items()}\n"
        "    for i in range(N):\n"
        "        x = X[i]\n"
        "        z = x @ W1 + b1                   # (H,)\n"
        "        h = np.maximum(z, 0.0)\n"
        "        s = h @ W2 + b2                   # (C,)\n"
        "        p = np.exp(s - s.max())\n"
        "        p /= p.sum()\n"
        "        ds = p.copy()\n"
        "        ds[y[i]] -= 1.0                   # softmax minus one-hot\n"
        "        dh = W2 @ ds\n"
        "        dz = dh * (z > 0)                 # relu'(0) = 0\n"
        "        sums[\"W2\"] += np.outer(h, ds)\n"
        "        sums[\"b2\"] += ds\n"
        "        sums[\"W1\"] += np.outer(x, dz)\n"
        "        sums[\"b1\"] += dz\n"
        "    return {k: v / N for k, v in sums.items()}\n"),
        why="per-example vectors, np.outer for the weights, sums divided by N at the end"),
    Variant("student_loop_row_matrices", "batch_gradient_by_loop", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def _one_example(params, x_row, label):\n"
        "    \"\"\"Gradients of one example's loss; x_row is (1, D).\"\"\"\n"
        "    z = x_row @ params[\"W1\"] + params[\"b1\"]           # (1, H)\n"
        "    h = np.where(z > 0, z, 0.0)\n"
        "    s = h @ params[\"W2\"] + params[\"b2\"]               # (1, C)\n"
        "    log_p = s - np.logaddexp.reduce(s, axis=1, keepdims=True)\n"
        "    ds = np.exp(log_p)\n"
        "    ds[0, label] -= 1.0\n"
        "    dz = (ds @ params[\"W2\"].T) * (z > 0)\n"
        "    return {\"W1\": x_row.T @ dz, \"b1\": dz[0], \"W2\": h.T @ ds, \"b2\": ds[0]}\n"
        "\n"
        "\n"
        "def batch_gradient_by_loop(params, X, y):\n"
        "    per_example = [_one_example(params, X[i:i + 1], int(y[i])) for i in range(len(y))]\n"
        "    return {key: np.mean([g[key] for g in per_example], axis=0) for key in params}\n"),
        why="each example as a (1, D) row through matrix products; np.mean over the stacked gradients"),
    Variant("student_loop_running_mean", "batch_gradient_by_loop", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def batch_gradient_by_loop(params, X, y):\n"
        "    mean = {k: np.zeros(np.shape(v), dtype=np.float64) for k, v in params.items()}\n"
        "    for n, (x, label) in enumerate(zip(X, y), start=1):\n"
        "        z = np.dot(x, params[\"W1\"]) + params[\"b1\"]\n"
        "        h = np.maximum(z, 0.0)\n"
        "        s = np.dot(h, params[\"W2\"]) + params[\"b2\"]\n"
        "        e = np.exp(s - np.max(s))\n"
        "        ds = e / np.sum(e)\n"
        "        ds[label] -= 1.0\n"
        "        dz = np.dot(params[\"W2\"], ds) * np.heaviside(z, 0.0)\n"
        "        grads = {\"W1\": np.outer(x, dz), \"b1\": dz, \"W2\": np.outer(h, ds), \"b2\": ds}\n"
        "        for k in mean:\n"
        "            mean[k] = mean[k] + (grads[k] - mean[k]) / n   # mean of the first n examples\n"
        "    return mean\n"),
        why="a running mean updated example by example with zip over rows and labels"),
    # ------------------------------------------------------------------ batch_gradient_vectorized
    Variant("student_vectorized_einsum", "batch_gradient_vectorized", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def batch_gradient_vectorized(params, X, y):\n"
        "    W1, b1, W2, b2 = (params[k] for k in (\"W1\", \"b1\", \"W2\", \"b2\"))\n"
        "    N = X.shape[0]\n"
        "    Z = np.einsum(\"nd,dh->nh\", X, W1) + b1\n"
        "    H = np.maximum(Z, 0.0)\n"
        "    S = np.einsum(\"nh,hc->nc\", H, W2) + b2\n"
        "    S = S - S.max(axis=1, keepdims=True)\n"
        "    P = np.exp(S)\n"
        "    P /= P.sum(axis=1, keepdims=True)\n"
        "    P[np.arange(N), y] -= 1.0\n"
        "    dS = P / N\n"
        "    dZ = np.einsum(\"nc,hc->nh\", dS, W2) * (Z > 0)\n"
        "    return {\"W1\": np.einsum(\"nd,nh->dh\", X, dZ), \"b1\": np.einsum(\"nh->h\", dZ),\n"
        "            \"W2\": np.einsum(\"nh,nc->hc\", H, dS), \"b2\": np.einsum(\"nc->c\", dS)}\n"),
        why="np.einsum for every product and sum"),
    Variant("student_vectorized_onehot_logsumexp", "batch_gradient_vectorized", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def batch_gradient_vectorized(params, X, y):\n"
        "    N = len(y)\n"
        "    C = params[\"W2\"].shape[1]\n"
        "    Z1 = X @ params[\"W1\"] + params[\"b1\"]\n"
        "    A1 = np.maximum(Z1, 0.0)\n"
        "    S = A1 @ params[\"W2\"] + params[\"b2\"]\n"
        "    lse = np.logaddexp.reduce(S, axis=1, keepdims=True)\n"
        "    Y = np.eye(C)[y]\n"
        "    dS = (np.exp(S - lse) - Y) / N\n"
        "    dA1 = dS @ params[\"W2\"].T\n"
        "    dZ1 = np.where(Z1 > 0, dA1, 0.0)\n"
        "    return {\"W1\": X.T @ dZ1, \"b1\": dZ1.sum(axis=0), \"W2\": A1.T @ dS, \"b2\": dS.sum(axis=0)}\n"),
        why="one-hot labels from np.eye, log-sum-exp through np.logaddexp.reduce, .T products"),
    Variant("student_vectorized_helpers", "batch_gradient_vectorized", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def _softmax_rows(S):\n"
        "    shifted = S - np.max(S, axis=1, keepdims=True)\n"
        "    e = np.exp(shifted)\n"
        "    return e / np.sum(e, axis=1, keepdims=True)\n"
        "\n"
        "\n"
        "def _relu_grad(Z):\n"
        "    return (Z > 0).astype(np.float64)\n"
        "\n"
        "\n"
        "def batch_gradient_vectorized(params, X, y):\n"
        "    X = np.asarray(X, dtype=np.float64)\n"
        "    N = X.shape[0]\n"
        "    Z = np.dot(X, params[\"W1\"]) + params[\"b1\"]\n"
        "    A = Z * _relu_grad(Z)\n"
        "    S = np.dot(A, params[\"W2\"]) + params[\"b2\"]\n"
        "    dS = _softmax_rows(S)\n"
        "    np.add.at(dS, (np.arange(N), np.asarray(y)), -1.0)\n"
        "    dS /= N\n"
        "    dZ = np.dot(dS, params[\"W2\"].T) * _relu_grad(Z)\n"
        "    grads = {}\n"
        "    grads[\"W2\"] = np.dot(A.T, dS)\n"
        "    grads[\"b2\"] = np.sum(dS, axis=0)\n"
        "    grads[\"W1\"] = np.dot(X.T, dZ)\n"
        "    grads[\"b1\"] = np.sum(dZ, axis=0)\n"
        "    return grads\n"),
        why="small helpers for softmax and the layers, np.add.at for the labels, np.dot"),
    # ------------------------------------------------------------------ train_mlp
    Variant("student_train_mlp_vectorized_grads", "train_mlp", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def train_mlp(X_train, y_train, X_val, y_val, hidden=64, lr=0.1, batch_size=32, epochs=20,\n"
        "              rng=None):\n"
        "    if rng is None:\n"
        "        rng = np.random.default_rng(0)\n"
        "    D = X_train.shape[1]\n"
        "    C = int(np.max(y_train)) + 1\n"
        "    params = init_params(D, hidden, C, rng)\n"
        "    history = {\"train_loss\": [], \"val_loss\": [], \"val_acc\": []}\n"
        "    for epoch in range(epochs):\n"
        "        for X_b, y_b in make_minibatches(X_train, y_train, batch_size, rng):\n"
        "            params = sgd_step(params, batch_gradient_vectorized(params, X_b, y_b), lr)\n"
        "        history[\"train_loss\"].append(mlp_loss(params, X_train, y_train))\n"
        "        history[\"val_loss\"].append(mlp_loss(params, X_val, y_val))\n"
        "        history[\"val_acc\"].append(accuracy(mlp_scores(params, X_val), y_val))\n"
        "    return params, history\n"),
        why="my batch_gradient_vectorized, the given mlp_loss and mlp_scores, my accuracy"),
    Variant("student_train_mlp_own_backprop", "train_mlp", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def _mean_gradient(params, X, y):\n"
        "    \"\"\"Mean gradient of the batch's cross-entropy: my backprop from notebook 04.\"\"\"\n"
        "    Z = X @ params[\"W1\"] + params[\"b1\"]\n"
        "    A = np.maximum(Z, 0.0)\n"
        "    S = A @ params[\"W2\"] + params[\"b2\"]\n"
        "    P = np.exp(S - S.max(axis=1, keepdims=True))\n"
        "    P /= P.sum(axis=1, keepdims=True)\n"
        "    P[np.arange(len(y)), y] -= 1.0\n"
        "    dS = P / len(y)\n"
        "    dZ = (dS @ params[\"W2\"].T) * (Z > 0)\n"
        "    return {\"W1\": X.T @ dZ, \"b1\": dZ.sum(axis=0), \"W2\": A.T @ dS, \"b2\": dS.sum(axis=0)}\n"
        "\n"
        "\n"
        "def train_mlp(X_train, y_train, X_val, y_val, hidden=64, lr=0.1, batch_size=32, epochs=20,\n"
        "              rng=None):\n"
        "    rng = np.random.default_rng(0) if rng is None else rng\n"
        "    params = init_params(D=X_train.shape[1], H=hidden, C=int(y_train.max()) + 1, rng=rng)\n"
        "    train_loss, val_loss, val_acc = [], [], []\n"
        "    for _ in range(epochs):\n"
        "        batches = make_minibatches(X=X_train, y=y_train, batch_size=batch_size, rng=rng)\n"
        "        for X_b, y_b in batches:\n"
        "            params = sgd_step(params=params, grads=_mean_gradient(params, X_b, y_b), lr=lr)\n"
        "        train_loss.append(cross_entropy(mlp_scores(params, X_train), y_train))\n"
        "        val_scores = mlp_scores(params, X_val)\n"
        "        val_loss.append(cross_entropy(val_scores, y_val))\n"
        "        val_acc.append(float(np.mean(np.argmax(val_scores, axis=1) == y_val)))\n"
        "    return params, {\"train_loss\": train_loss, \"val_loss\": val_loss, \"val_acc\": val_acc}\n"),
        why="the backward pass written again in a helper of the cell; keyword arguments; cross_entropy on the scores"),
    Variant("student_train_mlp_epoch_helper", "train_mlp", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def _run_epoch(params, X, y, batch_size, lr, rng):\n"
        "    for X_b, y_b in make_minibatches(X, y, batch_size, rng):  # a fresh shuffle\n"
        "        grads = batch_gradient_vectorized(params, X_b, y_b)\n"
        "        params = sgd_step(params, grads, lr)\n"
        "    return params\n"
        "\n"
        "\n"
        "def _evaluate(params, X_train, y_train, X_val, y_val):\n"
        "    val_scores = mlp_scores(params, X_val)\n"
        "    return {\"train_loss\": mlp_loss(params, X_train, y_train),\n"
        "            \"val_loss\": cross_entropy(val_scores, y_val),\n"
        "            \"val_acc\": accuracy(val_scores, y_val)}\n"
        "\n"
        "\n"
        "def train_mlp(X_train, y_train, X_val, y_val, hidden=64, lr=0.1, batch_size=32, epochs=20,\n"
        "              rng=None):\n"
        "    rng = rng if rng is not None else np.random.default_rng(0)\n"
        "    n_classes = int(np.max(y_train)) + 1\n"
        "    params = init_params(X_train.shape[1], hidden, n_classes, rng)\n"
        "    history = {\"train_loss\": [], \"val_loss\": [], \"val_acc\": []}\n"
        "    epoch = 0\n"
        "    while epoch < epochs:\n"
        "        params = _run_epoch(params, X_train, y_train, batch_size, lr, rng)\n"
        "        for name, value in _evaluate(params, X_train, y_train, X_val, y_val).items():\n"
        "            history[name].append(value)\n"
        "        epoch += 1\n"
        "    return params, history\n"),
        why="one helper per epoch and one for the evaluation; history filled from a dict of metrics"),
    # ------------------------------------------------------------------ sgd_step
    Variant("student_sgd_zip_values", "sgd_step", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def sgd_step(params, grads, lr):\n"
        "    keys = list(params)\n"
        "    moved = [np.asarray(params[k]) + (-lr) * np.asarray(grads[k]) for k in keys]\n"
        "    return dict(zip(keys, moved))\n"),
        why="zip over the keys and arrays, np.asarray and a negative step"),
    # ------------------------------------------------------------------ accuracy
    Variant("student_accuracy_equal_average", "accuracy", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def accuracy(scores, y):\n"
        "    predicted = np.asarray(scores).argmax(axis=1)\n"
        "    return float(np.average(np.equal(predicted, np.ravel(y))))\n"),
        why="np.equal of the argmax and the labels, np.average of the booleans"),
    # ------------------------------------------------------------------ momentum_step
    Variant("student_momentum_copy_loop", "momentum_step", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def momentum_step(params, grads, velocity, lr, beta=0.9):\n"
        "    new_params, new_velocity = {}, {}\n"
        "    for key, p in params.items():\n"
        "        old = np.zeros(np.shape(p)) if velocity is None else np.copy(velocity[key])\n"
        "        v = old * beta\n"
        "        v = v + np.asarray(grads[key])\n"
        "        new_velocity[key] = v\n"
        "        new_params[key] = np.asarray(p) - lr * v\n"
        "    return new_params, new_velocity\n"),
        why="plain loop with copies; the new velocity built from np.copy of the old"),
    # ------------------------------------------------------------------ adam_step
    Variant("student_adam_list_state_math", "adam_step", source=(
        "import math\n"
        "\n"
        "import numpy as np\n"
        "\n"
        "\n"
        "def adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):\n"
        "    if state is None:\n"
        "        t = 0\n"
        "        m = {k: np.zeros(np.shape(v)) for k, v in params.items()}\n"
        "        v = {k: np.zeros(np.shape(p)) for k, p in params.items()}\n"
        "    else:\n"
        "        t, m, v = state\n"
        "    t = t + 1\n"
        "    new_m, new_v, new_params = {}, {}, {}\n"
        "    for k in params:\n"
        "        g = np.asarray(grads[k], dtype=np.float64)\n"
        "        new_m[k] = beta1 * m[k] + (1.0 - beta1) * g\n"
        "        new_v[k] = beta2 * v[k] + (1.0 - beta2) * np.power(g, 2)\n"
        "        m_hat = new_m[k] / (1.0 - math.pow(beta1, t))\n"
        "        v_hat = new_v[k] / (1.0 - math.pow(beta2, t))\n"
        "        new_params[k] = params[k] - lr * m_hat / (np.sqrt(v_hat) + eps)\n"
        "    return new_params, (t, new_m, new_v)\n"),
        why="state a tuple (t, m, v) of dicts, corrections with math.pow and np.power"),
    # ================================================================ end of second batch
]
