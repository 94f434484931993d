"""Given: the numpy names your level 1 code uses, computed by a backend (you do not edit this).

Your level 1 modules say `import numpy as np` and call `np.exp`, `np.where`, `a @ b`, ... In
the capstone they are loaded with this module in numpy's place (see `stack.levels`), so every
one of those calls runs on the backend `use()` installed: your level -1 strided storage and
views, your level 0 SGEMM. It covers the numpy your level 1 reference needs; a name it does not
have raises `AttributeError` naming it, so you can rewrite that line of level 1 with the names
below. Values are Python floats whatever the dtype (the dtype is a label kept for level 1's
checks): float32 and float64 compute alike, in double precision, except matrix products,
which the Rust kernels compute in float32.
"""

from __future__ import annotations

import builtins as _py
import math
import operator
import random as _random
import sys as _sys
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

_BACKEND: Any = None
INF, NAN = math.inf, math.nan


def use(backend: Any) -> None:
    """Make `backend` (an object with the methods of `stack.backend.StridedBackend`) the one
    every array of this module computes with."""
    global _BACKEND
    _BACKEND = backend


class dtype:  # noqa: N801  (numpy's name)
    """A dtype label: `name` ("float64", "float32", "int64", "bool") and numpy's `kind`."""

    def __init__(self, name: str, kind: str) -> None:
        """A label; see the module constants."""
        self.name, self.kind = name, kind

    def __eq__(self, other: object) -> bool:
        """Equal to the same label, to its name, or to the constant of that name."""
        return _as_dtype(other).name == self.name if other is not None else False

    def __hash__(self) -> int:
        """Hash of the name."""
        return hash(self.name)

    def __repr__(self) -> str:
        """`dtype('float64')`."""
        return f"dtype({self.name!r})"

    def type(self, value: Any) -> Any:  # noqa: A003  (numpy's name)
        """`value` converted to this dtype's Python type."""
        return _convert(value, self)


float64, float32 = dtype("float64", "f"), dtype("float32", "f")
int64, int32, bool_ = dtype("int64", "i"), dtype("int32", "i"), dtype("bool", "b")
_BY_NAME = {d.name: d for d in (float64, float32, int64, int32, bool_)}
_BY_NAME.update({"float": float64, "int": int64, "bool_": bool_})
_PY = {float: float64, int: int64, bool: bool_}


def _as_dtype(d: Any) -> dtype:
    if isinstance(d, dtype):
        return d
    if d in _PY:
        return _PY[d]
    name = getattr(d, "__name__", d)
    if isinstance(name, str) and name in _BY_NAME:
        return _BY_NAME[name]
    raise TypeError(f"the capstone's arrays have no dtype {d!r}")


def _convert(value: float, d: dtype) -> Any:
    return bool(value) if d.kind == "b" else int(value) if d.kind == "i" else float(value)


def _result(*dts: dtype) -> dtype:
    """numpy's promotion, reduced to floats over ints over bools."""
    if _py.any(d.kind == "f" for d in dts):
        return float32 if all(d == float32 for d in dts if d.kind == "f") else float64
    return int64 if _py.any(d.kind == "i" for d in dts) else bool_


class ndarray:  # noqa: N801  (numpy's name)
    """An array: a backend tensor `t` and a dtype label."""

    __array_priority__ = 0

    def __init__(self, t: Any, dt: dtype) -> None:
        """Wrap backend tensor `t` (not copied)."""
        self.t, self.dtype = t, dt

    # ----- shape -------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """The backend tensor's shape."""
        return tuple(_BACKEND.shape(self.t))

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return len(self.shape)

    @property
    def size(self) -> int:
        """Number of elements."""
        return math.prod(self.shape)

    @property
    def flags(self) -> SimpleNamespace:
        """`flags.c_contiguous` (always reported True: every layout works for the kernels)."""
        return SimpleNamespace(c_contiguous=True)

    def __len__(self) -> int:
        """Size of the first dimension."""
        if not self.shape:
            raise TypeError("len() of a 0-d array")
        return self.shape[0]

    def __iter__(self) -> Any:
        """The sub-arrays along the first axis (Python numbers for a 1-d array, as numpy's
        scalars behave like numbers)."""
        if self.ndim == 1:
            return iter([_convert(v, self.dtype) for v in _BACKEND.values(self.t)])
        return (self[i] for i in range(len(self)))

    def tolist(self) -> Any:
        """Nested lists of Python numbers."""
        values = iter([_convert(v, self.dtype) for v in _BACKEND.values(self.t)])

        def build(d: int) -> Any:
            return next(values) if d == self.ndim else [build(d + 1) for _ in range(self.shape[d])]

        return build(0)

    def item(self) -> Any:
        """The only element as a Python number."""
        if self.size != 1:
            raise ValueError(f"item() of an array of shape {self.shape}")
        return _convert(_BACKEND.values(self.t)[0], self.dtype)

    def __float__(self) -> float:
        """float(a) of a one-element array."""
        return float(self.item())

    def __int__(self) -> int:
        """int(a) of a one-element array."""
        return int(self.item())

    def __bool__(self) -> bool:
        """bool(a) of a one-element array."""
        return bool(self.item())

    def __index__(self) -> int:
        """An integer array used as an index."""
        return int(self.item())

    def __repr__(self) -> str:
        """`array([...])`."""
        return f"array({self.tolist()!r})"

    # ----- views ---------------------------------------------------------------------------
    def reshape(self, *shape: Any) -> ndarray:
        """A view when the backend can make one (-1 allowed)."""
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], Sequence) else shape
        if -1 in shape:
            known = math.prod(s for s in shape if s != -1)
            shape = tuple(self.size // known if s == -1 else s for s in shape)
        return ndarray(_BACKEND.reshape(self.t, tuple(shape)), self.dtype)

    def transpose(self, *axes: Any) -> ndarray:
        """Permuted axes (reversed when none are given): a view."""
        return transpose(self, axes[0] if len(axes) == 1 else axes or None)

    @property
    def T(self) -> ndarray:  # noqa: N802  (numpy's name)
        """The reversed axes: a view."""
        return transpose(self)

    def __getitem__(self, key: Any) -> ndarray:
        """Ints, slices, None and `...` give a view; integer arrays gather (a copy)."""
        return _getitem(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        """Write `value` into the selected elements of this array's own storage."""
        _setitem(self, key, value)

    def astype(self, d: Any) -> ndarray:
        """A copy with another dtype label (values converted)."""
        d = _as_dtype(d)
        return ndarray(_BACKEND.map(lambda v: float(_convert(v, d)), self.t), d)

    def copy(self) -> ndarray:
        """A contiguous copy."""
        return ndarray(_BACKEND.map(float, self.t), self.dtype)

    # ----- reductions as methods -----------------------------------------------------------
    def sum(self, axis: Any = None, keepdims: bool = False) -> ndarray:
        """`np.sum(self, ...)`."""
        return sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> ndarray:
        """`np.mean(self, ...)`."""
        return mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> ndarray:  # noqa: A003
        """`np.max(self, ...)`."""
        return max(self, axis=axis, keepdims=keepdims)

    # ----- operators -------------------------------------------------------------------------
    def __add__(self, o: Any) -> ndarray: return _zip(operator.add, self, o)  # noqa: D105,E704
    def __radd__(self, o: Any) -> ndarray: return _zip(operator.add, o, self)  # noqa: D105,E704
    def __sub__(self, o: Any) -> ndarray: return _zip(operator.sub, self, o)  # noqa: D105,E704
    def __rsub__(self, o: Any) -> ndarray: return _zip(operator.sub, o, self)  # noqa: D105,E704
    def __mul__(self, o: Any) -> ndarray: return _zip(operator.mul, self, o)  # noqa: D105,E704
    def __rmul__(self, o: Any) -> ndarray: return _zip(operator.mul, o, self)  # noqa: D105,E704
    def __truediv__(self, o: Any) -> ndarray: return _zip(_div, self, o, True)  # noqa: D105,E704
    def __rtruediv__(self, o: Any) -> ndarray: return _zip(_div, o, self, True)  # noqa: D105,E704
    def __pow__(self, o: Any) -> ndarray: return _zip(_pow, self, o)  # noqa: D105,E704
    def __rpow__(self, o: Any) -> ndarray: return _zip(_pow, o, self)  # noqa: D105,E704
    def __mod__(self, o: Any) -> ndarray: return _zip(_mod, self, o)  # noqa: D105,E704
    def __floordiv__(self, o: Any) -> ndarray: return _zip(_floordiv, self, o)  # noqa: D105,E704
    def __neg__(self) -> ndarray: return _map(operator.neg, self)  # noqa: D105,E704
    def __abs__(self) -> ndarray: return _map(math.fabs, self)  # noqa: D105,E704
    def __matmul__(self, o: Any) -> ndarray: return matmul(self, o)  # noqa: D105,E704
    def __rmatmul__(self, o: Any) -> ndarray: return matmul(o, self)  # noqa: D105,E704
    def __lt__(self, o: Any) -> ndarray: return _cmp(operator.lt, self, o)  # noqa: D105,E704
    def __le__(self, o: Any) -> ndarray: return _cmp(operator.le, self, o)  # noqa: D105,E704
    def __gt__(self, o: Any) -> ndarray: return _cmp(operator.gt, self, o)  # noqa: D105,E704
    def __ge__(self, o: Any) -> ndarray: return _cmp(operator.ge, self, o)  # noqa: D105,E704
    def __eq__(self, o: Any) -> ndarray: return _cmp(operator.eq, self, o)  # type: ignore[override]  # noqa: D105,E501,E704
    def __ne__(self, o: Any) -> ndarray: return _cmp(operator.ne, self, o)  # type: ignore[override]  # noqa: D105,E501,E704
    def __and__(self, o: Any) -> ndarray: return _cmp(lambda a, b: bool(a) and bool(b), self, o)  # noqa: D105,E501,E704
    def __or__(self, o: Any) -> ndarray: return _cmp(lambda a, b: bool(a) or bool(b), self, o)  # noqa: D105,E501,E704
    def __invert__(self) -> ndarray: return _cmp(lambda a, b: not a, self, self)  # noqa: D105,E704

    __hash__ = None  # type: ignore[assignment]  (mutable, compared elementwise)


# ----- making arrays ---------------------------------------------------------------------------
def _flatten(data: Any) -> tuple[tuple[int, ...], list[Any]]:
    if isinstance(data, ndarray):
        return data.shape, _BACKEND.values(data.t)
    if not isinstance(data, list | tuple):
        return (), [data]
    if not data:
        return (0,), []
    parts = [_flatten(x) for x in data]
    inner = parts[0][0]
    if _py.any(p[0] != inner for p in parts):
        raise ValueError("a ragged nested sequence is not an array")
    return (len(data), *inner), [v for p in parts for v in p[1]]


def _infer(values: list[Any]) -> dtype:
    if values and all(isinstance(v, bool) for v in values):
        return bool_
    if values and all(isinstance(v, int) for v in values):
        return int64
    return float64


def array(data: Any, dtype: Any = None, copy: bool = True) -> ndarray:
    """A new array (always a copy) of nested lists, a number or an array."""
    if isinstance(data, ndarray) and dtype is None:
        return data.copy() if copy else data
    shape, values = _flatten(data)
    d = _as_dtype(dtype) if dtype is not None else (
        data.dtype if isinstance(data, ndarray) else _infer(values))
    if _py.any(not isinstance(v, int | float) for v in values):
        bad = next(v for v in values if not isinstance(v, int | float))
        return ndarray(_BACKEND.tensor([0.0], ()), dtype_of_object(bad))
    return ndarray(_BACKEND.tensor([float(_convert(v, d)) for v in values], shape), d)


def dtype_of_object(value: Any) -> dtype:
    """An array of something that is not a number gets this label, which level 1 refuses."""
    return dtype("object", "O")


def asarray(data: Any, dtype: Any = None) -> ndarray:
    """`data` itself when it is an array of that dtype, else `array(data, dtype)`."""
    if isinstance(data, ndarray) and (dtype is None or _as_dtype(dtype) == data.dtype):
        return data
    return array(data, dtype)


def _full(shape: Sequence[int], value: float, d: dtype) -> ndarray:
    return ndarray(_BACKEND.tensor([value] * math.prod(shape), tuple(shape)), d)


def zeros(shape: Any, dtype: Any = float64) -> ndarray:
    """An array of zeros."""
    return _full((shape,) if isinstance(shape, int) else shape, 0.0, _as_dtype(dtype))


def ones(shape: Any, dtype: Any = float64) -> ndarray:
    """An array of ones."""
    return _full((shape,) if isinstance(shape, int) else shape, 1.0, _as_dtype(dtype))


def zeros_like(a: Any, dtype: Any = None) -> ndarray:
    """Zeros shaped like `a`."""
    a = asarray(a)
    return _full(a.shape, 0.0, _as_dtype(dtype) if dtype else a.dtype)


def ones_like(a: Any, dtype: Any = None) -> ndarray:
    """Ones shaped like `a`."""
    a = asarray(a)
    return _full(a.shape, 1.0, _as_dtype(dtype) if dtype else a.dtype)


def arange(n: int) -> ndarray:
    """0, 1, ..., n - 1 (int64)."""
    return ndarray(_BACKEND.tensor([float(i) for i in range(n)], (n,)), int64)


def shape(a: Any) -> tuple[int, ...]:
    """The shape of `a`."""
    return asarray(a).shape


# ----- elementwise -------------------------------------------------------------------------------
def _div(a: float, b: float) -> float:
    if b == 0:
        return NAN if a == 0 or a != a else math.copysign(INF, a) * math.copysign(1.0, b)
    return a / b


def _mod(a: float, b: float) -> float:
    return a % b if b else NAN


def _floordiv(a: float, b: float) -> float:
    return a // b if b else _div(a, b)


def _pow(a: float, b: float) -> float:
    try:
        out = a ** b
    except ZeroDivisionError:
        return INF
    except OverflowError:
        return INF
    return NAN if isinstance(out, complex) else out


def _map(fn: Callable[[float], float], a: Any, d: dtype | None = None) -> ndarray:
    a = asarray(a)
    return ndarray(_BACKEND.map(fn, a.t), d or (a.dtype if a.dtype.kind == "f" else float64))


def _operand(x: Any, like: dtype) -> ndarray:
    """A Python number takes the array's dtype (numpy's rule for scalars)."""
    if isinstance(x, ndarray):
        return x
    if isinstance(x, int | float) and not isinstance(x, bool) and like.kind == "f":
        return ndarray(_BACKEND.tensor([float(x)], ()), like)
    return asarray(x)


def _zip(fn: Callable[..., float], a: Any, b: Any, floating: bool = False) -> ndarray:
    like = a.dtype if isinstance(a, ndarray) else b.dtype
    a, b = _operand(a, like), _operand(b, like)
    d = _result(a.dtype, b.dtype)
    d = float64 if floating and d.kind != "f" else d
    return ndarray(_BACKEND.zip(fn, a.t, b.t), d)


def _cmp(fn: Callable[[float, float], bool], a: Any, b: Any) -> ndarray:
    like = a.dtype if isinstance(a, ndarray) else b.dtype
    a, b = _operand(a, like), _operand(b, like)
    return ndarray(_BACKEND.zip(lambda x, y: 1.0 if fn(x, y) else 0.0, a.t, b.t), bool_)


def _safe(fn: Callable[[float], float], low: float = NAN) -> Callable[[float], float]:
    def inner(x: float) -> float:
        try:
            return fn(x)
        except (ValueError, OverflowError):
            return low if x <= 0 else INF
    return inner


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return INF


def _log(x: float) -> float:
    return math.log(x) if x > 0 else (-INF if x == 0 else NAN)


def exp(a: Any) -> ndarray:
    """e ** a, elementwise."""
    return _map(_exp, a)


def log(a: Any) -> ndarray:
    """Natural logarithm (-inf at 0, nan below)."""
    return _map(_log, a)


def log1p(a: Any) -> ndarray:
    """log(1 + a)."""
    return _map(lambda x: math.log1p(x) if x > -1 else (-INF if x == -1 else NAN), a)


def sqrt(a: Any) -> ndarray:
    """Square root (nan below 0)."""
    return _map(lambda x: math.sqrt(x) if x >= 0 else NAN, a)


def sin(a: Any) -> ndarray:
    """Sine."""
    return _map(math.sin, a)


def cos(a: Any) -> ndarray:
    """Cosine."""
    return _map(math.cos, a)


def tanh(a: Any) -> ndarray:
    """Hyperbolic tangent."""
    return _map(math.tanh, a)


def abs(a: Any) -> ndarray:  # noqa: A001  (numpy's name)
    """Absolute value."""
    a = asarray(a)
    return ndarray(_BACKEND.map(math.fabs, a.t), a.dtype)


def sign(a: Any) -> ndarray:
    """-1, 0 or 1."""
    return _map(lambda x: (x > 0) - (x < 0) + 0.0, a)


def isfinite(a: Any) -> ndarray:
    """True where a is neither inf nor nan."""
    return _map(lambda x: 1.0 if math.isfinite(x) else 0.0, a, bool_)


def maximum(a: Any, b: Any) -> ndarray:
    """Elementwise larger value (nan wins)."""
    return _zip(lambda x, y: x if x != x or x > y else y, a, b)


def minimum(a: Any, b: Any) -> ndarray:
    """Elementwise smaller value (nan wins)."""
    return _zip(lambda x, y: x if x != x or x < y else y, a, b)


def where(condition: Any, a: Any, b: Any) -> ndarray:
    """`a` where `condition`, else `b`, with broadcasting of all three."""
    c = asarray(condition)
    like = a.dtype if isinstance(a, ndarray) else b.dtype if isinstance(b, ndarray) else None
    a = _operand(a, like) if like else asarray(a)
    b = _operand(b, like) if like else asarray(b)
    out = _BACKEND.zip(lambda s, x, y: x if s else y, c.t, a.t, b.t)
    return ndarray(out, _result(a.dtype, b.dtype))


def any(a: Any) -> bool:  # noqa: A001  (numpy's name)
    """Whether any element is true."""
    return bool(sum(asarray(a) != 0).item())


# ----- reductions ---------------------------------------------------------------------------------
def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(sorted(ax % ndim for ax in axes))


def _reduce(fn: Callable[[float, float], float], start: float, a: Any, axis: Any,
            keepdims: bool, d: dtype | None = None) -> ndarray:
    a = asarray(a)
    axes = _axes(axis, a.ndim)
    out = ndarray(_BACKEND.reduce(fn, a.t, axes, start), d or a.dtype)
    if keepdims:
        return out
    return out.reshape(tuple(n for i, n in enumerate(a.shape) if i not in axes))


def sum(a: Any, axis: Any = None, keepdims: bool = False) -> ndarray:  # noqa: A001
    """Sum over `axis` (None: all)."""
    a = asarray(a)
    d = int64 if a.dtype.kind == "b" else a.dtype
    return _reduce(operator.add, 0.0, a, axis, keepdims, d)


def mean(a: Any, axis: Any = None, keepdims: bool = False) -> ndarray:
    """Mean over `axis` (None: all)."""
    a = asarray(a)
    count = math.prod(a.shape[i] for i in _axes(axis, a.ndim))
    total = _reduce(operator.add, 0.0, a, axis, keepdims, float64 if a.dtype.kind != "f"
                    else a.dtype)
    return total / float(count) if count else total * NAN


def max(a: Any, axis: Any = None, keepdims: bool = False) -> ndarray:  # noqa: A001
    """Largest element over `axis` (nan wins)."""
    return _reduce(lambda x, y: y if y != y or y > x else x, -INF, a, axis, keepdims)


def argsort(values: Any) -> ndarray:
    """The indices that sort a 1-d sequence (int64)."""
    vals = values.tolist() if isinstance(values, ndarray) else list(values)
    order = sorted(range(len(vals)), key=vals.__getitem__)
    return ndarray(_BACKEND.tensor([float(i) for i in order], (len(order),)), int64)


def cumsum(values: Any) -> ndarray:
    """Running sums of a 1-d sequence."""
    a = asarray(values)
    out, total = [], 0.0
    for v in _BACKEND.values(a.t):
        total += v
        out.append(total)
    return ndarray(_BACKEND.tensor(out, (len(out),)), a.dtype)


def concatenate(arrays: Sequence[Any], axis: int = 0) -> ndarray:
    """Arrays joined along an existing axis (a copy)."""
    arrs = [asarray(a) for a in arrays]
    axis %= arrs[0].ndim
    moved = [transpose(a, (axis, *[d for d in range(a.ndim) if d != axis])) for a in arrs]
    values = [v for a in moved for v in _BACKEND.values(a.t)]
    rest = moved[0].shape[1:]
    joined = ndarray(_BACKEND.tensor(values, (_py.sum(a.shape[0] for a in moved), *rest)),
                     _result(*[a.dtype for a in arrs]))
    back = [0] * joined.ndim
    for new, old in enumerate((axis, *[d for d in range(joined.ndim) if d != axis])):
        back[old] = new
    return transpose(joined, back)


def stack(arrays: Sequence[Any], axis: int = 0) -> ndarray:
    """Arrays joined along a new axis (a copy)."""
    arrs = [expand_dims(asarray(a), axis) for a in arrays]
    return concatenate(arrs, axis=axis)


def prod(values: Any) -> Any:
    """The product of a sequence of numbers."""
    return math.prod(values.tolist() if isinstance(values, ndarray) else values)


# ----- views and shapes -------------------------------------------------------------------------
def transpose(a: Any, axes: Any = None) -> ndarray:
    """Permuted axes: a view."""
    a = asarray(a)
    dims = tuple(reversed(range(a.ndim))) if axes is None else tuple(x % a.ndim for x in axes)
    return ndarray(_BACKEND.permute(a.t, dims), a.dtype)


def swapaxes(a: Any, i: int, j: int) -> ndarray:
    """Two axes swapped: a view."""
    a = asarray(a)
    dims = list(range(a.ndim))
    dims[i % a.ndim], dims[j % a.ndim] = dims[j % a.ndim], dims[i % a.ndim]
    return transpose(a, dims)


def expand_dims(a: Any, axis: int) -> ndarray:
    """A new axis of size 1 at `axis`: a view."""
    a = asarray(a)
    shape = list(a.shape)
    shape.insert(axis % (a.ndim + 1), 1)
    return a.reshape(tuple(shape))


def squeeze(a: Any, axis: Any = None) -> ndarray:
    """Axes of size 1 removed: a view."""
    a = asarray(a)
    drop = _axes(axis, a.ndim) if axis is not None else [i for i, n in enumerate(a.shape)
                                                        if n == 1]
    return a.reshape(tuple(n for i, n in enumerate(a.shape) if i not in drop))


def broadcast_to(a: Any, shape: Sequence[int]) -> ndarray:
    """`a` stretched to `shape` (stride 0): a view."""
    a = asarray(a)
    return ndarray(_BACKEND.broadcast_to(a.t, tuple(shape)), a.dtype)


def windows(a: Any, kh: int, kw: int) -> ndarray:
    """The (B, C, OH, OW, kh, kw) view of every kh x kw window of `a` (B, C, H, W): your
    backend's `windows` (numpy's `sliding_window_view` on the numpy backend)."""
    a = asarray(a)
    return ndarray(_BACKEND.windows(a.t, kh, kw), a.dtype)


def matmul(a: Any, b: Any) -> ndarray:
    """a @ b for 1-d and 2-d arrays and stacks of matrices (one SGEMM per matrix pair)."""
    a, b = asarray(a), asarray(b)
    if a.ndim == 1:
        return matmul(a.reshape(1, -1), b).reshape(b.shape[1:-2] + b.shape[-1:]
                                                   if b.ndim > 1 else ())
    if b.ndim == 1:
        return matmul(a, b.reshape(-1, 1)).reshape(a.shape[:-1])
    d = _result(a.dtype, b.dtype)
    if a.ndim == 2 and b.ndim == 2:
        return ndarray(_BACKEND.matmul(a.t, b.t), d)
    lead = _broadcast_shape(a.shape[:-2], b.shape[:-2])
    a = broadcast_to(a, lead + a.shape[-2:])
    b = broadcast_to(b, lead + b.shape[-2:])
    flat_a, flat_b = a.reshape(-1, *a.shape[-2:]), b.reshape(-1, *b.shape[-2:])
    outs = [_BACKEND.values(_BACKEND.matmul(flat_a[i].t, flat_b[i].t))
            for i in range(flat_a.shape[0])]
    shape = lead + (a.shape[-2], b.shape[-1])
    return ndarray(_BACKEND.tensor([v for o in outs for v in o], shape), d)


def _broadcast_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    n = len(a) if len(a) > len(b) else len(b)
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    return tuple(x if y == 1 else y for x, y in zip(a, b, strict=True))


# ----- indexing ----------------------------------------------------------------------------
def _is_fancy(key: Any) -> bool:
    items = key if isinstance(key, tuple) else (key,)
    return bool(items) and all(isinstance(k, ndarray | list) for k in items)


def _gather_positions(a: ndarray, key: Any) -> tuple[list[int], tuple[int, ...]]:
    """Row-major element numbers picked by integer arrays (one per leading axis)."""
    items = key if isinstance(key, tuple) else (key,)
    idx = [asarray(k) for k in items]
    shape = _broadcast_shape(*[i.shape for i in idx]) if len(idx) > 1 else idx[0].shape
    cols = [[int(v) for v in _BACKEND.values(broadcast_to(i, shape).t)] for i in idx]
    strides, step = [], math.prod(a.shape[len(idx):])
    for n in reversed(a.shape[: len(idx)]):
        strides.insert(0, step)
        step *= n
    inner = math.prod(a.shape[len(idx):])
    picked = []
    for row in zip(*cols, strict=True):
        base = 0
        for i, s, n in zip(row, strides, a.shape, strict=False):
            base += (i % n) * s
        picked += range(base, base + inner)
    return picked, tuple(shape) + a.shape[len(idx):]


def _getitem(a: ndarray, key: Any) -> ndarray:
    if _is_fancy(key):
        picked, shape = _gather_positions(a, key)
        values = _BACKEND.values(a.t)
        return ndarray(_BACKEND.tensor([values[p] for p in picked], shape), a.dtype)
    items = key if isinstance(key, tuple) else (key,)
    # None adds an axis: take the rest as a view first, then reshape.
    plain = tuple(k for k in items if k is not None)
    if Ellipsis in plain:
        at = plain.index(Ellipsis)
        fill = (slice(None),) * (a.ndim - len(plain) + 1)
        plain = plain[:at] + fill + plain[at + 1:]
        items = items[: items.index(Ellipsis)] + fill + items[items.index(Ellipsis) + 1:]
    view = ndarray(_BACKEND.getitem(a.t, plain), a.dtype) if plain else a
    if len(plain) == len(items):
        return view
    shape, dims, axis = [], list(view.shape), 0
    for k in items:
        if k is None:
            shape.append(1)
        elif isinstance(k, slice):
            shape.append(dims[axis])
            axis += 1
    shape += dims[axis:]
    return view.reshape(tuple(shape))


def _setitem(a: ndarray, key: Any, value: Any) -> None:
    """Write into `a`: the backend makes a fresh contiguous copy, which `a` then holds."""
    values = _BACKEND.values(a.t)
    if _is_fancy(key):
        picked, shape = _gather_positions(a, key)
    else:
        numbers = ndarray(_BACKEND.tensor([float(i) for i in range(a.size)], a.shape), int64)
        chosen = _getitem(numbers, key)
        picked, shape = [int(v) for v in _BACKEND.values(chosen.t)], chosen.shape
    new = _BACKEND.values(broadcast_to(_operand(value, a.dtype), shape).t)
    for p, v in zip(picked, new, strict=True):
        values[p] = float(_convert(v, a.dtype))
    a.t = _BACKEND.tensor(values, a.shape)


class _Add:
    """`np.add.at(a, index, values)`: unbuffered `a[index] += values` (repeats add up)."""

    def at(self, a: ndarray, key: Any, value: Any) -> None:
        """Add `value` into `a[key]`, repeated indices adding up."""
        picked, shape = (_gather_positions(a, key) if _is_fancy(key)
                         else _gather_positions(a, (asarray(key),)))
        values = _BACKEND.values(a.t)
        for p, v in zip(picked, _BACKEND.values(broadcast_to(asarray(value), shape).t),
                        strict=True):
            values[p] += v
        a.t = _BACKEND.tensor(values, a.shape)


add = _Add()


# ----- random numbers and the rest -----------------------------------------------------------
class Generator:
    """The part of numpy's Generator level 1 uses, on Python's `random` (other numbers than
    numpy's for the same seed)."""

    def __init__(self, seed: Any = None) -> None:
        """A generator seeded by `seed` (an int, None, or a Generator to share)."""
        self.r = seed.r if isinstance(seed, Generator) else _random.Random(seed)

    def uniform(self, low: float = 0.0, high: float = 1.0, size: Any = None) -> Any:
        """Uniform numbers in [low, high)."""
        return self._fill(size, lambda: self.r.uniform(low, high))

    def normal(self, loc: float = 0.0, scale: float = 1.0, size: Any = None) -> Any:
        """Normal numbers."""
        return self._fill(size, lambda: self.r.gauss(loc, scale))

    def permutation(self, n: int) -> ndarray:
        """0..n-1 shuffled."""
        order = list(range(n))
        self.r.shuffle(order)
        return ndarray(_BACKEND.tensor([float(i) for i in order], (n,)), int64)

    def integers(self, low: int, high: int | None = None, size: Any = None) -> Any:
        """Integers in [low, high)."""
        low, high = (0, low) if high is None else (low, high)
        out = self._fill(size, lambda: float(self.r.randrange(low, high)))
        return out.astype(int64) if isinstance(out, ndarray) else int(out)

    def _fill(self, size: Any, draw: Callable[[], float]) -> Any:
        if size is None:
            return draw()
        shape = (size,) if isinstance(size, int) else tuple(size)
        return ndarray(_BACKEND.tensor([draw() for _ in range(math.prod(shape))], shape),
                       float64)


random = SimpleNamespace(default_rng=Generator, Generator=Generator)
linalg = SimpleNamespace(norm=lambda a: math.sqrt(sum(asarray(a) * asarray(a)).item()))


def array2string(a: Any, precision: int = 4) -> str:
    """The values as nested lists."""
    return repr(asarray(a).tolist())


def __getattr__(name: str) -> Any:
    """A numpy name this module does not provide: say so, naming it and the line that used it."""
    caller = _sys._getframe(1)
    where = f"{caller.f_code.co_filename.rsplit('assignments/', 1)[-1]}:{caller.f_lineno}"
    raise AttributeError(f"the capstone's numpy stand-in (stack.array) has no `np.{name}`, "
                         f"used at {where}: write that line with the names stack.array has")
