"""Instructor tools: stubs from solutions, student repository, nbgrader, Gradescope, batches.

One job per module: `markers` (find/validate solution regions), `stubs` (region → stub),
`leaks` (solution text in released files), `release` (`grade.py release`), `student_repo`,
`notebooks` (`grade.py notebooks`), `gradescope` (`grade.py gradescope`), `batch`
(`grade.py batch`). Sub-command modules expose `add_arguments(parser)` and `run(args) -> int`.
"""
