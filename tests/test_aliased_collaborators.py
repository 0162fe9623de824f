"""A function built from others may call them under another global name (``lgw =
logic_gate_weights``): the same function, so the built-from check follows it (review 22 of
2026-12-07, round 3, notebooks 01-04, M1: a correct xor_network lost its point)."""

from __future__ import annotations

import numpy as np
from nncourse.checking import check


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


def neuron(X, w, b):
    return sigmoid(np.asarray(X, dtype=np.float64) @ np.asarray(w, dtype=np.float64) + b)


def logic_gate_weights(gate):
    return {"and": (np.array([10.0, 10.0]), -15.0), "or": (np.array([10.0, 10.0]), -5.0),
            "nand": (np.array([-10.0, -10.0]), 15.0), "nor": (np.array([-10.0, -10.0]), 5.0),
            }[gate]


lgw = logic_gate_weights
unit = neuron


def xor_network(X):
    hidden = np.stack([unit(X, *lgw("or")), unit(X, *lgw("nand"))], axis=1)
    return unit(hidden, *lgw("and"))


def test_collaborators_called_under_other_names_are_followed():
    check("xor_network_built_from", xor_network)
    assert lgw is logic_gate_weights and unit is neuron  # put back afterwards
