"""Review 20/b H3 and H4: the visible checks of notebook 05 fail a shuffle that keeps an
invariant of the index, and a batch gradient that loops over the examples without running a
line of the answer per example; the correct answers still pass. Review r56 M3: the demo that
compares the two gradients says which function is missing instead of crashing.

Each wrong answer of the notebook's catalogue is graded by ``autograder mutate``; here the
whole class is tried on the checks' own functions, quickly."""

from __future__ import annotations

import contextlib
import functools
import io
import math
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nncourse.checking import find_check, judge_seen, run_probe
from nncourse.checks.nb05 import (
    LINE_BATCHES,
    RESIDUE_FALSE_ALARM,
    RESIDUE_MODULI,
    calls_run,
    judge_lines,
    judge_residues,
    judge_shuffled,
    lines_run,
    random_problem,
    residue_limit,
)
from nncourse.data import digits_split
from test_review_r56 import verdict
from test_unreadable_inputs import NOTEBOOKS, definitions, namespace

from autograder.notebooks import grade_id, solution_sources, source_notebook

N = 1437  # the digits' training set: the size every make_minibatches check also uses


def keeps_residue(k: int, shift: int = 0):
    """Orders where an example whose index is r modulo k lands at a place r + shift modulo
    k (k divides N + shift-free sizes: the places of a residue are exactly as many)."""
    def order(rng, n=k * (N // k)):
        result = np.empty(n, dtype=np.int64)
        for r in range(k):
            result[(r + shift) % k::k] = rng.permutation(np.arange(r, n, k))
        return result
    return order


@pytest.mark.parametrize("k", [*range(2, 12), 16, 29, 32])
@pytest.mark.parametrize("shift", [0, 1])
def test_an_order_that_keeps_a_residue_of_the_index_is_not_uniform(k, shift):
    order = keeps_residue(k, shift)(np.random.default_rng(k))
    assert judge_shuffled("make_minibatches", order).passed is False
    result = judge_residues("make_minibatches", order)
    assert not result.passed and "modulo" in result.message
    assert len(result.hints) == 2 and result.render(max_hints=2) != result.render(max_hints=1)


def test_the_parity_shuffle_of_the_review_fails_the_visible_check():
    """var/5_s12: evens among the even places, odds among the odd ones (it kept 10/10)."""
    check = "minibatches_cover_and_pair"
    for name in ("minibatches_parity_shuffle", "minibatches_keeps_index_mod_7"):
        result = verdict(check, namespace("05", name)["make_minibatches"])
        assert not result.passed and "modulo" in result.message, (name, result.message)


def test_uniform_orders_pass_with_room_to_spare():
    """300 uniform orders of the digits' size: no cell comes near its limit (the bound
    itself is proved in residue_limit's docstring and checked below)."""
    worst = 0.0
    for seed in range(300):
        order = np.random.default_rng([seed, 5]).permutation(N)
        assert judge_residues("make_minibatches", order).passed, seed
        for k in RESIDUE_MODULI:
            sizes = np.bincount(np.arange(N) % k, minlength=k)
            table = np.zeros((k, k))
            np.add.at(table, (order % k, np.arange(N) % k), 1)
            distance = np.abs(table - np.outer(sizes, sizes) / N)
            cells = sum(j * j for j in RESIDUE_MODULI)
            worst = max(worst, float(np.max(
                distance / residue_limit(np.minimum.outer(sizes, sizes), cells))))
    assert worst < 0.6, worst


def test_uniform_orders_of_small_data_sets_pass():
    """Fewer examples than a modulus (the hidden checks draw N from 11 to 80): a residue that
    no example has is no evidence (once 0 < 0 failed every N below 32)."""
    for n in range(10, 81):
        for seed in range(3):
            order = np.random.default_rng([seed, n]).permutation(n)
            assert judge_residues("make_minibatches", order).passed, (n, seed)


def test_the_false_alarm_bound_of_one_order_is_below_1e_11():
    """Hoeffding (sampling without replacement): P(|count - mean| >= t) <= 2 exp(-2 t^2 /
    draws) per cell; the union over every cell of every modulus is RESIDUE_FALSE_ALARM."""
    cells = sum(k * k for k in RESIDUE_MODULI)
    total = 0.0
    for k in RESIDUE_MODULI:
        sizes = np.bincount(np.arange(N) % k, minlength=k)
        draws = np.minimum.outer(sizes, sizes)
        total += float(np.sum(2 * np.exp(-2 * residue_limit(draws, cells) ** 2 / draws)))
    assert math.isclose(total, RESIDUE_FALSE_ALARM, rel_tol=1e-9)
    assert RESIDUE_FALSE_ALARM <= 1e-11


FORWARD = '''
def batch_gradient_vectorized(params, X, y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    X = np.asarray(X, dtype=float)
    N = len(X)
    z = X @ W1 + b1
    h = np.maximum(z, 0)
    s = h @ W2 + b2
    p = np.exp(s - s.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(N), y] -= 1.0
    p /= N
    dz = (p @ W2.T) * (z > 0)
'''
REST = '"b1": dz.sum(0), "W2": h.T @ p, "b2": p.sum(0)}'
LOOPS = {
    "map": 'return {"W1": sum(map(np.outer, X, dz)), ' + REST,
    "list comprehension": 'return {"W1": np.sum([np.outer(a, b) for a, b in zip(X, dz)], 0), '
                          + REST,
    "functools.reduce": 'return {"W1": functools.reduce(np.add, map(np.outer, X, dz)), ' + REST,
    "np.vectorize": 'f = np.vectorize(lambda i: np.outer(X[i], dz[i]), signature="()->(m,n)")'
                    '\n    return {"W1": f(np.arange(len(X))).sum(0), ' + REST,
    "np.apply_along_axis": 'd = X.shape[1]\n    return {"W1": np.apply_along_axis(lambda r: '
                           'np.outer(r[:d], r[d:]).ravel(), 1, np.hstack([X, dz])).sum(0)'
                           '.reshape(d, -1), ' + REST,
    "np.frompyfunc": 'f = np.frompyfunc(lambda i: np.outer(X[i], dz[i]), 1, 1)\n'
                     '    return {"W1": sum(f(np.arange(len(X)))), ' + REST,
    "recursion": 'def rec(i):\n        return np.outer(X[i], dz[i]) + (rec(i + 1) if i + 1 < '
                 'len(X) else 0)\n    return {"W1": rec(0), ' + REST,
    "a ufunc's outer driven by C": 'return {"W1": functools.reduce(np.add, map('
                                   'np.multiply.outer, X, dz)), ' + REST,
    "a ufunc's outer summed by sum": 'return {"W1": sum(map(np.multiply.outer, X, dz)), '
                                     + REST,
}


def hidden_loop(body: str):
    space = {"np": np, "functools": functools}
    exec(FORWARD + "    " + body + "\n", space)  # noqa: S102 - the test's own answers
    return space["batch_gradient_vectorized"]


@pytest.mark.parametrize("how", LOOPS)
def test_a_loop_over_the_examples_however_written_is_a_loop(how):
    """No line of the answer runs per example in some of these (map, C-driven ufuncs): the
    calls they make still grow with the batch."""
    gradient = hidden_loop(LOOPS[how])
    inputs = [random_problem(n, 4, 5, 3, 1) for n in LINE_BATCHES]
    calls = [calls_run(gradient, i) for i in inputs]
    result = judge_lines("batch_gradient_vectorized", [lines_run(gradient, i) for i in inputs],
                         calls)
    assert not result.passed, calls
    assert "loop over the examples" in result.message
    assert len(result.hints) == 2


@pytest.mark.parametrize("name", ["vectorized_map_outer_loop",
                                  "vectorized_ufunc_outer_reduced_in_c"])
def test_the_hidden_loops_fail_the_visible_check(name):
    """var/5_s07 (map over np.outer) kept 10/10."""
    result = verdict("batch_gradient_vectorized_values",
                     namespace("05", name)["batch_gradient_vectorized"])
    assert not result.passed and "loop over the examples" in result.message, result.message


def test_the_solution_makes_as_many_calls_for_every_batch_and_passes():
    gradient = namespace("05")["batch_gradient_vectorized"]
    calls = [calls_run(gradient, random_problem(n, 4, 5, 3, 1)) for n in LINE_BATCHES]
    assert calls[0] == calls[1], calls
    assert verdict("batch_gradient_vectorized_values", gradient).passed


def test_calls_run_keeps_the_watch_it_found():
    """The rules' own profile (forbidden calls) still sees the calls, and is back after."""
    seen = []

    def rules_watch(frame, event, arg):
        if event == "call":
            seen.append(frame.f_code.co_name)

    gradient = namespace("05")["batch_gradient_vectorized"]
    sys.setprofile(rules_watch)
    try:
        calls_run(gradient, random_problem(3, 4, 5, 3, 1))
        assert sys.getprofile() is rules_watch
    finally:
        sys.setprofile(None)
    assert "batch_gradient_vectorized" in seen


def test_the_gradient_demo_names_the_missing_notebook04_function():
    """Both gradient exercises done, the notebook-04 functions not pasted yet (review r56 M3):
    the cell printed the comparison, then crashed in the finite differences of b2 with a bare
    NotImplementedError; it must say what to finish, as the other demo cells do."""
    assignment = NOTEBOOKS["05"]
    release = Path(__file__).parents[1] / "notebooks" / assignment / f"{assignment}.ipynb"
    stubs = {grade_id(cell): cell.source for cell in nbformat.read(release, as_version=4).cells
             if grade_id(cell)}
    space = definitions(assignment, {**solution_sources(assignment),
                                     "notebook04_functions": stubs["notebook04_functions"]})
    X_train, _, y_train, _ = digits_split()
    space.update(X_train=X_train, y_train=y_train, GRADING=False)
    demo = next(cell.source for cell in source_notebook(assignment).cells
                if cell.cell_type == "code" and "def loop_versus_matrices" in cell.source)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(demo, "<cell>", "exec"), space)  # noqa: S102 - the notebook's own cell
    assert "relative difference loop vs vectorized" in printed.getvalue()
    assert "This cell needs your linear_forward, which is not written yet" in printed.getvalue()


def test_a_right_shuffle_of_few_examples_may_repeat_an_order():
    """Two right shuffles of 7 examples are the same order one time in 5040: under grading
    seed 5515 the visible check's N = 7 case drew such a pair (two epochs of one generator)
    and failed the solution's make_minibatches. Orders must differ only where a repeat is
    below ORDERS_COINCIDE; a shuffle drawn once is still caught at the digits' size."""
    found = find_check("minibatches_cover_and_pair")
    args = {"n": 7, "batch_size": 10, "seed": 4}

    def graded(make_minibatches, run_seed=5515):
        seen = run_probe(found, (make_minibatches,), args, seed=run_seed)
        return judge_seen(found, seen, args, run_seed)

    assert graded(namespace("05")["make_minibatches"]).passed

    drawn: dict = {}

    def drawn_once(X, y, batch_size, rng):
        order = drawn.setdefault(len(X), rng.permutation(len(X)))
        return [(X[order[i:i + batch_size]], y[order[i:i + batch_size]])
                for i in range(0, len(X), batch_size)]

    result = graded(drawn_once)
    assert not result.passed and "1437" in result.message
