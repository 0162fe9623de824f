"""The LMS round trip: a made-up class downloaded from Canvas, Moodle and Blackboard (each in
its own naming), graded with ``python -m autograder grade``, then each LMS's gradebook import
file read back: every student matched by the LMS's own id, with the automatic points, the
written answer once graded "in formgrader", and nbgrader's late penalty for work submitted
after the due date; ``nbgrader export`` shows the same timestamps and penalties."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT

from autograder.assemble import manual_max_points, max_points
from autograder.notebooks import filled_notebook, solution_sources
from autograder.sandbox import bwrap_available

A = "01_neuron_and_xor"
SOLUTION = solution_sources(A)
FULL = max_points(A)
MANUAL = manual_max_points(A)
PARTLY = {k: SOLUTION[k] for k in ("sigmoid", "neuron")}
DUE = "2026-12-01T12:00:00+00:00"
ON_TIME = (2026, 11, 30, 9, 0, 0)
LATE = (2026, 12, 2, 9, 0, 0)

# minutes: three LMS downloads graded in one run (make test-slow, which CI runs)
pytestmark = [pytest.mark.timeout(900), pytest.mark.slow]


def notebook(answers: dict[str, str]) -> bytes:
    return nbformat.writes(filled_notebook(A, answers)).encode()


def write_zip(path: Path, members: dict[str, tuple[bytes, tuple]]) -> Path:
    with zipfile.ZipFile(path, "w") as zipped:
        for name, (data, when) in members.items():
            zipped.writestr(zipfile.ZipInfo(name, date_time=when), data)
    return path


def exports(folder: Path) -> dict[str, Path]:
    """Three downloads of the same notebook, one per LMS, in each LMS's naming."""
    canvas = write_zip(folder / "canvas.zip", {
        f"leekim_501_9001_{A}.ipynb": (notebook(SOLUTION), ON_TIME),
        f"leekim_LATE_502_9002_{A}.ipynb": (notebook(SOLUTION), LATE),  # same display name
        f"boann_503_9003_{A}-1.ipynb": (notebook(PARTLY), ON_TIME),
    })
    moodle = write_zip(folder / "moodle.zip", {
        f"Kim Lee_1001_assignsubmission_file/{A}.ipynb": (notebook(SOLUTION), ON_TIME),
        f"Kim Lee_1002_assignsubmission_file/{A}.ipynb": (notebook(PARTLY), ON_TIME),
        # Mallory's upload holds a folder named like Kim's, and one named like the notebook
        f"Mallory Eve_1003_assignsubmission_file/Kim Lee_1001_assignsubmission_file/{A}.ipynb":
            (notebook({}), ON_TIME),
        f"Mallory Eve_1003_assignsubmission_file/{A}/{A}.ipynb": (notebook({}), ON_TIME),
    })
    blackboard = write_zip(folder / "blackboard.zip", {
        f"Notebook 1_kim_lee_attempt_2026-11-30-09-00-00_{A}.ipynb": (notebook(SOLUTION),
                                                                      ON_TIME),
        "Notebook 1_kim_lee_attempt_2026-11-30-09-00-00.txt": (
            b"Name: Kim Lee (kim_lee)\nAssignment: Notebook 1\n", ON_TIME),
        f"Notebook 1_ann_attempt_2026-12-03-08-00-00_{A}.ipynb": (notebook(SOLUTION), LATE),
        "Notebook 1_ann_attempt_2026-12-03-08-00-00.txt": (
            b"Name: Ann Bo (ann)\nAssignment: Notebook 1\n", LATE),
    })
    return {"canvas": canvas, "moodle": moodle, "blackboard": blackboard}


def environment(tmp: Path) -> dict[str, str]:
    duedates = tmp / "duedates.toml"
    duedates.write_text(f'"{A}" = "{DUE}"\n')
    return dict(os.environ, NNCOURSE_DUEDATES=str(duedates), NNCOURSE_LATE_PENALTY="zero")


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lms")
    out, work = tmp / "grading", tmp / "course"
    env = environment(tmp)
    sandbox = [] if bwrap_available() else ["--no-sandbox"]
    # the three downloads, each zip as it came, side by side in one zip (one grading run
    # keeps the test short; each file is read on its own, so nothing mixes them up)
    archive = tmp / "term.zip"
    with zipfile.ZipFile(archive, "w") as combined:
        for lms, download in exports(tmp).items():
            with zipfile.ZipFile(download) as zipped:
                for info in zipped.infolist():
                    data = zipped.read(info)
                    info.filename = f"{lms}/{info.filename}"
                    combined.writestr(info, data)
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(archive), "--out", str(out),
         "--course-work", str(work), "--course-id", "lms-test", "--quiet", "--seed", "5",
         *sandbox], cwd=ROOT, env=env, capture_output=True, text=True, timeout=800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Warning" not in done.stderr, done.stderr[-3000:]  # SQLAlchemy's SAWarning
    return tmp, out, work, env


def rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_student_is_matched_by_the_lms_id(term):
    _, out, _, _ = term
    canvas = {r["ID"]: r for r in rows(out / "lms" / "canvas.csv") if r["ID"]}
    assert sorted(canvas) == ["501", "502", "503"]
    assert rows(out / "lms" / "canvas.csv")[0]["Student"] == "Points Possible"
    assert float(rows(out / "lms" / "canvas.csv")[0][A]) == FULL + MANUAL
    assert float(canvas["501"][A]) == FULL  # the written answer waits for formgrader
    # Canvas's download carries no submission time (each file is stamped when the zip is
    # made), so its LATE marker is a note, never a penalty on a made-up time
    assert float(canvas["502"][A]) == FULL
    assert 0 < float(canvas["503"][A]) < FULL

    moodle = {r["Identifier"]: r for r in rows(out / "lms" / f"moodle-{A}.csv")}
    assert sorted(moodle) == ["Participant 1001", "Participant 1002", "Participant 1003"]
    assert float(moodle["Participant 1001"]["Grade"]) == FULL  # Mallory's copy is hers
    assert 0 < float(moodle["Participant 1002"]["Grade"]) < FULL
    assert float(moodle["Participant 1003"]["Grade"]) == 0
    assert float(moodle["Participant 1001"]["Maximum Grade"]) == FULL + MANUAL
    assert moodle["Participant 1001"]["Last modified (submission)"].startswith("Monday, 30")
    assert moodle["Participant 1001"]["Last modified (grade)"]  # Moodle's upload needs it

    blackboard = {r["Username"]: r for r in rows(out / "lms" / "blackboard.csv")}
    assert sorted(blackboard) == ["ann", "kim_lee"]
    column = f"{A} [Total Pts: {FULL + MANUAL:g} Score]"
    assert float(blackboard["kim_lee"][column]) == FULL
    assert float(blackboard["ann"][column]) == 0  # late
    assert (blackboard["ann"]["First Name"], blackboard["ann"]["Last Name"]) == ("Ann", "Bo")
    details = {r["lms_id"]: r for r in rows(out / "lms" / "blackboard-details.csv")}
    assert float(details["ann"]["automatic"]) == FULL == float(details["ann"]["late_penalty"])
    # the submission time in UTC with its offset written (rev 16: no zone was written)
    assert details["ann"]["submitted"] == "2026-12-03T08:00:00+00:00"


def test_manual_grades_reach_the_lms_files_and_nbgrader_export(term):
    tmp, out, work, env = term
    from nbgrader.api import Course, Gradebook

    from autograder.submissions import folder_name

    student = folder_name("(canvas 501)")
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}", "lms-test") as book:
        submission = book.find_submission(A, student)
        written = [g for n in submission.notebooks for g in n.grades
                   if g.cell.cell_type == "markdown"]
        assert len(written) == 1
        written[0].manual_score = 1.5  # what formgrader saves
        book.db.commit()
        # the course rows: ours and the default nbgrader's own SaveAutoGrades opens, never
        # course/nbgrader_config.py's when another id is given
        assert {c.id for c in book.db.query(Course).all()} <= {"lms-test", "default_course"}
    done = subprocess.run([sys.executable, "-m", "autograder", "lms", "--out", str(out),
                           "--course-work", str(work), "--course-id", "lms-test"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    canvas = {r["ID"]: r for r in rows(out / "lms" / "canvas.csv") if r["ID"]}
    assert float(canvas["501"][A]) == FULL + 1.5
    # nbgrader's own export: the timestamp and the late penalty are there
    exported = tmp / "export.csv"
    done = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "export",
                           f"--to={exported}", "--CourseDirectory.course_id=lms-test"],
                          cwd=ROOT / "course", env=dict(env, NNCOURSE_WORK=str(work)),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    table = {r["student_id"]: r for r in rows(exported)}
    assert table[student]["timestamp"] == ""  # Canvas: no submission time
    assert float(table[student]["score"]) == FULL + 1.5
    assert table[folder_name("(moodle 1001)")]["timestamp"].startswith(
        "2026-11-30 09:00:00")  # Moodle's zip keeps the upload's time
    late = table[folder_name("(blackboard ann)")]  # Blackboard: the attempt's time in the name
    assert late["timestamp"].startswith("2026-12-03 08:00:00")
    assert float(late["late_submission_penalty"]) == FULL and float(late["score"]) == 0
    assert table[folder_name("(blackboard kim_lee)")]["duedate"].startswith("2026-12-01 12:00:00")


def _lms_totals(out: Path) -> dict[str, float]:
    """LMS file values by the grader's student id (via the roster the files are made from)."""
    import json

    roster = json.loads((out / "lms" / "students.json").read_text())
    by_key = {(who["lms"], str(who["id"])): student for student, who in roster.items()}
    found = {}
    for row in rows(out / "lms" / "canvas.csv"):
        if row["ID"]:
            found[by_key[("canvas", row["ID"])]] = float(row[A])
    for row in rows(out / "lms" / f"moodle-{A}.csv"):
        found[by_key[("moodle", row["Identifier"].split()[-1])]] = float(row["Grade"])
    column = f"{A} [Total Pts: {FULL + MANUAL:g} Score]"
    for row in rows(out / "lms" / "blackboard.csv"):
        found[by_key[("blackboard", row["Username"])]] = float(row[column])
    return found


def test_overrides_extra_credit_and_late_work_agree_with_nbgrader_export(term):
    """formgrader's score override of a test cell and extra credit reach the LMS files; a
    late student's written answer is graded, and ``grade`` is run again: the late penalty
    stays nbgrader's ``zero`` on the automatic points (the same however often grade and lms
    run), and every LMS value is exactly ``nbgrader export``'s score."""
    tmp, out, work, env = term
    from nbgrader.api import Gradebook

    from autograder.submissions import folder_name

    with Gradebook(f"sqlite:///{work / 'gradebook.db'}", "lms-test") as book:
        partly = book.find_submission(A, folder_name("(canvas 503)"))
        tests = [g for n in partly.notebooks for g in n.grades
                 if g.cell.cell_type == "code" and (g.auto_score or 0) < g.max_score]
        tests[0].manual_score = tests[0].max_score  # an override in formgrader
        gained = tests[0].max_score - (tests[0].auto_score or 0) + 1.0
        tests[1].extra_credit = 1.0
        late = book.find_submission(A, folder_name("(blackboard ann)"))
        for grade in (g for n in late.notebooks for g in n.grades
                      if g.cell.cell_type == "markdown"):
            grade.manual_score = MANUAL
        book.db.commit()
    sandbox = [] if bwrap_available() else ["--no-sandbox"]
    for command in (["grade", str(tmp / "term.zip"), "--seed", "5", "--quiet", *sandbox],
                    ["lms"], ["grade", str(tmp / "term.zip"), "--seed", "5", "--quiet",
                              *sandbox]):
        done = subprocess.run([sys.executable, "-m", "autograder", *command, "--out", str(out),
                               "--course-work", str(work), "--course-id", "lms-test"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=800)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    exported = tmp / "export-2.csv"
    done = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "export",
                           f"--to={exported}", "--CourseDirectory.course_id=lms-test"],
                          cwd=ROOT / "course", env=dict(env, NNCOURSE_WORK=str(work)),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    export = {r["student_id"]: r for r in rows(exported) if r["assignment"] == A}
    lms = _lms_totals(out)
    assert len(lms) == 8
    for student, value in lms.items():
        assert value == float(export[folder_name(student)]["score"]), student
    details = {r["lms_id"]: r for r in rows(out / "lms" / "blackboard-details.csv")}
    assert float(details["ann"]["late_penalty"]) == FULL  # the automatic points, still
    assert lms["(blackboard ann)"] == MANUAL  # the written answer survives the late penalty
    assert float(export[folder_name("(blackboard ann)")]["late_submission_penalty"]) == FULL
    override = lms["(canvas 503)"]
    assert override == float(export[folder_name("(canvas 503)")]["raw_score"])
    automatic = {r["lms_id"]: r for r in rows(out / "lms" / "canvas-details.csv")}["503"]
    assert override == float(automatic["automatic"]) + gained


def test_review24_lms_applies_the_current_due_dates_and_warns_of_moodle_over_max(term):
    """Review 24, F5: ``lms`` wrote the penalties of the due date ``grade`` saw; a
    class-wide extension given since left the stale penalty in the LMS file. It now
    reads duedates.toml as grade does. F13: a total above the notebook's maximum (extra
    credit) is skipped by Moodle's worksheet upload without a word; ``lms`` names the rows
    and the maximum to set."""
    tmp, out, work, env = term
    from nbgrader.api import Gradebook

    from autograder.submissions import folder_name

    def lms() -> tuple[dict, str]:
        done = subprocess.run([sys.executable, "-m", "autograder", "lms", "--out", str(out),
                               "--course-work", str(work), "--course-id", "lms-test"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return {r["lms_id"]: r for r in rows(out / "lms" / "blackboard-details.csv")}, done.stderr

    duedates = Path(env["NNCOURSE_DUEDATES"])
    try:
        duedates.write_text(f'"{A}" = "2026-12-04T12:00:00+00:00"\n')  # an extension
        details, _ = lms()
        assert float(details["ann"]["late_penalty"]) == 0
        assert float(details["ann"]["total"]) >= FULL
    finally:
        duedates.write_text(f'"{A}" = "{DUE}"\n')
    details, _ = lms()
    assert float(details["ann"]["late_penalty"]) == FULL
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}", "lms-test") as book:
        grades = [g for n in book.find_submission(A, folder_name("(moodle 1001)")).notebooks
                  for g in n.grades]
        for grade in grades:
            if grade.cell.cell_type == "markdown":
                grade.manual_score = grade.max_score
        grades[0].extra_credit = 2.0
        book.db.commit()
    try:
        _, err = lms()
        assert f"moodle-{A}.csv: 1 grade(s) above the notebook's maximum" in err
        assert f"Participant 1001 {FULL + MANUAL + 2:g}" in err
        assert f"to at least {FULL + MANUAL + 2:g}" in err
    finally:
        with Gradebook(f"sqlite:///{work / 'gradebook.db'}", "lms-test") as book:
            grades = [g for n in book.find_submission(
                A, folder_name("(moodle 1001)")).notebooks for g in n.grades]
            grades[0].extra_credit = None
            for grade in grades:
                if grade.cell.cell_type == "markdown":
                    grade.manual_score = None
            book.db.commit()
        lms()


def test_sharded_canvas_class_gets_its_lms_file(tmp_path):
    """H4, H5 (round 5): docs/grading-at-scale.md's recipe: two shards with --no-gradebook,
    merge (which copies the shards' results), then ``grade --from-results`` writes the
    gradebook and canvas.csv once without grading again; ``lms`` then works on the merged
    folder, with the course work folder ``grade`` recorded."""
    env = environment(tmp_path)
    sandbox = [] if bwrap_available() else ["--no-sandbox"]
    export = write_zip(tmp_path / "canvas.zip", {
        f"kim_501_9001_{A}.ipynb": (notebook(SOLUTION), ON_TIME),
        f"ann_502_9002_{A}.ipynb": (notebook(PARTLY), ON_TIME),
        f"bob_503_9003_{A}.ipynb": (notebook({}), ON_TIME)})
    work, out = tmp_path / "course", tmp_path / "grading"

    def run(*command: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "autograder", *command], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=800)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done

    said = []
    for shard in ("1/2", "2/2"):
        done = run("grade", str(export), "--shard", shard, "--out", str(tmp_path / shard[0]),
                   "--no-gradebook", "--quiet", "--seed", "5", *sandbox)
        assert not (tmp_path / shard[0] / "lms").exists()
        said.append("--no-gradebook writes no LMS grade files" in done.stderr)
    assert any(said)  # round 16: --no-gradebook wrote no lms/ and said nothing
    run("merge", str(tmp_path / "1"), str(tmp_path / "2"), "--out", str(out))
    assert (out / ".secret").read_text() == "5"  # the shards' shared secret, kept
    done = run("grade", str(export), "--out", str(out), "--from-results",
               "--course-work", str(work), "--course-id", "shard-test", "--quiet")
    assert "graded 0 notebooks" in done.stdout
    canvas = {r["ID"]: r for r in rows(out / "lms" / "canvas.csv") if r["ID"]}
    assert sorted(canvas) == ["501", "502", "503"]
    assert float(canvas["501"][A]) == FULL and 0 < float(canvas["502"][A]) < FULL
    (out / "lms" / "canvas.csv").unlink()
    run("lms", "--out", str(out))  # the course work folder and id grade recorded
    assert float({r["ID"]: r for r in rows(out / "lms" / "canvas.csv")}["501"][A]) == FULL
    # round 16, F2: a download again, where ann's file changed: her result graded other
    # bytes, so --from-results writes nothing (one line naming her) instead of "up to date"
    again = write_zip(tmp_path / "canvas-again.zip", {
        f"kim_501_9001_{A}.ipynb": (notebook(SOLUTION), ON_TIME),
        f"ann_502_9002_{A}.ipynb": (notebook(SOLUTION), ON_TIME),
        f"bob_503_9003_{A}.ipynb": (notebook({}), ON_TIME)})
    before = (out / "lms" / "canvas.csv").read_text()
    refused = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(again), "--out", str(out),
         "--from-results", "--course-work", str(work), "--course-id", "shard-test",
         "--quiet"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=800)
    assert refused.returncode == 2, refused.stdout[-2000:] + refused.stderr[-2000:]
    error = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "(canvas 502)" in error[0], refused.stderr[-2000:]
    assert "(canvas 501)" not in error[0] and "(canvas 503)" not in error[0]
    assert (out / "lms" / "canvas.csv").read_text() == before
    # graded again without --from-results: only her changed file is graded
    done = run("grade", str(again), "--out", str(out), "--course-work", str(work),
               "--course-id", "shard-test", "--quiet", *sandbox)
    assert "graded 1 notebooks" in done.stdout
    assert float({r["ID"]: r for r in rows(out / "lms" / "canvas.csv")}["502"][A]) == FULL


def test_shards_graded_with_different_secrets_are_not_merged(tmp_path):
    """Issue 24, M4: the hidden checks draw each notebook's inputs from the output folder's
    secret; shards graded without one shared ``--seed`` would each check their students on
    other inputs than one run would, so ``merge`` refuses them (exit 2, nothing written),
    and the documented shard commands all pass the same ``--seed``."""
    import re

    from autograder.__main__ import main

    for name, secret in (("1", "5"), ("2", "6"), ("3", "5")):
        (tmp_path / name / "results").mkdir(parents=True)
        (tmp_path / name / ".secret").write_text(secret)
    out = tmp_path / "merged"
    assert main(["merge", str(tmp_path / "1"), str(tmp_path / "2"), "--out", str(out)]) == 2
    assert not out.exists()
    assert main(["merge", str(tmp_path / "1"), str(tmp_path / "3"), "--out", str(out)]) == 0
    assert (out / ".secret").read_text() == "5"
    (tmp_path / "2" / ".secret").write_text("5")
    (out / ".secret").write_text("6")  # merging into a folder graded with another secret
    assert main(["merge", str(tmp_path / "1"), str(tmp_path / "2"), "--out", str(out)]) == 2
    text = (ROOT / "docs" / "grading-at-scale.md").read_text()
    blocks = [b for b in re.findall(r"```[a-z]*\n(.*?)```", text, re.S) if "--shard" in b]
    assert len(blocks) == 3  # two machines, Kubernetes, Slurm
    for block in blocks:  # every shard command passes the same secret
        seeds = re.findall(r'--seed "\$\(cat ([^)]*)\)"', block)
        assert len(seeds) == block.count("--shard") and len(set(seeds)) == 1, block
    assert "same `--seed N`" in (ROOT / "README.md").read_text()


def test_an_empty_export_and_a_failed_lms_run_say_so_and_write_nothing(tmp_path, capsys):
    """Issue 24, LOW: an empty export is one clear line and exit 2 (it was SQLAlchemy's
    traceback), and ``lms`` that finds no LMS students leaves no empty ``OUT/lms/``."""
    from autograder.__main__ import main

    empty, out, work = tmp_path / "export", tmp_path / "grading", tmp_path / "course"
    empty.mkdir()
    assert main(["grade", str(empty), "--out", str(out), "--course-work", str(work),
                 "--course-id", "empty-test", "--quiet", "--no-sandbox"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: no submission in") and "Traceback" not in error
    assert not out.exists() and not work.exists()
    work.mkdir()
    (work / "gradebook.db").touch()
    assert main(["lms", "--out", str(out), "--course-work", str(work)]) == 1
    assert "no LMS students" in capsys.readouterr().err
    assert not out.exists()


def test_review17_regrading_course_submitted_keeps_lms_times_and_releases_feedback(tmp_path):
    """Review 17, F1 and F2, end to end: a Blackboard download graded into the course work,
    then the exchange recipe's ``make grade SUBMISSIONS=course/submitted`` (the Makefile's
    default), which re-grades the LMS students' copies there too: their submission times
    and late penalties survive (``grade`` wrote nbgrader's ``timestamp.txt`` beside each
    copy), the hub's user ``bob`` is not Blackboard's ``bob``, and the README's written-answer
    step 3 (``generate_feedback`` then ``release_feedback``) runs with LMS students in the
    course work."""
    from nbgrader.api import Gradebook

    from autograder.submissions import folder_name

    env = environment(tmp_path)
    work = tmp_path / "course"
    sandbox = [] if bwrap_available() else ["--no-sandbox"]
    download = write_zip(tmp_path / "bb.zip", {
        f"N1_bob_attempt_2026-12-03-08-00-00_{A}.ipynb": (notebook(SOLUTION), LATE),
        "N1_bob_attempt_2026-12-03-08-00-00.txt": (b"Name: Bob Lms (bob)\n", LATE),
        f"N1_kim_attempt_2026-11-30-09-00-00_{A}.ipynb": (notebook(SOLUTION), ON_TIME),
        "N1_kim_attempt_2026-11-30-09-00-00.txt": (b"Name: Kim Lee (kim)\n", ON_TIME)})

    def run(*command: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "autograder", *command,
                               "--course-work", str(work), "--course-id", "r17"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=800)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done

    def blackboard() -> dict[str, float]:
        column = next(c for c in rows(tmp_path / "g1" / "lms" / "blackboard.csv")[0]
                      if c.startswith(A))
        return {r["Username"]: float(r[column])
                for r in rows(tmp_path / "g1" / "lms" / "blackboard.csv")}

    run("grade", str(download), "--out", str(tmp_path / "g1"), "--quiet", *sandbox)
    assert blackboard() == {"bob": 0, "kim": FULL}  # bob is late: zero policy
    hub = work / "submitted" / "bob" / A  # the hub's bob, as nbgrader collect leaves it
    hub.mkdir(parents=True)
    (hub / f"{A}.ipynb").write_bytes(notebook(PARTLY))
    (hub / "timestamp.txt").write_text("2026-11-30 10:00:00.000000 UTC")
    (hub / "submission_secret.txt").write_text("0" * 128)
    run("grade", str(work / "submitted"), "--out", str(tmp_path / "g2"), "--quiet", *sandbox)
    run("lms", "--out", str(tmp_path / "g1"))
    assert blackboard() == {"bob": 0, "kim": FULL}  # the penalty survived the re-grade
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}", "r17") as book:
        lms_bob = book.find_submission(A, folder_name("(blackboard bob)"))
        assert str(lms_bob.timestamp).startswith("2026-12-03 08:00:00")
        assert lms_bob.late_submission_penalty == FULL
        hub_bob = book.find_submission(A, "bob")
        assert str(hub_bob.timestamp).startswith("2026-11-30 10:00:00")
        assert 0 < hub_bob.score < FULL and not hub_bob.late_submission_penalty
    nbgrader = [str(Path(sys.executable).parent / "nbgrader")]
    options = [f"--Exchange.root={tmp_path / 'exchange'}", "--CourseDirectory.course_id=r17"]
    (tmp_path / "exchange").mkdir(mode=0o777)
    for step in (["generate_feedback", A, "--force"], ["release_feedback", A]):
        done = subprocess.run([*nbgrader, *step, *options], cwd=ROOT / "course",
                              env=dict(env, NNCOURSE_WORK=str(work)), capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
    released = list((tmp_path / "exchange").rglob("*.html"))
    assert len(released) == 3, released


def test_review24b_m1_another_out_s_run_changes_no_out_s_late_penalties(tmp_path):
    """Review 24b M1: a Moodle download graded into g1 (Alice late: penalty), then the same
    download unzipped to a folder (no submission times) graded into g2 with the same course
    work: ``lms --out g1`` lost Alice's time and her penalty. Each OUT keeps its own
    submission times (``OUT/lms/times.json``), which ``lms`` uses."""
    env = environment(tmp_path)
    work = tmp_path / "course"
    sandbox = [] if bwrap_available() else ["--no-sandbox"]
    download = write_zip(tmp_path / "moodle.zip", {
        f"Alice Ames_7_assignsubmission_file_{A}.ipynb": (notebook(SOLUTION), LATE),
        f"Bob Brown_8_assignsubmission_file_{A}.ipynb": (notebook(SOLUTION), ON_TIME)})
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(download) as zipped:
        zipped.extractall(folder)

    def run(*command: str) -> None:
        done = subprocess.run([sys.executable, "-m", "autograder", *command,
                               "--course-work", str(work), "--course-id", "m1b"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=800)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    def alice() -> tuple[str, str]:
        row = next(r for r in rows(tmp_path / "g1" / "lms" / "moodle-details.csv")
                   if r["lms_id"] == "7")
        return row["late_penalty"], row["submitted"][:10]

    run("grade", str(download), "--out", str(tmp_path / "g1"), "--quiet", *sandbox)
    assert alice() == (f"{FULL:g}", "2026-12-02")
    run("grade", str(folder), "--out", str(tmp_path / "g2"), "--quiet", *sandbox)
    run("lms", "--out", str(tmp_path / "g1"))
    assert alice() == (f"{FULL:g}", "2026-12-02")  # was 0 and no time
