"""Data sets that work offline: the 8x8 digits (shipped), and small generated toy problems."""

from __future__ import annotations

from pathlib import Path

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
    """Two interleaving half circles (like scikit-learn's ``make_moons``): X (n, 2), y (n,).

    The first ``n // 2`` points lie on the upper half circle (label 0), the rest on the
    lower one shifted by (1, 0.5) (label 1); Gaussian noise of std ``noise`` is added.
    """
    n_out = n // 2
    n_in = n - n_out
    outer, inner = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.concatenate([np.stack([np.cos(outer), np.sin(outer)], axis=1),
                        np.stack([1 - np.cos(inner), 0.5 - np.sin(inner)], axis=1)])
    y = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    order = rng.permutation(n)
    X = X[order] + rng.normal(scale=noise, size=(n, 2))
    return X.astype(np.float64), y[order]


DIGITS_FILE = Path(__file__).with_name("datasets") / "digits.csv.gz"
"""scikit-learn's copy of the UCI optical digits test set (1797 images of 8x8, BSD licence)."""


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 digits: pixels X (1797, 64) in 0..16 as float64, labels y (1797,) int64."""
    data = np.loadtxt(DIGITS_FILE, delimiter=",")
    return data[:, :-1].astype(np.float64), data[:, -1].astype(np.int64)


def digits_split(test_size: float = 0.2, random_state: int = 0):
    """The 8x8 digits, pixels divided by 16, split as the course fixes it.

    Returns X_train (1437, 64), X_val (360, 64), y_train (1437,), y_val (360,): the same
    split as scikit-learn's ``train_test_split(test_size=0.2, random_state=0)`` (a test of
    the course checks that), computed with numpy only, so it also works where scikit-learn
    is not installed (the grading sandbox).
    """
    X, y = load_digits()
    X = X / 16.0
    n_test = int(np.ceil(test_size * len(X)))
    permutation = np.random.RandomState(random_state).permutation(len(X))
    test, train = permutation[:n_test], permutation[n_test:]
    return X[train], X[test], y[train], y[test]
