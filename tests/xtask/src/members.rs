//! `cargo xtask members`: the firmware group members (`targets/member-m4`,
//! `targets/member-rv`) on QEMU, their cost, and the recorded budget.
//!
//! Each run is `cargo run --release -p <package> --target <target>
//! [--features group-8]`: the runner (`.cargo/qemu.sh`) builds the group on
//! the host, boots QEMU, and has the other members check what the device
//! sent. Its `STATS` line gives what the device measured.
//!
//! - flash = every section stored in flash (code, read-only data, and the
//!   initial values of `.data`);
//! - static RAM = `.data` + `.bss` + `.uninit` (the flash stand-in the
//!   member persists to is a separate region, not counted);
//! - peak stack = painted at boot and scanned at every reset and at the end,
//!   the maximum over all boots;
//! - group = `size_of` the `Group` value (part of static RAM); saved = the
//!   bytes its saved state takes in flash at the end of the script.

use crate::{cmd, size};
use std::path::PathBuf;
use std::process::Command;

/// A firmware member.
struct Board {
    package: &'static str,
    target: &'static str,
    cpu: &'static str,
}

const BOARDS: [Board; 2] = [
    Board {
        package: "fw-member-m4",
        target: "thumbv7em-none-eabihf",
        cpu: "Cortex-M4F (QEMU mps2-an386)",
    },
    Board {
        package: "fw-member-rv",
        target: "riscv32imc-unknown-none-elf",
        cpu: "RV32IMC (QEMU virt)",
    },
];

/// Group sizes the members are built for.
const SIZES: [u64; 2] = [8, 64];
/// The aim for a suite-1 member of a 64-member group.
const AIM_FLASH: u64 = 128 * 1024;
/// The aim for static RAM plus peak stack.
const AIM_RAM: u64 = 48 * 1024;
/// The recorded budget: CI fails when a figure grows past it.
const BUDGET: &str = "targets/member-budget.txt";

/// What one member run measured.
struct Row {
    target: &'static str,
    cpu: &'static str,
    members: u64,
    flash: u64,
    static_ram: u64,
    peak_stack: u64,
    group: u64,
    saved: u64,
}

fn cargo(board: &Board, members: u64, verb: &str) -> Command {
    let mut c = cmd::cargo([verb, "--release", "-p", board.package, "--target", board.target]);
    if members == 8 {
        c.args(["--features", "group-8"]);
    }
    c
}

fn elf(board: &Board) -> PathBuf {
    cmd::target_dir().join(board.target).join("release").join(board.package)
}

/// `key=value` fields of the `STATS` line.
fn stats(stdout: &str, key: &str) -> Option<u64> {
    let line = stdout.lines().find(|l| l.starts_with("STATS "))?;
    line.split_whitespace()
        .find_map(|f| f.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
}

fn run(board: &'static Board, members: u64) -> Result<Row, String> {
    let mut c = cargo(board, members, "run");
    let (status, stdout) = cmd::output(&mut c)?;
    print!("{stdout}");
    if !status.success() {
        return Err(cmd::status_error(&c, status));
    }
    let sections = size::sections(&elf(board))?;
    let field = |k| stats(&stdout, k).ok_or(format!("no `{k}` in the STATS line of `{}`", cmd::describe(&c)));
    if field("members")? != members {
        return Err(format!("`{}` ran a group of another size", cmd::describe(&c)));
    }
    Ok(Row {
        target: board.target,
        cpu: board.cpu,
        members,
        flash: size::sum(&sections, size::FLASH).0,
        static_ram: size::sum(&sections, size::RAM).0,
        peak_stack: field("peak_stack")?,
        group: field("group_bytes")?,
        saved: field("state_bytes")?,
    })
}

/// `(target, members) -> (flash, static RAM, peak stack)` from the budget file.
fn budget() -> Result<Vec<(String, u64, [u64; 3])>, String> {
    let path = cmd::root().join(BUDGET);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let num = |i: usize| f.get(i).and_then(|v| v.replace('_', "").parse().ok());
            match (f.first(), num(1), num(2), num(3), num(4)) {
                (Some(t), Some(m), Some(a), Some(b), Some(c)) if f.len() == 5 => Ok((t.to_string(), m, [a, b, c])),
                _ => Err(format!("{BUDGET}: bad line `{l}`")),
            }
        })
        .collect()
}

/// Runs every member, prints the table, and fails if a figure is past the
/// recorded budget (or has no budget).
pub fn report() -> Result<(), String> {
    let budget = budget()?;
    let mut rows = Vec::new();
    for board in &BOARDS {
        for members in SIZES {
            rows.push(run(board, members)?);
        }
    }
    let g = size::group;
    println!("\n### Firmware group members (suite 1, release; `cargo xtask members`)\n");
    println!(
        "| target | members | flash | static RAM | peak stack | RAM total | group in RAM | saved state | aim (≤ 128 KiB flash, ≤ 48 KiB RAM) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|");
    let mut over = Vec::new();
    for r in &rows {
        let ram = r.static_ram + r.peak_stack;
        let aim = match (r.flash <= AIM_FLASH, ram <= AIM_RAM) {
            (true, true) => "met".to_string(),
            (f, m) => format!(
                "over by {}",
                [
                    (!f).then(|| format!("{} B flash", g(r.flash - AIM_FLASH))),
                    (!m).then(|| format!("{} B RAM", g(ram - AIM_RAM)))
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ")
            ),
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {aim} |",
            r.cpu,
            r.members,
            g(r.flash),
            g(r.static_ram),
            g(r.peak_stack),
            g(ram),
            g(r.group),
            g(r.saved)
        );
        let limit = budget.iter().find(|(t, m, _)| t == r.target && *m == r.members);
        match limit {
            None => over.push(format!("{} {} members: no budget in {BUDGET}", r.target, r.members)),
            Some((_, _, [flash, static_ram, stack])) => {
                for (what, value, max) in [
                    ("flash", r.flash, *flash),
                    ("static RAM", r.static_ram, *static_ram),
                    ("peak stack", r.peak_stack, *stack),
                ] {
                    if value > max {
                        over.push(format!(
                            "{} {} members: {what} {} B is past the budget of {} B",
                            r.target, r.members, value, max
                        ));
                    }
                }
            }
        }
    }
    println!("\nBudget ({BUDGET}): a figure past it fails CI.");
    if over.is_empty() {
        println!("All figures within the budget.");
        Ok(())
    } else {
        Err(over.join("; "))
    }
}

/// With a tampered commit in its input, each member (64) must exit 1
/// having refused it.
pub fn tampered_fails() -> Result<(), String> {
    for board in &BOARDS {
        let mut c = cargo(board, 64, "run");
        c.env("MLS_MEMBER_TAMPER", "1");
        let (status, stdout) = cmd::output(&mut c)?;
        for line in stdout.lines() {
            println!("  (tampered commit, expected to fail) {line}");
        }
        match status.code() {
            Some(1) if stdout.contains("member FAILED") => {
                println!("{}: the tampered commit was refused; exit 1 as it must", board.package)
            }
            Some(0) => return Err(format!("{}: a tampered commit went unnoticed (exit 0)", board.package)),
            other => {
                return Err(format!(
                    "{}: exit {other:?} without the device refusing the commit (crash or hang?)",
                    board.package
                ));
            }
        }
    }
    Ok(())
}

/// Builds the Cortex-M4F member (64) for Cortex-M0+ (`thumbv6m-none-eabi`)
/// and prints its size; it is not run (QEMU has no board for it here).
pub fn m0_size() -> Result<(), String> {
    let board = Board {
        package: "fw-member-m4",
        target: "thumbv6m-none-eabi",
        cpu: "Cortex-M0+",
    };
    cmd::run(&mut cargo(&board, 64, "build"))?;
    let sections = size::sections(&elf(&board))?;
    let (flash, parts) = size::sum(&sections, size::FLASH);
    let (ram, _) = size::sum(&sections, size::RAM);
    println!(
        "{} member (64), built for {}: flash {} B ({parts}), static RAM {} B; not run",
        board.cpu,
        board.target,
        size::group(flash),
        size::group(ram)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_stats_line() {
        let out = "INFO done\nSTATS members=64 peak_stack=30224 state_bytes=17380 group_bytes=28416 boots=7 resets=6\n";
        assert_eq!(stats(out, "peak_stack"), Some(30224));
        assert_eq!(stats(out, "members"), Some(64));
        assert_eq!(stats(out, "boots_x"), None);
    }
}
