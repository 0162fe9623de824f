"""Mutation catalogue for 06_regularization: plausible student bugs, and correct variants."""

from dataclasses import dataclass, field

from autograder.mutation import Mutant, Variant


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
    Mutant("dropout_global_rng", "dropout_forward",
           edits=[("rng.random(X.shape)", "np.random.random(X.shape)")]),
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
    Mutant("bn_backward_simple_formula", "batchnorm_backward",
           edits=[("dX = inv_std / N * (N * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))",
                   "dX = g * inv_std")],
           why="treats the batch mean and variance as constants"),
    Mutant("bn_backward_missing_variance_path", "batchnorm_backward",
           edits=[(" - x_hat * (g * x_hat).sum(axis=0))", ")")]),
    Mutant("bn_backward_dgamma_not_summed", "batchnorm_backward",
           edits=[("dgamma = (dout * x_hat).sum(axis=0)", "dgamma = dout * x_hat")]),
    Mutant("bn_backward_dbeta_not_summed", "batchnorm_backward",
           edits=[("dbeta = dout.sum(axis=0)", "dbeta = dout")]),
    Mutant("bn_backward_dbeta_mean", "batchnorm_backward",
           edits=[("dbeta = dout.sum(axis=0)", "dbeta = dout.mean(axis=0)")]),
    Mutant("bn_backward_forgets_gamma", "batchnorm_backward",
           edits=[("g = dout * gamma", "g = dout")]),
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
