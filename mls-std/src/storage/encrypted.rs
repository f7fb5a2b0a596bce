//! Encryption at rest over any [`Storage`].
//!
//! [`Encrypted`] seals every value with XChaCha20-Poly1305 under a key the
//! caller gives ([`EncryptionKey`]) before handing it to the backend
//! below, and opens it on the way back. What the backend stores for a
//! value is
//!
//! ```text
//! version 1 (1) | nonce (24) | ciphertext | tag (16)
//! ```
//!
//! with a fresh random nonce for every write, and the record's space name
//! and key (and the format version) as associated data.
//!
//! What it protects, for each record at rest:
//!
//! - **confidentiality** of the value;
//! - **integrity** of the value: any change, truncation, or a record
//!   copied or renamed under another key or space, or read with the wrong
//!   key, gives [`StorageError::Authentication`], never data.
//!
//! What it does not protect:
//!
//! - **rollback**: someone with write access to the backend can put back
//!   an older record that was once valid under the same key and space; it
//!   will authenticate;
//! - **deletion** of records, or a mix of records from different times;
//! - **the names and sizes of records**: keys (group ids, KeyPackage refs,
//!   PSK ids) are stored in the clear, and a ciphertext is as long as its
//!   value plus 41 bytes;
//! - **the key itself**: keeping it (in a keychain, a TPM, derived from a
//!   passphrase with a slow KDF) is the caller's job; it is zeroized when
//!   the [`Encrypted`] that holds it is dropped, no more.
//!
//! Nonces: each write draws 192 random bits from the operating system
//! (`getrandom`). For `q` writes under one key the probability that two
//! nonces collide is below `q² / 2^193`, about 2^-113 after 2^40 writes:
//! negligible, so no counter needs to be kept or persisted.
//!
//! Batches are as atomic as the backend's.

use super::{Space, Storage, StorageError, Write};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::{Zeroize, ZeroizeOnDrop};

const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const DOMAIN: &[u8] = b"mls-std encrypted record";

/// The bytes encryption adds to a value (version, nonce, tag).
pub const ENCRYPTION_OVERHEAD: usize = 1 + NONCE_LEN + TAG_LEN;

/// A 32-byte key for [`Encrypted`], zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct EncryptionKey([u8; 32]);

impl EncryptionKey {
    /// The key `bytes` (the caller should zeroize its own copy).
    pub fn new(bytes: [u8; 32]) -> Self {
        EncryptionKey(bytes)
    }

    /// A fresh random key from the operating system.
    pub fn generate() -> Result<Self, StorageError> {
        let mut key = EncryptionKey([0; 32]);
        getrandom::fill(&mut key.0).map_err(random_error)?;
        Ok(key)
    }

    /// The key's bytes (to save it somewhere safe).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl core::fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("EncryptionKey(..)")
    }
}

fn random_error(e: getrandom::Error) -> StorageError {
    StorageError::Io(format!("random number generator: {e}"))
}

/// A [`Storage`] whose values are encrypted and authenticated, with their
/// names, under one key before they reach the backend `S` (see the module
/// docs for what this does and does not protect).
pub struct Encrypted<S: Storage> {
    inner: S,
    /// Holds a copy of the key, zeroized when dropped.
    cipher: XChaCha20Poly1305,
}

impl<S: Storage> core::fmt::Debug for Encrypted<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Encrypted").finish_non_exhaustive()
    }
}

impl<S: Storage> Encrypted<S> {
    /// Encrypts what is stored in `inner` under `key`.
    pub fn new(inner: S, key: EncryptionKey) -> Self {
        let mut bytes = chacha20poly1305::Key::from(key.0);
        let cipher = XChaCha20Poly1305::new(&bytes);
        bytes.as_mut_slice().zeroize();
        Encrypted { inner, cipher }
    }

    /// The backend, which holds the encrypted records.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The backend, giving up the key.
    pub fn into_inner(self) -> S {
        self.inner
    }

    fn seal(&self, space: Space, key: &[u8], value: &[u8]) -> Result<Vec<u8>, StorageError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(random_error)?;
        let aad = associated_data(space, key);
        let sealed = self
            .cipher
            .encrypt(&XNonce::from(nonce), Payload { msg: value, aad: &aad })
            // Only a value over 256 GiB can fail.
            .map_err(|_| StorageError::Io("value too long to encrypt".into()))?;
        let mut out = Vec::with_capacity(ENCRYPTION_OVERHEAD + value.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    fn open(&self, space: Space, key: &[u8], stored: &[u8]) -> Result<Vec<u8>, StorageError> {
        let fail = || StorageError::Authentication {
            space,
            key: key.to_vec(),
        };
        let (&version, rest) = stored.split_first().ok_or_else(fail)?;
        if version != VERSION || rest.len() < NONCE_LEN + TAG_LEN {
            return Err(fail());
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| fail())?;
        let aad = associated_data(space, key);
        self.cipher
            .decrypt(&nonce, Payload { msg: sealed, aad: &aad })
            .map_err(|_| fail())
    }
}

/// What a record's ciphertext is bound to: the format, its space, its key.
fn associated_data(space: Space, key: &[u8]) -> Vec<u8> {
    let name = space.name().as_bytes();
    let mut aad = Vec::with_capacity(DOMAIN.len() + 1 + 1 + name.len() + 8 + key.len());
    aad.extend_from_slice(DOMAIN);
    aad.push(VERSION);
    // Space names are a few bytes: the length fits in one.
    aad.push(name.len() as u8);
    aad.extend_from_slice(name);
    aad.extend_from_slice(&(key.len() as u64).to_be_bytes());
    aad.extend_from_slice(key);
    aad
}

impl<S: Storage> Storage for Encrypted<S> {
    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        match self.inner.get(space, key)? {
            Some(stored) => self.open(space, key, &stored).map(Some),
            None => Ok(None),
        }
    }

    /// The keys, which are not encrypted.
    fn keys(&self, space: Space) -> Result<Vec<Vec<u8>>, StorageError> {
        self.inner.keys(space)
    }

    fn apply(&self, batch: &[Write]) -> Result<(), StorageError> {
        let sealed = batch
            .iter()
            .map(|w| match w {
                Write::Put { space, key, value } => Ok(Write::Put {
                    space: *space,
                    key: key.clone(),
                    value: self.seal(*space, key, value)?,
                }),
                Write::Delete { .. } => Ok(w.clone()),
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        self.inner.apply(&sealed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::MemoryStorage;

    #[test]
    fn fresh_nonce_per_write() {
        let s = Encrypted::new(MemoryStorage::new(), EncryptionKey::new([1; 32]));
        let a = s.seal(Space::App, b"k", b"same").unwrap();
        let b = s.seal(Space::App, b"k", b"same").unwrap();
        assert_eq!(a.len(), ENCRYPTION_OVERHEAD + 4);
        assert_ne!(a[1..1 + NONCE_LEN], b[1..1 + NONCE_LEN]);
        assert_ne!(a, b);
        assert_eq!(s.open(Space::App, b"k", &a).unwrap(), b"same");
    }

    #[test]
    fn associated_data_is_unambiguous() {
        assert_ne!(associated_data(Space::App, b""), associated_data(Space::Psk, b""));
        assert_ne!(associated_data(Space::App, b"a"), associated_data(Space::App, b"a\0"));
    }

    #[test]
    fn key_debug_hides_the_key() {
        assert_eq!(format!("{:?}", EncryptionKey::new([0xab; 32])), "EncryptionKey(..)");
    }
}
