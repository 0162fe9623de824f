"""The warm runner: executes student notebooks inside the sandbox, one forked child each.

Started once per worker (``python -m autograder.runner``) with the heavy imports done, it
reads jobs as JSON lines on stdin and answers with JSON-line events on stdout:

    {"event": "ready"}                                   once, when warm
    {"event": "start", "cell": i}                        a cell begins
    {"event": "end", "cell": i, "error": null|"Type: message"}
    {"event": "probe", "cell": i, "payload": "..."}      a check's probe data (nncourse.plain)
    {"event": "abort", "cell": i|null, "reason": "..."}  the child was stopped or died
    {"event": "done", "dirty": bool}                     the job is over

Each job runs in a child forked from this process, so no state survives between students
and start-up costs nothing. The child gets resource limits (memory, CPU, processes, file
size), /dev/null for stdin/stdout/stderr, and a pipe for events; this process watches the
per-cell and per-notebook wall and CPU caps and kills the child's process group when one is
exceeded. Nothing here decides a grade: the grader's own process judges the probe data.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import select
import signal
import sys
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MAX_LINE = 32 * 1024 * 1024


def _warm_up():
    """Import what every notebook imports, so a forked child starts instantly."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
    import numpy  # noqa: F401
    import torch

    torch.set_num_threads(1)
    import nncourse  # noqa: F401
    import nncourse.checks  # noqa: F401
    from IPython.core.interactiveshell import InteractiveShell

    with contextlib.suppress(ImportError):
        import autograder.hidden  # noqa: F401 - the hidden checks' probes
    return InteractiveShell.instance()


def _event_publisher(send, cell_ref):
    """The child shell's display publisher: forwards probe bundles, drops everything else."""
    from IPython.core.displaypub import DisplayPublisher
    from nncourse.checking import PROBE_MIME

    class EventPublisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False,
                    **kwargs):
            if isinstance(data, dict) and PROBE_MIME in data:
                send({"event": "probe", "cell": cell_ref[0], "payload": str(data[PROBE_MIME])})

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
    ):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(name, (soft, hard))


def _child(shell, job: dict, write_fd: int) -> None:
    """Run the job's cells in this (forked) process; never returns."""
    os.setpgid(0, 0)
    libc = ctypes.CDLL(None)
    libc.prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: the student's own /proc entries stay usable
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.closerange(3, write_fd)
    os.closerange(write_fd + 1, 65536)
    _set_limits(job["limits"])
    cell_ref = [None]

    def send(event):
        event["pid"] = os.getpid()  # events of processes the student forked are dropped
        line = (json.dumps(event) + "\n").encode()
        os.write(write_fd, line)

    shell.display_pub = _event_publisher(send, cell_ref)
    os.chdir(job.get("cwd", "/tmp"))
    skip = set(job.get("skip", []))
    for cell in job["cells"]:
        if cell["index"] in skip:
            continue
        cell_ref[0] = cell["index"]
        send({"event": "start", "cell": cell["index"]})
        try:
            result = shell.run_cell(cell["source"], store_history=False)
            error = result.error_before_exec or result.error_in_exec
            message = None if error is None else f"{type(error).__name__}: {error}"[:2000]
        except BaseException as error:  # noqa: BLE001 - report whatever escaped the shell
            message = f"{type(error).__name__}: {error}"[:2000]
        send({"event": "end", "cell": cell["index"], "error": message})
    os._exit(0)


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


def _strays() -> list[int]:
    """Processes left in this pid namespace besides its init and this runner.

    Only meaningful inside the sandbox's own pid namespace (NNCOURSE_PIDNS=1); elsewhere
    the machine's other processes would all look like strays.
    """
    if os.environ.get("NNCOURSE_PIDNS") != "1":
        return []
    own = {1, os.getpid()}
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in own]


def _kill_strays(keep: int) -> None:
    for stray in _strays():
        if stray != keep:
            _kill(stray)


def _kill(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            target()


def run_job(shell, job: dict, emit) -> None:
    """Fork a child for ``job``, relay its events through ``emit``, enforce the caps."""
    limits = job["limits"]
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        try:
            _child(shell, job, write_fd)
        finally:
            os._exit(70)
    os.close(write_fd)
    started = time.monotonic()
    cell, cell_started, cell_cpu = None, started, 0.0
    buffer, received, reason = b"", 0, None
    output_cap = limits["output_mb"] * 1024 * 1024
    while True:
        ready, _, _ = select.select([read_fd], [], [], 0.05)
        if ready:
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            received += len(chunk)
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(event, dict) or event.pop("pid", None) != pid:
                    continue
                if event.get("event") == "end":
                    _kill_strays(keep=pid)  # what a cell started does not outlive it
                if event.get("event") == "start":
                    cell = event.get("cell")
                    cell_started, cell_cpu = time.monotonic(), _cpu_seconds(pid)
                emit(event)
            if len(buffer) > MAX_LINE:
                buffer = b""
        now = time.monotonic()
        if received > output_cap:
            reason = f"output cap of {limits['output_mb']} MB exceeded"
        elif now - started > limits["notebook_wall_seconds"]:
            reason = f"notebook wall-time cap of {limits['notebook_wall_seconds']:g} s exceeded"
        elif cell is not None and now - cell_started > limits["cell_wall_seconds"]:
            reason = f"cell wall-time cap of {limits['cell_wall_seconds']:g} s exceeded"
        elif cell is not None and _cpu_seconds(pid) - cell_cpu > limits["cell_cpu_seconds"]:
            reason = f"cell CPU-time cap of {limits['cell_cpu_seconds']:g} s exceeded"
        if reason:
            _kill(pid)
            break
    os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    _kill(pid)
    if reason is None:
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            name = signal.Signals(number).name if number in signal.Signals._value2member_map_ \
                else str(number)
            hint = {"SIGKILL": " (out of memory, or killed)",
                    "SIGXCPU": " (notebook CPU-time cap exceeded)",
                    "SIGSEGV": " (a crash in native code)"}.get(name, "")
            reason = f"the kernel died with {name}{hint}"
        elif os.WEXITSTATUS(status) != 0:
            reason = f"the kernel exited with code {os.WEXITSTATUS(status)}"
    if reason:
        emit({"event": "abort", "cell": cell, "reason": reason})
    emit({"event": "done", "dirty": bool(_strays())})


def main() -> None:
    shell = _warm_up()
    libc = ctypes.CDLL(None)
    libc.prctl(4, 0, 0, 0, 0)  # not dumpable: a child cannot open this process's pipes
    out = sys.stdout.buffer

    def emit(event):
        out.write((json.dumps(event) + "\n").encode())
        out.flush()

    emit({"event": "ready"})
    for line in sys.stdin.buffer:
        if line.strip():
            run_job(shell, json.loads(line), emit)


if __name__ == "__main__":
    main()
