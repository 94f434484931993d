"""Turn a solution source into the student's stub.

Python: a region inside a function becomes, at the region's indentation,
    raise NotImplementedError("<qualname>: not implemented yet — see the docstring")
and a region outside any function is removed (signatures, docstrings and the rest stay).

Rust: a region inside a `fn` becomes
    todo!("<fn name>: not implemented yet — see the doc comment above")
(with a `;` when code follows it in the body) and a region outside any `fn` is removed.
Notebooks are stubbed by nbgrader itself.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

from autograder.instructor.markers import MarkerError, Region, find_regions, style_of

PY_STUB = 'raise NotImplementedError("{name}: not implemented yet — see the docstring")'
RUST_STUB = 'todo!("{name}: not implemented yet — see the doc comment above")'


def _indent_width(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _python_functions(tree: ast.AST, lines: list[str]) -> list[tuple[str, int, int, int]]:
    """(qualname, first line, last line, column) of every def, 1-based lines.

    The last line is extended over the blank and deeper-indented lines that follow the def's
    last statement, so a trailing comment-only region still counts as inside the function.
    """
    found: list[tuple[str, int, int, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    end = child.end_lineno or child.lineno
                    while end < len(lines) and (
                        not lines[end].strip() or _indent_width(lines[end]) > child.col_offset
                    ):
                        end += 1
                    found.append((name, child.lineno, end, child.col_offset))
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def stub_python(text: str, path: Path | str = "<text>") -> str:
    """The stub of a Python solution source."""
    lines = text.splitlines(keepends=True)
    regions = find_regions(lines, "python", path)
    if not regions:
        return text
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        raise MarkerError(path, exc.lineno or 0, f"the solution does not parse: {exc.msg}") from exc
    functions = _python_functions(tree, lines)

    def owner(region: Region) -> str | None:
        line = region.begin + 1
        inside = [
            (first, name)
            for name, first, last, col in functions
            if first < line <= last and len(region.indent) > col
        ]
        return max(inside)[1] if inside else None

    def replacement(region: Region) -> list[str]:
        name = owner(region)
        if name is None:
            return []
        return [region.indent + PY_STUB.format(name=name) + "\n"]

    return _splice(lines, regions, replacement)


def _splice(
    lines: list[str], regions: list[Region], replacement: Callable[[Region], list[str]]
) -> str:
    """Replace each region (markers included) by what `replacement` returns for it."""
    out: list[str] = []
    cursor = 0
    for region in regions:
        out.extend(lines[cursor : region.begin])
        stub = replacement(region)
        if not stub:  # a removed region: keep the blank lines after it, drop those before
            while out and not out[-1].strip():
                out.pop()
        out.extend(stub)
        cursor = region.end + 1
    out.extend(lines[cursor:])
    return "".join(out)


def _rust_fn_at_line(text: str) -> list[str | None]:
    """For each line (0-based), the name of the innermost `fn` whose body encloses its start.

    A small scanner: skips comments, strings, raw strings and char literals, tracks braces,
    and opens a function body at the first `{` after `fn name` (a `;` first means no body).
    """
    stack: list[str | None] = []  # one entry per open brace: the fn it opens, or None
    pending: str | None = None
    owners: list[str | None] = [None]
    i, n = 0, len(text)

    def current() -> str | None:
        return next((name for name in reversed(stack) if name is not None), None)

    def skip_to(j: int) -> int:
        owners.extend([current()] * text.count("\n", i, j))
        return j

    while i < n:
        ch = text[i]
        if ch == "\n":
            owners.append(current())
            i += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                step = text[j : j + 2]
                depth += 1 if step == "/*" else -1 if step == "*/" else 0
                j += 2 if step in ("/*", "*/") else 1
            i = skip_to(j)
        elif re.match(r'r#*"', text[i : i + 8]) and not _ident_char(text, i - 1):
            hashes = len(re.match(r'r(#*)"', text[i:]).group(1))
            k = text.find('"' + "#" * hashes, i + hashes + 2)
            i = skip_to(n if k < 0 else k + 1 + hashes)
        elif ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            i = skip_to(j + 1)
        elif ch == "'":
            if text.startswith("\\", i + 1):
                j = text.find("'", i + 3)
                i = n if j < 0 else j + 1
            elif text.startswith("'", i + 2):
                i += 3
            else:
                i += 1  # a lifetime
        elif _ident_char(text, i):
            j = i
            while j < n and _ident_char(text, j):
                j += 1
            if text[i:j] == "fn":
                name = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)", text[j:])
                pending = name.group(1) if name else pending
            i = j
        else:
            if ch == "{":
                stack.append(pending)
                pending = None
            elif ch == "}" and stack:
                stack.pop()
            elif ch == ";":
                pending = None
            i += 1
    return owners


def _ident_char(text: str, i: int) -> bool:
    return 0 <= i < len(text) and (text[i].isalnum() or text[i] == "_")


def stub_rust(text: str, path: Path | str = "<text>") -> str:
    """The stub of a Rust solution source."""
    lines = text.splitlines(keepends=True)
    regions = find_regions(lines, "rust", path)
    if not regions:
        return text
    owners = _rust_fn_at_line(text)

    def replacement(region: Region) -> list[str]:
        name = owners[region.begin] if region.begin < len(owners) else None
        if name is None:
            return []
        after = next((ln.strip() for ln in lines[region.end + 1 :] if ln.strip()), "}")
        tail = after.startswith("}")  # the body's last expression: no `;`, like the kit's stubs
        return [region.indent + RUST_STUB.format(name=name) + ("" if tail else ";") + "\n"]

    return _splice(lines, regions, replacement)


def stub_text(path: Path | str, text: str) -> str:
    """The stub of any solution file: Python and Rust are stubbed, other files are unchanged."""
    style = style_of(path)
    if style == "python":
        return stub_python(text, path)
    if style == "rust":
        return stub_rust(text, path)
    if style == "notebook":
        raise ValueError(f"{path}: notebooks are stubbed by nbgrader (see notebooks.py)")
    return text
