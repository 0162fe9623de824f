"""A function whose rules say it never forms the Jacobian starts no other process: a forked
child's memory is not the measured call's (review 20 of 2026-12-07, notebooks 01-03, H2)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from nncourse.checking import CheckFailed, check


def _softmax(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


def softmax_vjp(z, dp):
    p = _softmax(z)
    return p * (dp - p @ dp)


def _jacobian_elsewhere(wait: bool):
    def softmax_vjp(z, dp):
        p = _softmax(z)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            os.write(write, (dp @ (np.diag(p) - np.outer(p, p))).tobytes())
            os._exit(0)
        os.close(write)
        data = b""
        while chunk := os.read(read, 1 << 20):
            data += chunk
        os.close(read)
        if wait:
            os.waitpid(pid, 0)
        return np.frombuffer(data, dtype=np.float64).copy()
    return softmax_vjp


def test_the_vjp_computed_here_passes():
    check("softmax_vjp_values", softmax_vjp)


@pytest.mark.parametrize("wait", [True, False], ids=["waited-for", "left-behind"])
def test_a_jacobian_built_in_another_process_breaks_the_rule(wait):
    with pytest.raises(CheckFailed, match="started another process"):
        check("softmax_vjp_values", _jacobian_elsewhere(wait))
    if not wait:
        os.waitpid(-1, 0)  # the test's own child, left to it
