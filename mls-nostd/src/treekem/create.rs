//! Creating an UpdatePath (RFC 9420 §7.4, §7.5, §7.6, §12.4.2).

use super::keys::{PathKeys, node_key_pair};
use super::{LABEL, MAX_DEPTH};
use crate::codec::{Writer, varint_len};
use crate::crypto::drawn::seal_with;
use crate::crypto::labels::{derive_secret, encrypt_context};
use crate::crypto::{AEAD_TAG_LEN, CipherSuite, CryptoRng, HashOutput, HpkePublicKey, Secret};
use crate::error::{Error, Result};
use crate::parallel::Parallel;
use crate::tree::{LeafNode, LeafNodeSource, RatchetTree, Stage, TreeRead, parent_hash, sign_leaf_node};
use crate::tree_math;
use zeroize::Zeroize;

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
///
/// The encryptions are independent jobs run by `parallel`: each
/// ciphertext's place in `out` first gets its recipient's public key and
/// the ephemeral key's randomness, drawn from `rng` in recipient order (so
/// the output does not depend on the thread count), and the job then
/// encrypts in place.
#[allow(clippy::too_many_arguments)]
pub fn encrypt_path<S: CipherSuite, R: CryptoRng>(
    suite: &S,
    tree: &impl TreeRead,
    created: &CreatedPath,
    group_context: &[u8],
    excluded: &[u32],
    scratch: &mut [u8],
    rng: &mut R,
    parallel: &dyn Parallel,
    out: &mut [u8],
) -> Result<usize> {
    let total = update_path_len::<S>(tree, created, excluded);
    let out = out.get_mut(..total).ok_or(Error::BufferTooSmall { needed: total })?;
    let me = created.keys.leaf();
    let mut w = Writer::new(out);
    w.put(tree.leaf_bytes(me).ok_or(Error::LeafOutOfRange { leaf: me })?);
    w.varint(nodes_len::<S>(tree, created, excluded));
    let mut pos = w.finish()?;
    let info: &[u8] = encrypt_context(LABEL, group_context, scratch)?;
    let place = ciphertext_len::<S>();
    for (node, copath) in tree.filtered_direct_path(me) {
        let secret = created.path_secret(node).ok_or(Error::Malformed {
            reason: "path changed since creation",
        })?;
        let key = tree.encryption_key(node).ok_or(Error::Malformed {
            reason: "path node is blank",
        })?;
        let mut r = 0;
        for_each_recipient(tree, copath, excluded, &mut |_| r += 1);
        let mut w = Writer::new(out.get_mut(pos..).unwrap_or_default());
        w.vec_bytes(key);
        w.varint(r * place);
        pos += w.finish()?;
        let area = out
            .get_mut(pos..pos + r * place)
            .ok_or(Error::BufferTooSmall { needed: total })?;
        let mut places = area.chunks_exact_mut(place);
        let mut result = Ok(());
        for_each_recipient(tree, copath, excluded, &mut |x| {
            let (Some(pk), Some(p)) = (tree.encryption_key(x), places.next()) else {
                result = Err(Error::Malformed {
                    reason: "resolution node is blank",
                });
                return;
            };
            if result.is_ok() {
                result = prepare::<S, R>(p, pk, rng);
            }
        });
        let sealed =
            result.and_then(|()| parallel.for_each_chunk(area, place, &|_, p| seal::<S>(suite, info, secret, p)));
        if let Err(e) = sealed {
            // A place may hold the path secret in clear.
            out.zeroize();
            return Err(e);
        }
        pos += r * place;
    }
    Ok(pos)
}

/// Offsets in one `HPKECiphertext` place: `kem_output` and `ciphertext`.
fn place_offsets<S: CipherSuite>() -> (usize, usize) {
    let enc = varint_len(S::KEM_PUBLIC_KEY_LEN);
    let ct = enc + S::KEM_PUBLIC_KEY_LEN;
    (enc, ct + varint_len(S::HASH_LEN + AEAD_TAG_LEN))
}

/// Writes the lengths of an `HPKECiphertext` into `place`, the recipient's
/// public key where `kem_output` goes, and `KEM.Nsk` random bytes (the
/// ephemeral key's) where the ciphertext goes.
fn prepare<S: CipherSuite, R: CryptoRng>(place: &mut [u8], pk: &[u8], rng: &mut R) -> Result<()> {
    let (_, ct) = place_offsets::<S>();
    if pk.len() != S::KEM_PUBLIC_KEY_LEN || S::KEM_PRIVATE_KEY_LEN > S::HASH_LEN + AEAD_TAG_LEN {
        return Err(Error::InvalidKey);
    }
    let mut w = Writer::new(place);
    w.vec_bytes(pk);
    w.varint(S::HASH_LEN + AEAD_TAG_LEN);
    w.finish()?;
    let randomness = place
        .get_mut(ct..ct + S::KEM_PRIVATE_KEY_LEN)
        .ok_or(Error::InvalidKey)?;
    rng.fill_bytes(randomness);
    Ok(())
}

/// Encrypts `secret` in a place [`prepare`] filled (`SealBase` with the
/// ephemeral randomness found there).
fn seal<S: CipherSuite>(suite: &S, info: &[u8], secret: &Secret, place: &mut [u8]) -> Result<()> {
    let (enc, ct) = place_offsets::<S>();
    let (head, body) = place.split_at_mut(ct);
    let kem_place = head
        .get_mut(enc..enc + S::KEM_PUBLIC_KEY_LEN)
        .ok_or(Error::InvalidKey)?;
    let pk = HpkePublicKey::from_slice(kem_place)?;
    let mut randomness = [0u8; crate::crypto::MAX_KEM_PRIVATE_KEY_LEN];
    let drawn = randomness.get_mut(..S::KEM_PRIVATE_KEY_LEN).ok_or(Error::InvalidKey)?;
    drawn.copy_from_slice(body.get(..S::KEM_PRIVATE_KEY_LEN).ok_or(Error::InvalidKey)?);
    let (pt, tag_place) = body.split_at_mut(S::HASH_LEN);
    pt.copy_from_slice(secret.as_slice());
    let sealed = seal_with(suite, pk.as_slice(), info, pt, drawn);
    randomness.zeroize();
    let (kem_output, tag) = sealed?;
    if kem_output.len() != S::KEM_PUBLIC_KEY_LEN {
        return Err(Error::EncryptionFailed);
    }
    kem_place.copy_from_slice(&kem_output);
    tag_place.copy_from_slice(&tag);
    Ok(())
}
