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
import time
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.assemble import instructor_cells
from autograder.notebooks import grade_id

MAX_ZIP_MEMBER = 64 * 1024 * 1024
"""Largest uncompressed notebook accepted from a zip (larger ones are skipped, with a note)."""
MAX_ZIP_TOTAL = 512 * 1024 * 1024
"""Largest total uncompressed size of a zip's notebooks; beyond it the zip is refused."""
MAX_ZIP_ENTRIES = 20_000
"""Most entries (files and folders) a zip may have; beyond it the zip is refused."""

_IGNORED_PARTS = {".ipynb_checkpoints", "__MACOSX"}
_COPY = re.compile(r"copy|\(\d+\)", re.IGNORECASE)


class ZipRefused(ValueError):
    """The LMS zip exceeds a cap (a zip bomb, or an export too large to grade safely)."""


@dataclass
class Submission:
    student: str
    assignment: str
    path: Path | None = None
    notes: list[str] = field(default_factory=list)

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
    return 0 if re.fullmatch(rf"(?:.*_)?{re.escape(assignment)}(?:-\d+)?", rest) else 1


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


def _safe_parts(name: str) -> list[str] | None:
    parts = [p for p in re.split(r"[/\\]", name) if p not in ("", ".", "..")]
    if not parts or any(p in _IGNORED_PARTS for p in parts) or parts[-1].startswith("._"):
        return None
    return [p if len(p.encode("utf-8", "surrogatepass")) <= 200 else folder_name(p) + ".ipynb"
            for p in parts]


def extract_zip(archive: Path, target: Path, max_total: int = MAX_ZIP_TOTAL,
                max_entries: int = MAX_ZIP_ENTRIES, max_member: int = MAX_ZIP_MEMBER) -> Path:
    """Extract the ``.ipynb`` members of ``archive`` under ``target``, folders kept.

    Nothing is written outside ``target`` (``..`` and absolute paths are dropped). Raises
    :class:`ZipRefused` when the zip has more than ``max_entries`` entries or its notebooks
    more than ``max_total`` bytes uncompressed (the sizes its headers declare are checked
    first, then the bytes actually read), and removes what it had extracted. A notebook
    larger than ``max_member`` is skipped and listed in ``target/.skipped.json``. Two
    members that would land on the same path are both kept (the second under ``duplicate-N/``).
    """
    target.mkdir(parents=True, exist_ok=True)
    skipped: list[list[str]] = []
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            if len(members) > max_entries:
                raise ZipRefused(f"{archive.name} has {len(members)} entries, more than the "
                                 f"cap of {max_entries}: refused, nothing extracted")
            wanted = [(m, _safe_parts(_member_name(m))) for m in members if not m.is_dir()
                      and _member_name(m).lower().endswith(".ipynb")]
            wanted = [(m, parts) for m, parts in wanted if parts]
            declared = sum(m.file_size for m, _ in wanted)
            if declared > max_total:
                raise ZipRefused(f"{archive.name} expands to {declared >> 20} MB of notebooks, "
                                 f"more than the cap of {max_total >> 20} MB: refused "
                                 f"(a zip bomb, or split the export)")
            total = 0
            for member, parts in wanted:
                if member.file_size > max_member:
                    skipped.append(["/".join(parts), f"larger than {max_member >> 20} MB "
                                    "uncompressed; not graded"])
                    continue
                destination = target.joinpath(*parts)
                copy = 1
                while destination.exists():
                    copy += 1
                    destination = target.joinpath(f"duplicate-{copy}", *parts)
                destination.parent.mkdir(parents=True, exist_ok=True)
                size = 0
                with zipped.open(member) as source, open(destination, "wb") as sink:
                    while chunk := source.read(1 << 20):
                        size += len(chunk)
                        total += len(chunk)
                        if size > max_member or total > max_total:
                            raise ZipRefused(
                                f"{archive.name}: {'/'.join(parts)} expands beyond what its "
                                f"header declares (over the cap of "
                                f"{min(max_member, max_total) >> 20} MB): refused")
                        sink.write(chunk)
                stamp = time.mktime((*member.date_time, 0, 0, -1))
                os.utime(destination, (stamp, stamp))
    except zipfile.BadZipFile as error:
        shutil.rmtree(target, ignore_errors=True)
        raise ZipRefused(f"{archive.name} is not a readable zip: {error}") from error
    except ZipRefused:
        shutil.rmtree(target, ignore_errors=True)
        raise
    if skipped:
        (target / ".skipped.json").write_text(json.dumps(skipped))
    return target


# ---------------------------------------------------------------------------------------------
# discovery


@dataclass
class _Candidate:
    path: Path
    shown: str  # path relative to the submissions' root, as notes name it
    rank: int


def _student_of(relative: PurePosixPath, assignments: list[str]) -> str:
    """The student id of an export file.

    A file in a per-student folder the LMS named (``Kim Lee_1234_assignsubmission_file/``)
    belongs to that folder's student, whatever the student named the file: the file name is
    theirs to choose, so it could name a classmate. Otherwise the id is the part of the file
    name before the first ``_``; a file named after the notebook itself (``Copy of ...``)
    with no such folder is graded under ``(no id) <path>`` so the instructor sees it.
    """
    prefixes = {a.split("_", 1)[0] for a in assignments} | set(assignments)

    def usable(candidate: str) -> bool:
        return bool(candidate) and candidate not in prefixes and not _COPY.search(candidate)

    if len(relative.parts) > 1 and "_" in relative.parts[-2]:
        folder = relative.parts[-2].split("_", 1)[0]
        if usable(folder):
            return folder
    name = relative.name
    student = name.split("_", 1)[0] if "_" in name else name[: -len(".ipynb")]
    if usable(student):
        return student
    return f"(no id) {' > '.join(relative.parts)}"


def _same_bytes(paths: list[Path]) -> bool:
    try:
        first = paths[0].read_bytes()
        return all(p.read_bytes() == first for p in paths[1:])
    except OSError:
        return False


def _nbgrader_candidates(path: Path, assignments: list[str], found, notes) -> None:
    for student_dir in sorted(d for d in path.iterdir() if d.is_dir()):
        if student_dir.name in _IGNORED_PARTS or student_dir.name.startswith("."):
            continue
        student = student_dir.name
        notes.setdefault(student, [])
        for assignment in assignments:
            for file in sorted((student_dir / assignment).glob("*.ipynb")):
                stem = file.name[: -len(".ipynb")]
                if stem == assignment:
                    rank = 0
                elif assignment in stem:
                    rank = 1
                else:
                    rank = 2 if _assignment_from_content(file, [assignment]) else 3
                found.setdefault((student, assignment), []).append(
                    _Candidate(file, file.name, rank))


def _export_candidates(path: Path, assignments: list[str], found, notes) -> None:
    entries = []  # (relative path, file, student, assignment or None)
    for file in sorted(path.rglob("*.ipynb")):
        relative = PurePosixPath(file.relative_to(path).as_posix())
        if any(p in _IGNORED_PARTS for p in relative.parts) or file.name.startswith("._"):
            continue
        assignment = (_assignment_from_name(file.name, assignments)
                      or _assignment_from_content(file, assignments))
        entries.append((relative, file, _student_of(relative, assignments), assignment))
    skipped = path / ".skipped.json"
    if skipped.is_file():  # notebooks extract_zip left out (too large)
        try:
            for shown, why in json.loads(skipped.read_text()):
                relative = PurePosixPath(shown)
                entries.append((relative, None, _student_of(relative, assignments), why))
        except (ValueError, OSError, TypeError):
            pass
    # the same id with different files of the same name in two folders: two students
    same_name: dict[tuple[str, str], list[tuple[PurePosixPath, Path]]] = {}
    for relative, file, student, assignment in entries:
        if file is not None and assignment is not None:
            same_name.setdefault((student, relative.name), []).append((relative, file))
    split = {student for (student, _), copies in same_name.items()
             if len({rel.parent for rel, _ in copies}) > 1
             and not _same_bytes([f for _, f in copies])}
    kept: set[tuple[str, str]] = set()
    for relative, file, student, assignment in entries:
        who = student
        if student in split:
            folder = " > ".join(relative.parent.parts)
            who = f"{student} ({folder})" if folder else student
            note = (f"the id {student!r} has different files of the same name in several "
                    f"folders: each folder is graded as its own student; this is {who!r}")
            if note not in notes.setdefault(who, []):
                notes[who].append(note)
        notes.setdefault(who, [])
        if file is None:
            notes[who].append(f"{relative}: {assignment}")
            continue
        if assignment is None:
            notes[who].append(f"{relative}: not recognised as any course notebook; "
                              "not graded")
            continue
        if (who, relative.name) in kept and student not in split:
            twin = next(c for c in found[(who, assignment)] if c.path.name == relative.name)
            if _same_bytes([twin.path, file]):
                notes[who].append(f"{relative}: the same file as {twin.shown}; graded once")
                continue
        kept.add((who, relative.name))
        stem = relative.name[: -len(".ipynb")]
        rest = stem[len(student) + 1:] if stem.startswith(student + "_") else stem
        found.setdefault((who, assignment), []).append(
            _Candidate(file, str(relative), _rank(rest, assignment, assignment in relative.name)))


def discover(path: Path, assignments: list[str]) -> list[Submission]:
    """Every (student, assignment) submission under ``path`` (folder), duplicates resolved.

    Never raises on a malformed file: what is wrong is a note on its student's row.
    """
    found: dict[tuple[str, str], list[_Candidate]] = {}
    notes: dict[str, list[str]] = {}
    nbgrader_layout = path.name == "submitted" or any(
        (d / a).is_dir() for d in path.iterdir() if d.is_dir() for a in assignments)
    if nbgrader_layout:
        _nbgrader_candidates(path, assignments, found, notes)
    else:
        _export_candidates(path, assignments, found, notes)
    submissions = []
    students = sorted({s for s, _ in found} | set(notes))
    submitted = [a for a in assignments if any(key[1] == a for key in found)] or assignments[:1]
    for student in students:
        for assignment in submitted:
            candidates = found.get((student, assignment), [])
            extra = list(notes.get(student, [])) if assignment == submitted[0] else []
            if not candidates:
                submissions.append(Submission(student, assignment, None,
                                              extra + ["no submission for this notebook"]))
                continue
            chosen = _choose(candidates)
            if len(candidates) > 1:
                ignored = "; ".join(
                    f"{c.shown} ({'older' if c.rank == chosen.rank else _why(c.rank)})"
                    for c in sorted(candidates, key=lambda c: c.shown) if c is not chosen)
                extra.append(f"{len(candidates)} files for this notebook: graded "
                             f"{chosen.shown} ({_why(chosen.rank)}); ignored {ignored}")
            submissions.append(Submission(student, assignment, chosen.path, extra))
    return submissions


def _why(rank: int) -> str:
    return _WHY.get(rank, "not recognised as this notebook")


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _choose(candidates: list[_Candidate]) -> _Candidate:
    """The best-ranked candidate; among equals the newest, then the last by name."""
    return max(candidates, key=lambda c: (-c.rank, _mtime(c.path), c.shown))
