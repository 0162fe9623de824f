"""What a graded function may use is an allow list (review of 2026-12, HIGH): numpy, Python's
standard library (but graphlib) and the student's own functions. Every other installed package
is refused, however it is reached: pip's vendored distlib sorted notebook 04's graph and kept
full marks while the rules listed only the packages known to help."""

from __future__ import annotations

import textwrap

import pytest
from nncourse.checking import find_check, judge_seen, run_probe
from test_unreadable_inputs import definitions

from autograder.notebooks import solution_sources

NB04 = "04_computation_graph_backprop"
CHECKS = ("topological_order_graphs",)


def answer(body: str):
    """topological_order written as ``body`` in notebook 04's namespace (a kernel's)."""
    space = definitions(NB04, solution_sources(NB04))
    source = "def topological_order(root):\n" + textwrap.indent(textwrap.dedent(body), "    ")
    exec(compile(source, "<answer>", "exec"), space)  # noqa: S102 - a student's cell
    return space["topological_order"]


def verdict(function):
    found = find_check(CHECKS[0])
    seen = run_probe(found, (function,), {})
    return judge_seen(found, seen, {}), seen


DISTLIB = """
from pip._vendor.distlib.database import DependencyGraph

class Dist:
    def __init__(self, node):
        self.node, self.name, self.version = node, str(id(node)), "1"

g, dists, todo = DependencyGraph(), {}, [root]
while todo:
    node = todo.pop()
    if id(node) not in dists:
        dists[id(node)] = Dist(node)
        g.add_distribution(dists[id(node)])
        todo.extend(node._prev)
for key, dist in dists.items():
    for child in dist.node._prev:
        g.add_edge(dist, dists[id(child)])
return [d.node for d in g.topological_sort()[0]]
"""

SETUPTOOLS = """
from setuptools._vendor.more_itertools import unique_everseen

order = []

def visit(node):
    for child in node._prev:
        visit(child)
    order.append(node)

visit(root)
return list(unique_everseen(order, key=id))
"""

WALK = """
order, seen = [], set()

def visit(node):
    if id(node) not in seen:
        seen.add(id(node))
        for child in node._prev:
            visit(child)
        order.append(node)

visit(root)
return order if graph else []
"""
"""A right depth-first order after the attack's line: only the reach for a package differs."""

SYS_MODULES = """
import sys

graph = sys.modules["pip._vendor.distlib.database"].DependencyGraph
""" + WALK

BY_NAME = """
import importlib

graph = importlib.import_module("pip._vendor.distlib.database").DependencyGraph
""" + WALK

PLOTS = """
from nncourse.plots import _graph_nodes

order, placed = [], set()
left = list(_graph_nodes(root))
while left:
    ready = [n for n in left if all(id(c) in placed for c in n._prev)]
    for node in ready:
        order.append(node)
        placed.add(id(node))
    left = [n for n in left if id(n) not in placed]
return order
"""


@pytest.mark.parametrize(("body", "named"), [
    (DISTLIB, "pip._vendor.distlib"), (SETUPTOOLS, "setuptools"),
    (SYS_MODULES, "pip._vendor.distlib.database"), (BY_NAME, "pip._vendor"),
    (PLOTS, "nncourse.plots"),
])
def test_any_package_but_numpy_and_the_standard_library_loses_the_point(body, named):
    import sys

    import pip._vendor.distlib.database  # noqa: F401 - loaded, as a kernel may have it

    function = answer(body)
    told, seen = verdict(function)
    assert not told.passed
    assert str(seen.get("raised", "")).startswith("RuleBroken"), seen.get("raised")
    assert named in seen["raised"], seen["raised"]
    message = told.render(max_hints=2)
    assert "breaks a rule of the contract" in message
    assert "pip._vendor.distlib.database" in sys.modules  # all put back
    if named != "setuptools":  # (a test process may not import it: distutils is loaded)
        assert len(function(_chain())) == 3  # outside a probe the code runs as written


def _chain():
    class Node:
        def __init__(self, *prev):
            self._prev = prev

    a = Node()
    return Node(Node(a), a)


COLLECTIONS = """
import collections
import functools
import heapq
import itertools

nodes, todo = {}, collections.deque([root])
while todo:
    node = todo.popleft()
    if id(node) not in nodes:
        nodes[id(node)] = node
        todo.extend(node._prev)
needs = {key: {id(c) for c in node._prev} for key, node in nodes.items()}
rank = {key: n for n, key in enumerate(itertools.chain(nodes))}
ready = [(rank[k], k) for k, v in needs.items() if not v]
heapq.heapify(ready)
users = collections.defaultdict(list)
for key, node in nodes.items():
    for child in needs[key]:
        users[child].append(key)
order = []
while ready:
    _, key = heapq.heappop(ready)
    order.append(nodes[key])
    for user in users[key]:
        needs[user].discard(key)
        if not needs[user]:
            heapq.heappush(ready, (rank[user], user))
return functools.reduce(lambda done, node: done + [node], order, [])
"""


def test_an_answer_with_the_standard_librarys_collections_keeps_the_point():
    told, seen = verdict(answer(COLLECTIONS))
    assert told.passed, told.render(max_hints=2)


def test_the_allow_list_is_the_rule():
    from nncourse.rules import forbidden_module

    for path in ("pip._vendor.distlib.database", "setuptools", "sqlalchemy.util.topological",
                 "graphlib", "networkx", "torch", "IPython", "nncourse.plots",
                 "nncourse.checks.nb04", "nncourse.compare"):
        assert forbidden_module(path), path
    for path in ("numpy.linalg", "math", "collections", "heapq", "functools", "itertools",
                 "nncourse.records", "nncourse.data", "nncourse"):
        assert not forbidden_module(path), path


def test_a_librarys_own_imports_while_a_probe_runs_get_the_module():
    """Only the student's code is refused: the checks', ipykernel's (printing) and any other
    library's imports during a probe get the real module, and everything is put back."""
    import sys

    import pip._vendor.distlib.database as database
    from nncourse.rules import RuleBroken, enforced

    space: dict = {"__name__": "__main__"}
    exec("def student(x):\n    import pip._vendor.distlib.database as d\n"  # noqa: S102
         "    return x if d.DependencyGraph else None\n", space)
    with enforced("student", space["student"]):
        import pip._vendor.distlib.database as again  # this test's code: a library's

        assert again.DependencyGraph is database.DependencyGraph
        assert sys.modules["pip._vendor.distlib.database"].DependencyGraph \
            is database.DependencyGraph
        with pytest.raises(RuleBroken, match="own functions only"):
            space["student"](1)
    assert sys.modules["pip._vendor.distlib.database"] is database
    assert space["student"](1) == 1
