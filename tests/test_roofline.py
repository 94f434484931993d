"""The roofline figures the level-0 grades are ratios to: the real probe, and how it is read."""

from __future__ import annotations

import pytest

from autograder import roofline
from autograder.judge.timing import Figure, Roofline


def _figure(samples: list[float]) -> Figure:
    return Figure(sorted(samples)[len(samples) // 2], 0.0, tuple(samples))


def _roof(threads: int = 2, **figures: list[float]) -> Roofline:
    return Roofline("test cpu", "avx2", threads, {k: _figure(v) for k, v in figures.items()})


def test_best_is_the_best_sample_and_merged_pools_samples() -> None:
    """A roof is the best sample; merging a re-measurement can only raise it, never lower it."""
    first = _roof(peak_gflops_all_threads=[131.0, 135.0, 133.0])
    again = _roof(peak_gflops_all_threads=[226.0, 229.0, 224.0])
    assert first.best("peak_gflops_all_threads") == 135.0
    both = first.merged(again)
    assert both.figures["peak_gflops_all_threads"].samples == (131.0, 135.0, 133.0, 226.0,
                                                               229.0, 224.0)
    assert both.best("peak_gflops_all_threads") == 229.0
    assert both.figures["peak_gflops_all_threads"].cv > 0.2  # the disagreement stays visible
    assert both.threads == 2
    assert both.noisy() == ["peak_gflops_all_threads"] and first.noisy() == []


def test_roofline_reads_and_writes_the_probe_json() -> None:
    """The probe's JSON becomes a Roofline and back, figures and other fields kept."""
    data = {"cpu_model": "x", "isa": "neon", "threads": 4, "repeats": 3, "quick": True,
            "triad_gbs_1_thread": {"median": 20.0, "cv": 0.01, "samples": [19.0, 20.0, 21.0]}}
    roof = Roofline.from_json(data)
    assert (roof.threads, roof.isa, roof.best("triad_gbs_1_thread")) == (4, "neon", 21.0)
    assert roof.to_json() == data


@pytest.mark.slow
def test_probe_measures_this_machine() -> None:
    """The kit's Rust probe runs and reports positive peaks and bandwidths with samples."""
    roof = roofline.measure(quick=True, repeats=3)
    for key in ("peak_gflops_1_thread", "peak_gflops_all_threads", "triad_gbs_1_thread",
                "triad_gbs_all_threads"):
        assert len(roof.figures[key].samples) == 3
        assert roof.best(key) >= roof.figures[key].median > 0
    assert roof.threads >= 1
    assert roofline.summary_lines(roof)[0].startswith("cpu: ")


def _topology(root, cores_of_cpus: list[tuple[int, int]]):
    """A fake /sys/devices/system/cpu: cpu i is core `core` of package `package`."""
    for cpu, (package, core) in enumerate(cores_of_cpus):
        where = root / f"cpu{cpu}" / "topology"
        where.mkdir(parents=True)
        (where / "physical_package_id").write_text(f"{package}\n")
        (where / "core_id").write_text(f"{core}\n")
    return root


def test_physical_cores_counts_smt_siblings_once(tmp_path, monkeypatch) -> None:
    """Two CPUs on two cores are 2 cores; two SMT siblings of one core are 1."""
    monkeypatch.setattr(roofline.os, "sched_getaffinity", lambda pid: {0, 1})
    assert roofline.physical_cores(_topology(tmp_path / "two", [(0, 0), (0, 1)])) == 2
    assert roofline.physical_cores(_topology(tmp_path / "smt", [(0, 0), (0, 0)])) == 1
    assert roofline.physical_cores(tmp_path / "missing") == 2  # no topology: the CPUs


def test_cores_missing_when_all_threads_run_like_one() -> None:
    """All threads at ~1x one thread's peak on 2 cores is flagged; ~2x is not; on one core
    (SMT siblings) ~1x is what the hardware gives, and is not flagged."""
    def roof(one: float, every: float) -> Roofline:
        return _roof(peak_gflops_1_thread=[one], peak_gflops_all_threads=[every])

    assert "did not get their cores" in roofline.cores_missing(roof(117.0, 118.0), 2, cores=2)
    assert roofline.cores_missing(roof(117.0, 230.0), 2, cores=2) == ""
    assert roofline.cores_missing(roof(117.0, 190.0), 2, cores=2) == ""  # 1.62x: noise, allowed
    assert roofline.cores_missing(roof(117.0, 160.0), 2, cores=2) != ""  # 1.37x: a core half gone
    assert roofline.cores_missing(roof(117.0, 118.0), 2, cores=1) == ""
    assert roofline.cores_missing(roof(117.0, 118.0), 1, cores=2) == ""
