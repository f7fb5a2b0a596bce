//! The ratchet tree (RFC 9420 §4, §7): its nodes, their encodings, and the
//! bounded tree state a member keeps.
//!
//! [`RatchetTree`] keeps its leaves, each an encoded LeafNode, and its
//! parents in the storage a [`Memory`] gives: fixed arrays whose size is
//! known at compile time, or growable storage on a host. Leaf nodes are kept as their encoding,
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
mod unique;
mod validate;

pub use hash::parent_hash;
pub use leaf_node::{Capabilities, LeafNode, LeafNodeSource, Lifetime, sign_leaf_node};
pub use node::{Node, NodeList, ParentNode};
pub use read::{ParentRef, TreeRead};
pub use stage::{MAX_PATH, Stage, Staged};
pub use validate::{
    LeafCheck, LeafContext, Now, check_credential, check_leaf_unique, check_successor, validate_leaf_node,
};

use crate::crypto::{HashOutput, HpkePublicKey};
use crate::error::{Error, Result};
use crate::memory::{Fixed, FixedBytes, LeafBytes, Memory, Slots};
use crate::tree_math;

/// `unmerged_top` of a leaf that is unmerged at every non-blank ancestor.
const UNMERGED_ALL: u8 = u8::MAX;

/// One leaf: its encoded LeafNode (empty when blank) and the highest
/// level at which it is an unmerged leaf (0 when at none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LeafSlot<B> {
    unmerged_top: u8,
    leaf: B,
}

impl<B: LeafBytes> LeafSlot<B> {
    fn blank() -> Self {
        LeafSlot {
            unmerged_top: 0,
            leaf: B::blank(),
        }
    }

    /// Blanks the leaf in place.
    fn reset(&mut self) {
        self.unmerged_top = 0;
        self.leaf.clear();
    }

    #[inline]
    fn encoded(&self) -> Option<&[u8]> {
        Some(self.leaf.get()).filter(|b| !b.is_empty())
    }
}

impl<const N: usize> LeafSlot<FixedBytes<N>> {
    const BLANK: Self = LeafSlot {
        unmerged_top: 0,
        leaf: FixedBytes::BLANK,
    };
}

/// One parent: blank when `encryption_key` is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ParentSlot {
    encryption_key: HpkePublicKey,
    parent_hash: HashOutput,
}

impl ParentSlot {
    const BLANK: Self = ParentSlot {
        encryption_key: HpkePublicKey::empty(),
        parent_hash: HashOutput::empty(),
    };
}

/// The public ratchet tree of a group, in the storage `M` gives: with
/// [`Fixed<LEAVES, LEAF_BYTES>`](Fixed), at most `LEAVES` leaves (a power
/// of two) whose encoded LeafNodes take at most `LEAF_BYTES` bytes each.
///
/// Size with `Fixed`: `LEAVES * (LEAF_BYTES + 4 + parent + hash)` bytes
/// plus a few, where a parent takes `2 + MAX_KEM_PUBLIC_KEY_LEN +
/// MAX_HASH_LEN` bytes (67 for a suite-1-only build) and the tree-hash cache
/// `1 + MAX_HASH_LEN` (33). `cargo run -p mls-nostd --example tree_size`
/// prints measured figures.
#[derive(Clone, PartialEq, Eq)]
pub struct RatchetTree<M: Memory> {
    /// Number of leaves: a power of two, or 0 for an empty tree.
    width: u32,
    leaves: M::Slots<LeafSlot<M::LeafBytes>>,
    /// Parent node `2p + 1` is `parents[p]`; the last entry is unused.
    parents: M::Slots<ParentSlot>,
    /// Cached tree hash of parent node `2p + 1`; empty when stale.
    hashes: M::Slots<HashOutput>,
}

impl<M: Memory> core::fmt::Debug for RatchetTree<M> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RatchetTree")
            .field("width", &self.width)
            .field("members", &TreeRead::member_count(self))
            .finish_non_exhaustive()
    }
}

impl<const LEAVES: usize, const LEAF_BYTES: usize, const STORE: usize> RatchetTree<Fixed<LEAVES, LEAF_BYTES, STORE>> {
    /// An empty tree in fixed arrays; `const`, so it can initialise a
    /// `static`.
    pub const fn new() -> Self {
        const {
            assert!(
                LEAVES.is_power_of_two() && LEAVES <= 1 << 16,
                "LEAVES must be a power of two <= 65536"
            )
        };
        RatchetTree {
            width: 0,
            leaves: [LeafSlot::BLANK; LEAVES],
            parents: [ParentSlot::BLANK; LEAVES],
            hashes: [HashOutput::empty(); LEAVES],
        }
    }
}

impl<const LEAVES: usize, const LEAF_BYTES: usize, const STORE: usize> Default
    for RatchetTree<Fixed<LEAVES, LEAF_BYTES, STORE>>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Memory> RatchetTree<M> {
    /// An empty tree in the storage of `M`, as small as `M` makes it
    /// (growable storage starts empty; fixed arrays are built on the
    /// stack, so prefer [`RatchetTree::new`] for them).
    pub fn new_in() -> Self {
        RatchetTree {
            width: 0,
            leaves: M::Slots::new_from(LeafSlot::blank),
            parents: M::Slots::new_with(ParentSlot::BLANK),
            hashes: M::Slots::new_with(HashOutput::empty()),
        }
    }

    /// Empties the tree in place.
    pub fn clear(&mut self) {
        self.start(0);
        self.shrink();
    }

    /// Blanks every slot and gives the tree `width` leaves: the first step
    /// of building a tree whose storage [`Self::reserve`] already sized.
    fn start(&mut self, width: u32) {
        self.width = width;
        self.leaves.as_mut_slice().iter_mut().for_each(LeafSlot::reset);
        self.parents
            .as_mut_slice()
            .iter_mut()
            .for_each(|p| *p = ParentSlot::BLANK);
        self.hashes
            .as_mut_slice()
            .iter_mut()
            .for_each(|h| *h = HashOutput::empty());
    }

    /// Makes room for a tree of `width` leaves (slots past the current
    /// width are blank), or refuses before anything changes.
    pub(crate) fn reserve(&mut self, width: u32) -> Result<()> {
        let n = width as usize;
        let ok = n <= 1 << 16
            && self.leaves.grow(n, LeafSlot::blank())
            && self.parents.grow(n, ParentSlot::BLANK)
            && self.hashes.grow(n, HashOutput::empty());
        if ok {
            Ok(())
        } else {
            Err(Error::CapacityExceeded { what: "leaves" })
        }
    }

    /// Lets growable storage free the slots past the width.
    fn shrink(&mut self) {
        let n = self.width as usize;
        self.leaves.shrink(n);
        self.parents.shrink(n);
        self.hashes.shrink(n);
    }

    fn leaf_slot(&self, leaf: u32) -> Option<&LeafSlot<M::LeafBytes>> {
        if leaf >= self.width {
            return None;
        }
        self.leaves.as_slice().get(usize::try_from(leaf).ok()?)
    }

    fn parent_slot(&self, node: u32) -> Option<&ParentSlot> {
        if node & 1 == 0 || node >= tree_math::node_width(self.width) {
            return None;
        }
        self.parents.as_slice().get(usize::try_from(node / 2).ok()?)
    }
}

impl<M: Memory> TreeRead for RatchetTree<M> {
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
            .filter(|s| s.encoded().is_some())
            .map_or(0, |s| s.unmerged_top)
    }

    fn cached_hash(&self, node: u32) -> Option<HashOutput> {
        self.parent_slot(node)?;
        self.hashes
            .as_slice()
            .get((node / 2) as usize)
            .filter(|h| !h.is_empty())
            .copied()
    }
}

#[cfg(test)]
mod tests;
