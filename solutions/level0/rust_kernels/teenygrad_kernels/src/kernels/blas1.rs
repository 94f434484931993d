//! # Part `blas1` — saxpy and sdot
//!
//! Two loops over vectors. They do one or two floating-point operations per element loaded, so
//! no CPU can keep its arithmetic units busy with them: they are **memory-bound**, and the
//! grader measures them against the machine's memory bandwidth (the STREAM triad that
//! `python grade.py roofline` prints), not against its FLOP/s.
//!
//! ## Strided vectors
//! Like the reference BLAS, both functions take each vector with an *increment*: element `i`
//! of `x` is `x[i * incx]`. `incx == 1` is the contiguous case; `x[::2]` in numpy is
//! `incx == 2`. Increments are at least 1 (the binding layer rejects 0 and negative strides),
//! and the slices are long enough: `x.len() >= (n - 1) * incx + 1` when `n > 0`.
//!
//! ## Hints
//! - Write the contiguous case (`incx == incy == 1`) as its own loop over slices
//!   (`iter().zip()`): no index arithmetic, no bounds checks, and the compiler vectorizes it.
//! - `sdot` adds up `n` products. A single `sum += x * y` accumulator makes every addition wait
//!   for the previous one (4 cycles of latency), and the compiler may not reorder float
//!   additions for you. Keep several independent partial sums (e.g. 16, in an array, over
//!   `chunks_exact(16)`) and add them up at the end.
//!
//! ## Graded
//! Correctness against numpy (lengths 0, 1, primes, strides 1–3), then bandwidth: `saxpy`
//! moves 12 bytes per element (read `x`, read and write `y`), `sdot` 8, on vectors much larger
//! than the last-level cache; the score is the fraction of the measured triad bandwidth.

/// `y[i * incy] ← alpha · x[i * incx] + y[i * incy]` for `i` in `0..n`.
///
/// Elements of `y` that are not among the `n` strided ones are left untouched.
/// Requires `incx, incy >= 1`, `x.len() >= (n - 1) * incx + 1` and
/// `y.len() >= (n - 1) * incy + 1` when `n > 0`.
pub fn saxpy(n: usize, alpha: f32, x: &[f32], incx: usize, y: &mut [f32], incy: usize) {
    // BEGIN SOLUTION
    if n == 0 {
        return;
    }
    if incx == 1 && incy == 1 {
        for (yi, &xi) in y[..n].iter_mut().zip(&x[..n]) {
            *yi += alpha * xi;
        }
    } else {
        let xs = x.iter().step_by(incx);
        for (yi, &xi) in y.iter_mut().step_by(incy).zip(xs).take(n) {
            *yi += alpha * xi;
        }
    }
    // END SOLUTION
}

// BEGIN SOLUTION
/// Independent partial sums in `sdot`: 16 lanes keep a 4-wide (SSE) or 8-wide (AVX) adder busy
/// despite its latency.
const LANES: usize = 16;

/// Dot product of two equally long contiguous slices, with `LANES` partial sums.
fn dot_contiguous(x: &[f32], y: &[f32]) -> f32 {
    let mut partial = [0.0f32; LANES];
    let x_chunks = x.chunks_exact(LANES);
    let y_chunks = y.chunks_exact(LANES);
    let tail: f32 = x_chunks
        .remainder()
        .iter()
        .zip(y_chunks.remainder())
        .map(|(a, b)| a * b)
        .sum();
    for (xc, yc) in x_chunks.zip(y_chunks) {
        for ((s, &a), &b) in partial.iter_mut().zip(xc).zip(yc) {
            *s += a * b;
        }
    }
    partial.iter().sum::<f32>() + tail
}
// END SOLUTION

/// `Σ x[i * incx] · y[i * incy]` for `i` in `0..n` (0.0 when `n == 0`).
///
/// Requires `incx, incy >= 1`, `x.len() >= (n - 1) * incx + 1` and
/// `y.len() >= (n - 1) * incy + 1` when `n > 0`. The order of the additions is yours to
/// choose: the grader compares with a tolerance that allows any order.
pub fn sdot(n: usize, x: &[f32], incx: usize, y: &[f32], incy: usize) -> f32 {
    // BEGIN SOLUTION
    if n == 0 {
        return 0.0;
    }
    if incx == 1 && incy == 1 {
        return dot_contiguous(&x[..n], &y[..n]);
    }
    let xs = x.iter().step_by(incx);
    xs.zip(y.iter().step_by(incy))
        .take(n)
        .map(|(a, b)| a * b)
        .sum()
    // END SOLUTION
}
