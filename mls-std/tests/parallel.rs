//! The core's jobs give the same bytes on rayon's pool as in turn: two
//! copies of one 41-member group, one running its jobs on [`RAYON`] and one
//! in turn, make the same commit from the same randomness (40 HPKE
//! encryptions), and a member joining on the pool accepts the tree.

use chacha20::ChaCha20Rng;
use mls_nostd::codec::List;
use mls_nostd::credential::Credential;
use mls_nostd::crypto::{CipherSuite, Curve25519Aes128, SignaturePrivateKey};
use mls_nostd::group::{CommitOptions, Group, GroupConfig, KeyPackageKeys};
use mls_nostd::key_package::{KeyPackage, LeafTemplate, generate};
use mls_nostd::proposal::Proposal;
use mls_nostd::tree::{Capabilities, Lifetime, Now};
use mls_std::memory::Growable;
use mls_std::parallel::RAYON;
use rand_core::SeedableRng;

type G = Group<Curve25519Aes128, Growable>;
const SUITE: Curve25519Aes128 = Curve25519Aes128;

fn key_package(name: &[u8], rng: &mut ChaCha20Rng) -> (Vec<u8>, KeyPackageKeys, SignaturePrivateKey) {
    let (sk, _) = SUITE.signature_key_pair(rng);
    let template = LeafTemplate {
        credential: Credential::Basic { identity: name },
        capabilities: Capabilities {
            versions: List::from_slice(&[1]),
            cipher_suites: List::from_slice(&[1]),
            extensions: List::empty(),
            proposals: List::empty(),
            credentials: List::from_slice(&[1]),
        },
        extensions: List::empty(),
    };
    let lifetime = Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    };
    let mut out = vec![0u8; 1024];
    let (n, keys) = generate(&SUITE, rng, sk.as_slice(), &template, lifetime, List::empty(), &mut out).unwrap();
    out.truncate(n);
    (out, keys, sk)
}

/// Commits with `options` and applies the commit; returns it and the Welcome.
fn commit(g: &mut G, options: &CommitOptions<'_>, rng: &mut ChaCha20Rng) -> (Vec<u8>, Option<Vec<u8>>) {
    let mut work = vec![0u8; 1 << 20];
    let out = g
        .commit(options, &(), Now::NoClock, rng, &mut work)
        .unwrap()
        .release_unsaved();
    let (c, w) = (out.commit.to_vec(), out.welcome.map(<[u8]>::to_vec));
    let mut buf = vec![0u8; c.len()];
    g.process(&c, &(), Now::NoClock, &mut buf).unwrap();
    (c, w)
}

#[test]
fn rayon_and_sequential_make_the_same_commit() {
    let mut rng = ChaCha20Rng::from_seed([7; 32]);
    let (kp, keys, sk) = key_package(b"alice", &mut rng);
    let mut alice = G::new_in(SUITE, GroupConfig::new(), ());
    alice
        .create_from_key_package(b"group", &kp, &keys, sk.as_slice(), List::empty(), &mut rng)
        .unwrap();
    let members: Vec<_> = (0..40)
        .map(|i| key_package(format!("m{i}").as_bytes(), &mut rng))
        .collect();
    let adds: Vec<Proposal<'_>> = members
        .iter()
        .map(|(kp, ..)| Proposal::Add {
            key_package: KeyPackage::decode_message(kp).unwrap(),
        })
        .collect();
    let options = CommitOptions {
        proposals: &adds,
        ..Default::default()
    };
    let (_, welcome) = commit(&mut alice, &options, &mut rng);

    let mut saved = vec![0u8; alice.saved_len()];
    alice.save(&mut saved).unwrap();
    let mut copies = [
        G::new_in(SUITE, GroupConfig::new(), ()),
        G::new_in(SUITE, GroupConfig::new(), ()),
    ];
    copies[1].set_parallel(Some(&RAYON));
    let commits: Vec<Vec<u8>> = copies
        .iter_mut()
        .map(|g| {
            g.restore(&saved).unwrap();
            commit(g, &CommitOptions::default(), &mut ChaCha20Rng::from_seed([9; 32])).0
        })
        .collect();
    assert_eq!(commits[0], commits[1]);
    assert!(commits[0].len() > 40 * 80, "the commit encrypts to every other member");

    let (kp, keys, sk) = &members[17];
    let mut joiner = G::new_in(SUITE, GroupConfig::new(), ());
    joiner.set_parallel(Some(&RAYON));
    let welcome = welcome.unwrap();
    let mut scratch = vec![0u8; 2 * welcome.len()];
    joiner
        .join(&welcome, kp, keys, sk.as_slice(), None, &(), Now::NoClock, &mut scratch)
        .unwrap();
    let mut buf = vec![0u8; commits[1].len()];
    joiner.process(&commits[1], &(), Now::NoClock, &mut buf).unwrap();
    assert_eq!(joiner.epoch_authenticator(), copies[1].epoch_authenticator());
}
