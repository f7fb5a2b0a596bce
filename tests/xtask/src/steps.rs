//! `cargo xtask test`: the whole test suite, in order, failing fast.
//!
//! Each step prints a banner and the commands it runs; at the end (or at
//! the first failure) a summary lists every step with its result and wall
//! time. Never builds ARM and RISC-V firmware in one cargo command (their
//! critical-section features clash), so the firmware is always built with
//! `-p`.

use crate::{bench, cmd, features, firmware, fuzz, install, members, size};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// A step: a name and what it does.
struct Step {
    name: String,
    run: Box<dyn Fn() -> Result<(), String>>,
}

fn step(name: impl Into<String>, run: impl Fn() -> Result<(), String> + 'static) -> Step {
    Step {
        name: name.into(),
        run: Box::new(run),
    }
}

/// A step that runs one cargo command and needs exit 0.
fn cargo_step(name: impl Into<String>, args: &'static [&'static str]) -> Step {
    step(name, move || cmd::run(&mut cmd::cargo(args)))
}

/// The pipeline, in order.
fn steps() -> Vec<Step> {
    let mut steps = vec![
        step("install missing tools", install::ensure),
        cargo_step("cargo fmt --check", &["fmt", "--check"]),
        cargo_step(
            "clippy (default members)",
            &["clippy", "--all-targets", "--", "-D", "warnings"],
        ),
        cargo_step("cargo test (host)", &["test"]),
        step("interop table (written by the mls-interop test)", interop_table),
        cargo_step("conformance vectors", &["run", "--release", "-p", "mls-conformance"]),
        cargo_step("demo (README's main command)", &["run", "--release", "-p", "mls-demo"]),
        cargo_step(
            "mls-std example: chat",
            &["run", "--release", "-p", "mls-std", "--example", "chat"],
        ),
        cargo_step(
            "mls-std example: gateway (SQLite, restarted)",
            &["run", "--release", "-p", "mls-std", "--example", "gateway"],
        ),
        cargo_step(
            "mls-std example: big_group (500 members)",
            &[
                "run",
                "--release",
                "-p",
                "mls-std",
                "--example",
                "big_group",
                "--",
                "500",
                "250",
            ],
        ),
        step(
            "instruction counts within 10% of tests/bench/baseline.txt (bench-check, callgrind)",
            || bench::check(&[]),
        ),
        step(
            "fuzz targets: build, then each for 30 s on the committed corpus (nightly, cargo-fuzz)",
            fuzz::smoke,
        ),
    ];
    for (package, target) in [
        (firmware::PACKAGE, firmware::TARGET),
        ("fw-member-m4", "thumbv7em-none-eabihf"),
        ("fw-member-rv", "riscv32imc-unknown-none-elf"),
    ] {
        steps.push(step(format!("clippy ({package})"), move || {
            cmd::run(&mut cmd::cargo([
                "clippy",
                "-p",
                package,
                "--target",
                target,
                "--release",
                "--",
                "-D",
                "warnings",
            ]))
        }));
    }
    for target in install::TARGETS {
        steps.push(step(format!("build mls-nostd for {target}"), move || {
            cmd::run(&mut cmd::cargo([
                "build",
                "-p",
                "mls-nostd",
                "--release",
                "--target",
                target,
            ]))
        }));
    }
    steps.extend([
        cargo_step(
            "build mls-nostd suite-1 only (thumbv7em-none-eabihf)",
            &[
                "build",
                "-p",
                "mls-nostd",
                "--release",
                "--target",
                "thumbv7em-none-eabihf",
                "--no-default-features",
                "--features",
                "suite-1",
            ],
        ),
        step("no alloc/std/getrandom feature (cargo tree)", || {
            features::check("thumbv7em-none-eabihf")
        }),
        step("firmware on QEMU mps2-an386", firmware_passes),
        step("corrupted firmware fails (MLS_FW_CORRUPT=1)", corrupted_firmware_fails),
        step("size report", size::report),
        step("firmware members on QEMU: runs, size table, budget", members::report),
        step("a tampered commit makes the members fail", members::tampered_fails),
        step("the member built for Cortex-M0+ (size)", members::m0_size),
        step("ratchet tree size table (suite 1)", tree_size),
    ]);
    steps
}

/// The cargo command that prints the ratchet tree size table: an example of
/// mls-nostd built with suite 1 only, so keys are sized for it.
pub const TREE_SIZE: &[&str] = &[
    "run",
    "--release",
    "-p",
    "mls-nostd",
    "--no-default-features",
    "--features",
    "suite-1",
    "--example",
    "tree_size",
];

/// Prints the ratchet tree size table.
pub fn tree_size() -> Result<(), String> {
    cmd::run(&mut cmd::cargo(TREE_SIZE))
}

/// Prints the interop table that `cargo test` wrote (the `mls-interop`
/// test fails on any failed run, so a table is present only when all
/// passed or the step before failed).
fn interop_table() -> Result<(), String> {
    let path = cmd::target_dir().join("tmp").join("interop.md");
    let table = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("{table}");
    if table.contains("FAILED") {
        return Err("an interop run failed".into());
    }
    Ok(())
}

/// The firmware must exit 0 with every check passed.
fn firmware_passes() -> Result<(), String> {
    let run = firmware::run(false)?;
    match (run.code, run.counts()) {
        (Some(0), Some((passed, 0))) if passed > 0 => Ok(()),
        (Some(0), counts) => Err(format!(
            "`{}` exited 0 but its summary is {counts:?}, not `N passed, 0 failed` with N > 0",
            run.command
        )),
        _ => Err(format!("`{}` exited with {}", run.command, run.code_text())),
    }
}

/// With one expected byte flipped, the firmware must report a failed check
/// and exit non-zero. The clean firmware is rebuilt afterwards, so that a
/// later run in the same target directory is not the corrupted one.
fn corrupted_firmware_fails() -> Result<(), String> {
    let run = firmware::run(true);
    let rebuilt = firmware::build(false);
    let run = run?;
    let verdict = if !run.stdout.contains("CORRUPTED BUILD") {
        Err("the firmware did not report a corrupted build: it was not rebuilt with MLS_FW_CORRUPT=1".to_string())
    } else {
        match (run.code, run.counts()) {
            (Some(0), _) => Err("the corrupted firmware exited 0: a wrong vector went unnoticed".to_string()),
            (Some(_), Some((_, failed))) if failed > 0 => {
                println!("corrupted firmware exited with {} as it must", run.code_text());
                Ok(())
            }
            _ => Err(format!(
                "the corrupted firmware exited with {} without reporting a failed check (crash or hang?)",
                run.code_text()
            )),
        }
    };
    verdict.and(rebuilt.map_err(|e| format!("rebuilding the clean firmware: {e}")))
}

fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// Runs the pipeline; with `keep_going`, runs every step even after a failure.
pub fn test(keep_going: bool) -> ExitCode {
    let all = steps();
    let total = all.len();
    let start = Instant::now();
    let mut done: Vec<(String, Result<(), String>, Duration)> = Vec::new();
    for (i, s) in all.iter().enumerate() {
        println!("\n==> [{}/{total}] {}", i + 1, s.name);
        let t = Instant::now();
        let result = (s.run)();
        let elapsed = t.elapsed();
        if let Err(e) = &result {
            eprintln!("\nerror: step `{}` failed: {e}", s.name);
        }
        let stop = result.is_err() && !keep_going;
        done.push((s.name.clone(), result, elapsed));
        if stop {
            break;
        }
    }

    println!("\n==> summary\n");
    println!("| # | step | result | time |");
    println!("|---:|---|---|---:|");
    for (i, (name, result, time)) in done.iter().enumerate() {
        let verdict = if result.is_ok() { "ok" } else { "FAILED" };
        println!("| {} | {name} | {verdict} | {} |", i + 1, seconds(*time));
    }
    for (i, s) in all.iter().enumerate().skip(done.len()) {
        println!("| {} | {} | not run | |", i + 1, s.name);
    }
    let failed: Vec<&str> = done
        .iter()
        .filter(|(_, r, _)| r.is_err())
        .map(|(n, _, _)| n.as_str())
        .collect();
    println!("\ntotal {}", seconds(start.elapsed()));
    // A plain closing line that CI log scanners count.
    println!(
        "steps: {} passed, {} failed, {} skipped",
        done.len() - failed.len(),
        failed.len(),
        total - done.len()
    );
    if failed.is_empty() {
        println!("cargo xtask test: all {total} steps passed");
        ExitCode::SUCCESS
    } else {
        eprintln!("cargo xtask test: FAILED: {}", failed.join(", "));
        ExitCode::FAILURE
    }
}
