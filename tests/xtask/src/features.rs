//! Checks that `mls-nostd`'s dependency graph for a bare-metal target has
//! no `alloc`, `std` or `getrandom` feature (and no `getrandom` crate).
//!
//! The graph comes from `cargo tree -p mls-nostd -e features --target
//! thumbv7em-none-eabihf`. That output also lists build-dependencies,
//! proc-macros and dev-dependencies, which are built for the host, where
//! `std` is fine (curve25519-dalek's build script pulls in `semver/std`).
//! Those subtrees are reported but not held against the check.

use crate::cmd;
use std::collections::{BTreeMap, BTreeSet};

/// Features that must not reach the target.
const FORBIDDEN: &[&str] = &["alloc", "std", "getrandom"];

/// What the scan found.
#[derive(Debug, Default, PartialEq)]
pub struct Scan {
    /// Target-side crate -> features enabled on it.
    pub target: BTreeMap<String, BTreeSet<String>>,
    /// Host-side (build script, proc-macro, dev) `crate/feature` pairs that
    /// are forbidden on the target.
    pub host_forbidden: BTreeSet<String>,
    /// Target-side findings: `crate/feature`, or `crate` for a getrandom crate.
    pub forbidden: BTreeSet<String>,
}

/// A line of `cargo tree`: its depth and the text after the tree drawing.
fn split(line: &str) -> (usize, &str) {
    let text = line.trim_start_matches(['│', '├', '└', '─', ' ', '\u{a0}']);
    let prefix = line[..line.len() - text.len()].chars().count();
    (prefix / 4, text)
}

/// Parses `cargo tree -e features` output.
pub fn scan(tree: &str) -> Scan {
    let mut found = Scan::default();
    // Depths from which on the lines are host-side; a line shallower than
    // the top entry ends that subtree or section.
    let mut host: Vec<usize> = Vec::new();
    for line in tree.lines() {
        let (depth, text) = split(line);
        if text.is_empty() {
            continue;
        }
        while host.last().is_some_and(|&d| depth < d) {
            host.pop();
        }
        if text.starts_with('[') {
            // `[build-dependencies]`/`[dev-dependencies]` stands at the depth
            // of its package; the section's lines are one level deeper and
            // host-side. (Normal dependencies have no marker and come first.)
            host.push(depth + 1);
            continue;
        }
        let on_host = !host.is_empty();
        let text = text.trim_end_matches(" (*)");
        if let Some((krate, rest)) = text.split_once(" feature \"") {
            let feature = rest.trim_end_matches('"');
            if FORBIDDEN.contains(&feature) {
                let pair = format!("{krate}/{feature}");
                if on_host {
                    found.host_forbidden.insert(pair);
                } else {
                    found.forbidden.insert(pair);
                }
            }
            if !on_host {
                found
                    .target
                    .entry(krate.to_string())
                    .or_default()
                    .insert(feature.to_string());
            }
        } else if let Some((krate, _version)) = text.split_once(" v") {
            if text.ends_with("(proc-macro)") {
                // Its dependencies are built for the host.
                host.push(depth + 1);
            }
            if !on_host {
                found.target.entry(krate.to_string()).or_default();
                if krate == "getrandom" {
                    found.forbidden.insert(krate.to_string());
                }
            }
        }
    }
    found
}

/// Runs `cargo tree` for `target` and fails on a forbidden feature.
pub fn check(target: &str) -> Result<(), String> {
    let tree = cmd::read(&mut cmd::cargo([
        "tree",
        "-p",
        "mls-nostd",
        "-e",
        "features",
        "--target",
        target,
    ]))?;
    let found = scan(&tree);
    let features: usize = found.target.values().map(BTreeSet::len).sum();
    println!(
        "cargo tree -p mls-nostd -e features --target {target}: {} lines, {} crates with {features} features on the target:",
        tree.lines().count(),
        found.target.len()
    );
    for (krate, features) in &found.target {
        let list: Vec<&str> = features.iter().map(String::as_str).collect();
        println!(
            "  {krate}: {}",
            if list.is_empty() { "-".into() } else { list.join(", ") }
        );
    }
    if !found.host_forbidden.is_empty() {
        let list: Vec<&str> = found.host_forbidden.iter().map(String::as_str).collect();
        println!(
            "host-only (build scripts, proc-macros, dev-dependencies; allowed): {}",
            list.join(", ")
        );
    }
    if found.forbidden.is_empty() {
        println!("no alloc, std or getrandom feature on the target");
        Ok(())
    } else {
        let list: Vec<&str> = found.forbidden.iter().map(String::as_str).collect();
        Err(format!("forbidden on {target}: {}", list.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TREE: &str = "\
mls-nostd v0.1.0 (/repo/mls-nostd)
├── aead v0.6.1
│   ├── crypto-common feature \"default\"
│   │   └── zeroize_derive v1.5.0 (proc-macro)
│   │       └── syn feature \"std\"
│   └── curve25519-dalek v5.0.0
│       ├── subtle feature \"const-generics\"
│       ├── hpke feature \"alloc\" (*)
│       [build-dependencies]
│       └── semver feature \"std\"
│           └── semver v1.0.28
├── sha2 feature \"alloc\"
└── getrandom v0.3.0
[dev-dependencies]
└── serde_json feature \"std\"
";

    #[test]
    fn target_and_host_sides_are_told_apart() {
        let s = scan(TREE);
        let forbidden: Vec<&str> = s.forbidden.iter().map(String::as_str).collect();
        assert_eq!(forbidden, ["getrandom", "hpke/alloc", "sha2/alloc"]);
        let host: Vec<&str> = s.host_forbidden.iter().map(String::as_str).collect();
        assert_eq!(host, ["semver/std", "serde_json/std", "syn/std"]);
        assert!(s.target.contains_key("crypto-common"));
        assert!(!s.target.contains_key("syn"));
    }

    #[test]
    fn a_clean_tree_passes() {
        let s = scan("a v1.0.0\n├── b feature \"default\"\n│   └── b v1.0.0\n└── c feature \"zeroize\"\n");
        assert!(s.forbidden.is_empty());
        assert_eq!(s.target.len(), 3);
    }
}
