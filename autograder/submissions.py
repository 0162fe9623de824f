"""Find the submissions: nbgrader's ``submitted/<student>/<assignment>/`` or an LMS export.

An LMS export is a folder or zip of ``<student>_<anything>.ipynb`` files. Which notebook a
file answers is read from its name (an assignment id in it) or, failing that, from its cells'
nbgrader ids.

Faithfully:

- **Student ids are kept exactly** as they are spelled ("José Ñandú", "Иван", "Zoë" and "Zoé"
  are four students); nothing is transliterated or merged. Where a folder is named after a
  student, :func:`folder_name` gives the id itself when it is a safe single path component
  and otherwise a readable slug with a hash of the exact id, so two ids never share a folder.
- **The expected file wins.** When a student has several files for one notebook, the file
  with the expected name (``<id>.ipynb``, or ``<student>_..._<id>.ipynb`` in an export) is
  graded before a copy (``Copy of <id>.ipynb``, ``<id>-Copy1.ipynb``, ``<id> (1).ipynb``) or a
  file recognised only from its cells (scratch notebooks), whatever their dates; among equals
  the newest wins. A note names every ignored file.
- **A zip is capped** (entries, total and per-file uncompressed size, counted as it is read,
  not trusted from its headers) and refused with :class:`ZipRefused` beyond the caps. Its
  folders are kept, so ``groupA/kim_...`` and ``groupB/kim_...`` are both there; if they are
  different files for the same notebook, both are graded, as ``kim (groupA)`` and
  ``kim (groupB)``, each with a note. No id made here contains ``/``.
- **A malformed file affects only its own student**: reading it never raises.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from autograder.assemble import instructor_cells
from autograder.lms import RECEIPT_BYTES, LmsFile, every_reading, identify
from autograder.notebooks import grade_id

MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024
"""The largest notebook file graded, by every path (a zip's member, a file in a folder, a
Gradescope upload, the integrity analysis): one limit, so no path grades what another
refuses (review 24h H1: a 55 MB notebook passed the LMS reader and scored 0 in grade)."""
MAX_ZIP_MEMBER = MAX_NOTEBOOK_BYTES
"""Largest uncompressed notebook accepted from a zip (larger ones are skipped, with a note)."""
MAX_STUDENT_TOTAL = 256 * 1024 * 1024
"""Most uncompressed bytes extracted for one student (one LMS owner, or one generic id):
their files beyond it (the largest first) are skipped, with a note on that student only."""
MAX_STUDENT_FILES = 500
"""Most files extracted for one student; beyond it their extra files are skipped likewise.
Which files are kept never depends on the zip's order: a student's files named after a
notebook first, then the smallest, then by path and content (:func:`_content_order`)."""
MAX_ZIP_TOTAL = 8 * 1024 * 1024 * 1024
"""A safety net far above any class's honest size: beyond it the largest students' extra
files are skipped first (each keeps their smallest file); a zip still over it is refused."""
MAX_ZIP_FILES = 100_000
"""A safety net on the files extracted, kept like :data:`MAX_ZIP_TOTAL`."""
MAX_ZIP_ENTRIES = 1_000_000
"""Most entries (files and folders) a zip may have; beyond it the zip is refused."""

_IGNORED_PARTS = {".ipynb_checkpoints", "__MACOSX"}
_EXTRACTED = (".ipynb", ".txt")
"""What extract_zip keeps: notebooks, and the text files an LMS or nbgrader writes beside
them (Blackboard's attempt receipts, nbgrader's timestamp.txt)."""
_COPY = re.compile(r"copy|\(\d+\)", re.IGNORECASE)


class ZipRefused(ValueError):
    """The LMS zip exceeds a cap (a zip bomb, or an export too large to grade safely)."""


@dataclass
class Submission:
    student: str
    assignment: str
    path: Path | None = None
    notes: list[str] = field(default_factory=list)
    lms: LmsFile | None = None
    """Who the LMS says the student is (None outside an LMS export)."""
    timestamp: datetime | None = None
    """When the file was submitted: nbgrader's ``timestamp.txt``, the time an LMS wrote in
    its name (Blackboard) or on the file (Moodle: the zip entry's date); never Canvas's,
    whose download stamps every file with the time the zip was made."""
    export_notebooks: tuple[str, ...] | None = None
    """The notebooks of the export folder the student's LMS part is in (one LMS assignment's
    download): a Moodle participant id is that assignment's alone, so it is written only in
    those notebooks' worksheets (none, when that folder holds no notebook at all); None: not
    known (not made by :func:`discover`)."""
    uncertain: str | None = None
    """Why this submission may not be of the notebook's own download (review 24 H2), else
    None: its file is in a download that holds this notebook only because as many of its
    students submitted it as any other (not more than half of them, and ``--assignment``
    did not name it), or, with no file, the student is in no download that is this
    notebook's own. Such a submission never replaces a result an earlier run graded into
    the same OUT from a file (:func:`autograder.grade.keep_earlier_results`)."""
    unclear_time: str = ""
    """Why the LMS's time of the graded file is no one instant in the course's zone (the
    hour a daylight-saving change repeats or skips): it has no ``timestamp`` then, and a
    note says so (review 24c M2)."""

    @property
    def folder(self) -> str:
        """The folder name for this student's files (see :func:`folder_name`)."""
        return folder_name(self.student)


_HASHED = re.compile(r".*~[0-9a-f]{16}")


def folder_name(student: str) -> str:
    """A file-system-safe, unique folder name for the exact ``student`` id.

    The id itself when it is one safe path component (no ``/``, NUL or control character,
    not starting with ``.``, valid UTF-8, at most 200 bytes), as on any POSIX file system;
    otherwise an ASCII slug of it followed by ``~`` and 16 hex digits of the id's SHA-256,
    so two different ids never get the same folder (an id that already looks like a hashed
    name is hashed too).
    """
    try:
        encoded = student.encode("utf-8")
    except UnicodeEncodeError:
        encoded = None
    safe = (encoded is not None and 0 < len(encoded) <= 200 and not student.startswith(".")
            and "/" not in student and "\\" not in student
            and not any(unicodedata.category(ch)[0] == "C" for ch in student)
            and not _HASHED.fullmatch(student))
    if safe:
        return student
    slug = unicodedata.normalize("NFKD", student).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9_@-]+", "-", slug).strip("-")[:40] or "student"
    digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{slug}~{digest}"


def _grade_ids(data) -> set[str]:
    """The string ``grade_id``s of a parsed notebook's cells; anything malformed is skipped."""
    ids = set()
    cells = data.get("cells") if isinstance(data, dict) else None
    for cell in cells if isinstance(cells, list) else []:
        if grade_id(cell) is not None:
            ids.add(grade_id(cell))
    return ids


def _assignment_from_content(path: Path, assignments: list[str]) -> str | None:
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read(MAX_ZIP_MEMBER + 1).decode("utf-8", "replace"))
        ids = _grade_ids(data)
    except (ValueError, OSError, RecursionError, MemoryError):
        return None
    scores = {a: len(ids & {cell[1] for cell in instructor_cells(a)}) for a in assignments}
    best = max(scores, key=scores.get, default=None)
    return best if best and scores[best] > 0 else None


def _assignment_from_name(name: str, assignments: list[str]) -> str | None:
    found = [a for a in assignments if a in name]
    return max(found, key=len) if found else None


def _rank(rest: str, assignment: str, named: bool) -> int:
    """0: the expected name; 1: a copy or variant named after the notebook; 2: other files.

    rest: the file name's stem without the student's prefix.
    """
    if not named:
        return 2
    if _COPY.search(rest):
        return 1
    # exactly the notebook's name (Canvas adds -1, -2 to a resubmission): anything before
    # it ("old_", "test_", a classmate's LMS prefix) makes a variant, never the expected one
    return 0 if re.fullmatch(rf"{re.escape(assignment)}(?:-\d+)?", rest) else 1


_WHY = {0: "the expected name", 1: "a copy or variant of the notebook's name",
        2: "recognised only from its cells"}


# ---------------------------------------------------------------------------------------------
# zip


def _member_name(member: zipfile.ZipInfo) -> str:
    """The member's name as its author wrote it: UTF-8 even when the zip did not flag it."""
    name = member.filename
    if not member.flag_bits & 0x800:
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("cp437").decode("utf-8")
    return name


_MAX_PART = 200
"""Bytes of one extracted path part (file systems allow 255; room for ``duplicate-N``)."""


def _bytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _shorten(text: str, room: int) -> str:
    """``text`` in at most ``room`` bytes: ``~<hash>~`` and as much of its end as fits (the
    end holds the notebook's id and the extension)."""
    digest = "~" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16] + "~"
    tail = text
    while tail and _bytes(digest + tail) > room:
        tail = tail[1:]
    return digest + tail


def _short_part(part: str) -> tuple[str, str | None]:
    """A path part that fits :data:`_MAX_PART`, and a note when it had to be changed: only the
    student's uploaded part is shortened; the LMS's prefix is kept exactly."""
    if _bytes(part) <= _MAX_PART:
        return part, None
    from autograder.lms import prefix_of

    prefix = prefix_of(part)
    if prefix is not None and _bytes(prefix) <= _MAX_PART - 40:
        return (prefix + _shorten(part[len(prefix):], _MAX_PART - _bytes(prefix)),
                f"{part}: the uploaded name is longer than {_MAX_PART} bytes; stored shortened")
    extension = ".ipynb" if part.lower().endswith(".ipynb") else ""
    return (folder_name(part) + extension,
            f"{part}: a name longer than {_MAX_PART} bytes (the LMS's own part too), stored "
            "under a shortened name; the student is read from the name as it was in the zip")


def _safe_parts(name: str) -> tuple[list[str], list[str]] | None:
    """The parts of a member's path as extracted (``/`` and ``\\`` separate them) and notes
    on any that had to be shortened; None for a member that is not extracted."""
    parts = [p for p in re.split(r"[/\\]", name) if p not in ("", ".", "..")]
    if not parts or any(p in _IGNORED_PARTS for p in parts) or parts[-1].startswith("._"):
        return None
    short = [_short_part(p) for p in parts]
    return [p for p, _ in short], [n for _, n in short if n]


def _owner_keys(paths: list[list[str]]) -> list[tuple]:
    """Whose share each member counts against: the owner its name gives under its folder's
    LMS (the one whose naming every notebook of that folder matches, as discovery decides),
    else its top folder, else the generic ``<student>_`` id. Only the folder's LMS's reading
    counts: a student who adds other LMSs' readings to their names (``..._<k>_attempt_<date>
    _x`` also reads as Blackboard user k) still has one share, not one per name. A receipt
    (:data:`autograder.lms.BLACKBOARD_RECEIPT` in a Blackboard folder, whatever its size: only
    its first :data:`autograder.lms.RECEIPT_BYTES` are extracted) is keyed
    ``(*folder, "receipt", <assignment>_<username>)``."""
    from autograder.lms import BLACKBOARD_RECEIPT, ORDER, every_reading

    found = [every_reading(PurePosixPath(*parts)) for parts in paths]
    groups: dict[tuple[str, ...], set[str]] = {}
    for parts, reading in zip(paths, found, strict=True):  # the folder's LMS: notebooks'
        if reading is not None and not parts[-1].endswith(".txt"):
            depth, readings = reading
            group = tuple(parts[:depth])
            groups[group] = groups.get(group, set(readings)) & set(readings)
    keys = []
    for parts, reading in zip(paths, found, strict=True):
        receipt = BLACKBOARD_RECEIPT.fullmatch(parts[-1])
        group = tuple(parts[:-1])
        if receipt and "blackboard" in groups.get(group, ()):
            keys.append((*group, "receipt", receipt["prefix"]))
            continue
        if reading is None:
            keys.append((parts[0],) if len(parts) > 1 else ("", parts[0].split("_", 1)[0]))
            continue
        depth, readings = reading
        group = tuple(parts[:depth])
        lms = next((name for name in ORDER if name in groups.get(group, readings)), None)
        if lms is None:  # a folder no one LMS covers: every reading this name has
            keys.append((*group, tuple(sorted((n, _share_of(o)) for n, o in readings.items()))))
        else:
            keys.append((*group, lms, _share_of(readings[lms])))
    return keys


def _share_of(owner) -> tuple[str, ...] | str:
    """What names one student's share: Blackboard's whole ``<assignment>_<username>`` (read
    before any receipt, a username's last word alone would join ``smith`` and ``john_smith``),
    a receipt's the same; other LMSs' name and id."""
    if isinstance(owner, str):  # a receipt: the text before its _attempt_
        return owner
    if owner.lms == "blackboard":
        return owner.prefix.split("_attempt_", 1)[0]
    return owner.name, owner.lms_id


def _shares(wanted: list, max_member: int, max_student: int, max_student_files: int,
            max_total: int, max_files: int) -> tuple[list, list[list[str]], set[int]]:
    """``wanted`` within the per-file cap, each student's share and the safety nets; the
    members left out, each with why (a note on its student); the ids of the members kept as
    Blackboard receipts (extracted truncated, never refused for their size)."""
    by_owner: dict[tuple, list] = {}
    receipts: list = []  # Blackboard's: each follows its attempt (below)
    skipped: list[list[str]] = []
    keys = _owner_keys([item[1][0] for item in wanted])
    for item, key in zip(wanted, keys, strict=True):
        if "receipt" in key:
            receipts.append((item, key))
        elif item[0].file_size > max_member:  # never counts against the whole zip's cap
            skipped.append(["/".join(item[1][0]), f"larger than {max_member >> 20} MB "
                            "uncompressed; not graded"])
        else:
            by_owner.setdefault(key, []).append(item)
    kept: dict[tuple, list] = {}
    from autograder.notebooks import assignments

    ids = assignments()

    def first(item) -> tuple:  # a file named after a notebook first, then small ones
        name = item[1][0][-1]
        return (not any(i in name for i in ids), item[0].file_size, *_content_order(item))

    for owner, items in by_owner.items():
        items.sort(key=first)
        size = 0
        kept[owner] = []
        for item in items:
            if (size + item[0].file_size > max_student and kept[owner]) or (
                    len(kept[owner]) >= max_student_files):
                skipped.append(["/".join(item[1][0]), f"this student's files are over their "
                                f"share ({max_student >> 20} MB, {max_student_files} files) "
                                "of the export; not graded"])
                continue
            size += item[0].file_size
            kept[owner].append(item)
    # the safety nets: the largest students' extra files go first, everyone keeps one
    while (sum(m.file_size for items in kept.values() for m, _ in items) > max_total
           or sum(len(items) for items in kept.values()) > max_files):
        over_size = sum(m.file_size for items in kept.values() for m, _ in items) > max_total
        extra = [o for o, items in kept.items() if len(items) > 1]
        if not extra:
            break
        owner = max(extra, key=lambda o: sum(m.file_size for m, _ in kept[o]) if over_size
                    else len(kept[o]))
        item = kept[owner].pop()
        skipped.append(["/".join(item[1][0]), "the export is over its total cap; this "
                        "student's extra files were skipped first (not graded)"])
    # a receipt is kept when its attempt has any notebook in the export, kept or skipped
    # (without it, ``kim_lee``'s files, even skipped ones, would read as ``lee``'s), at most
    # one per attempt and a student's share of files in all: a student's many attempts never
    # push a classmate's receipt out
    attempts = {"/".join((*parts[:depth], part.split("_attempt_", 1)[0] + "_attempt_"
                          + part.split("_attempt_", 1)[1][:19]))
                for _, (parts, *_) in wanted
                for depth, part in enumerate(parts) if "_attempt_" in part
                and not part.endswith(".txt")}
    counted: dict[tuple, int] = {}
    receipt_ids = set()
    for item, key in sorted(receipts, key=lambda pair: _content_order(pair[0])):
        parts = item[1][0]
        if "/".join((*parts[:-1], parts[-1][: -len(".txt")])) in attempts \
                and counted.get(key, 0) < max_student_files:
            counted[key] = counted.get(key, 0) + 1
            kept.setdefault(key, []).append(item)
            receipt_ids.add(id(item[0]))
    order = {id(item[0]): index for index, item in enumerate(wanted)}  # the zip's order
    return sorted((item for items in kept.values() for item in items),
                  key=lambda item: order[id(item[0])]), skipped, receipt_ids


def _content_order(item) -> tuple:
    """The order of a zip member that does not depend on where it is in the zip: its path,
    then its content's CRC and size, then its date."""
    member = item[0]
    return ("/".join(item[1][0]), member.filename, member.CRC, member.file_size,
            member.date_time)


NOT_A_NOTEBOOK = ("not a notebook ({kind}); not graded (only .ipynb files are read: a zip, "
                  "a PDF or a script is not, so a notebook must be uploaded as the .ipynb)")
MAX_NOT_NOTEBOOK_NOTES = 5
"""Notes per student on files that are no notebook (then one line counts the rest)."""


def _not_notebook(parts: list[str] | tuple[str, ...]) -> str | None:
    """The LMS's owner part of a file that is no notebook (and no Blackboard receipt), whose
    path an LMS's naming names, or None: such a file is a note on that student's row, so a
    student whose only upload is a zip is seen, never silently absent."""
    from autograder.lms import BLACKBOARD_RECEIPT

    if (not parts or parts[-1].lower().endswith(".ipynb") or parts[-1].startswith("._")
            or any(p in _IGNORED_PARTS for p in parts)
            or BLACKBOARD_RECEIPT.fullmatch(parts[-1])
            or parts[-1] in (".skipped.json", ZIP_TIMES, ZIP_NAMES)):
        return None
    reading = every_reading(PurePosixPath(*parts))
    if reading is None:
        return None
    return "/".join(parts[: reading[0] + 1])


def _kind(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    return f"a {suffix} file" if suffix else "a file without an extension"


def _not_notebooks(members) -> list[list[str]]:
    """``[path, why]`` for each zip member an LMS's naming names that is no notebook (at most
    :data:`MAX_NOT_NOTEBOOK_NOTES` per student, then a count): skipped, each a note."""
    found: list[list[str]] = []
    counts: dict[str, list] = {}
    for member in sorted(members, key=_member_name):
        parts = [p for p in re.split(r"[/\\]", _member_name(member))
                 if p not in ("", ".", "..")]
        owner = _not_notebook(parts)
        if owner is None:
            continue
        shown = _safe_parts("/".join(parts))
        if shown is None:
            continue
        entry = counts.setdefault(owner, [0, None])
        entry[0] += 1
        if entry[0] <= MAX_NOT_NOTEBOOK_NOTES:
            found.append(["/".join(shown[0]), NOT_A_NOTEBOOK.format(kind=_kind(parts[-1]))])
            entry[1] = shown[0]
    for count, last in counts.values():
        if count > MAX_NOT_NOTEBOOK_NOTES:
            found.append(["/".join(last), f"and {count - MAX_NOT_NOTEBOOK_NOTES} more files "
                          "of this student's that are not notebooks; not graded"])
    return found


def extract_zip(archive: Path, target: Path, max_total: int = MAX_ZIP_TOTAL,
                max_entries: int = MAX_ZIP_ENTRIES, max_member: int = MAX_ZIP_MEMBER,
                max_student: int = MAX_STUDENT_TOTAL,
                max_student_files: int = MAX_STUDENT_FILES,
                max_files: int = MAX_ZIP_FILES) -> Path:
    """Extract the ``.ipynb`` and ``.txt`` members of ``archive`` under ``target``, folders
    kept.

    Nothing is written outside ``target`` (``..`` and absolute paths are dropped). Raises
    :class:`ZipRefused` when the zip has more than ``max_entries`` entries or its notebooks
    more than ``max_total`` bytes uncompressed (the sizes its headers declare are checked
    first, then the bytes actually read), and removes what it had extracted. A notebook
    larger than ``max_member``, and one student's files beyond their share
    (``max_student`` bytes, ``max_student_files`` files: a student is an LMS owner, else a
    top folder or a generic id), are skipped and listed in ``target/.skipped.json``, a note
    on that student alone. ``max_total`` and ``max_files`` are safety nets: beyond them the
    largest students' extra files are skipped first; a zip still over ``max_total`` with one
    file a student is refused. Two
    members that would land on the same path are both kept (the second under ``duplicate-N/``).
    """
    from autograder.term import lms_time_zone

    target.mkdir(parents=True, exist_ok=True)
    skipped: list[list[str]] = []
    times: dict[str, str] = {}
    renamed: dict[str, dict] = {}
    zone = lms_time_zone()
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            if len(members) > max_entries:
                raise ZipRefused(f"{archive.name} has {len(members)} entries, more than the "
                                 f"cap of {max_entries}: refused, nothing extracted")
            wanted = [(m, _safe_parts(_member_name(m))) for m in members if not m.is_dir()
                      and _member_name(m).lower().endswith(_EXTRACTED)]
            wanted = [(m, parts) for m, parts in wanted if parts]
            skipped.extend(_not_notebooks(m for m in members if not m.is_dir()
                                          and not _member_name(m).lower().endswith(_EXTRACTED)))
            wanted, over, receipts = _shares(wanted, max_member, max_student,
                                             max_student_files, max_total, max_files)
            skipped.extend(over)
            declared = sum(min(m.file_size, RECEIPT_BYTES) if id(m) in receipts
                           else m.file_size for m, _ in wanted)
            if declared > max_total:
                raise ZipRefused(f"{archive.name} expands to {declared >> 20} MB of notebooks, "
                                 f"more than the cap of {max_total >> 20} MB: refused "
                                 f"(a zip bomb, or split the export)")
            total = 0
            for member, (parts, shortened) in wanted:
                try:
                    size, written = _extract_member(zipped, member, target, parts,
                                                    max_member, max_total - total,
                                                    archive.name, zone,
                                                    id(member) in receipts)
                    total += size
                    with contextlib.suppress(ValueError):
                        where = written.relative_to(target).as_posix()
                        times[where] = _zip_entry_time(member, zone)
                        if shortened:
                            original = [p for p in re.split(r"[/\\]", _member_name(member))
                                        if p not in ("", ".", "..")]
                            # a clash put it under duplicate-N/: keep that part
                            extra = written.relative_to(target).parts[: -len(parts)]
                            renamed[where] = {"original": "/".join([*extra, *original]),
                                              "notes": shortened}
                except OSError as error:  # a name clash, a path too deep or too long
                    skipped.append(["/".join(parts), f"could not be extracted "
                                    f"({error.strerror or type(error).__name__}); not graded"])
    except zipfile.BadZipFile as error:
        shutil.rmtree(target, ignore_errors=True)
        raise ZipRefused(f"{archive.name} is not a readable zip: {error}") from error
    except ZipRefused:
        shutil.rmtree(target, ignore_errors=True)
        raise
    if skipped:
        (target / ".skipped.json").write_text(json.dumps(skipped))
    (target / ZIP_TIMES).write_text(json.dumps(times))
    (target / ZIP_NAMES).write_text(json.dumps(renamed))
    return target


ZIP_TIMES = ".zip-times.json"
"""Written by :func:`extract_zip` beside what it extracted: each member's path -> its date
in the zip (the LMS's submission time for Canvas and Moodle), read in the course's LMS time
zone (:func:`autograder.term.lms_time_zone`), or ``{"unclear": why}`` for a date that is no
one instant there (:func:`autograder.term.local_time`). A folder the grader did not
extract has no such file, and its files' dates are not read as submission times (an unzip
tool may keep the zip's dates or not, a copy loses them): ``grade`` warns when a due date
is set."""


def _zip_entry_time(member: zipfile.ZipInfo, zone) -> str | dict:
    from autograder.term import AmbiguousTime, local_time

    try:
        return local_time(datetime(*member.date_time), zone).astimezone(UTC).isoformat()
    except AmbiguousTime as error:
        return {"unclear": str(error)}


ZIP_NAMES = ".zip-names.json"
"""Written by :func:`extract_zip`: each member stored under a shortened name (a part over
:data:`_MAX_PART` bytes) -> its path as it was in the zip, and the notes on it. The LMS's
owner of such a file is read from the name as it was in the zip."""


def _zip_original(root: Path, relative: PurePosixPath) -> tuple[PurePosixPath, list[str]]:
    try:
        found = json.loads((root / ZIP_NAMES).read_text())[relative.as_posix()]
        original = PurePosixPath(found["original"])
        notes = [str(n) for n in found["notes"]]
        return (original if len(original.parts) == len(relative.parts) else relative), notes
    except (OSError, ValueError, KeyError, TypeError):
        return relative, []


def _zip_time(root: Path, relative: PurePosixPath) -> tuple[datetime | None, str]:
    """The zip entry's date of ``relative`` (:data:`ZIP_TIMES`), and why it has none when
    its date was no one instant in the course's zone."""
    try:
        found = json.loads((root / ZIP_TIMES).read_text())[relative.as_posix()]
        if isinstance(found, dict):
            return None, str(found.get("unclear", ""))
        return datetime.fromisoformat(found), ""
    except (OSError, ValueError, KeyError, TypeError):
        return None, ""


def _extract_member(zipped: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path,
                    parts: list[str], max_member: int, room: int, name: str,
                    zone=UTC, receipt: bool = False) -> tuple[int, Path]:
    """Write one member under ``target`` (a second member with the same path goes under
    ``duplicate-N/``); returns its size and where it went. Raises OSError for this member
    alone (what was written of it is removed) and ZipRefused beyond a cap. A ``receipt``
    is cut to its first :data:`autograder.lms.RECEIPT_BYTES`."""
    destination = target.joinpath(*parts)
    copy = 1
    while os.path.lexists(destination):
        copy += 1
        destination = target.joinpath(f"duplicate-{copy}", *parts)
    destination.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    try:
        with zipped.open(member) as source, open(destination, "xb") as sink:
            if receipt:
                chunk = source.read(RECEIPT_BYTES)
                size = len(chunk)
                sink.write(chunk)
            while not receipt and (chunk := source.read(1 << 20)):
                size += len(chunk)
                if size > max_member or size > room:
                    raise ZipRefused(
                        f"{name}: {'/'.join(parts)} expands beyond what its header declares "
                        f"(over the cap of {min(max_member, room) >> 20} MB): refused")
                sink.write(chunk)
    except OSError:
        with contextlib.suppress(OSError):
            destination.unlink()
        raise
    with contextlib.suppress(ValueError, OverflowError):
        stamp = datetime(*member.date_time, tzinfo=zone).timestamp()
        os.utime(destination, (stamp, stamp))
    return size, destination


# ---------------------------------------------------------------------------------------------
# discovery


@dataclass
class _Candidate:
    path: Path
    shown: str  # path relative to the submissions' root, as notes name it
    rank: int
    timestamp: datetime | None = None
    lms: LmsFile | None = None
    uncertain: str | None = None  # see :attr:`Submission.uncertain`
    unclear_time: str = ""  # see :attr:`_Entry.unclear_time`


@dataclass
class _Entry:
    """One file of the submissions folder, read on its own (the layout is per file)."""

    relative: PurePosixPath
    file: Path | None  # None: the file could not be read (``assignment`` then says why)
    student: str
    assignment: str | None
    uploaded: str  # the file's name as the student chose it (below what the LMS wrote)
    generic: bool = False  # a ``<student>_<anything>.ipynb`` file of no known LMS
    nbgrader: bool = False  # nbgrader's ``<student>/<assignment>/<file>``
    lms: LmsFile | None = None
    timestamp: datetime | None = None
    notes: list[str] = field(default_factory=list)
    readings: dict[str, LmsFile] | None = None  # each LMS's reading of the LMS's part
    group: tuple[str, ...] = ()  # the instructor's folders above the LMS's part
    unclear_time: str = ""  # why the LMS's time of it is no one instant (no time then)


def _student_of(relative: PurePosixPath, assignments: list[str]) -> str:
    """The student id of a file that no LMS rule claims: the part of its name before the
    first ``_``. Folders above it are never read (they may be a student's); a file named
    after the notebook itself (``Copy of ...``) is graded under ``(no id) <path>`` so the
    instructor sees it."""
    prefixes = {a.split("_", 1)[0] for a in assignments} | set(assignments)
    name = relative.name
    student = name.split("_", 1)[0] if "_" in name else name[: -len(".ipynb")]
    if student and student not in prefixes and not _COPY.search(student):
        return student
    return f"(no id) {' > '.join(relative.parts)}"


def _same_bytes(paths: list[Path]) -> bool:
    try:
        first = paths[0].read_bytes()
        return all(p.read_bytes() == first for p in paths[1:])
    except OSError:
        return False


class UnreadableTimestamp(ValueError):
    """A ``timestamp.txt`` that holds text but no time this grader can read for certain (no
    time at all, or a zone abbreviation that names several UTC offsets on that date)."""


def parse_timestamp(text: str) -> datetime | None:
    """The time in a ``timestamp.txt``, as naive UTC (nbgrader's gradebook keeps UTC without
    a zone), or None when it is empty. Raises :class:`UnreadableTimestamp` for text that is
    no time, or whose zone is not known for certain: never read as UTC, never "on time".

    nbgrader writes ``datetime.now(gettz(Exchange.timezone)).strftime(Exchange.
    timestamp_format)``, by default ``%Y-%m-%d %H:%M:%S.%f %Z``: ``%Z`` is the zone's
    abbreviation at that moment (``UTC``, ``CET``, ``CST``, ``IST``, ``-03`` for a zone
    with none). Read: ISO 8601 with or without an offset, a numeric offset (``+0100`` is
    one hour, ``-03`` three: nbgrader's ``parse_utc`` takes a bare ``+0100`` as 100
    seconds), and a zone name by :func:`zone_offset` (nbgrader's ``parse_utc`` reads any
    name ``gettz`` does not know, ``CST`` or ``IST``, silently as UTC). A time with no zone
    is UTC, as nbgrader reads it."""
    import dateutil.parser

    text = text.strip()[:100]
    if not text:
        return None
    names: list[str] = []

    def remember(name, offset):  # dateutil: a zone name, or a numeric offset in seconds
        if offset is not None:
            from dateutil.tz import tzoffset

            return tzoffset(name, offset)
        if name is None:  # no zone at all: UTC, as nbgrader reads it
            return None
        names.append(name)
        return UTC  # resolved below, from the wall time

    try:
        found = dateutil.parser.parse(text, tzinfos=remember)
    except (ValueError, TypeError, OverflowError) as error:
        raise UnreadableTimestamp(f"{text!r} is not a time ({error})") from None
    if names:
        wall = found.replace(tzinfo=None)
        offset = zone_offset(names[-1], wall)
        return wall - offset
    if found.tzinfo is None:
        return found
    return (found - found.utcoffset()).replace(tzinfo=None)


def course_zones() -> list:
    """The zones an exchange timestamp's abbreviation is first read in: nbgrader's own
    ``Exchange.timezone`` of ``course/nbgrader_config.py`` (the hub's setting, which wrote
    it) when set, and the course's ``[lms] time_zone`` (:func:`autograder.term.lms_time_zone`)."""
    from dateutil.tz import gettz

    from autograder.term import SettingsError, lms_time_zone, nbgrader_config

    zones = []
    with contextlib.suppress(Exception):
        config = nbgrader_config()
        if "Exchange" in config and "timezone" in config.Exchange:
            zone = gettz(str(config.Exchange.timezone))
            if zone is not None:
                zones.append(zone)
    with contextlib.suppress(SettingsError):
        zones.append(lms_time_zone())
    return zones


def zone_offset(name: str, wall: datetime):
    """The UTC offset the zone abbreviation ``name`` had at the local time ``wall``: the
    course's zone's (:func:`course_zones`) if it is that zone's abbreviation then (so ``CST``
    is US Central on a course in ``America/Chicago``); else the one offset every IANA zone
    using that abbreviation then has (``CET``, ``EDT``, ``AEDT``, ``UTC``). Raises
    :class:`UnreadableTimestamp` when no zone uses it then, or zones using it disagree
    (``CST``: US Central, China, Cuba; ``IST``: India, Israel): set ``[lms] time_zone``."""
    if name.upper() in ("UTC", "GMT", "Z", "UT"):
        from datetime import timedelta

        return timedelta(0)
    for zone in course_zones():
        for fold in (0, 1):
            here = wall.replace(tzinfo=zone, fold=fold)
            if here.tzname() == name:
                return here.utcoffset()
    offsets = _abbreviation_offsets(name, wall)
    if len(offsets) == 1:
        return next(iter(offsets))
    if not offsets:
        raise UnreadableTimestamp(f"the zone {name!r} is no IANA zone's name on "
                                  f"{wall:%Y-%m-%d}")
    shown = ", ".join(sorted({_hours(o) for o in offsets}))
    raise UnreadableTimestamp(f"the zone {name!r} names several UTC offsets on "
                              f"{wall:%Y-%m-%d} ({shown}): set [lms] time_zone in "
                              "duedates.toml (or c.Exchange.timezone in course/"
                              "nbgrader_config.py) to the hub's zone")


def _hours(offset) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


_ABBREVIATIONS: dict[tuple[str, str], set] = {}


def _abbreviation_offsets(name: str, wall: datetime) -> set:
    """Every UTC offset an IANA zone (or the zone named ``name`` itself, ``CET``) has at
    ``wall`` while its abbreviation is ``name``."""
    from zoneinfo import ZoneInfo, available_timezones

    key = (name, wall.strftime("%Y-%m-%d %H"))
    if key not in _ABBREVIATIONS:
        found = set()
        for zone_name in sorted(available_timezones()):
            zone = ZoneInfo(zone_name)
            for fold in (0, 1):
                here = wall.replace(tzinfo=zone, fold=fold)
                if here.tzname() == name:
                    found.add(here.utcoffset())
        if len(_ABBREVIATIONS) > 1000:
            _ABBREVIATIONS.clear()
        _ABBREVIATIONS[key] = found
    return _ABBREVIATIONS[key]


def format_timestamp(when: datetime) -> str:
    """``when`` as ``nbgrader submit`` writes ``timestamp.txt`` (its default format, in
    UTC): read back the same by :func:`parse_timestamp` and by nbgrader."""
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.strftime("%Y-%m-%d %H:%M:%S.%f") + " UTC"


UNCLEAR_LMS_TIME = ("{where}: the LMS's submission time {why}, read in [lms] time_zone; no "
                    "late penalty was applied to this submission: CHECK ITS SUBMISSION TIME")


UNREADABLE_TIME = ("{where}/timestamp.txt: {why}; no late penalty was applied to this "
                   "submission: CHECK ITS SUBMISSION TIME (and the hub's "
                   "c.Exchange.timezone)")


def _nbgrader_timestamp(folder: Path, notes: list[str] | None = None,
                        shown: str = "") -> datetime | None:
    """The time in nbgrader's ``timestamp.txt`` (written by ``nbgrader submit``, and by
    ``grade`` beside each file it copies to submitted/), if any. One that cannot be read
    (:class:`UnreadableTimestamp`) is no time, with a note in ``notes`` (the student's row)
    and a warning: never silently on time."""
    try:
        text = (folder / "timestamp.txt").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    try:
        return parse_timestamp(text)
    except UnreadableTimestamp as error:
        note = UNREADABLE_TIME.format(where=shown or folder.name, why=error)
        if notes is not None and note not in notes:
            notes.append(note)
        print(f"warning: {note}", file=sys.stderr)
        return None


def _set_owner(entry: _Entry, owner: LmsFile, root: Path) -> None:
    entry.lms, entry.student = owner, owner.student
    entry.uploaded = PurePosixPath(owner.uploaded).name
    # Canvas stamps every file of its download with the time the zip was made
    # (rubyzip's get_output_stream): not a submission time, so none; Moodle's zip keeps
    # the stored file's time (the upload); Blackboard writes the attempt's in the name
    entry.timestamp, entry.unclear_time = owner.submitted, owner.unclear_time
    if owner.lms == "moodle":
        entry.timestamp, entry.unclear_time = _zip_time(root, entry.relative)
    if entry.unclear_time:  # review 24c M2: never read as either instant
        entry.timestamp = None


NBGRADER_ASSUMED = ("{folder}/ is read as nbgrader's submitted/<student>/<notebook id>/ "
                    "(student {student!r}), though files in it are named by an LMS's naming: "
                    "if it is an LMS download, grade it by its own path, or with --lms")
LMS_ASSUMED = ("{folder}/ is read as a {lms} download in a folder named after a notebook "
               "(its files name {count} {lms} students by {lms}'s naming and it has no "
               "nbgrader timestamp.txt), not as nbgrader's submitted/<student>/<notebook id>/")


def _layouts(walked, root: Path, assignments: list[str], lms: str | None
             ) -> tuple[set[tuple[str, str]], list[tuple[tuple[str, str], str]]]:
    """The ``<folder>/<notebook id>/`` folders that are an LMS download, not nbgrader's
    ``<student>/<notebook id>/``, and a warning per folder whose layout had to be assumed.

    The LMS's documented naming decides first: a folder whose every file is named by one
    LMS's naming, for two or more of its students (or for any, with ``--lms``), and that
    has no ``timestamp.txt`` (which ``nbgrader submit`` writes in every submission), is
    that LMS's download. One holding a single owner's LMS-like names, or nbgrader's
    timestamp, is nbgrader's: a student's own files (named like a classmate's LMS file)
    stay theirs. Either way, a folder holding LMS-named files is named in a warning."""
    from autograder.lms import folder_lms

    folders: dict[tuple[str, str], list[PurePosixPath]] = {}
    for relative, _, _ in walked:
        parts = relative.parts
        if (len(parts) >= 3 and parts[1] in assignments
                and identify(PurePosixPath(parts[0], "x")) is None):
            folders.setdefault((parts[0], parts[1]), []).append(relative)
    chosen: set[tuple[str, str]] = set()
    warnings: list[tuple[tuple[str, str], str]] = []
    for key, files in sorted(folders.items()):
        readings = [every_reading(PurePosixPath(*r.parts[2:])) for r in files]
        named = [found[1] for found in readings if found is not None and found[0] == 0]
        if not named:
            continue
        shown = "/".join(key)
        stamped = (root / key[0] / key[1] / "timestamp.txt").is_file()
        which = (lms if lms is not None and all(lms in r for r in named)
                 else folder_lms(named) if lms is None else None)
        owners = {(r[which].name, r[which].lms_id) for r in named} if which else set()
        if (not stamped and which is not None and len(named) == len(files)
                and (len(owners) >= 2 or lms is not None)):
            chosen.add(key)
            warnings.append((key, LMS_ASSUMED.format(folder=shown, lms=which,
                                                     count=len(owners))))
        else:
            warnings.append((key, NBGRADER_ASSUMED.format(folder=shown, student=key[0])))
    return chosen, warnings


def _lms_group(relative: PurePosixPath, root: Path, lms: str) -> tuple[str, ...]:
    """The instructor's folders above the part ``lms``'s naming names the student by (as
    :func:`autograder.lms.identify` reads it): each is one download."""
    from autograder.lms import _read_as

    parts = relative.parts
    for depth, part in enumerate(parts):
        if _read_as(lms, part, depth == len(parts) - 1, root.joinpath(*parts[:depth]),
                    any_name=True) is not None:
            return parts[:depth]
    return ()


def _classify(relative: PurePosixPath, file: Path | None, root: Path,
              assignments: list[str], lms: str | None = None,
              lms_folders: set[tuple[str, str]] = frozenset()) -> _Entry:
    """Whose file ``relative`` is and which notebook it answers, from the LMS's part of its
    path (:func:`autograder.lms.identify`), else nbgrader's ``<student>/<id>/<file>``, else
    the ``<student>_<anything>.ipynb`` convention."""
    parts = relative.parts
    # nbgrader's <student>/<id>/... first: the folder nbgrader wrote names the student, and
    # any file below it (an LMS-like name, a subfolder) is that student's own
    nbgrader = (len(parts) >= 3 and parts[1] in assignments
                and identify(PurePosixPath(parts[0], "x")) is None
                and (parts[0], parts[1]) not in lms_folders)
    original, notes = _zip_original(root, relative)  # a name extract_zip had to shorten
    owner, readings, group = None, None, ()
    if nbgrader:
        pass
    elif lms is not None:  # the instructor said which LMS: only its naming is read
        owner = identify(original, root, lms)
        group = _lms_group(original, root, lms) if owner is not None else ()
    elif (found := every_reading(original, root)) is not None:
        depth, readings = found
        group = original.parts[:depth]
        owner = next(iter(readings.values()))  # decided per folder by _decide_lms
    if nbgrader:
        entry = _Entry(relative, file, parts[0], parts[1], parts[-1], nbgrader=True)
        entry.timestamp = _nbgrader_timestamp(root / parts[0] / parts[1], notes,
                                              f"{parts[0]}/{parts[1]}")
    elif owner is not None:
        entry = _Entry(relative, file, owner.student, None, "", readings=readings,
                       group=group)
        _set_owner(entry, owner, root)
    else:
        student = _student_of(relative, assignments)
        stem = relative.name
        uploaded = stem[len(student) + 1:] if stem.startswith(student + "_") else stem
        entry = _Entry(relative, file, student, None, uploaded, generic=True)
    entry.notes = notes
    return entry


OTHER_LMS = ("named by another LMS's rules than the rest of its folder; graded under this "
             "row's own id and left out of the LMS files: check who submitted it")
UNCLEAR_LMS = ("its name reads as more than one LMS's and no other file in its folder "
               "decides which; graded under this row's own id and left out of the LMS "
               "files: check who submitted it, or grade again with --lms")


def _decide_lms(entries: list[_Entry], root: Path) -> None:
    """One LMS per export folder (the instructor's folders above the LMS's part: each zip
    or top-level folder of a combined export): the LMS whose naming most of the folder's
    files match unambiguously (:func:`autograder.lms.folder_lms`). A file that this LMS's
    naming does not match (another LMS's does), or one that reads as several LMSs' in a
    folder that decides nothing, is graded under its own id with a note and no LMS row."""
    from autograder.lms import folder_lms

    groups: dict[tuple[str, ...], list[_Entry]] = {}
    for entry in entries:
        if entry.readings:
            groups.setdefault(entry.group, []).append(entry)
    for members in groups.values():
        chosen = folder_lms([e.readings for e in members])
        for entry in members:
            readings = entry.readings
            if chosen in readings:
                _set_owner(entry, readings[chosen], root)
                continue
            if chosen is None and len(readings) == 1:
                _set_owner(entry, next(iter(readings.values())), root)
                continue
            names = ", ".join(f"{lms} {owner.student!r}" for lms, owner in readings.items())
            shown = " > ".join(entry.relative.parts)
            if chosen is None:
                entry.student, why = f"(unclear LMS naming) {shown}", UNCLEAR_LMS
            else:
                entry.student, why = f"(not {chosen}'s naming) {shown}", OTHER_LMS
            entry.lms, entry.timestamp = None, None
            entry.notes.append(f"{entry.relative}: {why} (it reads as {names})")
            print(f"warning: {entry.relative}: {why} (it reads as {names}); graded as "
                  f"{entry.student!r}", file=sys.stderr)


def _walk(path: Path) -> list[tuple[PurePosixPath, Path | None, str | None]]:
    """Every ``.ipynb`` under ``path`` as (relative path, file, None), and every one that
    could not be reached as (relative path, None, why). Never raises."""
    found: list[tuple[PurePosixPath, Path | None, str | None]] = []

    def unreadable(error: OSError) -> None:  # a folder os.walk could not list
        where = str(error.filename or path)
        if where.startswith(str(path) + os.sep):
            where = where[len(str(path)) + 1:]
        found.append((PurePosixPath(where), None, f"could not be read "
                      f"({error.strerror or error}); not graded"))

    others: dict[str, int] = {}  # files that are no notebook, per LMS owner
    for folder, dirs, files in os.walk(path, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if d not in _IGNORED_PARTS)
        for name in sorted(files):
            if not name.lower().endswith(".ipynb") and not name.startswith("._"):
                relative = PurePosixPath((Path(folder) / name).relative_to(path).as_posix())
                owner = _not_notebook(relative.parts)
                if owner is not None:
                    others[owner] = others.get(owner, 0) + 1
                    if others[owner] <= MAX_NOT_NOTEBOOK_NOTES:
                        found.append((relative, None, NOT_A_NOTEBOOK.format(kind=_kind(name))))
                continue
            if not name.lower().endswith(".ipynb") or name.startswith("._"):
                continue
            file = Path(folder) / name
            relative = PurePosixPath(file.relative_to(path).as_posix())
            try:
                if not file.is_file():
                    continue
                found.append((relative, file, None))
            except OSError as error:
                found.append((relative, None, f"could not be read ({error.strerror or error})"
                              "; not graded"))
    skipped = path / ".skipped.json"
    if skipped.is_file():  # notebooks extract_zip left out (too large, a name clash, ...)
        try:
            for shown, why in json.loads(skipped.read_text()):
                found.append((PurePosixPath(shown), None, why))
        except (ValueError, OSError, TypeError):
            pass
    return found


NO_RECEIPT = ("no Blackboard receipt (.txt) in its folder names this attempt's username, so "
              "where the assignment name ends is not known; graded under the name "
              "Blackboard wrote, with no row in blackboard.csv: download the submissions "
              "with their receipts")

UNCLEAR_CANVAS = ("Canvas name could be read more than one way; check who submitted it "
                  "(graded under this row's own id, and left out of canvas.csv)")


def _unclear(relative: PurePosixPath) -> str:
    """The student id of a Canvas file whose name reads several ways: its path, which holds
    ``_`` (no ``<student>_...`` id does) and is no LMS's ``(<lms> <id>)``."""
    return f"(unclear Canvas name) {' > '.join(relative.parts)}"


def _resolve_canvas(entries: list[_Entry], roster: dict[str, str] | None = None) -> None:
    """Canvas files whose name reads several ways, decided with the export's unambiguous
    files and the instructor's ``roster`` (:func:`autograder.lms.resolve_canvas`); one still
    unclear is graded under its own id with a note, gets no LMS row, and the instructor is
    warned."""
    from autograder.lms import resolve_canvas

    owned = [e for e in entries if e.lms is not None]
    decided = resolve_canvas([e.lms for e in owned], [e.group for e in owned], roster)
    for entry, owner in zip(owned, decided, strict=True):
        if owner is entry.lms:
            continue
        if owner is not None:
            entry.lms, entry.student = owner, owner.student
            entry.uploaded = PurePosixPath(owner.uploaded).name
            continue
        readings = ", ".join(f"{o.name!r} user {o.lms_id}"
                             for o in (entry.lms, *entry.lms.readings))
        entry.student, entry.lms = _unclear(entry.relative), None
        entry.notes.append(f"{entry.relative}: {UNCLEAR_CANVAS} (it reads as {readings})")
        print(f"warning: {entry.relative}: the Canvas name reads more than one way "
              f"({readings}); graded as {entry.student!r}, with no row in canvas.csv: "
              "check who submitted it", file=sys.stderr)


def _entries(path: Path, assignments: list[str], notes, lms: str | None = None,
             roster: dict[str, str] | None = None
             ) -> tuple[list[_Entry], set[tuple[str, str]]]:
    """Every file of the export read on its own, and the ``<folder>/<notebook id>/``
    folders read as an LMS download (:func:`_layouts`)."""
    entries = []
    walked = _walk(path)
    lms_folders, warnings = _layouts(walked, path, assignments, lms)
    for _, warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    assumed = dict(warnings)  # each file of such a folder: a note on its student's row
    for relative, file, why in walked:
        try:
            entry = _classify(relative, file, path, assignments, lms, lms_folders)
        except (OSError, ValueError) as error:  # a path the system cannot handle
            entry = _Entry(relative, None, _student_of(relative, assignments), None,
                           relative.name)
            why = f"could not be read ({error}); not graded"
        if why is not None:
            entry.file, entry.assignment = None, why
        if relative.parts[:2] in assumed:
            entry.notes = [*entry.notes, assumed[relative.parts[:2]]]
        entries.append(entry)
    _decide_lms(entries, path)
    for entry in entries:
        if entry.file is not None and entry.assignment is None:
            entry.assignment = (_assignment_from_name(entry.uploaded, assignments)
                                or _assignment_from_content(entry.file, assignments))
    _resolve_canvas(entries, roster)
    _one_name_per_id(entries)
    return entries, lms_folders


ONE_ID_TWO_NAMES = ("the LMS wrote this id under more than one name in this download; check "
                    "who submitted it (graded under this row's own id, and left out of the "
                    "LMS file)")


def _one_name_per_id(entries: list[_Entry]) -> None:
    """A student is known by their LMS id alone (:attr:`autograder.lms.LmsFile.student`), and
    one download writes one name per id: files of one Canvas user id or Moodle participant
    id under different names (a name made to read as a classmate's id) are never merged
    into one student. Each is graded under its own id (``(one id, two names) <path>``)
    with a note, a warning and no LMS row, as an unclear Canvas name is."""
    names: dict[tuple[str, str, tuple[str, ...]], set[str]] = {}
    for entry in entries:
        if entry.lms is not None and entry.lms.lms in ("canvas", "moodle"):
            names.setdefault((entry.lms.lms, entry.lms.lms_id, entry.group), set()).add(
                unicodedata.normalize("NFC", entry.lms.name).casefold())
    for entry in entries:
        owner = entry.lms
        # per download (export folder): a Canvas user id under another name in another
        # download is the student renamed between them (review 24 F4), a Moodle
        # participant id in another download is another assignment's
        if owner is None or len(names.get((owner.lms, owner.lms_id, entry.group), ())) <= 1:
            continue
        entry.student = f"(one id, two names) {' > '.join(entry.relative.parts)}"
        entry.lms = None
        entry.notes.append(f"{entry.relative}: {owner.lms} id {owner.lms_id} under the name "
                           f"{owner.name!r}: {ONE_ID_TWO_NAMES}")
        print(f"warning: {entry.relative}: {owner.lms} id {owner.lms_id} is written under "
              f"more than one name in this download; graded as {entry.student!r}, with no "
              "LMS row: check who submitted it", file=sys.stderr)


OTHER_NOTEBOOK = ("not graded (one LMS download is one assignment's: grade that notebook "
                  "from its own assignment's download, or name both with --assignment if "
                  "this assignment holds both)")


SEVERAL_HELD = ("each is graded (as many of its students submitted each); one LMS "
                "assignment's download normally holds one notebook: if so, grade it with "
                "--assignment <notebook id>, which decides")


def _in_download(entry: _Entry) -> bool:
    """Whether ``entry`` is in an LMS download (its name is read by an LMS's naming)."""
    return entry.lms is not None or bool(entry.readings)


def _held_notebooks(entries: list[_Entry], instructor_named: bool = False
                    ) -> tuple[dict[tuple[str, ...], set[str]], dict[tuple[str, ...], set[str]]]:
    """Export folder (one LMS assignment's download) -> the notebooks it holds, decided from
    the download as a whole: each notebook that more than half of the folder's students
    submitted, and the one(s) the most did (a download where each student honestly
    uploads two notebooks holds both). One student's upload of another notebook never makes
    the download hold it (their classmates would get a column, a worksheet, of zeros).
    ``instructor_named``: the instructor named the notebooks (``--assignment``), so the
    download holds every one of them its students submitted.

    Also, per folder, the notebooks it is certainly the download of: those more than half
    of its students submitted, or all it holds with ``instructor_named`` (review 24 H2: in
    a two-student download, one upload of another notebook ties with the right one)."""
    students: dict[tuple[str, ...], dict[str, set[str]]] = {}
    for entry in entries:
        if _in_download(entry) and entry.file is not None and entry.assignment:
            students.setdefault(entry.group, {}).setdefault(entry.assignment, set()).add(
                entry.student)
    held, certain = {}, {}
    for group, by_notebook in students.items():
        everyone = set().union(*by_notebook.values())
        most = max(len(s) for s in by_notebook.values())
        held[group] = {n for n, s in by_notebook.items()
                       if instructor_named or len(s) == most or 2 * len(s) > len(everyone)}
        certain[group] = {n for n in held[group]
                          if instructor_named or 2 * len(by_notebook[n]) > len(everyone)}
    return held, certain


NO_LMS_NAMING = ("fits no LMS's naming though the export's other files do; graded as the "
                 "student {student!r} (the part of its name before the first _), with no LMS "
                 "row: check who submitted it")
NOTEBOOK_FOLDER = ("{folder}/ is read as one {lms} download of its own (its files are named "
                   "by {lms}'s naming), holding {held}")


def _notebook_folders(entries: list[_Entry], held: dict, assignments: list[str],
                      notes: dict[str, list[str]], warned=frozenset()) -> None:
    """A warning, and a note on each of its students' rows, for every export folder named
    after a notebook id (``combo/01_neuron_and_xor/``) that is read as an LMS download of
    its own (review 24 F12): the instructor sees how each folder was read."""
    students: dict[tuple[str, ...], set[str]] = {}
    lms: dict[tuple[str, ...], str] = {}
    for entry in entries:
        if (_in_download(entry) and entry.group and entry.group[-1] in assignments
                and tuple(entry.group[:2]) not in warned):  # (:data:`LMS_ASSUMED` did)
            # every student of the folder, one whose name stays unclear too (review 24 L2)
            students.setdefault(entry.group, set()).add(entry.student)
            if entry.lms is not None:
                lms[entry.group] = entry.lms.lms
    students = {group: who for group, who in students.items() if group in lms}
    for group, who in sorted(students.items()):
        holds = ", ".join(sorted(held.get(group, ()))) or "no notebook"
        message = NOTEBOOK_FOLDER.format(folder="/".join(group), lms=lms[group], held=holds)
        if group[-1] not in held.get(group, ()):
            message += f" (not {group[-1]}, the folder's name: check the folder)"
        print(f"warning: {message} ({len(who)} students)", file=sys.stderr)
        for student in who:
            notes.setdefault(student, []).append(message)


def _candidates(path: Path, assignments: list[str], found, notes, owners=None,
                lms: str | None = None, exported: dict | None = None,
                instructor_named: bool = False, one_file: set | None = None,
                roster: dict[str, str] | None = None) -> None:
    entries, lms_folders = _entries(path, assignments, notes, lms, roster)
    if one_file is not None:  # ids made of one file's path (an unclear LMS name)
        one_file.update(e.student for e in entries if e.lms is None and _in_download(e))
    owners = {} if owners is None else owners
    with contextlib.suppress(OSError):  # nbgrader's folders name students, even empty ones
        for folder in sorted(path.iterdir()):
            if (folder.is_dir() and not folder.name.startswith(".")
                    and folder.name not in _IGNORED_PARTS
                    and identify(PurePosixPath(folder.name, "x")) is None
                    and any((folder / a).is_dir() and (folder.name, a) not in lms_folders
                            for a in assignments)):
                notes.setdefault(folder.name, [])
    # a generic id with different files of the same name in two folders: two students
    same_name: dict[tuple[str, str], list[tuple[PurePosixPath, Path]]] = {}
    for entry in entries:
        if entry.generic and entry.file is not None and entry.assignment is not None:
            same_name.setdefault((entry.student, entry.relative.name), []).append(
                (entry.relative, entry.file))
    split = {student for (student, _), copies in same_name.items()
             if len({rel.parent for rel, _ in copies}) > 1
             and not _same_bytes([f for _, f in copies])}
    # each export folder is one LMS assignment's download: the notebooks it holds are
    # decided from the whole download, never from one student's file
    held, certain = _held_notebooks(entries, instructor_named)
    # review 24 F7: in an LMS download (a folder whose files name two or more LMS students),
    # a notebook no LMS's naming names (a hand-edited name) is graded by the
    # <student>_<anything> convention, never silently
    lms_students: dict[PurePosixPath, set[str]] = {}
    for entry in entries:
        if entry.lms is not None:
            lms_students.setdefault(PurePosixPath(*entry.group), set()).add(entry.student)
    if lms_students:
        for entry in entries:
            if (entry.generic and entry.file is not None
                    and len(lms_students.get(entry.relative.parent, ())) >= 2):
                note = f"{entry.relative}: {NO_LMS_NAMING.format(student=entry.student)}"
                notes.setdefault(entry.student, []).append(note)
                print(f"warning: {note}", file=sys.stderr)
    _notebook_folders(entries, held, assignments, notes, lms_folders)
    for group, notebooks in sorted(held.items()):
        if len(notebooks) > 1 and not instructor_named:  # never a silent pick
            where = " > ".join(group) or "the download"
            print(f"warning: {where} holds {len(notebooks)} notebooks "
                  f"({', '.join(sorted(notebooks))}): {SEVERAL_HELD}", file=sys.stderr)
    if exported is not None:
        # a student is in the notebooks their download is certainly the download of, and
        # in those it holds by a tie only where they have a file of it: a classmate's upload
        # of another notebook never makes them absent from it (review 24 H2); a Moodle
        # participant id is one assignment's, so it is in the notebooks its download is
        # certainly the download of only (review 24b H2: never another's worksheet)
        for entry in entries:
            if entry.lms is not None:
                tie = set() if entry.lms.lms == "moodle" else (
                    {entry.assignment} & held.get(entry.group, set()))
                exported.setdefault(entry.student, set()).update(
                    certain.get(entry.group, set()) | tie)
    kept: set[tuple[str, str]] = set()
    for entry in entries:
        relative, file, student, assignment = (entry.relative, entry.file, entry.student,
                                               entry.assignment)
        who = student
        if entry.generic and student in split:
            folder = " > ".join(relative.parent.parts)
            who = f"{student} ({folder})" if folder else student
            note = (f"the id {student!r} has different files of the same name in several "
                    f"folders: each folder is graded as its own student; this is {who!r}")
            if note not in notes.setdefault(who, []):
                notes[who].append(note)
        notes.setdefault(who, [])
        notes[who].extend(n for n in entry.notes if n not in notes[who])
        if entry.lms is not None and not entry.lms.importable:
            note = (f"{relative}: {NO_RECEIPT}")
            if note not in notes[who]:
                notes[who].append(note)
                print(f"warning: {relative}: {NO_RECEIPT}; graded as {who!r}",
                      file=sys.stderr)
        elif entry.lms is not None:  # a student whose only file was skipped keeps a row
            owners.setdefault(who, entry.lms)
        if file is None:
            notes[who].append(f"{relative}: {assignment}")
            continue
        if entry.nbgrader:
            stem = relative.name[: -len(".ipynb")]
            rank = (0 if stem == assignment else 1 if assignment in stem
                    else 2 if _assignment_from_content(file, [assignment]) else 3)
            found.setdefault((who, assignment), []).append(  # shown below <student>/<id>/
                _Candidate(file, "/".join(relative.parts[2:]), rank, entry.timestamp))
            continue
        if assignment is None:
            notes[who].append(f"{relative}: not recognised as any course notebook; "
                              "not graded")
            continue
        if _in_download(entry) and assignment not in held.get(entry.group, set()):
            holds = ", ".join(sorted(held.get(entry.group, ()))) or "no notebook"
            notes[who].append(f"{relative}: uploaded {assignment} to the download of "
                              f"{holds}: {OTHER_NOTEBOOK}")
            print(f"warning: {relative}: {who!r} uploaded {assignment} to the download of "
                  f"{holds}: {OTHER_NOTEBOOK}", file=sys.stderr)
            continue
        if entry.generic and (who, relative.name) in kept and student not in split:
            twin = next(c for c in found[(who, assignment)] if c.path.name == relative.name)
            if _same_bytes([twin.path, file]):
                notes[who].append(f"{relative}: the same file as {twin.shown}; graded once")
                continue
        kept.add((who, relative.name))
        rest = entry.uploaded[: -len(".ipynb")] if entry.uploaded.lower().endswith(
            ".ipynb") else entry.uploaded
        uncertain = None
        if _in_download(entry) and assignment not in certain.get(entry.group, set()):
            where = " > ".join(entry.group) or "the download"
            uncertain = (f"{where} holds {assignment} only as much as another notebook (not "
                         "more than half of its students submitted it): it may be another "
                         "assignment's download")
        found.setdefault((who, assignment), []).append(
            _Candidate(file, str(relative), _rank(rest, assignment, assignment in entry.uploaded),
                       entry.timestamp,
                       entry.lms if entry.lms is not None and entry.lms.importable else None,
                       uncertain, entry.unclear_time if entry.lms is not None else ""))
    _later_attempts(entries, found, notes)


LATER_ATTEMPT = ("Blackboard's latest attempt ({latest}) holds no notebook of {assignment} (only "
                 "other files); the notebook of the attempt of {graded} was graded: if your "
                 "policy is that the last attempt counts, its grade is 0")


def _later_attempts(entries: list[_Entry], found, notes: dict[str, list[str]]) -> None:
    """Review 24, F8: a student whose latest Blackboard attempt holds no notebook (a PDF
    only) is graded on an earlier attempt's notebook, with a note and a warning saying so."""
    latest: dict[str, datetime] = {}
    for entry in entries:
        owner = entry.lms
        if owner is not None and owner.lms == "blackboard" and owner.submitted is not None:
            latest[entry.student] = max(latest.get(entry.student, owner.submitted),
                                        owner.submitted)
    for (who, assignment), candidates in sorted(found.items()):
        attempts = [c.lms.submitted for c in candidates if c.lms is not None
                    and c.lms.lms == "blackboard" and c.lms.submitted is not None]
        if attempts and who in latest and latest[who] > max(attempts):
            note = LATER_ATTEMPT.format(latest=latest[who].isoformat(), assignment=assignment,
                                        graded=max(attempts).isoformat())
            notes.setdefault(who, []).append(note)
            print(f"warning: {who}: {note}", file=sys.stderr)


def discover(path: Path, assignments: list[str], lms: str | None = None,
             instructor_named: bool = False,
             canvas_roster: dict[str, str] | None = None) -> list[Submission]:
    """Every (student, assignment) submission under ``path`` (folder), duplicates resolved.

    Each file is read on its own: an LMS's naming (:mod:`autograder.lms`), nbgrader's
    ``<student>/<assignment>/`` or ``<student>_<anything>.ipynb``, whatever the other files
    are. Never raises on a malformed or unreachable file: what is wrong is a note on its
    student's row. ``lms``: read LMS names by that LMS's naming only (else each export
    folder's LMS is the one most of its files are unambiguously named by). Each LMS
    download (export folder) is one assignment's: it holds the notebooks most of its
    students submitted (:func:`_held_notebooks`), or, when ``instructor_named``
    (``grade --assignment``), every one of ``assignments`` in it; a file of another
    notebook there is a note on its student's row, not graded. A notebook a download holds
    by a tie only (not more than half of its students) makes no student absent from it,
    and its submissions are :attr:`Submission.uncertain`, as is a "no submission" of a
    student in no download that is that notebook's own. ``canvas_roster``: the class list
    that decides a Canvas name that reads several ways (:func:`autograder.lms.canvas_roster`).
    """
    found: dict[tuple[str, str], list[_Candidate]] = {}
    notes: dict[str, list[str]] = {}
    skipped_owners: dict[str, LmsFile] = {}
    exported: dict[str, set[str]] = {}
    one_file: set[str] = set()
    _candidates(path, assignments, found, notes, skipped_owners, lms, exported,
                instructor_named, one_file, canvas_roster)
    submissions = []
    students = sorted({s for s, _ in found} | set(notes))
    submitted = [a for a in assignments if any(key[1] == a for key in found)] or assignments[:1]
    owners = dict(skipped_owners)
    owners.update({s: c.lms for (s, _), cs in found.items() for c in cs if c.lms is not None})
    for student in students:
        for assignment in submitted:
            candidates = found.get((student, assignment), [])
            first = submitted[0]
            if student in one_file:  # one file's id: no "no submission" 0 for another
                mine = [a for a in submitted if (student, a) in found] or submitted[:1]
                if assignment not in mine:  # notebook (review 24 L1)
                    continue
                first = mine[0]
            extra = list(notes.get(student, [])) if assignment == first else []
            export = tuple(sorted(exported.get(student, ())))
            if not candidates:
                uncertain = (None if assignment in export else
                             f"nothing of theirs for {assignment} in this run")
                submissions.append(Submission(student, assignment, None,
                                              extra + ["no submission for this notebook"],
                                              lms=owners.get(student),
                                              export_notebooks=export, uncertain=uncertain))
                continue
            chosen = _choose(candidates)
            if len(candidates) > 1:
                ignored = "; ".join(
                    f"{c.shown} ({_earlier(c, chosen) or _older(c, chosen)})"
                    for c in sorted(candidates, key=lambda c: c.shown) if c is not chosen)
                extra.append(f"{len(candidates)} files for this notebook: graded "
                             f"{chosen.shown} ({_why(chosen.rank)}); ignored {ignored}")
            if (chosen.uncertain and chosen.lms is not None and chosen.lms.lms == "moodle"
                    and assignment not in export):
                extra.append(f"{MOODLE_UNCERTAIN} ({chosen.uncertain})")
                print(f"warning: {student} / {assignment}: {MOODLE_UNCERTAIN}",
                      file=sys.stderr)
            if chosen.unclear_time:
                note = UNCLEAR_LMS_TIME.format(where=chosen.shown, why=chosen.unclear_time)
                extra.append(note)
                print(f"warning: {student} / {assignment}: {note}", file=sys.stderr)
            if chosen.lms is not None and chosen.lms.late:
                extra.append("Canvas marked this submission late; its download carries no "
                             "submission time, so no late penalty was applied: apply your "
                             "late policy in Canvas")
            submissions.append(Submission(student, assignment, chosen.path, extra,
                                          lms=chosen.lms or owners.get(student),
                                          timestamp=chosen.timestamp,
                                          export_notebooks=export,
                                          uncertain=chosen.uncertain,
                                          unclear_time=chosen.unclear_time))
    return submissions


MOODLE_UNCERTAIN = ("graded, but not written in the Moodle worksheet: a participant id is "
                    "one assignment's, and this download is not certainly this notebook's "
                    "(grade it with --assignment if it is)")


def _why(rank: int) -> str:
    return _WHY.get(rank, "not recognised as this notebook")


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _attempt(candidate: _Candidate) -> float:
    """A Blackboard attempt's date (the latest attempt is the one graded), else 0."""
    owner = candidate.lms
    if owner is not None and owner.lms == "blackboard" and owner.submitted is not None:
        return owner.submitted.timestamp()
    return 0.0


def _attachment(candidate: _Candidate) -> int:
    """A Canvas file's attachment id (Canvas numbers attachments as they are uploaded, so
    the larger is the newer upload), else 0."""
    owner = candidate.lms
    if owner is None or owner.lms != "canvas":
        return 0
    numbers = [t for t in owner.prefix.rstrip("_").split("_") if t.isdigit()]
    return int(numbers[-1]) if numbers else 0


def _earlier(candidate: _Candidate, chosen: _Candidate) -> str | None:
    return "an earlier attempt" if _attempt(candidate) < _attempt(chosen) else None


def _older(candidate: _Candidate, chosen: _Candidate) -> str:
    if candidate.uncertain and not chosen.uncertain:
        return "in a download that may be another assignment's"
    if candidate.rank != chosen.rank:
        return _why(candidate.rank)
    if _attachment(candidate) and _attachment(candidate) < _attachment(chosen):
        return "an older Canvas attachment (a smaller attachment id)"
    return "older"


def _choose(candidates: list[_Candidate]) -> _Candidate:
    """A file of the notebook's own download first (:attr:`Submission.uncertain`); then
    Blackboard's latest attempt (by its attempt date); then the best-ranked
    candidate; among equals the one in the fewest folders (a copy in a scratch folder loses
    to the upload itself), then Canvas's newest attachment (by its id, never by the
    name's sort order: ``..._9999_`` is older than ``..._10000_``), then the newest (by
    the submission time the LMS wrote, else the file's date), then the last by name."""
    return max(candidates, key=lambda c: (c.uncertain is None, _attempt(c), -c.rank,
                                          -len(PurePosixPath(c.shown).parts),
                                          _attachment(c),  # Canvas: the newest upload
                                          c.timestamp.timestamp() if c.timestamp
                                          else _mtime(c.path), c.shown))
