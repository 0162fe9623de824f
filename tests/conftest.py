"""Shared fixtures: paths of the course and the virtual environment's tools."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# two pytest workers on two cores: one thread each (before numpy or torch loads), and the
# kernels and graders the tests start inherit it
os.environ.setdefault("OMP_NUM_THREADS", "1")

import matplotlib  # noqa: E402
import pytest  # noqa: E402

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
