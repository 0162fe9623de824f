"""No check can be told apart from a normal call (issue 20, item 2).

A built-from function's answer may try to tell the checks' runs apart (a recorder's
``.calls``, the probe's name on the stack, a test call of its collaborator against a copy it
kept, ``tracemalloc.is_tracing()``, a peak resident memory just reset) and do the work only
where it thinks it is watched. By construction this gains nothing: every probe of such a
function, value runs included, puts the same kind of stand-in in the student's namespace and
is judged on where its result came from (the output neuron's values, xor_network's outputs,
linear_backward's weight gradients), and every call of a vector-Jacobian product is measured
the same way, by resident memory, with nothing switched on that a normal call lacks.

Each answer below earned full marks before (the value runs were not watched, the memory was
measured by tracemalloc in one probe only, the unknown gate had a fixed prefix); each must
now fail a check of its function, and the instructor's solution must pass them all.
"""

import re
import tracemalloc

import numpy as np
import pytest
from nncourse.checking import REGISTRY, judge_seen, run_probe
from nncourse.rules import measured

import autograder.hidden.nb01  # noqa: F401 - registers the hidden checks
import autograder.hidden.nb02  # noqa: F401
import autograder.hidden.nb03  # noqa: F401
import autograder.hidden.nb04  # noqa: F401
from autograder.mutation import catalogue
from autograder.notebooks import solution_sources

NOTEBOOKS = {"01": "01_neuron_and_xor", "02": "02_universal_approximation",
             "03": "03_jacobians_and_chain_rule", "04": "04_computation_graph_backprop"}

CHECKS = {
    "xor_network": ["xor_network_truth", "xor_network_built_from",
                    "xor_network_hidden_repeated_rows", "xor_network_hidden_built_from"],
    "parity_deep": ["parity_deep_truth", "parity_deep_built_from", "parity_deep_hidden"],
    "mlp_loss_and_grads": ["mlp_loss_and_grads_values", "mlp_loss_and_grads_built_from",
                           "mlp_loss_and_grads_hidden_fresh"],
    "linear_vjp": ["linear_vjp_values", "linear_vjp_no_jacobian", "linear_vjp_hidden"],
    "softmax_vjp": ["softmax_vjp_values", "softmax_vjp_no_jacobian", "softmax_vjp_hidden"],
    "logic_gate_weights": ["logic_gates", "logic_gates_hidden_margin"],
}

# (notebook, catalogue entry): answers that try to tell the checks' runs apart
DETECTING = [
    ("01", "xor_operators_unless_calls_attribute"),
    ("01", "xor_operators_unless_probe_on_stack"),
    ("01", "xor_operators_unless_neuron_altered"),
    ("02", "parity_operators_after_corner_test"),
    ("02", "parity_operators_unless_probe_on_stack"),
    ("02", "parity_exact_where_chain_agrees"),
    ("02", "parity_operators_unless_calls_attribute"),
    ("04", "mlp_numerical_with_token_backward_calls"),
    ("04", "mlp_inline_unless_layers_altered"),
    ("04", "mlp_numerical_laundered_through_backward"),
    ("03", "linear_vjp_jacobian_unless_tracing"),
    ("03", "linear_vjp_jacobian_in_mmap"),
    ("03", "softmax_vjp_jacobian_unless_tracing"),
    ("03", "softmax_vjp_jacobian_in_mmap"),
    ("03", "softmax_vjp_jacobian_unless_peak_reset"),
    ("01", "gates_raise_for_check_prefix"),
    ("01", "gates_raise_for_listed_words"),
]


def _namespace(notebook: str, replaced: dict[str, str] | None = None) -> dict:
    """The notebook's answer cells run in one namespace, as in a kernel."""
    answers = dict(solution_sources(NOTEBOOKS[notebook]))
    answers.update(replaced or {})
    space = {"np": np, "__name__": "__main__"}
    for cell, source in answers.items():
        if not cell.startswith("written"):
            exec(compile(source, f"<answer {cell}>", "exec"), space)
    return space


def _verdicts(space: dict, function: str, seed: int = 20261207) -> dict[str, bool]:
    verdicts = {}
    for name in CHECKS[function]:
        check = REGISTRY[name]
        seen = run_probe(check, (space[function],), {}, seed=seed)
        verdicts[name] = judge_seen(check, seen, {}, seed).passed
    return verdicts


def _entry(notebook: str, name: str):
    return next(e for e in catalogue(NOTEBOOKS[notebook]) if e.name == name)


@pytest.mark.parametrize("notebook, function", [
    ("01", "xor_network"), ("01", "logic_gate_weights"), ("02", "parity_deep"),
    ("03", "linear_vjp"), ("03", "softmax_vjp"), ("04", "mlp_loss_and_grads")])
def test_the_solution_passes_every_check_of_its_function(notebook, function):
    verdicts = _verdicts(_namespace(notebook), function)
    assert all(verdicts.values()), verdicts


@pytest.mark.parametrize("notebook, name", DETECTING, ids=[n for _, n in DETECTING])
def test_an_answer_that_tells_a_check_from_a_normal_call_loses(notebook, name):
    entry = _entry(notebook, name)
    space = _namespace(notebook, {entry.cell: entry.answers(solution_sources(
        NOTEBOOKS[notebook]))[entry.cell]})
    verdicts = _verdicts(space, entry.cell)
    assert not all(verdicts.values()), f"{name} kept full marks: {verdicts}"


FINGERPRINT = """
import sys, tracemalloc
_honest = xor_network
def xor_network(X):
    for name in ("neuron", "logic_gate_weights"):
        f = globals()[name]
        _SEEN.setdefault(_CURRENT[0], set()).add(
            (name, type(f).__name__, f.__name__, tuple(sorted(vars(f))),
             tracemalloc.is_tracing(), sys.gettrace() is None, sys.getprofile() is None))
    return _honest(X)
"""


def test_every_probe_of_a_built_from_function_shows_the_same_collaborators():
    """What xor_network can see of its collaborators and of the interpreter (their type,
    name and attributes, tracing and profiling) is the same in every check of it, value and
    built-from, visible and hidden: nothing there tells one run from another."""
    space = _namespace("01")
    space["_SEEN"], space["_CURRENT"] = {}, [""]
    exec(FINGERPRINT, space)
    for name in CHECKS["xor_network"]:
        space["_CURRENT"][0] = name
        seen = run_probe(REGISTRY[name], (space["xor_network"],), {}, seed=7)
        assert seen["raised"] is None, seen["raised"]
    assert set(space["_SEEN"]) == set(CHECKS["xor_network"])
    fingerprints = set().union(*space["_SEEN"].values())
    assert len(fingerprints) == 2, fingerprints  # one per collaborator, in every check
    assert all(attributes == () for _, _, _, attributes, *_ in fingerprints)


def _peak_gap() -> int | None:
    try:
        with open("/proc/self/status") as handle:
            kb = dict(re.findall(r"^(VmHWM|VmRSS):\s+(\d+)", handle.read(), re.M))
    except OSError:
        return None
    return (int(kb["VmHWM"]) - int(kb["VmRSS"])) * 1024


def test_a_measured_call_looks_like_a_normal_one():
    """No tracing switched on, and the peak resident memory not level with the current one
    (a reset peak would be): a vector-Jacobian product cannot tell it is measured."""
    inside = []

    def product(x):
        inside.append((tracemalloc.is_tracing(), _peak_gap()))
        return x

    peaks = []
    call = measured(product, peaks)
    for _ in range(5):
        call(1)
    assert [tracing for tracing, _ in inside] == [False] * 5
    if inside[0][1] is not None:  # Linux: measured by resident memory
        assert all(gap >= 500_000 for _, gap in inside), inside
        assert all(p["resident"] is not None and p["traced"] is None for p in peaks)


@pytest.mark.parametrize("name", ["linear_vjp_values", "linear_vjp_no_jacobian",
                                  "linear_vjp_hidden", "softmax_vjp_values",
                                  "softmax_vjp_no_jacobian", "softmax_vjp_hidden"])
def test_every_probe_of_a_vector_jacobian_product_is_measured(name):
    space = _namespace("03")
    check = REGISTRY[name]
    seen = run_probe(check, (space[name.split("_vjp")[0] + "_vjp"],), {}, seed=3)
    assert seen["raised"] is None
    assert isinstance(seen["memory_peaks"], list) and seen["memory_peaks"]


def test_where_the_peak_cannot_be_reset_a_measured_call_runs_in_a_child(monkeypatch):
    """A grading job's process is not dumpable, so it may not reset its own peak: the call
    runs in a forked child (whose peak starts afresh), and what it returned, changed in
    place, raised and allocated comes back as if it had run here."""
    import nncourse.rules as rules

    if rules._resident() is None or not hasattr(__import__("os"), "fork"):
        pytest.skip("no Linux /proc or no fork here")
    monkeypatch.setattr(rules, "_reset_resident_peak", lambda: None)
    gaps = []

    def product(x, out):
        gaps.append(_peak_gap())
        out[:] = 7.0
        big = np.ones((200, 300, 200))  # 96 MB, like linear_vjp's Jacobian
        return x * 2 + big[0, 0, 0]

    peaks = []
    out = np.zeros(3)
    assert measured(product, peaks)(np.arange(3.0), out).tolist() == [1.0, 3.0, 5.0]
    assert out.tolist() == [7.0, 7.0, 7.0]
    assert peaks[0]["traced"] is None and peaks[0]["resident"] > 90_000_000

    def fails(x):
        raise ValueError("from the child")

    with pytest.raises(ValueError, match="from the child"):
        measured(fails, peaks)(1)


@pytest.mark.parametrize("name", ["softmax_vjp_jacobian_unless_tracing",
                                  "linear_vjp_jacobian_unless_tracing"])
def test_memory_an_earlier_computation_freed_hides_no_jacobian(name):
    """make test, stop 31: after a training run in the same process, the C heap held freed
    pages still resident, a Jacobian built in them raised no peak and these answers kept full
    marks. Freed heap memory of any size before the call must not hide the Jacobian."""
    import ctypes

    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = []
    for _ in range(300):  # 300 MB of 1 MB blocks below the mmap threshold once raised
        block = libc.malloc(1 << 20)
        ctypes.memset(block, 1, 1 << 20)
        blocks.append(block)
    big = libc.malloc(64 << 20)  # a freed mmap chunk raises glibc's threshold
    libc.free(big)
    for block in blocks[:-1]:  # the last one keeps the heap's top from being trimmed
        libc.free(block)
    try:
        entry = _entry("03", name)
        space = _namespace("03", {entry.cell: entry.answers(solution_sources(
            NOTEBOOKS["03"]))[entry.cell]})
        verdicts = _verdicts(space, entry.cell)
        assert not all(verdicts.values()), f"{name} kept full marks: {verdicts}"
    finally:
        libc.free(blocks[-1])
