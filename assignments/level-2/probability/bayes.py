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
    raise NotImplementedError("check_joint: not implemented yet — see the docstring")


def joint_from(prior: ArrayLike, likelihood: ArrayLike, tol: float = 1e-9) -> np.ndarray:
    """The joint table P(X = x_i, Y = y_j) = P(X = x_i) P(Y = y_j | X = x_i) (product rule).

    `prior` has shape (dx,) and sums to 1; `likelihood` has shape (dx, dy) and each of its rows
    is a distribution over Y (sums to 1). Raises ValueError when the shapes do not fit, an entry
    is negative or not finite, or a sum is off by more than `tol`. Returns shape (dx, dy).
    """
    raise NotImplementedError("joint_from: not implemented yet — see the docstring")


def bayes(joint: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return `(prior, likelihood, evidence, posterior)` of a joint table (see the module doc).

    Shapes: prior (dx,), likelihood (dx, dy), evidence (dy,), posterior (dx, dy); all float64.
    Each row of the likelihood sums to 1, each column of the posterior sums to 1.

    The table is checked with `check_joint` (ValueError when it is not a joint table).
    Conditioning on an event of probability 0 is undefined: a row i with prior[i] == 0 gives a
    likelihood row of NaN, a column j with evidence[j] == 0 gives a posterior column of NaN.
    No warnings: avoid dividing by zero rather than silencing numpy.
    """
    raise NotImplementedError("bayes: not implemented yet — see the docstring")
