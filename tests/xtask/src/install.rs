//! Installs what the test pipeline needs and the machine lacks: rustup
//! targets and components, QEMU and binutils from Debian's packages, and
//! `defmt-print` (which decodes the firmware members' logs) from crates.io.
//! Nothing is installed, and sudo is never used, when everything is there.

use crate::cmd;
use std::path::Path;

/// Targets the pipeline builds for.
pub const TARGETS: &[&str] = &[
    "thumbv7em-none-eabihf",
    "thumbv6m-none-eabi",
    "riscv32imc-unknown-none-elf",
];

/// Tools from Debian's packages: (any of these executables, package).
const APT_TOOLS: &[(&[&str], &str)] = &[
    (&["qemu-system-arm"], "qemu-system-arm"),
    (&["qemu-system-riscv32"], "qemu-system-misc"),
    // The size report takes GNU `size` or `llvm-size`; the firmware runner
    // `readelf` or `llvm-readelf`.
    (&["size", "llvm-size"], "binutils"),
    (&["readelf", "llvm-readelf"], "binutils"),
];

/// Tools only `cargo xtask bench` and `bench-check` need (instruction
/// counts), not the test pipeline.
const BENCH_APT_TOOLS: &[(&[&str], &str)] = &[(&["valgrind"], "valgrind")];

/// Installs whatever is missing.
pub fn ensure() -> Result<(), String> {
    rust_targets()?;
    rust_components()?;
    apt_packages(APT_TOOLS)?;
    defmt_print()
}

/// Installs what the benchmarks need (valgrind), if missing.
pub fn ensure_bench() -> Result<(), String> {
    apt_packages(BENCH_APT_TOOLS)
}

/// The defmt log decoder the firmware runner pipes QEMU's output through.
const DEFMT_PRINT: &str = "1.2.0";

fn defmt_print() -> Result<(), String> {
    let version = cmd::command("defmt-print").arg("--version").output();
    if version.is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains(DEFMT_PRINT)) {
        println!("defmt-print {DEFMT_PRINT}: installed");
        return Ok(());
    }
    cmd::run(
        cmd::cargo(["install", "defmt-print", "--version", DEFMT_PRINT, "--locked"])
            .stdout(std::process::Stdio::null()),
    )?;
    if cmd::find_tool("defmt-print").is_none() {
        return Err("defmt-print installed but not on PATH (add ~/.cargo/bin to PATH)".into());
    }
    Ok(())
}

fn rust_targets() -> Result<(), String> {
    let sysroot = cmd::read(cmd::command("rustc").args(["--print", "sysroot"]))?;
    let rustlib = Path::new(sysroot.trim()).join("lib/rustlib");
    let missing: Vec<&str> = TARGETS
        .iter()
        .copied()
        .filter(|t| !rustlib.join(t).join("lib").is_dir())
        .collect();
    if missing.is_empty() {
        println!("rust targets: all installed ({})", TARGETS.join(", "));
        return Ok(());
    }
    if cmd::find_tool("rustup").is_none() {
        return Err(format!(
            "rust targets {} are missing and rustup is not on PATH",
            missing.join(", ")
        ));
    }
    cmd::run(cmd::command("rustup").args(["target", "add"]).args(&missing))
}

fn rust_components() -> Result<(), String> {
    let mut missing = Vec::new();
    for (component, probe) in [("rustfmt", "fmt"), ("clippy", "clippy")] {
        let ok = cmd::cargo([probe, "--version"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            missing.push(component);
        }
    }
    if missing.is_empty() {
        println!("rust components: rustfmt and clippy installed");
        return Ok(());
    }
    if cmd::find_tool("rustup").is_none() {
        return Err(format!(
            "components {} are missing and rustup is not on PATH",
            missing.join(", ")
        ));
    }
    cmd::run(cmd::command("rustup").args(["component", "add"]).args(&missing))
}

/// Installs the packages of `tools` whose executables are all missing.
fn apt_packages(tools: &[(&[&str], &str)]) -> Result<(), String> {
    let mut missing: Vec<&str> = tools
        .iter()
        .filter(|(tools, _)| tools.iter().all(|t| cmd::find_tool(t).is_none()))
        .map(|(_, package)| *package)
        .collect();
    missing.sort_unstable();
    missing.dedup();
    if missing.is_empty() {
        let names: Vec<&str> = tools.iter().map(|(t, _)| t[0]).collect();
        println!("tools: {} found", names.join(", "));
        return Ok(());
    }
    println!("missing Debian packages: {}", missing.join(" "));
    if cmd::find_tool("apt-get").is_none() {
        return Err(format!("apt-get not found; install {} by hand", missing.join(" ")));
    }
    let root = cmd::read(cmd::command("id").arg("-u")).is_ok_and(|uid| uid.trim() == "0");
    if !root && cmd::find_tool("sudo").is_none() {
        return Err(format!("not root and no sudo; install {} by hand", missing.join(" ")));
    }
    let apt = |args: &[&str]| {
        let mut c = cmd::command(if root { "apt-get" } else { "sudo" });
        if !root {
            // sudo resets the environment; pass the frontend on the command line.
            c.args(["DEBIAN_FRONTEND=noninteractive", "apt-get"]);
        }
        c.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        c
    };
    cmd::run(&mut apt(&["update", "-qq"]))?;
    let mut install = apt(&["install", "-y", "-qq", "--no-install-recommends"]);
    cmd::run(install.args(&missing))?;
    for (executables, package) in tools {
        if missing.contains(package) && executables.iter().all(|t| cmd::find_tool(t).is_none()) {
            return Err(format!(
                "{package} installed but {} is still not on PATH",
                executables.join(" or ")
            ));
        }
    }
    Ok(())
}
