"""The grader's reference answers for exercises whose expected values are their own formula.

A visible check runs in the student's kernel too (the self-check), so whatever it computes
with is readable there. For most exercises a judge computes the expected value with torch
(which graded code may not use) or from properties; for notebook 02's ``bump`` and
``approximate_1d`` the expected value *is* the answer's formula (two sigmoid units; the
contract's bump edges summed into a staircase), and notebook 06's ``early_stopping`` (a torch
reference turns into numpy line by line). Their reference lives here, with the grader, and
the visible checks read numbers: ``python -m autograder.references`` evaluates them for
every case the notebooks' visible checks use (their defaults and every test cell's arguments)
and writes them to ``lib/nncourse/expected.py``; ``tests/test_answer_leaks.py`` checks that
file is current.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from autograder.assemble import instructor_cells, parse_checks
from autograder.notebooks import ROOT, assignments

STORED = ROOT / "lib" / "nncourse" / "expected.py"


def reference_bump(x, left, right, height, steepness=1000.0) -> np.ndarray:
    """height * (sigmoid(s (x - left)) - sigmoid(s (x - right))), computed by torch."""
    from nncourse import oracle

    x = np.asarray(x, dtype=np.float64)
    return height * (oracle.sigmoid(steepness * (x - left))
                     - oracle.sigmoid(steepness * (x - right)))


def bump_values_cases(left, right, height, steepness, seed) -> dict[str, np.ndarray]:
    """What ``bump_values``'s judge compares with, by label (the check's own inputs)."""
    from nncourse.checks.nb02 import BumpValues

    grid, matrix = BumpValues().inputs(seed).values()
    return {"default": reference_bump(grid, left, right, height),
            "soft": reference_bump(grid, left, right, height, steepness),
            "matrix": reference_bump(matrix.T, left, right, -height, steepness)}


def bump_grid(lo: float, hi: float, n_bumps: int, steepness: float = 1000.0):
    """Edges (n+1,) and centres (n,) of the contract's n equal-width bumps."""
    margin = 10.0 / steepness
    edges = (lo - margin) + (hi - lo + 2 * margin) * np.arange(n_bumps + 1) / n_bumps
    return edges, (edges[:-1] + edges[1:]) / 2


def reference_staircase(f, n_bumps, lo, hi, steepness, x) -> np.ndarray:
    """The canonical network's output at x: sum_k f(c_k) bump_k(x), computed with torch."""
    edges, centres = bump_grid(lo, hi, n_bumps, steepness)
    heights = f(centres)
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    for k in range(n_bumps):
        out = out + reference_bump(x, edges[k], edges[k + 1], heights[k], steepness)
    return out


def closed_interval_points(n_bumps, lo, hi, steepness, per_bump=40):
    """A grid over the closed [lo, hi] (ends included) plus points across every edge."""
    edges, _ = bump_grid(lo, hi, n_bumps, steepness)
    grid = np.linspace(lo, hi, per_bump * n_bumps + 1)
    ramps = (edges[:, None] + np.array([-3, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 3])
             / steepness).ravel()
    x = np.unique(np.concatenate([grid, ramps, [lo, hi]]))
    return x[(x >= lo) & (x <= hi)]


def centres_cases(f, n_bumps, lo, hi) -> dict[str, np.ndarray]:
    """approximate_1d_centres: the bump centres and the edges on either side."""
    edges, centres = bump_grid(lo, hi, n_bumps)
    return {"centres": centres, "left edges": edges[:-1], "right edges": edges[1:]}


def network_cases(f, n_bumps, lo, hi, steepness) -> dict[str, np.ndarray]:
    """approximate_1d_network: the points of [lo, hi] and the staircase there."""
    from nncourse.checks.nb02 import target

    s = 1000.0 if steepness is None else steepness
    x = closed_interval_points(n_bumps, lo, hi, s)
    return {"x": x, "expected": reference_staircase(target(f), n_bumps, lo, hi, s, x)}


def steepness_cases(steepness, n_bumps) -> dict[str, np.ndarray]:
    """approximate_1d_steepness: points around the inner edges, the staircase there, and
    the staircase of steepness 1000 (the mistake of ignoring the argument)."""
    from nncourse.checks.nb02 import target

    edges, _ = bump_grid(0.0, 1.0, n_bumps, steepness)
    t = np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
    x = np.concatenate([(edges[1:-1, None] + t / steepness).ravel(), [0.0, 1.0]])
    return {"x": x,
            "expected": reference_staircase(target("sine"), n_bumps, 0.0, 1.0, steepness, x),
            "at 1000": reference_staircase(target("sine"), n_bumps, 0.0, 1.0, 1000.0, x)}


def product_units_training(params, X, y, steps: int, lr: float):
    """Notebook 04's train_value_mlp reference, in torch: full-batch gradient descent on the
    mean squared error of the product-units model ``c + sum_k a_k tanh(u_k x_0 + s_k)
    tanh(v_k x_1 + t_k)`` (``nncourse.checks.nb04.product_units_model``). Returns (the loss
    at the start of every step, the parameters after the last step, the outputs on X then)."""
    import torch
    from nncourse.checks.nb04 import UNIT

    theta = torch.tensor(params, dtype=torch.float64, requires_grad=True)
    X_t, y_t = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)

    def model(theta):
        units = theta[:-1].reshape(-1, UNIT)
        a, u, s, v, t = units.unbind(dim=1)
        return theta[-1] + (a * torch.tanh(X_t[:, :1] * u + s)
                            * torch.tanh(X_t[:, 1:] * v + t)).sum(dim=1)

    losses = []
    for _ in range(steps):
        loss = ((model(theta) - y_t) ** 2).mean()
        (gradient,) = torch.autograd.grad(loss, [theta])
        with torch.no_grad():
            theta -= lr * gradient
        losses.append(float(loss.detach()))
    return losses, theta.detach().tolist(), model(theta).detach().tolist()


def train_steps_cases(seed, steps, lr, n) -> dict[str, list[float]]:
    """train_value_mlp_steps: the losses and the final parameters of the reference."""
    from nncourse.checks.nb04 import train_data

    data = train_data(seed, n)
    losses, final, _ = product_units_training(data["params"], data["X"], data["y"], steps, lr)
    return {"losses": losses, "params": final}


def train_accuracy_cases(seed, steps, lr) -> dict[str, list[float]]:
    """train_value_mlp_accuracy: the training accuracy the reference reaches on the moons."""
    from nncourse.checks.nb04 import moons_training, sign_accuracy

    data = moons_training(seed)
    _, _, outputs = product_units_training(data["params"], data["X"], data["y"], steps, lr)
    return {"accuracy": [sign_accuracy(outputs, data["y"])]}


def reference_early_stopping(val_losses, patience: int) -> tuple[int, int]:
    """(stop_epoch, best_epoch) of a validation curve, by torch on every prefix at once.

    Row e of a lower-triangular table holds the losses of epochs 0..e (+inf after); its
    argmin (torch takes the first of equal minima) is the best epoch seen by epoch e. The
    stop is the first e at least ``patience`` epochs past that row's best, else the last.
    """
    import torch

    losses = torch.as_tensor(np.asarray([float(v) for v in val_losses], dtype=np.float64))
    n = losses.numel()
    seen = torch.tril(torch.ones(n, n, dtype=torch.bool))
    table = torch.where(seen, losses.expand(n, n), torch.tensor(float("inf"),
                                                                dtype=torch.float64))
    best = torch.argmin(table, dim=1)
    late = torch.nonzero(torch.arange(n) - best >= patience).flatten()
    stop = int(late[0]) if late.numel() else n - 1
    return stop, int(best[stop])


def early_stopping_cases(**args) -> dict[str, np.ndarray]:
    """early_stopping_cases: (stop_epoch, best_epoch) of each of the check's curves."""
    from nncourse.checks.nb06 import EarlyStoppingCases

    cases = EarlyStoppingCases().inputs(**args)["cases"]
    return {f"case {i}": np.array(reference_early_stopping(losses, patience), dtype=float)
            for i, (losses, patience) in enumerate(cases)}


CASES = {"bump_values": bump_values_cases, "approximate_1d_centres": centres_cases,
         "approximate_1d_network": network_cases, "approximate_1d_steepness": steepness_cases,
         "train_value_mlp_steps": train_steps_cases,
         "train_value_mlp_accuracy": train_accuracy_cases,
         "early_stopping_cases": early_stopping_cases}
"""Check name -> the function computing its stored expected values from its arguments."""


def used_arguments(check: str) -> list[dict]:
    """The arguments ``check`` runs with in the notebooks: its defaults and every test
    cell's, merged as the check merges them."""
    from nncourse.checking import find_check

    found = find_check(check)
    runs = [found.arguments({})]
    for assignment in assignments():
        for kind, _, source, _ in instructor_cells(assignment):
            if kind == "test":
                runs += [found.arguments(args) for name, args in parse_checks(source)
                         if name == check]
    unique = {json.dumps(run, sort_keys=True): run for run in runs}
    return [unique[key] for key in sorted(unique)]


def stored_table() -> dict[str, list[float]]:
    """Every stored expected value: key (see :func:`nncourse.expected.key`) -> flat floats
    (shapes come from the check's own inputs)."""
    from nncourse.expected import key

    table = {}
    for check, compute in CASES.items():
        for args in used_arguments(check):
            for label, values in compute(**args).items():
                table[key(check, label, args)] = [float(v) for v in np.ravel(values)]
    return table


HEADER = '''# ruff: noqa: E501 - generated data
"""Stored expected values of visible checks whose reference would be an answer to copy.

Generated by the grader from its reference implementations (do not edit): numbers for the
cases the notebooks' visible checks use. The student library holds the numbers, not the code.
"""

from __future__ import annotations

import json

import numpy as np


def key(check: str, label: str, args: dict) -> str:
    """The table's key of one expected value: the check, its label, its arguments."""
    return f"{check} {label} " + json.dumps(args, sort_keys=True)


def stored(check: str, label: str, args: dict, shape) -> np.ndarray | None:
    """The stored expected value (an array of ``shape``), or None for arguments the notebooks
    never use."""
    values = EXPECTED.get(key(check, label, args))
    return None if values is None else np.array(values, dtype=np.float64).reshape(shape)


'''


def render(table: dict[str, list[float]]) -> str:
    lines = [HEADER, "EXPECTED = {"]
    for name in sorted(table):
        lines.append(f"    {name!r}: [")
        values = [repr(v) for v in table[name]]
        for start in range(0, len(values), 3):
            lines.append("        " + ", ".join(values[start:start + 3]) + ",")
        lines.append("    ],")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(path: Path = STORED) -> Path:
    path.write_text(render(stored_table()), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(main())
