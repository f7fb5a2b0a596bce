//! Checks `mls-nostd` against the MLS working group's test vectors
//! (`mls-implementations/test-vectors`).
//!
//! Each vector file has a checker in [`files`] that turns one test case into
//! an [`Outcome`]. Cases of suites that are not compiled in are skipped,
//! never passed.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub mod files;
pub mod json;

/// The result of one test case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every check of the case held.
    Passed,
    /// A check failed; the reason says which.
    Failed(String),
    /// The case was not run; the reason says why.
    Skipped(String),
}

/// One case's verdict and the cipher suite it belongs to (`None` for files
/// without suites).
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Cipher suite of the case.
    pub suite: Option<u16>,
    /// What happened.
    pub verdict: Verdict,
}

impl Outcome {
    /// Runs `f` and turns its error into a failure.
    pub fn of(suite: Option<u16>, f: impl FnOnce() -> Result<(), String>) -> Self {
        let verdict = match f() {
            Ok(()) => Verdict::Passed,
            Err(e) => Verdict::Failed(e),
        };
        Outcome { suite, verdict }
    }

    /// A case skipped for `reason`.
    pub fn skipped(suite: Option<u16>, reason: impl Into<String>) -> Self {
        Outcome {
            suite,
            verdict: Verdict::Skipped(reason.into()),
        }
    }
}

/// A checker for one case of a file.
pub type Checker = fn(&Value) -> Outcome;

/// Counts for one (file, suite) pair.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Cases passed.
    pub passed: usize,
    /// Cases failed.
    pub failed: usize,
    /// Cases skipped.
    pub skipped: usize,
}

/// The results of one file.
#[derive(Debug, Default)]
pub struct FileReport {
    /// Per-suite counts; key `None` for suite-less cases.
    pub by_suite: BTreeMap<Option<u16>, Tally>,
    /// `(case index, suite, reason)` of each failure.
    pub failures: Vec<(usize, Option<u16>, String)>,
    /// Distinct skip reasons.
    pub skip_reasons: Vec<String>,
}

impl FileReport {
    /// Sum over suites.
    pub fn total(&self) -> Tally {
        self.by_suite.values().fold(Tally::default(), |a, t| Tally {
            passed: a.passed + t.passed,
            failed: a.failed + t.failed,
            skipped: a.skipped + t.skipped,
        })
    }
}

/// Runs `checker` on every case of the JSON array `cases`.
pub fn run_cases(cases: &Value, checker: Checker) -> Result<FileReport, String> {
    let arr = cases.as_array().ok_or("top level is not a JSON array")?;
    let mut rep = FileReport::default();
    for (i, case) in arr.iter().enumerate() {
        // A checker that panics is a failure of that case, not of the run.
        let out = std::panic::catch_unwind(|| checker(case)).unwrap_or_else(|_| Outcome {
            suite: json::suite(case),
            verdict: Verdict::Failed("checker panicked".into()),
        });
        let t = rep.by_suite.entry(out.suite).or_default();
        match out.verdict {
            Verdict::Passed => t.passed += 1,
            Verdict::Failed(r) => {
                t.failed += 1;
                rep.failures.push((i, out.suite, r));
            }
            Verdict::Skipped(r) => {
                t.skipped += 1;
                if !rep.skip_reasons.contains(&r) {
                    rep.skip_reasons.push(r);
                }
            }
        }
    }
    Ok(rep)
}

/// Loads and runs one file.
pub fn run_file(path: &Path, checker: Checker) -> Result<FileReport, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    run_cases(&v, checker)
}

/// Environment variable naming the vector directory.
pub const VECTORS_ENV: &str = "MLS_TEST_VECTORS";

/// The vector directory: `MLS_TEST_VECTORS` if set, else
/// `../shared/mls-test-vectors` relative to the repository root.
pub fn default_vectors_dir() -> PathBuf {
    if let Some(d) = std::env::var_os(VECTORS_ENV) {
        return PathBuf::from(d);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/mls-test-vectors")
}
