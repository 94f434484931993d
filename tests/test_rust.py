"""The Rust workspace: formatted, clippy-clean with the stubs and with the reference, and the
reference kernels pass the crate's own tests (cargo test).

The level must also build for aarch64 (students on Apple Silicon take it there): the
workspace is linted for aarch64 Linux and macOS, and with the aarch64 cross linker and
`qemu-aarch64` installed (`.ci/cross-tools` installs them when it can) the reference's NEON and
portable kernels are tested under qemu; without the tools those tests are skipped, saying what
is missing."""

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


AARCH64 = "aarch64-unknown-linux-gnu"
AARCH64_LINKER = "aarch64-linux-gnu-gcc"
# qemu-user finds the aarch64 C library (for the test binary's libc) under this sysroot.
QEMU = f"qemu-aarch64 -L /usr/{AARCH64_LINKER.removesuffix('-gcc')}"


def cargo(crates: Path, *args: str, **env_extra: str) -> subprocess.CompletedProcess:
    """Run cargo in a copy of the workspace, sharing the kit's build cache. A cross build
    first settles pyo3's configuration for its target (see `settle_pyo3_cross_config`)."""
    env = {**os.environ, "CARGO_TARGET_DIR": str(cache_dir()), "CARGO_TERM_COLOR": "never",
           **env_extra}
    if "--target" in args:
        settled = settle_pyo3_cross_config(crates, args, env)
        if settled.returncode != 0:
            return settled
    return subprocess.run(["cargo", *args], cwd=crates, env=env, capture_output=True, text=True,
                          timeout=900)


def settle_pyo3_cross_config(crates: Path, args: tuple[str, ...],
                             env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run pyo3-ffi's build script alone, in the profile `args` will use.

    In a cross build pyo3-ffi's build script writes the target's Python configuration to a
    file that the numpy crate's build script reads, and cargo may run the two at once: numpy
    then reads a half-written file ("failed to parse PyO3 config: missing value for version",
    PyO3 issue #2222). Once this step has run, the real build finds pyo3-ffi's script fresh
    and nothing writes the file while numpy reads it."""
    target = args[args.index("--target") + 1]
    profile = ["build", "--profile", "test"] if args[0] == "test" else ["check"]
    return subprocess.run(["cargo", *profile, "--quiet", "--target", target, "-p", "pyo3-ffi"],
                          cwd=crates, env=env, capture_output=True, text=True, timeout=900)


def workspace_copy(tmp_path: Path, reference: bool) -> Path:
    """A copy of rust_kernels/ with the student stubs, or with the reference laid over them."""
    copy = tmp_path / "rust_kernels"
    shutil.copytree(KIT / "rust_kernels", copy, ignore=shutil.ignore_patterns("target"))
    if reference:
        overlay_reference(copy)
    return copy


@pytest.fixture(params=["stubs", "reference"])
def crates(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The workspace with the stubs, then with the reference."""
    return workspace_copy(tmp_path, reference=request.param == "reference")


def test_fmt_and_clippy_clean(crates: Path) -> None:
    """cargo fmt --check and cargo clippy -D warnings pass on the stubs and on the reference."""
    fmt = cargo(crates, "fmt", "--all", "--check")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    clippy = cargo(crates, "clippy", "--all-targets", "--quiet", "--", "-D", "warnings")
    assert clippy.returncode == 0, clippy.stderr[-3000:]


def test_reference_passes_cargo_test(tmp_path: Path) -> None:
    """The reference kernels pass the crate's tests (every stage vs an f64 triple loop)."""
    copy = workspace_copy(tmp_path, reference=True)
    done = cargo(copy, "test", "--quiet", "-p", "teenygrad_kernels")
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]


def missing_rust_std(target: str) -> str | None:
    """Why Rust cannot compile for `target` here, or None."""
    libdir = subprocess.run(["rustc", "--print", "target-libdir", "--target", target],
                            capture_output=True, text=True).stdout.strip()
    if not libdir or not any(Path(libdir).glob("libstd-*")):
        return f"Rust's {target} standard library is missing (rustup target add {target})"
    return None


@pytest.fixture
def aarch64() -> dict[str, str]:
    """Cargo settings for a cross build to aarch64 Linux whose binaries run under qemu; skips
    the test when the tools are not installed."""
    for tool in (AARCH64_LINKER, "qemu-aarch64"):
        if shutil.which(tool) is None:
            pytest.skip(f"not run: {tool} is not installed (Debian: gcc-aarch64-linux-gnu, "
                        "qemu-user)")
    missing = missing_rust_std(AARCH64)
    if missing:
        pytest.skip(f"not run: {missing}")
    prefix = "CARGO_TARGET_" + AARCH64.upper().replace("-", "_")
    return {f"{prefix}_LINKER": AARCH64_LINKER, f"{prefix}_RUNNER": QEMU,
            "TEENYGRAD_TEST_RUNNER": QEMU}


@pytest.mark.parametrize("target", [AARCH64, "aarch64-apple-darwin"])
def test_clippy_clean_on_aarch64(crates: Path, target: str) -> None:
    """The stubs and the reference (its NEON kernel, the roofline's NEON probe) compile for
    aarch64 Linux and macOS (Apple Silicon) and are clippy-clean there (no linking: clippy
    only checks)."""
    missing = missing_rust_std(target)
    if missing:
        pytest.skip(f"not checked: {missing}")
    clippy = cargo(crates, "clippy", "--target", target, "--all-targets", "--quiet", "--",
                   "-D", "warnings")
    assert clippy.returncode == 0, clippy.stderr[-3000:]


def test_reference_neon_kernels_under_qemu(tmp_path: Path, aarch64: dict[str, str]) -> None:
    """Every SGEMM stage of the reference, with the NEON and with the portable micro-kernel,
    matches the definition on every edge shape, run on an emulated aarch64 CPU."""
    copy = workspace_copy(tmp_path, reference=True)
    done = cargo(copy, "test", "--target", AARCH64, "-p", "teenygrad_kernels",
                 "--test", "isa_fallbacks", **aarch64)
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-3000:]
    assert "isa neon: ok" in report and "isa scalar: ok" in report, report[-3000:]
