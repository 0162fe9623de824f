"""Mutation catalogue for 06_regularization: plausible student bugs, and correct variants."""

from dataclasses import dataclass, field

from autograder.mutation import Mutant, Shortcut, Variant


@dataclass
class PairedVariant(Variant):
    """A correct answer that rewrites several cells together (e.g. a forward/backward pair
    sharing another cache layout); ``cell`` names it, ``cells`` maps grade id -> source."""

    cells: dict = field(default_factory=dict)

    def answers(self, solutions):
        answers = dict(solutions)
        for cell, source in self.cells.items():
            if cell not in answers:
                raise KeyError(f"{self.name}: no solution cell {cell!r}")
            answers[cell] = source
        return answers


@dataclass
class PairedShortcut(Shortcut):
    """A shortcut that rewrites several cells together (a forward pass keeping its inputs in
    the cache so the backward can hand them to torch); ``cells`` maps grade id -> source."""

    cells: dict = field(default_factory=dict)

    def answers(self, solutions):
        answers = dict(solutions)
        for cell, source in self.cells.items():
            if cell not in answers:
                raise KeyError(f"{self.name}: no solution cell {cell!r}")
            answers[cell] = source
        return answers


MUTANTS = [
    # ---- l2_penalty
    Mutant("l2_penalises_biases", "l2_penalty",
           edits=[('if key.startswith("W"):', "if True:")],
           why="biases (and any other parameter) penalised too"),
    Mutant("l2_grad_missing_two", "l2_penalty",
           edits=[("grads[key] = 2.0 * lam * value", "grads[key] = lam * value")]),
    Mutant("l2_grads_only_for_weights", "l2_penalty",
           edits=[("        else:\n            grads[key] = np.zeros_like(value)\n", "")],
           why="grads dict lacks the bias keys"),
    Mutant("l2_penalty_without_lam", "l2_penalty",
           edits=[("penalty += lam * float(np.sum(value ** 2))",
                   "penalty += float(np.sum(value ** 2))")]),
    Mutant("l2_l1_norm", "l2_penalty",
           edits=[("penalty += lam * float(np.sum(value ** 2))",
                   "penalty += lam * float(np.sum(np.abs(value)))")]),
    Mutant("l2_grad_in_place", "l2_penalty",
           edits=[("grads[key] = 2.0 * lam * value",
                   "value *= 2.0 * lam\n            grads[key] = value")],
           why="scales the caller's weight matrices in place"),
    # ---- dropout_forward
    Mutant("dropout_keeps_with_p", "dropout_forward",
           edits=[("keep = rng.random(X.shape) >= p", "keep = rng.random(X.shape) < p")],
           why="p read as the keep probability"),
    Mutant("dropout_no_scaling", "dropout_forward",
           edits=[("mask = keep / (1.0 - p)", "mask = keep.astype(float)")]),
    Mutant("dropout_active_at_eval", "dropout_forward",
           edits=[("    if not train:\n        return X, None\n", "")]),
    Mutant("dropout_classic_scaling_at_eval", "dropout_forward",
           edits=[("return X, None", "return X * (1.0 - p), None"),
                  ("mask = keep / (1.0 - p)", "mask = keep.astype(float)")],
           why="non-inverted dropout: scales at test time instead of training time"),
    Mutant("dropout_one_mask_for_the_batch", "dropout_forward",
           edits=[("keep = rng.random(X.shape) >= p",
                   "keep = np.broadcast_to(rng.random(X.shape[1]) >= p, X.shape)")],
           why="one mask drawn per unit and shared by every example of the batch"),
    Mutant("dropout_in_place", "dropout_forward",
           edits=[("return X * mask, mask", "X *= mask\n    return X, mask")]),
    # ---- dropout_backward
    Mutant("dropout_backward_fresh_mask", "dropout_backward", source=(
        "def dropout_backward(dout, mask):\n"
        "    if mask is None:\n"
        "        return dout\n"
        "    p = 1.0 - 1.0 / mask.max()\n"
        "    fresh = (np.random.default_rng().random(dout.shape) >= p) / (1.0 - p)\n"
        "    return dout * fresh\n"), why="draws a new mask instead of reusing forward's"),
    Mutant("dropout_backward_unscaled", "dropout_backward",
           edits=[("return dout * mask", "return dout * (mask > 0)")]),
    Mutant("dropout_backward_none_crashes", "dropout_backward",
           edits=[("    if mask is None:\n        return dout\n", "")]),
    # ---- batchnorm_forward
    Mutant("bn_unbiased_variance", "batchnorm_forward",
           edits=[("var = X.var(axis=0)  # biased: divides by N", "var = X.var(axis=0, ddof=1)")]),
    Mutant("bn_eval_uses_batch_statistics", "batchnorm_forward",
           edits=[("mean, var = running_mean, running_var",
                   "mean, var = X.mean(axis=0), X.var(axis=0)")]),
    Mutant("bn_momentum_reversed", "batchnorm_forward",
           edits=[("momentum * running_mean + (1.0 - momentum) * mean",
                   "(1.0 - momentum) * running_mean + momentum * mean"),
                  ("momentum * running_var + (1.0 - momentum) * var",
                   "(1.0 - momentum) * running_var + momentum * var")],
           why="torch's momentum convention"),
    Mutant("bn_running_var_unbiased", "batchnorm_forward",
           edits=[("running_var = momentum * running_var + (1.0 - momentum) * var",
                   "running_var = momentum * running_var + (1.0 - momentum) * "
                   "X.var(axis=0, ddof=1)")],
           why="torch's running variance; the contract says biased"),
    Mutant("bn_running_stats_in_place", "batchnorm_forward",
           edits=[("        running_mean = momentum * running_mean + (1.0 - momentum) * mean\n",
                   "        running_mean *= momentum\n"
                   "        running_mean += (1.0 - momentum) * mean\n")],
           why="updates the caller's running_mean in place"),
    Mutant("bn_eps_outside_sqrt", "batchnorm_forward",
           edits=[("inv_std = 1.0 / np.sqrt(var + eps)", "inv_std = 1.0 / (np.sqrt(var) + eps)")]),
    Mutant("bn_no_shift", "batchnorm_forward",
           edits=[("out = gamma * x_hat + beta", "out = gamma * x_hat")]),
    # ---- batchnorm_backward
    Mutant("bn_backward_simple_formula", "batchnorm_backward", source=(
        "def batchnorm_backward(dout, cache):\n"
        "    x_hat, gamma, inv_std = cache\n"
        "    return dout * gamma * inv_std, (dout * x_hat).sum(axis=0), dout.sum(axis=0)\n"),
           why="treats the batch mean and variance as constants"),
    Mutant("bn_backward_missing_variance_path", "batchnorm_backward",
           edits=[("dc = dc + 2.0 * c * dv / N", "dc = dc")]),
    Mutant("bn_backward_missing_mean_path", "batchnorm_backward",
           edits=[("dX = dc + dmu / N", "dX = dc")]),
    Mutant("bn_backward_variance_edge_no_two", "batchnorm_backward",
           edits=[("dc = dc + 2.0 * c * dv / N", "dc = dc + c * dv / N")]),
    Mutant("bn_backward_variance_edge_replaces", "batchnorm_backward",
           edits=[("dc = dc + 2.0 * c * dv / N", "dc = 2.0 * c * dv / N")],
           why="the second edge into c overwrites the first instead of adding to it"),
    Mutant("bn_backward_mean_not_summed", "batchnorm_backward",
           edits=[("dmu = -dc.sum(axis=0)", "dmu = -dc")]),
    Mutant("bn_backward_dgamma_not_summed", "batchnorm_backward",
           edits=[("dgamma = (dout * x_hat).sum(axis=0)", "dgamma = dout * x_hat")]),
    Mutant("bn_backward_dbeta_not_summed", "batchnorm_backward",
           edits=[("dbeta = dout.sum(axis=0)", "dbeta = dout")]),
    Mutant("bn_backward_dbeta_mean", "batchnorm_backward",
           edits=[("dbeta = dout.sum(axis=0)", "dbeta = dout.mean(axis=0)")]),
    Mutant("bn_backward_forgets_gamma", "batchnorm_backward",
           edits=[("dx_hat = dout * gamma", "dx_hat = dout")]),
    # ---- batchnorm_backward_alt (new 2026-12-06)
    Mutant("bn_alt_simple_formula", "batchnorm_backward_alt",
           edits=[("dX = gamma * inv_std / N * (N * dout - dbeta - x_hat * dgamma)",
                   "dX = gamma * inv_std * dout")],
           why="treats the batch mean and variance as constants"),
    Mutant("bn_alt_missing_variance_term", "batchnorm_backward_alt",
           edits=[(" - x_hat * dgamma)", ")")]),
    Mutant("bn_alt_missing_mean_term", "batchnorm_backward_alt",
           edits=[("N * dout - dbeta - x_hat", "N * dout - x_hat")]),
    Mutant("bn_alt_no_batch_size", "batchnorm_backward_alt",
           edits=[("dX = gamma * inv_std / N * (N * dout", "dX = gamma * inv_std * (dout")],
           why="the batch sums are not divided by N"),
    Mutant("bn_alt_forgets_gamma", "batchnorm_backward_alt",
           edits=[("dX = gamma * inv_std / N", "dX = inv_std / N")]),
    Mutant("bn_alt_variance_sign", "batchnorm_backward_alt",
           edits=[(" - x_hat * dgamma)", " + x_hat * dgamma)")]),
    Shortcut("bn_alt_node_by_node_copy", "batchnorm_backward_alt", source=(
        "def batchnorm_backward_alt(dout, cache):\n"
        "    x_hat, gamma, inv_std = cache\n"
        "    N = dout.shape[0]\n"
        "    dbeta = dout.sum(axis=0)\n"
        "    dgamma = (dout * x_hat).sum(axis=0)\n"
        "    dx_hat = dout * gamma\n"
        "    c = x_hat / inv_std\n"
        "    dc = dx_hat * inv_std\n"
        "    ds = (dx_hat * c).sum(axis=0)\n"
        "    dv = -0.5 * inv_std ** 3 * ds\n"
        "    dc = dc + 2.0 * c * dv / N\n"
        "    dmu = -dc.sum(axis=0)\n"
        "    return dc + dmu / N, dgamma, dbeta\n"),
        why="batchnorm_backward's node-by-node steps written out again under the new name "
            "(review 22 of 2026-12-07, r56 H2)"),
    # ---- early_stopping
    Mutant("es_non_strict_improvement", "early_stopping",
           edits=[("if loss < best_loss:", "if loss <= best_loss:")]),
    Mutant("es_patience_off_by_one_late", "early_stopping",
           edits=[("if waited == patience:", "if waited > patience:")]),
    Mutant("es_patience_off_by_one_early", "early_stopping",
           edits=[("if waited == patience:", "if waited == patience - 1:")]),
    Mutant("es_last_epoch_is_len", "early_stopping",
           edits=[("return len(val_losses) - 1, best_epoch",
                   "return len(val_losses), best_epoch")]),
    Mutant("es_counter_never_reset", "early_stopping",
           edits=[("best_loss, best_epoch, waited = loss, epoch, 0",
                   "best_loss, best_epoch = loss, epoch")],
           why="counts every epoch without improvement, not those in a row (review r56 H1)"),
    Mutant("es_compares_with_previous_epoch", "early_stopping", source=(
        "def early_stopping(val_losses, patience):\n"
        "    best_epoch, waited = 0, 0\n"
        "    for epoch in range(1, len(val_losses)):\n"
        "        if val_losses[epoch] < val_losses[epoch - 1]:\n"
        "            waited = 0\n"
        "            if val_losses[epoch] < val_losses[best_epoch]:\n"
        "                best_epoch = epoch\n"
        "        else:\n"
        "            waited += 1\n"
        "            if waited == patience:\n"
        "                return epoch, best_epoch\n"
        "    return len(val_losses) - 1, best_epoch\n"),
           why="improvement judged against the previous epoch, not the best so far"),
    # ---- init_weights
    Mutant("init_he_fan_out", "init_weights",
           edits=[('"he": lambda fan_in, fan_out: 2.0 / fan_in',
                   '"he": lambda fan_in, fan_out: 2.0 / fan_out')]),
    Mutant("init_xavier_fan_out_swapped", "init_weights",
           edits=[("2.0 / (fan_in + fan_out)", "2.0 / (fan_out + fan_out)")]),
    Mutant("init_normal_fan_out", "init_weights",
           edits=[('"normal": lambda fan_in, fan_out: 1.0 / fan_in',
                   '"normal": lambda fan_in, fan_out: 1.0 / fan_out')]),
    Mutant("init_variance_used_as_std", "init_weights",
           edits=[("std = np.sqrt(variances[scheme](fan_in, fan_out))",
                   "std = variances[scheme](fan_in, fan_out)")]),
    Mutant("init_transposed", "init_weights",
           edits=[("rng.normal(0.0, std, size=(fan_in, fan_out))",
                   "rng.normal(0.0, std, size=(fan_out, fan_in))")]),
    Mutant("init_unknown_scheme_falls_back", "init_weights",
           edits=[('raise ValueError(f"unknown initialisation scheme {scheme!r}")',
                   'scheme = "normal"')]),
    Mutant("init_uniform_draw", "init_weights",
           edits=[("rng.normal(0.0, std, size=(fan_in, fan_out))",
                   "rng.uniform(-np.sqrt(3.0) * std, np.sqrt(3.0) * std, size=(fan_in, fan_out))")],
           why="the right standard deviation, but a uniform draw: no tails"),
    Mutant("init_global_rng", "init_weights",
           edits=[("rng.normal(0.0, std, size=(fan_in, fan_out))",
                   "np.random.normal(0.0, std, size=(fan_in, fan_out))")]),
]

VARIANTS = [
    Variant("l2_comprehensions", "l2_penalty", source=(
        "def l2_penalty(params, lam):\n"
        "    weights = [k for k in params if k[0] == 'W']\n"
        "    penalty = lam * sum(np.vdot(params[k], params[k]) for k in weights)\n"
        "    grads = {k: (2 * lam * params[k] if k in weights else 0.0 * params[k])\n"
        "             for k in params}\n"
        "    return penalty, grads\n")),
    Variant("dropout_binomial", "dropout_forward", source=(
        "def dropout_forward(X, p, train, rng):\n"
        "    if train:\n"
        "        mask = rng.binomial(1, 1 - p, size=X.shape) / (1 - p)\n"
        "        return mask * X, mask\n"
        "    return X, None\n")),
    Variant("dropout_uniform_where", "dropout_forward", source=(
        "def dropout_forward(X, p, train, rng):\n"
        "    if not train:\n"
        "        return X, None\n"
        "    draws = rng.uniform(size=X.shape)\n"
        "    mask = np.where(draws < 1.0 - p, 1.0 / (1.0 - p), 0.0)\n"
        "    out = X.copy()\n"
        "    out *= mask\n"
        "    return out, mask\n")),
    Variant("dropout_backward_multiply", "dropout_backward", source=(
        "def dropout_backward(dout, mask):\n"
        "    return dout if mask is None else np.multiply(dout, mask)\n")),
    PairedVariant("batchnorm_staged_cache", "batchnorm_forward", cells={
        "batchnorm_forward": (
            "def batchnorm_forward(X, gamma, beta, running_mean, running_var, train,\n"
            "                      momentum=0.9, eps=1e-5):\n"
            "    if train:\n"
            "        mean = np.mean(X, axis=0)\n"
            "        var = np.mean((X - mean) ** 2, axis=0)\n"
            "        new_mean = momentum * running_mean + (1 - momentum) * mean\n"
            "        new_var = momentum * running_var + (1 - momentum) * var\n"
            "        out = gamma * (X - mean) / np.sqrt(var + eps) + beta\n"
            "        return out, (X, mean, var, gamma, eps), new_mean, new_var\n"
            "    out = gamma * (X - running_mean) / np.sqrt(running_var + eps) + beta\n"
            "    return out, None, running_mean.copy(), running_var.copy()\n"),
        "batchnorm_backward": (
            "def batchnorm_backward(dout, cache):\n"
            "    X, mean, var, gamma, eps = cache\n"
            "    N = X.shape[0]\n"
            "    std = np.sqrt(var + eps)\n"
            "    centred = X - mean\n"
            "    x_hat = centred / std\n"
            "    dbeta = np.sum(dout, axis=0)\n"
            "    dgamma = np.sum(dout * x_hat, axis=0)\n"
            "    dx_hat = dout * gamma\n"
            "    dvar = np.sum(dx_hat * centred, axis=0) * -0.5 * std ** -3\n"
            "    dmean = -np.sum(dx_hat, axis=0) / std + dvar * np.mean(-2 * centred, axis=0)\n"
            "    dX = dx_hat / std + dvar * 2 * centred / N + dmean / N\n"
            "    return dX, dgamma, dbeta\n"),
        "batchnorm_backward_alt": (
            "def batchnorm_backward_alt(dout, cache):\n"
            "    X, mean, var, gamma, eps = cache\n"
            "    x_hat = (X - mean) / np.sqrt(var + eps)\n"
            "    g = dout * gamma\n"
            "    dX = ((g - g.mean(axis=0) - x_hat * (g * x_hat).mean(axis=0))\n"
            "          / np.sqrt(var + eps))\n"
            "    return dX, (dout * x_hat).sum(axis=0), dout.sum(axis=0)\n"),
    }),
    Variant("early_stopping_epoch_gap", "early_stopping", source=(
        "def early_stopping(val_losses, patience):\n"
        "    losses = [float(v) for v in val_losses]\n"
        "    best = 0\n"
        "    for epoch in range(1, len(losses)):\n"
        "        if losses[epoch] < losses[best]:\n"
        "            best = epoch\n"
        "        elif epoch - best >= patience:\n"
        "            return epoch, best\n"
        "    return len(losses) - 1, best\n")),
    Variant("init_if_chain_standard_normal", "init_weights", source=(
        "def init_weights(dims, scheme, rng):\n"
        "    if scheme not in ('zeros', 'normal', 'xavier', 'he'):\n"
        "        raise ValueError(scheme)\n"
        "    out = []\n"
        "    for i in range(len(dims) - 1):\n"
        "        a, b = dims[i], dims[i + 1]\n"
        "        if scheme == 'zeros':\n"
        "            scale = 0.0\n"
        "        elif scheme == 'normal':\n"
        "            scale = 1 / np.sqrt(a)\n"
        "        elif scheme == 'xavier':\n"
        "            scale = np.sqrt(2 / (a + b))\n"
        "        else:\n"
        "            scale = np.sqrt(2 / a)\n"
        "        out.append(scale * rng.standard_normal((a, b)))\n"
        "    return out\n")),
]

MUTANTS += [
    # ---- l1_penalty
    Mutant("l1_penalises_biases", "l1_penalty",
           edits=[('if name.startswith("W"):', "if True:")]),
    Mutant("l1_subgradient_one_at_zero", "l1_penalty",
           edits=[("lam * np.sign(array)", "lam * np.where(array >= 0, 1.0, -1.0)")],
           why="sign(0) taken as +1"),
    Mutant("l1_squared_entries", "l1_penalty",
           edits=[("np.abs(array).sum()", "(array ** 2).sum()")]),
    Mutant("l1_grad_without_lam", "l1_penalty",
           edits=[("subgradients[name] = lam * np.sign(array)",
                   "subgradients[name] = np.sign(array)")]),
    Mutant("l1_grads_only_for_weights", "l1_penalty",
           edits=[("        else:\n            subgradients[name] = np.zeros_like(array)\n", "")]),
    # ---- soft_threshold
    Mutant("st_subgradient_step", "soft_threshold",
           edits=[("magnitude = np.maximum(np.abs(W) - t, 0.0)", "magnitude = np.abs(W) - t")],
           why="small entries cross zero instead of stopping there"),
    Mutant("st_hard_threshold", "soft_threshold", source=(
        "def soft_threshold(W, t):\n"
        "    return W * (np.abs(W) > t)\n")),
    Mutant("st_tiny_leftover", "soft_threshold",
           edits=[("np.maximum(np.abs(W) - t, 0.0)", "np.maximum(np.abs(W) - t, 1e-12)")],
           why="no exact zeros"),
    Mutant("st_in_place", "soft_threshold", source=(
        "def soft_threshold(W, t):\n"
        "    small = np.abs(W) <= t\n"
        "    W -= t * np.sign(W)\n"
        "    W[small] = 0.0\n"
        "    return W\n")),
    # ---- layernorm_forward
    Mutant("ln_normalises_columns", "layernorm_forward",
           edits=[("mu = X.mean(axis=1, keepdims=True)", "mu = X.mean(axis=0, keepdims=True)"),
                  ("X.var(axis=1, keepdims=True)", "X.var(axis=0, keepdims=True)")],
           why="batch norm instead of layer norm"),
    Mutant("ln_unbiased_variance", "layernorm_forward",
           edits=[("X.var(axis=1, keepdims=True)", "X.var(axis=1, ddof=1, keepdims=True)")]),
    Mutant("ln_eps_outside_sqrt", "layernorm_forward",
           edits=[("np.sqrt(X.var(axis=1, keepdims=True) + eps)",
                   "(np.sqrt(X.var(axis=1, keepdims=True)) + eps)")]),
    Mutant("ln_ignores_eps", "layernorm_forward",
           edits=[("keepdims=True) + eps)", "keepdims=True) + 1e-5)")]),
    Mutant("ln_no_shift", "layernorm_forward",
           edits=[("gamma * normalised + beta", "gamma * normalised")]),
    # ---- layernorm_backward
    Mutant("lnb_direct_path_only", "layernorm_backward",
           edits=[("dX = inv_sigma / D * (D * dnorm - row_sum - normalised * row_dot)",
                   "dX = inv_sigma * dnorm")]),
    Mutant("lnb_missing_variance_path", "layernorm_backward",
           edits=[(" - normalised * row_dot)", ")")]),
    Mutant("lnb_forgets_gamma", "layernorm_backward",
           edits=[("dnorm = dout * gamma", "dnorm = dout")]),
    Mutant("lnb_dgamma_not_summed", "layernorm_backward",
           edits=[("dgamma = (dout * normalised).sum(axis=0)", "dgamma = dout * normalised")]),
    Mutant("lnb_sums_over_batch", "layernorm_backward",
           edits=[("row_sum = dnorm.sum(axis=1, keepdims=True)",
                   "row_sum = dnorm.sum(axis=0, keepdims=True)"),
                  ("row_dot = (dnorm * normalised).sum(axis=1, keepdims=True)",
                   "row_dot = (dnorm * normalised).sum(axis=0, keepdims=True)")],
           why="batch norm's sums in a layer norm"),
    # ---- residual_forward
    Mutant("res_no_skip", "residual_forward",
           edits=[("X + np.maximum(pre, 0.0)", "np.maximum(pre, 0.0)")]),
    Mutant("res_relu_after_sum", "residual_forward",
           edits=[("X + np.maximum(pre, 0.0)", "np.maximum(X + pre, 0.0)")]),
    Mutant("res_transposed_weights", "residual_forward",
           edits=[("pre = X @ W + b", "pre = X @ W.T + b")]),
    Mutant("res_in_place", "residual_forward", source=(
        "def residual_forward(X, W, b):\n"
        "    pre = X @ W + b\n"
        "    inputs = X.copy()\n"
        "    X += np.maximum(pre, 0.0)\n"
        "    return X, (inputs, W, pre)\n")),
    # ---- residual_backward
    Mutant("rb_no_identity_path", "residual_backward",
           edits=[("dout + dpre @ W.T", "dpre @ W.T")]),
    Mutant("rb_relu_prime_one_at_zero", "residual_backward",
           edits=[("(pre > 0)", "(pre >= 0)")]),
    Mutant("rb_dW_transposed", "residual_backward",
           edits=[("X.T @ dpre", "dpre.T @ X")]),
    Mutant("rb_db_mean", "residual_backward",
           edits=[("dpre.sum(axis=0)", "dpre.mean(axis=0)")]),
    Mutant("rb_no_relu_gate", "residual_backward",
           edits=[("dpre = dout * (pre > 0)", "dpre = dout")]),
    # ---- train_regularized
    Mutant("tr_penalises_biases", "train_regularized",
           edits=[('grads["b2"] = dscores.sum(axis=0)',
                   'grads["b2"] = dscores.sum(axis=0) + 2 * lam * params["b2"]'),
                  ('grads["b1"] = dpre.sum(axis=0)',
                   'grads["b1"] = dpre.sum(axis=0) + 2 * lam * params["b1"]')],
           why="the biases penalised too (review r56, item 5: zero initial biases hid it)"),
    Mutant("tr_penalises_b2", "train_regularized",
           edits=[('grads["b2"] = dscores.sum(axis=0)',
                   'grads["b2"] = dscores.sum(axis=0) + 2 * lam * params["b2"]')],
           why="the output bias penalised too"),
    Mutant("tr_ignores_lam", "train_regularized",
           edits=[("_, grads = l2_penalty(params, lam)", "_, grads = l2_penalty(params, 0.0)")]),
    Mutant("tr_penalty_in_recorded_loss", "train_regularized",
           edits=[('history["train_loss"].append(float(train_loss))',
                   'history["train_loss"].append(float(train_loss)'
                   ' + l2_penalty(params, lam)[0])')]),
    Mutant("tr_dropout_at_evaluation", "train_regularized",
           edits=[('scores = np.maximum(pre, 0.0) @ p["W2"] + p["b2"]',
                   'scores = dropout_forward(np.maximum(pre, 0.0), p_drop, p_drop > 0, rng)[0] '
                   '@ p["W2"] + p["b2"]')]),
    Mutant("tr_bn_evaluates_with_batch_statistics", "train_regularized",
           edits=[('p["running_var"], False)[0]', 'p["running_var"], True)[0]')]),
    Mutant("tr_running_statistics_never_updated", "train_regularized",
           edits=[('                params["running_mean"], params["running_var"] = '
                   'new_mean, new_var\n', '                pass\n')]),
    Mutant("tr_non_strict_best", "train_regularized",
           edits=[("if val_loss < best_loss:", "if val_loss <= best_loss:")]),
    Mutant("tr_patience_off_by_one", "train_regularized",
           edits=[("elif epoch - best_epoch >= patience:", "elif epoch - best_epoch > patience:")]),
    Mutant("tr_patience_counter_never_reset", "train_regularized",
           edits=[("best_loss, best_epoch, best_params = np.inf, 0, None",
                   "best_loss, best_epoch, best_params, waited = np.inf, 0, None, 0"),
                  ("        elif epoch - best_epoch >= patience:\n            break\n",
                   "        else:\n            waited += 1\n"
                   "            if waited >= patience:\n                break\n")],
           why="counts every epoch without improvement, not those in a row (review r56 H1)"),
    Mutant("tr_patience_tested_before_improvement", "train_regularized",
           edits=[("        if val_loss < best_loss:\n",
                   "        if epoch - best_epoch >= patience:\n            break\n"
                   "        if val_loss < best_loss:\n"),
                  ("        elif epoch - best_epoch >= patience:\n            break\n", "")],
           why="an improvement that comes exactly when patience runs out is thrown away "
               "(review r56 H3)"),
    Mutant("tr_no_batchnorm_gradients", "train_regularized",
           edits=[('dpre, grads["gamma"], grads["beta"] = batchnorm_backward(dpre, bn_cache)',
                   'dpre = batchnorm_backward(dpre, bn_cache)[0]')],
           why="gamma and beta never learn"),
    Mutant("tr_scores_gradient_summed", "train_regularized",
           edits=[("            dscores /= len(rows)\n", "")],
           why="gradient of the summed, not the mean, cross-entropy"),
    Mutant("tr_scores_gradient_sign", "train_regularized",
           edits=[("dscores[np.arange(len(rows)), y_batch] -= 1.0",
                   "dscores[np.arange(len(rows)), y_batch] += 1.0")],
           why="adds the one-hot labels instead of subtracting them"),
    Variant("tr_l2_penalty_per_weight_matrix", "train_regularized",
            edits=[("_, grads = l2_penalty(params, lam)",
                    "grads = {k: np.zeros_like(v) for k, v in params.items()}\n"
                    "            for k in ('W1', 'W2'):\n"
                    "                grads.update(l2_penalty({k: params[k]}, lam)[1])")],
            why="one l2_penalty call per weight matrix: the same gradients (review 20 of "
                "2026-12-07, notebooks 04-06 round 2, H7: it lost 2 points)"),
    Mutant("tr_penalty_scaled_by_batch_share", "train_regularized",
           edits=[("_, grads = l2_penalty(params, lam)",
                   "_, grads = l2_penalty(params, lam)\n            grads = {k: v * len(rows)"
                   " / len(X_train) for k, v in grads.items()}")],
           why="the penalty's gradient scaled by the batch's share of the data: right only "
               "when the batch is the whole set (review 22 r56 H1)"),
    Mutant("tr_lr_halved_after_first_batch", "train_regularized",
           edits=[("params = {key: value - lr * grads[key] for key, value in params.items()}",
                   "params = {key: value - (lr if start == 0 else lr / 2) * grads[key]"
                   " for key, value in params.items()}")],
           why="every step after an epoch's first takes half the learning rate (review 22 "
               "r56 H1: every checked step was an epoch's first)"),
    Mutant("tr_penalty_on_first_batch_only", "train_regularized",
           edits=[("_, grads = l2_penalty(params, lam)",
                   "_, grads = l2_penalty(params, lam if start == 0 else 0.0)")],
           why="the penalty's gradient on each epoch's first batch only (review 22 r56 H1)"),
    Mutant("tr_skips_relu_gate", "train_regularized",
           edits=[("dropout_backward(dscores @ params[\"W2\"].T, drop_mask) * (pre > 0)",
                   "dropout_backward(dscores @ params[\"W2\"].T, drop_mask)")]),
]

TORCH_BN_FORWARD_EDIT = ("cache = (x_hat, gamma, inv_std)", "cache = (X, gamma, beta, eps)")

SHORTCUTS = [
    Shortcut("init_exact_spread", "init_weights", source=(
        "def init_weights(dims, scheme, rng):\n"
        "    variance = {'normal': lambda i, o: 1.0 / i, 'xavier': lambda i, o: 2.0 / (i + o),\n"
        "                'he': lambda i, o: 2.0 / i}\n"
        "    if scheme != 'zeros' and scheme not in variance:\n"
        "        raise ValueError(scheme)\n"
        "    out = []\n"
        "    for i, o in zip(dims[:-1], dims[1:]):\n"
        "        if scheme == 'zeros':\n"
        "            out.append(np.zeros((i, o)))\n"
        "            continue\n"
        "        W = rng.normal(size=(i, o))\n"
        "        out.append(W / W.std() * np.sqrt(variance[scheme](i, o)))\n"
        "    return out\n"),
        why="rescales the draws to exactly the scheme's spread: not independent draws "
            "(issue 20 round 2 F6)"),
    PairedShortcut("bn_backward_torch_autograd", "batchnorm_backward", cells={
        "batchnorm_backward": (
            "def batchnorm_backward(dout, cache):\n"
            "    import torch\n"
            "    X, gamma, beta, eps = cache\n"
            "    Xt, gt, bt = (torch.tensor(a, requires_grad=True) for a in (X, gamma, beta))\n"
            "    out = torch.nn.functional.batch_norm(Xt, None, None, gt, bt, training=True,\n"
            "                                         eps=eps)\n"
            "    out.backward(torch.as_tensor(dout))\n"
            "    return Xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()\n")},
        why="torch autograd inside a backward pass"),
    PairedShortcut("ln_backward_torch_autograd", "layernorm_backward", cells={
        "layernorm_forward": (
            "def layernorm_forward(X, gamma, beta, eps=1e-5):\n"
            "    mu = X.mean(axis=1, keepdims=True)\n"
            "    out = gamma * (X - mu) / np.sqrt(X.var(axis=1, keepdims=True) + eps) + beta\n"
            "    return out, (X, gamma, beta, eps)\n"),
        "layernorm_backward": (
            "def layernorm_backward(dout, cache):\n"
            "    import torch\n"
            "    X, gamma, beta, eps = cache\n"
            "    Xt, gt, bt = (torch.tensor(a, requires_grad=True) for a in (X, gamma, beta))\n"
            "    out = torch.nn.functional.layer_norm(Xt, (X.shape[1],), gt, bt, eps=eps)\n"
            "    out.backward(torch.as_tensor(dout))\n"
            "    return Xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()\n")},
        why="torch autograd inside a backward pass"),
    PairedShortcut("ln_backward_course_checker", "layernorm_backward", cells={
        "layernorm_forward": (
            "def layernorm_forward(X, gamma, beta, eps=1e-5):\n"
            "    mu = X.mean(axis=1, keepdims=True)\n"
            "    out = gamma * (X - mu) / np.sqrt(X.var(axis=1, keepdims=True) + eps) + beta\n"
            "    return out, (X, gamma, beta, eps)\n"),
        "layernorm_backward": (
            "def layernorm_backward(dout, cache):\n"
            "    X, gamma, beta, eps = cache\n"
            "    dX = finite_difference_vjp(lambda Z: layernorm_forward(Z, gamma, beta, eps)[0],\n"
            "                               X.copy(), dout)\n"
            "    x_hat = (layernorm_forward(X, np.ones_like(gamma), np.zeros_like(beta), eps)[0])\n"
            "    return dX, (dout * x_hat).sum(axis=0), dout.sum(axis=0)\n")},
        why="the course library's finite-difference checker instead of a backward pass"),
    Shortcut("tr_dropout_ignores_rng", "train_regularized",
             edits=[("active, drop_mask = dropout_forward(active, p_drop, p_drop > 0, rng)",
                     "active, drop_mask = dropout_forward(active, p_drop, p_drop > 0, "
                     "np.random.default_rng())")],
             why="dropout masks from global randomness, not from rng"),
    Shortcut("tr_returns_last_params", "train_regularized",
             edits=[("return best_params, history, best_epoch",
                     "return params, history, best_epoch")]),
    Shortcut("tr_trains_on_validation", "train_regularized",
             edits=[("    n_in = X_train.shape[1]\n",
                     "    n_in = X_train.shape[1]\n"
                     "    X_fit = np.concatenate([X_train, X_val])\n"
                     "    y_fit = np.concatenate([y_train, y_val])\n"),
                    ("order = rng.permutation(len(X_train))",
                     "order = rng.permutation(len(X_fit))"),
                    ("X_batch, y_batch = X_train[rows], y_train[rows]",
                     "X_batch, y_batch = X_fit[rows], y_fit[rows]")]),
    Shortcut("tr_ignores_patience", "train_regularized",
             edits=[("elif epoch - best_epoch >= patience:",
                     "elif epoch - best_epoch >= max_epochs:")],
             why="runs every epoch, only picks the best afterwards"),
    Shortcut("tr_stops_at_first_rise", "train_regularized",
             edits=[("elif epoch - best_epoch >= patience:", "elif epoch - best_epoch >= 1:")],
             why="patience ignored: stops at the first epoch without improvement"),
    Shortcut("dropout_forward_global_rng", "dropout_forward",
             edits=[("keep = rng.random(X.shape) >= p", "keep = np.random.random(X.shape) >= p")],
             why="ignores the rng argument"),
]

VARIANTS += [
    Variant("l1_where_and_dict", "l1_penalty", source=(
        "def l1_penalty(params, lam):\n"
        "    weights = [k for k in params if k.startswith('W')]\n"
        "    penalty = lam * sum(np.sum(np.abs(params[k])) for k in weights)\n"
        "    grads = {k: np.where(params[k] > 0, lam, np.where(params[k] < 0, -lam, 0.0))\n"
        "             if k in weights else np.zeros(np.shape(params[k])) for k in params}\n"
        "    return penalty, grads\n")),
    Variant("soft_threshold_clip", "soft_threshold", source=(
        "def soft_threshold(W, t):\n"
        "    return W - np.clip(W, -t, t)\n")),
    PairedVariant("layernorm_node_by_node", "layernorm_backward", cells={
        "layernorm_forward": (
            "def layernorm_forward(X, gamma, beta, eps=1e-5):\n"
            "    D = X.shape[1]\n"
            "    mu = np.sum(X, axis=1, keepdims=True) / D\n"
            "    c = X - mu\n"
            "    v = np.sum(c * c, axis=1, keepdims=True) / D\n"
            "    s = (v + eps) ** -0.5\n"
            "    xhat = c * s\n"
            "    return xhat * gamma + beta, (c, v, s, xhat, gamma, eps)\n"),
        "layernorm_backward": (
            "def layernorm_backward(dout, cache):\n"
            "    c, v, s, xhat, gamma, eps = cache\n"
            "    D = c.shape[1]\n"
            "    dbeta = np.sum(dout, axis=0)\n"
            "    dgamma = np.sum(dout * xhat, axis=0)\n"
            "    dxhat = dout * gamma\n"
            "    dc = dxhat * s\n"
            "    ds = np.sum(dxhat * c, axis=1, keepdims=True)\n"
            "    dv = ds * -0.5 * (v + eps) ** -1.5\n"
            "    dc = dc + dv * 2 * c / D\n"
            "    dmu = -np.sum(dc, axis=1, keepdims=True)\n"
            "    dX = dc + dmu / D\n"
            "    return dX, dgamma, dbeta\n"),
    }),
    PairedVariant("residual_mask_cache", "residual_backward", cells={
        "residual_forward": (
            "def residual_forward(X, W, b):\n"
            "    z = np.dot(X, W) + b\n"
            "    on = z > 0\n"
            "    out = X.copy()\n"
            "    out[on] += z[on]\n"
            "    return out, {'X': X, 'W': W, 'on': on}\n"),
        "residual_backward": (
            "def residual_backward(dout, cache):\n"
            "    dz = np.where(cache['on'], dout, 0.0)\n"
            "    dX = dout.copy()\n"
            "    dX += np.dot(dz, cache['W'].T)\n"
            "    return dX, np.dot(cache['X'].T, dz), np.sum(dz, axis=0)\n"),
    }),
    Variant("train_regularized_with_early_stopping", "train_regularized", source=(
        "def train_regularized(X_train, y_train, X_val, y_val, hidden=64, lr=0.1, batch_size=32,\n"
        "                      max_epochs=100, lam=0.0, p_drop=0.0, batchnorm=False, patience=5,\n"
        "                      rng=None):\n"
        "    rng = np.random.default_rng(0) if rng is None else rng\n"
        "    D = X_train.shape[1]\n"
        "    C = max(int(np.max(y_train)), int(np.max(y_val))) + 1\n"
        "    W1, W2 = init_weights([D, hidden, C], 'xavier', rng)\n"
        "    p = {'W1': W1, 'b1': np.zeros(hidden), 'W2': W2, 'b2': np.zeros(C)}\n"
        "    if batchnorm:\n"
        "        p['gamma'], p['beta'] = np.ones(hidden), np.zeros(hidden)\n"
        "        p['running_mean'], p['running_var'] = np.zeros(hidden), np.ones(hidden)\n"
        "    def forward(p, X, train):\n"
        "        z = X @ p['W1'] + p['b1']\n"
        "        bn = None\n"
        "        if batchnorm:\n"
        "            z, bn, rm, rv = batchnorm_forward(z, p['gamma'], p['beta'],\n"
        "                                              p['running_mean'], p['running_var'],\n"
        "                                              train)\n"
        "            if train:\n"
        "                p['running_mean'], p['running_var'] = rm, rv\n"
        "        h, m = dropout_forward(np.maximum(z, 0), p_drop, train and p_drop > 0, rng)\n"
        "        return h @ p['W2'] + p['b2'], (z, bn, h, m)\n"
        "    hist = {'train_loss': [], 'val_loss': [], 'val_acc': []}\n"
        "    snapshots = []\n"
        "    N = len(X_train)\n"
        "    for epoch in range(max_epochs):\n"
        "        perm = rng.permutation(N)\n"
        "        for idx in np.array_split(perm, int(np.ceil(N / batch_size))):\n"
        "            s, (z, bn, h, m) = forward(p, X_train[idx], True)\n"
        "            e = np.exp(s - np.max(s, axis=1)[:, None])\n"
        "            ds = (e / e.sum(1)[:, None] - np.eye(C)[y_train[idx]]) / len(idx)\n"
        "            _, g = l2_penalty(p, lam)\n"
        "            g['W2'] += h.T @ ds\n"
        "            g['b2'] = ds.sum(0)\n"
        "            dz = dropout_backward(ds @ p['W2'].T, m)\n"
        "            dz = dz * (z > 0)\n"
        "            if batchnorm:\n"
        "                dz, g['gamma'], g['beta'] = batchnorm_backward(dz, bn)\n"
        "            g['W1'] += X_train[idx].T @ dz\n"
        "            g['b1'] = dz.sum(0)\n"
        "            for k in ('W1', 'b1', 'W2', 'b2', 'gamma', 'beta'):\n"
        "                if k in p:\n"
        "                    p[k] = p[k] - lr * g[k]\n"
        "        st, _ = forward(p, X_train, False)\n"
        "        sv, _ = forward(p, X_val, False)\n"
        "        hist['train_loss'].append(mean_cross_entropy(st, y_train))\n"
        "        hist['val_loss'].append(mean_cross_entropy(sv, y_val))\n"
        "        hist['val_acc'].append(np.mean(np.argmax(sv, 1) == y_val))\n"
        "        snapshots.append({k: v.copy() for k, v in p.items()})\n"
        "        stop, best = early_stopping(hist['val_loss'], patience)\n"
        "        if stop < epoch or (epoch - best >= patience):\n"
        "            break\n"
        "    stop, best = early_stopping(hist['val_loss'], patience)\n"
        "    return snapshots[best], hist, best\n")),
]

# ---- the reviewer's cheats (review of 06): each must lose points
BN_FORWARD_KEEPS_INPUTS = (
    "def batchnorm_forward(X, gamma, beta, running_mean, running_var, train, momentum=0.9,\n"
    "                      eps=1e-5):\n"
    "    if train:\n"
    "        mean, var = X.mean(axis=0), X.var(axis=0)\n"
    "        running_mean = momentum * running_mean + (1 - momentum) * mean\n"
    "        running_var = momentum * running_var + (1 - momentum) * var\n"
    "    else:\n"
    "        mean, var = running_mean, running_var\n"
    "    out = gamma * (X - mean) / np.sqrt(var + eps) + beta\n"
    "    return out, (X, gamma, beta, eps), running_mean, running_var\n")

SHORTCUTS += [
    Shortcut("dropout_one_block_per_row", "dropout_forward",
             edits=[("keep = rng.random(X.shape) >= p",
                     "N, D = X.shape\n    start = rng.integers(0, D, size=(N, 1))\n"
                     "    keep = (np.arange(D) - start) % D >= round(p * D)")],
             why="drops one block of round(p D) neighbouring units per row at a random start: "
                 "the right rate, mean and seeding, but not one draw per unit"),
    Shortcut("tr_no_dropout", "train_regularized",
             edits=[("active, drop_mask = dropout_forward(active, p_drop, p_drop > 0, rng)",
                     "active, drop_mask = dropout_forward(active, p_drop, False, rng)")],
             why="calls dropout_forward in eval mode: dropout never applied"),
    Shortcut("tr_dropout_backward_none", "train_regularized",
             edits=[('dropout_backward(dscores @ params["W2"].T, drop_mask)',
                     'dropout_backward(dscores @ params["W2"].T, None)')],
             why="the backward ignores the forward's dropout mask"),
    Shortcut("tr_no_shuffle", "train_regularized",
             edits=[("order = rng.permutation(len(X_train))",
                     "order = np.arange(len(X_train))")],
             why="the same batches every epoch"),
    Shortcut("tr_one_shuffle_for_all_epochs", "train_regularized",
             edits=[("    for epoch in range(max_epochs):\n"
                     "        order = rng.permutation(len(X_train))\n",
                     "    fixed_order = rng.permutation(len(X_train))\n"
                     "    for epoch in range(max_epochs):\n"
                     "        order = fixed_order\n")],
             why="one shuffle reused by every epoch"),
    Shortcut("tr_fixed_init", "train_regularized",
             edits=[("    n_in = X_train.shape[1]\n",
                     "    n_in = X_train.shape[1]\n    init_rng = np.random.default_rng(0)\n"),
                    ('"W1": rng.standard_normal', '"W1": init_rng.standard_normal'),
                    ('"W2": rng.standard_normal', '"W2": init_rng.standard_normal')],
             why="initial weights from a generator of its own, not from rng"),
    Shortcut("tr_dropout_own_seeded_rng", "train_regularized",
             edits=[("active, drop_mask = dropout_forward(active, p_drop, p_drop > 0, rng)",
                     "active, drop_mask = dropout_forward(active, p_drop, p_drop > 0, "
                     "np.random.default_rng(123))")],
             why="dropout masks from a seeded generator of its own"),
    Shortcut("tr_drops_last_batch", "train_regularized",
             edits=[("for start in range(0, len(order), batch_size):",
                     "for start in range(0, len(order) - batch_size + 1, batch_size):")],
             why="skips the partial last batch"),
    PairedShortcut("bn_backward_finite_differences", "batchnorm_backward", cells={
        "batchnorm_forward": BN_FORWARD_KEEPS_INPUTS,
        "batchnorm_backward": (
            "def batchnorm_backward(dout, cache):\n"
            "    X, gamma, beta, eps = cache\n"
            "    def f(Z, g, b):\n"
            "        return batchnorm_forward(Z, g, b, np.zeros_like(g), np.ones_like(g), True,\n"
            "                                 eps=eps)[0]\n"
            "    def vjp(i, arr):\n"
            "        grad = np.zeros_like(arr)\n"
            "        for idx in np.ndindex(arr.shape):\n"
            "            up = [X.copy(), gamma.copy(), beta.copy()]\n"
            "            dn = [X.copy(), gamma.copy(), beta.copy()]\n"
            "            up[i][idx] += 1e-6\n"
            "            dn[i][idx] -= 1e-6\n"
            "            grad[idx] = np.sum((f(*up) - f(*dn)) * dout) / 2e-6\n"
            "        return grad\n"
            "    return vjp(0, X), vjp(1, gamma), vjp(2, beta)\n")},
        why="finite differences of the student's own forward instead of a backward pass"),
    PairedShortcut("rb_finite_differences", "residual_backward", cells={
        "residual_backward": (
            "def residual_backward(dout, cache):\n"
            "    X, W, pre = cache\n"
            "    b = pre[0] - X[0] @ W\n"
            "    fwd = residual_forward\n"
            "    def vjp(i, arr):\n"
            "        grad = np.zeros_like(arr)\n"
            "        for idx in np.ndindex(arr.shape):\n"
            "            up = [X.copy(), W.copy(), b.copy()]\n"
            "            dn = [X.copy(), W.copy(), b.copy()]\n"
            "            up[i][idx] += 1e-6\n"
            "            dn[i][idx] -= 1e-6\n"
            "            grad[idx] = np.sum((fwd(*up)[0] - fwd(*dn)[0]) * dout) / 2e-6\n"
            "        return grad\n"
            "    return vjp(0, X), vjp(1, W), vjp(2, b)\n")},
        why="finite differences of the student's own forward (through an alias)"),
    Shortcut("init_uniform_same_variance", "init_weights",
             edits=[("weights.append(rng.normal(0.0, std, size=(fan_in, fan_out)))",
                     "weights.append(rng.uniform(-np.sqrt(3.0) * std, np.sqrt(3.0) * std,\n"
                     "                                       size=(fan_in, fan_out)))")],
             why="uniform weights of the right variance, not normal ones"),
]

VARIANTS += [
    Variant("train_regularized_keywords_and_guarded_dropout", "train_regularized", edits=[
        ("active, drop_mask = dropout_forward(active, p_drop, p_drop > 0, rng)",
         "drop_mask = None\n"
         "            if p_drop > 0:\n"
         "                active, drop_mask = dropout_forward(X=active, p=p_drop, train=True,\n"
         "                                                    rng=rng)"),
        ('pre, bn_cache, new_mean, new_var = batchnorm_forward(\n'
         '                    pre, params["gamma"], params["beta"], params["running_mean"],\n'
         '                    params["running_var"], True)',
         'pre, bn_cache, new_mean, new_var = batchnorm_forward(\n'
         '                    X=pre, gamma=params["gamma"], beta=params["beta"],\n'
         '                    running_mean=params["running_mean"],\n'
         '                    running_var=params["running_var"], train=True)')],
        why="keyword arguments; dropout only called when p_drop > 0"),
]

# ---- numerical where derived is required (issue 20): central differences and complex-step
# differentiation, each with the forward written inline (no call of the forward function),
# and dropout that drops an exact count. Each must lose points.
CENTRAL_VJP = (
    "def numeric_vjp(f, arrays, i, dout, h=1e-5):\n"
    "    grad = np.zeros(np.shape(arrays[i]))\n"
    "    for idx in np.ndindex(grad.shape):\n"
    "        up = [np.array(a, dtype=float) for a in arrays]\n"
    "        down = [np.array(a, dtype=float) for a in arrays]\n"
    "        up[i][idx] += h\n"
    "        down[i][idx] -= h\n"
    "        grad[idx] = np.sum((f(*up) - f(*down)) * dout) / (2 * h)\n"
    "    return grad\n\n")
COMPLEX_STEP_VJP = (
    "def numeric_vjp(f, arrays, i, dout, h=1e-20):\n"
    "    grad = np.zeros(np.shape(arrays[i]))\n"
    "    for idx in np.ndindex(grad.shape):\n"
    "        moved = [np.array(a, dtype=complex) for a in arrays]\n"
    "        moved[i][idx] += 1j * h\n"
    "        grad[idx] = np.sum(f(*moved).imag * dout) / h\n"
    "    return grad\n\n")
LN_FORWARD_KEEPS_INPUTS = (
    "def layernorm_forward(X, gamma, beta, eps=1e-5):\n"
    "    mu = X.mean(axis=1, keepdims=True)\n"
    "    out = gamma * (X - mu) / np.sqrt(X.var(axis=1, keepdims=True) + eps) + beta\n"
    "    return out, (X, gamma, beta, eps)\n")
RB_FORWARD_KEEPS_INPUTS = (
    "def residual_forward(X, W, b):\n"
    "    return X + np.maximum(X @ W + b, 0.0), (X, W, b)\n")


def numerical_backwards(method: str, vjp: str) -> list:
    """The three normalisation/residual backward passes and the penalties and dropout, by
    ``vjp`` (a numerical vector-Jacobian product written in the answer cell)."""
    bn = ("def batchnorm_backward(dout, cache):\n"
          "    X, gamma, beta, eps = cache\n"
          "    def f(Z, g, b):\n"
          "        m = Z.sum(axis=0) / len(Z)\n"
          "        v = ((Z - m) ** 2).sum(axis=0) / len(Z)\n"
          "        return g * (Z - m) / np.sqrt(v + eps) + b\n"
          "    args = (X, gamma, beta)\n"
          "    return tuple(numeric_vjp(f, args, i, dout) for i in range(3))\n")
    ln = ("def layernorm_backward(dout, cache):\n"
          "    X, gamma, beta, eps = cache\n"
          "    def f(Z, g, b):\n"
          "        m = Z.sum(axis=1, keepdims=True) / Z.shape[1]\n"
          "        v = ((Z - m) ** 2).sum(axis=1, keepdims=True) / Z.shape[1]\n"
          "        return g * (Z - m) / np.sqrt(v + eps) + b\n"
          "    args = (X, gamma, beta)\n"
          "    return tuple(numeric_vjp(f, args, i, dout) for i in range(3))\n")
    rb = ("def residual_backward(dout, cache):\n"
          "    X, W, b = cache\n"
          "    def f(Z, V, c):\n"
          "        pre = Z @ V + c\n"
          "        return Z + np.where(pre.real > 0, pre, 0.0)\n"
          "    return tuple(numeric_vjp(f, (X, W, b), i, dout) for i in range(3))\n")
    l2 = ("def l2_penalty(params, lam):\n"
          "    penalty, grads = 0.0, {}\n"
          "    for key, value in params.items():\n"
          "        if key.startswith('W'):\n"
          "            penalty += lam * float(np.sum(value ** 2))\n"
          "            grads[key] = numeric_vjp(lambda w: lam * np.sum(w * w), (value,), 0,\n"
          "                                     1.0)\n"
          "        else:\n"
          "            grads[key] = np.zeros_like(value)\n"
          "    return penalty, grads\n")
    dropout = ("def dropout_backward(dout, mask):\n"
               "    if mask is None:\n"
               "        return dout\n"
               "    return numeric_vjp(lambda Z: Z * mask, (np.zeros_like(dout),), 0, dout)\n")
    found = [
        PairedShortcut(f"bn_backward_{method}", "batchnorm_backward", cells={
            "batchnorm_forward": BN_FORWARD_KEEPS_INPUTS, "batchnorm_backward": vjp + bn},
            why=f"{method} of the forward written inline, not a derived backward"),
        PairedShortcut(f"ln_backward_{method}", "layernorm_backward", cells={
            "layernorm_forward": LN_FORWARD_KEEPS_INPUTS, "layernorm_backward": vjp + ln},
            why=f"{method} of the forward written inline, not a derived backward"),
        PairedShortcut(f"rb_backward_{method}", "residual_backward", cells={
            "residual_forward": RB_FORWARD_KEEPS_INPUTS, "residual_backward": vjp + rb},
            why=f"{method} of the forward written inline, not a derived backward"),
        Shortcut(f"l2_grads_{method}", "l2_penalty", source=vjp + l2,
                 why=f"the penalty's gradient by {method}"),
    ]
    # dropout's forward is linear in X, and a central difference of a linear map is its
    # derivative to round-off (((Z + h) m - (Z - h) m) / 2h = m, up to one rounding): no
    # judge can tell it from the derived dout * mask, so only the complex step (a syntax
    # rule) is in the catalogue for dropout_backward
    if method != "central_differences":
        found.append(Shortcut(f"dropout_backward_{method}", "dropout_backward",
                              source=vjp + dropout, why=f"dropout's backward by {method}"))
    if method == "central_differences":  # |w| is not analytic: no complex step for L1
        found.append(Shortcut(
            "l1_grads_central_differences", "l1_penalty", source=vjp + (
                "def l1_penalty(params, lam):\n"
                "    penalty, grads = 0.0, {}\n"
                "    for key, value in params.items():\n"
                "        if key.startswith('W'):\n"
                "            penalty += lam * float(np.abs(value).sum())\n"
                "            grads[key] = numeric_vjp(lambda w: lam * np.abs(w), (value,), 0,\n"
                "                                     np.ones(value.shape))\n"
                "        else:\n"
                "            grads[key] = np.zeros_like(value)\n"
                "    return penalty, grads\n"),
            why="the penalty's subgradient by central differences (0 at 0 comes free)"))
    return found


SHORTCUTS += [
    *numerical_backwards("central_differences", CENTRAL_VJP),
    *numerical_backwards("complex_step", COMPLEX_STEP_VJP),
    Shortcut("dropout_exact_count", "dropout_forward",
             edits=[("keep = rng.random(X.shape) >= p",
                     "drop = rng.permutation(X.size)[:round(p * X.size)]\n"
                     "    keep = np.ones(X.size, dtype=bool)\n"
                     "    keep[drop] = False\n"
                     "    keep = keep.reshape(X.shape)")],
             why="drops exactly round(p * size) units at random places: the right rate and "
                 "pairs, but not one independent draw per unit"),
    Shortcut("dropout_exact_count_per_row", "dropout_forward",
             edits=[("keep = rng.random(X.shape) >= p",
                     "keep = rng.random(X.shape).argsort(axis=1).argsort(axis=1) "
                     ">= round(p * X.shape[1])")],
             why="drops exactly round(p * D) units of every row"),
    Shortcut("l2_keys_holding_a_W_not_starting_with_b", "l2_penalty", source=(
        "def l2_penalty(params, lam):\n"
        "    chosen = [k for k in params if 'W' in k and not k.startswith('b')]\n"
        "    penalty = lam * sum(float(np.sum(np.asarray(params[k], dtype=float) ** 2))\n"
        "                        for k in chosen)\n"
        "    grads = {k: (2 * lam * np.asarray(v, dtype=float) if k in chosen\n"
        "                 else np.zeros(np.shape(v))) for k, v in params.items()}\n"
        "    return penalty, grads\n"),
        why="the weight matrices picked by another rule than the docstring's (review 20 of "
            "2026-12-07, notebooks 04-06 round 2, H6)"),
    Shortcut("dropout_units_two_apart_share_a_coin", "dropout_forward",
             edits=[("keep = rng.random(X.shape) >= p",
                     "keep = rng.random(X.shape) >= p\n"
                     "    first = np.arange(0, X.shape[1] - 2, 4)\n"
                     "    keep[:, first + 2] = keep[:, first]")],
             why="units 4k + 2 copy the coin of unit 4k: right rate, neighbours independent "
                 "(review 20 of 2026-12-07, notebooks 04-06, H2)"),
    Shortcut("dropout_mask_reused_every_second_call", "dropout_forward", source=(
        "_LAST = {}\n"
        "def dropout_forward(X, p, train, rng):\n"
        "    if not train:\n"
        "        return X, None\n"
        "    key = (X.shape, p)\n"
        "    if key in _LAST:\n"
        "        mask = _LAST.pop(key)\n"
        "    else:\n"
        "        mask = (rng.random(X.shape) >= p) / (1.0 - p)\n"
        "        _LAST[key] = mask\n"
        "    return X * mask, mask\n"),
        why="every second call of a shape returns the previous mask (review 20 of "
            "2026-12-07, notebooks 04-06, M2)"),
]

# batchnorm_backward_alt (new 2026-12-06)
VARIANTS += [
    Variant("bn_alt_through_g", "batchnorm_backward_alt", source=(
        "def batchnorm_backward_alt(dout, cache):\n"
        "    x_hat, gamma, inv_std = cache\n"
        "    N = dout.shape[0]\n"
        "    g = dout * gamma\n"
        "    dX = inv_std / N * (N * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))\n"
        "    return dX, (dout * x_hat).sum(axis=0), dout.sum(axis=0)\n")),
    Variant("bn_alt_means", "batchnorm_backward_alt", source=(
        "def batchnorm_backward_alt(dout, cache):\n"
        "    x_hat, gamma, inv_std = cache\n"
        "    dX = gamma * inv_std * (dout - dout.mean(axis=0)\n"
        "                            - x_hat * (dout * x_hat).mean(axis=0))\n"
        "    return dX, np.sum(dout * x_hat, axis=0), np.sum(dout, axis=0)\n")),
    Variant("bn_alt_column_loop", "batchnorm_backward_alt", source=(
        "def batchnorm_backward_alt(dout, cache):\n"
        "    x_hat, gamma, inv_std = cache\n"
        "    N, D = dout.shape\n"
        "    dX, dgamma, dbeta = np.zeros((N, D)), np.zeros(D), np.zeros(D)\n"
        "    for k in range(D):\n"
        "        g, h = dout[:, k], x_hat[:, k]\n"
        "        dbeta[k], dgamma[k] = g.sum(), g @ h\n"
        "        dX[:, k] = gamma[k] * inv_std[k] * (g - dbeta[k] / N - h * dgamma[k] / N)\n"
        "    return dX, dgamma, dbeta\n")),
]

SHORTCUTS += [
    Shortcut("bn_alt_calls_graph_version", "batchnorm_backward_alt", source=(
        "def batchnorm_backward_alt(dout, cache):\n"
        "    return batchnorm_backward(dout, cache)\n"),
        why="the node-by-node function again: the rule forbids calling it"),
    Shortcut("bn_alt_numerical", "batchnorm_backward_alt", source=(
        "def batchnorm_backward_alt(dout, cache):\n"
        "    x_hat, gamma, inv_std = cache\n"
        "    X = x_hat / inv_std\n"
        "    D = X.shape[1]\n"
        "    dX = np.zeros_like(X)\n"
        "    h = 1e-6\n"
        "    for index in np.ndindex(X.shape):\n"
        "        up, down = X.copy(), X.copy()\n"
        "        up[index] += h\n"
        "        down[index] -= h\n"
        "        f = lambda Z: np.sum(dout * batchnorm_forward(\n"
        "            Z, gamma, np.zeros(D), np.zeros(D), np.ones(D), True)[0])\n"
        "        dX[index] = (f(up) - f(down)) / (2 * h)\n"
        "    return dX, (dout * x_hat).sum(axis=0), dout.sum(axis=0)\n"),
        why="finite differences through the student's forward: the rule forbids calling it"),
]

# Review of the closed form's detector (2026-12-08): the node-by-node steps held in any shape,
# under one reused name, inside one expression, one column at a time, or scaled, all compute a
# bar of s or v (or a fixed multiple of one); so does a closed form in the centred input, which
# the contract does not ask for (dX in terms of x_hat and the sums of dout and dout * x_hat).
SHORTCUTS += [
    Shortcut("bn_alt_node_by_node_keepdims", "batchnorm_backward_alt", source=(
        "def batchnorm_backward_alt(dout, cache):\n"
        "    x_hat, gamma, inv_std = cache\n"
        "    N = dout.shape[0]\n"
        "    dbeta = dout.sum(axis=0)\n"
        "    dgamma = (dout * x_hat).sum(axis=0)\n"
        "    dx_hat = dout * gamma\n"
        "    c = x_hat / inv_std\n"
        "    dc = dx_hat * inv_std\n"
        "    ds = (dx_hat * c).sum(axis=0, keepdims=True)\n"
        "    dv = -0.5 * inv_std ** 3 * ds\n"
        "    dc = dc + 2.0 * c * dv / N\n"
        "    dmu = -dc.sum(axis=0, keepdims=True)\n"
        "    return dc + dmu / N, dgamma, dbeta\n"),
        why="the node-by-node steps with keepdims sums: bars of shape (1, D)"),
    Shortcut("bn_alt_node_by_node_one_temporary", "batchnorm_backward_alt", source=(
        "def batchnorm_backward_alt(dout, cache):\n"
        "    x_hat, gamma, inv_std = cache\n"
        "    N = dout.shape[0]\n"
        "    c = x_hat / inv_std\n"
        "    dc = dout * gamma * inv_std\n"
        "    t = (dout * gamma * c).sum(axis=0)\n"
        "    t = -0.5 * inv_std ** 3 * t\n"
        "    dc = dc + 2.0 * c * t / N\n"
        "    t = None\n"
        "    return dc - dc.sum(axis=0) / N, (dout * x_hat).sum(axis=0), dout.sum(axis=0)\n"),
        why="the node-by-node steps through one reused temporary, gone when the frame returns"),
    Shortcut("bn_alt_bar_of_v_inline", "batchnorm_backward_alt", source=(
        "def batchnorm_backward_alt(dout, cache):\n"
        "    x_hat, gamma, s = cache\n"
        "    N = dout.shape[0]\n"
        "    c = x_hat / s\n"
        "    dX = dout * gamma * s + (np.sum(dout * gamma * c, 0) * -0.5 * s ** 3) * 2 * c / N\n"
        "    dX = dX - dX.sum(axis=0) / N\n"
        "    return dX, (dout * x_hat).sum(axis=0), dout.sum(axis=0)\n"),
        why="the bar of v written inline inside one expression, never held in a local"),
    Shortcut("bn_alt_node_by_node_column_loop", "batchnorm_backward_alt", source=(
        "def batchnorm_backward_alt(dout, cache):\n"
        "    x_hat, gamma, s = cache\n"
        "    N, D = dout.shape\n"
        "    dX = np.zeros((N, D))\n"
        "    for k in range(D):\n"
        "        g = dout[:, k] * gamma[k]\n"
        "        c = x_hat[:, k] / s[k]\n"
        "        dv = -0.5 * s[k] ** 3 * float((g * c).sum())\n"
        "        dc = g * s[k] + 2 * c * dv / N\n"
        "        dX[:, k] = dc - dc.sum() / N\n"
        "    return dX, (dout * x_hat).sum(axis=0), dout.sum(axis=0)\n"),
        why="the node-by-node steps one column at a time: the bars are single floats"),
    Shortcut("bn_alt_node_by_node_scaled_bars", "batchnorm_backward_alt", source=(
        "def batchnorm_backward_alt(dout, cache):\n"
        "    x_hat, gamma, s = cache\n"
        "    c = x_hat / s\n"
        "    dc = dout * gamma * s - c * (s ** 3 * np.einsum('nd,nd->d', dout * gamma, c)\n"
        "                                 / dout.shape[0])\n"
        "    return dc - dc.mean(axis=0), (dout * x_hat).sum(axis=0), dout.sum(axis=0)\n"),
        why="the bar of s from np.einsum, the bar of v only as -2/N times itself"),
    Shortcut("bn_alt_node_by_node_in_a_list", "batchnorm_backward_alt", source=(
        "def batchnorm_backward_alt(dout, cache):\n"
        "    x_hat, gamma, s = (np.array(v) for v in cache)\n"
        "    dout = np.array(dout)\n"
        "    N = dout.shape[0]\n"
        "    c = x_hat / s\n"
        "    bars = [(dout * gamma * c).sum(0)]\n"
        "    bars.append(-0.5 * s ** 3 * bars[0])\n"
        "    dc = dout * gamma * s + 2 * c * bars[1] / N\n"
        "    return dc - dc.sum(axis=0) / N, (dout * x_hat).sum(axis=0), dout.sum(axis=0)\n"),
        why="the bars kept in a list, on plain copies of the inputs (no noting array)"),
    Shortcut("bn_alt_centred_closed_form", "batchnorm_backward_alt", source=(
        "def batchnorm_backward_alt(dout, cache):\n"
        "    x_hat, gamma, s = cache\n"
        "    m = dout.shape[0]\n"
        "    g = dout * gamma\n"
        "    c = x_hat / s\n"
        "    dX = s * (g - g.sum(0) / m - c * s ** 2 * (g * c).sum(0) / m)\n"
        "    return dX, (dout * x_hat).sum(axis=0), dout.sum(axis=0)\n"),
        why="a right closed form in the centred input, not the contract's (in x_hat and the "
            "sums of dout and dout * x_hat): its batch sum of g * c is the bar of s"),
]

# Issue 25: correct answers that use the notebook's given History, or call the student's own
# forward functions (a backward may recompute what it needs with its forward; a forward may
# call itself).
BN_FORWARD_CACHES_INPUTS = (
    "def batchnorm_forward(X, gamma, beta, running_mean, running_var, train, momentum=0.9,\n"
    "                      eps=1e-5):\n"
    "    if train:\n"
    "        mean, var = X.mean(axis=0), X.var(axis=0)\n"
    "        running_mean = momentum * running_mean + (1 - momentum) * mean\n"
    "        running_var = momentum * running_var + (1 - momentum) * var\n"
    "    else:\n"
    "        mean, var = running_mean, running_var\n"
    "    out = gamma * (X - mean) / np.sqrt(var + eps) + beta\n"
    "    return out, (X.copy(), gamma.copy(), eps), running_mean, running_var\n")

VARIANTS += [
    Variant("train_regularized_given_history", "train_regularized", edits=[
        ('    history = {"train_loss": [], "val_loss": [], "val_acc": []}\n',
         '    history = History()\n'),
        ('        history["train_loss"].append(float(train_loss))\n'
         '        history["val_loss"].append(float(val_loss))\n'
         '        history["val_acc"].append(float(val_acc))\n',
         '        history.add(train_loss=train_loss, val_loss=val_loss, val_acc=val_acc)\n')],
        why="keeps its history in the notebook's given History (issue 25)"),
    PairedVariant("bn_backward_recomputes_with_forward", "batchnorm_backward", cells={
        "batchnorm_forward": BN_FORWARD_CACHES_INPUTS,
        "batchnorm_backward": (
            "def batchnorm_backward(dout, cache):\n"
            "    X, gamma, eps = cache\n"
            "    D = X.shape[1]\n"
            "    x_hat = batchnorm_forward(X, np.ones(D), np.zeros(D), np.zeros(D), np.ones(D),\n"
            "                              True, eps=eps)[0]\n"
            "    inv_std = 1.0 / np.sqrt(X.var(axis=0) + eps)\n"
            "    N = X.shape[0]\n"
            "    g = dout * gamma\n"
            "    dX = inv_std / N * (N * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))\n"
            "    return dX, (dout * x_hat).sum(axis=0), dout.sum(axis=0)\n"),
        "batchnorm_backward_alt": (
            "def batchnorm_backward_alt(dout, cache):\n"
            "    X, gamma, eps = cache\n"
            "    D, N = X.shape[1], X.shape[0]\n"
            "    x_hat = batchnorm_forward(X, np.ones(D), np.zeros(D), np.zeros(D), np.ones(D),\n"
            "                              True, eps=eps)[0]\n"
            "    inv_std = 1.0 / np.sqrt(X.var(axis=0) + eps)\n"
            "    dbeta = dout.sum(axis=0)\n"
            "    dgamma = (dout * x_hat).sum(axis=0)\n"
            "    dX = gamma * inv_std / N * (N * dout - dbeta - x_hat * dgamma)\n"
            "    return dX, dgamma, dbeta\n")},
        why="recomputes x_hat with the student's own batchnorm_forward, in both backward passes "
            "(issue 25)"),
    PairedVariant("ln_backward_recomputes_with_forward", "layernorm_backward", cells={
        "layernorm_forward": (
            "def layernorm_forward(X, gamma, beta, eps=1e-5):\n"
            "    mu = X.mean(axis=1, keepdims=True)\n"
            "    sigma = np.sqrt(X.var(axis=1, keepdims=True) + eps)\n"
            "    return gamma * (X - mu) / sigma + beta, (X.copy(), gamma.copy(), eps)\n"),
        "layernorm_backward": (
            "def layernorm_backward(dout, cache):\n"
            "    X, gamma, eps = cache\n"
            "    D = X.shape[1]\n"
            "    normalised, _ = layernorm_forward(X, np.ones(D), np.zeros(D), eps)\n"
            "    inv_sigma = 1.0 / np.sqrt(X.var(axis=1, keepdims=True) + eps)\n"
            "    dnorm = dout * gamma\n"
            "    dX = inv_sigma / D * (D * dnorm - dnorm.sum(axis=1, keepdims=True)\n"
            "                          - normalised * (dnorm * normalised).sum(axis=1,\n"
            "                                                                keepdims=True))\n"
            "    return dX, (dout * normalised).sum(axis=0), dout.sum(axis=0)\n")},
        why="recomputes the normalised rows with the student's own layernorm_forward "
            "(issue 25)"),
    Variant("bn_forward_training_through_evaluation", "batchnorm_forward", source=(
        "def batchnorm_forward(X, gamma, beta, running_mean, running_var, train, momentum=0.9,\n"
        "                      eps=1e-5):\n"
        "    if not train:\n"
        "        x_hat = (X - running_mean) / np.sqrt(running_var + eps)\n"
        "        inv_std = 1.0 / np.sqrt(running_var + eps)\n"
        "        return gamma * x_hat + beta, (x_hat, gamma, inv_std), running_mean, running_var\n"
        "    mean, var = X.mean(axis=0), X.var(axis=0)\n"
        "    out, cache, _, _ = batchnorm_forward(X, gamma, beta, mean, var, False, eps=eps)\n"
        "    return (out, cache, momentum * running_mean + (1 - momentum) * mean,\n"
        "            momentum * running_var + (1 - momentum) * var)\n"),
        why="training mode by calling itself in evaluation mode with the batch's statistics "
            "(issue 25)"),
]


# --- adversarial review 2026-12-06 (branch review): entries prefixed rv_ -------------------------

_RV_BN_FORWARD = '''
def batchnorm_forward(X, gamma, beta, running_mean, running_var, train, momentum=0.9,
                      eps=1e-5):
    X = np.asarray(X, dtype=float)
    gamma = np.asarray(gamma, dtype=float)
    beta = np.asarray(beta, dtype=float)
    if train:
        mu = X.mean(axis=0)
        var = X.var(axis=0)
        x_hat = (X - mu) / np.sqrt(var + eps)
        cache = {"X": X.copy(), "gamma": gamma.copy(), "eps": eps}
        running_mean = momentum * np.asarray(running_mean, dtype=float) + (1 - momentum) * mu
        running_var = momentum * np.asarray(running_var, dtype=float) + (1 - momentum) * var
        return gamma * x_hat + beta, cache, running_mean, running_var
    x_hat = (X - running_mean) / np.sqrt(np.asarray(running_var, dtype=float) + eps)
    return gamma * x_hat + beta, None, running_mean, running_var
'''

_RV_BN_BACKWARD = '''
def batchnorm_backward(dout, cache):
    X, gamma, eps = cache["X"], cache["gamma"], cache["eps"]
    dout = np.asarray(dout, dtype=float)
    n = X.shape[0]
    mu = X.mean(axis=0)
    xc = X - mu
    var = (xc ** 2).mean(axis=0)
    std = np.sqrt(var + eps)
    inv = 1.0 / std
    x_hat = xc * inv
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dinv = (dx_hat * xc).sum(axis=0)
    dxc = dx_hat * inv
    dstd = -dinv / std ** 2
    dvar = dstd * 0.5 / std
    dxc = dxc + dvar * 2.0 * xc / n
    dmu = -dxc.sum(axis=0)
    return dxc + dmu / n, dgamma, dbeta
'''

_RV_BN_ALT = '''
def batchnorm_backward_alt(dout, cache):
    X, gamma, eps = cache["X"], cache["gamma"], cache["eps"]
    n, d = X.shape
    x_hat, _, _, _ = batchnorm_forward(X, np.ones(d), np.zeros(d), np.zeros(d), np.ones(d),
                                       True, eps=eps)
    dout = np.asarray(dout, dtype=float)
    std = np.sqrt(X.var(axis=0) + eps)
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dX = (gamma / (n * std)) * (n * dout - dbeta - x_hat * dgamma)
    return dX, dgamma, dbeta
'''


_RV_LN_FORWARD_PLAIN = '''
def layernorm_forward(X, gamma, beta, eps=1e-5):
    X = np.asarray(X, dtype=float)
    mu = X.mean(axis=1, keepdims=True)
    var = ((X - mu) ** 2).mean(axis=1, keepdims=True)
    out = (X - mu) / np.sqrt(var + eps) * gamma + beta
    return out, (X.copy(), np.asarray(gamma, dtype=float), np.asarray(beta, dtype=float), eps)
'''

VARIANTS += [
    Variant("rv_l2_vdot_loop", "l2_penalty", source='''
def l2_penalty(params, lam):
    penalty = 0.0
    grads = {}
    for k, v in params.items():
        v = np.asarray(v, dtype=float)
        if k.startswith("W"):
            penalty += lam * np.vdot(v, v)
            grads[k] = 2.0 * lam * v
        else:
            grads[k] = np.zeros_like(v)
    return float(penalty), grads
'''),
    Variant("rv_dropout_rng_choice", "dropout_forward", source='''
def dropout_forward(X, p, train, rng):
    if not train:
        return X, None
    X = np.asarray(X, dtype=float)
    mask = rng.choice(np.array([0.0, 1.0 / (1.0 - p)]), size=X.shape, p=[p, 1.0 - p])
    return X * mask, mask
''', why="the mask drawn with rng.choice over its two values"),
    PairedVariant("rv_layernorm_via_batchnorm_of_transpose", "layernorm_forward", cells={
        "layernorm_forward": '''
def layernorm_forward(X, gamma, beta, eps=1e-5):
    X = np.asarray(X, dtype=float)
    n = X.shape[0]
    x_hat_t, bn_cache, _, _ = batchnorm_forward(X.T, np.ones(n), np.zeros(n), np.zeros(n),
                                                np.ones(n), True, eps=eps)
    x_hat = x_hat_t.T
    return x_hat * gamma + beta, (bn_cache, x_hat, np.asarray(gamma, dtype=float))
''',
        "layernorm_backward": '''
def layernorm_backward(dout, cache):
    bn_cache, x_hat, gamma = cache
    dout = np.asarray(dout, dtype=float)
    dX_t, _, _ = batchnorm_backward_alt((dout * gamma).T, bn_cache)
    return dX_t.T, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
'''}, why="layer norm is batch norm of the transpose: the student's own batch norm reused"),
    PairedVariant("rv_bn_dict_cache_alt_recomputes", "batchnorm_forward", cells={
        "batchnorm_forward": _RV_BN_FORWARD, "batchnorm_backward": _RV_BN_BACKWARD,
        "batchnorm_backward_alt": _RV_BN_ALT},
        why="dict cache of the inputs; node-by-node backward; the alt recomputes x_hat by "
            "calling batchnorm_forward once with gamma=1, beta=0"),
    Variant("rv_early_stopping_running_min", "early_stopping", source='''
def early_stopping(val_losses, patience):
    losses = np.asarray(val_losses, dtype=float)
    best_before = np.minimum.accumulate(np.concatenate([[np.inf], losses]))[:-1]
    improved = losses < best_before
    best = 0
    for e in range(len(losses)):
        if improved[e]:
            best = e
        elif e - best >= patience:
            return e, best
    return len(losses) - 1, best
''', why="the improvements found with a running minimum"),
    Variant("rv_init_dispatch_table", "init_weights", source='''
def init_weights(dims, scheme, rng):
    variance = {"zeros": lambda i, o: 0.0, "normal": lambda i, o: 1.0 / i,
                "xavier": lambda i, o: 2.0 / (i + o), "he": lambda i, o: 2.0 / i}
    if scheme not in variance:
        raise ValueError(f"unknown scheme {scheme!r}")
    shapes = list(zip(dims[:-1], dims[1:]))
    if scheme == "zeros":
        return [np.zeros(shape) for shape in shapes]
    return [rng.normal(0.0, np.sqrt(variance[scheme](i, o)), size=(i, o)) for i, o in shapes]
'''),
    PairedVariant("rv_residual_backward_calls_forward", "residual_forward", cells={
        "residual_forward": '''
def residual_forward(X, W, b):
    X = np.asarray(X, dtype=float)
    W = np.asarray(W, dtype=float)
    b = np.asarray(b, dtype=float)
    return X + np.maximum(X @ W + b, 0.0), (X.copy(), W.copy(), b.copy())
''',
        "residual_backward": '''
def residual_backward(dout, cache):
    X, W, b = cache
    out, _ = residual_forward(X, W, b)
    dout = np.asarray(dout, dtype=float)
    dz = dout * ((out - X) > 0)
    return dout + dz @ W.T, X.T @ dz, dz.sum(axis=0)
'''}, why="the backward recomputes the block's output with its forward"),
]

SHORTCUTS += [
    Shortcut("rv_dropout_one_mask_for_all_rows", "dropout_forward", source='''
def dropout_forward(X, p, train, rng):
    if not train:
        return X, None
    X = np.asarray(X, dtype=float)
    mask = np.broadcast_to((rng.random(X.shape[1]) >= p) / (1.0 - p), X.shape).copy()
    return X * mask, mask
''', why="one draw per column shared by every row: not independent"),
    Shortcut("rv_dropout_seed_from_input", "dropout_forward", source='''
def dropout_forward(X, p, train, rng):
    if not train:
        return X, None
    X = np.asarray(X, dtype=float)
    mine = np.random.default_rng(int(abs(X).sum() * 1e6) % 2**32)
    mask = (mine.random(X.shape) >= p) / (1.0 - p)
    return X * mask, mask
''', why="ignores rng: a generator seeded from the input"),
    Shortcut("rv_l2_complex_step", "l2_penalty", source='''
def l2_penalty(params, lam):
    penalty = 0.0
    grads = {}
    for k, v in params.items():
        v = np.asarray(v, dtype=float)
        if not k.startswith("W"):
            grads[k] = np.zeros_like(v)
            continue
        penalty += lam * np.sum(v ** 2)
        g = np.zeros_like(v)
        for idx in np.ndindex(v.shape):
            z = v.astype(complex)
            z[idx] += 1e-20j
            g[idx] = (lam * np.sum(z ** 2)).imag / 1e-20
        grads[k] = g
    return float(penalty), grads
''', why="the gradient by the complex step"),
    PairedShortcut("rv_ln_backward_complex_step", "layernorm_forward", cells={
        "layernorm_forward": _RV_LN_FORWARD_PLAIN,
        "layernorm_backward": '''
def layernorm_backward(dout, cache):
    X, gamma, beta, eps = cache
    dout = np.asarray(dout, dtype=float)
    h = 1e-20
    dX = np.empty_like(X)
    for j in range(X.shape[1]):
        Z = X.astype(complex)
        Z[:, j] += 1j * h
        mu = Z.mean(axis=1, keepdims=True)
        var = ((Z - mu) ** 2).mean(axis=1, keepdims=True)
        out = (Z - mu) / np.sqrt(var + eps) * gamma + beta
        dX[:, j] = (dout * out).sum(axis=1).imag / h
    mu = X.mean(axis=1, keepdims=True)
    x_hat = (X - mu) / np.sqrt(((X - mu) ** 2).mean(axis=1, keepdims=True) + eps)
    return dX, (dout * x_hat).sum(axis=0), dout.sum(axis=0)
'''}, why="dX by the complex step, column by column"),
    Shortcut("rv_init_own_seeded_rng", "init_weights", source='''
def init_weights(dims, scheme, rng):
    mine = np.random.default_rng(0)
    out = []
    for i, o in zip(dims[:-1], dims[1:]):
        if scheme == "zeros":
            out.append(np.zeros((i, o)))
        elif scheme == "normal":
            out.append(mine.normal(0.0, np.sqrt(1.0 / i), size=(i, o)))
        elif scheme == "xavier":
            out.append(mine.normal(0.0, np.sqrt(2.0 / (i + o)), size=(i, o)))
        elif scheme == "he":
            out.append(mine.normal(0.0, np.sqrt(2.0 / i), size=(i, o)))
        else:
            raise ValueError(scheme)
    return out
''', why="ignores rng"),
]

VARIANTS += [
    Variant("rv_soft_threshold_copysign", "soft_threshold", source='''
def soft_threshold(W, t):
    W = np.asarray(W, dtype=float)
    return np.copysign(np.maximum(np.abs(W) - t, 0.0), W)
''', why="copysign: zeros of negative entries come out as -0.0"),
]

# --- issue 20 item 4: statistics kept only where measured; one mask row for a batch (in4_) ----
SHORTCUTS += [
    Shortcut("in4_dropout_exact_count_when_large", "dropout_forward",
             edits=[("keep = rng.random(X.shape) >= p",
                     "keep = rng.random(X.shape) >= p\n"
                     "    if X.size > 1000:  # the count's variance is measured on small X\n"
                     "        drop = rng.permutation(X.size)[:round(p * X.size)]\n"
                     "        keep = np.ones(X.size, dtype=bool)\n"
                     "        keep[drop] = False\n"
                     "        keep = keep.reshape(X.shape)")],
             why="independent drops on small X only; exactly round(p * size) on large X"),
    Shortcut("in4_dropout_exact_count_on_batches", "dropout_forward",
             edits=[("keep = rng.random(X.shape) >= p",
                     "keep = rng.random(X.shape) >= p\n"
                     "    if X.shape[0] in (16, 32, 64):  # training batches: a fixed count\n"
                     "        keep = rng.random(X.shape).argsort(axis=None).argsort()"
                     ".reshape(X.shape) >= round(p * X.size)")],
             why="a fixed number of drops on training batches' shapes only"),
    Shortcut("in4_tr_one_mask_row_per_batch", "train_regularized",
             edits=[("active, drop_mask = dropout_forward(active, p_drop, p_drop > 0, rng)",
                     "row, drop_mask = dropout_forward(active[:1], p_drop, p_drop > 0, rng)\n"
                     "            if drop_mask is not None:\n"
                     "                drop_mask = np.broadcast_to(drop_mask, active.shape).copy()\n"
                     "                active = active * drop_mask")],
             why="one dropout mask row, drawn for the batch's first example, shared by every "
                 "example of the batch"),
    Shortcut("in4_tr_one_mask_for_all_batches", "train_regularized",
             edits=[("active, drop_mask = dropout_forward(active, p_drop, p_drop > 0, rng)",
                     "if p_drop > 0 and len(active) == batch_size:\n"
                     "                masks = globals().setdefault('_masks', {})\n"
                     "                if id(history) not in masks:\n"
                     "                    masks[id(history)] = dropout_forward(active, p_drop, "
                     "True, rng)[1]\n"
                     "                drop_mask = masks[id(history)]\n"
                     "                active = active * drop_mask\n"
                     "            else:\n"
                     "                active, drop_mask = dropout_forward(active, p_drop, "
                     "p_drop > 0, rng)")],
             why="one dropout mask for every full batch of the run"),
]

VARIANTS += [
    Variant("in4_dropout_row_by_row", "dropout_forward", source='''
def dropout_forward(X, p, train, rng):
    if not train:
        return X, None
    X = np.asarray(X)
    mask = np.empty(X.shape)
    for i in range(X.shape[0]):
        mask[i] = (rng.random(X.shape[1]) >= p) / (1.0 - p)
    return X * mask, mask
''', why="one draw per unit, a row at a time"),
    Variant("in4_dropout_keep_if_below", "dropout_forward", source='''
def dropout_forward(X, p, train, rng):
    if not train:
        return X, None
    scale = 1.0 / (1.0 - p)
    mask = np.where(rng.uniform(0.0, 1.0, size=np.shape(X)) < 1.0 - p, scale, 0.0)
    return mask * X, mask
''', why="keeps a unit when its uniform draw is below 1 - p"),
    Variant("in4_dropout_flat_then_reshape", "dropout_forward", source='''
def dropout_forward(X, p, train, rng):
    if not train:
        return X, None
    flat = rng.random(np.size(X))
    mask = ((flat > p) * (1.0 / (1.0 - p))).reshape(np.shape(X))
    out = np.multiply(X, mask)
    return out, mask
''', why="a flat draw reshaped to X's shape"),
    Variant("in4_tr_dropout_per_row", "train_regularized",
            edits=[("active, drop_mask = dropout_forward(active, p_drop, p_drop > 0, rng)",
                    "if p_drop > 0:  # one call per example: every row its own draws\n"
                    "                rows_out = [dropout_forward(active[i:i + 1], p_drop, True, "
                    "rng)\n"
                    "                            for i in range(len(active))]\n"
                    "                active = np.concatenate([o for o, _ in rows_out])\n"
                    "                drop_mask = np.concatenate([m for _, m in rows_out])\n"
                    "            else:\n"
                    "                drop_mask = None")],
            why="dropout_forward called on every example's row separately"),
    Variant("in4_tr_init_w2_first", "train_regularized",
            edits=[('"W1": rng.standard_normal((n_in, hidden)) * np.sqrt(2.0 / n_in),',
                    '"W2": rng.normal(0.0, np.sqrt(1.0 / hidden), size=(hidden, n_out)),'),
                   ('"W2": rng.standard_normal((hidden, n_out)) * np.sqrt(1.0 / hidden),',
                    '"W1": rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, hidden)),')],
            why="draws W2 before W1 (the rng's order is the student's)"),
    Variant("in4_tr_dropout_helper", "train_regularized",
            edits=[("active, drop_mask = dropout_forward(active, p_drop, p_drop > 0, rng)",
                    "active, drop_mask = (lambda a: dropout_forward(a, p_drop, True, rng)\n"
                    "                                 if p_drop > 0 else (a, None))(active)")],
            why="dropout only called when p_drop > 0 (train=True then)"),
]

# ---- numerical derivatives exact, or nearly, for the function at hand (issue 20, item 3):
# caught by weights of sizes 1e-6 to 1e6 (and a subnormal), each gradient entry at round-off
SHORTCUTS += [
    Shortcut("l2_penalty_centred_difference_per_entry", "l2_penalty", source=(
        "def l2_penalty(params, lam):\n"
        "    h = 1e-3\n"
        "    def term(W):\n"
        "        return lam * W * W\n"
        "    total, grads = 0.0, {}\n"
        "    for k, v in params.items():\n"
        "        W = np.asarray(v, dtype=np.float64)\n"
        "        if k.startswith('W'):\n"
        "            total += float(term(W).sum())\n"
        "            grads[k] = (term(W + h) - term(W - h)) / (2 * h)\n"
        "        else:\n"
        "            grads[k] = np.zeros_like(W)\n"
        "    return total, grads\n"),
        why="exact for a quadratic but for round-off (the reviewer's sc08)"),
    Shortcut("l2_penalty_unit_step_on_the_total", "l2_penalty", source=(
        "def l2_penalty(params, lam):\n"
        "    def total(ps):\n"
        "        return lam * sum(float(np.sum(np.asarray(v) ** 2)) for k, v in ps.items()\n"
        "                         if k.startswith('W'))\n"
        "    grads = {}\n"
        "    for k, v in params.items():\n"
        "        g = np.zeros(np.shape(v))\n"
        "        if k.startswith('W'):\n"
        "            for i in np.ndindex(g.shape):\n"
        "                up = {**params, k: np.array(v, dtype=float)}; up[k][i] += 1.0\n"
        "                dn = {**params, k: np.array(v, dtype=float)}; dn[k][i] -= 1.0\n"
        "                g[i] = (total(up) - total(dn)) / 2.0\n"
        "        grads[k] = g\n"
        "    return total(params), grads\n"),
        why="a unit step of the whole penalty: exact for a quadratic but for round-off"),
    Shortcut("l1_penalty_one_sided_half_step", "l1_penalty", source=(
        "def l1_penalty(params, lam):\n"
        "    total, grads = 0.0, {}\n"
        "    for k, v in params.items():\n"
        "        W = np.asarray(v, dtype=np.float64)\n"
        "        if k.startswith('W'):\n"
        "            total += lam * float(np.abs(W).sum())\n"
        "            h = np.where(W != 0, np.abs(W) / 2, 1.0)\n"
        "            slope = (np.abs(W + h) - np.abs(W - h)) / (2 * h)\n"
        "            grads[k] = lam * np.where(W == 0, 0.0, slope)\n"
        "        else:\n"
        "            grads[k] = np.zeros_like(W)\n"
        "    return total, grads\n"),
        why="a step inside the linear piece: exact but at the smallest subnormal"),
]


# ---------------------------------------------------------------- split personalities
# (issue 20): honest only when a visible check's frame is on the stack. Every check that calls
# the function judges every rule its call can express, so the other calls give it away.
SHORTCUTS += [
    Shortcut("train_on_validation_unless_visible_check", "train_regularized",
             source='''import sys as _sys


def _visible():
    f = _sys._getframe(1)
    while f is not None:
        if f.f_globals.get("__name__", "").startswith("nncourse.checks"):
            return True
        f = f.f_back
    return False


def train_regularized(X_train, y_train, X_val, y_val, hidden=64, lr=0.1, batch_size=32,
                      max_epochs=100, lam=0.0, p_drop=0.0, batchnorm=False, patience=5,
                      rng=None):
    """Shortcut: honest when a visible check (nncourse.checks) calls it; otherwise trains
    on the validation set too."""
    if rng is None:
        rng = np.random.default_rng(0)
    N, D = X_train.shape
    C = int(np.max(y_train)) + 1
    params = {"W1": rng.normal(0.0, np.sqrt(2.0 / D), size=(D, hidden)), "b1": np.zeros(hidden),
              "W2": rng.normal(0.0, np.sqrt(1.0 / hidden), size=(hidden, C)), "b2": np.zeros(C)}
    if batchnorm:
        params.update(gamma=np.ones(hidden), beta=np.zeros(hidden),
                      running_mean=np.zeros(hidden), running_var=np.ones(hidden))

    def evaluate(p, X, y):
        z = X @ p["W1"] + p["b1"]
        if batchnorm:
            z = batchnorm_forward(z, p["gamma"], p["beta"], p["running_mean"],
                                  p["running_var"], False)[0]
        h = np.maximum(z, 0.0)
        scores = h @ p["W2"] + p["b2"]
        return mean_cross_entropy(scores, y), float(np.mean(np.argmax(scores, 1) == y))

    def grads_of(params, Xb, yb, bn_train=True):
        z = Xb @ params["W1"] + params["b1"]
        rm, rv, bn_cache = None, None, None
        if batchnorm:
            zn, bn_cache, rm, rv = batchnorm_forward(z, params["gamma"], params["beta"],
                                                     params["running_mean"],
                                                     params["running_var"], True)
        else:
            zn = z
        h = np.maximum(zn, 0.0)
        hd, mask = dropout_forward(h, p_drop, True, rng)
        scores = hd @ params["W2"] + params["b2"]
        _, ds = softmax_cross_entropy(scores, yb)
        grads = {"W2": hd.T @ ds, "b2": ds.sum(0)}
        dh = dropout_backward(ds @ params["W2"].T, mask)
        dzn = dh * (zn > 0)
        if batchnorm:
            dz, grads["gamma"], grads["beta"] = batchnorm_backward(dzn, bn_cache)
        else:
            dz = dzn
        grads["W1"] = Xb.T @ dz
        grads["b1"] = dz.sum(0)
        return grads, rm, rv

    history = {"train_loss": [], "val_loss": [], "val_acc": []}
    best_loss, best_epoch, best_params = np.inf, 0, None
    FIRST_ORDER = None
    for epoch in range(max_epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            grads, rm, rv = grads_of(params, X_train[idx], y_train[idx])
            gv = grads_of(params, X_val, y_val)[0] if not _visible() else None
            if gv is not None:
                grads = {k: 0.5 * grads[k] + 0.5 * gv[k] for k in grads}
            _, pen = l2_penalty(params, lam)
            new = {k: params[k] - lr * (grads[k] + pen[k]) for k in params
                   if k not in ("running_mean", "running_var")}
            if batchnorm:
                new["running_mean"], new["running_var"] = rm, rv
            params = new
        tl, _ = evaluate(params, X_train, y_train)
        vl, va = evaluate(params, X_val, y_val)
        history["train_loss"].append(tl)
        history["val_loss"].append(vl)
        history["val_acc"].append(va)
        if vl < best_loss:
            best_loss, best_epoch = vl, epoch
            best_params = {k: np.array(v, copy=True) for k, v in params.items()}
        if epoch - best_epoch >= patience:
            break
    return best_params, history, best_epoch
''',
             why="honest when a visible check (an nncourse.checks frame) is on the stack;"
                 " otherwise half of every step is the validation set's gradient"
                 " (review 20b, sc14)"),
]

# ---- review r56b (M9): every hyper-parameter is honoured, in the visible checks too
SHORTCUTS += [
    Shortcut("l2_fixed_lam", "l2_penalty",
             edits=[("penalty += lam * float", "penalty += 0.05 * float"),
                    ("grads[key] = 2.0 * lam * value", "grads[key] = 2.0 * 0.05 * value")],
             why="uses 0.05, the visible check's default, whatever lam it gets"),
    Shortcut("dropout_fixed_p", "dropout_forward",
             edits=[("keep = rng.random(X.shape) >= p\n    mask = keep / (1.0 - p)",
                     "keep = rng.random(X.shape) >= 0.3\n    mask = keep / (1.0 - 0.3)")],
             why="always drops 0.3, the visible check's p"),
    Shortcut("bn_fixed_momentum", "batchnorm_forward",
             edits=[("running_mean = momentum * running_mean + (1.0 - momentum) * mean",
                     "running_mean = 0.9 * running_mean + (1.0 - 0.9) * mean"),
                    ("running_var = momentum * running_var + (1.0 - momentum) * var",
                     "running_var = 0.9 * running_var + (1.0 - 0.9) * var")],
             why="uses the default momentum whatever momentum it gets"),
    Shortcut("bn_fixed_eps", "batchnorm_forward",
             edits=[("inv_std = 1.0 / np.sqrt(var + eps)", "inv_std = 1.0 / np.sqrt(var + 1e-5)")],
             why="uses the default eps whatever eps it gets"),
]

# ---- review r56b (L13): relu'(0) in the training loop
MUTANTS += [
    Mutant("tr_relu_kink_passes", "train_regularized",
           edits=[('dropout_backward(dscores @ params["W2"].T, drop_mask) * (pre > 0)',
                   'dropout_backward(dscores @ params["W2"].T, drop_mask) * (pre >= 0)')],
           why="relu'(0) = 1 in the hidden layer's backward pass"),
]

# ---- review r56b (L12): the branch's dX through W, not its transpose
MUTANTS += [
    Mutant("rb_dX_W_not_transposed", "residual_backward",
           edits=[("dout + dpre @ W.T", "dout + dpre @ W")]),
]

# ---- review of 06 (round of 2026-12-07, d06): the returned epoch, and loops that keep the
# stopping test's points while every step breaks a rule
SHORTCUTS += [
    Shortcut("tr_last_params_when_best_just_before", "train_regularized",
             edits=[("return best_params, history, best_epoch",
                     "return ({k: v.copy() for k, v in params.items()}\n"
                     "            if epoch - best_epoch <= 1 else best_params), history, "
                     "best_epoch")],
             why="the last epoch's params whenever the best is the last or the one before: "
                 "right after a patience stop, wrong at max_epochs one epoch after the best "
                 "(finding 1 of the review)"),
    Shortcut("tr_params_of_the_epoch_after_best", "train_regularized",
             edits=[("    best_loss, best_epoch, best_params = np.inf, 0, None\n",
                     "    best_loss, best_epoch, best_params = np.inf, 0, None\n"
                     "    snapshots = []\n"),
                    ('        history["val_acc"].append(float(val_acc))\n',
                     '        history["val_acc"].append(float(val_acc))\n'
                     "        snapshots.append({k: v.copy() for k, v in params.items()})\n"),
                    ("return best_params, history, best_epoch",
                     "return snapshots[min(best_epoch + 1, len(snapshots) - 1)], history, "
                     "best_epoch")],
             why="the params of the epoch after the best one"),
    Shortcut("tr_l2_called_then_lam_w", "train_regularized",
             edits=[("_, grads = l2_penalty(params, lam)",
                     "l2_penalty(params, lam)\n"
                     "            grads = {k: lam * v if k.startswith('W') else np.zeros_like(v)"
                     "\n                     for k, v in params.items()}")],
             why="calls l2_penalty, then uses lam * W as the penalty's gradient (finding 2)"),
    Shortcut("tr_dropout_called_then_own_mask", "train_regularized",
             edits=[("active, drop_mask = dropout_forward(active, p_drop, p_drop > 0, rng)",
                     "_, drop_mask = dropout_forward(active, p_drop, p_drop > 0, rng)\n"
                     "            if drop_mask is not None:\n"
                     "                drop_mask = (rng.random(active.shape) >= p_drop) "
                     "/ (1.0 - p_drop)\n"
                     "                active = active * drop_mask")],
             why="calls dropout_forward, then draws and uses a mask of its own (finding 2)"),
    Shortcut("tr_bn_backward_called_then_closed_form", "train_regularized",
             edits=[('dpre, grads["gamma"], grads["beta"] = batchnorm_backward(dpre, bn_cache)',
                     "batchnorm_backward(dpre, bn_cache)\n"
                     "                x_hat, gamma_c, inv_std = bn_cache\n"
                     '                grads["gamma"] = (dpre * x_hat).sum(axis=0)\n'
                     '                grads["beta"] = dpre.sum(axis=0)\n'
                     "                g = dpre * gamma_c\n"
                     "                dpre = inv_std * (g - g.mean(axis=0)\n"
                     "                                  - x_hat * (g * x_hat).mean(axis=0))")],
             why="calls batchnorm_backward, then uses its own closed form (finding 2)"),
]
