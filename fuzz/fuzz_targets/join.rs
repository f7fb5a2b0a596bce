//! Joining (RFC 9420 §12.4.3): Dave joins by Welcome, Erin by external
//! commit. The first byte picks the mode:
//!
//! 0. the rest is the Welcome, the tree inline;
//! 1. the rest is the Welcome, the group's real tree out of band;
//! 2. the real Welcome without a tree, the rest is the tree out of band;
//! 3. the rest is a GroupInfoTBS, signed by Alice, sealed with the real
//!    joiner secret into a Welcome whose GroupSecrets are encrypted to
//!    Dave's real init key (an insider's Welcome), the tree inline;
//! 4. as 3 with the joiner secret of the Welcome without a tree, and that
//!    epoch's real tree out of band;
//! 5. the rest is a GroupInfoTBS, signed by Alice: Erin joins by external
//!    commit;
//! 6. the rest is the GroupInfo Erin joins by.
//!
//! Invariants: no panic; a join that fails leaves the group empty, as it
//! was.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mls_fuzz_fixture::{G, NOW, SUITE, Suite, empty, encode, save, template, untouched, welcome_key, world};
use mls_nostd::codec::{Decode, List, Reader, Writer};
use mls_nostd::crypto::CipherSuite;
use mls_nostd::crypto::labels::{encrypt_context_len, encrypt_with_label, sign_with_label};
use mls_nostd::extension::Extension;
use mls_nostd::group::{ExternalJoin, HandshakeFormat};
use mls_nostd::group_context::GroupContext;
use mls_nostd::key_package::KeyPackage;
use mls_nostd::treekem::HpkeCiphertext;
use mls_nostd::welcome::{EncryptedGroupSecrets, GroupSecrets};

/// `MLSMessage(GroupInfo)` of `tbs` signed by Alice, if `tbs` is a GroupInfoTBS.
fn signed_group_info(tbs: &[u8]) -> Option<Vec<u8>> {
    let mut r = Reader::new(tbs);
    GroupContext::decode(&mut r).ok()?;
    List::<Extension<'_>>::decode(&mut r).ok()?;
    r.vec_bytes().ok()?;
    r.u32().ok()?;
    r.finish().ok()?;
    let sig = sign_with_label(&SUITE, world().alice_sk.as_slice(), b"GroupInfoTBS", &[tbs]).ok()?;
    let mut out = vec![0u8; tbs.len() + sig.as_slice().len() + 16];
    let mut w = Writer::new(&mut out);
    w.u16(mls_nostd::MLS10);
    w.u16(4); // mls_group_info
    w.put(tbs);
    w.vec_bytes(sig.as_slice());
    let n = w.finish().ok()?;
    out.truncate(n);
    Some(out)
}

/// A Welcome to Dave carrying `group_info` (an `MLSMessage(GroupInfo)`),
/// sealed as the committer would.
fn insider_welcome(group_info: &[u8], joiner_secret: &[u8]) -> Option<Vec<u8>> {
    let w = world();
    let mut rng = mls_fuzz_fixture::rng();
    let mut gi = group_info.get(4..)?.to_vec();
    let (key, nonce) = welcome_key(joiner_secret);
    let tag = SUITE.aead_seal(key.as_slice(), &nonce, &[], &mut gi).ok()?;
    gi.extend_from_slice(tag.as_slice());
    let secrets = GroupSecrets {
        joiner_secret,
        path_secret: None,
        psks: List::empty(),
    };
    let mut gs = encode(&secrets);
    let kp = KeyPackage::decode_message(&w.dave.key_package).ok()?;
    let mut scratch = vec![0u8; encrypt_context_len(b"Welcome", &gi)];
    let (kem, tag) = encrypt_with_label(&SUITE, kp.init_key, b"Welcome", &gi, &mut scratch, &mut gs, &mut rng).ok()?;
    gs.extend_from_slice(tag.as_slice());
    let reference = kp.reference(&SUITE);
    let egs = EncryptedGroupSecrets {
        new_member: reference.as_slice(),
        encrypted_group_secrets: HpkeCiphertext {
            kem_output: kem.as_slice(),
            ciphertext: &gs,
        },
    };
    let egs = encode(&egs);
    let mut out = vec![0u8; egs.len() + gi.len() + 32];
    let mut wr = Writer::new(&mut out);
    wr.u16(mls_nostd::MLS10);
    wr.u16(3); // mls_welcome
    wr.u16(Suite::ID);
    wr.vec_bytes(&egs);
    wr.vec_bytes(&gi);
    let n = wr.finish().ok()?;
    out.truncate(n);
    Some(out)
}

fn join(g: &mut G, welcome: &[u8], tree: Option<&[u8]>) {
    let w = world();
    let before = save(g);
    let mut scratch = vec![0u8; 2 * welcome.len()];
    let d = &w.dave;
    let r = g.join(
        welcome,
        &d.key_package,
        &d.keys,
        d.sk.as_slice(),
        tree,
        &(),
        NOW,
        &mut scratch,
    );
    untouched(g, &before, &r);
}

fn join_external(g: &mut G, group_info: &[u8]) {
    let w = world();
    let before = save(g);
    let join = ExternalJoin {
        group_info,
        ratchet_tree: None,
        template: template(b"erin"),
        signature_key: w.erin.sk.as_slice(),
        resync: None,
        authenticated_data: b"",
    };
    let mut work = vec![0u8; 1 << 16];
    let r = g.join_external(&join, NOW, &mut mls_fuzz_fixture::rng(), &mut work);
    untouched(g, &before, &r);
}

fuzz_target!(|input: &[u8]| {
    let Some((&mode, data)) = input.split_first() else {
        return;
    };
    let w = world();
    let mut g = empty(HandshakeFormat::Public);
    match mode % 7 {
        0 => join(&mut g, data, None),
        1 => join(&mut g, data, Some(&w.tree)),
        2 => join(&mut g, &w.welcome_bare, Some(data)),
        m @ (3 | 4) => {
            let joiner = if m == 3 {
                &w.joiner_secret
            } else {
                &w.joiner_secret_bare
            };
            let Some(welcome) = signed_group_info(data).and_then(|gi| insider_welcome(&gi, joiner)) else {
                return;
            };
            join(&mut g, &welcome, (m == 4).then_some(w.tree.as_slice()));
        }
        5 => {
            if let Some(gi) = signed_group_info(data) {
                join_external(&mut g, &gi);
            }
        }
        _ => join_external(&mut g, data),
    }
});
