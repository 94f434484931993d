"""`grade.py LEVEL --watch`: graded once, then each saved file re-grades the parts that use it,
for real (a grade.py process watching a copy of a submission), and Ctrl-C ends it with 130."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import KIT, interruptible

from autograder.levels import load_level
from autograder.report import history
from autograder.report.record import LevelResult, PartResult, TestResult
from autograder.watch import keyword_for, merge

LEVEL = load_level("level-2")


def test_a_file_re_grades_the_parts_that_use_it() -> None:
    """A module re-grades its parts, a file no part names all of them; the -k expression
    selects exactly the suite files holding tests of those parts."""
    assert LEVEL.parts_using("probability/bayes.py") == ["bayes"]
    assert LEVEL.parts_using("probability/__init__.py") == list(LEVEL.parts)
    keyword = keyword_for(LEVEL, ["bayes"])
    assert keyword is not None and set(keyword.split(" or ")) == {
        "test_bayes.py", "test_bayes_hidden.py"}
    assert keyword_for(LEVEL, list(LEVEL.parts)) is None


def test_merge_replaces_only_the_re_graded_tests() -> None:
    """The re-graded tests (and their benchmark rows) replace the earlier ones, in place;
    the parts' points are summed again."""
    def level(points: dict[str, float]) -> LevelResult:
        result = LevelResult("level-2", "t", "s")
        result.tests = [TestResult(f"n::{name}", name, name, name.split("_")[1], 5.0, p)
                        for name, p in points.items()]
        result.benchmarks = [{"name": f"b {name}", "test": name} for name in points]
        return result

    old = level({"test_counting_a": 5.0, "test_bayes_a": 0.0, "test_bayes_b": 0.0})
    new = level({"test_bayes_a": 5.0, "test_bayes_b": 2.5})
    merged = merge(old, new, {"counting": "Counting", "bayes": "Bayes"})
    assert [(t.name, t.points) for t in merged.tests] == [
        ("test_counting_a", 5.0), ("test_bayes_a", 5.0), ("test_bayes_b", 2.5)]
    assert merged.parts == [PartResult("counting", "Counting", 5.0, 5.0),
                            PartResult("bayes", "Bayes", 7.5, 10.0)]
    assert sorted(row["name"] for row in merged.benchmarks) == [
        "b test_bayes_a", "b test_bayes_b", "b test_counting_a"]


class _Reader:
    """The lines a process writes, read on a thread, so that a test can wait for one."""

    def __init__(self, stream) -> None:
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream) -> None:
        for line in stream:
            self.lines.put(line)
        self.lines.put(None)  # the process closed it (ended)

    def until(self, pattern: str, timeout: float, also: _Reader | None = None) -> str:
        """Everything read until a line matching `pattern`; fails after `timeout` s or when
        the stream ends first (showing what `also`, the other stream, said)."""
        deadline, block = time.monotonic() + timeout, []
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if line is None:
                other = "".join(also.rest()) if also else ""
                raise AssertionError(f"ended before a line matching {pattern!r}; read:\n"
                                     f"{''.join(self.seen)[-3000:]}\n{other[-3000:]}")
            block.append(line)
            self.seen.append(line)
            if re.search(pattern, line):
                return "".join(block)
        raise AssertionError(f"no line matching {pattern!r} within {timeout:g} s; "
                             f"read:\n{''.join(self.seen)[-3000:]}")

    def rest(self) -> list[str]:
        """The lines read so far and not yet taken."""
        found = []
        while True:
            try:
                line = self.lines.get(timeout=1.0)
            except queue.Empty:
                return found
            if line is None:
                return found
            found.append(line)


def _total(report: str) -> tuple[float, float]:
    found = re.findall(r"TOTAL ([\d.]+)/([\d.]+)", report)
    assert found, report
    return float(found[-1][0]), float(found[-1][1])


@pytest.mark.slow
def test_watch_re_grades_a_saved_file_and_ctrl_c_ends_it(tmp_path: Path) -> None:
    """Started on a copy of a submission (the reference solutions), `--watch` grades it all;
    saving bayes.py as its stub re-grades only the bayes tests and redraws the report with
    the lower total; saving the solution back restores it; SIGINT ends it with status 130.
    Each grading lands in the history."""
    copy = tmp_path / "submission"
    shutil.copytree(KIT / "solutions" / "level-2", copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, history.HISTORY_ENV: str(tmp_path / "history.sqlite"),
           "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, str(KIT / "grade.py"), "level-2", "--submission",
                             str(copy), "--watch", "--quiet"], cwd=KIT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=interruptible)
    out, err = _Reader(proc.stdout), _Reader(proc.stderr)
    try:
        first = out.until(r"^watching \d+ files of level-2", timeout=600, also=err)
        full, possible = _total(first)
        assert full == possible == 100, first

        bayes = copy / "probability" / "bayes.py"
        solution = bayes.read_text()
        bayes.write_text((KIT / "assignments" / "level-2" / "probability" / "bayes.py")
                         .read_text())
        second = out.until(r"^watching", timeout=600, also=err)
        assert "probability/bayes.py changed: re-graded bayes" in second
        points, _ = _total(second)
        bayes_points = LEVEL.parts["bayes"].points
        assert points == full - bayes_points, second

        bayes.write_text(solution)
        third = out.until(r"^watching", timeout=600, also=err)
        assert _total(third)[0] == full, third

        os.kill(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=60) == 130
        err.until(r"stopped watching", timeout=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    runs = history.load("level-2", path=tmp_path / "history.sqlite")
    assert [run.points for run in runs] == [full, full - bayes_points, full]
    assert runs[0].selection == "watch" and "test_bayes.py" in runs[1].selection
