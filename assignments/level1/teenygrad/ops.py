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
    raise NotImplementedError("unbroadcast: not implemented yet — see the docstring")


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
    raise NotImplementedError("sub: not implemented yet — see the docstring")


def div(a: Any, b: Any) -> Tensor:
    """a / b, broadcasting. VJP: (grad_out / b, -grad_out * a / b**2), each unbroadcast."""
    raise NotImplementedError("div: not implemented yet — see the docstring")


def neg(a: Any) -> Tensor:
    """-a. VJP: -grad_out."""
    raise NotImplementedError("neg: not implemented yet — see the docstring")


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001  (the name of the operator)
    """a ** b for a number or a tensor exponent, broadcasting.

    VJP: d/da = b * a**(b-1); d/db = a**b * log(a) where a > 0 and 0 where a <= 0 (the real
    power has no derivative in b there). Tests use positive bases for non-integer exponents.
    """
    raise NotImplementedError("pow: not implemented yet — see the docstring")


def matmul(a: Any, b: Any) -> Tensor:
    """a @ b with numpy's rules: 1-d, 2-d, and stacks of matrices with broadcast batch dims.

    A 1-d `a` is treated as a row (1, k) and a 1-d `b` as a column (k, 1); the added axis is
    removed from the result. VJP: grad_a = grad_out @ b^T, grad_b = a^T @ grad_out (^T swaps
    the last two axes), with the batch dims unbroadcast and the 1-d promotions undone. (A VJP
    may return None for an input that does not require grad: here that saves a matmul.)
    """
    raise NotImplementedError("matmul: not implemented yet — see the docstring")


# ----- elementwise functions -------------------------------------------------------------------


def exp(a: Any) -> Tensor:
    """e**a. VJP: grad_out * e**a (reuse the output)."""
    raise NotImplementedError("exp: not implemented yet — see the docstring")


def log(a: Any) -> Tensor:
    """Natural log of a (a > 0). VJP: grad_out / a."""
    raise NotImplementedError("log: not implemented yet — see the docstring")


def sin(a: Any) -> Tensor:
    """sin(a). VJP: grad_out * cos(a)."""
    raise NotImplementedError("sin: not implemented yet — see the docstring")


def cos(a: Any) -> Tensor:
    """cos(a). VJP: -grad_out * sin(a)."""
    raise NotImplementedError("cos: not implemented yet — see the docstring")


def tanh(a: Any) -> Tensor:
    """tanh(a). VJP: grad_out * (1 - tanh(a)**2)."""
    raise NotImplementedError("tanh: not implemented yet — see the docstring")


def sigmoid(a: Any) -> Tensor:
    """1 / (1 + e**-a), without overflow for large |a|. VJP: grad_out * s * (1 - s)."""
    raise NotImplementedError("sigmoid: not implemented yet — see the docstring")


def relu(a: Any) -> Tensor:
    """max(a, 0). VJP: grad_out where a > 0, else 0 (so relu'(0) = 0)."""
    raise NotImplementedError("relu: not implemented yet — see the docstring")


def sqrt(a: Any) -> Tensor:
    """Square root of a (a > 0 for the gradient). VJP: grad_out / (2 * sqrt(a))."""
    raise NotImplementedError("sqrt: not implemented yet — see the docstring")


def abs(a: Any) -> Tensor:  # noqa: A001
    """|a|. VJP: grad_out * sign(a) (0 at a = 0)."""
    raise NotImplementedError("abs: not implemented yet — see the docstring")


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise larger of a and b, broadcasting.

    VJP: grad_out goes to the larger input; where a == b it is split, half to each. (The
    course notebook's autodidact `maximum_vjp` gives all of it to b at ties; the kit grades the
    split because it is symmetric in a and b and matches `max`, which splits among ties.)
    """
    raise NotImplementedError("maximum: not implemented yet — see the docstring")


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise smaller of a and b, broadcasting. VJP: like `maximum`, ties split."""
    raise NotImplementedError("minimum: not implemented yet — see the docstring")


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """a where `condition` is true, else b; all three broadcast together.

    `condition` is a bool array or a bool Tensor and gets no gradient. VJP: grad_out where
    the condition holds to a (0 elsewhere), the rest to b, each unbroadcast.
    """
    raise NotImplementedError("where: not implemented yet — see the docstring")


# ----- reductions ------------------------------------------------------------------------------


def sum(a: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum over `axis` (an int, a tuple, or None for all), like `np.sum`.

    VJP: grad_out (with the reduced axes put back as size 1) broadcast to a's shape.
    """
    raise NotImplementedError("sum: not implemented yet — see the docstring")


def mean(a: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Mean over `axis`, like `np.mean`. VJP: like `sum`, divided by the count averaged."""
    raise NotImplementedError("mean: not implemented yet — see the docstring")


def max(a: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Maximum over `axis`, like `np.max`.

    VJP: grad_out goes to the arg-max; when several entries tie for the maximum it is split
    equally among them (each gets grad_out / number_of_ties).
    """
    raise NotImplementedError("max: not implemented yet — see the docstring")


def logsumexp(a: Any, axis: Axis = -1, keepdims: bool = False) -> Tensor:
    """log(sum(exp(a))) over `axis`, stable for huge |a| (shift by the max first).

    VJP: grad_out * softmax(a) along `axis` (grad_out with the reduced axes kept).
    """
    raise NotImplementedError("logsumexp: not implemented yet — see the docstring")


def softmax(a: Any, axis: int = -1) -> Tensor:
    """exp(a) / sum(exp(a)) along `axis`, stable for huge |a|.

    VJP: s * (grad_out - sum(grad_out * s, axis, keepdims=True)) with s the output.
    """
    raise NotImplementedError("softmax: not implemented yet — see the docstring")


def log_softmax(a: Any, axis: int = -1) -> Tensor:
    """a - logsumexp(a) along `axis`, stable for huge |a|.

    VJP: grad_out - softmax(a) * sum(grad_out, axis, keepdims=True).
    """
    raise NotImplementedError("log_softmax: not implemented yet — see the docstring")


# ----- shapes ----------------------------------------------------------------------------------


def reshape(a: Any, shape: Sequence[int]) -> Tensor:
    """Same values in a new shape (one entry may be -1). VJP: grad_out reshaped to a's shape."""
    raise NotImplementedError("reshape: not implemented yet — see the docstring")


def transpose(a: Any, axes: Sequence[int] | None = None) -> Tensor:
    """Permute the axes like `np.transpose` (reverse them when `axes` is None).

    VJP: grad_out transposed by the inverse permutation.
    """
    raise NotImplementedError("transpose: not implemented yet — see the docstring")


def permute(a: Any, axes: Sequence[int]) -> Tensor:
    """Same as `transpose(a, axes)`."""
    return transpose(a, axes)


def broadcast_to(a: Any, shape: Sequence[int]) -> Tensor:
    """a broadcast to `shape` like `np.broadcast_to` (alias `expand`). VJP: unbroadcast."""
    raise NotImplementedError("broadcast_to: not implemented yet — see the docstring")


def expand(a: Any, shape: Sequence[int]) -> Tensor:
    """Same as `broadcast_to(a, shape)`."""
    return broadcast_to(a, shape)


def getitem(a: Any, index: Any) -> Tensor:
    """a[index] with numpy's rules: ints, slices, None, Ellipsis, integer arrays (or lists, or
    integer Tensors) and bool masks.

    VJP: a zero array of a's shape with grad_out scatter-**added** at `index`
    (`np.add.at`), so an entry picked twice by an integer array gets both gradients.
    """
    raise NotImplementedError("getitem: not implemented yet — see the docstring")


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis, like `np.concatenate`.

    VJP: grad_out split back into the pieces along `axis`.
    """
    raise NotImplementedError("concatenate: not implemented yet — see the docstring")


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis, like `np.stack`.

    VJP: the i-th input gets grad_out's i-th slice along `axis`.
    """
    raise NotImplementedError("stack: not implemented yet — see the docstring")
