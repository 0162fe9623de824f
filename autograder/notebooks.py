"""Where the course's notebooks are, and how to fill a student notebook with answers."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nncourse.selfcheck import nbgrader_meta  # noqa: F401 - one reader, re-exported

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
RELEASE = ROOT / "notebooks"
COURSE = ROOT / "course"

_SOLUTION_BLOCK = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


def notebook_file(folder: Path, assignment: str) -> Path:
    """``folder/<id>/<id>.ipynb``: where nbgrader keeps an assignment's notebook in each of
    its folders (solutions, release, and every student's folder)."""
    return folder / assignment / f"{assignment}.ipynb"


def student_file(work: Path, stage: str, student: str, assignment: str) -> Path:
    """``work/<stage>/<student>/<id>/<id>.ipynb``: one student's notebook in nbgrader's
    course folder (stage: ``submitted``, ``autograded``, ``feedback``)."""
    return notebook_file(work / stage / student, assignment)


def write_student_file(notebook: nbformat.NotebookNode, work: Path, stage: str, student: str,
                       assignment: str) -> Path:
    """Write ``notebook`` where :func:`student_file` says, making its folders."""
    path = student_file(work, stage, student, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def assignments() -> list[str]:
    """The notebook ids, in course order (the folders of ``solutions/``)."""
    return sorted(p.name for p in SOLUTIONS.iterdir() if notebook_file(SOLUTIONS, p.name).exists())


NOTEBOOK_IDS = ROOT / "autograder" / "notebook_ids.json"
"""The course's notebook ids (names only), written into each Gradescope zip when it is built
(:func:`autograder.gradescope.build`): the zip holds one notebook's ``solutions/``."""


def course_ids() -> list[str]:
    """Every notebook id of the course: :data:`NOTEBOOK_IDS` where it was recorded (a
    Gradescope zip, holding one notebook's solutions), else :func:`assignments`."""
    import json

    try:
        ids = json.loads(NOTEBOOK_IDS.read_text())
        if isinstance(ids, list) and all(isinstance(i, str) for i in ids):
            return ids
    except (OSError, ValueError):
        pass
    return assignments()


def source_notebook(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(notebook_file(SOLUTIONS, assignment), as_version=4)


def release_notebook(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(notebook_file(RELEASE, assignment), as_version=4)


def grade_id(cell) -> str | None:
    """The cell's nbgrader ``grade_id`` if it is a string (a malformed one counts as none)."""
    found = nbgrader_meta(cell).get("grade_id")
    return found if isinstance(found, str) else None


def is_solution(cell) -> bool:
    """An answer cell (the student writes it)."""
    return bool(nbgrader_meta(cell).get("solution"))


def is_graded(cell) -> bool:
    """A cell that earns points: a test cell, or an answer graded by hand."""
    return bool(nbgrader_meta(cell).get("grade"))


def solution_sources(assignment: str) -> dict[str, str]:
    """The instructor's answer for every solution cell, by grade id, markers removed."""
    return {grade_id(c): _SOLUTION_BLOCK.sub("", c.source)
            for c in source_notebook(assignment).cells if is_solution(c)}


def filled_notebook(assignment: str, answers: dict[str, str],
                    release: Path | None = None) -> nbformat.NotebookNode:
    """The student notebook (``release``, default the committed one) with answers filled in.

    answers: grade id -> source for the solution cells to replace.
    """
    notebook = (nbformat.read(release, as_version=4) if release
                else release_notebook(assignment))
    for cell in notebook.cells:
        if is_solution(cell) and grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return notebook


HIDDEN_CHECKS = "autograder.hidden"
"""The instructor's hidden checks, which a kernel running the source notebook must know."""


def execute(notebook: nbformat.NotebookNode, cwd: Path, allow_errors: bool = False,
            timeout: int = 600, hidden: bool = False,
            run_seed: int = 0) -> tuple[nbformat.NotebookNode, float, bool]:
    """Run ``notebook`` top to bottom in a fresh python3 kernel started in ``cwd``.

    Returns the executed notebook, the wall time in seconds (kernel start included), and
    whether the kernel was still alive at the end. Raises ``CellExecutionError`` on the
    first error unless ``allow_errors``. ``hidden``: the kernel can find the hidden checks
    (for the instructor's source notebook, whose test cells call them). ``run_seed``: the
    grading run's seed (visible checks then draw fresh inputs, as under the grader).
    """
    import os
    import time

    from jupyter_core.utils import run_sync
    from nbclient import NotebookClient

    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            allow_errors=allow_errors, resources={"metadata": {"path": str(cwd)}})
    start = time.perf_counter()
    try:
        env = dict(os.environ, NNCOURSE_CHECK_MODULES=HIDDEN_CHECKS if hidden else "",
                   NNCOURSE_RUN_SEED=str(run_seed))
        client.execute(cleanup_kc=False, env=env)
        alive = client.km is not None and bool(run_sync(client.km.is_alive)())
    finally:
        if client.km is not None:
            run_sync(client.km.shutdown_kernel)(now=True)
    return notebook, time.perf_counter() - start, alive


def errors(notebook: nbformat.NotebookNode) -> list[tuple[int, str, str]]:
    """(cell index, exception name, value) of every error output in an executed notebook."""
    return [(i, out.get("ename", ""), out.get("evalue", ""))
            for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"
            for out in cell.get("outputs", []) if out.get("output_type") == "error"]
