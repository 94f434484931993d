//! Kit tests of the kernels against a naive triple loop in f64: every stage over edge shapes,
//! `beta == 0` with NaN in C, `k == 0`, leading dimensions larger than the rows, α/β edges.
//!
//! Run on the reference (`solutions/level0/...` copied over the stubs): with the stubs every
//! test here fails with "not implemented". `tests/isa_fallbacks.rs` re-runs the SGEMM tests
//! under each narrower instruction set this CPU has.

#![allow(clippy::too_many_arguments)] // the BLAS signature

use std::sync::OnceLock;
use teenygrad_kernels::kernels::{
    blas1, sgemm_blocked, sgemm_microkernel, sgemm_naive, sgemm_parallel, sgemm_reordered,
    sgemm_simd, sgemv,
};

/// A small deterministic generator (xorshift), so the tests need no crates.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    fn vec(&mut self, len: usize) -> Vec<f32> {
        (0..len).map(|_| self.uniform()).collect()
    }
}

type Sgemm = fn(usize, usize, usize, f32, &[f32], usize, &[f32], usize, f32, &mut [f32], usize);

/// The parallel stage with a fixed thread count, as a plain `Sgemm` function pointer.
#[allow(clippy::too_many_arguments)]
fn parallel<const THREADS: usize>(
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
    sgemm_parallel::sgemm_parallel(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, THREADS);
}

pub const STAGES: [(&str, Sgemm); 8] = [
    ("naive", sgemm_naive::sgemm_naive),
    ("reordered", sgemm_reordered::sgemm_reordered),
    ("blocked", sgemm_blocked::sgemm_blocked),
    ("microkernel", sgemm_microkernel::sgemm_microkernel),
    ("simd", sgemm_simd::sgemm_simd),
    ("parallel(1)", parallel::<1>),
    ("parallel(2)", parallel::<2>),
    ("parallel(3)", parallel::<3>),
];

/// Shapes (m, n, k): empty, tiny, primes, one off every tile and block size of the reference.
const SHAPES: [(usize, usize, usize); 16] = [
    (0, 0, 0),
    (0, 5, 3),
    (4, 0, 3),
    (3, 5, 0),
    (1, 1, 1),
    (1, 7, 1),
    (7, 1, 13),
    (2, 3, 4),
    (8, 32, 16),
    (9, 33, 17),
    (13, 31, 97),
    (65, 63, 257),
    (97, 129, 513),
    (33, 4099, 5),
    (200, 17, 1030),
    (130, 70, 600),
];

/// One SGEMM problem with leading dimensions `row length + pad`, and the poison that fills the
/// padding (it must come out untouched). An empty matrix gets the leading dimension of its row
/// length, as the binding layer passes it.
struct Problem {
    m: usize,
    n: usize,
    k: usize,
    pad: usize,
    a: Vec<f32>,
    b: Vec<f32>,
    c: Vec<f32>,
}

/// Leading dimension of a `rows × cols` matrix padded by `pad`.
fn leading(rows: usize, cols: usize, pad: usize) -> usize {
    if rows == 0 || cols == 0 {
        cols
    } else {
        cols + pad
    }
}

const POISON: f32 = -7.25e30;

impl Problem {
    fn new(
        rng: &mut Rng,
        (m, n, k): (usize, usize, usize),
        pad: usize,
        c_fill: Option<f32>,
    ) -> Problem {
        let mut fill = |rows: usize, cols: usize, value: Option<f32>| {
            let ld = leading(rows, cols, pad);
            let mut v = vec![POISON; rows * ld];
            for i in 0..rows {
                for j in 0..cols {
                    v[i * ld + j] = value.unwrap_or_else(|| rng.uniform());
                }
            }
            v
        };
        let a = fill(m, k, None);
        let b = fill(k, n, None);
        let c = fill(m, n, c_fill);
        Problem {
            m,
            n,
            k,
            pad,
            a,
            b,
            c,
        }
    }

    fn lds(&self) -> (usize, usize, usize) {
        let (m, n, k, pad) = (self.m, self.n, self.k, self.pad);
        (leading(m, k, pad), leading(k, n, pad), leading(m, n, pad))
    }

    /// alpha·A·B + beta·C in f64 (C not read when beta == 0).
    fn expected(&self, alpha: f32, beta: f32) -> Vec<f64> {
        let (lda, ldb, ldc) = self.lds();
        let mut out = vec![0.0f64; self.m * self.n];
        for i in 0..self.m {
            for j in 0..self.n {
                let sum: f64 = (0..self.k)
                    .map(|p| self.a[i * lda + p] as f64 * self.b[p * ldb + j] as f64)
                    .sum();
                let c = if beta == 0.0 {
                    0.0
                } else {
                    beta as f64 * self.c[i * ldc + j] as f64
                };
                out[i * self.n + j] = alpha as f64 * sum + c;
            }
        }
        out
    }

    fn check(&self, name: &str, got: &[f32], expected: &[f64], alpha: f32, beta: f32) {
        let (_, _, ldc) = self.lds();
        let what = format!(
            "{name}: m={} n={} k={} pad={} alpha={alpha} beta={beta}",
            self.m, self.n, self.k, self.pad
        );
        for i in 0..self.m {
            for j in 0..ldc {
                let g = got[i * ldc + j];
                if j >= self.n {
                    assert!(
                        g == POISON || i * ldc + j >= got.len(),
                        "{what}: wrote C's padding at ({i}, {j})"
                    );
                    continue;
                }
                let e = expected[i * self.n + j];
                let tol = 1e-5 * (self.k as f64 + 1.0) * (1.0 + e.abs()) + 1e-6;
                assert!(
                    (g as f64 - e).abs() <= tol,
                    "{what}: C[{i}][{j}] = {g}, expected {e}"
                );
            }
        }
    }
}

/// One SGEMM problem of `check_stage`, its α and β, and the answer in f64.
struct Case {
    problem: Problem,
    alpha: f32,
    beta: f32,
    expected: Vec<f64>,
}

/// Every case `check_stage` runs (each shape with each padding and α/β pair), built once per
/// process: every stage runs the same cases, and the f64 triple loop that answers them costs
/// about as much as a stage (under an emulator, several times the stages' own work).
fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut cases = Vec::new();
        for &shape in &SHAPES {
            for &(pad, alpha, beta, c_fill) in &[
                (0, 1.0, 0.0, Some(f32::NAN)),
                (3, 1.5, 0.0, Some(f32::NAN)),
                (1, -0.5, 1.0, None),
                (5, 2.0, -0.75, None),
                (0, 0.0, 0.5, None),
            ] {
                let problem = Problem::new(&mut rng, shape, pad, c_fill);
                let expected = problem.expected(alpha, beta);
                cases.push(Case {
                    problem,
                    alpha,
                    beta,
                    expected,
                });
            }
        }
        cases
    })
}

fn check_stage(name: &str, sgemm: Sgemm) {
    for Case {
        problem,
        alpha,
        beta,
        expected,
    } in cases()
    {
        let (alpha, beta) = (*alpha, *beta);
        let (lda, ldb, ldc) = problem.lds();
        let mut c = problem.c.clone();
        // Slices exactly as long as the contract requires: (rows - 1) * ld + cols.
        let trim = |v: &[f32], rows: usize, cols: usize, ld: usize| -> usize {
            if rows == 0 || cols == 0 {
                0
            } else {
                (rows - 1) * ld + cols
            }
            .min(v.len())
        };
        let a_len = trim(&problem.a, problem.m, problem.k, lda);
        let b_len = trim(&problem.b, problem.k, problem.n, ldb);
        let c_len = trim(&c, problem.m, problem.n, ldc);
        let (m, n, k) = (problem.m, problem.n, problem.k);
        sgemm(
            m,
            n,
            k,
            alpha,
            &problem.a[..a_len],
            lda,
            &problem.b[..b_len],
            ldb,
            beta,
            &mut c[..c_len],
            ldc,
        );
        problem.check(name, &c, expected, alpha, beta);
    }
}

/// Runs every SGEMM stage over every shape; called by each test and by `isa_fallbacks`.
pub fn check_all_sgemm_stages() {
    for (name, sgemm) in STAGES {
        check_stage(name, sgemm);
    }
}

#[test]
fn sgemm_naive_matches_definition() {
    check_stage("naive", sgemm_naive::sgemm_naive);
}

#[test]
fn sgemm_reordered_matches_definition() {
    check_stage("reordered", sgemm_reordered::sgemm_reordered);
}

#[test]
fn sgemm_blocked_matches_definition() {
    check_stage("blocked", sgemm_blocked::sgemm_blocked);
}

#[test]
fn sgemm_microkernel_matches_definition() {
    check_stage("microkernel", sgemm_microkernel::sgemm_microkernel);
}

#[test]
fn sgemm_simd_matches_definition() {
    check_stage("simd", sgemm_simd::sgemm_simd);
}

#[test]
fn sgemm_parallel_matches_definition() {
    check_stage("parallel(1)", parallel::<1>);
    check_stage("parallel(2)", parallel::<2>);
    check_stage("parallel(3)", parallel::<3>);
}

#[test]
fn sgemm_large_blocks_match_naive() {
    // Several KC and MC blocks and a partial NC block for every reference kernel table.
    let mut rng = Rng(42);
    let (m, n, k) = (301, 4200, 1100);
    let a = rng.vec(m * k);
    let b = rng.vec(k * n);
    let c0 = rng.vec(m * n);
    let mut expected = c0.clone();
    sgemm_naive::sgemm_naive(m, n, k, 0.5, &a, k, &b, n, 2.0, &mut expected, n);
    for (name, sgemm) in [
        ("simd", sgemm_simd::sgemm_simd as Sgemm),
        ("parallel(2)", parallel::<2>),
        ("microkernel", sgemm_microkernel::sgemm_microkernel),
    ] {
        let mut c = c0.clone();
        sgemm(m, n, k, 0.5, &a, k, &b, n, 2.0, &mut c, n);
        for (idx, (&g, &e)) in c.iter().zip(&expected).enumerate() {
            assert!(
                (g - e).abs() <= 2e-3 * (1.0 + e.abs()),
                "{name}: C[{}][{}] = {g}, naive says {e}",
                idx / n,
                idx % n
            );
        }
    }
}

#[test]
fn saxpy_contiguous_and_strided() {
    let mut rng = Rng(7);
    for &(n, incx, incy) in &[
        (0, 1, 1),
        (1, 1, 1),
        (37, 1, 1),
        (1000, 1, 1),
        (37, 2, 3),
        (101, 3, 1),
    ] {
        let x = rng.vec((n.max(1) - 1) * incx + 1);
        let y0 = rng.vec((n.max(1) - 1) * incy + 1);
        let mut y = y0.clone();
        blas1::saxpy(n, 1.25, &x, incx, &mut y, incy);
        for (idx, (&g, &orig)) in y.iter().zip(&y0).enumerate() {
            let expected = if idx % incy == 0 && idx / incy < n {
                orig + 1.25 * x[idx / incy * incx]
            } else {
                orig
            };
            assert!(
                (g - expected).abs() <= 1e-6,
                "saxpy n={n} incx={incx} incy={incy}: y[{idx}] = {g}, expected {expected}"
            );
        }
    }
}

#[test]
fn sdot_contiguous_and_strided() {
    let mut rng = Rng(8);
    for &(n, incx, incy) in &[
        (0, 1, 1),
        (1, 1, 1),
        (15, 1, 1),
        (16, 1, 1),
        (1001, 1, 1),
        (37, 2, 3),
    ] {
        let x = rng.vec((n.max(1) - 1) * incx + 1);
        let y = rng.vec((n.max(1) - 1) * incy + 1);
        let expected: f64 = (0..n)
            .map(|i| x[i * incx] as f64 * y[i * incy] as f64)
            .sum();
        let got = blas1::sdot(n, &x, incx, &y, incy);
        assert!(
            (got as f64 - expected).abs() <= 1e-4 * (1.0 + n as f64).sqrt(),
            "sdot n={n}: {got}, expected {expected}"
        );
    }
}

#[test]
fn sgemv_with_padding_and_nan() {
    let mut rng = Rng(9);
    for &(m, n, pad) in &[
        (0, 3, 0),
        (3, 0, 2),
        (1, 1, 0),
        (17, 33, 3),
        (64, 129, 0),
        (5, 1000, 7),
    ] {
        let lda = n + pad;
        let a = rng.vec(m * lda);
        let x = rng.vec(n);
        for &beta in &[0.0f32, 0.5] {
            let y0: Vec<f32> = if beta == 0.0 {
                vec![f32::NAN; m]
            } else {
                rng.vec(m)
            };
            let mut y = y0.clone();
            let a_len = if m == 0 { 0 } else { (m - 1) * lda + n };
            sgemv::sgemv(m, n, -1.5, &a[..a_len], lda, &x, beta, &mut y);
            for i in 0..m {
                let dot: f64 = (0..n).map(|j| a[i * lda + j] as f64 * x[j] as f64).sum();
                let expected = -1.5 * dot
                    + if beta == 0.0 {
                        0.0
                    } else {
                        beta as f64 * y0[i] as f64
                    };
                assert!(
                    (y[i] as f64 - expected).abs() <= 1e-4 * (1.0 + expected.abs()),
                    "sgemv m={m} n={n} beta={beta}: y[{i}] = {}, expected {expected}",
                    y[i]
                );
            }
        }
    }
}
