"""Counting on drawn lists: duplicates, empty lists, every k."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.probes import level_minus2 as probes
from autograder.references import level_minus2 as ref
from autograder.suites.checks import import_closure

pytestmark = pytest.mark.part("counting")

ITEMS = st.lists(st.one_of(st.integers(0, 3), st.sampled_from("xyz")), max_size=6)


@pytest.mark.points(2)
def test_permutations_any_list(student, student_source):
    """permutations matches itertools.permutations on drawn lists (duplicates kept)."""
    ref.check_no_itertools(import_closure(student_source, "probability/counting.py"), [])

    @settings(max_examples=25)
    @given(items=ITEMS)
    def check(items):
        got = student.call(probes.permutations, items)
        ref.check_no_itertools("", got["watched"])
        ref.assert_listing(got, [list(p) for p in itertools.permutations(items)],
                           f"permutations({items!r})")
        assert got["items_after"] == items, f"permutations({items!r}) changed its input"

    check()


@pytest.mark.points(2)
def test_combinations_any_list(student, student_source):
    """combinations matches itertools.combinations for every k from 0 to n + 1 (and k = 300)."""
    ref.check_no_itertools(import_closure(student_source, "probability/counting.py"), [])

    @settings(max_examples=30)
    @given(items=st.lists(st.integers(0, 4), max_size=9), data=st.data())
    def check(items, data):
        k = data.draw(st.integers(0, len(items) + 1), label="k")
        got = student.call(probes.combinations, items, k)
        ref.check_no_itertools("", got["watched"])
        ref.assert_listing(got, [list(c) for c in itertools.combinations(items, k)],
                           f"combinations({items!r}, {k})")
        assert got["items_after"] == items, f"combinations({items!r}, {k}) changed its input"

    check()
    # k past 256, where CPython stops sharing int objects: a length compared with `is` fails.
    items = list(range(300))
    ref.assert_listing(student.call(probes.combinations, items, 300), [items],
                       "combinations(list(range(300)), 300)")
