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
        ### BEGIN SOLUTION
        found: list[Tensor] = []
        seen: set[int] = set()
        stack: list[Any] = list(reversed(vars(self).values()))
        while stack:
            item = stack.pop()
            if isinstance(item, Tensor):
                if item.requires_grad and id(item) not in seen:
                    seen.add(id(item))
                    found.append(item)
            elif isinstance(item, Module):
                stack.extend(reversed(vars(item).values()))
            elif isinstance(item, (list, tuple)):
                stack.extend(reversed(item))
        return found
        ### END SOLUTION

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
        ### BEGIN SOLUTION
        gen = np.random.default_rng(rng)
        bound = 1.0 / np.sqrt(in_features)
        self.in_features, self.out_features = in_features, out_features
        self.weight = Tensor(gen.uniform(-bound, bound, (out_features, in_features)),
                             requires_grad=True)
        self.bias = (Tensor(gen.uniform(-bound, bound, out_features), requires_grad=True)
                     if bias else None)
        ### END SOLUTION

    def forward(self, x: Any) -> Tensor:
        """x of shape (..., in_features) -> (..., out_features), differentiable in x, weight
        and bias."""
        ### BEGIN SOLUTION
        out = x @ self.weight.T if isinstance(x, Tensor) else Tensor(x) @ self.weight.T
        return out if self.bias is None else out + self.bias
        ### END SOLUTION


class ReLU(Module):
    """Elementwise max(x, 0) (gradient 0 at 0)."""

    def forward(self, x: Tensor) -> Tensor:
        """relu(x), same shape."""
        ### BEGIN SOLUTION
        return x.relu()
        ### END SOLUTION


class Tanh(Module):
    """Elementwise tanh."""

    def forward(self, x: Tensor) -> Tensor:
        """tanh(x), same shape."""
        ### BEGIN SOLUTION
        return x.tanh()
        ### END SOLUTION


class Sequential(Module):
    """Modules applied one after another: Sequential(a, b, c)(x) = c(b(a(x)))."""

    def __init__(self, *layers: Module) -> None:
        """Keep the layers, in order, in the list `self.layers`."""
        self.layers = list(layers)

    def forward(self, x: Any) -> Any:
        """Feed x through every layer in order and return the last output."""
        ### BEGIN SOLUTION
        for layer in self.layers:
            x = layer(x)
        return x
        ### END SOLUTION


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
        ### BEGIN SOLUTION
        self.x, self.y = np.asarray(x), np.asarray(y)
        if len(self.x) != len(self.y):
            raise ValueError(f"x has {len(self.x)} rows but y has {len(self.y)}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.batch_size, self.shuffle, self.drop_last = batch_size, shuffle, drop_last
        self.rng = np.random.default_rng(rng)
        ### END SOLUTION

    def __len__(self) -> int:
        """The number of batches one iteration yields."""
        ### BEGIN SOLUTION
        n, b = len(self.x), self.batch_size
        return n // b if self.drop_last else -(-n // b)
        ### END SOLUTION

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """One epoch of batches."""
        ### BEGIN SOLUTION
        n = len(self.x)
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            rows = order[start:start + self.batch_size]
            yield self.x[rows], self.y[rows]
        ### END SOLUTION
