"""Part `nested`: the simplest tensor, stored as nested Python lists of floats.

A scalar x is a `float`, a vector is a `list[float]`, a matrix a `list[list[float]]`, and so on:
the nesting depth is the number of dimensions. Every operation walks the nesting recursively.

Worked for you: `map_nested`, `NestedTensor.__init__`, `__len__`, `__repr__`, `_map`, `__add__`.
Yours: `infer_shape`, `tolist`, `__getitem__`, `_zip`, the other arithmetic operators, `sum`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

Scalar = int | float
Nested = float | list[Any]  # a float, or a list of Nested (one level per dimension)


def map_nested(fn: Callable[[Any], float], node: Any) -> Nested:
    """Apply `fn` to every number of a nested list; return a new nested list (lists, not tuples).

    Worked example of the recursion every function in this module uses: a list is handled by
    recursing into each child, anything else is a leaf.
    """
    if isinstance(node, (list, tuple)):
        return [map_nested(fn, child) for child in node]
    return fn(node)


def infer_shape(data: Any) -> tuple[int, ...]:
    """The shape of nested lists `data`, after checking that it is a well-formed tensor.

    Contract:
    - A number (`int` or `float`) is a 0-d tensor: shape `()`. A list (or tuple) of length n
      adds a dimension of size n in front of the shape of its elements: `[[1, 2], [3, 4]]` has
      shape `(2, 2)`, `[]` has shape `(0,)`, `[[], []]` has shape `(2, 0)`.
    - The expected shape is read along the first element at every depth (`data`, `data[0]`,
      `data[0][0]`, ...). Then every element is checked in row-major order; the first one that
      does not fit raises, with its index written as a Python tuple, e.g. `(1, 0)`:
        * `ValueError` (ragged) when a list has the wrong length, when a list is found where a
          number is expected, or a number where a list is expected:
          `infer_shape([[1, 2], [3]])` raises `ValueError` naming `(1,)`;
        * `TypeError` when a leaf is not an `int` or a `float` (a `str`, `None`, ...):
          `infer_shape([[1, "a"]])` raises `TypeError` naming `(0, 1)`;
          `infer_shape("a")` raises `TypeError` naming `()`.
    """
    raise NotImplementedError("infer_shape: not implemented yet — see the docstring")


class NestedTensor:
    """A tensor stored as nested lists of floats.

    Attributes:
        data: a `float` (0-d) or nested lists of floats, nested `len(shape)` deep. The tensor
            owns it: it never shares lists with the caller's input or with other tensors.
        shape: a tuple of ints, as given by `infer_shape`.
    """

    def __init__(self, data: Any) -> None:
        """Check `data` with `infer_shape` (which raises on bad input), then copy it as floats."""
        self.shape: tuple[int, ...] = infer_shape(data)
        self.data: Nested = map_nested(float, data)

    def __len__(self) -> int:
        """The size of the first dimension; `TypeError` for a 0-d tensor (like numpy)."""
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __repr__(self) -> str:
        """`NestedTensor([[1.0, 2.0]])`."""
        return f"NestedTensor({self.data!r})"

    def tolist(self) -> Nested:
        """The elements as new nested lists of floats (a `float` for a 0-d tensor).

        The result is a copy: changing it must not change the tensor.
        """
        raise NotImplementedError("NestedTensor.tolist: not implemented yet — see the docstring")

    def __getitem__(self, i: int) -> NestedTensor:
        """`t[i]`: the sub-tensor at index `i` of the first dimension, shape `shape[1:]`.

        Negative `i` counts from the end, as for lists. Raises `IndexError` when `i` is out of
        range or the tensor is 0-d, and `TypeError` when `i` is not an `int`.
        `NestedTensor([[1, 2], [3, 4]])[-1].tolist() == [3.0, 4.0]`; `t[0][1]` is 0-d.
        """
        raise NotImplementedError("NestedTensor.__getitem__: not implemented yet — see the docstring")

    def _map(self, fn: Callable[[float], float]) -> NestedTensor:
        """A new tensor of the same shape holding `fn(x)` for every element `x`."""
        return NestedTensor(map_nested(fn, self.data))

    def _zip(
        self, other: NestedTensor | Scalar, fn: Callable[[float, float], float]
    ) -> NestedTensor:
        """A new tensor holding `fn(a, b)` for the elements `a` of self and `b` of other.

        `other` is either an `int`/`float` (then `b` is that number for every element) or a
        `NestedTensor` of exactly the same shape (no broadcasting in this part). A shape
        mismatch raises `ValueError` naming both shapes, e.g. "shapes (2, 3) and (3,) differ".
        Any other type of `other` raises `TypeError`.
        """
        raise NotImplementedError("NestedTensor._zip: not implemented yet — see the docstring")

    def __add__(self, other: NestedTensor | Scalar) -> NestedTensor:
        """`self + other`, elementwise (see `_zip` for what `other` may be)."""
        return self._zip(other, operator.add)

    def __radd__(self, other: Scalar) -> NestedTensor:
        """`other + self` for a number `other`."""
        return self._zip(other, operator.add)

    def __sub__(self, other: NestedTensor | Scalar) -> NestedTensor:
        """`self - other`, elementwise."""
        raise NotImplementedError("NestedTensor.__sub__: not implemented yet — see the docstring")

    def __rsub__(self, other: Scalar) -> NestedTensor:
        """`other - self` for a number `other`: `2 - t` holds `2 - x` for every element x."""
        raise NotImplementedError("NestedTensor.__rsub__: not implemented yet — see the docstring")

    def __mul__(self, other: NestedTensor | Scalar) -> NestedTensor:
        """`self * other`, elementwise."""
        raise NotImplementedError("NestedTensor.__mul__: not implemented yet — see the docstring")

    def __rmul__(self, other: Scalar) -> NestedTensor:
        """`other * self` for a number `other`."""
        raise NotImplementedError("NestedTensor.__rmul__: not implemented yet — see the docstring")

    def __truediv__(self, other: NestedTensor | Scalar) -> NestedTensor:
        """`self / other`, elementwise, with Python's float division (x / 0 raises)."""
        raise NotImplementedError("NestedTensor.__truediv__: not implemented yet — see the docstring")

    def __rtruediv__(self, other: Scalar) -> NestedTensor:
        """`other / self` for a number `other`: `1 / t` holds `1 / x` for every element x."""
        raise NotImplementedError("NestedTensor.__rtruediv__: not implemented yet — see the docstring")

    def __neg__(self) -> NestedTensor:
        """`-self`: every element negated."""
        raise NotImplementedError("NestedTensor.__neg__: not implemented yet — see the docstring")

    def sum(self) -> float:
        """The sum of all elements as a `float`: `0.0` for a tensor with no elements, the value
        itself for a 0-d tensor."""

        raise NotImplementedError("NestedTensor.sum: not implemented yet — see the docstring")
