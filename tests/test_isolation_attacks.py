"""The hostile review of issue 21, each attack a test: graded in ONE worker (--jobs 1),
honest classmates before and after it, whose exact scores must not move.

Every attacker's notebook is notebook 01 changed in one place (grading_helpers.py): the
attack goes where it says, and "what its own work earns" is what the same notebook without
the attack earns (a blank one: 0; a full solution whose count_parameters cell is stopped:
FULL - 1; a naive sigmoid: what a plain naive sigmoid earns). Marked slow: the class is
about forty notebooks.
"""

from __future__ import annotations

import pytest
from grading_helpers import (
    BAD_SIGMOID,
    BUT_ONE,
    CELL_WALL_SECONDS,
    FULL,
    MARK,
    A,
    answers,
    grade,
    hostile,
    needs_bwrap,
    points,
    table,
    write,
)

from autograder.notebooks import filled_notebook, solution_sources

pytestmark = [needs_bwrap, pytest.mark.slow, pytest.mark.timeout(1500)]

GRADED = [name for name in solution_sources(A) if name != "setup"]

# the scanner of inherited memory: every answer cell looks for another's definition of its
# function in its own process's memory (/proc/self/maps, then the memory itself) and uses it
STEALER = (
    "import re as _re, numpy as np\n"
    "def _steal(name):\n"
    "    tail = rb'\\([^\\x00]{0,4000}?(?=\\x00|\\n\\n\\n|\\ndef )'\n"
    "    pattern = _re.compile(rb'def ' + name.encode() + tail, _re.S)\n"
    "    with open('/proc/self/maps') as maps, open('/proc/self/mem', 'rb', 0) as mem:\n"
    "        for line in maps:\n"
    "            parts = line.split()\n"
    "            low, high = (int(x, 16) for x in parts[0].split('-'))\n"
    "            named = len(parts) > 5 and not parts[5].startswith('[')\n"
    "            if 'r' not in parts[1] or high - low > 1 << 29 or named:\n"
    "                continue\n"
    "            try:\n"
    "                mem.seek(low)\n"
    "                data = mem.read(high - low)\n"
    "            except (OSError, ValueError, OverflowError):\n"
    "                continue\n"
    "            for found in pattern.finditer(data):\n"
    "                text = found.group(0).decode('utf-8', 'replace')\n"
    "                if '_steal' in text or 'NotImplementedError' in text:\n"
    "                    continue\n"
    "                space = {'np': np, **globals()}\n"
    "                try:\n"
    "                    exec(compile(text, '<stolen>', 'exec'), space)\n"
    "                except Exception:\n"
    "                    continue\n"
    "                if callable(space.get(name)):\n"
    "                    return space[name]\n"
    "    return None\n")


def _stealing(name: str) -> str:
    return STEALER + (f"_found = _steal({name!r})\n"
                      f"if _found is not None:\n    {name} = _found\n"
                      f"else:\n    def {name}(*args, **kwargs):\n"
                      "        raise NotImplementedError()\n")


# files it leaves in a subfolder of its home, made unreadable to all but their path: 0311
PLANT = (
    "import os, glob\n"
    "_home = os.path.expanduser('~')\n"
    "os.makedirs(os.path.join(_home, 'keep'), exist_ok=True)\n"
    "open(os.path.join(_home, 'keep', 'planted-" + MARK + "'), 'w').write('the answers')\n"
    "os.chmod(os.path.join(_home, 'keep'), 0o311)\n"
    "os.chmod(_home, 0o311)\n")
# a reader with no code of its own: correct only if it finds what an earlier job planted
PLANT_READER = (
    "import glob, os\n"
    "def _planted():\n"
    "    for root in glob.glob('/tmp/nncourse-jobs-*'):\n"
    "        for number in range(200):\n"
    "            try:\n"
    "                return open(os.path.join(root, str(number), 'keep', 'planted-" + MARK +
    "')).read()\n"
    "            except OSError:\n"
    "                pass\n"
    "def sigmoid(z):\n"
    "    if not _planted():\n"
    "        return np.asarray(z, dtype=float) * 0 + 0.5\n"
    "    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n")
# RAM-disk files, 60 MB each, in a home it makes 0311: charged to the worker if they stay
RAM_DISK = (
    "import os\n"
    "_home = os.path.expanduser('~')\n"
    "os.makedirs(os.path.join(_home, 'keep'), exist_ok=True)\n"
    "for _i in range(18):\n"
    "    try:\n"
    "        with open(os.path.join(_home, 'keep', f'block{_i}'), 'wb') as _f:\n"
    "            _f.write(b'x' * (60 << 20))\n"
    "    except (OSError, MemoryError):\n"
    "        break\n"
    "os.chmod(os.path.join(_home, 'keep'), 0o311)\n"
    "os.chmod(_home, 0o311)\n")
# the job description (every cell's source, the hidden module) raised into the notes
GC_RAISER = (
    "import gc\n"
    "_found = [o for o in gc.get_objects() if isinstance(o, dict) and "
    "('hidden' in o or 'cells' in o) and ('source' in o or 'cells' in o)]\n"
    "_text = ' '.join(str(o)[:3000] for o in _found)\n"
    "raise RuntimeError(_text[:1900] or 'nothing found')\n")
# every probe rewritten on its way out: sigmoid_stable's inputs are known in advance
OS_WRITE_FORGER = (
    "import os as _os, json as _json\n"
    "import numpy as _np\n"
    "from nncourse.plain import decode as _decode, encode as _encode\n"
    "_real_write = _os.write\n"
    "def _forging(fd, data):\n"
    "    try:\n"
    "        message = _json.loads(data)\n"
    "        record = _decode(message['payload'])\n"
    "        if record.get('check') == 'sigmoid_stable':\n"
    "            z = _np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])\n"
    "            out = _np.exp(-_np.logaddexp(0, -z))\n"
    "            record['seen'] = {'out': out, 'raised': None, 'warnings': []}\n"
    "            message['payload'] = _encode(record)\n"
    "            data = (_json.dumps(message) + '\\n').encode()\n"
    "    except Exception:\n"
    "        pass\n"
    "    return _real_write(fd, data)\n"
    "_os.write = _forging\n")
# a raw "end" line for every cell, every 0.2 s, while it computes for 45 s
RAW_END = (
    "import os, json, time\n"
    "_t = time.time()\n"
    "while time.time() - _t < 45:\n"
    "    for _fd in range(3, 64):\n"
    "        for _cell in range(80):\n"
    "            try:\n"
    "                os.write(_fd, (json.dumps({'kind': 'end', 'cell': _cell, 'error': None})"
    " + '\\n').encode())\n"
    "            except OSError:\n"
    "                break\n"
    "    _spin = time.time()\n"
    "    while time.time() - _spin < 0.2:\n"
    "        pass\n")
# busy forked children; the kernel itself only waits (its own CPU time stays near zero)
BUSY_FORKS = (
    "import os, time\n"
    "_kids = []\n"
    "for _ in range(6):\n"
    "    _pid = os.fork()\n"
    "    if _pid == 0:\n"
    "        _t = time.time()\n"
    "        while time.time() - _t < 150:\n"
    "            pass\n"
    "        os._exit(0)\n"
    "    _kids.append(_pid)\n"
    "for _pid in _kids:\n"
    "    os.waitpid(_pid, 0)\n")
# two million tiny messages on every pipe it has
FLOOD = (
    "import os\n"
    "for _fd in range(3, 64):\n"
    "    try:\n"
    "        for _ in range(20):\n"
    "            os.write(_fd, b'\\n' * 100000)\n"
    "    except OSError:\n"
    "        pass\n")
KEYCTL = (
    "import ctypes as _ct\n"
    "_libc = _ct.CDLL(None, use_errno=True)\n"
    "_libc.syscall.restype = _ct.c_long\n"
    "_KEY = b'nncourse-" + MARK + "'\n")
# a key left in the user's and the session's keyrings, for whoever has the same uid next
LEAVES_KEY = KEYCTL + (
    "for _ring in (-4, -5, -3):\n"
    "    _libc.syscall(248, b'user', _KEY, b'the answers', _ct.c_size_t(11), _ct.c_long(_ring))\n")
KEY_READER = KEYCTL + (
    "def _key_found():\n"
    "    return any(_libc.syscall(250, _ct.c_long(10), _ct.c_long(ring), b'user', _KEY,"
    " _ct.c_long(0)) >= 0 for ring in (-4, -5, -3))\n"
    "def sigmoid(z):\n"
    "    if not _key_found():\n"
    "        return np.asarray(z, dtype=float) * 0 + 0.5\n"
    "    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n")
# round 3: a key in the user's persistent keyring outlives the job and its uid (3 days),
# readable by the next job and by any local user; no job may reach any keyring now
PERSISTENT = KEYCTL + (
    "def _persistent():\n"
    "    return _libc.syscall(250, _ct.c_long(22), _ct.c_long(-1), _ct.c_long(-3))\n")
LEAVES_PERSISTENT_KEY = PERSISTENT + (
    "_ring = _persistent()\n"
    "if _ring >= 0:\n"
    "    _key = _libc.syscall(248, b'user', _KEY, b'the answers', _ct.c_size_t(11),"
    " _ct.c_long(_ring))\n"
    "    for _serial in (_key, _ring):\n"
    "        _libc.syscall(250, _ct.c_long(5), _ct.c_long(_serial), _ct.c_long(0x3f3f3f3f))\n")
# any uid finds a key anyone may view in /proc/keys, and reads it by its serial
PERSISTENT_KEY_READER = KEYCTL + (
    "def _key_found():\n"
    "    try:\n"
    "        lines = open('/proc/keys').read().splitlines()\n"
    "    except OSError:\n"
    "        return False\n"
    "    buffer = _ct.create_string_buffer(64)\n"
    "    return any(_libc.syscall(250, _ct.c_long(11), _ct.c_long(int(line.split()[0], 16)),"
    " buffer, _ct.c_long(64)) >= 0 for line in lines if _KEY.decode() in line)\n"
    "def sigmoid(z):\n"
    "    if not _key_found():\n"
    "        return np.asarray(z, dtype=float) * 0 + 0.5\n"
    "    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n")
# round 3: an instructor's files anywhere outside the folders the grader hides (here /var)
# were readable: a job's file system is now the system tree alone
OUTSIDE = f"/var/nncourse-{MARK}"
OUTSIDE_READER = (
    "import os\n"
    "def sigmoid(z):\n"
    f"    if not os.path.exists({OUTSIDE + '/planted'!r}) and not os.path.exists("
    "'/sys/fs/cgroup/memory/nncourse'):\n"
    "        return np.asarray(z, dtype=float) * 0 + 0.5\n"
    "    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n")
NAIVE_SIGMOID = "def sigmoid(z):\n    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n"
SILENCED = "np.seterr(over='ignore')\n" + NAIVE_SIGMOID
# a sigmoid that is right only if another Python's library can be read by path
BY_PATH = (
    "import glob\n"
    "def _elsewhere():\n"
    "    for path in glob.glob('/usr/lib/python3*/graphlib.py') + "
    "glob.glob('/usr/local/lib/python3*/graphlib.py') + "
    "glob.glob('/usr/lib/python3*/*-packages/networkx/__init__.py') + "
    "glob.glob('/usr/local/lib/python3*/*-packages/networkx/__init__.py'):\n"
    "        try:\n"
    "            return 'class TopologicalSorter' in open(path).read() or 'networkx' in path\n"
    "        except OSError:\n"
    "            pass\n"
    "    return False\n"
    "def sigmoid(z):\n"
    "    if not _elsewhere():\n"
    "        return np.asarray(z, dtype=float) * 0 + 0.5\n"
    "    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n")

# symbolic links in its home to the jobs folder and to /tmp: a cleanup that chmods what it
# walks, following links, would make them 0700 and lock every later child out of its home
SYMLINKS_OUT = (
    "import os\n"
    "os.symlink('..', 'up')\n"
    "os.symlink('/tmp', 'tmp')\n"
    "os.makedirs('inner', exist_ok=True)\n"
    "os.symlink('../..', 'inner/further')\n")
# a perceptron_train whose results are 0.5 MB of text: judged as a numpy array, it would be a
# fixed-width string array of 300 x 500,000 characters (0.6 GB) in the grader's process (no
# larger: the probes' calls of it, three in the visible check alone, stay under the 8 MB
# output cap, which would stop later cells and is tested on its own)
TEXT_BOMB = (
    "def perceptron_train(X, t, lr=1.0, max_epochs=100):\n"
    "    return np.zeros(2), 0.0, [''] * 300 + ['x' * 500_000]\n")
NO_PERCEPTRON = (
    "def perceptron_train(X, t, lr=1.0, max_epochs=100):\n"
    "    raise NotImplementedError()\n")
# a cell that chooses which exception it raises (a channel of about six bits per cell, if
# reports named the type)
RAISES_CHOSEN = "raise LookupError()\n"

# a listener the test opens on the host, where system services keep theirs (dbus, a
# database): a sigmoid that is right only if it can reach it
HOST_SOCKET = f"/run/nncourse-{MARK}.sock"
HOST_SOCKET_CLIENT = (
    "import socket as _socket\n"
    "def _reached():\n"
    "    try:\n"
    "        with _socket.socket(_socket.AF_UNIX) as _s:\n"
    f"            _s.connect({HOST_SOCKET!r})\n"
    "        return True\n"
    "    except OSError:\n"
    "        return False\n"
    "def sigmoid(z):\n"
    "    if not _reached():\n"
    "        return np.asarray(z, dtype=float) * 0 + 0.5\n"
    "    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n")

# a home 3000 folders deep: deeper than Python's recursion limit for a tree walk
DEEP_HOME = (
    "import os\n"
    "_start = os.getcwd()\n"
    "for _ in range(3000):\n"
    "    os.mkdir('d')\n"
    "    os.chdir('d')\n"
    "os.chdir(_start)\n")

ATTACKERS = {
    # name: (answers, what its own work earns: a number, or the name of a yardstick student)
    "steals-from-memory": ({name: _stealing(name) for name in GRADED}, 0),
    "plants-0311": (hostile(PLANT), FULL),
    "reads-planted": (answers(sigmoid=PLANT_READER), "control"),
    "ram-disk-1": (hostile(RAM_DISK), FULL),
    "ram-disk-2": (hostile(RAM_DISK), FULL),
    "raises-job-from-gc": (hostile(GC_RAISER), BUT_ONE),
    "forges-with-os-write": ({"sigmoid": OS_WRITE_FORGER + (
        "def sigmoid(z):\n    raise NotImplementedError()\n")}, 0),
    "raw-end-resets-clock": (hostile(RAW_END), BUT_ONE),
    "busy-forks": (hostile(BUSY_FORKS), BUT_ONE),
    "floods-events": (hostile(FLOOD), BUT_ONE),
    # silencing numpy breaks sigmoid's told rule (Rules.warning_free, read from the syntax):
    # every test cell grading sigmoid scores 0, the rest earns what the naive sigmoid earns
    "silences-overflow": (answers(sigmoid=SILENCED), "naive-without-sigmoid-cells"),
    "loads-by-path": (answers(sigmoid=BY_PATH), "control"),
    "leaves-key": (hostile(LEAVES_KEY), FULL),
    "reads-key": (answers(sigmoid=KEY_READER), "control"),
    "symlinks-out": (hostile(SYMLINKS_OUT), FULL),
    "text-bomb": (answers(perceptron_train=TEXT_BOMB), "no-perceptron"),
    "raises-chosen-type": (hostile(RAISES_CHOSEN), BUT_ONE),
    "reaches-host-socket": (answers(sigmoid=HOST_SOCKET_CLIENT), "control"),
    "deep-home": (hostile(DEEP_HOME), FULL),
    "leaves-persistent-key": (hostile(LEAVES_PERSISTENT_KEY), FULL),
    "reads-persistent-key": (answers(sigmoid=PERSISTENT_KEY_READER), "control"),
    "reads-outside-the-tree": (answers(sigmoid=OUTSIDE_READER), "control"),
}


@pytest.fixture(scope="module")
def isolated_class(tmp_path_factory):
    """The attackers in one worker, an honest student before and after each; then the
    yardsticks (a naive sigmoid, a wrong sigmoid) graded last."""
    root = tmp_path_factory.mktemp("isolation")
    submitted = root / "submitted"
    order = [("honest", answers())]
    for name, (changed, _) in ATTACKERS.items():
        order += [(name, changed), ("honest", answers())]
    order += [("naive", answers(sigmoid=NAIVE_SIGMOID)),
              ("control", answers(sigmoid=BAD_SIGMOID)),
              ("no-perceptron", answers(perceptron_train=NO_PERCEPTRON))]
    students = []
    for number, (name, changed) in enumerate(order):
        student = f"s{number:02d}-{name}"
        write(submitted, student, filled_notebook(A, changed))
        students.append(student)
    import os
    import socket

    listener = socket.socket(socket.AF_UNIX)
    listener.bind(HOST_SOCKET)  # as root, like a system service's
    os.chmod(HOST_SOCKET, 0o666)
    listener.listen(64)
    os.makedirs(OUTSIDE, exist_ok=True)
    with open(f"{OUTSIDE}/planted", "w") as planted:
        planted.write("an instructor's file outside every hidden folder")
    try:
        grade(submitted, root / "out", "--jobs", "1", "--no-gradebook", "--seed", "7")
    finally:
        listener.close()
        os.unlink(HOST_SOCKET)
        os.unlink(f"{OUTSIDE}/planted")
        os.rmdir(OUTSIDE)
    return {"out": root / "out", "students": students, "root": root,
            "grades": table(root / "out" / "grades.csv"),
            "tests": table(root / "out" / "tests.csv")}


def _student(graded, kind: str) -> str:
    return next(s for s in graded["students"] if s.split("-", 1)[1] == kind)


def test_honest_classmates_before_and_after_every_attack_keep_full_marks(isolated_class):
    for student in isolated_class["students"]:
        if student.endswith("-honest"):
            assert points(isolated_class, student) == FULL, student


def _without_sigmoid_cells(graded, student: str) -> float:
    """``student``'s points less those of the test cells that grade sigmoid."""
    from autograder.assemble import assemble

    grading = {t.grade_id for t in assemble(A, None)[1] if "sigmoid" in t.functions}
    return points(graded, student) - sum(
        float(graded["tests"][(student, A, test)]["points"]) for test in grading)


@pytest.mark.parametrize("attack", sorted(ATTACKERS))
def test_an_attacker_earns_exactly_what_its_own_work_earns(isolated_class, attack):
    expected = ATTACKERS[attack][1]
    if expected == "naive-without-sigmoid-cells":
        expected = _without_sigmoid_cells(isolated_class, _student(isolated_class, "naive"))
    elif isinstance(expected, str):
        expected = points(isolated_class, _student(isolated_class, expected))
    assert points(isolated_class, _student(isolated_class, attack)) == expected


def test_the_yardsticks_are_what_they_should_be(isolated_class):
    """A naive sigmoid fails only the warning-free test; a constant one more."""
    assert points(isolated_class, _student(isolated_class, "naive")) == BUT_ONE
    assert points(isolated_class, _student(isolated_class, "control")) < BUT_ONE


def _report_text(graded) -> str:
    out = graded["out"]
    pages = "".join(p.read_text() for p in (out / "feedback").rglob("*.html"))
    return (out / "grades.csv").read_text() + (out / "tests.csv").read_text() + pages


def test_nothing_hidden_reaches_any_report(isolated_class):
    """No hidden check's name, source or inputs in grades.csv, tests.csv or feedback: a job
    dict found with gc, a hidden module, or a wrong answer's failure message."""
    from nncourse.checking import REGISTRY

    import autograder.hidden.nb01 as hidden

    text = _report_text(isolated_class)
    names = [name for name, found in REGISTRY.items() if type(found).__module__ == hidden.__name__]
    assert names
    for name in names:
        assert name not in text, name
    for leak in ("check(", "BEGIN HIDDEN", "strided view", "autograder.hidden", "'source'"):
        assert leak not in text, leak
    for attacker in ("raises-job-from-gc", "raises-chosen-type"):
        row = isolated_class["grades"][(_student(isolated_class, attacker), A)]
        assert "raised an error" in row["notes"], row["notes"]
    for name in ("RuntimeError", "LookupError"):  # the kernel's choice of type stays inside
        assert name not in text, name


def test_a_raw_end_line_does_not_reset_the_cell_clock(isolated_class):
    notes = isolated_class["grades"][(_student(isolated_class, "raw-end-resets-clock"), A)]
    assert "cell CPU-time cap" in notes["notes"] or \
        f"cell wall-time cap of {CELL_WALL_SECONDS} s" in notes["notes"]


@pytest.mark.timeout(900)
def test_forked_childrens_cpu_counts_against_the_cell(tmp_path):
    """Busy children and a kernel that only waits, graded alone with a 3 s CPU cap and a
    120 s wall cap: the children's CPU time stops the cell, whatever else loads the machine
    (counting only the kernel's own, the wall cap would have to)."""
    write(tmp_path / "submitted", "busy-forks", filled_notebook(A, hostile(BUSY_FORKS)))
    grade(tmp_path / "submitted", tmp_path / "out", "--jobs", "1", "--no-gradebook",
          "--cell-cpu-seconds", "3", "--cell-wall-seconds", "120")
    notes = table(tmp_path / "out" / "grades.csv")[("busy-forks", A)]["notes"]
    assert "cell CPU-time cap of 3 s" in notes, notes


def test_a_flood_of_messages_stops_the_job_not_the_grader(isolated_class):
    notes = isolated_class["grades"][(_student(isolated_class, "floods-events"), A)]
    assert "output cap of 10000 messages exceeded" in notes["notes"]


@pytest.mark.timeout(900)
def test_no_key_survives_into_the_next_run(isolated_class):
    """A second run of the grader (a fresh worker, as after a restart): its first student
    finds no key the first run's students left, under any uid it may get."""
    root = isolated_class["root"]
    submitted = root / "second-run"
    write(submitted, "t00-reads-key", filled_notebook(A, answers(sigmoid=KEY_READER)))
    write(submitted, "t01-control", filled_notebook(A, answers(sigmoid=BAD_SIGMOID)))
    grade(submitted, root / "out2", "--jobs", "1", "--no-gradebook", "--seed", "7")
    grades = table(root / "out2" / "grades.csv")
    assert grades[("t00-reads-key", A)]["points"] == grades[("t01-control", A)]["points"]
