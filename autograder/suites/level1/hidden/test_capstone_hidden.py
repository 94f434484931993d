"""Part capstone (hidden): gradient descent verified step by step and agreeing with the normal
equations; the student's network on the judge's own held-out split, its training steps redone."""

import numpy as np
import pytest

from autograder.probes import level1 as probes
from autograder.references import level1 as ref
from autograder.suites.checks import check_digits, digits_layers

pytestmark = pytest.mark.part("capstone")

HIDDEN_SPLIT = 1879  # the judge's split; students never see it


@pytest.mark.points(3)
def test_gradient_descent_agrees(student, level):
    """fit_gradient_descent takes the contract's SGD steps (each checked) to the exact fit, on
    the diabetes data and on its columns scaled and shifted."""
    x, y = ref.diabetes()
    got = student.call(probes.gradient_descent, x, y, **ref.GD_SETTINGS)
    ref.check_gradient_descent(got, x, y, float(level.thresholds["regression_agreement"]))
    # sklearn's diabetes columns have mean 0: scaled and shifted, the intercept's mapping back
    # (b = b_std - sum(w_std * mean / std)) matters
    d = x.shape[1]
    shifted = x * (10.0 + 5.0 * np.arange(d)) + (3.0 + 2.0 * np.arange(d))
    got = student.call(probes.gradient_descent, shifted, y, **ref.GD_SETTINGS)
    try:
        ref.check_gradient_descent(got, shifted, y,
                                   float(level.thresholds["regression_agreement"]))
    except AssertionError as exc:
        raise AssertionError(f"on the diabetes columns scaled and shifted (x * k + c, column "
                             f"means far from 0): {exc}") from None


@pytest.mark.points(4)
def test_digits_hidden_split(student, level, record_benchmark):
    """Your trained network reaches 95% on the grader's digits; its training steps are redone."""
    split = ref.digits_split(HIDDEN_SPLIT)
    facts = check_digits(student, probes.digits, split, level, record_benchmark, "hidden split")
    ref.check_training_steps(digits_layers(facts["network"]), facts["training"], *split[:2])
