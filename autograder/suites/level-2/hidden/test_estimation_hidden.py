"""Estimation on drawn data and on synthetic data whose true parameters are known."""

import numpy as np
import pytest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.judge.api import expect_raises
from autograder.probes import level_minus2 as probes
from autograder.references import level_minus2 as ref

pytestmark = pytest.mark.part("estimation")


def run(student, fn: str, *args, **kwargs):
    """The estimator's value (probe data) on judge data."""
    return student.call(probes.estimation, fn, *args, **kwargs)["value"]


FLOATS = hnp.arrays(np.float64, st.integers(1, 30), elements=st.floats(-1e3, 1e3))


@pytest.mark.points(2)
@settings(max_examples=25, phases=[Phase.explicit, Phase.reuse, Phase.generate])  # no shrinking
@given(coins=hnp.arrays(np.float64, st.integers(1, 30), elements=st.sampled_from([0.0, 1.0])),
       counts=hnp.arrays(np.float64, st.integers(1, 30), elements=st.integers(0, 50)),
       values=FLOATS)
# Logits far enough out that exp(-z) overflows (z < -709.8), where sigmoid promises no warning.
@example(coins=np.array([0.0, 1.0, 1.0]), counts=np.array([0.0, 3.0]),
         values=np.array([-1000.0, -745.25, -1.0, 0.0, 2.5, 745.25, 1000.0]))
def test_mle_on_drawn_data(student, coins, counts, values):
    """MLE of Bernoulli, Poisson and Normal on drawn samples; sigmoid of the samples as logits,
    without numpy warning."""
    ref.assert_number(run(student, "mle_bernoulli", coins), float(coins.mean()), "mle_bernoulli")
    ref.assert_number(run(student, "mle_poisson", counts), float(counts.mean()), "mle_poisson")
    mu, sigma2 = run(student, "mle_normal", values)
    ref.assert_number(mu, float(values.mean()), "mu of mle_normal", tol=1e-9)
    ref.assert_number(sigma2, float(values.var()), "sigma2 of mle_normal",
                      tol=1e-9 * max(1.0, float(values.var())), hint="divide by n, not n - 1")
    got = student.call(probes.estimation, "sigmoid", values)
    call = f"sigmoid(z) for {values.size} logits in [{values.min():g}, {values.max():g}]"
    ref.assert_array(got["value"], ref.sigmoid(values), call, rtol=1e-12, atol=0.0)
    assert not got["warnings"], (
        f"{call} made numpy warn ({got['warnings'][0]}): exp(-z) overflows for z below about "
        "-709; for negative z use exp(z) / (1 + exp(z)), so that exp only sees -|z|")


@pytest.mark.points(3)
def test_synthetic_data_recovers_the_truth(student):
    """On synthetic data: least squares and logistic regression land near the true parameters."""
    X, y, theta, sigma = ref.synthetic_regression(seed=3)
    got = np.asarray(run(student, "normal_equations", X, y))
    ref.assert_array(got, ref.least_squares(X, y), "normal_equations(synthetic)", rtol=1e-8,
                     atol=1e-9)
    se = sigma * np.sqrt(np.diag(np.linalg.inv(X.T @ X)))
    assert np.all(np.abs(got - theta) <= ref.Z * se), f"theta {got} is far from the truth {theta}"
    ref.assert_array(run(student, "ridge", X, y, 25.0), ref.ridge(X, y, 25.0),
                     "ridge(synthetic, lam=25)", rtol=1e-8, atol=1e-9)
    Xc, yc, w_true = ref.synthetic_classification(seed=4)
    w = np.asarray(run(student, "logistic_regression", Xc, yc, lr=0.5, steps=500))
    ref.assert_array(w, ref.logistic_gd(Xc, yc, 0.5, 500), "logistic_regression(synthetic)",
                     rtol=1e-6, atol=1e-8)
    cosine = w @ w_true / (np.linalg.norm(w) * np.linalg.norm(w_true))
    assert cosine > 0.95, f"w = {w} points away from the true {w_true} (cosine {cosine:.3f})"


@pytest.mark.points(2)
def test_regressions_reject_bad_input(student):
    """Regressions take X (n, m) and y (n,) only, labels 0/1; Bernoulli MLE and MAP data 0/1."""
    # A small exact line fit (n = 4): well-shaped input of any size is accepted.
    line = np.column_stack([np.ones(4), np.arange(4.0)])
    ref.assert_array(run(student, "normal_equations", line, 1.0 + 2.0 * np.arange(4.0)),
                     [1.0, 2.0], "normal_equations(X of shape (4, 2), y = 1 + 2 x)",
                     rtol=1e-9, atol=1e-9, hint="X (n, m) and y (n,) fit for every n")
    X = np.ones((5, 2))
    cube = np.random.default_rng(0).standard_normal((2, 2, 2))
    cases = [("normal_equations", (X, np.ones(4)), "y of the wrong length"),
             ("normal_equations", (np.ones(5), np.ones(5)), "a 1-d X"),
             ("normal_equations", (cube, np.ones(2)), "a 3-d X of shape (2, 2, 2)"),
             ("ridge", (X, np.ones(5), -0.5), "lam = -0.5"),
             ("ridge", (X, np.ones((5, 1)), 1.0), "a 2-d y"),
             ("normal_equations", (X, np.array(1.0)), "a 0-d y"),
             ("logistic_regression", (X, np.array([0, 1, 2, 1, 0.0])), "a label 2"),
             ("logistic_regression", (X, np.array([0, 1, -1, 1, 0.0])), "a label -1"),
             ("logistic_regression", (X, np.ones(1)), "y of length 1 for the 5 rows of X"),
             ("mle_bernoulli", (np.array([0, -1, 1.0]),), "an observation -1"),
             ("map_bernoulli", (np.array([0, 1, 2.0]), 2.0, 2.0), "an observation 2"),
             ("map_bernoulli", (np.array([0, 0.5, 1.0]), 2.0, 2.0), "an observation 0.5"),
             ("map_bernoulli", (np.array([0, -1, 1.0]), 2.0, 2.0), "an observation -1"),
             ("map_bernoulli", (np.array([0, 1, 1.0]), 2.0, 0.5), "beta = 0.5")]
    for fn, args, what in cases:
        expect_raises(student, probes.estimation, fn, *args, error="ValueError",
                      what=f"{fn} with {what}")
