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


@pytest.mark.points(4)
@settings(max_examples=30)
@given(joint=ref.joint_tables())
def test_bayes_random_tables(student, joint):
    """bayes on drawn tables up to 4 x 4, zero rows and columns included."""
    check_bayes(student.call(probes.bayes, joint), joint, f"bayes({joint.tolist()})")


@pytest.mark.points(2)
def test_bayes_degenerate_tables(student):
    """bayes on 1 x 1, 1 x n, n x 1 and single-atom tables, and rejects bad tables."""
    tables = [[[1.0]], [[0.2, 0.3, 0.5]], [[0.25], [0.75]], [[0.0, 1.0], [0.0, 0.0]],
              [[0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]]
    for table in tables:
        joint = np.asarray(table, dtype=np.float64)
        check_bayes(student.call(probes.bayes, joint), joint, f"bayes({table})")
    for what, table in ref.bad_tables():
        expect_raises(student, probes.bayes, np.asarray(table, dtype=np.float64),
                      error="ValueError", what=f"bayes with {what}")
