"""Notebooks 01 and 02 after review r12: the visible checks fail the wrong answers the reviewer
found passing (mlp_forward ignoring its activation, an int-only sigmoid, inputs changed in
place, a perceptron that is not section 4's rule, wrong unit counts, a float count), tell a
changed input as that, and every failing visible check has a second hint layer."""

from __future__ import annotations

import ast
import json
import re

import numpy as np
import pytest
from nncourse.checking import find_check, judge_seen, run_probe

from autograder.mutants import nb01 as catalogue01
from autograder.mutants import nb02 as catalogue02
from autograder.notebooks import ROOT, grade_id, is_solution, solution_sources, source_notebook

NB01 = "01_neuron_and_xor"
NB02 = "02_universal_approximation"
_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", re.DOTALL)


def namespace(assignment: str, answers: dict[str, str] | None = None) -> dict:
    """The notebook's setup cell, then every answer cell (``answers`` over the instructor's),
    run in one namespace as a student's kernel would."""
    notebook = source_notebook(assignment)
    found = {**solution_sources(assignment), **(answers or {})}
    ns: dict = {}
    setup = next(c.source for c in notebook.cells if c.cell_type == "code")
    exec(setup, ns)  # noqa: S102 - the course's own cell
    for cell in notebook.cells:
        if cell.cell_type == "code" and is_solution(cell):
            exec(found[grade_id(cell)], ns)  # noqa: S102 - an answer under test
    return ns


def visible_calls(assignment: str, hidden: bool = False) -> list[tuple[str, str, dict]]:
    """(check name, function name, keyword arguments) of every visible check call in the
    notebook's test cells (the hidden tests' lines left out, unless ``hidden``)."""
    calls = []
    for cell in source_notebook(assignment).cells:
        if cell.cell_type != "code" or is_solution(cell) or "check(" not in cell.source:
            continue
        for node in ast.walk(ast.parse(cell.source if hidden else _HIDDEN.sub("", cell.source))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "check":
                calls.append((node.args[0].value, node.args[1].id,
                              {k.arg: ast.literal_eval(k.value) for k in node.keywords}))
    return calls


def visible_verdicts(assignment: str, ns: dict, function: str, hidden: bool = False):
    """{check name and arguments: verdict} of the visible checks of ``function`` (and the
    hidden ones too if ``hidden``), run on ``ns``."""
    return {f"{name} {args}": judge_seen(find_check(name), run_probe(
                find_check(name), (ns[fn],), args, seed=0), args, 0)
            for name, fn, args in visible_calls(assignment, hidden) if fn == function}


def failed(assignment: str, function: str, source: str) -> dict:
    """The failing visible verdicts of ``function`` written as ``source``."""
    verdicts = visible_verdicts(assignment, namespace(assignment, {function: source}), function)
    return {name: v for name, v in verdicts.items() if not v.passed}


def test_the_instructors_answers_pass_every_visible_check():
    for assignment in (NB01, NB02):
        ns = namespace(assignment)
        functions = {fn for _, fn, _ in visible_calls(assignment)}
        for function in functions:
            for name, verdict in visible_verdicts(assignment, ns, function).items():
                assert verdict.passed, (name, verdict.render())


def test_mlp_forward_with_its_activation_hard_wired_fails_the_visible_check():
    wrong = ("def mlp_forward(X, weights, biases, activation=np.tanh):\n    h = X\n"
             "    for W, b in zip(weights[:-1], biases[:-1]):\n        h = np.tanh(h @ W + b)\n"
             "    return h @ weights[-1] + biases[-1]\n")
    verdict = failed(NB01, "mlp_forward", wrong)["mlp_forward_values {}"]
    assert "activation` argument is ignored" in verdict.render()


@pytest.mark.parametrize("source, told", [
    ("def sigmoid(z):\n    z = np.asarray(z)\n    out = np.empty_like(z)\n    pos = z >= 0\n"
     "    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))\n    e = np.exp(z[~pos])\n"
     "    out[~pos] = e / (1.0 + e)\n    return out\n", "an int array"),
    ("def sigmoid(z):\n    if not isinstance(z, np.ndarray) or z.dtype != np.float64:\n"
     "        z = np.asarray(z, dtype=np.float64)\n    e = np.exp(-np.abs(z))\n"
     "    z[...] = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n    return z\n",
     "changed its input z in place"),
])
def test_an_int_only_or_input_overwriting_sigmoid_fails_the_visible_check(source, told):
    assert told in failed(NB01, "sigmoid", source)["sigmoid_values {}"].message


@pytest.mark.parametrize("function, source, label", [
    ("neuron", "def neuron(x, w, b, activation=sigmoid):\n    out = activation(x @ w + b)\n"
               "    x[...] = 0\n    return out\n", "x"),
    ("mlp_forward", "def mlp_forward(X, weights, biases, activation=np.tanh):\n    h = X\n"
                    "    for i, (W, b) in enumerate(zip(weights, biases)):\n"
                    "        h = h @ W + b\n        if i < len(weights) - 1:\n"
                    "            h = activation(h)\n    weights[0][...] = 0.0\n    return h\n",
     "weights[0]"),
    ("collapse_linear", "def collapse_linear(weights, biases):\n    W, b = weights[0], "
                        "np.array(biases[0], dtype=float)\n"
                        "    for W_next, b_next in zip(weights[1:], biases[1:]):\n"
                        "        W = W @ W_next\n        b = b @ W_next + b_next\n"
                        "    biases[0][...] = 0.0\n    return W, b\n", "biases[0]"),
])
def test_a_changed_input_is_told_as_that_by_every_visible_check(function, source, label):
    """Each visible check of the function names the input it changed, with two hint layers
    (not a wrong value or a memory-layout hint, which the changed input would cause)."""
    found = failed(NB01, function, source)
    assert found and len(found) == len([n for n, f, _ in visible_calls(NB01) if f == function])
    for verdict in found.values():
        assert f"changed its input {label} in place" in verdict.message, verdict.render()
        assert len(verdict.hints) == 2


def test_every_function_that_must_keep_its_inputs_is_checked_for_it():
    """Every answer of notebooks 01 and 02 whose docstring says it does not modify its inputs
    fails a visible check when it zeroes every array it was given after computing."""
    for assignment in (NB01, NB02):
        ns = namespace(assignment)
        keeps = [name for name in solution_sources(assignment) if callable(ns.get(name))
                 and "not modify its input" in (ns[name].__doc__ or "")]
        if assignment == NB01:
            assert {"sigmoid", "neuron", "mlp_forward", "collapse_linear"} <= set(keeps)
        for name in keeps:
            source = solution_sources(assignment)[name]
            wrong = source.replace(f"def {name}(", f"def _{name}(", 1) + (
                f"\n\ndef {name}(*args, **kwargs):\n    out = _{name}(*args, **kwargs)\n"
                "    for a in args:\n        for x in (a if isinstance(a, list) else [a]):\n"
                "            if isinstance(x, np.ndarray) and x.flags.writeable:\n"
                "                x[...] = 0\n    return out\n")
            messages = [v.message for v in failed(assignment, name, wrong).values()]
            assert any("changed its input" in m for m in messages), (name, messages)


@pytest.mark.parametrize("entry", ["r12_perceptron_batch_update", "r12_perceptron_starts_at_ones"])
def test_a_perceptron_other_than_section_4s_rule_fails_the_visible_check(entry):
    mutant = next(m for m in catalogue01.MUTANTS if m.name == entry)
    source = mutant.answers(solution_sources(NB01))["perceptron_train"]
    found = failed(NB01, "perceptron_train", source)
    assert "perceptron_separable {}" in found
    assert "the rule of section 4 makes" in found["perceptron_separable {}"].message


def test_the_stored_perceptron_runs_are_the_graders_replay():
    from nncourse.checks.nb01 import REPLAYED
    from nncourse.data import boolean_data

    from autograder.hidden.nb01 import replay_perceptron

    for gate, (w, b, mistakes) in REPLAYED.items():
        right_w, right_b, right = replay_perceptron(*boolean_data(gate), 1.0, len(mistakes))
        assert (right_w.tolist(), right_b, right) == (w, b, mistakes)


@pytest.mark.parametrize("wrong", ["return 3 * n - 4 + (n > 5)", "return 2 if n == 2 else n * n"])
def test_wrong_unit_counts_fail_by_their_n_not_by_a_formula(wrong):
    """A count that is right at the lesson's n = 2 but does not grow steadily fails, and the
    message lists the counts by n, never a step per input or a formula. (2 n - 2 and n, right
    at n = 2 and steady, are the grader's to fail: catalogue mutants r12_units_*.)"""
    verdict = failed(NB02, "parity_units_deep", f"def parity_units_deep(n):\n    {wrong}\n")
    message = verdict["parity_units_deep_values {}"].message
    assert message.startswith("parity_units_deep(2) = 2, parity_units_deep(3) = ")
    assert not re.search(r"block of \d|\d units to the chain|grow by \d|3 ?\*? ?n", message)


def test_the_visible_unit_check_holds_no_count_but_the_lesson_s():
    """No count for n > 2 and no digest of one is readable in the student's library."""
    source = (ROOT / "lib/nncourse/checks/nb02.py").read_text(encoding="utf-8")
    assert "3 * n - 4" not in source and "3n - 4" not in source
    assert "UNITS_DIGESTS" not in source and "sha256" not in source


def test_a_float_parameter_count_fails_like_a_float_unit_count():
    verdict = failed(NB01, "count_parameters", "def count_parameters(dims):\n"
                     "    return float(sum(a * b + b for a, b in zip(dims[:-1], dims[1:])))\n")
    assert "an int" in verdict["count_parameters_values {}"].message
    ok = failed(NB01, "count_parameters", "def count_parameters(dims):\n    d = np.array(dims)\n"
                "    return np.sum(d[:-1] * d[1:] + d[1:])\n")
    assert not ok  # a numpy int is an int


def test_a_bump_failure_shows_the_point_furthest_off():
    """The ends of the 81-point grid are 0 for a right and a wrong bump alike: the message
    shows the worst point's x, the value expected there and the one got."""
    source = ("def bump(x, left, right, height, steepness=1000.0):\n"
              "    x = np.asarray(x, dtype=float)\n"
              "    up, down = sigmoid(steepness * x - left), sigmoid(steepness * x - right)\n"
              "    return height * (up - down)\n")
    message = failed(NB02, "bump", source)["bump_values {}"].message
    assert re.search(r"furthest off at x = [-\d.]+: expected [-\d.]+, got [-\d.]+", message)


def test_notebook_02s_overflow_hint_points_to_notebook_01():
    from nncourse.checks.nb02 import STABILITY_IDEA

    verdict = judge_seen(find_check("bump_values"),
                         {"raised": None, "warnings": ["overflow encountered in exp"]}, {})
    assert verdict.hints[1] == STABILITY_IDEA and "notebook 01" in STABILITY_IDEA


def _cell(assignment: str, text: str, folder: str = "notebooks") -> str:
    path = ROOT / folder / assignment / f"{assignment}.ipynb"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    found = ["".join(c["source"]) for c in cells if text in "".join(c["source"])]
    assert len(found) == 1, text
    return found[0]


def _needs(assignment: str) -> dict:
    ns: dict = {}
    exec(_cell(assignment, "nncourse.demos"), ns)  # noqa: S102 - the notebook's given cell
    return ns


def test_notebook_02s_demos_name_the_missing_function(capsys):
    needs = _needs(NB02)["needs"]

    def approximate_1d():
        return sigmoid(0.0)  # noqa: F821 - not pasted yet

    def parity_deep():
        raise NotImplementedError()

    with needs("approximate_1d"):
        approximate_1d()
    with needs("parity_deep", "parity_units_deep"):
        parity_deep()
    said = capsys.readouterr().out.splitlines()
    assert said[0].startswith("This cell needs sigmoid") and "notebook 01" in said[0]
    assert said[1].startswith("This cell needs your parity_deep")


def test_the_hidden_space_figure_reads_a_row_by_row_xor_network():
    """Notebook 01's demo reads the hidden layer off the neurons whichever way the answer calls
    them: on the whole batch, or one row at a time."""
    rows = ("def xor_network(X):\n    out = []\n    for x in np.asarray(X, dtype=float):\n"
            "        h = np.array([neuron(x, *logic_gate_weights('or')),\n"
            "                      neuron(x, *logic_gate_weights('nand'))])\n"
            "        out.append(neuron(h, *logic_gate_weights('and')))\n"
            "    return np.array(out)\n")
    seen = {}
    for label, answers in (("batch", {}), ("rows", {"xor_network": rows})):
        ns = namespace(NB01, answers)
        cell = _cell(NB01, "def read_the_network(", "solutions")
        exec(cell[:cell.index("\nwith needs(")], ns)  # noqa: S102 - the demo's own code
        seen[label] = ns["read_the_network"](ns["xor_network"], ns["BOOLEAN_INPUTS"])
    assert seen["rows"] is not None and seen["rows"]["gates"] == ["or", "nand"]
    for key in ("H", "W", "b", "w_out"):
        assert np.allclose(seen["rows"][key], seen["batch"][key])


def test_the_lessons_say_how_to_get_past_a_stopping_test_cell():
    for assignment in (NB01, NB02):
        assert "Run Selected Cell and All Below" in _cell(assignment, "How the exercises work")


def test_collapse_linears_lesson_says_what_the_test_refuses():
    text = _cell(NB01, "**Exercise.** Write `collapse_linear`")
    assert "the test refuses a call of it" in text and "and the test refuses it." not in text


def test_the_self_check_docstring_gives_a_command_a_student_can_run():
    import nncourse.selfcheck as selfcheck

    lines = [line.strip() for line in selfcheck.__doc__.splitlines()]
    assert "python -m nncourse.selfcheck 04 --hints 2 # and the next layer of hints" in lines
    assert not any(line.startswith("make check") for line in lines)


def test_notebook_02s_running_target_is_said_to_exceed_the_bounds_condition():
    text = _cell(NB02, "rounder bound, with room to spare")
    assert "to about\n1.13" in text
    ns = {"np": np}
    cell = _cell(NB02, "def target(x):")
    exec(cell[cell.index("def target(x):"):], ns)  # noqa: S102 - the notebook's running target
    assert f"{np.max(np.abs(ns['target'](np.linspace(0, 1, 3001)))):.2f}" == "1.13"
    assert "largest |f| of the running target" in _cell(NB02, "jump at 1/3, max error by n")


def _catalogue_entries():
    for assignment, module in ((NB01, catalogue01), (NB02, catalogue02)):
        for entry in [*module.MUTANTS, *module.SHORTCUTS]:
            yield pytest.param(assignment, entry, id=f"{assignment[:2]}-{entry.name}")


@pytest.mark.parametrize("assignment, entry", list(_catalogue_entries()))
def test_every_failing_check_of_a_catalogue_entry_has_a_second_hint_layer(assignment, entry):
    """Hints come in layers (the symptom, then the idea): a check of notebook 01 or 02,
    visible or hidden, that fails a catalogue entry shows something new with
    show_hints(2)."""
    import autograder.hidden.nb01
    import autograder.hidden.nb02  # noqa: F401 - registers the hidden checks

    try:
        answers = entry.answers(solution_sources(assignment))
        ns = namespace(assignment, answers)
    except Exception:  # noqa: BLE001 - an entry that does not even define its function
        pytest.skip("the entry does not run on its own")
    for name, verdict in visible_verdicts(assignment, ns, entry.cell, hidden=True).items():
        if not verdict.passed and not verdict.not_written:
            assert len(verdict.hints) >= 2 and verdict.hints[0] != verdict.hints[1], (
                name, verdict.render())
            assert verdict.render(max_hints=2) != verdict.render(max_hints=1)
