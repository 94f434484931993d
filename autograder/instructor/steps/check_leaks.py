"""Step 4: nothing of a solution reaches the student tree, and every stub still parses."""

from __future__ import annotations

from autograder.instructor import leaks
from autograder.instructor.markers import MarkerError, style_of
from autograder.instructor.steps import ReleaseContext


class CheckLeaks:
    """Fail loudly when a stub still holds a marker or a distinctive solution line, or when
    a Python stub does not compile (a stub must import). Runs after stubbing and before
    anything is written, so a leak never reaches the disk."""

    name = "check leaks"

    def run(self, ctx: ReleaseContext) -> None:
        """Report each leak with the file and the offending text."""
        for item in ctx.files:
            if item.stub is None:
                continue
            where = ctx.rel(item.target)
            for line, text in leaks.find_markers(item.stub):
                ctx.problems.append(f"{where}:{line}: marker left in the stub: {text!r}")
            try:
                secret = leaks.solution_lines(item.source, item.solution)
            except MarkerError as exc:
                ctx.problems.append(str(exc))
                continue
            for text in leaks.find_solution_lines(secret, item.target, item.stub):
                ctx.problems.append(f"{where}: solution line in the stub: {text!r}")
            if style_of(item.target) == "python":
                try:
                    compile(item.stub, where, "exec", dont_inherit=True)
                except SyntaxError as exc:
                    ctx.problems.append(
                        f"{where}:{exc.lineno}: the stub does not compile: {exc.msg}"
                    )
