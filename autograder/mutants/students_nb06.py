# ruff: noqa: E501 - answers kept as their student-side authors wrote them
"""Correct answers written from the student's side (student notebook and contract only)."""
from pathlib import Path

from autograder.mutation import Shortcut, Variant

_SOURCES = Path(__file__).parent / "sources"

# train_regularized that calls one of the functions it is built from and then computes the
# same value again itself (review 20 of 2026-12-07, notebooks 04-06: H1), kept as written
SHORTCUTS = [
    Shortcut(f"student_{name}", "train_regularized",
             source=(_SOURCES / f"nb06_{name}.txt").read_text(encoding="utf-8"), why=why)
    for name, why in (
        ("s13_l2_inline", "calls l2_penalty, then writes the penalty's gradient again"),
        ("s16_train_dropback_inline", "calls dropout_backward, then multiplies by the mask"),
        ("s17_train_bnback_inline", "calls batchnorm_backward, then derives its dx itself"),
        ("s18_train_bnfwd_inline_stats",
         "calls batchnorm_forward, then computes the running statistics itself"))]

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
    # ================================================================ second batch (student side)
    # ------------------------------------------------------------------ dropout_forward
    Variant("student_dropout_random_compare", "dropout_forward", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def dropout_forward(X, p, train, rng):\n"
        "    if not train:\n"
        "        return X, None\n"
        "    keep = rng.random(np.shape(X)) >= p      # kept with probability 1 - p\n"
        "    mask = keep / (1.0 - p)\n"
        "    return X * mask, mask\n"),
        why="uniform draws compared with p, mask as keep / (1 - p)"),
    Variant("student_dropout_binomial", "dropout_forward", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def dropout_forward(X, p, train, rng):\n"
        "    if train:\n"
        "        kept = rng.binomial(n=1, p=1.0 - p, size=X.shape)   # 1 with probability 1 - p\n"
        "        mask = kept.astype(np.float64) * (1.0 / (1.0 - p))\n"
        "        out = np.multiply(X, mask)\n"
        "        return out, mask\n"
        "    return X, None\n"),
        why="Bernoulli draws with rng.binomial, np.multiply"),
    Variant("student_dropout_where_uniform", "dropout_forward", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def dropout_forward(X, p, train, rng):\n"
        "    if not train:\n"
        "        return (X, None)\n"
        "    scale = 1.0 / (1.0 - p)   # E[out] = (1 - p) * scale * x = x\n"
        "    u = rng.uniform(0.0, 1.0, size=X.shape)\n"
        "    mask = np.where(u < p, 0.0, scale)\n"
        "    out = X * mask\n"
        "    return out, mask\n"),
        why="np.where on rng.uniform draws with the scale constant named"),
    # ------------------------------------------------------------------ batchnorm_forward
    Variant("student_batchnorm_forward_mean_of_squares", "batchnorm_forward", source=(
        "import numpy as np\n"
        "\n"
        "def batchnorm_forward(X, gamma, beta, running_mean, running_var, train, momentum=0.9,\n"
        "                      eps=1e-5):\n"
        "    # my forward again, so the cache holds exactly what my backward reads\n"
        "    if train:\n"
        "        mu = np.mean(X, axis=0)\n"
        "        var = np.mean((X - mu) ** 2, axis=0)      # biased: 1/N\n"
        "        running_mean = momentum * running_mean + (1.0 - momentum) * mu\n"
        "        running_var = momentum * running_var + (1.0 - momentum) * var\n"
        "    else:\n"
        "        mu, var = running_mean, running_var\n"
        "    inv_std = 1.0 / np.sqrt(var + eps)\n"
        "    x_hat = (X - mu) * inv_std\n"
        "    return gamma * x_hat + beta, (x_hat, gamma, inv_std), running_mean, running_var\n"),
        why="np.mean for the mean and the biased variance, one return for both modes"),
    Variant("student_batchnorm_forward_column_loop", "batchnorm_forward", source=(
        "import math\n"
        "\n"
        "import numpy as np\n"
        "\n"
        "\n"
        "def batchnorm_forward(X, gamma, beta, running_mean, running_var, train, momentum=0.9,\n"
        "                      eps=1e-5):\n"
        "    N, D = X.shape\n"
        "    x_hat = np.empty((N, D))\n"
        "    inv_std = np.empty(D)\n"
        "    new_mean = np.array(running_mean, dtype=np.float64, copy=True)\n"
        "    new_var = np.array(running_var, dtype=np.float64, copy=True)\n"
        "    for j in range(D):  # every feature on its own\n"
        "        col = X[:, j]\n"
        "        if train:\n"
        "            mu = col.sum() / N\n"
        "            var = ((col - mu) ** 2).sum() / N\n"
        "            new_mean[j] = momentum * running_mean[j] + (1 - momentum) * mu\n"
        "            new_var[j] = momentum * running_var[j] + (1 - momentum) * var\n"
        "        else:\n"
        "            mu, var = running_mean[j], running_var[j]\n"
        "        inv_std[j] = 1.0 / math.sqrt(var + eps)\n"
        "        x_hat[:, j] = (col - mu) * inv_std[j]\n"
        "    out = gamma * x_hat + beta\n"
        "    return out, (x_hat, gamma, inv_std), new_mean, new_var\n"),
        why="a loop over the columns with math.sqrt; new arrays for the running statistics"),
    Variant("student_batchnorm_forward_einsum", "batchnorm_forward", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def batchnorm_forward(X, gamma, beta, running_mean, running_var, train, momentum=0.9,\n"
        "                      eps=1e-5):\n"
        "    N = X.shape[0]\n"
        "    if train:\n"
        "        mu = np.einsum(\"nd->d\", X) / N\n"
        "        centred = X - mu\n"
        "        var = np.einsum(\"nd,nd->d\", centred, centred) / N\n"
        "        new_mean = np.add(momentum * running_mean, (1 - momentum) * mu)\n"
        "        new_var = np.add(momentum * running_var, (1 - momentum) * var)\n"
        "    else:\n"
        "        centred = X - running_mean\n"
        "        var = running_var\n"
        "        new_mean, new_var = running_mean.copy(), running_var.copy()\n"
        "    inv_std = np.reciprocal(np.sqrt(var + eps))\n"
        "    x_hat = centred * inv_std\n"
        "    out = x_hat * gamma + beta\n"
        "    return out, (x_hat, gamma, inv_std), new_mean, new_var\n"),
        why="batch sums with np.einsum, eval mode returning copies of the running statistics"),
    Variant("student_batchnorm_forward_std_keepdims", "batchnorm_forward", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def batchnorm_forward(X, gamma, beta, running_mean, running_var, train, momentum=0.9,\n"
        "                      eps=1e-5):\n"
        "    X = np.array(X, dtype=np.float64)          # my own copy: the input is never touched\n"
        "    if train:\n"
        "        mu = X.mean(axis=0, keepdims=True)      # (1, D)\n"
        "        var = X.std(axis=0, keepdims=True) ** 2  # biased (ddof=0), like the lesson's 1/m\n"
        "        new_mean = momentum * np.asarray(running_mean) + (1.0 - momentum) * mu[0]\n"
        "        new_var = momentum * np.asarray(running_var) + (1.0 - momentum) * var[0]\n"
        "    else:\n"
        "        mu = np.asarray(running_mean, dtype=np.float64)[None, :]\n"
        "        var = np.asarray(running_var, dtype=np.float64)[None, :]\n"
        "        new_mean, new_var = running_mean, running_var\n"
        "    inv_std = 1.0 / np.sqrt(var + eps)\n"
        "    x_hat = (X - mu) * inv_std\n"
        "    out = gamma * x_hat + beta\n"
        "    return out, (x_hat, gamma, inv_std.ravel()), new_mean, new_var\n"),
        why="keepdims statistics with X.std (biased), defensive copies, the cache flattened to (D,)"),
    # ------------------------------------------------------------------ batchnorm_backward_alt
    Variant("student_bn_alt_means", "batchnorm_backward_alt", source=(
        "import numpy as np\n"
        "\n"
        "def batchnorm_forward(X, gamma, beta, running_mean, running_var, train, momentum=0.9,\n"
        "                      eps=1e-5):\n"
        "    # my forward again, so the cache holds exactly what my backward reads\n"
        "    if train:\n"
        "        mu = np.mean(X, axis=0)\n"
        "        var = np.mean((X - mu) ** 2, axis=0)      # biased: 1/N\n"
        "        running_mean = momentum * running_mean + (1.0 - momentum) * mu\n"
        "        running_var = momentum * running_var + (1.0 - momentum) * var\n"
        "    else:\n"
        "        mu, var = running_mean, running_var\n"
        "    inv_std = 1.0 / np.sqrt(var + eps)\n"
        "    x_hat = (X - mu) * inv_std\n"
        "    return gamma * x_hat + beta, (x_hat, gamma, inv_std), running_mean, running_var\n"
        "\n"
        "\n"
        "def batchnorm_backward_alt(dout, cache):\n"
        "    x_hat, gamma, inv_std = cache\n"
        "    dbeta = dout.sum(axis=0)\n"
        "    dgamma = (dout * x_hat).sum(axis=0)\n"
        "    mean_g = dout.mean(axis=0, keepdims=True)\n"
        "    mean_gx = (dout * x_hat).mean(axis=0, keepdims=True)\n"
        "    dX = gamma * inv_std * (dout - mean_g - x_hat * mean_gx)\n"
        "    return dX, dgamma, dbeta\n"),
        why="closed form with batch means (keepdims), forward restated"),
    Variant("student_bn_alt_einsum", "batchnorm_backward_alt", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def batchnorm_forward(X, gamma, beta, running_mean, running_var, train, momentum=0.9,\n"
        "                      eps=1e-5):\n"
        "    # my forward again, so the cache holds exactly what my backward reads\n"
        "    if train:\n"
        "        mu, var = X.mean(axis=0), X.var(axis=0)\n"
        "        new_mean = momentum * running_mean + (1 - momentum) * mu\n"
        "        new_var = momentum * running_var + (1 - momentum) * var\n"
        "    else:\n"
        "        mu, var = running_mean, running_var\n"
        "        new_mean, new_var = running_mean, running_var\n"
        "    inv_std = 1.0 / np.sqrt(var + eps)\n"
        "    x_hat = (X - mu) * inv_std\n"
        "    return gamma * x_hat + beta, (x_hat, gamma, inv_std), new_mean, new_var\n"
        "\n"
        "\n"
        "def batchnorm_backward_alt(dout, cache):\n"
        "    x_hat, gamma, inv_std = cache\n"
        "    N = dout.shape[0]\n"
        "    sum_g = np.einsum(\"nd->d\", dout)\n"
        "    sum_gx = np.einsum(\"nd,nd->d\", dout, x_hat)\n"
        "    dX = (gamma * inv_std / N) * (N * dout - sum_g - x_hat * sum_gx)\n"
        "    return dX, sum_gx, sum_g\n"),
        why="the two batch sums with np.einsum, forward restated with np.var"),
    Variant("student_bn_alt_helper_sums", "batchnorm_backward_alt", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def batchnorm_forward(X, gamma, beta, running_mean, running_var, train, momentum=0.9,\n"
        "                      eps=1e-5):\n"
        "    # my forward again (private copies of the inputs), cache = what my backward reads\n"
        "    X = np.array(X, dtype=np.float64)\n"
        "    if train:\n"
        "        mu = X.sum(axis=0) / X.shape[0]\n"
        "        var = np.square(X - mu).sum(axis=0) / X.shape[0]\n"
        "        running_mean = momentum * np.asarray(running_mean) + (1 - momentum) * mu\n"
        "        running_var = momentum * np.asarray(running_var) + (1 - momentum) * var\n"
        "    else:\n"
        "        mu, var = running_mean, running_var\n"
        "    inv_std = np.reciprocal(np.sqrt(var + eps))\n"
        "    x_hat = (X - mu) * inv_std\n"
        "    return x_hat * gamma + beta, (x_hat, np.array(gamma, dtype=np.float64), inv_std), running_mean, running_var\n"
        "\n"
        "\n"
        "def _batch_sums(dout, x_hat):\n"
        "    \"\"\"The two sums over the batch the closed form needs: of dout and of dout * x_hat.\"\"\"\n"
        "    return np.sum(dout, axis=0), np.sum(dout * x_hat, axis=0)\n"
        "\n"
        "\n"
        "def batchnorm_backward_alt(dout, cache):\n"
        "    x_hat, gamma, inv_std = cache\n"
        "    m = dout.shape[0]\n"
        "    dbeta, dgamma = _batch_sums(dout, x_hat)\n"
        "    dX = gamma * inv_std * (dout - (dbeta + x_hat * dgamma) / m)\n"
        "    return dX, dgamma, dbeta\n"),
        why="a helper returns the batch sums (they are dbeta and dgamma), dX written with them"),
    # ------------------------------------------------------------------ l2_penalty
    Variant("student_l2_tensordot_names", "l2_penalty", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def l2_penalty(params, lam):\n"
        "    penalty = 0.0\n"
        "    grads = {}\n"
        "    for name, value in params.items():\n"
        "        value = np.asarray(value, dtype=np.float64)\n"
        "        if name[:1] == \"W\":\n"
        "            penalty += float(np.tensordot(value, value, axes=value.ndim))\n"
        "            grads[name] = 2.0 * lam * value\n"
        "        else:\n"
        "            grads[name] = np.zeros(value.shape)\n"
        "    return lam * penalty, grads\n"),
        why="np.tensordot for the squared norm, the first letter of the key checked"),
    # ------------------------------------------------------------------ layernorm_backward
    Variant("student_layernorm_backward_row_loop", "layernorm_backward", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def layernorm_forward(X, gamma, beta, eps=1e-5):\n"
        "    # my forward again: the cache holds the centred rows and each row's 1/std\n"
        "    c = X - X.mean(axis=1, keepdims=True)\n"
        "    s = 1.0 / np.sqrt((c ** 2).mean(axis=1) + eps)      # (N,)\n"
        "    x_hat = c * s[:, None]\n"
        "    return gamma * x_hat + beta, {\"c\": c, \"s\": s, \"gamma\": np.array(gamma)}\n"
        "\n"
        "\n"
        "def layernorm_backward(dout, cache):\n"
        "    c, s, gamma = cache[\"c\"], cache[\"s\"], cache[\"gamma\"]\n"
        "    N, D = dout.shape\n"
        "    dX = np.empty((N, D))\n"
        "    for i in range(N):  # each row has its own graph: mean, variance, x_hat\n"
        "        bar_xhat = dout[i] * gamma\n"
        "        bar_s = np.dot(bar_xhat, c[i])\n"
        "        bar_var = -0.5 * s[i] ** 3 * bar_s\n"
        "        bar_c = bar_xhat * s[i] + bar_var * 2.0 * c[i] / D\n"
        "        dX[i] = bar_c - bar_c.sum() / D\n"
        "    x_hat = c * s[:, None]\n"
        "    return dX, (dout * x_hat).sum(axis=0), dout.sum(axis=0)\n"),
        why="node by node for each row in a loop; forward restated caching the centred rows"),
    # ------------------------------------------------------------------ early_stopping
    Variant("student_early_stopping_gap", "early_stopping", source=(
        "def early_stopping(val_losses, patience):\n"
        "    losses = [float(v) for v in val_losses]\n"
        "    best_epoch = 0\n"
        "    for epoch, loss in enumerate(losses):\n"
        "        if loss < losses[best_epoch]:\n"
        "            best_epoch = epoch\n"
        "        if epoch - best_epoch >= patience:\n"
        "            return epoch, best_epoch\n"
        "    return len(losses) - 1, best_epoch\n"),
        why="the training loop's own rule: stop when epoch - best_epoch reaches patience"),
    # ------------------------------------------------------------------ init_weights
    Variant("student_init_std_dispatch", "init_weights", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def init_weights(dims, scheme, rng):\n"
        "    std_of = {\n"
        "        \"normal\": lambda fan_in, fan_out: np.sqrt(1.0 / fan_in),\n"
        "        \"xavier\": lambda fan_in, fan_out: np.sqrt(2.0 / (fan_in + fan_out)),\n"
        "        \"he\": lambda fan_in, fan_out: np.sqrt(2.0 / fan_in),\n"
        "    }\n"
        "    if scheme != \"zeros\" and scheme not in std_of:\n"
        "        raise ValueError(f\"unknown scheme {scheme!r}\")\n"
        "    weights = []\n"
        "    for fan_in, fan_out in zip(dims[:-1], dims[1:]):\n"
        "        if scheme == \"zeros\":\n"
        "            weights.append(np.zeros((fan_in, fan_out)))\n"
        "        else:\n"
        "            weights.append(rng.normal(0.0, std_of[scheme](fan_in, fan_out), size=(fan_in, fan_out)))\n"
        "    return weights\n"),
        why="a dict of standard-deviation functions, checked before drawing; rng.normal with scale"),
    # ------------------------------------------------------------------ train_regularized
    Variant("student_train_regularized_closures", "train_regularized", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def train_regularized(X_train, y_train, X_val, y_val, hidden=64, lr=0.1, batch_size=32,\n"
        "                      max_epochs=100, lam=0.0, p_drop=0.0, batchnorm=False, patience=5,\n"
        "                      rng=None):\n"
        "    rng = np.random.default_rng(0) if rng is None else rng\n"
        "    N, D = X_train.shape\n"
        "    C = int(np.max(y_train)) + 1\n"
        "    params = {\"W1\": rng.normal(0.0, np.sqrt(2.0 / D), size=(D, hidden)), \"b1\": np.zeros(hidden),\n"
        "              \"W2\": rng.normal(0.0, np.sqrt(1.0 / hidden), size=(hidden, C)), \"b2\": np.zeros(C)}\n"
        "    if batchnorm:\n"
        "        params.update(gamma=np.ones(hidden), beta=np.zeros(hidden),\n"
        "                      running_mean=np.zeros(hidden), running_var=np.ones(hidden))\n"
        "    trained = [k for k in params if k not in (\"running_mean\", \"running_var\")]\n"
        "\n"
        "    def forward(X, train):\n"
        "        \"\"\"Scores and what the backward pass needs; updates the running statistics.\"\"\"\n"
        "        Z = X @ params[\"W1\"] + params[\"b1\"]\n"
        "        bn_cache = None\n"
        "        if batchnorm:\n"
        "            Z, bn_cache, rm, rv = batchnorm_forward(Z, params[\"gamma\"], params[\"beta\"],\n"
        "                                                    params[\"running_mean\"],\n"
        "                                                    params[\"running_var\"], train)\n"
        "            params[\"running_mean\"], params[\"running_var\"] = rm, rv\n"
        "        A = np.maximum(Z, 0.0)\n"
        "        A_drop, mask = dropout_forward(A, p_drop, train, rng)\n"
        "        S = A_drop @ params[\"W2\"] + params[\"b2\"]\n"
        "        return S, (X, Z, bn_cache, mask, A_drop)\n"
        "\n"
        "    def backward(S, y, caches):\n"
        "        X, Z, bn_cache, mask, A_drop = caches\n"
        "        B = len(y)\n"
        "        P = np.exp(S - S.max(axis=1, keepdims=True))\n"
        "        P /= P.sum(axis=1, keepdims=True)\n"
        "        P[np.arange(B), y] -= 1.0\n"
        "        dS = P / B\n"
        "        grads = {\"W2\": A_drop.T @ dS, \"b2\": dS.sum(axis=0)}\n"
        "        dA = dropout_backward(dS @ params[\"W2\"].T, mask)\n"
        "        dZ = dA * (Z > 0)\n"
        "        if batchnorm:\n"
        "            dZ, grads[\"gamma\"], grads[\"beta\"] = batchnorm_backward(dZ, bn_cache)\n"
        "        grads[\"W1\"] = X.T @ dZ\n"
        "        grads[\"b1\"] = dZ.sum(axis=0)\n"
        "        _, penalty_grads = l2_penalty({k: params[k] for k in trained}, lam)\n"
        "        return {k: grads[k] + penalty_grads[k] for k in trained}\n"
        "\n"
        "    history = {\"train_loss\": [], \"val_loss\": [], \"val_acc\": []}\n"
        "    best_loss, best_epoch, best_params = np.inf, 0, None\n"
        "    for epoch in range(max_epochs):\n"
        "        order = rng.permutation(N)\n"
        "        for start in range(0, N, batch_size):\n"
        "            idx = order[start:start + batch_size]\n"
        "            S, caches = forward(X_train[idx], True)\n"
        "            grads = backward(S, y_train[idx], caches)\n"
        "            for k in trained:\n"
        "                params[k] = params[k] - lr * grads[k]\n"
        "        train_scores, _ = forward(X_train, False)\n"
        "        val_scores, _ = forward(X_val, False)\n"
        "        history[\"train_loss\"].append(mean_cross_entropy(train_scores, y_train))\n"
        "        history[\"val_loss\"].append(mean_cross_entropy(val_scores, y_val))\n"
        "        history[\"val_acc\"].append(float(np.mean(val_scores.argmax(axis=1) == y_val)))\n"
        "        if best_params is None or history[\"val_loss\"][-1] < best_loss:\n"
        "            best_loss, best_epoch = history[\"val_loss\"][-1], epoch\n"
        "            best_params = {k: v.copy() for k, v in params.items()}\n"
        "        if epoch - best_epoch >= patience:\n"
        "            break\n"
        "    return best_params, history, best_epoch\n"),
        why="nested forward/backward closures over a params dict, He/xavier-style normal init, rng.permutation per epoch"),
    Variant("student_train_regularized_flat", "train_regularized", source=(
        "import numpy as np\n"
        "\n"
        "\n"
        "def _linear_backward(dout, X, W):\n"
        "    return dout @ W.T, X.T @ dout, dout.sum(axis=0)\n"
        "\n"
        "\n"
        "def _softmax_ce_grad(scores, y):\n"
        "    shifted = scores - scores.max(axis=1, keepdims=True)\n"
        "    probs = np.exp(shifted)\n"
        "    probs /= probs.sum(axis=1, keepdims=True)\n"
        "    onehot = np.zeros_like(probs)\n"
        "    onehot[np.arange(len(y)), y] = 1.0\n"
        "    return (probs - onehot) / len(y)\n"
        "\n"
        "\n"
        "def train_regularized(X_train, y_train, X_val, y_val, hidden=64, lr=0.1, batch_size=32,\n"
        "                      max_epochs=100, lam=0.0, p_drop=0.0, batchnorm=False, patience=5,\n"
        "                      rng=None):\n"
        "    if rng is None:\n"
        "        rng = np.random.default_rng(0)\n"
        "    X_train = np.asarray(X_train, dtype=np.float64)\n"
        "    X_val = np.asarray(X_val, dtype=np.float64)\n"
        "    D = X_train.shape[1]\n"
        "    C = int(y_train.max()) + 1\n"
        "    limit1, limit2 = np.sqrt(6.0 / (D + hidden)), np.sqrt(6.0 / (hidden + C))\n"
        "    W1 = rng.uniform(-limit1, limit1, size=(D, hidden))\n"
        "    b1 = np.zeros(hidden)\n"
        "    W2 = rng.uniform(-limit2, limit2, size=(hidden, C))\n"
        "    b2 = np.zeros(C)\n"
        "    gamma, beta = np.ones(hidden), np.zeros(hidden)\n"
        "    running_mean, running_var = np.zeros(hidden), np.ones(hidden)\n"
        "\n"
        "    def scores_eval(X):\n"
        "        Z = X @ W1 + b1\n"
        "        if batchnorm:\n"
        "            Z = batchnorm_forward(Z, gamma, beta, running_mean, running_var, False)[0]\n"
        "        H, _ = dropout_forward(np.maximum(Z, 0.0), p_drop, False, rng)\n"
        "        return H @ W2 + b2\n"
        "\n"
        "    def snapshot():\n"
        "        kept = {\"W1\": W1.copy(), \"b1\": b1.copy(), \"W2\": W2.copy(), \"b2\": b2.copy()}\n"
        "        if batchnorm:\n"
        "            kept.update(gamma=gamma.copy(), beta=beta.copy(), running_mean=running_mean.copy(),\n"
        "                        running_var=running_var.copy())\n"
        "        return kept\n"
        "\n"
        "    history = {\"train_loss\": [], \"val_loss\": [], \"val_acc\": []}\n"
        "    best, best_epoch, best_params, epochs_without = np.inf, 0, None, 0\n"
        "    n_batches = max(1, int(np.ceil(len(y_train) / batch_size)))\n"
        "    for epoch in range(max_epochs):\n"
        "        for idx in np.array_split(rng.permutation(len(y_train)), n_batches):\n"
        "            Xb, yb = X_train[idx], y_train[idx]\n"
        "            Z = Xb @ W1 + b1\n"
        "            if batchnorm:\n"
        "                Zn, bn_cache, running_mean, running_var = batchnorm_forward(\n"
        "                    Z, gamma, beta, running_mean, running_var, True)\n"
        "            else:\n"
        "                Zn = Z\n"
        "            H = np.maximum(Zn, 0.0)\n"
        "            Hd, mask = dropout_forward(H, p_drop, True, rng)\n"
        "            dS = _softmax_ce_grad(Hd @ W2 + b2, yb)\n"
        "            dHd, dW2, db2 = _linear_backward(dS, Hd, W2)\n"
        "            dZn = dropout_backward(dHd, mask) * (Zn > 0)\n"
        "            if batchnorm:\n"
        "                dZ, dgamma, dbeta = batchnorm_backward(dZn, bn_cache)\n"
        "            else:\n"
        "                dZ = dZn\n"
        "            _, dW1, db1 = _linear_backward(dZ, Xb, W1)\n"
        "            _, pen = l2_penalty({\"W1\": W1, \"b1\": b1, \"W2\": W2, \"b2\": b2}, lam)\n"
        "            W1 = W1 - lr * (dW1 + pen[\"W1\"])\n"
        "            b1 = b1 - lr * (db1 + pen[\"b1\"])\n"
        "            W2 = W2 - lr * (dW2 + pen[\"W2\"])\n"
        "            b2 = b2 - lr * (db2 + pen[\"b2\"])\n"
        "            if batchnorm:\n"
        "                gamma = gamma - lr * dgamma\n"
        "                beta = beta - lr * dbeta\n"
        "        val_scores = scores_eval(X_val)\n"
        "        val_loss = mean_cross_entropy(val_scores, y_val)\n"
        "        history[\"train_loss\"].append(mean_cross_entropy(scores_eval(X_train), y_train))\n"
        "        history[\"val_loss\"].append(val_loss)\n"
        "        history[\"val_acc\"].append(float(np.mean(np.argmax(val_scores, axis=1) == y_val)))\n"
        "        if val_loss < best:\n"
        "            best, best_epoch, best_params, epochs_without = val_loss, epoch, snapshot(), 0\n"
        "        else:\n"
        "            epochs_without += 1\n"
        "        if epochs_without >= patience:\n"
        "            break\n"
        "    return best_params, history, best_epoch\n"),
        why="straight-line loop with layer helpers in the cell, uniform Glorot init, np.array_split batches, early_stopping-style counter"),
    # ================================================================ end of second batch
]
