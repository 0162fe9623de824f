"""Plots for the lessons: decision boundaries, truth tables, learning curves, computation graphs.

Colours come from the Okabe-Ito palette, which stays distinguishable with the common forms
of colour blindness; every plot has a title and labelled axes, sized for a laptop screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
             "#000000"]
FIGSIZE = (6.4, 4.0)
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def use_course_style() -> None:
    """Set matplotlib's defaults: colour-blind-safe colour cycle, laptop-sized figures."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update({
        "axes.prop_cycle": cycler(color=OKABE_ITO),
        "figure.figsize": FIGSIZE,
        "figure.dpi": 90,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.titlesize": 11,
        "image.cmap": "cividis",
    })


def _axes(ax=None, figsize=FIGSIZE):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_decision_boundary(predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray,
                           y: np.ndarray, ax=None, title: str = "Decision boundary",
                           resolution: int = 200, margin: float = 0.5, levels=(0.5,)):
    """Shade ``predict`` over the plane around ``X`` and draw its 0.5 contour and the data.

    predict: maps (M, 2) points to (M,) scores in [0, 1] (or class ids).
    X: (N, 2) points; y: (N,) labels, drawn with a marker and colour per class.
    """
    ax = _axes(ax)
    X = np.asarray(X, dtype=np.float64)
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    xs, ys = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    points = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    scores = np.asarray(predict(points), dtype=np.float64).reshape(grid_x.shape)
    shade = ax.contourf(grid_x, grid_y, scores, levels=20, cmap="cividis", alpha=0.55)
    ax.contour(grid_x, grid_y, scores, levels=list(levels), colors="black", linewidths=1.5)
    for k, label in enumerate(np.unique(y)):
        members = np.asarray(y) == label
        ax.scatter(X[members, 0], X[members, 1], s=70, marker=MARKERS[k % len(MARKERS)],
                   color=OKABE_ITO[k % len(OKABE_ITO)], edgecolors="black",
                   label=f"class {label:g}", zorder=3)
    ax.figure.colorbar(shade, ax=ax, label="network output")
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title)
    ax.legend(loc="upper right", fontsize=8)
    return ax


def plot_truth_tables(tables: dict[str, np.ndarray], inputs: np.ndarray, axes=None):
    """One small square per gate: the four inputs coloured by the target (0 or 1), with
    the marker and colour of that class everywhere else (plot_decision_boundary)."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, len(tables), figsize=(2.4 * len(tables), 2.6))
    for ax, (gate, target) in zip(np.atleast_1d(axes), tables.items()):
        for (x1, x2), t in zip(inputs, target):
            k = int(t)
            ax.scatter(x1, x2, s=260, marker=MARKERS[k], color=OKABE_ITO[k],
                       edgecolors="black")
            ax.annotate(f"{t:g}", (x1, x2), ha="center", va="center", color="white",
                        fontweight="bold")
        ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xticks=[0, 1], yticks=[0, 1],
               xlabel="$x_1$", ylabel="$x_2$", title=gate.upper())
    return axes


def plot_curves(curves: dict[str, Sequence[float]], ax=None, title: str = "Learning curves",
                xlabel: str = "epoch", ylabel: str = "loss", logy: bool = False):
    """Line plot of several per-epoch curves on one axis (epochs counted from 0)."""
    ax = _axes(ax)
    for k, (label, values) in enumerate(curves.items()):
        ax.plot(np.arange(len(values)), values, marker=MARKERS[k % len(MARKERS)],
                markersize=3, label=label)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if logy:
        ax.set_yscale("log")
    ax.legend()
    return ax


def plot_history(history: dict[str, Sequence[float]], title: str = "Training history"):
    """Losses on the left, accuracies (keys containing "acc") on the right."""
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    plot_curves({k: v for k, v in history.items() if "acc" not in k}, ax=left,
                title=f"{title}: loss")
    plot_curves({k: v for k, v in history.items() if "acc" in k}, ax=right,
                title=f"{title}: accuracy", ylabel="accuracy")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------------
# Computation graphs: a plain node class and a drawing of any graph of nodes (notebook 04)
# --------------------------------------------------------------------------------------------


class Node:
    """A node of a computation graph written by hand (no arithmetic, no backward).

    label: name shown in drawings; data: forward value; prev: tuple of input nodes;
    op: the operation that made it ('' for a leaf); grad: d(root)/d(node), if known.
    The inputs live in ``_prev``, as in the notebook's ``Value``.
    """

    def __init__(self, label: str, data: float, prev=(), op: str = "", grad: float = 0.0):
        self.label = label
        self.data = float(data)
        self._prev = tuple(prev)
        self._op = op
        self.grad = float(grad)

    def __repr__(self) -> str:
        return f"Node({self.label!r}, data={self.data:.4g}, grad={self.grad:.4g})"


def _graph_nodes(root) -> list:
    """Every node reachable from ``root`` (inputs through ``_prev``), each once."""
    seen, stack, nodes = set(), [root], []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        stack.extend(getattr(node, "_prev", ()))
    return nodes


def _columns(root) -> dict[int, int]:
    """id(node) -> the column a node is drawn in: ``root`` on the right, every other node
    as many columns to its left as the fewest steps from it to ``root``. A graph that
    reuses a node may draw an arrow upwards or to the left: the layout is a picture of
    distances to the output, not an order the nodes can be computed in (that order is
    notebook 04's exercise)."""
    steps, frontier = {id(root): 0}, [root]
    while frontier:
        following = []
        for node in frontier:
            for parent in getattr(node, "_prev", ()):
                if id(parent) not in steps:
                    steps[id(parent)] = steps[id(node)] + 1
                    following.append(parent)
        frontier = following
    far = max(steps.values())
    return {key: far - value for key, value in steps.items()}


def draw_graph(root, ax=None, title: str = "Computation graph", show_grad: bool = True,
               show_data: bool = True):
    """Draw the graph that ends in ``root``: inputs on the left, ``root`` on the right.

    Works for any node with ``.data``, ``.grad``, ``._prev`` and ``._op`` (and, if present,
    ``.label``). Each box shows the node's label, its value (forward) and, if ``show_grad``,
    its gradient (backward, in orange); ``show_data=False`` draws the structure only (names
    and operations). Each arrow carries a value from an input to the node
    made from it, and the operation is written on the receiving box.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    nodes = _graph_nodes(root)
    column = _columns(root)
    columns: dict[int, list] = {}
    for node in nodes[::-1]:
        columns.setdefault(column[id(node)], []).append(node)
    where = {}
    for column, members in columns.items():
        for row, node in enumerate(members):
            where[id(node)] = (column * 2.2, (len(members) - 1) / 2 - row)
    width = max(columns) * 2.2 + 2.0
    height = max(len(m) for m in columns.values())
    if ax is None:
        _, ax = plt.subplots(figsize=(min(2.3 + 1.9 * (max(columns) + 1), 14.0),
                                      min(1.2 + 1.1 * height, 9.0)))
    for node in nodes:
        x, y = where[id(node)]
        for parent in set(map(id, getattr(node, "_prev", ()))):
            px, py = where[parent]
            ax.annotate("", xy=(x - 0.75, y), xytext=(px + 0.75, py),
                        arrowprops={"arrowstyle": "-|>", "color": "0.45", "lw": 1.2,
                                    "shrinkA": 2, "shrinkB": 2})
    for node in nodes:
        x, y = where[id(node)]
        op = getattr(node, "_op", "")
        leaf = not getattr(node, "_prev", ())
        label = getattr(node, "label", "") or ("constant" if leaf else "")
        color = "#56B4E9" if leaf else "#E8E8E8"
        ax.add_patch(FancyBboxPatch((x - 0.75, y - 0.36), 1.5, 0.72,
                                    boxstyle="round,pad=0.02", fc=color, ec="0.3", lw=1.0))
        head = f"{label} ({op})" if op and label else (op or label)
        ax.text(x, y + 0.17, head, ha="center", va="center", fontsize=9, fontweight="bold")
        if show_data:
            ax.text(x, y - 0.02, f"data {node.data:.4g}", ha="center", va="center",
                    fontsize=8.5)
        if show_grad:
            ax.text(x, y - 0.2, f"grad {node.grad:.4g}", ha="center", va="center",
                    fontsize=8.5, color="#D55E00")
    ax.set_xlim(-1.0, width - 1.0)
    ax.set_ylim(-height / 2 - 0.2, height / 2 + 0.2)
    ax.set_title(title)
    ax.set_xlabel("forward: left to right  \u2192     \u2190  backward: right to left")
    ax.set_yticks([])
    ax.set_xticks([])
    ax.grid(False)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    return ax
