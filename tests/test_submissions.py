"""Submissions are picked, named and kept faithfully; reports can always be written.

Issue 13, items 5 (files and names) and the report items: exact student ids, the expected
file over copies and scratch notebooks, submitted/ holding the graded file, capped
zips, same-named files in two folders, malformed files that affect only their student,
answer cells retyped to markdown or raw, formula injection and unwritable text in the CSVs.
Each attack is built here from scratch and calls the grader's functions directly.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.__main__ import _import_into_nbgrader
from autograder.assemble import assemble, manual_max_points, read_submission
from autograder.notebooks import filled_notebook, grade_id, solution_sources
from autograder.report import MAX_FIELD, clean, write_csvs, write_feedback
from autograder.submissions import (
    Submission,
    ZipRefused,
    _member_name,
    discover,
    extract_zip,
    folder_name,
)

A = "01_neuron_and_xor"
SOLUTION = solution_sources(A)
IDS = ["José Ñandú", "Иван", "Мария", "Zoë", "Zoé", "Zoe\u0308", "kim", "Kim"]


pytestmark = pytest.mark.timeout(120)  # every test here fails instead of hanging


def solution_bytes(**changes: str) -> bytes:
    return nbformat.writes(filled_notebook(A, dict(SOLUTION, **changes))).encode()


BLANK = nbformat.writes(filled_notebook(A, {})).encode()
TINY = b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}'


def put(path: Path, data: bytes, age: float = 0.0) -> Path:
    """Write ``data`` at ``path`` with a modification time ``age`` seconds in the past."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def by_student(submissions: list[Submission]) -> dict[str, Submission]:
    found = {s.student: s for s in submissions if s.assignment == A}
    assert len(found) == len([s for s in submissions if s.assignment == A])
    return found


# --- exact ids ---------------------------------------------------------------------------


def test_export_keeps_every_id_exact_and_distinct(tmp_path):
    for number, student in enumerate(IDS):
        put(tmp_path / "export" / f"{student}_{A}.ipynb", solution_bytes() + b" " * number)
    found = by_student(discover(tmp_path / "export", [A]))
    assert sorted(found) == sorted(IDS)
    for student in IDS:
        assert found[student].path.name == f"{student}_{A}.ipynb"
        assert found[student].notes == []


def test_nbgrader_layout_keeps_every_id_exact_and_distinct(tmp_path):
    submitted = tmp_path / "submitted"
    for student in IDS:
        put(submitted / student / A / f"{A}.ipynb", solution_bytes())
    found = by_student(discover(submitted, [A]))
    assert sorted(found) == sorted(IDS)
    assert {found[s].path.parent.parent.name for s in IDS} == set(IDS)


def test_zip_keeps_ids_exact_even_without_the_utf8_flag(tmp_path):
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for student in IDS:
            zipped.writestr(f"{student}_{A}.ipynb", solution_bytes())
    found = by_student(discover(extract_zip(archive, tmp_path / "x"), [A]))
    assert sorted(found) == sorted(IDS)
    legacy = zipfile.ZipInfo("José Ñandú_x.ipynb".encode().decode("cp437"))
    legacy.flag_bits = 0  # a zip tool that wrote UTF-8 names without saying so
    assert _member_name(legacy) == "José Ñandú_x.ipynb"


def test_folder_names_are_the_id_when_safe_and_unique_always():
    for student in IDS:
        assert folder_name(student) == student
    awkward = ["a/b", "a\\b", ".hidden", "..", "x\x00y", "tab\there", "\udc80bytes",
               "é" * 150, "kim~0123456789abcdef", "", "a-b", "a_b"]
    names = [folder_name(s) for s in awkward]
    assert len(set(names)) == len(awkward)
    for student, name in zip(awkward, names):
        assert "/" not in name and "\x00" not in name and not name.startswith(".")
        assert len(name.encode()) <= 200
        if student in ("a-b", "a_b"):
            assert name == student
        else:
            assert name != student and "~" in name
    assert folder_name("José/Ñandú").startswith("Jose-Nandu~")


# --- which file is graded ------------------------------------------------------------------


def test_expected_name_wins_over_newer_copies_and_scratch(tmp_path):
    folder = tmp_path / "submitted" / "kim" / A
    put(folder / f"{A}.ipynb", solution_bytes(), age=3600)
    put(folder / f"Copy of {A}.ipynb", BLANK, age=60)
    put(folder / f"{A}-Copy1.ipynb", BLANK, age=30)
    put(folder / "scratch.ipynb", BLANK, age=0)
    (submission,) = discover(tmp_path / "submitted", [A])
    assert submission.path == folder / f"{A}.ipynb"
    assert submission.notes == [
        f"4 files for this notebook: graded {A}.ipynb (the expected name); ignored "
        f"{A}-Copy1.ipynb (a copy or variant of the notebook's name); "
        f"Copy of {A}.ipynb (a copy or variant of the notebook's name); "
        "scratch.ipynb (recognised only from its cells)"]


def test_expected_name_wins_in_an_export_too(tmp_path):
    export = tmp_path / "export"
    put(export / f"kim_{A}.ipynb", solution_bytes(), age=3600)
    put(export / f"kim_Copy of {A}.ipynb", BLANK, age=60)
    put(export / "kim_scratch.ipynb", BLANK, age=0)
    put(export / "kim_shopping-list.ipynb", b'{"cells": []}', age=0)
    found = by_student(discover(export, [A]))
    assert list(found) == ["kim"]
    assert found["kim"].path == export / f"kim_{A}.ipynb"
    assert found["kim"].notes == [
        "kim_shopping-list.ipynb: not recognised as any course notebook; not graded",
        f"3 files for this notebook: graded kim_{A}.ipynb (the expected name); ignored "
        f"kim_Copy of {A}.ipynb (a copy or variant of the notebook's name); "
        "kim_scratch.ipynb (recognised only from its cells)"]


def test_a_file_named_after_a_classmate_stays_its_uploaders(tmp_path):
    """In a folder-per-student export the LMS names the folder and the student names the
    file: Mallory's upload called "Alice Honest_<id>.ipynb" is Mallory's, never Alice's."""
    export = tmp_path / "export"
    alice = put(export / "Alice Honest_1001_assignsubmission_file" / f"{A}.ipynb",
                solution_bytes(), age=3600)
    put(export / "Mallory_1002_assignsubmission_file" / f"{A}.ipynb", solution_bytes(),
        age=600)
    put(export / "Mallory_1002_assignsubmission_file" / f"Alice Honest_{A}.ipynb", BLANK)
    found = by_student(discover(export, [A]))
    assert sorted(found) == sorted(["(moodle 1001)", "(moodle 1002)"])
    alice_row, mallory = found["(moodle 1001)"], found["(moodle 1002)"]
    assert alice_row.path == alice and alice_row.notes == []
    assert mallory.path.parent.name.startswith("Mallory_")  # her two files: one
    assert "ignored" in mallory.notes[-1]  # graded, the other named in a note


def test_among_equals_the_newest_wins_and_the_other_is_named(tmp_path):
    export = tmp_path / "export"
    put(export / f"ann_{A}_attempt1.ipynb", BLANK, age=60)
    put(export / f"ann_{A}_attempt2.ipynb", solution_bytes(), age=0)
    (submission,) = discover(export, [A])
    assert submission.path.name == f"ann_{A}_attempt2.ipynb"
    assert submission.notes == [
        f"2 files for this notebook: graded ann_{A}_attempt2.ipynb (a copy or variant of "
        f"the notebook's name); ignored ann_{A}_attempt1.ipynb (older)"]


def test_submitted_holds_the_graded_file(tmp_path):
    """nbgrader's own submitted/ graded in place is never touched; a different file already
    in submitted/ (an earlier download's, before the student resubmitted) is replaced by
    the graded one, with a note (rev 16: the stale copy was kept with a warning, so
    formgrader showed another file than the one the gradebook's scores are for)."""
    work = tmp_path / "course"
    mine = put(work / "submitted" / "kim" / A / f"{A}.ipynb", solution_bytes(), age=3600)
    original = mine.read_bytes()
    put(work / "submitted" / "kim" / A / "scratch.ipynb", BLANK, age=0)
    chosen = discover(work / "submitted", [A])
    assert [s.path for s in chosen] == [mine]
    assert _import_into_nbgrader(chosen, work) == []
    assert mine.read_bytes() == original
    # a regrade of a changed file: submitted/ then holds what was graded
    newer = put(tmp_path / "export" / f"kim_{A}.ipynb", BLANK)
    fresh = put(tmp_path / "export" / f"Zoë_{A}.ipynb", solution_bytes())
    notes = _import_into_nbgrader([Submission("kim", A, newer), Submission("Zoë", A, fresh)],
                                  work)
    assert mine.read_bytes() == BLANK
    assert notes == [f"{mine} replaced by the graded file kim_{A}.ipynb (it held another "
                     "file: formgrader shows what was graded)"]
    assert (work / "submitted" / "Zoë" / A / f"{A}.ipynb").read_bytes() == fresh.read_bytes()
    assert not [p for p in (work / "submitted" / "kim" / A).iterdir() if p.name.startswith(".")]


# --- zips ------------------------------------------------------------------------------------


def zip_bomb(path: Path, size: int, members: int = 1) -> Path:
    """A zip of ``members`` notebooks that together expand to ``size`` bytes (zeros compress
    ~1000:1)."""
    block = b"\0" * (1 << 24)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zipped:
        for number in range(members):
            with zipped.open(f"kim{number}_{A}.ipynb", "w", force_zip64=True) as member:
                for _ in range(size // members // len(block)):
                    member.write(block)
    return path


def test_zip_bomb_of_1_gb_is_refused_with_a_clear_note(tmp_path):
    """16 students' notebooks of 64 MB each (each within the per-file cap and its student's
    share): over the total safety net (here 512 MB) with one file a student: refused."""
    bomb = zip_bomb(tmp_path / "bomb.zip", 1 << 30, members=16)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    target = tmp_path / "x"
    started = time.monotonic()
    with pytest.raises(ZipRefused, match=r"bomb.zip expands to 1024 MB of notebooks, more "
                       r"than the cap of 512 MB: refused"):
        extract_zip(bomb, target, max_total=512 << 20)
    assert time.monotonic() - started < 5
    assert not target.exists()


def test_one_student_s_many_large_files_cost_only_that_student(tmp_path):
    """Round 5, H7: one student's 9 scratch files of 60 MB (540 MB) no longer refuse the
    whole export: their files beyond their share are skipped with a note on them alone."""
    archive = tmp_path / "class.zip"
    block = b" " * (1 << 20)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(f"alice_501_9001_{A}.ipynb", solution_bytes())
        zipped.writestr(f"bob_502_9002_{A}.ipynb", solution_bytes())
        for number in range(9):
            with zipped.open(f"bob_502_{9100 + number}_scratch{number}.ipynb", "w") as member:
                for _ in range(60):
                    member.write(block)
    target = extract_zip(archive, tmp_path / "x")
    found = by_student(discover(target, [A]))
    assert found["(canvas 501)"].path.read_bytes() == solution_bytes()
    assert found["(canvas 501)"].notes == []
    bob = found["(canvas 502)"]
    assert bob.path.read_bytes() == solution_bytes()
    assert sum("over their share" in n for n in bob.notes) == 5  # 4 x 60 MB kept
    # the safety nets skip the largest students' extra files first, never everyone's
    target = extract_zip(archive, tmp_path / "y", max_total=100 << 20, max_files=5)
    found = by_student(discover(target, [A]))
    assert found["(canvas 501)"].path.read_bytes() == solution_bytes()
    assert found["(canvas 502)"].path.read_bytes() == solution_bytes()
    assert any("over its total cap" in n for n in found["(canvas 502)"].notes)


def test_names_with_other_lms_readings_still_share_one_student_s_cap(tmp_path):
    """Round 7: a Canvas student whose file names also read as Blackboard attempts of many
    different users (``mallory_503_<id>_<k>_attempt_<date>_x.txt``) still has one share;
    past it their files are skipped, never the classmates' notebooks."""
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(f"alice_501_9001_{A}.ipynb", solution_bytes())
        zipped.writestr(f"bob_502_9002_{A}.ipynb", solution_bytes())
        zipped.writestr(f"mallory_503_9003_{A}.ipynb", BLANK)
        for k in range(40):
            zipped.writestr(f"mallory_503_{9100 + k}_u{k}_attempt_2026-01-01-00-00-00_x.txt",
                            b"x" * 20_000)
    target = extract_zip(archive, tmp_path / "x", max_student=200_000,
                         max_total=10 * len(solution_bytes()) + 300_000)
    found = by_student(discover(target, [A]))
    assert found["(canvas 501)"].path.read_bytes() == solution_bytes()
    assert found["(canvas 502)"].path.read_bytes() == solution_bytes()
    assert found["(canvas 501)"].notes == found["(canvas 502)"].notes == []


def test_blackboard_shares_are_whole_usernames_and_receipts_count_for_their_attempt(tmp_path):
    """Round 8: a receipt counts against its own attempt's student, never a made-up student
    of every receipt (whose cap would drop classmates' receipts and turn ``kim_lee`` into
    ``lee``); ``john_smith``'s many files never use up ``smith``'s share."""
    def attempt(user: str, day: int, upload: str = f"{A}.ipynb") -> str:
        return f"HW_{user}_attempt_2026-11-{day:02d}-09-00-00_{upload}"

    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for user, name in (("kim_lee", "Kim Lee"), ("lee", "Al Lee"), ("smith", "Jo Smith")):
            zipped.writestr(attempt(user, 1), solution_bytes())
            zipped.writestr(f"HW_{user}_attempt_2026-11-01-09-00-00.txt",
                            f"Name: {name} ({user})\n".encode())
        for day in range(2, 12):  # zed: ten attempts, each with its receipt
            zipped.writestr(attempt("zed", day), BLANK)
            zipped.writestr(f"HW_zed_attempt_2026-11-{day:02d}-09-00-00.txt",
                            b"Name: Zed Z (zed)\n")
        for number in range(10):  # john_smith: many files in one attempt
            zipped.writestr(attempt("john_smith", 1, f"scratch{number}.ipynb"), b"{}")
        zipped.writestr("HW_john_smith_attempt_2026-11-01-09-00-00.txt",
                        b"Name: John Smith (john_smith)\n")
    target = extract_zip(archive, tmp_path / "x", max_student_files=4)
    found = by_student(discover(target, [A]))
    for user in ("kim_lee", "lee", "smith"):
        assert found[f"(blackboard {user})"].path.read_bytes() == solution_bytes(), user
        assert not any("share" in note for note in found[f"(blackboard {user})"].notes), user
    assert "HW" not in found
    assert found["(blackboard zed)"].path is not None  # its receipts never crowd out its notebook


def test_round_9_an_impossible_date_a_slashed_upload_and_a_digit_assignment(tmp_path):
    """Round 9: a file name with a date no calendar has costs only its uploader (it is no
    Blackboard attempt); an attempt whose upload began with ``/`` keeps its receipt (so
    ``kim_lee`` is not read as ``lee``); receipts of an assignment named ``HW_1`` with
    all-digit usernames are receipts, so every student keeps their own share."""
    found = _canvas(tmp_path, {
        f"alice_501_9001_{A}.ipynb": solution_bytes(),
        f"mal_503_9003_x_attempt_2026-13-01-00-00-00_{A}.ipynb": BLANK,
    })
    assert found["(canvas 501)"].path.read_bytes() == solution_bytes()
    (tmp_path / "b").mkdir()
    found = _canvas(tmp_path / "b", {
        f"HW_lee_attempt_2026-11-01-09-00-00_{A}.ipynb": solution_bytes(),
        "HW_lee_attempt_2026-11-01-09-00-00.txt": b"Name: Al Lee (lee)\n",
        f"HW_kim_lee_attempt_2026-11-02-09-00-00_/{A}.ipynb": BLANK,
        "HW_kim_lee_attempt_2026-11-02-09-00-00.txt": b"Name: Kim Lee (kim_lee)\n",
    })
    assert found["(blackboard lee)"].path.read_bytes() == solution_bytes()
    assert found["(blackboard kim_lee)"].path.read_bytes() == BLANK
    archive = tmp_path / "c.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for user in ("12345", "12346", "12347"):
            zipped.writestr(f"HW_1_{user}_attempt_2026-11-01-09-00-00_{A}.ipynb",
                            solution_bytes())
            zipped.writestr(f"HW_1_{user}_attempt_2026-11-01-09-00-00.txt",
                            f"Name: S {user} ({user})\n".encode())
        for number in range(6):
            zipped.writestr(f"HW_1_12347_attempt_2026-11-01-09-00-00_s{number}.ipynb", b"{}")
    found = by_student(discover(extract_zip(archive, tmp_path / "cx", max_student_files=4),
                                [A]))
    for user in ("12345", "12346", "12347"):
        assert found[f"(blackboard {user})"].path.read_bytes() == solution_bytes(), user


def test_round_10_receipt_like_names_are_capped_and_skipped_attempts_keep_receipts(tmp_path):
    """Round 10: files named like receipts are receipts only beside a Blackboard attempt,
    small, with no other attempt in their prefix; anything else counts against its owner's
    share (so it can neither escape it nor crowd a classmate out); an attempt whose notebook
    was skipped keeps its receipt, so ``kim_lee`` never turns into a row for ``lee``."""
    big = b"x" * 70_000
    (tmp_path / "bb").mkdir()
    archive = tmp_path / "bb" / "x.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(f"HW_kim_lee_attempt_2026-11-01-09-00-00_{A}.ipynb", BLANK)
        zipped.writestr("HW_kim_lee_attempt_2026-11-01-09-00-00.txt", b"Name: K (kim_lee)\n")
        zipped.writestr(f"HW_kim_lee_attempt_2026-11-02-09-00-00_{A}.ipynb", solution_bytes())
        zipped.writestr("HW_kim_lee_attempt_2026-11-02-09-00-00.txt", b"Name: K (kim_lee)\n")
        zipped.writestr(f"HW_mal_attempt_2026-11-01-09-00-00_{A}.ipynb", BLANK)
        zipped.writestr("HW_mal_attempt_2026-11-01-09-00-00.txt", b"Name: M (mal)\n")
        for k in range(4):
            zipped.writestr(f"HW_mal_attempt_2026-11-01-09-00-00_f{k}_attempt_"
                            "2026-11-01-09-00-00.txt", big)
    found = by_student(discover(extract_zip(archive, tmp_path / "bb" / "x",
                                            max_student=200_000), [A]))
    assert found["(blackboard kim_lee)"].path.read_bytes() == solution_bytes()
    assert "(blackboard lee)" not in found
    assert not any("share" in n for n in found["(blackboard kim_lee)"].notes)
    (tmp_path / "cv").mkdir()
    found = _canvas(tmp_path / "cv", {
        f"bob_502_9002_{A}.ipynb": solution_bytes(),
        **{f"mal_503_9003_f{k}_attempt_2026-11-01-09-00-00.txt": big for k in range(10)},
    })
    assert found["(canvas 502)"].path.read_bytes() == solution_bytes()
    (tmp_path / "sk").mkdir()
    archive = tmp_path / "sk" / "x.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(f"HW_kim_lee_attempt_2026-11-02-09-00-00_{A}.ipynb",
                        solution_bytes() + b" " * 300_000)
        zipped.writestr("HW_kim_lee_attempt_2026-11-02-09-00-00.txt", b"Name: K (kim_lee)\n")
    found = by_student(discover(extract_zip(archive, tmp_path / "sk" / "x",
                                            max_member=200_000), [A]))
    assert "(blackboard lee)" not in found and "(blackboard kim_lee)" in found


def test_round_11_a_username_never_depends_on_its_own_receipt(tmp_path):
    """Round 11: a Blackboard username is what follows the folder's assignment name (read
    from any receipt, or from every attempt's common start), so ``x_bob`` is never read as
    ``bob`` when its own receipts are beyond its share, larger than any cap, or beside a
    notebook over the per-file cap; no receipt ever makes a row of its own."""
    def zipped_class(folder: Path, members: dict[str, bytes], **caps) -> dict:
        folder.mkdir()
        archive = folder / "x.zip"
        with zipfile.ZipFile(archive, "w") as zipped:
            for name, data in members.items():
                zipped.writestr(name, data)
        return by_student(discover(extract_zip(archive, folder / "x", **caps), [A]))

    def attempt(user: str, day: int, upload: str = f"{A}.ipynb") -> str:
        return f"HW_{user}_attempt_2026-11-{day:02d}-09-00-00_{upload}"

    def receipt(user: str, day: int) -> str:
        return f"HW_{user}_attempt_2026-11-{day:02d}-09-00-00.txt"

    bob = {attempt("bob", 1): solution_bytes(), receipt("bob", 1): b"Name: Bo B (bob)\n"}
    many = dict(bob)  # x_bob: more attempts (each with its receipt) than a share's files;
    for day in range(8, 1, -1):  # the receipts kept are not those of the notebooks kept
        many[receipt("x_bob", day)] = b"Name: X Bob (x_bob)\n"
    for day in range(2, 9):
        many[attempt("x_bob", day)] = BLANK
    found = zipped_class(tmp_path / "many", many, max_student_files=3)
    assert found["(blackboard bob)"].path.read_bytes() == solution_bytes()
    assert found["(blackboard x_bob)"].lms.lms_id == "x_bob"
    huge = dict(bob)  # x_bob's receipt is longer than every cap: still a receipt, cut short
    huge[attempt("x_bob", 2)] = BLANK
    huge[receipt("x_bob", 2)] = b"Name: X Bob (x_bob)\n" + b"x" * 300_000
    found = zipped_class(tmp_path / "huge", huge, max_member=200_000, max_student=250_000)
    assert sorted(found) == ["(blackboard bob)", "(blackboard x_bob)"]
    assert found["(blackboard bob)"].path.read_bytes() == solution_bytes()
    assert found["(blackboard x_bob)"].lms.name == "X Bob"
    extracted = tmp_path / "huge" / "x" / receipt("x_bob", 2)
    assert extracted.stat().st_size == 4096
    big = dict(bob)  # x_bob's only notebook is over the per-file cap
    big[attempt("x_bob", 2)] = solution_bytes() + b" " * 300_000
    big[receipt("x_bob", 2)] = b"Name: X Bob (x_bob)\n"
    found = zipped_class(tmp_path / "big", big, max_member=200_000)
    assert sorted(found) == ["(blackboard bob)", "(blackboard x_bob)"]
    assert found["(blackboard x_bob)"].path is None
    assert found["(blackboard bob)"].path.read_bytes() == solution_bytes()
    # round 12: no receipt at all: where the assignment name ends is not known (``HW_j_adams``
    # and ``HW_j_brown`` share ``HW_j``), so no username is guessed: each attempt is graded
    # under the whole name Blackboard wrote, with a note and no LMS row
    bare = {attempt("bob", 1): solution_bytes(), attempt("x_bob", 2): BLANK,
            attempt("j_adams", 2): BLANK, attempt("j_brown", 3): BLANK}
    found = zipped_class(tmp_path / "bare", bare)
    assert sorted(found) == [f"(no Blackboard receipt) HW_{user}"
                             for user in ("bob", "j_adams", "j_brown", "x_bob")]
    assert found["(no Blackboard receipt) HW_bob"].path.read_bytes() == solution_bytes()
    for submission in found.values():
        assert any("no Blackboard receipt" in note for note in submission.notes)
        assert submission.lms is None  # round 13: and so no roster entry, no import row
    from autograder.term import save_roster

    out = tmp_path / "bare" / "out"
    save_roster(list(found.values()), out)
    roster = out / "lms" / "students.json"
    assert not roster.exists() or json.loads(roster.read_text()) == {}


def test_round_13_blackboard_usernames_may_hold_any_character_but_spaces(tmp_path):
    """Round 13: ``j_muñoz`` and ``o'neil@uni.edu`` fell through to the generic reader and
    were graded as one student ``Tarea``; each is its own username (from its receipt)."""
    archive = tmp_path / "bb.zip"
    users = ("j_nunez", "j_muñoz", "o'neil@uni.edu", "d'arcy")
    with zipfile.ZipFile(archive, "w") as zipped:
        for number, user in enumerate(users):
            prefix = f"Tarea_{user}_attempt_2026-11-0{number + 1}-09-00-00"
            zipped.writestr(f"{prefix}_{A}.ipynb", solution_bytes() + b" " * number)
            zipped.writestr(f"{prefix}.txt", f"Name: S {number} ({user})\n".encode())
    found = by_student(discover(extract_zip(archive, tmp_path / "x"), [A]))
    assert sorted(found) == sorted(f"(blackboard {user})" for user in users)
    import unicodedata  # round 15: names unzipped decomposed, the receipt's line composed

    decomposed = tmp_path / "nfd"
    for number, user in enumerate(("muñoz", "garcía")):
        prefix = unicodedata.normalize("NFD", f"HW1_{user}_attempt_2026-11-0{number + 1}-09-00-00")
        put(decomposed / f"{prefix}_{A}.ipynb", solution_bytes())
        put(decomposed / f"{prefix}.txt", f"Name: S {number} ({user})\n".encode())
    assert sorted(s.lms.lms_id for s in discover(decomposed, [A])) == ["garcía", "muñoz"]
    for number, user in enumerate(users):
        assert found[f"(blackboard {user})"].lms.lms_id == user
        assert found[f"(blackboard {user})"].path.read_bytes() == solution_bytes() + b" " * number


def test_round_14_canvas_names_keep_their_combining_marks(tmp_path):
    """Round 14: Canvas keeps [[:word:]], combining marks included (a Devanagari vowel sign,
    an accent stored apart); ``\\w`` alone read no LMS in such names and merged two students
    with one display name into one, graded on the other's file."""
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "josé_maría")
    found = {s.student: s for s in discover(_lms_zip(tmp_path, {
        f"kumarअनिल_507_9007_{A}.ipynb": solution_bytes(),
        f"kumarअनिल_510_9010_{A}.ipynb": BLANK,
        f"สุดา_509_9009_{A}.ipynb": BLANK,
        f"{decomposed}_502_9002_{A}.ipynb": BLANK,
    }), [A])}
    assert sorted(s.lms.lms_id for s in found.values()) == ["502", "507", "509", "510"]
    assert found["(canvas 507)"].path.read_bytes() == solution_bytes()
    assert found["(canvas 510)"].path.read_bytes() == BLANK


def test_round_11_a_canvas_name_never_takes_a_classmate_s_id(tmp_path):
    """Round 11: a sortable name that starts with a classmate's name and id
    (``lee_501_9002``), or one longer than the words a name is read with, reads at least two
    ways; a classmate's unambiguous file does not decide it for them, so it is graded under
    its own row (no canvas.csv row) and the classmate's file stays theirs."""
    long_name = "_".join(["lee", "501", "9002"] + ["w"] * 12)
    found = {s.student: s for s in discover(_lms_zip(tmp_path, {
        f"lee_501_9001_{A}.ipynb": solution_bytes(),
        f"lee_501_9002_777_9999_{A}.ipynb": BLANK,
        f"{long_name}_778_9998_{A}.ipynb": BLANK,
    }), [A])}
    assert found["(canvas 501)"].path.read_bytes() == solution_bytes()
    assert len(found) == 3
    others = [s for name, s in found.items() if name != "(canvas 501)"]
    assert all(s.lms is None and s.student.startswith("(unclear Canvas name)") for s in others)


def test_one_oversized_notebook_costs_only_its_student(tmp_path):
    """A single 1 GB member is over the per-file cap: skipped with a note on its student; it
    never counts against the whole zip's cap, so the class is extracted."""
    bomb = zip_bomb(tmp_path / "bomb.zip", 1 << 30)
    with zipfile.ZipFile(bomb, "a") as zipped:
        zipped.writestr(f"ann_{A}.ipynb", solution_bytes())
    found = by_student(discover(extract_zip(bomb, tmp_path / "x"), [A]))
    assert sorted(found) == ["ann", "kim0"]
    assert found["ann"].path.read_bytes() == solution_bytes()
    assert found["kim0"].path is None
    assert "larger than 64 MB uncompressed; not graded" in " ".join(found["kim0"].notes)


def test_zip_that_lies_about_its_sizes_is_refused(tmp_path):
    archive = tmp_path / "liar.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(f"kim_{A}.ipynb", b"\0" * (8 << 20))
    raw = bytearray(archive.read_bytes())
    # shrink the declared size (8 MiB) to 1 KiB in both the local and the central header
    declared = (8 << 20).to_bytes(4, "little")
    assert raw.count(declared) == 2
    archive.write_bytes(bytes(raw).replace(declared, (1024).to_bytes(4, "little")))
    with pytest.raises(ZipRefused):
        extract_zip(archive, tmp_path / "x", max_total=4 << 20)
    assert not (tmp_path / "x").exists()
    with pytest.raises(ZipRefused):  # the per-file cap
        extract_zip(archive, tmp_path / "x", max_member=4 << 20)
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(archive), "--out",
                           str(tmp_path / "out"), "--no-sandbox", "--no-gradebook", "--quiet"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "error: liar.zip" in done.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_a_folder_of_lms_zips_is_an_error_not_an_empty_class(tmp_path):
    """Round 12: a folder (or a zip) holding only LMS zips graded nothing and exited 0."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    with zipfile.ZipFile(folder / "section-a.zip", "w") as zipped:
        zipped.writestr(f"kim_501_9001_{A}.ipynb", solution_bytes())
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(folder), "--out",
                           str(tmp_path / "out"), "--no-sandbox", "--no-gradebook", "--quiet"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "1 zip file(s) (e.g. section-a.zip)" in done.stderr
    put(folder / "moodle" / "Kim Lee_7_assignsubmission_file" / f"{A}.ipynb", solution_bytes())
    put(folder / "moodle" / "Kim Lee_7_assignsubmission_file" / "work.zip", b"PK\x05\x06")
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(folder), "--out",
                           str(tmp_path / "out"), "--no-sandbox", "--no-gradebook", "--quiet"],
                          capture_output=True, text=True, timeout=300)
    assert "warning: section-a.zip is not read (a zip inside" in done.stderr  # round 14
    # review 24 F9: a student's uploaded zip is said to be theirs, not an LMS download
    assert ("moodle/Kim Lee_7_assignsubmission_file/work.zip is not read: a zip uploaded by "
            "(moodle 7)") in done.stderr
    with zipfile.ZipFile(tmp_path / "all.zip", "w") as zipped:
        zipped.write(folder / "section-a.zip", "section-a.zip")
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "all.zip"),
                           "--out", str(tmp_path / "out"), "--no-sandbox", "--no-gradebook",
                           "--quiet"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "no notebook in all.zip" in done.stderr, done.stderr


def test_zip_with_too_many_entries_is_refused(tmp_path):
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for number in range(20_001):
            zipped.writestr(f"d{number}/", b"")
    with pytest.raises(ZipRefused, match="has 20001 entries, more than the cap of 20000"):
        extract_zip(archive, tmp_path / "x", max_entries=20_000)


def test_zip_paths_stay_inside_and_oversized_members_are_named(tmp_path):
    archive = tmp_path / "paths.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(f"../../evil_{A}.ipynb", TINY)
        zipped.writestr(f"/abs/ann_{A}.ipynb", TINY)
        zipped.writestr(f"__MACOSX/._ann_{A}.ipynb", b"junk")
        zipped.writestr(f"big_{A}.ipynb", b" " * 2048)
    target = extract_zip(archive, tmp_path / "x", max_member=1024)
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*.ipynb")) == [
        f"abs/ann_{A}.ipynb", f"evil_{A}.ipynb"]
    found = by_student(discover(target, [A]))
    assert sorted(found) == ["ann", "big", "evil"]
    assert found["big"].path is None
    assert found["big"].notes == [f"big_{A}.ipynb: larger than 0 MB uncompressed; not graded",
                                  "no submission for this notebook"]


def test_same_named_files_in_two_folders_are_both_kept(tmp_path):
    archive = tmp_path / "groups.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(f"groupA/kim_{A}.ipynb", solution_bytes())
        zipped.writestr(f"groupB/kim_{A}.ipynb", BLANK)
        zipped.writestr(f"groupA/lee_{A}.ipynb", solution_bytes())
        zipped.writestr(f"groupB/lee_{A}.ipynb", solution_bytes())  # the same file twice
        zipped.writestr(f"ann_{A}.ipynb", solution_bytes())
        zipped.writestr(f"ann_{A}.ipynb", BLANK)  # a zip may hold one name twice
    target = extract_zip(archive, tmp_path / "x")
    found = by_student(discover(target, [A]))
    assert sorted(found) == ["ann", "ann (duplicate-2)", "kim (groupA)", "kim (groupB)", "lee"]
    assert found["kim (groupA)"].path == target / "groupA" / f"kim_{A}.ipynb"
    assert found["kim (groupB)"].path == target / "groupB" / f"kim_{A}.ipynb"
    assert found["kim (groupA)"].path.read_bytes() == solution_bytes()
    assert found["kim (groupB)"].path.read_bytes() == BLANK
    assert found["kim (groupB)"].notes == [
        "the id 'kim' has different files of the same name in several folders: each folder "
        "is graded as its own student; this is 'kim (groupB)'"]
    assert found["lee"].notes == [f"groupB/lee_{A}.ipynb: the same file as "
                                  f"groupA/lee_{A}.ipynb; graded once"]
    assert found["ann"].path.read_bytes() == solution_bytes()
    assert found["ann (duplicate-2)"].path.read_bytes() == BLANK


# --- malformed files ---------------------------------------------------------------------


def deep(depth: int) -> bytes:
    return (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"metadata": '
            + b"[" * depth + b"]" * depth + b"}]}")


def graded_indices() -> list[int]:
    notebook = json.loads(solution_bytes())
    return [i for i, c in enumerate(notebook["cells"]) if "nbgrader" in c["metadata"]]


def bad_grade_id() -> bytes:
    """Two junk cells first, then a list grade_id, a string nbgrader and a list metadata."""
    notebook = json.loads(solution_bytes())
    first, second, third = graded_indices()[:3]
    notebook["cells"][first]["metadata"]["nbgrader"]["grade_id"] = ["x"]
    notebook["cells"][second]["metadata"]["nbgrader"] = "not a dict"
    notebook["cells"][third]["metadata"] = [1, 2]
    notebook["cells"].insert(0, 42)
    notebook["cells"].insert(0, ["a", "list"])
    return json.dumps(notebook).encode()


MALFORMED = {"deep": deep(200_000), "deepish": deep(900), "gradeid": bad_grade_id(),
             "cells": b'{"nbformat": 4, "nbformat_minor": 5, "metadata": [], "cells": 7}',
             "kernel": b'{"nbformat": 4, "nbformat_minor": 5, "cells": [], '
                       b'"metadata": {"kernelspec": ["x"]}}'}


def test_malformed_files_affect_only_their_own_student(tmp_path):
    export = tmp_path / "export"
    for student, data in MALFORMED.items():
        put(export / f"{student}_{A}.ipynb", data)
        put(export / f"{student}_scratch.ipynb", data)  # recognised only from its content
    put(export / f"ok_{A}.ipynb", solution_bytes())
    found = by_student(discover(export, [A]))
    assert sorted(found) == sorted([*MALFORMED, "ok"])
    for student, submission in found.items():
        notebook, notes = read_submission(submission.path.read_bytes())
        cells, tests, more = assemble(A, notebook)
        if student == "ok":
            assert notes == [] and more == []
            assert sum(c["label"] == "answer cell 'sigmoid'" and c["source"] ==
                       SOLUTION["sigmoid"] for c in cells) == 1
        assert len(tests) == 11
    notebook, notes = read_submission(MALFORMED["deep"])
    assert notebook is None
    assert notes == ["the file is not a readable notebook: its JSON is nested too deeply"]
    notebook, notes = read_submission(MALFORMED["gradeid"])
    assert notebook is not None
    first, second = (i + 3 for i in graded_indices()[:2])  # 1-based, after two junk cells
    assert notes == ["cell 1 is not a notebook cell (list): ignored",
                     "cell 2 is not a notebook cell (int): ignored",
                     f"cell {first} has a malformed grade_id (list): ignored",
                     f"cell {second} has malformed nbgrader metadata: ignored"]
    assert read_submission(MALFORMED["cells"])[0] is None


def test_answer_cell_retyped_to_markdown_or_raw_is_restored_to_code():
    notebook = filled_notebook(A, SOLUTION)
    for cell in notebook.cells:
        grade = grade_id(cell)
        if grade in ("sigmoid", "neuron"):
            cell.cell_type = "markdown" if grade == "sigmoid" else "raw"
            del cell["outputs"], cell["execution_count"]
    notebook, notes = read_submission(nbformat.writes(notebook).encode())
    cells, _, more = assemble(A, notebook)
    sources = {c["label"]: c["source"] for c in cells}
    assert sources["answer cell 'sigmoid'"] == SOLUTION["sigmoid"]
    assert sources["answer cell 'neuron'"] == SOLUTION["neuron"]
    assert more == [
        "answer cell 'sigmoid' was turned into a markdown cell: restored to code from its "
        "nbgrader metadata",
        "answer cell 'neuron' was turned into a raw cell: restored to code from its nbgrader "
        "metadata"]


# --- reports ---------------------------------------------------------------------------------


def record(student: str, reason: str, note: str, hint: str = "") -> dict:
    return {"student": student, "assignment": A, "points": 1.0, "max_points": 2.0,
            "notes": [note], "tests": [{"test": "test_sigmoid_values", "points": 1.0,
                                        "max_points": 2.0, "reason": reason, "hint": hint}]}


def test_reports_escape_formulas_and_survive_any_text(tmp_path):
    records = [
        record("=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)"),
        record("Zoë", "a lone surrogate \udc80 and \ud800", "bad \x00 nul \x1b[31m",
               "\udcff"),
        record("ok", "x" * 1_000_000, "\tTab first", "fine"),
        record("\rcr", "=1", "", ""),
        record("liar", "x\nkim,01_neuron_and_xor,0,2,forged", "y\nkim,01,0,2", ""),
    ]
    write_csvs(records, tmp_path)
    write_feedback(records, tmp_path)
    with open(tmp_path / "grades.csv", encoding="utf-8", newline="") as handle:
        grades = list(csv.reader(handle))
    with open(tmp_path / "tests.csv", encoding="utf-8", newline="") as handle:
        tests = list(csv.reader(handle))
    assert [row[0] for row in grades[1:]] == ["'=HYPERLINK(\"http://x\")", "Zoë", "ok",
                                              "\ufffdcr", "liar"]
    # a newline in a student's text never starts a made-up row for a line-based reader
    lines = (tmp_path / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(grades) and not any(line.startswith("kim,") for line in lines)
    notes = grades[0].index("notes")
    assert grades[5][notes] == "y \u23ce kim,01,0,2"
    assert len((tmp_path / "tests.csv").read_text(encoding="utf-8").splitlines()) == len(tests)
    assert [row[notes] for row in grades[1:]] == ["'-2+3", "bad \ufffd nul \ufffd[31m",
                                              "'\tTab first", "", "y \u23ce kim,01,0,2"]
    assert tests[1][5] == "'+1+1"
    assert tests[2][5] == "a lone surrogate \ufffd\ufffd\ufffd and \ufffd\ufffd\ufffd"
    assert len(tests[3][5]) == MAX_FIELD and tests[3][5].endswith("(truncated)")
    assert tests[4][5] == "'=1"
    assert [row[2:4] for row in grades[1:]] == [["1", "2"]] * 5  # numbers are not escaped
    assert [row[4] for row in grades[1:]] == [f"{manual_max_points(A):g}"] * 5
    page = (tmp_path / "feedback" / "Zoë" / f"{A}.html").read_text(encoding="utf-8")
    assert "\ufffd" in page
    for path in tmp_path.rglob("*.*"):
        path.read_bytes().decode("utf-8")  # valid UTF-8 everywhere
    assert clean("\udc80" * 10_000, limit=100) == "\ufffd" * 86 + " \u2026 (truncated)"


def test_an_unencodable_cell_costs_no_one_their_autograded_notebook(tmp_path, monkeypatch):
    """A lone surrogate (JSON can carry one) in a markdown cell: that student's autograded
    notebook is written with U+FFFD, and every student after them still gets theirs."""
    from autograder import autograded

    monkeypatch.setattr(autograded, "_save_auto_grades", lambda *args: None)
    notebook = json.loads(solution_bytes())
    notebook["cells"].insert(1, {"cell_type": "markdown", "metadata": {},
                                 "source": "my notes \ud800 here"})
    odd = put(tmp_path / "in" / "odd" / A / f"{A}.ipynb",
              json.dumps(notebook).encode("utf-8", "surrogatepass"))
    after = put(tmp_path / "in" / "zed" / A / f"{A}.ipynb", solution_bytes())
    submissions = [Submission("odd", A, odd, []), Submission("zed", A, after, [])]
    records = [{"student": s.student, "assignment": A, "tests": []} for s in submissions]
    problems: list[str] = []
    written = autograded.write_autograded(submissions, records, tmp_path / "work", problems)
    assert problems == [] and len(written) == 2
    text = written[0].read_text(encoding="utf-8")
    assert json.loads(text)["cells"][1]["source"] in (["my notes \ufffd\ufffd\ufffd here"],
                                                      "my notes \ufffd\ufffd\ufffd here")
    assert nbformat.reads(written[1].read_text(encoding="utf-8"), as_version=4).cells


# --- LMS exports, read by each LMS's own naming (issue 21, item 6; issue 24) ---------------


def lms_export(root: Path) -> dict[str, Path]:
    """A made-up class downloaded from each LMS: Moodle (folders and flat), Canvas (one
    late), Blackboard (with receipts), each download in its own folder (an export is read
    with one LMS's naming per folder). Returns the student's LMS key -> their graded file."""
    moodle, canvas, blackboard = root / "moodle", root / "canvas", root / "blackboard"
    files = {
        "moodle:1001": put(moodle / "Kim Lee_1001_assignsubmission_file" / f"{A}.ipynb",
                           solution_bytes()),
        "moodle:1002": put(
            moodle / "Kim Lee_1002_assignsubmission_file" / "work" / f"{A}.ipynb", BLANK),
        "moodle:1003": put(moodle / f"Ann Bo_1003_assignsubmission_file_{A}.ipynb",
                           solution_bytes()),
        "canvas:501": put(canvas / f"leekim_501_9001_{A}.ipynb", solution_bytes()),
        "canvas:502": put(canvas / f"leekim_LATE_502_9002_{A}-1.ipynb", BLANK),
        "blackboard:kim_lee": put(
            blackboard / f"Notebook 1_kim_lee_attempt_2026-12-01-10-00-00_{A}.ipynb",
            solution_bytes()),
    }
    put(blackboard / "Notebook 1_kim_lee_attempt_2026-12-01-10-00-00.txt",
        b"Name: Kim Lee (kim_lee)\nAssignment: Notebook 1\n")
    return files


def test_each_lms_names_its_students_by_its_own_id(tmp_path):
    files = lms_export(tmp_path / "export")
    found = {f"{s.lms.lms}:{s.lms.lms_id}": s for s in discover(tmp_path / "export", [A])}
    assert sorted(found) == sorted(files)
    for key, path in files.items():
        assert found[key].path == path, key
    assert found["moodle:1001"].student != found["moodle:1002"].student  # same display name
    assert found["canvas:501"].student != found["canvas:502"].student
    assert found["canvas:502"].lms.late and not found["canvas:501"].lms.late
    assert found["blackboard:kim_lee"].student == "(blackboard kim_lee)"  # the receipt's username
    assert found["blackboard:kim_lee"].timestamp.isoformat() == "2026-12-01T10:00:00+00:00"
    # a folder someone else unzipped: its files' times are when it was unzipped, not when
    # the students submitted, so only a time the LMS wrote in a name counts
    assert [k for k, s in found.items() if s.timestamp is not None] == ["blackboard:kim_lee"]


def _zipped(folder: Path, archive: Path, date_time=(2026, 12, 2, 9, 30, 0)) -> Path:
    with zipfile.ZipFile(archive, "w") as zipped:
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(file.relative_to(folder).as_posix(), date_time=date_time)
            zipped.writestr(info, file.read_bytes())
    return archive


@pytest.mark.parametrize("machine_zone", ["UTC", "America/New_York", "Asia/Tokyo"])
def test_lms_times_are_read_in_the_course_zone_never_the_machine_s(tmp_path, monkeypatch,
                                                                    machine_zone):
    """A zip entry's date and Blackboard's attempt date carry no zone: they are read in
    ``[lms] time_zone`` of duedates.toml (here Europe/Berlin, UTC+1 in December), the same on
    every grading machine."""
    from autograder.submissions import extract_zip

    lms_export(tmp_path / "export")
    archive = _zipped(tmp_path / "export", tmp_path / "class.zip")
    settings = tmp_path / "duedates.toml"
    settings.write_text('[lms]\ntime_zone = "Europe/Berlin"\n')
    monkeypatch.setenv("NNCOURSE_DUEDATES", str(settings))
    monkeypatch.setenv("TZ", machine_zone)
    time.tzset()
    try:
        found = {f"{s.lms.lms}:{s.lms.lms_id}": s
                 for s in discover(extract_zip(archive, tmp_path / "out"), [A])}
    finally:
        monkeypatch.undo()
        time.tzset()
    assert found["canvas:501"].timestamp is None  # Canvas's zip dates are its own making
    assert "Canvas marked this submission late" in " ".join(found["canvas:502"].notes)
    assert found["moodle:1001"].timestamp.isoformat() == "2026-12-02T08:30:00+00:00"
    assert found["blackboard:kim_lee"].timestamp.isoformat() == "2026-12-01T09:00:00+00:00"


def test_a_classmate_named_subfolder_in_a_moodle_export_stays_its_uploaders(tmp_path):
    """Mallory's upload holds a folder shaped like Alice's Moodle folder, with a blank
    notebook in it: the outermost folder, which Moodle wrote, names the student."""
    export = tmp_path / "export"
    alice = put(export / "Alice Honest_1001_assignsubmission_file" / f"{A}.ipynb",
                solution_bytes())
    put(export / "Mallory_1002_assignsubmission_file" / "Alice Honest_1001_assignsubmission_file"
        / f"{A}.ipynb", BLANK)
    found = by_student(discover(export, [A]))
    assert sorted(found) == sorted(["(moodle 1001)", "(moodle 1002)"])
    assert found["(moodle 1001)"].path == alice
    assert found["(moodle 1001)"].notes == []
    assert found["(moodle 1002)"].path.read_bytes() == BLANK


def test_a_student_folder_named_like_a_notebook_switches_nothing(tmp_path):
    """One student's folder named after the notebook id used to switch the whole export to
    nbgrader's layout (the class 0/11): the layout is decided per file."""
    export = tmp_path / "export"
    put(export / "Kim Lee_1001_assignsubmission_file" / f"{A}.ipynb", solution_bytes())
    put(export / "Eve_1002_assignsubmission_file" / A / f"{A}.ipynb", BLANK)
    put(export / f"Ann Bo_1003_assignsubmission_file_{A}.ipynb", solution_bytes())
    put(export / "canvas" / f"leekim_501_9001_{A}.ipynb", solution_bytes())
    found = by_student(discover(export, [A]))
    assert sorted(found) == sorted(["(moodle 1003)", "(moodle 1002)",
                             "(moodle 1001)", "(canvas 501)"])
    for student in ("(moodle 1003)", "(moodle 1001)", "(canvas 501)"):
        assert found[student].path.read_bytes() == solution_bytes(), student
    assert found["(moodle 1002)"].path.read_bytes() == BLANK


def test_two_students_with_the_same_display_name_stay_apart(tmp_path):
    export = tmp_path / "export"
    first = put(export / "Kim Lee_1001_assignsubmission_file" / f"{A}.ipynb", solution_bytes())
    second = put(export / "Kim Lee_1002_assignsubmission_file" / f"{A}.ipynb", BLANK)
    found = by_student(discover(export, [A]))
    assert found["(moodle 1001)"].path == first
    assert found["(moodle 1002)"].path == second
    assert found["(moodle 1001)"].notes == found["(moodle 1002)"].notes == []


def test_a_zip_name_clash_or_a_deep_path_costs_only_that_file(tmp_path):
    archive = tmp_path / "clash.zip"
    deep_path = "/".join(["d" * 200] * 30) + f"/x_{A}.ipynb"  # > PATH_MAX
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(f"Kim Lee_1001_assignsubmission_file/{A}.ipynb", solution_bytes())
        zipped.writestr(f"Eve_1002_assignsubmission_file/{A}.ipynb", BLANK)
        zipped.writestr(f"Eve_1002_assignsubmission_file/{A}.ipynb/{A}.ipynb", BLANK)
        zipped.writestr(f"Eve_1002_assignsubmission_file/{deep_path}", BLANK)
        zipped.writestr(f"Ann Bo_1003_assignsubmission_file_{A}.ipynb", solution_bytes())
    target = extract_zip(archive, tmp_path / "x")
    found = by_student(discover(target, [A]))
    assert sorted(found) == sorted(["(moodle 1003)", "(moodle 1002)",
                             "(moodle 1001)"])
    assert found["(moodle 1001)"].path.read_bytes() == solution_bytes()
    assert found["(moodle 1003)"].path.read_bytes() == solution_bytes()
    eve = found["(moodle 1002)"]
    assert eve.path.read_bytes() == BLANK
    assert sum("could not be extracted" in note for note in eve.notes) == 2, eve.notes


def test_an_unreachable_file_costs_only_that_file(tmp_path):
    """A folder nested deeper than the system's path limit (ENAMETOOLONG when it is listed)
    is a note on its student's row; everyone else is graded."""
    export = tmp_path / "export"
    put(export / f"ann_{A}.ipynb", solution_bytes())
    put(export / "Eve_1002_assignsubmission_file" / f"{A}.ipynb", BLANK)
    descriptor = os.open(export / "Eve_1002_assignsubmission_file", os.O_RDONLY)
    try:
        for _ in range(40):  # 40 x 201 bytes: beyond PATH_MAX (4096)
            os.mkdir("d" * 200, dir_fd=descriptor)
            inner = os.open("d" * 200, os.O_RDONLY, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
    finally:
        os.close(descriptor)
    found = by_student(discover(export, [A]))
    assert sorted(found) == sorted(["(moodle 1002)", "ann"])
    assert found["ann"].path is not None and found["ann"].notes == []
    eve = found["(moodle 1002)"]
    assert eve.path.read_bytes() == BLANK
    assert any("could not be read (File name too long)" in note for note in eve.notes), \
        eve.notes


def test_the_expected_name_wins_a_tie_of_zip_dates(tmp_path):
    """Files of one student with the same zip date: the exactly named upload is graded, not
    ``old_<id>``, not a copy in a scratch folder, not a file named like a classmate's Moodle
    upload inside the student's own folder."""
    from autograder.submissions import extract_zip

    export = tmp_path / "export"
    right = solution_bytes()
    put(export / f"smithjohn_101_9001_{A}.ipynb", right)
    put(export / f"smithjohn_101_9002_old_{A}.ipynb", BLANK)
    put(export / f"smithjohn_101_9003_test_{A}.ipynb", BLANK)
    folder = export / "Jane Doe_202_assignsubmission_file"
    put(folder / f"{A}.ipynb", right)
    put(folder / "scratch" / f"{A}.ipynb", BLANK)
    put(folder / f"John Smith_201_assignsubmission_file_{A}.ipynb", BLANK)
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for file in sorted(p for p in export.rglob("*") if p.is_file()):
            zipped.writestr(zipfile.ZipInfo(file.relative_to(export).as_posix(),
                                            date_time=(2026, 12, 2, 9, 30, 0)),
                            file.read_bytes())
    found = {f"{s.lms.lms}:{s.lms.lms_id}": s
             for s in discover(extract_zip(archive, tmp_path / "out"), [A])}
    assert found["canvas:101"].path.name == f"smithjohn_101_9001_{A}.ipynb"
    assert found["moodle:202"].path.read_bytes() == right
    assert found["moodle:202"].path.parent.name == "Jane Doe_202_assignsubmission_file"


def test_a_file_name_never_hands_work_to_a_classmate(tmp_path):
    """Names below the part the LMS (or nbgrader) wrote are the student's own: a Blackboard
    upload named with another ``_attempt_``, and files in nbgrader's ``<student>/<id>/``
    named like an LMS export or kept in a subfolder, all stay their uploader's."""
    bb = tmp_path / "bb"
    put(bb / f"HW1_alice_attempt_2026-12-01-10-00-00_x_bob_attempt_2027-01-01-00-00-00_{A}"
        ".ipynb", solution_bytes())
    put(bb / f"HW1_bob_attempt_2026-12-01-11-00-00_{A}.ipynb", BLANK)
    for user, hour in (("alice", "10"), ("bob", "11")):  # Blackboard's receipts
        put(bb / f"HW1_{user}_attempt_2026-12-01-{hour}-00-00.txt", f"Name: {user} ({user})\n"
            .encode())
    found = {s.student: s for s in discover(bb, [A])}
    assert sorted(found) == ["(blackboard alice)", "(blackboard bob)"]
    assert found["(blackboard alice)"].timestamp.isoformat() == "2026-12-01T10:00:00+00:00"
    assert found["(blackboard bob)"].path.name.startswith("HW1_bob_attempt_2026-12-01-11")

    nb = tmp_path / "submitted"
    put(nb / "alice" / A / "sub" / f"dave_{A}.ipynb", solution_bytes())
    put(nb / "bob" / A / f"bob_5_6_{A}.ipynb", solution_bytes())
    put(nb / "eve" / A / f"Bob Smith_91_assignsubmission_file_{A}.ipynb", solution_bytes())
    put(nb / "carol" / A / "work" / f"{A}.ipynb", solution_bytes())
    put(nb / "dan" / A / f"{A}.ipynb", solution_bytes())
    put(nb / "dan" / A / "old" / f"{A}.ipynb", BLANK)
    found = {s.student: s for s in discover(nb, [A])}
    assert sorted(found) == ["alice", "bob", "carol", "dan", "eve"]
    assert all(s.path is not None and s.lms is None for s in found.values())
    assert found["dan"].path == nb / "dan" / A / f"{A}.ipynb"


def test_canvas_names_as_canvas_writes_them(tmp_path):
    """Canvas lower-cases its names (``lee_late_101_...``) and leaves the name out for an
    anonymous assignment (``<user id>_<attachment id>_<file>``)."""
    export = tmp_path / "canvas"
    put(export / f"lee_late_101_5001_{A}.ipynb", solution_bytes())
    put(export / f"lee_102_5002_{A}.ipynb", solution_bytes())
    put(export / f"103_5003_{A}.ipynb", solution_bytes())
    found = {s.lms.lms_id: s for s in discover(export, [A]) if s.lms is not None}
    assert sorted(found) == ["101", "102", "103"]
    assert found["101"].lms.late and not found["102"].lms.late
    assert found["103"].lms.uploaded == f"{A}.ipynb"


# --- review of the LMS reading: nested names, Canvas's ``_`` names, Blackboard's -----------


def _lms_zip(tmp_path: Path, members: dict[str, bytes], name: str = "class.zip") -> Path:
    archive = tmp_path / name
    with zipfile.ZipFile(archive, "w") as zipped:
        for member, data in members.items():
            zipped.writestr(zipfile.ZipInfo(member, date_time=(2026, 12, 2, 9, 30, 0)), data)
    return extract_zip(archive, tmp_path / "x")


def test_the_outermost_lms_name_owns_everything_below_it(tmp_path):
    """A Canvas or Blackboard upload named like a classmate's file (with ``\\`` or ``/``) stays
    the uploader's: the outermost part an LMS's naming matches names the student."""
    found = {s.student: s for s in discover(_lms_zip(tmp_path, {
        f"mallory_503_9003_x\\leealice_501_9001_{A}.ipynb": BLANK,
        f"HW1_eve_attempt_2026-12-01-10-00-00_x/HW1_alice_attempt_2026-12-01-10-00-00_{A}"
        ".ipynb": BLANK,
        f"course/leebob_502_9002_{A}.ipynb": solution_bytes(),  # the instructor's folder
        "HW1_eve_attempt_2026-12-01-10-00-00.txt": b"Name: Eve E (eve)\n",  # its receipt
    }), [A])}
    assert sorted(found) == sorted(["(blackboard eve)", "(canvas 502)", "(canvas 503)"])
    assert found["(canvas 503)"].lms.lms_id == "503"
    assert found["(blackboard eve)"].lms.lms == "blackboard"
    assert found["(canvas 502)"].path.read_bytes() == solution_bytes()


def test_canvas_names_may_hold_underscores_and_digits(tmp_path):
    """Canvas keeps [[:word:]] in a name (``_`` and digits): an honest ``smith_jonesann`` is
    Canvas user 504; ``x_501`` cannot take classmate 501's id (501 is leealice's in an
    unambiguous file); in a download whose files carry names, ``12345_678_9003_...`` is
    the student named ``12345`` (user 678), not an anonymous reading; a name that still
    reads two ways, one of them a classmate's id, gets its own row, a note, no canvas.csv
    row."""
    export = _lms_zip(tmp_path, {
        f"smith_jonesann_504_9001_{A}.ipynb": solution_bytes(),
        f"leealice_501_9002_{A}.ipynb": solution_bytes(),
        f"x_501_777_9999_{A}.ipynb": BLANK,
        f"12345_678_9003_{A}.ipynb": BLANK,
        f"leealice_501_9004_888_9005_{A}.ipynb": BLANK,
    })
    found = {s.student: s for s in discover(export, [A])}
    assert sorted(found) == sorted([
        f"(unclear Canvas name) leealice_501_9004_888_9005_{A}.ipynb", "(canvas 501)",
        "(canvas 504)", "(canvas 777)", "(canvas 678)"])
    assert found["(canvas 504)"].path.read_bytes() == solution_bytes()
    assert found["(canvas 501)"].path.read_bytes() == solution_bytes()
    assert found["(canvas 678)"].lms.name == "12345"
    unclear = found[f"(unclear Canvas name) leealice_501_9004_888_9005_{A}.ipynb"]
    assert unclear.lms is None and unclear.path is not None
    assert any("Canvas name could be read more than one way; check who submitted it" in n
               for n in unclear.notes), unclear.notes


GRADEBOOK_EXPORT = ("Student,ID,SIS User ID,SIS Login ID,Section,01_neuron_and_xor\n"
                    "    Points Possible,,,,,13\n"
                    "\"Smith, Anna\",1001,,,A,\n\"Lee, Bob\",1002,,,A,\n"
                    "\"Nguyen, Dan\",1004,,,A,\n\"Ortiz, Eve\",1005,,,A,\n"
                    "\"Zed, Mallory\",1007,,,A,\n\"Carol, Ann\",1003,,,A,\n")
"""Canvas's gradebook export (Grades > Export): ``Student`` is the sortable name."""


def test_canvas_uploads_named_with_digits_keep_their_student_s_row(tmp_path):
    """Rev 16 F3: Canvas writes ``<name>_<user id>_<attachment id>_<original name>``: the
    first two numeric fields after the name are the ids, whatever the student's own file
    name starts with (their student number, a year). Review 24b H1: a sortable name may be
    the student's own (``carol_1003_5003``), so such a name reads as two students and is
    unclear (never the first reading by guess) unless the instructor's roster (Canvas's
    gradebook export) decides it: then each student gets their own row with their own
    file."""
    from autograder.lms import canvas_roster

    members = {
        f"smithanna_1001_5001_20231234_{A}.ipynb": solution_bytes(),
        f"leebob_1002_5002_{A}.ipynb": BLANK,
        f"nguyendan_1004_5004_2027_12_{A}.ipynb": solution_bytes(),
        f"ortizeve_late_1005_5005_2023001_01_{A}-1.ipynb": solution_bytes(),
    }
    export = _lms_zip(tmp_path, members)
    found = {s.student: s for s in discover(export, [A])}
    assert sorted(s for s in found if not s.startswith("(unclear Canvas name)")) == [
        "(canvas 1002)"]
    (tmp_path / "gradebook.csv").write_text(GRADEBOOK_EXPORT, encoding="utf-8-sig")
    roster = canvas_roster(tmp_path / "gradebook.csv")
    assert roster["1001"] == "smithanna" and "" not in roster
    found = {s.student: s for s in discover(export, [A], canvas_roster=roster)}
    assert sorted(found) == ["(canvas 1001)", "(canvas 1002)", "(canvas 1004)",
                             "(canvas 1005)"]
    assert found["(canvas 1001)"].lms.uploaded == f"20231234_{A}.ipynb"
    assert found["(canvas 1001)"].path.read_bytes() == solution_bytes()
    assert found["(canvas 1004)"].lms.name == "nguyendan"
    assert found["(canvas 1005)"].lms.late
    assert all(s.lms is not None and s.lms.importable for s in found.values())


def test_no_two_rows_of_an_import_file_share_an_lms_id(tmp_path, capsys):
    """Whatever the roster holds (two runs, two readings), an LMS id two students claim gets
    no row at all, and the instructor is warned."""
    from autograder.term import write_lms_files

    out = tmp_path / "out"
    (out / "lms").mkdir(parents=True)
    roster = {"leealice (canvas 501)": {"lms": "canvas", "id": "501", "name": "leealice"},
              "x (canvas 501)": {"lms": "canvas", "id": "501", "name": "x"},
              "bo (canvas 503)": {"lms": "canvas", "id": "503", "name": "bo"},
              "Kim (moodle 7)": {"lms": "moodle", "id": "7", "name": "Kim"},
              "Eve (moodle 7)": {"lms": "moodle", "id": "7", "name": "Eve"},
              "ann": {"lms": "blackboard", "id": "ann", "name": "Ann Bo"}}
    (out / "lms" / "students.json").write_text(json.dumps(roster))
    records = [{"student": s, "assignment": A, "points": 3.0, "max_points": 11.0}
               for s in roster]
    write_lms_files(records, out, None)
    for path in (out / "lms").glob("*.csv"):
        with open(path, encoding="utf-8", newline="") as handle:
            table = list(csv.reader(handle))
        ids = [row[1] if path.name.startswith("canvas") else row[0] for row in table[1:]]
        ids = [i for i in ids if i]
        assert len(ids) == len(set(ids)), (path.name, ids)
        assert "501" not in ids and "Participant 7" not in ids and "7" not in ids, path.name
    with open(out / "lms" / "canvas.csv", encoding="utf-8") as handle:
        assert [r["ID"] for r in csv.DictReader(handle)] == ["", "503"]
    assert "canvas id 501 is claimed by 2 students" in capsys.readouterr().err


def test_blackboard_is_read_before_canvas_and_its_usernames_are_plain(tmp_path):
    """A Blackboard assignment named ``Lab_1`` made the name fit Canvas's; ``_attempt_<date>``
    is Blackboard's alone, so it is read first. A receipt's username with a space or
    parenthesis is no Blackboard username."""
    export = tmp_path / "bb"
    put(export / f"Lab_1_20231234_attempt_2026-11-30-09-00-00_{A}.ipynb", solution_bytes())
    put(export / "Lab_1_20231234_attempt_2026-11-30-09-00-00.txt",
        b"Name: Ann Bo (20231234)\n")
    put(export / f"HW_x (canvas 5)_attempt_2026-11-30-09-00-00_{A}.ipynb", BLANK)
    found = {s.student: s for s in discover(export, [A])}
    assert found["(blackboard 20231234)"].lms.lms == "blackboard"
    assert found["(blackboard 20231234)"].lms.name == "Ann Bo"
    assert all(s.lms is None or s.lms.lms_id != "x (canvas 5)" for s in found.values())
    assert "x (canvas 5)" not in found
    assert "(canvas 5)" not in found


def test_canvas_anonymous_names_are_never_moodle_s(tmp_path):
    """``<user id>_<attachment>_<upload>`` whose upload starts ``assignsubmission_file_`` is
    Canvas's anonymous form (Moodle's full name holds a non-digit); ``late_<id>_...`` is
    Canvas's anonymous late form."""
    export = tmp_path / "canvas"
    put(export / f"501_9001_assignsubmission_file_{A}.ipynb", solution_bytes())
    put(export / f"late_502_9002_{A}.ipynb", solution_bytes())
    found = {s.lms.lms_id: s for s in discover(export, [A]) if s.lms is not None}
    assert sorted(found) == ["501", "502"]
    assert {s.lms.lms for s in found.values()} == {"canvas"}
    assert found["502"].lms.late and found["502"].lms.name == "anonymous"
    assert not found["501"].lms.late


def test_a_long_upload_name_keeps_the_lms_s_part(tmp_path):
    """A name over 200 bytes: only the student's uploaded part is shortened, the LMS's
    prefix is kept (Moodle's participant id, a Cyrillic Canvas name's user id)."""
    long = "x" * 230
    export = _lms_zip(tmp_path, {
        f"moodle/José Ñandú_13_assignsubmission_file_{long}_{A}.ipynb": solution_bytes(),
        f"canvas/{'иван' * 30}_601_9001_{long}_{A}.ipynb": solution_bytes(),
        f"canvas/{'мария' * 50}_602_9002_{A}.ipynb": solution_bytes(),  # prefix alone > 200
    })
    submissions = [s for s in discover(export, [A]) if s.assignment == A]
    found = {f"{s.lms.lms}:{s.lms.lms_id}": s for s in submissions if s.lms is not None}
    assert sorted(found) == ["canvas:601", "canvas:602", "moodle:13"]
    assert len(submissions) == 3
    assert found["moodle:13"].student == "(moodle 13)"
    assert found["canvas:601"].student == "(canvas 601)"
    assert found["canvas:601"].lms.name == "иван" * 30
    assert found["moodle:13"].path.name.startswith("José Ñandú_13_assignsubmission_file_")
    assert all(s.path.read_bytes() == solution_bytes() for s in submissions)
    assert any("stored shortened" in n for n in found["moodle:13"].notes)
    assert any("longer than 200 bytes" in n for n in found["canvas:602"].notes)


def test_blackboard_attempts_are_ordered_by_the_attempt_date(tmp_path):
    """The later attempt (by the date Blackboard wrote in its name) is graded, whatever the
    zip entries' dates."""
    archive = tmp_path / "bb.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(zipfile.ZipInfo(f"HW1_kim_attempt_2026-12-02-10-00-00_{A}.ipynb",
                                        date_time=(2026, 1, 1, 0, 0, 0)), solution_bytes())
        zipped.writestr(zipfile.ZipInfo(f"HW1_kim_attempt_2026-12-01-10-00-00_{A}.ipynb",
                                        date_time=(2026, 12, 31, 0, 0, 0)), BLANK)
        for day in ("01", "02"):
            zipped.writestr(f"HW1_kim_attempt_2026-12-{day}-10-00-00.txt", b"Name: K (kim)\n")
    found = by_student(discover(extract_zip(archive, tmp_path / "x"), [A]))
    assert found["(blackboard kim)"].path.read_bytes() == solution_bytes()
    assert found["(blackboard kim)"].timestamp.isoformat() == "2026-12-02T10:00:00+00:00"


def test_due_dates_without_a_zone_are_read_in_the_course_zone(tmp_path):
    """``[lms] time_zone`` is the course's zone: a due time without a zone is read in it, a
    date alone is the end of that day there; a malformed file or an unknown zone is an
    error, never UTC or silence."""
    from autograder.term import SettingsError, due_dates

    settings = tmp_path / "duedates.toml"
    settings.write_text('"a" = "2027-01-15T23:59:00"\n"b" = "2027-01-15"\n'
                        '"c" = "2027-01-15T12:00:00+00:00"\nd = 2027-01-15T10:00:00\n'
                        '[lms]\ntime_zone = "Europe/Berlin"\n')
    dates = {k: v.isoformat() for k, v in due_dates(settings).items()}
    assert dates == {"a": "2027-01-15T22:59:00", "b": "2027-01-15T22:59:59",
                     "c": "2027-01-15T12:00:00", "d": "2027-01-15T09:00:00"}
    settings.write_text('"a" = "2027-01-15"\n[lms]\ntime_zone = "Mars/Olympus"\n')
    with pytest.raises(SettingsError, match="Mars/Olympus"):
        due_dates(settings)
    settings.write_text('"a" = "2027-01-15\n')
    with pytest.raises(SettingsError, match="cannot be read"):
        due_dates(settings)
    settings.write_text('"a" = "next friday"\n')
    with pytest.raises(SettingsError, match="not an ISO 8601"):
        due_dates(settings)


def test_a_bad_duedates_file_stops_grade_with_one_line(tmp_path):
    settings = tmp_path / "duedates.toml"
    settings.write_text('[lms]\ntime_zone = "Mars/Olympus"\n')
    put(tmp_path / "sub" / f"ann_{A}.ipynb", BLANK)
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "sub"),
                           "--out", str(tmp_path / "out"), "--no-sandbox", "--no-gradebook",
                           "--quiet"], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, NNCOURSE_DUEDATES=str(settings)))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "Mars/Olympus" in done.stderr
    # review 24 F10: a due date under no notebook's id was ignored (nobody late), for
    # grade and lms alike
    settings.write_text('"01_neuron_xor" = "2027-01-15"\n')
    for command in (["grade", str(tmp_path / "sub"), "--out", str(tmp_path / "out"),
                     "--no-sandbox", "--no-gradebook", "--quiet"],
                    ["lms", "--out", str(tmp_path / "out"), "--course-work", str(tmp_path)]):
        done = subprocess.run([sys.executable, "-m", "autograder", *command],
                              capture_output=True, text=True, timeout=120,
                              env=dict(os.environ, NNCOURSE_DUEDATES=str(settings)))
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
        assert f"'01_neuron_xor' (did you mean '{A}'?)" in done.stderr


def test_merge_carries_the_shards_lms_rosters(tmp_path):
    for number, (student, who) in enumerate({
            "(canvas 501)": {"lms": "canvas", "id": "501", "name": "kim"},
            "ann": {"lms": "blackboard", "id": "ann", "name": "Ann Bo"}}.items()):
        shard = tmp_path / f"shard{number}" / "lms"
        shard.mkdir(parents=True)
        (shard / "students.json").write_text(json.dumps({student: who}))
    done = subprocess.run([sys.executable, "-m", "autograder", "merge",
                           str(tmp_path / "shard0"), str(tmp_path / "shard1"),
                           "--out", str(tmp_path / "out"), "--course-work", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    roster = json.loads((tmp_path / "out" / "lms" / "students.json").read_text())
    assert sorted(roster) == sorted(["ann", "(canvas 501)"])
    # shards without results: no import file without grade columns, and a clear error
    assert done.returncode == 1, done.stderr
    assert "error: no graded results for the 2 LMS students" in done.stderr
    assert not (tmp_path / "out" / "lms" / "canvas.csv").exists()


# --- round 5 of the LMS review ---------------------------------------------------------------


def _canvas(tmp_path: Path, members: dict[str, bytes]) -> dict[str, object]:
    archive = tmp_path / "x.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
    return by_student(discover(extract_zip(archive, tmp_path / "ex"), [A]))


def test_an_upload_starting_with_a_slash_is_its_uploader_s(tmp_path):
    """H1: ``alice_501_9001_\\bobby_502_9003_x``: the LMS's prefix is read from the start of
    the whole name; the part that is exactly Canvas's prefix names Alice, nothing below it
    names anyone (Carol is not graded with Alice's blank file, Bob keeps his row)."""
    found = _canvas(tmp_path, {
        f"bob_502_9002_{A}.ipynb": solution_bytes(),
        f"alice_501_9004_{A}.ipynb": solution_bytes(),
        "alice_501_9001_\\bobby_502_9003_x.ipynb": BLANK,
        f"carol_503_9005_{A} (1).ipynb": solution_bytes(),
        f"alice_501_9006_/carol_503_9007_{A}.ipynb": BLANK,
        f"A1_dan_attempt_2026-01-01-10-00-00_\\A1_eve_attempt_2026-01-02-10-00-00_{A}.ipynb":
            BLANK,
    })
    assert found["(canvas 503)"].path.read_bytes() == solution_bytes()
    assert found["(canvas 502)"].path.read_bytes() == solution_bytes()
    assert found["(canvas 501)"].path.read_bytes() == solution_bytes()
    assert not [s for s in found.values() if s.lms and s.lms.lms_id in ("bobby", "eve")]
    assert not [s for s in found if "bobby" in s]


def test_blackboard_grades_the_latest_attempt_whatever_its_file_s_name(tmp_path):
    """H2: the latest attempt by its date first, then the best-named file in it."""
    found = _canvas(tmp_path, {
        f"A1_bob_attempt_2026-01-01-10-00-00_{A}.ipynb": BLANK,
        "A1_bob_attempt_2026-01-01-10-00-00.txt": b"Name: Bob Ode (bob)\n",
        f"A1_bob_attempt_2026-01-03-10-00-00_{A}_v2.ipynb": solution_bytes(),
        "A1_bob_attempt_2026-01-03-10-00-00.txt": b"Name: Bob Ode (bob)\n",
    })
    assert found["(blackboard bob)"].path.read_bytes() == solution_bytes()
    assert "an earlier attempt" in " ".join(found["(blackboard bob)"].notes)


def test_one_lms_per_export_folder(tmp_path):
    """H6, M1, L1: each folder is read with the naming every one of its files matches; a
    Canvas upload named like a Blackboard attempt stays the Canvas student's, an all-digit
    Moodle name is Moodle's in a Moodle folder; with ``--lms``, a file named by another
    LMS's rules is graded under its own id with no LMS row."""
    found = _canvas(tmp_path, {
        f"blackboard/N1_ann_attempt_2026-12-01-09-00-00_{A}.ipynb": solution_bytes(),
        "blackboard/N1_ann_attempt_2026-12-01-09-00-00.txt": b"Name: Ann Bo (ann)\n",
        f"blackboard/N1_kim_attempt_2026-12-01-09-00-00_{A}.ipynb": solution_bytes(),
        f"canvas/bob_502_9002_ann_attempt_2026-12-02-09-00-00_{A}.ipynb": BLANK,
        f"canvas/alice_501_9001_{A}.ipynb": solution_bytes(),
        f"flat/bob_502_9002_alice_attempt_2026-01-01-10-00-00_{A}.ipynb": BLANK,
        f"flat/carol_503_9003_{A}.ipynb": solution_bytes(),
        f"moodle/123_1001_assignsubmission_file_{A}.ipynb": solution_bytes(),
        f"moodle/Ann Lee_1002_assignsubmission_file_{A}.ipynb": solution_bytes(),
        f"moodle/Ben Ode_1003_assignsubmission_file_{A}.ipynb": solution_bytes(),
        f"mixed/Cy Dee_1004_assignsubmission_file_{A}.ipynb": solution_bytes(),
        f"mixed/dan_504_9004_{A}.ipynb": BLANK,
    })
    assert found["(blackboard ann)"].path.read_bytes() == solution_bytes()
    assert found["(blackboard ann)"].lms.lms == "blackboard"
    assert found["(canvas 502)"].lms.lms == "canvas"
    assert "alice" not in found and "(canvas 501)" in found
    assert found["(moodle 1001)"].lms.lms == "moodle"
    # a folder no one LMS's naming covers: each file by the one naming it matches
    assert found["(moodle 1004)"].lms.lms == "moodle"
    assert found["(canvas 504)"].lms.lms == "canvas"
    # the instructor may say which LMS: only its naming is read
    found = by_student(discover(tmp_path / "ex" / "flat", [A], lms="canvas"))
    assert sorted(found) == sorted(["(canvas 502)", "(canvas 503)"])
    found = by_student(discover(tmp_path / "ex" / "mixed", [A], lms="moodle"))
    assert found["(moodle 1004)"].lms.lms == "moodle"
    assert found["dan"].lms is None  # not Moodle's naming: no Moodle row, its own id


def test_no_number_of_uploads_changes_how_classmates_files_are_read(tmp_path):
    """Round 6: a Canvas student's uploads named like Blackboard attempts, with a receipt-like
    text file beside them, outnumber the class's files: the folder is still Canvas's (every
    file in it matches Canvas's naming, not every one Blackboard's), each classmate keeps
    their Canvas id, and the uploader is themself; in a combined download, such uploads
    named after a Blackboard classmate never become that classmate's attempt."""
    attempt = "attempt_2026-11-30-09-00-00"
    members = {f"leekim_501_9001_{A}.ipynb": solution_bytes(),
               f"boann_503_9003_{A}.ipynb": solution_bytes(),
               f"mal_506_9006_{attempt}.txt": b"Name: M M (9006)\n"}
    members |= {f"mal_506_9006_{attempt}_{i}.ipynb": BLANK for i in range(3)}
    (tmp_path / "one").mkdir()
    found = _canvas(tmp_path / "one", members)
    assert {s.lms.lms for s in found.values()} == {"canvas"}
    assert {"(canvas 501)", "(canvas 503)", "(canvas 506)"} == set(found)
    kim = "kim_lee_attempt_2026-11-30-23-00-00"
    combined = {f"blackboard/N1_kim_lee_attempt_2026-11-30-09-00-00_{A}.ipynb": solution_bytes(),
                "blackboard/N1_kim_lee_attempt_2026-11-30-09-00-00.txt":
                    b"Name: Kim Lee (kim_lee)\n",
                f"canvas/leekim_501_9001_{A}.ipynb": solution_bytes(),
                f"canvas/mal_506_9006_{kim}.txt": b"Name: Kim Lee (kim_lee)\n"}
    combined |= {f"canvas/mal_506_9006_{kim}_{A}{suffix}.ipynb": BLANK
                 for suffix in ("", "-1", "-2")}
    (tmp_path / "two").mkdir()
    found = _canvas(tmp_path / "two", combined)
    assert found["(blackboard kim_lee)"].path.read_bytes() == solution_bytes()
    assert found["(blackboard kim_lee)"].lms.lms == "blackboard"
    assert found["(canvas 506)"].lms.lms == "canvas"
    assert found["(canvas 501)"].lms.lms == "canvas"


def test_a_student_whose_only_file_was_skipped_keeps_an_lms_row(tmp_path):
    """M3: skipped (too large): the submission still carries the LMS owner, so the roster
    gives them a row of 0 with a note."""
    from autograder.term import save_roster, write_lms_files

    archive = tmp_path / "x.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(f"alice_501_9001_{A}.ipynb", solution_bytes())
        zipped.writestr(f"bob_502_9002_{A}.ipynb", b" " * (len(solution_bytes()) + 4096))
    submissions = discover(extract_zip(archive, tmp_path / "ex",
                                       max_member=len(solution_bytes())), [A])
    bob = by_student(submissions)["(canvas 502)"]
    assert bob.path is None and bob.lms is not None and bob.lms.lms_id == "502"
    out = tmp_path / "out"
    save_roster(submissions, out)
    records = [{"student": "(canvas 501)", "assignment": A, "points": 3.0,
                "max_points": 10.0}]
    write_lms_files(records, out, None)
    with open(out / "lms" / "canvas.csv", encoding="utf-8") as handle:
        rows = {r["ID"]: r for r in csv.DictReader(handle)}
    assert rows["502"][A] == "0" and rows["501"][A] == "3"
    with open(out / "lms" / "canvas-details.csv", encoding="utf-8") as handle:
        notes = {r["lms_id"]: r["note"] for r in csv.DictReader(handle)}
    assert notes["502"].startswith("not graded:") and "larger than" in notes["502"]


def test_the_roster_is_rebuilt_from_each_run_and_keys_are_written_exactly(tmp_path):
    """H3: a Canvas display name changed between two runs into one OUT leaves one entry for
    the id (the row is there); L3: a Blackboard username starting with ``-`` or ``@`` is the
    key, written exactly; M4: Moodle's "Feedback comments" is left empty by default."""
    from autograder.lms import LmsFile
    from autograder.submissions import Submission
    from autograder.term import save_roster, write_lms_files

    out = tmp_path / "out"

    def run(name: str) -> None:
        owner = LmsFile("canvas", "502", name, f"{A}.ipynb")
        save_roster([Submission(owner.student, A, tmp_path, lms=owner)], out)

    run("bob")
    run("bobby")  # an H1 fake key, or an old display name
    run("robert")
    roster = json.loads((out / "lms" / "students.json").read_text())
    assert list(roster) == ["(canvas 502)"]
    others = [LmsFile("blackboard", "-ann", "Ann Bo", f"{A}.ipynb"),
              LmsFile("blackboard", "@kim", "Kim Lee", f"{A}.ipynb"),
              LmsFile("moodle", "7", "Max Mo", f"{A}.ipynb")]
    save_roster([Submission(o.student, A, tmp_path, lms=o) for o in others], out)
    records = [{"student": s, "assignment": A, "points": 2.0, "max_points": 10.0}
               for s in ("(canvas 502)", "-ann", "@kim", "(moodle 7)")]
    write_lms_files(records, out, None)
    with open(out / "lms" / "blackboard.csv", encoding="utf-8") as handle:
        assert sorted(r["Username"] for r in csv.DictReader(handle)) == ["-ann", "@kim"]
    with open(out / "lms" / f"moodle-{A}.csv", encoding="utf-8") as handle:
        (row,) = csv.DictReader(handle)
    assert row["Feedback comments"] == "" and row["Grade"] == "2"
    with open(out / "lms" / "canvas.csv", encoding="utf-8") as handle:
        assert [r["ID"] for r in csv.DictReader(handle)] == ["", "502"]


def test_lms_fails_loudly_without_grades_or_gradebook(tmp_path):
    """H4, M2: ``lms`` on a folder whose roster has no results (a merge that copied none)
    exits non-zero with one line instead of writing a file without grade columns; without
    --course-work it uses the gradebook ``grade`` recorded, and fails when there is none."""
    from autograder.lms import LmsFile
    from autograder.submissions import Submission
    from autograder.term import save_roster, save_source

    out, work = tmp_path / "out", tmp_path / "work"
    owner = LmsFile("canvas", "502", "bob", f"{A}.ipynb")
    save_roster([Submission(owner.student, A, tmp_path, lms=owner)], out)
    save_source(out, work)
    command = [sys.executable, "-m", "autograder", "lms", "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert f"no gradebook at {work / 'gradebook.db'}" in done.stderr
    work.mkdir()
    (work / "gradebook.db").write_bytes(b"")
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout
    assert done.stderr.strip().startswith("error: no graded results for the 1 LMS students")
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (out / "lms" / "canvas.csv").exists()


def test_a_name_of_thousands_of_words_reads_a_bounded_number_of_ways():
    """Round 10: ``1_1_1_..._01_neuron_and_xor.ipynb`` (16,000 characters) read one way per
    word, each with its note: seconds and hundreds of MB for everyone's discovery."""
    from autograder.lms import MAX_CANVAS_NAME_WORDS, canvas_readings

    readings = canvas_readings("1_" * 8000 + f"{A}.ipynb")
    # the names of at most the bound's words, and one longer name (round 11: a name longer
    # than the bound still reads more than one way)
    assert 0 < len(readings) <= MAX_CANVAS_NAME_WORDS + 2


def test_reading_an_nbgrader_layout_without_timestamps_does_not_import_nbgrader(tmp_path):
    """nbgrader's package takes seconds to import (its server extensions, its exchange):
    reading ``submitted/<student>/<id>/`` imports it only to parse a ``timestamp.txt``."""
    assignment = "01_neuron_and_xor"
    for student in ("ann", "bob"):
        folder = tmp_path / student / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(filled_notebook(assignment, {}), folder / f"{assignment}.ipynb")
    (tmp_path / "bob" / "submitted" / "bob" / assignment / "timestamp.txt").write_text(
        "2026-12-01 10:00:00 UTC")
    script = ("import sys\nfrom pathlib import Path\n"
              "from autograder.submissions import discover\n"
              "found = discover(Path(sys.argv[1]), [sys.argv[2]])\n"
              "print([(s.student, str(s.timestamp)) for s in found], 'nbgrader' in sys.modules)\n")
    shown = [subprocess.run([sys.executable, "-c", script, str(tmp_path / s / "submitted"),
                             assignment], capture_output=True, text=True,
                            check=True).stdout.strip() for s in ("ann", "bob")]
    assert shown[0] == "[('ann', 'None')] False", shown
    # nor to read one (review 24 F2: the grader reads the zone itself, not nbgrader's parse_utc)
    assert shown[1].startswith("[('bob', '2026-12-01 10:00:00") and shown[1].endswith("False")


def _lms_files(submissions, tmp_path: Path, name: str = "out") -> Path:
    """The LMS files of ``submissions`` as ``grade`` writes them: every submission has a
    record (an unreadable or missing one scores 0), a graded one 3 of 10."""
    from autograder.term import save_roster, write_lms_files

    out = tmp_path / name
    save_roster(submissions, out)
    write_lms_files([{"student": s.student, "assignment": s.assignment,
                      "points": 3.0 if s.path is not None else 0.0, "max_points": 10.0,
                      "file": s.path.name if s.path is not None else None}
                     for s in submissions], out, None)
    return out


def _csv_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_student_whose_only_upload_is_not_a_notebook_is_seen_with_the_reason(tmp_path):
    """Issue 24, M1: a student whose only upload is a zip (or a PDF, a text file) is in the
    output with why nothing was graded (a zip as downloaded and the folder it unzips to
    alike); a Blackboard receipt is no such file."""
    archive = tmp_path / "canvas.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(f"alice_501_9001_{A}.ipynb", solution_bytes())
        zipped.writestr(f"bob_502_9002_{A}.zip", b"PK\x03\x04")
        zipped.writestr("carol_503_9003_answers.txt", b"my answers")
    for source in (extract_zip(archive, tmp_path / "ex"), tmp_path / "unzipped"):
        if source.name == "unzipped":
            with zipfile.ZipFile(archive) as zipped:
                zipped.extractall(source)
        found = by_student(discover(source, [A]))
        assert found["(canvas 501)"].path is not None
        for student, kind in (("(canvas 502)", ".zip"), ("(canvas 503)", ".txt")):
            assert found[student].path is None, student
            assert any(f"not a notebook (a {kind} file)" in n for n in found[student].notes)
        details = {r["lms_id"]: r for r in _csv_rows(
            _lms_files(list(found.values()), tmp_path, source.name) / "lms"
            / "canvas-details.csv")}
        assert details["502"]["note"].startswith("not graded:")
        assert "not a notebook (a .zip file)" in details["502"]["note"]
        assert details["502"]["total"] == "0" and details["501"]["total"] == "3"
    blackboard = tmp_path / "bb.zip"
    with zipfile.ZipFile(blackboard, "w") as zipped:
        zipped.writestr(f"HW_kim_attempt_2026-11-01-09-00-00_{A}.ipynb", solution_bytes())
        zipped.writestr("HW_kim_attempt_2026-11-01-09-00-00.txt", b"Name: Kim K (kim)\n")
    found = by_student(discover(extract_zip(blackboard, tmp_path / "bb"), [A]))
    assert found["(blackboard kim)"].notes == [] and found["(blackboard kim)"].path is not None


def test_the_lms_details_give_every_skipped_file_s_reason(tmp_path):
    """Issue 24, M2: a graded student's skipped files (too large, not a notebook) are each
    named with the reason next to that student in ``<lms>-details.csv``."""
    archive = tmp_path / "canvas.zip"
    small = solution_bytes()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(f"alice_501_9001_{A}.ipynb", small)
        zipped.writestr(f"alice_501_9002_old_{A}.ipynb", small + b" " * 4096)
        zipped.writestr("alice_501_9003_report.pdf", b"%PDF")
        zipped.writestr(f"bob_502_9004_{A}.ipynb", small)
    submissions = discover(extract_zip(archive, tmp_path / "ex", max_member=len(small)), [A])
    details = {r["lms_id"]: r for r in _csv_rows(
        _lms_files(submissions, tmp_path) / "lms" / "canvas-details.csv")}
    note = details["501"]["note"]
    assert details["501"]["total"] == "3" and not note.startswith("not graded")
    assert f"alice_501_9002_old_{A}.ipynb: larger than" in note
    assert "alice_501_9003_report.pdf: not a notebook (a .pdf file)" in note
    assert details["502"]["note"] == ""


def test_moodle_participant_ids_stay_in_their_own_assignment_s_worksheet(tmp_path):
    """Issue 24, M5: Moodle's participant id is per assignment (the same person is 1001 in
    one assignment and 2001 in another; ids are the rows of ``assign_user_mapping``, so no
    two people share one): each id is written only in the worksheet of the notebook its own
    download holds, never as a 0 in another notebook's worksheet."""
    B = "02_universal_approximation"
    archive = tmp_path / "moodle.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(f"nb1/Kim Lee_1001_assignsubmission_file_{A}.ipynb", solution_bytes())
        zipped.writestr(f"nb1/Ann Bo_1002_assignsubmission_file_{A}.ipynb", solution_bytes())
        zipped.writestr(f"nb2/Kim Lee_2001_assignsubmission_file_{B}.ipynb",
                        nbformat.writes(filled_notebook(B, {})).encode())
        zipped.writestr("nb2/Ann Bo_2002_assignsubmission_file_work.zip", b"PK\x03\x04")
    submissions = discover(extract_zip(archive, tmp_path / "ex"), [A, B])
    out = _lms_files(submissions, tmp_path)
    first = {r["Identifier"]: r for r in _csv_rows(out / "lms" / f"moodle-{A}.csv")}
    second = {r["Identifier"]: r for r in _csv_rows(out / "lms" / f"moodle-{B}.csv")}
    assert sorted(first) == ["Participant 1001", "Participant 1002"]
    assert first["Participant 1001"]["Full name"] == "Kim Lee"
    assert sorted(second) == ["Participant 2001", "Participant 2002"]
    assert second["Participant 2002"]["Full name"] == "Ann Bo"
    assert second["Participant 2002"]["Grade"] == "0"
    assert second["Participant 2001"]["Grade"] == "3"


def test_which_files_a_cap_keeps_does_not_depend_on_the_zip_s_order(tmp_path):
    """Issue 24, LOW: which of a student's files fit their share is decided by name, size
    and content, never by where they are in the zip (two members with one name and size
    used to be kept in the zip's order): the same zip written in two orders keeps the
    same files."""
    import warnings

    members = [(f"alice_501_9001_{A}.ipynb", solution_bytes()),
               ("alice_501_9002_scratch.ipynb", b'{"cells": 1}'),
               ("alice_501_9002_scratch.ipynb", b'{"cells": 2}'),  # one name, one size
               *[(f"alice_501_90{n:02d}_notes.ipynb", TINY) for n in range(10, 14)],
               (f"bob_502_9002_{A}.ipynb", BLANK)]
    kept = []
    for name, order in (("forward", members), ("backward", members[::-1])):
        archive = tmp_path / f"{name}.zip"
        with warnings.catch_warnings(), zipfile.ZipFile(archive, "w") as zipped:
            warnings.simplefilter("ignore")  # zipfile warns of the duplicate name
            for member, data in order:
                zipped.writestr(member, data)
        target = extract_zip(archive, tmp_path / name, max_student_files=2)
        found = by_student(discover(target, [A]))
        assert found["(canvas 501)"].path.read_bytes() == solution_bytes()
        kept.append(sorted(p.read_bytes() for p in target.rglob("alice*.ipynb")))
    assert kept[0] == kept[1] and len(kept[0]) == 2


def test_an_lms_download_in_a_folder_named_after_a_notebook_is_read_as_the_lms_s(
        tmp_path, capsys):
    """Issue 24, M3: ``canvas/<notebook id>/`` holding a Canvas download is the LMS's layout
    (its names decide first), not nbgrader's ``<student>/<id>/`` with a student "canvas";
    what cannot be decided by the names (one owner's files; nbgrader's timestamp.txt) is
    nbgrader's, and each assumption is a warning and a note naming the folder."""
    export = tmp_path / "export"
    put(export / "canvas" / A / f"leekim_501_9001_{A}.ipynb", solution_bytes())
    put(export / "canvas" / A / f"ann_502_9002_{A}.ipynb", BLANK)
    put(export / "bob" / A / f"kim_5_6_{A}.ipynb", BLANK)  # one owner: nbgrader's bob
    put(export / "eve" / A / f"kim_5_6_{A}.ipynb", BLANK)
    put(export / "eve" / A / f"lee_7_8_{A}.ipynb", BLANK)
    put(export / "eve" / A / "timestamp.txt", b"2026-12-01 10:00:00.000000 UTC")
    found = by_student(discover(export, [A]))
    assert sorted(found) == sorted(["(canvas 502)", "bob", "eve", "(canvas 501)"])
    assert found["(canvas 501)"].path.read_bytes() == solution_bytes()
    assert found["(canvas 502)"].lms.lms_id == "502"
    assert found["bob"].lms is None and found["eve"].lms is None
    warnings = capsys.readouterr().err
    assert f"canvas/{A}/ is read as a canvas download" in warnings
    assert f"bob/{A}/ is read as nbgrader's" in warnings and f"eve/{A}/ is read" in warnings
    assert any("read as a canvas download" in n for n in found["(canvas 502)"].notes)
    assert any("read as nbgrader's" in n for n in found["bob"].notes)
    # the instructor names the LMS: its naming decides even one owner's folder
    found = by_student(discover(export, [A], lms="canvas"))
    assert "(canvas 5)" in found and "bob" not in found and "eve" in found


def test_one_student_s_upload_of_another_notebook_makes_no_column_for_the_class(
        tmp_path, capsys):
    """Issue 24, round 16, F1: one LMS download is one assignment's. A student's extra
    upload of another notebook in it (Moodle, Canvas, Blackboard alike) is not graded there
    and is a note on their own row: no worksheet, column or row of zeros for that notebook
    (Moodle's would carry this assignment's participant ids into another assignment). A
    download where the students honestly uploaded two notebooks holds both; the instructor's
    ``--assignment`` names what a download holds; a combined download's folders each hold
    their own (with ``--lms`` too)."""
    B = "02_universal_approximation"
    other = nbformat.writes(filled_notebook(B, {})).encode()
    bb = "HW1_{0}_attempt_2027-01-15-09-00-00"
    downloads = {
        "moodle": {f"Anna Smith_2001_assignsubmission_file_{A}.ipynb": solution_bytes(),
                   f"Bob Lee_2002_assignsubmission_file_{A}.ipynb": solution_bytes(),
                   f"Eve Ortiz_2005_assignsubmission_file_{A}.ipynb": solution_bytes(),
                   f"Eve Ortiz_2005_assignsubmission_file_{B}.ipynb": other},
        "canvas": {f"smithanna_1001_5001_{A}.ipynb": solution_bytes(),
                   f"leebob_1002_5002_{A}.ipynb": solution_bytes(),
                   f"ortizeve_1005_5005_{A}.ipynb": solution_bytes(),
                   f"ortizeve_1005_5099_{B}.ipynb": other},
        "blackboard": {f"{bb.format(u)}_{A}.ipynb": solution_bytes()
                       for u in ("anna", "bob", "eve")}
        | {f"{bb.format('eve')}_{B}.ipynb": other}
        | {f"{bb.format(u)}.txt": f"Name: {u.title()} X ({u})\n".encode()
           for u in ("anna", "bob", "eve")}}
    eve = {"moodle": "(moodle 2005)", "canvas": "(canvas 1005)",
           "blackboard": "(blackboard eve)"}
    for lms, members in downloads.items():
        archive = tmp_path / f"{lms}.zip"
        with zipfile.ZipFile(archive, "w") as zipped:
            for name, data in members.items():
                zipped.writestr(name, data)
        submissions = discover(extract_zip(archive, tmp_path / lms), [A, B])
        assert {s.assignment for s in submissions} == {A}, lms
        found = by_student(submissions)
        assert found[eve[lms]].path.read_bytes() == solution_bytes()
        assert any(f"uploaded {B} to the download of {A}: not graded" in n
                   for n in found[eve[lms]].notes), lms
        assert all(s.export_notebooks == (A,) for s in submissions)
        assert f"uploaded {B} to the download of {A}" in capsys.readouterr().err
        out = _lms_files(submissions, tmp_path, f"out-{lms}")
        files = sorted(p.name for p in (out / "lms").glob("*.csv"))
        grades = f"moodle-{A}.csv" if lms == "moodle" else f"{lms}.csv"
        assert files == sorted([grades, f"{lms}-details.csv"]), files
        header = (out / "lms" / grades).read_text(encoding="utf-8").splitlines()[0]
        assert B not in header, header
        # the instructor says the download holds both: both graded
        both = discover(tmp_path / lms, [A, B], instructor_named=True)
        assert {s.assignment for s in both} == {A, B}
    # a download where most students uploaded both notebooks holds both
    archive = tmp_path / "both.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for user, name in ((1, "ann"), (2, "bob"), (3, "cy")):
            zipped.writestr(f"{name}_50{user}_900{user}_{A}.ipynb", solution_bytes())
            if name != "cy":
                zipped.writestr(f"{name}_50{user}_910{user}_{B}.ipynb", other)
    both = [s for s in discover(extract_zip(archive, tmp_path / "both"), [A, B])
            if s.path is not None]
    assert sorted((s.student, s.assignment) for s in both) == sorted(
        [("(canvas 501)", A), ("(canvas 501)", B), ("(canvas 502)", A),
         ("(canvas 502)", B), ("(canvas 503)", A)])
    # a combined download: each folder holds its own notebook, read with --lms too
    archive = tmp_path / "combined.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for n in range(1, 4):
            zipped.writestr(f"nb1/P{n}_10{n}_assignsubmission_file_{A}.ipynb",
                            solution_bytes())
        zipped.writestr(f"nb2/P1_201_assignsubmission_file_{B}.ipynb", other)
        zipped.writestr(f"nb2/P2_202_assignsubmission_file_{B}.ipynb", other)
        zipped.writestr(f"nb2/P1_201_assignsubmission_file_x_{A}.ipynb", solution_bytes())
    source = extract_zip(archive, tmp_path / "combined")
    for lms in (None, "moodle"):
        graded = {(s.student, s.assignment) for s in discover(source, [A, B], lms)
                  if s.path is not None}
        assert graded == {("(moodle 101)", A), ("(moodle 102)", A),
                          ("(moodle 103)", A), ("(moodle 201)", B),
                          ("(moodle 202)", B)}, lms


def test_late_moodle_work_in_an_unzipped_folder_is_not_silent(tmp_path):
    """Issue 24, round 16, F5: a Moodle download given as the folder it was unzipped to has no
    submission times (its files' dates are not read: an unzip tool may keep the zip's or
    not), so nothing in it is late; with a due date set, ``grade`` warns once per notebook
    instead of passing late work silently, and the README no longer claims an unzipped
    folder carries only the time it was unzipped."""
    from datetime import datetime

    from autograder.term import untimed_warnings

    archive = tmp_path / "moodle.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, day in (("Kim Lee_1001", 14), ("Ann Bo_1002", 16)):  # Ann is late
            zipped.writestr(zipfile.ZipInfo(f"{name}_assignsubmission_file_{A}.ipynb",
                                            date_time=(2027, 1, day, 9, 0, 0)),
                            solution_bytes())
    due = {A: datetime(2027, 1, 15, 23, 59, 59)}
    zipped_export = discover(extract_zip(archive, tmp_path / "ex"), [A])
    assert all(s.timestamp is not None for s in zipped_export)
    assert untimed_warnings(zipped_export, due) == []
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(tmp_path / "unzipped")
    folder = discover(tmp_path / "unzipped", [A])
    assert all(s.timestamp is None for s in folder)
    warnings = untimed_warnings(folder, due)
    assert len(warnings) == 1 and warnings[0].startswith(f"2 Moodle submission(s) of {A}")
    assert "grade the zip as downloaded" in warnings[0]
    assert untimed_warnings(folder, {}) == []  # no due date: nothing can be late anyway
    readme = " ".join((Path(__file__).parent.parent / "README.md").read_text().split())
    assert "carries only the time it was unzipped" not in readme
    assert "`grade` warns when the notebook has a due date" in readme


def test_a_student_renamed_in_the_lms_is_the_same_student(tmp_path):
    """Rev 16 F4: a display name changed in the LMS between two downloads left a stale second
    student in nbgrader's gradebook (and two rows in ``nbgrader export``): a student of a
    download is known by the LMS's key alone (Canvas user id, Moodle participant id,
    Blackboard username), so re-grading after a rename updates the same student."""
    from autograder.report import write_gradebook
    from autograder.term import gradebook, record_times

    (tmp_path / "1").mkdir()
    (tmp_path / "2").mkdir()
    first = _lms_zip(tmp_path / "1", {
        f"smithanna_1001_5001_{A}.ipynb": solution_bytes(),
        f"Kim Lee_2001_assignsubmission_file_{A}.ipynb": BLANK}, "one.zip")
    second = _lms_zip(tmp_path / "2", {
        f"smithannabeth_late_1001_5011_{A}.ipynb": BLANK,
        f"Kim Park_2001_assignsubmission_file_{A}.ipynb": solution_bytes()}, "two.zip")
    before = {s.student: s for s in discover(first, [A])}
    after = {s.student: s for s in discover(second, [A])}
    assert sorted(before) == sorted(after) == ["(canvas 1001)", "(moodle 2001)"]
    assert after["(canvas 1001)"].lms.name == "smithannabeth"  # display data, kept
    work = tmp_path / "course"
    work.mkdir()
    for run in (before, after):
        write_gradebook([{"student": s, "assignment": A, "tests": []} for s in run], work)
        record_times(list(run.values()), work, {})
    with gradebook(work) as book:
        assert sorted(s.id for s in book.students) == ["(canvas 1001)", "(moodle 2001)"]
        # the display name is the latest download's, shown by formgrader and the export
        assert book.find_student("(canvas 1001)").last_name == "smithannabeth"
        assert book.find_student("(moodle 2001)").last_name == "Kim Park"


def test_one_lms_id_under_two_names_is_never_merged(tmp_path, capsys):
    """One download writes one name per id: two files of one Canvas user id (or Moodle
    participant id) under different names are each graded under their own row, with a note
    and a warning, and neither gets an LMS row (the id alone is who a student is)."""
    found = {s.student: s for s in discover(_lms_zip(tmp_path, {
        f"leeann_501_9001_{A}.ipynb": solution_bytes(),
        f"mallory_501_9002_{A}.ipynb": BLANK,
        f"bob_502_9003_{A}.ipynb": solution_bytes(),
    }), [A])}
    assert sorted(found) == sorted([
        "(canvas 502)", f"(one id, two names) leeann_501_9001_{A}.ipynb",
        f"(one id, two names) mallory_501_9002_{A}.ipynb"])
    assert found[f"(one id, two names) leeann_501_9001_{A}.ipynb"].path.read_bytes() == (
        solution_bytes())
    assert all(s.lms is None for k, s in found.items() if k.startswith("(one id"))
    assert capsys.readouterr().err.count("more than one name in this download") == 2


def test_due_dates_come_from_the_course_work_folder_given(tmp_path, monkeypatch):
    """Rev 16: ``--course-work`` names the course copy graded: its ``duedates.toml`` (due
    dates and zone) is the one read, not the repository's ``course/duedates.toml``."""
    from autograder.term import due_dates, use_course_work

    monkeypatch.setenv("NNCOURSE_DUEDATES", "")  # so that it is removed again after
    monkeypatch.delenv("NNCOURSE_DUEDATES")
    work = tmp_path / "cw"
    work.mkdir()
    use_course_work(work)  # no duedates.toml there: the repository's stays
    assert "NNCOURSE_DUEDATES" not in os.environ
    (work / "duedates.toml").write_text(f'"{A}" = "2027-01-15"\n[lms]\n'
                                        'time_zone = "Europe/Berlin"\n')
    use_course_work(work)
    assert due_dates()[A].isoformat() == "2027-01-15T22:59:59"
    # through the command: a mistake in the copy's file stops grade before any grading
    (work / "duedates.toml").write_text('[lms]\ntime_zone = "Mars/Olympus"\n')
    put(tmp_path / "sub" / f"ann_{A}.ipynb", BLANK)
    env = {k: v for k, v in os.environ.items() if k != "NNCOURSE_DUEDATES"}
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "sub"),
                           "--out", str(tmp_path / "out"), "--no-sandbox", "--no-gradebook",
                           "--quiet", "--course-work", str(work)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 2 and "Mars/Olympus" in done.stderr, done.stderr


def test_the_secret_from_seed_is_the_instructor_s_only(tmp_path):
    """Rev 16: ``--seed`` wrote ``OUT/.secret`` with the umask's mode (0644): it is written
    0600 like the one made, an existing file's mode included."""
    import stat

    from autograder.grade import run_secret

    out = tmp_path / "out"
    assert run_secret(out, 42) == 42
    assert stat.S_IMODE((out / ".secret").stat().st_mode) == 0o600
    (out / ".secret").chmod(0o644)
    assert run_secret(out, 43) == 43 and run_secret(out) == 43
    assert stat.S_IMODE((out / ".secret").stat().st_mode) == 0o600
    made = tmp_path / "made"
    run_secret(made)
    assert stat.S_IMODE((made / ".secret").stat().st_mode) == 0o600


def test_a_download_holding_several_notebooks_is_never_a_silent_pick(tmp_path, capsys):
    """Rev 16: a one-student download with two notebooks held both by a tie, silently. The
    rule: without ``--assignment`` every notebook the download holds is graded and the
    instructor is warned, naming them and ``--assignment``; with it, the notebooks named
    decide, with no warning."""
    B = "02_universal_approximation"
    export = _lms_zip(tmp_path, {
        f"smithanna_1001_5001_{A}.ipynb": solution_bytes(),
        f"smithanna_1001_5002_{B}.ipynb": nbformat.writes(filled_notebook(B, {})).encode(),
    })
    found = {(s.student, s.assignment): s for s in discover(export, [A, B])}
    assert sorted(found) == [("(canvas 1001)", A), ("(canvas 1001)", B)]
    assert all(s.path is not None for s in found.values())
    err = capsys.readouterr().err
    assert f"holds 2 notebooks ({A}, {B})" in err and "--assignment" in err
    named = discover(export, [A], instructor_named=True)
    assert [(s.student, s.assignment) for s in named] == [("(canvas 1001)", A)]
    assert "holds 2 notebooks" not in capsys.readouterr().err


# --- review 17 ---------------------------------------------------------------------------


def test_review17_f1_a_graded_copy_in_submitted_keeps_its_submission_time(tmp_path):
    """Review 17, F1: ``grade`` copied an LMS student's file to nbgrader's submitted/ without
    its time, so a later ``make grade`` of course/submitted (its default) re-graded it with
    none and the late penalty vanished. nbgrader's own ``timestamp.txt`` (and
    ``submission_secret.txt``) now go beside every copy: re-reading submitted/ gives the
    same time; a Canvas file (no time in its download) gets an empty one (no time, as
    nbgrader reads it). Blackboard's ``bob`` is ``(blackboard bob)``, never the hub's ``bob``."""
    export = tmp_path / "export"
    put(export / "bb" / f"HW1_bob_attempt_2026-12-01-10-00-00_{A}.ipynb", solution_bytes())
    put(export / "bb" / "HW1_bob_attempt_2026-12-01-10-00-00.txt", b"Name: Bo B (bob)\n")
    put(export / "bb" / f"HW1_ann_attempt_2026-12-02-11-30-00_{A}.ipynb", BLANK)
    put(export / "bb" / "HW1_ann_attempt_2026-12-02-11-30-00.txt", b"Name: Ann A (ann)\n")
    put(export / "cv" / f"smithanna_1001_5001_{A}.ipynb", BLANK)
    put(export / "cv" / f"jonesbob_1002_5002_{A}.ipynb", BLANK)
    put(export / "cv" / "submission_secret.txt", b"forged")  # never an LMS student's secret
    work = tmp_path / "work"
    put(work / "submitted" / "bob" / A / f"{A}.ipynb", BLANK)  # the hub's bob
    put(work / "submitted" / "bob" / A / "timestamp.txt", b"2026-12-03 09:00:00.000000 UTC")
    graded = discover(export, [A])
    times = {s.student: s.timestamp for s in graded}
    assert times["(blackboard bob)"].isoformat() == "2026-12-01T10:00:00+00:00"
    assert "bob" not in times
    _import_into_nbgrader(graded, work)
    again = {s.student: s for s in discover(work / "submitted", [A])}
    assert sorted(again) == sorted([*times, "bob"])
    for student, when in times.items():
        read = again[student].timestamp
        if when is None:  # Canvas
            assert read is None, student
            assert (work / "submitted" / student / A / "timestamp.txt").read_text() == ""
        else:
            assert read.replace(tzinfo=None) == when.replace(tzinfo=None), student
        assert (work / "submitted" / student / A / "submission_secret.txt").read_text() not in (
            "", "forged")
    assert again["bob"].timestamp.isoformat() == "2026-12-03T09:00:00"  # untouched
    secret = (work / "submitted" / "(blackboard bob)" / A / "submission_secret.txt")
    kept = secret.read_text()
    _import_into_nbgrader(graded, work)  # a second grade keeps the copy's secret
    assert secret.read_text() == kept


def test_review17_f4_a_numeric_offset_in_timestamp_txt_is_hours_and_minutes(tmp_path):
    """Review 17, F4: ``+0100`` was read as +100 seconds (nbgrader's ``parse_utc``), so an
    on-time submission became late; every documented form is read right."""
    forms = {"a": "2027-01-15 23:58:00 +0100", "b": "2027-01-15T23:58:00+01:00",
             "c": "2027-01-15 22:58:00.000000 UTC", "d": "2027-01-15 23:58:00 CET",
             "e": "2027-01-15 22:58:00", "f": "2027-01-15 17:28:00 -0530"}
    for student, text in forms.items():
        put(tmp_path / student / A / f"{A}.ipynb", BLANK)
        put(tmp_path / student / A / "timestamp.txt", text.encode())
    put(tmp_path / "g" / A / f"{A}.ipynb", BLANK)
    put(tmp_path / "g" / A / "timestamp.txt", b"")
    found = by_student(discover(tmp_path, [A]))
    for student in forms:
        assert found[student].timestamp.isoformat() == "2027-01-15T22:58:00", student
    assert found["g"].timestamp is None


def test_review24_f2_every_zone_nbgrader_writes_is_read_or_flagged(tmp_path, capsys,
                                                                   monkeypatch):
    """Review 24, F2: nbgrader writes ``%Z`` of its ``Exchange.timezone`` (``CST`` on a hub
    in America/Chicago, ``IST`` in Asia/Kolkata, ``-03`` in America/Sao_Paulo); any name
    that is not an IANA key was read silently as UTC (31 minutes late became on time). A
    name one offset has is read; an ambiguous one is read in the course's zone, and
    without it (or for text that is no time) the submission has no time, a note on its
    row and a warning: never silently on time."""
    forms = {"edt": "2027-07-15 18:58:00.000000 EDT", "aedt": "2027-01-16 09:58:00 AEDT",
             "sao": "2027-01-15 19:58:00.000000 -03", "cst": "2027-01-15 16:58:00.000000 CST",
             "ist": "2027-01-16 04:28:00 IST", "bad": "yesterday"}
    for student, text in forms.items():
        put(tmp_path / student / A / f"{A}.ipynb", BLANK)
        put(tmp_path / student / A / "timestamp.txt", text.encode())
    settings = tmp_path / "duedates.toml"
    settings.write_text("")
    monkeypatch.setenv("NNCOURSE_DUEDATES", str(settings))
    found = by_student(discover(tmp_path, [A]))
    assert found["edt"].timestamp.isoformat() == "2027-07-15T22:58:00"
    for student in ("aedt", "sao"):
        assert found[student].timestamp.isoformat() == "2027-01-15T22:58:00", student
    err = capsys.readouterr().err
    for student in ("cst", "ist", "bad"):
        assert found[student].timestamp is None, student
        assert any("CHECK ITS SUBMISSION TIME" in n for n in found[student].notes), student
        assert f"{student}/{A}/timestamp.txt" in err, student
    # the course's zone decides an abbreviation several zones use
    settings.write_text('[lms]\ntime_zone = "America/Chicago"\n')
    found = by_student(discover(tmp_path, [A]))
    assert found["cst"].timestamp.isoformat() == "2027-01-15T22:58:00"
    settings.write_text('[lms]\ntime_zone = "Asia/Kolkata"\n')
    found = by_student(discover(tmp_path, [A]))
    assert found["ist"].timestamp.isoformat() == "2027-01-15T22:58:00"


def test_review17_f8_canvas_names_that_look_anonymous_are_names_in_a_named_download(
        tmp_path, capsys):
    """Review 17, F8 and F3: a student whose Canvas name is all digits (``123``) or ``late``
    was read as anonymous in a named download (the grade went to Canvas ID 123, or the
    student had no row, or an on-time ``late`` got the "marked late" note). One download
    is named or anonymous: every file is read as its kind; a download whose every file
    reads both ways (names that are student numbers) is unclear, with a warning, no row."""
    for folder in ("named", "anonymous", "numbers"):
        (tmp_path / folder).mkdir()
    found = _canvas(tmp_path / "named", {
        f"smithanna_1001_5001_{A}.ipynb": BLANK, f"jonesbob_1002_5002_{A}.ipynb": BLANK,
        f"123_1010_5010_{A}.ipynb": solution_bytes(),
        f"late_late_1011_5011_{A}.ipynb": solution_bytes(),
        f"late_1012_5012_{A}.ipynb": solution_bytes(),
        f"smithanna_late_1003_5003_{A}.ipynb": BLANK})
    assert sorted(found) == [f"(canvas {n})" for n in (1001, 1002, 1003, 1010, 1011, 1012)]
    assert (found["(canvas 1010)"].lms.name, found["(canvas 1010)"].lms.late) == ("123", False)
    assert (found["(canvas 1011)"].lms.name, found["(canvas 1011)"].lms.late) == ("late", True)
    assert (found["(canvas 1012)"].lms.name, found["(canvas 1012)"].lms.late) == ("late", False)
    assert found["(canvas 1003)"].lms.late
    for student in ("(canvas 1010)", "(canvas 1011)", "(canvas 1012)"):
        assert found[student].path.read_bytes() == solution_bytes(), student
    found = _canvas(tmp_path / "anonymous", {
        f"1001_5001_{A}.ipynb": BLANK, f"late_1002_5002_{A}.ipynb": BLANK,
        f"1003_5003_2023_{A}.ipynb": solution_bytes()})
    assert sorted(found) == ["(canvas 1001)", "(canvas 1002)", "(canvas 1003)"]
    assert found["(canvas 1002)"].lms.late and found["(canvas 1002)"].lms.name == "anonymous"
    capsys.readouterr()
    found = _canvas(tmp_path / "numbers", {
        f"20231234_1001_5001_{A}.ipynb": BLANK, f"20231235_1002_5002_{A}.ipynb": BLANK})
    assert all(s.lms is None and s.student.startswith("(unclear Canvas name)")
               for s in found.values()), sorted(found)
    assert all(any("read more than one way" in n for n in s.notes) for s in found.values())
    assert capsys.readouterr().err.count("reads more than one way") == 2


def test_review17_f5_f7_moodle_ids_stay_in_their_own_assignment_s_files(tmp_path, capsys):
    """Review 17, F5: a participant id that two assignments' downloads both hold (two people:
    Moodle's ids are per assignment), graded into one OUT, dropped the first assignment's
    worksheet row. F7: an ungraded participant of 01 was listed under 02 in the details
    with 0 and 01's notes. Each id now stays in its own notebooks' worksheet and details
    rows, with that download's name."""
    import csv as csv_module

    from autograder.lms import LmsFile
    from autograder.term import save_roster, write_lms_files

    b = "02_universal_approximation"
    out = tmp_path / "out"

    def moodle(number: str, name: str, notebook: str, graded: bool = True) -> Submission:
        return Submission(f"(moodle {number})", notebook,
                          tmp_path / "x.ipynb" if graded else None,
                          [] if graded else [f"{name}_{number}_report.pdf: not a notebook"],
                          LmsFile("moodle", number, name, f"{notebook}.ipynb"),
                          export_notebooks=(notebook,))

    save_roster([moodle("101", "Anna Smith", A), moodle("105", "Li Lei", A, graded=False)],
                out)
    save_roster([moodle("101", "Bo Chen", b), moodle("201", "Zoe N", b)], out)
    assert "Moodle participant id 101 is 'Anna Smith' in " in capsys.readouterr().err
    records = [{"student": "(moodle 101)", "assignment": A, "points": 11.0,
                "max_points": 11.0},
               {"student": "(moodle 101)", "assignment": b, "points": 3.0, "max_points": 14.0},
               {"student": "(moodle 201)", "assignment": b, "points": 5.0, "max_points": 14.0}]
    write_lms_files(records, out, None)

    def read(name: str) -> list[dict]:
        with open(out / "lms" / name, encoding="utf-8") as handle:
            return list(csv_module.DictReader(handle))

    first = {r["Identifier"]: (r["Full name"], r["Grade"]) for r in read(f"moodle-{A}.csv")}
    assert first == {"Participant 101": ("Anna Smith", "11"), "Participant 105": ("Li Lei", "0")}
    second = {r["Identifier"]: (r["Full name"], r["Grade"]) for r in read(f"moodle-{b}.csv")}
    assert second == {"Participant 101": ("Bo Chen", "3"), "Participant 201": ("Zoe N", "5")}
    details = {(r["lms_id"], r["notebook"]): r["name"] for r in read("moodle-details.csv")}
    assert details == {("101", A): "Anna Smith", ("105", A): "Li Lei", ("101", b): "Bo Chen",
                       ("201", b): "Zoe N"}


def _graded_into(out: Path, submissions, results: dict) -> dict[str, dict[str, str]]:
    """``grade`` of ``submissions`` into ``out`` after earlier runs there (``results``: the
    results OUT holds, every run's; a graded file scores 3, a missing one a 0 record, as
    ``grade`` writes both); returns canvas.csv as user id -> notebook -> cell."""
    from autograder.term import save_roster, write_lms_files

    for s in submissions:
        results[(s.student, s.assignment)] = {
            "student": s.student, "assignment": s.assignment, "max_points": 10.0,
            "points": 3.0 if s.path is not None else 0.0,
            "file": s.path.name if s.path is not None else None}
    save_roster(submissions, out)
    write_lms_files(list(results.values()), out, None)
    return {r["ID"]: r for r in _csv_rows(out / "lms" / "canvas.csv") if r["ID"]}


def test_review24_f1_f3_no_lms_grade_for_a_notebook_absent_from_the_student_s_downloads(
        tmp_path):
    """Review 24, F1: a student whose only upload to assignment 1's download was a PDF got
    a 0 in assignment 2, which they never submitted (their row's "ungraded" 0 was in every
    column), and grading the course work's submitted/ again wrote 0 for everyone absent
    from assignment 2's download ("no submission" results). A cell is a grade only for a
    notebook the student submitted, or whose download held files of theirs none of which
    could be graded (0, with the reason). F3: the second download into the same OUT kept
    the first's notes (Canvas's late marker, a skipped file)."""
    B = "02_universal_approximation"
    first, second = tmp_path / "c1.zip", tmp_path / "c2.zip"
    with zipfile.ZipFile(first, "w") as zipped:
        zipped.writestr(f"alice_501_9001_{A}.ipynb", BLANK)
        zipped.writestr(f"bob_late_502_9002_{A}.ipynb", BLANK)
        zipped.writestr("dave_504_9004_report.pdf", b"%PDF")
        zipped.writestr(f"carol_503_9003_{A}.ipynb", BLANK)
    with zipfile.ZipFile(second, "w") as zipped:
        zipped.writestr(f"alice_501_9101_{B}.ipynb", nbformat.writes(
            filled_notebook(B, {})).encode())
        zipped.writestr(f"bob_502_9102_{B}.ipynb", nbformat.writes(
            filled_notebook(B, {})).encode())
    out, results = tmp_path / "out", {}
    _graded_into(out, discover(extract_zip(first, tmp_path / "e1"), [A, B]), results)
    table = _graded_into(out, discover(extract_zip(second, tmp_path / "e2"), [A, B]), results)
    assert table["504"][A] == "0" and table["504"][B] == ""  # was "0" for B
    assert table["503"][A] == "3" and table["503"][B] == ""
    assert table["501"][A] == table["501"][B] == "3"
    details = {(r["lms_id"], r["notebook"]): r for r in _csv_rows(
        out / "lms" / "canvas-details.csv")}
    assert ("504", B) not in details and details[("504", A)]["note"].startswith("not graded")
    assert "report.pdf" in details[("504", A)]["note"]
    assert "Canvas marked this submission late" in details[("502", A)]["note"]  # F3
    assert "Canvas marked" not in details[("502", B)]["note"]
    # the course work graded again: its students' "no submission" results are no grades
    regrade = [Submission(s, n, tmp_path / "x" if n == A else None)
               for s in ("(canvas 501)", "(canvas 503)") for n in (A, B)]
    table = _graded_into(out, regrade, results)
    assert table["503"][B] == "" and table["504"][B] == "" and table["503"][A] == "3"


def test_review24_f4_f12_two_downloads_in_one_folder_are_two_downloads(tmp_path, capsys):
    """Review 24, F4: two Canvas downloads unzipped into ``combo/<notebook id>/`` were read
    as one download: a student renamed between them (Canvas user 101) was two phantom
    students "(one id, two names)" with no canvas.csv row, and everyone absent from the
    second download got 0 there. Each folder is its own download: one id under two names
    within one download is still refused, across two it is the same student under the
    later notebook's name. F12: a warning and a note say how each folder was read."""
    B = "02_universal_approximation"
    put(tmp_path / "combo" / A / f"alicesmith_101_9001_{A}.ipynb", BLANK)
    put(tmp_path / "combo" / A / f"carol_103_9003_{A}.ipynb", BLANK)
    put(tmp_path / "combo" / B / f"alicejones_101_9101_{B}.ipynb",
        nbformat.writes(filled_notebook(B, {})).encode())
    put(tmp_path / "combo" / B / f"bob_102_9102_{B}.ipynb",
        nbformat.writes(filled_notebook(B, {})).encode())
    found = discover(tmp_path / "combo", [A, B])
    err = capsys.readouterr().err
    assert sorted({s.student for s in found}) == ["(canvas 101)", "(canvas 102)",
                                                  "(canvas 103)"]
    assert f"{A}/ is read as one canvas download of its own" in err
    assert any(f"{B}/ is read as one canvas download" in n
               for s in found if s.student == "(canvas 102)" for n in s.notes)
    table = _graded_into(tmp_path / "out", found, {})
    assert table["101"][A] == table["101"][B] == "3"
    assert table["103"][B] == "" and table["102"][A] == ""
    names = {r["ID"]: r["Student"] for r in _csv_rows(tmp_path / "out" / "lms" / "canvas.csv")}
    assert names["101"] == "alicejones"
    # within one download, one id under two names is still no one's
    put(tmp_path / "combo" / B / f"mallory_102_9109_{B}.ipynb", BLANK)
    found = by_student(discover(tmp_path / "combo", [A, B]))
    assert "(canvas 102)" not in found


def test_review24_f7_f13_a_stray_name_in_a_download_and_moodle_over_max_are_said(
        tmp_path, capsys):
    """Review 24, F7: a notebook in a Moodle download that fits no LMS's naming was graded
    silently as the student ``Li`` by the ``<student>_<anything>`` convention. F13: a
    Moodle total above the notebook's maximum (extra credit) was written without a word,
    and Moodle's worksheet upload skips such a row ("out of range")."""
    put(tmp_path / "m" / f"Kim Lee_2001_assignsubmission_file_{A}.ipynb", BLANK)
    put(tmp_path / "m" / f"Ann Bo_2002_assignsubmission_file_{A}.ipynb", BLANK)
    put(tmp_path / "m" / f"Li_Chen 2_2003_assignsubmission_file_{A}.ipynb", BLANK)
    found = by_student(discover(tmp_path / "m", [A]))
    assert any("fits no LMS's naming" in n for n in found["Li"].notes)
    assert "fits no LMS's naming" in capsys.readouterr().err
    from autograder.term import save_roster, write_lms_files

    out = tmp_path / "out"
    save_roster(list(found.values()), out)
    capsys.readouterr()
    write_lms_files([{"student": s, "assignment": A, "points": 50.0 if s.endswith("2001)")
                      else 3.0, "max_points": 10.0, "file": "x"} for s in found], out, None)
    err = capsys.readouterr().err
    assert f"moodle-{A}.csv: 1 grade(s) above the notebook's maximum" in err
    assert "Participant 2001 50" in err and "to at least 50" in err


def test_review24_f9_canvas_re_uploads_pick_the_newest_attachment_by_its_id(tmp_path):
    """Review 24, F9: of one user's two uploads of a notebook, the one graded was the last
    by name (``..._9999_`` sorts after ``..._10000_``), and the note called the other
    "older" by name. Canvas numbers attachments as uploaded: the larger id is graded."""
    put(tmp_path / "c" / f"oneil_108_9999_{A}.ipynb", BLANK)
    put(tmp_path / "c" / f"oneil_108_10000_{A}-1.ipynb", BLANK)
    put(tmp_path / "c" / f"ann_109_9998_{A}.ipynb", BLANK)
    found = by_student(discover(tmp_path / "c", [A]))
    assert found["(canvas 108)"].path.name == f"oneil_108_10000_{A}-1.ipynb"
    assert any("an older Canvas attachment" in n for n in found["(canvas 108)"].notes)


def test_review24_f8_a_latest_blackboard_attempt_without_a_notebook_is_said(tmp_path, capsys):
    """Review 24, F8: the README says the latest attempt is graded; a latest attempt with a
    PDF only left the earlier attempt's notebook graded without a word."""
    folder = tmp_path / "bb"
    put(folder / f"HW_pdfer_attempt_2027-03-10-10-00-00_{A}.ipynb", BLANK)
    put(folder / "HW_pdfer_attempt_2027-03-10-10-00-00.txt", b"Name: P Fer (pdfer)\n")
    put(folder / "HW_pdfer_attempt_2027-03-12-10-00-00_report.pdf", b"%PDF")
    put(folder / "HW_pdfer_attempt_2027-03-12-10-00-00.txt", b"Name: P Fer (pdfer)\n")
    put(folder / f"HW_kim_attempt_2027-03-10-10-00-00_{A}.ipynb", BLANK)
    put(folder / "HW_kim_attempt_2027-03-10-10-00-00.txt", b"Name: Kim K (kim)\n")
    found = by_student(discover(folder, [A]))
    assert found["(blackboard pdfer)"].path is not None
    assert any("latest attempt (2027-03-12T10:00:00+00:00) holds no notebook" in n
               for n in found["(blackboard pdfer)"].notes)
    assert not any("latest attempt" in n for n in found["(blackboard kim)"].notes)
    assert "(blackboard pdfer): Blackboard's latest attempt" in capsys.readouterr().err


# --- review 24, hostile recipes (H1, M1, H2) ----------------------------------------------


def test_review24_h1_no_upload_name_takes_a_classmate_s_canvas_row(tmp_path):
    """Review 24 H1: Alice (user 1001) names her upload after her student number, so her
    Canvas name reads two ways; Mallory's upload ``1001_7_...`` gave Mallory's file a later
    reading as user 1001, and Alice's file became "unclear" with no canvas.csv row. No
    upload name, however made, changes how a classmate's file is read. (Review 24b H1:
    Alice's own name reads two ways, so the instructor's roster decides it.)"""
    full = solution_bytes()
    honest = {f"alice_1001_5001_2023001_{A}.ipynb": full,
              f"bob_1002_5002_{A}.ipynb": BLANK,
              f"123_1010_5010_{A}.ipynb": full, f"late_1012_5012_{A}.ipynb": full,
              f"dave_late_1003_5003_{A}.ipynb": full,
              f"eve_1005_5005_bob_1002_5002_{A}.ipynb": BLANK,
              f"eve_1005_5006_1002_5002_{A}.ipynb": BLANK}
    roster = {"1001": "alice", "1002": "bob", "1010": "123", "1012": "late", "1003": "dave",
              "1005": "eve", "1004": "mallory"}
    uploads = ["1001_7", "1001_5001_2023001", "x_1001_7", "alice_1001_5001_2023001",
               "1001_5001", "2023001_1001_5001"]
    for number, upload in enumerate(uploads):
        folder = tmp_path / str(number)
        folder.mkdir()
        export = _lms_zip(folder, {**honest,
                                   f"mallory_1004_5004_{upload}_{A}.ipynb": BLANK})
        submissions = discover(export, [A], canvas_roster=roster)
        found = by_student(submissions)
        alice = found["(canvas 1001)"]
        assert alice.path.read_bytes() == full and alice.lms.importable, upload
        assert alice.lms.uploaded == f"2023001_{A}.ipynb", upload
        assert not any("more than one way" in n for n in alice.notes), upload
        assert found["(canvas 1004)"].path.read_bytes() == BLANK, upload
        assert found["(canvas 1002)"].path.read_bytes() == BLANK, upload
        rows = {r["ID"]: r for r in _csv_rows(
            _lms_files(submissions, folder) / "lms" / "canvas.csv") if r["ID"]}
        assert rows["1001"][A] == rows["1004"][A] == "3", upload  # each graded file: 3
    # a sortable name made of a classmate's name and id still decides nothing for itself
    (tmp_path / "forged").mkdir()
    found = _canvas(tmp_path / "forged", {f"alice_1001_5001_{A}.ipynb": full,
                                          f"alice_1001_5009_1004_5004_{A}.ipynb": BLANK})
    assert found["(canvas 1001)"].path.read_bytes() == full
    assert [s for s in found if s.startswith("(unclear Canvas name)")]


def test_review24_m1_a_combined_download_reads_each_download_on_its_own(tmp_path, capsys):
    """Review 24 M1: in a combined download (``combo/<notebook id>/``), each of Alice's files
    (named after her student number, so each reads two ways) held user 1001, and each made
    the other "unclear": Alice had no canvas.csv row. L2: the folder's warning counted only
    the students with a clear name. L1: an unclear file's id got a 0 row for the other
    notebook. Each download is decided on its own."""
    B = "02_universal_approximation"
    other = nbformat.writes(filled_notebook(B, {})).encode()
    put(tmp_path / "combo" / A / f"alice_1001_5001_2023001_{A}.ipynb", solution_bytes())
    put(tmp_path / "combo" / A / f"bob_1002_5002_{A}.ipynb", BLANK)
    put(tmp_path / "combo" / B / f"alice_1001_6001_2023001_{B}.ipynb", other)
    put(tmp_path / "combo" / B / f"bob_1002_6002_{B}.ipynb", other)
    roster = {"1001": "alice", "1002": "bob"}  # Alice's name reads two ways (review 24b H1)
    submissions = discover(tmp_path / "combo", [A, B], canvas_roster=roster)
    found = {(s.student, s.assignment): s for s in submissions}
    assert sorted(found) == sorted((f"(canvas {u})", n) for u in (1001, 1002) for n in (A, B))
    assert found[("(canvas 1001)", A)].path.read_bytes() == solution_bytes()
    assert found[("(canvas 1001)", B)].path.read_bytes() == other
    rows = {r["ID"]: r for r in _csv_rows(
        _lms_files(submissions, tmp_path) / "lms" / "canvas.csv") if r["ID"]}
    assert rows["1001"][A] == rows["1001"][B] == "3"
    err = capsys.readouterr().err
    assert f"holding {A} (2 students)" in err
    # L2: a student whose name stays unclear in that download is counted too
    put(tmp_path / "combo" / A / f"20231234_1003_5003_7_{A}.ipynb", BLANK)
    put(tmp_path / "combo" / A / f"20231234_1003_5004_{A}.ipynb", BLANK)
    submissions = discover(tmp_path / "combo", [A, B], canvas_roster=roster)
    assert f"holding {A} (4 students)" in capsys.readouterr().err
    # L1: an unclear file's id (one file's path) gets no "no submission" row for 02
    unclear = [s for s in submissions if s.student.startswith("(unclear Canvas name)")]
    assert [(s.assignment, s.path is not None) for s in unclear] == [(A, True)]
    assert any("more than one way" in n for n in unclear[0].notes)


def _graded_as_grade_does(out: Path, submissions) -> dict[str, dict[str, str]]:
    """``grade`` of ``submissions`` into ``out`` (earlier runs' results stay there): the
    submissions an earlier result is kept for are left out (``keep_earlier_results``), each
    other one's result written (a file ending in a space scores 3, another 1, none 0); then
    canvas.csv as user id -> notebook -> cell."""
    from autograder.grade import keep_earlier_results, result_path
    from autograder.report import load_results
    from autograder.term import save_roster, write_lms_files

    submissions = keep_earlier_results(submissions, out)
    for s in submissions:
        points = 0.0 if s.path is None else 3.0 if s.path.read_bytes().endswith(b" ") else 1.0
        path = result_path(out, s.student, s.assignment)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({
            "student": s.student, "assignment": s.assignment, "max_points": 10.0,
            "points": points, "file": s.path.name if s.path is not None else None,
            "uncertain": s.uncertain}))
    save_roster(submissions, out)
    write_lms_files(load_results(out), out, None)
    return {r["ID"]: r for r in _csv_rows(out / "lms" / "canvas.csv") if r["ID"]}


def test_review24_h2_a_download_of_another_notebook_changes_no_grade_of_it(tmp_path, capsys):
    """Review 24 H2: notebook 02's download graded into OUT (zed 3), then a two-student
    download of 01 holding zed's 01 and amy's upload of 02 (a tie: it "held" both): zed was
    absent from "02's download" and his 02 became 0, amy's 02 was re-graded from the wrong
    assignment. A download holds a notebook for certain only when more than half of its
    students submitted it (or ``--assignment`` names it); a student is absent only from a
    notebook their download certainly holds, and what such a download grades never
    replaces a result graded from a file of the notebook's own download. A re-download of
    02 itself still decides 02 (a student whose files there were all skipped gets 0)."""
    B = "02_universal_approximation"
    blank, full = (nbformat.writes(filled_notebook(B, {})).encode(),
                   nbformat.writes(filled_notebook(B, {})).encode() + b" ")
    dl02 = {f"zed_1001_6001_{B}.ipynb": full, f"amy_1002_6002_{B}.ipynb": blank,
            f"bo_1003_6003_{B}.ipynb": full}
    tie = {f"zed_1001_5001_{A}.ipynb": solution_bytes() + b" ",
           f"amy_1002_5002_{B}.ipynb": full}
    redownload = {f"zed_1001_6001_{B}.ipynb": full, f"amy_1002_6002_{B}.ipynb": blank,
                  "bo_1003_6009_answers.pdf": b"%PDF"}

    def run(out: Path, name: str, members: dict) -> dict[str, dict[str, str]]:
        (tmp_path / name).mkdir()
        return _graded_as_grade_does(out, discover(_lms_zip(tmp_path / name, members),
                                                   [A, B]))

    out = tmp_path / "out"
    table = run(out, "dl02", dl02)
    assert (table["1001"][B], table["1002"][B], table["1003"][B]) == ("3", "1", "3")
    capsys.readouterr()
    table = run(out, "tie", tie)
    assert (table["1001"][A], table["1001"][B]) == ("3", "3")  # was 0 for 02
    assert (table["1002"][A], table["1002"][B]) == ("", "1")  # 02's own download's grade
    assert table["1003"][B] == "3"
    err = capsys.readouterr().err
    assert "(canvas 1002) / 02_universal_approximation: kept the result" in err
    assert "--assignment 02_universal_approximation" in err
    # 02's own download again decides 02 (bo's only file there is a PDF: 0, as documented)
    table = run(out, "again", redownload)
    assert (table["1001"][B], table["1002"][B], table["1003"][B]) == ("3", "1", "0")
    assert table["1001"][A] == "3"
    # the other order: the tie first gives no one a 0, then 02's download decides 02
    other = tmp_path / "other"
    table = run(other, "tie-first", tie)
    assert (table["1001"][A], table["1001"][B], table["1002"][A], table["1002"][B]) == (
        "3", "", "", "3")
    table = run(other, "dl02-then", dl02)
    assert (table["1001"][B], table["1002"][B], table["1003"][B]) == ("3", "1", "3")
    # the instructor names what the download holds: its notebook is its own again
    named = by_student(discover(tmp_path / "tie" / "x", [A], instructor_named=True))
    assert named["(canvas 1001)"].path is not None
    assert all(s.uncertain is None for s in named.values())


def test_review24b_h1_a_sortable_name_never_files_work_under_a_classmate(tmp_path, capsys):
    """Review 24b H1: a Canvas site may let students edit their sortable name. User 1007
    named ``carol_1003_5003`` wrote ``carol_1003_5003_1007_5007_<upload>``, graded silently
    as Carol (user 1003, absent); ``zz_1002_9999`` made Bob's file (his upload named after
    his student number) unclear and took his row. A name that reads as several students is
    never given one of them by guess: it is unclear (own id, a note, a warning, no
    canvas.csv row) unless the instructor's roster leaves one reading; and no file changes
    how a classmate's file is read."""
    full = solution_bytes()
    attack = {f"alice_1001_5001_{A}.ipynb": BLANK,
              f"carol_1003_5003_1007_5007_{A}.ipynb": full}
    (tmp_path / "a").mkdir()
    submissions = discover(_lms_zip(tmp_path / "a", attack), [A])
    found = by_student(submissions)
    assert "(canvas 1003)" not in found and "(canvas 1007)" not in found, sorted(found)
    unclear = found[f"(unclear Canvas name) carol_1003_5003_1007_5007_{A}.ipynb"]
    assert unclear.lms is None and unclear.path.read_bytes() == full
    assert any("read more than one way" in n for n in unclear.notes)
    assert "reads more than one way" in capsys.readouterr().err
    rows = _csv_rows(_lms_files(submissions, tmp_path / "a") / "lms" / "canvas.csv")
    assert [r["ID"] for r in rows if r["ID"]] == ["1001"]
    # the roster (Canvas's gradebook export) knows 1007's name: the file is 1007's
    roster = {"1001": "alice", "1003": "carolann", "1007": "carol_1003_5003"}
    found = by_student(discover(tmp_path / "a" / "x", [A], canvas_roster=roster))
    assert found["(canvas 1007)"].path.read_bytes() == full and "(canvas 1003)" not in found
    # a name forged to the letter of Carol's still reads two ways: unclear
    roster["1003"] = "carol"
    found = by_student(discover(tmp_path / "a" / "x", [A], canvas_roster=roster))
    assert not {"(canvas 1003)", "(canvas 1007)"} & set(found), sorted(found)
    # b) Bob's outcome is his own name's, with or without the attacker's file
    bob = {f"alice_1001_5001_{A}.ipynb": BLANK, f"smithbob_1002_5002_2023001_{A}.ipynb": full}
    roster = {"1001": "alice", "1002": "smithbob", "1007": "zz_1002_9999"}
    for name, members in (("b", bob), ("c", {**bob, f"zz_1002_9999_1007_5007_{A}.ipynb":
                                              BLANK})):
        (tmp_path / name).mkdir()
        export = _lms_zip(tmp_path / name, members)
        without = by_student(discover(export, [A]))
        assert "(canvas 1002)" not in without, name  # reads as 1002 or 5002: not guessed
        found = by_student(discover(export, [A], canvas_roster=roster))
        assert found["(canvas 1002)"].path.read_bytes() == full, name
        if name == "c":
            assert found["(canvas 1007)"].path.read_bytes() == BLANK


def test_review24b_h2_l1_a_moodle_tie_download_writes_no_other_assignment_s_row(tmp_path,
                                                                                capsys):
    """Review 24b H2: a two-student download of assignment 02 holding Bob's upload of 01
    (a tie) wrote "Participant 7","Bob Brown" into 01's worksheet: 7 is 02's participant
    id, someone else in 01. L1: graded after 01's own download (where 7 is Alice), Alice's
    details row showed Bob's name and a false "not graded". A Moodle id is written only in
    the worksheet of a notebook its download is certainly the download of."""
    from autograder.grade import keep_earlier_results, result_path
    from autograder.report import load_results
    from autograder.term import save_roster, write_lms_files

    B = "02_universal_approximation"
    file = "{}_{}_assignsubmission_file_{}.ipynb"
    dl01 = {file.format("Alice Ames", 7, A): solution_bytes(),
            file.format("Dan Dee", 3, A): BLANK, file.format("Eve Eng", 4, A): BLANK}
    tie = {file.format("Bob Brown", 7, A): solution_bytes(),
           file.format("Carl Cole", 8, B): nbformat.writes(filled_notebook(B, {})).encode()}

    def run(out: Path, name: str, members: dict) -> dict[str, list[dict]]:
        (tmp_path / name).mkdir()
        submissions = keep_earlier_results(
            discover(_lms_zip(tmp_path / name, members), [A, B]), out)
        for s in submissions:
            path = result_path(out, s.student, s.assignment)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({
                "student": s.student, "assignment": s.assignment, "max_points": 10.0,
                "points": 3.0 if s.path is not None else 0.0,
                "file": s.path.name if s.path is not None else None,
                "uncertain": s.uncertain}))
        save_roster(submissions, out)
        write_lms_files(load_results(out), out, None)
        return {p.name: _csv_rows(p) for p in (out / "lms").glob("moodle-*.csv")}

    files = run(tmp_path / "out", "tie", tie)
    assert not any(rows for rows in files.values()), files  # no id of 02 in 01's worksheet
    err = capsys.readouterr().err
    assert "not written in the Moodle worksheet" in err
    files = run(tmp_path / "out", "dl01", dl01)  # 01's own download, into the same OUT
    assert sorted(r["Identifier"] for r in files[f"moodle-{A}.csv"]) == [
        "Participant 3", "Participant 4", "Participant 7"]
    assert {r["Full name"] for r in files[f"moodle-{A}.csv"]} == {
        "Alice Ames", "Dan Dee", "Eve Eng"}
    # L1: 01's download first, then the tie: Alice's row keeps her name, no false note
    run(tmp_path / "out2", "dl01b", dl01)
    files = run(tmp_path / "out2", "tieb", tie)
    alice = [r for r in files["moodle-details.csv"] if r["lms_id"] == "7"]
    assert [(r["name"], r["notebook"], r["total"], r["note"]) for r in alice] == [
        ("Alice Ames", A, "3", "")]
    assert [(r["Identifier"], r["Full name"]) for r in files[f"moodle-{A}.csv"]
            if r["Identifier"] == "Participant 7"] == [("Participant 7", "Alice Ames")]
    assert "Participant 8" not in str(files)
