"""Review 24c: the instructor's term. ``duedates.toml`` is checked key by key against one
schema (H1) and is the one source of due dates (H2); Blackboard's upload header carries the
column id (M1); a local time a daylight-saving change repeats or skips is never read as
either instant (M2); the hub recipe's ``jupyter lab`` says ``--allow-root`` (L1); a written
answer whose metadata was changed is noted (L2). Each is built here from scratch and calls
the grader's functions directly (``grade`` and ``lms`` stop before grading on a bad file)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import nbformat
import pytest
from conftest import ROOT

from autograder.assemble import assemble, instructor_cells
from autograder.notebooks import filled_notebook, grade_id, solution_sources
from autograder.submissions import Submission, discover, extract_zip

A = "01_neuron_and_xor"
SHIPPED = (ROOT / "course" / "duedates.toml").read_text()
DUE = '"01_neuron_and_xor" = "2026-12-01T12:00:00+01:00"\n'

pytestmark = pytest.mark.timeout(300)


def shipped_with_lms_uncommented() -> str:
    """The shipped file as an instructor edits it: [lms] and its settings uncommented."""
    return re.sub(r"^# (\[lms\]$|time_zone = |blackboard_columns = )", r"\1", SHIPPED,
                  flags=re.MULTILINE)


# --- H1: every key of duedates.toml is checked -----------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    # the natural edit: [lms] uncommented, a due date appended at the end (inside [lms])
    (shipped_with_lms_uncommented() + DUE,
     "[lms] holds '01_neuron_and_xor' = '2026-12-01T12:00:00+01:00', a due date: due dates "
     "belong at the top of the file, before [lms]"),
    (DUE + '[LMS]\ntime_zone = "Europe/Berlin"\n', "unknown table [LMS] (did you mean [lms]?)"),
    (DUE + '[grading]\nlate = 1\n', "unknown table [grading]"),
    (DUE + '[lms]\ntimezone = "Europe/Berlin"\n',
     "[lms] has no setting 'timezone' (did you mean 'time_zone'?)"),
    ('time_zone = "Europe/Berlin"\n' + DUE, "'time_zone' is an [lms] setting"),
    (DUE + '[lms]\ntime_zone = 1\n', "[lms] time_zone: 1 is not a zone name"),
    (DUE + '[lms]\nblackboard_columns = { "01_neuron_and_xor" = "Homework 1" }\n',
     "[lms] blackboard_columns: '01_neuron_and_xor' = 'Homework 1' is no Blackboard column id"),
    (DUE + '[lms.blackboard_columns]\n"02_backprop" = 5\n"01_neuron_and_xor" = 2026-12-01\n',
     "'01_neuron_and_xor' = datetime.date(2026, 12, 1) is a due date: due dates belong at the "
     "top"),
    (DUE + '[lms]\nblackboard_columns = { "01_neuron_xor" = 5 }\n',
     "[lms] blackboard_columns: a column id for no notebook: '01_neuron_xor' (did you mean "
     f"'{A}'?)"),
])
def test_review24c_h1_every_key_anywhere_in_duedates_is_checked(tmp_path, text, expected):
    """Review 24c H1: a due date under [lms] (or any table), an unknown table and an
    unknown [lms] setting were ignored without a word (late work got full marks, times were
    read as UTC). Every key is a notebook id at the top, [lms], or one of its settings."""
    from autograder.term import SettingsError, check_settings

    settings = tmp_path / "duedates.toml"
    settings.write_text(text)
    with pytest.raises(SettingsError) as raised:
        check_settings(settings)
    assert expected in str(raised.value) and "\n" not in str(raised.value), raised.value


def test_review24c_h1_the_shipped_file_and_its_natural_edits(tmp_path):
    """The shipped file reads; with [lms] uncommented and the due date put where the file
    says (at the top), every setting is read; appended at the end, ``grade`` and ``lms`` both
    stop with one line naming it."""
    from autograder.term import blackboard_columns, check_settings, due_dates, lms_time_zone

    settings = tmp_path / "duedates.toml"
    settings.write_text(SHIPPED)
    check_settings(settings)
    assert due_dates(settings) == {}
    text = shipped_with_lms_uncommented()
    settings.write_text(text.replace('# "01_neuron_and_xor" = "2027-01-15T23:59:00+01:00"',
                                     DUE.strip()))
    check_settings(settings)
    assert due_dates(settings)[A].isoformat() == "2026-12-01T11:00:00"
    assert str(lms_time_zone(settings)) == "Europe/Berlin"
    assert blackboard_columns(settings) == {A: "123456"}
    settings.write_text(text + DUE)
    for command in (["grade", str(tmp_path / "none"), "--out", str(tmp_path / "out"),
                     "--no-sandbox", "--no-gradebook", "--quiet"],
                    ["lms", "--out", str(tmp_path / "out"), "--course-work", str(tmp_path)]):
        done = subprocess.run([sys.executable, "-m", "autograder", *command],
                              capture_output=True, text=True, timeout=120, cwd=ROOT,
                              env=dict(os.environ, NNCOURSE_DUEDATES=str(settings)))
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
        assert "'01_neuron_and_xor'" in done.stderr and "before [lms]" in done.stderr


# --- H2: duedates.toml is the one source of due dates -----------------------------------------


def _late_class(work: Path, monkeypatch) -> tuple[list[Submission], Path]:
    """Two students graded late under a due date: ``ann`` (this run) and ``bob`` (an earlier
    run, in the gradebook only), each with the first test cell's points."""
    from autograder.report import write_gradebook
    from autograder.term import record_times

    monkeypatch.setenv("NNCOURSE_LATE_PENALTY", "zero")
    settings = work.parent / "duedates.toml"
    settings.write_text(DUE)
    monkeypatch.setenv("NNCOURSE_DUEDATES", str(settings))
    test = next(cell_id for kind, cell_id, _, _ in instructor_cells(A) if kind == "test")
    late = datetime(2026, 12, 2, 9, 0)
    runs = []
    for student in ("bob", "ann"):
        path = work.parent / f"{student}.ipynb"
        path.write_text("{}")
        runs.append(Submission(student, A, path, timestamp=late))
        write_gradebook([{"student": student, "assignment": A,
                          "tests": [{"test": test, "points": 1.0}]}], work)
        record_times(runs[-1:], work)
    return runs, settings


def _term(work: Path) -> dict[str, tuple]:
    from autograder.term import gradebook

    with gradebook(work) as book:
        return {s.student.id: (s.duedate, s.late_submission_penalty)
                for s in book.assignment_submissions(A)}


def test_review24c_h2_a_due_date_removed_from_the_file_leaves_the_gradebook(
        tmp_path, monkeypatch, capsys):
    """Review 24c H2: a notebook's line removed from duedates.toml kept its due date in the
    gradebook, and ``grade`` and ``lms`` kept the late penalty. The file is the one source:
    a notebook absent from it has no due date and no penalty (every submission of it in the
    gradebook, graded in this run or before), and the run's output says so."""
    from autograder.term import apply_due_dates, record_times

    work = tmp_path / "course"
    work.mkdir()
    runs, settings = _late_class(work, monkeypatch)
    due = datetime(2026, 12, 1, 11, 0)
    assert _term(work) == {"ann": (due, 1.0), "bob": (due, 1.0)}
    capsys.readouterr()
    settings.write_text(SHIPPED)  # the line removed: no due date at all
    record_times(runs[1:], work)  # grade: ann again (bob's earlier run is not in it)
    assert _term(work) == {"ann": (None, 0.0), "bob": (None, 0.0)}
    out = capsys.readouterr().out
    assert f"due date of {A} removed ({settings} has none for it; it was 2026-12-01 11:00 UTC)" \
        in out
    settings.write_text(DUE)
    record_times(runs[1:], work)  # given back: everyone's penalty is computed again
    assert _term(work) == {"ann": (due, 1.0), "bob": (due, 1.0)}
    settings.write_text("")
    records = [{"student": s.student, "assignment": A, "file": "x.ipynb"} for s in runs]
    apply_due_dates(records, work)  # lms
    assert _term(work) == {"ann": (None, 0.0), "bob": (None, 0.0)}
    assert f"due date of {A} removed" in capsys.readouterr().out
    apply_due_dates(records, work)  # nothing left to remove: nothing said
    assert "removed" not in capsys.readouterr().out


# --- M1: Blackboard's column id --------------------------------------------------------------


def test_review24c_m1_blackboard_header_carries_the_column_id(tmp_path, monkeypatch, capsys):
    """Review 24c M1: Blackboard's Grade Center upload matches a column by its Column ID, so
    a header without ``|<id>`` creates a new 0-point text column on every upload. With
    ``[lms] blackboard_columns`` the header is the download's ``... |<id>``; without it,
    the header has none and a warning says what the upload will do."""
    from autograder.term import blackboard_header, write_lms_files

    assert blackboard_header(A, 13) == f"{A} [Total Pts: 13 Score]"
    assert blackboard_header(A, 13, "664617") == f"{A} [Total Pts: 13 Score] |664617"
    out = tmp_path / "grading"
    (out / "lms").mkdir(parents=True)
    (out / "lms" / "students.json").write_text(json.dumps({"(blackboard ann)": {
        "lms": "blackboard", "id": "ann", "name": "Ann Bo", "notebooks": [A]}}))
    records = [{"student": "(blackboard ann)", "assignment": A, "points": 5.0,
                "max_points": 11.0, "file": "x.ipynb"}]
    settings = tmp_path / "duedates.toml"
    monkeypatch.setenv("NNCOURSE_DUEDATES", str(settings))
    for columns, header in (("", f'"{A} [Total Pts: 13 Score]"'),
                            (f'[lms]\nblackboard_columns = {{ "{A}" = 664617 }}\n',
                             f'"{A} [Total Pts: 13 Score] |664617"')):
        settings.write_text(columns)
        write_lms_files(records, out, None)
        first = (out / "lms" / "blackboard.csv").read_text().splitlines()[0]
        assert first == f'"Last Name","First Name","Username",{header}', first
        err = capsys.readouterr().err
        assert ("creates a NEW text column" in err) == (not columns), err


# --- M2: a local time a daylight-saving change repeats or skips ------------------------------


def test_review24c_m2_local_times_are_one_instant_or_refused(tmp_path):
    """Review 24c M2: 2026-10-25 02:30 in Europe/Berlin is two instants (fold 0 and 1),
    2026-03-29 02:30 none; both were read silently (the earlier reading can only turn late
    into on time). No reading is guessed: a due date says to write the offset."""
    from autograder.term import AmbiguousTime, SettingsError, due_dates, local_time

    berlin = ZoneInfo("Europe/Berlin")
    repeated, skipped = datetime(2026, 10, 25, 2, 30), datetime(2026, 3, 29, 2, 30)
    assert repeated.replace(tzinfo=berlin, fold=0).utcoffset() != repeated.replace(
        tzinfo=berlin, fold=1).utcoffset()  # the two readings the grader must not pick from
    with pytest.raises(AmbiguousTime, match="happens twice .*00:30 UTC or 01:30 UTC"):
        local_time(repeated, berlin)
    with pytest.raises(AmbiguousTime, match="does not exist"):
        local_time(skipped, berlin)
    assert local_time(datetime(2026, 10, 25, 3, 30), berlin).utcoffset().seconds == 3600
    assert local_time(repeated, ZoneInfo("UTC")).utcoffset().seconds == 0
    settings = tmp_path / "duedates.toml"
    settings.write_text(f'"{A}" = "2026-10-25T02:30:00"\n[lms]\ntime_zone = "Europe/Berlin"\n')
    with pytest.raises(SettingsError, match="happens twice.*write it with its UTC offset"):
        due_dates(settings)
    settings.write_text(f'"{A}" = "2026-10-25T02:30:00+01:00"\n'
                        '[lms]\ntime_zone = "Europe/Berlin"\n')
    assert due_dates(settings)[A].isoformat() == "2026-10-25T01:30:00"


def test_review24c_m2_lms_times_in_a_changed_hour_have_no_time_and_a_note(
        tmp_path, monkeypatch, capsys):
    """A Moodle zip entry's date and a Blackboard attempt date in the repeated or skipped
    hour give the submission no time (no late penalty), a note "CHECK ITS SUBMISSION TIME"
    on its row and a warning, as an ambiguous timestamp.txt zone does; an hour later is
    read."""
    settings = tmp_path / "duedates.toml"
    settings.write_text('[lms]\ntime_zone = "Europe/Berlin"\n')
    monkeypatch.setenv("NNCOURSE_DUEDATES", str(settings))
    blank = nbformat.writes(filled_notebook(A, {})).encode()
    moodle = {"Amb Iguous_2001": (2026, 10, 25, 2, 30, 0), "Gap Py_2002": (2026, 3, 29, 2, 30, 0),
              "Fine Ly_2003": (2026, 10, 25, 3, 30, 0)}
    archive = tmp_path / "moodle.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for who, when in moodle.items():
            zipped.writestr(zipfile.ZipInfo(f"{who}_assignsubmission_file_{A}.ipynb",
                                            date_time=when), blank)
    blackboard = tmp_path / "blackboard"
    blackboard.mkdir()
    for user, date in (("amb", "2026-10-25-02-30-00"), ("gap", "2026-03-29-02-30-00"),
                       ("fine", "2026-10-25-03-30-00")):
        (blackboard / f"HW1_{user}_attempt_{date}_{A}.ipynb").write_bytes(blank)
        (blackboard / f"HW1_{user}_attempt_{date}.txt").write_text(
            f"Name: A B ({user})\nAssignment: HW1\n")
    found = {s.student: s for s in [*discover(extract_zip(archive, tmp_path / "x"), [A]),
                                    *discover(blackboard, [A])]}
    err = capsys.readouterr().err
    for student in ("(moodle 2001)", "(moodle 2002)", "(blackboard amb)", "(blackboard gap)"):
        assert found[student].timestamp is None, student
        notes = " ".join(found[student].notes)
        assert "CHECK ITS SUBMISSION TIME" in notes, (student, notes)
        why = "happens twice" if student in ("(moodle 2001)", "(blackboard amb)") else (
            "does not exist")
        assert why in notes and f"{student} / {A}" in err, (student, notes)
    for student in ("(moodle 2003)", "(blackboard fine)"):
        assert found[student].timestamp.isoformat() == "2026-10-25T02:30:00+00:00", student
        assert found[student].notes == [], student
    # the zip's own dates were read: no "export is a folder" warning for the unclear ones
    from autograder.term import untimed_warnings

    assert untimed_warnings(found.values(), {A: datetime(2026, 12, 1)}) == []


# --- L1: the hub recipe's jupyter lab as root --------------------------------------------------


def test_review24c_l1_every_readme_jupyter_lab_recipe_says_allow_root():
    """Review 24c L1: ``cd course && jupyter lab`` stops as root without ``--allow-root``
    (the README's recipes assume root for bubblewrap): each such recipe says it."""
    readme = (ROOT / "README.md").read_text()
    recipes = [m.start() for m in re.finditer(r"cd course && jupyter lab", readme)]
    assert len(recipes) >= 2
    for start in recipes:
        assert "--allow-root` as root" in readme[start:start + 60], readme[start:start + 120]


# --- L2: a written answer whose metadata was changed -----------------------------------------


def test_review24c_l2_an_answer_cell_no_longer_marked_one_is_noted():
    """Review 24c L2: a written answer cell flipped to ``solution: false`` is replaced by the
    stub in autograded/ (formgrader shows "No response"), with no note; a code answer cell so
    changed was noted as "missing". Both now say what happened to the student's row."""
    solution = filled_notebook(A, solution_sources(A))
    assert not [n for n in assemble(A, solution)[2] if "no longer marked" in n]
    written = code = None
    for cell in solution.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "markdown" and written is None:
            written, meta["solution"] = grade_id(cell), False
        elif meta.get("solution") and cell.cell_type == "code" and code is None:
            code, meta["solution"] = grade_id(cell), False
    assert written and code
    notes = assemble(A, solution)[2]
    assert (f"written answer cell {written!r} is no longer marked an answer (its nbgrader "
            "metadata was changed to solution: false): its text is not graded") in notes[0]
    assert [n for n in notes if n.startswith(f"answer cell {code!r} is no longer marked an "
                                             "answer")], notes
    assert not [n for n in notes if "missing" in n], notes


# --- review 24e ------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ['"2027-01-15"', "2027-01-15", '"20270115"',
                                     '"2027-W02-5"', '"2027W025"', '" 2027-01-15 "',
                                     '"2027-015"', '"2027015"'])  # review 24g L1: ordinal
def test_review24e_m1_every_date_only_form_is_the_end_of_that_day(tmp_path, written):
    """Review 24e M1: ``20270115`` and ``2027-W02-5`` (ISO 8601's basic and week forms of
    2027-01-15) were read as the day's start, ``2027-01-15`` as its end: everyone who
    submitted on the due day was late. Every date written without a time is the end of that
    day in the course's zone; a time written is that time."""
    from autograder.term import check_settings, due_dates

    settings = tmp_path / "duedates.toml"
    settings.write_text(f'"{A}" = {written}\n[lms]\ntime_zone = "Europe/Berlin"\n')
    check_settings(settings)
    assert due_dates(settings)[A].isoformat() == "2027-01-15T22:59:59"
    settings.write_text(f'"{A}" = "2027-01-15T00:00"\n[lms]\ntime_zone = "Europe/Berlin"\n')
    assert due_dates(settings)[A].isoformat() == "2027-01-14T23:00:00"


@pytest.mark.parametrize(("written", "expected"), [
    ('"2027-W02"', "it names a week, not a day"),
    ("20270115", "write it as a date or text"),
    # review 24f H1: Python 3.11 joins a date and a time by any character, so a date with an
    # offset was that day's 01:00 or 05:00 (everyone who submitted that day was late)
    ('"2027-01-15+01:00"', "an offset needs a time"),
    ('"2027-01-15-05:00"', "an offset needs a time"),
    ('"2027-01-15x23:59"', "joined by T or a space"),
    # review 24g H1: ISO 8601's 23.5 is 23:30, Python 3.11 read it as 23:00:00.5
    ('"2027-01-15T23.5"', "a fraction of an hour or a minute is not read"),
    ('"2027-01-15T23,5+01:00"', "a fraction of an hour or a minute is not read"),
    ('"2027-01-15T23:59.5"', "a fraction of an hour or a minute is not read"),
    # review 24g L1: a day the calendar does not have is named as such
    ('"2027-02-29"', "is no day of the calendar"),
    ('"2027-W53-1"', "is no day of the calendar"),
    ('"2027-01-15T25:00"', "is not an ISO 8601 date or time"),
])
def test_review24e_m1_a_due_date_that_names_no_day_is_refused(tmp_path, written, expected):
    """A week without its day (which day of it?) and a bare number are refused with the
    one-line error, never read as some instant."""
    from autograder.term import SettingsError, check_settings

    settings = tmp_path / "duedates.toml"
    settings.write_text(f'"{A}" = {written}\n')
    with pytest.raises(SettingsError) as raised:
        check_settings(settings)
    assert expected in str(raised.value) and "\n" not in str(raised.value), raised.value


def test_review24e_l3_a_due_date_never_adds_a_notebook_not_graded_yet(tmp_path, monkeypatch):
    """Review 24e L3: a due date for a notebook not graded yet created its assignment in the
    gradebook, so ``nbgrader export`` listed a 0/0 row of it for every student. It is set
    when that notebook is first graded, and never creates it."""
    from autograder.term import apply_due_dates, gradebook

    work = tmp_path / "course"
    work.mkdir()
    runs, settings = _late_class(work, monkeypatch)
    other = "02_universal_approximation"
    settings.write_text(DUE + f'"{other}" = "2026-12-08"\n')
    apply_due_dates([{"student": s.student, "assignment": A, "file": "x.ipynb"}
                     for s in runs], work)  # lms, and below grade
    from autograder.term import record_times

    record_times(runs, work)
    with gradebook(work) as book:
        assert [a.name for a in book.assignments] == [A]
    test = next(cell_id for kind, cell_id, _, _ in instructor_cells(other) if kind == "test")
    from autograder.report import write_gradebook

    write_gradebook([{"student": "ann", "assignment": other,
                      "tests": [{"test": test, "points": 1.0}]}], work)
    record_times([Submission("ann", other, runs[1].path, timestamp=datetime(2026, 12, 9))],
                 work)
    with gradebook(work) as book:
        assert {a.name: a.duedate for a in book.assignments} == {
            A: datetime(2026, 12, 1, 11, 0), other: datetime(2026, 12, 8, 23, 59, 59)}
        assert book.find_submission(other, "ann").late_submission_penalty == 1.0


def test_review24e_l3_lms_without_a_roster_fails_with_one_line_writing_nothing(
        tmp_path, monkeypatch, capsys):
    """Review 24e L3: ``lms`` into an OUT with no LMS roster printed three lines and had
    already rewritten the gradebook's due dates (here: removed one) before failing. It checks
    first: one line, exit 1, the gradebook as it was; likewise with a roster whose students
    have no result."""
    from autograder.__main__ import main

    work = tmp_path / "course"
    work.mkdir()
    _late_class(work, monkeypatch)
    before = _term(work)
    (tmp_path / "duedates.toml").write_text("")  # the due date's line removed since grade
    out = tmp_path / "grading"
    capsys.readouterr()
    for roster in (None, {"(canvas 7)": {"lms": "canvas", "id": "7", "name": "Kim"}}):
        if roster is not None:
            (out / "lms").mkdir(parents=True)
            (out / "lms" / "students.json").write_text(json.dumps(roster))
        assert main(["lms", "--out", str(out), "--course-work", str(work)]) == 1
        said = capsys.readouterr()
        assert said.out == "" and said.err.count("\n") == 1, said
        assert said.err.startswith("error: no ")
        assert _term(work) == before  # nothing written


def test_review24e_l1_feedback_shows_the_late_penalty_and_the_points_after_it(
        tmp_path, monkeypatch, capsys):
    """Review 24e L1: an LMS student's feedback page, their only feedback, said "11 / 11
    points" beside a grade of 0 (late, ``zero``). ``grade`` writes the gradebook's late
    penalty and the points after it into the page; ``lms``, which applies the due dates
    again, writes the pages again (an extension takes the penalty away)."""
    from autograder.__main__ import _record_term, main
    from autograder.assemble import max_points
    from autograder.report import write_feedback

    work, out = tmp_path / "course", tmp_path / "grading"
    work.mkdir()
    runs, settings = _late_class(work, monkeypatch)
    test = next(cell_id for kind, cell_id, _, _ in instructor_cells(A) if kind == "test")
    records = [{"student": s.student, "assignment": A, "points": 1.0,
                "max_points": max_points(A), "notes": [], "file": s.path.name,
                "tests": [{"test": test, "points": 1.0, "max_points": 1.0, "reason": ""}]}
               for s in runs]
    for record in records:
        path = out / "results" / record["student"] / f"{A}.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(record))
    write_feedback(records, out)  # grade, then its last step
    problems: list[str] = []
    _record_term(runs, records, out, work, problems)
    assert not problems
    page = (out / "feedback" / "ann" / f"{A}.html").read_text()
    total = f"{max_points(A):g}"
    assert f"1 / {total}</b> points." in page
    assert f"a late penalty of <b>1</b> points, so <b>0 / {total}</b> points after it" in page
    (out / "lms" / "students.json").write_text(json.dumps(
        {"ann": {"lms": "moodle", "id": "1", "name": "Ann", "notebooks": [A]}}))
    settings.write_text(DUE.replace("2026-12-01", "2026-12-03"))  # an extension
    assert main(["lms", "--out", str(out), "--course-work", str(work)]) == 0, capsys.readouterr()
    page = (out / "feedback" / "ann" / f"{A}.html").read_text()
    assert f"1 / {total}</b> points." in page and "late penalty" not in page


def test_review24e_m2_an_exchange_folder_under_an_lms_id_is_never_graded(tmp_path, capsys):
    """Review 24e M2: a hub student named their inbound folder ``(canvas 501)`` and, with
    ``nbgrader collect --update``, replaced the Canvas student's copy in course/submitted;
    ``make grade`` then graded it as theirs. An id of an LMS key's form (any case) read from
    an nbgrader folder is graded only when its file is the one ``grade`` copied there from
    that student's LMS download; otherwise never, with a warning, and the LMS student's
    earlier result stands."""
    from autograder.__main__ import _import_into_nbgrader, _refuse_lms_ids_not_copied, main
    from autograder.lms import LmsFile

    work, out = tmp_path / "course", tmp_path / "grading"
    download = tmp_path / "canvas" / "leekim_501_9001_01.ipynb"
    download.parent.mkdir()
    nbformat.write(filled_notebook(A, solution_sources(A)), download)
    owner = LmsFile(lms="canvas", lms_id="501", name="Lee Kim", uploaded=download.name)
    _import_into_nbgrader([Submission(owner.student, A, download, lms=owner)], work)
    hub = work / "submitted" / "bob" / A
    hub.mkdir(parents=True)
    nbformat.write(filled_notebook(A, {}), hub / f"{A}.ipynb")
    found = discover(work / "submitted", [A])
    assert {s.student for s in found} == {"(canvas 501)", "bob"}
    assert {s.student for s in _refuse_lms_ids_not_copied(found, work)} == {
        "(canvas 501)", "bob"}  # the copy grade made, and a hub student: graded
    copy = work / "submitted" / "(canvas 501)" / A / f"{A}.ipynb"
    shutil.copy(hub / f"{A}.ipynb", copy)  # collect --update of a forged inbound folder
    forged = work / "submitted" / "(Canvas 502)" / A  # no LMS student's copy, in any case
    shutil.copytree(hub, forged)
    capsys.readouterr()
    found = discover(work / "submitted", [A])
    assert {s.student for s in _refuse_lms_ids_not_copied(found, work)} == {"bob"}
    warned = capsys.readouterr().err
    assert warned.count("NOT GRADED") == 2 and "'(canvas 501)' is an LMS student's id" in warned
    # grade of course/submitted: the Canvas student's earlier result is never replaced
    earlier = out / "results" / "(canvas 501)" / f"{A}.json"
    earlier.parent.mkdir(parents=True)
    record = json.dumps({"student": "(canvas 501)", "assignment": A, "points": 11.0,
                         "max_points": 11.0, "tests": [], "notes": [], "file": download.name})
    earlier.write_text(record)
    shutil.rmtree(work / "submitted" / "bob")
    main(["grade", str(work / "submitted"), "--out", str(out), "--course-work", str(work),
          "--no-sandbox", "--quiet", "--jobs", "1"])
    assert earlier.read_text() == record
    assert not (out / "results" / "(Canvas 502)").exists()


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Factory"])
def test_review24g_l2_the_grading_machine_s_own_zone_is_refused(tmp_path, zone):
    """Review 24g L2: ``localtime`` names each grading machine's own zone (two graders would
    read one Moodle date as two instants); it is refused with the one-line error."""
    from autograder.term import SettingsError, lms_time_zone

    settings = tmp_path / "duedates.toml"
    settings.write_text(f'[lms]\ntime_zone = "{zone}"\n')
    with pytest.raises(SettingsError) as raised:
        lms_time_zone(settings)
    assert "grading machine's own zone" in str(raised.value)
