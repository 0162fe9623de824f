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


def solution_functions():
    """(``nbNN grade_id: name``, function node) of every graded function of the solutions."""
    for assignment in assignments():
        for cell in source_notebook(assignment).cells:
            meta = nbgrader_meta(cell)
            if cell.cell_type != "code" or not meta.get("solution"):
                continue
            for function in answer_functions(cell.source):
                yield f"{assignment[:2]} {meta.get('grade_id')}: {function.name}", function


@cache
def graded_code() -> tuple[tuple[str, list[str]], ...]:
    """(``nbNN grade_id: name``, token pairs) of every graded function of the solutions."""
    found = []
    for label, function in solution_functions():
        tokens = code_tokens(function, blank=True)
        if len(tokens) >= MIN_TOKENS:
            found.append((label, pairs(tokens)))
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
    import numpy as np
    from nncourse import expected
    from nncourse.checking import find_check

    from autograder.references import render, stored_table

    # the numbers, to round-off: libm's exp differs in the last bit from one CPU to another
    # (5.6e-17 on a parameter of 1.39 between two machines of this project's), far below
    # every stored-value check's tolerance (1e-8 and up)
    now = stored_table()
    assert sorted(now) == sorted(expected.EXPECTED), "run `python -m autograder.references`"
    for key, values in now.items():
        values, kept = np.asarray(values, dtype=float), np.asarray(expected.EXPECTED[key])
        assert values.shape == kept.shape and np.allclose(
            kept, values, rtol=1e-12, atol=1e-12 * max(1.0, float(np.abs(values).max()))), \
            f"{key}: run `python -m autograder.references`"
    assert render(now).count("\n") == (ROOT / "lib" / "nncourse" / "expected.py"
                                       ).read_text().count("\n")
    assert expected.EXPECTED
    verdict = find_check("bump_values").judge({}, left=0.0, right=1.0, height=3.0,
                                               steepness=5.0, seed=99)
    assert not verdict.passed and "arguments the notebook uses" in verdict.message


# ---------------------------------------------------------------------------------------------
# expressions: the core expressions of every graded function, short ones too, against every
# expression a student can read. ``scores.argmax(axis=1)`` and ``np.argmax(scores, axis=1)``
# are one expression; names are blanked; ``float(...)``/``int(...)`` around it do not count.

METHOD_FORMS = frozenset({"argmax", "argmin", "sum", "mean", "max", "min", "std", "var",
                          "abs", "sign", "exp", "log", "sqrt", "prod", "cumsum", "clip"})
"""numpy methods that are also numpy functions: ``a.sum(...)`` is ``np.sum(a, ...)``."""
MIN_EXPRESSION_PARTS = 3
"""Calls, operators and subscripts an expression needs to count: ``np.maximum(z, 0)`` (two)
is an idiom; ``np.mean(np.argmax(s, axis=1) == y)`` (three) is an answer."""


KEEP_NAMES = frozenset(dir(__builtins__) if isinstance(__builtins__, dict) else
                       dir(__import__("builtins"))) | {"np", "numpy", "math"}


class _Canonical(ast.NodeTransformer):
    """Method forms to function forms, names blanked, a named helper's call blanked like a
    name (``np.mean(np.argmax(scores_of(p, X), axis=1) == y)`` is accuracy's answer on a
    helper's output), ``float``/``int`` wrappers dropped."""

    def visit_Call(self, node):
        callee = node.func
        self.generic_visit(node)
        if isinstance(callee, ast.Name):  # what is called stays: it is what the code does
            if callee.id not in KEEP_NAMES:  # a helper's result is an input, like a name
                return ast.Name("_", ast.Load())
            node.func = callee
        if isinstance(node.func, ast.Name) and node.func.id in ("float", "int") \
                and len(node.args) == 1 and not node.keywords:
            return node.args[0]
        if isinstance(node.func, ast.Attribute) and node.func.attr in METHOD_FORMS \
                and not (isinstance(node.func.value, ast.Name)
                         and node.func.value.id in ("np", "numpy", "math")):
            return ast.Call(func=ast.Attribute(value=ast.Name("np", ast.Load()),
                                               attr=node.func.attr, ctx=ast.Load()),
                            args=[node.func.value, *node.args], keywords=node.keywords)
        return node

    def visit_Name(self, node):
        return node if node.id in KEEP_NAMES else ast.Name("_", node.ctx)


IDIOMS = frozenset({"max(np.max(_), np.max(_))", "max(np.max(_), np.max(_)) + 1",
                    "np.diff(_) / np.diff(_)"})
"""Canonical expressions that are bookkeeping, not an answer: the number of classes; the
slopes between points (``count_linear_pieces``'s docstring says the slopes are measured, its
answer is how they are compared and counted; notebook 02's given ``shallow_interpolant``
takes the slopes between known kinks)."""


def _parts(node: ast.AST) -> int:
    return sum(isinstance(n, ast.Call | ast.BinOp | ast.Compare | ast.Subscript | ast.UnaryOp)
               for n in ast.walk(node))


def _numpy_calls(node: ast.AST) -> int:
    return sum(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
               and isinstance(n.func.value, ast.Name) and n.func.value.id == "np"
               for n in ast.walk(node))


def _substantial(node: ast.AST) -> bool:
    """An expression that computes with numpy: two numpy calls, or one among three parts
    (``lam * np.sum(w ** 2)``); indexing and arithmetic alone (``x @ W + b``) are idioms."""
    calls = _numpy_calls(node)
    return calls >= 2 or (calls == 1 and _parts(node) >= MIN_EXPRESSION_PARTS)


def _torch_code(tree: ast.AST) -> set[int]:
    """The ids of the nodes inside functions that use torch: torch's tensor methods read like
    numpy's (``(t ** 2).sum()``), and a judge may compute with torch."""
    inside = set()
    for function in _functions(tree):
        if any(isinstance(n, ast.Name) and n.id in ("torch", "F") for n in ast.walk(function)):
            inside |= {id(n) for n in ast.walk(function)}
    return inside


def canonical_expressions(tree: ast.AST) -> set[str]:
    """Every substantial expression of ``tree`` outside torch code, in canonical form."""
    found = set()
    torch_code = _torch_code(tree)
    for node in ast.walk(tree):
        if id(node) in torch_code:
            continue
        if isinstance(node, ast.expr) and not isinstance(node, ast.Name | ast.Constant
                                                          | ast.Starred | ast.Slice):
            with contextlib.suppress(RecursionError, ValueError, TypeError, SyntaxError):
                canon = _Canonical().visit(ast.parse(ast.unparse(node), mode="eval")).body
                text = ast.unparse(canon)
                if _substantial(canon) and text not in IDIOMS:
                    found.add(text)
    return found


@cache
def graded_expressions() -> tuple[tuple[str, str], ...]:
    """(``nbNN grade_id: name``, canonical expression) of the statements of every graded
    function's answer region (returned, assigned, augmented)."""
    found = []
    for label, function in solution_functions():
        for node in ast.walk(function):
            if isinstance(node, ast.Return | ast.Assign | ast.AugAssign) \
                    and node.value is not None:
                found.extend((label, canon)
                             for canon in canonical_expressions(ast.Expression(node.value)))
    return tuple(sorted(set(found)))


@cache
def readable_expressions() -> dict[str, set[str]]:
    """Where a student reads code -> its canonical expressions (library code, strings that
    parse, released notebooks' given code and markdown code, as :func:`readable_code`)."""
    places = {}
    for path in sorted((ROOT / "lib" / "nncourse").rglob("*.py")):
        places[str(path.relative_to(ROOT))] = canonical_expressions(ast.parse(path.read_text()))
    for assignment in assignments():
        notebook = nbformat.read(ROOT / "notebooks" / assignment / f"{assignment}.ipynb", 4)
        for index, cell in enumerate(notebook.cells):
            if nbgrader_meta(cell).get("solution"):
                continue  # the exercise's own cell (its stub and example)
            pieces = [cell.source] if cell.cell_type == "code" else [
                a or b for a, b in MARKDOWN_CODE.findall(cell.source)]
            for piece in pieces:
                tree = _parse(textwrap.dedent(piece))
                if tree is not None:
                    places.setdefault(f"notebooks/{assignment} cell {index}", set()).update(
                        canonical_expressions(tree))
    return places


def expression_leaks(graded, places) -> list[str]:
    return sorted(f"{answer}: `{expression}` is readable in {where}"
                  for answer, expression in graded for where, found in places.items()
                  if expression in found)


def test_no_readable_expression_is_a_graded_functions_core():
    """No expression of the library or the released notebooks is the core expression of a
    graded function, however short (accuracy's argmax comparison was in a judge)."""
    found = expression_leaks(graded_expressions(), readable_expressions())
    assert not found, "answers' expressions in reach:\n" + "\n".join(found)


OLD_ACCURACY_JUDGE = '''
def judge_accuracy(name, got, scores, y):
    return compare(name, float(np.squeeze(got)), float(np.mean(scores.argmax(axis=1) == y)))
'''


def test_the_expression_finder_finds_the_old_accuracy_judge():
    """The judge accuracy's check once used (its expectation in numpy, method form) is found
    as notebook 05's accuracy; the torch form the judge uses now is not."""
    graded = [g for g in graded_expressions() if g[0].endswith(": accuracy")]
    assert graded
    old = {"old checks/nb05.py": canonical_expressions(ast.parse(OLD_ACCURACY_JUDGE))}
    assert expression_leaks(graded, old)
    now = {"oracle": canonical_expressions(ast.parse(
        "float((torch.argmax(s, dim=1) == y).double().mean())"))}
    assert not expression_leaks(graded, now)


# ---------------------------------------------------------------------------------------------
# twisted: an error bound is an answer with every operand made positive
# (``np.abs(dout) @ np.abs(W).T`` was in notebook 04's judge: drop the ``abs`` and it is
# linear_backward's dX). Readable code whose every name sits inside ``abs``/``np.abs``/
# ``float``/``.abs()`` is compared, wrappers dropped, with every computing sub-expression of
# the answers however short.

UNWRAP = frozenset({"abs", "fabs", "float", "absolute"})


class _Unwrap(ast.NodeTransformer):
    """``abs(x)``, ``np.abs(x)``, ``np.fabs(x)``, ``float(x)``, ``x.abs()`` -> ``x``."""

    def visit_Call(self, node):
        self.generic_visit(node)
        callee = node.func
        if node.keywords:
            return node
        if isinstance(callee, ast.Name) and callee.id in UNWRAP and len(node.args) == 1:
            return node.args[0]
        if isinstance(callee, ast.Attribute) and callee.attr in UNWRAP:
            if isinstance(callee.value, ast.Name) and callee.value.id in ("np", "numpy",
                                                                          "math"):
                return node.args[0] if len(node.args) == 1 else node
            if not node.args:
                return callee.value
        return node


ABS = frozenset({"abs", "fabs", "absolute"})


def _operand(node: ast.AST) -> bool:
    """A name, or a name's attribute or item (``W``, ``W.T``, ``x[0]``): not a computation."""
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return isinstance(node, ast.Name)


def _abs_argument(node: ast.AST) -> ast.AST | None:
    """What ``node`` takes the absolute value of, if it is ``abs(a)``/``np.abs(a)``/
    ``a.abs()``."""
    if not isinstance(node, ast.Call) or node.keywords:
        return None
    callee = node.func
    if isinstance(callee, ast.Name) and callee.id == "abs" and len(node.args) == 1:
        return node.args[0]
    if isinstance(callee, ast.Attribute) and callee.attr in ABS:
        if isinstance(callee.value, ast.Name) and callee.value.id in ("np", "numpy", "math"):
            return node.args[0] if len(node.args) == 1 else None
        return callee.value if not node.args else None
    return None


def _all_names_wrapped(node: ast.AST) -> bool:
    """Every name ``node`` reads (numpy aside) is an operand inside its own abs, and there is
    an operator or a call around them: ``np.abs(a) @ np.abs(W).T``, not ``np.abs(a - b)``."""
    wrapped, names = set(), set()
    for part in ast.walk(node):
        if isinstance(part, ast.Name) and part.id not in KEEP_NAMES:
            names.add(id(part))
        argument = _abs_argument(part)
        if argument is not None and _operand(argument):
            wrapped |= {id(n) for n in ast.walk(argument) if isinstance(n, ast.Name)}
    return bool(names) and names <= wrapped


def _computes_with(node: ast.AST) -> bool:
    """A matrix product, a reduction along an axis (``np.sum(a, axis=0)``) or two operators:
    ``a + b`` alone is every sum of sizes."""
    parts = [n for n in ast.walk(node) if isinstance(n, ast.BinOp) or (
        isinstance(n, ast.Call) and (n.keywords or len(n.args) > 1))]
    return len(parts) >= 2 or any(
        isinstance(n, ast.Call) and n.keywords or isinstance(n, ast.BinOp)
        and isinstance(n.op, ast.MatMult) for n in parts)


def _canonical(node: ast.AST) -> str:
    return ast.unparse(_Canonical().visit(ast.parse(ast.unparse(node), mode="eval")).body)


@cache
def graded_cores() -> tuple[tuple[str, str], ...]:
    """(answer, canonical expression) of every computing sub-expression of every graded
    function's returned or assigned values, with an operator or a call in it."""
    found = set()
    for label, function in solution_functions():
        for node in ast.walk(function):
            if isinstance(node, ast.Return | ast.Assign | ast.AugAssign) \
                    and node.value is not None:
                for part in ast.walk(node.value):
                    if isinstance(part, ast.expr) and _computes_with(part):
                        with contextlib.suppress(RecursionError, ValueError, SyntaxError):
                            found.add((label, _canonical(part)))
    return tuple(sorted(found))


def twisted_expressions(tree: ast.AST) -> set[str]:
    """The canonical, unwrapped form of every expression of ``tree`` whose names are all
    wrapped in abs/float."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.expr) and not isinstance(node, ast.Name | ast.Constant) \
                and _all_names_wrapped(node):
            with contextlib.suppress(RecursionError, ValueError, SyntaxError):
                bare = _Unwrap().visit(ast.parse(ast.unparse(node), mode="eval")).body
                if _computes_with(bare):
                    found.add(_canonical(bare))
    return found


def twisted_leaks(graded, places: dict[str, set[str]]) -> list[str]:
    return sorted(f"{answer}: `{expression}` is readable, wrapped in abs, in {where}"
                  for answer, expression in graded for where, found in places.items()
                  if expression in found)


def test_no_readable_code_is_an_answer_with_abs_around_its_operands():
    """No library code is a graded function's expression with every operand wrapped in
    abs()/np.abs()/float() (an error bound written as the answer made positive)."""
    places = {str(path.relative_to(ROOT)): twisted_expressions(ast.parse(path.read_text()))
              for path in sorted((ROOT / "lib" / "nncourse").rglob("*.py"))}
    found = twisted_leaks(graded_cores(), places)
    assert not found, "answers with a twist in reach:\n" + "\n".join(found)


OLD_WIDE_LINEAR = """
def judge_wide_linear(got, X, W, b, dout):
    return first_failure(*(compare_derived(name, part, want, size=size)
                           for name, part, want, size in zip(
                               ("dX", "dW", "db"), parts, oracle,
                               (np.abs(dout) @ np.abs(W).T, np.abs(X).T @ np.abs(dout),
                                np.abs(dout).sum(axis=0)), strict=True)))
"""


def test_the_twist_finder_finds_the_old_linear_bound():
    """notebook 04's old error bound is found as linear_backward's three gradients; the
    same bounds computed by torch's autograd on positive inputs, and a maximum of a
    difference, are not."""
    graded = [g for g in graded_cores() if g[0].endswith(": linear_backward")]
    assert graded
    found = twisted_leaks(graded, {"old": twisted_expressions(ast.parse(OLD_WIDE_LINEAR))})
    assert {f.split("`")[1] for f in found} >= {"_ @ _.T", "_.T @ _", "np.sum(_, axis=0)"}, \
        found
    now = ast.parse("sizes = gradients(*(np.abs(np.asarray(a, dtype=np.float64)) for a in "
                    "(X, W, b, dout)))\nworst = float(np.max(np.abs(got - want)))")
    assert not twisted_leaks(graded_cores(), {"now": twisted_expressions(now)})


# ---------------------------------------------------------------------------------------------
# behaviour: a library function that passes a graded function's visible check, computing
# without torch, is an answer whatever its code looks like (the old
# ``reference_early_stopping`` shared no code with ``early_stopping``: a brute force over
# every prefix, yet a complete answer).


def _solution_signatures() -> dict[str, tuple[int, int]]:
    """Graded top-level function name -> (required, total) positional parameters."""
    found = {}
    for assignment in assignments():
        for cell in source_notebook(assignment).cells:
            if cell.cell_type != "code" or not nbgrader_meta(cell).get("solution"):
                continue
            for function in answer_functions(cell.source):
                if function.col_offset == 0:  # a top-level function, not a method
                    args = function.args
                    total = len(args.posonlyargs) + len(args.args)
                    found[function.name] = (total - len(args.defaults), total)
    return found


def _fits(function, required: int, total: int) -> bool:
    import inspect

    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    needed = [p for p in positional if p.default is p.empty]
    if any(p.kind == p.KEYWORD_ONLY and p.default is p.empty for p in parameters):
        return False
    return len(needed) <= required and len(positional) >= min(total, required + 1) \
        and len(needed) >= 1


def library_functions() -> list[tuple[str, object]]:
    """Every top-level function of the course library, by ``module.name``."""
    import importlib
    import inspect

    found = []
    for path in sorted((ROOT / "lib" / "nncourse").rglob("*.py")):
        module_name = ".".join(path.relative_to(ROOT / "lib").with_suffix("").parts)
        module_name = module_name.removesuffix(".__init__")
        try:
            module = importlib.import_module(module_name)
        except Exception:  # noqa: BLE001 - a module that does not import answers nothing
            continue
        found += [(f"{module_name}.{name}", value)
                  for name, value in vars(module).items()
                  if inspect.isfunction(value) and value.__module__ == module_name]
    return found


class _UsedTorch(Exception):
    pass


def _torch_free(function):
    """``function``, failing with _UsedTorch as soon as it calls into torch."""
    import sys

    def watch(frame, event, arg):
        if event == "call" and "/torch/" in frame.f_code.co_filename:
            raise _UsedTorch
        if event == "c_call":
            owner = getattr(arg, "__self__", None)
            module = getattr(arg, "__module__", None) or type(owner).__module__ or ""
            if module.startswith("torch"):
                raise _UsedTorch

    def wrapped(*args, **kwargs):
        sys.setprofile(watch)
        try:
            return function(*args, **kwargs)
        finally:
            sys.setprofile(None)

    return wrapped


def _passes(check, graded_name, args, function, torch_allowed=False) -> bool:
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            seen = check.probe(**{graded_name: function if torch_allowed
                                  else _torch_free(function)}, **args)
            return bool(check.judge(seen, **args).passed)
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 - anything but a pass is no answer
        return False


def _first_argument(*args, **kwargs):
    """The trivial stand-in: returns what it was given."""
    return args[0] if args else None


def behaviour_leaks(candidates, checks=None, torch_allowed=False) -> list[str]:
    """``graded function: module.function`` for every library function (of ``candidates``)
    that passes every visible check of a graded function (those whose probe takes it as the
    only function), without torch. A graded function whose visible checks the trivial
    stand-in passes too (``parity_units_deep``: its visible check watches the growth and the
    one count the lesson states, the grader the counts) cannot be judged this way and is left
    out."""
    import inspect

    from nncourse.checking import REGISTRY, check_modules

    for module in check_modules():
        __import__(module)
    signatures = _solution_signatures()
    by_function: dict[str, list] = {}
    for check in checks or list(REGISTRY.values()):
        if getattr(check, "fresh", False):
            continue
        parameters = inspect.signature(check.probe).parameters
        graded = [n for n in parameters if n in signatures]
        if len(graded) != 1:
            continue
        try:
            args = check.arguments({})
        except Exception:  # noqa: BLE001
            continue
        if set(parameters) - {graded[0], "kwargs", "args", "_", *args}:
            continue
        by_function.setdefault(graded[0], []).append((check, args))
    found = []
    for graded_name, runs in sorted(by_function.items()):
        if all(_passes(check, graded_name, args, _first_argument) for check, args in runs):
            continue
        for where, function in candidates:
            if _fits(function, *signatures[graded_name]) and all(
                    _passes(check, graded_name, args, function, torch_allowed)
                    for check, args in runs):
                found.append(f"{graded_name} ({', '.join(c.name for c, _ in runs)}) is "
                             f"answered by {where}")
    return sorted(found)


OLD_REFERENCE_EARLY_STOPPING = '''
def reference_early_stopping(val_losses, patience):
    """Brute force: at every epoch e, look back over the prefix up to e."""
    losses = np.array([float(v) for v in val_losses])
    looks = [(e, int(np.flatnonzero(losses[:e + 1] == losses[:e + 1].min())[0]))
             for e in range(len(losses))]
    stops = [(e, at) for e, at in looks if e - at >= patience]
    return stops[0] if stops else looks[-1]
'''
"""checks/nb06.py's reference as it was: a complete numpy answer to ``early_stopping``."""


@pytest.mark.timeout(900)
def test_no_library_function_passes_a_graded_check():
    """No function of the course library, run without torch, passes the visible check of a
    graded function in its place."""
    found = behaviour_leaks(library_functions())
    assert not found, "library functions that answer an exercise:\n" + "\n".join(found)


def test_the_behaviour_finder_finds_the_old_early_stopping_reference():
    """The old reference_early_stopping passes early_stopping's check and is found; the
    grader's torch reference passes it too and is found once torch is allowed."""
    import numpy as np
    from nncourse.checking import find_check

    from autograder.references import reference_early_stopping

    namespace = {"np": np}
    exec(OLD_REFERENCE_EARLY_STOPPING, namespace)  # noqa: S102 - the test's own text
    check = find_check("early_stopping_cases")
    old = [("old checks/nb06.py.reference_early_stopping",
            namespace["reference_early_stopping"])]
    assert behaviour_leaks(old, [check]) == [
        "early_stopping (early_stopping_cases) is answered by "
        "old checks/nb06.py.reference_early_stopping"]
    assert behaviour_leaks([("grader", reference_early_stopping)], [check]) == []
    assert behaviour_leaks([("grader", reference_early_stopping)], [check],
                           torch_allowed=True) == [
        "early_stopping (early_stopping_cases) is answered by grader"]


GRADER_SIDE = ("early_stopping",)
"""Graded functions whose reference is the grader's alone: translating a torch reference of
them into numpy is the exercise, so the student library holds none, torch or not (their
visible checks read stored numbers)."""


def test_no_library_function_answers_a_grader_side_exercise_even_with_torch():
    """No function of the student library (nncourse.oracle included), torch allowed, passes
    the visible checks of an exercise whose reference lives with the grader (the torch
    ``oracle.early_stopping`` did: a table of prefixes, numpy line by line)."""
    from nncourse.checking import REGISTRY, check_modules

    for module in check_modules():
        __import__(module)
    checks = [c for c in REGISTRY.values() if not getattr(c, "fresh", False)
              and any(name in GRADER_SIDE for name in
                      __import__("inspect").signature(c.probe).parameters)]
    assert checks
    found = behaviour_leaks(library_functions(), checks, torch_allowed=True)
    assert not found, "library functions that answer a grader-side exercise:\n" + \
        "\n".join(found)


def test_the_grader_references_early_stopping_is_the_contracts():
    """The grader's torch reference gives the (stop, best) pairs worked out by hand for the
    visible cases, and the stored numbers the visible check reads are those pairs."""
    from nncourse.checks.nb06 import EarlyStoppingCases

    from autograder.references import reference_early_stopping

    by_hand = [(5, 2), (6, 6), (4, 1), (4, 4), (7, 4)]
    assert [reference_early_stopping(losses, patience)
            for losses, patience in EarlyStoppingCases.CASES] == by_hand
    assert EarlyStoppingCases().expected_pairs({}) == by_hand
    assert EarlyStoppingCases().expected_pairs({"other": 1}) is None


# ---------------------------------------------------------------------------------------------
# notebook 06's checks judge by property or torch: no answer-adjacent formula, however short
# (the review of 2026-12-06 found the survivors' factor of dropout, a hint saying how to draw
# the keep pattern, the subgradient step of soft_threshold and two near-answers of
# residual_backward written out as a judge's mistakes).

OLD_NB06_FORMULAS = {
    "dropout's survivors' factor": "scale = 1.0 / (1.0 - p)",
    "soft_threshold's subgradient step": "W - t * np.sign(W)",
    "residual_backward without the relu gate": "dout + dout @ W.T",
    "residual_backward without the identity (the answer minus dout)": "oracle[0] - dout",
    # review of 2026-12-08: node-by-node steps of batchnorm_backward in the closed form's judge
    "batchnorm_backward's bar of s": "bar_s = (g * centred).sum(axis=0)",
    "batchnorm_backward's bar of v": "bar_s * -0.5 * (variance + eps) ** -1.5",
    "batchnorm_backward's direct path": "dout * gamma / np.sqrt(X.var(0) + eps)",
}
OLD_NB06_HINTS = ("keep it when a uniform draw is >= p",
                  # review r34 (issue 22): hints that said the answer's code or its steps
                  "switched off: return (X, None)", "Draw one random number per entry of X",
                  "of dout or of dout * x_hat", "params - lr * gradient",
                  "its gradient sums over the batch", "give the same mask to dropout_backward",
                  "Keep a copy of the parameters whenever",
                  "Pass the rng argument itself to dropout_forward")


def _all_canonical(tree: ast.AST) -> set[str]:
    """Every expression of ``tree`` in canonical form (names blanked), torch code included,
    however short."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.expr) and not isinstance(node, ast.Name | ast.Constant):
            with contextlib.suppress(RecursionError, ValueError, TypeError, SyntaxError):
                found.add(ast.unparse(_Canonical().visit(
                    ast.parse(ast.unparse(node), mode="eval")).body))
    return found


def _old_formula(source: str) -> str:
    tree = ast.parse(source)
    node = tree.body[0].value if isinstance(tree.body[0], ast.Assign) else tree.body[0].value
    return ast.unparse(_Canonical().visit(ast.parse(ast.unparse(node), mode="eval")).body)


def test_nb06_checks_write_no_answer_adjacent_formula():
    """The readable checks of notebook 06 (and its hidden ones) hold none of the formulas the
    review found (in any names), and no hint says how to draw the keep pattern or another
    step of an answer (:data:`OLD_NB06_HINTS`)."""
    places = {path: path.read_text() for path in (
        ROOT / "lib" / "nncourse" / "checks" / "nb06.py",
        ROOT / "autograder" / "hidden" / "nb06.py")}
    for path, text in places.items():
        found = _all_canonical(ast.parse(text))
        for what, source in OLD_NB06_FORMULAS.items():
            assert _old_formula(source) not in found, (path.name, what)
        assert not [h for h in OLD_NB06_HINTS if squash(h) in squash(text)], path.name
    old = ast.parse("def judge(W, t, p):\n    scale = 1.0 / (1.0 - p)\n"
                    "    return W - t * np.sign(W)\n")
    assert _old_formula(OLD_NB06_FORMULAS["dropout's survivors' factor"]) in _all_canonical(old)
    assert _old_formula("x - lam * np.sign(x)") in _all_canonical(old)


# ---------------------------------------------------------------- the mini-batch training loop

# Notebook 05's train_mlp is graded as a structure (init, a make_minibatches per epoch, a
# gradient and an update per batch, an evaluation per epoch), so no readable code may hold
# that loop under other names: the token finder above misses it when the loop is a few lines
# of a longer demo (notebook 05's optimiser comparison once gave it as `train_with`).
BATCH_SOURCES = frozenset({"make_minibatches"})


def _called(call: ast.Call) -> str:
    function = call.func
    return (function.id if isinstance(function, ast.Name)
            else function.attr if isinstance(function, ast.Attribute) else "")


def _rebound(node: ast.AST) -> set[str]:
    """Names that statements inside node assign to."""
    names = set()
    for statement in ast.walk(node):
        targets = (statement.targets if isinstance(statement, ast.Assign)
                   else [statement.target] if isinstance(statement, ast.AugAssign
                                                          | ast.AnnAssign) else [])
        names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def training_loops(tree: ast.AST) -> list[str]:
    """``line N: loop stepping <params> with <gradient>`` for every loop of a piece of code
    that uses mini-batches and, inside the loop, computes a gradient (a call whose name holds
    "grad") of parameters the same loop reassigns: a given gradient-descent loop over
    mini-batches."""
    calls = {_called(n) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    if not calls & BATCH_SOURCES:
        return []
    found = []
    for loop in ast.walk(tree):
        if not isinstance(loop, ast.For | ast.While):
            continue
        rebound = _rebound(loop)
        for call in ast.walk(loop):
            if isinstance(call, ast.Call) and "grad" in _called(call).lower():
                stepped = {a.id for a in call.args if isinstance(a, ast.Name)} & rebound
                if stepped:
                    found.append(f"line {loop.lineno}: loop stepping {sorted(stepped)} with "
                                 f"{_called(call)}")
                    break
    return found


def readable_training_loops() -> list[str]:
    """Training loops over mini-batches in the course library and the released notebooks'
    given code cells."""
    found = []
    for path in sorted((ROOT / "lib" / "nncourse").rglob("*.py")):
        found += [f"{path.relative_to(ROOT)} {loop}"
                  for loop in training_loops(ast.parse(path.read_text()))]
    for assignment in assignments():
        notebook = nbformat.read(ROOT / "notebooks" / assignment / f"{assignment}.ipynb", 4)
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code" or nbgrader_meta(cell).get("solution"):
                continue
            tree = _parse(cell.source)
            if tree is not None:
                found += [f"notebooks/{assignment} cell {index} {loop}"
                          for loop in training_loops(tree)]
    return found


def test_no_readable_code_gives_the_minibatch_training_loop():
    """No given code runs its own mini-batch gradient-descent loop (train_mlp's answer): the
    demos that train on mini-batches call the student's train_mlp."""
    found = readable_training_loops()
    assert not found, "training loops a student can read:\n" + "\n".join(found)


OLD_TRAIN_WITH = '''
def train_with(update, epochs=10, batch_size=32, seed=0):
    rng = np.random.default_rng(seed)
    weights = init_params(64, 64, 10, rng)
    losses = [mlp_loss(weights, X_train, y_train)]
    for _ in range(epochs):
        for X_b, y_b in make_minibatches(X_train, y_train, batch_size, rng):
            weights = update(weights, batch_gradient_vectorized(weights, X_b, y_b))
        losses.append(mlp_loss(weights, X_train, y_train))
    return losses
'''

OLD_REPLAY = '''
batches = [make_minibatches(X, y, 32, rng) for _ in range(3)]
for epoch in range(3):
    for X_b, y_b in batches[epoch]:
        g = batch_gradient_vectorized(w, X_b, y_b)
        w = sgd_step(w, g, 0.1)
'''


def test_the_loop_finder_finds_the_old_demos_and_spares_a_plain_descent():
    """The finder flags notebook 05's old train_with and its replay of recorded batches, and
    not a gradient-descent loop without mini-batches (notebook 03's path on a function)."""
    assert training_loops(ast.parse(OLD_TRAIN_WITH))
    assert training_loops(ast.parse(OLD_REPLAY))
    plain = "for _ in range(9):\n    point = point - 0.1 * numerical_gradient(f, point)\n"
    assert not training_loops(ast.parse(plain))
    timed = ("batches = make_minibatches(X, y, 8, rng)\n"
             "timeit.repeat(lambda: sgd_step(p, batch_gradient_vectorized(p, X, y), 0.1))\n")
    assert not training_loops(ast.parse(timed))




# ---------------------------------------------------------------------------------------------
# notation: a graded function's expression written as math in prose ("s (1 - s)",
# "1 - tanh^2", "p_i [i == j] - p_i p_j", "2 (p - t) / n"): names free (any short name, the
# same name where the code repeats one), a product by juxtaposition next to a bracket,
# powers as ^, ``np.diag(p)`` and ``np.outer(p, q)`` in index notation. Searched in every
# string of the library (docstrings, messages, hints); a formula the notebook's own lesson
# writes in its markdown is taught, not leaked.

S = r"\s*"
IDENTIFIER = r"[^\W\d]\w{0,3}?"
"""A name in written math: a short identifier (``s``, ``p``, ``σ``, ``dout``)."""
APPLIED = r"(?!\w)(?:\s*\([^()]{0,8}\))?"
"""After a name: maybe applied to something (``σ(z)``)."""
WRAPPERS = frozenset({"asarray", "array", "float", "asanyarray"})
MIN_OPERATORS = 2
"""Operators (index forms count, a function's name does not) a formula needs to count:
``a - b`` is every difference; and one anchor (a number, a bracket, a call, an index form):
``a * b + c`` with its names free is every affine expression."""
SAME_SHAPE = {("03 sigmoid_grad: sigmoid_grad", "lib/nncourse/checks/nb06.py"):
              "the binomial variance p (1 - p) of dropout's kept units",
              ("04 sigmoid_layer: sigmoid_backward", "lib/nncourse/checks/nb06.py"):
              "the binomial variance size * p * (1 - p) of dropout's kept units"}
"""(answer, place) -> why a formula of that shape there is another quantity."""


class _Notation:
    """One expression as a regular expression over prose (whitespace free), or None."""

    def __init__(self, local: dict[str, ast.AST]):
        self.local, self.groups, self.operators, self.anchors = local, {}, 0, 0

    def name(self, name: str, tail: str = APPLIED) -> str:
        if name in self.groups:
            return rf"(?<!\w)(?P={self.groups[name]}){tail}"
        self.groups[name] = f"n{len(self.groups)}"
        return rf"(?<!\w)(?P<{self.groups[name]}>{IDENTIFIER}){tail}"

    def resolved(self, node: ast.AST, depth: int = 0) -> ast.AST:
        """What a name holds (a local or a wrapper's argument), as it is written."""
        if depth < 6 and isinstance(node, ast.Name) and node.id in self.local:
            return self.resolved(self.local[node.id], depth + 1)
        if depth < 6 and isinstance(node, ast.Call) and node.args and getattr(
                node.func, "attr", getattr(node.func, "id", None)) in WRAPPERS:
            return self.resolved(node.args[0], depth + 1)
        return node

    def bracketed(self, node: ast.AST) -> bool:
        node = self.resolved(node)
        return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub)

    def wrap(self, node: ast.AST, text: str) -> str:
        if not self.bracketed(node):
            return text
        self.anchors += 1
        return rf"\({S}{text}{S}\)"

    def render(self, node: ast.AST, depth: int = 0) -> str | None:
        if depth > 6:
            return None
        if isinstance(node, ast.Name):
            if node.id in self.local:
                return self.render(self.local[node.id], depth + 1)
            return self.name(node.id)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) \
                and not isinstance(node.value, bool):
            self.anchors += 1
            return rf"(?<![\w.]){re.escape(f'{node.value:g}')}(?:\.0)?(?![\w.])"
        if isinstance(node, ast.Attribute) and node.attr in ("size", "shape"):
            return self.name(ast.unparse(node))
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = self.render(node.operand, depth)
            return None if inner is None else "-" + S + self.wrap(node.operand, inner)
        if not isinstance(node, ast.BinOp):
            return None
        left, right = self.render(node.left, depth), self.render(node.right, depth)
        if left is None or right is None:
            return None
        self.operators += 1
        op = type(node.op)
        left, right = self.wrap(node.left, left), self.wrap(node.right, right)
        if op is ast.Add:
            return f"{left}{S}\\+{S}{right}"
        if op is ast.Sub:
            return f"{left}{S}-{S}{right}"
        if op is ast.Pow:
            return f"{left}{S}(?:\\^|\\*\\*){S}{right}"
        if op is ast.Div:
            return f"{left}{S}/{S}{right}"
        if op is ast.Mult:  # side by side only next to a bracket: "s (1 - s)", "2 (p - t)"
            juxtaposed = self.bracketed(node.left) or self.bracketed(node.right)
            return f"{left}{S}[*·×]{'?' if juxtaposed else ''}{S}{right}"
        return None

    def call(self, node: ast.Call, depth: int) -> str | None:
        callee = node.func
        function = callee.attr if isinstance(callee, ast.Attribute) else getattr(
            callee, "id", None)
        if function == "len" and len(node.args) == 1:
            return self.name(ast.unparse(node))
        if function in ("diag", "outer") and all(isinstance(a, ast.Name) for a in node.args):
            self.anchors += 1
            if function == "diag" and len(node.args) == 1:
                self.operators += 1
                return (self.name(node.args[0].id, "_i") + S
                        + r"(?:\[\s*i\s*==?\s*j\s*\]|δ_\{?ij\}?)")
            if function == "outer" and len(node.args) == 2:
                self.operators += 1
                return (self.name(node.args[0].id, "_i") + S + "[*·]?" + S
                        + self.name(node.args[1].id, "_j"))
        args = [self.render(a, depth) for a in node.args]
        if function is None or None in args:
            return None
        if function in WRAPPERS and args:
            return args[0]
        if isinstance(callee, ast.Attribute) and not (isinstance(callee.value, ast.Name)
                                                       and callee.value.id in ("np", "math")):
            return None  # a method: no written form
        self.anchors += 1
        simple = all(isinstance(a, ast.Name | ast.Constant) for a in node.args)
        applied = rf"\({S}{f'{S},{S}'.join(args)}{S}\)"
        return rf"(?<!\w){re.escape(function)}(?:{applied}){'?' if simple else ''}"


def _locals(function: ast.AST) -> dict[str, ast.AST]:
    """A function's names assigned once, to what."""
    assigned: dict[str, list] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            assigned.setdefault(node.targets[0].id, []).append(node.value)
    return {name: values[0] for name, values in assigned.items() if len(values) == 1}


@cache
def graded_notations() -> tuple[tuple[str, str], ...]:
    """(answer, regular expression) of every graded function's assigned or returned value
    written as math, both with its local names kept and replaced by what they hold."""
    found = set()
    for label, function in solution_functions():
        local = _locals(function)
        for node in ast.walk(function):
            if not (isinstance(node, ast.Return | ast.Assign) and node.value is not None):
                continue
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            for value in values:
                for names in ({}, local):
                    notation = _Notation(names)
                    pattern = notation.render(value)
                    if pattern and notation.operators >= MIN_OPERATORS and notation.anchors:
                        found.add((label, pattern))
    return tuple(sorted(found))


def library_strings(sources: dict[str, str]) -> dict[str, str]:
    """Where -> every string constant of that module, whitespace runs made one space."""
    return {where: re.sub(r"\s+", " ", "\n".join(
        node.value for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)))
        for where, source in sources.items()}


@cache
def taught_markdown() -> dict[str, str]:
    """Notebook number -> its released markdown, whitespace runs made one space."""
    taught = {}
    for assignment in assignments():
        notebook = nbformat.read(ROOT / "notebooks" / assignment / f"{assignment}.ipynb", 4)
        taught[assignment[:2]] = re.sub(r"\s+", " ", "\n".join(
            c.source for c in notebook.cells if c.cell_type == "markdown"))
    return taught


def notation_leaks(graded, texts: dict[str, str]) -> list[str]:
    found = set()
    for answer, pattern in graded:
        compiled = re.compile(pattern)
        if compiled.search(taught_markdown().get(answer[:2], "")):
            continue  # the lesson writes it: taught, not leaked
        for where, text in texts.items():
            if (answer, where) in SAME_SHAPE:
                continue
            for match in compiled.finditer(text):
                found.add(f"{answer}: `{match.group(0)}` is written in {where}")
    return sorted(found)


def _library_sources() -> dict[str, str]:
    return {str(path.relative_to(ROOT)): path.read_text()
            for path in sorted((ROOT / "lib" / "nncourse").rglob("*.py"))}


def test_no_library_string_writes_an_answer_as_math():
    """No docstring, message or hint of the library writes a graded function's expression as
    a formula ("s (1 - s)" was notebook 03's sigmoid_grad, in a constant's docstring)."""
    found = notation_leaks(graded_notations(), library_strings(_library_sources()))
    assert not found, "answers written as formulas:\n" + "\n".join(found)


OLD_NB03_NOTES = '''
ACTIVATION_ROUNDOFFS = 8
"""sigmoid' and tanh' may be off by 8 round-offs (1.8e-15) at any z: the formulas measured
(s (1 - s), s(z) s(-z), 1 - tanh^2, 1 / cosh^2, e^-|z| / (1 + e^-|z|)^2, tanh(z/2)) are
within 1.2."""
NOTE = """each entry is p_i [i == j] - p_i p_j: its size is the sum of the two terms' sizes"""
DPRED = """and exact entry by entry: each is one product, 2 (p - t) / n"""
'''


def test_the_notation_finder_finds_notebook_03s_old_notes():
    """The old docstring and comments of notebook 03's checks, as strings, are found as
    sigmoid_grad, tanh_grad, softmax_jacobian and mse_loss; the rewritten ones are not."""
    found = notation_leaks(graded_notations(), library_strings({"old": OLD_NB03_NOTES}))
    answers = {f.split(":")[1].strip() for f in found}
    assert {"sigmoid_grad", "tanh_grad", "softmax_jacobian", "mse_loss"} <= answers, found
    now = library_strings({"nb03": (ROOT / "lib" / "nncourse" / "checks" / "nb03.py")
                           .read_text()})
    assert not [f for f in notation_leaks(graded_notations(), now) if f.startswith("03 ")]
