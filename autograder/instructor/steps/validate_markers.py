"""Step 2: every solution file's markers are exact, balanced and in the right cells."""

from __future__ import annotations

from autograder.instructor.markers import (
    MarkerError,
    find_regions,
    loose_markers,
    notebook_regions,
    style_of,
)
from autograder.instructor.steps import ReleaseContext


class ValidateMarkers:
    """Find the regions of each file; any malformed, unbalanced or misplaced marker is a problem.

    Runs before stubbing: a marker the stubber did not recognise would ship a solution.
    """

    name = "validate markers"

    def run(self, ctx: ReleaseContext) -> None:
        """Set `file.regions`; report each marker problem with its file and line."""
        for item in ctx.files:
            style = style_of(item.source)
            try:
                if style in ("python", "rust"):
                    lines = item.solution.splitlines(keepends=True)
                    item.regions = find_regions(lines, style, ctx.rel(item.source))
                elif style == "notebook":
                    notebook_regions(item.source, item.solution)
                else:
                    for line, text in loose_markers(item.solution):
                        ctx.problems.append(
                            f"{ctx.rel(item.source)}:{line}: marker {text!r} in a file that "
                            "cannot hold solution regions (only .py, .rs and .ipynb)"
                        )
            except MarkerError as exc:
                ctx.problems.append(str(exc))
