//! One checker per official vector file.

use crate::{Checker, Outcome, json};
use mls_nostd::crypto::{CipherSuite, SuiteVisitor, with_suite};
use serde_json::Value;

mod crypto_basics;
mod deserialization;
mod key_schedule;
mod message_protection;
mod messages;
pub mod passive_client;
mod psk_secret;
mod secret_tree;
mod transcript_hashes;
mod tree_math;
mod tree_operations;
mod tree_validation;
mod treekem;
mod welcome;

/// Every official file, in the order of the vectors' README, with its
/// checker; `None` means this implementation does not check it yet, and
/// its cases are counted as skipped.
pub const FILES: &[(&str, Option<Checker>)] = &[
    ("tree-math.json", Some(tree_math::check)),
    ("deserialization.json", Some(deserialization::check)),
    ("crypto-basics.json", Some(crypto_basics::check)),
    ("messages.json", Some(messages::check)),
    ("secret-tree.json", Some(secret_tree::check)),
    ("psk_secret.json", Some(psk_secret::check)),
    ("key-schedule.json", Some(key_schedule::check)),
    ("transcript-hashes.json", Some(transcript_hashes::check)),
    ("welcome.json", Some(welcome::check)),
    ("message-protection.json", Some(message_protection::check)),
    ("tree-validation.json", Some(tree_validation::check)),
    ("tree-operations.json", Some(tree_operations::check)),
    ("treekem.json", Some(treekem::check)),
    ("passive-client-welcome.json", Some(passive_client::check)),
    ("passive-client-handling-commit.json", Some(passive_client::check)),
    ("passive-client-random.json", Some(passive_client::check)),
];

/// The checker for files in the passive-client format, if implemented.
pub const PASSIVE_CLIENT: Option<Checker> = Some(passive_client::check);

/// Whose implementation of the cipher suites the checks use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// The core's RustCrypto suites ([`mls_nostd::crypto`]), all of them.
    Core,
    /// [`mls_awslc`] for suites 1 and 2, the core's for the others.
    AwsLc,
}

thread_local! {
    /// The provider of the checks run on this thread.
    pub static PROVIDER: core::cell::Cell<Provider> = const { core::cell::Cell::new(Provider::Core) };
}

/// A check that needs the case's cipher suite as a type.
pub trait SuiteCheck {
    /// Checks `case` with `suite`.
    fn check<S: CipherSuite + Copy>(&self, suite: &S, case: &Value) -> Result<(), String>;
}

/// Runs `c` with the suite named by the case's `cipher_suite`; suites that
/// are not compiled in are skipped.
pub fn per_suite<C: SuiteCheck>(case: &Value, c: C) -> Outcome {
    let Some(id) = json::suite(case) else {
        return Outcome::of(None, || Err("case has no cipher_suite".into()));
    };
    struct Visit<'a, C>(&'a Value, C);
    impl<C: SuiteCheck> SuiteVisitor for Visit<'_, C> {
        type Output = Result<(), String>;
        fn visit<S: CipherSuite + Copy>(self, suite: &S) -> Self::Output {
            self.1.check(suite, self.0)
        }
    }
    let visit = Visit(case, c);
    let run = match PROVIDER.get() {
        Provider::AwsLc if id == 1 || id == 2 => mls_awslc::with_suite(id, visit),
        _ => with_suite(id, visit),
    };
    match run {
        Ok(r) => Outcome::of(Some(id), || r),
        Err(_) => Outcome::skipped(Some(id), format!("cipher suite {id} not supported")),
    }
}

/// A deterministic RNG for the checks that encrypt or sign their own values.
pub fn test_rng() -> chacha20::ChaCha20Rng {
    use rand_core::SeedableRng;
    chacha20::ChaCha20Rng::from_seed([0x4d; 32])
}
