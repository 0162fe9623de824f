"""Workers: warm runners inside bubblewrap; each student's job as its own unprivileged uid.

A worker is ``bwrap ... python -m autograder.runner``: no network, its own pid namespace
(killing it kills everything the student started), a private read-only-to-students /tmp,
the homes and the project hidden behind empty tmpfs mounts, and only what the runner needs
bound back read-only: what the grader's Python reads (:func:`interpreter_paths`: its
standard library, executable and virtual environment, wherever they are), the venv *without*
torch, scipy and scikit-learn (their folders are covered; importing them raises ImportError),
and the *probe-only* copy of the course library (:mod:`autograder.probes`: no judges, no
oracles, no reference implementations). ``solutions/``, the hidden checks' files, the
gradebook, the submissions and the grader's output are not visible inside.

The runner keeps uid 0 inside with only CAP_SETUID, CAP_SETGID, CAP_KILL and CAP_CHOWN, so it
can run
each job as a fresh uid and clean up after it; where cgroup v1 is writable (the grader runs
as root) each worker gets memory and pids cgroups, in which the runner makes one per job,
so a student's forks count against the same memory cap. Without bubblewrap
(``--no-sandbox``) the runner starts as a plain child process with the same limits and none
of the isolation.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import json
import os
import queue
import shutil
import subprocess
import sys
import sysconfig
import threading
from pathlib import Path

from nncourse.rules import FORBIDDEN_STDLIB, USES_MESSAGE

from autograder.config import Settings
from autograder.notebooks import ROOT

RUNNER_ENV = {
    "NNCOURSE_MODE": "probe",
    "NBGRADER_EXECUTION": "autograde",
    "MPLBACKEND": "Agg",
    "MPLCONFIGDIR": "/tmp/matplotlib",
    "NNCOURSE_CHECK_MODULES": "",
    "HOME": "/tmp",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
}
PASS_THROUGH = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "LANG", "LC_ALL")


class SandboxMissing(RuntimeError):
    """bubblewrap is not installed and grading without it was not asked for."""


def bwrap_available() -> bool:
    return shutil.which("bwrap") is not None and shutil.which("setpriv") is not None


def _outermost(paths: list[str]) -> list[str]:
    kept: list[str] = []
    for path in sorted({os.path.realpath(p) for p in paths if os.path.exists(p)},
                       key=lambda p: (p.count(os.sep), p)):
        if not any(path == k or path.startswith(k + os.sep) for k in kept):
            kept.append(path)
    return kept


FORBIDDEN_PACKAGES = ("torch", "torchgen", "functorch", "scipy", "sklearn", "jax", "tensorflow",
                      "autograd", "networkx", "sympy", "mpmath", "pandas", "numba", "cupy",
                      "sqlalchemy")
"""Covered in the sandbox wherever installed: the machine learning libraries and ready-made
solutions of graded exercises. The rules refuse every package but numpy and the standard
library (:func:`nncourse.rules.forbidden_modules`, an allow list, enforced in the kernel and
read from the answers' syntax); the kernel needs the others (ipykernel, zmq...) to run, so
only these are moreover not on the sandbox's filesystem."""

BLOCKER = ('raise ImportError("{name} is not available while grading: '
           f'{USES_MESSAGE}")\n')


FORBIDDEN_MODULES = FORBIDDEN_STDLIB
"""Standard-library modules that solve a graded exercise: covered by a blocker too."""


def _package_roots() -> list[Path]:
    """Every folder of installed packages a student could put on ``sys.path``: the venv's,
    the base interpreter's, the system's (Debian's dist-packages) and /usr/local's."""
    roots = {Path(p) for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for prefix in {sys.prefix, sys.base_prefix, os.path.realpath(sys.base_prefix)}:
        roots.add(Path(prefix) / "lib" / version / "site-packages")
    for pattern in ("/usr/lib/python3*/*-packages", "/usr/local/lib/python3*/*-packages"):
        roots |= {Path(p) for p in glob.glob(pattern)}
    return sorted(r for r in roots if r.is_dir())


def forbidden_folders() -> list[Path]:
    """The forbidden packages' folders, wherever an interpreter on this machine has them."""
    return sorted({root / name for root in _package_roots() for name in FORBIDDEN_PACKAGES
                   if (root / name).is_dir()})


def forbidden_files() -> list[Path]:
    """The forbidden standard-library modules' files (source and compiled)."""
    stdlib = Path(os.path.realpath(sysconfig.get_path("stdlib")))
    found = []
    for name in FORBIDDEN_MODULES:
        found += [stdlib / f"{name}.py", *(stdlib / "__pycache__").glob(f"{name}.*.pyc")]
    return [f for f in found if f.is_file()]


def system_python_folders() -> list[str]:
    """Every Python's library folder on this machine (Debian's /usr/lib/python3*, its
    dist-packages, /usr/local's), the grader's own included: covered in the sandbox, so no
    module of another Python (graphlib, networkx, scipy...) can be loaded by path; what the
    grader's own interpreter reads (:func:`interpreter_paths`) is bound back over them."""
    found = []
    for pattern in ("/usr/lib/python3*", "/usr/local/lib/python3*", "/usr/share/python3*",
                    "/usr/lib/pypy*", "/usr/local/lib/pypy*"):
        found += [os.path.realpath(f) for f in glob.glob(pattern) if os.path.isdir(f)]
    return sorted(set(found))


_ASK_INTERPRETER = """import json, os, sys, sysconfig
paths = list(sys.path)
link = sys.executable
while os.path.islink(link):
    link = os.path.join(os.path.dirname(link), os.readlink(link))
    paths.append(os.path.dirname(link))
paths += [sysconfig.get_path(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")]
if sys.prefix != sys.base_prefix:
    paths.append(sys.prefix)
if sysconfig.get_config_var("Py_ENABLE_SHARED"):
    paths.append(os.path.join(sysconfig.get_config_var("LIBDIR"),
                              sysconfig.get_config_var("INSTSONAME")))
print(json.dumps(paths))
"""


@functools.cache
def interpreter_paths() -> tuple[str, ...]:
    """What the runner's interpreter reads, asked of it as the runner starts it
    (``python -I``): its module path (the standard library, lib-dynload, the virtual
    environment's site-packages, the system's when the venv includes them), sysconfig's
    stdlib, platstdlib, purelib and platlib, the folders of its executable and of each link on
    the way to it, the virtual environment (its ``pyvenv.cfg``) and, for a shared build,
    libpython; outermost only.

    Wherever the interpreter lives (a pyenv build, Debian's or deadsnakes' /usr/bin/python3.11
    whose standard library is /usr/lib/python3.11, /usr/local), exactly these are bound back
    read-only: never its whole prefix (/usr would bring back what is hidden under it)."""
    done = subprocess.run([sys.executable, "-I", "-c", _ASK_INTERPRETER], capture_output=True,
                          text=True, check=True, cwd="/")
    return tuple(_outermost([p for p in json.loads(done.stdout) if p]))


def _dirs_for(path: str) -> list[str]:
    command = []
    for parent in reversed(Path(path).parents):
        if str(parent) not in ("/", "/tmp"):
            command += ["--perms", "0755", "--dir", str(parent)]
    return command


SYSTEM_TREE = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
"""The only folders of the machine a job sees (read-only; besides them its own /tmp, /dev,
/proc, the grader's Python and virtual environment, and the probe library): an allowlist,
so whatever else the machine holds (other classes' submissions, the grader's output, an
LMS download in /data) is never there, wherever the instructor keeps it. Each is bound as it
is on the host (a merged-/usr system's /bin is a link to usr/bin)."""


def system_tree() -> list[str]:
    """bwrap arguments that make :data:`SYSTEM_TREE` the job's whole file system."""
    command = []
    for path in SYSTEM_TREE:
        if os.path.islink(path):
            command += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            command += ["--ro-bind", path, path]
    return command


def _under(path: str, roots: list[str]) -> bool:
    """``path`` is one of ``roots`` or inside one."""
    return any(path == root or path.startswith(root + os.sep) for root in roots)


def _in_system_tree(path: str) -> bool:
    return _under(path, [os.path.realpath(r) for r in SYSTEM_TREE if os.path.exists(r)])


def sandbox_command(settings: Settings, index: int, covered: list[str], library: Path,
                    cgroups: list[str], allowed: tuple[str, ...] = ()) -> list[str]:
    """The bwrap command line of worker ``index``.

    covered: paths to hide besides the configured ones; library: the probe-only course
    library, bound where the real one is; cgroups: the worker's cgroup folders (writable);
    allowed: forbidden packages this worker leaves visible (the packages some checks'
    rules allow, e.g. torch for notebook 04's LinearFunction; only those checks' results
    are taken from such a worker's runs).
    """
    command = ["bwrap", *system_tree(), "--perms", "0755", "--tmpfs", "/tmp"]
    for folder in system_python_folders():
        command += ["--perms", "0755", "--tmpfs", folder]
    for path in _outermost([*settings.hide, str(ROOT), *covered]):
        if path == "/tmp" or path.startswith("/tmp/") or not _in_system_tree(path):
            continue  # /tmp is a fresh, empty tmpfs; what is outside the tree is not there
        if os.path.isdir(path):
            command += ["--perms", "0755", "--tmpfs", path]
        else:  # a file (an LMS zip) inside the system tree
            command += ["--ro-bind", "/dev/null", path]
    # the interpreter's files are bound back wherever they are (a pyenv build under /root),
    # but of the course's and this run's own files (a path-based editable install puts the
    # course on sys.path) only the virtual environment
    venv = [os.path.realpath(sys.prefix)] if sys.prefix != sys.base_prefix else []
    private = _outermost([str(ROOT), *covered])
    interpreter = [p for p in interpreter_paths() if _under(p, venv) or not _under(p, private)]
    # a virtual environment reached through a link (a copy of the course whose .venv links
    # to another's) is also bound where the interpreter looks for it: its pyvenv.cfg is read
    # beside the executable as called, not as resolved
    called = [os.path.abspath(sys.prefix)] if venv and venv[0] != os.path.abspath(
        sys.prefix) else []
    binds = [*interpreter, *called, str(ROOT / "autograder" / "__init__.py"),
             str(ROOT / "autograder" / "runner.py")]
    for path in binds:
        dirs = [] if _in_system_tree(path) else _dirs_for(path)
        command += dirs + ["--ro-bind", path, path]
    package = ROOT / "lib" / "nncourse"
    command += _dirs_for(str(package)) + ["--ro-bind", str(library), str(package)]
    blockers = library.parent / "blockers"
    for folder in forbidden_folders():
        if folder.name in allowed:
            continue
        blocker = blockers / folder.name / "__init__.py"
        blocker.parent.mkdir(parents=True, exist_ok=True)
        blocker.write_text(BLOCKER.format(name=folder.name))
        command += ["--perms", "0755", "--tmpfs", str(folder),
                    "--ro-bind", str(blocker), str(folder / "__init__.py")]
    for path in forbidden_files():
        blocker = blockers / path.name
        blocker.write_text(BLOCKER.format(name=path.name.split(".")[0]))
        command += ["--ro-bind", str(blocker), str(path)]  # a .pyc stand-in fails to load
    for folder in cgroups:
        command += ["--bind", folder, folder]
    command += ["--dev", "/dev", "--proc", "/proc", "--unshare-net", "--unshare-pid",
                "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--new-session",
                "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                "--cap-add", "CAP_KILL", "--cap-add", "CAP_CHOWN",
                # the supervisor removes a job's files whatever modes the job gave them
                "--cap-add", "CAP_FOWNER", "--cap-add", "CAP_DAC_OVERRIDE",
                "--chdir", "/tmp", "--clearenv"]
    env = _runner_env(pidns=True)
    env["NNCOURSE_JOB_UIDS"] = f"{settings.first_uid + index * UIDS_PER_WORKER}:" \
                               f"{UIDS_PER_WORKER}"
    if cgroups:
        env["NNCOURSE_CGROUPS"] = ":".join(cgroups)
    for key, value in env.items():
        command += ["--setenv", key, value]
    return command + _python_command(ROOT / "lib", ROOT)


UIDS_PER_WORKER = 1 << 24
"""Each worker draws its jobs' uids at random from its own 16 million (never one that still
owns a process, a key or an IPC object), so no run or restart reuses a uid whose leftovers
may exist."""
CGROUP_ROOT = Path("/sys/fs/cgroup")


def make_cgroups(name: str, memory_mb: int) -> list[str]:
    """A worker's memory, pids and cpuacct cgroups (cgroup v1, as root); [] where not
    possible (cpuacct is left out where it cannot be made).

    The worker's memory cap is the job's plus 1.5 GiB for the runner itself; each job gets
    its own cgroup below it with the job's caps (made by the runner).
    """
    remove_orphaned_cgroups()  # never raises: cleaning up after others costs no job
    made = {}
    for controller, settings in (("memory", {"memory.limit_in_bytes":
                                              str((memory_mb + 1536) * 1024 * 1024)}),
                                 ("pids", {}), ("cpuacct", {})):
        folder = CGROUP_ROOT / controller / "nncourse" / name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for key, value in settings.items():
                (folder / key).write_text(value)
            made[controller] = str(folder)
        except OSError:
            continue
    if "memory" not in made or "pids" not in made:
        return []
    # memory:pids[:cpuacct], as the runner reads them (cpuacct: CPU time forks included)
    return [made["memory"], made["pids"], *([made["cpuacct"]] if "cpuacct" in made else [])]


def _entries(folder: Path, prefix: str) -> list[Path]:
    """The entries of ``folder`` whose names start with ``prefix``, sorted; [] when the folder
    is gone. Several graders may clean up the same dead grader's cgroups at once, so a folder
    can vanish between any two steps (``Path.glob`` raises if it goes after its own check)."""
    try:
        with os.scandir(folder) as entries:
            return sorted(folder / e.name for e in entries if e.name.startswith(prefix))
    except OSError:
        return []


def remove_orphaned_cgroups() -> None:
    """Remove the worker cgroups (``<pid>-w<k>``) of graders that are no longer running: a
    grader killed with SIGKILL never removes its own. Never raises: another grader may be
    removing the same folders at the same moment."""
    for controller in ("memory", "pids", "cpuacct"):
        for folder in _entries(CGROUP_ROOT / controller / "nncourse", ""):
            pid = folder.name.split("-w")[0]
            if "-w" not in folder.name or not pid.isdigit():
                continue
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                with contextlib.suppress(OSError):
                    remove_cgroups([str(folder)])
            except (PermissionError, OverflowError):
                continue  # alive, someone else's (or not a pid at all)


def remove_cgroups(folders: list[str]) -> None:
    """Remove a worker's cgroups and any job cgroup left below them, killing what is still
    inside (:func:`autograder.runner.remove_cgroup`); a folder already gone is done."""
    from autograder.runner import remove_cgroup

    for folder in folders:
        for child in [*reversed(_entries(Path(folder), "job-")), Path(folder)]:
            remove_cgroup(str(child))


def _runner_env(pidns: bool) -> dict[str, str]:
    env = dict(RUNNER_ENV, PATH=f"{Path(sys.executable).parent}:/usr/bin:/bin")
    env.update({k: os.environ[k] for k in PASS_THROUGH if k in os.environ})
    if pidns:
        env["NNCOURSE_PIDNS"] = "1"
    return env


def _python_command(*first: Path) -> list[str]:
    """The runner, with ``first`` ahead of everything on its module path."""
    paths = ", ".join(repr(str(p)) for p in first)
    return [sys.executable, "-I", "-c",
            f"import sys; sys.path[:0] = [{paths}]; from autograder.runner import main; main()"]


class Worker:
    """One warm runner; ``run`` sends a job and returns its events."""

    def __init__(self, settings: Settings, index: int, sandbox: bool, covered: list[str],
                 library: Path, allowed: tuple[str, ...] = ()):
        self.settings, self.index, self.sandbox = settings, index, sandbox
        self.covered, self.library, self.allowed = covered, library, allowed
        self.process: subprocess.Popen | None = None
        self.cgroups: list[str] = []
        self.jobs = 0
        self.lines: queue.Queue = queue.Queue()

    def start(self) -> None:
        if self.sandbox:
            suffix = "t" if self.allowed else ""
            self.cgroups = make_cgroups(f"{os.getpid()}-w{self.index}{suffix}",
                                        self.settings.limits.memory_mb)
            command = sandbox_command(self.settings, self.index, self.covered, self.library,
                                      self.cgroups, self.allowed)
            env = None
        else:
            command = _python_command(self.library.parent, ROOT)
            env = _runner_env(pidns=False)
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, env=env, cwd="/tmp",
                                        start_new_session=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._pump, args=(self.process.stdout, self.lines),
                         daemon=True).start()
        event = self._read(timeout=180)
        if not event or event.get("event") != "ready":
            self.stop()
            raise RuntimeError("the grading worker did not start (is the venv complete?)")

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, 9)
            self.process.kill()
            self.process.wait()
            self.process = None
        remove_cgroups(self.cgroups)
        self.cgroups = []

    @staticmethod
    def _pump(stream, lines: queue.Queue) -> None:
        """One thread per worker: the runner's lines into ``lines`` (b"" at its end)."""
        for line in stream:
            lines.put(line)
        lines.put(b"")

    def _read(self, timeout: float) -> dict | None:
        """The next event, or None when the runner died or stayed silent for ``timeout``."""
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            return None
        if not line:
            return None
        try:
            event = json.loads(line)
        except ValueError:
            return {"event": "noise"}
        return event if isinstance(event, dict) else {"event": "noise"}

    def _send(self, line: bytes, timeout: float) -> bool:
        """Write ``line`` to the runner within ``timeout`` seconds."""
        done: list = []

        def write():
            try:
                self.process.stdin.write(line)
                self.process.stdin.flush()
                done.append(True)
            except (BrokenPipeError, OSError, ValueError):
                pass

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        writer.join(timeout)
        return bool(done)

    def run(self, job: dict) -> list[dict]:
        """Run ``job``; returns its events. Events of any other job are ignored."""
        if self.process is None:
            self.start()
        self.jobs += 1
        job_id = f"{os.getpid()}-{self.index}-{self.jobs}"
        job = dict(job, id=job_id)
        if not self._send((json.dumps(job) + "\n").encode(), timeout=60):
            self.stop()
            return [{"event": "abort", "cell": None, "reason": "the grading worker died"}]
        limits = self.settings.limits
        events: list[dict] = []
        silence = limits.cell_wall_seconds + 30
        while True:
            event = self._read(timeout=silence)
            if event is None:
                current = next((e.get("cell") for e in reversed(events)
                                if e.get("event") == "start"), None)
                self.stop()
                events.append({"event": "abort", "cell": current,
                               "reason": "the grading worker was killed during this cell"})
                return events
            if event.get("job") != job_id:
                continue
            if event.get("event") == "done":
                if event.get("clean") is False:
                    self.stop()  # what the job left could not be removed: a fresh worker
                return events
            events.append(event)
