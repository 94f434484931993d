"""Every command tells the truth (issue 15): -k that matches nothing or is malformed, test ids a
student can copy into -k, Ctrl-C, --public-only, --output FILE, a file given as the submission,
a misspelled level, an interrupted batch. All on the demo level, through the real grade.py."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ENGINE_KIT, KIT, build_submission, interruptible, run_grade

SUBMISSIONS = ENGINE_KIT / "submissions"
DEMO_IDS = ["test_add", "test_mul", "test_div", "test_div_zero"]


def test_keyword_matching_nothing_is_bad_usage() -> None:
    """-k that selects no test: exit 2, "no test matches 'X'", nothing graded."""
    graded = run_grade("demo", "--solutions", "-k", "no_such_test", kit_root=ENGINE_KIT)
    assert graded.returncode == 2, graded.stdout + graded.stderr
    assert "no test matches 'no_such_test'" in graded.stderr
    assert "TOTAL" not in graded.stdout


def test_malformed_keyword_is_bad_usage_with_pytests_message() -> None:
    """A -k pytest cannot parse: exit 2 with pytest's own message, not a grader error."""
    graded = run_grade("demo", "--solutions", "-k", "add and (", kit_root=ENGINE_KIT)
    assert graded.returncode == 2, graded.stdout + graded.stderr
    assert "Wrong expression passed to '-k': add and (: at column" in graded.stderr
    assert "grader error" not in graded.stderr + graded.stdout
    assert len(graded.stderr.strip().splitlines()) == 1


def test_test_ids_are_listed_and_work_with_k(tmp_path: Path) -> None:
    """--list and the -v report show each test's id; the id given to -k selects that test."""
    listed = run_grade("demo", "--list", kit_root=ENGINE_KIT)
    report = run_grade("demo", "--solutions", "-v", kit_root=ENGINE_KIT)
    for test_id in DEMO_IDS:
        assert f" {test_id} · " in listed.stdout, listed.stdout
        assert f" {test_id} · " in report.stdout, report.stdout
    graded = run_grade("demo", "--solutions", "-k", "test_div_zero", kit_root=ENGINE_KIT,
                       json_out=tmp_path / "r.json")
    assert list(graded.outcomes()) == ["test_div_zero"]


def _selected(test_id: str, out: Path) -> list[str]:
    """The names of the level -1 tests `-k test_id` selects (collected, not run)."""
    listed = run_grade("level-1", "--list", "-k", test_id, json_out=out)
    assert listed.returncode == 0, listed.stderr
    return [t["name"] for t in listed.record["levels"][0]["tests"]]


def test_the_default_report_shows_ids_that_select_exactly_their_tests(tmp_path: Path) -> None:
    """Without -v, every test that lost points shows its id or sits under its part's
    `(-k PART)`; each id the report shows, given to -k, selects exactly that test (or part),
    though pytest's -k alone would also take test_sgemm_random for test_sgemm."""
    sub = build_submission(tmp_path / "sub", KIT / "solutions" / "level-1",
                           KIT / "tests" / "fixtures" / "level-1" / "sgemm_ignores_beta")
    shutil.copyfile(KIT / "assignments" / "level-1" / "teenygrad" / "nested.py",
                    sub / "teenygrad" / "nested.py")  # the nested part: one stub's line
    report = run_grade("level-1", "--submission", sub, env={"COLUMNS": "80"}).stdout
    graded = run_grade("level-1", "--submission", sub, json_out=tmp_path / "r.json")
    parts = re.findall(r"^\S.* \(-k (\S+)\) +[\d.]+/[\d.]+$", report, re.MULTILINE)
    ids = re.findall(r"^  \S (test_\S+) · ", report, re.MULTILINE)
    lost = [t for t in graded.record["levels"][0]["tests"] if t["points"] < t["max_points"]]
    assert {"nested", "blas"} <= set(parts) and "test_sgemm" in ids, report
    for test in lost:  # each failing test: its id on its line, or its part's -k above it
        assert test["name"] in ids or test["part"] in parts, (test["name"], report)
    part_of = {t["name"]: t["part"] for t in graded.record["levels"][0]["tests"]}
    for test_id in parts + ids:
        expected = {n for n, part in part_of.items() if part == test_id} or {test_id}
        assert set(_selected(test_id, tmp_path / f"{test_id}.json")) == expected, test_id
    only = run_grade("level-1", "--submission", sub, "-k", "test_sgemm",
                     json_out=tmp_path / "one.json")
    assert only.outcomes() == {"test_sgemm": "failed"}


@pytest.mark.parametrize("after", [0.0, 0.03, 0.3])
def test_ctrl_c_reports_the_finished_tests_as_incomplete(tmp_path: Path, after: float) -> None:
    """Ctrl-C while a test runs: exit 130, "interrupted", the finished tests reported and the
    report marked incomplete (not TOTAL 0/0 and a grader error). Pressed at a few moments
    after the first test ended: the next test's set-up (a spare worker starting, hypothesis
    collecting garbage, where Python once swallowed the KeyboardInterrupt and the grading went
    on to the end) or its call to the worker."""
    env = {**os.environ, "TEENYGRAD_KIT_ROOT": str(ENGINE_KIT)}
    env.pop("GITHUB_STEP_SUMMARY", None)
    proc = subprocess.Popen(  # mul hangs until its 3 s call limit: time to press Ctrl-C
        [sys.executable, str(KIT / "grade.py"), "demo", "--submission",
         str(SUBMISSIONS / "hang_in_mul")], cwd=KIT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True, preexec_fn=interruptible)
    assert proc.stderr is not None and proc.stdout is not None
    seen = b""
    while not seen.rstrip().endswith(b"demo: ."):  # the progress mark of test_add, passed
        chunk = proc.stderr.read(1)
        assert chunk, f"grade.py ended before its first test: {seen!r}"
        seen += chunk
    time.sleep(after)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    stdout, stderr = proc.communicate(timeout=120)
    stdout_text, stderr_text = stdout.decode(), (seen + stderr).decode()
    assert proc.returncode == 130, stdout_text + stderr_text
    assert "interrupted" in stderr_text and "marked incomplete" in stderr_text
    assert "add adds two numbers." in stdout_text
    assert "note: interrupted: 1 finished test graded, the rest not run" in stdout_text
    assert "incomplete" in stdout_text
    assert "TOTAL 20/" in stdout_text  # test_add's points; the tests after it not counted
    assert "TOTAL 20/100" not in stdout_text
    assert "grader error" not in stdout_text + stderr_text
    assert "Traceback" not in stdout_text + stderr_text, stderr_text


def test_a_ctrl_c_that_python_swallows_is_raised_again(capfd: pytest.CaptureFixture) -> None:
    """Python raises a Ctrl-C's KeyboardInterrupt in whatever Python code runs next; in a
    garbage-collector callback (hypothesis runs one before every example) it is discarded.
    Inside `interrupt.latched()` it is remembered, `check()` raises it again, and nothing
    about it is printed."""
    import gc

    from autograder.judge import interrupt

    def press_ctrl_c(phase: str, info: dict) -> None:
        if phase == "start":
            signal.raise_signal(signal.SIGINT)  # its Python handler runs here, in the callback

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # xdist ignores it
    try:
        with interrupt.latched() as latch:
            gc.callbacks.append(press_ctrl_c)
            try:
                gc.collect()  # no KeyboardInterrupt out of here: the callback's is discarded
            finally:
                gc.callbacks.remove(press_ctrl_c)
            assert latch.pressed
            with pytest.raises(KeyboardInterrupt):
                interrupt.check()
        interrupt.check()  # outside the block: nothing latched
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)
    assert "KeyboardInterrupt" not in "".join(capfd.readouterr())


def test_a_reply_to_a_call_that_ctrl_c_cut_is_no_verdict() -> None:
    """Ctrl-C reaches the worker too (one process group): a call it cuts short ends with the
    interrupt's error, which must not grade the test as failed, even when the judge's own
    KeyboardInterrupt was swallowed meanwhile (as in a garbage-collector callback): the
    latch raises it again as soon as the reply is in."""
    import threading

    from autograder.judge import interrupt
    from autograder.judge.client import WorkerClient
    from autograder.judge.runner import worker_spec
    from autograder.judge.workspace import Source, build_workspace
    from autograder.levels import load_level
    from autograder.probes import selftest

    level = load_level("demo", ENGINE_KIT)
    ws = build_workspace(level, Source("submission", SUBMISSIONS / "hang_in_mul"))
    client = WorkerClient(worker_spec(level, ws), name="ctrl-c-test")
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # xdist ignores it
    try:
        client.start()
        with interrupt.latched() as latch:
            def press_ctrl_c() -> None:  # what the judge swallowed, and what the worker got
                latch.pressed = True
                os.kill(client.worker_pid(), signal.SIGINT)

            timer = threading.Timer(0.5, press_ctrl_c)
            timer.start()
            started = time.monotonic()
            with pytest.raises(KeyboardInterrupt):  # mul hangs until its 3 s call limit
                client.call(selftest.call, "calc.ops", "mul", 2, 3)
            timer.join()
            assert time.monotonic() - started < 2.5  # the worker's reply, not the limit
    finally:
        signal.signal(signal.SIGINT, previous)
        client.close()
        ws.cleanup()


def test_an_ignored_ctrl_c_stays_ignored() -> None:
    """A grading started with SIGINT ignored (a background job, nohup) is not made
    interruptible by the latch."""
    from autograder.judge import interrupt

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with interrupt.latched() as latch:
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            signal.raise_signal(signal.SIGINT)
            assert not latch.pressed
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("level", ["demo", "level-2"])
def test_public_only_works_in_the_kit_checkout(tmp_path: Path, level: str) -> None:
    """--public-only on a kit with hidden suites: the public tests only, graded, exit 0."""
    kit = ENGINE_KIT if level == "demo" else None
    graded = run_grade(level, "--solutions", "--public-only", kit_root=kit,
                       json_out=tmp_path / "r.json")
    assert graded.returncode == 0, graded.stderr
    tests = [t for lv in graded.record["levels"] for t in lv["tests"]]
    assert tests and not any(t["hidden"] for t in tests)
    assert 0 < graded.record["max_points"] < 100


def test_output_file_prints_one_summary_line(tmp_path: Path) -> None:
    """--format json -o FILE writes the file (its folder made, its mode what a plain open()
    gives: a report shared with others must not come out 0600), nothing else beside it; the
    terminal gets one line on stderr only."""
    out = tmp_path / "reports" / "r.json"
    env = {**os.environ, "TEENYGRAD_KIT_ROOT": str(ENGINE_KIT)}
    env.pop("GITHUB_STEP_SUMMARY", None)
    done = subprocess.run([sys.executable, str(KIT / "grade.py"), "demo", "--solutions",
                           "--format", "json", "-o", str(out)], cwd=KIT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["points"] == 100
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask
    assert [p.name for p in out.parent.iterdir()] == ["r.json"]
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"grade.py: TOTAL 100/100; wrote the json report to {out}"]


def test_a_file_given_as_the_submission_is_named_a_file(tmp_path: Path) -> None:
    """--submission FILE: exit 2, saying it is a file, not a folder (a zip: unzip it)."""
    upload = tmp_path / "upload.zip"
    shutil.make_archive(str(tmp_path / "upload"), "zip", ENGINE_KIT / "solutions" / "demo")
    graded = run_grade("demo", "--submission", upload, kit_root=ENGINE_KIT)
    assert graded.returncode == 2
    assert f"--submission {upload} is a file, not a folder: unzip it" in graded.stderr
    plain = tmp_path / "ops.py"
    plain.write_text("x = 1\n")
    graded = run_grade("demo", "--submission", plain, kit_root=ENGINE_KIT)
    assert graded.returncode == 2 and "is a file, not a folder" in graded.stderr


@pytest.mark.parametrize(("typed", "meant"), [("dmeo", "demo"), ("demo0", "demo"),
                                              ("bacth", "batch")])
def test_a_misspelled_level_suggests_the_closest(typed: str, meant: str) -> None:
    """A misspelled level or command: exit 2, "did you mean demo?", one line."""
    graded = run_grade(typed, "--solutions", kit_root=ENGINE_KIT)
    assert graded.returncode == 2
    assert f"did you mean {meant}?" in graded.stderr
    assert len(graded.stderr.strip().splitlines()) == 1


def test_the_real_kit_suggests_level_minus_1() -> None:
    """In the kit itself, `levl-1` suggests level-1."""
    graded = run_grade("levl-1")
    assert graded.returncode == 2 and "did you mean level-1?" in graded.stderr


def _leftovers(tmp: Path) -> list[str]:
    return sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*"))


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["INT", "KILL"])
def test_an_interrupted_batch_leaves_no_grading_folder(tmp_path: Path, how: int) -> None:
    """A batch stopped (Ctrl-C, or kill -9) mid-grading, then resumed: no grading folder is
    left in the temporary folder, and the resumed batch grades every submission."""
    subs, tmp = tmp_path / "subs", tmp_path / "tmp"
    tmp.mkdir()
    shutil.copytree(ENGINE_KIT / "solutions" / "demo", subs / "alice")
    shutil.copytree(SUBMISSIONS / "hang_in_mul", subs / "bob")
    env = {**os.environ, "TEENYGRAD_KIT_ROOT": str(ENGINE_KIT), "TMPDIR": str(tmp)}
    cmd = [sys.executable, str(KIT / "grade.py"), "batch", "demo", str(subs), "--csv",
           str(tmp_path / "grades.csv"), "--unsandboxed", "--grade-py", str(KIT / "grade.py")]
    proc = subprocess.Popen(cmd, cwd=KIT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True,
                            preexec_fn=interruptible)
    deadline = time.monotonic() + 120
    while not any(p.name.startswith("grade-demo-") for p in tmp.rglob("grade-demo-*")):
        assert proc.poll() is None and time.monotonic() < deadline, _leftovers(tmp)
        time.sleep(0.05)  # a grading workspace exists: the batch is mid-grading
    if how == signal.SIGINT:
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=120) == 130
        assert _leftovers(tmp) == []
    else:
        proc.send_signal(signal.SIGKILL)  # the batch only: its grader dies with it
        proc.wait(timeout=60)
    done = subprocess.run(cmd, cwd=KIT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _leftovers(tmp) == []
    rows = (tmp_path / "grades.csv").read_text().splitlines()
    assert [row.split(",")[:2] for row in rows[1:]] == [["alice", "100"], ["bob", "80"]]


def _level0_conftest():
    import importlib.util

    path = KIT / "autograder" / "suites" / "level0" / "conftest.py"
    spec = importlib.util.spec_from_file_location("level0_conftest_under_test", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_level0_table_and_note_quote_the_same_roof() -> None:
    """A roofline measured low at first (a busy machine) and pooled with a re-measurement:
    the benchmark table's roofline row and the run's note quote the same (pooled) roof."""
    from autograder.judge.timing import ROOF_KEYS, Figure, Roofline

    conftest = _level0_conftest()

    def roofline(all_threads: float) -> Roofline:
        figures = {key: Figure(10.0, 0.01, (10.0,)) for key in ROOF_KEYS}
        figures["peak_gflops_all_threads"] = Figure(all_threads, 0.01, (all_threads,))
        return Roofline("cpu", "avx2", 2, figures)

    first, again = roofline(55.9), roofline(233.8)
    rows: list[dict] = []
    lazy: list[Roofline] = []
    notes: list[str] = []

    def record(name: str, **figures: float) -> dict:
        rows.append({"name": name, **figures})
        return rows[-1]

    roof = conftest.roof._get_wrapped_function()
    draw = conftest.draw_roofline_plot._get_wrapped_function()
    teardown = draw(lazy, [], notes.append, rows_seen := [])
    next(teardown)  # the session starts
    roof(first, lazy, record, rows_seen)  # the first performance test records the roofline
    lazy.append(first.merged(again))  # a later one re-measured it (refresh_roof)
    next(teardown, None)  # the session ends: the note is written
    (row,) = rows
    (note,) = [n for n in notes if n.startswith("roofline of this run")]
    assert row["peak_gflops_all_threads"] == 233.8
    assert "all threads: 233.8" in note
