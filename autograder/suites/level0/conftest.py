"""Level 0's judge-side fixtures: this run's roofline and the roofline plot drawn at the end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from autograder import roofline as roofline_probe
from autograder.judge.benchmark import PLOT_POINTS

PLOT_PATH = Path("grading-output") / "roofline-level0.png"
ROOFLINE_NOISY_CV = 0.15


@pytest.fixture(scope="session")
def roofline() -> dict[str, Any]:
    """This machine's roofline, measured once per grading run by the kit's own binary."""
    return roofline_probe.measure(quick=True, repeats=5)


@pytest.fixture(scope="session", autouse=True)
def draw_roofline_plot(roofline_lazy: list, report_note: Any) -> Any:
    """After the run, draw the kernels that were timed on this run's roofline."""
    yield
    if not roofline_lazy:
        return
    # The latest roofline pools every measurement of the run (each figure's best sample is the
    # roof grades used); whether the machine was noisy is judged on the first measurement, as
    # later ones are taken because a figure may have been measured low.
    first, roof = roofline_lazy[0], roofline_lazy[-1]
    report_note("roofline of this run: " + " · ".join(roofline_probe.summary_lines(roof)[1:]))
    noisy = [key for key, value in first.items()
             if isinstance(value, dict) and value.get("cv", 0) > ROOFLINE_NOISY_CV]
    if noisy:
        report_note(f"the roofline varied by more than {100 * ROOFLINE_NOISY_CV:.0f}% between "
                    f"samples ({', '.join(noisy)}): the machine was busy, so speed grades may "
                    "be off — re-run grading on a quieter machine")
    if PLOT_POINTS:
        try:
            path = roofline_probe.plot(roof, PLOT_POINTS, PLOT_PATH)
            report_note(f"roofline plot: {path.resolve()}")
        except OSError as exc:
            report_note(f"roofline plot not written: {exc}")


@pytest.fixture(scope="session")
def roofline_lazy() -> list:
    """The run's roofline once a performance test measured it, then each re-measured and
    pooled one (for the report's note and the plot)."""
    return []


@pytest.fixture
def roof(roofline: dict, roofline_lazy: list, record_benchmark: Any) -> dict:
    """The roofline, recorded once in the benchmark table and remembered for the plot."""
    if not roofline_lazy:
        roofline_lazy.append(roofline)
        figures = {}
        for key in ("peak_gflops_1_thread", "peak_gflops_all_threads", "triad_gbs_1_thread",
                    "triad_gbs_all_threads"):
            figures[key] = round(roofline_probe.best(roofline, key), 2)
            figures[f"{key} cv %"] = round(100 * roofline[key]["cv"], 1)
        record_benchmark("roofline", **figures)
    return roofline


@pytest.fixture
def refresh_roof(roofline_lazy: list) -> Callable[[dict], dict]:
    """`refresh(roof)`: the roofline measured again and pooled with `roof` (each figure's best
    sample is its roof); the pooled roofline is the one the report and the plot show."""

    def refresh(roof: dict) -> dict:
        pooled = roofline_probe.merged(roof, roofline_probe.measure(quick=True, repeats=3))
        roofline_lazy.append(pooled)
        return pooled

    return refresh
