//! Mixed groups of `mls-nostd`, the `mls-std` Client, OpenMLS and mls-rs in
//! one process, for the scenarios of the MLS interop suite, cipher suites 1
//! to 3, both directions. Only MLS wire bytes cross between implementations; after
//! every epoch all members must report the same epoch, epoch authenticator
//! and exporter output.
//!
//! `cargo test -p mls-interop -- --nocapture` prints the table of runs; it
//! is also written to `target/tmp/interop.md`.

mod common;

use common::{Commit, Member, Mixed, Propose};
use mls_nostd::crypto::{CipherSuite, Curve25519Aes128, Curve25519ChaCha, P256Aes128};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Makes a member of one implementation for one suite.
type Make = fn(&str, u16) -> Box<dyn Member>;

fn ours(name: &str, suite: u16) -> Box<dyn Member> {
    match suite {
        1 => common::ours::OursMember::<Curve25519Aes128>::boxed(name),
        2 => common::ours::OursMember::<P256Aes128>::boxed(name),
        _ => common::ours::OursMember::<Curve25519ChaCha>::boxed(name),
    }
}

const OURS: (&str, Make) = ("mls-nostd", ours);
/// The `mls-std` Client, over the same core.
const CLIENT: (&str, Make) = ("mls-std Client", common::client::boxed);
const PEERS: [(&str, Make); 2] = [
    ("OpenMLS", common::peer_openmls::OpenMls::boxed),
    ("mls-rs", common::mls_rs::boxed),
];
const SUITES: [u16; 3] = [Curve25519Aes128::ID, P256Aes128::ID, Curve25519ChaCha::ID];

/// `a` creates a group and adds a member of `b` by its Welcome.
fn pair(a: Make, b: Make, suite: u16) -> Result<Mixed, String> {
    let mut g = Mixed::new(a("a0", suite), b"interop group");
    g.add(0, b("b0", suite))?;
    Ok(g)
}

/// welcome_join: each creates a group and the other joins from its Welcome.
fn welcome_join(a: Make, b: Make, suite: u16) -> Result<usize, String> {
    Ok(pair(a, b, suite)?.epochs)
}

/// application: every member sends with AAD and every other decrypts.
fn application(a: Make, b: Make, suite: u16) -> Result<usize, String> {
    let mut g = pair(a, b, suite)?;
    g.talk()?;
    g.talk()?;
    Ok(g.epochs)
}

/// commit: adds, updates and removes, by value and by reference, committed
/// by `a`'s member, with and without a path where `a` allows choosing.
fn commit(a: Make, b: Make, suite: u16) -> Result<usize, String> {
    let mut g = pair(a, b, suite)?;
    // Position 0 is a's, position 1 is b's.
    // Add by value, without a path where a chooses.
    let mut c = b("b1", suite);
    let kp = c.key_package();
    g.commit(
        0,
        &Commit {
            adds: vec![kp],
            no_path: true,
            ..Default::default()
        },
        vec![c],
    )?;
    g.talk()?;
    // Update by value: a commits with a path (its own update).
    g.commit(0, &Commit::default(), vec![])?;
    // Update by reference: b proposes, a commits.
    g.propose(1, &Propose::Update)?;
    g.commit(0, &Commit::default(), vec![])?;
    // Add by reference: b proposes, a commits.
    let mut d = a("a1", suite);
    let kp = d.key_package();
    g.propose(1, &Propose::Add(kp))?;
    g.commit(0, &Commit::default(), vec![d])?;
    g.talk()?;
    // Remove by reference: b proposes removing b1, a commits.
    let b1 = g.members[2].leaf();
    g.propose(1, &Propose::Remove(b1))?;
    g.commit(0, &Commit::default(), vec![])?;
    // Remove by value: a removes a1.
    let a1 = g.members.last().map(|m| m.leaf()).ok_or("no member")?;
    g.commit(
        0,
        &Commit {
            removes: vec![a1],
            ..Default::default()
        },
        vec![],
    )?;
    // And b commits once too.
    g.commit(1, &Commit::default(), vec![])?;
    g.talk()?;
    Ok(g.epochs)
}

/// external_join: a member of `b` joins by external commit from a GroupInfo
/// of `a`'s member, then a member of `a` joins from one of `b`'s.
fn external_join(a: Make, b: Make, suite: u16) -> Result<usize, String> {
    let mut g = pair(a, b, suite)?;
    g.external_join(0, b("b1", suite))?;
    g.talk()?;
    g.external_join(1, a("a1", suite))?;
    g.talk()?;
    g.commit(0, &Commit::default(), vec![])?;
    Ok(g.epochs)
}

/// external_proposals: in a group of `a`'s creation with an external
/// sender, the sender (whose proposals OpenMLS signs) proposes to add a
/// member of `b` and to remove one; members of each commit them by
/// reference.
fn external_proposals(a: Make, b: Make, suite: u16) -> Result<usize, String> {
    let ds = common::peer_openmls::ExternalSenderKey::new(suite);
    let group_id = b"interop: external proposals";
    let mut g = Mixed::with_external_sender(a("a0", suite), group_id, &ds.public_key(), &ds.identity);
    g.add(0, b("b0", suite))?;
    // External Add of a member of b, committed by a's member.
    let mut c = b("b1", suite);
    let kp = c.key_package();
    let epoch = g.members[0].state().0;
    g.deliver_external(&ds.add(group_id, epoch, &kp))?;
    g.commit(0, &Commit::default(), vec![c])?;
    g.talk()?;
    // External Remove of that member, committed by b's first member.
    let victim = g.members[2].leaf();
    let epoch = g.members[0].state().0;
    g.deliver_external(&ds.remove(group_id, epoch, victim))?;
    g.commit(1, &Commit::default(), vec![])?;
    if g.members.len() != 2 {
        return Err(format!("{} members after the external Remove, not 2", g.members.len()));
    }
    g.talk()?;
    Ok(g.epochs)
}

/// deep_random: `epochs` epochs of random operations by random members of
/// a group with members of each implementation in `makes`; `a` creates it.
fn deep_random(a: Make, makes: &[Make], suite: u16, epochs: usize, seed: u64) -> Result<usize, String> {
    let mut g = Mixed::new(a("r0", suite), b"deep random");
    let mut rng = seed;
    let mut next = move |n: usize| {
        // xorshift64*: deterministic, so a failure can be replayed.
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        (rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    };
    let mut named = 1;
    // Start with one member of each implementation.
    for make in makes {
        g.add(0, make(&format!("r{named}"), suite))?;
        named += 1;
    }
    while g.epochs < epochs {
        let n = g.members.len();
        let by = next(n);
        match next(6) {
            0 if n < 10 => {
                let make = makes[next(makes.len())];
                g.add(by, make(&format!("r{named}"), suite))?;
                named += 1;
            }
            1 if n > 3 => {
                let victim = (by + 1 + next(n - 1)) % n;
                let leaf = g.members[victim].leaf();
                g.commit(
                    by,
                    &Commit {
                        removes: vec![leaf],
                        ..Default::default()
                    },
                    vec![],
                )?;
            }
            2 if n > 1 => {
                let proposer = (by + 1 + next(n - 1)) % n;
                g.propose(proposer, &Propose::Update)?;
                g.commit(by, &Commit::default(), vec![])?;
            }
            3 => g.talk()?,
            _ => g.commit(by, &Commit::default(), vec![])?,
        }
    }
    g.talk()?;
    Ok(g.epochs)
}

/// What the table's rows leave out, and why.
const NOTES: &str = "
Notes:
- mls-std Client rows: the Client (`mls_std::client::Client`, Basic credential, MemoryStorage, \
handshakes as PrivateMessage, the tree in the Welcome) through its public API only.
- branch and reinit have no mls-std Client rows: both need a resumption PSK (§8.6), which the \
Client does not expose (no PSK store, no branch or reinit call). They are not faked.
- external_proposals, mls-std Client → peer: the Client creates the group with the \
external_senders extension (create_group_with_extensions) and commits the external Add, the \
peer the external Remove; peer → mls-std Client: the other way round.
- commit: the Client always commits with a path (no_path is not its user's choice).
";

/// One row of the table.
struct Run {
    scenario: &'static str,
    peer: &'static str,
    suite: u16,
    direction: &'static str,
    result: Result<usize, String>,
}

fn run(f: impl FnOnce() -> Result<usize, String>) -> Result<usize, String> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => Err(p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".into())),
    }
}

/// A two-party scenario for one suite.
type Pairwise = fn() -> Result<usize, String>;

type Scenario = (&'static str, fn(Make, Make, u16) -> Result<usize, String>);

#[test]
fn interop_table() {
    let scenarios: [Scenario; 5] = [
        ("welcome_join", welcome_join),
        ("application", application),
        ("commit", commit),
        ("external_join", external_join),
        ("external_proposals", external_proposals),
    ];
    let mut runs = Vec::new();
    for (scenario, f) in scenarios {
        for (peer, make) in PEERS {
            for suite in SUITES {
                for (direction, a, b) in [("mls-nostd → peer", OURS.1, make), ("peer → mls-nostd", make, OURS.1)] {
                    runs.push(Run {
                        scenario,
                        peer,
                        suite,
                        direction,
                        result: run(|| f(a, b, suite)),
                    });
                }
            }
        }
    }
    for suite in SUITES {
        use common::resumption::{ours_branches, ours_reinits, peer_branches, peer_reinits};
        let pairs: [(&str, Pairwise, Pairwise); 2] = match suite {
            1 => [
                (
                    "branch",
                    ours_branches::<Curve25519Aes128>,
                    peer_branches::<Curve25519Aes128>,
                ),
                (
                    "reinit",
                    ours_reinits::<Curve25519Aes128>,
                    peer_reinits::<Curve25519Aes128>,
                ),
            ],
            2 => [
                ("branch", ours_branches::<P256Aes128>, peer_branches::<P256Aes128>),
                ("reinit", ours_reinits::<P256Aes128>, peer_reinits::<P256Aes128>),
            ],
            _ => [
                (
                    "branch",
                    ours_branches::<Curve25519ChaCha>,
                    peer_branches::<Curve25519ChaCha>,
                ),
                (
                    "reinit",
                    ours_reinits::<Curve25519ChaCha>,
                    peer_reinits::<Curve25519ChaCha>,
                ),
            ],
        };
        for (scenario, ours_first, peer_first) in pairs {
            for (direction, f) in [("mls-nostd → peer", ours_first), ("peer → mls-nostd", peer_first)] {
                runs.push(Run {
                    scenario,
                    peer: "mls-rs",
                    suite,
                    direction,
                    result: run(f),
                });
            }
        }
    }
    let three: Vec<Make> = std::iter::once(OURS.1).chain(PEERS.iter().map(|p| p.1)).collect();
    for suite in SUITES {
        for (i, (who, make)) in std::iter::once(OURS).chain(PEERS).enumerate() {
            runs.push(Run {
                scenario: "deep_random",
                peer: "all three",
                suite,
                direction: who,
                result: run(|| deep_random(make, &three, suite, 100, 0x9e37_79b9 + i as u64 + 16 * u64::from(suite))),
            });
        }
    }

    // The mls-std Client, against each peer in both directions.
    let client_scenarios: [Scenario; 4] = [
        ("welcome_join", welcome_join),
        ("application", application),
        ("commit", commit),
        ("external_join", external_join),
    ];
    let (client_first, peer_first) = ("mls-std Client → peer", "peer → mls-std Client");
    for (scenario, f) in client_scenarios {
        for (peer, make) in PEERS {
            for suite in SUITES {
                for (direction, a, b) in [(client_first, CLIENT.1, make), (peer_first, make, CLIENT.1)] {
                    runs.push(Run {
                        scenario,
                        peer,
                        suite,
                        direction,
                        result: run(|| f(a, b, suite)),
                    });
                }
            }
        }
    }
    for (peer, make) in PEERS {
        for suite in SUITES {
            type Case = (&'static str, fn(Make, Make, u16) -> Result<usize, String>, Make, Make);
            let cases: [Case; 2] = [
                (client_first, external_proposals, CLIENT.1, make),
                (peer_first, external_proposals, make, CLIENT.1),
            ];
            for (direction, f, a, b) in cases {
                let scenario = "external_proposals";
                runs.push(Run {
                    scenario,
                    peer,
                    suite,
                    direction,
                    result: run(|| f(a, b, suite)),
                });
            }
        }
    }
    let four: Vec<Make> = [OURS, CLIENT].iter().chain(PEERS.iter()).map(|p| p.1).collect();
    for suite in SUITES {
        for (i, (who, make)) in [CLIENT, OURS].into_iter().chain(PEERS).enumerate() {
            let seed = 0x7f4a_7c15 + i as u64 + 16 * u64::from(suite);
            runs.push(Run {
                scenario: "deep_random",
                peer: "all four (with the Client)",
                suite,
                direction: who,
                result: run(|| deep_random(make, &four, suite, 100, seed)),
            });
        }
    }

    let mut table = String::from(
        "| scenario | peer | suite | direction (creator → joiner; committer) | result | epochs checked |\n|---|---|---:|---|---|---:|\n",
    );
    for r in &runs {
        let (result, epochs) = match &r.result {
            Ok(e) => ("passed".to_string(), e.to_string()),
            Err(e) => (format!("FAILED: {e}"), String::new()),
        };
        table.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            r.scenario, r.peer, r.suite, r.direction, result, epochs
        ));
    }
    table.push_str(NOTES);
    let failed = runs.iter().filter(|r| r.result.is_err()).count();
    table.push_str(&format!("\n{} passed, {failed} failed\n", runs.len() - failed));
    println!("{table}");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::write(dir.join("interop.md"), &table).expect("write the table");
    assert_eq!(failed, 0, "interop runs failed:\n{table}");
}
