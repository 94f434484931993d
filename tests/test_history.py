"""The grading history: every grading appends to the checkout's SQLite database, a failing
write is one warning line and never a lost grade, and `grade.py history` shows it."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from conftest import KIT, run_grade

from autograder.instructor.run_grade import run_grade as grade_process
from autograder.report import history
from autograder.report.record import LevelResult, PartResult, RunRecord, TestResult


def _record(points: float, gbs: float, started: float) -> RunRecord:
    """A level 0 grading as a record: two parts, the roofline row and two kernels' rows."""
    level = LevelResult("level0", "Rust BLAS", "assignments")
    level.tests = [TestResult("a", "test_a", "a", "blas1", 10.0, points),
                   TestResult("b", "test_b", "b", "sgemm", 90.0, 90.0)]
    level.parts = [PartResult("blas1", "BLAS level 1", points, 10.0),
                   PartResult("sgemm", "SGEMM", 90.0, 90.0)]
    level.benchmarks = [
        {"name": "roofline", "test": "test_a", "peak_gflops_1_thread": 60.0,
         "triad_gbs_1_thread": 12.0, "busy": False},
        {"name": "saxpy n=1024", "test": "test_a", "GB/s": gbs, "FLOP/byte": 1 / 6,
         "per core": False},
        {"name": "sgemm simd 256", "test": "test_b", "gflops": 3 * gbs, "FLOP/byte": 42.7}]
    return RunRecord(levels=[level], started=started)


def test_append_and_load_round_trip(tmp_path: Path) -> None:
    """Time, level, source, selection, version, each part's points and every numeric figure
    of every benchmark row come back as written, oldest first."""
    db = tmp_path / "history.sqlite"
    assert history.append(_record(4.0, 9.0, 2000.0), "-k saxpy", path=db) == 1
    assert history.append(_record(7.5, 10.0, 1000.0), path=db) == 1
    first, second = history.load("level0", path=db)
    assert (first.time, first.selection, second.time, second.selection) == \
        (1000.0, "", 2000.0, "-k saxpy")
    assert first.parts["blas1"] == ("BLAS level 1", 7.5, 10.0)
    assert (first.points, first.max_points, first.kit_version) == (97.5, 100.0, "0.1.0")
    # booleans and text are not figures; numbers are, each under its benchmark
    assert second.figures["saxpy n=1024"] == {"GB/s": 9.0, "FLOP/byte": 1 / 6}
    assert second.figures["roofline"] == {"peak_gflops_1_thread": 60.0,
                                          "triad_gbs_1_thread": 12.0}
    speeds = {p.name: p.gflops for p in second.kernel_points()}
    assert speeds == {"saxpy n=1024": pytest.approx(9.0 / 6), "sgemm simd 256": 27.0}
    assert history.load("level-1", path=db) == []


def test_an_interrupted_level_is_not_a_grading(tmp_path: Path) -> None:
    """A level stopped by Ctrl-C holds only some tests: it is not written."""
    record = _record(4.0, 9.0, 1000.0)
    record.levels[0].incomplete = True
    assert history.append(record, path=tmp_path / "h.sqlite") == 0
    assert history.load(path=tmp_path / "h.sqlite") == []


def test_history_off_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`TEENYGRAD_HISTORY=off`: no database is made."""
    monkeypatch.setenv(history.HISTORY_ENV, "off")
    monkeypatch.chdir(tmp_path)
    assert history.append(_record(4.0, 9.0, 1000.0)) == 0
    assert history.history_path() is None


def test_a_failing_write_is_one_warning_line(tmp_path: Path, capsys,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A history that cannot be written (its folder is a file) costs one warning, no error."""
    (tmp_path / "blocker").write_text("a file where the folder should be")
    monkeypatch.setenv(history.HISTORY_ENV, str(tmp_path / "blocker" / "history.sqlite"))
    history.append_safely(_record(4.0, 9.0, 1000.0))
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "warning: grading history not saved" in err


def test_table_shows_parts_and_kernels(tmp_path: Path) -> None:
    """The table has a row per grading with each part's points; the kernel table the first,
    best and latest GFLOP/s."""
    db = tmp_path / "history.sqlite"
    for i, (points, gbs) in enumerate([(2.0, 6.0), (10.0, 12.0), (8.0, 9.0)]):
        history.append(_record(points, gbs, 1000.0 + 60 * i), path=db)
    runs = history.load("level0", path=db)
    lines = history.table(runs, limit=2)
    assert lines[0].split() == ["when", "total", "blas1", "sgemm", "ran"]
    assert [line.split()[2:5] for line in lines[1:3]] == [["100/100", "10", "90"],
                                                          ["98/100", "8", "90"]]
    assert "1 earlier gradings not shown" in lines[-1]
    kernels = {line.split()[0]: line.split()[-3:] for line in history.kernel_table(runs)[1:]}
    assert kernels["sgemm"] == ["18", "36", "27"]


@pytest.fixture
def own_history(tmp_path: Path) -> dict[str, str]:
    """The environment of a student's grade.py with a history of its own."""
    return {**os.environ, history.HISTORY_ENV: str(tmp_path / "history.sqlite")}


def test_every_grading_appends_and_history_shows_it(tmp_path: Path, own_history) -> None:
    """Two real gradings of level -2 (part of it) land in the history with the points the
    report gave; `grade.py history level-2` prints them and writes the plot."""
    out = tmp_path / "record.json"
    for args in (["--solutions"], []):
        graded = run_grade("level-2", *args, "-k", "test_counting.py", json_out=out,
                           env=own_history)
        assert graded.returncode in (0, 1), graded.stderr
    points = json.loads(out.read_text())["levels"][0]["points"]  # the second (stub) grading
    runs = history.load("level-2", path=Path(own_history[history.HISTORY_ENV]))
    assert [run.selection for run in runs] == ["-k test_counting.py"] * 2
    assert runs[0].points > runs[1].points == points
    assert set(runs[0].parts) == {"counting"}
    plot = tmp_path / "history.png"
    shown = grade_process(KIT / "grade.py", ["history", "level-2", "--plot", plot], cwd=KIT,
                          timeout=120, env=own_history)
    assert shown.returncode == 0, shown.stderr
    assert f"{runs[0].points:g}/" in shown.stdout and "counting" in shown.stdout
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_a_broken_history_never_costs_the_grade(tmp_path: Path, own_history) -> None:
    """With the history database unusable (a file that is not SQLite), grading reports and
    exits as always, with one warning line."""
    broken = Path(own_history[history.HISTORY_ENV])
    broken.write_text("not a database " * 100)
    graded = run_grade("level-2", "--solutions", "-k", "test_counting.py",
                       json_out=tmp_path / "r.json", env=own_history)
    assert graded.returncode == 0, graded.stderr
    warnings = [line for line in graded.stderr.splitlines() if "history not saved" in line]
    assert len(warnings) == 1
    with pytest.raises(sqlite3.DatabaseError):
        history.load(path=broken)


def test_tools_leave_no_history_unless_asked(tmp_path: Path) -> None:
    """A grading started through run_grade (batch, mutation, the kit's tests) writes no
    history by default."""
    env = {k: v for k, v in os.environ.items() if k != history.HISTORY_ENV}
    done = grade_process(KIT / "grade.py", ["history"], cwd=KIT, timeout=120, env=env)
    assert done.returncode == 0 and "turned off" in done.stdout


def _history(*argv: str) -> int:
    import argparse

    parser = argparse.ArgumentParser()
    history.add_arguments(parser)
    return history.run(parser.parse_args(list(argv)))


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path, capsys,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """TEENYGRAD_HISTORY naming a file that is not SQLite: exit 2 naming it."""
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_text("not a database\n" * 100)
    monkeypatch.setenv(history.HISTORY_ENV, str(garbage))
    assert _history("--plot", str(tmp_path / "p.png")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(garbage) in err[0]


def test_the_plot_path_is_checked_first_and_an_old_plot_is_kept(
        tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """--plot not a .png, or a folder: exit 2 before the table; a plot already there is kept
    as PLOT.~1~."""
    db = tmp_path / "h.sqlite"
    history.append(_record(4.0, 9.0, 1000.0), path=db)
    monkeypatch.setenv(history.HISTORY_ENV, str(db))
    assert _history("level0", "--plot", str(tmp_path / "plot.txt")) == 2
    (tmp_path / "folder").mkdir()
    assert _history("level0", "--plot", str(tmp_path / "folder")) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 2
    assert not (tmp_path / "folder.png").exists() and not (tmp_path / "plot.txt").exists()
    old = tmp_path / "p.png"
    old.write_bytes(b"my own picture")
    assert _history("level0", "--plot", str(old)) == 0
    assert (tmp_path / "p.png.~1~").read_bytes() == b"my own picture"
    assert old.read_bytes()[:4] == b"\x89PNG"
    assert "kept as" in capsys.readouterr().out
