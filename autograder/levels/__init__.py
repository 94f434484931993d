"""Level manifests: one TOML file per level in this folder, loaded into `Level` objects.

Adding a level means adding a manifest and its suites; nothing here changes. See
docs/writing-a-level.md for the format.
"""

from __future__ import annotations

import glob
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder import content_root


class ManifestError(ValueError):
    """A manifest that is missing, unreadable or inconsistent."""


@dataclass(frozen=True)
class Part:
    """A graded part of a level (a task id shared by markers, stubs and reports)."""

    id: str
    title: str
    points: float
    modules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Limits:
    """Resource limits of the level's workers and tests."""

    call_timeout: float = 10.0
    test_timeout: float = 120.0
    memory_mb: int = 2048
    cpu_seconds: int = 300


@dataclass(frozen=True)
class Level:
    """One level, as declared by its manifest."""

    id: str
    title: str
    order: int
    editable: tuple[str, ...]
    parts: dict[str, Part]
    limits: Limits
    banned_imports: tuple[str, ...] = ()
    banned_rust: tuple[str, ...] = ()
    preload: tuple[str, ...] = ()
    build: dict[str, Any] = field(default_factory=dict)
    thresholds: dict[str, Any] = field(default_factory=dict)
    root: Path = field(default_factory=content_root)

    @property
    def total_points(self) -> float:
        """The level's maximum score (100 for every shipped level)."""
        return sum(part.points for part in self.parts.values())

    @property
    def suites_dir(self) -> Path:
        """`autograder/suites/<id>/`."""
        return self.root / "autograder" / "suites" / self.id

    @property
    def solutions_dir(self) -> Path:
        """`solutions/<id>/`: the reference files, by key."""
        return self.root / "solutions" / self.id

    def student_path(self, key: str, root: Path | None = None) -> Path:
        """Where the student's copy of `key` lives in a repository rooted at `root`."""
        root = self.root if root is None else root
        if key.startswith("rust_kernels/"):
            return root / key
        return root / "assignments" / self.id / key

    def stub_keys(self) -> list[str]:
        """The editable keys present in the kit's stub tree (globs expanded)."""
        return self.expand_keys(lambda key: self.student_path(key))

    def expand_keys(self, locate: Any) -> list[str]:
        """Expand the manifest's editable globs with `locate(key) -> Path` giving a file."""
        keys: list[str] = []
        for pattern in self.editable:
            if not glob.has_magic(pattern):
                keys.append(pattern)
                continue
            located = str(locate(pattern))
            prefix = located[: len(located) - len(pattern)]  # locate(key) always ends in key
            for match in sorted(glob.glob(located, recursive=True)):
                rel = match[len(prefix):]
                if Path(match).is_file() and rel not in keys:
                    keys.append(rel)
        return keys


def _level_from(path: Path) -> Level:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ManifestError(f"{path.name}: {exc}") from None
    try:
        parts = {pid: Part(pid, p["title"], float(p["points"]), tuple(p.get("modules", ())))
                 for pid, p in data.get("parts", {}).items()}
        level = Level(
            id=data["id"], title=data["title"], order=int(data.get("order", 99)),
            editable=tuple(data["editable"]), parts=parts,
            limits=Limits(**data.get("limits", {})),
            banned_imports=tuple(data.get("banned_imports", ())),
            banned_rust=tuple(data.get("banned_rust", ())),
            preload=tuple(data.get("preload", ())),
            build=dict(data.get("build", {})), thresholds=dict(data.get("thresholds", {})),
            root=path.parent.parent.parent)
    except (KeyError, TypeError, ValueError) as exc:
        raise ManifestError(f"{path.name}: bad or missing field {exc}") from None
    if level.id != path.stem:
        raise ManifestError(f"{path.name}: id {level.id!r} does not match the file name")
    if abs(level.total_points - 100) > 1e-9:
        raise ManifestError(f"{path.name}: parts total {level.total_points:g} points, not 100")
    return level


def levels_dir() -> Path:
    """The folder of manifests: `autograder/levels/` under the content root."""
    return content_root() / "autograder" / "levels"


def all_levels() -> list[Level]:
    """Every level with a manifest, in course order."""
    return sorted((_level_from(p) for p in levels_dir().glob("*.toml")), key=lambda lv: lv.order)


def level_ids() -> list[str]:
    """The ids of the levels that have a manifest (file names only: nothing is parsed)."""
    return sorted(path.stem for path in levels_dir().glob("*.toml"))


def load_level(level_id: str) -> Level:
    """Load one level by id; ManifestError if there is no such level."""
    path = levels_dir() / f"{level_id}.toml"
    if not path.exists():
        known = ", ".join(level_ids()) or "none"
        raise ManifestError(f"unknown level {level_id!r} (known levels: {known})")
    return _level_from(path)
