//! Saving and restoring a group, and the rule "save the new state, then
//! send": bytes to send are released only against proof that the state
//! that produced them was saved, so a reset between the two can never make
//! the device reuse a generation or a key.
//!
//! The saved bytes hold every secret of the group. Keep them where only
//! this device can read them (on a microcontroller, its internal flash).

use super::{Group, PendingCommit, Status};
use crate::codec::{Buf, Decode, Encode, Reader, Writer};
use crate::credential::CredentialValidator;
use crate::crypto::{Bytes, CipherSuite, HashOutput, HpkePrivateKey, Secret, SignaturePrivateKey};
use crate::error::{Error, Result};
use crate::key_schedule::EpochSecrets;
use crate::memory::Memory;
use crate::secret_tree::MessageKey;
use crate::tree::{NodeList, TreeRead};
use crate::treekem::PathKeys;

/// Bytes to send, released by [`Outgoing::release`] once the state that
/// produced them is saved.
///
/// # Example
///
/// Persist, then transmit: a save made before the bytes were produced does
/// not release them; one made after does.
///
/// ```
/// # use chacha20::ChaCha20Rng;
/// # use mls_nostd::codec::List;
/// # use mls_nostd::credential::{Credential, credential_type};
/// # use mls_nostd::crypto::{CipherSuite, Curve25519Aes128, SignaturePrivateKey};
/// # use mls_nostd::group::{CommitOptions, Event, FixedGroup, Group, GroupConfig};
/// # use mls_nostd::key_package::{self, KeyPackage, KeyPackageKeys, LeafTemplate};
/// # use mls_nostd::proposal::Proposal;
/// # use mls_nostd::tree::{Capabilities, Lifetime, Now};
/// # use mls_nostd::Error;
/// # use rand_core::SeedableRng;
/// # const SUITE: Curve25519Aes128 = Curve25519Aes128;
/// # type MyGroup = FixedGroup<Curve25519Aes128, 8, 512>;
/// # // A client: its signature key, a KeyPackage and the KeyPackage's private keys.
/// # fn client(name: &'static [u8], rng: &mut ChaCha20Rng) -> (SignaturePrivateKey, Vec<u8>, KeyPackageKeys) {
/// #     let (sk, _) = SUITE.signature_key_pair(rng);
/// #     let capabilities = Capabilities {
/// #         versions: List::from_slice(&[mls_nostd::MLS10]),
/// #         cipher_suites: List::from_slice(&[Curve25519Aes128::ID]),
/// #         extensions: List::empty(),
/// #         proposals: List::empty(),
/// #         credentials: List::from_slice(&[credential_type::BASIC]),
/// #     };
/// #     let credential = Credential::Basic { identity: name };
/// #     let template = LeafTemplate { credential, capabilities, extensions: List::empty() };
/// #     let lifetime = Lifetime { not_before: 0, not_after: u64::MAX };
/// #     let mut kp = vec![0u8; 1024];
/// #     let (len, keys) = key_package::generate(&SUITE, rng, sk.as_slice(), &template, lifetime, List::empty(), &mut kp)
/// #         .unwrap();
/// #     kp.truncate(len);
/// #     (sk, kp, keys)
/// # }
/// # let mut rng = ChaCha20Rng::from_seed([7; 32]);
/// # let now = Now::UnixSeconds(1_767_225_600);
/// # let (alice_sk, alice_kp, alice_keys) = client(b"alice", &mut rng);
/// # let mut alice = Box::new(MyGroup::new(SUITE, GroupConfig::new()));
/// # alice.create_from_key_package(b"group", &alice_kp, &alice_keys, alice_sk.as_slice(), List::empty(), &mut rng)?;
/// # let (bob_sk, bob_kp, bob_keys) = client(b"bob", &mut rng);
/// # let add = [Proposal::Add { key_package: KeyPackage::decode_message(&bob_kp)? }];
/// # let options = CommitOptions { proposals: &add, ratchet_tree_in_welcome: true, ..CommitOptions::default() };
/// # let mut work = vec![0u8; 8192];
/// # let out = alice.commit(&options, &(), now, &mut rng, &mut work)?.release_unsaved();
/// # let mut buf = vec![0u8; out.commit.len()];
/// # alice.process(out.commit, &(), now, &mut buf)?;
/// # let welcome = out.welcome.unwrap();
/// # let mut scratch = vec![0u8; 2 * welcome.len()];
/// # let mut bob = Box::new(MyGroup::new(SUITE, GroupConfig::new()));
/// # bob.join(welcome, &bob_kp, &bob_keys, bob_sk.as_slice(), None, &(), now, &mut scratch)?;
/// # let mut out = vec![0u8; 1024];
/// let mut flash = vec![0u8; alice.saved_len()];
/// let before = alice.save(&mut flash)?;
/// let outgoing = alice.send(b"hello", b"", &mut rng, &mut out)?;
/// assert_eq!(outgoing.check(&before), Err(Error::NotSaved));
///
/// flash.resize(alice.saved_len(), 0);
/// let after = alice.save(&mut flash)?;
/// let message = outgoing.release(&after)?;
/// // ... now transmit `message` ...
/// # let _ = message;
/// # Ok::<(), Error>(())
/// ```
#[must_use = "the bytes are released only after the state is saved"]
#[derive(Debug)]
pub struct Outgoing<T> {
    value: T,
    owner: u64,
    version: u64,
}

/// Proof that the group was saved, from [`Group::save`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    owner: u64,
    version: u64,
    len: usize,
}

impl Saved {
    /// Length of the saved state.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for an empty save (never).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<T> Outgoing<T> {
    pub(super) fn new(value: T, owner: u64, version: u64) -> Self {
        Outgoing { value, owner, version }
    }

    /// Whether `saved` releases these bytes: a save of the same group and
    /// member, made after they were produced. Does not consume them, so a
    /// caller told [`Error::NotSaved`] can save and try again.
    pub fn check(&self, saved: &Saved) -> Result<()> {
        if saved.owner == self.owner && saved.version >= self.version {
            Ok(())
        } else {
            Err(Error::NotSaved)
        }
    }

    /// The bytes to send, if `saved` is a save of the same group and member
    /// made after they were produced; else [`Error::NotSaved`] (see
    /// [`Self::check`] to ask without giving the bytes up).
    pub fn release(self, saved: &Saved) -> Result<T> {
        self.check(saved)?;
        Ok(self.value)
    }

    /// The bytes to send without the check, for a member that keeps no
    /// state across resets (a test, or a host that accepts the risk).
    pub fn release_unsaved(self) -> T {
        self.value
    }
}

const MAGIC: &[u8] = b"mls-nostd group";
/// 2: the state ends with the suite's hash of everything before it.
const FORMAT: u8 = 2;
/// 1: the same fields without the hash (saved before format 2). Still
/// restored, with every consistency check, so that an update keeps groups.
const FORMAT_1: u8 = 1;

fn corrupt(reason: &'static str) -> Error {
    Error::CorruptState { reason }
}

/// `bytes` if they are `len` long, or empty (a secret already erased).
fn exact<'a>(bytes: &'a [u8], len: usize, what: &'static str) -> Result<&'a [u8]> {
    if bytes.is_empty() || bytes.len() == len {
        Ok(bytes)
    } else {
        Err(corrupt(what))
    }
}

fn status_value(s: Status) -> u8 {
    match s {
        Status::Empty => 0,
        Status::Active => 1,
        Status::Removed => 2,
        Status::ReInit => 3,
    }
}

fn save_secrets(w: &mut Writer<'_>, s: &EpochSecrets) {
    for x in [
        &s.sender_data_secret,
        &s.encryption_secret,
        &s.exporter_secret,
        &s.epoch_authenticator,
        &s.external_secret,
        &s.confirmation_key,
        &s.membership_key,
        &s.resumption_psk,
        &s.init_secret,
    ] {
        w.vec_bytes(x.as_slice());
    }
}

fn load_secrets(r: &mut Reader<'_>, hash_len: usize) -> Result<EpochSecrets> {
    let mut s = EpochSecrets::empty();
    for x in [
        &mut s.sender_data_secret,
        &mut s.encryption_secret,
        &mut s.exporter_secret,
        &mut s.epoch_authenticator,
        &mut s.external_secret,
        &mut s.confirmation_key,
        &mut s.membership_key,
        &mut s.resumption_psk,
        &mut s.init_secret,
    ] {
        *x = Secret::from_slice(exact(r.vec_bytes()?, hash_len, "epoch secret")?)?;
    }
    Ok(s)
}

impl<S, M: Memory, const K: usize, const P: usize, A: CredentialValidator> Group<S, M, K, P, A>
where
    S: CipherSuite,
{
    fn write_state(&self, w: &mut Writer<'_>) {
        w.vec_bytes(MAGIC);
        w.u8(FORMAT);
        w.u16(S::ID);
        w.u8(status_value(self.status));
        w.u64(self.version);
        if self.status == Status::Empty {
            return;
        }
        w.vec_bytes(&self.group_id);
        w.u64(self.epoch);
        w.vec_bytes(&self.extensions);
        self.tree.encode(w);
        w.vec_bytes(&self.confirmed_transcript_hash);
        w.vec_bytes(&self.interim_transcript_hash);
        w.vec_bytes(&self.confirmation_tag);
        w.u32(self.own);
        self.keys.save(w);
        w.vec_bytes(self.signature_key.as_slice());
        save_secrets(w, &self.secrets);
        self.secret_tree.save(w);
        for past in &self.past {
            w.optional(past.epoch.as_ref(), |w, e| {
                w.u64(*e);
                w.vec_bytes(&past.context);
                w.vec_bytes(past.sender_data_secret.as_slice());
                w.vec_bytes(past.resumption_psk.as_slice());
                past.secret_tree.save(w);
            });
        }
        w.vec_bytes(self.proposals.as_bytes());
        w.optional(self.pending.as_ref(), |w, p| {
            w.vec_bytes(&p.confirmation_tag);
            p.keys.save(w);
            w.vec_bytes(p.commit_secret.as_slice());
            w.optional(p.key(), |w, k| {
                w.u32(k.generation);
                w.vec_bytes(k.key.as_slice());
                w.put(&k.nonce);
            });
        });
        w.vec_bytes(self.pending_update.as_slice());
    }

    /// Size of the saved state.
    pub fn saved_len(&self) -> usize {
        let mut w = Writer::counter();
        self.write_state(&mut w);
        w.len() + S::HASH_LEN
    }

    /// Saves the whole state into `out`; returns the proof that releases
    /// bytes produced up to now (see [`Outgoing`]).
    ///
    /// # Example
    ///
    /// Alice saves her group, a reset loses RAM, and a fresh group restored
    /// from the saved bytes goes on where she left off:
    ///
    /// ```
    /// # use chacha20::ChaCha20Rng;
    /// # use mls_nostd::codec::List;
    /// # use mls_nostd::credential::{Credential, credential_type};
    /// # use mls_nostd::crypto::{CipherSuite, Curve25519Aes128, SignaturePrivateKey};
    /// # use mls_nostd::group::{CommitOptions, Event, FixedGroup, Group, GroupConfig};
    /// # use mls_nostd::key_package::{self, KeyPackage, KeyPackageKeys, LeafTemplate};
    /// # use mls_nostd::proposal::Proposal;
    /// # use mls_nostd::tree::{Capabilities, Lifetime, Now};
    /// # use mls_nostd::Error;
    /// # use rand_core::SeedableRng;
    /// # const SUITE: Curve25519Aes128 = Curve25519Aes128;
    /// # type MyGroup = FixedGroup<Curve25519Aes128, 8, 512>;
    /// # // A client: its signature key, a KeyPackage and the KeyPackage's private keys.
    /// # fn client(name: &'static [u8], rng: &mut ChaCha20Rng) -> (SignaturePrivateKey, Vec<u8>, KeyPackageKeys) {
    /// #     let (sk, _) = SUITE.signature_key_pair(rng);
    /// #     let capabilities = Capabilities {
    /// #         versions: List::from_slice(&[mls_nostd::MLS10]),
    /// #         cipher_suites: List::from_slice(&[Curve25519Aes128::ID]),
    /// #         extensions: List::empty(),
    /// #         proposals: List::empty(),
    /// #         credentials: List::from_slice(&[credential_type::BASIC]),
    /// #     };
    /// #     let credential = Credential::Basic { identity: name };
    /// #     let template = LeafTemplate { credential, capabilities, extensions: List::empty() };
    /// #     let lifetime = Lifetime { not_before: 0, not_after: u64::MAX };
    /// #     let mut kp = vec![0u8; 1024];
    /// #     let (len, keys) = key_package::generate(&SUITE, rng, sk.as_slice(), &template, lifetime, List::empty(), &mut kp)
    /// #         .unwrap();
    /// #     kp.truncate(len);
    /// #     (sk, kp, keys)
    /// # }
    /// # let mut rng = ChaCha20Rng::from_seed([7; 32]);
    /// # let now = Now::UnixSeconds(1_767_225_600);
    /// # let (alice_sk, alice_kp, alice_keys) = client(b"alice", &mut rng);
    /// # let mut alice = Box::new(MyGroup::new(SUITE, GroupConfig::new()));
    /// # alice.create_from_key_package(b"group", &alice_kp, &alice_keys, alice_sk.as_slice(), List::empty(), &mut rng)?;
    /// # let (bob_sk, bob_kp, bob_keys) = client(b"bob", &mut rng);
    /// # let add = [Proposal::Add { key_package: KeyPackage::decode_message(&bob_kp)? }];
    /// # let options = CommitOptions { proposals: &add, ratchet_tree_in_welcome: true, ..CommitOptions::default() };
    /// # let mut work = vec![0u8; 8192];
    /// # let out = alice.commit(&options, &(), now, &mut rng, &mut work)?.release_unsaved();
    /// # let mut buf = vec![0u8; out.commit.len()];
    /// # alice.process(out.commit, &(), now, &mut buf)?;
    /// # let welcome = out.welcome.unwrap();
    /// # let mut scratch = vec![0u8; 2 * welcome.len()];
    /// # let mut bob = Box::new(MyGroup::new(SUITE, GroupConfig::new()));
    /// # bob.join(welcome, &bob_kp, &bob_keys, bob_sk.as_slice(), None, &(), now, &mut scratch)?;
    /// let mut flash = vec![0u8; alice.saved_len()];
    /// let saved = alice.save(&mut flash)?;
    /// assert_eq!(saved.len(), flash.len());
    ///
    /// // After the reset: an empty group of the same type, then the saved state.
    /// let mut alice = Box::new(MyGroup::new(SUITE, GroupConfig::new()));
    /// alice.restore(&flash)?;
    /// assert_eq!((alice.epoch(), alice.members().count()), (1, 2));
    /// assert_eq!(alice.epoch_authenticator(), bob.epoch_authenticator());
    /// # Ok::<(), Error>(())
    /// ```
    pub fn save(&self, out: &mut [u8]) -> Result<Saved> {
        // One pass: the state, then its hash behind it.
        let room = out.len().saturating_sub(S::HASH_LEN);
        let mut w = Writer::new(out.get_mut(..room).unwrap_or_default());
        self.write_state(&mut w);
        let n = w.finish().map_err(|e| match e {
            Error::BufferTooSmall { needed } => Error::BufferTooSmall {
                needed: needed + S::HASH_LEN,
            },
            e => e,
        })?;
        let (state, rest) = out.split_at_mut(n);
        let hash = crate::crypto::hash_encoded(&self.suite, |w| w.put(state));
        rest.get_mut(..S::HASH_LEN)
            .ok_or(Error::Truncated)?
            .copy_from_slice(hash.as_slice());
        let len = n + S::HASH_LEN;
        Ok(Saved {
            owner: self.owner(),
            version: self.version,
            len,
        })
    }

    /// Restores a state saved by [`Group::save`] with the same capacities
    /// and suite. The configuration is this group's. On error the group is
    /// left empty, and an empty group saves as it did before.
    ///
    /// What is checked: the suite's hash that ends the saved bytes (a bit
    /// flipped in flash is [`Error::CorruptState`]), then that the state is
    /// one a group can be in (indices inside the tree, this member's leaf
    /// and signature key matching, secrets and keys of the suite's lengths,
    /// counters that can still advance, past epochs before the current
    /// one). The hash is no defence against someone who can write the
    /// flash: that needs a key (the `mls-std` storage encrypts and
    /// authenticates its records).
    /// See [`Group::save`] for an example.
    pub fn restore(&mut self, saved: &[u8]) -> Result<()> {
        let version = self.version;
        let r = self.read_checked(saved);
        if r.is_err() {
            self.tree.clear();
            self.pending = None;
            self.status = Status::Empty;
            self.version = version;
        }
        r
    }

    fn read_checked(&mut self, saved: &[u8]) -> Result<()> {
        // The format byte follows the magic and its one-byte length.
        let state = if saved.get(1 + MAGIC.len()) == Some(&FORMAT_1) {
            saved
        } else {
            let split = saved.len().checked_sub(S::HASH_LEN).ok_or(Error::Truncated)?;
            let (state, trailer) = saved.split_at(split);
            let hash = crate::crypto::hash_encoded(&self.suite, |w| w.put(state));
            if !bool::from(subtle::ConstantTimeEq::ct_eq(hash.as_slice(), trailer)) {
                return Err(corrupt("integrity hash"));
            }
            state
        };
        self.read_state(&mut Reader::new(state))?;
        self.check_restored()
    }

    /// The state just read is one a group can be in.
    fn check_restored(&mut self) -> Result<()> {
        if self.version == u64::MAX {
            return Err(corrupt("save counter at its maximum"));
        }
        if self.status == Status::Empty {
            return Ok(());
        }
        let width = self.tree.width();
        if self.own >= width {
            return Err(corrupt("own leaf outside the tree"));
        }
        let hashes = [
            &self.confirmed_transcript_hash,
            &self.interim_transcript_hash,
            &self.confirmation_tag,
        ];
        if hashes
            .iter()
            .any(|h| exact(h.as_slice(), S::HASH_LEN, "transcript hash length").is_err())
        {
            return Err(corrupt("transcript hash length"));
        }
        // A pending commit's keys are for the tree it makes, which may be wider.
        let keys_fit = |k: &PathKeys, width| k.leaf() == self.own && k.fit(width, S::KEM_PRIVATE_KEY_LEN);
        if !keys_fit(&self.keys, width) || self.pending.as_ref().is_some_and(|p| !keys_fit(&p.keys, 1 << 31)) {
            return Err(corrupt("path keys"));
        }
        let update_key = self.pending_update.as_slice().len();
        if update_key != 0 && update_key != S::KEM_PRIVATE_KEY_LEN {
            return Err(corrupt("pending update key"));
        }
        if let Some(p) = &self.pending
            && (p.confirmation_tag.as_slice().len() != S::HASH_LEN
                || p.commit_secret.as_slice().len() != S::HASH_LEN
                || p.key().is_some_and(|k| k.key.as_slice().len() != S::AEAD_KEY_LEN))
        {
            return Err(corrupt("pending commit"));
        }
        for past in &self.past {
            if let Some(e) = past.epoch {
                let context = crate::group_context::GroupContext::decode_exact(&past.context)?;
                if e >= self.epoch || context.epoch != e || context.group_id != self.group_id.as_slice() {
                    return Err(corrupt("past epoch"));
                }
            }
        }
        if self.status == Status::Active {
            // This member's leaf is in the tree, under its own signature key.
            let leaf = self.tree.leaf(self.own).ok_or(corrupt("own leaf blank"))?;
            let public = self.suite.signature_public_key(self.signature_key.as_slice())?;
            if public.as_slice() != leaf.signature_key || self.keys.leaf_key().len() != S::KEM_PRIVATE_KEY_LEN {
                return Err(corrupt("own keys"));
            }
        }
        Ok(())
    }

    fn read_state(&mut self, r: &mut Reader<'_>) -> Result<()> {
        if r.vec_bytes()? != MAGIC || !matches!(r.u8()?, FORMAT | FORMAT_1) {
            return Err(Error::Malformed {
                reason: "not a saved group",
            });
        }
        let suite = r.u16()?;
        if suite != S::ID {
            return Err(Error::UnsupportedCipherSuite(suite));
        }
        self.status = match r.u8()? {
            0 => Status::Empty,
            1 => Status::Active,
            2 => Status::Removed,
            3 => Status::ReInit,
            v => {
                return Err(Error::UnknownValue {
                    field: "group status",
                    value: v.into(),
                });
            }
        };
        self.version = r.u64()?;
        if self.status == Status::Empty {
            self.tree.clear();
            return r.finish();
        }
        self.group_id = Bytes::from_slice(r.vec_bytes()?)?;
        self.epoch = r.u64()?;
        self.extensions = Buf::from_slice(r.vec_bytes()?)?;
        crate::extension::Extensions::decode_exact(&self.extensions)?;
        self.tree.import(&NodeList::decode(r)?)?;
        self.confirmed_transcript_hash = HashOutput::from_slice(r.vec_bytes()?)?;
        self.interim_transcript_hash = HashOutput::from_slice(r.vec_bytes()?)?;
        self.confirmation_tag = HashOutput::from_slice(r.vec_bytes()?)?;
        self.own = r.u32()?;
        self.keys = PathKeys::load(r)?;
        self.signature_key = SignaturePrivateKey::from_slice(r.vec_bytes()?)?;
        self.secrets = load_secrets(r, S::HASH_LEN)?;
        self.secret_tree.load(r, S::HASH_LEN)?;
        for past in self.past.iter_mut() {
            past.epoch = None;
            if r.presence()? {
                past.epoch = Some(r.u64()?);
                past.context = Buf::from_slice(r.vec_bytes()?)?;
                past.sender_data_secret = Secret::from_slice(exact(r.vec_bytes()?, S::HASH_LEN, "past secret")?)?;
                past.resumption_psk = Secret::from_slice(exact(r.vec_bytes()?, S::HASH_LEN, "past secret")?)?;
                past.secret_tree.load(r, S::HASH_LEN)?;
            }
        }
        self.proposals.set_bytes(r.vec_bytes()?)?;
        self.pending = None;
        if r.presence()? {
            let confirmation_tag = HashOutput::from_slice(r.vec_bytes()?)?;
            let keys = PathKeys::load(r)?;
            let commit_secret = Secret::from_slice(r.vec_bytes()?)?;
            let key = r.optional(|r| {
                let generation = r.u32()?;
                let key = crate::crypto::AeadKey::from_slice(r.vec_bytes()?)?;
                Ok(MessageKey {
                    generation,
                    key,
                    nonce: r.array()?,
                })
            })?;
            self.pending = Some(PendingCommit {
                confirmation_tag,
                keys,
                commit_secret,
                key: key.unwrap_or(MessageKey::EMPTY),
            });
        }
        self.pending_update = HpkePrivateKey::from_slice(r.vec_bytes()?)?;
        r.finish()
    }
}
