//! A member refuses every malformed or unauthorised handshake message with
//! an error, and its state is exactly what it was: `save()` gives the same
//! bytes before and after.
//!
//! Each bad message is built from a valid one by changing exactly one
//! thing. Forged PublicMessages are signed and MACed by Mallory, a real
//! member of the group whose device the attacker controls: her signature
//! key is the test's, and her membership key is read from her own saved
//! state (located by the public epoch authenticator and checked against
//! the public resumption PSK and exporter). Before the bad variants, the
//! same pipeline re-signs and re-MACs the unmodified content and a copy of
//! the victim accepts it: so each refusal comes from the one change.

mod common;

use chacha20::ChaCha20Rng;
use common::{
    Client, G, NOW, add, capabilities, encode, event, private, save, saved_epoch_authenticator, template,
    two_member_group,
};
use mls_nostd::Error;
use mls_nostd::codec::{Decode, List};
use mls_nostd::commit::{Commit, ProposalOrRef};
use mls_nostd::crypto::labels::{decrypt_with_label, encrypt_context_len, encrypt_with_label};
use mls_nostd::crypto::{
    AEAD_TAG_LEN, CipherSuite, Curve25519Aes128, Curve25519ChaCha, HashOutput, P256Aes128, Signature,
};
use mls_nostd::framing::{
    Content, FramedContent, FramedContentAuthData, MlsMessage, PrivateMessage, PublicMessage, Sender, membership_tag,
    protect_public,
};
use mls_nostd::group::{CommitOptions, FixedGroup, Group, GroupConfig, HandshakeFormat, KeyPackageKeys, Status};
use mls_nostd::key_package::KeyPackage;
use mls_nostd::key_schedule::{welcome_key_nonce, welcome_secret};
use mls_nostd::proposal::Proposal;
use mls_nostd::tree::{LeafNode, LeafNodeSource, TreeRead, sign_leaf_node};
use mls_nostd::treekem::{HpkeCiphertext, UpdatePath};
use mls_nostd::welcome::{EncryptedGroupSecrets, GroupInfo, GroupSecrets, Welcome};
use rand_core::{Rng, SeedableRng};

fn public(msg: &[u8]) -> PublicMessage<'_> {
    match MlsMessage::decode_exact(msg).unwrap() {
        MlsMessage::PublicMessage(pm) => pm,
        other => panic!("not a PublicMessage: {other:?}"),
    }
}

fn flip_last(v: &[u8]) -> Vec<u8> {
    let mut v = v.to_vec();
    *v.last_mut().unwrap() ^= 1;
    v
}

impl<S: CipherSuite + Copy> Client<S> {
    /// A client sending handshakes as `handshake`; its seed does not depend
    /// on the handshake (variant 0). Its leaves list no extension types.
    fn new(suite: S, name: &'static str, handshake: HandshakeFormat) -> Self {
        let config = GroupConfig {
            handshake,
            ..GroupConfig::new()
        };
        Client::seeded(suite, name, config, 0, &[], common::LIFETIME)
    }

    /// Processes `msg` (no PSKs); what it did, as text.
    fn process(&mut self, msg: &[u8]) -> Result<String, Error> {
        self.process_as(msg, &(), event)
    }

    /// The encoded GroupContext of the current epoch, from a GroupInfo.
    fn context(&mut self) -> Vec<u8> {
        let mut out = vec![0u8; 1 << 16];
        let n = self.group.group_info(false, &mut out).unwrap();
        match MlsMessage::decode_exact(&out[..n]).unwrap() {
            MlsMessage::GroupInfo(gi) => encode(&gi.group_context),
            _ => panic!("not a GroupInfo"),
        }
    }
}

/// `victim` refuses `msg`, and its saved state is byte for byte the same
/// afterwards; returns the error.
fn refuse<S: CipherSuite>(victim: &mut G<S>, msg: &[u8]) -> Error {
    let (before, _) = save(victim);
    let mut buf = vec![0u8; msg.len()];
    let err = victim.process(msg, &(), NOW, &mut buf).unwrap_err();
    assert!(save(victim).0 == before, "state changed while refusing with {err:?}");
    err
}

/// A copy of `victim` accepts `msg`: the control of a forging pipeline.
fn copy_accepts<S: CipherSuite + Copy>(victim: &G<S>, msg: &[u8]) -> String {
    let mut copy: Box<G<S>> = common::copy(victim);
    let mut buf = vec![0u8; msg.len()];
    event(copy.process(msg, &(), NOW, &mut buf).unwrap())
}

/// Secrets of the current epoch read from a member's own saved state.
/// `EpochSecrets` are saved in order (sender data, encryption (erased, so
/// empty), exporter, epoch authenticator, external, confirmation,
/// membership, resumption, init), each with a one-byte length; they are
/// located by the epoch authenticator and checked against the resumption
/// PSK and the exporter, which the API gives.
struct EpochKeys {
    sender_data: Vec<u8>,
    membership: Vec<u8>,
}

fn epoch_keys<S: CipherSuite + Copy>(c: &Client<S>) -> EpochKeys {
    let (bytes, at) = saved_epoch_authenticator(&c.group);
    let h = S::HASH_LEN;
    let item = |i: usize| -> (&[u8], usize) {
        let len = bytes[i] as usize;
        assert!(len < 64);
        (&bytes[i + 1..i + 1 + len], i + 1 + len)
    };
    let (_external, i) = item(at + 1 + h);
    let (_confirmation, i) = item(i);
    let (membership, i) = item(i);
    let (resumption, _) = item(i);
    assert_eq!(Some(resumption), c.group.resumption_psk(c.group.epoch()));
    let exporter_at = at - 1 - h;
    let (exporter, _) = item(exporter_at);
    assert_eq!(bytes[exporter_at - 1], 0, "encryption secret is saved erased");
    let (sender_data, _) = item(exporter_at - 2 - h);
    let mut want = [0u8; 16];
    c.group.export(b"check", b"", &mut want).unwrap();
    let mut got = [0u8; 16];
    mls_nostd::key_schedule::exporter(&c.suite, exporter, b"check", b"", &mut got).unwrap();
    assert_eq!(got, want, "exporter secret located wrongly");
    EpochKeys {
        sender_data: sender_data.to_vec(),
        membership: membership.to_vec(),
    }
}

/// Signs `content` with `sk` and MACs it with `membership`, as a member
/// sends a PublicMessage; a commit gets `tag` as its confirmation tag.
fn forge<S: CipherSuite>(
    suite: &S,
    content: &FramedContent<'_>,
    sk: &[u8],
    context: &[u8],
    membership: &[u8],
    tag: Option<&[u8]>,
) -> Vec<u8> {
    let mut out = vec![0u8; 1 << 16];
    let confirm = |_: &Signature| HashOutput::from_slice(tag.expect("a commit needs a confirmation tag"));
    let (n, _) = protect_public(suite, content, sk, context, Some(membership), confirm, &mut out).unwrap();
    out.truncate(n);
    out
}

/// `pm` with `auth` instead of its own, MACed again (the signature and
/// content are unchanged).
fn remac<S: CipherSuite>(
    suite: &S,
    pm: &PublicMessage<'_>,
    auth: FramedContentAuthData<'_>,
    context: &[u8],
    membership: &[u8],
) -> Vec<u8> {
    let tag = membership_tag(suite, membership, &pm.content, pm.body_bytes, context, &auth).unwrap();
    encode(&MlsMessage::PublicMessage(PublicMessage {
        auth,
        membership_tag: Some(&tag),
        ..*pm
    }))
}

/// `pm` with one field of the content changed and nothing recomputed.
fn with_content(pm: &PublicMessage<'_>, content: FramedContent<'_>) -> Vec<u8> {
    encode(&MlsMessage::PublicMessage(PublicMessage { content, ..*pm }))
}

/// Decrypts the GroupInfo of `welcome` with the joiner's keys, lets
/// `tamper` change it, and encrypts everything again, so that the Welcome
/// is well-formed and only what `tamper` changed is wrong.
fn reseal_welcome<S: CipherSuite>(
    suite: &S,
    welcome: &[u8],
    kp: &[u8],
    keys: &KeyPackageKeys,
    rng: &mut ChaCha20Rng,
    tamper: impl Fn(&mut Vec<u8>),
) -> Vec<u8> {
    let MlsMessage::Welcome(w) = MlsMessage::decode_exact(welcome).unwrap() else {
        panic!("not a Welcome")
    };
    let MlsMessage::KeyPackage(kp) = MlsMessage::decode_exact(kp).unwrap() else {
        panic!("not a KeyPackage")
    };
    let kp: KeyPackage<'_> = kp;
    let reference = kp.reference(suite);
    let mine = w.secrets.iter().find(|s| s.new_member == reference.as_slice()).unwrap();
    let egi = w.encrypted_group_info;

    // GroupSecrets, with the init key.
    let ct = mine.encrypted_group_secrets.ciphertext;
    let (body, tag) = ct.split_at(ct.len() - AEAD_TAG_LEN);
    let mut gs = body.to_vec();
    let mut scratch = vec![0u8; encrypt_context_len(b"Welcome", egi)];
    decrypt_with_label(
        suite,
        keys.init_key.as_slice(),
        b"Welcome",
        egi,
        &mut scratch,
        mine.encrypted_group_secrets.kem_output,
        &mut gs,
        tag,
    )
    .unwrap();
    let secrets = GroupSecrets::decode_exact(&gs).unwrap();
    assert!(secrets.psks.is_empty());

    // The GroupInfo, with the welcome key.
    let psk = mls_nostd::psk::psk_secret(suite, &[]).unwrap();
    let ws = welcome_secret(suite, secrets.joiner_secret, psk.as_slice()).unwrap();
    let (key, nonce) = welcome_key_nonce(suite, ws.as_slice()).unwrap();
    let (body, tag) = egi.split_at(egi.len() - AEAD_TAG_LEN);
    let mut gi = body.to_vec();
    suite.aead_open(key.as_slice(), &nonce, &[], &mut gi, tag).unwrap();
    GroupInfo::decode_exact(&gi).unwrap();
    tamper(&mut gi);
    let tag = suite.aead_seal(key.as_slice(), &nonce, &[], &mut gi).unwrap();
    gi.extend_from_slice(&tag);
    let egi = gi;

    // GroupSecrets again, bound to the new encrypted GroupInfo.
    let mut scratch = vec![0u8; encrypt_context_len(b"Welcome", &egi)];
    let (kem_output, tag) =
        encrypt_with_label(suite, kp.init_key, b"Welcome", &egi, &mut scratch, &mut gs, rng).unwrap();
    gs.extend_from_slice(&tag);
    let secrets = [EncryptedGroupSecrets {
        new_member: &reference,
        encrypted_group_secrets: HpkeCiphertext {
            kem_output: &kem_output,
            ciphertext: &gs,
        },
    }];
    encode(&MlsMessage::Welcome(Welcome {
        cipher_suite: w.cipher_suite,
        secrets: List::from_slice(&secrets),
        encrypted_group_info: &egi,
    }))
}

fn commit_of<'a>(pm: &PublicMessage<'a>) -> Commit<'a> {
    match pm.content.content {
        Content::Commit(c) => c,
        _ => panic!("not a commit"),
    }
}

fn malformed(reason: &'static str) -> Error {
    Error::Malformed { reason }
}

fn atomicity<S: CipherSuite + Copy>(suite: S) {
    let gid: &[u8] = b"atomicity";
    let mut alice = Client::new(suite, "alice", HandshakeFormat::Private);
    let mut bob = Client::new(suite, "bob", HandshakeFormat::Private);
    let mut mallory = Client::new(suite, "mallory", HandshakeFormat::Public);
    let mut zed = Client::new(suite, "zed", HandshakeFormat::Private);
    let mut rng = ChaCha20Rng::from_seed([0xa7; 32]);

    // Alice creates the group and adds Bob (the victim) and Mallory.
    alice.create(gid, &[]);
    let (bob_kp, bob_keys) = bob.key_package();
    let (mal_kp, mal_keys) = mallory.key_package();
    let (commit, welcome) = alice.commit(
        &CommitOptions {
            proposals: &[add(&bob_kp), add(&mal_kp)],
            ..Default::default()
        },
        &(),
    );
    alice.process(&commit).unwrap();
    let welcome = welcome.unwrap();
    bob.join(&welcome, &bob_kp, &bob_keys, None, &()).unwrap();
    mallory.join(&welcome, &mal_kp, &mal_keys, None, &()).unwrap();
    assert_eq!(bob.group.epoch(), 1);

    let context = mallory.context();
    let keys = epoch_keys(&mallory);
    let mk = keys.membership.as_slice();
    let mallory_sk = mallory.sk.clone();
    let msk = mallory_sk.as_slice();

    // ---- A proposal from Mallory (a PublicMessage) ----
    let (zed_kp, zed_keys) = zed.key_package();
    let p = mallory.propose(&add(&zed_kp));
    let pm = public(&p);
    // Control: MACed again unchanged, or signed and MACed again, it is accepted.
    let same = remac(&suite, &pm, pm.auth, &context, mk);
    assert_eq!(same, p, "re-MACing reproduces the message");
    let resigned = forge(&suite, &pm.content, msk, &context, mk, None);
    assert_eq!(copy_accepts(&bob.group, &resigned), "Proposal { sender: Member(2) }");

    // Bad signature: one bit of the signature flipped, MACed again.
    let bad_sig = flip_last(pm.auth.signature);
    let auth = FramedContentAuthData {
        signature: &bad_sig,
        ..pm.auth
    };
    let m = remac(&suite, &pm, auth, &context, mk);
    public(&m).verify_membership_tag(&suite, mk, &context).unwrap();
    assert_eq!(refuse(&mut bob.group, &m), Error::InvalidSignature);
    // Impersonation: the same proposal claiming to come from Alice, signed
    // and MACed by Mallory.
    let as_alice = FramedContent {
        sender: Sender::Member(0),
        ..pm.content
    };
    let m = forge(&suite, &as_alice, msk, &context, mk, None);
    assert_eq!(refuse(&mut bob.group, &m), Error::InvalidSignature);

    // Bad membership tag: one bit flipped; the signature is still valid.
    let tag = flip_last(pm.membership_tag.unwrap());
    let m = encode(&MlsMessage::PublicMessage(PublicMessage {
        membership_tag: Some(&tag),
        ..pm
    }));
    public(&m)
        .verify_signature(&suite, &mallory_key(&mallory), &context)
        .unwrap();
    assert_eq!(refuse(&mut bob.group, &m), Error::InvalidMac);

    // Wrong epoch: the epoch field only; and also signed and MACed anew.
    for epoch in [0, 2, u64::MAX] {
        let content = FramedContent { epoch, ..pm.content };
        assert_eq!(
            refuse(&mut bob.group, &with_content(&pm, content)),
            Error::WrongEpoch { epoch }
        );
        let m = forge(&suite, &content, msk, &context, mk, None);
        assert_eq!(refuse(&mut bob.group, &m), Error::WrongEpoch { epoch });
    }
    // Wrong group id: the group id field only, and signed and MACed anew.
    for group_id in [&b"atomicitz"[..], b"", b"another group"] {
        let content = FramedContent { group_id, ..pm.content };
        assert_eq!(refuse(&mut bob.group, &with_content(&pm, content)), Error::WrongGroup);
        let m = forge(&suite, &content, msk, &context, mk, None);
        assert_eq!(refuse(&mut bob.group, &m), Error::WrongGroup);
    }
    // The genuine proposal is still accepted (Bob's copy without it kept).
    let bob_without_p: Box<G<S>> = common::copy(&bob.group);
    assert_eq!(bob.process(&p).unwrap(), "Proposal { sender: Member(2) }");
    assert_eq!(alice.process(&p).unwrap(), "Proposal { sender: Member(2) }");

    // ---- A commit from Mallory removing Alice (a PublicMessage) ----
    let (c, _) = mallory.commit(
        &CommitOptions {
            proposals: &[Proposal::Remove { removed: 0 }],
            include_stored: false,
            ..Default::default()
        },
        &(),
    );
    let cm = public(&c);
    let commit = commit_of(&cm);
    let ctag = cm.auth.confirmation_tag.unwrap();
    let with_commit = |proposals: &[ProposalOrRef<'_>], path: Option<UpdatePath<'_>>| {
        let content = FramedContent {
            content: Content::Commit(Commit {
                proposals: List::from_slice(proposals),
                path,
            }),
            ..cm.content
        };
        forge(&suite, &content, msk, &context, mk, Some(ctag))
    };
    // Control: the commit signed and MACed again is accepted.
    let original: Vec<ProposalOrRef<'_>> = commit.proposals.iter().collect();
    let m = with_commit(&original, commit.path);
    assert_eq!(
        copy_accepts(&bob.group, &m),
        "Commit { sender: Member(2), epoch: 2, own: false }"
    );

    // Bad signature and bad membership tag on a commit.
    let bad_sig = flip_last(cm.auth.signature);
    let auth = FramedContentAuthData {
        signature: &bad_sig,
        ..cm.auth
    };
    assert_eq!(
        refuse(&mut bob.group, &remac(&suite, &cm, auth, &context, mk)),
        Error::InvalidSignature
    );
    let tag = flip_last(cm.membership_tag.unwrap());
    let m = encode(&MlsMessage::PublicMessage(PublicMessage {
        membership_tag: Some(&tag),
        ..cm
    }));
    assert_eq!(refuse(&mut bob.group, &m), Error::InvalidMac);
    // Wrong epoch and wrong group on a commit.
    let content = FramedContent { epoch: 2, ..cm.content };
    assert_eq!(
        refuse(&mut bob.group, &with_content(&cm, content)),
        Error::WrongEpoch { epoch: 2 }
    );
    let content = FramedContent {
        group_id: b"elsewhere",
        ..cm.content
    };
    assert_eq!(refuse(&mut bob.group, &with_content(&cm, content)), Error::WrongGroup);

    // Invalid proposal lists (§12.2), signed and MACed by Mallory.
    let remove = |removed| ProposalOrRef::Proposal(Proposal::Remove { removed });
    assert_eq!(
        refuse(&mut bob.group, &with_commit(&[remove(0), remove(0)], commit.path)),
        malformed("two Updates or Removes for one leaf")
    );
    assert_eq!(
        refuse(&mut bob.group, &with_commit(&[remove(2)], commit.path)),
        malformed("commit removes its committer")
    );
    // An Update of Mallory's own leaf, valid in itself, in her own commit.
    let mut ikm = [0u8; 32];
    rng.fill_bytes(&mut ikm);
    let (_, fresh) = suite.hpke_derive_key_pair(&ikm[..S::HASH_LEN]).unwrap();
    let mine = mallory.group.tree().leaf(2).unwrap();
    let update_leaf = LeafNode {
        encryption_key: &fresh,
        source: LeafNodeSource::Update,
        signature: &[],
        signed_bytes: &[],
        raw: &[],
        ..mine
    };
    let mut buf = vec![0u8; 1024];
    let n = sign_leaf_node(&suite, &update_leaf, msk, gid, 2, &mut buf).unwrap();
    let leaf_node = LeafNode::decode_exact(&buf[..n]).unwrap();
    leaf_node.verify(&suite, gid, 2).unwrap();
    let update = ProposalOrRef::Proposal(Proposal::Update { leaf_node });
    assert_eq!(
        refuse(&mut bob.group, &with_commit(&[update], commit.path)),
        malformed("commit covers its committer's Update")
    );
    // A wrong confirmation tag: signature and membership tag are valid.
    let bad_tag = flip_last(ctag);
    let auth = FramedContentAuthData {
        confirmation_tag: Some(&bad_tag),
        ..cm.auth
    };
    let m = remac(&suite, &cm, auth, &context, mk);
    public(&m).verify_membership_tag(&suite, mk, &context).unwrap();
    public(&m)
        .verify_signature(&suite, &mallory_key(&mallory), &context)
        .unwrap();
    assert_eq!(refuse(&mut bob.group, &m), Error::InvalidMac);
    // An UpdatePath whose leaf carries a wrong parent hash, the leaf signed
    // again so that only the parent-hash check fails.
    let path = commit.path.unwrap();
    let LeafNodeSource::Commit { parent_hash } = path.leaf_node.source else {
        panic!("a path leaf has source commit")
    };
    let resign = |parent_hash: &[u8]| {
        let leaf = LeafNode {
            source: LeafNodeSource::Commit { parent_hash },
            signature: &[],
            signed_bytes: &[],
            raw: &[],
            ..path.leaf_node
        };
        let mut buf = vec![0u8; 1024];
        let n = sign_leaf_node(&suite, &leaf, msk, gid, 2, &mut buf).unwrap();
        buf.truncate(n);
        buf
    };
    let good_leaf = resign(parent_hash);
    let bad_leaf = resign(&flip_last(parent_hash));
    for (leaf, ok) in [(&good_leaf, true), (&bad_leaf, false)] {
        let leaf_node = LeafNode::decode_exact(leaf).unwrap();
        leaf_node.verify(&suite, gid, 2).unwrap();
        let m = with_commit(
            &original,
            Some(UpdatePath {
                leaf_node,
                nodes: path.nodes,
            }),
        );
        if ok {
            assert_eq!(
                copy_accepts(&bob.group, &m),
                "Commit { sender: Member(2), epoch: 2, own: false }"
            );
        } else {
            assert_eq!(
                refuse(&mut bob.group, &m),
                Error::InvalidTree {
                    reason: "leaf parent hash does not match the path"
                }
            );
        }
    }
    // An UpdatePath whose path secret for Bob does not decrypt: Alice is
    // removed and node 1 blanked, so Bob's leaf is the whole resolution of
    // the copath and holds the one ciphertext.
    let node = path.nodes.get(0).unwrap();
    assert_eq!(path.nodes.len(), 1);
    let ct = node.encrypted_path_secret.get(0).unwrap();
    assert_eq!(node.encrypted_path_secret.len(), 1);
    let bad_ct = flip_last(ct.ciphertext);
    let cts = [HpkeCiphertext {
        ciphertext: &bad_ct,
        ..ct
    }];
    let nodes = [mls_nostd::treekem::UpdatePathNode {
        encrypted_path_secret: List::from_slice(&cts),
        ..node
    }];
    let m = with_commit(
        &original,
        Some(UpdatePath {
            leaf_node: path.leaf_node,
            nodes: List::from_slice(&nodes),
        }),
    );
    assert_eq!(refuse(&mut bob.group, &m), Error::DecryptionFailed);

    // A commit without the path its Remove requires, and an empty commit
    // without a path.
    assert_eq!(
        refuse(&mut bob.group, &with_commit(&original, None)),
        malformed("commit without the path its proposals require")
    );
    assert_eq!(
        refuse(&mut bob.group, &with_commit(&[], None)),
        malformed("commit without the path its proposals require")
    );

    // ---- Mallory's real commit: Zed's Add by reference, with a Welcome ----
    let (f, welcome) = mallory.commit(&CommitOptions::default(), &());
    let fm = public(&f);
    let fc = commit_of(&fm);
    let refs: Vec<ProposalOrRef<'_>> = fc.proposals.iter().collect();
    let [ProposalOrRef::Reference(r)] = refs[..] else {
        panic!("expected one reference: {refs:?}")
    };
    let ftag = fm.auth.confirmation_tag.unwrap();
    // An unknown reference: one byte of it changed.
    let unknown = flip_last(r);
    let unknown_list = [ProposalOrRef::Reference(&unknown)];
    let content = FramedContent {
        content: Content::Commit(Commit {
            proposals: List::from_slice(&unknown_list),
            path: fc.path,
        }),
        ..fm.content
    };
    let m = forge(&suite, &content, msk, &context, mk, Some(ftag));
    assert_eq!(refuse(&mut bob.group, &m), malformed("unknown proposal reference"));
    // And the real commit to a Bob that never received the proposal.
    let mut bob_without_p = bob_without_p;
    assert_eq!(refuse(&mut bob_without_p, &f), malformed("unknown proposal reference"));

    // A Welcome whose GroupInfo signature is wrong: Zed's group stays empty.
    let welcome = welcome.unwrap();
    let control = reseal_welcome(&suite, &welcome, &zed_kp, &zed_keys, &mut rng, |_| {});
    let mut zed_copy: Box<G<S>> = Box::new(Group::new(suite, GroupConfig::new()));
    let mut scratch = vec![0u8; 2 * control.len() + 1024];
    zed_copy
        .join(
            &control,
            &zed_kp,
            &zed_keys,
            zed.sk.as_slice(),
            None,
            &(),
            NOW,
            &mut scratch,
        )
        .unwrap();
    let tampered = reseal_welcome(&suite, &welcome, &zed_kp, &zed_keys, &mut rng, |gi| {
        let info = GroupInfo::decode_exact(gi).unwrap();
        let sig_at = gi.len() - info.signature.len();
        gi[sig_at] ^= 1;
    });
    // A Welcome whose encrypted GroupInfo was changed, not re-encrypted.
    let MlsMessage::Welcome(w) = MlsMessage::decode_exact(&welcome).unwrap() else {
        panic!()
    };
    let egi = flip_last(w.encrypted_group_info);
    let broken = encode(&MlsMessage::Welcome(Welcome {
        encrypted_group_info: &egi,
        ..w
    }));
    let (before, _) = save(&zed.group);
    assert_eq!(
        zed.join(&broken, &zed_kp, &zed_keys, None, &()),
        Err(Error::DecryptionFailed)
    );
    assert_eq!(zed.group.status(), Status::Empty);
    assert!(save(&zed.group).0 == before, "a failed join changed the state");
    assert_eq!(
        zed.join(&tampered, &zed_kp, &zed_keys, None, &()),
        Err(Error::InvalidSignature)
    );
    assert_eq!(zed.group.status(), Status::Empty);
    assert!(save(&zed.group).0 == before, "a failed join changed the state");

    // After all that, the real commit is accepted, echoed and joined.
    assert_eq!(
        bob.process(&f).unwrap(),
        "Commit { sender: Member(2), epoch: 2, own: false }"
    );
    assert_eq!(
        alice.process(&f).unwrap(),
        "Commit { sender: Member(2), epoch: 2, own: false }"
    );
    assert_eq!(
        mallory.process(&f).unwrap(),
        "Commit { sender: Member(2), epoch: 2, own: true }"
    );
    zed.join(&welcome, &zed_kp, &zed_keys, None, &()).unwrap();
    for c in [&alice, &mallory, &zed] {
        assert_eq!(c.group.epoch_authenticator(), bob.group.epoch_authenticator());
    }
    // Mallory's own echo cannot be applied twice, nor can Bob's.
    assert_eq!(refuse(&mut bob.group, &f), Error::WrongEpoch { epoch: 1 });

    // ---- PrivateMessages from Alice, epoch 2 ----
    let a = alice.send(b"to be tampered with", b"");
    let pa = private(&a);
    let sd_keys = epoch_keys(&alice);
    let sd = pa.sender_data(&suite, &sd_keys.sender_data).unwrap();
    assert_eq!(sd.leaf_index, 0);
    // A flipped bit in the content ciphertext, or in the sender data.
    let ct = flip_last(pa.ciphertext);
    let m = encode(&MlsMessage::PrivateMessage(PrivateMessage { ciphertext: &ct, ..pa }));
    assert_eq!(refuse(&mut bob.group, &m), Error::DecryptionFailed);
    let esd = flip_last(pa.encrypted_sender_data);
    let m = encode(&MlsMessage::PrivateMessage(PrivateMessage {
        encrypted_sender_data: &esd,
        ..pa
    }));
    assert_eq!(refuse(&mut bob.group, &m), Error::DecryptionFailed);
    // Wrong group and wrong epoch on a PrivateMessage.
    let m = encode(&MlsMessage::PrivateMessage(PrivateMessage {
        group_id: b"atomicitz",
        ..pa
    }));
    assert_eq!(refuse(&mut bob.group, &m), Error::WrongGroup);
    for epoch in [0, 3] {
        let m = encode(&MlsMessage::PrivateMessage(PrivateMessage { epoch, ..pa }));
        assert_eq!(refuse(&mut bob.group, &m), Error::WrongEpoch { epoch });
    }
    // Epoch 1 is kept (PAST = 1), so its keys are tried, and they do not
    // open a message of epoch 2.
    let m = encode(&MlsMessage::PrivateMessage(PrivateMessage { epoch: 1, ..pa }));
    assert_eq!(refuse(&mut bob.group, &m), Error::DecryptionFailed);
    // The genuine message, then its replay.
    for c in [&mut bob, &mut zed] {
        assert_eq!(
            c.process(&a).unwrap(),
            "Application { sender: 0, epoch: 2, data: \"to be tampered with\" }"
        );
        assert_eq!(
            refuse(&mut c.group, &a),
            Error::GenerationConsumed {
                generation: sd.generation
            }
        );
    }

    // A commit sent as a PrivateMessage, its ciphertext tampered with.
    let (c2, _) = alice.commit(&CommitOptions::default(), &());
    let pc = private(&c2);
    let ct = flip_last(pc.ciphertext);
    let m = encode(&MlsMessage::PrivateMessage(PrivateMessage { ciphertext: &ct, ..pc }));
    assert_eq!(refuse(&mut bob.group, &m), Error::DecryptionFailed);
    assert_eq!(refuse(&mut alice.group, &m), Error::DecryptionFailed);
    for c in [&mut bob, &mut mallory, &mut zed] {
        assert_eq!(
            c.process(&c2).unwrap(),
            "Commit { sender: Member(0), epoch: 3, own: false }"
        );
    }
    assert_eq!(
        alice.process(&c2).unwrap(),
        "Commit { sender: Member(0), epoch: 3, own: true }"
    );
    for c in [&alice, &mallory, &zed] {
        assert_eq!(c.group.epoch_authenticator(), bob.group.epoch_authenticator());
    }
}

/// Mallory's signature public key, from the tree.
fn mallory_key<S: CipherSuite>(mallory: &Client<S>) -> Vec<u8> {
    mallory.group.tree().leaf(2).unwrap().signature_key.to_vec()
}

#[test]
fn malformed_and_unauthorised_messages_suite1() {
    atomicity(Curve25519Aes128);
}

#[test]
fn malformed_and_unauthorised_messages_suite2() {
    atomicity(P256Aes128);
}

#[test]
fn malformed_and_unauthorised_messages_suite3() {
    atomicity(Curve25519ChaCha);
}

/// Alice creates a group and adds Bob; both have `handshake`.
fn pair<S: CipherSuite + Copy>(suite: S, handshake: HandshakeFormat) -> (Client<S>, Client<S>) {
    let mut alice = Client::new(suite, "alice", handshake);
    let mut bob = Client::new(suite, "bob", handshake);
    two_member_group(&mut alice, &mut bob, b"pair");
    (alice, bob)
}

/// A proposal refused because the proposal store is full changes nothing,
/// with either handshake format.
#[test]
fn propose_into_a_full_store_changes_nothing() {
    let suite = Curve25519Aes128;
    for handshake in [HandshakeFormat::Private, HandshakeFormat::Public] {
        let mut c = Client::new(suite, "solo", handshake);
        let (kp, keys) = c.key_package();
        let MlsMessage::KeyPackage(k) = MlsMessage::decode_exact(&kp).unwrap() else {
            panic!()
        };
        // Room for one PSK proposal (78 bytes), not two.
        let config = GroupConfig {
            handshake,
            ..GroupConfig::new()
        };
        let mut g: Box<FixedGroup<Curve25519Aes128, 4, 1024, 4, 1, 100>> = Box::new(Group::new(suite, config));
        g.create(
            b"solo",
            k.leaf_node.raw,
            keys.encryption_key.as_slice(),
            c.sk.as_slice(),
            List::empty(),
            &mut c.rng,
        )
        .unwrap();
        let nonce = [7u8; 32];
        let psk = |psk_id| Proposal::PreSharedKey {
            psk: mls_nostd::psk::PreSharedKeyId {
                psk: mls_nostd::psk::Psk::External { psk_id },
                psk_nonce: &nonce,
            },
        };
        let mut out = vec![0u8; 4096];
        let o = g.propose(&psk(b"p1"), b"", NOW, &mut c.rng, &mut out).unwrap();
        let _ = o.release_unsaved();
        assert_eq!(g.proposals().used(), 78);
        let (before, _) = save(&g);
        let err = g.propose(&psk(b"p2"), b"", NOW, &mut c.rng, &mut out).map(|_| ());
        assert_eq!(err, Err(Error::CapacityExceeded { what: "proposal store" }));
        assert!(
            save(&g).0 == before,
            "{handshake:?}: a refused proposal changed the state"
        );
    }
}

/// `commit` and `join_external` with buffers too small: each
/// `BufferTooSmall { needed }` asks for more than was given, a caller that
/// grows its buffer to `needed` gets there, and nothing changes on these
/// errors. The whole need (UpdatePath, commit message and Welcome) is known
/// before anything is signed: one retry with `needed` bytes succeeds, and
/// a private commit's handshake generation is taken only on success.
#[test]
fn commit_into_small_buffers() {
    let suite = Curve25519Aes128;
    for handshake in [HandshakeFormat::Private, HandshakeFormat::Public] {
        let (mut alice, mut bob) = pair(suite, handshake);
        let mut carol = Client::new(suite, "carol", handshake);
        let (carol_kp, carol_keys) = carol.key_package();
        let options = CommitOptions {
            proposals: &[add(&carol_kp)],
            ..Default::default()
        };
        let mut size = 16;
        let mut changed_on_error = 0;
        let mut tries = 0;
        let (commit, welcome) = loop {
            tries += 1;
            assert!(tries < 8, "{handshake:?}: no progress");
            let (before, _) = save(&alice.group);
            let mut work = vec![0u8; size];
            match alice.group.commit(&options, &(), NOW, &mut alice.rng, &mut work) {
                Ok(o) => {
                    let (_, saved) = save(&alice.group);
                    let c = o.release(&saved).unwrap();
                    break (c.commit.to_vec(), c.welcome.unwrap().to_vec());
                }
                Err(Error::BufferTooSmall { needed }) => {
                    assert!(needed > size, "{handshake:?}: needed {needed} with {size} bytes given");
                    if save(&alice.group).0 != before {
                        changed_on_error += 1;
                    }
                    size = needed;
                }
                Err(e) => panic!("{e:?}"),
            }
        };
        assert_eq!(changed_on_error, 0, "{handshake:?}");
        assert_eq!(tries, 2, "{handshake:?}: the first `needed` was not enough");
        if handshake == HandshakeFormat::Private {
            let keys = epoch_keys(&alice);
            let sd = private(&commit).sender_data(&suite, &keys.sender_data).unwrap();
            assert_eq!(sd.generation, 0);
        }
        assert_eq!(
            bob.process(&commit).unwrap(),
            "Commit { sender: Member(0), epoch: 2, own: false }"
        );
        assert_eq!(
            alice.process(&commit).unwrap(),
            "Commit { sender: Member(0), epoch: 2, own: true }"
        );
        carol.join(&welcome, &carol_kp, &carol_keys, None, &()).unwrap();
        assert_eq!(carol.group.epoch_authenticator(), bob.group.epoch_authenticator());
        assert_eq!(alice.group.epoch_authenticator(), bob.group.epoch_authenticator());

        // An external join into growing buffers: a failed one leaves the
        // joiner's group empty, as it was.
        let mut gi = vec![0u8; 1 << 16];
        let n = bob.group.group_info(true, &mut gi).unwrap();
        let mut dave = Client::new(suite, "dave", handshake);
        let identity = b"dave";
        let join = mls_nostd::group::ExternalJoin {
            group_info: &gi[..n],
            ratchet_tree: None,
            template: template(identity, capabilities(dave.extensions)),
            signature_key: dave.sk.as_slice(),
            resync: None,
            authenticated_data: b"",
        };
        let mut size = 16;
        let mut tries = 0;
        let commit = loop {
            tries += 1;
            assert!(tries < 8, "{handshake:?}: no progress");
            let (before, _) = save(&dave.group);
            let mut work = vec![0u8; size];
            match dave.group.join_external(&join, NOW, &mut dave.rng, &mut work) {
                Ok(o) => break o.release_unsaved().to_vec(),
                Err(Error::BufferTooSmall { needed }) => {
                    assert!(needed > size, "{handshake:?}: needed {needed} with {size} bytes given");
                    assert!(
                        save(&dave.group).0 == before,
                        "a failed external join changed the state"
                    );
                    assert_eq!(dave.group.status(), Status::Empty);
                    size = needed;
                }
                Err(e) => panic!("{e:?}"),
            }
        };
        assert_eq!(tries, 2, "{handshake:?}: the first `needed` was not enough");
        for c in [&mut alice, &mut bob, &mut carol] {
            assert_eq!(
                c.process(&commit).unwrap(),
                "Commit { sender: NewMemberCommit, epoch: 3, own: false }"
            );
        }
        assert_eq!(dave.group.epoch_authenticator(), bob.group.epoch_authenticator());
    }
}

/// A member built for fewer leaves than the group reaches refuses the
/// commit that outgrows it, and changes nothing.
#[test]
fn a_commit_beyond_capacity_changes_nothing() {
    let suite = Curve25519Aes128;
    let (mut alice, mut bob) = pair(suite, HandshakeFormat::Private);
    // Bob's device has room for four leaves; it joins the same group.
    let mut small: Box<FixedGroup<Curve25519Aes128, 4, 1024, 16, 1, 4096>> =
        Box::new(Group::new(suite, GroupConfig::new()));
    let mut tiny = Client::new(suite, "tiny", HandshakeFormat::Private);
    let (kp, keys) = tiny.key_package();
    let (commit, welcome) = alice.commit(
        &CommitOptions {
            proposals: &[add(&kp)],
            ..Default::default()
        },
        &(),
    );
    alice.process(&commit).unwrap();
    bob.process(&commit).unwrap();
    let welcome = welcome.unwrap();
    let mut scratch = vec![0u8; 2 * welcome.len() + 1024];
    small
        .join(&welcome, &kp, &keys, tiny.sk.as_slice(), None, &(), NOW, &mut scratch)
        .unwrap();
    assert_eq!(small.own_leaf(), 2);
    // A fourth member fits; a fifth does not.
    for (name, fits) in [("d", true), ("e", false)] {
        let mut c = Client::new(suite, name, HandshakeFormat::Private);
        let (kp, _) = c.key_package();
        let (commit, _) = alice.commit(
            &CommitOptions {
                proposals: &[add(&kp)],
                ..Default::default()
            },
            &(),
        );
        bob.process(&commit).unwrap();
        alice.process(&commit).unwrap();
        let mut buf = vec![0u8; commit.len()];
        if fits {
            small.process(&commit, &(), NOW, &mut buf).unwrap();
            assert_eq!(small.epoch_authenticator(), alice.group.epoch_authenticator());
        } else {
            let (before, _) = save(&small);
            let err = small.process(&commit, &(), NOW, &mut buf).unwrap_err();
            assert_eq!(err, Error::CapacityExceeded { what: "leaves" });
            assert!(save(&small).0 == before, "a refused commit changed the state");
        }
    }
}

/// A KeyPackage whose init key passes every check made when it is added
/// (its length, its signature) but that HPKE refuses when the Welcome is
/// encrypted to it: all zeros, a low-order X25519 point or not a P-256
/// point. The commit fails after it was signed, and changes nothing.
fn commit_to_an_unusable_init_key<S: CipherSuite + Copy>(suite: S) {
    for handshake in [HandshakeFormat::Private, HandshakeFormat::Public] {
        let (mut alice, mut bob) = pair(suite, handshake);
        let mut carol = Client::new(suite, "carol", handshake);
        let (kp_bytes, _) = carol.key_package();
        let Proposal::Add { key_package } = add(&kp_bytes) else {
            unreachable!()
        };
        let zeros = vec![0u8; key_package.init_key.len()];
        let mut kp = KeyPackage {
            init_key: &zeros,
            signed_bytes: &[],
            ..key_package
        };
        let mut tbs = Vec::new();
        {
            let mut out = vec![0u8; 4096];
            let mut w = mls_nostd::codec::Writer::new(&mut out);
            kp.encode_content(&mut w);
            let n = w.finish().unwrap();
            tbs.extend_from_slice(&out[..n]);
        }
        let sig =
            mls_nostd::crypto::labels::sign_with_label(&suite, carol.sk.as_slice(), b"KeyPackageTBS", &[&tbs]).unwrap();
        kp.signature = &sig;
        kp.signed_bytes = &tbs;
        kp.verify(&suite).unwrap();
        let options = CommitOptions {
            proposals: &[Proposal::Add { key_package: kp }],
            ..Default::default()
        };
        let (before, _) = save(&alice.group);
        let mut work = vec![0u8; 1 << 16];
        let err = alice
            .group
            .commit(&options, &(), NOW, &mut alice.rng, &mut work)
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidKey | Error::EncryptionFailed),
            "{handshake:?}: {err:?}"
        );
        assert!(
            save(&alice.group).0 == before,
            "{handshake:?}: the failed commit changed the state"
        );
        // The group goes on: the next message uses the first generation.
        let msg = alice.send(b"still here", b"");
        assert_eq!(
            bob.process(&msg).unwrap(),
            "Application { sender: 0, epoch: 1, data: \"still here\" }"
        );
    }
}

#[test]
fn commit_to_an_unusable_init_key_suite1() {
    commit_to_an_unusable_init_key(Curve25519Aes128);
}

#[test]
fn commit_to_an_unusable_init_key_suite2() {
    commit_to_an_unusable_init_key(P256Aes128);
}
