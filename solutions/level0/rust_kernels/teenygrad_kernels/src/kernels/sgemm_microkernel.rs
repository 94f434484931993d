//! # Part `microkernel` — sgemm 4: register-blocked micro-kernel
//!
//! Same contract as `sgemm_naive` (read its doc comment first): `C ← α·A·B + β·C`, row-major
//! with leading dimensions, any `m, n, k ≥ 0`, and `C` not read when `β == 0`.
//!
//! ## Why blocking for the cache is not enough
//! In i-k-j every multiply-add loads an element of `C`, and stores it back: two memory
//! operations per two flops. The fix is to compute a small `MR × NR` tile of `C` at once, with
//! its `MR·NR` running sums in **registers**: per step `p`, load `MR` floats of a column of `A`
//! and `NR` floats of a row of `B`, and do `MR·NR` multiply-adds. With `MR = 4, NR = 8` that is
//! 12 loads for 32 multiply-adds instead of 64 loads and 32 stores.
//!
//! ## The BLIS structure (Van Zee & van de Geijn, "BLIS: A Framework for Rapidly Instantiating
//! BLAS Functionality", 2015)
//! Five loops around a **micro-kernel**, with the operands **packed** into contiguous buffers
//! in the exact order the micro-kernel reads them:
//!
//! ```text
//! LOOP 5  for jc in 0..n step NC:                      split n in NC-wide strips
//! LOOP 4    for pc in 0..k step KC:                    pack B[pc.., jc..] (KC × NC) into NR-wide
//!                                                      micro-panels: panel q holds B[p][q·NR + j]
//!                                                      at [p·NR + j]   (stays in L3 / L2)
//! LOOP 3      for ic in 0..m step MC:                  pack A[ic.., pc..] (MC × KC) into MR-tall
//!                                                      micro-panels: panel r holds A[r·MR + i][p]
//!                                                      at [p·MR + i]   (stays in L2)
//! LOOP 2        for jr in 0..nc step NR:               one micro-panel of B (stays in L1)
//! LOOP 1          for ir in 0..mc step MR:             one micro-panel of A
//!                   micro-kernel: the MR × NR tile of C ← α·(A panel)·(B panel) + β'·C
//! ```
//!
//! `β' = β` on the first `pc` block and `1` on the next ones (they add to what the first
//! wrote). **Edges**: pack zeros past the last row of `A` and the last column of `B`, so the
//! micro-kernel always computes a full `MR × NR` tile; when writing the tile back to `C`, write
//! only the rows and columns that exist.
//!
//! ## The micro-kernel, in plain Rust
//! Keep the sums in a local `[[f32; NR]; MR]` array and loop over `p` with
//! `a_panel.chunks_exact(MR).zip(b_panel.chunks_exact(NR))`: with constant `MR`, `NR` and no
//! bounds checks left in the loop, the compiler unrolls the `i`, `j` loops, keeps the array in
//! vector registers and vectorizes along `j`. Whether it does is *fragile*: a tile too large
//! for the register file spills to memory and runs several times slower. Try a few shapes and
//! measure (`MR × NR / 4` SSE registers for the sums, out of 16). Look at the assembly
//! (`cargo asm`, or `objdump -d`) if you are curious.
//!
//! ## Graded
//! Correctness as for every stage, then speed as a fraction of the measured single-core FP32
//! peak (size and thresholds in the level manifest). Compiled for baseline x86-64 the compiler
//! may use SSE2 only and no FMA: about a third of the peak is the most to expect here (the
//! reference: ~36 GFLOP/s on a Zen 4 core whose peak is ~115).

// BEGIN SOLUTION
/// Register tile: `MR × NR` = 2 × 16 sums are 8 SSE registers, plus 4 for a row of `B` and 2
/// for the broadcast elements of `A`: 14 of the 16 of x86-64. (Measured on Zen 4, baseline
/// build: 2 × 16 ran at ~36 GFLOP/s, 4 × 8 at ~32, 8 × 8 and 6 × 8, which spill, at ~30.)
const MR: usize = 2;
const NR: usize = 16;
/// Cache blocks: an `MR × KC` panel of `A` and a `KC × NR` panel of `B` together fit in a
/// 32 KiB L1 (2 + 16 KiB), an `MC × KC` block of `A` in L2 (64 KiB), a `KC × NC` block of `B`
/// in L3 (2 MiB). `MC` is a multiple of `MR`, `NC` of `NR`.
const MC: usize = 64;
const KC: usize = 256;
const NC: usize = 2048;

/// Packs the `mc × kc` block of `A` at `a` (row stride `lda`) into `MR`-tall micro-panels,
/// column by column, with zero rows past `mc`.
fn pack_a(mc: usize, kc: usize, a: &[f32], lda: usize, packed: &mut Vec<f32>) {
    packed.clear();
    for ir in (0..mc).step_by(MR) {
        for p in 0..kc {
            for i in ir..ir + MR {
                packed.push(if i < mc { a[i * lda + p] } else { 0.0 });
            }
        }
    }
}

/// Packs the `kc × nc` block of `B` at `b` (row stride `ldb`) into `NR`-wide micro-panels,
/// row by row, with zero columns past `nc`.
fn pack_b(kc: usize, nc: usize, b: &[f32], ldb: usize, packed: &mut Vec<f32>) {
    packed.clear();
    for jr in (0..nc).step_by(NR) {
        let cols = NR.min(nc - jr);
        for p in 0..kc {
            packed.extend_from_slice(&b[p * ldb + jr..p * ldb + jr + cols]);
            packed.extend(std::iter::repeat_n(0.0, NR - cols));
        }
    }
}

/// The micro-kernel: the `MR × NR` product of one packed micro-panel of `A` (`kc × MR`) and
/// one of `B` (`kc × NR`), summed in registers.
fn micro_kernel(a_panel: &[f32], b_panel: &[f32]) -> [[f32; NR]; MR] {
    let mut ab = [[0.0f32; NR]; MR];
    for (a, b) in a_panel.chunks_exact(MR).zip(b_panel.chunks_exact(NR)) {
        for (ab_row, &ai) in ab.iter_mut().zip(a) {
            for (abij, &bj) in ab_row.iter_mut().zip(b) {
                *abij += ai * bj;
            }
        }
    }
    ab
}

/// `C ← alpha · ab + beta · C` on the `rows × cols` corner of a tile (`c` starts at the tile's
/// first element, row stride `ldc`); `C` is not read when `beta == 0`.
fn store_tile(
    ab: &[[f32; NR]; MR],
    rows: usize,
    cols: usize,
    alpha: f32,
    beta: f32,
    c: &mut [f32],
    ldc: usize,
) {
    for (i, ab_row) in ab.iter().enumerate().take(rows) {
        let c_row = &mut c[i * ldc..i * ldc + cols];
        for (cij, &abij) in c_row.iter_mut().zip(ab_row) {
            *cij = if beta == 0.0 {
                alpha * abij
            } else {
                alpha * abij + beta * *cij
            };
        }
    }
}

/// `C ← beta · C` (zeros when `beta == 0`, without reading `C`): the whole product when `k == 0`.
fn scale_c(m: usize, n: usize, beta: f32, c: &mut [f32], ldc: usize) {
    for i in 0..m {
        let c_row = &mut c[i * ldc..i * ldc + n];
        if beta == 0.0 {
            c_row.fill(0.0);
        } else {
            c_row.iter_mut().for_each(|cij| *cij *= beta);
        }
    }
}
// END SOLUTION

/// `C ← alpha · A · B + beta · C` (row-major, leading dimensions `lda`, `ldb`, `ldc`) with
/// packed panels and an `MR × NR` register-blocked micro-kernel in plain Rust.
///
/// `A` is `m × k`, `B` is `k × n`, `C` is `m × n`. When `beta == 0`, `C` is not read.
#[allow(clippy::too_many_arguments)] // the BLAS signature
pub fn sgemm_microkernel(
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
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        return scale_c(m, n, beta, c, ldc);
    }
    let mut a_packed = Vec::with_capacity(MC * KC);
    let mut b_packed = Vec::with_capacity(KC * NC);
    for jc in (0..n).step_by(NC) {
        let nc = NC.min(n - jc);
        for pc in (0..k).step_by(KC) {
            let kc = KC.min(k - pc);
            pack_b(kc, nc, &b[pc * ldb + jc..], ldb, &mut b_packed);
            let beta_block = if pc == 0 { beta } else { 1.0 };
            for ic in (0..m).step_by(MC) {
                let mc = MC.min(m - ic);
                pack_a(mc, kc, &a[ic * lda + pc..], lda, &mut a_packed);
                for jr in (0..nc).step_by(NR) {
                    let b_panel = &b_packed[jr * kc..(jr + NR) * kc];
                    for ir in (0..mc).step_by(MR) {
                        let a_panel = &a_packed[ir * kc..(ir + MR) * kc];
                        let ab = micro_kernel(a_panel, b_panel);
                        let (rows, cols) = (MR.min(mc - ir), NR.min(nc - jr));
                        let c_tile = &mut c[(ic + ir) * ldc + jc + jr..];
                        store_tile(&ab, rows, cols, alpha, beta_block, c_tile, ldc);
                    }
                }
            }
        }
    }
    // END SOLUTION
}
