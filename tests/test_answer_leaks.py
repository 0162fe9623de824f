"""No text or code a student can read contains a graded function's answer.

What a student can read: every cell of every released notebook (markdown, docstrings, given
code) and everything in the course library (its code, checks, hints and messages: the
student wheel ships ``lib/nncourse`` as source).

Two finders:

- statements: each computing statement between ``### BEGIN SOLUTION`` and ``### END
  SOLUTION`` of the instructor's source (an assignment, an augmented assignment, a return or
  a call whose expression is more than names and literals), squashed (no whitespace), must
  not appear in any squashed text a student reads;
- code: each graded function of the solutions (a ``def`` with an answer region in it) as a
  normalised token stream (:mod:`autograder.likeness`: names blanked, docstrings, comments
  and dead code dropped) must not be contained, token pairs in order, at
  :data:`LEAK_THRESHOLD` % or more in any readable code: a library function, a module's
  top-level code, a notebook's code cell, a code span of a markdown cell, a string that
  parses as code. A copy with every name changed and lines added is still found.
"""

from __future__ import annotations

import ast
import contextlib
import re
import textwrap
from functools import cache
from pathlib import Path

import nbformat
import pytest

from autograder.likeness import code_tokens, contained
from autograder.notebooks import ROOT, assignments, nbgrader_meta, source_notebook

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


# ---------------------------------------------------------------------------------------------
# code: graded functions against all readable code, by normalised token streams

LEAK_THRESHOLD = 75.0
"""Contained token pairs (0-100) from which readable code counts as an answer. Measured on
this tree: copies score 88 and more (the old numpy finite differences against
numerical_gradient / numerical_jacobian, nb02's reference bump against bump); unrelated
code stays below 70 once the leaks are gone."""
MIN_TOKENS = 40
"""Graded functions shorter than this (``return np.maximum(z, 0)``) are common idioms: the
statement finder above covers them."""


def pairs(tokens: list[str]) -> list[str]:
    """Adjacent token pairs: a match must keep the code's local order, not only its words."""
    return [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def _parse(source: str) -> ast.AST | None:
    lines = ["" if line.lstrip().startswith(("%", "!")) else line
             for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except (SyntaxError, ValueError):
        return None


def _functions(tree: ast.AST) -> list[ast.AST]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def answer_functions(source: str) -> list[ast.AST]:
    """The functions (methods too) of a solution cell that hold an answer region."""
    regions, start = [], None
    for number, line in enumerate(source.splitlines(), 1):
        if "### BEGIN SOLUTION" in line:
            start = number
        elif "### END SOLUTION" in line and start is not None:
            regions.append((start, number))
            start = None
    tree = _parse(source)
    if tree is None:
        return []
    return [f for f in _functions(tree)
            if any(f.lineno < a <= f.end_lineno for a, _ in regions)]


@cache
def graded_code() -> tuple[tuple[str, list[str]], ...]:
    """(``nbNN grade_id: name``, token pairs) of every graded function of the solutions."""
    found = []
    for assignment in assignments():
        for cell in source_notebook(assignment).cells:
            meta = nbgrader_meta(cell)
            if cell.cell_type != "code" or not meta.get("solution"):
                continue
            for function in answer_functions(cell.source):
                tokens = code_tokens(function, blank=True)
                if len(tokens) >= MIN_TOKENS:
                    found.append((f"{assignment[:2]} {meta.get('grade_id')}: "
                                  f"{function.name}", pairs(tokens)))
    return tuple(found)


def code_units(where: str, tree: ast.AST) -> list[tuple[str, list[str]]]:
    """The readable code of one file or cell: every function, and the whole of it."""
    units = [(f"{where}: {f.name}", pairs(code_tokens(f, blank=True)))
             for f in _functions(tree)]
    with contextlib.suppress(RecursionError, ValueError, SyntaxError):
        units.append((where, pairs(code_tokens(tree, blank=True))))
    return units


MARKDOWN_CODE = re.compile(r"```[a-z]*\n(.*?)```|`([^`\n]+)`", re.DOTALL)


def _code_in_text(where: str, text: str) -> list[tuple[str, list[str]]]:
    """Code spans of markdown or a string (hints, messages, docstrings) that parse."""
    units = []
    for pieces in [[text], [a or b for a, b in MARKDOWN_CODE.findall(text)]]:
        for piece in pieces:
            tree = _parse(textwrap.dedent(piece))
            if tree is not None and tree.body and not all(
                    isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant | ast.Name)
                    for s in tree.body):
                units += code_units(f"{where} (code in text)", tree)
    return units


@cache
def readable_code() -> tuple[tuple[str, list[str]], ...]:
    """Every piece of code a student can read: the library (code and strings) and every
    released notebook (code cells, markdown code)."""
    units = []
    for path in sorted((ROOT / "lib" / "nncourse").rglob("*.py")):
        where = str(path.relative_to(ROOT))
        tree = ast.parse(path.read_text())
        units += code_units(where, tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and len(node.value) > 40:
                units += _code_in_text(f"{where} line {node.lineno}", node.value)
    for assignment in assignments():
        notebook = nbformat.read(ROOT / "notebooks" / assignment / f"{assignment}.ipynb", 4)
        for index, cell in enumerate(notebook.cells):
            where = f"notebooks/{assignment} cell {index}"
            if nbgrader_meta(cell).get("solution"):  # the answer cell's own given example
                where += f" (answer cell {assignment[:2]} {nbgrader_meta(cell).get('grade_id')})"
            if cell.cell_type == "code":
                tree = _parse(cell.source)
                if tree is not None:
                    units += code_units(where, tree)
            else:
                units += _code_in_text(where, cell.source)
    return tuple(units)


def code_leaks(graded, units, threshold: float = LEAK_THRESHOLD) -> list[str]:
    """``answer ~ where (score)`` for every graded function some readable code contains."""
    found = []
    for answer, answer_pairs in graded:
        for where, unit_pairs in units:
            if f"(answer cell {answer.split(':')[0]})" in where:
                continue  # what the exercise's own cell gives (Value.__add__ as the example)
            score = contained(answer_pairs, unit_pairs)
            if score >= threshold:
                found.append(f"{answer} is {score:.0f}% contained in {where}")
    return sorted(found)


def test_no_library_code_answers_a_graded_function():
    """No function, module code or code-like string of the course library (what the student
    wheel ships as readable source) holds a graded function's answer."""
    library = [unit for unit in readable_code() if unit[0].startswith("lib/")]
    found = code_leaks(graded_code(), library)
    assert not found, "answers in the library:\n" + "\n".join(found)


def test_no_notebook_code_answers_a_graded_function():
    """No released notebook's given code or markdown code holds a graded function's answer
    (notebook 04's ForgetfulValue once showed Value.__mul__'s backward: 90 % contained)."""
    notebooks = [unit for unit in readable_code() if unit[0].startswith("notebooks/")]
    found = set(code_leaks(graded_code(), notebooks))
    assert not found, "answers in the notebooks:\n" + "\n".join(sorted(found))


OLD_FINITE_DIFFERENCES = """
def finite_difference_gradient(f, x, eps=1e-6):
    \"\"\"Gradient of a scalar function by centred differences.\"\"\"
    x = np.array(x, dtype=np.float64, order="C")  # C-order copy: reshape(-1) is a view
    grad = np.zeros_like(x)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(flat_x.size):
        saved = flat_x[i]
        flat_x[i] = saved + eps
        f_plus = float(f(x))
        flat_x[i] = saved - eps
        f_minus = float(f(x))
        flat_x[i] = saved
        flat_grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad
"""
"""The course library's checker as it was (``nncourse/gradcheck.py`` before this test)."""


def renamed_with_dead_code(source: str) -> str:
    """Every name changed, a dead line after each statement of the body, comments."""
    tree = ast.parse(source)
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            node.arg = names.setdefault(node.arg, f"my_{node.arg}")
        elif isinstance(node, ast.FunctionDef):
            node.name = "helper_of_mine"
            body = []
            for number, statement in enumerate(node.body):
                body += [statement, ast.parse(f"unused_{number} = {number} * 2").body[0]]
            node.body = body
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            node.id = names.setdefault(node.id, f"my_{node.id}") if node.id != "np" else "np"
    return "\n".join(f"{line}  # mine" for line in ast.unparse(tree).splitlines())


def test_the_code_finder_finds_the_old_checker_and_a_disguised_copy():
    """The library's old finite differences are found as notebook 03's numerical_gradient;
    so is the solution itself renamed with a dead line per statement, inside a longer
    function; unrelated library code is not."""
    graded = [g for g in graded_code() if g[0].endswith(": numerical_gradient")]
    assert len(graded) == 1
    old = code_units("old gradcheck.py", ast.parse(OLD_FINITE_DIFFERENCES))
    assert code_leaks(graded, old), "the old checker is not found"
    solution = next(f for a in ["03_jacobians_and_chain_rule"]
                    for c in source_notebook(a).cells if nbgrader_meta(c).get("solution")
                    for f in answer_functions(c.source) if f.name == "numerical_gradient")
    disguised = renamed_with_dead_code(ast.unparse(solution))
    assert "my_" in disguised and "unused_" in disguised
    longer = ("def judge(seen):\n    report = []\n    for key in seen:\n"
              "        report.append(key)\n"
              + textwrap.indent(disguised, "    ") + "\n    return report\n")
    assert code_leaks(graded, code_units("a disguised copy", ast.parse(longer)))
    gradcheck = [u for u in readable_code() if u[0].startswith("lib/nncourse/gradcheck.py")]
    assert gradcheck and not code_leaks(graded, gradcheck)


def test_stored_expected_values_are_current():
    """``nncourse/expected.py`` (the visible checks' stored expected values, numbers instead
    of reference code) is what the grader's references compute now, for every case the
    notebooks use; a check meets arguments it has no values for with a clear failure."""
    from nncourse import expected
    from nncourse.checking import find_check

    from autograder.references import render, stored_table

    assert render(stored_table()) == (ROOT / "lib" / "nncourse" / "expected.py").read_text(), \
        "run `python -m autograder.references`"
    assert expected.EXPECTED
    verdict = find_check("bump_values").judge({}, left=0.0, right=1.0, height=3.0,
                                               steepness=5.0, seed=99)
    assert not verdict.passed and "arguments the notebook uses" in verdict.message
