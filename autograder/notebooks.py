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


def filled_notebook(assignment: str, answers: dict[str, str]) -> nbformat.NotebookNode:
    """The student notebook with the solution cells named in ``answers`` replaced."""
    notebook = release_notebook(assignment)
    for cell in notebook.cells:
        if is_solution(cell) and grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return notebook
