"""Capstone probes: run inside the worker next to the student's stack; plain data out.

No numpy here (the capstone's worker has none): inputs arrive as lists of floats with a shape,
results go back the same way. Each probe touches the earlier level it is about directly (the
student's level -1 `Tensor`, level 0 `teenygrad_kernels`, level 1 ops) as well as through the
capstone's backend, so the judge can say which file failed. No verdicts here.
"""

from __future__ import annotations

import math
import operator
import os
import time
from typing import Any

#: Set by the judge (autograder.judge.swap.ENV): the parts the student has swapped in.
SWAP_ENV = "TEENYGRAD_SWAPPED_IN"
#: Every part, for a worker started without the judge's list (all swapped in).
ALL_PARTS = ("backend", "matmul", "autodiff", "conv", "train")

#: Elementwise functions the judge names (the same table is in references.capstone).
FUNCTIONS: dict[str, Any] = {
    "neg": operator.neg, "exp": math.exp, "tanh": math.tanh, "relu": lambda x: x if x > 0 else 0.0,
    "add": operator.add, "sub": operator.sub, "mul": operator.mul,
    "max": lambda a, b: a if a > b else b, "where": lambda c, a, b: a if c else b,
}


def _backend() -> Any:
    from stack.backend import StridedBackend

    return StridedBackend()


def _strided() -> Any:
    from stack.levels import load_level_minus1

    return load_level_minus1()["strided"]


def _layout(be: Any, values: list[float], shape: list[int], layout: str) -> Any:
    """A tensor of `values` (row-major for `shape`) with the given layout: "contiguous", or
    "transposed" (stored as the transpose, then permuted back: same values, other strides)."""
    if layout == "contiguous" or len(shape) < 2:
        return be.tensor(list(values), shape)
    rev = list(reversed(shape))
    n = len(shape)
    # element (i0..in-1) of the result sits at reversed index in the stored tensor
    stored = [0.0] * len(values)
    strides_c = [math.prod(shape[d + 1:]) for d in range(n)]
    strides_r = [math.prod(rev[d + 1:]) for d in range(n)]
    for flat, v in enumerate(values):
        idx = [(flat // strides_c[d]) % shape[d] for d in range(n)]
        stored[sum(i * s for i, s in zip(reversed(idx), strides_r, strict=True))] = v
    # level -1's own permute (not the backend's, part `backend`): the other parts' tests
    # need these layouts even while the backend is not swapped in
    return be.tensor(stored, rev).permute(*reversed(range(n)))


def view(op: str, shape: list[int], args: list[Any]) -> dict[str, Any]:
    """One view op on a fresh contiguous tensor of 0, 1, 2, ...: done by the student's level
    -1 `Tensor` directly and by the capstone backend; whether each shares the input's storage,
    and the values and shape each gives."""
    values = [float(i) for i in range(math.prod(shape))]
    strided = _strided()
    key = tuple(slice(*a) if isinstance(a, list) else a for a in args)
    t = strided.Tensor.from_layout(list(values), tuple(shape),
                                   strided.contiguous_strides(shape), 0)
    direct = {"reshape": lambda: t.reshape(*args), "permute": lambda: t.permute(*args),
              "broadcast_to": lambda: t.broadcast_to(tuple(args)),
              "getitem": lambda: t[key]}[op]()
    be = _backend()
    u = be.tensor(list(values), shape)
    through = {"reshape": lambda: be.reshape(u, tuple(args)),
               "permute": lambda: be.permute(u, tuple(args)),
               "broadcast_to": lambda: be.broadcast_to(u, tuple(args)),
               "getitem": lambda: be.getitem(u, key)}[op]()
    return {"level_shares": direct.storage is t.storage,
            "level_values": [direct.storage[p] for p in direct.positions()],
            "backend_shares": through.storage is u.storage,
            "backend_values": be.values(through), "backend_shape": list(be.shape(through))}


def compute(kind: str, name: str, inputs: list[list[Any]], axes: list[int] | None = None,
            start: float = 0.0) -> dict[str, Any]:
    """`map`/`zip`/`reduce` of the backend with the named function on inputs given as
    [values, shape, layout]; the result's values and shape."""
    be = _backend()
    ts = [_layout(be, v, s, lay) for v, s, lay in inputs]
    fn = FUNCTIONS[name]
    if kind == "map":
        out = be.map(fn, ts[0])
    elif kind == "zip":
        out = be.zip(fn, *ts)
    else:
        out = be.reduce(fn, ts[0], tuple(axes or ()), start)
    return {"values": be.values(out), "shape": list(be.shape(out))}


def sgemm_direct(m: int, n: int, k: int, alpha: float, a: list[float], b: list[float],
                 beta: float, c: list[float], stage: str = "parallel") -> list[float]:
    """The student's level 0 kernel through the kit binding, on row-major lists."""
    import teenygrad_kernels

    return list(teenygrad_kernels.sgemm_lists(stage, m, n, k, alpha, a, b, beta, c))


def backend_matmul(a: list[Any], b: list[Any], beta: float = 0.0,
                   c: list[Any] | None = None) -> dict[str, Any]:
    """The backend's matmul on [values, shape, layout] operands."""
    be = _backend()
    ta, tb = _layout(be, *a), _layout(be, *b)
    tc = _layout(be, *c) if c is not None else None
    out = be.matmul(ta, tb, beta, tc)
    return {"values": be.values(out), "shape": list(be.shape(out))}


def swapped_in() -> tuple[str, ...]:
    """The parts graded on the student's code (the judge's reading of stack/swap.py)."""
    raw = os.environ.get(SWAP_ENV)
    return ALL_PARTS if raw is None else tuple(p for p in raw.split(",") if p)


def _assemble() -> Any:
    """The student's teenygrad as the grader runs it: on their strided backend, with the kit's
    numpy standing in for the parts not swapped in (`backend`: numpy throughout, level 1 as
    at level 1; `matmul`: numpy's product inside their backend). numpy is imported here, in
    the kit's frame, and only then: with every part swapped in the worker has none."""
    import stack

    parts = swapped_in()
    if "backend" not in parts:
        return stack.assemble(_kit_numpy())
    tg = stack.assemble()
    if "matmul" not in parts:
        tg.backend.matmul = _kit_matmul(tg.backend, _kit_numpy())
    return tg


def _kit_numpy() -> Any:
    """numpy, with the submodules it loads on first use already loaded: imported from the
    student's frames (level 1's `np.random`), they would count as the student's import."""
    import numpy
    import numpy.lib.stride_tricks
    import numpy.linalg
    import numpy.random  # noqa: F401

    return numpy


def _kit_matmul(be: Any, numpy: Any) -> Any:
    """The kit's stand-in for `StridedBackend.matmul` while part `matmul` is not swapped in:
    numpy's product of the operands' values, a new tensor of the student's backend."""
    def matmul(a: Any, b: Any, beta: float = 0.0, c: Any = None) -> Any:
        (m, k), (_k, n) = be.shape(a), be.shape(b)
        out = (numpy.array(be.values(a)).reshape(m, k) @ numpy.array(be.values(b)).reshape(k, n))
        if c is not None:
            out = out + beta * numpy.array(be.values(c)).reshape(m, n)
        return be.tensor(out.ravel().tolist(), (m, n))

    return matmul


def _to_np(tg: Any, values: list[float], shape: list[int], integer: bool = False) -> Any:
    np = tg.np
    return np.array(values, dtype=np.int64 if integer else np.float64).reshape(tuple(shape))


def autodiff(op: str, inputs: list[list[Any]], seed: list[float] | None = None,
             kwargs: dict[str, Any] | None = None) -> dict[str, Any]:
    """The student's level 1 op (`ops.<op>`, or `losses.cross_entropy`) run on the strided
    stack: inputs [values, shape] (requires_grad) and, for cross_entropy, integer targets;
    backward with `seed` (None: a one-element output); the output and each input's gradient."""
    tg = _assemble()
    kwargs = kwargs or {}
    if op == "cross_entropy":
        (zv, zs), (yv, ys) = inputs
        z = tg.Tensor(_to_np(tg, zv, zs), requires_grad=True)
        out = tg.losses.cross_entropy(z, _to_np(tg, [float(v) for v in yv], ys, integer=True))
        leaves = [z]
    else:
        leaves = [tg.Tensor(_to_np(tg, v, s), requires_grad=True) for v, s in inputs]
        out = getattr(tg.ops, op)(*leaves, **kwargs)
    out.backward(None if seed is None else _to_np(tg, seed, list(out.shape)))
    return {"value": [float(v) for v in _flat(out.data)], "shape": list(out.shape),
            "grads": [None if t.grad is None else [float(v) for v in _flat(t.grad)]
                      for t in leaves]}


def _flat(a: Any) -> list[float]:
    values = a.tolist()
    out: list[float] = []

    def walk(x: Any) -> None:
        if isinstance(x, list):
            for y in x:
                walk(y)
        else:
            out.append(float(x))

    walk(values)
    return out


def train(which: str, x_train: list[list[float]], y_train: list[int], seed: int
          ) -> dict[str, Any]:
    """Train the student's `stack.train.train_<which>` on the strided stack; the network's
    layers as plain data, the number of backward() calls and the wall time of the training."""
    from stack import train as student_train

    tg = _assemble()
    calls = {"backward": 0}
    original = tg.Tensor.backward

    def counted(self: Any, *args: Any, **kw: Any) -> Any:
        calls["backward"] += 1
        return original(self, *args, **kw)

    tg.Tensor.backward = counted
    start = time.perf_counter()
    try:
        model = getattr(student_train, f"train_{which}")(tg, x_train, y_train, seed)
    finally:
        tg.Tensor.backward = original
    seconds = time.perf_counter() - start
    return {"layers": [_layer(layer) for layer in getattr(model, "layers", [])],
            "steps": calls["backward"], "seconds": seconds}


def _layer(layer: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"kind": type(layer).__name__}
    for name in ("weight", "bias"):
        p = getattr(layer, name, None)
        if p is not None:
            entry[name] = [_flat(p.data), list(p.shape)]
    for name in ("stride", "padding"):
        if hasattr(layer, name):
            entry[name] = getattr(layer, name)
    return entry


def windows(shape: list[int], kh: int, kw: int) -> dict[str, Any]:
    """The backend's im2col view of a fresh (B, C, H, W) tensor of 0, 1, 2, ...: whether it
    shares the storage, its shape and values."""
    be = _backend()
    t = be.tensor([float(i) for i in range(math.prod(shape))], shape)
    out = be.windows(t, kh, kw)
    return {"shares": out.storage is t.storage, "shape": list(be.shape(out)),
            "values": be.values(out)}


def conv(x: list[Any], weight: list[Any], bias: list[Any], seed: list[float]
         ) -> dict[str, Any]:
    """The student's `stack.conv.conv2d` on the strided stack: [values, shape] inputs (all
    requiring grad), backward with `seed`; the output and the three gradients."""
    from stack.conv import conv2d

    tg = _assemble()
    leaves = [tg.Tensor(_to_np(tg, v, s), requires_grad=True) for v, s in (x, weight, bias)]
    out = conv2d(tg, *leaves)
    out.backward(_to_np(tg, seed, list(out.shape)))
    return {"value": _flat(out.data), "shape": list(out.shape),
            "grads": [None if t.grad is None else _flat(t.grad) for t in leaves]}


def profile(which: str, x_train: list[list[float]], y_train: list[int], seed: int = 0
            ) -> dict[str, float]:
    """Where the time of the student's `train_<which>` goes (run on the rows given, under
    cProfile): each file's share of the total time spent inside its own functions, the Rust
    kernels' call as `sgemm (Rust)`, the rest of the interpreter's built-ins as `built-ins`."""
    import cProfile
    import pstats

    from stack import train as student_train

    tg = _assemble()
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        getattr(student_train, f"train_{which}")(tg, x_train, y_train, seed)
    finally:
        profiler.disable()
    shares: dict[str, float] = {}
    for (filename, _line, name), row in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        own_time = row[2]
        if filename == "~":
            group = "sgemm (Rust)" if "sgemm_lists" in name else "built-ins"
        else:
            group = "/".join(filename.split("/")[-3:]) if "teenygrad" in filename else \
                "/".join(filename.split("/")[-2:])
        shares[group] = shares.get(group, 0.0) + own_time
    total = sum(shares.values()) or 1.0
    return {k: v / total for k, v in sorted(shares.items(), key=lambda kv: -kv[1])}
