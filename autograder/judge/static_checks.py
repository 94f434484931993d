"""Static checks of student source: banned imports in every spelling the parser can see.

The worker's import audit is what enforces the ban at run time; this scan adds the places a
student can read in the report even for code the tests never reach.
"""

from __future__ import annotations

import ast
from pathlib import Path

IMPORT_CALLS = {"__import__", "import_module"}


def _imported_names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        return [node.module]
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name in IMPORT_CALLS and node.args and isinstance(node.args[0], ast.Constant):
            return [str(node.args[0].value)]
        if name in {"exec", "eval"} and node.args and isinstance(node.args[0], ast.Constant):
            try:
                inner = ast.parse(str(node.args[0].value))
            except SyntaxError:
                return []
            return [n for sub in ast.walk(inner) for n in _imported_names(sub)]
    return []


def banned_imports_in(path: Path, banned: set[str], label: str) -> list[str]:
    """`banned import 'numpy' at teenygrad/x.py:3` for each banned import found in `path`."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except SyntaxError:
        return []  # the tests report the syntax error itself
    found = []
    for node in ast.walk(tree):
        for name in _imported_names(node):
            top = name.split(".")[0].lstrip("_")
            if top in banned:
                found.append(f"banned import '{top}' at {label}:{getattr(node, 'lineno', '?')}")
    return found


def scan_workspace(student_dir: Path, keys: list[str], banned: tuple[str, ...]) -> list[str]:
    """Banned-import findings over every Python student file of a workspace."""
    findings: list[str] = []
    for key in keys:
        if key.endswith(".py"):
            findings += banned_imports_in(student_dir / key, set(banned), key)
    return findings
