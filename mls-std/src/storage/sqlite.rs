//! Storage in one SQLite database.
//!
//! One table, `records (space TEXT, key BLOB, value BLOB, PRIMARY
//! KEY (space, key))`; each value is stored in the checksum framing of
//! `record.rs`, so a damaged blob reads as [`StorageError::Corrupted`].
//!
//! Each [`apply`](Storage::apply) is one transaction: the whole batch or,
//! on any error, none of it.
//!
//! The database runs in WAL mode with `synchronous=FULL`. With WAL,
//! `NORMAL` keeps the database consistent but may lose the last
//! transactions on power loss; the [`Storage`] contract is that a batch is
//! durable when `apply` returns (the client persists, then sends), so
//! `FULL` it is: every commit syncs the WAL.

use super::{Space, Storage, StorageError, Write, record};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS records (
    space TEXT NOT NULL,
    key BLOB NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (space, key)
)";

/// Records in one SQLite database (a file, or memory); every batch is one
/// transaction, all or nothing, durable when [`apply`](Storage::apply)
/// returns.
#[derive(Debug)]
pub struct SqliteStorage {
    conn: Mutex<Connection>,
}

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        StorageError::Sqlite(e.to_string())
    }
}

impl SqliteStorage {
    /// Opens (or creates) the database file at `path`. On Unix a new
    /// database file is made private to its owner (`0600`; SQLite gives
    /// its WAL and shared-memory files the same mode).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StorageError> {
        let path = path.as_ref();
        // ":memory:" and "file:" URIs are SQLite's to interpret.
        let special = path.to_str().is_some_and(|p| p == ":memory:" || p.starts_with("file:"));
        if !special {
            // An empty file is an empty database; an existing file is
            // left as it is.
            super::file::private_file_options()
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)?;
        }
        Self::with_connection(Connection::open(path)?)
    }

    /// A database in memory: lost with this value.
    pub fn in_memory() -> Result<Self, StorageError> {
        Self::with_connection(Connection::open_in_memory()?)
    }

    fn with_connection(conn: Connection) -> Result<Self, StorageError> {
        // Another process may hold the write lock for a moment.
        conn.busy_timeout(Duration::from_secs(5))?;
        // An in-memory database answers "memory": that is fine.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(SqliteStorage { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock drops any open transaction, which
        // rolls it back: the connection is still consistent.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Storage for SqliteStorage {
    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT value FROM records WHERE space = ?1 AND key = ?2")?;
        let found = stmt
            .query_row(params![space.name(), key], |row| {
                Ok(match row.get_ref(0)? {
                    ValueRef::Blob(b) => record::decode(space, key, b),
                    // The column holds something other than a blob.
                    _ => Err(StorageError::Corrupted {
                        space,
                        key: key.to_vec(),
                    }),
                })
            })
            .optional()?;
        found.transpose()
    }

    fn keys(&self, space: Space) -> Result<Vec<Vec<u8>>, StorageError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT key FROM records WHERE space = ?1")?;
        let mut keys = stmt
            .query_map(params![space.name()], |row| row.get::<_, Vec<u8>>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        // Sorted here, not by SQL, so the order is Rust's byte order
        // whatever the column's collation.
        keys.sort();
        Ok(keys)
    }

    fn apply(&self, batch: &[Write]) -> Result<(), StorageError> {
        let mut conn = self.conn();
        // Dropped without commit (on any error), the transaction rolls back.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut put = tx.prepare_cached(
                "INSERT INTO records (space, key, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (space, key) DO UPDATE SET value = excluded.value",
            )?;
            let mut delete = tx.prepare_cached("DELETE FROM records WHERE space = ?1 AND key = ?2")?;
            for w in batch {
                match w {
                    Write::Put { space, key, value } => {
                        put.execute(params![space.name(), key, record::encode(*space, key, value)])?;
                    }
                    Write::Delete { space, key } => {
                        delete.execute(params![space.name(), key])?;
                    }
                }
            }
        }
        tx.commit()?;
        Ok(())
    }
}
