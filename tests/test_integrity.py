"""``grading/integrity.csv``: breaches of the contract's rules and near-identical work.

Each breach is written here from scratch into a copy of notebook 01 and read back through
:mod:`autograder.integrity` directly; one test runs a tiny class through ``python -m
autograder grade --no-sandbox`` to show the report is written next to the grades.
"""

from __future__ import annotations

import ast
import csv
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nncourse.rules import Rules

from autograder import integrity
from autograder.integrity import OUTSIDE, integrity_rows, normalise, rules_of
from autograder.notebooks import filled_notebook, solution_sources
from autograder.submissions import Submission

A = "01_neuron_and_xor"
LIBRARY_MATCHES = integrity.library_matches  # the autouse fixture below silences it
SOLUTION = solution_sources(A)
N = len(filled_notebook(A, {}).cells)  # cells added by a student are N + 1, N + 2, ...
ADDED = f"cell {N + 1} (not an answer cell)"


pytestmark = pytest.mark.timeout(180)  # every test here fails instead of hanging


@pytest.fixture(autouse=True)
def _no_similarity_noise(monkeypatch):
    """Rule tests look at rule rows only; similarity has its own tests."""
    monkeypatch.setattr(integrity, "_solution_tokens", lambda assignment, name: None)
    monkeypatch.setattr(integrity, "library_matches", lambda tokens, threshold=0: [])


def submit(folder: Path, student: str, extra_cells: tuple[str, ...] = (), **answers: str
           ) -> Submission:
    notebook = filled_notebook(A, dict(SOLUTION, **answers))
    notebook.cells += [nbformat.v4.new_code_cell(code) for code in extra_cells]
    path = folder / f"{student}_{A}.ipynb"
    nbformat.write(notebook, path)
    return Submission(student, A, path)


def rule_rows(*submissions: Submission) -> list[tuple[str, str, str, str]]:
    return [(s, f, r, d) for s, _, f, r, d in integrity_rows(list(submissions))
            if r != "similar"]


SIGMOID_TORCH = ("import torch\n\ndef sigmoid(z):\n"
                 "    return torch.sigmoid(torch.as_tensor(z)).numpy()\n")


def test_forbidden_modules_are_reported_per_function(tmp_path):
    attacker = submit(
        tmp_path, "ann",
        sigmoid=SIGMOID_TORCH,
        neuron="def neuron(x, w, b, activation=None):\n"
               "    from scipy.special import expit\n    return expit(x @ w + b)\n",
        init_mlp="import nncourse.training as tr\n" + SOLUTION["init_mlp"])
    honest = submit(tmp_path, "ben")
    assert rule_rows(attacker, honest) == [
        ("ann", "init_mlp", "forbidden-module",
         "imports nncourse.training (line 1) in answer cell 'init_mlp'"),
        ("ann", "neuron", "forbidden-module",
         "imports scipy.special.expit (line 2) in answer cell 'neuron'"),
        ("ann", "neuron", "forbidden-module",
         "uses expit (from scipy.special.expit, imported in answer cell 'neuron', line 3) "
         "in answer cell 'neuron'"),
        ("ann", "sigmoid", "forbidden-module",
         "imports torch (line 1) in answer cell 'sigmoid'"),
        ("ann", "sigmoid", "forbidden-module",
         "uses torch (from torch, imported in answer cell 'sigmoid', line 4) in answer "
         "cell 'sigmoid'"),
    ]


def test_a_module_imported_in_an_added_cell_and_used_by_a_function(tmp_path):
    attacker = submit(tmp_path, "ann", extra_cells=("import torch as T",),
                      sigmoid="def sigmoid(z):\n    return T.sigmoid(T.as_tensor(z)).numpy()\n")
    assert rule_rows(attacker) == [
        ("ann", OUTSIDE, "forbidden-module", f"imports torch (line 1) in {ADDED}"),
        ("ann", "sigmoid", "forbidden-module", f"uses T (from torch, imported in {ADDED}, "
         "line 2) in answer cell 'sigmoid'"),
    ]


def test_indirect_imports_are_reported(tmp_path):
    attacker = submit(
        tmp_path, "ann",
        sigmoid="def sigmoid(z):\n    t = __import__('torch')\n"
                "    return t.sigmoid(t.as_tensor(z)).numpy()\n",
        neuron="import importlib\n\ndef neuron(x, w, b, activation=None):\n"
               "    sp = importlib.import_module('scipy.special')\n"
               "    return sp.expit(x @ w + b)\n",
        logic_gate_weights="import sys\n\ndef logic_gate_weights(gate):\n"
                           "    f = getattr(np, 'array')\n    m = sys.modules['numpy']\n"
                           "    exec('pass')\n    return eval('(f([1.0, 1.0]), -1.5)')\n")
    rows = rule_rows(attacker)
    assert rows == [
        ("ann", "logic_gate_weights", "indirect-import", "calls eval() (line 7) in answer "
         "cell 'logic_gate_weights'"),
        ("ann", "logic_gate_weights", "indirect-import", "calls exec() (line 6) in answer "
         "cell 'logic_gate_weights'"),
        ("ann", "logic_gate_weights", "indirect-import", "getattr() on the module np "
         "(line 4) in answer cell 'logic_gate_weights'"),
        ("ann", "logic_gate_weights", "indirect-import", "uses sys.modules (line 5) in "
         "answer cell 'logic_gate_weights'"),
        ("ann", "neuron", "indirect-import", "importlib.import_module() (line 4) in answer "
         "cell 'neuron'"),
        ("ann", "neuron", "indirect-import", "imports importlib (line 1) in answer cell "
         "'neuron'"),
        ("ann", "sigmoid", "indirect-import", "calls __import__() (line 2) in answer cell "
         "'sigmoid'"),
    ]


def test_code_outside_the_answer_cells_that_patches_numpy_or_the_library(tmp_path):
    attacker = submit(tmp_path, "ann", extra_cells=(
        "np.allclose = lambda *a, **k: True\n"
        "import nncourse.compare\nnncourse.compare.compare = None\n"
        "setattr(np.testing, 'assert_allclose', print)\n"
        "from nncourse.verdict import Verdict\nVerdict.ok = classmethod(lambda c: None)\n"
        "del np.isfinite\n"
        "plt.rcParams['figure.dpi'] = 50\n",  # a plotting setting is no breach
        "def sigmoid(z):\n    return 0.5 + 0 * z\n"))
    honest = submit(tmp_path, "ben", extra_cells=("x = np.linspace(0, 1, 3)\nx[0] = 5\n",))
    assert rule_rows(attacker, honest) == [
        ("ann", OUTSIDE, "patches-library", f"assigns Verdict.ok (line 6) in {ADDED}"),
        ("ann", OUTSIDE, "patches-library", f"assigns nncourse.compare.compare (line 3) in "
         f"{ADDED}"),
        ("ann", OUTSIDE, "patches-library", f"assigns np.allclose (line 1) in {ADDED}"),
        ("ann", OUTSIDE, "patches-library", f"assigns np.isfinite (line 7) in {ADDED}"),
        ("ann", OUTSIDE, "patches-library", f"setattr() on the module np.testing (line 4) in "
         f"{ADDED}"),
        ("ann", "sigmoid", "defined-outside", f"sigmoid is (re)defined in cell {N + 2} (not "
         "an answer cell), outside its answer cell"),
    ]


def test_built_from_and_forbidden_calls_follow_the_notebooks_rules(tmp_path, monkeypatch):
    rules = {"xor_network": Rules(built_from=("neuron", "logic_gate_weights")),
             "mlp_forward": Rules(forbidden_calls=("neuron",))}
    monkeypatch.setattr(integrity, "rules_of", lambda assignment: rules)
    shortcut = submit(
        tmp_path, "ann",
        xor_network="def xor_network(X):\n    X = np.asarray(X, dtype=float)\n"
                    "    return (X[..., 0] != X[..., 1]).astype(float)\n",
        mlp_forward="def mlp_forward(X, weights, biases, activation=np.tanh):\n"
                    "    return neuron(X, weights[0], biases[0])\n")
    helper = submit(  # built from neuron through a helper of its own: no breach
        tmp_path, "ben",
        xor_network="def gate(name, X):\n    w, b = logic_gate_weights(name)\n"
                    "    return neuron(X, w, b)\n\n"
                    "def xor_network(X):\n    h = np.column_stack([gate('or', X), "
                    "gate('nand', X)])\n    return gate('and', h)\n")
    assert rule_rows(shortcut, helper) == [
        ("ann", "mlp_forward", "forbidden-call", "mlp_forward uses neuron, which the contract "
         "forbids here"),
        ("ann", "xor_network", "built-from", "xor_network never uses logic_gate_weights "
         "(directly or through the student's own functions), which it must be built from"),
        ("ann", "xor_network", "built-from", "xor_network never uses neuron (directly or "
         "through the student's own functions), which it must be built from"),
    ]


def test_rules_are_read_from_the_checks_module_and_may_be_missing():
    assert rules_of("99_no_such_notebook") == {}
    assert all(isinstance(rule, Rules) for rule in rules_of(A).values())


def test_unanswered_and_malformed_files_add_nothing_and_never_raise(tmp_path):
    blank = tmp_path / f"blank_{A}.ipynb"
    nbformat.write(filled_notebook(A, {}), blank)
    deep = tmp_path / f"deep_{A}.ipynb"
    deep.write_bytes(b'{"nbformat": 4, "cells": [' + b"[" * 200_000 + b"]" * 200_000 + b"]}")
    broken = submit(tmp_path, "broken", sigmoid="def sigmoid(z:\n    return (((")
    nested = submit(tmp_path, "nested", sigmoid="x = " + "(" * 5000 + "1" + ")" * 5000)
    assert integrity_rows([Submission("blank", A, blank), Submission("deep", A, deep),
                           Submission("missing", A, None)]) == []
    assert rule_rows(broken, nested) == []


REFERENCE = SOLUTION["perceptron_train"]


def renamed(source: str) -> str:
    """The same function with every local name changed, comments, blank lines, a docstring."""
    tree = ast.parse(source)
    mapping = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            node.arg = mapping.setdefault(node.arg, f"my_{node.arg}_renamed")
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            node.id = mapping.setdefault(node.id, f"my_{node.id}_renamed")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in mapping:
            node.id = mapping[node.id]
        if isinstance(node, ast.FunctionDef):
            node.body.insert(0, ast.Expr(ast.Constant("My own work, honestly.")))
    lines = ast.unparse(tree).splitlines()
    return "\n\n".join(f"{line}    # step {i}" if line.strip() else line
                       for i, line in enumerate(lines)) + "\n"


def test_near_identical_functions_are_paired_after_normalisation(tmp_path):
    copy = renamed(REFERENCE)
    assert copy != REFERENCE and "my_" in copy
    keep = {"np"}
    assert normalise(ast.parse(copy).body[0], keep) == normalise(ast.parse(REFERENCE).body[0],
                                                                 keep)
    other = ("def perceptron_train(X, t, lr=1.0, max_epochs=100):\n"
             "    X = np.asarray(X, float)\n    t = np.asarray(t, float)\n"
             "    weights = np.zeros(X.shape[1])\n    bias = 0.0\n    history = []\n"
             "    for epoch in range(max_epochs):\n"
             "        predictions = (X @ weights + bias > 0).astype(float)\n"
             "        errors = t - predictions\n        count = int(np.sum(errors != 0))\n"
             "        history.append(count)\n        if count == 0:\n            break\n"
             "        weights = weights + lr * X.T @ errors\n"
             "        bias = bias + lr * errors.sum()\n    return weights, bias, history\n")
    rows = integrity_rows([submit(tmp_path, "ann", perceptron_train=REFERENCE),
                           submit(tmp_path, "ben", perceptron_train=copy),
                           submit(tmp_path, "cy", perceptron_train=other)])
    similar = [row for row in rows if row[2] == "perceptron_train"]
    library = integrity.SIMILARITY_LIBRARY
    assert library == "rapidfuzz"
    assert similar == [
        ["ann", A, "perceptron_train", "similar", "near-identical to ben's perceptron_train: "
         "100.0% similar after renaming identifiers and dropping docstrings and dead code "
         f"({library})"],
        ["ben", A, "perceptron_train", "similar", "near-identical to ann's perceptron_train: "
         "100.0% similar after renaming identifiers and dropping docstrings and dead code "
         f"({library})"],
    ]


def test_grade_writes_integrity_csv_with_exact_ids(tmp_path):
    """A tiny class graded end to end (without the sandbox: only integrity is under test)."""
    export = tmp_path / "export"
    export.mkdir()
    submit(export, "José Ñandú", sigmoid=SIGMOID_TORCH)
    submit(export, "Zoë", extra_cells=("np.allclose = lambda *a, **k: True",))
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(export), "--out",
                           str(tmp_path / "out"), "--no-sandbox", "--no-gradebook", "--quiet",
                           "--jobs", "2"], capture_output=True, text=True, timeout=170)
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "out" / "integrity.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["student", "notebook", "function", "rule", "detail"]
    breaches = [row for row in rows[1:] if row[3] not in ("similar", "matches-solution")]
    assert breaches == [
        ["José Ñandú", A, "sigmoid", "forbidden-module",
         "imports torch (line 1) in answer cell 'sigmoid'"],
        ["José Ñandú", A, "sigmoid", "forbidden-module",
         "uses torch (from torch, imported in answer cell 'sigmoid', line 4) in answer "
         "cell 'sigmoid'"],
        ["Zoë", A, OUTSIDE, "patches-library",
         f"assigns np.allclose (line 1) in {ADDED}"],
    ]
    with open(tmp_path / "out" / "grades.csv", encoding="utf-8", newline="") as handle:
        assert sorted(row["student"] for row in csv.DictReader(handle)) == ["José Ñandú", "Zoë"]


def test_given_demo_cells_are_not_reported_but_a_changed_copy_is(tmp_path):
    """The instructor's own cells (a torch demo, say) are not the student's breach; the same
    cell rewritten by the student is read like any cell the student added."""
    from autograder.assemble import instructor_cells, released_form
    from autograder.integrity import _given

    given = [released_form(s) for kind, _, s, _ in instructor_cells(A) if kind == "free"]
    assert given and all(g in _given(A) for g in given)
    assert (released_form(given[0]) + "\nimport torch") not in _given(A)


FORGER = (
    "import os, ctypes\nfrom nncourse import checking as _ck\n"
    "def check(name, *student, **args):\n"
    "    seen = {'raised': None, 'warnings': []}\n"
    "    seed = int(os.environ.get('NNCOURSE_RUN_SEED', '0'))\n"
    "    _ck._publish(name, args, seen)\n"
    "for fd in os.listdir('/proc/self/fd'):\n"
    "    os.write(int(fd), b'{}')\n")


def test_reaching_into_the_grading_machinery_is_reported(tmp_path):
    """Redefining check, the probe publisher, the grader's environment, /proc/self/fd,
    ctypes: each is a 'tampering' row; an honest student has none."""
    forger = submit(tmp_path, "fay", extra_cells=(FORGER,))
    honest = submit(tmp_path, "gus")
    rows = [row for row in rule_rows(forger, honest) if row[2] == "tampering"]
    details = " | ".join(row[3] for row in rows)
    assert {row[0] for row in rows} == {"fay"}
    for expected in ("defines check", "ctypes", "._publish", "'NNCOURSE_RUN_SEED'",
                     "'/proc/self/fd'", ".write"):
        assert expected in details, expected


@pytest.mark.parametrize("assignment", ["01_neuron_and_xor", "02_universal_approximation",
                                        "03_jacobians_and_chain_rule",
                                        "04_computation_graph_backprop",
                                        "05_minibatches_and_sgd", "06_regularization"])
def test_no_solution_breaks_a_rule(tmp_path, assignment):
    """The instructor's answers, submitted as a student's, give no rule rows at all."""
    notebook = filled_notebook(assignment, solution_sources(assignment))
    path = tmp_path / f"kim_{assignment}.ipynb"
    nbformat.write(notebook, path)
    assert rule_rows(Submission("kim", assignment, path)) == []


def test_frame_walking_and_cell_sources_are_reported(tmp_path):
    """The hostile review's forger read check()'s frame and the cells' sources: both are
    'tampering' rows, also when the answer reaches ctypes through numpy."""
    walker = submit(tmp_path, "wes", sigmoid=(
        "import sys, linecache\n"
        "def sigmoid(z):\n"
        "    frame = sys._getframe(2)\n"
        "    frame.f_locals['args']['_'] = 1\n"
        "    lines = linecache.cache\n"
        "    raw = np.ctypeslib.ctypes\n"
        "    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))\n"))
    rows = [row for row in rule_rows(walker) if row[2] == "tampering"]
    details = " | ".join(row[3] for row in rows)
    for expected in ("._getframe", ".f_locals", "linecache", ".ctypeslib"):
        assert expected in details, expected


def test_a_huge_notebook_is_analysed_up_to_its_cap(tmp_path, monkeypatch):
    """Source beyond MAX_NOTEBOOK_CHARS is left out (answer cells first) with a row that
    says so: the analysis of one notebook is bounded."""
    monkeypatch.setattr(integrity, "MAX_NOTEBOOK_CHARS", 20_000)
    padded = submit(tmp_path, "pat", extra_cells=("a = 1\n" * 5_000,) * 4,
                    sigmoid="import torch\n" + SOLUTION["sigmoid"])
    rows = rule_rows(padded)
    assert [row[3] for row in rows if row[2] == "not-analysed"] == [
        "120000 characters of source beyond the 20,000 analysed per notebook (answer cells "
        "first): read this notebook yourself"]
    assert any(row[2] == "forbidden-module" and row[1] == "sigmoid" for row in rows)


def test_a_written_answer_is_prose_and_never_reported(tmp_path):
    """A written answer (a markdown answer cell graded by hand) is not code: words that would
    be rule breaks in code (an import of torch, exec, patching numpy) are not reported."""
    prose = ("I checked it with `import torch` and `torch.sigmoid`; exec(...) or "
             "`np.allclose = lambda *a: True` would be cheating.\n\nimport torch\n")
    written = next(gid for gid, text in SOLUTION.items() if gid.startswith("written_"))
    assert rule_rows(submit(tmp_path, "kim", **{written: prose})) == []


# ---------------------------------------------------------------------------------------------
# scopes, aliases, dead code, the graded cell, the library, complex arithmetic (issue 20)


def test_a_local_name_is_not_a_module_imported_elsewhere_under_that_name(tmp_path):
    """``import torch as t`` in a scratch cell; the graded function's own local ``t`` (an
    argument, an assignment, a loop or comprehension variable) is not torch. A function that
    reads the global ``t`` is still reported."""
    local = submit(tmp_path, "lia", extra_cells=("import torch as t",), sigmoid=(
        "def sigmoid(z):\n    t = np.asarray(z, dtype=float)\n"
        "    out = [1.0 / (1.0 + np.exp(-t)) for t in [t]][0]\n    return out\n"),
        neuron="def neuron(x, w, b, activation=None, t=None):\n"
               "    z = x @ w + b\n    return sigmoid(z) if t is None else t(z)\n")
    reads = submit(tmp_path, "max", extra_cells=("import torch as t",), sigmoid=(
        "def sigmoid(z):\n    def inner(u):\n        return t.sigmoid(t.as_tensor(u))\n"
        "    return inner(z).numpy()\n"))
    rows = rule_rows(local, reads)
    assert [row for row in rows if row[0] == "lia"] == [
        ("lia", OUTSIDE, "forbidden-module", f"imports torch (line 1) in {ADDED}")]
    assert ("max", "sigmoid", "forbidden-module", f"uses t (from torch, imported in {ADDED}, "
            "line 3) in answer cell 'sigmoid'") in rows


@pytest.mark.parametrize("code", [
    "import builtins\n\ndef sigmoid(z):\n    builtins.exec('y = 1')\n    return 0.5 + 0 * z\n",
    "import builtins as b\n\ndef sigmoid(z):\n    run = b.eval\n    return run('0.5') + 0 * z\n",
    "import builtins\n\ndef sigmoid(z):\n"
    "    return getattr(builtins, 'ev' + 'al')('0.5') + 0 * z\n",
    "def sigmoid(z):\n    return __builtins__['eval']('0.5') + 0 * z\n",
    "def sigmoid(z):\n    return __builtins__.eval('0.5') + 0 * z\n",
    "from builtins import eval as run\n\ndef sigmoid(z):\n    return run('0.5') + 0 * z\n",
    "def sigmoid(z):\n    me = __import__('builtins')\n    return me.eval('0.5') + 0 * z\n",
])
def test_exec_and_eval_reached_through_builtins_are_indirect(tmp_path, code):
    """``builtins.exec``, ``getattr(builtins, ...)``, ``__builtins__[...]`` and aliases of
    them are indirect calls like ``exec`` itself."""
    rows = rule_rows(submit(tmp_path, "ivy", sigmoid=code))
    assert any(row[1] == "sigmoid" and row[2] == "indirect-import" for row in rows), rows


DEAD = ("    padding_{i} = np.zeros((3, 3)) + np.ones(3) * {i}.0 - np.eye(3)\n"
        "    if False:\n        print('never {i}')\n")


def with_dead_line(source: str, tag: int) -> str:
    """``source`` with dead lines after its docstring-free first statement."""
    lines = source.splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.startswith("def ")) + 1
    while lines[first].strip().startswith(('"""', "'")) or lines[first - 1].rstrip().endswith(
            ("(", ",")) or not lines[first].strip():
        first += 1
        if lines[first - 1].strip().endswith('"""') and lines[first - 1].strip() != '"""':
            break
    return "".join(lines[:first]) + DEAD.format(i=tag) + "".join(lines[first:])


def test_dead_code_does_not_hide_two_copies(tmp_path):
    """Two renamed copies of one function, each with its own dead lines, are still paired;
    an independent answer is not."""
    first = with_dead_line(renamed(REFERENCE), 1)
    second = with_dead_line(REFERENCE, 2)
    assert "padding_1" in first and "padding_2" in second
    ast.parse(first), ast.parse(second)
    rows = integrity_rows([submit(tmp_path, "ann", perceptron_train=first),
                           submit(tmp_path, "ben", perceptron_train=second)])
    assert [(r[0], r[3]) for r in rows if r[2] == "perceptron_train"] == [
        ("ann", "similar"), ("ben", "similar")]


def test_the_reported_cell_is_the_one_the_grader_grades(tmp_path):
    """Two cells with one answer's grade id: the grader runs the first (a shortcut that never
    uses neuron); the report reads that one, not the honest-looking second copy, which the
    grader never runs."""
    shortcut = ("def xor_network(X):\n    X = np.asarray(X, dtype=float)\n"
                "    return (X[..., 0] != X[..., 1]).astype(float)\n")
    notebook = filled_notebook(A, dict(SOLUTION, xor_network=shortcut))
    index = next(i for i, c in enumerate(notebook.cells)
                 if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "xor_network")
    duplicate = nbformat.from_dict(dict(notebook.cells[index]))
    duplicate.source = SOLUTION["xor_network"] + "\nimport torch\n"
    duplicate.id = "a-second-copy"
    notebook.cells.insert(index + 1, duplicate)
    path = tmp_path / f"dee_{A}.ipynb"
    nbformat.write(notebook, path)
    rows = rule_rows(Submission("dee", A, path))
    assert [r[1:3] for r in rows] == [("xor_network", "built-from")] * 2, rows


# fresh attacks on item 7 (issue 20): each fails on the code before this change

@pytest.mark.parametrize("code", [
    "def sigmoid(z, t=t):\n    return t.sigmoid(t.as_tensor(z)).numpy()\n",
    "@t.no_grad()\ndef sigmoid(z, t=None):\n    return 1 / (1 + np.exp(-np.asarray(z, float)))\n",
    "def sigmoid(z):\n    return [t.sigmoid(t) for t in t.as_tensor([z])][0].numpy()\n",
], ids=["default-argument", "decorator", "first-iterable"])
def test_what_python_reads_in_the_enclosing_scope_is_the_global(tmp_path, code):
    """A default argument, a decorator and a comprehension's first iterable are evaluated
    where the function (or comprehension) is defined: ``t`` there is the torch a scratch
    cell imported, even though the function's own ``t`` shadows it inside."""
    rows = rule_rows(submit(tmp_path, "tom", ("import torch as t",), sigmoid=code))
    assert any(r[1:3] == ("sigmoid", "forbidden-module") and "uses t (from torch" in r[3]
               for r in rows), rows


@pytest.mark.parametrize("code", [
    "def sigmoid(z):\n    import numpy as t\n    return 1 / (1 + t.exp(-t.asarray(z, float)))\n",
    "def sigmoid(z):\n    match z:\n        case t:\n"
    "            return 1 / (1 + np.exp(-np.asarray(t, float)))\n",
    "def sigmoid(z):\n    [(t := np.asarray(z, float)) for _ in [0]]\n"
    "    return 1 / (1 + np.exp(-t))\n",
], ids=["own-import", "match-capture", "walrus-in-comprehension"])
def test_every_way_a_function_binds_a_name_is_its_own(tmp_path, code):
    """An import inside the function, a ``case`` capture and a ``:=`` in a comprehension
    bind the function's own ``t``: not the torch a scratch cell imported as ``t``."""
    rows = rule_rows(submit(tmp_path, "una", ("import torch as t",), sigmoid=code))
    assert not [r for r in rows if r[1] == "sigmoid"], rows


@pytest.mark.parametrize(("extra", "code"), [
    ((), "def sigmoid(z):\n    run = eval\n    return run('0.5') + 0 * z\n"),
    ((), "def sigmoid(z):\n    return [eval][0]('0.5') + 0 * z\n"),
    ((), "def sigmoid(z):\n    return getattr(len.__self__, 'ev' + 'al')('0.5') + 0 * z\n"),
    ((), "def sigmoid(z):\n    return np.__builtins__['ev' + 'al']('0.5') + 0 * z\n"),
    ((), "def sigmoid(z):\n"
         "    return globals()['__builtins__'].__dict__['ev' + 'al']('0.5') + 0 * z\n"),
    ((), "import builtins\n\ndef sigmoid(z):\n"
         "    return builtins.__dict__.get('ev' + 'al')('0.5') + 0 * z\n"),
    (("import builtins",), "def sigmoid(z):\n"
                           "    return vars(builtins)['ev' + 'al']('0.5') + 0 * z\n"),
    (("from builtins import eval as run",), "def sigmoid(z):\n    return run('0.5') + 0 * z\n"),
])
def test_every_route_to_the_builtins_module_is_indirect(tmp_path, extra, code):
    """``exec``/``eval`` passed around as a value, the builtins module reached through a
    builtin's ``__self__``, a module's ``__builtins__``, a string key, or imported in a
    scratch cell and used in the graded function: an ``indirect-import`` of that function."""
    rows = rule_rows(submit(tmp_path, "ivo", extra, sigmoid=code))
    assert any(r[1:3] == ("sigmoid", "indirect-import") for r in rows), rows


DEAD_KINDS = [
    "    pad_{i}, extra_{i} = np.zeros((3, 3)) + {i}.0, np.ones((2, 2)) * np.eye(2) - {i}\n",
    "    for _ in range(0):\n        print('never', {i}, np.ones(3) * np.zeros(3) + 1)\n",
    "    np.zeros((3, 3)) + np.ones(3) * {i}.0 - np.eye(3).sum(axis=0, keepdims=True)\n",
    "    def helper_{i}(a, b):\n        return np.sum(a * b) + np.max(a) - {i}\n",
    "    if 1 > 2:\n        raise ValueError(np.ones((3, 3)) * {i} + np.eye(3).sum())\n",
    "    count_{i} = 0\n    count_{i} += np.sum(np.ones((3, 3)) * {i}) + np.eye(3).trace()\n",
    "    try:\n        pass\n    except ValueError as err_{i}:\n"
    "        print(err_{i}, np.ones((3, 3)) * {i})\n",
    "    while not True and {i}:\n        print(np.ones((3, 3)) * {i}, np.eye(3).sum())\n",
    "    unused_{i} = np.ones(3) * {i}\n    also_{i} = unused_{i} + np.eye(3).sum(axis=0) * 2\n",
    "    print('epoch done', {i}, np.ones((3, 3)).sum() * np.eye(3).trace())\n",
]


def before_return(source: str, dead: str) -> str:
    lines = source.splitlines(keepends=True)
    last = max(i for i, line in enumerate(lines) if line.strip().startswith("return"))
    return "".join(lines[:last]) + dead + "".join(lines[last:])


@pytest.mark.parametrize("kind", range(len(DEAD_KINDS)), ids=[
    "tuple-target", "empty-loop", "no-op-call", "unused-helper", "constant-compare",
    "counter-only-added-to", "try-of-nothing", "constant-boolop", "chain-of-unused",
    "print"])
def test_one_dead_line_of_each_kind_does_not_hide_two_copies(tmp_path, kind):
    """Two renamed copies of a short answer (``xor_network``: about 60 normalised tokens),
    each with one dead line of its own, of a different kind: still paired."""
    reference = SOLUTION["xor_network"]
    first = before_return(renamed(reference), DEAD_KINDS[kind].format(i=1))
    second = before_return(reference, DEAD_KINDS[(kind + 1) % len(DEAD_KINDS)].format(i=2))
    rows = integrity_rows([submit(tmp_path, "ann", xor_network=first),
                           submit(tmp_path, "ben", xor_network=second)])
    assert [(r[0], r[3]) for r in rows if r[2] == "xor_network"] == [
        ("ann", "similar"), ("ben", "similar")], rows


@pytest.mark.parametrize("statement", [
    "np.random.seed(0)", "x.sort()", "grad.fill(0)", "np.add.at(grad, [0], 1)",
    "history.append(x)", "np.exp(x, out=x)", "helper(x)", "x[0] = 1", "x += 1",
])
def test_statements_that_change_something_are_never_dead(statement):
    """What the dead-code pass drops cannot change a result: an in-place call, a call of the
    student's own function, an item assignment, an augmented assignment that is read later
    are kept."""
    from autograder.likeness import code_tokens

    source = f"def f(x, grad, history):\n    {statement}\n    return x, grad, history\n"
    bare = "def f(x, grad, history):\n    return x, grad, history\n"
    assert code_tokens(source) != code_tokens(bare)


def test_independent_correct_answers_are_not_similar_to_each_other():
    """The catalogue's correct variants written from the student's side
    (``autograder/mutants/students_nbNN.py``) are independent answers: no two of one function
    are reported similar after the dead-code pass."""
    import importlib
    import itertools

    from autograder.likeness import likeness

    compared = 0
    from autograder.notebooks import ROOT

    for assignment in sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir()):
        module = importlib.import_module(f"autograder.mutants.students_nb{assignment[:2]}")
        keep = set(integrity._instructor_modules(assignment)) | {"np", "numpy", "math"}
        by_function: dict[str, list[tuple[str, list[str]]]] = {}
        for variant in module.VARIANTS:
            for node in ast.parse(variant.source or "").body:
                if getattr(node, "name", None) == variant.cell:
                    tokens = integrity.similarity_tokens(node, keep)
                    if len(tokens) >= integrity.MIN_SIMILAR_TOKENS:
                        by_function.setdefault(node.name, []).append((variant.name, tokens))
        for items in by_function.values():
            for (a, first), (b, second) in itertools.combinations(items, 2):
                compared += 1
                assert likeness(first, second) < integrity.SIMILARITY_THRESHOLD, (a, b)
    assert compared > 100


def test_a_cell_with_an_answer_s_id_but_not_an_answer_is_not_the_graded_one(tmp_path):
    """The first cell carrying ``xor_network``'s grade id is not marked as a solution cell
    (the grader ignores it: :func:`autograder.assemble.assemble` takes answers from solution
    cells only): the report reads the second, the shortcut the grader grades."""
    import copy

    shortcut = ("def xor_network(X):\n    X = np.asarray(X, dtype=float)\n"
                "    return (X[..., 0] != X[..., 1]).astype(float)\n")
    notebook = filled_notebook(A, dict(SOLUTION, xor_network=shortcut))
    index = next(i for i, c in enumerate(notebook.cells)
                 if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "xor_network")
    honest = nbformat.from_dict(copy.deepcopy(dict(notebook.cells[index])))
    honest.source, honest.id = SOLUTION["xor_network"], "honest-looking"
    honest.metadata["nbgrader"]["solution"] = False
    notebook.cells.insert(index, honest)
    path = tmp_path / f"eve_{A}.ipynb"
    nbformat.write(notebook, path)
    from autograder.assemble import assemble

    cells, _, _ = assemble(A, nbformat.read(path, as_version=4))
    assert any(c["source"] == shortcut for c in cells)  # what the grader runs
    rows = rule_rows(Submission("eve", A, path))
    assert [r[1:3] for r in rows] == [("xor_network", "built-from")] * 2, rows


def test_a_copy_of_the_library_is_reported(tmp_path, monkeypatch):
    """A graded function that is a library function with every name changed is a row that
    names the library function."""
    library = ("def finite_difference_gradient(f, x, eps=1e-6):\n"
               "    x = np.array(x, dtype=np.float64, order='C')\n"
               "    grad = np.zeros_like(x)\n"
               "    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)\n"
               "    for i in range(flat_x.size):\n"
               "        saved = flat_x[i]\n        flat_x[i] = saved + eps\n"
               "        f_plus = float(f(x))\n        flat_x[i] = saved - eps\n"
               "        f_minus = float(f(x))\n        flat_x[i] = saved\n"
               "        flat_grad[i] = (f_plus - f_minus) / (2 * eps)\n    return grad\n")
    monkeypatch.setattr(integrity, "library_matches", LIBRARY_MATCHES)
    integrity._library_encoded.cache_clear()
    monkeypatch.setattr(integrity, "library_functions", lambda: {
        "nncourse/gradcheck.py: finite_difference_gradient":
            integrity.similarity_tokens(ast.parse(library).body[0], {"np"})})
    copy = with_dead_line(renamed(library).replace("finite_difference_gradient",
                                                   "perceptron_train"), 3)
    rows = integrity_rows([submit(tmp_path, "lou", perceptron_train=copy),
                           submit(tmp_path, "kim")])
    integrity._library_encoded.cache_clear()
    found = [row for row in rows if row[3] == "matches-library"]
    assert [(r[0], r[2]) for r in found] == [("lou", "perceptron_train")]
    assert "nncourse/gradcheck.py: finite_difference_gradient" in found[0][4]


def test_the_real_library_matches_no_solution():
    """No graded solution is a copy of a library function (the comparison runs on the real
    library: it holds functions to compare with)."""
    functions = integrity.library_functions()
    assert len(functions) > 100
    for assignment in ("01_neuron_and_xor", "03_jacobians_and_chain_rule"):
        for name in integrity._graded_names(assignment):
            reference = integrity._solution_tokens(assignment, name)
            if reference:
                assert not LIBRARY_MATCHES(reference), (assignment, name)


COMPLEX_STEP = ("def sigmoid_grad(z):\n    z = np.asarray(z, dtype=float)\n"
                "    h = 1e-20\n    s = sigmoid(z + 1j * h)\n    return s.imag / h\n")


@pytest.mark.parametrize("code", [
    COMPLEX_STEP,
    "def sigmoid_grad(z):\n    w = np.asarray(z, dtype=np.complex128) + complex(0, 1e-20)\n"
    "    return np.imag(sigmoid(w)) * 1e20\n",
    "def sigmoid_grad(z):\n    w = np.array(z, dtype='complex') + 1e-20j\n"
    "    return sigmoid(w).imag / 1e-20\n",
])
def test_complex_arithmetic_in_a_derived_function_is_a_breach(tmp_path, code):
    """Complex-step differentiation in a function the contract says is derived: a row; the
    same notebook's numerical_gradient (not derived) may use anything numpy offers."""
    from autograder.notebooks import filled_notebook as fill

    assignment = "03_jacobians_and_chain_rule"
    notebook = fill(assignment, dict(solution_sources(assignment), sigmoid_grad=code))
    path = tmp_path / f"cas_{assignment}.ipynb"
    nbformat.write(notebook, path)
    rows = rule_rows(Submission("cas", assignment, path))
    assert {r[:3] for r in rows} == {("cas", "sigmoid_grad", "complex-arithmetic")}, rows
    assert rules_of(assignment)["sigmoid_grad"].derived
    assert not rules_of(assignment)["numerical_gradient"].derived


def test_the_library_s_tokens_are_kept_between_runs_and_never_trusted_when_broken(
        tmp_path, monkeypatch):
    from autograder import integrity

    integrity.library_functions.cache_clear()
    monkeypatch.setattr(integrity, "LIBRARY_CACHE", [tmp_path])
    try:
        first = integrity.library_functions()
        kept = list(tmp_path.glob("library-tokens-*.json"))
        assert len(kept) == 1 and first
        integrity.library_functions.cache_clear()
        assert integrity.library_functions() == first  # read back, the same
        kept[0].write_text("{not json")
        integrity.library_functions.cache_clear()
        assert integrity.library_functions() == first  # recomputed, and written again
        assert kept[0].read_text().startswith("{\"")
    finally:
        integrity.library_functions.cache_clear()


def test_a_submission_is_analysed_once_and_again_when_its_file_changes(tmp_path, monkeypatch):
    """Grading reads the rules (source_rules) and integrity.csv reads them again: one
    analysis per file's bytes, and a changed file is analysed afresh."""
    from autograder import integrity

    calls = []
    real = integrity._analyse
    monkeypatch.setattr(integrity, "_ANALYSED", {})
    monkeypatch.setattr(integrity, "_analyse", lambda s, raw: calls.append(s) or real(s, raw))
    ann = submit(tmp_path, "ann")
    first = integrity.analyse(ann)
    first[0].append(["changed by a caller"])  # a caller's change never reaches the memo
    assert integrity.analyse(ann) == integrity.analyse(ann) != first
    assert len(calls) == 1
    submit(tmp_path, "ann", sigmoid="import torch\n" + SOLUTION["sigmoid"])
    assert any(row[3] == "forbidden-module" for row in integrity.analyse(ann)[0])
    assert len(calls) == 2
