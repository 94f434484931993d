"""Stop a grading run at its first failing test: a pytest plugin for mutation testing only.

`grade.py mutation` grades hundreds of mutants and needs one bit from each (did it lose points,
and in which part), not the full report: each mutant's `grade.py` runs with

    PYTEST_ADDOPTS="-p autograder.judge.fail_fast"

(`PLUGIN_OPTION`), which pytest reads on its own: nothing student-facing changes, and the
runner and plugin are untouched. It does two things, both after the grading profile is set:

- `--maxfail 1`: the session ends after the first failed test (a killed mutant usually fails
  one of the first tests it meets; the tests after it would only repeat the verdict);
- hypothesis without its shrink and explain phases: a failing example is reported as found,
  not reduced to the smallest one (that is for a student reading the message; it can take
  longer than the search that found the failure).

A run stopped this way reports the tests that ran, so it loses points exactly when the full
run would have lost points in the tests it ran: the verdict (and the part that lost points)
is the same, only sooner.

`grade.py mutation` also names, in `TEENYGRAD_MUTATION_FIRST` (a JSON list of test names),
the tests that killed earlier mutants of the same definition; they run first, the others after
in their usual order. The same tests run, so a mutant fails one of them in either order (the
verdict is the same); a killed mutant usually meets its failure sooner.
"""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import Phase, settings

#: What a child's PYTEST_ADDOPTS holds to load this plugin.
PLUGIN_OPTION = "-p autograder.judge.fail_fast"
PROFILE = "grading-fail-fast"
#: The environment variable naming the tests to run first (a JSON list of names).
FIRST_ENV = "TEENYGRAD_MUTATION_FIRST"


@pytest.hookimpl(trylast=True)  # after GradingPlugin.pytest_configure loaded "grading"
def pytest_configure(config: pytest.Config) -> None:
    """First failure ends the session; hypothesis reports failures unshrunk."""
    config.option.maxfail = 1
    settings.register_profile(
        PROFILE, parent=settings.default,
        phases=[p for p in settings.default.phases if p not in (Phase.shrink, Phase.explain)])
    settings.load_profile(PROFILE)


@pytest.hookimpl(trylast=True)  # after the grading plugin and -k chose the tests
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests `FIRST_ENV` names first (in its order), the others after, as they were."""
    try:
        first = json.loads(os.environ.get(FIRST_ENV) or "[]")
    except ValueError:
        return  # a malformed hint changes nothing: the usual order
    rank = {name: index for index, name in enumerate(first) if isinstance(name, str)}
    items.sort(key=lambda item: rank.get(item.name, len(rank)))  # stable: the rest keep order
