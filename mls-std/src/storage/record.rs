//! The checksum framing shared by [`FileStorage`](super::FileStorage) and
//! [`SqliteStorage`](super::SqliteStorage): what they store for a value.
//!
//! ```text
//! magic "MLSR" (4) | version 1 (1) | value length, u64 big-endian (8)
//!     | value | checksum (16)
//! ```
//!
//! The checksum is SHA-256, truncated to 16 bytes, over a domain label,
//! the record's space name and key (each length-prefixed) and the header
//! and value. So a record cut short, grown, or with any bit changed fails
//! to decode ([`StorageError::Corrupted`]), and so does a record moved under
//! another key or space. It detects accidents (torn writes, bad sectors,
//! stray edits), not an attacker, who can recompute it: for that, use
//! [`Encrypted`](super::Encrypted).

use super::{Space, StorageError};
use sha2::{Digest, Sha256};

const MAGIC: [u8; 4] = *b"MLSR";
const VERSION: u8 = 1;
const HEADER_LEN: usize = MAGIC.len() + 1 + 8;
const CHECKSUM_LEN: usize = 16;
const DOMAIN: &[u8] = b"mls-std storage record v1";

/// The bytes framing adds to a value.
pub(crate) const OVERHEAD: usize = HEADER_LEN + CHECKSUM_LEN;

fn checksum(space: Space, key: &[u8], header: &[u8], value: &[u8]) -> [u8; CHECKSUM_LEN] {
    let name = space.name().as_bytes();
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update((name.len() as u64).to_be_bytes());
    h.update(name);
    h.update((key.len() as u64).to_be_bytes());
    h.update(key);
    h.update(header);
    h.update(value);
    let full = h.finalize();
    let mut out = [0u8; CHECKSUM_LEN];
    out.copy_from_slice(&full[..CHECKSUM_LEN]);
    out
}

/// Frames `value`, stored as `key` in `space`.
pub(crate) fn encode(space: Space, key: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(OVERHEAD + value.len());
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&(value.len() as u64).to_be_bytes());
    let sum = checksum(space, key, &out, value);
    out.extend_from_slice(value);
    out.extend_from_slice(&sum);
    out
}

/// The value framed in `bytes`, read as `key` in `space`, or
/// [`StorageError::Corrupted`] if they are not exactly one good frame for
/// that record.
pub(crate) fn decode(space: Space, key: &[u8], bytes: &[u8]) -> Result<Vec<u8>, StorageError> {
    let corrupted = || StorageError::Corrupted {
        space,
        key: key.to_vec(),
    };
    let (header, rest) = bytes.split_at_checked(HEADER_LEN).ok_or_else(corrupted)?;
    if header[..MAGIC.len()] != MAGIC || header[MAGIC.len()] != VERSION {
        return Err(corrupted());
    }
    let mut len = [0u8; 8];
    len.copy_from_slice(&header[MAGIC.len() + 1..]);
    let len = usize::try_from(u64::from_be_bytes(len)).map_err(|_| corrupted())?;
    if rest.len().checked_sub(CHECKSUM_LEN) != Some(len) {
        return Err(corrupted());
    }
    let (value, sum) = rest.split_at(len);
    if checksum(space, key, header, value) != sum {
        return Err(corrupted());
    }
    Ok(value.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for value in [&b""[..], b"x", &[7u8; 300]] {
            let framed = encode(Space::Group, b"k", value);
            assert_eq!(framed.len(), OVERHEAD + value.len());
            assert_eq!(decode(Space::Group, b"k", &framed).as_deref(), Ok(value));
        }
    }

    #[test]
    fn every_change_is_detected() {
        let framed = encode(Space::Psk, b"id", b"some value");
        let bad = Err(StorageError::Corrupted {
            space: Space::Psk,
            key: b"id".to_vec(),
        });
        for len in 0..framed.len() {
            assert_eq!(decode(Space::Psk, b"id", &framed[..len]), bad, "cut to {len}");
        }
        let mut longer = framed.clone();
        longer.push(0);
        assert_eq!(decode(Space::Psk, b"id", &longer), bad);
        for bit in 0..framed.len() * 8 {
            let mut b = framed.clone();
            b[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(decode(Space::Psk, b"id", &b), bad, "bit {bit}");
        }
    }

    #[test]
    fn bound_to_its_name() {
        let framed = encode(Space::Psk, b"id", b"v");
        assert!(matches!(
            decode(Space::Psk, b"ie", &framed),
            Err(StorageError::Corrupted { .. })
        ));
        assert!(matches!(
            decode(Space::App, b"id", &framed),
            Err(StorageError::Corrupted { .. })
        ));
    }

    #[test]
    fn huge_length_field_is_corrupted_not_a_panic() {
        let mut framed = encode(Space::App, b"k", b"v");
        framed[5..13].copy_from_slice(&u64::MAX.to_be_bytes());
        assert!(matches!(
            decode(Space::App, b"k", &framed),
            Err(StorageError::Corrupted { .. })
        ));
    }
}
