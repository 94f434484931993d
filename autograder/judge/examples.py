"""The smallest failing input of a property-based test, and the failing call to paste.

Hypothesis shrinks a failing input and replays the smallest one last, so the arguments of the
last example a test ran are the minimal failing input. `record_examples` makes each hypothesis
test keep them (its `st.data()` draws too, by label); the plugin turns them into the lines a
student reads (`example_lines`) and, from the last call the test sent to the worker, a
three-line reproduction (`repro_lines`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from autograder.judge.shown import code, shown

#: The arguments of the latest example of the running hypothesis test: (name, value).
_latest: list[tuple[str, Any]] = []
#: Longest example value shown in the report (the record keeps up to `FULL`).
FULL = 2000


def start_test() -> None:
    """A test starts: forget the previous test's example."""
    _latest.clear()


def latest() -> list[tuple[str, Any]]:
    """(name, value) of the latest example the running test ran (empty if none)."""
    return list(_latest)


class _Described(str):
    """An example argument the test itself wrote out (`describe_example`)."""


def describe_example(name: str, text: str) -> None:
    """Show the running example's argument `name` as `text` (e.g. a drawn program as the
    code lines it stands for) instead of its value, whose encoding means nothing to a
    student."""
    for index, (seen, _value) in enumerate(_latest):
        if seen == name:
            _latest[index] = (name, _Described(text))


def _recording_draws(data: Any) -> Any:
    """Make an `st.data()` object add each value it draws to the example."""
    draw = data.draw

    def recording(strategy: Any, label: Any = None) -> Any:
        value = draw(strategy, label=label)
        name = str(label) if label is not None else f"draw {getattr(data, 'count', '?')}"
        _latest.append((name, value))
        return value

    data.draw = recording
    return data


def _is_data(value: Any) -> bool:
    return type(value).__name__ == "DataObject" and hasattr(value, "conjecture_data")


def record_examples(item: pytest.Item) -> None:
    """Make the hypothesis test of `item` remember the arguments of each example it runs
    (fixtures left out)."""
    handle = getattr(getattr(item, "obj", None), "hypothesis", None)
    if handle is None or getattr(handle.inner_test, "kit_records_examples", False):
        return
    inner: Callable[..., Any] = handle.inner_test
    fixtures = set(getattr(item, "fixturenames", ()))

    def recording(*args: Any, **kwargs: Any) -> Any:
        _latest.clear()
        for name, value in kwargs.items():
            if _is_data(value):
                _recording_draws(value)
            elif name not in fixtures:
                _latest.append((name, value))
        return inner(*args, **kwargs)

    recording.kit_records_examples = True  # type: ignore[attr-defined]
    handle.inner_test = recording


def example_lines(example: list[tuple[str, Any]]) -> list[str]:
    """`name = value` per argument, values as a student writes them."""
    return [f"{name}: {value}" if isinstance(value, _Described)
            else f"{name} = {shown(value, limit=FULL)}" for name, value in example]


def repro_lines(call: tuple[str, list, dict] | None) -> list[str]:
    """The last call a test sent to the worker as three lines of Python to paste (run where
    the student's package is importable), or [] if there was none."""
    if call is None:
        return []
    target, args, kwargs = call
    module, _, function = target.partition(":")
    text = ", ".join([code(a) for a in args] + [f"{k}={code(v)}" for k, v in kwargs.items()])
    needs_numpy = "np.array(" in text
    return ["import numpy as np" if needs_numpy else "import pprint",
            f"from {module} import {function.split('.')[0]}",
            ("print(" if needs_numpy else "pprint.pprint(") + f"{function}({text}))"]
