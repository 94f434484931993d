//! The level-0 kernels: one student file per graded stage, plus [`Isa`], the kit's run-time
//! choice of instruction set that the `simd` and `parallel` stages dispatch on.
//!
//! KIT-OWNED: this file is not yours to edit (the grader uses its own copy). Your files are the
//! modules declared below; each one's doc comment is the handout for its stage.
//!
//! The `allow` below keeps the stubs (whose bodies are `todo!()`) free of warnings about unused
//! arguments. Unsafe code in your files must say why it is sound: the crate warns on an
//! `unsafe` block without a `// SAFETY:` comment right above it.
#![allow(unused_variables, dead_code)]

pub mod blas1;
pub mod sgemm_blocked;
pub mod sgemm_microkernel;
pub mod sgemm_naive;
pub mod sgemm_parallel;
pub mod sgemm_reordered;
pub mod sgemm_simd;
pub mod sgemv;

use std::sync::OnceLock;

/// A vector instruction set a kernel can be compiled for with `#[target_feature]`.
///
/// [`Isa::current`] returns one only when this CPU has it, so a kernel compiled for
/// `Isa::Avx512` may be called (in an `unsafe` block) whenever `Isa::current()` says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// x86-64 AVX-512F: 32 registers of 16 floats, fused multiply-add.
    Avx512,
    /// x86-64 AVX2 with FMA: 16 registers of 8 floats, fused multiply-add.
    Avx2Fma,
    /// aarch64 NEON (Advanced SIMD): 32 registers of 4 floats, fused multiply-add.
    Neon,
    /// No vector unit assumed: plain Rust.
    Scalar,
}

/// Every instruction set, widest first.
const ALL: [Isa; 4] = [Isa::Avx512, Isa::Avx2Fma, Isa::Neon, Isa::Scalar];

impl Isa {
    /// The instruction set to dispatch to: the widest one this CPU supports, unless the
    /// environment variable `TEENYGRAD_ISA` names a narrower one that it also supports
    /// (`avx512f`, `avx2+fma` or `avx2`, `neon`, `scalar`). Tests use it to exercise the
    /// fallback kernels. Decided once per process.
    pub fn current() -> Isa {
        static CURRENT: OnceLock<Isa> = OnceLock::new();
        *CURRENT.get_or_init(|| {
            let requested = std::env::var("TEENYGRAD_ISA")
                .ok()
                .and_then(|name| Isa::from_name(&name));
            match requested {
                Some(isa) if isa.is_supported() => isa,
                _ => Isa::widest(),
            }
        })
    }

    /// The widest instruction set this CPU supports.
    pub fn widest() -> Isa {
        ALL.into_iter()
            .find(|isa| isa.is_supported())
            .unwrap_or(Isa::Scalar)
    }

    /// The name `isa()` reports to Python and `TEENYGRAD_ISA` accepts.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Avx512 => "avx512f",
            Isa::Avx2Fma => "avx2+fma",
            Isa::Neon => "neon",
            Isa::Scalar => "scalar",
        }
    }

    /// The instruction set called `name` (see [`Isa::name`]; `avx2` is accepted too).
    pub fn from_name(name: &str) -> Option<Isa> {
        match name.trim().to_ascii_lowercase().as_str() {
            "avx2" => Some(Isa::Avx2Fma),
            other => ALL.into_iter().find(|isa| isa.name() == other),
        }
    }

    /// Whether this CPU (and this build's target architecture) has the instruction set.
    pub fn is_supported(self) -> bool {
        match self {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => is_x86_feature_detected!("avx512f"),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2Fma => is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"),
            #[cfg(target_arch = "aarch64")]
            Isa::Neon => std::arch::is_aarch64_feature_detected!("neon"),
            Isa::Scalar => true,
            #[allow(unreachable_patterns)] // every variant is matched above on some targets
            _ => false,
        }
    }
}
