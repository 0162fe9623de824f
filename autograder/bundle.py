"""``python -m autograder.bundle``: what an instructor hands out, and nothing else.

``make student-bundle`` writes ``dist/nncourse-student/`` and a zip of it:

- ``notebooks/<id>/<id>.ipynb``: the student notebooks (nbgrader's release, as committed);
- ``nncourse-<version>-py3-none-any.whl``: the student library only (package ``nncourse``
  and its visible checks), built from a staged copy of ``lib/nncourse`` with the runtime
  dependencies of ``pyproject.toml`` (never its ``[dev]`` extra), every module's comments
  removed (:func:`without_comments`: a comment is the maintainers' note, and a check's
  note on how it measures a derivative is that derivative's formula);
- ``README.md``: how a student installs it and opens the notebooks.

The grader (``autograder``: hidden checks, mutation catalogues) and the instructor's
``solutions/`` are never copied: the wheel is built from a folder that holds only the
library, so nothing else can end up in it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import tokenize
import tomllib
import zipfile
from pathlib import Path

from autograder.notebooks import RELEASE, ROOT, assignments

NAME = "nncourse-student"
LIBRARY = ROOT / "lib" / "nncourse"
PACKAGES = ["nncourse", "nncourse.checks"]

STUDENT_README = """\
# Neural networks from the neuron up

Six Jupyter notebooks, from one artificial neuron to a regularised multi-layer perceptron
trained with your own backpropagation, and the course library `nncourse` whose tests tell
you, as you work, what was expected, what your code returned, and a hint.

## Install (once)

Python {python} or newer:

```bash
python3 -m venv .venv
.venv/bin/pip install {wheel}
.venv/bin/jupyter labextension enable @jupyter/nbgrader   # the Validate button
{disable}
```

PyTorch (the tests' reference) comes with it; if pip cannot find `torch=={torch}`, add
`--extra-index-url https://download.pytorch.org/whl/cpu` to the install line.

## Work

```bash
.venv/bin/jupyter lab notebooks
```

Open `notebooks/01_neuron_and_xor/01_neuron_and_xor.ipynb`. Each exercise is a function
whose body is `raise NotImplementedError()`: replace it with your code, run the cell, then
the test cell below it.

To check a whole saved notebook at once, from this folder:

```bash
.venv/bin/python -m nncourse.selfcheck 01
```

Hand in the `.ipynb` file(s) as your instructor asks.
"""


STUDENT_OFF = (
    ("server extension disable --sys-prefix", "nbgrader.server_extensions.formgrader"),
    ("server extension disable --sys-prefix", "nbgrader.server_extensions.course_list"),
    ("labextension disable --level=sys_prefix", "@jupyter/nbgrader:formgrader"),
    ("labextension disable --level=sys_prefix", "@jupyter/nbgrader:course-list"),
    ("labextension disable --level=sys_prefix", "@jupyter/nbgrader:create-assignment"),
)
"""nbgrader's instructor parts, off in a student's install (nbgrader's docs, "Installation":
students need the assignment list and Validate, not formgrader, the course list or the
create-assignment toolbar)."""

DISABLE = "\n".join(f".venv/bin/jupyter {command} {name}" for command, name in STUDENT_OFF)


def project() -> dict:
    """``[project]`` of the course's pyproject.toml."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def student_pyproject(meta: dict) -> str:
    """The staged library's pyproject.toml: ``nncourse`` only, runtime dependencies only."""
    return f"""[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "nncourse"
version = {json.dumps(meta["version"])}
description = {json.dumps(meta["description"])}
readme = "README.md"
requires-python = {json.dumps(meta["requires-python"])}
dependencies = {_toml_list(meta["dependencies"])}

[tool.setuptools]
packages = {_toml_list(PACKAGES)}

[tool.setuptools.package-data]
nncourse = ["datasets/*.csv.gz"]
"""


def _readme(meta: dict, wheel: str) -> str:
    torch = next((d.split("==", 1)[1] for d in meta["dependencies"] if d.startswith("torch==")),
                 "")
    return STUDENT_README.format(python=meta["requires-python"].lstrip(">="), wheel=wheel,
                                 torch=torch, disable=DISABLE)


def without_comments(source: str) -> str:
    """``source`` with every comment token removed and nothing else changed: the same tokens,
    the same line numbers (a traceback from the student's install points at the line the
    maintainers see), a line that held only a comment left empty."""
    lines = source.splitlines(keepends=True)
    tokens = tokenize.generate_tokens(iter(lines).__next__)
    for token in tokens:
        if token.type == tokenize.COMMENT:
            row, column = token.start
            line = lines[row - 1]
            ending = line[len(line.rstrip("\r\n")):]
            lines[row - 1] = line[:column].rstrip() + ending
    return "".join(lines)


def strip_comments(folder: Path) -> None:
    """Every ``.py`` file under ``folder`` rewritten :func:`without_comments`."""
    for path in sorted(folder.rglob("*.py")):
        path.write_text(without_comments(path.read_text(encoding="utf-8")), encoding="utf-8")


def build_wheel(out: Path) -> Path:
    """Build the student library's wheel into ``out``; returns its path."""
    meta = project()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nncourse-wheel-") as scratch:
        stage = Path(scratch)
        shutil.copytree(LIBRARY, stage / "nncourse",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        strip_comments(stage / "nncourse")
        (stage / "pyproject.toml").write_text(student_pyproject(meta))
        (stage / "README.md").write_text(_readme(meta, "nncourse-*.whl"))
        done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                               "--no-build-isolation", "--wheel-dir", str(out), str(stage)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"building the student wheel failed:\n{done.stderr[-3000:]}")
    return out / f"nncourse-{meta['version']}-py3-none-any.whl"


def build_bundle(dist: Path) -> Path:
    """``dist/nncourse-student/`` (notebooks, wheel, README) and its zip; returns the zip."""
    folder = dist / NAME
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for assignment in assignments():
        target = folder / "notebooks" / assignment
        target.mkdir(parents=True)
        shutil.copyfile(RELEASE / assignment / f"{assignment}.ipynb",
                        target / f"{assignment}.ipynb")
    wheel = build_wheel(folder)
    (folder / "README.md").write_text(_readme(project(), wheel.name))
    archive = dist / f"{NAME}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                handle.write(path, str(path.relative_to(dist)))
    return archive


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.bundle",
                                     description="build the student bundle")
    parser.add_argument("--dist", default=str(ROOT / "dist"), help="output folder (default "
                        "dist/)")
    args = parser.parse_args(argv)
    archive = build_bundle(Path(args.dist).resolve())
    folder = archive.with_suffix("")
    files = sorted(p.relative_to(folder.parent) for p in folder.rglob("*") if p.is_file())
    print("\n".join(f"  {p}" for p in files))
    print(f"student bundle: {folder}/ and {archive} ({archive.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
