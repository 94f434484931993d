"""Differentiable ops on `Tensor`, each with its vector-Jacobian product (VJP) beside it.

Every op follows the same pattern (see `add` and `mul`, given complete):

1. lift the inputs to tensors (`_lift`: Python numbers and arrays become constant tensors);
2. compute the result with numpy on `.data`;
3. define `vjp(grad_out)`, returning one gradient per input, each with that input's shape;
4. return `Tensor.from_op(result, inputs, vjp, name)`.

Broadcasting follows numpy everywhere. When an input was broadcast in the forward pass, its
gradient must be summed back to the input's shape: that is `unbroadcast`.

Conventions at kinks (the tests rely on them): relu'(0) = 0, |x|'(0) = 0, and at ties of
`maximum`/`minimum` the gradient is split equally between the two inputs; `max` over an axis
splits the gradient equally among all the entries equal to the maximum.

Graded in part `ops` (`unbroadcast` and every op below `mul`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from teenygrad.tensor import Tensor

Axis = int | tuple[int, ...] | None


def _lift(x: Any, like: Tensor | None = None) -> Tensor:
    """`x` itself if it is a Tensor, else a constant tensor (no gradient).

    A Python number next to a floating tensor takes that tensor's dtype, so `x32 * 2` stays
    float32.
    """
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (bool, int, float)) and like is not None and like.data.dtype.kind == "f":
        return Tensor(np.asarray(x, dtype=like.data.dtype))
    return Tensor(x)


def _lift2(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Both operands of a binary op as tensors (numbers take the other operand's dtype)."""
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
    return _lift(a, like), _lift(b, like)


def _axes(axis: Axis, ndim: int) -> tuple[int, ...]:
    """`axis` as a sorted tuple of non-negative axes (None means every axis)."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(sorted(a % ndim if ndim else a for a in axis))


def unbroadcast(grad: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """Sum `grad` (shaped like a broadcast result) back down to `shape`.

    Contract: `shape` broadcasts to `grad.shape`. Leading axes that broadcasting added are
    summed away; axes where `shape` has size 1 and `grad` does not are summed with keepdims.
    The result has exactly `shape`. When `grad.shape == shape`, `grad` itself is returned.
    Example: grad of shape (4, 2, 3) and shape (2, 1) -> sum over axis 0 and axis 2 -> (2, 1).
    """
    ### BEGIN SOLUTION
    shape = tuple(shape)
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad.reshape(shape)
    ### END SOLUTION


# ----- worked examples: copy their pattern ---------------------------------------------------


def add(a: Any, b: Any) -> Tensor:
    """a + b, broadcasting. VJP: grad_out goes unchanged to both, unbroadcast to each shape."""
    a, b = _lift2(a, b)

    def vjp(grad_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return unbroadcast(grad_out, a.shape), unbroadcast(grad_out, b.shape)

    return Tensor.from_op(a.data + b.data, (a, b), vjp, "add")


def mul(a: Any, b: Any) -> Tensor:
    """a * b, broadcasting. VJP: (grad_out * b, grad_out * a), each unbroadcast."""
    a, b = _lift2(a, b)

    def vjp(grad_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (unbroadcast(grad_out * b.data, a.shape),
                unbroadcast(grad_out * a.data, b.shape))

    return Tensor.from_op(a.data * b.data, (a, b), vjp, "mul")


# ----- arithmetic ------------------------------------------------------------------------------


def sub(a: Any, b: Any) -> Tensor:
    """a - b, broadcasting. VJP: (grad_out, -grad_out), each unbroadcast."""
    ### BEGIN SOLUTION
    a, b = _lift2(a, b)

    def vjp(grad_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return unbroadcast(grad_out, a.shape), unbroadcast(-grad_out, b.shape)

    return Tensor.from_op(a.data - b.data, (a, b), vjp, "sub")
    ### END SOLUTION


def div(a: Any, b: Any) -> Tensor:
    """a / b, broadcasting. VJP: (grad_out / b, -grad_out * a / b**2), each unbroadcast."""
    ### BEGIN SOLUTION
    a, b = _lift2(a, b)

    def vjp(grad_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        grad_a = grad_out / b.data
        return unbroadcast(grad_a, a.shape), unbroadcast(-grad_a * a.data / b.data, b.shape)

    return Tensor.from_op(a.data / b.data, (a, b), vjp, "div")
    ### END SOLUTION


def neg(a: Any) -> Tensor:
    """-a. VJP: -grad_out."""
    ### BEGIN SOLUTION
    a = _lift(a)
    return Tensor.from_op(-a.data, (a,), lambda grad_out: (-grad_out,), "neg")
    ### END SOLUTION


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001  (the name of the operator)
    """a ** b for a number or a tensor exponent, broadcasting.

    VJP: d/da = b * a**(b-1); d/db = a**b * log(a) where a > 0 and 0 where a <= 0 (the real
    power has no derivative in b there). Tests use positive bases for non-integer exponents.
    """
    ### BEGIN SOLUTION
    a, b = _lift2(a, b)
    out = a.data**b.data

    def vjp(grad_out: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        grad_a = unbroadcast(grad_out * b.data * a.data ** (b.data - 1), a.shape)
        if not b.requires_grad:
            return grad_a, None
        positive = a.data > 0
        log_a = np.log(np.where(positive, a.data, 1.0))
        return grad_a, unbroadcast(np.where(positive, grad_out * out * log_a, 0.0), b.shape)

    return Tensor.from_op(out, (a, b), vjp, "pow")
    ### END SOLUTION


def matmul(a: Any, b: Any) -> Tensor:
    """a @ b with numpy's rules: 1-d, 2-d, and stacks of matrices with broadcast batch dims.

    A 1-d `a` is treated as a row (1, k) and a 1-d `b` as a column (k, 1); the added axis is
    removed from the result. VJP: grad_a = grad_out @ b^T, grad_b = a^T @ grad_out (^T swaps
    the last two axes), with the batch dims unbroadcast and the 1-d promotions undone. (A VJP
    may return None for an input that does not require grad: here that saves a matmul.)
    """
    ### BEGIN SOLUTION
    a, b = _lift2(a, b)

    def vjp(grad_out: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        a2 = a.data if a.ndim > 1 else a.data[None, :]
        b2 = b.data if b.ndim > 1 else b.data[:, None]
        g = grad_out
        if b.ndim == 1:
            g = np.expand_dims(g, -1)
        if a.ndim == 1:
            g = np.expand_dims(g, -2)
        grad_a = grad_b = None  # skip the product nobody needs (e.g. for the input batch)
        if a.requires_grad:
            grad_a = unbroadcast(g @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
        if b.requires_grad and b2.ndim == 2:
            # b is one matrix: sum over a's batch in one product, in b's memory layout (for
            # b = W.T that layout is W's, so an optimizer later updates W contiguously).
            a_flat, g_flat = a2.reshape(-1, a2.shape[-1]), g.reshape(-1, g.shape[-1])
            grad_b = (a_flat.T @ g_flat if b2.flags.c_contiguous
                      else (g_flat.T @ a_flat).T).reshape(b.shape)
        elif b.requires_grad:
            grad_b = unbroadcast(np.swapaxes(a2, -1, -2) @ g, b2.shape).reshape(b.shape)
        return grad_a, grad_b

    return Tensor.from_op(a.data @ b.data, (a, b), vjp, "matmul")
    ### END SOLUTION


# ----- elementwise functions -------------------------------------------------------------------


def exp(a: Any) -> Tensor:
    """e**a. VJP: grad_out * e**a (reuse the output)."""
    ### BEGIN SOLUTION
    a = _lift(a)
    out = np.exp(a.data)
    return Tensor.from_op(out, (a,), lambda grad_out: (grad_out * out,), "exp")
    ### END SOLUTION


def log(a: Any) -> Tensor:
    """Natural log of a (a > 0). VJP: grad_out / a."""
    ### BEGIN SOLUTION
    a = _lift(a)
    return Tensor.from_op(np.log(a.data), (a,), lambda grad_out: (grad_out / a.data,), "log")
    ### END SOLUTION


def sin(a: Any) -> Tensor:
    """sin(a). VJP: grad_out * cos(a)."""
    ### BEGIN SOLUTION
    a = _lift(a)
    return Tensor.from_op(np.sin(a.data), (a,),
                          lambda grad_out: (grad_out * np.cos(a.data),), "sin")
    ### END SOLUTION


def cos(a: Any) -> Tensor:
    """cos(a). VJP: -grad_out * sin(a)."""
    ### BEGIN SOLUTION
    a = _lift(a)
    return Tensor.from_op(np.cos(a.data), (a,),
                          lambda grad_out: (-grad_out * np.sin(a.data),), "cos")
    ### END SOLUTION


def tanh(a: Any) -> Tensor:
    """tanh(a). VJP: grad_out * (1 - tanh(a)**2)."""
    ### BEGIN SOLUTION
    a = _lift(a)
    out = np.tanh(a.data)
    return Tensor.from_op(out, (a,), lambda grad_out: (grad_out * (1 - out * out),), "tanh")
    ### END SOLUTION


def sigmoid(a: Any) -> Tensor:
    """1 / (1 + e**-a), without overflow for large |a|. VJP: grad_out * s * (1 - s)."""
    ### BEGIN SOLUTION
    a = _lift(a)
    e = np.exp(-np.abs(a.data))  # in (0, 1]: never overflows
    out = np.where(a.data >= 0, 1 / (1 + e), e / (1 + e))
    return Tensor.from_op(out, (a,), lambda grad_out: (grad_out * out * (1 - out),), "sigmoid")
    ### END SOLUTION


def relu(a: Any) -> Tensor:
    """max(a, 0). VJP: grad_out where a > 0, else 0 (so relu'(0) = 0)."""
    ### BEGIN SOLUTION
    a = _lift(a)
    out = np.maximum(a.data, 0)
    return Tensor.from_op(out, (a,), lambda grad_out: (np.where(out > 0, grad_out, 0),), "relu")
    ### END SOLUTION


def sqrt(a: Any) -> Tensor:
    """Square root of a (a > 0 for the gradient). VJP: grad_out / (2 * sqrt(a))."""
    ### BEGIN SOLUTION
    a = _lift(a)
    out = np.sqrt(a.data)
    return Tensor.from_op(out, (a,), lambda grad_out: (grad_out / (2 * out),), "sqrt")
    ### END SOLUTION


def abs(a: Any) -> Tensor:  # noqa: A001
    """|a|. VJP: grad_out * sign(a) (0 at a = 0)."""
    ### BEGIN SOLUTION
    a = _lift(a)
    return Tensor.from_op(np.abs(a.data), (a,),
                          lambda grad_out: (grad_out * np.sign(a.data),), "abs")
    ### END SOLUTION


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise larger of a and b, broadcasting.

    VJP: grad_out goes to the larger input; where a == b it is split, half to each. (The
    course notebook's autodidact `maximum_vjp` gives all of it to b at ties; the kit grades the
    split because it is symmetric in a and b and matches `max`, which splits among ties.)
    """
    ### BEGIN SOLUTION
    a, b = _lift2(a, b)
    share_a = np.where(a.data > b.data, 1.0, np.where(a.data == b.data, 0.5, 0.0))

    def vjp(grad_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (unbroadcast(grad_out * share_a, a.shape),
                unbroadcast(grad_out * (1 - share_a), b.shape))

    return Tensor.from_op(np.maximum(a.data, b.data), (a, b), vjp, "maximum")
    ### END SOLUTION


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise smaller of a and b, broadcasting. VJP: like `maximum`, ties split."""
    ### BEGIN SOLUTION
    a, b = _lift2(a, b)
    share_a = np.where(a.data < b.data, 1.0, np.where(a.data == b.data, 0.5, 0.0))

    def vjp(grad_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (unbroadcast(grad_out * share_a, a.shape),
                unbroadcast(grad_out * (1 - share_a), b.shape))

    return Tensor.from_op(np.minimum(a.data, b.data), (a, b), vjp, "minimum")
    ### END SOLUTION


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """a where `condition` is true, else b; all three broadcast together.

    `condition` is a bool array or a bool Tensor and gets no gradient. VJP: grad_out where
    the condition holds to a (0 elsewhere), the rest to b, each unbroadcast.
    """
    ### BEGIN SOLUTION
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition, bool)
    a, b = _lift2(a, b)

    def vjp(grad_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (unbroadcast(np.where(cond, grad_out, 0.0), a.shape),
                unbroadcast(np.where(cond, 0.0, grad_out), b.shape))

    return Tensor.from_op(np.where(cond, a.data, b.data), (a, b), vjp, "where")
    ### END SOLUTION


# ----- reductions ------------------------------------------------------------------------------


def sum(a: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum over `axis` (an int, a tuple, or None for all), like `np.sum`.

    VJP: grad_out (with the reduced axes put back as size 1) broadcast to a's shape.
    """
    ### BEGIN SOLUTION
    a = _lift(a)
    axes = _axes(axis, a.ndim)
    kept = [1 if i in axes else n for i, n in enumerate(a.shape)]

    def vjp(grad_out: np.ndarray) -> tuple[np.ndarray]:
        return (np.broadcast_to(grad_out.reshape(kept), a.shape),)

    return Tensor.from_op(np.sum(a.data, axis=axis, keepdims=keepdims), (a,), vjp, "sum")
    ### END SOLUTION


def mean(a: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Mean over `axis`, like `np.mean`. VJP: like `sum`, divided by the count averaged."""
    ### BEGIN SOLUTION
    a = _lift(a)
    axes = _axes(axis, a.ndim)
    count = int(np.prod([a.shape[i] for i in axes]))
    kept = [1 if i in axes else n for i, n in enumerate(a.shape)]

    def vjp(grad_out: np.ndarray) -> tuple[np.ndarray]:
        return (np.broadcast_to(grad_out.reshape(kept) / count, a.shape),)

    return Tensor.from_op(np.mean(a.data, axis=axis, keepdims=keepdims), (a,), vjp, "mean")
    ### END SOLUTION


def max(a: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Maximum over `axis`, like `np.max`.

    VJP: grad_out goes to the arg-max; when several entries tie for the maximum it is split
    equally among them (each gets grad_out / number_of_ties).
    """
    ### BEGIN SOLUTION
    a = _lift(a)
    out = np.max(a.data, axis=axis, keepdims=True)

    def vjp(grad_out: np.ndarray) -> tuple[np.ndarray]:
        winners = a.data == out
        share = winners / np.sum(winners, axis=axis, keepdims=True)
        return (share * grad_out.reshape(out.shape),)

    result = out if keepdims else np.squeeze(out, axis=_axes(axis, a.ndim))
    return Tensor.from_op(result, (a,), vjp, "max")
    ### END SOLUTION


def logsumexp(a: Any, axis: Axis = -1, keepdims: bool = False) -> Tensor:
    """log(sum(exp(a))) over `axis`, stable for huge |a| (shift by the max first).

    VJP: grad_out * softmax(a) along `axis` (grad_out with the reduced axes kept).
    """
    ### BEGIN SOLUTION
    a = _lift(a)
    shift = np.max(a.data, axis=axis, keepdims=True)
    shift = np.where(np.isfinite(shift), shift, 0.0)
    out = np.log(np.sum(np.exp(a.data - shift), axis=axis, keepdims=True)) + shift

    def vjp(grad_out: np.ndarray) -> tuple[np.ndarray]:
        return (grad_out.reshape(out.shape) * np.exp(a.data - out),)

    result = out if keepdims else np.squeeze(out, axis=_axes(axis, a.ndim))
    return Tensor.from_op(result, (a,), vjp, "logsumexp")
    ### END SOLUTION


def softmax(a: Any, axis: int = -1) -> Tensor:
    """exp(a) / sum(exp(a)) along `axis`, stable for huge |a|.

    VJP: s * (grad_out - sum(grad_out * s, axis, keepdims=True)) with s the output.
    """
    ### BEGIN SOLUTION
    a = _lift(a)
    e = np.exp(a.data - np.max(a.data, axis=axis, keepdims=True))
    out = e / np.sum(e, axis=axis, keepdims=True)

    def vjp(grad_out: np.ndarray) -> tuple[np.ndarray]:
        return (out * (grad_out - np.sum(grad_out * out, axis=axis, keepdims=True)),)

    return Tensor.from_op(out, (a,), vjp, "softmax")
    ### END SOLUTION


def log_softmax(a: Any, axis: int = -1) -> Tensor:
    """a - logsumexp(a) along `axis`, stable for huge |a|.

    VJP: grad_out - softmax(a) * sum(grad_out, axis, keepdims=True).
    """
    ### BEGIN SOLUTION
    a = _lift(a)
    shifted = a.data - np.max(a.data, axis=axis, keepdims=True)
    out = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))

    def vjp(grad_out: np.ndarray) -> tuple[np.ndarray]:
        return (grad_out - np.exp(out) * np.sum(grad_out, axis=axis, keepdims=True),)

    return Tensor.from_op(out, (a,), vjp, "log_softmax")
    ### END SOLUTION


# ----- shapes ----------------------------------------------------------------------------------


def reshape(a: Any, shape: Sequence[int]) -> Tensor:
    """Same values in a new shape (one entry may be -1). VJP: grad_out reshaped to a's shape."""
    ### BEGIN SOLUTION
    a = _lift(a)
    return Tensor.from_op(a.data.reshape(tuple(shape)), (a,),
                          lambda grad_out: (grad_out.reshape(a.shape),), "reshape")
    ### END SOLUTION


def transpose(a: Any, axes: Sequence[int] | None = None) -> Tensor:
    """Permute the axes like `np.transpose` (reverse them when `axes` is None).

    VJP: grad_out transposed by the inverse permutation.
    """
    ### BEGIN SOLUTION
    a = _lift(a)
    perm = tuple(range(a.ndim))[::-1] if axes is None else tuple(ax % a.ndim for ax in axes)
    inverse = tuple(np.argsort(perm))
    return Tensor.from_op(np.transpose(a.data, perm), (a,),
                          lambda grad_out: (np.transpose(grad_out, inverse),), "transpose")
    ### END SOLUTION


def permute(a: Any, axes: Sequence[int]) -> Tensor:
    """Same as `transpose(a, axes)`."""
    return transpose(a, axes)


def broadcast_to(a: Any, shape: Sequence[int]) -> Tensor:
    """a broadcast to `shape` like `np.broadcast_to` (alias `expand`). VJP: unbroadcast."""
    ### BEGIN SOLUTION
    a = _lift(a)
    return Tensor.from_op(np.broadcast_to(a.data, tuple(shape)), (a,),
                          lambda grad_out: (unbroadcast(grad_out, a.shape),), "broadcast_to")
    ### END SOLUTION


def expand(a: Any, shape: Sequence[int]) -> Tensor:
    """Same as `broadcast_to(a, shape)`."""
    return broadcast_to(a, shape)


def getitem(a: Any, index: Any) -> Tensor:
    """a[index] with numpy's rules: ints, slices, None, Ellipsis, integer arrays (or lists, or
    integer Tensors) and bool masks.

    VJP: a zero array of a's shape with grad_out scatter-**added** at `index`
    (`np.add.at`), so an entry picked twice by an integer array gets both gradients.
    """
    ### BEGIN SOLUTION
    a = _lift(a)
    if isinstance(index, Tensor):
        index = index.data
    elif isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Tensor) else i for i in index)

    def vjp(grad_out: np.ndarray) -> tuple[np.ndarray]:
        grad_a = np.zeros_like(a.data)
        np.add.at(grad_a, index, grad_out)
        return (grad_a,)

    return Tensor.from_op(a.data[index], (a,), vjp, "getitem")
    ### END SOLUTION


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis, like `np.concatenate`.

    VJP: grad_out split back into the pieces along `axis`.
    """
    ### BEGIN SOLUTION
    parts = [_lift(t) for t in tensors]
    ends = np.cumsum([p.shape[axis] for p in parts])[:-1]

    def vjp(grad_out: np.ndarray) -> list[np.ndarray]:
        return np.split(grad_out, ends, axis=axis)

    return Tensor.from_op(np.concatenate([p.data for p in parts], axis=axis), parts, vjp,
                          "concatenate")
    ### END SOLUTION


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis, like `np.stack`.

    VJP: the i-th input gets grad_out's i-th slice along `axis`.
    """
    ### BEGIN SOLUTION
    parts = [_lift(t) for t in tensors]
    out = np.stack([p.data for p in parts], axis=axis)
    new_axis = axis % out.ndim

    def vjp(grad_out: np.ndarray) -> list[np.ndarray]:
        return [np.take(grad_out, i, axis=new_axis) for i in range(len(parts))]

    return Tensor.from_op(out, parts, vjp, "stack")
    ### END SOLUTION
