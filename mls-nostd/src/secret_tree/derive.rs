//! The derivations of the secret tree (RFC 9420 §9, §9.1), as pure
//! functions of their inputs.

use super::{ContentKind, INCONSISTENT, MessageKey};
use crate::crypto::labels::{derive_tree_secret, expand_secret};
use crate::crypto::{AEAD_NONCE_LEN, AeadKey, CipherSuite, Secret};
use crate::error::{Error, Result};

/// The secret of `leaf`, from the node `level` above it whose leftmost leaf
/// is `first` (§9).
pub(super) fn descend<S: CipherSuite>(
    suite: &S,
    node: &Secret,
    mut first: u32,
    level: u8,
    leaf: u32,
) -> Result<Secret> {
    let mut secret = node.clone();
    for level in (0..level).rev() {
        let middle = right_child_first(first, level)?;
        let right = leaf >= middle;
        let side: &[u8] = if right { b"right" } else { b"left" };
        secret = expand_secret(suite, secret.as_slice(), b"tree", side)?;
        if right {
            first = middle;
        }
    }
    Ok(secret)
}

/// The leftmost leaf of the right child of the node whose leftmost leaf is
/// `first` and whose children are `child_level` above the leaves.
pub(super) fn right_child_first(first: u32, child_level: u8) -> Result<u32> {
    1u32.checked_shl(child_level.into())
        .and_then(|half| first.checked_add(half))
        .ok_or(INCONSISTENT)
}

/// `handshake_ratchet_secret_[N]_[0]` or `application_ratchet_secret_[N]_[0]` (§9).
pub(super) fn ratchet_root<S: CipherSuite>(suite: &S, leaf_secret: &Secret, kind: ContentKind) -> Result<Secret> {
    let label: &[u8] = match kind {
        ContentKind::Handshake => b"handshake",
        ContentKind::Application => b"application",
    };
    expand_secret(suite, leaf_secret.as_slice(), label, &[])
}

/// `ratchet_secret_[N]_[j+1]` from `ratchet_secret_[N]_[j]` (§9.1).
pub(super) fn next_secret<S: CipherSuite>(suite: &S, secret: &Secret, generation: u32) -> Result<Secret> {
    let mut out = Secret::empty();
    derive_tree_secret(suite, secret.as_slice(), b"secret", generation, out.fill(S::HASH_LEN)?)?;
    Ok(out)
}

/// `ratchet_key_[N]_[j]` and `ratchet_nonce_[N]_[j]` (§9.1).
pub(super) fn message_key<S: CipherSuite>(suite: &S, secret: &Secret, generation: u32) -> Result<MessageKey> {
    if S::AEAD_NONCE_LEN != AEAD_NONCE_LEN {
        return Err(Error::InvalidLength { field: "AEAD.Nn" });
    }
    let mut key = AeadKey::empty();
    derive_tree_secret(suite, secret.as_slice(), b"key", generation, key.fill(S::AEAD_KEY_LEN)?)?;
    let mut nonce = [0u8; AEAD_NONCE_LEN];
    derive_tree_secret(suite, secret.as_slice(), b"nonce", generation, &mut nonce)?;
    Ok(MessageKey { generation, key, nonce })
}
