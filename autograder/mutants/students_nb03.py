# ruff: noqa: E501 - answers kept as their student-side authors wrote them
"""Correct answers written from the student's side (student notebook and contract only)."""
from autograder.mutation import Variant

VARIANTS = [
    # --- numerical_jacobian -------------------------------------------------------------
    Variant("student_numjac_ndindex_copy", "numerical_jacobian", source=(
        "import numpy as np\n\n"
        "def numerical_jacobian(f, x, eps=1e-6):\n"
        "    point = np.array(x, dtype=np.float64)   # my own float, contiguous copy\n"
        "    n_out = np.asarray(f(point.copy())).size\n"
        "    J = np.zeros((n_out, point.size))\n"
        "    for col, idx in enumerate(np.ndindex(point.shape)):\n"
        "        plus = point.copy()\n"
        "        minus = point.copy()\n"
        "        plus[idx] += eps\n"
        "        minus[idx] -= eps\n"
        "        f_plus = np.asarray(f(plus), dtype=np.float64).reshape(-1)\n"
        "        f_minus = np.asarray(f(minus), dtype=np.float64).reshape(-1)\n"
        "        J[:, col] = (f_plus - f_minus) / (2 * eps)\n"
        "    return J\n"),
        why="np.ndindex over the input, fresh copies per step, fills columns"),
    Variant("student_numjac_rows_from_numerical_gradient", "numerical_jacobian", source=(
        "import numpy as np\n\n"
        "def numerical_jacobian(f, x, eps=1e-6):\n"
        "    n_out = np.size(f(np.array(x, dtype=float)))\n"
        "    rows = []\n"
        "    for i in range(n_out):\n"
        "        def output_i(v, i=i):\n"
        "            return float(np.ravel(f(v))[i])\n"
        "        rows.append(np.ravel(numerical_gradient(output_i, x, eps=eps)))\n"
        "    return np.array(rows, dtype=np.float64).reshape(n_out, np.size(x))\n"),
        why="each row is the gradient of one output, from the student's numerical_gradient"),
    Variant("student_numjac_identity_directions", "numerical_jacobian", source=(
        "import numpy as np\n\n"
        "def numerical_jacobian(f, x, eps=1e-6):\n"
        "    base = np.asarray(x, dtype=float)\n"
        "    shape = base.shape\n"
        "    flat = base.ravel().copy()\n"
        "    directions = np.eye(flat.size)\n"
        "    columns = []\n"
        "    for e in directions:\n"
        "        up = f((flat + eps * e).reshape(shape))\n"
        "        down = f((flat - eps * e).reshape(shape))\n"
        "        diff = np.subtract(np.ravel(up), np.ravel(down), dtype=float)\n"
        "        columns.append(diff / (2.0 * eps))\n"
        "    return np.column_stack(columns)\n"),
        why="steps along the rows of an identity matrix, columns stacked at the end"),
    # --- sigmoid_grad -------------------------------------------------------------------
    Variant("student_sigmoid_grad_from_sigmoid", "sigmoid_grad", source=(
        "import numpy as np\n\n"
        "def sigmoid_grad(z):\n"
        "    s = sigmoid(np.asarray(z, dtype=float))\n"
        "    return s * (1.0 - s)\n"),
        why="sigma (1 - sigma) with the student's stable sigmoid"),
    Variant("student_sigmoid_grad_even_exp", "sigmoid_grad", source=(
        "import numpy as np\n\n"
        "def sigmoid_grad(z):\n"
        "    z = np.asarray(z, dtype=np.float64)\n"
        "    # sigma'(z) = e^-z / (1 + e^-z)^2 is even in z: use e^-|z| <= 1, never overflows\n"
        "    e = np.exp(-np.abs(z))\n"
        "    return e / (1.0 + e) ** 2\n"),
        why="closed form in exp(-|z|), using that the derivative is even"),
    Variant("student_sigmoid_grad_two_sigmoids", "sigmoid_grad", source=(
        "import numpy as np\n\n"
        "def sigmoid_grad(z):\n"
        "    z = np.asarray(z, dtype=float)\n"
        "    # 1 - sigma(z) = sigma(-z): both factors computed directly, no cancellation\n"
        "    return sigmoid(z) * sigmoid(-z)\n"),
        why="sigma(z) sigma(-z): the complement as a sigmoid of -z"),
    # --- tanh_grad ----------------------------------------------------------------------
    Variant("student_tanh_grad_factored", "tanh_grad", source=(
        "import numpy as np\n\n"
        "def tanh_grad(z):\n"
        "    t = np.tanh(np.asarray(z, dtype=float))\n"
        "    return (1.0 - t) * (1.0 + t)\n"),
        why="1 - tanh^2 factored as (1 - t)(1 + t)"),
    Variant("student_tanh_grad_exp_form", "tanh_grad", source=(
        "import numpy as np\n\n"
        "def tanh_grad(z):\n"
        "    z = np.asarray(z, dtype=np.float64)\n"
        "    # 1 / cosh^2 = 4 / (e^z + e^-z)^2 = 4 e^{-2|z|} / (1 + e^{-2|z|})^2\n"
        "    e = np.exp(-2.0 * np.abs(z))\n"
        "    return 4.0 * e / (1.0 + e) ** 2\n"),
        why="sech^2 rewritten with exp(-2|z|) so nothing overflows"),
    Variant("student_tanh_grad_via_sigmoid_grad", "tanh_grad", source=(
        "import numpy as np\n\n"
        "def tanh_grad(z):\n"
        "    # tanh(z) = 2 sigma(2z) - 1, so tanh'(z) = 4 sigma'(2z)\n"
        "    return 4.0 * sigmoid_grad(2.0 * np.asarray(z, dtype=float))\n"),
        why="chain rule on tanh = 2 sigma(2z) - 1, reusing the student's sigmoid_grad"),
    # --- relu_grad ----------------------------------------------------------------------
    Variant("student_relu_grad_mask_astype", "relu_grad", source=(
        "import numpy as np\n\n"
        "def relu_grad(z):\n"
        "    return (np.asarray(z) > 0).astype(np.float64)\n"),
        why="boolean mask cast to float"),
    Variant("student_relu_grad_where", "relu_grad", source=(
        "import numpy as np\n\n"
        "def relu_grad(z):\n"
        "    z = np.asarray(z, dtype=float)\n"
        "    return np.where(z > 0.0, 1.0, 0.0)\n"),
        why="np.where with explicit 1.0 and 0.0"),
    Variant("student_relu_grad_heaviside", "relu_grad", source=(
        "import numpy as np\n\n"
        "def relu_grad(z):\n"
        "    # the step function, with the value 0 chosen at z = 0\n"
        "    return np.heaviside(np.asarray(z, dtype=float), 0.0)\n"),
        why="np.heaviside with h(0) = 0"),
    # --- softmax ------------------------------------------------------------------------
    Variant("student_softmax_shift_keepdims", "softmax", source=(
        "import numpy as np\n\n"
        "def softmax(z):\n"
        "    z = np.asarray(z, dtype=np.float64)\n"
        "    shifted = z - np.max(z, axis=-1, keepdims=True)\n"
        "    e = np.exp(shifted)\n"
        "    return e / np.sum(e, axis=-1, keepdims=True)\n"),
        why="max-shift along the last axis with keepdims"),
    Variant("student_softmax_logsumexp", "softmax", source=(
        "import numpy as np\n\n"
        "def _logsumexp(a):\n"
        "    top = a.max(axis=-1, keepdims=True)\n"
        "    return top + np.log(np.exp(a - top).sum(axis=-1, keepdims=True))\n\n\n"
        "def softmax(z):\n"
        "    scores = np.array(z, dtype=float)\n"
        "    log_p = scores - _logsumexp(scores)   # log-softmax first\n"
        "    return np.exp(log_p)\n"),
        why="log-softmax through a logsumexp helper, then exp"),
    Variant("student_softmax_row_loop", "softmax", source=(
        "import numpy as np\n\n"
        "def _softmax_row(row):\n"
        "    m = row.max()\n"
        "    e = np.exp(row - m)\n"
        "    return e / e.sum()\n\n\n"
        "def softmax(z):\n"
        "    z = np.asarray(z, dtype=float)\n"
        "    rows = z.reshape(-1, z.shape[-1])     # a copy if z is a strided view\n"
        "    out = np.empty(rows.shape)\n"
        "    for r in range(rows.shape[0]):\n"
        "        out[r] = _softmax_row(rows[r])\n"
        "    return out.reshape(z.shape)\n"),
        why="a row helper and a loop over all leading indices"),
    # --- softmax_jacobian ---------------------------------------------------------------
    Variant("student_softmax_jac_diag_outer", "softmax_jacobian", source=(
        "import numpy as np\n\n"
        "def softmax_jacobian(z):\n"
        "    p = softmax(np.asarray(z, dtype=float))\n"
        "    return np.diag(p) - np.outer(p, p)\n"),
        why="diag(p) - p p^T with the student's softmax"),
    Variant("student_softmax_jac_double_loop", "softmax_jacobian", source=(
        "import numpy as np\n\n"
        "def softmax_jacobian(z):\n"
        "    z = np.asarray(z, dtype=float)\n"
        "    p = np.exp(z - z.max())\n"
        "    p = p / p.sum()\n"
        "    K = p.shape[0]\n"
        "    J = np.zeros((K, K))\n"
        "    for i in range(K):\n"
        "        for j in range(K):\n"
        "            if i == j:\n"
        "                J[i, j] = p[i] * (1.0 - p[i])\n"
        "            else:\n"
        "                J[i, j] = -p[i] * p[j]\n"
        "    return J\n"),
        why="entry by entry with two loops, own stable softmax"),
    Variant("student_softmax_jac_broadcast", "softmax_jacobian", source=(
        "import numpy as np\n\n"
        "def softmax_jacobian(z):\n"
        "    p = softmax(z)\n"
        "    K = p.size\n"
        "    # J[i, j] = p_i (delta_ij - p_j)\n"
        "    return p[:, None] * (np.eye(K) - p[None, :])\n"),
        why="broadcasting p_i (delta_ij - p_j)"),
    # --- linear_jacobian_wrt_weights ----------------------------------------------------
    Variant("student_linjac_loop", "linear_jacobian_wrt_weights", source=(
        "import numpy as np\n\n"
        "def linear_jacobian_wrt_weights(x, m):\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    n = x.shape[0]\n"
        "    J = np.zeros((m, n, m))\n"
        "    for i in range(m):\n"
        "        # f_i = sum_j x_j W[j, i]: only column i of W matters, with weights x\n"
        "        J[i, :, i] = x\n"
        "    return J\n"),
        why="loop over outputs, writing x into column i"),
    Variant("student_linjac_einsum", "linear_jacobian_wrt_weights", source=(
        "import numpy as np\n\n"
        "def linear_jacobian_wrt_weights(x, m):\n"
        "    x = np.asarray(x, dtype=np.float64)\n"
        "    return np.einsum('ik,j->ijk', np.eye(m), x)\n"),
        why="np.einsum of delta_ik and x_j"),
    Variant("student_linjac_broadcast", "linear_jacobian_wrt_weights", source=(
        "import numpy as np\n\n"
        "def linear_jacobian_wrt_weights(x, m):\n"
        "    x = np.array(x, dtype=float).reshape(-1)\n"
        "    delta = np.identity(int(m))\n"
        "    J = delta[:, np.newaxis, :] * x[np.newaxis, :, np.newaxis]\n"
        "    return np.ascontiguousarray(J)\n"),
        why="broadcasting the identity against x"),
    # --- chain_jacobians ----------------------------------------------------------------
    Variant("student_chain_forward_loop", "chain_jacobians", source=(
        "import numpy as np\n\n"
        "def chain_jacobians(jacobians):\n"
        "    total = np.array(jacobians[0], dtype=float)\n"
        "    for J in jacobians[1:]:\n"
        "        total = np.asarray(J, dtype=float) @ total\n"
        "    return total\n"),
        why="running product from the input side, new factor on the left"),
    Variant("student_chain_multi_dot", "chain_jacobians", source=(
        "import numpy as np\n\n"
        "def chain_jacobians(jacobians):\n"
        "    mats = [np.asarray(J, dtype=np.float64) for J in reversed(list(jacobians))]\n"
        "    if len(mats) == 1:\n"
        "        return mats[0].copy()\n"
        "    return np.linalg.multi_dot(mats)\n"),
        why="np.linalg.multi_dot on the reversed list (one matrix: a copy)"),
    Variant("student_chain_reduce_output_side", "chain_jacobians", source=(
        "from functools import reduce\n"
        "import numpy as np\n\n"
        "def chain_jacobians(jacobians):\n"
        "    # from the output side: J_k, then (J_k J_{k-1}), ...\n"
        "    ordered = [np.array(J, dtype=float) for J in jacobians[::-1]]\n"
        "    return reduce(lambda acc, J: np.matmul(acc, J), ordered)\n"),
        why="functools.reduce from the output side"),
    # --- gradient_descent ---------------------------------------------------------------
    Variant("student_gd_preallocated", "gradient_descent", source=(
        "import numpy as np\n\n"
        "def gradient_descent(grad, theta0, lr, steps):\n"
        "    theta = np.array(theta0, dtype=np.float64)\n"
        "    path = np.empty((steps + 1,) + theta.shape)\n"
        "    path[0] = theta\n"
        "    for t in range(1, steps + 1):\n"
        "        theta = theta - lr * np.asarray(grad(theta))\n"
        "        path[t] = theta\n"
        "    return path\n"),
        why="preallocated path, out-of-place updates"),
    Variant("student_gd_list_stack", "gradient_descent", source=(
        "import numpy as np\n\n"
        "def gradient_descent(grad, theta0, lr, steps):\n"
        "    iterates = [np.asarray(theta0, dtype=float).copy()]\n"
        "    for _ in range(steps):\n"
        "        current = iterates[-1]\n"
        "        iterates.append(current - lr * grad(current))\n"
        "    return np.stack(iterates).astype(float)\n"),
        why="list of iterates, np.stack at the end"),
    Variant("student_gd_inplace_on_copy", "gradient_descent", source=(
        "import numpy as np\n\n"
        "def gradient_descent(grad, theta0, lr, steps):\n"
        "    theta = np.array(theta0, dtype=float, copy=True)  # never touch theta0\n"
        "    path = np.zeros((steps + 1, *theta.shape))\n"
        "    path[0] = theta\n"
        "    step = 0\n"
        "    while step < steps:\n"
        "        g = np.array(grad(theta.copy()), dtype=float)\n"
        "        theta -= lr * g\n"
        "        step += 1\n"
        "        path[step] = theta\n"
        "    return path\n"),
        why="in-place update of a private copy; grad gets its own copy each call"),
    # --- mse_loss -----------------------------------------------------------------------
    Variant("student_mse_mean_and_size", "mse_loss", source=(
        "import numpy as np\n\n"
        "def mse_loss(pred, target):\n"
        "    diff = np.asarray(pred, dtype=float) - np.asarray(target, dtype=float)\n"
        "    loss = float(np.mean(diff ** 2))\n"
        "    dpred = 2.0 * diff / diff.size\n"
        "    return loss, dpred\n"),
        why="np.mean and 2 (pred - target) / size"),
    Variant("student_mse_vdot_lists", "mse_loss", source=(
        "import numpy as np\n\n"
        "def mse_loss(pred, target):\n"
        "    p = np.array(pred, dtype=np.float64)   # lists work too\n"
        "    y = np.array(target, dtype=np.float64)\n"
        "    r = p - y\n"
        "    n = r.size\n"
        "    loss = np.vdot(r, r) / n\n"
        "    grad = (2.0 / n) * r\n"
        "    return float(loss), grad.reshape(p.shape)\n"),
        why="np.vdot for the sum of squares, copies of list or array inputs"),
    Variant("student_mse_einsum_scaled", "mse_loss", source=(
        "import numpy as np\n\n"
        "def mse_loss(pred, target):\n"
        "    pred = np.asarray(pred, dtype=float)\n"
        "    target = np.asarray(target, dtype=float)\n"
        "    count = pred.size\n"
        "    residual = np.subtract(pred, target)\n"
        "    flat = residual.ravel()\n"
        "    loss = np.einsum('i,i->', flat, flat) / count\n"
        "    return float(loss), residual * (2 / count)\n"),
        why="np.einsum over the flattened residual"),
    # --- mae_loss -----------------------------------------------------------------------
    Variant("student_mae_sign", "mae_loss", source=(
        "import numpy as np\n\n"
        "def mae_loss(pred, target):\n"
        "    diff = np.asarray(pred, dtype=float) - np.asarray(target, dtype=float)\n"
        "    loss = float(np.abs(diff).mean())\n"
        "    dpred = np.sign(diff) / diff.size\n"
        "    return loss, dpred\n"),
        why="np.sign, which is 0 at a zero residual"),
    Variant("student_mae_nested_where", "mae_loss", source=(
        "import numpy as np\n\n"
        "def mae_loss(pred, target):\n"
        "    p = np.array(pred, dtype=np.float64)\n"
        "    t = np.array(target, dtype=np.float64)\n"
        "    n = p.size\n"
        "    loss = np.sum(np.abs(p - t)) / n\n"
        "    slope = np.where(p > t, 1.0, np.where(p < t, -1.0, 0.0))\n"
        "    return float(loss), slope / n\n"),
        why="comparisons of pred and target with nested np.where"),
    Variant("student_mae_safe_divide", "mae_loss", source=(
        "import numpy as np\n\n"
        "def mae_loss(pred, target):\n"
        "    r = np.subtract(np.asarray(pred, dtype=float), np.asarray(target, dtype=float))\n"
        "    abs_r = np.abs(r)\n"
        "    size = r.size\n"
        "    # r / |r| is +-1; where r == 0 leave the 0 the output starts with\n"
        "    unit = np.divide(r, abs_r, out=np.zeros_like(r), where=abs_r > 0)\n"
        "    return float(abs_r.sum() / size), unit / size\n"),
        why="r / |r| with np.divide(where=...) leaving 0 at r == 0"),
    # --- numerical_gradient -------------------------------------------------------------
    Variant("student_numgrad_flat_view_restore", "numerical_gradient", source=(
        "import numpy as np\n\n"
        "def numerical_gradient(f, x, eps=1e-6):\n"
        "    # own float copy, forced C-contiguous (np.array would keep W.T's layout)\n"
        "    point = np.array(x, dtype=np.float64, order='C')\n"
        "    flat = point.reshape(-1)                # so this is a view of my copy, not a copy\n"
        "    grad = np.zeros(flat.size)\n"
        "    for i in range(flat.size):\n"
        "        original = flat[i]\n"
        "        flat[i] = original + eps\n"
        "        f_plus = f(point)\n"
        "        flat[i] = original - eps\n"
        "        f_minus = f(point)\n"
        "        flat[i] = original                  # put it back before the next entry\n"
        "        grad[i] = (f_plus - f_minus) / (2 * eps)\n"
        "    return grad.reshape(point.shape)\n"),
        why="one private contiguous copy nudged through a flat view and restored each time"),
    Variant("student_numgrad_ndindex_fresh_copies", "numerical_gradient", source=(
        "import numpy as np\n\n"
        "def numerical_gradient(f, x, eps=1e-6):\n"
        "    base = np.asarray(x).astype(float)      # astype always copies\n"
        "    grad = np.empty(base.shape, dtype=float)\n"
        "    for idx in np.ndindex(base.shape):\n"
        "        up = base.copy()\n"
        "        down = base.copy()\n"
        "        up[idx] += eps\n"
        "        down[idx] -= eps\n"
        "        grad[idx] = (f(up) - f(down)) / (2.0 * eps)\n"
        "    return grad\n"),
        why="np.ndindex over x's own shape, two fresh copies per entry"),
    Variant("student_numgrad_basis_step", "numerical_gradient", source=(
        "import numpy as np\n\n"
        "def numerical_gradient(f, x, eps=1e-6):\n"
        "    x0 = np.array(x, dtype=float)\n"
        "    shape, size = x0.shape, x0.size\n"
        "    result = []\n"
        "    for i in range(size):\n"
        "        step = np.zeros(size)\n"
        "        step[i] = eps                       # eps * e_i\n"
        "        step = step.reshape(shape)\n"
        "        result.append((f(x0 + step) - f(x0 - step)) / (2 * eps))\n"
        "    return np.array(result, dtype=float).reshape(shape)\n"),
        why="x + eps e_i with an explicit basis step, results collected in a list"),
    # --- linear_vjp ---------------------------------------------------------------------
    Variant("student_linvjp_matmul_outer", "linear_vjp", source=(
        "import numpy as np\n\n"
        "def linear_vjp(x, W, dy):\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    W = np.asarray(W, dtype=float)\n"
        "    dy = np.asarray(dy, dtype=float)\n"
        "    # dx_j = sum_i dy_i W[j, i];  dW_jk = sum_i dy_i x_j delta_ik = x_j dy_k\n"
        "    dx = W @ dy\n"
        "    dW = np.outer(x, dy)\n"
        "    return dx, dW\n"),
        why="W @ dy and np.outer(x, dy)"),
    Variant("student_linvjp_einsum", "linear_vjp", source=(
        "import numpy as np\n\n"
        "def linear_vjp(x, W, dy):\n"
        "    dx = np.einsum('jk,k->j', np.asarray(W, dtype=np.float64),\n"
        "                   np.asarray(dy, dtype=np.float64))\n"
        "    dW = np.einsum('j,k->jk', np.asarray(x, dtype=np.float64),\n"
        "                   np.asarray(dy, dtype=np.float64))\n"
        "    return dx, dW\n"),
        why="both products written as np.einsum"),
    Variant("student_linvjp_row_loop", "linear_vjp", source=(
        "import numpy as np\n\n"
        "def linear_vjp(x, W, dy):\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    W = np.asarray(W, dtype=float)\n"
        "    dy = np.asarray(dy, dtype=float)\n"
        "    n, m = W.shape\n"
        "    dx = np.zeros(n)\n"
        "    dW = np.zeros((n, m))\n"
        "    for j in range(n):\n"
        "        dx[j] = np.dot(W[j], dy)     # row j of W against the upstream gradient\n"
        "        dW[j] = x[j] * dy            # only J[k, j, k] = x_j is non-zero\n"
        "    return dx, dW\n"),
        why="loop over the rows of W, filling dx and dW row by row"),
    # --- softmax_vjp --------------------------------------------------------------------
    Variant("student_softmax_vjp_own_softmax", "softmax_vjp", source=(
        "import numpy as np\n\n"
        "def softmax_vjp(z, dp):\n"
        "    p = softmax(np.asarray(z, dtype=float))\n"
        "    dp = np.asarray(dp, dtype=float)\n"
        "    # dz_j = sum_i dp_i p_i (delta_ij - p_j) = p_j (dp_j - sum_i dp_i p_i)\n"
        "    shared = np.dot(dp, p)\n"
        "    return p * (dp - shared)\n"),
        why="the student's softmax, then p * (dp - dp . p)"),
    Variant("student_softmax_vjp_shifted_exp", "softmax_vjp", source=(
        "import numpy as np\n\n"
        "def softmax_vjp(z, dp):\n"
        "    z = np.array(z, dtype=np.float64)\n"
        "    e = np.exp(z - np.max(z))            # stable: the largest exponent is 0\n"
        "    p = e / np.sum(e)\n"
        "    g = np.array(dp, dtype=np.float64)\n"
        "    weighted = p * g\n"
        "    return weighted - p * np.sum(weighted)\n"),
        why="own max-shifted softmax, written as p*dp - p * sum(p*dp)"),
    Variant("student_softmax_vjp_entry_loop", "softmax_vjp", source=(
        "import numpy as np\n\n"
        "def softmax_vjp(z, dp):\n"
        "    p = softmax(z)\n"
        "    g = np.asarray(dp, dtype=float)\n"
        "    K = p.shape[0]\n"
        "    total = 0.0\n"
        "    for i in range(K):\n"
        "        total += g[i] * p[i]          # the number shared by every entry\n"
        "    dz = np.empty(K)\n"
        "    for j in range(K):\n"
        "        dz[j] = p[j] * (g[j] - total)\n"
        "    return dz\n"),
        why="the derived sum entry by entry in two Python loops"),
]
