"""Part capstone (hidden): gradient descent agrees with the normal equations; digits accuracy on
the judge's own held-out split."""

import numpy as np
import pytest

from autograder.judge.api import check_equal
from autograder.probes import level1 as probes
from autograder.references import level1 as ref

pytestmark = pytest.mark.part("capstone")

HIDDEN_SPLIT = 1879  # the judge's split; students never see it


@pytest.mark.points(3)
def test_gradient_descent_agrees(student, level):
    """fit_gradient_descent agrees with the exact least-squares fit to 1e-6 (relative)."""
    x, y = ref.diabetes()
    got = np.asarray(student.call(probes.regression, "gd", x, y))
    want = ref.least_squares(x, y)
    check_equal(list(got.shape), list(want.shape), "length of [w..., b]")
    gap = ref.relative_gap(got, want)
    limit = float(level.thresholds["regression_agreement"])
    assert gap <= limit, (
        f"gradient descent is {gap:.2e} (max |diff| / max(1, max |w|)) from the exact fit, "
        f"needs <= {limit:g}: standardise the features, use momentum, run more steps")


@pytest.mark.points(4)
def test_digits_hidden_split(student, level, record_benchmark):
    """train_digits + predict_digits reach 95% on the grader's own held-out digits."""
    ref.grade_digits(student, probes.digits, level, record_benchmark, HIDDEN_SPLIT, "hidden split")
