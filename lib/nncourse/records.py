"""Records of a run that notebooks and graded answers may both use: a per-epoch History and
a wall-clock Timer.

They implement no exercise, so unlike :mod:`nncourse.training` (whose torch trainer is a
reference implementation) this module is one of the few of the course library a graded
function may use (:data:`nncourse.rules.ALLOWED_LIBRARY`): a ``train_mlp`` that times its
epochs with the notebook's ``Timer``, or a ``train_regularized`` that keeps its history in
``History``, keeps full marks.
"""

from __future__ import annotations

import time


class History(dict):
    """Per-epoch lists by name: ``history.add(train_loss=0.3, val_acc=0.9)``."""

    def add(self, **values: float) -> None:
        for name, value in values.items():
            self.setdefault(name, []).append(float(value))


class Timer:
    """Context manager measuring wall time: ``with Timer() as t: ...; t.seconds``."""

    def __enter__(self) -> Timer:
        self._start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self._start
