"""Distributions on drawn parameters, in the far tails, with bad parameters."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.judge.api import expect_raises
from autograder.probes import level_minus2 as probes
from autograder.references import level_minus2 as ref

pytestmark = pytest.mark.part("distributions")

NAMES = ["Binomial", "Geometric", "Poisson", "Uniform", "Exponential", "Normal"]


@pytest.mark.points(2)
@settings(max_examples=25)
@given(data=st.data())
def test_random_parameters(student, data):
    """log-pmf/pdf, pmf/pdf and cdf match scipy.stats on drawn parameters."""
    name = data.draw(st.sampled_from(NAMES), label="distribution")
    params = data.draw(ref.distribution_params(name), label="params")
    x = ref.evaluation_points(name, params)
    oracle = ref.scipy_distribution(name, params)
    kind = "pmf" if name in ref.DISCRETE else "pdf"
    for method in (f"log{kind}", kind, "cdf"):
        with np.errstate(divide="ignore"):
            want = getattr(oracle, method)(x)
        got = student.call(probes.distribution, name, params, method, x)
        ref.assert_array(got, want, f"{name}({params}).{method}", rtol=1e-6, atol=1e-9)


TAILS = [
    ("Normal", {"mu": 0.0, "sigma": 1.0}, "logpdf", [40.0, -40.0, 1e3]),
    ("Normal", {"mu": 0.0, "sigma": 1e-3}, "logpdf", [1.0]),
    ("Poisson", {"lam": 1000.0}, "logpmf", [1000.0, 5000.0]),
    ("Binomial", {"n": 2000, "p": 0.5}, "logpmf", [1000.0, 2.0]),
    ("Geometric", {"p": 1e-3}, "logpmf", [1e5]),
    ("Exponential", {"lam": 1e3}, "logpdf", [10.0]),
    ("Exponential", {"lam": 1.0}, "cdf", [1e-12]),
    ("Normal", {"mu": 0.0, "sigma": 1.0}, "cdf", [-8.0]),
    ("Poisson", {"lam": 1e4}, "cdf", [9900.0, 10050.0, 10300.0]),
]


@pytest.mark.points(2)
def test_log_space_in_the_tails(student):
    """Far-tail log-densities stay finite and accurate (work in log space)."""
    for name, params, method, x in TAILS:
        want = getattr(ref.scipy_distribution(name, params), method)(np.asarray(x))
        got = student.call(probes.distribution, name, params, method, np.asarray(x))
        ref.assert_array(got, want, f"{name}({params}).{method}({x})", rtol=1e-7, atol=0.0,
                         hint="compute the log directly instead of log(pdf) or log(n!)")


INF = math.inf
TO_INF = "P(X <= -inf) is 0 and P(X <= inf) is 1"
# Values the drawn parameters may miss, each (name, params, method, points, hint) against
# scipy.stats (points None: mean() or var()).
EXPLICIT = [
    ("Poisson", {"lam": 0.5}, "logpmf", [0.0, 1.0, 2.0, 5.0], "any finite rate lam > 0"),
    ("Poisson", {"lam": 0.5}, "cdf", [0.0, 1.0, 2.0, 5.0], "any finite rate lam > 0"),
    ("Geometric", {"p": 0.3}, "mean", None, "1 / p, a float"),
    ("Geometric", {"p": 0.3}, "var", None, "(1 - p) / p^2, a float"),
    ("Binomial", {"n": 5, "p": 0.4}, "cdf", [-INF, 2.0, INF], TO_INF),
    ("Poisson", {"lam": 2.0}, "cdf", [-INF, 2.0, INF], TO_INF),
    ("Geometric", {"p": 0.3}, "cdf", [-INF, 2.0, INF], TO_INF),
    ("Poisson", {"lam": 1e8}, "cdf", [0.0, 5.0], "a large finite rate is a valid rate"),
    ("Poisson", {"lam": 300.0}, "cdf", [250.0, 300.0, 350.0],
     "P(X <= x) < 1 up to far beyond lam: sum that far"),
    ("Binomial", {"n": 4, "p": 1.0}, "logpmf", [0.0, 3.0, 4.0], "p = 0 and p = 1 are valid"),
    ("Binomial", {"n": 0, "p": 0.5}, "logpmf", [-1.0, 0.0, 1.0], "n = 0: X is always 0"),
    ("Exponential", {"lam": 5.0}, "logpdf", [-0.5, -1e-3, 0.0, 1.0], "-inf below 0"),
    ("MultiNormal", {"mu": np.array([1.0]), "cov": np.array([[4.0]])}, "logpdf",
     [[1.0], [3.0]], "d = 1 is a dimension too"),
    ("Uniform", {"a": 2.0, "b": 5.0}, "mean", None, "(a + b) / 2, a float"),
    ("Normal", {"mu": 0.0, "sigma": 3.0}, "var", None, "sigma^2"),
    ("Exponential", {"lam": 5.0}, "var", None, "1 / lam^2"),
    ("MultiNormal", {"mu": np.array([1.0, -1.0]), "cov": np.diag([4.0, 9.0])}, "logpdf",
     [[1.0, -1.0], [3.0, 2.0]], "at the mean, (x - mu)^T Sigma^-1 (x - mu) is 0"),
    # Symmetric within rounding (1e-13 relative): accepted, the contract's bound is 1e-10.
    ("MultiNormal", {"mu": np.zeros(2), "cov": np.array([[2.0, 0.6], [0.6 * (1 + 1e-13), 1.0]])},
     "logpdf", [[0.5, -0.5], [1.0, 2.0]], "cov is symmetric within 1e-10 relative: accept it"),
]


# MultiNormal keeps its own copies of mu and cov: the caller changing its arrays in place
# afterwards (the probe adds 1 to each, then doubles it) moves neither its mean, its covariance
# nor its density.
KEPT_MU, KEPT_COV = np.array([1.0, -1.0]), np.array([[2.0, 0.6], [0.6, 1.0]])
KEPT = [("mean", None, KEPT_MU), ("var", None, KEPT_COV),
        ("logpdf", [[1.0, -1.0], [0.0, 2.0]], None)]


@pytest.mark.points(1)
def test_explicit_cases(student):
    """Edge parameters, cdfs at +-inf, a non-integer mean, MultiNormal at its mean: vs scipy;
    MultiNormal unmoved when the caller changes its mu and cov arrays afterwards."""
    for name, params, method, x, hint in EXPLICIT:
        oracle = ref.scipy_distribution(name, params)
        if x is None:
            want = getattr(oracle, method)()
            got = student.call(probes.distribution, name, params, method)
        else:
            want = getattr(oracle, method)(np.asarray(x))
            got = student.call(probes.distribution, name, params, method, np.asarray(x))
        shown = {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in params.items()}
        call = f"{name}({shown}).{method}({'' if x is None else x})"
        ref.assert_array(got, want, call, hint=hint, rtol=1e-7, atol=1e-10)
    params = {"mu": KEPT_MU, "cov": KEPT_COV}
    oracle = ref.scipy_distribution("MultiNormal", params)
    for method, x, want in KEPT:
        if x is not None:
            want = oracle.logpdf(np.asarray(x))
        got = student.call(probes.distribution, "MultiNormal", params, method,
                           None if x is None else np.asarray(x), change_inputs=True)
        call = (f"mu = {KEPT_MU.tolist()}; cov = {KEPT_COV.tolist()}; d = MultiNormal(mu, cov); "
                f"then mu and cov changed in place (+= 1, *= 2); "
                f"d.{method}({'' if x is None else x})")
        ref.assert_array(got, want, call, rtol=1e-7, atol=1e-10,
                         hint="keep float64 copies: np.array(mu, dtype=np.float64), not "
                              "np.asarray, which keeps the caller's array")


BAD = [("Binomial", {"n": -1, "p": 0.5}), ("Binomial", {"n": 3, "p": 1.5}),
       ("Binomial", {"n": 3, "p": -0.5}),
       ("Binomial", {"n": 2.5, "p": 0.5}), ("Geometric", {"p": 0.0}), ("Geometric", {"p": 1.2}),
       ("Geometric", {"p": -0.5}),
       ("Poisson", {"lam": 0.0}), ("Poisson", {"lam": -2.0}), ("Uniform", {"a": 1.0, "b": 1.0}),
       ("Uniform", {"a": 2.0, "b": 1.0}), ("Exponential", {"lam": -1.0}),
       ("Normal", {"mu": 0.0, "sigma": 0.0}), ("Normal", {"mu": 0.0, "sigma": -1.0}),
       ("Normal", {"mu": math.nan, "sigma": 1.0}), ("Normal", {"mu": 0.0, "sigma": math.inf}),
       ("Exponential", {"lam": 0.0}), ("Exponential", {"lam": math.inf}),
       ("Poisson", {"lam": math.inf}),
       ("MultiNormal", {"mu": np.float64(1.0), "cov": np.ones((1, 1))}),
       ("MultiNormal", {"mu": np.zeros((2, 1)), "cov": np.eye(2)}),
       ("MultiNormal", {"mu": np.zeros(2), "cov": np.eye(3)}),
       ("MultiNormal", {"mu": np.array([0.0, math.nan]), "cov": np.eye(2)}),
       ("MultiNormal", {"mu": np.zeros(0), "cov": np.zeros((0, 0))}),
       ("MultiNormal", {"mu": np.zeros(2), "cov": np.array([[2.0, 0.5], [0.6, 1.0]])})]


@pytest.mark.points(1)
def test_invalid_parameters(student):
    """Parameters outside their range raise ValueError."""
    for name, params in BAD:
        expect_raises(student, probes.make_distribution, name, params, error="ValueError",
                      what=f"{name}({params})")


@pytest.mark.points(2)
def test_multivariate_normal_sampling(student):
    """MultiNormal.sample is reproducible, shaped (size, d), with the right mean and covariance."""
    mu = np.array([1.0, -2.0, 0.5])
    cov = np.array([[2.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 0.5]])
    size = 20_000
    params = {"mu": mu, "cov": cov}
    got = np.asarray(student.call(probes.sample, "MultiNormal", params, size, 3)["values"])
    assert got.shape == (size, 3), f"MultiNormal.sample({size}): shape {got.shape}, expected " \
        f"({size}, 3)"
    again = np.asarray(student.call(probes.sample, "MultiNormal", params, size, 3)["values"])
    assert np.array_equal(got, again), "MultiNormal.sample: the same seed gave different samples"
    se_mean = np.sqrt(np.diag(cov) / size)
    assert np.all(np.abs(got.mean(axis=0) - mu) <= ref.Z * se_mean), (
        f"MultiNormal.sample: sample mean {got.mean(axis=0)}, expected about {mu}")
    se_cov = np.sqrt((np.outer(np.diag(cov), np.diag(cov)) + cov**2) / size)
    sample_cov = np.cov(got, rowvar=False)
    assert np.all(np.abs(sample_cov - cov) <= ref.Z * se_cov), (
        f"MultiNormal.sample: sample covariance {sample_cov.round(3).tolist()}, expected about "
        f"{cov.tolist()} (use the Cholesky factor: mu + L z)")
