"""Every figure of every solution notebook is readable: titled, labelled, course palette.

Each solution notebook runs with matplotlib's Agg backend (``plt.show()`` and ``plt.close()``
keep the figures open); a cell appended at the end describes every figure that was drawn,
and which cell drew it. Rules (see nncourse.plots): each plotting axes has a title (or the
figure a suptitle), an x and a y label (a label on a shared axis, on the same row or column of a
grid, or at figure level counts; colour bars, axes drawn with ``axis("off")``, axes without
ticks (images, diagrams) and axes whose ticks are words are exempt), every line is drawn
in a colour of the Okabe-Ito palette (or a neutral grey), and the figure fits a laptop
screen.
"""

import json

import nbformat
import pytest

from autograder.notebooks import SOLUTIONS, assignments, execute, source_notebook

MAX_SIZE = (14.0, 10.0)  # inches at dpi 90: about 1260 x 900 pixels

RECORD = '''
import matplotlib
import matplotlib.pyplot as _plt
from IPython import get_ipython as _ip
_plt.close = lambda *args, **kwargs: None
_NNCOURSE_CELL_OF = {}
def _nncourse_record(result):
    for _n in _plt.get_fignums():
        _NNCOURSE_CELL_OF.setdefault(_n, result.execution_count)
_ip().events.register("post_run_cell", _nncourse_record)
'''

DESCRIBE = '''
import json as _json
from matplotlib.colors import to_hex as _hex
import re as _re
from matplotlib.category import StrCategoryFormatter as _Cat
from matplotlib.ticker import FixedFormatter as _Fixed
def _nncourse_grid(ax, attr):
    spec = ax.get_subplotspec() if hasattr(ax, "get_subplotspec") else None
    if spec is None:
        return [ax]
    return [a for a in ax.figure.axes if hasattr(a, "get_subplotspec") and a.get_subplotspec()
            and getattr(a.get_subplotspec(), attr) == getattr(spec, attr)]
def _nncourse_axes(ax):
    sx = list(ax.get_shared_x_axes().get_siblings(ax)) + _nncourse_grid(ax, "colspan")
    sy = list(ax.get_shared_y_axes().get_siblings(ax)) + _nncourse_grid(ax, "rowspan")
    words = lambda axis: isinstance(axis.get_major_formatter(), (_Cat, _Fixed)) or any(
        _re.search(r"[A-Za-z]{2,}", _re.sub(r"\\$[^$]*\\$", "", t.get_text()))
        for t in axis.get_ticklabels())
    return {"title": ax.get_title() or ax.get_title("left") or ax.get_title("right"),
            "xlabel": any(a.get_xlabel() for a in sx), "ylabel": any(a.get_ylabel() for a in sy),
            "axison": bool(ax.axison), "colorbar": hasattr(ax, "_colorbar"),
            "xticks": bool(len(ax.get_xticks())) and ax.xaxis.get_visible()
                      and not words(ax.xaxis),
            "yticks": bool(len(ax.get_yticks())) and ax.yaxis.get_visible()
                      and not words(ax.yaxis),
            "lines": sorted({_hex(l.get_color()) for l in ax.get_lines()})}
print("NNCOURSE-FIGURES " + _json.dumps([
    {"cell": _NNCOURSE_CELL_OF.get(n), "size": list(_plt.figure(n).get_size_inches()),
     "suptitle": bool(_plt.figure(n)._suptitle and _plt.figure(n)._suptitle.get_text()),
     "supxlabel": bool(_plt.figure(n)._supxlabel and _plt.figure(n)._supxlabel.get_text()),
     "supylabel": bool(_plt.figure(n)._supylabel and _plt.figure(n)._supylabel.get_text()),
     "axes": [_nncourse_axes(ax) for ax in _plt.figure(n).axes]}
    for n in _plt.get_fignums()]))
'''


def neutral(colour: str) -> bool:
    r, g, b = (colour[1:3], colour[3:5], colour[5:7])
    return r == g == b


def problems(figures: list[dict]) -> list[str]:
    from nncourse.plots import OKABE_ITO

    palette = {c.lower() for c in OKABE_ITO}
    found = []
    for k, fig in enumerate(figures):
        cell = fig["cell"] - 1 if fig["cell"] else "?"  # the recording cell ran first
        where = f"figure {k + 1} (drawn by cell In [{cell}])"
        if fig["size"][0] > MAX_SIZE[0] or fig["size"][1] > MAX_SIZE[1]:
            found.append(f"{where}: {fig['size'][0]:g}x{fig['size'][1]:g} in, too big")
        for j, ax in enumerate(a for a in fig["axes"] if not a["colorbar"]):
            if not (ax["title"] or fig["suptitle"]):
                found.append(f"{where}, axes {j + 1}: no title")
            if ax["axison"] and ax["xticks"] and not (ax["xlabel"] or fig["supxlabel"]):
                found.append(f"{where}, axes {j + 1}: no x label")
            if ax["axison"] and ax["yticks"] and not (ax["ylabel"] or fig["supylabel"]):
                found.append(f"{where}, axes {j + 1}: no y label")
            odd = [c for c in ax["lines"] if c.lower() not in palette and not neutral(c)]
            if odd:
                found.append(f"{where}, axes {j + 1}: line colours {odd} not in OKABE_ITO")
    return found


@pytest.mark.parametrize("assignment", assignments())
def test_every_figure_is_titled_labelled_and_colour_blind_safe(assignment, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = source_notebook(assignment)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(RECORD))
    notebook.cells.append(nbformat.v4.new_code_cell(DESCRIBE))
    executed, _, _ = execute(notebook, SOLUTIONS / assignment, allow_errors=True, hidden=True)
    text = "".join(out.get("text", "") for out in executed.cells[-1].get("outputs", []))
    assert "NNCOURSE-FIGURES " in text, executed.cells[-1].get("outputs")
    figures = json.loads(text.split("NNCOURSE-FIGURES ", 1)[1])
    assert figures, f"{assignment} draws no figure"
    found = problems(figures)
    assert not found, f"{assignment}: " + "\n".join(found)


def test_the_rules_catch_an_untitled_unlabelled_off_palette_figure():
    bad = {"cell": 3, "size": [20, 5], "suptitle": False, "supxlabel": False,
           "supylabel": False,
           "axes": [{"title": "", "xlabel": False, "ylabel": True, "axison": True,
                     "colorbar": False, "xticks": True, "yticks": True,
                     "lines": ["#1f77b4", "#000000", "#808080"]},
                    {"title": "", "xlabel": False, "ylabel": False, "axison": True,
                     "colorbar": True, "xticks": True, "yticks": True, "lines": []}]}
    found = problems([bad])
    assert len(found) == 4, found
    assert "In [2]" in found[0] and "too big" in found[0]
    assert any("#1f77b4" in f for f in found)
