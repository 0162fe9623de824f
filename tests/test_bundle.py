"""The student bundle (``make student-bundle``) holds the student's things and nothing else.

What must never be in it: a statement of a solution (as ``test_answer_leaks`` defines them),
a line of a hidden test, a definition of a hidden check or a check only the hidden modules
register, a mutant's or correct variant's code from the mutation catalogues, or any module of
the grader (``autograder.*``). And the wheel alone, in a fresh virtual environment, is enough
to run a student notebook's visible tests.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import re
import subprocess
import sys
import textwrap
import time
import tokenize
import venv
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from test_answer_leaks import answer_statements, squash

from autograder.bundle import NAME, STUDENT_OFF, build_bundle, without_comments
from autograder.mutation import catalogue
from autograder.notebooks import (
    assignments,
    filled_notebook,
    grade_id,
    solution_sources,
    source_notebook,
)

MIN_LENGTH = 14
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", re.DOTALL)
MARKERS = ["### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS", "import autograder",
           "from autograder"]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """A freshly built bundle: ``dist/nncourse-student.zip``."""
    return build_bundle(tmp_path_factory.mktemp("dist"))


def _wheel_path(names: list[str]) -> str:
    return next(n for n in names if n.endswith(".whl"))


def readable_texts(archive: Path) -> dict[str, tuple[str, str]]:
    """Every text in the bundle zip and in the wheel inside it -> (its squashed text, the
    squashed text a reader sees as prose: for Python files their string constants only)."""
    texts: dict[str, tuple[str, str]] = {}
    with zipfile.ZipFile(archive) as bundle_zip:
        for name in bundle_zip.namelist():
            data = bundle_zip.read(name)
            if name.endswith(".whl"):
                with zipfile.ZipFile(io.BytesIO(data)) as wheel:
                    for member in wheel.namelist():
                        texts[f"{name}!{member}"] = _text_of(member, wheel.read(member))
            else:
                texts[name] = _text_of(name, data)
    return texts


def _text_of(name: str, data: bytes) -> tuple[str, str]:
    if name.endswith(".gz"):
        return "", ""
    text = data.decode("utf-8", errors="replace")
    if name.endswith(".ipynb"):
        notebook = nbformat.reads(text, as_version=4)
        text = "\n".join(c.source + json.dumps(c.get("outputs", [])) for c in notebook.cells)
    prose = text
    if name.endswith(".py"):
        with contextlib.suppress(SyntaxError):
            prose = "\n".join(node.value for node in ast.walk(ast.parse(text))
                              if isinstance(node, ast.Constant) and isinstance(node.value, str))
    return squash(text), squash(prose)


def forbidden_snippets() -> dict[str, str]:
    """Squashed snippet -> what it is: solutions, hidden tests, hidden checks, variants.

    Solution statements are looked for where a student reads (notebook cells, the library's
    strings), as ``test_answer_leaks`` does: the library's visible checks compute reference
    answers in code by design. Everything else is looked for everywhere.
    """
    found: dict[str, str] = {}
    for assignment in assignments():
        for cell in source_notebook(assignment).cells:
            for statement in answer_statements(cell.source):
                found[statement] = f"solution of {assignment}/{grade_id(cell)}"
            for block in HIDDEN.findall(cell.source):
                for line in block.splitlines():
                    if len(squash(line)) >= MIN_LENGTH:
                        found[squash(line)] = f"hidden test of {assignment}/{grade_id}"
    for path in sorted((ROOT / "autograder" / "hidden").glob("nb*.py")):
        source = path.read_text()
        for node in ast.parse(source).body:
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
                found[squash(ast.get_source_segment(source, node))] = f"{path.name}: {node.name}"
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    target = item.targets[0] if isinstance(item, ast.Assign) else None
                    if isinstance(target, ast.Name) and target.id == "name":
                        found[f'"{item.value.value}"'] = f"hidden check name in {path.name}"
    for path in sorted((ROOT / "autograder" / "mutants").glob("nb*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Variant"):
                continue
            for keyword in node.keywords:
                strings = [part.value for part in ast.walk(keyword.value)
                           if isinstance(part, ast.Constant) and isinstance(part.value, str)]
                if keyword.arg == "source":
                    code = "".join(strings)
                    if len(squash(code)) >= 20:
                        found[squash(code)] = f"variant code in {path.name}"
                elif keyword.arg == "edits":
                    for text in strings:
                        if len(squash(text)) >= 20:
                            found[squash(text)] = f"solution (a variant's edit) in {path.name}"
    for marker in MARKERS:
        found[squash(marker)] = f"marker {marker!r}"
    return found


def leaks(texts: dict[str, tuple[str, str]], snippets: dict[str, str]) -> list[str]:
    found = set()
    for snippet, what in snippets.items():
        for where, (text, prose) in texts.items():
            if snippet in (prose if what.startswith("solution") else text):
                found.add(f"{what} is readable in {where}")
    return sorted(found)


def test_the_bundle_holds_notebooks_a_wheel_and_a_readme(bundle):
    with zipfile.ZipFile(bundle) as handle:
        names = sorted(handle.namelist())
        wheel = zipfile.ZipFile(io.BytesIO(handle.read(_wheel_path(names))))
    expected = [f"{NAME}/notebooks/{a}/{a}.ipynb" for a in assignments()]
    assert [n for n in names if n.endswith(".ipynb")] == expected
    assert set(names) - set(expected) == {f"{NAME}/README.md", _wheel_path(names)}
    members = wheel.namelist()
    assert all(m.startswith(("nncourse/", "nncourse-")) for m in members), members
    assert "nncourse/checks/nb01.py" in members and "nncourse/datasets/digits.csv.gz" in members
    assert not any("autograder" in m or "solutions" in m for m in members)
    requires = wheel.read(next(m for m in members if m.endswith("METADATA"))).decode()
    assert "Requires-Dist: torch==" in requires
    assert not re.search(r"Requires-Dist: (pytest|ruff|playwright)", requires)


def test_nothing_of_solutions_hidden_checks_or_variants_is_in_the_bundle(bundle):
    snippets = forbidden_snippets()
    kinds = {what.split(" ")[0] for what in snippets.values()}
    assert {"solution", "hidden", "variant", "marker"} <= kinds
    assert len(snippets) > 200  # the finder really reads the sources
    found = leaks(readable_texts(bundle), snippets)
    assert not found, "the bundle leaks:\n" + "\n".join(found[:40])


def test_the_leak_finder_finds_a_planted_leak(bundle, tmp_path):
    """A bundle with a hidden check module and a solution cell in it fails the test."""
    planted = tmp_path / "planted.zip"
    assignment = assignments()[0]
    hidden = (ROOT / "autograder" / "hidden" / "nb01.py").read_text()
    solution = nbformat.writes(source_notebook(assignment))
    variant = next(m.source for m in catalogue(assignment) if m.kind == "variant" and m.source)
    with zipfile.ZipFile(bundle) as original, zipfile.ZipFile(planted, "w") as handle:
        for name in original.namelist():
            handle.writestr(name, original.read(name))
        handle.writestr(f"{NAME}/extra/hidden.py", hidden)
        handle.writestr(f"{NAME}/extra/source.ipynb", solution)
        handle.writestr(f"{NAME}/extra/variants.txt", variant)
    snippets = forbidden_snippets()
    found = set(leaks(readable_texts(planted), snippets)) - set(leaks(readable_texts(bundle),
                                                                      snippets))
    assert any("nb01.py:" in f and "extra/hidden.py" in f for f in found)
    assert any(f.startswith("solution of") and "extra/source.ipynb" in f for f in found)
    assert any(f.startswith("hidden test of") and "extra/source.ipynb" in f for f in found)
    assert any(f.startswith("variant code") and "extra/variants.txt" in f for f in found)
    assert all(f"{NAME}/extra/" in f for f in found)


RUN_IN_VENV = textwrap.dedent("""
    import json, sys
    import nbformat
    from nbclient import NotebookClient
    import nncourse
    from nncourse.selfcheck import nbgrader_meta
    report = {"nncourse": nncourse.__file__}
    try:
        import autograder  # noqa: F401
        report["autograder"] = True
    except ImportError:
        report["autograder"] = False
    for name in sys.argv[1:]:
        notebook = nbformat.read(name, as_version=4)
        NotebookClient(notebook, timeout=600, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": "."}}).execute()
        report[name] = [
            {"grade_id": nbgrader_meta(c).get("grade_id"),
             "text": "".join(o.get("text", "") for o in c.get("outputs", [])),
             "errors": [o.get("ename") for o in c.get("outputs", [])
                        if o.get("output_type") == "error"]}
            for c in notebook.cells if c.cell_type == "code"]
    print(json.dumps(report))
""")


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("NNCOURSE_SLOW"), reason="installs torch into a fresh "
                    "virtual environment (minutes): `make test-slow` runs it")
def test_the_wheel_alone_runs_a_student_notebooks_visible_tests(bundle, tmp_path):
    """In a fresh venv (no system site-packages) with only the wheel installed, notebook 01
    with the instructor's answers passes every visible test, and a wrong sigmoid fails its
    test with the check's message."""
    assignment = assignments()[0]
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env_dir)
    python = env_dir / "bin" / "python"
    assert "include-system-site-packages = false" in (env_dir / "pyvenv.cfg").read_text()
    folder = tmp_path / "student"
    with zipfile.ZipFile(bundle) as handle:
        handle.extractall(folder)
    wheel = next((folder / NAME).glob("*.whl"))
    started = time.monotonic()
    done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)],
                          capture_output=True, text=True, timeout=1800)
    install_seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-3000:]
    print(f"\nwheel installed in a fresh venv in {install_seconds:.1f} s")
    answers = solution_sources(assignment)
    work = folder / NAME / "notebooks" / assignment
    released = work / f"{assignment}.ipynb"
    nbformat.write(filled_notebook(assignment, answers, released), work / "correct.ipynb")
    wrong = dict(answers, sigmoid="def sigmoid(z):\n    return np.tanh(z)\n")
    nbformat.write(filled_notebook(assignment, wrong, released), work / "wrong.ipynb")
    clean_env = {k: v for k, v in os.environ.items()
                 if k not in ("PYTHONPATH", "NNCOURSE_CHECK_MODULES", "NNCOURSE_MODE")}
    clean_env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{clean_env.get('PATH', '')}"
    ran = subprocess.run([str(python), "-c", RUN_IN_VENV, "correct.ipynb", "wrong.ipynb"],
                         cwd=work, env=clean_env, capture_output=True, text=True, timeout=1800)
    assert ran.returncode == 0, ran.stderr[-3000:]
    report = json.loads(ran.stdout.strip().splitlines()[-1])
    assert report["nncourse"].startswith(str(env_dir)) and report["autograder"] is False
    tests = [c for c in report["correct.ipynb"] if (c["grade_id"] or "").startswith("test_")]
    assert len(tests) >= 8
    assert all(not c["errors"] and "\u2714" in c["text"] for c in tests), tests
    wrong_cells = {c["grade_id"]: c for c in report["wrong.ipynb"]}
    assert wrong_cells["test_sigmoid_values"]["errors"] == ["CheckFailed"]
    assert not wrong_cells["test_count_parameters"]["errors"]
    assert sys.executable != str(python)
    # the README's install lines leave students without formgrader and the course list
    readme = (folder / NAME / "README.md").read_text()
    for line in readme.splitlines():
        if line.startswith(".venv/bin/jupyter ") and " extension " in line:  # not `lab`
            command = line.split("#")[0].replace(".venv/bin/", f"{env_dir}/bin/").split()
            done = subprocess.run(command, env=clean_env, capture_output=True, text=True,
                                  timeout=300)
            assert done.returncode == 0, line + done.stderr[-2000:]
    listed = subprocess.run([str(env_dir / "bin" / "jupyter"), "server", "extension", "list"],
                            env=clean_env, capture_output=True, text=True, timeout=300)
    text = re.sub(r"\x1b\[[0-9;]*m", "", listed.stdout + listed.stderr)
    assert re.search(r"validate_assignment\s+enabled", text), text
    for name in ("formgrader", "course_list"):
        assert re.search(rf"server_extensions\.{name}\s+disabled", text), text


def test_the_students_install_turns_off_the_instructors_extensions(bundle, tmp_path):
    """The bundle's README installs nbgrader for a student: Validate and the assignment list
    on; formgrader, the course list and create-assignment off (run for real in the slow
    fresh-venv test above)."""
    folder = tmp_path / "student"
    with zipfile.ZipFile(bundle) as handle:
        handle.extractall(folder)
    lines = (folder / NAME / "README.md").read_text().splitlines()
    for command, name in STUDENT_OFF:
        assert f".venv/bin/jupyter {command} {name}" in lines
    assert any("labextension enable @jupyter/nbgrader" in line for line in lines)


def _wheel_modules(bundle: Path) -> dict[str, str]:
    """``nncourse/...py`` in the bundle's wheel -> its text."""
    with zipfile.ZipFile(bundle) as handle:
        names = handle.namelist()
        wheel = zipfile.ZipFile(io.BytesIO(handle.read(_wheel_path(names))))
    return {m: wheel.read(m).decode("utf-8") for m in wheel.namelist() if m.endswith(".py")}


def _comments(source: str) -> list[str]:
    return [t.string for t in tokenize.generate_tokens(io.StringIO(source).readline)
            if t.type == tokenize.COMMENT]


def test_the_wheels_modules_hold_no_comment(bundle):
    """No module of the student's library has a comment (a check's note on how it measures a
    derivative was that derivative's formula: "each entry is p_i [i == j] - p_i p_j"), and
    each is its source's code, token for token, on the same lines."""
    modules = _wheel_modules(bundle)
    assert "nncourse/checks/nb03.py" in modules and len(modules) > 10
    with_comments = {m: c for m, s in modules.items() if (c := _comments(s))}
    assert not with_comments, with_comments
    assert _comments((ROOT / "lib" / "nncourse" / "checks" / "nb03.py").read_text())
    for member, text in modules.items():
        source = (ROOT / "lib" / member).read_text()
        assert text.count("\n") == source.count("\n"), member
        assert ast.dump(ast.parse(text), include_attributes=True) == ast.dump(
            ast.parse(source), include_attributes=True), member


def test_without_comments_keeps_code_strings_and_lines():
    """A ``#`` in a string stays; a comment after code and a comment line go; lines stay."""
    source = 'x = "a # b"  # note\n# whole line\ny = 1\n'
    assert without_comments(source) == 'x = "a # b"\n\ny = 1\n'


def test_the_wheels_library_runs_a_check(bundle, tmp_path):
    """The comment-free library imports and its checks run: a correct sigmoid_grad passes
    notebook 03's check, a wrong one fails it (in a process that imports the wheel's copy)."""
    with zipfile.ZipFile(bundle) as handle:
        names = handle.namelist()
        wheel = zipfile.ZipFile(io.BytesIO(handle.read(_wheel_path(names))))
    wheel.extractall(tmp_path / "site")
    program = textwrap.dedent("""
        import numpy as np
        import nncourse
        from nncourse import CheckFailed, check
        assert nncourse.__file__.startswith(SITE), nncourse.__file__
        def sigmoid(z):
            z = np.asarray(z, dtype=float)
            e = np.exp(-np.abs(z))
            return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
        def sigmoid_grad(z):
            return sigmoid(z) * sigmoid(-np.asarray(z, dtype=float))
        check("sigmoid_grad_values", sigmoid_grad)
        try:
            check("sigmoid_grad_values", lambda z: sigmoid(z) * 0.5)
        except CheckFailed:
            print("wrong one failed")
    """).replace("SITE", repr(str(tmp_path / "site")))
    env = {k: v for k, v in os.environ.items() if k != "NNCOURSE_CHECK_MODULES"}
    env["PYTHONPATH"] = str(tmp_path / "site")
    done = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "wrong one failed" in done.stdout
