"""The fork server: one sandbox per grading, each test's worker forked from it.

What a test's code can do to the server itself is in test_redteam.py
(`test_attacks_on_the_fork_server_change_no_other_test`); here: a forked worker is as fresh as
a new one, a dead server is replaced, and a grading gives the same record either way.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ENGINE_KIT, run_grade

from autograder.judge import sandbox
from autograder.judge.bytecode import compile_student_modules
from autograder.judge.client import WorkerClient, WorkerSpec
from autograder.judge.forkserver import ForkedWorker, ForkServer
from autograder.judge.runner import worker_spec
from autograder.judge.workspace import Source, build_workspace
from autograder.levels import load_level
from autograder.probes import selftest

pytestmark = pytest.mark.skipif(not sandbox.fork_server_allowed(),
                                reason="no fork server here (no bubblewrap, or not safe)")


@pytest.fixture
def demo_spec() -> Iterator[WorkerSpec]:
    """The worker settings of a grading of the demo level's reference."""
    level = load_level("demo", ENGINE_KIT)
    ws = build_workspace(level, Source("solutions"))
    try:
        spec = worker_spec(level, ws)
        compile_student_modules(ws.student, spec.sandbox)
        yield spec
    finally:
        ws.cleanup()


def _draw(spec: WorkerSpec, server: ForkServer) -> tuple[float, int]:
    """numpy's global generator's first draw in a new forked worker, and the server's pid."""
    client = WorkerClient(spec, server=server)
    try:
        value = client.call(selftest.call, "numpy.random", "random")
        assert isinstance(client.proc, ForkedWorker)
        return value, server._host_pid
    finally:
        client.close()


def test_forked_workers_are_fresh_and_share_one_server(demo_spec: WorkerSpec) -> None:
    """Every worker comes from the same server, and each draws its own random numbers (a
    fork copies numpy's global generator when the server has imported it: each child reseeds
    it, as a new process would have its own)."""
    spec = replace(demo_spec, preload=[*demo_spec.preload, "numpy.random"])
    server = ForkServer(spec)
    try:
        draws = [_draw(spec, server) for _ in range(3)]
    finally:
        server.shutdown()
    assert len({pid for _, pid in draws}) == 1, draws
    assert len({value for value, _ in draws}) == 3, draws


def test_a_dead_server_is_replaced(demo_spec: WorkerSpec) -> None:
    """A server killed between two tests (by a test's own leftover, or anything else) is
    replaced by a new one at the next worker, which then works as before."""
    server = ForkServer(demo_spec)
    try:
        _, first = _draw(demo_spec, server)
        os.kill(first, signal.SIGKILL)
        value, second = _draw(demo_spec, server)
    finally:
        server.shutdown()
    assert second != first and 0.0 <= value < 1.0


def test_a_grading_gives_the_same_record_with_or_without_the_server(tmp_path: Path) -> None:
    """The demo level's reference and one crashing submission, graded with the fork server and
    with a sandbox per worker (TEENYGRAD_FORK_SERVER=0): the same outcome and points for every
    test."""
    verdicts = []
    for name, env in (("forked", {}), ("fresh", {"TEENYGRAD_FORK_SERVER": "0"})):
        for source in ("--solutions", ENGINE_KIT / "submissions/segfault_in_div"):
            args = ("--solutions",) if source == "--solutions" else ("--submission", source)
            graded = run_grade("demo", *args, kit_root=ENGINE_KIT, env=env, timeout=300,
                               json_out=tmp_path / f"{name}-{len(verdicts)}.json")
            assert graded.record is not None, graded.stderr
            verdicts.append({(t["name"], t["outcome"], t["points"])
                             for lv in graded.record["levels"] for t in lv["tests"]})
    assert verdicts[:2] == verdicts[2:]
    assert any(outcome == "crashed" for _, outcome, _ in verdicts[1]), verdicts[1]
