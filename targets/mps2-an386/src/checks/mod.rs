//! The checks the firmware runs, and the helpers they share.
//!
//! # Adding a check
//!
//! 1. If its vector file is new, add one line to `FILES` in `build.rs`;
//!    the suite-1 cases then appear as `crate::vectors::<module>::CASES`.
//!    (`key_schedule`, `secret_tree` and `message_protection` are already
//!    converted.)
//! 2. Write `pub fn name(rng: &mut TestRng) -> CheckResult` in a module
//!    named after the file (`checks/key_schedule.rs`). Loop over the cases
//!    with [`cases`]; compare with [`expect_eq`], turn an `mls_nostd`
//!    error into a failure with [`Context::ctx`], and require a rejection
//!    with [`expect_err`]. Buffers are fixed arrays on the stack: no
//!    allocator exists.
//! 3. Add a [`Check`] line to [`CHECKS`]. The runner measures its peak
//!    stack and counts it in the `N passed, M failed` line.

mod crypto_basics;
mod key_schedule;
mod message_protection;
mod secret_tree;

use core::fmt;
use rand_core::SeedableRng;

/// The deterministic test RNG. QEMU's mps2 boards have no TRNG, and a fixed
/// seed makes every run reproducible. Never use it outside tests.
pub type TestRng = chacha20::ChaCha20Rng;

/// The RNG for the check at `index`: a fixed seed per check, so that a
/// check's randomness does not depend on the checks before it.
pub fn test_rng(index: usize) -> TestRng {
    let mut seed = [0x4d; 32];
    seed[..8].copy_from_slice(&(index as u64).to_le_bytes());
    TestRng::from_seed(seed)
}

/// What a check returns.
pub type CheckResult = Result<(), Failure>;

/// One entry of the check table.
pub struct Check {
    /// `file/operation`, printed in the report.
    pub name: &'static str,
    /// Runs the check over every suite-1 case of its file.
    pub run: fn(&mut TestRng) -> CheckResult,
}

/// Every check, in run order.
pub static CHECKS: &[Check] = &[
    Check {
        name: "crypto-basics/ref_hash",
        run: crypto_basics::ref_hash,
    },
    Check {
        name: "crypto-basics/expand_with_label",
        run: crypto_basics::expand_with_label,
    },
    Check {
        name: "crypto-basics/derive_secret",
        run: crypto_basics::derive_secret,
    },
    Check {
        name: "crypto-basics/derive_tree_secret",
        run: crypto_basics::derive_tree_secret,
    },
    Check {
        name: "crypto-basics/sign_with_label",
        run: crypto_basics::sign_with_label,
    },
    Check {
        name: "crypto-basics/encrypt_with_label",
        run: crypto_basics::encrypt_with_label,
    },
    Check {
        name: "key-schedule/epochs",
        run: key_schedule::epochs,
    },
    Check {
        name: "secret-tree/ratchets",
        run: secret_tree::ratchets,
    },
    Check {
        name: "message-protection/messages",
        run: message_protection::messages,
    },
];

/// Why a check failed.
#[derive(Debug)]
pub struct Failure {
    /// The step that failed.
    pub what: &'static str,
    /// How it failed.
    pub kind: FailureKind,
    /// Index of the case among the file's suite-1 cases, if known.
    pub case: Option<usize>,
}

/// How a check step failed.
#[derive(Debug)]
pub enum FailureKind {
    /// `mls-nostd` returned an error.
    Error(mls_nostd::Error),
    /// A value differs from the expected one, first at byte `at`.
    Mismatch {
        /// First differing byte (or the shorter length).
        at: usize,
        /// Length computed.
        got: usize,
        /// Length expected.
        want: usize,
    },
    /// Something that must be rejected was accepted.
    Accepted,
    /// The vector does not fit this firmware (a buffer or an integer is too
    /// small for it).
    Unsupported,
}

impl Failure {
    /// A failure of kind `kind` at step `what`.
    pub fn new(what: &'static str, kind: FailureKind) -> Self {
        Failure { what, kind, case: None }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(case) = self.case {
            write!(f, "case {case}: ")?;
        }
        match &self.kind {
            FailureKind::Error(e) => write!(f, "{}: error {e} ({e:?})", self.what),
            FailureKind::Mismatch { at, got, want } => write!(
                f,
                "{}: differs from the vector at byte {at} ({got} bytes computed, {want} expected)",
                self.what
            ),
            FailureKind::Accepted => write!(f, "{}: accepted, must be rejected", self.what),
            FailureKind::Unsupported => write!(f, "{}: the vector does not fit this firmware", self.what),
        }
    }
}

/// Turns an `mls_nostd` error into a [`Failure`] naming the step.
pub trait Context<T> {
    /// Names the step that produced the error.
    fn ctx(self, what: &'static str) -> Result<T, Failure>;
}

impl<T> Context<T> for mls_nostd::Result<T> {
    fn ctx(self, what: &'static str) -> Result<T, Failure> {
        self.map_err(|e| Failure::new(what, FailureKind::Error(e)))
    }
}

/// Runs `f` on every case; a failure records the index of its case.
pub fn cases<C>(all: &[C], mut f: impl FnMut(&C) -> CheckResult) -> CheckResult {
    for (i, case) in all.iter().enumerate() {
        f(case).map_err(|failure| Failure {
            case: Some(i),
            ..failure
        })?;
    }
    Ok(())
}

/// Fails unless `got == want` (a plain comparison: only public test data
/// is compared here).
pub fn expect_eq(what: &'static str, got: &[u8], want: &[u8]) -> CheckResult {
    if got == want {
        return Ok(());
    }
    let at = got
        .iter()
        .zip(want)
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(want.len()));
    Err(Failure::new(
        what,
        FailureKind::Mismatch {
            at,
            got: got.len(),
            want: want.len(),
        },
    ))
}

/// Fails if `result` is `Ok`: the operation must have rejected its input.
pub fn expect_err<T>(what: &'static str, result: mls_nostd::Result<T>) -> CheckResult {
    match result {
        Ok(_) => Err(Failure::new(what, FailureKind::Accepted)),
        Err(_) => Ok(()),
    }
}

/// The first `len` bytes of `buf`, or a failure if the vector asks for more.
pub fn prefix<'b, T: TryInto<usize>>(what: &'static str, buf: &'b mut [u8], len: T) -> Result<&'b mut [u8], Failure> {
    len.try_into()
        .ok()
        .and_then(|n| buf.get_mut(..n))
        .ok_or(Failure::new(what, FailureKind::Unsupported))
}

/// Copies `data` into the start of `buf` and returns that part.
pub fn copy_into<'b>(what: &'static str, buf: &'b mut [u8], data: &[u8]) -> Result<&'b mut [u8], Failure> {
    let out = prefix(what, buf, data.len())?;
    out.copy_from_slice(data);
    Ok(out)
}
