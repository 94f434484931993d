"""Wire encodings of indices and axes: plain data the judge sends, decoded on either side.

An index or an axis crosses the judge-worker channel as JSON-able data; both the judge's
references and the worker's probes decode it with these functions, so the two sides cannot
disagree on what an index means. numpy-free at import (level -1's worker has no numpy).
"""

from __future__ import annotations

from typing import Any


def decode_key(key: dict) -> Any:
    """A level -1 index key as a Python index.

    `{"one": item}` is `t[item]`, `{"tuple": [items]}` is `t[item, ...]`; an item is an int or
    a `[start, stop, step]` list standing for a slice.
    """

    def item(x: Any) -> Any:
        return slice(*x) if isinstance(x, list) else x

    if "one" in key:
        return item(key["one"])
    return tuple(item(x) for x in key["tuple"])


def decode_index(desc: list[dict[str, Any]]) -> tuple[Any, ...]:
    """The numpy index described by plain data.

    A list of items, each `{"int": i}`, `{"slice": [start, stop, step]}`, `{"array": [...]}`,
    `{"none": ...}` (a new axis) or anything else (an Ellipsis).
    """
    items: list[Any] = []
    for d in desc:
        if "int" in d:
            items.append(int(d["int"]))
        elif "slice" in d:
            items.append(slice(*d["slice"]))
        elif "array" in d:
            import numpy as np  # level 1 only: level -1 never sends arrays

            items.append(np.asarray(d["array"]))
        elif "none" in d:
            items.append(None)
        else:
            items.append(Ellipsis)
    return tuple(items)


def axis_arg(axis: Any) -> Any:
    """A plain-data axis (lists come back from the judge as lists) as numpy wants it."""
    return tuple(axis) if isinstance(axis, list) else axis
