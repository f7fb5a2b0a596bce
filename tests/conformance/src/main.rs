//! `mls-conformance [DIR] [--passive-client FILE]...`
//!
//! Runs every official vector file it knows by name in DIR (default: the
//! `MLS_TEST_VECTORS` environment variable, else `../shared/mls-test-vectors`
//! beside the repository), then every FILE in the passive-client format.
//! Prints one line per file and suite, the reason of each failure, and a
//! total. Exits 1 if a case failed, or if `CI` is set and a file is missing.

use mls_conformance::files::{FILES, PASSIVE_CLIENT};
use mls_conformance::{Checker, FileReport, Tally, default_vectors_dir, run_file};
use std::path::PathBuf;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!("usage: mls-conformance [DIR] [--passive-client FILE]...");
    ExitCode::from(2)
}

fn print_report(name: &str, rep: &FileReport, total: &mut Tally) {
    for (suite, t) in &rep.by_suite {
        let suite = suite.map_or("none".to_string(), |s| s.to_string());
        println!(
            "file={name} suite={suite} passed={} failed={} skipped={}",
            t.passed, t.failed, t.skipped
        );
    }
    for (i, suite, reason) in &rep.failures {
        let suite = suite.map_or("none".to_string(), |s| s.to_string());
        println!("  FAIL file={name} suite={suite} case={i}: {reason}");
    }
    for reason in &rep.skip_reasons {
        println!("  skip file={name}: {reason}");
    }
    let t = rep.total();
    total.passed += t.passed;
    total.failed += t.failed;
    total.skipped += t.skipped;
}

fn not_implemented(_: &serde_json::Value) -> mls_conformance::Outcome {
    mls_conformance::Outcome::skipped(None, "file not checked by this implementation yet")
}

fn main() -> ExitCode {
    let mut dir: Option<PathBuf> = None;
    let mut passive: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args_os().skip(1);
    while let Some(a) = args.next() {
        if a == "--passive-client" {
            match args.next() {
                Some(f) => passive.push(f.into()),
                None => return usage(),
            }
        } else if a == "-h" || a == "--help" {
            return usage();
        } else if dir.is_none() {
            dir = Some(a.into());
        } else {
            return usage();
        }
    }
    let dir = dir.unwrap_or_else(default_vectors_dir);
    let ci = std::env::var_os("CI").is_some();
    println!("vectors: {}", dir.display());

    let mut total = Tally::default();
    let mut missing = 0;
    let mut broken = 0;
    let mut jobs: Vec<(String, PathBuf, Checker)> = Vec::new();
    for (name, checker) in FILES {
        let path = dir.join(name);
        if !path.exists() {
            println!("file={name} MISSING");
            missing += 1;
            continue;
        }
        jobs.push((name.to_string(), path, checker.unwrap_or(not_implemented)));
    }
    for path in passive {
        let name = path.display().to_string();
        jobs.push((name, path, PASSIVE_CLIENT.unwrap_or(not_implemented)));
    }
    for (name, path, checker) in jobs {
        match run_file(&path, checker) {
            Ok(rep) => print_report(&name, &rep, &mut total),
            Err(e) => {
                println!("file={name} ERROR {e}");
                broken += 1;
            }
        }
    }
    println!(
        "{} passed, {} failed, {} skipped",
        total.passed, total.failed, total.skipped
    );
    if missing > 0 {
        println!(
            "{missing} expected file(s) missing{}",
            if ci { " (fatal under CI)" } else { "" }
        );
    }
    if total.failed > 0 || broken > 0 || (ci && missing > 0) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
