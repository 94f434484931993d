"""Shared helpers of the kit's own tests: run the real CLI, build submissions, hash trees."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from grading_server import SERVER
from machine_load import machine_is_busy

from autograder.instructor.run_grade import GradeRun
from autograder.instructor.run_grade import run_grade as grade_process
from autograder.levels import load_level
from autograder.report.history import HISTORY_ENV

KIT = Path(__file__).resolve().parent.parent
ENGINE_KIT = KIT / "tests" / "engine_kit"
# The kit's own gradings are not a student's: they leave no grading history in the checkout
# (every grade.py they start inherits this; a test of the history names its own database).
os.environ.setdefault("TEENYGRAD_HISTORY", "off")


@dataclass
class Graded:
    """A finished `grade.py` run: exit status, streams and the JSON record (if written)."""

    returncode: int
    stdout: str
    stderr: str
    record: dict | None

    def outcomes(self) -> dict[str, str]:
        """Test name -> outcome over every level."""
        assert self.record is not None, self.stderr
        return {t["name"]: t["outcome"] for lv in self.record["levels"] for t in lv["tests"]}


def run_grade(*args: str | Path, kit_root: Path | None = None, timeout: float = 900,
              json_out: Path | None = None, env: dict[str, str] | None = None) -> Graded:
    """Run `python grade.py ARGS` as a user would, optionally writing the JSON record."""
    argv: list[str | Path] = [*args, "--quiet"]
    if json_out is not None:
        argv += ["--format", "json", "--output", json_out]
    full_env = {**os.environ, **(env or {})}
    if "GITHUB_STEP_SUMMARY" not in (env or {}):
        full_env.pop("GITHUB_STEP_SUMMARY", None)
    if kit_root is not None:
        full_env["TEENYGRAD_KIT_ROOT"] = str(kit_root)
    full_env.setdefault(HISTORY_ENV, "off")  # as grade_process does
    forked = SERVER.forkable(KIT / "grade.py", full_env)
    SERVER.counts["forked" if forked else "fresh"] += 1
    if forked:
        # The same grading, forked from a process that has imported the CLI and the references
        # once (tests/grading_server.py): a fresh interpreter's start (0.4 s on a quiet 2-core
        # machine, 2-3 s on a busy one) about 200 times in the suite is saved.
        # TEENYGRAD_TESTS_FRESH_GRADE=1 starts a fresh grade.py each time, as before.
        done = GradeRun(*SERVER.run(argv, cwd=KIT, timeout=timeout, env=full_env))
    else:
        done = grade_process(KIT / "grade.py", argv, cwd=KIT, timeout=timeout, env=full_env)
    assert not done.timed_out, f"grade.py {' '.join(map(str, args))} ran over {timeout:g} s"
    record = json.loads(json_out.read_text()) if json_out and json_out.exists() else None
    return Graded(done.returncode, done.stdout, done.stderr, record)


FIXTURE_META = {"expected.toml", "changes.patch", "README.md"}
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "// BEGIN SOLUTION", "// END SOLUTION")


def interruptible() -> None:
    """A `preexec_fn` for a child that a test stops with SIGINT as a terminal's Ctrl-C would:
    SIGINT back to its default action. A test runner's worker may ignore SIGINT (pytest-xdist's
    do), and an ignored signal stays ignored across exec: the child would never see it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def without_markers(text: str) -> str:
    """A solution file as a student would hand it in: the solution marker lines dropped."""
    return "".join(line for line in text.splitlines(keepends=True)
                   if line.strip() not in MARKERS)


def build_submission(dest: Path, solutions: Path, overlay: Path) -> Path:
    """A full submission folder: the reference files, a fixture's `changes.patch` applied
    (a unified diff against solutions/, so a fixture shows only what it breaks), the files its
    expected.toml lists under `stubs` as the untouched stubs, and any other files of the
    fixture laid over them."""
    shutil.copytree(solutions, dest, ignore=shutil.ignore_patterns("*.ipynb", "__pycache__"))
    level = load_level(solutions.name, solutions.parent.parent)
    for key in [k for k in level.editable if level.owner(k) != level.id]:
        # a file the level borrows from an earlier one (the capstone): that level's reference
        (dest / key).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(level.solution_path(key), dest / key)
    for path in dest.rglob("*"):
        if path.suffix in (".py", ".rs"):
            path.write_text(without_markers(path.read_text()))
    patch = overlay / "changes.patch"
    if patch.is_file():
        done = subprocess.run(["git", "apply", "-p1", str(patch)], cwd=dest,
                              capture_output=True, text=True)
        assert done.returncode == 0, f"{patch} no longer applies to solutions/: {done.stderr}"
    # `stubs = [keys]` in expected.toml: those files handed in as the untouched stubs.
    meta = overlay / "expected.toml"
    stubs = tomllib.loads(meta.read_text()).get("stubs", []) if meta.is_file() else []
    for key in stubs:
        shutil.copyfile(level.student_path(key), dest / key)
    for path in overlay.rglob("*"):
        if path.is_file() and path.name not in FIXTURE_META:
            target = dest / path.relative_to(overlay)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return dest


def expected_score(fixture: Path) -> float:
    """The exact score a fixture must get (its expected.toml)."""
    return float(tomllib.loads((fixture / "expected.toml").read_text())["score"])


def tree_hash(root: Path) -> str:
    """A hash of every file's path and bytes under `root` (to prove nothing was modified)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture
def skip_if_busy() -> None:
    """Skip a timing-dependent check when the machine is busy (never fail on noise)."""
    reason = machine_is_busy()
    if reason:
        pytest.skip(reason)


def busy_benchmarks(record: dict) -> list[str]:
    """Benchmarks that the grader flagged as measured on a busy or slowed machine."""
    return [row["name"] for lv in record["levels"] for row in lv["benchmarks"]
            if row.get("busy") or row.get("others %", 0) > 10]


def lost_only_speed(record: dict) -> bool:
    """Whether the points a grading lost were all partial speed credit (nothing failed)."""
    lost = [t for lv in record["levels"] for t in lv["tests"] if t["points"] < t["max_points"]]
    return bool(lost) and all(t["outcome"] == "partial credit" for t in lost)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many `grade.py` runs were forked from the grading server, and how many started
    fresh (an environment the server could not take: see tests/grading_server.py)."""
    if any(SERVER.counts.values()):
        terminalreporter.write_line(
            f"grade.py runs: {SERVER.counts['forked']} forked from the grading server, "
            f"{SERVER.counts['fresh']} fresh")
