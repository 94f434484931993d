//! Re-runs the SGEMM kit tests (`tests/kernels.rs`) once per instruction set this CPU has, in a
//! child process with `TEENYGRAD_ISA` set, so the AVX2 and portable fallbacks of the `simd` and
//! `parallel` stages are tested on an AVX-512 machine too. Reports the ISAs it had to skip.
//!
//! A plain `main` (`harness = false`): `Isa::current()` is decided once per process, so each ISA
//! needs its own process.

#[allow(dead_code, unused_imports)]
#[path = "kernels.rs"]
mod kernels;

use std::process::{Command, ExitCode};
use teenygrad_kernels::kernels::Isa;

const CHILD: &str = "TEENYGRAD_ISA_FALLBACK_CHILD";

/// A command that runs this test binary again. Under an emulator (cargo's `runner`, say
/// `qemu-aarch64` for a cross-compiled build) the binary cannot exec itself directly, so the
/// emulator's command line is taken from `TEENYGRAD_TEST_RUNNER` when it is set.
fn child_command() -> Command {
    let exe = std::env::current_exe().expect("own path");
    let runner = std::env::var("TEENYGRAD_TEST_RUNNER").unwrap_or_default();
    let mut words = runner.split_whitespace();
    match words.next() {
        Some(program) => {
            let mut command = Command::new(program);
            command.args(words).arg(exe);
            command
        }
        None => Command::new(exe),
    }
}

fn main() -> ExitCode {
    if std::env::var_os(CHILD).is_some() {
        kernels::check_all_sgemm_stages();
        return ExitCode::SUCCESS;
    }
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for isa in [Isa::Avx512, Isa::Avx2Fma, Isa::Neon, Isa::Scalar] {
        if !isa.is_supported() {
            println!("isa {}: skipped (this CPU does not have it)", isa.name());
            skipped += 1;
            continue;
        }
        let status = child_command()
            .env(CHILD, "1")
            .env("TEENYGRAD_ISA", isa.name())
            .status();
        let ok = match status {
            Ok(status) => status.success(),
            Err(error) => {
                println!("isa {}: could not start the child: {error}", isa.name());
                false
            }
        };
        println!("isa {}: {}", isa.name(), if ok { "ok" } else { "FAILED" });
        if ok { passed += 1 } else { failed += 1 }
    }
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
