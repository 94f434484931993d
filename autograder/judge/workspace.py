"""Build a grading workspace: a fresh temporary folder holding only the level's student files.

The student files come from one of three sources (the kit's stubs, the reference solutions, or a
submission folder); nothing else of the source is copied, and the source is never modified.
Every file is read through `autograder.judge.intake` (plain files only, no link followed, within
the level's `[submission]` limits). A submission's file that is absent or refused is graded as
its untouched stub; the report says which, and why, one line each. Student files that together
exceed the submission limits make the whole submission refused (SourceError: exit status 2).

A submission folder is laid out in one of three ways, found by `autograder.judge.layout` (the
one resolver of every channel), in the folder or one folder down: a copy of the student
repository (`assignments/<level>/...`), by key (`teenygrad/nested.py`), or flat (a Gradescope
upload of bare files: `nested.py`), where each file is taken for the key of the same file name.
The report says which layout was found.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.judge.intake import (
    SKIP_DIRS,
    Refusal,
    Scan,
    open_file,
    opened_root,
    printable,
    read_capped,
    scan,
    size_text,
)
from autograder.judge.layout import Layout, LayoutKind, resolve_layout
from autograder.judge.processes import remove_tree
from autograder.levels import Level

__all__ = ["SKIP_DIRS", "Source", "SourceError", "Workspace", "build_workspace"]


class SourceError(ValueError):
    """A submission folder (or kit tree) that cannot be graded: one line for the user."""


@dataclass(frozen=True)
class Source:
    """Where the student files come from: `assignments`, `solutions` or a `submission` DIR."""

    kind: str
    path: Path | None = None

    def label(self) -> str:
        """How the report names the source (a path's undecodable or control characters shown
        as escapes: every report format and the history can then hold it)."""
        return printable(str(self.path)) if self.kind == "submission" else self.kind


@dataclass
class Workspace:
    """A built workspace: student files by key under `student/`, a scratch dir for workers.

    `missing` lists the keys graded as the stub (absent or refused), `refused` maps a refused
    key to its reason, and `notes` holds the report's lines about the submission."""

    root: Path
    student: Path
    scratch: Path
    extra_paths: list[Path] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    layout: Layout | None = None  # a submission's layout (None: the kit's own files)

    def cleanup(self) -> None:
        """Delete the workspace (also what student code locked in it)."""
        remove_tree(self.root)


@dataclass
class _Plan:
    """Where each key's file is in the source (relative to its root), or why it is not taken."""

    root: Path
    keys: list[str]
    place: dict[str, str | Refusal]
    listing: Scan | None = None
    layout: Layout | None = None


def _kit_plan(level: Level, source: Source) -> _Plan:
    stub_keys = level.stub_keys()
    place: dict[str, str | Refusal]
    if source.kind == "assignments":
        keys = stub_keys
        place = {key: level.student_path(key, Path()).as_posix() for key in keys}
    else:
        located = level.expand_keys(level.solution_path)
        keys = list(dict.fromkeys([*stub_keys, *located]))
        place = {key: level.solution_rel(key) for key in keys}
    return _Plan(level.root, keys, place)


def _submission_plan(level: Level, root: Path) -> _Plan:
    """Where the keys are in a submission folder, by the layout `resolve_layout` finds: the
    student repository's paths, the keys, or (flat) the file names."""
    listing = scan(root, level.submission)
    stub_keys = level.stub_keys()
    layout = resolve_layout(level, root)
    if layout.kind == LayoutKind.FLAT:
        return _Plan(root, stub_keys, _by_file_name(stub_keys, listing), listing, layout)
    in_repo, prefix = layout.kind == LayoutKind.REPOSITORY, layout.prefix()

    def rel_of(key: str) -> str:
        return prefix + (level.student_path(key, Path()).as_posix() if in_repo else key)

    inside = [e.rel.removeprefix(prefix) for e in listing.entries if e.rel.startswith(prefix)]
    candidates = [_key_of(level, rel, in_repo) for rel in inside]
    found = level.keys_among([c for c in candidates if c is not None])
    keys = list(dict.fromkeys([*stub_keys, *found]))
    return _Plan(root, keys, {key: rel_of(key) for key in keys}, listing, layout)


def _key_of(level: Level, rel: str, in_repo: bool) -> str | None:
    """The key a submission path would hold, or None."""
    if not in_repo or rel.startswith("rust_kernels/") or level.owner(rel) != level.id:
        return rel  # a kit-wide Rust file, or a file the level borrows from an earlier one
    prefix = f"assignments/{level.id}/"
    return rel.removeprefix(prefix) if rel.startswith(prefix) else None


def _by_file_name(keys: list[str], listing: Scan) -> dict[str, str | Refusal]:
    """A flat upload: each key whose file name is its own among the keys is taken from the one
    uploaded entry of that name, wherever it is."""
    names = [Path(key).name for key in keys]
    place: dict[str, str | Refusal] = {}
    for key, name in zip(keys, names, strict=True):
        uploads = [e.rel for e in listing.entries if Path(e.rel).name == name]
        if names.count(name) > 1 or not uploads:
            place[key] = key
        elif len(uploads) == 1:
            place[key] = uploads[0]
        else:
            shown = ", ".join(printable(rel) for rel in uploads[:3])
            place[key] = Refusal(uploads[0], f"{len(uploads)} uploaded files are named {name} "
                                             f"({shown}): upload yours as {key}")
    return place


def _open_sources(level: Level, plan: _Plan, root_fd: int, strict: bool
                  ) -> tuple[dict[str, tuple[int, int]], dict[str, Refusal]]:
    """Phase 1: look at (and open) every key's file before anything is copied: the opened
    (descriptor, size) by key, and the refused keys."""
    opened: dict[str, tuple[int, int]] = {}
    refused: dict[str, Refusal] = {}
    for key in plan.keys:
        rel = plan.place[key]
        got = rel if isinstance(rel, Refusal) else open_file(root_fd, rel, level.submission,
                                                             one_name=strict)
        if isinstance(got, Refusal):
            refused[key] = got
        elif got is not None:
            opened[key] = got
    return opened, refused


def _check_totals(level: Level, opened: dict[str, tuple[int, int]]) -> None:
    limits = level.submission
    total = sum(size for _fd, size in opened.values())
    problem = None
    if len(opened) > limits.files:
        problem = (f"the submission has {len(opened)} student files, more than the "
                   f"{limits.files} a submission may have")
    elif total > limits.total_bytes:
        size, limit = size_text(total, limits.total_bytes)
        problem = (f"the submission's student files are too large together ({size}; a "
                   f"submission may have at most {limit})")
    if problem:
        for fd, _size in opened.values():
            os.close(fd)
        raise SourceError(f"{level.id}: {problem}")


def _write(dest: Path, data: bytes) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest, "xb") as out:
        out.write(data)


def _copy_stub(level: Level, key: str, dest: Path) -> bool:
    """Copy the kit's stub of `key`; False if the kit has none."""
    with opened_root(level.root) as kit_fd:
        got = open_file(kit_fd, level.student_path(key, Path()).as_posix(), level.submission,
                        one_name=False)
    if not isinstance(got, tuple):
        return False
    data = read_capped(got[0], level.submission.file_bytes)
    if data is None:
        return False
    _write(dest, data)
    return True


def build_workspace(level: Level, source: Source, base: Path | None = None) -> Workspace:
    """Copy the level's student files from `source` into a new temporary workspace."""
    if source.kind == "submission":
        if source.path is None or not source.path.is_dir():
            raise SourceError(f"submission folder not found: {source.path}")
        try:
            plan = _submission_plan(level, source.path)
        except PermissionError as exc:  # the student's folder, not the kit: bad input
            raise SourceError(f"submission folder {printable(str(source.path))} cannot be "
                              f"read ({exc.strerror}): check its permissions") from None
    else:
        plan = _kit_plan(level, source)
    if not plan.keys:
        raise SourceError(f"{level.id}: no student files found (is the kit complete?)")
    try:
        with opened_root(plan.root) as root_fd:
            opened, refused = _open_sources(level, plan, root_fd,
                                            strict=source.kind != "solutions")
    except PermissionError as exc:
        raise SourceError(f"{printable(str(plan.root))} cannot be read ({exc.strerror}): "
                          "check its permissions") from None
    _check_totals(level, opened)
    if source.kind != "submission" and len(opened) < len(plan.keys):
        key = next(k for k in plan.keys if k not in opened)
        if key in refused:
            raise SourceError(f"{level.id}: {refused[key].line}")
        raise SourceError(f"{level.id}: missing file {plan.root / str(plan.place[key])}")
    root = Path(tempfile.mkdtemp(prefix=f"grade-{level.id}-", dir=base))
    ws = Workspace(root=root, student=root / "student", scratch=root / "scratch",
                   layout=plan.layout)
    ws.student.mkdir()
    ws.scratch.mkdir()
    try:
        _fill(level, plan, ws, opened, refused)
    except BaseException:
        for fd, _size in opened.values():
            os.close(fd)
        ws.cleanup()
        raise
    return ws


def _nothing_found(plan: _Plan, ws: Workspace) -> list[str]:
    """One line when none of the student's files was found: a zip file to unzip (as
    `--submission FILE.zip` says), or a folder that is likely the wrong one."""
    if plan.listing is None or ws.refused or len(ws.missing) < len(ws.keys):
        return []
    where = printable(str(plan.root))
    zips = [printable(e.rel) for e in plan.listing.entries if e.rel.lower().endswith(".zip")]
    if zips:
        return [f"{zips[0]} is a zip file: unzip it and give the folder that holds your files "
                f"(no student file found in {where})"]
    return [f"no student files found in {where}: is it the right folder?"]


def _is_students(level: Level, layout: Layout | None, rel: str) -> bool:
    """Whether an entry the grader did not take is the student's to hear about: in a copy of
    the repository, only what is under the level's own folder (the kit's files around it are
    not the student's: listing them as ignored would bury the ones that are)."""
    if layout is None or layout.kind != LayoutKind.REPOSITORY:
        return True
    return rel.startswith(f"{layout.prefix()}assignments/{level.id}/")


def _fill(level: Level, plan: _Plan, ws: Workspace, opened: dict[str, tuple[int, int]],
          refused: dict[str, Refusal]) -> None:
    """Phase 2: copy what was opened, the stubs of the rest, and write the report's lines."""
    for key in plan.keys:
        dest = ws.student / key
        data = None
        if key in opened:
            data = read_capped(opened.pop(key)[0], level.submission.file_bytes)
            if data is None:  # it grew past the limit after its size was checked
                rel = str(plan.place[key])
                refused[key] = Refusal(rel, f"{printable(rel)} changed while it was read: "
                                            "submit it again")
        if data is not None and b"\0" in data and key.endswith((".py", ".rs")):
            # a binary file (an archive, a compiled file) under a source name: say what it
            # is, rather than let the tests call it source that "does not parse"
            rel = str(plan.place[key])
            refused[key] = Refusal(rel, f"{printable(rel)} is not a text file (it holds null "
                                        "bytes): submit the source file itself")
            data = None
        if data is not None:
            _write(dest, data)
            ws.keys.append(key)
        elif _copy_stub(level, key, dest):
            ws.keys.append(key)
            ws.missing.append(key)
        if key in refused:
            ws.refused[key] = refused[key].line
    ws.notes += list(dict.fromkeys(ws.refused.values()))
    if plan.listing is not None:
        taken = {p.path if isinstance(p, Refusal) else p for p in plan.place.values()}
        taken |= {r.path for r in refused.values()}
        ws.ignored = [printable(e.rel) for e in plan.listing.entries
                      if e.rel not in taken and _is_students(level, plan.layout, e.rel)]
        ws.notes += plan.listing.notes(level.submission)
        ws.notes += _nothing_found(plan, ws)
