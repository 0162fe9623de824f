"""mse_loss written as 2p/n - 2t/n is right in exact arithmetic and loses the residual to
rounding near 1e8: it fails, and is told why (cancellation), with two hints that do not
write the answer (review 22 of 2026-12-07, notebook 03, M2)."""

from __future__ import annotations

import numpy as np
import pytest
from nncourse.checking import CheckFailed, check, show_hints


def expanded(pred, target):
    p, t = np.asarray(pred, dtype=np.float64), np.asarray(target, dtype=np.float64)
    return float(np.mean((p - t) ** 2)), 2 * p / p.size - 2 * t / p.size


def residual_first(pred, target):
    d = np.asarray(pred, dtype=np.float64) - np.asarray(target, dtype=np.float64)
    return float(np.mean(d ** 2)), 2 * d / d.size


def test_the_residual_formed_first_passes():
    check("mse_loss_values", residual_first)


def test_the_expanded_gradient_is_told_it_cancels():
    show_hints(2)
    try:
        with pytest.raises(CheckFailed) as failed:
            check("mse_loss_values", expanded)
    finally:
        show_hints(1)
    said = str(failed.value)
    assert "round-off of the large entries" in said and "nearly equal" in said, said
    assert "pred - target" not in said.split("hint:", 1)[1], said  # hints keep the answer
