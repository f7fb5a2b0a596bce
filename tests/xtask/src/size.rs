//! `cargo xtask size`: flash, static RAM and peak stack of the firmware, as
//! a markdown table.
//!
//! - flash = `.vector_table` + `.text` + `.rodata` + `.data` (its initial
//!   values are stored in flash and copied at reset);
//! - static RAM = `.data` + `.bss` + `.uninit`;
//! - peak stack = the deepest check, measured on the target by stack
//!   painting (`peak-stack=` in the firmware's QEMU output).
//!
//! Section sizes come from `size -A` (binutils), or `llvm-size -A`.

use crate::{cmd, firmware};
use std::path::Path;

/// Sections stored in flash, on Cortex-M (cortex-m-rt) and RISC-V
/// (riscv-rt): code, read-only data, and `.data`'s initial values.
pub const FLASH: &[&str] = &[
    ".vector_table",
    ".init",
    ".init.rust",
    ".trap",
    ".text",
    ".rodata",
    ".data",
];
/// Sections in RAM before the stack.
pub const RAM: &[&str] = &[".data", ".bss", ".uninit"];

/// `(section, bytes)` of the ELF's sections, from `size -A`.
pub fn sections(elf: &Path) -> Result<Vec<(String, u64)>, String> {
    let tool = ["size", "llvm-size"]
        .into_iter()
        .find(|t| cmd::find_tool(t).is_some())
        .ok_or("neither size (binutils) nor llvm-size is on PATH")?;
    let text = cmd::read(cmd::command(tool).arg("-A").arg(elf))?;
    Ok(parse_sections(&text))
}

/// Parses `size -A` output: `name size addr` lines.
fn parse_sections(text: &str) -> Vec<(String, u64)> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (name, size, addr) = (f.next()?, f.next()?, f.next()?);
            (name.starts_with('.') && addr.parse::<u64>().is_ok()).then_some(())?;
            Some((name.to_string(), size.parse().ok()?))
        })
        .collect()
}

/// `(total, "a 1 + b 2")` over those of `names` the ELF has.
pub fn sum(sections: &[(String, u64)], names: &[&str]) -> (u64, String) {
    let parts: Vec<(&str, u64)> = names
        .iter()
        .filter_map(|n| sections.iter().find(|(s, _)| s == n).map(|(_, b)| (*n, *b)))
        .collect();
    let total = parts.iter().map(|(_, b)| b).sum();
    let text: Vec<String> = parts.iter().map(|(n, b)| format!("`{n}` {}", group(*b))).collect();
    (total, text.join(" + "))
}

/// `123456` -> `123,456`.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Builds and runs the firmware (release) and prints the tables.
pub fn report() -> Result<(), String> {
    firmware::build(false)?;
    let elf = firmware::elf();
    let sections = sections(&elf)?;
    if sections.is_empty() {
        return Err(format!("no sections read from {}", elf.display()));
    }
    let run = firmware::run(false)?;
    if run.code != Some(0) {
        return Err(format!("the firmware exited with {}; no size report", run.code_text()));
    }
    let peak = run.peak_stack().ok_or("no `peak-stack=` in the firmware's output")?;
    let (flash, flash_parts) = sum(&sections, FLASH);
    let (ram, ram_parts) = sum(&sections, RAM);

    println!();
    println!(
        "### `{}` ({}, release, `mls-nostd` suite 1)\n",
        firmware::PACKAGE,
        firmware::TARGET
    );
    println!("| | bytes | made of |");
    println!("|---|---:|---|");
    println!("| flash | {} | {flash_parts} |", group(flash));
    println!("| static RAM | {} | {ram_parts} |", group(ram));
    println!(
        "| peak stack | {} | deepest check, painted and scanned on the target (includes `main`'s frame) |",
        group(peak)
    );
    println!();
    println!("| check | peak stack (bytes) |");
    println!("|---|---:|");
    for (name, bytes) in run.stacks() {
        println!("| {name} | {} |", group(bytes));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_size_a_output() {
        let text = "fw  :\nsection             size         addr\n.vector_table       1024            0\n\
                    .text              80000         1024\n.rodata             9000        81024\n\
                    .data                  8    536870912\n.bss                  12    536870920\n\
                    .debug_info       123456            0\nTotal             213500\n";
        let s = parse_sections(text);
        assert_eq!(sum(&s, FLASH).0, 1024 + 80000 + 9000 + 8);
        assert_eq!(sum(&s, RAM).0, 8 + 12);
        assert_eq!(group(1234567), "1,234,567");
        assert_eq!(group(12), "12");
    }
}
