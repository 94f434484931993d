"""Build the level-0 reference extension module (kit crate + solutions/level0 kernels).

A helper of the kit's own benchmarks: the kit's `rust_kernels/` is copied to a temporary
directory, the reference kernel files from `solutions/level0/rust_kernels/` are laid over the
stubs, `maturin build --release` makes a wheel, and the wheel is unpacked into a `site`
directory to put on `sys.path`. Cargo's build products are kept in a cache of their own
(`$TEENYGRAD_CACHE/cargo-target-reference`, default `~/.cache/teenygrad-kit/...`), so only the
first build compiles pyo3 and numpy (about a minute on 2 cores), later ones take seconds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KIT_CRATES = ROOT / "rust_kernels"
REFERENCE = ROOT / "solutions" / "level0" / "rust_kernels"
MODULE = "teenygrad_kernels"


def cache_dir() -> Path:
    """Cargo's target directory for reference builds (separate from the grader's, so the two
    do not invalidate each other's incremental state)."""
    base = os.environ.get("TEENYGRAD_CACHE") or Path.home() / ".cache" / "teenygrad-kit"
    path = Path(base) / "cargo-target-reference"
    path.mkdir(parents=True, exist_ok=True)
    return path


def overlay_reference(crates: Path) -> list[Path]:
    """Copy every reference kernel file over its stub in the crate tree `crates`."""
    copied = []
    for source in sorted(REFERENCE.rglob("*.rs")):
        target = crates / source.relative_to(REFERENCE)
        shutil.copyfile(source, target)
        copied.append(target)
    return copied


def build_reference(dest: Path | None = None) -> Path:
    """Build the reference module; return the directory to put on `sys.path`.

    Raises RuntimeError with cargo's output when the build fails.
    """
    dest = Path(tempfile.mkdtemp(prefix="teenygrad-level0-ref-")) if dest is None else dest
    crates = dest / "rust_kernels"
    shutil.copytree(KIT_CRATES, crates, ignore=shutil.ignore_patterns("target", "__pycache__"))
    overlay_reference(crates)
    wheels = dest / "wheels"
    cmd = [sys.executable, "-m", "maturin", "build", "--release", "--quiet",
           "-m", str(crates / MODULE / "Cargo.toml"), "-o", str(wheels), "-i", sys.executable]
    env = {**os.environ, "CARGO_TARGET_DIR": str(cache_dir()), "CARGO_TERM_COLOR": "never"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    built = sorted(wheels.glob(f"{MODULE}-*.whl")) if done.returncode == 0 else []
    if not built:
        raise RuntimeError(f"maturin build of the level-0 reference failed:\n{done.stderr[-4000:]}")
    site = dest / "site"
    with zipfile.ZipFile(built[-1]) as wheel:
        wheel.extractall(site)
    return site
