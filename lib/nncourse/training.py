"""Training helpers: progress bars and a torch reference trainer (History and Timer live in
:mod:`nncourse.records`, which graded answers may use)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from nncourse.records import History, Timer

__all__ = ["History", "Timer", "progress", "train_torch_mlp"]


def progress(iterable: Iterable, description: str = "", total: int | None = None,
             enabled: bool = True):
    """``iterable`` wrapped in a tqdm progress bar (notebook-friendly); plain if disabled."""
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=description, total=total, leave=False)


def train_torch_mlp(X_train: np.ndarray, y_train: np.ndarray, X_val: np.ndarray,
                    y_val: np.ndarray, hidden: int = 64, lr: float = 0.1,
                    batch_size: int = 32, epochs: int = 20, seed: int = 0,
                    show_progress: bool = True):
    """The course's two-layer ReLU network trained by ``torch.optim.SGD``, for comparison.

    X_*: (N, D) float64; y_*: (N,) class ids. ``nn.Linear`` stores W as (D_out, D_in), the
    transpose of the course's (D_in, D_out). Returns (model, history) with per-epoch
    ``train_loss``, ``val_loss``, ``val_acc`` and ``seconds``.
    """
    import torch
    from torch import nn

    torch.manual_seed(seed)
    n_classes = int(max(y_train.max(), y_val.max())) + 1
    model = nn.Sequential(nn.Linear(X_train.shape[1], hidden), nn.ReLU(),
                          nn.Linear(hidden, n_classes)).double()
    optimiser = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    Xt, yt = torch.as_tensor(X_train), torch.as_tensor(y_train)
    Xv, yv = torch.as_tensor(X_val), torch.as_tensor(y_val)
    generator = torch.Generator().manual_seed(seed)
    history = History()
    for _ in progress(range(epochs), "torch epochs", enabled=show_progress):
        with Timer() as timer:
            order = torch.randperm(len(Xt), generator=generator)
            total = 0.0
            for start in range(0, len(Xt), batch_size):
                batch = order[start:start + batch_size]
                optimiser.zero_grad()
                loss = loss_fn(model(Xt[batch]), yt[batch])
                loss.backward()
                optimiser.step()
                total += loss.item() * len(batch)
        with torch.no_grad():
            scores = model(Xv)
            history.add(train_loss=total / len(Xt), val_loss=float(loss_fn(scores, yv)),
                        val_acc=float((scores.argmax(1) == yv).double().mean()),
                        seconds=timer.seconds)
    return model, history
