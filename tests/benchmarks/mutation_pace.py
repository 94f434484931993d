"""Seconds per mutant of `grade.py mutation`, up to four ways, on the same mutants.

Usage: python tests/benchmarks/mutation_pace.py LEVEL [--mutants 20] [--seed 0] [--work DIR]
       [--ways before fail-fast forked history]

The mutants are the first N of the seeded sample `grade.py mutation LEVEL --sample N --seed S`
grades. Each one is graded each way, one after the other, so that a busy machine's load falls
on all of them alike:

- before: a fresh `grade.py` with every test of every part that uses the mutated file, each test
  to its end (hypothesis shrinking a failure): how mutants were graded before fail-fast;
- fail-fast: `Session.grade_mutant` with a fresh `grade.py` each (`--no-fork`), usual test order;
- forked: `Session.grade_mutant` forked, in the usual test order;
- history: forked, with the tests that killed this run's earlier mutants of the same definition
  (then file) first, as `grade.py mutation` runs it (the default); its history holds only what
  this way graded, never another way's verdict on the same mutant.

It prints each mutant's verdicts and seconds, then the totals (docs/mutation.md has a run).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

KIT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(KIT))

from autograder.instructor.mutation import Session, Settings  # noqa: E402 - after the path
from autograder.levels import load_level  # noqa: E402

WAYS = ("before", "fail-fast", "forked", "history")


def main() -> None:
    """Grade the sample three ways and print the pace of each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("level")
    parser.add_argument("--mutants", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, help="the session folder (default: a temporary one)")
    parser.add_argument("--ways", nargs="+", choices=WAYS, default=list(WAYS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp) / "session"
        level = load_level(args.level)
        session = Session(level, work, Settings(level.id, args.mutants, args.seed, False))
        try:
            totals = run(session, args.ways)
        finally:
            session.db.close()
    count = max(args.mutants, 1)
    print("  ".join(f"{way}: {seconds:.0f} s, {seconds / count:.1f} s/mutant"
                    for way, seconds in totals.items()))


def run(session: Session, ways: list[str]) -> dict[str, float]:
    """Each pending mutant of `session`, graded each of `ways`; total seconds per way."""
    from cosmic_ray.mutating import use_mutation
    from cosmic_ray.plugins import get_operator

    totals = dict.fromkeys(ways, 0.0)
    history: dict = {}  # the history way's own: what it graded before this mutant
    for mutant in session.mutants(session.db.pending_work_items):
        parts = session.parts_of(mutant.key)
        session.fail_fast, session.preforked = False, False
        timeout = session._timeout(parts, None)  # noqa: SLF001 - the session's own baseline
        seconds, verdicts = {}, {}
        if "before" in ways:
            with use_mutation(session.copy / mutant.key, get_operator(mutant.operator)(),
                              mutant.occurrence):
                started = time.monotonic()
                verdicts["before"] = session.grade(parts, timeout)[0]
                seconds["before"] = time.monotonic() - started
        for way in (w for w in ways if w != "before"):
            session.fail_fast, session.preforked = True, way != "fail-fast"
            session.kill_history = way == "history"
            session._history = history if way == "history" else {}  # noqa: SLF001
            started = time.monotonic()
            verdicts[way] = session.grade_mutant(mutant)
            seconds[way] = time.monotonic() - started
        for way in ways:
            totals[way] += seconds[way]
        print(f"{mutant.key}:{mutant.line} {mutant.operator.split('/')[-1]}  "
              + "  ".join(f"{way} {verdicts[way]} {seconds[way]:.1f} s" for way in ways),
              flush=True)
    return totals


if __name__ == "__main__":
    main()
