"""Counting: permutations and combinations by backtracking, without itertools."""

import itertools

import pytest

from autograder.judge.api import check_equal, expect_raises
from autograder.probes import level_minus2 as probes
from autograder.suites.checks import check_no_itertools, import_closure

pytestmark = pytest.mark.part("counting")
ORDER = "lexicographic order of positions, duplicates kept"
COUNTING = "probability/counting.py"  # checked with every student file it imports


@pytest.mark.points(3)
def test_permutations_in_order(student, student_source):
    """permutations lists every ordering, in lexicographic order of positions."""
    for items in (["a", "b", "c"], [1, 2, 3, 4], [7], [], [1, 1, 2]):
        got = student.call(probes.permutations, items)
        check_no_itertools(import_closure(student_source, COUNTING), got["watched"])
        want = [list(p) for p in itertools.permutations(items)]
        check_equal(got["value"], want, f"permutations({items!r})", hint=ORDER)
        assert got["items_after"] == items, f"permutations({items!r}) changed its input"


@pytest.mark.points(3)
def test_combinations_in_order(student, student_source):
    """combinations(items, k) lists every k-subset in order; k=0, k>n and k<0 as documented."""
    cases = [([1, 2, 3, 4, 5], 3), ([1, 2, 3, 4], 2), (["r", "r", "b"], 2), ([1, 2], 0),
             ([1, 2], 3), ([], 0), ([1, 1], 1)]
    for items, k in cases:
        got = student.call(probes.combinations, items, k)
        check_no_itertools(import_closure(student_source, COUNTING), got["watched"])
        want = [list(c) for c in itertools.combinations(items, k)]
        check_equal(got["value"], want, f"combinations({items!r}, {k})", hint=ORDER)
        assert got["items_after"] == items, f"combinations({items!r}, {k}) changed its input"
    expect_raises(student, probes.combinations, [1, 2, 3], -1, error="ValueError",
                  what="combinations([1, 2, 3], -1)")
