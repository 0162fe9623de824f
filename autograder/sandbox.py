"""Workers: warm runners inside bubblewrap, one unprivileged uid each.

A worker is ``bwrap ... setpriv --reuid=U ... python -m autograder.runner``: no network, its
own pid namespace (killing it kills everything the student started), a private /tmp, the
homes and the project hidden behind empty tmpfs mounts, and only what the runner needs bound
back read-only (Python, the virtual environment, the course library and the hidden checks'
probes). ``solutions/``, the gradebook, the submissions and the grader's output are not
visible inside. Without bubblewrap (``--no-sandbox``) the runner starts as a plain child
process, with the same limits but none of the isolation.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from autograder.config import Settings
from autograder.notebooks import ROOT

RUNNER_ENV = {
    "NNCOURSE_MODE": "probe",
    "NBGRADER_EXECUTION": "autograde",
    "MPLBACKEND": "Agg",
    "MPLCONFIGDIR": "/tmp/matplotlib",
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


def sandbox_command(settings: Settings, uid: int, hidden: list[str]) -> list[str]:
    """The bwrap command line for a runner as ``uid``; ``hidden`` adds paths to cover."""
    venv = Path(sys.prefix)
    python_home = os.path.realpath(sys.base_prefix)
    command = ["bwrap", "--ro-bind", "/", "/", "--perms", "1777", "--tmpfs", "/tmp"]
    for path in _outermost([*settings.hide, str(ROOT), *hidden]):
        if path == "/tmp" or path.startswith("/tmp/"):
            continue  # /tmp is already a fresh, empty tmpfs
        command += ["--perms", "0755", "--tmpfs", path]
    binds = [python_home, str(venv), str(ROOT / "lib"), str(ROOT / "autograder" / "__init__.py"),
             str(ROOT / "autograder" / "runner.py"), str(ROOT / "autograder" / "hidden")]
    for path in binds:
        parents = Path(path).parents
        for parent in reversed(parents):
            if str(parent) not in ("/", "/tmp"):
                command += ["--perms", "0755", "--dir", str(parent)]
        command += ["--ro-bind", path, path]
    command += ["--dev", "/dev", "--proc", "/proc", "--unshare-net", "--unshare-pid",
                "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--new-session",
                "--chdir", "/tmp", "--clearenv"]
    for key, value in _runner_env(pidns=True).items():
        command += ["--setenv", key, value]
    command += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    return command + _python_command()


def _runner_env(pidns: bool) -> dict[str, str]:
    env = dict(RUNNER_ENV, PATH=f"{Path(sys.executable).parent}:/usr/bin:/bin")
    env.update({k: os.environ[k] for k in PASS_THROUGH if k in os.environ})
    if pidns:
        env["NNCOURSE_PIDNS"] = "1"
    return env


def _python_command() -> list[str]:
    return [sys.executable, "-I", "-m", "autograder.runner"]


class Worker:
    """One warm runner; ``run`` sends a job and returns its events."""

    def __init__(self, settings: Settings, index: int, sandbox: bool, hidden: list[str]):
        self.settings, self.index, self.sandbox, self.hidden = settings, index, sandbox, hidden
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        if self.sandbox:
            command = sandbox_command(self.settings, self.settings.first_uid + self.index,
                                      self.hidden)
            env = None
        else:
            command = _python_command()
            env = _runner_env(pidns=False)
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, env=env, cwd="/tmp",
                                        start_new_session=True)
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

    def _read(self, timeout: float) -> dict | None:
        """The next event, or None when the runner died or stayed silent for ``timeout``."""
        result: list = []
        reader = threading.Thread(target=lambda: result.append(self.process.stdout.readline()),
                                  daemon=True)
        reader.start()
        reader.join(timeout)
        if not result or not result[0]:
            return None
        try:
            return json.loads(result[0])
        except ValueError:
            return {"event": "noise"}

    def run(self, job: dict) -> tuple[list[dict], bool]:
        """Run ``job``; returns its events and whether the worker must be restarted."""
        if self.process is None:
            self.start()
        limits = self.settings.limits
        try:
            self.process.stdin.write((json.dumps(job) + "\n").encode())
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            self.stop()
            return [{"event": "abort", "cell": None, "reason": "the grading worker died"}], True
        events: list[dict] = []
        silence = limits.cell_wall_seconds + 30
        while True:
            event = self._read(timeout=silence)
            if event is None:
                last = next((e["cell"] for e in reversed(events) if e.get("event") == "start"),
                            None)
                self.stop()
                events.append({"event": "abort", "cell": last,
                               "reason": "the grading worker was killed during this cell"})
                return events, True
            if event.get("event") == "done":
                restart = bool(event.get("dirty")) or any(e.get("event") == "abort"
                                                          for e in events)
                if restart:
                    self.stop()
                return events, restart
            events.append(event)
