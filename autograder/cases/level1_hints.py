"""Hints that level 1's public and hidden ops tests both give, written once for both sides.

A hint says what a correct gradient is, never a value the judge computed: nothing here is an
answer, so it ships with the public tests.
"""

from __future__ import annotations

#: What each reduction's gradient is (the hint of a wrong one).
REDUCTION_HINTS = {
    "sum": "sum's gradient is grad_out broadcast back to the input's shape",
    "mean": "mean's gradient is grad_out divided by the number of elements averaged, "
            "broadcast back to the input's shape",
    "max": "max sends grad_out to the maximum, split equally among ties",
}
