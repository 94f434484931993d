"""What graded suites import: the `Student` interface, comparison helpers and the exceptions
`student.call` raises."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from hypothesis import example

from autograder.judge.errors import (
    BannedImport,
    NotImplementedByStudent,
    StudentError,
    WorkerCrashed,
    WorkerTimeout,
)
from autograder.judge.examples import describe_example
from autograder.judge.shown import shown

if TYPE_CHECKING:
    from autograder.judge.client import Timed

__all__ = ["BannedImport", "NotImplementedByStudent", "Student", "StudentError",
           "WorkerCrashed", "WorkerTimeout", "check_close", "check_equal", "describe_example",
           "expect_raises", "explicit_examples"]


class Student(Protocol):
    """What a graded test sees of the student's code (the `student` fixture): run a probe in
    the worker and get its plain-data value back, or the value with the call's times."""

    def call(self, probe: Any, *args: Any, timeout: float | None = None,
             **kwargs: Any) -> Any:
        """Run `probe(*args, **kwargs)` in the worker; its value, or the student's error."""
        ...

    def call_timed(self, probe: Any, *args: Any, timeout: float | None = None,
                   **kwargs: Any) -> Timed:
        """`call`, with the judge's wall-clock time and the worker's CPU time."""
        ...


def _describe(value: Any) -> str:
    return shown(value, limit=300)


def _is_numeric(value: Any) -> bool:
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except (ValueError, TypeError):
        return False


def check_close(actual: Any, expected: Any, what: str = "result", hint: str = "",
                rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Assert `actual` ≈ `expected` (same shape, NaN where expected has NaN), else explain.

    The failure message names `what`, both shapes, the worst element and the hint.
    """
    if not _is_numeric(actual):
        raise AssertionError(f"{what}: expected numbers, got {_describe(actual)}"
                             + (f" — {hint}" if hint else ""))
    got = np.asarray(actual, dtype=np.float64)
    want = np.asarray(expected, dtype=np.float64)
    if got.shape != want.shape:
        raise AssertionError(f"{what}: shape {got.shape}, expected {want.shape}"
                             + (f" — {hint}" if hint else ""))
    close = np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return
    bad = np.argwhere(~close)
    index = tuple(int(i) for i in bad[0])
    if got.ndim == 0:
        message = f"{what}: got {shown(got)}, expected {shown(want)}"
    else:
        message = (f"{what}: {len(bad)} of {got.size} values differ; at index {index} got "
                   f"{shown(got[index])}, expected {shown(want[index])}")
    if hint:
        message += f" — {hint}"
    detail = f"\n  got:      {_describe(got)}\n  expected: {_describe(want)}"
    raise AssertionError(message + detail)


def check_equal(actual: Any, expected: Any, what: str = "result", hint: str = "") -> None:
    """Assert exact equality of plain data (shapes, strides, lists of ints...), else explain."""
    if actual == expected:
        return
    message = f"{what}: got {_describe(actual)}, expected {_describe(expected)}"
    first = _first_difference(actual, expected)
    if first and len(message) > 160:  # long lists: where they part comes first
        message = f"{what}: {first}; got {_describe(actual)}, expected {_describe(expected)}"
    raise AssertionError(message + (f" — {hint}" if hint else ""))


def _first_difference(actual: Any, expected: Any) -> str:
    """Where two lists part: "first difference at [3]: got [1, 3, 3], expected [1, 3, 4] (27
    items, expected 10)"; "" for anything else."""
    if not (isinstance(actual, list | tuple) and isinstance(expected, list | tuple)):
        return ""
    sizes = f" ({len(actual)} items, expected {len(expected)})" \
        if len(actual) != len(expected) else ""
    for i, (got, want) in enumerate(zip(actual, expected, strict=False)):
        if got != want:
            return (f"first difference at [{i}]: got {shown(got)}, expected {shown(want)}"
                    + sizes)
    return f"the first {min(len(actual), len(expected))} items agree{sizes}"


def expect_raises(student: Student, probe: Any, *args: Any, error: str = "ValueError",
                  match: str | None = None, what: str = "", **kwargs: Any) -> StudentError:
    """Assert that running `probe` makes the student's code raise `error` (by class name).

    A NotImplementedError still ends the test as "not implemented". Returns the error.
    """
    label = what or getattr(probe, "__name__", str(probe))
    try:
        value = student.call(probe, *args, **kwargs)
    except StudentError as exc:
        if exc.type_name != error:
            raise AssertionError(f"{label}: expected {error}, but your code raised "
                                 f"{exc.type_name}: {exc.message}") from None
        if match is not None and match.lower() not in exc.message.lower():
            raise AssertionError(f"{label}: {error} message should mention {match!r}, "
                                 f"got {exc.message!r}") from None
        return exc
    raise AssertionError(f"{label}: expected {error}, but your code returned {_describe(value)}")


def fraction_between(achieved: float, floor: float, target: float) -> float:
    """Continuous partial credit: 0 at `floor`, 1 at `target`, linear between (clamped)."""
    if math.isnan(achieved) or target <= floor:
        return 1.0 if achieved >= target else 0.0
    return min(max((achieved - floor) / (target - floor), 0.0), 1.0)


def explicit_examples(name: str, cases: Iterable[Any]) -> Callable[[Any], Any]:
    """Decorate a `@given` test (place it above `@given`) with each of `cases` as an explicit
    hypothesis example of argument `name`, in order.

    Explicit examples run in every grading, whatever hypothesis draws (or is seeded with), and
    before it searches beyond them: a whole class of bug is seen by them, not by a lucky draw.
    """

    def attach(test: Any) -> Any:
        for case in reversed(list(cases)):
            test = example(**{name: case})(test)
        return test

    return attach
