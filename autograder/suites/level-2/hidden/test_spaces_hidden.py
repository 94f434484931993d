"""Probability spaces drawn at random: exact arithmetic, zero-probability events."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.judge.api import StudentError, expect_raises
from autograder.probes import level_minus2 as probes
from autograder.references import level_minus2 as ref

pytestmark = pytest.mark.part("spaces")


@pytest.mark.points(3)
def test_events_on_random_spaces(student):
    """P(A) and P(A | B) on drawn spaces, exact, with P(B) = 0 rejected; sums within tol pass."""
    check_axioms_at_its_tolerance(student)

    @settings(max_examples=30)
    @given(table=ref.spaces(), data=st.data())
    def check(table, data):
        outcomes = list(table)
        a = data.draw(ref.subsets_of(outcomes), label="A")
        b = data.draw(ref.subsets_of(outcomes), label="B")
        arg = ref.table_arg(table)
        ref.assert_number(student.call(probes.space_P, arg, {"set": list(a)}),
                          ref.space_P(table, a), f"P({a}) on {table}")
        want = ref.space_P(table, a, given=b)
        if want is None:
            expect_raises(student, probes.space_P, arg, {"set": list(a)},
                          given={"pred": list(b)}, error="ValueError",
                          what=f"P(A | B) with P(B) = 0, B = {b}")
        else:
            got = student.call(probes.space_P, arg, {"set": list(a)}, given={"pred": list(b)})
            ref.assert_number(got, want, f"P({a} | {b}) on {table}")

    check()


@pytest.mark.points(2)
@settings(max_examples=25)
@given(table=ref.spaces(exact=False), data=st.data())
def test_random_variables_on_random_spaces(student, table, data):
    """pmf, E and Var of drawn integer random variables on drawn spaces."""
    X = data.draw(ref.random_variables(list(table)), label="X")
    arg, rv = ref.table_arg(table), [[o, x] for o, x in X.items()]
    got = student.call(probes.space_pmf, arg, rv)
    assert isinstance(got, list), f"pmf should return a dict, got a {got.get('type')}"
    mass = {ref.number(x): p for x, p in got}
    want = ref.pmf(table, X)
    assert set(mass) == set(want), (f"pmf keys {sorted(mass)}, expected {sorted(want)} (every "
                                    "value X takes, even with probability 0)")
    for x, p in want.items():
        ref.assert_number(mass[x], p, f"P(X = {x})")
    ref.assert_number(student.call(probes.space_E, arg, rv), ref.expectation(table, X), "E[X]")
    ref.assert_number(student.call(probes.space_Var, arg, rv), ref.variance(table, X), "Var[X]")


def check_axioms_at_its_tolerance(student) -> None:
    """check_axioms accepts a sum off by exactly tol (1e-9) and rejects one off by more."""
    tol = Fraction(1e-9)  # the float 1e-9, exactly
    half = Fraction(1, 2)
    within = {"a": half, "b": half + tol}
    try:
        got = student.call(probes.check_axioms, ref.table_arg(within))
    except StudentError as error:
        raise AssertionError(
            f"check_axioms({{'a': 1/2, 'b': 1/2 + 1e-9}}) raised {error.type_name}: a sum off "
            "by exactly tol is within tol, so it must be accepted (reject only |sum - 1| > tol)"
        ) from None
    assert "pairs" in got, f"check_axioms should return a dict, got a {got.get('type')}"
    expect_raises(student, probes.check_axioms, ref.table_arg({"a": half, "b": half + 2 * tol}),
                  error="ValueError", what="check_axioms with Fractions summing to 1 + 2e-9")
