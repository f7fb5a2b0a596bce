//! X.509 credentials through the `Client`: real chains (root → intermediate
//! → member) made with `rcgen` at test time, each member key an MLS
//! signature key of suite 1, and `X509Validator` as every client's
//! Authentication Service. A refusal is
//! `ClientError::Mls(CredentialRejected { reason })` with the
//! `X509Error::reason()` of the check that failed, and the group's epoch
//! and members are unchanged.

use mls_nostd::codec::{Decode, List};
use mls_nostd::credential::{Credential as CoreCredential, credential_type};
use mls_nostd::crypto::{CipherSuite, Curve25519Aes128};
use mls_nostd::group::{Group, GroupConfig, KeyPackageKeys};
use mls_nostd::key_package::{LeafTemplate, generate};
use mls_nostd::memory::Fixed;
use mls_nostd::proposal::Proposal;
use mls_nostd::tree::{Capabilities, LeafNode, LeafNodeSource, Lifetime, Now, sign_leaf_node};
use mls_std::client::{Client, ClientError, Credential, Member, Received, Suite1};
use mls_std::x509::{X509Error, X509Validator};
use rand_core::SeedableRng;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, date_time_ymd};
use rustls_pki_types::PrivatePkcs8KeyDer;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, UNIX_EPOCH};

// ---------------------------------------------------------------------------
// Keys and certificates (after tests/x509.rs, Ed25519 only: suite 1)

/// An MLS signature key pair of suite 1, and the same key for rcgen.
struct MemberKey {
    private: Vec<u8>,
    rcgen: KeyPair,
}

fn member_key(seed: u8) -> MemberKey {
    let mut rng = chacha20::ChaCha20Rng::from_seed([seed; 32]);
    let (sk, pk) = Curve25519Aes128.signature_key_pair(&mut rng);
    let (private, public) = (sk.as_slice().to_vec(), pk.as_slice().to_vec());
    // The PKCS#8 v1 wrapping of a raw Ed25519 key (RFC 8410): the seed, the
    // first 32 bytes of the core's key (seed and public key).
    let pkcs8 = [&hex("302e020100300506032b657004220420")[..], &private[..32]].concat();
    let rcgen = KeyPair::from_pkcs8_der_and_sign_algo(&PrivatePkcs8KeyDer::from(pkcs8), &rcgen::PKCS_ED25519).unwrap();
    assert_eq!(rcgen.public_key_raw(), public.as_slice(), "rcgen sees the core's key");
    MemberKey { private, rcgen }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

type Ymd = (i32, u8, u8);
const NOW: Ymd = (2030, 6, 1);
const LONG: (Ymd, Ymd) = ((2020, 1, 1), (2040, 1, 1));
const CURRENT: (Ymd, Ymd) = ((2029, 1, 1), (2031, 1, 1));
const RENEWED: (Ymd, Ymd) = ((2030, 5, 1), (2032, 1, 1));
const EXPIRED: (Ymd, Ymd) = ((2020, 1, 1), (2021, 1, 1));

fn unix(t: Ymd) -> u64 {
    date_time_ymd(t.0, t.1, t.2).unix_timestamp() as u64
}

struct Ca {
    params: CertificateParams,
    key: KeyPair,
    der: Vec<u8>,
}

fn ca_params(name: &str) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name.push(DnType::CommonName, name);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.not_before = date_time_ymd(LONG.0.0, LONG.0.1, LONG.0.2);
    p.not_after = date_time_ymd(LONG.1.0, LONG.1.1, LONG.1.2);
    p
}

impl Ca {
    fn root(name: &str) -> Ca {
        let params = ca_params(name);
        let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        let der = params.self_signed(&key).unwrap().der().to_vec();
        Ca { params, key, der }
    }

    fn intermediate(&self, name: &str) -> Ca {
        let params = ca_params(name);
        let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        let der = params.signed_by(&key, &self.issuer()).unwrap().der().to_vec();
        Ca { params, key, der }
    }

    fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }
}

fn leaf_params(cn: &str, validity: (Ymd, Ymd)) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.not_before = date_time_ymd(validity.0.0, validity.0.1, validity.0.2);
    p.not_after = date_time_ymd(validity.1.0, validity.1.1, validity.1.2);
    p
}

/// A root and an intermediate under it.
struct Pki {
    root: Ca,
    inter: Ca,
}

impl Pki {
    fn new(name: &str) -> Pki {
        let root = Ca::root(&format!("{name} Root"));
        let inter = root.intermediate(&format!("{name} Intermediate"));
        Pki { root, inter }
    }

    /// The chain [member, intermediate] certifying `key` for `cn`.
    fn chain(&self, cn: &str, key: &MemberKey, validity: (Ymd, Ymd)) -> Vec<Vec<u8>> {
        let leaf = leaf_params(cn, validity)
            .signed_by(&key.rcgen, &self.inter.issuer())
            .unwrap()
            .der()
            .to_vec();
        vec![leaf, self.inter.der.clone()]
    }

    /// A validator trusting this root, at the time `clock` holds.
    fn validator(&self, clock: &Arc<AtomicU64>) -> X509Validator {
        let clock = clock.clone();
        X509Validator::builder(mls_std::x509::SignatureScheme::Ed25519)
            .trust_anchor(&self.root.der)
            .clock(move || UNIX_EPOCH + Duration::from_secs(clock.load(Ordering::Relaxed)))
            .build()
            .unwrap()
    }
}

// ---------------------------------------------------------------------------
// Clients

const GID: &[u8] = b"x509 group";

/// The time of every client and validator of a test; a test may move it.
fn clock() -> Arc<AtomicU64> {
    Arc::new(AtomicU64::new(unix(NOW)))
}

/// A client with the X.509 `chain`, the signature key `key`, the
/// Authentication Service `validator` and the clock `time`.
fn client(
    name: &str,
    chain: Vec<Vec<u8>>,
    key: &MemberKey,
    validator: impl mls_nostd::credential::CredentialValidator + Send + Sync + 'static,
    time: &Arc<AtomicU64>,
) -> Client<Suite1> {
    let time = time.clone();
    let mut seed = [0u8; 32];
    seed[..name.len()].copy_from_slice(name.as_bytes());
    Client::builder(name.as_bytes(), Suite1)
        .x509(chain)
        .signature_key(&key.private)
        .credential_validator(validator)
        .clock(move || time.load(Ordering::Relaxed))
        .rng_seed(seed)
        .build()
        .unwrap()
}

fn rejected(reason: X509Error) -> ClientError {
    ClientError::Mls(mls_nostd::Error::CredentialRejected {
        reason: reason.reason(),
    })
}

/// The group's epoch and members at `c`.
fn state(c: &Client<Suite1>) -> (u64, Vec<Member>) {
    (c.epoch(GID).unwrap(), c.members(GID).unwrap())
}

/// Alice (strict: `X509Validator`) creates the group and invites Bob;
/// Bob's validator is `bob_validator`. Both valid certificates of `pki`.
fn alice_and_bob(
    pki: &Pki,
    time: &Arc<AtomicU64>,
    bob_validator: impl mls_nostd::credential::CredentialValidator + Send + Sync + 'static,
) -> (Client<Suite1>, Client<Suite1>) {
    let (ak, bk) = (member_key(1), member_key(2));
    let alice = client(
        "alice",
        pki.chain("alice", &ak, CURRENT),
        &ak,
        pki.validator(time),
        time,
    );
    let bob = client("bob", pki.chain("bob", &bk, CURRENT), &bk, bob_validator, time);
    alice.create_group(GID).unwrap();
    let kp = bob.fresh_key_package().unwrap();
    let inv = alice.invite_member(GID, &kp).unwrap();
    assert_eq!(bob.join_group(&inv.welcome).unwrap(), GID);
    assert_eq!(state(&alice), state(&bob));
    (alice, bob)
}

fn identities(c: &Client<Suite1>) -> Vec<Vec<u8>> {
    c.members(GID).unwrap().into_iter().map(|m| m.identity).collect()
}

// ---------------------------------------------------------------------------
// Tests

/// Valid members are added, join by Welcome and by external commit, and
/// update, all checked by every member's `X509Validator`.
#[test]
fn valid_members_are_added_and_join() {
    let time = clock();
    let pki = Pki::new("Test");
    let (alice, bob) = alice_and_bob(&pki, &time, pki.validator(&time));
    let members = alice.members(GID).unwrap();
    assert_eq!(members.len(), 2);
    let bob_chain = match bob.credential() {
        Credential::X509 { chain } => chain.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(members[1].credential, Credential::X509 { chain: bob_chain });
    assert_eq!(alice.epoch(GID).unwrap(), 1);

    // Bob updates; Alice checks his path leaf.
    let update = bob.self_update(GID).unwrap();
    assert!(matches!(
        alice.receive(&update.commit).unwrap(),
        Received::Commit { epoch: 2, .. }
    ));

    // Carol joins by external commit.
    let ck = member_key(3);
    let carol = client(
        "carol",
        pki.chain("carol", &ck, CURRENT),
        &ck,
        pki.validator(&time),
        &time,
    );
    let gi = alice.group_info(GID).unwrap();
    let commit = carol.join_external(&gi).unwrap();
    for c in [&alice, &bob] {
        assert!(matches!(c.receive(&commit).unwrap(), Received::Commit { epoch: 3, .. }));
        assert_eq!(state(c), state(&carol));
    }
    assert_eq!(identities(&carol).len(), 3);
}

/// An expired certificate, a certificate for another key, and one from an
/// untrusted root: refused when Alice invites the member, when she
/// receives another member's Add proposal or commit for it, and when she
/// receives its external commit; her epoch and members are unchanged.
#[test]
fn invalid_certificates_are_refused() {
    let time = clock();
    let pki = Pki::new("Test");
    let rogue = Pki::new("Rogue");
    let dk = member_key(4);
    let cases = [
        (pki.chain("dave", &dk, EXPIRED), X509Error::Expired),
        (pki.chain("dave", &member_key(5), CURRENT), X509Error::KeyMismatch),
        (rogue.chain("dave", &dk, CURRENT), X509Error::UntrustedRoot),
    ];
    for (chain, error) in cases {
        // Bob accepts anything (`()`): he proposes and commits what Alice
        // refuses. Dave too, so that he can join externally.
        let (alice, bob) = alice_and_bob(&pki, &time, ());
        let dave = client("dave", chain, &dk, (), &time);
        let before = state(&alice);

        let kp = dave.fresh_key_package().unwrap();
        assert_eq!(alice.invite_member(GID, &kp), Err(rejected(error)), "{error:?}");
        assert_eq!(alice.propose_add(GID, &kp), Err(rejected(error)), "{error:?}");
        assert_eq!(state(&alice), before);

        let proposal = bob.propose_add(GID, &kp).unwrap();
        assert_eq!(alice.receive(&proposal), Err(rejected(error)), "{error:?}");
        assert_eq!(state(&alice), before);
        bob.cancel_pending_proposals(GID).unwrap();

        let gi = alice.group_info(GID).unwrap();
        let external = dave.join_external(&gi).unwrap();
        assert_eq!(alice.receive(&external), Err(rejected(error)), "{error:?}");
        assert_eq!(state(&alice), before);

        let inv = bob.invite_member(GID, &kp).unwrap();
        assert_eq!(alice.receive(&inv.commit), Err(rejected(error)), "{error:?}");
        assert_eq!(state(&alice), before);
    }
}

/// A joiner that does not trust the group's root refuses the Welcome (and
/// the external join): it is in no group, and its KeyPackage is kept.
#[test]
fn joiner_not_trusting_the_root_refuses_the_welcome() {
    let time = clock();
    let pki = Pki::new("Test");
    let other = Pki::new("Other");
    let (alice, _bob) = alice_and_bob(&pki, &time, pki.validator(&time));
    let ck = member_key(3);
    let carol = client(
        "carol",
        pki.chain("carol", &ck, CURRENT),
        &ck,
        other.validator(&time),
        &time,
    );
    let kp = carol.fresh_key_package().unwrap();
    let inv = alice.invite_member(GID, &kp).unwrap();
    assert_eq!(carol.join_group(&inv.welcome), Err(rejected(X509Error::UntrustedRoot)));
    assert_eq!(carol.receive(&inv.welcome), Err(rejected(X509Error::UntrustedRoot)));
    assert_eq!(carol.groups().unwrap(), Vec::<Vec<u8>>::new());
    let gi = alice.group_info(GID).unwrap();
    assert_eq!(carol.join_external(&gi), Err(rejected(X509Error::UntrustedRoot)));
    assert_eq!(carol.groups().unwrap(), Vec::<Vec<u8>>::new());
}

/// A member whose certificate expired while in the group cannot update
/// with it: its self-update carries the same, now expired, certificate,
/// and the others refuse it. (The client has no call to put a renewed
/// certificate in its leaf.)
#[test]
fn self_update_with_an_expired_certificate_is_refused() {
    let time = clock();
    let pki = Pki::new("Test");
    let (alice, _) = alice_and_bob(&pki, &time, pki.validator(&time));
    // Erin's certificate ends in September 2030; she joins in June, then
    // the clock passes that date.
    let short = ((2030, 1, 1), (2030, 9, 1));
    let ek = member_key(6);
    let erin = client("erin", pki.chain("erin", &ek, short), &ek, (), &time);
    let kp = erin.fresh_key_package().unwrap();
    let inv = alice.invite_member(GID, &kp).unwrap();
    erin.join_group(&inv.welcome).unwrap();
    time.store(unix((2030, 10, 1)), Ordering::Relaxed);
    let before = state(&alice);
    let update = erin.self_update(GID).unwrap();
    assert_eq!(alice.receive(&update.commit), Err(rejected(X509Error::Expired)));
    assert_eq!(state(&alice), before);
}

/// Bob as a bare core group (the `Client` offers no call to change its own
/// credential: `self_update` and `propose_update` keep the current leaf's).
type CoreGroup = Group<Suite1, Fixed<16, 4096, 16384>, 8, 1, X509Validator>;

/// A KeyPackage of the core with the X.509 `chain` and the key `key`.
fn core_key_package(chain: &[Vec<u8>], key: &MemberKey, rng: &mut chacha20::ChaCha20Rng) -> (Vec<u8>, KeyPackageKeys) {
    let certificates: Vec<&[u8]> = chain.iter().map(Vec::as_slice).collect();
    let template = LeafTemplate {
        credential: CoreCredential::X509 {
            certificates: List::from_slice(&certificates),
        },
        capabilities: Capabilities {
            versions: List::from_slice(&[mls_nostd::MLS10]),
            cipher_suites: List::from_slice(&[Suite1::ID]),
            extensions: List::empty(),
            proposals: List::empty(),
            credentials: List::from_slice(&[credential_type::BASIC, credential_type::X509]),
        },
        extensions: List::empty(),
    };
    let lifetime = Lifetime {
        not_before: unix(NOW) - 3600,
        not_after: unix(NOW) + 86_400,
    };
    let mut out = vec![0u8; 8192];
    let (n, keys) = generate(&Suite1, rng, &key.private, &template, lifetime, List::empty(), &mut out).unwrap();
    out.truncate(n);
    (out, keys)
}

/// Bob's Update proposal replacing his credential with `chain`, signed by
/// him: its encryption key is the one of a `propose_update` that is never
/// sent, whose private key his group keeps for the commit.
fn update_with(bob: &mut CoreGroup, key: &MemberKey, chain: &[Vec<u8>], rng: &mut chacha20::ChaCha20Rng) -> Vec<u8> {
    let now = Now::UnixSeconds(unix(NOW));
    let mut out = vec![0u8; 16384];
    let _ = bob.propose_update(b"", now, rng, &mut out).unwrap().release_unsaved();
    let fresh = bob
        .proposals()
        .iter()
        .filter_map(|p| match p.proposal {
            Proposal::Update { leaf_node } => Some(leaf_node.encryption_key.to_vec()),
            _ => None,
        })
        .last()
        .unwrap();
    let certificates: Vec<&[u8]> = chain.iter().map(Vec::as_slice).collect();
    let own = bob.own_leaf();
    let mine = bob.member(own).unwrap();
    let leaf = LeafNode {
        encryption_key: &fresh,
        credential: CoreCredential::X509 {
            certificates: List::from_slice(&certificates),
        },
        source: LeafNodeSource::Update,
        signature: &[],
        signed_bytes: &[],
        raw: &[],
        ..mine
    };
    let mut buf = vec![0u8; 8192];
    let n = sign_leaf_node(&Suite1, &leaf, &key.private, GID, own, &mut buf).unwrap();
    let leaf_node = LeafNode::decode_exact(&buf[..n]).unwrap();
    let o = bob
        .propose(&Proposal::Update { leaf_node }, b"", now, rng, &mut out)
        .unwrap();
    o.release_unsaved().to_vec()
}

/// The successor rule through Alice's `Client`: Bob (a core group, see
/// `CoreGroup`) proposes an Update with a renewed certificate for the same
/// subject, which Alice accepts and commits; and one for another subject
/// (a valid chain, his key), which she refuses with "x509: identity
/// changed", her epoch and members unchanged.
#[test]
fn renewed_certificate_is_accepted_and_another_subject_refused() {
    let time = clock();
    let pki = Pki::new("Test");
    let ak = member_key(1);
    let alice = client(
        "alice",
        pki.chain("alice", &ak, CURRENT),
        &ak,
        pki.validator(&time),
        &time,
    );
    alice.create_group(GID).unwrap();

    let bk = member_key(2);
    let mut rng = chacha20::ChaCha20Rng::from_seed([0xb0; 32]);
    let chain = pki.chain("bob", &bk, CURRENT);
    let (kp, keys) = core_key_package(&chain, &bk, &mut rng);
    let inv = alice.invite_member(GID, &kp).unwrap();
    let mut bob: Box<CoreGroup> = Box::new(Group::new_in(Suite1, GroupConfig::new(), pki.validator(&time)));
    let mut scratch = vec![0u8; 2 * inv.welcome.len() + 1024];
    let now = Now::UnixSeconds(unix(NOW));
    bob.join(&inv.welcome, &kp, &keys, &bk.private, None, &(), now, &mut scratch)
        .unwrap();
    assert_eq!(bob.epoch(), alice.epoch(GID).unwrap());

    // Another subject, certifying Bob's key: refused.
    let before = state(&alice);
    let mallory = pki.chain("mallory", &bk, CURRENT);
    let p = update_with(&mut bob, &bk, &mallory, &mut rng);
    assert_eq!(alice.receive(&p), Err(rejected(X509Error::IdentityChanged)));
    assert_eq!(state(&alice), before);

    // A renewed certificate for "bob": accepted, committed, applied.
    let renewed = pki.chain("bob", &bk, RENEWED);
    assert_ne!(renewed[0], chain[0]);
    let p = update_with(&mut bob, &bk, &renewed, &mut rng);
    assert!(matches!(alice.receive(&p).unwrap(), Received::Proposal { .. }));
    let commit = alice.commit_pending_proposals(GID).unwrap();
    let mut buf = vec![0u8; commit.commit.len()];
    bob.process(&commit.commit, &(), now, &mut buf).unwrap();
    let members = alice.members(GID).unwrap();
    assert_eq!(members[1].credential, Credential::X509 { chain: renewed.clone() });
    assert_eq!(alice.epoch(GID).unwrap(), bob.epoch());
    assert_eq!(alice.epoch_authenticator(GID).unwrap(), bob.epoch_authenticator());
    let certificates: Vec<&[u8]> = renewed.iter().map(Vec::as_slice).collect();
    assert_eq!(
        bob.member(bob.own_leaf()).unwrap().credential,
        CoreCredential::X509 {
            certificates: List::from_slice(&certificates)
        }
    );
}

/// A member renews its certificate through its own `Client`: the renewal
/// for the same subject is committed by another member; one for another
/// subject on the same key is refused by the others' validators.
#[test]
fn a_client_renews_its_certificate() {
    let time = clock();
    let pki = Pki::new("Test");
    let (ak, bk) = (member_key(1), member_key(2));
    let alice = client(
        "alice",
        pki.chain("alice", &ak, CURRENT),
        &ak,
        pki.validator(&time),
        &time,
    );
    let bob = client("bob", pki.chain("bob", &bk, CURRENT), &bk, pki.validator(&time), &time);
    alice.create_group(GID).unwrap();
    let invite = alice.invite_member(GID, &bob.fresh_key_package().unwrap()).unwrap();
    bob.join_group(&invite.welcome).unwrap();

    // Another subject on Bob's key: Alice's validator refuses it.
    let before = state(&alice);
    let mallory = Credential::X509 {
        chain: pki.chain("mallory", &bk, CURRENT),
    };
    let p = bob.propose_update_with_credential(GID, &mallory).unwrap();
    assert_eq!(alice.receive(&p), Err(rejected(X509Error::IdentityChanged)));
    assert_eq!(state(&alice), before);

    // The renewed certificate: accepted, committed by Alice, applied by Bob.
    let renewed = Credential::X509 {
        chain: pki.chain("bob", &bk, RENEWED),
    };
    let p = bob.propose_update_with_credential(GID, &renewed).unwrap();
    assert!(matches!(alice.receive(&p).unwrap(), Received::Proposal { .. }));
    let commit = alice.commit_pending_proposals(GID).unwrap();
    bob.receive(&commit.commit).unwrap();
    for c in [&alice, &bob] {
        assert_eq!(c.members(GID).unwrap()[1].credential, renewed);
    }
    assert_eq!(
        alice.epoch_authenticator(GID).unwrap(),
        bob.epoch_authenticator(GID).unwrap()
    );
    let m = bob.send(GID, b"renewed").unwrap();
    assert!(matches!(alice.receive(&m).unwrap(), Received::Application { .. }));
}
