"""Capstone: everything together on real (bundled, offline) data. Graded in part `capstone`.

1. Handwritten digits (`sklearn.datasets.load_digits`: 1,797 images of 8x8 pixels with values
   0..16, labels 0..9). `train_digits` trains an MLP with your teenygrad and returns it. The
   grade comes from that network: the grader reads its weights out, runs it itself on a
   held-out split it keeps (>= 95% accuracy needed), checks that `predict_digits` agrees, and
   watches the training (see `train_digits`). Training must finish within the time limit given
   in the handout on 2 cores.
2. Linear regression on `sklearn.datasets.load_diabetes` (442 rows, 10 features), fitted twice:
   by the normal equations, and by gradient descent with teenygrad; the two must agree, and the
   grader checks every step of the gradient descent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from teenygrad.nn import Sequential

PIXEL_MAX = 16.0


def train_digits(x_train: np.ndarray, y_train: np.ndarray, seed: int = 0) -> Sequential:
    """Train a classifier of 8x8 digits with your teenygrad and return the trained network.

    Contract: `x_train` is (n, 64) float64 raw pixel values in [0, 16], `y_train` (n,) int
    labels in 0..9; `seed` makes the run repeatable. Import teenygrad inside the function.
    - The model: a `teenygrad.nn.Sequential` (not a subclass) of `nn.Linear` layers (float64
      Tensor parameters, as `Linear` makes them) and `nn.ReLU` / `nn.Tanh` layers, created
      here; it maps pixels divided by `PIXEL_MAX` ((n, 64), values in [0, 1]) to 10 logits.
    - Training: mini-batches of rows of `x_train / PIXEL_MAX`; for each, `logits = model(xb)`,
      `loss = cross_entropy(logits, yb)` (nothing added to it: use the optimizer's
      `weight_decay`), `optimizer.zero_grad()`, `loss.backward()`, `optimizer.step()`, with an
      optimizer of `teenygrad.optim` given `model.parameters()`. Return the model as the last
      step left it.
    What is graded: the grader runs the returned network itself (its own numpy forward pass on
    the weights it reads out) on a held-out split: >= 95% accuracy. While `train_digits` runs
    it records every `Linear` as created, the batch each step's forward saw, the loss each
    `backward()` started from and each optimizer step (parameters before and after, the
    gradients it read); then every layer must have moved from its initial values, optimizer
    steps must have updated every parameter with the gradients `backward()` left (unchanged),
    nothing but those steps may have changed a parameter (each step starts where the previous
    one left it, the first where its layer was built), the optimizer must be one of
    `teenygrad.optim`'s (SGD, Adam, AdamW, Muon; not a class of your own), the model returned
    must be what the last step left, and (hidden test) the grader redoes the
    first and the last step: on that batch its own cross-entropy and backprop must give your
    loss and every gradient to 1e-7. A model trained any other way (numpy backprop, gradients
    set by hand, a nearest-neighbour lookup) earns no digits points.
    The reference: a 64-128-10 MLP with ReLU, cross-entropy, SGD (lr 0.1, momentum 0.9,
    weight decay 1e-4), batches of 32, 40 epochs: about 97% in 1-2 seconds.
    """
    ### BEGIN SOLUTION
    from teenygrad.losses import cross_entropy
    from teenygrad.nn import DataLoader, Linear, ReLU, Sequential
    from teenygrad.optim import SGD
    from teenygrad.tensor import Tensor

    rng = np.random.default_rng(seed)
    model = Sequential(Linear(64, 128, rng=rng), ReLU(), Linear(128, 10, rng=rng))
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    loader = DataLoader(x_train / PIXEL_MAX, y_train, batch_size=32, rng=rng)
    for _epoch in range(40):
        for xb, yb in loader:
            loss = cross_entropy(model(Tensor(xb)), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model
    ### END SOLUTION


def predict_digits(model: Sequential, x: np.ndarray) -> np.ndarray:
    """Predicted labels, an (n,) int64 array, for (n, 64) raw pixel values in [0, 16].

    Contract: the argmax of `model`'s logits for `x / PIXEL_MAX` (inside `no_grad()`); the
    grader checks that it agrees with the logits it computes from the model's weights.
    """
    ### BEGIN SOLUTION
    from teenygrad.tensor import Tensor, no_grad

    with no_grad():
        logits = model(Tensor(x / PIXEL_MAX))
    return np.argmax(logits.data, axis=1).astype(np.int64)
    ### END SOLUTION


def fit_normal_equations(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Least squares with an intercept: (w, b) minimising mean((x @ w + b - y)**2).

    Contract: `x` (n, d), `y` (n,), float64. Append a column of ones, A = [x, 1], and solve
    the normal equations A^T A theta = A^T y with `np.linalg.solve`; return
    (theta[:d] as a (d,) array, theta[d] as a float).
    """
    ### BEGIN SOLUTION
    a = np.hstack([x, np.ones((len(x), 1))])
    theta = np.linalg.solve(a.T @ a, a.T @ y)
    return theta[:-1], float(theta[-1])
    ### END SOLUTION


def fit_gradient_descent(x: np.ndarray, y: np.ndarray, steps: int = 2000,
                         lr: float = 0.2, momentum: float = 0.9) -> tuple[np.ndarray, float]:
    """The same least-squares fit by full-batch gradient descent with teenygrad.

    Contract: returns (w, b) in the units of the original `x`, agreeing with
    `fit_normal_equations` to a relative 1e-6 (max |difference| over w and b divided by
    max(1, max |value|)). The algorithm, exactly (the grader checks every step of it):
    - standardise the columns: xs = (x - mean) / std with `x.mean(axis=0)`, `x.std(axis=0)`;
    - parameters `w = Tensor(zeros(d), requires_grad=True)`, `b = Tensor(0.0,
      requires_grad=True)`, optimizer `SGD([w, b], lr=lr, momentum=momentum)`;
    - `steps` times: `loss = mse(xs @ w + b, y)`, `zero_grad()`, `loss.backward()`, `step()`;
    - map back: w = w_std / std, b = b_std - sum(w_std * mean / std).
    The grader records [w, b] after every optimizer step and every loss you backpropagate, and
    compares them with its own replay of these steps (relative 1e-8); the optimizer must be
    `optim.SGD`, every gradient it reads one that `loss.backward()` wrote, and nothing else may
    change w or b between steps. No `np.linalg` here.
    """
    ### BEGIN SOLUTION
    from teenygrad.losses import mse
    from teenygrad.optim import SGD
    from teenygrad.tensor import Tensor

    mean, std = x.mean(axis=0), x.std(axis=0)
    xs = Tensor((x - mean) / std)
    w = Tensor(np.zeros(x.shape[1]), requires_grad=True)
    b = Tensor(0.0, requires_grad=True)
    optimizer = SGD([w, b], lr=lr, momentum=momentum)
    for _ in range(steps):
        loss = mse(xs @ w + b, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    w_orig = w.data / std
    return w_orig, float(b.data - np.sum(w_orig * mean))
    ### END SOLUTION
