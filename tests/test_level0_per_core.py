"""Level 0 grades a single-thread stage that starts threads per core (issue 22): a real grading of
the fixture whose `simd` runs the plain micro-kernel on two threads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import KIT, build_submission, run_grade

FIXTURE = KIT / "tests" / "fixtures" / "level0-perf" / "simd_two_threads"
WHY = re.compile(r"sgemm_simd used ([\d.]+) cores; single-thread stages are graded per core: "
                 r"use threads in `parallel` — ([\d.]+) GFLOP/s as timed, ([\d.]+) GFLOP/s "
                 r"per core = ")


@pytest.mark.slow
@pytest.mark.timing
def test_simd_on_two_threads_is_graded_per_core(tmp_path: Path) -> None:
    """The report's line says why, the graded rate is the as-timed rate divided by the cores
    used (CPU seconds per wall-clock second: about 2 whether or not the machine is busy, as
    long as both threads get a core), and the micro-kernel's per-core speed earns no simd
    speed points."""
    submission = build_submission(tmp_path / "sub", KIT / "solutions" / "level0", FIXTURE)
    graded = run_grade("level0", "--submission", submission, "-k", "single_thread and simd",
                       json_out=tmp_path / "r.json")
    assert graded.record is not None, graded.stderr
    level = graded.record["levels"][0]
    (test,) = [t for t in level["tests"] if t["name"].endswith("[simd]")]
    (row,) = [r for r in level["benchmarks"] if r["name"].startswith("sgemm simd")]
    if not row["per core"]:
        # Two threads read fewer than `single_thread_cores` cores only when they did not get a
        # core each: other processes took them, and the timing says so.
        assert row["busy"], row
        pytest.skip(f"the machine was busy: the two threads used {row['cpu/wall']} cores")
    cores = row["cpu/wall"]
    assert cores > 1.3
    said = WHY.match(test["message"])
    assert said, test["message"]
    used, timed, per_core = map(float, said.groups())
    assert used == pytest.approx(cores, abs=0.06)
    assert per_core == pytest.approx(row["gflops"], abs=0.06)
    assert per_core == pytest.approx(timed / cores, rel=0.01, abs=0.1)
    assert test["points"] == 0 and row["% of roof"] < row["floor %"]
