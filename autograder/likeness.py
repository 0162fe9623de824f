"""How alike two pieces of Python are, whatever their names, comments, docstrings or dead code.

One measure serves the answer-leak test (every graded solution against all the code a student
can read) and ``grading/integrity.csv`` (students against each other, the instructor's
solution and the course library).

A function becomes a *token stream*: its syntax tree, with docstrings, ``pass`` and dead code
dropped (statements after a ``return``/``raise``/``break``/``continue``, the branch of an
``if`` on a constant that never runs, assignments to names nothing reads, bare expressions
with no call), unparsed and split into Python tokens (``tokenize``: no comments, no
whitespace), with every identifier that is not a kept name (builtins, modules such as ``np``)
replaced: by ``v0, v1, ...`` in order of first appearance (``canonical``), or all by one
placeholder (``blank``, for comparing a function with any stretch of a longer one, where
the order of first appearance differs). Attribute names (``.reshape``), operators and
constants are kept: they are what the code does.

Two streams are compared by their longest common subsequence (RapidFuzz's ``LCSseq``,
installed with nbgrader) divided by the length of the shorter: lines added to one copy
(dead or not) leave every token of the other still matched, so they do not dilute it.
"""

from __future__ import annotations

import ast
import builtins
import io
import tokenize

from rapidfuzz.distance import LCSseq

KEEP = frozenset(dir(builtins)) | {"np", "numpy", "math", "self", "cls"}
"""Names that are never renamed: what they are matters, not what a student called them."""
_SKIPPED_TOKENS = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENCODING,
                   tokenize.ENDMARKER}


def _names_read(node: ast.AST) -> set[str]:
    """Every name ``node`` reads (an augmented assignment reads its target too), or declares
    global or nonlocal (another function may read it)."""
    read = set()
    for part in ast.walk(node):
        if isinstance(part, ast.Name) and isinstance(part.ctx, ast.Load):
            read.add(part.id)
        elif isinstance(part, ast.AugAssign) and isinstance(part.target, ast.Name):
            read.add(part.target.id)
        elif isinstance(part, ast.Global | ast.Nonlocal):
            read |= set(part.names)
    return read


def _constant_test(node: ast.expr) -> bool | None:
    """The truth of an ``if``/``while`` test that is a constant (``if False:``), else None."""
    try:
        return bool(ast.literal_eval(node))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


class _DeadCode(ast.NodeTransformer):
    """Drops what cannot change a result: see the module's docstring."""

    def __init__(self, read: set[str]):
        self.read = read

    def _block(self, body: list[ast.stmt]) -> list[ast.stmt]:
        kept: list[ast.stmt] = []
        for statement in body:
            statement = self.visit(statement)
            for part in statement if isinstance(statement, list) else [statement]:
                if part is None or self._dead(part):
                    continue
                kept.append(part)
                if isinstance(part, ast.Return | ast.Raise | ast.Break | ast.Continue):
                    return kept
        return kept

    def _dead(self, statement: ast.stmt) -> bool:
        if isinstance(statement, ast.Pass):
            return True
        if isinstance(statement, ast.Expr):
            return not any(isinstance(n, ast.Call | ast.Await | ast.Yield | ast.YieldFrom)
                           for n in ast.walk(statement.value))
        if isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) \
                else [statement.target]
            return all(isinstance(t, ast.Name) and t.id not in self.read for t in targets)
        return False

    def generic_visit(self, node):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                setattr(node, name, self._block(block))
        for name, value in ast.iter_fields(node):
            if name in ("body", "orelse", "finalbody"):
                continue
            if isinstance(value, list):
                setattr(node, name, [self.visit(v) if isinstance(v, ast.AST) else v
                                     for v in value])
            elif isinstance(value, ast.AST):
                setattr(node, name, self.visit(value))
        return node

    def visit_If(self, node):
        truth = _constant_test(node.test)
        if truth is True:
            return self._block(node.body)
        if truth is False:
            return self._block(node.orelse)
        self.generic_visit(node)
        if not node.body:
            node.body = [ast.Pass()]
        return node

    def visit_While(self, node):
        if _constant_test(node.test) is False:
            return self._block(node.orelse)
        self.generic_visit(node)
        if not node.body:
            node.body = [ast.Pass()]
        return node

    def _fill(self, node):
        self.generic_visit(node)
        for name in ("body", "handlers"):
            if getattr(node, name, None) == []:
                setattr(node, name, [ast.Pass()] if name == "body" else [])
        return node

    visit_For = visit_With = visit_Try = visit_FunctionDef = visit_AsyncFunctionDef = _fill
    visit_ClassDef = visit_ExceptHandler = visit_AsyncFor = visit_AsyncWith = _fill


class Rename(ast.NodeTransformer):
    """Renames identifiers not in ``keep``: to ``_`` (``blank``) or v0, v1, ... in order."""

    def __init__(self, keep: set[str], blank: bool):
        self.keep, self.blank = keep, blank
        self.names: dict[str, str] = {}

    def _new(self, name: str) -> str:
        if name in self.keep:
            return name
        if self.blank:
            return "_"
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_FunctionDef(self, node):
        node.name = self._new(node.name)
        node.returns = None
        return self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        node.name = self._new(node.name)
        return self.generic_visit(node)

    def visit_arg(self, node):
        node.arg = self._new(node.arg)
        node.annotation = None
        return node

    def visit_Name(self, node):
        node.id = self._new(node.id)
        return node


def without_dead_code(node: ast.AST) -> ast.AST:
    """A copy of ``node`` with docstrings and dead code dropped (see the module docstring)."""
    copy = ast.parse(ast.unparse(node))
    return ast.fix_missing_locations(_DeadCode(_names_read(copy)).visit(copy))


def code_tokens(node: ast.AST | str, keep: set[str] | frozenset[str] = KEEP,
                blank: bool = False) -> list[str]:
    """``node`` (a syntax tree or source) as a normalised token stream (module docstring)."""
    tree = ast.parse(node) if isinstance(node, str) else node
    tree = Rename(set(keep) | KEEP, blank).visit(without_dead_code(tree))
    text = ast.unparse(ast.fix_missing_locations(tree))
    tokens = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type in _SKIPPED_TOKENS:
            continue
        tokens.append({tokenize.INDENT: "<indent>", tokenize.DEDENT: "<dedent>"}.get(
            token.type, token.string))
    return tokens


LENGTH_RATIO = 0.6
"""Below this ratio of lengths the shorter is not measured against itself alone (a short
function would be "contained" in any long one): the longer's length counts too."""


def score(common: int, first: int, second: int) -> float:
    """0-100 from a common-subsequence length and the two lengths: over the shorter length
    when the two are of comparable length, else Indel's ``2 common / (first + second)``."""
    shorter, longer = min(first, second), max(first, second)
    if not shorter:
        return 0.0
    if shorter >= LENGTH_RATIO * longer:
        return 100.0 * common / shorter
    return 200.0 * common / (first + second)


def likeness(first: list[str], second: list[str]) -> float:
    """0-100: how alike two token streams are (:func:`score` of their longest common
    subsequence); lines added to one of two copies leave it near 100."""
    return score(LCSseq.similarity(first, second), len(first), len(second))


_CODES: dict[str, str] = {}


def encoded(tokens: list[str]) -> str:
    """The stream as a string, one character per distinct token (the same character for the
    same token in every stream), for RapidFuzz's many-against-many ``cdist``."""
    return "".join(_CODES.setdefault(token, chr(0x10000 + len(_CODES))) for token in tokens)


def contained(part: list[str], whole: list[str]) -> float:
    """0-100: how much of ``part`` appears, in order, within one stretch of ``whole`` at most
    half again as long as ``part`` (so a copy inside a longer function is found, and a long
    text cannot match a short answer by picking tokens from everywhere)."""
    if not part or not whole:
        return 0.0
    width = len(part) + len(part) // 2
    if len(whole) <= width:
        return 100.0 * LCSseq.similarity(part, whole) / len(part)
    step = max(1, len(part) // 4)
    best = 0
    for start in range(0, len(whole) - width + step, step):
        best = max(best, LCSseq.similarity(part, whole[start:start + width]))
        if best == len(part):
            break
    return 100.0 * best / len(part)
