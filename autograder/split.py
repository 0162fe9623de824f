"""Split personalities: every mutant of the catalogue, honest only where one kind of check calls.

A student's function can tell which check is calling it (a visible check's frame is on the
stack: its module is ``nncourse.checks.nbNN``) and do the work only there. The grade is the
work only if every graded call judges every rule that call can express; a rule judged by the
visible checks alone (or the hidden ones alone) is a rule such an answer breaks for free.

:func:`split_entries` builds, for each mutant of a notebook's catalogue, two submissions
whose changed function holds both bodies, the instructor's and the mutant's, and chooses
between them at every call by the stack (:data:`VISIBLE_TEST`):

- ``hidden-<mutant>``: the solution when a visible check is on the stack, the mutant
  otherwise (the hidden checks and the other notebooks' cells see the bug);
- ``visible-<mutant>``: the mutant under a visible check, the solution otherwise.

Each must lose points (``python -m autograder mutate NN --kinds split``). A mutant whose
changed cell cannot be merged this way (a class, a changed signature or module-level value)
is listed by :func:`unsplittable` with the reason, not silently dropped.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from autograder.mutation import Mutant, catalogue
from autograder.notebooks import solution_sources

VISIBLE_TEST = '''
import sys as _split_sys

_split_mutant_runs = [0]  # how often the mutant's body ran (an in-process screen reads it)


def _split_visible():
    """Whether a visible course check is calling: a frame of a visible check module
    (nncourse.checks.*) on the stack, and none of the grader's (autograder.*), neither by
    its module nor by the class of its ``self`` (a hidden check that inherits a visible
    check's probe runs that probe's code with a hidden check as ``self``)."""
    frame, visible = _split_sys._getframe(1), False
    while frame is not None:
        module = str(frame.f_globals.get("__name__", ""))
        owner = frame.f_locals.get("self")
        owner_module = str(getattr(type(owner), "__module__", "")) if owner is not None else ""
        if module.startswith("autograder") or owner_module.startswith("autograder"):
            return False
        visible = visible or module.startswith("nncourse.checks")
        frame = frame.f_back
    return visible
'''
"""The stack test the merged functions call: the known shortcuts' test (a frame of
nncourse.checks), sharpened so that a hidden check built on a visible one counts as hidden."""

SIDES = ("hidden", "visible")
"""``hidden``: the mutant's body runs when no visible check is on the stack; ``visible``: only
under a visible check."""


class NotSplittable(ValueError):
    """The mutant's cell cannot be merged with the solution's into one stack-chosen cell."""


def _body(function: ast.FunctionDef) -> tuple[ast.Expr | None, list[ast.stmt]]:
    """A function's docstring statement (or None) and the rest of its body."""
    first = function.body[0]
    if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)):
        return first, function.body[1:] or [ast.Pass()]
    return None, function.body


def _merged(honest: ast.FunctionDef, wrong: ast.FunctionDef, side: str) -> ast.FunctionDef:
    """``honest`` whose body runs the solution or the mutant by :func:`_split_visible`."""
    if ast.dump(honest.args) != ast.dump(wrong.args):
        raise NotSplittable(f"{honest.name}'s signature differs")
    if [ast.dump(d) for d in honest.decorator_list] != [ast.dump(d) for d in wrong.decorator_list]:
        raise NotSplittable(f"{honest.name}'s decorators differ")
    docstring, honest_body = _body(honest)
    _, wrong_body = _body(wrong)
    count = ast.parse("_split_mutant_runs[0] += 1").body
    wrong_body = count + wrong_body
    first, second = (honest_body, wrong_body) if side == "hidden" else (wrong_body, honest_body)
    test = ast.Call(func=ast.Name("_split_visible", ast.Load()), args=[], keywords=[])
    choice = ast.If(test=test, body=first, orelse=second)
    merged = ast.FunctionDef(name=honest.name, args=honest.args, body=[choice],
                             decorator_list=honest.decorator_list, returns=honest.returns,
                             type_comment=None)
    if docstring is not None:
        merged.body.insert(0, docstring)
    return ast.fix_missing_locations(ast.copy_location(merged, honest))


def split_source(solution: str, mutant: str, side: str) -> str:
    """One cell holding both answers: every top-level function the mutant changes becomes one
    function choosing the solution's or the mutant's body at each call (see :data:`SIDES`).
    Statements the mutant adds are kept; a changed class or value raises NotSplittable."""
    honest_tree, wrong_tree = ast.parse(solution), ast.parse(mutant)
    wrong_by_name = {s.name: s for s in wrong_tree.body if isinstance(s, ast.FunctionDef)}
    honest_dumps = {ast.dump(s) for s in honest_tree.body}
    body: list[ast.stmt] = []
    changed = []
    for statement in honest_tree.body:
        if isinstance(statement, ast.FunctionDef) and statement.name in wrong_by_name:
            wrong = wrong_by_name[statement.name]
            if ast.dump(wrong) != ast.dump(statement):
                statement = _merged(statement, wrong, side)
                changed.append(statement.name)
        body.append(statement)
    for statement in wrong_tree.body:
        if ast.dump(statement) in honest_dumps or (
                isinstance(statement, ast.FunctionDef) and statement.name in changed):
            continue
        if isinstance(statement, (ast.ClassDef, ast.Assign, ast.AnnAssign, ast.AugAssign)):
            raise NotSplittable(f"the mutant changes a module-level {type(statement).__name__}")
        body.append(statement)  # an import or a helper function the mutant adds
    if not changed:
        raise NotSplittable("the mutant changes no top-level function of the cell")
    merged = ast.unparse(ast.Module(body=body, type_ignores=[]))
    return VISIBLE_TEST.lstrip() + "\n\n" + merged + "\n"


@dataclass
class Split(Mutant):
    """A mutant honest under one kind of check only: it must lose points."""

    kind = "split"


def _split_all(assignment: str, match: str = "") -> tuple[list[Split], list[tuple[str, str]]]:
    solutions = solution_sources(assignment)
    built, skipped = [], []
    for entry in catalogue(assignment):
        if entry.kind != "mutant" or match not in entry.name:
            continue
        if entry.cell not in solutions:
            skipped.append((entry.name, f"no solution cell {entry.cell!r}"))
            continue
        wrong = entry.answers(solutions)[entry.cell]
        for side in SIDES:
            try:
                source = split_source(solutions[entry.cell], wrong, side)
            except (NotSplittable, SyntaxError) as error:
                skipped.append((entry.name, str(error)))
                break
            built.append(Split(f"{side}-{entry.name}", entry.cell, source=source,
                               why=f"{entry.why or entry.name}; the bug only "
                                   + ("outside visible checks" if side == "hidden"
                                      else "under visible checks")))
    return built, skipped


def split_entries(assignment: str, match: str = "") -> list[Split]:
    """Two stack-chosen submissions (:data:`SIDES`) per mutant of ``assignment`` whose name
    contains ``match``."""
    return _split_all(assignment, match)[0]


def unsplittable(assignment: str, match: str = "") -> list[tuple[str, str]]:
    """(mutant name, why) for the mutants :func:`split_entries` could not build."""
    return _split_all(assignment, match)[1]
