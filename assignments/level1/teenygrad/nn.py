"""Layers as objects that own their parameters, and a data loader. Graded in part `nn`.

A `Module` is called like a function (`model(x)` runs `model.forward(x)`) and finds its own
parameters by looking through its attributes, so a model built from Linear layers hands
`model.parameters()` straight to an optimizer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from teenygrad.tensor import Tensor

Seed = np.random.Generator | int | None


class Module:
    """Base class of layers and models."""

    def parameters(self) -> list[Tensor]:
        """Every trainable tensor of this module and of the modules inside it, each once.

        Contract: looks through the instance attributes in assignment order (`vars(self)`);
        collects each `Tensor` with `requires_grad=True`, recurses into each `Module`, and into
        each list or tuple (whose items may be tensors, modules or further lists). A tensor
        reachable twice (shared weights) is listed once, where it is first found.
        """
        raise NotImplementedError("Module.parameters: not implemented yet — see the docstring")

    def zero_grad(self) -> None:
        """Set `.grad` of every parameter to None."""
        for p in self.parameters():
            p.grad = None

    def forward(self, *args: Any) -> Any:
        """The layer's computation; subclasses override it."""
        raise NotImplementedError(f"{type(self).__name__}.forward")

    def __call__(self, *args: Any) -> Any:
        """`module(x)` is `module.forward(x)`."""
        return self.forward(*args)


class Linear(Module):
    """y = x @ weight.T + bias, with `weight` (out_features, in_features) and `bias`
    (out_features,), as torch.nn.Linear."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 rng: Seed = None) -> None:
        """Create `weight` and `bias` (or `bias = None`) as float64 tensors with requires_grad.

        Contract (PyTorch's default init, Kaiming-uniform with a = sqrt(5)): every entry of
        weight and bias is drawn independently from U(-k, k) with k = 1 / sqrt(in_features),
        using `np.random.default_rng(rng)` (so an int seed or a Generator makes it repeatable).
        """
        raise NotImplementedError("Linear.__init__: not implemented yet — see the docstring")

    def forward(self, x: Any) -> Tensor:
        """x of shape (..., in_features) -> (..., out_features), differentiable in x, weight
        and bias."""
        raise NotImplementedError("Linear.forward: not implemented yet — see the docstring")


class ReLU(Module):
    """Elementwise max(x, 0) (gradient 0 at 0)."""

    def forward(self, x: Tensor) -> Tensor:
        """relu(x), same shape."""
        raise NotImplementedError("ReLU.forward: not implemented yet — see the docstring")


class Tanh(Module):
    """Elementwise tanh."""

    def forward(self, x: Tensor) -> Tensor:
        """tanh(x), same shape."""
        raise NotImplementedError("Tanh.forward: not implemented yet — see the docstring")


class Sequential(Module):
    """Modules applied one after another: Sequential(a, b, c)(x) = c(b(a(x)))."""

    def __init__(self, *layers: Module) -> None:
        """Keep the layers, in order, in the list `self.layers`."""
        self.layers = list(layers)

    def forward(self, x: Any) -> Any:
        """Feed x through every layer in order and return the last output."""
        raise NotImplementedError("Sequential.forward: not implemented yet — see the docstring")


class DataLoader:
    """Mini-batches of (x, y) from two arrays with the same first dimension.

    Contract: iterating yields `(x_batch, y_batch)` numpy arrays of `batch_size` rows (the
    last batch holds the remainder, unless `drop_last`), rows of x and y staying paired. With
    `shuffle=True` every iteration (epoch) visits the rows in a new order given by
    `rng.permutation(n)` (`rng = np.random.default_rng(rng)` made once in the constructor);
    with `shuffle=False` in their stored order. `len(loader)` is the number of batches.
    Arrays with different first dimensions, or `batch_size < 1`, raise `ValueError`.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool = True,
                 rng: Seed = None, drop_last: bool = False) -> None:
        """Check and keep the arguments; make the generator."""
        raise NotImplementedError("DataLoader.__init__: not implemented yet — see the docstring")

    def __len__(self) -> int:
        """The number of batches one iteration yields."""
        raise NotImplementedError("DataLoader.__len__: not implemented yet — see the docstring")

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """One epoch of batches."""
        raise NotImplementedError("DataLoader.__iter__: not implemented yet — see the docstring")
