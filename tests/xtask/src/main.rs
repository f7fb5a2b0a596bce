//! `cargo xtask`: the project's test pipeline and firmware size report.
//!
//! ```text
//! cargo xtask test [--keep-going]   the whole test suite, in order, failing fast
//! cargo xtask size                  flash, static RAM and peak stack of the firmware
//! cargo xtask members               the firmware group members on QEMU: runs, sizes, budget
//! cargo xtask tree-size             memory of a ratchet tree at 16 to 256 members
//! cargo xtask bench [--quick] ...    mls-nostd and mls-std next to OpenMLS and mls-rs
//! cargo xtask bench-check [--update] mls-nostd's instruction counts against a baseline
//! cargo xtask fuzz [TARGET] [SECONDS] a fuzzing campaign (fuzz/, nightly, cargo-fuzz)
//! ```
//!
//! `cargo xtask` is an alias (in `.cargo/config.toml`) for
//! `cargo run --quiet -p xtask --`. Only the standard library is used, so the
//! task builds in seconds on a fresh machine. Modules, one per concern:
//!
//! - [`steps`]: the test pipeline and its summary;
//! - [`install`]: rustup targets and components, Debian packages;
//! - [`features`]: the `cargo tree` check for `alloc`, `std` and `getrandom`;
//! - [`firmware`]: building and running the QEMU firmware;
//! - [`size`]: the size report;
//! - [`members`]: the firmware group members, their size table and budget;
//! - [`bench`]: the side-by-side benchmark and its instruction-count check;
//! - [`fuzz`]: the fuzz targets' campaigns and smoke step;
//! - [`cmd`]: running commands.

mod bench;
mod cmd;
mod features;
mod firmware;
mod fuzz;
mod install;
mod members;
mod size;
mod steps;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  test [--keep-going]  run the whole test suite in order and stop at the first failing
                       step (--keep-going: run every step, fail at the end)
  size                 build the firmware (release) and print flash, static RAM and peak
                       stack as a markdown table
  members              run the firmware group members (Cortex-M4F and RV32, 8 and 64
                       members) on QEMU, print their flash/RAM/stack table, and fail if a
                       figure is past targets/member-budget.txt; also the Cortex-M0+ size
  tree-size            print the memory a ratchet tree takes at 16 to 256 members
                       (suite 1), as a markdown table
  bench [--quick] [--suite S,..] [--n N,..] [--imp I,..] [--no-callgrind]
                       build tests/bench (profile perf, peers feature) and time nostd, std,
                       openmls, mlsrs and floor per op (commit, process, encrypt, decrypt,
                       join), natively and under callgrind (N <= 500); default suites 1,2 and
                       N 2,10,50,100,500 (10000 only when asked); --quick: suite 1, N 10,100.
                       Prints a markdown table, also written to target/bench/report.md
  bench-check [--update]
                       mls-nostd's instruction counts (callgrind, suite 1, N 10 and 50) against
                       tests/bench/baseline.txt; fails past 1.10x (--update rewrites it)
  fuzz [TARGET|all] [SECONDS]
                       installs nightly and cargo-fuzz if missing, builds fuzz/ and runs each
                       target (default all: decode, receive, join, restore, client,
                       differential) for SECONDS (default 600), two at a time; new inputs go
                       to target/fuzz/corpus/TARGET, crashes to target/fuzz/
  help                 print this";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["test"] => steps::test(false),
        ["test", "--keep-going"] => steps::test(true),
        ["size"] => match size::report() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        ["members"] => match members::report().and_then(|()| members::m0_size()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        ["tree-size"] => match steps::tree_size() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        ["bench", rest @ ..] => report(bench::bench(rest)),
        ["bench-check", rest @ ..] => report(bench::check(rest)),
        ["fuzz", rest @ ..] => report(fuzz::campaign(rest)),
        ["help" | "-h" | "--help"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Exit status of a task, printing its error.
fn report(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
