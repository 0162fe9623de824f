"""The class grader: bad inputs, hostile cells and tampering, resume, shards, determinism.

The submissions are built as grading_helpers.py says: notebook 01's solution changed in one
place. The attacks on the grader itself are in test_grader_attacks.py.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from grading_helpers import (
    BAD_SIGMOID,
    BUT_ONE,
    COUNT,
    FULL,
    LIMITS,
    MARK,
    MODES,
    OUTSIDE_FILE,
    SOLUTION,
    WRONG_SIGMOID,
    A,
    answers,
    grade,
    hostile,
    needs_bwrap,
    points,
    reads,
    reason,
    table,
    write,
)

from autograder.notebooks import ROOT, SOLUTIONS, filled_notebook, is_graded
from autograder.sandbox import CGROUP_ROOT


@pytest.fixture(scope="module")
def network_server():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.1)
    yield server
    server.close()


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, network_server):
    """One class with every bad input and tamper attempt, graded once."""
    root = tmp_path_factory.mktemp("class")
    submitted = root / "submitted"
    work = root / "course"
    port = network_server.getsockname()[1]
    release = filled_notebook(A, {})
    notebooks = {
        "correct": filled_notebook(A, SOLUTION),
        "blank": release,
        "partly-wrong": filled_notebook(A, answers(sigmoid=BAD_SIGMOID)),
        "infinite-loop": filled_notebook(A, hostile("while True:\n    pass")),
        "ignores-signals": filled_notebook(A, hostile(
            "import signal\nfor s in (signal.SIGINT, signal.SIGTERM):\n"
            "    signal.signal(s, signal.SIG_IGN)\nwhile True:\n    pass")),
        "memory-bomb": filled_notebook(A, hostile("blob = bytearray(8 * 1024 ** 3)")),
        "memory-creep": filled_notebook(A, hostile(
            "hog = []\nwhile True:\n    hog.append(bytearray(50 * 1024 ** 2))")),
        "fork-bomb": filled_notebook(A, hostile(
            "import os\nfor _ in range(3000):\n    try:\n        os.fork()\n"
            "    except OSError:\n        pass")),
        "forks-when-called": filled_notebook(A, answers(count_parameters=COUNT + (
            "import os\n_count = count_parameters\n"
            "def count_parameters(dims):\n    child = os.fork()\n"
            "    if child:\n        os.waitpid(child, 0)\n    return _count(dims)\n"))),
        "exits": filled_notebook(A, hostile("import os\nos._exit(3)")),
        "kills-kernel": filled_notebook(A, hostile(
            "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")),
        "kills-grader": filled_notebook(A, hostile(
            "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)")),
        "prints-gigabytes": filled_notebook(A, hostile(
            "line = 'x' * 1_000_000\nfor _ in range(2000):\n    print(line)")),
        "floods-probes": filled_notebook(A, hostile(
            "from IPython.display import display\nfrom nncourse.checking import PROBE_MIME\n"
            "for _ in range(100_000):\n    display({PROBE_MIME: 'x' * 1000}, raw=True)")),
        "raises": filled_notebook(A, hostile("raise ValueError('a cell that raises')")),
        "warns": filled_notebook(A, answers(neuron=(
            "import sys, warnings\nprint('noise on stderr', file=sys.stderr)\n"
            "def neuron(x, w, b, activation=sigmoid):\n"
            "    warnings.warn('a harmless warning')\n"
            "    print('more stderr', file=sys.stderr)\n"
            "    return activation(x @ w + b)\n"))),
        "wrong-kernel": filled_notebook(A, SOLUTION),
        "tamper-allclose": filled_notebook(A, answers(sigmoid=(
            "np.allclose = lambda *a, **k: True\n"
            "np.testing.assert_allclose = lambda *a, **k: None\n" + BAD_SIGMOID))),
        "tamper-library": filled_notebook(A, answers(sigmoid=(
            "import nncourse, nncourse.checking, nncourse.compare\n"
            "from nncourse.verdict import Verdict\n"
            "nncourse.compare.compare = lambda *a, **k: Verdict.ok()\n"
            "nncourse.checking.judge_seen = lambda *a, **k: Verdict.ok()\n"
            "nncourse.checking.check = lambda *a, **k: None\n"
            "nncourse.check = lambda *a, **k: None\n" + BAD_SIGMOID))),
        "tamper-builtins": filled_notebook(A, answers(sigmoid=(
            "import builtins\nbuiltins.abs = lambda x: 0\nbuiltins.all = lambda x: True\n"
            "builtins.isinstance = lambda *a: True\n" + BAD_SIGMOID))),
        "tamper-test-cells": filled_notebook(A, answers(sigmoid=BAD_SIGMOID)),
        "reads-solutions": filled_notebook(A, answers(
            sigmoid=reads(SOLUTIONS / A / f"{A}.ipynb"))),
        "reads-gradebook": filled_notebook(A, answers(sigmoid=reads(work / "gradebook.db"))),
        "reads-classmates": filled_notebook(A, answers(
            sigmoid=reads(submitted / "correct" / A / f"{A}.ipynb"))),
        "reads-home": filled_notebook(A, answers(sigmoid=reads(Path.home() / ".bashrc"))),
        "writes-outside": filled_notebook(A, hostile(
            f"for p in ({str(OUTSIDE_FILE)!r}, {str(ROOT / ('escaped-' + MARK))!r}):\n"
            "    try:\n        open(p, 'w').write('x')\n    except OSError:\n        pass")),
        "network": filled_notebook(A, answers(sigmoid=(
            "import socket\ndef sigmoid(z):\n    try:\n"
            f"        socket.create_connection(('127.0.0.1', {port}), timeout=1).close()\n"
            "    except OSError:\n        return np.asarray(z, dtype=float) * 0 + 0.5\n"
            "    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n"))),
    }
    many = notebooks["many-errors"] = filled_notebook(A, SOLUTION)
    many.cells += [nbformat.v4.new_code_cell(f"raise ValueError('cell {k}')") for k in range(30)]
    notebooks["wrong-kernel"].metadata["kernelspec"] = {"name": "ir", "display_name": "R",
                                                        "language": "R"}
    tampered = notebooks["tamper-test-cells"]
    tests = [c for c in tampered.cells if is_graded(c)]
    tests[0].source = "pass  # edited test cell"
    tampered.cells.remove(tests[1])
    reordered = filled_notebook(A, SOLUTION)
    reordered.cells = reordered.cells[:2] + reordered.cells[2:][::-1]
    notebooks["reordered"] = reordered
    for student, notebook in notebooks.items():
        write(submitted, student, notebook)
    good = nbformat.writes(notebooks["correct"]).encode()
    write(submitted, "corrupt", good[: len(good) // 2])
    write(submitted, "empty", b"")
    write(submitted, "not-a-notebook", b'{"hello": "world"}')
    write(submitted, "renamed", notebooks["correct"], name="my copy (1).ipynb")
    v3 = nbformat.convert(filled_notebook(A, SOLUTION), 3)
    write(submitted, "nbformat3", nbformat.writes(v3, version=3).encode())
    (submitted / "missing" / A).mkdir(parents=True)
    started = time.monotonic()
    done = grade(submitted, root / "out", "--jobs", "2", work=work)
    seconds = time.monotonic() - started
    return {"out": root / "out", "work": work, "stdout": done.stdout, "seconds": seconds,
            "grades": table(root / "out" / "grades.csv"),
            "tests": table(root / "out" / "tests.csv")}


@pytest.mark.parametrize("student, expected", [
    ("correct", FULL), ("blank", 0), ("renamed", FULL),
    ("reordered", FULL), ("wrong-kernel", FULL), ("warns", FULL), ("nbformat3", FULL),
    ("tamper-test-cells", WRONG_SIGMOID),
    ("corrupt", 0), ("empty", 0), ("not-a-notebook", 0), ("missing", 0),
])
@needs_bwrap
def test_ordinary_and_malformed_submissions(graded_class, student, expected):
    if expected == WRONG_SIGMOID:
        expected = points(graded_class, "partly-wrong")
    assert points(graded_class, student) == expected


@needs_bwrap
def test_a_wrong_sigmoid_costs_its_tests_and_at_most_neuron_and_xor(graded_class):
    assert FULL - 4 <= points(graded_class, "partly-wrong") <= FULL - 2


@pytest.mark.parametrize("student, why", [
    ("infinite-loop", "time cap"), ("ignores-signals", "time cap"),
    ("memory-bomb", "raised an error"), ("memory-creep", "raised an error"),
    ("exits", "exited with an error code"),
    ("kills-kernel", "died with SIGKILL"), ("kills-grader", "raised an error"),
    ("floods-probes", "output cap"), ("raises", "raised an error"),
])
@needs_bwrap
def test_hostile_cell_costs_only_its_own_test(graded_class, student, why):
    assert points(graded_class, student) == BUT_ONE
    failed = reason(graded_class, student, "test_count_parameters")
    assert why in failed + graded_class["grades"][(student, A)]["notes"]


@needs_bwrap
def test_a_forked_process_speaks_for_no_one(graded_class):
    """count_parameters forks and the parent waits: the fork returns the same answer, runs on
    through the test cell and exits; only the kernel's own results count, so nothing is
    counted twice (which the judge would read as tampering)."""
    assert points(graded_class, "forks-when-called") == FULL


@needs_bwrap
def test_fork_bomb_and_printing_gigabytes_cost_at_most_their_own_test(graded_class):
    for student in ("fork-bomb", "prints-gigabytes"):
        assert points(graded_class, student) >= BUT_ONE
        assert [test for (s, _, test), row in graded_class["tests"].items()
                if s == student and row["reason"] != "passed"] in ([], ["test_count_parameters"])


@needs_bwrap
@pytest.mark.parametrize("student", ["tamper-allclose", "tamper-library", "tamper-builtins"])
def test_tampering_in_the_kernel_gains_nothing(graded_class, student):
    assert points(graded_class, student) <= points(graded_class, "partly-wrong")
    assert reason(graded_class, student, "test_sigmoid_values") != "passed"


@pytest.mark.parametrize("student", ["reads-solutions", "reads-gradebook", "reads-classmates",
                                     "reads-home", "network"])
@needs_bwrap
def test_sandbox_hides_files_and_network(graded_class, student, network_server):
    assert reason(graded_class, student, "test_sigmoid_values") != "passed"
    with pytest.raises(OSError):
        network_server.accept()


@needs_bwrap
def test_nothing_is_written_outside_the_sandbox(graded_class):
    assert points(graded_class, "writes-outside") == FULL
    assert not OUTSIDE_FILE.exists()
    assert not (ROOT / f"escaped-{MARK}").exists()


@needs_bwrap
def test_notes_explain_restorations_and_problems(graded_class):
    notes = {s[0]: row["notes"] for s, row in graded_class["grades"].items()}
    assert "restored from the source" in notes["tamper-test-cells"]
    assert "not valid notebook JSON" in notes["corrupt"]
    assert "empty" in notes["empty"]
    assert "kernelspec 'ir' ignored" in notes["wrong-kernel"]
    assert "nbformat 3" in notes["nbformat3"]
    assert "no submission" in notes["missing"]


@needs_bwrap
def test_feedback_names_the_fix_and_hides_hidden_tests(graded_class):
    page = (graded_class["out"] / "feedback" / "partly-wrong" / f"{A}.html").read_text()
    score = points(graded_class, "partly-wrong")
    assert "sigmoid" in page and "Hint" in page and f"{score:g} / {FULL:g}" in page
    source = (SOLUTIONS / A / f"{A}.ipynb").read_text()
    assert "BEGIN HIDDEN TESTS" in source
    assert "HIDDEN TESTS" not in page and "sigmoid_hidden_shapes\", sigmoid" not in page


@needs_bwrap
def test_scores_are_in_nbgraders_gradebook(graded_class):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded_class['work'] / 'gradebook.db'}") as gradebook:
        assert gradebook.find_submission(A, "correct").score == FULL
        assert gradebook.find_submission(A, "partly-wrong").score == \
            points(graded_class, "partly-wrong")
    assert (graded_class["work"] / "submitted" / "renamed" / A / f"{A}.ipynb").exists()


def small_class(folder: Path) -> Path:
    submitted = folder / "submitted"
    for i, changes in enumerate([{}, {"sigmoid": BAD_SIGMOID}, {"count_parameters": "x"},
                                 {}, {"mlp_forward": "pass"}, {}]):
        write(submitted, f"student{i}", filled_notebook(A, answers(**changes)))
    return submitted


@pytest.mark.parametrize("mode", MODES)
def test_two_runs_give_identical_csvs(tmp_path, mode):
    """Same submissions and same secret (--seed) in two output folders: identical bytes."""
    submitted = small_class(tmp_path)
    grade(submitted, tmp_path / "one", *mode, "--seed", "7", "--no-gradebook")
    grade(submitted, tmp_path / "two", *mode, "--seed", "7", "--no-gradebook")
    for name in ("grades.csv", "tests.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


@pytest.mark.parametrize("mode", MODES)
def test_shards_merged_equal_a_single_run(tmp_path, mode):
    submitted = small_class(tmp_path)
    grade(submitted, tmp_path / "all", *mode, "--seed", "7", "--no-gradebook")
    for k in (1, 2, 3):
        grade(submitted, tmp_path / f"shard{k}", *mode, "--seed", "7", "--no-gradebook",
              "--shard", f"{k}/3")
    shards = [tmp_path / f"shard{k}" for k in (1, 2, 3)]
    sizes = [len(table(s / "grades.csv")) if (s / "grades.csv").stat().st_size > 60 else 0
             for s in shards]
    assert sum(sizes) == 6
    subprocess.run([sys.executable, "-m", "autograder", "merge", *map(str, shards), "--out",
                    str(tmp_path / "merged")], check=True, capture_output=True)
    for name in ("grades.csv", "tests.csv"):
        assert ((tmp_path / "merged" / name).read_bytes()
                == (tmp_path / "all" / name).read_bytes())


@pytest.mark.parametrize("mode", MODES)
def test_kill_minus_nine_then_resume_finishes_with_the_same_grades(tmp_path, mode):
    submitted = small_class(tmp_path)
    grade(submitted, tmp_path / "reference", *mode, "--seed", "7", "--no-gradebook")
    out = tmp_path / "interrupted"
    command = [sys.executable, "-m", "autograder", "grade", str(submitted), "--out", str(out),
               "--quiet", *mode, "--seed", "7", "--no-gradebook", "--jobs", "1", *LIMITS]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list(out.glob("results/*/*.json"))) < 2:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished_before = len(list(out.glob("results/*/*.json")))
    assert 2 <= finished_before < 6
    done = grade(submitted, out, *mode, "--seed", "7", "--no-gradebook")
    assert f"{finished_before} already up to date" in done.stdout
    for name in ("grades.csv", "tests.csv"):
        assert (out / name).read_bytes() == (tmp_path / "reference" / name).read_bytes()
    rows = table(out / "grades.csv")
    assert len(rows) == 6
    # the killed grader never removed its worker cgroups: the next grader did
    assert not [folder for controller in ("memory", "pids") for folder in
                (CGROUP_ROOT / controller / "nncourse").glob(f"{process.pid}-w*")]


@pytest.mark.skipif(not os.access(CGROUP_ROOT / "memory", os.W_OK),
                    reason="cgroup v1 memory controller not writable")
def test_a_new_grader_removes_the_cgroups_of_a_dead_one():
    from autograder.sandbox import make_cgroups, remove_cgroups

    gone = subprocess.Popen(["true"])
    gone.wait()
    orphans = [CGROUP_ROOT / c / "nncourse" / f"{gone.pid}-w0" for c in ("memory", "pids")]
    for folder in orphans:
        folder.mkdir(parents=True, exist_ok=True)
    mine = make_cgroups(f"{os.getpid()}-w7", 64)
    try:
        assert mine and all(Path(folder).is_dir() for folder in mine)
        assert not [folder for folder in orphans if folder.exists()]
    finally:
        remove_cgroups(mine)


@pytest.mark.skipif(not os.access(CGROUP_ROOT / "memory", os.W_OK),
                    reason="cgroup v1 memory controller not writable")
def test_graders_cleaning_up_the_same_dead_grader_at_once_never_fail(monkeypatch):
    # CI, stop 30: the resumed grader and a grader in another test both removed a killed
    # grader's cgroups; one found the folder gone after pathlib's own check and the student
    # whose job started that worker lost the notebook (FileNotFoundError).
    from autograder.sandbox import make_cgroups, remove_cgroups, remove_orphaned_cgroups

    gone = subprocess.Popen(["true"])
    gone.wait()
    # a folder that vanishes between "is it there" and "list it": every check says yes
    monkeypatch.setattr(Path, "is_dir", lambda self: True)
    monkeypatch.setattr(Path, "exists", lambda self: True)
    remove_cgroups([str(CGROUP_ROOT / "pids" / "nncourse" / f"{gone.pid}-w9")])
    monkeypatch.undo()
    for _ in range(20):  # and two cleaners racing for real
        orphans = [CGROUP_ROOT / c / "nncourse" / f"{gone.pid}-w{k}" / f"job-{j}"
                   for c in ("memory", "pids") for k in range(4) for j in range(3)]
        for folder in orphans:
            folder.mkdir(parents=True, exist_ok=True)
        errors = []

        def clean(errors=errors):
            try:
                remove_orphaned_cgroups()
            except Exception as error:  # noqa: BLE001 - the assertion below reports it
                errors.append(error)

        threads = [threading.Thread(target=clean) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        assert not [folder for folder in orphans if folder.parent.exists()]
    mine = make_cgroups(f"{os.getpid()}-w8", 64)
    try:
        assert mine and all(Path(folder).is_dir() for folder in mine)
    finally:
        remove_cgroups(mine)


@pytest.mark.parametrize("mode", MODES)
def test_lms_export_zip_with_duplicates(tmp_path, mode):
    export = tmp_path / "export"
    export.mkdir()
    nbformat.write(filled_notebook(A, answers(sigmoid=BAD_SIGMOID)),
                   export / f"ann_{A}_attempt1.ipynb")
    time.sleep(0.05)
    nbformat.write(filled_notebook(A, SOLUTION), export / f"ann_{A}_attempt2.ipynb")
    nbformat.write(filled_notebook(A, SOLUTION), export / "ben_homework.ipynb")
    archive = shutil.make_archive(str(tmp_path / "lms"), "zip", export)
    grade(Path(archive), tmp_path / "out", *mode, "--no-gradebook")
    rows = table(tmp_path / "out" / "grades.csv")
    assert float(rows[("ann", A)]["points"]) == FULL
    assert "2 files for this notebook" in rows[("ann", A)]["notes"]
    assert float(rows[("ben", A)]["points"]) == FULL


def test_refuses_to_grade_without_bubblewrap_unless_asked(tmp_path):
    """A PATH holding only Python and nbgrader's tools: bwrap is not found."""
    submitted = small_class(tmp_path)
    fake_path = tmp_path / "bin"
    fake_path.mkdir()
    for tool in ("python", "python3", "nbgrader", "alembic"):
        if (Path(sys.executable).parent / tool).exists():
            (fake_path / tool).symlink_to(Path(sys.executable).parent / tool)
    env = dict(os.environ, PATH=str(fake_path))
    done = subprocess.run([sys.executable, "-c",
                           "import sys; "
                           "from autograder.__main__ import main; "
                           f"sys.exit(main(['grade', {str(submitted)!r}, '--out', "
                           f"{str(tmp_path / 'out')!r}, '--no-gradebook', '--quiet']))"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 2 and "bubblewrap" in done.stderr


@needs_bwrap
@needs_bwrap
def test_the_number_of_notes_is_bounded_too(graded_class):
    """30 cells that raise: all points kept, 20 of them named, the rest counted."""
    assert points(graded_class, "many-errors") == FULL
    notes = graded_class["grades"][("many-errors", A)]["notes"]
    assert notes.count("raised an error") == 20
    assert "and 10 more of your cells raised errors" in notes


def test_grading_summary_is_printed(graded_class):
    assert "graded" in graded_class["stdout"] and "grades.csv" in graded_class["stdout"]
    assert json.loads((graded_class["out"] / "results" / "correct" / f"{A}.json").read_text())


def test_every_cached_input_is_in_the_digest(tmp_path):
    """A cached result is reused only when submission, source, library, grader code and
    limits are all unchanged: each of these changes the digest."""
    from autograder import grade as grading
    from autograder.config import load
    from autograder.submissions import Submission

    path = write(tmp_path, "kim", filled_notebook(A, SOLUTION))
    submission = Submission("kim", A, path, [])
    base = grading.input_digest(submission, load(), 1)
    assert grading.input_digest(submission, load(cell_wall_seconds=7), 1) != base
    assert grading.input_digest(submission, load(), 2) != base
    path.write_text(path.read_text() + " ")
    assert grading.input_digest(submission, load(), 1) != base
    probe = ROOT / "lib" / "nncourse" / f"_digest_probe_{MARK}.txt"
    before = grading.code_digest()
    try:
        probe.write_text("a change to the course library")
        grading.code_digest.cache_clear()
        assert grading.code_digest() != before
    finally:
        probe.unlink()
        grading.code_digest.cache_clear()


def test_sandbox_required_false_grades_unsandboxed_with_a_warning(tmp_path):
    """grading.toml's sandbox.required: false falls back (loudly) when bwrap is missing."""
    from autograder import grade as grading
    from autograder.config import load

    settings = load(sandbox_required=False, jobs=1)
    path = write(tmp_path / "submitted", "kim", filled_notebook(A, SOLUTION))
    from autograder.submissions import Submission

    original = grading.bwrap_available
    grading.bwrap_available = lambda: False
    try:
        summary = grading.grade_all([Submission("kim", A, path, [])], tmp_path / "out",
                                    settings, True, [], show_progress=False)
    finally:
        grading.bwrap_available = original
    assert summary["failures"] == [] and summary["graded"] == 1
    record = json.loads((tmp_path / "out" / "results" / "kim" / f"{A}.json").read_text())
    assert record["points"] == record["max_points"] == FULL
    with pytest.raises(grading.SandboxMissing):
        grading.bwrap_available = lambda: False
        try:
            grading.grade_all([Submission("kim", A, path, [])], tmp_path / "out2",
                              load(jobs=1), True, [], show_progress=False)
        finally:
            grading.bwrap_available = original


def test_every_exact_id_gets_its_own_results_folder(tmp_path):
    """Ids a file system cannot hold as they are ("a/b", "../x", control characters) are
    kept one folder deep under results/, distinct, where load_results finds them."""
    from autograder.grade import result_path

    ids = ["kim (groupA > sub)", "a/b", "../x", "tab\there", "José Ñandú", "Zoë", "Zoé"]
    paths = [result_path(tmp_path, student, A) for student in ids]
    assert len(set(paths)) == len(ids)
    assert all(p.parent.parent == tmp_path / "results" for p in paths)


@pytest.mark.parametrize("flag", ["--out", "--course-work"])
@pytest.mark.parametrize("below", [False, True])
def test_a_file_where_a_folder_belongs_is_refused_before_grading(tmp_path, flag, below):
    """``--out`` or ``--course-work`` naming a file (or a path below one) stops ``grade`` at
    once with the flag named, not with a traceback after the whole class was graded."""
    write(tmp_path / "submitted", "ann", filled_notebook(A, answers()))
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder")
    target = blocker / "x" if below else blocker
    folders = {"--out": tmp_path / "out", "--course-work": tmp_path / "work", flag: target}
    done = subprocess.run([sys.executable, "-m", "autograder", "grade",
                           str(tmp_path / "submitted"), "--quiet", *LIMITS,
                           *[str(part) for pair in folders.items() for part in pair]],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"error: {flag} {target}" in done.stderr and "is a file" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "results").exists()  # refused before any grading
