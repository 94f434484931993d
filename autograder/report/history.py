"""`python grade.py history [LEVEL]`: every grading of this checkout, as a table and a plot.

Each grading appends one row per level to a SQLite database in the checkout
(`grading-output/history.sqlite`, or the file `TEENYGRAD_HISTORY` names; `off` turns it off):
when, the level, where the files came from, which tests ran, the kit's version, the points of
each part and every figure of every benchmark row. Writing it is never on the grader's way: a
history that cannot be written costs one warning line, never a grade.

Gradings started by the kit's tools (`batch`, `mutation`, Gradescope, the kit's own tests) are
not the student's own and leave no history unless they name a database (see `run_grade`).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from autograder import KIT_ROOT
from autograder.report import plots
from autograder.report.files import OutputError, check_output, produce_atomically
from autograder.report.record import LevelResult, RunRecord

#: Environment variable: the history database to use, or "off".
HISTORY_ENV = "TEENYGRAD_HISTORY"
DEFAULT_PATH = KIT_ROOT / "grading-output" / "history.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, time REAL NOT NULL, level TEXT NOT NULL, source TEXT NOT NULL,
    selection TEXT NOT NULL, kit_version TEXT NOT NULL, points REAL NOT NULL,
    max_points REAL NOT NULL, grader_fault INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS parts (
    run INTEGER NOT NULL REFERENCES runs(id), part TEXT NOT NULL, title TEXT NOT NULL,
    points REAL NOT NULL, max_points REAL NOT NULL);
CREATE TABLE IF NOT EXISTS figures (
    run INTEGER NOT NULL REFERENCES runs(id), benchmark TEXT NOT NULL, figure TEXT NOT NULL,
    value REAL NOT NULL);
CREATE INDEX IF NOT EXISTS runs_by_level ON runs(level, time);
"""


def history_path() -> Path | None:
    """The history database of this checkout, or None when `TEENYGRAD_HISTORY=off`."""
    named = os.environ.get(HISTORY_ENV, "")
    if named.lower() == "off":
        return None
    return Path(named) if named else DEFAULT_PATH


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A short timeout: another grading writing at the same moment must not hold this one up.
    db = sqlite3.connect(path, timeout=2.0)
    db.executescript(SCHEMA)
    return db


def _figures(level: LevelResult) -> list[tuple[str, str, float]]:
    """Every numeric figure of every benchmark row, as (benchmark, figure, value)."""
    return [(str(row.get("name", "")), key, float(value))
            for row in level.benchmarks for key, value in row.items()
            if key not in ("name", "test") and isinstance(value, (int, float))
            and not isinstance(value, bool)]


def append(record: RunRecord, selection: str = "", path: Path | None = None) -> int:
    """Add each level of `record` to the history at `path` (the checkout's by default);
    returns the number of levels written (0 when the history is off)."""
    path = path or history_path()
    if path is None:
        return 0
    fault = record.has_grader_fault()
    # An interrupted level (Ctrl-C) holds only the tests that finished: not a grading.
    levels = [lv for lv in record.levels if not getattr(lv, "incomplete", False)]
    if not levels:
        return 0
    with closing(_connect(path)) as db, db:
        for level in levels:
            run = db.execute(
                "INSERT INTO runs (time, level, source, selection, kit_version, points, "
                "max_points, grader_fault) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (record.started, level.level, level.source, selection, record.kit_version,
                 level.points, level.max_points, int(fault))).lastrowid
            db.executemany("INSERT INTO parts VALUES (?, ?, ?, ?, ?)",
                           [(run, p.id, p.title, p.points, p.max_points) for p in level.parts])
            db.executemany("INSERT INTO figures VALUES (?, ?, ?, ?)",
                           [(run, *figure) for figure in _figures(level)])
    return len(levels)


def append_safely(record: RunRecord, selection: str = "", stream: TextIO | None = None) -> None:
    """`append`, with any failure told in one warning line (on `stream`, standard error by
    default): the grade stands regardless."""
    try:
        append(record, selection)
    except Exception as exc:  # noqa: BLE001 - a lost history line must never lose a grade
        print(f"grade.py: warning: grading history not saved ({type(exc).__name__}: {exc})",
              file=stream or sys.stderr)


@dataclass
class Run:
    """One level's grading, as the history holds it."""

    id: int
    time: float
    level: str
    source: str
    selection: str
    kit_version: str
    points: float
    max_points: float
    #: part id -> (title, points, max points)
    parts: dict[str, tuple[str, float, float]] = field(default_factory=dict)
    #: benchmark name -> figure -> value
    figures: dict[str, dict[str, float]] = field(default_factory=dict)

    def kernel_points(self) -> list[plots.Point]:
        """The kernels this grading timed, as roofline points."""
        found = (plots.point_of(name, figures) for name, figures in self.figures.items())
        return [p for p in found if p is not None]


def load(level: str | None = None, path: Path | None = None) -> list[Run]:
    """The history's gradings (of `level`, or all), oldest first; [] when there is none."""
    path = path or history_path()
    if path is None or not path.is_file():
        return []
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2.0)) as db:
        where, args = ("WHERE level = ?", (level,)) if level else ("", ())
        runs = {row[0]: Run(*row) for row in db.execute(
            "SELECT id, time, level, source, selection, kit_version, points, max_points "
            f"FROM runs {where} ORDER BY time, id", args)}
        for run, part, title, points, max_points in db.execute(
                "SELECT run, part, title, points, max_points FROM parts ORDER BY rowid"):
            if run in runs:
                runs[run].parts[part] = (title, points, max_points)
        for run, benchmark, figure, value in db.execute("SELECT * FROM figures ORDER BY rowid"):
            if run in runs:
                runs[run].figures.setdefault(benchmark, {})[figure] = value
    return list(runs.values())


def earlier_points(level: str) -> list[plots.Point]:
    """Every kernel point of the earlier gradings of `level` (for the roofline's faded
    history); [] when the history cannot be read (it never stops a plot)."""
    try:
        return [p for run in load(level) for p in run.kernel_points()]
    except (OSError, sqlite3.Error):
        return []


def _num(value: float) -> str:
    return f"{round(value, 1):g}"


def table(runs: list[Run], limit: int = 20) -> list[str]:
    """The latest `limit` gradings as text: when, level, total, each part, what ran."""
    shown = runs[-limit:]
    one_level = len({run.level for run in shown}) == 1
    # Parts are columns for one level; across levels they would not line up.
    part_ids = list(dict.fromkeys(p for run in shown for p in run.parts)) if one_level else []
    header = ["when", *([] if one_level else ["level"]), "total", *part_ids, "ran"]
    rows = [header]
    for run in shown:
        cells = [time.strftime("%Y-%m-%d %H:%M", time.localtime(run.time))]
        cells += [] if one_level else [run.level]
        cells.append(f"{_num(run.points)}/{_num(run.max_points)}")
        cells += [_num(run.parts[p][1]) if p in run.parts else "-" for p in part_ids]
        cells.append(run.selection or "all tests")
        rows.append(cells)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    if len(runs) > limit:
        lines.append(f"({len(runs) - limit} earlier gradings not shown; --limit N shows more)")
    return lines


def kernel_table(runs: list[Run]) -> list[str]:
    """Per timed kernel: GFLOP/s at its first, best and latest grading."""
    series: dict[str, list[float]] = {}
    for run in runs:
        for point in run.kernel_points():
            series.setdefault(point.name, []).append(point.gflops)
    if not series:
        return []
    width = max(len(name) for name in series)
    lines = [f"{'kernel (GFLOP/s)':<{width}}  {'first':>8}  {'best':>8}  {'latest':>8}"]
    lines += [f"{name:<{width}}  {v[0]:>8.3g}  {max(v):>8.3g}  {v[-1]:>8.3g}"
              for name, v in series.items()]
    return lines


def plot(runs: list[Run], path: Path, title: str) -> Path | None:
    """Score per part and GFLOP/s per kernel over time, as a PNG at `path`; returns where a
    different file already there is kept (`path.~N~`), or None. The PNG is drawn
    into a temporary file beside `path` and renamed over it: a stopped run leaves no half
    plot, and nothing there before is lost."""
    parts: dict[str, list[float | None]] = {}
    kernels: dict[str, list[float | None]] = {}
    several_levels = len({run.level for run in runs}) > 1
    for i, run in enumerate(runs):
        for part_title, points, max_points in run.parts.values():
            label = f"{run.level} · {part_title}" if several_levels else part_title
            parts.setdefault(label, [None] * len(runs))[i] = (
                100 * points / max_points if max_points else None)
        for point in run.kernel_points():
            kernels.setdefault(point.name, [None] * len(runs))[i] = point.gflops
    figure = plots.history_figure([run.time for run in runs], parts, kernels, title)
    return produce_atomically(path, lambda tmp: plots.save_png(figure, tmp), ".png")


def _plot_path(args: argparse.Namespace) -> Path:
    """Where the plot goes, checked before anything is read or printable: OutputError (one
    line) for a path that is not a .png file name or cannot take a file."""
    out = args.plot or KIT_ROOT / "grading-output" / f"history-{args.level or 'all'}.png"
    if out.is_dir():
        raise OutputError(f"--plot {out} is a folder: give a file name ending in .png")
    if out.suffix.lower() != ".png":
        raise OutputError(f"--plot {out}: the plot is a PNG image: give a file name ending "
                          "in .png")
    database = history_path()
    check_output(out, never=[(database, "the grading history")] if database else [])
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `grade.py history`."""
    parser.add_argument("level", nargs="?", help="only this level (default: every level)")
    parser.add_argument("--limit", type=int, default=20,
                        help="gradings shown in the table (default 20; the plot shows all)")
    parser.add_argument("--plot", type=Path, metavar="FILE",
                        help="where to draw the plot (default grading-output/history-LEVEL.png)")


def run(args: argparse.Namespace) -> int:
    """Print the history table and write its plot."""
    from autograder.levels import ManifestError, load_level

    if args.level:
        try:
            load_level(args.level)
        except ManifestError as exc:
            print(f"grade.py history: error: {exc}", file=sys.stderr)
            return 2
    if args.limit < 1:
        print("grade.py history: error: --limit must be at least 1", file=sys.stderr)
        return 2
    path = history_path()
    try:
        out = _plot_path(args)
    except OutputError as exc:
        print(f"grade.py history: error: {exc}", file=sys.stderr)
        return 2
    try:
        runs = load(args.level)
    except sqlite3.Error as exc:  # a file that is not the history's database (or a damaged one)
        print(f"grade.py history: error: {path} is not a readable grading history "
              f"({exc}): give another file with {HISTORY_ENV}, or move this one away",
              file=sys.stderr)
        return 2
    if not runs:
        where = "turned off (TEENYGRAD_HISTORY=off)" if path is None else f"in {path}"
        what = f"of {args.level} " if args.level else ""
        print(f"no gradings {what}recorded yet ({where}): grade with `python grade.py LEVEL`")
        return 0
    print("\n".join(table(runs, args.limit)))
    kernels = kernel_table(runs)
    if kernels:
        print("\n" + "\n".join(kernels))
    title = f"grading history · {args.level}" if args.level else "grading history"
    try:
        kept = plot(runs, out, title)
    except OSError as exc:
        print(f"grade.py history: error: plot not written ({out}: {exc.strerror or exc})",
              file=sys.stderr)
        return 2
    print(f"\nhistory plot: {out}"
          + (f" (the file there before is kept as {kept})" if kept else ""))
    return 0
