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
"""

from __future__ import annotations

import pytest
from hypothesis import Phase, settings

#: What a child's PYTEST_ADDOPTS holds to load this plugin.
PLUGIN_OPTION = "-p autograder.judge.fail_fast"
PROFILE = "grading-fail-fast"


@pytest.hookimpl(trylast=True)  # after GradingPlugin.pytest_configure loaded "grading"
def pytest_configure(config: pytest.Config) -> None:
    """First failure ends the session; hypothesis reports failures unshrunk."""
    config.option.maxfail = 1
    settings.register_profile(
        PROFILE, parent=settings.default,
        phases=[p for p in settings.default.phases if p not in (Phase.shrink, Phase.explain)])
    settings.load_profile(PROFILE)
