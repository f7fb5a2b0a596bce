//! AEAD seal/open over any RustCrypto `AeadInOut` cipher.

use crate::crypto::AeadTag;
use crate::error::{Error, Result};
use aead::inout::InOutBuf;
use aead::{AeadInOut, KeyInit};

/// Encrypts in place; returns the tag.
pub fn seal<A: AeadInOut + KeyInit>(key: &[u8], nonce: &[u8], aad: &[u8], in_out: &mut [u8]) -> Result<AeadTag> {
    let cipher = A::new_from_slice(key).map_err(|_| Error::InvalidLength { field: "aead key" })?;
    let nonce = nonce
        .try_into()
        .map_err(|_| Error::InvalidLength { field: "aead nonce" })?;
    let tag = cipher
        .encrypt_inout_detached(nonce, aad, InOutBuf::from(in_out))
        .map_err(|_| Error::EncryptionFailed)?;
    let mut out = [0u8; 16];
    if tag.len() != out.len() {
        return Err(Error::InvalidLength { field: "aead tag" });
    }
    out.copy_from_slice(&tag);
    Ok(out)
}

/// Checks the tag and decrypts in place.
pub fn open<A: AeadInOut + KeyInit>(key: &[u8], nonce: &[u8], aad: &[u8], in_out: &mut [u8], tag: &[u8]) -> Result<()> {
    let cipher = A::new_from_slice(key).map_err(|_| Error::InvalidLength { field: "aead key" })?;
    let nonce = nonce
        .try_into()
        .map_err(|_| Error::InvalidLength { field: "aead nonce" })?;
    let tag = tag.try_into().map_err(|_| Error::DecryptionFailed)?;
    cipher
        .decrypt_inout_detached(nonce, aad, InOutBuf::from(in_out), tag)
        .map_err(|_| Error::DecryptionFailed)
}
