"""Derived means derived, for numerical derivatives exact for the function at hand (issue 20,
item 3).

A difference quotient with a step chosen for the function (a large step for a quadratic, a
step inside relu's linear piece, a unit step for a linear map), Richardson extrapolation, or
differences in extended precision came within round-off of the derived gradient on the
checks' old inputs and kept full marks. The derived checks now use inputs on which every
difference quotient loses digits (pred and target on either side of 2^27, entries of sizes
1e-6 to 1e6 in one sum, subnormals and values near overflow at a kink), judge every entry at
round-off of its own size, and refuse numbers other than float64. Each answer below is such a
shortcut and must fail the visible check (the student sees it before grading); the derived
formula next to it must pass the same check.
"""

import numpy as np
import pytest
from nncourse.checking import find_check, judge_seen, run_probe


def _functions(source: str) -> dict:
    """The functions a student's cell defines (numpy as ``np``, a stable sigmoid)."""
    space = {"np": np}
    exec("def sigmoid(z):\n"
         "    z = np.asarray(z, dtype=np.float64)\n"
         "    e = np.exp(-np.abs(z))\n"
         "    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n", space)
    exec(source, space)
    return space


RICHARDSON = """
def richardson(central, h0, levels=6):
    table = [[central(h0 / 2 ** i)] for i in range(levels)]
    for i in range(1, levels):
        for j in range(1, i + 1):
            table[i].append(table[i][j - 1] + (table[i][j - 1] - table[i - 1][j - 1])
                            / (4 ** j - 1))
    return table[-1][-1]
"""

# (check, names of the functions it calls, shortcut source, derived source)
CASES = {
    "relu_grad_one_sided_half_step": ("relu_grad_values", ("relu_grad",), """
def relu_grad(z):
    z = np.asarray(z, dtype=np.float64)
    h = np.where(z != 0, np.abs(z) / 2, 1.0)
    relu = lambda v: np.maximum(v, 0.0)
    return (relu(z) - relu(z - h)) / h
""", """
def relu_grad(z):
    return (np.asarray(z) > 0).astype(np.float64)
"""),
    "sigmoid_grad_richardson": ("sigmoid_grad_values", ("sigmoid_grad",), RICHARDSON + """
def sigmoid_grad(z):
    z = np.asarray(z, dtype=np.float64)
    return richardson(lambda h: (sigmoid(z + h) - sigmoid(z - h)) / (2 * h), 1.0)
""", """
def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1.0 - s)
"""),
    "sigmoid_grad_long_double": ("sigmoid_grad_values", ("sigmoid_grad",), """
def sigmoid_grad(z):
    z = np.asarray(z, dtype=np.float64).astype(np.longdouble)
    s = lambda v: 1 / (1 + np.exp(-v))
    h = np.longdouble(1e-3)
    d = (45 * (s(z + h) - s(z - h)) - 9 * (s(z + 2 * h) - s(z - 2 * h))
         + (s(z + 3 * h) - s(z - 3 * h))) / (60 * h)
    return d.astype(np.float64)
""", """
def sigmoid_grad(z):
    return sigmoid(z) * sigmoid(-np.asarray(z, dtype=np.float64))
"""),
    "mse_loss_residual_step": ("mse_loss_values", ("mse_loss",), """
def mse_loss(pred, target):
    p = np.asarray(pred, dtype=np.float64); t = np.asarray(target, dtype=np.float64)
    share = lambda q: (q - t) ** 2 / p.size
    h = np.where(p != t, np.abs(p - t), 1.0)
    return float(np.mean((p - t) ** 2)), (share(p + h) - share(p - h)) / (2 * h)
""", """
def mse_loss(pred, target):
    diff = np.asarray(pred, dtype=np.float64) - np.asarray(target, dtype=np.float64)
    return float(np.mean(diff ** 2)), 2.0 * diff / diff.size
"""),
    "linear_jacobian_half_step": ("linear_jacobian_values", ("linear_jacobian_wrt_weights",),
                                  """
def linear_jacobian_wrt_weights(x, m):
    x = np.asarray(x, dtype=np.float64)
    J = np.zeros((m, x.size, m))
    for j in range(x.size):
        for k in range(m):
            E = np.zeros((x.size, m)); E[j, k] = 0.5
            J[:, j, k] = x @ E - x @ -E
    return J
""", """
def linear_jacobian_wrt_weights(x, m):
    return np.einsum("ik,j->ijk", np.eye(m), np.asarray(x, dtype=np.float64))
"""),
    "linear_backward_unit_step": ("linear_backward_gradients",
                                  ("linear_forward", "linear_backward"), """
def linear_forward(X, W, b):
    return X @ W + b, (X, W)

def linear_backward(dout, cache):
    X, W = (np.array(a, dtype=np.float64) for a in cache)
    grads = []
    for a in (X, W):
        g = np.zeros(a.shape)
        for idx in np.ndindex(a.shape):
            up, down = X.copy(), X.copy()
            upw, downw = W.copy(), W.copy()
            (up if a is X else upw)[idx] += 1.0
            (down if a is X else downw)[idx] -= 1.0
            g[idx] = np.sum((up @ upw - down @ downw) * dout) / 2.0
        grads.append(g)
    return grads[0], grads[1], dout.sum(axis=0)
""", """
def linear_forward(X, W, b):
    return X @ W + b, (X, W)

def linear_backward(dout, cache):
    X, W = cache
    return dout @ W.T, X.T @ dout, dout.sum(axis=0)
"""),
    "relu_backward_rounded_slope": ("relu_layer", ("relu_forward", "relu_backward"), """
def relu_forward(X):
    return np.maximum(X, 0.0), np.array(X, dtype=np.float64)

def relu_backward(dout, cache):
    slope = np.round((np.maximum(cache + 1e-7, 0) - np.maximum(cache, 0)) / 1e-7)
    slope[cache == 0] = 0.0
    return dout * slope
""", """
def relu_forward(X):
    return np.maximum(X, 0.0), X

def relu_backward(dout, cache):
    return dout * (cache > 0)
"""),
    "l2_penalty_centred_difference": ("l2_penalty_values", ("l2_penalty",), """
def l2_penalty(params, lam):
    term = lambda W: lam * W * W
    total, grads = 0.0, {}
    for k, v in params.items():
        W = np.asarray(v, dtype=np.float64)
        if k.startswith("W"):
            total += float(term(W).sum())
            grads[k] = (term(W + 1e-3) - term(W - 1e-3)) / 2e-3
        else:
            grads[k] = np.zeros_like(W)
    return total, grads
""", """
def l2_penalty(params, lam):
    weights = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    total = lam * sum(float(np.sum(W ** 2)) for k, W in weights.items() if k.startswith("W"))
    return total, {k: 2 * lam * W if k.startswith("W") else np.zeros_like(W)
                   for k, W in weights.items()}
"""),
}


def _run(check_name: str, names: tuple[str, ...], source: str) -> tuple[dict, bool]:
    space = _functions(source)
    check = find_check(check_name)
    seen = run_probe(check, tuple(space[n] for n in names), {}, seed=3)
    return seen, judge_seen(check, seen, {}, 3).passed


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_numerical_derivative_exact_for_the_function_fails_the_derived_check(case):
    check_name, names, shortcut, derived = CASES[case]
    assert find_check(check_name).rules.derived
    seen, passed = _run(check_name, names, derived)
    assert seen["raised"] is None and passed, (case, seen.get("raised"))
    seen, passed = _run(check_name, names, shortcut)
    assert not passed, case


def test_a_batch_gradient_is_derived_and_complex_steps_break_its_rule():
    """Notebook 05's batch gradients are backprop by hand: complex steps broke no rule."""
    check = find_check("batch_gradient_vectorized_values")
    assert check.rules.derived and find_check("batch_gradient_loop_values").rules.derived
    space = _functions("""
def batch_gradient_vectorized(params, X, y):
    X = np.asarray(X, dtype=np.float64)
    N = X.shape[0]
    def loss(p):
        s = np.where((X @ p["W1"] + p["b1"]).real > 0, X @ p["W1"] + p["b1"], 0)
        s = s @ p["W2"] + p["b2"]
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
""")
    seen = run_probe(check, (space["batch_gradient_vectorized"],), {}, seed=3)
    assert seen["raised"].startswith("RuleBroken") and "complex" in seen["raised"]
    assert not judge_seen(check, seen, {}, 3).passed
