"""The book's questions: dice, a jar of balls, a straight, and the vocabulary space."""

from functools import partial

import pytest

from autograder.probes import level_minus2 as probes
from autograder.suites import checks
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("examples")
expected = public_oracle("level_minus2")
check_number = partial(checks.check_number, tol=expected.EXACT_TOL)


@pytest.mark.points(1)
def test_two_dice_sum_eight(student):
    """P(two dice sum to 8) = 5/36."""
    check_number(student.call(probes.example, "two_dice_sum_eight"),
                 expected.two_dice_sum_eight(), "two_dice_sum_eight()")


@pytest.mark.points(1)
def test_jar_one_red_two_blue(student):
    """P(1 red and 2 blue when drawing 3 from 4 red and 2 blue) = 1/5."""
    check_number(student.call(probes.example, "jar_one_red_two_blue"),
                 expected.jar_one_red_two_blue(), "jar_one_red_two_blue()",
                 hint="count draws of 3 distinct balls: C(6, 3) = 20 of them")


@pytest.mark.points(2)
def test_five_card_straight(student):
    """P(a five-card hand is a straight, straight flushes included) = 10 * 4^5 / C(52, 5)."""
    check_number(student.call(probes.example, "five_card_straight"),
                 expected.five_card_straight(), "five_card_straight()",
                 hint="10 possible lowest cards, any suit for each of the 5 cards")


@pytest.mark.points(2)
def test_vocabulary_space(student):
    """The vocabulary space: P(Z = pills | Y = 112) = 19/23, and X = length, Y = first letter."""
    check_number(student.call(probes.example, "p_pills_given_p"),
                 expected.pills_given_p(),
                 "p_pills_given_p()", hint="P(pills) / P(poppin or pills)")
    got = student.call(probes.vocabulary)
    for question, want in expected.vocabulary_answers().items():
        check_number(got[question], want, question)

