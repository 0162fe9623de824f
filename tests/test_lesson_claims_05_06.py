"""Claims of notebooks 05 and 06 that the review of 2026-12-06 found untrue or not computed:
each is now printed by the notebook's own code, or recomputed here."""

from __future__ import annotations

import ast
import re

import numpy as np
import pytest

from autograder.notebooks import source_notebook


def _cells(assignment: str, kind: str) -> list[str]:
    return [c.source for c in source_notebook(assignment).cells if c.cell_type == kind]


def test_nb05_times_only_the_gradient_steps_and_claims_no_winner():
    """The batch-size timing measures the gradient steps of an epoch, best of several runs
    (not train_mlp with its evaluation, once), and no text says which batch size is faster:
    the printout says it."""
    grid = next(s for s in _cells("05_minibatches_and_sgd", "code")
                if "def batch_size_grid" in s)
    assert "Timer()" not in grid and "timeit.repeat" in grid and "min(" in grid
    assert "fastest epoch" in grid
    text = " ".join(_cells("05_minibatches_and_sgd", "markdown"))
    for claim in ("fast per epoch", "fewer, larger matrix products"):
        assert claim not in " ".join(text.split()), claim


def test_nb05_shapes_demo_runs_the_pasted_functions():
    """Cell 4 says notebook 04's functions are not printed: the shapes demo calls them and
    writes none of their bodies."""
    demo = next(s for s in _cells("05_minibatches_and_sgd", "code")
                if "def one_batch_through_the_network" in s)
    assert "linear_forward(" in demo and "relu_forward(" in demo
    assert "np.where" not in demo and '@ params["W1"]' not in demo


def test_nb06_l2_figure_title_follows_the_numbers():
    """The L2 figure's title is chosen from the two runs' final validation losses."""
    demo = next(s for s in _cells("06_regularization", "code") if "params_l2, history_l2" in s)
    assert "L2 keeps the validation loss down" not in demo
    assert "if final_lower" in demo


def _solution_function(assignment: str, name: str):
    for source in _cells(assignment, "code"):
        tree = ast.parse(source) if f"def {name}(" in source else None
        if tree is not None:
            namespace = {"np": np}
            exec(compile(tree, name, "exec"), namespace)  # noqa: S102 - the course's own answer
            return namespace[name]
    raise LookupError(name)


def test_nb06_tanh_scales_in_the_text_are_the_demos():
    """The initialisation text's tanh numbers (layer 1 -> layer 10, normal and He) are what
    the demo computes: ten tanh layers of width 256, seeds 0 and 1, as the demo cell."""
    init_weights = _solution_function("06_regularization", "init_weights")
    demo = next(s for s in _cells("06_regularization", "code") if "def layer_activations" in s)
    assert "init_weights(dims, scheme, rng)" in demo and "normal(size=(500, width))" in demo

    def rms(scheme):
        weights = init_weights([256] * 11, scheme, np.random.default_rng(0))
        h = np.random.default_rng(1).normal(size=(500, 256))
        values = []
        for W in weights:
            h = np.tanh(h @ W)
            values.append(float(np.sqrt((h ** 2).mean())))
        return values[0], values[-1]

    text = " ".join(" ".join(_cells("06_regularization", "markdown")).split())
    said = {"normal": re.search(r"falls from about ([\d.]+) in layer 1 to about ([\d.]+) in "
                                r"layer 10", text),
            "he": re.search(r"He's larger weights the tanh scale falls less, from about "
                            r"([\d.]+) in layer 1 to about ([\d.]+) in layer 10", text)}
    for scheme, match in said.items():
        assert match, scheme
        first, last = rms(scheme)
        assert [round(first, 2), round(last, 2)] == [float(match[1]), float(match[2])], scheme


def test_nb06_soft_thresholds_contract_leaves_the_third_case_to_the_lesson():
    """The lesson asks for which inputs the minimiser is 0; the docstring does not say."""
    docstring = ast.get_docstring(next(
        n for source in _cells("06_regularization", "code") if "def soft_threshold(" in source
        for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)))
    assert "minimiser" in docstring
    assert not re.search(r"at most t|<= ?t|magnitude", docstring)


def test_nb06_train_regularized_tells_the_rules_its_checks_enforce():
    """Running statistics start at zeros and ones with batchnorm_forward's default momentum;
    a fresh shuffle every epoch; the dropout masks and the initial weights from rng."""
    docstring = " ".join(ast.get_docstring(next(
        n for source in _cells("06_regularization", "code") if "def train_regularized(" in source
        for n in ast.parse(source).body if isinstance(n, ast.FunctionDef))).split())
    for rule in ("start at zeros and ones", "default momentum", "a fresh shuffle",
                 "every epoch", "dropout masks", "initial weights"):
        assert rule in docstring, rule


def _code_spans(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", text)



@pytest.mark.parametrize("assignment", ["01_neuron_and_xor", "02_universal_approximation",
                                        "03_jacobians_and_chain_rule",
                                        "04_computation_graph_backprop",
                                        "05_minibatches_and_sgd", "06_regularization"])
def test_the_second_hint_layer_instruction_runs_as_written(assignment):
    """Cell 0 names the code that shows one more layer of hints, and that code runs as
    written in a fresh namespace (it once said ``nncourse.checking.show_hints(2)``, a
    NameError after the setup cell's ``from nncourse import check``)."""
    from nncourse import checking

    spans = [s for s in _code_spans(_cells(assignment, "markdown")[0]) if "show_hints" in s]
    assert any("show_hints(2)" in s for s in spans), spans
    namespace: dict = {}
    before = checking.HINT_LAYERS[0]
    try:
        for span in spans:
            exec(span, namespace)  # noqa: S102 - the lesson's own instruction
        assert checking.HINT_LAYERS[0] == 2
    finally:
        checking.HINT_LAYERS[0] = before


def test_nb05_momentum_default_is_not_attributed_to_pytorch():
    """torch.optim.SGD's momentum defaults to 0; 0.9 is momentum_step's own default."""
    import inspect

    import torch

    assert inspect.signature(torch.optim.SGD).parameters["momentum"].default == 0
    text = " ".join(" ".join(_cells("05_minibatches_and_sgd", "markdown")).split())
    assert "PyTorch's default $\\beta = 0.9$" not in text
    step = _solution_function("05_minibatches_and_sgd", "momentum_step")
    assert inspect.signature(step).parameters["beta"].default == 0.9
    assert "momentum_step`'s default" in text


def test_nb06_demos_that_train_say_they_need_the_pasted_loss():
    """Every nb06 demo that trains (given train_two_layer, the student's train_regularized)
    asks ready() for the pasted softmax_cross_entropy, and every cell that reads section 0's
    history_plain, other than the one that makes it, makes it when it is missing."""
    for source in _cells("06_regularization", "code"):
        if "def " in source.split("\n")[0] or "check(" in source:
            continue  # the given network itself, exercises and test cells
        if "train_two_layer(" in source or "train_regularized(" in source:
            assert "ready(softmax_cross_entropy" in source, source[:120]
        if "history_plain[" in source or "history_plain," in source:
            assert ('"history_plain" not in globals()' in source
                    or source.lstrip().startswith("if DEMOS and ready(softmax_cross_entropy):")
                    ), source[:120]


def test_nb06_dropout_message_does_not_give_the_survivor_factor():
    """A wrong survivor factor is reported without the expected value's ratio to X (with
    an all-ones mask and p = 0.3 it once said 0.7000 times X: the factor 1/0.7)."""
    from nncourse.checks.nb06 import judge_mask

    X = np.full((4, 6), 1.5)
    for p, factor in ((0.3, 1.0), (0.3, 2.0), (0.5, 1.5)):
        mask = np.where(np.arange(24).reshape(4, 6) % 3 == 0, 0.0, factor)
        verdict = judge_mask("dropout_forward", mask, X, X * mask, p)
        text = " ".join([verdict.message, *verdict.hints])
        assert not verdict.passed
        numbers = {float(n) for n in re.findall(r"\d+\.\d+|\d+", text)}
        assert numbers <= {p, factor, 0.0, 1.0, 2.0}, (text, numbers)


def test_nb05_replaced_gives_the_students_functions_back_even_after_an_error():
    """The optimiser and torch demos send train_mlp's calls elsewhere by rebinding global
    names inside ``replaced``; afterwards, and after an error (an unfinished exercise), the
    student's own functions are in place again."""
    source = next(s for s in _cells("05_minibatches_and_sgd", "code")
                  if "def replaced(" in s)
    tree = ast.parse(source)
    definition = next(n for n in tree.body
                      if isinstance(n, ast.FunctionDef) and n.name == "replaced")
    namespace: dict = {"contextlib": __import__("contextlib")}
    exec(compile(ast.Module([definition], []), "replaced", "exec"), namespace)  # noqa: S102

    def yours(params, grads, lr):
        return "yours"

    namespace["sgd_step"] = yours
    with namespace["replaced"](sgd_step=lambda p, g, lr: "other"):
        assert namespace["sgd_step"](1, 2, 3) == "other"
    assert namespace["sgd_step"] is yours
    with pytest.raises(NotImplementedError), namespace["replaced"](sgd_step=print):
        raise NotImplementedError()
    assert namespace["sgd_step"] is yours
    assert "train_mlp(" in source and "for X_b, y_b in" not in source
