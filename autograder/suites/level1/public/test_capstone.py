"""Part capstone: linear regression by the normal equations, and a digits classifier."""

import pytest

from autograder.judge.api import check_close
from autograder.probes import level1 as probes
from autograder.suites.checks import check_digits
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("capstone")
expected = public_oracle("level1")


@pytest.mark.points(2)
def test_normal_equations(student):
    """fit_normal_equations on the diabetes data matches least squares (w and intercept b)."""
    x, y = expected.diabetes()
    got = student.call(probes.regression, "normal", x, y)
    check_close(got, expected.least_squares(x, y), "[w..., b] from the normal equations",
                rtol=1e-8, atol=1e-6, hint="solve [x, 1]^T [x, 1] theta = [x, 1]^T y")


@pytest.mark.points(3)
def test_digits_public_split(student, level, record_benchmark):
    """Your network, run by the grader, reaches 95% on a public split; your optimizer trained it."""
    check_digits(student, probes.digits, expected.digits_split(0), level, record_benchmark,
                 "public split")
