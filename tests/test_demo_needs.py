"""A demo cell names the exercise that is not written yet: the innermost frame that raised,
whichever function of the student's it is (review 22 of 2026-12-07, notebook 01, M2: a
finished ``neuron`` was named because the unfinished ``sigmoid`` was not in the demo's list)."""

from __future__ import annotations

import contextlib
import io

import nbformat

from autograder.notebooks import ROOT


def _needs():
    book = nbformat.read(ROOT / "notebooks" / "01_neuron_and_xor" / "01_neuron_and_xor.ipynb", 4)
    cell = next(c for c in book.cells if "def needs" in c.source)
    space: dict = {}
    exec(cell.source, space)  # noqa: S102 - the notebook's own setup cell
    return space["needs"]


def _said(needs, *exercises, run) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), needs(*exercises):
        run()
    return out.getvalue()


def test_the_unwritten_inner_exercise_is_named_not_the_finished_outer_one():
    needs = _needs()

    def sigmoid(z):
        raise NotImplementedError()

    def neuron(x, w, b):
        return sigmoid(x * w + b)

    said = _said(needs, "neuron", run=lambda: neuron(1.0, 1.0, 0.0))
    assert "your sigmoid, which is not written yet" in said, said


def test_an_unwritten_exercise_listed_by_the_demo_is_named():
    needs = _needs()

    def xor_network(X):
        raise NotImplementedError()

    said = _said(needs, "xor_network", run=lambda: xor_network(None))
    assert "your xor_network, which is not written yet" in said, said
