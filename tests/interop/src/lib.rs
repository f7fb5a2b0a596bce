//! Interoperability of `mls-nostd` with OpenMLS and mls-rs: mixed groups in
//! one process, exchanging only MLS wire bytes (`tests/`). This library is
//! the `mls-nostd` side of those groups: [`Ours`], a client with its
//! signature key, RNG and one group.

use chacha20::ChaCha20Rng;
use mls_nostd::Error;
use mls_nostd::codec::List;
use mls_nostd::credential::Credential;
use mls_nostd::crypto::{CipherSuite, SignaturePrivateKey};
use mls_nostd::extension::Extension;
use mls_nostd::group::{CommitOptions, Event, ExternalJoin, FixedGroup, Group, GroupConfig, KeyPackageKeys, PskStore};
use mls_nostd::key_package::{LeafTemplate, generate};
use mls_nostd::proposal::Proposal;
use mls_nostd::tree::{Capabilities, Lifetime, Now};
use rand_core::SeedableRng;

/// Room for 16 members, leaves up to 2 KiB (peers add GREASE and
/// extensions), a large proposal store.
pub type G<S> = FixedGroup<S, 16, 2048, 32, 1, 16384>;

static VERSIONS: [u16; 1] = [1];
static CREDENTIALS: [u16; 1] = [1];

/// The current time: peers put real lifetimes in their KeyPackages.
pub fn now() -> Now {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Now::UnixSeconds(secs)
}

/// An `mls-nostd` client.
pub struct Ours<S: CipherSuite> {
    /// Identity in its basic credential.
    pub name: Vec<u8>,
    suite: S,
    sk: SignaturePrivateKey,
    rng: ChaCha20Rng,
    suites: [u16; 1],
    /// Its group.
    pub group: Box<G<S>>,
}

/// What processing a message did, as text (application data as text).
pub fn event(e: Event<'_>) -> String {
    match e {
        Event::Application { data, .. } => String::from_utf8_lossy(data).into_owned(),
        other => format!("{other:?}"),
    }
}

impl<S: CipherSuite + Copy + Default> Ours<S> {
    /// A client named `name`, its RNG seeded from the name.
    pub fn new(name: &str) -> Self {
        let mut seed = [0u8; 32];
        for (d, s) in seed.iter_mut().zip(name.bytes()) {
            *d = s;
        }
        seed[31] = S::ID as u8;
        let mut rng = ChaCha20Rng::from_seed(seed);
        let suite = S::default();
        let (sk, _) = suite.signature_key_pair(&mut rng);
        Ours {
            name: name.as_bytes().to_vec(),
            suite,
            sk,
            rng,
            suites: [S::ID],
            group: Box::new(Group::new(suite, GroupConfig::new())),
        }
    }

    fn template<'a>(name: &'a [u8], suites: &'a [u16]) -> LeafTemplate<'a> {
        LeafTemplate {
            credential: Credential::Basic { identity: name },
            capabilities: Capabilities {
                versions: List::from_slice(&VERSIONS),
                cipher_suites: List::from_slice(suites),
                extensions: List::empty(),
                proposals: List::empty(),
                credentials: List::from_slice(&CREDENTIALS),
            },
            extensions: List::empty(),
        }
    }

    /// A fresh KeyPackage (`MLSMessage`) and its private keys.
    pub fn key_package(&mut self) -> (Vec<u8>, KeyPackageKeys) {
        let mut out = vec![0u8; 4096];
        let secs = match now() {
            Now::UnixSeconds(s) => s,
            Now::NoClock => 0,
        };
        let lifetime = Lifetime {
            not_before: secs - 3600,
            not_after: secs + 90 * 86400,
        };
        let template = Self::template(&self.name, &self.suites);
        let (n, keys) = generate(
            &self.suite,
            &mut self.rng,
            self.sk.as_slice(),
            &template,
            lifetime,
            List::empty(),
            &mut out,
        )
        .expect("KeyPackage");
        out.truncate(n);
        (out, keys)
    }

    /// Creates `group_id` alone.
    pub fn create(&mut self, group_id: &[u8]) {
        self.create_with(group_id, &[]);
    }

    /// Creates `group_id` alone with GroupContext `extensions`.
    pub fn create_with(&mut self, group_id: &[u8], extensions: &[Extension<'_>]) {
        let (kp, keys) = self.key_package();
        self.group
            .create_from_key_package(
                group_id,
                &kp,
                &keys,
                self.sk.as_slice(),
                List::from_slice(extensions),
                &mut self.rng,
            )
            .expect("create");
    }

    fn saved(&self) -> mls_nostd::group::Saved {
        let mut out = vec![0u8; self.group.saved_len()];
        self.group.save(&mut out).expect("save")
    }

    /// The same client (name and signature key) with a fresh RNG stream,
    /// and an empty group: for a branch or reinit of its group.
    pub fn sibling(&mut self) -> Self {
        let mut seed = [0u8; 32];
        rand_core::Rng::fill_bytes(&mut self.rng, &mut seed);
        Ours {
            name: self.name.clone(),
            suite: self.suite,
            sk: self.sk.clone(),
            rng: ChaCha20Rng::from_seed(seed),
            suites: self.suites,
            group: Box::new(Group::new(self.suite, GroupConfig::new())),
        }
    }

    /// Commits `proposals` (and stored ones) with a path; returns the
    /// commit and the Welcome. The commit applies when it is processed back.
    pub fn commit(&mut self, proposals: &[Proposal<'_>]) -> (Vec<u8>, Option<Vec<u8>>) {
        self.commit_with(proposals, true, &())
    }

    /// Commits `proposals` (and stored ones), with a path only where one
    /// is required unless `force_path`, with PSKs from `psks`.
    pub fn commit_with(
        &mut self,
        proposals: &[Proposal<'_>],
        force_path: bool,
        psks: &dyn PskStore,
    ) -> (Vec<u8>, Option<Vec<u8>>) {
        let mut work = vec![0u8; 1 << 17];
        let options = CommitOptions {
            proposals,
            force_path,
            ..Default::default()
        };
        let o = self
            .group
            .commit(&options, psks, now(), &mut self.rng, &mut work)
            .expect("commit");
        let c = o.release(&self.saved()).expect("release");
        (c.commit.to_vec(), c.welcome.map(<[u8]>::to_vec))
    }

    /// Proposes `p` (kept for this member's own next commit too).
    pub fn propose(&mut self, p: &Proposal<'_>) -> Vec<u8> {
        let mut out = vec![0u8; 8192];
        let o = self
            .group
            .propose(p, b"", now(), &mut self.rng, &mut out)
            .expect("propose");
        o.release(&self.saved()).expect("release").to_vec()
    }

    /// Proposes an update of this member's own leaf.
    pub fn propose_update(&mut self) -> Vec<u8> {
        let mut out = vec![0u8; 8192];
        let o = self
            .group
            .propose_update(b"", now(), &mut self.rng, &mut out)
            .expect("propose update");
        o.release(&self.saved()).expect("release").to_vec()
    }

    /// The group's GroupInfo (`MLSMessage`), signed, with `external_pub`
    /// and the ratchet tree.
    pub fn group_info(&mut self) -> Vec<u8> {
        let mut out = vec![0u8; 1 << 16];
        let n = self.group.group_info(true, &mut out).expect("GroupInfo");
        out.truncate(n);
        out
    }

    /// Joins by external commit from `group_info`; returns the commit. The
    /// group is in the new epoch at once.
    pub fn join_external(&mut self, group_info: &[u8]) -> Result<Vec<u8>, Error> {
        let mut work = vec![0u8; 1 << 17];
        let join = ExternalJoin {
            group_info,
            ratchet_tree: None,
            template: Self::template(&self.name, &self.suites),
            signature_key: self.sk.as_slice(),
            resync: None,
            authenticated_data: b"",
        };
        let o = self.group.join_external(&join, now(), &mut self.rng, &mut work)?;
        let saved = self.saved();
        Ok(o.release(&saved)?.to_vec())
    }

    /// Encrypts `data` with `aad`.
    pub fn send(&mut self, data: &[u8], aad: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; data.len() + aad.len() + 1024];
        let o = self.group.send(data, aad, &mut self.rng, &mut out).expect("send");
        o.release(&self.saved()).expect("release").to_vec()
    }

    /// Processes `msg`; what it did, as text.
    pub fn process(&mut self, msg: &[u8]) -> Result<String, Error> {
        self.process_with(msg, &())
    }

    /// Processes `msg` with PSKs from `psks`.
    pub fn process_with(&mut self, msg: &[u8], psks: &dyn PskStore) -> Result<String, Error> {
        let mut buf = vec![0u8; msg.len()];
        self.group.process(msg, psks, now(), &mut buf).map(event)
    }

    /// Joins from `welcome` with KeyPackage `kp` and `keys`.
    pub fn join(&mut self, welcome: &[u8], kp: &[u8], keys: &KeyPackageKeys) -> Result<(), Error> {
        self.join_with(welcome, kp, keys, &())
    }

    /// Joins from `welcome` with PSKs from `psks`.
    pub fn join_with(
        &mut self,
        welcome: &[u8],
        kp: &[u8],
        keys: &KeyPackageKeys,
        psks: &dyn PskStore,
    ) -> Result<(), Error> {
        let mut scratch = vec![0u8; 2 * welcome.len() + 1024];
        self.group
            .join(welcome, kp, keys, self.sk.as_slice(), None, psks, now(), &mut scratch)
    }

    /// The exporter's output for the interop label and context.
    pub fn exported(&self) -> Vec<u8> {
        let mut out = vec![0u8; 32];
        self.group.export(b"interop", b"context", &mut out).expect("export");
        out
    }
}

/// An Add proposal for the KeyPackage in `kp` (an `MLSMessage` or a bare
/// KeyPackage).
pub fn add(kp: &[u8]) -> Proposal<'_> {
    let key_package = mls_nostd::key_package::KeyPackage::decode_message(kp).expect("KeyPackage");
    Proposal::Add { key_package }
}

/// The resumption PSK of one epoch of one group, and the ReInit that
/// closed that group if it was reinitialised (§11.2, §11.3).
pub struct Resumption<'a> {
    /// The old group.
    pub group_id: &'a [u8],
    /// Its epoch.
    pub epoch: u64,
    /// That epoch's resumption PSK.
    pub psk: &'a [u8],
    /// The ReInit that closed it, for a reinit.
    pub reinit: Option<mls_nostd::proposal::ReInit<'a>>,
}

impl PskStore for Resumption<'_> {
    fn external(&self, _: &[u8]) -> Option<&[u8]> {
        None
    }
    fn resumption(&self, group_id: &[u8], epoch: u64) -> Option<&[u8]> {
        (group_id == self.group_id && epoch == self.epoch).then_some(self.psk)
    }
    fn reinit(&self, group_id: &[u8], epoch: u64) -> Option<mls_nostd::proposal::ReInit<'_>> {
        self.reinit.filter(|_| group_id == self.group_id && epoch == self.epoch)
    }
}
