"""Parameter estimation: MLE and MAP in closed form, and the losses they turn into.

Maximising a likelihood is minimising a negative log-likelihood, a loss:
- Bernoulli, Poisson, Normal: set the derivative of the NLL to 0 and solve (appendix A.2);
- linear regression with Gaussian noise: the NLL is the squared error, minimised by the normal
  equations X^T X theta = X^T y; a Gaussian prior on theta adds lam ||theta||^2 (ridge);
- logistic regression: the NLL is the binary cross-entropy, minimised by gradient descent.

Solve linear systems with `np.linalg.solve`; never form a matrix inverse (`np.linalg.inv`,
`np.linalg.pinv`): it is slower and less accurate. The grader checks the source of
`normal_equations` and `ridge` and watches both functions while they run.

Graded in part `estimation`.
"""

import numpy as np
from numpy.typing import ArrayLike


def mle_bernoulli(x: ArrayLike) -> float:
    """The maximum-likelihood p of Ber(p) from observations `x` of 0s and 1s.

    ValueError when `x` is empty or holds anything but 0 and 1.
    """
    raise NotImplementedError("mle_bernoulli: not implemented yet — see the docstring")


def mle_poisson(x: ArrayLike) -> float:
    """The maximum-likelihood rate lam of Poi(lam) from counts `x`.

    ValueError when `x` is empty or holds anything but non-negative integers.
    """
    raise NotImplementedError("mle_poisson: not implemented yet — see the docstring")


def mle_normal(x: ArrayLike) -> tuple[float, float]:
    """The maximum-likelihood `(mu, sigma2)` of Nor(mu, sigma2) from observations `x`.

    sigma2 is the MLE of the variance: the mean squared deviation from mu, dividing by n (not
    by n - 1, which is the unbiased estimate, not the maximum-likelihood one).
    ValueError when `x` is empty or not finite.
    """
    raise NotImplementedError("mle_normal: not implemented yet — see the docstring")


def map_bernoulli(x: ArrayLike, alpha: float, beta: float) -> float:
    """The maximum a posteriori p of Ber(p) under a Beta(alpha, beta) prior on p.

    The posterior is Beta(alpha + k, beta + n - k) with k ones among n observations; return its
    mode (k + alpha - 1) / (n + alpha + beta - 2). alpha = beta = 1 (a flat prior) gives the
    MLE. ValueError unless alpha >= 1, beta >= 1 and `x` is non-empty and holds only 0s
    and 1s.
    """
    raise NotImplementedError("map_bernoulli: not implemented yet — see the docstring")


def add_intercept(X: ArrayLike) -> np.ndarray:
    """Prepend a column of ones to the design matrix X (n, m) -> (n, m + 1) (given complete).

    With it, theta[0] is the intercept (bias) and theta[1:] the weights of the features.
    """
    X = np.asarray(X, dtype=np.float64)
    return np.column_stack([np.ones(X.shape[0]), X])


def normal_equations(X: ArrayLike, y: ArrayLike) -> np.ndarray:
    """Least squares: the theta minimising ||y - X theta||^2, shape (m,).

    Solve X^T X theta = X^T y with np.linalg.solve (no inverse). X has shape (n, m), y shape
    (n,). No intercept is added: use `add_intercept` first when you want one. ValueError when
    the shapes do not fit; np.linalg.LinAlgError (from solve) when X^T X is singular.
    """
    raise NotImplementedError("normal_equations: not implemented yet — see the docstring")


def ridge(X: ArrayLike, y: ArrayLike, lam: float) -> np.ndarray:
    """Ridge regression: the w minimising ||y - X w||^2 + lam ||w||^2, shape (m,).

    Closed form: solve (X^T X + lam I) w = X^T y with np.linalg.solve (no inverse). Every
    entry of w is penalised (no special intercept). ValueError when lam < 0 or the shapes do
    not fit; lam = 0 is ordinary least squares.
    """
    raise NotImplementedError("ridge: not implemented yet — see the docstring")


def predict_linear(X: ArrayLike, theta: ArrayLike) -> np.ndarray:
    """The predictions X theta of a linear model (given complete)."""
    return np.asarray(X, dtype=np.float64) @ np.asarray(theta, dtype=np.float64)


def sigmoid(z: ArrayLike) -> np.ndarray:
    """1 / (1 + exp(-z)) elementwise, with no overflow warning and no NaN for any finite z.

    exp(-z) overflows for z below about -710: for negative z use exp(z) / (1 + exp(z)) instead.
    """
    raise NotImplementedError("sigmoid: not implemented yet — see the docstring")


def bce_with_logits(z: ArrayLike, y: ArrayLike) -> float:
    """The mean binary cross-entropy of labels y in {0, 1} given logits z (same shape).

    Per example: -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))], which simplifies to
    max(z, 0) - y z + log(1 + exp(-|z|)); use that form (np.log1p), which stays finite and
    accurate for any finite z, where the first form gives log(0) for |z| > about 37.
    """
    raise NotImplementedError("bce_with_logits: not implemented yet — see the docstring")


def logistic_regression(X: ArrayLike, y: ArrayLike, lr: float = 0.1,
                        steps: int = 1000) -> np.ndarray:
    """Fit P(y = 1 | x) = sigmoid(x . w) by full-batch gradient descent; return w, shape (m,).

    Start from w = 0 and take exactly `steps` steps w <- w - lr * grad, where grad is the
    gradient of the *mean* cross-entropy `bce_with_logits(X @ w, y)`:
    grad = X^T (sigmoid(X w) - y) / n. No intercept is added (use `add_intercept`).
    ValueError when the shapes do not fit or y holds anything but 0 and 1.
    """
    raise NotImplementedError("logistic_regression: not implemented yet — see the docstring")
