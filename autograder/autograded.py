"""nbgrader's ``autograded/<student>/<id>/<id>.ipynb``, written from what ``grade`` decided.

formgrader's manual grading opens these files, and ``nbgrader generate_feedback`` renders
them. Each is the student's notebook as nbgrader would have kept it, built on the released
notebook (so every locked cell and test cell is there, restored, in its *released* form:
no hidden test's source is ever written):

- answer cells hold the student's answers (matched by ``grade_id``, wherever they moved);
  the student's own extra cells follow the graded cell they followed; no outputs (the
  student's saved outputs are not what the grader ran);
- each test cell's output is its verdict: ``✔ 1 / 1 points: passed`` (a stdout stream), or
  an error output (``CheckFailed``, the reason and the first hint, in red) worth 0, exactly
  as nbgrader reads a test cell's outcome.

The gradebook is then updated from these notebooks by nbgrader's own ``SaveAutoGrades``
(auto scores, "needs manual grade", "No response." comments), so formgrader, ``export`` and
``generate_feedback`` agree with the notebook and with ``grades.csv``. The submission's
``timestamp.txt`` and ``submission_secret.txt`` (written by nbgrader's exchange, or by
``grade`` beside an LMS student's copy in submitted/) are copied beside it:
``generate_feedback`` carries them to ``feedback/`` and ``release_feedback`` needs them.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import nbformat

from autograder.assemble import read_submission
from autograder.notebooks import grade_id, is_solution, release_notebook, student_file
from autograder.report import clean, valid_utf8
from autograder.submissions import Submission, folder_name

EXCHANGE_FILES = ("timestamp.txt", "submission_secret.txt")
RED, BOLD_RED, GREEN, RESET = "\x1b[31m", "\x1b[1;31m", "\x1b[32m", "\x1b[0m"


def _points(value: float) -> str:
    return f"{value:g}"


def verdict_output(test: dict) -> nbformat.NotebookNode:
    """A test cell's output for one result of ``grade`` (``test``, ``points``,
    ``max_points``, ``reason``, ``hint``): a stream when it passed, else an error."""
    score = f"{_points(test['points'])} / {_points(test['max_points'])} points"
    if test["points"] >= test["max_points"]:
        return nbformat.v4.new_output("stream", name="stdout",
                                      text=f"\u2714 {test['test']}: {score}: passed\n")
    reason = clean(test.get("reason") or "failed")
    lines = [f"{BOLD_RED}\u2718 {test['test']}: {score}{RESET}"]
    lines += [f"{RED}\u2502 {line}{RESET}" for line in reason.splitlines()]
    if test.get("hint"):
        lines.append(f"{RED}\u2502 hint: {clean(test['hint'])}{RESET}")
    return nbformat.v4.new_output("error", ename="CheckFailed", evalue=reason,
                                  traceback=lines)


def _student_cells(notebook) -> tuple[dict[str, dict], dict[str | None, list[dict]]]:
    """The student's answers (grade id -> cell) and extra cells (after which grade id)."""
    answers: dict[str, dict] = {}
    extras: dict[str | None, list[dict]] = {}
    previous = None
    for cell in notebook.cells if notebook is not None else []:
        cell_id = grade_id(cell) if isinstance(cell.get("metadata"), dict) else None
        if cell_id:
            if is_solution(cell):
                answers.setdefault(cell_id, cell)
            previous = cell_id
        elif cell.get("cell_type") in ("code", "markdown"):
            extras.setdefault(previous, []).append(cell)
    return answers, extras


def _extra(cell: dict) -> nbformat.NotebookNode:
    source = cell.get("source", "")
    if cell["cell_type"] == "markdown":
        return nbformat.v4.new_markdown_cell(source)
    return nbformat.v4.new_code_cell(source)


def autograded_notebook(assignment: str, submitted, tests: list[dict]
                        ) -> nbformat.NotebookNode:
    """The autograded notebook: the release with ``submitted``'s answers and extra cells,
    each test cell's output its verdict from ``tests`` (the result record's tests)."""
    release = release_notebook(assignment)
    answers, extras = _student_cells(submitted)
    results = {t["test"]: t for t in tests}
    cells = [_extra(c) for c in extras.get(None, [])]
    for cell in release.cells:
        cell = copy.deepcopy(cell)
        cell_id = grade_id(cell)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if is_solution(cell) and cell_id in answers:
            cell.source = answers[cell_id].get("source", "")
        if cell_id in results and cell.cell_type == "code":
            cell.outputs = [verdict_output(results[cell_id])]
        cells.append(cell)
        if cell_id:
            cells += [_extra(c) for c in extras.get(cell_id, [])]
    release.cells = cells
    return release


class _FlushOnCommit:
    """A gradebook session whose ``commit`` only flushes: nbgrader's ``SaveAutoGrades``
    commits after every grade and comment cell (a sqlite commit, a disk sync, each: 30 of
    them per notebook), and :func:`write_autograded` commits once per notebook instead."""

    def __init__(self, session):
        self._session = session

    def commit(self) -> None:
        self._session.flush()

    def __getattr__(self, name):
        return getattr(self._session, name)


class _OpenGradebook:
    """The class's gradebook, opened once, as ``SaveAutoGrades`` uses it (its ``db`` is a
    :class:`_FlushOnCommit`)."""

    def __init__(self, gradebook):
        self._gradebook, self.db = gradebook, _FlushOnCommit(gradebook.db)

    def __getattr__(self, name):
        return getattr(self._gradebook, name)


def _save_auto_grades(notebook, assignment: str, student: str, gradebook) -> None:
    """nbgrader's own SaveAutoGrades on ``notebook``: the gradebook follows its outputs.
    ``gradebook`` is open for the whole class; this notebook's rows are one transaction."""
    from nbgrader.preprocessors import NbGraderPreprocessor, SaveAutoGrades

    resources = {"nbgrader": {"notebook": assignment, "assignment": assignment,
                              "student": student}}
    save = SaveAutoGrades()
    # SaveAutoGrades.preprocess, but on the gradebook already open (it opens one per
    # notebook: an engine, its tables checked, the course row)
    save.notebook_id = save.assignment_id = assignment
    save.student_id = student
    save.gradebook = _OpenGradebook(gradebook)
    try:
        NbGraderPreprocessor.preprocess(save, copy.deepcopy(notebook), resources)
        gradebook.db.commit()
    except BaseException:
        gradebook.db.rollback()  # none of this notebook's rows: the next one starts clean
        raise


def write_autograded(submissions: list[Submission], records: list[dict], work: Path,
                     problems: list[str] | None = None) -> list[Path]:
    """Write ``work/autograded/<student>/<id>/<id>.ipynb`` for every graded submission that
    has a file, and bring the gradebook in ``work`` in line with it (it must already hold
    the submission: :func:`autograder.report.write_gradebook`). Returns the paths written; a
    submission that cannot be written is added to ``problems`` and the others still are."""
    from autograder.term import gradebook as open_gradebook

    problems = [] if problems is None else problems
    by_key = {(r["student"], r["assignment"]): r for r in records}
    written = []
    opened: list = []  # the gradebook, opened at the first notebook that is saved to it

    def gradebook():
        if not opened:  # a gradebook that cannot be opened is each notebook's problem
            opened.append(open_gradebook(work))
        return opened[0]

    try:
        for submission in submissions:
            record = by_key.get((submission.student, submission.assignment))
            if record is None or submission.path is None:
                continue
            try:
                written.append(_write_one(submission, record, work, gradebook))
            except Exception as error:  # noqa: BLE001 - one student's file never stops the class
                problems.append(f"{submission.student} / {submission.assignment}: no "
                                f"autograded notebook ({type(error).__name__}: "
                                f"{str(error)[:200]})")
    finally:
        for book in opened:
            book.close()
    return written


def _write_one(submission: Submission, record: dict, work: Path, gradebook) -> Path:
    notebook, _ = read_submission(submission.path.read_bytes())
    autograded = _valid_text(autograded_notebook(submission.assignment, notebook,
                                                 record["tests"]))
    student = folder_name(submission.student)
    path = student_file(work, "autograded", student, submission.assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(path.name + ".partial")
    nbformat.write(autograded, scratch)  # never a half-written notebook under the real name
    scratch.replace(path)
    # the graded file's own folder (nbgrader's submitted/), else its copy's in submitted/
    # (``grade`` wrote the copy's files, its time among them); an LMS student's own folder
    # holds only their uploads, never read for these
    copy = student_file(work, "submitted", student, submission.assignment).parent
    folders = (copy,) if submission.lms is not None else (submission.path.parent, copy)
    for name in EXCHANGE_FILES:
        for folder in folders:
            if (folder / name).is_file():
                shutil.copyfile(folder / name, path.parent / name)
                break
    _save_auto_grades(autograded, submission.assignment, student, gradebook())
    return path


def _valid_text(value):
    """``value`` (a notebook, or any part of it) with every string made valid UTF-8."""
    if isinstance(value, str):
        return valid_utf8(value)
    if isinstance(value, dict):  # a NotebookNode too: it is a dict
        return type(value)((_valid_text(k), _valid_text(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_valid_text(item) for item in value]
    return value
