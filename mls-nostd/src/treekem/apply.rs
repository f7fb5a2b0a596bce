//! Processing a received UpdatePath (RFC 9420 §7.5, §7.9.2, §12.4.2):
//! check it on the tree as the commit's proposals leave it, stage its
//! merge, then decrypt the path secret meant for us from the staged tree.
//! Nothing here changes a stored tree.

use super::keys::{PathKeys, node_key_pair};
use super::{LABEL, MAX_DEPTH, UpdatePath};
use crate::crypto::labels::{decrypt_with_label, derive_secret};
use crate::crypto::{AEAD_TAG_LEN, CipherSuite, HashOutput, MAX_HASH_LEN, Secret};
use crate::error::{Error, Result};
use crate::tree::{
    LeafCheck, LeafContext, LeafNodeSource, RatchetTree, Stage, TreeRead, check_leaf_unique, parent_hash,
    validate_leaf_node,
};
use crate::tree_math;

fn invalid(reason: &'static str) -> Error {
    Error::InvalidTree { reason }
}

/// An UpdatePath that [`check_path`] accepted: its filtered direct path
/// and the parent hashes its nodes get when merged.
#[derive(Debug, Clone)]
pub struct CheckedPath {
    sender: u32,
    nodes: [u32; MAX_DEPTH],
    parent_hashes: [HashOutput; MAX_DEPTH],
    len: usize,
}

/// Checks a received UpdatePath from `sender` against `tree`, the tree
/// after the commit's proposals: the LeafNode (§7.3, source `commit`), key
/// uniqueness, the path length and key sizes, and that the leaf's parent
/// hash is what the new keys and the untouched copath subtrees give
/// (§7.9.2). Reads only.
pub fn check_path<S: CipherSuite>(
    suite: &S,
    tree: &impl TreeRead,
    sender: u32,
    path: &UpdatePath<'_>,
    check: &LeafCheck<'_>,
) -> Result<CheckedPath> {
    let leaf = &path.leaf_node;
    validate_leaf_node(suite, leaf, sender, LeafContext::Commit, check)?;
    check_leaf_unique(tree, leaf, sender)?;

    let mut nodes = [0u32; MAX_DEPTH];
    let mut copaths = [0u32; MAX_DEPTH];
    let mut n = 0;
    for (node, copath) in tree.filtered_direct_path(sender) {
        let i = n;
        *nodes.get_mut(i).ok_or(Error::CapacityExceeded { what: "tree depth" })? = node;
        copaths[i] = copath;
        n += 1;
    }
    if path.nodes.len() != n {
        return Err(invalid("UpdatePath length differs from the filtered direct path"));
    }
    // Parent hashes from the root down: each node's is the parent hash of
    // the next node up; the top node's is empty.
    let mut parent_hashes = [HashOutput::empty(); MAX_DEPTH];
    let mut above = HashOutput::empty();
    for i in (0..n).rev() {
        let node = path.nodes.get(i).ok_or(Error::Truncated)?;
        if node.encryption_key.len() != S::KEM_PUBLIC_KEY_LEN {
            return Err(invalid("path node key has the wrong length"));
        }
        let sibling = tree.hash_of(suite, copaths[i]);
        parent_hashes[i] = above;
        above = parent_hash(suite, node.encryption_key, &parent_hashes[i], &sibling);
    }
    match leaf.source {
        LeafNodeSource::Commit { parent_hash } if parent_hash == above.as_slice() => {}
        _ => return Err(invalid("leaf parent hash does not match the path")),
    }
    Ok(CheckedPath {
        sender,
        nodes,
        parent_hashes,
        len: n,
    })
}

/// Stages the merge of an UpdatePath that [`check_path`] accepted on the
/// tree `stage` shows over `base` (§7.5): the sender's new leaf, its direct
/// path blanked, and its filtered direct path set.
pub fn merge_path<'c, M: crate::memory::Memory>(
    stage: &mut Stage<'c, M>,
    base: &RatchetTree<M>,
    path: &UpdatePath<'c>,
    checked: &CheckedPath,
) -> Result<()> {
    let n = checked.len;
    let mut keys: [&[u8]; MAX_DEPTH] = [&[]; MAX_DEPTH];
    for (k, node) in keys.iter_mut().zip(path.nodes.iter()) {
        *k = node.encryption_key;
    }
    let raw = path.leaf_node.raw;
    if raw.is_empty() {
        return Err(Error::Malformed {
            reason: "UpdatePath was not decoded",
        });
    }
    let (nodes, keys, hashes) = (checked.nodes.get(..n), keys.get(..n), checked.parent_hashes.get(..n));
    let (Some(nodes), Some(keys), Some(hashes)) = (nodes, keys, hashes) else {
        return Err(Error::CapacityExceeded { what: "tree depth" });
    };
    stage.set_leaf(base, checked.sender, raw)?;
    stage.set_path(checked.sender, nodes, keys, hashes)
}

/// What decrypting an UpdatePath gives the receiver.
pub struct DecryptedPath {
    /// The receiver's keys after the commit.
    pub keys: PathKeys,
    /// The path secret it decrypted.
    pub path_secret: Secret,
    /// `commit_secret` (§12.4.2).
    pub commit_secret: Secret,
}

/// Decrypts the path secret meant for `keys`' owner from an UpdatePath
/// merged into `tree`, derives the rest of the path, and checks every
/// derived public key against the path (§7.5). The leaves added by the
/// same commit (`excluded`) were left out of the resolutions. Reads only:
/// the new keys are returned, to be kept once the commit is accepted.
#[allow(clippy::too_many_arguments)]
pub fn decrypt_path<S: CipherSuite>(
    suite: &S,
    tree: &impl TreeRead,
    keys: &PathKeys,
    sender: u32,
    path: &UpdatePath<'_>,
    group_context: &[u8],
    excluded: &[u32],
    scratch: &mut [u8],
) -> Result<DecryptedPath> {
    let me = tree_math::leaf_to_node(keys.leaf());
    if keys.leaf() == sender {
        return Err(Error::Malformed {
            reason: "own UpdatePath",
        });
    }
    // The first node whose copath child holds us: our common ancestor.
    let (first, (common, copath)) = tree
        .filtered_direct_path(sender)
        .enumerate()
        .find(|(_, (_, copath))| tree_math::is_in_subtree(me, *copath))
        .ok_or(invalid("receiver not under the sender's path"))?;
    // Our position in the copath child's resolution, without new leaves.
    let (mut index, mut holder, mut count) = (0usize, None, 0usize);
    tree.resolution(copath, &mut |x| {
        if tree_math::node_to_leaf(x).is_some_and(|l| excluded.contains(&l)) {
            return;
        }
        if holder.is_none() && keys.key_for(x).is_some() {
            holder = Some(x);
            index = count;
        }
        count += 1;
    });
    let sk = holder
        .and_then(|x| keys.key_for(x))
        .ok_or(invalid("no private key for the copath resolution"))?;
    let node = path.nodes.get(first).ok_or(Error::Truncated)?;
    if node.encrypted_path_secret.len() != count {
        return Err(invalid("encrypted path secrets do not match the resolution"));
    }
    let ct = node.encrypted_path_secret.get(index).ok_or(Error::Truncated)?;
    let split = ct
        .ciphertext
        .len()
        .checked_sub(AEAD_TAG_LEN)
        .ok_or(Error::DecryptionFailed)?;
    let mut buf = [0u8; MAX_HASH_LEN];
    let body = buf.get_mut(..split).ok_or(Error::DecryptionFailed)?;
    let (c, tag) = ct.ciphertext.split_at(split);
    body.copy_from_slice(c);
    decrypt_with_label(suite, sk, LABEL, group_context, scratch, ct.kem_output, body, tag)?;
    if body.len() != S::HASH_LEN {
        return Err(invalid("path secret has the wrong length"));
    }
    let path_secret = Secret::from_slice(body)?;

    let mut new_keys = keys.clone();
    new_keys.forget_from(tree_math::level(common));
    let mut secret = path_secret.clone();
    for (i, (node, _)) in tree.filtered_direct_path(sender).enumerate().skip(first) {
        let want = path.nodes.get(i).ok_or(Error::Truncated)?.encryption_key;
        let (sk, pk) = node_key_pair(suite, secret.as_slice())?;
        if pk.as_slice() != want {
            return Err(invalid("derived public key differs from the UpdatePath"));
        }
        new_keys.set_node_key(node, sk.as_slice())?;
        secret = derive_secret(suite, secret.as_slice(), b"path")?;
    }
    Ok(DecryptedPath {
        keys: new_keys,
        path_secret,
        commit_secret: secret,
    })
}
