"""Level 0 handout: the BLAS in Rust through PyO3, from naive loops to the roofline."""

from autograder.instructor.handouts import Answer

HANDOUT = """\
# Level 0 — @TITLE@

You write the BLAS kernels in Rust (the book's chapter 1.5); the kit owns the PyO3 bindings
and the roofline probe, you own the kernel files under `rust_kernels/`:

1. `saxpy`, `sdot`, `sgemv` — memory-bound, judged against the measured bandwidth;
2. SGEMM in stages, each graded: `naive` (i-j-k), `reordered` (loop order for locality),
   `blocked` (cache tiling), `microkernel` (register blocking on packed panels), `simd`
   (`std::arch` intrinsics behind run-time feature detection), `parallel` (threads);
3. the glue that lets `teenygrad`'s matmul call your fastest kernel.

**How it is graded.** Correctness first (against numpy, any m, n, k ≥ 0, leading dimensions
larger than the rows, α/β edge cases, NaN in C with β = 0); then each stage's speed as a
fraction of the roofline the kit measures *in the same run* on the grading machine, with
partial credit between a floor and a target. `python grade.py roofline` shows your machine's
roofline. The last cells of this notebook run the grader and show your points per part.
"""

QUESTIONS_INTRO = """\
## Roofline arithmetic

A machine has one core at 3.0 GHz with two FMA units, each working on 256-bit vectors (8
float32 lanes), and a memory bandwidth of 24 GB/s (1 GB = 10⁹ bytes). An FMA counts as two
floating-point operations. Numbers are compared to 4 significant figures.
"""

QUESTIONS = [
    Answer(
        "q_peak",
        "**Q1.** What is the core's peak float32 performance, in GFLOP/s?",
        "peak_gflops = 3.0 * 2 * 8 * 2",
        "peak_gflops",
    ),
    Answer(
        "q_ridge",
        "**Q2.** At which arithmetic intensity (FLOP/byte) does the roofline bend (the ridge "
        "point)?",
        "ridge = 96 / 24",
        "ridge",
    ),
    Answer(
        "q_saxpy_intensity",
        "**Q3.** `saxpy` on float32 (y ← αx + y over n elements) reads x and y and writes y. "
        "What is its arithmetic intensity in FLOP/byte?",
        "saxpy_intensity = (2 * 1) / (3 * 4)",
        "saxpy_intensity",
    ),
    Answer(
        "q_saxpy_attainable",
        "**Q4.** What performance (GFLOP/s) can `saxpy` reach at best on this machine?",
        "saxpy_gflops = min(96, 24 * (2 / 12))",
        "saxpy_gflops",
    ),
    Answer(
        "q_sgemm_intensity",
        "**Q5.** SGEMM C ← αAB + βC with m = n = k = 1024 in float32, if A and B are read once "
        "and C is read and written once: what is its arithmetic intensity (FLOP/byte)?",
        "sgemm_intensity = (2 * 1024 ** 3) / (4 * (1024 * 1024 * 2 + 2 * 1024 * 1024))",
        "sgemm_intensity",
    ),
    Answer(
        "q_sgemm_time",
        "**Q6.** How long, in milliseconds, does that SGEMM take at the core's peak?",
        "sgemm_ms = 2 * 1024 ** 3 / 96e9 * 1e3",
        "sgemm_ms",
    ),
    Answer(
        "q_accumulators",
        "**Q7.** A register-blocked micro-kernel keeps an MR × NR = 6 × 16 tile of C in vector "
        "registers of 8 float32 lanes. How many registers hold the tile?",
        "accumulators = 6 * 16 // 8",
        "accumulators",
    ),
]
