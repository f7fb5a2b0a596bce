//! [`Client`]: one MLS identity with many groups, its state kept in a
//! [`Storage`].
//!
//! The client calls the core ([`mls_nostd::group::Group`]) for every
//! protocol step; around it, it keeps the state in storage, routes received
//! messages to their group, and returns owned, typed results. Every call
//! that returns bytes to send returns them only once the state that made
//! them is stored (persist, then emit): a crash can lose a message, never
//! reuse a key.
//!
//! # Quickstart
//!
//! ```
//! use mls_std::client::{Client, Received, Suite1};
//! # fn main() -> Result<(), mls_std::client::ClientError> {
//! let alice = Client::new(b"alice", Suite1)?;
//! let bob = Client::new(b"bob", Suite1)?;
//! let key_package = bob.fresh_key_package()?;
//! alice.create_group(b"group")?;
//! let invite = alice.invite_member(b"group", &key_package)?;
//! bob.join_group(&invite.welcome)?;
//! let message = alice.send(b"group", b"hello")?;
//! let Received::Application { data, .. } = bob.receive(&message)? else { panic!() };
//! assert_eq!(data, b"hello");
//! # Ok(())
//! # }
//! ```
//!
//! # Threads
//!
//! `Client` is `Send + Sync`. Calls on different groups run in parallel;
//! calls on one group wait for each other.

mod commit;
mod error;
mod events;
mod groups;
mod host_group;
mod key_packages;
mod options;
mod queries;
mod receive;
mod record;
mod send;
mod summary;

pub use commit::{CommitMessages, Invitation, PendingCommit};
pub use error::{ClientError, Result};
pub use events::ClientEvent;
#[cfg(feature = "aws-lc")]
pub use mls_awslc::{P256Aes128 as Suite2, X25519Aes128 as Suite1};
pub use mls_nostd::crypto::Curve25519ChaCha as Suite3;
#[cfg(not(feature = "aws-lc"))]
pub use mls_nostd::crypto::{Curve25519Aes128 as Suite1, P256Aes128 as Suite2};
pub use mls_nostd::group::{HandshakeFormat, Status};
pub use options::{ClientBuilder, Credential, KeyPackageLifetime, RatchetTreeDelivery};
pub use queries::Member;
pub use receive::Received;
pub use send::{SendOptions, Sent};

use crate::storage::{Batch, Space, Storage, Write};
use chacha20::ChaCha20Rng;
use host_group::{HostGroup, new_group};
use mls_nostd::credential::CredentialValidator;
use mls_nostd::crypto::{CipherSuite, SignaturePrivateKey};
use mls_nostd::group::{GroupConfig, Saved};
use mls_nostd::tree::Now;
use options::{Clock, Handler};
use rand_core::{Rng, SeedableRng};
use record::Staged;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use zeroize::Zeroizing;

/// One MLS client: an identity, its signature key, its KeyPackages and its
/// groups. See the [module docs](self).
pub struct Client<S: CipherSuite> {
    suite: S,
    credential: Credential,
    signature_key: SignaturePrivateKey,
    storage: Box<dyn Storage>,
    validator: Arc<dyn CredentialValidator + Send + Sync>,
    config: GroupConfig,
    ratchet_tree: RatchetTreeDelivery,
    lifetime: KeyPackageLifetime,
    handler: Option<Handler>,
    clock: Clock,
    /// Seeds one generator per operation, so that operations on different
    /// groups do not wait for each other.
    rng: Mutex<ChaCha20Rng>,
    /// Groups loaded from storage so far.
    groups: RwLock<HashMap<Vec<u8>, Shared<S>>>,
    /// Serializes what creates a group or uses a KeyPackage, so that two
    /// threads cannot both take one id or one KeyPackage.
    admission: Mutex<()>,
}

/// A group shared between the threads that use it.
type Shared<S> = Arc<Mutex<Entry<S>>>;

/// One group as the client holds it in memory.
struct Entry<S: CipherSuite> {
    group: Box<HostGroup<S>>,
    /// A commit made by `commit_pending_proposals_staged`, not applied yet.
    staged: Option<Staged>,
    /// The last commit this client made and applied, stored with the
    /// state: to recognise its echo from the Delivery Service, and to send
    /// it again after a crash ([`Client::last_commit`]).
    applied: Option<Staged>,
    /// A call failed after changing the group in memory: reload it from
    /// storage before the next use.
    stale: bool,
}

/// Applies `batch`, then erases the values it wrote: they hold private
/// keys and group secrets.
fn apply_secret(storage: &dyn Storage, mut batch: Batch) -> Result<()> {
    let result = storage.apply(&batch);
    for w in &mut batch {
        if let Write::Put { value, .. } = w {
            zeroize::Zeroize::zeroize(value);
        }
    }
    Ok(result?)
}

/// Locks `m`; a lock poisoned by a panic is taken anyway (callers that
/// change state mark it stale on every path that can fail).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<S: CipherSuite + Copy + Send + Sync + 'static> Client<S> {
    /// A client with every default: a Basic credential with `identity`, a
    /// new signature key, [`MemoryStorage`](crate::storage::MemoryStorage),
    /// the system clock and the operating system's randomness.
    pub fn new(identity: &[u8], suite: S) -> Result<Self> {
        Self::builder(identity, suite).build()
    }

    /// A [`ClientBuilder`] to set options before building the client.
    pub fn builder(identity: &[u8], suite: S) -> ClientBuilder<S> {
        ClientBuilder::new(identity, suite)
    }

    fn from_builder(b: ClientBuilder<S>) -> Result<Self> {
        let mut rng = match b.seed {
            Some(seed) => ChaCha20Rng::from_seed(seed),
            None => {
                let mut seed = Zeroizing::new([0u8; 32]);
                getrandom::fill(&mut *seed).map_err(|_| ClientError::Rng)?;
                ChaCha20Rng::from_seed(*seed)
            }
        };
        let signature_key = Self::signature_key(&*b.storage, b.suite, b.signature_key, &mut rng)?;
        Ok(Client {
            suite: b.suite,
            credential: b.credential.unwrap_or(Credential::Basic { identity: b.identity }),
            signature_key,
            storage: b.storage,
            validator: b.validator,
            config: GroupConfig {
                padding: b.padding,
                handshake: b.handshake,
                ..GroupConfig::new()
            },
            ratchet_tree: b.ratchet_tree,
            lifetime: b.lifetime,
            handler: b.handler,
            clock: b.clock,
            rng: Mutex::new(rng),
            groups: RwLock::new(HashMap::new()),
            admission: Mutex::new(()),
        })
    }

    /// The signature key: the one given, else the stored one, else a new
    /// one; stored unless it was there already.
    fn signature_key(
        storage: &dyn Storage,
        suite: S,
        given: Option<Zeroizing<Vec<u8>>>,
        rng: &mut ChaCha20Rng,
    ) -> Result<SignaturePrivateKey> {
        let stored = match storage.get(Space::Client, record::SIGNATURE_KEY)? {
            Some(bytes) => Some(record::decode_signature_key(&bytes)?),
            None => None,
        };
        let key = match (given, &stored) {
            (Some(k), _) => SignaturePrivateKey::from_slice(&k)?,
            (None, Some((id, _))) if *id != S::ID => return Err(ClientError::WrongCipherSuite { stored: *id }),
            (None, Some((_, k))) => SignaturePrivateKey::from_slice(k)?,
            (None, None) => suite.signature_key_pair(rng).0,
        };
        // A key that does not fit the suite is refused before it is kept.
        suite.signature_public_key(key.as_slice())?;
        let unchanged = stored.is_some_and(|(id, k)| id == S::ID && k.as_slice() == key.as_slice());
        if !unchanged {
            let value = record::encode_signature_key(S::ID, key.as_slice());
            apply_secret(
                storage,
                vec![Write::Put {
                    space: Space::Client,
                    key: record::SIGNATURE_KEY.to_vec(),
                    value: value.to_vec(),
                }],
            )?;
        }
        Ok(key)
    }

    /// This client's credential.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// This client's identity (see [`Credential::identity`]).
    pub fn identity(&self) -> &[u8] {
        self.credential.identity()
    }

    /// A generator for one operation, seeded from the client's.
    fn rng(&self) -> ChaCha20Rng {
        let mut seed = Zeroizing::new([0u8; 32]);
        lock(&self.rng).fill_bytes(&mut *seed);
        ChaCha20Rng::from_seed(*seed)
    }

    /// The time LeafNode lifetimes are checked against.
    fn now(&self) -> Now {
        Now::UnixSeconds((self.clock)())
    }

    /// An empty group with the client's configuration.
    fn empty_group(&self) -> Box<HostGroup<S>> {
        new_group(self.suite, self.config, &self.validator)
    }

    /// Reads group `id` from storage.
    fn load(&self, id: &[u8]) -> Result<Option<Entry<S>>> {
        let Some(bytes) = self.storage.get(Space::Group, id)? else {
            return Ok(None);
        };
        let (state, staged, applied) = record::decode_group(id, &bytes)?;
        let mut group = self.empty_group();
        group.restore(state).map_err(|e| match e {
            mls_nostd::Error::UnsupportedCipherSuite(stored) => ClientError::WrongCipherSuite { stored },
            _ => ClientError::Storage(crate::storage::StorageError::Corrupted {
                space: Space::Group,
                key: id.to_vec(),
            }),
        })?;
        Ok(Some(Entry {
            group,
            staged,
            applied,
            stale: false,
        }))
    }

    /// Group `id`, from memory or else from storage; `None` if unknown.
    fn find(&self, id: &[u8]) -> Result<Option<Shared<S>>> {
        if let Some(e) = self.groups.read().unwrap_or_else(|p| p.into_inner()).get(id) {
            return Ok(Some(e.clone()));
        }
        let mut map = self.groups.write().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = map.get(id) {
            return Ok(Some(e.clone()));
        }
        Ok(self.load(id)?.map(|entry| {
            let e = Arc::new(Mutex::new(entry));
            map.insert(id.to_vec(), e.clone());
            e
        }))
    }

    /// Runs `f` on group `id` alone, then reports the events it collected.
    /// If `f` fails, the group is reloaded from storage before its next
    /// use, so that memory never holds what storage does not.
    fn with_group<R>(&self, id: &[u8], f: impl FnOnce(&mut Entry<S>, &mut Vec<ClientEvent>) -> Result<R>) -> Result<R> {
        let entry = self.find(id)?.ok_or(ClientError::UnknownGroup)?;
        let mut events = Vec::new();
        let result = {
            let mut guard = lock(&entry);
            if guard.stale {
                *guard = self.load(id)?.ok_or(ClientError::UnknownGroup)?;
            }
            let result = f(&mut guard, &mut events);
            guard.stale = result.is_err();
            result
        };
        if result.is_ok() {
            self.emit(&events);
        }
        result
    }

    /// Makes `entry` group `id` in memory (after it is stored).
    fn install(&self, id: &[u8], entry: Entry<S>) {
        let existing = {
            let mut map = self.groups.write().unwrap_or_else(|p| p.into_inner());
            match map.get(id) {
                Some(e) => e.clone(),
                None => {
                    map.insert(id.to_vec(), Arc::new(Mutex::new(entry)));
                    return;
                }
            }
        };
        *lock(&existing) = entry;
    }

    /// Fails if group `id` exists and is active.
    fn check_free(&self, id: &[u8]) -> Result<()> {
        match self.find(id)? {
            Some(e) if lock(&e).group.status() == Status::Active => Err(ClientError::GroupExists),
            _ => Ok(()),
        }
    }

    /// The group's whole state, and the proof that it was saved (which
    /// releases the bytes the group produced so far).
    fn snapshot(group: &HostGroup<S>) -> Result<(Zeroizing<Vec<u8>>, Saved)> {
        let mut state = Zeroizing::new(vec![0u8; group.saved_len()]);
        let saved = group.save(&mut state)?;
        Ok((state, saved))
    }

    /// Stores `state` (a snapshot of `entry`'s group) with `entry`'s staged
    /// commit, and `extra`, in one batch.
    fn store(&self, id: &[u8], entry: &Entry<S>, state: &[u8], extra: Batch) -> Result<()> {
        let mut batch = vec![Write::Put {
            space: Space::Group,
            key: id.to_vec(),
            value: record::encode_group(state, entry.staged.as_ref(), entry.applied.as_ref()),
        }];
        batch.extend(extra);
        apply_secret(&*self.storage, batch)
    }

    /// Saves `entry`'s group and stores it, with `extra`, in one batch;
    /// returns the proof of the save.
    fn persist(&self, id: &[u8], entry: &Entry<S>, extra: Batch) -> Result<Saved> {
        let (state, saved) = Self::snapshot(&entry.group)?;
        self.store(id, entry, &state, extra)?;
        Ok(saved)
    }

    /// Reports `events` to the handler.
    fn emit(&self, events: &[ClientEvent]) {
        if let Some(h) = &self.handler {
            events.iter().for_each(|e| h(e));
        }
    }
}
