"""Build what runs for one submission: the student's answers inside the instructor's notebook.

Test cells and other locked cells always come from the instructor's source (hidden tests
included), so a student who edited or deleted them gets them back; solution cells come from
the student, matched by their nbgrader ``grade_id`` wherever they moved them; a student's own
extra code cells run right after the graded cell they followed. What each test cell must
prove is read from the instructor's source with ``ast``: its ``check("name", ..., **args)``
calls, with literal arguments only.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from functools import cache

import nbformat
from nncourse.selfcheck import nbgrader_meta, written_answers

from autograder.notebooks import grade_id, source_notebook

STUB = "# YOUR CODE HERE\nraise NotImplementedError()"


@dataclass
class TestCell:
    """A graded test cell: where it runs, its points, and the checks it must pass."""

    grade_id: str
    points: float
    index: int = -1
    checks: list[tuple[str, dict]] = field(default_factory=list)
    #: the names the cell's check calls pass (the student's functions it grades)
    functions: tuple[str, ...] = ()


HIDDEN_BLOCK = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[ \t]*\n?",
                          re.MULTILINE | re.DOTALL)


def released_form(source: str) -> str:
    """A source cell as the student received it: hidden tests removed, ends stripped."""
    return HIDDEN_BLOCK.sub("", source).strip()


def parse_checks(source: str) -> list[tuple[str, dict]]:
    """The ``check(name, ..., **literal_args)`` calls of a test cell, in source order."""
    calls = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name != "check" or not node.args or not isinstance(node.args[0], ast.Constant):
            continue
        args = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
        calls.append(((node.lineno, node.col_offset), node.args[0].value, args))
    return [(name, args) for _, name, args in sorted(calls, key=lambda call: call[0])]


def checked_functions(source: str) -> tuple[str, ...]:
    """The plain names a test cell's ``check(name, f, g, ...)`` calls pass, in order."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and (
                getattr(node.func, "id", None) == "check"
                or getattr(node.func, "attr", None) == "check"):
            found += [a.id for a in node.args[1:] if isinstance(a, ast.Name)]
    return tuple(dict.fromkeys(found))


@cache
def instructor_cells(assignment: str) -> tuple:
    """The source notebook's code cells as (kind, grade_id, source, points) tuples."""
    cells = []
    for cell in source_notebook(assignment).cells:
        if cell.cell_type != "code":
            continue
        meta = nbgrader_meta(cell)
        if meta.get("grade") and not meta.get("solution"):
            kind = "test"
        elif meta.get("solution"):
            kind = "solution"
        elif meta.get("locked"):
            kind = "locked"
        else:
            kind = "free"
        cells.append((kind, meta.get("grade_id"), cell.source, float(meta.get("points", 0))))
    return tuple(cells)


def max_points(assignment: str) -> float:
    """The notebook's automatic points: its test cells' (what ``grade`` awards, and all it
    awards)."""
    return sum(points for kind, _, _, points in instructor_cells(assignment) if kind == "test")


@cache
def manual_max_points(assignment: str) -> float:
    """The notebook's points graded by hand: its answer cells that are also graded (the
    written answers, markdown), which the instructor scores in formgrader. ``grade`` never
    scores them; ``nbgrader export`` adds them to the automatic points."""
    return sum(answer.points for answer in written_answers(source_notebook(assignment)))


@cache
def written_ids(assignment: str) -> frozenset[str]:
    """The grade ids of the notebook's written answers (markdown, graded in formgrader)."""
    return frozenset(answer.answer for answer in written_answers(source_notebook(assignment)))


UNMARKED = ("{kind} {cell_id!r} is no longer marked an answer (its nbgrader metadata was "
            "changed to solution: false): {effect}")
"""The note on an answer cell whose metadata no longer says it is one (review 24c L2)."""


def _clean_cells(data: dict) -> list[str]:
    """Make every cell of parsed notebook JSON well-formed enough to assemble; notes.

    Non-dict cells are dropped; a ``metadata`` or ``nbgrader`` that is not a dict, and a
    ``grade_id`` that is not a string, are removed; a source that is a list is joined (only
    its strings). Nothing here can raise on any JSON value.
    """
    notes = []
    cells = data.get("cells")
    if not isinstance(cells, list):
        return notes
    kept = []
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict):
            notes.append(f"cell {number} is not a notebook cell ({type(cell).__name__}): "
                         "ignored")
            continue
        meta = cell.get("metadata")
        if not isinstance(meta, dict):
            cell["metadata"] = meta = {}
        nbgrader = meta.get("nbgrader")
        if nbgrader is not None and not isinstance(nbgrader, dict):
            notes.append(f"cell {number} has malformed nbgrader metadata: ignored")
            del meta["nbgrader"]
        elif isinstance(nbgrader, dict) and "grade_id" in nbgrader \
                and not isinstance(nbgrader["grade_id"], str):
            notes.append(f"cell {number} has a malformed grade_id "
                         f"({type(nbgrader['grade_id']).__name__}): ignored")
            del nbgrader["grade_id"]
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(part for part in source if isinstance(part, str))
        cell["source"] = source if isinstance(source, str) else ""
        if not isinstance(cell.get("cell_type"), str):
            cell["cell_type"] = "raw"
        kept.append(cell)
    data["cells"] = kept
    return notes


def read_submission(raw: bytes) -> tuple[nbformat.NotebookNode | None, list[str]]:
    """Parse a submitted file; returns (notebook or None, notes on what was wrong).

    Never raises: any malformed content (deeply nested JSON, wrong types anywhere) is a note
    and, at worst, ``None`` for this one submission.
    """
    if not raw.strip():
        return None, ["the file is empty"]
    try:
        data = json.loads(raw.decode("utf-8", errors="replace"))
    except ValueError as error:
        return None, [f"the file is not valid notebook JSON (corrupt or truncated): {error}"]
    except RecursionError:
        return None, ["the file is not a readable notebook: its JSON is nested too deeply"]
    if not isinstance(data, dict) or "nbformat" not in data:
        return None, ["the file is JSON but not a Jupyter notebook"]
    notes = []
    if data.get("nbformat") != 4:
        notes.append(f"nbformat {str(data.get('nbformat'))[:20]} notebook converted to "
                     "nbformat 4")
    try:
        notes += _clean_cells(data)
        notebook = nbformat.reads(json.dumps(data), as_version=4)
        if data.get("nbformat") != 4:
            _clean_cells(notebook)
    except Exception as error:  # noqa: BLE001 - any malformed structure
        return None, notes + [f"the notebook could not be read: {error!r}"[:300]]
    cells = notebook.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        return None, notes + ["the notebook has no readable cells"]
    metadata = notebook.get("metadata")
    kernelspec = metadata.get("kernelspec") if isinstance(metadata, dict) else None
    kernel = kernelspec.get("name", "python3") if isinstance(kernelspec, dict) else "python3"
    if kernel != "python3":
        notes.append(f"kernelspec {str(kernel)[:40]!r} ignored: graded with the course's "
                     "Python 3")
    return notebook, notes


def assemble(assignment: str, notebook: nbformat.NotebookNode | None
             ) -> tuple[list[dict], list[TestCell], list[str]]:
    """Cells to run (``{"index", "source", "label"}``), the test cells, and notes."""
    answers: dict[str, str] = {}
    extras: dict[str | None, list[str]] = {}
    seen_ids: dict[str, str] = {}
    previous: str | None = None
    notes: list[str] = []
    unmarked: set[str] = set()
    written: dict[str, bool] = {}  # a written answer's grade id -> a cell is marked an answer
    solution_ids = {cell_id for kind, cell_id, _, _ in instructor_cells(assignment)
                    if kind == "solution"}
    for cell in (notebook.cells if notebook is not None else []):
        if not isinstance(cell, dict):
            continue
        cell_id = grade_id(cell)
        cell_type = cell.get("cell_type")
        marked = bool(nbgrader_meta(cell).get("solution"))
        if cell_id in written_ids(assignment):  # formgrader shows the first marked one
            written[cell_id] = written.get(cell_id) or marked
        elif cell_id in solution_ids and not marked:
            unmarked.add(cell_id)
        if cell_type != "code":
            if (cell_type in ("markdown", "raw") and cell_id in solution_ids
                    and nbgrader_meta(cell).get("solution") and cell_id not in answers):
                notes.append(f"answer cell {cell_id!r} was turned into a {cell_type} cell: "
                             "restored to code from its nbgrader metadata")
            else:
                continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(part for part in source if isinstance(part, str))
        source = source if isinstance(source, str) else ""
        if cell_id:
            seen_ids[cell_id] = source
            if nbgrader_meta(cell).get("solution"):
                answers.setdefault(cell_id, source)
            previous = cell_id
        else:
            extras.setdefault(previous, []).append(source)
    notes += [UNMARKED.format(kind="written answer cell", cell_id=cell_id,
                              effect="its text is not graded: formgrader shows the released "
                                     "stub (no response)")
              for cell_id, marked in written.items() if not marked]
    cells: list[dict] = []
    tests: list[TestCell] = []

    def add(source: str, label: str, test: bool = False) -> int:
        cells.append({"index": len(cells), "source": source, "label": label, "test": test})
        return len(cells) - 1

    for source in extras.get(None, []):
        add(source, "your code cell at the top")
    for kind, cell_id, source, points in instructor_cells(assignment):
        if kind == "solution":
            if notebook is not None and cell_id in unmarked and cell_id not in answers:
                notes.append(UNMARKED.format(kind="answer cell", cell_id=cell_id,
                                             effect="graded as unanswered"))
            elif notebook is not None and cell_id not in answers:
                notes.append(f"answer cell {cell_id!r} is missing: graded as unanswered")
            add(answers.get(cell_id, STUB), f"answer cell {cell_id!r}")
        elif kind == "free":
            continue  # the student's own copies of demo cells run as extras
        else:
            if (notebook is not None and cell_id in seen_ids
                    and seen_ids[cell_id].strip() != released_form(source)):
                notes.append(f"locked cell {cell_id!r} was edited: restored from the source")
            elif notebook is not None and cell_id not in seen_ids:
                notes.append(f"locked cell {cell_id!r} was deleted: restored from the source")
            index = add(source, f"{kind} cell {cell_id!r}", test=kind == "test")
            if kind == "test":
                tests.append(TestCell(cell_id, points, index, parse_checks(source),
                                      checked_functions(source)))
        for extra in extras.get(cell_id, []):
            add(extra, f"your code cell after {cell_id!r}")
    return cells, tests, notes
