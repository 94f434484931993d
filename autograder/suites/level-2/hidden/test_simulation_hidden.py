"""More experiments and seeds, and Monte Carlo means."""

from fractions import Fraction

import numpy as np
import pytest

from autograder.probes import level_minus2 as probes
from autograder.references import level_minus2 as ref

pytestmark = pytest.mark.part("simulation")

CASES = [("coin", "heads", Fraction(3, 10)), ("jar", "one red", Fraction(1, 5)),
         ("dice", "doubles", Fraction(1, 6))]


def run(student, probe, experiment: str, second: str, n: int, seed: int) -> float:
    """Run the probe, check the experiment ran n times on one Generator, return the value."""
    got = student.call(probe, experiment, second, n, seed)
    call = f"{probe.__name__}({experiment}, {second}, n={n}, seed={seed})"
    assert got["trials"] == n, f"{call} ran the experiment {got['trials']} times, expected {n}"
    assert got["generators"] == 1 and got["kinds"] == ["Generator"], (
        f"{call}: make one np.random.default_rng(seed) and pass it to every trial")
    return ref.float_of(got["value"], call)


@pytest.mark.points(2)
def test_estimates_on_other_experiments(student):
    """Coin, jar and dice estimates are within 5 standard errors, vary by seed; n = 1 works too."""
    n = 3000
    for experiment, event, p in CASES:
        values = []
        for seed in (1, 2, 3):
            got = run(student, probes.estimate_probability, experiment, event, n, seed)
            bound = ref.within_clt(got, float(p), float(p * (1 - p)), n)
            assert abs(got - p) <= bound, (
                f"P({event}) estimated {got:.4f} with seed {seed}, exact {p} = {float(p):.4f}: "
                f"more than 5 standard errors ({bound:.4f}) away")
            values.append(got)
        assert len(set(values)) > 1, f"P({event}): seeds 1, 2, 3 all gave {values[0]}: use seed"
    # n = 1 is a positive int: one trial, whose outcome the seed decides (coin: heads when the
    # generator's first random() is below 0.3).
    for seed in (0, 2):  # tails, then heads
        heads = float(np.random.default_rng(seed).random() < 0.3)
        got = run(student, probes.estimate_probability, "coin", "heads", 1, seed)
        assert got == heads, (f"estimate_probability(coin, heads, n=1, seed={seed}) = {got}, "
                              f"expected {heads}: n = 1 is a positive int (one trial)")


@pytest.mark.points(2)
def test_monte_carlo_means(student):
    """estimate_mean is within 5 standard errors of E[sum of two dice] = 7 and E[reds] = 2."""
    for experiment, variable, mean, var, n in (("dice", "sum", 7.0, 35 / 6, 5000),
                                               ("jar", "reds", 2.0, 0.4, 4000)):
        got = run(student, probes.estimate_mean, experiment, variable, n, 7)
        bound = ref.within_clt(got, mean, var, n)
        assert abs(got - mean) <= bound, (f"E[{variable}] estimated {got:.4f}, exact {mean}: "
                                          f"more than 5 standard errors ({bound:.4f}) away")
        again = run(student, probes.estimate_mean, experiment, variable, n, 7)
        assert again == got, f"estimate_mean gave {got} then {again} with the same seed"
