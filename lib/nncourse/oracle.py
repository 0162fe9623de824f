"""The course's oracles: what torch computes for the functions the notebooks build.

Judges compare a student's results with these (in the grader's process, or in the student's
kernel when they check their own work). Every function takes and returns numpy arrays in
float64; torch is imported only when one is called.
"""

from __future__ import annotations

import numpy as np

TWO_LAYER_KEYS = ("W1", "b1", "W2", "b2")
"""The parameters of the two-layer ReLU net of notebooks 04-06, in order."""


def _tensor(value):
    import torch

    return torch.as_tensor(np.asarray(value, dtype=np.float64))


def sigmoid(z) -> np.ndarray:
    """torch's sigmoid of ``z`` (any shape)."""
    import torch

    return torch.sigmoid(_tensor(z)).numpy()


def softmax(z) -> np.ndarray:
    """torch's softmax of ``z`` along its last axis (same shape)."""
    import torch

    return torch.softmax(_tensor(z), dim=-1).numpy()


def cross_entropy(scores, y) -> float:
    """torch's mean softmax cross-entropy of ``scores`` (N, C) for labels ``y`` (N,)."""
    import torch

    return float(torch.nn.functional.cross_entropy(
        _tensor(scores), torch.as_tensor(np.asarray(y, dtype=np.int64))))


def accuracy(scores, y) -> float:
    """torch's fraction of rows of ``scores`` (N, C) whose argmax is ``y`` (N,)."""
    import torch

    hits = torch.argmax(_tensor(scores), dim=1) == torch.as_tensor(np.asarray(y))
    return float(hits.to(torch.float64).mean())


def cross_entropy_gradient(scores, y) -> np.ndarray:
    """Gradient (N, C) of :func:`cross_entropy` with respect to ``scores``, by torch autograd."""
    import torch

    from nncourse.gradcheck import torch_gradient

    target = torch.as_tensor(np.asarray(y, dtype=np.int64))
    return torch_gradient(lambda s: torch.nn.functional.cross_entropy(s, target), scores)[0]


def network(weights, biases, activation: str = "tanh"):
    """An MLP as a torch ``nn.Sequential`` of ``nn.Linear`` layers: weights[i] (d_i, d_{i+1}),
    biases[i] (d_{i+1},), ``activation`` between layers, none after the last."""
    import torch

    layers = []
    for W, b in zip(weights, biases, strict=True):
        W = _tensor(W)
        linear = torch.nn.Linear(*W.shape, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(W.T)  # torch stores (out, in)
            linear.bias.copy_(_tensor(b))
        layers += [linear, {"tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid,
                            "relu": torch.nn.ReLU, "identity": torch.nn.Identity}[activation]()]
    return torch.nn.Sequential(*layers[:-1])


def network_scores(X, weights, biases, activation: str = "tanh") -> np.ndarray:
    """Scores (N, d_L) of :func:`network` on ``X`` (N, d_0)."""
    import torch

    with torch.no_grad():
        return network(weights, biases, activation)(_tensor(X)).numpy()


def two_layer_scores(params: dict, X) -> np.ndarray:
    """Scores (N, C) of relu(X W1 + b1) W2 + b2 for ``X`` (N, D)."""
    import torch

    t = {k: _tensor(params[k]) for k in TWO_LAYER_KEYS}
    return (torch.relu(_tensor(X) @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]).numpy()


def two_layer_loss(params: dict, X, y) -> float:
    """Mean softmax cross-entropy of the two-layer net on (X (N, D), y (N,))."""
    return cross_entropy(two_layer_scores(params, X), y)


def two_layer_gradients(params: dict, X, y) -> dict:
    """Gradient of :func:`two_layer_loss` for every key (same shapes), by torch autograd
    (relu'(0) = 0)."""
    import torch

    from nncourse.gradcheck import torch_gradient

    Xt, yt = _tensor(X), torch.as_tensor(np.asarray(y, dtype=np.int64))

    def loss(W1, b1, W2, b2):
        return torch.nn.functional.cross_entropy(torch.relu(Xt @ W1 + b1) @ W2 + b2, yt)

    return dict(zip(TWO_LAYER_KEYS, torch_gradient(loss, *(params[k] for k in TWO_LAYER_KEYS)),
                    strict=True))
