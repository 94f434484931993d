"""Level -1 probes: run inside the worker, next to the student's `teenygrad`; return plain data.

No numpy here (the worker bans it at this level). Every probe imports the student module it
needs inside the function, so a broken module only fails the tests that use it.

Encodings shared with `autograder.references.level_minus1` (the judge side):
- a *layout* is `{"storage": [float], "shape": [int], "strides": [int], "offset": int}` and is
  turned into a student tensor with the given `Tensor.from_layout` (so the broadcasting,
  reduction and BLAS tests do not depend on the student's views);
- an *index key* is `autograder.cases.indexing`'s: `{"one": item}` (for `t[item]`) or
  `{"tuple": [item, ...]}` (for `t[item, ...]`), where an item here is an int or
  `[start, stop, step]` (a slice; None allowed);
- a *view chain* is a list of steps: `["permute", dims]`, `["transpose", d0, d1]`, `["T"]`,
  `["index", key]`, `["expand", sizes]`, `["broadcast_to", shape]`, `["reshape", shape]`;
- an *operand* of arithmetic is `{"tensor": data}`, `{"layout": layout}` or `{"scalar": x}`;
  the value of a write (`t[key] = value`) may also be `{"view": chain}`: that view of the base
  itself, sharing its storage (numpy reads all of it before writing).
"""

from __future__ import annotations

import operator
from typing import Any

from autograder.cases.indexing import decode_index

BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


# -- encodings ---------------------------------------------------------------------------------
def _tensor(layout: dict) -> Any:
    from teenygrad.strided import Tensor

    return Tensor.from_layout([float(v) for v in layout["storage"]], tuple(layout["shape"]),
                              tuple(layout["strides"]), int(layout["offset"]))


def _apply(t: Any, step: list) -> Any:
    kind = step[0]
    if kind == "permute":
        return t.permute(*step[1])
    if kind == "transpose":
        return t.transpose(step[1], step[2])
    if kind == "T":
        return t.T
    if kind == "index":
        return t[decode_index(step[1])]
    if kind == "expand":
        return t.expand(*step[1])
    if kind == "broadcast_to":
        return t.broadcast_to(tuple(step[1]))
    if kind == "reshape":
        return t.reshape(*step[1])
    raise ValueError(f"unknown view step {kind!r}")  # a kit bug, reported as a grader error


def _view(t: Any, chain: list) -> Any:
    for step in chain:
        t = _apply(t, step)
    return t


def _chain(layout: dict, chain: list) -> tuple[Any, Any]:
    base = _tensor(layout)
    return base, _view(base, chain)


def _layout_of(t: Any) -> dict:
    """Shape, strides and offset exactly as the student's tensor holds them."""
    return {"shape": list(t.shape), "strides": list(t.strides), "offset": t.offset}


def _values(t: Any) -> dict:
    return {"shape": list(t.shape), "values": t.tolist()}


def _operand(spec: dict) -> Any:
    if "scalar" in spec:
        return spec["scalar"]
    if "layout" in spec:
        return _tensor(spec["layout"])
    from teenygrad.strided import Tensor

    return Tensor(spec["tensor"])


def _write_value(base: Any, spec: dict) -> Any:
    """The value of a write: an operand, or `{"view": chain}`, a view of `base` itself."""
    return _view(base, spec["view"]) if "view" in spec else _operand(spec)


# -- part `nested` -----------------------------------------------------------------------------
def nested_build(data: Any) -> dict:
    """NestedTensor(data): its shape and tolist()."""
    from teenygrad.nested import NestedTensor

    t = NestedTensor(data)
    return {"shape": list(t.shape), "values": t.tolist()}


def nested_infer_shape(data: Any) -> list:
    """infer_shape(data)."""
    from teenygrad.nested import infer_shape

    return list(infer_shape(data))


def nested_tolist_is_a_copy(data: Any) -> dict:
    """Change the list tolist() returned and the caller's input; return tolist() again."""
    from teenygrad.nested import NestedTensor

    t = NestedTensor(data)
    first = t.tolist()
    if isinstance(first, list) and first:
        first[0] = "changed"
    if isinstance(data, list) and data:
        data[0] = "changed"
    return {"values": t.tolist()}


def nested_len(data: Any) -> int:
    """len(NestedTensor(data))."""
    from teenygrad.nested import NestedTensor

    return len(NestedTensor(data))


def nested_index(data: Any, indices: list) -> dict:
    """NestedTensor(data)[i][j]...: shape and tolist() of the result."""
    from teenygrad.nested import NestedTensor

    t = NestedTensor(data)
    for i in indices:
        t = t[i]
    return {"shape": list(t.shape), "values": t.tolist()}


def nested_binary(op: str, left: dict, right: dict) -> dict:
    """`left op right` where each side is {"tensor": data} or {"scalar": x}."""
    from teenygrad.nested import NestedTensor

    def operand(spec: dict) -> Any:
        return NestedTensor(spec["tensor"]) if "tensor" in spec else spec["scalar"]

    t = BINARY[op](operand(left), operand(right))
    return {"shape": list(t.shape), "values": t.tolist()}


def nested_neg(data: Any) -> dict:
    """-NestedTensor(data)."""
    from teenygrad.nested import NestedTensor

    t = -NestedTensor(data)
    return {"shape": list(t.shape), "values": t.tolist()}


def nested_sum(data: Any) -> float:
    """NestedTensor(data).sum()."""
    from teenygrad.nested import NestedTensor

    return NestedTensor(data).sum()


# -- part `strided` ----------------------------------------------------------------------------
def tensor_build(data: Any) -> dict:
    """Tensor(data): its layout, its storage and tolist()."""
    from teenygrad.strided import Tensor

    t = Tensor(data)
    return {**_layout_of(t), "storage": list(t.storage), "values": t.tolist(),
            "numel": t.numel()}


def chain_values(layout: dict, chain: list) -> dict:
    """Apply a view chain to a base tensor (a layout); return the final shape and tolist()."""
    _, view = _chain(layout, chain)
    return _values(view)


def chain_layout(layout: dict, chain: list) -> dict:
    """Apply a view chain to a base tensor (a layout); return the final layout, values, and
    whether it still shares the base's storage."""
    base, view = _chain(layout, chain)
    return {**_layout_of(view), "values": view.tolist(), "shares": view.storage is base.storage}


def layout_reshape(layout: dict, shape: list) -> dict:
    """reshape(*shape) of a tensor with the given layout."""
    t = _tensor(layout)
    r = t.reshape(*shape)
    return {**_layout_of(r), "values": r.tolist(), "shares": r.storage is t.storage}


def reshape(data: Any, shape: list) -> dict:
    """Tensor(data).reshape(*shape): layout and values."""
    from teenygrad.strided import Tensor

    t = Tensor(data)
    r = t.reshape(*shape)
    return {**_layout_of(r), "values": r.tolist(), "shares": r.storage is t.storage}


def layout_is_contiguous(layout: dict) -> bool:
    """is_contiguous() of a tensor with the given layout."""
    return bool(_tensor(layout).is_contiguous())


def layout_contiguous(layout: dict) -> dict:
    """contiguous() of a tensor with the given layout, and the source's storage afterwards."""
    t = _tensor(layout)
    c = t.contiguous()
    return {**_layout_of(c), "values": c.tolist(), "storage_len": len(c.storage),
            "fresh": c.storage is not t.storage, "source_storage": list(t.storage)}


def setitem_through_view(layout: dict, chain: list, key: dict, value: dict) -> dict:
    """view = chain(base); view[key] = value; return base and view values afterwards."""
    base, view = _chain(layout, chain)
    view[decode_index(key)] = _write_value(base, value)
    return {"base": base.tolist(), "view": view.tolist()}


def setitem_on_base(layout: dict, chain: list, key: dict, value: dict) -> dict:
    """view = chain(base); base[key] = value; return the view's values afterwards."""
    base, view = _chain(layout, chain)
    base[decode_index(key)] = _write_value(base, value)
    return {"base": base.tolist(), "view": view.tolist()}


def getitem(data: Any, key: dict) -> dict:
    """Tensor(data)[key]: layout and values."""
    from teenygrad.strided import Tensor

    t = Tensor(data)[decode_index(key)]
    return {**_layout_of(t), "values": t.tolist()}


def item(layout: dict, chain: list) -> float:
    """chain(base).item()."""
    _, view = _chain(layout, chain)
    return view.item()


def numel_and_len(data: Any) -> dict:
    """numel() and len() (None for 0-d) of Tensor(data)."""
    from teenygrad.strided import Tensor

    t = Tensor(data)
    return {"numel": t.numel(), "len": len(t) if t.shape else None}


def contiguous_strides(shape: list) -> list:
    """teenygrad.strided.contiguous_strides(shape)."""
    from teenygrad.strided import contiguous_strides as strides

    return list(strides(tuple(shape)))


# -- part `broadcast` --------------------------------------------------------------------------
def broadcast_shapes(a: list, b: list) -> list:
    """teenygrad.strided.broadcast_shapes(a, b)."""
    from teenygrad.strided import broadcast_shapes as shapes

    return list(shapes(tuple(a), tuple(b)))


def binary(op: str, left: dict, right: dict) -> dict:
    """`left op right` on operands (see the module docstring); the result's layout and values,
    and both tensor operands' storage afterwards (they must not change)."""
    a, b = _operand(left), _operand(right)
    t = BINARY[op](a, b)
    inputs = [list(x.storage) if not isinstance(x, (int, float)) else None for x in (a, b)]
    return {**_layout_of(t), "values": t.tolist(), "inputs": inputs}


def neg(left: dict) -> dict:
    """-operand: layout and values."""
    t = -_operand(left)
    return {**_layout_of(t), "values": t.tolist()}


def reduce_sum(layout: dict, axis: Any, keepdims: bool) -> dict:
    """sum(axis, keepdims) of a tensor with the given layout (axis: None, int or list)."""
    t = _tensor(layout)
    if isinstance(axis, list):
        axis = tuple(axis)
    s = t.sum(axis=axis, keepdims=keepdims)
    return {"shape": list(s.shape), "values": s.tolist()}


# -- part `blas` -------------------------------------------------------------------------------
def saxpy(alpha: float, x: dict, y: dict) -> dict:
    """saxpy(alpha, x, y): the storage of x and y afterwards."""
    from teenygrad.blas import saxpy as run

    tx, ty = _tensor(x), _tensor(y)
    run(alpha, tx, ty)
    return {"x": list(tx.storage), "y": list(ty.storage)}


def sdot(x: dict, y: dict) -> Any:
    """sdot(x, y)."""
    from teenygrad.blas import sdot as run

    return run(_tensor(x), _tensor(y))


def sgemv(alpha: float, a: dict, x: dict, beta: float, y: dict, trans: bool) -> dict:
    """sgemv(alpha, A, x, beta, y, trans=trans): the storage of A, x and y afterwards."""
    from teenygrad.blas import sgemv as run

    ta, tx, ty = _tensor(a), _tensor(x), _tensor(y)
    run(alpha, ta, tx, beta, ty, trans=trans)
    return {"A": list(ta.storage), "x": list(tx.storage), "y": list(ty.storage)}


def sgemm(alpha: float, a: dict, b: dict, beta: float, c: dict, trans_a: bool,
          trans_b: bool) -> dict:
    """sgemm(alpha, A, B, beta, C, trans_a, trans_b): the storage of A, B and C afterwards."""
    from teenygrad.blas import sgemm as run

    ta, tb, tc = _tensor(a), _tensor(b), _tensor(c)
    run(alpha, ta, tb, beta, tc, trans_a=trans_a, trans_b=trans_b)
    return {"A": list(ta.storage), "B": list(tb.storage), "C": list(tc.storage)}


def sgemm_outputs(cases: list) -> list:
    """`sgemm` on each case (a dict of its arguments); C's storage afterwards, per case."""
    return [sgemm(**case)["C"] for case in cases]


def sgemv_outputs(cases: list) -> list:
    """`sgemv` on each case (a dict of its arguments); y's storage afterwards, per case."""
    return [sgemv(**case)["y"] for case in cases]


def matmul(a: Any, b: Any) -> dict:
    """Tensor(a) @ Tensor(b): layout and values."""
    from teenygrad.strided import Tensor

    t = Tensor(a) @ Tensor(b)
    return {**_layout_of(t), "values": t.tolist()}
