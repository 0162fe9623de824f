"""Notebook 05's network trained in numpy and in torch: seconds per epoch, side by side.

The numpy trainer below is a stand-alone copy of the solution of 05_minibatches_and_sgd
(``train_mlp`` with its mini-batches, vectorised backprop and SGD step); it imports nothing
from the notebook. The torch side is :func:`nncourse.training.train_torch_mlp` (``nn.Linear``
+ ``torch.optim.SGD``). Both train the same two-layer ReLU network on the digits with the same
hyper-parameters and time only the training loop of each epoch (shuffle, forward, backward,
update), not the evaluation. Goal: numpy within 1.5x of torch.

Run: ``python -m bench`` (all benchmarks) or ``python bench/nb05_numpy_vs_torch.py``.
"""

from __future__ import annotations

import sys
import time

import numpy as np

HIDDEN, LR, BATCH_SIZE, EPOCHS = 64, 0.1, 32, 20
GOAL = 1.5


def numpy_train(X_train, y_train, X_val, y_val, hidden=HIDDEN, lr=LR, batch_size=BATCH_SIZE,
                epochs=EPOCHS, seed=0):
    """The notebook's train_mlp, written out; returns (val_acc, seconds per epoch list)."""
    rng = np.random.default_rng(seed)
    D, C = X_train.shape[1], int(max(y_train.max(), y_val.max())) + 1
    W1 = rng.normal(0.0, 1.0 / np.sqrt(D), size=(D, hidden))
    b1 = np.zeros(hidden)
    W2 = rng.normal(0.0, 1.0 / np.sqrt(hidden), size=(hidden, C))
    b2 = np.zeros(C)
    seconds = []
    for _ in range(epochs):
        start_time = time.perf_counter()
        order = rng.permutation(len(X_train))
        for start in range(0, len(X_train), batch_size):
            idx = order[start:start + batch_size]
            X, y = X_train[idx], y_train[idx]
            N = len(idx)
            Z1 = X @ W1 + b1  # (N, H)
            H = np.maximum(Z1, 0.0)
            S = H @ W2 + b2  # (N, C)
            P = np.exp(S - S.max(axis=1, keepdims=True))
            P /= P.sum(axis=1, keepdims=True)
            P[np.arange(N), y] -= 1.0
            dS = P / N
            dZ1 = (dS @ W2.T) * (Z1 > 0)
            W1 = W1 - lr * (X.T @ dZ1)
            b1 = b1 - lr * dZ1.sum(axis=0)
            W2 = W2 - lr * (H.T @ dS)
            b2 = b2 - lr * dS.sum(axis=0)
        seconds.append(time.perf_counter() - start_time)
    scores = np.maximum(X_val @ W1 + b1, 0.0) @ W2 + b2
    return float(np.mean(scores.argmax(axis=1) == y_val)), seconds


def main() -> int:
    """Train both, print seconds per epoch and the ratio numpy / torch.

    Returns an exit status, as ``python -m bench`` expects: 0 when numpy is within
    ``GOAL`` times torch's time per epoch, 1 otherwise.
    """
    import warnings

    from nncourse.data import digits_split
    from nncourse.training import train_torch_mlp

    X_train, X_val, y_train, y_val = digits_split()
    numpy_train(X_train, y_train, X_val, y_val, epochs=1)  # warm-up
    numpy_acc, numpy_seconds = numpy_train(X_train, y_train, X_val, y_val)
    import torch

    default_threads = torch.get_num_threads()
    runs = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for threads in sorted({default_threads, 1}, reverse=True):
            torch.set_num_threads(threads)
            train_torch_mlp(X_train, y_train, X_val, y_val, epochs=1, show_progress=False)
            runs[threads] = train_torch_mlp(X_train, y_train, X_val, y_val, hidden=HIDDEN, lr=LR,
                                            batch_size=BATCH_SIZE, epochs=EPOCHS,
                                            show_progress=False)[1]
    torch.set_num_threads(default_threads)
    numpy_epoch = float(np.median(numpy_seconds))
    print(f"digits, hidden={HIDDEN}, lr={LR}, batch_size={BATCH_SIZE}, epochs={EPOCHS}")
    print(f"  numpy: {numpy_epoch * 1000:7.2f} ms per epoch (median), val acc {numpy_acc:.3f}")
    for threads, history in runs.items():
        print(f"  torch ({threads} thread{'s' if threads > 1 else ''}): "
              f"{float(np.median(history['seconds'])) * 1000:7.2f} ms per epoch (median), "
              f"val acc {history['val_acc'][-1]:.3f}")
    # compare with torch's faster setting, so the ratio never flatters numpy
    torch_epoch = min(float(np.median(h["seconds"])) for h in runs.values())
    ratio = numpy_epoch / torch_epoch
    verdict = "within" if ratio <= GOAL else "OUTSIDE"
    print(f"  ratio numpy/torch: {ratio:.2f} ({verdict} the {GOAL}x goal)")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
