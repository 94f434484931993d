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
    ### BEGIN SOLUTION
    x = _observations(x)
    if not np.all((x == 0) | (x == 1)):
        raise ValueError("Bernoulli observations must be 0 or 1")
    return float(x.mean())
    ### END SOLUTION


def mle_poisson(x: ArrayLike) -> float:
    """The maximum-likelihood rate lam of Poi(lam) from counts `x`.

    ValueError when `x` is empty or holds anything but non-negative integers.
    """
    ### BEGIN SOLUTION
    x = _observations(x)
    if not np.all((x >= 0) & (x == np.floor(x))):
        raise ValueError("Poisson observations must be non-negative integers")
    return float(x.mean())
    ### END SOLUTION


def mle_normal(x: ArrayLike) -> tuple[float, float]:
    """The maximum-likelihood `(mu, sigma2)` of Nor(mu, sigma2) from observations `x`.

    sigma2 is the MLE of the variance: the mean squared deviation from mu, dividing by n (not
    by n - 1, which is the unbiased estimate, not the maximum-likelihood one).
    ValueError when `x` is empty or not finite.
    """
    ### BEGIN SOLUTION
    x = _observations(x)
    mu = x.mean()
    return float(mu), float(np.mean((x - mu) ** 2))
    ### END SOLUTION


def map_bernoulli(x: ArrayLike, alpha: float, beta: float) -> float:
    """The maximum a posteriori p of Ber(p) under a Beta(alpha, beta) prior on p.

    The posterior is Beta(alpha + k, beta + n - k) with k ones among n observations; return its
    mode (k + alpha - 1) / (n + alpha + beta - 2). alpha = beta = 1 (a flat prior) gives the
    MLE. ValueError unless alpha >= 1, beta >= 1 and `x` is non-empty and holds only 0s
    and 1s.
    """
    ### BEGIN SOLUTION
    if alpha < 1 or beta < 1:
        raise ValueError(f"need alpha >= 1 and beta >= 1, got {alpha}, {beta}")
    x = _observations(x)
    if not np.all((x == 0) | (x == 1)):
        raise ValueError("Bernoulli observations must be 0 or 1")
    n, k = x.size, x.sum()
    return float((k + alpha - 1) / (n + alpha + beta - 2))
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    X, y = _design(X, y)
    return np.linalg.solve(X.T @ X, X.T @ y)
    ### END SOLUTION


def ridge(X: ArrayLike, y: ArrayLike, lam: float) -> np.ndarray:
    """Ridge regression: the w minimising ||y - X w||^2 + lam ||w||^2, shape (m,).

    Closed form: solve (X^T X + lam I) w = X^T y with np.linalg.solve (no inverse). Every
    entry of w is penalised (no special intercept). ValueError when lam < 0 or the shapes do
    not fit; lam = 0 is ordinary least squares.
    """
    ### BEGIN SOLUTION
    if not lam >= 0:
        raise ValueError(f"lam must be >= 0, got {lam}")
    X, y = _design(X, y)
    return np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)
    ### END SOLUTION


def predict_linear(X: ArrayLike, theta: ArrayLike) -> np.ndarray:
    """The predictions X theta of a linear model (given complete)."""
    return np.asarray(X, dtype=np.float64) @ np.asarray(theta, dtype=np.float64)


def sigmoid(z: ArrayLike) -> np.ndarray:
    """1 / (1 + exp(-z)) elementwise, with no overflow warning and no NaN for any finite z.

    exp(-z) overflows for z below about -710: for negative z use exp(z) / (1 + exp(z)) instead.
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))  # never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION


def bce_with_logits(z: ArrayLike, y: ArrayLike) -> float:
    """The mean binary cross-entropy of labels y in {0, 1} given logits z (same shape).

    Per example: -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))], which simplifies to
    max(z, 0) - y z + log(1 + exp(-|z|)); use that form (np.log1p), which stays finite and
    accurate for any finite z, where the first form gives log(0) for |z| > about 37.
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.mean(np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z)))))
    ### END SOLUTION


def logistic_regression(X: ArrayLike, y: ArrayLike, lr: float = 0.1,
                        steps: int = 1000) -> np.ndarray:
    """Fit P(y = 1 | x) = sigmoid(x . w) by full-batch gradient descent; return w, shape (m,).

    Start from w = 0 and take exactly `steps` steps w <- w - lr * grad, where grad is the
    gradient of the *mean* cross-entropy `bce_with_logits(X @ w, y)`:
    grad = X^T (sigmoid(X w) - y) / n. No intercept is added (use `add_intercept`).
    ValueError when the shapes do not fit or y holds anything but 0 and 1.
    """
    ### BEGIN SOLUTION
    X, y = _design(X, y)
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("logistic regression labels must be 0 or 1")
    w = np.zeros(X.shape[1])
    for _ in range(steps):
        w = w - lr * (X.T @ (sigmoid(X @ w) - y)) / X.shape[0]
    return w
    ### END SOLUTION


### BEGIN SOLUTION
def _observations(x: ArrayLike) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64).ravel()
    if x.size == 0:
        raise ValueError("need at least one observation")
    if not np.all(np.isfinite(x)):
        raise ValueError("observations must be finite")
    return x


def _design(X: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0]:
        raise ValueError(f"X must be (n, m) and y (n,), got {X.shape} and {y.shape}")
    return X, y


### END SOLUTION
