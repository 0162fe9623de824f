"""``integrity.analyse`` gives the same rows and token streams after its speed-up (issue 23).

The analysis walks each cell's syntax tree once (:mod:`autograder.integrity`); before, every
rule walked it again. ``tests/data/integrity_analysis.json`` holds what the code before that
change returned on a fixed class: every notebook's solution, and notebook 01 with answers
that break each rule (written here, so the class does not move when the catalogue does).
The notebooks' rules are fixed here too (:data:`RULES`), so the file depends on the
notebooks' solutions and given cells only. When those change on purpose, regenerate it with
the analysis of the commit *before* your change and compare:
``PYTHONPATH=lib:. python tests/test_integrity_unchanged.py --write``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import nbformat
import pytest
from nncourse.rules import Rules

from autograder import integrity
from autograder.notebooks import ROOT, filled_notebook, solution_sources
from autograder.submissions import Submission

STORED = Path(__file__).with_name("data") / "integrity_analysis.json"
A = "01_neuron_and_xor"

ANSWERS_01 = {  # student -> answers changed in notebook 01
    "torch-scratch": {"sigmoid": "import torch as t\n\ndef sigmoid(z, t=t):\n"
                      "    return t.sigmoid(t.as_tensor(z)).numpy()\n"},
    "builtins": {"sigmoid": "import builtins as b\n\ndef sigmoid(z):\n"
                 "    run = b.eval\n    return getattr(b, 'ev' + 'al')('0.5') + 0 * z\n",
                 "neuron": "def neuron(x, w, b, activation=None):\n"
                           "    from scipy.special import expit\n"
                           "    return expit(x @ w + b) if activation is None else "
                           "activation(x @ w + b)\n"},
    "patches": {"sigmoid": "def sigmoid(z):\n    return neuron(np.asarray(z, float)[..., None], "
                "np.ones(1), 0.0, lambda u: 1 / (1 + np.exp(-u)))\n",
                "xor_network": "np.allclose = lambda *a, **k: True\n\n"
                "def xor_network(X):\n    X = np.asarray(X, dtype=float)\n"
                "    return (X[..., 0] != X[..., 1]).astype(float)\n"},
    "complex": {"perceptron_train": "def perceptron_train(X, t, lr=1.0, max_epochs=100):\n"
                "    X = np.asarray(X, dtype=np.complex128)\n    h = 1e-20j\n"
                "    w = np.zeros(X.shape[1], dtype='g')\n    history = []\n"
                "    for epoch in range(max_epochs):\n"
                "        wrong = int(np.sum((X @ w > 0) != t))\n"
                "        history.append(wrong)\n        if not wrong:\n            break\n"
                "    return w.real, 0.0 * h.imag, history\n"},
    "tampering": {"collapse_linear": "import sys, gc, inspect\n\n"
                  "def collapse_linear(weights, biases):\n"
                  "    frame = sys._getframe(1).f_back\n"
                  "    check = frame.f_globals.get('check')\n"
                  "    __builtins__['exec']('pass')\n"
                  "    return gc.get_objects(), '/proc/self/environ', check\n"},
    "dead-copy": {"xor_network": "def xor_network(X):\n    pad, more = 1, 2\n"
                  "    if 1 > 2:\n        print('never')\n"
                  + solution_sources(A)["xor_network"].split("\n", 1)[1]},
}


def rules_for(assignment: str) -> dict:
    """Fixed rules: every graded function derived and built from the one before it, the
    first also forbidden to call the second (every rule's rows get exercised)."""
    names = list(integrity._graded_names(assignment))
    rules = {name: Rules(built_from=(names[i - 1],) if i else (),
                         derived=True, allowed_packages=("torch",) if i == 1 else ())
             for i, name in enumerate(names)}
    if len(names) > 1:
        rules[names[0]] = Rules(forbidden_calls=(names[1],), derived=True)
    return rules


def analysis(folder: Path) -> dict:
    """Every submission's rows and token streams' digests (student -> ...)."""
    submissions = []
    for assignment in sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir()):
        path = folder / f"solution_{assignment}.ipynb"
        nbformat.write(filled_notebook(assignment, solution_sources(assignment)), path)
        submissions.append(Submission("solution", assignment, path))
    for student, answers in ANSWERS_01.items():
        path = folder / f"{student}_{A}.ipynb"
        nbformat.write(filled_notebook(A, dict(solution_sources(A), **answers)), path)
        submissions.append(Submission(student, A, path))
    found = {}
    for submission in submissions:
        rows, normalised = integrity.analyse(submission)
        found[f"{submission.student} {submission.assignment}"] = {
            "rows": rows, "tokens": {name: hashlib.sha256(json.dumps(tokens).encode())
                                     .hexdigest() for name, tokens in normalised.items()}}
    return found


def test_the_analysis_is_what_it_was_before_the_single_walk(tmp_path, monkeypatch):
    monkeypatch.setattr(integrity, "rules_of", rules_for)
    monkeypatch.setattr(integrity, "_ANALYSED", {})
    stored = json.loads(STORED.read_text(encoding="utf-8"))
    found = analysis(tmp_path)
    assert sorted(found) == sorted(stored)
    for key in stored:
        assert found[key] == stored[key], key
    assert any(stored[f"{s} {A}"]["rows"] for s in ANSWERS_01)  # rules that do fire
    rules = {row[3] for s in ANSWERS_01 for row in stored[f"{s} {A}"]["rows"]}
    assert {"forbidden-module", "indirect-import", "patches-library", "complex-arithmetic",
            "extended-precision", "tampering", "built-from", "forbidden-call"} <= rules


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    import tempfile

    integrity.rules_of = rules_for
    with tempfile.TemporaryDirectory() as folder:
        STORED.write_text(json.dumps(analysis(Path(folder)), indent=1, sort_keys=True) + "\n",
                          encoding="utf-8")
    print(f"wrote {STORED}")
elif __name__ == "__main__":
    pytest.main([__file__, "-q"])
