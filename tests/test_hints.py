"""Hints name the symptom, then the idea, never the answer; the second layer is reachable.

Every plausible wrong answer of the catalogue (``autograder/mutants/nbNN.py``) for the graded
functions listed in :data:`FORBIDDEN` is run, in this process, through the test cells of its
notebook (visible and hidden checks alike). For every check it fails:

- no text the student is shown (the failure message and every hint layer) contains one of
  the function's key expressions written in words or in code (:data:`FORBIDDEN`: the
  phrasings a review found, and the ones they are close to);
- the second hint layer is reachable: ``hints=2`` shows a text layer 1 did not.

The phrasings are data, one list per function, next to this test: add one when a review finds
a new way of saying an answer.
"""

from __future__ import annotations

import ast
import importlib
import math
import pkgutil
import re

import numpy as np
import pytest
from nncourse.verdict import Verdict

from autograder.mutation import catalogue
from autograder.notebooks import grade_id, is_solution, solution_sources, source_notebook

NB04, NB05, NB06 = ("04_computation_graph_backprop", "05_minibatches_and_sgd",
                    "06_regularization")

# Each entry: a regular expression (case-insensitive) for a way of writing the function's
# answer; none may appear in what a failing check shows.
DERIVATIVE_RULES = [
    r"\(1\s*-\s*s\)\s*\*?\s*s", r"s\s*\*?\s*\(1\s*-\s*s\)", r"sigmoid'?s? slope at each entry",
    r"dout times", r"times the sigmoid", r"passes (unchanged|through)", r"nothing passes",
    r"\bmask is \[", r"\[Z1 > 0\]", r"\+= in every", r"accumulate with \+=",
    r"reverse(d)? topological order", r"topological_order\(self\), reversed",
    r"self\.grad = 1\.0", r"sum of both contributions", r"passes dout only where",
    r"visit the inputs first, then append", r"\(post-order\)",
]
RELU_RULES = DERIVATIVE_RULES + [r"a bias term"]  # a ReLU has none (review r34, 9)
MEAN_RULES = [r"carries (a|one) (factor )?1/N", r"divide(d)? by N\b", r"each row carries a 1/N",
              r"1/N, applied once"]
SOFTMAX_RULES = [r"p\s*-\s*onehot", r"probabilities minus", r"mean over the batch of\s*-log"]
PENALTY_RULES = [r"lam\s*\*\s*sign", r"lam times the sign", r"lam\s*\*\s*\(sum of",
                 r"lam times the sum", r"2\s*\*?\s*lam\s*\*?\s*w", r"twice lam"]
DROPOUT_RULES = [r"1\s*/\s*\(1\s*-\s*p\)", r"scale by 1/", r"scaled exactly as its value"]
NORM_RULES = [r"sum over the batch \(axis 0\)", r"sum over the batch what reaches",
              r"then scale by gamma and (add|shift)", r"divide by [ND]\b(?!\s*-)",
              r"momentum \* running", r"the old value keeps the weight momentum",
              r"1/N \* sum", r"dout \* gamma / sqrt", r"gives the \*old\* running value"]
STEP_RULES = [r"moves against the gradient, by lr times", r"divided by its bias correction",
              r"eps added after the square root"]
STOP_RULES = [r"e - best_epoch >= patience", r"e - best_epoch > patience",
              r"len\(val_losses\) - 1"]
RESIDUAL_RULES = [r"input plus the branch relu", r"relu\(X @ W \+ b\)"]

FORBIDDEN: dict[tuple[str, str], list[str]] = {
    (NB04, "Value"): DERIVATIVE_RULES,
    (NB04, "relu_layer"): RELU_RULES,
    (NB04, "sigmoid_layer"): DERIVATIVE_RULES,
    (NB04, "softmax_cross_entropy"): DERIVATIVE_RULES + MEAN_RULES + SOFTMAX_RULES,
    (NB04, "mlp_loss_and_grads"): DERIVATIVE_RULES + MEAN_RULES + SOFTMAX_RULES,
    (NB04, "value_net"): DERIVATIVE_RULES,
    (NB05, "sgd_step"): STEP_RULES,
    (NB05, "make_minibatches"): [],
    (NB05, "train_mlp"): STEP_RULES,
    (NB05, "adam_step"): STEP_RULES,
    (NB05, "batch_gradient_by_loop"): MEAN_RULES + SOFTMAX_RULES + DERIVATIVE_RULES,
    (NB05, "batch_gradient_vectorized"): MEAN_RULES + SOFTMAX_RULES + DERIVATIVE_RULES,
    (NB06, "l2_penalty"): PENALTY_RULES,
    (NB06, "l1_penalty"): PENALTY_RULES,
    (NB06, "dropout_forward"): DROPOUT_RULES,
    (NB06, "dropout_backward"): DROPOUT_RULES,
    (NB06, "batchnorm_forward"): NORM_RULES,
    (NB06, "batchnorm_backward"): NORM_RULES,
    (NB06, "batchnorm_backward_alt"): NORM_RULES,
    (NB06, "layernorm_forward"): NORM_RULES,
    (NB06, "layernorm_backward"): NORM_RULES,
    (NB06, "residual_forward"): RESIDUAL_RULES,
    (NB06, "residual_backward"): RESIDUAL_RULES + NORM_RULES,
    (NB06, "init_weights"): [],
    (NB06, "early_stopping"): STOP_RULES,
    (NB06, "train_regularized"): STOP_RULES + PENALTY_RULES + NORM_RULES + DROPOUT_RULES,
}
"""(notebook, solution cell) -> the phrasings its failing checks may not show."""


def _load_checks() -> None:
    import autograder.hidden

    importlib.import_module("nncourse.checks")
    for module in pkgutil.iter_modules(autograder.hidden.__path__):
        importlib.import_module(f"autograder.hidden.{module.name}")


def _defined(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


def _arguments(source: str) -> list[list[str]]:
    """The names each ``check(...)`` call of a test cell passes, in order."""
    return [[a.id for a in call.args[1:] if isinstance(a, ast.Name)]
            for call in ast.walk(ast.parse(source))
            if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "check"]


def failing_verdicts(assignment: str, answers: dict[str, str], names: set[str]) -> list:
    """(check name, verdict) of every failing check in the test cells that test one of
    ``names``, with ``answers`` in place of the solution cells and, of the given code, only
    its imports, functions and classes (no demo runs)."""
    from nncourse.checking import find_check, judge_seen, run_probe

    namespace: dict = {"np": np, "math": math, "__name__": "__main__"}
    tests, order = [], {}
    for cell in source_notebook(assignment).cells:
        if cell.cell_type != "code":
            continue
        if is_solution(cell):
            order.update({name: len(order) for name in _defined(answers[grade_id(cell)])})
            exec(answers[grade_id(cell)], namespace)  # noqa: S102 - the course's own answers
        elif cell.source.lstrip().startswith("check("):
            tests.append(cell.source)
        else:
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue
            kept = [n for n in tree.body
                    if isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef))]
            exec(ast.unparse(ast.Module(kept, [])), namespace)  # noqa: S102
    found = []

    def recording(name, *student, **args):
        check = find_check(name)
        verdict = judge_seen(check, run_probe(check, student, args), args)
        if not verdict.passed:
            found.append((name, verdict))

    namespace["check"] = recording
    last = max(order.get(name, -1) for name in names)
    for source in tests:
        # the cells that test one of names, not a later exercise built on it (value_net
        # gets Value too): every function they pass is written no later than names
        calls = [args for args in _arguments(source) if set(args) & names]
        if calls and all(order.get(a, -1) <= last for args in calls for a in args):
            exec(source, namespace)  # noqa: S102
    return found


def hint_problems(assignment: str, cell: str, phrasings: list[str]) -> tuple[int, list[str]]:
    """(how many failing verdicts were read, what is wrong with them) over every catalogue
    mutant of solution cell ``cell``."""
    _load_checks()
    solutions = solution_sources(assignment)
    names = _defined(solutions[cell]) or {cell}
    forbidden = [re.compile(p, re.IGNORECASE) for p in phrasings]
    read, problems = 0, []
    for mutant in catalogue(assignment):
        if mutant.kind != "mutant" or mutant.cell != cell:
            continue
        for check, verdict in failing_verdicts(assignment, mutant.answers(solutions), names):
            read += 1
            shown = verdict.render()
            problems += [f"{mutant.name} -> {check}: shows {p.pattern!r}: {shown[:300]}"
                         for p in forbidden if p.search(shown)]
            if verdict.not_written or verdict.course_bug:
                continue
            if verdict.render(max_hints=2) == verdict.render(max_hints=1):
                problems.append(f"{mutant.name} -> {check}: hints=2 shows nothing new: "
                                f"{shown[:300]}")
    return read, problems


@pytest.mark.parametrize(("assignment", "cell"), sorted(FORBIDDEN))
def test_failing_checks_show_the_symptom_and_the_idea_never_the_answer(assignment, cell):
    """For every catalogue mutant of the cell: no failing check shows a forbidden phrasing,
    and each has a second hint layer."""
    read, problems = hint_problems(assignment, cell, FORBIDDEN[(assignment, cell)])
    assert read > 0, f"no catalogue mutant of {cell} failed a check: nothing was read"
    assert not problems, "\n".join(problems)


def test_the_hint_finder_finds_the_old_relu_and_mean_hints():
    """The phrasings catch the hints the review of 2026-12-06 found (relu_backward's rule
    in words, the batch gradients' 1/N for every mistake, sigmoid_backward's chain rule)."""
    old = ["Where the forward input was positive the gradient passes unchanged, elsewhere "
           "nothing passes: decide from the forward input (the cache), not from dout.",
           "Look at the scale first: the loss is the MEAN over the batch, so every gradient "
           "carries one factor 1/N, applied once.",
           "dX is off: it should be dout times the sigmoid's slope at each entry of X.",
           "The course's convention is relu'(0) = 0: the mask is [Z1 > 0], not [Z1 >= 0].",
           "penalty: lam times the sum of |entries| of the weight matrices"]
    rules = DERIVATIVE_RULES + MEAN_RULES + PENALTY_RULES
    for text in old:
        assert any(re.search(p, text, re.IGNORECASE) for p in rules), text


@pytest.mark.parametrize("cell", ["batch_gradient_by_loop", "batch_gradient_vectorized"])
def test_the_batch_gradients_first_hint_names_what_each_mistake_shows(cell):
    """Notebook 05's gradient checks once gave the same first hint (the 1/N) for every
    mistake: now each mutant's first hint names what its gradients show, so different
    mistakes (a missing mean, relu'(0) = 1, a wrong factor in one key) read differently."""
    _load_checks()
    solutions = solution_sources(NB05)
    first = {}
    for mutant in catalogue(NB05):
        if mutant.kind != "mutant" or mutant.cell != cell:
            continue
        for check, verdict in failing_verdicts(NB05, mutant.answers(solutions), {cell}):
            if check.endswith("_values"):
                first[mutant.name] = verdict.hints[0]
    assert len(first) >= 2 and len(set(first.values())) == len(first), first
    scale = [hint for name, hint in first.items() if "summed" in name or "mean" in name]
    assert scale and all(re.search(r"exactly N = \d+ times", hint) for hint in scale), first


def first_hints(assignment: str, mutant_name: str, names: set[str]) -> dict[str, Verdict]:
    """check name -> verdict of every check one catalogue mutant fails, in the test cells of
    ``names``."""
    _load_checks()
    mutant = next(m for m in catalogue(assignment) if m.name == mutant_name)
    return dict(failing_verdicts(assignment, mutant.answers(solution_sources(assignment)),
                                 names))


def test_a_backward_that_over_counts_is_told_it_over_counts():
    """Review r34, 4: a backward walking every path gets 219 for 36 on a reused node; its
    hint said some uses "do not count" (a missing contribution) and pointed at += ."""
    verdict = first_hints(NB04, "backward_recursion_every_path", {"Value"})["value_backward_graphs"]
    assert "too large" in verdict.hints[0] and "do not count" not in verdict.hints[0], verdict
    assert "+=" not in verdict.render(max_hints=2), verdict.render(max_hints=2)
    under = first_hints(NB04, "value_add_assigns", {"Value"})["value_backward_graphs"]
    assert "too large" not in under.hints[0], under.hints


def test_a_wrong_exp_derivative_is_not_told_every_operation_passes():
    """Review r34, 4: the chain case claimed "each operation passes on its own" although
    value_functions fails on exp."""
    found = first_hints(NB04, "exp_derivative_from_input", {"Value"})
    assert "value_functions" in found, sorted(found)
    chain = found.get("value_backward_graphs")
    assert chain is None or "passes on its own but" not in chain.render(max_hints=2), chain


def test_mlp_failing_through_an_earlier_function_is_not_asked_about_swapped_entries():
    """Review r34, 10: grads of the right shape, wrong because softmax_cross_entropy lacks
    its 1/N: the first hint asked whether two entries were swapped."""
    found = first_hints(NB04, "softmax_no_one_over_n", {"mlp_loss_and_grads"})
    shown = [v.hints[0] for name, v in found.items() if name.startswith("mlp")]
    assert shown and not any("swapped" in hint for hint in shown), shown
    assert any("fix that one first" in hint for hint in shown), shown


def test_square_jacobians_are_not_told_the_shapes_fit_one_way():
    """Review r34, 16: for three (3, 3) Jacobians any order has the right shape."""
    from nncourse.checks.nb03 import judge_chain

    rng = np.random.default_rng(0)
    square = [rng.normal(size=(3, 3)) for _ in range(3)]
    verdict = judge_chain("three (3, 3)", np.linalg.multi_dot(square), square)
    assert not verdict.passed and "one way round" not in verdict.render(max_hints=2), verdict
    rect = [rng.normal(size=(4, 3)), rng.normal(size=(2, 4))]
    assert "one way round" in judge_chain("rect", rect[0].T @ rect[1].T, rect).hints[0]


@pytest.mark.parametrize("mutant", ["es_patience_off_by_one_late", "es_patience_off_by_one_early",
                                    "tr_patience_off_by_one"])
def test_patience_off_by_one_is_not_given_the_tie_hint(mutant):
    """Review r56, 8: a stop one epoch late got "a tie is not an improvement"."""
    cell = "train_regularized" if mutant.startswith("tr") else "early_stopping"
    found = first_hints(NB06, mutant, {cell})
    assert found, mutant
    for verdict in found.values():
        assert not re.search(r"\btie", verdict.hints[0]), verdict.hints


def test_an_unscaled_dropout_backward_is_not_told_to_reuse_the_mask():
    """Review r56, 8: dout * (mask != 0) got "drawing a new mask gives the gradient of a
    different network"; it has the right mask and the wrong scale."""
    found = first_hints(NB06, "dropout_backward_unscaled", {"dropout_backward"})
    first = [v.hints[0] for v in found.values()]
    assert first and not any("new mask" in h for h in first), first
    assert any("times what it should be" in h for h in first), first


def test_eps_outside_the_root_is_named():
    """Review r56, 8: eps outside the square root in batch norm got a running-statistics
    hint; the message now names where eps is."""
    found = first_hints(NB06, "bn_eps_outside_sqrt", {"batchnorm_forward"})
    named = {k: "eps is not where" in v.message for k, v in found.items()}
    assert named.get("batchnorm_forward_train") and named.get("batchnorm_forward_eval"), named
    for verdict in found.values():  # the eval-mode hints send to the shared normalisation
        assert "eps is not where" in verdict.message or "training-mode" in verdict.hints[0], \
            verdict.render(max_hints=2)


def test_topological_order_failures_have_a_second_layer():
    """Review r34, 7: the order's failures (run here on the judge: a mutant's duplicates
    explode in-process) each have a second hint."""
    from nncourse.checks.nb04 import judge_order

    inputs, root = [(), (), (0, 1), (2, 0)], 3
    wrong = {"missing": ["n0", "n2", "n3"], "inputs after": ["n2", "n0", "n1", "n3"],
             "root not last": ["n0", "n1", "n3", "n2"], "duplicate": ["n0", "n0", "n1", "n2", "n3"],
             "stranger": ["n0", "n1", "n2", "n3", "n9"]}
    for what, order in wrong.items():
        verdict = judge_order("order", order, inputs, root)
        assert not verdict.passed, what
        assert verdict.render(max_hints=2) != verdict.render(max_hints=1), (what, verdict)


def test_check_summaries_state_no_rule():
    """Review r34, 6: the self-check heads each failure with the check's docstring; relu's
    said "relu_backward passes dout only where X > 0"."""
    from nncourse.checking import find_check

    _load_checks()
    phrasings = [re.compile(p, re.IGNORECASE) for p in DERIVATIVE_RULES + NORM_RULES
                 + DROPOUT_RULES + PENALTY_RULES]
    for name in ("relu_layer", "sigmoid_layer", "value_backward_graphs",
                 "softmax_cross_entropy_values"):
        doc = type(find_check(name)).__doc__ or find_check(name).__doc__ or ""
        assert not [p.pattern for p in phrasings if p.search(doc)], (name, doc)


def test_waiting_on_an_unfinished_function_has_a_second_layer():
    """Review r34, 7/8: "needs your sigmoid, which is not implemented yet" had one hint, and
    it promised a test of sigmoid that notebook 03 does not have."""
    from nncourse.checking import find_check, judge_seen

    _load_checks()
    verdict = judge_seen(find_check("relu_layer"),
                         {"raised": "NotImplementedError: ", "raised_in": "sigmoid"}, {})
    assert verdict.not_written and len(verdict.hints) >= 2, verdict
    assert "its own test says when it works" not in verdict.hints[0], verdict.hints
