"""``python -m bench``: how long each solution notebook takes to execute, and the course total.

Each notebook runs top to bottom in a fresh kernel (kernel start included), as a student's
"Restart and run all" would; the budget column is the issues' 20 s per notebook (60 s for
the course), and the ratio is time / budget. Then the benchmarks in BENCHES: numpy against
torch training (notebook 05) and the class-grading comparison with plain nbgrader
(bench/grading.py).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

from autograder.notebooks import SOLUTIONS, assignments, errors, execute, source_notebook

BUDGET_SECONDS = 20.0  # each notebook (issue 15)
COURSE_BUDGET_SECONDS = 60.0  # the six together
BENCHES = ["nb05_numpy_vs_torch", "grading"]


def notebook_times() -> list[tuple[str, float, int]]:
    rows = []
    for assignment in assignments():
        notebook, seconds, _ = execute(source_notebook(assignment), SOLUTIONS / assignment,
                                       allow_errors=True, hidden=True)
        rows.append((assignment, seconds, len(errors(notebook))))
    return rows


def main() -> int:
    rows = notebook_times()
    print(f"\n{'solution notebook':<34}{'seconds':>9}{'budget':>8}{'ratio':>7}  errors")
    for assignment, seconds, n_errors in rows:
        print(f"{assignment:<34}{seconds:>9.1f}{BUDGET_SECONDS:>8.0f}"
              f"{seconds / BUDGET_SECONDS:>7.2f}  {n_errors}")
    total = sum(seconds for _, seconds, _ in rows)
    print(f"{'course total':<34}{total:>9.1f}{COURSE_BUDGET_SECONDS:>8.0f}"
          f"{total / COURSE_BUDGET_SECONDS:>7.2f}")
    failed = any(n for _, _, n in rows)
    for name in BENCHES:
        if importlib.util.find_spec(f"bench.{name}") is None:
            continue
        print(f"\n== bench.{name}")
        failed |= bool(importlib.import_module(f"bench.{name}").main())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
