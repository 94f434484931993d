"""`grade.py mutation LEVEL`: how many wrong solutions do the level's tests reject?

Mutants are made by cosmic-ray (one small change each: an operator swapped, a comparison
flipped, a constant moved, a `break` turned into `continue`, ...) in a copy of the reference
solutions (`solutions/<level>/`, never modified), inside the `BEGIN/END SOLUTION` regions only
(`--all-code`: everywhere). Each mutant is graded like a submission, by
`grade.py LEVEL --submission COPY -k <the tests of the parts the mutated file is for>`:

    exit 0 (full marks)      survived   a missing test, or an equivalent mutant
    exit 1 (points lost)     killed
    stopped at --timeout     killed     (an endless loop is a wrong program)
    exit 2 / 3, no change    incompetent: listed, not scored

The scoring rule: a mutant of a file breaks the contract of the parts the file is *for* (its
owners: the parts that name it and no other student file, e.g. level -1's strided.py is for
`strided` and `broadcast`, not `blas`, which names blas.py too; a file no part names alone is
for every part that names it; a part's `owns = ["FILE:DEFINITION", ...]` in the manifest
claims a definition of another part's file, as level -1's `blas` claims
`teenygrad/strided.py:__matmul__`), so it counts as killed only if one of them lost points. It is
graded with its owners' tests first; a survivor is then graded with the tests of the other
parts that use the file, and if those reject it, it is a *rule violation* (listed, counted as
survived: the owners' tests miss a bug that breaks their contract).

Each grading stops at its first failing test, with hypothesis not shrinking what it found
(`autograder.judge.fail_fast`; the verdict is the same, sooner); `--no-fail-fast` grades every
test. Each grading is forked from this process, which has imported the judge, the level's
references and its suites once (`autograder.instructor.preforked`; `--no-fork`: a fresh
`grade.py` each). `--jobs N` grades N mutants at a time, each job in its own copy of the
submission (and, for a Rust level, its own Cargo workspace and target folders).
A survivor classified as equivalent in `autograder/instructor/equivalent/<level>.toml`
(`mutation_equivalent`) is listed with its reason and left out of the score; any other is
*unclassified* (a missing test until someone adds it or classifies the mutant):
mutation score = killed / (killed + unclassified survivors), per file, per owner part and for
the level. The session (cosmic-ray's SQLite work db), the copy, the table (`report.md`),
one unified diff per survivor (`survivors/`) and the wall time of each run (`runs.json`, summed
in the table: a full run's cost) live in the work folder; a run that is stopped (budget,
Ctrl-C, kill) goes on where it stopped when the same command is run again, and `--retry`
grades the survivors again once tests were added (the killed mutants stay killed).
`--sample N` grades the first N mutants of the seeded shuffle that a full run grades in (CI
smoke tests, quick estimates): a larger sample with the same seed holds the smaller one.
A level built with maturin (level 0) gets its mutants from cargo-mutants: `mutation_rust.py`.
"""

from __future__ import annotations

import argparse
import difflib
import fcntl
import json
import os
import random
import selectors
import shutil
import sqlite3
import sys
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from autograder.cli import positive_count, positive_seconds
from autograder.instructor import mutation_equivalent, preforked
from autograder.instructor.levels import USER_ERRORS, InstructorError, kit_root
from autograder.instructor.markers import find_regions, style_of
from autograder.instructor.run_grade import die_with_parent, run_grade
from autograder.judge.fail_fast import FIRST_ENV, PLUGIN_OPTION
from autograder.levels import Level, load_level
from autograder.report.files import OutputError, check_folder
from autograder.report.history import HISTORY_ENV

EXIT_DONE, EXIT_BAD_INPUT, EXIT_GRADER_ERROR = 0, 2, 3
KILLED, SURVIVED, INCOMPETENT = "killed", "survived", "incompetent"
#: How many killing tests a definition (and a file) remembers for the next mutants.
HISTORY = 8
#: Not a cosmic-ray outcome: a survivor the level's list of equivalent mutants names.
EQUIVALENT = "equivalent"
#: Not a cosmic-ray outcome: a survivor that the tests of a part the file is not for rejected.
ELSEWHERE = "killed elsewhere"


@dataclass(frozen=True)
class Settings:
    """What a session was made with; a work folder holds one session."""

    level: str
    sample: int | None
    seed: int
    all_code: bool
    files: tuple[str, ...] | None = None

    def as_json(self) -> str:
        """The settings as one line of JSON (as `session.json` holds them)."""
        return json.dumps(asdict(self))


@dataclass(frozen=True)
class Mutant:
    """One cosmic-ray work item: a single mutation of one student file."""

    job_id: str
    key: str  # the student file, e.g. "teenygrad/strided.py"
    operator: str
    occurrence: int
    line: int
    definition: str


EPILOG = """\
files: everything is written in the work folder (--work DIR, a folder: made if missing):
  the session is resumed there, never replaced unless --fresh (which deletes it); report.md
  and survivors/ are rewritten from the session on each run. Nothing outside it is written.

exit status: 0 done (whatever the score), 2 bad usage or input (one line: an unknown level,
  a --work that is not a folder, a session.json that is not a session's), 3 grader error
  (the unmutated reference does not get full marks), 130 interrupted (resume later)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `grade.py mutation`."""
    parser.add_argument("level", help="the level whose tests are measured (e.g. level-1)")
    parser.add_argument("--work", type=Path, metavar="DIR",
                        help="session, copy, table and survivors (default: "
                             "grading-output/mutation/LEVEL/); run again to resume")
    parser.add_argument("--budget", type=positive_seconds, metavar="SECONDS",
                        help="stop starting mutants after SECONDS (resume later)")
    parser.add_argument("--sample", type=positive_count, metavar="N",
                        help="grade only a fixed sample of N mutants (chosen with --seed)")
    parser.add_argument("--seed", type=int, default=0, help="seed of --sample (default 0)")
    parser.add_argument("--files", nargs="+", metavar="KEY",
                        help="mutate only these student files (e.g. probability/counting.py)")
    parser.add_argument("--all-code", action="store_true",
                        help="also mutate code outside the BEGIN/END SOLUTION regions")
    parser.add_argument("--timeout", type=positive_seconds, metavar="SECONDS",
                        help="stop grading one mutant after this long: killed "
                             "(default: 4 x the unmutated run + 30 s)")
    parser.add_argument("--fresh", action="store_true",
                        help="discard the work folder's session and start again")
    parser.add_argument("--retry", action="store_true",
                        help="grade the session's survivors again (after adding tests or "
                             "fixing the reference), then the mutants still pending")
    parser.add_argument("--report", action="store_true",
                        help="only write the table and survivors of the session so far")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    parser.add_argument("--no-fail-fast", action="store_true",
                        help="grade every test of each mutant (slower; same verdicts)")
    parser.add_argument("--no-fork", action="store_true",
                        help="start a fresh grade.py for each grading (slower; same verdicts)")
    parser.add_argument("--jobs", "-j", type=positive_count, default=1, metavar="N",
                        help="grade N mutants at a time (default 1; one per core is "
                             "the most that helps)")


def run(args: argparse.Namespace) -> int:
    """Run (or resume) the session of `args.level`; write and print its table."""
    try:
        if args.jobs < 1:
            raise InstructorError(f"--jobs must be at least 1, not {args.jobs}")
        level = load_level(args.level)
        session_type = _session_type(level)
        work = (args.work or kit_root() / "grading-output" / "mutation" / level.id).resolve()
        _check_work(work, args.work)
        files = tuple(sorted(args.files)) if args.files else None
        settings = Settings(level.id, args.sample, args.seed, args.all_code, files)
        state = work / "session.json"
        saved = None if args.fresh and not args.report else _saved_settings(state)
        if args.report:  # the session's own settings, whatever the command line says
            if saved is None:
                raise InstructorError(f"no mutation session in {work}")
            settings = saved
        session = session_type(level, work, settings, fresh=args.fresh,
                               read_only=args.report)
        try:
            if args.retry and not args.report:
                session.forget_survivors()
            if not args.report:
                session.preforked = not args.no_fork
                session.execute(budget=args.budget, timeout=args.timeout, quiet=args.quiet,
                                fail_fast=not args.no_fail_fast, jobs=args.jobs)
            print(session.write_report())
        finally:
            session.db.close()
        return EXIT_DONE
    except USER_ERRORS as exc:
        print(f"grade.py mutation: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BaselineError as exc:
        print(f"grade.py mutation: {exc}", file=sys.stderr)
        return EXIT_GRADER_ERROR


def _check_work(work: Path, given: Path | None) -> None:
    """InstructorError unless `work` is a folder this user can write in, or can be made."""
    try:
        check_folder(work, f"--work {given}" if given is not None else f"the work folder {work}")
    except OutputError as exc:
        raise InstructorError(str(exc)) from None


def _saved_settings(state: Path) -> Settings | None:
    """The settings in a work folder's session.json (None: no session there); InstructorError
    for one that cannot be read or is not a session's."""
    if not state.exists():
        return None
    try:
        saved = json.loads(state.read_text(encoding="utf-8"))
        settings = Settings(**{**saved, "files": tuple(saved["files"] or ()) or None})
        if not isinstance(settings.level, str) or not isinstance(settings.seed, int):
            raise TypeError("wrong types")
    except OSError as exc:
        raise InstructorError(f"{state}: cannot be read ({exc.strerror})") from None
    except (ValueError, TypeError, KeyError) as exc:
        raise InstructorError(f"{state} is not a mutation session's settings ({exc}): "
                              "use --fresh, or another --work") from None
    return settings


def _session_type(level: Level) -> type[Session]:
    """Python levels: cosmic-ray; a level built with maturin: cargo-mutants (mutation_rust)."""
    kind = level.build.get("kind", "none")
    if kind == "none":
        return Session
    if kind == "maturin":
        from autograder.instructor.mutation_rust import RustSession

        return RustSession
    raise InstructorError(f"{level.id} is built with {kind!r}: no mutation tool for it")


class BaselineError(Exception):
    """The unmutated copy does not get full marks: every mutant would look killed."""


class Session:
    """A work folder: the submission copy, cosmic-ray's work db and the settings."""

    fail_fast = True  # each grading stops at its first failing test (autograder.judge.fail_fast)
    preforked = True  # each grading is forked from this process (autograder.instructor.preforked)
    _preloaded = False
    _claims: dict[str, set[str]] | None = None  # "FILE:DEFINITION" -> parts (manifest `owns`)
    _equivalents: list[mutation_equivalent.Equivalent] | None = None  # read when first needed
    kill_history = True  # run first the tests that killed earlier mutants of the definition
    _history: dict[tuple[str, str], list[str]] | None = None  # (key, definition) -> test names
    _first: list[str] = []  # the tests the next grading runs first
    _failed: list[str] = []  # the tests the last grading lost points in

    suffix = ".py"  # the student files it mutates
    job = 0  # which job of a parallel run this process is (`job_path`)

    def __init__(self, level: Level, work: Path, settings: Settings, *,
                 fresh: bool = False, read_only: bool = False) -> None:
        self.level, self.work, self.settings = level, work, settings
        self.origin = work / "submission"  # the copy cosmic-ray's mutants name
        self._timeouts: dict[tuple[str, ...], float] = {}  # per part set, from its baseline
        self._regions: dict[str, list[tuple[int, int]]] = {}  # key -> solution regions
        self._sources: dict[str, str] = {}  # key -> the reference's text (qualified names)
        self.keys = [k for k in level.solution_keys() if k.endswith(self.suffix)]
        if settings.files:
            unknown = sorted(set(settings.files) - set(self.keys))
            if unknown:
                raise InstructorError(f"not a {self.suffix} student file of {level.id}: "
                                      f"{unknown}")
            self.keys = [k for k in self.keys if k in settings.files]
        state = work / "session.json"
        work.mkdir(parents=True, exist_ok=True)
        if not read_only:  # one run at a time: it owns the copy (a report only reads the db)
            self._lock = open(work / ".lock", "w")  # noqa: SIM115 - held as long as the session
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise InstructorError(f"another `grade.py mutation` is running in {work} "
                                      "(--report reads its results so far)") from None
            if fresh:
                for name in ("session.json", "session.sqlite", "report.md", "runs.json"):
                    (work / name).unlink(missing_ok=True)
                for copy in (self.origin, *work.glob("submission-*")):
                    shutil.rmtree(copy, ignore_errors=True)
        if state.exists() and json.loads(state.read_text()) != json.loads(settings.as_json()):
            raise InstructorError(f"{work} holds a session made with other settings "
                                  f"({state.read_text().strip()}): use --fresh or another --work")
        if not read_only:
            self._refresh_copy()  # undoes a mutant left in place by a killed run
        self.db = _open_db(work / "session.sqlite")
        if not state.exists():
            self._init()
            state.write_text(settings.as_json() + "\n")

    def job_path(self, name: str) -> Path:
        """The work folder's `name` as this job has it: job 0 the session's own, job j its
        own `name-j` (`grading.json` → `grading-1.json`)."""
        if not self.job:
            return self.work / name
        stem, dot, extension = name.partition(".")
        return self.work / f"{stem}-{self.job}{dot}{extension}"

    @property
    def copy(self) -> Path:
        """The submission copy this job grades mutants in."""
        return self.job_path("submission")

    @property
    def record(self) -> Path:
        """The `--format json` report of this job's last grading."""
        return self.job_path("grading.json")

    def _refresh_copy(self) -> None:
        for key in self.level.solution_keys():
            target = self.copy / key
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.level.solutions_dir / key, target)

    def forget_survivors(self) -> int:
        """Drop the results of every survivor (equivalent or not): the next `execute` grades
        them again. Returns how many."""
        from cosmic_ray.work_item import TestOutcome

        survivors = [job for job, result in self.db.results
                     if result.test_outcome == TestOutcome.SURVIVED]
        db_path = self.work / "session.sqlite"
        self.db.close()
        with sqlite3.connect(db_path) as db:  # cosmic-ray's WorkDB deletes results only all at once
            db.executemany("DELETE FROM work_results WHERE job_id = ?",
                           [(job,) for job in survivors])
        db.close()
        self.db = _open_db(db_path)
        return len(survivors)

    def _init(self) -> None:
        """Enumerate the mutants (cosmic-ray init), then mark those not graded as skipped."""
        from cosmic_ray.commands.init import init

        init([self.origin / key for key in self.keys], self.db, {})
        self._choose()

    def _choose(self) -> None:
        """Mark the mutants not graded (outside the regions, not in the sample) as skipped."""
        from cosmic_ray.work_item import WorkerOutcome, WorkResult

        mutants = self.mutants()
        wanted = [m for m in mutants if self.settings.all_code or self._in_solution(m)]
        if self.settings.sample is not None and self.settings.sample < len(wanted):
            # The head of the seeded shuffle `execute` grades a full session in: a sample of N
            # is what a full run graded first, and a larger sample holds it.
            random.Random(self.settings.seed).shuffle(wanted)
            wanted = wanted[:self.settings.sample]
        chosen = {m.job_id for m in wanted}
        skipped = [m.job_id for m in mutants if m.job_id not in chosen]
        if skipped:
            self.db.set_multiple_results(skipped, WorkResult(worker_outcome=WorkerOutcome.SKIPPED))

    def _in_solution(self, mutant: Mutant) -> bool:
        if mutant.key not in self._regions:
            lines = (self.level.solutions_dir / mutant.key).read_text().splitlines()
            found = find_regions(lines, style_of(mutant.key) or "python", mutant.key)
            self._regions[mutant.key] = [(r.begin, r.end) for r in found]
        return any(begin < mutant.line - 1 < end for begin, end in self._regions[mutant.key])

    def mutants(self, items: Iterable | None = None) -> list[Mutant]:
        """The session's mutants (or those of `items`), in a fixed order."""
        found = []
        for item in self.db.work_items if items is None else items:
            spec = item.mutations[0]
            key = Path(spec.module_path).relative_to(self.origin).as_posix()
            found.append(Mutant(item.job_id, key, spec.operator_name, spec.occurrence,
                                spec.start_pos[0], spec.definition_name or ""))
        return sorted(found, key=lambda m: (m.key, m.line, m.operator, m.occurrence))

    def parts_of(self, key: str) -> list[str]:
        """The parts whose tests grade a mutant of `key` (all parts when none names it)."""
        return self.level.parts_using(key)

    def owners(self, key: str, definition: str = "") -> list[str]:
        """The parts a mutant of `definition` in `key` must lose points in (the scoring rule):
        the parts whose manifest `owns` claims "KEY:DEFINITION", else those claiming the whole
        file ("KEY"), else the parts that name `key` and no other student file, else every
        part that uses it."""
        if self._claims is None:
            self._claims = {}
            manifest = tomllib.loads(self.level.manifest.read_text())
            for part, table in manifest.get("parts", {}).items():
                for name in table.get("owns", ()):
                    self._claims.setdefault(name, set()).add(part)
        claimed = (definition and self._claims.get(f"{key}:{definition}")) \
            or self._claims.get(key)
        if claimed:
            return [p for p in self.level.parts if p in claimed]
        serving = self.parts_of(key)
        alone = [p for p in serving
                 if len({*self.level.parts[p].modules, *self.level.parts[p].files}) == 1]
        return alone or serving

    def keyword(self, parts: list[str]) -> str:
        """A `-k` expression selecting the suite files of `parts` (by their part marker)."""
        return " or ".join(self.level.suite_files_of(parts))

    def grade(self, parts: list[str], timeout: float) -> tuple[str, float, str]:
        """Grade the copy as it is now with the tests of `parts`: outcome, seconds, output."""
        outcome, seconds, output, _lost = self.grade_parts(parts, timeout)
        return outcome, seconds, output

    def grade_parts(self, parts: list[str], timeout: float) -> tuple[str, float, str, list[str]]:
        """`grade`, and the parts that lost points (from the run's JSON record)."""
        record = self.record
        record.unlink(missing_ok=True)
        args = [self.level.id, "--submission", self.copy, "--quiet", "-k", self.keyword(parts),
                "--format", "json", "--output", record]
        # No grading history: thousands of mutants are not the instructor's gradings.
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", HISTORY_ENV: "off"}
        if self.fail_fast:  # pytest reads PYTEST_ADDOPTS itself: no grading option for it
            env["PYTEST_ADDOPTS"] = f"{env.get('PYTEST_ADDOPTS', '')} {PLUGIN_OPTION}".strip()
            if self._first:
                env[FIRST_ENV] = json.dumps(self._first)
        grade_py = self.level.root / "grade.py"
        if not grade_py.is_file():  # a kit tree without the CLI (TEENYGRAD_KIT_ROOT): ours
            grade_py = Path(__file__).resolve().parents[2] / "grade.py"
        started = time.monotonic()
        if self.preforked and preforked.available():
            self._preload()
            done = preforked.fork_grade(args, cwd=self.level.root, timeout=timeout, env=env)
        else:
            done = run_grade(grade_py, args, cwd=self.level.root, timeout=timeout, env=env)
        seconds = time.monotonic() - started
        output = done.stdout[-4000:] + done.stderr[-2000:]
        lost = _lost_parts(record)
        self._failed = _lost_tests(record)
        if done.timed_out:
            return KILLED, seconds, f"stopped after {timeout:.0f} s\n{output}", lost
        outcome = {0: SURVIVED, 1: KILLED}.get(done.returncode, INCOMPETENT)
        return outcome, seconds, f"exit {done.returncode}\n{output}", lost

    def execute(self, *, budget: float | None, timeout: float | None, quiet: bool,
                fail_fast: bool = True, jobs: int = 1) -> None:
        """Grade the pending mutants until done or out of budget (`jobs` at a time); each
        result is committed as it comes."""
        self.fail_fast = fail_fast
        pending = self.mutants(self.db.pending_work_items)
        # A seeded shuffle: a run stopped by its budget has graded a uniform sample.
        random.Random(self.settings.seed).shuffle(pending)
        bar = _Bar(len(pending), self.db.num_results, quiet)
        jobs = min(jobs, len(pending)) if preforked.available() else 1
        if jobs > 1:
            bar.note(f"{jobs} jobs, each in its own copy of the submission")
        started, entry = time.monotonic(), None

        def graded(outcome: str) -> None:
            nonlocal entry
            bar.step(outcome)
            # Logged after each mutant: a run killed outright (kill -9) still counts.
            entry = self._log_run(jobs, entry, time.monotonic() - started, bar.done)

        try:
            if jobs > 1:
                self._execute_jobs(pending, jobs, budget, timeout, graded)
            else:
                self._execute_share(pending, budget, timeout, graded)
        finally:
            bar.close()
        if bar.left and budget is not None:
            bar.note(f"budget of {budget:g} s used: {bar.left} mutants left, "
                     f"~{bar.seconds_left() / 3600:.1f} h at this pace (run again to go on)")

    def _execute_share(self, mutants: list[Mutant], budget: float | None,
                       timeout: float | None, done: Callable[[str], None]) -> None:
        """Grade `mutants` one after another (until `budget` seconds are used); `done` hears
        each outcome."""
        started = time.monotonic()
        for mutant in mutants:
            if budget is not None and time.monotonic() - started > budget:
                break
            done(self.grade_mutant(mutant, timeout))

    def _preload(self) -> None:
        """Import the judge (and, unless this process is itself a test, the level's suites)
        once, before the first forked grading."""
        if not self._preloaded:
            # A pytest session listing suites inside a running test would fill its modules.
            preforked.preload([self.level], suites=not os.environ.get("PYTEST_CURRENT_TEST"))
            self._preloaded = True

    def _execute_jobs(self, pending: list[Mutant], jobs: int, budget: float | None,
                      timeout: float | None, graded: Callable[[str], None]) -> None:
        """Grade `pending` in `jobs` forked processes, job j taking every jobs-th mutant in its
        own copy; each commits its results to the work db and tells this process its
        outcomes (one line each), which `graded` hears."""
        # Once, before forking, what every job needs: the preloaded judge and the timeouts
        # (each measured on the unmutated copy, with nothing else running).
        if self.preforked and preforked.available():
            self._preload()
        for mutant in pending:
            owners = self.owners(mutant.key, mutant.definition)
            others = [p for p in self.parts_of(mutant.key) if p not in owners]
            for parts in (owners, others):
                if parts:
                    self._timeout(parts, timeout)
        db_path = self.work / "session.sqlite"
        self.db.close()  # a forked child must not share the parent's SQLite connection
        selector = selectors.DefaultSelector()
        children = []
        try:
            for job in range(jobs):
                read, write = os.pipe()
                pid = os.fork()
                if pid == 0:  # pragma: no cover - a job, measured through its pipe and db
                    os.close(read)
                    self._job(job, pending[job::jobs], budget, timeout, write, db_path)
                os.close(write)
                children.append(pid)
                selector.register(read, selectors.EVENT_READ, data=[b""])
            while selector.get_map():
                for key, _events in selector.select():
                    chunk = os.read(key.fd, 4096)  # unbuffered: select sees every line
                    if not chunk:
                        selector.unregister(key.fd)
                        os.close(key.fd)
                        continue
                    *lines, key.data[0] = (key.data[0] + chunk).split(b"\n")
                    for line in lines:
                        graded(line.decode().strip())
        finally:
            for pid in children:
                os.waitpid(pid, 0)
            self.db = _open_db(db_path)

    def _job(self, job: int, share: list[Mutant], budget: float | None, timeout: float | None,
             pipe: int, db_path: Path) -> None:
        """Become job `job`: grade `share` in copy `submission-<job>` (job 0: the session's
        own) and write each outcome to `pipe`; never returns."""
        code = EXIT_GRADER_ERROR
        try:
            die_with_parent()
            self.job = job
            if job:
                self._refresh_copy()
            self.db = _open_db(db_path)
            with os.fdopen(pipe, "w", buffering=1) as out:
                self._execute_share(share, budget, timeout,
                                    lambda outcome: print(outcome, file=out, flush=True))
            code = EXIT_DONE
        except KeyboardInterrupt:  # Ctrl-C reaches every job: the mutant in hand is undone
            code = EXIT_DONE
        except BaseException:  # noqa: BLE001 - a job's crash, shown; the parent goes on
            import traceback

            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    def _log_run(self, jobs: int, entry: int | None = None, seconds: float = 0.0,
                 graded: int = 0) -> int:
        """This run's line in `runs.json` (a full session's cost is the sum of its runs): added
        when `entry` is None, else entry `entry` updated. Returns the entry's index."""
        log = self.work / "runs.json"
        try:
            runs = json.loads(log.read_text())
        except (OSError, ValueError):
            runs = []
        if entry is None or entry >= len(runs):
            runs.append({"started": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
                         "jobs": jobs})
            entry = len(runs) - 1
        runs[entry].update(seconds=round(seconds, 1), graded=graded)
        partial = log.with_name(log.name + ".partial")
        partial.write_text(json.dumps(runs, indent=1) + "\n")
        partial.replace(log)  # whole or not at all, however the run ends
        return entry

    @contextmanager
    def applied(self, mutant: Mutant) -> Iterator[tuple[str, str | None]]:
        """`mutant` applied to the copy while the block runs: (original, mutated) source, the
        mutated one None when the mutation no longer applies (the source changed)."""
        from cosmic_ray.mutating import use_mutation
        from cosmic_ray.plugins import get_operator

        operator = get_operator(mutant.operator)()
        with use_mutation(self.copy / mutant.key, operator, mutant.occurrence) as codes:
            yield codes

    def refused(self, mutant: Mutant) -> str | None:
        """Why the applied `mutant` cannot be graded at all (a compiler refuses it): then it is
        incompetent, never graded. Python mutants always can."""
        return None

    def grade_mutant(self, mutant: Mutant, timeout: float | None = None) -> str:
        """Apply `mutant` to the copy, grade it, undo it, commit the result; its outcome."""
        from cosmic_ray.work_item import TestOutcome, WorkerOutcome, WorkResult

        owners = self.owners(mutant.key, mutant.definition)
        others = [p for p in self.parts_of(mutant.key) if p not in owners]
        self._first = self._killers(mutant) if self.kill_history else []
        # Baselines grade the unmutated copy: before the mutant is applied.
        limits = {tuple(p): self._timeout(p, timeout) for p in (owners, others) if p}
        with self.applied(mutant) as codes:
            original, mutated = codes
            if mutated is None:  # the source changed since the session was made
                result, outcome = WorkResult(worker_outcome=WorkerOutcome.NO_TEST), INCOMPETENT
            else:
                refused = self.refused(mutant)
                if refused is not None:  # unviable: graded, it would be built as its stub
                    outcome, seconds, log, lost = INCOMPETENT, 0.0, refused, []
                else:
                    outcome, seconds, log, lost = self.grade_parts(owners,
                                                                   limits[tuple(owners)])
                elsewhere: list[str] = []
                if outcome == KILLED and lost and not set(lost) & set(owners):
                    # A suite file mixing parts stopped at another part's test: all of them.
                    fail_fast, self.fail_fast = self.fail_fast, False
                    try:
                        outcome, more, log, lost = self.grade_parts(owners,
                                                                    limits[tuple(owners)])
                    finally:
                        self.fail_fast = fail_fast
                    seconds += more
                    if outcome == KILLED and lost and not set(lost) & set(owners):
                        outcome, elsewhere = SURVIVED, lost
                        log = f"only {', '.join(elsewhere)} lost points\n{log}"
                if outcome == SURVIVED and others and not elsewhere:  # another part rejects it?
                    verdict, more, log, elsewhere = self.grade_parts(others,
                                                                     limits[tuple(others)])
                    seconds += more
                    if verdict == KILLED:
                        elsewhere = elsewhere or others  # a timeout names no part
                        log = f"only {', '.join(elsewhere)} lost points\n{log}"
                    else:
                        elsewhere = []
                diff = "".join(difflib.unified_diff(original.splitlines(True),
                                                    mutated.splitlines(True),
                                                    f"a/{mutant.key}", f"b/{mutant.key}"))
                if outcome == KILLED and not elsewhere:
                    self._remember(mutant, self._failed)
                output = json.dumps({"owners": owners, "lost": lost, "elsewhere": elsewhere,
                                     "failed": self._failed if outcome == KILLED else [],
                                     "seconds": round(seconds, 2), "log": log})
                result = WorkResult(worker_outcome=WorkerOutcome.NORMAL, output=output,
                                    test_outcome=TestOutcome(outcome), diff=diff)
                if elsewhere:
                    outcome = ELSEWHERE
                elif outcome == SURVIVED and self.equivalent_entry(mutant, diff):
                    outcome = EQUIVALENT
        self.db.set_result(mutant.job_id, result)
        return outcome

    def _killers(self, mutant: Mutant) -> list[str]:
        """The tests that killed earlier mutants of `mutant`'s definition, then of its file
        (most recent first): the next grading runs them first (`fail_fast.FIRST_ENV`)."""
        if self._history is None:  # a resumed session: what its results recorded
            self._history = {}
            by_id = {m.job_id: m for m in self.mutants()}
            for job_id, result in self.db.results:
                if job_id in by_id:
                    self._remember(by_id[job_id], _facts(result.output).get("failed") or [])
        names = [*self._history.get((mutant.key, mutant.definition), []),
                 *self._history.get((mutant.key, ""), [])]
        return list(dict.fromkeys(names))

    def _remember(self, mutant: Mutant, failed: list[str]) -> None:
        """`failed` killed `mutant`: first in line for its definition's and file's next ones."""
        if self._history is None:
            self._history = {}
        for where in ((mutant.key, mutant.definition), (mutant.key, "")):
            known = self._history.get(where, [])
            self._history[where] = list(dict.fromkeys([*failed, *known]))[:HISTORY]

    def equivalent_entry(self, mutant: Mutant,
                         diff: str | None) -> mutation_equivalent.Equivalent | None:
        """The level's classified-equivalent entry for `mutant` (its diff `diff`), or None."""
        if self._equivalents is None:
            self._equivalents = mutation_equivalent.load(self.level)
        return mutation_equivalent.find(self._equivalents, mutant.key, mutant.definition,
                                        mutant.operator, diff, self.qualname(mutant))

    def qualname(self, mutant: Mutant) -> str:
        """The qualified name of the definition `mutant` changes (`Poisson.logpmf`), read from
        the reference (where its line is the copy's)."""
        if mutant.key not in self._sources:
            self._sources[mutant.key] = (self.level.solutions_dir / mutant.key).read_text()
        return mutation_equivalent.qualname_at(self._sources[mutant.key], mutant.line)

    def _timeout(self, parts: list[str], given: float | None) -> float:
        """`given`, else 4 x the unmutated run of `parts`' tests + 30 s (measured once)."""
        if given is not None:
            return given
        if tuple(parts) not in self._timeouts:
            self._timeouts[tuple(parts)] = self._baseline(parts)
        return self._timeouts[tuple(parts)]

    def _baseline(self, parts: list[str]) -> float:
        """Grade the unmutated copy with the tests of `parts`; the timeout for their mutants."""
        outcome, seconds, output = self.grade(parts, timeout=1800.0)
        if outcome != SURVIVED:
            raise BaselineError(f"the unmutated reference solutions lose points on "
                                f"{', '.join(parts)}; fix that first:\n{output}")
        return 4 * seconds + 30

    def write_report(self) -> str:
        """Write `report.md` and `survivors/*.diff` from the results so far; return the table."""
        from cosmic_ray.work_item import WorkerOutcome

        results = dict(self.db.results)
        self._equivalents = None  # the list as it is now: classifying needs no regrading
        counts: dict[str, dict[str, int]] = {}
        by_part: dict[str, dict[str, int]] = {}
        survivors = self.work / "survivors"
        shutil.rmtree(survivors, ignore_errors=True)
        (survivors / EQUIVALENT).mkdir(parents=True)
        pending = 0
        listed: dict[str, list[str]] = {SURVIVED: [], EQUIVALENT: [], KILLED: [],
                                        INCOMPETENT: []}
        stubs = []
        for number, mutant in enumerate(self.mutants(), 1):
            result = results.get(mutant.job_id)
            if result is not None and result.worker_outcome == WorkerOutcome.SKIPPED:
                continue
            row = counts.setdefault(mutant.key, _zero())
            if result is None:
                pending += 1
                continue
            outcome = result.test_outcome.value if result.test_outcome else INCOMPETENT
            facts = _facts(result.output)
            elsewhere = facts.get("elsewhere") or []
            entry = None
            if outcome in (SURVIVED, KILLED) and not elsewhere:
                entry = self.equivalent_entry(mutant, result.diff)
            if outcome == SURVIVED and entry:
                outcome = EQUIVALENT
            for counted in (row, *(by_part.setdefault(p, _zero())
                                   for p in facts.get("owners")
                                   or self.owners(mutant.key, mutant.definition))):
                counted[outcome] += 1
                counted[ELSEWHERE] += bool(elsewhere)
            if outcome == KILLED and not entry:
                continue
            where = f"{mutant.key}:{mutant.line} in {mutant.definition or '<module>'}"
            if outcome == INCOMPETENT:  # no verdict: neither a survivor nor a kill
                why = facts.get("log") or result.output or str(result.worker_outcome.value)
                listed[INCOMPETENT].append(f"- {where}: {_first_line(why)}")
                continue
            name = f"{number:04d}-{Path(mutant.key).stem}-{mutant.definition or 'module'}-"
            name += mutant.operator.split("/")[-1] + f"-{mutant.occurrence}.diff"
            change = mutation_equivalent.change_of(result.diff)
            shown = f"`{_lines(change.before)}` → `{_lines(change.after)}`"
            if outcome == KILLED:  # listed as equivalent, yet a test rejects it
                listed[KILLED].append(f"- {where}: {shown} — {facts.get('lost') or 'timeout'}"
                                      f" lost points")
                continue
            folder = survivors / EQUIVALENT if outcome == EQUIVALENT else survivors
            (folder / name).write_text(f"# {where}: {mutant.operator} #{mutant.occurrence}\n"
                                       + (result.diff or ""))
            if outcome == EQUIVALENT:
                listed[EQUIVALENT].append(f"- `{name}` {where}: {shown} — {entry.reason}")
                continue
            rule = f" — rule violation: only {', '.join(elsewhere)} lost points" \
                if elsewhere else ""
            listed[SURVIVED].append(f"- `{name}` {where}: {shown}{rule}")
            if not elsewhere:
                stubs.append(_stub(mutant, change))
        table = _table(self, counts, pending) + "\n\n" + _part_table(self, by_part)
        source = mutation_equivalent.path_of(self.level)
        if listed[SURVIVED]:
            table += ("\n\nunclassified survivors (a missing test, or an equivalent mutant not "
                      f"yet in {source.name}; `survivors/classify.toml` has an entry to "
                      "complete for each):\n" + "\n".join(listed[SURVIVED]))
        if listed[EQUIVALENT]:
            table += (f"\n\nequivalent survivors (classified in {source}, not scored):\n"
                      + "\n".join(listed[EQUIVALENT]))
        if listed[INCOMPETENT]:
            table += ("\n\nincompetent (graded to no verdict: a grader error, a mutant the "
                      "compiler refuses, or one made of an older reference; not scored):\n"
                      + "\n".join(listed[INCOMPETENT]))
        if listed[KILLED]:
            table += (f"\n\nlisted as equivalent in {source.name} but killed (a wrong entry, or "
                      "a test that rejects a correct program):\n" + "\n".join(listed[KILLED]))
        if stubs:
            (survivors / "classify.toml").write_text(
                "# Each unclassified survivor, ready for autograder/instructor/equivalent/"
                f"{self.level.id}.toml\n# once it is known to be equivalent (give the reason); "
                "otherwise add the missing test.\n\n" + "\n".join(stubs))
        (self.work / "report.md").write_text(table + "\n")
        return table


def _open_db(path: Path):  # -> cosmic_ray.work_db.WorkDB, imported when used
    """The session's work db (made when missing)."""
    from cosmic_ray.work_db import WorkDB  # imported here: grade.py starts faster

    return WorkDB(str(path), WorkDB.Mode.create)


def _first_line(text: str) -> str:
    """The first line of `text` that says something (an exit status line is skipped)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    said = [line for line in lines if not line.startswith("exit ")]
    return (said or lines or ["no output"])[0][:200]


def _lines(text: str) -> str:
    """Changed lines on one line of the report: a whole function body as its first line."""
    lines = text.splitlines()
    if len(lines) > 3:
        return f"{lines[0]} / ... ({len(lines)} lines)"
    return " / ".join(lines)


def _stub(mutant: Mutant, change: mutation_equivalent.Change) -> str:
    """An `[[equivalent]]` entry for `mutant`, its reason left to write (TOML; JSON's string
    escapes are TOML's)."""
    fields = {"file": mutant.key, "definition": mutant.definition, "operator": mutant.operator,
              "before": change.before, "after": change.after, "reason": ""}
    return "[[equivalent]]\n" + "".join(f"{name} = {json.dumps(value, ensure_ascii=False)}\n"
                                          for name, value in fields.items())


def _table(session: Session, counts: dict[str, dict[str, int]], pending: int) -> str:
    """The Markdown table: one row per mutated file (with its parts) and the level's total."""
    level = session.settings.level
    lines = [f"mutation testing of {level}: {session.work}", "",
             "| file | for parts (owners) | killed | survived | of which killed elsewhere | "
             "equivalent | incompetent | score |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    total = _zero()
    for key, row in counts.items():
        for name in total:
            total[name] += row[name]
        lines.append(f"| {key} | {', '.join(session.owners(key))} | {_cells(row)} |")
    lines.append(f"| **{level}** | | {_cells(total)} |")
    lines += ["", f"survivors: {session.work / 'survivors'} ({total[SURVIVED]} diffs, "
                  f"{total[ELSEWHERE]} of them rule violations; {total[EQUIVALENT]} equivalent "
                  f"in {EQUIVALENT}/); not graded yet: {pending}",
              "score = killed / (killed + survived): equivalent mutants are not scored",
              _cost(session.work / "runs.json")]
    return "\n".join(lines)


def _cost(log: Path) -> str:
    """The session's runs so far (`runs.json`): how long grading its mutants took."""
    try:
        runs = json.loads(log.read_text())
    except (OSError, ValueError):
        runs = []
    if not runs:
        return "time: no run logged"
    seconds = sum(run["seconds"] for run in runs)
    graded = sum(run["graded"] for run in runs)
    jobs = "/".join(str(j) for j in dict.fromkeys(run["jobs"] for run in runs))
    return (f"time: {seconds / 60:.1f} min of grading in {len(runs)} run"
            f"{'s' * (len(runs) != 1)} ({graded} mutants, {jobs} job(s) at a time, "
            f"{seconds / max(graded, 1):.2f} s a mutant)")


def _part_table(session: Session, by_part: dict[str, dict[str, int]]) -> str:
    """The same counts per part, each mutant counted in the parts its file is for."""
    lines = ["| part | killed | survived | of which killed elsewhere | equivalent | incompetent "
             "| score |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for part in session.level.parts:
        if part in by_part:
            lines.append(f"| {part} | {_cells(by_part[part])} |")
    return "\n".join(lines)


def _zero() -> dict[str, int]:
    return {KILLED: 0, SURVIVED: 0, ELSEWHERE: 0, EQUIVALENT: 0, INCOMPETENT: 0}


def _cells(row: dict[str, int]) -> str:
    return (f"{row[KILLED]} | {row[SURVIVED]} | {row[ELSEWHERE]} | {row[EQUIVALENT]} | "
            f"{row[INCOMPETENT]} | {_score(row)}")


def _facts(output: str | None) -> dict:
    """What `grade_mutant` recorded as JSON (owners, parts that lost points, ...); {} for the
    plain text older sessions hold."""
    try:
        facts = json.loads(output or "")
    except ValueError:
        return {}
    return facts if isinstance(facts, dict) else {}


def _lost_tests(record: Path) -> list[str]:
    """The names of the tests that lost points in a `--format json` record."""
    try:
        data = json.loads(record.read_text())
    except (OSError, ValueError):
        return []
    return [test["name"] for level in data.get("levels", []) for test in level.get("tests", [])
            if test["points"] < test["max_points"] - 1e-9]


def _lost_parts(record: Path) -> list[str]:
    """The parts that lost points in a `--format json` record ([] when there is none)."""
    try:
        data = json.loads(record.read_text())
    except (OSError, ValueError):
        return []
    return [part["id"] for level in data.get("levels", []) for part in level.get("parts", [])
            if part["points"] < part["max_points"] - 1e-9]


def _score(row: dict[str, int]) -> str:
    scored = row[KILLED] + row[SURVIVED]
    return f"{100 * row[KILLED] / scored:.1f}%" if scored else "-"


class _Bar:
    """A progress bar on stderr (one line per mutant when it is not a terminal)."""

    def __init__(self, total: int, done_before: int, quiet: bool) -> None:
        self.total, self.done, self.quiet = total, 0, quiet
        self.counts = _zero()
        self.started, self.tty = time.monotonic(), sys.stderr.isatty()
        self.note(f"{total} mutants to grade ({done_before} results already in the session)")

    @property
    def left(self) -> int:
        """Mutants not graded yet."""
        return self.total - self.done

    def seconds_left(self) -> float:
        """The time the mutants left need at the mean pace so far."""
        return (time.monotonic() - self.started) / max(self.done, 1) * self.left

    def step(self, outcome: str) -> None:
        """One mutant graded."""
        self.done += 1
        self.counts[SURVIVED if outcome == ELSEWHERE else outcome] += 1
        self.counts[ELSEWHERE] += outcome == ELSEWHERE
        if self.quiet:
            return
        elapsed, eta = time.monotonic() - self.started, self.seconds_left()
        filled = int(24 * self.done / max(self.total, 1))
        text = (f"[{'#' * filled}{'.' * (24 - filled)}] {self.done}/{self.total}  "
                f"killed {self.counts[KILLED]}  survived {self.counts[SURVIVED]}  "
                f"(rule violations {self.counts[ELSEWHERE]})  "
                f"equivalent {self.counts[EQUIVALENT]}  "
                f"incompetent {self.counts[INCOMPETENT]}  {elapsed:.0f} s, ~{eta:.0f} s left")
        print(("\r" + text) if self.tty else text, end="" if self.tty else "\n",
              file=sys.stderr, flush=True)

    def note(self, text: str) -> None:
        """A line of its own."""
        if not self.quiet:
            print(("\n" if self.tty and self.done else "") + text, file=sys.stderr, flush=True)

    def close(self) -> None:
        """End the bar's line."""
        if self.tty and not self.quiet and self.done:
            print(file=sys.stderr)


if __name__ == "__main__":  # the same parser, help and errors as `grade.py mutation`
    from autograder.cli import command_main

    command_main("mutation", sys.modules[__name__])
