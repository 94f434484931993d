"""Part `strided`, hidden: random layouts and random chains of views, checked against numpy."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.judge.api import check_equal, expect_raises, explicit_examples
from autograder.probes import level_minus1 as probes
from autograder.references import level_minus1 as ref

pytestmark = pytest.mark.part("strided")

NO_RESHAPE = tuple(s for s in ref.VIEW_STEPS if s != "reshape")
WRITABLE = ("permute", "transpose", "T", "index")  # views numpy can write through


@st.composite
def _chains(draw, steps=ref.VIEW_STEPS, min_steps=1, max_steps=4):
    """(shape, chain): a base shape and a chain of views on it (empty only if min_steps=0)."""
    shape = draw(ref.shapes())
    if min_steps == 0 and draw(st.integers(0, 3)) == 0:
        return shape, []
    return shape, draw(ref.view_chains(shape, steps, max_steps=max_steps))


def _check(student, shape, chain, check_layout):
    got = student.call(probes.chain_layout if check_layout else probes.chain_values,
                       ref.arange_layout(shape), chain)
    want = ref.chain_oracle(shape, chain)
    wrong = ref.explain_view(got, want, check_layout)
    assert wrong is None, f"{ref.chain_text(chain)} with t of shape {shape}: {wrong}"


@pytest.mark.points(2)
@settings(max_examples=15)
@explicit_examples("shape", [(2, 300), (1,) * 300])  # sizes, then dims, past 256 (CPython
@given(shape=ref.nested_shapes())                    # stops sharing int objects: `is` fails)
def test_constructor(student, shape):
    """Tensor(nested lists) of any shape: row-major storage and strides, offset 0, numel."""
    data = ref.arange_data(shape)
    got = student.call(probes.tensor_build, data)
    what = f"Tensor(data of shape {shape})" if len(shape) <= 4 else \
        f"Tensor(data of {len(shape)} dimensions of size 1)"
    check_equal(tuple(got["shape"]), shape, what=f"{what}.shape")
    strides = tuple(int(np.prod(shape[d + 1:])) for d in range(len(shape)))
    check_equal(tuple(got["strides"]), strides, what=f"{what}.strides")
    check_equal(got["offset"], 0, what=f"{what}.offset")
    check_equal(got["storage"], [float(i) for i in range(int(np.prod(shape)))],
                what=f"{what}.storage")
    check_equal(got["numel"], int(np.prod(shape)), what=f"{what}.numel()")


#: Strides past 256, where CPython stops sharing int objects (strides compared with `is` fail).
BIG_LAYOUTS = [ref.fixed_layout((3, 300), "contiguous"), ref.fixed_layout((2, 300), "offset")]


@pytest.mark.points(2)
@settings(max_examples=40)
@explicit_examples("layout", [*ref.layout_cases(), *BIG_LAYOUTS])
@given(layout=ref.shapes().flatmap(ref.layouts))
def test_is_contiguous(student, layout):
    """is_contiguous() agrees with numpy's C_CONTIGUOUS flag on every kind of layout."""
    got = student.call(probes.layout_is_contiguous, layout)
    want = bool(ref.as_array(layout).flags.c_contiguous)
    assert got is want, f"is_contiguous() = {got} for {ref.layout_text(layout)}, expected {want}"


@pytest.mark.points(2)
@settings(max_examples=20)
@explicit_examples("layout", ref.layout_cases())
@given(layout=ref.shapes().flatmap(ref.layouts))
def test_contiguous_copies(student, layout):
    """contiguous() copies into fresh row-major storage and leaves the source alone."""
    got = student.call(probes.layout_contiguous, layout)
    arr = ref.as_array(layout)
    what = f"contiguous() of {ref.layout_text(layout)}"
    check_equal(tuple(got["shape"]), arr.shape, what=f"{what}: shape")
    wrong = ref.values_mismatch(got["values"], arr)
    assert wrong is None, f"{what}: {wrong}"
    strides = tuple(int(np.prod(arr.shape[d + 1:])) for d in range(arr.ndim))
    check_equal(tuple(got["strides"]), strides, what=f"{what}: strides")
    check_equal(got["offset"], 0, what=f"{what}: offset")
    assert got["fresh"], f"{what} returned a tensor sharing the source's storage: copy it"
    check_equal(got["storage_len"], arr.size, what=f"{what}: len(storage)")
    check_equal(got["source_storage"], layout["storage"], what=f"{what}: source storage",
                hint="contiguous() must not change the tensor it copies")


@pytest.mark.points(3)
@settings(max_examples=40)
@explicit_examples("case", ref.layout_view_cases())
@given(case=_chains())
def test_view_chain_values(student, case):
    """Every view (permute, slice, index, expand, reshape) on every layout, and random chains
    of them: shapes and values."""
    shape, chain = case
    _check(student, shape, chain, check_layout=False)


#: A size past 256 kept by broadcast_to (where CPython stops sharing int objects: sizes compared
#: with `is` fail).
BIG_BROADCAST = ((300,), [["broadcast_to", [2, 300]]])


@pytest.mark.points(5)
@settings(max_examples=50)
@explicit_examples("case", [*ref.layout_view_cases(reshape=False), BIG_BROADCAST])
@given(case=_chains(NO_RESHAPE))
def test_view_chain_layout(student, case):
    """Every view but reshape on every layout, and random chains of them: strides, offset and
    shared storage like numpy."""
    shape, chain = case
    _check(student, shape, chain, check_layout=True)


@st.composite
def _then_reshape(draw):
    shape, chain = draw(_chains(NO_RESHAPE, min_steps=1, max_steps=3))
    arr = np.zeros(shape)
    for step in chain:
        arr = ref.apply_step(arr, step)
    last = draw(ref.view_chains(arr.shape, ("reshape",), max_steps=1))
    return shape, chain + last


#: A 4-d view whose last dimension is cut short (dims 0-2 still one block): merging 0 and 1 is
#: a view, with the block's strides taken from the dimension just before the cut.
CUT_4D = ((2, 3, 4, 5), [["index", {"tuple": [[None] * 3, [None] * 3, [None] * 3, [1, 4, None]]}],
                         ["reshape", [6, 4, 3]]])
#: A size-1 dimension in the middle whose stride fits nothing (3, 1, 1): it never ends a block,
#: so (2, 1, 3) still merges into one block of 6 (a view).
MIDDLE_ONE = ((2, 3, 1), [["permute", [0, 2, 1]], ["reshape", [6]]])
#: Sizes and strides past 256, where CPython stops sharing int objects (sizes or strides
#: compared with `is` fail): two blocks of 300 (the rows of t[::2]) split into 20 x 15, and a
#: contiguous (3, 300) merged (a view both times).
BIG_BLOCKS = [((4, 300), [["index", {"one": [None, None, 2]}], ["reshape", [2, 20, 15]]]),
              ((3, 300), [["reshape", [30, 30]]])]


@pytest.mark.points(4)
@settings(max_examples=50)
@explicit_examples("case", [*ref.layout_reshape_cases(), CUT_4D, MIDDLE_ONE, *BIG_BLOCKS])
@given(case=_then_reshape())
def test_reshape_view_or_copy_like_numpy(student, case):
    """reshape on every layout and after random views: a view exactly when numpy's is, with
    numpy's strides."""
    shape, chain = case
    _check(student, shape, chain, check_layout=True)


@pytest.mark.points(1)
def test_reshape_bad_size(student):
    """reshape to sizes that do not fit (two -1s, -1 beside 0, below -1) raises ValueError."""
    for shape, new in [((2, 3), [4, 2]), ((6,), [5]), ((), [2]), ((2, 0), [3]),
                       ((2, 3), [-1, -1, 6]), ((2, 0), [0, -1]), ((2, 3), [-2, -1])]:
        error = expect_raises(student, probes.reshape, ref.arange_data(shape), new,
                              error="ValueError", match=ref.fmt_shape(shape),
                              what=f"t.reshape({tuple(new)}) for t of shape {shape}")
        assert ref.fmt_shape(new) in error.message, \
            f"t.reshape({tuple(new)}) for t of shape {shape}: the message should name both " \
            f"shapes, got {error.message!r}"


@pytest.mark.points(1)
def test_index_errors(student):
    """Indices out of range or too many raise IndexError; ragged nested lists ValueError and
    non-numbers TypeError, naming the index of the first misfit."""
    data = ref.arange_data((2, 3))
    for key in [{"one": 2}, {"one": 5}, {"one": -3}, {"tuple": [0, 3]}, {"tuple": [0, 4]},
                {"tuple": [0, 0, 0]}]:  # t[0, 4] would land inside the storage: check it
        expect_raises(student, probes.getitem, data, key, error="IndexError",
                      what=f"t{ref.key_text(key)} for t of shape (2, 3)")
    # The shape is read along the first element at every depth; the first misfit is named.
    for data, error, index in [([[1, 2], [3, 4, 5]], "ValueError", (1,)),
                               ([[1, 2], [3]], "ValueError", (1,)),
                               ([[1, 2], 3], "ValueError", (1,)),
                               ([[1, "a"]], "TypeError", (0, 1))]:
        expect_raises(student, probes.tensor_build, data, error=error, match=str(index),
                      what=f"Tensor({data!r}) (the first element that does not fit is at "
                           f"{index})")


@st.composite
def _writes(draw, steps, on_base):
    """(shape, chain, key, value): a write `target[key] = value`, target being the base
    (on_base) or the view at the end of the chain."""
    shape, chain = draw(_chains(steps, min_steps=0, max_steps=3))
    view = np.zeros(shape)
    for step in chain:
        view = ref.apply_step(view, step)
    target = np.zeros(shape) if on_base else view
    key = draw(ref.index_keys(target.shape))
    index = ref.decode_index(key)
    selected = target[(*index, Ellipsis) if isinstance(index, tuple) else (index, Ellipsis)]
    if selected.size == 0 or draw(st.booleans()):
        value = {"scalar": draw(ref.grid_values())}
    else:  # a tensor that broadcasts to the selected elements
        vshape = list(selected.shape)[draw(st.integers(0, selected.ndim)):]
        vshape = [1 if draw(st.integers(0, 3)) == 0 else s for s in vshape]
        value = {"tensor": draw(ref.nested_lists(vshape, "grid"))}
    return shape, chain, key, value


def _numpy_view(arr, chain):
    for step in chain:
        arr = ref.apply_step(arr, step)
    return arr


def _numpy_write(shape, chain, key, value, through_view):
    base = np.arange(float(np.prod(shape))).reshape(shape)
    view = _numpy_view(base, chain)
    target = view if through_view else base
    index = ref.decode_index(key)
    index = (*index, Ellipsis) if isinstance(index, tuple) else (index, Ellipsis)
    # A {"view": chain} value shares base's storage: numpy reads all of it before writing.
    target[index] = _numpy_view(base, value["view"]) if "view" in value else \
        ref.operand_value(value)
    return base, view


#: Values that are views of t itself, overlapping the elements written (the write must read
#: all of the value first, as numpy does): t[1:] = t[:-1], t[:] = t[::-1], and through a view.
OVERLAPPING_WRITES = [
    ((4,), [], {"one": [1, None, None]}, {"view": [["index", {"one": [None, -1, None]}]]}),
    ((4,), [], {"one": [None, None, None]}, {"view": [["index", {"one": [None, None, -1]}]]}),
    ((3, 4), [["T"]], {"one": [1, None, None]},
     {"view": [["T"], ["index", {"one": [None, -1, None]}]]}),
]


@pytest.mark.points(2)
@settings(max_examples=30)
@explicit_examples("case", [*ref.write_cases(expanded=False), *OVERLAPPING_WRITES])
@given(case=_writes(WRITABLE, on_base=False))
def test_setitem_through_views(student, case):
    """view[key] = value writes into the base's storage (numbers, broadcast tensors, and views
    of the same storage, read in full before anything is written)."""
    shape, chain, key, value = case
    got = student.call(probes.setitem_through_view, ref.arange_layout(shape), chain, key, value)
    base, view = _numpy_write(shape, chain, key, value, through_view=True)
    write = f"{ref.key_text(key)} = {_value_text(value)}"
    what = f"v = {ref.chain_text(chain)}; v{write}" if chain else f"t{write}"
    hint = " — the value shares t's storage: read all of it before writing any element (as " \
        "numpy does)" if "view" in value else ""
    wrong = ref.values_mismatch(got["base"], base)
    assert wrong is None, f"t after {what} (t of shape {shape}): {wrong}{hint}"
    wrong = ref.values_mismatch(got["view"], view)
    assert wrong is None, f"v after {what} (t of shape {shape}): {wrong}{hint}"


@pytest.mark.points(2)
@settings(max_examples=30)
@explicit_examples("case", ref.write_cases(expanded=True))
@given(case=_writes(NO_RESHAPE, on_base=True))
def test_base_writes_show_in_views(student, case):
    """t[key] = value on the base is visible in every view of it, expanded ones included."""
    shape, chain, key, value = case
    got = student.call(probes.setitem_on_base, ref.arange_layout(shape), chain, key, value)
    base, view = _numpy_write(shape, chain, key, value, through_view=False)
    what = f"v = {ref.chain_text(chain)}; t{ref.key_text(key)} = {_value_text(value)}"
    wrong = ref.values_mismatch(got["view"], view)
    assert wrong is None, f"v after {what} (t of shape {shape}): {wrong}"


def _value_text(value):
    if "view" in value:
        return ref.chain_text(value["view"])
    return repr(value["scalar"]) if "scalar" in value else f"Tensor({ref._short(value['tensor'])})"


@pytest.mark.points(1)
def test_item_numel_len(student):
    """item() reads the one element (any shape with numel 1), else ValueError; numel and len."""
    for shape, chain, want in [((), [], 0.0), ((1, 1), [], 0.0), ((3, 4), [["index",
                               {"tuple": [2, [1, 2, None]]}]], 9.0), ((2, 3), [["T"], ["index",
                               {"tuple": [[2, 3, None], [1, None, None]]}]], 5.0)]:
        check_equal(student.call(probes.item, ref.arange_layout(shape), chain), want,
                    what=f"{ref.chain_text(chain)}.item() for t of shape {shape}")
    for shape in [(2,), (0,), (2, 0)]:  # more than one element, or none
        expect_raises(student, probes.item, ref.arange_layout(shape), [], error="ValueError",
                      what=f"item() of a tensor of shape {shape} (item() needs exactly "
                           "one element)")
    for shape, want in [((2, 3), {"numel": 6, "len": 2}), ((), {"numel": 1, "len": None}),
                        ((4, 0), {"numel": 0, "len": 4})]:
        check_equal(student.call(probes.numel_and_len, ref.arange_data(shape)), want,
                    what=f"numel() and len() for shape {shape}")


@pytest.mark.points(1)
def test_broadcast_to_errors(student):
    """broadcast_to/expand to a shape they cannot reach (or a negative size), and permute with
    dims that are not a permutation, raise ValueError."""
    for shape, step in [((2, 3), ["broadcast_to", [2, 4]]), ((2, 3), ["broadcast_to", [3]]),
                        ((3,), ["expand", [2, 2]]), ((2, 1), ["broadcast_to", [3, 3, 2]]),
                        ((3,), ["broadcast_to", [-1, 3]]), ((1,), ["broadcast_to", [-2]]),
                        # dims that are not a permutation of range(ndim): repeated, too few,
                        # too many
                        ((2, 3), ["permute", [0, 0]]), ((2, 3), ["permute", [1, 1]]),
                        ((2, 3), ["permute", [0]]), ((2, 3), ["permute", [0, 1, 1]]),
                        ((2, 3, 4), ["permute", [2, 0, -1]]),
                        ((1, 3), ["broadcast_to", [3]]),  # shorter, yet every size fits
                        ((0,), ["broadcast_to", [3]]), ((2, 0), ["expand", [2, 3]])]:  # 0 is not 1
        what = f"{ref.chain_text([step])} for t of shape {shape}"
        error = expect_raises(student, probes.chain_values, ref.arange_layout(shape), [step],
                              error="ValueError", what=what)
        if step[0] != "permute":  # broadcast_to's message names both shapes
            for named in (shape, step[1]):
                assert ref.fmt_shape(named) in error.message, \
                    f"{what}: the ValueError should name {shape} and {tuple(step[1])}, got " \
                    f"{error.message!r}"
