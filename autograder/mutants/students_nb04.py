# ruff: noqa: E501 - answers kept as their student-side authors wrote them
"""Correct answers written from the student's side (student notebook and contract only)."""
from autograder.mutation import Variant

VARIANTS = [
    # ------------------------------------------------------------------ topological_order
    Variant("student_topo_explicit_stack", "topological_order", source=(
        "def topological_order(root):\n"
        "    \"\"\"Post-order DFS without recursion: an explicit stack of (node, inputs_done).\"\"\"\n"
        "    order, visited = [], set()\n"
        "    stack = [(root, False)]\n"
        "    while stack:\n"
        "        node, inputs_done = stack.pop()\n"
        "        if inputs_done:\n"
        "            order.append(node)\n"
        "            continue\n"
        "        if id(node) in visited:\n"
        "            continue\n"
        "        visited.add(id(node))\n"
        "        stack.append((node, True))  # comes back after all its inputs\n"
        "        for parent in node._prev:\n"
        "            if id(parent) not in visited:\n"
        "                stack.append((parent, False))\n"
        "    return order\n"),
        why="iterative post-order DFS with an explicit stack and visited ids"),
    Variant("student_topo_kahn", "topological_order", source=(
        "def topological_order(root):\n"
        "    # 1. collect the reachable nodes and who uses whom (distinct inputs only)\n"
        "    nodes, todo = {}, [root]\n"
        "    while todo:\n"
        "        node = todo.pop()\n"
        "        if id(node) not in nodes:\n"
        "            nodes[id(node)] = node\n"
        "            todo.extend(node._prev)\n"
        "    waiting = {}   # id -> number of distinct inputs not yet placed\n"
        "    users = {key: [] for key in nodes}\n"
        "    for key, node in nodes.items():\n"
        "        distinct = {id(p): p for p in node._prev}\n"
        "        waiting[key] = len(distinct)\n"
        "        for pid in distinct:\n"
        "            users[pid].append(key)\n"
        "    # 2. Kahn's algorithm: place a node once all its inputs are placed\n"
        "    ready = [key for key, count in waiting.items() if count == 0]\n"
        "    order = []\n"
        "    while ready:\n"
        "        key = ready.pop()\n"
        "        order.append(nodes[key])\n"
        "        for user in users[key]:\n"
        "            waiting[user] -= 1\n"
        "            if waiting[user] == 0:\n"
        "                ready.append(user)\n"
        "    return order  # root depends on every other node, so it comes out last\n"),
        why="Kahn's algorithm on in-degrees instead of a DFS"),
    Variant("student_topo_recursive_dict", "topological_order", source=(
        "def topological_order(root):\n"
        "    placed = {}  # id -> node, a dict keeps insertion order: an ordered set\n"
        "\n"
        "    def visit(node):\n"
        "        if id(node) in placed:\n"
        "            return\n"
        "        for parent in node._prev:\n"
        "            visit(parent)\n"
        "        if id(node) not in placed:\n"
        "            placed[id(node)] = node\n"
        "\n"
        "    visit(root)\n"
        "    return list(placed.values())\n"),
        why="recursive nested helper, an insertion-ordered dict as the visited set"),
    # ------------------------------------------------------------------ linear_forward
    Variant("student_linear_forward_einsum", "linear_forward", source=(
        "import numpy as np\n\n"
        "def linear_forward(X, W, b):\n"
        "    out = np.einsum(\"nd,dm->nm\", X, W) + b[np.newaxis, :]\n"
        "    cache = (X, W)  # what the backward needs: the input and the weight\n"
        "    return out, cache\n"),
        why="np.einsum for the product, explicit broadcasting of the bias"),
    Variant("student_linear_forward_row_loop", "linear_forward", source=(
        "import numpy as np\n\n"
        "def linear_forward(X, W, b):\n"
        "    N, M = X.shape[0], W.shape[1]\n"
        "    out = np.empty((N, M))\n"
        "    for n in range(N):  # one example at a time, as in the worked case\n"
        "        out[n] = np.dot(X[n], W) + b\n"
        "    return out, (X, W)\n"),
        why="a Python loop over the rows, one np.dot per example"),
    Variant("student_linear_forward_matmul_xw_cache", "linear_forward", source=(
        "import numpy as np\n\n"
        "def linear_forward(X, W, b):\n"
        "    out = np.matmul(X, W)\n"
        "    out = out + b  # b (M,) broadcasts over the N rows\n"
        "    return out, (X, W)  # backward needs the input and the weight, not b\n"),
        why="np.matmul then broadcast add; a minimal (X, W) cache"),
    # ------------------------------------------------------------------ linear_backward
    Variant("student_linear_backward_dict_cache", "linear_backward", source=(
        "import numpy as np\n\n"
        "def linear_forward(X, W, b):\n"
        "    # my forward again: its cache is a dict with exactly what my backward reads\n"
        "    return X @ W + b, {\"X\": X, \"W\": W}\n\n\n"
        "def linear_backward(dout, cache):\n"
        "    X, W = cache[\"X\"], cache[\"W\"]\n"
        "    dX = dout @ W.T          # (N, M) (M, D) -> (N, D)\n"
        "    dW = X.T @ dout          # (D, N) (N, M) -> (D, M)\n"
        "    db = dout.sum(axis=0)    # (M,)\n"
        "    return dX, dW, db\n"),
        why="matrix products, with a dict cache (forward restated in the cell)"),
    Variant("student_linear_backward_einsum", "linear_backward", source=(
        "import numpy as np\n\n"
        "def linear_forward(X, W, b):\n"
        "    # the cache my backward unpacks: the layer's input and weight (b is not needed)\n"
        "    return np.matmul(X, W) + b, (X, W)\n\n\n"
        "def linear_backward(dout, cache):\n"
        "    X, W = cache\n"
        "    dX = np.einsum(\"nm,dm->nd\", dout, W)\n"
        "    dW = np.einsum(\"nd,nm->dm\", X, dout)\n"
        "    db = np.einsum(\"nm->m\", dout)\n"
        "    return dX, dW, db\n"),
        why="index notation with np.einsum; forward restated with a (X, W) cache"),
    Variant("student_linear_backward_row_sums", "linear_backward", source=(
        "import numpy as np\n\n"
        "def linear_forward(X, W, b):\n"
        "    # my forward, keeping private copies so later changes cannot touch the cache\n"
        "    X, W, b = (np.array(a, dtype=np.float64) for a in (X, W, b))\n"
        "    return X @ W + b, (X, W, b)\n\n\n"
        "def linear_backward(dout, cache):\n"
        "    X, W, b = cache\n"
        "    dX = np.zeros(X.shape)\n"
        "    dW = np.zeros(W.shape)\n"
        "    db = np.zeros(b.shape)\n"
        "    for n in range(X.shape[0]):  # every row adds its contribution to W and b\n"
        "        g = dout[n]\n"
        "        dX[n] = W @ g\n"
        "        dW += np.outer(X[n], g)\n"
        "        db += g\n"
        "    return dX, dW, db\n"),
        why="sum over the batch of per-row outer products, defensive copies in the cache"),
    # ------------------------------------------------------------------ relu_layer
    Variant("student_relu_boolean_mask", "relu_layer", source=(
        "import numpy as np\n\n"
        "def relu_forward(X):\n"
        "    passes = X > 0                  # where the unit lets the signal through\n"
        "    out = np.where(passes, X, 0.0)\n"
        "    return out, passes\n\n\n"
        "def relu_backward(dout, cache):\n"
        "    return np.where(cache, dout, 0.0)  # relu'(0) = 0: X == 0 is not in the mask\n"),
        why="the cache is the boolean mask, np.where both ways"),
    Variant("student_relu_heaviside", "relu_layer", source=(
        "import numpy as np\n\n"
        "def relu_forward(X):\n"
        "    X = np.array(X, dtype=float)   # my own copy of the input\n"
        "    return np.clip(X, 0.0, None), X\n\n\n"
        "def relu_backward(dout, cache):\n"
        "    local = np.heaviside(cache, 0.0)  # step function, value 0 at the kink\n"
        "    return local * dout\n"),
        why="np.clip forward, Heaviside step as the local derivative, copied input as cache"),
    # ------------------------------------------------------------------ mlp_loss_and_grads
    Variant("student_mlp_layer_loop", "mlp_loss_and_grads", source=(
        "def mlp_loss_and_grads(params, X, y):\n"
        "    h, tape = X, []\n"
        "    for k, (w, b) in enumerate(((\"W1\", \"b1\"), (\"W2\", \"b2\"))):\n"
        "        h, cache = linear_forward(h, params[w], params[b])\n"
        "        tape.append((\"linear\", (w, b), cache))\n"
        "        if k == 0:\n"
        "            h, cache = relu_forward(h)\n"
        "            tape.append((\"relu\", None, cache))\n"
        "    loss, grad = softmax_cross_entropy(h, y)\n"
        "    grads = {}\n"
        "    for kind, names, cache in reversed(tape):  # the tape, played backwards\n"
        "        if kind == \"relu\":\n"
        "            grad = relu_backward(grad, cache)\n"
        "        else:\n"
        "            grad, grads[names[0]], grads[names[1]] = linear_backward(grad, cache)\n"
        "    return float(loss), grads\n"),
        why="a tape of layer calls replayed in reverse in a loop"),
    Variant("student_mlp_keywords_explicit", "mlp_loss_and_grads", source=(
        "def mlp_loss_and_grads(params, X, y):\n"
        "    W1, b1, W2, b2 = (params[k] for k in (\"W1\", \"b1\", \"W2\", \"b2\"))\n"
        "    # forward, keeping every cache\n"
        "    Z, cache_1 = linear_forward(X=X, W=W1, b=b1)\n"
        "    A, cache_relu = relu_forward(X=Z)\n"
        "    S, cache_2 = linear_forward(X=A, W=W2, b=b2)\n"
        "    loss, dS = softmax_cross_entropy(scores=S, y=y)\n"
        "    # backward, right to left\n"
        "    dA, dW2, db2 = linear_backward(dout=dS, cache=cache_2)\n"
        "    dZ = relu_backward(dout=dA, cache=cache_relu)\n"
        "    _dX, dW1, db1 = linear_backward(dout=dZ, cache=cache_1)\n"
        "    return loss, dict(W1=dW1, b1=db1, W2=dW2, b2=db2)\n"),
        why="straight-line calls with keyword arguments everywhere"),
]
