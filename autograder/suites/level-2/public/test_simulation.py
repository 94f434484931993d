"""Frequentist estimates from seeded simulations, checked against the exact probability."""

from fractions import Fraction

import pytest

from autograder.judge.api import expect_raises
from autograder.probes import level_minus2 as probes
from autograder.suites.checks import float_of
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("simulation")
expected = public_oracle("level_minus2")


def check_run(got: dict, n: int, call: str) -> float:
    """The estimate, after checking how the experiment was run; returns it as a float."""
    assert got["trials"] == n, f"{call} ran the experiment {got['trials']} times, expected {n}"
    assert got["kinds"] == ["Generator"], (
        f"{call} passed {got['kinds']} to the experiment, expected a numpy Generator "
        "(np.random.default_rng(seed))")
    assert got["generators"] == 1, (f"{call} used {got['generators']} generators: make one from "
                                    "the seed and pass it to every trial")
    return float_of(got["value"], call)


@pytest.mark.points(3)
def test_estimate_two_dice_sum_eight(student):
    """estimate_probability(two dice, sum is 8, n=10000) is within 5 standard errors of 5/36."""
    n, p = 10_000, Fraction(5, 36)
    call = f"estimate_probability(two dice, sum is 8, n={n}, seed=2024)"
    got = check_run(student.call(probes.estimate_probability, "dice", "sum is 8", n, 2024), n,
                    call)
    assert abs(got * n - round(got * n)) < 1e-6, f"{call} = {got} is not a count divided by n"
    bound = expected.within_clt(float(p), float(p), float(p * (1 - p)), n)  # exact p only
    assert abs(got - p) <= bound, (f"{call} = {got:.5f}, but 5/36 = {float(p):.5f}: off by more "
                                   f"than 5 standard errors ({bound:.5f})")
    again = check_run(student.call(probes.estimate_probability, "dice", "sum is 8", n, 2024), n,
                      call)
    assert again == got, f"{call} gave {got} then {again}: the same seed must give the same value"


@pytest.mark.points(1)
def test_estimate_rejects_bad_trial_counts(student):
    """estimate_probability raises ValueError unless n is a positive int."""
    for n in (0, -5, 2.5):
        expect_raises(student, probes.estimate_probability, "coin", "heads", n, 0,
                      error="ValueError", what=f"estimate_probability with n={n}")
