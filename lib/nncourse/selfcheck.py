"""Self-study: check your own notebooks without an instructor.

From a terminal in the course folder (the folder that holds ``notebooks/``)::

    python -m nncourse.selfcheck              # every notebook in notebooks/
    python -m nncourse.selfcheck 04           # one notebook
    python -m nncourse.selfcheck 04 --hints 2 # and the next layer of hints

(In a clone of the course's repository, ``make check``, ``make check NB=04`` and
``make check NB=04 HINTS=2`` run the same.)

or in a notebook cell (save the notebook first: the saved file is what is checked)::

    from nncourse.selfcheck import report
    report("04")               # report("04", hints=2) for more hints

What it does: runs your saved notebook, exactly as it is, top to bottom in a fresh kernel
(the graded checks in it only record what your functions return), then judges each test cell
here and prints, exercise by exercise, ✔ (passes), ✘ (fails: what was expected, what was
seen, and a first hint) or "not yet" (still ``raise NotImplementedError()``). Hints come in
layers, what is wrong first, then the idea (never the answer); ``hints=2`` (``--more-hints``)
shows the next layer.

It only runs the cells of your own notebook, and judges them with the course library's
visible checks (:mod:`nncourse.checks`): it never reads the instructor's solutions or runs the
hidden tests used for grading, so passing here does not guarantee full marks.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from nncourse.checking import MODE_VARIABLE, PROBE_MIME, REGISTRY, judge_seen
from nncourse.plain import decode
from nncourse.verdict import Verdict

#: set in the kernel that runs the checked notebook (a report() cell in it does nothing)
INSIDE_VARIABLE = "NNCOURSE_SELFCHECK"
PASS, FAIL, NOT_YET = "\u2714", "\u2718", "not yet"
_SELF_CALL = re.compile(r"\bselfcheck\b|\breport\(")


@dataclass
class Result:
    """The outcome of one graded test cell of the student's notebook."""

    exercise: str  #: grade id of the solution cell above the test (the function to write)
    test: str  #: grade id of the test cell
    status: str  #: PASS, FAIL or NOT_YET
    description: str = ""
    message: str = ""
    hints: list[str] = field(default_factory=list)


# --- finding the student's notebook -----------------------------------------------------------

def _notebook_folders(start: Path) -> list[Path]:
    """Folders that may hold the student notebooks: here, ./notebooks, and above."""
    here = start.resolve()
    folders = []
    for folder in (here, *here.parents[:3]):
        folders += [folder / "notebooks", folder]
    return folders


def find_notebook(name: str, start: Path | None = None) -> Path:
    """The student's notebook for ``name``: "04", "04_backprop" or a path to an .ipynb."""
    path = Path(name)
    if path.suffix == ".ipynb" and path.exists():
        found = path.resolve()
    else:
        found = None
        for folder in _notebook_folders(start or Path.cwd()):
            hits = sorted(folder.glob(f"{name}*/{name}*.ipynb")) + sorted(
                folder.glob(f"{name}*.ipynb"))
            hits = [h for h in hits if ".ipynb_checkpoints" not in h.parts]
            if hits:
                found = hits[0].resolve()
                break
        if found is None:
            raise FileNotFoundError(f"no notebook {name!r} found in or above {Path.cwd()}; "
                                    "run this from the course folder or give the .ipynb path")
    if "solutions" in found.parts:
        raise ValueError("the self-check runs your own notebook (notebooks/...), not solutions/")
    return found


def all_notebooks(start: Path | None = None) -> list[Path]:
    """Every student notebook of the course (notebooks/<id>/<id>.ipynb), in course order."""
    for folder in _notebook_folders(start or Path.cwd()):
        if folder.name == "notebooks" and folder.is_dir():
            found = sorted(p / f"{p.name}.ipynb" for p in folder.iterdir()
                           if (p / f"{p.name}.ipynb").exists())
            if found:
                return found
    raise FileNotFoundError("no notebooks/ folder found; run this from the course folder")


# --- running and judging ----------------------------------------------------------------------

def nbgrader_meta(cell) -> dict:
    """A cell's nbgrader metadata (``grade_id``, ``solution``, ``grade``, ``points``...), or {}
    for a cell nbgrader does not manage: the one reader of it, for the course and its grader."""
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    found = meta.get("nbgrader") if isinstance(meta, dict) else None
    return found if isinstance(found, dict) else {}


def run_notebook(path: Path, timeout: int = 600) -> nbformat.NotebookNode:
    """Run the saved notebook as it is, in a fresh kernel in its folder, checks in probe mode.

    Cells that call the self-check themselves are skipped (no recursion); every other cell
    runs unchanged, errors included.
    """
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code" and not nbgrader_meta(cell) and _SELF_CALL.search(cell.source):
            cell.source = "# (self-check cell skipped while checking)"
    env = dict(os.environ, **{MODE_VARIABLE: "probe", INSIDE_VARIABLE: "1"})
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            allow_errors=True, resources={"metadata": {"path": str(path.parent)}})
    # the kernel process's own stderr only carries its start-up notices (cell output does not)
    try:
        client.execute(env=env, stderr=subprocess.DEVNULL)
    except Exception as error:  # a cell ran too long or the kernel died: judge what ran
        print(f"the run stopped early ({type(error).__name__}: {str(error)[:300]}); "
              "the tests after that point count as not run.", flush=True)
    return notebook


def _visible_check(name: str):
    """A check of the course library's visible checks (never the hidden ones)."""
    importlib.import_module("nncourse.checks")
    found = REGISTRY.get(name)
    visible = found is not None and type(found).__module__.startswith("nncourse.checks.")
    return found if visible else None


def _probes(cell) -> list[dict]:
    return [decode(out["data"][PROBE_MIME]) for out in cell.get("outputs", [])
            if out.get("output_type") == "display_data" and PROBE_MIME in out.get("data", {})]


def _error(cell) -> tuple[str, str] | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return out.get("ename", ""), out.get("evalue", "")
    return None


def judge_cell(cell) -> tuple[str, str, Verdict]:
    """(status, description, verdict) of one executed test cell."""
    verdicts, description = [], ""
    for probe in _probes(cell):
        found = _visible_check(probe["check"])
        if found is None:
            return FAIL, "", Verdict.fail(f"unknown check {probe['check']!r}",
                                          "Is the course library up to date (make install)?")
        description = description or found.description
        seen = probe["seen"]
        if str(seen.get("raised") or "").startswith("NotImplementedError"):
            return NOT_YET, description, judge_seen(found, seen, probe.get("args", {}))
        verdicts.append(judge_seen(found, seen, probe.get("args", {})))
    error = _error(cell)
    if not verdicts and error is None and cell.get("execution_count") is None:
        return FAIL, description, Verdict.fail("the test cell did not run (see above).")
    if error and error[0] == "NotImplementedError":
        return NOT_YET, description, Verdict.fail("not implemented yet.")
    if error:
        name, value = error
        hint = ("A function this test uses is not defined: run the cells above it first "
                "(or fix the one that failed)." if name == "NameError" else "")
        return FAIL, description, Verdict.fail(f"the test cell raised {name}: {value}", hint)
    failed = next((v for v in verdicts if not v.passed), None)
    if failed is not None and all(v.not_written for v in verdicts if not v.passed):
        return NOT_YET, description, failed  # every failure is an unwritten stub
    if failed is not None:
        return FAIL, description, failed
    return PASS, description, Verdict.ok()


def check_notebook(path: Path, timeout: int = 600) -> list[Result]:
    """Run the student's notebook at ``path`` and judge each of its graded test cells."""
    notebook = run_notebook(Path(path), timeout=timeout)
    results, exercise = [], ""
    for cell in notebook.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution"):
            exercise = meta.get("grade_id", "")
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        status, description, verdict = judge_cell(cell)
        results.append(Result(exercise or "(no exercise)", meta.get("grade_id", "?"), status,
                              description, verdict.message, list(verdict.hints)))
    return results


TEXT_STUB = "YOUR ANSWER HERE"
"""What a written answer cell holds until the student answers (nbgrader's text stub)."""


@dataclass
class Written:
    """A written answer (a markdown answer cell worth points): graded by the instructor."""

    answer: str  #: grade id of the answer cell
    points: float
    answered: bool


def written_answers(notebook) -> list[Written]:
    """The notebook's written answers (``notebook``: a path or a read notebook). No check
    can grade them: the instructor does, in nbgrader's formgrader."""
    if isinstance(notebook, str | Path):
        notebook = nbformat.read(Path(notebook), as_version=4)
    found = []
    for cell in notebook.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "markdown" and meta.get("grade") and meta.get("solution"):
            text = cell.source.strip()
            found.append(Written(meta.get("grade_id", "?"), float(meta.get("points", 0)),
                                 bool(text) and text != TEXT_STUB))
    return found


# --- printing ---------------------------------------------------------------------------------

def render(path: Path, results: list[Result], hints: int = 1,
           written: list[Written] = ()) -> str:
    """The report for one notebook: exercise by exercise, up to ``hints`` hints per failure;
    then its ``written`` answers, which the instructor grades (they never count as failed)."""
    lines = [f"{path.stem}  ({path})"]
    exercise = None
    for r in results:
        if r.exercise != exercise:
            exercise = r.exercise
            lines.append(f"  {exercise}")
        mark = {PASS: PASS, FAIL: FAIL, NOT_YET: "\u2026"}[r.status]
        label = "not yet: " if r.status == NOT_YET else ""
        lines.append(f"    {mark} {r.test}: {label}{r.description}".rstrip(" :"))
        if r.status == FAIL:
            lines += [f"        {line}" for line in r.message.splitlines()]
            shown = r.hints[:hints]
            lines += [f"        hint {k + 1}: {h}" for k, h in enumerate(shown)]
            if len(r.hints) > len(shown):
                lines.append(f"        ({len(r.hints) - len(shown)} more hint(s): "
                             f"hints={len(shown) + 1} / --more-hints)")
    counts = {s: sum(r.status == s for r in results) for s in (PASS, FAIL, NOT_YET)}
    lines.append(f"  {counts[PASS]} of {len(results)} tests pass, {counts[FAIL]} fail, "
                 f"{counts[NOT_YET]} not yet.")
    if counts[NOT_YET]:
        lines.append("  (not yet: the exercise still has `raise NotImplementedError()`; "
                     "replace it with your code and save.)")
    for answer in written:
        state = "answered" if answer.answered else f"not answered yet ({TEXT_STUB})"
        lines.append(f"  \u270e {answer.answer} ({answer.points:g} point"
                     f"{'s' if answer.points != 1 else ''}): a written answer, graded by your "
                     f"instructor, not by this check: {state}.")
    return "\n".join(lines)


def report(notebook: str | None = None, hints: int = 1, timeout: int = 600) -> list[Result]:
    """Check your saved notebook ``notebook`` ("04", a name or a path; None: all) and print.

    Returns the results (one per graded test cell). Inside the run it starts, does nothing.
    """
    if os.environ.get(INSIDE_VARIABLE):
        return []
    paths = [find_notebook(notebook)] if notebook else all_notebooks()
    results = []
    for path in paths:
        print(f"running {path.name} (a fresh kernel, top to bottom)...", flush=True)
        found = check_notebook(path, timeout=timeout)
        print(render(path, found, hints=hints, written=written_answers(path)), flush=True)
        results += found
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nncourse.selfcheck",
        description="Check your own notebooks: runs your saved notebook and reports each "
                    "exercise (never the solutions or the hidden grading tests).")
    parser.add_argument("notebooks", nargs="*", help='e.g. 04 or 04_backprop (default: all)')
    parser.add_argument("--hints", type=int, default=1, help="hint layers to show (default 1)")
    parser.add_argument("--more-hints", action="count", default=0,
                        help="one more hint layer (repeatable)")
    args = parser.parse_args(argv)
    hints = args.hints + args.more_hints
    results = []
    for name in args.notebooks or [None]:
        results += report(name, hints=hints)
    return 0 if results and all(r.status == PASS for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
