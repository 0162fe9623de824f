"""The warm runner: executes student notebooks inside the sandbox, one forked child each.

Started once per worker (``python -m autograder.runner``) with the heavy imports done, it
reads jobs as JSON lines on stdin and answers with JSON-line events on stdout, every one
tagged with the job's id:

    {"event": "ready"}                                          once, when warm
    {"job": j, "event": "start", "cell": i}                     a cell begins
    {"job": j, "event": "end", "cell": i, "error": null|"..."}  it ended
    {"job": j, "event": "probe", "cell": i, "payload": "..."}   a check's probe data
    {"job": j, "event": "abort", "cell": i|null, "reason": "..."}
    {"job": j, "event": "done"}                                 the job is over

The student's process is entirely the student's, so nothing it says is taken for control.
The child (forked from this process, the student's code inside) can only send two kinds of
message on its pipe: a probe's payload and "my current cell ended". This process decides
which cell is running (cells run in order; an end only moves forward, so a cell's caps are
never reset from inside), tags probes with that cell, bounds and sanitises every field,
and ends the job when the child exits (or when it is killed for a cap). "start", "end",
"abort" and "done" are written here and only here.

Inside the sandbox this process keeps uid 0 with just CAP_SETUID, CAP_SETGID, CAP_KILL and
CAP_CHOWN; each job's child runs as a fresh unprivileged uid, in a fresh working directory
(its HOME and TMPDIR, the only place it can write), in its own memory and pids cgroups
where the grader provided them, with resource limits; after the job everything it started
is killed and its files are removed. Nothing here decides a grade.
"""

from __future__ import annotations

import builtins as builtins_module
import contextlib
import ctypes
import json
import linecache
import os
import resource
import select
import shutil
import signal
import sys
import tempfile
import time
import types

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MAX_LINE = 16 * 1024 * 1024
MAX_TEXT = 2000
END_GRACE_SECONDS = 5.0
CGROUP_VARIABLE = "NNCOURSE_CGROUPS"  # "memory_dir:pids_dir" of this worker, if any
UID_VARIABLE = "NNCOURSE_JOB_UIDS"  # "first:count": run each job as its own uid
HEADROOM_MB = 512


def clean_text(text, limit: int = MAX_TEXT) -> str:
    """``text`` as valid UTF-8 of at most ``limit`` characters (lone surrogates replaced)."""
    text = str(text)[:limit]
    return text.encode("utf-8", "replace").decode("utf-8")


def _warm_up():
    """Import what every notebook imports, so a forked child starts instantly."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
    import nncourse  # noqa: F401
    import nncourse.checks  # noqa: F401
    import numpy  # noqa: F401
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell.instance()


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


class JobCgroups:
    """A job's own memory and pids cgroups, under the worker's (made by the grader as root)."""

    def __init__(self, job_id: str, limits: dict):
        self.dirs: list[str] = []
        self.cap_mb = 0
        spec = os.environ.get(CGROUP_VARIABLE, "")
        if not spec:
            return
        memory_root, pids_root = (spec.split(":") + [""])[:2]
        safe = "".join(c for c in job_id if c.isalnum())[:40] or "job"
        # headroom above RLIMIT_AS (memory_mb), so one process meets its own cap first (a
        # MemoryError the student can read) and the cgroup catches what forks add up to
        self.cap_mb = limits["memory_mb"] + HEADROOM_MB
        for root, settings in ((memory_root, {
                "memory.limit_in_bytes": str(self.cap_mb * 1024 * 1024)}),
                (pids_root, {"pids.max": str(limits["processes"])})):
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

    def out_of_memory(self) -> bool:
        for path in self.dirs:
            with contextlib.suppress(OSError, ValueError), \
                    open(os.path.join(path, "memory.failcnt")) as handle:
                if int(handle.read().strip() or 0) > 0:
                    return True
        return False

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


def _job_uid(counter: int) -> int | None:
    spec = os.environ.get(UID_VARIABLE, "")
    if not spec or os.getuid() != 0:
        return None
    first, count = (int(part) for part in spec.split(":"))
    return first + counter % max(count, 1)


def _drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    libc = ctypes.CDLL(None)
    libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS


class Armour:
    """The course library as it was before any student code ran, put back before each test
    cell: every attribute of its modules and check classes, and every function's code and
    defaults. A test cell's ``check`` is always the library's own.

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
            self.functions[value] = (value.__code__, value.__defaults__, value.__kwdefaults__)
        elif isinstance(value, type) and value not in self.classes and depth < 2 and \
                getattr(value, "__module__", "").startswith(("nncourse", "autograder")):
            self.classes[value] = {k: v for k, v in vars(value).items()
                                   if k not in ("__dict__", "__weakref__")}
            for item in list(self.classes[value].values()):
                self._remember(item, depth + 1)

    def restore(self, namespace: dict | None) -> None:
        """Put everything back; ``namespace``: the notebook's, whose ``check`` is rebound
        (None while a cell runs: then the interpreter's builtins are left to IPython)."""
        for name, (module, contents) in self.modules.items():
            sys.modules[name] = module
            for key in [k for k in vars(module) if k not in contents]:
                with contextlib.suppress(AttributeError, TypeError):
                    delattr(module, key)
            vars(module).update(contents)
        for cls, contents in self.classes.items():
            for key, value in contents.items():
                with contextlib.suppress(AttributeError, TypeError):
                    if vars(cls).get(key, _MISSING) is not value:
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
        for function, (code, defaults, kwdefaults) in self.functions.items():
            with contextlib.suppress(AttributeError, TypeError, ValueError):
                function.__code__ = code
                function.__defaults__ = defaults
                function.__kwdefaults__ = kwdefaults
        if namespace is not None:
            namespace["check"] = self.check


_MISSING = object()
GUARDED = ("nncourse", "json", "json.encoder", "json.decoder", "base64", "io", "numpy",
           "numpy.lib.format", "warnings", "IPython.display", "IPython.core.display_functions")
"""Besides the course library, the modules the probes' data passes through."""


def _install_hidden(modules: dict[str, str]) -> None:
    """Make the job's (stripped) hidden probe modules importable, from memory only."""
    for name, source in modules.items():
        parts = name.split(".")
        for depth in range(1, len(parts)):
            package = ".".join(parts[:depth])
            if package not in sys.modules or not hasattr(sys.modules[package], "__path__"):
                module = types.ModuleType(package)
                module.__path__ = []
                sys.modules[package] = module
        module = types.ModuleType(name)
        module.__file__ = f"<{name}>"
        sys.modules[name] = module
        exec(compile(source, f"<{name}>", "exec"), module.__dict__)  # noqa: S102
    os.environ["NNCOURSE_CHECK_MODULES"] = ",".join(modules)


def _child(shell, job: dict, write_fd: int, home: str, uid: int | None,
           cgroups: JobCgroups) -> None:
    """Run the job's cells in this (forked) process; never returns."""
    os.setpgid(0, 0)
    cgroups.enter()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(3, write_fd)
    os.closerange(write_fd + 1, 65536)
    if uid is not None:
        _drop_privileges(uid)
    _set_limits(job["limits"])
    os.environ.update({"HOME": home, "TMPDIR": home, "MPLCONFIGDIR": home,
                       "NNCOURSE_RUN_SEED": str(int(job.get("seed", 0)))})
    os.chdir(home)
    tempfile.tempdir = home

    kernel = os.getpid()

    def send(message):
        if os.getpid() != kernel:  # a process the student forked speaks for no one
            return
        line = (json.dumps(message) + "\n").encode()
        os.write(write_fd, line)

    _install_hidden(job.get("hidden", {}))
    publisher = _event_publisher(send)
    shell.display_pub = publisher
    from nncourse import checking

    held: dict = {}
    checking.SINK[0] = lambda payload: send({"kind": "probe", "payload": str(payload)})
    checking.REARM[0] = lambda: held["armour"].restore(None)
    armour = held["armour"] = Armour()
    send({"kind": "ready"})  # for the timing breakdown only: nothing is decided by it
    skip = set(job.get("skip", []))
    for cell in job["cells"]:
        if cell["index"] in skip:
            continue
        if cell.get("test"):
            armour.restore(shell.user_ns)
            shell.display_pub = publisher
        cached = set(linecache.cache) if cell.get("test") else None
        try:
            result = shell.run_cell(cell["source"], store_history=False)
            error = result.error_before_exec or result.error_in_exec
            message = None if error is None else f"{type(error).__name__}: {error}"
        except BaseException as error:  # noqa: BLE001 - report whatever escaped the shell
            message = f"{type(error).__name__}: {error}"
        if os.getpid() != kernel:  # a fork of the student's ends with the cell it began in
            os._exit(0)
        if cached is not None:  # IPython keeps each cell's source for tracebacks: not these
            for name in set(linecache.cache) - cached:
                linecache.cache.pop(name, None)
        send({"kind": "end", "cell": cell["index"],
              "error": None if message is None else message[:MAX_TEXT]})
    os._exit(0)


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


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


def _strays(uid: int | None, cgroups: JobCgroups) -> list[int]:
    """Processes the job left: its cgroups' members, its uid's processes, or (in the
    sandbox's own pid namespace, without either) everything but init and this runner."""
    own = {1, os.getpid()}
    found = set(cgroups.pids())
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


def _remove_files(home: str, uid: int | None) -> None:
    """Delete the job's directory and System V IPC objects, as its own uid when it has one
    (it may have chmod'ed its files)."""
    if uid is None:
        shutil.rmtree(home, ignore_errors=True)
        return
    pid = os.fork()
    if pid == 0:
        try:
            _drop_privileges(uid)
            _remove_ipc(uid)
            for root, dirs, _ in os.walk(home):
                for name in dirs:
                    with contextlib.suppress(OSError):
                        os.chmod(os.path.join(root, name), 0o700)
            shutil.rmtree(home, ignore_errors=True)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    with contextlib.suppress(OSError):
        os.rmdir(home)


class CellClock:
    """Which cell runs, by this process's account: cells in order, skipped ones passed over."""

    def __init__(self, cells: list[int]):
        self.cells, self.position = cells, 0
        self.started, self.cpu = time.monotonic(), 0.0

    @property
    def current(self) -> int | None:
        return self.cells[self.position] if self.position < len(self.cells) else None

    def advance(self, pid: int) -> None:
        self.position += 1
        self.started, self.cpu = time.monotonic(), _cpu_seconds(pid)


def run_job(shell, job: dict, emit, counter: int, jobs_root: str) -> None:
    """Fork a child for ``job``, relay its probes through ``emit``, enforce the caps.

    jobs_root: where the job's own working directory is made (and removed afterwards).
    """
    job_id = clean_text(job.get("id", ""), 100)
    limits = job["limits"]
    timing = {"start": 0.0, "student": 0.0, "probes": 0.0, "cleanup": 0.0}
    received_at = time.monotonic()
    tests = {c["index"] for c in job["cells"] if c.get("test")}
    timed_from = received_at
    uid = _job_uid(counter)
    home = os.path.join(jobs_root, f"{counter}")
    os.makedirs(home, mode=0o700)
    if uid is not None:
        os.chown(home, uid, uid)
    cgroups = JobCgroups(f"{os.getpid()}x{counter}", limits)

    def tell(event: dict) -> None:
        emit({"job": job_id, **event})

    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        try:
            _child(shell, job, write_fd, home, uid, cgroups)
        finally:
            os._exit(70)
    os.close(write_fd)
    skip = set(job.get("skip", []))
    clock = CellClock([c["index"] for c in job["cells"] if c["index"] not in skip])
    clock.cpu = _cpu_seconds(pid)
    started = time.monotonic()
    finished_at = None
    buffer, received, reason = b"", 0, None
    output_cap = limits["output_mb"] * 1024 * 1024
    if clock.current is not None:
        tell({"event": "start", "cell": clock.current})
    while True:
        ready, _, _ = select.select([read_fd], [], [], 0.05)
        if ready:
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            received += len(chunk)
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            if len(buffer) > MAX_LINE:
                buffer = b""
            for line in lines:
                if clock.current is None or len(line) > MAX_LINE:
                    continue
                try:
                    message = json.loads(line)
                except (ValueError, RecursionError):
                    continue
                if not isinstance(message, dict):
                    continue
                if message.get("kind") == "ready" and not timing["start"]:
                    timing["start"] = time.monotonic() - received_at
                    timed_from = time.monotonic()
                    continue
                if message.get("kind") == "probe" and isinstance(message.get("payload"), str):
                    tell({"event": "probe", "cell": clock.current,
                          "payload": clean_text(message["payload"], MAX_LINE)})
                elif message.get("kind") == "end" and message.get("cell") == clock.current:
                    error = message.get("error")
                    tell({"event": "end", "cell": clock.current,
                          "error": None if error is None else clean_text(error)})
                    _kill_strays(uid, cgroups, keep=pid)  # what a cell started ends with it
                    timing["probes" if clock.current in tests else "student"] += \
                        time.monotonic() - max(clock.started, timed_from)
                    clock.advance(pid)
                    if clock.current is None:
                        finished_at = time.monotonic()
                    else:
                        tell({"event": "start", "cell": clock.current})
        now = time.monotonic()
        if received > output_cap:
            reason = f"output cap of {limits['output_mb']} MB exceeded"
        elif now - started > limits["notebook_wall_seconds"]:
            reason = f"notebook wall-time cap of {limits['notebook_wall_seconds']:g} s exceeded"
        elif clock.current is not None and now - clock.started > limits["cell_wall_seconds"]:
            reason = f"cell wall-time cap of {limits['cell_wall_seconds']:g} s exceeded"
        elif clock.current is not None and \
                _cpu_seconds(pid) - clock.cpu > limits["cell_cpu_seconds"]:
            reason = f"cell CPU-time cap of {limits['cell_cpu_seconds']:g} s exceeded"
        elif finished_at is not None and now - finished_at > END_GRACE_SECONDS:
            _kill(pid)  # every cell ended: the child has nothing left to do
            break
        if reason:
            _kill(pid)
            break
    os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    _kill(pid)
    memory = (f"the job's processes together reached their memory cap of {cgroups.cap_mb} MB"
              if cgroups.out_of_memory() else None)
    if reason is None and finished_at is None:
        if memory and os.WIFSIGNALED(status):
            reason = f"{memory} (killed)"
        elif os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            name = signal.Signals(number).name if number in signal.Signals._value2member_map_ \
                else str(number)
            hint = {"SIGKILL": " (out of memory, or killed)",
                    "SIGXCPU": " (notebook CPU-time cap exceeded)",
                    "SIGSEGV": " (a crash in native code)"}.get(name, "")
            reason = f"the kernel died with {name}{hint}"
        elif os.WEXITSTATUS(status) != 0:
            reason = f"the kernel exited with code {os.WEXITSTATUS(status)}"
        else:
            reason = "the kernel exited before the last cell ended"
    if reason and memory and memory not in reason:
        reason += f"; {memory}"
    cleanup_started = time.monotonic()
    for _ in range(3):
        _kill_strays(uid, cgroups, keep=None)
    cgroups.remove()
    _remove_files(home, uid)
    timing["cleanup"] = time.monotonic() - cleanup_started
    timing["total"] = time.monotonic() - received_at
    if reason:
        tell({"event": "abort", "cell": clock.current, "reason": reason})
    tell({"event": "timing", **timing})
    tell({"event": "done"})


def _kill_strays(uid: int | None, cgroups: JobCgroups, keep: int | None) -> None:
    for stray in _strays(uid, cgroups):
        if stray != keep:
            _kill(stray)


def main() -> None:
    shell = _warm_up()
    libc = ctypes.CDLL(None)
    libc.prctl(4, 0, 0, 0, 0)  # not dumpable: a child cannot open this process's pipes
    jobs_root = tempfile.mkdtemp(prefix="nncourse-jobs-")
    os.chmod(jobs_root, 0o711)
    out = sys.stdout.buffer

    def emit(event):
        out.write((json.dumps(event) + "\n").encode())
        out.flush()

    emit({"event": "ready"})
    for counter, line in enumerate(sys.stdin.buffer):
        if line.strip():
            run_job(shell, json.loads(line), emit, counter, jobs_root)
    shutil.rmtree(jobs_root, ignore_errors=True)


if __name__ == "__main__":
    main()
