"""Gradescope's autograder, run as Gradescope runs it, in a temporary root laid out like
``/autograder`` (``source/``, ``submission/``, ``results/``): ``make gradescope``'s zip is
unpacked into ``source/``, ``run_autograder`` is run for a correct, a partial and a hostile
submission (one that tries to write ``results.json``, now and from a process it leaves
behind), and ``results.json`` is read back."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT

from autograder.assemble import HIDDEN_BLOCK, instructor_cells, max_points
from autograder.gradescope import UPLOAD_TEST, build
from autograder.notebooks import filled_notebook, solution_sources
from autograder.sandbox import bwrap_available

A = "01_neuron_and_xor"
SOLUTION = solution_sources(A)
PARTLY = ("sigmoid", "neuron")

pytestmark = [pytest.mark.timeout(900),
              pytest.mark.skipif(not bwrap_available() or os.geteuid() != 0,
                                 reason="Gradescope runs run_autograder as root, with "
                                 "bubblewrap")]


def forger(results: Path) -> str:
    """Writes a full-marks results.json now, and again from a detached process 3 s later."""
    forged = json.dumps({"score": 999, "tests": []})
    return (f"import os, time\n"
            f"def _forge():\n"
            f"    for _ in range(2):\n"
            f"        try:\n"
            f"            os.makedirs({str(results)!r}, exist_ok=True)\n"
            f"            open({str(results / 'results.json')!r}, 'w').write({forged!r})\n"
            f"        except OSError:\n"
            f"            pass\n"
            f"        time.sleep(3)\n"
            f"_forge_pid = os.fork()\n"
            f"if _forge_pid == 0:\n"
            f"    os.setsid()\n"
            f"    _forge()\n"
            f"    os._exit(0)\n"
            f"_forge()\n")


@pytest.fixture(scope="module")
def gradescope_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("autograder")
    archive = build(tmp_path_factory.mktemp("dist"), A)
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
        assert {"setup.sh", "run_autograder"} <= set(names)  # Gradescope's layout: top level
        zipped.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):
        (root / "source" / name).chmod(0o755)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    return root


def run_autograder(root: Path, answers: dict[str, str], python: str = sys.executable) -> dict:
    for folder in ("submission", "results"):
        shutil.rmtree(root / folder, ignore_errors=True)
        (root / folder).mkdir()
    notebook = filled_notebook(A, answers)
    nbformat.write(notebook, root / "submission" / f"{A}.ipynb")
    env = dict(os.environ, GRADESCOPE_ROOT=str(root), NNCOURSE_PYTHON=str(python))
    done = subprocess.run(["bash", str(root / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    time.sleep(4)  # the forger's detached process would have written again by now
    results = root / "results" / "results.json"
    assert stat.S_IMODE(results.stat().st_mode) == 0o644 and results.stat().st_uid == 0
    return json.loads(results.read_text())


def hidden_cells() -> set[str]:
    return {cell_id for kind, cell_id, source, _ in instructor_cells(A)
            if kind == "test" and HIDDEN_BLOCK.search(source)}


def check_format(result: dict) -> None:
    tests = {kind_id for kind, kind_id, _, _ in instructor_cells(A) if kind == "test"}
    upload, *cells = result["tests"]  # the upload's test first, always visible, 0 points
    assert (upload["name"], upload["score"], upload["max_score"], upload["visibility"]) == (
        UPLOAD_TEST, 0, 0, "visible")
    assert upload["output"].startswith(f"graded {A}.ipynb: ")
    assert {t["name"] for t in cells} == tests  # one test per test cell
    for test in cells:
        assert set(test) == {"name", "score", "max_score", "output", "visibility"}
        assert test["visibility"] == ("after_published" if test["name"] in hidden_cells()
                                      else "visible")
        assert "BEGIN HIDDEN TESTS" not in test["output"]
    assert result["score"] == pytest.approx(sum(t["score"] for t in result["tests"]))
    # a visible total would tell the hidden tests' results by subtraction
    assert result["visibility"] == ("after_published" if hidden_cells() else "visible")


def test_the_zip_is_gradescopes_layout_and_holds_the_course(gradescope_root):
    source = gradescope_root / "source"
    assert (source / "setup.sh").read_text().startswith("#!/usr/bin/env bash")
    assert "gradescope run --assignment 01_neuron_and_xor" in (
        source / "run_autograder").read_text()
    assert (source / "pyproject.toml").is_file()
    assert (source / "solutions" / A / f"{A}.ipynb").is_file()
    assert hidden_cells()  # notebook 01 has test cells with hidden tests


@pytest.mark.slow
def test_correct_partial_and_hostile_submissions(gradescope_root):
    correct = run_autograder(gradescope_root, SOLUTION)
    check_format(correct)
    assert correct["score"] == max_points(A)
    assert all(t["score"] == t["max_score"] for t in correct["tests"])

    partial_answers = {k: SOLUTION[k] for k in PARTLY}
    partial = run_autograder(gradescope_root, partial_answers)
    check_format(partial)
    assert 0 < partial["score"] < max_points(A)
    failing = [t for t in partial["tests"] if t["score"] < t["max_score"]]
    assert failing and all(t["output"] for t in failing)

    # the forger's own work is the whole solution: it earns full marks and not one more
    hostile = run_autograder(gradescope_root, dict(
        SOLUTION, count_parameters=forger(gradescope_root / "results")
        + SOLUTION["count_parameters"]))
    check_format(hostile)
    assert hostile["score"] == max_points(A) != 999


def test_a_distribution_python_grades_a_correct_notebook_to_full_marks(gradescope_root,
                                                                      distro_python):
    """Review 24d H1: setup.sh installs deadsnakes' python3.11 (standard library
    /usr/lib/python3.11, as Debian's /usr/bin/python3.11 here), under which the sandbox hid
    the standard library: the worker never started and every submission scored 0."""
    result = run_autograder(gradescope_root, SOLUTION, python=distro_python)
    assert result["score"] == max_points(A), [t for t in result["tests"]
                                              if t["score"] < t["max_score"]]


def test_all_of_autograder_is_hidden_from_the_student_s_code(tmp_path, monkeypatch):
    """``run`` has the sandbox cover the whole Gradescope root, so submission_metadata.json
    (earlier submissions' results, the students' emails) is as hidden as the source and the
    results (checked on the bwrap command the grader would build from what ``run`` passes)."""
    from autograder import gradescope
    from autograder.config import load
    from autograder.sandbox import sandbox_command

    root = Path(tempfile.mkdtemp(prefix="autograder-cover-", dir="/"))  # as /autograder
    try:
        for folder in ("source", "submission", "results"):
            (root / folder).mkdir()
        (root / "submission_metadata.json").write_text("{}")
        nbformat.write(filled_notebook(A, {}), root / "submission" / f"{A}.ipynb")
        seen = {}

        def fake_run(command, env, **_):
            seen["cover"] = env["NNCOURSE_COVER"].split(os.pathsep)
            return subprocess.CompletedProcess(command, 1, "", "")

        monkeypatch.setattr(gradescope.subprocess, "run", fake_run)
        gradescope.run(root, A)
        monkeypatch.undo()  # the sandbox asks the interpreter what it reads
        command = sandbox_command(load(), 0, seen["cover"], tmp_path / "lib" / "nncourse", [])
        tmpfs = [command[i + 1] for i, part in enumerate(command) if part == "--tmpfs"]
        bound = [command[i + 2] for i, part in enumerate(command)
                 if part in ("--ro-bind", "--bind")]
        metadata = str(root / "submission_metadata.json")
        # covered by an empty tmpfs, or never bound into the job's file system at all
        assert any(metadata.startswith(path + os.sep) for path in tmpfs) or not any(
            metadata == path or metadata.startswith(path.rstrip("/") + os.sep)
            for path in bound), (tmpfs, bound)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
def test_a_notebook_cannot_read_submission_metadata(tmp_path_factory):
    """Run in a root beside where /autograder is (in /tmp or a folder the sandbox hides
    anyway the test could not fail): a notebook that would lose its points if it could see
    ``submission_metadata.json`` earns them all."""
    root = Path(tempfile.mkdtemp(prefix="autograder-meta-", dir="/"))  # as /autograder
    try:
        archive = build(tmp_path_factory.mktemp("dist"), A)
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(root / "source")
        shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
        metadata = root / "submission_metadata.json"
        metadata.write_text(json.dumps({"users": [{"email": "kim@example.edu"}],
                                        "previous_submissions": []}))
        metadata.chmod(0o644)
        root.chmod(0o755)
        peek = (f"import os as _os\n"
                f"if _os.path.exists({str(metadata)!r}):\n"
                f"    sigmoid = None\n")
        result = run_autograder(root, dict(SOLUTION, sigmoid=SOLUTION["sigmoid"] + "\n" + peek))
        assert result["score"] == max_points(A), [t for t in result["tests"]
                                                  if t["score"] < t["max_score"]]
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_gradescope_make_target_builds_one_zip_per_notebook(tmp_path):
    done = subprocess.run([sys.executable, "-m", "autograder", "gradescope", "build",
                           "--dist", str(tmp_path), "--assignment", A], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / f"{A}.zip") as zipped:
        info = zipped.getinfo("run_autograder")
        assert (info.external_attr >> 16) & 0o111  # executable
        # the mutation catalogue stays out (its package's empty __init__.py is in, for pip)
        assert not [n for n in zipped.namelist() if "__pycache__" in n or (
            "mutants" in n and n != "autograder/mutants/__init__.py")]
        # issue 24, LOW: only this notebook's solution, release and hidden checks
        names = zipped.namelist()
        assert f"solutions/{A}/{A}.ipynb" in names and "autograder/hidden/nb01.py" in names
        assert f"notebooks/{A}/{A}.ipynb" in names
        others = [n for n in names if n.startswith(("solutions/", "notebooks/"))
                  and n.split("/")[1] != A]
        assert not others, others[:5]
        assert not [n for n in names if n.startswith("autograder/hidden/nb")
                    and n != "autograder/hidden/nb01.py"]


def test_setup_sh_installs_the_unpacked_zip_as_a_package(gradescope_root, tmp_path):
    """``setup.sh`` runs ``pip install -e .`` in the unpacked zip: every package
    ``pyproject.toml`` lists must be there (built here offline, without dependencies)."""
    setup = (gradescope_root / "source" / "setup.sh").read_text()
    assert "download.pytorch.org/whl/cpu" in setup and "pip install --quiet -e ." in setup
    source = tmp_path / "source"
    shutil.copytree(gradescope_root / "source", source)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "--quiet", "-w", str(tmp_path / "wheel"),
                           str(source)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    with zipfile.ZipFile(next((tmp_path / "wheel").glob("*.whl"))) as wheel:
        names = wheel.namelist()
    assert "autograder/hidden/nb01.py" in names
    assert not any(n.startswith("autograder/mutants/nb") for n in names)  # no catalogue


def test_a_symbolic_link_upload_is_never_graded(gradescope_root, tmp_path):
    """A link to the instructor's solution (a zip or a GitHub upload can carry one) is
    refused: root would otherwise copy what it points at and grade it."""
    from autograder.gradescope import _pick_notebook

    submission = tmp_path / "submission"
    submission.mkdir()
    solution = gradescope_root / "source" / "solutions" / A / f"{A}.ipynb"
    (submission / f"{A}.ipynb").symlink_to(solution)
    notebook, notes = _pick_notebook(submission, A)
    assert notebook is None and "symbolic link" in notes[0]
    (submission / "work").symlink_to(solution.parent, target_is_directory=True)
    notebook, _ = _pick_notebook(submission, A)
    assert notebook is None
    nbformat.write(filled_notebook(A, {}), submission / "mine.ipynb")
    notebook, _ = _pick_notebook(submission, A)
    assert notebook == submission / "mine.ipynb"


def test_the_upload_s_own_notebook_wins_over_a_copy_in_a_subfolder(tmp_path):
    from autograder.gradescope import _pick_notebook

    submission = tmp_path / "submission"
    for folder in (".old", "0draft", ""):
        (submission / folder).mkdir(parents=True, exist_ok=True)
        nbformat.write(filled_notebook(A, {}), submission / folder / f"{A}.ipynb")
    notebook, notes = _pick_notebook(submission, A)
    assert notebook == submission / f"{A}.ipynb", notes


def test_review17_f6_an_upload_of_another_notebook_is_named_and_not_graded(tmp_path):
    """Review 17, F6: notebook 02 uploaded to 01's autograder was graded as a mangled 01 (0
    points and 30 lines of "cell missing/restored", hidden until publishing). It is now
    named as notebook 02, not graded, and the student reads why at once; a copy of 01
    renamed after 02 is still graded as 01."""
    from autograder.gradescope import _pick_notebook, results_json

    other = "02_universal_approximation"
    submission = tmp_path / "submission"
    submission.mkdir()
    nbformat.write(filled_notebook(other, solution_sources(other)),
                   submission / f"{other}.ipynb")
    notebook, notes = _pick_notebook(submission, A)
    assert notebook is None
    assert f"is notebook {other}, not {A}" in notes[0] and f"upload {A}.ipynb" in notes[0]
    payload = results_json(None, A, notes)
    assert payload["score"] == 0 and payload["visibility"] == "visible"
    assert f"is notebook {other}" in payload["output"]
    renamed = tmp_path / "renamed"
    renamed.mkdir()
    nbformat.write(filled_notebook(A, SOLUTION), renamed / f"{other}.ipynb")
    notebook, notes = _pick_notebook(renamed, A)
    assert notebook == renamed / f"{other}.ipynb", notes
    unnamed = tmp_path / "unnamed"  # notebook 02 under a name that names no notebook
    unnamed.mkdir()
    shutil.copyfile(submission / f"{other}.ipynb", unnamed / "my work.ipynb")
    notebook, notes = _pick_notebook(unnamed, A)
    assert notebook is None
    assert notes[0].startswith("my work.ipynb is another notebook (none of the ") and (
        f"upload {A}.ipynb here" in notes[0]), notes
    with zipfile.ZipFile(build(tmp_path / "dist", A)) as zipped:
        assert json.loads(zipped.read("autograder/notebook_ids.json"))[:2] == [A, other]


@pytest.mark.parametrize("names", [("my work.ipynb", "02_universal_approximation.ipynb"),
                                   ("b.ipynb", "a.ipynb")], ids=["named-02", "unnamed-02"])
def test_the_right_notebook_is_graded_beside_another_notebook_in_either_order(tmp_path, names):
    """Review 24d M2: notebook 01 under another name beside notebook 02 was "Not graded"
    (the first file matched by its cells was 02, refused, and the search stopped there).
    Every uploaded notebook is considered, whichever sorts first; the notes name the file
    graded and the one left out."""
    from autograder.gradescope import _pick_notebook

    other = "02_universal_approximation"
    mine, theirs = names
    for order, (first, second) in enumerate(((mine, theirs), (theirs, mine))):
        submission = tmp_path / str(order) / "submission"
        submission.mkdir(parents=True)
        for name in (first, second):  # written in this order (rglob's order follows it)
            notebook = (filled_notebook(A, SOLUTION) if name == mine
                        else filled_notebook(other, solution_sources(other)))
            nbformat.write(notebook, submission / name)
        notebook, notes = _pick_notebook(submission, A)
        assert notebook == submission / mine, notes
        assert notes[0].startswith(f"2 notebooks uploaded: graded {mine}; not graded: "
                                   f"{theirs} (")


def test_of_two_copies_the_one_holding_this_notebook_s_cells_wins(tmp_path):
    """The tie rule, told in the notes: most of the notebook's answer cells first (a file
    named 01 that holds a fraction of its cells loses to a renamed full copy), then the
    expected name."""
    from autograder.gradescope import _pick_notebook

    submission = tmp_path / "submission"
    submission.mkdir()
    partial = filled_notebook(A, {})
    partial.cells = [c for c in partial.cells
                     if c.metadata.get("nbgrader", {}).get("grade_id") != "sigmoid"]
    nbformat.write(partial, submission / f"{A}.ipynb")
    nbformat.write(filled_notebook(A, SOLUTION), submission / "final.ipynb")
    notebook, notes = _pick_notebook(submission, A)
    assert notebook == submission / "final.ipynb", notes
    assert "most of 01_neuron_and_xor's answer cells" in notes[0]
    nbformat.write(filled_notebook(A, SOLUTION), submission / "zzz.ipynb")
    nbformat.write(filled_notebook(A, {}), submission / f"{A}.ipynb")  # all cells again
    assert _pick_notebook(submission, A)[0] == submission / f"{A}.ipynb"


def test_writing_results_keeps_the_harness_s_stdout_and_folder(tmp_path):
    """Review 24d M3: ``results/`` was removed and made again, deleting Gradescope's own
    ``results/stdout`` (run_autograder's output for the instructor, still being written) and
    failing where ``results/`` is a mount point. Only what is not the harness's goes."""
    from autograder.gradescope import _write_results

    results = tmp_path / "results"
    results.mkdir()
    folder = results.stat().st_ino
    with open(results / "stdout", "w") as stdout:  # open, as the harness's is
        stdout.write("grader log\n")
        (results / "results.json").write_text(json.dumps({"score": 999}))
        (results / "planted").mkdir()
        (results / "planted" / "x").write_text("x")
        (results / "link").symlink_to(tmp_path)
        _write_results(results, {"score": 1, "tests": []})
        stdout.write("more\n")
    assert results.stat().st_ino == folder  # the folder itself was never removed
    assert sorted(p.name for p in results.iterdir()) == ["results.json", "stdout"]
    assert (results / "stdout").read_text() == "grader log\nmore\n"
    assert json.loads((results / "results.json").read_text())["score"] == 1
    (results / "stdout").unlink()
    (results / "stdout").symlink_to(tmp_path / "elsewhere")  # a link is not the harness's
    _write_results(results, {"score": 2, "tests": []})
    assert sorted(p.name for p in results.iterdir()) == ["results.json"]


@pytest.mark.parametrize("assignment", ["05_minibatches_and_sgd",
                                        "06_regularization"])
def test_a_student_sees_at_once_which_file_was_graded_and_how_much_is_filled_in(
        tmp_path, monkeypatch, assignment):
    """Review 24d L2: every test cell of notebooks 05 and 06 holds hidden tests, so before
    publishing a student saw nothing, not even that a blank or old copy was taken. A 0-point
    test, always visible, names the file and counts the answer cells filled in; it says
    nothing about correctness (the same for a right and a wrong answer)."""
    from autograder import gradescope
    from autograder.gradescope import results_json, upload_test

    answers = solution_sources(assignment)
    first = next(iter(answers))
    assert all(kind != "test" or HIDDEN_BLOCK.search(source)  # every test cell is hidden
               for kind, _, source, _ in instructor_cells(assignment))
    outputs = []
    for filled in ({first: answers[first]}, {first: answers[first] + "\nx = None\n"}):
        root = tmp_path / str(len(outputs))
        (root / "submission" / "old").mkdir(parents=True)
        nbformat.write(filled_notebook(assignment, filled), root / "submission" / "hw.ipynb")
        nbformat.write(filled_notebook(assignment, {}), root / "submission" / "old" / "x.ipynb")
        monkeypatch.setattr(gradescope.subprocess, "run", lambda command, **_:
                            subprocess.CompletedProcess(command, 1, "", ""))
        payload = gradescope.run(root, assignment)
        monkeypatch.undo()
        upload = payload["tests"][0]
        assert upload["visibility"] == "visible" and upload["max_score"] == 0
        assert upload["output"].startswith(f"graded hw.ipynb: 1 of {len(answers)} answer cells "
                                           "filled in"), upload["output"]
        assert "not graded: old/x.ipynb" in upload["output"]
        outputs.append(upload["output"])
    assert outputs[0] == outputs[1]  # a right and a wrong answer read the same
    record = {"points": 3.0, "notes": [], "tests": [
        {"test": cell_id, "points": 0.0, "max_points": points, "reason": "wrong"}
        for kind, cell_id, _, points in instructor_cells(assignment) if kind == "test"]}
    notebook = tmp_path / "0" / "submission" / "hw.ipynb"
    graded = results_json(record, assignment, [], upload_test(notebook, assignment, "hw", []))
    assert [t["visibility"] for t in graded["tests"]] == ["visible"] + ["after_published"] * (
        len(graded["tests"]) - 1)


def test_setup_sh_fails_the_build_where_the_sandbox_cannot_start(gradescope_root):
    """Review 24d M1: in a container whose root lacks CAP_SYS_ADMIN (Docker's default)
    unshare and bwrap fail, and every submission scored 0 with no sign at build time.
    setup.sh now starts the sandbox once, after installing the course, and fails the build
    with the reason, naming the missing capability."""
    setup = (gradescope_root / "source" / "setup.sh").read_text().splitlines()
    check = f".venv/bin/python -m autograder gradescope check --assignment {A}"
    assert setup[0] == "#!/usr/bin/env bash" and "set -euo pipefail" in setup
    assert check in setup and setup.index(check) > setup.index(
        ".venv/bin/pip install --quiet -e .")
    command = [sys.executable, "-m", "autograder", "gradescope", "check"]
    works = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert works.returncode == 0, works.stderr[-3000:]
    unprivileged = subprocess.run(["setpriv", "--bounding-set=-sys_admin",
                                   "--inh-caps=-sys_admin", "--", *command], cwd=ROOT,
                                  capture_output=True, text=True, timeout=300)
    assert unprivileged.returncode == 1
    assert "sandbox cannot start" in unprivileged.stderr
    assert "lacks CAP_SYS_ADMIN" in unprivileged.stderr


INSTRUCTOR_SETTINGS = """"01_neuron_and_xor" = "2027-01-15T23:59:00+01:00"
"02_universal_approximation" = "2027-01-22"

[lms]
time_zone = "Europe/Berlin"
blackboard_columns = { "01_neuron_and_xor" = 123456, "02_universal_approximation" = 123457 }
"""


def test_due_dates_for_every_notebook_never_stop_a_gradescope_run(tmp_path):
    """Review 24e H1: the zip carried course/duedates.toml but one notebook's solutions/, so
    a due date (or a Blackboard column id) for another notebook was "for no notebook":
    grade exited 2 and every student scored 0. The zip now holds no gradebook or LMS
    settings, and where such a file is (an older zip's), its keys are checked against the
    course's whole list of notebook ids, recorded in the zip: a correct notebook gets full
    marks, and setup.sh's check grades the released notebook there."""
    archive = build(tmp_path / "dist", A)
    with zipfile.ZipFile(archive) as zipped:
        assert "course/duedates.toml" not in zipped.namelist()
        zipped.extractall(tmp_path / "source")
    source = tmp_path / "source"
    (source / "course" / "duedates.toml").write_text(INSTRUCTOR_SETTINGS)
    shutil.copy(source / "run_autograder", tmp_path / "run_autograder")
    result = run_autograder(tmp_path, SOLUTION)
    assert result["score"] == max_points(A), result["output"]
    command = [sys.executable, "-m", "autograder", "gradescope", "check", "--assignment", A]
    done = subprocess.run(command, cwd=source, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"the released {A} is graded here" in done.stdout


def test_gradescope_check_fails_the_build_where_the_grader_stops_before_grading(tmp_path):
    """Review 24e H1: setup.sh's check started the sandbox only, so a grader that stops at
    its start (here: a due date for a notebook id the course does not have) passed the image
    build and gave every student 0. The check now grades the released notebook as
    run_autograder grades an upload, and fails the build with the grader's reason."""
    with zipfile.ZipFile(build(tmp_path / "dist", A)) as zipped:
        zipped.extractall(tmp_path / "source")
    source = tmp_path / "source"
    (source / "course" / "duedates.toml").write_text('"01_neuron_xor" = "2027-01-15"\n')
    command = [sys.executable, "-m", "autograder", "gradescope", "check", "--assignment", A]
    done = subprocess.run(command, cwd=source, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr[-3000:]
    assert "'01_neuron_xor'" in done.stderr  # the grader's own reason, in the build's log
    assert f"the released {A} could not be graded" in done.stderr
    assert "Every submission would score 0" in done.stderr
