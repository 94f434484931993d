"""Detect solution text, reference code and hidden test names in what students receive.

A line of a solution region is *distinctive* when, stripped, it is long enough to identify a
solution (at least `MIN_CHARS` characters, with a letter or digit) and it does not also appear
outside the regions of the same file (a line the stub keeps on purpose, like an import).

Two searches use them:
- a stub against its own solution (`solution_lines`): any distinctive line is a leak, since the
  stub is made from that very file;
- the student repository against every solution (`solution_windows`): a single line may
  legitimately recur elsewhere (`rng = np.random.default_rng(seed)` in a reference), so a leak
  there is `WINDOW` consecutive lines of a region, at least two of them distinctive.

Reference code (the judge's `autograder/references/`, and the functions of `solutions/` that
hold a region) is found by structure rather than by lines: each function, and each module-level
table, large enough to identify is fingerprinted with its names anonymised, so a copy renamed
and retyped is still found (`reference_secrets`, `find_reference_code`). Lines alone would not
do: wire encodings and messages legitimately recur between the judge and the worker.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
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


# -- reference code -------------------------------------------------------------------------------
#: A function body with fewer AST nodes than this (`return 2 * n`) is too common to identify.
MIN_NODES = 30
REFERENCES = "autograder.references"


@dataclass(frozen=True)
class Secret:
    """Where a function that must not be shipped is defined."""

    origin: str  # file, relative to the kit root
    name: str


class _Anonymise(ast.NodeTransformer):
    """Names, arguments and the function's own name become v0, v1, ... in order of first use;
    docstrings, annotations and decorators go. Attribute names and constants stay."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def _alias(self, name: str) -> str:
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:  # noqa: N802 - ast API
        body = node.body[1:] if ast.get_docstring(node, clean=False) is not None else node.body
        node.body, node.decorator_list, node.returns = body or [ast.Pass()], [], None
        node.name = self._alias(node.name)
        return self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815 - ast API

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg, node.annotation = self._alias(node.arg), None
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:  # noqa: N802 - ast API
        return ast.Name(id=self._alias(node.id), ctx=ast.Load())


def _size(node: ast.AST) -> int:
    return sum(not isinstance(n, ast.expr_context) for n in ast.walk(node))


def _python_sources(path: Path, text: str) -> list[str]:
    """The Python code of a file: itself, a notebook's code cells or a handout's Python
    blocks."""
    if style_of(path) == "notebook":
        try:
            return [src for cell, src in notebook_sources(text) if cell.get("cell_type") == "code"]
        except json.JSONDecodeError:
            return []
    if path.suffix == ".md":
        return re.findall(r"^```(?:python|py)[ \t]*\n(.*?)^```", text, re.M | re.S)
    return [text] if path.suffix == ".py" else []


def _python_trees(path: Path, text: str) -> list[ast.Module]:
    """The parsed Python code of a file (see `_python_sources`); code that does not parse is
    left out."""
    trees = []
    for source in _python_sources(path, text):
        try:
            trees.append(ast.parse(source))
        except (SyntaxError, ValueError):
            continue
    return trees


def _definitions(path: Path, text: str) -> list[tuple[str, ast.stmt, str]]:
    """(fingerprint, node, name) of each function, and of each module-level table (an
    assignment), large enough to identify code."""
    found = []
    for tree in _python_trees(path, text):
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                copy = _Anonymise().visit(ast.parse(ast.unparse(node)).body[0])
                kind, size, name = "def", sum(_size(stmt) for stmt in copy.body), node.name
            elif isinstance(node, ast.Assign | ast.AnnAssign) and node in tree.body and node.value:
                copy = _Anonymise().visit(ast.parse(ast.unparse(node.value)).body[0])
                kind, size = "table", _size(copy)
                name = ast.unparse(getattr(node, "target", None) or node.targets[0])
            else:
                continue
            if size >= MIN_NODES:
                found.append((f"{kind}:{ast.dump(copy)}", node, name))
    return found


def function_fingerprints(path: Path, text: str) -> list[tuple[str, int, str]]:
    """(fingerprint, line, name) of every function and module-level table of a Python file or
    notebook large enough to identify its code: the code with its names anonymised, so a
    renamed copy (names, arguments or variables renamed, docstring and type hints changed)
    has the same one."""
    return [(fp, node.lineno, name) for fp, node, name in _definitions(path, text)]


def reference_secrets(root: Path) -> dict[str, Secret]:
    """Fingerprint -> Secret of the references' functions and tables, and of the solutions'
    answered functions (those holding a solution region)."""
    secrets: dict[str, Secret] = {}
    for path in sorted((root / "autograder" / "references").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        for fingerprint, _, name in function_fingerprints(path, path.read_text("utf-8")):
            secrets.setdefault(fingerprint, Secret(rel, name))
    for path in sorted((root / "solutions").rglob("*.py")):
        text = path.read_text("utf-8")
        regions = find_regions(text.splitlines(), "python", path)
        answered = {i + 1 for r in regions for i in range(r.begin, r.end + 1)}  # 1-based
        for fingerprint, node, name in _definitions(path, text):
            lines = set(range(node.lineno, (node.end_lineno or node.lineno) + 1))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and answered & lines:
                secrets.setdefault(fingerprint, Secret(path.relative_to(root).as_posix(), name))
    return secrets


def _imported(node: ast.AST) -> list[str]:
    """The dotted names an import statement brings in (`from a import b` brings in a.b)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module:
        return [f"{node.module}.{alias.name}" for alias in node.names]
    return []


def find_reference_code(secrets: dict[str, Secret], path: Path, text: str) -> list[str]:
    """`line: what` for each function or table of a shipped file that is reference code, and
    for each import of the references (which are never shipped)."""
    found = [f"{line}: {name!r} is a copy of {secrets[fp].name!r} from {secrets[fp].origin}"
             for fp, line, name in function_fingerprints(path, text) if fp in secrets]
    for tree in _python_trees(path, text):
        for node in ast.walk(tree):
            hits = [m for m in _imported(node) if m == REFERENCES or m.startswith(REFERENCES + ".")]
            if hits:
                found.append(f"{node.lineno}: imports {hits[0]} (the judge's references, "
                             "which are never shipped)")
    return found
