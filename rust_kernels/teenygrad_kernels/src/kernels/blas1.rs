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
    todo!("saxpy: not implemented yet — see the doc comment above")
}

/// `Σ x[i * incx] · y[i * incy]` for `i` in `0..n` (0.0 when `n == 0`).
///
/// Requires `incx, incy >= 1`, `x.len() >= (n - 1) * incx + 1` and
/// `y.len() >= (n - 1) * incy + 1` when `n > 0`. The order of the additions is yours to
/// choose: the grader compares with a tolerance that allows any order.
pub fn sdot(n: usize, x: &[f32], incx: usize, y: &[f32], incy: usize) -> f32 {
    todo!("sdot: not implemented yet — see the doc comment above")
}
