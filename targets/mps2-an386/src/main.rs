//! Cortex-M4F firmware for QEMU `mps2-an386` that runs the `mls-nostd`
//! checks of [`checks::CHECKS`] on the target, against the official test
//! vectors converted at build time (see `build.rs`).
//!
//! It prints one line per check with its peak stack, then
//! `N passed, M failed`, and exits through semihosting:
//!
//! | exit code | meaning |
//! |-----------|---------|
//! | 0 | every check passed |
//! | 1 | a check failed |
//! | 101 | panic |
//! | 102 | HardFault |
//! | 103 | another exception or interrupt |
//! | 124 | hung, killed by the runner's `timeout` |
//!
//! Run it (release only) with
//! `cargo run --release -p fw-mps2-an386 --target thumbv7em-none-eabihf`.
#![no_std]
#![no_main]

mod checks;
mod stack;
mod vectors;

use cortex_m_rt::{ExceptionFrame, entry, exception};
use semihosting::{println, process};

/// Exit code when a check failed.
const EXIT_FAILED: i32 = 1;
/// Exit code of the panic handler.
const EXIT_PANIC: i32 = 101;
/// Exit code of the HardFault handler.
const EXIT_HARDFAULT: i32 = 102;
/// Exit code of the handler of every other exception and interrupt.
const EXIT_EXCEPTION: i32 = 103;

#[entry]
fn main() -> ! {
    println!("fw-mps2-an386: mls-nostd checks on Cortex-M4F (QEMU mps2-an386), cipher suite 1");
    println!("vectors: {}", vectors::SOURCE_DIR);
    if let Some(what) = vectors::CORRUPTED {
        println!("CORRUPTED BUILD (MLS_FW_CORRUPT=1): one byte of {what} is flipped; a check must fail");
    }
    println!(
        "stack: top={:#010x} limit={:#010x} main frame {} B (included in every figure)",
        stack::top(),
        stack::limit(),
        stack::top() - stack::current()
    );

    let total = checks::CHECKS.len();
    let (mut failed, mut peak) = (0usize, 0usize);
    for (i, check) in checks::CHECKS.iter().enumerate() {
        let mut rng = checks::test_rng(i);
        let painted = stack::paint();
        let result = (check.run)(&mut rng);
        let used = painted.used();
        match (result, used) {
            (Ok(()), Some(used)) => println!("ok   {:<40} stack {} B", check.name, used),
            (Ok(()), None) => {
                failed += 1;
                println!(
                    "FAIL {:<40} stack use exceeds the {} B window",
                    check.name,
                    stack::WINDOW
                );
            }
            (Err(failure), _) => {
                failed += 1;
                println!("FAIL {:<40} {}", check.name, failure);
            }
        }
        peak = peak.max(used.unwrap_or(stack::WINDOW));
    }
    if total == 0 {
        failed = 1;
        println!("FAIL no checks compiled in");
    }
    println!("checks={total} failed={failed} peak-stack={peak} B");
    // The plain summary line that CI log scanners recognise.
    println!("{} passed, {} failed", total.saturating_sub(failed), failed);
    process::exit(if failed == 0 { 0 } else { EXIT_FAILED })
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    println!("PANIC: {info}");
    process::exit(EXIT_PANIC)
}

// SAFETY (of the `unsafe fn` that cortex-m-rt requires for HardFault): the
// handler only prints the stacked frame and exits; it never returns.
#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    println!("HARDFAULT: {frame:?}");
    process::exit(EXIT_HARDFAULT)
}

// cortex-m-rt's default handler loops forever, which would hang QEMU.
// SAFETY (of the `unsafe fn` that cortex-m-rt requires): prints and exits,
// never returns.
#[exception]
unsafe fn DefaultHandler(irqn: i16) -> ! {
    println!("UNEXPECTED EXCEPTION/INTERRUPT: {irqn}");
    process::exit(EXIT_EXCEPTION)
}
