"""Mutation catalogue for 04_computation_graph_backprop: plausible student bugs, and correct
variants."""

from autograder.mutation import Mutant, Shortcut, Variant

MUTANTS = [
    # topological_order
    Mutant("topo_no_visited_set", "topological_order",
           edits=[("        if node in visited:\n            return\n        visited.add(node)\n",
                   "")],
           why="duplicates: a node reached along two paths (or a * a) is listed twice"),
    Mutant("topo_preorder", "topological_order",
           edits=[("        for child in node._prev:\n            visit(child)\n"
                   "        order.append(node)\n",
                   "        order.append(node)\n        for child in node._prev:\n"
                   "            visit(child)\n")],
           why="appends a node before its inputs: root first"),
    Mutant("topo_first_input_only", "topological_order",
           edits=[("for child in node._prev:", "for child in node._prev[:1]:")],
           why="missing nodes: only the first input of each node is followed"),
    # Value
    Mutant("value_mul_assigns", "Value",
           edits=[("self.grad += other.data * out.grad", "self.grad = other.data * out.grad"),
                  ("other.grad += self.data * out.grad", "other.grad = self.data * out.grad")],
           why="= instead of += in a backward closure: a * a gets a, not 2a"),
    Mutant("value_add_assigns", "Value",
           edits=[("self.grad += 1.0 * out.grad", "self.grad = 1.0 * out.grad"),
                  ("other.grad += 1.0 * out.grad", "other.grad = 1.0 * out.grad")],
           why="= instead of += in __add__: a + a gets 1, not 2"),
    Mutant("backward_forward_order", "Value",
           edits=[("for node in reversed(order):", "for node in order:")],
           why="visits nodes in forward order: a node's grad is passed on before it is final"),
    Mutant("value_backward_resets_grads", "Value",
           edits=[("        order = topological_order(self)\n        self.grad = 1.0\n",
                   "        order = topological_order(self)\n        for node in order:\n"
                   "            node.grad = 0.0\n        self.grad = 1.0\n")],
           why="backward first sets every .grad of the graph to 0: gradients no longer add "
               "up across calls (and a training loop that never zeroes them would pass)"),
    Mutant("value_backward_resets_leaf_grads", "Value",
           edits=[("        order = topological_order(self)\n        self.grad = 1.0\n",
                   "        order = topological_order(self)\n        for node in order:\n"
                   "            if not node._prev:\n                node.grad = 0.0\n"
                   "        self.grad = 1.0\n")],
           why="backward first sets every leaf's .grad to 0: a parameter's gradient no longer "
               "adds up across calls"),
    Mutant("backward_no_seed", "Value",
           edits=[("        self.grad = 1.0\n        for node", "        for node")],
           why="never sets the root's grad to 1: every gradient stays 0"),
    Mutant("rsub_swapped", "Value",
           edits=[("return Value.lift(other) + (-self)", "return self - other")],
           why="2 - a computed as a - 2"),
    Mutant("rtruediv_swapped", "Value",
           edits=[("return Value.lift(other) * self ** -1", "return self / other")],
           why="2 / a computed as a / 2"),
    Mutant("pow_exponent_not_lowered", "Value",
           edits=[("exponent * self.data ** (exponent - 1) * out.grad",
                   "exponent * self.data ** exponent * out.grad")],
           why="d(a^k)/da = k a^k, exponent off by one"),
    Mutant("tanh_derivative_from_input", "Value",
           edits=[("(1.0 - t * t) * out.grad", "(1.0 - self.data ** 2) * out.grad")],
           why="1 - a^2 instead of 1 - tanh(a)^2"),
    Mutant("log_derivative_multiplies", "Value",
           edits=[("self.grad += out.grad / self.data", "self.grad += out.grad * self.data")]),
    Mutant("value_sigmoid_unstable", "Value",
           edits=[("s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + "
                   "math.exp(x))", "s = 1.0 / (1.0 + math.exp(-x))")],
           why="math.exp(1000) raises OverflowError at a = -1000"),
    Mutant("backward_recursion_every_path", "Value",
           edits=[("        order = topological_order(self)\n        self.grad = 1.0\n"
                   "        for node in reversed(order):\n            node._backward()\n",
                   "        self.grad = 1.0\n\n        def walk(node):\n"
                   "            node._backward()\n            for child in node._prev:\n"
                   "                walk(child)\n\n        walk(self)\n")],
           why="recursion along every path: a reused node passes its grad on once per path "
               "(over-counting), and exponential time"),
    Mutant("exp_derivative_from_input", "Value",
           edits=[("            self.grad += out.data * out.grad\n",
                   "            self.grad += self.data * out.grad\n")],
           why="exp'(a) taken as a instead of exp(a)"),
    Mutant("value_relu_grad_at_zero", "Value",
           edits=[("(1.0 if self.data > 0 else 0.0)", "(1.0 if self.data >= 0 else 0.0)")],
           why="relu'(0) = 1 instead of the convention 0"),
    # layers
    Mutant("linear_forward_no_bias", "linear_forward",
           edits=[("    out = X @ W + b\n", "    out = X @ W\n")]),
    Mutant("linear_dW_transposed", "linear_backward",
           edits=[("dW = X.T @ dout", "dW = dout.T @ X")], why="dW has shape (M, D)"),
    Mutant("linear_db_not_summed", "linear_backward",
           edits=[("db = dout.sum(axis=0)", "db = dout")], why="db has shape (N, M)"),
    Mutant("linear_db_mean", "linear_backward",
           edits=[("db = dout.sum(axis=0)", "db = dout.mean(axis=0)")],
           why="db divided by N once too often"),
    Mutant("relu_backward_passes_negative", "relu_layer",
           edits=[("return dout * (X > 0)", "return dout * (X != 0)")],
           why="gradient flows where the input was negative"),
    Mutant("relu_backward_mask_from_dout", "relu_layer",
           edits=[("return dout * (X > 0)", "return np.maximum(dout, 0.0)")],
           why="masks by the sign of dout instead of the forward input"),
    Mutant("relu_grad_at_zero", "relu_layer",
           edits=[("return dout * (X > 0)", "return dout * (X >= 0)")]),
    Mutant("relu_backward_in_place", "relu_layer",
           edits=[("    return dout * (X > 0)", "    dout[X <= 0] = 0.0\n    return dout")],
           why="right values, but overwrites the caller's dout"),
    Mutant("sigmoid_forward_unstable", "sigmoid_layer",
           edits=[("    e = np.exp(-np.abs(X))  # at most 1: never overflows\n"
                   "    out = np.where(X >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n",
                   "    out = 1.0 / (1.0 + np.exp(-X))\n")],
           why="overflow warning at X = -1000"),
    Mutant("sigmoid_backward_ignores_dout", "sigmoid_layer",
           edits=[("return dout * s * (1.0 - s)", "return s * (1.0 - s)")]),
    Mutant("sigmoid_backward_no_one_minus", "sigmoid_layer",
           edits=[("return dout * s * (1.0 - s)", "return dout * s")],
           why="the slope taken as s instead of s (1 - s)"),
    Mutant("relu_backward_tiny_threshold", "relu_layer",
           edits=[("return dout * (X > 0)", "return dout * (X > 1e-200)")],
           why="tiny positive inputs treated as negative"),
    Mutant("softmax_no_one_over_n", "softmax_cross_entropy",
           edits=[("    dscores /= n\n", "")], why="gradient N times too large"),
    Mutant("softmax_no_max_shift", "softmax_cross_entropy",
           edits=[("shifted = scores - scores.max(axis=1, keepdims=True)", "shifted = scores")],
           why="overflow (inf, nan, warnings) at scores of 1000"),
    Mutant("softmax_loss_sum_not_mean", "softmax_cross_entropy",
           edits=[("loss = -log_probs[np.arange(n), y].mean()",
                   "loss = -log_probs[np.arange(n), y].sum()")]),
    Mutant("softmax_onehot_sign", "softmax_cross_entropy",
           edits=[("dscores[np.arange(n), y] -= 1.0", "dscores[np.arange(n), y] += 1.0")]),
    Mutant("mlp_grads_W1_W2_swapped", "mlp_loss_and_grads",
           edits=[('{"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}',
                   '{"W1": dW2, "b1": db1, "W2": dW1, "b2": db2}')]),
    Mutant("mlp_adds_key_to_params", "mlp_loss_and_grads",
           edits=[("    loss, dscores = softmax_cross_entropy(scores, y)\n",
                   "    loss, dscores = softmax_cross_entropy(scores, y)\n"
                   "    params[\"last_loss\"] = loss\n")],
           why="stores its loss in the caller's params dict: inputs must stay unchanged"),
    Mutant("mlp_skips_relu_backward", "mlp_loss_and_grads",
           edits=[("dz = relu_backward(dhidden, cache_relu)", "dz = dhidden")]),
]

VALUE_DIRECT = '''
class Value:
    def __init__(self, data, _prev=(), _op="", label=""):
        self.data = float(data)
        self.grad = 0.0
        self._prev = set(_prev)  # micrograd style: a set of inputs
        self._op = _op
        self.label = label
        self._backward = lambda: None

    def _make(self, data, inputs, op, local):
        """A new node; local[i] is d(out)/d(inputs[i])."""
        out = Value(data, inputs, op)

        def _backward():
            for node, d in zip(inputs, local):
                node.grad += d * out.grad

        out._backward = _backward
        return out

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return self._make(self.data + other.data, (self, other), "+", (1.0, 1.0))

    __radd__ = __add__

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return self._make(self.data * other.data, (self, other), "*", (other.data, self.data))

    __rmul__ = __mul__

    def __neg__(self):
        return self._make(-self.data, (self,), "neg", (-1.0,))

    def __sub__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return self._make(self.data - other.data, (self, other), "-", (1.0, -1.0))

    def __rsub__(self, other):
        return Value(other) - self

    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return self._make(self.data / other.data, (self, other), "/",
                          (1.0 / other.data, -self.data / other.data ** 2))

    def __rtruediv__(self, other):
        return Value(other) / self

    def __pow__(self, k):
        return self._make(self.data ** k, (self,), "**", (k * self.data ** (k - 1),))

    def exp(self):
        e = math.exp(self.data)
        return self._make(e, (self,), "exp", (e,))

    def log(self):
        return self._make(math.log(self.data), (self,), "log", (1.0 / self.data,))

    def tanh(self):
        t = math.tanh(self.data)
        return self._make(t, (self,), "tanh", (1.0 - t * t,))

    def sigmoid(self):
        s = 0.5 * (1.0 + math.tanh(0.5 * self.data))
        return self._make(s, (self,), "sigmoid", (s * (1.0 - s),))

    def relu(self):
        return self._make(max(self.data, 0.0), (self,), "relu", (float(self.data > 0),))

    def backward(self):
        self.grad = 1.0
        for node in topological_order(self)[::-1]:
            node._backward()
'''

VARIANTS = [
    Variant("topo_iterative_stack", "topological_order", source=(
        "def topological_order(root):\n"
        "    order, done, stack = [], set(), [(root, False)]\n"
        "    while stack:\n"
        "        node, expanded = stack.pop()\n"
        "        if expanded:\n"
        "            if node not in done:\n"
        "                done.add(node)\n"
        "                order.append(node)\n"
        "            continue\n"
        "        if node in done:\n"
        "            continue\n"
        "        stack.append((node, True))\n"
        "        for child in reversed(node._prev):\n"
        "            if child not in done:\n"
        "                stack.append((child, False))\n"
        "    return order\n")),
    Variant("value_direct_closures_set_prev", "Value", source=VALUE_DIRECT),
    Variant("linear_forward_einsum_copies", "linear_forward", source=(
        "def linear_forward(X, W, b):\n"
        "    return np.einsum('nd,dm->nm', X, W) + b[None, :], (X.copy(), W.copy())\n")),
    Variant("linear_backward_einsum", "linear_backward", source=(
        "def linear_backward(dout, cache):\n"
        "    X, W = cache[0], cache[1]\n"
        "    dX = np.einsum('nm,dm->nd', dout, W)\n"
        "    dW = np.einsum('nd,nm->dm', X, dout)\n"
        "    db = np.ones(dout.shape[0]) @ dout\n"
        "    return dX, dW, db\n")),
    Variant("relu_where_mask_cache", "relu_layer", source=(
        "def relu_forward(X):\n"
        "    mask = X > 0\n"
        "    return np.where(mask, X, 0.0), mask\n\n\n"
        "def relu_backward(dout, cache):\n"
        "    return np.where(cache, dout, 0.0)\n")),
    Variant("sigmoid_via_tanh", "sigmoid_layer", source=(
        "def sigmoid_forward(X):\n"
        "    out = 0.5 * (1.0 + np.tanh(0.5 * X))\n"
        "    return out, X\n\n\n"
        "def sigmoid_backward(dout, cache):\n"
        "    s = 0.5 * (1.0 + np.tanh(0.5 * cache))\n"
        "    return dout * (s - s * s)\n")),
    Variant("softmax_eye_onehot_loops", "softmax_cross_entropy", source=(
        "def softmax_cross_entropy(scores, y):\n"
        "    N, K = scores.shape\n"
        "    probs = np.zeros_like(scores)\n"
        "    total = 0.0\n"
        "    for i in range(N):\n"
        "        m = scores[i].max()\n"
        "        lse = m + np.log(np.sum(np.exp(scores[i] - m)))\n"
        "        total += lse - scores[i, y[i]]\n"
        "        probs[i] = np.exp(scores[i] - lse)\n"
        "    return total / N, (probs - np.eye(K)[y]) / N\n")),
]

VARIANTS += [
    Variant("mlp_layers_in_a_loop", "mlp_loss_and_grads", source=(
        "def mlp_loss_and_grads(params, X, y):\n"
        "    caches, out = [], X\n"
        "    for i in (1, 2):\n"
        "        out, cache = linear_forward(out, params[f'W{i}'], params[f'b{i}'])\n"
        "        caches.append(cache)\n"
        "        if i == 1:\n"
        "            out, relu_cache = relu_forward(out)\n"
        "    loss, d = softmax_cross_entropy(out, y)\n"
        "    grads = {}\n"
        "    for i in (2, 1):\n"
        "        d, grads[f'W{i}'], grads[f'b{i}'] = linear_backward(d, caches[i - 1])\n"
        "        if i == 2:\n"
        "            d = relu_backward(d, relu_cache)\n"
        "    return loss, grads\n")),
    Variant("softmax_logsumexp_rowwise", "softmax_cross_entropy", source=(
        "def softmax_cross_entropy(scores, y):\n"
        "    n = len(y)\n"
        "    top = np.max(scores, axis=1)\n"
        "    lse = top + np.log(np.sum(np.exp(scores - top[:, None]), axis=1))\n"
        "    loss = float(np.mean(lse - scores[np.arange(n), y]))\n"
        "    p = np.exp(scores - lse[:, None])\n"
        "    p[np.arange(n), y] -= 1\n"
        "    return loss, p / n\n")),
]

SHORTCUTS = [
    Shortcut("mlp_inline_numpy", "mlp_loss_and_grads", source=(
        "def mlp_loss_and_grads(params, X, y):\n"
        "    W1, b1, W2, b2 = (params[k] for k in ('W1', 'b1', 'W2', 'b2'))\n"
        "    Z = X @ W1 + b1\n"
        "    Hd = np.maximum(Z, 0)\n"
        "    S = Hd @ W2 + b2\n"
        "    S = S - S.max(axis=1, keepdims=True)\n"
        "    P = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)\n"
        "    N = X.shape[0]\n"
        "    loss = -np.mean(np.log(P[np.arange(N), y]))\n"
        "    dS = P.copy()\n"
        "    dS[np.arange(N), y] -= 1\n"
        "    dS /= N\n"
        "    dH = dS @ W2.T\n"
        "    dZ = dH * (Z > 0)\n"
        "    return loss, {'W2': Hd.T @ dS, 'b2': dS.sum(0), 'W1': X.T @ dZ, 'b1': dZ.sum(0)}\n")),
    Shortcut("mlp_torch_autograd", "mlp_loss_and_grads", source=(
        "def mlp_loss_and_grads(params, X, y):\n"
        "    import torch\n"
        "    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}\n"
        "    hidden = (torch.tensor(X) @ t['W1'] + t['b1']).relu()\n"
        "    loss = torch.nn.functional.cross_entropy(hidden @ t['W2'] + t['b2'],\n"
        "                                             torch.tensor(y))\n"
        "    loss.backward()\n"
        "    return loss.item(), {k: v.grad.numpy() for k, v in t.items()}\n"),
        why="torch autograd instead of the student's layers: numpy-only and built-from broken"),
    Shortcut("linear_backward_torch_autograd", "linear_backward", source=(
        "def linear_backward(dout, cache):\n"
        "    import torch\n"
        "    X, W = (torch.tensor(a, requires_grad=True) for a in cache)\n"
        "    b = torch.zeros(W.shape[1], dtype=W.dtype, requires_grad=True)\n"
        "    ((X @ W + b) * torch.tensor(dout)).sum().backward()\n"
        "    return X.grad.numpy(), W.grad.numpy(), b.grad.numpy()\n"),
        why="a backward pass computed by torch autograd"),
    Shortcut("linear_backward_numerical_vjp", "linear_backward", source=(
        "def linear_backward(dout, cache):\n"
        "    X, W = cache\n"
        "    b = np.zeros(W.shape[1])\n"
        "    dX = finite_difference_gradient(lambda Z: np.sum((Z @ W + b) * dout), X)\n"
        "    dW = finite_difference_gradient(lambda Z: np.sum((X @ Z + b) * dout), W)\n"
        "    db = finite_difference_gradient(lambda Z: np.sum((X @ W + Z) * dout), b)\n"
        "    return dX, dW, db\n"),
        why="the course's finite-difference checker as the backward pass"),
    Shortcut("softmax_global_max_shift", "softmax_cross_entropy",
             edits=[("shifted = scores - scores.max(axis=1, keepdims=True)",
                     "shifted = scores - scores.max()")],
             why="one shift for the whole batch: rows far below the maximum underflow"),
]

# Found by the independent review of this notebook.
MUTANTS += [
    Mutant("topo_marks_the_nodes", "topological_order", source=(
        "def topological_order(root):\n"
        "    order = []\n\n"
        "    def visit(node):\n"
        "        if getattr(node, '_seen', False):\n"
        "            return\n"
        "        node._seen = True\n"
        "        for child in node._prev:\n"
        "            visit(child)\n"
        "        order.append(node)\n\n"
        "    visit(root)\n"
        "    return order\n"),
        why="marks visited nodes on the caller's objects: a second call returns []"),
]

SHORTCUTS += [
    Shortcut("topo_skips_leaves", "topological_order",
             edits=[("        order.append(node)\n",
                     "        if node._prev:\n            order.append(node)\n")],
             why="a shorter list: leaves have no _backward, so it leaves them out; backward "
                 "still works, but the order misses nodes"),
    Shortcut("topo_graphlib", "topological_order", source=(
        "from graphlib import TopologicalSorter\n\n\n"
        "def topological_order(root):\n"
        "    graph, stack = {}, [root]\n"
        "    while stack:\n"
        "        node = stack.pop()\n"
        "        if node not in graph:\n"
        "            graph[node] = node._prev\n"
        "            stack.extend(node._prev)\n"
        "    return list(TopologicalSorter(graph).static_order())\n"),
        why="the standard library's graphlib sorts the graph: a forbidden package"),
    Shortcut("backward_every_path", "Value", edits=[(
        "        order = topological_order(self)\n"
        "        self.grad = 1.0\n"
        "        for node in reversed(order):\n"
        "            node._backward()\n",
        "        def push(node, g):  # follows every path: no topological order, no memo\n"
        "            saved = node.grad\n"
        "            node.grad = g\n"
        "            before = [p.grad for p in node._prev]\n"
        "            for p in node._prev:\n"
        "                p.grad = 0.0\n"
        "            node._backward()\n"
        "            contrib = [p.grad for p in node._prev]\n"
        "            for p, b in zip(node._prev, before):\n"
        "                p.grad = b\n"
        "            node.grad = saved + g\n"
        "            done = set()\n"
        "            for p, c in zip(node._prev, contrib):\n"
        "                if id(p) not in done:\n"
        "                    done.add(id(p))\n"
        "                    push(p, c)\n\n"
        "        push(self, 1.0)\n"
        "        self.grad = 1.0\n")],
        why="right gradients by pushing along every path separately: exponential time"),
    Shortcut("linear_global_stack_cache", "linear_backward", source=(
        "_STACK = []\n\n\n"
        "def linear_forward(X, W, b):\n"
        "    _STACK.append((X, W))\n"
        "    return X @ W + b, None\n\n\n"
        "def linear_backward(dout, cache):\n"
        "    X, W = _STACK.pop()\n"
        "    return dout @ W.T, X.T @ dout, dout.sum(axis=0)\n"),
        why="ignores the cache: the arrays live in a global stack"),
]

VARIANTS += [
    Variant("sigmoid_errstate_naive", "sigmoid_layer", source=(
        "def sigmoid_forward(X):\n"
        "    with np.errstate(over='ignore'):\n"
        "        out = 1.0 / (1.0 + np.exp(-X))  # exp(1000) = inf gives exactly 0\n"
        "    return out, out\n\n\n"
        "def sigmoid_backward(dout, cache):\n"
        "    return dout * cache * (1.0 - cache)\n")),
    Variant("value_sigmoid_catches_overflow", "Value", edits=[(
        "        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))\n",
        "        try:\n"
        "            s = 1.0 / (1.0 + math.exp(-x))\n"
        "        except OverflowError:\n"
        "            s = 0.0\n")]),
    Variant("value_backward_skips_leaves", "Value", edits=[(
        "        for node in reversed(order):\n            node._backward()\n",
        "        for node in order[::-1]:\n            if node._prev:\n"
        "                node._backward()\n")]),
]

# ---- numerical where derived is required (issue 20): each must lose points
LINEAR_VJP = (
    "def linear_backward(dout, cache):\n"
    "    X, W = cache\n"
    "    b = np.zeros(W.shape[1])\n"
    "    arrays = [np.array(X, dtype={dtype}), np.array(W, dtype={dtype}), b.astype({dtype})]\n"
    "    grads = []\n"
    "    for i, a in enumerate(arrays):\n"
    "        g = np.zeros(a.shape)\n"
    "        for idx in np.ndindex(a.shape):\n"
    "            {body}\n"
    "        grads.append(g)\n"
    "    return tuple(grads)\n\n\n"
    "def out_of(X, W, b):\n"
    "    return X @ W + b\n")
SHORTCUTS += [
    Shortcut("linear_backward_central_differences", "linear_backward", source=LINEAR_VJP.format(
        dtype="float", body=(
            "up = [c.copy() for c in arrays]\n"
            "            down = [c.copy() for c in arrays]\n"
            "            up[i][idx] += 1e-5\n"
            "            down[i][idx] -= 1e-5\n"
            "            g[idx] = np.sum((out_of(*up) - out_of(*down)) * dout) / 2e-5"))),
    Shortcut("linear_backward_complex_step", "linear_backward", source=LINEAR_VJP.format(
        dtype="complex", body=(
            "moved = [c.copy() for c in arrays]\n"
            "            moved[i][idx] += 1e-20j\n"
            "            g[idx] = np.sum(out_of(*moved).imag * dout) / 1e-20"))),
]

# (new 2026-12-06) Neuron/Layer/MLP of Values, train_value_mlp, LinearFunction
MUTANTS += [
    Mutant("net_neuron_no_bias", "value_net",
           edits=[("        total = self.b\n", "        total = Value(0.0)\n")],
           why="the bias is never added: outputs off, b's grad stays 0"),
    Mutant("net_parameters_miss_bias", "value_net",
           edits=[("        return self.w + [self.b]\n", "        return list(self.w)\n")],
           why="parameters() leaves the bias out: it is never trained"),
    Mutant("net_parameters_twice", "value_net",
           edits=[("        return [p for layer in self.layers for p in layer.parameters()]\n",
                   "        return [p for layer in self.layers for p in layer.parameters()] + "
                   "self.layers[-1].parameters()\n")],
           why="the output layer's parameters listed twice: they would take two steps"),
    Mutant("net_output_tanh", "value_net",
           edits=[("linear=(k == len(sizes) - 1))", "linear=False)")],
           why="a tanh on the output unit too"),
    Mutant("net_all_linear", "value_net",
           edits=[("        return total if self.linear else total.tanh()\n",
                   "        return total\n")],
           why="no tanh anywhere: the net is linear"),
    Mutant("net_layer_shares_one_neuron", "value_net",
           edits=[("        self.neurons = [Neuron(n_in, rng, linear=linear) "
                   "for _ in range(n_out)]\n",
                   "        self.neurons = [Neuron(n_in, rng, linear=linear)] * n_out\n")],
           why="one neuron repeated: every unit equal, parameters listed n_out times"),
    Mutant("net_equal_weights", "value_net",
           edits=[("Value(rng.uniform(-1.0, 1.0)) for _ in range(n_in)",
                   "Value(0.5) for _ in range(n_in)")],
           why="every weight 0.5: the units of a layer can never differ"),
    Mutant("net_ignores_rng", "value_net",
           edits=[("Value(rng.uniform(-1.0, 1.0)) for _ in range(n_in)",
                   "Value(np.random.uniform(-1.0, 1.0)) for _ in range(n_in)")],
           why="draws from numpy's global generator, not the rng argument"),
    Mutant("net_layers_skip_first", "value_net",
           edits=[("        for layer in self.layers:\n            x = layer(x)\n",
                   "        for layer in self.layers[1:]:\n            x = layer(x)\n")],
           why="the first layer is never applied"),
    Mutant("train_no_zero_grad", "train_value_mlp",
           edits=[("        for p in parameters:\n            p.grad = 0.0\n", "")],
           why="gradients accumulate across steps"),
    Mutant("train_zero_grad_after_backward", "train_value_mlp",
           edits=[("        for p in parameters:\n            p.grad = 0.0\n"
                   "        mse.backward()\n",
                   "        mse.backward()\n"
                   "        for p in parameters:\n            p.grad = 0.0\n")],
           why="zeroes the gradients after backward: every step moves by 0"),
    Mutant("train_wrong_sign", "train_value_mlp",
           edits=[("p.data -= lr * p.grad", "p.data += lr * p.grad")],
           why="steps up the gradient: the loss grows"),
    Mutant("train_sum_not_mean", "train_value_mlp",
           edits=[("mse = sum(squared_errors, Value(0.0)) / len(X)",
                   "mse = sum(squared_errors, Value(0.0))")],
           why="the summed squared error: N times the loss and the step"),
    Mutant("train_loss_after_step", "train_value_mlp",
           edits=[("        losses.append(mse.data)\n",
                   "        losses.append(sum(((model(x) - t) ** 2).data for x, t in zip(X, y)) "
                   "/ len(X))\n")],
           why="records the loss after the update, not the one the step followed"),
    Mutant("train_updates_stop_after_five_steps", "train_value_mlp",
           edits=[("        for p in parameters:\n            p.data -= lr * p.grad\n",
                   "        if len(losses) < 5:\n"
                   "            for p in parameters:\n                p.data -= lr * p.grad\n")],
           why="every step is right while the short step checks watch (at most 5 steps), then "
               "the parameters stop moving: the lesson's accuracy and the long run catch it"),
    Mutant("train_updates_stop_after_25_steps", "train_value_mlp",
           edits=[("        for p in parameters:\n            p.data -= lr * p.grad\n",
                   "        if len(losses) <= 25:\n"
                   "            for p in parameters:\n                p.data -= lr * p.grad\n")],
           why="right for 25 steps, past where the lesson's accuracy is reached, then the "
               "parameters stop moving: the hidden long run (30 to 60 steps) sees the step "
               "where it stops"),
    Mutant("train_backward_per_point", "train_value_mlp", source=(
        "def train_value_mlp(model, X, y, steps, lr):\n"
        "    parameters = model.parameters()\n"
        "    losses = []\n"
        "    for _ in range(steps):\n"
        "        total = 0.0\n"
        "        for p in parameters:\n"
        "            p.grad = 0.0\n"
        "        for x, target in zip(X, y):\n"
        "            loss = (model(x) - target) ** 2 / len(X)\n"
        "            loss.backward()\n"
        "            total += loss.data\n"
        "        for p in parameters:\n"
        "            p.data -= lr * p.grad\n"
        "        losses.append(total)\n"
        "    return losses\n"),
        why="right numbers, but one backward() per point instead of one per step (the "
            "contract's single loss Value)"),
    Mutant("linear_function_dW_transposed", "LinearFunction",
           edits=[("return dout @ W.T, X.T @ dout, dout.sum(dim=0)",
                   "return dout @ W.T, (X.T @ dout).T, dout.sum(dim=0)")],
           why="dW of shape (M, D)"),
    Mutant("linear_function_db_mean", "LinearFunction",
           edits=[("dout.sum(dim=0)", "dout.mean(dim=0)")], why="db divided by N"),
    Mutant("linear_function_no_bias", "LinearFunction",
           edits=[("        return X @ W + b\n", "        return X @ W\n")],
           why="forward forgets the bias"),
    Mutant("linear_function_dX_no_transpose", "LinearFunction",
           edits=[("return dout @ W.T, X.T @ dout", "return W @ dout.T, X.T @ dout")],
           why="dX is transposed: (D, N)"),
]

SHORTCUTS += [
    Shortcut("net_neuron_stores_floats", "value_net",
             edits=[("        self.w = [Value(rng.uniform(-1.0, 1.0)) for _ in range(n_in)]\n"
                     "        self.b = Value(0.0)\n",
                     "        self.w = [float(rng.uniform(-1.0, 1.0)) for _ in range(n_in)]\n"
                     "        self.b = 0.0\n"),
                    ("        return self.w + [self.b]\n",
                     "        return [Value(v) for v in self.w + [self.b]]\n")],
             why="floats, not Values: backward() never reaches the weights"),
    Shortcut("train_value_mlp_torch", "train_value_mlp", source=(
        "def train_value_mlp(model, X, y, steps, lr):\n"
        "    import torch\n"
        "    params = model.parameters()\n"
        "    losses = []\n"
        "    for _ in range(steps):\n"
        "        loss = sum(((model(x) - t) ** 2 for x, t in zip(X, y)), Value(0.0)) / len(X)\n"
        "        for p in params:\n"
        "            p.grad = 0.0\n"
        "        loss.backward()\n"
        "        step = torch.tensor([p.grad for p in params]) * lr\n"
        "        for p, s in zip(params, step.tolist()):\n"
        "            p.data -= s\n"
        "        losses.append(loss.data)\n"
        "    return losses\n"),
        why="torch in a numpy-only graded function"),
    Shortcut("train_value_mlp_stored_values", "train_value_mlp", source=(
        "def train_value_mlp(model, X, y, steps, lr):\n"
        "    from nncourse.expected import stored\n"
        "    args = {'seed': 0, 'steps': steps, 'lr': lr, 'n': len(X)}\n"
        "    final = stored('train_value_mlp_steps', 'params', args, (-1,))\n"
        "    for p, v in zip(model.parameters(), final):\n"
        "        p.data = float(v)\n"
        "    return list(stored('train_value_mlp_steps', 'losses', args, (-1,)))\n"),
        why="reads the visible steps check's stored losses and parameters"),
    Shortcut("linear_function_autograd_grad", "LinearFunction",
             edits=[("        X, W = ctx.saved_tensors\n"
                     "        return dout @ W.T, X.T @ dout, dout.sum(dim=0)\n",
                     "        X, W = ctx.saved_tensors\n"
                     "        with torch.enable_grad():\n"
                     "            X, W = X.detach().requires_grad_(), W.detach().requires_grad_()\n"
                     "            b = torch.zeros(W.shape[1], dtype=W.dtype, requires_grad=True)\n"
                     "            return torch.autograd.grad(X @ W + b, (X, W, b), dout)\n")],
             why="torch's autograd computes the backward pass"),
    Shortcut("linear_function_dot_backward", "LinearFunction",
             edits=[("        X, W = ctx.saved_tensors\n"
                     "        return dout @ W.T, X.T @ dout, dout.sum(dim=0)\n",
                     "        X, W = ctx.saved_tensors\n"
                     "        with torch.enable_grad():\n"
                     "            X, W = X.detach().requires_grad_(), W.detach().requires_grad_()\n"
                     "            b = torch.zeros(W.shape[1], dtype=W.dtype, requires_grad=True)\n"
                     "            ((X @ W + b) * dout).sum().backward()\n"
                     "        return X.grad, W.grad, b.grad\n")],
             why=".backward() inside backward"),
    Shortcut("linear_function_numpy_layer", "LinearFunction", source=(
        "import torch\n\n\n"
        "class LinearFunction(torch.autograd.Function):\n"
        "    @staticmethod\n"
        "    def forward(ctx, X, W, b):\n"
        "        out, ctx.cache = linear_forward(X.detach().numpy(), W.detach().numpy(),\n"
        "                                        b.detach().numpy())\n"
        "        return torch.from_numpy(out)\n\n"
        "    @staticmethod\n"
        "    def backward(ctx, dout):\n"
        "        return tuple(torch.from_numpy(g) for g in linear_backward(dout.numpy(), "
        "ctx.cache))\n"),
        why="the numpy layer wrapped (the old given code): not tensor operations"),
    Shortcut("linear_function_global_cache", "LinearFunction",
             edits=[("        ctx.save_for_backward(X, W)\n",
                     "        global _SAVED\n        _SAVED = (X, W)\n"),
                    ("        X, W = ctx.saved_tensors\n", "        X, W = _SAVED\n")],
             why="keeps X and W in a global, not on ctx: a second forward overwrites them"),
]

VARIANTS += [
    Variant("net_micrograd_style", "value_net", source=(
        "class Neuron:\n"
        "    def __init__(self, n_in, rng, linear=False):\n"
        "        self.w = [Value(w) for w in rng.normal(0.0, 0.5, size=n_in)]\n"
        "        self.b = Value(rng.normal(0.0, 0.1))\n"
        "        self.nonlin = not linear\n\n"
        "    def __call__(self, x):\n"
        "        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)\n"
        "        return act.tanh() if self.nonlin else act\n\n"
        "    def parameters(self):\n"
        "        return [*self.w, self.b]\n\n\n"
        "class Layer:\n"
        "    def __init__(self, n_in, n_out, rng, linear=False):\n"
        "        self.neurons = [Neuron(n_in, rng, linear) for _ in range(n_out)]\n\n"
        "    def __call__(self, x):\n"
        "        out = [n(x) for n in self.neurons]\n"
        "        return out[0] if len(out) == 1 else out\n\n"
        "    def parameters(self):\n"
        "        return [p for n in self.neurons for p in n.parameters()]\n\n\n"
        "class MLP:\n"
        "    def __init__(self, n_in, sizes, rng):\n"
        "        sz = [n_in] + sizes\n"
        "        self.layers = [Layer(sz[i], sz[i + 1], rng, linear=i == len(sizes) - 1)\n"
        "                       for i in range(len(sizes))]\n\n"
        "    def __call__(self, x):\n"
        "        for layer in self.layers:\n"
        "            x = layer(x)\n"
        "            x = [x] if isinstance(x, Value) else x\n"
        "        return x[0] if len(x) == 1 else x\n\n"
        "    def parameters(self):\n"
        "        return [p for layer in self.layers for p in layer.parameters()]\n")),
    Variant("net_weights_first_then_biases", "value_net",
            edits=[("        return self.w + [self.b]\n",
                    "        return [self.b] + self.w[::-1]\n"),
                   ("        total = self.b\n        for w_i, x_i in zip(self.w, x):\n"
                    "            total = total + w_i * x_i\n",
                    "        total = sum(w_i * x_i for w_i, x_i in zip(self.w, x)) + self.b\n")]),
    Variant("net_dedup_by_id", "value_net",
            edits=[("        return [p for layer in self.layers for p in layer.parameters()]\n",
                    "        seen, out = set(), []\n"
                    "        for layer in self.layers:\n"
                    "            for p in layer.parameters():\n"
                    "                if id(p) not in seen:\n"
                    "                    seen.add(id(p))\n"
                    "                    out.append(p)\n"
                    "        return out\n")]),
    Variant("train_zero_at_end_and_start", "train_value_mlp", source=(
        "def train_value_mlp(model, X, y, steps, lr):\n"
        "    params = list(model.parameters())\n"
        "    for p in params:\n"
        "        p.grad = 0.0\n"
        "    losses = []\n"
        "    for step in range(steps):\n"
        "        errors = [(model(list(x)) - float(t)) ** 2 for x, t in zip(X, y)]\n"
        "        loss = errors[0]\n"
        "        for e in errors[1:]:\n"
        "            loss = loss + e\n"
        "        loss = loss * (1.0 / len(errors))\n"
        "        loss.backward()\n"
        "        for p in params:\n"
        "            p.data = p.data - lr * p.grad\n"
        "            p.grad = 0.0\n"
        "        losses.append(float(loss.data))\n"
        "    return losses\n")),
    Variant("train_updates_collected_then_applied", "train_value_mlp", source=(
        "def train_value_mlp(model, X, y, steps, lr):\n"
        "    losses = []\n"
        "    step = 0\n"
        "    while step < steps:\n"
        "        outputs = [model(x) for x in X]\n"
        "        total = sum(((o - t) * (o - t) for o, t in zip(outputs, y)), Value(0.0))\n"
        "        loss = total * (1.0 / len(X))\n"
        "        params = model.parameters()\n"
        "        for p in params:\n"
        "            p.grad = 0.0\n"
        "        loss.backward()\n"
        "        moves = [lr * p.grad for p in params]\n"
        "        for p, move in zip(params, moves):\n"
        "            p.data = p.data - move\n"
        "        losses.append(loss.data)\n"
        "        step += 1\n"
        "    return losses\n"),
        why="a correct loop (all updates computed, then applied) keeps full marks on the "
            "lesson's accuracy too"),
    Variant("train_mean_by_division_each", "train_value_mlp", source=(
        "def train_value_mlp(model, X, y, steps, lr):\n"
        "    n = len(X)\n"
        "    losses = []\n"
        "    for _ in range(steps):\n"
        "        loss = Value(0.0)\n"
        "        for x, t in zip(X, y):\n"
        "            d = model(x) - t\n"
        "            loss = loss + d * d / n\n"
        "        for p in model.parameters():\n"
        "            p.grad = 0\n"
        "        loss.backward()\n"
        "        for p in model.parameters():\n"
        "            p.data += -lr * p.grad\n"
        "        losses.append(loss.data)\n"
        "    return losses\n")),
    Variant("train_while_loop", "train_value_mlp", source=(
        "def train_value_mlp(model, X, y, steps, lr):\n"
        "    losses, params = [], model.parameters()\n"
        "    while len(losses) < steps:\n"
        "        loss = sum([(t - model(x)) ** 2 for x, t in zip(X, y)]) * (1 / len(y))\n"
        "        for p in params:\n"
        "            p.grad *= 0.0\n"
        "        loss.backward()\n"
        "        for p in params:\n"
        "            p.data -= lr * p.grad\n"
        "        losses += [loss.data]\n"
        "    return losses\n")),
    Variant("linear_function_attributes_on_ctx", "LinearFunction",
            edits=[("        ctx.save_for_backward(X, W)\n        return X @ W + b\n",
                    "        ctx.X, ctx.W = X, W\n        return torch.addmm(b, X, W)\n"),
                   ("        X, W = ctx.saved_tensors\n"
                    "        return dout @ W.T, X.T @ dout, dout.sum(dim=0)\n",
                    "        return dout.mm(ctx.W.t()), ctx.X.t().mm(dout), "
                    "dout.sum(0)\n")]),
    Variant("linear_function_einsum", "LinearFunction",
            edits=[("        X, W = ctx.saved_tensors\n"
                    "        return dout @ W.T, X.T @ dout, dout.sum(dim=0)\n",
                    "        X, W = ctx.saved_tensors\n"
                    "        dX = torch.einsum('nm,dm->nd', dout, W)\n"
                    "        dW = torch.einsum('nd,nm->dm', X, dout)\n"
                    "        db = torch.ones(dout.shape[0], dtype=dout.dtype) @ dout\n"
                    "        return dX, dW, db\n")]),
    Variant("linear_function_matmul_saves_all", "LinearFunction",
            edits=[("        ctx.save_for_backward(X, W)\n        return X @ W + b\n",
                    "        ctx.save_for_backward(X, W, b)\n"
                    "        return torch.matmul(X, W) + b.unsqueeze(0)\n"),
                   ("        X, W = ctx.saved_tensors\n"
                    "        return dout @ W.T, X.T @ dout, dout.sum(dim=0)\n",
                    "        X, W, b = ctx.saved_tensors\n"
                    "        return torch.matmul(dout, W.transpose(0, 1)), "
                    "torch.matmul(X.transpose(0, 1), dout), dout.sum(0)\n")]),
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
    Shortcut("mlp_detects_the_harness", "mlp_loss_and_grads", source=(
        _HARNESS_DETECTOR +
        "def mlp_loss_and_grads(params, X, y):\n"
        "    parts = {'linear_forward': linear_forward, 'linear_backward': linear_backward,\n"
        "             'relu_forward': relu_forward, 'relu_backward': relu_backward,\n"
        "             'softmax_cross_entropy': softmax_cross_entropy}\n"
        "    if any(_harness(f, name) for name, f in parts.items()):\n"
        "        z, c1 = linear_forward(X, params['W1'], params['b1'])\n"
        "        h, cr = relu_forward(z)\n"
        "        s, c2 = linear_forward(h, params['W2'], params['b2'])\n"
        "        loss, ds = softmax_cross_entropy(s, y)\n"
        "        dh, dW2, db2 = linear_backward(ds, c2)\n"
        "        _, dW1, db1 = linear_backward(relu_backward(dh, cr), c1)\n"
        "        return loss, {'W1': dW1, 'b1': db1, 'W2': dW2, 'b2': db2}\n"
        "    N = X.shape[0]\n"
        "    z = X @ params['W1'] + params['b1']\n"
        "    h = np.maximum(z, 0)\n"
        "    s = h @ params['W2'] + params['b2']\n"
        "    s = s - s.max(axis=1, keepdims=True)\n"
        "    p = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)\n"
        "    loss = float(-np.mean(np.log(p[np.arange(N), y])))\n"
        "    p[np.arange(N), y] -= 1\n"
        "    ds = p / N\n"
        "    dz = (ds @ params['W2'].T) * (z > 0)\n"
        "    return loss, {'W1': X.T @ dz, 'b1': dz.sum(0), 'W2': h.T @ ds, 'b2': ds.sum(0)}\n"),
        why="numpy operators unless the layer functions look like recording wrappers"),
]


# --- adversarial review 2026-12-06 (branch review): entries prefixed rv_ -------------------------

def _rv_multi(cls, name, cells, why=""):
    """An entry rewriting several cells together (``cells``: grade id -> source)."""
    first = next(iter(cells))
    entry = cls(name, first, source=cells[first], why=why)
    entry.answers = lambda solutions: {**solutions, **cells}
    return entry


_RV_VALUE = '''
class Value:
    """A scalar node (review variant: micrograd style, backward through topological_order)."""

    def __init__(self, data, _prev=(), _op="", label=""):
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(_prev)
        self._op = _op
        self.label = label
        self._backward = lambda: None

    def __repr__(self):
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    @staticmethod
    def lift(other):
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other):
        other = self.lift(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += 1.0 * out.grad
            other.grad += 1.0 * out.grad

        out._backward = _backward
        return out

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __mul__(self, other):
        other = self.lift(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-self.lift(other))

    def __rsub__(self, other):
        return self.lift(other) + (-self)

    def __truediv__(self, other):
        return self * self.lift(other) ** -1

    def __rtruediv__(self, other):
        return self.lift(other) * self ** -1

    def __pow__(self, exponent):
        assert isinstance(exponent, (int, float)), "only numbers as exponents"
        out = Value(self.data ** exponent, (self,), f"**{exponent}")

        def _backward():
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = _backward
        return out

    def _unary(self, value, local, op):
        out = Value(value, (self,), op)

        def _backward():
            self.grad += local * out.grad

        out._backward = _backward
        return out

    def exp(self):
        e = math.exp(self.data)
        return self._unary(e, DERIV_EXP, "exp")

    def log(self):
        return self._unary(math.log(self.data), DERIV_LOG, "log")

    def tanh(self):
        t = math.tanh(self.data)
        return self._unary(t, DERIV_TANH, "tanh")

    def sigmoid(self):
        x = self.data
        if x >= 0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            s = e / (1.0 + e)
        return self._unary(s, DERIV_SIGMOID, "sigmoid")

    def relu(self):
        return self._unary(max(self.data, 0.0), 1.0 if self.data > 0 else 0.0, "relu")

    def backward(self):
        self.grad = 1.0
        for node in reversed(topological_order(self)):
            node._backward()
'''


def _rv_value(exp, log, tanh, sigmoid, prefix=""):
    return (prefix + _RV_VALUE.replace("DERIV_EXP", exp).replace("DERIV_LOG", log)
            .replace("DERIV_TANH", tanh).replace("DERIV_SIGMOID", sigmoid))


_RV_NET = '''
class Neuron:
    def __init__(self, n_in, rng, linear=False):
        self.w = [Value(v) for v in rng.uniform(-1.0, 1.0, size=n_in)]
        self.b = Value(0.0)
        self.linear = linear

    def __call__(self, x):
        act = np.dot(np.array(self.w, dtype=object), np.array(list(x), dtype=object)) + self.b
        return act if self.linear else act.tanh()

    def parameters(self):
        return self.w + [self.b]


class Layer:
    def __init__(self, n_in, n_out, rng, linear=False):
        self.neurons = [Neuron(n_in, rng, linear=linear) for _ in range(n_out)]

    def __call__(self, x):
        return [neuron(x) for neuron in self.neurons]

    def parameters(self):
        return [p for neuron in self.neurons for p in neuron.parameters()]


class MLP:
    def __init__(self, n_in, sizes, rng):
        dims = [n_in] + list(sizes)
        self.layers = [Layer(dims[i], dims[i + 1], rng, linear=(i == len(sizes) - 1))
                       for i in range(len(sizes))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]
'''

_RV_LINFUNC_HEAD = '''
import torch


class LinearFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, W, b):
        ctx.save_for_backward(X, W, b)
        return X @ W + b

    @staticmethod
    def backward(ctx, dout):
        X, W, b = ctx.saved_tensors
'''

VARIANTS += [
    Variant("rv_topo_kahn", "topological_order", source='''
def topological_order(root):
    nodes, stack, seen = [], [root], {id(root)}
    while stack:
        node = stack.pop()
        nodes.append(node)
        for parent in node._prev:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    inputs = {id(n): {id(p) for p in n._prev} for n in nodes}
    consumers = {id(n): [] for n in nodes}
    for n in nodes:
        for pid in inputs[id(n)]:
            consumers[pid].append(n)
    remaining = {k: len(v) for k, v in inputs.items()}
    ready = [n for n in nodes if remaining[id(n)] == 0]
    order = []
    while ready:
        n = ready.pop()
        order.append(n)
        for c in consumers[id(n)]:
            remaining[id(c)] -= 1
            if remaining[id(c)] == 0:
                ready.append(c)
    return order
''', why="Kahn's algorithm on in-degrees"),
    Variant("rv_value_backward_via_topological_order", "Value",
            source=_rv_value("e", "1.0 / self.data", "1.0 - t * t", "s * (1.0 - s)"),
            why="sub/div through add/pow, a shared unary helper, backward calls the student's "
                "own topological_order"),
    Variant("rv_net_object_dot", "value_net", source=_RV_NET,
            why="the weighted sum as np.dot of object arrays of Values"),
    Variant("rv_train_fresh_value_inputs", "train_value_mlp", source='''
def train_value_mlp(model, X, y, steps, lr):
    params = model.parameters()
    n = len(X)
    losses = []
    for _ in range(steps):
        inputs = [[Value(v) for v in row] for row in X]
        preds = [model(row) for row in inputs]
        loss = sum(((p - Value(t)) ** 2 for p, t in zip(preds, y)), Value(0.0)) * (1.0 / n)
        for p in params:
            p.grad = 0.0
        loss.backward()
        losses.append(loss.data)
        for p in params:
            p.data -= lr * p.grad
    return losses
''', why="feeds the model Value inputs, mean as a product by 1/n"),
    Variant("rv_linear_function_needs_input_grad", "LinearFunction", source='''
import torch


class LinearFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, W, b):
        ctx.save_for_backward(X, W)
        return torch.addmm(b, X, W)

    @staticmethod
    def backward(ctx, dout):
        X, W = ctx.saved_tensors
        dX = dW = db = None
        if ctx.needs_input_grad[0]:
            dX = dout.mm(W.t())
        if ctx.needs_input_grad[1]:
            dW = X.t().mm(dout)
        if ctx.needs_input_grad[2]:
            db = dout.sum(0)
        return dX, dW, db
''', why="torch's documented style: None for inputs that need no gradient; addmm"),
    Variant("rv_relu_backward_recomputes_forward", "relu_layer", source='''
def relu_forward(X):
    X = np.asarray(X, dtype=float)
    return np.maximum(X, 0.0), X.copy()


def relu_backward(dout, cache):
    out, _ = relu_forward(cache)
    return np.asarray(dout, dtype=float) * (out > 0)
''', why="the backward recomputes the output by calling its forward"),
    Variant("rv_sigmoid_logaddexp_recomputes_forward", "sigmoid_layer", source='''
def sigmoid_forward(X):
    X = np.array(X, dtype=float)
    return np.exp(-np.logaddexp(0.0, -X)), X


def sigmoid_backward(dout, cache):
    s, _ = sigmoid_forward(cache)
    return np.asarray(dout, dtype=float) * s * (1.0 - s)
''', why="sigmoid as exp(-log(1 + exp(-x))); the backward calls its forward"),
    Variant("rv_softmax_logaddexp_reduce", "softmax_cross_entropy", source='''
def softmax_cross_entropy(scores, y):
    scores = np.asarray(scores, dtype=float)
    y = np.asarray(y).astype(int)
    n = scores.shape[0]
    log_probs = scores - np.logaddexp.reduce(scores, axis=1, keepdims=True)
    loss = -log_probs[np.arange(n), y].mean()
    dscores = np.exp(log_probs)
    dscores[np.arange(n), y] -= 1.0
    return float(loss), dscores / n
'''),
    Variant("rv_mlp_helper_and_copies", "mlp_loss_and_grads", source='''
def _forward_layers(params, X):
    h1, c1 = linear_forward(X, params["W1"], params["b1"])
    a1, cr = relu_forward(h1)
    scores, c2 = linear_forward(a1, params["W2"], params["b2"])
    return scores, (c1, cr, c2)


def mlp_loss_and_grads(params, X, y):
    params = {k: np.array(v, dtype=float) for k, v in params.items()}  # my own copies
    X = np.array(X, dtype=float)
    scores, (c1, cr, c2) = _forward_layers(params, X)
    loss, dscores = softmax_cross_entropy(scores, np.asarray(y))
    da1, dW2, db2 = linear_backward(dscores, c2)
    dh1 = relu_backward(da1, cr)
    _, dW1, db1 = linear_backward(dh1, c1)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
''', why="defensive copies of params and X, the forward in a helper"),
]

_RV_CD = "(math.{f}(self.data + 1e-6) - math.{f}(self.data - 1e-6)) / 2e-6"
_RV_CS = "cmath.{f}(complex(self.data, 1e-20)).imag / 1e-20"
_RV_SIG_CD = ("(1.0 / (1.0 + math.exp(-(x + 1e-6))) - 1.0 / (1.0 + math.exp(-(x - 1e-6)))) / 2e-6"
              " if x >= 0 else (math.exp(x + 1e-6) / (1.0 + math.exp(x + 1e-6))"
              " - math.exp(x - 1e-6) / (1.0 + math.exp(x - 1e-6))) / 2e-6")
_RV_SIG_CS = ("(1.0 / (1.0 + cmath.exp(-complex(x, 1e-20)))).imag / 1e-20 if x >= 0 else "
              "(cmath.exp(complex(x, 1e-20)) / (1.0 + cmath.exp(complex(x, 1e-20)))).imag / 1e-20")

SHORTCUTS += [
    Shortcut("rv_value_central_differences", "Value", source=_rv_value(
        _RV_CD.format(f="exp"), _RV_CD.format(f="log"), _RV_CD.format(f="tanh"), _RV_SIG_CD),
        why="local derivatives of exp/log/tanh/sigmoid by central differences"),
    Shortcut("rv_value_complex_step", "Value", source=_rv_value(
        _RV_CS.format(f="exp"), _RV_CS.format(f="log"), _RV_CS.format(f="tanh"), _RV_SIG_CS,
        prefix="import cmath\n"),
        why="local derivatives by the complex step"),
    Shortcut("rv_sigmoid_backward_complex_step", "sigmoid_layer", source='''
def sigmoid_forward(X):
    X = np.array(X, dtype=float)
    return np.exp(-np.logaddexp(0.0, -X)), X


def _sig(z):
    out = np.empty_like(z)
    pos = z.real >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def sigmoid_backward(dout, cache):
    h = 1e-20
    return np.asarray(dout, dtype=float) * (_sig(cache + 1j * h).imag / h)
''', why="the derivative by the complex step"),
    Shortcut("rv_softmax_ce_complex_step", "softmax_cross_entropy", source='''
def _row_losses(S, y):
    m = S.real.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(S - m).sum(axis=1))
    return lse - S[np.arange(len(y)), y]


def softmax_cross_entropy(scores, y):
    S = np.asarray(scores, dtype=float)
    y = np.asarray(y).astype(int)
    n, k = S.shape
    loss = float(_row_losses(S, y).mean())
    h = 1e-20
    d = np.empty_like(S)
    for j in range(k):
        Z = S.astype(complex)
        Z[:, j] += 1j * h
        d[:, j] = _row_losses(Z, y).imag / h
    return loss, d / n
''', why="dscores by the complex step, column by column"),
    Shortcut("rv_linear_function_torch_func_vjp", "LinearFunction", source=_RV_LINFUNC_HEAD + '''
        _, pullback = torch.func.vjp(lambda x, w, c: x @ w + c, X, W, b)
        return pullback(dout)
''', why="torch.func.vjp: autodiff, neither .backward() nor torch.autograd.grad"),
    Shortcut("rv_linear_function_functional_vjp", "LinearFunction", source=_RV_LINFUNC_HEAD + '''
        _, grads = torch.autograd.functional.vjp(lambda x, w, c: x @ w + c, (X, W, b), dout)
        return grads
''', why="torch.autograd.functional.vjp"),
]

VARIANTS += [
    _rv_multi(Variant, "rv_linear_backward_calls_forward", {
        "linear_forward": '''
def linear_forward(X, W, b):
    X = np.asarray(X, dtype=float)
    W = np.asarray(W, dtype=float)
    b = np.asarray(b, dtype=float)
    return X @ W + b, (X, W, b)
''',
        "linear_backward": '''
def linear_backward(dout, cache):
    X, W, b = cache
    out, _ = linear_forward(X, W, b)  # recompute, to check the shapes
    dout = np.asarray(dout, dtype=float).reshape(out.shape)
    return dout @ W.T, X.T @ dout, dout.sum(axis=0)
'''}, why="the cache is the inputs; the backward calls its forward"),
]

# --- issue 20 item 4: LinearFunction's backward through numpy, never named (in4_) -------------
SHORTCUTS += [
    Shortcut("in4_linear_function_numpy_round_trip", "LinearFunction", source='''
import torch


class LinearFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, W, b):
        ctx.save_for_backward(X, W)
        return X @ W + b

    @staticmethod
    def backward(ctx, dout):
        X, W = ctx.saved_tensors
        d, x, w = dout.detach().numpy(), X.detach().numpy(), W.detach().numpy()
        return (torch.from_numpy(d @ w.T), torch.from_numpy(x.T @ d),
                torch.from_numpy(d.sum(axis=0)))
''', why="backward on .numpy() arrays (the @ operator, numpy never named): not tensor "
         "operations"),
    Shortcut("in4_linear_function_numpy_module_by_type", "LinearFunction", source='''
import torch


class LinearFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, W, b):
        ctx.save_for_backward(X, W)
        return X @ W + b

    @staticmethod
    def backward(ctx, dout):
        X, W = ctx.saved_tensors
        d, x, w = dout.detach().numpy(), X.detach().numpy(), W.detach().numpy()
        np_ = __import__(type(d).__module__.split(".")[0])
        return (torch.from_numpy(np_.dot(d, w.T)), torch.from_numpy(np_.dot(x.T, d)),
                torch.from_numpy(d.sum(0)))
''', why="numpy reached through an array's type: the backward is not torch operations"),
    Shortcut("in4_linear_function_tolist_loops", "LinearFunction", source='''
import torch


class LinearFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, W, b):
        ctx.save_for_backward(X, W)
        return X @ W + b

    @staticmethod
    def backward(ctx, dout):
        X, W = ctx.saved_tensors
        d, x, w = dout.tolist(), X.tolist(), W.tolist()
        n, m, k = len(d), len(d[0]), len(w)
        dX = [[sum(d[i][j] * w[a][j] for j in range(m)) for a in range(k)] for i in range(n)]
        dW = [[sum(x[i][a] * d[i][j] for i in range(n)) for j in range(m)] for a in range(k)]
        db = [sum(d[i][j] for i in range(n)) for j in range(m)]
        return (torch.tensor(dX, dtype=dout.dtype), torch.tensor(dW, dtype=dout.dtype),
                torch.tensor(db, dtype=dout.dtype))
''', why="backward on Python lists: the gradients are new tensors, not tensor operations on "
         "dout and the saved tensors"),
]

VARIANTS += [
    Variant("in4_linear_function_row_loop", "LinearFunction", source='''
import torch


class LinearFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, W, b):
        ctx.save_for_backward(X, W)
        return torch.stack([x @ W + b for x in X])

    @staticmethod
    def backward(ctx, dout):
        X, W = ctx.saved_tensors
        dX = torch.stack([W @ g for g in dout])
        dW = sum(torch.outer(x, g) for x, g in zip(X, dout))
        db = sum(g for g in dout)
        return dX, dW, db
''', why="one example at a time with torch.outer and sums of rows"),
    Variant("in4_linear_function_mm_transpose", "LinearFunction", source='''
import torch


class LinearFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, W, b):
        ctx.save_for_backward(X, W, b)
        return torch.addmm(b.unsqueeze(0), X, W)

    @staticmethod
    def backward(ctx, dout):
        X, W, b = ctx.saved_tensors
        dX = torch.mm(dout, W.t())
        dW = torch.mm(X.transpose(0, 1), dout)
        db = torch.ones(1, dout.shape[0], dtype=dout.dtype) @ dout
        return dX, dW, db.reshape(b.shape)
''', why="torch.mm, .t(), and the bias gradient as a row of ones times dout"),
    Variant("in4_linear_function_needs_input_grad_clone", "LinearFunction", source='''
import torch


class LinearFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, W, b):
        ctx.save_for_backward(X.clone(), W.clone())
        return torch.matmul(X, W) + b

    @staticmethod
    def backward(ctx, dout):
        X, W = ctx.saved_tensors
        dX = dW = db = None
        if ctx.needs_input_grad[0]:
            dX = torch.einsum("nm,dm->nd", dout, W)
        if ctx.needs_input_grad[1]:
            dW = torch.einsum("nd,nm->dm", X, dout)
        if ctx.needs_input_grad[2]:
            db = dout.sum(dim=0, keepdim=True).squeeze(0)
        return dX, dW, db
''', why="saves clones, einsum, gradients only where needed"),
]


# Issue 20 item 2: mlp_loss_and_grads that calls its collaborators and discards their
# results, or uses them only when it thinks it is watched. Every run (value, built-from,
# hidden) records linear_backward, and each weight gradient must be one it returned.
SHORTCUTS += [
    Shortcut("mlp_numerical_with_token_backward_calls", "mlp_loss_and_grads", source=(
        "def mlp_loss_and_grads(params, X, y):\n"
        "    def loss_of(p):\n"
        "        z1, _ = linear_forward(X, p['W1'], p['b1'])\n"
        "        h, _ = relu_forward(z1)\n"
        "        s, _ = linear_forward(h, p['W2'], p['b2'])\n"
        "        return softmax_cross_entropy(s, y)[0]\n"
        "    base = {k: np.array(v, dtype=np.float64) for k, v in params.items()}\n"
        "    grads = {}\n"
        "    for k in ('W1', 'b1', 'W2', 'b2'):\n"
        "        g = np.zeros_like(base[k])\n"
        "        for i in np.ndindex(base[k].shape):\n"
        "            old = base[k][i]\n"
        "            base[k][i] = old + 1e-6\n"
        "            up = loss_of(base)\n"
        "            base[k][i] = old - 1e-6\n"
        "            down = loss_of(base)\n"
        "            base[k][i] = old\n"
        "            g[i] = (up - down) / 2e-6\n"
        "        grads[k] = g\n"
        "    _, c = linear_forward(X, base['W1'], base['b1'])\n"
        "    linear_backward(np.zeros((X.shape[0], base['W1'].shape[1])), c)\n"
        "    relu_backward(np.zeros(1), relu_forward(np.zeros(1))[1])\n"
        "    return loss_of(base), grads\n"),
        why="central differences of the loss through the forward layers; the backward layers "
            "called for show, results discarded (review 20b sa06)"),
    Shortcut("mlp_inline_unless_layers_altered", "mlp_loss_and_grads", source=(
        "_OWN = {'linear_forward': linear_forward}\n"
        "def mlp_loss_and_grads(params, X, y):\n"
        "    W1, b1, W2, b2 = (np.asarray(params[k], dtype=np.float64)\n"
        "                      for k in ('W1', 'b1', 'W2', 'b2'))\n"
        "    probe = np.eye(W1.shape[0])\n"
        "    if not np.array_equal(linear_forward(probe, W1, b1)[0],\n"
        "                          _OWN['linear_forward'](probe, W1, b1)[0]):\n"
        "        z1, c1 = linear_forward(X, params['W1'], params['b1'])\n"
        "        h, cr = relu_forward(z1)\n"
        "        s, c2 = linear_forward(h, params['W2'], params['b2'])\n"
        "        loss, ds = softmax_cross_entropy(s, y)\n"
        "        dh, dW2, db2 = linear_backward(ds, c2)\n"
        "        _, dW1, db1 = linear_backward(relu_backward(dh, cr), c1)\n"
        "        return loss, {'W1': dW1, 'b1': db1, 'W2': dW2, 'b2': db2}\n"
        "    N = X.shape[0]\n"
        "    z1 = X @ W1 + b1\n"
        "    h = np.maximum(z1, 0)\n"
        "    s = h @ W2 + b2\n"
        "    s = s - s.max(1, keepdims=True)\n"
        "    p = np.exp(s)\n"
        "    p /= p.sum(1, keepdims=True)\n"
        "    loss = -np.log(p[np.arange(N), y]).mean()\n"
        "    p[np.arange(N), y] -= 1\n"
        "    ds = p / N\n"
        "    dz = (ds @ W2.T) * (z1 > 0)\n"
        "    linear_backward(ds, linear_forward(h, W2, b2)[1])   # called, result unused\n"
        "    return float(loss), {'W1': X.T @ dz, 'b1': dz.sum(0), 'W2': h.T @ ds,\n"
        "                         'b2': ds.sum(0)}\n"),
        why="a test call against its own linear_forward kept aside: the layers only when they "
            "are altered, an inline copy otherwise"),
    Shortcut("mlp_numerical_laundered_through_backward", "mlp_loss_and_grads", source=(
        "def mlp_loss_and_grads(params, X, y):\n"
        "    def loss_of(p):\n"
        "        z1, _ = linear_forward(X, p['W1'], p['b1'])\n"
        "        h, _ = relu_forward(z1)\n"
        "        s, _ = linear_forward(h, p['W2'], p['b2'])\n"
        "        return softmax_cross_entropy(s, y)[0]\n"
        "    base = {k: np.array(v, dtype=np.float64) for k, v in params.items()}\n"
        "    grads = {}\n"
        "    for k in ('W1', 'b1', 'W2', 'b2'):\n"
        "        g = np.zeros_like(base[k])\n"
        "        for i in np.ndindex(base[k].shape):\n"
        "            old = base[k][i]\n"
        "            base[k][i] = old + 1e-6\n"
        "            up = loss_of(base)\n"
        "            base[k][i] = old - 1e-6\n"
        "            down = loss_of(base)\n"
        "            base[k][i] = old\n"
        "            g[i] = (up - down) / 2e-6\n"
        "        grads[k] = g\n"
        "    for k in ('W1', 'W2'):   # each weight gradient passed through linear_backward\n"
        "        G = grads[k]\n"
        "        _, grads[k], _ = linear_backward(np.eye(G.shape[1]), (G.T.copy(), base[k]))\n"
        "    relu_backward(np.zeros(1), relu_forward(np.zeros(1))[1])\n"
        "    return loss_of(base), grads\n"),
        why="numerical differences laundered through linear_backward (X.T @ I with X = G.T), "
            "so each weight gradient is one linear_backward returned: the altered layers "
            "scale it twice"),
]

# ---- numerical derivatives exact, or nearly, for the function at hand (issue 20, item 3):
# caught by inputs where every difference quotient loses digits (magnitudes 1e-6 to 1e6 in one
# sum, subnormals to near overflow at relu's kink) and round-off bounds entry by entry
SHORTCUTS += [
    Shortcut("linear_backward_unit_step_differences", "linear_backward",
             source=LINEAR_VJP.format(dtype="float", body=(
                 "up = [c.copy() for c in arrays]\n"
                 "            down = [c.copy() for c in arrays]\n"
                 "            up[i][idx] += 1.0\n"
                 "            down[i][idx] -= 1.0\n"
                 "            g[idx] = np.sum((out_of(*up) - out_of(*down)) * dout) / 2.0")),
             why="a unit step: exact for a linear map, but for round-off of the whole sum"),
    Shortcut("linear_backward_basis_differences", "linear_backward", source=(
        "def linear_backward(dout, cache):\n"
        "    X, W = (np.asarray(a, dtype=float) for a in cache)\n"
        "    dX = np.zeros(X.shape); dW = np.zeros(W.shape)\n"
        "    for idx in np.ndindex(X.shape):\n"
        "        step = np.zeros(X.shape); step[idx] = 1.0\n"
        "        dX[idx] = np.sum(((X + step) @ W - X @ W) * dout)\n"
        "    for idx in np.ndindex(W.shape):\n"
        "        step = np.zeros(W.shape); step[idx] = 1.0\n"
        "        dW[idx] = np.sum((X @ (W + step) - X @ W) * dout)\n"
        "    return dX, dW, dout.sum(axis=0)\n"),
        why="forward differences of the layer's output with a unit step"),
    Shortcut("relu_backward_one_sided_half_step", "relu_layer", source=(
        "def relu_forward(X):\n"
        "    return np.maximum(X, 0.0), np.array(X, dtype=np.float64)\n\n\n"
        "def relu_backward(dout, cache):\n"
        "    h = np.where(cache != 0, np.abs(cache) / 2, 1.0)\n"
        "    slope = (relu_forward(cache)[0] - relu_forward(cache - h)[0]) / h\n"
        "    return dout * slope\n"),
        why="a backward difference inside the linear piece: exact but at the subnormal"),
    Shortcut("relu_backward_rounded_forward_difference", "relu_layer", source=(
        "def relu_forward(X):\n"
        "    return np.maximum(X, 0.0), np.array(X, dtype=np.float64)\n\n\n"
        "def relu_backward(dout, cache):\n"
        "    h = 1e-7\n"
        "    slope = np.round((relu_forward(cache + h)[0] - relu_forward(cache)[0]) / h)\n"
        "    slope[cache == 0] = 0.0\n"
        "    return dout * slope\n"),
        why="the slope measured then rounded to 0 or 1 (the reviewer's sa13)"),
    Shortcut("relu_backward_thresholded_central_difference", "relu_layer", source=(
        "def relu_forward(X):\n"
        "    return np.maximum(X, 0.0), np.array(X, dtype=np.float64)\n\n\n"
        "def relu_backward(dout, cache):\n"
        "    h = 1e-9\n"
        "    slope = (relu_forward(cache + h)[0] - relu_forward(cache - h)[0]) / (2 * h)\n"
        "    return dout * np.where(slope > 0.75, 1.0, 0.0)\n"),
        why="the gate measured by a centred difference (the reviewer's sa17)"),
    Shortcut("sigmoid_backward_richardson", "sigmoid_layer", source=(
        "def _sigmoid(X):\n"
        "    e = np.exp(-np.abs(X))\n"
        "    return np.where(X >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n\n\n"
        "def sigmoid_forward(X):\n"
        "    X = np.array(X, dtype=np.float64)\n"
        "    return _sigmoid(X), X\n\n\n"
        "def sigmoid_backward(dout, cache):\n"
        "    def central(h):\n"
        "        return (_sigmoid(cache + h) - _sigmoid(cache - h)) / (2 * h)\n"
        "    table = [[central(1.0 / 2 ** i)] for i in range(6)]\n"
        "    for i in range(1, 6):\n"
        "        for j in range(1, i + 1):\n"
        "            table[i].append(table[i][j - 1] + (table[i][j - 1] - table[i - 1][j - 1])"
        " / (4 ** j - 1))\n"
        "    return dout * table[-1][-1]\n"),
        why="Richardson extrapolation of central differences: 17 round-offs at best"),
    Shortcut("softmax_ce_richardson", "softmax_cross_entropy", source=(
        "def _loss(scores, y):\n"
        "    n = scores.shape[0]\n"
        "    shifted = scores - scores.max(axis=1, keepdims=True)\n"
        "    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
        "    return -logp[np.arange(n), y]\n\n\n"
        "def softmax_cross_entropy(scores, y):\n"
        "    scores = np.asarray(scores, dtype=np.float64)\n"
        "    n, k = scores.shape\n"
        "    d = np.zeros((n, k))\n"
        "    for j in range(k):\n"
        "        def central(h):\n"
        "            e = np.zeros(k); e[j] = h\n"
        "            return (_loss(scores + e, y) - _loss(scores - e, y)) / (2 * h)\n"
        "        table = [[central(1.0 / 2 ** i)] for i in range(6)]\n"
        "        for i in range(1, 6):\n"
        "            for m in range(1, i + 1):\n"
        "                table[i].append(table[i][m - 1] + (table[i][m - 1] - table[i - 1][m - 1])"
        " / (4 ** m - 1))\n"
        "        d[:, j] = table[-1][-1] / n\n"
        "    return float(_loss(scores, y).mean()), d\n"),
        why="each row's loss differenced along one score at a time, Richardson-extrapolated"),
    Shortcut("mlp_central_differences_through_layers", "mlp_loss_and_grads", source=(
        "def mlp_loss_and_grads(params, X, y):\n"
        "    def loss_of(p):\n"
        "        z1, _ = linear_forward(X, p['W1'], p['b1'])\n"
        "        h, _ = relu_forward(z1)\n"
        "        s, _ = linear_forward(h, p['W2'], p['b2'])\n"
        "        return softmax_cross_entropy(s, y)[0]\n"
        "    base = {k: np.array(v, dtype=np.float64) for k, v in params.items()}\n"
        "    grads = {}\n"
        "    for k in ('W1', 'b1', 'W2', 'b2'):\n"
        "        g = np.zeros_like(base[k])\n"
        "        for i in np.ndindex(base[k].shape):\n"
        "            old = base[k][i]\n"
        "            base[k][i] = old + 1e-6; up = loss_of(base)\n"
        "            base[k][i] = old - 1e-6; dn = loss_of(base)\n"
        "            base[k][i] = old\n"
        "            g[i] = (up - dn) / 2e-6\n"
        "        grads[k] = g\n"
        "    _, c = linear_forward(X, base['W1'], base['b1'])\n"
        "    linear_backward(np.zeros((X.shape[0], base['W1'].shape[1])), c)\n"
        "    relu_backward(np.zeros(1), relu_forward(np.zeros(1))[1])\n"
        "    return loss_of(base), grads\n"),
        why="central differences of its own forward, backward pieces called for show (sa06)"),
    Shortcut("train_grad_differences_not_zeroed", "train_value_mlp", source=(
        "def train_value_mlp(model, X, y, steps, lr):\n"
        "    losses = []\n"
        "    params = model.parameters()\n"
        "    prev = [p.grad for p in params]\n"
        "    for _ in range(steps):\n"
        "        loss = sum(((model(x) - t) ** 2 for x, t in zip(X, y)), Value(0.0))"
        " * (1.0 / len(X))\n"
        "        loss.backward()  # never zeroed: what was there before is subtracted\n"
        "        losses.append(loss.data)\n"
        "        for i, p in enumerate(params):\n"
        "            g = p.grad - prev[i]\n"
        "            prev[i] = p.grad\n"
        "            p.data -= lr * g\n"
        "    return losses\n"),
        why="never sets .grad to 0: subtracts the previous total instead (review 20 of "
            "2026-12-07, notebooks 04-06, H5)"),
]
