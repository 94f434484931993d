"""Part backend: your level -1 Tensor's views and your backend's elementwise work."""

import pytest

from autograder.judge.api import check_close
from autograder.probes import capstone as probes
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("backend")
expected = public_oracle("capstone")

LEVEL_MINUS1 = "assignments/level-1/teenygrad/strided.py"
VIEWS = [("reshape", [2, 6], [3, 4]), ("permute", [2, 3, 4], [2, 0, 1]),
         ("broadcast_to", [3, 1], [2, 3, 4]), ("getitem", [4, 5], [[1, 4], [0, 5, 2]])]
LAYOUTS = ("contiguous", "transposed")


@pytest.mark.points(3)
@pytest.mark.parametrize("case", VIEWS, ids=[c[0] for c in VIEWS])
def test_views_are_views(student, case):
    """Your level -1 view (and the backend's, which calls it) shares storage and is right."""
    op, shape, args = case
    got = student.call(probes.view, op, shape, args)
    want = expected.view(op, shape, args)
    assert got["level_shares"], (
        f"your level -1 `Tensor.{op}` ({LEVEL_MINUS1}) returned a copy: a view must share its "
        "input's storage (same list object), with new shape/strides/offset only")
    check_close(got["level_values"], want["values"], what=f"your level -1 `Tensor.{op}` values",
                hint=f"fix {LEVEL_MINUS1} (level -1 grades it too)")
    assert got["backend_shares"], (
        f"`StridedBackend.{op}` (stack/backend.py) returned a copy, although your level -1 "
        f"`Tensor.{op}` makes a view: call it and return its result")
    assert got["backend_shape"] == want["shape"], (
        f"`StridedBackend.{op}` gave shape {got['backend_shape']}, expected {want['shape']}")
    check_close(got["backend_values"], want["values"], what=f"`StridedBackend.{op}` values")


def _inputs(shapes: list[list[int]], layout: str, seed: int = 0) -> list[list]:
    return [[expected.random_values(seed + i, *s), s, layout] for i, s in enumerate(shapes)]


def _check(got: dict, want: dict, what: str) -> None:
    assert got["shape"] == want["shape"], f"{what}: shape {got['shape']}, expected {want['shape']}"
    check_close(got["values"], want["values"], what=what, rtol=1e-12, atol=1e-12)


@pytest.mark.points(2)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_map(student, layout):
    """StridedBackend.map applies a function to every element, on any layout."""
    for name in ("neg", "exp", "relu"):
        inputs = _inputs([[3, 4]], layout)
        _check(student.call(probes.compute, "map", name, inputs),
               expected.compute("map", name, inputs), f"map({name}) of a {layout} (3, 4) tensor")


@pytest.mark.points(2)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_zip_broadcasts(student, layout):
    """StridedBackend.zip combines tensors elementwise with numpy's broadcasting."""
    for name, shapes in [("add", [[3, 4], [3, 4]]), ("mul", [[3, 4], [4]]),
                         ("sub", [[3, 1], [1, 4]]), ("max", [[2, 3, 4], [3, 4]]),
                         ("where", [[3, 4], [3, 4], [1, 4]])]:
        inputs = _inputs(shapes, layout)
        _check(student.call(probes.compute, "zip", name, inputs),
               expected.compute("zip", name, inputs), f"zip({name}) of {layout} {shapes}")


@pytest.mark.points(2)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_reduce(student, layout):
    """StridedBackend.reduce folds along the given axes and keeps them with size 1."""
    for name, axes, start in [("add", [1], 0.0), ("add", [0, 2], 0.0), ("max", [2], -1e300),
                              ("add", [0, 1, 2], 0.5)]:
        inputs = _inputs([[2, 3, 4]], layout)
        _check(student.call(probes.compute, "reduce", name, inputs, axes, start),
               expected.compute("reduce", name, inputs, axes, start),
               f"reduce({name}) over {axes} of a {layout} (2, 3, 4) tensor")
