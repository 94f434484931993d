"""Grade one level: build the workspace, preflight imports, run the suites, collect results."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy  # noqa: F401 - loads numpy's BLAS, so that threadpool_limits below reaches it
import pytest
from threadpoolctl import threadpool_limits

from autograder.judge import sandbox
from autograder.judge.build import build_maturin
from autograder.judge.bytecode import compile_student_modules, compile_worker_modules
from autograder.judge.client import WorkerClient, WorkerSpec
from autograder.judge.errors import (
    GraderError,
    StudentError,
    StudentStop,
    WorkerCrashed,
    WorkerTimeout,
)
from autograder.judge.forkserver import ForkServer
from autograder.judge.forkserver import enabled as fork_server_enabled
from autograder.judge.plugin import GradingPlugin, RunContext, new_result
from autograder.judge.processes import prepare_for_nobody
from autograder.judge.static_checks import scan_workspace
from autograder.judge.swap import ENV as SWAP_ENV
from autograder.judge.swap import read_swap
from autograder.judge.workspace import Source, Workspace, build_workspace
from autograder.levels import Level
from autograder.report.record import LevelResult, Outcome, TestResult

JUDGE_INI = Path(__file__).with_name("pytest.ini")


@dataclass
class GradeOptions:
    """Choices of one run that are not part of the level."""

    keyword: str | None = None
    public_only: bool = False
    list_only: bool = False
    progress: Callable[[TestResult, int, int], None] | None = None
    on_stage: Callable[[str], None] | None = None


def worker_spec(level: Level, ws: Workspace) -> WorkerSpec:
    """The worker settings of a level's run: its limits, bans and packages, and the sandbox
    (unconfined as root, the workspace is made readable for `nobody` instead). A level whose
    parts are swapped in one at a time tells the worker which are, and adds the packages of
    the kit's stand-in while one it stands in for is not."""
    box = sandbox.probe()
    compile_worker_modules()  # each worker imports them: compiled once here, not in each
    if not box.confined:
        prepare_for_nobody(ws.root, [ws.student, *ws.extra_paths])
    swap = read_swap(level, ws.student)
    packages = list(dict.fromkeys([*level.worker_packages, *(swap.kit_packages if swap else ())]))
    env = {SWAP_ENV: ",".join(swap.swapped)} if swap else {}
    return WorkerSpec(workspace=ws.student, scratch=ws.scratch, extra_paths=ws.extra_paths,
                      banned_imports=list(level.banned_imports), env=env,
                      packages=packages, preload=list(level.preload),
                      call_timeout=level.limits.call_timeout, memory_mb=level.limits.memory_mb,
                      cpu_seconds=level.limits.cpu_seconds, sandbox=box,
                      blocker=sandbox.write_blocker(ws.root))


def preflight(level: Level, spec: WorkerSpec, server: ForkServer | None = None
              ) -> dict[str, StudentStop]:
    """Import each student module once; those that hang or kill the worker block their parts
    (as a student file the build blocked does: see `build_maturin`).

    A worker that cannot even start (before any student code runs) is the kit's fault.
    """
    blocked: dict[str, StudentStop] = {}
    modules = dict.fromkeys(m for part in level.parts.values() for m in part.modules)
    client = WorkerClient(spec, name="preflight", server=server)
    try:
        try:
            client.start()
        except StudentStop as exc:
            raise GraderError(f"{level.id}: the worker could not start: {exc}") from None
        for module in modules:
            try:
                client.import_module(module)
            except (WorkerTimeout, WorkerCrashed) as stop:
                stop.message = f"importing {module}: {stop.message}"
                blocked[module] = stop
            except (StudentError, StudentStop):
                pass  # an ordinary failure: each test that needs the module reports it quickly
    finally:
        client.close()
    return blocked


def _pytest_args(level: Level, options: GradeOptions) -> list[str]:
    suites = [level.suites_dir / "public"]
    if not options.public_only and (level.suites_dir / "hidden").is_dir():
        suites.append(level.suites_dir / "hidden")
    args = [str(s) for s in suites if s.is_dir()]
    if not args:
        raise GraderError(f"{level.id}: no graded suites under {level.suites_dir}")
    # --confcutdir: only the level's own conftest.py files, never one above its suites (the
    # kit's tests/conftest.py, when the kit's tests grade their demo level).
    args += ["-c", str(JUDGE_INI), "--rootdir", str(level.root),
             "--confcutdir", str(level.suites_dir), "-p", "no:terminal",
             "-p", "no:cacheprovider", "-p", "no:benchmark", "--import-mode=importlib",
             "-o", f"timeout={level.limits.test_timeout}", "-W", "ignore::DeprecationWarning",
             # a Ctrl-C swallowed in a gc callback is the judge's to raise again (see
             # interrupt.py), not a warning with a traceback for the student
             "-p", "no:unraisableexception"]
    if options.keyword:
        args += ["-k", options.keyword]
    if options.list_only:
        args.append("--collect-only")
    return args


def _run_suites(level: Level, spec: WorkerSpec, options: GradeOptions,
                blocked: dict[str, StudentStop], server: ForkServer | None = None
                ) -> RunContext:
    ctx = RunContext(level=level, spec=spec, server=server, blocked=blocked,
                     progress=options.progress, public_only=options.public_only)
    # The judge's own numpy work (references, checks of timed outputs) on one BLAS thread:
    # OpenBLAS's idle threads spin for a while after each call, and would steal a core from
    # the student's next timed run.
    with threadpool_limits(limits=1, user_api="blas"):
        code = pytest.main(_pytest_args(level, options), plugins=[GradingPlugin(ctx)])
    if ctx.errors:
        raise GraderError(f"{level.id}: " + "; ".join(ctx.errors[:5]))
    if code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        raise GraderError(f"{level.id}: pytest stopped with {code!r}")
    # Ctrl-C: pytest stops and returns; the tests that finished are kept (and marked so).
    ctx.interrupted = code == pytest.ExitCode.INTERRUPTED
    return ctx


def grade_level(level: Level, source: Source, options: GradeOptions | None = None) -> LevelResult:
    """Grade `level` on the student files from `source`."""
    options = options or GradeOptions()
    started = time.monotonic()
    result = LevelResult(level=level.id, title=level.title, source=source.label(),
                         public_only=options.public_only
                         or not (level.suites_dir / "hidden").is_dir())
    ws = build_workspace(level, source)
    server: ForkServer | None = None
    try:
        result.ignored_files, result.missing_files = ws.ignored, ws.missing
        if ws.layout is not None:  # a submission: say how its folder was read
            result.layout = ws.layout.kind.value + (f" in {ws.layout.base}/" if ws.layout.base
                                                    else "")
            result.notes.append(ws.layout.describe())
        blocked: dict[str, StudentStop] = {}  # by file key (the build), module (preflight)
        if level.build.get("kind") == "maturin" and not options.list_only:
            if options.on_stage:
                options.on_stage("building the Rust crate (maturin build --release)")
            blocked = build_maturin(level, ws)
        # Borrowed files are scanned by their own level (level 1's `import numpy` is the capstone's
        # numpy stand-in); the worker's import audit still stops a real banned import in them.
        result.notes += scan_workspace(ws.student, level.own_keys(ws.keys), level.banned_imports)
        spec = worker_spec(level, ws)
        if spec.sandbox.note():
            result.notes.append(spec.sandbox.note())
        swap = read_swap(level, ws.student)
        if swap is not None:  # a part not swapped in: its tests end at once, no worker
            blocked |= {f"part {p}": swap.stop(level, p) for p in swap.waiting}
            if swap.note(level):
                result.notes.append(swap.note(level))
        if not options.list_only:
            compile_student_modules(ws.student, spec.sandbox)
            server = ForkServer(spec) if fork_server_enabled(spec) else None
            blocked |= preflight(level, spec, server)
        ctx = _run_suites(level, spec, options, blocked, server)
        if options.list_only:
            result.tests = [new_result(item) for item in ctx.collected]
            for test in result.tests:
                test.outcome = Outcome.LISTED
        else:
            result.tests, result.benchmarks = ctx.results, ctx.benchmarks
        if ctx.interrupted:
            result.incomplete = True
            done = len(ctx.results)
            result.notes.append(f"interrupted: {done} finished test{'s' * (done != 1)} graded, "
                                "the rest not run; this report is incomplete")
        result.notes += ws.notes + ctx.notes
        result.summarize_parts({p.id: p.title for p in level.parts.values()})
    finally:
        if server is not None:
            server.shutdown()
        ws.cleanup()
    result.duration = time.monotonic() - started
    return result
