"""Two level 0 gradings that share cargo's target folder build one after the other: a build
holds the folder from copying the sources to unpacking the wheel (else one grading can take
the other's library, as the mutation runs saw)."""

from __future__ import annotations

import fcntl
import threading
from pathlib import Path

import pytest

from autograder.judge.build import _owning


def test_a_build_holds_the_target_folder(tmp_path: Path) -> None:
    """While one build holds the folder, another cannot take it; once it ends, it can."""
    inside, release = threading.Event(), threading.Event()

    def first_build() -> None:
        with _owning(tmp_path):
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=first_build)
    thread.start()
    assert inside.wait(10)
    with open(tmp_path / ".teenygrad-build.lock", "w") as lock:
        with pytest.raises(BlockingIOError):
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        release.set()
        thread.join(10)
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free now: no exception
