"""Build a level's Rust crate from the trusted kit plus the student's kernel files (maturin).

The kit's `rust_kernels/` is copied fresh (never the student's Cargo files), the student's
kernel files are laid over it, and `maturin build --release` makes a wheel that is unpacked into
the workspace. A student file that does not compile is swapped for its stub, with the first
rustc error in its "not implemented" message, so the other kernels are still graded.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

from autograder.judge import rust_rules, sandbox
from autograder.judge.errors import GraderError
from autograder.judge.workspace import SKIP_DIRS, Workspace
from autograder.levels import Level

BUILD_TIMEOUT = 900
ERROR_LOCATION = re.compile(
    r"^error(?:\[\w+\])?: (?P<what>.*)\n\s*--> (?P<file>[^:\n]+):(?P<line>\d+)", re.MULTILINE)
STUB_MESSAGE = "not implemented yet — see the doc comment above"


def cache_dir() -> Path:
    """Where cargo's build products are kept between runs (dependencies build once)."""
    base = os.environ.get("TEENYGRAD_CACHE") or Path.home() / ".cache" / "teenygrad-kit"
    path = Path(base) / "cargo-target"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _copy_kit_crates(source: Path, dest: Path) -> None:
    shutil.copytree(source, dest,
                    ignore=lambda _dir, names: [n for n in names if n in SKIP_DIRS])


def _first_errors(log: str, rust_keys: list[str]) -> dict[str, str]:
    """The first compiler error of each student file named in a cargo log."""
    errors: dict[str, str] = {}
    for match in ERROR_LOCATION.finditer(log):
        reported = match["file"].replace("\\", "/")
        for key in rust_keys:
            tail = key.removeprefix("rust_kernels/")
            if reported.endswith(tail) or tail.endswith(reported.lstrip("./")):
                errors.setdefault(key, f"{match['what']} ({Path(key).name}:{match['line']})")
    return errors


def _rule_violations(level: Level, key: str, source: str) -> list[str]:
    """What the student's Rust file `key` does that the level's rule set forbids (see
    rust_rules.py), as `file:line: what: why` lines; none when the level names no rules."""
    if not level.rust_rules:
        return []
    try:
        found = rust_rules.check(source, level.rust_rules)
    except KeyError:
        raise GraderError(f"{level.id}.toml: unknown rust_rules {level.rust_rules!r} "
                          f"(known: {', '.join(rust_rules.RULE_SETS)})") from None
    return [violation.format(Path(key).name) for violation in found]


@dataclass(frozen=True)
class Toolchain:
    """Where the Rust build's tools live on the host."""

    sysroot: Path  # rustc --print sysroot: the real cargo and rustc, without rustup's proxies
    cargo_home: Path  # its registry/ holds the downloaded dependency sources
    maturin: Path

    @classmethod
    def find(cls) -> Toolchain:
        """The toolchain on PATH (GraderError when there is none)."""
        try:
            sysroot = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True,
                                     text=True, timeout=60, check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError) as exc:
            raise GraderError(f"level 0 needs a Rust toolchain (rustc): {exc}") from None
        scripts = sysconfig.get_path("scripts")
        maturin = shutil.which("maturin", path=scripts) or shutil.which("maturin")
        if maturin is None:
            raise GraderError("cannot find maturin (pip install maturin)")
        cargo_home = Path(os.environ.get("CARGO_HOME") or Path.home() / ".cargo")
        return cls(Path(sysroot), cargo_home, Path(maturin).resolve())


def fetch_dependencies(workspace: Path, tools: Toolchain) -> None:
    """Download the crates the kit's Cargo.lock names, outside the sandbox (it has no
    network) and before any student file is in `workspace`: only the kit's manifests count."""
    cargo = str(tools.sysroot / "bin" / "cargo")
    manifest = str(workspace / "Cargo.toml")
    for offline in (["--offline"], []):
        done = subprocess.run([cargo, "fetch", "--manifest-path", manifest, *offline],
                              capture_output=True, text=True, timeout=BUILD_TIMEOUT)
        if done.returncode == 0:
            return
    raise GraderError("cannot download the Rust crate's dependencies: "
                      + (done.stderr.strip().splitlines() or ["cargo fetch failed"])[-1])


def _run_maturin(crate_dir: Path, wheels: Path, build_root: Path, tools: Toolchain
                 ) -> subprocess.CompletedProcess:
    """`maturin build` in the sandbox: it sees the build folder (the kit's crates and the
    student's files), the toolchain, the downloaded dependency sources and the target cache,
    and no network; `#[path]`, `include!` and friends find nothing else to read."""
    box = sandbox.probe()
    cargo_home = Path("/tmp/cargo-home")  # inside the view: writable for cargo's lock files
    cmd = [str(tools.maturin), "build", "--release", "--quiet", "--offline",
           "-m", str(crate_dir / "Cargo.toml"), "-o", str(wheels), "-i", sandbox.interpreter()]
    wheels.mkdir(parents=True, exist_ok=True)
    view = sandbox.View(read_only=[tools.sysroot, tools.maturin],
                        writable=[build_root, wheels, cache_dir()], kit_modules=False,
                        binds=[(tools.cargo_home / "registry", cargo_home / "registry")],
                        chdir=build_root, whole_usr=True)
    cmd, _ = sandbox.command(box, view, cmd)
    env = {k: v for k, v in os.environ.items() if k in ("LANG", "TZ") or k.startswith("LC_")}
    env.update({"PATH": f"{tools.sysroot / 'bin'}:/usr/bin:/bin", "HOME": "/tmp",
                "CARGO_HOME": str(cargo_home), "CARGO_TARGET_DIR": str(cache_dir()),
                "CARGO_TERM_COLOR": "never"})
    if not box.confined:
        env.update({"CARGO_HOME": str(tools.cargo_home), "HOME": str(Path.home())})
    try:
        return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=build_root,
                              timeout=BUILD_TIMEOUT, check=False)
    except FileNotFoundError as exc:
        raise GraderError(f"cannot run maturin: {exc}") from None
    except subprocess.TimeoutExpired:
        raise GraderError(f"the Rust build took longer than {BUILD_TIMEOUT} s") from None


def _swap_for_stub(level: Level, build_root: Path, key: str, reason: str) -> None:
    """Build the kit's stub instead of `key`, its "not implemented" message saying why."""
    stub = level.student_path(key).read_text()
    quoted = reason.replace("\\", "\\\\").replace('"', "'")
    (build_root / key).write_text(stub.replace(STUB_MESSAGE, quoted))


def build_maturin(level: Level, ws: Workspace) -> None:
    """Build the level's crate into `ws.root/site` and put it on the worker's path."""
    build_root = ws.root / "build"
    build_root.mkdir()
    _copy_kit_crates(level.root / "rust_kernels", build_root / "rust_kernels")
    tools = Toolchain.find()
    fetch_dependencies(build_root / "rust_kernels", tools)
    rust_keys = [k for k in ws.keys if k.startswith("rust_kernels/")]
    for key in rust_keys:
        shutil.copyfile(ws.student / key, build_root / key)
        forbidden = _rule_violations(level, key, (ws.student / key).read_text(errors="replace"))
        if forbidden:  # never compiled: graded as the stub, with the reason
            more = f" (and {len(forbidden) - 1} more, listed in the notes)" \
                if len(forbidden) > 1 else ""
            reason = f"not built: {level.id} forbids what it does: {forbidden[0]}{more}"
            # the stub's message is a format string (todo!): braces doubled
            _swap_for_stub(level, build_root, key, reason.replace("{", "{{").replace("}", "}}"))
            ws.notes.append(f"{key} was not built: {level.id} forbids what it does: "
                            + "; ".join(forbidden))
    crate_dir = build_root / level.build["crate"]
    wheels = ws.root / "wheels"
    result = _run_maturin(crate_dir, wheels, build_root, tools)
    if result.returncode != 0:
        log = result.stdout + result.stderr
        errors = _first_errors(log, rust_keys)
        if not errors:  # e.g. a changed signature breaks the kit's call site: blame them all
            first = next(ERROR_LOCATION.finditer(log), None)
            summary = first["what"] if first else log.strip().splitlines()[-1][:200]
            errors = {key: summary for key in rust_keys}
        for key, error in errors.items():
            _swap_for_stub(level, build_root, key, f"your file did not compile: {error}")
            ws.notes.append(f"{key} did not compile: {error}")
        result = _run_maturin(crate_dir, wheels, build_root, tools)
        if result.returncode != 0:
            raise GraderError("the kit's Rust crate does not build even with stubs:\n"
                              + (result.stdout + result.stderr)[-3000:])
    site = ws.root / "site"
    for wheel in wheels.glob("*.whl"):
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(site)
    ws.extra_paths.append(site)
