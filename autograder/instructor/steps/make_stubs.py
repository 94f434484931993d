"""Step 3: generate each student file from its solution."""

from __future__ import annotations

from autograder.instructor import notebooks
from autograder.instructor.levels import InstructorError
from autograder.instructor.steps import ReleaseContext
from autograder.instructor.stubs import stub_text


class MakeStubs:
    """Python and Rust regions become stubs (see stubs.py); handout notebooks go through
    nbgrader's own ClearSolutions and ClearOutput, exactly as `generate_assignment` does.
    Files without regions are released unchanged (and listed in the notes)."""

    name = "make stubs"

    def run(self, ctx: ReleaseContext) -> None:
        """Set `file.stub` for every planned file."""
        for item in ctx.files:
            try:
                if item.kind == "notebook":
                    item.stub = notebooks.student_notebook(item.solution)
                else:
                    item.stub = stub_text(ctx.rel(item.source), item.solution)
            except (InstructorError, RuntimeError, ValueError) as exc:
                ctx.problems.append(f"{ctx.rel(item.source)}: cannot make the stub: {exc}")
                continue
            if item.kind == "source" and not item.regions:
                ctx.notes.append(f"{ctx.rel(item.target)}: no solution region, released as is")
