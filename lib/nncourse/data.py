"""Data sets that work offline: scikit-learn's digits, and small generated toy problems."""

from __future__ import annotations

import numpy as np

BOOLEAN_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
"""(4, 2): the four inputs of a two-input boolean function, in truth-table order."""

TRUTH_TABLES = {
    "and": np.array([0.0, 0.0, 0.0, 1.0]),
    "or": np.array([0.0, 1.0, 1.0, 1.0]),
    "nand": np.array([1.0, 1.0, 1.0, 0.0]),
    "xor": np.array([0.0, 1.0, 1.0, 0.0]),
}
"""gate -> (4,) targets on :data:`BOOLEAN_INPUTS`."""


def boolean_data(gate: str) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (4, 2) and targets (4,) of ``gate`` in ``"and"``, ``"or"``, ``"nand"``, ``"xor"``."""
    if gate not in TRUTH_TABLES:
        raise ValueError(f"unknown gate {gate!r}; choose one of {sorted(TRUTH_TABLES)}")
    return BOOLEAN_INPUTS.copy(), TRUTH_TABLES[gate].copy()


def noisy_xor(n: int, rng: np.random.Generator, noise: float = 0.15):
    """``n`` points scattered around the four XOR corners.

    Returns X (n, 2) float64 and y (n,) int64 with ``y = x1 XOR x2`` of the corner.
    """
    corners = rng.integers(0, 2, size=(n, 2))
    X = corners + rng.normal(scale=noise, size=(n, 2))
    return X.astype(np.float64), (corners[:, 0] ^ corners[:, 1]).astype(np.int64)


def moons(n: int, rng: np.random.Generator, noise: float = 0.1):
    """Two interleaving half circles (scikit-learn's ``make_moons``): X (n, 2), y (n,)."""
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=n, noise=noise, random_state=int(rng.integers(2**31)))
    return X.astype(np.float64), y.astype(np.int64)


def digits_split(test_size: float = 0.2, random_state: int = 0):
    """scikit-learn's 8x8 digits, pixels divided by 16, split as the course fixes it.

    Returns X_train (1437, 64), X_val (360, 64), y_train (1437,), y_val (360,):
    ``train_test_split(test_size=0.2, random_state=0)``; images ship with scikit-learn, so
    nothing is downloaded.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X = digits.data.astype(np.float64) / 16.0
    y = digits.target.astype(np.int64)
    return train_test_split(X, y, test_size=test_size, random_state=random_state)
