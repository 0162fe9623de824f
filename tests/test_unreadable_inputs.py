"""Inputs the answer cannot read or special-case (issue 20, item 4).

Nothing a check hands a student's function carries the expected answer, every behavioural rule
is checked on the real data's shape too, and statistical properties are judged by their
distribution. Each class is shown with the catalogue's ``in4_`` shortcuts (which kept full marks
before) failing the checks run in-process, probe and judge, and with correct answers written
differently passing them.
"""

from __future__ import annotations

import ast
import contextlib
import io

import numpy as np
import pytest
from nncourse.checking import find_check, judge_seen, run_probe

import autograder.hidden  # noqa: F401 - registers the hidden checks
from autograder.mutation import catalogue
from autograder.notebooks import (
    grade_id,
    is_graded,
    is_solution,
    solution_sources,
    source_notebook,
)

NOTEBOOKS = {"02": "02_universal_approximation", "04": "04_computation_graph_backprop",
             "05": "05_minibatches_and_sgd", "06": "06_regularization"}


def entry(notebook: str, name: str):
    return next(m for m in catalogue(NOTEBOOKS[notebook]) if m.name == name)


def namespace(notebook: str, name: str | None = None) -> dict:
    """The solution notebook's definitions (answer cells whole, other cells' imports and
    definitions) with catalogue entry ``name``'s answers instead of the solution's."""
    assignment = NOTEBOOKS[notebook]
    answers = solution_sources(assignment)
    if name is not None:
        answers = entry(notebook, name).answers(answers)
    return definitions(assignment, answers)


def definitions(assignment: str, answers: dict[str, str]) -> dict:
    """The notebook's definitions, as a kernel would hold them: ``answers`` (grade id ->
    source) in its solution cells whole, the other cells' imports and definitions only."""
    space: dict = {"__name__": "__main__"}
    for cell in source_notebook(assignment).cells:
        if cell.cell_type != "code" or is_graded(cell) and not is_solution(cell):
            continue
        if is_solution(cell):
            source = answers[grade_id(cell)]
        else:
            tree = ast.parse("\n".join(line for line in cell.source.splitlines()
                                       if not line.lstrip().startswith(("%", "!"))))
            tree.body = [node for node in tree.body if isinstance(
                node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef))]
            source = ast.unparse(tree)
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(source, f"<{assignment}>", "exec"), space)  # noqa: S102
    return space


def passes(check: str, *student, seed: int = 0, **args) -> bool:
    found = find_check(check)
    return judge_seen(found, run_probe(found, student, args, seed=seed), args, seed).passed


def passes_all(checks, function, seeds=(0, 1)) -> bool:
    return all(passes(check, function, seed=seed) for check in checks for seed in seeds)


# ---------------------------------------------------------------- count_linear_pieces

PIECES_CHECKS = ("count_linear_pieces_values", "count_linear_pieces_hidden")


@pytest.mark.parametrize("name", ["in4_pieces_reads_closure", "in4_pieces_reads_any_state"])
def test_reading_the_piece_function_is_not_counting(name):
    """The probe functions are g(h(x)): what they hold (closure, defaults, attributes) is no
    list of their kinks, so an answer that reads them instead of measuring slopes fails."""
    function = namespace("02", name)["count_linear_pieces"]
    assert not passes_all(PIECES_CHECKS, function)


@pytest.mark.parametrize("name", [None, "in4_pieces_math_isclose_loop", "in4_pieces_rising_edges",
                                  "in4_pieces_groupby_uniform_step"])
def test_measuring_slopes_still_counts_the_composed_functions(name):
    function = namespace("02", name)["count_linear_pieces"]
    assert passes_all(PIECES_CHECKS, function, seeds=(0, 1, 2))


def test_the_piece_functions_do_not_list_their_kinks():
    """No array a probe function holds lists the kinks of the function it computes (with two
    or more kinks: one number may match a value by chance), and it computes that function."""
    from nncourse.checks.nb02 import PIECE_CASES, pieces_function

    rng = np.random.default_rng(5)
    for knots, values, lo, hi, _, _ in PIECE_CASES.values():
        f = pieces_function(knots, values, rng)
        held = [c.cell_contents for c in f.__closure__ or ()]
        arrays = [np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in held
                  if isinstance(v, np.ndarray | float)]
        x = np.linspace(lo, hi, 1001)
        assert np.allclose(f(x), np.interp(x, knots, values), rtol=1e-9, atol=1e-12)
        kinks = np.asarray(knots[1:-1])
        if len(kinks) >= 2:
            assert not any(all(np.any(np.isclose(a, k, rtol=0, atol=1e-9)) for k in kinks)
                           for a in arrays), knots


# ---------------------------------------------------------------- make_minibatches

MINIBATCH_CHECKS = ("minibatches_cover_and_pair", "minibatches_hidden_rng",
                    "minibatches_hidden_random")


@pytest.mark.parametrize("name", ["in4_minibatches_shuffle_small_only",
                                  "in4_minibatches_one_shuffle_per_size",
                                  "in4_minibatches_rotation",
                                  "in4_minibatches_shuffle_first_rows"])
def test_a_shuffle_kept_on_small_data_only_fails(name):
    function = namespace("05", name)["make_minibatches"]
    assert not passes_all(MINIBATCH_CHECKS, function)


@pytest.mark.parametrize("name", [None, "in4_minibatches_choice_without_replacement",
                                  "in4_minibatches_argsort_keys",
                                  "in4_minibatches_shuffle_index_array"])
def test_every_uniform_shuffle_passes(name):
    function = namespace("05", name)["make_minibatches"]
    assert passes_all(MINIBATCH_CHECKS, function)


def test_the_shuffle_statistics_accept_random_orders_and_reject_near_orders():
    from nncourse.checks.nb05 import judge_shuffled

    rng = np.random.default_rng(0)
    for n in (10, 50, 1437):
        assert all(judge_shuffled("o", rng.permutation(n)).passed for _ in range(300))
    for n in (50, 1437):  # (ten examples are too few to tell a rotation from a shuffle)
        assert not judge_shuffled("o", np.roll(np.arange(n), n // 5)).passed
        assert not judge_shuffled("o", np.arange(n)[::-1]).passed
    partly = np.arange(1437)
    partly[:40] = rng.permutation(40)
    assert not judge_shuffled("o", partly).passed


# ---------------------------------------------------------------- train_mlp


@pytest.mark.parametrize("name", ["in4_train_one_shuffle_when_64_features",
                                  "train_on_validation_data_when_64_features"])
def test_train_mlp_rules_are_replayed_on_the_digits(name):
    function = namespace("05", name)["train_mlp"]
    assert not passes("train_mlp_minibatch_sgd", function)


@pytest.mark.parametrize("name", [None, "in4_train_while_loops", "in4_train_by_loop_gradient"])
def test_train_mlp_variants_pass_the_replays(name):
    function = namespace("05", name)["train_mlp"]
    assert passes("train_mlp_minibatch_sgd", function)


# ---------------------------------------------------------------- dropout_forward


@pytest.mark.parametrize("name", ["in4_dropout_exact_count_when_large",
                                  "in4_dropout_exact_count_on_batches",
                                  "dropout_exact_count", "dropout_exact_count_per_row"])
def test_a_fixed_number_of_drops_fails_on_any_shape(name):
    function = namespace("06", name)["dropout_forward"]
    assert not passes("dropout_forward_train", function)


@pytest.mark.parametrize("name", [None, "in4_dropout_row_by_row", "in4_dropout_keep_if_below",
                                  "in4_dropout_flat_then_reshape"])
def test_independent_drops_pass(name):
    function = namespace("06", name)["dropout_forward"]
    assert passes("dropout_forward_train", function)
    assert passes("dropout_forward_train_fresh", function, seed=7)


def test_the_count_variance_bounds_hold_for_binomial_counts():
    """The judge's bounds on every measured shape: right dropout passes for 40 seeds, a fixed
    count (variance 0) fails."""
    from nncourse.checks.nb06 import COUNT_SHAPES, LARGE_REPEATS, judge_drop_counts

    p = 0.3
    shapes = {**COUNT_SHAPES, (200, 500): LARGE_REPEATS}
    for (rows, cols), calls in shapes.items():
        for seed in range(40 if calls > LARGE_REPEATS else 10):
            rng = np.random.default_rng([seed, rows])
            masks = [(rng.random((rows, cols)) >= p) / (1 - p) for _ in range(calls)]
            assert judge_drop_counts(masks, (rows, cols), p).passed, (rows, cols, seed)
        fixed = np.ones(rows * cols)
        fixed[:round(p * rows * cols)] = 0
        rng = np.random.default_rng(1)
        masks = [rng.permutation(fixed).reshape(rows, cols) for _ in range(calls)]
        assert not judge_drop_counts(masks, (rows, cols), p).passed


# ---------------------------------------------------------------- train_regularized

TRAIN_CHECKS = ("train_regularized_one_step", "train_regularized_hidden_step")


@pytest.mark.parametrize("name", ["in4_tr_one_mask_row_per_batch",
                                  "in4_tr_one_mask_for_all_batches"])
def test_one_dropout_mask_for_several_rows_or_batches_fails(name):
    function = namespace("06", name)["train_regularized"]
    assert not passes_all(TRAIN_CHECKS, function, seeds=(0,))


@pytest.mark.parametrize("name", [None, "in4_tr_dropout_per_row", "in4_tr_init_w2_first",
                                  "in4_tr_dropout_helper"])
def test_train_regularized_variants_pass(name):
    function = namespace("06", name)["train_regularized"]
    assert passes_all(TRAIN_CHECKS, function, seeds=(0,))


def test_the_dropout_stand_in_differs_between_rows():
    """The stand-in's mask is a function of each unit's value: rows of one batch get
    different masks (one row's mask broadcast over a batch is not the stand-in's)."""
    from nncourse.checks.nb06 import value_dropout

    X = np.abs(np.random.default_rng(0).normal(size=(40, 6)))
    _, mask = value_dropout(X, 0.5, True)
    assert len({tuple(row) for row in mask}) > 10
    assert 0.2 < np.mean(mask == 0) < 0.5
    _, rows = zip(*(value_dropout(X[i:i + 1], 0.5, True) for i in range(len(X))), strict=True)
    assert np.array_equal(np.concatenate(rows), mask)


# ---------------------------------------------------------------- LinearFunction

LINEAR_CHECKS = ("linear_function_gradients", "linear_function_hidden_fresh")


@pytest.mark.parametrize("name", ["in4_linear_function_numpy_round_trip",
                                  "in4_linear_function_numpy_module_by_type",
                                  "in4_linear_function_tolist_loops"])
def test_a_backward_through_numpy_or_lists_fails(name):
    function = namespace("04", name)["LinearFunction"]
    assert not passes_all(LINEAR_CHECKS, function, seeds=(0,))


@pytest.mark.parametrize("name", [None, "in4_linear_function_row_loop",
                                  "in4_linear_function_mm_transpose",
                                  "in4_linear_function_needs_input_grad_clone"])
def test_a_backward_of_tensor_operations_passes(name):
    function = namespace("04", name)["LinearFunction"]
    assert passes_all(LINEAR_CHECKS, function, seeds=(0, 3))


# ---------------------------------------------------------------- told


@pytest.mark.parametrize(("notebook", "function", "words"), [
    ("02", "count_linear_pieces", ("composition of functions", "measure its slopes")),
    ("04", "LinearFunction", ("differentiate them with respect to dout",)),
    ("05", "make_minibatches", ("for any N", "N = 1437")),
    ("05", "train_mlp", ("small problems and on the digits",)),
    ("06", "dropout_forward", ("for any shape of X", "varies from call to call")),
    ("06", "train_regularized", ("all its rows",)),
])
def test_the_docstrings_tell_what_these_checks_measure(notebook, function, words):
    """A rule the student was not told is not a rule: the contract names each measurement."""
    tree = ast.parse(solution_sources(NOTEBOOKS[notebook])[function])
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)
                and n.name == function)
    docstring = " ".join(ast.get_docstring(node).split())
    for word in words:
        assert word in docstring, (function, word)
