"""Parts `strided` and `broadcast`: a tensor as flat storage + shape + strides + offset.

The elements live in one flat Python list, `storage`. The element at index (i0, i1, ...) sits at
storage position

    offset + i0 * strides[0] + i1 * strides[1] + ...

Strides count elements, not bytes (numpy's strides divided by the item size). A row-major
("C-contiguous") tensor of shape (2, 3) has strides (3, 1). Many operations only change shape,
strides and offset and keep the same storage list: they are *views*, free to make, and a write
through a view is visible in every tensor that shares the storage. A transpose swaps two
strides; a slice multiplies a stride by its step; `expand` sets strides to 0.

Worked for you: `_as_shape`, `Tensor.__init__`, `from_layout`, `zeros`, `ndim`, `numel`, `__len__`,
`__repr__`, `T`, `expand`, `__add__`/`__radd__`. Everything else between here and
`__matmul__` is yours. `__matmul__` belongs to the `blas` part.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

Scalar = int | float
Index = int | slice | tuple[int | slice, ...]


def flatten(data: Any) -> tuple[tuple[int, ...], list[float]]:
    """`(shape, values)` of nested lists `data`: its shape and its numbers in row-major order.

    Same rules and errors as `teenygrad.nested.infer_shape` (copy your code, do not import it:
    each module is graded on its own): the shape is read along the first element at every
    depth, then the first element that does not fit raises `ValueError` (ragged) or `TypeError`
    (not a number) naming its index as a tuple. Values are converted to `float`.
    `flatten([[1, 2], [3, 4]]) == ((2, 2), [1.0, 2.0, 3.0, 4.0])`; `flatten(5) == ((), [5.0])`.
    """
    raise NotImplementedError("flatten: not implemented yet — see the docstring")


def contiguous_strides(shape: Sequence[int]) -> tuple[int, ...]:
    """The row-major strides of `shape`, in elements: the last dimension has stride 1 and each
    other stride is the product of the sizes after it. `(2, 3, 4)` → `(12, 4, 1)`, `()` → `()`,
    `(2, 0, 3)` → `(0, 3, 1)`."""
    raise NotImplementedError("contiguous_strides: not implemented yet — see the docstring")


def broadcast_shapes(a: Sequence[int], b: Sequence[int]) -> tuple[int, ...]:
    """The shape numpy broadcasting gives to an operation on shapes `a` and `b`.

    Align the shapes on the right (the shorter one is padded with 1s on the left); in every
    position the sizes must be equal or one of them 1, and the result takes the other one.
    `(3, 1)` and `(4,)` → `(3, 4)`; `()` and `(2,)` → `(2,)`; `(0,)` and `(1,)` → `(0,)`.
    Otherwise raise `ValueError` naming both shapes, e.g. "cannot broadcast (2, 3) with (4,)".
    """
    raise NotImplementedError("broadcast_shapes: not implemented yet — see the docstring")


def _as_shape(args: tuple[Any, ...]) -> tuple[int, ...]:
    """Accept both `f(2, 3)` and `f((2, 3))`."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


class Tensor:
    """A strided tensor of floats.

    Attributes (read them freely; the tests do):
        storage: the flat `list[float]` holding the elements; views share it (`is`).
        shape:   tuple of sizes, one per dimension (`()` for a 0-d tensor).
        strides: tuple of ints, one per dimension, in elements; may be 0 (broadcast) or
                 negative (reversed slices).
        offset:  storage position of the element at index (0, 0, ..., 0).
    """

    def __init__(self, data: Any) -> None:
        """A new contiguous tensor from nested lists or a number (see `flatten`)."""
        shape, values = flatten(data)
        self.storage: list[float] = values
        self.shape: tuple[int, ...] = shape
        self.strides: tuple[int, ...] = contiguous_strides(shape)
        self.offset: int = 0

    @classmethod
    def from_layout(
        cls, storage: list[float], shape: Sequence[int], strides: Sequence[int], offset: int = 0
    ) -> Tensor:
        """A tensor over an existing `storage` list (not copied) with the given layout.

        This is how every view is made: same storage, new shape/strides/offset. The caller
        promises that every index in `shape` lands inside `storage`.
        """
        t = cls.__new__(cls)
        t.storage = storage
        t.shape = tuple(shape)
        t.strides = tuple(strides)
        t.offset = offset
        return t

    @classmethod
    def zeros(cls, shape: Sequence[int]) -> Tensor:
        """A new contiguous tensor of zeros."""
        count = 1
        for size in shape:
            count *= size
        return cls.from_layout([0.0] * count, tuple(shape), contiguous_strides(shape), 0)

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return len(self.shape)

    def numel(self) -> int:
        """The number of elements: the product of the shape (1 for a 0-d tensor)."""
        count = 1
        for size in self.shape:
            count *= size
        return count

    def __len__(self) -> int:
        """The size of the first dimension; `TypeError` for a 0-d tensor (like numpy)."""
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __repr__(self) -> str:
        """`Tensor(shape=(2, 3), strides=(3, 1), offset=0)`."""
        return f"Tensor(shape={self.shape}, strides={self.strides}, offset={self.offset})"

    # -- reading elements -------------------------------------------------------------------
    def positions(self) -> list[int]:
        """The storage position of every element, in row-major order of the indices.

        A 0-d tensor has one element, at `offset`; a tensor with a 0 in its shape has none.
        For shape (2, 2), strides (1, 2), offset 1: `[1, 3, 2, 4]`.
        """
        raise NotImplementedError("Tensor.positions: not implemented yet — see the docstring")

    def tolist(self) -> Any:
        """The elements as nested lists of floats, `shape` deep; a `float` for a 0-d tensor.
        Like numpy's `tolist`: `Tensor([[1, 2]]).T.tolist() == [[1.0], [2.0]]`."""
        raise NotImplementedError("Tensor.tolist: not implemented yet — see the docstring")

    def item(self) -> float:
        """The only element of a tensor with exactly one element (any shape, e.g. `()` or
        `(1, 1)`); `ValueError` otherwise."""
        raise NotImplementedError("Tensor.item: not implemented yet — see the docstring")

    # -- layout -----------------------------------------------------------------------------
    def is_contiguous(self) -> bool:
        """Whether the elements, in row-major order, sit at consecutive storage positions
        offset, offset + 1, offset + 2, ... (numpy's `flags.c_contiguous`).

        Dimensions of size 1 do not matter (their stride is never used), and a tensor with no
        elements is contiguous. The offset does not matter either: `t[1:]` of a contiguous `t`
        is contiguous.
        """
        raise NotImplementedError("Tensor.is_contiguous: not implemented yet — see the docstring")

    def contiguous(self) -> Tensor:
        """A copy with fresh storage: same shape and values, row-major strides, offset 0, and a
        storage list holding exactly `numel()` elements. Always a copy, even when `self` is
        already contiguous."""
        raise NotImplementedError("Tensor.contiguous: not implemented yet — see the docstring")

    def reshape(self, *shape: Any) -> Tensor:
        """The same elements in row-major order, with a new shape; a view when possible.

        Accepts `t.reshape(2, 3)` and `t.reshape((2, 3))`; one size may be -1 (inferred; not
        beside a size 0, where any size would fit: numpy refuses that too). Sizes that do not
        multiply to `numel()`, more than one -1, or a size below -1 raise `ValueError` naming
        both shapes.

        Like numpy: when the new shape can be expressed with strides over the same storage
        (always for a contiguous tensor; for a strided one, when each group of old dimensions
        that is merged or split is itself laid out contiguously), return that view, sharing
        `storage`. Otherwise return a contiguous copy (fresh storage, offset 0). The strides of
        a view must be numpy's in every dimension of size > 1. For a tensor with no elements
        either answer is accepted.
        """
        raise NotImplementedError("Tensor.reshape: not implemented yet — see the docstring")

    def permute(self, *dims: Any) -> Tensor:
        """A view whose dimension i is dimension `dims[i]` of self (numpy's `transpose(axes)`).

        Accepts `t.permute(2, 0, 1)` and `t.permute((2, 0, 1))`; negative dims count from the
        end. `dims` must be a permutation of `range(ndim)`, else `ValueError`.
        """
        raise NotImplementedError("Tensor.permute: not implemented yet — see the docstring")

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """A view with dimensions `dim0` and `dim1` swapped (negative dims count from the end;
        out of range raises `IndexError`)."""
        raise NotImplementedError("Tensor.transpose: not implemented yet — see the docstring")

    @property
    def T(self) -> Tensor:
        """A view with all dimensions reversed (numpy's `.T`)."""
        return self.permute(tuple(reversed(range(self.ndim))))

    def __getitem__(self, key: Index) -> Tensor:
        """Basic indexing, always a view: `t[1]`, `t[1:3, ::-2]`, `t[-1, 0]`, `t[()]`.

        `key` is an int, a slice, or a tuple of ints and slices, one per leading dimension
        (missing trailing dimensions are kept whole). An int picks one index and drops its
        dimension (negative counts from the end; out of range raises `IndexError`); a slice
        keeps the dimension with Python's slice rules (`slice.indices`), multiplying the stride
        by the step. Indexing every dimension with ints gives a 0-d view. More indices than
        dimensions raise `IndexError`; any other kind of key raises `TypeError`.
        """
        raise NotImplementedError("Tensor.__getitem__: not implemented yet — see the docstring")

    def __setitem__(self, key: Index, value: Tensor | Scalar | list[Any]) -> None:
        """`t[key] = value`: write into the elements `t[key]` selects, in `storage` itself.

        `value` is a number (written everywhere), a `Tensor`, or nested lists (made a Tensor);
        a tensor value is broadcast to the selected shape (`broadcast_to`). All of `value` is
        read before anything is written, so `t[1:] = t[:-1]` works like numpy. Every tensor
        sharing this storage sees the change.
        """
        raise NotImplementedError("Tensor.__setitem__: not implemented yet — see the docstring")

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        """A read-only-in-spirit view of self with the larger `shape` (numpy's `broadcast_to`).

        Align on the right. New leading dimensions, and dimensions of size 1 that grow, get
        stride 0 (every index reads the same element); other dimensions must keep their size
        and keep their stride. `shape` shorter than `self.shape`, a negative size, or a size
        that cannot be reached raises `ValueError` naming both shapes.
        """
        raise NotImplementedError("Tensor.broadcast_to: not implemented yet — see the docstring")

    def expand(self, *sizes: Any) -> Tensor:
        """PyTorch's name for `broadcast_to`; a size of -1 keeps that dimension's size.
        `Tensor([[1], [2]]).expand(-1, 3).shape == (2, 3)`."""
        sizes = _as_shape(sizes)
        lead = len(sizes) - self.ndim
        resolved = [
            self.shape[d - lead] if size == -1 and d >= lead else size
            for d, size in enumerate(sizes)
        ]
        return self.broadcast_to(resolved)

    # -- elementwise arithmetic -------------------------------------------------------------
    def _binary(self, other: Tensor | Scalar, fn: Callable[[float, float], float]) -> Tensor:
        """A new contiguous tensor holding `fn(a, b)` over the broadcast of self and other.

        `other` is a `Tensor` or a number (a number acts as a 0-d tensor). The result has
        shape `broadcast_shapes(self.shape, other.shape)` (its `ValueError` on mismatch), fresh
        storage, row-major strides and offset 0; neither operand is modified. Another type of
        `other` raises `TypeError`.
        """
        raise NotImplementedError("Tensor._binary: not implemented yet — see the docstring")

    def __add__(self, other: Tensor | Scalar) -> Tensor:
        """`self + other` with broadcasting."""
        return self._binary(other, operator.add)

    def __radd__(self, other: Scalar) -> Tensor:
        """`other + self` for a number `other`."""
        return self._binary(other, operator.add)

    def __sub__(self, other: Tensor | Scalar) -> Tensor:
        """`self - other` with broadcasting."""
        raise NotImplementedError("Tensor.__sub__: not implemented yet — see the docstring")

    def __rsub__(self, other: Scalar) -> Tensor:
        """`other - self` for a number `other`."""
        raise NotImplementedError("Tensor.__rsub__: not implemented yet — see the docstring")

    def __mul__(self, other: Tensor | Scalar) -> Tensor:
        """`self * other` with broadcasting."""
        raise NotImplementedError("Tensor.__mul__: not implemented yet — see the docstring")

    def __rmul__(self, other: Scalar) -> Tensor:
        """`other * self` for a number `other`."""
        raise NotImplementedError("Tensor.__rmul__: not implemented yet — see the docstring")

    def __truediv__(self, other: Tensor | Scalar) -> Tensor:
        """`self / other` with broadcasting (Python float division: x / 0 raises)."""
        raise NotImplementedError("Tensor.__truediv__: not implemented yet — see the docstring")

    def __rtruediv__(self, other: Scalar) -> Tensor:
        """`other / self` for a number `other`."""
        raise NotImplementedError("Tensor.__rtruediv__: not implemented yet — see the docstring")

    def __neg__(self) -> Tensor:
        """`-self`: a new contiguous tensor with every element negated."""
        raise NotImplementedError("Tensor.__neg__: not implemented yet — see the docstring")

    # -- reductions -------------------------------------------------------------------------
    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over `axis` (numpy's `sum`): a new contiguous tensor.

        `axis` is None (all dimensions), an int, or a tuple of ints; negative axes count from
        the end; out of range or repeated axes raise `ValueError`. The summed dimensions are
        removed, or kept with size 1 when `keepdims` is true. Summing all dimensions without
        `keepdims` gives a 0-d tensor (read it with `item()`); summing no elements gives 0.0.
        """
        raise NotImplementedError("Tensor.sum: not implemented yet — see the docstring")

    # -- part `blas` ------------------------------------------------------------------------
    def __matmul__(self, other: Tensor) -> Tensor:
        """`self @ other` for two 2-d tensors: a new (m, n) tensor computed by `blas.sgemm`
        (import it inside this method). Shapes that do not fit raise `ValueError` naming both
        shapes; a tensor that is not 2-d raises `ValueError` too."""
        raise NotImplementedError("Tensor.__matmul__: not implemented yet — see the docstring")
