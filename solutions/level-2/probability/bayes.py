"""Bayes' rule on a joint table: prior, likelihood, evidence and posterior with numpy.

Two discrete random variables X (the hidden cause, the hypothesis) and Y (what is observed)
are described by their joint table `joint[i, j] = P(X = x_i, Y = y_j)`: rows are values of X,
columns values of Y. Every other quantity follows from it:

    prior       P(X = x_i)           = sum_j joint[i, j]              (sum rule)
    evidence    P(Y = y_j)           = sum_i joint[i, j]              (sum rule)
    likelihood  P(Y = y_j | X = x_i) = joint[i, j] / prior[i]        (product rule)
    posterior   P(X = x_i | Y = y_j) = joint[i, j] / evidence[j]     (Bayes' rule)

Graded in part `bayes`.
"""

import numpy as np
from numpy.typing import ArrayLike


def sum_rule(joint: ArrayLike, axis: int) -> np.ndarray:
    """The marginal distribution obtained by summing `joint` over `axis` (given complete).

    `sum_rule(joint, axis=1)` is P(X) (one entry per row), `sum_rule(joint, axis=0)` is P(Y).
    """
    return np.asarray(joint, dtype=np.float64).sum(axis=axis)


def check_joint(joint: ArrayLike, tol: float = 1e-9) -> np.ndarray:
    """Return `joint` as a float64 array after checking that it is a joint probability table.

    Raises ValueError, saying what is wrong, unless the table is 2-d with at least one row
    and one column, every entry is finite and >= 0, and the entries sum to 1 within `tol`.
    Does not modify its argument.
    """
    ### BEGIN SOLUTION
    table = np.array(joint, dtype=np.float64)
    if table.ndim != 2 or table.size == 0:
        raise ValueError(f"a joint table must be a non-empty 2-d array, got shape {table.shape}")
    if not np.all(np.isfinite(table)):
        raise ValueError("a joint table must hold finite numbers")
    if np.any(table < 0):
        raise ValueError("probabilities must be >= 0")
    if abs(table.sum() - 1.0) > tol:
        raise ValueError(f"a joint table must sum to 1, this one sums to {table.sum()}")
    return table
    ### END SOLUTION


def joint_from(prior: ArrayLike, likelihood: ArrayLike, tol: float = 1e-9) -> np.ndarray:
    """The joint table P(X = x_i, Y = y_j) = P(X = x_i) P(Y = y_j | X = x_i) (product rule).

    `prior` has shape (dx,) and sums to 1; `likelihood` has shape (dx, dy) and each of its rows
    is a distribution over Y (sums to 1). Raises ValueError when the shapes do not fit, an entry
    is negative or not finite, or a sum is off by more than `tol`. Returns shape (dx, dy).
    """
    ### BEGIN SOLUTION
    p = np.asarray(prior, dtype=np.float64)
    lik = np.asarray(likelihood, dtype=np.float64)
    if p.ndim != 1 or lik.ndim != 2 or lik.shape[0] != p.shape[0] or p.size == 0:
        raise ValueError(f"prior {p.shape} and likelihood {lik.shape} do not fit together")
    for name, table in (("prior", p), ("likelihood", lik)):
        if not np.all(np.isfinite(table)) or np.any(table < 0):
            raise ValueError(f"the {name} must hold finite numbers >= 0")
    if abs(p.sum() - 1.0) > tol or np.any(np.abs(lik.sum(axis=1) - 1.0) > tol):
        raise ValueError("the prior and each row of the likelihood must sum to 1")
    return p[:, None] * lik
    ### END SOLUTION


def bayes(joint: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return `(prior, likelihood, evidence, posterior)` of a joint table (see the module doc).

    Shapes: prior (dx,), likelihood (dx, dy), evidence (dy,), posterior (dx, dy); all float64.
    Each row of the likelihood sums to 1, each column of the posterior sums to 1.

    The table is checked with `check_joint` (ValueError when it is not a joint table).
    Conditioning on an event of probability 0 is undefined: a row i with prior[i] == 0 gives a
    likelihood row of NaN, a column j with evidence[j] == 0 gives a posterior column of NaN.
    No warnings: avoid dividing by zero rather than silencing numpy.
    """
    ### BEGIN SOLUTION
    table = check_joint(joint)
    prior = sum_rule(table, axis=1)
    evidence = sum_rule(table, axis=0)
    likelihood = np.full_like(table, np.nan)
    rows = prior > 0
    likelihood[rows] = table[rows] / prior[rows, None]
    posterior = np.full_like(table, np.nan)
    cols = evidence > 0
    posterior[:, cols] = table[:, cols] / evidence[cols]
    return prior, likelihood, evidence, posterior
    ### END SOLUTION
