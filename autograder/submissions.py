"""Find the submissions: nbgrader's ``submitted/<student>/<assignment>/`` or an LMS export.

An LMS export is a folder or zip of ``<student>_<anything>.ipynb`` files. Which notebook a
file answers is read from its name (an assignment id in it) or, failing that, from its cells'
nbgrader ids. When a student has several files for one notebook, the newest is graded and
the others are named in the notes.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.assemble import instructor_cells

MAX_ZIP_MEMBER = 64 * 1024 * 1024


@dataclass
class Submission:
    student: str
    assignment: str
    path: Path | None = None
    notes: list[str] = field(default_factory=list)


def _student_id(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.@-]", "-", name).strip("-.") or "unknown"


def _assignment_from_content(path: Path, assignments: list[str]) -> str | None:
    try:
        data = json.loads(path.read_bytes()[:MAX_ZIP_MEMBER])
        ids = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
               for c in data.get("cells", []) if isinstance(c, dict)}
    except (ValueError, AttributeError, OSError):
        return None
    scores = {a: len(ids & {cell[1] for cell in instructor_cells(a)}) for a in assignments}
    best = max(scores, key=scores.get, default=None)
    return best if best and scores[best] > 0 else None


def _assignment_from_name(name: str, assignments: list[str]) -> str | None:
    found = [a for a in assignments if a in name]
    return max(found, key=len) if found else None


def extract_zip(archive: Path, target: Path) -> Path:
    """Extract the ``.ipynb`` members of ``archive`` safely (no paths outside, size-capped)."""
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive) as zipped:
        for member in zipped.infolist():
            name = Path(member.filename).name
            if member.is_dir() or not name.endswith(".ipynb") or member.file_size > MAX_ZIP_MEMBER:
                continue
            with zipped.open(member) as source:
                (target / name).write_bytes(source.read(MAX_ZIP_MEMBER))
    return target


def discover(path: Path, assignments: list[str]) -> list[Submission]:
    """Every (student, assignment) submission under ``path`` (folder), duplicates resolved."""
    found: dict[tuple[str, str], list[Path]] = {}
    notes: dict[str, list[str]] = {}
    nbgrader_layout = path.name == "submitted" or any(
        (d / a).is_dir() for d in path.iterdir() if d.is_dir() for a in assignments)
    if nbgrader_layout:
        for student_dir in sorted(d for d in path.iterdir() if d.is_dir()):
            notes.setdefault(_student_id(student_dir.name), [])
            for assignment in assignments:
                for file in sorted((student_dir / assignment).glob("*.ipynb")):
                    found.setdefault((_student_id(student_dir.name), assignment), []).append(file)
    else:
        for file in sorted(path.rglob("*.ipynb")):
            if ".ipynb_checkpoints" in file.parts:
                continue
            student = _student_id(file.name.split("_", 1)[0] if "_" in file.name
                                  else file.stem)
            assignment = (_assignment_from_name(file.name, assignments)
                          or _assignment_from_content(file, assignments))
            if assignment is None:
                notes.setdefault(student, []).append(
                    f"{file.name}: not recognised as any course notebook; not graded")
                continue
            found.setdefault((student, assignment), []).append(file)
    submissions = []
    students = sorted({s for s, _ in found} | set(notes))
    submitted = [a for a in assignments if any(key[1] == a for key in found)] or assignments[:1]
    for student in students:
        for assignment in submitted:
            files = found.get((student, assignment), [])
            extra = list(notes.get(student, [])) if assignment == submitted[0] else []
            if not files:
                submissions.append(Submission(student, assignment, None,
                                              extra + ["no submission for this notebook"]))
                continue
            files.sort(key=lambda f: (f.stat().st_mtime, f.name))
            chosen = files[-1]
            if len(files) > 1:
                extra.append(f"{len(files)} files for this notebook: graded {chosen.name}, "
                             f"ignored {', '.join(f.name for f in files[:-1])}")
            submissions.append(Submission(student, assignment, chosen, extra))
    return submissions
