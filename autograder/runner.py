"""The warm runner: a supervisor, a clean zygote, and one forked child per notebook.

Started once per worker (``python -m autograder.runner``), it imports what every notebook
imports (numpy, matplotlib with the Agg backend, IPython, the course library) and then,
*before it reads any job*, forks the **zygote**: a process that holds no student's data and
never will. The rest of this process is the **supervisor**: it reads jobs as JSON lines on
stdin and answers with JSON-line events on stdout, every one tagged with the job's id:

    {"event": "ready"}                                          once, when warm
    {"job": j, "event": "start", "cell": i}                     a cell begins
    {"job": j, "event": "end", "cell": i, "error": null|"..."}  it ended
    {"job": j, "event": "probe", "cell": i, "payload": "..."}   a check's probe data
    {"job": j, "event": "abort", "cell": i|null, "reason": "..."}
    {"job": j, "event": "timing", ...}                          seconds by phase (benchmark)
    {"job": j, "event": "done", "clean": true|false}            the job is over

For each job the supervisor asks the zygote for a child (a uid, a home, cgroups and limits:
nothing of the notebook), so the child starts as the zygote is: it has never held another
student's cells, probes or results, in memory or in files. The supervisor then hands the
child **one cell at a time** on a pipe, the next only after the last one ended; a test cell
arrives with the hidden probe module it needs, which is dropped again when the cell ends. So
the student's process holds, at any moment, the student's own cells that ran and the one
running now, never a cell still to come.

The student's process is entirely the student's, so nothing it says is taken for control.
It can send two kinds of message: a probe's payload and "my current cell ended". The
supervisor decides which cell is running, tags probes with it, bounds and sanitises every
field, bounds the number and bytes of messages, and owns the clocks: a cell's time runs
from when its source was handed over, its CPU time is the job's cgroup's (forks count),
and an "end" counts only for the cell the child has actually read. "start", "end", "abort"
and "done" are written here and only here.

Inside the sandbox this process keeps uid 0 with CAP_SETUID, CAP_SETGID, CAP_KILL,
CAP_CHOWN, CAP_FOWNER and CAP_DAC_OVERRIDE; each child runs as a fresh unprivileged uid
(drawn at random from a large range, never one that owns a process, key or IPC object), in
a fresh home (its HOME and TMPDIR, the only place it can write), in its own memory, pids
and cpuacct cgroups where the grader provided them, with resource limits. After the job the
supervisor, as root, kills everything in the job's cgroups, removes its files whatever their
modes, its IPC objects and its keys, and checks that the job's memory charge is back to
zero; "done" says whether it is. Nothing here decides a grade.
"""

from __future__ import annotations

import builtins as builtins_module
import contextlib
import ctypes
import fcntl
import json
import linecache
import os
import resource
import secrets
import select
import shutil
import signal
import socket
import struct
import sys
import tempfile
import termios
import time
import types

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MAX_LINE = 16 * 1024 * 1024
MAX_TEXT = 2000
MAX_MESSAGES = 10000
"""Messages one job may send (an honest notebook sends a few per cell): beyond, it stops."""
END_GRACE_SECONDS = 5.0
CGROUP_VARIABLE = "NNCOURSE_CGROUPS"  # "memory_dir:pids_dir[:cpuacct_dir]" of this worker
UID_VARIABLE = "NNCOURSE_JOB_UIDS"  # "first:count": each job a fresh uid from this range
HEADROOM_MB = 512


def clean_text(text, limit: int = MAX_TEXT) -> str:
    """``text`` as valid UTF-8 of at most ``limit`` characters (lone surrogates replaced)."""
    text = str(text)[:limit]
    return text.encode("utf-8", "replace").decode("utf-8")


def _warm_up():
    """Import what every notebook imports, and lay out one figure of every kind the
    notebooks draw, so a forked child starts with fonts, colour maps and layout code loaded
    (about a quarter of a notebook's own time when each child loaded them itself)."""
    import matplotlib

    matplotlib.use("Agg")  # draws nothing unless a cell saves a figure
    import matplotlib.pyplot
    import nncourse  # noqa: F401
    import nncourse.checks  # noqa: F401
    import nncourse.plots  # noqa: F401
    import numpy
    from IPython.core.interactiveshell import InteractiveShell

    _warm_figures(matplotlib.pyplot, numpy)
    from matplotlib.figure import Figure

    Figure.tight_layout = _no_layout  # nothing is drawn while grading: layout is wasted
    return InteractiveShell.instance()


def _no_layout(self, *args, **kwargs) -> None:
    """``Figure.tight_layout`` while grading. No figure is shown or saved here (the autograded
    notebook keeps the student's outputs as submitted), so laying out tick labels is work for
    nothing: it was 60 % of notebook 01's own cells, whose figures are all tight_layout-ed.
    It returns None, as the real one does; an explicit ``canvas.draw()`` still draws."""


def _warm_figures(plt, np) -> None:
    """Draw, off screen, a figure using what the notebooks' plots use; then close it.
    Made from constants: nothing of any student or check."""
    grid = np.linspace(-1.0, 1.0, 16)
    x, y = np.meshgrid(grid, grid)
    figure, (left, right) = plt.subplots(1, 2, figsize=(6, 3))
    left.contourf(x, y, x * y, levels=8, cmap="RdBu", alpha=0.5)
    left.contour(x, y, x * y, levels=[0.0], colors="k")
    left.scatter(grid, grid, c=grid, cmap="viridis", edgecolors="k", marker="o")
    left.plot(grid, grid, "--", label=r"$\alpha$")
    left.legend()
    left.set(title="t", xlabel="x", ylabel="y")
    image = right.imshow(x, cmap="gray")
    figure.colorbar(image, ax=right)
    right.bar([1.0, 2.0], [1.0, 2.0])
    right.hist(grid, bins=4)
    right.semilogy(grid + 2.0, grid + 2.0)
    right.annotate("a", (0.0, 0.0), (1.0, 1.0), arrowprops={"arrowstyle": "->"})
    figure.suptitle("s")
    figure.tight_layout()
    figure.canvas.draw()
    plt.close("all")


def _event_publisher(send):
    """The child shell's display publisher: forwards probe bundles, drops everything else."""
    from IPython.core.displaypub import DisplayPublisher
    from nncourse.checking import PROBE_MIME

    class EventPublisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False,
                    **kwargs):
            if isinstance(data, dict) and PROBE_MIME in data:
                send({"kind": "probe", "payload": str(data[PROBE_MIME])})

        def clear_output(self, wait=False):
            pass

    return EventPublisher()


def _set_limits(limits: dict) -> None:
    mb = 1024 * 1024
    cpu = int(limits["notebook_cpu_seconds"])
    for name, soft, hard in (
        (resource.RLIMIT_AS, limits["memory_mb"] * mb, limits["memory_mb"] * mb),
        (resource.RLIMIT_CPU, cpu, cpu + 5),
        (resource.RLIMIT_NPROC, limits["processes"], limits["processes"]),
        (resource.RLIMIT_FSIZE, limits["file_mb"] * mb, limits["file_mb"] * mb),
        (resource.RLIMIT_CORE, 0, 0),
        # POSIX message queues outlive their processes and every job of a worker shares one
        # IPC namespace: a job may make none (no queue can carry anything to the next job)
        (resource.RLIMIT_MSGQUEUE, 0, 0),
    ):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(name, (soft, hard))


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def _read_int(path: str) -> int | None:
    try:
        with open(path) as handle:
            return int(handle.read().strip() or 0)
    except (OSError, ValueError):
        return None


class JobCgroups:
    """A job's own memory, pids and cpuacct cgroups, under the worker's (made as root)."""

    def __init__(self, job_id: str, limits: dict):
        self.dirs: list[str] = []
        self.memory = self.cpuacct = None
        self.cap_mb = 0
        spec = os.environ.get(CGROUP_VARIABLE, "")
        if not spec:
            return
        memory_root, pids_root, cpuacct_root = (spec.split(":") + ["", ""])[:3]
        safe = "".join(c for c in job_id if c.isalnum())[:40] or "job"
        # headroom above RLIMIT_AS (memory_mb), so one process meets its own cap first (a
        # MemoryError the student can read) and the cgroup catches what forks add up to
        self.cap_mb = limits["memory_mb"] + HEADROOM_MB
        for root, settings in ((memory_root, {
                "memory.limit_in_bytes": str(self.cap_mb * 1024 * 1024)}),
                (pids_root, {"pids.max": str(limits["processes"])}),
                (cpuacct_root, {})):
            if not root:
                continue
            path = os.path.join(root, f"job-{safe}")
            try:
                os.makedirs(path, exist_ok=True)
                for name, value in settings.items():
                    _write(os.path.join(path, name), value)
                self.dirs.append(path)
            except OSError:
                continue
            if root == memory_root:
                self.memory = path
            elif root == cpuacct_root:
                self.cpuacct = path

    def enter(self) -> None:
        """Move the calling process into the job's cgroups (before dropping privileges)."""
        for path in self.dirs:
            with contextlib.suppress(OSError):
                _write(os.path.join(path, "cgroup.procs"), str(os.getpid()))

    def pids(self) -> list[int]:
        found: set[int] = set()
        for path in self.dirs:
            with contextlib.suppress(OSError, ValueError), \
                    open(os.path.join(path, "cgroup.procs")) as handle:
                found |= {int(line) for line in handle if line.strip()}
        return sorted(found)

    def cpu_seconds(self) -> float | None:
        """CPU time of everything the job ran, exited forks included (None: no cpuacct)."""
        if self.cpuacct is None:
            return None
        used = _read_int(os.path.join(self.cpuacct, "cpuacct.usage"))
        return None if used is None else used / 1e9

    def out_of_memory(self) -> bool:
        if self.memory is None:
            return False
        return (_read_int(os.path.join(self.memory, "memory.failcnt")) or 0) > 0

    def memory_charged(self) -> int:
        """Bytes of memory and files (RAM-disk files included) still charged to the job's
        memory cgroup, after reclaiming what can be. (The kernel's own small bookkeeping,
        a few pages of it, is not counted: it goes with the cgroup.)"""
        if self.memory is None:
            return 0
        with contextlib.suppress(OSError):
            _write(os.path.join(self.memory, "memory.force_empty"), "0")
        try:
            with open(os.path.join(self.memory, "memory.stat")) as handle:
                stat = dict(line.split() for line in handle if line.count(" ") == 1)
            return sum(int(stat.get(key, 0)) for key in ("rss", "cache", "swap"))
        except (OSError, ValueError):
            return 0

    def remove(self) -> None:
        for path in self.dirs:
            remove_cgroup(path)


def remove_cgroup(path: str) -> None:
    """Kill what is still in the cgroup at ``path`` and remove it (a cgroup with a task cannot
    be removed), retried for up to a second. The grader removes its worker cgroups with it."""
    for _ in range(50):
        with contextlib.suppress(OSError, ValueError), \
                open(os.path.join(path, "cgroup.procs")) as handle:
            for line in handle.read().split():
                _kill(int(line))
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)


def _key_users() -> set[int]:
    """The uids the kernel keeps keys for (any user namespace's keys count here)."""
    found = set()
    with contextlib.suppress(OSError), open("/proc/key-users") as handle:
        for line in handle:
            with contextlib.suppress(ValueError, IndexError):
                found.add(int(line.split(":")[0]))
    return found


def _ipc_owners() -> set[int]:
    found = set()
    for table, _ in IPC_TABLES:
        with contextlib.suppress(OSError), open(table) as handle:
            header = handle.readline().split()
            for line in handle:
                row = dict(zip(header, line.split()))
                for key in ("uid", "cuid"):
                    with contextlib.suppress(ValueError, TypeError):
                        found.add(int(row.get(key)))
    return found


def _fresh_uid() -> int | None:
    """A uid for the next job: drawn at random from this worker's range (2**24 of them), and
    one that owns no process, key or IPC object, so nothing an earlier job (of this run or
    any other) left is reachable as its owner."""
    spec = os.environ.get(UID_VARIABLE, "")
    if not spec or os.getuid() != 0:
        return None
    first, count = (int(part) for part in spec.split(":"))
    keys, ipc = _key_users(), _ipc_owners()
    for _ in range(100):
        uid = first + secrets.randbelow(max(count, 1))
        if uid not in keys and uid not in ipc and not _processes_of(uid):
            return uid
    raise RuntimeError("no free job uid")


def _drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    libc = ctypes.CDLL(None)
    libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS


def _seccomp_program() -> bytes:
    """A seccomp filter (classic BPF, x86_64) for a job's process and everything it starts:
    no kernel keyring at all (``add_key``, ``request_key``, ``keyctl``: a persistent keyring
    outlives the job and its uid, readable by the next job and by any local user) and no
    new namespace (``unshare``, ``setns``, ``clone`` with a namespace flag; ``clone3``
    reports ENOSYS so the C library falls back to ``clone``); another architecture's or
    the x32 ABI's system calls are refused outright."""
    import struct

    allow, deny, nosys = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38  # ALLOW, EPERM, ENOSYS
    namespaces = 0x7E020000  # CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET
    program: list[tuple] = [
        ("ld", 4), ("jeq", 0xC000003E, None, "deny"),  # AUDIT_ARCH_X86_64
        ("ld", 0), ("jge", 0x40000000, "deny", None),  # the x32 ABI
        *[("jeq", number, "deny", None) for number in (248, 249, 250, 272, 308)],
        ("jeq", 435, "nosys", None),  # clone3
        ("jeq", 56, None, "allow"),  # clone: its flags
        ("ld", 16), ("jset", namespaces, "deny", "allow"),
        ("label", "allow"), ("ret", allow), ("label", "deny"), ("ret", deny),
        ("label", "nosys"), ("ret", nosys)]
    labels, at = {}, 0
    for item in program:
        if item[0] == "label":
            labels[item[1]] = at
        else:
            at += 1
    codes = {"ld": 0x20, "jeq": 0x15, "jge": 0x35, "jset": 0x45, "ret": 0x06}
    out, at = b"", 0
    for item in program:
        if item[0] == "label":
            continue
        if item[0] in ("ld", "ret"):
            out += struct.pack("HBBI", codes[item[0]], 0, 0, item[1])
        else:
            jt, jf = (0 if target is None else labels[target] - at - 1
                      for target in item[2:])
            out += struct.pack("HBBI", codes[item[0]], jt, jf, item[1])
        at += 1
    return out


def _forbid_kernel_objects() -> None:
    """Install :func:`_seccomp_program` in this process (after ``PR_SET_NO_NEW_PRIVS``):
    inherited by every process it starts, and no process can remove it. Only on x86_64
    (elsewhere the job's uid, cleaned up after it, is the only protection)."""
    import platform

    if platform.machine() != "x86_64":
        return
    program = _seccomp_program()
    buffer = ctypes.create_string_buffer(program)

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
    fprog = Program(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:  # PR_SET_SECCOMP, FILTER
        raise OSError(ctypes.get_errno(), "the job's seccomp filter could not be installed")


SYS_KEYCTL = 250  # x86_64
KEYCTL_JOIN_SESSION_KEYRING, KEYCTL_CLEAR = 1, 7
KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING = -4, -5


def _keyctl(*args) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.syscall(SYS_KEYCTL, *[ctypes.c_long(a) for a in args])


class Armour:
    """The course library as it was before any student code ran, put back before each test
    cell: every attribute of its modules and check classes, every function's code, defaults
    and closure, and the modules the sending path uses (``os``, ``posix``, ``json``). A test
    cell's ``check`` is always the library's own. Taken once, in the zygote.

    Inside the student's process nothing is out of reach (a student can still write raw
    bytes to the event pipe); this makes forging probe data take deliberate, visible work,
    which grading/integrity.csv reports, instead of redefining ``check`` in a cell.
    """

    def __init__(self):
        self.modules = {name: (module, dict(vars(module)))
                        for name, module in sys.modules.items()
                        if name in GUARDED or name.startswith(("nncourse.", "autograder."))}
        self.classes: dict[type, dict] = {}
        self.functions: dict = {}
        self.containers: list[tuple[object, object]] = []  # (dict or instance, its contents)
        for _, contents in self.modules.values():
            for value in contents.values():
                self._remember(value)
        from nncourse.checking import check

        self.check = check
        self._flat_for: int | None = None  # len(self.functions) that _flat_cache was built for
        self._flat_cache: tuple[list, list] = ([], [])

    def retake(self, container) -> None:
        """Take ``container``'s contents as they are now (the child's environment, once its
        seed is set), if it is one this armour restores."""
        self.containers = [(c, (type(contents)(container) if c is container else contents))
                           for c, contents in self.containers]

    def protect(self, *functions) -> None:
        """Remember ``functions`` (code, defaults, closure) too: the sending path's."""
        for function in functions:
            self.functions[function] = self._state(function)
        self._flat_for = None

    @staticmethod
    def _state(function) -> tuple:
        cells = tuple(c.cell_contents for c in function.__closure__ or ())
        return function.__code__, function.__defaults__, function.__kwdefaults__, cells

    def _remember(self, value, depth: int = 0) -> None:
        if depth > 2:
            return
        if isinstance(value, dict) and not any(value is c for c, _ in self.containers):
            self.containers.append((value, dict(value)))  # e.g. the registry of checks
            for item in list(value.values()):
                self._remember(item, depth + 1)
        elif isinstance(value, list) and not any(value is c for c, _ in self.containers):
            self.containers.append((value, list(value)))  # e.g. the sink and re-arm hooks
            for item in list(value):
                self._remember(item, depth + 1)
        elif (type(value).__module__.startswith(("nncourse", "autograder"))
              and hasattr(value, "__dict__") and not isinstance(value, type)
              and not any(value is c for c, _ in self.containers)):
            self.containers.append((value, dict(vars(value))))  # e.g. a check instance
        if isinstance(value, types.FunctionType) and value not in self.functions:
            with contextlib.suppress(ValueError):  # an empty closure cell
                self.functions[value] = self._state(value)
        elif isinstance(value, type) and value not in self.classes and depth < 2 and \
                getattr(value, "__module__", "").startswith(("nncourse", "autograder")):
            self.classes[value] = {k: v for k, v in vars(value).items()
                                   if k not in ("__dict__", "__weakref__")}
            for item in list(self.classes[value].values()):
                self._remember(item, depth + 1)

    def restore(self, namespace: dict | None) -> None:
        """Put everything back; ``namespace``: the notebook's, whose ``check`` is rebound
        (None while a cell runs: then the interpreter's builtins are left to IPython).

        Run before every test cell and every probe's sending, so it is written for speed:
        plain ``try`` (no context manager per item), what is already in place left as it is,
        the functions' closure cells flattened once."""
        for name, (module, contents) in self.modules.items():
            sys.modules[name] = module
            found = vars(module)
            if found.keys() != contents.keys():
                for key in [k for k in found if k not in contents]:
                    with contextlib.suppress(AttributeError, TypeError):
                        delattr(module, key)
            found.update(contents)
        for cls, contents in self.classes.items():
            found = vars(cls)
            for key, value in contents.items():
                if found.get(key, _MISSING) is not value:  # rare: only what changed
                    with contextlib.suppress(AttributeError, TypeError):
                        setattr(cls, key, value)
        for container, contents in self.containers:
            if namespace is None and container is vars(builtins_module):
                continue
            if isinstance(container, list):
                container[:] = contents
                continue
            target = container if isinstance(container, dict) else vars(container)
            target.clear()
            target.update(contents)
        functions, cells = self._flat()
        for function, code, defaults, kwdefaults in functions:
            try:
                if function.__code__ is not code:
                    function.__code__ = code
                if function.__defaults__ is not defaults:
                    function.__defaults__ = defaults
                if function.__kwdefaults__ is not kwdefaults:
                    function.__kwdefaults__ = kwdefaults
            except (AttributeError, TypeError, ValueError):
                pass
        for cell, value in cells:  # thousands: a context manager each was most of the cost
            try:  # noqa: SIM105
                cell.cell_contents = value
            except (AttributeError, TypeError, ValueError):
                pass
        if namespace is not None:
            namespace["check"] = self.check

    def _flat(self) -> tuple[list, list]:
        """The remembered functions as (function, code, defaults, kwdefaults) and their
        closure cells as (cell, value), rebuilt when a function was added."""
        if self._flat_for != len(self.functions):
            functions, cells = [], []
            for function, (code, defaults, kwdefaults, values) in self.functions.items():
                functions.append((function, code, defaults, kwdefaults))
                # a function's closure cells are fixed at its creation: only their contents
                # can change, so the cells themselves are taken once
                cells.extend(zip(function.__closure__ or (), values))
            self._flat_cache, self._flat_for = (functions, cells), len(self.functions)
        return self._flat_cache


_MISSING = object()
GUARDED = ("nncourse", "json", "json.encoder", "json.decoder", "base64", "io", "numpy",
           "numpy.lib.format", "warnings", "IPython.display", "IPython.core.display_functions",
           "os", "posix", "random")
"""Besides the course library, the modules the probes' data and the sending path use."""


class NumericState:
    """numpy's error state and print options, the warning filters and the global random
    states as the zygote had them: put back before every probe, so ``np.seterr(over=
    'ignore')`` or a seeded global generator in an answer cell changes no check."""

    def __init__(self):
        import random
        import warnings

        import numpy

        self.numpy, self.random, self.warnings = numpy, random, warnings
        self.errors = numpy.geterr()
        self.printing = numpy.get_printoptions()
        self.numpy_random = numpy.random.get_state()
        self.python_random = random.getstate()
        self.filters = list(warnings.filters)

    def reset(self) -> None:
        with contextlib.suppress(Exception):
            self.numpy.seterr(**self.errors)
        with contextlib.suppress(Exception):
            self.numpy.set_printoptions(**self.printing)
        with contextlib.suppress(Exception):
            self.numpy.random.set_state(self.numpy_random)
        with contextlib.suppress(Exception):
            self.random.setstate(self.python_random)
        with contextlib.suppress(Exception):
            self.warnings.filters[:] = self.filters
            self.warnings._filters_mutated()


def _install_hidden(modules: dict[str, str]) -> list[str]:
    """Make a test cell's (stripped) hidden probe modules importable, from memory only;
    returns the names put into ``sys.modules`` (removed again when the cell ends)."""
    added = []
    for name, source in modules.items():
        parts = name.split(".")
        for depth in range(1, len(parts)):
            package = ".".join(parts[:depth])
            if package not in sys.modules or not hasattr(sys.modules[package], "__path__"):
                module = types.ModuleType(package)
                module.__path__ = []
                sys.modules[package] = module
                added.append(package)
        module = types.ModuleType(name)
        module.__file__ = f"<{name}>"
        sys.modules[name] = module
        added.append(name)
        exec(compile(source, f"<{name}>", "exec"), module.__dict__)  # noqa: S102
    os.environ["NNCOURSE_CHECK_MODULES"] = ",".join(modules)
    return added


def _drop_hidden(added: list[str]) -> None:
    """Forget a test cell's hidden probe modules and the checks they registered."""
    from nncourse import checking

    for name, found in list(checking.REGISTRY.items()):
        if type(found).__module__ in added:
            del checking.REGISTRY[name]
    for name in added:
        sys.modules.pop(name, None)
    os.environ["NNCOURSE_CHECK_MODULES"] = ""


def _receive_line(fd: int, pending: bytearray) -> bytes | None:
    """The next line on ``fd`` (None at its end)."""
    while b"\n" not in pending:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return None
        pending += chunk
    line, _, rest = bytes(pending).partition(b"\n")
    pending[:] = rest
    return line


def _child(shell, armour: Armour, numeric: NumericState, request: dict, cells_fd: int,
           events_fd: int) -> None:
    """Run one notebook in this process (forked from the zygote); never returns.

    request: the uid, home, cgroups and limits; the cells arrive one at a time on
    ``cells_fd`` (first a line with the job's seed), and events go out on ``events_fd``.
    """
    os.setpgid(0, 0)
    for path in request["cgroups"]:
        with contextlib.suppress(OSError):
            _write(os.path.join(path, "cgroup.procs"), str(os.getpid()))
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    keep = sorted({cells_fd, events_fd})
    os.closerange(3, keep[0])
    os.closerange(keep[0] + 1, keep[1])
    os.closerange(keep[1] + 1, 65536)
    _keyctl(KEYCTL_JOIN_SESSION_KEYRING, 0)  # a new, empty session keyring of its own
    uid, home = request["uid"], request["home"]
    if uid is not None:
        _drop_privileges(uid)
    _forbid_kernel_objects()
    _set_limits(request["limits"])
    os.environ.update({"HOME": home, "TMPDIR": home, "MPLCONFIGDIR": home})
    os.chdir(home)
    tempfile.tempdir = home

    kernel = os.getpid()
    write, dumps, getpid = os.write, json.dumps, os.getpid

    def send(message):
        if getpid() != kernel:  # a process the student forked speaks for no one
            return
        write(events_fd, (dumps(message) + "\n").encode())

    def sink(payload):
        send({"kind": "probe", "payload": str(payload)})

    hidden_checks: dict = {}  # the running test cell's hidden checks, put back after a rearm

    def rearm():
        armour.restore(None)
        checking.REGISTRY.update(hidden_checks)
        numeric.reset()

    from nncourse import checking

    publisher = _event_publisher(send)
    shell.display_pub = publisher

    checking.SINK[0], checking.REARM[0] = sink, rearm
    armour.containers += [(checking.SINK, [sink]), (checking.REARM, [rearm])]
    armour.protect(send, sink, rearm, publisher.publish.__func__)
    pending = bytearray()
    first = _receive_line(cells_fd, pending)
    if first is None:
        os._exit(0)
    os.environ["NNCOURSE_RUN_SEED"] = str(int(json.loads(first).get("seed", 0)))
    armour.retake(os.environ._data)  # restored with the seed from now on
    send({"kind": "ready"})  # for the timing breakdown only: nothing is decided by it
    while True:
        line = _receive_line(cells_fd, pending)
        if line is None:
            os._exit(0)
        cell = json.loads(line)
        del line
        test = bool(cell.get("test"))
        added: list[str] = []
        if test:
            armour.restore(shell.user_ns)
            numeric.reset()
            shell.display_pub = publisher
            hidden_checks.clear()
            added = _install_hidden(cell.get("hidden") or {})
            hidden_checks.update({name: found for name, found in checking.REGISTRY.items()
                                  if type(found).__module__ in added})
        cached = set(linecache.cache) if test else None
        try:
            result = shell.run_cell(cell.pop("source"), store_history=False)
            error = result.error_before_exec or result.error_in_exec
            message = None if error is None else f"{type(error).__name__}: {error}"
        except BaseException as error:  # noqa: BLE001 - report whatever escaped the shell
            message = f"{type(error).__name__}: {error}"
        if getpid() != kernel:  # a fork of the student's ends with the cell it began in
            os._exit(0)
        if cached is not None:  # IPython keeps each cell's source for tracebacks: not these
            for name in set(linecache.cache) - cached:
                linecache.cache.pop(name, None)
        if added:
            hidden_checks.clear()
            _drop_hidden(added)
        cell.pop("hidden", None)
        send({"kind": "end", "cell": cell["index"],
              "error": None if message is None else message[:MAX_TEXT]})


class Zygote:
    """A process forked before any job was read: it forks each job's child on request.

    Requests carry a uid, a home, cgroups and limits (nothing of a notebook) and the two pipe
    ends the child keeps; the zygote answers with the child's pid, then with its wait status.
    """

    def __init__(self, shell):
        armour, numeric = Armour(), NumericState()
        self.socket, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.pid = os.fork()
        if self.pid == 0:
            self.socket.close()
            try:
                self._serve(theirs, shell, armour, numeric)
            finally:
                os._exit(0)
        theirs.close()

    @staticmethod
    def _serve(channel: socket.socket, shell, armour: Armour, numeric: NumericState) -> None:
        for fd in (0, 1):
            os.dup2(os.open(os.devnull, os.O_RDWR), fd)
        while True:
            data, fds, _, _ = socket.recv_fds(channel, 1 << 16, 2)
            if not data:
                return
            request = json.loads(data)
            pid = os.fork()
            if pid == 0:
                channel.close()
                try:
                    _child(shell, armour, numeric, request, fds[0], fds[1])
                finally:
                    os._exit(70)
            for fd in fds:
                os.close(fd)
            channel.send(json.dumps({"pid": pid}).encode())
            _, status = os.waitpid(pid, 0)
            channel.send(json.dumps({"status": status}).encode())

    def spawn(self, request: dict, fds: list[int]) -> int:
        socket.send_fds(self.socket, [json.dumps(request).encode()], fds)
        while True:  # a late status of an earlier child may come first
            answer = json.loads(self.socket.recv(1 << 16))
            if "pid" in answer:
                return int(answer["pid"])

    def wait(self, timeout: float) -> int | None:
        """The child's wait status, or None if it is still running after ``timeout``."""
        ready, _, _ = select.select([self.socket], [], [], timeout)
        if not ready:
            return None
        return int(json.loads(self.socket.recv(1 << 16)).get("status", 0))


def _processes_of(uid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError), \
                open(f"/proc/{entry}/status") as status:
            for line in status:
                if line.startswith("Uid:") and int(line.split()[1]) == uid:
                    found.append(int(entry))
                    break
    return found


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return sum(int(f) for f in fields[11:15]) / CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


def _strays(uid: int | None, cgroups: JobCgroups, zygote: int) -> list[int]:
    """Processes the job left: its cgroups' members (a fork stays in its cgroups), else its
    uid's processes, or (in the sandbox's own pid namespace, without either) everything but
    init, this supervisor and the zygote."""
    own = {1, os.getpid(), zygote}
    found = set(cgroups.pids())
    if cgroups.dirs:
        return sorted(found - own)
    if uid is not None:
        found |= set(_processes_of(uid))
    elif os.environ.get("NNCOURSE_PIDNS") == "1":
        found |= {int(p) for p in os.listdir("/proc") if p.isdigit()}
    return sorted(found - own)


def _kill(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            target()


IPC_RMID = 0
IPC_TABLES = (("/proc/sysvipc/shm", "shmctl"), ("/proc/sysvipc/sem", "semctl"),
              ("/proc/sysvipc/msg", "msgctl"))


def _remove_ipc(uid: int) -> None:
    """Remove the System V shared memory, semaphores and message queues ``uid`` owns or made
    (run as that uid): they outlive processes, and would carry memory or messages over to
    the next student."""
    libc = ctypes.CDLL(None, use_errno=True)
    for table, call in IPC_TABLES:
        with contextlib.suppress(OSError), open(table) as handle:
            header = handle.readline().split()
            for line in handle:
                row = dict(zip(header, line.split()))
                ident = row.get("shmid") or row.get("semid") or row.get("msqid")
                if ident and uid in (int(row.get("uid", -1)), int(row.get("cuid", -1))):
                    if call == "semctl":
                        libc.semctl(int(ident), 0, IPC_RMID)
                    else:
                        getattr(libc, call)(int(ident), IPC_RMID, None)


def _remove_as_owner(uid: int) -> None:
    """As ``uid`` (in a short-lived fork): remove its System V IPC objects and empty its
    user keyrings, which outlive its processes."""
    pid = os.fork()
    if pid == 0:
        try:
            _drop_privileges(uid)
            _remove_ipc(uid)
            for keyring in (KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING):
                _keyctl(KEYCTL_CLEAR, keyring)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def _chmod_folder(name: str, dir_fd: int | None = None) -> None:
    """Make the folder ``name`` (relative to ``dir_fd``) 0700, never following a symbolic
    link: the folder is opened with O_NOFOLLOW and changed through its descriptor, so a
    link the student left (to ``..``, ``/tmp``) changes nothing outside the job."""
    with contextlib.suppress(OSError):
        fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
        try:
            os.fchmod(fd, 0o700)
        finally:
            os.close(fd)


def _remove_tree(path: str) -> None:
    """Remove ``path`` whatever its files' modes (as root: CAP_FOWNER, CAP_DAC_OVERRIDE),
    following no symbolic link (``os.fwalk`` lists a link to a folder without entering it)."""
    _chmod_folder(path)
    # a tree deeper than Python's recursion limit stays: the job is then unclean, and the
    # worker (its whole /tmp) is replaced before the next student
    with contextlib.suppress(OSError, RecursionError):
        for _, dirs, _, root_fd in os.fwalk(path, follow_symlinks=False):
            for name in dirs:
                _chmod_folder(name, root_fd)
    with contextlib.suppress(RecursionError):
        shutil.rmtree(path, ignore_errors=True)


def _folder_state(path: str) -> tuple[int, int, int] | None:
    """(mode, uid, gid) of ``path`` itself (a link is not followed), or None."""
    try:
        found = os.lstat(path)
    except OSError:
        return None
    return found.st_mode, found.st_uid, found.st_gid


SHARED_FOLDERS = ("/dev/shm", "/dev/mqueue", "/var/tmp")
"""Writable-by-anyone folders a job could leave files in besides its home (where mounted)."""


def _remove_files(home: str, uid: int | None) -> bool:
    """Delete the job's home and anything its uid owns in the shared folders; True when
    nothing is left."""
    _remove_tree(home)
    left = os.path.exists(home)
    if uid is None:
        return not left
    for folder in SHARED_FOLDERS:
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_uid == uid:
                        if entry.is_dir(follow_symlinks=False):
                            _remove_tree(entry.path)
                        else:
                            os.unlink(entry.path)
    return not left


class CellClock:
    """Which cell runs, by this process's account: cells in order, skipped ones passed over.

    A cell's clock starts when the child has *read* its source: until then the child is
    still in the cell before, whose clock runs on. So an "end" the student's code writes
    early resets nothing: the next cell stays unread, and the time is the earlier cell's.
    Its CPU time is the job's cgroup's (forks and their exited children count) or, without
    cpuacct, the kernel's and its live processes'."""

    def __init__(self, cells: list[int], cpu):
        self.cells, self.position, self.cpu_now = cells, 0, cpu
        self.started, self.cpu = time.monotonic(), cpu()
        self.unread = False  # the current cell is handed over but not read yet

    @property
    def current(self) -> int | None:
        return self.cells[self.position] if self.position < len(self.cells) else None

    @property
    def running(self) -> int | None:
        """The cell the child is known to be in (the one before, while this one is unread)."""
        if self.unread and self.position > 0:
            return self.cells[self.position - 1]
        return self.current

    def handed_over(self) -> None:
        self.unread = True

    def read(self) -> None:
        """The child has read the current cell: its clock starts now."""
        self.unread = False
        self.started, self.cpu = time.monotonic(), self.cpu_now()

    def advance(self) -> None:
        self.position += 1

    def cpu_used(self) -> float:
        return self.cpu_now() - self.cpu


def _unread(fd: int) -> int:
    """Bytes written to the pipe ``fd`` that its reader has not read yet."""
    try:
        return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0]
    except OSError:
        return 0


def run_job(zygote: Zygote, job: dict, emit, counter: int, jobs_root: str) -> None:
    """Have the zygote fork a child for ``job``, hand it the cells one at a time, relay its
    probes through ``emit``, enforce the caps, then clean up as root and check.

    jobs_root: where the job's own working directory is made (and removed afterwards).
    """
    received_at = time.monotonic()
    job_id = clean_text(job.get("id", ""), 100)
    limits = job["limits"]
    timing = {"start": 0.0, "student cells": 0.0, "probes": 0.0, "hand-over": 0.0,
              "stopped": 0.0, "cleanup": 0.0}
    skip = set(job.get("skip", []))
    cells = {c["index"]: c for c in job["cells"] if c["index"] not in skip}
    uid = _fresh_uid()
    home = os.path.join(jobs_root, secrets.token_hex(16))
    os.makedirs(home, mode=0o700)
    if uid is not None:
        os.chown(home, uid, uid)
    cgroups = JobCgroups(f"{os.getpid()}x{counter}", limits)

    def tell(event: dict) -> None:
        emit({"job": job_id, **event})

    cells_read, cells_write = os.pipe()
    events_read, events_write = os.pipe()
    pid = zygote.spawn({"uid": uid, "home": home, "cgroups": cgroups.dirs,
                        "limits": limits}, [cells_read, events_write])
    os.close(cells_read)
    os.close(events_write)
    os.set_blocking(cells_write, False)

    def cpu() -> float:
        measured = cgroups.cpu_seconds()
        if measured is not None:
            return measured
        return sum(_cpu_seconds(p) for p in {pid, *cgroups.pids()})

    clock = CellClock(list(cells), cpu)
    outgoing = bytearray((json.dumps({"seed": int(job.get("seed", 0))}) + "\n").encode())

    def hand_over(index: int) -> None:
        cell = cells[index]
        outgoing.extend((json.dumps({"index": index, "source": cell["source"],
                                     "test": bool(cell.get("test")),
                                     "hidden": cell.get("hidden") or {}}) + "\n").encode())
        tell({"event": "start", "cell": index})
        clock.handed_over()
        if cells_write >= 0:  # at once: the child is waiting for it
            with contextlib.suppress(OSError):
                del outgoing[:os.write(cells_write, outgoing[:1 << 16])]

    if clock.current is not None:
        hand_over(clock.current)
    else:
        os.close(cells_write)
        cells_write = -1
    tests = {i for i, c in cells.items() if c.get("test")}
    timed_from = ended_at = received_at
    started = time.monotonic()
    finished_at = None
    status = None
    buffer, received, messages, reason = b"", 0, 0, None
    output_cap = limits["output_mb"] * 1024 * 1024
    while True:
        writing = [cells_write] if outgoing and cells_write >= 0 else []
        # until the child has read the cell just handed over, look every millisecond: its
        # clock starts when it reads (the hand-over the benchmark reports is that gap)
        wait = 0.001 if clock.unread else 0.05
        ready, writable, _ = select.select([events_read, zygote.socket], writing, [], wait)
        if writable:
            try:
                sent = os.write(cells_write, outgoing[:1 << 16])
                del outgoing[:sent]
            except BlockingIOError:
                pass
            except OSError:  # the child is gone: nothing more to hand over
                outgoing.clear()
        if clock.unread and not outgoing and _unread(cells_write) == 0:
            clock.read()
            timing["hand-over"] += time.monotonic() - ended_at
        if zygote.socket in ready and status is None:
            status = zygote.wait(0)
        if events_read in ready:
            chunk = os.read(events_read, 1 << 20)
            if not chunk:
                break
            received += len(chunk)
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            if len(buffer) > MAX_LINE:
                buffer = b""
            messages += len(lines)
            for line in lines[:MAX_MESSAGES]:
                if clock.current is None or len(line) > MAX_LINE:
                    continue
                try:
                    message = json.loads(line)
                except (ValueError, RecursionError):
                    continue
                if not isinstance(message, dict):
                    continue
                kind = message.get("kind")
                if kind == "ready" and timed_from == received_at:
                    timed_from = time.monotonic()
                    timing["start"] = timed_from - received_at
                elif kind == "probe" and isinstance(message.get("payload"), str):
                    tell({"event": "probe", "cell": clock.current,
                          "payload": clean_text(message["payload"], MAX_LINE)})
                elif kind == "end" and message.get("cell") == clock.current \
                        and not clock.unread:
                    # the child has read this cell: only then can it have ended
                    error = message.get("error")
                    tell({"event": "end", "cell": clock.current,
                          "error": None if error is None else clean_text(error)})
                    _kill_strays(uid, cgroups, zygote.pid, keep=pid)
                    timing["probes" if clock.current in tests else "student cells"] += \
                        time.monotonic() - max(clock.started, timed_from)
                    ended_at = time.monotonic()
                    clock.advance()
                    if clock.current is None:
                        finished_at = time.monotonic()
                        os.close(cells_write)  # the child reads the end and exits
                        cells_write = -1
                    else:
                        hand_over(clock.current)
        if status is not None and events_read not in ready:
            break  # the child is gone, and what it wrote has been read
        now = time.monotonic()
        if received > output_cap:
            reason = f"output cap of {limits['output_mb']} MB exceeded"
        elif messages > MAX_MESSAGES:
            reason = f"output cap of {MAX_MESSAGES} messages exceeded"
        elif now - started > limits["notebook_wall_seconds"]:
            # not the seconds left (a re-run's cap is what the first run left: a number the
            # student's own sleeping chose, a channel out of the kernel)
            reason = "notebook wall-time cap exceeded"
        elif clock.current is not None and now - clock.started > limits["cell_wall_seconds"]:
            reason = f"cell wall-time cap of {limits['cell_wall_seconds']:g} s exceeded"
        elif clock.current is not None and clock.cpu_used() > limits["cell_cpu_seconds"]:
            reason = f"cell CPU-time cap of {limits['cell_cpu_seconds']:g} s exceeded"
        elif finished_at is not None and now - finished_at > END_GRACE_SECONDS:
            _kill(pid)  # every cell ended: the child has nothing left to do
            break
        if reason:
            _kill(pid)
            break
        if clock.unread and not outgoing and _unread(cells_write) == 0:
            clock.read()
    cleanup_started = time.monotonic()
    if finished_at is None and clock.running is not None:  # stopped (a cap), or it died
        timing["stopped"] = cleanup_started - max(clock.started, timed_from)
    os.close(events_read)
    if cells_write >= 0:
        os.close(cells_write)
    _kill(pid)
    if status is None:
        status = zygote.wait(60) or 0
    memory = (f"the job's processes together reached their memory cap of {cgroups.cap_mb} MB"
              if cgroups.out_of_memory() else None)
    if reason is None and finished_at is None:
        if memory and os.WIFSIGNALED(status):
            reason = f"{memory} (killed)"
        elif os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            name = signal.Signals(number).name if number in signal.Signals._value2member_map_ \
                else str(number)
            # the kernel chooses how it dies: three fixed wordings, not its signal's name or
            # its exit code, so no choice of them carries more than a bit or two out
            reason = {"SIGKILL": "the kernel died with SIGKILL (out of memory, or killed)",
                      "SIGXCPU": "the kernel died with SIGXCPU (notebook CPU-time cap exceeded)",
                      }.get(name, "the kernel died (a signal, or a crash in native code)")
        elif os.WEXITSTATUS(status) != 0:
            reason = "the kernel exited with an error code"
        else:
            reason = "the kernel exited before the last cell ended"
    if reason and memory and memory not in reason:
        reason += f"; {memory}"
    clean = _clean_up(uid, home, cgroups, zygote.pid)
    timing["cleanup"] = time.monotonic() - cleanup_started
    timing["total"] = time.monotonic() - received_at
    if reason:
        tell({"event": "abort", "cell": clock.running, "reason": reason})
    tell({"event": "timing", **timing})
    tell({"event": "done", "clean": clean})


def _clean_up(uid: int | None, home: str, cgroups: JobCgroups, zygote: int) -> bool:
    """Kill the job's processes, remove its files, IPC objects and keys, and check its
    memory charge is back to zero; True when all of that holds."""
    for _ in range(3):
        _kill_strays(uid, cgroups, zygote, keep=None)
    for _ in range(50):
        if not cgroups.pids() and (uid is None or not _processes_of(uid)):
            break
        _kill_strays(uid, cgroups, zygote, keep=None)
        time.sleep(0.02)
    removed = _remove_files(home, uid)
    if uid is not None:
        _remove_as_owner(uid)
    charged = cgroups.memory_charged()
    for _ in range(100):  # a killed job's memory may take a moment to be freed
        if charged == 0:
            break
        time.sleep(0.05)
        charged = cgroups.memory_charged()
    left = cgroups.pids()
    cgroups.remove()
    kept = all(_folder_state(path) == state for path, state in FOLDERS_KEPT.items())
    return removed and charged == 0 and not left and kept


FOLDERS_KEPT: dict[str, tuple | None] = {}
"""The folders every job relies on (the jobs folder, /tmp, the shared ones) with their mode
and owner when the worker started: a job after which any differs leaves the worker unclean,
so the grader replaces it (a fresh sandbox) before the next student."""


def _kill_strays(uid: int | None, cgroups: JobCgroups, zygote: int, keep: int | None) -> None:
    for stray in _strays(uid, cgroups, zygote):
        if stray != keep:
            _kill(stray)


def main() -> None:
    shell = _warm_up()
    libc = ctypes.CDLL(None)
    libc.prctl(4, 0, 0, 0, 0)  # not dumpable: a child cannot open this process's pipes
    zygote = Zygote(shell)  # before any job is read: the zygote never holds one
    jobs_root = tempfile.mkdtemp(prefix="nncourse-jobs-")
    os.chmod(jobs_root, 0o711)
    FOLDERS_KEPT.update({path: _folder_state(path)
                         for path in (jobs_root, tempfile.gettempdir(), *SHARED_FOLDERS)})
    out = sys.stdout.buffer

    def emit(event):
        out.write((json.dumps(event) + "\n").encode())
        out.flush()

    emit({"event": "ready"})
    for counter, line in enumerate(sys.stdin.buffer):
        if line.strip():
            run_job(zygote, json.loads(line), emit, counter, jobs_root)
    shutil.rmtree(jobs_root, ignore_errors=True)


if __name__ == "__main__":
    main()
