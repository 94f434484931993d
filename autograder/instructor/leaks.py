"""Detect solution text and hidden test names in what students receive.

A line of a solution region is *distinctive* when, stripped, it is long enough to identify a
solution (at least `MIN_CHARS` characters, with a letter or digit) and it does not also appear
outside the regions of the same file (a line the stub keeps on purpose, like an import).

Two searches use them:
- a stub against its own solution (`solution_lines`): any distinctive line is a leak, since the
  stub is made from that very file;
- the student repository against every solution (`solution_windows`): a single line may
  legitimately recur elsewhere (`rng = np.random.default_rng(seed)` in a reference), so a leak
  there is `WINDOW` consecutive lines of a region, at least two of them distinctive.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable
from pathlib import Path

from autograder.instructor.markers import (
    Region,
    find_regions,
    loose_markers,
    notebook_regions,
    style_of,
)

MIN_CHARS = 16
WINDOW = 3


def _distinctive(line: str) -> bool:
    text = line.strip()
    return len(text) >= MIN_CHARS and any(ch.isalnum() for ch in text)


def _split(lines: list[str], regions: list[Region]) -> tuple[set[str], set[str]]:
    """(stripped lines inside regions, stripped lines outside them)."""
    inside: set[str] = set()
    for region in regions:
        inside.update(line.strip() for line in region.body(lines))
    marked = {i for r in regions for i in range(r.begin, r.end + 1)}
    outside = {line.strip() for i, line in enumerate(lines) if i not in marked}
    return inside, outside


def notebook_sources(text: str) -> list[tuple[dict, str]]:
    """(cell, source) for every cell of a notebook given as JSON text."""
    cells = json.loads(text).get("cells", [])
    out = []
    for cell in cells:
        source = cell.get("source", "")
        out.append((cell, "".join(source) if isinstance(source, list) else str(source)))
    return out


def solution_lines(path: Path, text: str) -> set[str]:
    """The distinctive lines of every solution region (and written answer) of one file."""
    style = style_of(path)
    inside: set[str] = set()
    outside: set[str] = set()
    if style in ("python", "rust"):
        lines = text.splitlines()
        inside, outside = _split(lines, find_regions(lines, style, path))
    elif style == "notebook":
        regions = notebook_regions(path, text)
        for index, (cell, source) in enumerate(notebook_sources(text)):
            lines = source.splitlines()
            solution = cell.get("metadata", {}).get("nbgrader", {}).get("solution", False)
            if index in regions:
                cell_in, cell_out = _split(lines, regions[index])
            elif solution:  # a solution cell without regions is answered whole
                cell_in, cell_out = {line.strip() for line in lines}, set()
            else:
                cell_in, cell_out = set(), {line.strip() for line in lines}
            inside |= cell_in
            outside |= cell_out
    return {line for line in inside - outside if _distinctive(line)}


def _region_bodies(path: Path, text: str) -> tuple[list[list[str]], set[str]]:
    """(stripped non-blank lines of each region or answered cell, lines outside regions)."""
    style = style_of(path)
    bodies: list[list[str]] = []
    outside: set[str] = set()

    def collect(lines: list[str], regions: list[Region]) -> None:
        for region in regions:
            bodies.append([ln.strip() for ln in region.body(lines) if ln.strip()])
        outside.update(_split(lines, regions)[1])

    if style in ("python", "rust"):
        lines = text.splitlines()
        collect(lines, find_regions(lines, style, path))
    elif style == "notebook":
        regions = notebook_regions(path, text)
        for index, (cell, source) in enumerate(notebook_sources(text)):
            lines = source.splitlines()
            if index in regions:
                collect(lines, regions[index])
            elif cell.get("metadata", {}).get("nbgrader", {}).get("solution", False):
                bodies.append([ln.strip() for ln in lines if ln.strip()])
            else:
                outside.update(ln.strip() for ln in lines)
    return bodies, outside


def solution_windows(path: Path, text: str) -> set[tuple[str, ...]]:
    """Runs of WINDOW consecutive region lines with at least two distinctive ones."""
    bodies, outside = _region_bodies(path, text)
    windows: set[tuple[str, ...]] = set()
    for body in bodies:
        for start in range(len(body) - WINDOW + 1):
            window = tuple(body[start : start + WINDOW])
            if sum(_distinctive(ln) and ln not in outside for ln in window) >= 2:
                windows.add(window)
    return windows


def find_solution_windows(
    windows: set[tuple[str, ...]], path: Path, text: str
) -> list[tuple[str, ...]]:
    """The windows that occur, as consecutive non-blank stripped lines, in a released file."""
    if style_of(path) == "notebook":
        try:
            sources = [src for _, src in notebook_sources(text)]
        except json.JSONDecodeError:
            sources = [text]
    else:
        sources = [text]
    present: set[tuple[str, ...]] = set()
    for source in sources:
        lines = [ln.strip() for ln in source.splitlines() if ln.strip()]
        present.update(tuple(lines[i : i + WINDOW]) for i in range(len(lines) - WINDOW + 1))
    return sorted(windows & present)


def searchable_lines(path: Path, text: str) -> set[str]:
    """The stripped lines of a released file (cell sources for a notebook)."""
    if style_of(path) == "notebook":
        try:
            return {
                line.strip() for _, source in notebook_sources(text) for line in source.splitlines()
            }
        except json.JSONDecodeError:
            pass
    return {line.strip() for line in text.splitlines()}


def find_solution_lines(secret: set[str], path: Path, text: str) -> list[str]:
    """The secret lines that appear verbatim (stripped) in a released file, sorted."""
    return sorted(secret & searchable_lines(path, text))


def find_markers(text: str) -> list[tuple[int, str]]:
    """Marker-like lines left in a released text."""
    return loose_markers(text)


def hidden_test_names(hidden_files: Iterable[Path]) -> set[str]:
    """The names of the test functions and classes defined in hidden suite modules."""
    names: set[str] = set()
    for path in hidden_files:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        for node in ast.walk(tree):
            is_def = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            if is_def and node.name.startswith(("test_", "Test")):
                names.add(node.name)
    return names


def find_names(names: set[str], text: str) -> list[str]:
    """The names that occur in `text` as whole identifiers, sorted."""
    if not names:
        return []
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    return sorted(names & words)
