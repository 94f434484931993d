"""Level -1 handout: the tensor from nested lists to strided views, and the BLAS in Python."""

from autograder.instructor.handouts import Answer

HANDOUT = """\
# Level −1 — @TITLE@

You write `teenygrad`'s first tensor in pure Python, the way the book's chapter 1.4 builds it:

1. **`teenygrad/nested.py`** — a tensor stored as nested lists: shape inference (ragged or
   non-numeric input is refused with an error naming the bad index), `tolist`, indexing,
   elementwise arithmetic, `sum`.
2. **`teenygrad/strided.py`** — one flat storage list plus `shape`, `strides` and `offset`.
   `reshape`, `permute`/`transpose`, slicing with steps and `expand` are *views*: they share
   the storage and only compute new strides. Broadcasting and reductions (`sum(axis,
   keepdims)`) follow numpy's rules.
3. **`teenygrad/blas.py`** — `saxpy`, `sdot`, `sgemv`, `sgemm` with the BLAS contracts on
   tensors of any layout (in place; with β = 0, C is never read).

numpy, `array` and `ctypes` are banned at this level (the grader refuses them, in every
spelling). Each stub's docstring is the contract; the tests check nothing else.

**How it is graded.** `python grade.py level-1` runs the public tests on your files in a
separate process with time and memory limits; the course's grade adds hidden tests
(hypothesis-drawn shapes and view chains compared with numpy, element by element and stride by
stride; every BLAS transpose/α/β combination). The last cells of this notebook run the same
grader and show your points per part. The written questions below are worth a few points more.
"""

QUESTIONS_INTRO = """\
## Written questions

Work these out by hand (they are what the strided tensor computes), then set the variable.
Strides are in **elements**, not bytes. Every tensor below starts as a C-contiguous tensor of
shape `(2, 3, 4)` with offset 0, called `t`.
"""

QUESTIONS = [
    Answer(
        "q_strides",
        "**Q1.** What are the strides of `t`? Give a tuple of three ints.",
        "strides_t = (12, 4, 1)",
        "strides_t",
    ),
    Answer(
        "q_position",
        "**Q2.** At which position of the storage list is the element `t[1, 2, 3]`?",
        "position_123 = 1 * 12 + 2 * 4 + 3 * 1",
        "position_123",
    ),
    Answer(
        "q_permute",
        "**Q3.** What are the strides of `t.permute(2, 0, 1)` (a view of shape `(4, 2, 3)`)?",
        "strides_permuted = (1, 12, 4)",
        "strides_permuted",
    ),
    Answer(
        "q_slice",
        "**Q4.** `v = t[:, 1:3, ::-2]` is a view. Give its `(offset, strides)` as a pair: an int "
        "and a tuple of three ints.",
        "slice_layout = (1 * 4 + 3 * 1, (12, 4, -2))",
        "slice_layout",
    ),
    Answer(
        "q_reshape_view",
        "**Q5.** Can `t.permute(1, 0, 2).reshape(6, 4)` be a view of `t`'s storage (no copy)? "
        "Answer `True` or `False`.",
        "reshape_is_view = False  # merging dims 0 and 1 needs strides[0] == strides[1] * 2",
        "reshape_is_view",
    ),
    Answer(
        "q_expand",
        "**Q6.** A C-contiguous tensor of shape `(3, 1)` is expanded to shape `(3, 4)`. What are "
        "the strides of the result?",
        "expand_strides = (1, 0)",
        "expand_strides",
    ),
    Answer(
        "q_flops",
        "**Q7.** How many floating-point operations (count multiplications and additions "
        "separately) does `sgemm` do for m = 20, n = 30, k = 40 with α = 1 and β = 0?",
        "sgemm_flops = 2 * 20 * 30 * 40",
        "sgemm_flops",
    ),
]
