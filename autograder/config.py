"""Grading limits and sandbox settings: defaults in grading.toml, overridable per run."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

DEFAULTS = Path(__file__).with_name("grading.toml")


@dataclass(frozen=True)
class Limits:
    """Caps on one student's notebook (see grading.toml for their meaning)."""

    memory_mb: int = 2048
    cell_cpu_seconds: float = 60
    cell_wall_seconds: float = 120
    notebook_cpu_seconds: float = 600
    notebook_wall_seconds: float = 900
    processes: int = 64
    output_mb: int = 64
    file_mb: int = 64
    restarts: int = 3


@dataclass(frozen=True)
class Settings:
    """Everything a grading run is configured by."""

    jobs: int = 0
    limits: Limits = field(default_factory=Limits)
    sandbox_required: bool = True
    first_uid: int = 61000
    hide: tuple[str, ...] = ()

    @property
    def workers(self) -> int:
        return self.jobs if self.jobs > 0 else (os.cpu_count() or 1)


def load(path: Path = DEFAULTS, **overrides) -> Settings:
    """Settings from ``path``, then ``overrides`` (limit names or top-level names; None skips)."""
    data = tomllib.loads(path.read_text())
    limit_names = {f.name for f in fields(Limits)}
    limits = {k: v for k, v in data.get("limits", {}).items() if k in limit_names}
    sandbox = data.get("sandbox", {})
    top = {"jobs": data.get("jobs", 0), "sandbox_required": sandbox.get("required", True),
           "first_uid": sandbox.get("first_uid", 61000), "hide": tuple(sandbox.get("hide", ()))}
    for key, value in overrides.items():
        if value is None:
            continue
        if key in limit_names:
            limits[key] = value
        elif key in top:
            top[key] = value
        else:
            raise KeyError(f"unknown setting {key!r}")
    return Settings(limits=Limits(**limits), **top)
