//! Processing a received UpdatePath (RFC 9420 §7.5, §7.9.2, §12.4.2):
//! check it without changing anything, merge it, then decrypt the path
//! secret meant for us.

use super::keys::{PathKeys, node_key_pair};
use super::{LABEL, MAX_DEPTH, UpdatePath};
use crate::codec::Encode;
use crate::crypto::labels::{decrypt_with_label, derive_secret};
use crate::crypto::{AEAD_TAG_LEN, CipherSuite, HashOutput, MAX_HASH_LEN, Secret};
use crate::error::{Error, Result};
use crate::tree::{LeafCheck, LeafContext, LeafNodeSource, RatchetTree, parent_hash, validate_leaf_node};
use crate::tree_math;

fn invalid(reason: &'static str) -> Error {
    Error::InvalidTree { reason }
}

/// The parent hashes of the path's nodes, from the leaf up, as the sender
/// must have computed them (§7.9).
fn path_parent_hashes<S: CipherSuite, const L: usize, const B: usize>(
    suite: &S,
    tree: &mut RatchetTree<L, B>,
    sender: u32,
    path: &UpdatePath<'_>,
) -> Result<([HashOutput; MAX_DEPTH], HashOutput, usize)> {
    let mut copaths = [0u32; MAX_DEPTH];
    let mut n = 0;
    for (_, copath) in tree.filtered_direct_path(sender) {
        *copaths
            .get_mut(n)
            .ok_or(Error::CapacityExceeded { what: "tree depth" })? = copath;
        n += 1;
    }
    if path.nodes.len() != n {
        return Err(invalid("UpdatePath length differs from the filtered direct path"));
    }
    let mut hashes = [HashOutput::empty(); MAX_DEPTH];
    let mut above = HashOutput::empty();
    for i in (0..n).rev() {
        let node = path.nodes.get(i).ok_or(Error::Truncated)?;
        if node.encryption_key.len() != S::KEM_PUBLIC_KEY_LEN {
            return Err(invalid("path node key has the wrong length"));
        }
        let sibling = tree.node_hash(suite, copaths[i]);
        hashes[i] = above;
        above = parent_hash(suite, node.encryption_key, &hashes[i], &sibling);
    }
    Ok((hashes, above, n))
}

/// An UpdatePath that [`check_path`] accepted: the parent hashes its
/// nodes get when merged.
#[derive(Debug, Clone)]
pub struct CheckedPath {
    sender: u32,
    parent_hashes: [HashOutput; MAX_DEPTH],
    len: usize,
}

/// Checks a received UpdatePath from `sender` against the tree after the
/// commit's proposals, changing nothing but the hash cache: the LeafNode
/// (§7.3, source `commit`), key uniqueness, the path length, and the leaf's
/// parent hash (§7.9.2).
pub fn check_path<S: CipherSuite, const L: usize, const B: usize>(
    suite: &S,
    tree: &mut RatchetTree<L, B>,
    sender: u32,
    path: &UpdatePath<'_>,
    check: &LeafCheck<'_>,
) -> Result<CheckedPath> {
    let leaf = &path.leaf_node;
    validate_leaf_node(suite, leaf, sender, LeafContext::Commit, check)?;
    if leaf.encoded_len() > B {
        return Err(Error::CapacityExceeded { what: "leaf node size" });
    }
    let n = tree_math::node_width(tree.width());
    if (0..n).any(|x| tree.encryption_key(x) == Some(leaf.encryption_key)) {
        return Err(invalid("leaf encryption key already in the tree"));
    }
    if tree
        .members()
        .any(|(i, m)| i != sender && m.signature_key == leaf.signature_key)
    {
        return Err(invalid("leaf signature key used by another member"));
    }
    let (parent_hashes, leaf_hash, len) = path_parent_hashes(suite, tree, sender, path)?;
    match leaf.source {
        LeafNodeSource::Commit { parent_hash } if parent_hash == leaf_hash.as_slice() => Ok(CheckedPath {
            sender,
            parent_hashes,
            len,
        }),
        _ => Err(invalid("leaf parent hash does not match the path")),
    }
}

/// Merges an UpdatePath that [`check_path`] accepted, on the same tree,
/// into it (§7.5): the sender's new leaf, its direct path blanked, and the
/// filtered direct path set.
pub fn merge_path<const L: usize, const B: usize>(
    tree: &mut RatchetTree<L, B>,
    path: &UpdatePath<'_>,
    checked: &CheckedPath,
) -> Result<()> {
    let (sender, hashes, n) = (checked.sender, &checked.parent_hashes, checked.len);
    let mut nodes = [0u32; MAX_DEPTH];
    for (slot, (node, _)) in nodes.iter_mut().zip(tree.filtered_direct_path(sender)) {
        *slot = node;
    }
    let mut buf = [0u8; B];
    let len = path.leaf_node.encode_to(&mut buf)?;
    tree.set_leaf(sender, buf.get(..len).ok_or(Error::Truncated)?)?;
    tree.blank_direct_path(sender);
    for (i, node) in path.nodes.iter().take(n).enumerate() {
        tree.set_parent(nodes[i], node.encryption_key, &hashes[i])?;
    }
    Ok(())
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
/// already merged into `tree`, derives the rest of the path, and checks
/// every derived public key against the path (§7.5). The leaves added by
/// the same commit (`excluded`) were left out of the resolutions. Reads
/// only: the new keys are returned, for the caller to keep once the
/// commit is accepted.
#[allow(clippy::too_many_arguments)]
pub fn decrypt_path<S: CipherSuite, const L: usize, const B: usize>(
    suite: &S,
    tree: &RatchetTree<L, B>,
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
    let (mut index, mut found, mut count) = (0usize, None, 0usize);
    tree.resolution(copath, &mut |x| {
        if tree_math::node_to_leaf(x).is_some_and(|l| excluded.contains(&l)) {
            return;
        }
        if found.is_none() && keys.key_for(x).is_some() {
            found = Some(x);
            index = count;
        }
        count += 1;
    });
    let holder = found.ok_or(invalid("no private key for the copath resolution"))?;
    let sk = keys
        .key_for(holder)
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
