"""Seconds per mutant of `grade.py mutation`, three ways, on the same mutants.

Usage: python tests/benchmarks/mutation_pace.py LEVEL [--mutants 20] [--seed 0] [--work DIR]

The mutants are the first N of the seeded sample `grade.py mutation LEVEL --sample N --seed S`
grades. Each one is graded three ways, one after the other, so that a busy machine's load falls
on all three alike:

- before: a fresh `grade.py` with every test of every part that uses the mutated file, each test
  to its end (hypothesis shrinking a failure): how mutants were graded before fail-fast;
- fail-fast: `Session.grade_mutant` with a fresh `grade.py` each (`--no-fork`);
- forked: `Session.grade_mutant` as `grade.py mutation` runs it (the default).

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

WAYS = ("before", "fail-fast", "forked")


def main() -> None:
    """Grade the sample three ways and print the pace of each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("level")
    parser.add_argument("--mutants", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, help="the session folder (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp) / "session"
        level = load_level(args.level)
        session = Session(level, work, Settings(level.id, args.mutants, args.seed, False))
        try:
            totals = run(session)
        finally:
            session.db.close()
    count = max(args.mutants, 1)
    print("  ".join(f"{way}: {seconds:.0f} s, {seconds / count:.1f} s/mutant"
                    for way, seconds in totals.items())
          + f"  (before / forked: x{totals['before'] / max(totals['forked'], 1e-9):.2f})")


def run(session: Session) -> dict[str, float]:
    """Each pending mutant of `session`, graded the three ways; total seconds per way."""
    from cosmic_ray.mutating import use_mutation
    from cosmic_ray.plugins import get_operator

    totals = dict.fromkeys(WAYS, 0.0)
    for mutant in session.mutants(session.db.pending_work_items):
        parts = session.parts_of(mutant.key)
        session.fail_fast, session.preforked = False, False
        timeout = session._timeout(parts, None)  # noqa: SLF001 - the session's own baseline
        seconds, verdicts = {}, {}
        with use_mutation(session.copy / mutant.key, get_operator(mutant.operator)(),
                          mutant.occurrence):
            started = time.monotonic()
            verdicts["before"] = session.grade(parts, timeout)[0]
            seconds["before"] = time.monotonic() - started
        for way, fork in (("fail-fast", False), ("forked", True)):
            session.fail_fast, session.preforked = True, fork
            started = time.monotonic()
            verdicts[way] = session.grade_mutant(mutant)
            seconds[way] = time.monotonic() - started
        for way in WAYS:
            totals[way] += seconds[way]
        print(f"{mutant.key}:{mutant.line} {mutant.operator.split('/')[-1]}  "
              + "  ".join(f"{way} {verdicts[way]} {seconds[way]:.1f} s" for way in WAYS),
              flush=True)
    return totals


if __name__ == "__main__":
    main()
