//! How a [`Client`] is set up: [`ClientBuilder`] and its option types.

use super::events::ClientEvent;
use super::{Client, Result};
use crate::storage::{MemoryStorage, Storage};
use mls_nostd::credential::CredentialValidator;
use mls_nostd::crypto::CipherSuite;
use mls_nostd::group::HandshakeFormat;
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

/// A credential (RFC 9420 §5.3), owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// `basic`: an application-defined identity.
    Basic {
        /// The identity.
        identity: Vec<u8>,
    },
    /// `x509`: DER certificates, end-entity first.
    X509 {
        /// The chain.
        chain: Vec<Vec<u8>>,
    },
}

impl Credential {
    /// The identity the client names members by: a Basic credential's
    /// identity, or the DER end-entity certificate of an X.509 chain (empty
    /// for an empty chain).
    pub fn identity(&self) -> &[u8] {
        match self {
            Credential::Basic { identity } => identity,
            Credential::X509 { chain } => chain.first().map_or(&[][..], Vec::as_slice),
        }
    }

    /// The DER certificates of an X.509 chain, borrowed (none for Basic),
    /// for [`Self::to_core`].
    pub(crate) fn certificates(&self) -> Vec<&[u8]> {
        match self {
            Credential::Basic { .. } => Vec::new(),
            Credential::X509 { chain } => chain.iter().map(Vec::as_slice).collect(),
        }
    }

    /// The core's view of this credential; `certificates` from
    /// [`Self::certificates`].
    pub(crate) fn to_core<'a>(&'a self, certificates: &'a [&'a [u8]]) -> mls_nostd::credential::Credential<'a> {
        match self {
            Credential::Basic { identity } => mls_nostd::credential::Credential::Basic { identity },
            Credential::X509 { .. } => mls_nostd::credential::Credential::X509 {
                certificates: mls_nostd::codec::List::from_slice(certificates),
            },
        }
    }

    pub(crate) fn from_core(c: &mls_nostd::credential::Credential<'_>) -> Self {
        match c {
            mls_nostd::credential::Credential::Basic { identity } => Credential::Basic {
                identity: identity.to_vec(),
            },
            mls_nostd::credential::Credential::X509 { certificates } => Credential::X509 {
                chain: certificates.iter().map(<[u8]>::to_vec).collect(),
            },
        }
    }
}

/// How long the client's KeyPackages are valid (RFC 9420 §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPackageLifetime {
    /// From an hour before creation (for clock skew) to this long after.
    For(Duration),
    /// Always (`not_before` 0, `not_after` the largest time).
    Infinite,
}

impl KeyPackageLifetime {
    /// 90 days.
    pub const DEFAULT: KeyPackageLifetime = KeyPackageLifetime::For(Duration::from_secs(90 * 24 * 3600));
}

impl Default for KeyPackageLifetime {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// How members added by a commit get the ratchet tree (§12.4.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RatchetTreeDelivery {
    /// In the Welcome's GroupInfo (and in GroupInfos this client signs).
    #[default]
    InWelcome,
    /// Out of band: the client returns the tree beside the Welcome.
    OutOfBand,
}

/// The event handler's type.
pub(crate) type Handler = Arc<dyn Fn(&ClientEvent) + Send + Sync>;
/// The clock's type: Unix seconds.
pub(crate) type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// Sets up a [`Client`]; from [`Client::builder`].
pub struct ClientBuilder<S: CipherSuite> {
    pub(crate) suite: S,
    pub(crate) identity: Vec<u8>,
    pub(crate) storage: Box<dyn Storage>,
    pub(crate) credential: Option<Credential>,
    pub(crate) signature_key: Option<Zeroizing<Vec<u8>>>,
    pub(crate) validator: Arc<dyn CredentialValidator + Send + Sync>,
    pub(crate) padding: usize,
    pub(crate) handshake: HandshakeFormat,
    pub(crate) ratchet_tree: RatchetTreeDelivery,
    pub(crate) lifetime: KeyPackageLifetime,
    pub(crate) handler: Option<Handler>,
    pub(crate) clock: Clock,
    pub(crate) seed: Option<[u8; 32]>,
}

/// Seconds since the Unix epoch by the system clock (0 before 1970).
fn system_time() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl<S: CipherSuite + Copy + Send + Sync + 'static> ClientBuilder<S> {
    pub(crate) fn new(identity: &[u8], suite: S) -> Self {
        ClientBuilder {
            suite,
            identity: identity.to_vec(),
            storage: Box::new(MemoryStorage::new()),
            credential: None,
            signature_key: None,
            validator: Arc::new(()),
            padding: 0,
            handshake: HandshakeFormat::Private,
            ratchet_tree: RatchetTreeDelivery::InWelcome,
            lifetime: KeyPackageLifetime::DEFAULT,
            handler: None,
            clock: Arc::new(system_time),
            seed: None,
        }
    }

    /// Where the client keeps its state (default: [`MemoryStorage`]). A
    /// client built on storage that holds a client's state finds its
    /// signature key and its groups there.
    pub fn storage(mut self, storage: impl Storage + 'static) -> Self {
        self.storage = Box::new(storage);
        self
    }

    /// The credential (default: Basic, with the identity).
    pub fn credential(mut self, credential: Credential) -> Self {
        self.credential = Some(credential);
        self
    }

    /// An X.509 credential: DER certificates, end-entity first.
    pub fn x509(self, chain: Vec<Vec<u8>>) -> Self {
        self.credential(Credential::X509 { chain })
    }

    /// The signature private key (default: the one in storage, else a new
    /// one). It is written to storage.
    pub fn signature_key(mut self, key: &[u8]) -> Self {
        self.signature_key = Some(Zeroizing::new(key.to_vec()));
        self
    }

    /// The application's check of credentials (default: `()`, accept all).
    pub fn credential_validator(mut self, v: impl CredentialValidator + Send + Sync + 'static) -> Self {
        self.validator = Arc::new(v);
        self
    }

    /// Pads application messages to a multiple of `bytes` (default: 0, no
    /// padding).
    pub fn padding(mut self, bytes: usize) -> Self {
        self.padding = bytes;
        self
    }

    /// How proposals and commits are sent (default: encrypted,
    /// [`HandshakeFormat::Private`]).
    pub fn handshake(mut self, format: HandshakeFormat) -> Self {
        self.handshake = format;
        self
    }

    /// How new members get the ratchet tree (default: in the Welcome).
    pub fn ratchet_tree(mut self, delivery: RatchetTreeDelivery) -> Self {
        self.ratchet_tree = delivery;
        self
    }

    /// How long KeyPackages are valid (default: 90 days).
    pub fn key_package_lifetime(mut self, lifetime: KeyPackageLifetime) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// Called with every [`ClientEvent`], after the state that produced it is
    /// stored, outside any lock (it may call the client).
    pub fn on_event(mut self, handler: impl Fn(&ClientEvent) + Send + Sync + 'static) -> Self {
        self.handler = Some(Arc::new(handler));
        self
    }

    /// The clock, in Unix seconds (default: the system clock).
    pub fn clock(mut self, clock: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Seeds the random number generator (default: the operating system's
    /// entropy). Only for reproducible tests: two clients with one seed make
    /// the same keys.
    pub fn rng_seed(mut self, seed: [u8; 32]) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The client.
    pub fn build(self) -> Result<Client<S>> {
        Client::from_builder(self)
    }
}
