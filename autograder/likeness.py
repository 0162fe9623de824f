"""How alike two pieces of Python are, whatever their names, comments, docstrings or dead code.

One measure serves the answer-leak test (every graded solution against all the code a student
can read) and ``grading/integrity.csv`` (students against each other, the instructor's
solution and the course library).

A function becomes a *token stream*: its syntax tree, with docstrings, ``pass`` and dead code
dropped (statements after a ``return``/``raise``/``break``/``continue``; the branch of an
``if`` or ``while`` on a test made of constants (``False``, ``1 > 2``, ``x and False``) that
never runs; loops over nothing (``range(0)``, ``[]``); a ``try`` of nothing; assignments, tuple
assignments and augmented assignments to names nothing else reads, repeated until none is left;
nested functions nothing calls; bare expressions that change nothing (no call, or calls of pure
builtins, ``print``, numpy's and math's functions but ``np.random`` and the in-place ones, an
array's pure methods); blocks left empty), unparsed and split into Python tokens (``tokenize``:
no comments, no whitespace), with every identifier that is not a kept name (builtins, modules
such as ``np``) replaced: by ``v0, v1, ...`` in order of first appearance (``canonical``), or
all by one placeholder (``blank``, for comparing a function with any stretch of a longer one,
where the order of first appearance differs). Attribute names (``.reshape``), operators and
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


def _names_read(node: ast.AST) -> tuple[set[str], int]:
    """Every name ``node`` reads, or declares global or nonlocal (another function may read
    it), and how many nodes it has. An augmented assignment's own target is not a read: a
    counter only ever added to is dead."""
    read = set()
    size = 0
    for part in ast.walk(node):
        size += 1
        if isinstance(part, ast.Name) and isinstance(part.ctx, ast.Load):
            read.add(part.id)
        elif isinstance(part, ast.Global | ast.Nonlocal):
            read |= set(part.names)
    return read, size


_COMPARE = {ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
            ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
            ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
            ast.Is: lambda a, b: a is b, ast.IsNot: lambda a, b: a is not b}
_ARITHMETIC = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
               ast.Mult: lambda a, b: a * b}


def _constant(node: ast.expr):
    """The value of an expression built of constants only (``not True``, ``1 > 2``,
    ``False and x``, ``2 - 3``: small arithmetic, comparisons, ``not``, ``and``/``or``);
    raises ValueError for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, bool | int | float | str
                                                     | type(None)):
        if isinstance(node.value, int | float) and abs(node.value) > 1e12:
            raise ValueError("too large")
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not _constant(node.operand)
    if isinstance(node, ast.BoolOp):
        truth = _constant_test(node)
        if truth is None:
            raise ValueError("not a constant")
        return truth
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _constant(node.operand)
        if not isinstance(value, int | float):
            raise ValueError("not a number")
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        left, right = _constant(node.left), _constant(node.right)
        if not all(isinstance(v, int | float) and not isinstance(v, bool)
                   for v in (left, right)):
            raise ValueError("not numbers")
        return _constant(ast.Constant(_ARITHMETIC[type(node.op)](left, right)))
    if isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        left = _constant(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _constant(right_node)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id == "range" and not node.keywords and 1 <= len(node.args) <= 3:
        values = [_constant(a) for a in node.args]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise ValueError("not integers")
        return len(range(*values)) > 0  # only ever asked whether it is empty
    if isinstance(node, ast.List | ast.Tuple | ast.Set) and not node.elts:
        return False
    if isinstance(node, ast.Dict) and not node.keys:
        return False
    raise ValueError("not a constant")


def _constant_test(node: ast.expr) -> bool | None:
    """The truth of an ``if``/``while``/``assert`` test made of constants only (``if
    False:``, ``if 1 > 2:``, ``while not True:``, ``x and False``), else None."""
    if isinstance(node, ast.BoolOp):
        truths = [_constant_test(value) for value in node.values]
        decisive = isinstance(node.op, ast.Or)  # True decides an or, False an and
        if decisive in truths:
            return decisive
        return (not decisive) if all(t is not None for t in truths) else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _constant_test(node.operand)
        return None if inner is None else not inner
    try:
        return bool(_constant(node))
    except (ValueError, TypeError, ZeroDivisionError, OverflowError, RecursionError):
        return None


def _loops_never(node: ast.For | ast.AsyncFor) -> bool:
    """A ``for`` over nothing: ``range(0)``, ``[]``, ``()``, ``''``."""
    try:
        return not bool(_constant(node.iter))
    except (ValueError, TypeError, ZeroDivisionError, OverflowError, RecursionError):
        return False


_PURE_BUILTINS = frozenset({
    "abs", "all", "any", "bool", "dict", "divmod", "enumerate", "float", "hash", "id", "int",
    "isinstance", "issubclass", "len", "list", "max", "min", "pow", "print", "range", "repr",
    "reversed", "round", "set", "sorted", "str", "sum", "tuple", "type", "zip", "callable"})
"""Functions whose call as a statement cannot change a result (``print`` only writes)."""
_PURE_MODULES = frozenset({"np", "numpy", "math"})
_IMPURE_ATTRIBUTES = frozenset({
    "random", "seterr", "copyto", "put", "place", "putmask", "fill_diagonal", "at", "shuffle",
    "seed", "fill", "sort", "resize", "itemset", "partition", "setflags", "append", "extend",
    "insert", "pop", "remove", "clear", "update", "setdefault", "add", "discard", "write",
    "save", "savez", "savetxt", "tofile", "set_printoptions", "setbufsize", "errstate",
    "einsum_path", "out", "__setitem__", "__delitem__", "__iadd__"})
"""numpy's and Python's names that change something in place: a call to them is kept."""
_PURE_METHODS = frozenset({
    "sum", "mean", "max", "min", "std", "var", "prod", "reshape", "copy", "astype", "dot",
    "trace", "ravel", "flatten", "item", "tolist", "any", "all", "argmax", "argmin",
    "transpose", "squeeze", "clip", "round", "cumsum", "cumprod", "T", "shape", "size",
    "ndim", "dtype", "real", "conjugate", "nonzero", "diagonal"})


def _pure(node: ast.expr) -> bool:
    """Whether evaluating ``node`` cannot change anything: names, constants, operators and
    calls of pure builtins, of numpy's and math's functions (not ``np.random``, not the
    in-place ones) and of an array's pure methods (``.sum()``, ``.reshape()``)."""
    for part in ast.walk(node):
        if isinstance(part, ast.Await | ast.Yield | ast.YieldFrom | ast.NamedExpr
                      | ast.Lambda):
            return False
        if isinstance(part, ast.Attribute) and part.attr in _IMPURE_ATTRIBUTES:
            return False
        if isinstance(part, ast.keyword) and part.arg == "out":
            return False
        if not isinstance(part, ast.Call):
            continue
        func = part.func
        if isinstance(func, ast.Name):
            if func.id not in _PURE_BUILTINS:
                return False
            continue
        if not isinstance(func, ast.Attribute):
            return False
        root = func
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id in _PURE_MODULES:
            continue
        if func.attr not in _PURE_METHODS:
            return False
    return True


class _DeadCode(ast.NodeTransformer):
    """Drops what cannot change a result: see the module's docstring."""

    def __init__(self, read: set[str]):
        self.read = read
        self.depth = 0  # functions entered: a nested definition nothing reads is dead
        self.dropped = False  # whether this pass changed a block

    def _block(self, body: list[ast.stmt]) -> list[ast.stmt]:
        kept = self._kept(body)
        if len(kept) != len(body) or any(a is not b for a, b in zip(kept, body)):
            self.dropped = True
        return kept

    def _kept(self, body: list[ast.stmt]) -> list[ast.stmt]:
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

    def _unread(self, target: ast.expr) -> bool:
        """A target (a name, or a tuple or list of them) that nothing reads."""
        if isinstance(target, ast.Starred):
            return self._unread(target.value)
        if isinstance(target, ast.Tuple | ast.List):
            return all(self._unread(t) for t in target.elts)
        return isinstance(target, ast.Name) and target.id not in self.read

    def _dead(self, statement: ast.stmt) -> bool:
        if isinstance(statement, ast.Pass):
            return True
        if isinstance(statement, ast.Expr):
            return _pure(statement.value)
        if isinstance(statement, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) \
                else [statement.target]
            return all(self._unread(t) for t in targets)
        if isinstance(statement, ast.Assert):
            return _constant_test(statement.test) is True
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return self.depth > 0 and statement.name not in self.read \
                and not statement.decorator_list
        if isinstance(statement, ast.If):
            return _is_pass(statement.body) and _is_pass(statement.orelse) \
                and _pure(statement.test)
        if isinstance(statement, ast.For | ast.AsyncFor | ast.While | ast.With
                      | ast.AsyncWith):
            return _is_pass(statement.body) and not getattr(statement, "orelse", None)
        return False

    def generic_visit(self, node):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                setattr(node, name, self._block(block))
        for name, value in ast.iter_fields(node):
            if name in ("body", "orelse", "finalbody"):
                continue
            # only an except clause or a match case holds statements: expressions never do
            if isinstance(value, list):
                setattr(node, name, [self.visit(v) if isinstance(
                    v, ast.excepthandler | ast.match_case) else v for v in value])
            elif isinstance(value, ast.excepthandler | ast.match_case):
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

    def visit_For(self, node):
        if _loops_never(node):
            return self._block(node.orelse)
        return self._fill(node)

    visit_AsyncFor = visit_For

    def visit_Try(self, node):
        """A ``try`` whose body does nothing: its handlers never run."""
        self._fill(node)
        if _is_pass(node.body):
            return self._block([*node.orelse, *node.finalbody])
        return node

    visit_TryStar = visit_Try

    def _function(self, node):
        self.depth += 1
        try:
            return self._fill(node)
        finally:
            self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def _fill(self, node):
        self.generic_visit(node)
        for name in ("body", "handlers"):
            if getattr(node, name, None) == []:
                setattr(node, name, [ast.Pass()] if name == "body" else [])
        return node

    def visit_ClassDef(self, node):
        depth, self.depth = self.depth, 0  # methods are read through the class
        try:
            return self._fill(node)
        finally:
            self.depth = depth

    visit_With = visit_ExceptHandler = visit_AsyncWith = _fill


def _is_pass(body: list[ast.stmt]) -> bool:
    """A block that does nothing (empty, or ``pass`` only)."""
    return all(isinstance(s, ast.Pass) for s in body)


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


DEAD_CODE_ROUNDS = 5
"""Times dead code is dropped, each time with the names the remaining code still reads (an
assignment read only by a dead one is dead in the next round)."""


def without_dead_code(node: ast.AST) -> ast.AST:
    """A copy of ``node`` with docstrings and dead code dropped (see the module docstring)."""
    return ast.fix_missing_locations(_without_dead_code(node))


def _without_dead_code(node: ast.AST) -> ast.AST:
    """:func:`without_dead_code` without source locations (unparsing needs none). A round
    only ever drops nodes (an emptied block gets one ``pass``, smaller than what it held), so
    a round that keeps every block, or leaves the count of nodes unchanged, changed nothing:
    it is the last."""
    copy = ast.parse(ast.unparse(node))
    read, size = _names_read(copy)
    for _ in range(DEAD_CODE_ROUNDS):
        dead = _DeadCode(read)
        copy = dead.visit(copy)
        if not dead.dropped:
            break  # every block kept as it was: nothing changed
        read, after = _names_read(copy)
        if after == size:
            break
        size = after
    return copy


def code_tokens(node: ast.AST | str, keep: set[str] | frozenset[str] = KEEP,
                blank: bool = False) -> list[str]:
    """``node`` (a syntax tree or source) as a normalised token stream (module docstring)."""
    tree = ast.parse(node) if isinstance(node, str) else node
    tree = Rename(set(keep) | KEEP, blank).visit(_without_dead_code(tree))
    text = ast.unparse(tree)
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
