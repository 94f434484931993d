"""Estimation: closed-form MLE and MAP, least squares, ridge and logistic regression."""

from functools import partial

import numpy as np
import pytest

from autograder.judge.api import expect_raises
from autograder.probes import level_minus2 as probes
from autograder.suites import checks
from autograder.suites.checks import check_array, check_no_inverse
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("estimation")
expected = public_oracle("level_minus2")
check_number = partial(checks.check_number, tol=expected.EXACT_TOL)


def run(student, fn: str, *args, **kwargs):
    """The estimator's value (probe data) on judge data."""
    return student.call(probes.estimation, fn, *args, **kwargs)["value"]


def solve_without_inverse(student, student_source, fn: str, *args):
    """Run normal_equations or ridge after checking that it forms no explicit inverse."""
    got = student.call(probes.estimation, fn, *args)
    check_no_inverse(student_source("probability/estimation.py"), got["watched"], fn)
    return got["value"]


@pytest.mark.points(3)
def test_mle_closed_forms(student):
    """MLE of Bernoulli, Poisson and Normal (variance divided by n); bad data raises."""
    coins = np.array([1, 0, 1, 1, 0, 1, 1, 1.0])
    counts = np.array([2, 3, 0, 1, 4, 2.0])
    heights = np.array([2, 4, 4, 4, 5, 5, 7, 9.0])
    check_number(run(student, "mle_bernoulli", coins), 0.75, "mle_bernoulli(6 ones in 8)")
    check_number(run(student, "mle_poisson", counts), 2.0, "mle_poisson([2,3,0,1,4,2])")
    got = run(student, "mle_normal", heights)
    assert isinstance(got, list) and len(got) == 2, "mle_normal should return (mu, sigma2)"
    check_number(got[0], 5.0, "mu of mle_normal([2,4,4,4,5,5,7,9])")
    check_number(got[1], 4.0, "sigma2 of mle_normal([2,4,4,4,5,5,7,9])",
                 hint="the MLE divides by n, not n - 1")
    bad = [("mle_bernoulli", np.array([0, 1, 2.0])), ("mle_bernoulli", np.zeros(0)),
           ("mle_poisson", np.array([1, -1.0])), ("mle_poisson", np.array([1.5, 2.0])),
           ("mle_normal", np.zeros(0))]
    for fn, data in bad:
        expect_raises(student, probes.estimation, fn, data, error="ValueError",
                      what=f"{fn}({data.tolist()})")


@pytest.mark.points(2)
def test_map_bernoulli(student):
    """MAP of Bernoulli under a Beta prior is the posterior mode; a flat prior gives the MLE."""
    coins = np.array([1, 1, 0, 1, 1, 1, 0, 1, 1, 0.0])  # 7 ones in 10
    check_number(run(student, "map_bernoulli", coins, 2.0, 2.0), 8 / 12,
                 "map_bernoulli(7 of 10, alpha=2, beta=2)",
                 hint="(k + alpha - 1) / (n + alpha + beta - 2)")
    check_number(run(student, "map_bernoulli", coins, 1.0, 1.0), 0.7,
                 "map_bernoulli(7 of 10, alpha=1, beta=1)")
    check_number(run(student, "map_bernoulli", coins, 11.0, 1.0), 17 / 20,
                 "map_bernoulli(7 of 10, alpha=11, beta=1)")
    expect_raises(student, probes.estimation, "map_bernoulli", coins, 0.5, 2.0,
                  error="ValueError", what="map_bernoulli with alpha = 0.5")


@pytest.mark.points(3)
def test_normal_equations_on_diabetes(student, student_source):
    """Least squares on the diabetes data (with intercept) by the normal equations, no inverse."""
    X, y = expected.diabetes()
    Xi = expected.with_intercept(X)
    got = solve_without_inverse(student, student_source, "normal_equations", Xi, y)
    check_array(got, expected.least_squares(Xi, y), "normal_equations(diabetes)", rtol=1e-7,
                atol=1e-6, hint="solve X^T X theta = X^T y")


@pytest.mark.points(2)
def test_ridge_on_diabetes(student, student_source):
    """Ridge on the diabetes data matches the closed form; lam = 0 is least squares."""
    X, y = expected.diabetes()
    for lam in (0.1, 10.0):
        got = solve_without_inverse(student, student_source, "ridge", X, y, lam)
        check_array(got, expected.ridge(X, y, lam), f"ridge(diabetes, lam={lam})", rtol=1e-7,
                    atol=1e-6, hint="solve (X^T X + lam I) w = X^T y")
    got = solve_without_inverse(student, student_source, "ridge", X, y, 0.0)
    check_array(got, expected.least_squares(X, y), "ridge(diabetes, lam=0)", rtol=1e-7,
                atol=1e-6)
    expect_raises(student, probes.estimation, "ridge", X, y, -1.0, error="ValueError",
                  what="ridge with lam = -1")


@pytest.mark.points(2)
def test_stable_sigmoid_and_cross_entropy(student):
    """sigmoid and bce_with_logits are finite and accurate for logits up to +-1000."""
    z = np.array([-1000.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1000.0])
    check_array(run(student, "sigmoid", z), expected.sigmoid(z), "sigmoid(z)", rtol=1e-12,
                atol=0.0, hint="exp(-z) overflows for very negative z")
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0])
    check_number(run(student, "bce_with_logits", z, y), expected.bce_with_logits(z, y),
                 "bce_with_logits(z, y)", tol=1e-9,
                 hint="use max(z, 0) - y z + log1p(exp(-|z|))")
    extreme = np.array([-1000.0, 1000.0])
    check_number(run(student, "bce_with_logits", extreme, np.array([1.0, 0.0])), 1000.0,
                 "bce_with_logits at z = -1000 with y = 1 and z = 1000 with y = 0")


@pytest.mark.points(3)
def test_logistic_regression_on_breast_cancer(student):
    """Logistic regression by gradient descent on the breast-cancer data (standardised)."""
    X, y = expected.breast_cancer()
    lr, steps = 0.1, 300
    got = run(student, "logistic_regression", X, y, lr=lr, steps=steps)
    want = expected.logistic_gd(X, y, lr, steps)
    check_array(got, want, f"logistic_regression(breast cancer, lr={lr}, steps={steps})",
                rtol=1e-6, atol=1e-8,
                hint="start at w = 0; grad = X^T (sigmoid(X w) - y) / n; w -= lr * grad")
    accuracy = float(np.mean((X @ np.asarray(got) > 0) == (y == 1)))
    assert accuracy >= 0.95, f"training accuracy {accuracy:.3f}, expected at least 0.95"
