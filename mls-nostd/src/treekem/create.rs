//! Creating an UpdatePath (RFC 9420 §7.4, §7.5, §7.6, §12.4.2).

use super::keys::{PathKeys, node_key_pair};
use super::{LABEL, MAX_DEPTH};
use crate::codec::{Writer, varint_len};
use crate::crypto::labels::{derive_secret, encrypt_with_label};
use crate::crypto::{AEAD_TAG_LEN, CipherSuite, CryptoRng, HashOutput, HpkePublicKey, Secret};
use crate::error::{Error, Result};
use crate::tree::{LeafNode, LeafNodeSource, RatchetTree, Stage, TreeRead, parent_hash, sign_leaf_node};
use crate::tree_math;

/// What creating an UpdatePath produced, before it is encrypted.
pub struct CreatedPath {
    /// The member's keys after the update: new leaf key and path keys.
    pub keys: PathKeys,
    /// `(node, path_secret)` for each node of the filtered direct path, from
    /// the leaf up; a Welcome gives joiners the one of their common
    /// ancestor (§12.4.3.1).
    pub path_secrets: [(u32, Secret); MAX_DEPTH],
    /// Number of entries used in `path_secrets`.
    pub len: usize,
    /// `commit_secret`: `path_secret[n]` (§12.4.2).
    pub commit_secret: Secret,
}

impl CreatedPath {
    /// The path secret of `node`, if it is on the filtered direct path.
    pub fn path_secret(&self, node: u32) -> Option<&Secret> {
        self.path_secrets
            .iter()
            .take(self.len)
            .find(|(n, _)| *n == node)
            .map(|(_, s)| s)
    }
}

/// Stages fresh keys for leaf `me` and its direct path (§7.5), as a
/// committer does after staging its proposals in `stage`.
///
/// The new LeafNode copies `template`'s signature key, credential,
/// capabilities and extensions, gets a fresh encryption key, source
/// `commit` with the parent hash of its path, and is signed with
/// `signature_key` over `group_id` and `me` into `leaf_buf`, which the
/// stage then borrows.
#[allow(clippy::too_many_arguments)]
pub fn create_path<'c, S: CipherSuite, R: CryptoRng, M: crate::memory::Memory>(
    suite: &S,
    base: &RatchetTree<M>,
    stage: &mut Stage<'c, M>,
    me: u32,
    template: &LeafNode<'_>,
    signature_key: &[u8],
    group_id: &[u8],
    rng: &mut R,
    leaf_buf: &'c mut [u8],
) -> Result<CreatedPath> {
    let view = stage.view(base);
    view.leaf_bytes(me).ok_or(Error::LeafOutOfRange { leaf: me })?;
    // The filtered direct path with each copath child's tree hash, from
    // the leaf up.
    let mut nodes = [0u32; MAX_DEPTH];
    let mut sibling_hashes = [HashOutput::empty(); MAX_DEPTH];
    let mut n = 0;
    for (node, copath) in view.filtered_direct_path(me) {
        *nodes.get_mut(n).ok_or(Error::CapacityExceeded { what: "tree depth" })? = node;
        sibling_hashes[n] = view.hash_of(suite, copath);
        n += 1;
    }

    // Path secrets and node keys (§7.4).
    let mut seed = Secret::empty();
    rng.fill_bytes(seed.fill(S::HASH_LEN)?);
    let (leaf_sk, leaf_pk) = node_key_pair(suite, seed.as_slice())?;
    let mut keys = PathKeys::new(me, leaf_sk.as_slice())?;
    let mut path_secrets: [(u32, Secret); MAX_DEPTH] = core::array::from_fn(|_| (0, Secret::empty()));
    let mut pubs = [HpkePublicKey::empty(); MAX_DEPTH];
    let mut secret = derive_secret(suite, seed.as_slice(), b"path")?;
    for i in 0..n {
        let (sk, pk) = node_key_pair(suite, secret.as_slice())?;
        keys.set_node_key(nodes[i], sk.as_slice())?;
        pubs[i] = pk;
        let next = derive_secret(suite, secret.as_slice(), b"path")?;
        path_secrets[i] = (nodes[i], core::mem::replace(&mut secret, next));
    }
    let commit_secret = secret;

    // Parent hashes from the root down (§7.9): each node's is the parent
    // hash of the next node up; the top node's is empty.
    let mut parent_hashes = [HashOutput::empty(); MAX_DEPTH];
    let mut above = HashOutput::empty();
    for i in (0..n).rev() {
        parent_hashes[i] = above;
        above = parent_hash(suite, &pubs[i], &parent_hashes[i], &sibling_hashes[i]);
    }

    // The new LeafNode, signed.
    let new_leaf = LeafNode {
        encryption_key: &leaf_pk,
        source: LeafNodeSource::Commit { parent_hash: &above },
        signature: &[],
        signed_bytes: &[],
        raw: &[],
        ..*template
    };
    let len = sign_leaf_node(suite, &new_leaf, signature_key, group_id, me, leaf_buf).map_err(|e| match e {
        Error::BufferTooSmall { .. } => Error::CapacityExceeded { what: "leaf node size" },
        e => e,
    })?;
    let leaf_buf: &'c [u8] = leaf_buf;
    let leaf_bytes = leaf_buf.get(..len).ok_or(Error::Truncated)?;

    let mut key_refs: [&[u8]; MAX_DEPTH] = [&[]; MAX_DEPTH];
    for (r, k) in key_refs.iter_mut().zip(pubs.iter()) {
        *r = k.as_slice();
    }
    stage.set_leaf(base, me, leaf_bytes)?;
    let (nodes, key_refs, hashes) = (nodes.get(..n), key_refs.get(..n), parent_hashes.get(..n));
    let (Some(nodes), Some(key_refs), Some(hashes)) = (nodes, key_refs, hashes) else {
        return Err(Error::CapacityExceeded { what: "tree depth" });
    };
    stage.set_path(me, nodes, key_refs, hashes)?;
    Ok(CreatedPath {
        keys,
        path_secrets,
        len: n,
        commit_secret,
    })
}

/// Size of one `HPKECiphertext` holding a path secret.
fn ciphertext_len<S: CipherSuite>() -> usize {
    let ct = S::HASH_LEN + AEAD_TAG_LEN;
    varint_len(S::KEM_PUBLIC_KEY_LEN) + S::KEM_PUBLIC_KEY_LEN + varint_len(ct) + ct
}

/// The resolution of `copath` minus the leaves in `excluded` (§7.6).
fn for_each_recipient(tree: &impl TreeRead, copath: u32, excluded: &[u32], f: &mut impl FnMut(u32)) {
    tree.resolution(copath, &mut |x| {
        if !tree_math::node_to_leaf(x).is_some_and(|l| excluded.contains(&l)) {
            f(x)
        }
    });
}

/// Size of the encoded UpdatePath that [`encrypt_path`] writes.
pub fn update_path_len<S: CipherSuite>(tree: &impl TreeRead, created: &CreatedPath, excluded: &[u32]) -> usize {
    let leaf_len = tree.leaf_bytes(created.keys.leaf()).map_or(0, <[u8]>::len);
    let nodes = nodes_len::<S>(tree, created, excluded);
    leaf_len + varint_len(nodes) + nodes
}

/// Size of the contents of `UpdatePathNode nodes<V>`.
fn nodes_len<S: CipherSuite>(tree: &impl TreeRead, created: &CreatedPath, excluded: &[u32]) -> usize {
    tree.filtered_direct_path(created.keys.leaf())
        .map(|(_, copath)| {
            let mut r = 0;
            for_each_recipient(tree, copath, excluded, &mut |_| r += 1);
            let cts = r * ciphertext_len::<S>();
            varint_len(S::KEM_PUBLIC_KEY_LEN) + S::KEM_PUBLIC_KEY_LEN + varint_len(cts) + cts
        })
        .sum()
}

/// Encrypts the path secrets of `created` to the resolution of each
/// copath child, leaving out the leaves added in the same commit
/// (`excluded`), under the provisional `group_context`, and writes the
/// UpdatePath into `out` (§7.6). `scratch` needs
/// [`super::scratch_len`] bytes. Returns the length written.
#[allow(clippy::too_many_arguments)]
pub fn encrypt_path<S: CipherSuite, R: CryptoRng>(
    suite: &S,
    tree: &impl TreeRead,
    created: &CreatedPath,
    group_context: &[u8],
    excluded: &[u32],
    scratch: &mut [u8],
    rng: &mut R,
    out: &mut [u8],
) -> Result<usize> {
    let total = update_path_len::<S>(tree, created, excluded);
    if out.len() < total {
        return Err(Error::BufferTooSmall { needed: total });
    }
    let me = created.keys.leaf();
    let mut w = Writer::new(out);
    w.put(tree.leaf_bytes(me).ok_or(Error::LeafOutOfRange { leaf: me })?);
    w.varint(nodes_len::<S>(tree, created, excluded));
    let mut result = Ok(());
    for (node, copath) in tree.filtered_direct_path(me) {
        let secret = created.path_secret(node).ok_or(Error::Malformed {
            reason: "path changed since creation",
        })?;
        let key = tree.encryption_key(node).ok_or(Error::Malformed {
            reason: "path node is blank",
        })?;
        w.vec_bytes(key);
        let mut r = 0;
        for_each_recipient(tree, copath, excluded, &mut |_| r += 1);
        w.varint(r * ciphertext_len::<S>());
        for_each_recipient(tree, copath, excluded, &mut |x| {
            if result.is_err() {
                return;
            }
            let Some(pk) = tree.encryption_key(x) else {
                result = Err(Error::Malformed {
                    reason: "resolution node is blank",
                });
                return;
            };
            let mut buf = [0u8; crate::crypto::MAX_HASH_LEN];
            let Some(pt) = buf.get_mut(..secret.len()) else { return };
            pt.copy_from_slice(secret.as_slice());
            match encrypt_with_label(suite, pk, LABEL, group_context, scratch, pt, rng) {
                Ok((kem_output, tag)) => {
                    w.vec_bytes(&kem_output);
                    w.varint(pt.len() + tag.len());
                    w.put(pt);
                    w.put(&tag);
                }
                Err(e) => result = Err(e),
            }
        });
        result?;
    }
    w.finish()
}
