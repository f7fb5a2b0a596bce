//! Regression tests of what fuzzing found (`fuzz/` in the repository):
//! counters that could overflow on input, and saved states that restored
//! although corrupted.

extern crate std;
use super::*;
use crate::crypto::Curve25519Aes128 as S;
use crate::crypto::labels::sign_with_label;
use crate::framing::MlsMessage;
use crate::key_package::{KeyPackage, LeafTemplate};
use crate::welcome::GroupInfo;
use chacha20::ChaCha20Rng;
use rand_core::SeedableRng;
use std::{boxed::Box, vec, vec::Vec};

type G = FixedGroup<S, 8, 512>;

fn template(name: &'static [u8]) -> LeafTemplate<'static> {
    LeafTemplate {
        credential: crate::credential::Credential::Basic { identity: name },
        capabilities: crate::tree::Capabilities {
            versions: List::from_slice(&[1]),
            cipher_suites: List::from_slice(&[1]),
            extensions: List::empty(),
            proposals: List::empty(),
            credentials: List::from_slice(&[1]),
        },
        extensions: List::empty(),
    }
}

struct Member {
    sk: SignaturePrivateKey,
    kp: Vec<u8>,
    keys: KeyPackageKeys,
}

fn member(name: &'static [u8], rng: &mut ChaCha20Rng) -> Member {
    let (sk, _) = S.signature_key_pair(rng);
    let lifetime = crate::tree::Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    };
    let mut kp = vec![0u8; 1024];
    let (n, keys) = crate::key_package::generate(
        &S,
        rng,
        sk.as_slice(),
        &template(name),
        lifetime,
        List::empty(),
        &mut kp,
    )
    .unwrap();
    kp.truncate(n);
    Member { sk, kp, keys }
}

fn empty() -> Box<G> {
    Box::new(Group::new(S, GroupConfig::new()))
}

fn save(g: &G) -> Vec<u8> {
    let mut v = vec![0u8; g.saved_len()];
    g.save(&mut v).unwrap();
    v
}

/// Alice and Bob in a group at epoch 1, Alice's signature key, and a
/// commit of Alice's (epoch 1 to 2) that Bob has not processed.
fn pair(rng: &mut ChaCha20Rng) -> (Box<G>, Box<G>, SignaturePrivateKey, Vec<u8>) {
    let (a, b) = (member(b"alice", rng), member(b"bob", rng));
    let mut alice = empty();
    alice
        .create_from_key_package(b"g", &a.kp, &a.keys, a.sk.as_slice(), List::empty(), rng)
        .unwrap();
    let add = [crate::proposal::Proposal::Add {
        key_package: KeyPackage::decode_message(&b.kp).unwrap(),
    }];
    let options = CommitOptions {
        proposals: &add,
        ..Default::default()
    };
    let mut work = vec![0u8; 1 << 16];
    let out = alice
        .commit(&options, &(), Now::NoClock, rng, &mut work)
        .unwrap()
        .release_unsaved();
    let (commit, welcome) = (out.commit.to_vec(), out.welcome.unwrap().to_vec());
    let mut buf = vec![0u8; commit.len()];
    alice.process(&commit, &(), Now::NoClock, &mut buf).unwrap();
    let mut bob = empty();
    let mut scratch = vec![0u8; 2 * welcome.len()];
    bob.join(
        &welcome,
        &b.kp,
        &b.keys,
        b.sk.as_slice(),
        None,
        &(),
        Now::NoClock,
        &mut scratch,
    )
    .unwrap();
    let mut other = alice.clone_via_save();
    let out = other
        .commit(&CommitOptions::default(), &(), Now::NoClock, rng, &mut work)
        .unwrap()
        .release_unsaved();
    (alice, bob, a.sk, out.commit.to_vec())
}

impl G {
    fn clone_via_save(&self) -> Box<G> {
        let mut g = empty();
        g.restore(&save(self)).unwrap();
        g
    }
}

/// A GroupInfo whose epoch is 2^64 - 1, validly signed by a member of the
/// tree it carries: an external join is refused with a typed error (it
/// panicked on `epoch + 1`, or wrapped to epoch 0 in a release build).
#[test]
fn external_join_from_the_last_epoch_is_refused() {
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    let (mut alice, _, alice_sk, _) = pair(&mut rng);
    let mut gi = vec![0u8; 4096];
    let n = alice.group_info(true, &mut gi).unwrap();
    let Ok(MlsMessage::GroupInfo(info)) = MlsMessage::decode_exact(&gi[..n]) else {
        panic!("group info")
    };
    let last = GroupInfo {
        group_context: crate::group_context::GroupContext {
            epoch: u64::MAX,
            ..info.group_context
        },
        ..info
    };
    let mut tbs = vec![0u8; 4096];
    let mut w = crate::codec::Writer::new(&mut tbs);
    last.encode_content(&mut w);
    let len = w.finish().unwrap();
    let sig = sign_with_label(&S, alice_sk.as_slice(), b"GroupInfoTBS", &[&tbs[..len]]).unwrap();
    let signed = GroupInfo {
        signature: sig.as_slice(),
        ..last
    };
    let mut bytes = vec![0u8; signed.encoded_len()];
    signed.encode_to(&mut bytes).unwrap();

    let erin = member(b"erin", &mut rng);
    let mut g = empty();
    let before = save(&g);
    let join = ExternalJoin {
        group_info: &bytes,
        ratchet_tree: None,
        template: template(b"erin"),
        signature_key: erin.sk.as_slice(),
        resync: None,
        authenticated_data: b"",
    };
    let mut work = vec![0u8; 1 << 16];
    let r = g.join_external(&join, Now::NoClock, &mut rng, &mut work);
    assert_eq!(r.err(), Some(Error::EpochsExhausted));
    assert_eq!(save(&g), before);
}

/// A member in the last epoch neither commits nor applies a commit; it
/// still sends, and its state is unchanged by the refusals.
#[test]
fn the_last_epoch_cannot_be_left() {
    let mut rng = ChaCha20Rng::from_seed([4; 32]);
    let (mut alice, mut bob, _, commit) = pair(&mut rng);
    bob.epoch = u64::MAX;
    let before = save(&bob);
    let mut work = vec![0u8; 1 << 16];
    let r = bob.commit(&CommitOptions::default(), &(), Now::NoClock, &mut rng, &mut work);
    assert_eq!(r.err(), Some(Error::EpochsExhausted));
    assert_eq!(save(&bob), before);
    // Alice's commit, re-made for epoch 2^64 - 1.
    alice.epoch = u64::MAX;
    let out = alice
        .commit(&CommitOptions::default(), &(), Now::NoClock, &mut rng, &mut work)
        .err();
    assert_eq!(out, Some(Error::EpochsExhausted));
    let mut buf = vec![0u8; commit.len()];
    // A commit of epoch 1 is refused by a member at the last epoch, unchanged.
    assert!(bob.process(&commit, &(), Now::NoClock, &mut buf).is_err());
    assert_eq!(save(&bob), before);
    let mut out = vec![0u8; 1024];
    assert!(bob.send(b"still here", b"", &mut rng, &mut out).is_ok());
}

/// Every single flipped bit of a saved state is caught by the integrity
/// hash, and the group stays empty.
#[test]
fn a_flipped_bit_in_a_saved_state_is_detected() {
    let mut rng = ChaCha20Rng::from_seed([5; 32]);
    let (_, bob, _, _) = pair(&mut rng);
    let saved = save(&bob);
    let mut g = empty();
    let blank = save(&g);
    for i in 0..saved.len() * 8 {
        let mut bad = saved.clone();
        bad[i / 8] ^= 1 << (i % 8);
        let r = g.restore(&bad);
        assert!(matches!(r, Err(Error::CorruptState { .. })), "bit {i}: {r:?}");
        assert_eq!(save(&g), blank);
    }
    g.restore(&saved).unwrap();
    assert_eq!(save(&g), saved);
}

/// States with a valid integrity hash that no group can be in (what the
/// fuzzer's mutated states held) are refused; each of them made a later
/// commit or process panic before.
#[test]
fn inconsistent_states_are_refused() {
    let mut rng = ChaCha20Rng::from_seed([6; 32]);
    let (_, bob, _, _) = pair(&mut rng);
    type Corruption = (&'static str, fn(&mut G));
    let cases: [Corruption; 6] = [
        ("own leaf outside the tree", |g| g.own = 1791),
        ("path keys of a leaf outside the tree", |g| {
            g.keys = crate::treekem::PathKeys::new(0xFFFF_FFFC, g.keys.leaf_key()).unwrap();
        }),
        ("save counter that cannot advance", |g| g.version = u64::MAX),
        ("past epoch not before the current", |g| {
            g.past[0].epoch = Some(u64::MAX);
        }),
        ("secret of the wrong length", |g| {
            g.secrets.init_secret = crate::crypto::Secret::from_slice(&[1; 16]).unwrap();
        }),
        ("signature key of another member", |g| {
            let (sk, _) = S.signature_key_pair(&mut ChaCha20Rng::from_seed([7; 32]));
            g.signature_key = sk;
        }),
    ];
    for (what, corrupt) in cases {
        let mut bad = bob.clone_via_save();
        corrupt(&mut bad);
        let saved = save(&bad);
        let mut g = empty();
        let r = g.restore(&saved);
        assert!(matches!(r, Err(Error::CorruptState { .. })), "{what}: {r:?}");
        assert_eq!(g.status(), Status::Empty, "{what}");
    }
}

/// A state saved before format 2 (no integrity hash) still restores, with
/// the consistency checks, and saves back in format 2.
#[test]
fn a_format_1_state_restores() {
    let mut rng = ChaCha20Rng::from_seed([8; 32]);
    let (_, bob, _, _) = pair(&mut rng);
    let saved = save(&bob);
    let mut old = saved[..saved.len() - 32].to_vec();
    assert_eq!(old[16], 2, "the format byte");
    old[16] = 1;
    let mut g = empty();
    g.restore(&old).unwrap();
    assert_eq!(save(&g), saved);
    // Inconsistent format-1 states are refused all the same.
    let mut bad = bob.clone_via_save();
    bad.own = 1791;
    let mut old = save(&bad);
    old.truncate(old.len() - 32);
    old[16] = 1;
    assert!(matches!(g.restore(&old), Err(Error::CorruptState { .. })));
}
