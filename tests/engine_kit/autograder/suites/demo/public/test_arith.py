"""Public tests of the demo level."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.judge.api import check_close
from autograder.probes import selftest

pytestmark = pytest.mark.part("arith")


@pytest.mark.points(20)
def test_add(student):
    """add adds two numbers."""
    check_close(student.call(selftest.call, "calc.ops", "add", 2.0, 3.0), 5.0, what="add(2, 3)")


@pytest.mark.points(20)
@settings(max_examples=20)
@given(a=st.floats(-1e3, 1e3), b=st.floats(-1e3, 1e3))
def test_mul(student, a, b):
    """mul multiplies two numbers."""
    check_close(student.call(selftest.call, "calc.ops", "mul", a, b), a * b, what="mul")
