"""How a failing check looks in a notebook: a red box, never the library's insides.

:func:`failed` makes the :class:`~nncourse.checking.CheckFailed` that ``check`` raises. In
IPython its traceback is replaced (``_render_traceback_``) by the check's message in red:
what was expected, what was seen, the hint. When the student's own function raised, the box
is followed by that exception's frames from the student's code on (the library's frames that
called it are cut), so the line to fix is the last thing shown.

:func:`show_figure`: where a wrong answer is an array (2-D or more, or a long 1-D one), a
small figure of expected, seen and their difference is displayed above the box, so a
transposed gradient or one wrong row is seen at a glance. Only in an interactive kernel;
never while grading (``NNCOURSE_MODE=probe``, ``NBGRADER_EXECUTION``), and never an error
of its own (without matplotlib there is simply no figure).
"""

from __future__ import annotations

import os
import traceback
import warnings
from pathlib import Path
from types import TracebackType

LIBRARY = Path(__file__).resolve().parent
LONG_1D = 10
"""A 1-D answer with at least this many entries gets a figure."""

RED, BOLD_RED, RESET = "\x1b[31m", "\x1b[1;31m", "\x1b[0m"


def _from_library(tb: TracebackType) -> bool:
    return Path(tb.tb_frame.f_code.co_filename).resolve().is_relative_to(LIBRARY)


def students_frames(error: BaseException) -> TracebackType | None:
    """``error``'s traceback from the first frame outside the course library, or ``None``
    when every frame is the library's (then the student's code did not raise it)."""
    tb = error.__traceback__
    while tb is not None and _from_library(tb):
        tb = tb.tb_next
    return tb


def rerun_for_error(check, student: tuple, args: dict, seen: dict,
                    seed: int) -> BaseException | None:
    """The exception the student's function raised under ``check``, with its traceback
    cut to the student's frames; ``None`` when the failure was not the student's exception.

    The probe already ran and recorded only ``"Type: message"``; it is run once more here
    (self-check only) to get the frames back.
    """
    raised = seen.get("raised")
    if not isinstance(raised, str) or raised.startswith(("NotImplementedError", "RuleBroken")):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # shown once already, by the first run
            check.probe(*student, **check.arguments(args, seed),
                        **({"run_seed": seed} if check.fresh else {}))
    except Exception as error:  # noqa: BLE001 - any exception of the student's code
        frames = students_frames(error)
        return error.with_traceback(frames) if frames is not None else None
    return None


def box(message: str) -> list[str]:
    """The check's message as red lines framed on the left (ANSI colours)."""
    lines = [f"{BOLD_RED}\u2718 CheckFailed{RESET}"]
    lines += [f"{RED}\u2502 {line}{RESET}" for line in message.splitlines() or [""]]
    return lines


def _student_traceback(error: BaseException) -> list[str]:
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover - IPython comes with the course
        shell = None
    if shell is not None:
        return shell.InteractiveTB.structured_traceback(type(error), error,
                                                        error.__traceback__)
    return "".join(traceback.format_exception(error)).splitlines()


def failed(message: str, student_error: BaseException | None = None):
    """The ``CheckFailed`` to raise: in IPython it renders as :func:`box` (and, when the
    student's code raised, ``student_error`` with the student's frames), nothing else."""
    from nncourse.checking import CheckFailed

    error = CheckFailed(message)
    error.student_error = student_error

    def render() -> list[str]:
        lines = box(message)
        if student_error is not None:
            lines += ["", f"{BOLD_RED}where your code raised it:{RESET}"]
            lines += _student_traceback(student_error)
        return lines

    error._render_traceback_ = render
    return error


def wants_figure(arrays: dict | None) -> bool:
    """Whether a wrong answer is an array worth drawing (2-D or more, or long 1-D)."""
    if not arrays:
        return False
    seen, expected = arrays.get("seen"), arrays.get("expected")
    shape, other = getattr(seen, "shape", None), getattr(expected, "shape", None)
    if shape is None or other is None:
        return False
    if shape != other:  # only the shape is wrong: both drawn, each in its own shape
        return bool(len(shape) and len(other)) and (
            max(len(shape), len(other)) >= 2 or max(shape[0], other[0]) >= LONG_1D)
    return len(shape) >= 2 or (len(shape) == 1 and shape[0] >= LONG_1D)


def _as_matrix(array):
    """A 2-D view to draw: a row for 1-D, rows by the first axis for more than 2-D."""
    if array.ndim == 1:
        return array[None, :]
    if array.ndim > 2:
        return array.reshape(array.shape[0], -1)
    return array


def difference_figure(arrays: dict):
    """A figure of expected, seen and seen - expected (one row of three heatmaps); when the
    shapes differ, expected and seen each in its own shape (no difference to draw). Ticks
    are whole rows and columns. ``None`` without matplotlib."""
    try:
        import numpy as np
        from matplotlib.figure import Figure
        from matplotlib.ticker import FixedLocator, MaxNLocator
    except ImportError:
        return None
    expected, seen = (_as_matrix(np.asarray(arrays[k], dtype=float))
                      for k in ("expected", "seen"))
    values = np.concatenate([expected.ravel(), seen.ravel()])
    values = values[np.isfinite(values)]
    low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
    shapes = tuple(arrays["expected"].shape), tuple(arrays["seen"].shape)
    panels = [(f"expected {shapes[0]}", expected, "viridis", low, high),
              (f"seen (yours) {shapes[1]}", seen, "viridis", low, high)]
    if shapes[0] == shapes[1]:
        difference = seen - expected
        span = float(np.nanmax(np.abs(np.where(np.isfinite(difference), difference, 0.0)),
                               initial=0.0)) or 1.0
        panels.append(("seen \u2212 expected", difference, "PuOr_r", -span, span))
        title = f"where the answer is off (shape {shapes[1]})"
    else:
        title = f"the shapes differ: expected {shapes[0]}, yours {shapes[1]}"
    figure = Figure(figsize=(2.5 * len(panels), 2.4), layout="constrained")
    axes = figure.subplots(1, len(panels))
    for ax, (label, data, cmap, vmin, vmax) in zip(axes, panels):
        image = ax.imshow(data, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto",
                          interpolation="nearest")
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("column", fontsize=8)
        ax.set_ylabel("row", fontsize=8)
        for axis, count in ((ax.xaxis, data.shape[1]), (ax.yaxis, data.shape[0])):
            # rows and columns are whole numbers: each one when few, else whole steps
            axis.set_major_locator(FixedLocator(range(count)) if count <= 12
                                   else MaxNLocator(integer=True))
        ax.tick_params(labelsize=7)
        figure.colorbar(image, ax=ax, shrink=0.8)
    figure.suptitle(title, fontsize=10)
    return figure


def interactive() -> bool:
    """A student's own kernel: IPython with a kernel, not grading, not nbgrader."""
    if os.environ.get("NNCOURSE_MODE") == "probe" or "NBGRADER_EXECUTION" in os.environ:
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def show_figure(arrays: dict | None) -> bool:
    """Display :func:`difference_figure` when :func:`interactive` and :func:`wants_figure`;
    whether a figure was shown. Never raises."""
    try:
        if not (interactive() and wants_figure(arrays)):
            return False
        figure = difference_figure(arrays)
        if figure is None:
            return False
        import io

        from IPython.display import Image, display

        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=80)
        display(Image(data=buffer.getvalue(), format="png"))
        return True
    except Exception:  # noqa: BLE001 - a picture must never hide the message
        return False
