"""Dropout's pair test: independent masks pass at every rate (a union bound over the pairs
keeps chance failures below 1e-9; the normal approximation it replaces allowed about 6 in
1000 at p = 0.1 by a Poisson estimate, and failed a right dropout once in a catalogue run),
and two units sharing one coin fail."""

from __future__ import annotations

import numpy as np
import pytest
from nncourse.checks.nb06 import judge_pairs


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.8])
def test_independent_masks_pass(p):
    for seed in range(40):
        dropped = np.random.default_rng(seed).random((300, 200)) < p
        assert judge_pairs("mask", dropped, p).passed, (p, seed)


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5])
def test_units_sharing_a_coin_fail(p):
    dropped = np.random.default_rng(1).random((300, 200)) < p
    dropped[:, 7] = dropped[:, 3]
    verdict = judge_pairs("mask", dropped, p)
    assert not verdict.passed and "units 3 and 7" in verdict.message, verdict.message


def test_examples_sharing_a_mask_fail():
    dropped = np.random.default_rng(2).random((200, 500)) < 0.3  # the visible check's shape
    dropped[10] = dropped[4]
    verdict = judge_pairs("mask", dropped, 0.3)
    assert not verdict.passed and "examples 4 and 10" in verdict.message, verdict.message
