"""The roofline plot (every timed kernel, memory-bound ones included; ridge points; labels that
never overlap; earlier gradings faded behind today's) and the history plot."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from matplotlib.text import Text

from autograder.judge.benchmark import StageScore, Timing
from autograder.report import plots

ROOFS = plots.Roofs(peak_1=60.0, peak_all=115.0, bw_1=12.0, bw_all=18.0, threads=2)
#: level 0's timed kernels, as a grading names them: five stages at one intensity (their
#: labels would sit on top of each other) and the two memory-bound kernels.
KERNELS = [plots.Point(f"sgemm {stage} n=1024", 170.7, gflops) for stage, gflops in
           [("naive", 1.9), ("reordered", 2.0), ("blocked", 2.1), ("simd", 30.0),
            ("microkernel", 31.0)]] + [
    plots.Point("sgemm parallel n=1024 x2", 170.7, 58.0),
    plots.Point("saxpy n=16777216", 1 / 6, 1.5), plots.Point("sgemv n=4096", 0.5, 5.8)]


def _labels(fig) -> list:
    ax = fig.axes[0]
    return [text for text in ax.texts if text.get_text().split(":")[0] in
            {p.name for p in KERNELS}]


def test_every_kernel_is_labelled_and_no_labels_overlap() -> None:
    """Each timed kernel has a point and a label; no two labels (nor a label and the legend)
    overlap, though five kernels share one intensity and three have nearly one speed."""
    fig = plots.roofline_figure(ROOFS, KERNELS)
    renderer = fig.canvas.get_renderer()
    labels = _labels(fig)
    assert sorted(t.get_text().split(":")[0] for t in labels) == sorted(p.name for p in KERNELS)
    # The text's own box (an annotation's window extent would include its leader line).
    for label in labels:
        label.update_positions(renderer)
    boxes = [Text.get_window_extent(t, renderer) for t in labels]
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), (a, b)
    legend = fig.axes[0].get_legend().get_window_extent(renderer)
    assert not any(box.overlaps(legend) for box in boxes)


def test_a_label_stays_beside_its_point_when_there_is_room() -> None:
    """An isolated kernel's label sits at its point's height."""
    fig = plots.roofline_figure(ROOFS, [plots.Point("sgemv n=4096", 0.5, 5.8)])
    ax = fig.axes[0]
    (label,) = _labels(fig)
    point_y = ax.transData.transform((0.5, 5.8))[1]
    label_y = ax.transAxes.transform(label.get_position())[1]
    assert abs(point_y - label_y) < 1.0


def test_ridges_are_marked_where_the_roofs_meet() -> None:
    """Each roof's ridge point is at peak / bandwidth FLOP per byte, at the peak, and named
    in the legend; the roofs alone (no kernel) still show both."""
    fig = plots.roofline_figure(ROOFS)
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    for peak, bandwidth in [(ROOFS.peak_1, ROOFS.bw_1), (ROOFS.peak_all, ROOFS.bw_all)]:
        ridge = [line for line in ax.lines
                 if list(line.get_xdata()) == [pytest.approx(peak / bandwidth)]]
        assert ridge and list(ridge[0].get_ydata()) == [pytest.approx(peak)]
        assert any(f"{peak / bandwidth:.1f} FLOP/byte" in text for text in legend)
    assert sum(text.startswith("roof,") for text in legend) == 2
    assert not _labels(fig)


@pytest.mark.parametrize("roofs", [ROOFS, plots.Roofs(266.0, 79.0, 7.7, 7.2, 2)],
                         ids=["all-threads-higher", "busy-machine-1-thread-higher"])
def test_both_roofs_and_ridges_are_in_view(roofs: plots.Roofs) -> None:
    """Both ridge points are inside the axes, whichever roof is higher (a busy machine can
    measure the all-thread peak below the 1-thread one)."""
    ax = plots.roofline_figure(roofs).axes[0]
    (x_low, x_high), (y_low, y_high) = ax.get_xlim(), ax.get_ylim()
    for _label, x, y in roofs.ridges():
        assert x_low < x < x_high and y_low < y < y_high


def test_history_is_faded_behind_todays_points() -> None:
    """Earlier gradings are drawn, fainter and below today's points, and unlabelled."""
    earlier = [plots.Point("sgemm simd n=1024", 170.7, 12.0)]
    fig = plots.roofline_figure(ROOFS, KERNELS, history=earlier)
    ax = fig.axes[0]
    faded = [line for line in ax.lines if list(line.get_ydata()) == [12.0]]
    today = [line for line in ax.lines if list(line.get_ydata()) == [30.0]]
    assert faded and today
    assert faded[0].get_alpha() < 0.5 and (today[0].get_alpha() or 1.0) == 1.0
    assert faded[0].get_zorder() < today[0].get_zorder()
    assert len(_labels(fig)) == len(KERNELS)
    assert "your earlier gradings" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_memory_bound_kernels_are_plotted_at_the_flops_their_bandwidth_carries() -> None:
    """A kernel graded in GB/s is a point at GB/s x FLOP/byte, both from a grading's
    benchmark row and from the judge's score."""
    rows = [{"name": "saxpy n=1024", "GB/s": 9.0, "FLOP/byte": 1 / 6},
            {"name": "sgemm simd 256", "gflops": 30.0, "FLOP/byte": 42.7},
            {"name": "roofline", "peak_gflops_1_thread": 60.0}]
    saxpy, sgemm = plots.points_from_rows(rows)
    assert saxpy.gflops == pytest.approx(9.0 / 6) and sgemm.gflops == 30.0
    timing = Timing(wall=[0.01] * 5, cpu=[0.01] * 5)
    score = StageScore("saxpy n=1024", 9.0, "GB/s", 12.0, 0.75, 0.5, timing, 1 / 6, 1)
    assert score.plot_point().gflops == pytest.approx(9.0 / 6)


def test_roofs_are_read_from_the_recorded_roofline_row() -> None:
    """The roofs a grading recorded (its `roofline` benchmark row) become the plot's roofs."""
    row = {"name": "roofline", plots.PEAK_1: 60.0, plots.PEAK_ALL: 115.0, plots.BW_1: 12.0,
           plots.BW_ALL: 18.0}
    roofs = plots.Roofs.from_rows([{"name": "sgemm"}, row])
    assert roofs is not None and (roofs.peak_1, roofs.bw_all) == (60.0, 18.0)
    assert plots.Roofs.from_rows([{"name": "sgemm"}]) is None


def test_history_plot_has_a_line_per_part_and_per_kernel(tmp_path: Path) -> None:
    """Score per part and GFLOP/s per kernel over time, gaps where a grading skipped one."""
    fig = plots.history_figure([1e9, 1e9 + 60, 1e9 + 120],
                               {"counting": [0.0, 50.0, 100.0], "bayes": [None, 20.0, 20.0]},
                               {"sgemm simd": [10.0, None, 30.0]})
    score_ax, speed_ax = fig.axes[:2]
    lines = {line.get_label(): list(line.get_ydata()) for line in score_ax.lines}
    assert lines == {"counting": [0.0, 50.0, 100.0], "bayes": [20.0, 20.0]}
    assert [list(line.get_ydata()) for line in speed_ax.lines] == [[10.0, 30.0]]
    path = plots.save_png(fig, tmp_path / "h" / "history.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
