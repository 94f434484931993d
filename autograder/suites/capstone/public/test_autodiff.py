"""Part autodiff: your level 1 ops and losses, unchanged, running on your backend."""

import pytest

from autograder.judge.api import check_close
from autograder.probes import capstone as probes
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("autodiff")
expected = public_oracle("capstone")

LEVEL1 = {"cross_entropy": "assignments/level1/teenygrad/losses.py"}
OPS = "assignments/level1/teenygrad/ops.py"


def _check_op(student, op: str, inputs: list[list], seed: list[float] | None = None,
              kwargs: dict | None = None) -> None:
    got = student.call(probes.autodiff, op, inputs, seed, kwargs)
    want = expected.autodiff(op, inputs, seed, kwargs)
    where = LEVEL1.get(op, OPS)
    check_close(got["value"], want["value"], what=f"`{op}` on your stack (forward)",
                hint=f"your backend passed its own tests? then look at {op} in {where}",
                rtol=1e-5, atol=1e-6)
    for i, (g, w) in enumerate(zip(got["grads"], want["grads"], strict=True)):
        assert g is not None, f"`{op}`: input {i} got no gradient from your level 1 {where}"
        check_close(g, w, what=f"the gradient of `{op}` for input {i}: your level 1 VJP in "
                               f"{where}, run on your backend", rtol=1e-5, atol=1e-6)


def _values(seed: int, *shape: int) -> list:
    return [expected.random_values(seed, *shape), list(shape)]


@pytest.mark.points(2)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "relu"])
def test_elementwise_ops(student, op):
    """Your level 1 elementwise ops give numpy's values and gradients on your backend."""
    inputs = ([_values(1, 3, 4), _values(2, 4)] if op in ("add", "sub", "mul")
              else [_values(1, 3, 4)])
    _check_op(student, op, inputs, expected.random_values(9, 3, 4))


@pytest.mark.points(2)
@pytest.mark.parametrize("op", ["exp", "tanh"])
def test_functions(student, op):
    """Your level 1 exp and tanh give numpy's values and gradients on your backend."""
    _check_op(student, op, [_values(1, 2, 5)], expected.random_values(9, 2, 5))


@pytest.mark.points(2)
@pytest.mark.parametrize("op", ["sum", "mean"])
def test_reductions(student, op):
    """Your level 1 sum and mean along an axis, values and gradients, on your backend."""
    _check_op(student, op, [_values(1, 3, 4)], expected.random_values(9, 3), {"axis": 1})


@pytest.mark.points(2)
def test_matmul(student):
    """Your level 1 matmul and its VJP (two more matrix products) on your SGEMM."""
    _check_op(student, "matmul", [_values(1, 6, 5), _values(2, 5, 4)],
              expected.random_values(9, 6, 4))


@pytest.mark.points(2)
def test_cross_entropy(student):
    """Your level 1 cross_entropy (logsumexp, gather, its VJP) on your backend."""
    labels = [3.0, 0.0, 2.0, 2.0, 1.0]
    _check_op(student, "cross_entropy", [_values(1, 5, 4), [labels, [5]]])
