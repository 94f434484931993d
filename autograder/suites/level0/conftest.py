"""Level 0's judge-side fixtures: this run's roofline, speed grading, and the roofline plot drawn
at the end from the points the performance tests graded (kept by a session fixture, not by
module state)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from autograder import roofline as roofline_probe
from autograder.judge.benchmark import StageScore, Timing, grade_rate
from autograder.judge.timing import POLICY, ROOF_KEYS, PlotPoint, Roofline

PLOT_PATH = Path("grading-output") / "roofline-level0.png"


@pytest.fixture(scope="session")
def roofline() -> Roofline:
    """This machine's roofline, measured once per grading run by the kit's own binary."""
    return roofline_probe.measure(quick=True, repeats=POLICY.roofline_repeats)


@pytest.fixture(scope="session")
def plot_points() -> list[PlotPoint]:
    """The kernels timed in this run, as points of the roofline plot."""
    return []


@pytest.fixture(scope="session")
def roofline_rows() -> list[dict[str, Any]]:
    """The benchmark table's `roofline` row, once recorded (updated to the pooled roofline at
    the end of the run, so that the table and the note quote the same roof)."""
    return []


def roofline_figures(roof: Roofline) -> dict[str, float]:
    """The roofline as the benchmark table's row shows it: each roof and its spread."""
    figures: dict[str, float] = {}
    for key in ROOF_KEYS:
        figures[key] = round(roof.best(key), 2)
        figures[f"{key} cv %"] = round(100 * roof.figures[key].cv, 1)
    return figures


@pytest.fixture(scope="session", autouse=True)
def draw_roofline_plot(roofline_lazy: list[Roofline], plot_points: list[PlotPoint],
                       report_note: Callable[[str], None],
                       roofline_rows: list[dict[str, Any]]) -> Iterator[None]:
    """After the run, draw the kernels that were timed on this run's roofline."""
    yield
    if not roofline_lazy:
        return
    # The latest roofline pools every measurement of the run (each figure's best sample is the
    # roof grades used); whether the machine was noisy is judged on the first measurement, as
    # later ones are taken because a figure may have been measured low. The table's row and
    # the note both show the pooled one (a first, disturbed measurement can be far lower).
    first, roof = roofline_lazy[0], roofline_lazy[-1]
    for row in roofline_rows:
        row.update(roofline_figures(roof))
    report_note("roofline of this run: " + " · ".join(roofline_probe.summary_lines(roof)[1:]))
    noisy = first.noisy()
    if noisy:
        report_note(f"the roofline varied by more than {100 * POLICY.roofline_noisy_cv:.0f}% "
                    f"between samples ({', '.join(noisy)}): the machine was busy, so speed "
                    "grades may be off — re-run grading on a quieter machine")
    if plot_points:
        try:
            path = roofline_probe.plot(roof, plot_points, PLOT_PATH)
            report_note(f"roofline plot: {path.resolve()}")
        except OSError as exc:
            report_note(f"roofline plot not written: {exc}")


@pytest.fixture(scope="session")
def roofline_lazy() -> list[Roofline]:
    """The run's roofline once a performance test measured it, then each re-measured and
    pooled one (for the report's note and the plot)."""
    return []


@pytest.fixture
def roof(roofline: Roofline, roofline_lazy: list[Roofline],
         record_benchmark: Callable[..., dict], roofline_rows: list[dict[str, Any]]) -> Roofline:
    """The roofline, recorded once in the benchmark table and remembered for the plot."""
    if not roofline_lazy:
        roofline_lazy.append(roofline)
        roofline_rows.append(record_benchmark("roofline", **roofline_figures(roofline)))
    return roofline


@pytest.fixture
def refresh_roof(roofline_lazy: list[Roofline]) -> Callable[[Roofline], Roofline]:
    """`refresh(roof)`: the roofline measured again and pooled with `roof` (each figure's best
    sample is its roof); the pooled roofline is the one the report and the plot show."""

    def refresh(roof: Roofline) -> Roofline:
        pooled = roof.merged(roofline_probe.measure(quick=True, repeats=POLICY.recheck_repeats))
        roofline_lazy.append(pooled)
        return pooled

    return refresh


@pytest.fixture
def grade_speed(record_benchmark: Callable[..., None],
                partial_credit: Callable[[float, str], None], plot_points: list[PlotPoint],
                report_note: Callable[[str], None]) -> Callable[..., StageScore]:
    """`grade(name, rate, unit, spec, roof, timing, intensity, threads, blend_credit=None,
    kernel="", limit_credit=None, limit_detail="")`: the rate's partial credit
    (`benchmark.grade_rate`, which grades a single-thread stage that used several cores per
    core, and caps the credit at `limit_credit`), its row in the benchmark table, and its point
    on the roofline plot. A stage graded per core that still earns every point has no line of
    its own in the report: the reason is then a note of the run."""

    def grade(name: str, rate: float, unit: str, spec: dict[str, Any], roof: Roofline,
              timing: Timing, intensity: float, threads: int,
              blend_credit: float | None = None, kernel: str = "",
              limit_credit: float | None = None, limit_detail: str = "") -> StageScore:
        score = grade_rate(name, rate, unit, spec["roof"], spec, roof, timing, intensity,
                           threads, record_benchmark, partial_credit, blend_credit, kernel,
                           limit_credit, limit_detail)
        if score.per_core and score.credit >= 1.0:
            report_note(score.per_core)
        point = score.plot_point()
        if point is not None:
            plot_points.append(point)
        return score

    return grade
