"""Part `conv`: a convolution lowered to your SGEMM by im2col, forward and backward.

A 2-d convolution (stride 1, no padding; deep learning's "convolution" is a cross-correlation)
of x (B, C, H, W) with weight (F, C, kh, kw) and bias (F,) gives y (B, F, OH, OW),
OH = H - kh + 1, OW = W - kw + 1:

    y[b, f, i, j] = bias[f] + sum over c, p, q of x[b, c, i + p, j + q] * weight[f, c, p, q]

im2col turns it into one matrix product. `tg.windows(x, kh, kw)` is the (B, C, OH, OW, kh, kw)
view of every window (your backend's `windows`: no copy); moved to (B, OH, OW, C, kh, kw) and
reshaped to `cols` (B*OH*OW, C*kh*kw) (that reshape copies: the windows overlap), it gives

    y2 = cols @ W2.T + bias        with W2 = weight.reshape(F, C*kh*kw),  y2: (B*OH*OW, F)

and y is y2 reshaped to (B, OH, OW, F) and moved to (B, F, OH, OW). The backward pass (the
cheat sheet's CNN notes) is matrix products too: with g2 the incoming gradient as (B*OH*OW, F),

    grad_W2 = g2.T @ cols,   grad_bias = g2 summed over rows,   grad_cols = g2 @ W2

and grad_x adds each window's share of grad_cols back where the window came from (col2im: the
windows overlap, so the shares add up).
"""

from __future__ import annotations

from typing import Any


def conv2d(tg: Any, x: Any, weight: Any, bias: Any) -> Any:
    """The convolution above as one differentiable op of your level 1: a `tg.Tensor` made by
    `tg.Tensor.from_op(y, (x, weight, bias), vjp, "conv2d")` whose `vjp` returns
    (grad_x, grad_weight, grad_bias) shaped like x, weight and bias (grad_x may be None when x
    does not require grad). Every product goes through `@` (your SGEMM)."""
    raise NotImplementedError("conv2d: not implemented yet — see the docstring")


def make_cnn(tg: Any, channels: int = 4, seed: int = 0) -> Any:
    """Given: a small CNN for 8x8 digits, as a `tg.nn.Sequential`: Conv2d(1, channels, 3),
    ReLU, Flatten, Linear(channels * 6 * 6, 10). Its layers are classes made here from your
    level 1 `nn.Module`, so `model.parameters()` finds the convolution's weight and bias."""
    nn, np = tg.nn, tg.np
    rng = np.random.default_rng(seed)

    class Conv2d(nn.Module):
        """A layer on `conv2d` (PyTorch's default init: U(-k, k), k = 1 / sqrt(fan_in))."""

        def __init__(self, c_in: int, c_out: int, k: int) -> None:
            bound = 1.0 / float(np.sqrt(c_in * k * k))
            self.weight = tg.Tensor(rng.uniform(-bound, bound, (c_out, c_in, k, k)),
                                    requires_grad=True)
            self.bias = tg.Tensor(rng.uniform(-bound, bound, c_out), requires_grad=True)

        def forward(self, x: Any) -> Any:
            return conv2d(tg, x, self.weight, self.bias)

    class Flatten(nn.Module):
        """(B, ...) -> (B, everything else)."""

        def forward(self, x: Any) -> Any:
            return x.reshape(x.shape[0], -1)

    return nn.Sequential(Conv2d(1, channels, 3), nn.ReLU(), Flatten(),
                         nn.Linear(channels * 36, 10, rng=rng))
