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
]
