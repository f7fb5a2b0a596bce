//! The test harness shared by `atomicity`, `reset` and `group_lifecycle`:
//! a fixed time, the leaves test clients put in their KeyPackages, and a
//! `Client` (a signature key, an RNG and one group) whose calls save the
//! state before they release what they produced.
//!
//! What differs between the test files stays in them: each builds its
//! clients with its own `Client::new` (which seed byte, which
//! configuration, which KeyPackage lifetime and extensions) and turns
//! `Event`s into its own `process` result.

// Each test file is its own crate and uses a subset of these helpers; the
// rest would be reported as dead code in that crate.
#![allow(dead_code)]

use chacha20::ChaCha20Rng;
use mls_nostd::Error;
use mls_nostd::codec::{Decode, Encode, List};
use mls_nostd::credential::Credential;
use mls_nostd::crypto::{CipherSuite, SignaturePrivateKey};
use mls_nostd::extension::Extension;
use mls_nostd::framing::{MlsMessage, PrivateMessage};
use mls_nostd::group::{CommitOptions, Event, FixedGroup, Group, GroupConfig, KeyPackageKeys, PskStore, Saved};
use mls_nostd::key_package::{LeafTemplate, generate};
use mls_nostd::proposal::Proposal;
use mls_nostd::tree::{Capabilities, Lifetime, Now};
use rand_core::SeedableRng;

/// Sixteen leaves are plenty here; leaves up to 1 KiB (P-256 keys).
pub type G<S> = FixedGroup<S, 16, 1024, 16, 1, 16384>;

/// The fixed "now" of every test, in seconds since the Unix epoch.
pub const NOW_SECS: u64 = 1_750_000_000;
/// The fixed "now" of every test: lifetimes are checked against it.
pub const NOW: Now = Now::UnixSeconds(NOW_SECS);
/// A KeyPackage lifetime from 10^7 seconds (about 16 weeks) before `NOW`
/// to as long after.
pub const LIFETIME: Lifetime = Lifetime {
    not_before: 1_740_000_000,
    not_after: 1_760_000_000,
};

static VERSIONS: [u16; 1] = [1];
static SUITES: [u16; 3] = [1, 2, 3];
static CREDENTIALS: [u16; 1] = [1];

/// The capabilities of every test client: MLS 1.0, cipher suites 1 to 3,
/// basic credentials, and the `extensions` types besides the default ones.
pub fn capabilities(extensions: &'static [u16]) -> Capabilities<'static> {
    Capabilities {
        versions: List::from_slice(&VERSIONS),
        cipher_suites: List::from_slice(&SUITES),
        extensions: List::from_slice(extensions),
        proposals: List::empty(),
        credentials: List::from_slice(&CREDENTIALS),
    }
}

/// A leaf with a basic credential of `identity`, `capabilities` and no
/// leaf extensions.
pub fn template<'a>(identity: &'a [u8], capabilities: Capabilities<'a>) -> LeafTemplate<'a> {
    LeafTemplate {
        credential: Credential::Basic { identity },
        capabilities,
        extensions: List::empty(),
    }
}

/// `v` encoded; checks that it takes exactly `encoded_len` bytes.
pub fn encode(v: &impl Encode) -> Vec<u8> {
    let mut out = vec![0u8; v.encoded_len()];
    let n = v.encode_to(&mut out).unwrap();
    assert_eq!(n, out.len());
    out
}

/// `g`'s saved state and the `Saved` token that releases what it produced
/// before; checks that the state takes exactly `saved_len` bytes.
pub fn save<S: CipherSuite, M: mls_nostd::memory::Memory, const K: usize, const P: usize>(
    g: &Group<S, M, K, P>,
) -> (Vec<u8>, Saved) {
    let mut out = vec![0u8; g.saved_len()];
    let saved = g.save(&mut out).unwrap();
    assert_eq!(saved.len(), out.len());
    (out, saved)
}

/// `g`'s saved state and where in it the current epoch authenticator
/// stands, at its one-byte length. The authenticator is public, so it
/// locates the other epoch secrets, which are saved around it; panics
/// unless it stands in the state exactly once.
pub fn saved_epoch_authenticator<S: CipherSuite>(g: &G<S>) -> (Vec<u8>, usize) {
    let (bytes, _) = save(g);
    let mut needle = vec![S::HASH_LEN as u8];
    needle.extend_from_slice(g.epoch_authenticator());
    let found: Vec<usize> = bytes
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(found.len(), 1, "epoch authenticator not found once in the saved state");
    (bytes, found[0])
}

/// An Add proposal for the KeyPackage in `kp` (an `MLSMessage`).
pub fn add(kp: &[u8]) -> Proposal<'_> {
    match MlsMessage::decode_exact(kp).unwrap() {
        MlsMessage::KeyPackage(key_package) => Proposal::Add { key_package },
        other => panic!("not a KeyPackage: {other:?}"),
    }
}

/// The PrivateMessage in `msg` (an `MLSMessage`).
pub fn private(msg: &[u8]) -> PrivateMessage<'_> {
    match MlsMessage::decode_exact(msg).unwrap() {
        MlsMessage::PrivateMessage(pm) => pm,
        other => panic!("not a PrivateMessage: {other:?}"),
    }
}

/// What processing did, as text to compare: application data is shown as
/// a string, everything else as its `Debug` form.
pub fn event(e: Event<'_>) -> String {
    match e {
        Event::Application {
            sender, epoch, data, ..
        } => format!(
            "Application {{ sender: {sender}, epoch: {epoch}, data: {:?} }}",
            String::from_utf8_lossy(data)
        ),
        other => format!("{other:?}"),
    }
}

/// One client: its signature key, its RNG and its one group.
pub struct Client<S: CipherSuite> {
    /// The identity in its credential; also seeds its RNG.
    pub name: &'static str,
    /// The cipher suite of its group and KeyPackages.
    pub suite: S,
    /// The configuration of its group, and of any group restored for it.
    pub config: GroupConfig,
    /// Its signature private key, the same in all its leaves.
    pub sk: SignaturePrivateKey,
    /// The randomness of all its calls, seeded by `Client::seeded`.
    pub rng: ChaCha20Rng,
    /// Its one group (boxed: it is large).
    pub group: Box<G<S>>,
    /// The extension types its leaves list as supported.
    pub extensions: &'static [u16],
    /// The lifetime of its KeyPackages.
    pub lifetime: Lifetime,
}

impl<S: CipherSuite + Copy> Client<S> {
    /// A client with an empty group of `config`. Its RNG is seeded with
    /// its name (from byte 0), `variant` (byte 30) and the suite's id
    /// (byte 31), and its signature key is the RNG's first draw. Its
    /// KeyPackages list `extensions` and have `lifetime`.
    pub fn seeded(
        suite: S,
        name: &'static str,
        config: GroupConfig,
        variant: u8,
        extensions: &'static [u16],
        lifetime: Lifetime,
    ) -> Self {
        let mut seed = [0u8; 32];
        seed[..name.len()].copy_from_slice(name.as_bytes());
        seed[30] = variant;
        seed[31] = S::ID as u8;
        let mut rng = ChaCha20Rng::from_seed(seed);
        let (sk, _) = suite.signature_key_pair(&mut rng);
        Client {
            name,
            suite,
            config,
            sk,
            rng,
            group: Box::new(Group::new(suite, config)),
            extensions,
            lifetime,
        }
    }

    /// A fresh KeyPackage (an `MLSMessage`) and its private keys.
    pub fn key_package(&mut self) -> (Vec<u8>, KeyPackageKeys) {
        let mut out = vec![0u8; 2048];
        let (n, keys) = generate(
            &self.suite,
            &mut self.rng,
            self.sk.as_slice(),
            &template(self.name.as_bytes(), capabilities(self.extensions)),
            self.lifetime,
            List::empty(),
            &mut out,
        )
        .unwrap();
        out.truncate(n);
        (out, keys)
    }

    /// Creates `group_id` alone, with the leaf of a fresh KeyPackage and
    /// the GroupContext `extensions`.
    pub fn create(&mut self, group_id: &[u8], extensions: &[Extension<'_>]) {
        let (kp, keys) = self.key_package();
        let MlsMessage::KeyPackage(k) = MlsMessage::decode_exact(&kp).unwrap() else {
            panic!("not a KeyPackage")
        };
        self.group
            .create(
                group_id,
                k.leaf_node.raw,
                keys.encryption_key.as_slice(),
                self.sk.as_slice(),
                List::from_slice(extensions),
                &mut self.rng,
            )
            .unwrap();
    }

    /// Commits, saves, and returns the released commit and Welcome.
    pub fn commit(
        &mut self,
        options: &CommitOptions<'_>,
        psks: &(impl PskStore + ?Sized),
    ) -> (Vec<u8>, Option<Vec<u8>>) {
        let mut work = vec![0u8; 1 << 16];
        let out = self.group.commit(options, psks, NOW, &mut self.rng, &mut work).unwrap();
        let (_, saved) = save(&self.group);
        let c = out.release(&saved).unwrap();
        (c.commit.to_vec(), c.welcome.map(<[u8]>::to_vec))
    }

    /// Sends `data` with `aad`, saves, and returns the released message.
    pub fn send(&mut self, data: &[u8], aad: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; data.len() + aad.len() + 1024];
        let o = self.group.send(data, aad, &mut self.rng, &mut out).unwrap();
        let (_, saved) = save(&self.group);
        o.release(&saved).unwrap().to_vec()
    }

    /// Proposes `p`, saves, and returns the released proposal.
    pub fn propose(&mut self, p: &Proposal<'_>) -> Vec<u8> {
        let mut out = vec![0u8; 4096];
        let o = self.group.propose(p, b"", NOW, &mut self.rng, &mut out).unwrap();
        let (_, saved) = save(&self.group);
        o.release(&saved).unwrap().to_vec()
    }

    /// Processes `msg` with `psks` and gives what it did as `f` makes it.
    pub fn process_as<T>(
        &mut self,
        msg: &[u8],
        psks: &(impl PskStore + ?Sized),
        f: impl FnOnce(Event<'_>) -> T,
    ) -> Result<T, Error> {
        let mut buf = vec![0u8; msg.len()];
        self.group.process(msg, psks, NOW, &mut buf).map(f)
    }

    /// Joins from `welcome` with the KeyPackage `kp` and its `keys`, the
    /// ratchet tree `tree` if it is not in the Welcome, and `psks`.
    pub fn join(
        &mut self,
        welcome: &[u8],
        kp: &[u8],
        keys: &KeyPackageKeys,
        tree: Option<&[u8]>,
        psks: &(impl PskStore + ?Sized),
    ) -> Result<(), Error> {
        let mut scratch = vec![0u8; 2 * welcome.len() + 1024];
        self.group
            .join(welcome, kp, keys, self.sk.as_slice(), tree, psks, NOW, &mut scratch)
    }
}

/// `alice` creates `group_id` and adds `bob` in one commit (tree in the
/// Welcome); she applies her commit and he joins.
pub fn two_member_group<S: CipherSuite + Copy>(alice: &mut Client<S>, bob: &mut Client<S>, group_id: &[u8]) {
    alice.create(group_id, &[]);
    let (bob_kp, bob_keys) = bob.key_package();
    let (commit, welcome) = alice.commit(
        &CommitOptions {
            proposals: &[add(&bob_kp)],
            ..Default::default()
        },
        &(),
    );
    alice.process_as(&commit, &(), |_| ()).unwrap();
    bob.join(&welcome.unwrap(), &bob_kp, &bob_keys, None, &()).unwrap();
}

/// A copy of `g` through save and restore (a group is not `Clone`: a copy
/// could reuse the original's key generations).
pub fn copy<S: CipherSuite + Copy>(g: &G<S>) -> Box<G<S>> {
    let (state, _) = save(g);
    let mut out: Box<G<S>> = Box::new(Group::new(*g.suite(), *g.config()));
    out.restore(&state).unwrap();
    out
}
