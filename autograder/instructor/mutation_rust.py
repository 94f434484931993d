"""`grade.py mutation level0`: mutation testing of a Rust level's kernels with cargo-mutants.

The session, progress bar, report and survivors are `mutation.py`'s; only what is Rust differs:

- **Mutants** come from `cargo mutants --list --json` (one small change each: a binary
  operator swapped, a function body replaced by a default value, a match arm deleted, ...),
  run on a copy of the kit's Cargo workspace with the reference kernels laid over it
  (`crate/` in the work folder); only changes that touch a `// BEGIN/END SOLUTION` region
  count. Code compiled only for another CPU architecture (`#[cfg(target_arch = "aarch64")]`
  on x86-64) cannot be graded here: its mutants are listed as incompetent.
- **Unviable mutants** (rustc refuses them) are found by `cargo check` in that copy, whose
  target folder stays warm between mutants (a few seconds each), and are listed as
  incompetent without grading: graded, a file that does not compile is built as its stub,
  which would look like a killed mutant.
- **Builds of its own.** `cargo check` and the graded builds use target folders in the work
  folder (`cache/`), copied at the start from the shared ones (dependencies already built):
  another level 0 build on the machine cannot lend them its library.
- **Correctness only.** A mutant is graded with the correctness tests of the parts whose
  kernels use the mutated file (its own part, and the parts whose files `use super::<it>`),
  never the speed tests (those that take the roofline fixture `roof`).

cargo-mutants is a crates.io binary: `cargo install --locked cargo-mutants`.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from autograder.instructor.levels import InstructorError
from autograder.instructor.mutation import Mutant, Session
from autograder.instructor.run_grade import run_grade
from autograder.judge.build import cache_dir
from autograder.judge.workspace import SKIP_DIRS

#: `cfg(target_arch = ...)` spelling of this machine's architecture.
HOST_ARCH = {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine().lower(),
                                                        platform.machine().lower())
ARCH_GATE = re.compile(r'#\[cfg\(target_arch\s*=\s*"(\w+)"\)\]')
OPERATOR = "cargo-mutants/{genre}"
#: The cargo target folders of a session (in `cache/` of its work folder): the graded builds
#: (the judge's name for it, see `cache_dir`) and `cargo check`.
TARGET, CHECK = "cargo-target", "mutation-check"
CHECK_TIMEOUT = 600.0


def cargo_mutants() -> str:
    """The `cargo-mutants` binary (InstructorError, one line, when it is not installed)."""
    cargo_bin = Path(os.environ.get("CARGO_HOME") or Path.home() / ".cargo") / "bin"
    found = shutil.which("cargo-mutants") or shutil.which("cargo-mutants", path=str(cargo_bin))
    if found is None:
        raise InstructorError("cargo-mutants is not installed (it makes level 0's mutants): "
                              "cargo install --locked cargo-mutants")
    return found


class RustSession(Session):
    """A mutation session of a level built with maturin: cargo-mutants makes the mutants."""

    suffix = ".rs"

    @property
    def tree(self) -> Path:
        """The copy of the kit's Cargo workspace with the reference kernels in it."""
        return self.job_path("crate") / "rust_kernels"

    @property
    def cache(self) -> Path:
        """This job's cargo target folders (the build's and `cargo check`'s)."""
        return self.job_path("cache")

    def _refresh_copy(self) -> None:
        """The submission copy and the Cargo workspace copy, both as the reference has them."""
        super()._refresh_copy()
        if not self.tree.is_dir():
            shutil.copytree(self.level.root / "rust_kernels", self.tree,
                            ignore=lambda _dir, names: [n for n in names if n in SKIP_DIRS])
        for key in self._rust_keys():  # every reference kernel: --files may name a user
            shutil.copyfile(self.level.solutions_dir / key, self.tree.parent / key)
        for name, shared in ((TARGET, cache_dir()), (CHECK, cache_dir().parent / CHECK)):
            _copy_tree(shared, self.cache / name)  # a warm start (dependencies built)

    def _init(self) -> None:
        """Enumerate the mutants (cargo mutants --list), then mark those not graded."""
        from cosmic_ray.work_item import MutationSpec, WorkItem

        crate = self.tree / Path(self.level.build["crate"]).relative_to("rust_kernels")
        listed = _list_mutants(self.tree, crate)
        items, foreign = [], []
        counts: dict[str, int] = {}
        for entry in listed:
            key = f"rust_kernels/{entry['file']}"
            if key not in self.keys:
                continue
            span = entry["span"]
            occurrence = counts[key] = counts.get(key, -1) + 1
            function = entry.get("function") or {}
            spec = MutationSpec(
                self.origin / key, OPERATOR.format(genre=entry["genre"]), occurrence,
                (span["start"]["line"], span["start"]["column"]),
                (span["end"]["line"], span["end"]["column"]),
                {"replacement": entry["replacement"], "name": entry["name"],
                 "end_line": span["end"]["line"], "source": self._digest(key)},
                function.get("function_name"))
            job_id = f"{key}:{occurrence}"
            items.append(WorkItem.single(job_id, spec))
            fn_line = (function.get("span") or span)["start"]["line"]
            arch = _arch_gate(self._lines(key), fn_line)
            if arch not in (None, HOST_ARCH):
                foreign.append((job_id, arch))
        self.db.add_work_items(items)
        self._choose()
        self._mark_foreign(foreign)

    def _mark_foreign(self, foreign: list[tuple[str, str]]) -> None:
        """Mutants of code this machine does not compile: incompetent here, with the reason."""
        from cosmic_ray.work_item import TestOutcome, WorkerOutcome, WorkResult

        skipped = {job for job, result in self.db.results
                   if result.worker_outcome == WorkerOutcome.SKIPPED}
        for job_id, arch in foreign:
            if job_id not in skipped:
                self.db.set_result(job_id, WorkResult(
                    worker_outcome=WorkerOutcome.NORMAL, test_outcome=TestOutcome.INCOMPETENT,
                    output=f"compiled only for {arch}; this machine is {HOST_ARCH}"))

    def _rust_keys(self) -> list[str]:
        """Every Rust student file of the level (`self.keys` holds only those mutated)."""
        return [k for k in self.level.solution_keys() if k.endswith(self.suffix)]

    def _lines(self, key: str) -> list[str]:
        return (self.level.solutions_dir / key).read_text().splitlines()

    def _digest(self, key: str) -> str:
        """The reference file's hash: a mutant's span is valid only in the text it was made of."""
        return hashlib.sha256((self.level.solutions_dir / key).read_bytes()).hexdigest()

    def _in_solution(self, mutant: Mutant) -> bool:
        """Whether the mutated span overlaps a solution region's body (a function body
        replaced by cargo-mutants starts on its first statement)."""
        if mutant.key not in self._regions:
            super()._in_solution(mutant)  # fills the cache
        end = self._specs()[mutant.job_id].operator_args["end_line"]
        return any(begin < end - 1 and mutant.line - 1 < stop
                   for begin, stop in self._regions[mutant.key])

    def _specs(self) -> dict:
        if not hasattr(self, "_spec_cache"):
            self._spec_cache = {item.job_id: item.mutations[0] for item in self.db.work_items}
        return self._spec_cache

    def parts_of(self, key: str) -> list[str]:
        """The parts whose kernels use `key`: its own, and those whose files `use super::<it>`."""
        module = f"super::{Path(key).stem}"
        users = {key} | {other for other in self._rust_keys() if other != key
                         and module in (self.level.solutions_dir / other).read_text()}
        parts = [p.id for p in self.level.parts.values() if users & set(p.files)]
        return parts or list(self.level.parts)

    def keyword(self, parts: list[str]) -> str:
        """A `-k` expression selecting the correctness tests of `parts`, by name."""
        names = [name for name, part in self._correctness_tests() if part in parts]
        if not names:
            raise InstructorError(f"{self.level.id}: no correctness test grades {parts}")
        return " or ".join(names)

    def _correctness_tests(self) -> list[tuple[str, str]]:
        """(test name, part) of every test but the speed tests (they take the fixture `roof`)."""
        if hasattr(self, "_tests"):
            return self._tests
        listing = run_grade(self.level.root / "grade.py",
                            [self.level.id, "--list", "--format", "json"],
                            cwd=self.level.root, timeout=300)
        if listing.returncode is None or not listing.stdout.strip().startswith("{"):
            raise InstructorError(f"cannot list {self.level.id}'s tests: "
                                  + (listing.stderr.strip().splitlines() or ["no output"])[-1])
        speed = _speed_tests(self.level.suites_dir)
        tests = json.loads(listing.stdout)["levels"][0]["tests"]
        self._tests = [(test["name"], test["part"]) for test in tests
                       if test["name"].split("[")[0] not in speed]
        return self._tests

    def owners(self, key: str, definition: str = "") -> list[str]:
        """The parts a mutant of `definition` in `key` must lose points in: as for Python, but
        only parts that name the file (not those that only `use` it, e.g. `parallel` for
        `sgemm_simd.rs`)."""
        naming = {p.id for p in self.level.parts.values() if key in p.files}
        owners = [p for p in super().owners(key, definition) if p in naming]
        return owners or sorted(naming) or self.parts_of(key)

    @contextmanager
    def applied(self, mutant: Mutant) -> Iterator[tuple[str, str | None]]:
        """`mutant` applied to the submission copy and the Cargo workspace copy."""
        spec = self._specs()[mutant.job_id]
        original = (self.level.solutions_dir / mutant.key).read_text()
        if spec.operator_args["source"] != self._digest(mutant.key):
            yield original, None  # the reference changed since the session was made
            return
        mutated = apply_span(original, spec.start_pos, spec.end_pos,
                             spec.operator_args["replacement"])
        targets = (self.copy / mutant.key, self.tree.parent / mutant.key)
        try:
            for target in targets:
                target.write_text(mutated)
            yield original, mutated
        finally:
            for target in targets:
                target.write_text(original)

    def refused(self, mutant: Mutant) -> str | None:
        """rustc's errors when the applied mutant does not compile (`cargo check`)."""
        errors = self._check()
        return None if errors is None else f"unviable: rustc refuses it\n{errors}"

    def grade_parts(self, parts: list[str], timeout: float) -> tuple[str, float, str, list[str]]:
        """`Session.grade_parts` building into this session's own cargo target folder: level 0
        builds elsewhere on the machine share `~/.cache/teenygrad-kit`, and a build that
        waited for another's lock can take that build's fresh library for its own (cargo
        compares modification times, and the other sources were written later)."""
        saved = os.environ.get("TEENYGRAD_CACHE")
        os.environ["TEENYGRAD_CACHE"] = str(self.cache)
        try:
            return super().grade_parts(parts, timeout)
        finally:
            if saved is None:
                os.environ.pop("TEENYGRAD_CACHE", None)
            else:
                os.environ["TEENYGRAD_CACHE"] = saved

    def _baseline(self, parts: list[str]) -> float:
        """The unmutated copy compiles (and warms `cargo check`'s target) and gets full marks."""
        refused = self._check()
        if refused is not None:
            raise InstructorError(f"the reference kernels do not compile in {self.tree}:\n"
                                  + refused)
        _copy_tree(self.cache / CHECK, cache_dir().parent / CHECK)  # for later sessions
        return super()._baseline(parts)

    def _check(self) -> str | None:
        """`cargo check` of the workspace copy: None when it compiles, else rustc's errors."""
        env = {**os.environ, "CARGO_TARGET_DIR": str(self.cache / CHECK),
               "CARGO_TERM_COLOR": "never"}
        done = subprocess.run(["cargo", "check", "--offline", "--quiet", "--message-format",
                               "short", "--manifest-path", str(self.tree / "Cargo.toml")],
                              capture_output=True, text=True, env=env, timeout=CHECK_TIMEOUT,
                              check=False)
        return None if done.returncode == 0 else done.stderr[-3000:]


def _copy_tree(source: Path, target: Path) -> None:
    """A copy of the cargo target folder `source` at `target`, unless `target` exists or
    `source` does not. Written beside and renamed, so a copy is whole or absent; one that
    another build changed meanwhile is only partly fresh, and cargo rebuilds the rest."""
    if target.exists() or not source.is_dir():
        return
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    try:
        shutil.copytree(source, partial, symlinks=True)
        partial.rename(target)
    except (OSError, shutil.Error):
        shutil.rmtree(partial, ignore_errors=True)  # a cold start instead


def _list_mutants(tree: Path, crate: Path) -> list[dict]:
    """`cargo mutants --list --json` of the crate in `tree`: one object per mutant."""
    cmd = [cargo_mutants(), "mutants", "--list", "--json", "--dir", str(crate)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=CHECK_TIMEOUT,
                          check=False, cwd=tree)
    if done.returncode != 0:
        raise InstructorError("cargo mutants --list failed: "
                              + (done.stderr.strip().splitlines() or ["no output"])[-1])
    return json.loads(done.stdout)


def _arch_gate(lines: list[str], fn_line: int) -> str | None:
    """The architecture a `#[cfg(target_arch = "...")]` on the function at 1-based `fn_line`
    (or on the attribute lines just above it) restricts it to, or None."""
    index = fn_line - 1
    while index >= 0:
        line = lines[index].strip()
        match = ARCH_GATE.search(line)
        if match:
            return match[1]
        if index < fn_line - 1 and not line.startswith(("#[", "///", "//")):
            return None
        index -= 1
    return None


def _speed_tests(suites: Path) -> set[str]:
    """Names of the test functions in `suites` that take the roofline fixture `roof`."""
    names = set()
    for path in suites.rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
                if "roof" in {arg.arg for arg in node.args.args}:
                    names.add(node.name)
    return names


def apply_span(text: str, start: tuple[int, int], end: tuple[int, int], replacement: str) -> str:
    """`text` with the span from `start` to `end` (1-based line, 1-based column of characters,
    end exclusive: cargo-mutants' convention) replaced by `replacement`."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    begin = offsets[start[0] - 1] + start[1] - 1
    stop = offsets[end[0] - 1] + end[1] - 1
    return text[:begin] + replacement + text[stop:]

