//! # Part `blocked` — sgemm 3: cache blocking
//!
//! Same contract as `sgemm_naive` (read its doc comment first): `C ← α·A·B + β·C`, row-major
//! with leading dimensions, any `m, n, k ≥ 0`, and `C` not read when `β == 0`.
//!
//! ## Why i-k-j is not enough
//! For every row `i` of `C`, i-k-j streams through *all* of `B` (`k × n` floats). While `B`
//! fits in the last-level cache that is cheap; once it does not (n = 4096: 64 MiB), every row
//! of `C` re-reads `B` from DRAM and the speed drops several times over.
//!
//! ## The idea
//! Cut the iteration space into blocks so that the part of `B` being reused stays in cache
//! while it is reused:
//!
//! ```text
//! C ← β·C                                            (or 0 when β == 0)
//! for jc in 0..n step NC:                            a vertical strip of B and C
//!     for pc in 0..k step KC:                        a KC × NC block of B: stays in L2
//!         for ic in 0..m step MC:                    MC rows of A and C
//!             for i in ic..:  for p in pc..:  C[i][jc..] += α·A[i][p] · B[p][jc..]
//! ```
//!
//! The innermost two loops are i-k-j restricted to the block (contiguous, vectorizable). The
//! block of `B` (`KC × NC` floats) is reused by all `m` rows before the next block is loaded.
//! Pick the sizes from your cache sizes (`lscpu`): `KC · NC · 4` bytes around half of L2, a row
//! piece of `C` (`NC · 4` bytes) well inside L1. Handle the last, partial blocks with
//! `min(NC, n - jc)`.
//!
//! ## Graded
//! Correctness as for every stage, then speed where blocking matters, at a size whose matrices
//! outgrow the caches (n = 2048 or more), as a fraction of the measured single-core peak
//! (sizes and thresholds in the level manifest). At n = 1024 everything fits in L3 and blocked
//! and reordered run at about the same speed: that is expected. Measured on the reference
//! (Zen 4, baseline build): reordered ~21 GFLOP/s at n = 1024 and ~8.5 at 2048; blocked ~19 at
//! 2048.

/// `C ← alpha · A · B + beta · C` (row-major, leading dimensions `lda`, `ldb`, `ldc`), i-k-j in
/// cache blocks.
///
/// `A` is `m × k`, `B` is `k × n`, `C` is `m × n`. When `beta == 0`, `C` is not read.
#[allow(clippy::too_many_arguments)] // the BLAS signature
pub fn sgemm_blocked(
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
    todo!("sgemm_blocked: not implemented yet — see the doc comment above")
}
