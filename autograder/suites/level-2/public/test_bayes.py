"""Bayes' rule on joint tables: the product rule, the sum rule and the posterior."""

import numpy as np
import pytest

from autograder.judge.api import expect_raises
from autograder.probes import level_minus2 as probes
from autograder.suites.checks import check_array
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("bayes")
expected = public_oracle("level_minus2")

# A test for a disease with 1% prevalence, 99% sensitivity and a 5% false-positive rate.
# Rows: ill, healthy. Columns: positive, negative.
PRIOR = np.array([0.01, 0.99])
LIKELIHOOD = np.array([[0.99, 0.01], [0.05, 0.95]])
JOINT = PRIOR[:, None] * LIKELIHOOD


def check_bayes(got: dict, joint: np.ndarray, call: str) -> None:
    """All four outputs of bayes(joint) against the reference, NaN conventions included."""
    assert "prior" in got, f"{call} should return 4 arrays, got a {got.get('type')}"
    want = expected.bayes(joint)
    hints = {"prior": "sum each row: P(X = x_i)", "evidence": "sum each column: P(Y = y_j)",
             "likelihood": "joint / prior, row by row; NaN rows where prior is 0",
             "posterior": "joint / evidence, column by column; NaN columns where evidence is 0"}
    for name in ("prior", "likelihood", "evidence", "posterior"):
        check_array(got[name], want[name], f"{call}: {name}", hint=hints[name])
    check_array(got["input_after"], joint, f"{call} changed its input table")


@pytest.mark.points(4)
def test_bayes_disease_test(student):
    """bayes on the disease-test table: P(ill | positive) = 1/6."""
    got = student.call(probes.bayes, JOINT)
    check_bayes(got, JOINT, "bayes(disease table)")
    assert abs(got["posterior"][0, 0] - 1 / 6) < 1e-12, "P(ill | positive) should be 1/6"


@pytest.mark.points(2)
def test_joint_from_product_rule(student):
    """joint_from(prior, likelihood) is the product rule, and rejects tables that do not fit."""
    check_array(student.call(probes.joint_from, PRIOR, LIKELIHOOD), JOINT,
                "joint_from(disease prior, likelihood)", hint="P(x, y) = P(x) P(y | x)")
    bad = [("a prior of the wrong length", [0.5, 0.3, 0.2], LIKELIHOOD),
           ("a likelihood row summing to 0.9", PRIOR, [[0.9, 0.0], [0.5, 0.5]]),
           ("a prior summing to 1.1", [0.6, 0.5], LIKELIHOOD),
           ("a negative prior", [1.5, -0.5], LIKELIHOOD)]
    for what, prior, likelihood in bad:
        expect_raises(student, probes.joint_from, np.asarray(prior), np.asarray(likelihood),
                      error="ValueError", what=f"joint_from with {what}")


@pytest.mark.points(2)
def test_check_joint(student):
    """check_joint accepts joint tables and rejects everything else with ValueError."""
    check_array(student.call(probes.check_joint, JOINT), JOINT, "check_joint(disease table)")
    for what, table in expected.bad_tables():
        expect_raises(student, probes.check_joint, np.asarray(table, dtype=np.float64),
                      error="ValueError", what=f"check_joint with {what}")
