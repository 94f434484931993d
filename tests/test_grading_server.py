"""The kit's tests fork their `grade.py` runs from a grading server (tests/grading_server.py):
a forked run must give what a fresh `python grade.py` gives."""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path

import pytest
from conftest import ENGINE_KIT, KIT
from grading_server import GRADE_PY, SERVER, GradingServer

from autograder.instructor.run_grade import run_grade as fresh_grade


def both(*args: str, tmp_path: Path) -> list[tuple[int | None, str, str, object]]:
    """`grade.py ARGS` on the demo level, fresh and forked: exit status, stdout, stderr and
    what the JSON report says of each test (outcome, points, message) and of the run."""
    env = {**os.environ, "TEENYGRAD_KIT_ROOT": str(ENGINE_KIT)}
    assert SERVER.forkable(GRADE_PY, env)
    runs = []
    for way in ("fresh", "forked"):
        out = tmp_path / f"{way}.json"
        argv = [*args, "--format", "json", "--output", str(out), "--quiet"]
        if way == "fresh":
            done = fresh_grade(GRADE_PY, argv, cwd=KIT, timeout=600, env=env)
            code, stdout, stderr = done.returncode, done.stdout, done.stderr
        else:
            code, stdout, stderr = SERVER.run(argv, cwd=KIT, timeout=600, env=env)
        report = None
        if out.exists():
            record = json.loads(out.read_text())
            report = (record["points"], record["grader_error"],
                      [(t["name"], t["outcome"], t["points"], t["message"])
                       for level in record["levels"] for t in level["tests"]])
        runs.append((code, stdout.replace(str(out), "OUT"), stderr.replace(str(out), "OUT"),
                     report))
    return runs


@pytest.mark.parametrize(("args", "status"), [
    (("demo", "--solutions"), 0), (("demo",), 1), (("--help",), 0),
    (("demo", "--no-such-option"), 2), (("levl-1",), 2)],
    ids=["solutions", "stubs", "help", "bad option", "unknown level"])
def test_a_forked_grading_is_a_fresh_one(args: tuple[str, ...], status: int,
                                          tmp_path: Path) -> None:
    """Same exit status (argparse's and `--help`'s exits included), output and report."""
    fresh, forked = both(*args, tmp_path=tmp_path)
    assert fresh[0] == status, fresh
    assert forked == fresh
    assert (fresh[3] is not None) == (status != 2 and "--help" not in args)


def test_what_an_import_read_goes_to_a_fresh_grade_py() -> None:
    """The server forks only runs whose environment differs in what the kit reads while it
    grades; another interpreter setting or BLAS thread count needs a fresh interpreter."""
    base = dict(os.environ)
    assert SERVER.forkable(GRADE_PY, {**base, "TEENYGRAD_KIT_ROOT": "/elsewhere",
                                      "TMPDIR": "/tmp", "PYTEST_CURRENT_TEST": "x"})
    # what the server's imports set (sklearn's setdefault): the same in a fresh grade.py
    assert SERVER.forkable(GRADE_PY, {**base, "KMP_DUPLICATE_LIB_OK": "True"})
    for changed in ({"PYTHONPATH": "/elsewhere"}, {"OPENBLAS_NUM_THREADS": "7"},
                    {"HOME": "/elsewhere"}, {"KMP_DUPLICATE_LIB_OK": "False"}):
        assert not SERVER.forkable(GRADE_PY, {**base, **changed}), changed
    assert not SERVER.forkable(Path("/elsewhere/grade.py"), base)


def test_a_forked_gradings_cpu_time_is_the_test_runs_own() -> None:
    """The load check counts a forked grading's CPU time as this test run's, not another
    process's (else every timing check after it would see a busy machine)."""
    before = SERVER.cpu_seconds
    env = {**os.environ, "TEENYGRAD_KIT_ROOT": str(ENGINE_KIT)}
    code, _, stderr = SERVER.run(["demo", "--solutions", "--quiet"], cwd=KIT, timeout=600,
                                 env=env)
    assert code == 0, stderr
    assert SERVER.cpu_seconds - before > 0.2  # at least importing the suites and a worker


def test_a_server_started_from_a_thread_outlives_the_thread() -> None:
    """Started by a test's thread pool, the server still grades after that thread ended (it
    watches the test run, not the thread that started it)."""
    server = GradingServer()
    env = {**os.environ, "TEENYGRAD_KIT_ROOT": str(ENGINE_KIT)}
    try:
        first = threading.Thread(target=server.run, args=(["--help"],),
                                 kwargs={"cwd": KIT, "timeout": 120, "env": env})
        first.start()
        first.join()
        code, stdout, _ = server.run(["--help"], cwd=KIT, timeout=120, env=env)
        assert code == 0 and "grade.py" in stdout
    finally:
        server.stop()


@pytest.mark.parametrize(("args", "status"), [
    (("--help",), 0), (("demo", "--no-such-option"), 2), (("levl-1",), 2), (("demo",), 1)],
    ids=["help", "bad option", "unknown level", "stubs"])
def test_a_mutation_grading_fork_exits_as_grade_py(args: tuple[str, ...], status: int,
                                                   tmp_path: Path) -> None:
    """`grade.py mutation` forks its gradings itself (autograder.instructor.preforked, the
    same child set-up as the server's): argparse's `sys.exit` gives grade.py's status, not a
    grader error with a traceback, and the grading's temporary files go under its own
    TMPDIR."""
    from autograder.instructor import preforked

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TEENYGRAD_KIT_ROOT": str(ENGINE_KIT), "TMPDIR": str(scratch),
           "TEENYGRAD_HISTORY": "off"}
    fresh = fresh_grade(GRADE_PY, list(args), cwd=KIT, timeout=600, env=env)
    forked = preforked.fork_grade(list(args), cwd=KIT, timeout=600, env=env)
    assert forked.returncode == fresh.returncode == status, forked.stderr
    assert "Traceback" not in forked.stderr
    seconds = re.compile(r"\(\d+(\.\d+)? s\)")  # a grading's duration differs run to run
    assert seconds.sub("", forked.stdout) == seconds.sub("", fresh.stdout)
