"""The term around the grades: course id, due dates, submission times, late penalties, and
the grade files an LMS imports.

- **Course id**: nbgrader's ``CourseDirectory.course_id`` from ``course/nbgrader_config.py``
  (``NNCOURSE_COURSE_ID`` or ``grade --course-id`` overrides it); every gradebook this
  package opens is opened with it, so a run never adds a course row of its own.
- **Due dates**: nbgrader's own ``duedate`` of each assignment in the gradebook, set from
  ``course/duedates.toml`` (``"<notebook id>" = "<ISO 8601 time>"``; a time without a zone
  is in the course's zone, ``[lms] time_zone``, UTC if unset; a date without a time is the
  end of that day, 23:59:59, there); a notebook not listed keeps whatever the gradebook
  has (``nbgrader db assignment add <id> --duedate=...`` sets it too).
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
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{work / 'gradebook.db'}", course_id())


class SettingsError(ValueError):
    """``duedates.toml`` cannot be read (malformed TOML, a bad date, an unknown zone)."""


def _settings_path(path: Path | None) -> Path:
    return path or Path(os.environ.get("NNCOURSE_DUEDATES") or DUEDATES)


def _table(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"{path}: cannot be read: {error}") from None


_DATE_ONLY = re.compile(r"\d{4}-\d\d-\d\d")


def due_dates(path: Path | None = None) -> dict[str, datetime]:
    """Notebook id -> due date (UTC without a zone, as nbgrader stores it) from
    ``duedates.toml`` (``NNCOURSE_DUEDATES`` names another file). A time without a zone is
    read in the course's zone (:func:`lms_time_zone`); a date without a time is the end of
    that day (23:59:59) in it. Raises :class:`SettingsError` for a value that is no date."""
    path = _settings_path(path)
    table = _table(path)
    zone = lms_time_zone(path)
    result = {}
    for name, value in table.items():
        if isinstance(value, dict):
            continue
        try:
            if isinstance(value, datetime):
                when = value
            elif isinstance(value, date) or _DATE_ONLY.fullmatch(str(value).strip()):
                day = value if isinstance(value, date) else date.fromisoformat(
                    str(value).strip())
                when = datetime.combine(day, time(23, 59, 59))
            else:
                when = datetime.fromisoformat(str(value).strip())
        except (TypeError, ValueError) as error:
            raise SettingsError(f"{path}: the due date of {name!r}, {value!r}, is not an ISO "
                                f"8601 date or time: {error}") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=zone)
        result[name] = when.astimezone(UTC).replace(tzinfo=None)
    return result


def lms_time_zone(path: Path | None = None):
    """The course's time zone: the zone an LMS's zone-less times are read in (a zip entry's
    date, Blackboard's attempt date) and the due dates written without one; ``[lms]
    time_zone`` in ``duedates.toml`` (an IANA name), UTC if unset. Never the grading
    machine's own zone, so every grader reads the same times. Raises
    :class:`SettingsError` for an unknown zone or a malformed file."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    path = _settings_path(path)
    table = _table(path)
    section = table.get("lms", {})
    name = str(section.get("time_zone", "UTC")) if isinstance(section, dict) else "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise SettingsError(f"{path}: [lms] time_zone = {name!r} is not a known time zone "
                            f"(an IANA name such as \"Europe/Berlin\"): {error}") from None


def check_settings(path: Path | None = None) -> None:
    """Raise :class:`SettingsError` (one line) when ``duedates.toml`` cannot be used."""
    due_dates(path)


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
    assign = AssignLatePenalties(config=nbgrader_config())
    assign.init_plugin()
    with gradebook(work) as book:
        for submission in submissions:
            if submission.path is None:
                continue
            with contextlib.suppress(MissingEntry):
                _late_penalty(book, assign, submission.assignment,
                              _folder(submission.student))
        book.db.commit()


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

    Rebuilt from this run's export: an entry for an LMS id this run holds is replaced (a
    display name changed since the last run leaves no stale second entry for the id);
    entries for other LMS ids (another run into the same OUT) are kept. A student none of
    whose files was graded (too large, a name clash) is kept with ``ungraded``: their row
    is 0, with a note."""
    roster: dict[str, dict] = {}
    graded: set[str] = set()
    notes: dict[str, list[str]] = {}
    for submission in submissions:
        if submission.lms is not None and submission.lms.importable:
            owner = submission.lms  # (not an LMS id read without Blackboard's receipt)
            roster[submission.student] = {"lms": owner.lms, "id": owner.lms_id,
                                          "name": owner.name}
        if submission.path is not None:
            graded.add(submission.student)
        notes.setdefault(submission.student, []).extend(submission.notes)
    for student, who in roster.items():
        if student not in graded:
            who["ungraded"] = "; ".join(
                n for n in notes.get(student, []) if n != "no submission for this notebook"
            )[:500] or "no file of theirs could be graded"
    ids = {(who["lms"], str(who["id"])) for who in roster.values()}
    kept = {student: who for student, who in _roster(out).items()
            if student not in roster and (who.get("lms"), str(who.get("id"))) not in ids}
    kept.update(roster)
    if kept or (out / "lms" / "students.json").exists():
        (out / "lms").mkdir(parents=True, exist_ok=True)
        (out / "lms" / "students.json").write_text(json.dumps(kept, indent=1,
                                                              sort_keys=True))


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
        ids = {(who.get("lms"), str(who.get("id"))) for who in fresh.values()}
        roster = {s: w for s, w in roster.items()
                  if (w.get("lms"), str(w.get("id"))) not in ids}
        roster.update(fresh)
    if roster:
        (out / "lms").mkdir(parents=True, exist_ok=True)
        (out / "lms" / "students.json").write_text(json.dumps(roster, indent=1,
                                                              sort_keys=True))
    return bool(roster)


def _unique_ids(roster: dict) -> dict:
    """The roster without any LMS id two students claim (neither gets a row: an import
    would give one's grade to the other); the instructor is warned."""
    claims: dict[tuple[str, str], list[str]] = {}
    for student, who in roster.items():
        claims.setdefault((who["lms"], str(who["id"])), []).append(student)
    kept = dict(roster)
    for (lms, lms_id), students in sorted(claims.items()):
        if len(students) > 1:
            for student in students:
                del kept[student]
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
        return record["points"], 0.0, None
    # nbgrader's own sums (SubmittedAssignment.score: cells' manual-or-automatic scores and
    # extra credit), exactly what ``nbgrader export`` reads
    return (float(submission.score or 0.0), float(submission.late_submission_penalty or 0.0),
            submission.timestamp)


def _n(value: float) -> str:
    return f"{value:g}"


class Key(str):
    """An LMS's key for a student (a Blackboard username, a Canvas id): written exactly, never
    given the spreadsheet-formula ``'`` (the LMS matches rows on it); every LMS's key is
    made of letters, digits and ``._@-`` only, so it can hold no formula's parentheses."""


def _text(rows: list[list], header: list[str]) -> str:
    from autograder.report import cell

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    writer.writerows([[value if isinstance(value, (int, float, Key)) else cell(value)
                       for value in row] for row in rows])
    return buffer.getvalue()


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
    scores = totals([r for r in records if r["student"] in roster], work)
    if roster and not scores:
        raise LmsError(f"no graded results for the {len(roster)} LMS students of "
                       f"{out / 'lms' / 'students.json'} in {out / 'results'}: grade, or "
                       "merge every shard's output into this folder, first")
    for student, who in roster.items():
        if who.get("ungraded") and not any(s == student for s, _ in scores):
            print(f"warning: {who['lms']} {who['id']} ({who['name']}): nothing of theirs "
                  f"could be graded ({who['ungraded'][:200]}); their LMS row is 0",
                  file=sys.stderr)
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
            if value is None:
                return "0" if roster[student].get("ungraded") else ""
            return _n(value["total"])

        if lms == "canvas":
            header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *mine]
            rows = [["Points Possible", "", "", "", "", *[_n(maxima[a]) for a in mine]]]
            rows += [[roster[s]["name"], Key(roster[s]["id"]), "", "", "",
                      *[total(s, a) for a in mine]] for s in students]
            written.append(_write(folder / "canvas.csv", _text(rows, header)))
        elif lms == "blackboard":
            header = ["Last Name", "First Name", "Username",
                      *[f"{a} [Total Pts: {_n(maxima[a])} Score]" for a in mine]]
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
                    value = scores.get((s, a))
                    if value is None and roster[s].get("ungraded"):
                        rows.append([f"Participant {roster[s]['id']}", roster[s]["name"], "0",
                                     _n(maxima[a]), "", graded_at, ""])
                        continue
                    if value is None:
                        continue
                    stamp = value["timestamp"]  # nbgrader keeps UTC without a zone
                    when = (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).astimezone(
                        zone).strftime(moodle_time) if stamp else ""
                    rows.append([f"Participant {roster[s]['id']}", roster[s]["name"],
                                 _n(value["total"]), _n(value["max"]), when, graded_at,
                                 f"automatic {_n(value['automatic'])} + manual (written "
                                 f"answers, overrides, extra credit) {_n(value['manual'])} - "
                                 f"late {_n(value['penalty'])}" if moodle_comments else ""])
                written.append(_write(folder / f"moodle-{a}.csv", _text(rows, header)))
        details = [[Key(roster[s]["id"]), roster[s]["name"], a, _n(v["automatic"]),
                    _n(v["manual"]), _n(v["penalty"]), _n(v["total"]), _n(v["max"]),
                    v["timestamp"].isoformat() if v["timestamp"] else "", ""]
                   for s in students for a in mine if (v := scores.get((s, a)))]
        details += [[Key(roster[s]["id"]), roster[s]["name"], a, "0", "0", "0", "0",
                     _n(maxima[a]), "", f"not graded: {roster[s]['ungraded']}"]
                    for s in students for a in mine
                    if roster[s].get("ungraded") and (s, a) not in scores]
        written.append(_write(folder / f"{lms}-details.csv", _text(
            details, ["lms_id", "name", "notebook", "automatic", "manual", "late_penalty",
                      "total", "max", "submitted", "note"])))
    return written


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
