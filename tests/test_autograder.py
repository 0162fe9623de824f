"""The class grader: bad inputs, hostile code and tampering, resume, shards, determinism.

Every submission is built here from notebook 01's solution (FULL points, one per test cell),
changed in one place. Hostile code goes into the `count_parameters` answer cell, which no
other exercise uses, so "full marks for whatever still passes" means exactly FULL - 1. A
wrong sigmoid (constant 0.5) costs its own two tests and at most neuron's and XOR's, which
use it: the student "partly-wrong" (and "control" among the attacked) has exactly that, and
a tampering or cheating student with that sigmoid must score exactly what they score.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from autograder.assemble import max_points
from autograder.notebooks import ROOT, SOLUTIONS, filled_notebook, solution_sources
from autograder.sandbox import bwrap_available

A = "01_neuron_and_xor"
FULL = max_points(A)
BUT_ONE = FULL - 1
WRONG_SIGMOID = "as partly-wrong"  # whatever a plain wrong sigmoid scores
SOLUTION = solution_sources(A)
COUNT = SOLUTION["count_parameters"]
BAD_SIGMOID = "def sigmoid(z):\n    return np.asarray(z, dtype=float) * 0 + 0.5\n"
MARK = uuid.uuid4().hex[:8]
OUTSIDE_FILE = Path(f"/tmp/escaped-{MARK}")
LIMITS = ["--cell-wall-seconds", "6", "--cell-cpu-seconds", "5", "--notebook-wall-seconds",
          "120", "--output-mb", "8"]

needs_bwrap = pytest.mark.skipif(not bwrap_available(), reason="bubblewrap is not installed")
MODES = [pytest.param((), id="sandbox", marks=needs_bwrap),
         pytest.param(("--no-sandbox",), id="no-sandbox")]
"""Determinism, shards, resume and zips hold with and without the sandbox: a laptop without
bubblewrap still checks them."""


def answers(**changes: str) -> dict[str, str]:
    return dict(SOLUTION, **changes)


def reads(path: Path) -> str:
    """A sigmoid that is correct only if it can read ``path``."""
    return (f"def sigmoid(z):\n    try:\n        open({str(path)!r}, 'rb').read(1)\n"
            "    except OSError:\n        return np.asarray(z, dtype=float) * 0 + 0.5\n"
            "    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n")


def hostile(code: str) -> dict[str, str]:
    return answers(count_parameters=code + "\n" + COUNT)


def write(folder: Path, student: str, notebook: nbformat.NotebookNode | bytes,
          name: str = f"{A}.ipynb") -> Path:
    target = folder / student / A
    target.mkdir(parents=True, exist_ok=True)
    path = target / name
    if isinstance(notebook, bytes):
        path.write_bytes(notebook)
    else:
        nbformat.write(notebook, path)
    return path


def grade(submissions: Path, out: Path, *extra: str, work: Path | None = None,
          check: bool = True) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "autograder", "grade", str(submissions), "--out", str(out),
               "--quiet", "--course-work", str(work or out / "course"), *LIMITS, *extra]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def table(path: Path) -> dict[tuple[str, ...], dict]:
    with open(path) as handle:
        rows = list(csv.DictReader(handle))
    key = ("student", "notebook", "test") if "test" in rows[0] else ("student", "notebook")
    return {tuple(row[k] for k in key): row for row in rows}


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
    notebooks["wrong-kernel"].metadata["kernelspec"] = {"name": "ir", "display_name": "R",
                                                        "language": "R"}
    tampered = notebooks["tamper-test-cells"]
    tests = [c for c in tampered.cells if c.metadata.get("nbgrader", {}).get("grade")]
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


def points(graded, student) -> float:
    return float(graded["grades"][(student, A)]["points"])


def reason(graded, student, test) -> str:
    return graded["tests"][(student, A, test)]["reason"]


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
    ("memory-bomb", "MemoryError"), ("memory-creep", "MemoryError"),
    ("exits", "exited with code 3"),
    ("kills-kernel", "died with SIGKILL"), ("kills-grader", "PermissionError"),
    ("floods-probes", "output cap"), ("raises", "ValueError: a cell that raises"),
])
@needs_bwrap
def test_hostile_cell_costs_only_its_own_test(graded_class, student, why):
    assert points(graded_class, student) == BUT_ONE
    failed = reason(graded_class, student, "test_count_parameters")
    assert why in failed + graded_class["grades"][(student, A)]["notes"]


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
def test_grading_summary_is_printed(graded_class):
    assert "graded" in graded_class["stdout"] and "grades.csv" in graded_class["stdout"]
    assert json.loads((graded_class["out"] / "results" / "correct" / f"{A}.json").read_text())


# --- Attacks on the grader itself (issue 13): each written afresh, graded in ONE worker
# (--jobs 1) between honest classmates, whose exact scores must not move.

SHM_KEY = 0xC0FFEE
PIPE_WRITER = (
    "import os, json\n"
    "def _pipes():\n"
    "    for fd in os.listdir('/proc/self/fd'):\n"
    "        try:\n"
    "            if os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:'):\n"
    "                yield int(fd)\n"
    "        except OSError:\n"
    "            pass\n"
    "def forge(events):\n"
    "    for fd in _pipes():\n"
    "        for event in events:\n"
    "            for shape in (dict(event, pid=os.getpid()), event):\n"
    "                try:\n"
    "                    os.write(fd, (json.dumps(shape) + '\\n').encode())\n"
    "                except OSError:\n"
    "                    pass\n")

ATTACKS = {
    # fake control events: "done", then an error for every test cell, then "done" again
    "forges-events": PIPE_WRITER + (
        "forge([{'event': 'done', 'dirty': False}, {'kind': 'end', 'cell': 0, 'error': None}]"
        " + [{'event': e, 'cell': i, 'error': 'PlagiarismError'} for i in range(80)"
        " for e in ('start', 'end')] + [{'event': 'done', 'dirty': False}])"),
    # ten fake "done"s and padding: the grader must neither stall nor end the job early
    "floods-dones": PIPE_WRITER + (
        "forge([{'event': 'done', 'dirty': False, 'pad': 'x' * 100000}] * 10)"),
    # a fake "start" every second, to reset the per-cell caps, while looping forever
    "resets-caps": PIPE_WRITER + (
        "import time\nwhile True:\n"
        "    forge([{'event': 'start', 'cell': 0}, {'kind': 'end', 'cell': 0}])\n"
        "    time.sleep(1)"),
    # forks that together hold more memory than one job may have, each under its own cap
    "forks-hold-memory": (
        "import os, time\nkids = []\nfor _ in range(3):\n    pid = os.fork()\n"
        "    if pid == 0:\n        try:\n            blob = bytearray(1200 * 1024 ** 2)\n"
        "            time.sleep(60)\n        finally:\n            os._exit(0)\n"
        "    kids.append(pid)\nfor pid in kids:\n    os.waitpid(pid, 0)"),
    # System V shared memory outlives processes: 1.2 GB left for the worker, and a mailbox
    "leaves-shared-memory": (
        "import ctypes\nlibc = ctypes.CDLL(None)\nlibc.shmat.restype = ctypes.c_void_p\n"
        "libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]\n"
        "for key in range(" + str(SHM_KEY) + ", " + str(SHM_KEY + 4) + "):\n"
        "    ident = libc.shmget(key, 300 << 20, 0o1000 | 0o666)\n"
        "    address = libc.shmat(ident, None, 0)\n"
        "    if address not in (None, ctypes.c_void_p(-1).value):\n"
        "        ctypes.memset(address, 1, 300 << 20)\n"),
    # a line too deeply nested for a JSON parser, written straight to the event pipe
    "deep-json": PIPE_WRITER + (
        "for fd in _pipes():\n    try:\n        os.write(fd, b'[' * 200000 + b'\\n')\n"
        "    except OSError:\n        pass\n"),
    # its own check(): publishes made-up data for the count_parameters tests
    "redefines-check": answers(count_parameters=(
        "from nncourse import checking as _ck\n"
        "def check(name, *student, **args):\n"
        "    forged = {'count_parameters_values': {'counts': [38, 9, 2410]}}\n"
        "    seen = dict(forged.get(name, {}), raised=None, warnings=[])\n"
        "    _ck._publish(name, args, seen)\n"
        "def count_parameters(dims):\n    raise NotImplementedError()\n")),
    # patches the library from inside its own function, while the test cell's probe runs
    "patches-mid-probe": answers(count_parameters=(
        "import nncourse.checking as _c\n"
        "def count_parameters(dims):\n"
        "    vars(_c).update(to_plain=lambda returned: {'counts': []})\n"
        "    return 0\n")),
    # probe data the grader cannot decode: nested 200,000 deep, an .npy header that lies
    "undecodable-probes": (
        "import base64, io\nimport numpy.lib.format as _npy\n"
        "from IPython.display import display as _show\n"
        "from nncourse.checking import PROBE_MIME as _mime\n"
        "_head = io.BytesIO()\n"
        "_npy.write_array_header_1_0(_head, {'descr': '<f8', 'fortran_order': False,"
        " 'shape': (10 ** 11,)})\n"
        "_bomb = base64.b64encode(_head.getvalue()).decode()\n"
        "for _payload in ('[' * 200000, '{\"check\": \"count_parameters_values\", "
        "\"args\": {}, \"seen\": {\"counts\": {\"__npy__\": \"' + _bomb + '\"}}}'):\n"
        "    _show({_mime: _payload}, raw=True)\n"),
    # an exception carrying megabytes (say, the job's hidden test cells) into the report
    "long-error": "raise Exception('x' * 5_000_000)",
    # an exception whose message cannot be encoded as UTF-8
    "raises-surrogate": "raise Exception('\\udc80 broken \\ud800')",
    # leaves files in its home, the working directory and /tmp for the next student
    "leaves-files": (
        "import os, tempfile\n"
        "for folder in (os.path.expanduser('~'), os.getcwd(), tempfile.gettempdir(), '/tmp',"
        " '/dev/shm', '/var/tmp'):\n"
        "    try:\n"
        "        open(os.path.join(folder, 'planted-" + MARK + "'), 'w').write('x')\n"
        "    except OSError:\n"
        "        pass\n"),
}

# the next student's sigmoid is correct only if it finds shared memory an earlier one left
SHM_SPY_SIGMOID = (
    "import ctypes\n"
    "def sigmoid(z):\n"
    "    if ctypes.CDLL(None).shmget(" + str(SHM_KEY) + ", 0, 0) < 0:\n"
    "        return np.asarray(z, dtype=float) * 0 + 0.5\n"
    "    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n")

# the next student's sigmoid is correct only if it finds what an earlier student left
SPY_SIGMOID = (
    "import glob\n"
    "def sigmoid(z):\n"
    "    found = glob.glob('/tmp/**/planted-" + MARK + "', recursive=True) + "
    "glob.glob('/dev/shm/planted-" + MARK + "')\n"
    "    if not found:\n"
    "        return np.asarray(z, dtype=float) * 0 + 0.5\n"
    "    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n")

INDENTED_BAD_SIGMOID = "    " + BAD_SIGMOID.replace("\n", "\n    ")  # its fallback, in except

# answers that call what an honest answer may not: the course's reference implementations,
# the instructor's hidden helpers, torch; or that forge the probes themselves
CHEATS = {
    "uses-reference": answers(sigmoid=(
        "try:\n    from nncourse.checks.nb01 import reference_sigmoid as sigmoid\n"
        "except ImportError:\n" + INDENTED_BAD_SIGMOID)),
    "uses-torch": answers(sigmoid=(
        "def sigmoid(z):\n    import torch\n"
        "    return torch.sigmoid(torch.as_tensor(np.asarray(z, dtype=float))).numpy()\n")),
    "uses-hidden-helper": answers(sigmoid=(
        "try:\n    from autograder.hidden.nb01 import reference_sigmoid as sigmoid\n"
        "except ImportError:\n" + INDENTED_BAD_SIGMOID)),
    "reads-hidden-checks": answers(sigmoid=reads(ROOT / "autograder" / "hidden" / "nb01.py")),
    "scipy-from-elsewhere": answers(sigmoid=(
        "import glob, pydoc, sys\n"
        "for folder in glob.glob('/root/.pyenv/versions/*/lib/python3*/site-packages')"
        " + glob.glob('/usr/lib/python3*/dist-packages'):\n"
        "    sys.path.insert(0, folder)\n"
        "_expit = pydoc.locate('scipy.special.expit')\n"
        "def sigmoid(z, _f=_expit):\n    return _f(np.asarray(z, dtype=float))\n")),
    "forges-probes": answers(sigmoid=BAD_SIGMOID + (
        "import nncourse.checking as _c\n"
        "_real = _c.run_probe\n"
        "def _forged(check, student, args, seed=None):\n"
        "    try:\n"
        "        from nncourse.checks.nb01 import reference_sigmoid\n"
        "    except ImportError:\n"
        "        import torch\n"
        "        reference_sigmoid = lambda z: torch.sigmoid(torch.as_tensor(z)).numpy()\n"
        "    return _real(check, (reference_sigmoid,) + tuple(student[1:]), args, seed)\n"
        "_c.run_probe = _forged\n")),
}


@pytest.fixture(scope="module")
def attacked_class(tmp_path_factory):
    """Attackers graded one after another in a single worker, honest students between."""
    root = tmp_path_factory.mktemp("attacked")
    submitted = root / "submitted"
    order = []
    spies = {"leaves-files": SPY_SIGMOID, "leaves-shared-memory": SHM_SPY_SIGMOID}
    for name, code in ATTACKS.items():
        after = ("spy", answers(sigmoid=spies[name])) if name in spies else \
            ("honest2", answers())
        attack = code if isinstance(code, dict) else hostile(code)
        order += [("honest", answers()), (name, attack), ("blank", {}), after]
    order += [(name, changed) for name, changed in CHEATS.items()] + [("honest", answers())]
    order += [("control", answers(sigmoid=BAD_SIGMOID))]
    students = []
    for number, (name, changed) in enumerate(order):
        student = f"s{number:02d}-{name}"
        write(submitted, student, filled_notebook(A, changed))
        students.append(student)
    started = time.monotonic()
    done = grade(submitted, root / "out", "--jobs", "1", "--no-gradebook")
    return {"out": root / "out", "students": students, "seconds": time.monotonic() - started,
            "grades": table(root / "out" / "grades.csv"), "stdout": done.stdout,
            "tests": table(root / "out" / "tests.csv")}


@needs_bwrap
def control_points(attacked_class) -> float:
    """What the control student, a plain wrong sigmoid graded last, scores."""
    control = next(s for s in attacked_class["students"] if s.endswith("-control"))
    return points(attacked_class, control)


def test_honest_classmates_around_every_attack_keep_their_exact_scores(attacked_class):
    for student in attacked_class["students"]:
        kind = student.split("-", 1)[1]
        expected = {"honest": FULL, "honest2": FULL, "blank": 0,
                    "spy": control_points(attacked_class)}.get(kind)
        if expected is not None:
            assert points(attacked_class, student) == expected, student


EARNS = {"forges-events": FULL, "floods-dones": FULL, "leaves-files": FULL,  # the attack is
          "leaves-shared-memory": FULL, "deep-json": FULL,  # all it does; or its cell fails
          "resets-caps": BUT_ONE, "raises-surrogate": BUT_ONE, "forks-hold-memory": BUT_ONE,
          "redefines-check": BUT_ONE,  # its own check() is never the test cells'
          "long-error": BUT_ONE, "patches-mid-probe": BUT_ONE, "undecodable-probes": FULL}


def test_what_a_kernel_says_reaches_the_report_bounded(attacked_class):
    """A 5 MB exception message is cut to a few thousand characters in notes and reasons."""
    student = next(s for s in attacked_class["students"] if s.endswith("-long-error"))
    assert "Exception: xxxx" in attacked_class["grades"][(student, A)]["notes"]
    assert len(attacked_class["grades"][(student, A)]["notes"]) < 5000
    rows = [row for (s, _, _), row in attacked_class["tests"].items() if s == student]
    assert rows and all(len(row["reason"]) < 5000 for row in rows)


def test_a_worker_survives_what_its_student_writes_to_the_pipe(attacked_class):
    student = next(s for s in attacked_class["students"] if s.endswith("-deep-json"))
    assert "worker was killed" not in attacked_class["grades"][(student, A)]["notes"]


@needs_bwrap
@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_an_attacker_earns_exactly_what_its_work_earns(attacked_class, attack):
    student = next(s for s in attacked_class["students"] if s.endswith(f"-{attack}"))
    assert points(attacked_class, student) == EARNS[attack], student
    reasons = [row["reason"] for (s, _, _), row in attacked_class["tests"].items()
               if s == student and row["reason"] != "passed"]
    assert "PlagiarismError" not in " ".join(reasons)


@needs_bwrap
def test_caps_cannot_be_reset_from_inside(attacked_class):
    student = next(s for s in attacked_class["students"] if s.endswith("-resets-caps"))
    assert "cell wall-time cap of 6 s" in attacked_class["grades"][(student, A)]["notes"]


@needs_bwrap
@pytest.mark.skipif(os.geteuid() != 0, reason="per-job cgroups need root")
def test_forks_count_against_one_memory_cap(attacked_class):
    """Three forks of 1.2 GB each: the job's cgroup (2 GiB + 512 MB) stops them together."""
    student = next(s for s in attacked_class["students"] if s.endswith("-forks-hold-memory"))
    assert "memory cap of 2560 MB" in attacked_class["grades"][(student, A)]["notes"]


@needs_bwrap
def test_a_report_with_unencodable_text_is_written_and_rewritten(attacked_class):
    student = next(s for s in attacked_class["students"] if s.endswith("-raises-surrogate"))
    assert "Exception: ? broken ?" in attacked_class["grades"][(student, A)]["notes"]
    for name in ("grades.csv", "tests.csv"):
        (attacked_class["out"] / name).read_text(encoding="utf-8")
    again = grade(attacked_class["out"].parent / "submitted", attacked_class["out"],
                  "--jobs", "1", "--no-gradebook")
    assert f"{len(attacked_class['students'])} already up to date" in again.stdout


EXACTLY_THE_CONTROL = ("uses-reference", "uses-hidden-helper", "reads-hidden-checks",
                       "forges-probes")  # its patched run_probe is undone before each test


@needs_bwrap
def test_nothing_in_the_kernel_answers_for_the_student(attacked_class):
    """Reference implementations, hidden helpers, hidden files and torch are out of reach."""
    for cheat in CHEATS:
        student = next(s for s in attacked_class["students"] if s.endswith(f"-{cheat}"))
        assert reason(attacked_class, student, "test_sigmoid_values") != "passed"
        if cheat in EXACTLY_THE_CONTROL:  # a sigmoid that runs and is wrong, like the control
            assert points(attacked_class, student) == control_points(attacked_class), student
        else:  # a sigmoid that raises also costs what calls it (neuron's default): no more
            assert points(attacked_class, student) <= control_points(attacked_class), student
    torch_student = next(s for s in attacked_class["students"] if s.endswith("-uses-torch"))
    assert "torch" in reason(attacked_class, torch_student, "test_sigmoid_values")


@needs_bwrap
def test_no_job_sees_files_an_earlier_job_left(attacked_class):
    assert not list(Path("/tmp").glob(f"**/planted-{MARK}"))


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
