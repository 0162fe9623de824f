"""Every local file README.md and docs/*.md link to exists, relative to the linking file
(as GitHub resolves it), and the graded interface is a document of the repository."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import ROOT

LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def local_links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    targets = LINK.findall(text) + HTML.findall(text)
    return [t for t in targets
            if not re.match(r"[a-z][a-z0-9+.-]*:", t, re.IGNORECASE) and not t.startswith("#")]


def missing(path: Path) -> list[str]:
    return [t for t in local_links(path)
            if not (path.parent / unquote(t.split("#")[0])).exists()]


def test_every_linked_local_file_exists():
    broken = {str(p.relative_to(ROOT)): missing(p) for p in documents() if missing(p)}
    assert not broken, broken


def test_the_readme_links_its_screenshots_and_the_curriculum():
    links = local_links(ROOT / "README.md")
    assert any(link.startswith("docs/screenshots/") for link in links)
    assert "docs/curriculum.md" in links


def test_a_broken_link_is_found(tmp_path):
    page = tmp_path / "page.md"
    (tmp_path / "there.png").write_bytes(b"")
    page.write_text("![ok](there.png) ![gone](screenshots/x.png) [web](https://example.org)\n"
                    "```\n[in code](not/checked.md)\n```\n<img src=\"also/gone.png\">\n")
    assert missing(page) == ["screenshots/x.png", "also/gone.png"]


# --- the instructor's recipes (issue 24) --------------------------------------------------

GRADES = ["grading/grades.csv", "grading/lms/canvas.csv", "grading/results/kim/x.json",
          "course/grades.csv", "course/total_grades.csv", "course/gradebook.db",
          "course/submitted/kim/01_neuron_and_xor/01_neuron_and_xor.ipynb",
          "canvas.zip", "moodle-download.zip", "grading-spring/grades.csv",
          # nbgrader export --to, run at the top or in course/; sqlite's journal; downloads
          "course/export.csv", "grades.csv", "total_grades.csv",
          "course/gradebook.db-journal", "downloads/canvas/x_1_2_y.ipynb",
          # round 5, L2: nbgrader's log and sqlite's write-ahead log
          "course/.nbgrader.log", "course/gradebook.db-wal", "course/gradebook.db-shm",
          # review 24e L2: a download unzipped at the top, a --course-work folder inside
          "canvas/leekim_501_9001_01.ipynb",
          "Moodle Download/Kim_1_assignsubmission_file/a.ipynb", "course-spring/gradebook.db",
          "course-spring/submitted/kim/01_neuron_and_xor/01_neuron_and_xor.ipynb",
          "course-spring/autograded/kim/01_neuron_and_xor/01_neuron_and_xor.ipynb",
          "course-spring/feedback/kim/01_neuron_and_xor/01_neuron_and_xor.html",
          # review 24f M1: nbgrader export with NNCOURSE_WORK=<a --course-work folder>
          "term2/total_grades.csv",
          # review 24h M2: the grader reads .ipynb in any case
          "canvasdl/kim_501_9001_01.IPYNB", "canvasdl/lee_502_9002_01.Ipynb"]


def test_student_grades_are_never_committed():
    for path in GRADES:
        done = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT)
        assert done.returncode == 0, f"{path} is not git-ignored"


def test_the_ignore_rules_keep_every_tracked_file_tracked():
    """Review 24e L2's rules ignore student work by its kind (every notebook but the
    course's own, every gradebook and nbgrader student folder): none of the course's own
    files is ignored, the released and solution notebooks included."""
    ignored = subprocess.run(["git", "ls-files", "-i", "-c", "--exclude-standard"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    assert ignored == ""
    for path in ("solutions/01_neuron_and_xor/01_neuron_and_xor.ipynb",
                 "notebooks/06_regularization/06_regularization.ipynb"):
        done = subprocess.run(["git", "check-ignore", "-q", "--no-index", path], cwd=ROOT)
        assert done.returncode == 1, f"{path} is git-ignored"


def recipes() -> list[str]:
    """The bash blocks of the README's "Three ways to collect and return work", in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Three ways to collect and return work", 1)[1]
    section = section.split("\n### ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)


def test_the_recipes_are_the_three_paths():
    blocks = recipes()
    assert len(blocks) == 5, blocks
    assert "release_assignment" in blocks[0] and "collect" in blocks[1]
    assert "--force" in blocks[2] and "release_feedback" in blocks[2]  # after formgrader
    assert "SUBMISSIONS=canvas.zip" in blocks[3] and "make lms" in blocks[3]
    assert "make gradescope" in blocks[4]
    for block in blocks:  # a fresh shell has no .venv/bin on its PATH
        assert not re.search(r"^(nbgrader|jupyter)\b", block, re.MULTILINE) or \
            block.startswith("source .venv/bin/activate"), block


def copy_of_the_repository(target: Path) -> Path:
    """The repository's files (tracked and new, not ignored) with their dates, and its
    installed virtual environment."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    (target / ".venv").symlink_to(ROOT / ".venv")
    return target


def fresh_shell(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(["/bin/bash", "-e", "-c", script], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, script + done.stdout[-3000:] + done.stderr[-3000:]
    return done


@pytest.mark.slow
@pytest.mark.timeout(2400)
def test_the_instructor_recipes_run_in_a_fresh_shell(tmp_path):
    import nbformat

    from autograder.notebooks import filled_notebook, solution_sources

    a = "01_neuron_and_xor"
    repo = copy_of_the_repository(tmp_path / "repo")
    exchange = tmp_path / "exchange"
    exchange.mkdir(mode=0o777)
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
           "NNCOURSE_EXCHANGE": str(exchange)}
    assert subprocess.run(["/bin/bash", "-c", "command -v nbgrader"], env=env).returncode
    blocks = recipes()
    # JupyterHub: release; a student fetches and submits; collect, grade, feedback
    fresh_shell(blocks[0], repo, env)
    student = home / "kim"
    student.mkdir()
    as_student = dict(env, HOME=str(student), PATH=f"{repo / '.venv' / 'bin'}:/usr/bin:/bin")
    code = ("import sys, nbgrader.utils as u; u.get_osusername = lambda: 'kim'\n"
            "from nbgrader.apps.nbgraderapp import main; sys.exit(main())")
    course = ["--course", "nn-from-the-neuron-up", f"--Exchange.root={exchange}"]
    python = str(repo / ".venv" / "bin" / "python")
    subprocess.run([python, "-c", code, "fetch_assignment", a, *course], cwd=student,
                   env=as_student, check=True, capture_output=True, timeout=600)
    fetched = student / a / f"{a}.ipynb"
    nbformat.write(filled_notebook(a, solution_sources(a), fetched), fetched)
    subprocess.run([python, "-c", code, "submit", a, *course], cwd=student, env=as_student,
                   check=True, capture_output=True, timeout=600)
    fresh_shell(blocks[1], repo, env)
    with open(repo / "grading" / "grades.csv", encoding="utf-8") as handle:
        assert [row["student"] for row in csv.DictReader(handle)] == ["kim"]
    fresh_shell(blocks[2], repo, env)  # formgrader not used here: the re-release still runs
    with open(repo / "course" / "total_grades.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["student_id"] for row in rows] == ["kim"] and rows[0]["timestamp"]
    # an LMS download
    with zipfile.ZipFile(repo / "canvas.zip", "w") as zipped:
        zipped.writestr(f"leekim_501_9001_{a}.ipynb",
                        nbformat.writes(filled_notebook(a, solution_sources(a))))
    fresh_shell(blocks[3], repo, env)
    with open(repo / "grading" / "lms" / "canvas.csv", encoding="utf-8") as handle:
        assert [row["ID"] for row in csv.DictReader(handle)] == ["", "501"]
    # Gradescope
    fresh_shell(blocks[4], repo, env)
    with zipfile.ZipFile(repo / "dist" / "gradescope" / f"{a}.zip") as zipped:
        assert {"setup.sh", "run_autograder"} <= set(zipped.namelist())


def test_make_grade_takes_a_download_whose_name_has_spaces():
    """Moodle names its download after the assignment: ``make grade SUBMISSIONS="CS101
    Notebook 1.zip"`` must pass it as one argument (and OUT too)."""
    import subprocess

    shown = subprocess.run(["make", "-n", "grade", "lms", "SUBMISSIONS=CS101 Notebook 1.zip",
                            "OUT=my grades"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout
    assert 'grade "CS101 Notebook 1.zip" --out "my grades"' in shown
    assert 'lms --out "my grades"' in shown


def test_documented_commands_name_the_project_s_python():
    """A fresh shell has no ``python`` on PATH (or the system's): every command line in the
    README's code blocks and in docs/grading-at-scale.md, and every inline ``python -m
    autograder`` an instructor is told to type, goes through ``.venv/bin/python`` or
    ``make``."""
    for path in (ROOT / "README.md", ROOT / "docs" / "grading-at-scale.md"):
        text = path.read_text()
        blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", text, re.S)
        for line in "\n".join(blocks).splitlines():
            assert not re.match(r"\s*python3?\s", line), (path.name, line)
        typed = r"`([^`]*python -m autograder (?:merge|grade|lms) [^`]*--out[^`]*)`"
        for found in re.findall(typed, text):
            assert ".venv/bin/python" in found or "make" in found or "--help" in found, \
                (path.name, found)


def test_the_readme_says_which_lms_times_are_submission_times_and_moodle_s_key():
    """Issue 24, LOWs and M5: Canvas's download carries no submission time (the README once
    said its zip entry's date was one), and Moodle's worksheet is matched on the per-assignment
    participant id, written only in its own assignment's worksheet."""
    text = " ".join((ROOT / "README.md").read_text().split())
    assert "Canvas and Moodle: the zip entry's date" not in text
    due = text[text.index("**Due dates and late work.**"):]
    due = due[: due.index("**LMS downloads")]
    assert "Canvas's download carries no submission time" in due
    moodle = next(line for line in (ROOT / "README.md").read_text().splitlines()
                  if line.startswith("| Moodle |"))
    assert "**one assignment's**" in moodle and "matches rows on" in moodle
    assert "never as a 0 in another notebook's" in moodle
