"""What grading produces: two CSVs, a feedback page per student and notebook, the gradebook.

Both CSVs are sorted and carry no timestamps, so two runs over the same submissions give
byte-identical files. Feedback shows each test's points, the reason and the checker's first
hint; it never shows a hidden test's source.
"""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path


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


def _csv(rows: list[list], header: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _number(value: float) -> str:
    return f"{value:g}"


def write_csvs(records: list[dict], out: Path) -> None:
    """``grades.csv`` (student x notebook) and ``tests.csv`` (one row per test)."""
    grades = [[r["student"], r["assignment"], _number(r["points"]), _number(r["max_points"]),
               " | ".join(r["notes"])] for r in records]
    tests = [[r["student"], r["assignment"], t["test"], _number(t["points"]),
              _number(t["max_points"]), t["reason"]] for r in records for t in r["tests"]]
    out.mkdir(parents=True, exist_ok=True)
    (out / "grades.csv").write_text(_csv(grades, ["student", "notebook", "points", "max_points",
                                                  "notes"]))
    (out / "tests.csv").write_text(_csv(tests, ["student", "notebook", "test", "points",
                                                "max_points", "reason"]))


def feedback_html(record: dict) -> str:
    rows = "\n".join(
        f"<tr class='{'pass' if t['points'] == t['max_points'] else 'fail'}'>"
        f"<td>{html.escape(t['test'])}</td><td>{_number(t['points'])} / "
        f"{_number(t['max_points'])}</td><td><pre>{html.escape(t['reason'])}</pre>"
        + (f"<p><b>Hint:</b> {html.escape(t['hint'])}</p>" if t.get("hint") else "")
        + "</td></tr>" for t in record["tests"])
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in record["notes"])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Feedback: {html.escape(record['assignment'])} for {html.escape(record['student'])}</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto}}
td,th{{border-bottom:1px solid #ccc;padding:.4rem;vertical-align:top;text-align:left}}
tr.pass td:nth-child(2){{color:#006d4f}} tr.fail td:nth-child(2){{color:#b3470f}}
pre{{white-space:pre-wrap;margin:0}}</style></head><body>
<h1>{html.escape(record['assignment'])}</h1>
<p>Student <b>{html.escape(record['student'])}</b>:
<b>{_number(record['points'])} / {_number(record['max_points'])}</b> points.</p>
{f'<ul>{notes}</ul>' if notes else ''}
<table><tr><th>test</th><th>points</th><th>result</th></tr>
{rows}
</table></body></html>
"""


def write_feedback(records: list[dict], out: Path) -> None:
    for record in records:
        path = out / "feedback" / record["student"] / f"{record['assignment']}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(feedback_html(record))


def write_gradebook(records: list[dict], work: Path) -> None:
    """Scores into nbgrader's gradebook under ``work`` (formgrader and export read them)."""
    from nbgrader.api import Gradebook

    from autograder.course import ensure_assignment

    for assignment in sorted({r["assignment"] for r in records}):
        ensure_assignment(assignment, work)
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gradebook:
        for record in records:
            gradebook.update_or_create_student(record["student"])
            submission = gradebook.update_or_create_submission(record["assignment"],
                                                               record["student"])
            points = {t["test"]: t["points"] for t in record["tests"]}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.name in points:
                        grade.auto_score = points[grade.name]
            gradebook.db.commit()
