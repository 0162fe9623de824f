"""Review r12, second round (issue 22): notebook 01/02 findings, each as a behaviour."""

import nbformat
import numpy as np
from nncourse.checking import find_check, judge_seen, run_probe
from test_unreadable_inputs import definitions, passes

from autograder.notebooks import ROOT, solution_sources

NB01, NB02 = "01_neuron_and_xor", "02_universal_approximation"


def gates_with_margin(margin: float) -> str:
    return (
        "def logic_gate_weights(gate):\n"
        f"    m = {margin}\n"
        "    table = {'and': (np.array([2 * m, 2 * m]), -3 * m),\n"
        "             'or': (np.array([2 * m, 2 * m]), -m),\n"
        "             'nand': (np.array([-2 * m, -2 * m]), 3 * m)}\n"
        "    if gate not in table:\n"
        "        raise ValueError(gate)\n"
        "    w, b = table[gate]\n"
        "    return w.copy(), b\n")


def verdict(name, function, **args):
    check = find_check(name)
    return judge_seen(check, run_probe(check, (function,), args), args)


def test_gates_with_the_lessons_margin_make_networks_that_pass():
    """M1: gates 4.6 from zero pass the gates test but a network of them misses 0.01: the
    lesson now asks for a margin of 10 (and the message names the margins, not a factor)."""
    for margin, passing in ((4.6, False), (10.0, True)):
        space = definitions(NB01, {**solution_sources(NB01),
                                   "logic_gate_weights": gates_with_margin(margin)})
        assert verdict("logic_gates", space["logic_gate_weights"]).passed
        found = verdict("xor_network_truth", space["xor_network"])
        assert found.passed is passing, found.message
        if not passing:
            assert "not within 0.01" in found.message and "factor" not in found.message
            assert "margins" in " ".join(found.hints)
    text = " ".join(c.source for c in nbformat.read(
        ROOT / "notebooks" / NB01 / f"{NB01}.ipynb", 4).cells)
    assert "a margin of 10" in text and "1 - sigma(10)" in text


def test_a_visible_approximate_1d_check_uses_an_interval_other_than_0_1():
    """M3: an answer that writes 0 and 1 for lo and hi passed every visible check."""
    book = nbformat.read(ROOT / "notebooks" / NB02 / f"{NB02}.ipynb", 4)
    visible = " ".join(c.source for c in book.cells if c.cell_type == "code")
    assert 'check("approximate_1d_centres", approximate_1d, f="cubic", n_bumps=25, lo=-1.0,' \
        ' hi=2.0)' in visible
    space = definitions(NB02, solution_sources(NB02))
    right = space["approximate_1d"]

    def unit_interval(f, n_bumps, lo=0.0, hi=1.0, steepness=1000.0):
        return right(f, n_bumps, 0.0, 1.0, steepness)

    args = {"f": "cubic", "n_bumps": 25, "lo": -1.0, "hi": 2.0}
    assert passes("approximate_1d_centres", right, **args)
    assert not passes("approximate_1d_centres", unit_interval, **args)


def test_a_perceptron_that_ignores_lr_fails_the_visible_check():
    """L9: the visible checks used lr = 1 only."""
    space = definitions(NB01, solution_sources(NB01))
    right = space["perceptron_train"]

    def ignores_lr(X, t, lr=1.0, max_epochs=100):
        return right(X, t, 1.0, max_epochs)

    assert passes("perceptron_separable", right)
    found = verdict("perceptron_separable", ignores_lr)
    assert not found.passed and "lr=0.5" in found.message


def test_parity_of_twelve_bits_from_gates_with_margin_10():
    space = definitions(NB01, {**solution_sources(NB01),
                               "logic_gate_weights": gates_with_margin(10.0)})
    deep = definitions(NB02, solution_sources(NB02))
    for name in ("neuron", "logic_gate_weights", "xor_network"):
        deep["parity_deep"].__globals__[name] = space[name]
    assert verdict("parity_deep_truth", deep["parity_deep"], n=12).passed
    assert np.isclose(1 - 1 / (1 + np.exp(-10.0)), 4.5e-5, rtol=0.01)


def test_draws_forced_to_the_exact_mean_and_spread_fail_init_mlp():
    """Issue 20 round 2, H5: rescaling the draws to exactly mean 0 and variance 1/d."""
    space = definitions(NB01, solution_sources(NB01))

    def standardised(dims, rng):
        weights = []
        for d_in, d_out in zip(dims[:-1], dims[1:]):
            W = rng.normal(size=(d_in, d_out))
            weights.append((W - W.mean()) / W.std() / np.sqrt(d_in))
        return weights, [np.zeros(d) for d in dims[1:]]

    assert passes("init_mlp_shapes_and_scale", space["init_mlp"])
    found = verdict("init_mlp_shapes_and_scale", standardised)
    assert not found.passed and "independent" in found.message


def test_a_demo_names_the_exercise_that_is_not_written_yet():
    """L7: notebook 01's demos listed every exercise they use, not the missing one."""
    import contextlib
    import io

    book = nbformat.read(ROOT / "notebooks" / NB01 / f"{NB01}.ipynb", 4)
    setup = next(c.source for c in book.cells if "nncourse.demos" in c.source)
    space: dict = {}
    exec(compile(setup, "<setup>", "exec"), space)  # noqa: S102

    def sigmoid(z):
        raise NotImplementedError()

    def mlp_forward(X):
        return sigmoid(X)

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), space["needs"]("mlp_forward", "sigmoid"):
        mlp_forward(1.0)
    assert "your sigmoid, which is not written yet" in printed.getvalue()


def test_no_hint_spells_out_the_parity_chain_or_the_forward_pass():
    """L8: two second layers gave the recurrence and the forward pass in words."""
    from pathlib import Path

    import nncourse.checks.nb01 as nb01
    import nncourse.checks.nb02 as nb02

    text = Path(nb01.__file__).read_text() + Path(nb02.__file__).read_text()
    assert "p_j = XOR(p_(j-1), x_j)" not in text
    assert "the output layer is the affine map alone" not in text
