"""Run nbgrader on the course: generate the student release, autograde submissions.

Every call runs the real ``nbgrader`` command in ``course/`` (so its ``nbgrader_config.py``
applies unchanged); ``work`` holds the gradebook, submissions and autograded copies, so tests
and the mutation harness never touch the instructor's own course files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat

from autograder.notebooks import COURSE, notebook_file, write_student_file


def nbgrader_env(work: Path) -> dict[str, str]:
    """Environment for nbgrader run on the course config with its work files in ``work``."""
    env = dict(os.environ, NNCOURSE_WORK=str(work), NNCOURSE_CHECK_MODULES="autograder.hidden")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def nbgrader(args: list[str], work: Path, timeout: float = 1800) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in ``course/`` with work files (gradebook, submissions) in work."""
    return subprocess.run([str(Path(sys.executable).parent / "nbgrader"), *args],
                          cwd=COURSE, env=nbgrader_env(work), capture_output=True, text=True,
                          timeout=timeout)


def generate_release(assignment: str, work: Path) -> Path:
    """``nbgrader generate_assignment`` into ``work/release`` (and work's gradebook).

    Returns the generated student notebook's path. The gradebook then knows the assignment's
    notebooks and grade cells, as ``nbgrader autograde`` requires.
    """
    release = work / "release"
    done = nbgrader(["generate_assignment", assignment, "--force", "--log-level=WARN",
                     f"--CourseDirectory.release_directory={release}"], work)
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment {assignment} failed:\n"
                           f"{done.stderr[-4000:]}")
    return notebook_file(release, assignment)


def autograde(assignment: str, submissions: dict[str, nbformat.NotebookNode],
              work: Path) -> dict[str, tuple[float, float]]:
    """Grade ``submissions`` (student -> notebook) with nbgrader; student -> (score, max)."""
    from autograder.term import gradebook as open_gradebook

    for student, notebook in submissions.items():
        write_student_file(notebook, work, "submitted", student, assignment)
    # nbgrader runs the notebooks one after another: allow a few minutes for each
    done = nbgrader(["autograde", assignment, "--create", "--force", "--log-level=WARN"], work,
                    timeout=max(1800, 240 * len(submissions)))
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader autograde {assignment} failed:\n{done.stderr[-4000:]}")
    with open_gradebook(work) as gradebook:
        return {s: auto_points(gradebook, assignment, s) for s in submissions}


def auto_points(gradebook, assignment: str, student: str) -> tuple[float, float]:
    """A submission's automatic points and their maximum, from nbgrader's gradebook: its
    code grade cells (the test cells) only. A written answer (a markdown grade cell) waits
    for the instructor in formgrader; ``submission.score`` / ``max_score`` would count it."""
    score = maximum = 0.0
    for notebook in gradebook.find_submission(assignment, student).notebooks:
        for grade in notebook.grades:
            if grade.cell.cell_type == "code":
                score += grade.auto_score or 0.0
                maximum += grade.max_score
    return score, maximum


def ensure_assignment(assignment: str, work: Path) -> None:
    """Make sure the gradebook in ``work`` knows the assignment's notebooks and grade cells."""
    ensure_assignments([assignment], work)


REGISTER = """\
import sys, tempfile
from nbgrader.apps.generateassignmentapp import GenerateAssignmentApp
for assignment in sys.argv[1:]:
    with tempfile.TemporaryDirectory() as scratch:
        GenerateAssignmentApp.clear_instance()
        app = GenerateAssignmentApp.instance()
        app.initialize([assignment, "--force", "--log-level=WARN",
                        f"--CourseDirectory.release_directory={scratch}"])
        app.start()
"""
"""``nbgrader generate_assignment`` of each assignment named, one after another in one
process (nbgrader's start, most of each call's time, is paid once), into a scratch release."""


def ensure_assignments(assignments: list[str], work: Path) -> None:
    """Make sure the gradebook in ``work`` knows every assignment's notebooks and grade
    cells: the ones it lacks are registered by nbgrader's own ``generate_assignment``, all
    in one nbgrader process."""
    from nbgrader.api import MissingEntry

    from autograder.term import gradebook as open_gradebook

    missing = []
    with open_gradebook(work) as gradebook:
        for assignment in dict.fromkeys(assignments):
            try:
                if gradebook.find_assignment(assignment).notebooks:
                    continue
            except MissingEntry:
                pass
            missing.append(assignment)
    if not missing:
        return
    done = subprocess.run([sys.executable, "-c", REGISTER, *missing], cwd=COURSE,
                          env=nbgrader_env(work), capture_output=True, text=True,
                          timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"could not register {', '.join(missing)} in the gradebook:\n"
                           f"{done.stderr[-2000:]}")
