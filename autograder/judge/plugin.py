"""The judge as a pytest plugin: markers, the `student` fixture, scoring and result records.

pytest runs the graded suites in the judge process; this plugin gives each test a fresh worker,
turns each test's outcome into a `TestResult` (points, a one-line reason a student can act on,
the full detail for `-v`), and checks that the suites' points match the manifest.
"""

from __future__ import annotations

import importlib
import os
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, Verbosity, is_hypothesis_test, seed, settings

from autograder.judge import examples, interrupt
from autograder.judge.api import Student
from autograder.judge.client import WorkerClient, WorkerSpec
from autograder.judge.errors import StudentError, StudentStop
from autograder.judge.forkserver import ForkServer
from autograder.levels import Level
from autograder.report.record import Outcome, TestResult

MARKERS = {
    "points(n)": "the test's weight in points (required)",
    "part(id)": "the manifest part the test belongs to (required)",
}
#: Environment variable: an integer that seeds every hypothesis test of a grading run instead
#: of the grading profile's fixed (derandomized) draw, to see what other draws catch.
SEED_ENV = "TEENYGRAD_HYPOTHESIS_SEED"
OUTPUT_KEY = pytest.StashKey[str]()
PARTIAL_KEY = pytest.StashKey[tuple[float, str]]()
CALL_KEY = pytest.StashKey[tuple[str, list, dict] | None]()
EXAMPLE_KEY = pytest.StashKey[list[tuple[str, Any]]]()


@dataclass
class RunContext:
    """What the plugin needs from the runner, and what it hands back."""

    level: Level
    spec: WorkerSpec
    #: The grading's fork server, which forks each test's worker (None: a sandbox per worker).
    server: ForkServer | None = None
    #: Why a student module or file cannot be used (a hanging import, a file not built or not
    #: compiling), by module name or file key: every test of a part that needs it ends so;
    #: `part <id>` blocks a whole part (one not swapped in: autograder.judge.swap).
    blocked: dict[str, StudentStop] = field(default_factory=dict)
    progress: Callable[[TestResult, int, int], None] | None = None
    results: list[TestResult] = field(default_factory=list)
    benchmarks: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    collected: list[pytest.Item] = field(default_factory=list)
    pending: dict[str, TestResult] = field(default_factory=dict)
    #: Only the public suites run (`--public-only`): a part's points then cannot add up to
    #: the manifest's, which counts its hidden tests too.
    public_only: bool = False
    interrupted: bool = False  # pytest was stopped by Ctrl-C (set by the runner)


class BlockedClient:
    """Stands in for a worker when a module or file the test's part needs is blocked: the
    first call ends the test with the reason, and no worker is started."""

    def __init__(self, reason: StudentStop, cause: str = "") -> None:
        self.reason = reason
        self.cause = reason.cause or cause

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise type(self.reason)(self.reason.message, self.reason.detail, self.cause)

        return fail


def classify(excinfo: pytest.ExceptionInfo) -> tuple[Outcome, str, str]:
    """(outcome, one-line message, detail) of a failed test phase."""
    exc: BaseException = excinfo.value
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    notes = "\n".join(str(n) for n in getattr(exc, "__notes__", []))
    if isinstance(exc, StudentStop):
        return exc.outcome, exc.message, "\n".join(filter(None, [exc.detail, notes]))
    if isinstance(exc, StudentError):
        return Outcome.FAILED, exc.summary(), "\n".join(filter(None, [exc.traceback, notes]))
    if isinstance(exc, AssertionError):
        text = str(exc).strip() or "assertion failed"
        return Outcome.FAILED, text.splitlines()[0], "\n".join(filter(None, [text, notes]))
    if isinstance(exc, pytest.fail.Exception) and "Timeout" in str(exc):
        return Outcome.TIMED_OUT, f"the test took longer than its limit ({exc})", ""
    if isinstance(exc, pytest.skip.Exception):
        return Outcome.SKIPPED, str(exc), ""
    text = excinfo.getrepr(style="short", chain=False)
    return Outcome.GRADER_ERROR, f"{type(exc).__name__}: {exc}"[:300], str(text)


def new_result(item: pytest.Item) -> TestResult:
    """A blank result for a collected test, titled by its docstring's first paragraph."""
    points = item.get_closest_marker("points")
    part = item.get_closest_marker("part")
    doc = getattr(getattr(item, "function", None), "__doc__", "") or ""
    return TestResult(
        nodeid=item.nodeid, name=item.name,
        # The first paragraph, which may run over several lines of the docstring.
        title=" ".join(doc.strip().split("\n\n")[0].split()) if doc.strip() else item.name,
        part=part.args[0] if part else "", max_points=float(points.args[0]) if points else 0.0,
        hidden="/hidden/" in str(item.path))


class GradingPlugin:
    """Registered into `pytest.main` by the runner for one level."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self._spare: WorkerClient | None = None
        #: The level's foundation check, made once a run: [(cause, sentence) or None].
        self._foundation: list[tuple[str, str] | None] = []

    # -- configuration ---------------------------------------------------------------------
    def pytest_configure(self, config: pytest.Config) -> None:
        for name, help_text in MARKERS.items():
            config.addinivalue_line("markers", f"{name}: {help_text}")
        settings.register_profile(
            # One failure per test: hypothesis then stops at the first failing explicit
            # example, so the report's message, smallest input and call to paste are all of
            # that one (with several, the message was the first's and the input the last's).
            "grading", derandomize=True, database=None, deadline=None, print_blob=False,
            max_examples=50, verbosity=Verbosity.quiet, report_multiple_bugs=False,
            phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                   HealthCheck.data_too_large, HealthCheck.filter_too_much])
        settings.load_profile("grading")

    def _seed_hypothesis(self, items: list[pytest.Item]) -> None:
        """With `TEENYGRAD_HYPOTHESIS_SEED` set, seed every hypothesis test with it (hypothesis's
        `@seed`, which takes precedence over `derandomize`) and say so in the report."""
        raw = os.environ.get(SEED_ENV, "").strip()
        if not raw:
            return
        try:
            value = int(raw)
        except ValueError:
            self.ctx.errors.append(f"{SEED_ENV} must be an integer, got {raw!r}")
            return
        for item in items:
            test = getattr(getattr(item, "obj", None), "__func__", getattr(item, "obj", None))
            if test is not None and is_hypothesis_test(test):
                seed(value)(test)
        self.ctx.notes.append(f"hypothesis seeded with {value} ({SEED_ENV}), not the fixed draw")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.ctx.errors.append(f"could not collect {report.nodeid}: {report.longreprtext}")

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        """Check every test's markers against the manifest before -k deselects any; `-k` with
        a part's id or a test's id (as the report and `--list` show them) selects exactly that
        part's tests or that test."""
        level, sums = self.ctx.level, defaultdict(float)
        for item in items:
            points, part = item.get_closest_marker("points"), item.get_closest_marker("part")
            if points is None or part is None:
                self.ctx.errors.append(f"{item.nodeid}: needs both @points and @part markers")
            elif part.args[0] not in level.parts:
                self.ctx.errors.append(f"{item.nodeid}: unknown part {part.args[0]!r}")
            else:
                sums[part.args[0]] += float(points.args[0])
        has_hidden = (level.suites_dir / "hidden").is_dir() and not self.ctx.public_only
        for part in level.parts.values():
            if has_hidden and abs(sums[part.id] - part.points) > 1e-9:
                self.ctx.errors.append(
                    f"part {part.id!r}: tests total {sums[part.id]:g} points, manifest says "
                    f"{part.points:g}")
        self._seed_hypothesis(items)
        for item in items:
            examples.record_examples(item)
        keyword = (config.option.keyword or "").strip()
        # pytest's -k matches substrings (a test's id would also pick every test whose name
        # holds it), so a part's id or a test's id selects exactly its tests.
        if keyword in level.parts or keyword in {i.name for i in items}:
            marker = {id(i): i.get_closest_marker("part") for i in items}
            chosen = [i for i in items if i.name == keyword
                      or marker[id(i)] and marker[id(i)].args[0] == keyword]
            config.hook.pytest_deselected(items=[i for i in items if i not in chosen])
            items[:] = chosen
            config.option.keyword = ""
        if self.ctx.errors:
            items[:] = []

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.ctx.collected = list(session.items)

    # -- fixtures --------------------------------------------------------------------------
    @pytest.fixture
    def student(self, request: pytest.FixtureRequest) -> Iterator[Student]:
        """A worker running the student's code, fresh for this test."""
        marker = request.node.get_closest_marker("part")
        part = self.ctx.level.parts[marker.args[0]] if marker else None
        needs = (f"part {part.id}", *part.modules, *part.files) if part else ()
        blocked = next((n for n in needs if n in self.ctx.blocked), None)
        if blocked is not None:
            yield BlockedClient(self.ctx.blocked[blocked], cause=f"`{blocked}`")
            return
        client = self._take_worker()
        try:
            yield client
        finally:
            request.node.stash[OUTPUT_KEY] = client.output_tail()
            request.node.stash[CALL_KEY] = client.last_call
            client.close()

    @pytest.fixture
    def student_with_env(self, student: Any) -> Iterator[Callable[[dict[str, str]], Student]]:
        """`launch(env)`: another worker for this test, whose environment also holds `env`
        (level 0's kernels read `TEENYGRAD_ISA` once per process). A blocked part gets the
        same stand-in as from `student`; every worker launched is closed after the test."""
        launched: list[WorkerClient] = []

        def launch(env: dict[str, str]) -> Student:
            if isinstance(student, BlockedClient):
                return student
            client = WorkerClient(replace(self.ctx.spec, env={**self.ctx.spec.env, **env}),
                                  server=self.ctx.server)
            launched.append(client)
            client.launch()
            return client

        yield launch
        for client in launched:
            client.close()

    def _take_worker(self) -> WorkerClient:
        """A launched worker for this test: forked by the fork server, or else with the next
        one launched already, to overlap its start-up with this test."""
        if self.ctx.server is not None:
            client = WorkerClient(self.ctx.spec, server=self.ctx.server)
            client.launch()
            return client
        client = self._spare or WorkerClient(self.ctx.spec)
        if not client.alive:
            client.launch()
        self._spare = WorkerClient(self.ctx.spec)
        self._spare.launch()
        return client

    def pytest_sessionfinish(self) -> None:
        if self._spare is not None:
            self._spare.close()
            self._spare = None

    @pytest.fixture
    def settle_workers(self, student: Any) -> None:
        """Wait until the next test's spare worker has started, so that it does not compete
        with this test's timing (request it after `student`)."""
        if self._spare is not None:
            try:
                self._spare.wait_ready()
            except (StudentStop, OSError):  # a dead spare is simply replaced later (a
                self._spare.close()  # Ctrl-C while waiting is not caught: it stops the run)

    @pytest.fixture
    def partial_credit(self, request: pytest.FixtureRequest) -> Callable[[float, str], None]:
        """Call with a fraction in [0, 1] to award part of a passing test's points."""

        def award(fraction: float, detail: str = "") -> None:
            request.node.stash[PARTIAL_KEY] = (min(max(float(fraction), 0.0), 1.0), detail)

        return award

    @pytest.fixture
    def record_benchmark(self, request: pytest.FixtureRequest) -> Callable[..., dict]:
        """Call with a name and figures to add a row to the level's benchmark table; the row
        is returned, so that figures known only later (a pooled roofline) can update it."""

        def record(name: str, **figures: Any) -> dict:
            row = {"name": name, "test": request.node.name, **figures}
            self.ctx.benchmarks.append(row)
            return row

        return record

    @pytest.fixture(scope="session")
    def student_source(self) -> Callable[[str], str | None]:
        """Read a student file by key, here in the judge (student code cannot change what a
        static check sees); None when the file is missing."""

        def read(key: str) -> str | None:
            path = self.ctx.spec.workspace / key
            return path.read_text(errors="replace") if path.is_file() else None

        return read

    @pytest.fixture(scope="session")
    def report_note(self) -> Callable[[str], None]:
        """Call with a line to show under the level in the report (e.g. where a plot is)."""
        return self.ctx.notes.append

    @pytest.fixture
    def level(self) -> Level:
        """The level's manifest."""
        return self.ctx.level

    # -- results ---------------------------------------------------------------------------
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        examples.start_test()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Iterator:
        outcome = yield
        report = outcome.get_result()
        result = self.ctx.pending.get(item.nodeid)
        if result is None:
            result = new_result(item)
            self.ctx.pending[item.nodeid] = result
        result.duration += report.duration
        failed_before = result.outcome != Outcome.PASSED
        if call.excinfo is not None and not failed_before:
            result.outcome, result.message, result.detail = classify(call.excinfo)
            result.cause = getattr(call.excinfo.value, "cause", "")
            if call.when == "call" and isinstance(call.excinfo.value, StudentError):
                self._blame_foundation(item, result)
            item.stash[EXAMPLE_KEY] = examples.latest()
            if call.when != "call" and result.outcome == Outcome.FAILED:
                result.outcome = Outcome.GRADER_ERROR  # a fixture failed: the kit's fault
        if call.when == "teardown":
            result.output = item.stash.get(OUTPUT_KEY, "")
            shrunk = item.stash.get(EXAMPLE_KEY, [])
            if shrunk and result.outcome in (Outcome.FAILED, Outcome.CRASHED,
                                             Outcome.TIMED_OUT):
                result.example = "\n".join(examples.example_lines(shrunk))
                result.repro = "\n".join(examples.repro_lines(item.stash.get(CALL_KEY, None)))
            fraction, detail = item.stash.get(PARTIAL_KEY, (1.0, ""))
            if result.outcome == Outcome.PASSED:
                result.points = round(result.max_points * fraction, 6)
                result.message = detail
                if fraction < 1.0:
                    result.outcome = Outcome.PARTIAL

    def _blame_foundation(self, item: pytest.Item, result: TestResult) -> None:
        """When the student's code raised, ask the level's references (`explain_error`)
        whether a function everything relies on is wrong (e.g. `contiguous_strides`): then the
        test says to fix that first, and such tests are one line in the report."""
        if not self._foundation:
            try:
                module = importlib.import_module(f"autograder.references.{self.ctx.level.module}")
            except ModuleNotFoundError:
                module = None
            explain = getattr(module, "explain_error", None)
            student = getattr(item, "funcargs", {}).get("student")
            if explain is None or student is None:
                return
            self._foundation.append(explain(student))
        if self._foundation[0] is not None:
            result.cause, why = self._foundation[0]
            result.message = f"{why}; it may cause this: {result.message}"

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        result = self.ctx.pending.pop(nodeid, None)
        if result is None:
            return
        if interrupt.pressed():  # Ctrl-C cut this test short (its verdict may be the
            return  # interrupt's, e.g. a worker stopped by it): not a finished test
        self.ctx.results.append(result)
        if self.ctx.progress is not None:
            self.ctx.progress(result, len(self.ctx.results), len(self.ctx.collected))
