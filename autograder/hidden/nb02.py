"""Hidden checks for 02_universal_approximation (instructor only; not in the student's copy)."""

from __future__ import annotations

import numpy as np
from nncourse.checking import Check, register
from nncourse.checks.nb02 import reference_bump
from nncourse.compare import compare
from nncourse.verdict import Verdict, first_failure


@register
class BumpHiddenShapes(Check):
    """bump on a plain number, an int array and a 3-D array; a very steep bump stays finite."""

    name = "bump_hidden_shapes"

    def probe(self, bump):
        cube = np.random.default_rng(5).uniform(-2, 2, size=(2, 3, 2))
        return {"number": bump(0.5, 0.0, 1.0, 3.0),
                "ints": bump(np.array([-2, 0, 1, 3]), -1.0, 2.0, 1.5, steepness=3.0),
                "cube": bump(cube, -0.5, 0.7, 0.8, steepness=12.0),
                "steep": bump(np.array([-1.0, 0.1, 0.5, 2.0]), 0.0, 1.0, 2.0,
                              steepness=1.0e5)}

    def judge(self, seen):
        cube = np.random.default_rng(5).uniform(-2, 2, size=(2, 3, 2))
        return first_failure(
            compare("bump(0.5, 0, 1, 3)", np.squeeze(seen["number"]),
                    reference_bump(0.5, 0.0, 1.0, 3.0, 1000.0), atol=1e-9),
            compare("bump of an int array", seen["ints"],
                    reference_bump(np.array([-2.0, 0.0, 1.0, 3.0]), -1.0, 2.0, 1.5, 3.0)),
            compare("bump of a (2, 3, 2) array", seen["cube"],
                    reference_bump(cube, -0.5, 0.7, 0.8, 12.0)),
            compare("bump with steepness 1e5", seen["steep"],
                    reference_bump(np.array([-1.0, 0.1, 0.5, 2.0]), 0.0, 1.0, 2.0, 1.0e5),
                    atol=1e-9))


@register
class ParityUnitsLarge(Check):
    """both unit counts are exact integers for n up to 40."""

    name = "parity_units_hidden_large"
    SIZES = (6, 13, 21, 40)

    def probe(self, parity_units_deep, parity_units_shallow):
        return {"deep": [parity_units_deep(n) for n in self.SIZES],
                "shallow": [parity_units_shallow(n) for n in self.SIZES]}

    def judge(self, seen):
        for n, deep, shallow in zip(self.SIZES, seen["deep"], seen["shallow"]):
            if deep != 3 * n - 4:
                return Verdict.fail(f"parity_units_deep({n}) returned {deep!r}, expected "
                                    f"{3 * n - 4}.")
            if isinstance(shallow, bool) or shallow != 2 ** (n - 1):
                return Verdict.fail(f"parity_units_shallow({n}) returned {shallow!r}, "
                                    f"expected {2 ** (n - 1)} = 2**(n-1).")
        return Verdict.ok()
