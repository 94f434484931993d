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
    ### BEGIN SOLUTION
    shape: list[int] = []
    node = data
    while isinstance(node, (list, tuple)):
        shape.append(len(node))
        if not node:
            break
        node = node[0]

    def check(node: Any, index: tuple[int, ...]) -> None:
        depth = len(index)
        if depth == len(shape):
            if isinstance(node, (list, tuple)):
                raise ValueError(
                    f"ragged nested list: expected a number at index {index}, found a list"
                )
            if not isinstance(node, (int, float)):
                raise TypeError(f"element at index {index} is {node!r}, not a number")
            return
        if not isinstance(node, (list, tuple)) or len(node) != shape[depth]:
            found = f"a list of length {len(node)}" if isinstance(node, (list, tuple)) else node
            raise ValueError(
                f"ragged nested list: expected a list of length {shape[depth]} at "
                f"index {index}, found {found!r}"
            )
        for i, child in enumerate(node):
            check(child, (*index, i))

    check(data, ())
    return tuple(shape)
    ### END SOLUTION


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
        ### BEGIN SOLUTION
        return map_nested(float, self.data)
        ### END SOLUTION

    def __getitem__(self, i: int) -> NestedTensor:
        """`t[i]`: the sub-tensor at index `i` of the first dimension, shape `shape[1:]`.

        Negative `i` counts from the end, as for lists. Raises `IndexError` when `i` is out of
        range or the tensor is 0-d, and `TypeError` when `i` is not an `int`.
        `NestedTensor([[1, 2], [3, 4]])[-1].tolist() == [3.0, 4.0]`; `t[0][1]` is 0-d.
        """
        ### BEGIN SOLUTION
        if not isinstance(i, int):
            raise TypeError(f"NestedTensor indices must be integers, not {type(i).__name__}")
        if not self.shape:
            raise IndexError("cannot index a 0-d tensor")
        size = self.shape[0]
        if not -size <= i < size:
            raise IndexError(f"index {i} is out of range for a dimension of size {size}")
        assert isinstance(self.data, list)
        return NestedTensor(self.data[i])
        ### END SOLUTION

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
        ### BEGIN SOLUTION
        if isinstance(other, (int, float)):
            b = float(other)
            return self._map(lambda a: fn(a, b))
        if not isinstance(other, NestedTensor):
            raise TypeError(f"cannot combine a NestedTensor with {type(other).__name__}")
        if self.shape != other.shape:
            raise ValueError(f"shapes {self.shape} and {other.shape} differ")

        def go(x: Nested, y: Nested) -> Nested:
            if isinstance(x, list):
                assert isinstance(y, list)
                return [go(a, b) for a, b in zip(x, y, strict=True)]
            return fn(x, y)  # type: ignore[arg-type]

        return NestedTensor(go(self.data, other.data))
        ### END SOLUTION

    def __add__(self, other: NestedTensor | Scalar) -> NestedTensor:
        """`self + other`, elementwise (see `_zip` for what `other` may be)."""
        return self._zip(other, operator.add)

    def __radd__(self, other: Scalar) -> NestedTensor:
        """`other + self` for a number `other`."""
        return self._zip(other, operator.add)

    def __sub__(self, other: NestedTensor | Scalar) -> NestedTensor:
        """`self - other`, elementwise."""
        ### BEGIN SOLUTION
        return self._zip(other, operator.sub)
        ### END SOLUTION

    def __rsub__(self, other: Scalar) -> NestedTensor:
        """`other - self` for a number `other`: `2 - t` holds `2 - x` for every element x."""
        ### BEGIN SOLUTION
        return self._zip(other, lambda a, b: b - a)
        ### END SOLUTION

    def __mul__(self, other: NestedTensor | Scalar) -> NestedTensor:
        """`self * other`, elementwise."""
        ### BEGIN SOLUTION
        return self._zip(other, operator.mul)
        ### END SOLUTION

    def __rmul__(self, other: Scalar) -> NestedTensor:
        """`other * self` for a number `other`."""
        ### BEGIN SOLUTION
        return self._zip(other, operator.mul)
        ### END SOLUTION

    def __truediv__(self, other: NestedTensor | Scalar) -> NestedTensor:
        """`self / other`, elementwise, with Python's float division (x / 0 raises)."""
        ### BEGIN SOLUTION
        return self._zip(other, operator.truediv)
        ### END SOLUTION

    def __rtruediv__(self, other: Scalar) -> NestedTensor:
        """`other / self` for a number `other`: `1 / t` holds `1 / x` for every element x."""
        ### BEGIN SOLUTION
        return self._zip(other, lambda a, b: b / a)
        ### END SOLUTION

    def __neg__(self) -> NestedTensor:
        """`-self`: every element negated."""
        ### BEGIN SOLUTION
        return self._map(operator.neg)
        ### END SOLUTION

    def sum(self) -> float:
        """The sum of all elements as a `float`: `0.0` for a tensor with no elements, the value
        itself for a 0-d tensor."""

        ### BEGIN SOLUTION
        def go(node: Nested) -> float:
            if isinstance(node, list):
                total = 0.0
                for child in node:
                    total += go(child)
                return total
            return node

        return go(self.data)
        ### END SOLUTION
