"""Red team: what an exact score cannot show (the table of attacks is tests/fixtures/REDTEAM.md).

test_levels.py grades every `redteam_*` fixture for its exact score. The checks here add what a
score cannot express: nothing a hostile submission starts survives grading, its output cannot
flood the report, a crash is named as a crash (never a grader error) and a compile error names
the file and line. The strict xfails pin holes the red team found in the engine: each one fails
(XPASS) as soon as the hole is closed, so the mark is removed together with the fix.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
import unprivileged
from conftest import ENGINE_KIT, KIT, Graded, build_submission, run_grade, without_markers

from autograder.judge import sandbox

FIXTURES = KIT / "tests" / "fixtures"
SLEEPER = "sleeper-8675309"  # in the argv of the children redteam_runtime_attacks starts


def _pgrep(pattern: str) -> list[str]:
    """Pids of processes whose command line contains `pattern` (never this test's own)."""
    done = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
    return [pid for pid in done.stdout.split() if int(pid) != os.getpid()]


@pytest.fixture
def private_tmp() -> Iterator[Path]:
    """A TMPDIR of this test only: the workspace (and so every worker's argv) lives under it."""
    path = Path(tempfile.mkdtemp(prefix="redteam-", dir="/tmp"))
    path.chmod(0o711)  # an unprivileged worker must still reach its workspace below
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _tests(graded: Graded) -> dict[str, dict]:
    assert graded.record is not None, graded.stderr
    return {t["name"]: t for lv in graded.record["levels"] for t in lv["tests"]}


def _demo_submission(folder: Path, source: str) -> Path:
    """A demo submission in `folder` whose calc/ops.py is the reference followed by `source`
    (whose definitions replace the reference's: a source gives only what it changes)."""
    sub = folder / "calc"
    sub.mkdir(parents=True)
    shutil.copyfile(ENGINE_KIT / "solutions/demo/calc/__init__.py", sub / "__init__.py")
    reference = without_markers((ENGINE_KIT / "solutions/demo/calc/ops.py").read_text())
    (sub / "ops.py").write_text(f"{reference}\n\n# -- the red team's --\n"
                                f"{textwrap.dedent(source)}")
    return folder


def _demo(tmp_path: Path, source: str, name: str = "sub") -> Graded:
    """Grade the engine's demo level on `_demo_submission(source)`."""
    sub = _demo_submission(tmp_path / name, source)
    return run_grade("demo", "--submission", sub, kit_root=ENGINE_KIT,
                     json_out=tmp_path / f"{name}.json", timeout=300)


# -- containment ---------------------------------------------------------------------------------
def test_children_and_output_of_a_hostile_submission_are_contained(
        tmp_path: Path, private_tmp: Path) -> None:
    """100 sleeping children and 25 MB of prints: graded right, none survives, report small."""
    assert not _pgrep(SLEEPER), "sleepers of an earlier run are still alive"
    sub = build_submission(tmp_path / "sub", KIT / "solutions/level-1",
                           FIXTURES / "level-1/redteam_runtime_attacks")
    seen: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.append(len(_pgrep(SLEEPER)))
            stop.wait(0.1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        graded = run_grade("level-1", "--submission", sub, "-k", "sdot or item_numel_len",
                           json_out=tmp_path / "r.json", env={"TMPDIR": str(private_tmp)})
    finally:
        stop.set()
        watcher.join()

    tests = _tests(graded)
    assert {name: t["outcome"] for name, t in tests.items()} == {
        "test_sdot": "passed", "test_sdot_strided": "passed", "test_item_numel_len": "passed"}
    assert max(seen, default=0) > 0, "the children were never seen: this test proves nothing"
    assert not _pgrep(SLEEPER), "a child of the submission survived grading"
    assert not _pgrep(str(private_tmp)), "a worker of the run survived grading"
    output = tests["test_item_numel_len"]["output"]
    assert "bytes cut" in output and len(output) < 10_000, "the 25 MB of prints were not cut"
    assert (tmp_path / "r.json").stat().st_size < 50_000, "the report must stay small"
    assert len(graded.stdout) + len(graded.stderr) < 50_000
    assert "Traceback" not in graded.stderr


# -- level 0: one build, seven attacks -------------------------------------------------------------
@pytest.fixture(scope="module")
def kernels_graded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Graded, Path]]:
    """redteam_kernels graded once (correctness tests only: no roofline, no timing)."""
    tmp = tmp_path_factory.mktemp("kernels")
    private = Path(tempfile.mkdtemp(prefix="redteam-", dir="/tmp"))
    private.chmod(0o711)
    sub = build_submission(tmp / "sub", KIT / "solutions/level0",
                           FIXTURES / "level0/redteam_kernels")
    graded = run_grade("level0", "--submission", sub, "-k", "not speed and not bandwidth",
                       json_out=tmp / "r.json", env={"TMPDIR": str(private)})
    yield graded, private
    shutil.rmtree(private, ignore_errors=True)


def _stage(graded: Graded, stage: str) -> list[dict]:
    tests = [t for lv in graded.record["levels"] for t in lv["tests"] if t["part"] == stage]
    assert tests, f"no test of part {stage!r} ran"
    return tests


@pytest.mark.slow
def test_kernel_attacks_fail_only_their_stage(kernels_graded: tuple[Graded, Path]) -> None:
    """Each attacked kernel fails only its own stage; the untouched naive stage passes."""
    graded, private = kernels_graded
    assert graded.returncode == 1, graded.stderr  # points lost, never a grader error (3)
    assert "Traceback" not in graded.stderr
    outcomes = {t["outcome"] for lv in graded.record["levels"] for t in lv["tests"]}
    assert "grader error" not in outcomes
    assert {t["outcome"] for t in _stage(graded, "naive")} == {"passed"}
    for stage in ("blas1", "sgemv", "reordered", "blocked", "microkernel", "simd", "parallel",
                  "glue"):
        assert all(t["points"] == 0 for t in _stage(graded, stage)), stage
    assert not _pgrep(str(private)), "a worker (or the parallel kernel's thread) survived"


@pytest.mark.slow
def test_kernel_compile_error_names_the_file_and_line(kernels_graded: tuple[Graded, Path]
                                                      ) -> None:
    """blas1.rs does not compile: its tests say so with rustc's first error, file and line."""
    graded, _ = kernels_graded
    for test in _stage(graded, "blas1"):
        assert test["outcome"] == "did not compile", test
        assert re.search(r"mismatched types \(blas1\.rs:\d+\)", test["message"]), test["message"]
    notes = graded.record["levels"][0]["notes"]
    assert any("blas1.rs did not compile: mismatched types" in note for note in notes), notes


@pytest.mark.slow
def test_kernel_crashes_are_named_crashes(kernels_graded: tuple[Graded, Path]) -> None:
    """Out-of-bounds write, stack overflow, memory bomb: "crashed"; a panic: a failure."""
    graded, _ = kernels_graded
    for stage in ("reordered", "blocked", "simd"):  # OOB write, recursion, allocation failure
        assert {t["outcome"] for t in _stage(graded, stage)} == {"crashed"}, stage
    for test in _stage(graded, "sgemv"):
        assert test["outcome"] == "failed" and "kernel panicked" in test["message"], test
    for test in _stage(graded, "microkernel"):  # extern "C", #[link], std::process
        assert test["outcome"] == "banned import", test
        assert "sgemm_microkernel.rs" in test["message"], test
    notes = "\n".join(graded.record["levels"][0]["notes"])  # every violation is listed there
    assert all(word in notes for word in ("extern", "#[link", "std::process")), notes


# -- holes the red team found, now closed: regression tests (a strict xfail marks one still open) --
def test_a_banned_import_from_a_thread_is_banned(tmp_path: Path) -> None:
    """A banned module imported by a thread the student started is still a banned import."""
    graded = _demo(tmp_path, """
        import importlib
        import sys
        import threading


        def add(a, b):
            thread = threading.Thread(target=importlib.import_module, args=("sqlite3",))
            thread.start()
            thread.join()
            db = sys.modules["sqlite3"].connect(":memory:")
            return float(db.execute("select ? + ?", (a, b)).fetchone()[0])


        def mul(a, b):
            return a * b


        def safe_div(a, b):
            if b == 0:
                raise ValueError("division by zero")
            return a / b
    """)
    assert _tests(graded)["test_add"]["outcome"] == "banned import"


def test_a_swallowed_banned_import_is_reported_as_banned(tmp_path: Path) -> None:
    """An attempt the student caught still fails the test as "banned import"."""
    graded = _demo(tmp_path, """
        def add(a, b):
            return a + b


        def mul(a, b):
            try:
                import sqlite3  # noqa: F401
            except ImportError:
                pass
            return a * b


        def safe_div(a, b):
            if b == 0:
                raise ValueError("division by zero")
            return a / b
    """)
    test = _tests(graded)["test_mul"]
    assert test["points"] == 0  # the verdict is right today; only the outcome is not
    assert test["outcome"] == "banned import", test


def _git_sees(path: str) -> bool:
    if shutil.which("git") is None:
        return False
    done = subprocess.run(["git", "-C", str(KIT), "cat-file", "-e", f"HEAD:{path}"],
                          capture_output=True)
    return done.returncode == 0


DEMO_SOLUTION = "tests/engine_kit/solutions/demo/calc/ops.py"


@pytest.mark.skipif(os.geteuid() != 0, reason="hiding files from the worker needs root")
@pytest.mark.skipif(not _git_sees(DEMO_SOLUTION), reason="the kit is not a git checkout")
def test_the_worker_cannot_read_solutions_from_git(tmp_path: Path) -> None:
    """The solutions hidden from the worker cannot be read back from the kit's git history."""
    graded = _demo(tmp_path, f"""
        import os
        import subprocess

        import autograder

        KIT = os.path.dirname(os.path.dirname(os.path.abspath(autograder.__file__)))


        def add(a, b):
            return a + b


        def mul(a, b):
            return a * b


        def safe_div(a, b):
            done = subprocess.run(["git", "-c", "safe.directory=*", "-C", KIT, "show",
                                   "HEAD:{DEMO_SOLUTION}"], capture_output=True, text=True)
            if done.returncode != 0:
                return 0.0  # nothing stolen: a wrong answer
            scope = {{}}
            exec(done.stdout, scope)
            return scope["safe_div"](a, b)
    """)
    assert _tests(graded)["test_div"]["outcome"] == "failed"


@pytest.mark.skipif(os.geteuid() != 0, reason="the PID namespace needs root")
def test_a_segfault_is_named_under_the_pid_namespace(tmp_path: Path) -> None:
    """A segmentation fault is reported as one, not as "did your code call sys.exit"."""
    sub = build_submission(tmp_path / "sub", ENGINE_KIT / "solutions/demo",
                           ENGINE_KIT / "submissions/segfault_in_div")
    graded = run_grade("demo", "--submission", sub, kit_root=ENGINE_KIT,
                       json_out=tmp_path / "r.json")
    message = _tests(graded)["test_div"]["message"]
    assert "segmentation fault" in message and "sys.exit" not in message, message


FORGED_INIT = '''\
"""probability, forging the probe that checks counting.py for itertools."""
import io
import sys

_probes = sys.modules.get("autograder.probes.level_minus2")
if _probes is not None:
    _real_open = open

    def _open(path, *args, **kwargs):
        if str(path).endswith("counting.py"):
            return io.StringIO("def permutations(items):\\n    ...\\n")
        return _real_open(path, *args, **kwargs)

    class _Forgetful(dict):
        def __setitem__(self, key, value):
            pass

    _probes.open = _open           # shadows the builtin inside the probe `source`
    _probes._calls = _Forgetful()  # the run-time itertools watch records nothing
'''
FORGED_COUNTING = '''\
import itertools


def permutations(items):
    return [list(p) for p in itertools.permutations(items)]


def combinations(items, k):
    return [list(c) for c in itertools.combinations(items, k)]
'''


def test_a_forged_probe_cannot_hide_itertools(tmp_path: Path) -> None:
    """counting.py with itertools gets 0 even when probability/__init__.py forges the probe."""
    sub = tmp_path / "sub" / "probability"
    sub.mkdir(parents=True)
    (sub / "__init__.py").write_text(FORGED_INIT)
    (sub / "counting.py").write_text(FORGED_COUNTING)
    graded = run_grade("level-2", "--submission", sub.parent, "-k", "counting",
                       json_out=tmp_path / "r.json")
    assert graded.record is not None, graded.stderr
    assert graded.record["points"] == 0, _tests(graded)


#: The demo's three functions, each right only while `guard()` is true: how an attack below
#: reports what it found through the grade.
GUARDED_OPS = """
def add(a, b):
    return a + b if {guard}() else 0.0


def mul(a, b):
    return a * b if {guard}() else 0.0


def safe_div(a, b):
    if b == 0:
        raise ValueError("division by zero")
    return a / b if {guard}() else 0.0
"""


# -- what a worker inherits from the grader ------------------------------------------------------
#: keyctl(2)'s number (no libc wraps it) and the calls used below.
KEYCTL = {"x86_64": 250, "aarch64": 219}.get(platform.machine())
ADD_KEY = {"x86_64": 248, "aarch64": 217}.get(platform.machine())
KEYCTL_JOIN, KEYCTL_SEARCH, SESSION_KEYRING = 1, 10, -3

#: Run as `python KEYRING_GRADER GRADE_PY ARGS...`: a login's session keyring holding a secret
#: (as SSH or PAM give one), then grade.py in it. Exit 3 when this kernel has no keyrings.
KEYRING_GRADER = f'''
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall({KEYCTL}, {KEYCTL_JOIN}, b"teenygrad-login")
libc.syscall({ADD_KEY}, b"user", b"grader-secret", b"s3cret", 6, {SESSION_KEYRING})
if libc.syscall({KEYCTL}, {KEYCTL_SEARCH}, {SESSION_KEYRING}, b"user", b"grader-secret", 0) < 0:
    sys.exit(3)
os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
'''

#: A demo submission that looks for the grader's key and for a key an earlier worker left, and
#: leaves one itself: a right answer only when it finds neither.
KEYRING_STUDENT = f'''
import ctypes

_libc = ctypes.CDLL(None, use_errno=True)
_mine = []


def _found(name):
    return _libc.syscall({KEYCTL}, {KEYCTL_SEARCH}, {SESSION_KEYRING}, b"user", name, 0) >= 0


def _clean():
    seen = _found(b"grader-secret") or (_found(b"left-behind") and not _mine)
    if not _mine:
        _libc.syscall({ADD_KEY}, b"user", b"left-behind", b"x", 1, {SESSION_KEYRING})
        _mine.append(1)
    return not seen

''' + GUARDED_OPS.format(guard="_clean")


@pytest.mark.skipif(KEYCTL is None, reason=f"keyctl's number on {platform.machine()} unknown")
def test_workers_have_keyrings_of_their_own(tmp_path: Path) -> None:
    """Graded from a login's session keyring, student code finds neither the login's keys nor
    a key that an earlier test's worker left: every worker starts with an empty one."""
    sub = _demo_submission(tmp_path / "sub", KEYRING_STUDENT)
    (tmp_path / "grader.py").write_text(KEYRING_GRADER)
    env = {**os.environ, "TEENYGRAD_KIT_ROOT": str(ENGINE_KIT), "TEENYGRAD_HISTORY": "off"}
    done = subprocess.run(
        [sys.executable, tmp_path / "grader.py", KIT / "grade.py", "demo", "--submission",
         sub, "--quiet", "--format", "json", "--output", tmp_path / "r.json"],
        cwd=KIT, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode == 3 and not (tmp_path / "r.json").exists():
        pytest.skip("this kernel gives no session keyrings")
    record = json.loads((tmp_path / "r.json").read_text())
    tests = {t["name"]: t["outcome"] for lv in record["levels"] for t in lv["tests"]}
    assert len(tests) > 2 and set(tests.values()) == {"passed"}, tests


#: Run as an ordinary user: what a submission can leave in its worker's folder (a read-only
#: folder holding a link to a file of the grader's), then the judge's clean-up of that folder.
LINK_IN_LOCKED_FOLDER = '''
import os, sys
from pathlib import Path
from autograder.judge.processes import remove_tree
top, victim = Path(sys.argv[1]), Path(sys.argv[2])
victim.write_text("the grader's"); victim.chmod(0o644)
(top / "locked").mkdir(parents=True)
os.symlink(victim, top / "locked" / "link")
(top / "locked").chmod(0o500)
remove_tree(top)
print(oct(victim.stat().st_mode & 0o777), top.exists())
'''


@pytest.mark.skipif(bool(unprivileged.missing_tools()), reason=unprivileged.missing_tools())
def test_cleaning_up_never_changes_a_file_through_a_link(tmp_path: Path) -> None:
    """Graded as an ordinary user, the judge unlocks what a worker locked to delete it; a link
    in a locked folder must not make it change the mode of the file it points to."""
    folder = unprivileged.user_dir("cleanup-")
    try:
        done = subprocess.run(
            unprivileged.wrap([sys.executable, "-c", LINK_IN_LOCKED_FOLDER, str(folder / "home"),
                               str(folder / "victim")]),
            capture_output=True, text=True, timeout=120, cwd=KIT,
            env={**os.environ, "PYTHONPATH": str(KIT)})
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["0o644", "False"], done.stdout
    finally:
        shutil.rmtree(folder, ignore_errors=True)


#: A demo submission that runs another program, or finds one to run: a right answer only when
#: the worker's view holds none (the host's own Python has `array` built in, for one).
PROGRAM_RUNNER = '''
import os, shutil, subprocess

PROGRAMS = ("sh", "env", "perl", "awk", "python3", "uname")


def _none_found():
    found = [p for p in PROGRAMS if shutil.which(p, path="/usr/bin:/bin:/usr/sbin:/sbin:"
                                                   + os.environ.get("PATH", ""))]
    try:
        subprocess.run(["sh", "-c", "true"], check=True)
        found.append("sh ran")
    except OSError:
        pass
    return not found

''' + GUARDED_OPS.format(guard="_none_found")


@pytest.mark.skipif(not sandbox.probe().confined, reason=sandbox.probe().note())
def test_a_worker_finds_no_program_to_run(tmp_path: Path) -> None:
    """Student code finds no program in its view (a shell, another Python, perl): each would
    run code outside the level's rules. Only its own interpreter is there."""
    graded = _demo(tmp_path, PROGRAM_RUNNER)
    tests = _tests(graded)
    assert len(tests) > 2 and {t["outcome"] for t in tests.values()} == {"passed"}, tests


# -- the fork server -------------------------------------------------------------------------------
#: A demo submission that goes for the process its worker was forked from, the fork server
#: (the same user): `add` tries to read its memory and to trace it (a right answer only if
#: both fail), and for a negative `a` kills it; `mul` stops it (SIGSTOP); `safe_div` finds out
#: whether an earlier test's files (in its home, /tmp) or shared memory segment are still there
#: (a wrong answer if so), leaves its own, and a process that stops the server every millisecond.
SERVER_ATTACKS = '''
import ctypes, os, signal, time


def _server_out_of_reach():
    parent = os.getppid()
    try:
        with open(f"/proc/{parent}/mem", "rb") as memory:
            memory.read(1)
        return False
    except OSError:
        pass
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.ptrace(16, parent, 0, 0) == 0:  # PTRACE_ATTACH
        libc.ptrace(17, parent, 0, 0)
        return False
    return True


def add(a, b):
    answer = a + b if _server_out_of_reach() else float("nan")
    if a < 0:
        os.kill(os.getppid(), signal.SIGKILL)
    return answer


def mul(a, b):
    os.kill(os.getppid(), signal.SIGSTOP)
    return a * b


def safe_div(a, b):
    marks = [os.path.join(os.environ["HOME"], "left-by-safe-div"), "/tmp/left-by-safe-div"]
    libc = ctypes.CDLL(None, use_errno=True)
    segment = 0x7E57D1F  # a System V shared memory key
    found = any(os.path.exists(mark) for mark in marks) or libc.shmget(segment, 0, 0) >= 0
    for mark in marks:
        open(mark, "w").close()
    libc.shmget(segment, 4096, 0o1600)  # IPC_CREAT | 0600
    server = os.getppid()
    if os.fork() == 0:
        os.setsid()
        while True:
            os.kill(server, signal.SIGSTOP)
            time.sleep(0.001)
    if found:
        return float("nan")
    if b == 0:
        raise ValueError("division by zero")
    return a / b
'''


def _demo_as_user(source: str) -> dict:
    """The JSON record of the demo level graded on `_demo_submission(source)` by an ordinary
    user (see tests/unprivileged.py)."""
    work = unprivileged.user_dir("redteam-user-")
    try:
        sub = _demo_submission(work / "sub", source)
        for path in [work, *work.rglob("*")]:
            unprivileged.give(path)
        env = {**unprivileged.user_environment(unprivileged.user_dir("grader-home-"),
                                               unprivileged.user_dir("grader-cache-")),
               "TEENYGRAD_KIT_ROOT": str(ENGINE_KIT)}
        out = work / "r.json"
        done = subprocess.run(
            unprivileged.wrap([sys.executable, str(KIT / "grade.py"), "demo", "--submission",
                               str(sub), "--format", "json", "--output", str(out), "--quiet"]),
            capture_output=True, text=True, timeout=300, cwd=work, env=env)
        assert out.is_file(), done.stderr
        return json.loads(out.read_text())
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.mark.skipif(not sandbox.fork_server_allowed(), reason="no fork server here")
@pytest.mark.parametrize("who", ["root", "user"])
def test_attacks_on_the_fork_server_change_no_other_test(tmp_path: Path, who: str) -> None:
    """Each test's worker is forked from one server per grading: a test's code cannot read or
    trace it, and stopping it, killing it, or leaving files and a process behind changes no
    later test's verdict (the judge lets a stopped server go on, replaces a dead one, and the
    server clears the sandbox before each fork); graded by root and by an ordinary user."""
    if who == "user" and unprivileged.missing_tools():
        pytest.skip(f"cannot grade as an ordinary user: {unprivileged.missing_tools()}")
    if who == "root" and os.geteuid() != 0:
        pytest.skip("the grader is not root here")
    if who == "user":
        tests = {t["name"]: t for lv in _demo_as_user(SERVER_ATTACKS)["levels"]
                 for t in lv["tests"]}
    else:
        tests = _tests(_demo(tmp_path, SERVER_ATTACKS))
    outcomes = {name: t["outcome"] for name, t in tests.items()}
    assert {n: outcomes[n] for n in ("test_add", "test_mul", "test_div", "test_div_zero")} \
        == dict.fromkeys(("test_add", "test_mul", "test_div", "test_div_zero"), "passed"), outcomes
    # The test whose code killed the server killed its own worker with it: its own verdict.
    assert outcomes["test_add_negative"] in ("passed", "crashed"), outcomes


# -- replies forged on the worker's pipe -----------------------------------------------------------
#: A demo submission that writes its own replies to the judge: `add` a frame whose JSON nests
#: past any recursion limit, `mul` an error megabytes long, full of terminal escapes.
FORGED_REPLIES = '''
import os, struct

ESCAPES = "\\x1b[1A\\x1b[2K\\x1b[32m  passed 3/3\\x1b]0;owned\\x07\\x00"


def _reply_pipe():
    # The write end of a pipe that is not stdout or stderr: the worker's reply channel, found
    # as any code could find it (its number is not the same for every kind of worker).
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:"):
            flags = open(f"/proc/self/fdinfo/{fd}").read().split("flags:")[1].split()[0]
            if int(flags, 8) & os.O_WRONLY:
                return fd
    raise RuntimeError("no reply pipe")


def _write(frame):
    os.write(_reply_pipe(), frame)
    os._exit(0)


def _forge(header):
    _write(struct.pack("<IQ", len(header), 0) + header)


def add(a, b):
    _forge(b"[" * 200_000 + b"]" * 200_000)


def mul(a, b):
    error = {"kind": "exception", "type": ESCAPES, "message": ESCAPES * 200_000,
             "where": ESCAPES, "function": ESCAPES, "traceback": ESCAPES * 200_000}
    from autograder.worker.codec import encode  # the worker's own: a well-formed frame
    _write(encode({"ok": False, "error": error}))
'''


def test_forged_replies_are_the_students_failure(tmp_path: Path) -> None:
    """A reply the student's code forged fails its test, as a crash or a failure, never as a
    grader error; its text is cut and its escapes shown, not sent to a terminal or into XML."""
    graded = _demo(tmp_path, FORGED_REPLIES)
    tests = _tests(graded)
    outcomes = {name: t["outcome"] for name, t in tests.items()}
    assert {outcomes[n] for n in outcomes if "add" in n} == {"crashed"}, outcomes
    assert {outcomes[n] for n in outcomes if "mul" in n} == {"failed"}, outcomes
    assert {outcomes[n] for n in outcomes if "div" in n} == {"passed"}, outcomes
    assert graded.returncode == 1, graded.stderr
    assert (tmp_path / "sub.json").stat().st_size < 200_000, "the forged error was not cut"
    texts = [str(t[key]) for t in tests.values() for key in ("message", "detail", "output")]
    assert not any("\x1b" in text or "\x07" in text for text in texts), "escapes got through"
    assert any("\\x1b[" in text for text in texts), "the escapes were dropped, not shown"
    junit = tmp_path / "r.xml"
    sub = tmp_path / "sub"
    done = run_grade("demo", "--submission", sub, "--format", "junit", "--output", junit,
                     kit_root=ENGINE_KIT, timeout=300)
    assert done.returncode == 1, done.stderr
    ElementTree.parse(junit)  # well-formed XML


def test_a_number_beyond_any_float_is_a_wrong_answer(tmp_path: Path) -> None:
    """An int of 400 digits where a probability belongs fails its tests, not the grader."""
    sub = build_submission(tmp_path / "sub", KIT / "solutions/level-2", tmp_path / "none")
    path = sub / "probability/estimation.py"
    text = path.read_text()
    bernoulli = 'must be 0 or 1")\n    return float(x.mean())\n'
    assert text.count(bernoulli) == 1
    path.write_text(text.replace(bernoulli, 'must be 0 or 1")\n    return 10**400\n'))
    graded = run_grade("level-2", "--submission", sub, "-k", "mle", json_out=tmp_path / "r.json")
    outcomes = {name: t["outcome"] for name, t in _tests(graded).items()}
    assert "failed" in outcomes.values() and "grader error" not in outcomes.values(), outcomes
    assert graded.returncode == 1, graded.stderr


#: A demo submission that writes 300 MB into its working folder (its home), in files under the
#: per-file limit: a right answer only when its folder is writable and the writing is stopped.
DISK_FILLER = '''
import os


def _stopped():
    chunk, written = b"x" * (1 << 20), 0
    try:
        for i in range(3):
            with open(f"fill-{i}", "wb") as out:
                for _ in range(100):
                    out.write(chunk)
                    written += len(chunk)
    except OSError:
        return written >= (1 << 20)
    return False


def add(a, b):
    return a + b if _stopped() else 0.0

'''


@pytest.mark.skipif(not sandbox.probe().confined, reason=sandbox.probe().note())
def test_a_worker_cannot_fill_the_disk(tmp_path: Path) -> None:
    """What a worker writes in its home counts against a limit (there 256 MB), not the host's
    disk: 300 MB of files, each under the per-file limit, are stopped."""
    tests = _tests(_demo(tmp_path, DISK_FILLER))
    assert {n: t["outcome"] for n, t in tests.items() if "add" in n} == {
        "test_add": "passed", "test_add_negative": "passed"}, tests
