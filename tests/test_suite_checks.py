"""The suites' shared checks on numbers a student's code may make far beyond any float."""

from fractions import Fraction

import pytest

from autograder.suites.checks import check_number, float_of, number_text

HUGE = Fraction(10**1024, 2598960)  # level -2's five_card_straight mutant: 10 ** 1024 / C(52, 5)


def test_a_number_beyond_any_float_is_shown_not_crashed() -> None:
    """check_number fails (an AssertionError with a short message), never an OverflowError."""
    text = number_text(HUGE)
    assert text.endswith("... (beyond any float)") and len(text) < 100, text
    assert number_text(Fraction(1, 4)) == "1/4 = 0.25"
    with pytest.raises(AssertionError, match=r"got 1250+\.\.\. \(beyond any float\), expected"):
        check_number({"fraction": [HUGE.numerator, HUGE.denominator]}, Fraction(1, 4),
                     "five_card_straight()", tol=1e-9)


def test_float_of_names_the_call_when_no_float_holds_the_value() -> None:
    """An estimate of `count << n` (a thousand digits) fails the test that asked for it."""
    assert float_of({"fraction": [3, 4]}, "estimate") == 0.75
    assert float_of(0.5, "estimate") == 0.5
    with pytest.raises(AssertionError, match=r"^estimate_probability\(\.\.\.\) returned 1"):
        float_of({"fraction": [1 << 3000, 1]}, "estimate_probability(...)")
