"""Learning-management-system exports, read by each LMS's own naming rules; grade files back.

A download of an assignment's submissions is a zip (or the folder it unzips to). Each LMS
names what it writes in its own way, and the student names only the file they uploaded.
The student's id is read **only from the part the LMS writes**, never from a name inside a
student's upload; each file is read on its own (the layout is decided per file, so one
student's folder name cannot switch how the rest of the export is read). For every LMS the
**outermost** path part (from the top of the export; ``/`` and a backslash both separate
parts) that matches any LMS's naming names the student, and everything below it is the
student's upload; folders above it match no LMS's naming and are the instructor's. The
LMS's prefix is read from the start of the name: a part that is exactly an LMS's prefix
(an upload whose name began with ``/`` or a backslash leaves ``alice_501_9001_``) names its
owner, and nothing below it names anyone.

**One LMS per export folder.** ``grade --lms canvas|moodle|blackboard`` reads every name by
that LMS's naming only. Otherwise the files are grouped by the instructor's folders above
their LMS part (each zip of a combined download, or the export's top), and each group is
read by the LMS whose naming **every** notebook in it matches. A student can add readings
(an upload named ``x_attempt_<date>_...`` also reads as Blackboard's, a receipt-like
``.txt`` beside it included) but cannot take away the true LMS's, whose prefix starts every
name it writes: so no upload, however many, changes how classmates' files are read. Where
several LMSs match every notebook, Moodle, then Blackboard, then Canvas (the most specific
first); where none does (a folder mixing LMSs' downloads), a notebook that only one LMS's
naming matches is read by it, and one that reads as several is graded under its own id
(``(unclear LMS naming) <path>``) with a note, a warning and no LMS row; a notebook that
the group's LMS does not match is ``(not <lms>'s naming) <path>``. An all-digit Moodle
full name is Moodle's in a Moodle folder. Where nothing decides, a part is read as Moodle,
then Blackboard, then Canvas (:func:`identify`).

Moodle (Assignment > View all submissions > Download all submissions)
    ``<Full name>_<participant id>_assignsubmission_file_<uploaded name>`` (one flat zip), or,
    with "Download submissions in folders", a folder per student,
    ``<Full name>_<participant id>_assignsubmission_file/`` holding the uploaded files and
    folders as the student made them. The participant id is the number after the name: it
    is the per-assignment "Identifier" (``Participant <id>``) of Moodle's grading worksheet.
    Moodle writes the name with every ``_`` made a space, so the first ``_`` ends it; the
    name holds a non-digit (``501_9001_assignsubmission_file_x`` is Canvas's anonymous form).
    Source: ``mod/assign/locallib.php``, ``assign::download_submissions`` (the prefix is
    ``str_replace('_', ' ', fullname) . '_' . get_uniqueid_for_user(userid) . '_'``, then the
    plugin's ``assignsubmission_file_``), Moodle 3.x-4.x; Moodle docs, "Assignment
    settings" (download submissions in folders). Only the outermost such folder counts: a
    folder with that shape inside a student's own folder is part of their upload.
Canvas (Assignment > Download Submissions)
    ``<name>_<user id>_<attachment id>_<uploaded name>``, or ``<name>_late_<user id>_...``
    when the submission was late (Canvas lower-cases the whole name it builds), or
    ``[late_]<user id>_<attachment id>_<uploaded name>`` for an anonymous assignment;
    ``<name>`` is the student's sortable name, lower case, keeping [[:word:]] (letters,
    digits and ``_``), so a name may hold ``_`` and digits. The user id is Canvas's numeric
    user id (the gradebook export's ``ID`` column); Canvas's ids never start with 0. The
    first two numeric fields after the name are the ids and the rest is the uploaded name
    (which may start with digits: a student number). The name is the student's sortable
    name, which a Canvas site may let the student edit, so a name that can be read more
    than one way (``x_501_777_9999_...``: user 501 or user 777; ``carol_1003_5003_1007_...``:
    Carol, or user 1007 named ``carol_1003_5003``) is given one reading only when evidence no
    student controls rules out every other (:func:`resolve_canvas`: one download is named or
    anonymous as a whole, and each file is read as its download's kind, so
    ``123_1010_5010_...`` and ``late_1012_5012_...`` are the students ``123`` and ``late`` in
    a named download; a reading whose user id an unambiguous file of the same download
    holds under another name is dropped; with ``grade --canvas-roster``, Canvas's gradebook
    export, a reading of a user id not in it under that name is dropped; each download is
    decided on its own, and no file changes how a classmate's file is read); one still
    unclear is
    graded under its own id (``(unclear Canvas name) <path>``), with the note
    "Canvas name could be read more than one way; check who submitted it", a warning on
    stderr and no row in ``canvas.csv``. Source: Canvas LMS,
    ``app/models/content_zipper.rb`` (the submissions zip), and the Canvas Instructor Guide,
    "How do I download all student submissions for an assignment?".
Blackboard Learn (Grade Center > column menu > Assignment File Download)
    ``<assignment name>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<uploaded name>`` and, for
    each attempt, a receipt ``<assignment name>_<username>_attempt_<date>.txt`` whose first
    line is ``Name: <First> <Last> (<username>)``. The username is the Grade Center's key
    for a student: any characters but spaces, parentheses and slashes (``o'neil``, ``muñoz``
    and ``ann@uni.edu`` are usernames; none can equal another
    LMS's student id). Where an attempt's receipt is there, its ``(username)`` is used (a
    username may hold ``_``); otherwise what follows the folder's assignment name, read
    from any receipt in the folder (the name most of them give). In a folder with no
    receipt no username is guessed (``HW_j_adams``: user ``j_adams`` or ``adams``?): the
    attempt is graded as ``(no Blackboard receipt) <assignment>_<username>``, with a note
    and no import row. A receipt is never refused for its size: its first 4 KB
    (the lines that name the student) are extracted. The attempt's
    date is the submission time: the latest attempt is graded, then the best-named file in
    it. The username is the import's key: written exactly (no spreadsheet ``'``).
    Source: Blackboard Help,
    "Assignment File Download" / "Download assignments"; the file naming as described by
    ``terr-steak/bb-file-cleanup`` and ``vangef/BBGradebookOrganiser`` (which parse it).

Gradebook import files (``grading/lms/<lms>.csv``), one row per student, one grade column
per notebook: exactly ``nbgrader export``'s ``score``, nbgrader's own submission score (each
cell's formgrader score where set, else its automatic score, plus extra credit) minus its
late penalty. No LMS id is ever in two rows: an id two students claim gets no row, and the
instructor is warned.

- Canvas (Grades > Import): ``Student, ID, SIS User ID, SIS Login ID, Section``, then one
  column per assignment named ``<assignment name>`` (Canvas matches rows by ``ID``, the user
  id; a column that is not yet an assignment is created on import). Source: Canvas
  Instructor Guide, "How do I import grades in the Gradebook?" (the CSV is the Gradebook
  export's format).
- Moodle (Assignment > Upload grading worksheet, one file per assignment, so one file per
  notebook: ``moodle-<id>.csv``): ``Identifier, Full name, Grade, Maximum Grade, Last
  modified (submission), Last modified (grade), Feedback comments``; ``Identifier`` is
  ``Participant <id>``, the row key the upload matches on. The participant id is one
  assignment's (``assign_user_mapping``: the same person has another id in the next
  assignment; each id is a row of that table, so no two people share one), and it is the
  one the download's
  names carry, so each id is written only in the worksheet of a notebook its own download
  (export folder) holds, and is unique per notebook, not across them.
  ``Feedback comments`` is left empty (an upload
  would overwrite comments typed in Moodle; ``lms --moodle-comments`` fills it with the
  automatic, manual (written answers, overrides, extra credit) and late parts); ``Last
  modified (grade)`` is the time the file is written (Moodle skips a row whose grade
  changed in Moodle after it), so two runs' files differ in that column only.
  Source: Moodle docs, "Assignment settings" > "Offline
  grading worksheet" (the worksheet's columns; upload matches on Identifier), and Moodle's
  ``mod/assign/feedback/offline/importgradeslib.php``, which refuses a worksheet without
  ``Last modified (grade)``. The headers are Moodle's English ones: a site in another
  language matches headers in its own language, so rename them there.
- Blackboard (Grade Center > Work Offline > Upload): ``Last Name, First Name, Username``,
  then a column per notebook ``<notebook> [Total Pts: <max> Score] |<column id>``, the
  column id from ``[lms] blackboard_columns`` of ``duedates.toml`` (the number after ``|``
  in the column's header of a Grade Center download). Blackboard matches columns by that
  id alone: a header without one makes each upload create a new text column with 0
  points possible, left out of calculated totals (``grade``/``lms`` warn). Username is the
  key. Source: Blackboard Help, "Uploading External Grade Center Items" ("the unique
  identifier used for each Student is the Student's User Name"; "Columns that do not have
  Column ID numbers in an uploaded file will create new columns in the Grade Center",
  added "as text columns with points possible equaling zero (0)"); the header form
  ``Quiz 3 [Total Pts: 10] |664617`` of a Grade Center download as
  ``nbeaver/offline-grades-upload``'s README shows it.

How far each source was checked (2026-12-06, from stored copies of public pages): the
Blackboard Grade Center upload rules (library.blackboard.com, "Uploading External Grade
Center Items": Username is the key, a column without ``|<id>`` is created) and the
Blackboard download naming (``terr-steak/bb-file-cleanup``'s README:
``assignmentname_username_attempt_datetime_filename.ext`` plus a ``.txt`` per attempt) were
read. The Canvas naming was re-read on 2026-12-07 from a stored copy of Canvas's
``content_zipper.rb``: ``get_filename`` joins ``[sortable name, 'LATE' if late, user id]``
with ``_`` (no name with anonymous grading), keeps [[:word:]] and lower-cases it, and each
upload is ``<that>_<attachment id>_<display name>``; so a name may be ``123`` or ``late``.
The Moodle naming (``assign::download_submissions``), the Moodle worksheet's column
names and the Canvas import columns are written from those products' documented
behaviour as known to the author, not re-read here: check them against your LMS's version
(each pattern is one regular expression above, each import header one list in
:mod:`autograder.term`).
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

LMS_NAMES = ("canvas", "moodle", "blackboard")

# Moodle's full name holds a non-digit (``501_9001_assignsubmission_file_x`` is Canvas's
# anonymous form, with an uploaded name that happens to start like Moodle's)
_MOODLE = re.compile(r"(?P<name>[^_]*[^_\d][^_]*)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)"
                     r"(?:_(?P<rest>.*))?", re.DOTALL)
# any full name, digits too: used when the export's folder is known to be Moodle's
_MOODLE_ANY_NAME = re.compile(r"(?P<name>[^_]+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)"
                              r"(?:_(?P<rest>.*))?", re.DOTALL)
# the first ``_attempt_<date>`` is Blackboard's: a student's own file name may hold another
_BLACKBOARD = re.compile(r"(?P<prefix>.+?)_attempt_(?P<date>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)"
                         r"(?:_(?P<rest>.*))?", re.DOTALL)
_BLACKBOARD_USER = re.compile(r"[^\s()/\\]+")
"""A Blackboard username: no space or parenthesis, so it never equals another LMS's student
id (``(<lms> <id>)``)."""
_RECEIPT_NAME = re.compile(r"Name:\s*(?P<name>.*?)\s*\((?P<user>[^()]+)\)\s*$", re.MULTILINE)
# Canvas (content_zipper.rb): ``<sortable name>[_LATE]_<user id>_<attachment id>_<file>``,
# lower-cased; the sortable name keeps [[:word:]] (letters, digits and ``_``), so a name may
# hold ``_`` and digits; an anonymous assignment has no name (``[late_]<id>_<att>_<file>``).
# Canvas's ids are database ids: never empty, never a leading 0.
_CANVAS_ID = re.compile(r"[1-9]\d*")
_CANVAS_NAME = re.compile(r"(?:\w|[\u0300-\u036f\u0900-\u0dff\u0e00-\u0eff\u1ab0-\u1aff"
                          r"\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f])+")
r"""Ruby's [[:word:]]: letters, digits, ``_`` and the combining marks (an accent stored apart,
a Devanagari, Tamil or Thai vowel sign), which Python's ``\w`` leaves out (round 14: such
names were read by no LMS and two students with one display name were merged)."""


@dataclass(frozen=True)
class LmsFile:
    """Who an export file belongs to, as the LMS wrote it.

    lms: "canvas", "moodle" or "blackboard"; lms_id: the LMS's own key for the student
    (Moodle participant id, Canvas user id, Blackboard username); name: the display name the
    LMS wrote; uploaded: the file's path as the student named it (below the LMS's part);
    submitted: the submission time the LMS wrote in the name (Blackboard), else None;
    late: the LMS marked it late (Canvas's ``LATE``); readings: every other way the LMS's
    part can be read (a Canvas name holding ``_`` and digits), resolved against the rest of
    the export by :func:`resolve_canvas`; prefix: the part of the name the LMS wrote.
    """

    lms: str
    lms_id: str
    name: str
    uploaded: str
    submitted: datetime | None = None
    late: bool = False
    readings: tuple[LmsFile, ...] = ()
    prefix: str = ""
    receipt: bool = False
    """Blackboard: the username is known, from a receipt in the attempt's folder (its own, or
    another's naming the folder's assignment); without one no LMS row is written."""
    unclear_time: str = ""
    """Blackboard: why the attempt date is no one instant in the course's zone (a time in the
    hour a daylight-saving change repeats or skips), else empty; ``submitted`` then holds
    its first reading, which only orders the attempts: the submission gets no time."""

    @property
    def student(self) -> str:
        """The grader's student id, from the LMS's own key only: ``(canvas <user id>)``,
        ``(moodle <participant id>)``, ``(blackboard <username>)``. The display name is never
        part of it, so a student renamed in the LMS between two downloads is the same student
        (nbgrader's gradebook, results, seeds), and two students with one name stay apart;
        every LMS's id is prefixed with its LMS, so no id from one source is ever another's
        (the hub's user ``bob`` is not Blackboard's ``bob``). (A Blackboard username not
        known from a receipt is the whole ``<assignment>_<username>`` Blackboard wrote.)"""
        if self.lms == "blackboard" and not self.importable:
            return f"(no Blackboard receipt) {self.prefix.split('_attempt_', 1)[0]}"
        return f"({self.lms} {self.lms_id})"

    @property
    def importable(self) -> bool:
        """Whether this owner's LMS id may be written in an import file."""
        return self.lms != "blackboard" or self.receipt or not self.prefix

    @property
    def ambiguous(self) -> bool:
        return bool(self.readings)


LMS_KEY = re.compile(r"\((?:canvas|moodle|blackboard|no blackboard receipt)[ )]", re.IGNORECASE)
"""The form of a student id :attr:`LmsFile.student` makes (in any case): no other source's id
may take it (review 24e M2: a hub student named their inbound folder ``(canvas 501)``)."""


BLACKBOARD_RECEIPT = re.compile(
    r"(?P<prefix>(?:(?!_attempt_\d{4}-).)+)_attempt_\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.txt",
    re.DOTALL)
"""A Blackboard receipt's name: ``<assignment>_<username>_attempt_<date>.txt``, its prefix
holding no other ``_attempt_<date>`` (a student's upload is always named
``<prefix>_attempt_<date>_<upload>``, so no upload has a receipt's name)."""

RECEIPT_BYTES = 4096
"""What of a receipt is read: its first lines name the student (the rest is the student's
own submission text, which they may make as long as they like)."""


def _receipt_user(path: Path, prefix: str) -> tuple[str, str] | None:
    """(username, name) the receipt at ``path`` names, when its attempt's ``prefix`` ends
    with ``_<username>``; else None."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            found = _RECEIPT_NAME.search(handle.read(RECEIPT_BYTES))
    except OSError:
        return None
    user = _nfc(found["user"]) if found else ""
    if found and _nfc(prefix).endswith("_" + user) and _BLACKBOARD_USER.fullmatch(user):
        return user, found["name"]
    return None


def _nfc(text: str) -> str:
    """``text`` in Unicode's composed form: a name unzipped on macOS (decomposed) and the
    receipt's line (composed) are the same username (round 15)."""
    return unicodedata.normalize("NFC", text)


_ASSIGNMENTS: dict[tuple[str, int], str | None] = {}


def blackboard_assignment(folder: Path) -> str | None:
    """The assignment name Blackboard wrote before every username in ``folder``: read from
    the folder's receipts (each names its attempt's username, so its prefix less
    ``_<username>`` is the assignment), the name most of them give; None without receipts
    (no file name alone says where an assignment name ends and a username with ``_``
    begins: ``HW_j_adams`` and ``HW_j_brown`` share ``HW_j``).

    One reading per folder, so a student whose own receipt is missing (beyond a cap, never
    downloaded) is still read as the username Blackboard wrote, never its last word alone
    (``x_bob`` is not ``bob``)."""
    try:
        key = (str(folder), folder.stat().st_mtime_ns)
        if key in _ASSIGNMENTS:
            return _ASSIGNMENTS[key]
        names = sorted(os.listdir(folder))
    except OSError:
        return None
    votes: dict[str, int] = {}
    for name in names:
        receipt = BLACKBOARD_RECEIPT.fullmatch(name)
        if receipt:
            user = _receipt_user(folder / name, receipt["prefix"])
            if user is not None:
                assignment = _nfc(receipt["prefix"])[: -len(user[0]) - 1]
                votes[assignment] = votes.get(assignment, 0) + 1
    found = None
    if votes:
        ranked = sorted(votes.items(), key=lambda item: -item[1])
        if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
            found = ranked[0][0]
    if len(_ASSIGNMENTS) > 10_000:
        _ASSIGNMENTS.clear()
    _ASSIGNMENTS[key] = found
    return found


def _blackboard_user(prefix: str, date: str,
                     folder: Path | None) -> tuple[str, str, bool] | None:
    """(username, name, known) of a Blackboard attempt: from its receipt when there is one,
    else what follows the folder's assignment name (:func:`blackboard_assignment`, read
    from its other receipts); with neither (no receipt in the folder), not known: the
    username is then the prefix's last word for reading the export only, and the student
    is graded under the whole prefix with no LMS row (a guess would give ``j_adams``'s
    grade to ``adams``). None when the username is not one Blackboard allows."""
    if folder is not None:
        own = _receipt_user(folder / f"{prefix}_attempt_{date}.txt", prefix)
        if own is not None:
            return own[0], own[1], True
        assignment = blackboard_assignment(folder)
        if assignment and _nfc(prefix).startswith(assignment + "_"):
            user = _nfc(prefix)[len(assignment) + 1:]
            return (user, user, True) if _BLACKBOARD_USER.fullmatch(user) else None
    if "_" not in prefix:
        return None
    user = prefix.rsplit("_", 1)[-1]
    if not _BLACKBOARD_USER.fullmatch(user):
        return None
    return user, user, False


def canvas_readings(part: str, last: bool = True) -> list[LmsFile]:
    """Every way ``part`` reads as Canvas's ``[<name>_][late_]<user id>_<attachment id>_<rest>``
    (a ``late`` just before the user id is Canvas's marker after a name; a name may be
    ``late`` itself: ``late_<id>_...`` also reads as the student ``late`` on time, and
    ``late_late_<id>_...`` as ``late``, late). ``last``: the part is the
    file itself, so an uploaded name must follow; a folder (``<prefix>_`` and then ``/`` or a
    backslash the student's name began with) may be exactly the LMS's prefix."""
    tokens = part.split("_")
    found = []
    # Canvas's name part is the student's sortable name: a handful of words, never hundreds
    # (a name of 8,000 ``1_`` would otherwise read thousands of ways, each with its note)
    for start in range(min(len(tokens), MAX_CANVAS_NAME_WORDS + 1)):
        name = "_".join(tokens[:start])
        if start and (not _CANVAS_NAME.fullmatch(name)
                      or (start > 1 and tokens[start - 1].lower() == "late")):
            continue
        at = start
        late = tokens[at].lower() == "late"
        at += late
        if at + 2 >= len(tokens) or not (_CANVAS_ID.fullmatch(tokens[at])
                                         and _CANVAS_ID.fullmatch(tokens[at + 1])):
            continue
        rest = "_".join(tokens[at + 2:])
        if not rest and last:
            continue
        found.append(LmsFile("canvas", tokens[at], name or "anonymous", rest, late=late,
                             prefix=part[: len(part) - len(rest)]))
    # a name longer than the bound may still be the true one: the first reading beyond it
    # is kept, so such a part reads at least two ways and never as a classmate's alone
    for at in range(MAX_CANVAS_NAME_WORDS + 1, len(tokens) - 2):
        if (_CANVAS_ID.fullmatch(tokens[at]) and _CANVAS_ID.fullmatch(tokens[at + 1])
                and tokens[at - 1].lower() != "late" and (not last or tokens[at + 2:])):
            rest = "_".join(tokens[at + 2:])
            found.append(LmsFile("canvas", tokens[at], "_".join(tokens[:at]), rest,
                                 prefix=part[: len(part) - len(rest)]))
            break
    return found


MAX_CANVAS_NAME_WORDS = 12

ORDER = ("moodle", "blackboard", "canvas")
"""The order a part is tried in when nothing else decides (``_attempt_<date>`` is specific)."""


def _read_as(lms: str, part: str, last: bool, folder: Path | None,
             any_name: bool = False) -> LmsFile | None:
    """``part`` read by one LMS's naming, or None. ``last``: the part is the file itself (an
    uploaded name must follow the prefix); a folder may be exactly the LMS's prefix (an
    upload whose name began with ``/`` or a backslash). ``any_name``: a Moodle full name may
    be all digits (the folder is known to be Moodle's)."""
    if lms == "moodle":
        found = (_MOODLE_ANY_NAME if any_name else _MOODLE).fullmatch(part)
        if found and (not last or found["rest"]):
            rest = found["rest"] or ""
            return LmsFile("moodle", found["id"], found["name"], rest,
                           prefix=part[: len(part) - len(rest)])
        return None
    if lms == "blackboard":
        found = _BLACKBOARD.fullmatch(part)
        if found and (not last or found["rest"]):
            user = _blackboard_user(found["prefix"], found["date"], folder)
            if user is not None:
                from autograder.term import AmbiguousTime, lms_time_zone, local_time

                zone, unclear = lms_time_zone(), ""
                try:  # a date no calendar has (month 13, year 1 in a zone east of UTC)
                    wall = datetime.strptime(found["date"], "%Y-%m-%d-%H-%M-%S")
                    try:
                        submitted = local_time(wall, zone).astimezone(UTC)
                    except AmbiguousTime as error:  # no time: said on the student's row
                        submitted, unclear = wall.replace(tzinfo=zone).astimezone(UTC), str(error)
                except (ValueError, OverflowError):  # is not a date Blackboard wrote
                    return None
                rest = found["rest"] or ""
                return LmsFile("blackboard", user[0], user[1], rest, submitted=submitted,
                               prefix=part[: len(part) - len(rest)], receipt=user[2],
                               unclear_time=unclear)
        return None
    readings = canvas_readings(part, last)
    if len(readings) == 1:
        return readings[0]
    if readings:
        return replace(readings[0], readings=tuple(readings[1:]))
    return None


def _read_part(part: str, last: bool, folder: Path | None) -> LmsFile | None:
    """The first LMS's reading of one path part, in :data:`ORDER`."""
    for lms in ORDER:
        owner = _read_as(lms, part, last, folder)
        if owner is not None:
            return owner
    return None


def prefix_of(part: str) -> str | None:
    """The part of the file name ``part`` an LMS wrote (the longest, when a Canvas name can
    be read several ways), or None when no LMS's naming matches it."""
    owner = _read_part(part, True, None)
    if owner is None:
        return None
    return max((owner, *owner.readings), key=lambda o: len(o.prefix)).prefix


def _with_below(owner: LmsFile, below: tuple[str, ...]) -> LmsFile:
    """``owner`` read from a folder: what is below the folder is the student's upload."""
    if not below:
        return owner
    if owner.lms == "moodle":  # the folder's own name ends at ``assignsubmission_file``
        return replace(owner, uploaded="/".join(below))
    return replace(owner, uploaded="/".join([owner.uploaded, *below] if owner.uploaded
                                            else below))


def _placed(owner: LmsFile, below: tuple[str, ...]) -> LmsFile:
    return replace(_with_below(owner, below),
                   readings=tuple(_with_below(o, below) for o in owner.readings))


def identify(relative: PurePosixPath, root: Path | None = None,
             lms: str | None = None) -> LmsFile | None:
    """The LMS's owner of the export file at ``relative`` (below the export's root), or None
    when no LMS naming rule matches the part an LMS writes.

    For every LMS the outermost path part that matches any LMS's naming (a Moodle
    submission folder, a flat Moodle, Blackboard or Canvas file name, or a folder so named,
    which may be exactly the LMS's prefix: an upload whose name began with ``/`` or a
    backslash) names the student; everything below it is the student's upload. Folders
    above it match no LMS's naming and are the instructor's (e.g. the folder the zip was
    unpacked to). ``lms``: read with that LMS's naming only. A Canvas name that reads
    several ways comes back with ``readings`` (see :func:`resolve_canvas`).
    """
    parts = relative.parts
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        folder = root.joinpath(*parts[:depth]) if root is not None else None
        owner = (_read_part(part, last, folder) if lms is None
                 else _read_as(lms, part, last, folder, any_name=True))
        if owner is not None:
            return _placed(owner, parts[depth + 1:])
    return None


def every_reading(relative: PurePosixPath,
                  root: Path | None = None) -> tuple[int, dict[str, LmsFile]] | None:
    """The outermost part of ``relative`` any LMS's naming matches (its depth), and each
    LMS's reading of it (Moodle's full name may be all digits here); None when no part
    matches. :func:`decide` picks one per export folder."""
    parts = relative.parts
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        folder = root.joinpath(*parts[:depth]) if root is not None else None
        found = {lms: owner for lms in ORDER
                 if (owner := _read_as(lms, part, last, folder, any_name=True)) is not None}
        if found:
            return depth, {lms: _placed(owner, parts[depth + 1:])
                           for lms, owner in found.items()}
    return None


def folder_lms(readings: list[dict[str, LmsFile]]) -> str | None:
    """The LMS of one export folder: the one whose naming every file in it matches (the
    most specific first, in :data:`ORDER`, if several do); None when none does. Not a vote:
    a student's uploads can add readings to their own files, never remove the true LMS's
    from a classmate's, so no number of uploads decides how the folder is read."""
    if not readings:
        return None
    common = set.intersection(*(set(found) for found in readings))
    return next((lms for lms in ORDER if lms in common), None)


def resolve_canvas(owners: list[LmsFile], groups: list | None = None,
                   roster: dict[str, str] | None = None) -> list[LmsFile | None]:
    """Each Canvas file's reading, decided with the export's other files; None where it is
    still unclear.

    Canvas writes ``<name>_<user id>_<attachment id>_<original file name>``, so the first two
    numeric fields after the name are its ids and everything after them is the student's
    own file name (which may start with digits: ``2023001_01_neuron_and_xor.ipynb``). But
    the name is the student's sortable name, which a Canvas site may let the student edit
    (review 24b H1: user 1007 named ``carol_1003_5003`` writes
    ``carol_1003_5003_1007_5007_<upload>``, which reads first as Carol, user 1003), so
    neither end of a name that reads several ways is the student's alone: **a file is given
    one reading only when every other reading is impossible**, by evidence no student
    controls:

    - one Canvas assignment is anonymous or not, so one download (``groups``: the download
      each file is in; one download when not given) is **named** when every file in it has
      a named reading and some file has no anonymous one, **anonymous** the other way round:
      a file then keeps only readings of its download's kind (``123_1010_5010_...`` in a
      named download is the student ``123``, user 1010), and one with none is unclear;
      where the download's kind is not known (every file reads both ways: a class whose
      names are all digits; or files of both kinds), a file that reads both ways is unclear;
    - a reading whose user id an unambiguous file of the same download holds under another
      name is dropped (a file that reads one way only reads as what Canvas wrote: its true
      reading is always one of its readings);
    - ``roster`` (the instructor's Canvas gradebook export, :func:`canvas_roster`: user id
      -> the name as the download writes it), when given: a named reading whose user id is
      not in it under that name, and an anonymous one whose user id is not in it, is
      dropped.

    A file with more than one reading left is unclear (None), whatever the order of its
    readings: the first one is not taken by guess. Each download is decided on its own (a
    student is in several downloads of a combined export, each with its own upload name).
    **No file name changes how a classmate's file is read**: what decides a file is its own
    name, the roster and the files that read one way only, each of which names its own
    owner truly.
    """
    groups = [()] * len(owners) if groups is None else groups
    kinds: dict = {}  # download -> the kinds of each of its Canvas files' readings
    for owner, group in zip(owners, groups, strict=True):
        if owner.lms == "canvas":
            kinds.setdefault(group, []).append({_is_named(o) for o in (owner, *owner.readings)})
    download_kind = {group: _download_kind(found) for group, found in kinds.items()}
    claims: dict[tuple, set[str]] = {}  # (download, user id) -> its unambiguous names
    for owner, group in zip(owners, groups, strict=True):
        if owner.lms == "canvas" and not owner.ambiguous:
            claims.setdefault((group, owner.lms_id), set()).add(owner.name)
    result: list[LmsFile | None] = []
    for owner, group in zip(owners, groups, strict=True):
        if owner.lms != "canvas":
            result.append(owner)
            continue
        readings = [replace(o, readings=()) for o in (owner, *owner.readings)]
        kind = download_kind[group]
        if kind is not None:
            readings = [o for o in readings if _is_named(o) == kind]
        elif len({_is_named(o) for o in readings}) > 1:
            readings = []
        if len(readings) > 1:
            readings = [o for o in readings if (group, o.lms_id) not in claims
                        or o.name in claims[(group, o.lms_id)]]
        if len(readings) > 1 and roster is not None:
            readings = [o for o in readings if o.lms_id in roster
                        and (not _is_named(o) or roster[o.lms_id] == _nfc(o.name).lower())]
        if len(readings) != 1:
            result.append(None)
        else:
            result.append(readings[0] if owner.ambiguous else owner)
    return result


def canvas_roster(path: Path) -> dict[str, str]:
    """The class list of Canvas's gradebook export (Grades > Export, a CSV whose ``Student``
    column is each student's sortable name and ``ID`` their user id): user id -> the name
    as Canvas writes it in a submissions download (its [[:word:]] characters, lower case).
    Rows without a user id (``Points Possible``) are skipped. Raises ``ValueError`` for a
    file without those two columns."""
    import csv

    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or not {"Student", "ID"} <= set(rows[0]):
        raise ValueError(f"{path}: not a Canvas gradebook export (no Student and ID columns)")
    return {row["ID"].strip(): "".join(ch for ch in _nfc(row["Student"] or "")
                                       if _CANVAS_NAME.fullmatch(ch)).lower()
            for row in rows if _CANVAS_ID.fullmatch((row["ID"] or "").strip())}


def _download_kind(found: list[set[bool]]) -> bool | None:
    """Whether one download is named (True) or anonymous (False), from the kinds each of its
    files can be read as; None when its files do not say."""
    for kind in (True, False):
        if all(kind in f for f in found) and any((not kind) not in f for f in found):
            return kind
    return None


def _is_named(owner: LmsFile) -> bool:
    """Whether a Canvas reading carries the student's name (not an anonymous assignment's)."""
    prefix = owner.prefix.lower()
    return not (re.fullmatch(r"\d+_\d+_", prefix)
                or (owner.late and re.fullmatch(r"late_\d+_\d+_", prefix)))
