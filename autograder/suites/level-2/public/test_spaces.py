"""Finite probability spaces: the axioms, events, conditioning and random variables."""

from fractions import Fraction
from functools import partial

import pytest

from autograder.judge.api import expect_raises
from autograder.probes import level_minus2 as probes
from autograder.suites import checks
from autograder.suites.checks import number, outcome
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("spaces")
expected = public_oracle("level_minus2")
check_number = partial(checks.check_number, tol=expected.EXACT_TOL)

DICE = {(a, b): Fraction(1, 36) for a in range(1, 7) for b in range(1, 7)}
COIN = {"H": 0.3, "T": 0.7}


def event_of(outcomes, predicate: bool = False) -> dict:
    """An event as probe data: a set of outcomes, or a predicate testing membership."""
    return {"pred" if predicate else "set": [expected.plain(o) for o in outcomes]}


@pytest.mark.points(3)
def test_check_axioms(student):
    """check_axioms rejects tables that break the axioms and accepts valid ones."""
    bad = [
        ("no outcomes", []),
        ("a negative probability", [["a", 1.2], ["b", -0.2]]),
        ("probabilities summing to 0.9", [["a", 0.5], ["b", 0.4]]),
        ("probabilities summing to 1.1", [["a", 0.6], ["b", 0.5]]),
        ("a NaN probability", [["a", float("nan")], ["b", 1.0]]),
        ("a str probability", [["a", "0.5"], ["b", 0.5]]),
        ("None as a probability", [["a", None], ["b", 1.0]]),
        ("bools as probabilities", [["a", True], ["b", False]]),
    ]
    for what, table in bad:
        expect_raises(student, probes.check_axioms, table, error="ValueError",
                      what=f"check_axioms with {what}")
    good = [[1, 0.25], [2, 0.0], [3, 0.75]]
    got = student.call(probes.check_axioms, good)
    assert "pairs" in got, f"check_axioms should return a dict, got a {got.get('type')}"
    assert [p[0] for p in got["pairs"]] == [1, 2, 3], "check_axioms lost or reordered outcomes"
    student.call(probes.check_axioms, [["a", 0.1], ["b", 0.2], ["c", 0.7]])  # 0.1+0.2 != 0.3
    student.call(probes.check_axioms, expected.table_arg(DICE))


@pytest.mark.points(3)
def test_events_as_sets_and_predicates(student):
    """P(event) works for sets and predicates; unknown outcomes are a ValueError."""
    table = expected.table_arg(DICE)
    eights = {o for o in DICE if sum(o) == 8}
    got = student.call(probes.space_event, table, event_of(eights, predicate=True))
    assert {outcome(o) for o in got} == eights, "event(predicate) picked the wrong outcomes"
    for predicate in (False, True):
        kind = "predicate" if predicate else "set"
        check_number(student.call(probes.space_P, table, event_of(eights, predicate)),
                     Fraction(5, 36), f"P(sum is 8) with a {kind}")
        check_number(student.call(probes.space_P, table, event_of([], predicate)),
                     Fraction(0), f"P(empty event) with a {kind}")
        check_number(student.call(probes.space_P, table, event_of(DICE, predicate)),
                     Fraction(1), f"P(Omega) with a {kind}")
    expect_raises(student, probes.space_P, table, event_of([(7, 1)]), error="ValueError",
                  what="P({(7, 1)}) on two dice ((7, 1) is not an outcome)")
    check_number(student.call(probes.space_P, expected.table_arg(COIN), event_of(["H"])), 0.3,
                 "P(heads) of a coin with float probabilities")


@pytest.mark.points(3)
def test_conditional_probability(student):
    """P(A | B) = P(A and B) / P(B), and a ValueError when P(B) = 0."""
    table = expected.table_arg(DICE)
    eight = event_of({o for o in DICE if sum(o) == 8})
    first_even = event_of({o for o in DICE if o[0] % 2 == 0}, predicate=True)
    check_number(student.call(probes.space_P, table, eight, given=first_even),
                 Fraction(1, 6), "P(sum is 8 | first die even)")
    doubles = event_of({o for o in DICE if o[0] == o[1]})
    check_number(student.call(probes.space_P, table, doubles, given=eight),
                 Fraction(1, 5), "P(doubles | sum is 8)")
    lopsided = expected.table_arg({"a": Fraction(1), "b": Fraction(0)})
    expect_raises(student, probes.space_P, lopsided, event_of(["a"]), given=event_of(["b"]),
                  error="ValueError", what="P(A | B) with P(B) = 0")


@pytest.mark.points(4)
def test_random_variable_pmf_mean_variance(student):
    """pmf, E and Var of the sum of two dice (exact) and of a biased coin (floats)."""
    table = expected.table_arg(DICE)
    total = [[expected.plain(o), sum(o)] for o in DICE]
    got = student.call(probes.space_pmf, table, total)
    assert isinstance(got, list), f"pmf should return a dict, got a {got.get('type')}"
    mass = {number(x): p for x, p in got}
    want = {s: Fraction(6 - abs(s - 7), 36) for s in range(2, 13)}
    assert set(mass) == set(want), f"pmf keys {sorted(mass)}, expected the sums 2..12"
    for s, p in want.items():
        check_number(mass[s], p, f"P(sum = {s})")
    check_number(student.call(probes.space_E, table, total), Fraction(7), "E[sum]")
    check_number(student.call(probes.space_Var, table, total), Fraction(35, 6), "Var[sum]",
                 hint="Var[X] = E[(X - E[X])^2], no n - 1")
    heads = [["H", 1], ["T", 0]]
    check_number(student.call(probes.space_E, expected.table_arg(COIN), heads), 0.3,
                 "E[heads] of a coin with P(H) = 0.3")
    check_number(student.call(probes.space_Var, expected.table_arg(COIN), heads), 0.21,
                 "Var[heads] of a coin with P(H) = 0.3")
