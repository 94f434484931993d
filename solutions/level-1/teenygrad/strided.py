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
    ### BEGIN SOLUTION
    shape: list[int] = []
    node = data
    while isinstance(node, list | tuple):
        shape.append(len(node))
        if not node:
            break
        node = node[0]
    values: list[float] = []

    def walk(node: Any, index: tuple[int, ...]) -> None:
        depth = len(index)
        if depth == len(shape):
            if isinstance(node, list | tuple):
                raise ValueError(
                    f"ragged nested list: expected a number at index {index}, found a list"
                )
            if not isinstance(node, (int, float)):
                raise TypeError(f"element at index {index} is {node!r}, not a number")
            values.append(float(node))
            return
        if not isinstance(node, list | tuple) or len(node) != shape[depth]:
            found = f"a list of length {len(node)}" if isinstance(node, list | tuple) else node
            raise ValueError(
                f"ragged nested list: expected a list of length {shape[depth]} at "
                f"index {index}, found {found!r}"
            )
        for i, child in enumerate(node):
            walk(child, (*index, i))

    walk(data, ())
    return tuple(shape), values
    ### END SOLUTION


def contiguous_strides(shape: Sequence[int]) -> tuple[int, ...]:
    """The row-major strides of `shape`, in elements: the last dimension has stride 1 and each
    other stride is the product of the sizes after it. `(2, 3, 4)` → `(12, 4, 1)`, `()` → `()`,
    `(2, 0, 3)` → `(0, 3, 1)`."""
    ### BEGIN SOLUTION
    strides: list[int] = []
    step = 1
    for size in reversed(shape):
        strides.append(step)
        step *= size
    return tuple(reversed(strides))
    ### END SOLUTION


def broadcast_shapes(a: Sequence[int], b: Sequence[int]) -> tuple[int, ...]:
    """The shape numpy broadcasting gives to an operation on shapes `a` and `b`.

    Align the shapes on the right (the shorter one is padded with 1s on the left); in every
    position the sizes must be equal or one of them 1, and the result takes the other one.
    `(3, 1)` and `(4,)` → `(3, 4)`; `()` and `(2,)` → `(2,)`; `(0,)` and `(1,)` → `(0,)`.
    Otherwise raise `ValueError` naming both shapes, e.g. "cannot broadcast (2, 3) with (4,)".
    """
    ### BEGIN SOLUTION
    ndim = max(len(a), len(b))
    pa = (1,) * (ndim - len(a)) + tuple(a)
    pb = (1,) * (ndim - len(b)) + tuple(b)
    out: list[int] = []
    for x, y in zip(pa, pb, strict=True):
        if x != y and x != 1 and y != 1:
            raise ValueError(f"cannot broadcast {tuple(a)} with {tuple(b)}")
        out.append(y if x == 1 else x)
    return tuple(out)
    ### END SOLUTION


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
        ### BEGIN SOLUTION
        out = [self.offset]
        for size, stride in zip(self.shape, self.strides, strict=True):
            out = [p + i * stride for p in out for i in range(size)]
        return out
        ### END SOLUTION

    def tolist(self) -> Any:
        """The elements as nested lists of floats, `shape` deep; a `float` for a 0-d tensor.
        Like numpy's `tolist`: `Tensor([[1, 2]]).T.tolist() == [[1.0], [2.0]]`."""
        ### BEGIN SOLUTION
        values = iter([self.storage[p] for p in self.positions()])

        def build(d: int) -> Any:
            if d == self.ndim:
                return next(values)
            return [build(d + 1) for _ in range(self.shape[d])]

        return build(0)
        ### END SOLUTION

    def item(self) -> float:
        """The only element of a tensor with exactly one element (any shape, e.g. `()` or
        `(1, 1)`); `ValueError` otherwise."""
        ### BEGIN SOLUTION
        if self.numel() != 1:
            raise ValueError(f"item() needs exactly one element, the shape is {self.shape}")
        return self.storage[self.positions()[0]]
        ### END SOLUTION

    # -- layout -----------------------------------------------------------------------------
    def is_contiguous(self) -> bool:
        """Whether the elements, in row-major order, sit at consecutive storage positions
        offset, offset + 1, offset + 2, ... (numpy's `flags.c_contiguous`).

        Dimensions of size 1 do not matter (their stride is never used), and a tensor with no
        elements is contiguous. The offset does not matter either: `t[1:]` of a contiguous `t`
        is contiguous.
        """
        ### BEGIN SOLUTION
        if self.numel() == 0:
            return True
        expected = 1
        for size, stride in zip(reversed(self.shape), reversed(self.strides), strict=True):
            if size != 1:
                if stride != expected:
                    return False
                expected *= size
        return True
        ### END SOLUTION

    def contiguous(self) -> Tensor:
        """A copy with fresh storage: same shape and values, row-major strides, offset 0, and a
        storage list holding exactly `numel()` elements. Always a copy, even when `self` is
        already contiguous."""
        ### BEGIN SOLUTION
        values = [self.storage[p] for p in self.positions()]
        return Tensor.from_layout(values, self.shape, contiguous_strides(self.shape), 0)
        ### END SOLUTION

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
        ### BEGIN SOLUTION
        new_shape = _resolve_shape(_as_shape(shape), self.numel(), self.shape)
        if self.numel() == 0:
            return Tensor.from_layout(
                self.storage, new_shape, contiguous_strides(new_shape), self.offset
            )
        strides = _view_strides(self.shape, self.strides, new_shape)
        if strides is None:
            copy = self.contiguous()
            return Tensor.from_layout(copy.storage, new_shape, contiguous_strides(new_shape), 0)
        return Tensor.from_layout(self.storage, new_shape, strides, self.offset)
        ### END SOLUTION

    def permute(self, *dims: Any) -> Tensor:
        """A view whose dimension i is dimension `dims[i]` of self (numpy's `transpose(axes)`).

        Accepts `t.permute(2, 0, 1)` and `t.permute((2, 0, 1))`; negative dims count from the
        end. `dims` must be a permutation of `range(ndim)`, else `ValueError`.
        """
        ### BEGIN SOLUTION
        order = tuple(_normalize_dim(d, self.ndim) for d in _as_shape(dims))
        if sorted(order) != list(range(self.ndim)):
            raise ValueError(f"{_as_shape(dims)} is not a permutation of the {self.ndim} dims")
        return Tensor.from_layout(
            self.storage,
            [self.shape[d] for d in order],
            [self.strides[d] for d in order],
            self.offset,
        )
        ### END SOLUTION

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """A view with dimensions `dim0` and `dim1` swapped (negative dims count from the end;
        out of range raises `IndexError`)."""
        ### BEGIN SOLUTION
        d0, d1 = _normalize_dim(dim0, self.ndim), _normalize_dim(dim1, self.ndim)
        order = list(range(self.ndim))
        order[d0], order[d1] = order[d1], order[d0]
        return self.permute(order)
        ### END SOLUTION

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
        ### BEGIN SOLUTION
        items = key if isinstance(key, tuple) else (key,)
        if len(items) > self.ndim:
            raise IndexError(f"too many indices ({len(items)}) for a {self.ndim}-d tensor")
        shape: list[int] = []
        strides: list[int] = []
        offset = self.offset
        for d, item in enumerate(items):
            size, stride = self.shape[d], self.strides[d]
            if isinstance(item, slice):
                start, stop, step = item.indices(size)
                count = len(range(start, stop, step))
                if count:
                    offset += start * stride
                shape.append(count)
                strides.append(stride * step)
            elif isinstance(item, int):
                i = item + size if item < 0 else item
                if not 0 <= i < size:
                    raise IndexError(
                        f"index {item} is out of range for dimension {d} of size {size}"
                    )
                offset += i * stride
            else:
                raise TypeError(f"unsupported index {item!r}: use ints and slices")
        shape += self.shape[len(items) :]
        strides += self.strides[len(items) :]
        return Tensor.from_layout(self.storage, shape, strides, offset)
        ### END SOLUTION

    def __setitem__(self, key: Index, value: Tensor | Scalar | list[Any]) -> None:
        """`t[key] = value`: write into the elements `t[key]` selects, in `storage` itself.

        `value` is a number (written everywhere), a `Tensor`, or nested lists (made a Tensor);
        a tensor value is broadcast to the selected shape (`broadcast_to`). All of `value` is
        read before anything is written, so `t[1:] = t[:-1]` works like numpy. Every tensor
        sharing this storage sees the change.
        """
        ### BEGIN SOLUTION
        target = self[key]
        where = target.positions()
        if isinstance(value, (int, float)):
            values = [float(value)] * len(where)
        else:
            source = value if isinstance(value, Tensor) else Tensor(value)
            source = source.broadcast_to(target.shape)
            values = [source.storage[p] for p in source.positions()]
        for p, v in zip(where, values, strict=True):
            self.storage[p] = v
        ### END SOLUTION

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        """A read-only-in-spirit view of self with the larger `shape` (numpy's `broadcast_to`).

        Align on the right. New leading dimensions, and dimensions of size 1 that grow, get
        stride 0 (every index reads the same element); other dimensions must keep their size
        and keep their stride. `shape` shorter than `self.shape`, a negative size, or a size
        that cannot be reached raises `ValueError` naming both shapes.
        """
        ### BEGIN SOLUTION
        target = tuple(shape)
        lead = len(target) - self.ndim
        if lead < 0 or any(size < 0 for size in target):
            raise ValueError(f"cannot broadcast {self.shape} to {target}")
        strides = [0] * lead
        for d, (old, stride) in enumerate(zip(self.shape, self.strides, strict=True)):
            new = target[lead + d]
            if new == old:
                strides.append(stride)
            elif old == 1:
                strides.append(0)
            else:
                raise ValueError(f"cannot broadcast {self.shape} to {target}")
        return Tensor.from_layout(self.storage, target, strides, self.offset)
        ### END SOLUTION

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
        ### BEGIN SOLUTION
        if isinstance(other, (int, float)):
            other = Tensor.from_layout([float(other)], (), (), 0)
        if not isinstance(other, Tensor):
            raise TypeError(f"cannot combine a Tensor with {type(other).__name__}")
        shape = broadcast_shapes(self.shape, other.shape)
        a, b = self.broadcast_to(shape), other.broadcast_to(shape)
        sa, sb = a.storage, b.storage
        values = [fn(sa[p], sb[q]) for p, q in zip(a.positions(), b.positions(), strict=True)]
        return Tensor.from_layout(values, shape, contiguous_strides(shape), 0)
        ### END SOLUTION

    def __add__(self, other: Tensor | Scalar) -> Tensor:
        """`self + other` with broadcasting."""
        return self._binary(other, operator.add)

    def __radd__(self, other: Scalar) -> Tensor:
        """`other + self` for a number `other`."""
        return self._binary(other, operator.add)

    def __sub__(self, other: Tensor | Scalar) -> Tensor:
        """`self - other` with broadcasting."""
        ### BEGIN SOLUTION
        return self._binary(other, operator.sub)
        ### END SOLUTION

    def __rsub__(self, other: Scalar) -> Tensor:
        """`other - self` for a number `other`."""
        ### BEGIN SOLUTION
        return self._binary(other, lambda a, b: b - a)
        ### END SOLUTION

    def __mul__(self, other: Tensor | Scalar) -> Tensor:
        """`self * other` with broadcasting."""
        ### BEGIN SOLUTION
        return self._binary(other, operator.mul)
        ### END SOLUTION

    def __rmul__(self, other: Scalar) -> Tensor:
        """`other * self` for a number `other`."""
        ### BEGIN SOLUTION
        return self._binary(other, operator.mul)
        ### END SOLUTION

    def __truediv__(self, other: Tensor | Scalar) -> Tensor:
        """`self / other` with broadcasting (Python float division: x / 0 raises)."""
        ### BEGIN SOLUTION
        return self._binary(other, operator.truediv)
        ### END SOLUTION

    def __rtruediv__(self, other: Scalar) -> Tensor:
        """`other / self` for a number `other`."""
        ### BEGIN SOLUTION
        return self._binary(other, lambda a, b: b / a)
        ### END SOLUTION

    def __neg__(self) -> Tensor:
        """`-self`: a new contiguous tensor with every element negated."""
        ### BEGIN SOLUTION
        values = [-self.storage[p] for p in self.positions()]
        return Tensor.from_layout(values, self.shape, contiguous_strides(self.shape), 0)
        ### END SOLUTION

    # -- reductions -------------------------------------------------------------------------
    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over `axis` (numpy's `sum`): a new contiguous tensor.

        `axis` is None (all dimensions), an int, or a tuple of ints; negative axes count from
        the end; out of range or repeated axes raise `ValueError`. The summed dimensions are
        removed, or kept with size 1 when `keepdims` is true. Summing all dimensions without
        `keepdims` gives a 0-d tensor (read it with `item()`); summing no elements gives 0.0.
        """
        ### BEGIN SOLUTION
        every = range(self.ndim)
        raw = every if axis is None else [axis] if isinstance(axis, int) else list(axis)
        axes = [_normalize_dim(a, self.ndim, ValueError) for a in raw]
        if len(set(axes)) != len(axes):
            raise ValueError(f"repeated axis in {axis}")
        kept = [d for d in range(self.ndim) if d not in axes]
        reduced = sorted(axes)
        # A view with the kept dimensions first: each run of `group` consecutive elements (in
        # row-major order) then holds the elements summed into one output.
        order = kept + reduced
        view = Tensor.from_layout(
            self.storage,
            [self.shape[d] for d in order],
            [self.strides[d] for d in order],
            self.offset,
        )
        group = 1
        for d in reduced:
            group *= self.shape[d]
        out_count = 1
        for d in kept:
            out_count *= self.shape[d]
        storage, where = self.storage, view.positions()
        values = [0.0] * out_count
        for k in range(out_count if group else 0):
            total = 0.0
            for p in where[k * group : (k + 1) * group]:
                total += storage[p]
            values[k] = total
        if keepdims:
            shape = [1 if d in axes else size for d, size in enumerate(self.shape)]
        else:
            shape = [self.shape[d] for d in kept]
        return Tensor.from_layout(values, shape, contiguous_strides(shape), 0)
        ### END SOLUTION

    # -- part `blas` ------------------------------------------------------------------------
    def __matmul__(self, other: Tensor) -> Tensor:
        """`self @ other` for two 2-d tensors: a new (m, n) tensor computed by `blas.sgemm`
        (import it inside this method). Shapes that do not fit raise `ValueError` naming both
        shapes; a tensor that is not 2-d raises `ValueError` too."""
        ### BEGIN SOLUTION
        from teenygrad.blas import sgemm

        if self.ndim != 2 or other.ndim != 2:
            raise ValueError(f"@ needs two 2-d tensors, got shapes {self.shape} and {other.shape}")
        out = Tensor.zeros((self.shape[0], other.shape[1]))
        sgemm(1.0, self, other, 0.0, out)
        return out
        ### END SOLUTION


### BEGIN SOLUTION
def _normalize_dim(dim: int, ndim: int, error: type[Exception] = IndexError) -> int:
    """`dim` in range(ndim), counting negative dims from the end."""
    if not -ndim <= dim < ndim:
        raise error(f"dimension {dim} is out of range for a {ndim}-d tensor")
    return dim + ndim if dim < 0 else dim


def _resolve_shape(shape: tuple[int, ...], numel: int, old: tuple[int, ...]) -> tuple[int, ...]:
    """`shape` with its -1 (at most one) replaced; ValueError when it cannot hold numel."""
    known = 1
    for size in shape:
        if size != -1:
            known *= size
    holes = shape.count(-1)
    bad = holes > 1 or any(size < -1 for size in shape)
    if holes == 1 and not bad:
        if known == 0 or numel % known:
            bad = True
        else:
            shape = tuple(numel // known if size == -1 else size for size in shape)
            known = numel
    if bad or known != numel:
        raise ValueError(f"cannot reshape a tensor of shape {old} into shape {shape}")
    return shape


def _view_strides(
    old_shape: Sequence[int], old_strides: Sequence[int], new_shape: Sequence[int]
) -> tuple[int, ...] | None:
    """Strides for viewing (old_shape, old_strides) as new_shape, or None if a copy is needed.

    Walk both shapes from the right in chunks: a chunk is a run of old dimensions that are
    contiguous with respect to each other (size-1 dimensions never break a run); the new
    dimensions that multiply to the chunk's size get strides stepping through it.
    """
    new_strides = [0] * len(new_shape)
    if not old_shape:
        return contiguous_strides(new_shape)  # a 0-d tensor: every new size is 1
    view_d = len(new_shape) - 1
    chunk_stride = old_strides[-1]
    old_numel = view_numel = 1
    for d in range(len(old_shape) - 1, -1, -1):
        old_numel *= old_shape[d]
        chunk_ends = d == 0 or (
            old_shape[d - 1] != 1 and old_strides[d - 1] != old_numel * chunk_stride
        )
        if not chunk_ends:
            continue
        while view_d >= 0 and (view_numel < old_numel or new_shape[view_d] == 1):
            new_strides[view_d] = view_numel * chunk_stride
            view_numel *= new_shape[view_d]
            view_d -= 1
        if view_numel != old_numel:
            return None
        if d > 0:
            chunk_stride = old_strides[d - 1]
            old_numel = view_numel = 1
    if view_d != -1:
        return None
    return tuple(new_strides)


### END SOLUTION
