//! # Part `sgemv` — sgemv
//!
//! Matrix–vector product `y ← α·A·x + β·y` with `A` an `m × n` row-major matrix. Every element
//! of `A` is used exactly once (one multiply and one add per 4 bytes loaded), so `sgemv` is
//! memory-bound like `saxpy`: the grader measures the bytes it moves against the machine's
//! memory bandwidth.
//!
//! ## The layout: row-major with a leading dimension
//! Row `i` of `A` starts at `a[i * lda]`, so `A[i][j]` is `a[i * lda + j]`. `lda >= n`; when
//! `lda > n`, `A` is a view into a wider matrix (numpy's `big[:, :n]`) and the elements between
//! the end of one row and the start of the next are not part of `A`: never read or write them.
//! `a.len() >= (m - 1) * lda + n` when `m > 0`; `x.len() >= n`, `y.len() >= m`.
//!
//! ## BLAS semantics
//! When `beta == 0`, `y` is output only: it is **not read**, so a `NaN` already in `y` must not
//! end up in the result (`0.0 * NaN` is `NaN`: write `alpha * (A x)[i]`, do not compute
//! `beta * y[i]`). When `n == 0`, `A·x` is the zero vector and `y ← β·y`.
//!
//! ## Hints
//! Row `i` of the result is a dot product of row `i` of `A` with `x`: the same multi-accumulator
//! trick as in `sdot` applies. Rows are contiguous in row-major order, so this loop order reads
//! `A` front to back, which is what the hardware prefetcher likes.
//!
//! ## Graded
//! Correctness against numpy (shapes with 0, 1 and primes, `lda > n`, `beta` 0 with `NaN` in
//! `y`), then bandwidth at a size far beyond the last-level cache: `4·(m·n + n + 2·m)` bytes
//! moved, as a fraction of the measured triad bandwidth.

// BEGIN SOLUTION
/// Independent partial sums per row (see `sdot`).
const LANES: usize = 16;

/// Dot product of two equally long slices with `LANES` partial sums.
fn dot(row: &[f32], x: &[f32]) -> f32 {
    let mut partial = [0.0f32; LANES];
    let row_chunks = row.chunks_exact(LANES);
    let x_chunks = x.chunks_exact(LANES);
    let tail: f32 = row_chunks
        .remainder()
        .iter()
        .zip(x_chunks.remainder())
        .map(|(a, b)| a * b)
        .sum();
    for (rc, xc) in row_chunks.zip(x_chunks) {
        for ((s, &a), &b) in partial.iter_mut().zip(rc).zip(xc) {
            *s += a * b;
        }
    }
    partial.iter().sum::<f32>() + tail
}
// END SOLUTION

/// `y ← alpha · A · x + beta · y` for the `m × n` row-major `A` (`A[i][j] = a[i * lda + j]`).
///
/// Requires `lda >= n`, `a.len() >= (m - 1) * lda + n` when `m > 0`, `x.len() >= n`,
/// `y.len() >= m`. When `beta == 0`, `y` is not read (it may hold NaN).
#[allow(clippy::too_many_arguments)] // the BLAS signature
pub fn sgemv(
    m: usize,
    n: usize,
    alpha: f32,
    a: &[f32],
    lda: usize,
    x: &[f32],
    beta: f32,
    y: &mut [f32],
) {
    // BEGIN SOLUTION
    let x = &x[..n];
    for (i, yi) in y[..m].iter_mut().enumerate() {
        let row = &a[i * lda..i * lda + n];
        let ax = alpha * dot(row, x);
        *yi = if beta == 0.0 { ax } else { ax + beta * *yi };
    }
    // END SOLUTION
}
