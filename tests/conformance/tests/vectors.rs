//! The official vectors as `cargo test` tests: every case of suites 1–3 in
//! each checked file must pass. A missing vector file is a failure.

use mls_conformance::files::{FILES, PROVIDER, Provider};
use mls_conformance::{default_vectors_dir, run_file};

fn check_file(name: &str, suites: &[u16]) {
    let checker = FILES
        .iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, c)| *c)
        .unwrap_or_else(|| panic!("{name} has no checker"));
    check_with(name, checker, suites)
}

fn check_with(name: &str, checker: fn(&serde_json::Value) -> mls_conformance::Outcome, suites: &[u16]) {
    check_with_provider(name, checker, suites, Provider::Core)
}

/// Runs every case of `name` with the suites of `provider` on this thread.
fn check_with_provider(
    name: &str,
    checker: fn(&serde_json::Value) -> mls_conformance::Outcome,
    suites: &[u16],
    provider: Provider,
) {
    PROVIDER.set(provider);
    let path = default_vectors_dir().join(name);
    let rep = run_file(&path, checker).unwrap_or_else(|e| panic!("{e}"));
    assert!(rep.failures.is_empty(), "{name}: {:#?}", rep.failures);
    for (suite, t) in &rep.by_suite {
        // Suites 1–3 (and suite-less files) must run completely.
        if suite.is_none_or(|s| s <= 3) {
            assert_eq!(t.skipped, 0, "{name} suite {suite:?}: {} skipped", t.skipped);
            assert!(t.passed > 0, "{name} suite {suite:?}: nothing passed");
        }
    }
    for s in suites {
        assert!(rep.by_suite.contains_key(&Some(*s)), "{name}: no case for suite {s}");
    }
}

/// `name => file` checks suites 1–3; `name => file [suites]` the listed
/// ones (the files without a `cipher_suite` field take `[]`).
macro_rules! vector_tests {
    ($($fn:ident => $file:literal $([$($s:literal),*])?),* $(,)?) => {
        $( #[test] fn $fn() { check_file($file, vector_tests!(@suites $([$($s),*])?)) } )*
    };
    (@suites) => { &[1, 2, 3] };
    (@suites [$($s:literal),*]) => { &[$($s),*] };
}

/// Every file whose cases name a suite, again with suites 1 and 2 from
/// `mls-awslc`: its HPKE and P-256 on AWS-LC meet the same vectors.
#[test]
fn aws_lc_suites() {
    for (name, checker) in FILES {
        let Some(checker) = *checker else { continue };
        if matches!(*name, "tree-math.json" | "deserialization.json") {
            continue;
        }
        check_with_provider(name, checker, &[1], Provider::AwsLc);
    }
}

vector_tests! {
    tree_math => "tree-math.json" [],
    deserialization => "deserialization.json" [],
    crypto_basics => "crypto-basics.json",
    messages => "messages.json",
    secret_tree => "secret-tree.json",
    psk_secret => "psk_secret.json",
    key_schedule => "key-schedule.json",
    transcript_hashes => "transcript-hashes.json",
    message_protection => "message-protection.json",
    tree_validation => "tree-validation.json",
    tree_operations => "tree-operations.json" [1],
    treekem => "treekem.json",
    welcome => "welcome.json",
    passive_client_welcome => "passive-client-welcome.json",
    passive_client_handling_commit => "passive-client-handling-commit.json",
    passive_client_random => "passive-client-random.json" [1],
}

/// The passive-client cases again in `mls-std`'s growable memory, and
/// with the state moved between fixed and growable memory after the join
/// (save in one, restore in the other): one protocol code path, any memory.
mod growable {
    use super::check_with;
    use mls_conformance::files::passive_client::check_in;
    use mls_nostd::memory::Fixed;
    use mls_std::memory::Growable;

    type F = Fixed<256, 1024, 32768>;

    const FILES: [(&str, &[u16]); 3] = [
        ("passive-client-welcome.json", &[1, 2, 3]),
        ("passive-client-handling-commit.json", &[1, 2, 3]),
        ("passive-client-random.json", &[1]),
    ];

    #[test]
    fn passive_clients_in_growable_memory() {
        for (file, suites) in FILES {
            check_with(file, check_in::<Growable, Growable>, suites);
        }
    }

    #[test]
    fn passive_clients_moved_from_fixed_to_growable() {
        for (file, suites) in FILES {
            check_with(file, check_in::<F, Growable>, suites);
        }
    }

    #[test]
    fn passive_clients_moved_from_growable_to_fixed() {
        for (file, suites) in FILES {
            check_with(file, check_in::<Growable, F>, suites);
        }
    }
}
