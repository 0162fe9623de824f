"""Attacks on the grader itself (issue 13), each written afresh and graded in ONE worker
(--jobs 1) between honest classmates, whose exact scores must not move.

The submissions are built as grading_helpers.py says: notebook 01's solution changed in one
place; the "control" student, graded last, has only a wrong sigmoid.
"""

from __future__ import annotations

import os
import time

import pytest
from grading_helpers import (
    BAD_SIGMOID,
    BUT_ONE,
    CELL_WALL_SECONDS,
    FULL,
    MARK,
    MEMORY_MB,
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

from autograder.notebooks import ROOT, filled_notebook
from autograder.runner import HEADROOM_MB

SHM_KEY = 0xC0FFEE
MQ_NAME = f"/nncourse-{MARK}"
# the library's check() frame, found from inside the student's function while it is probed:
# its locals hold the check, the student's objects, the arguments and the sending functions
FRAME_FINDER = (
    "import sys as _sys\n"
    "def _check_frame():\n"
    "    depth = 1\n"
    "    while True:\n"
    "        try:\n"
    "            frame = _sys._getframe(depth)\n"
    "        except ValueError:\n"
    "            return None\n"
    "        if frame.f_code.co_name == 'check' and 'sink' in frame.f_locals:\n"
    "            return frame.f_locals\n"
    "        depth += 1\n"
    "def _send(found, seen):\n"
    "    found['publish'](found['name'], dict(found['args']), seen, found['sink'])\n"
    "    found['args']['_forged'] = 1  # the real record no longer has the test's arguments\n")
MQ_PRELUDE = (
    "import ctypes as _ct\n"
    "_libc = _ct.CDLL(None, use_errno=True)\n"
    "_libc.mq_open.restype = _ct.c_int\n"
    "_libc.mq_open.argtypes = [_ct.c_char_p, _ct.c_int, _ct.c_int, _ct.c_void_p]\n"
    "_libc.mq_receive.restype = _ct.c_ssize_t\n"
    "_libc.mq_receive.argtypes = [_ct.c_int, _ct.c_char_p, _ct.c_size_t, _ct.c_void_p]\n"
    "_libc.mq_send.argtypes = [_ct.c_int, _ct.c_char_p, _ct.c_size_t, _ct.c_uint]\n")
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
        "    if pid == 0:\n        try:\n            blob = bytearray(600 * 1024 ** 2)\n"
        "            time.sleep(60)\n        finally:\n            os._exit(0)\n"
        "    kids.append(pid)\nfor pid in kids:\n    os.waitpid(pid, 0)"),
    # System V shared memory outlives processes: 0.8 GB left for the worker, and a mailbox
    "leaves-shared-memory": (
        "import ctypes\nlibc = ctypes.CDLL(None)\nlibc.shmat.restype = ctypes.c_void_p\n"
        "libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]\n"
        "for key in range(" + str(SHM_KEY) + ", " + str(SHM_KEY + 4) + "):\n"
        "    ident = libc.shmget(key, 200 << 20, 0o1000 | 0o666)\n"
        "    address = libc.shmat(ident, None, 0)\n"
        "    if address not in (None, ctypes.c_void_p(-1).value):\n"
        "        ctypes.memset(address, 1, 200 << 20)\n"),
    # a POSIX message queue (it outlives processes) with a message for the next student
    "leaves-message-queue": MQ_PRELUDE + (
        "_queue = _libc.mq_open(" + repr(MQ_NAME.encode()) + ", 0o2 | 0o100, 0o666, None)\n"
        "if _queue >= 0:\n"
        "    _libc.mq_send(_queue, b'the answers', 11, 0)\n"),
    # empty results published from the probe's own frame, for a judge with nothing to compare
    "forges-empty-results": answers(count_parameters=FRAME_FINDER + (
        "def count_parameters(dims):\n"
        "    found = _check_frame()\n"
        "    if found is not None and '_forged' not in found['args']:\n"
        "        _send(found, {'counts': [], 'raised': None, 'warnings': []})\n"
        "    raise NotImplementedError()\n")),
    # the test cells' sources, which IPython keeps for tracebacks, raised into the report
    "leaks-hidden-source": (
        "import linecache\n"
        "raise RuntimeError(' '.join(''.join(lines) for _, _, lines, _ in "
        "list(linecache.cache.values()) if 'che' + 'ck(' in ''.join(lines))[:1900])\n"),
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

# the next student's sigmoid is correct only if it reads a message an earlier one left
MQ_SPY_SIGMOID = MQ_PRELUDE + (
    "def sigmoid(z):\n"
    "    queue = _libc.mq_open(" + repr(MQ_NAME.encode()) + ", 0o4000, 0, None)\n"
    "    buffer = _ct.create_string_buffer(1 << 16)\n"
    "    if queue < 0 or _libc.mq_receive(queue, buffer, 1 << 16, None) <= 0:\n"
    "        return np.asarray(z, dtype=float) * 0 + 0.5\n"
    "    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n")

INDENTED_BAD_SIGMOID = "    " + BAD_SIGMOID.replace("\n", "\n    ")  # its fallback, in except

# answers that call what an honest answer may not: the course's reference implementations,
# the instructor's hidden helpers, torch; or that forge the probes themselves
CHEATS = {
    "uses-reference": answers(sigmoid=(
        "try:\n    from nncourse.oracle import sigmoid\n    sigmoid(0.0)\n"
        "except Exception:\n" + INDENTED_BAD_SIGMOID)),
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
    # a wrong sigmoid that, while probed, publishes from check()'s own frame what a right
    # sigmoid's probe records, then spoils the real record's arguments
    "forges-from-frames": answers(sigmoid=FRAME_FINDER + (
        # check()'s own module hands over run_probe: importing nncourse.checking breaks
        # the allow list first, and this attacker is about the forged record
        "def _run_probe(*args, **kwargs):\n"
        "    frame = _sys._getframe(1)\n"
        "    while frame.f_code.co_name != 'check':\n"
        "        frame = frame.f_back\n"
        "    return frame.f_globals['run_probe'](*args, **kwargs)\n"
        "def _right(z):\n"
        "    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n"
        "def sigmoid(z):\n"
        "    found = _check_frame()\n"
        "    if found is not None and '_forged' not in found['args'] \\\n"
        "            and found['student'] and found['student'][0] is sigmoid:\n"
        "        seen = _run_probe(found['found'], (_right,) + tuple(found['student'][1:]),\n"
        "                          dict(found['args']), plain=found['plain'])\n"
        "        _send(found, seen)\n"
        "    return np.asarray(z, dtype=float) * 0 + 0.5\n")),
}


@pytest.fixture(scope="module")
def attacked_class(tmp_path_factory):
    """Attackers graded one after another in a single worker, honest students between."""
    root = tmp_path_factory.mktemp("attacked")
    submitted = root / "submitted"
    order = []
    spies = {"leaves-files": SPY_SIGMOID, "leaves-shared-memory": SHM_SPY_SIGMOID,
             "leaves-message-queue": MQ_SPY_SIGMOID}
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
            reasons = [row["reason"] for (s, _, _), row in attacked_class["tests"].items()
                       if s == student and row["reason"] != "passed"]
            assert points(attacked_class, student) == expected, (student, reasons)


EARNS = {"forges-events": FULL, "floods-dones": FULL, "leaves-files": FULL,  # the attack is
          "leaves-shared-memory": FULL, "deep-json": FULL,  # all it does; or its cell fails
          "resets-caps": BUT_ONE, "raises-surrogate": BUT_ONE, "forks-hold-memory": BUT_ONE,
          "redefines-check": BUT_ONE,  # its own check() is never the test cells'
          "long-error": BUT_ONE, "patches-mid-probe": BUT_ONE, "undecodable-probes": FULL,
          "leaves-message-queue": FULL, "forges-empty-results": BUT_ONE,
          "leaks-hidden-source": BUT_ONE}


def test_what_a_kernel_says_reaches_the_report_bounded(attacked_class):
    """A 5 MB exception message reaches no report: notes name the exception's type only,
    and stay a few thousand characters."""
    student = next(s for s in attacked_class["students"] if s.endswith("-long-error"))
    assert "raised an error" in attacked_class["grades"][(student, A)]["notes"]
    assert "xxxx" not in attacked_class["grades"][(student, A)]["notes"]
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
    reasons = [row["reason"] for (s, _, _), row in attacked_class["tests"].items()
               if s == student and row["reason"] != "passed"]
    notes = attacked_class["grades"][(student, A)]["notes"]
    assert points(attacked_class, student) == EARNS[attack], (student, reasons, notes)
    assert "PlagiarismError" not in " ".join(reasons)


@needs_bwrap
def test_caps_cannot_be_reset_from_inside(attacked_class):
    student = next(s for s in attacked_class["students"] if s.endswith("-resets-caps"))
    cap = f"cell wall-time cap of {CELL_WALL_SECONDS} s"
    assert cap in attacked_class["grades"][(student, A)]["notes"]


@needs_bwrap
@pytest.mark.skipif(os.geteuid() != 0, reason="per-job cgroups need root")
def test_forks_count_against_one_memory_cap(attacked_class):
    """Three forks of 600 MB each, every one under its own 1 GiB: the job's cgroup (1 GiB +
    512 MB) stops them together."""
    student = next(s for s in attacked_class["students"] if s.endswith("-forks-hold-memory"))
    cap = f"memory cap of {MEMORY_MB + HEADROOM_MB} MB"
    assert cap in attacked_class["grades"][(student, A)]["notes"]


@needs_bwrap
def test_a_report_with_unencodable_text_is_written_and_rewritten(attacked_class):
    student = next(s for s in attacked_class["students"] if s.endswith("-raises-surrogate"))
    assert "raised an error" in attacked_class["grades"][(student, A)]["notes"]
    for name in ("grades.csv", "tests.csv"):
        (attacked_class["out"] / name).read_text(encoding="utf-8")
    again = grade(attacked_class["out"].parent / "submitted", attacked_class["out"],
                  "--jobs", "1", "--no-gradebook")
    assert f"{len(attacked_class['students'])} already up to date" in again.stdout


# a sigmoid that runs and is wrong, like the control's: a patched run_probe is undone before
# each test cell, a forged record fails its cell
EXACTLY_THE_CONTROL = ("uses-reference", "uses-hidden-helper", "reads-hidden-checks",
                       "forges-probes", "forges-from-frames")


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
    why = reason(attacked_class, torch_student, "test_sigmoid_values")
    assert "raised an error" in why or "breaks a rule of the contract" in why, why


@needs_bwrap
def test_a_forged_record_fails_its_test_cell_as_tampering(attacked_class):
    """Results published from check()'s own frame are extra records: the cell scores 0."""
    student = next(s for s in attacked_class["students"] if s.endswith("-forges-from-frames"))
    assert reason(attacked_class, student, "test_sigmoid_values").startswith("tampering")
    empty = next(s for s in attacked_class["students"] if s.endswith("-forges-empty-results"))
    assert reason(attacked_class, empty, "test_count_parameters").startswith("tampering")


@needs_bwrap
def test_no_test_cell_source_reaches_the_report(attacked_class):
    """IPython keeps run cells' sources for tracebacks: not the test cells' while grading,
    so a cell that raises them (hidden calls and their arguments) has nothing to raise."""
    student = next(s for s in attacked_class["students"] if s.endswith("-leaks-hidden-source"))
    notes = attacked_class["grades"][(student, A)]["notes"]
    assert "raised an error" in notes and "check(" not in notes and "RuntimeError" not in notes
    page = (attacked_class["out"] / "feedback" / student / f"{A}.html").read_text()
    assert "check(" not in page


@needs_bwrap
def test_no_job_sees_files_an_earlier_job_left(attacked_class):
    planted = [path for top in ("/tmp", "/dev/shm", "/var/tmp")
               for path in _files_named(top, f"planted-{MARK}")]
    assert not planted


def _files_named(top, name):
    """Every file called `name` below `top`, found without recursion or following links.

    Iterative, so an unrelated folder thousands of levels deep (another program's, in a
    shared /tmp) cannot overflow Python's stack; folders that vanish or refuse to be read
    while it walks (other tests' graders clean up theirs) are skipped.
    """
    found, folders = [], [top]
    while folders:
        try:
            entries = list(os.scandir(folders.pop()))
        except OSError:
            continue
        for entry in entries:
            if entry.name == name:
                found.append(entry.path)
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
            except OSError:
                pass
    return found


