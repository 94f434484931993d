"""The result record of a grading run: plain dataclasses that every report format reads."""

from __future__ import annotations

import platform
import time
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from autograder import __version__


class Outcome(StrEnum):
    """How a test ended. A `str`: the JSON record and every format spell it as its value."""

    PASSED = "passed"
    PARTIAL = "partial credit"  # passed, with part of its points (speed tests)
    FAILED = "failed"
    NOT_IMPLEMENTED = "not implemented"  # the stub is still there
    TIMED_OUT = "timed out"
    CRASHED = "crashed"
    BANNED_IMPORT = "banned import"  # also a Rust file the level's rules forbid (not built)
    DID_NOT_COMPILE = "did not compile"  # a Rust file rustc refused (built as the stub)
    GRADER_ERROR = "grader error"  # the kit's fault, never the student's
    SKIPPED = "skipped"
    LISTED = "listed"  # `--list`: collected, not run


#: Outcomes that earn all their points; partial credit earns some, everything else none.
PASSING = {Outcome.PASSED}
#: Outcomes that earn points (a student's test that did not fail).
EARNING = {Outcome.PASSED, Outcome.PARTIAL}
#: Outcomes that mean the kit failed, not the student.
GRADER_FAULTS = {Outcome.GRADER_ERROR}


@dataclass
class TestResult:
    """One graded test."""

    __test__ = False  # a record, not a test class: pytest must not try to collect it

    nodeid: str
    name: str
    title: str
    part: str
    max_points: float
    points: float = 0.0
    outcome: Outcome = Outcome.PASSED
    message: str = ""
    detail: str = ""
    hidden: bool = False
    duration: float = 0.0
    output: str = ""
    #: What stopped the test, shared by every test it stops ("`infer_shape`
    #: (teenygrad/nested.py:48)", a file that did not compile); "" for a test's own failure.
    cause: str = ""
    #: A failing property-based test's smallest input, one `name = value` line per argument.
    example: str = ""
    #: The failing call as three lines of Python to paste.
    repro: str = ""


@dataclass
class PartResult:
    """The points of one part of a level."""

    id: str
    title: str
    points: float
    max_points: float


@dataclass
class LevelResult:
    """Everything graded for one level."""

    level: str
    title: str
    source: str
    tests: list[TestResult] = field(default_factory=list)
    parts: list[PartResult] = field(default_factory=list)
    benchmarks: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)
    duration: float = 0.0
    incomplete: bool = False  # interrupted (Ctrl-C): only the tests that finished are here
    layout: str = ""  # how the submission folder was read (see judge.layout), "" for the kit
    public_only: bool = False  # no hidden test ran (--public-only, or a student repository)

    @property
    def points(self) -> float:
        """Points earned."""
        return round(sum(t.points for t in self.tests), 6)

    @property
    def max_points(self) -> float:
        """Points possible (of the tests that ran)."""
        return round(sum(t.max_points for t in self.tests), 6)

    def summarize_parts(self, titles: dict[str, str]) -> None:
        """Fill `parts` from the tests, in manifest order."""
        self.parts = []
        for part_id, title in titles.items():
            tests = [t for t in self.tests if t.part == part_id]
            if tests:
                self.parts.append(PartResult(part_id, title, sum(t.points for t in tests),
                                             sum(t.max_points for t in tests)))


def machine_info() -> dict[str, Any]:
    """The machine a run happened on (CPU model, cores, Python)."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import os

    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform()}


@dataclass
class RunRecord:
    """One grading run: one or more levels."""

    levels: list[LevelResult] = field(default_factory=list)
    kit_version: str = __version__
    started: float = field(default_factory=time.time)
    duration: float = 0.0
    machine: dict[str, Any] = field(default_factory=machine_info)
    grader_error: str = ""

    @property
    def points(self) -> float:
        """Points earned over all levels."""
        return round(sum(lv.points for lv in self.levels), 6)

    @property
    def max_points(self) -> float:
        """Points possible over all levels."""
        return round(sum(lv.max_points for lv in self.levels), 6)

    def has_grader_fault(self) -> bool:
        """Whether the kit itself failed somewhere in this run."""
        return bool(self.grader_error) or any(
            t.outcome in GRADER_FAULTS for lv in self.levels for t in lv.tests)

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data (the `json` format)."""
        data = asdict(self)
        data["points"] = self.points
        data["max_points"] = self.max_points
        for level, raw in zip(self.levels, data["levels"], strict=True):
            raw["points"] = level.points
            raw["max_points"] = level.max_points
        return data
