"""The roofline figures the level-0 grades are ratios to: the real probe, and how it is read."""

from __future__ import annotations

import pytest

from autograder import roofline


def _figure(samples: list[float]) -> dict:
    return {"median": sorted(samples)[len(samples) // 2], "cv": 0.0, "samples": samples}


def test_best_is_the_best_sample_and_merged_pools_samples() -> None:
    """A roof is the best sample; merging a re-measurement can only raise it, never lower it."""
    first = {"threads": 2, "peak_gflops_all_threads": _figure([131.0, 135.0, 133.0])}
    again = {"threads": 2, "peak_gflops_all_threads": _figure([226.0, 229.0, 224.0])}
    assert roofline.best(first, "peak_gflops_all_threads") == 135.0
    both = roofline.merged(first, again)
    assert both["peak_gflops_all_threads"]["samples"] == [131.0, 135.0, 133.0, 226.0, 229.0, 224.0]
    assert roofline.best(both, "peak_gflops_all_threads") == 229.0
    assert both["peak_gflops_all_threads"]["cv"] > 0.2  # the disagreement stays visible
    assert both["threads"] == 2


@pytest.mark.slow
def test_probe_measures_this_machine() -> None:
    """The kit's Rust probe runs and reports positive peaks and bandwidths with samples."""
    roof = roofline.measure(quick=True, repeats=3)
    for key in ("peak_gflops_1_thread", "peak_gflops_all_threads", "triad_gbs_1_thread",
                "triad_gbs_all_threads"):
        assert len(roof[key]["samples"]) == 3
        assert roofline.best(roof, key) >= roof[key]["median"] > 0
    assert roof["threads"] >= 1
    assert roofline.summary_lines(roof)[0].startswith("cpu: ")
