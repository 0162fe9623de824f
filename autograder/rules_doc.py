"""The rules of every graded function as the student reads them, generated from the one
source (``nncourse.checks.nbNN.RULES``, :class:`nncourse.rules.Rules`).

``docs/curriculum.md`` ends with :func:`rules_section`, and every docstring of a graded function
with rules beyond numpy-only (in the notebooks of :data:`TOLD_IN_EVERY_DOCSTRING`, every one)
carries its ``Rules:`` line (:func:`docstring_line`, :func:`docstring_rules`);
``tests/test_rules.py`` fails when either differs. ``python -m autograder.rules_doc`` rewrites
the section in ``docs/curriculum.md``.
"""

from __future__ import annotations

import importlib
import textwrap
from pathlib import Path

from nncourse.rules import USES, Rules

from autograder.notebooks import assignments

CURRICULUM = Path(__file__).resolve().parents[1] / "docs" / "curriculum.md"
HEADING = "## (new 2026-12-06) The rules of each graded function (generated)"


def notebook_rules(assignment: str) -> dict[str, Rules]:
    """The notebook's ``RULES`` (graded function name -> Rules), {} if it has none."""
    module = importlib.import_module(f"nncourse.checks.nb{assignment[:2]}")
    return dict(getattr(module, "RULES", {}))


def told_rules() -> dict[str, dict[str, Rules]]:
    """Per notebook, the graded functions whose rules go beyond :data:`USES`."""
    return {a: {name: rules for name, rules in notebook_rules(a).items() if rules != Rules()}
            for a in assignments()}


TOLD_IN_EVERY_DOCSTRING = ("06_regularization",)
"""Notebooks where every graded function's docstring carries its ``Rules:`` line, a plain
``Rules: numpy, ... only.`` included (elsewhere only rules beyond it are)."""


def docstring_rules() -> dict[str, dict[str, Rules]]:
    """Per notebook, the graded functions whose docstring carries a ``Rules:`` line."""
    told = told_rules()
    for assignment in TOLD_IN_EVERY_DOCSTRING:
        told[assignment] = notebook_rules(assignment)
    return told


def docstring_line(rules: Rules, indent: str = "    ", width: int = 96) -> str:
    """The ``Rules:`` line of a docstring, wrapped at ``width`` with ``indent``."""
    return textwrap.fill(rules.told(), width=width, initial_indent=indent,
                         subsequent_indent=indent)


def rules_section() -> str:
    """The curriculum's section listing every graded function's rules beyond :data:`USES`."""
    lines = [HEADING, "",
             f"Every graded function uses {USES} (`Rules: {USES}.`). "
             "These have more rules; the docstring of each says the same `Rules:` line, "
             "the checks enforce these and no others.", ""]
    for assignment, table in told_rules().items():
        for name, rules in table.items():
            lines.append(f"- {assignment[:2]} `{name}`: {rules.told()}")
    return "\n".join(lines) + "\n"


def write_section(path: Path = CURRICULUM) -> None:
    """Put :func:`rules_section` at the end of ``path``, replacing an earlier one."""
    text = path.read_text()
    if HEADING in text:
        text = text[:text.index(HEADING)].rstrip("\n") + "\n"
    path.write_text(text.rstrip("\n") + "\n\n" + rules_section())


if __name__ == "__main__":
    write_section()
