"""The instructor's manual grading in a real browser: nbgrader's formgrader on what ``grade``
wrote.

A class of one: alice submits notebook 01 with every exercise answered and a written answer.
``python -m autograder grade`` scores the tests, writes ``autograded/`` and the gradebook;
JupyterLab (started as `make lab` starts it, in course/, so formgrader reads the course's
``nbgrader_config.py``) serves formgrader. In headless Chromium the test opens formgrader's
manual-grading view of alice's notebook, finds the written answer marked as needing a manual
grade, types a score and a comment, and lets formgrader save them. Then ``nbgrader export``
gives the automatic points plus the manual ones, ``grades.csv`` still the automatic ones, and
the gradebook holds the comment.

Runs with the browser tests (`make test-browser`: NNCOURSE_BROWSER=1, Debian's chromium).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT
from labserver import TOKEN, running_lab
from test_browser import CHROMIUM, CHROMIUM_ARGS, SHOTS, VIEWPORT

from autograder.assemble import manual_max_points, max_points
from autograder.course import auto_points, ensure_assignment, nbgrader, nbgrader_env
from autograder.notebooks import (
    COURSE,
    filled_notebook,
    grade_id,
    is_graded,
    is_solution,
    solution_sources,
    source_notebook,
    write_student_file,
)
from autograder.sandbox import bwrap_available

pytestmark = [
    pytest.mark.skipif(os.environ.get("NNCOURSE_BROWSER") != "1",
                       reason="a browser test (about a minute): `make test-browser` runs it"),
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="no /usr/bin/chromium: run `make browser` first"),
]

A = "01_neuron_and_xor"
STUDENT = "alice"
ANSWER = ("(a) No: b > 0, w1 + b <= 0, w2 + b <= 0 and w1 + w2 + b > 0 cannot all hold, "
          "adding them in pairs gives opposite signs for w1 + w2 + 2b. "
          "(b) XNOR = NAND(OR(x1, x2), NAND(x1, x2)).")
MANUAL_SCORE = 1.5
COMMENT = "Right contradiction; check (b) on all four inputs next time."


def written_id() -> str:
    (found,) = [grade_id(c) for c in source_notebook(A).cells
                if c.cell_type == "markdown" and is_solution(c) and is_graded(c)]
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """The course's work folder (gradebook, submitted/, autograded/) after ``grade``."""
    tmp = tmp_path_factory.mktemp("formgrader")
    work, out = tmp / "work", tmp / "grading"
    work.mkdir()
    ensure_assignment(A, work)
    answers = dict(solution_sources(A), **{written_id(): ANSWER})
    write_student_file(filled_notebook(A, answers), work, "submitted", STUDENT, A)
    sandbox = [] if bwrap_available() else ["--no-sandbox"]
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(work / "submitted"), "--out", str(out),
         "--course-work", str(work), "--assignment", A, "--quiet", "--seed", "17", *sandbox],
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    with open(out / "grades.csv", encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert float(row["points"]) == float(row["max_points"]) == max_points(A)
    assert float(row["manual_max_points"]) == manual_max_points(A) > 0
    return work


def _gradebook(work: Path):
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{work / 'gradebook.db'}")


def test_formgrader_grades_the_written_answer_and_export_adds_it(graded, tmp_path):
    from playwright.sync_api import sync_playwright

    work, gid = graded, written_id()
    with _gradebook(work) as gradebook:
        notebook_id = gradebook.find_submission_notebook(A, A, STUDENT).id
        before = gradebook.find_grade(gid, A, A, STUDENT)
        assert before.needs_manual_grade and before.manual_score is None
    env = dict(nbgrader_env(work), JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    shots = SHOTS if os.environ.get("NNCOURSE_SCREENSHOTS") == "docs" else tmp_path
    with running_lab(COURSE, tmp_path / "lab.log", env) as base, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        # the token as a header on every request, the page's API calls included (a token in
        # the URL authenticates that one page only)
        page = browser.new_context(viewport=VIEWPORT, extra_http_headers={
            "Authorization": f"token {TOKEN}"}).new_page()
        try:
            page.goto(f"{base}/formgrader/submissions/{notebook_id}/")
            score = page.locator(f"input.score#{gid}")
            # formgrader's script marks the answers that still need a manual grade
            page.locator(f"input.score.needs_manual_grade#{gid}").wait_for(timeout=120_000)
            page.wait_for_function(  # the student's answer is on the page, rendered
                "text => document.body.innerText.includes(text)", arg="XNOR = NAND(OR(x1")
            score.fill(f"{MANUAL_SCORE:g}")
            score.press("Tab")  # formgrader saves a score on change
            comment = page.locator(f"textarea.comment#{gid}-comment")
            comment.fill(COMMENT)
            comment.press("Tab")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with _gradebook(work) as gradebook:
                    grade = gradebook.find_grade(gid, A, A, STUDENT)
                    stored = gradebook.find_comment(gid, A, A, STUDENT).manual_comment
                    if grade.manual_score is not None and stored:
                        break
                time.sleep(0.5)
            page.locator(f"#{gid}").scroll_into_view_if_needed()
            page.screenshot(path=str(shots / "formgrader-written-answer.png"))
        except Exception:
            page.screenshot(path=str(tmp_path / "FAILED.png"), full_page=True)
            print(f"the page when the test failed: {tmp_path / 'FAILED.png'}")
            raise
        finally:
            browser.close()

    with _gradebook(work) as gradebook:
        grade = gradebook.find_grade(gid, A, A, STUDENT)
        assert grade.manual_score == MANUAL_SCORE and not grade.needs_manual_grade
        assert gradebook.find_comment(gid, A, A, STUDENT).manual_comment == COMMENT
        submission = gradebook.find_submission(A, STUDENT)
        assert not submission.needs_manual_grade
        assert auto_points(gradebook, A, STUDENT) == (max_points(A), max_points(A))

    exported = tmp_path / "export.csv"
    done = nbgrader(["export", f"--to={exported}", "--log-level=WARN"], work)
    assert done.returncode == 0, done.stderr[-3000:]
    with open(exported, encoding="utf-8") as handle:
        (row,) = [r for r in csv.DictReader(handle) if r["student_id"] == STUDENT]
    assert float(row["score"]) == pytest.approx(max_points(A) + MANUAL_SCORE)
    assert float(row["max_score"]) == pytest.approx(max_points(A) + manual_max_points(A))
