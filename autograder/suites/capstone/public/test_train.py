"""Part train: your whole stack (level -1 storage, level 0 SGEMM, level 1 autodiff, the
capstone's conv) trains digits classifiers that the grader runs itself on a split it keeps."""

import pytest

from autograder.suites.oracle import public_oracle

pytestmark = pytest.mark.part("train")
expected = public_oracle("capstone")


@pytest.mark.points(4)
def test_mlp_digits(student, train_and_check):
    """train_mlp on your stack: the grader's forward pass of your MLP reaches 95% (public split)."""
    train_and_check(student, "mlp", expected.digits_split(0), "public split")


@pytest.mark.points(4)
def test_cnn_digits(student, train_and_check):
    """train_cnn on your stack: the grader's forward pass of your CNN reaches 95% (public split)."""
    train_and_check(student, "cnn", expected.digits_split(0), "public split")
