//! Tree hashes (RFC 9420 §7.8), cached per parent node so that a change to
//! one leaf costs O(log N) hashes, and parent hashes (§7.9).

use super::RatchetTree;
use crate::crypto::{CipherSuite, HashOutput, hash_encoded};
use crate::tree_math::{self, left, level, right};

/// `Hash(ParentHashInput)` of a parent with `encryption_key` and
/// `parent_hash`, whose copath child has tree hash `sibling_hash` (§7.9).
pub fn parent_hash<S: CipherSuite>(
    suite: &S,
    encryption_key: &[u8],
    parent_hash: &[u8],
    sibling_hash: &[u8],
) -> HashOutput {
    hash_encoded(suite, |w| {
        w.vec_bytes(encryption_key);
        w.vec_bytes(parent_hash);
        w.vec_bytes(sibling_hash);
    })
}

impl<const LEAVES: usize, const LEAF_BYTES: usize> RatchetTree<LEAVES, LEAF_BYTES> {
    /// The tree hash of the root: the `tree_hash` of the GroupContext.
    pub fn tree_hash<S: CipherSuite>(&mut self, suite: &S) -> HashOutput {
        let root = self.root();
        self.node_hash(suite, root)
    }

    /// The tree hash of `node`, from the cache where it is fresh.
    pub fn node_hash<S: CipherSuite>(&mut self, suite: &S, node: u32) -> HashOutput {
        let (Some(l), Some(r)) = (left(node), right(node)) else {
            return self.leaf_hash(suite, node, None);
        };
        if let Some(h) = self.hashes.get((node / 2) as usize).filter(|h| !h.is_empty()) {
            return *h;
        }
        let (lh, rh) = (self.node_hash(suite, l), self.node_hash(suite, r));
        let h = self.parent_node_hash(suite, node, &lh, &rh, None);
        if let Some(slot) = self.hashes.get_mut((node / 2) as usize) {
            *slot = h;
        }
        h
    }

    /// The tree hash of `node` in the tree where every leaf that is
    /// unmerged at level `exclude_from` or above is blank and dropped from
    /// the unmerged lists: the `original_sibling_tree_hash` of §7.9 for a
    /// parent at that level.
    pub fn original_hash<S: CipherSuite>(&mut self, suite: &S, node: u32, exclude_from: u32) -> HashOutput {
        let excluded = |t: &Self, l: u32| {
            t.leaf_slot(l)
                .is_some_and(|s| s.len != 0 && u32::from(s.unmerged_top) >= exclude_from)
        };
        if !self.leaf_range(node).any(|l| excluded(self, l)) {
            return self.node_hash(suite, node);
        }
        match (left(node), right(node)) {
            (Some(l), Some(r)) => {
                let (lh, rh) = (
                    self.original_hash(suite, l, exclude_from),
                    self.original_hash(suite, r, exclude_from),
                );
                self.parent_node_hash(suite, node, &lh, &rh, Some(exclude_from))
            }
            // A leaf that is excluded hashes as blank.
            _ => self.leaf_hash(suite, node, Some(exclude_from)),
        }
    }

    /// `Hash(TreeHashInput)` of a leaf node; with `exclude_from`, a leaf
    /// unmerged at that level or above hashes as blank.
    fn leaf_hash<S: CipherSuite>(&self, suite: &S, node: u32, exclude_from: Option<u32>) -> HashOutput {
        let leaf = node / 2;
        let slot = self.leaf_slot(leaf);
        let excluded = exclude_from.is_some_and(|k| slot.is_some_and(|s| u32::from(s.unmerged_top) >= k));
        let bytes = if excluded { None } else { slot.and_then(|s| s.encoded()) };
        hash_encoded(suite, |w| {
            w.u8(1);
            w.u32(leaf);
            w.optional(bytes.as_ref(), |w, b| w.put(b));
        })
    }

    /// `Hash(TreeHashInput)` of a parent node given its children's hashes;
    /// with `exclude_from`, its unmerged list omits the excluded leaves.
    fn parent_node_hash<S: CipherSuite>(
        &self,
        suite: &S,
        node: u32,
        left_hash: &[u8],
        right_hash: &[u8],
        exclude_from: Option<u32>,
    ) -> HashOutput {
        hash_encoded(suite, |w| {
            w.u8(2);
            match self.parent(node) {
                None => w.u8(0),
                Some(p) => {
                    w.u8(1);
                    w.vec_bytes(p.encryption_key);
                    w.vec_bytes(p.parent_hash);
                    w.vec(|w| {
                        for l in self.unmerged_leaves(node) {
                            let top = self.leaf_slot(l).map_or(0, |s| u32::from(s.unmerged_top));
                            if exclude_from.is_none_or(|e| top < e) {
                                w.u32(l);
                            }
                        }
                    });
                }
            }
            w.vec_bytes(left_hash);
            w.vec_bytes(right_hash);
        })
    }

    /// The parent hash of non-blank parent `node` with copath child
    /// `sibling` (§7.9), using the original sibling tree hash.
    pub fn parent_hash_of<S: CipherSuite>(&mut self, suite: &S, node: u32, sibling: u32) -> Option<HashOutput> {
        let (key, ph) = {
            let p = self.parent(node)?;
            (
                crate::crypto::HpkePublicKey::from_slice(p.encryption_key).ok()?,
                HashOutput::from_slice(p.parent_hash).ok()?,
            )
        };
        let sibling_hash = self.original_hash(suite, sibling, level(node));
        Some(parent_hash(suite, &key, &ph, &sibling_hash))
    }

    /// Number of nodes whose tree hash is cached (for tests and reports).
    pub fn cached_hashes(&self) -> usize {
        let n = tree_math::node_width(self.width) as usize / 2;
        self.hashes.iter().take(n).filter(|h| !h.is_empty()).count()
    }
}
