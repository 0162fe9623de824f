"""What the grader tests share: notebook 01's solution changed in one place, graded by
``python -m autograder grade`` with tight caps, and the CSVs it writes read back.

Every submission is built from notebook 01's solution (FULL points, one per test cell),
changed in one place. Hostile code goes into the `count_parameters` answer cell, which no
other exercise uses, so "full marks for whatever still passes" means exactly FULL - 1. A
wrong sigmoid (constant 0.5) costs its own two tests and at most neuron's and XOR's, which
use it: a student with that sigmoid and nothing else wrong is the yardstick for every
tampering or cheating student with it.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import uuid
from pathlib import Path

import nbformat
import pytest

from autograder.assemble import max_points
from autograder.notebooks import solution_sources
from autograder.sandbox import bwrap_available

A = "01_neuron_and_xor"
FULL = max_points(A)
BUT_ONE = FULL - 1
WRONG_SIGMOID = "as partly-wrong"  # whatever a plain wrong sigmoid scores
SOLUTION = solution_sources(A)
COUNT = SOLUTION["count_parameters"]
BAD_SIGMOID = "def sigmoid(z):\n    return np.asarray(z, dtype=float) * 0 + 0.5\n"
MARK = uuid.uuid4().hex[:8]
OUTSIDE_FILE = Path(f"/tmp/escaped-{MARK}")
# tight caps keep the hostile students quick; 1 GiB of memory is reached in about a second
# even on a loaded machine, well within the cell's wall-time cap
CELL_WALL_SECONDS = 15
MEMORY_MB = 1024
LIMITS = ["--cell-wall-seconds", str(CELL_WALL_SECONDS), "--cell-cpu-seconds", "5",
          "--notebook-wall-seconds", "180", "--output-mb", "8", "--memory-mb", str(MEMORY_MB)]

needs_bwrap = pytest.mark.skipif(not bwrap_available(), reason="bubblewrap is not installed")
MODES = [pytest.param((), id="sandbox", marks=needs_bwrap),
         pytest.param(("--no-sandbox",), id="no-sandbox",
                      marks=pytest.mark.slow if bwrap_available() else ())]
"""Determinism, shards, resume and zips hold with and without the sandbox: a laptop without
bubblewrap still checks them in ``make test``; with bubblewrap, the unsandboxed repeat is in
``make test-slow`` (``make test``'s 10 minutes)."""


def answers(**changes: str) -> dict[str, str]:
    return dict(SOLUTION, **changes)


def reads(path: Path) -> str:
    """A sigmoid that is correct only if it can read ``path``."""
    return (f"def sigmoid(z):\n    try:\n        open({str(path)!r}, 'rb').read(1)\n"
            "    except OSError:\n        return np.asarray(z, dtype=float) * 0 + 0.5\n"
            "    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n")


def hostile(code: str) -> dict[str, str]:
    return answers(count_parameters=code + "\n" + COUNT)


def write(folder: Path, student: str, notebook: nbformat.NotebookNode | bytes,
          name: str = f"{A}.ipynb") -> Path:
    target = folder / student / A
    target.mkdir(parents=True, exist_ok=True)
    path = target / name
    if isinstance(notebook, bytes):
        path.write_bytes(notebook)
    else:
        nbformat.write(notebook, path)
    return path


def grade(submissions: Path, out: Path, *extra: str, work: Path | None = None,
          check: bool = True) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "autograder", "grade", str(submissions), "--out", str(out),
               "--quiet", "--course-work", str(work or out / "course"), *LIMITS, *extra]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def table(path: Path) -> dict[tuple[str, ...], dict]:
    with open(path) as handle:
        rows = list(csv.DictReader(handle))
    key = ("student", "notebook", "test") if "test" in rows[0] else ("student", "notebook")
    return {tuple(row[k] for k in key): row for row in rows}


def points(graded, student) -> float:
    return float(graded["grades"][(student, A)]["points"])


def reason(graded, student, test) -> str:
    return graded["tests"][(student, A, test)]["reason"]
