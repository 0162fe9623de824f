"""Plots for the lessons: decision boundaries, truth tables, learning curves.

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
    """One small square per gate: the four inputs coloured by the target (0 or 1)."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, len(tables), figsize=(2.4 * len(tables), 2.6))
    for ax, (gate, target) in zip(np.atleast_1d(axes), tables.items()):
        for (x1, x2), t in zip(inputs, target):
            ax.scatter(x1, x2, s=260, marker="o" if t else "s",
                       color=OKABE_ITO[4] if t else OKABE_ITO[0], edgecolors="black")
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
