"""Swapping parts in one at a time: which parts a student has swapped in, read as data.

A level with a `[swap]` table (the capstone) lets a student start on the kit's backend and swap
in their own parts one by one. The student lists the parts graded on their code in one file
(`file`, a Python tuple named `name`); the judge reads that list from the file's text (it
never runs it). A part not listed earns nothing yet and its tests are not run; while a part
the kit stands in for (`kit_backend`, e.g. the capstone's numpy backend for `backend` and
`matmul`) is not listed, the worker gets the stand-in's packages (`kit_packages`) and is told,
through `ENV`, which parts to take from the student.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from autograder.judge.errors import NotImplementedByStudent
from autograder.levels import Level

#: The worker's environment variable naming the parts swapped in (comma-separated).
ENV = "TEENYGRAD_SWAPPED_IN"


@dataclass(frozen=True)
class SwapState:
    """The parts of a level graded on the student's code, and those still on the kit's."""

    file: str
    name: str  # the tuple's name in `file`
    swapped: tuple[str, ...]
    waiting: tuple[str, ...]  # not swapped in: no points yet, tests not run
    kit_packages: tuple[str, ...] = ()  # in the worker for the kit's stand-ins ("" if none)
    problems: list[str] = field(default_factory=list)

    def note(self, level: Level) -> str:
        """The report's line: what is swapped in and what still earns nothing."""
        if not self.waiting:
            return "; ".join(self.problems)
        waiting = ", ".join(f"{p} ({level.parts[p].points:g})" for p in self.waiting)
        line = (f"swapped in ({self.file}): {', '.join(self.swapped) or 'none yet'}; on the "
                f"kit's backend, not yet earned: {waiting}")
        if self.kit_packages:
            line += (f"; the kit's stand-in puts {', '.join(self.kit_packages)} in the worker "
                     "for this grading (your files still may not import it)")
        return "; ".join([line, *self.problems])

    def stop(self, level: Level, part: str) -> NotImplementedByStudent:
        """What ends every test of `part`, a part not swapped in, at its first call."""
        return NotImplementedByStudent(
            f"part `{part}` is not swapped in: it stays on the kit's backend and earns nothing "
            f"yet ({level.parts[part].points:g} points): add \"{part}\" to the tuple in "
            f"{self.file} when your code for it is ready",
            cause=f"\"{part}\" in {self.name} ({self.file})")


def listed_parts(text: str, name: str) -> tuple[list[str], list[str]]:
    """The strings of the last top-level `name = (...)` in a Python source, and the problems
    found ("" list when fine). Read with `ast`, never run."""
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        return [], [f"could not read it (line {exc.lineno}: {exc.msg}): nothing is swapped in"]
    found: list[str] | None = None
    for node in tree.body:
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) and node.value else [])
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            try:
                value = ast.literal_eval(node.value)  # type: ignore[union-attr, arg-type]
            except ValueError:
                value = None
            if not isinstance(value, tuple | list) or not all(isinstance(v, str) for v in value):
                return [], [f"`{name}` must be a plain tuple of part names: nothing is "
                            "swapped in"]
            found = list(value)
    if found is None:
        return [], [f"`{name}` was not found: nothing is swapped in"]
    return found, []


def read_swap(level: Level, student_root: Path) -> SwapState | None:
    """The swap state of the student's files under `student_root` (None: the level has no
    `[swap]` table, every part is graded)."""
    if not level.swap:
        return None
    path = student_root / str(level.swap["file"])
    return swap_state(level, path.read_text(errors="replace") if path.is_file() else None)


def swap_state(level: Level, text: str | None) -> SwapState:
    """The swap state given the text of the level's swap file (None: the file is missing)."""
    key, name = str(level.swap["file"]), str(level.swap.get("name", "SWAPPED_IN"))
    listed, problems = (listed_parts(text, name) if text is not None
                        else ([], ["the file is missing: nothing is swapped in"]))
    unknown = [p for p in listed if p not in level.parts]
    if unknown:
        problems.append(f"{', '.join(map(repr, unknown))} {'is' if len(unknown) == 1 else 'are'}"
                        f" not a part (the parts: {', '.join(level.parts)})")
    problems = [f"{key}: {p}" for p in problems]
    swapped = tuple(p for p in level.parts if p in listed)
    waiting = tuple(p for p in level.parts if p not in listed)
    stand_in = any(p in waiting for p in level.swap.get("kit_backend", ()))
    packages = tuple(level.swap.get("kit_packages", ())) if stand_in else ()
    return SwapState(file=key, name=name, swapped=swapped, waiting=waiting, kit_packages=packages,
                     problems=problems)
