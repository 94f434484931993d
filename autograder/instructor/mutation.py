"""`grade.py mutation LEVEL`: how many wrong solutions do the level's tests reject?

Mutants are made by cosmic-ray (one small change each: an operator swapped, a comparison
flipped, a constant moved, a `break` turned into `continue`, ...) in a copy of the reference
solutions (`solutions/<level>/`, never modified), inside the `BEGIN/END SOLUTION` regions only
(`--all-code`: everywhere). Each mutant is graded like a submission, by
`grade.py LEVEL --submission COPY -k <the tests of the parts that use the mutated file>`:

    exit 0 (full marks)      survived   a missing test, or an equivalent mutant
    exit 1 (points lost)     killed
    stopped at --timeout     killed     (an endless loop is a wrong program)
    exit 2 / 3, no change    incompetent: listed, not scored

mutation score = killed / (killed + survived), per file (with the parts that file serves) and
for the level. The session (cosmic-ray's SQLite work db), the copy, the table (`report.md`)
and one unified diff per survivor (`survivors/`) live in the work folder; a run that is
stopped (budget, Ctrl-C, kill) goes on where it stopped when the same command is run again.
`--sample N` grades a fixed, seeded sample of N mutants (CI smoke tests, quick estimates).
"""

from __future__ import annotations

import argparse
import difflib
import fcntl
import json
import os
import random
import re
import shutil
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from autograder.instructor.levels import USER_ERRORS, InstructorError, kit_root
from autograder.instructor.markers import find_regions
from autograder.instructor.run_grade import run_grade
from autograder.levels import Level, load_level

EXIT_DONE, EXIT_BAD_INPUT, EXIT_GRADER_ERROR = 0, 2, 3
PART_MARK = re.compile(r"""mark\.part\(\s*["']([\w-]+)["']\s*\)""")
KILLED, SURVIVED, INCOMPETENT = "killed", "survived", "incompetent"


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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `grade.py mutation`."""
    parser.add_argument("level", help="the level whose tests are measured (e.g. level-1)")
    parser.add_argument("--work", type=Path, metavar="DIR",
                        help="session, copy, table and survivors (default: "
                             "grading-output/mutation/LEVEL/); run again to resume")
    parser.add_argument("--budget", type=float, metavar="SECONDS",
                        help="stop starting mutants after SECONDS (resume later)")
    parser.add_argument("--sample", type=int, metavar="N",
                        help="grade only a fixed sample of N mutants (chosen with --seed)")
    parser.add_argument("--seed", type=int, default=0, help="seed of --sample (default 0)")
    parser.add_argument("--files", nargs="+", metavar="KEY",
                        help="mutate only these student files (e.g. probability/counting.py)")
    parser.add_argument("--all-code", action="store_true",
                        help="also mutate code outside the BEGIN/END SOLUTION regions")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="stop grading one mutant after this long: killed "
                             "(default: 4 x the unmutated run + 30 s)")
    parser.add_argument("--fresh", action="store_true",
                        help="discard the work folder's session and start again")
    parser.add_argument("--report", action="store_true",
                        help="only write the table and survivors of the session so far")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Run (or resume) the session of `args.level`; write and print its table."""
    try:
        level = load_level(args.level)
        if level.build.get("kind", "none") != "none":
            raise InstructorError(f"{level.id} is built ({level.build.get('kind')}): mutation "
                                  "testing covers the Python levels only (level0: cargo-mutants "
                                  "on rust_kernels/, not wired in yet)")
        work = (args.work or kit_root() / "grading-output" / "mutation" / level.id).resolve()
        files = tuple(sorted(args.files)) if args.files else None
        settings = Settings(level.id, args.sample, args.seed, args.all_code, files)
        if args.report:  # the session's own settings, whatever the command line says
            state = work / "session.json"
            if not state.exists():
                raise InstructorError(f"no mutation session in {work}")
            saved = json.loads(state.read_text())
            settings = Settings(**{**saved, "files": tuple(saved["files"] or ()) or None})
        session = Session(level, work, settings, fresh=args.fresh, read_only=args.report)
        try:
            if not args.report:
                session.execute(budget=args.budget, timeout=args.timeout, quiet=args.quiet)
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


class BaselineError(Exception):
    """The unmutated copy does not get full marks: every mutant would look killed."""


class Session:
    """A work folder: the submission copy, cosmic-ray's work db and the settings."""

    def __init__(self, level: Level, work: Path, settings: Settings, *,
                 fresh: bool = False, read_only: bool = False) -> None:
        from cosmic_ray.work_db import WorkDB  # imported when used: grade.py starts faster

        self.level, self.work, self.settings = level, work, settings
        self.copy = work / "submission"
        self._timeouts: dict[tuple[str, ...], float] = {}  # per part set, from its baseline
        self._regions: dict[str, list[tuple[int, int]]] = {}  # key -> solution regions
        self.keys = [k for k in level.solution_keys() if k.endswith(".py")]
        if settings.files:
            unknown = sorted(set(settings.files) - set(self.keys))
            if unknown:
                raise InstructorError(f"not a Python student file of {level.id}: {unknown}")
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
                for name in ("session.json", "session.sqlite", "report.md"):
                    (work / name).unlink(missing_ok=True)
                shutil.rmtree(self.copy, ignore_errors=True)
        if state.exists() and json.loads(state.read_text()) != json.loads(settings.as_json()):
            raise InstructorError(f"{work} holds a session made with other settings "
                                  f"({state.read_text().strip()}): use --fresh or another --work")
        if not read_only:
            self._refresh_copy()  # undoes a mutant left in place by a killed run
        self.db = WorkDB(str(work / "session.sqlite"), WorkDB.Mode.create)
        if not state.exists():
            self._init()
            state.write_text(settings.as_json() + "\n")

    def _refresh_copy(self) -> None:
        for key in self.level.solution_keys():
            target = self.copy / key
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.level.solutions_dir / key, target)

    def _init(self) -> None:
        """Enumerate the mutants (cosmic-ray init), then mark those not graded as skipped."""
        from cosmic_ray.commands.init import init
        from cosmic_ray.work_item import WorkerOutcome, WorkResult

        init([self.copy / key for key in self.keys], self.db, {})
        mutants = self.mutants()
        wanted = [m for m in mutants if self.settings.all_code or self._in_solution(m)]
        if self.settings.sample is not None and self.settings.sample < len(wanted):
            wanted = random.Random(self.settings.seed).sample(wanted, self.settings.sample)
        chosen = {m.job_id for m in wanted}
        skipped = [m.job_id for m in mutants if m.job_id not in chosen]
        if skipped:
            self.db.set_multiple_results(skipped, WorkResult(worker_outcome=WorkerOutcome.SKIPPED))

    def _in_solution(self, mutant: Mutant) -> bool:
        if mutant.key not in self._regions:
            lines = (self.level.solutions_dir / mutant.key).read_text().splitlines()
            found = find_regions(lines, "python", mutant.key)
            self._regions[mutant.key] = [(r.begin, r.end) for r in found]
        return any(begin < mutant.line - 1 < end for begin, end in self._regions[mutant.key])

    def mutants(self, items: Iterable | None = None) -> list[Mutant]:
        """The session's mutants (or those of `items`), in a fixed order."""
        found = []
        for item in self.db.work_items if items is None else items:
            spec = item.mutations[0]
            key = Path(spec.module_path).relative_to(self.copy).as_posix()
            found.append(Mutant(item.job_id, key, spec.operator_name, spec.occurrence,
                                spec.start_pos[0], spec.definition_name or ""))
        return sorted(found, key=lambda m: (m.key, m.line, m.operator, m.occurrence))

    def parts_of(self, key: str) -> list[str]:
        """The parts whose tests grade a mutant of `key` (all parts when none names it)."""
        module = key.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        parts = [p.id for p in self.level.parts.values() if module in p.modules or key in p.files]
        return parts or list(self.level.parts)

    def keyword(self, parts: list[str]) -> str:
        """A `-k` expression selecting the suite files of `parts` (by their part marker)."""
        files = sorted(path.name for path in self.level.suites_dir.rglob("test_*.py")
                       if set(PART_MARK.findall(path.read_text())) & set(parts))
        return " or ".join(files)

    def grade(self, parts: list[str], timeout: float) -> tuple[str, float, str]:
        """Grade the copy as it is now with the tests of `parts`: outcome, seconds, output."""
        args = [self.level.id, "--submission", self.copy, "--quiet", "-k", self.keyword(parts)]
        started = time.monotonic()
        done = run_grade(self.level.root / "grade.py", args, cwd=self.level.root,
                         timeout=timeout, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        seconds = time.monotonic() - started
        output = done.stdout[-4000:] + done.stderr[-2000:]
        if done.timed_out:
            return KILLED, seconds, f"stopped after {timeout:.0f} s\n{output}"
        outcome = {0: SURVIVED, 1: KILLED}.get(done.returncode, INCOMPETENT)
        return outcome, seconds, f"exit {done.returncode}\n{output}"

    def execute(self, *, budget: float | None, timeout: float | None, quiet: bool) -> None:
        """Grade the pending mutants until done or out of budget; each result is committed."""
        pending = self.mutants(self.db.pending_work_items)
        # A seeded shuffle: a run stopped by its budget has graded a uniform sample.
        random.Random(self.settings.seed).shuffle(pending)
        bar = _Bar(len(pending), self.db.num_results, quiet)
        started = time.monotonic()
        for mutant in pending:
            if budget is not None and time.monotonic() - started > budget:
                bar.note(f"budget of {budget:g} s used: {bar.left} mutants left, "
                         f"~{bar.seconds_left() / 3600:.1f} h at this pace (run again to go on)")
                break
            bar.step(self.grade_mutant(mutant, timeout))
        bar.close()

    def grade_mutant(self, mutant: Mutant, timeout: float | None = None) -> str:
        """Apply `mutant` to the copy, grade it, undo it, commit the result; its outcome."""
        from cosmic_ray.mutating import use_mutation
        from cosmic_ray.plugins import get_operator
        from cosmic_ray.work_item import TestOutcome, WorkerOutcome, WorkResult

        parts = self.parts_of(mutant.key)
        if timeout is None:
            timeout = self._timeouts.get(tuple(parts)) or self._baseline(parts)
            self._timeouts[tuple(parts)] = timeout
        path = self.copy / mutant.key
        with use_mutation(path, get_operator(mutant.operator)(), mutant.occurrence) as codes:
            original, mutated = codes
            if mutated is None:  # the source changed since the session was made
                result, outcome = WorkResult(worker_outcome=WorkerOutcome.NO_TEST), INCOMPETENT
            else:
                outcome, _seconds, output = self.grade(parts, timeout)
                diff = "".join(difflib.unified_diff(original.splitlines(True),
                                                    mutated.splitlines(True),
                                                    f"a/{mutant.key}", f"b/{mutant.key}"))
                result = WorkResult(worker_outcome=WorkerOutcome.NORMAL, output=output,
                                    test_outcome=TestOutcome(outcome), diff=diff)
        self.db.set_result(mutant.job_id, result)
        return outcome

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
        counts: dict[str, dict[str, int]] = {}
        survivors = self.work / "survivors"
        shutil.rmtree(survivors, ignore_errors=True)
        survivors.mkdir()
        pending, listed = 0, []
        for number, mutant in enumerate(self.mutants(), 1):
            result = results.get(mutant.job_id)
            if result is not None and result.worker_outcome == WorkerOutcome.SKIPPED:
                continue
            row = counts.setdefault(mutant.key, {KILLED: 0, SURVIVED: 0, INCOMPETENT: 0})
            if result is None:
                pending += 1
                continue
            outcome = result.test_outcome.value if result.test_outcome else INCOMPETENT
            row[outcome] += 1
            if outcome == SURVIVED:
                name = f"{number:04d}-{Path(mutant.key).stem}-{mutant.definition or 'module'}-"
                name += mutant.operator.split("/")[-1] + f"-{mutant.occurrence}.diff"
                where = f"{mutant.key}:{mutant.line} in {mutant.definition or '<module>'}"
                (survivors / name).write_text(f"# {where}: {mutant.operator} "
                                              f"#{mutant.occurrence}\n" + (result.diff or ""))
                changed = [line[1:].strip() for line in (result.diff or "").splitlines()
                           if line[:1] in "-+" and line[:3] not in ("---", "+++")]
                listed.append(f"- `{name}` {where}: `{'` → `'.join(changed)}`")
        table = _table(self, counts, pending)
        if listed:
            table += "\n\nsurvivors (a missing test, or an equivalent mutant):\n"
            table += "\n".join(listed)
        (self.work / "report.md").write_text(table + "\n")
        return table


def _table(session: Session, counts: dict[str, dict[str, int]], pending: int) -> str:
    """The Markdown table: one row per mutated file (with its parts) and the level's total."""
    level = session.settings.level
    lines = [f"mutation testing of {level}: {session.work}", "",
             "| file | parts | killed | survived | incompetent | score |",
             "|---|---|---:|---:|---:|---:|"]
    total = {KILLED: 0, SURVIVED: 0, INCOMPETENT: 0}
    for key, row in counts.items():
        for name in total:
            total[name] += row[name]
        lines.append(f"| {key} | {', '.join(session.parts_of(key))} | {row[KILLED]} | "
                     f"{row[SURVIVED]} | {row[INCOMPETENT]} | {_score(row)} |")
    lines.append(f"| **{level}** | | {total[KILLED]} | {total[SURVIVED]} | "
                 f"{total[INCOMPETENT]} | {_score(total)} |")
    lines += ["", f"survivors: {session.work / 'survivors'} ({total[SURVIVED]} diffs); "
                  f"not graded yet: {pending}"]
    return "\n".join(lines)


def _score(row: dict[str, int]) -> str:
    scored = row[KILLED] + row[SURVIVED]
    return f"{100 * row[KILLED] / scored:.1f}%" if scored else "-"


class _Bar:
    """A progress bar on stderr (one line per mutant when it is not a terminal)."""

    def __init__(self, total: int, done_before: int, quiet: bool) -> None:
        self.total, self.done, self.quiet = total, 0, quiet
        self.counts = {KILLED: 0, SURVIVED: 0, INCOMPETENT: 0}
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
        self.counts[outcome] += 1
        if self.quiet:
            return
        elapsed, eta = time.monotonic() - self.started, self.seconds_left()
        filled = int(24 * self.done / max(self.total, 1))
        text = (f"[{'#' * filled}{'.' * (24 - filled)}] {self.done}/{self.total}  "
                f"killed {self.counts[KILLED]}  survived {self.counts[SURVIVED]}  "
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
