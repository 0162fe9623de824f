"""The one gradient checker: torch's finite differences and a torch autograd oracle.

Used by the graded checks, the notebooks' own demonstrations and the instructor's feedback,
so a student sees the same numbers and messages everywhere.

The finite differences are torch's own (the ones ``torch.autograd.gradcheck`` uses: centred,
``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``, error ``O(eps^2)``); this module only hands
them a numpy function. Notebook 03 asks the student to write them in numpy, so the course
library holds no numpy version a student could copy.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nncourse.compare import compare
from nncourse.verdict import Verdict


def _torch_differences(f: Callable, x: np.ndarray, eps: float) -> np.ndarray:
    """torch's numerical Jacobian of numpy ``f`` at a float64 copy of ``x``: (f(x).size, x.size).

    torch perturbs its own tensor in place; ``f`` sees it as a numpy array (a view of it) and
    what ``f`` returns is copied, so ``x`` and ``f``'s inputs are never changed by the caller's
    code.
    """
    import sys

    import torch
    import torch.autograd.gradcheck  # noqa: F401 - the module, shadowed by the function

    numerical = sys.modules["torch.autograd.gradcheck"]._get_numerical_jacobian
    tensor = torch.tensor(np.array(x, dtype=np.float64), requires_grad=True)

    def as_torch(point):
        return torch.tensor(np.array(f(point.detach().numpy()), dtype=np.float64))

    ((columns,),) = numerical(as_torch, (tensor,), eps=eps)
    return columns.T.numpy().copy()  # torch's rows are x's entries


def finite_difference_gradient(f: Callable[[np.ndarray], float], x: np.ndarray,
                               eps: float = 1e-6) -> np.ndarray:
    """Gradient of a scalar function by centred differences (torch's).

    x: (any shape, any memory layout, any dtype); ``x`` is unchanged.
    Returns: (same shape as x), float64.
    """
    x = np.asarray(x)
    return _torch_differences(f, x, eps).reshape(x.shape)


def finite_difference_jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                               eps: float = 1e-6) -> np.ndarray:
    """Jacobian of an array-valued function by centred differences (torch's).

    x: (any shape). Returns: (f(x).size, x.size), row i = d f_i / d x (both flattened).
    """
    return _torch_differences(f, x, eps)


def finite_difference_vjp(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                          upstream: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Vector-Jacobian product ``upstream^T J`` by centred differences.

    This is the gradient of ``sum(f(x) * upstream)``: what a layer's backward must return
    when ``upstream`` (same shape as f(x)) is the gradient arriving from above.
    Returns: (same shape as x).
    """
    upstream = np.asarray(upstream, dtype=np.float64)
    return finite_difference_gradient(lambda z: np.sum(np.asarray(f(z)) * upstream), x, eps)


def torch_gradient(f: Callable, *inputs: np.ndarray) -> list[np.ndarray]:
    """Gradients of a scalar torch function with respect to each input, by autograd.

    f: takes float64 tensors shaped like ``inputs`` and returns a scalar tensor.
    Returns: one array per input, same shapes.
    """
    import torch

    tensors = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)
               for a in inputs]
    value = f(*tensors)
    grads = torch.autograd.grad(value, tensors, allow_unused=True)
    return [np.zeros(t.shape) if g is None else g.detach().numpy().copy()
            for t, g in zip(tensors, grads)]


def torch_jacobian(f: Callable, x: np.ndarray) -> np.ndarray:
    """Jacobian of a torch function at ``x``, flattened to (f(x).size, x.size)."""
    import torch

    tensor = torch.tensor(np.asarray(x, dtype=np.float64))
    jacobian = torch.autograd.functional.jacobian(f, tensor)
    out_size = int(np.prod(jacobian.shape[: jacobian.dim() - tensor.dim()]))
    return jacobian.reshape(out_size, tensor.numel()).numpy().copy()


def gradient_check(name: str, analytic, numeric, *, oracle=None, rtol: float = 1e-4,
                   atol: float = 1e-6, n: int | None = None,
                   hints: tuple[str, ...] = ()) -> Verdict:
    """Judge an analytic gradient against finite differences and, if given, a torch oracle.

    analytic, numeric, oracle: arrays of one shape. ``n``: the batch size, so an error by a
    factor of N is named. Returns the first failing comparison, or a pass.
    """
    verdict = compare(f"{name} (vs. finite differences)", analytic, numeric, rtol=rtol,
                      atol=atol, n=n, hints=hints)
    if verdict.passed and oracle is not None:
        verdict = compare(f"{name} (vs. torch autograd)", analytic, oracle, rtol=rtol,
                          atol=atol, n=n, hints=hints)
    return verdict
