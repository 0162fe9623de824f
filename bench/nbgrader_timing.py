"""``python -m bench.nbgrader_timing TIMINGS NBGRADER-ARGS...``: nbgrader, timed by phase.

Runs ``nbgrader NBGRADER-ARGS`` in this process with nbclient's kernel start, cell execution
and kernel shutdown (and nbgrader's whole conversion of each notebook) timed, and appends one
JSON line per notebook to TIMINGS:

    {"notebook": path, "total": s, "kernel start": s, "student cells": s, "test cells": s,
     "kernel shutdown": s}

"test cells" are those nbgrader grades (its autograder tests), "student cells" the rest.
What nbgrader does around them (clearing outputs, overwriting the instructor's cells, the
gradebook) is total minus the three.
"""

from __future__ import annotations

import json
import sys
import time


def _timed(owner, name: str, phase, record) -> None:
    original = getattr(owner, name)

    def wrapper(self, *args, **kwargs):
        started = time.monotonic()
        try:
            return original(self, *args, **kwargs)
        finally:
            key = phase(self, args, kwargs) if callable(phase) else phase
            record[0][key] = record[0].get(key, 0.0) + time.monotonic() - started

    setattr(owner, name, wrapper)


def _cell_phase(client, args, kwargs) -> str:
    cell = args[0] if args else kwargs.get("cell")
    grading = ((cell or {}).get("metadata", {}) or {}).get("nbgrader", {}) or {}
    tested = grading.get("grade") and not grading.get("solution")
    return "test cells" if tested else "student cells"


def main(argv: list[str]) -> None:
    target, arguments = argv[0], argv[1:]
    from nbclient import NotebookClient
    from nbgrader.apps.nbgraderapp import NbGraderApp
    from nbgrader.converters.base import BaseConverter

    record: list[dict] = [{}]
    _timed(NotebookClient, "start_new_kernel", "kernel start", record)
    _timed(NotebookClient, "start_new_kernel_client", "kernel start", record)
    _timed(NotebookClient, "execute_cell", _cell_phase, record)
    _timed(NotebookClient, "_cleanup_kernel", "kernel shutdown", record)
    original = BaseConverter.convert_single_notebook

    def convert(self, notebook_filename, *args, **kwargs):
        record[0] = {}
        started = time.monotonic()
        try:
            return original(self, notebook_filename, *args, **kwargs)
        finally:
            with open(target, "a") as handle:
                handle.write(json.dumps({"notebook": str(notebook_filename),
                                         "total": time.monotonic() - started,
                                         **record[0]}) + "\n")

    BaseConverter.convert_single_notebook = convert
    sys.argv = ["nbgrader", *arguments]
    NbGraderApp.launch_instance()


if __name__ == "__main__":
    main(sys.argv[1:])
