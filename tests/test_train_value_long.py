"""Notebook 04's train_value_mlp is followed step by step over a run as long as the lesson's.

The hidden check ``train_value_mlp_hidden_long`` compares every loss and the final parameters
with the reference over 30 to 60 steps, so a loop that stops moving (or goes wrong) after any
step before the 30th loses the point on every grading run, whatever run seed is drawn; the
lesson's accuracy check alone saw a stall only before the step where its accuracy is reached.
"""

import pytest
from nncourse.checking import find_check, judge_seen, run_probe
from test_unreadable_inputs import definitions

import autograder.hidden.nb04  # noqa: F401 - registers the hidden checks
from autograder.notebooks import solution_sources

NB04 = "04_computation_graph_backprop"


@pytest.fixture(scope="module")
def space():
    return definitions(NB04, solution_sources(NB04))


def stalling_after(k: int, Value):
    """train_value_mlp, right for k steps, whose parameters then stop moving."""

    def train_value_mlp(model, X, y, steps, lr):
        losses = []
        for _ in range(steps):
            loss = Value(0.0)
            for x, t in zip(X, y):
                loss = loss + (model(x) - t) ** 2
            loss = loss * (1.0 / len(X))
            for p in model.parameters():
                p.grad = 0.0
            loss.backward()
            if len(losses) < k:
                for p in model.parameters():
                    p.data -= lr * p.grad
            losses.append(loss.data)
        return losses

    return train_value_mlp


def long_run_passes(train_value_mlp, Value, run_seed: int) -> bool:
    check = find_check("train_value_mlp_hidden_long")
    seen = run_probe(check, (train_value_mlp, Value), {}, seed=run_seed)
    return judge_seen(check, seen, {}, run_seed).passed


@pytest.mark.parametrize("run_seed", [0, 1, 2])
def test_a_loop_that_stops_before_step_30_fails_on_every_run(space, run_seed):
    Value = space["Value"]
    assert long_run_passes(space["train_value_mlp"], Value, run_seed)
    assert long_run_passes(stalling_after(10**6, Value), Value, run_seed)
    for k in (5, 16, 29):
        assert not long_run_passes(stalling_after(k, Value), Value, run_seed), k


def test_the_long_run_is_as_long_as_the_lesson_on_every_run_seed():
    check = find_check("train_value_mlp_hidden_long")
    steps = [check.arguments_of(run_seed)["steps"] for run_seed in range(200)]
    assert min(steps) >= 30 and max(steps) <= 60
