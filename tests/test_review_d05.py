"""Review d05 of notebook 05, two findings closed as classes.

1. A make_minibatches whose shuffle mixes all N examples every time but favours some orders
   (the textbook swap of every place with any place, Fisher-Yates that never leaves a place
   alone, sorting by random keys with ties) kept full marks: the checks looked at single
   large shuffles. The visible check now counts the orders of many shuffles of N = 3 and
   N = 4 examples (:func:`judge_uniform_orders`).
2. A train_mlp that calls sgd_step (or init_params, make_minibatches) and drops its result,
   doing the same work itself, kept full marks: with the student's own collaborators the
   values agree. Its checks now run it again with altered stand-ins (their result plus a
   nudge), and every rule must hold for what the stand-ins returned.

The catalogue entries are graded by ``autograder mutate``; here the checks' own functions
try the same classes quickly.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from nncourse.checks.nb05 import (
    UNIFORM_CALLS,
    UNIFORM_FALSE_ALARM,
    judge_uniform_orders,
    uniform_threshold,
)
from test_review_r56 import verdict
from test_unreadable_inputs import namespace

import autograder.hidden.nb05  # noqa: F401 - registers the hidden checks

BIASED = ["minibatches_swap_with_any_place", "minibatches_fisher_yates_off_by_one",
          "minibatches_sort_by_few_keys"]
SHUFFLES = [None, "minibatches_fisher_yates_loop", "minibatches_swap_with_later_place",
            "minibatches_permuted_index", "in4_minibatches_argsort_keys",
            "student_minibatches_shuffle_split"]
IGNORED = {"train_ignores_sgd_step_result": "the next step did not start from the parameters "
                                            "this step returned",
           "train_ignores_init_params_result": "did not start from the parameters "
                                               "init_params returned",
           "train_ignores_make_minibatches_result": "not the mean gradient of that "
                                                    "mini-batch"}


@pytest.mark.parametrize("name", BIASED)
def test_a_shuffle_that_favours_some_orders_fails_the_visible_check(name):
    result = verdict("minibatches_cover_and_pair", namespace("05", name)["make_minibatches"],
                     seed=12345)
    assert not result.passed
    assert "did not come out equally often" in result.message
    assert len(result.hints) == 2 and "rng.permutation" not in result.render()


@pytest.mark.parametrize("name", SHUFFLES)
def test_uniform_shuffles_written_in_many_ways_pass(name):
    result = verdict("minibatches_cover_and_pair", namespace("05", name)["make_minibatches"],
                     seed=777)
    assert result.passed, result.message


def swap_probabilities(n: int) -> np.ndarray:
    """The chance of each order (in itertools.permutations' order) of the swap of every
    place with any place: n^n equally likely ways of drawing."""
    counts = dict.fromkeys(itertools.permutations(range(n)), 0)
    for draws in itertools.product(range(n), repeat=n):
        order = list(range(n))
        for i, j in enumerate(draws):
            order[i], order[j] = order[j], order[i]
        counts[tuple(order)] += 1
    return np.array(list(counts.values())) / n ** n


def sampled_seen(rng, probabilities=None) -> dict:
    """Probe data as uniform_orders returns it, drawn here: orders with the given chances
    (per N), uniform when None."""
    seen = {}
    for n, calls in UNIFORM_CALLS.items():
        orders = np.array(list(itertools.permutations(range(n))))
        chances = None if probabilities is None else probabilities[n]
        picked = orders[rng.choice(len(orders), size=calls, p=chances)]
        seen[f"n{n}"] = {"ids": picked.ravel().astype(float),
                         "lengths": np.full(calls, n)}
    return seen


def test_the_judge_fails_the_swap_shuffle_and_passes_uniform_orders_of_many_seeds():
    """500 samples each: every swap sample fails, no uniform one does (the swap's statistic
    is about 160, sd 18, the threshold 84; a uniform sample's about 14, sd 4)."""
    swap = {n: swap_probabilities(n) for n in UNIFORM_CALLS}
    for seed in range(500):
        rng = np.random.default_rng([seed, 505])
        assert judge_uniform_orders(sampled_seen(rng)).passed, seed
        assert not judge_uniform_orders(sampled_seen(rng, swap)).passed, seed


def test_the_threshold_is_the_gamma_chernoff_bound_at_the_false_alarm():
    """d = sum of (N! - 1) = 28: e^-(x - d) (x / d)^d = UNIFORM_FALSE_ALARM at the threshold,
    so four judgements of a grading stay below 1e-10."""
    d = sum(math.factorial(n) - 1 for n in UNIFORM_CALLS)
    x = uniform_threshold(d)
    assert d == 28 and x > d
    assert math.isclose(-(x - d) + d * math.log(x / d), math.log(UNIFORM_FALSE_ALARM),
                        rel_tol=1e-9)
    assert 4 * UNIFORM_FALSE_ALARM <= 1e-9


def test_calls_that_lose_an_example_are_named_not_counted():
    seen = sampled_seen(np.random.default_rng(1))
    seen["n3"]["ids"][:3] = [0.0, 0.0, 1.0]
    result = judge_uniform_orders(seen)
    assert not result.passed and "exactly once" in result.message


@pytest.mark.parametrize("check", ["train_mlp_minibatch_sgd", "train_mlp_hidden_minibatch_sgd"])
@pytest.mark.parametrize("name", sorted(IGNORED))
def test_a_train_mlp_that_drops_a_collaborators_result_fails(check, name):
    result = verdict(check, namespace("05", name)["train_mlp"], seed=4321)
    assert not result.passed
    assert IGNORED[name] in result.message and "come through" in result.message
    assert len(result.hints) == 2


@pytest.mark.parametrize("check", ["train_mlp_minibatch_sgd", "train_mlp_hidden_minibatch_sgd"])
@pytest.mark.parametrize("name", [None, "in4_train_by_loop_gradient",
                                  "student_train_mlp_own_backprop"])
def test_a_train_mlp_built_from_its_collaborators_passes(check, name):
    result = verdict(check, namespace("05", name)["train_mlp"], seed=4321)
    assert result.passed, result.message
