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
    todo!("sgemm_microkernel: not implemented yet — see the doc comment above")
}
