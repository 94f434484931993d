"""Hidden tests of the demo level."""

import pytest

from autograder.judge.api import check_close, expect_raises
from autograder.probes import selftest


@pytest.mark.part("arith")
@pytest.mark.points(20)
def test_add_negative(student):
    """add handles negative numbers."""
    check_close(student.call(selftest.call, "calc.ops", "add", -2.0, -3.0), -5.0, what="add")


@pytest.mark.part("robust")
@pytest.mark.points(25)
def test_div(student):
    """safe_div divides."""
    check_close(student.call(selftest.call, "calc.ops", "safe_div", 1.0, 4.0), 0.25,
                what="safe_div(1, 4)")


@pytest.mark.part("robust")
@pytest.mark.points(15)
def test_div_zero(student):
    """safe_div(1, 0) raises ValueError."""
    expect_raises(student, selftest.call, "calc.ops", "safe_div", 1.0, 0.0, error="ValueError")
