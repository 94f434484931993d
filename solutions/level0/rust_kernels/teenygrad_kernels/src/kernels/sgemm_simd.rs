//! # Stage 7 — SGEMM, SIMD: explicit vector intrinsics behind run-time dispatch
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
//! `unsafe` is allowed here (raw-pointer loads and stores, calling `#[target_feature]`
//! functions); every `unsafe` block needs a `// SAFETY:` comment saying why it is sound.
//!
//! ## Graded
//! Correctness as for every stage, under every ISA this machine has (`TEENYGRAD_ISA`), then
//! single-thread speed as a fraction of the measured single-core FP32 peak (size and thresholds
//! in the level manifest; numpy's OpenBLAS reaches about 88 % of it, the reference too).

// BEGIN SOLUTION
use super::Isa;
use std::cell::RefCell;

/// A micro-kernel: `C[0..MR][0..NR] ← alpha · A·B + beta · C` where `a` is a packed `MR × kc`
/// micro-panel of `A` (row `i` at `a + i·kc`), `b` a packed `kc × NR` micro-panel of `B` (row
/// `p` at `b + p·NR`), and `C` has row stride `ldc`. When `beta == 0`, `C` is not read.
///
/// Safety contract: `a` is valid for `MR·kc` reads, `b` for `kc·NR` reads, each `c + i·ldc`
/// (`i < MR`) for reads and writes of `NR` floats, and the CPU has the kernel's ISA.
type TileFn = unsafe fn(
    kc: usize,
    alpha: f32,
    a: *const f32,
    b: *const f32,
    beta: f32,
    c: *mut f32,
    ldc: usize,
);

/// One micro-kernel and its blocksizes (BLIS calls this a context). `MC` is a multiple of
/// `MR`, `NC` of `NR`.
#[derive(Clone, Copy)]
pub(crate) struct MicroKernel {
    /// Register tile: rows of `A` / `C`.
    pub(crate) mr: usize,
    /// Register tile: columns of `B` / `C`, a multiple of the vector width.
    pub(crate) nr: usize,
    /// Rows of the packed block of `A` (lives in L2).
    pub(crate) mc: usize,
    /// Depth of the packed blocks (`A`: `MC × KC`, `B`: `KC × NC`).
    pub(crate) kc: usize,
    /// Columns of the packed block of `B` (lives in L3).
    pub(crate) nc: usize,
    /// Computes one full tile; private so that only [`select_kernel`] can pair it with an ISA.
    tile: TileFn,
}

/// The largest `MR · NR` of the table below: the size of the edge-tile buffer.
const MAX_TILE: usize = 8 * 32;

/// The blocksizes, per ISA (measured on a Zen 4 EPYC, 32 KiB L1d, 1 MiB L2, 32 MiB L3):
///
/// | ISA      | MR | NR | MC  | KC  | NC   | micro-panels: A (L1), B (L2), block of A (L2) |
/// |----------|----|----|-----|-----|------|-----------------------------------------------|
/// | avx512f  |  8 | 32 | 192 | 512 | 4096 | 16 KiB, 64 KiB, 384 KiB                       |
/// | avx2+fma |  6 | 16 | 192 | 512 | 4096 | 12 KiB, 32 KiB, 384 KiB                       |
/// | neon     |  8 |  8 |  96 | 512 | 4096 | 16 KiB, 16 KiB, 192 KiB                       |
/// | scalar   |  4 |  8 |  64 | 256 | 4096 |  4 KiB,  8 KiB,  64 KiB                       |
///
/// The packed block of `B` (`KC × NC`, up to 8 MiB) is read again for every block of `A`, from
/// L3: a larger `MC` means fewer passes (at n = 4096, MC = 192 ran 6 % faster than MC = 96);
/// a larger `KC` means fewer passes over `C`.
#[cfg(target_arch = "x86_64")]
const AVX512: MicroKernel = MicroKernel {
    mr: 8,
    nr: 32,
    mc: 192,
    kc: 512,
    nc: 4096,
    tile: tile_avx512,
};
#[cfg(target_arch = "x86_64")]
const AVX2: MicroKernel = MicroKernel {
    mr: 6,
    nr: 16,
    mc: 192,
    kc: 512,
    nc: 4096,
    tile: tile_avx2,
};
#[cfg(target_arch = "aarch64")]
const NEON: MicroKernel = MicroKernel {
    mr: 8,
    nr: 8,
    mc: 96,
    kc: 512,
    nc: 4096,
    tile: tile_neon,
};
const SCALAR: MicroKernel = MicroKernel {
    mr: 4,
    nr: 8,
    mc: 64,
    kc: 256,
    nc: 4096,
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
unsafe fn tile_avx512(
    kc: usize,
    alpha: f32,
    a: *const f32,
    b: *const f32,
    beta: f32,
    c: *mut f32,
    ldc: usize,
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
        // SAFETY: p < kc, so row p of the B micro-panel (NR floats at b + p·NR) and element p
        // of each row of the A micro-panel (a + i·kc + p, i < MR) are inside the panels.
        unsafe {
            let b0 = _mm512_loadu_ps(b.add(p * NR));
            let b1 = _mm512_loadu_ps(b.add(p * NR + 16));
            for (i, acc_row) in acc.iter_mut().enumerate() {
                let ai = _mm512_set1_ps(*a.add(i * kc + p));
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
unsafe fn tile_avx2(
    kc: usize,
    alpha: f32,
    a: *const f32,
    b: *const f32,
    beta: f32,
    c: *mut f32,
    ldc: usize,
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
        // SAFETY: p < kc, so row p of the B micro-panel and element p of each of the MR rows of
        // the A micro-panel are inside the panels.
        unsafe {
            let b0 = _mm256_loadu_ps(b.add(p * NR));
            let b1 = _mm256_loadu_ps(b.add(p * NR + 8));
            for (i, acc_row) in acc.iter_mut().enumerate() {
                let ai = _mm256_set1_ps(*a.add(i * kc + p));
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
unsafe fn tile_neon(
    kc: usize,
    alpha: f32,
    a: *const f32,
    b: *const f32,
    beta: f32,
    c: *mut f32,
    ldc: usize,
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
                let ai = *a.add(i * kc + p);
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
unsafe fn tile_scalar(
    kc: usize,
    alpha: f32,
    a: *const f32,
    b: *const f32,
    beta: f32,
    c: *mut f32,
    ldc: usize,
) {
    const MR: usize = 4;
    const NR: usize = 8;
    // SAFETY: the caller passes micro-panels of MR·kc and kc·NR floats.
    let (a, b) = unsafe {
        (
            std::slice::from_raw_parts(a, MR * kc),
            std::slice::from_raw_parts(b, kc * NR),
        )
    };
    let mut acc = [[0.0f32; NR]; MR];
    for (p, b_row) in b.chunks_exact(NR).enumerate() {
        for (i, acc_row) in acc.iter_mut().enumerate() {
            let ai = a[i * kc + p];
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

/// Packs the `mc × kc` block of `A` at `a` (row stride `lda`) into `MR`-row micro-panels.
/// Micro-panel `r` keeps rows `r·MR .. r·MR + MR` as they are in `A` (each `kc` contiguous
/// floats), so the packed block is the rows one after the other, padded with zero rows to a
/// multiple of `MR`. (BLIS stores micro-panels of `A` column by column; keeping rows makes
/// packing a row copy, and the kernel reads `MR` sequential streams instead of one.)
pub(crate) fn pack_a<'buf>(
    uk: &MicroKernel,
    mc: usize,
    kc: usize,
    a: &[f32],
    lda: usize,
    buf: &'buf mut PackBuffer,
) -> &'buf [f32] {
    let packed = buf.get(mc.next_multiple_of(uk.mr) * kc);
    for (i, dst) in packed.chunks_exact_mut(kc).enumerate() {
        if i < mc {
            dst.copy_from_slice(&a[i * lda..i * lda + kc]);
        } else {
            dst.fill(0.0);
        }
    }
    packed
}

/// Packs `kc` rows of `cols ≤ NR` columns of `B` at `b` (row stride `ldb`) into one `NR`-wide
/// micro-panel (`kc × NR`, row `p` at `[p·NR ..]`), with zero columns past `cols`.
pub(crate) fn pack_b_panel(
    uk: &MicroKernel,
    kc: usize,
    cols: usize,
    b: &[f32],
    ldb: usize,
    panel: &mut [f32],
) {
    for (p, dst) in panel.chunks_exact_mut(uk.nr).take(kc).enumerate() {
        dst[..cols].copy_from_slice(&b[p * ldb..p * ldb + cols]);
        dst[cols..].fill(0.0);
    }
}

/// The length of the packed `kc × nc` block of `B`: whole micro-panels of `kc × NR`.
pub(crate) fn packed_b_len(uk: &MicroKernel, kc: usize, nc: usize) -> usize {
    nc.next_multiple_of(uk.nr) * kc
}

/// Packs the `kc × nc` block of `B` at `b` (row stride `ldb`) into `NR`-wide micro-panels.
fn pack_b<'buf>(
    uk: &MicroKernel,
    kc: usize,
    nc: usize,
    b: &[f32],
    ldb: usize,
    buf: &'buf mut PackBuffer,
) -> &'buf [f32] {
    let packed = buf.get(packed_b_len(uk, kc, nc));
    for (jr, panel) in (0..nc)
        .step_by(uk.nr)
        .zip(packed.chunks_exact_mut(uk.nr * kc))
    {
        pack_b_panel(uk, kc, uk.nr.min(nc - jr), &b[jr..], ldb, panel);
    }
    packed
}

/// LOOPS 2 and 1 around the micro-kernel: `C ← alpha · A·B + beta · C` for a packed `mc × kc`
/// block of `A` and a packed `kc × nc` block of `B`; `c` starts at the block's first element
/// (row stride `ldc`). Full tiles are computed in place; edge tiles into a buffer, then copied.
#[allow(clippy::too_many_arguments)]
pub(crate) fn macro_kernel(
    uk: &MicroKernel,
    mc: usize,
    nc: usize,
    kc: usize,
    alpha: f32,
    a_packed: &[f32],
    b_packed: &[f32],
    beta: f32,
    c: &mut [f32],
    ldc: usize,
) {
    let (mr, nr) = (uk.mr, uk.nr);
    let mut edge = [0.0f32; MAX_TILE];
    for jr in (0..nc).step_by(nr) {
        // LOOP 2: one micro-panel of B, reused by every micro-panel of A below.
        let b_panel = &b_packed[jr * kc..(jr + nr) * kc];
        for ir in (0..mc).step_by(mr) {
            // LOOP 1: one micro-panel of A, one MR × NR tile of C.
            let a_panel = &a_packed[ir * kc..(ir + mr) * kc];
            let (rows, cols) = (mr.min(mc - ir), nr.min(nc - jr));
            let c_tile = &mut c[ir * ldc + jr..];
            if rows == mr && cols == nr {
                assert!(
                    c_tile.len() >= (mr - 1) * ldc + nr,
                    "C is shorter than its shape says"
                );
                // SAFETY: the panels hold MR·kc and kc·NR floats (sliced above), the MR rows of NR
                // floats at c_tile + i·ldc are inside c_tile (asserted), and `uk` came from
                // `select_kernel`, which pairs each kernel with an ISA `Isa::current()` found.
                unsafe {
                    (uk.tile)(
                        kc,
                        alpha,
                        a_panel.as_ptr(),
                        b_panel.as_ptr(),
                        beta,
                        c_tile.as_mut_ptr(),
                        ldc,
                    )
                };
            } else {
                // SAFETY: as above, with `edge` (MAX_TILE ≥ MR·NR floats, row stride NR) as C;
                // beta = 0 so its stale contents are not read.
                unsafe {
                    (uk.tile)(
                        kc,
                        alpha,
                        a_panel.as_ptr(),
                        b_panel.as_ptr(),
                        0.0,
                        edge.as_mut_ptr(),
                        nr,
                    )
                };
                for (i, edge_row) in edge.chunks_exact(nr).take(rows).enumerate() {
                    let c_row = &mut c_tile[i * ldc..i * ldc + cols];
                    for (cij, &ab) in c_row.iter_mut().zip(edge_row) {
                        *cij = if beta == 0.0 { ab } else { ab + beta * *cij };
                    }
                }
            }
        }
    }
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
    let uk = select_kernel();
    BUFFERS.with(|buffers| {
        let (a_buf, b_buf) = &mut *buffers.borrow_mut();
        for jc in (0..n).step_by(uk.nc) {
            // LOOP 5: an NC-wide strip of B and C.
            let nc = uk.nc.min(n - jc);
            for pc in (0..k).step_by(uk.kc) {
                // LOOP 4: a KC-deep slice of the sum; pack its block of B.
                let kc = uk.kc.min(k - pc);
                let b_packed = pack_b(&uk, kc, nc, &b[pc * ldb + jc..], ldb, b_buf);
                let beta_block = if pc == 0 { beta } else { 1.0 };
                for ic in (0..m).step_by(uk.mc) {
                    // LOOP 3: MC rows of A and C; pack the block of A.
                    let mc = uk.mc.min(m - ic);
                    let a_packed = pack_a(&uk, mc, kc, &a[ic * lda + pc..], lda, a_buf);
                    let c_block = &mut c[ic * ldc + jc..];
                    macro_kernel(
                        &uk, mc, nc, kc, alpha, a_packed, b_packed, beta_block, c_block, ldc,
                    );
                }
            }
        }
    });
    // END SOLUTION
}
