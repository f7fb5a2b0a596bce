//! TreeKEM (RFC 9420 §7.4–§7.6, §12.4.1–§12.4.2): creating an UpdatePath,
//! merging a received one into the tree, and decrypting the path secret
//! meant for us.

mod apply;
mod create;
mod keys;
mod wire;

pub use apply::{CheckedPath, DecryptedPath, check_path, decrypt_path, merge_path};
pub use create::{CreatedPath, create_path, encrypt_path, update_path_len};
pub use keys::{MAX_DEPTH, PathKeys, node_key_pair};
pub use wire::{HpkeCiphertext, UpdatePath, UpdatePathNode};

/// The HPKE label of path secrets (§7.6).
const LABEL: &[u8] = b"UpdatePathNode";

/// Bytes of scratch that encrypting or decrypting path secrets needs for a
/// GroupContext of `group_context_len` bytes (at most: the `EncryptContext`
/// label and the longest length header included).
pub const fn scratch_len(group_context_len: usize) -> usize {
    1 + crate::crypto::labels::LABEL_PREFIX.len() + LABEL.len() + 4 + group_context_len
}
