//! Storage: where a [`Client`](crate) keeps what must outlive the process.
//!
//! A [`Storage`] is a small key-value store with a few [`Space`]s (group
//! states, KeyPackage private keys, PSKs, the client's own record). Every
//! client operation hands it one [`Batch`] of writes, applied whole or not
//! at all where the backend can (memory, SQLite), and before any bytes are
//! returned to send (persist, then emit).
//!
//! Backends, and what each guarantees:
//!
//! - [`MemoryStorage`]: a map in memory, for tests and short-lived clients;
//!   batches atomic, nothing survives the process.
//! - [`FileStorage`]: one file per record; each record written atomically
//!   and durably and checksummed, but a batch only record by record (a
//!   crash mid-batch may leave a prefix of it applied).
//! - [`SqliteStorage`]: one SQLite database (WAL, `synchronous=FULL`);
//!   each batch one durable transaction, all or nothing; values
//!   checksummed.
//! - [`Encrypted`]: XChaCha20-Poly1305 over any of them; each value
//!   confidential and bound to its space and key, keys stored in the clear,
//!   no protection against rollback or deletion; batches as atomic as the
//!   backend's.
//!
//! A record that was damaged or cut short is reported as
//! [`StorageError::Corrupted`] (or [`StorageError::Authentication`] under
//! encryption), never returned as if it were good.

mod encrypted;
mod file;
mod memory;
mod record;
mod sqlite;

pub use encrypted::{ENCRYPTION_OVERHEAD, Encrypted, EncryptionKey};
pub use file::FileStorage;
pub use memory::MemoryStorage;
pub use sqlite::SqliteStorage;

/// A namespace of records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Space {
    /// The client itself (its signature key, settings, counters).
    Client,
    /// Saved group states, keyed by group id.
    Group,
    /// KeyPackage private keys, keyed by KeyPackageRef.
    KeyPackage,
    /// External pre-shared keys, keyed by PSK id.
    Psk,
    /// Records the application writes with the client (for example
    /// received messages stored with the group state that accepted them).
    App,
}

impl Space {
    /// Every space.
    pub const ALL: [Space; 5] = [Space::Client, Space::Group, Space::KeyPackage, Space::Psk, Space::App];

    /// A short stable name (a folder name, an SQL value, associated data).
    pub fn name(self) -> &'static str {
        match self {
            Space::Client => "client",
            Space::Group => "group",
            Space::KeyPackage => "key_package",
            Space::Psk => "psk",
            Space::App => "app",
        }
    }
}

/// One change to storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Sets `key` in `space` to `value`.
    Put {
        /// The namespace.
        space: Space,
        /// The record's key.
        key: Vec<u8>,
        /// Its new value.
        value: Vec<u8>,
    },
    /// Removes `key` from `space` (no error if absent).
    Delete {
        /// The namespace.
        space: Space,
        /// The record's key.
        key: Vec<u8>,
    },
}

/// Changes applied together.
pub type Batch = Vec<Write>;

/// Why a storage operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StorageError {
    /// The operating system refused (message of the `io::Error`).
    Io(String),
    /// The SQLite library failed.
    Sqlite(String),
    /// A record is damaged or truncated.
    Corrupted {
        /// Which record.
        space: Space,
        /// Its key.
        key: Vec<u8>,
    },
    /// The backend cannot store a key this long ([`FileStorage`]: more
    /// than [`FileStorage::MAX_KEY_LEN`] bytes).
    KeyTooLong {
        /// The record's space.
        space: Space,
        /// The key's length in bytes.
        len: usize,
    },
    /// An encrypted record did not authenticate: it was changed, swapped
    /// with another record, or the key is wrong.
    Authentication {
        /// Which record.
        space: Space,
        /// Its key.
        key: Vec<u8>,
    },
}

impl core::fmt::Display for StorageError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            StorageError::Io(m) => write!(f, "storage I/O: {m}"),
            StorageError::Sqlite(m) => write!(f, "SQLite: {m}"),
            StorageError::Corrupted { space, .. } => write!(f, "corrupted {} record", space.name()),
            StorageError::KeyTooLong { space, len } => {
                write!(f, "{} key of {len} bytes is too long for this storage", space.name())
            }
            StorageError::Authentication { space, .. } => {
                write!(f, "{} record failed authentication", space.name())
            }
        }
    }
}

impl std::error::Error for StorageError {}

impl From<std::io::Error> for StorageError {
    fn from(e: std::io::Error) -> Self {
        StorageError::Io(e.to_string())
    }
}

/// A key-value store the client persists into. Implementations are
/// shared between threads; a batch is applied whole or, on error, the
/// backend says how much of it may have happened (see each backend).
pub trait Storage: Send + Sync {
    /// The value of `key` in `space`, if any.
    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError>;
    /// The keys of `space`, in increasing byte order.
    fn keys(&self, space: Space) -> Result<Vec<Vec<u8>>, StorageError>;
    /// Applies `batch`, durably, before returning.
    fn apply(&self, batch: &[Write]) -> Result<(), StorageError>;
}

impl<T: Storage + ?Sized> Storage for std::sync::Arc<T> {
    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        (**self).get(space, key)
    }
    fn keys(&self, space: Space) -> Result<Vec<Vec<u8>>, StorageError> {
        (**self).keys(space)
    }
    fn apply(&self, batch: &[Write]) -> Result<(), StorageError> {
        (**self).apply(batch)
    }
}

impl<T: Storage + ?Sized> Storage for Box<T> {
    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        (**self).get(space, key)
    }
    fn keys(&self, space: Space) -> Result<Vec<Vec<u8>>, StorageError> {
        (**self).keys(space)
    }
    fn apply(&self, batch: &[Write]) -> Result<(), StorageError> {
        (**self).apply(batch)
    }
}
