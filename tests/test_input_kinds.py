"""Visible and hidden checks agree on what is tested (issue 20): every kind of input a hidden
check hands a graded function (its number of dimensions, a non-contiguous view, an integer
array, values of magnitude 100 or more, an empty array) is one some visible check of the same
notebook also hands that function, or one the function's docstring names (``KIND_WORDS``), so
a student who reads the contract and passes the visible checks has met every kind of input
the grade depends on; hidden checks add fresh values, not new kinds.

The kinds are measured, not declared: each notebook's instructor solution runs under every
check of its test cells (visible and hidden), with every graded function wrapped by a
recorder of the arguments it receives (calls made by other graded functions included).
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re

import numpy as np
import pytest
from nncourse.checking import find_check, run_probe

from autograder.notebooks import (
    SOLUTIONS,
    assignments,
    grade_id,
    is_graded,
    is_solution,
    solution_sources,
    source_notebook,
)

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)[ \t]*\n?", re.M)
SEED = 20261206

KIND_WORDS = {
    "non-contiguous view": ("any memory layout", "non-contiguous", "strided"),
    "integer array": ("integer",),
    "values of magnitude >= 100": ("1000", "any magnitude"),
    "empty array": ("empty",),
    **{f"{n}-D array": ("any shape", f"{n}-D array") for n in range(8)},
}
"""The words of a docstring that name a kind of input (the contract tells it)."""


def named_in_docstring(kind: str, docstring: str) -> bool:
    return any(word.lower() in docstring.lower() for word in KIND_WORDS.get(kind, ()))


RECORDER = '''
def _recording(function, log, name):
    def recorded(*args, **kwargs):
        log.append((name, args, kwargs))
        return function(*args, **kwargs)
    recorded.__name__ = recorded.__qualname__ = function.__name__
    recorded.__doc__ = function.__doc__
    recorded.__wrapped_original__ = function
    return recorded
'''


def kinds_of(value, depth: int = 0) -> set[str]:
    """The kinds of one argument: arrays by dimensions, layout, dtype, size and magnitude;
    numbers by magnitude; dicts and lists by what they hold."""
    if depth > 3:
        return set()
    if isinstance(value, dict):
        return set().union(*(kinds_of(v, depth + 1) for v in value.values())) if value else set()
    if isinstance(value, (list, tuple)) and value and not isinstance(value[0], (int, float)):
        return set().union(*(kinds_of(v, depth + 1) for v in value))
    if isinstance(value, np.ndarray):
        found = {f"{value.ndim}-D array"}
        if value.size == 0:
            found.add("empty array")
        if value.ndim > 1 and not value.flags.c_contiguous or (
                value.ndim == 1 and value.strides[0] != value.itemsize and value.size > 1):
            found.add("non-contiguous view")
        if value.dtype.kind in "iu":
            found.add("integer array")
        if value.dtype.kind == "f" and value.size and np.nanmax(np.abs(value)) >= 100:
            found.add("values of magnitude >= 100")
        return found
    if isinstance(value, float) and abs(value) >= 100:
        return {"values of magnitude >= 100"}
    return set()


def notebook_namespace(assignment: str, log: list) -> dict:
    """The solution notebook's definitions (answer cells whole; other cells' imports,
    definitions and constants, none of their demonstrations), graded functions recorded."""
    answers = solution_sources(assignment)
    namespace: dict = {"__name__": "__main__"}
    graded: set[str] = set()
    setup = True
    for cell in source_notebook(assignment).cells:
        if cell.cell_type != "code" or (is_graded(cell) and not is_solution(cell)):
            continue
        source = "\n".join(line for line in MARKERS.sub("", cell.source).splitlines()
                           if not line.lstrip().startswith(("%", "!")))
        if is_solution(cell):
            setup = False
            source = answers[grade_id(cell)]
            graded |= {node.name for node in ast.parse(source).body
                       if isinstance(node, ast.FunctionDef)}
        elif not setup:
            tree = ast.parse(source)
            tree.body = [node for node in tree.body if isinstance(
                node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef))]
            source = ast.unparse(tree)
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, f"<{assignment}>", "exec"), namespace)
    exec(RECORDER, namespace)
    for name in graded:
        namespace[name] = namespace["_recording"](namespace[name], log, name)
    return namespace


def check_calls(assignment: str) -> list[tuple[str, ast.Call, bool]]:
    """(check name, the call, hidden?) for every check call of the test cells."""
    calls = []
    for cell in source_notebook(assignment).cells:
        if cell.cell_type != "code" or not is_graded(cell) or is_solution(cell):
            continue
        hidden = "\n".join(HIDDEN.findall(cell.source))
        visible = MARKERS.sub("", HIDDEN.sub("", cell.source))
        for source, is_hidden in ((visible, False), (hidden, True)):
            for node in ast.parse(source).body:
                call = getattr(node, "value", None)
                if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "check":
                    calls.append((ast.literal_eval(call.args[0]), call, is_hidden))
    return calls


def measured_kinds(assignment: str) -> tuple[dict, dict, dict]:
    """{function: kinds} seen by visible checks, {(check, function): kinds} by hidden ones,
    and {function: docstring}."""
    log: list = []
    visible: dict[str, set] = {}
    hidden: dict[tuple[str, str], set] = {}
    os.environ["NNCOURSE_CHECK_MODULES"] = "autograder.hidden"
    cwd = os.getcwd()
    os.chdir(SOLUTIONS / assignment)
    try:
        namespace = notebook_namespace(assignment, log)
        docstrings = {name: getattr(value, "__doc__", None) or "" for name, value
                      in namespace.items() if hasattr(value, "__wrapped_original__")}
        for name, call, is_hidden in check_calls(assignment):
            student = tuple(eval(compile(ast.Expression(a), "<call>", "eval"), namespace)
                            for a in call.args[1:])
            args = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
            log.clear()
            with contextlib.redirect_stdout(io.StringIO()):
                run_probe(find_check(name), student, args, seed=SEED)
            for function, call_args, call_kwargs in log:
                found = set().union(set(), *(kinds_of(a) for a in
                                             (*call_args, *call_kwargs.values())))
                if is_hidden:
                    hidden.setdefault((name, function), set()).update(found)
                else:
                    visible.setdefault(function, set()).update(found)
    finally:
        os.chdir(cwd)
        os.environ.pop("NNCOURSE_CHECK_MODULES", None)
    return visible, hidden, docstrings


@pytest.mark.parametrize("assignment", assignments())
def test_hidden_checks_use_no_kind_of_input_the_visible_ones_do_not(assignment):
    visible, hidden, docstrings = measured_kinds(assignment)
    assert hidden, "no hidden check called a graded function: the measurement is broken"
    missing = {}
    for (check, function), kinds in hidden.items():
        new = sorted(kind for kind in kinds - visible.get(function, set())
                     if not named_in_docstring(kind, docstrings.get(function, "")))
        if new:
            missing[f"{check} -> {function}"] = new
    assert not missing, f"hidden checks use kinds of input no visible check uses: {missing}"


def test_kinds_are_told_apart():
    """The measurement itself: a view, an integer array, large values are each recognised."""
    base = np.arange(12.0).reshape(3, 4)
    assert kinds_of(base) == {"2-D array"}
    assert "non-contiguous view" in kinds_of(base.T)
    assert "non-contiguous view" in kinds_of(base[:, ::2])
    assert "non-contiguous view" in kinds_of(np.arange(10.0)[::2])
    assert "integer array" in kinds_of(np.arange(3))
    assert "values of magnitude >= 100" in kinds_of(np.array([1.0, -1000.0]))
    assert kinds_of({"W": base.T, "b": np.zeros(0)}) >= {"non-contiguous view", "empty array",
                                                          "1-D array"}
    assert named_in_docstring("non-contiguous view", "X: (N, D) (any memory layout)")
    assert not named_in_docstring("values of magnitude >= 100", "X: (N, D)")
