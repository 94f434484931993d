"""Level manifests: one TOML file per level in this folder, loaded into `Level` objects.

Adding a level means adding a manifest and its suites; nothing here changes. See
docs/writing-a-level.md for the format.
"""

from __future__ import annotations

import fnmatch
import glob
import re
import tomllib
from collections.abc import Callable
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import Any

from autograder import content_root

#: A test's part, as its suite file marks it: `@pytest.mark.part("broadcast")`.
PART_MARK = re.compile(r"""mark\.part\(\s*["']([\w-]+)["']\s*\)""")


class ManifestError(ValueError):
    """A manifest that is missing, unreadable or inconsistent."""


@dataclass(frozen=True)
class Part:
    """A graded part of a level (a task id shared by markers, stubs and reports)."""

    id: str
    title: str
    points: float
    modules: tuple[str, ...] = ()  # student modules the part needs (the import preflight)
    files: tuple[str, ...] = ()  # student files (keys) the part needs: one not built blocks it


@dataclass(frozen=True)
class Limits:
    """Resource limits of the level's workers and tests."""

    call_timeout: float = 10.0
    test_timeout: float = 120.0
    memory_mb: int = 2048
    cpu_seconds: int = 300


@dataclass(frozen=True)
class SubmissionLimits:
    """What the grader takes from a submission folder (the manifest's `[submission]` table).

    A student file over `file_bytes` is graded as its untouched stub, with the reason in the
    report; student files over `files` or `total_bytes` together make the whole submission
    refused (exit status 2). `depth` and `scan_entries` bound the look at the rest of the folder
    (the report's list of ignored files): nothing deeper, and no more entries, are looked at.
    """

    file_bytes: int = 1_000_000
    files: int = 100
    total_bytes: int = 4_000_000
    depth: int = 16
    scan_entries: int = 2000


@dataclass(frozen=True)
class Level:
    """One level, as declared by its manifest."""

    id: str
    title: str
    order: int
    editable: tuple[str, ...]
    parts: dict[str, Part]
    limits: Limits
    module: str = ""  # the Python name of its probes, references, cases, handout: level_minus1
    submission: SubmissionLimits = field(default_factory=SubmissionLimits)
    banned_imports: tuple[str, ...] = ()
    rust_rules: str = ""  # a rule set of autograder/judge/rust_rules.py for its Rust files
    preload: tuple[str, ...] = ()
    worker_packages: tuple[str, ...] = ()
    build: dict[str, Any] = field(default_factory=dict)
    thresholds: dict[str, Any] = field(default_factory=dict)
    # Keys owned by an earlier level (the capstone grades them in place): key prefix -> the
    # level whose solutions and release own them, e.g. "assignments/level-1/" -> "level-1".
    borrowed: dict[str, str] = field(default_factory=dict)
    # Swapping parts in one at a time (the manifest's `[swap]` table; see autograder.judge.swap):
    # `file` and `name` of the student's list of parts graded on their own code, `kit_backend`
    # the parts the kit stands in for while they are not, `kit_packages` what that stand-in
    # needs in the worker.
    swap: dict[str, Any] = field(default_factory=dict)
    root: Path = field(default_factory=content_root)

    def __post_init__(self) -> None:
        if not self.module:  # a level whose id is a Python name may leave `module` out
            object.__setattr__(self, "module", self.id)

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

    @property
    def manifest(self) -> Path:
        """`autograder/levels/<id>.toml`: the file this level was read from."""
        return levels_dir(self.root) / f"{self.id}.toml"

    def student_path(self, key: str, root: Path | None = None) -> Path:
        """Where the student's copy of `key` lives in a repository rooted at `root`."""
        root = self.root if root is None else root
        if key.startswith(("rust_kernels/", "assignments/")):
            return root / key
        return root / "assignments" / self.id / key

    def owner(self, key: str) -> str:
        """The level whose solutions hold `key`: this one, or the earlier level it borrows
        the key from (the manifest's `[borrowed]` table)."""
        return next((lvl for prefix, lvl in self.borrowed.items() if key.startswith(prefix)),
                    self.id)

    def solution_rel(self, key: str) -> str:
        """Where the reference of `key` lives, relative to the content root:
        `solutions/<owner>/<key below the owner's assignments folder>`."""
        owner = self.owner(key)
        return f"solutions/{owner}/{key.removeprefix(f'assignments/{owner}/')}"

    def own_keys(self, keys: list[str]) -> list[str]:
        """The `keys` this level owns (not borrowed from an earlier level)."""
        return [key for key in keys if self.owner(key) == self.id]

    def solution_path(self, key: str) -> Path:
        """The reference file of `key` (see `solution_rel`)."""
        return self.root / self.solution_rel(key)

    def stub_keys(self) -> list[str]:
        """The editable keys present in the kit's stub tree (globs expanded)."""
        return self.expand_keys(lambda key: self.student_path(key))

    def solution_keys(self) -> list[str]:
        """The editable keys present in `solutions/<id>/` (globs expanded): what the release
        turns into stubs. Borrowed keys are left out: their own level releases them."""
        return [key for key in self.expand_keys(lambda key: self.solutions_dir / key)
                if self.owner(key) == self.id]

    def expand_keys(self, locate: Callable[[str], Path]) -> list[str]:
        """Expand the manifest's editable globs, in manifest order, with `locate(key) -> Path`
        giving a file: `glob.glob(recursive=True)`, files only, no `__pycache__`."""
        keys: list[str] = []
        for pattern in self.editable:
            if not glob.has_magic(pattern):
                keys.append(pattern)
                continue
            located = str(locate(pattern))
            prefix = located[: len(located) - len(pattern)]  # locate(key) always ends in key
            for match in sorted(glob.glob(located, recursive=True)):
                rel = match[len(prefix):]
                if Path(match).is_file() and "__pycache__" not in rel and rel not in keys:
                    keys.append(rel)
        return keys

    def parts_using(self, key: str) -> list[str]:
        """The parts whose tests run the student file `key`, by the manifest's `modules` and
        `files` (every part when none names it)."""
        module = key.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        parts = [p.id for p in self.parts.values() if module in p.modules or key in p.files]
        return parts or list(self.parts)

    def suite_files_of(self, parts: list[str]) -> list[str]:
        """The names of the suite files holding tests of `parts` (by their part marker); a
        file's name is one of its tests' `-k` keywords."""
        return sorted({path.name for path in self.suites_dir.rglob("test_*.py")
                       if set(PART_MARK.findall(path.read_text())) & set(parts)})

    def keys_among(self, candidates: list[str]) -> list[str]:
        """The editable keys: each plain key, and the `candidates` (keys found in a submission,
        listed without following links) that match one of the manifest's globs."""
        keys: list[str] = []
        for pattern in self.editable:
            if not glob.has_magic(pattern):
                found = [pattern]
            else:
                found = sorted(c for c in candidates if glob_match(pattern, c))
            keys += [key for key in found if key not in keys]
        return keys


def glob_match(pattern: str, key: str) -> bool:
    """Whether `key` matches the glob `pattern` as `glob.glob(recursive=True)` would match it:
    `*`, `?` and `[...]` within one name, `**` for any number of folders, and hidden names
    (a leading dot) only where the pattern spells the dot."""
    return _match_parts(pattern.split("/"), key.split("/"))


def _match_parts(pattern: list[str], parts: list[str]) -> bool:
    if not pattern:
        return not parts
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_match_parts(rest, parts[skip:]) for skip in range(len(parts) + 1)
                   if not any(p.startswith(".") for p in parts[:skip]))
    if not parts or (parts[0].startswith(".") and not head.startswith(".")):
        return False
    return fnmatch.fnmatchcase(parts[0], head) and _match_parts(rest, parts[1:])


def _level_from(path: Path) -> Level:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ManifestError(f"{path.name}: {exc}") from None
    if not isinstance(data.get("editable"), list):
        raise ManifestError(f"{path.name}: `editable` must be a list of file keys")
    try:
        parts = {pid: Part(pid, p["title"], float(p["points"]), tuple(p.get("modules", ())),
                           tuple(p.get("files", ())))
                 for pid, p in data.get("parts", {}).items()}
        level = Level(
            id=data["id"], title=data["title"], order=int(data.get("order", 99)),
            editable=tuple(data["editable"]), parts=parts,
            limits=Limits(**data.get("limits", {})),
            module=str(data.get("module", "")),
            submission=SubmissionLimits(**data.get("submission", {})),
            banned_imports=tuple(data.get("banned_imports", ())),
            rust_rules=str(data.get("rust_rules", "")),
            preload=tuple(data.get("preload", ())),
            worker_packages=tuple(data.get("worker_packages", ())),
            build=dict(data.get("build", {})), thresholds=dict(data.get("thresholds", {})),
            borrowed={str(k): str(v) for k, v in data.get("borrowed", {}).items()},
            swap=dict(data.get("swap", {})),
            root=path.parent.parent.parent)
    except (KeyError, TypeError, ValueError) as exc:
        raise ManifestError(f"{path.name}: bad or missing field {exc}") from None
    _check(level, path)
    return level


def _check(level: Level, path: Path) -> None:
    """ManifestError unless the level is consistent with its file and adds up to 100."""
    if level.id != path.stem:
        raise ManifestError(f"{path.name}: id {level.id!r} does not match the file name")
    if not level.module.isidentifier():
        raise ManifestError(f"{path.name}: `module` must be a Python name (id {level.id!r} is "
                            "not one: write e.g. module = \"level_minus1\")")
    if not all(isinstance(key, str) and key for key in level.editable):
        raise ManifestError(f"{path.name}: `editable` must be a list of file keys")
    if not all(isinstance(v, int) and v > 0 for v in astuple(level.submission)):
        raise ManifestError(f"{path.name}: [submission] limits must be positive integers")
    if level.swap and (level.swap.get("file") not in level.editable
                       or not set(level.swap.get("kit_backend", ())) <= set(level.parts)):
        raise ManifestError(f"{path.name}: [swap] needs `file` among the editable keys and "
                            "`kit_backend` parts of this level")
    if abs(level.total_points - 100) > 1e-9:
        raise ManifestError(f"{path.name}: parts total {level.total_points:g} points, not 100")


def levels_dir(root: Path | None = None) -> Path:
    """The folder of manifests: `autograder/levels/` under `root` (the content root)."""
    return (content_root() if root is None else root) / "autograder" / "levels"


def all_levels(root: Path | None = None) -> list[Level]:
    """Every level with a manifest under `root` (the content root), in course order."""
    levels = (_level_from(p) for p in levels_dir(root).glob("*.toml"))
    return sorted(levels, key=lambda lv: (lv.order, lv.id))


def level_ids(root: Path | None = None) -> list[str]:
    """The ids of the levels that have a manifest (file names only: nothing is parsed)."""
    return sorted(path.stem for path in levels_dir(root).glob("*.toml"))


def load_level(level_id: str, root: Path | None = None) -> Level:
    """Load one level by id from `root` (the content root); ManifestError if there is none."""
    path = levels_dir(root) / f"{level_id}.toml"
    if not path.is_file():
        known = ", ".join(level_ids(root)) or "none"
        raise ManifestError(f"unknown level {level_id!r} (known levels: {known})")
    return _level_from(path)
