"""The kit's Python, notebooks included, is ruff-clean (the Rust side: tests/test_rust.py)."""

from __future__ import annotations

import subprocess
import sys

from conftest import KIT


def test_ruff_clean() -> None:
    """`ruff check .` finds nothing: kit code, tests, solutions, stubs and handout notebooks."""
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--quiet", "."], cwd=KIT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
