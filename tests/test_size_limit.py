"""Review 24h H1: one size limit for a notebook file on every path. The LMS reader took
files up to 64 MB while grade refused those over 50 MB, so a correct 55 MB notebook (a long
printed log) scored 0; Gradescope's upload line said "0 of 10 answer cells filled in" for a
file it had not read."""

from __future__ import annotations

import os

from autograder import grade, gradescope, integrity, submissions
from autograder.submissions import MAX_NOTEBOOK_BYTES


def test_every_path_grades_up_to_the_same_size():
    assert grade.MAX_SUBMISSION_BYTES == MAX_NOTEBOOK_BYTES
    assert submissions.MAX_ZIP_MEMBER == MAX_NOTEBOOK_BYTES
    assert integrity.MAX_FILE_BYTES == MAX_NOTEBOOK_BYTES


def test_gradescope_says_a_file_too_large_is_not_read(tmp_path):
    big = tmp_path / "mine.ipynb"
    with open(big, "wb") as handle:
        handle.truncate(MAX_NOTEBOOK_BYTES + 1)  # sparse: no disk used
    entry = gradescope.upload_test(big, "01_neuron_and_xor", "mine.ipynb", [])
    assert "larger than 64 MB and is not graded" in entry["output"], entry["output"]
    assert "filled in" not in entry["output"]
    os.truncate(big, 10)
    assert "filled in" in gradescope.upload_test(big, "01_neuron_and_xor", "mine.ipynb",
                                                 [])["output"]
