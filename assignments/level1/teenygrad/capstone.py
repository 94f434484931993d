"""Capstone: everything together on real (bundled, offline) data. Graded in part `capstone`.

1. Handwritten digits (`sklearn.datasets.load_digits`: 1,797 images of 8x8 pixels with values
   0..16, labels 0..9). `train_digits` trains an MLP with teenygrad; the grader calls
   `predict_digits` on a held-out split it keeps, and needs >= 95% accuracy. Training must
   finish within the time limit given in the handout on 2 cores.
2. Linear regression on `sklearn.datasets.load_diabetes` (442 rows, 10 features), fitted twice:
   by the normal equations, and by gradient descent with teenygrad; the two must agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from teenygrad.nn import Sequential

PIXEL_MAX = 16.0


def train_digits(x_train: np.ndarray, y_train: np.ndarray, seed: int = 0) -> Sequential:
    """Train a classifier of 8x8 digits and return it.

    Contract: `x_train` is (n, 64) float64 raw pixel values in [0, 16], `y_train` (n,) int
    labels in 0..9. Returns a model that `predict_digits` accepts; it must reach >= 95%
    accuracy on held-out digits. Use teenygrad only (Tensor, nn, losses, optim; import them
    inside the function); `seed` makes the run repeatable. The reference: a 64-128-10 MLP
    with ReLU, cross-entropy, SGD (lr 0.1, momentum 0.9, weight decay 1e-4), batches of 32,
    40 epochs, inputs divided by 16: about 97% in 1-2 seconds.
    """
    raise NotImplementedError("train_digits: not implemented yet — see the docstring")


def predict_digits(model: Sequential, x: np.ndarray) -> np.ndarray:
    """Predicted labels, an (n,) int64 array, for (n, 64) raw pixel values in [0, 16]."""
    raise NotImplementedError("predict_digits: not implemented yet — see the docstring")


def fit_normal_equations(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Least squares with an intercept: (w, b) minimising mean((x @ w + b - y)**2).

    Contract: `x` (n, d), `y` (n,), float64. Append a column of ones, A = [x, 1], and solve
    the normal equations A^T A theta = A^T y with `np.linalg.solve`; return
    (theta[:d] as a (d,) array, theta[d] as a float).
    """
    raise NotImplementedError("fit_normal_equations: not implemented yet — see the docstring")


def fit_gradient_descent(x: np.ndarray, y: np.ndarray, steps: int = 2000,
                         lr: float = 0.2, momentum: float = 0.9) -> tuple[np.ndarray, float]:
    """The same least-squares fit by full-batch gradient descent with teenygrad.

    Contract: returns (w, b) in the units of the original `x`, agreeing with
    `fit_normal_equations` to a relative 1e-6 (max |difference| over w and b divided by
    max(1, max |value|)). Use Tensor, `mse` and `optim.SGD`; standardise the columns of x
    first (zero mean, unit variance) so that plain gradient descent converges, then map the
    weights back: w = w_std / std, b = b_std - sum(w_std * mean / std).
    """
    raise NotImplementedError("fit_gradient_descent: not implemented yet — see the docstring")
