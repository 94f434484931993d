"""Part losses (hidden): random shapes and values, and logits of +-1000."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.judge.api import expect_raises
from autograder.probes import level1 as probes
from autograder.references import level1 as ref

pytestmark = pytest.mark.part("losses")


@pytest.mark.points(2)
@settings(max_examples=30)
@given(data=st.data())
def test_mse_random(student, data):
    """mse on random shapes: value, and gradients for prediction and target."""
    shape = data.draw(ref.shapes(), label="shape")
    p, t = data.draw(ref.arrays(shape), label="p"), data.draw(ref.arrays(shape), label="t")
    value, gp, gt = ref.mse(p, t)
    ref.check_loss(student.call(probes.run_loss, "mse", p, t, True), value, gp, "mse",
               target_grad=gt)


@pytest.mark.points(2)
@settings(max_examples=30)
@given(data=st.data())
def test_bce_random(student, data):
    """binary_cross_entropy_with_logits on random logits and targets in [0, 1]."""
    shape = data.draw(ref.shapes(), label="shape")
    z = data.draw(ref.arrays(shape, -20.0, 20.0), label="logits")
    y = data.draw(ref.arrays(shape, 0.0, 1.0), label="targets")
    value, gz, gy = ref.bce_with_logits(z, y)
    ref.check_loss(student.call(probes.run_loss, "binary_cross_entropy_with_logits", z, y, True),
               value, gz, "binary_cross_entropy_with_logits", target_grad=gy)


@pytest.mark.points(2)
@settings(max_examples=30)
@given(data=st.data())
def test_cross_entropy_random(student, data):
    """cross_entropy on random (B, C) logits and int targets; a bad target, shape or dtype
    raises."""
    b, c = data.draw(st.integers(1, 6), label="B"), data.draw(st.integers(1, 6), label="C")
    z = data.draw(ref.arrays((b, c), -20.0, 20.0), label="logits")
    y = data.draw(hnp.arrays(np.int64, (b,), elements=st.integers(0, c - 1)), label="targets")
    value, gz = ref.cross_entropy(z, y)
    ref.check_loss(student.call(probes.run_loss, "cross_entropy", z, y, False), value, gz,
               "cross_entropy")
    for form in ("list", "Tensor"):  # the contract's other forms of the targets
        ref.check_loss(student.call(probes.run_loss, "cross_entropy", z, y, False, form), value,
                       gz, f"cross_entropy with the targets as a {form}",
                       hint="targets may be an int array, a list or an int Tensor (its .data)")
    expect_raises(student, probes.run_loss, "cross_entropy", z, np.full(b, c, np.int64), False,
                  error="IndexError", what=f"cross_entropy with target {c} for {c} classes")
    expect_raises(student, probes.run_loss, "cross_entropy", z, np.full(b, -1, np.int64), False,
                  error="IndexError", what=f"cross_entropy with target -1 for {c} classes")
    # other shapes, or float targets: ValueError (each check on its own, whatever the others)
    logits = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]])
    for bad, targets in ((logits, np.array([0, 1, 2])), (logits, np.array([1])),
                         (logits, np.array([[0], [1]])),
                         (logits[0], np.array([0, 1, 2])), (np.stack([logits] * 4, axis=-1),
                                                            np.array([0, 1])),
                         (logits, np.array([0.0, 1.0]))):
        expect_raises(student, probes.run_loss, "cross_entropy", bad, targets, False,
                      error="ValueError", what=f"cross_entropy(logits of shape {bad.shape}, "
                      f"targets of shape {targets.shape} {targets.dtype})")


@pytest.mark.points(1)
def test_losses_extreme_logits(student):
    """Logits of +-1000 give finite, exact losses and gradients (stable forms)."""
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]])
    y = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 1.0]])
    value, gz, gy = ref.bce_with_logits(z, y)
    ref.check_loss(student.call(probes.run_loss, "binary_cross_entropy_with_logits", z, y, True),
               value, gz, "binary_cross_entropy_with_logits at +-1000", target_grad=gy,
               hint="softplus(z) = max(z, 0) + log1p(exp(-|z|)) never overflows")
    labels = np.array([1, 2], dtype=np.int64)
    value, gz = ref.cross_entropy(z, labels)
    ref.check_loss(student.call(probes.run_loss, "cross_entropy", z, labels, False), value, gz,
               "cross_entropy at +-1000", hint="subtract each row's max before exp")
