"""What a check enforces, the contract tells (notebooks 03 and 04's review, 2026-12-06).

A rule the student was not told is not a rule. Measured, not declared: each notebook's
instructor solution runs under every check of its test cells (visible and hidden, probe and
judge), with ``unchanged`` (the judges' test that a call left its inputs as they were)
recorded; every graded function a judge holds to that must say so in its docstring. Run for
the notebooks whose docstrings were brought in line (03 and 04).
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import io
import os
import re

import pytest
from nncourse.checking import find_check, run_probe
from test_input_kinds import SEED, check_calls, notebook_namespace

from autograder.notebooks import SOLUTIONS

TOLD = ("unchanged", "not changed", "are not changed", "left as")
"""Words of a docstring that tell the inputs are left as they were."""

CHECKED = ("03_jacobians_and_chain_rule", "04_computation_graph_backprop")


def judged_unchanged(assignment: str) -> tuple[dict[str, set[str]], dict[str, str]]:
    """{graded function: the checks whose judge tested that it left its inputs unchanged},
    and {graded function: docstring}."""
    number = assignment[:2]
    modules = [importlib.import_module(f"nncourse.checks.nb{number}")]
    os.environ["NNCOURSE_CHECK_MODULES"] = "autograder.hidden"
    with contextlib.suppress(ModuleNotFoundError):
        modules.append(importlib.import_module(f"autograder.hidden.nb{number}"))
    seen_names: list[str] = []
    originals = {module: module.unchanged for module in modules if hasattr(module, "unchanged")}

    def recording(original):
        def unchanged(name, *args, **kwargs):
            seen_names.append(name)
            return original(name, *args, **kwargs)
        return unchanged

    found: dict[str, set[str]] = {}
    cwd = os.getcwd()
    os.chdir(SOLUTIONS / assignment)
    try:
        for module, original in originals.items():
            module.unchanged = recording(original)
        namespace = notebook_namespace(assignment, [])
        docstrings = {name: getattr(value, "__doc__", None) or "" for name, value
                      in namespace.items() if hasattr(value, "__wrapped_original__")}
        for check_name, call, _hidden in check_calls(assignment):
            student = tuple(eval(compile(ast.Expression(a), "<call>", "eval"), namespace)
                            for a in call.args[1:])
            args = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
            check = find_check(check_name)
            with contextlib.redirect_stdout(io.StringIO()):
                seen = run_probe(check, student, args, seed=SEED)
                seen_names.clear()
                extra = {"run_seed": SEED} if check.fresh else {}
                verdict = check.judge(seen, **check.arguments(args, SEED), **extra)
            assert verdict.passed, f"{check_name}: {verdict.message}"
            for name in seen_names:
                for part in re.split(r"[/(.,\s]", name):
                    if part in docstrings:
                        found.setdefault(part, set()).add(check_name)
    finally:
        for module, original in originals.items():
            module.unchanged = original
        os.chdir(cwd)
        os.environ.pop("NNCOURSE_CHECK_MODULES", None)
    return found, docstrings


@pytest.mark.parametrize("assignment", CHECKED)
def test_every_function_judged_unchanged_says_so(assignment):
    """softmax_cross_entropy and mlp_loss_and_grads were judged unchanged without a word in
    their docstrings (review of 2026-12-06)."""
    found, docstrings = judged_unchanged(assignment)
    assert found, "no judge tested an input unchanged: the measurement is broken"
    untold = {name: sorted(checks) for name, checks in found.items()
              if not any(word in docstrings[name].lower() for word in TOLD)}
    assert not untold, f"judged unchanged, not told in the docstring: {untold}"
