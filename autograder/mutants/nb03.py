"""Mutation catalogue for 03_jacobians_and_chain_rule: plausible student bugs, shortcuts that
get right-looking outputs without doing the exercise, and correct variants."""

from autograder.mutation import Mutant, Shortcut, Variant

MUTANTS = [
    # numerical_gradient
    Mutant("numgrad_forward_difference", "numerical_gradient",
           edits=[("        x[index] = saved - eps\n        f_minus = f(x)\n",
                   "        x[index] = saved\n        f_minus = f(x)\n"),
                  ("grad[index] = (f_plus - f_minus) / (2 * eps)",
                   "grad[index] = (f_plus - f_minus) / eps")],
           why="forward differences: O(eps) error, exposed at eps = 1e-3 and 0.1"),
    Mutant("numgrad_eps_whole_array", "numerical_gradient", source=(
        "def numerical_gradient(f, x, eps=1e-6):\n"
        "    x = np.array(x, dtype=np.float64)\n"
        "    grad = np.zeros_like(x)\n"
        "    for index in np.ndindex(x.shape):\n"
        "        grad[index] = (f(x + eps) - f(x - eps)) / (2 * eps)\n"
        "    return grad\n"),
        why="every entry gets the directional derivative along all-ones"),
    Mutant("numgrad_no_restore", "numerical_gradient", source=(
        "def numerical_gradient(f, x, eps=1e-6):\n"
        "    grad = np.zeros_like(x, dtype=float)\n"
        "    for index in np.ndindex(x.shape):\n"
        "        x[index] += eps\n"
        "        f_plus = f(x)\n"
        "        x[index] -= 2 * eps\n"
        "        f_minus = f(x)\n"
        "        grad[index] = (f_plus - f_minus) / (2 * eps)\n"
        "    return grad\n"),
        why="mutates the caller's x: every entry ends eps lower"),
    Mutant("numgrad_divide_by_eps", "numerical_gradient",
           edits=[("grad[index] = (f_plus - f_minus) / (2 * eps)",
                   "grad[index] = (f_plus - f_minus) / eps")]),
    Mutant("numgrad_reshape_copy_trap", "numerical_gradient", source=(
        "def numerical_gradient(f, x, eps=1e-6):\n"
        "    x = np.asarray(x, dtype=np.float64)\n"
        "    flat = x.reshape(-1)  # a copy when x is not contiguous\n"
        "    grad = np.zeros(x.size)\n"
        "    for i in range(flat.size):\n"
        "        saved = flat[i]\n"
        "        flat[i] = saved + eps\n"
        "        f_plus = f(x)\n"
        "        flat[i] = saved - eps\n"
        "        f_minus = f(x)\n"
        "        flat[i] = saved\n"
        "        grad[i] = (f_plus - f_minus) / (2 * eps)\n"
        "    return grad.reshape(x.shape)\n"),
        why="right for contiguous float x; all zeros for W.T and A[:, ::2]"),
    Mutant("numgrad_integer_truncation", "numerical_gradient", source=(
        "def numerical_gradient(f, x, eps=1e-6):\n"
        "    x = np.array(x)\n"
        "    grad = np.zeros(x.shape)\n"
        "    for index in np.ndindex(x.shape):\n"
        "        saved = x[index]\n"
        "        x[index] = saved + eps\n"
        "        f_plus = f(x)\n"
        "        x[index] = saved - eps\n"
        "        f_minus = f(x)\n"
        "        x[index] = saved\n"
        "        grad[index] = (f_plus - f_minus) / (2 * eps)\n"
        "    return grad\n"),
        why="a copy of x keeps its integer dtype: x + eps is truncated, zeros"),
    Mutant("numgrad_fails_on_0d", "numerical_gradient", source=(
        "def numerical_gradient(f, x, eps=1e-6):\n"
        "    x = np.array(x, dtype=np.float64)\n"
        "    grad = np.zeros(x.shape)\n"
        "    for i in range(x.shape[0]):\n"
        "        for index in np.ndindex(x.shape[1:]):\n"
        "            full = (i,) + index\n"
        "            saved = x[full]\n"
        "            x[full] = saved + eps\n"
        "            f_plus = f(x)\n"
        "            x[full] = saved - eps\n"
        "            f_minus = f(x)\n"
        "            x[full] = saved\n"
        "            grad[full] = (f_plus - f_minus) / (2 * eps)\n"
        "    return grad\n"),
        why="x.shape[0] does not exist for a 0-d array"),
    # numerical_jacobian
    Mutant("numjac_transposed", "numerical_jacobian",
           edits=[("    return J\n", "    return J.T\n")]),
    Mutant("numjac_forward_difference", "numerical_jacobian",
           edits=[("        x[index] = saved - eps\n        f_minus",
                   "        x[index] = saved\n        f_minus"),
                  ("J[:, column] = (f_plus - f_minus) / (2 * eps)",
                   "J[:, column] = (f_plus - f_minus) / eps")]),
    Mutant("numjac_no_copy_no_restore", "numerical_jacobian",
           edits=[("    x = np.array(x, dtype=np.float64)\n", ""),
                  ("        x[index] = saved\n", "")],
           why="works on the caller's x in place and leaves it shifted"),
    Mutant("numjac_reshape_copy_trap", "numerical_jacobian", source=(
        "def numerical_jacobian(f, x, eps=1e-6):\n"
        "    x = np.asarray(x, dtype=np.float64)\n"
        "    flat = x.reshape(-1)\n"
        "    J = np.zeros((np.size(f(x)), flat.size))\n"
        "    for j in range(flat.size):\n"
        "        saved = flat[j]\n"
        "        flat[j] = saved + eps\n"
        "        f_plus = np.array(f(x), dtype=np.float64).reshape(-1)\n"
        "        flat[j] = saved - eps\n"
        "        f_minus = np.array(f(x), dtype=np.float64).reshape(-1)\n"
        "        flat[j] = saved\n"
        "        J[:, j] = (f_plus - f_minus) / (2 * eps)\n"
        "    return J\n"),
        why="the old lesson's recipe: silently zero for non-contiguous x"),
    Mutant("numjac_output_view", "numerical_jacobian",
           edits=[("np.array(f(x), dtype=np.float64).reshape(-1)  # a copy, never a view of x",
                   "np.asarray(f(x)).reshape(-1)")],
           why="keeps a view of x from the +eps evaluation: zeros when f returns x itself"),
    # activation derivatives
    Mutant("sigmoid_grad_is_sigmoid", "sigmoid_grad",
           edits=[("return s * (1.0 - s)", "return s")]),
    Mutant("sigmoid_grad_missing_factor", "sigmoid_grad",
           edits=[("return s * (1.0 - s)", "return 1.0 - s")]),
    Mutant("tanh_grad_of_input", "tanh_grad",
           edits=[("return 1.0 - np.tanh(z) ** 2", "return 1.0 - np.asarray(z) ** 2")],
           why="1 - z**2 is the derivative in terms of the output, applied to the input"),
    Mutant("tanh_grad_no_square", "tanh_grad",
           edits=[("return 1.0 - np.tanh(z) ** 2", "return 1.0 - np.tanh(z)")]),
    Mutant("relu_grad_one_at_zero", "relu_grad",
           edits=[("(np.asarray(z) > 0)", "(np.asarray(z) >= 0)")]),
    Mutant("relu_grad_one_for_negatives", "relu_grad",
           edits=[("(np.asarray(z) > 0)", "(np.asarray(z) != 0)")]),
    Mutant("relu_grad_returns_bool", "relu_grad",
           edits=[("return (np.asarray(z) > 0).astype(np.float64)",
                   "return np.asarray(z) > 0")],
           why="the right 0s and 1s as a bool array: the docstring asks for floats"),
    Mutant("relu_grad_returns_relu", "relu_grad",
           edits=[("return (np.asarray(z) > 0).astype(np.float64)",
                   "return np.maximum(np.asarray(z, dtype=np.float64), 0.0)")]),
    # softmax
    Mutant("softmax_unstable", "softmax",
           edits=[("shifted = z - np.max(z, axis=-1, keepdims=True)", "shifted = z")],
           why="exp(1000) overflows: nan and a warning"),
    Mutant("softmax_wrong_axis", "softmax",
           edits=[("np.max(z, axis=-1, keepdims=True)", "np.max(z, axis=0, keepdims=True)"),
                  ("np.sum(e, axis=-1, keepdims=True)", "np.sum(e, axis=0, keepdims=True)")]),
    Mutant("softmax_global_sum", "softmax",
           edits=[("np.sum(e, axis=-1, keepdims=True)", "np.sum(e)")]),
    Mutant("softmax_in_place_shift", "softmax", source=(
        "def softmax(z):\n"
        "    z -= np.max(z, axis=-1, keepdims=True)\n"
        "    e = np.exp(z)\n"
        "    return e / np.sum(e, axis=-1, keepdims=True)\n"),
        why="shifts the caller's array in place"),
    # softmax_jacobian
    Mutant("softmax_jacobian_no_diagonal", "softmax_jacobian",
           edits=[("return np.diag(p) - np.outer(p, p)", "return -np.outer(p, p)")]),
    Mutant("softmax_jacobian_uses_scores", "softmax_jacobian",
           edits=[("return np.diag(p) - np.outer(p, p)", "return np.diag(p) - np.outer(z, z)")]),
    Mutant("softmax_jacobian_diagonal_only", "softmax_jacobian",
           edits=[("return np.diag(p) - np.outer(p, p)", "return np.diag(p * (1 - p))")],
           why="treats softmax as elementwise: right diagonal, zero off-diagonal"),
    # linear_jacobian_wrt_weights
    Mutant("linear_jacobian_x_on_last_axis", "linear_jacobian_wrt_weights",
           edits=[("J = np.zeros((m, x.size, m))", "J = np.zeros((m, m, x.size))"),
                  ("J[i, :, i] = x", "J[i, i, :] = x")],
           why="J[i, i, :] = x: right for no shape unless n = m, and then wrong values"),
    Mutant("linear_jacobian_ones", "linear_jacobian_wrt_weights",
           edits=[("J[i, :, i] = x", "J[i, :, i] = 1.0")]),
    # chain_jacobians
    Mutant("chain_wrong_order", "chain_jacobians", source=(
        "def chain_jacobians(jacobians):\n"
        "    result = jacobians[0]\n"
        "    for J in jacobians[1:]:\n"
        "        result = result @ J\n"
        "    return result\n"),
        why="J_1 @ J_2 @ ... @ J_k"),
    Mutant("chain_reverses_list_in_place", "chain_jacobians", source=(
        "def chain_jacobians(jacobians):\n"
        "    jacobians.reverse()\n"
        "    result = jacobians[0]\n"
        "    for J in jacobians[1:]:\n"
        "        result = result @ J\n"
        "    return result\n"),
        why="right product, but the caller's list comes back reversed"),
    Mutant("chain_pops_list", "chain_jacobians", source=(
        "def chain_jacobians(jacobians):\n"
        "    result = jacobians.pop(0)\n"
        "    while jacobians:\n"
        "        result = jacobians.pop(0) @ result\n"
        "    return result\n"),
        why="right product, but the caller's list comes back empty (shorter than given)"),
    Mutant("chain_drops_first", "chain_jacobians",
           edits=[("for J in reversed(jacobians[:-1]):", "for J in reversed(jacobians[1:-1]):")]),
    # gradient_descent
    Shortcut("gd_cached_by_start_rate_and_steps", "gradient_descent", source=(
        "_PATHS = {}\n"
        "def gradient_descent(grad, theta0, lr, steps):\n"
        "    key = (lr, steps, tuple(np.ravel(theta0)))\n"
        "    if key not in _PATHS:\n"
        "        theta = np.array(theta0, dtype=np.float64)\n"
        "        path = [theta.copy()]\n"
        "        for _ in range(steps):\n"
        "            theta = theta - lr * grad(theta)\n"
        "            path.append(theta.copy())\n"
        "        _PATHS[key] = np.array(path)\n"
        "    return _PATHS[key].copy()\n"),
        why="a path cached by start, rate and steps, whatever the gradient (review 20 of "
            "2026-12-07, notebooks 01-03 round 2, H5)"),
    Mutant("gd_ascent_plus", "gradient_descent",
           edits=[("theta = theta - lr * grad(theta)", "theta = theta + lr * grad(theta)")]),
    Mutant("gd_returns_list", "gradient_descent",
           edits=[("    return np.stack(path)\n", "    return path\n")],
           why="every iterate, right, in a Python list: the demos' path[:, 0] raises"),
    Mutant("gd_last_iterate_only", "gradient_descent",
           edits=[("    return np.stack(path)\n", "    return theta\n")]),
    Mutant("gd_missing_theta0", "gradient_descent",
           edits=[("    path = [theta]\n", "    path = []\n")]),
    Mutant("gd_in_place_update", "gradient_descent", source=(
        "def gradient_descent(grad, theta0, lr, steps):\n"
        "    theta = theta0\n"
        "    path = [theta.copy()]\n"
        "    for _ in range(steps):\n"
        "        theta -= lr * grad(theta)\n"
        "        path.append(theta.copy())\n"
        "    return np.array(path)\n"),
        why="right path, but theta0 is modified in place"),
    # mse_loss
    Mutant("mse_gradient_expanded", "mse_loss", source=(
        "def mse_loss(pred, target):\n"
        "    p = np.asarray(pred, dtype=np.float64)\n"
        "    t = np.asarray(target, dtype=np.float64)\n"
        "    n = p.size\n"
        "    return float(np.mean((p - t) ** 2)), 2 * p / n - 2 * t / n\n"),
        why="the gradient's two terms scaled before they are subtracted: right in exact "
            "arithmetic, off by the large entries' rounding near 1e8 (review 22 r34 M2)"),
    Mutant("mse_sum_not_mean", "mse_loss",
           edits=[("loss = float(np.mean(diff ** 2))", "loss = float(np.sum(diff ** 2))"),
                  ("dpred = 2.0 * diff / diff.size", "dpred = 2.0 * diff")],
           why="missing 1/(N*K) in both"),
    Mutant("mse_grad_missing_mean", "mse_loss",
           edits=[("dpred = 2.0 * diff / diff.size", "dpred = 2.0 * diff")],
           why="right loss, gradient of the sum"),
    Mutant("mse_divide_by_rows_only", "mse_loss",
           edits=[("loss = float(np.mean(diff ** 2))",
                   "loss = float(np.sum(diff ** 2) / len(diff))"),
                  ("dpred = 2.0 * diff / diff.size", "dpred = 2.0 * diff / len(diff)")],
           why="divides by N, not N*K: right only for 1-D inputs"),
    Mutant("mse_grad_sign", "mse_loss",
           edits=[("dpred = 2.0 * diff / diff.size", "dpred = -2.0 * diff / diff.size")],
           why="the gradient with respect to target"),
    Mutant("mse_grad_missing_two", "mse_loss",
           edits=[("dpred = 2.0 * diff / diff.size", "dpred = diff / diff.size")]),
    # mae_loss
    Mutant("mae_grad_one_at_ties", "mae_loss",
           edits=[("dpred = np.sign(diff) / diff.size",
                   "dpred = np.where(diff >= 0, 1.0, -1.0) / diff.size")],
           why="gradient 1 where pred == target; the contract says 0"),
    Mutant("mae_sum_not_mean", "mae_loss",
           edits=[("loss = float(np.mean(np.abs(diff)))", "loss = float(np.sum(np.abs(diff)))"),
                  ("dpred = np.sign(diff) / diff.size", "dpred = np.sign(diff)")]),
    Mutant("mae_grad_sign", "mae_loss",
           edits=[("dpred = np.sign(diff) / diff.size", "dpred = -np.sign(diff) / diff.size")]),
    Mutant("mae_loss_without_abs", "mae_loss",
           edits=[("loss = float(np.mean(np.abs(diff)))", "loss = float(np.mean(diff))")]),
]

SHORTCUTS = [
    Shortcut("numgrad_ignores_eps", "numerical_gradient",
             edits=[("def numerical_gradient(f, x, eps=1e-6):\n",
                     "def numerical_gradient(f, x, eps=1e-6):\n    eps = 1e-6\n")],
             why="a fixed step: exact-looking gradients, but not the difference at eps"),
    Shortcut("numjac_ignores_eps", "numerical_jacobian",
             edits=[("def numerical_jacobian(f, x, eps=1e-6):\n",
                     "def numerical_jacobian(f, x, eps=1e-6):\n    eps = 1e-5\n")]),
    Shortcut("numgrad_library_checker", "numerical_gradient", source=(
        "from nncourse.gradcheck import finite_difference_gradient\n\n\n"
        "def numerical_gradient(f, x, eps=1e-6):\n"
        "    return finite_difference_gradient(f, x, eps)\n"),
        why="the course library's own checker: forbidden by the exercise's rules"),
    Shortcut("numjac_library_checker", "numerical_jacobian", source=(
        "from nncourse import finite_difference_jacobian\n\n\n"
        "def numerical_jacobian(f, x, eps=1e-6):\n"
        "    return finite_difference_jacobian(f, x, eps=eps)\n")),
    Shortcut("sigmoid_grad_torch_autograd", "sigmoid_grad", source=(
        "def sigmoid_grad(z):\n"
        "    import torch\n"
        "    t = torch.tensor(np.asarray(z, dtype=np.float64), requires_grad=True)\n"
        "    torch.sigmoid(t).sum().backward()\n"
        "    return t.grad.numpy()\n")),
    Shortcut("sigmoid_grad_numerical", "sigmoid_grad", source=(
        "def sigmoid_grad(z):\n"
        "    return numerical_gradient(lambda v: np.sum(sigmoid(v)), z, eps=1e-5)\n"),
        why="finite differences instead of the derived derivative"),
    Shortcut("tanh_grad_numerical", "tanh_grad", source=(
        "def tanh_grad(z):\n"
        "    return numerical_gradient(lambda v: np.sum(np.tanh(v)), z, eps=1e-5)\n")),
    Shortcut("relu_grad_torch_autograd", "relu_grad", source=(
        "import torch\n\n\n"
        "def relu_grad(z):\n"
        "    t = torch.tensor(np.asarray(z, dtype=np.float64), requires_grad=True)\n"
        "    torch.relu(t).sum().backward()\n"
        "    return t.grad.numpy()\n"),
        why="torch imported at the top of the cell: the global is poisoned while probing"),
    Shortcut("softmax_global_max", "softmax",
             edits=[("shifted = z - np.max(z, axis=-1, keepdims=True)",
                     "shifted = z - np.max(z)")],
             why="one shift for the whole batch: rows far below the maximum underflow"),
    Shortcut("softmax_jacobian_numerical", "softmax_jacobian", source=(
        "def softmax_jacobian(z):\n"
        "    return numerical_jacobian(softmax, z, eps=1e-6)\n")),
    Shortcut("linear_jacobian_numerical", "linear_jacobian_wrt_weights", source=(
        "def linear_jacobian_wrt_weights(x, m):\n"
        "    x = np.asarray(x, dtype=np.float64)\n"
        "    jac = numerical_jacobian(lambda w: x @ w, np.zeros((x.size, m)))\n"
        "    return jac.reshape(m, x.size, m)\n")),
    Shortcut("mse_loss_numerical_grad", "mse_loss", source=(
        "def mse_loss(pred, target):\n"
        "    target = np.asarray(target, dtype=np.float64)\n"
        "    loss = lambda p: float(np.mean((p - target) ** 2))\n"
        "    return loss(np.asarray(pred, dtype=np.float64)), numerical_gradient(loss, pred)\n"),
        why="central differences of a quadratic are exact up to round-off"),
    # finite differences written inline (no call to numerical_*): caught by the tolerance
    # (exact to round-off) and by residuals from 1e-9 to 1e4 in the losses' hidden checks
    Shortcut("sigmoid_grad_inline_differences", "sigmoid_grad", source=(
        "def sigmoid_grad(z):\n"
        "    z = np.asarray(z, dtype=np.float64)\n"
        "    h = 1e-5\n"
        "    return (sigmoid(z + h) - sigmoid(z - h)) / (2 * h)\n")),
    Shortcut("tanh_grad_inline_differences", "tanh_grad", source=(
        "def tanh_grad(z):\n"
        "    z = np.asarray(z, dtype=np.float64)\n"
        "    h = 1e-4\n"
        "    return (np.tanh(z + h) - np.tanh(z - h)) / (2 * h)\n")),
    Shortcut("softmax_jacobian_inline_differences", "softmax_jacobian", source=(
        "def softmax_jacobian(z):\n"
        "    z = np.array(z, dtype=np.float64)\n"
        "    J = np.zeros((z.size, z.size))\n"
        "    h = 1e-5\n"
        "    for j in range(z.size):\n"
        "        up = z.copy(); up[j] += h\n"
        "        down = z.copy(); down[j] -= h\n"
        "        J[:, j] = (softmax(up) - softmax(down)) / (2 * h)\n"
        "    return J\n")),
    Shortcut("mse_loss_inline_differences_unit_step", "mse_loss", source=(
        "def mse_loss(pred, target):\n"
        "    p = np.array(pred, dtype=np.float64)\n"
        "    t = np.asarray(target, dtype=np.float64)\n"
        "    loss = lambda q: float(np.mean((q - t) ** 2))\n"
        "    d = np.zeros(p.shape)\n"
        "    for i in np.ndindex(p.shape):\n"
        "        a = p.copy(); a[i] += 1.0\n"
        "        b = p.copy(); b[i] -= 1.0\n"
        "        d[i] = (loss(a) - loss(b)) / 2.0\n"
        "    return loss(p), d\n"),
        why="a unit step is exact for a quadratic, up to round-off of the total loss"),
    Shortcut("mae_loss_inline_differences", "mae_loss", source=(
        "def mae_loss(pred, target):\n"
        "    p = np.array(pred, dtype=np.float64)\n"
        "    t = np.asarray(target, dtype=np.float64)\n"
        "    loss = lambda q: float(np.mean(np.abs(q - t)))\n"
        "    d = np.zeros(p.shape)\n"
        "    for i in np.ndindex(p.shape):\n"
        "        a = p.copy(); a[i] += 2.0 ** -30\n"
        "        b = p.copy(); b[i] -= 2.0 ** -30\n"
        "        d[i] = (loss(a) - loss(b)) / 2.0 ** -29\n"
        "    return loss(p), d\n")),
    Shortcut("mae_loss_torch", "mae_loss", source=(
        "def mae_loss(pred, target):\n"
        "    import torch\n"
        "    p = torch.tensor(np.asarray(pred, dtype=np.float64), requires_grad=True)\n"
        "    loss = torch.nn.functional.l1_loss(p, torch.as_tensor(np.asarray(target, "
        "dtype=np.float64)))\n"
        "    loss.backward()\n"
        "    return float(loss), p.grad.numpy()\n")),
    # numerical derivatives that are exact, or nearly, for the function at hand (issue 20,
    # item 3): caught by the inputs (offsets across 2^27, magnitudes from subnormal to near
    # overflow), the round-off bounds entry by entry, and the float64-only rule
    Shortcut("relu_grad_one_sided_half_step", "relu_grad", source=(
        "def relu_grad(z):\n"
        "    z = np.asarray(z, dtype=np.float64)\n"
        "    h = np.where(z != 0, np.abs(z) / 2, 1.0)  # a backward difference, exact for relu\n"
        "    relu = lambda v: np.maximum(v, 0.0)\n"
        "    return (relu(z) - relu(z - h)) / h\n"),
        why="a step inside the linear piece: exact, but for the smallest subnormal (h = 0)"),
    Shortcut("relu_grad_forward_difference", "relu_grad", source=(
        "def relu_grad(z):\n"
        "    z = np.asarray(z, dtype=np.float64)\n"
        "    h = 1e-7\n"
        "    return np.round((np.maximum(z + h, 0.0) - np.maximum(z, 0.0)) / h)\n")),
    Shortcut("sigmoid_grad_richardson", "sigmoid_grad", source=(
        "def sigmoid_grad(z):\n"
        "    z = np.asarray(z, dtype=np.float64)\n"
        "    def central(h):\n"
        "        return (sigmoid(z + h) - sigmoid(z - h)) / (2 * h)\n"
        "    table = [[central(1.0 / 2 ** i)] for i in range(6)]\n"
        "    for i in range(1, 6):\n"
        "        for j in range(1, i + 1):\n"
        "            table[i].append(table[i][j - 1] + (table[i][j - 1] - table[i - 1][j - 1])"
        " / (4 ** j - 1))\n"
        "    return table[-1][-1]\n"),
        why="Richardson extrapolation of central differences: 17 round-offs at best"),
    Shortcut("tanh_grad_richardson", "tanh_grad", source=(
        "def tanh_grad(z):\n"
        "    z = np.asarray(z, dtype=np.float64)\n"
        "    def central(h):\n"
        "        return (np.tanh(z + h) - np.tanh(z - h)) / (2 * h)\n"
        "    table = [[central(0.5 / 2 ** i)] for i in range(6)]\n"
        "    for i in range(1, 6):\n"
        "        for j in range(1, i + 1):\n"
        "            table[i].append(table[i][j - 1] + (table[i][j - 1] - table[i - 1][j - 1])"
        " / (4 ** j - 1))\n"
        "    return table[-1][-1]\n")),
    Shortcut("sigmoid_grad_sixth_order_long_double", "sigmoid_grad", source=(
        "def sigmoid_grad(z):\n"
        "    z = np.asarray(z, dtype=np.float64).astype(np.longdouble)\n"
        "    def s(v):\n"
        "        e = np.exp(-np.abs(v))\n"
        "        return np.where(v >= 0, 1 / (1 + e), e / (1 + e))\n"
        "    h = np.longdouble(1e-3)\n"
        "    d = (45 * (s(z + h) - s(z - h)) - 9 * (s(z + 2 * h) - s(z - 2 * h))\n"
        "         + (s(z + 3 * h) - s(z - 3 * h))) / (60 * h)\n"
        "    return d.astype(np.float64)\n"),
        why="6th-order differences in extended precision come within float64's round-off"),
    Shortcut("tanh_grad_sixth_order_long_double", "tanh_grad", source=(
        "def tanh_grad(z):\n"
        "    zl = np.asarray(z, dtype=np.float64).astype(np.longdouble)\n"
        "    h = np.longdouble(1e-3)\n"
        "    t = np.tanh\n"
        "    d = (45 * (t(zl + h) - t(zl - h)) - 9 * (t(zl + 2 * h) - t(zl - 2 * h))\n"
        "         + (t(zl + 3 * h) - t(zl - 3 * h))) / (60 * h)\n"
        "    return d.astype(np.float64)\n")),
    Shortcut("sigmoid_grad_decimal_differences", "sigmoid_grad", source=(
        "from decimal import Decimal, localcontext\n\n\n"
        "def _slope(x):\n"
        "    with localcontext() as ctx:\n"
        "        ctx.prec = 60\n"
        "        x, h = Decimal(float(x)), Decimal(10) ** -25\n"
        "        s = lambda v: 1 / (1 + (-v).exp()) if v > -700 else (v).exp()\n"
        "        return float((s(x + h) - s(x - h)) / (2 * h))\n\n\n"
        "def sigmoid_grad(z):\n"
        "    z = np.asarray(z, dtype=np.float64)\n"
        "    return np.array([_slope(v) for v in z.ravel()]).reshape(z.shape)\n"),
        why="central differences in 60-digit decimal arithmetic: exact to float64"),
    Shortcut("softmax_jacobian_richardson", "softmax_jacobian", source=(
        "def softmax_jacobian(z):\n"
        "    z = np.asarray(z, dtype=np.float64)\n"
        "    K = z.size\n"
        "    def central(h):\n"
        "        J = np.zeros((K, K))\n"
        "        for j in range(K):\n"
        "            e = np.zeros(K); e[j] = h\n"
        "            J[:, j] = (softmax(z + e) - softmax(z - e)) / (2 * h)\n"
        "        return J\n"
        "    table = [[central(1.0 / 2 ** i)] for i in range(6)]\n"
        "    for i in range(1, 6):\n"
        "        for j in range(1, i + 1):\n"
        "            table[i].append(table[i][j - 1] + (table[i][j - 1] - table[i - 1][j - 1])"
        " / (4 ** j - 1))\n"
        "    return table[-1][-1]\n")),
    Shortcut("softmax_jacobian_complex_step_no_literal", "softmax_jacobian", source=(
        "def softmax_jacobian(z):\n"
        "    z = np.asarray(z, dtype=np.float64)\n"
        "    K = z.size\n"
        "    box = {'i': np.emath.sqrt(-1.0)}\n"
        "    J = np.zeros((K, K))\n"
        "    for j in range(K):\n"
        "        box['c'] = z - z.max() + 0.0 * box['i']\n"
        "        box['c'][j] += 1e-30 * box['i']\n"
        "        box['e'] = np.exp(box['c'])\n"
        "        box['p'] = box['e'] / box['e'].sum()\n"
        "        J[:, j] = box['p'].imag / 1e-30\n"
        "    return J\n"),
        why="the imaginary unit from np.emath.sqrt(-1), values kept in a dict"),
    Shortcut("linear_jacobian_central_half_step", "linear_jacobian_wrt_weights", source=(
        "def linear_jacobian_wrt_weights(x, m):\n"
        "    x = np.asarray(x, dtype=np.float64)\n"
        "    n = x.shape[0]\n"
        "    J = np.zeros((m, n, m))\n"
        "    for j in range(n):\n"
        "        for k in range(m):\n"
        "            E = np.zeros((n, m)); E[j, k] = 0.5\n"
        "            J[:, j, k] = (x @ E - x @ -E) / 1.0  # exact: f is linear\n"
        "    return J\n"),
        why="exact for a linear map, but for the subnormal entry (halved to 0)"),
    Shortcut("mse_loss_share_residual_step", "mse_loss", source=(
        "def mse_loss(pred, target):\n"
        "    p = np.asarray(pred, dtype=np.float64); t = np.asarray(target, dtype=np.float64)\n"
        "    share = lambda q: (q - t) ** 2 / p.size\n"
        "    h = np.where(p != t, np.abs(p - t), 1.0)\n"
        "    return float(np.mean((p - t) ** 2)), (share(p + h) - share(p - h)) / (2 * h)\n"),
        why="each entry's own term, a step of its residual: exact on one float64 grid"),
    Shortcut("mae_loss_share_half_residual_step", "mae_loss", source=(
        "def mae_loss(pred, target):\n"
        "    p = np.asarray(pred, dtype=np.float64); t = np.asarray(target, dtype=np.float64)\n"
        "    share = lambda q: np.abs(q - t) / p.size\n"
        "    h = np.abs(p - t) / 2\n"
        "    safe = np.where(h > 0, h, 1.0)\n"
        "    d = np.where(h > 0, (share(p + safe) - share(p - safe)) / (2 * safe), 0.0)\n"
        "    return float(np.mean(np.abs(p - t))), d\n")),
    Shortcut("mse_loss_complex_step_no_literal", "mse_loss", source=(
        "def mse_loss(pred, target):\n"
        "    p = np.asarray(pred, dtype=np.float64); t = np.asarray(target, dtype=np.float64)\n"
        "    box = {'i': np.emath.sqrt(-1.0)}\n"
        "    box['l'] = (p + 1e-30 * box['i'] - t) ** 2 / p.size\n"
        "    return float(np.mean((p - t) ** 2)), box['l'].imag / 1e-30\n")),
]

VARIANTS = [
    Variant("numgrad_basis_vectors", "numerical_gradient", source=(
        "def numerical_gradient(f, x, eps=1e-6):\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    grad = np.empty(x.shape)\n"
        "    for i in range(x.size):\n"
        "        e = np.zeros(x.size)\n"
        "        e[i] = eps\n"
        "        e = e.reshape(x.shape)\n"
        "        grad.flat[i] = (f(x + e) - f(x - e)) / (2 * eps)\n"
        "    return grad\n")),
    Variant("numgrad_add_subtract_in_place", "numerical_gradient", source=(
        "def numerical_gradient(f, x, eps=1e-6):\n"
        "    x = np.array(x, dtype=float)\n"
        "    grad = np.zeros_like(x, dtype=float)\n"
        "    it = np.nditer(x, flags=['multi_index'])\n"
        "    while not it.finished:\n"
        "        i = it.multi_index\n"
        "        x[i] += eps\n"
        "        fp = f(x)\n"
        "        x[i] -= 2 * eps\n"
        "        fm = f(x)\n"
        "        x[i] += eps\n"
        "        grad[i] = (fp - fm) / (2 * eps)\n"
        "        it.iternext()\n"
        "    return grad\n"),
        why="restores by arithmetic on its own copy"),
    Variant("numgrad_contiguous_copy_flat", "numerical_gradient", source=(
        "def numerical_gradient(f, x, eps=1e-6):\n"
        "    x = np.array(x, dtype=np.float64, order='C')\n"
        "    flat = x.reshape(-1)  # a view: x is our own contiguous copy\n"
        "    grad = np.zeros(x.size)\n"
        "    for i in range(x.size):\n"
        "        saved = flat[i]\n"
        "        flat[i] = saved + eps\n"
        "        up = f(x)\n"
        "        flat[i] = saved - eps\n"
        "        down = f(x)\n"
        "        flat[i] = saved\n"
        "        grad[i] = (up - down) / (2 * eps)\n"
        "    return grad.reshape(x.shape)\n"),
        why="the flat-view recipe done right: on a C-contiguous copy"),
    Variant("numjac_rows_from_gradient", "numerical_jacobian", source=(
        "def numerical_jacobian(f, x, eps=1e-6):\n"
        "    m = np.asarray(f(x)).size\n"
        "    rows = [numerical_gradient(lambda v, i=i: np.asarray(f(v)).reshape(-1)[i], x, eps)"
        ".reshape(-1)\n"
        "            for i in range(m)]\n"
        "    return np.array(rows, dtype=float).reshape(m, np.size(x))\n"),
        why="row by row, through numerical_gradient"),
    Variant("numjac_stack_columns", "numerical_jacobian", source=(
        "def numerical_jacobian(f, x, eps=1e-6):\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    cols = []\n"
        "    for j in range(x.size):\n"
        "        e = np.zeros(x.size); e[j] = eps; e = e.reshape(x.shape)\n"
        "        cols.append((np.ravel(f(x + e)) - np.ravel(f(x - e))) / (2 * eps))\n"
        "    return np.stack(cols, axis=1)\n")),
    Variant("sigmoid_grad_via_tanh", "sigmoid_grad", source=(
        "def sigmoid_grad(z):\n"
        "    return 0.25 * (1 - np.tanh(0.5 * np.asarray(z, dtype=float)) ** 2)\n")),
    Variant("sigmoid_grad_exp_form", "sigmoid_grad", source=(
        "def sigmoid_grad(z):\n"
        "    e = np.exp(-np.abs(np.asarray(z, dtype=float)))\n"
        "    return e / (1.0 + e) ** 2\n"),
        why="e^{-|z|} / (1 + e^{-|z|})^2, symmetric and stable"),
    Variant("sigmoid_pasted_exp_split", "sigmoid_from_nb01", source=(
        "def sigmoid(z):\n"
        "    z = np.asarray(z, dtype=np.float64)\n"
        "    e = np.exp(-np.abs(z))\n"
        "    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n"),
        why="another stable notebook-01 sigmoid: sigmoid_grad s(1 - s) stays exact"),
    Variant("tanh_grad_via_cosh", "tanh_grad", source=(
        "def tanh_grad(z):\n"
        "    z = np.asarray(z, dtype=float)\n"
        "    return 1.0 / np.cosh(np.clip(z, -300, 300)) ** 2\n")),
    Variant("relu_grad_where", "relu_grad", source=(
        "def relu_grad(z):\n"
        "    return np.where(z > 0, 1.0, 0.0)\n")),
    Variant("relu_grad_heaviside", "relu_grad", source=(
        "def relu_grad(z):\n"
        "    return np.heaviside(np.asarray(z, dtype=float), 0.0)\n")),
    Variant("softmax_logsumexp", "softmax", source=(
        "def softmax(z):\n"
        "    z = np.asarray(z, dtype=float)\n"
        "    m = z.max(axis=-1, keepdims=True)\n"
        "    lse = m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True))\n"
        "    return np.exp(z - lse)\n")),
    Variant("softmax_jacobian_loops", "softmax_jacobian", source=(
        "def softmax_jacobian(z):\n"
        "    p = softmax(z)\n"
        "    K = len(p)\n"
        "    J = np.zeros((K, K))\n"
        "    for i in range(K):\n"
        "        for j in range(K):\n"
        "            J[i, j] = p[i] * ((1.0 if i == j else 0.0) - p[j])\n"
        "    return J\n")),
    Variant("softmax_jacobian_inline_exp", "softmax_jacobian", source=(
        "def softmax_jacobian(z):\n"
        "    z = np.asarray(z, dtype=float)\n"
        "    e = np.exp(z - z.max())\n"
        "    p = (e / e.sum())[:, None]\n"
        "    return np.eye(len(z)) * p - p @ p.T\n")),
    Variant("linear_jacobian_einsum", "linear_jacobian_wrt_weights", source=(
        "def linear_jacobian_wrt_weights(x, m):\n"
        "    return np.einsum('ik,j->ijk', np.eye(m), np.asarray(x, dtype=float))\n")),
    Variant("chain_reduce_from_input", "chain_jacobians", source=(
        "from functools import reduce\n\n"
        "def chain_jacobians(jacobians):\n"
        "    return reduce(lambda acc, J: J @ acc, jacobians[1:], jacobians[0])\n"),
        why="multiplies from the input side: same product"),
    Variant("chain_multi_dot", "chain_jacobians", source=(
        "def chain_jacobians(jacobians):\n"
        "    if len(jacobians) == 1:\n"
        "        return jacobians[0].copy()\n"
        "    return np.linalg.multi_dot(jacobians[::-1])\n")),
    Variant("gd_preallocated", "gradient_descent", source=(
        "def gradient_descent(grad, theta0, lr, steps):\n"
        "    out = np.empty((steps + 1,) + np.shape(theta0))\n"
        "    out[0] = theta0\n"
        "    for t in range(steps):\n"
        "        out[t + 1] = out[t] - lr * grad(out[t].copy())\n"
        "    return out\n")),
    Variant("mse_loops", "mse_loss", source=(
        "def mse_loss(pred, target):\n"
        "    p = np.array(pred, dtype=float)\n"
        "    t = np.array(target, dtype=float)\n"
        "    total, grad = 0.0, np.zeros(p.shape)\n"
        "    for i in np.ndindex(p.shape):\n"
        "        total += (p[i] - t[i]) ** 2\n"
        "        grad[i] = 2 * (p[i] - t[i])\n"
        "    return total / p.size, grad / p.size\n")),
    Variant("mse_square_mean", "mse_loss", source=(
        "def mse_loss(pred, target):\n"
        "    d = np.subtract(pred, target, dtype=float)\n"
        "    return np.square(d).mean(), d * (2 / d.size)\n"),
        why="a numpy float as the loss"),
    Variant("mae_where_ties", "mae_loss", source=(
        "def mae_loss(pred, target):\n"
        "    d = np.asarray(pred, dtype=float) - np.asarray(target, dtype=float)\n"
        "    n = d.size\n"
        "    g = np.where(d > 0, 1.0, np.where(d < 0, -1.0, 0.0)) / n\n"
        "    return float(np.abs(d).sum() / n), g\n")),
]

# ---- numerical where derived is required (issue 20): central differences and complex-step
# differentiation. Each must lose points (the tolerance is round-off; complex numbers seen in
# a derived check's computation break a rule).
SHORTCUTS += [
    Shortcut("sigmoid_grad_central_differences", "sigmoid_grad", source=(
        "def sigmoid_grad(z):\n"
        "    z = np.asarray(z, dtype=float)\n"
        "    return (sigmoid(z + 1e-5) - sigmoid(z - 1e-5)) / 2e-5\n")),
    Shortcut("sigmoid_grad_complex_step", "sigmoid_grad", source=(
        "def plain_sigmoid(v):\n"
        "    return 1.0 / (1.0 + np.exp(-v))\n\n\n"
        "def sigmoid_grad(z):\n"
        "    z = np.clip(np.asarray(z, dtype=float), -700, 700)\n"
        "    return plain_sigmoid(z + 1e-20j).imag / 1e-20\n")),
    Shortcut("tanh_grad_complex_step", "tanh_grad", source=(
        "def tanh_grad(z):\n"
        "    z = np.clip(np.asarray(z, dtype=float), -300, 300)\n"
        "    step = (lambda v: np.tanh(v))(z + 1e-20j)\n"
        "    return step.imag / 1e-20\n")),
    Shortcut("softmax_jacobian_central_differences", "softmax_jacobian", source=(
        "def softmax_jacobian(z):\n"
        "    z = np.asarray(z, dtype=float)\n"
        "    columns = []\n"
        "    for j in range(z.size):\n"
        "        e = np.zeros(z.size)\n"
        "        e[j] = 1e-5\n"
        "        columns.append((softmax(z + e) - softmax(z - e)) / 2e-5)\n"
        "    return np.stack(columns, axis=1)\n")),
    Shortcut("softmax_jacobian_complex_step", "softmax_jacobian", source=(
        "def softmax_jacobian(z):\n"
        "    z = np.asarray(z, dtype=float) - np.max(z)\n"
        "    def soft(v):\n"
        "        e = np.exp(v)\n"
        "        return e / e.sum()\n"
        "    columns = []\n"
        "    for j in range(z.size):\n"
        "        e = np.zeros(z.size, dtype=complex)\n"
        "        e[j] = 1e-20j\n"
        "        columns.append(soft(z + e).imag / 1e-20)\n"
        "    return np.stack(columns, axis=1)\n")),
    Shortcut("linear_jacobian_central_differences", "linear_jacobian_wrt_weights", source=(
        "def linear_jacobian_wrt_weights(x, m):\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    W = np.random.default_rng(0).normal(size=(x.size, m))\n"
        "    J = np.zeros((m, x.size, m))\n"
        "    for j in range(x.size):\n"
        "        for k in range(m):\n"
        "            up, down = W.copy(), W.copy()\n"
        "            up[j, k] += 1e-5\n"
        "            down[j, k] -= 1e-5\n"
        "            J[:, j, k] = (x @ up - x @ down) / 2e-5\n"
        "    return J\n")),
    Shortcut("mse_loss_central_differences", "mse_loss", source=(
        "def mse_loss(pred, target):\n"
        "    pred = np.array(pred, dtype=float)\n"
        "    target = np.asarray(target, dtype=float)\n"
        "    loss = lambda p: float(np.mean((p - target) ** 2))\n"
        "    dpred = np.zeros_like(pred)\n"
        "    for i in np.ndindex(pred.shape):\n"
        "        up, down = pred.copy(), pred.copy()\n"
        "        up[i] += 1e-5\n"
        "        down[i] -= 1e-5\n"
        "        dpred[i] = (loss(up) - loss(down)) / 2e-5\n"
        "    return loss(pred), dpred\n")),
]

# vector-Jacobian products (new 2026-12-06)
MUTANTS += [
    Mutant("linear_vjp_dw_transposed", "linear_vjp",
           edits=[("dW = np.outer(x, dy)", "dW = np.outer(dy, x)")],
           why="(m, n) instead of (n, m); for a square W, the transposed values"),
    Mutant("linear_vjp_dx_ignores_dy", "linear_vjp",
           edits=[("dx = W @ dy", "dx = W.sum(axis=1)")],
           why="the local derivative without the upstream gradient"),
    Mutant("linear_vjp_dw_ignores_dy", "linear_vjp",
           edits=[("dW = np.outer(x, dy)", "dW = np.outer(x, np.ones_like(dy))")]),
    Mutant("linear_vjp_swapped_outputs", "linear_vjp",
           edits=[("return dx, dW", "return dW, dx")]),
    Mutant("linear_vjp_dx_is_x", "linear_vjp",
           edits=[("dx = W @ dy", "dx = x * dy.sum()")]),
    Mutant("softmax_vjp_diagonal_only", "softmax_vjp",
           edits=[("return p * (dp - p @ dp)", "return p * (1 - p) * dp")],
           why="treats softmax as elementwise"),
    Mutant("softmax_vjp_unweighted_sum", "softmax_vjp",
           edits=[("return p * (dp - p @ dp)", "return p * (dp - dp.sum())")],
           why="the shared number is the plain sum of dp, not weighted by p"),
    Mutant("softmax_vjp_no_factor_p", "softmax_vjp",
           edits=[("return p * (dp - p @ dp)", "return dp - p @ dp")]),
    Mutant("softmax_vjp_no_diagonal", "softmax_vjp",
           edits=[("return p * (dp - p @ dp)", "return -p * (p @ dp)")]),
    Mutant("softmax_vjp_unstable", "softmax_vjp", source=(
        "def softmax_vjp(z, dp):\n"
        "    e = np.exp(z)\n"
        "    p = e / e.sum()\n"
        "    return p * (dp - p @ dp)\n"),
        why="overflows for scores of magnitude 1000"),
    Mutant("softmax_vjp_in_place", "softmax_vjp", source=(
        "def softmax_vjp(z, dp):\n"
        "    p = softmax(z)\n"
        "    dp -= p @ dp\n"
        "    return p * dp\n"),
        why="changes the caller's dp"),
]

SHORTCUTS += [
    Shortcut("linear_vjp_jacobian_first", "linear_vjp", source=(
        "def linear_vjp(x, W, dy):\n"
        "    m = W.shape[1]\n"
        "    J = linear_jacobian_wrt_weights(x, m)\n"
        "    return dy @ W.T, np.einsum('i,ijk->jk', dy, J)\n"),
        why="calls the Jacobian exercise: the rule, and the memory"),
    Shortcut("linear_vjp_inline_jacobian", "linear_vjp", source=(
        "def linear_vjp(x, W, dy):\n"
        "    n, m = W.shape\n"
        "    J = np.zeros((m, n, m))\n"
        "    for i in range(m):\n"
        "        J[i, :, i] = x\n"
        "    return W @ dy, np.tensordot(dy, J, axes=1)\n"),
        why="builds the (m, n, m) Jacobian inline: 96 MB for the (300, 200) layer"),
    Shortcut("linear_vjp_numerical", "linear_vjp", source=(
        "def linear_vjp(x, W, dy):\n"
        "    dx = numerical_gradient(lambda v: float(dy @ (v @ W)), np.array(x, dtype=float))\n"
        "    dW = numerical_gradient(lambda w: float(dy @ (x @ w)), np.array(W, dtype=float))\n"
        "    return dx, dW\n")),
    Shortcut("linear_vjp_inline_differences", "linear_vjp", source=(
        "def linear_vjp(x, W, dy):\n"
        "    h = 1e-6\n"
        "    W = np.array(W, dtype=float)\n"
        "    dW = np.zeros_like(W)\n"
        "    for j in range(W.shape[0]):\n"
        "        for k in range(W.shape[1]):\n"
        "            up = W.copy(); up[j, k] += h\n"
        "            down = W.copy(); down[j, k] -= h\n"
        "            dW[j, k] = dy @ (x @ up - x @ down) / (2 * h)\n"
        "    return W @ dy, dW\n"),
        why="finite differences written out: close to round-off but not exact"),
    Shortcut("softmax_vjp_jacobian_first", "softmax_vjp", source=(
        "def softmax_vjp(z, dp):\n"
        "    return dp @ softmax_jacobian(z)\n")),
    Shortcut("softmax_vjp_inline_jacobian", "softmax_vjp", source=(
        "def softmax_vjp(z, dp):\n"
        "    p = softmax(z)\n"
        "    return dp @ (np.diag(p) - np.outer(p, p))\n"),
        why="the (K, K) Jacobian inline: 72 MB for K = 3000"),
    Shortcut("softmax_vjp_numerical", "softmax_vjp", source=(
        "def softmax_vjp(z, dp):\n"
        "    return numerical_gradient(lambda v: float(dp @ softmax(v)),\n"
        "                              np.array(z, dtype=float))\n")),
    Shortcut("softmax_vjp_inline_differences", "softmax_vjp", source=(
        "def softmax_vjp(z, dp):\n"
        "    z = np.array(z, dtype=float)\n"
        "    out = np.zeros_like(z)\n"
        "    h = 1e-5\n"
        "    for j in range(z.size):\n"
        "        up = z.copy(); up[j] += h\n"
        "        down = z.copy(); down[j] -= h\n"
        "        out[j] = dp @ (softmax(up) - softmax(down)) / (2 * h)\n"
        "    return out\n")),
]

VARIANTS += [
    Variant("linear_vjp_transposes", "linear_vjp", source=(
        "def linear_vjp(x, W, dy):\n"
        "    dy = np.asarray(dy, dtype=float)\n"
        "    return dy @ W.T, x[:, None] * dy[None, :]\n")),
    Variant("linear_vjp_einsum", "linear_vjp", source=(
        "def linear_vjp(x, W, dy):\n"
        "    return np.einsum('jk,k->j', W, dy), np.einsum('j,k->jk', x, dy)\n")),
    Variant("linear_vjp_loops", "linear_vjp", source=(
        "def linear_vjp(x, W, dy):\n"
        "    n, m = W.shape\n"
        "    dx, dW = np.zeros(n), np.zeros((n, m))\n"
        "    for j in range(n):\n"
        "        for k in range(m):\n"
        "            dx[j] += W[j, k] * dy[k]\n"
        "            dW[j, k] = x[j] * dy[k]\n"
        "    return dx, dW\n")),
    Variant("softmax_vjp_expanded", "softmax_vjp", source=(
        "def softmax_vjp(z, dp):\n"
        "    p = softmax(np.asarray(z, dtype=float))\n"
        "    return p * dp - p * np.dot(p, dp)\n")),
    Variant("softmax_vjp_inline_stable", "softmax_vjp", source=(
        "def softmax_vjp(z, dp):\n"
        "    e = np.exp(z - np.max(z))\n"
        "    p = e / e.sum()\n"
        "    s = float(np.sum(p * dp))\n"
        "    return p * (dp - s)\n")),
    Variant("softmax_vjp_loop", "softmax_vjp", source=(
        "def softmax_vjp(z, dp):\n"
        "    p = softmax(z)\n"
        "    s = 0.0\n"
        "    for i in range(len(p)):\n"
        "        s += p[i] * dp[i]\n"
        "    return np.array([p[j] * (dp[j] - s) for j in range(len(p))])\n")),
]

# Issue 20 item 2: vector-Jacobian products that form the Jacobian where they think memory is
# not measured. Every call of every probe of them is measured the same way (peak resident
# memory, no tracemalloc), so nothing tells a memory run from a value run.
SHORTCUTS += [
    Shortcut("linear_vjp_jacobian_unless_tracing", "linear_vjp", source=(
        "import tracemalloc\n"
        "def linear_vjp(x, W, dy):\n"
        "    x, W, dy = (np.asarray(a, dtype=np.float64) for a in (x, W, dy))\n"
        "    n, m = W.shape\n"
        "    if tracemalloc.is_tracing():\n"
        "        return W @ dy, np.outer(x, dy)\n"
        "    J = np.zeros((m, n, m))\n"
        "    for i in range(m):\n"
        "        J[i, :, i] = x\n"
        "    return dy @ W.T, np.einsum('i,ijk->jk', dy, J)\n"),
        why="the full Jacobian unless tracemalloc is tracing (review 20a se09)"),
    Shortcut("linear_vjp_jacobian_in_mmap", "linear_vjp", source=(
        "import mmap\n"
        "def linear_vjp(x, W, dy):\n"
        "    x, W, dy = (np.asarray(a, dtype=np.float64) for a in (x, W, dy))\n"
        "    n, m = W.shape\n"
        "    J = np.frombuffer(mmap.mmap(-1, max(8 * m * n * m, 8)), dtype=np.float64,\n"
        "                      count=m * n * m).reshape(m, n, m)\n"
        "    J[...] = 0.0\n"
        "    for i in range(m):\n"
        "        J[i, :, i] = x\n"
        "    return dy @ W.T, np.array(np.tensordot(dy, J, axes=(0, 0)))\n"),
        why="the full Jacobian in mmap memory, which tracemalloc does not see (review 20a se07)"),
    Shortcut("softmax_vjp_jacobian_unless_tracing", "softmax_vjp", source=(
        "import tracemalloc\n"
        "def softmax_vjp(z, dp):\n"
        "    p = softmax(np.asarray(z, dtype=np.float64))\n"
        "    dp = np.asarray(dp, dtype=np.float64)\n"
        "    if tracemalloc.is_tracing():\n"
        "        return p * (dp - p @ dp)\n"
        "    return dp @ (np.diag(p) - np.outer(p, p))\n"),
        why="the (K, K) Jacobian unless tracemalloc is tracing (review 20a se10)"),
    Shortcut("softmax_vjp_jacobian_in_mmap", "softmax_vjp", source=(
        "import mmap\n"
        "def softmax_vjp(z, dp):\n"
        "    p = softmax(np.asarray(z, dtype=np.float64))\n"
        "    dp = np.asarray(dp, dtype=np.float64)\n"
        "    K = p.size\n"
        "    J = np.frombuffer(mmap.mmap(-1, 8 * K * K), dtype=np.float64).reshape(K, K)\n"
        "    np.multiply.outer(-p, p, out=J)\n"
        "    J[np.diag_indices(K)] += p\n"
        "    return dp @ J\n"),
        why="the (K, K) Jacobian in mmap memory (review 20a se08)"),
    Shortcut("softmax_vjp_jacobian_unless_peak_reset", "softmax_vjp", source=(
        "def _peak_was_reset():\n"
        "    try:\n"
        "        with open('/proc/self/status') as f:\n"
        "            kb = {k: int(v.split()[0]) for k, v in (line.split(':', 1) for line in f)\n"
        "                  if k in ('VmHWM', 'VmRSS')}\n"
        "    except OSError:\n"
        "        return False\n"
        "    return kb['VmHWM'] - kb['VmRSS'] < 512\n"
        "def softmax_vjp(z, dp):\n"
        "    p = softmax(np.asarray(z, dtype=np.float64))\n"
        "    dp = np.asarray(dp, dtype=np.float64)\n"
        "    if _peak_was_reset():          # the memory is being measured: the cheap way\n"
        "        return p * (dp - p @ dp)\n"
        "    return dp @ (np.diag(p) - np.outer(p, p))\n"),
        why="the Jacobian unless the process's peak resident memory was just reset"),
    Shortcut("softmax_vjp_jacobian_in_child_process", "softmax_vjp", source=(
        "import os\n"
        "def softmax_vjp(z, dp):\n"
        "    p = softmax(np.asarray(z, dtype=np.float64))\n"
        "    dp = np.asarray(dp, dtype=np.float64)\n"
        "    read, write = os.pipe()\n"
        "    pid = os.fork()\n"
        "    if pid == 0:  # the child builds the Jacobian: its memory is its own\n"
        "        os.close(read)\n"
        "        os.write(write, (dp @ (np.diag(p) - np.outer(p, p))).tobytes())\n"
        "        os._exit(0)\n"
        "    os.close(write)\n"
        "    data = b''\n"
        "    while chunk := os.read(read, 1 << 20):\n"
        "        data += chunk\n"
        "    os.close(read)\n"
        "    os.waitpid(pid, 0)\n"
        "    return np.frombuffer(data, dtype=np.float64).copy()\n"),
        why="the (K, K) Jacobian built in a forked child (review 20 of 2026-12-07, 01-03 H2)"),
]
