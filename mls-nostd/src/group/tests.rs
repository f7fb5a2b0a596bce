//! Tests of the group lifecycle.

extern crate std;
use super::*;
use crate::crypto::Curve25519Aes128 as S;
use crate::memory::Fixed;
use rand_core::SeedableRng;

/// Saving and restoring gives back every field (keys, secrets, secret tree,
/// transcript, proposals, pending commit) after create, commit, process and
/// join; the tree-hash cache alone is not saved (it is rebuilt on use).
#[test]
fn restore_gives_back_the_same_group() {
    let mut rng = chacha20::ChaCha20Rng::from_seed([1; 32]);
    let (sk, _) = S.signature_key_pair(&mut rng);
    let template = crate::key_package::LeafTemplate {
        credential: crate::credential::Credential::Basic { identity: b"alice" },
        capabilities: crate::tree::Capabilities {
            versions: List::from_slice(&[1]),
            cipher_suites: List::from_slice(&[1]),
            extensions: List::empty(),
            proposals: List::empty(),
            credentials: List::from_slice(&[1]),
        },
        extensions: List::empty(),
    };
    let mut out = [0u8; 1024];
    let lifetime = crate::tree::Lifetime {
        not_before: 0,
        not_after: u64::MAX,
    };
    let (n, keys) = crate::key_package::generate(
        &S,
        &mut rng,
        sk.as_slice(),
        &template,
        lifetime,
        List::empty(),
        &mut out,
    )
    .unwrap();
    let mut g: std::boxed::Box<FixedGroup<S, 8, 512>> = std::boxed::Box::new(Group::new(S, GroupConfig::new()));
    g.create_from_key_package(b"g", &out[..n], &keys, sk.as_slice(), List::empty(), &mut rng)
        .unwrap();
    roundtrip(&g);
    // Bob joins.
    let (bsk, _) = S.signature_key_pair(&mut rng);
    let mut bkp = [0u8; 1024];
    let (bn, bkeys) = crate::key_package::generate(
        &S,
        &mut rng,
        bsk.as_slice(),
        &template,
        lifetime,
        List::empty(),
        &mut bkp,
    )
    .unwrap();
    let crate::framing::MlsMessage::KeyPackage(key_package) =
        crate::framing::MlsMessage::decode_exact(&bkp[..bn]).unwrap()
    else {
        panic!()
    };
    let adds = [crate::proposal::Proposal::Add { key_package }];
    let mut work = std::vec![0u8; 1 << 16];
    let o = g
        .commit(
            &CommitOptions {
                proposals: &adds,
                ..Default::default()
            },
            &(),
            crate::tree::Now::NoClock,
            &mut rng,
            &mut work,
        )
        .unwrap();
    let c = o.release_unsaved();
    let (commit, welcome) = (c.commit.to_vec(), c.welcome.unwrap().to_vec());
    roundtrip(&g);
    let mut buf = std::vec![0u8; commit.len()];
    g.process(&commit, &(), crate::tree::Now::NoClock, &mut buf).unwrap();
    roundtrip(&g);
    let mut b: std::boxed::Box<FixedGroup<S, 8, 512>> = std::boxed::Box::new(Group::new(S, GroupConfig::new()));
    let mut scratch = std::vec![0u8; 2 * welcome.len()];
    b.join(
        &welcome,
        &bkp[..bn],
        &bkeys,
        bsk.as_slice(),
        None,
        &(),
        crate::tree::Now::NoClock,
        &mut scratch,
    )
    .unwrap();
    roundtrip(&b);
}

/// Restores `g`'s saved state into a new group and compares them.
fn roundtrip(g: &FixedGroup<S, 8, 512>) {
    let mut saved = std::vec![0u8; g.saved_len()];
    g.save(&mut saved).unwrap();
    let mut h: std::boxed::Box<FixedGroup<S, 8, 512>> = std::boxed::Box::new(Group::new(S, GroupConfig::new()));
    h.restore(&saved).unwrap();
    // The tree's content and hash are the same; only the tree-hash cache,
    // which is not saved, may differ (it is rebuilt on use).
    let enc = |t: &crate::tree::RatchetTree<Fixed<8, 512>>| {
        let mut v = std::vec![0u8; t.encoded_len()];
        t.encode_to(&mut v).unwrap();
        v
    };
    assert_eq!(enc(&g.tree), enc(&h.tree), "tree");
    assert_eq!(
        g.tree.hash_of(&S, g.tree.root()),
        h.tree.hash_of(&S, h.tree.root()),
        "tree hash"
    );
    assert!(g.keys == h.keys, "keys");
    assert!(g.signature_key == h.signature_key, "signature key");
    assert!(g.secrets == h.secrets, "secrets");
    assert!(g.secret_tree == h.secret_tree, "secret tree");
    assert!(g.past == h.past, "past");
    assert!(g.proposals == h.proposals, "proposals");
    assert!(g.pending == h.pending, "pending");
    assert!(g.pending_update == h.pending_update, "pending update");
    assert!(g.version == h.version, "version");
    assert!(
        g.group_id == h.group_id && g.epoch == h.epoch && g.extensions == h.extensions,
        "context"
    );
    assert!(
        g.confirmed_transcript_hash == h.confirmed_transcript_hash
            && g.interim_transcript_hash == h.interim_transcript_hash
            && g.confirmation_tag == h.confirmation_tag,
        "transcript"
    );
    assert!(g.own == h.own && g.status == h.status, "own");
}
