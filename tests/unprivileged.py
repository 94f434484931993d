"""Run the kit's CLI as an ordinary user, the way an instructor's laptop or a CI runner would.

Run as that user already, the command runs as it is. Run as root (CI, this kit's machines), a
system user `teenygrad-grader` is made (once), and the command runs as it in a private mount
namespace where root's home shows only the folders the interpreter and the Rust toolchain
live in (here Python sits under /root, which is 0700): nothing on the host is changed.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

USER = "teenygrad-grader"
#: Folders the graded run needs to read, whatever their owner (found on the host).
TOOL_HOMES = [Path(sys.base_prefix), Path(sys.prefix),
              Path(os.environ.get("RUSTUP_HOME") or Path.home() / ".rustup"),
              Path(os.environ.get("CARGO_HOME") or Path.home() / ".cargo"),
              Path(__file__).resolve().parent.parent]  # the kit (a clone may sit under /root)


def missing_tools() -> str:
    """Why the kit's tests cannot grade as an ordinary user here ("" when they can)."""
    if os.geteuid() != 0:
        return ""
    for tool in ("useradd", "unshare", "setpriv", "mount"):
        if shutil.which(tool) is None:
            return f"{tool} not found"
    return ""


def ensure_user() -> pwd.struct_passwd:
    """The unprivileged account (root only: made when missing)."""
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", USER], check=True, capture_output=True)
        return pwd.getpwnam(USER)


def user_dir(prefix: str) -> Path:
    """A new folder the unprivileged user owns (and can reach: under /tmp)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    if os.geteuid() == 0:
        account = ensure_user()
        os.chown(path, account.pw_uid, account.pw_gid)
    return path


def give(path: Path) -> None:
    """Hand a tree to the unprivileged user (root only)."""
    if os.geteuid() != 0:
        return
    account = ensure_user()
    for dirpath, dirnames, filenames in os.walk(path):
        os.chown(dirpath, account.pw_uid, account.pw_gid)
        for name in dirnames + filenames:
            os.lchown(os.path.join(dirpath, name), account.pw_uid, account.pw_gid)


def _hidden_homes() -> dict[Path, list[str]]:
    """The folders others cannot enter on the way to the needed ones (outermost first), each
    with the children to show in it: the next step of the way, or, for a needed folder that is
    itself closed (a clone in a 0700 `mktemp -d` folder), all of its entries."""
    shown: dict[Path, list[str]] = {}
    whole: set[Path] = set()
    for tool in (t.resolve() for t in TOOL_HOMES):
        if not tool.is_dir():
            continue
        for folder in [*reversed(tool.parents), tool]:
            if folder == Path("/") or folder.stat().st_mode & 0o001 or folder in whole:
                continue
            if folder == tool:
                whole.add(folder)
                shown[folder] = sorted(os.listdir(folder))
                continue
            child = tool.relative_to(folder).parts[0]
            children = shown.setdefault(folder, [])
            if child not in children:
                children.append(child)
    return dict(sorted(shown.items(), key=lambda item: len(item[0].parts)))


def _show_again(keep: str, folder: Path, child: str) -> list[str]:
    """Shell lines putting `folder/child` back over the tmpfs that covers `folder`, from the
    bind of the original at `keep`: a folder or a file is bound, a link made again."""
    original, inside = folder / child, shlex.quote(str(folder / child))
    if original.is_symlink():
        return [f"ln -s {shlex.quote(os.readlink(original))} {inside}"]
    make = f"mkdir -p {inside}" if original.is_dir() else f"touch {inside}"
    return [make, f"mount --bind {keep}/{shlex.quote(child)} {inside}"]


def wrap(cmd: list[str]) -> list[str]:
    """`cmd` as the unprivileged user (unchanged when this is not root)."""
    if os.geteuid() != 0:
        return cmd
    account = ensure_user()
    lines = ["set -e"]
    for number, (parent, children) in enumerate(_hidden_homes().items()):
        keep = f"/tmp/.teenygrad-keep-{os.getpid()}-{number}"
        lines += [f"mkdir -p {keep}", f"mount --bind {shlex.quote(str(parent))} {keep}",
                  f"mount -t tmpfs -o mode=0755,size=1m tmpfs {shlex.quote(str(parent))}"]
        for child in children:
            lines += _show_again(keep, parent, child)
    lines.append(f"exec setpriv --reuid={account.pw_uid} --regid={account.pw_gid} "
                 "--clear-groups --inh-caps=-all --bounding-set=-all -- \"$@\"")
    return ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
            "\n".join(lines), "sh", *cmd]


def user_environment(home: Path, cache: Path) -> dict[str, str]:
    """The environment of a graded run as the unprivileged user: its own home and caches; the
    host's Rust toolchain; a cargo home of its own whose registry is the host's downloads."""
    cargo_home = home / "cargo"
    cargo_home.mkdir(exist_ok=True)
    host_registry = TOOL_HOMES[3] / "registry"
    if host_registry.is_dir() and not (cargo_home / "registry").exists():
        (cargo_home / "registry").symlink_to(host_registry)
    give(home)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CARGO"))}
    env.update({"HOME": str(home), "TEENYGRAD_CACHE": str(cache), "CARGO_HOME": str(cargo_home),
                "RUSTUP_HOME": str(TOOL_HOMES[2]), "USER": USER, "LOGNAME": USER})
    return env
