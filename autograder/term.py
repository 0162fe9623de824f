"""The term around the grades: course id, due dates, submission times, late penalties, and
the grade files an LMS imports.

- **Course id**: nbgrader's ``CourseDirectory.course_id`` from ``course/nbgrader_config.py``
  (``NNCOURSE_COURSE_ID`` or ``grade --course-id`` overrides it); every gradebook this
  package opens is opened with it, so a run never adds a course row of its own.
- **Due dates**: nbgrader's own ``duedate`` of each assignment in the gradebook, set from
  ``course/duedates.toml`` (``"<notebook id>" = "<ISO 8601 time>"``; a time without a zone
  is in the course's zone, ``[lms] time_zone``, UTC if unset; a date without a time is the
  end of that day, 23:59:59, there). The file is the one source: a notebook not listed
  has no due date, and ``grade`` and ``lms`` clear one the gradebook still holds (set
  there by an earlier file or by ``nbgrader db assignment add --duedate``), saying so. The
  file's keys are checked against :data:`SCHEMA` (review 24c H1).
- **Submission times**: what :func:`autograder.submissions.discover` found (nbgrader's
  ``timestamp.txt``, an LMS's submission time) becomes the gradebook submission's
  ``timestamp``, so ``nbgrader export`` shows it and lateness is nbgrader's own
  ``total_seconds_late``.
- **Late penalties**: nbgrader's own ``LateSubmissionPlugin`` (or the
  ``AssignLatePenalties.plugin_class``) configured in ``course/nbgrader_config.py``, applied
  as ``AssignLatePenalties`` applies it, but always on the notebook's **automatic** points
  (what ``nbgrader autograde`` sees before formgrader): ``zero`` makes the penalty the
  automatic points, so a late written answer still counts, and the penalty is the same
  however often ``grade`` and ``lms`` run; ``nbgrader export`` then subtracts it.
- **LMS grade files** (``OUT/lms/``): see :mod:`autograder.lms` for each format and its
  source.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import sys
import tomllib
from datetime import UTC, date, datetime, time
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
    from nbgrader import api

    if api.get_alembic_version is not alembic_head:
        _NBGRADER_ALEMBIC_VERSION[:] = [api.get_alembic_version]
        api.get_alembic_version = alembic_head
    return api.Gradebook(f"sqlite:///{work / 'gradebook.db'}", course_id())


_NBGRADER_ALEMBIC_VERSION: list = []


@cache
def alembic_head() -> str:
    """The alembic revision nbgrader stamps a new gradebook with: what nbgrader's own
    ``get_alembic_version`` reads from its migration scripts, read in this process (it runs
    the ``alembic`` command for it, 2 to 5 s of every new gradebook); nbgrader's own answer
    wherever this one cannot be had."""
    try:
        from alembic.config import Config
        from alembic.script import ScriptDirectory
        from nbgrader.dbutil import _temp_alembic_ini

        with _temp_alembic_ini("sqlite:////tmp/gradebook.db") as ini:
            head = ScriptDirectory.from_config(Config(ini)).get_current_head()
        if head:
            return head
    except Exception:  # noqa: BLE001, S110 - nbgrader's own way below
        pass
    from nbgrader import api

    return (_NBGRADER_ALEMBIC_VERSION or [api.get_alembic_version])[0]()


class SettingsError(ValueError):
    """``duedates.toml`` cannot be read (malformed TOML, a bad date, an unknown zone)."""


def _settings_path(path: Path | None) -> Path:
    return path or Path(os.environ.get("NNCOURSE_DUEDATES") or DUEDATES)


def use_course_work(work: Path | str | None) -> None:
    """Read due dates and the course's zone from ``<work>/duedates.toml`` when a course work
    folder other than ``course/`` is given (``--course-work``: its copy of the course is the
    one graded), unless ``NNCOURSE_DUEDATES`` names a file already; a work folder without
    the file uses ``course/duedates.toml``."""
    if work is None or os.environ.get("NNCOURSE_DUEDATES"):
        return
    own = Path(work).resolve() / "duedates.toml"
    if own.is_file():
        os.environ["NNCOURSE_DUEDATES"] = str(own)


LMS_SETTINGS: dict[str, str] = {
    "time_zone": "the course's time zone, an IANA name such as \"Europe/Berlin\"",
    "blackboard_columns": "notebook id -> the Blackboard Grade Center column id its "
                          "blackboard.csv column updates, { \"<notebook id>\" = <number> }",
}
"""The settings of ``duedates.toml``'s ``[lms]`` table, and what each holds."""

SCHEMA = {"<notebook id>": "its due date (top level, before any table)",
          "lms": LMS_SETTINGS}
"""``duedates.toml``'s keys, all of them: a notebook id at the top level (its due date), and
the one table ``[lms]`` holding :data:`LMS_SETTINGS` only. Any other key anywhere stops
``grade`` and ``lms`` with a one-line error naming it and where it is (review 24c H1: a due
date appended after ``[lms]`` is an ``[lms]`` key in TOML, and was silently ignored)."""


def _table(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            table = tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"{path}: cannot be read: {error}") from None
    problem = _schema_problem(table)
    if problem:
        raise SettingsError(f"{path}: {problem}")
    return table


def _schema_problem(table: dict) -> str | None:
    """What in ``table`` (a read ``duedates.toml``) :data:`SCHEMA` does not allow, else
    None; notebook ids are checked by :func:`check_settings`."""
    import difflib

    settings = ", ".join(LMS_SETTINGS)
    for key, value in table.items():
        if key == "lms" and isinstance(value, dict):
            for name, setting in value.items():
                if name in LMS_SETTINGS:
                    problem = _setting_problem(name, setting)
                    if problem:
                        return f"[lms] {name}: {problem}"
                    continue
                if _looks_like_due_date(name, setting):
                    return (f"[lms] holds {name!r} = {setting!r}, a due date: due dates belong "
                            "at the top of the file, before [lms] (every line after [lms] "
                            "is an [lms] setting)")
                close = difflib.get_close_matches(name, list(LMS_SETTINGS), 1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                return (f"[lms] has no setting {name!r}{hint}; its settings are {settings}")
        elif key == "lms":
            return f"'lms' must be the table [lms] (its settings: {settings})"
        elif isinstance(value, dict):
            hint = " (did you mean [lms]?)" if key.lower() == "lms" else ""
            return (f"unknown table [{key}]{hint}: the file holds due dates at the top and "
                    f"the one table [lms] ({settings})")
        elif key in LMS_SETTINGS:
            return (f"{key!r} is an [lms] setting, not a due date: put it under [lms], at "
                    "the end of the file")
    return None


def _looks_like_due_date(name: str, value) -> bool:
    from autograder.notebooks import course_ids

    return (name in course_ids() or isinstance(value, (date, time))
            or (isinstance(value, str) and bool(re.match(r"\s*\d{4}-\d\d-\d\d", value))))


def _setting_problem(name: str, value) -> str | None:
    if name == "time_zone":
        return None if isinstance(value, str) else f"{value!r} is not a zone name (text)"
    if not isinstance(value, dict):
        return (f"{value!r} is not a table of notebook id -> column id "
                "({ \"01_neuron_and_xor\" = 123456 })")
    for notebook, column in value.items():
        if _looks_like_due_date("", column):
            return (f"{notebook!r} = {column!r} is a due date: due dates belong at the top of "
                    "the file, before [lms]")
        if not (isinstance(column, int) and not isinstance(column, bool) and column > 0
                or isinstance(column, str) and column.strip().isdigit()):
            return (f"{notebook!r} = {column!r} is no Blackboard column id (the number after "
                    "'|' in the column's header of a Grade Center download, or the Column ID "
                    "of Quick Column Information)")
    return None


_WEEK_ONLY = re.compile(r"\d{4}-?W\d\d")


_DATE_AND_TIME = re.compile(r"(?P<day>[^Tt ]+)[Tt ](?P<time>\d.*)")
_DATE_LIKE = re.compile(r"\d{4}-?(W\d\d-?\d|\d\d-?\d\d|\d{4})", re.IGNORECASE)
_ORDINAL_DATE = re.compile(r"(?P<year>\d{4})-?(?P<day>\d{3})")
_FRACTION_OF_HOUR_OR_MINUTE = re.compile(r"\d\d(:?\d\d)?[.,]")
"""A due date with a time: the date, then T (or a space), then the time."""


def _due_time(value) -> datetime:
    """A due date as written (TOML date or datetime, or ISO 8601 text), without reading its
    zone. Every date-only form, whatever ISO 8601 form it is written in (``2027-01-15``,
    ``20270115``, the week date ``2027-W02-5``), is the end of that day, 23:59:59 (review
    24e M1: the basic and week forms were the day's start); a week without its day is
    refused. Raises ValueError (TypeError) for a value that is no date."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(23, 59, 59))
    if not isinstance(value, str):
        raise TypeError("write it as a date or text (\"2027-01-15\")")
    text = value.strip()
    if _WEEK_ONLY.fullmatch(text):
        raise ValueError("it names a week, not a day (write its day: 2027-W02-5 is that "
                         "week's Friday)")
    ordinal = _ORDINAL_DATE.fullmatch(text)
    if ordinal:  # 2027-015: ISO 8601's ordinal date, which date.fromisoformat does not read
        day = _calendar_day(lambda: datetime.strptime(f"{ordinal['year']} {ordinal['day']}",
                                                      "%Y %j").date(), text)
        return datetime.combine(day, time(23, 59, 59))
    if _DATE_AND_TIME.fullmatch(text) is None and _DATE_LIKE.fullmatch(text):
        day = _calendar_day(lambda: date.fromisoformat(text), text)
        return datetime.combine(day, time(23, 59, 59))
    joined = _DATE_AND_TIME.fullmatch(text)
    if not joined:  # Python 3.11 joins a date and a time by any one character: a date with
        # an offset ("2027-01-15+01:00") would be that day's 01:00 (review 24f H1)
        raise ValueError("a date and a time are joined by T or a space "
                         "(2027-01-15T23:59:00+01:00); an offset needs a time, and a date "
                         "alone is the end of that day in the course's zone")
    if _FRACTION_OF_HOUR_OR_MINUTE.match(joined["time"]):
        # ISO 8601's 23.5 is 23:30; Python 3.11 reads it as 23:00:00.5 (review 24g H1)
        raise ValueError("a fraction of an hour or a minute is not read: write the minutes "
                         "and seconds (23:30 for 23.5)")
    _calendar_day(lambda: date.fromisoformat(joined["day"]), joined["day"])
    return datetime.fromisoformat(text)


def _calendar_day(read, text: str) -> date:
    """``read()``, a day of the calendar, or ValueError saying that ``text`` names none."""
    try:
        return read()
    except ValueError:
        raise ValueError(f"{text!r} is no day of the calendar (or a form not read: write "
                         "2027-01-15)") from None


def due_dates(path: Path | None = None) -> dict[str, datetime]:
    """Notebook id -> due date (UTC without a zone, as nbgrader stores it) from
    ``duedates.toml`` (``NNCOURSE_DUEDATES`` names another file). A time without a zone is
    read in the course's zone (:func:`lms_time_zone`); a date without a time, in any ISO
    8601 form, is the end of that day (23:59:59) in it (:func:`_due_time`). Raises
    :class:`SettingsError` for a value that is no date."""
    path = _settings_path(path)
    table = _table(path)
    zone = lms_time_zone(path)
    result = {}
    for name, value in table.items():
        if isinstance(value, dict):
            continue
        try:
            when = _due_time(value)
        except (TypeError, ValueError) as error:
            raise SettingsError(f"{path}: the due date of {name!r}, {value!r}, is not an ISO "
                                f"8601 date or time: {error}") from None
        if when.tzinfo is None:
            try:
                when = local_time(when, zone)
            except AmbiguousTime as error:
                raise SettingsError(f"{path}: the due date of {name!r}, {value!r}: {error}; "
                                    "write it with its UTC offset") from None
        result[name] = when.astimezone(UTC).replace(tzinfo=None)
    return result


class AmbiguousTime(ValueError):
    """A local time without a zone that names no one instant in the course's zone."""


def local_time(wall: datetime, zone) -> datetime:
    """``wall``, a time without a zone (a zip entry's date, Blackboard's attempt date, a due
    date written without an offset), as the one instant it is in ``zone``. Raises
    :class:`AmbiguousTime` when it is not one instant (review 24c M2): in the hour a
    daylight-saving change repeats it is two (``fold`` 0 and 1 differ), and in the hour the
    change skips it is none. No reading is guessed: whoever reads the time says so."""
    wall = wall.replace(tzinfo=None)
    first, second = wall.replace(tzinfo=zone), wall.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first
    shown = f"{wall:%Y-%m-%d %H:%M:%S} in {zone}"
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise AmbiguousTime(f"{shown} does not exist (the hour a daylight-saving change "
                            "skips)")
    readings = " or ".join(f"{when.astimezone(UTC):%H:%M} UTC" for when in (first, second))
    raise AmbiguousTime(f"{shown} happens twice (the hour a daylight-saving change "
                        f"repeats): {readings}")


MACHINE_ZONES = ("localtime", "posixrules", "factory")
"""Zone names that are no zone of the course but the machine's own or a placeholder."""


def lms_time_zone(path: Path | None = None):
    """The course's time zone: the zone an LMS's zone-less times are read in (a zip entry's
    date, Blackboard's attempt date) and the due dates written without one; ``[lms]
    time_zone`` in ``duedates.toml`` (an IANA name), UTC if unset. Never the grading
    machine's own zone, so every grader reads the same times. Raises
    :class:`SettingsError` for an unknown zone or a malformed file."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    path = _settings_path(path)
    name = str(_table(path).get("lms", {}).get("time_zone", "UTC"))
    if name.lower() in MACHINE_ZONES:  # review 24g L2: each grading machine's own zone
        raise SettingsError(f"{path}: [lms] time_zone = {name!r} is the grading machine's "
                            "own zone, which differs between graders: write the course's "
                            "IANA name, such as \"Europe/Berlin\"")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise SettingsError(f"{path}: [lms] time_zone = {name!r} is not a known time zone "
                            f"(an IANA name such as \"Europe/Berlin\"): {error}") from None


def blackboard_columns(path: Path | None = None) -> dict[str, str]:
    """Notebook id -> the Blackboard Grade Center column id its ``blackboard.csv`` column
    updates (``[lms] blackboard_columns``); a notebook without one gets a new column on
    each upload (see :mod:`autograder.lms`)."""
    columns = _table(_settings_path(path)).get("lms", {}).get("blackboard_columns", {})
    return {str(notebook): str(column).strip() for notebook, column in columns.items()}


def check_settings(path: Path | None = None) -> None:
    """Raise :class:`SettingsError` (one line) when ``duedates.toml`` cannot be used: a
    malformed file, a key :data:`SCHEMA` does not allow, a bad date or zone, or a due
    date (or a Blackboard column id) under a key that is no notebook id (review 24 F10:
    ``"01_neuron_xor"`` was ignored, so nobody was late). The notebook ids are the whole
    course's (:func:`autograder.notebooks.course_ids`), also where only one notebook's files
    are (a Gradescope zip, review 24e H1)."""
    from autograder.notebooks import course_ids

    known = course_ids()
    for where, keys in (("a due date", due_dates(path)),
                        ("[lms] blackboard_columns: a column id",
                         blackboard_columns(path))):
        unknown = sorted(set(keys) - set(known))
        if unknown:
            import difflib

            hints = [f"{name!r} (did you mean {close[0]!r}?)"
                     if (close := difflib.get_close_matches(name, known, 1)) else repr(name)
                     for name in unknown]
            raise SettingsError(f"{_settings_path(path)}: {where} for no notebook: "
                                f"{', '.join(hints)}; the notebook ids are {', '.join(known)}")


def untimed_warnings(submissions, duedates: dict[str, datetime] | None = None) -> list[str]:
    """One warning per notebook with a due date whose Moodle submissions have no submission
    time: an export given as a folder (not the zip as downloaded, whose entry dates are
    Moodle's times) has none, so nothing in it can be late (its files' dates are never read:
    an unzip tool may keep the zip's dates or not, and a copy loses them)."""
    duedates = due_dates() if duedates is None else duedates
    untimed: dict[str, int] = {}
    for submission in submissions:
        owner = submission.lms
        if (submission.path is not None and owner is not None and owner.lms == "moodle"
                and submission.timestamp is None and not submission.unclear_time
                and submission.assignment in duedates):
            untimed[submission.assignment] = untimed.get(submission.assignment, 0) + 1
    return [f"{count} Moodle submission(s) of {assignment} have no submission time (the "
            "export is a folder, not the zip as downloaded, whose entry dates are Moodle's "
            "times), so none of them is late though its due date is set: grade the zip as "
            "downloaded" for assignment, count in sorted(untimed.items())]


def record_times(submissions, work: Path, duedates: dict[str, datetime] | None = None) -> None:
    """Due dates, submission times and nbgrader's late penalties into the gradebook.

    The gradebook must already hold the submissions (:func:`autograder.report.write_gradebook`
    and nbgrader's ``SaveAutoGrades`` in :func:`autograder.autograded.write_autograded`)."""
    from nbgrader.api import MissingEntry
    from nbgrader.preprocessors import AssignLatePenalties

    duedates = due_dates() if duedates is None else duedates
    with gradebook(work) as book:
        changed = _set_due_dates(book, duedates)
        for submission in submissions:
            owner = submission.lms
            if owner is not None and owner.importable and owner.name != owner.lms_id:
                # the LMS's display name is display data: the gradebook's student (the LMS
                # id) shows the name of the latest download, renamed or not
                with contextlib.suppress(MissingEntry), book.db.no_autoflush:
                    book.update_or_create_student(_folder(submission.student),
                                                  last_name=owner.name)
            if submission.path is None:
                continue
            student = _folder(submission.student)
            with contextlib.suppress(MissingEntry), book.db.no_autoflush:
                book.update_or_create_submission(submission.assignment, student,
                                                 timestamp=submission.timestamp)
    assign = AssignLatePenalties(config=nbgrader_config())
    assign.init_plugin()
    with gradebook(work) as book:
        graded = {(s.assignment, _folder(s.student)) for s in submissions
                  if s.path is not None}
        for assignment, student in sorted(graded | _submitted(book, changed)):
            with contextlib.suppress(MissingEntry):
                _late_penalty(book, assign, assignment, student)
        book.db.commit()


TIMES = "times.json"
"""``OUT/lms/times.json``: each graded submission's time as this OUT's ``grade`` runs read it
(student -> notebook -> ISO time, or null for none), so ``lms`` computes this OUT's late
penalties from its own times, whatever another OUT graded into the same course work since
(review 24b M1)."""


def save_times(submissions, out: Path) -> None:
    """This run's submission times into ``OUT/lms/times.json`` (earlier runs' kept)."""
    times = load_times(out)
    for submission in submissions:
        if submission.path is not None:
            stamp = submission.timestamp
            times.setdefault(submission.student, {})[submission.assignment] = (
                stamp.isoformat() if stamp is not None else None)
    if times:
        (out / "lms").mkdir(parents=True, exist_ok=True)
        (out / "lms" / TIMES).write_text(json.dumps(times, indent=1, sort_keys=True))


def load_times(out: Path) -> dict[str, dict[str, str | None]]:
    try:
        found = json.loads((out / "lms" / TIMES).read_text())
        return found if isinstance(found, dict) else {}
    except (OSError, ValueError):
        return {}


def apply_due_dates(records: list[dict], work: Path, out: Path | None = None) -> Path:
    """The current ``duedates.toml`` into the gradebook in ``work`` and every graded
    submission's late penalty computed again from it (``lms`` does this before writing the
    LMS files, review 24 F5: a class-wide extension left stale penalties); the submission
    times are ``out``'s own (:data:`TIMES`), else the gradebook's, as ``grade`` stored
    them. Returns the file read."""
    from nbgrader.api import MissingEntry
    from nbgrader.preprocessors import AssignLatePenalties

    duedates = due_dates()
    times = load_times(out) if out is not None else {}
    with gradebook(work) as book:
        changed = _set_due_dates(book, duedates)
        for record in records:
            known = times.get(record["student"], {})
            if record.get("file", "") is None or record["assignment"] not in known:
                continue
            stamp = known[record["assignment"]]
            with contextlib.suppress(MissingEntry, ValueError, TypeError), \
                    book.db.no_autoflush:
                book.find_submission(record["assignment"], _folder(record["student"]))
                book.update_or_create_submission(
                    record["assignment"], _folder(record["student"]),
                    timestamp=datetime.fromisoformat(stamp) if stamp else None)
    assign = AssignLatePenalties(config=nbgrader_config())
    assign.init_plugin()
    with gradebook(work) as book:
        graded = {(r["assignment"], _folder(r["student"])) for r in records
                  if r.get("file", "") is not None}
        for assignment, student in sorted(graded | _submitted(book, changed)):
            with contextlib.suppress(MissingEntry):
                _late_penalty(book, assign, assignment, student)
        book.db.commit()
    return _settings_path(None)


def _set_due_dates(book, duedates: dict[str, datetime]) -> set[str]:
    """``duedates.toml``'s due dates into the gradebook, the one source (review 24c H2): a
    listed notebook of the gradebook gets its due date, and every other assignment of the
    gradebook loses the one it had, with a line in the run's output. A notebook not in the
    gradebook yet is not added (review 24e L3: ``nbgrader export`` then listed a 0/0 row of
    it for every student); it gets its due date in the run that first grades it. Returns
    the assignments whose due date changed (their submissions' late penalties are computed
    again, everyone's)."""
    changed = set()
    known = {assignment.name: assignment for assignment in book.assignments}
    for assignment in known.values():
        if assignment.name not in duedates and assignment.duedate is not None:
            print(f"due date of {assignment.name} removed ({_settings_path(None)} has none "
                  f"for it; it was {assignment.duedate:%Y-%m-%d %H:%M} UTC): no submission "
                  "of it is late")
            assignment.duedate = None
            changed.add(assignment.name)
    for assignment, due in duedates.items():
        if assignment in known and known[assignment].duedate != due:
            known[assignment].duedate = due
            changed.add(assignment)
    book.db.commit()
    return changed


def _submitted(book, assignments: set[str]) -> set[tuple[str, str]]:
    """(assignment, student) of every submission of ``assignments`` in the gradebook."""
    return {(assignment, submission.student.id) for assignment in sorted(assignments)
            for submission in book.assignment_submissions(assignment)}


def _late_penalty(book, assign, assignment: str, student: str) -> None:
    """nbgrader's late penalty of each notebook of one submission, set as
    ``AssignLatePenalties`` sets it (its configured plugin, clamped to 0..score), but on the
    notebook's **automatic** points (the cells' ``auto_score``), never on the points
    formgrader adds: so ``grade`` gives the same penalty however often it runs, before or
    after manual grading (nbgrader's own order, autograde then formgrader, gives the same)."""
    found = book.find_submission(assignment, student)
    late = found.total_seconds_late
    for notebook in found.notebooks:
        notebook.late_submission_penalty = None
        if late > 0:
            automatic = sum(grade.auto_score or 0.0 for grade in notebook.grades)
            penalty = assign.plugin_inst.late_submission_penalty(student, automatic, late)
            if penalty is not None:
                notebook.late_submission_penalty = min(max(float(penalty), 0.0),
                                                       float(notebook.score))


def _folder(student: str) -> str:
    from autograder.submissions import folder_name

    return folder_name(student)


# ---------------------------------------------------------------------------------------------
# the grade files an LMS imports


class LmsError(ValueError):
    """The LMS files cannot be written as they should be (one line for the instructor)."""


def save_roster(submissions, out: Path) -> None:
    """``OUT/lms/students.json``: who each graded student is in their LMS (kept so the LMS
    files can be written again after manual grading, by ``python -m autograder lms``).

    Each entry holds the student's LMS id and latest display name, the notebooks of the
    downloads they were in (``notebooks``: a student is in a notebook's LMS file only for
    a notebook whose download held a file of theirs, review 24 F1), and per notebook the
    notes on their files (``notes``) and why nothing of theirs could be graded
    (``ungraded``: that notebook's cell is 0, with the reason).

    Merged with the earlier runs' roster (another download into the same OUT): an entry
    for an LMS id this run holds keeps what the earlier runs said about the notebooks this
    run's downloads do not hold (their notes, their 0s; review 24 F3), and takes this
    run's name (a student renamed in the LMS keeps one row); entries for other LMS ids are
    kept. A Moodle participant id is one assignment's: see :func:`_keep_other_assignments`."""
    roster: dict[str, dict] = {}
    graded: dict[str, set[str]] = {}
    notes: dict[str, list[str]] = {}
    run_notebooks = sorted({s.assignment for s in submissions})
    for submission in submissions:
        if submission.lms is not None and submission.lms.importable:
            owner = submission.lms  # (not an LMS id read without Blackboard's receipt)
            who = roster.setdefault(submission.student, {"lms": owner.lms, "id": owner.lms_id,
                                                         "name": owner.name, "notebooks": []})
            if submission.path is not None or who["name"] == who["id"]:
                who["name"] = owner.name  # the later notebook's download names them last
            if submission.export_notebooks is not None:
                # the notebooks of the download(s) the student is in (a Moodle participant
                # id is that assignment's)
                who["notebooks"] = sorted({*who["notebooks"], *submission.export_notebooks})
            else:
                who["notebooks"] = run_notebooks
        if submission.path is not None:
            graded.setdefault(submission.student, set()).add(submission.assignment)
        notes.setdefault(submission.student, []).extend(submission.notes)
    for student, who in roster.items():
        if not who["notebooks"] and who["lms"] != "moodle":
            who["notebooks"] = run_notebooks  # a download holding no notebook at all
        said = "; ".join(dict.fromkeys(
            n for n in notes.get(student, []) if n != "no submission for this notebook"))
        if len(said) > MAX_NOTE:
            said = said[: MAX_NOTE - 60] + " ... (the rest: grading/grades.csv)"
        # every skipped file's reason, written next to the student in their downloads'
        # notebooks (details)
        who["notes"] = {n: said for n in who["notebooks"]} if said else {}
        ungraded = [n for n in who["notebooks"] if n not in graded.get(student, set())]
        who["ungraded"] = {n: said[:500] or "no file of theirs could be graded"
                           for n in ungraded}
    earlier = _roster(out)
    for student, who in roster.items():
        before = earlier.get(student)
        mine = list(who["notebooks"])
        _keep_other_assignments(who, before)
        _keep_other_notebooks(who, before, mine)
    ids = {key for who in roster.values() for key in _id_keys(who)}
    kept = {student: who for student, who in earlier.items()
            if student not in roster and not ids.intersection(_id_keys(who))}
    kept.update(roster)
    if kept or (out / "lms" / "students.json").exists():
        (out / "lms").mkdir(parents=True, exist_ok=True)
        (out / "lms" / "students.json").write_text(json.dumps(kept, indent=1,
                                                              sort_keys=True))


def _per_notebook(who: dict, key: str) -> dict[str, str]:
    """A roster entry's ``notes`` or ``ungraded`` per notebook (an entry written before they
    were per notebook holds one text for all its notebooks)."""
    value = who.get(key)
    if isinstance(value, dict):
        return {str(n): str(t) for n, t in value.items()}
    if value:
        return {n: str(value) for n in who.get("notebooks") or []}
    return {}


def _keep_other_notebooks(who: dict, before: dict | None, mine: list[str]) -> None:
    """``who`` (this run's entry) keeps the earlier entry's notebooks, notes and 0s for the
    notebooks this run's downloads do not hold (review 24 F3: grading assignment 2 lost
    assignment 1's Canvas late markers and skipped-file notes)."""
    if not before or before.get("lms") != who.get("lms"):
        return
    for key in ("notes", "ungraded"):
        older = _per_notebook(before, key)
        merged = {n: t for n, t in older.items() if n not in set(mine)}
        merged.update(who.get(key, {}))
        who[key] = merged
    who["notebooks"] = sorted({*who["notebooks"], *(before.get("notebooks") or [])})


def _keep_other_assignments(who: dict, before: dict | None) -> None:
    """A Moodle participant id is one assignment's, so the same id in another notebook's
    download (an earlier run into the same OUT) may be another person there: ``who`` (this
    run's entry) keeps the earlier entry's other notebooks, each with its own name
    (``names``), so both worksheets keep their rows (review 17, F5)."""
    if (not before or who.get("lms") != "moodle" or before.get("lms") != "moodle"
            or who.get("notebooks") is None or not before.get("notebooks")):
        return
    mine = set(who["notebooks"])
    others = [n for n in before["notebooks"] if n not in mine]
    if not others:
        return
    names = {n: before.get("names", {}).get(n, before.get("name", "")) for n in others}
    names.update({n: who["name"] for n in who["notebooks"]})
    if len(set(names.values())) > 1:
        print(f"warning: Moodle participant id {who['id']} is "
              + ", ".join(f"{name!r} in {n}" for n, name in sorted(names.items()))
              + ": a participant id is one assignment's, so each keeps its own worksheet "
              "row; they are one student in nbgrader's gradebook", file=sys.stderr)
    who["notebooks"] = sorted({*who["notebooks"], *others})
    who["names"] = names


MAX_NOTE = 4000
"""Characters of a student's notes kept for the LMS details file (grades.csv has them all)."""


SOURCE = "source.json"
"""``OUT/lms/source.json``: the course work folder and course id ``grade`` wrote the
gradebook with; ``python -m autograder lms`` uses them unless told otherwise."""


def save_source(out: Path, work: Path) -> None:
    (out / "lms").mkdir(parents=True, exist_ok=True)
    (out / "lms" / SOURCE).write_text(json.dumps(
        {"course_work": str(work.resolve()), "course_id": course_id()}, indent=1))


def load_source(out: Path) -> dict:
    try:
        found = json.loads((out / "lms" / SOURCE).read_text())
        return found if isinstance(found, dict) else {}
    except (OSError, ValueError):
        return {}


def merge_rosters(outputs: list[Path], out: Path) -> bool:
    """``out/lms/students.json`` from every shard output's (``merge``); True if any. A shard's
    entry replaces an older one for the same LMS id."""
    roster = _roster(out)
    for output in outputs:
        fresh = _roster(output)
        ids = {key for who in fresh.values() for key in _id_keys(who)}
        roster = {s: w for s, w in roster.items() if not ids.intersection(_id_keys(w))}
        roster.update(fresh)
    if roster:
        (out / "lms").mkdir(parents=True, exist_ok=True)
        (out / "lms" / "students.json").write_text(json.dumps(roster, indent=1,
                                                              sort_keys=True))
    return bool(roster)


def _id_keys(who: dict) -> list[tuple]:
    """What makes a roster entry's LMS id one person's: Canvas's user id and Blackboard's
    username are the whole LMS's; Moodle's participant id is one assignment's
    (``assign_user_mapping``), so it is one person's per notebook of its download."""
    if who.get("lms") == "moodle" and who.get("notebooks"):
        return [(who["lms"], str(who.get("id")), n) for n in who["notebooks"]]
    return [(who.get("lms"), str(who.get("id")), None)]


def _unique_ids(roster: dict) -> dict:
    """The roster without any LMS id two students claim (neither gets a row: an import
    would give one's grade to the other); the instructor is warned."""
    claims: dict[tuple, list[str]] = {}
    for student, who in roster.items():
        for key in _id_keys(who):
            claims.setdefault(key, []).append(student)
    kept = dict(roster)
    for (lms, lms_id, _), students in sorted(claims.items(), key=str):
        if len(students) > 1:
            for student in students:
                kept.pop(student, None)
            print(f"warning: {lms} id {lms_id} is claimed by {len(students)} students "
                  f"({', '.join(sorted(students))}): none of them is in grading/lms/{lms}"
                  "*.csv; check who submitted and enter their grades by hand",
                  file=sys.stderr)
    return kept


def _roster(out: Path) -> dict:
    try:
        return json.loads((out / "lms" / "students.json").read_text())
    except (OSError, ValueError):
        return {}


def totals(records: list[dict], work: Path | None) -> dict[tuple[str, str], dict]:
    """(student, notebook) -> automatic, manual, late penalty and total, and the maxima.

    With a gradebook in ``work`` the total is exactly ``nbgrader export``'s: ``max(0, score
    - late penalty)`` of nbgrader's own submission score (every cell's manual score where
    formgrader set one, else its automatic score, plus extra credit); ``manual`` is what
    formgrader changed (``score - automatic``: written answers, overrides, extra credit).
    Without one, the automatic points."""
    from autograder.report import _manual_max

    result = {}
    book = None
    if work is not None and (work / "gradebook.db").is_file():
        book = gradebook(work)
    try:
        for record in records:
            score, penalty, timestamp = record["points"], 0.0, None
            if book is not None:
                score, penalty, timestamp = _from_gradebook(book, record)
            manual = score - record["points"]
            total = max(0.0, score - penalty)
            result[(record["student"], record["assignment"])] = {
                "automatic": record["points"], "manual": manual, "penalty": penalty,
                "total": total, "max": record["max_points"] + _manual_max(record),
                "timestamp": timestamp,
                # a file of theirs was graded (a result written before "file" was kept
                # is taken as one), or the instructor graded it in formgrader
                "submitted": record.get("file", "") is not None or manual != 0}
    finally:
        if book is not None:
            book.close()
    return result


def late_penalties(records: list[dict], work: Path) -> dict[tuple[str, str], float]:
    """(student, notebook) -> the late penalty nbgrader's gradebook in ``work`` holds, for
    each of ``records`` that has one (the feedback pages show it)."""
    return {key: value["penalty"] for key, value in totals(records, work).items()
            if value["penalty"]}


def _from_gradebook(book, record) -> tuple[float, float, datetime | None]:
    from nbgrader.api import MissingEntry

    try:
        submission = book.find_submission(record["assignment"], _folder(record["student"]))
    except MissingEntry:
        return record["points"], 0.0, None
    # nbgrader's own sums (SubmittedAssignment.score: cells' manual-or-automatic scores and
    # extra credit), exactly what ``nbgrader export`` reads
    return (float(submission.score or 0.0), float(submission.late_submission_penalty or 0.0),
            submission.timestamp)


def _n(value: float) -> str:
    """A number for a CSV cell, written as a number (review 24 F9: ``-1`` is no formula, so
    never given the spreadsheet ``'``)."""
    return Key(f"{value:g}")


class Key(str):
    """A number, or an LMS's key for a student (a Blackboard username, a Canvas id): written
    exactly, never given the spreadsheet-formula ``'`` (the LMS matches rows on it); every
    LMS's key is
    made of letters, digits and ``._@-`` only, so it can hold no formula's parentheses."""


def _text(rows: list[list], header: list[str]) -> str:
    from autograder.report import cell

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    writer.writerows([[value if isinstance(value, (int, float, Key)) else cell(value)
                       for value in row] for row in rows])
    return buffer.getvalue()


def lms_problem(records: list[dict], out: Path) -> str | None:
    """Why ``lms`` can write no LMS file from ``records`` into ``out`` (no LMS student in
    its roster, or no result of theirs), else None: checked before anything is written
    (review 24e L3: the gradebook's due dates were rewritten first)."""
    roster = _roster(out)
    if not roster:
        return f"no LMS students in {out / 'lms' / 'students.json'}: grade an LMS export first"
    if not any(record["student"] in roster for record in records):
        return (f"no graded results for the {len(roster)} LMS students of "
                f"{out / 'lms' / 'students.json'} in {out / 'results'}: grade, or merge every "
                "shard's output into this folder, first")
    return None


def write_lms_files(records: list[dict], out: Path, work: Path | None,
                    moodle_comments: bool = False) -> list[Path]:
    """``OUT/lms/<lms>.csv`` for every LMS the graded students came from (Moodle: one
    ``moodle-<notebook>.csv`` per notebook, as Moodle's worksheet is per assignment), and
    ``OUT/lms/<lms>-details.csv`` with each notebook's automatic, manual (written answers,
    overrides, extra credit), late penalty and total. A student none of whose files could be
    graded gets 0 in every column, with the reason in the details file. Moodle's "Feedback
    comments" is left empty (an upload would overwrite comments typed in Moodle) unless
    ``moodle_comments``. Raises :class:`LmsError` when the roster has students but ``records``
    has no grade of theirs (no import file without grade columns is written). Formats and
    sources: :mod:`autograder.lms`."""
    roster = _unique_ids(_roster(out))
    if not roster:  # nothing to write: no empty OUT/lms/ is left behind
        return []
    scores = totals([r for r in records if r["student"] in roster], work)
    if roster and not scores:
        raise LmsError(f"no graded results for the {len(roster)} LMS students of "
                       f"{out / 'lms' / 'students.json'} in {out / 'results'}: grade, or "
                       "merge every shard's output into this folder, first")
    # review 24 F1: a cell is written only for a notebook the student submitted (a file of
    # theirs was graded, or the instructor graded it), or whose download held files of
    # theirs of which none could be graded (0, with the reason); never for a notebook
    # absent from every download of theirs (a result of "no submission", made when the
    # course work's submitted/ is graded again, is no grade: the cell stays empty)
    ungraded = {s: _per_notebook(who, "ungraded") for s, who in roster.items()}
    every = scores
    scores = {key: v for key, v in scores.items()
              if v["submitted"] or key[1] in ungraded[key[0]]}
    for student, who in roster.items():
        for notebook, why in sorted(ungraded[student].items()):
            if not (scores.get((student, notebook)) or {}).get("submitted"):
                print(f"warning: {who['lms']} {who['id']} ({who['name']}): nothing of theirs "
                      f"in {notebook}'s download could be graded ({why[:200]}); their "
                      f"{notebook} grade is 0", file=sys.stderr)
    by_lms: dict[str, list[str]] = {}
    for student, who in roster.items():
        by_lms.setdefault(who["lms"], []).append(student)
    notebooks = sorted({a for _, a in scores} | {a for u in ungraded.values() for a in u})
    maxima = {a: max((v["max"] for (_, b), v in every.items() if b == a), default=None)
              for a in notebooks}
    for a, value in maxima.items():
        if value is None:  # no result of this notebook at all: its own points
            from autograder.assemble import manual_max_points, max_points

            maxima[a] = max_points(a) + manual_max_points(a)
    written = []
    folder = out / "lms"
    folder.mkdir(parents=True, exist_ok=True)
    columns = blackboard_columns() if "blackboard" in by_lms else {}
    for lms, students in sorted(by_lms.items()):
        students = sorted(students, key=lambda s: (roster[s]["name"], roster[s]["id"]))
        mine = [a for a in notebooks if any((s, a) in scores or a in ungraded[s]
                                            for s in students)]

        def total(student, notebook):
            value = scores.get((student, notebook))
            if value is None or not value["submitted"]:
                return "0" if notebook in ungraded[student] else ""
            return _n(value["total"])

        if lms == "canvas":
            header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *mine]
            rows = [["Points Possible", "", "", "", "", *[_n(maxima[a]) for a in mine]]]
            rows += [[roster[s]["name"], Key(roster[s]["id"]), "", "", "",
                      *[total(s, a) for a in mine]] for s in students]
            written.append(_write(folder / "canvas.csv", _text(rows, header)))
        elif lms == "blackboard":
            header = ["Last Name", "First Name", "Username",
                      *[blackboard_header(a, maxima[a], columns.get(a)) for a in mine]]
            new = [a for a in mine if a not in columns]
            if new:  # review 24c M1: each upload would add a column that counts nowhere
                print(f"warning: blackboard.csv: no Blackboard column id for "
                      f"{', '.join(new)}: {BLACKBOARD_NEW_COLUMN}", file=sys.stderr)
            rows = []
            for s in students:
                first, _, last = roster[s]["name"].rpartition(" ")
                rows.append([last, first, Key(roster[s]["id"]),
                             *[total(s, a) for a in mine]])
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
            # "now": Moodle skips a row whose grade in Moodle changed after this time, so
            # the file says when it was made (two runs' files differ only in this column)
            graded_at = datetime.now(zone).strftime(moodle_time)
            for a in mine:
                rows = []
                for s in students:
                    # Moodle's participant id is per assignment (assign_user_mapping): it is
                    # written only in the worksheet of a notebook its own download holds
                    if a not in roster[s].get("notebooks", [a]):
                        continue
                    value = scores.get((s, a))
                    name = _name_in(roster[s], a)
                    if value is not None and not value["submitted"]:
                        value = None
                    if value is None and a in ungraded[s]:
                        rows.append([f"Participant {roster[s]['id']}", name, "0",
                                     _n(maxima[a]), "", graded_at, ""])
                        continue
                    if value is None:
                        continue
                    stamp = value["timestamp"]  # nbgrader keeps UTC without a zone
                    when = (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).astimezone(
                        zone).strftime(moodle_time) if stamp else ""
                    rows.append([f"Participant {roster[s]['id']}", name,
                                 _n(value["total"]), _n(value["max"]), when, graded_at,
                                 f"automatic {_n(value['automatic'])} + manual (written "
                                 f"answers, overrides, extra credit) {_n(value['manual'])} - "
                                 f"late {_n(value['penalty'])}" if moodle_comments else ""])
                over = [(row[0], row[2]) for row in rows
                        if float(row[2]) > maxima[a] + 1e-9]
                if over:  # review 24 F13: Moodle would skip each such row without a word
                    top = max(float(grade) for _, grade in over)
                    print(f"warning: moodle-{a}.csv: {len(over)} grade(s) above the "
                          f"notebook's maximum {_n(maxima[a])} (extra credit): "
                          + ", ".join(f"{who} {grade}" for who, grade in over[:10])
                          + f". Moodle's worksheet upload SKIPS a grade above the "
                          f"assignment's maximum grade (mod/assign/feedback/offline, "
                          f"'out of range'): set the Moodle assignment's maximum grade to at "
                          f"least {_n(top)} before uploading, or enter these by hand",
                          file=sys.stderr)
                written.append(_write(folder / f"moodle-{a}.csv", _text(rows, header)))
        # a Moodle participant id is shown only for the notebooks of its own download,
        # as in the worksheets (review 17, F7)
        details = [[Key(roster[s]["id"]), _name_in(roster[s], a), a, _n(v["automatic"]),
                    _n(v["manual"]), _n(v["penalty"]), _n(v["total"]), _n(v["max"]),
                    _utc(v["timestamp"]), _note(roster[s], a)]
                   for s in students for a in mine
                   if (v := scores.get((s, a))) and v["submitted"]
                   and (lms != "moodle" or a in roster[s].get("notebooks", [a]))]
        details += [[Key(roster[s]["id"]), _name_in(roster[s], a), a, "0", "0", "0", "0",
                     _n(maxima[a]), "", _note(roster[s], a)]
                    for s in students for a in mine
                    if a in ungraded[s] and not (scores.get((s, a)) or {}).get("submitted")]
        written.append(_write(folder / f"{lms}-details.csv", _text(
            details, ["lms_id", "name", "notebook", "automatic", "manual", "late_penalty",
                      "total", "max", "submitted", "note"])))
    return written


BLACKBOARD_NEW_COLUMN = (
    "Blackboard's Grade Center upload matches a column by its Column ID only, so uploading "
    "this file creates a NEW text column per notebook (points possible 0, left out of "
    "calculated totals), never updating the assignment's own column: set [lms] "
    "blackboard_columns in duedates.toml (the number after '|' in the column's header of a "
    "Grade Center download) and run lms again")


def blackboard_header(notebook: str, maximum: float, column: str | None = None) -> str:
    """A notebook's ``blackboard.csv`` header, as a Grade Center download writes it:
    ``<notebook> [Total Pts: <max> Score] |<column id>`` (the upload updates that column;
    its name is not matched), or without ``|<column id>`` (the upload creates a new text
    column: :data:`BLACKBOARD_NEW_COLUMN`)."""
    header = f"{notebook} [Total Pts: {_n(maximum)} Score]"
    return f"{header} |{column}" if column else header


def _name_in(who: dict, notebook: str) -> str:
    """The student's display name in ``notebook``'s download (a Moodle participant id kept
    for two assignments has one per assignment), else their latest."""
    return who.get("names", {}).get(notebook, who["name"])


def _utc(stamp: datetime | None) -> str:
    """A submission time for the details file: ISO 8601 in UTC with its offset written
    (``2027-01-14T12:00:00+00:00``); nbgrader keeps UTC without a zone."""
    if not stamp:
        return ""
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def _note(who: dict, notebook: str) -> str:
    """The details file's note on a student's notebook: why nothing of theirs in its
    download was graded, else the reason for every file of theirs in that download that
    was skipped (too large, not a notebook, a copy, Canvas's late marker)."""
    ungraded = _per_notebook(who, "ungraded")
    said = _per_notebook(who, "notes").get(notebook, "")
    if notebook in ungraded:
        return f"not graded: {said or ungraded[notebook]}"
    return said


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
