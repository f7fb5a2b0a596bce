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
mod paths;
mod validate;

pub use hash::parent_hash;
pub use leaf_node::{Capabilities, LeafNode, LeafNodeSource, Lifetime, sign_leaf_node};
pub use node::{Node, NodeList, ParentNode};
pub use validate::{LeafCheck, LeafContext, Now, validate_leaf_node};

use crate::codec::{Decode, Writer};
use crate::crypto::{HashOutput, HpkePublicKey};
use crate::tree_math::{self, level};

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

/// A non-blank parent node of a [`RatchetTree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParentRef<'t> {
    /// Node index.
    pub node: u32,
    /// `encryption_key`.
    pub encryption_key: &'t [u8],
    /// `parent_hash`.
    pub parent_hash: &'t [u8],
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
            .field("members", &self.member_count())
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

    /// Number of leaves, blank ones included: a power of two, 0 if empty.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// The root's node index.
    pub fn root(&self) -> u32 {
        tree_math::root(self.width)
    }

    /// Number of non-blank leaves.
    pub fn member_count(&self) -> usize {
        self.leaves.iter().filter(|l| l.len != 0).count()
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

    /// The encoded LeafNode at `leaf`, if the leaf exists and is not blank.
    pub fn leaf_bytes(&self, leaf: u32) -> Option<&[u8]> {
        self.leaf_slot(leaf)?.encoded()
    }

    /// The LeafNode at `leaf`, if the leaf exists and is not blank.
    pub fn leaf(&self, leaf: u32) -> Option<LeafNode<'_>> {
        // Stored leaves were decoded before being stored.
        LeafNode::decode_exact(self.leaf_bytes(leaf)?).ok()
    }

    /// The parent node `node`, if it exists and is not blank.
    pub fn parent(&self, node: u32) -> Option<ParentRef<'_>> {
        let p = self.parent_slot(node)?;
        if p.encryption_key.is_empty() {
            return None;
        }
        Some(ParentRef {
            node,
            encryption_key: &p.encryption_key,
            parent_hash: &p.parent_hash,
        })
    }

    /// True when `node` is blank or outside the tree.
    pub fn is_blank(&self, node: u32) -> bool {
        match tree_math::node_to_leaf(node) {
            Some(leaf) => self.leaf_bytes(leaf).is_none(),
            None => self.parent(node).is_none(),
        }
    }

    /// The HPKE public key of a non-blank node.
    pub fn encryption_key(&self, node: u32) -> Option<&[u8]> {
        match tree_math::node_to_leaf(node) {
            Some(leaf) => self.leaf(leaf).map(|l| l.encryption_key),
            None => self.parent(node).map(|p| p.encryption_key),
        }
    }

    /// The non-blank leaves in order, with their index.
    pub fn members(&self) -> impl Iterator<Item = (u32, LeafNode<'_>)> {
        (0..self.width).filter_map(|i| Some((i, self.leaf(i)?)))
    }

    /// Leaf indices covered by the subtree rooted at `node`, clipped to the tree.
    fn leaf_range(&self, node: u32) -> core::ops::Range<u32> {
        let k = level(node);
        let first = (node >> (k + 1)) << k;
        first.min(self.width)..(first + (1 << k)).min(self.width)
    }

    /// `unmerged_leaves` of parent `node` (§7.1), in increasing order; empty
    /// for a blank node.
    pub fn unmerged_leaves(&self, node: u32) -> impl Iterator<Item = u32> + '_ {
        let range = if self.parent(node).is_some() {
            self.leaf_range(node)
        } else {
            0..0
        };
        let k = level(node);
        range.filter(move |&l| {
            self.leaf_slot(l)
                .is_some_and(|s| s.len != 0 && u32::from(s.unmerged_top) >= k)
        })
    }

    /// Writes the `ParentNode` of a non-blank parent (§7.1).
    fn encode_parent(&self, node: u32, w: &mut Writer<'_>) {
        let Some(p) = self.parent(node) else { return };
        w.vec_bytes(p.encryption_key);
        w.vec_bytes(p.parent_hash);
        w.vec(|w| self.unmerged_leaves(node).for_each(|l| w.u32(l)));
    }
}

#[cfg(test)]
mod tests;
