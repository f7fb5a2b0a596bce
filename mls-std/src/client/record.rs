//! The client's records in [`Storage`](crate::storage::Storage): how each
//! is laid out in bytes. Every decoder checks lengths and reports a damaged
//! record as [`StorageError::Corrupted`]; none can panic.
//!
//! | space | key | value |
//! |---|---|---|
//! | `Client` | `signature_key` | suite (u16), private key |
//! | `Group` | group id | tag, core state, staged commit, last applied own commit |
//! | `KeyPackage` | KeyPackageRef | tag, last-resort flag, KeyPackage, private keys |
//!
//! Byte strings are written with a 4-byte big-endian length.

use crate::storage::{Space, StorageError};
use zeroize::Zeroizing;

/// Key of the signature key record in [`Space::Client`].
pub(crate) const SIGNATURE_KEY: &[u8] = b"signature_key";

const GROUP_TAG: &[u8] = b"mls-std group 2";
/// Group records written before the last applied commit was kept.
const GROUP_TAG_1: &[u8] = b"mls-std group 1";
const KEY_PACKAGE_TAG: &[u8] = b"mls-std key package 1";

/// A commit this member made and has not applied yet, with its Welcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Staged {
    /// `MLSMessage` carrying the commit.
    pub commit: Vec<u8>,
    /// `MLSMessage(Welcome)` for the members it adds.
    pub welcome: Option<Vec<u8>>,
}

/// A KeyPackage this client published, with its private keys.
pub(crate) struct KeyPackageRecord {
    /// The `MLSMessage(KeyPackage)`.
    pub key_package: Vec<u8>,
    /// Private key of `init_key`.
    pub init_key: Zeroizing<Vec<u8>>,
    /// Private key of the LeafNode's `encryption_key`.
    pub encryption_key: Zeroizing<Vec<u8>>,
    /// Kept after use.
    pub last_resort: bool,
}

fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn put_opt(out: &mut Vec<u8>, bytes: Option<&[u8]>) {
    match bytes {
        Some(b) => {
            out.push(1);
            put(out, b);
        }
        None => out.push(0),
    }
}

/// Reads a record; `None` on any damage.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = u32::from_be_bytes(self.take(4)?.try_into().ok()?);
        self.take(usize::try_from(len).ok()?)
    }

    fn flag(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn opt(&mut self) -> Option<Option<&'a [u8]>> {
        match self.flag()? {
            true => self.bytes().map(Some),
            false => Some(None),
        }
    }

    fn end(&self) -> Option<()> {
        self.0.is_empty().then_some(())
    }
}

fn corrupted(space: Space, key: &[u8]) -> StorageError {
    StorageError::Corrupted {
        space,
        key: key.to_vec(),
    }
}

fn put_staged(out: &mut Vec<u8>, staged: Option<&Staged>) {
    match staged {
        Some(s) => {
            out.push(1);
            put(out, &s.commit);
            put_opt(out, s.welcome.as_deref());
        }
        None => out.push(0),
    }
}

/// A stored group: the core's state, the staged commit, and the last own
/// commit applied (kept so that its messages can be sent again after a
/// crash between storing them and sending them).
pub(crate) type GroupRecord<'a> = (&'a [u8], Option<Staged>, Option<Staged>);

/// Encodes a group record: the core's saved state, the staged commit and
/// the last own commit applied.
pub(crate) fn encode_group(state: &[u8], staged: Option<&Staged>, applied: Option<&Staged>) -> Vec<u8> {
    let mut out = Vec::with_capacity(state.len() + 64);
    put(&mut out, GROUP_TAG);
    put(&mut out, state);
    put_staged(&mut out, staged);
    put_staged(&mut out, applied);
    out
}

/// Decodes a group record stored under `key` (see [`GroupRecord`]).
pub(crate) fn decode_group<'a>(key: &[u8], bytes: &'a [u8]) -> Result<GroupRecord<'a>, StorageError> {
    let parse = || {
        let mut r = Reader(bytes);
        let version_2 = match r.bytes()? {
            GROUP_TAG => true,
            GROUP_TAG_1 => false,
            _ => return None,
        };
        let state = r.bytes()?;
        let mut staged = || {
            Some(match r.flag()? {
                true => Some(Staged {
                    commit: r.bytes()?.to_vec(),
                    welcome: r.opt()?.map(<[u8]>::to_vec),
                }),
                false => None,
            })
        };
        let pending = staged()?;
        let applied = if version_2 { staged()? } else { None };
        r.end()?;
        Some((state, pending, applied))
    };
    parse().ok_or_else(|| corrupted(Space::Group, key))
}

/// Encodes a KeyPackage record.
pub(crate) fn encode_key_package(r: &KeyPackageRecord) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::new());
    put(&mut out, KEY_PACKAGE_TAG);
    out.push(u8::from(r.last_resort));
    put(&mut out, &r.key_package);
    put(&mut out, &r.init_key);
    put(&mut out, &r.encryption_key);
    out
}

/// Decodes the KeyPackage record stored under `key`.
pub(crate) fn decode_key_package(key: &[u8], bytes: &[u8]) -> Result<KeyPackageRecord, StorageError> {
    let parse = || {
        let mut r = Reader(bytes);
        if r.bytes()? != KEY_PACKAGE_TAG {
            return None;
        }
        let last_resort = r.flag()?;
        let record = KeyPackageRecord {
            key_package: r.bytes()?.to_vec(),
            init_key: Zeroizing::new(r.bytes()?.to_vec()),
            encryption_key: Zeroizing::new(r.bytes()?.to_vec()),
            last_resort,
        };
        r.end()?;
        Some(record)
    };
    parse().ok_or_else(|| corrupted(Space::KeyPackage, key))
}

/// Encodes the signature key record.
pub(crate) fn encode_signature_key(suite: u16, key: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(suite.to_be_bytes().to_vec());
    put(&mut out, key);
    out
}

/// Decodes the signature key record: its suite and private key.
pub(crate) fn decode_signature_key(bytes: &[u8]) -> Result<(u16, Zeroizing<Vec<u8>>), StorageError> {
    let parse = || {
        let mut r = Reader(bytes);
        let suite = u16::from_be_bytes(r.take(2)?.try_into().ok()?);
        let key = Zeroizing::new(r.bytes()?.to_vec());
        r.end()?;
        Some((suite, key))
    };
    parse().ok_or_else(|| corrupted(Space::Client, SIGNATURE_KEY))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_record_roundtrip_and_damage() {
        let staged = Staged {
            commit: vec![1, 2, 3],
            welcome: Some(vec![4]),
        };
        let applied = Staged {
            commit: vec![5],
            welcome: None,
        };
        let bytes = encode_group(b"state", Some(&staged), Some(&applied));
        let (state, back, last) = decode_group(b"g", &bytes).unwrap();
        assert_eq!(state, b"state");
        assert_eq!(back, Some(staged));
        assert_eq!(last, Some(applied));
        // A record of the first layout, without the applied commit.
        let mut old = Vec::new();
        put(&mut old, GROUP_TAG_1);
        put(&mut old, b"state");
        old.push(0);
        assert_eq!(decode_group(b"g", &old).unwrap(), (&b"state"[..], None, None));
        // Every truncation and a trailing byte are refused, without panic.
        for n in 0..bytes.len() {
            assert!(decode_group(b"g", &bytes[..n]).is_err(), "truncated at {n}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode_group(b"g", &longer).is_err());
    }

    #[test]
    fn key_package_record_roundtrip_and_damage() {
        let r = KeyPackageRecord {
            key_package: vec![9; 10],
            init_key: Zeroizing::new(vec![1; 32]),
            encryption_key: Zeroizing::new(vec![2; 32]),
            last_resort: true,
        };
        let bytes = encode_key_package(&r);
        let back = decode_key_package(b"k", &bytes).unwrap();
        assert_eq!(back.key_package, r.key_package);
        assert_eq!(*back.init_key, *r.init_key);
        assert_eq!(*back.encryption_key, *r.encryption_key);
        assert!(back.last_resort);
        for n in 0..bytes.len() {
            assert!(decode_key_package(b"k", &bytes[..n]).is_err());
        }
    }
}
