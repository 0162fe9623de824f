"""JupyterLab, started as `make lab` starts it, serves nbgrader's Validate on notebook 01.

The test POSTs to the endpoint the Validate button calls (/assignments/validate) for the
unanswered student notebook (validation fails, naming NotImplementedError) and for a copy
filled with the instructor's answers (validation passes).
"""

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from autograder.notebooks import RELEASE, filled_notebook, solution_sources

ASSIGNMENT = "01_neuron_and_xor"
TOKEN = "nncourse-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(RELEASE / ASSIGNMENT, root / ASSIGNMENT)
    filled = filled_notebook(ASSIGNMENT, solution_sources(ASSIGNMENT))
    nbformat.write(filled, root / ASSIGNMENT / "answered.ipynb")
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyter"), "lab", "--allow-root", "--no-browser",
         f"--port={port}", "--ip=127.0.0.1", f"--ServerApp.root_dir={root}",
         f"--IdentityProvider.token={TOKEN}"],
        cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail("JupyterLab did not start: " + server.stderr.read().decode()[-2000:])
    yield base
    server.terminate()
    server.wait(timeout=30)


def validate(base: str, path: str) -> dict:
    request = urllib.request.Request(
        f"{base}/assignments/validate?token={TOKEN}",
        data=json.dumps({"path": path}).encode(), method="POST",
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.loads(response.read())


def test_lab_serves_the_nbgrader_extension(lab):
    with urllib.request.urlopen(f"{lab}/lab?token={TOKEN}", timeout=30) as response:
        page = response.read().decode()
    assert "@jupyter/nbgrader" in page  # the labextension that adds the Validate button


def test_validate_fails_the_unanswered_notebook(lab):
    result = validate(lab, f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
    assert result["success"] is True
    failed = result["value"]["failed"]
    assert failed, "the unanswered notebook must not validate"
    assert "not implemented yet" in failed[0]["raw_error"]


def test_validate_passes_the_answered_notebook(lab):
    result = validate(lab, f"{ASSIGNMENT}/answered.ipynb")
    assert result == {"success": True, "value": {}}
