//! `roofline`: measure this machine's roofline and print it as one JSON object on stdout.
//!
//! Kit-owned. It never links student code, so a student kernel cannot change the roof it is
//! graded against. Two roofs, each for one thread and for all threads:
//!
//! - **compute**: peak FP32 GFLOP/s of a loop of independent fused multiply-adds on the widest
//!   vector unit present, chosen at run time (AVX-512 > AVX2+FMA > NEON > scalar). The loop
//!   keeps `ACCUMULATORS` independent accumulators in flight, more than FMA latency × FMA
//!   throughput on any current core, so the loop is limited by throughput, not latency.
//! - **memory**: STREAM triad `a[i] = b[i] + s * c[i]` over arrays far larger than the last-level
//!   cache, counted the STREAM way: 3 arrays × 4 bytes per element and pass (the extra read
//!   that write-allocate caches do for `a` is not counted).
//!
//! Each figure is measured `--repeats` times (default 5) after one warm-up; the JSON holds the
//! median, every sample and their coefficient of variation. `--quick` shrinks the arrays and
//! the samples so the whole run takes well under a second (the grader uses it).
//!
//! Usage: `roofline [--quick] [--repeats N] [--threads N]`

use std::hint::black_box;
use std::sync::Barrier;
use std::time::Instant;

/// Options read from the command line.
struct Options {
    quick: bool,
    repeats: usize,
    threads: usize,
}

/// Independent FMA accumulators in the peak loop (vector registers: 32 on AVX-512 and NEON,
/// 16 on AVX2, which keeps 12 so two hold the constants).
const ACCUMULATORS_WIDE: usize = 16;
#[cfg(target_arch = "x86_64")]
const ACCUMULATORS_AVX2: usize = 12;

/// Which vector unit the peak loop uses.
#[derive(Clone, Copy)]
enum Isa {
    #[cfg(target_arch = "x86_64")]
    Avx512,
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
    #[cfg(target_arch = "aarch64")]
    Neon,
    Scalar,
}

impl Isa {
    fn detect() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx512f") {
                return Isa::Avx512;
            }
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                return Isa::Avx2Fma;
            }
        }
        #[cfg(target_arch = "aarch64")]
        {
            if std::arch::is_aarch64_feature_detected!("neon") {
                return Isa::Neon;
            }
        }
        Isa::Scalar
    }

    fn name(self) -> &'static str {
        match self {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => "avx512f",
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2Fma => "avx2+fma",
            #[cfg(target_arch = "aarch64")]
            Isa::Neon => "neon",
            Isa::Scalar => "scalar",
        }
    }

    /// Floating-point operations done by one iteration of `fma_loop`.
    fn flops_per_iteration(self) -> f64 {
        match self {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => (ACCUMULATORS_WIDE * 16 * 2) as f64,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2Fma => (ACCUMULATORS_AVX2 * 8 * 2) as f64,
            #[cfg(target_arch = "aarch64")]
            Isa::Neon => (ACCUMULATORS_WIDE * 4 * 2) as f64,
            Isa::Scalar => (ACCUMULATORS_WIDE * 2) as f64,
        }
    }

    /// Run `iterations` iterations of the FMA loop; returns a value that depends on every FMA.
    fn fma_loop(self, iterations: u64) -> f32 {
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `detect` chose this variant only after checking that the CPU has AVX-512F.
            Isa::Avx512 => unsafe { fma_avx512(iterations) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `detect` chose this variant only after checking for AVX2 and FMA.
            Isa::Avx2Fma => unsafe { fma_avx2(iterations) },
            #[cfg(target_arch = "aarch64")]
            // SAFETY: `detect` chose this variant only after checking for NEON.
            Isa::Neon => unsafe { fma_neon(iterations) },
            Isa::Scalar => fma_scalar(iterations),
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn fma_avx512(iterations: u64) -> f32 {
    use std::arch::x86_64::*;
    let x = _mm512_set1_ps(black_box(0.999_9));
    let y = _mm512_set1_ps(black_box(1.0e-4));
    let mut acc = [_mm512_set1_ps(black_box(1.0)); ACCUMULATORS_WIDE];
    for _ in 0..iterations {
        for a in acc.iter_mut() {
            *a = _mm512_fmadd_ps(*a, x, y);
        }
    }
    _mm512_reduce_add_ps(
        acc.iter()
            .fold(_mm512_setzero_ps(), |s, &a| _mm512_add_ps(s, a)),
    )
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn fma_avx2(iterations: u64) -> f32 {
    use std::arch::x86_64::*;
    let x = _mm256_set1_ps(black_box(0.999_9));
    let y = _mm256_set1_ps(black_box(1.0e-4));
    let mut acc = [_mm256_set1_ps(black_box(1.0)); ACCUMULATORS_AVX2];
    for _ in 0..iterations {
        for a in acc.iter_mut() {
            *a = _mm256_fmadd_ps(*a, x, y);
        }
    }
    let mut lanes = [0.0f32; 8];
    let mut total = 0.0;
    for a in acc {
        // SAFETY: `lanes` holds exactly the 8 floats that an unaligned 256-bit store writes.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), a) };
        total += lanes.iter().sum::<f32>();
    }
    total
}

#[cfg(target_arch = "aarch64")]
#[target_feature(enable = "neon")]
fn fma_neon(iterations: u64) -> f32 {
    use std::arch::aarch64::*;
    let x = vdupq_n_f32(black_box(0.999_9));
    let y = vdupq_n_f32(black_box(1.0e-4));
    let mut acc = [vdupq_n_f32(black_box(1.0)); ACCUMULATORS_WIDE];
    for _ in 0..iterations {
        for a in acc.iter_mut() {
            // vfmaq_f32(a, b, c) = a + b * c
            *a = vfmaq_f32(y, *a, x);
        }
    }
    acc.iter().map(|&a| vaddvq_f32(a)).sum()
}

/// Without a vector unit: separate multiply and add (Rust never fuses them), 2 flops each.
fn fma_scalar(iterations: u64) -> f32 {
    let x = black_box(0.999_9f32);
    let y = black_box(1.0e-4f32);
    let mut acc = [black_box(1.0f32); ACCUMULATORS_WIDE];
    for _ in 0..iterations {
        for a in acc.iter_mut() {
            *a = *a * x + y;
        }
    }
    acc.iter().sum()
}

/// Runs every worker on its own thread for `1 + repeats` rounds, all threads starting each
/// round together at a barrier; round 0 is a warm-up (clocks ramp up, the scheduler spreads
/// the threads over the cores). Returns the wall time of each timed round, from the first
/// thread's start to the last thread's end. The threads live for all rounds, so a round is
/// never timed while a new thread is still being placed on a core.
fn timed_rounds<W: FnMut() + Send>(workers: Vec<W>, repeats: usize) -> Vec<f64> {
    let barrier = Barrier::new(workers.len());
    let barrier = &barrier;
    let spans: Vec<Vec<(Instant, Instant)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = workers
            .into_iter()
            .map(|mut work| {
                scope.spawn(move || {
                    (0..=repeats)
                        .map(|_| {
                            barrier.wait();
                            let start = Instant::now();
                            work();
                            (start, Instant::now())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("measuring thread panicked"))
            .collect()
    });
    (1..=repeats)
        .map(|round| {
            let start = spans
                .iter()
                .map(|s| s[round].0)
                .min()
                .expect("no thread ran");
            let end = spans
                .iter()
                .map(|s| s[round].1)
                .max()
                .expect("no thread ran");
            (end - start).as_secs_f64()
        })
        .collect()
}

/// The compute roof on `threads` threads: GFLOP/s of each timed round.
fn peak(isa: Isa, threads: usize, iterations: u64, repeats: usize) -> Figure {
    let workers = (0..threads)
        .map(|_| {
            move || {
                black_box(isa.fma_loop(black_box(iterations)));
            }
        })
        .collect();
    let flops = isa.flops_per_iteration() * iterations as f64 * threads as f64;
    Figure::from_seconds(timed_rounds(workers, repeats), flops / 1e9)
}

/// Three arrays of `len` floats for the triad, each thread's slice touched first by that thread.
struct TriadArrays {
    a: Vec<f32>,
    b: Vec<f32>,
    c: Vec<f32>,
}

impl TriadArrays {
    fn new(len: usize, threads: usize) -> TriadArrays {
        let mut arrays = TriadArrays {
            a: Vec::with_capacity(len),
            b: Vec::with_capacity(len),
            c: Vec::with_capacity(len),
        };
        arrays.a.resize(len, 0.0);
        arrays.b.resize(len, 1.0);
        arrays.c.resize(len, 2.0);
        // Touch every page from the thread that will use it (matters on multi-socket machines).
        let chunk = len.div_ceil(threads);
        std::thread::scope(|scope| {
            for ((a, b), c) in arrays
                .a
                .chunks_mut(chunk)
                .zip(arrays.b.chunks_mut(chunk))
                .zip(arrays.c.chunks_mut(chunk))
            {
                scope.spawn(move || {
                    a.fill(0.0);
                    b.fill(1.0);
                    c.fill(2.0);
                });
            }
        });
        arrays
    }
}

/// `a = b + scalar * c`, the STREAM triad, on one thread's share of the arrays.
fn triad(a: &mut [f32], b: &[f32], c: &[f32], scalar: f32) {
    for ((a, &b), &c) in a.iter_mut().zip(b).zip(c) {
        *a = b + scalar * c;
    }
}

/// The memory roof on `threads` threads: GB/s of each timed round of `passes` triad passes,
/// counted the STREAM way (3 × 4 bytes per element and pass).
fn triad_bandwidth(
    arrays: &mut TriadArrays,
    threads: usize,
    passes: usize,
    repeats: usize,
) -> Figure {
    let len = arrays.a.len();
    let chunk = len.div_ceil(threads);
    let workers = arrays
        .a
        .chunks_mut(chunk)
        .zip(arrays.b.chunks(chunk))
        .zip(arrays.c.chunks(chunk))
        .map(|((a, b), c)| {
            move || {
                for pass in 0..passes {
                    triad(a, b, c, black_box(3.0 + pass as f32));
                    black_box(&mut *a);
                }
            }
        })
        .collect();
    let bytes = 3.0 * 4.0 * len as f64 * passes as f64;
    Figure::from_seconds(timed_rounds(workers, repeats), bytes / 1e9)
}

/// Samples of one figure: median, all samples, coefficient of variation.
struct Figure {
    samples: Vec<f64>,
}

impl Figure {
    /// Rates (`work` units per second) from the seconds each round took.
    fn from_seconds(seconds: Vec<f64>, work: f64) -> Figure {
        Figure {
            samples: seconds.iter().map(|s| work / s).collect(),
        }
    }

    fn median(&self) -> f64 {
        let mut sorted = self.samples.clone();
        sorted.sort_by(f64::total_cmp);
        let mid = sorted.len() / 2;
        if sorted.len() % 2 == 1 {
            sorted[mid]
        } else {
            (sorted[mid - 1] + sorted[mid]) / 2.0
        }
    }

    fn cv(&self) -> f64 {
        let n = self.samples.len() as f64;
        let mean = self.samples.iter().sum::<f64>() / n;
        let var = self
            .samples
            .iter()
            .map(|s| (s - mean) * (s - mean))
            .sum::<f64>()
            / n;
        var.sqrt() / mean
    }

    fn json(&self) -> String {
        let samples: Vec<String> = self.samples.iter().map(|s| format!("{s:.3}")).collect();
        format!(
            "{{\"median\": {:.3}, \"cv\": {:.4}, \"samples\": [{}]}}",
            self.median(),
            self.cv(),
            samples.join(", ")
        )
    }
}

/// The CPU's name as /proc/cpuinfo gives it ("unknown" elsewhere).
fn cpu_model() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |key: &str| {
        cpuinfo.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            (name.trim() == key).then(|| value.trim().to_string())
        })
    };
    field("model name")
        .or_else(|| field("Hardware"))
        .or_else(|| field("CPU part").map(|part| format!("CPU part {part}")))
        .unwrap_or_else(|| "unknown".to_string())
}

fn json_string(text: &str) -> String {
    let escaped: String = text
        .chars()
        .flat_map(|ch| match ch {
            '"' => vec!['\\', '"'],
            '\\' => vec!['\\', '\\'],
            ch if (ch as u32) < 0x20 => vec![' '],
            ch => vec![ch],
        })
        .collect();
    format!("\"{escaped}\"")
}

fn parse_options() -> Result<Options, String> {
    let default_threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut options = Options {
        quick: false,
        repeats: 5,
        threads: default_threads,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |flag: &str| -> Result<usize, String> {
            let value = args.next().ok_or(format!("{flag} needs a number"))?;
            match value.parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!("{flag} needs a positive integer, got {value:?}")),
            }
        };
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--repeats" => options.repeats = number("--repeats")?,
            "--threads" => options.threads = number("--threads")?,
            "-h" | "--help" => {
                println!("usage: roofline [--quick] [--repeats N] [--threads N]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(options)
}

fn main() {
    let options = parse_options().unwrap_or_else(|message| {
        eprintln!("roofline: {message}");
        std::process::exit(2);
    });
    let started = Instant::now();
    let isa = Isa::detect();
    let threads = options.threads;

    // Work per thread and sample: 1 GFLOP of FMAs, ~9 ms at 115 GFLOP/s (quick: 0.25 GFLOP);
    // triad arrays of 128 MiB each (quick: 32 MiB each, 3x a 32 MiB L3 in all).
    let (fma_flops, triad_len, triad_passes) = if options.quick {
        (1u64 << 28, 1usize << 23, 1)
    } else {
        (1u64 << 30, 1usize << 25, 2)
    };
    let fma_iterations = fma_flops / isa.flops_per_iteration() as u64;

    let repeats = options.repeats;
    let peak_1 = peak(isa, 1, fma_iterations, repeats);
    let peak_all = peak(isa, threads, fma_iterations, repeats);
    let mut arrays = TriadArrays::new(triad_len, threads);
    let triad_1 = triad_bandwidth(&mut arrays, 1, triad_passes, repeats);
    let triad_all = triad_bandwidth(&mut arrays, threads, triad_passes, repeats);

    let fields = [
        ("cpu_model", json_string(&cpu_model())),
        ("isa", json_string(isa.name())),
        ("threads", threads.to_string()),
        ("repeats", options.repeats.to_string()),
        ("quick", options.quick.to_string()),
        ("peak_gflops_1_thread", peak_1.json()),
        ("peak_gflops_all_threads", peak_all.json()),
        ("triad_gbs_1_thread", triad_1.json()),
        ("triad_gbs_all_threads", triad_all.json()),
        ("triad_array_mib", (triad_len * 4 / (1 << 20)).to_string()),
        (
            "triad_bytes_counted",
            json_string(
                "STREAM: 3 arrays x 4 bytes per element and pass, write-allocate not counted",
            ),
        ),
        (
            "run_time_s",
            format!("{:.3}", started.elapsed().as_secs_f64()),
        ),
    ];
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("  \"{k}\": {v}"))
        .collect();
    println!("{{\n{}\n}}", body.join(",\n"));
}
