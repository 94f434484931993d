"""Part graph: Tensor leaves, the chain rule through a small graph, accumulation.

These tests build graphs from tiny ops defined by the grader through your `Tensor.from_op`,
so they only need `tensor.py`.
"""

from functools import partial

import numpy as np
import pytest

from autograder.judge.api import check_close, check_equal, expect_raises
from autograder.probes import level1 as probes
from autograder.suites import checks
from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("graph")
expected = public_oracle("level1")
check_grads = partial(checks.check_grads, rtol=expected.RTOL, atol=expected.ATOL)


@pytest.mark.points(1)
def test_leaf_tensor(student):
    """Tensor(data) copies data, keeps float32, makes floats float64; only floats take grads."""
    got = student.call(probes.leaf_facts)
    check_equal(got["list_float"], "float64", "Tensor([1.0, 2.0]).data.dtype")
    check_equal(got["list_int"], "int64", "Tensor([1, 2]).data.dtype")
    check_equal(got["scalar"], ["float64", []], "dtype and shape of Tensor(3.0)")
    check_equal(got["float32"], "float32", "Tensor(float32 array).data.dtype",
                hint="a numpy array keeps its dtype")
    check_equal(got["copied"], 1.0, "t.data[0] after changing the source array",
                hint="the constructor must copy its data")
    check_equal(got["is_ndarray"], True, "isinstance(t.data, np.ndarray)")
    check_equal(got["grad"], None, "grad of a new tensor")
    check_equal(got["requires_grad"], [True, False], "requires_grad (given True, default)")
    check_equal([got["is_leaf"], got["parents"]], [True, 0], "[is_leaf, len(parents)]")
    expect_raises(student, probes.int_requires_grad, error="TypeError",
                  what="Tensor(int array, requires_grad=True)")


@pytest.mark.points(1)
def test_chain_rule_small_graph(student):
    """d/dx and d/dy of sin(x * y) * 3 + x, elementwise, through backward(seed)."""
    x, y = np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.25, -0.75])
    program = [["mul", 0, 1, 0.0], ["sin", 2, 0, 0.0], ["scale", 3, 0, 3.0], ["add", 4, 0, 0.0]]
    seed = np.array([1.0, -2.0, 0.5])
    got = student.call(probes.run_dag, [x, y], [True, True], program, seed)
    value, grads = expected.run_dag([x, y], program, seed)
    check_close(got["value"], value, "value", rtol=expected.RTOL, atol=expected.ATOL)
    check_grads(got["grads"], grads, "sin(x*y)*3 + x",
                hint="call each node's vjp with the gradient of the output w.r.t. it")


@pytest.mark.points(1)
def test_diamond_accumulates(student):
    """A tensor used twice (a diamond) gets the sum of the gradients from both uses."""
    x = np.array([[0.3, -0.7], [1.1, 2.0]])
    program = [["scale", 0, 0, 2.0], ["sin", 0, 0, 0.0], ["mul", 1, 2, 0.0], ["add", 3, 1, 0.0],
               ["mul", 4, 0, 0.0]]
    seed = np.ones((2, 2))
    got = student.call(probes.run_dag, [x], [True], program, seed)
    _, grads = expected.run_dag([x], program, seed)
    check_grads(got["grads"], grads, "diamond graph",
                hint="gradients arriving from several uses must be added, not overwritten; "
                     "visit a node only after every node that uses it")


@pytest.mark.points(1)
def test_backward_twice_accumulates(student):
    """Calling backward again adds to .grad instead of replacing it."""
    x, y = np.array([0.2, -0.4]), np.array([3.0, 0.5])
    got = student.call(probes.backward_twice, x, y)
    check_close(got["first"], y, "x.grad after one backward of sum(x*y)", rtol=expected.RTOL)
    check_close(got["second"], 2 * y, "x.grad after the same backward twice", rtol=expected.RTOL,
                hint="leaves accumulate: grad = grad + new gradient")
    check_close(got["third"], 2 * y + np.cos(x), "x.grad after a third backward of sum(sin x)",
                rtol=expected.RTOL)
