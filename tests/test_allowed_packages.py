"""Notebook 04's LinearFunction is written with torch: its test, and only its test, is judged
from a run in a sandbox where torch is visible (``Rules(allowed_packages=...)``)."""

from pathlib import Path

import autograder.grade as grade
from autograder.assemble import assemble
from autograder.config import load
from autograder.judge import TestResult as Result
from autograder.sandbox import forbidden_folders, sandbox_command

NB04 = "04_computation_graph_backprop"


def cells_to_test(assignment: str):
    _cells, tests, _notes = assemble(assignment, None)
    return tests


def test_only_the_linear_function_test_needs_a_package():
    needs = {t.grade_id: grade.allowed_packages(t) for t in cells_to_test(NB04)}
    assert "torch" in needs.pop("test_linear_function")
    assert needs and not any(needs.values())  # Value, the layers, the Value net: none


def test_the_tests_that_allow_a_package_take_the_second_runs_results(monkeypatch):
    tests = cells_to_test(NB04)
    first = [Result(t.grade_id, 0.0, t.points, "first run") for t in tests]
    ran = []

    def fake_run(worker, settings, cells, group, assignment, seed):
        ran.append((worker, [t.grade_id for t in group]))
        return [Result(t.grade_id, t.points, t.points, "second run") for t in group], \
            ["a note of the second run"]

    monkeypatch.setattr(grade, "_run", fake_run)
    # the first run, without torch: the answer cell that imports it raised, as it was meant to
    cells = [{"source": "import torch\n\n\nclass LinearFunction:\n    pass\n",
              "label": "answer cell 'LinearFunction'"},
             {"source": "x = 1\n", "label": "your code cell at the top"}]
    notes = ["answer cell 'LinearFunction' raised an error", "cell 3 raised KeyError"]
    results, kept = grade._with_allowed(lambda allowed: ("worker", allowed), None, cells, tests,
                                        first, notes, NB04, 0)
    assert ran == [(("worker", grade.allowed_packages(next(
        t for t in tests if t.grade_id == "test_linear_function"))), ["test_linear_function"])]
    assert {r.test: r.reason for r in results} == {
        t.grade_id: "second run" if t.grade_id == "test_linear_function" else "first run"
        for t in tests}
    assert kept == ["cell 3 raised KeyError"]  # the second run's note is about no such cell


def test_an_answer_cell_that_raises_with_torch_there_too_is_noted(monkeypatch):
    """Issue 20 round 2 F4: every notebook-04 student, full marks included, was told "answer
    cell 'LinearFunction' raised an error" (the first run has no torch, as meant). The note
    now comes from the run with torch: none for a working cell, kept for a broken one."""
    tests = cells_to_test(NB04)
    first = [Result(t.grade_id, t.points, t.points, "first run") for t in tests]
    cells = [{"source": "import torch\n\n\nclass LinearFunction:\n    pass\n",
              "label": "answer cell 'LinearFunction'"}]
    notes = ["answer cell 'LinearFunction' raised an error"]
    for second_notes, expected in (([], []), (notes, notes)):
        monkeypatch.setattr(grade, "_run", lambda *args, n=second_notes: (
            [Result(t.grade_id, t.points, t.points, "second") for t in args[3]], list(n)))
        _, kept = grade._with_allowed(lambda allowed: "worker", None, cells, tests, first,
                                      list(notes), NB04, 0)
        assert kept == expected


def test_a_notebook_without_such_tests_runs_once(monkeypatch):
    monkeypatch.setattr(grade, "_run", lambda *args: (_ for _ in ()).throw(AssertionError))
    tests = cells_to_test("01_neuron_and_xor")
    first = [Result(t.grade_id, 0.0, t.points, "first run") for t in tests]
    assert grade._with_allowed(lambda allowed: None, None, [], tests, first, [], "01", 0) == \
        (first, [])


def test_the_sandbox_uncovers_exactly_the_allowed_packages(tmp_path: Path):
    library = tmp_path / "nncourse"
    library.mkdir()
    covered = {name: [] for name in ("plain", "torch")}
    for kind, allowed in (("plain", ()), ("torch", ("torch", "torchgen"))):
        command = sandbox_command(load(), 0, [], library, [], allowed)
        covered[kind] = {Path(command[i + 1]).name for i, part in enumerate(command)
                         if part == "--tmpfs"}
    installed = {folder.name for folder in forbidden_folders()}
    assert {"torch", "torchgen"} <= installed & covered["plain"]
    assert covered["plain"] - covered["torch"] == {"torch", "torchgen"}


def test_a_cell_that_imports_a_forbidden_package_is_told_why_it_raised():
    """Issue 20 round 2 M3: a torch answer lost its points with only "answer cell ... raised
    an error"; the reason is read from the cell's source in the grader's process."""
    cells = [{"source": "import torch\n\ndef sigmoid(z):\n    return torch.sigmoid(z)\n",
              "label": "answer cell 'sigmoid'"},
             {"source": "from scipy.special import expit\n", "label": "your code cell"},
             {"source": "import numpy as np\n", "label": "answer cell 'neuron'"}]
    assert "it imports torch" in grade._forbidden_import(cells, 0)
    assert "it imports scipy" in grade._forbidden_import(cells, 1)
    assert grade._forbidden_import(cells, 2) == ""
    assert grade._forbidden_import(cells, None) == "" and grade._forbidden_import(cells, 9) == ""
    assert grade._import_failed("ModuleNotFoundError: No module named 'torch'")
    assert not grade._import_failed("ValueError: x")
