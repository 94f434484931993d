"""Values as a student writes them, for failure messages and minimal examples.

`0.25`, `(2, 3)`, `[[1.0, 2.0]]`, `Tensor([1.5])`, `t[1:, ::-1]`: never numpy's reprs
(`np.float64(0.25)`, `array([...])`) and never the kit's wire encodings (`{'scalar': -1.0}`,
`{'tensor': [...]}`, an index key `{'one': [1, None, -1]}`, a layout as a dict). What a message
shows is what the student's code was given or gave back, in the handout's notation, and
pasteable into Python.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

#: Longest text of one value in a one-line message (a shrunk example shows it whole).
SHORT = 120


def shown(value: Any, limit: int | None = SHORT) -> str:
    """`value` as Python source a student would write (cut to `limit` characters, if given)."""
    text = _text(value)
    if limit is not None and len(text) > limit:
        return text[: limit - 4] + " ..."
    return text


def _number(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(float(value))


def _slice_item(x: Any) -> str:
    if not isinstance(x, list):
        return _text(x)
    start, stop, step = ("" if v is None else str(v) for v in x)
    return f"{start}:{stop}" + (f":{step}" if step else "")


def index_text(key: dict) -> str:
    """An index key (`autograder.cases.indexing`) as the brackets a student writes: `[1:, 0]`."""
    if "one" in key:
        return f"[{_slice_item(key['one'])}]"
    items = [_slice_item(x) for x in key["tuple"]]
    if not items:
        return "[()]"
    return "[" + ", ".join(items) + ("," if len(items) == 1 else "") + "]"


#: The steps of a view chain (level -1's wire encoding of `t.permute(1, 0)[1:].reshape(6)`).
VIEW_STEPS = {"permute", "transpose", "T", "index", "expand", "broadcast_to", "reshape"}


def chain_text(value: list) -> str | None:
    """A view chain `[["permute", [1, 0]], ["index", key], ...]` as a student writes it,
    `t.permute(1, 0)[1:]`, or None when `value` is not one (or is empty)."""
    if not value or not all(isinstance(step, list) and step and isinstance(step[0], str)
                            and step[0] in VIEW_STEPS
                            for step in value):
        return None
    out = "t"
    for kind, *args in value:
        if kind == "T":
            out += ".T"
        elif kind == "index" and isinstance(args[0], dict):
            out += index_text(args[0])
        elif kind in ("permute", "expand", "reshape") and isinstance(args[0], list):
            out += f".{kind}({', '.join(_text(a) for a in args[0])})"
        elif kind == "broadcast_to":
            out += f".broadcast_to({_text(tuple(args[0]))})"
        else:
            out += f".{kind}({', '.join(_text(a) for a in args)})"
    return out


def _encoded(value: dict) -> str | None:
    """A wire encoding as what it stands for, or None for an ordinary dict."""
    keys = set(value)
    if keys == {"scalar"}:
        return _text(value["scalar"])
    if keys == {"tensor"}:
        return f"Tensor({_text(value['tensor'])})"
    if keys == {"layout"}:
        return _text(value["layout"])
    if keys == {"fraction"} and len(value["fraction"]) == 2:
        n, d = value["fraction"]
        return f"Fraction({n}, {d})"
    if keys in ({"one"}, {"tuple"}):
        return "t" + index_text(value)
    if {"storage", "shape", "strides", "offset"} <= keys:
        return (f"Tensor.from_layout({_text(value['storage'])}, {_text(tuple(value['shape']))}, "
                f"{_text(tuple(value['strides']))}, {value['offset']})")
    return None


def _text(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return _number(float(value))
    if isinstance(value, Fraction):
        return f"Fraction({value.numerator}, {value.denominator})"
    if isinstance(value, np.ndarray):
        return _text(value.tolist())
    if isinstance(value, dict):
        encoded = _encoded(value)
        if encoded is not None:
            return encoded
        return "{" + ", ".join(f"{_text(k)}: {_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple):
        inner = ", ".join(_text(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return chain_text(value) or "[" + ", ".join(_text(v) for v in value) + "]"
    if isinstance(value, set | frozenset):
        items = sorted(value, key=repr)
        return "{" + ", ".join(_text(v) for v in items) + "}" if items else "set()"
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "None"
    return f"<{type(value).__name__}>"  # an object: its repr could be anything, or the kit's


def code(value: Any) -> str:
    """`value` as the Python expression that rebuilds it exactly: the arguments of a call to
    paste (numpy arrays as `np.array(...)`, encodings left as the plain data they are)."""
    if isinstance(value, np.ndarray):
        dtype = "" if value.dtype in (np.float64, np.int64, np.bool_) else \
            f", dtype=np.{value.dtype}"
        return f"np.array({code(value.tolist())}{dtype})"
    if isinstance(value, float | np.floating):
        number = _number(float(value))
        return f"float('{number}')" if number in ("nan", "inf", "-inf") else number
    if isinstance(value, dict):
        return "{" + ", ".join(f"{code(k)}: {code(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple):
        inner = ", ".join(code(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(code(v) for v in value) + "]"
    return _text(value)
