"""The kit's plots, drawn from plain numbers: the roofline (with this run's kernels and the
student's earlier gradings faded behind them) and the grading history (score per part and
GFLOP/s per kernel over time).

Everything here reads plain data (a `RunRecord`'s benchmark rows, the history database), so
`grade.py roofline`, level 0's grading, the HTML report and `grade.py history` draw the same
pictures. matplotlib's object API is used (no pyplot): no global figure state, no display.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # matplotlib is imported when a plot is drawn, not by every grading
    from matplotlib.figure import Figure

#: The roofline probe's figures, as the benchmark row named "roofline" records them.
PEAK_1, PEAK_ALL = "peak_gflops_1_thread", "peak_gflops_all_threads"
BW_1, BW_ALL = "triad_gbs_1_thread", "triad_gbs_all_threads"
#: The benchmark row figure holding a kernel's arithmetic intensity (FLOP per byte).
INTENSITY = "FLOP/byte"
#: The roofs' colour; used nowhere else in the kit's reports, so a test can find the plot on a
#: rendered page by it.
ROOF_COLOUR = "#1f3a93"
RIDGE_COLOUR = "#c0392b"
LABEL_FONTSIZE = 8


@dataclass(frozen=True)
class Roofs:
    """The roofs of one machine: FMA peaks (GFLOP/s) and STREAM triad bandwidths (GB/s)."""

    peak_1: float
    peak_all: float
    bw_1: float
    bw_all: float
    threads: int | None = None
    cpu: str = ""

    def ridges(self) -> list[tuple[str, float, float]]:
        """(label, intensity, GFLOP/s) of each roof's ridge point, where memory-bound turns
        compute-bound: peak / bandwidth FLOP per byte."""
        threads = f"{self.threads} threads" if self.threads else "all threads"
        return [(label, peak / bw, peak) for label, peak, bw in
                [("1 thread", self.peak_1, self.bw_1), (threads, self.peak_all, self.bw_all)]]

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> Roofs | None:
        """The roofs a grading recorded (its benchmark row "roofline"), or None."""
        for row in rows:
            if row.get("name") == "roofline" and all(
                    isinstance(row.get(k), (int, float)) and row[k] > 0
                    for k in (PEAK_1, PEAK_ALL, BW_1, BW_ALL)):
                return cls(float(row[PEAK_1]), float(row[PEAK_ALL]), float(row[BW_1]),
                           float(row[BW_ALL]))
        return None


@dataclass(frozen=True)
class Point:
    """A timed kernel on the roofline: FLOP per byte, GFLOP/s."""

    name: str
    intensity: float
    gflops: float


def point_of(name: str, figures: Mapping[str, Any]) -> Point | None:
    """A benchmark row's point: its GFLOP/s, or for a memory-bound kernel graded in GB/s the
    GFLOP/s that bandwidth carries (GB/s x FLOP/byte); None without an intensity."""
    intensity = figures.get(INTENSITY)
    if not isinstance(intensity, (int, float)) or intensity <= 0:
        return None
    if isinstance(figures.get("gflops"), (int, float)):
        gflops = float(figures["gflops"])
    elif isinstance(figures.get("GB/s"), (int, float)):
        gflops = float(figures["GB/s"]) * float(intensity)
    else:
        return None
    return Point(name, float(intensity), gflops) if gflops > 0 else None


def points_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[Point]:
    """The kernels a grading timed, from its benchmark rows."""
    points = (point_of(str(row.get("name", "")), row) for row in rows)
    return [p for p in points if p is not None]


def _figure(size: tuple[float, float]) -> Figure:
    """A figure with its own Agg canvas: a renderer (to place labels where points are drawn)
    without pyplot's global state or a display."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=110)
    FigureCanvasAgg(fig)
    return fig


def _colours(names: Iterable[str]) -> dict[str, str]:
    """One colour per kernel name, the same in today's points and the faded history."""
    palette = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
               "#666666", "#17becf", "#8c564b"]
    return {name: palette[i % len(palette)] for i, name in enumerate(sorted(set(names)))}


def _spread(wanted: list[float], gap: float, low: float = 0.0, high: float = 1.0) -> list[float]:
    """Label heights as close to `wanted` (ascending) as possible, at least `gap` apart and
    inside [low, high] when they fit: pushed up past each other, then back down from the top."""
    placed: list[float] = []
    for y in wanted:
        placed.append(max(y, low, placed[-1] + gap) if placed else max(y, low))
    for i in range(len(placed) - 1, -1, -1):
        ceiling = high if i == len(placed) - 1 else placed[i + 1] - gap
        placed[i] = min(placed[i], ceiling)
    return placed


def roofline_figure(roofs: Roofs, points: Sequence[Point] = (),
                    history: Sequence[Point] = (), title: str = "") -> Figure:
    """The roofline: both roofs, their ridge points, today's kernels labelled in a column to
    the right of the axes (so labels never overlap each other or the data) and `history`, the
    student's earlier gradings, as faded unlabelled points behind them."""
    import numpy as np

    fig = _figure((9, 5.5))
    ax = fig.add_subplot()
    everything = [*points, *history]
    x_low = min([1e-2, *(p.intensity / 2 for p in everything)])
    x_high = max([1e3, *(p.intensity * 2 for p in everything)])
    intensity = np.logspace(np.log10(x_low), np.log10(x_high), 300)
    for (label, ridge_x, ridge_y), peak, bw, style in zip(
            roofs.ridges(), [roofs.peak_1, roofs.peak_all], [roofs.bw_1, roofs.bw_all],
            ["-", "--"], strict=True):
        ax.plot(intensity, np.minimum(peak, bw * intensity), style, color=ROOF_COLOUR, lw=1.6,
                label=f"roof, {label}: {peak:.0f} GFLOP/s, {bw:.0f} GB/s")
        ax.plot([ridge_x], [ridge_y], "D", color=RIDGE_COLOUR, ms=6, zorder=4,
                label=f"ridge, {label}: {ridge_x:.1f} FLOP/byte")
    colours = _colours(p.name for p in everything)
    for point in history:
        ax.plot(point.intensity, point.gflops, "o", color=colours[point.name], alpha=0.2,
                ms=5, zorder=2, mec="none")
    if history:
        ax.plot([], [], "o", color="grey", alpha=0.3, label="your earlier gradings")
    # Both roofs in view, whichever is higher (a busy machine can measure the all-thread peak
    # below the 1-thread one), the legend's corner above them.
    y_values = [p.gflops for p in everything] + [min(roofs.bw_1, roofs.bw_all) * x_low]
    ax.set(xscale="log", yscale="log", xlim=(x_low, x_high),
           ylim=(min(y_values) / 2, max(roofs.peak_1, roofs.peak_all, *y_values) * 3))
    _label_points(fig, ax, points, colours)
    ax.set_xlabel("arithmetic intensity (FLOP / byte)")
    ax.set_ylabel("GFLOP/s")
    ax.set_title(title or "roofline")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left", fontsize=LABEL_FONTSIZE, framealpha=0.9)
    return fig


def _label_points(fig: Figure, ax: Any, points: Sequence[Point], colours: dict[str, str]) -> None:
    """Each point drawn, its name in a column right of the axes, joined by a thin line."""
    to_axes = ax.transAxes.inverted()
    placed = sorted(points, key=lambda p: p.gflops)
    wanted = [to_axes.transform(ax.transData.transform((p.intensity, p.gflops)))[1]
              for p in placed]
    height_pt = ax.get_position().height * fig.get_figheight() * 72
    heights = _spread(wanted, gap=1.4 * LABEL_FONTSIZE / height_pt)
    for point, y in zip(placed, heights, strict=True):
        colour = colours[point.name]
        ax.plot(point.intensity, point.gflops, "o", color=colour, ms=7, zorder=5)
        ax.annotate(f"{point.name}: {point.gflops:.3g} GFLOP/s",
                    xy=(point.intensity, point.gflops), xytext=(1.02, y),
                    textcoords="axes fraction", va="center", ha="left",
                    fontsize=LABEL_FONTSIZE, color=colour, annotation_clip=False,
                    arrowprops={"arrowstyle": "-", "color": colour, "lw": 0.5, "alpha": 0.6})


def history_figure(times: Sequence[float], parts: Mapping[str, Sequence[float | None]],
                   kernels: Mapping[str, Sequence[float | None]], title: str = "") -> Figure:
    """Score per part (% of its points) and GFLOP/s per kernel over time, one line each;
    None where a grading did not run that part or kernel."""
    dates = [datetime.fromtimestamp(t) for t in times]
    rows = 2 if kernels else 1
    fig = _figure((9, 3.2 * rows + 0.6))
    axes = fig.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    for ax, series, ylabel in [(axes[0], parts, "score (% of the part's points)"),
                               *([(axes[1], kernels, "GFLOP/s")] if kernels else [])]:
        for name, values in series.items():
            xs = [d for d, v in zip(dates, values, strict=True) if v is not None]
            ys = [v for v in values if v is not None]
            ax.plot(xs, ys, "o-", ms=4, lw=1.2, label=name)
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=LABEL_FONTSIZE, loc="center left", bbox_to_anchor=(1.01, 0.5))
    axes[0].set_ylim(-5, 105)
    if kernels:
        axes[1].set_yscale("log")
    axes[-1].set_xlabel("grading time")
    fig.autofmt_xdate()
    fig.suptitle(title or "grading history")
    return fig


def save_png(fig: Figure, path: Path) -> Path:
    """Write the figure as a PNG (folders made as needed); returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    return path


def png_data_uri(fig: Figure) -> str:
    """The figure as a `data:image/png;base64,...` URI: an image a page carries inside it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
