//! The fuzz targets of `fuzz/` (cargo-fuzz, libFuzzer, nightly): a long
//! campaign (`cargo xtask fuzz [TARGET] [SECONDS]`) and the smoke step of
//! the test pipeline (every target for a short time on the committed
//! corpus). Installs the nightly toolchain and cargo-fuzz when missing.

use crate::cmd;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

/// Every target, in the order they run.
pub const TARGETS: &[&str] = &["decode", "receive", "join", "restore", "client", "differential"];

/// The cargo-fuzz release the project is tested with.
const CARGO_FUZZ: &str = "0.13.2";

/// Seconds each target runs in the smoke step (`MLS_FUZZ_SMOKE_SECONDS`
/// overrides).
const SMOKE_SECONDS: u64 = 30;

fn fuzz_dir() -> PathBuf {
    cmd::root().join("fuzz")
}

/// `cargo +nightly ...` in `fuzz/`, through the rustup proxy (not the
/// stable `$CARGO` that runs this task).
fn nightly_cargo(args: &[&str]) -> Command {
    let mut c = cmd::command("cargo");
    c.current_dir(fuzz_dir()).arg("+nightly").args(args);
    // The outer `cargo run` pins its toolchain for child processes.
    c.env_remove("RUSTUP_TOOLCHAIN").env_remove("CARGO");
    c
}

/// The nightly toolchain and cargo-fuzz, installed when missing.
pub fn ensure_tools() -> Result<(), String> {
    let nightly = cmd::command("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if nightly {
        println!("nightly toolchain: installed");
    } else {
        cmd::run(cmd::command("rustup").args(["toolchain", "install", "nightly", "--profile", "minimal"]))?;
    }
    let version = nightly_cargo(&["fuzz", "--version"]).output();
    if version.is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains(CARGO_FUZZ)) {
        println!("cargo-fuzz {CARGO_FUZZ}: installed");
        return Ok(());
    }
    cmd::run(cmd::cargo(["install", "cargo-fuzz", "--version", CARGO_FUZZ, "--locked"]).stdout(Stdio::null()))
}

/// Builds every target (sanitizer on, debug assertions and overflow checks on).
pub fn build() -> Result<(), String> {
    cmd::run(&mut nightly_cargo(&["fuzz", "build"]))
}

/// What one run of one target did, from libFuzzer's output.
struct Run {
    target: &'static str,
    child: Child,
    log: PathBuf,
    started: Instant,
}

/// Starts `target` for `seconds` on the committed corpus, new inputs going
/// to `work` (kept between campaigns), artifacts under `target/fuzz/`.
fn start(target: &'static str, seconds: u64, work: PathBuf) -> Result<Run, String> {
    let out = cmd::target_dir().join("fuzz");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let log = out.join(format!("{target}.log"));
    let file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let corpus = fuzz_dir().join("corpus").join(target);
    let mut c = nightly_cargo(&["fuzz", "run", target]);
    c.arg(&work).arg(&corpus).args([
        "--",
        &format!("-max_total_time={seconds}"),
        "-timeout=10",
        "-rss_limit_mb=4096",
        "-print_final_stats=1",
        &format!("-artifact_prefix={}/{target}-", out.display()),
    ]);
    println!("$ {}  (log: {})", cmd::describe(&c), log.display());
    let child = c
        .stdout(file.try_clone().map_err(|e| e.to_string())?)
        .stderr(file)
        .spawn()
        .map_err(|e| format!("cannot start the {target} fuzzer: {e}"))?;
    Ok(Run {
        target,
        child,
        log,
        started: Instant::now(),
    })
}

/// Waits for `run`; a summary line, or the crash and where its input is.
fn finish(mut run: Run) -> Result<String, String> {
    let status = run.child.wait().map_err(|e| e.to_string())?;
    let log = std::fs::read_to_string(&run.log).unwrap_or_default();
    let stat = |name: &str| {
        log.lines()
            .find_map(|l| l.strip_prefix(&format!("stat::{name}:")))
            .map_or("?".to_string(), |v| v.trim().to_string())
    };
    // The last status line carries the coverage: `#N ... cov: C ft: F corp: ...`.
    let coverage = log
        .lines()
        .rev()
        .find(|l| l.starts_with('#') && l.contains(" cov: "))
        .and_then(|l| l.split_once(" cov: "))
        .map(|(_, rest)| {
            let rest = rest.split(" corp:").next().unwrap_or(rest);
            rest.replace(" ft: ", ", ft ")
        })
        .unwrap_or_else(|| "?".to_string());
    let summary = format!(
        "| {} | {:.0} s | {} | {} | {} |",
        run.target,
        run.started.elapsed().as_secs_f64(),
        stat("number_of_executed_units"),
        stat("average_exec_per_sec"),
        coverage
    );
    if status.success() {
        Ok(summary)
    } else {
        let crash: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("panicked") || l.contains("Test unit written") || l.contains("ERROR:"))
            .collect();
        Err(format!(
            "the {} fuzzer failed ({status}); log {}:\n{}",
            run.target,
            run.log.display(),
            crash.join("\n")
        ))
    }
}

/// Runs `targets` for `seconds` each, two at a time (one per core).
fn run_all(targets: &[&'static str], seconds: u64, work: impl Fn(&str) -> PathBuf) -> Result<(), String> {
    let mut lines = vec!["| target | time | executions | exec/s | coverage: cov, ft |".to_string()];
    lines.push("|---|---:|---:|---:|---|".to_string());
    let mut errors = Vec::new();
    for pair in targets.chunks(2) {
        let runs: Vec<Result<Run, String>> = pair.iter().map(|t| start(t, seconds, work(t))).collect();
        for run in runs {
            match run.and_then(finish) {
                Ok(line) => lines.push(line),
                Err(e) => errors.push(e),
            }
        }
    }
    println!("\n{}", lines.join("\n"));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n\n"))
    }
}

/// The pipeline's smoke step: every target for a short time, each from
/// the committed corpus alone (a fresh work directory).
pub fn smoke() -> Result<(), String> {
    let seconds = std::env::var("MLS_FUZZ_SMOKE_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SMOKE_SECONDS);
    ensure_tools()?;
    build()?;
    let work = |t: &str| {
        let d = cmd::target_dir().join("fuzz").join("smoke").join(t);
        let _ = std::fs::remove_dir_all(&d);
        d
    };
    run_all(TARGETS, seconds, work)
}

/// `cargo xtask fuzz [TARGET] [SECONDS]`: a campaign (default: every
/// target, 600 s each), new inputs kept in `target/fuzz/corpus/TARGET`.
pub fn campaign(args: &[&str]) -> Result<(), String> {
    let (targets, seconds): (Vec<&'static str>, u64) = match args {
        [] => (TARGETS.to_vec(), 600),
        [t, rest @ ..] => {
            let targets = match TARGETS.iter().find(|x| *x == t) {
                Some(x) => vec![*x],
                None if *t == "all" => TARGETS.to_vec(),
                None => return Err(format!("unknown target {t}; targets: all, {}", TARGETS.join(", "))),
            };
            let seconds = match rest {
                [] => 600,
                [s] => s.parse().map_err(|_| format!("not a number of seconds: {s}"))?,
                _ => return Err("usage: cargo xtask fuzz [TARGET|all] [SECONDS]".into()),
            };
            (targets, seconds)
        }
    };
    ensure_tools()?;
    build()?;
    run_all(&targets, seconds, |t| {
        cmd::target_dir().join("fuzz").join("corpus").join(t)
    })
}
