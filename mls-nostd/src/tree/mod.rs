//! The ratchet tree (RFC 9420 §4, §7): its nodes, their encodings, and the
//! bounded tree state a member keeps.
//!
//! [`RatchetTree`] stores at most `LEAVES` leaves, each an encoded LeafNode
//! of at most `LEAF_BYTES` bytes, in fixed arrays: no allocation, and the
//! memory is known at compile time. Leaf nodes are kept as their encoding,
//! which is what the tree hash, signatures and the `ratchet_tree` extension
//! need, and views are decoded from it on demand.
//!
//! Unmerged leaves are not stored as a list per parent. A valid tree lists a
//! leaf as unmerged at every non-blank ancestor up to some height and at
//! none above it (§7.1 keeps the lists sorted, §12.4.3.1 requires the
//! lower ancestors to list it too). So each leaf keeps one byte, the
//! highest level at which it is unmerged, and each parent's list is derived
//! from the leaves below it. Blanking or resetting a parent lowers that byte
//! for the leaves beneath it.

mod evolve;
mod hash;
mod import;
mod leaf_node;
mod node;
mod read;
mod stage;
mod validate;

pub use hash::parent_hash;
pub use leaf_node::{Capabilities, LeafNode, LeafNodeSource, Lifetime, sign_leaf_node};
pub use node::{Node, NodeList, ParentNode};
pub use read::{ParentRef, TreeRead};
pub use stage::{MAX_PATH, Stage, Staged};
pub use validate::{LeafCheck, LeafContext, Now, check_leaf_unique, validate_leaf_node};

use crate::crypto::{HashOutput, HpkePublicKey};
use crate::tree_math;

/// `unmerged_top` of a leaf that is unmerged at every non-blank ancestor.
const UNMERGED_ALL: u8 = u8::MAX;

/// One leaf: its encoded LeafNode (`len == 0` when blank) and the highest
/// level at which it is an unmerged leaf (0 when at none).
#[derive(Clone, PartialEq, Eq)]
struct LeafSlot<const B: usize> {
    len: u16,
    unmerged_top: u8,
    bytes: [u8; B],
}

impl<const B: usize> LeafSlot<B> {
    const BLANK: Self = LeafSlot {
        len: 0,
        unmerged_top: 0,
        bytes: [0; B],
    };

    fn encoded(&self) -> Option<&[u8]> {
        match self.len {
            0 => None,
            n => self.bytes.get(..usize::from(n)),
        }
    }
}

/// One parent: blank when `encryption_key` is empty.
#[derive(Clone, Copy, PartialEq, Eq)]
struct ParentSlot {
    encryption_key: HpkePublicKey,
    parent_hash: HashOutput,
}

impl ParentSlot {
    const BLANK: Self = ParentSlot {
        encryption_key: HpkePublicKey::empty(),
        parent_hash: HashOutput::empty(),
    };
}

/// The public ratchet tree of a group, for at most `LEAVES` leaves (a power
/// of two) whose encoded LeafNodes take at most `LEAF_BYTES` bytes each.
///
/// Size: `LEAVES * (LEAF_BYTES + 3 + parent + hash)` bytes plus a few, where
/// a parent takes `2 + MAX_KEM_PUBLIC_KEY_LEN + MAX_HASH_LEN` bytes (67 for a
/// suite-1-only build) and the tree-hash cache `1 + MAX_HASH_LEN` (33).
/// `cargo run -p mls-conformance --bin tree-size` prints measured figures.
#[derive(Clone, PartialEq, Eq)]
pub struct RatchetTree<const LEAVES: usize, const LEAF_BYTES: usize> {
    /// Number of leaves: a power of two, or 0 for an empty tree.
    width: u32,
    leaves: [LeafSlot<LEAF_BYTES>; LEAVES],
    /// Parent node `2p + 1` is `parents[p]`; the last entry is unused.
    parents: [ParentSlot; LEAVES],
    /// Cached tree hash of parent node `2p + 1`; empty when stale.
    hashes: [HashOutput; LEAVES],
}

impl<const LEAVES: usize, const LEAF_BYTES: usize> Default for RatchetTree<LEAVES, LEAF_BYTES> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const LEAVES: usize, const LEAF_BYTES: usize> core::fmt::Debug for RatchetTree<LEAVES, LEAF_BYTES> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RatchetTree")
            .field("width", &self.width)
            .field("members", &TreeRead::member_count(self))
            .finish_non_exhaustive()
    }
}

impl<const LEAVES: usize, const LEAF_BYTES: usize> RatchetTree<LEAVES, LEAF_BYTES> {
    /// An empty tree; `const`, so it can initialise a `static`.
    pub const fn new() -> Self {
        const {
            assert!(
                LEAVES.is_power_of_two() && LEAVES <= 1 << 16,
                "LEAVES must be a power of two <= 65536"
            )
        };
        const { assert!(LEAF_BYTES <= u16::MAX as usize, "LEAF_BYTES must fit a u16") };
        RatchetTree {
            width: 0,
            leaves: [LeafSlot::BLANK; LEAVES],
            parents: [ParentSlot::BLANK; LEAVES],
            hashes: [HashOutput::empty(); LEAVES],
        }
    }

    /// Empties the tree in place.
    pub fn clear(&mut self) {
        self.width = 0;
        self.leaves.iter_mut().for_each(|l| *l = LeafSlot::BLANK);
        self.parents.iter_mut().for_each(|p| *p = ParentSlot::BLANK);
        self.hashes.iter_mut().for_each(|h| *h = HashOutput::empty());
    }

    fn leaf_slot(&self, leaf: u32) -> Option<&LeafSlot<LEAF_BYTES>> {
        if leaf >= self.width {
            return None;
        }
        self.leaves.get(usize::try_from(leaf).ok()?)
    }

    fn parent_slot(&self, node: u32) -> Option<&ParentSlot> {
        if node & 1 == 0 || node >= tree_math::node_width(self.width) {
            return None;
        }
        self.parents.get(usize::try_from(node / 2).ok()?)
    }
}

impl<const LEAVES: usize, const LEAF_BYTES: usize> TreeRead for RatchetTree<LEAVES, LEAF_BYTES> {
    fn width(&self) -> u32 {
        self.width
    }

    fn leaf_bytes(&self, leaf: u32) -> Option<&[u8]> {
        self.leaf_slot(leaf)?.encoded()
    }

    fn parent_fields(&self, node: u32) -> Option<(&[u8], &[u8])> {
        let p = self.parent_slot(node)?;
        (!p.encryption_key.is_empty()).then(|| (p.encryption_key.as_slice(), p.parent_hash.as_slice()))
    }

    fn unmerged_top(&self, leaf: u32) -> u8 {
        self.leaf_slot(leaf)
            .filter(|s| s.len != 0)
            .map_or(0, |s| s.unmerged_top)
    }

    fn cached_hash(&self, node: u32) -> Option<HashOutput> {
        self.parent_slot(node)?;
        self.hashes.get((node / 2) as usize).filter(|h| !h.is_empty()).copied()
    }
}

#[cfg(test)]
mod tests;
