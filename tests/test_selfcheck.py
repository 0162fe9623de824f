"""Self-study mode: nncourse.selfcheck runs the student's own notebook and reports each test.

One run per notebook, on a copy of the student notebook with the first exercise answered,
the second answered wrongly (``return 0``), the rest unanswered, and a cell that calls
``report`` itself (it must not recurse).
"""

import shutil
import subprocess
import sys

import nbformat
import pytest
from nncourse.selfcheck import (
    FAIL,
    NOT_YET,
    PASS,
    Result,
    check_notebook,
    find_notebook,
    judge_cell,
    main,
    render,
)

from autograder.notebooks import (
    RELEASE,
    assignments,
    grade_id,
    is_graded,
    is_solution,
    release_notebook,
    solution_sources,
)

RELEASED = [a for a in assignments() if (RELEASE / a / f"{a}.ipynb").exists()]


def graded_exercises(notebook) -> list[str]:
    """Answer cells that a test cell after them grades (not, say, a cell where the student
    pastes their functions from an earlier notebook)."""
    graded, last = [], None
    for cell in notebook.cells:
        if cell.cell_type == "code" and is_solution(cell):
            last = grade_id(cell)
        elif is_graded(cell) and last and last not in graded:
            graded.append(last)
    return graded


def graded_tests(notebook) -> list[str]:
    return [grade_id(c) for c in notebook.cells if c.cell_type == "code"
            and is_graded(c) and not is_solution(c)]


@pytest.fixture(scope="module", params=RELEASED)
def checked(request, tmp_path_factory):
    assignment = request.param
    folder = tmp_path_factory.mktemp("student") / assignment
    folder.parent.mkdir(exist_ok=True)
    shutil.copytree(RELEASE / assignment, folder)
    notebook = release_notebook(assignment)
    graded = graded_exercises(notebook)
    solutions = solution_sources(assignment)
    for cell in notebook.cells:  # ungraded answer cells (pasted earlier work) filled in
        if cell.cell_type == "code" and is_solution(cell) and grade_id(cell) not in graded:
            cell.source = solutions[grade_id(cell)]
    exercises = [c for c in notebook.cells if c.cell_type == "code" and is_solution(c)
                 and grade_id(c) in graded]
    exercises[0].source = solutions[grade_id(exercises[0])]
    if len(exercises) > 1:
        exercises[1].source = exercises[1].source.replace("raise NotImplementedError()",
                                                          "return 0")
    notebook.cells.append(nbformat.v4.new_code_cell(
        f'from nncourse.selfcheck import report\nreport("{assignment}")'))
    path = folder / f"{assignment}.ipynb"
    nbformat.write(notebook, path)
    results = check_notebook(path)
    return assignment, notebook, results


def test_one_result_per_test_cell_of_the_students_notebook(checked):
    _, notebook, results = checked
    assert [r.test for r in results] == graded_tests(notebook)


def test_the_answered_exercise_passes(checked):
    _, notebook, results = checked
    first = graded_exercises(notebook)[0]
    mine = [r for r in results if r.exercise == first]
    assert mine and all(r.status == PASS for r in mine), render(RELEASE, mine)


def test_a_wrong_answer_fails_with_a_message_and_the_rest_is_not_yet(checked):
    _, notebook, results = checked
    exercises = graded_exercises(notebook)
    if len(exercises) < 2:
        pytest.skip("one exercise only")
    second = [r for r in results if r.exercise == exercises[1]]
    assert second and all(r.status == FAIL and r.message for r in second), render(RELEASE,
                                                                               second)
    rest = [r for r in results if r.exercise in exercises[2:]]
    assert all(r.status in (NOT_YET, FAIL) for r in rest)
    assert any(r.status == NOT_YET for r in rest) or not rest


def test_no_hidden_check_is_reported(checked):
    from nncourse.checking import REGISTRY

    _, _, results = checked
    text = render(RELEASE, results, hints=99)
    import autograder.hidden  # noqa: F401 - registers the hidden checks, to list their names

    hidden = [name for name, c in REGISTRY.items()
              if type(c).__module__.startswith("autograder.hidden")]
    assert hidden and not [name for name in hidden if name in text]


def test_hints_come_in_layers():
    result = Result("sigmoid", "test_sigmoid_values", FAIL, "sigmoid matches",
                    "sigmoid(0): expected 0.5, got 0", ["a nudge", "the formula", "more"])
    one = render(RELEASE, [result])
    assert "hint 1: a nudge" in one and "the formula" not in one and "2 more hint" in one
    two = render(RELEASE, [result], hints=2)
    assert "hint 2: the formula" in two and "hint 3" not in two


def test_never_reads_solutions_or_imports_the_autograder(tmp_path):
    with pytest.raises(ValueError):
        find_notebook(str(RELEASE.parent / "solutions" / RELEASED[0] / f"{RELEASED[0]}.ipynb"))
    code = ("import sys; from nncourse.selfcheck import report; "
            f"report({RELEASED[0]!r}); print('autograder' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=RELEASE.parent,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("False")
    assert "not yet" in done.stdout


def test_command_line_exit_status(monkeypatch):
    """0 only when every test of every notebook asked for passes; 1 otherwise or if none."""
    import nncourse.selfcheck as selfcheck

    def result(status):
        return Result("f", "test_f", status, "f works", "", [])

    for found, code in (([result(PASS), result(PASS)], 0), ([result(PASS), result(FAIL)], 1),
                        ([result(PASS), result(NOT_YET)], 1), ([], 1)):
        monkeypatch.setattr(selfcheck, "report", lambda name, hints=1, found=found: found)
        assert main([RELEASED[0]]) == code


def test_test_cells_that_did_not_run_or_raised_are_reported():

    not_run = nbformat.v4.new_code_cell('check("sigmoid_values", sigmoid)')
    assert judge_cell(not_run)[0] == FAIL
    raised = nbformat.v4.new_code_cell('check("sigmoid_values", sigmoid)', execution_count=3)
    raised.outputs = [nbformat.v4.new_output("error", ename="NameError",
                                             evalue="name 'sigmoid' is not defined",
                                             traceback=[])]
    status, _, verdict = judge_cell(raised)
    assert status == FAIL and "NameError" in verdict.message and verdict.hints


def test_a_written_answer_is_left_to_the_instructor():
    """The self-check lists each written answer as graded by the instructor, never as a test
    (answered or not), so it neither fails nor counts it."""
    from nncourse.selfcheck import written_answers

    notebook = release_notebook(RELEASED[0])
    written = written_answers(notebook)
    assert len(written) == 1 and not written[0].answered
    text = render(RELEASE, [], written=written)
    assert "graded by your instructor" in text and "not answered yet" in text
    assert "0 of 0 tests pass, 0 fail" in text
    answered = next(c for c in notebook.cells if grade_id(c) == written[0].answer)
    answered.source = "No: the four conditions contradict each other."
    assert written_answers(notebook)[0].answered


def test_an_untouched_value_class_is_not_yet_rather_than_failures():
    """Notebook 04's Value stub, as released, makes each of its test cells "not yet"
    (each check catches the stub's NotImplementedError itself, or reports it as its data)."""
    import numpy as np
    from nncourse.checking import PROBE_MIME, find_check, run_probe
    from nncourse.plain import encode

    assignment = next(a for a in RELEASED if a.startswith("04"))
    notebook = release_notebook(assignment)
    namespace = {"np": np}
    exec(next(c.source for c in notebook.cells  # noqa: S102 - the released stub
              if c.cell_type == "code" and c.source.startswith("class Value")), namespace)
    cells = [c for c in notebook.cells if is_graded(c) and not is_solution(c)
             and "check(" in c.source and all(line.endswith(", Value)") and line.count(",") == 1
                                              for line in c.source.splitlines())]
    assert len(cells) >= 3
    for cell in cells:
        outputs = []
        for line in cell.source.splitlines():
            if not line.startswith("check("):
                continue
            name = line.split('"')[1]
            seen = run_probe(find_check(name), (namespace["Value"],), {})
            payload = encode({"check": name, "args": {}, "seen": seen})
            outputs.append(nbformat.v4.new_output("display_data", data={PROBE_MIME: payload}))
        ran = nbformat.v4.new_code_cell(cell.source, execution_count=1)
        ran.outputs = outputs
        assert judge_cell(ran)[0] == NOT_YET, grade_id(cell)


def test_the_second_hint_layer_follows_every_generic_verdict():
    """A nan, a warning, an exception or a broken rule answers before a check's judge: its
    verdict still has a second layer (``hints=2`` shows something new), for every check."""
    import importlib
    import pkgutil

    from nncourse.checking import REGISTRY, judge_seen

    import autograder.hidden

    importlib.import_module("nncourse.checks")
    for module in pkgutil.iter_modules(autograder.hidden.__path__):
        importlib.import_module(f"autograder.hidden.{module.name}")
    probes = {"nan": {"raised": None, "warnings": [], "out": [float("nan")]},
              "warning": {"raised": None, "warnings": ["overflow encountered in exp"],
                          "out": [0.0]},
              "raised": {"raised": "ZeroDivisionError: division by zero", "warnings": []},
              "rule": {"raised": "RuleBroken: f imported torch", "warnings": []},
              "stub": {"raised": "NotImplementedError: ", "warnings": []}}
    checked = 0
    for check in REGISTRY.values():
        for kind, seen in probes.items():
            if (kind == "nan" and not check.finite_outputs) or (
                    kind == "warning" and not check.warnings_fail):
                continue
            verdict = judge_seen(check, seen, {})
            assert not verdict.passed
            assert len(verdict.hints) >= 2 and verdict.hints[0] != verdict.hints[1], (
                check.name, kind)
            assert verdict.render(max_hints=2) != verdict.render(max_hints=1)
            checked += 1
    assert checked > 100
