"""The student's experience in a real browser: JupyterLab 4, as `make lab` starts it.

For every student notebook (a scratch copy of notebooks/): open it, Run > Run All Cells (it
stops at the first unanswered exercise, as it does for a student), keep running the rest with
Run > Run Selected Cell and All Below, and check that the first exercise's test cell fails
with "not implemented yet" and its hint. Then type the instructor's answer into the first
exercise's cell, run it and everything below, see that exercise's tests pass and the
notebook's plots render, click nbgrader's Validate button and read its verdict.

Chromium is Debian's (/usr/bin/chromium, installed by `make browser`); without it the tests
are skipped with a reason. Screenshots go to a temporary folder, or to docs/screenshots/
when NNCOURSE_SCREENSHOTS=docs (`make screenshots`). NNCOURSE_BROWSER_RELEASE=<folder> runs
the test on other student notebooks (e.g. a deliberately broken copy) instead of notebooks/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from labserver import TOKEN, running_lab

from autograder.notebooks import (
    RELEASE,
    assignments,
    grade_id,
    is_graded,
    is_solution,
    solution_sources,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}
SOURCE = Path(os.environ.get("NNCOURSE_BROWSER_RELEASE", RELEASE))
SHOTS = ROOT / "docs" / "screenshots"
# The text of a cell's error outputs: stderr outputs that hold a traceback.
ERROR_JS = """(cell => Array.from(cell.querySelectorAll(
    ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"))
  .map(o => o.innerText).filter(t => /Traceback|\\w+Error\\b/.test(t)).join("\\n"))"""

pytestmark = [
    pytest.mark.skipif(os.environ.get("NNCOURSE_BROWSER") != "1",
                       reason="slow (about 2 minutes a notebook): `make test-browser` runs it"),
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="no /usr/bin/chromium: run `make browser` first"),
]


# --- the server, started with `make lab`'s own command line ----------------------------------

class Lab:
    def __init__(self, root: Path, base: str):
        self.root, self.base = root, base

    def url(self, assignment: str) -> str:
        # a workspace of its own, reset: only this notebook open, whatever ran before
        return (f"{self.base}/lab/workspaces/{assignment}/tree/{assignment}/{assignment}.ipynb"
                f"?reset&token={TOKEN}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("notebooks")
    for assignment in assignments():
        if (SOURCE / assignment).is_dir():
            shutil.copytree(SOURCE / assignment, root / assignment)
    state = tmp_path_factory.mktemp("lab-state")
    # All cells in the page (JupyterLab 4 otherwise renders only the cells in view).
    tracker = state / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    news = state / "settings" / "@jupyterlab" / "apputils-extension"  # no news pop-up
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(state / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"))
    try:
        with running_lab(root, state / "lab.log", env) as base:
            yield Lab(root, base)
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    if os.environ.get("NNCOURSE_SCREENSHOTS") == "docs":
        SHOTS.mkdir(parents=True, exist_ok=True)
        return SHOTS
    return tmp_path_factory.mktemp("screenshots")


# --- driving the notebook --------------------------------------------------------------------

class Notebook:
    """One open notebook page; cells are addressed by their index in the .ipynb file."""

    def __init__(self, page, cell_count: int):
        self.page = page
        self.cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
        self.cells.nth(cell_count - 1).wait_for(timeout=120_000)
        assert self.cells.count() == cell_count
        self.wait_idle()

    def cell(self, index: int):
        return self.cells.nth(index)

    def menu(self, menu: str, item: str) -> None:
        self.page.locator(f".lm-MenuBar-itemLabel:text-is('{menu}')").click()
        self.page.locator(f".lm-Menu-itemLabel:text-is('{item}')").click()

    def prompts(self) -> list[str]:
        return self.cells.evaluate_all(
            "cells => cells.map(c => (c.querySelector('.jp-InputPrompt') || {}).innerText || '')")

    def wait_idle(self, timeout: float = 900) -> None:
        """Until the kernel is idle, no cell waits to run ([*]), for one second in a row."""
        indicator = self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) "
                                      ".jp-Notebook-ExecutionIndicator")
        deadline, quiet_since = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            busy = (indicator.count() == 0
                    or indicator.first.get_attribute("data-status") != "idle"
                    or any("*" in p for p in self.prompts()))
            if busy:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > 1.0:
                return
            time.sleep(0.25)
        raise AssertionError("the kernel did not become idle")

    def select(self, index: int) -> None:
        self.page.keyboard.press("Escape")
        self.cell(index).locator(".jp-InputPrompt").first.click()

    def errors(self) -> list[int]:
        """Indexes of the cells showing a traceback."""
        texts = self.cells.evaluate_all(f"cells => cells.map(c => {ERROR_JS}(c))")
        return [i for i, text in enumerate(texts) if text]

    def error_text(self, index: int) -> str:
        """The traceback shown under a cell (empty if none)."""
        return self.cell(index).evaluate(f"c => {ERROR_JS}(c)")

    def output_text(self, index: int) -> str:
        return "\n".join(self.cell(index).locator(".jp-OutputArea-output").all_inner_texts())

    def run_from(self, start: int, stops: list[int]) -> None:
        """Run cell ``start`` and all below; after an error, go on from the next cell."""
        last = self.cells.count() - 1
        while start <= last:
            self.select(start)
            self.menu("Run", "Run Selected Cell and All Below")
            self.wait_idle()
            self.close_menus()
            failed = [i for i in self.errors() if i >= start]
            if not failed:
                return
            stops.append(failed[0])
            start = failed[0] + 1

    def type_into(self, index: int, source: str) -> None:
        """Replace a cell's text by typing it (inserted as typed text: no auto-indent)."""
        self.page.keyboard.press("Escape")
        editor = self.cell(index).locator(".cm-content")
        editor.click()
        self.page.keyboard.press("Control+a")
        self.page.keyboard.press("Delete")
        self.page.keyboard.insert_text(source)
        self.page.keyboard.press("Escape")

    def close_menus(self) -> None:
        for _ in range(5):
            if not self.page.locator(".lm-Menu").count():
                return
            self.page.keyboard.press("Escape")
            time.sleep(0.2)

    def shot(self, locator, path: Path) -> None:
        self.close_menus()
        locator.scroll_into_view_if_needed()
        locator.screenshot(path=str(path))


FIGURE_CALL = re.compile(r"plt\.(show|subplots|figure|plot)\(|(^|[\s=(])plot_\w+\(", re.M)


def plot_cells(notebook) -> list[int]:
    """Cells that draw a figure: not exercises or tests, and they call plt or plot_*."""
    return [i for i, c in enumerate(notebook.cells)
            if c.cell_type == "code" and not is_graded(c)
            and not is_solution(c) and FIGURE_CALL.search(c.source)]


def first_exercise(notebook) -> tuple[int, list[int], list[int]]:
    """The first solution cell with graded test cells after it, those test cells, and the
    solution cells before it (notebook 02 first asks for notebook 01's functions, pasted into
    a cell with no test of its own)."""
    cells = notebook.cells
    answers = [i for i, c in enumerate(cells) if c.cell_type == "code" and is_solution(c)]
    for number, start in enumerate(answers):
        end = answers[number + 1] if number + 1 < len(answers) else len(cells)
        tests = [i for i in range(start + 1, end)
                 if is_graded(cells[i])]
        if tests:
            return start, tests, answers[:number]
    raise AssertionError("no exercise has a graded test cell")


NEEDS_MESSAGE = re.compile(r"This (demo|cell) (uses|needs|stopped at) ")
"""What a demo cell prints instead of a figure while an exercise it uses is unanswered."""


def assert_only_unanswered_errors(nb: Notebook, notebook) -> None:
    """Every traceback on the page comes from an exercise not answered yet.

    That is a NotImplementedError, a test's "not implemented yet", or a NameError for a name
    that an earlier failing cell would have defined.
    """
    errors = {i: nb.error_text(i) for i in nb.errors()}
    unexplained = {}
    for i, text in errors.items():
        if "NotImplementedError" in text or "not implemented yet" in text:
            continue
        missing = re.search(r"NameError: name '(\w+)' is not defined", text)
        if missing and any(re.search(rf"\b{missing.group(1)}\b", notebook.cells[j].source)
                           for j in errors if j < i):
            continue
        unexplained[i] = text
    assert not unexplained, "cells fail for another reason than an unanswered exercise:\n" + (
        "\n".join(f"cell {i}: {text[-800:]}" for i, text in unexplained.items()))


def check_widget(nb: Notebook, notebook, assignment: str, widget_cell: int,
                 shots: Path) -> None:
    """Type every answer above ``widget_cell``, run up to it; a slider redraws the plot."""
    answers = solution_sources(assignment)
    above = [i for i in range(widget_cell) if is_solution(notebook.cells[i])
             and notebook.cells[i].cell_type == "code"]
    for i in above:
        nb.type_into(i, answers[grade_id(notebook.cells[i])])
    nb.select(above[0])
    for _ in range(above[0], widget_cell + 1):
        nb.page.keyboard.press("Shift+Enter")
    nb.wait_idle()
    assert not nb.error_text(widget_cell), nb.error_text(widget_cell)[-1500:]
    output = nb.cell(widget_cell).locator(".jp-Cell-outputArea")
    slider = output.locator(".widget-slider, .jupyter-widget-slider").first
    slider.wait_for(timeout=60_000)
    plot = output.locator(".widget-output img, .jupyter-widget-output img").last
    plot.wait_for(timeout=60_000)
    before = plot.get_attribute("src")
    handle = slider.locator(".noUi-handle, .ui-slider-handle, [role=slider]").first
    handle.focus()
    for _ in range(5):
        nb.page.keyboard.press("ArrowRight")
    nb.wait_idle()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = output.locator(".widget-output img, .jupyter-widget-output img").last
        if now.count() and now.get_attribute("src") != before:
            break
        time.sleep(0.5)
    else:
        raise AssertionError("moving the slider did not redraw the plot")
    box = output.locator(".widget-interact, .jupyter-widget-interact")
    nb.shot(box.first if box.count() else output, shots / f"{assignment}-widget.png")


# --- the test --------------------------------------------------------------------------------

@pytest.mark.parametrize("assignment", assignments())
def test_student_experience_in_jupyterlab(lab, browser, shots, assignment):
    started = time.monotonic()
    if not (lab.root / assignment / f"{assignment}.ipynb").exists():
        pytest.skip(f"{assignment} has no student notebook yet (make release)")
    notebook = nbformat.read(lab.root / assignment / f"{assignment}.ipynb", as_version=4)
    exercise, tests, before = first_exercise(notebook)
    first = before[0] if before else exercise
    page = browser.new_page(viewport=VIEWPORT)
    try:
        page.goto(lab.url(assignment))
        nb = Notebook(page, len(notebook.cells))
        page.screenshot(path=str(shots / f"{assignment}-lesson.png"))

        # 1. Run All stops at the first unanswered exercise (a "try it" cell or its test).
        nb.select(0)
        nb.menu("Run", "Run All Cells")
        nb.wait_idle()
        failed = nb.errors()
        assert failed, "Run All Cells on the unanswered notebook raised no error"
        assert first < failed[0] <= tests[0] or failed[0] in before, (
            f"Run All stopped at cell {failed[0]}, expected at the first exercise "
            f"(cells {first}..{tests[0]}):\n{nb.error_text(failed[0])[-1500:]}")
        assert "NotImplementedError" in nb.error_text(failed[0])
        stops = [failed[0]]
        nb.run_from(failed[0] + 1, stops)
        assert_only_unanswered_errors(nb, notebook)
        prompts = nb.prompts()
        unrun = [i for i, c in enumerate(notebook.cells)
                 if c.cell_type == "code" and "[ ]" in prompts[i]]
        assert not unrun, f"cells never ran: {unrun}"
        shown = nb.error_text(tests[0])
        assert "not implemented yet" in shown, shown[-1500:]
        assert "hint: Replace the `raise NotImplementedError()`" in shown, shown[-1500:]
        nb.shot(nb.cell(tests[0]), shots / f"{assignment}-test-failing.png")

        # 2. Type the answer into the first exercise (and any answer cell before it), run it
        # and everything below.
        for cell in [*before, exercise]:
            nb.type_into(cell, solution_sources(assignment)[grade_id(notebook.cells[cell])])
            typed = nb.cell(cell).locator(".cm-content").inner_text()
            assert "raise NotImplementedError" not in typed
        nb.run_from(first, [])
        assert_only_unanswered_errors(nb, notebook)
        for test in tests:
            assert not nb.error_text(test), (
                f"test cell {test} still fails after the answer was typed:\n"
                f"{nb.error_text(test)[-1500:]}")
            assert "\u2714" in nb.output_text(test)
        nb.shot(nb.cell(tests[0]), shots / f"{assignment}-test-passing.png")

        # 3. Plots render: every figure cell that ran without error shows an image, or says
        # which unanswered exercise it waits for.
        images = [i for i in range(len(notebook.cells))
                  if nb.cell(i).locator(".jp-OutputArea-output img").count()]
        missing = [i for i in plot_cells(notebook) if not nb.error_text(i) and i not in images
                   and not NEEDS_MESSAGE.search(nb.output_text(i))]
        assert not missing, f"figure cells without a rendered image: {missing}"
        assert images, "no plot rendered, even with the first exercise answered"
        nb.shot(nb.cell(images[0]).locator(".jp-OutputArea-output img").first,
                shots / f"{assignment}-plot.png")

        # 4. nbgrader's Validate button: the other exercises are still unanswered.
        page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar-item",
                     has_text="Validate").first.click()
        dialog = page.locator(".jp-Dialog", has_text="Validation Results")
        dialog.wait_for(timeout=900_000)
        verdict = dialog.locator(".jp-Dialog-body").inner_text()
        exercises = sum(1 for c in notebook.cells if c.cell_type == "code" and is_solution(c))
        if exercises == 1:
            assert "Success! Your notebook passes all the tests." in verdict, verdict[:2000]
        else:
            assert "The following cell failed" in verdict, verdict[:2000]
            assert "not implemented yet" in verdict, verdict[:2000]
            for test in tests:
                assert notebook.cells[test].source.strip().splitlines()[-1] not in verdict, (
                    f"Validate still fails the answered exercise's test cell {test}")
        dialog.screenshot(path=str(shots / f"{assignment}-validate.png"))
        dialog.locator("button", has_text="Ok").first.click()

        # 5. An ipywidgets cell: answer the exercises above it, run them, move a slider.
        widget_cell = next((i for i, c in enumerate(notebook.cells)
                            if c.cell_type == "code" and "ipywidgets" in c.source), None)
        if widget_cell is not None:
            check_widget(nb, notebook, assignment, widget_cell, shots)
    except Exception:
        failed_shot = Path(tempfile.gettempdir()) / f"nncourse-browser-{assignment}-FAILED.png"
        page.screenshot(path=str(failed_shot), full_page=True)
        print(f"the page when the test failed: {failed_shot}")
        raise
    finally:
        page.close()
    print(f"{assignment}: browser walk-through in {time.monotonic() - started:.0f} s "
          f"(stops at cells {stops})")
