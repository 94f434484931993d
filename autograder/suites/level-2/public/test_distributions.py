"""Distributions: log-pmf/pdf, cdf, moments and seeded sampling, against scipy.stats."""

import numpy as np
import pytest
from scipy import stats

from autograder.judge.api import expect_raises
from autograder.probes import level_minus2 as probes
from autograder.suites.checks import check_array
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("distributions")
expected = public_oracle("level_minus2")

DISCRETE = [("Binomial", {"n": 10, "p": 0.3}), ("Geometric", {"p": 0.25}),
            ("Poisson", {"lam": 3.5})]
CONTINUOUS = [("Uniform", {"a": -1.0, "b": 3.0}), ("Exponential", {"lam": 2.0}),
              ("Normal", {"mu": 1.0, "sigma": 2.0})]
MU = np.array([1.0, -2.0, 0.5])
COV = np.array([[2.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 0.5]])


def check_values(student, name: str, params: dict, methods: tuple[str, ...]) -> None:
    """Each method at the evaluation points against the scipy.stats distribution."""
    x = expected.evaluation_points(name, params)
    oracle = expected.scipy_distribution(name, params)
    for method in methods:
        got = student.call(probes.distribution, name, params, method, x)
        with np.errstate(divide="ignore"):
            want = getattr(oracle, method)(x)
        check_array(got, want, f"{name}({params}).{method}", rtol=1e-7, atol=1e-10,
                    hint="outside the support: pmf/pdf 0, log -inf" if "log" in method else "")


def moment_problems(oracle, values: np.ndarray) -> list[str]:
    """The sample's mean and variance, each against its central-limit bound."""
    mean, var, kurt = (float(v) for v in oracle.stats(moments="mvk"))
    n, problems = values.size, []
    # The bound depends on the exact value and the estimator's variance only.
    if abs(values.mean() - mean) > expected.within_clt(mean, mean, var, n):
        problems.append(f"sample mean {values.mean():.6g}, expected about {mean:.6g}")
    var_of_var = max((kurt + 3.0) * var**2 - var**2, 0.0)
    if abs(values.var() - var) > expected.within_clt(var, var, var_of_var, n) + 1e-12:
        problems.append(f"sample variance {values.var():.6g}, expected about {var:.6g}")
    return problems


def tabulated_cdf(oracle):
    """The distribution's cdf, tabulated at 4001 points between its 1e-9 and 1 - 1e-9
    quantiles and interpolated linearly (within about 1e-6 of the exact cdf)."""
    low, high = oracle.ppf([1e-9, 1 - 1e-9])
    grid = np.linspace(low, high, 4001)
    table = oracle.cdf(grid)
    return lambda x: np.interp(x, grid, table, left=0.0, right=1.0)


@pytest.mark.points(3)
def test_discrete_pmf_and_cdf(student):
    """logpmf, pmf and cdf of Binomial, Geometric and Poisson match scipy.stats."""
    for name, params in DISCRETE:
        check_values(student, name, params, ("logpmf", "pmf", "cdf"))


@pytest.mark.points(3)
def test_continuous_pdf_and_cdf(student):
    """logpdf, pdf and cdf of Uniform, Exponential and Normal match scipy.stats."""
    for name, params in CONTINUOUS:
        check_values(student, name, params, ("logpdf", "pdf", "cdf"))


@pytest.mark.points(2)
def test_means_and_variances(student):
    """mean() and var() of the six distributions match scipy.stats."""
    for name, params in DISCRETE + CONTINUOUS:
        mean, var = expected.scipy_distribution(name, params).stats(moments="mv")
        check_array(student.call(probes.distribution, name, params, "mean"), mean,
                    f"{name}({params}).mean()")
        check_array(student.call(probes.distribution, name, params, "var"), var,
                    f"{name}({params}).var()")


@pytest.mark.points(3)
def test_multivariate_normal(student):
    """MultiNormal: logpdf and pdf of one point and of a batch, mean, covariance, bad input."""
    params = {"mu": MU, "cov": COV}
    oracle = expected.scipy_distribution("MultiNormal", params)
    batch = np.random.default_rng(5).normal(size=(6, 3)) * 2.0
    for method in ("logpdf", "pdf"):
        want = getattr(oracle, method)(batch)
        check_array(student.call(probes.distribution, "MultiNormal", params, method, batch),
                    want, f"MultiNormal.{method} of 6 points (shape (6, 3))", rtol=1e-8)
        check_array(student.call(probes.distribution, "MultiNormal", params, method,
                                 batch[0]).reshape(()), want[0],
                    f"MultiNormal.{method} of one point (shape (3,))", rtol=1e-8)
    check_array(student.call(probes.distribution, "MultiNormal", params, "mean"), MU,
                "MultiNormal.mean()")
    check_array(student.call(probes.distribution, "MultiNormal", params, "var"), COV,
                "MultiNormal.var() (the covariance matrix)")
    bad = [("a covariance of the wrong shape", MU, COV[:2, :2]),
           ("a non-symmetric covariance", MU, COV + np.triu(np.ones((3, 3)), 1) * 0.1),
           ("a covariance that is not positive definite", MU, np.diag([1.0, -1.0, 1.0]))]
    for what, mu, cov in bad:
        expect_raises(student, probes.make_distribution, "MultiNormal", {"mu": mu, "cov": cov},
                      error="ValueError", what=f"MultiNormal with {what}")


@pytest.mark.points(3)
def test_seeded_sampling(student):
    """sample(size, seed) is reproducible, on the support, and has the right moments."""
    size = 20_000
    for name, params in DISCRETE + CONTINUOUS:
        call = f"{name}({params}).sample({size}, seed=11)"
        got = student.call(probes.sample, name, params, size, 11)
        values = np.asarray(got["values"])
        assert values.shape == (size,), f"{call}: shape {values.shape}, expected ({size},)"
        again = np.asarray(student.call(probes.sample, name, params, size, 11)["values"])
        assert np.array_equal(values, again), f"{call}: the same seed gave different samples"
        other = np.asarray(student.call(probes.sample, name, params, size, 12)["values"])
        assert not np.array_equal(values, other), f"{call}: seeds 11 and 12 gave the same samples"
        oracle = expected.scipy_distribution(name, params)
        if name in expected.DISCRETE:
            assert got["kind"] in ("i", "u"), f"{call}: expected integers, got kind {got['kind']}"
        low, high = oracle.support()
        inside = (values >= low) & (values <= high)
        assert np.all(inside), f"{call}: some samples are outside the support"
        problems = moment_problems(oracle, values)
        assert not problems, f"{call}: {problems[0]} (more than 5 standard errors off)"
        if name in expected.CONTINUOUS:
            p_value = stats.kstest(values, tabulated_cdf(oracle)).pvalue
            assert p_value > 1e-6, f"{call}: the samples do not follow the distribution (KS test)"
