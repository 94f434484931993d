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
        ### BEGIN SOLUTION
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise ValueError(f"Binomial needs a non-negative int n, got n={n!r}")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Binomial needs 0 <= p <= 1, got p={p}")
        self.n, self.p = int(n), float(p)
        ### END SOLUTION

    def logpmf(self, k: ArrayLike) -> np.ndarray:
        """log[C(n, k) p^k (1 - p)^(n - k)] for k = 0..n, -inf elsewhere."""
        ### BEGIN SOLUTION
        k = np.asarray(k, dtype=np.float64)
        inside = integers_between(k, 0, self.n)
        kk = np.where(inside, k, 0.0)
        log_choose = log_factorial(self.n) - log_factorial(kk) - log_factorial(self.n - kk)
        logp = log_choose + xlogy(kk, self.p) + xlogy(self.n - kk, 1.0 - self.p)
        return np.where(inside, logp, -np.inf)
        ### END SOLUTION

    def cdf(self, x: ArrayLike) -> np.ndarray:
        """P(X <= x) = sum of the pmf over k = 0..floor(x) (0 below 0, 1 from n on)."""
        ### BEGIN SOLUTION
        return _cdf_by_summing(self, x, upper=self.n)
        ### END SOLUTION

    def mean(self) -> float:
        """n p."""
        ### BEGIN SOLUTION
        return self.n * self.p
        ### END SOLUTION

    def var(self) -> float:
        """n p (1 - p)."""
        ### BEGIN SOLUTION
        return self.n * self.p * (1.0 - self.p)
        ### END SOLUTION

    def sample(self, size: int, seed: int) -> np.ndarray:
        """`size` draws as an int64 array."""
        ### BEGIN SOLUTION
        rng = np.random.default_rng(seed)
        return rng.binomial(self.n, self.p, size=size).astype(np.int64)
        ### END SOLUTION


class Geometric(Discrete):
    """Geo(p): the number of Ber(p) trials up to and including the first success (k >= 1)."""

    def __init__(self, p: float) -> None:
        """0 < p <= 1, else ValueError."""
        ### BEGIN SOLUTION
        if not 0.0 < p <= 1.0:
            raise ValueError(f"Geometric needs 0 < p <= 1, got p={p}")
        self.p = float(p)
        ### END SOLUTION

    def logpmf(self, k: ArrayLike) -> np.ndarray:
        """log[(1 - p)^(k - 1) p] for k = 1, 2, ..., -inf elsewhere."""
        ### BEGIN SOLUTION
        k = np.asarray(k, dtype=np.float64)
        inside = integers_between(k, 1)
        kk = np.where(inside, k, 1.0)
        logp = xlogy(kk - 1.0, 1.0 - self.p) + math.log(self.p)
        return np.where(inside, logp, -np.inf)
        ### END SOLUTION

    def cdf(self, x: ArrayLike) -> np.ndarray:
        """P(X <= x) = 1 - (1 - p)^floor(x) for x >= 1, 0 below 1."""
        ### BEGIN SOLUTION
        x = np.asarray(x, dtype=np.float64)
        trials = np.floor(np.where(x >= 1, x, 1.0))
        with np.errstate(divide="ignore"):
            tail = trials * np.log1p(-self.p)  # log P(X > trials)
        return np.where(x >= 1, -np.expm1(tail), 0.0)
        ### END SOLUTION

    def mean(self) -> float:
        """1 / p."""
        ### BEGIN SOLUTION
        return 1.0 / self.p
        ### END SOLUTION

    def var(self) -> float:
        """(1 - p) / p^2."""
        ### BEGIN SOLUTION
        return (1.0 - self.p) / self.p**2
        ### END SOLUTION

    def sample(self, size: int, seed: int) -> np.ndarray:
        """`size` draws as an int64 array (values >= 1)."""
        ### BEGIN SOLUTION
        rng = np.random.default_rng(seed)
        return rng.geometric(self.p, size=size).astype(np.int64)
        ### END SOLUTION


class Poisson(Discrete):
    """Poi(lam): counts of events arriving at rate lam per unit of time."""

    def __init__(self, lam: float) -> None:
        """lam > 0 (finite), else ValueError."""
        ### BEGIN SOLUTION
        if not 0.0 < lam < math.inf:
            raise ValueError(f"Poisson needs a finite rate lam > 0, got lam={lam}")
        self.lam = float(lam)
        ### END SOLUTION

    def logpmf(self, k: ArrayLike) -> np.ndarray:
        """log[e^(-lam) lam^k / k!] for k = 0, 1, ..., -inf elsewhere."""
        ### BEGIN SOLUTION
        k = np.asarray(k, dtype=np.float64)
        inside = integers_between(k, 0)
        kk = np.where(inside, k, 0.0)
        logp = kk * math.log(self.lam) - self.lam - log_factorial(kk)
        return np.where(inside, logp, -np.inf)
        ### END SOLUTION

    def cdf(self, x: ArrayLike) -> np.ndarray:
        """P(X <= x) = sum of the pmf over k = 0..floor(x) (0 below 0)."""
        ### BEGIN SOLUTION
        far = math.ceil(self.lam + 40.0 * math.sqrt(self.lam) + 100.0)  # the tail beyond: < 1e-300
        return _cdf_by_summing(self, x, upper=far)
        ### END SOLUTION

    def mean(self) -> float:
        """lam."""
        ### BEGIN SOLUTION
        return self.lam
        ### END SOLUTION

    def var(self) -> float:
        """lam."""
        ### BEGIN SOLUTION
        return self.lam
        ### END SOLUTION

    def sample(self, size: int, seed: int) -> np.ndarray:
        """`size` draws as an int64 array."""
        ### BEGIN SOLUTION
        rng = np.random.default_rng(seed)
        return rng.poisson(self.lam, size=size).astype(np.int64)
        ### END SOLUTION


class Uniform(Continuous):
    """Uni(a, b): every point of [a, b] equally likely."""

    def __init__(self, a: float, b: float) -> None:
        """Finite a < b, else ValueError."""
        ### BEGIN SOLUTION
        if not (math.isfinite(a) and math.isfinite(b) and a < b):
            raise ValueError(f"Uniform needs finite a < b, got a={a}, b={b}")
        self.a, self.b = float(a), float(b)
        ### END SOLUTION

    def logpdf(self, x: ArrayLike) -> np.ndarray:
        """-log(b - a) on [a, b] (both ends included), -inf elsewhere."""
        ### BEGIN SOLUTION
        x = np.asarray(x, dtype=np.float64)
        inside = (x >= self.a) & (x <= self.b)
        return np.where(inside, -math.log(self.b - self.a), -np.inf)
        ### END SOLUTION

    def cdf(self, x: ArrayLike) -> np.ndarray:
        """(x - a) / (b - a), clipped to [0, 1]."""
        ### BEGIN SOLUTION
        x = np.asarray(x, dtype=np.float64)
        return np.clip((x - self.a) / (self.b - self.a), 0.0, 1.0)
        ### END SOLUTION

    def mean(self) -> float:
        """(a + b) / 2."""
        ### BEGIN SOLUTION
        return (self.a + self.b) / 2.0
        ### END SOLUTION

    def var(self) -> float:
        """(b - a)^2 / 12."""
        ### BEGIN SOLUTION
        return (self.b - self.a) ** 2 / 12.0
        ### END SOLUTION

    def sample(self, size: int, seed: int) -> np.ndarray:
        """`size` draws as a float64 array."""
        ### BEGIN SOLUTION
        rng = np.random.default_rng(seed)
        return self.a + (self.b - self.a) * rng.random(size)
        ### END SOLUTION


class Exponential(Continuous):
    """Exp(lam): waiting time until the next event at rate lam (mean 1 / lam)."""

    def __init__(self, lam: float) -> None:
        """lam > 0 (finite), else ValueError. lam is the rate, not the scale."""
        ### BEGIN SOLUTION
        if not 0.0 < lam < math.inf:
            raise ValueError(f"Exponential needs a finite rate lam > 0, got lam={lam}")
        self.lam = float(lam)
        ### END SOLUTION

    def logpdf(self, x: ArrayLike) -> np.ndarray:
        """log(lam) - lam x for x >= 0, -inf below 0."""
        ### BEGIN SOLUTION
        x = np.asarray(x, dtype=np.float64)
        return np.where(x >= 0, math.log(self.lam) - self.lam * x, -np.inf)
        ### END SOLUTION

    def cdf(self, x: ArrayLike) -> np.ndarray:
        """1 - exp(-lam x) for x >= 0, 0 below (np.expm1 keeps small x accurate)."""
        ### BEGIN SOLUTION
        x = np.asarray(x, dtype=np.float64)
        return np.where(x >= 0, -np.expm1(-self.lam * np.maximum(x, 0.0)), 0.0)
        ### END SOLUTION

    def mean(self) -> float:
        """1 / lam."""
        ### BEGIN SOLUTION
        return 1.0 / self.lam
        ### END SOLUTION

    def var(self) -> float:
        """1 / lam^2."""
        ### BEGIN SOLUTION
        return 1.0 / self.lam**2
        ### END SOLUTION

    def sample(self, size: int, seed: int) -> np.ndarray:
        """`size` draws as a float64 array (inverse transform: -log(U) / lam)."""
        ### BEGIN SOLUTION
        rng = np.random.default_rng(seed)
        return -np.log1p(-rng.random(size)) / self.lam
        ### END SOLUTION


class Normal(Continuous):
    """Nor(mu, sigma^2). Note: the constructor takes the standard deviation sigma, not sigma^2."""

    def __init__(self, mu: float, sigma: float) -> None:
        """Finite mu, finite sigma > 0, else ValueError."""
        ### BEGIN SOLUTION
        if not (math.isfinite(mu) and 0.0 < sigma < math.inf):
            raise ValueError(f"Normal needs finite mu and sigma > 0, got mu={mu}, sigma={sigma}")
        self.mu, self.sigma = float(mu), float(sigma)
        ### END SOLUTION

    def logpdf(self, x: ArrayLike) -> np.ndarray:
        """-log(sigma sqrt(2 pi)) - (x - mu)^2 / (2 sigma^2)."""
        ### BEGIN SOLUTION
        z = (np.asarray(x, dtype=np.float64) - self.mu) / self.sigma
        return -0.5 * z**2 - math.log(self.sigma) - 0.5 * math.log(2.0 * math.pi)
        ### END SOLUTION

    def cdf(self, x: ArrayLike) -> np.ndarray:
        """(1 + erf((x - mu) / (sigma sqrt 2))) / 2, with math.erf or math.erfc."""
        ### BEGIN SOLUTION
        z = (np.asarray(x, dtype=np.float64) - self.mu) / (self.sigma * math.sqrt(2.0))
        return 0.5 * np.vectorize(math.erfc, otypes=[np.float64])(-z)
        ### END SOLUTION

    def mean(self) -> float:
        """mu."""
        ### BEGIN SOLUTION
        return self.mu
        ### END SOLUTION

    def var(self) -> float:
        """sigma^2."""
        ### BEGIN SOLUTION
        return self.sigma**2
        ### END SOLUTION

    def sample(self, size: int, seed: int) -> np.ndarray:
        """`size` draws as a float64 array."""
        ### BEGIN SOLUTION
        rng = np.random.default_rng(seed)
        return self.mu + self.sigma * rng.standard_normal(size)
        ### END SOLUTION


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
        ### BEGIN SOLUTION
        mu = np.array(mu, dtype=np.float64)
        cov = np.array(cov, dtype=np.float64)
        d = mu.shape[0] if mu.ndim == 1 else -1
        if d <= 0 or cov.shape != (d, d):
            raise ValueError(f"MultiNormal needs mu (d,) and cov (d, d), got {mu.shape}, "
                             f"{cov.shape}")
        if not (np.all(np.isfinite(mu)) and np.all(np.isfinite(cov))):
            raise ValueError("MultiNormal parameters must be finite")
        if not np.allclose(cov, cov.T, rtol=1e-10, atol=0.0):
            raise ValueError("the covariance matrix must be symmetric")
        try:
            self._chol = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            raise ValueError("the covariance matrix must be positive definite") from None
        self.mu, self.cov = mu, cov
        ### END SOLUTION

    def logpdf(self, x: ArrayLike) -> np.ndarray:
        """x of shape (d,) gives a 0-d array (or a float), x of shape (m, d) gives shape (m,)."""
        ### BEGIN SOLUTION
        x = np.asarray(x, dtype=np.float64)
        d = self.mu.shape[0]
        diff = (x - self.mu).reshape(-1, d).T  # (d, m)
        z = np.linalg.solve(self._chol, diff)
        maha = np.sum(z**2, axis=0)
        log_det = 2.0 * np.sum(np.log(np.diag(self._chol)))
        out = -0.5 * (d * math.log(2.0 * math.pi) + log_det + maha)
        return out.reshape(x.shape[:-1])
        ### END SOLUTION

    def mean(self) -> np.ndarray:
        """The mean vector mu, shape (d,)."""
        ### BEGIN SOLUTION
        return self.mu.copy()
        ### END SOLUTION

    def var(self) -> np.ndarray:
        """The covariance matrix Sigma, shape (d, d)."""
        ### BEGIN SOLUTION
        return self.cov.copy()
        ### END SOLUTION

    def sample(self, size: int, seed: int) -> np.ndarray:
        """`size` draws as a float64 array of shape (size, d): mu + L z with z ~ Nor(0, I)."""
        ### BEGIN SOLUTION
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((size, self.mu.shape[0]))
        return self.mu + z @ self._chol.T
        ### END SOLUTION


### BEGIN SOLUTION
def _cdf_by_summing(dist: Discrete, x: ArrayLike, upper: int) -> np.ndarray:
    """P(X <= x) for a distribution on 0, 1, ..., upper by a cumulative sum of its pmf."""
    x = np.asarray(x, dtype=np.float64)
    top = np.floor(np.where(np.isfinite(x), x, 0.0)).astype(np.int64)
    highest = min(int(max(top.max(initial=0), 0)), upper)
    running = np.cumsum(dist.pmf(np.arange(highest + 1)))
    out = np.where(top >= 0, running[np.clip(top, 0, highest)], 0.0)
    out = np.where(top >= upper, 1.0, out)
    out = np.where(x == np.inf, 1.0, np.where(x == -np.inf, 0.0, out))
    return np.minimum(out, 1.0)


### END SOLUTION
