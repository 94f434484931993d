"""A Rust build is reused only when its inputs' contents are the same (autograder.judge.
build_cache): any changed byte, file name or setting is another build; file times and the
folder the sources sit in are not; the store holds finished results only, a few of them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from autograder.judge import build_cache
from autograder.judge.build_cache import BuildStore, sources_hash


def _crates(root: Path) -> Path:
    (root / "crate" / "src").mkdir(parents=True)
    (root / "crate" / "src" / "lib.rs").write_text("pub fn f() -> i32 { 1 }\n")
    (root / "crate" / "Cargo.toml").write_text("[package]\nname = \"crate\"\n")
    (root / "target" / "release").mkdir(parents=True)
    (root / "target" / "release" / "libcrate.so").write_bytes(b"old build")
    return root


def test_the_hash_follows_contents_not_times_or_places(tmp_path: Path) -> None:
    """A copy elsewhere with new file times hashes the same; build output (target/) does not
    count; a changed byte, a renamed file or another setting hashes differently."""
    first = _crates(tmp_path / "a")
    key = sources_hash(first, ["rustc 1.89"])
    second = tmp_path / "b"
    shutil.copytree(first, second, copy_function=shutil.copyfile)  # new times
    os.utime(second / "crate" / "src" / "lib.rs", (1, 1))
    (second / "target" / "release" / "libcrate.so").write_bytes(b"another build")
    assert sources_hash(second, ["rustc 1.89"]) == key
    assert sources_hash(second, ["rustc 1.90"]) != key
    (second / "crate" / "src" / "lib.rs").write_text("pub fn f() -> i32 { 2 }\n")
    assert sources_hash(second, ["rustc 1.89"]) != key
    (second / "crate" / "src" / "lib.rs").write_text("pub fn f() -> i32 { 1 }\n")
    (second / "crate" / "src" / "lib.rs").rename(second / "crate" / "src" / "main.rs")
    assert sources_hash(second, ["rustc 1.89"]) != key


def test_the_store_gives_back_finished_results_and_keeps_a_few(tmp_path: Path,
                                                               monkeypatch) -> None:
    """put then get returns the stored files; an entry without its completion mark (a store
    cut short) is not a result; beyond KEEP results the least recently used go."""
    monkeypatch.setattr(build_cache, "KEEP", 2)
    store = BuildStore.beside(tmp_path / "cargo-target")
    assert store.folder == tmp_path / "cargo-target-built"
    wheel = tmp_path / "w.whl"
    wheel.write_bytes(b"wheel")
    assert store.get("a") is None
    store.put("a", [wheel])
    assert (store.get("a") / "w.whl").read_bytes() == b"wheel"
    os.utime(store.folder / "a", (1, 1))  # "a" used long ago: the first to go
    store.put("b", [wheel])
    store.put("c", [wheel])
    assert sorted(p.name for p in store.folder.iterdir()) == ["b", "c"]
    cut = BuildStore(tmp_path / "other")
    (cut.folder / "d").mkdir(parents=True)  # files, no completion mark
    (cut.folder / "d" / "w.whl").write_bytes(b"half")
    assert cut.get("d") is None
