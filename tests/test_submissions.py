"""Submissions are picked, named and kept faithfully; reports can always be written.

Issue 13, items 5 (files and names) and the report items: exact student ids, the expected
file over copies and scratch notebooks, the instructor's copy never overwritten, capped
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
    assert sorted(found) == ["Alice Honest (moodle 1001)", "Mallory (moodle 1002)"]
    alice_row, mallory = found["Alice Honest (moodle 1001)"], found["Mallory (moodle 1002)"]
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


def test_instructors_copy_is_never_overwritten(tmp_path):
    work = tmp_path / "course"
    mine = put(work / "submitted" / "kim" / A / f"{A}.ipynb", solution_bytes(), age=3600)
    original = mine.read_bytes()
    put(work / "submitted" / "kim" / A / "scratch.ipynb", BLANK, age=0)
    chosen = discover(work / "submitted", [A])
    assert [s.path for s in chosen] == [mine]
    # even when told to import a different file for kim, the existing copy stays
    newer = put(tmp_path / "export" / f"kim_{A}.ipynb", BLANK)
    fresh = put(tmp_path / "export" / f"Zoë_{A}.ipynb", solution_bytes())
    warnings = _import_into_nbgrader(
        [Submission("kim", A, newer), Submission("Zoë", A, fresh), *chosen], work)
    assert mine.read_bytes() == original
    assert warnings == [f"{mine} kept as it is: it differs from the graded file "
                        f"kim_{A}.ipynb"]
    assert (work / "submitted" / "Zoë" / A / f"{A}.ipynb").read_bytes() == fresh.read_bytes()


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
    assert found["alice (canvas 501)"].path.read_bytes() == solution_bytes()
    assert found["alice (canvas 501)"].notes == []
    bob = found["bob (canvas 502)"]
    assert bob.path.read_bytes() == solution_bytes()
    assert sum("over their share" in n for n in bob.notes) == 5  # 4 x 60 MB kept
    # the safety nets skip the largest students' extra files first, never everyone's
    target = extract_zip(archive, tmp_path / "y", max_total=100 << 20, max_files=5)
    found = by_student(discover(target, [A]))
    assert found["alice (canvas 501)"].path.read_bytes() == solution_bytes()
    assert found["bob (canvas 502)"].path.read_bytes() == solution_bytes()
    assert any("over its total cap" in n for n in found["bob (canvas 502)"].notes)


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
    assert found["alice (canvas 501)"].path.read_bytes() == solution_bytes()
    assert found["bob (canvas 502)"].path.read_bytes() == solution_bytes()
    assert found["alice (canvas 501)"].notes == found["bob (canvas 502)"].notes == []


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
        assert found[user].path.read_bytes() == solution_bytes(), user
        assert not any("share" in note for note in found[user].notes), user
    assert "HW" not in found
    assert found["zed"].path is not None  # its own receipts never crowd out its notebook


def test_round_9_an_impossible_date_a_slashed_upload_and_a_digit_assignment(tmp_path):
    """Round 9: a file name with a date no calendar has costs only its uploader (it is no
    Blackboard attempt); an attempt whose upload began with ``/`` keeps its receipt (so
    ``kim_lee`` is not read as ``lee``); receipts of an assignment named ``HW_1`` with
    all-digit usernames are receipts, so every student keeps their own share."""
    found = _canvas(tmp_path, {
        f"alice_501_9001_{A}.ipynb": solution_bytes(),
        f"mal_503_9003_x_attempt_2026-13-01-00-00-00_{A}.ipynb": BLANK,
    })
    assert found["alice (canvas 501)"].path.read_bytes() == solution_bytes()
    (tmp_path / "b").mkdir()
    found = _canvas(tmp_path / "b", {
        f"HW_lee_attempt_2026-11-01-09-00-00_{A}.ipynb": solution_bytes(),
        "HW_lee_attempt_2026-11-01-09-00-00.txt": b"Name: Al Lee (lee)\n",
        f"HW_kim_lee_attempt_2026-11-02-09-00-00_/{A}.ipynb": BLANK,
        "HW_kim_lee_attempt_2026-11-02-09-00-00.txt": b"Name: Kim Lee (kim_lee)\n",
    })
    assert found["lee"].path.read_bytes() == solution_bytes()
    assert found["kim_lee"].path.read_bytes() == BLANK
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
        assert found[user].path.read_bytes() == solution_bytes(), user


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
    assert found["kim_lee"].path.read_bytes() == solution_bytes()
    assert "lee" not in found and not any("share" in n for n in found["kim_lee"].notes)
    (tmp_path / "cv").mkdir()
    found = _canvas(tmp_path / "cv", {
        f"bob_502_9002_{A}.ipynb": solution_bytes(),
        **{f"mal_503_9003_f{k}_attempt_2026-11-01-09-00-00.txt": big for k in range(10)},
    })
    assert found["bob (canvas 502)"].path.read_bytes() == solution_bytes()
    (tmp_path / "sk").mkdir()
    archive = tmp_path / "sk" / "x.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(f"HW_kim_lee_attempt_2026-11-02-09-00-00_{A}.ipynb",
                        solution_bytes() + b" " * 300_000)
        zipped.writestr("HW_kim_lee_attempt_2026-11-02-09-00-00.txt", b"Name: K (kim_lee)\n")
    found = by_student(discover(extract_zip(archive, tmp_path / "sk" / "x",
                                            max_member=200_000), [A]))
    assert "lee" not in found and "kim_lee" in found


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
    assert found["bob"].path.read_bytes() == solution_bytes()
    assert found["x_bob"].lms.lms_id == "x_bob"
    huge = dict(bob)  # x_bob's receipt is longer than every cap: still a receipt, cut short
    huge[attempt("x_bob", 2)] = BLANK
    huge[receipt("x_bob", 2)] = b"Name: X Bob (x_bob)\n" + b"x" * 300_000
    found = zipped_class(tmp_path / "huge", huge, max_member=200_000, max_student=250_000)
    assert sorted(found) == ["bob", "x_bob"]
    assert found["bob"].path.read_bytes() == solution_bytes()
    assert found["x_bob"].lms.name == "X Bob"
    extracted = tmp_path / "huge" / "x" / receipt("x_bob", 2)
    assert extracted.stat().st_size == 4096
    big = dict(bob)  # x_bob's only notebook is over the per-file cap
    big[attempt("x_bob", 2)] = solution_bytes() + b" " * 300_000
    big[receipt("x_bob", 2)] = b"Name: X Bob (x_bob)\n"
    found = zipped_class(tmp_path / "big", big, max_member=200_000)
    assert sorted(found) == ["bob", "x_bob"] and found["x_bob"].path is None
    assert found["bob"].path.read_bytes() == solution_bytes()
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
    assert sorted(found) == sorted(users)
    import unicodedata  # round 15: names unzipped decomposed, the receipt's line composed

    decomposed = tmp_path / "nfd"
    for number, user in enumerate(("muñoz", "garcía")):
        prefix = unicodedata.normalize("NFD", f"HW1_{user}_attempt_2026-11-0{number + 1}-09-00-00")
        put(decomposed / f"{prefix}_{A}.ipynb", solution_bytes())
        put(decomposed / f"{prefix}.txt", f"Name: S {number} ({user})\n".encode())
    assert sorted(s.lms.lms_id for s in discover(decomposed, [A])) == ["garcía", "muñoz"]
    for number, user in enumerate(users):
        assert found[user].lms.lms_id == user
        assert found[user].path.read_bytes() == solution_bytes() + b" " * number


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
    assert found["kumarअनिल (canvas 507)"].path.read_bytes() == solution_bytes()
    assert found["kumarअनिल (canvas 510)"].path.read_bytes() == BLANK


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
    assert found["lee (canvas 501)"].path.read_bytes() == solution_bytes()
    assert len(found) == 3
    others = [s for name, s in found.items() if name != "lee (canvas 501)"]
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
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(folder), "--out",
                           str(tmp_path / "out"), "--no-sandbox", "--no-gradebook", "--quiet"],
                          capture_output=True, text=True, timeout=300)
    assert "warning: section-a.zip is not read" in done.stderr  # round 14: beside notebooks
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
    assert found["blackboard:kim_lee"].student == "kim_lee"  # the receipt's username
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
    assert sorted(found) == ["Alice Honest (moodle 1001)", "Mallory (moodle 1002)"]
    assert found["Alice Honest (moodle 1001)"].path == alice
    assert found["Alice Honest (moodle 1001)"].notes == []
    assert found["Mallory (moodle 1002)"].path.read_bytes() == BLANK


def test_a_student_folder_named_like_a_notebook_switches_nothing(tmp_path):
    """One student's folder named after the notebook id used to switch the whole export to
    nbgrader's layout (the class 0/11): the layout is decided per file."""
    export = tmp_path / "export"
    put(export / "Kim Lee_1001_assignsubmission_file" / f"{A}.ipynb", solution_bytes())
    put(export / "Eve_1002_assignsubmission_file" / A / f"{A}.ipynb", BLANK)
    put(export / f"Ann Bo_1003_assignsubmission_file_{A}.ipynb", solution_bytes())
    put(export / "canvas" / f"leekim_501_9001_{A}.ipynb", solution_bytes())
    found = by_student(discover(export, [A]))
    assert sorted(found) == ["Ann Bo (moodle 1003)", "Eve (moodle 1002)",
                             "Kim Lee (moodle 1001)", "leekim (canvas 501)"]
    for student in ("Ann Bo (moodle 1003)", "Kim Lee (moodle 1001)", "leekim (canvas 501)"):
        assert found[student].path.read_bytes() == solution_bytes(), student
    assert found["Eve (moodle 1002)"].path.read_bytes() == BLANK


def test_two_students_with_the_same_display_name_stay_apart(tmp_path):
    export = tmp_path / "export"
    first = put(export / "Kim Lee_1001_assignsubmission_file" / f"{A}.ipynb", solution_bytes())
    second = put(export / "Kim Lee_1002_assignsubmission_file" / f"{A}.ipynb", BLANK)
    found = by_student(discover(export, [A]))
    assert found["Kim Lee (moodle 1001)"].path == first
    assert found["Kim Lee (moodle 1002)"].path == second
    assert found["Kim Lee (moodle 1001)"].notes == found["Kim Lee (moodle 1002)"].notes == []


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
    assert sorted(found) == ["Ann Bo (moodle 1003)", "Eve (moodle 1002)",
                             "Kim Lee (moodle 1001)"]
    assert found["Kim Lee (moodle 1001)"].path.read_bytes() == solution_bytes()
    assert found["Ann Bo (moodle 1003)"].path.read_bytes() == solution_bytes()
    eve = found["Eve (moodle 1002)"]
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
    assert sorted(found) == ["Eve (moodle 1002)", "ann"]
    assert found["ann"].path is not None and found["ann"].notes == []
    eve = found["Eve (moodle 1002)"]
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
    assert sorted(found) == ["alice", "bob"]
    assert found["alice"].timestamp.isoformat() == "2026-12-01T10:00:00+00:00"
    assert found["bob"].path.name.startswith("HW1_bob_attempt_2026-12-01-11")

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
    assert sorted(found) == ["eve", "leebob (canvas 502)", "mallory (canvas 503)"]
    assert found["mallory (canvas 503)"].lms.lms_id == "503"
    assert found["eve"].lms.lms == "blackboard"
    assert found["leebob (canvas 502)"].path.read_bytes() == solution_bytes()


def test_canvas_names_may_hold_underscores_and_digits(tmp_path):
    """Canvas keeps [[:word:]] in a name (``_`` and digits): an honest ``smith_jonesann`` is
    Canvas user 504; ``x_501`` cannot take classmate 501's id (501 is leealice's in an
    unambiguous file); a name that still reads two ways gets its own row, a note, no
    canvas.csv row."""
    export = _lms_zip(tmp_path, {
        f"smith_jonesann_504_9001_{A}.ipynb": solution_bytes(),
        f"leealice_501_9002_{A}.ipynb": solution_bytes(),
        f"x_501_777_9999_{A}.ipynb": BLANK,
        f"12345_678_9003_{A}.ipynb": BLANK,
    })
    found = {s.student: s for s in discover(export, [A])}
    assert sorted(found) == [
        f"(unclear Canvas name) 12345_678_9003_{A}.ipynb", "leealice (canvas 501)",
        "smith_jonesann (canvas 504)", "x_501 (canvas 777)"]
    assert found["smith_jonesann (canvas 504)"].path.read_bytes() == solution_bytes()
    assert found["leealice (canvas 501)"].path.read_bytes() == solution_bytes()
    unclear = found[f"(unclear Canvas name) 12345_678_9003_{A}.ipynb"]
    assert unclear.lms is None and unclear.path is not None
    assert any("Canvas name could be read more than one way; check who submitted it" in n
               for n in unclear.notes), unclear.notes


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
    assert found["20231234"].lms.lms == "blackboard"
    assert found["20231234"].lms.name == "Ann Bo"
    assert all(s.lms is None or s.lms.lms_id != "x (canvas 5)" for s in found.values())
    assert "x (canvas 5)" not in found


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
    assert found["moodle:13"].student == "José Ñandú (moodle 13)"
    assert found["canvas:601"].student == f"{'иван' * 30} (canvas 601)"
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
    assert found["kim"].path.read_bytes() == solution_bytes()
    assert found["kim"].timestamp.isoformat() == "2026-12-02T10:00:00+00:00"


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


def test_merge_carries_the_shards_lms_rosters(tmp_path):
    for number, (student, who) in enumerate({
            "kim (canvas 501)": {"lms": "canvas", "id": "501", "name": "kim"},
            "ann": {"lms": "blackboard", "id": "ann", "name": "Ann Bo"}}.items()):
        shard = tmp_path / f"shard{number}" / "lms"
        shard.mkdir(parents=True)
        (shard / "students.json").write_text(json.dumps({student: who}))
    done = subprocess.run([sys.executable, "-m", "autograder", "merge",
                           str(tmp_path / "shard0"), str(tmp_path / "shard1"),
                           "--out", str(tmp_path / "out"), "--course-work", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    roster = json.loads((tmp_path / "out" / "lms" / "students.json").read_text())
    assert sorted(roster) == ["ann", "kim (canvas 501)"]
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
    assert found["carol (canvas 503)"].path.read_bytes() == solution_bytes()
    assert found["bob (canvas 502)"].path.read_bytes() == solution_bytes()
    assert found["alice (canvas 501)"].path.read_bytes() == solution_bytes()
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
    assert found["bob"].path.read_bytes() == solution_bytes()
    assert "an earlier attempt" in " ".join(found["bob"].notes)


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
    assert found["ann"].path.read_bytes() == solution_bytes()
    assert found["ann"].lms.lms == "blackboard"
    assert found["bob (canvas 502)"].lms.lms == "canvas"
    assert "alice" not in found and "alice (canvas 501)" in found
    assert found["123 (moodle 1001)"].lms.lms == "moodle"
    # a folder no one LMS's naming covers: each file by the one naming it matches
    assert found["Cy Dee (moodle 1004)"].lms.lms == "moodle"
    assert found["dan (canvas 504)"].lms.lms == "canvas"
    # the instructor may say which LMS: only its naming is read
    found = by_student(discover(tmp_path / "ex" / "flat", [A], lms="canvas"))
    assert sorted(found) == ["bob (canvas 502)", "carol (canvas 503)"]
    found = by_student(discover(tmp_path / "ex" / "mixed", [A], lms="moodle"))
    assert found["Cy Dee (moodle 1004)"].lms.lms == "moodle"
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
    assert {"leekim (canvas 501)", "boann (canvas 503)", "mal (canvas 506)"} == set(found)
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
    assert found["kim_lee"].path.read_bytes() == solution_bytes()
    assert found["kim_lee"].lms.lms == "blackboard"
    assert found["mal (canvas 506)"].lms.lms == "canvas"
    assert found["leekim (canvas 501)"].lms.lms == "canvas"


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
    bob = by_student(submissions)["bob (canvas 502)"]
    assert bob.path is None and bob.lms is not None and bob.lms.lms_id == "502"
    out = tmp_path / "out"
    save_roster(submissions, out)
    records = [{"student": "alice (canvas 501)", "assignment": A, "points": 3.0,
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
    assert list(roster) == ["robert (canvas 502)"]
    others = [LmsFile("blackboard", "-ann", "Ann Bo", f"{A}.ipynb"),
              LmsFile("blackboard", "@kim", "Kim Lee", f"{A}.ipynb"),
              LmsFile("moodle", "7", "Max Mo", f"{A}.ipynb")]
    save_roster([Submission(o.student, A, tmp_path, lms=o) for o in others], out)
    records = [{"student": s, "assignment": A, "points": 2.0, "max_points": 10.0}
               for s in ("robert (canvas 502)", "-ann", "@kim", "Max Mo (moodle 7)")]
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
