"""Build a level's Rust crate from the trusted kit plus the student's kernel files (maturin).

The kit's `rust_kernels/` is copied fresh (never the student's Cargo files), the student's
kernel files are laid over it, and `maturin build --release` makes a wheel that is unpacked into
the workspace. A student file that the level's rules forbid (never compiled) or that does not
compile is blocked: the kit builds its stub in its place, so the other kernels are still
graded, and the build returns why, per file; each test of a part that needs the file ends
with that reason (see `plugin.py`), and the report's notes list it.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sysconfig
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from autograder.judge import rust_rules, sandbox
from autograder.judge.build_cache import BuildStore, build_settings, sources_hash
from autograder.judge.errors import DidNotCompile, GraderError, NotBuilt, StudentStop
from autograder.judge.workspace import SKIP_DIRS, Workspace
from autograder.levels import Level

BUILD_TIMEOUT = 900
ERROR_LOCATION = re.compile(
    r"^error(?:\[\w+\])?: (?P<what>.*)\n\s*--> (?P<file>[^:\n]+):(?P<line>\d+)", re.MULTILINE)


def cache_dir() -> Path:
    """Where cargo's build products are kept between runs (dependencies build once)."""
    base = os.environ.get("TEENYGRAD_CACHE") or Path.home() / ".cache" / "teenygrad-kit"
    path = Path(base) / "cargo-target"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def _owning(target: Path) -> Iterator[None]:
    """Hold cargo's target folder `target` for one build, from copying the sources to
    unpacking the wheel. Cargo locks the folder only while it compiles, and it judges a source
    file by its time: two gradings sharing the folder could each take the other's library
    (sources copied before another build's newer outputs look up to date, and maturin packs
    the library after cargo has let go)."""
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".teenygrad-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        yield


def _copy_kit_crates(source: Path, dest: Path) -> None:
    shutil.copytree(source, dest,
                    ignore=lambda _dir, names: [n for n in names if n in SKIP_DIRS])


def _first_errors(log: str, rust_keys: list[str]) -> dict[str, DidNotCompile]:
    """The first compiler error of each student file named in a cargo log (rustc's whole
    message as the detail)."""
    errors: dict[str, DidNotCompile] = {}
    for match in ERROR_LOCATION.finditer(log):
        reported = match["file"].replace("\\", "/")
        for key in rust_keys:
            tail = key.removeprefix("rust_kernels/")
            if key not in errors and (reported.endswith(tail)
                                      or tail.endswith(reported.lstrip("./"))):
                message = f"did not compile: {match['what']} ({Path(key).name}:{match['line']})"
                errors[key] = DidNotCompile(message, log[match.start():].split("\n\n")[0])
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


def _run_maturin(crate_dir: Path, wheels: Path, build_root: Path, tools: Toolchain,
                 target: Path, cargo_config: Sequence[str]) -> subprocess.CompletedProcess:
    """`maturin build` in the sandbox: it sees the build folder (the kit's crates and the
    student's files), the toolchain, the downloaded dependency sources and the target cache
    `target`, and no network; `#[path]`, `include!` and friends find nothing else to read.
    `cargo_config` adds cargo `--config` settings (the coach's line tables)."""
    box = sandbox.probe()
    cargo_home = Path("/tmp/cargo-home")  # inside the view: writable for cargo's lock files
    cmd = [str(tools.maturin), "build", "--release", "--quiet", "--offline",
           "-m", str(crate_dir / "Cargo.toml"), "-o", str(wheels), "-i", sandbox.interpreter()]
    for setting in cargo_config:
        cmd += ["--config", setting]
    wheels.mkdir(parents=True, exist_ok=True)
    view = sandbox.View(read_only=[tools.sysroot, tools.maturin],
                        writable=[build_root, wheels, target], kit_modules=False,
                        binds=[(tools.cargo_home / "registry", cargo_home / "registry")],
                        chdir=build_root, whole_usr=True)
    cmd, _ = sandbox.command(box, view, cmd)
    env = {k: v for k, v in os.environ.items() if k in ("LANG", "TZ") or k.startswith("LC_")}
    env.update({"PATH": f"{tools.sysroot / 'bin'}:/usr/bin:/bin", "HOME": "/tmp",
                "CARGO_HOME": str(cargo_home), "CARGO_TARGET_DIR": str(target),
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


def _not_built(level: Level, ws: Workspace, key: str) -> NotBuilt | None:
    """Why the student's `key` is never compiled (what the level's rules forbid in it), or
    None; the whole list goes to the report's notes."""
    forbidden = _rule_violations(level, key, (ws.student / key).read_text(errors="replace"))
    if not forbidden:
        return None
    ws.notes.append(f"{key} was not built: {level.id} forbids what it does: "
                    + "; ".join(forbidden))
    more = f" (and {len(forbidden) - 1} more, listed in the notes)" if len(forbidden) > 1 else ""
    return NotBuilt(f"not built: {level.id} forbids what it does: {forbidden[0]}{more}",
                    "\n".join(forbidden))


def _compile_errors(log: str, rust_keys: list[str]) -> dict[str, DidNotCompile]:
    """Which of `rust_keys` a failed build's log blames. When it names none of them (e.g. a
    changed signature breaks the kit's call site), all of them, with the first error."""
    errors = _first_errors(log, rust_keys)
    if errors:
        return errors
    first = next(ERROR_LOCATION.finditer(log), None)
    summary = first["what"] if first else (log.strip().splitlines() or ["no output"])[-1][:200]
    return {key: DidNotCompile(f"did not compile: {summary}", log[-3000:]) for key in rust_keys}


def build_maturin(level: Level, ws: Workspace, target: Path | None = None,
                  cargo_config: Sequence[str] = ()) -> dict[str, StudentStop]:
    """Build the level's crate into `ws.root/site` and put it on the worker's path. Returns
    the blocked student files: by key, why (not built, or did not compile); their stubs were
    built in their place. `target` is cargo's target folder (default: the grader's cache) and
    `cargo_config` more cargo `--config` settings (the coach's line tables for the student's
    crate alone, so that it shares the grader's compiled dependencies)."""
    target = target or cache_dir()
    with _owning(target):
        return _build(level, ws, target, cargo_config)


def _compile(level: Level, ws: Workspace, build_root: Path, blocked: dict[str, StudentStop],
             tools: Toolchain, target: Path, cargo_config: Sequence[str]) -> tuple[Path, bool]:
    """Run maturin until the crate builds, blocking (in `blocked`) each student file that does
    not compile. Returns the folder of the wheel and whether any file was blocked so."""
    rust_keys = [k for k in ws.keys if k.startswith("rust_kernels/")]
    crate_dir, wheels, failed = build_root / level.build["crate"], ws.root / "wheels", False
    # Each failed build blocks the files it blames; one file's stub can break another's
    # build (a kernel that uses a removed helper of another), so build again until it works.
    for _ in range(len(rust_keys) + 1):
        result = _run_maturin(crate_dir, wheels, build_root, tools, target, cargo_config)
        built = [key for key in rust_keys if key not in blocked]
        if result.returncode == 0 or not built:
            break
        for key, error in _compile_errors(result.stdout + result.stderr, built).items():
            blocked[key] = error
            shutil.copyfile(level.student_path(key), build_root / key)
            ws.notes.append(f"{key} {error.message}")
            failed = True
    if result.returncode != 0:
        raise GraderError("the kit's Rust crate does not build even with stubs:\n"
                          + (result.stdout + result.stderr)[-3000:])
    return wheels, failed


def _build(level: Level, ws: Workspace, target: Path,
           cargo_config: Sequence[str]) -> dict[str, StudentStop]:
    """`build_maturin`'s work, with the target folder held."""
    build_root = ws.root / "build"
    build_root.mkdir()
    _copy_kit_crates(level.root / "rust_kernels", build_root / "rust_kernels")
    tools = Toolchain.find()
    fetch_dependencies(build_root / "rust_kernels", tools)
    rust_keys = [k for k in ws.keys if k.startswith("rust_kernels/")]
    blocked: dict[str, StudentStop] = {}
    for key in rust_keys:
        reason = _not_built(level, ws, key)
        if reason is not None:
            blocked[key] = reason
        shutil.copyfile(level.student_path(key) if reason else ws.student / key,
                        build_root / key)
    # The same sources built before (an unchanged push, a re-grading): that build's wheel, no
    # compiler. Cargo alone would compile again: the copies' file times are new.
    store = BuildStore.beside(target)
    key = sources_hash(build_root / "rust_kernels", build_settings(
        tools.sysroot / "bin" / "rustc", tools.maturin, level.build["crate"], cargo_config))
    wheels = store.get(key)
    if wheels is None:
        wheels, failed = _compile(level, ws, build_root, blocked, tools, target, cargo_config)
        if not failed:  # a wheel of these sources alone (no file blocked by its errors)
            store.put(key, sorted(wheels.glob("*.whl")))
    site = ws.root / "site"
    for wheel in wheels.glob("*.whl"):
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(site)
    ws.extra_paths.append(site)
    return blocked
