"""Step 5: write the stubs, or (with --check) compare them with the committed files."""

from __future__ import annotations

from autograder.instructor.steps import ReleaseContext


class WriteFiles:
    """Write each stub whose target differs (creating folders), or, in check mode, list the
    targets that differ from what the solutions generate without touching anything."""

    name = "write files"

    def run(self, ctx: ReleaseContext) -> None:
        """Fill `ctx.differing` and, unless checking, `ctx.written`."""
        for item in ctx.files:
            if item.stub is None:
                continue
            try:
                current = item.target.read_text(encoding="utf-8")
            except (FileNotFoundError, UnicodeDecodeError):
                current = None
            if current == item.stub:
                continue
            ctx.differing.append(item)
            if not ctx.check_only:
                item.target.parent.mkdir(parents=True, exist_ok=True)
                item.target.write_text(item.stub, encoding="utf-8")
                ctx.written.append(item)
