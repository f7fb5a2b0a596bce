//! `mls-bench`: one workload (mls-go's published benchmark), the same for
//! every implementation, timed op by op.
//!
//! ```text
//! mls-bench run --imp nostd|std|openmls|mlsrs|floor --suite 1|2 --n N --reps K
//! ```
//!
//! Each repetition builds a fresh scenario (not measured): A creates a
//! group and adds the other `N - 1` members in one commit; B joins from the
//! Welcome. Then, measured: `commit` (A's empty commit with an UpdatePath,
//! applied by A), `process` (B applies it), `encrypt` (A, 1 KiB application
//! message), `decrypt` (B); then, not measured, A adds a fresh joiner J in
//! one commit; measured: `join` (J joins from the Welcome, the tree in it).
//! After each op the members' epochs, member counts and exporters are
//! compared, outside the measured region.
//!
//! Output, one line per op and one for memory:
//!
//! ```text
//! bench imp=nostd suite=1 n=10 reps=11 threads=- op=commit median_ns=123 min_ns=120
//! bench imp=nostd suite=1 n=10 reps=11 threads=- op=rss vmhwm_kib=4567
//! ```
//!
//! Each measured op runs in its own `#[inline(never)] fn measured_<op>`
//! (called by `timed_<op>`), so that callgrind can dump one profile per op
//! (see `cargo xtask bench`).
//! The peers (OpenMLS, mls-rs) need the `peers` feature.

mod floor;
mod imp;
mod nostd;
#[cfg(feature = "peers")]
mod peer_mls_rs;
#[cfg(feature = "peers")]
mod peer_openmls;
mod std_client;

use imp::{Imp, MESSAGE_LEN, State, Who, check_same};
use mls_nostd::crypto::{Curve25519Aes128, P256Aes128};
use mls_std::client::{Suite1, Suite2};
use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: mls-bench run --imp nostd|nostd-awslc|std|openmls|mlsrs|floor|floor-awslc --suite 1|2 --n N [--reps K]

  N >= 2 members; K repetitions (default 11), each on a fresh scenario.
  openmls and mlsrs need the `peers` feature.";

/// The measured operations, in the order they run.
pub const OPS: [&str; 5] = ["commit", "process", "encrypt", "decrypt", "join"];

/// The scenario of `imp` for `suite` with `n` members, set up.
fn setup(imp: &str, suite: u16, n: usize) -> Result<Box<dyn Imp>, String> {
    Ok(match (imp, suite) {
        ("nostd", 1) => Box::new(nostd::Nostd::<Curve25519Aes128>::setup(n)),
        ("nostd", 2) => Box::new(nostd::Nostd::<P256Aes128>::setup(n)),
        ("nostd-awslc", 1) => Box::new(nostd::Nostd::<mls_awslc::X25519Aes128>::setup(n)),
        ("nostd-awslc", 2) => Box::new(nostd::Nostd::<mls_awslc::P256Aes128>::setup(n)),
        ("std", 1) => Box::new(std_client::Std::setup(Suite1, n)),
        ("std", 2) => Box::new(std_client::Std::setup(Suite2, n)),
        ("floor", 1) => floor::setup(Curve25519Aes128, n),
        ("floor", 2) => floor::setup(P256Aes128, n),
        ("floor-awslc", 1) => floor::setup(mls_awslc::X25519Aes128, n),
        ("floor-awslc", 2) => floor::setup(mls_awslc::P256Aes128, n),
        #[cfg(feature = "peers")]
        ("openmls", 1 | 2) => Box::new(peer_openmls::OpenMls::setup(suite, n)),
        #[cfg(feature = "peers")]
        ("mlsrs", 1 | 2) => peer_mls_rs::setup(suite, n),
        #[cfg(not(feature = "peers"))]
        ("openmls" | "mlsrs", _) => return Err(format!("{imp} needs the `peers` feature")),
        (_, 1 | 2) => return Err(format!("unknown implementation {imp}")),
        _ => return Err(format!("unknown suite {suite} (1 or 2)")),
    })
}

// Each op runs in two wrappers: `timed_<op>`, which the timer wraps, calls
// `measured_<op>`, which calls the implementation. Under callgrind (see
// `cargo xtask bench`), `--dump-before=measured_*` zeroes the counters as
// an op starts and `--dump-after=timed_*` dumps them as it ends, on every
// thread (rayon's pool included). Callgrind honours one trigger per
// function (given both `--dump-before` and `--dump-after` for one function
// it dumped only before), hence two functions.
//
// They are `no_mangle`: their symbols are plain `measured_<op>` and
// `timed_<op>`, and being exported they keep their signature and body.
// Without it, LLVM passed the vtable entry as an argument and merged
// `measured_process` into `measured_join` and `measured_encrypt` into
// `measured_decrypt`.

/// Defines `timed_<op>` and `measured_<op>` for one op.
macro_rules! wrappers {
    ($timed:ident, $measured:ident, $method:ident, ($($arg:ident: $ty:ty),*) -> $ret:ty) => {
        #[inline(never)]
        #[unsafe(no_mangle)]
        fn $measured(imp: &mut dyn Imp $(, $arg: $ty)*) -> $ret {
            black_box(imp.$method($(black_box($arg)),*))
        }

        #[inline(never)]
        #[unsafe(no_mangle)]
        fn $timed(imp: &mut dyn Imp $(, $arg: $ty)*) -> $ret {
            black_box($measured(imp $(, $arg)*))
        }
    };
}

wrappers!(timed_commit, measured_commit, commit, () -> Vec<u8>);
wrappers!(timed_process, measured_process, process, (commit: &[u8]) -> ());
wrappers!(timed_encrypt, measured_encrypt, encrypt, (data: &[u8]) -> Vec<u8>);
wrappers!(timed_decrypt, measured_decrypt, decrypt, (message: &[u8]) -> Vec<u8>);
wrappers!(timed_join, measured_join, join, (welcome: &[u8]) -> ());

/// Runs `f`, returns its result and how long it took.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

/// One repetition: a fresh scenario, the five ops timed and checked.
fn repetition(imp: &str, suite: u16, n: usize) -> Result<[Duration; 5], String> {
    let mut s = setup(imp, suite, n)?;
    let s = &mut *s;
    let before = s.state(Who::A);
    let (commit, t_commit) = timed(|| timed_commit(s));
    let (_, t_process) = timed(|| timed_process(s, &commit));
    let (a, b) = (s.state(Who::A), s.state(Who::B));
    check_same("commit/process", &a, &b);
    assert_eq!(a.epoch, before.epoch + 1, "the commit did not start a new epoch");
    assert_ne!(a.exported, before.exported, "the commit did not change the secrets");
    assert_eq!(a.members, n, "A's group has {} members, not {n}", a.members);

    let data = imp::message();
    let (message, t_encrypt) = timed(|| timed_encrypt(s, &data));
    let (plain, t_decrypt) = timed(|| timed_decrypt(s, &message));
    assert!(
        message.len() > MESSAGE_LEN && plain == data,
        "B did not decrypt the {MESSAGE_LEN}-byte message"
    );

    let welcome = s.prepare_join();
    let (_, t_join) = timed(|| timed_join(s, &welcome));
    let (a, j): (State, State) = (s.state(Who::A), s.state(Who::J));
    check_same("join", &a, &j);
    assert_eq!(j.members, n + 1, "J's group has {} members, not {}", j.members, n + 1);
    Ok([t_commit, t_process, t_encrypt, t_decrypt, t_join])
}

/// The peak resident set of this process (VmHWM), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The options of `run`.
struct Run {
    imp: String,
    suite: u16,
    n: usize,
    reps: usize,
}

fn parse(args: &[String]) -> Result<Run, String> {
    let mut run = Run {
        imp: String::new(),
        suite: 1,
        n: 0,
        reps: 11,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|_| format!("{flag}: not a number: {value}"))
        };
        match flag.as_str() {
            "--imp" => run.imp = value.clone(),
            "--suite" => run.suite = number()? as u16,
            "--n" => run.n = number()?,
            "--reps" => run.reps = number()?,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    if run.imp.is_empty() || run.n < 2 || run.reps == 0 {
        return Err("--imp, --n (at least 2) and --reps (at least 1) are needed".into());
    }
    Ok(run)
}

fn run(r: &Run) -> Result<(), String> {
    let mut times: [Vec<Duration>; 5] = Default::default();
    for _ in 0..r.reps {
        let t = repetition(&r.imp, r.suite, r.n)?;
        for (all, one) in times.iter_mut().zip(t) {
            all.push(one);
        }
    }
    let threads = std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "-".into());
    let head = format!(
        "bench imp={} suite={} n={} reps={} threads={threads}",
        r.imp, r.suite, r.n, r.reps
    );
    for (op, mut t) in OPS.iter().zip(times) {
        t.sort_unstable();
        // The median; of an even count, the lower middle one.
        let median = t[(t.len() - 1) / 2];
        println!(
            "{head} op={op} median_ns={} min_ns={}",
            median.as_nanos(),
            t[0].as_nanos()
        );
    }
    match peak_rss_kib() {
        Some(kib) => println!("{head} op=rss vmhwm_kib={kib}"),
        None => println!("{head} op=rss vmhwm_kib=-"),
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.split_first() {
        Some((cmd, rest)) if cmd == "run" => parse(rest).and_then(|r| run(&r)),
        Some((cmd, _)) if cmd == "help" || cmd == "--help" || cmd == "-h" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mls-bench: {e}");
            ExitCode::from(2)
        }
    }
}
