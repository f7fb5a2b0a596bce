//! Every `BufferTooSmall { needed }` is exact or a true upper bound: a
//! caller that starts from an empty buffer and grows it to `needed`
//! succeeds on the first retry, and a refusal changes nothing.
//!
//! Every public function of `mls-nostd` that writes into a caller buffer
//! is driven through that loop here, in a whole group history: KeyPackage
//! generation, commits (with and without a path, adding members so that a
//! Welcome is written, the tree in the Welcome or out of band, proposals
//! by reference), joining from a Welcome, GroupInfo with and without the
//! tree, external joins (tree in the GroupInfo or out of band), application
//! messages (padded or not), proposals (Add, Remove, Update),
//! `propose_update`, processing, `save`, and the codec, `protect_public`,
//! `protect_private`, `encrypt_with_label` and `sign_leaf_node` on their
//! own. After every refusal the member's
//! saved state is byte for byte what it was.
//!
//! ECDSA (suite 2) signatures vary in length, so suite 2 runs with eight
//! RNG seeds; every suite runs with PrivateMessage and PublicMessage
//! handshakes.

mod common;

use common::{Client, LIFETIME, NOW, capabilities, save, template};
use mls_nostd::Error;
use mls_nostd::codec::{Decode, Encode, List};
use mls_nostd::crypto::labels::{encrypt_context_len, encrypt_with_label};
use mls_nostd::crypto::{CipherSuite, Curve25519Aes128, Curve25519ChaCha, HashOutput, P256Aes128, Signature};
use mls_nostd::framing::{Content, FramedContent, MlsMessage, Sender, protect_private, protect_public};
use mls_nostd::group::{CommitOptions, ExternalJoin, GroupConfig, HandshakeFormat, KeyPackageKeys, Status};
use mls_nostd::key_package::generate;
use mls_nostd::proposal::Proposal;
use mls_nostd::secret_tree::{SecretTree, SecretTreeConfig};
use mls_nostd::tree::{LeafNode, LeafNodeSource, sign_leaf_node};

/// The failures seen so far: the test goes on after one (with a large
/// buffer) so that a run lists them all.
#[derive(Default)]
struct Check {
    label: String,
    failures: Vec<String>,
    /// The `needed` of the last refusal.
    last_needed: usize,
}

impl Check {
    /// Calls `f` with an empty buffer; if it asks for `needed` bytes,
    /// checks that the refusal left `c`'s saved state as it was and calls
    /// `f` again with exactly `needed` bytes, which must succeed.
    fn grow<S: CipherSuite + Copy, T>(
        &mut self,
        c: &mut Client<S>,
        what: &str,
        mut f: impl FnMut(&mut Client<S>, &mut [u8]) -> Result<T, Error>,
    ) -> T {
        let what = format!("{} {}: {what}", self.label, c.name);
        let (before, _) = save(&c.group);
        let needed = match f(c, &mut []) {
            Ok(v) => return v,
            Err(Error::BufferTooSmall { needed }) => needed,
            Err(e) => panic!("{what}: {e:?} with an empty buffer"),
        };
        if needed == 0 {
            self.failures.push(format!("{what}: asked for 0 bytes"));
        }
        self.last_needed = needed;
        if save(&c.group).0 != before {
            self.failures.push(format!("{what}: a refusal changed the state"));
        }
        let mut buf = vec![0u8; needed];
        match f(c, &mut buf) {
            Ok(v) => v,
            Err(Error::BufferTooSmall { needed: again }) => {
                self.failures
                    .push(format!("{what}: reported {needed}, then {again} with {needed} bytes"));
                if save(&c.group).0 != before {
                    self.failures.push(format!("{what}: a refusal changed the state"));
                }
                let mut big = vec![0u8; 1 << 20];
                f(c, &mut big).unwrap_or_else(|e| panic!("{what}: {e:?} with 1 MiB"))
            }
            Err(e) => panic!("{what}: {e:?} with the {needed} bytes asked for"),
        }
    }

    /// With a fixed-length signature (EdDSA) the need of what signs only
    /// its own output is exact: `len` bytes were written.
    fn exact<S: CipherSuite>(&mut self, what: &str, len: usize) {
        if S::ID != 2 && len != self.last_needed {
            self.failures.push(format!(
                "{} {what}: needed {}, wrote {len}",
                self.label, self.last_needed
            ));
        }
    }

    /// `v.encode_to` from an empty buffer: the need must be exact.
    fn encode(&mut self, what: &str, v: &impl Encode) -> Vec<u8> {
        let needed = match v.encode_to(&mut []) {
            Err(Error::BufferTooSmall { needed }) => needed,
            other => panic!("{} encode {what}: {other:?} with an empty buffer", self.label),
        };
        let mut out = vec![0u8; needed];
        match v.encode_to(&mut out) {
            Ok(n) if n == needed => {}
            other => self
                .failures
                .push(format!("{} encode {what}: needed {needed}, then {other:?}", self.label)),
        }
        out
    }
}

/// A fresh KeyPackage of `c`, generated from an empty buffer.
fn key_package<S: CipherSuite + Copy>(chk: &mut Check, c: &mut Client<S>) -> (Vec<u8>, KeyPackageKeys) {
    let (kp, keys) = chk.grow(c, "key_package::generate", |c, out| {
        let (n, keys) = generate(
            &c.suite,
            &mut c.rng,
            c.sk.as_slice(),
            &template(c.name.as_bytes(), capabilities(c.extensions)),
            c.lifetime,
            List::empty(),
            out,
        )?;
        Ok((out[..n].to_vec(), keys))
    });
    chk.exact::<S>("key_package::generate", kp.len());
    chk.encode("KeyPackage", &MlsMessage::decode_exact(&kp).unwrap());
    (kp, keys)
}

fn add(kp: &[u8]) -> Proposal<'_> {
    common::add(kp)
}

/// Commits with `options` from an empty buffer; `c` applies its own
/// commit. Returns the commit and the Welcome.
fn commit<S: CipherSuite + Copy>(
    chk: &mut Check,
    c: &mut Client<S>,
    what: &str,
    options: &CommitOptions<'_>,
) -> (Vec<u8>, Option<Vec<u8>>) {
    let (commit, welcome) = chk.grow(c, what, |c, work| {
        let o = c.group.commit(options, &(), NOW, &mut c.rng, work)?;
        let o = o.release_unsaved();
        Ok((o.commit.to_vec(), o.welcome.map(<[u8]>::to_vec)))
    });
    chk.encode("commit", &MlsMessage::decode_exact(&commit).unwrap());
    if let Some(w) = &welcome {
        chk.encode("Welcome", &MlsMessage::decode_exact(w).unwrap());
    }
    process(chk, c, &commit);
    (commit, welcome)
}

/// `c` processes `msg` with a buffer grown from empty.
fn process<S: CipherSuite + Copy>(chk: &mut Check, c: &mut Client<S>, msg: &[u8]) {
    chk.grow(c, "process", |c, buf| {
        c.group.process(msg, &(), NOW, buf).map(|e| format!("{e:?}"))
    });
}

fn deliver<S: CipherSuite + Copy>(chk: &mut Check, to: &mut [&mut Client<S>], msg: &[u8]) {
    for c in to.iter_mut() {
        process(chk, c, msg);
    }
}

/// `c` joins from `welcome` with a scratch buffer grown from empty.
fn join<S: CipherSuite + Copy>(
    chk: &mut Check,
    c: &mut Client<S>,
    welcome: &[u8],
    kp: &[u8],
    keys: &KeyPackageKeys,
    tree: Option<&[u8]>,
) {
    chk.grow(c, "join", |c, scratch| {
        c.group
            .join(welcome, kp, keys, c.sk.as_slice(), tree, &(), NOW, scratch)
    });
}

/// `c`'s GroupInfo, from an empty buffer.
fn group_info<S: CipherSuite + Copy>(chk: &mut Check, c: &mut Client<S>, with_tree: bool) -> Vec<u8> {
    let what = if with_tree {
        "group_info (with tree)"
    } else {
        "group_info (without tree)"
    };
    let gi = chk.grow(c, what, |c, out| {
        let n = c.group.group_info(with_tree, out)?;
        Ok(out[..n].to_vec())
    });
    chk.exact::<S>(what, gi.len());
    chk.encode("GroupInfo", &MlsMessage::decode_exact(&gi).unwrap());
    gi
}

/// `c` joins by external commit, from an empty buffer.
fn join_external<S: CipherSuite + Copy>(
    chk: &mut Check,
    c: &mut Client<S>,
    what: &str,
    group_info: &[u8],
    tree: Option<&[u8]>,
) -> Vec<u8> {
    chk.grow(c, what, |c, work| {
        let sk = c.sk.clone();
        let join = ExternalJoin {
            group_info,
            ratchet_tree: tree,
            template: template(c.name.as_bytes(), capabilities(c.extensions)),
            signature_key: sk.as_slice(),
            resync: None,
            authenticated_data: b"external join",
        };
        let o = c.group.join_external(&join, NOW, &mut c.rng, work)?;
        Ok(o.release_unsaved().to_vec())
    })
}

fn send<S: CipherSuite + Copy>(chk: &mut Check, c: &mut Client<S>, data: &[u8], aad: &[u8]) -> Vec<u8> {
    let m = chk.grow(c, "send", |c, out| {
        let o = c.group.send(data, aad, &mut c.rng, out)?;
        Ok(o.release_unsaved().to_vec())
    });
    chk.encode("application message", &MlsMessage::decode_exact(&m).unwrap());
    m
}

fn propose<S: CipherSuite + Copy>(chk: &mut Check, c: &mut Client<S>, what: &str, p: &Proposal<'_>) -> Vec<u8> {
    let m = chk.grow(c, what, |c, out| {
        let o = c.group.propose(p, b"proposal", NOW, &mut c.rng, out)?;
        Ok(o.release_unsaved().to_vec())
    });
    chk.encode("proposal", &MlsMessage::decode_exact(&m).unwrap());
    m
}

fn propose_update<S: CipherSuite + Copy>(chk: &mut Check, c: &mut Client<S>) -> Vec<u8> {
    let m = chk.grow(c, "propose_update", |c, out| {
        let o = c.group.propose_update(b"update", NOW, &mut c.rng, out)?;
        Ok(o.release_unsaved().to_vec())
    });
    chk.encode("update proposal", &MlsMessage::decode_exact(&m).unwrap());
    m
}

/// `save` from an empty buffer: the need is exact.
fn save_grown<S: CipherSuite + Copy>(chk: &mut Check, c: &mut Client<S>) {
    let expected = c.group.saved_len();
    let n = chk.grow(c, "save", |c, out| c.group.save(out).map(|s| s.len()));
    if n != expected {
        chk.failures
            .push(format!("{} save: wrote {n}, saved_len {expected}", chk.label));
    }
    chk.encode("ratchet tree", c.group.tree());
}

/// `protect_public` (an Add by a new member) and `sign_leaf_node` on their
/// own, from empty buffers.
fn framing<S: CipherSuite + Copy>(chk: &mut Check, c: &mut Client<S>, kp: &[u8], group_id: &[u8]) {
    let Proposal::Add { key_package } = add(kp) else {
        unreachable!()
    };
    let content = FramedContent {
        group_id,
        epoch: 7,
        sender: Sender::NewMemberProposal,
        authenticated_data: b"aad",
        content: Content::Proposal(Proposal::Add { key_package }),
    };
    let no_tag = |_: &Signature| -> Result<HashOutput, Error> { unreachable!() };
    chk.grow(c, "protect_public", |c, out| {
        protect_public(&c.suite, &content, c.sk.as_slice(), b"context", None, no_tag, out).map(|(n, _)| n)
    });
    // A PrivateMessage, padded or not, of a proposal and of application
    // data, with a secret tree of its own: a refusal leaves it as it was.
    let mut tree =
        SecretTree::<mls_nostd::memory::Fixed<4>, 4>::new(&c.suite, &[1; 32], 2, SecretTreeConfig::default()).unwrap();
    let proposal = FramedContent {
        sender: Sender::Member(1),
        ..content
    };
    let application = FramedContent {
        content: Content::Application(&[0x42; 100]),
        ..proposal
    };
    for (what, content) in [("proposal", &proposal), ("application", &application)] {
        for padding in [0, 64] {
            let before = tree.clone();
            let mut changed = false;
            chk.grow(c, &format!("protect_private ({what}, padding {padding})"), |c, out| {
                let sk = c.sk.clone();
                let r = protect_private(
                    &c.suite,
                    content,
                    sk.as_slice(),
                    b"context",
                    &[2; 32],
                    &mut tree,
                    padding,
                    no_tag,
                    &mut c.rng,
                    out,
                );
                changed |= r.is_err() && tree != before;
                r.map(|(n, _, _)| n)
            });
            if changed {
                chk.failures.push(format!(
                    "{} protect_private: a refusal changed the secret tree",
                    chk.label
                ));
            }
        }
    }
    // EncryptWithLabel's scratch (the EncryptContext), exact.
    let n = chk.grow(c, "encrypt_with_label (scratch)", |c, scratch| {
        let mut data = [7u8; 32];
        let pk = key_package.init_key;
        encrypt_with_label(&c.suite, pk, b"label", b"some context", scratch, &mut data, &mut c.rng)?;
        Ok(encrypt_context_len(b"label", b"some context"))
    });
    if n != chk.last_needed {
        chk.failures.push(format!(
            "{} encrypt_with_label: needed {}, used {n}",
            chk.label, chk.last_needed
        ));
    }
    for (source, what) in [
        (LeafNodeSource::Update, "sign_leaf_node (update)"),
        (
            LeafNodeSource::Commit { parent_hash: &[7; 32] },
            "sign_leaf_node (commit)",
        ),
        (LeafNodeSource::KeyPackage(LIFETIME), "sign_leaf_node (key package)"),
    ] {
        let leaf = LeafNode {
            source,
            signature: &[],
            signed_bytes: &[],
            raw: &[],
            ..key_package.leaf_node
        };
        let n = chk.grow(c, what, |c, out| {
            sign_leaf_node(&c.suite, &leaf, c.sk.as_slice(), group_id, 3, out)
        });
        chk.exact::<S>(what, n);
    }
}

/// One group history with every buffer grown from empty; returns the
/// failures.
fn history<S: CipherSuite + Copy>(suite: S, handshake: HandshakeFormat, seed: u8) -> Vec<String> {
    let mut chk = Check {
        label: format!("suite {} {handshake:?} seed {seed}:", S::ID),
        failures: Vec::new(),
        last_needed: 0,
    };
    let config = GroupConfig {
        handshake,
        padding: if seed % 2 == 1 { 32 } else { 0 },
        ..GroupConfig::new()
    };
    let client = |name| Client::seeded(suite, name, config, seed, &[], LIFETIME);
    let (mut alice, mut bob, mut carol, mut dave) = (client("alice"), client("bob"), client("carol"), client("dave"));
    let (mut erin, mut frank) = (client("erin"), client("frank"));
    let group_id = b"buffers";

    // Alice creates the group with the leaf of a grown KeyPackage.
    let (kp, keys) = key_package(&mut chk, &mut alice);
    let MlsMessage::KeyPackage(k) = MlsMessage::decode_exact(&kp).unwrap() else {
        panic!("not a KeyPackage")
    };
    let sk = alice.sk.clone();
    alice
        .group
        .create(
            group_id,
            k.leaf_node.raw,
            keys.encryption_key.as_slice(),
            sk.as_slice(),
            List::empty(),
            &mut alice.rng,
        )
        .unwrap();
    save_grown(&mut chk, &mut alice);

    // Alice adds Bob with a path, the tree in the Welcome.
    let (bob_kp, bob_keys) = key_package(&mut chk, &mut bob);
    save_grown(&mut chk, &mut bob);
    let (_, welcome) = commit(
        &mut chk,
        &mut alice,
        "commit (add, path, tree in the Welcome)",
        &CommitOptions {
            proposals: &[add(&bob_kp)],
            authenticated_data: b"adding bob",
            ..Default::default()
        },
    );
    join(&mut chk, &mut bob, &welcome.unwrap(), &bob_kp, &bob_keys, None);
    save_grown(&mut chk, &mut bob);

    // Bob adds Carol without a path, the tree out of band.
    let (carol_kp, carol_keys) = key_package(&mut chk, &mut carol);
    let (c, welcome) = commit(
        &mut chk,
        &mut bob,
        "commit (add, no path, tree out of band)",
        &CommitOptions {
            proposals: &[add(&carol_kp)],
            force_path: false,
            ratchet_tree_in_welcome: false,
            ..Default::default()
        },
    );
    deliver(&mut chk, &mut [&mut alice], &c);
    let tree = chk.encode("ratchet tree", bob.group.tree());
    join(
        &mut chk,
        &mut carol,
        &welcome.unwrap(),
        &carol_kp,
        &carol_keys,
        Some(&tree),
    );

    // GroupInfo with and without the tree.
    group_info(&mut chk, &mut alice, true);
    group_info(&mut chk, &mut alice, false);

    // Application messages.
    for (data, aad) in [(&b"hello"[..], &b""[..]), (&[0x5a; 300][..], &b"with aad"[..])] {
        let m = send(&mut chk, &mut bob, data, aad);
        deliver(&mut chk, &mut [&mut alice, &mut carol], &m);
    }

    // Proposals: Bob proposes Dave, Carol her own Update; Alice commits
    // them by reference with a path, and Dave gets a Welcome.
    let (dave_kp, dave_keys) = key_package(&mut chk, &mut dave);
    let p = propose(&mut chk, &mut bob, "propose (add)", &add(&dave_kp));
    deliver(&mut chk, &mut [&mut alice, &mut carol], &p);
    let p = propose_update(&mut chk, &mut carol);
    deliver(&mut chk, &mut [&mut alice, &mut bob], &p);
    let (c, welcome) = commit(
        &mut chk,
        &mut alice,
        "commit (by reference, path, Welcome)",
        &CommitOptions::default(),
    );
    deliver(&mut chk, &mut [&mut bob, &mut carol], &c);
    join(&mut chk, &mut dave, &welcome.unwrap(), &dave_kp, &dave_keys, None);

    // Erin joins by external commit with the tree in the GroupInfo, Frank
    // with the tree out of band.
    let gi = group_info(&mut chk, &mut bob, true);
    save_grown(&mut chk, &mut erin);
    let c = join_external(&mut chk, &mut erin, "join_external (tree in GroupInfo)", &gi, None);
    deliver(&mut chk, &mut [&mut alice, &mut bob, &mut carol, &mut dave], &c);
    save_grown(&mut chk, &mut erin);
    let gi = group_info(&mut chk, &mut carol, false);
    let tree = chk.encode("ratchet tree", carol.group.tree());
    let c = join_external(
        &mut chk,
        &mut frank,
        "join_external (tree out of band)",
        &gi,
        Some(&tree),
    );
    deliver(
        &mut chk,
        &mut [&mut alice, &mut bob, &mut carol, &mut dave, &mut erin],
        &c,
    );

    // Dave proposes to remove Carol; Erin commits it with a new Remove of
    // Bob by value.
    let p = propose(
        &mut chk,
        &mut dave,
        "propose (remove)",
        &Proposal::Remove { removed: 2 },
    );
    deliver(
        &mut chk,
        &mut [&mut alice, &mut bob, &mut carol, &mut erin, &mut frank],
        &p,
    );
    let (c, _) = commit(
        &mut chk,
        &mut erin,
        "commit (removes, path)",
        &CommitOptions {
            proposals: &[Proposal::Remove { removed: 1 }],
            ..Default::default()
        },
    );
    deliver(
        &mut chk,
        &mut [&mut alice, &mut bob, &mut carol, &mut dave, &mut frank],
        &c,
    );
    assert_eq!(bob.group.status(), Status::Removed);
    assert_eq!(carol.group.status(), Status::Removed);

    // An Update committed without new proposals, then a message from
    // everyone left, and everyone agrees.
    let p = propose_update(&mut chk, &mut frank);
    deliver(&mut chk, &mut [&mut alice, &mut dave, &mut erin], &p);
    let (c, _) = commit(
        &mut chk,
        &mut dave,
        "commit (update by reference, path)",
        &CommitOptions::default(),
    );
    deliver(&mut chk, &mut [&mut alice, &mut erin, &mut frank], &c);
    for i in 0..4 {
        let mut all = [&mut alice, &mut dave, &mut erin, &mut frank];
        let name = all[i].name;
        let m = send(&mut chk, all[i], name.as_bytes(), b"");
        for (j, c) in all.iter_mut().enumerate() {
            if j != i {
                process(&mut chk, c, &m);
            }
        }
    }
    for c in [&alice, &erin, &frank] {
        assert_eq!(c.group.epoch_authenticator(), dave.group.epoch_authenticator());
    }
    for c in [&mut alice, &mut dave, &mut erin, &mut frank] {
        save_grown(&mut chk, c);
    }

    let (kp, _) = key_package(&mut chk, &mut frank);
    framing(&mut chk, &mut frank, &kp, group_id);
    chk.failures
}

fn run<S: CipherSuite + Copy>(suite: S, seeds: impl IntoIterator<Item = u8> + Clone) {
    let mut failures = Vec::new();
    for handshake in [HandshakeFormat::Private, HandshakeFormat::Public] {
        for seed in seeds.clone() {
            failures.extend(history(suite, handshake, seed));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn grow_from_empty_suite_1() {
    run(Curve25519Aes128, 0..2);
}

#[test]
fn grow_from_empty_suite_2() {
    run(P256Aes128, 0..8);
}

#[test]
fn grow_from_empty_suite_3() {
    run(Curve25519ChaCha, 0..2);
}
