"""Bayes' rule on drawn and degenerate tables (zero rows, zero columns, single atoms)."""

import numpy as np
import pytest
from hypothesis import given, settings

from autograder.judge.api import expect_raises
from autograder.probes import level_minus2 as probes
from autograder.references import level_minus2 as ref

pytestmark = pytest.mark.part("bayes")


def check_bayes(got: dict, joint: np.ndarray, call: str) -> None:
    """All four outputs of bayes(joint) against the reference, NaN conventions included."""
    assert "prior" in got, f"{call} should return 4 arrays, got a {got.get('type')}"
    want = ref.bayes(joint)
    for name in ("prior", "likelihood", "evidence", "posterior"):
        ref.assert_array(got[name], want[name], f"{call}: {name}",
                         hint="NaN exactly where conditioning on probability 0")
    assert not got.get("warnings"), (
        f"{call} made numpy warn ({got['warnings'][0]}): divide only where the prior or the "
        "evidence is > 0 and leave NaN elsewhere, rather than dividing by zero")


@pytest.mark.points(4)
@settings(max_examples=30)
@given(joint=ref.joint_tables())
def test_bayes_random_tables(student, joint):
    """bayes on drawn tables up to 4 x 4, zero rows and columns included."""
    check_bayes(student.call(probes.bayes, joint), joint, f"bayes({joint.tolist()})")


# joint_from(prior, likelihood, tol): what does not fit, or sums off by more than tol.
JOINT_FROM_BAD = [
    ("a 0-d prior", 1.0, [[0.5, 0.5]]),
    ("a 2-d prior of shape (2, 1)", [[0.5], [0.5]], [[0.5, 0.5], [0.25, 0.75]]),
    ("a 1-d likelihood", [0.5, 0.5], [0.5, 0.5]),
    ("a 3-d likelihood of shape (2, 2, 1)", [0.5, 0.5], [[[0.5], [0.5]], [[1.0], [0.0]]]),
    ("a prior of length 1 for a likelihood of 2 rows", [1.0], [[0.5, 0.5], [0.25, 0.75]]),
    ("a likelihood of 1 row for a prior of length 2", [0.5, 0.5], [[0.5, 0.5]]),
    ("a prior summing to 2", [1.0, 1.0], [[0.5, 0.5], [0.25, 0.75]]),
    ("a likelihood row summing to 2", [0.5, 0.5], [[1.0, 1.0], [0.25, 0.75]]),
]


@pytest.mark.points(2)
def test_bayes_degenerate_tables(student):
    """bayes on degenerate and bad tables; check_joint and joint_from on edge shapes and tol."""
    tables = [[[1.0]], [[0.2, 0.3, 0.5]], [[0.25], [0.75]], [[0.0, 1.0], [0.0, 0.0]],
              [[0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]]
    for table in tables:
        joint = np.asarray(table, dtype=np.float64)
        check_bayes(student.call(probes.bayes, joint), joint, f"bayes({table})")
    for what, table in ref.bad_tables():
        expect_raises(student, probes.bayes, np.asarray(table, dtype=np.float64),
                      error="ValueError", what=f"bayes with {what}")
    for what, prior, likelihood in JOINT_FROM_BAD:
        expect_raises(student, probes.joint_from, np.asarray(prior), np.asarray(likelihood),
                      error="ValueError", what=f"joint_from with {what}")
    # Empty tables are rejected for their shape, even when a loose tol lets their sum of 0 pass.
    expect_raises(student, probes.check_joint, np.zeros((0, 2)), 1.5, error="ValueError",
                  what="check_joint(an empty table of shape (0, 2), tol=1.5)")
    expect_raises(student, probes.joint_from, np.zeros(0), np.zeros((0, 2)), 1.5,
                  error="ValueError", what="joint_from(an empty prior, tol=1.5)")
    table = np.array([[0.25, 0.25], [0.5, 0.0]])  # sums to exactly 1
    ref.assert_array(student.call(probes.check_joint, table, 0.0), table,
                     f"check_joint({table.tolist()}, tol=0.0)",
                     hint="the entries sum to exactly 1: reject only sums off by MORE than tol")
    # 300 values of X: past 256, where CPython stops sharing int objects (sizes compared with
    # `is` fail).
    prior, likelihood = np.full(300, 1 / 300), np.full((300, 2), 0.5)
    ref.assert_array(student.call(probes.joint_from, prior, likelihood),
                     prior[:, None] * likelihood,
                     "joint_from(a uniform prior over 300 values, rows [0.5, 0.5])",
                     hint="compare sizes with ==, not is")
    # Off by more than tol is rejected, so with tol = 0 sums of exactly 1 are accepted; a
    # likelihood (dx, dy) need not be square, and its entries may be 0.
    prior, likelihood = np.array([0.25, 0.75]), np.array([[0.5, 0.25, 0.25], [0.25, 0.75, 0.0]])
    ref.assert_array(student.call(probes.joint_from, prior, likelihood, 0.0),
                     prior[:, None] * likelihood,
                     f"joint_from({prior.tolist()}, {likelihood.tolist()}, tol=0.0)",
                     hint="shapes (2,) and (2, 3) fit, 0 is a probability, every sum is exactly 1: "
                          "reject only sums off by MORE than tol")
