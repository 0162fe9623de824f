"""A job's file system is an allowlist (issue 21, round 3): the system tree, its own /tmp,
/dev and /proc, and the few paths the grader binds; nothing else of the machine is there,
wherever an instructor keeps submissions, results or other classes' work.

The bwrap command is read here (fast); tests/test_isolation_attacks.py's
``reads-outside-the-tree`` attacker proves it in a real sandbox.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from autograder.config import load
from autograder.notebooks import ROOT
from autograder.runner import _seccomp_program
from autograder.sandbox import SYSTEM_TREE, sandbox_command


def _bound(command: list[str]) -> list[str]:
    return [command[i + 2] for i, part in enumerate(command)
            if part in ("--ro-bind", "--bind")]


def _visible(command: list[str], path: str) -> bool:
    """``path`` is there in the job's file system: bwrap mounts in order, so the last mount
    at or above it decides (a tmpfs or a bind of /dev/null hides it, another bind shows it)."""
    shown = False
    for i, part in enumerate(command):
        if part == "--tmpfs":
            target, shows = command[i + 1], False
        elif part in ("--ro-bind", "--bind"):
            target, shows = command[i + 2], command[i + 1] != "/dev/null"
        else:
            continue
        if path == target or path.startswith(target.rstrip("/") + os.sep):
            shown = shows
    return shown


def test_nothing_outside_the_system_tree_and_the_grader_s_own_binds_is_there(tmp_path):
    library = tmp_path / "lib" / "nncourse"
    library.mkdir(parents=True)
    command = sandbox_command(load(), 0, [], library, [])
    assert "/" not in _bound(command)  # the machine's root is never bound as a whole
    allowed = [os.path.realpath(p) for p in SYSTEM_TREE] + [
        os.path.realpath(sys.base_prefix), sys.prefix, str(ROOT / "autograder"),
        str(ROOT / "lib" / "nncourse"), "/sys/fs/cgroup", str(tmp_path)]
    for path in _bound(command):
        assert path == "/dev/null" or any(
            path == a or path.startswith(a + os.sep) for a in allowed), path
    for elsewhere in ("/var/lib", "/srv", "/mnt", "/opt", "/data", str(ROOT / "solutions"),
                      str(ROOT / "autograder" / "hidden"), "/root/.ssh"):
        assert not _visible(command, elsewhere), elsewhere


def test_nbgrader_s_default_exchange_is_covered(tmp_path):
    """Round 4: nbgrader's default exchange (every student's submitted copy) is under /usr."""
    assert "/usr/local/share/nbgrader" in load().hide


def test_a_submissions_zip_inside_the_system_tree_is_covered(tmp_path):
    """An LMS zip kept under /usr (say) is covered by /dev/null; its folder by a tmpfs."""
    library = tmp_path / "lib" / "nncourse"
    library.mkdir(parents=True)
    zipped = Path("/usr/local/share") / f"nncourse-test-{os.getpid()}.zip"
    try:
        zipped.write_bytes(b"PK")
        command = sandbox_command(load(), 0, [str(zipped)], library, [])
        at = command.index(str(zipped))
        assert command[at - 2: at] == ["--ro-bind", "/dev/null"]
    finally:
        zipped.unlink(missing_ok=True)


def test_the_job_s_seccomp_filter_refuses_keyrings_and_namespaces():
    """Read back from the compiled program: add_key, request_key, keyctl, unshare and setns
    are refused, clone3 reports ENOSYS, clone's namespace flags are tested."""
    import struct

    program = _seccomp_program()
    instructions = [struct.unpack("HBBI", program[i:i + 8]) for i in range(0, len(program), 8)]
    refused = {k for code, jt, _, k in instructions if code == 0x15 and jt > 0}
    assert {248, 249, 250, 272, 308, 435} <= refused
    assert any(code == 0x45 and k & 0x10000000 for code, _, _, k in instructions)  # NEWUSER
    assert (0x06, 0, 0, 0x00050000 | 1) in instructions  # EPERM


COMMAND_OF = """import json, sys
from pathlib import Path
from autograder.config import load
from autograder.sandbox import sandbox_command
print(json.dumps(sandbox_command(load(), 0, sys.argv[2:], Path(sys.argv[1]), [])))
"""


def test_the_sandbox_shows_a_distribution_python_s_own_library_and_hides_the_rest(
        distro_python, tmp_path):
    """Review 24d H1: with /usr/bin/python3.11 (base prefix /usr, standard library
    /usr/lib/python3.11) the sandbox hid the standard library and no worker could start. What
    the interpreter reads is asked of it; what the grader hides stays hidden: binding its
    prefix (/usr) back would show nbgrader's exchange again, and a path-based editable
    install (the course on its sys.path, as this venv has it) must not show the course."""
    library = tmp_path / "lib" / "nncourse"
    library.mkdir(parents=True)
    download = Path("/usr/local/share") / f"nncourse-test-{os.getpid()}"  # inside /usr
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    try:
        download.mkdir()
        done = subprocess.run([str(distro_python), "-c", COMMAND_OF, str(library),
                               str(download)], cwd=ROOT, capture_output=True, text=True,
                              env=env, timeout=120)
    finally:
        download.rmdir()
    assert done.returncode == 0, done.stderr[-3000:]
    command = json.loads(done.stdout)
    for needed in ("/usr/lib/python3.11/os.py", "/usr/lib/python3.11/encodings/__init__.py",
                   "/usr/lib/python3.11/lib-dynload", str(distro_python.parent.parent),
                   str(ROOT / "autograder" / "runner.py")):
        assert _visible(command, needed), needed
    for hidden in (str(download), str(ROOT / "solutions"), str(ROOT / "course"),
                   str(ROOT / "autograder" / "hidden"), "/root/.ssh", "/work"):
        assert not _visible(command, hidden), hidden
    graphlib = "/usr/lib/python3.11/graphlib.py"  # its own standard library's: a blocker
    assert [command[i + 1] for i, part in enumerate(command)
            if part == "--ro-bind" and command[i + 2] == graphlib][-1].startswith(str(tmp_path))
