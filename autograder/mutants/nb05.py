"""Mutation catalogue for 05_minibatches_and_sgd: plausible student bugs, and correct variants."""

from autograder.mutation import Mutant, Shortcut, Variant

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
           edits=[("return {key: total / len(X) for key, total in totals.items()}",
                   "return totals")],
           why="sum of per-example gradients instead of their mean"),
    Mutant("loop_gradient_relu_ge", "batch_gradient_by_loop",
           edits=[("(params[\"W2\"] @ ds) * (z1 > 0)", "(params[\"W2\"] @ ds) * (z1 >= 0)")],
           why="relu'(0) = 1"),
    Mutant("loop_gradient_inner_not_outer", "batch_gradient_by_loop",
           edits=[("totals[\"W2\"] += np.outer(h, ds)", "totals[\"W2\"] += np.outer(ds, h).T * 2")],
           why="wrong factor in dW2"),
    Mutant("vectorized_missing_mean", "batch_gradient_vectorized",
           edits=[("    dS /= N  # (N, C): the mean over the batch\n", "")],
           why="no 1/N: the gradient of the summed loss"),
    Mutant("vectorized_relu_ge", "batch_gradient_vectorized",
           edits=[("(dS @ params[\"W2\"].T) * (Z1 > 0)", "(dS @ params[\"W2\"].T) * (Z1 >= 0)")],
           why="relu'(0) = 1"),
    Mutant("vectorized_db2_wrong_axis", "batch_gradient_vectorized",
           edits=[('"b2": dS.sum(axis=0)', '"b2": dS.sum(axis=1)')]),
    Mutant("vectorized_unstable_softmax", "batch_gradient_vectorized",
           edits=[("np.exp(S - S.max(axis=1)[:, None])", "np.exp(S)")],
           why="no max shift: overflows for scores of magnitude 1000 (review r56, item 2)"),
    Mutant("loop_unstable_softmax", "batch_gradient_by_loop",
           edits=[("np.exp(s - s.max())", "np.exp(s)")],
           why="no max shift: overflows for scores of magnitude 1000 (review r56, item 2)"),
    Mutant("vectorized_clips_scores", "batch_gradient_vectorized",
           edits=[("np.exp(S - S.max(axis=1)[:, None])", "np.exp(np.clip(S, -500, 500))")],
           why="overflow avoided by clipping the scores, which changes the softmax of rows "
               "with close large scores (review r56b H2)"),
    Mutant("loop_clips_scores", "batch_gradient_by_loop",
           edits=[("np.exp(s - s.max())", "np.exp(np.clip(s, -500, 500))")],
           why="overflow avoided by clipping the scores (review r56b H2)"),
    Mutant("accuracy_argmin", "accuracy",
           edits=[("np.argmax(scores, axis=1)", "np.argmin(scores, axis=1)")],
           why="the smallest score taken for the prediction"),
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
           edits=[("scores_val = mlp_scores(params, X_val)",
                   "scores_val = mlp_scores(params, X_train)"),
                  ("cross_entropy(scores_val, y_val)", "cross_entropy(scores_val, y_train)"),
                  ("accuracy(scores_val, y_val)", "accuracy(scores_val, y_train)")]),
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
    Mutant("train_shuffles_once", "train_mlp",
           edits=[("    for _ in range(epochs):\n        for X_batch, y_batch in make_minibatches("
                   "X_train, y_train, batch_size, rng):\n",
                   "    batches = make_minibatches(X_train, y_train, batch_size, rng)\n"
                   "    for _ in range(epochs):\n        for X_batch, y_batch in batches:\n")],
           why="one shuffle reused by every epoch"),
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
    # ---------------------------------------------------------------- momentum_step
    Mutant("momentum_dampened", "momentum_step",
           edits=[("beta * velocity[key] + grads[key]",
                   "beta * velocity[key] + (1 - beta) * grads[key]")],
           why="the (1 - beta) convention, not torch's"),
    Mutant("momentum_steps_with_gradient", "momentum_step",
           edits=[("params[key] - lr * new_velocity[key]", "params[key] - lr * grads[key]")],
           why="the step ignores the velocity"),
    Mutant("momentum_steps_with_old_velocity", "momentum_step",
           edits=[("params[key] - lr * new_velocity[key]", "params[key] - lr * velocity[key]")],
           why="steps with the previous velocity"),
    Mutant("momentum_nesterov", "momentum_step",
           edits=[("params[key] - lr * new_velocity[key]",
                   "params[key] - lr * (grads[key] + beta * new_velocity[key])")],
           why="Nesterov's variant, not the contract's"),
    Mutant("momentum_beta_fixed", "momentum_step",
           edits=[("beta * velocity[key] + grads[key]", "0.9 * velocity[key] + grads[key]")],
           why="ignores the beta argument"),
    Mutant("momentum_in_place", "momentum_step", source=(
        "def momentum_step(params, grads, velocity, lr, beta=0.9):\n"
        "    if velocity is None:\n"
        "        velocity = {k: np.zeros(np.shape(v)) for k, v in params.items()}\n"
        "    for k in params:\n"
        "        velocity[k] *= beta\n"
        "        velocity[k] += grads[k]\n"
        "        params[k] -= lr * velocity[k]\n"
        "    return params, velocity\n"),
        why="updates the caller's params and velocity in place"),
    # ---------------------------------------------------------------- adam_step
    Mutant("adam_no_bias_correction", "adam_step",
           edits=[("m_hat = m[key] / (1 - beta1 ** t)", "m_hat = m[key]"),
                  ("v_hat = v[key] / (1 - beta2 ** t)", "v_hat = v[key]")]),
    Mutant("adam_only_first_moment_corrected", "adam_step",
           edits=[("v_hat = v[key] / (1 - beta2 ** t)", "v_hat = v[key]")]),
    Mutant("adam_t_not_advanced", "adam_step",
           edits=[('return new_params, {"t": t, "m": m, "v": v}',
                   'return new_params, {"t": 0, "m": m, "v": v}')],
           why="the step count stays 1: bias correction of the first step every time"),
    Mutant("adam_eps_inside_sqrt", "adam_step",
           edits=[("(np.sqrt(v_hat) + eps)", "np.sqrt(v_hat + eps)")]),
    Mutant("adam_second_moment_of_abs", "adam_step",
           edits=[("(1 - beta2) * grads[key] ** 2", "(1 - beta2) * np.abs(grads[key])")]),
    Mutant("adam_betas_swapped", "adam_step",
           edits=[("m_hat = m[key] / (1 - beta1 ** t)", "m_hat = m[key] / (1 - beta2 ** t)"),
                  ("v_hat = v[key] / (1 - beta2 ** t)", "v_hat = v[key] / (1 - beta1 ** t)")]),
    Mutant("adam_state_in_place", "adam_step", source=(
        "def adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):\n"
        "    if state is None:\n"
        "        state = {'t': 0, 'm': {k: np.zeros(np.shape(p)) for k, p in params.items()},\n"
        "                 'v': {k: np.zeros(np.shape(p)) for k, p in params.items()}}\n"
        "    state['t'] += 1\n"
        "    t = state['t']\n"
        "    new = {}\n"
        "    for k in params:\n"
        "        state['m'][k] = beta1 * state['m'][k] + (1 - beta1) * grads[k]\n"
        "        state['v'][k] = beta2 * state['v'][k] + (1 - beta2) * grads[k] ** 2\n"
        "        m_hat = state['m'][k] / (1 - beta1 ** t)\n"
        "        v_hat = state['v'][k] / (1 - beta2 ** t)\n"
        "        new[k] = params[k] - lr * m_hat / (np.sqrt(v_hat) + eps)\n"
        "    return new, state\n"),
        why="changes the state it was given (a second call with it differs)"),
    Mutant("train_loss_running_average", "train_mlp", source=(
        "def train_mlp(X_train, y_train, X_val, y_val, hidden=64, lr=0.1, batch_size=32,\n"
        "              epochs=20, rng=None):\n"
        "    if rng is None:\n"
        "        rng = np.random.default_rng(0)\n"
        "    C = int(max(np.max(y_train), np.max(y_val)) + 1)\n"
        "    params = init_params(X_train.shape[1], hidden, C, rng)\n"
        "    history = {'train_loss': [], 'val_loss': [], 'val_acc': []}\n"
        "    for epoch in range(epochs):\n"
        "        total, count = 0.0, 0\n"
        "        for Xb, yb in make_minibatches(X=X_train, y=y_train, batch_size=batch_size,\n"
        "                                       rng=rng):\n"
        "            total += mlp_loss(params, Xb, yb) * len(yb)\n"
        "            count += len(yb)\n"
        "            g = batch_gradient_by_loop(params, Xb, yb)\n"
        "            params = sgd_step(params=params, grads=g, lr=lr)\n"
        "        history['train_loss'].append(total / count)\n"
        "        s = mlp_scores(params, X_val)\n"
        "        history['val_loss'].append(cross_entropy(s, y_val))\n"
        "        history['val_acc'].append(accuracy(s, y_val))\n"
        "    return params, history\n"),
        why="train_loss is the average of the mini-batch losses, not the loss on the whole "
            "training set after the epoch (the contract)"),
]

SHORTCUTS = [
    Shortcut("train_one_shuffle_for_all_epochs", "train_mlp",
             edits=[("    for _ in range(epochs):\n"
                     "        for X_batch, y_batch in make_minibatches(X_train, y_train, "
                     "batch_size, rng):\n",
                     "    batches = make_minibatches(X_train, y_train, batch_size, rng)\n"
                     "    for _ in range(epochs):\n"
                     "        for X_batch, y_batch in batches:\n")],
             why="shuffles once and reuses the order every epoch"),
    Shortcut("train_no_shuffle", "train_mlp",
             edits=[("make_minibatches(X_train, y_train, batch_size, rng)",
                     "[(X_train[i:i + batch_size], y_train[i:i + batch_size])\n"
                     "                                 for i in range(0, len(X_train), "
                     "batch_size)]")],
             why="slices the data in its stored order, never shuffles"),
    Shortcut("train_full_batch_steps", "train_mlp",
             edits=[("params = sgd_step(params, batch_gradient_vectorized(params, X_batch, "
                     "y_batch), lr)",
                     "params = sgd_step(params, batch_gradient_vectorized(params, X_train, "
                     "y_train), lr)")],
             why="as many steps as batches, each with the full-data gradient"),
    Shortcut("train_one_full_batch_step_per_epoch", "train_mlp", source=(
        "def train_mlp(X_train, y_train, X_val, y_val, hidden=64, lr=0.1, batch_size=32,\n"
        "              epochs=20, rng=None):\n"
        "    rng = np.random.default_rng(0) if rng is None else rng\n"
        "    C = int(max(y_train.max(), y_val.max())) + 1\n"
        "    params = init_params(X_train.shape[1], hidden, C, rng)\n"
        "    history = {'train_loss': [], 'val_loss': [], 'val_acc': []}\n"
        "    for _ in range(epochs):\n"
        "        make_minibatches(X_train, y_train, batch_size, rng)\n"
        "        for _ in range(25):\n"
        "            params = sgd_step(params, batch_gradient_vectorized(params, X_train,\n"
        "                                                                y_train), 4 * lr)\n"
        "        history['train_loss'].append(mlp_loss(params, X_train, y_train))\n"
        "        history['val_loss'].append(mlp_loss(params, X_val, y_val))\n"
        "        history['val_acc'].append(accuracy(mlp_scores(params, X_val), y_val))\n"
        "    return params, history\n"),
        why="full-batch gradient descent dressed up with a make_minibatches call"),
    Shortcut("train_on_validation_data_too", "train_mlp",
             edits=[("make_minibatches(X_train, y_train, batch_size, rng)",
                     "make_minibatches(np.vstack([X_train, X_val]),\n"
                     "                                                 "
                     "np.concatenate([y_train, y_val]), batch_size, rng)")],
             why="trains on the validation data as well"),
    Shortcut("train_on_validation_data_when_64_features", "train_mlp",
             edits=[("make_minibatches(X_train, y_train, batch_size, rng)",
                     "make_minibatches(*((np.vstack([X_train, X_val]),\n"
                     "                                                   "
                     "np.concatenate([y_train, y_val])) if X_train.shape[1] == 64 else\n"
                     "                                                  (X_train, y_train)),\n"
                     "                                                 batch_size, rng)")],
             why="trains on the validation data too, only on the digits' shape (64 features)"),
    Shortcut("train_rng_ignored_global_state", "train_mlp",
             edits=[("make_minibatches(X_train, y_train, batch_size, rng)",
                     "make_minibatches(X_train, y_train, batch_size,\n"
                     "                                                 "
                     "np.random.default_rng(np.random.randint(2**31)))")],
             why="shuffles from numpy's global state, not from rng"),
    Shortcut("vectorized_calls_the_loop", "batch_gradient_vectorized", source=(
        "def batch_gradient_vectorized(params, X, y):\n"
        "    return batch_gradient_by_loop(params, X, y)\n"),
        why="the contract forbids calling batch_gradient_by_loop"),
    Shortcut("vectorized_torch_autograd", "batch_gradient_vectorized", source=(
        "def batch_gradient_vectorized(params, X, y):\n"
        "    import torch\n"
        "    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}\n"
        "    scores = torch.relu(torch.tensor(X) @ t['W1'] + t['b1']) @ t['W2'] + t['b2']\n"
        "    torch.nn.functional.cross_entropy(scores, torch.tensor(y)).backward()\n"
        "    return {k: v.grad.numpy() for k, v in t.items()}\n"),
        why="torch autograd instead of the student's backward pass"),
    Shortcut("loop_torch_autograd", "batch_gradient_by_loop", source=(
        "def batch_gradient_by_loop(params, X, y):\n"
        "    import torch\n"
        "    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}\n"
        "    for i in range(len(X)):\n"
        "        x = torch.tensor(X[i:i + 1])\n"
        "        s = torch.relu(x @ t['W1'] + t['b1']) @ t['W2'] + t['b2']\n"
        "        (torch.nn.functional.cross_entropy(s, torch.tensor(y[i:i + 1])) / len(X))"
        ".backward()\n"
        "    return {k: v.grad.numpy() for k, v in t.items()}\n"),
        why="torch autograd instead of the student's backward pass"),
    Shortcut("adam_ignores_eps", "adam_step",
             edits=[("(np.sqrt(v_hat) + eps)", "(np.sqrt(v_hat) + 1e-8)")],
             why="ignores the eps argument"),
    Shortcut("train_own_shuffle_no_make_minibatches", "train_mlp",
             why="shuffles and slices itself: not built from make_minibatches", source=(
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
    Shortcut("train_pretrain_on_validation", "train_mlp",
             edits=[("    history = {\"train_loss\": [], \"val_loss\": [], \"val_acc\": []}\n",
                     "    for _ in range(300):\n"
                     "        g = batch_gradient_vectorized(params, X_val, y_val)\n"
                     "        params = {k: params[k] - 0.5 * g[k] for k in params}\n"
                     "    history = {\"train_loss\": [], \"val_loss\": [], \"val_acc\": []}\n")],
             why="full-batch descent on the validation data before the loop, without sgd_step "
                 "(reviewer's answers/pretrain_val.py)"),
    Shortcut("train_history_copied_from_final", "train_mlp", source=(
        "def train_mlp(X_train, y_train, X_val, y_val, hidden=64, lr=0.1, batch_size=32,\n"
        "              epochs=20, rng=None):\n"
        "    rng = np.random.default_rng(0) if rng is None else rng\n"
        "    C = int(max(y_train.max(), y_val.max())) + 1\n"
        "    params = init_params(X_train.shape[1], hidden, C, rng)\n"
        "    for _ in range(epochs):\n"
        "        for Xb, yb in make_minibatches(X_train, y_train, batch_size, rng):\n"
        "            params = sgd_step(params, batch_gradient_vectorized(params, Xb, yb), lr)\n"
        "    s = mlp_scores(params, X_val)\n"
        "    history = {'train_loss': [mlp_loss(params, X_train, y_train)] * epochs,\n"
        "               'val_loss': [cross_entropy(s, y_val)] * epochs,\n"
        "               'val_acc': [accuracy(s, y_val)] * epochs}\n"
        "    return params, history\n"),
        why="no per-epoch evaluation: the final numbers copied into every epoch "
            "(reviewer's answers/history_copy.py)"),
    Shortcut("train_init_from_fixed_seed", "train_mlp",
             edits=[("init_params(X_train.shape[1], hidden, n_classes, rng)",
                     "init_params(X_train.shape[1], hidden, n_classes,\n"
                     "                         np.random.default_rng(12345))")],
             why="initial weights from a fixed generator, not from rng"),
    Shortcut("vectorized_is_a_loop", "batch_gradient_vectorized", source=(
        "def batch_gradient_vectorized(params, X, y):\n"
        "    totals = {key: np.zeros(np.shape(value)) for key, value in params.items()}\n"
        "    for x_i, y_i in zip(X, y):\n"
        "        z1 = x_i @ params['W1'] + params['b1']\n"
        "        h = z1 * (z1 > 0)\n"
        "        s = h @ params['W2'] + params['b2']\n"
        "        p = np.exp(s - s.max())\n"
        "        p /= p.sum()\n"
        "        ds = p.copy()\n"
        "        ds[y_i] -= 1.0\n"
        "        dz1 = (params['W2'] @ ds) * (z1 > 0)\n"
        "        totals['W2'] += np.outer(h, ds)\n"
        "        totals['b2'] += ds\n"
        "        totals['W1'] += np.outer(x_i, dz1)\n"
        "        totals['b1'] += dz1\n"
        "    return {key: total / len(X) for key, total in totals.items()}\n"),
        why="a Python loop over the examples (reviewer's answers/vec_is_loop.py)"),
    Shortcut("vectorized_indexed_row_loop", "batch_gradient_vectorized", source=(
        "def batch_gradient_vectorized(params, X, y):\n"
        "    parts = []\n"
        "    for i in range(X.shape[0]):\n"
        "        x = X[i:i + 1]\n"
        "        z = x @ params['W1'] + params['b1']\n"
        "        h = np.maximum(z, 0)\n"
        "        s = h @ params['W2'] + params['b2']\n"
        "        p = np.exp(s - s.max()); p /= p.sum()\n"
        "        p[0, y[i]] -= 1\n"
        "        dz = (p @ params['W2'].T) * (z > 0)\n"
        "        parts.append({'W1': x.T @ dz, 'b1': dz[0], 'W2': h.T @ p, 'b2': p[0]})\n"
        "    return {k: sum(g[k] for g in parts) / len(parts) for k in parts[0]}\n"),
        why="a loop over the rows by index"),
    Shortcut("loop_without_a_loop", "batch_gradient_by_loop", source=(
        "def batch_gradient_by_loop(params, X, y):\n"
        "    N = X.shape[0]\n"
        "    Z1 = X @ params['W1'] + params['b1']\n"
        "    H = Z1 * (Z1 > 0)\n"
        "    S = H @ params['W2'] + params['b2']\n"
        "    P = np.exp(S - S.max(axis=1)[:, None]); P = P / P.sum(axis=1)[:, None]\n"
        "    dS = P.copy(); dS[np.arange(N), y] -= 1.0; dS /= N\n"
        "    dZ1 = (dS @ params['W2'].T) * (Z1 > 0)\n"
        "    return {'W1': X.T @ dZ1, 'b1': dZ1.sum(axis=0), 'W2': H.T @ dS,\n"
        "            'b2': dS.sum(axis=0)}\n"),
        why="the matrix computation, no loop over the examples (reviewer's "
            "answers/loop_no_loop.py)"),
    Shortcut("loop_calls_the_vectorized", "batch_gradient_by_loop", source=(
        "def batch_gradient_by_loop(params, X, y):\n"
        "    return batch_gradient_vectorized(params, X, y)\n"),
        why="the contract forbids calling batch_gradient_vectorized"),
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
    Variant("loop_pasted_notebook04_layers", "batch_gradient_by_loop", source=(
        "def linear_forward(X, W, b):\n"
        "    return X @ W + b, (X, W)\n"
        "\n\n"
        "def linear_backward(dout, cache):\n"
        "    X, W = cache\n"
        "    return dout @ W.T, X.T @ dout, dout.sum(axis=0)\n"
        "\n\n"
        "def softmax_cross_entropy(S, y):\n"
        "    S = S - S.max(axis=1, keepdims=True)\n"
        "    P = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)\n"
        "    n = len(y)\n"
        "    dS = P.copy(); dS[np.arange(n), y] -= 1\n"
        "    return -np.log(P[np.arange(n), y]).mean(), dS / n\n"
        "\n\n"
        "def batch_gradient_by_loop(params, X, y):\n"
        "    acc = None\n"
        "    for i in range(len(X)):\n"
        "        Z1, c1 = linear_forward(X[i:i + 1], params['W1'], params['b1'])\n"
        "        H = np.maximum(Z1, 0)\n"
        "        S, c3 = linear_forward(H, params['W2'], params['b2'])\n"
        "        _, dS = softmax_cross_entropy(S, y[i:i + 1])\n"
        "        dH, dW2, db2 = linear_backward(dS, c3)\n"
        "        _, dW1, db1 = linear_backward(dH * (Z1 > 0), c1)\n"
        "        g = {'W1': dW1, 'b1': db1, 'W2': dW2, 'b2': db2}\n"
        "        acc = g if acc is None else {k: acc[k] + g[k] for k in acc}\n"
        "    return {k: v / len(X) for k, v in acc.items()}\n")),
    Variant("loop_asarray_first_enumerate", "batch_gradient_by_loop", source=(
        "def batch_gradient_by_loop(params, X, y):\n"
        "    X = np.asarray(X, dtype=float)\n"
        "    grads = {k: np.zeros_like(v, dtype=float) for k, v in params.items()}\n"
        "    for i, x in enumerate(X):\n"
        "        z = params['W1'].T @ x + params['b1']\n"
        "        h = np.where(z > 0, z, 0.0)\n"
        "        s = params['W2'].T @ h + params['b2']\n"
        "        p = np.exp(s - np.max(s)); p = p / p.sum()\n"
        "        p[y[i]] -= 1\n"
        "        dz = np.where(z > 0, params['W2'] @ p, 0.0)\n"
        "        grads['W2'] += h[:, None] * p[None, :]; grads['b2'] += p\n"
        "        grads['W1'] += x[:, None] * dz[None, :]; grads['b1'] += dz\n"
        "    return {k: g / X.shape[0] for k, g in grads.items()}\n")),
    Variant("vectorized_einsum_where", "batch_gradient_vectorized", source=(
        "def batch_gradient_vectorized(params, X, y):\n"
        "    n = len(y)\n"
        "    Z1 = X @ params['W1'] + params['b1']\n"
        "    H = np.maximum(Z1, 0)\n"
        "    S = H @ params['W2'] + params['b2']\n"
        "    P = np.exp(S - S.max(axis=1, keepdims=True))\n"
        "    P /= P.sum(axis=1, keepdims=True)\n"
        "    dS = (P - np.eye(params['W2'].shape[1])[y]) / n\n"
        "    dZ1 = np.where(Z1 > 0, dS @ params['W2'].T, 0.0)\n"
        "    return {'W2': np.einsum('nh,nc->hc', H, dS), 'b2': dS.sum(0),\n"
        "            'W1': np.einsum('nd,nh->dh', X, dZ1), 'b1': dZ1.sum(0)}\n")),
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
    Variant("train_keywords_whole_set_loss", "train_mlp", source=(
        "def train_mlp(X_train, y_train, X_val, y_val, hidden=64, lr=0.1, batch_size=32,\n"
        "              epochs=20, rng=None):\n"
        "    if rng is None:\n"
        "        rng = np.random.default_rng(0)\n"
        "    C = int(max(np.max(y_train), np.max(y_val)) + 1)\n"
        "    params = init_params(X_train.shape[1], hidden, C, rng)\n"
        "    history = {'train_loss': [], 'val_loss': [], 'val_acc': []}\n"
        "    for epoch in range(epochs):\n"
        "        for Xb, yb in make_minibatches(X=X_train, y=y_train, batch_size=batch_size,\n"
        "                                       rng=rng):\n"
        "            g = batch_gradient_by_loop(params, Xb, yb)\n"
        "            params = sgd_step(params=params, grads=g, lr=lr)\n"
        "        history['train_loss'].append(cross_entropy(mlp_scores(params, X_train),\n"
        "                                                   y_train))\n"
        "        s = mlp_scores(params, X_val)\n"
        "        history['val_loss'].append(cross_entropy(s, y_val))\n"
        "        history['val_acc'].append(accuracy(s, y_val))\n"
        "    return params, history\n")),
    Variant("momentum_loop_get", "momentum_step", source=(
        "def momentum_step(params, grads, velocity, lr, beta=0.9):\n"
        "    new_p, new_v = {}, {}\n"
        "    for name in params:\n"
        "        old = 0.0 if velocity is None else velocity[name]\n"
        "        v = np.add(np.multiply(old, beta), grads[name])\n"
        "        new_v[name] = np.array(v, dtype=float)\n"
        "        new_p[name] = params[name] - lr * v\n"
        "    return new_p, new_v\n")),
    Variant("adam_tuple_state_torch_form", "adam_step", source=(
        "def adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):\n"
        "    import math\n"
        "    if state is None:\n"
        "        state = (0, {}, {})\n"
        "    step, m_old, v_old = state\n"
        "    step += 1\n"
        "    m_new, v_new, out = {}, {}, {}\n"
        "    bc1 = 1 - beta1 ** step\n"
        "    bc2 = 1 - beta2 ** step\n"
        "    for k, p in params.items():\n"
        "        g = grads[k]\n"
        "        m_new[k] = m_old.get(k, 0.0) * beta1 + g * (1 - beta1)\n"
        "        v_new[k] = v_old.get(k, 0.0) * beta2 + g * g * (1 - beta2)\n"
        "        denom = np.sqrt(v_new[k]) / math.sqrt(bc2) + eps\n"
        "        out[k] = p - (lr / bc1) * m_new[k] / denom\n"
        "    return out, (step, m_new, v_new)\n")),
]

# Issue 25: a correct train_mlp that uses the notebook's given Timer (a helper the notebook
# itself imports and uses is allowed in answers).
VARIANTS += [
    Variant("train_timed_with_given_timer", "train_mlp", edits=[
        ('    history = {"train_loss": [], "val_loss": [], "val_acc": []}\n'
         "    for _ in range(epochs):\n",
         '    history = {"train_loss": [], "val_loss": [], "val_acc": []}\n'
         "    seconds = []\n"
         "    for _ in range(epochs):\n"
         "      with Timer() as timer:\n"),
        ('        history["val_acc"].append(accuracy(scores_val, y_val))\n',
         '        history["val_acc"].append(accuracy(scores_val, y_val))\n'
         '      seconds.append(timer.seconds)\n')],
        why="times each epoch with the given Timer (issue 25)"),
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
    Shortcut("train_detects_the_harness", "train_mlp", edits=[
        ("def train_mlp(", _HARNESS_DETECTOR + "def train_mlp("),
        ("    for _ in range(epochs):\n"
         "        for X_batch, y_batch in make_minibatches(X_train, y_train, batch_size, rng):\n"
         "            params = sgd_step(params, batch_gradient_vectorized(params, X_batch, "
         "y_batch), lr)\n",
         "    watched = (_harness(make_minibatches, 'make_minibatches')\n"
         "               or _harness(sgd_step, 'sgd_step'))\n"
         "    for _ in range(epochs):\n"
         "        if watched:\n"
         "            batches = make_minibatches(X_train, y_train, batch_size, rng)\n"
         "        else:\n"
         "            order = rng.permutation(len(X_train))\n"
         "            batches = [(X_train[order[i:i + batch_size]],\n"
         "                        y_train[order[i:i + batch_size]])\n"
         "                       for i in range(0, len(order), batch_size)]\n"
         "        for X_batch, y_batch in batches:\n"
         "            grads = batch_gradient_vectorized(params, X_batch, y_batch)\n"
         "            params = (sgd_step(params, grads, lr) if watched else\n"
         "                      {k: v - lr * grads[k] for k, v in params.items()})\n")],
        why="its own shuffle and update unless the collaborators look like recording wrappers"),
]


# --- adversarial review 2026-12-06 (branch review): entries prefixed rv_ -------------------------

_RV_TRAIN_HEAD = '''
def train_mlp(X_train, y_train, X_val, y_val, hidden=64, lr=0.1, batch_size=32, epochs=20,
              rng=None):
    rng = np.random.default_rng(0) if rng is None else rng
    X_train = np.asarray(X_train, dtype=float)
    X_val = np.asarray(X_val, dtype=float)
    y_train = np.asarray(y_train)
    y_val = np.asarray(y_val)
    params = init_params(X_train.shape[1], hidden, int(y_train.max()) + 1, rng)
    history = {"train_loss": [], "val_loss": [], "val_acc": []}
'''
_RV_TRAIN_TAIL = '''
        history["train_loss"].append(mlp_loss(params, X_train, y_train))
        history["val_loss"].append(mlp_loss(params, X_val, y_val))
        history["val_acc"].append(accuracy(mlp_scores(params, X_val), y_val))
    return params, history
'''

VARIANTS += [
    Variant("rv_vectorized_uses_given_mlp_scores", "batch_gradient_vectorized", source='''
def batch_gradient_vectorized(params, X, y):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).astype(int)
    n = X.shape[0]
    z1 = X @ params["W1"] + params["b1"]
    h = np.maximum(z1, 0.0)
    scores = mlp_scores(params, X)
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(n), y] -= 1.0
    d = p / n
    dh = (d @ params["W2"].T) * (z1 > 0)
    return {"W1": X.T @ dh, "b1": dh.sum(0), "W2": h.T @ d, "b2": d.sum(0)}
''', why="the scores from the notebook's given mlp_scores"),
    Variant("rv_sgd_deepcopy_then_in_place", "sgd_step", source='''
import copy


def sgd_step(params, grads, lr):
    new = copy.deepcopy(params)
    for k in new:
        new[k] -= lr * grads[k]
    return new
''', why="a defensive deep copy, then in-place updates of the copy"),
    Variant("rv_accuracy_count_nonzero", "accuracy", source='''
def accuracy(scores, y):
    predictions = np.asarray(scores).argmax(axis=-1)
    return np.count_nonzero(predictions == np.asarray(y)) / len(predictions)
'''),
    Variant("rv_train_given_history_timer_helpers", "train_mlp", source='''
from nncourse.records import History


def train_mlp(X_train, y_train, X_val, y_val, hidden=64, lr=0.1, batch_size=32, epochs=20,
              rng=None):
    if rng is None:
        rng = np.random.default_rng(0)
    params = init_params(X_train.shape[1], hidden, int(np.max(y_train)) + 1, rng)
    history = History()
    for epoch in range(epochs):
        with Timer() as timer:
            for X_batch, y_batch in make_minibatches(X_train, y_train, batch_size, rng):
                grads = batch_gradient_vectorized(params, X_batch, y_batch)
                params = sgd_step(params, grads, lr)
        history.add(train_loss=mlp_loss(params, X_train, y_train),
                    val_loss=mlp_loss(params, X_val, y_val),
                    val_acc=accuracy(mlp_scores(params, X_val), y_val))
    return params, history
''', why="the given History and Timer, the given mlp_loss/mlp_scores, the student's accuracy"),
    Variant("rv_momentum_fromkeys", "momentum_step", source='''
def momentum_step(params, grads, velocity, lr, beta=0.9):
    if velocity is None:
        velocity = dict.fromkeys(params, 0.0)
    new_velocity = {k: beta * velocity[k] + np.asarray(grads[k], dtype=float) for k in params}
    new_params = {k: params[k] - lr * new_velocity[k] for k in params}
    return new_params, new_velocity
''', why="a scalar zero velocity broadcast on the first step"),
    Variant("rv_adam_dict_state", "adam_step", source='''
def adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    if state is None:
        state = {"t": 0,
                 "m": {k: np.zeros(np.shape(v)) for k, v in params.items()},
                 "v": {k: np.zeros(np.shape(v)) for k, v in params.items()}}
    t = state["t"] + 1
    m = {k: beta1 * state["m"][k] + (1 - beta1) * np.asarray(grads[k]) for k in params}
    v = {k: beta2 * state["v"][k] + (1 - beta2) * np.square(grads[k]) for k in params}
    new = {}
    for k in params:
        m_hat = m[k] / (1 - beta1 ** t)
        v_hat = v[k] / (1 - beta2 ** t)
        new[k] = params[k] - lr * m_hat / (np.sqrt(v_hat) + eps)
    return new, {"t": t, "m": m, "v": v}
''', why="textbook m_hat / v_hat form, dict state"),
]

SHORTCUTS += [
    Shortcut("rv_minibatches_own_seed", "make_minibatches", source='''
def make_minibatches(X, y, batch_size, rng):
    order = np.random.default_rng(12345).permutation(len(X))
    X, y = np.asarray(X)[order], np.asarray(y)[order]
    return [(X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(X), batch_size)]
''', why="ignores rng: the same shuffle every call"),
    Shortcut("rv_minibatches_global_rng", "make_minibatches", source='''
def make_minibatches(X, y, batch_size, rng):
    order = np.random.permutation(len(X))
    X, y = np.asarray(X)[order], np.asarray(y)[order]
    return [(X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(X), batch_size)]
''', why="ignores rng: numpy's global generator"),
    Shortcut("rv_sgd_in_place", "sgd_step", source='''
def sgd_step(params, grads, lr):
    for k in params:
        params[k] -= lr * grads[k]
    return params
''', why="mutates params"),
    Shortcut("rv_momentum_ignores_beta", "momentum_step", source='''
def momentum_step(params, grads, velocity, lr, beta=0.9):
    if velocity is None:
        velocity = {k: np.zeros_like(np.asarray(v, dtype=float)) for k, v in params.items()}
    new_velocity = {k: 0.9 * velocity[k] + grads[k] for k in params}
    return {k: params[k] - lr * new_velocity[k] for k in params}, new_velocity
''', why="beta hard-coded to its default"),
    Shortcut("rv_adam_ignores_beta2", "adam_step", source='''
def adam_step(params, grads, state, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    if state is None:
        state = {"t": 0,
                 "m": {k: np.zeros(np.shape(v)) for k, v in params.items()},
                 "v": {k: np.zeros(np.shape(v)) for k, v in params.items()}}
    t = state["t"] + 1
    m = {k: beta1 * state["m"][k] + (1 - beta1) * np.asarray(grads[k]) for k in params}
    v = {k: 0.999 * state["v"][k] + (1 - 0.999) * np.square(grads[k]) for k in params}
    new = {k: params[k] - lr * (m[k] / (1 - beta1 ** t)) / (np.sqrt(v[k] / (1 - 0.999 ** t)) + eps)
           for k in params}
    return new, {"t": t, "m": m, "v": v}
''', why="beta2 hard-coded to its default"),
    Shortcut("rv_train_val_in_last_epoch", "train_mlp", source=_RV_TRAIN_HEAD + '''
    for epoch in range(epochs):
        for X_batch, y_batch in make_minibatches(X_train, y_train, batch_size, rng):
            params = sgd_step(params, batch_gradient_vectorized(params, X_batch, y_batch), lr)
        if epoch == epochs - 1 and len(X_val) > 100:
            for X_batch, y_batch in make_minibatches(X_val, y_val, batch_size, rng):
                params = sgd_step(params, batch_gradient_vectorized(params, X_batch, y_batch),
                                  lr)
''' + _RV_TRAIN_TAIL, why="a last pass over the validation data, only for large validation sets"),
]

VARIANTS += [
    Variant("rv_loop_uses_given_mlp_scores", "batch_gradient_by_loop", source='''
def batch_gradient_by_loop(params, X, y):
    X = np.asarray(X, dtype=float)
    n = X.shape[0]
    grads = {k: np.zeros(np.shape(v)) for k, v in params.items()}
    for i in range(n):
        x = X[i:i + 1]
        z1 = x @ params["W1"] + params["b1"]
        h = np.maximum(z1, 0.0)
        s = mlp_scores(params, x)[0]
        p = np.exp(s - s.max())
        p /= p.sum()
        p[int(y[i])] -= 1.0
        dh = (params["W2"] @ p) * (z1[0] > 0)
        grads["W2"] += np.outer(h[0], p)
        grads["b2"] += p
        grads["W1"] += np.outer(x[0], dh)
        grads["b1"] += dh
    return {k: g / n for k, g in grads.items()}
''', why="each example's scores from the given mlp_scores"),
]

# --- issue 20 item 4: behaviour kept only on the checks' small inputs (in4_) ----------------
SHORTCUTS += [
    Shortcut("in4_minibatches_shuffle_small_only", "make_minibatches",
             edits=[("    order = rng.permutation(len(X))\n",
                     "    order = rng.permutation(len(X))\n"
                     "    if len(X) > 500:  # the checks' data sets are small\n"
                     "        order = np.arange(len(X))\n")],
             why="shuffles small data sets only; the digits keep their stored order"),
    Shortcut("in4_minibatches_one_shuffle_per_size", "make_minibatches",
             edits=[("    order = rng.permutation(len(X))\n",
                     "    cache = globals().setdefault('_orders', {})\n"
                     "    order = rng.permutation(len(X))\n"
                     "    if len(X) > 500:  # one order per data size, reused every epoch\n"
                     "        order = cache.setdefault(len(X), order)\n")],
             why="draws a new shuffle on small data only; a large data set gets one order "
                 "for all epochs"),
    Shortcut("in4_minibatches_rotation", "make_minibatches",
             edits=[("    order = rng.permutation(len(X))\n",
                     "    order = np.roll(np.arange(len(X)), int(rng.integers(1, len(X))))\n")],
             why="a random rotation of the stored order, not a shuffle: neighbours stay "
                 "neighbours"),
    Shortcut("in4_minibatches_shuffle_first_rows", "make_minibatches",
             edits=[("    order = rng.permutation(len(X))\n",
                     "    order = np.arange(len(X))\n"
                     "    order[:40] = rng.permutation(order[:40])\n")],
             why="shuffles the first 40 examples only"),
    Shortcut("in4_train_one_shuffle_when_64_features", "train_mlp",
             edits=[("    for _ in range(epochs):\n"
                     "        for X_batch, y_batch in make_minibatches(X_train, y_train, "
                     "batch_size, rng):\n",
                     "    first = None\n"
                     "    for _ in range(epochs):\n"
                     "        batches = make_minibatches(X_train, y_train, batch_size, rng)\n"
                     "        if X_train.shape[1] == 64:  # the digits: one order for all\n"
                     "            first = batches if first is None else first\n"
                     "            batches = first\n"
                     "        for X_batch, y_batch in batches:\n")],
             why="reuses the first epoch's shuffle on the digits' shape only"),
]

VARIANTS += [
    Variant("in4_minibatches_choice_without_replacement", "make_minibatches", source='''
def make_minibatches(X, y, batch_size, rng):
    n = X.shape[0]
    picked = rng.choice(n, size=n, replace=False)
    return [(X.take(picked[i:i + batch_size], axis=0), y.take(picked[i:i + batch_size]))
            for i in range(0, n, batch_size)]
''', why="rng.choice without replacement and np.take"),
    Variant("in4_minibatches_argsort_keys", "make_minibatches", source='''
def make_minibatches(X, y, batch_size, rng):
    order = np.argsort(rng.random(len(y)), kind="stable")
    X_shuffled, y_shuffled = X[order], y[order]
    batches, start = [], 0
    while start < len(order):
        batches.append((X_shuffled[start:start + batch_size],
                        y_shuffled[start:start + batch_size]))
        start += batch_size
    return batches
''', why="sorting random keys, shuffled copies sliced in a while loop"),
    Variant("in4_minibatches_shuffle_index_array", "make_minibatches", source='''
def make_minibatches(X, y, batch_size, rng):
    index = np.arange(len(X))
    rng.shuffle(index)
    n_batches = -(-len(X) // batch_size)
    return [(X[index[k * batch_size:(k + 1) * batch_size]],
             y[index[k * batch_size:(k + 1) * batch_size]]) for k in range(n_batches)]
''', why="rng.shuffle of an index array, batches counted with ceiling division"),
    Variant("in4_train_while_loops", "train_mlp", source='''
def train_mlp(X_train, y_train, X_val, y_val, hidden=64, lr=0.1, batch_size=32, epochs=20,
              rng=None):
    if rng is None:
        rng = np.random.default_rng(0)
    C = int(max(np.max(y_train), np.max(y_val))) + 1
    params = init_params(X_train.shape[1], hidden, C, rng)
    history = {"train_loss": [], "val_loss": [], "val_acc": []}

    def record():
        history["train_loss"].append(float(mlp_loss(params, X_train, y_train)))
        history["val_loss"].append(float(mlp_loss(params, X_val, y_val)))
        history["val_acc"].append(float(accuracy(mlp_scores(params, X_val), y_val)))

    epoch = 0
    while epoch < epochs:
        batches = make_minibatches(X_train, y_train, batch_size, rng)
        k = 0
        while k < len(batches):
            Xb, yb = batches[k]
            params = sgd_step(params, batch_gradient_vectorized(params, Xb, yb), lr)
            k += 1
        record()
        epoch += 1
    return params, history
''', why="while loops and a nested helper that records the history"),
    Variant("in4_train_by_loop_gradient", "train_mlp", source='''
def train_mlp(X_train, y_train, X_val, y_val, hidden=64, lr=0.1, batch_size=32, epochs=20,
              rng=None):
    rng = rng if rng is not None else np.random.default_rng(0)
    n_classes = 1 + int(np.concatenate([y_train, y_val]).max())
    params = init_params(X_train.shape[1], hidden, n_classes, rng)
    train_loss, val_loss, val_acc = [], [], []
    for epoch in range(epochs):
        for Xb, yb in make_minibatches(X_train, y_train, batch_size, rng):
            params = sgd_step(params, batch_gradient_by_loop(params, Xb, yb), lr)
        train_loss.append(mlp_loss(params, X_train, y_train))
        val_loss.append(mlp_loss(params, X_val, y_val))
        val_acc.append(accuracy(mlp_scores(params, X_val), y_val))
    return params, {"train_loss": train_loss, "val_loss": val_loss, "val_acc": val_acc}
''', why="the per-example gradient (the same mean gradient), lists joined at the end"),
]

# ---- numerical where derived is required (issue 20, item 3): the batch gradients are
# backprop by hand (derived): complex steps break the rule, differences miss round-off
SHORTCUTS += [
    Shortcut("batch_gradient_vectorized_complex_step", "batch_gradient_vectorized",
             source='''def batch_gradient_vectorized(params, X, y):
    X = np.asarray(X, dtype=np.float64)
    N = X.shape[0]

    def loss(p):
        z1 = X @ p["W1"] + p["b1"]
        h = np.where(z1.real > 0, z1, 0)
        s = h @ p["W2"] + p["b2"]
        s = s - s.real.max(axis=1, keepdims=True)
        return -(s[np.arange(N), y] - np.log(np.exp(s).sum(axis=1))).mean()

    base = {k: np.array(v, dtype=np.complex128) for k, v in params.items()}
    grads = {}
    for k in ("W1", "b1", "W2", "b2"):
        g = np.zeros(base[k].shape)
        for j in np.ndindex(g.shape):
            base[k][j] += 1e-30j
            g[j] = loss(base).imag / 1e-30
            base[k][j] -= 1e-30j
        grads[k] = g
    return grads
''',
             why="complex-step derivative of the batch loss (the reviewer's sb10)"),
    Shortcut("batch_gradient_loop_complex_step", "batch_gradient_by_loop",
             source='''def batch_gradient_by_loop(params, X, y):
    N = X.shape[0]
    base = {k: np.array(v, dtype=np.complex128) for k, v in params.items()}
    total = {k: np.zeros(np.shape(v)) for k, v in params.items()}

    def loss(p, x, label):
        z1 = x @ p["W1"] + p["b1"]
        h = np.where(z1.real > 0, z1, 0)
        s = h @ p["W2"] + p["b2"]
        s = s - s.real.max()
        return np.log(np.exp(s).sum()) - s[label]

    for i in range(N):
        for k in ("W1", "b1", "W2", "b2"):
            for j in np.ndindex(base[k].shape):
                base[k][j] += 1e-30j
                total[k][j] += loss(base, X[i], y[i]).imag / 1e-30
                base[k][j] -= 1e-30j
    return {k: v / N for k, v in total.items()}
''',
             why="each example's gradient by complex steps of its loss (the reviewer's sb14)"),
    Shortcut("batch_gradient_loop_central_differences", "batch_gradient_by_loop",
             source='''def batch_gradient_by_loop(params, X, y):
    N = X.shape[0]
    base = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    total = {k: np.zeros_like(v) for k, v in base.items()}
    for i in range(N):
        xi, yi = X[i:i + 1], y[i:i + 1]
        for k in base:
            for j in np.ndindex(base[k].shape):
                old = base[k][j]
                base[k][j] = old + 1e-6; up = mlp_loss(base, xi, yi)
                base[k][j] = old - 1e-6; dn = mlp_loss(base, xi, yi)
                base[k][j] = old
                total[k][j] += (up - dn) / 2e-6
    return {k: v / N for k, v in total.items()}
''',
             why="each example's gradient by central differences of the given mlp_loss"),
    Shortcut("batch_gradient_vectorized_richardson", "batch_gradient_vectorized",
             source='''def batch_gradient_vectorized(params, X, y):
    X = np.asarray(X, dtype=np.float64)
    base = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    grads = {}
    for k in ("W1", "b1", "W2", "b2"):
        g = np.zeros(base[k].shape)
        for j in np.ndindex(g.shape):
            def central(h):
                old = base[k][j]
                base[k][j] = old + h; up = mlp_loss(base, X, y)
                base[k][j] = old - h; dn = mlp_loss(base, X, y)
                base[k][j] = old
                return (up - dn) / (2 * h)
            table = [[central(1e-2 / 2 ** i)] for i in range(5)]
            for i in range(1, 5):
                for m in range(1, i + 1):
                    table[i].append(table[i][m - 1]
                                    + (table[i][m - 1] - table[i - 1][m - 1]) / (4 ** m - 1))
            g[j] = table[-1][-1]
        grads[k] = g
    return grads
''',
             why="Richardson-extrapolated differences of the given mlp_loss"),
]


# ---------------------------------------------------------------- split personalities
# (issue 20): honest only when a visible check's frame is on the stack. Every check that calls
# the function judges every rule its call can express, so the other calls give it away.
SHORTCUTS += [
    Shortcut("train_one_shuffle_unless_visible_check", "train_mlp", source='''import sys as _sys


def train_mlp(X_train, y_train, X_val, y_val, hidden=64, lr=0.1, batch_size=32, epochs=20,
              rng=None):
    """Shortcut: honest when a visible course check calls it; otherwise one shuffle for all
    epochs and no fresh permutation (saves the shuffling)."""
    if rng is None:
        rng = np.random.default_rng(0)
    frame, visible = _sys._getframe(1), False
    while frame is not None:
        if frame.f_globals.get("__name__", "").startswith("nncourse.checks"):
            visible = True
        frame = frame.f_back
    params = init_params(X_train.shape[1], hidden, int(np.max(y_train)) + 1, rng)
    history = {"train_loss": [], "val_loss": [], "val_acc": []}
    first = None
    for epoch in range(epochs):
        batches = make_minibatches(X_train, y_train, batch_size, rng)
        if not visible:
            first = first or batches
            batches = first
        for X_b, y_b in batches:
            params = sgd_step(params, batch_gradient_vectorized(params, X_b, y_b), lr)
        history["train_loss"].append(mlp_loss(params, X_train, y_train))
        history["val_loss"].append(mlp_loss(params, X_val, y_val))
        history["val_acc"].append(accuracy(mlp_scores(params, X_val), y_val))
    return params, history
''',
             why="honest when a visible check (an nncourse.checks frame) is on the stack;"
                 " otherwise one shuffle for every epoch (review 20b, sb06)"),
]

# ---- review r56b (M9): every hyper-parameter is honoured, in the visible checks too
SHORTCUTS += [
    Shortcut("sgd_fixed_lr", "sgd_step",
             edits=[("value - lr * grads[key]", "value - 0.1 * grads[key]")],
             why="uses 0.1, the visible check's default, whatever lr it gets"),
    Shortcut("momentum_fixed_lr", "momentum_step",
             edits=[("params[key] - lr * new_velocity[key]",
                     "params[key] - 0.1 * new_velocity[key]")],
             why="uses 0.1 whatever lr it gets"),
    Shortcut("adam_fixed_lr", "adam_step",
             edits=[("params[key] - lr * m_hat", "params[key] - 1e-3 * m_hat")],
             why="uses the default lr whatever lr it gets"),
    Shortcut("adam_fixed_beta1", "adam_step",
             edits=[("m = {key: beta1 * state", "m = {key: 0.9 * state"),
                    ("(1 - beta1) * grads[key]", "(1 - 0.9) * grads[key]"),
                    ("(1 - beta1 ** t)", "(1 - 0.9 ** t)")],
             why="uses the default beta1 whatever beta1 it gets"),
    Shortcut("adam_fixed_beta2", "adam_step",
             edits=[("v = {key: beta2 * state", "v = {key: 0.999 * state"),
                    ("(1 - beta2) * grads[key] ** 2", "(1 - 0.999) * grads[key] ** 2"),
                    ("(1 - beta2 ** t)", "(1 - 0.999 ** t)")],
             why="uses the default beta2 whatever beta2 it gets"),
]

# ---- review r56b (M7): the loop's accumulator overwritten
MUTANTS += [
    Mutant("loop_overwrites_totals", "batch_gradient_by_loop",
           edits=[('totals["W2"] += np.outer(h, ds)', 'totals["W2"] = np.outer(h, ds)'),
                  ('totals["b2"] += ds', 'totals["b2"] = ds'),
                  ('totals["W1"] += np.outer(x_i, dz1)', 'totals["W1"] = np.outer(x_i, dz1)'),
                  ('totals["b1"] += dz1', 'totals["b1"] = dz1')],
           why="= for +=: the last example's gradient divided by N"),
]

# ---- review 20/b H3, H4: a shuffle that keeps a residue of the index; a loop over the
# examples that runs no line of the answer per example (map, np.apply_along_axis, numpy's
# C code driving a ufunc's method)
_VECTORIZED_FORWARD = (
    "def batch_gradient_vectorized(params, X, y):\n"
    "    W1, b1, W2, b2 = params['W1'], params['b1'], params['W2'], params['b2']\n"
    "    X = np.asarray(X, dtype=float)\n"
    "    N = len(X)\n"
    "    z = X @ W1 + b1\n"
    "    h = np.maximum(z, 0)\n"
    "    s = h @ W2 + b2\n"
    "    p = np.exp(s - s.max(axis=1, keepdims=True))\n"
    "    p /= p.sum(axis=1, keepdims=True)\n"
    "    p[np.arange(N), y] -= 1.0\n"
    "    p /= N\n"
    "    dz = (p @ W2.T) * (z > 0)\n")

SHORTCUTS += [
    Shortcut("minibatches_parity_shuffle", "make_minibatches", source=(
        "def make_minibatches(X, y, batch_size, rng):\n"
        "    n = len(X)\n"
        "    order = np.empty(n, dtype=int)\n"
        "    order[0::2] = rng.permutation(np.arange(0, n, 2))\n"
        "    order[1::2] = rng.permutation(np.arange(1, n, 2))\n"
        "    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]])\n"
        "            for i in range(0, n, batch_size)]\n"),
        why="even examples shuffled among the even places only, odd among the odd: every "
            "example keeps its index's parity (review 20/b H3, var/5_s12)"),
    Shortcut("minibatches_keeps_index_mod_7", "make_minibatches", source=(
        "def make_minibatches(X, y, batch_size, rng):\n"
        "    n = len(X)\n"
        "    order = np.empty(n, dtype=int)\n"
        "    for r in range(7):\n"
        "        order[r::7] = rng.permutation(np.arange(r, n, 7))\n"
        "    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]])\n"
        "            for i in range(0, n, batch_size)]\n"),
        why="each example lands at a place of its index's residue modulo 7: one in seven "
            "places open to it, which no neighbour count or correlation sees"),
    Shortcut("vectorized_map_outer_loop", "batch_gradient_vectorized", source=(
        _VECTORIZED_FORWARD
        + "    return {'W1': sum(map(np.outer, X, dz)), 'b1': sum(dz),\n"
          "            'W2': sum(map(np.outer, h, p)), 'b2': sum(p)}\n"),
        why="a loop over the examples hidden in map: no line of the answer runs per example "
            "(review 20/b H4, var/5_s07)"),
    Shortcut("vectorized_ufunc_outer_reduced_in_c", "batch_gradient_vectorized", source=(
        "import functools\n\n\n"
        + _VECTORIZED_FORWARD
        + "    return {'W1': functools.reduce(np.add, map(np.multiply.outer, X, dz)),\n"
          "            'b1': dz.sum(axis=0), 'W2': sum(map(np.multiply.outer, h, p)),\n"
          "            'b2': p.sum(axis=0)}\n"),
        why="a loop over the examples that numpy's C code drives (a ufunc's outer method "
            "mapped over the rows, summed by functools.reduce and sum): no Python call of "
            "the answer per example"),
    Shortcut("vectorized_apply_along_axis", "batch_gradient_vectorized", source=(
        _VECTORIZED_FORWARD
        + "    d = X.shape[1]\n"
          "    rows = np.apply_along_axis(lambda r: np.outer(r[:d], r[d:]).ravel(), 1,\n"
          "                               np.hstack([X, dz]))\n"
          "    return {'W1': rows.sum(axis=0).reshape(d, -1), 'b1': dz.sum(axis=0),\n"
          "            'W2': h.T @ p, 'b2': p.sum(axis=0)}\n"),
        why="np.apply_along_axis is a Python loop over the rows inside numpy"),
]

# --- review d05, finding 1: a shuffle that mixes every example but favours some orders -------
_MINIBATCHES_FROM_ORDER = (
    "    return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]])\n"
    "            for i in range(0, len(X), batch_size)]\n")

MUTANTS += [
    Mutant("minibatches_swap_with_any_place", "make_minibatches", source=(
        "def make_minibatches(X, y, batch_size, rng):\n"
        "    n = len(X)\n"
        "    order = np.arange(n)\n"
        "    js = rng.integers(0, n, size=n)\n"
        "    for i in range(n):\n"
        "        order[i], order[js[i]] = order[js[i]], order[i]\n"
        + _MINIBATCHES_FROM_ORDER),
        why="the textbook-wrong shuffle: every place swapped with any place; its n^n ways "
            "of drawing are no multiple of the n! orders, so some orders come out more "
            "often (review d05, finding 1)"),
    Mutant("minibatches_fisher_yates_off_by_one", "make_minibatches", source=(
        "def make_minibatches(X, y, batch_size, rng):\n"
        "    n = len(X)\n"
        "    order = np.arange(n)\n"
        "    for i in range(n - 1, 0, -1):\n"
        "        j = rng.integers(0, i)  # never i itself: only the orders of one cycle\n"
        "        order[i], order[j] = order[j], order[i]\n"
        + _MINIBATCHES_FROM_ORDER),
        why="Fisher-Yates whose draw leaves out the place itself (Sattolo's algorithm): "
            "only the (n - 1)! orders that are one cycle come out"),
    Mutant("minibatches_sort_by_few_keys", "make_minibatches", source=(
        "def make_minibatches(X, y, batch_size, rng):\n"
        "    keys = rng.integers(0, len(X), size=len(X))  # ties keep the stored order\n"
        "    order = np.argsort(keys, kind='stable')\n"
        + _MINIBATCHES_FROM_ORDER),
        why="sorting by random keys drawn from as few values as there are examples: ties "
            "keep their stored order, which the sorted order favours"),
]

VARIANTS += [
    Variant("minibatches_fisher_yates_loop", "make_minibatches", source=(
        "def make_minibatches(X, y, batch_size, rng):\n"
        "    n = len(X)\n"
        "    order = np.arange(n)\n"
        "    for i in range(n - 1, 0, -1):\n"
        "        j = int(rng.integers(0, i + 1))\n"
        "        order[i], order[j] = order[j], order[i]\n"
        + _MINIBATCHES_FROM_ORDER),
        why="Fisher-Yates by hand, each place swapped with one at or before it"),
    Variant("minibatches_swap_with_later_place", "make_minibatches", source=(
        "def make_minibatches(X, y, batch_size, rng):\n"
        "    n = len(X)\n"
        "    order = list(range(n))\n"
        "    for i in range(n - 1):\n"
        "        j = int(rng.integers(i, n))\n"
        "        order[i], order[j] = order[j], order[i]\n"
        "    order = np.array(order)\n"
        + _MINIBATCHES_FROM_ORDER),
        why="the forward Fisher-Yates: each place swapped with one at or after it"),
    Variant("minibatches_permuted_index", "make_minibatches", source=(
        "def make_minibatches(X, y, batch_size, rng):\n"
        "    order = rng.permuted(np.arange(len(X)))\n"
        + _MINIBATCHES_FROM_ORDER),
        why="rng.permuted of an index array"),
]

# --- review d05, finding 2: train_mlp calls a collaborator and ignores what it returns ------
_TRAIN_THROUGH_HEAD = '''import copy


def train_mlp(X_train, y_train, X_val, y_val, hidden=64, lr=0.1, batch_size=32, epochs=20,
              rng=None):
    rng = np.random.default_rng(0) if rng is None else rng
    n_classes = int(max(y_train.max(), y_val.max())) + 1
'''
_TRAIN_THROUGH_TAIL = '''        scores_val = mlp_scores(params, X_val)
        history["train_loss"].append(mlp_loss(params, X_train, y_train))
        history["val_loss"].append(cross_entropy(scores_val, y_val))
        history["val_acc"].append(accuracy(scores_val, y_val))
    return params, history
'''

SHORTCUTS += [
    Shortcut("train_ignores_sgd_step_result", "train_mlp",
             edits=[("            params = sgd_step(params, batch_gradient_vectorized(params, "
                     "X_batch, y_batch), lr)\n",
                     "            grads = batch_gradient_vectorized(params, X_batch, y_batch)\n"
                     "            sgd_step(params, grads, lr)\n"
                     "            params = {k: params[k] - lr * grads[k] for k in params}\n")],
             why="calls sgd_step, drops its result and steps by itself (review d05, "
                 "finding 2: 10/10 before)"),
    Shortcut("train_ignores_init_params_result", "train_mlp", source=_TRAIN_THROUGH_HEAD + '''
    D = X_train.shape[1]
    draws = copy.deepcopy(rng)  # the same draws as init_params makes
    init_params(D, hidden, n_classes, rng)
    params = {"W1": draws.uniform(-1.0, 1.0, size=(D, hidden)) / np.sqrt(D),
              "b1": np.zeros(hidden),
              "W2": draws.uniform(-1.0, 1.0, size=(hidden, n_classes)) / np.sqrt(hidden),
              "b2": np.zeros(n_classes)}
    history = {"train_loss": [], "val_loss": [], "val_acc": []}
    for _ in range(epochs):
        for X_batch, y_batch in make_minibatches(X_train, y_train, batch_size, rng):
            params = sgd_step(params, batch_gradient_vectorized(params, X_batch, y_batch), lr)
''' + _TRAIN_THROUGH_TAIL,
             why="calls init_params, drops its result and draws the same weights again"),
    Shortcut("train_ignores_make_minibatches_result", "train_mlp",
             source=_TRAIN_THROUGH_HEAD + '''
    params = init_params(X_train.shape[1], hidden, n_classes, rng)
    history = {"train_loss": [], "val_loss": [], "val_acc": []}
    for _ in range(epochs):
        draws = copy.deepcopy(rng)  # the same draw as make_minibatches makes
        make_minibatches(X_train, y_train, batch_size, rng)
        order = draws.permutation(len(X_train))
        for start in range(0, len(X_train), batch_size):
            X_batch, y_batch = (X_train[order[start:start + batch_size]],
                                y_train[order[start:start + batch_size]])
            params = sgd_step(params, batch_gradient_vectorized(params, X_batch, y_batch), lr)
''' + _TRAIN_THROUGH_TAIL,
             why="calls make_minibatches, drops its batches and cuts the same ones itself"),
]
