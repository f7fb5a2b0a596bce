//! Parent hashes (RFC 9420 §7.9) and the stored tree's tree-hash cache
//! (§7.8), which makes a change cost O(log N) hashes.

use super::RatchetTree;
use super::read::TreeRead;
use crate::crypto::{CipherSuite, HashOutput, hash_encoded};
use crate::memory::{Memory, Slots};
use crate::tree_math::{self, left, right};

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

impl<M: Memory> RatchetTree<M> {
    /// The tree hash of the root, the GroupContext's `tree_hash` (§7.8),
    /// from the cache where it is fresh. Read-only: see
    /// [`Self::update_tree_hash`] to fill the cache.
    pub fn tree_hash<S: CipherSuite>(&self, suite: &S) -> HashOutput {
        self.hash_of(suite, self.root())
    }

    /// The tree hash of the root, caching every parent's hash on the way,
    /// so that the next change recomputes only the hashes it touches.
    pub fn update_tree_hash<S: CipherSuite>(&mut self, suite: &S) -> HashOutput {
        let root = self.root();
        self.refresh(suite, root)
    }

    /// Fills the hash cache below `node` and returns `node`'s hash.
    fn refresh<S: CipherSuite>(&mut self, suite: &S, node: u32) -> HashOutput {
        let (Some(l), Some(r)) = (left(node), right(node)) else {
            return self.hash_of(suite, node);
        };
        if let Some(h) = self.cached_hash(node) {
            return h;
        }
        // Leaf children are hashed once, by `hash_of` below.
        if tree_math::level(node) > 1 {
            self.refresh(suite, l);
            self.refresh(suite, r);
        }
        let h = self.hash_of(suite, node);
        if let Some(slot) = self.hashes.as_mut_slice().get_mut((node / 2) as usize) {
            *slot = h;
        }
        h
    }

    /// Number of parents whose tree hash is cached (for tests and reports).
    pub fn cached_hashes(&self) -> usize {
        let n = tree_math::node_width(self.width) as usize / 2;
        self.hashes.as_slice().iter().take(n).filter(|h| !h.is_empty()).count()
    }
}
