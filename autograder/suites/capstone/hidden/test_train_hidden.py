"""Part train, hidden: the same trainings on a split the student never sees."""

import pytest

from autograder.references import capstone as ref

pytestmark = pytest.mark.part("train")


@pytest.mark.points(8)
def test_mlp_digits_held_out(student, train_and_check):
    """train_mlp on your stack: your MLP reaches 95% on the grader's held-out split."""
    train_and_check(student, "mlp", ref.digits_split(1), "held-out split")


@pytest.mark.points(9)
def test_cnn_digits_held_out(student, train_and_check):
    """train_cnn on your stack: your CNN reaches 95% on the grader's held-out split."""
    train_and_check(student, "cnn", ref.digits_split(1), "held-out split")
