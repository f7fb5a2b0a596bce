//! `cargo xtask bench` and `cargo xtask bench-check`: the side-by-side
//! benchmark of `tests/bench` (`mls-bench`), and the CI check of
//! mls-nostd's instruction counts against `tests/bench/baseline.txt`.
//!
//! `mls-bench` is built once with `--profile perf`, then run natively for
//! wall-clock medians and under callgrind for instruction counts. Under
//! callgrind every thread collects from the start; `--dump-before=measured_*`
//! dumps (and zeroes the counters) as an op starts and
//! `--dump-after=timed_*` as it ends (`timed_<op>` calls `measured_<op>`;
//! callgrind honours only one trigger per function). The dump taken after
//! `timed_<op>` holds exactly the op, on every thread: rayon's pool
//! included, which `--toggle-collect=measured_*` misses (it toggles only the
//! thread that enters the function; OpenMLS's commit at N = 10 counted 4.2 M
//! instructions that way instead of 14.7 M).

use crate::cmd;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The measured ops, in the order `mls-bench` runs them.
const OPS: [&str; 5] = ["commit", "process", "encrypt", "decrypt", "join"];

/// The implementations `mls-bench` knows.
const IMPS: [&str; 7] = [
    "nostd",
    "nostd-awslc",
    "std",
    "openmls",
    "mlsrs",
    "floor",
    "floor-awslc",
];

/// The single-threaded implementations: one column each.
const SINGLE: [&str; 4] = ["nostd", "nostd-awslc", "floor", "floor-awslc"];

/// The ratio columns of the wall-clock table.
const RATIO_HEAD: &str = " best peer / nostd | best peer / nostd-awslc | best peer / std-1 | best peer / std-all \
    | nostd / floor | nostd-awslc / floor-awslc | openmls / nostd-awslc | openmls / std-all \
    | mlsrs / nostd-awslc | mlsrs / std-all |";
const RATIOS: usize = 10;

/// The peers (compared against), the ones with a rayon pool.
const PEERS: [&str; 2] = ["openmls", "mlsrs"];

/// Largest N measured under callgrind.
const CALLGRIND_MAX_N: usize = 500;

/// How long one native run may take at N = 10,000 before it is given up.
const BIG_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// The file of baseline instruction counts for `bench-check`.
const BASELINE: &str = "tests/bench/baseline.txt";

/// An op may cost this much more than its baseline.
const TOLERANCE: f64 = 1.10;

/// What `cargo xtask bench` runs.
struct Plan {
    suites: Vec<u16>,
    ns: Vec<usize>,
    imps: Vec<String>,
    callgrind: bool,
}

/// One column of the wall-clock table: an implementation at a thread count
/// (`None`: the pool's default, all cores).
#[derive(Clone)]
struct Variant {
    imp: String,
    threads: Option<&'static str>,
}

impl Variant {
    fn label(&self) -> String {
        match (self.imp.as_str(), self.threads) {
            (imp, _) if SINGLE.contains(&imp) => self.imp.clone(),
            (imp, Some(t)) => format!("{imp}-{t}"),
            (imp, None) => format!("{imp}-all"),
        }
    }
}

/// The columns: nostd and floor once (single-threaded), the others with a
/// pool of 1 thread (the like-for-like row) and with all cores.
fn variants(imps: &[String]) -> Vec<Variant> {
    let mut out = Vec::new();
    for imp in imps {
        let threads: &[Option<&'static str>] = match imp.as_str() {
            imp if SINGLE.contains(&imp) => &[Some("1")],
            _ => &[Some("1"), None],
        };
        for &t in threads {
            out.push(Variant {
                imp: imp.clone(),
                threads: t,
            });
        }
    }
    out
}

fn parse_list<T: std::str::FromStr>(flag: &str, value: Option<&&str>) -> Result<Vec<T>, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    value
        .split(',')
        .map(|v| v.trim().parse().map_err(|_| format!("{flag}: bad value {v}")))
        .collect()
}

fn plan(args: &[&str]) -> Result<Plan, String> {
    let mut p = Plan {
        suites: vec![1, 2],
        ns: vec![2, 10, 50, 100, 500],
        imps: IMPS.iter().map(|s| s.to_string()).collect(),
        callgrind: true,
    };
    let mut i = 0;
    while i < args.len() {
        match args[i] {
            "--quick" => {
                p.suites = vec![1];
                p.ns = vec![10, 100];
            }
            "--no-callgrind" => p.callgrind = false,
            "--suite" => {
                p.suites = parse_list("--suite", args.get(i + 1))?;
                i += 1;
            }
            "--n" => {
                p.ns = parse_list("--n", args.get(i + 1))?;
                i += 1;
            }
            "--imp" => {
                p.imps = parse_list("--imp", args.get(i + 1))?;
                i += 1;
            }
            other => return Err(format!("bench: unknown option {other}")),
        }
        i += 1;
    }
    if let Some(bad) = p.imps.iter().find(|i| !IMPS.contains(&i.as_str())) {
        return Err(format!("bench: unknown implementation {bad} ({})", IMPS.join(", ")));
    }
    if let Some(bad) = p.suites.iter().find(|s| !matches!(s, 1 | 2)) {
        return Err(format!("bench: unknown suite {bad} (1 or 2)"));
    }
    if p.ns.iter().any(|&n| n < 2) {
        return Err("bench: N must be at least 2".into());
    }
    Ok(p)
}

/// Repetitions at `n`: enough for a median where a run is short.
fn reps(n: usize) -> usize {
    match n {
        0..=100 => 11,
        101..=500 => 5,
        _ => 1,
    }
}

/// Builds `mls-bench` with the perf profile; returns the binary.
fn build(peers: bool) -> Result<PathBuf, String> {
    let mut args = vec!["build", "-p", "mls-bench", "--profile", "perf"];
    if peers {
        args.extend(["--features", "peers"]);
    }
    cmd::run(&mut cmd::cargo(args))?;
    Ok(cmd::target_dir().join("perf/mls-bench"))
}

/// What one run of `mls-bench` printed: op -> (median, min) nanoseconds,
/// and the peak RSS in KiB.
#[derive(Default, Clone)]
struct Timing {
    ops: BTreeMap<String, (u64, u64)>,
    rss_kib: Option<u64>,
}

/// The `key=value` fields of a line.
fn fields(line: &str) -> BTreeMap<&str, &str> {
    line.split_whitespace().filter_map(|f| f.split_once('=')).collect()
}

fn parse_timing(out: &str) -> Timing {
    let mut t = Timing::default();
    for line in out.lines().filter(|l| l.starts_with("bench ")) {
        let f = fields(line);
        match (f.get("op"), f.get("median_ns"), f.get("min_ns")) {
            (Some(&"rss"), _, _) => t.rss_kib = f.get("vmhwm_kib").and_then(|v| v.parse().ok()),
            (Some(op), Some(med), Some(min)) => {
                if let (Ok(med), Ok(min)) = (med.parse(), min.parse()) {
                    t.ops.insert(op.to_string(), (med, min));
                }
            }
            _ => {}
        }
    }
    t
}

/// The arguments of `mls-bench run` for `imp`.
fn run_args(imp: &str, suite: u16, n: usize, reps: usize) -> [String; 9] {
    [
        "run",
        "--imp",
        imp,
        "--suite",
        &suite.to_string(),
        "--n",
        &n.to_string(),
        "--reps",
        &reps.to_string(),
    ]
    .map(String::from)
}

/// The `mls-bench run` command for `imp`.
fn bench_command(program: &Path, imp: &str, suite: u16, n: usize, reps: usize) -> Command {
    let mut c = cmd::command(program);
    c.args(run_args(imp, suite, n, reps));
    c
}

/// Runs `c` to the end, or kills it after `timeout`; its stdout, or
/// `None` on a timeout.
fn run_with_timeout(c: &mut Command, timeout: Duration) -> Result<Option<String>, String> {
    println!("$ {}", cmd::describe(c));
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run `{}`: {e}", cmd::describe(c)))?;
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            let mut out = String::new();
            if let Some(mut s) = child.stdout.take() {
                std::io::Read::read_to_string(&mut s, &mut out).map_err(|e| e.to_string())?;
            }
            return if status.success() {
                Ok(Some(out))
            } else {
                Err(cmd::status_error(c, status))
            };
        }
        if start.elapsed() > timeout {
            // Only this child, which this task started.
            let _ = child.kill();
            let _ = child.wait();
            println!("  (given up after {} s)", timeout.as_secs());
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Native run of `v`: medians and peak RSS; `None` if it timed out.
fn native(program: &Path, v: &Variant, suite: u16, n: usize) -> Result<Option<Timing>, String> {
    let mut c = bench_command(program, &v.imp, suite, n, reps(n));
    match v.threads {
        Some(t) => c.env("RAYON_NUM_THREADS", t),
        None => c.env_remove("RAYON_NUM_THREADS"),
    };
    let timeout = if n > CALLGRIND_MAX_N {
        BIG_TIMEOUT
    } else {
        Duration::from_secs(24 * 3600)
    };
    Ok(run_with_timeout(&mut c, timeout)?.map(|out| parse_timing(&out)))
}

/// The instruction count (Ir) of a callgrind dump: its `totals:` (or
/// `summary:`) line.
fn dump_total(path: &Path) -> Result<(String, u64), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut trigger = String::new();
    let mut total = None;
    for line in text.lines() {
        if let Some(t) = line.strip_prefix("desc: Trigger:") {
            trigger = t.trim().to_string();
        }
        if let Some(v) = line.strip_prefix("totals:").or_else(|| line.strip_prefix("summary:")) {
            total = v.split_whitespace().next().and_then(|v| v.parse().ok());
        }
    }
    total
        .map(|t| (trigger, t))
        .ok_or_else(|| format!("{}: no totals line", path.display()))
}

/// Runs `imp` once under callgrind (a pool of 1 thread); returns each op's
/// instruction count.
fn callgrind(program: &Path, imp: &str, suite: u16, n: usize) -> Result<BTreeMap<String, u64>, String> {
    let dir = cmd::target_dir().join(format!("bench/callgrind/{imp}-s{suite}-n{n}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let out = dir.join("cg.out");
    let mut c = cmd::command("valgrind");
    c.args([
        "--tool=callgrind",
        "--dump-before=measured_*",
        "--dump-after=timed_*",
        &format!("--callgrind-out-file={}", out.display()),
        &format!("--log-file={}", dir.join("valgrind.log").display()),
    ])
    .arg(program)
    .args(run_args(imp, suite, n, 1))
    .env("RAYON_NUM_THREADS", "1");
    let (status, _) = cmd::output(&mut c)?;
    if !status.success() {
        return Err(cmd::status_error(&c, status));
    }
    // Dumps are numbered in order; the ones taken after `timed_<op>` hold
    // the ops, the others what ran between them.
    let mut dumps = Vec::new();
    for k in 1.. {
        let path = dir.join(format!("cg.out.{k}"));
        if !path.exists() {
            break;
        }
        dumps.push(dump_total(&path)?);
    }
    let mut counts = BTreeMap::new();
    for (trigger, total) in dumps {
        let Some(function) = trigger.strip_prefix("--dump-after=") else {
            continue;
        };
        let op = OPS
            .iter()
            .find(|op| function == format!("timed_{op}"))
            .ok_or_else(|| format!("callgrind dump for an unknown function: {trigger}"))?;
        counts.insert(op.to_string(), total);
    }
    if counts.len() != OPS.len() {
        return Err(format!(
            "callgrind gave {} op dumps, not {} (see {})",
            counts.len(),
            OPS.len(),
            dir.display()
        ));
    }
    Ok(counts)
}

/// Installs valgrind if it is missing (Debian's package).
fn need_valgrind() -> Result<(), String> {
    crate::install::ensure_bench()
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(|_| "?".into(), |s| s.trim().to_string())
}

fn nproc() -> String {
    std::thread::available_parallelism().map_or_else(|_| "?".into(), |n| n.to_string())
}

/// A duration in nanoseconds, in a short human form.
fn time(ns: u64) -> String {
    let ns = ns as f64;
    if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// An instruction count in millions.
fn mega(ir: u64) -> String {
    format!("{:.2} M", ir as f64 / 1e6)
}

fn ratio(num: Option<u64>, den: Option<u64>) -> String {
    match (num, den) {
        (Some(a), Some(b)) if b > 0 => format!("{:.2}", a as f64 / b as f64),
        _ => "–".into(),
    }
}

/// Everything measured for one suite.
#[derive(Default)]
struct Results {
    /// (variant label, n) -> timing; absent after a timeout.
    timing: BTreeMap<(String, usize), Option<Timing>>,
    /// (imp, n) -> op -> Ir.
    ir: BTreeMap<(String, usize), BTreeMap<String, u64>>,
}

impl Results {
    fn median(&self, label: &str, n: usize, op: &str) -> Option<u64> {
        self.timing
            .get(&(label.to_string(), n))?
            .as_ref()?
            .ops
            .get(op)
            .map(|t| t.0)
    }

    fn ir(&self, imp: &str, n: usize, op: &str) -> Option<u64> {
        self.ir.get(&(imp.to_string(), n))?.get(op).copied()
    }
}

fn cell(results: &Results, label: &str, n: usize, op: &str) -> String {
    match results.timing.get(&(label.to_string(), n)) {
        Some(None) => "timeout".into(),
        _ => results.median(label, n, op).map_or_else(|| "–".into(), time),
    }
}

/// The markdown tables of one suite.
fn tables(out: &mut String, suite: u16, plan: &Plan, variants: &[Variant], r: &Results) {
    let labels: Vec<String> = variants.iter().map(Variant::label).collect();
    let has = |imp: &str| plan.imps.iter().any(|i| i == imp);
    // The best peer: the lowest median over the peers' columns.
    let peer_labels: Vec<&String> = variants
        .iter()
        .zip(&labels)
        .filter(|(v, _)| PEERS.contains(&v.imp.as_str()))
        .map(|(_, l)| l)
        .collect();
    let best_peer_time = |n, op| peer_labels.iter().filter_map(|l| r.median(l, n, op)).min();
    // One peer's best time: the lower of its 1-thread and all-core columns.
    let peer_time = |peer: &str, n, op| {
        labels
            .iter()
            .filter(|l| l.strip_prefix(peer).is_some_and(|t| t.starts_with('-')))
            .filter_map(|l| r.median(l, n, op))
            .min()
    };
    let _ = writeln!(out, "\n### Suite {suite}: wall clock (median)\n");
    let mut head = String::from("| op | N |");
    for l in &labels {
        let _ = write!(head, " {l} |");
    }
    head.push_str(RATIO_HEAD);
    let _ = writeln!(out, "{head}");
    let _ = writeln!(out, "|{}", "---|".repeat(labels.len() + 2 + RATIOS));
    for op in OPS {
        for &n in &plan.ns {
            let mut row = format!("| {op} | {n} |");
            for l in &labels {
                let _ = write!(row, " {} |", cell(r, l, n, op));
            }
            let best = best_peer_time(n, op);
            let m = |l: &str| r.median(l, n, op);
            let _ = write!(
                row,
                " {} | {} | {} | {} | {} | {} |",
                ratio(best, m("nostd")),
                ratio(best, m("nostd-awslc")),
                ratio(best, m("std-1")),
                ratio(best, m("std-all")),
                if has("floor") {
                    ratio(m("nostd"), m("floor"))
                } else {
                    "–".into()
                },
                if has("floor-awslc") {
                    ratio(m("nostd-awslc"), m("floor-awslc"))
                } else {
                    "–".into()
                },
            );
            for peer in PEERS {
                for ours in ["nostd-awslc", "std-all"] {
                    let _ = write!(row, " {} |", ratio(peer_time(peer, n, op), m(ours)));
                }
            }
            let _ = writeln!(out, "{row}");
        }
    }

    let ir_ns: Vec<usize> = plan.ns.iter().copied().filter(|&n| n <= CALLGRIND_MAX_N).collect();
    if plan.callgrind && !ir_ns.is_empty() {
        let _ = writeln!(
            out,
            "\n### Suite {suite}: instructions (callgrind Ir, pool of 1 thread)\n"
        );
        let mut head = String::from("| op | N |");
        for imp in &plan.imps {
            let _ = write!(head, " {imp} |");
        }
        head.push_str(
            " best peer / nostd | best peer / nostd-awslc | best peer / std | nostd / floor | nostd-awslc / floor-awslc \
             | openmls / nostd | openmls / nostd-awslc | mlsrs / nostd | mlsrs / nostd-awslc |",
        );
        let _ = writeln!(out, "{head}");
        let _ = writeln!(out, "|{}", "---|".repeat(plan.imps.len() + 11));
        for op in OPS {
            for &n in &ir_ns {
                let mut row = format!("| {op} | {n} |");
                for imp in &plan.imps {
                    let _ = write!(row, " {} |", r.ir(imp, n, op).map_or_else(|| "–".into(), mega));
                }
                let best = PEERS.iter().filter_map(|p| r.ir(p, n, op)).min();
                let ir = |imp: &str| r.ir(imp, n, op);
                let _ = write!(
                    row,
                    " {} | {} | {} | {} | {} |",
                    ratio(best, ir("nostd")),
                    ratio(best, ir("nostd-awslc")),
                    ratio(best, ir("std")),
                    ratio(ir("nostd"), ir("floor")),
                    ratio(ir("nostd-awslc"), ir("floor-awslc")),
                );
                for peer in PEERS {
                    for ours in ["nostd", "nostd-awslc"] {
                        let _ = write!(row, " {} |", ratio(ir(peer), ir(ours)));
                    }
                }
                let _ = writeln!(out, "{row}");
            }
        }
    }

    let _ = writeln!(
        out,
        "\n### Suite {suite}: peak RSS of the process (VmHWM, setup included)\n"
    );
    let mut head = String::from("| N |");
    for l in &labels {
        let _ = write!(head, " {l} |");
    }
    let _ = writeln!(out, "{head}");
    let _ = writeln!(out, "|{}", "---|".repeat(labels.len() + 1));
    for &n in &plan.ns {
        let mut row = format!("| {n} |");
        for l in &labels {
            let v = match r.timing.get(&(l.clone(), n)) {
                Some(Some(t)) => t
                    .rss_kib
                    .map_or_else(|| "–".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0)),
                Some(None) => "timeout".into(),
                None => "–".into(),
            };
            let _ = write!(row, " {v} |");
        }
        let _ = writeln!(out, "{row}");
    }
}

/// `cargo xtask bench [--quick] [--suite S,..] [--n N,..] [--imp I,..] [--no-callgrind]`.
pub fn bench(args: &[&str]) -> Result<(), String> {
    let plan = plan(args)?;
    let peers = plan.imps.iter().any(|i| PEERS.contains(&i.as_str()));
    if plan.callgrind {
        need_valgrind()?;
    }
    let program = build(peers)?;
    let variants = variants(&plan.imps);
    let load_before = load();
    let started = Instant::now();
    let mut report = String::new();
    for &suite in &plan.suites {
        let mut r = Results::default();
        for &n in &plan.ns {
            for v in &variants {
                let t = native(&program, v, suite, n)?;
                r.timing.insert((v.label(), n), t);
            }
            if plan.callgrind && n <= CALLGRIND_MAX_N {
                for imp in &plan.imps {
                    let counts = callgrind(&program, imp, suite, n)?;
                    r.ir.insert((imp.clone(), n), counts);
                }
            }
        }
        tables(&mut report, suite, &plan, &variants, &r);
    }
    let load_after = load();
    let mut head = String::from("## mls-bench\n\n");
    let _ = writeln!(
        head,
        "Workload: setup (not measured) A creates a group and adds N-1 members in one commit, B joins \
         from the Welcome; `commit` = A's empty commit with an UpdatePath, applied; `process` = B \
         applies it; `encrypt`/`decrypt` = a 1 KiB application message (PrivateMessage); `join` = a \
         fresh member joins from a Welcome with the tree of N+1 leaves. Handshakes are PublicMessages, \
         basic credentials. Profile `perf` (opt-level 3, thin LTO) for every implementation.\n"
    );
    let _ = writeln!(
        head,
        "Columns `-1` ran with `RAYON_NUM_THREADS=1`, `-all` with the pool's default; nostd and floor \
         are single-threaded. Ratios `best peer / ours` > 1 mean ours is faster. `floor` is the \
         public-key operations alone (tests/bench/src/floor.rs). Reps: 11 for N ≤ 100, 5 for N ≤ 500, \
         1 above; medians. Instructions: callgrind, one repetition, N ≤ {CALLGRIND_MAX_N}.\n"
    );
    let _ = writeln!(
        head,
        "Machine: {} cores (nproc); /proc/loadavg before: `{load_before}`, after: `{load_after}`; \
         took {} s.",
        nproc(),
        started.elapsed().as_secs()
    );
    let report = head + &report;
    println!("\n{report}");
    let path = cmd::target_dir().join("bench/report.md");
    std::fs::create_dir_all(path.parent().expect("a directory")).map_err(|e| e.to_string())?;
    std::fs::write(&path, &report).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("written to {}", path.display());
    Ok(())
}

/// The (suite, N) points of `bench-check`.
const CHECK_POINTS: [(u16, usize); 2] = [(1, 10), (1, 50)];

/// `cargo xtask bench-check [--update]`: mls-nostd's instruction counts
/// against the baseline; fails when an op costs more than 1.10 times its
/// baseline. `--update` writes the baseline instead.
pub fn check(args: &[&str]) -> Result<(), String> {
    let update = match args {
        [] => false,
        ["--update"] => true,
        _ => return Err("bench-check: the only option is --update".into()),
    };
    need_valgrind()?;
    let program = build(false)?;
    let mut measured = Vec::new();
    for (suite, n) in CHECK_POINTS {
        let counts = callgrind(&program, "nostd", suite, n)?;
        for op in OPS {
            measured.push((suite, n, op, counts[op]));
        }
    }
    let path = cmd::root().join(BASELINE);
    if update {
        let mut text = String::from(
            "# Instruction counts (callgrind Ir) of mls-nostd in the mls-bench workload, one line per\n\
             # op: suite n op instructions. `cargo xtask bench-check` fails when an op costs more\n\
             # than 1.10 times its line. Regenerate after an intended change with:\n\
             #   cargo xtask bench-check --update\n\
             # Counts depend on the CPU (the crypto crates pick AVX2 or SHA/AES instructions at run\n\
             # time) and the compiler: regenerate on the machine type that runs the check.\n",
        );
        for (suite, n, op, ir) in &measured {
            let _ = writeln!(text, "{suite} {n} {op} {ir}");
        }
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {}", path.display());
        return Ok(());
    }
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut baseline = BTreeMap::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let f: Vec<&str> = line.split_whitespace().collect();
        let [suite, n, op, ir] = f[..] else {
            return Err(format!("{BASELINE}: bad line `{line}`"));
        };
        let parsed = (suite.parse::<u16>(), n.parse::<usize>(), ir.parse::<u64>());
        let (Ok(suite), Ok(n), Ok(ir)) = parsed else {
            return Err(format!("{BASELINE}: bad line `{line}`"));
        };
        baseline.insert((suite, n, op.to_string()), ir);
    }
    let mut failed = Vec::new();
    println!("| suite | N | op | baseline | now | ratio |\n|---|---|---|---|---|---|");
    for (suite, n, op, ir) in &measured {
        let Some(&base) = baseline.get(&(*suite, *n, op.to_string())) else {
            failed.push(format!("suite {suite} N {n} {op}: not in {BASELINE}"));
            continue;
        };
        let r = *ir as f64 / base as f64;
        println!("| {suite} | {n} | {op} | {base} | {ir} | {r:.3} |");
        if r > TOLERANCE {
            failed.push(format!("suite {suite} N {n} {op}: {r:.3} × the baseline"));
        }
    }
    if failed.is_empty() {
        println!("bench-check: every op within {TOLERANCE:.2} × its baseline");
        Ok(())
    } else {
        Err(format!(
            "bench-check: {}\n(an intended change? regenerate with `cargo xtask bench-check --update`)",
            failed.join("; ")
        ))
    }
}
