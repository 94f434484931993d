"""Wire encodings of indices and axes: plain data the judge sends, decoded on either side.

An index or an axis crosses the judge-worker channel as JSON-able data; both the judge's
references and the worker's probes decode it with these functions, so the two sides cannot
disagree on what an index means. numpy-free at import (level -1's worker has no numpy).

One encoding of an index serves every level. An *index key* is `{"one": item}` (for
`t[item]`) or `{"tuple": [item, ...]}` (for `t[item, ...]`), where an item is

- an int;
- `[start, stop, step]`, a slice (None allowed in each place);
- None, a new axis;
- an integer array (level 1 only: it travels as a numpy array, never as a list).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def encode_index(items: Sequence[Any], one: bool = False) -> dict[str, Any]:
    """The index key of `items`: `t[items[0]]` when `one` (exactly one item), else
    `t[tuple(items)]`."""
    if one:
        if len(items) != 1:
            raise ValueError(f"a one-item key needs one item, got {len(items)}")
        return {"one": items[0]}
    return {"tuple": list(items)}


def decode_index(key: dict[str, Any]) -> Any:
    """An index key (see the module's docstring) as a Python index: one item, or a tuple."""

    def item(x: Any) -> Any:
        return slice(*x) if isinstance(x, list) else x

    if "one" in key:
        return item(key["one"])
    return tuple(item(x) for x in key["tuple"])


def axis_arg(axis: Any) -> Any:
    """A plain-data axis (lists come back from the judge as lists) as numpy wants it."""
    return tuple(axis) if isinstance(axis, list) else axis
