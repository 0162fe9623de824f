"""JupyterLab, started with `make lab`'s command line, serves nbgrader's Validate (notebook 01).

The test POSTs to the endpoint the Validate button calls (/assignments/validate) for the
unanswered student notebook (validation fails, naming NotImplementedError) and for a copy
filled with the instructor's answers (validation passes).
"""

import json
import shutil
import urllib.request

import nbformat
import pytest
from labserver import TOKEN, running_lab

from autograder.notebooks import RELEASE, filled_notebook, solution_sources

ASSIGNMENT = "01_neuron_and_xor"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(RELEASE / ASSIGNMENT, root / ASSIGNMENT)
    filled = filled_notebook(ASSIGNMENT, solution_sources(ASSIGNMENT))
    nbformat.write(filled, root / ASSIGNMENT / "answered.ipynb")
    with running_lab(root, tmp_path_factory.mktemp("lab-log") / "lab.log") as base:
        yield base


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
