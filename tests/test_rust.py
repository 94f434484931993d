"""The Rust workspace: formatted, clippy-clean with the stubs and with the reference, and the
reference kernels pass the crate's own tests (cargo test)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import KIT

sys.path.insert(0, str(KIT / "tests" / "benchmarks"))
from _reference_build import cache_dir, overlay_reference  # noqa: E402

pytestmark = pytest.mark.slow


def cargo(crates: Path, *args: str) -> subprocess.CompletedProcess:
    """Run cargo in a copy of the workspace, sharing the kit's build cache."""
    env = {**os.environ, "CARGO_TARGET_DIR": str(cache_dir()), "CARGO_TERM_COLOR": "never"}
    return subprocess.run(["cargo", *args], cwd=crates, env=env, capture_output=True, text=True,
                          timeout=900)


@pytest.fixture(params=["stubs", "reference"])
def crates(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A copy of rust_kernels/ with the student stubs, or with the reference laid over them."""
    copy = tmp_path / "rust_kernels"
    shutil.copytree(KIT / "rust_kernels", copy, ignore=shutil.ignore_patterns("target"))
    if request.param == "reference":
        overlay_reference(copy)
    return copy


def test_fmt_and_clippy_clean(crates: Path) -> None:
    """cargo fmt --check and cargo clippy -D warnings pass on the stubs and on the reference."""
    fmt = cargo(crates, "fmt", "--all", "--check")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    clippy = cargo(crates, "clippy", "--all-targets", "--quiet", "--", "-D", "warnings")
    assert clippy.returncode == 0, clippy.stderr[-3000:]


def test_reference_passes_cargo_test(tmp_path: Path) -> None:
    """The reference kernels pass the crate's tests (every stage vs an f64 triple loop)."""
    copy = tmp_path / "rust_kernels"
    shutil.copytree(KIT / "rust_kernels", copy, ignore=shutil.ignore_patterns("target"))
    overlay_reference(copy)
    done = cargo(copy, "test", "--quiet", "-p", "teenygrad_kernels")
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
