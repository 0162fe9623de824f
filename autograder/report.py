"""What grading produces: two CSVs, a feedback page per student and notebook, the gradebook.

Both CSVs are sorted and carry no timestamps, so two runs over the same submissions give
byte-identical files. Feedback shows each test's points, the reason and the checker's first
hint; it never shows a hidden test's source.

Every text written passes through :func:`clean`: valid UTF-8 whatever the student's code
raised (lone surrogates and undecodable bytes become U+FFFD), no NUL or other control
characters but newline and tab, at most :data:`MAX_FIELD` characters; and a CSV cell that
begins with ``=``, ``+``, ``-``, ``@``, tab or carriage return is prefixed with ``'`` so a
spreadsheet shows it as text instead of running it as a formula.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

from autograder.submissions import folder_name

MAX_FIELD = 4000
"""Longest text field written to a CSV or a feedback page (longer ones are cut, and say so)."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def valid_utf8(text: str) -> str:
    """``text`` with every lone surrogate (which JSON can carry) made U+FFFD."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def clean(value, limit: int = MAX_FIELD) -> str:
    """``value`` as text that can always be written: valid UTF-8, no control characters
    (newline and tab kept), at most ``limit`` characters."""
    text = valid_utf8(value if isinstance(value, str) else str(value))
    text = _CONTROL.sub("\ufffd", text.replace("\r\n", "\n"))
    if len(text) > limit:
        marker = " \u2026 (truncated)"
        text = text[: limit - len(marker)] + marker if limit > 2 * len(marker) \
            else text[:limit]
    return text


def cell(value) -> str:
    """A CSV cell: :func:`clean`, on one line (a newline becomes " ⏎ ", so ``grep`` and
    importers that read a row per line see no made-up rows), and escaped if a spreadsheet
    would read it as a formula."""
    text = clean(value).replace("\n", " \u23ce ")
    return "'" + text if text.startswith(_FORMULA) else text


def load_results(*outs: Path) -> list[dict]:
    """Every result record under the given output folders (shards), sorted; no duplicates."""
    records: dict[tuple[str, str], dict] = {}
    for out in outs:
        for path in sorted((out / "results").glob("*/*.json")):
            record = json.loads(path.read_text())
            key = (record["student"], record["assignment"])
            if key in records and records[key] != record:
                raise ValueError(f"{key} was graded differently in two outputs")
            records[key] = record
    return [records[k] for k in sorted(records)]


def _csv(rows: list[list], header: list[str], numeric: frozenset[int] = frozenset()) -> str:
    """CSV text; every cell but the ``numeric`` columns (formatted here) goes through cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[value if isinstance(value, str) and index in numeric else cell(value)
                       for index, value in enumerate(row)] for row in rows])
    return buffer.getvalue()


def _number(value: float) -> str:
    return f"{value:g}"


def _manual_max(record: dict) -> float:
    """The points of the notebook's written answers, which the instructor grades by hand."""
    from autograder.assemble import manual_max_points

    try:
        return manual_max_points(record["assignment"])
    except (OSError, ValueError):  # a notebook id the course does not have
        return 0.0


def write_csvs(records: list[dict], out: Path) -> None:
    """``grades.csv`` (student x notebook) and ``tests.csv`` (one row per test).

    ``points`` / ``max_points`` are the automatic points only: a student's auto grade is final
    when it is written. ``manual_max_points`` says how many more points the notebook's written
    answers are worth; the instructor grades them in formgrader, and ``nbgrader export`` then
    gives automatic plus manual points.
    """
    grades = [[r["student"], r["assignment"], _number(r["points"]), _number(r["max_points"]),
               _number(_manual_max(r)), " | ".join(clean(n, 1000) for n in r["notes"])]
              for r in records]
    tests = [[r["student"], r["assignment"], t["test"], _number(t["points"]),
              _number(t["max_points"]), t["reason"]] for r in records for t in r["tests"]]
    out.mkdir(parents=True, exist_ok=True)
    (out / "grades.csv").write_text(_csv(grades, ["student", "notebook", "points", "max_points",
                                                  "manual_max_points", "notes"],
                                         frozenset({2, 3, 4})),
                                    encoding="utf-8")
    (out / "tests.csv").write_text(_csv(tests, ["student", "notebook", "test", "points",
                                                "max_points", "reason"], frozenset({3, 4})),
                                   encoding="utf-8")


def _h(value) -> str:
    return html.escape(clean(value))


def _written(record: dict) -> str:
    manual = _manual_max(record)
    return (f" Your written answers (up to {_number(manual)} more points) are graded by your "
            "instructor." if manual else "")


def _late(record: dict, penalty: float) -> str:
    """The feedback's sentence on a late penalty (none: empty): what it took, and the
    automatic points after it, as the LMS files and ``nbgrader export`` count them."""
    if not penalty:
        return ""
    after = max(0.0, record["points"] - penalty)
    return (f"<p class='late'>Submitted after the due date: a late penalty of "
            f"<b>{_number(penalty)}</b> points, so <b>{_number(after)} / "
            f"{_number(record['max_points'])}</b> points after it.</p>\n")


def feedback_html(record: dict, penalty: float = 0.0) -> str:
    """A student's feedback page on one notebook: the automatic points, the late penalty
    nbgrader's gradebook holds and the points after it (review 24e L1: an LMS student saw
    11 / 11 beside a grade of 0), then each test's points, reason and first hint."""
    rows = "\n".join(
        f"<tr class='{'pass' if t['points'] == t['max_points'] else 'fail'}'>"
        f"<td>{_h(t['test'])}</td><td>{_number(t['points'])} / "
        f"{_number(t['max_points'])}</td><td><pre>{_h(t['reason'])}</pre>"
        + (f"<p><b>Hint:</b> {_h(t['hint'])}</p>" if t.get("hint") else "")
        + "</td></tr>" for t in record["tests"])
    notes = "".join(f"<li>{_h(n)}</li>" for n in record["notes"])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Feedback: {_h(record['assignment'])} for {_h(record['student'])}</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto}}
td,th{{border-bottom:1px solid #ccc;padding:.4rem;vertical-align:top;text-align:left}}
tr.pass td:nth-child(2){{color:#006d4f}} tr.fail td:nth-child(2){{color:#b3470f}}
pre{{white-space:pre-wrap;margin:0}}</style></head><body>
<h1>{_h(record['assignment'])}</h1>
<p>Student <b>{_h(record['student'])}</b>:
<b>{_number(record['points'])} / {_number(record['max_points'])}</b> points.{_written(record)}</p>
{_late(record, penalty)}{f'<ul>{notes}</ul>' if notes else ''}
<table><tr><th>test</th><th>points</th><th>result</th></tr>
{rows}
</table></body></html>
"""


def write_feedback(records: list[dict], out: Path,
                   penalties: dict[tuple[str, str], float] | None = None) -> None:
    """``OUT/feedback/<student>/<id>.html`` per record; ``penalties``: (student, notebook) ->
    the late penalty the gradebook holds (:func:`autograder.term.late_penalties`)."""
    for record in records:
        path = out / "feedback" / folder_name(record["student"]) / f"{record['assignment']}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        penalty = (penalties or {}).get((record["student"], record["assignment"]), 0.0)
        path.write_text(feedback_html(record, penalty), encoding="utf-8")


def write_gradebook(records: list[dict], work: Path) -> None:
    """Scores into nbgrader's gradebook under ``work`` (formgrader and export read them)."""
    from autograder.course import ensure_assignments
    from autograder.term import gradebook as open_gradebook

    ensure_assignments(sorted({r["assignment"] for r in records}), work)
    with open_gradebook(work) as gradebook:
        for record in records:
            student = folder_name(record["student"])  # the submitted/ folder's name
            gradebook.update_or_create_student(student)
            with gradebook.db.no_autoflush:  # nbgrader's add_submission flushes half-built
                # rows otherwise (three SQLAlchemy SAWarnings per new submission)
                submission = gradebook.update_or_create_submission(record["assignment"],
                                                                   student)
            points = {t["test"]: t["points"] for t in record["tests"]}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.name in points:
                        grade.auto_score = points[grade.name]
            gradebook.db.commit()
