"""One way to start JupyterLab for the tests: `make lab`'s own command line, on a free port."""

from __future__ import annotations

import contextlib
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "nncourse-test-token"


def lab_command() -> list[str]:
    """The `jupyter lab ...` command of the Makefile's `lab` target (from `make -n lab`)."""
    dry = subprocess.run(["make", "-s", "-n", "lab"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.replace("\\\n", " ")
    line = next(line for line in dry.splitlines()
                if "jupyter lab " in line and "root_dir" in line)  # not the install's lines
    command = shlex.split(line.split("&&")[-1])
    command[0] = str(Path(sys.executable).parent / "jupyter")
    if os.getuid() == 0 and "--allow-root" not in command:
        command.append("--allow-root")
    return command


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_lab(root: Path, log: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """JupyterLab serving ``root``, as `make lab` starts it; yields its base URL.

    Its output goes to ``log``; it is stopped afterwards. Raises RuntimeError (with the
    log's end) when it does not start.
    """
    environment = dict(os.environ if env is None else env)
    environment.pop("NNCOURSE_MODE", None)
    port = free_port()
    with log.open("w") as output:
        server = subprocess.Popen([*lab_command(), f"--port={port}",
                                   f"--IdentityProvider.token={TOKEN}"],
                                  cwd=root, env=environment, stdout=output,
                                  stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(240):
                try:
                    urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
                    break
                except OSError:
                    if server.poll() is not None:
                        break
                    time.sleep(0.5)
            if server.poll() is not None or _ == 239:
                raise RuntimeError("JupyterLab did not start:\n" + log.read_text()[-3000:])
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
