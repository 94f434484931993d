//! # Part `naive` — sgemm 1: naive i-j-k
//!
//! SGEMM is the BLAS routine behind every matmul: `C ← α·A·B + β·C` with `A` of shape `m × k`,
//! `B` of shape `k × n` and `C` of shape `m × n`, all single precision. The next five stages
//! make it about a hundred times faster without changing this signature; this first one is
//! the definition, written as directly as possible. It is the executable specification the
//! faster stages are tested against, so make it obviously right rather than fast.
//!
//! ## The contract (the same for every `sgemm_*` stage)
//! - **Row-major with leading dimensions.** `A[i][p]` is `a[i * lda + p]`, `B[p][j]` is
//!   `b[p * ldb + j]`, `C[i][j]` is `c[i * ldc + j]`, with `lda >= k`, `ldb >= n`, `ldc >= n`.
//!   A leading dimension larger than the row length means the matrix is a view into a wider one
//!   (numpy's `big[:, :n]`): the elements past the end of a row belong to someone else. Read
//!   and write only `A[i][p]`, `B[p][j]`, `C[i][j]` for `i < m`, `p < k`, `j < n`.
//! - **Any size.** `m`, `n`, `k` may be 0, 1, primes, anything. `m == 0` or `n == 0`: nothing to
//!   do. `k == 0`: `A·B` is the zero matrix, so `C ← β·C`.
//! - **`beta == 0` means `C` is output only.** `C` is then *not read*: it may hold NaN or
//!   garbage, and the result must still be `α·A·B` (compute `beta * c` and `0 * NaN = NaN`
//!   leaks into the result).
//! - **Slices are long enough**: `a.len() >= (m - 1) * lda + k` when `m > 0` (likewise `b` with
//!   `k` rows of `ldb`, `c` with `m` rows of `ldc`); an empty matrix comes as an empty slice
//!   with its leading dimension equal to its row length (so `lda == 0` when `k == 0`). The
//!   binding layer checks all this, and the shapes, before your code runs: a panic here is a
//!   bug in your indexing.
//!
//! ## This stage: i-j-k
//! For each `C[i][j]`, add up `A[i][p] · B[p][j]` over `p`, then store `α·sum + β·C[i][j]`.
//! The innermost loop walks down a column of `B`: `ldb` floats apart, a new cache line every
//! step. That is why this is slow, and the next stage fixes it.
//!
//! ## Graded
//! Correctness only (random shapes including 0, 1, primes and `ld > row length`; α/β edges; NaN
//! in `C` with `β = 0`). Its speed is measured and shown in your report, for comparison.

/// `C ← alpha · A · B + beta · C` (row-major, leading dimensions `lda`, `ldb`, `ldc`), i-j-k.
///
/// `A` is `m × k`, `B` is `k × n`, `C` is `m × n`. When `beta == 0`, `C` is not read.
#[allow(clippy::too_many_arguments)] // the BLAS signature
pub fn sgemm_naive(
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: &[f32],
    lda: usize,
    b: &[f32],
    ldb: usize,
    beta: f32,
    c: &mut [f32],
    ldc: usize,
) {
    // BEGIN SOLUTION
    for i in 0..m {
        for j in 0..n {
            let mut sum = 0.0f32;
            for p in 0..k {
                sum += a[i * lda + p] * b[p * ldb + j];
            }
            let cij = &mut c[i * ldc + j];
            *cij = if beta == 0.0 {
                alpha * sum
            } else {
                alpha * sum + beta * *cij
            };
        }
    }
    // END SOLUTION
}
