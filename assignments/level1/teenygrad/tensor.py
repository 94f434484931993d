"""`Tensor`: a numpy array that remembers how it was computed, and `backward()` through it.

A tensor produced by a differentiable op is a node of a graph: it keeps its `parents` (the op's
input tensors) and its `vjp`, the op's vector-Jacobian product. `backward()` visits the graph
from the output to the leaves in reverse topological order and hands every node the gradient
of the output with respect to it (`grad_out`); the node's `vjp` turns that into one gradient
per parent. Leaves accumulate what arrives into `.grad`.

Graded in part `graph`. The arithmetic methods at the bottom of the class are given: they
forward to `teenygrad.ops`, which is imported on first use so that a mistake in `ops.py` only
fails the ops tests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

#: A VJP: given grad_out (shaped like the op's output), one gradient per parent, each shaped
#: like that parent (or None when that parent gets no gradient, e.g. an integer index).
VJP = Callable[[np.ndarray], Sequence["np.ndarray | None"]]

_grad_enabled = True


def is_grad_enabled() -> bool:
    """True unless the code runs inside a `with no_grad():` block."""
    return _grad_enabled


class no_grad:  # noqa: N801  (named like the function-style context managers of PyTorch)
    """Context manager: inside `with no_grad():` ops record no graph.

    Contract: on entry gradient recording is switched off (so `Tensor.from_op` returns tensors
    with `requires_grad=False` and no parents); on exit the previous state is restored, also
    when the block raises and when blocks are nested.
    """

    def __enter__(self) -> no_grad:
        """Switch recording off, remembering the previous state."""
        global _grad_enabled
        raise NotImplementedError("no_grad.__enter__: not implemented yet — see the docstring")
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Restore the state that was in force before `__enter__`."""
        global _grad_enabled
        raise NotImplementedError("no_grad.__exit__: not implemented yet — see the docstring")


class Tensor:
    """An n-dimensional numpy array with an optional gradient.

    Attributes:
        data: the values, a `np.ndarray` (float64 by default; float32 is kept as float32).
        grad: None, or an ndarray of `data`'s shape and dtype accumulated by `backward()`.
        requires_grad: whether gradients flow to (leaves) or through (op results) this tensor.
        parents: the op's input tensors (empty for a leaf).
        vjp: the op's vector-Jacobian product (None for a leaf), see `VJP`.
        op: the op's name, for error messages ("" for a leaf).
    """

    #: Makes numpy hand `array + tensor` (and the other operators) over to Tensor's reflected
    #: methods instead of looping over the tensor as if it were a sequence.
    __array_ufunc__ = None

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        """Make a leaf tensor holding a copy of `data`.

        Contract:
        - `data` is anything `np.array` accepts (nested lists, scalars, arrays) or a Tensor
          (its `.data` is used). The array is **copied**: later changes to the argument do not
          change the tensor. Python floats become float64, Python ints int64, bools bool;
          a numpy array keeps its dtype.
        - Any other dtype than bool, integer or floating raises `TypeError`.
        - `requires_grad=True` on a non-floating array raises `TypeError` (only floating
          tensors have gradients).
        - A new tensor has `grad = None`, `parents = ()`, `vjp = None`, `op = ""`.
        """
        raise NotImplementedError("Tensor.__init__: not implemented yet — see the docstring")

    @staticmethod
    def from_op(data: Any, parents: Sequence[Tensor], vjp: VJP, op: str = "") -> Tensor:
        """Wrap an op's result `data` (not copied) as a tensor, recording the graph if needed.

        Contract: the result tracks gradients (`requires_grad=True`, `parents=tuple(parents)`,
        `vjp=vjp`, `op=op`) exactly when recording is on (`is_grad_enabled()`) and at least one
        parent requires grad. Otherwise it is a plain leaf: `requires_grad=False`,
        `parents=()`, `vjp=None`. `grad` starts as None. A numpy scalar becomes a 0-d array.
        """
        out = Tensor.__new__(Tensor)
        out.data = np.asarray(data)
        out.grad = None
        out.op = op
        raise NotImplementedError("Tensor.from_op: not implemented yet — see the docstring")
        return out

    @property
    def is_leaf(self) -> bool:
        """True for a tensor that was not produced by a recorded op (it has no parents)."""
        return not self.parents

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's `data` (same array object, not a copy).

        Contract: the result has `requires_grad=False`, no parents and `grad=None`; no gradient
        ever flows through it back to `self`.
        """
        raise NotImplementedError("Tensor.detach: not implemented yet — see the docstring")

    def backward(self, grad: Any = None) -> None:
        """Accumulate d(self)/d(leaf) into `.grad` of every leaf that requires grad.

        Contract:
        - `grad` is the seed, d(loss)/d(self), shaped like `self` (array, list or Tensor); when
          None, `self` must have exactly one element and the seed is 1. A missing seed for a
          bigger tensor raises `RuntimeError`; a seed of the wrong shape raises `ValueError`.
        - `self.requires_grad` must be True, else `RuntimeError`.
        - Every node is visited once, after all the nodes that use it (reverse topological
          order from `toposort`); the gradients arriving at a node from different uses are
          summed before its `vjp` is called. A `vjp` returning a gradient whose shape differs
          from its parent's raises `ValueError` naming the op.
        - Leaves (`is_leaf`) that require grad accumulate: `grad` becomes the gradient (a fresh
          array of the leaf's dtype) the first time, `grad + gradient` afterwards, so calling
          `backward` again adds again. Non-leaf tensors keep `grad = None`.
        - Must work on a chain of 10,000 ops (no recursion).
        """
        raise NotImplementedError("Tensor.backward: not implemented yet — see the docstring")

    # ----- given: shape helpers -------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of `data`."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """The number of dimensions of `data`."""
        return self.data.ndim

    @property
    def size(self) -> int:
        """The number of elements of `data`."""
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        """The dtype of `data`."""
        return self.data.dtype

    def numpy(self) -> np.ndarray:
        """The underlying array (not a copy)."""
        return self.data

    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number."""
        return self.data.item()

    def __len__(self) -> int:
        """The length of the first dimension."""
        return len(self.data)

    def __repr__(self) -> str:
        """`Tensor([...], requires_grad=True)`."""
        flag = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({np.array2string(self.data, precision=4)}{flag})"

    # ----- given: operators and methods, forwarded to teenygrad.ops ------------------------

    def __add__(self, other: Any) -> Tensor:
        """self + other (`ops.add`)."""
        return _ops().add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        """other + self (`ops.add`)."""
        return _ops().add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        """self - other (`ops.sub`)."""
        return _ops().sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        """other - self (`ops.sub`)."""
        return _ops().sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        """self * other (`ops.mul`)."""
        return _ops().mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        """other * self (`ops.mul`)."""
        return _ops().mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        """self / other (`ops.div`)."""
        return _ops().div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        """other / self (`ops.div`)."""
        return _ops().div(other, self)

    def __neg__(self) -> Tensor:
        """-self (`ops.neg`)."""
        return _ops().neg(self)

    def __pow__(self, exponent: Any) -> Tensor:
        """self ** exponent (`ops.pow`)."""
        return _ops().pow(self, exponent)

    def __rpow__(self, base: Any) -> Tensor:
        """base ** self (`ops.pow`)."""
        return _ops().pow(base, self)

    def __matmul__(self, other: Any) -> Tensor:
        """self @ other (`ops.matmul`)."""
        return _ops().matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        """other @ self (`ops.matmul`)."""
        return _ops().matmul(other, self)

    def __getitem__(self, index: Any) -> Tensor:
        """self[index] (`ops.getitem`)."""
        return _ops().getitem(self, index)

    def exp(self) -> Tensor:
        """Elementwise e**x (see `ops.exp`)."""
        return _ops().exp(self)

    def log(self) -> Tensor:
        """Elementwise natural log (see `ops.log`)."""
        return _ops().log(self)

    def sin(self) -> Tensor:
        """Elementwise sine (see `ops.sin`)."""
        return _ops().sin(self)

    def cos(self) -> Tensor:
        """Elementwise cosine (see `ops.cos`)."""
        return _ops().cos(self)

    def tanh(self) -> Tensor:
        """Elementwise tanh (see `ops.tanh`)."""
        return _ops().tanh(self)

    def sigmoid(self) -> Tensor:
        """Elementwise logistic sigmoid (see `ops.sigmoid`)."""
        return _ops().sigmoid(self)

    def relu(self) -> Tensor:
        """Elementwise max(x, 0) (see `ops.relu`)."""
        return _ops().relu(self)

    def sqrt(self) -> Tensor:
        """Elementwise square root (see `ops.sqrt`)."""
        return _ops().sqrt(self)

    def abs(self) -> Tensor:
        """Elementwise |x| (see `ops.abs`)."""
        return _ops().abs(self)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Sum over `axis` (see `ops.sum`)."""
        return _ops().sum(self, axis, keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Mean over `axis` (see `ops.mean`)."""
        return _ops().mean(self, axis, keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Maximum over `axis` (see `ops.max`)."""
        return _ops().max(self, axis, keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        """Same values, new shape; `t.reshape(2, 3)` or `t.reshape((2, 3))`."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _ops().reshape(self, shape)

    def transpose(self, *axes: int) -> Tensor:
        """Permute the axes (reversed when none are given), see `ops.transpose`."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _ops().transpose(self, axes or None)

    def permute(self, *axes: int) -> Tensor:
        """Permute the axes, like `transpose(*axes)`."""
        return self.transpose(*axes)

    @property
    def T(self) -> Tensor:  # noqa: N802
        """All axes reversed."""
        return _ops().transpose(self, None)

    def expand(self, *shape: Any) -> Tensor:
        """Broadcast to `shape` (see `ops.broadcast_to`)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _ops().broadcast_to(self, shape)

    def logsumexp(self, axis: Any = -1, keepdims: bool = False) -> Tensor:
        """log(sum(exp(x))) over `axis`, computed stably (see `ops.logsumexp`)."""
        return _ops().logsumexp(self, axis, keepdims)

    def softmax(self, axis: int = -1) -> Tensor:
        """Softmax along `axis` (see `ops.softmax`)."""
        return _ops().softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        """Log-softmax along `axis` (see `ops.log_softmax`)."""
        return _ops().log_softmax(self, axis)


def toposort(root: Tensor) -> list[Tensor]:
    """Every tensor that requires grad and is reachable from `root` through `parents`, once.

    Contract: parents come before the tensors computed from them, so `root` is last; tensors
    with `requires_grad=False` (and everything only reachable through them) are left out.
    Iterative (an explicit stack): a chain of 10,000 ops must not hit Python's recursion limit.
    The book's recursive `dfs` (chapter 1.6.1) gives the right order but raises RecursionError
    on that chain, which a hidden test builds: keep its post-order, with a stack of your own.
    """
    raise NotImplementedError("toposort: not implemented yet — see the docstring")


def _ops() -> Any:
    """`teenygrad.ops`, imported on first use (it imports this module)."""
    from teenygrad import ops

    return ops
