"""Counting by backtracking: every permutation and every combination of a list.

When all outcomes are equally likely, P(E) = |E| / |Omega|, so probability becomes counting.
Python's `itertools` can list permutations and combinations for you; here you write them
yourself by backtracking: choose, recurse, un-choose.

Graded in part `counting`. This file must not use `itertools` at all, nor any file of yours
it imports (`probability/__init__.py` included, which Python runs first): the grader reads
their source and watches `itertools` while your functions run, and fails both tests with the
line it found.
"""

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def subsets(items: Sequence[T]) -> list[list[T]]:
    """Every subset of `items` (the power set), each as a list in the items' order.

    Worked example of backtracking, given complete: at position i, first take items[i] and
    recurse, then undo that choice and recurse without it. So the subsets come out in this
    order: `subsets([1, 2]) == [[1, 2], [1], [2], []]`. There are 2**len(items) of them.
    """
    out: list[list[T]] = []
    chosen: list[T] = []

    def extend(i: int) -> None:
        if i == len(items):
            out.append(list(chosen))  # a copy: `chosen` keeps changing
            return
        chosen.append(items[i])  # choose items[i] ...
        extend(i + 1)
        chosen.pop()  # ... un-choose it
        extend(i + 1)

    extend(0)
    return out


def permutations(items: Sequence[T]) -> list[list[T]]:
    """Every ordering of `items`, each as a list, in lexicographic order of positions.

    Items are told apart by position, not by value, exactly as `itertools.permutations`
    does: `permutations([1, 1, 2])` has 3! = 6 entries, each distinct arrangement twice
    (use `{tuple(p) for p in ...}` when you want the 3 distinct ones).

    Order: think of each permutation as the tuple of positions it takes items from; list
    them in increasing lexicographic order of those tuples. For `["a", "b", "c"]`:
    abc, acb, bac, bca, cab, cba. The empty list has one permutation: `permutations([])`
    is `[[]]`. `items` is not modified. Do not use itertools.

    Graded in part `counting`.
    """
    ### BEGIN SOLUTION
    n = len(items)
    used = [False] * n
    chosen: list[T] = []
    out: list[list[T]] = []

    def extend() -> None:
        if len(chosen) == n:
            out.append(list(chosen))
            return
        for i in range(n):  # positions in increasing order give lexicographic order
            if not used[i]:
                used[i] = True
                chosen.append(items[i])
                extend()
                chosen.pop()
                used[i] = False

    extend()
    return out
    ### END SOLUTION


def combinations(items: Sequence[T], k: int) -> list[list[T]]:
    """Every way to choose `k` of `items` regardless of order, each as a list.

    Each combination keeps the items in their original order, and the combinations are
    listed in increasing lexicographic order of the positions they take, exactly as
    `itertools.combinations` does: `combinations([1, 2, 3, 4], 2)` is
    `[[1, 2], [1, 3], [1, 4], [2, 3], [2, 4], [3, 4]]`. Duplicate values are kept, told
    apart by position (`combinations([1, 1], 1) == [[1], [1]]`).

    Edge cases: `k == 0` gives `[[]]`; `k > len(items)` gives `[]`; `k < 0` raises
    ValueError. `items` is not modified. Do not use itertools.

    Graded in part `counting`.
    """
    ### BEGIN SOLUTION
    if k < 0:
        raise ValueError(f"k must be non-negative, got {k}")
    n = len(items)
    chosen: list[T] = []
    out: list[list[T]] = []

    def extend(start: int) -> None:
        if len(chosen) == k:
            out.append(list(chosen))
            return
        # leave enough items after i to complete the combination
        for i in range(start, n - (k - len(chosen)) + 1):
            chosen.append(items[i])
            extend(i + 1)
            chosen.pop()

    extend(0)
    return out
    ### END SOLUTION
