"""Eight distributions with numpy: log-densities, cdfs, moments and seeded sampling.

Conventions, the same for every class (they match scipy.stats, which the grader compares to):
- `logpmf(k)` / `logpdf(x)` and `cdf(x)` take a number or an array and return a float64 array
  of the same shape, elementwise. Outside the support the pmf/pdf is 0, so the log is -inf.
- `pmf` / `pdf` are given: they exponentiate the log. Work in log space (sums of logs, never a
  product of many small numbers, never `math.factorial` of a big number): `logpdf(40)` of a
  standard normal is -800.92, not `log(0) = -inf`.
- `mean()` and `var()` return floats (MultiNormal: the mean vector and covariance matrix).
- `sample(size, seed)` draws `size` values with `np.random.default_rng(seed)`: the same seed
  gives the same samples. Any method of the generator is allowed.
- A constructor given parameters outside their range raises ValueError.

Graded in part `distributions`. scipy is not available to you here; `math` and numpy are.
"""

import math

import numpy as np
from numpy.typing import ArrayLike


def log_factorial(k: ArrayLike) -> np.ndarray:
    """log(k!) elementwise for k >= 0, via log(k!) = lgamma(k + 1) (given complete)."""
    k = np.asarray(k, dtype=np.float64)
    return np.vectorize(lambda v: math.lgamma(v + 1.0), otypes=[np.float64])(k)


def xlogy(x: ArrayLike, y: ArrayLike) -> np.ndarray:
    """x * log(y) elementwise, with 0 where x == 0 (so 0 * log(0) is 0) (given complete)."""
    x, y = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(y, np.float64))
    out = np.zeros(x.shape)
    nz = x != 0
    with np.errstate(divide="ignore"):
        out[nz] = x[nz] * np.log(y[nz])
    return out


def integers_between(k: ArrayLike, low: float, high: float = math.inf) -> np.ndarray:
    """Boolean mask: where k holds an integer value with low <= k <= high (given complete)."""
    k = np.asarray(k, dtype=np.float64)
    return np.isfinite(k) & (k == np.floor(k)) & (k >= low) & (k <= high)


class Discrete:
    """Base of the distributions over integers: pmf is exp(logpmf) (given complete)."""

    def logpmf(self, k: ArrayLike) -> np.ndarray:
        """log P(X = k), elementwise."""
        raise NotImplementedError

    def pmf(self, k: ArrayLike) -> np.ndarray:
        """P(X = k), elementwise."""
        return np.exp(self.logpmf(k))


class Continuous:
    """Base of the distributions over the reals: pdf is exp(logpdf) (given complete)."""

    def logpdf(self, x: ArrayLike) -> np.ndarray:
        """log of the density at x, elementwise."""
        raise NotImplementedError

    def pdf(self, x: ArrayLike) -> np.ndarray:
        """The density at x, elementwise."""
        return np.exp(self.logpdf(x))


class Bernoulli(Discrete):
    """Ber(p): 1 with probability p, 0 otherwise. Worked example, given complete."""

    def __init__(self, p: float) -> None:
        """0 <= p <= 1, else ValueError."""
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Bernoulli needs 0 <= p <= 1, got p={p}")
        self.p = float(p)

    def logpmf(self, k: ArrayLike) -> np.ndarray:
        """log p at k = 1, log(1 - p) at k = 0, -inf elsewhere."""
        k = np.asarray(k, dtype=np.float64)
        inside = integers_between(k, 0, 1)
        logp = xlogy(k, self.p) + xlogy(1.0 - k, 1.0 - self.p)
        return np.where(inside, logp, -np.inf)

    def cdf(self, x: ArrayLike) -> np.ndarray:
        """0 below 0, 1 - p on [0, 1), 1 from 1 on."""
        x = np.asarray(x, dtype=np.float64)
        return np.where(x < 0, 0.0, np.where(x < 1, 1.0 - self.p, 1.0))

    def mean(self) -> float:
        """p."""
        return self.p

    def var(self) -> float:
        """p (1 - p)."""
        return self.p * (1.0 - self.p)

    def sample(self, size: int, seed: int) -> np.ndarray:
        """`size` draws as an int64 array of 0s and 1s."""
        rng = np.random.default_rng(seed)
        return (rng.random(size) < self.p).astype(np.int64)


class Binomial(Discrete):
    """Bin(n, p): the number of successes in n independent Ber(p) trials."""

    def __init__(self, n: int, p: float) -> None:
        """n a non-negative int, 0 <= p <= 1, else ValueError."""
        raise NotImplementedError("Binomial.__init__: not implemented yet — see the docstring")

    def logpmf(self, k: ArrayLike) -> np.ndarray:
        """log[C(n, k) p^k (1 - p)^(n - k)] for k = 0..n, -inf elsewhere."""
        raise NotImplementedError("Binomial.logpmf: not implemented yet — see the docstring")

    def cdf(self, x: ArrayLike) -> np.ndarray:
        """P(X <= x) = sum of the pmf over k = 0..floor(x) (0 below 0, 1 from n on)."""
        raise NotImplementedError("Binomial.cdf: not implemented yet — see the docstring")

    def mean(self) -> float:
        """n p."""
        raise NotImplementedError("Binomial.mean: not implemented yet — see the docstring")

    def var(self) -> float:
        """n p (1 - p)."""
        raise NotImplementedError("Binomial.var: not implemented yet — see the docstring")

    def sample(self, size: int, seed: int) -> np.ndarray:
        """`size` draws as an int64 array."""
        raise NotImplementedError("Binomial.sample: not implemented yet — see the docstring")


class Geometric(Discrete):
    """Geo(p): the number of Ber(p) trials up to and including the first success (k >= 1)."""

    def __init__(self, p: float) -> None:
        """0 < p <= 1, else ValueError."""
        raise NotImplementedError("Geometric.__init__: not implemented yet — see the docstring")

    def logpmf(self, k: ArrayLike) -> np.ndarray:
        """log[(1 - p)^(k - 1) p] for k = 1, 2, ..., -inf elsewhere."""
        raise NotImplementedError("Geometric.logpmf: not implemented yet — see the docstring")

    def cdf(self, x: ArrayLike) -> np.ndarray:
        """P(X <= x) = 1 - (1 - p)^floor(x) for x >= 1, 0 below 1."""
        raise NotImplementedError("Geometric.cdf: not implemented yet — see the docstring")

    def mean(self) -> float:
        """1 / p."""
        raise NotImplementedError("Geometric.mean: not implemented yet — see the docstring")

    def var(self) -> float:
        """(1 - p) / p^2."""
        raise NotImplementedError("Geometric.var: not implemented yet — see the docstring")

    def sample(self, size: int, seed: int) -> np.ndarray:
        """`size` draws as an int64 array (values >= 1)."""
        raise NotImplementedError("Geometric.sample: not implemented yet — see the docstring")


class Poisson(Discrete):
    """Poi(lam): counts of events arriving at rate lam per unit of time."""

    def __init__(self, lam: float) -> None:
        """lam > 0 (finite), else ValueError."""
        raise NotImplementedError("Poisson.__init__: not implemented yet — see the docstring")

    def logpmf(self, k: ArrayLike) -> np.ndarray:
        """log[e^(-lam) lam^k / k!] for k = 0, 1, ..., -inf elsewhere."""
        raise NotImplementedError("Poisson.logpmf: not implemented yet — see the docstring")

    def cdf(self, x: ArrayLike) -> np.ndarray:
        """P(X <= x) = sum of the pmf over k = 0..floor(x) (0 below 0)."""
        raise NotImplementedError("Poisson.cdf: not implemented yet — see the docstring")

    def mean(self) -> float:
        """lam."""
        raise NotImplementedError("Poisson.mean: not implemented yet — see the docstring")

    def var(self) -> float:
        """lam."""
        raise NotImplementedError("Poisson.var: not implemented yet — see the docstring")

    def sample(self, size: int, seed: int) -> np.ndarray:
        """`size` draws as an int64 array."""
        raise NotImplementedError("Poisson.sample: not implemented yet — see the docstring")


class Uniform(Continuous):
    """Uni(a, b): every point of [a, b] equally likely."""

    def __init__(self, a: float, b: float) -> None:
        """Finite a < b, else ValueError."""
        raise NotImplementedError("Uniform.__init__: not implemented yet — see the docstring")

    def logpdf(self, x: ArrayLike) -> np.ndarray:
        """-log(b - a) on [a, b] (both ends included), -inf elsewhere."""
        raise NotImplementedError("Uniform.logpdf: not implemented yet — see the docstring")

    def cdf(self, x: ArrayLike) -> np.ndarray:
        """(x - a) / (b - a), clipped to [0, 1]."""
        raise NotImplementedError("Uniform.cdf: not implemented yet — see the docstring")

    def mean(self) -> float:
        """(a + b) / 2."""
        raise NotImplementedError("Uniform.mean: not implemented yet — see the docstring")

    def var(self) -> float:
        """(b - a)^2 / 12."""
        raise NotImplementedError("Uniform.var: not implemented yet — see the docstring")

    def sample(self, size: int, seed: int) -> np.ndarray:
        """`size` draws as a float64 array."""
        raise NotImplementedError("Uniform.sample: not implemented yet — see the docstring")


class Exponential(Continuous):
    """Exp(lam): waiting time until the next event at rate lam (mean 1 / lam)."""

    def __init__(self, lam: float) -> None:
        """lam > 0 (finite), else ValueError. lam is the rate, not the scale."""
        raise NotImplementedError("Exponential.__init__: not implemented yet — see the docstring")

    def logpdf(self, x: ArrayLike) -> np.ndarray:
        """log(lam) - lam x for x >= 0, -inf below 0."""
        raise NotImplementedError("Exponential.logpdf: not implemented yet — see the docstring")

    def cdf(self, x: ArrayLike) -> np.ndarray:
        """1 - exp(-lam x) for x >= 0, 0 below (np.expm1 keeps small x accurate)."""
        raise NotImplementedError("Exponential.cdf: not implemented yet — see the docstring")

    def mean(self) -> float:
        """1 / lam."""
        raise NotImplementedError("Exponential.mean: not implemented yet — see the docstring")

    def var(self) -> float:
        """1 / lam^2."""
        raise NotImplementedError("Exponential.var: not implemented yet — see the docstring")

    def sample(self, size: int, seed: int) -> np.ndarray:
        """`size` draws as a float64 array (inverse transform: -log(U) / lam)."""
        raise NotImplementedError("Exponential.sample: not implemented yet — see the docstring")


class Normal(Continuous):
    """Nor(mu, sigma^2). Note: the constructor takes the standard deviation sigma, not sigma^2."""

    def __init__(self, mu: float, sigma: float) -> None:
        """Finite mu, finite sigma > 0, else ValueError."""
        raise NotImplementedError("Normal.__init__: not implemented yet — see the docstring")

    def logpdf(self, x: ArrayLike) -> np.ndarray:
        """-log(sigma sqrt(2 pi)) - (x - mu)^2 / (2 sigma^2)."""
        raise NotImplementedError("Normal.logpdf: not implemented yet — see the docstring")

    def cdf(self, x: ArrayLike) -> np.ndarray:
        """(1 + erf((x - mu) / (sigma sqrt 2))) / 2, with math.erf or math.erfc."""
        raise NotImplementedError("Normal.cdf: not implemented yet — see the docstring")

    def mean(self) -> float:
        """mu."""
        raise NotImplementedError("Normal.mean: not implemented yet — see the docstring")

    def var(self) -> float:
        """sigma^2."""
        raise NotImplementedError("Normal.var: not implemented yet — see the docstring")

    def sample(self, size: int, seed: int) -> np.ndarray:
        """`size` draws as a float64 array."""
        raise NotImplementedError("Normal.sample: not implemented yet — see the docstring")


class MultiNormal(Continuous):
    """The multivariate normal Nor(mu, Sigma) on R^d, with mean vector mu and covariance Sigma.

    logpdf(x) = -(d log(2 pi) + log det Sigma + (x - mu)^T Sigma^-1 (x - mu)) / 2.
    Never form Sigma^-1: factor Sigma = L L^T (np.linalg.cholesky), solve L z = x - mu
    (np.linalg.solve), then (x - mu)^T Sigma^-1 (x - mu) = z^T z and log det Sigma is twice the
    sum of log diag(L). There is no cdf.
    """

    def __init__(self, mu: ArrayLike, cov: ArrayLike) -> None:
        """mu of shape (d,), cov of shape (d, d), symmetric and positive definite.

        Keep float64 copies in `self.mu` and `self.cov`. ValueError when the shapes do not fit
        (a scalar mu is not a vector of shape (d,)), d == 0, an entry is not finite, cov is not
        symmetric (within 1e-10 relative) or not positive definite (np.linalg.cholesky raises
        np.linalg.LinAlgError for those).
        """
        raise NotImplementedError("MultiNormal.__init__: not implemented yet — see the docstring")

    def logpdf(self, x: ArrayLike) -> np.ndarray:
        """x of shape (d,) gives a 0-d array (or a float), x of shape (m, d) gives shape (m,)."""
        raise NotImplementedError("MultiNormal.logpdf: not implemented yet — see the docstring")

    def mean(self) -> np.ndarray:
        """The mean vector mu, shape (d,)."""
        raise NotImplementedError("MultiNormal.mean: not implemented yet — see the docstring")

    def var(self) -> np.ndarray:
        """The covariance matrix Sigma, shape (d, d)."""
        raise NotImplementedError("MultiNormal.var: not implemented yet — see the docstring")

    def sample(self, size: int, seed: int) -> np.ndarray:
        """`size` draws as a float64 array of shape (size, d): mu + L z with z ~ Nor(0, I)."""
        raise NotImplementedError("MultiNormal.sample: not implemented yet — see the docstring")
