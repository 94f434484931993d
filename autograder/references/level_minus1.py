"""Level -1, judge side: hypothesis strategies and numpy oracles. Never imports student code.

The encodings of layouts, index keys, view chains and operands are described in
`autograder.probes.level_minus1`. Everything here builds those plain-data descriptions and
computes what numpy does with the same description, so a test is: draw a case here, run it
in the worker through a probe, compare with the oracle here.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from autograder.cases.indexing import decode_index, encode_index
from autograder.judge.shown import chain_text as view_chain_text
from autograder.judge.shown import index_text, shown

ITEM = 8  # bytes per float64: numpy strides divided by this are teenygrad's element strides

# Sizes of one dimension: 0 is rare (one draw in eight), 1 is where shrinking goes.
SIDES = (1, 2, 3, 4, 2, 3, 1, 0)
#: Multipliers the BLAS tests use for alpha and beta (the edges 0, 1 and -1 included).
SCALARS = (0.0, 1.0, -1.0, 0.5, -2.0, 1.5)


# -- plain data --------------------------------------------------------------------------------
def nest(flat: Sequence[Any], shape: Sequence[int]) -> Any:
    """Row-major `flat` as nested lists of `shape` (a bare value for shape ())."""
    remaining = iter(flat)

    def fill(depth: int) -> Any:
        if len(shape) == depth:
            return next(remaining)
        return [fill(depth + 1) for _ in range(shape[depth])]

    return fill(0)


def arange_data(shape: Sequence[int]) -> Any:
    """Nested lists holding 0.0, 1.0, 2.0, ... in row-major order: every element distinct."""
    return nest([float(i) for i in range(math.prod(shape))], shape)


def arange_layout(shape: Sequence[int]) -> dict:
    """A contiguous layout holding 0.0, 1.0, 2.0, ...: the base of the view tests. (A layout,
    not nested lists: nested lists cannot express shapes like (0, 3).)"""
    strides = [math.prod(shape[d + 1:]) for d in range(len(shape))]
    return {"storage": [float(i) for i in range(math.prod(shape))], "shape": list(shape),
            "strides": strides, "offset": 0}


def fmt_shape(shape: Sequence[int]) -> str:
    """A shape as a Python tuple, the way a student's error message should print it."""
    return str(tuple(shape))


# -- shapes and values -------------------------------------------------------------------------
def sides() -> st.SearchStrategy[int]:
    """The size of one dimension, 0 to 4."""
    return st.sampled_from(SIDES)


def shapes(min_dims: int = 0, max_dims: int = 4, min_side: int = 0) -> st.SearchStrategy:
    """Shapes (tuples) of `min_dims` to `max_dims` dimensions with sizes up to 4."""
    side = sides() if min_side == 0 else st.integers(min_side, 4)
    return st.lists(side, min_size=min_dims, max_size=max_dims).map(tuple)


def nested_shapes(min_dims: int = 0, max_dims: int = 4, min_side: int = 0) -> st.SearchStrategy:
    """Shapes nested lists can express: nothing after a 0 (`[]` is (0,), never (0, 3))."""

    def cut(shape: tuple[int, ...]) -> tuple[int, ...]:
        return shape[: shape.index(0) + 1] if 0 in shape else shape

    return shapes(min_dims, max_dims, min_side).map(cut)


def grid_values() -> st.SearchStrategy[float]:
    """Multiples of 0.5 in [-4, 4]: sums and products of a few of them are exact (this grid is
    used everywhere, so the judge can compare most results exactly)."""
    return st.integers(-8, 8).map(lambda v: v / 2)


def nonzero_values() -> st.SearchStrategy[float]:
    """Grid values without 0 (divisors)."""
    return st.integers(1, 8).flatmap(lambda v: st.sampled_from((v / 2, -v / 2)))


@st.composite
def nested_lists(draw: Any, shape: Sequence[int], values: str = "leaves") -> Any:
    """Nested lists of `shape`. Leaves: ints and floats of all sizes (`"leaves"`), multiples of
    0.5 in [-4, 4] (`"grid"`) or the same without 0 (`"nonzero"`). Drawn from one seed, which
    keeps generation cheap; the seed shrinks towards small values."""
    rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
    count = math.prod(shape)
    if values == "leaves":
        flat = [rnd.choice((rnd.randint(-9, 9), rnd.randint(-8, 8) / 2,
                            rnd.uniform(-1e6, 1e6))) for _ in range(count)]
    else:
        flat = [_grid(rnd, values == "nonzero") for _ in range(count)]
    return nest(flat, shape)


def _grid(rnd: random.Random, nonzero: bool = False) -> float:
    """A multiple of 0.5 in [-4, 4] (never 0 when `nonzero`)."""
    return rnd.randint(1 if nonzero else 0, 8) / 2 * rnd.choice((1, -1))


# -- malformed nested lists --------------------------------------------------------------------
@st.composite
def ragged_lists(draw: Any) -> tuple[Any, tuple[int, ...]]:
    """(data, index): well-formed nested lists spoiled at exactly one place, `index`.

    The spoiled element is never on the path of first elements (data[0][0]...), where the
    shape is read from, so `index` is unambiguously the first element that does not fit.
    """
    shape = list(draw(shapes(min_dims=1, max_dims=4, min_side=1)))
    pivot = draw(st.integers(0, len(shape) - 1))
    shape[pivot] = max(shape[pivot], 2)  # a sibling to spoil at depth `pivot`
    data = arange_data(shape)
    depth = draw(st.integers(pivot + 1, len(shape)))  # the spoiled element's depth
    index = tuple(draw(st.integers(1 if d == pivot else 0, shape[d] - 1)) for d in range(depth))
    parent = data
    for i in index[:-1]:
        parent = parent[i]
    node = parent[index[-1]]
    if depth < len(shape):  # a list: wrong length, or a number instead
        how = draw(st.sampled_from(("longer", "shorter", "number")))
        if how == "longer":
            node.append(node[0])
        elif how == "shorter":
            node.pop()
        else:
            parent[index[-1]] = 7.0
    else:  # a number: a list instead
        parent[index[-1]] = [node]
    return data, index


@st.composite
def non_numeric_lists(draw: Any) -> tuple[Any, tuple[int, ...]]:
    """(data, index): well-formed nested lists whose element at `index` is not a number."""
    shape = draw(shapes(min_dims=1, max_dims=4, min_side=1))
    data = arange_data(shape)
    index = tuple(draw(st.integers(0, size - 1)) for size in shape)
    parent = data
    for i in index[:-1]:
        parent = parent[i]
    parent[index[-1]] = draw(st.sampled_from(("a", None, "1.0", {})))
    return data, index


def expected_error(data: Any) -> tuple[str, tuple[int, ...]] | None:
    """The error `infer_shape(data)` must raise, as (class name, index), or None."""
    dims: list[int] = []
    first = data
    while type(first) is list:
        dims.append(len(first))
        if not first:
            break
        first = first[0]

    def check(item: Any, index: tuple[int, ...]) -> tuple[str, tuple[int, ...]] | None:
        if len(index) == len(dims):
            if type(item) is list:
                return "ValueError", index
            return None if isinstance(item, int | float) else ("TypeError", index)
        if type(item) is not list or len(item) != dims[len(index)]:
            return "ValueError", index
        for i, sub in enumerate(item):
            found = check(sub, (*index, i))
            if found:
                return found
        return None

    return check(data, ())


# -- index keys --------------------------------------------------------------------------------
def key_text(key: dict) -> str:
    """`[1:3, ::-2]` — how a student would write the key."""
    return index_text(key)


@st.composite
def index_keys(draw: Any, shape: Sequence[int], ints: bool = True) -> dict:
    """A basic index key for `shape`: ints in range (negative too) and slices with steps."""
    count = draw(st.integers(0, len(shape)))
    items: list[Any] = []
    for size in shape[:count]:
        if ints and size > 0 and draw(st.integers(0, 2)) == 0:
            items.append(draw(st.integers(-size, size - 1)))
        else:
            bound = st.one_of(st.none(), st.integers(-size - 1, size + 1))
            step = st.sampled_from((None, 1, 2, -1, 3, -2, -3))
            items.append([draw(bound), draw(bound), draw(step)])
    return encode_index(items, one=count == 1 and draw(st.booleans()))


# -- view chains -------------------------------------------------------------------------------
def _factorizations(draw: Any, numel: int) -> tuple[int, ...]:
    """A random shape of up to 4 dimensions holding `numel` elements."""
    if numel == 0:
        dims = list(draw(st.lists(sides(), min_size=1, max_size=4)))
        dims[draw(st.integers(0, len(dims) - 1))] = 0
        return tuple(dims)
    primes, rest, f = [], numel, 2
    while rest > 1:
        while rest % f == 0:
            primes.append(f)
            rest //= f
        f += 1
    ndim = draw(st.integers(1 if numel > 1 else 0, 4))
    dims = [1] * ndim
    for p in primes:
        dims[draw(st.integers(0, ndim - 1))] *= p
    return tuple(dims)


VIEW_STEPS = ("permute", "transpose", "T", "index", "expand", "broadcast_to", "reshape")


@st.composite
def view_chains(draw: Any, shape: Sequence[int], steps: Sequence[str] = VIEW_STEPS,
                max_steps: int = 4) -> list:
    """A chain of 1 to `max_steps` views that is valid on a tensor of `shape`."""
    arr = np.zeros(shape)
    chain: list = []
    for _ in range(draw(st.integers(1, max_steps))):
        ndim = arr.ndim
        kind = draw(st.sampled_from([s for s in steps if ndim or s not in ("transpose",)]))
        if kind == "permute":  # some dims negative (counted from the end)
            step = ["permute", [d - ndim if draw(st.booleans()) else d
                                for d in draw(st.permutations(range(ndim)))]]
        elif kind == "transpose":
            d = st.integers(-ndim, ndim - 1)
            step = ["transpose", draw(d), draw(d)]
        elif kind == "T":
            step = ["T"]
        elif kind == "index":
            step = ["index", draw(index_keys(arr.shape))]
        elif kind in ("expand", "broadcast_to"):
            sizes = [draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 4 - ndim)))]
            for size in arr.shape:
                grown = draw(st.sampled_from((1, 2, 3, 0))) if size == 1 else size
                if kind == "expand" and grown == size and draw(st.booleans()):
                    grown = -1  # expand's "keep this size"
                sizes.append(grown)
            step = [kind, sizes]
            if apply_step(arr, step).size > 1024:
                continue
        else:
            new = list(_factorizations(draw, arr.size))
            if arr.size and new and draw(st.booleans()):
                new[draw(st.integers(0, len(new) - 1))] = -1
            step = ["reshape", new]
        arr = apply_step(arr, step)
        chain.append(step)
    if not chain:
        chain.append(["T"])
    return chain


def apply_step(arr: np.ndarray, step: list) -> np.ndarray:
    """One view step, done by numpy."""
    kind = step[0]
    if kind == "permute":
        return arr.transpose(step[1])
    if kind == "transpose":
        return np.swapaxes(arr, step[1], step[2])
    if kind == "T":
        return arr.T
    if kind == "index":
        key = decode_index(step[1])
        key = (*key, Ellipsis) if isinstance(key, tuple) else (key, Ellipsis)
        return arr[key]  # the Ellipsis keeps a 0-d result a view, as in teenygrad
    if kind == "expand":
        lead = len(step[1]) - arr.ndim
        sizes = [arr.shape[d - lead] if s == -1 else s for d, s in enumerate(step[1])]
        return np.broadcast_to(arr, sizes)
    if kind == "broadcast_to":
        return np.broadcast_to(arr, step[1])
    if kind == "reshape":
        return arr.reshape(step[1])
    raise ValueError(f"unknown view step {kind!r}")


def chain_text(chain: list) -> str:
    """`t.permute(1, 0)[1:, ::-2].reshape(6)` — the chain as a student would write it."""
    return view_chain_text(chain) or "t"


def _address(arr: np.ndarray) -> int:
    return arr.__array_interface__["data"][0]


def chain_oracle(shape: Sequence[int], chain: list) -> dict:
    """What numpy does with the chain on a contiguous base of `shape` holding 0, 1, 2, ...

    Returns the final `shape`, `values`, and, when the layout is well defined (the final view
    and every reshaped tensor have elements), `strides` and `offset` relative to the storage
    the view lives in, and `shares` (True when no reshape had to copy).
    """
    base = np.arange(math.prod(shape), dtype=np.float64).reshape(shape)
    root, arr, defined = base, base, True
    for step in chain:
        new = apply_step(arr, step)
        if step[0] == "reshape":
            if arr.size == 0:
                defined = False
            elif not np.shares_memory(new, arr):
                root = new  # numpy copied: later offsets count from the copy
        arr = new
    out = {"shape": list(arr.shape), "values": arr.tolist(), "defined": defined and arr.size > 0}
    if out["defined"]:
        out["strides"] = [s // ITEM for s in arr.strides]
        out["offset"] = (_address(arr) - _address(root)) // ITEM
        out["shares"] = root is base
    return out


def layout_mismatch(got: dict, want: dict) -> str | None:
    """Compare strides (dimensions of size > 1 only: others are never used) and offset."""
    shape = want["shape"]
    if list(got["shape"]) != shape:
        return f"shape {fmt_shape(got['shape'])}, expected {fmt_shape(shape)}"
    if len(got["strides"]) != len(shape):
        return f"strides {tuple(got['strides'])} do not have one entry per dimension"
    for d, size in enumerate(shape):
        if size > 1 and got["strides"][d] != want["strides"][d]:
            return (f"strides {tuple(got['strides'])}, expected {tuple(want['strides'])} "
                    f"(dimension {d} differs)")
    if got["offset"] != want["offset"]:
        return f"offset {got['offset']}, expected {want['offset']}"
    return None


# -- layouts over a larger storage ---------------------------------------------------------------
@st.composite
def layouts(draw: Any, shape: Sequence[int], fill: str = "grid", pad: float | None = None,
            contiguous: bool | None = None) -> dict:
    """A tensor of `shape` laid out inside a larger storage, as a layout dict.

    The storage holds a parent block whose dimensions are stored in a random order (a
    transposed layout), each possibly padded; the view picks every 1st or 2nd element of each
    dimension, forwards or backwards, after a random lead. `contiguous=True` gives a plain
    row-major layout (perhaps offset), `False` never forces it, None mixes both. Values are
    multiples of 0.5 in [-4, 4] (`fill="grid"`) or the same without 0 (`fill="nonzero"`);
    the padding holds `pad` when given. Everything but the shape comes from one seed (cheap to
    generate); seed 0, where shrinking goes, is a plain contiguous layout.
    """
    seed = draw(st.integers(0, 2**32 - 1))
    rnd = random.Random(seed)
    ndim = len(shape)
    if contiguous is None:
        contiguous = seed % 4 == 0
    if contiguous:
        order, steps, pads = list(range(ndim)), [1] * ndim, [0] * ndim
    else:
        order = rnd.sample(range(ndim), ndim)
        steps = [rnd.choice((1, 2, -1, -2)) for _ in range(ndim)]
        pads = [rnd.choice((0, 0, 1)) for _ in range(ndim)]
    lead = rnd.choice((0, 0, 1, 3)) if seed else 0
    parent = [max((n - 1) * abs(k) + 1 + p, 1) for n, k, p in zip(shape, steps, pads, strict=True)]
    mem = [1] * ndim  # parent strides: dims stored in `order`, outermost first
    step = 1
    for d in reversed(order):
        mem[d] = step
        step *= parent[d]
    offset = lead
    strides = []
    for d in range(ndim):
        room = parent[d] - ((shape[d] - 1) * abs(steps[d]) + 1) if shape[d] else 0
        start = rnd.randint(0, max(room, 0))
        if steps[d] < 0 and shape[d]:
            start = parent[d] - 1 - start
        offset += start * mem[d]
        strides.append(mem[d] * steps[d])
    size = lead + math.prod(parent) + (rnd.choice((0, 0, 2)) if seed else 0)
    storage = [_grid(rnd, fill == "nonzero") for _ in range(size)]
    layout = {"storage": storage, "shape": list(shape), "strides": strides, "offset": offset}
    if pad is not None:
        used = set(view_positions(layout))
        layout["storage"] = [v if i in used else pad for i, v in enumerate(storage)]
    return layout


def view_positions(layout: dict) -> list[int]:
    """Storage positions of a layout's elements in row-major order."""
    found = [layout["offset"]]
    for size, stride in zip(layout["shape"], layout["strides"], strict=True):
        found = [at + i * stride for at in found for i in range(size)]
    return found


def as_array(layout: dict, storage: np.ndarray | None = None) -> np.ndarray:
    """The numpy view a layout describes (writable, over `storage` when given)."""
    buf = np.array(layout["storage"], dtype=np.float64) if storage is None else storage
    return np.ndarray(tuple(layout["shape"]), np.float64, buffer=buf,
                      offset=layout["offset"] * ITEM, strides=[s * ITEM for s in layout["strides"]])


def layout_text(layout: dict) -> str:
    """A one-line description of a layout for failure messages."""
    return (f"shape {fmt_shape(layout['shape'])}, strides {tuple(layout['strides'])}, "
            f"offset {layout['offset']}")


# -- broadcasting --------------------------------------------------------------------------------
@st.composite
def broadcast_shape_pairs(draw: Any, same_rank: bool) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Two shapes that broadcast together, of equal ranks or (same_rank=False) of different
    ranks (one may be 0-d)."""
    out = draw(shapes(min_dims=0 if same_rank else 1, max_dims=4))
    if same_rank:
        ranks = (len(out), len(out))
    else:
        first = draw(st.integers(0, len(out)))
        second = draw(st.integers(0, len(out)).filter(lambda r: r != first))
        ranks = (first, second)
    pair = []
    for rank in ranks:
        shape = list(out[len(out) - rank:])
        for d in range(rank):
            if draw(st.integers(0, 2)) == 0:
                shape[d] = 1
        pair.append(tuple(shape))
    return pair[0], pair[1]


@st.composite
def incompatible_shape_pairs(draw: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Two shapes that do not broadcast: one aligned dimension holds different sizes > 1."""
    a = list(draw(shapes(min_dims=1, max_dims=4, min_side=1)))
    b = list(a[draw(st.integers(0, len(a) - 1)):])
    d = draw(st.integers(1, len(b)))
    a[-d] = draw(st.integers(2, 4))
    b[-d] = a[-d] + draw(st.integers(1, 2))
    return (tuple(a), tuple(b)) if draw(st.booleans()) else (tuple(b), tuple(a))


def binary_oracle(op: str, left: Any, right: Any) -> np.ndarray:
    """numpy's `left op right` (operands: numpy arrays or floats)."""
    fns = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}
    return np.asarray(fns[op](left, right), dtype=np.float64)


def operand_value(spec: dict) -> Any:
    """The numpy value of an operand spec."""
    if "scalar" in spec:
        return float(spec["scalar"])
    if "layout" in spec:
        return as_array(spec["layout"])
    return np.asarray(spec["tensor"], dtype=np.float64)


@st.composite
def sum_axes(draw: Any, ndim: int) -> Any:
    """None, an int (negative too), or a list of distinct axes."""
    kind = draw(st.sampled_from(("none", "int", "tuple")) if ndim else st.just("none"))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    axes = draw(st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim))
    return [a - ndim if draw(st.booleans()) else a for a in axes]


def sum_oracle(layout: dict, axis: Any, keepdims: bool) -> np.ndarray:
    """numpy's sum of the layout's view."""
    arr = as_array(layout)
    axis = tuple(axis) if isinstance(axis, list) else axis
    return np.asarray(arr.sum(axis=axis, keepdims=keepdims))


# -- BLAS ----------------------------------------------------------------------------------------
SENTINEL = 1234.5  # what the output's storage holds outside its view: it must stay there


def storage_mismatch(got: Sequence[float], want: Sequence[float], layout: dict, name: str,
                     rtol: float = 1e-9, atol: float = 1e-9) -> str | None:
    """Compare a whole storage after a BLAS call; explain the first difference by index."""
    if len(got) != len(want):
        return (f"{name}'s storage has {len(got)} elements, expected {len(want)} (it must be "
                f"updated in place, not replaced)")
    try:
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return f"{name}'s storage holds something that is not a number"
    w = np.asarray(want, dtype=np.float64)
    close = np.isclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    positions = view_positions(layout)
    where = {p: i for i, p in enumerate(positions)}
    bad = int(np.argmin(close))
    if bad not in where:
        return (f"{name}'s storage changed outside its view, at position {bad} "
                f"(got {shown(g[bad])}, expected {shown(w[bad])}); {name} is a view with "
                f"{layout_text(layout)}")
    index = np.unravel_index(where[bad], tuple(layout["shape"]))
    index = tuple(int(i) for i in index)
    count = int((~close).sum())
    return f"{name}{list(index)} = {shown(g[bad])}, expected {shown(w[bad])} ({count} wrong)"


def gemm_oracle(alpha: float, a: dict, b: dict, beta: float, c: dict, trans_a: bool,
                trans_b: bool, ignore_beta: bool = False) -> list[float]:
    """C's storage after C ← alpha·op(A)·op(B) + beta·C (numpy; BLAS rules for 0)."""
    opa = as_array(a).T if trans_a else as_array(a)
    opb = as_array(b).T if trans_b else as_array(b)
    buf = np.array(c["storage"], dtype=np.float64)
    view = as_array(c, buf)
    product = opa @ opb if alpha != 0 else np.zeros(view.shape)
    if beta == 0 or ignore_beta:
        view[...] = alpha * product
    else:
        view[...] = alpha * product + beta * view
    return buf.tolist()


def gemv_oracle(alpha: float, a: dict, x: dict, beta: float, y: dict, trans: bool) -> list[float]:
    """y's storage after y ← alpha·op(A)·x + beta·y."""
    opa = as_array(a).T if trans else as_array(a)
    buf = np.array(y["storage"], dtype=np.float64)
    view = as_array(y, buf)
    product = opa @ as_array(x) if alpha != 0 else np.zeros(view.shape)
    view[...] = alpha * product if beta == 0 else alpha * product + beta * view
    return buf.tolist()


def axpy_oracle(alpha: float, x: dict, y: dict) -> list[float]:
    """y's storage after y ← alpha·x + y."""
    buf = np.array(y["storage"], dtype=np.float64)
    view = as_array(y, buf)
    if alpha != 0:
        view += alpha * as_array(x)
    return buf.tolist()


def _read_untransposed(layout: dict, trans: bool) -> np.ndarray | None:
    """op(X) as code that ignores `trans` reads it: op(X)'s shape walked with X's own strides
    (None when that walk leaves the storage: such code raises instead)."""
    rows, cols = layout["shape"][::-1] if trans else layout["shape"]
    s0, s1 = layout["strides"]
    where = layout["offset"] + np.arange(rows)[:, None] * s0 + np.arange(cols)[None, :] * s1
    storage = np.asarray(layout["storage"], dtype=np.float64)
    if where.size and (where.min() < 0 or where.max() >= len(storage)):
        return None
    return storage[where]


def _gemm_ignoring(case: dict, flag: str) -> list[float] | None:
    """C's storage from an sgemm that ignores `flag` ("trans_a" or "trans_b") when reading its
    operand, or None when such an sgemm could not have run on this case."""
    a = _read_untransposed(case["a"], case["trans_a"]) if flag == "trans_a" else \
        as_array(case["a"]).T if case["trans_a"] else as_array(case["a"])
    b = _read_untransposed(case["b"], case["trans_b"]) if flag == "trans_b" else \
        as_array(case["b"]).T if case["trans_b"] else as_array(case["b"])
    if a is None or b is None:
        return None
    buf = np.array(case["c"]["storage"], dtype=np.float64)
    view = as_array(case["c"], buf)
    product = case["alpha"] * (a @ b) if case["alpha"] != 0 else np.zeros(view.shape)
    view[...] = product if case["beta"] == 0 else product + case["beta"] * view
    return buf.tolist()


#: Shapes whose row-major strides `explain_error` checks.
FOUNDATION_SHAPES = ((2, 3), (2, 3, 4))


def explain_error(student: Any) -> tuple[str, str] | None:
    """When the student's code raised: is `contiguous_strides`, which every `Tensor(data)`,
    copy and reshape relies on, wrong? Then (cause, sentence) to show first; None when it is
    right or not written yet (the tests say so themselves)."""
    from autograder.judge.errors import StudentError, StudentStop

    for shape in FOUNDATION_SHAPES:
        want = [s // ITEM for s in np.zeros(shape).strides]
        try:
            got = student.call("autograder.probes.level_minus1:contiguous_strides", list(shape))
        except (StudentError, StudentStop):
            return None
        if got != want:
            return ("`contiguous_strides` is wrong",
                    f"check contiguous_strides first: contiguous_strides({shape}) gives "
                    f"{tuple(got) if isinstance(got, list) else got}, expected {tuple(want)} "
                    "(row-major: the last axis has stride 1)")
    return None


def explain_gemm(got: dict, case: dict) -> str | None:
    """None when sgemm's result is right, else one sentence for the student."""
    want = gemm_oracle(**case)
    args = (f"alpha={case['alpha']}, beta={case['beta']}, trans_a={case['trans_a']}, "
            f"trans_b={case['trans_b']}, A {layout_text(case['a'])}, "
            f"B {layout_text(case['b'])}, C {layout_text(case['c'])}")
    for name, key in (("A", "a"), ("B", "b")):
        if storage_mismatch(got[name], case[key]["storage"], case[key], name) is not None:
            return f"sgemm modified {name}; it must only write C ({args})"
    wrong = storage_mismatch(got["C"], want, case["c"], "C")
    if wrong is None:
        return None
    c_view = as_array(case["c"])
    if case["beta"] == 0 and np.isnan(c_view).any() and np.isnan(got["C"]).any():
        return f"NaN in C leaked into the result: with beta = 0, C must not be read ({args})"
    if case["alpha"] == 0 and np.isnan(got["C"]).any() and not np.isnan(want).any():
        return f"NaN in A or B leaked into the result: with alpha = 0, A and B must not be read " \
               f"({args})"
    if case["beta"] != 0:
        ignored = gemm_oracle(**case, ignore_beta=True)
        if storage_mismatch(got["C"], ignored, case["c"], "C") is None:
            return ("sgemm ignores beta: C was overwritten, expected beta*C + alpha*A@B "
                    f"({args})")
    for flag, name in (("trans_a", "A"), ("trans_b", "B")):
        ignored = _gemm_ignoring(case, flag) if case[flag] else None
        if ignored is not None and storage_mismatch(got["C"], ignored, case["c"], "C") is None:
            return (f"sgemm ignores {flag}: with {flag}=True, op({name}) is {name}ᵀ, so read "
                    f"{name}[p, i] where you read {name}[i, p] (swap {name}'s strides) ({args})")
    return f"sgemm: {wrong} ({args})"


def explain_gemv(got: dict, case: dict) -> str | None:
    """None when sgemv's result is right, else one sentence for the student."""
    want = gemv_oracle(**case)
    args = (f"alpha={case['alpha']}, beta={case['beta']}, trans={case['trans']}, "
            f"A {layout_text(case['a'])}, x {layout_text(case['x'])}, "
            f"y {layout_text(case['y'])}")
    for name, key in (("A", "a"), ("x", "x")):
        if storage_mismatch(got[name], case[key]["storage"], case[key], name) is not None:
            return f"sgemv modified {name}; it must only write y ({args})"
    wrong = storage_mismatch(got["y"], want, case["y"], "y")
    if wrong is None:
        return None
    if case["beta"] == 0 and np.isnan(as_array(case["y"])).any() and np.isnan(got["y"]).any():
        return f"NaN in y leaked into the result: with beta = 0, y must not be read ({args})"
    if case["alpha"] == 0 and np.isnan(got["y"]).any() and not np.isnan(want).any():
        return f"NaN in A or x leaked into the result: with alpha = 0, A and x must not be read " \
               f"({args})"
    return f"sgemv: {wrong} ({args})"


@st.composite
def gemm_cases(draw: Any, max_side: int = 5) -> dict:
    """Random sgemm arguments: shapes 1..max_side (non-square), any layouts, alpha/beta edges."""
    m, n, k = (draw(st.integers(1, max_side)) for _ in range(3))
    trans_a, trans_b = draw(st.booleans()), draw(st.booleans())
    beta = draw(st.sampled_from(SCALARS))
    case = {
        "alpha": draw(st.sampled_from(SCALARS)),
        "a": draw(layouts((k, m) if trans_a else (m, k), pad=math.nan, contiguous=False)),
        "b": draw(layouts((n, k) if trans_b else (k, n), pad=math.nan, contiguous=False)),
        "beta": beta,
        "c": draw(layouts((m, n), pad=SENTINEL)),
        "trans_a": trans_a,
        "trans_b": trans_b,
    }
    return case


@st.composite
def gemv_cases(draw: Any, max_side: int = 5) -> dict:
    """Random sgemv arguments."""
    m, n = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    trans = draw(st.booleans())
    return {
        "alpha": draw(st.sampled_from(SCALARS)),
        "a": draw(layouts((m, n), pad=math.nan)),
        "x": draw(layouts(((m if trans else n),), pad=math.nan)),
        "beta": draw(st.sampled_from(SCALARS)),
        "y": draw(layouts(((n if trans else m),), pad=SENTINEL)),
        "trans": trans,
    }


def with_nan_view(layout: dict) -> dict:
    """The same layout with NaN in every element of the view (the BLAS β = 0 test)."""
    storage = list(layout["storage"])
    for p in view_positions(layout):
        storage[p] = math.nan
    return {**layout, "storage": storage}


# -- the sblat idea: every combination, deterministic ------------------------------------------
SBLAT_SIZES = (0, 1, 2, 5)  # m, n, k of sgemm
SBLAT_GEMV_SIZES = (0, 1, 3)  # m, n of sgemv (crossed with 16 increment pairs)
SBLAT_PAD = -777.0  # padding of sblat's inputs: a stray read shows up in the result
SBLAT_ALPHAS = (0.0, 1.0, 0.7)
SBLAT_BETAS_GEMM = (0.0, 1.0, 1.3)
SBLAT_BETAS_GEMV = (0.0, 1.0, 0.9)
SBLAT_INCS = (1, 2, -1, -2)


def _matrix(rng: np.random.Generator, rows: int, cols: int, variant: int, pad: float) -> dict:
    """A matrix with a leading dimension larger than its row (sblat's LDA = M + 1), and for
    odd variants a column step of 2 as well."""
    col_step = 2 if variant % 2 else 1
    ld = cols * col_step + 1
    storage = [pad] * (rows * ld + 1)
    layout = {"storage": storage, "shape": [rows, cols], "strides": [ld, col_step], "offset": 1}
    for p in view_positions(layout):
        storage[p] = float(rng.integers(-8, 9)) / 2
    return layout


def _vector(rng: np.random.Generator, n: int, inc: int, pad: float, fill: float | None = None
            ) -> dict:
    """A vector with increment `inc` (negative: stored backwards, as the BLAS does)."""
    size = max((n - 1) * abs(inc) + 1, 1) + 2
    offset = 1 if inc > 0 else size - 2
    storage = [pad] * size
    layout = {"storage": storage, "shape": [n], "strides": [inc], "offset": offset}
    for p in view_positions(layout):
        storage[p] = float(rng.integers(-8, 9)) / 2 if fill is None else fill
    return layout


def sblat_gemm_cases(trans_a: bool, trans_b: bool) -> list[dict]:
    """Every (m, n, k, alpha, beta) for one transpose combination; NaN in C when beta = 0."""
    rng = np.random.default_rng(1 + 2 * trans_a + trans_b)
    cases = []
    for m in SBLAT_SIZES:
        for n in SBLAT_SIZES:
            for k in SBLAT_SIZES:
                for alpha in SBLAT_ALPHAS:
                    for beta in SBLAT_BETAS_GEMM:
                        v = len(cases)
                        a = _matrix(rng, *((k, m) if trans_a else (m, k)), v, SBLAT_PAD)
                        b = _matrix(rng, *((n, k) if trans_b else (k, n)), v // 2, SBLAT_PAD)
                        c = _matrix(rng, m, n, v // 4, SENTINEL)
                        if beta == 0:
                            c = with_nan_view(c)
                        cases.append({"alpha": alpha, "a": a, "b": b, "beta": beta, "c": c,
                                      "trans_a": trans_a, "trans_b": trans_b})
    return cases


def sblat_gemv_cases(trans: bool) -> list[dict]:
    """Every (m, n, alpha, beta, incx, incy) for one value of trans; NaN in y when beta = 0."""
    rng = np.random.default_rng(11 + trans)
    cases = []
    for m in SBLAT_GEMV_SIZES:
        for n in SBLAT_GEMV_SIZES:
            for alpha in SBLAT_ALPHAS:
                for beta in SBLAT_BETAS_GEMV:
                    for incx in SBLAT_INCS:
                        for incy in SBLAT_INCS:
                            a = _matrix(rng, m, n, len(cases), SBLAT_PAD)
                            x = _vector(rng, n if not trans else m, incx, SBLAT_PAD)
                            y = _vector(rng, m if not trans else n, incy, SENTINEL,
                                        math.nan if beta == 0 else None)
                            cases.append({"alpha": alpha, "a": a, "x": x, "beta": beta,
                                          "y": y, "trans": trans})
    return cases


# -- explicit cases: every view operation and binary op on every layout ------------------------
#: The layouts a case is checked on. Views start from a contiguous base, so each is a chain
#: from one (base shape, chain): contiguous, transposed, negative steps, an offset with gaps
#: (a sliced block), and zero strides (expanded).
LAYOUT_CHAINS: dict[str, tuple[tuple[int, ...], list]] = {
    "contiguous": ((3, 4), []),
    "transposed": ((3, 4), [["T"]]),
    "negative step": ((3, 4), [["index", {"tuple": [[None, None, -1], [3, None, -2]]}]]),
    "offset": ((4, 5), [["index", {"tuple": [[1, None, None], [1, 4, None]]}]]),
    "zero stride": ((3, 1), [["expand", [2, 3, 4]]]),
}
#: The same layouts for an operand of any shape (see `fixed_layout`).
LAYOUT_KINDS = tuple(LAYOUT_CHAINS)


def view_steps(shape: Sequence[int]) -> list[list]:
    """One step of every view operation that is valid on `shape` (2-d or more): permute (with
    a negative dim too), transpose, T, ints (negative too, down to 0-d), slices with a start
    (an offset) and a step, negative steps from the end and from an explicit start, expand and
    broadcast_to."""
    ndim = len(shape)
    return [
        ["permute", [*range(1, ndim), 0]],
        ["permute", [-1, *range(ndim - 1)]],  # t.permute(-1, 0): the last dim first
        ["transpose", 0, -1],
        ["T"],
        ["index", {"one": -1}],
        ["index", {"tuple": [0] * ndim}],
        ["index", {"tuple": [[1, None, 2]]}],
        ["index", {"one": [None, None, -1]}],
        ["index", {"tuple": [[-2, None, -1], [None, 0, -2]]}],
        ["index", {"tuple": [[None, None, None], [shape[1] - 2, None, -1]]}],
        ["expand", [2, *([-1] * ndim)]],
        ["broadcast_to", [2, *shape]],
    ]


def reshape_targets(shape: Sequence[int]) -> list[list[int]]:
    """Reshapes of `shape` that numpy does as a view on some layouts and as a copy on others:
    everything merged, the first or last two dimensions merged, a size-1 dimension inserted,
    and an even dimension split."""
    targets = [[-1], [-1, *shape[2:]], [*shape[:-2], -1], [*shape[:-1], 1, shape[-1]]]
    for d, size in enumerate(shape):
        if size % 2 == 0 and size > 2:
            targets.append([*shape[:d], 2, size // 2, *shape[d + 1:]])
            break
    return [t for i, t in enumerate(targets) if t not in targets[:i]]


def _view_shape(shape: Sequence[int], chain: list) -> tuple[int, ...]:
    arr = np.zeros(shape)
    for step in chain:
        arr = apply_step(arr, step)
    return arr.shape


def layout_view_cases(reshape: bool = True) -> list[tuple[tuple[int, ...], list]]:
    """(base shape, chain) for every view operation on every layout of `LAYOUT_CHAINS`
    (reshape too, unless `reshape` is False)."""
    cases = []
    for shape, prefix in LAYOUT_CHAINS.values():
        view = _view_shape(shape, prefix)
        steps = view_steps(view) + ([["reshape", t] for t in reshape_targets(view)]
                                    if reshape else [])
        cases += [(shape, [*prefix, step]) for step in steps]
    return cases


def layout_reshape_cases() -> list[tuple[tuple[int, ...], list]]:
    """(base shape, chain): every layout of `LAYOUT_CHAINS`, then each of its reshape targets."""
    return [(shape, [*prefix, ["reshape", t]]) for shape, prefix in LAYOUT_CHAINS.values()
            for t in reshape_targets(_view_shape(shape, prefix))]


#: Index keys every write is checked with: a negative int, a slice with a start and a step,
#: negative steps from the end and from an explicit start.
WRITE_KEYS = ({"one": -1}, {"tuple": [[1, None, 2]]}, {"one": [None, None, -1]},
              {"tuple": [[-2, None, -1], [None, 0, -2]]})


def write_cases(expanded: bool) -> list[tuple[tuple[int, ...], list, dict, dict]]:
    """(base shape, chain, key, value) for every layout (the expanded one only when
    `expanded`: numpy cannot write through it) and every key of `WRITE_KEYS`; values alternate
    between a number and a tensor that broadcasts."""
    cases = []
    for kind, (shape, chain) in LAYOUT_CHAINS.items():
        if kind == "zero stride" and not expanded:
            continue
        for i, key in enumerate(WRITE_KEYS):
            value: dict = {"scalar": -2.5} if i % 2 == 0 else {"tensor": [1.5]}
            cases.append((shape, chain, key, value))
    return cases


def _grid_values(count: int, nonzero: bool, salt: int) -> list[float]:
    """`count` fixed multiples of 0.5 in [-4, 4] (never 0 when `nonzero`)."""
    return [_grid(random.Random(salt * 7919 + i), nonzero) for i in range(count)]


def fixed_layout(shape: Sequence[int], kind: str, fill: str = "grid", salt: int = 0) -> dict:
    """A layout of `shape` of one kind of `LAYOUT_KINDS`, holding fixed grid values: plain
    row-major; stored with the dimensions in reverse order; every dimension reversed; inside a
    padded block after a lead (an offset with gaps); or with stride 0 in the first dimension
    (a 0-d shape is plain). The Ellipsis in each index keeps a 0-d result a view."""
    shape = tuple(shape)
    n, ndim = math.prod(shape), len(shape)
    nonzero = fill == "nonzero"
    if kind == "offset":
        block = tuple(s + 2 for s in shape)
        buf = np.array(_grid_values(math.prod(block) + 3, nonzero, salt))
        arr = buf[3:].reshape(block)[(*(slice(1, 1 + s) for s in shape), Ellipsis)]
    elif kind == "zero stride" and ndim:
        buf = np.array(_grid_values(math.prod(shape[1:]), nonzero, salt))
        arr = np.broadcast_to(buf.reshape(shape[1:]), shape)
    else:
        buf = np.array(_grid_values(n, nonzero, salt))
        if kind == "transposed":
            arr = buf.reshape(shape[::-1]).T
        elif kind == "negative step":
            arr = buf.reshape(shape)[(*(slice(None, None, -1),) * ndim, Ellipsis)]
        else:
            arr = buf.reshape(shape)
    return {"storage": buf.tolist(), "shape": list(shape),
            "strides": [s // ITEM for s in arr.strides],
            "offset": (_address(arr) - _address(buf)) // ITEM if arr.size else 0}


#: Broadcasting patterns of two operands, (shape of a, shape of b), of equal ranks and of
#: different ranks: equal shapes, size-1 dimensions stretched on either or both sides, leading
#: dimensions added on either side (0-d included), and both at once.
SAME_RANK_PATTERNS = (((2, 3), (2, 3)), ((2, 3), (2, 1)), ((1, 3), (2, 3)), ((2, 1), (1, 3)),
                      ((3, 1, 4), (1, 2, 1)))
RANK_PATTERNS = (((2, 3), (3,)), ((3,), (2, 3)), ((2, 3), ()), ((), (2, 3)),
                 ((4, 1, 3), (2, 1)), ((2, 1), (3, 1, 4)))


def broadcast_cases(same_rank: bool) -> list[tuple[str, dict, dict]]:
    """(op, left, right) for + - * / on every pattern, the operands' layouts taking every kind
    of `LAYOUT_KINDS` in turn (a divisor never holds 0)."""
    patterns = SAME_RANK_PATTERNS if same_rank else RANK_PATTERNS
    cases = []
    for i, (op, (a, b)) in enumerate((op, pair) for op in "+-*/" for pair in patterns):
        left = fixed_layout(a, LAYOUT_KINDS[i % len(LAYOUT_KINDS)], salt=2 * i)
        right = fixed_layout(b, LAYOUT_KINDS[(i + 2) % len(LAYOUT_KINDS)],
                             fill="nonzero" if op == "/" else "grid", salt=2 * i + 1)
        cases.append((op, {"layout": left}, {"layout": right}))
    return cases


def scalar_cases() -> list[tuple[str, dict, dict]]:
    """(op, left, right) for t op x and x op t (x a Python number, so `x op t` reaches the
    reflected `__radd__`, `__rsub__`, `__rmul__`, `__rtruediv__`) for + - * /, the tensor taking
    every kind of `LAYOUT_KINDS` in turn; a divisor never holds 0, and x - t != t - x."""
    cases = []
    for i, op in enumerate("+-*/"):
        for tensor_left in (True, False):
            kind = LAYOUT_KINDS[(2 * i + tensor_left) % len(LAYOUT_KINDS)]
            fill = "nonzero" if op == "/" and not tensor_left else "grid"
            tensor = {"layout": fixed_layout((2, 3), kind, fill=fill, salt=i)}
            scalar = {"scalar": 2.5 if op == "/" else -1.5}
            cases.append((op, tensor, scalar) if tensor_left else (op, scalar, tensor))
    return cases


def layout_cases() -> list[dict]:
    """A layout of every kind for a few shapes (size-1 dimensions and 1-d included)."""
    return [fixed_layout(shape, kind, salt=i)
            for i, shape in enumerate(((3, 4), (2, 1, 3), (4,)))
            for kind in LAYOUT_KINDS]


# -- comparisons with a message for the student ------------------------------------------------
def values_mismatch(got: Any, want: Any, rtol: float = 0.0, atol: float = 0.0) -> str | None:
    """Compare tolist()-style nested values with numpy's (exactly by default; NaN == NaN)."""
    want = np.asarray(want, dtype=np.float64)
    if want.ndim == 0 and isinstance(got, list):
        return f"tolist() gave a list {_short(got)}, expected the number {shown(want)}"
    if want.size == 0:  # nesting alone cannot show a shape like (0, 1): compare the lists
        expected = want.tolist()
        return None if got == expected else f"tolist() gave {_short(got)}, expected {expected}"
    try:
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return f"tolist() gave {_short(got)}, which is not nested lists of numbers"
    if g.shape != want.shape:
        return f"tolist() has the nesting of shape {g.shape}, expected {want.shape}"
    close = np.isclose(g, want, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    bad = tuple(int(i) for i in np.argwhere(~close)[0])
    if not bad:  # a 0-d value
        return f"tolist() gave {shown(g)}, expected {shown(want)}"
    return (f"element {list(bad)} is {shown(g[bad])}, expected {shown(want[bad])} "
            f"({int((~close).sum())} of {g.size} wrong)")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def offset_ignored(values: Any, want: dict) -> str | None:
    """The diagnosis when a view's values are those of its elements counted from storage
    position 0 instead of its offset (the base holds 0, 1, 2, ...: a value is its position)."""
    offset = want.get("offset", 0)
    if not (want.get("defined") and want.get("shares") and offset):
        return None
    try:
        got = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    shifted = np.asarray(want["values"], dtype=np.float64) - offset
    if got.shape != shifted.shape or not np.array_equal(got, shifted):
        return None
    return (f"your values are the view's elements counted from storage position 0: start at "
            f"the view's offset ({offset}) when finding element positions; ")


def explain_view(got: dict, want: dict, check_layout: bool) -> str | None:
    """Compare a probe's view description with `chain_oracle`'s: shape, values, then (when
    asked and defined) strides, offset and storage sharing."""
    if list(got["shape"]) != want["shape"]:
        return f"shape {fmt_shape(got['shape'])}, expected {fmt_shape(want['shape'])}"
    wrong = values_mismatch(got["values"], want["values"])
    if wrong:
        return (offset_ignored(got["values"], want) or "") + wrong
    if not (check_layout and want["defined"]):
        return None
    if got["shares"] != want["shares"]:
        if want["shares"]:
            return "the result does not share the base's storage: it should be a view, not a copy"
        return "the result shares the base's storage, but numpy had to copy here"
    return layout_mismatch(got, want)


def _first_difference(got: list[list[float]], want: list[list[float]]) -> int | None:
    """Index of the first case whose storage differs (lengths, or values beyond 1e-9), or None.

    One vectorised comparison for thousands of small cases: the sblat tests stay fast.
    """
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        if len(g) != len(w):
            return i
    try:
        g = np.concatenate([np.asarray(v, dtype=np.float64) for v in got] or [np.zeros(0)])
    except (TypeError, ValueError):
        return 0
    w = np.concatenate([np.asarray(v, dtype=np.float64) for v in want] or [np.zeros(0)])
    close = np.isclose(g, w, rtol=1e-9, atol=1e-9, equal_nan=True)
    if close.all():
        return None
    bad = int(np.argmin(close))
    ends = np.cumsum([len(v) for v in want])
    return int(np.searchsorted(ends, bad, side="right"))


def explain_many(kind: str, cases: list[dict], outputs: list[list[float]]) -> str | None:
    """Check the output storages (C for sgemm, y for sgemv) of a batch of cases: None if all
    are right, else the explanation of the first wrong one."""
    if not isinstance(outputs, list) or len(outputs) != len(cases):
        return f"{kind}: expected {len(cases)} results"
    oracle = gemm_oracle if kind == "sgemm" else gemv_oracle
    bad = _first_difference(outputs, [oracle(**case) for case in cases])
    if bad is None:
        return None
    case = cases[bad]
    if kind == "sgemm":
        got = {"A": case["a"]["storage"], "B": case["b"]["storage"], "C": outputs[bad]}
        return explain_gemm(got, case) or f"sgemm: case {bad} differs"
    got = {"A": case["a"]["storage"], "x": case["x"]["storage"], "y": outputs[bad]}
    return explain_gemv(got, case) or f"sgemv: case {bad} differs"
