"""A whole term on one machine through nbgrader's own filesystem exchange (notebook 01).

release_assignment -> two students fetch_assignment into their own homes, one answers
everything, one only part -> submit -> the instructor collects, grades with
``python -m autograder grade`` (in the sandbox when bubblewrap is there), writes nbgrader's
feedback (generate_feedback, release_feedback) from the autograded notebooks ``grade``
wrote -> each student fetch_feedbacks their own report, and only their own.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT

from autograder.assemble import HIDDEN_BLOCK, manual_max_points, max_points
from autograder.course import auto_points, ensure_assignment, nbgrader_env
from autograder.notebooks import (
    COURSE,
    filled_notebook,
    grade_id,
    is_graded,
    nbgrader_meta,
    solution_sources,
    source_notebook,
)
from autograder.sandbox import bwrap_available

# a whole term (two homes, collect, grade, feedback twice, export): minutes; `make test-slow`
pytestmark = pytest.mark.slow

ASSIGNMENT = "01_neuron_and_xor"
COURSE_ID = "nncourse-exchange-test"
PARTLY = ("sigmoid", "neuron")  # the second student answers only these
NBGRADER = str(Path(sys.executable).parent / "nbgrader")
# On a hub every student is their own OS user, whose name nbgrader's exchange reads from the
# process's uid; here all run as one uid, so each student's nbgrader is told its name.
AS_STUDENT = (
    "import sys, nbgrader.utils as u; name = sys.argv.pop(1); u.get_osusername = lambda: name\n"
    "from nbgrader.apps.nbgraderapp import main; sys.exit(main())")


def hidden_lines() -> list[str]:
    """Every line of every hidden test block of the notebook (longer than a few chars)."""
    lines = []
    for cell in source_notebook(ASSIGNMENT).cells:
        for block in HIDDEN_BLOCK.findall(cell.source):
            lines += [line.strip() for line in block.splitlines()[1:-1]
                      if len(line.strip()) > 12]
    return lines


def _run(args: list[str], cwd: Path, env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done


class Term:
    def __init__(self, tmp: Path):
        self.exchange = tmp / "exchange"
        self.exchange.mkdir(mode=0o777)
        self.work = tmp / "work"
        self.work.mkdir()
        self.grading = tmp / "grading"
        self.homes = {name: tmp / "home" / name for name in ("alice", "bob")}
        self.options = [f"--Exchange.root={self.exchange}",
                        f"--CourseDirectory.course_id={COURSE_ID}", "--log-level=WARN"]

    def instructor(self, *args: str) -> subprocess.CompletedProcess:
        """``nbgrader ARGS`` from course/, with the work files (gradebook, submitted/,
        autograded/, feedback/) in the test's own folder."""
        return _run([NBGRADER, *args, *self.options], COURSE, nbgrader_env(self.work))

    def student(self, name: str, *args: str) -> subprocess.CompletedProcess:
        """``nbgrader ARGS`` as student ``name``: own HOME and working folder, no course
        config."""
        home = self.homes[name]
        home.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NNCOURSE_",
                                                                         "JUPYTER"))}
        env.update(HOME=str(home), USER=name, LOGNAME=name)
        return _run([sys.executable, "-c", AS_STUDENT, name, *args, *self.options], home, env)


@pytest.fixture(scope="module")
def term(tmp_path_factory) -> Term:
    term = Term(tmp_path_factory.mktemp("term"))
    os.environ["NNCOURSE_COURSE_ID"] = COURSE_ID  # the gradebook's course, as --course-id
    try:
        ensure_assignment(ASSIGNMENT, term.work)
    finally:
        del os.environ["NNCOURSE_COURSE_ID"]
    term.instructor("release_assignment", ASSIGNMENT, "--force")
    answers = solution_sources(ASSIGNMENT)
    for name, chosen in (("alice", answers), ("bob", {k: answers[k] for k in PARTLY})):
        term.student(name, "fetch_assignment", ASSIGNMENT)
        fetched = term.homes[name] / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        nbformat.write(filled_notebook(ASSIGNMENT, chosen, fetched), fetched)
        term.student(name, "submit", ASSIGNMENT)
    term.instructor("collect", ASSIGNMENT)
    sandbox = [] if bwrap_available() else ["--no-sandbox"]
    term.graded = _run([sys.executable, "-m", "autograder", "grade",
                        str(term.work / "submitted"), "--out", str(term.grading),
                        "--course-work", str(term.work), "--course-id", COURSE_ID,
                        "--assignment", ASSIGNMENT, "--quiet", "--seed", "16", *sandbox],
                       ROOT, dict(os.environ))
    term.instructor("generate_feedback", ASSIGNMENT, "--force")
    term.instructor("release_feedback", ASSIGNMENT)
    for name in term.homes:
        term.student(name, "fetch_feedback", ASSIGNMENT)
    return term


def _rows(term: Term) -> dict[str, dict]:
    with open(term.grading / "grades.csv", encoding="utf-8") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def _grades(term: Term) -> dict[str, float]:
    return {name: float(row["points"]) for name, row in _rows(term).items()}


def _feedback(term: Term, name: str) -> list[Path]:
    return sorted((term.homes[name] / ASSIGNMENT / "feedback").rglob("*.html"))


def test_both_submissions_are_collected_and_graded(term):
    assert sorted(p.name for p in (term.work / "submitted").iterdir()) == ["alice", "bob"]
    grades = _grades(term)
    assert grades["alice"] == max_points(ASSIGNMENT)
    assert 0 < grades["bob"] < grades["alice"]
    for row in _rows(term).values():  # automatic points only; the written answer waits
        assert float(row["max_points"]) == max_points(ASSIGNMENT)
        assert float(row["manual_max_points"]) == manual_max_points(ASSIGNMENT) > 0


def test_grade_wrote_autograded_notebooks_without_hidden_tests(term):
    hidden = hidden_lines()
    assert hidden
    for name in term.homes:
        path = term.work / "autograded" / name / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        text = nbformat.writes(notebook)
        assert "BEGIN HIDDEN TESTS" not in text
        assert not [line for line in hidden if line in text]
        assert (path.parent / "timestamp.txt").is_file()


def test_the_gradebook_agrees_with_the_notebooks_and_the_csv(term):
    from nbgrader.api import Gradebook

    grades = _grades(term)
    with Gradebook(f"sqlite:///{term.work / 'gradebook.db'}") as gradebook:
        for name in term.homes:
            submission = gradebook.find_submission(ASSIGNMENT, name)
            assert submission.score == pytest.approx(grades[name])  # no manual score yet
            assert submission.max_score == pytest.approx(max_points(ASSIGNMENT)
                                                         + manual_max_points(ASSIGNMENT))
            assert auto_points(gradebook, ASSIGNMENT, name) == pytest.approx(
                (grades[name], max_points(ASSIGNMENT)))
            notebook = nbformat.read(term.work / "autograded" / name / ASSIGNMENT
                                     / f"{ASSIGNMENT}.ipynb", as_version=4)
            for cell in notebook.cells:
                meta = nbgrader_meta(cell)
                if not meta.get("grade") or meta.get("solution"):
                    continue
                grade = gradebook.find_grade(meta["grade_id"], ASSIGNMENT, ASSIGNMENT, name)
                failed = any(o.output_type == "error" for o in cell.outputs)
                assert grade.auto_score == (0 if failed else meta["points"])
                assert grade.needs_manual_grade is False
            # the written answer: alice's waits for formgrader; bob left the stub, which
            # nbgrader scores 0 ("No response.") with nothing to grade by hand
            written = [c for c in notebook.cells if c.cell_type == "markdown" and is_graded(c)]
            assert len(written) == 1
            grade = gradebook.find_grade(grade_id(written[0]),
                                         ASSIGNMENT, ASSIGNMENT, name)
            assert grade.needs_manual_grade is (name == "alice")
            assert grade.auto_score == (None if name == "alice" else 0)
            if name == "alice":
                assert "Model answer" in written[0].source  # carried into autograded/


def test_each_student_fetches_their_own_feedback_and_no_one_elses(term):
    hidden = hidden_lines()
    for name, other in (("alice", "bob"), ("bob", "alice")):
        files = _feedback(term, name)
        assert len(files) == 1, files
        page = files[0].read_text(encoding="utf-8")
        assert other not in page
        assert "BEGIN HIDDEN TESTS" not in page
        assert not [line for line in hidden if line in page]
        score = re.search(r"Score:\s*([\d.]+)\s*/\s*([\d.]+)", page)
        assert score, re.sub(r"<[^>]+>", " ", page)[-3000:]
        assert float(score.group(1)) == _grades(term)[name]
    alice_page = _feedback(term, "alice")[0].read_text(encoding="utf-8")
    bob_page = _feedback(term, "bob")[0].read_text(encoding="utf-8")
    assert "\u2718" not in alice_page and "\u2718" in bob_page  # bob's failing tests say so
    assert "not implemented yet" in bob_page


def test_grading_is_quiet_and_keeps_the_course_id(term):
    from nbgrader.api import Course, Gradebook

    assert "Warning" not in term.graded.stderr, term.graded.stderr[-3000:]  # no SAWarning
    with Gradebook(f"sqlite:///{term.work / 'gradebook.db'}", COURSE_ID) as gradebook:
        courses = {c.id for c in gradebook.db.query(Course).all()}
    # nbgrader's own SaveAutoGrades opens "default_course"; grade adds no course of its own
    assert courses <= {COURSE_ID, "default_course"}, courses


def test_exchange_timestamps_reach_nbgrader_export(term):
    exported = term.work / "export.csv"
    term.instructor("export", f"--to={exported}")
    with open(exported, encoding="utf-8") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    for name in term.homes:
        stamp = (term.work / "submitted" / name / ASSIGNMENT / "timestamp.txt").read_text()
        assert rows[name]["timestamp"] and rows[name]["timestamp"][:19] == stamp.strip()[:19]


def test_feedback_is_released_again_after_manual_grading(term):
    """The README's order: grade, release feedback (automatic points), grade the written
    answer in formgrader, then generate_feedback --force and release_feedback again: the
    student's second fetch shows the manual score."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{term.work / 'gradebook.db'}", COURSE_ID) as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, "alice")
        written = [g for n in submission.notebooks for g in n.grades
                   if g.cell.cell_type == "markdown"]
        written[0].manual_score = 1.5  # what formgrader saves
        gradebook.db.commit()
    term.instructor("generate_feedback", ASSIGNMENT, "--force")
    term.instructor("release_feedback", ASSIGNMENT)
    term.student("alice", "fetch_feedback", ASSIGNMENT)
    page = _feedback(term, "alice")[-1].read_text(encoding="utf-8")
    score = re.search(r"Score:\s*([\d.]+)\s*/\s*([\d.]+)", page)
    assert float(score.group(1)) == _grades(term)["alice"] + 1.5
    assert "1.5 / 2" in re.sub(r"<[^>]+>", " ", page) or "1.5" in page


def test_the_students_homes_hold_only_their_own_files(term):
    for name, other in (("alice", "bob"), ("bob", "alice")):
        names = {p.name for p in term.homes[name].rglob("*")}
        assert other not in " ".join(sorted(names))
    shutil.rmtree(term.exchange, ignore_errors=True)
