"""`python grade.py LEVEL --watch`: grade once, then re-grade on each save.

The student files are watched with watchfiles (OS file events, debounced: an editor's burst
of writes on one save is one change). A change to a file re-grades only the parts that use it
(the manifest's `modules` and `files` of each part; a file no part names re-grades them all),
and their results replace the earlier ones in the report, which is drawn again in place on a
terminal (a separator line between reports otherwise). Ctrl-C stops watching: exit status 130.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import watchfiles

from autograder.judge import interrupt
from autograder.judge.errors import GraderError
from autograder.judge.runner import GradeOptions, grade_level
from autograder.judge.workspace import Source
from autograder.levels import Level, load_level
from autograder.report import history
from autograder.report.progress import Progress
from autograder.report.record import LevelResult, RunRecord
from autograder.report.text import render

EXIT_BAD_INPUT, EXIT_INTERRUPTED = 2, 130
#: A suite's part markers, `@pytest.mark.part("nested")`: which suite files grade a part.
CLEAR = "\033[H\033[2J\033[3J"  # cursor home, clear the screen and its scrollback


def file_keys(level: Level, source: Source) -> dict[Path, str]:
    """Where each student file of the level is in `source`, resolved -> its key.

    A submission folder may hold the student repository's layout, the keys, or bare file
    names (as the workspace reads it); every place a key may be is watched."""
    keys = level.stub_keys()
    where: dict[Path, str] = {}
    for key in keys:
        if source.kind == "solutions":
            places = [level.solutions_dir / key]
        elif source.kind == "submission" and source.path is not None:
            places = [source.path / level.student_path(key, Path()), source.path / key,
                      source.path / Path(key).name]
        else:
            places = [level.student_path(key)]
        for place in places:
            where.setdefault(place.resolve(), key)
    return where


def keyword_for(level: Level, parts: list[str]) -> str | None:
    """A `-k` expression selecting the suite files with tests of `parts` (None: all tests)."""
    if set(parts) >= set(level.parts):
        return None
    return " or ".join(level.suite_files_of(parts)) or None


def merge(old: LevelResult, new: LevelResult, titles: dict[str, str]) -> LevelResult:
    """`old` with the tests that `new` ran (and their benchmark rows) replaced by `new`'s."""
    fresh = {t.nodeid: t for t in new.tests}
    tests = [fresh.pop(t.nodeid, t) for t in old.tests] + list(fresh.values())
    rerun = {t.name for t in new.tests}
    benchmarks = [row for row in old.benchmarks if row.get("test") not in rerun]
    merged = replace(new, tests=tests, benchmarks=benchmarks + new.benchmarks)
    merged.summarize_parts(titles)
    return merged


class Watcher:
    """One level graded from one source, re-graded part by part as its files change."""

    def __init__(self, level: Level, source: Source, args: argparse.Namespace) -> None:
        self.level, self.source, self.args = level, source, args
        self.keys = file_keys(level, source)
        self.titles = {p.id: p.title for p in level.parts.values()}
        self.result: LevelResult | None = None
        self.error = ""
        self.tty = sys.stdout.isatty()

    def grade(self, parts: list[str]) -> str:
        """Grade the tests of `parts` and fold them into the report; what was graded."""
        keyword = keyword_for(self.level, parts)
        if self.args.keyword:  # the user's own -k narrows every re-grade
            keyword = f"({self.args.keyword}) and ({keyword})" if keyword else self.args.keyword
        progress = Progress(enabled=not self.args.quiet)
        options = GradeOptions(keyword=keyword, public_only=self.args.public_only,
                               progress=progress.test_done, on_stage=progress.stage)
        record = RunRecord()
        progress.start_level(self.level.id)
        try:
            new = grade_level(self.level, self.source, options)
            self.error = ""
        except GraderError as exc:
            interrupt.check()
            self.error = str(exc)
            return "grader error"
        finally:
            progress.end_level()
        interrupt.check()
        self.result = new if self.result is None else merge(self.result, new, self.titles)
        record.levels.append(replace(self.result, benchmarks=new.benchmarks))
        record.duration = new.duration
        history.append_safely(record, "watch" if keyword is None else f"watch: -k {keyword}")
        return ", ".join(parts)

    def draw(self, status: str) -> None:
        """The report as it stands, drawn in place on a terminal, then the watch status."""
        record = RunRecord(levels=[self.result] if self.result else [])
        if self.error:
            record.grader_error = self.error
        colour = self.tty and not os.environ.get("NO_COLOR")
        if self.tty:
            sys.stdout.write(CLEAR)
        else:
            print("\n" + "─" * 78)
        print(render(record, colour=colour, verbose=self.args.verbose))
        watched = sorted({key for path, key in self.keys.items() if path.exists()})
        print(f"\n{status}\nwatching {len(watched)} files of {self.level.id} "
              f"({self.source.label()}); save one to re-grade its parts, Ctrl-C to stop",
              flush=True)

    def roots(self) -> list[Path]:
        """The folders to watch: each folder that holds (or may hold) a student file."""
        folders = {path.parent for path in self.keys}
        existing = sorted(f for f in folders if f.is_dir())
        # A folder inside another watched folder is already watched (recursively).
        return [f for f in existing if not any(o != f and o in f.parents for o in existing)]

    def changed_parts(self, changes: set[tuple[watchfiles.Change, str]]) -> tuple[list[str],
                                                                                     list[str]]:
        """(parts to re-grade, changed keys) for a batch of file events."""
        keys = sorted({self.keys[p] for _, raw in changes
                       if (p := Path(raw).resolve()) in self.keys})
        parts = list(dict.fromkeys(part for key in keys for part in self.level.parts_using(key)))
        return [p for p in self.level.parts if p in parts], keys

    def run(self) -> int:
        """Grade, then watch until Ctrl-C (exit status 130)."""
        # Ctrl-C while grading is latched (pytest swallows it and returns early) and raised
        # again once the grading is over, so that a half-finished re-grade is never shown as
        # the new state.
        try:
            with interrupt.latched():
                # The watcher starts first: a save made while a grading runs is kept for the
                # next round, and none made after "watching ..." is printed can be missed. It
                # wakes every second with no change (yield_on_timeout), which is ignored.
                saves = watchfiles.watch(*self.roots(), raise_interrupt=True,
                                         yield_on_timeout=True, rust_timeout=1000)
                next(saves)
                started = time.monotonic()
                graded = self.grade(list(self.level.parts))
                self.draw(f"graded {graded} in {time.monotonic() - started:.1f} s")
                for changes in saves:
                    parts, keys = self.changed_parts(changes)
                    if not parts:
                        continue
                    started = time.monotonic()
                    graded = self.grade(parts)
                    took = time.monotonic() - started
                    self.draw(f"{', '.join(keys)} changed: re-graded {graded} at "
                              f"{time.strftime('%H:%M:%S')} in {took:.1f} s")
        except KeyboardInterrupt:
            print("\nstopped watching", file=sys.stderr)
            return EXIT_INTERRUPTED
        return EXIT_INTERRUPTED  # pragma: no cover - the watch ends only by Ctrl-C


def watch(args: argparse.Namespace, source: Source) -> int:
    """`grade.py LEVEL --watch`; returns the exit status (130 once Ctrl-C ends it)."""
    refused = [flag for flag, used in [("all", args.command == "all"), ("--list", args.list),
                                       ("--output", args.output is not None),
                                       ("--format", args.format != "text")] if used]
    if refused:
        print(f"grade.py: error: --watch grades one level in the terminal; it does not go "
              f"with {', '.join(refused)} (see --help)", file=sys.stderr)
        return EXIT_BAD_INPUT
    return Watcher(load_level(args.command), source, args).run()
