//! Storage in a directory, one file per record.
//!
//! The record `key` of `space` is the file `<dir>/<space name>/<hex of
//! key>` (lowercase hex; the empty key is the file `-`). Its contents are
//! the value in the checksum framing of `record.rs`, so a damaged or
//! truncated file reads as [`StorageError::Corrupted`].
//!
//! Writing a record is atomic: the new contents go to a temporary file in
//! the same folder (named `.tmp.*`), which is synced, renamed over the
//! record's file, and the folder is then synced. A reader sees the old
//! record or the new one, never a mix, and after `apply` returns the
//! record survives a crash or power loss (as far as the file system keeps
//! its `fsync` promises).
//!
//! **A batch is not atomic across records.** Its writes are applied one at
//! a time, in order; a crash (or an I/O error) in the middle of a batch can
//! leave any prefix of it applied. Use [`SqliteStorage`](super::SqliteStorage)
//! when batches must be all or nothing.
//!
//! On Unix the folders this creates are private to their owner (`0700`)
//! and so is every record file (`0600`): records may hold private keys.
//!
//! Limits: a key is at most [`FileStorage::MAX_KEY_LEN`] bytes (its hex is a
//! file name), longer keys give [`StorageError::KeyTooLong`]. Files in the
//! folders whose names are not records (temporary files left by a crash,
//! anything else) are ignored. One directory may be shared by several
//! `FileStorage`s and processes; each record write stays atomic, but their
//! batches may interleave.

use super::{Space, Storage, StorageError, Write, record};
#[cfg(unix)]
use std::fs::File;
use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// The file name of the empty key (not hex, so no other key has it).
const EMPTY_KEY_NAME: &str = "-";
/// The start of every temporary file's name.
const TEMP_PREFIX: &str = ".tmp.";

/// Tells temporary files of one process apart.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Records in a directory, one file per record, each written atomically
/// and durably; a batch is applied record by record (see the module docs:
/// a crash mid-batch may leave a prefix of it applied).
#[derive(Debug)]
pub struct FileStorage {
    dir: PathBuf,
    /// Keeps the batches of this value from interleaving.
    writer: Mutex<()>,
}

impl FileStorage {
    /// The longest key a record may have, in bytes: its hex must fit in a
    /// file name (255 bytes on common file systems).
    pub const MAX_KEY_LEN: usize = 127;

    /// Opens the store in `dir`, creating it and its space folders if
    /// missing.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StorageError> {
        let dir = dir.as_ref().to_path_buf();
        private_dir_builder().create(&dir)?;
        for space in Space::ALL {
            let folder = dir.join(space.name());
            private_dir_builder().create(&folder)?;
            sync_dir(&folder)?;
        }
        sync_dir(&dir)?;
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(parent)?;
        }
        Ok(FileStorage {
            dir,
            writer: Mutex::new(()),
        })
    }

    /// The directory this store is in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file that holds `key` of `space` (whether or not it exists).
    pub fn record_path(&self, space: Space, key: &[u8]) -> Result<PathBuf, StorageError> {
        if key.len() > Self::MAX_KEY_LEN {
            return Err(StorageError::KeyTooLong { space, len: key.len() });
        }
        Ok(self.dir.join(space.name()).join(file_name(key)))
    }

    fn put(&self, space: Space, key: &[u8], value: &[u8]) -> Result<(), StorageError> {
        let target = self.record_path(space, key)?;
        let folder = self.dir.join(space.name());
        let bytes = record::encode(space, key, value);
        let temp = folder.join(format!(
            "{TEMP_PREFIX}{}.{}",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let written = (|| {
            let mut f = private_file_options().write(true).create_new(true).open(&temp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            drop(f);
            fs::rename(&temp, &target)
        })();
        if let Err(e) = written {
            // Best effort: the temporary file is ignored anyway.
            let _ = fs::remove_file(&temp);
            return Err(e.into());
        }
        sync_dir(&folder)?;
        Ok(())
    }

    fn delete(&self, space: Space, key: &[u8]) -> Result<(), StorageError> {
        let target = self.record_path(space, key)?;
        match fs::remove_file(&target) {
            Ok(()) => Ok(sync_dir(&self.dir.join(space.name()))?),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

impl Storage for FileStorage {
    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        let path = self.record_path(space, key)?;
        match fs::read(&path) {
            Ok(bytes) => record::decode(space, key, &bytes).map(Some),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn keys(&self, space: Space) -> Result<Vec<Vec<u8>>, StorageError> {
        let mut keys = Vec::new();
        for entry in fs::read_dir(self.dir.join(space.name()))? {
            let entry = entry?;
            // Names that are not UTF-8, temporary files and anything else
            // that is not a record's name are skipped.
            if let Some(key) = entry.file_name().to_str().and_then(key_of) {
                keys.push(key);
            }
        }
        keys.sort();
        Ok(keys)
    }

    fn apply(&self, batch: &[Write]) -> Result<(), StorageError> {
        // The lock guards no data: a poisoned lock is harmless.
        let _writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        for w in batch {
            match w {
                Write::Put { space, key, value } => self.put(*space, key, value)?,
                Write::Delete { space, key } => self.delete(*space, key)?,
            }
        }
        Ok(())
    }
}

/// Creates folders (and missing parents) that only their owner may
/// enter, on Unix; existing folders are left as they are.
fn private_dir_builder() -> DirBuilder {
    let mut b = DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b
}

/// Creates files only their owner may read or write, on Unix: a record
/// may be a private key.
pub(crate) fn private_file_options() -> OpenOptions {
    let mut o = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o
}

/// Makes the entries of the folder `dir` durable (a no-op where folders
/// cannot be synced, as on Windows).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The file name of `key`.
fn file_name(key: &[u8]) -> String {
    if key.is_empty() {
        return EMPTY_KEY_NAME.into();
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    key.iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}

/// The key whose file name is `name`, if `name` is one [`file_name`] makes.
fn key_of(name: &str) -> Option<Vec<u8>> {
    if name == EMPTY_KEY_NAME {
        return Some(Vec::new());
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let name = name.as_bytes();
    if name.is_empty() || !name.len().is_multiple_of(2) {
        return None;
    }
    name.chunks_exact(2)
        .map(|p| Some((digit(p[0])? << 4) | digit(p[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for key in [&b""[..], b"\x00", b"\xff\x10ab", &[0x5a; 127]] {
            let name = file_name(key);
            assert_eq!(key_of(&name).as_deref(), Some(key));
        }
        assert_eq!(file_name(b"\x01\xab"), "01ab");
    }

    #[test]
    fn other_names_are_not_keys() {
        for name in ["", "0", "abc", "0G", "AB", ".tmp.12.3", "x", "--"] {
            assert_eq!(key_of(name), None, "{name:?}");
        }
    }
}
