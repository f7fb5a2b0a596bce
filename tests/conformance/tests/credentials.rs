//! The Authentication Service hook (RFC 9420 §5.3.1): the group asks its
//! `CredentialValidator` about every credential at each event the section
//! lists, with the right `CredentialUse`, and a refusal is
//! `Error::CredentialRejected` with the validator's reason and leaves the
//! saved state byte for byte as it was.
//!
//! `Auth` records every call as text (`"KeyPackage carol"`,
//! `"Successor bob -> bob2"`) and, when built with a `Refuse` policy,
//! refuses one identity, one usage or every successor. A refusing copy of
//! a member is made by saving the member's group and restoring it into a
//! group with the refusing validator.

mod common;

use chacha20::ChaCha20Rng;
use common::{LIFETIME, NOW, add, capabilities, encode, event, template};
use mls_nostd::Error;
use mls_nostd::codec::{Decode, List};
use mls_nostd::commit::Commit;
use mls_nostd::credential::{Credential, CredentialUse, CredentialValidator};
use mls_nostd::crypto::{CipherSuite, Curve25519Aes128, Curve25519ChaCha, HashOutput, P256Aes128, Signature};
use mls_nostd::crypto::{SignaturePrivateKey, SignaturePublicKey};
use mls_nostd::extension::{Extension, ExternalSender, extension_type};
use mls_nostd::framing::{Content, FramedContent, MlsMessage, PublicMessage, protect_public};
use mls_nostd::group::{CommitOptions, ExternalJoin, Group, GroupConfig, HandshakeFormat, KeyPackageKeys, Status};
use mls_nostd::key_package::generate;
use mls_nostd::memory::Fixed;
use mls_nostd::proposal::Proposal;
use mls_nostd::tree::{LeafNode, LeafNodeSource, sign_leaf_node};
use mls_nostd::treekem::UpdatePath;
use rand_core::SeedableRng;
use std::cell::RefCell;

/// A group of up to 16 members with the test's Authentication Service.
type AG<S> = Group<S, Fixed<16, 1024, 16384>, 16, 1, Auth>;

const GID: &[u8] = b"credentials";
const REFUSED_IDENTITY: &str = "test AS: identity refused";
const REFUSED_USAGE: &str = "test AS: usage refused";
const REFUSED_SUCCESSOR: &str = "test AS: successor refused";

/// What a refusing `Auth` refuses.
#[derive(Debug, Clone, Copy)]
enum Refuse {
    /// `validate` of a Basic credential with this identity.
    Identity(&'static str),
    /// `validate` with this usage.
    Usage(CredentialUse),
    /// Every `validate_successor`.
    Successor,
}

/// The test's Authentication Service: records every call, in order, as
/// text and with the signature key it was given; refuses per `refuse`.
#[derive(Default)]
struct Auth {
    calls: RefCell<Vec<(String, Vec<u8>)>>,
    refuse: Option<Refuse>,
}

impl Auth {
    fn recording() -> Self {
        Auth::default()
    }

    fn refusing(refuse: Refuse) -> Self {
        Auth {
            refuse: Some(refuse),
            ..Auth::default()
        }
    }
}

fn identity(c: &Credential<'_>) -> String {
    match c {
        Credential::Basic { identity } => String::from_utf8_lossy(identity).into_owned(),
        Credential::X509 { .. } => "<x509>".into(),
    }
}

impl CredentialValidator for Auth {
    fn validate(
        &self,
        credential: &Credential<'_>,
        signature_key: &[u8],
        usage: CredentialUse,
    ) -> Result<(), &'static str> {
        let id = identity(credential);
        let refused = match self.refuse {
            Some(Refuse::Identity(x)) if x == id => Err(REFUSED_IDENTITY),
            Some(Refuse::Usage(u)) if u == usage => Err(REFUSED_USAGE),
            _ => Ok(()),
        };
        self.calls
            .borrow_mut()
            .push((format!("{usage:?} {id}"), signature_key.to_vec()));
        refused
    }

    fn validate_successor(&self, old: &Credential<'_>, new: &Credential<'_>) -> Result<(), &'static str> {
        let call = format!("Successor {} -> {}", identity(old), identity(new));
        self.calls.borrow_mut().push((call, Vec::new()));
        match self.refuse {
            Some(Refuse::Successor) => Err(REFUSED_SUCCESSOR),
            _ => Ok(()),
        }
    }
}

/// The calls `g`'s validator recorded since the last look, which are
/// forgotten.
fn calls<S: CipherSuite>(g: &AG<S>) -> Vec<String> {
    g.validator().calls.take().into_iter().map(|(c, _)| c).collect()
}

/// The calls with the signature keys they came with, forgotten too.
fn calls_with_keys<S: CipherSuite>(g: &AG<S>) -> Vec<(String, Vec<u8>)> {
    g.validator().calls.take()
}

/// `g`'s saved state.
fn saved<S: CipherSuite>(g: &AG<S>) -> Vec<u8> {
    let mut out = vec![0u8; g.saved_len()];
    let s = g.save(&mut out).unwrap();
    assert_eq!(s.len(), out.len());
    out
}

fn config() -> GroupConfig {
    // Public handshakes: the UpdatePath test re-signs a commit.
    GroupConfig {
        handshake: HandshakeFormat::Public,
        ..GroupConfig::new()
    }
}

/// A copy of `g` (through save and restore) whose validator is `auth`.
fn copy_with<S: CipherSuite + Copy>(g: &AG<S>, auth: Auth) -> Box<AG<S>> {
    let mut out: Box<AG<S>> = Box::new(Group::new_in(*g.suite(), config(), auth));
    out.restore(&saved(g)).unwrap();
    assert!(saved(&out) == saved(g), "a copy saves as its original");
    out
}

/// `f` fails on `g` with `CredentialRejected { reason }`, and `g` saves
/// the same bytes as before.
fn refused<S: CipherSuite>(g: &mut AG<S>, reason: &'static str, f: impl FnOnce(&mut AG<S>) -> Result<(), Error>) {
    let before = saved(g);
    assert_eq!(f(g), Err(Error::CredentialRejected { reason }));
    assert!(saved(g) == before, "refusing with {reason:?} changed the state");
}

fn process<S: CipherSuite>(g: &mut AG<S>, msg: &[u8]) -> Result<String, Error> {
    let mut buf = vec![0u8; msg.len()];
    g.process(msg, &(), NOW, &mut buf).map(event)
}

fn try_commit<S: CipherSuite>(
    g: &mut AG<S>,
    rng: &mut ChaCha20Rng,
    proposals: &[Proposal<'_>],
) -> Result<(Vec<u8>, Option<Vec<u8>>), Error> {
    let mut work = vec![0u8; 1 << 16];
    let options = CommitOptions {
        proposals,
        ..Default::default()
    };
    let out = g.commit(&options, &(), NOW, rng, &mut work)?;
    let mut state = vec![0u8; g.saved_len()];
    let s = g.save(&mut state)?;
    let c = out.release(&s)?;
    Ok((c.commit.to_vec(), c.welcome.map(<[u8]>::to_vec)))
}

fn try_propose<S: CipherSuite>(g: &mut AG<S>, rng: &mut ChaCha20Rng, p: &Proposal<'_>) -> Result<Vec<u8>, Error> {
    let mut out = vec![0u8; 4096];
    Ok(g.propose(p, b"", NOW, rng, &mut out)?.release_unsaved().to_vec())
}

/// One member: a signature key, an RNG and a group with `Auth`.
struct Member<S: CipherSuite> {
    name: &'static str,
    suite: S,
    sk: SignaturePrivateKey,
    pk: SignaturePublicKey,
    rng: ChaCha20Rng,
    group: Box<AG<S>>,
}

impl<S: CipherSuite + Copy> Member<S> {
    fn new(suite: S, name: &'static str) -> Self {
        Self::with(suite, name, Auth::recording())
    }

    fn with(suite: S, name: &'static str, auth: Auth) -> Self {
        let mut seed = [0u8; 32];
        seed[..name.len()].copy_from_slice(name.as_bytes());
        seed[31] = S::ID as u8;
        let mut rng = ChaCha20Rng::from_seed(seed);
        let (sk, pk) = suite.signature_key_pair(&mut rng);
        Member {
            name,
            suite,
            sk,
            pk,
            rng,
            group: Box::new(Group::new_in(suite, config(), auth)),
        }
    }

    /// A KeyPackage with a Basic credential of the member's name.
    fn key_package(&mut self) -> (Vec<u8>, KeyPackageKeys) {
        let mut out = vec![0u8; 2048];
        let (n, keys) = generate(
            &self.suite,
            &mut self.rng,
            self.sk.as_slice(),
            &template(self.name.as_bytes(), capabilities(&[])),
            LIFETIME,
            List::empty(),
            &mut out,
        )
        .unwrap();
        out.truncate(n);
        (out, keys)
    }

    fn try_create(&mut self, extensions: &[Extension<'_>]) -> Result<(), Error> {
        let (kp, keys) = self.key_package();
        let leaf = match MlsMessage::decode_exact(&kp).unwrap() {
            MlsMessage::KeyPackage(k) => k.leaf_node.raw,
            _ => unreachable!(),
        };
        self.group.create(
            GID,
            leaf,
            keys.encryption_key.as_slice(),
            self.sk.as_slice(),
            List::from_slice(extensions),
            &mut self.rng,
        )
    }

    fn commit(&mut self, proposals: &[Proposal<'_>]) -> (Vec<u8>, Option<Vec<u8>>) {
        try_commit(&mut self.group, &mut self.rng, proposals).unwrap()
    }

    fn propose(&mut self, p: &Proposal<'_>) -> Vec<u8> {
        try_propose(&mut self.group, &mut self.rng, p).unwrap()
    }

    fn process(&mut self, msg: &[u8]) -> Result<String, Error> {
        process(&mut self.group, msg)
    }

    fn join(&mut self, welcome: &[u8], kp: &[u8], keys: &KeyPackageKeys) -> Result<(), Error> {
        let mut scratch = vec![0u8; 2 * welcome.len() + 1024];
        self.group
            .join(welcome, kp, keys, self.sk.as_slice(), None, &(), NOW, &mut scratch)
    }

    fn join_external(&mut self, group_info: &[u8]) -> Result<Vec<u8>, Error> {
        let join = ExternalJoin {
            group_info,
            ratchet_tree: None,
            template: template(self.name.as_bytes(), capabilities(&[])),
            signature_key: self.sk.as_slice(),
            resync: None,
            authenticated_data: b"",
        };
        let mut work = vec![0u8; 1 << 16];
        let out = self.group.join_external(&join, NOW, &mut self.rng, &mut work)?;
        Ok(out.release_unsaved().to_vec())
    }

    fn group_info(&mut self) -> Vec<u8> {
        let mut out = vec![0u8; 1 << 16];
        let n = self.group.group_info(true, &mut out).unwrap();
        out.truncate(n);
        out
    }

    fn calls(&self) -> Vec<String> {
        calls(&self.group)
    }
}

/// Commit message from `by`'s group, as text.
fn commit_event(by: u32, epoch: u64, own: bool) -> String {
    format!("Commit {{ sender: Member({by}), epoch: {epoch}, own: {own} }}")
}

/// Alice creates the group and adds everyone in `others` by one commit;
/// all are at epoch 1 and have forgotten the calls of the setup.
fn group_of<S: CipherSuite + Copy>(suite: S, others: &[&'static str]) -> Vec<Member<S>> {
    let mut alice = Member::new(suite, "alice");
    alice.try_create(&[]).unwrap();
    let mut members: Vec<Member<S>> = others.iter().map(|n| Member::new(suite, n)).collect();
    let kps: Vec<_> = members.iter_mut().map(|m| m.key_package()).collect();
    let adds: Vec<_> = kps.iter().map(|(kp, _)| add(kp)).collect();
    let (commit, welcome) = alice.commit(&adds);
    alice.process(&commit).unwrap();
    let welcome = welcome.unwrap();
    for (m, (kp, keys)) in members.iter_mut().zip(&kps) {
        m.join(&welcome, kp, keys).unwrap();
    }
    members.insert(0, alice);
    for m in &members {
        assert_eq!(m.group.epoch(), 1);
        m.calls();
    }
    members
}

fn external_senders(identity: &'static str, key: &[u8]) -> Vec<u8> {
    let senders = [ExternalSender {
        signature_key: key,
        credential: Credential::Basic {
            identity: identity.as_bytes(),
        },
    }];
    encode(&List::from_slice(&senders))
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

macro_rules! in_suites {
    ($f:ident: $s1:ident, $s2:ident, $s3:ident) => {
        #[test]
        fn $s1() {
            $f(Curve25519Aes128);
        }
        #[test]
        fn $s2() {
            $f(P256Aes128);
        }
        #[test]
        fn $s3() {
            $f(Curve25519ChaCha);
        }
    };
}

// ---------------------------------------------------------------------------
// Each event of §5.3.1 calls the hook, with the right usage and identity.

/// "When a member receives a KeyPackage that it will use in an Add
/// proposal", and "receives an Add proposal": the KeyPackage's leaf is
/// checked as `KeyPackage`, with its own signature key, by the committer
/// of an Add by value, by a member proposing an Add, by the members
/// receiving that proposal and by the members processing a commit with
/// an Add by value or by reference.
fn key_package_of_an_add<S: CipherSuite + Copy>(suite: S) {
    let mut g = group_of(suite, &["bob"]);
    let (alice, rest) = g.split_first_mut().unwrap();
    let bob = &mut rest[0];
    let mut carol = Member::new(suite, "carol");
    let mut dave = Member::new(suite, "dave");

    // Bob proposes Carol's Add; Alice receives it.
    let (carol_kp, carol_keys) = carol.key_package();
    let p = bob.propose(&add(&carol_kp));
    let carol_pk = carol.pk.as_slice().to_vec();
    assert_eq!(
        calls_with_keys(&bob.group),
        [("KeyPackage carol".to_string(), carol_pk.clone())]
    );
    assert_eq!(alice.process(&p).unwrap(), "Proposal { sender: Member(1) }");
    assert_eq!(
        calls_with_keys(&alice.group),
        [("KeyPackage carol".to_string(), carol_pk.clone())]
    );

    // Alice commits it by reference and Dave's Add by value.
    let (dave_kp, dave_keys) = dave.key_package();
    let (commit, welcome) = alice.commit(&[add(&dave_kp)]);
    assert_eq!(alice.calls(), strings(&["KeyPackage carol", "KeyPackage dave"]));
    // Bob checks both KeyPackages, then Alice's UpdatePath leaf.
    assert_eq!(bob.process(&commit).unwrap(), commit_event(0, 2, false));
    assert_eq!(
        bob.calls(),
        strings(&["KeyPackage carol", "KeyPackage dave", "Update alice"])
    );
    assert_eq!(alice.process(&commit).unwrap(), commit_event(0, 2, true));
    assert_eq!(
        alice.calls(),
        strings(&["KeyPackage carol", "KeyPackage dave", "Update alice"])
    );
    let welcome = welcome.unwrap();
    carol.join(&welcome, &carol_kp, &carol_keys).unwrap();
    dave.join(&welcome, &dave_kp, &dave_keys).unwrap();
    let members = strings(&[
        "GroupMember alice",
        "GroupMember bob",
        "GroupMember carol",
        "GroupMember dave",
    ]);
    assert_eq!(carol.calls(), members);
    assert_eq!(dave.calls(), members);

    // Bob commits Erin's Add by value: the committer and every receiver
    // check her KeyPackage.
    let mut erin = Member::new(suite, "erin");
    let (erin_kp, _) = erin.key_package();
    let (commit, _) = bob.commit(&[add(&erin_kp)]);
    let erin_pk = erin.pk.as_slice().to_vec();
    assert_eq!(
        calls_with_keys(&bob.group),
        [("KeyPackage erin".to_string(), erin_pk.clone())]
    );
    for m in [&mut *alice, &mut carol, &mut dave] {
        assert_eq!(m.process(&commit).unwrap(), commit_event(1, 3, false));
        let got = calls_with_keys(&m.group);
        assert_eq!(got[0], ("KeyPackage erin".to_string(), erin_pk.clone()));
        assert_eq!(got[1].0, "Update bob");
        assert_eq!(got.len(), 2);
    }
}
in_suites!(key_package_of_an_add: key_package_of_an_add_suite1, key_package_of_an_add_suite2, key_package_of_an_add_suite3);

/// "When a member receives a GroupInfo object that it will use to join a
/// group ... via a Welcome": every member of the tree, the joiner
/// included, is checked as `GroupMember`, with its signature key.
fn group_members_on_a_welcome<S: CipherSuite + Copy>(suite: S) {
    let mut g = group_of(suite, &["bob", "carol"]);
    let mut dave = Member::new(suite, "dave");
    let (kp, keys) = dave.key_package();
    let (commit, welcome) = g[0].commit(&[add(&kp)]);
    g[0].process(&commit).unwrap();
    dave.join(&welcome.unwrap(), &kp, &keys).unwrap();
    let got = calls_with_keys(&dave.group);
    let want: Vec<(String, Vec<u8>)> = ["alice", "bob", "carol", "dave"]
        .iter()
        .zip(g.iter().map(|m| m.pk.as_slice()).chain([dave.pk.as_slice()]))
        .map(|(n, k)| (format!("GroupMember {n}"), k.to_vec()))
        .collect();
    assert_eq!(got, want);
}
in_suites!(group_members_on_a_welcome: group_members_on_a_welcome_suite1, group_members_on_a_welcome_suite2, group_members_on_a_welcome_suite3);

/// "... or via an external Commit": the joiner checks every member of the
/// tree as `GroupMember`; the members check the joiner's UpdatePath leaf
/// (a new credential for the committer) as `Update`.
fn group_members_on_an_external_join<S: CipherSuite + Copy>(suite: S) {
    let mut g = group_of(suite, &["bob"]);
    let gi = g[1].group_info();
    let mut erin = Member::new(suite, "erin");
    let commit = erin.join_external(&gi).unwrap();
    assert_eq!(erin.calls(), strings(&["GroupMember alice", "GroupMember bob"]));
    for m in &mut g {
        assert_eq!(
            m.process(&commit).unwrap(),
            "Commit { sender: NewMemberCommit, epoch: 2, own: false }"
        );
        assert_eq!(
            calls_with_keys(&m.group),
            [("Update erin".to_string(), erin.pk.as_slice().to_vec())]
        );
    }
    assert_eq!(g[0].group.epoch_authenticator(), erin.group.epoch_authenticator());
}
in_suites!(group_members_on_an_external_join: group_members_on_an_external_join_suite1, group_members_on_an_external_join_suite2, group_members_on_an_external_join_suite3);

/// "When a member receives an Update proposal" and "a Commit with an
/// UpdatePath": the new LeafNode is checked as `Update`. The credential is
/// unchanged here, so `validate_successor` is not called.
fn update_proposal_and_update_path<S: CipherSuite + Copy>(suite: S) {
    let mut g = group_of(suite, &["bob", "carol"]);
    let (alice, rest) = g.split_first_mut().unwrap();
    let (bob, rest) = rest.split_first_mut().unwrap();
    let carol = &mut rest[0];

    let mut out = vec![0u8; 4096];
    let p = carol
        .group
        .propose_update(b"", NOW, &mut carol.rng, &mut out)
        .unwrap()
        .release_unsaved()
        .to_vec();
    assert_eq!(carol.calls(), Vec::<String>::new(), "its own Update is not checked");
    for m in [&mut *alice, &mut *bob] {
        assert_eq!(m.process(&p).unwrap(), "Proposal { sender: Member(2) }");
        assert_eq!(
            calls_with_keys(&m.group),
            [("Update carol".to_string(), carol.pk.as_slice().to_vec())]
        );
    }
    // Alice commits the Update with her path: the receivers check both.
    let (commit, _) = alice.commit(&[]);
    assert_eq!(alice.calls(), strings(&["Update carol"]));
    for m in [&mut *bob, &mut *carol] {
        assert_eq!(m.process(&commit).unwrap(), commit_event(0, 2, false));
        assert_eq!(m.calls(), strings(&["Update carol", "Update alice"]));
    }
    alice.process(&commit).unwrap();
    alice.calls();

    // An empty commit with a path from Bob.
    let (commit, _) = bob.commit(&[]);
    assert_eq!(bob.calls(), Vec::<String>::new());
    for m in [&mut *alice, &mut *carol] {
        assert_eq!(m.process(&commit).unwrap(), commit_event(1, 3, false));
        assert_eq!(
            calls_with_keys(&m.group),
            [("Update bob".to_string(), bob.pk.as_slice().to_vec())]
        );
    }
}
in_suites!(update_proposal_and_update_path: update_proposal_and_update_path_suite1, update_proposal_and_update_path_suite2, update_proposal_and_update_path_suite3);

/// Bob's Update proposal carrying a new credential (`bob2`), signed by
/// Bob. The core has no call for a member to change its own credential
/// (`propose_update` and commits keep the current one), so the leaf is
/// signed here and sent with `propose`; its encryption key is the one of a
/// `propose_update` never delivered, whose private key Bob keeps. Every
/// receiver checks it as `Update` and asks `validate_successor(bob, bob2)`,
/// and once committed Bob's leaf carries `bob2` everywhere.
fn successor_by_update_proposal<S: CipherSuite + Copy>(suite: S) {
    let mut g = group_of(suite, &["bob", "carol"]);
    let (alice, rest) = g.split_first_mut().unwrap();
    let (bob, rest) = rest.split_first_mut().unwrap();
    let carol = &mut rest[0];

    let mut out = vec![0u8; 4096];
    let _ = bob
        .group
        .propose_update(b"", NOW, &mut bob.rng, &mut out)
        .unwrap()
        .release_unsaved();
    let fresh = bob
        .group
        .proposals()
        .iter()
        .find_map(|p| match p.proposal {
            Proposal::Update { leaf_node } => Some(leaf_node.encryption_key.to_vec()),
            _ => None,
        })
        .unwrap();
    let own = bob.group.own_leaf();
    let mine = bob.group.member(own).unwrap();
    let leaf = LeafNode {
        encryption_key: &fresh,
        credential: Credential::Basic { identity: b"bob2" },
        source: LeafNodeSource::Update,
        signature: &[],
        signed_bytes: &[],
        raw: &[],
        ..mine
    };
    let mut buf = vec![0u8; 1024];
    let n = sign_leaf_node(&suite, &leaf, bob.sk.as_slice(), GID, own, &mut buf).unwrap();
    buf.truncate(n);
    let leaf_node = LeafNode::decode_exact(&buf).unwrap();
    let p = bob.propose(&Proposal::Update { leaf_node });
    bob.calls();

    let checked = strings(&["Update bob2", "Successor bob -> bob2"]);
    // A refusing copy of Alice: the new identity, or the succession.
    let mut no_bob2 = copy_with(&alice.group, Auth::refusing(Refuse::Identity("bob2")));
    refused(&mut no_bob2, REFUSED_IDENTITY, |g| process(g, &p).map(drop));
    let mut no_successor = copy_with(&alice.group, Auth::refusing(Refuse::Successor));
    refused(&mut no_successor, REFUSED_SUCCESSOR, |g| process(g, &p).map(drop));
    assert_eq!(calls(&no_successor), checked);

    for m in [&mut *alice, &mut *carol] {
        assert_eq!(m.process(&p).unwrap(), "Proposal { sender: Member(1) }");
        assert_eq!(m.calls(), checked);
    }
    // Alice commits it; a refusing copy of Carol refuses the commit.
    let (commit, _) = alice.commit(&[]);
    assert_eq!(alice.calls(), checked);
    let mut no_successor = copy_with(&carol.group, Auth::refusing(Refuse::Successor));
    refused(&mut no_successor, REFUSED_SUCCESSOR, |g| process(g, &commit).map(drop));
    for m in [&mut *bob, &mut *carol] {
        assert_eq!(m.process(&commit).unwrap(), commit_event(0, 2, false));
        assert_eq!(
            m.calls(),
            strings(&["Update bob2", "Successor bob -> bob2", "Update alice"])
        );
    }
    alice.process(&commit).unwrap();
    for m in [&*alice, &*bob, &*carol] {
        assert_eq!(
            m.group.member(own).unwrap().credential,
            Credential::Basic { identity: b"bob2" }
        );
        assert_eq!(m.group.epoch_authenticator(), alice.group.epoch_authenticator());
    }
    // Bob's next commit carries bob2 again: no successor check any more.
    let (commit, _) = bob.commit(&[]);
    alice.calls();
    assert_eq!(alice.process(&commit).unwrap(), commit_event(1, 3, false));
    assert_eq!(alice.calls(), strings(&["Update bob2"]));
}
in_suites!(successor_by_update_proposal: successor_by_update_proposal_suite1, successor_by_update_proposal_suite2, successor_by_update_proposal_suite3);

/// The membership key of `g`'s current epoch, read from its saved state
/// (located by the public epoch authenticator, checked against the public
/// resumption PSK), as `atomicity.rs` does.
fn membership_key<S: CipherSuite>(g: &AG<S>) -> Vec<u8> {
    let bytes = saved(g);
    let h = S::HASH_LEN;
    let mut needle = vec![h as u8];
    needle.extend_from_slice(g.epoch_authenticator());
    let found: Vec<usize> = bytes
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(found.len(), 1);
    let item = |i: usize| -> (&[u8], usize) {
        let len = bytes[i] as usize;
        (&bytes[i + 1..i + 1 + len], i + 1 + len)
    };
    let (_external, i) = item(found[0] + 1 + h);
    let (_confirmation, i) = item(i);
    let (membership, i) = item(i);
    let (resumption, _) = item(i);
    assert_eq!(Some(resumption), g.resumption_psk(g.epoch()));
    membership.to_vec()
}

/// "A Commit with an UpdatePath whose LeafNode has a new credential for
/// the committer": Bob's real commit with its path leaf re-signed by Bob
/// with the credential `bob2`, the message signed and MACed again by Bob.
/// The path secrets were encrypted under the GroupContext of the original
/// leaf, so no such commit can be applied (the core offers no way to make
/// a real one); but the leaf is checked before any decryption: the
/// receiver asks `validate` (`Update`) and `validate_successor`, then
/// fails to decrypt, and a validator refusing the succession refuses it.
/// Nothing changes either way.
fn successor_by_update_path<S: CipherSuite + Copy>(suite: S) {
    let mut g = group_of(suite, &["bob"]);
    let (alice, rest) = g.split_first_mut().unwrap();
    let bob = &mut rest[0];
    let context = {
        let gi = alice.group_info();
        let MlsMessage::GroupInfo(gi) = MlsMessage::decode_exact(&gi).unwrap() else {
            unreachable!()
        };
        encode(&gi.group_context)
    };
    let mk = membership_key(&bob.group);
    let (c, _) = bob.commit(&[]);
    let MlsMessage::PublicMessage(pm) = MlsMessage::decode_exact(&c).unwrap() else {
        panic!("not a PublicMessage")
    };
    let pm: PublicMessage<'_> = pm;
    let Content::Commit(commit) = pm.content.content else {
        panic!("not a commit")
    };
    let path = commit.path.unwrap();
    let tag = pm.auth.confirmation_tag.unwrap();
    let forge = |leaf_node: LeafNode<'_>| {
        let content = FramedContent {
            content: Content::Commit(Commit {
                proposals: commit.proposals,
                path: Some(UpdatePath {
                    leaf_node,
                    nodes: path.nodes,
                }),
            }),
            ..pm.content
        };
        let mut out = vec![0u8; 1 << 16];
        let confirm = |_: &Signature| HashOutput::from_slice(tag);
        let (n, _) = protect_public(
            &suite,
            &content,
            bob.sk.as_slice(),
            &context,
            Some(&mk),
            confirm,
            &mut out,
        )
        .unwrap();
        out.truncate(n);
        out
    };
    // Control: the genuine content, signed and MACed again, is accepted.
    let mut control = copy_with(&alice.group, Auth::recording());
    assert_eq!(
        process(&mut control, &forge(path.leaf_node)).unwrap(),
        commit_event(1, 2, false)
    );
    assert_eq!(calls(&control), strings(&["Update bob"]));

    let leaf = LeafNode {
        credential: Credential::Basic { identity: b"bob2" },
        signature: &[],
        signed_bytes: &[],
        raw: &[],
        ..path.leaf_node
    };
    let mut buf = vec![0u8; 1024];
    let n = sign_leaf_node(&suite, &leaf, bob.sk.as_slice(), GID, 1, &mut buf).unwrap();
    let m = forge(LeafNode::decode_exact(&buf[..n]).unwrap());

    let before = saved(&alice.group);
    assert_eq!(alice.process(&m), Err(Error::DecryptionFailed));
    assert!(saved(&alice.group) == before);
    assert_eq!(alice.calls(), strings(&["Update bob2", "Successor bob -> bob2"]));
    let mut no_successor = copy_with(&alice.group, Auth::refusing(Refuse::Successor));
    refused(&mut no_successor, REFUSED_SUCCESSOR, |g| process(g, &m).map(drop));
    assert_eq!(calls(&no_successor), strings(&["Update bob2", "Successor bob -> bob2"]));
    // The genuine commit still applies.
    assert_eq!(alice.process(&c).unwrap(), commit_event(1, 2, false));
}
in_suites!(successor_by_update_path: successor_by_update_path_suite1, successor_by_update_path_suite2, successor_by_update_path_suite3);

/// "When an `external_senders` extension is added to the group" or
/// "updated": each entry is checked as `ExternalSender`, with its key, at
/// create, by the proposer, receivers and committer of a
/// GroupContextExtensions proposal, and by a joiner (Welcome or external
/// commit) of a group that has one.
fn external_senders_are_checked<S: CipherSuite + Copy>(suite: S) {
    let mut rng = ChaCha20Rng::from_seed([0xe5; 32]);
    let (_, ds_pk) = suite.signature_key_pair(&mut rng);
    let (_, ds2_pk) = suite.signature_key_pair(&mut rng);
    let ds = external_senders("ds", ds_pk.as_slice());
    let ds2 = external_senders("ds2", ds2_pk.as_slice());
    let ext = |data| {
        [Extension {
            extension_type: extension_type::EXTERNAL_SENDERS,
            data,
        }]
    };

    // At create.
    let mut solo = Member::new(suite, "solo");
    solo.try_create(&ext(&ds)).unwrap();
    assert_eq!(
        calls_with_keys(&solo.group),
        [("ExternalSender ds".to_string(), ds_pk.as_slice().to_vec())]
    );

    // A GroupContextExtensions proposal from Alice, committed by Bob.
    let mut g = group_of(suite, &["bob"]);
    let (alice, rest) = g.split_first_mut().unwrap();
    let bob = &mut rest[0];
    let exts = ext(&ds);
    let gce = Proposal::GroupContextExtensions {
        extensions: List::from_slice(&exts),
    };
    let p = alice.propose(&gce);
    assert_eq!(alice.calls(), strings(&["ExternalSender ds"]));
    assert_eq!(bob.process(&p).unwrap(), "Proposal { sender: Member(0) }");
    assert_eq!(bob.calls(), strings(&["ExternalSender ds"]));
    let (commit, _) = bob.commit(&[]);
    assert_eq!(bob.calls(), strings(&["ExternalSender ds"]));
    assert_eq!(alice.process(&commit).unwrap(), commit_event(1, 2, false));
    assert_eq!(alice.calls(), strings(&["ExternalSender ds", "Update bob"]));
    bob.process(&commit).unwrap();
    bob.calls();

    // Updated by value in Alice's commit: the new list is checked.
    let exts2 = ext(&ds2);
    let gce2 = Proposal::GroupContextExtensions {
        extensions: List::from_slice(&exts2),
    };
    let (commit, _) = alice.commit(&[gce2]);
    assert_eq!(alice.calls(), strings(&["ExternalSender ds2"]));
    assert_eq!(bob.process(&commit).unwrap(), commit_event(0, 3, false));
    assert_eq!(bob.calls(), strings(&["ExternalSender ds2", "Update alice"]));
    alice.process(&commit).unwrap();
    alice.calls();

    // Joiners by Welcome and by external commit check it too, after the
    // tree's members.
    let mut carol = Member::new(suite, "carol");
    let (kp, keys) = carol.key_package();
    let (commit, welcome) = alice.commit(&[add(&kp)]);
    alice.process(&commit).unwrap();
    bob.process(&commit).unwrap();
    carol.join(&welcome.unwrap(), &kp, &keys).unwrap();
    assert_eq!(
        carol.calls(),
        strings(&[
            "GroupMember alice",
            "GroupMember bob",
            "GroupMember carol",
            "ExternalSender ds2"
        ])
    );
    let mut dave = Member::new(suite, "dave");
    let gi = bob.group_info();
    dave.join_external(&gi).unwrap();
    assert_eq!(
        dave.calls(),
        strings(&[
            "GroupMember alice",
            "GroupMember bob",
            "GroupMember carol",
            "ExternalSender ds2"
        ])
    );
}
in_suites!(external_senders_are_checked: external_senders_are_checked_suite1, external_senders_are_checked_suite2, external_senders_are_checked_suite3);

// ---------------------------------------------------------------------------
// Each refusal is `CredentialRejected` with the validator's reason and
// changes nothing.

/// KeyPackages: refused by identity or by usage, whether Alice commits
/// the Add, proposes it, receives it as a proposal or in a commit.
fn refused_key_packages<S: CipherSuite + Copy>(suite: S) {
    let mut g = group_of(suite, &["bob"]);
    let mut carol = Member::new(suite, "carol");
    let (kp, _) = carol.key_package();
    // Bob's commit of the Add by value (from a copy), and his proposal.
    let (commit, _) = {
        let bob = &mut g[1];
        let mut copy = copy_with(&bob.group, Auth::recording());
        try_commit(&mut copy, &mut bob.rng, &[add(&kp)]).unwrap()
    };
    let p = g[1].propose(&add(&kp));
    let alice = &mut g[0];
    for (auth, reason) in [
        (Refuse::Identity("carol"), REFUSED_IDENTITY),
        (Refuse::Usage(CredentialUse::KeyPackage), REFUSED_USAGE),
    ] {
        let mut a = copy_with(&alice.group, Auth::refusing(auth));
        let rng = &mut alice.rng;
        refused(&mut a, reason, |g| try_commit(g, rng, &[add(&kp)]).map(drop));
        refused(&mut a, reason, |g| try_propose(g, rng, &add(&kp)).map(drop));
        refused(&mut a, reason, |g| process(g, &p).map(drop));
        refused(&mut a, reason, |g| process(g, &commit).map(drop));
        assert_eq!(calls(&a).iter().filter(|c| *c == "KeyPackage carol").count(), 4);
    }
    // The same messages are accepted by Alice herself.
    assert_eq!(alice.process(&p).unwrap(), "Proposal { sender: Member(1) }");
}
in_suites!(refused_key_packages: refused_key_packages_suite1, refused_key_packages_suite2, refused_key_packages_suite3);

/// Joining: a joiner refusing a member (by identity, or every
/// `GroupMember`) refuses the Welcome and the external join; its group is
/// still empty and saves as before.
fn refused_group_members<S: CipherSuite + Copy>(suite: S) {
    let mut g = group_of(suite, &["bob"]);
    for (auth, reason) in [
        (Refuse::Identity("bob"), REFUSED_IDENTITY),
        (Refuse::Usage(CredentialUse::GroupMember), REFUSED_USAGE),
    ] {
        let mut carol = Member::with(suite, "carol", Auth::refusing(auth));
        let (kp, keys) = carol.key_package();
        let (_, welcome) = try_commit(
            &mut copy_with(&g[0].group, Auth::recording()),
            &mut g[0].rng,
            &[add(&kp)],
        )
        .unwrap();
        let welcome = welcome.unwrap();
        let before = saved(&carol.group);
        assert_eq!(
            carol.join(&welcome, &kp, &keys),
            Err(Error::CredentialRejected { reason })
        );
        assert_eq!(carol.group.status(), Status::Empty);
        assert!(saved(&carol.group) == before, "a refused Welcome changed the state");

        let gi = g[0].group_info();
        assert_eq!(carol.join_external(&gi), Err(Error::CredentialRejected { reason }));
        assert_eq!(carol.group.status(), Status::Empty);
        assert!(
            saved(&carol.group) == before,
            "a refused external join changed the state"
        );
    }
}
in_suites!(refused_group_members: refused_group_members_suite1, refused_group_members_suite2, refused_group_members_suite3);

/// Updates: a member refusing `Update` (or the sender's identity) refuses
/// an Update proposal, a commit with an UpdatePath, and an external
/// commit (its path leaf).
fn refused_updates<S: CipherSuite + Copy>(suite: S) {
    let mut g = group_of(suite, &["bob"]);
    let bob = &mut g[1];
    let mut out = vec![0u8; 4096];
    let mut copy = copy_with(&bob.group, Auth::recording());
    let update = copy
        .propose_update(b"", NOW, &mut bob.rng, &mut out)
        .unwrap()
        .release_unsaved()
        .to_vec();
    let mut copy = copy_with(&bob.group, Auth::recording());
    let (commit, _) = try_commit(&mut copy, &mut bob.rng, &[]).unwrap();
    let gi = g[0].group_info();
    let mut erin = Member::new(suite, "erin");
    let external = erin.join_external(&gi).unwrap();
    let alice = &g[0];
    for (auth, reason) in [
        (Refuse::Usage(CredentialUse::Update), REFUSED_USAGE),
        (Refuse::Identity("bob"), REFUSED_IDENTITY),
    ] {
        let mut a = copy_with(&alice.group, Auth::refusing(auth));
        refused(&mut a, reason, |g| process(g, &update).map(drop));
        refused(&mut a, reason, |g| process(g, &commit).map(drop));
    }
    let mut a = copy_with(&alice.group, Auth::refusing(Refuse::Identity("erin")));
    refused(&mut a, REFUSED_IDENTITY, |g| process(g, &external).map(drop));
    // Alice herself accepts all three (each on its own copy).
    for m in [&update, &commit, &external] {
        process(&mut copy_with(&alice.group, Auth::recording()), m).unwrap();
    }
}
in_suites!(refused_updates: refused_updates_suite1, refused_updates_suite2, refused_updates_suite3);

/// External senders: refused at create, when proposed, received, committed
/// by value, received in a commit, and when joining a group that has one.
fn refused_external_senders<S: CipherSuite + Copy>(suite: S) {
    let mut rng = ChaCha20Rng::from_seed([0xe5; 32]);
    let (_, ds_pk) = suite.signature_key_pair(&mut rng);
    let ds = external_senders("ds", ds_pk.as_slice());
    let exts = [Extension {
        extension_type: extension_type::EXTERNAL_SENDERS,
        data: &ds,
    }];
    let gce = Proposal::GroupContextExtensions {
        extensions: List::from_slice(&exts),
    };
    let refusals = [
        (Refuse::Identity("ds"), REFUSED_IDENTITY),
        (Refuse::Usage(CredentialUse::ExternalSender), REFUSED_USAGE),
    ];

    for (auth, reason) in refusals {
        let mut solo = Member::with(suite, "solo", Auth::refusing(auth));
        let before = saved(&solo.group);
        assert_eq!(solo.try_create(&exts), Err(Error::CredentialRejected { reason }));
        assert!(saved(&solo.group) == before, "a refused create changed the state");
        assert_eq!(solo.group.status(), Status::Empty);
    }

    let mut g = group_of(suite, &["bob"]);
    let (commit, _) = try_commit(&mut copy_with(&g[1].group, Auth::recording()), &mut g[1].rng, &[gce]).unwrap();
    let p = g[1].propose(&gce);
    let alice = &mut g[0];
    for (auth, reason) in refusals {
        let mut a = copy_with(&alice.group, Auth::refusing(auth));
        let rng = &mut alice.rng;
        refused(&mut a, reason, |g| try_propose(g, rng, &gce).map(drop));
        refused(&mut a, reason, |g| try_commit(g, rng, &[gce]).map(drop));
        refused(&mut a, reason, |g| process(g, &p).map(drop));
        refused(&mut a, reason, |g| process(g, &commit).map(drop));
    }

    // A group with the extension: joiners refusing it refuse to join.
    g[0].process(&p).unwrap();
    let (c, _) = g[1].commit(&[]);
    g[0].process(&c).unwrap();
    g[1].process(&c).unwrap();
    assert!(
        g[0].group
            .extensions()
            .iter()
            .any(|e| e.extension_type == extension_type::EXTERNAL_SENDERS)
    );
    for (auth, reason) in refusals {
        let mut dave = Member::with(suite, "dave", Auth::refusing(auth));
        let (kp, keys) = dave.key_package();
        let (_, welcome) = try_commit(
            &mut copy_with(&g[0].group, Auth::recording()),
            &mut g[0].rng,
            &[add(&kp)],
        )
        .unwrap();
        let before = saved(&dave.group);
        assert_eq!(
            dave.join(&welcome.unwrap(), &kp, &keys),
            Err(Error::CredentialRejected { reason })
        );
        assert!(saved(&dave.group) == before, "a refused Welcome changed the state");
        let gi = g[0].group_info();
        assert_eq!(dave.join_external(&gi), Err(Error::CredentialRejected { reason }));
        assert!(
            saved(&dave.group) == before,
            "a refused external join changed the state"
        );
    }
}
in_suites!(refused_external_senders: refused_external_senders_suite1, refused_external_senders_suite2, refused_external_senders_suite3);

/// `()` accepts every credential, for every usage and succession.
#[test]
fn unit_validator_accepts_everything() {
    let basic = Credential::Basic { identity: b"anyone" };
    let other = Credential::Basic {
        identity: b"someone else",
    };
    for usage in [
        CredentialUse::KeyPackage,
        CredentialUse::GroupMember,
        CredentialUse::Update,
        CredentialUse::ExternalSender,
    ] {
        assert_eq!(().validate(&basic, b"not even a key", usage), Ok(()));
    }
    assert_eq!(().validate_successor(&basic, &other), Ok(()));
}
