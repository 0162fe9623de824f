# ruff: noqa: E501 - answers kept as their student-side authors wrote them
"""Correct answers written from the student's side (student notebook and contract only)."""
from autograder.mutation import Variant

# The forward a backward cell restates (its cache is exactly what that backward reads).
_BN_FORWARD = (
    "def batchnorm_forward(X, gamma, beta, running_mean, running_var, train, momentum=0.9,\n"
    "                      eps=1e-5):\n"
    "    # my forward again, so the cache holds exactly what my backward reads\n"
    "    if train:\n"
    "        mu = X.mean(axis=0)\n"
    "        var = X.var(axis=0)\n"
    "        new_mean = momentum * running_mean + (1 - momentum) * mu\n"
    "        new_var = momentum * running_var + (1 - momentum) * var\n"
    "    else:\n"
    "        mu, var = running_mean, running_var\n"
    "        new_mean, new_var = running_mean, running_var\n"
    "    s = 1.0 / np.sqrt(var + eps)\n"
    "    c = X - mu\n"
    "    x_hat = c * s\n"
    "    out = gamma * x_hat + beta\n"
    "    cache = (x_hat, gamma, s)\n"
    "    return out, cache, new_mean, new_var\n\n\n")

_LN_FORWARD = (
    "def layernorm_forward(X, gamma, beta, eps=1e-5):\n"
    "    # my forward again, so the cache holds exactly what my backward reads\n"
    "    mu = X.mean(axis=1, keepdims=True)\n"
    "    var = X.var(axis=1, keepdims=True)\n"
    "    inv_std = 1.0 / np.sqrt(var + eps)\n"
    "    x_hat = (X - mu) * inv_std\n"
    "    return gamma * x_hat + beta, (x_hat, inv_std, gamma)\n\n\n")

_RES_FORWARD = (
    "def residual_forward(X, W, b):\n"
    "    # my forward again, so the cache holds exactly what my backward reads\n"
    "    Z = X @ W + b\n"
    "    return X + np.maximum(Z, 0.0), (X, W, Z)\n\n\n")

VARIANTS = [
    # ------------------------------------------------------------------ l2_penalty
    Variant("student_l2_loop_startswith", "l2_penalty", source=(
        "import numpy as np\n\n"
        "def l2_penalty(params, lam):\n"
        "    penalty, grads = 0.0, {}\n"
        "    for name, value in params.items():\n"
        "        if name.startswith(\"W\"):\n"
        "            penalty += lam * float(np.sum(value ** 2))\n"
        "            grads[name] = 2.0 * lam * value\n"
        "        else:\n"
        "            grads[name] = np.zeros_like(value)\n"
        "    return penalty, grads\n"),
        why="one loop, squared entries summed with np.sum"),
    Variant("student_l2_vdot_comprehension", "l2_penalty", source=(
        "import numpy as np\n\n"
        "def l2_penalty(params, lam):\n"
        "    weights = [k for k in params if k[:1] == \"W\"]\n"
        "    penalty = lam * sum(np.vdot(params[k], params[k]) for k in weights)\n"
        "    grads = {k: (2 * lam) * params[k] if k in weights else np.zeros(np.shape(params[k]))\n"
        "             for k in params}\n"
        "    return float(penalty), grads\n"),
        why="np.vdot for the squared norm, dict comprehension for the gradients"),
    # ------------------------------------------------------------------ l1_penalty
    Variant("student_l1_sign", "l1_penalty", source=(
        "import numpy as np\n\n"
        "def l1_penalty(params, lam):\n"
        "    penalty = 0.0\n"
        "    grads = {}\n"
        "    for key, value in params.items():\n"
        "        if key.startswith(\"W\"):\n"
        "            penalty += lam * np.abs(value).sum()\n"
        "            grads[key] = lam * np.sign(value)  # np.sign(0) is 0\n"
        "        else:\n"
        "            grads[key] = np.zeros_like(value)\n"
        "    return float(penalty), grads\n"),
        why="np.abs / np.sign in a loop"),
    Variant("student_l1_where_cases", "l1_penalty", source=(
        "import numpy as np\n\n"
        "def l1_penalty(params, lam):\n"
        "    def slope(W):  # the three cases of the figure: +lam, -lam, and 0 at the corner\n"
        "        return np.where(W > 0, lam, np.where(W < 0, -lam, 0.0))\n"
        "\n"
        "    is_weight = {k: k.startswith(\"W\") for k in params}\n"
        "    penalty = lam * sum(np.linalg.norm(np.ravel(params[k]), ord=1)\n"
        "                        for k in params if is_weight[k])\n"
        "    grads = {k: slope(params[k]) if is_weight[k] else np.zeros_like(params[k], dtype=float)\n"
        "             for k in params}\n"
        "    return float(penalty), grads\n"),
        why="case-by-case slope with nested np.where, the L1 norm via np.linalg.norm"),
    Variant("student_l1_indicator_difference", "l1_penalty", source=(
        "import numpy as np\n\n"
        "def l1_penalty(params, lam):\n"
        "    penalty = 0.0\n"
        "    grads = {}\n"
        "    for key in params:\n"
        "        W = np.asarray(params[key], dtype=np.float64)\n"
        "        if key[0] == \"W\":\n"
        "            positive = (W > 0).astype(np.float64)\n"
        "            negative = (W < 0).astype(np.float64)\n"
        "            penalty += lam * float(np.sum(W * positive) - np.sum(W * negative))\n"
        "            grads[key] = lam * (positive - negative)\n"
        "        else:\n"
        "            grads[key] = np.zeros(W.shape)\n"
        "    return penalty, grads\n"),
        why="indicator arrays: |W| = W [W>0] - W [W<0], subgradient = lam ([W>0] - [W<0])"),
    # ------------------------------------------------------------------ soft_threshold
    Variant("student_soft_threshold_cases", "soft_threshold", source=(
        "import numpy as np\n\n"
        "def soft_threshold(W, t):\n"
        "    # the three cases of the derivation: v > t, v < -t, otherwise 0\n"
        "    return np.where(W > t, W - t, np.where(W < -t, W + t, 0.0))\n"),
        why="the three cases of the derivation with nested np.where"),
    Variant("student_soft_threshold_clip", "soft_threshold", source=(
        "import numpy as np\n\n"
        "def soft_threshold(W, t):\n"
        "    # subtract the part of W inside [-t, t]: what is left is shrunk by t, or 0\n"
        "    return W - np.clip(W, -t, t)\n"),
        why="W minus its clip to [-t, t]"),
    Variant("student_soft_threshold_sign_max", "soft_threshold", source=(
        "import numpy as np\n\n"
        "def soft_threshold(W, t):\n"
        "    W = np.array(W, dtype=np.float64)  # work on my own copy\n"
        "    shrunk = np.maximum(np.abs(W) - t, 0.0)\n"
        "    return np.sign(W) * shrunk\n"),
        why="sign(W) * max(|W| - t, 0) on a defensive copy"),
    # ------------------------------------------------------------------ dropout_backward
    Variant("student_dropout_backward_multiply", "dropout_backward", source=(
        "import numpy as np\n\n"
        "def dropout_backward(dout, mask):\n"
        "    if mask is None:  # eval mode: dropout was the identity\n"
        "        return dout\n"
        "    return np.multiply(dout, mask)\n"),
        why="np.multiply by the forward's mask"),
    Variant("student_dropout_backward_einsum", "dropout_backward", source=(
        "import numpy as np\n\n"
        "def dropout_backward(dout, mask):\n"
        "    return dout if mask is None else np.einsum(\"nd,nd->nd\", dout, mask)\n"),
        why="a conditional expression and an elementwise np.einsum"),
    Variant("student_dropout_backward_kept_units", "dropout_backward", source=(
        "import numpy as np\n\n"
        "def dropout_backward(dout, mask):\n"
        "    if mask is None:\n"
        "        return dout\n"
        "    dX = np.zeros(np.shape(dout))\n"
        "    kept = mask != 0  # dropped units receive no gradient\n"
        "    dX[kept] = dout[kept] * mask[kept]\n"
        "    return dX\n"),
        why="zeros, then fill only the kept units by boolean indexing"),
    # ------------------------------------------------------------------ batchnorm_backward
    Variant("student_batchnorm_backward_graph_nodes", "batchnorm_backward", source=(
        "import numpy as np\n\n" + _BN_FORWARD +
        "def batchnorm_backward(dout, cache):\n"
        "    x_hat, gamma, s = cache\n"
        "    c = x_hat / s                          # the centred input, node c of the graph\n"
        "    m = dout.shape[0]\n"
        "    dbeta = dout.sum(axis=0)\n"
        "    dgamma = (dout * x_hat).sum(axis=0)\n"
        "    dx_hat = dout * gamma\n"
        "    ds = (dx_hat * c).sum(axis=0)\n"
        "    dv = ds * (-0.5) * s ** 3              # s = (v + eps)^(-1/2)\n"
        "    dc = dx_hat * s + dv * 2.0 * c / m     # c feeds x_hat and v\n"
        "    dmu = -dc.sum(axis=0)\n"
        "    dX = dc + dmu / m                      # x feeds c and mu\n"
        "    return dX, dgamma, dbeta\n"),
        why="node by node on the lesson's graph (forward restated in the cell)"),
    Variant("student_batchnorm_backward_closed_form", "batchnorm_backward", source=(
        "import numpy as np\n\n" + _BN_FORWARD +
        "def batchnorm_backward(dout, cache):\n"
        "    x_hat, gamma, s = cache\n"
        "    m = dout.shape[0]\n"
        "    dbeta = np.sum(dout, axis=0)\n"
        "    dgamma = np.sum(dout * x_hat, axis=0)\n"
        "    dX = (gamma * s / m) * (m * dout - dbeta - x_hat * dgamma)\n"
        "    return dX, dgamma, dbeta\n"),
        why="the substituted closed form in x_hat and the two batch sums"),
    Variant("student_batchnorm_backward_column_loop", "batchnorm_backward", source=(
        "import numpy as np\n\n" + _BN_FORWARD +
        "def _column_backward(g, c, s, gamma):\n"
        "    \"\"\"One column's graph: g, c (m,), s and gamma numbers.\"\"\"\n"
        "    m = g.shape[0]\n"
        "    x_hat = c * s\n"
        "    bar_x_hat = gamma * g\n"
        "    bar_s = np.dot(bar_x_hat, c)\n"
        "    bar_v = -0.5 * s ** 3 * bar_s\n"
        "    bar_c = s * bar_x_hat + (2.0 / m) * c * bar_v\n"
        "    bar_mu = -np.sum(bar_c)\n"
        "    return bar_c + bar_mu / m, np.dot(g, x_hat), np.sum(g)\n\n\n"
        "def batchnorm_backward(dout, cache):\n"
        "    x_hat, gamma, s = cache\n"
        "    c = x_hat / s\n"
        "    dX = np.empty(dout.shape)\n"
        "    dgamma = np.empty(dout.shape[1])\n"
        "    dbeta = np.empty(dout.shape[1])\n"
        "    for j in range(dout.shape[1]):  # the graph is per column\n"
        "        dX[:, j], dgamma[j], dbeta[j] = _column_backward(dout[:, j], c[:, j], s[j],\n"
        "                                                         gamma[j])\n"
        "    return dX, dgamma, dbeta\n"),
        why="a helper for one column's graph, looped over the features"),
    # ------------------------------------------------------------------ layernorm_forward
    Variant("student_layernorm_forward_keepdims", "layernorm_forward", source=(
        "import numpy as np\n\n"
        "def layernorm_forward(X, gamma, beta, eps=1e-5):\n"
        "    mu = np.mean(X, axis=1, keepdims=True)          # (N, 1)\n"
        "    var = np.mean((X - mu) ** 2, axis=1, keepdims=True)\n"
        "    inv_std = 1.0 / np.sqrt(var + eps)\n"
        "    x_hat = (X - mu) * inv_std\n"
        "    out = gamma * x_hat + beta\n"
        "    return out, (x_hat, gamma, inv_std)\n"),
        why="keepdims statistics, the variance written out as a mean of squares"),
    Variant("student_layernorm_forward_transpose", "layernorm_forward", source=(
        "import numpy as np\n\n"
        "def layernorm_forward(X, gamma, beta, eps=1e-5):\n"
        "    # layer norm is batch norm's statistics on the transpose: features along axis 0\n"
        "    Xt = X.T                                  # (D, N)\n"
        "    centred = Xt - Xt.mean(axis=0)\n"
        "    inv_std = 1.0 / np.sqrt(centred.var(axis=0) + eps)\n"
        "    x_hat = (centred * inv_std).T             # back to (N, D)\n"
        "    out = x_hat * gamma[None, :] + beta[None, :]\n"
        "    return out, (x_hat, gamma, inv_std[:, None])\n"),
        why="statistics along axis 0 of the transpose, broadcasting made explicit"),
    Variant("student_layernorm_forward_row_loop", "layernorm_forward", source=(
        "import math\n\n"
        "import numpy as np\n\n"
        "def layernorm_forward(X, gamma, beta, eps=1e-5):\n"
        "    N, D = X.shape\n"
        "    out = np.empty((N, D))\n"
        "    x_hat = np.empty((N, D))\n"
        "    inv_std = np.empty(N)\n"
        "    for i in range(N):  # every example on its own\n"
        "        row = X[i]\n"
        "        mean = row.sum() / D\n"
        "        variance = ((row - mean) ** 2).sum() / D\n"
        "        inv_std[i] = 1.0 / math.sqrt(variance + eps)\n"
        "        x_hat[i] = (row - mean) * inv_std[i]\n"
        "        out[i] = gamma * x_hat[i] + beta\n"
        "    return out, (x_hat, gamma, inv_std[:, np.newaxis])\n"),
        why="a loop over the rows with math.sqrt"),
    # ------------------------------------------------------------------ layernorm_backward
    Variant("student_layernorm_backward_closed_form", "layernorm_backward", source=(
        "import numpy as np\n\n" + _LN_FORWARD +
        "def layernorm_backward(dout, cache):\n"
        "    x_hat, inv_std, gamma = cache\n"
        "    D = dout.shape[1]\n"
        "    dgamma = np.sum(dout * x_hat, axis=0)   # gamma, beta are shared by the rows\n"
        "    dbeta = np.sum(dout, axis=0)\n"
        "    g = dout * gamma                        # the bar of x_hat\n"
        "    dX = (inv_std / D) * (D * g - g.sum(axis=1, keepdims=True)\n"
        "                          - x_hat * np.sum(g * x_hat, axis=1, keepdims=True))\n"
        "    return dX, dgamma, dbeta\n"),
        why="batch norm's closed form turned by 90 degrees (row sums), forward restated"),
    Variant("student_layernorm_backward_recompute_nodes", "layernorm_backward", source=(
        "import numpy as np\n\n"
        "def layernorm_forward(X, gamma, beta, eps=1e-5):\n"
        "    # my forward again: it caches only its inputs; the backward recomputes with it\n"
        "    mu = X.mean(axis=1, keepdims=True)\n"
        "    var = X.var(axis=1, keepdims=True)\n"
        "    out = gamma * (X - mu) / np.sqrt(var + eps) + beta\n"
        "    return out, (X.copy(), gamma.copy(), beta.copy(), eps)\n\n\n"
        "def layernorm_backward(dout, cache):\n"
        "    X, gamma, beta, eps = cache\n"
        "    D = X.shape[1]\n"
        "    # x_hat is the forward's output with gamma = 1 and beta = 0 (one recompute)\n"
        "    x_hat, _ = layernorm_forward(X, np.ones_like(gamma), np.zeros_like(beta), eps)\n"
        "    c = X - X.mean(axis=1, keepdims=True)\n"
        "    s = 1.0 / np.sqrt(c.var(axis=1, keepdims=True) + eps)\n"
        "    bar_x_hat = dout * gamma\n"
        "    bar_s = np.sum(bar_x_hat * c, axis=1, keepdims=True)\n"
        "    bar_v = -0.5 * s ** 3 * bar_s\n"
        "    bar_c = bar_x_hat * s + bar_v * 2.0 * c / D\n"
        "    bar_mu = -np.sum(bar_c, axis=1, keepdims=True)\n"
        "    dX = bar_c + bar_mu / D\n"
        "    return dX, np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)\n"),
        why="node by node along axis 1, x_hat recomputed by one call of the forward"),
    # ------------------------------------------------------------------ early_stopping
    Variant("student_early_stopping_counter", "early_stopping", source=(
        "def early_stopping(val_losses, patience):\n"
        "    best_loss, best_epoch, waited = None, 0, 0\n"
        "    for epoch, loss in enumerate(val_losses):\n"
        "        if best_loss is None or loss < best_loss:  # strict improvement only\n"
        "            best_loss, best_epoch, waited = loss, epoch, 0\n"
        "        else:\n"
        "            waited += 1\n"
        "            if waited >= patience:\n"
        "                return epoch, best_epoch\n"
        "    return len(val_losses) - 1, best_epoch\n"),
        why="a loop with a counter of epochs without improvement"),
    Variant("student_early_stopping_vectorised", "early_stopping", source=(
        "import numpy as np\n\n"
        "def early_stopping(val_losses, patience):\n"
        "    losses = np.asarray(val_losses, dtype=np.float64)\n"
        "    epochs = np.arange(len(losses))\n"
        "    best_before = np.concatenate(([np.inf], np.minimum.accumulate(losses)[:-1]))\n"
        "    improved = losses < best_before\n"
        "    improved[0] = True\n"
        "    best_so_far = np.maximum.accumulate(np.where(improved, epochs, 0))\n"
        "    stops = np.flatnonzero(epochs - best_so_far >= patience)\n"
        "    stop = int(stops[0]) if stops.size else len(losses) - 1\n"
        "    return stop, int(best_so_far[stop])\n"),
        why="running minimum and running arg-best with ufunc.accumulate, no loop"),
    # ------------------------------------------------------------------ init_weights
    Variant("student_init_variance_table", "init_weights", source=(
        "import numpy as np\n\n"
        "def init_weights(dims, scheme, rng):\n"
        "    variance = {\"zeros\": lambda fan_in, fan_out: 0.0,\n"
        "                \"normal\": lambda fan_in, fan_out: 1.0 / fan_in,\n"
        "                \"xavier\": lambda fan_in, fan_out: 2.0 / (fan_in + fan_out),\n"
        "                \"he\": lambda fan_in, fan_out: 2.0 / fan_in}\n"
        "    if scheme not in variance:\n"
        "        raise ValueError(f\"unknown scheme {scheme!r}\")\n"
        "    weights = []\n"
        "    for fan_in, fan_out in zip(dims[:-1], dims[1:]):\n"
        "        if scheme == \"zeros\":\n"
        "            weights.append(np.zeros((fan_in, fan_out)))\n"
        "        else:\n"
        "            std = np.sqrt(variance[scheme](fan_in, fan_out))  # normal() takes a std\n"
        "            weights.append(rng.normal(0.0, std, size=(fan_in, fan_out)))\n"
        "    return weights\n"),
        why="a table of variances as lambdas, rng.normal with the square root"),
    Variant("student_init_standard_normal_scaled", "init_weights", source=(
        "import math\n\n"
        "import numpy as np\n\n"
        "def init_weights(dims, scheme, rng):\n"
        "    dims = list(dims)\n"
        "    out = []\n"
        "    for i in range(len(dims) - 1):\n"
        "        fan_in, fan_out = dims[i], dims[i + 1]\n"
        "        if scheme == \"zeros\":\n"
        "            scale = 0.0\n"
        "        elif scheme == \"normal\":\n"
        "            scale = math.sqrt(1.0 / fan_in)\n"
        "        elif scheme == \"xavier\":\n"
        "            scale = math.sqrt(2.0 / (fan_in + fan_out))\n"
        "        elif scheme == \"he\":\n"
        "            scale = math.sqrt(2.0 / fan_in)\n"
        "        else:\n"
        "            raise ValueError(\"scheme must be zeros, normal, xavier or he\")\n"
        "        if scale == 0.0:\n"
        "            out.append(np.zeros((fan_in, fan_out)))\n"
        "        else:\n"
        "            out.append(scale * rng.standard_normal((fan_in, fan_out)))\n"
        "    return out\n"),
        why="if/elif chain, standard normal draws times the standard deviation"),
    # ------------------------------------------------------------------ residual_forward
    Variant("student_residual_forward_z_cache", "residual_forward", source=(
        "import numpy as np\n\n"
        "def residual_forward(X, W, b):\n"
        "    Z = X @ W + b                 # the branch's pre-activation\n"
        "    out = X + np.maximum(Z, 0.0)  # identity path plus relu branch\n"
        "    return out, (X, W, Z)\n"),
        why="plain vectorised forward caching X, W and the pre-activation"),
    Variant("student_residual_forward_einsum_where", "residual_forward", source=(
        "import numpy as np\n\n"
        "def residual_forward(X, W, b):\n"
        "    pre = np.einsum(\"nd,de->ne\", X, W) + b\n"
        "    return np.add(X, np.where(pre > 0, pre, 0.0)), (X, W, pre)\n"),
        why="np.einsum and np.where"),
    Variant("student_residual_forward_copies", "residual_forward", source=(
        "import numpy as np\n\n"
        "def residual_forward(X, W, b):\n"
        "    X, W, b = np.array(X, dtype=float), np.array(W, dtype=float), np.array(b, dtype=float)\n"
        "    pre = X.dot(W) + b\n"
        "    relu_mask = pre > 0\n"
        "    out = X.copy()\n"
        "    out[relu_mask] += pre[relu_mask]  # on my own copy, never on the caller's X\n"
        "    return out, (X, W, pre)\n"),
        why="defensive copies, adds the branch only where the relu is on"),
    # ------------------------------------------------------------------ residual_backward
    Variant("student_residual_backward_vectorised", "residual_backward", source=(
        "import numpy as np\n\n" + _RES_FORWARD +
        "def residual_backward(dout, cache):\n"
        "    X, W, Z = cache\n"
        "    dZ = dout * (Z > 0)          # through the relu, relu'(0) = 0\n"
        "    dX = dout + dZ @ W.T         # identity path + branch path\n"
        "    dW = X.T @ dZ\n"
        "    db = dZ.sum(axis=0)\n"
        "    return dX, dW, db\n"),
        why="both paths summed, vectorised (forward restated with an (X, W, Z) cache)"),
    Variant("student_residual_backward_helpers", "residual_backward", source=(
        "import numpy as np\n\n" + _RES_FORWARD +
        "def _relu_back(dout, pre):\n"
        "    return np.where(pre > 0, dout, 0.0)\n\n\n"
        "def _affine_back(dout, X, W):\n"
        "    return dout @ W.T, X.T @ dout, dout.sum(axis=0)\n\n\n"
        "def residual_backward(dout, cache):\n"
        "    X, W, Z = cache\n"
        "    d_branch_X, dW, db = _affine_back(_relu_back(dout, Z), X, W)\n"
        "    return dout + d_branch_X, dW, db  # a node used twice gets the sum\n"),
        why="notebook-04 style layer helpers defined in the cell, composed"),
    Variant("student_residual_backward_einsum_recompute", "residual_backward", source=(
        "import numpy as np\n\n"
        "def residual_forward(X, W, b):\n"
        "    # my forward again: it keeps only its inputs, the backward recomputes the rest\n"
        "    return X + np.maximum(X @ W + b, 0.0), (X, W, b)\n\n\n"
        "def residual_backward(dout, cache):\n"
        "    X, W, b = cache\n"
        "    Z = np.einsum(\"nd,de->ne\", X, W) + b\n"
        "    dZ = np.where(Z > 0, dout, 0.0)\n"
        "    dX = dout + np.einsum(\"ne,de->nd\", dZ, W)\n"
        "    dW = np.einsum(\"nd,ne->de\", X, dZ)\n"
        "    db = np.einsum(\"ne->e\", dZ)\n"
        "    return dX, dW, db\n"),
        why="recomputes the pre-activation from an inputs-only cache, all in np.einsum"),
]
