"""Code is split by the process that runs it: the import contracts in pyproject.toml hold, they
match the worker's sandbox view, and a broken one fails the check."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import KIT

from autograder.judge.sandbox import WORKER_KIT_MODULES

PACKAGE = KIT / "autograder"
#: Not a package (pytest loads the graded suites by path): import-linter cannot see it.
UNSEEN = {"suites"}


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((KIT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {c["name"]: c for c in config["contracts"]}


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    """`lint-imports` on the kit at `root` (its pyproject.toml, its autograder package), with
    no cache left behind."""
    code = "from importlinter.cli import lint_imports_command; lint_imports_command()"
    return subprocess.run([sys.executable, "-c", code, "--no-cache"], cwd=root,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(root)})


def _kit_modules() -> set[str]:
    """The kit's top-level modules and packages (`autograder.X`), suites excepted."""
    names = {p.stem for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    names |= {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    return {f"autograder.{n}" for n in names - UNSEEN}


def test_import_contracts_are_kept() -> None:
    """`lint-imports` keeps every contract of pyproject.toml on the kit."""
    done = _lint_imports(KIT)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert f"{len(_contracts())} kept, 0 broken" in done.stdout, done.stdout[-2000:]


def test_worker_contract_is_the_sandbox_view() -> None:
    """The worker-side modules of the contract are those the sandbox ships, and they may
    import nothing else of the kit."""
    (contract,) = [c for c in _contracts().values()
                   if "autograder.worker" in c.get("source_modules", ())]
    shipped = {f"autograder.{m}" for m in WORKER_KIT_MODULES if not m.endswith(".py")}
    assert set(contract["source_modules"]) == shipped
    assert set(contract["forbidden_modules"]) == _kit_modules() - shipped


def test_the_suites_are_imported_by_judge_code_only() -> None:
    """No worker-side or report module names `autograder.suites` (import-linter cannot see
    the suites)."""
    offenders = []
    for top in ("worker", "probes", "cases", "report"):
        for path in (PACKAGE / top).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                if any(n == "autograder.suites" or n.startswith("autograder.suites.")
                       for n in names):
                    offenders.append(str(path.relative_to(KIT)))
    assert not offenders, offenders


def test_a_broken_contract_fails_the_check(tmp_path: Path) -> None:
    """A worker-side module that imports the judge breaks the check (on a copy of the kit)."""
    shutil.copy(KIT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(PACKAGE, tmp_path / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__", "suites", "*.toml", "*.json"))
    victim = tmp_path / "autograder" / "cases" / "indexing.py"
    victim.write_text(victim.read_text() + "\nimport autograder.judge.api  # noqa\n")
    done = _lint_imports(tmp_path)
    assert done.returncode != 0, done.stdout[-2000:]
    assert "autograder.cases.indexing -> autograder.judge.api" in done.stdout, done.stdout[-3000:]
    assert "2 broken" in done.stdout, done.stdout[-3000:]
