"""The capstone's numpy oracles (judge only): views, elementwise work, products, op gradients,
the digits split and the network the judge runs itself, and the numpy step it times."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from autograder.references import level1 as level1_ref

#: The numpy side of `autograder.probes.capstone.FUNCTIONS`.
FUNCTIONS: dict[str, Any] = {
    "neg": np.negative, "exp": np.exp, "tanh": np.tanh, "relu": lambda x: np.maximum(x, 0.0),
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "max": np.maximum,
    "where": lambda c, a, b: np.where(c != 0, a, b),
}
#: Tolerances: the stack computes elementwise work in double precision, products in float32.
RTOL_ELEMENTWISE = 1e-12
RTOL_PRODUCT = 1e-5


def arange(shape: list[int]) -> np.ndarray:
    """0, 1, 2, ... in `shape` (the values the view probe starts from)."""
    return np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)


def view(op: str, shape: list[int], args: list[Any]) -> dict[str, Any]:
    """numpy's values and shape of the view probe's op."""
    a = arange(shape)
    key = tuple(slice(*x) if isinstance(x, list) else x for x in args)
    out = {"reshape": lambda: a.reshape(*args), "permute": lambda: a.transpose(*args),
           "broadcast_to": lambda: np.broadcast_to(a, tuple(args)),
           "getitem": lambda: a[key]}[op]()
    return {"values": out.ravel().tolist(), "shape": list(out.shape)}


def compute(kind: str, name: str, inputs: list[list[Any]], axes: list[int] | None = None,
            start: float = 0.0) -> dict[str, Any]:
    """numpy's result of the compute probe (reductions keep their axes)."""
    arrays = [np.asarray(v, dtype=np.float64).reshape(s) for v, s, _layout in inputs]
    if kind == "map":
        out = FUNCTIONS[name](arrays[0])
    elif kind == "zip":
        out = FUNCTIONS[name](*arrays)
    else:
        reducer = {"add": np.sum, "max": np.max}[name]
        out = reducer(arrays[0], axis=tuple(axes or ()), keepdims=True)
        out = out + start if name == "add" else np.maximum(out, start)
    out = np.asarray(out, dtype=np.float64)
    return {"values": out.ravel().tolist(), "shape": list(out.shape)}


def sgemm(m: int, n: int, k: int, alpha: float, a: list[float], b: list[float], beta: float,
          c: list[float]) -> np.ndarray:
    """alpha * a @ b + beta * c in float64, flat."""
    a2, b2 = np.reshape(a, (m, k)), np.reshape(b, (k, n))
    return (alpha * a2 @ b2 + beta * np.reshape(c, (m, n))).ravel()


def random_values(seed: int, *shape: int) -> list[float]:
    """Seeded normal values, flat, as plain floats."""
    return np.random.default_rng(seed).standard_normal(shape).ravel().tolist()


def autodiff(op: str, inputs: list[list[Any]], seed: list[float] | None = None,
             kwargs: dict[str, Any] | None = None) -> dict[str, Any]:
    """numpy's value and gradients of the autodiff probe's op (the same contract as level 1's
    ops and losses), for the ops the capstone checks."""
    kwargs = kwargs or {}
    if op == "cross_entropy":
        (zv, zs), (yv, _ys) = inputs
        z, y = np.reshape(zv, zs), np.asarray(yv, dtype=np.int64)
        shift = z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(z - shift).sum(axis=1, keepdims=True)) + shift
        value = np.mean(lse[:, 0] - z[np.arange(len(y)), y])
        grad = np.exp(z - lse)
        grad[np.arange(len(y)), y] -= 1.0
        return {"value": [float(value)], "grads": [(grad / len(y)).ravel().tolist()]}
    xs = [np.reshape(v, s).astype(np.float64) for v, s in inputs]
    value, grads = _op_and_vjp(op, xs, kwargs, seed)
    return {"value": np.ravel(value).tolist(), "grads": [g.ravel().tolist() for g in grads]}


def _op_and_vjp(op: str, xs: list[np.ndarray], kwargs: dict[str, Any],
                seed: list[float] | None) -> tuple[np.ndarray, list[np.ndarray]]:
    unb = level1_ref.unbroadcast
    if op in ("add", "mul", "sub"):
        a, b = xs
        value = {"add": a + b, "mul": a * b, "sub": a - b}[op]
    elif op == "matmul":
        a, b = xs
        value = a @ b
    else:
        (a,) = xs
        value = {"relu": lambda: np.maximum(a, 0), "exp": lambda: np.exp(a),
                 "tanh": lambda: np.tanh(a), "log": lambda: np.log(a),
                 "sum": lambda: np.sum(a, **kwargs), "mean": lambda: np.mean(a, **kwargs),
                 }[op]()
    g = np.ones_like(value) if seed is None else np.reshape(seed, np.shape(value))
    if op == "add":
        return value, [unb(g, a.shape), unb(g, b.shape)]
    if op == "sub":
        return value, [unb(g, a.shape), unb(-g, b.shape)]
    if op == "mul":
        return value, [unb(g * b, a.shape), unb(g * a, b.shape)]
    if op == "matmul":
        return value, [g @ b.T, a.T @ g]
    local = {"relu": lambda: (a > 0) * g, "exp": lambda: g * value,
             "tanh": lambda: g * (1 - value ** 2), "log": lambda: g / a}
    if op in local:
        return value, [local[op]()]
    axis = kwargs.get("axis")
    kept = np.sum(a, axis=axis, keepdims=True).shape
    count = a.size // int(np.prod(kept))
    grad = np.broadcast_to(np.reshape(g, kept), a.shape)
    return value, [grad / count if op == "mean" else grad.copy()]


def digits_split(random_state: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """sklearn's bundled digits, stratified (level 1's split)."""
    return level1_ref.digits_split(random_state)


def numpy_step_seconds(which: str, batch: int = 32, repeats: int = 50) -> float:
    """Seconds per training step (forward, cross-entropy, backward, SGD) of the capstone's
    reference model on numpy, by hand: the numpy-backend baseline of the step-time line.
    `which` is "mlp" (64-32-10, ReLU) or "cnn" (conv 1->4 3x3 by im2col, ReLU, 144->10)."""
    rng = np.random.default_rng(0)
    x, y = rng.random((batch, 64)), rng.integers(0, 10, batch)
    params = ([rng.standard_normal((32, 64)) * 0.1, np.zeros(32),
               rng.standard_normal((10, 32)) * 0.1, np.zeros(10)] if which == "mlp" else
              [rng.standard_normal((4, 9)) * 0.1, np.zeros(4),
               rng.standard_normal((10, 144)) * 0.1, np.zeros(10)])
    start = time.perf_counter()
    for _ in range(repeats):
        if which == "mlp":
            first = x
        else:
            win = np.lib.stride_tricks.sliding_window_view(x.reshape(batch, 8, 8), (3, 3),
                                                           axis=(1, 2))
            first = win.reshape(batch * 36, 9)
        h = first @ params[0].T + params[1]
        a = np.maximum(h, 0).reshape(batch, -1)
        z = a @ params[2].T + params[3]
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(batch), y] -= 1
        g = p / batch
        grads = [None, None, g.T @ a, g.sum(axis=0)]
        gh = ((g @ params[2]).reshape(h.shape)) * (h > 0)
        grads[0], grads[1] = gh.T @ first, gh.sum(axis=0)
        for param, grad in zip(params, grads, strict=True):
            param -= 0.1 * grad
    return (time.perf_counter() - start) / repeats


def windows(shape: list[int], kh: int, kw: int) -> dict[str, Any]:
    """numpy's sliding windows of 0, 1, 2, ... in `shape`: shape and values."""
    out = np.lib.stride_tricks.sliding_window_view(arange(shape), (kh, kw), axis=(2, 3))
    return {"shape": list(out.shape), "values": out.ravel().tolist()}


def conv(x: list[Any], weight: list[Any], bias: list[Any], seed: list[float]
         ) -> dict[str, Any]:
    """The convolution (stride 1, no padding) and its gradients by einsum, independent of
    im2col."""
    xa, wa, ba = (np.reshape(v, s) for v, s in (x, weight, bias))
    kh, kw = wa.shape[2:]
    win = np.lib.stride_tricks.sliding_window_view(xa, (kh, kw), axis=(2, 3))
    y = np.einsum("bcijpq,fcpq->bfij", win, wa) + ba[None, :, None, None]
    g = np.reshape(seed, y.shape)
    grad_w = np.einsum("bcijpq,bfij->fcpq", win, g)
    grad_x = np.zeros_like(xa)
    for p in range(kh):
        for q in range(kw):
            grad_x[:, :, p:p + y.shape[2], q:q + y.shape[3]] += np.einsum(
                "bfij,fc->bcij", g, wa[:, :, p, q])
    return {"value": y.ravel().tolist(), "shape": list(y.shape),
            "grads": [grad_x.ravel().tolist(), grad_w.ravel().tolist(),
                      g.sum(axis=(0, 2, 3)).ravel().tolist()]}
