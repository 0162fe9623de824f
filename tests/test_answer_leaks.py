"""No text a student can read contains the code of a graded function's answer.

What a student can read: every cell of every released notebook (markdown, docstrings, given
code) and every string of the course library (hints, messages, docstrings). What counts as
the answer: each statement between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` of the
instructor's source that computes something (an assignment, an augmented assignment, a
return or a call whose expression is more than names and literals). Both sides are compared
with all whitespace removed, so a reformatted copy is still found.
"""

from __future__ import annotations

import ast
import contextlib
import re
from functools import cache
from pathlib import Path

import nbformat
import pytest

from autograder.notebooks import ROOT, assignments, nbgrader_meta

MIN_LENGTH = 14  # shorter statements ("n = len(X)") are too common to be an answer


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _computes(node: ast.AST) -> bool:
    value = getattr(node, "value", None)
    if value is None:
        return False
    return any(isinstance(part, (ast.BinOp, ast.Call, ast.Compare, ast.Subscript, ast.UnaryOp,
                                 ast.BoolOp, ast.IfExp, ast.ListComp, ast.GeneratorExp,
                                 ast.Lambda, ast.Attribute))
               for part in ast.walk(value))


def answer_statements(source: str) -> list[str]:
    """The computing statements of a cell's solution regions, unparsed and squashed."""
    lines = source.splitlines()
    regions, start = [], None
    for number, line in enumerate(lines, 1):
        if "### BEGIN SOLUTION" in line:
            start = number
        elif "### END SOLUTION" in line and start is not None:
            regions.append((start, number))
            start = None
    if not regions:
        return []
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Expr)):
            continue
        if not any(a < node.lineno and node.end_lineno < b for a, b in regions):
            continue
        if not _computes(node):
            continue
        text = squash(ast.unparse(node))
        if len(text) >= MIN_LENGTH:
            found.append(text)
    return found


@cache
def readable_text() -> dict[str, str]:
    """Where a student reads -> its squashed text."""
    texts = {}
    for assignment in assignments():
        notebook = nbformat.read(ROOT / "notebooks" / assignment / f"{assignment}.ipynb", 4)
        for index, cell in enumerate(notebook.cells):
            texts[f"notebooks/{assignment} cell {index}"] = squash(cell.source)
            if cell.cell_type == "code":
                with contextlib.suppress(SyntaxError):
                    texts[f"notebooks/{assignment} cell {index} (unparsed)"] = squash(
                        ast.unparse(ast.parse(cell.source)))
    for path in sorted((ROOT / "lib" / "nncourse").rglob("*.py")):
        strings = [node.value for node in ast.walk(ast.parse(path.read_text()))
                   if isinstance(node, ast.Constant) and isinstance(node.value, str)]
        texts[str(path.relative_to(ROOT))] = squash("\n".join(strings))
    return texts


def leaks(assignment: str, texts: dict[str, str]) -> list[str]:
    notebook = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", 4)
    found = []
    for cell in notebook.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type != "code" or not meta.get("solution"):
            continue
        for statement in answer_statements(cell.source):
            for where, text in texts.items():
                if statement in text:
                    found.append(f"{meta.get('grade_id')}: `{statement}` is readable in {where}")
    return sorted(set(found))


@pytest.mark.parametrize("assignment", assignments())
def test_no_answer_is_readable_by_the_student(assignment):
    """No statement of a solution appears in a released notebook or a library string."""
    found = leaks(assignment, readable_text())
    assert not found, "answers in reach:\n" + "\n".join(found)


def test_the_leak_finder_finds_a_pasted_answer():
    """A solution statement pasted into a markdown cell (whitespace changed) is found."""
    source = ("def f(X, W):\n    ### BEGIN SOLUTION\n    dW = X.T @ dout / len(X)\n"
              "    return dW\n    ### END SOLUTION\n")
    statements = answer_statements(source)
    assert statements == ["dW=X.T@dout/len(X)"]
    texts = {"a markdown cell": squash("Hint: write  dW =  X.T @ dout / len(X)  here")}
    assert statements[0] in texts["a markdown cell"]
    assert answer_statements("def f():\n    ### BEGIN SOLUTION\n    return out, cache\n"
                             "    ### END SOLUTION\n") == []


def test_the_library_exposes_its_strings_to_the_finder():
    """The finder reads the library's hints (a sanity check that it reads anything at all)."""
    texts = readable_text()
    assert any(where.startswith("lib/nncourse/checks/") and text for where, text in texts.items())
    assert Path(ROOT / "notebooks").is_dir()
