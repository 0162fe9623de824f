"""Learning-management-system exports, read by each LMS's own naming rules; grade files back.

A download of an assignment's submissions is a zip (or the folder it unzips to). Each LMS
names what it writes in its own way, and the student names only the file they uploaded.
The student's id is read **only from the part the LMS writes**, never from a name inside a
student's upload; each file is read on its own (the layout is decided per file, so one
student's folder name cannot switch how the rest of the export is read).

Moodle (Assignment > View all submissions > Download all submissions)
    ``<Full name>_<participant id>_assignsubmission_file_<uploaded name>`` (one flat zip), or,
    with "Download submissions in folders", a folder per student,
    ``<Full name>_<participant id>_assignsubmission_file/`` holding the uploaded files and
    folders as the student made them. The participant id is the number after the name: it
    is the per-assignment "Identifier" (``Participant <id>``) of Moodle's grading worksheet.
    Moodle writes the name with every ``_`` made a space, so the first ``_`` ends it.
    Source: ``mod/assign/locallib.php``, ``assign::download_submissions`` (the prefix is
    ``str_replace('_', ' ', fullname) . '_' . get_uniqueid_for_user(userid) . '_'``, then the
    plugin's ``assignsubmission_file_``), Moodle 3.x-4.x; Moodle docs, "Assignment
    settings" (download submissions in folders). Only the outermost such folder counts: a
    folder with that shape inside a student's own folder is part of their upload.
Canvas (Assignment > Download Submissions)
    ``<name>_<user id>_<attachment id>_<uploaded name>``, or ``<name>_late_<user id>_...``
    when the submission was late (Canvas lower-cases the whole name it builds), or
    ``<user id>_<attachment id>_<uploaded name>`` for an anonymous assignment; ``<name>`` is
    the student's sortable name, lower case, without spaces or punctuation, so the first
    ``_`` ends it. The user id is Canvas's
    numeric user id (the gradebook export's ``ID`` column). Source: Canvas LMS,
    ``app/models/content_zipper.rb`` (the submissions zip), and the Canvas Instructor Guide,
    "How do I download all student submissions for an assignment?".
Blackboard Learn (Grade Center > column menu > Assignment File Download)
    ``<assignment name>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<uploaded name>`` and, for
    each attempt, a receipt ``<assignment name>_<username>_attempt_<date>.txt`` whose first
    line is ``Name: <First> <Last> (<username>)``. The username is the Grade Center's key
    for a student. Where a receipt is there, its ``(username)`` is used (a username may hold
    ``_``); otherwise the part before ``_attempt_`` after the last ``_``. The attempt's date
    is the submission time. Source: Blackboard Help, "Assignment File Download" /
    "Download assignments"; the file naming as described by ``terr-steak/bb-file-cleanup``
    and ``vangef/BBGradebookOrganiser`` (which parse it).

Gradebook import files (``grading/lms/<lms>.csv``), one row per student, one grade column
per notebook (the late-penalised total, automatic plus manual):

- Canvas (Grades > Import): ``Student, ID, SIS User ID, SIS Login ID, Section``, then one
  column per assignment named ``<assignment name>`` (Canvas matches rows by ``ID``, the user
  id; a column that is not yet an assignment is created on import). Source: Canvas
  Instructor Guide, "How do I import grades in the Gradebook?" (the CSV is the Gradebook
  export's format).
- Moodle (Assignment > Upload grading worksheet, one file per assignment, so one file per
  notebook: ``moodle-<id>.csv``): ``Identifier, Full name, Grade, Maximum Grade, Last
  modified (submission), Last modified (grade), Feedback comments``; ``Identifier`` is
  ``Participant <id>``, the row key. Source: Moodle docs, "Assignment settings" > "Offline
  grading worksheet" (the worksheet's columns; upload matches on Identifier), and Moodle's
  ``mod/assign/feedback/offline/importgradeslib.php``, which refuses a worksheet without
  ``Last modified (grade)``. The headers are Moodle's English ones: a site in another
  language matches headers in its own language, so rename them there.
- Blackboard (Grade Center > Work Offline > Upload): ``Last Name, First Name, Username``,
  then a column per notebook ``<notebook> [Total Pts: <max> Score]`` (no ``|<column id>``:
  Blackboard creates it on the first upload; add the id after to update it). Username is
  the key. Source: Blackboard Help, "Uploading External Grade Center Items" ("the unique
  identifier used for each Student is the Student's User Name").

How far each source was checked (2026-12-06, from stored copies of public pages): the
Blackboard Grade Center upload rules (library.blackboard.com, "Uploading External Grade
Center Items": Username is the key, a column without ``|<id>`` is created) and the
Blackboard download naming (``terr-steak/bb-file-cleanup``'s README:
``assignmentname_username_attempt_datetime_filename.ext`` plus a ``.txt`` per attempt) were
read. The Moodle naming (``assign::download_submissions``), the Moodle worksheet's column
names and the Canvas naming and import columns are written from those products' documented
behaviour as known to the author, not re-read here: check them against your LMS's version
(each pattern is one regular expression above, each import header one list in
:mod:`autograder.term`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

LMS_NAMES = ("canvas", "moodle", "blackboard")

_MOODLE = re.compile(r"(?P<name>[^_]+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)"
                     r"(?:_(?P<rest>.*))?", re.DOTALL)
# Canvas lower-cases the whole name it builds (content_zipper.rb: ``[name, 'LATE', user_id]
# .join('_')``, then ``downcase``), so its marker is ``late``; an anonymous assignment's
# files have no name part: ``<user id>_<attachment id>_<file>``
_CANVAS = re.compile(r"(?P<name>[^_]*[^_\d][^_]*)_(?:(?P<late>(?i:late))_)?(?P<id>\d+)_"
                     r"(?P<attachment>\d+)_(?P<rest>.+)", re.DOTALL)
_CANVAS_ANONYMOUS = re.compile(r"(?P<id>\d+)_(?P<attachment>\d+)_(?P<rest>.+)", re.DOTALL)
# the first ``_attempt_<date>`` is Blackboard's: a student's own file name may hold another
_BLACKBOARD = re.compile(r"(?P<prefix>.+?)_attempt_(?P<date>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)"
                         r"(?:_(?P<rest>.+))?", re.DOTALL)
_RECEIPT_NAME = re.compile(r"Name:\s*(?P<name>.*?)\s*\((?P<user>[^()]+)\)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class LmsFile:
    """Who an export file belongs to, as the LMS wrote it.

    lms: "canvas", "moodle" or "blackboard"; lms_id: the LMS's own key for the student
    (Moodle participant id, Canvas user id, Blackboard username); name: the display name the
    LMS wrote; uploaded: the file's path as the student named it (below the LMS's part);
    submitted: the submission time the LMS wrote in the name (Blackboard), else None;
    late: the LMS marked it late (Canvas's ``LATE``).
    """

    lms: str
    lms_id: str
    name: str
    uploaded: str
    submitted: datetime | None = None
    late: bool = False

    @property
    def student(self) -> str:
        """The grader's student id: the display name with the LMS's id, so two students
        with the same name stay apart (a Blackboard username is unique on its own)."""
        if self.lms == "blackboard":
            return self.lms_id
        return f"{self.name} ({self.lms} {self.lms_id})"


def _blackboard_user(prefix: str, date: str, folder: Path | None) -> tuple[str, str]:
    """(username, name) of a Blackboard attempt: from its receipt when there is one."""
    if folder is not None:
        receipt = folder / f"{prefix}_attempt_{date}.txt"
        try:
            with open(receipt, encoding="utf-8", errors="replace") as handle:
                found = _RECEIPT_NAME.search(handle.read(4096))
        except OSError:
            found = None
        if found and prefix.endswith("_" + found["user"]):
            return found["user"], found["name"]
    user = prefix.rsplit("_", 1)[-1]
    return user, user


def identify(relative: PurePosixPath, root: Path | None = None) -> LmsFile | None:
    """The LMS's owner of the export file at ``relative`` (below the export's root), or None
    when no LMS naming rule matches the part an LMS writes.

    Moodle: the outermost path part that is a Moodle submission folder (or a flat Moodle
    file name) names the student; anything below it is the student's. Canvas and Blackboard
    write flat files: only the file's own name is read, and only when no folder above it is
    a student's (folders above are the instructor's, e.g. the folder the zip was unpacked to).
    """
    parts = relative.parts
    for depth, part in enumerate(parts):
        found = _MOODLE.fullmatch(part)
        if found and (depth < len(parts) - 1 or found["rest"]):
            uploaded = found["rest"] if depth == len(parts) - 1 else "/".join(parts[depth + 1:])
            return LmsFile("moodle", found["id"], found["name"], uploaded)
    name = parts[-1]
    found = _CANVAS.fullmatch(name)
    if found:
        return LmsFile("canvas", found["id"], found["name"], found["rest"],
                       late=bool(found["late"]))
    found = _CANVAS_ANONYMOUS.fullmatch(name)
    if found:
        return LmsFile("canvas", found["id"], "anonymous", found["rest"])
    found = _BLACKBOARD.fullmatch(name)
    if found and found["rest"]:
        folder = root.joinpath(*parts[:-1]) if root is not None else None
        user, display = _blackboard_user(found["prefix"], found["date"], folder)
        from autograder.term import lms_time_zone

        submitted = datetime.strptime(found["date"], "%Y-%m-%d-%H-%M-%S").replace(
            tzinfo=lms_time_zone()).astimezone(UTC)
        return LmsFile("blackboard", user, display, found["rest"], submitted=submitted)
    return None
