//! `cargo xtask`: the project's test pipeline and firmware size report.
//!
//! ```text
//! cargo xtask test [--keep-going]   the whole test suite, in order, failing fast
//! cargo xtask size                  flash, static RAM and peak stack of the firmware
//! cargo xtask members               the firmware group members on QEMU: runs, sizes, budget
//! cargo xtask tree-size             memory of a ratchet tree at 16 to 256 members
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
//! - [`cmd`]: running commands.

mod cmd;
mod features;
mod firmware;
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
