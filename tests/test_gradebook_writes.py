"""The class's gradebook writes (issue 23): the same rows as nbgrader's own, written cheaply.

``grade`` registers the notebooks it lacks with nbgrader's ``generate_assignment`` (all in
one nbgrader process), stamps a new gradebook with the alembic revision nbgrader's own
``get_alembic_version`` gives (read in this process), and saves every autograded notebook
with nbgrader's ``SaveAutoGrades`` on one gradebook opened for the class, one transaction
per notebook (nbgrader commits after every cell).
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import nbformat
import pytest

from autograder import autograded
from autograder.assemble import instructor_cells
from autograder.notebooks import filled_notebook, solution_sources, write_student_file
from autograder.report import write_gradebook
from autograder.submissions import Submission

A = "01_neuron_and_xor"


def test_a_new_gradebook_gets_nbgrader_s_own_alembic_revision():
    from nbgrader import api

    from autograder.term import _NBGRADER_ALEMBIC_VERSION, alembic_head

    nbgrader_own = (_NBGRADER_ALEMBIC_VERSION or [api.get_alembic_version])[0]
    assert nbgrader_own is not alembic_head
    assert alembic_head() == nbgrader_own()


def _class(folder: Path) -> tuple[list[Submission], list[dict]]:
    """Three students of notebook 01 (the solution, half the tests passed, blank) and
    their result records."""
    tests = [(cell_id, points) for kind, cell_id, _, points in instructor_cells(A)
             if kind == "test"]
    answers = {"ann": solution_sources(A), "bob": solution_sources(A), "cy": {}}
    submissions, records = [], []
    for number, (student, given) in enumerate(answers.items()):
        path = write_student_file(filled_notebook(A, given), folder, "in", student, A)
        submissions.append(Submission(student, A, path, []))
        records.append({"student": student, "assignment": A, "tests": [
            {"test": cell_id, "points": points if (number + i) % (number + 1) == 0 else 0.0,
             "max_points": points, "reason": "passed" if number == 0 else "failed",
             "hint": ""} for i, (cell_id, points) in enumerate(tests)]})
    return submissions, records


def _rows(work: Path) -> list[tuple]:
    """Every grade and comment row of the gradebook, by student and cell name."""
    with sqlite3.connect(work / "gradebook.db") as db:
        return sorted(db.execute(
            "SELECT s.student_id, b.name, g.auto_score, g.manual_score, g.needs_manual_grade "
            "FROM grade g JOIN base_cell b ON g.cell_id = b.id "
            "JOIN submitted_notebook n ON g.notebook_id = n.id "
            "JOIN submitted_assignment s ON n.assignment_id = s.id").fetchall()) + sorted(
            db.execute(
                "SELECT s.student_id, b.name, c.auto_comment, c.manual_comment "
                "FROM comment c JOIN base_cell b ON c.cell_id = b.id "
                "JOIN submitted_notebook n ON c.notebook_id = n.id "
                "JOIN submitted_assignment s ON n.assignment_id = s.id").fetchall())


def test_the_class_s_autograded_rows_are_those_of_nbgrader_s_own_save(tmp_path):
    """write_autograded (one gradebook, one commit per notebook) leaves the very rows that
    nbgrader's SaveAutoGrades, run on each notebook as nbgrader runs it, leaves."""
    from nbgrader.preprocessors import SaveAutoGrades

    submissions, records = _class(tmp_path)
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    ours.mkdir()
    write_gradebook(records, ours)
    shutil.copytree(ours, theirs)
    problems: list[str] = []
    assert len(autograded.write_autograded(submissions, records, ours, problems)) == 3
    assert problems == []
    for submission, record in zip(submissions, records, strict=True):
        notebook = autograded.autograded_notebook(
            A, nbformat.read(submission.path, as_version=4), record["tests"])
        SaveAutoGrades().preprocess(notebook, {"nbgrader": {
            "notebook": A, "assignment": A, "student": submission.student,
            "db_url": f"sqlite:///{theirs / 'gradebook.db'}"}})
    rows = _rows(ours)
    assert rows == _rows(theirs)
    assert {row[0] for row in rows} == {"ann", "bob", "cy"}
    assert {row[2] for row in rows if row[0] == "cy" and len(row) == 4} == {"No response."}


def test_a_notebook_that_fails_to_save_leaves_none_of_its_rows(tmp_path, monkeypatch):
    """One notebook's rows are one transaction: a failure part-way through its cells writes
    none of them (nbgrader's own save kept the cells before the failure), and the students
    after it still get theirs."""
    from nbgrader.preprocessors import SaveAutoGrades

    submissions, records = _class(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    write_gradebook(records, work)
    before = _rows(work)
    original = SaveAutoGrades._add_score
    calls = []

    def failing(self, cell, resources):
        calls.append(self.student_id)
        if self.student_id == "ann" and calls.count("ann") == 3:
            raise RuntimeError("disk full")
        return original(self, cell, resources)

    monkeypatch.setattr(SaveAutoGrades, "_add_score", failing)
    problems: list[str] = []
    written = autograded.write_autograded(submissions, records, work, problems)
    assert len(written) == 2 and len(problems) == 1 and "disk full" in problems[0]
    rows = _rows(work)
    assert [r for r in rows if r[0] == "ann"] == [r for r in before if r[0] == "ann"]
    for student in ("bob", "cy"):
        assert [r for r in rows if r[0] == student] != [r for r in before if r[0] == student]


@pytest.mark.parametrize("assignments", [["01_neuron_and_xor", "02_universal_approximation"]])
def test_several_notebooks_are_registered_as_generate_assignment_registers_each(
        tmp_path, assignments):
    from autograder.course import ensure_assignment, ensure_assignments

    together, one_by_one = tmp_path / "together", tmp_path / "one"
    together.mkdir()
    one_by_one.mkdir()
    ensure_assignments(assignments, together)
    for assignment in assignments:
        ensure_assignment(assignment, one_by_one)

    def cells(work: Path) -> list[tuple]:
        with sqlite3.connect(work / "gradebook.db") as db:
            return sorted(db.execute(
                "SELECT a.name, n.name, c.name, c.cell_type, c.source, c.checksum, c.locked "
                "FROM source_cell c JOIN notebook n ON c.notebook_id = n.id "
                "JOIN assignment a ON n.assignment_id = a.id").fetchall()) + sorted(
                db.execute("SELECT n.name, b.name, g.max_score, g.cell_type FROM grade_cells g "
                           "JOIN base_cell b ON g.id = b.id "
                           "JOIN notebook n ON b.notebook_id = n.id").fetchall())

    found = cells(together)
    assert found == cells(one_by_one)
    assert {row[0] for row in found if len(row) == 7} == set(assignments)
