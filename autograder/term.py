"""The term around the grades: course id, due dates, submission times, late penalties, and
the grade files an LMS imports.

- **Course id**: nbgrader's ``CourseDirectory.course_id`` from ``course/nbgrader_config.py``
  (``NNCOURSE_COURSE_ID`` or ``grade --course-id`` overrides it); every gradebook this
  package opens is opened with it, so a run never adds a course row of its own.
- **Due dates**: nbgrader's own ``duedate`` of each assignment in the gradebook, set from
  ``course/duedates.toml`` (``"<notebook id>" = "<ISO 8601 time with zone>"``); a notebook
  not listed keeps whatever the gradebook has (``nbgrader db assignment add <id>
  --duedate=...`` sets it too).
- **Submission times**: what :func:`autograder.submissions.discover` found (nbgrader's
  ``timestamp.txt``, an LMS's submission time) becomes the gradebook submission's
  ``timestamp``, so ``nbgrader export`` shows it and lateness is nbgrader's own
  ``total_seconds_late``.
- **Late penalties**: nbgrader's own ``AssignLatePenalties`` preprocessor, with its
  ``LateSubmissionPlugin`` (or the plugin class) configured in ``course/nbgrader_config.py``,
  run on every graded submission exactly as ``nbgrader autograde`` runs it; ``nbgrader
  export`` then subtracts the penalty.
- **LMS grade files** (``OUT/lms/``): see :mod:`autograder.lms` for each format and its
  source.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tomllib
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from autograder.notebooks import COURSE

DUEDATES = COURSE / "duedates.toml"


@cache
def nbgrader_config():
    """The course's nbgrader configuration, loaded as nbgrader loads it."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(COURSE)).load_config()


def course_id() -> str:
    """The course id every gradebook is opened with."""
    return os.environ.get("NNCOURSE_COURSE_ID") or str(
        nbgrader_config().CourseDirectory.course_id)


def gradebook(work: Path):
    """nbgrader's gradebook in ``work``, opened for this course (never ``default_course``)."""
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{work / 'gradebook.db'}", course_id())


def due_dates(path: Path | None = None) -> dict[str, datetime]:
    """Notebook id -> due date (UTC, as nbgrader stores it) from ``duedates.toml``
    (``NNCOURSE_DUEDATES`` names another file)."""
    from nbgrader.utils import parse_utc

    path = path or Path(os.environ.get("NNCOURSE_DUEDATES") or DUEDATES)
    if not path.is_file():
        return {}
    with open(path, "rb") as handle:
        table = tomllib.load(handle)
    return {name: parse_utc(str(value)) for name, value in table.items()
            if not isinstance(value, dict)}


def lms_time_zone(path: Path | None = None):
    """The time zone an LMS's zone-less times are read in (a zip entry's date, Blackboard's
    attempt date): ``[lms] time_zone`` in ``duedates.toml`` (an IANA name), UTC if unset.
    Never the grading machine's own zone, so every grader reads the same times."""
    from zoneinfo import ZoneInfo

    path = path or Path(os.environ.get("NNCOURSE_DUEDATES") or DUEDATES)
    name = "UTC"
    with contextlib.suppress(OSError, tomllib.TOMLDecodeError), open(path, "rb") as handle:
        name = str(tomllib.load(handle).get("lms", {}).get("time_zone", "UTC"))
    return ZoneInfo(name)


def record_times(submissions, work: Path, duedates: dict[str, datetime] | None = None) -> None:
    """Due dates, submission times and nbgrader's late penalties into the gradebook.

    The gradebook must already hold the submissions (:func:`autograder.report.write_gradebook`
    and nbgrader's ``SaveAutoGrades`` in :func:`autograder.autograded.write_autograded`)."""
    from nbgrader.api import MissingEntry
    from nbgrader.preprocessors import AssignLatePenalties

    duedates = due_dates() if duedates is None else duedates
    with gradebook(work) as book:
        for assignment, due in duedates.items():
            with contextlib.suppress(MissingEntry):
                book.update_or_create_assignment(assignment, duedate=due)
        for submission in submissions:
            if submission.path is None:
                continue
            student = _folder(submission.student)
            with contextlib.suppress(MissingEntry), book.db.no_autoflush:
                book.update_or_create_submission(submission.assignment, student,
                                                 timestamp=submission.timestamp)
    db_url = f"sqlite:///{work / 'gradebook.db'}"
    for submission in submissions:
        if submission.path is None:
            continue
        resources = {"nbgrader": {"notebook": submission.assignment,
                                  "assignment": submission.assignment,
                                  "student": _folder(submission.student), "db_url": db_url}}
        with contextlib.suppress(MissingEntry):
            AssignLatePenalties(config=nbgrader_config()).preprocess(
                _EMPTY_NOTEBOOK(), resources)


def _EMPTY_NOTEBOOK():  # noqa: N802 - a fresh notebook each call
    import nbformat

    return nbformat.v4.new_notebook()


def _folder(student: str) -> str:
    from autograder.submissions import folder_name

    return folder_name(student)


# ---------------------------------------------------------------------------------------------
# the grade files an LMS imports


def save_roster(submissions, out: Path) -> None:
    """``OUT/lms/students.json``: who each graded student is in their LMS (kept so the LMS
    files can be written again after manual grading, by ``python -m autograder lms``)."""
    roster = {}
    for submission in submissions:
        if submission.lms is not None:
            owner = submission.lms
            roster[submission.student] = {"lms": owner.lms, "id": owner.lms_id,
                                          "name": owner.name}
    previous = _roster(out)
    previous.update(roster)
    if previous:
        (out / "lms").mkdir(parents=True, exist_ok=True)
        (out / "lms" / "students.json").write_text(json.dumps(previous, indent=1,
                                                              sort_keys=True))


def _roster(out: Path) -> dict:
    try:
        return json.loads((out / "lms" / "students.json").read_text())
    except (OSError, ValueError):
        return {}


def totals(records: list[dict], work: Path | None) -> dict[tuple[str, str], dict]:
    """(student, notebook) -> automatic, manual, late penalty and total (``max(0, automatic +
    manual - penalty)``, as ``nbgrader export`` computes it), and the maxima. Manual points
    and penalties come from the gradebook in ``work`` (0 without one)."""
    from autograder.report import _manual_max

    result = {}
    book = None
    if work is not None and (work / "gradebook.db").is_file():
        book = gradebook(work)
    try:
        for record in records:
            manual = penalty = 0.0
            timestamp = None
            if book is not None:
                manual, penalty, timestamp = _from_gradebook(book, record)
            total = max(0.0, record["points"] + manual - penalty)
            result[(record["student"], record["assignment"])] = {
                "automatic": record["points"], "manual": manual, "penalty": penalty,
                "total": total, "max": record["max_points"] + _manual_max(record),
                "timestamp": timestamp}
    finally:
        if book is not None:
            book.close()
    return result


def _from_gradebook(book, record) -> tuple[float, float, datetime | None]:
    from nbgrader.api import MissingEntry

    try:
        submission = book.find_submission(record["assignment"], _folder(record["student"]))
    except MissingEntry:
        return 0.0, 0.0, None
    manual = sum(grade.manual_score or 0.0 for notebook in submission.notebooks
                 for grade in notebook.grades if grade.cell.cell_type == "markdown")
    return manual, float(submission.late_submission_penalty or 0.0), submission.timestamp


def _n(value: float) -> str:
    return f"{value:g}"


def _text(rows: list[list], header: list[str]) -> str:
    from autograder.report import cell

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    writer.writerows([[value if isinstance(value, (int, float)) else cell(value)
                       for value in row] for row in rows])
    return buffer.getvalue()


def write_lms_files(records: list[dict], out: Path, work: Path | None) -> list[Path]:
    """``OUT/lms/<lms>.csv`` for every LMS the graded students came from (Moodle: one
    ``moodle-<notebook>.csv`` per notebook, as Moodle's worksheet is per assignment), and
    ``OUT/lms/<lms>-details.csv`` with each notebook's automatic, manual, late penalty and
    total. Formats and sources: :mod:`autograder.lms`."""
    roster = _roster(out)
    scores = totals([r for r in records if r["student"] in roster], work)
    by_lms: dict[str, list[str]] = {}
    for student, who in roster.items():
        by_lms.setdefault(who["lms"], []).append(student)
    notebooks = sorted({a for _, a in scores})
    maxima = {a: max(v["max"] for (_, b), v in scores.items() if b == a) for a in notebooks}
    written = []
    folder = out / "lms"
    folder.mkdir(parents=True, exist_ok=True)
    for lms, students in sorted(by_lms.items()):
        students = sorted(students, key=lambda s: (roster[s]["name"], roster[s]["id"]))
        mine = [a for a in notebooks if any((s, a) in scores for s in students)]

        def total(student, notebook):
            value = scores.get((student, notebook))
            return "" if value is None else _n(value["total"])

        if lms == "canvas":
            header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *mine]
            rows = [["Points Possible", "", "", "", "", *[_n(maxima[a]) for a in mine]]]
            rows += [[roster[s]["name"], roster[s]["id"], "", "", "",
                      *[total(s, a) for a in mine]] for s in students]
            written.append(_write(folder / "canvas.csv", _text(rows, header)))
        elif lms == "blackboard":
            header = ["Last Name", "First Name", "Username",
                      *[f"{a} [Total Pts: {_n(maxima[a])} Score]" for a in mine]]
            rows = []
            for s in students:
                first, _, last = roster[s]["name"].rpartition(" ")
                rows.append([last, first, roster[s]["id"], *[total(s, a) for a in mine]])
            written.append(_write(folder / "blackboard.csv", _text(rows, header)))
        else:
            # Moodle's upload (mod/assign/feedback/offline/importgradeslib.php) refuses a
            # worksheet without "Last modified (grade)": it is the time the grade was made
            header = ["Identifier", "Full name", "Grade", "Maximum Grade",
                      "Last modified (submission)", "Last modified (grade)",
                      "Feedback comments"]
            # both times in the course's LMS zone (set it to the Moodle server's: Moodle
            # reads them with strtotime in its own zone), never the grading machine's
            zone = lms_time_zone()
            moodle_time = "%A, %d %B %Y, %I:%M %p"
            graded_at = datetime.now(zone).strftime(moodle_time)
            for a in mine:
                rows = []
                for s in students:
                    value = scores.get((s, a))
                    if value is None:
                        continue
                    stamp = value["timestamp"]  # nbgrader keeps UTC without a zone
                    when = (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).astimezone(
                        zone).strftime(moodle_time) if stamp else ""
                    rows.append([f"Participant {roster[s]['id']}", roster[s]["name"],
                                 _n(value["total"]), _n(value["max"]), when, graded_at,
                                 f"automatic {_n(value['automatic'])} + written "
                                 f"{_n(value['manual'])} - late {_n(value['penalty'])}"])
                written.append(_write(folder / f"moodle-{a}.csv", _text(rows, header)))
        details = [[roster[s]["id"], roster[s]["name"], a, _n(v["automatic"]),
                    _n(v["manual"]), _n(v["penalty"]), _n(v["total"]), _n(v["max"]),
                    v["timestamp"].isoformat() if v["timestamp"] else ""]
                   for s in students for a in mine if (v := scores.get((s, a)))]
        written.append(_write(folder / f"{lms}-details.csv", _text(
            details, ["lms_id", "name", "notebook", "automatic", "manual", "late_penalty",
                      "total", "max", "submitted"])))
    return written


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
