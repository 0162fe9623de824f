"""Data sets, plots and training helpers."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PathCollection
from nncourse import data, plots, training


def test_boolean_data_and_unknown_gate():
    X, t = data.boolean_data("xor")
    assert X.shape == (4, 2) and t.tolist() == [0, 1, 1, 0]
    t[0] = 5  # a copy: the module's table is unchanged
    assert data.TRUTH_TABLES["xor"][0] == 0
    with pytest.raises(ValueError, match="unknown gate"):
        data.boolean_data("xnor")


def test_digits_split_is_the_contract_split():
    X_train, X_val, y_train, y_val = data.digits_split()
    assert X_train.shape == (1437, 64) and X_val.shape == (360, 64)
    assert X_train.max() <= 1.0 and X_train.min() >= 0.0
    assert set(np.unique(y_train)) == set(range(10)) and y_val.dtype == np.int64


def test_toy_problems_are_seeded():
    X1, y1 = data.noisy_xor(50, np.random.default_rng(0))
    X2, y2 = data.noisy_xor(50, np.random.default_rng(0))
    np.testing.assert_array_equal(X1, X2)
    assert ((X1.round() % 2).astype(int).sum(1) % 2 == y1).mean() > 0.9
    Xm, ym = data.moons(40, np.random.default_rng(1))
    assert Xm.shape == (40, 2) and set(ym) == {0, 1}


def test_decision_boundary_plot_is_labelled_and_colour_blind_safe():
    plots.use_course_style()
    X, t = data.boolean_data("and")
    ax = plots.plot_decision_boundary(lambda P: (P.sum(1) > 1.5).astype(float), X, t,
                                      title="AND")
    assert ax.get_title() == "AND" and ax.get_xlabel() and ax.get_ylabel()
    colours = {tuple(c.get_facecolor()[0][:3]) for c in ax.collections
               if isinstance(c, PathCollection)}
    allowed = {tuple(int(h[i:i + 2], 16) / 255 for i in (1, 3, 5)) for h in plots.OKABE_ITO}
    assert colours and all(any(np.allclose(c, a, atol=0.01) for a in allowed) for c in colours)
    plt.close("all")


def test_curves_and_history_plots():
    ax = plots.plot_curves({"a": [3, 2, 1], "b": [1, 1, 1]}, title="t")
    assert len(ax.get_lines()) == 2 and ax.get_xlabel() == "epoch"
    fig = plots.plot_history({"train_loss": [1, 0.5], "val_loss": [1.1, 0.7],
                              "val_acc": [0.5, 0.8]})
    left, right = fig.axes[:2]
    assert len(left.get_lines()) == 2 and len(right.get_lines()) == 1
    plots.plot_truth_tables({"and": data.TRUTH_TABLES["and"]}, data.BOOLEAN_INPUTS)
    plt.close("all")


def test_history_and_progress():
    history = training.History()
    history.add(loss=1.0, acc=0.5)
    history.add(loss=0.5, acc=0.75)
    assert history == {"loss": [1.0, 0.5], "acc": [0.5, 0.75]}
    assert list(training.progress(range(3), enabled=False)) == [0, 1, 2]
    assert list(training.progress(range(3), "x")) == [0, 1, 2]
    with training.Timer() as timer:
        sum(range(1000))
    assert timer.seconds > 0


def test_torch_reference_trainer_learns_digits():
    X_train, X_val, y_train, y_val = data.digits_split()
    _, history = training.train_torch_mlp(X_train, y_train, X_val, y_val, epochs=3,
                                          show_progress=False)
    assert len(history["val_acc"]) == 3
    assert history["val_acc"][-1] > 0.85
    assert history["train_loss"][-1] < history["train_loss"][0]


def test_digits_split_equals_scikit_learns_split_without_scikit_learn():
    """digits_split is numpy-only (the grading sandbox has no scikit-learn) yet gives exactly
    train_test_split(test_size=0.2, random_state=0) of load_digits() / 16."""
    from nncourse.data import digits_split
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    expected = train_test_split(digits.data / 16.0, digits.target, test_size=0.2,
                                random_state=0)
    for mine, theirs in zip(digits_split(), expected):
        np.testing.assert_array_equal(mine, theirs)
