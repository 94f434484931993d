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

// BEGIN SOLUTION
use super::Isa;
use std::cell::RefCell;

/// A micro-kernel: `C[0..MR][0..NR] ← alpha · A·B + beta · C` where `a` is an `MR × kc`
/// micro-panel of `A` with row stride `a_rs` (row `i` at `a + i·a_rs`: `A` itself, or a packed
/// edge panel), `b` a packed `kc × NR` micro-panel of `B` (row `p` at `b + p·NR`), and `C` has
/// row stride `ldc`. When `beta == 0`, `C` is not read. `next` is a row of `kc` floats the
/// next tiles will read (a row of the next micro-panel of `A`): the kernel may prefetch it.
///
/// Safety contract: each `a + i·a_rs` (`i < MR`) is valid for `kc` reads, `b` for `kc·NR`
/// reads, each `c + i·ldc` (`i < MR`) for reads and writes of `NR` floats, and the CPU has the
/// kernel's ISA. (`next` is only prefetched, never read: any address will do.)
type TileFn = unsafe fn(
    kc: usize,
    alpha: f32,
    a: *const f32,
    a_rs: usize,
    b: *const f32,
    beta: f32,
    c: *mut f32,
    ldc: usize,
    next: *const f32,
);

/// One micro-kernel and its blocksizes (BLIS calls this a context). `MC` is a multiple of
/// `MR`, `NC` of `NR`.
#[derive(Clone, Copy)]
pub(crate) struct MicroKernel {
    /// Register tile: rows of `A` / `C`.
    pub(crate) mr: usize,
    /// Register tile: columns of `B` / `C`, a multiple of the vector width.
    pub(crate) nr: usize,
    /// Rows of the packed block of `A` (lives in L3).
    pub(crate) mc: usize,
    /// Depth of the packed blocks (`A`: `MC × KC`, `B`: `KC × NC`).
    pub(crate) kc: usize,
    /// Columns of the packed block of `B` (lives in L2).
    pub(crate) nc: usize,
    /// Computes one full tile; private so that only [`select_kernel`] can pair it with an ISA.
    tile: TileFn,
}

/// The largest `MR · NR` of the table below: the size of the edge-tile buffer.
const MAX_TILE: usize = 8 * 32;

/// The blocksizes, per ISA (measured on a Zen 4 EPYC, 32 KiB L1d, 1 MiB L2, 32 MiB L3; the
/// AVX-512 row again on a Zen 5 EPYC, 48 KiB L1d, where `NC` = 256 beat 512 by 3 %: a block of
/// `B` of half the L2 leaves the other half to the streams of `A` and `C`):
///
/// | ISA      | MR | NR | MC   | KC  | NC  | micro-panels: A (L1), B (L2); blocks: B (L2), A (L3) |
/// |----------|----|----|------|-----|-----|-------------------------------------------------------|
/// | avx512f  |  8 | 32 | 4096 | 512 | 256 | 16 KiB, 64 KiB; 512 KiB, 8 MiB                        |
/// | avx2+fma |  6 | 16 | 4092 | 512 | 512 | 12 KiB, 32 KiB; 1 MiB, 8 MiB                          |
/// | neon     |  8 |  8 | 2048 | 512 | 512 | 16 KiB, 16 KiB; 1 MiB, 4 MiB                          |
/// | scalar   |  4 |  8 | 1024 | 256 | 256 |  4 KiB,  8 KiB; 256 KiB, 1 MiB                        |
///
/// Why the roles of sgemm 4 are swapped (the block of `B` in L2, the block of `A` in L3): a
/// micro-panel of `B` is `KC × NR` floats, 64 KiB for AVX-512, twice the L1, so it cannot stay
/// in L1 while the micro-panels of `A` go by. A micro-panel of `A` (`MR × KC`, 16 KiB) can: LOOP
/// 2 walks the micro-panels of `A` and LOOP 1 streams the micro-panels of `B` past it from L2,
/// two vectors per step, which the hardware prefetcher keeps up with. This is BLIS's own loop
/// nest for a transposed problem, and it ran 4–6 % faster than sgemm 4's order at n = 1024,
/// 2048 and 4096. A large `MC` packs `B` fewer times (once per `MC` rows).
#[cfg(target_arch = "x86_64")]
const AVX512: MicroKernel = MicroKernel {
    mr: 8,
    nr: 32,
    mc: 4096,
    kc: 512,
    nc: 256,
    tile: tile_avx512,
};
#[cfg(target_arch = "x86_64")]
const AVX2: MicroKernel = MicroKernel {
    mr: 6,
    nr: 16,
    mc: 4092,
    kc: 512,
    nc: 512,
    tile: tile_avx2,
};
#[cfg(target_arch = "aarch64")]
const NEON: MicroKernel = MicroKernel {
    mr: 8,
    nr: 8,
    mc: 2048,
    kc: 512,
    nc: 512,
    tile: tile_neon,
};
const SCALAR: MicroKernel = MicroKernel {
    mr: 4,
    nr: 8,
    mc: 1024,
    kc: 256,
    nc: 256,
    tile: tile_scalar,
};

/// The micro-kernel for the ISA `Isa::current()` reports.
pub(crate) fn select_kernel() -> MicroKernel {
    match Isa::current() {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => AVX512,
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2Fma => AVX2,
        #[cfg(target_arch = "aarch64")]
        Isa::Neon => NEON,
        _ => SCALAR,
    }
}

/// AVX-512 8 × 32: 16 accumulators (2 vectors per row of the tile), 2 vectors of `B` and one
/// broadcast of `A` in flight, of 32 registers.
///
/// # Safety
/// See [`TileFn`]; the CPU must have AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)] // TileFn's contract
unsafe fn tile_avx512(
    kc: usize,
    alpha: f32,
    a: *const f32,
    a_rs: usize,
    b: *const f32,
    beta: f32,
    c: *mut f32,
    ldc: usize,
    next: *const f32,
) {
    use std::arch::x86_64::*;
    const MR: usize = 8;
    const NR: usize = 32;
    // Fetch the tile of C into L1 now, so that the loads at the end do not wait for it.
    for i in 0..MR {
        let row = c.wrapping_add(i * ldc) as *const i8;
        _mm_prefetch::<_MM_HINT_T0>(row);
        _mm_prefetch::<_MM_HINT_T0>(row.wrapping_add(64));
    }
    let mut acc = [[_mm512_setzero_ps(); 2]; MR];
    for p in 0..kc {
        // One prefetch per step, 16 per cache line: the extra ones use load slots this loop
        // has to spare (one every 16 steps, behind a branch, ran no faster standalone).
        _mm_prefetch::<_MM_HINT_T0>(next.wrapping_add(p) as *const i8);
        // SAFETY: p < kc, so row p of the B micro-panel (NR floats at b + p·NR) and element p
        // of each row of the A micro-panel (a + i·a_rs + p, i < MR) are inside the panels.
        unsafe {
            let b0 = _mm512_loadu_ps(b.add(p * NR));
            let b1 = _mm512_loadu_ps(b.add(p * NR + 16));
            for (i, acc_row) in acc.iter_mut().enumerate() {
                let ai = _mm512_set1_ps(*a.add(i * a_rs + p));
                acc_row[0] = _mm512_fmadd_ps(ai, b0, acc_row[0]);
                acc_row[1] = _mm512_fmadd_ps(ai, b1, acc_row[1]);
            }
        }
    }
    let alpha = _mm512_set1_ps(alpha);
    for (i, acc_row) in acc.iter().enumerate() {
        for (half, &sum) in acc_row.iter().enumerate() {
            // SAFETY: row i < MR of the tile holds NR = 32 floats at c + i·ldc (caller's contract).
            unsafe {
                let cij = c.add(i * ldc + 16 * half);
                let ab = _mm512_mul_ps(alpha, sum);
                let out = if beta == 0.0 {
                    ab
                } else {
                    _mm512_fmadd_ps(_mm512_set1_ps(beta), _mm512_loadu_ps(cij), ab)
                };
                _mm512_storeu_ps(cij, out);
            }
        }
    }
}

/// AVX2 + FMA 6 × 16: 12 accumulators (2 vectors per row), 2 vectors of `B` and one broadcast
/// of `A` in flight, of 16 registers.
///
/// # Safety
/// See [`TileFn`]; the CPU must have AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)] // TileFn's contract
unsafe fn tile_avx2(
    kc: usize,
    alpha: f32,
    a: *const f32,
    a_rs: usize,
    b: *const f32,
    beta: f32,
    c: *mut f32,
    ldc: usize,
    next: *const f32,
) {
    use std::arch::x86_64::*;
    const MR: usize = 6;
    const NR: usize = 16;
    for i in 0..MR {
        let row = c.wrapping_add(i * ldc) as *const i8;
        _mm_prefetch::<_MM_HINT_T0>(row);
        _mm_prefetch::<_MM_HINT_T0>(row.wrapping_add(60));
    }
    let mut acc = [[_mm256_setzero_ps(); 2]; MR];
    for p in 0..kc {
        _mm_prefetch::<_MM_HINT_T0>(next.wrapping_add(p) as *const i8);
        // SAFETY: p < kc, so row p of the B micro-panel and element p of each of the MR rows of
        // the A micro-panel are inside the panels.
        unsafe {
            let b0 = _mm256_loadu_ps(b.add(p * NR));
            let b1 = _mm256_loadu_ps(b.add(p * NR + 8));
            for (i, acc_row) in acc.iter_mut().enumerate() {
                let ai = _mm256_set1_ps(*a.add(i * a_rs + p));
                acc_row[0] = _mm256_fmadd_ps(ai, b0, acc_row[0]);
                acc_row[1] = _mm256_fmadd_ps(ai, b1, acc_row[1]);
            }
        }
    }
    let alpha = _mm256_set1_ps(alpha);
    for (i, acc_row) in acc.iter().enumerate() {
        for (half, &sum) in acc_row.iter().enumerate() {
            // SAFETY: row i < MR of the tile holds NR = 16 floats at c + i·ldc (caller's contract).
            unsafe {
                let cij = c.add(i * ldc + 8 * half);
                let ab = _mm256_mul_ps(alpha, sum);
                let out = if beta == 0.0 {
                    ab
                } else {
                    _mm256_fmadd_ps(_mm256_set1_ps(beta), _mm256_loadu_ps(cij), ab)
                };
                _mm256_storeu_ps(cij, out);
            }
        }
    }
}

/// NEON 8 × 8: 16 accumulators (2 vectors per row), 2 vectors of `B`, of 32 registers.
///
/// # Safety
/// See [`TileFn`]; the CPU must have NEON (every aarch64 CPU does).
#[cfg(target_arch = "aarch64")]
#[target_feature(enable = "neon")]
#[allow(clippy::too_many_arguments)] // TileFn's contract
unsafe fn tile_neon(
    kc: usize,
    alpha: f32,
    a: *const f32,
    a_rs: usize,
    b: *const f32,
    beta: f32,
    c: *mut f32,
    ldc: usize,
    _next: *const f32,
) {
    use std::arch::aarch64::*;
    const MR: usize = 8;
    const NR: usize = 8;
    let mut acc = [[vdupq_n_f32(0.0); 2]; MR];
    for p in 0..kc {
        // SAFETY: p < kc, so row p of the B micro-panel and element p of each of the MR rows of
        // the A micro-panel are inside the panels.
        unsafe {
            let b0 = vld1q_f32(b.add(p * NR));
            let b1 = vld1q_f32(b.add(p * NR + 4));
            for (i, acc_row) in acc.iter_mut().enumerate() {
                let ai = *a.add(i * a_rs + p);
                acc_row[0] = vfmaq_n_f32(acc_row[0], b0, ai);
                acc_row[1] = vfmaq_n_f32(acc_row[1], b1, ai);
            }
        }
    }
    for (i, acc_row) in acc.iter().enumerate() {
        for (half, &sum) in acc_row.iter().enumerate() {
            // SAFETY: row i < MR of the tile holds NR = 8 floats at c + i·ldc (caller's contract).
            unsafe {
                let cij = c.add(i * ldc + 4 * half);
                let ab = vmulq_n_f32(sum, alpha);
                let out = if beta == 0.0 {
                    ab
                } else {
                    vfmaq_n_f32(ab, vld1q_f32(cij), beta)
                };
                vst1q_f32(cij, out);
            }
        }
    }
}

/// Portable 4 × 8 fallback in plain Rust (the compiler vectorizes it for the baseline ISA).
///
/// # Safety
/// See [`TileFn`].
#[allow(clippy::too_many_arguments)] // TileFn's contract
unsafe fn tile_scalar(
    kc: usize,
    alpha: f32,
    a: *const f32,
    a_rs: usize,
    b: *const f32,
    beta: f32,
    c: *mut f32,
    ldc: usize,
    _next: *const f32,
) {
    const MR: usize = 4;
    const NR: usize = 8;
    // SAFETY: the caller passes MR rows of kc floats of A, a_rs apart, and kc·NR floats of B.
    let (a, b) = unsafe {
        (
            std::array::from_fn::<&[f32], MR, _>(|i| {
                std::slice::from_raw_parts(a.add(i * a_rs), kc)
            }),
            std::slice::from_raw_parts(b, kc * NR),
        )
    };
    let mut acc = [[0.0f32; NR]; MR];
    for (p, b_row) in b.chunks_exact(NR).enumerate() {
        for (acc_row, a_row) in acc.iter_mut().zip(&a) {
            let ai = a_row[p];
            for (s, &bj) in acc_row.iter_mut().zip(b_row) {
                *s += ai * bj;
            }
        }
    }
    for (i, acc_row) in acc.iter().enumerate() {
        // SAFETY: row i < MR of the tile holds NR floats at c + i·ldc (caller's contract), and
        // nothing else refers to them while this slice lives.
        let c_row = unsafe { std::slice::from_raw_parts_mut(c.add(i * ldc), NR) };
        for (cij, &sum) in c_row.iter_mut().zip(acc_row) {
            *cij = if beta == 0.0 {
                alpha * sum
            } else {
                alpha * sum + beta * *cij
            };
        }
    }
}

/// A reusable packing buffer whose contents start on a 64-byte boundary (a cache line, an
/// AVX-512 vector), so packed micro-panels never straddle cache lines needlessly.
#[derive(Default)]
pub(crate) struct PackBuffer {
    storage: Vec<f32>,
}

impl PackBuffer {
    /// `len` floats starting on a 64-byte boundary; their contents are unspecified.
    pub(crate) fn get(&mut self, len: usize) -> &mut [f32] {
        if self.storage.len() < len + 16 {
            self.storage.resize(len + 16, 0.0);
        }
        let offset = self.storage.as_ptr().align_offset(64).min(16);
        &mut self.storage[offset..offset + len]
    }
}

thread_local! {
    /// The packing buffers of `sgemm_simd`, kept between calls: allocating and first-touching
    /// a fresh megabyte for every call costs more than packing it.
    static BUFFERS: RefCell<(PackBuffer, PackBuffer)> = RefCell::default();
}

/// Packs `rows ≤ MR` rows of `kc` floats of `A` at `a` (row stride `lda`) into one `MR × kc`
/// micro-panel, row after row, zero rows past `rows`.
fn pack_a_panel(
    uk: &MicroKernel,
    rows: usize,
    kc: usize,
    a: &[f32],
    lda: usize,
    panel: &mut [f32],
) {
    for (i, dst) in panel.chunks_exact_mut(kc).take(uk.mr).enumerate() {
        if i < rows {
            dst.copy_from_slice(&a[i * lda..i * lda + kc]);
        } else {
            dst.fill(0.0);
        }
    }
}

/// The `mc × kc` block of `A` as LOOP 2 reads it, one `MR`-row micro-panel at a time.
///
/// Every micro-panel is **packed**: its `MR` rows of `kc` floats one after the other (row
/// stride `kc`, zero rows past `mc`), and the micro-panels one after the other, so the whole
/// block is one contiguous stream. Read in place instead (`MR` streams `lda` apart), the
/// reference ran as fast on a quiet Zen 5, but on a Zen 3 whose caches the host's other guests
/// kept slowing it lost more than numpy did: interleaved for 2 minutes in one process, packed
/// vs in place, median 84 vs 81 GFLOP/s (n = 1024) and 89 vs 85 (2048) on one thread, 115 vs
/// 76 (1024) and 132 vs 124 (2048) on two. Packed step by step instead (BLIS's layout: the
/// `MR` floats of step `p` side by side, one stream for the broadcasts), it ran 2–3 % slower
/// there on one thread at n = 1024: the transposing copy cost more than the single stream saved.
///
/// `sgemm_simd` packs one block at a time ([`ABlock::new`]); `sgemm_parallel` packs all of `A`
/// once, its threads together ([`ABlock::pack`] on a few micro-panels each), and then reads it
/// block by block ([`ABlock::packed`]).
pub(crate) struct ABlock<'a> {
    /// The packed micro-panels.
    panels: &'a [f32],
    mc: usize,
    kc: usize,
    mr: usize,
}

impl<'a> ABlock<'a> {
    /// The `mc × kc` block at `a` (row stride `lda`), packed into `buf`.
    pub(crate) fn new(
        uk: &MicroKernel,
        mc: usize,
        kc: usize,
        a: &[f32],
        lda: usize,
        buf: &'a mut PackBuffer,
    ) -> ABlock<'a> {
        let panels = buf.get(Self::packed_len(uk, mc, kc));
        Self::pack(uk, mc, kc, a, lda, panels);
        Self::packed(uk, mc, kc, panels)
    }

    /// How many floats a packed `mc × kc` block takes: `mc` rounded up to `MR` rows of `kc`.
    pub(crate) fn packed_len(uk: &MicroKernel, mc: usize, kc: usize) -> usize {
        mc.div_ceil(uk.mr) * uk.mr * kc
    }

    /// Packs the `mc × kc` block at `a` (row stride `lda`) into `panels`, which holds
    /// [`ABlock::packed_len`] floats.
    pub(crate) fn pack(
        uk: &MicroKernel,
        mc: usize,
        kc: usize,
        a: &[f32],
        lda: usize,
        panels: &mut [f32],
    ) {
        let panel_len = uk.mr * kc;
        for (ir, panel) in (0..mc)
            .step_by(uk.mr)
            .zip(panels.chunks_exact_mut(panel_len))
        {
            pack_a_panel(uk, uk.mr.min(mc - ir), kc, &a[ir * lda..], lda, panel);
        }
    }

    /// The `mc × kc` block that [`ABlock::pack`] packed into `panels`.
    pub(crate) fn packed(uk: &MicroKernel, mc: usize, kc: usize, panels: &'a [f32]) -> ABlock<'a> {
        ABlock {
            panels: &panels[..Self::packed_len(uk, mc, kc)],
            mc,
            kc,
            mr: uk.mr,
        }
    }

    /// The micro-panel of rows `ir .. ir + MR` and its row stride: every float the micro-kernel
    /// may read (`MR` rows of `kc`), so that a slice bounds-checks them; `None` past the block.
    fn panel(&self, ir: usize) -> Option<(&'a [f32], usize)> {
        let len = self.mr * self.kc;
        (ir < self.mc).then(|| (&self.panels[ir / self.mr * len..][..len], self.kc))
    }
}

/// Packs the `kc × nc` block of `B` at `b` (row stride `ldb`) into `NR`-wide micro-panels
/// (panel `q` holds `B[p][q·NR + j]` at `[p·NR + j]`), zero columns past `nc`.
///
/// It reads `B` a few whole rows at a time and deals each row out to all the micro-panels:
/// reading `NR` floats from each of `kc` rows in turn (one micro-panel at a time) touches a new
/// page every 128 bytes, which the hardware prefetcher cannot follow (packing took 1.5× longer).
pub(crate) fn pack_b<'buf>(
    uk: &MicroKernel,
    kc: usize,
    nc: usize,
    b: &[f32],
    ldb: usize,
    buf: &'buf mut PackBuffer,
) -> &'buf [f32] {
    const ROWS_AT_ONCE: usize = 8;
    let nr = uk.nr;
    let packed = buf.get(nc.next_multiple_of(nr) * kc);
    for p0 in (0..kc).step_by(ROWS_AT_ONCE) {
        for (jr, panel) in (0..nc).step_by(nr).zip(packed.chunks_exact_mut(nr * kc)) {
            let cols = nr.min(nc - jr);
            for p in p0..kc.min(p0 + ROWS_AT_ONCE) {
                let dst = &mut panel[p * nr..(p + 1) * nr];
                dst[..cols].copy_from_slice(&b[p * ldb + jr..p * ldb + jr + cols]);
                dst[cols..].fill(0.0);
            }
        }
    }
    packed
}

/// LOOPS 2 and 1 around the micro-kernel: `C ← alpha · A·B + beta · C` for a packed `mc × kc`
/// block of `A` and a packed `kc × nc` block of `B`, where `C` is the `mc × nc` block at `c`
/// (row stride `ldc`). Full tiles are computed in place; edge tiles into a buffer, then copied.
///
/// # Safety
/// `c + i·ldc` is valid for reads and writes of `nc` floats for every `i < mc`, and no other
/// thread reads or writes those floats during the call. (A raw pointer, not a slice: blocks of
/// `C` that threads compute side by side interleave in memory, row by row.)
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn macro_kernel(
    uk: &MicroKernel,
    mc: usize,
    nc: usize,
    kc: usize,
    alpha: f32,
    a_block: &ABlock<'_>,
    b_packed: &[f32],
    beta: f32,
    c: *mut f32,
    ldc: usize,
) {
    let (mr, nr) = (uk.mr, uk.nr);
    let mut edge = [0.0f32; MAX_TILE];
    for ir in (0..mc).step_by(mr) {
        // LOOP 2: one micro-panel of A, kept in L1 while LOOP 1 streams B past it.
        let (a_panel, a_rs) = a_block.panel(ir).expect("ir < mc");
        let next_a_panel = a_block.panel(ir + mr);
        let rows = mr.min(mc - ir);
        for (t, jr) in (0..nc).step_by(nr).enumerate() {
            // LOOP 1: one micro-panel of B, one MR × NR tile of C.
            let b_panel = &b_packed[jr * kc..(jr + nr) * kc];
            // The micro-kernel fetches the next micro-panel of A, one row per tile, a cache line
            // every 16 steps, so that the next pass of LOOP 1 does not start by waiting for it.
            // (Prefetching a whole row here, between tiles, stalled on the cache's miss
            // buffers: 2 % of the profile, and 0.5-3 % slower at n = 1024 to 4096.)
            let next = next_a_panel.map_or(a_panel, |(next, next_rs)| {
                let row = t % mr;
                &next[row * next_rs..row * next_rs + kc]
            });
            let cols = nr.min(nc - jr);
            let c_tile = c.wrapping_add(ir * ldc + jr);
            let full = rows == mr && cols == nr;
            // A full tile goes straight to C; an edge tile to `edge` (row stride NR), with
            // beta = 0 so that the buffer's stale contents are not read, and is copied below.
            let (out, out_beta, out_ld) = if full {
                (c_tile, beta, ldc)
            } else {
                (edge.as_mut_ptr(), 0.0, nr)
            };
            // SAFETY: the A panel holds MR rows of kc floats a_rs apart and the B panel kc·NR
            // floats (both sliced, so bounds-checked, above); a full tile's MR rows of NR
            // floats lie inside the block of C (ir + MR ≤ mc, jr + NR ≤ nc), ours by the
            // caller's contract, and `edge` holds MAX_TILE ≥ MR·NR floats; `uk` came from
            // `select_kernel`, which pairs each kernel with an ISA `Isa::current()` found.
            unsafe {
                (uk.tile)(
                    kc,
                    alpha,
                    a_panel.as_ptr(),
                    a_rs,
                    b_panel.as_ptr(),
                    out_beta,
                    out,
                    out_ld,
                    next.as_ptr(),
                )
            };
            if full {
                continue;
            }
            for (i, edge_row) in edge.chunks_exact(nr).take(rows).enumerate() {
                // SAFETY: row ir + i < mc of the block, its columns jr .. jr + cols ≤ nc: inside
                // the block of C, ours by the caller's contract.
                let c_row = unsafe { std::slice::from_raw_parts_mut(c_tile.add(i * ldc), cols) };
                for (cij, &ab) in c_row.iter_mut().zip(edge_row) {
                    *cij = if beta == 0.0 { ab } else { ab + beta * *cij };
                }
            }
        }
    }
}

/// Panics unless a row-major `rows × cols` matrix with row stride `ld` fits in `len` floats:
/// the raw-pointer code below relies on it.
pub(crate) fn check_fits(name: &str, rows: usize, cols: usize, len: usize, ld: usize) {
    assert!(
        ld >= cols,
        "{name}: leading dimension {ld} < {cols} columns"
    );
    assert!(
        rows == 0 || cols == 0 || (rows - 1) * ld + cols <= len,
        "{name}: {rows} × {cols} with leading dimension {ld} needs more than its {len} floats"
    );
}

/// `C ← beta · C` (zeros when `beta == 0`, without reading `C`): the whole product when `k == 0`.
pub(crate) fn scale_c(m: usize, n: usize, beta: f32, c: &mut [f32], ldc: usize) {
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
    // BEGIN SOLUTION
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        return scale_c(m, n, beta, c, ldc);
    }
    check_fits("C", m, n, c.len(), ldc);
    let uk = select_kernel();
    BUFFERS.with(|buffers| {
        let (a_buf, b_buf) = &mut *buffers.borrow_mut();
        for ic in (0..m).step_by(uk.mc) {
            // LOOP 5: MC rows of A and C.
            let mc = uk.mc.min(m - ic);
            for pc in (0..k).step_by(uk.kc) {
                // LOOP 4: a KC-deep slice of the sum; pack its block of A (it stays in L3).
                let kc = uk.kc.min(k - pc);
                let a_block = ABlock::new(&uk, mc, kc, &a[ic * lda + pc..], lda, a_buf);
                let beta_block = if pc == 0 { beta } else { 1.0 };
                for jc in (0..n).step_by(uk.nc) {
                    // LOOP 3: NC columns of B and C; pack the block of B (it stays in L2).
                    let nc = uk.nc.min(n - jc);
                    let b_packed = pack_b(&uk, kc, nc, &b[pc * ldb + jc..], ldb, b_buf);
                    // SAFETY: rows ic .. ic + mc and columns jc .. jc + nc are inside C
                    // (check_fits), and this thread holds C's only reference.
                    unsafe {
                        macro_kernel(
                            &uk,
                            mc,
                            nc,
                            kc,
                            alpha,
                            &a_block,
                            b_packed,
                            beta_block,
                            c.as_mut_ptr().add(ic * ldc + jc),
                            ldc,
                        )
                    };
                }
            }
        }
    });
    // END SOLUTION
}
