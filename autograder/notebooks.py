"""Where the course's notebooks are, and how to fill a student notebook with answers."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
RELEASE = ROOT / "notebooks"
COURSE = ROOT / "course"

_SOLUTION_BLOCK = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


def assignments() -> list[str]:
    """The notebook ids, in course order (the folders of ``solutions/``)."""
    return sorted(p.name for p in SOLUTIONS.iterdir() if (p / f"{p.name}.ipynb").exists())


def source_notebook(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(SOLUTIONS / assignment / f"{assignment}.ipynb", as_version=4)


def release_notebook(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(RELEASE / assignment / f"{assignment}.ipynb", as_version=4)


def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def is_solution(cell) -> bool:
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


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
            timeout: int = 600, hidden: bool = False) -> tuple[nbformat.NotebookNode, float, bool]:
    """Run ``notebook`` top to bottom in a fresh python3 kernel started in ``cwd``.

    Returns the executed notebook, the wall time in seconds (kernel start included), and
    whether the kernel was still alive at the end. Raises ``CellExecutionError`` on the
    first error unless ``allow_errors``. ``hidden``: the kernel can find the hidden checks
    (for the instructor's source notebook, whose test cells call them).
    """
    import os
    import time

    from jupyter_core.utils import run_sync
    from nbclient import NotebookClient

    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            allow_errors=allow_errors, resources={"metadata": {"path": str(cwd)}})
    start = time.perf_counter()
    try:
        env = dict(os.environ, NNCOURSE_CHECK_MODULES=HIDDEN_CHECKS if hidden else "")
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
