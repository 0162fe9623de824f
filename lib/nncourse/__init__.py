"""nncourse: the helper library of "Neural networks from the neuron up".

What notebooks import: :func:`check` (graded checks), the gradient checker
(:mod:`nncourse.gradcheck`), comparisons with diagnoses (:mod:`nncourse.compare`), data
(:mod:`nncourse.data`), plots (:mod:`nncourse.plots`), records of a run that answers may
use too (:mod:`nncourse.records`: History, Timer) and training helpers
(:mod:`nncourse.training`).
"""

from nncourse.checking import CheckFailed, check
from nncourse.compare import compare
from nncourse.gradcheck import (
    finite_difference_gradient,
    finite_difference_jacobian,
    finite_difference_vjp,
    gradient_check,
    torch_gradient,
    torch_jacobian,
)
from nncourse.verdict import Verdict

__all__ = [
    "CheckFailed",
    "Verdict",
    "check",
    "compare",
    "finite_difference_gradient",
    "finite_difference_jacobian",
    "finite_difference_vjp",
    "gradient_check",
    "torch_gradient",
    "torch_jacobian",
]
