"""The release as an ordered list of small named steps, one class per module.

Every step has one entry method, `run(ctx)`, that reads and extends a `ReleaseContext`.
A step that finds a problem appends it to `ctx.problems`; the pipeline stops after the first
step that reported any, so nothing is written once something is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from autograder.instructor.markers import Region
from autograder.levels import Level


@dataclass
class ReleaseFile:
    """One generated file: where its reference is, where its stub goes, and both texts."""

    level: str
    key: str
    source: Path
    target: Path
    solution: str = ""
    regions: list[Region] = field(default_factory=list)
    stub: str | None = None

    @property
    def kind(self) -> str:
        """`notebook` for handout notebooks, `source` for manifest files."""
        return "notebook" if self.source.suffix == ".ipynb" else "source"


@dataclass
class ReleaseContext:
    """What the steps share: the kit root, the levels, the planned files, what went wrong."""

    root: Path
    levels: list[Level]
    files: list[ReleaseFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    check_only: bool = False
    differing: list[ReleaseFile] = field(default_factory=list)
    written: list[ReleaseFile] = field(default_factory=list)
    #: `--student-repo --force`: different files that were in DIR, kept as NAME.~N~.
    kept: list[Path] = field(default_factory=list)

    def rel(self, path: Path) -> str:
        """`path` relative to the kit root, for messages."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


class Step(Protocol):
    """A release step."""

    name: str

    def run(self, ctx: ReleaseContext) -> None:
        """Read and extend `ctx`; report problems in `ctx.problems`."""
