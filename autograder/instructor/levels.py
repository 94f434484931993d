"""The level manifests as the instructor tools need them: ids and the files students edit.

The engine owns the full manifest schema (docs/writing-a-level.md); this module reads only the
keys the release needs (`id`, `order`, `editable`) so it keeps working while the engine grows.
"""

from __future__ import annotations

import glob
import tomllib
from dataclasses import dataclass
from pathlib import Path

RUST_PREFIX = "rust_kernels/"


class InstructorError(Exception):
    """A problem the instructor must fix; its message is one line, shown without a traceback."""


def kit_root() -> Path:
    """The kit's content root: the repository, or the tree named by TEENYGRAD_KIT_ROOT."""
    from autograder import content_root

    return content_root()


@dataclass(frozen=True)
class Level:
    """One level manifest, reduced to what the release needs."""

    id: str
    order: int
    editable: tuple[str, ...]
    manifest: Path

    def solution_path(self, root: Path, key: str) -> Path:
        """Where the reference of `key` lives: `solutions/<id>/<key>`."""
        return root / "solutions" / self.id / key

    def student_path(self, root: Path, key: str) -> Path:
        """Where the student's copy of `key` lives (`assignments/<id>/<key>` or `<key>`)."""
        if key.startswith(RUST_PREFIX):
            return root / key
        return root / "assignments" / self.id / key

    def keys(self, root: Path) -> list[str]:
        """The editable keys, globs expanded against `solutions/<id>/` as the engine does
        (`glob.glob(..., recursive=True)`, files only), in manifest order."""
        base = root / "solutions" / self.id
        keys: list[str] = []
        for pattern in self.editable:
            if not glob.has_magic(pattern):
                matches = [pattern]
            else:
                found = glob.glob(str(base / pattern), recursive=True)
                matches = [
                    Path(m).relative_to(base).as_posix()
                    for m in sorted(found)
                    if Path(m).is_file() and "__pycache__" not in m
                ]
            keys.extend(m for m in matches if m not in keys)
        return keys


def load_level(path: Path) -> Level:
    """Read one manifest; raise InstructorError naming the file when it is unusable."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InstructorError(f"{path}: cannot read the level manifest: {exc}") from exc
    level_id = data.get("id")
    editable = data.get("editable", [])
    if not isinstance(level_id, str) or not level_id:
        raise InstructorError(f"{path}: the manifest has no `id`")
    if not isinstance(editable, list) or not all(isinstance(k, str) for k in editable):
        raise InstructorError(f"{path}: `editable` must be a list of strings")
    order = data.get("order", 0)
    return Level(id=level_id, order=int(order), editable=tuple(editable), manifest=path)


def load_levels(root: Path) -> list[Level]:
    """Every manifest in `autograder/levels/*.toml`, in the manifests' `order`."""
    folder = root / "autograder" / "levels"
    levels = [load_level(p) for p in sorted(folder.glob("*.toml"))]
    return sorted(levels, key=lambda lv: (lv.order, lv.id))


def select_levels(root: Path, wanted: str | None) -> list[Level]:
    """All levels, or the one named `wanted`; raise InstructorError for an unknown name."""
    levels = load_levels(root)
    if wanted in (None, "all"):
        return levels
    chosen = [lv for lv in levels if lv.id == wanted]
    if not chosen:
        known = ", ".join(lv.id for lv in levels) or "none"
        raise InstructorError(f"unknown level {wanted!r} (known: {known})")
    return chosen
