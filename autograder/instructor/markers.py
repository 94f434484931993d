"""Find and validate solution regions in Python, Rust and notebook sources.

A region is the text between two marker lines, alone on their lines, at the same indentation:

    Python and notebooks   ### BEGIN SOLUTION   ...   ### END SOLUTION
    Rust                   // BEGIN SOLUTION    ...   // END SOLUTION

Anything that looks like a marker but is not exactly one (`# BEGIN SOLUTION`, `BEGIN_SOLUTION`,
a marker after code on the same line) is an error, never silently ignored: an unrecognised
marker would leave a solution in the student's file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from autograder.instructor.levels import InstructorError

# Anything resembling a marker, in any comment style or case: used to reject typos and leaks.
LOOSE_MARKER = re.compile(r"(BEGIN|END)[\s_-]*(SOLUTION|HIDDEN[\s_-]*TESTS?)", re.IGNORECASE)

COMMENT_BY_STYLE = {"python": "###", "rust": "//"}


class MarkerError(InstructorError):
    """A marker problem, located at `path:line`."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = str(path)
        self.line = line


@dataclass(frozen=True)
class Region:
    """A solution region: 0-based indices of its BEGIN and END lines, and their indentation."""

    begin: int
    end: int
    indent: str

    def body(self, lines: list[str]) -> list[str]:
        """The lines strictly between the two markers."""
        return lines[self.begin + 1 : self.end]


def style_of(path: Path | str) -> str | None:
    """`python`, `rust`, `notebook`, or None for a file that may not hold regions."""
    suffix = Path(path).suffix
    return {".py": "python", ".rs": "rust", ".ipynb": "notebook"}.get(suffix)


def _strict(style: str) -> re.Pattern[str]:
    mark = re.escape(COMMENT_BY_STYLE[style])
    return re.compile(rf"^(?P<indent>[ \t]*){mark} (?P<kind>BEGIN|END) SOLUTION[ \t]*$")


def find_regions(lines: list[str], style: str, path: Path | str = "<text>") -> list[Region]:
    """The regions of a Python or Rust source, validated; raise MarkerError on any problem.

    Checks: every marker is exact, BEGIN and END alternate (no nesting, none left open),
    END has BEGIN's indentation, and no body line is indented less than the markers.
    """
    strict = _strict(style)
    regions: list[Region] = []
    open_at: int | None = None
    indent = ""
    for i, raw in enumerate(lines):
        line = raw.rstrip("\r\n")
        match = strict.match(line)
        if match is None:
            if LOOSE_MARKER.search(line):
                want = COMMENT_BY_STYLE[style]
                raise MarkerError(
                    path,
                    i + 1,
                    f"malformed marker {line.strip()!r} (write `{want} BEGIN "
                    f"SOLUTION` / `{want} END SOLUTION` alone on the line)",
                )
            if open_at is not None and line.strip() and not line.startswith(indent):
                raise MarkerError(
                    path,
                    i + 1,
                    "line inside a solution region is indented "
                    f"less than its BEGIN marker (line {open_at + 1})",
                )
            continue
        if match["kind"] == "BEGIN":
            if open_at is not None:
                raise MarkerError(
                    path,
                    i + 1,
                    f"BEGIN SOLUTION inside the region opened at "
                    f"line {open_at + 1} (regions cannot nest)",
                )
            open_at, indent = i, match["indent"]
        else:
            if open_at is None:
                raise MarkerError(path, i + 1, "END SOLUTION without a BEGIN SOLUTION")
            if match["indent"] != indent:
                raise MarkerError(
                    path,
                    i + 1,
                    f"END SOLUTION is not indented like its BEGIN SOLUTION (line {open_at + 1})",
                )
            regions.append(Region(open_at, i, indent))
            open_at = None
    if open_at is not None:
        raise MarkerError(path, open_at + 1, "BEGIN SOLUTION is never closed by END SOLUTION")
    return regions


def loose_markers(text: str) -> list[tuple[int, str]]:
    """(1-based line, line) of every line that mentions a marker, exact or not."""
    return [
        (i + 1, line.strip())
        for i, line in enumerate(text.splitlines())
        if LOOSE_MARKER.search(line)
    ]


def _cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def notebook_problem(data: object, text: str) -> str | None:
    """What makes parsed JSON `data` (of `text`) not a valid nbformat 4 notebook, in one
    line, or None. Checked before anything reads its cells: nbformat itself fails on such a
    file with an AttributeError or a TypeError, not a message."""
    import nbformat  # only the instructor tools need it

    if not isinstance(data, dict):
        return f"the file holds a JSON {type(data).__name__}, not an object with cells"
    cells = data.get("cells")
    if not isinstance(cells, list):
        return "'cells' is missing or not a list"
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            return f"cell {index} is not a JSON object"
        if not isinstance(cell.get("metadata"), dict):
            return f"cell {index} has no 'metadata' object"
        source = cell.get("source", "")
        if not isinstance(source, str) and not (
                isinstance(source, list) and all(isinstance(s, str) for s in source)):
            return f"cell {index}'s 'source' is not text"
        if not isinstance(cell["metadata"].get("nbgrader", {}), dict):
            return f"cell {index}'s 'metadata.nbgrader' is not an object"
    try:
        nbformat.validate(nbformat.reads(text, as_version=4))
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds; each is one line here
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        return str(message).splitlines()[0]
    return None


def notebook_regions(path: Path, text: str | None = None) -> dict[int, list[Region]]:
    """Validate a source notebook; return {cell index: regions} for its code cells.

    A cell holding a region, or any other marker, must be an nbgrader solution cell (nbgrader
    clears only those); regions inside a cell follow the Python rules. Markdown solution cells
    are answered whole and need no markers.
    """
    raw = path.read_text(encoding="utf-8") if text is None else text
    try:
        notebook = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise MarkerError(path, exc.lineno, f"not a notebook: {exc.msg}") from exc
    problem = notebook_problem(notebook, raw)
    if problem:
        raise MarkerError(path, 1, f"not a notebook: {problem}")
    found: dict[int, list[Region]] = {}
    for index, cell in enumerate(notebook.get("cells", [])):
        source = _cell_source(cell)
        where = f"{path} cell {index}"
        meta = cell.get("metadata", {}).get("nbgrader", {})
        mentions = loose_markers(source)
        if not mentions:
            continue
        if cell.get("cell_type") != "code":
            raise MarkerError(
                where,
                mentions[0][0],
                "marker in a markdown cell (nbgrader "
                "replaces a markdown solution cell whole: drop the markers)",
            )
        hidden = [m for m in mentions if "HIDDEN" in m[1].upper()]
        if hidden:
            raise MarkerError(
                where,
                hidden[0][0],
                "hidden tests in a notebook are shown by "
                "`nbgrader generate_feedback`: keep hidden tests in the suites",
            )
        if not meta.get("solution", False):
            raise MarkerError(
                where,
                mentions[0][0],
                "solution region in a cell that is not "
                "an nbgrader solution cell (set metadata.nbgrader.solution)",
            )
        regions = find_regions(source.splitlines(), "python", where)
        if regions:
            found[index] = regions
    return found


def validate_file(path: Path) -> list[Region]:
    """Validate one solution file of any kind; return its regions (none for other files)."""
    style = style_of(path)
    if style == "notebook":
        notebook_regions(path)
        return []
    text = path.read_text(encoding="utf-8")
    if style is None:
        mentions = loose_markers(text)
        if mentions:
            line, content = mentions[0]
            raise MarkerError(
                path,
                line,
                f"marker {content!r} in a file that cannot hold "
                "solution regions (only .py, .rs and .ipynb)",
            )
        return []
    return find_regions(text.splitlines(keepends=True), style, path)
