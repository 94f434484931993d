"""Capstone handout: one teenygrad assembled from the student's levels."""

from autograder.instructor.handouts import Answer, Demo

HANDOUT = """\
# Capstone — @TITLE@

Your three levels become one framework (the README next to this notebook has the whole map):

1. **backend** — `stack/backend.py`: a small backend (views, `map`, `zip` with broadcasting,
   `reduce`) on your level -1 strided `Tensor`: every view one call of your level -1 code,
   never a copy;
2. **matmul** — its matrix product on your level 0 SGEMM (`teenygrad_kernels.sgemm_lists`);
3. **autodiff** — your level 1 files, unchanged: `stack.levels` loads them with
   `stack.array` (numpy's names computed by your backend) in numpy's place;
4. **conv** — `windows`, the im2col view (one `from_layout`), and `conv2d` in `stack/conv.py`,
   forward and backward as matrix products;
5. **train** — an MLP and a small CNN trained on your stack, ≥ 95% on the grader's held-out
   digits, with the time per step next to numpy's and a profile of where the time goes.

`stack.assemble()` gives your stack; `import numpy; stack.assemble(numpy)` the same level 1
code on numpy. A level 1 student who skips the capstone sees no change: nothing in the earlier
levels' folders is edited, and each level is still graded on its own.

**How it is graded.** `python grade.py capstone` from the repository root builds your level 0
crate, then grades the parts you have swapped in (`stack/swap.py`: none as handed out; a part
not listed earns nothing yet, and while `backend` or `matmul` is not listed the others run on
the kit's numpy backend in its place). With every part swapped in, every test runs on your own
stack (no numpy in the worker). A failure names the file that caused it, in whichever level
it is. The last cells grade the repository this
notebook sits in (the capstone needs your earlier levels' files).
"""

QUESTIONS_INTRO = """\
## im2col by hand

A batch of B = 32 grey digits (C = 1 channel, H = W = 8) goes through a convolution with
F = 4 filters of 3 × 3, stride 1, no padding. The batch is stored contiguously (strides in
elements: 64, 64, 8, 1). Answers are compared to 4 significant figures.
"""

QUESTIONS = [
    Answer(
        "q_cols_rows",
        "**Q1.** How many rows does the im2col matrix `cols` have (one per output position of "
        "every image)?",
        "cols_rows = 32 * (8 - 3 + 1) * (8 - 3 + 1)",
        "cols_rows",
    ),
    Answer(
        "q_conv_flops",
        "**Q2.** The forward product `cols @ W2.T` (W2 is F × C·kh·kw): how many floating-point "
        "operations (an FMA counts as two)?",
        "conv_flops = 2 * (32 * 36) * (1 * 3 * 3) * 4",
        "conv_flops",
    ),
    Answer(
        "q_window_strides",
        "**Q3.** The windows view has shape (32, 1, 6, 6, 3, 3). Give its six strides, in "
        "elements, as a tuple.",
        "window_strides = (64, 64, 8, 1, 8, 1)",
        "window_strides",
    ),
]

DEMOS = [
    Demo(
        "demo_compare_backends",
        """\
        ## One step on both backends (not graded)

        The same batch and weights through your level 1 code twice: on numpy and on your
        stack. The losses and gradients agree to rounding (the products run in float32 on
        your kernels); the times show where the capstone's cost is. Your stack needs your
        level 0 module in this environment: `pip install ./rust_kernels/teenygrad_kernels`
        from the repository root (again after each change to a kernel).
        """,
        """\
        import time

        import numpy
        import stack

        rng = numpy.random.default_rng(0)
        x, w = rng.random((32, 64)), rng.standard_normal((10, 64)) * 0.1
        y = rng.integers(0, 10, 32)
        for name, tg in (("numpy", stack.assemble(numpy)), ("your stack", stack.assemble())):
            xt, wt = tg.Tensor(tg.np.array(x.tolist())), tg.Tensor(tg.np.array(w.tolist()),
                                                                   requires_grad=True)
            start = time.perf_counter()
            loss = tg.losses.cross_entropy(xt @ wt.T, tg.np.array(y.tolist()))
            loss.backward()
            seconds = time.perf_counter() - start
            print(f"{name:>10}: loss {loss.item():.6f}, |grad| "
                  f"{numpy.abs(numpy.array(wt.grad.tolist())).sum():.6f}, {seconds * 1e3:.2f} ms")
        """,
    ),
    Demo(
        "demo_grade_the_repository",
        """\
        ## The engine cells grade your repository (run this cell first)

        The capstone runs your earlier levels' files too, and they are not in this folder. In
        your repository (this notebook in `assignments/capstone/`), the cells below grade the
        repository root, as `python grade.py capstone` does. In an nbgrader course, where each
        level is a folder of its own, they take your earlier levels from the folders next to
        this one (`../level-1/`, `../level0/`, `../level1/`, as nbgrader fetches, collects and
        autogrades them; when autograding, also `submitted/<you>/<level>/`), put everything in
        a temporary copy laid out like the repository and grade that. Each cell's output says
        where each earlier level came from; one not found is graded as its stubs.
        """,
        """\
        import shutil

        _grade_this_folder = engine_points
        # Each earlier level's files the capstone runs, relative to that level's own folder,
        # and where they go in the repository's layout.
        _EARLIER = {"level-1": ("teenygrad/*.py", "assignments/level-1/"),
                    "level0": ("rust_kernels/teenygrad_kernels/src/kernels/*.rs", ""),
                    "level1": ("teenygrad/*.py", "assignments/level1/")}
        _COPY = Path(tempfile.mkdtemp(prefix="capstone-"))


        def _earlier_folder(here, level):
            # the student's folder of `level` next to this one, or None
            candidates = [here.parent / level]
            if here.parent.parent.name == "autograded":  # nbgrader autograde: also submitted/
                course = here.parent.parent.parent
                candidates.append(course / "submitted" / here.parent.name / level)
            pattern = _EARLIER[level][0]
            return next((c for c in candidates if any(c.glob(pattern))), None)


        def _as_repository(here):
            # a copy of this folder and the earlier levels' files, laid out like the
            # repository (plain files only); one line saying where each level came from
            shutil.rmtree(_COPY / "assignments", ignore_errors=True)
            shutil.rmtree(_COPY / "rust_kernels", ignore_errors=True)
            said = []
            found = {"capstone": here, **{lv: _earlier_folder(here, lv) for lv in _EARLIER}}
            for level, folder in found.items():
                if folder is None:
                    said.append(f"{level}: not found next to this folder, graded as its stubs")
                    continue
                pattern, prefix = _EARLIER.get(level, ("stack/*.py", "assignments/capstone/"))
                for path in folder.glob(pattern):
                    if path.is_file() and not path.is_symlink():
                        target = _COPY / prefix / path.relative_to(folder)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(path, target)
                if level != "capstone":
                    said.append(f"{level} from {folder}")
            return "earlier levels: " + "; ".join(said)


        def engine_points(part, max_points):
            here = Path.cwd()
            repository = here.parent.parent
            in_repository = (repository / "assignments" / "level1").is_dir()
            if here.parent.name == "assignments" and in_repository:
                os.chdir(repository)
            else:  # an nbgrader course: this folder and its neighbours, as a repository
                print(_as_repository(here))
                os.chdir(_COPY)
            try:
                return _grade_this_folder(part, max_points)
            finally:
                os.chdir(here)
        """,
    ),
]
