//! # Part `simd` — sgemm 5: SIMD intrinsics
//!
//! Same contract as `sgemm_naive` (read its doc comment first): `C ← α·A·B + β·C`, row-major
//! with leading dimensions, any `m, n, k ≥ 0`, and `C` not read when `β == 0`.
//!
//! ## Why the compiler needs help
//! The previous stage is as fast as the compiler can make plain Rust, and that is about a third
//! of the machine's peak, for two reasons:
//! - **Baseline code.** Without `-C target-cpu=native`, rustc targets every x86-64 CPU ever
//!   made: SSE2, 4 floats per instruction. This CPU's units take 16 (AVX-512) or 8 (AVX2).
//! - **No FMA.** Rust never fuses `a * b + c` into one fused multiply-add (it rounds
//!   differently), and `f32::mul_add` in a baseline build is a call into libm, at about 1 GFLOP/s.
//!
//! So this stage writes the micro-kernel with `std::arch` intrinsics (`_mm512_fmadd_ps`,
//! `_mm256_fmadd_ps`, `vfmaq_f32`, ...) inside functions marked
//! `#[target_feature(enable = "avx512f")]` (or `"avx2,fma"`, or `"neon"`), and chooses one at
//! run time. The build stays portable: the same library runs on a CPU without AVX-512 and takes
//! the fallback there.
//!
//! ## Dispatch
//! `super::Isa::current()` (kit-owned, in `kernels/mod.rs`) tells you which instruction set to
//! use: the widest this CPU has, or a narrower one the tests force through the `TEENYGRAD_ISA`
//! environment variable to exercise your fallbacks. Calling a `#[target_feature]` function is
//! `unsafe`; `Isa::current()` returning that ISA is what makes it sound — say so in the
//! `// SAFETY:` comment. Provide at least the kernel for the machine you grade on plus a portable
//! fallback (plain Rust, e.g. the previous stage's). Students on Apple Silicon: NEON is always
//! present on aarch64; use `std::arch::aarch64`.
//!
//! ## Suggested design (BLIS, and bluss's `matrixmultiply` crate)
//! Keep the five loops and the packing of the previous stage; only the micro-kernel changes, so
//! make it the one thing that depends on the ISA: its tile (`MR × NR`) and its blocksizes
//! (`MC`, `KC`, `NC`), plus one function that computes a full tile. Rows of `C` are contiguous,
//! so let `NR` be a multiple of the vector width: per step `p`, load `NR` floats of a row of the
//! packed `B` as `NR / width` vectors, broadcast each of the `MR` floats of a column of `A`,
//! and do `MR · NR / width` vector FMAs into accumulators that stay in registers. Good shapes:
//! AVX-512 `8 × 32` (16 accumulators of 32 registers), AVX2 `6 × 16` (12 of 16), NEON `8 × 8`.
//! Per tile the kernel reads `MR + NR` floats per `MR · NR` FMAs; the FMA units have a latency
//! of about 4 cycles and accept 1–2 FMAs per cycle, so you need at least 8 independent
//! accumulators to keep them busy. Edges go through a small buffer so the kernel only ever
//! sees full tiles. Time the blocksizes: they are worth 10–20 %.
//!
//! Once the micro-kernel runs near the peak, *where* each block lives starts to matter. With
//! `NR = 32` and `KC = 512` a micro-panel of `B` is 64 KiB, twice this CPU's L1, so sgemm 4's
//! LOOP 2 cannot keep it there. The reference swaps the roles: the block of `A` in L3 (LOOP 5
//! over rows), the block of `B` in L2 (LOOP 3 over columns), and LOOP 2 over the micro-panels
//! of `A`, which fit in L1 — another 4–8 % here. Optional: sgemm 4's order with good
//! blocksizes clears this stage's target.
//!
//! `unsafe` is allowed here (raw-pointer loads and stores, calling `#[target_feature]`
//! functions); every `unsafe` block needs a `// SAFETY:` comment saying why it is sound.
//!
//! ## Graded
//! Correctness as for every stage, under every ISA this machine has (`TEENYGRAD_ISA`), then
//! single-thread speed as a fraction of the measured single-core FP32 peak (size and thresholds
//! in the level manifest; on the kit's 2-core Zen 5 test machine numpy's OpenBLAS reaches
//! 80–89 % of it at n = 1024 to 4096, the reference 84–89 %).

/// `C ← alpha · A · B + beta · C` (row-major, leading dimensions `lda`, `ldb`, `ldc`) with a
/// SIMD micro-kernel chosen at run time for this CPU (see `super::Isa`).
///
/// `A` is `m × k`, `B` is `k × n`, `C` is `m × n`. When `beta == 0`, `C` is not read.
#[allow(clippy::too_many_arguments)] // the BLAS signature
pub fn sgemm_simd(
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
    todo!("sgemm_simd: not implemented yet — see the doc comment above")
}
