"""Step 1: list the files to release, from the level manifests and the handout notebooks."""

from __future__ import annotations

from autograder.instructor.steps import ReleaseContext, ReleaseFile


class CollectFiles:
    """Plan one ReleaseFile per editable key, plus one per handout notebook of a level.

    A key maps `solutions/<id>/<key>` to `assignments/<id>/<key>` (or to `<key>` when it starts
    with `rust_kernels/`). A notebook `solutions/<id>/*.ipynb` that is not a key is a handout:
    its student version goes to `assignments/<id>/`.
    """

    name = "collect files"

    def run(self, ctx: ReleaseContext) -> None:
        """Fill `ctx.files` and read every solution text."""
        for level in ctx.levels:
            keys = level.solution_keys()
            if not keys:
                ctx.problems.append(f"{ctx.rel(level.manifest)}: no editable file found")
            for key in keys:
                target = level.student_path(key, ctx.root)
                self._add(ctx, level.id, key, level.solutions_dir / key, target)
            for notebook in sorted(level.solutions_dir.glob("*.ipynb")):
                if notebook.name not in keys:
                    target = ctx.root / "assignments" / level.id / notebook.name
                    self._add(ctx, level.id, notebook.name, notebook, target)

    def _add(self, ctx: ReleaseContext, level: str, key: str, source, target) -> None:
        if not source.is_file():
            ctx.problems.append(f"{ctx.rel(source)}: missing (listed in the {level} manifest)")
            return
        try:
            solution = source.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            ctx.problems.append(f"{ctx.rel(source)}: not UTF-8 text")
            return
        ctx.files.append(ReleaseFile(level, key, source, target, solution=solution))
