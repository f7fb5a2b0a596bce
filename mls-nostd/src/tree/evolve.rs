//! Changing the tree: adding, updating and removing leaves (RFC 9420
//! §12.1.1–§12.1.3), blanking paths, extending and truncating (§7.7), and
//! setting parent nodes from an UpdatePath (§7.5).
//!
//! Every method checks what can fail before it changes anything.

use super::{LeafNode, LeafSlot, ParentSlot, RatchetTree, UNMERGED_ALL};
use crate::codec::Decode;
use crate::crypto::{HashOutput, HpkePublicKey};
use crate::error::{Error, Result};
use crate::tree_math::{self, direct_path, level};

impl<const LEAVES: usize, const LEAF_BYTES: usize> RatchetTree<LEAVES, LEAF_BYTES> {
    /// Checks that `leaf_node` is one encoded LeafNode that fits a slot.
    fn check_leaf_bytes(leaf_node: &[u8]) -> Result<u16> {
        LeafNode::decode_exact(leaf_node)?;
        if leaf_node.len() > LEAF_BYTES {
            return Err(Error::CapacityExceeded { what: "leaf node size" });
        }
        u16::try_from(leaf_node.len()).map_err(|_| Error::CapacityExceeded { what: "leaf node size" })
    }

    fn write_leaf(&mut self, leaf: u32, leaf_node: &[u8], len: u16, unmerged_top: u8) {
        if let Some(slot) = self.leaves.get_mut(leaf as usize)
            && let Some(dst) = slot.bytes.get_mut(..leaf_node.len())
        {
            dst.copy_from_slice(leaf_node);
            slot.len = len;
            slot.unmerged_top = unmerged_top;
        }
        self.invalidate(tree_math::leaf_to_node(leaf));
    }

    /// Marks the cached hashes of `node`'s ancestors (and `node`) stale.
    pub(super) fn invalidate(&mut self, node: u32) {
        let stale = core::iter::once(node).chain(direct_path(node, self.width));
        for x in stale.filter(|x| x & 1 == 1) {
            if let Some(h) = self.hashes.get_mut((x / 2) as usize) {
                *h = HashOutput::empty();
            }
        }
    }

    /// Starts a one-member tree holding `leaf_node` (§11).
    pub fn create(&mut self, leaf_node: &[u8]) -> Result<()> {
        let len = Self::check_leaf_bytes(leaf_node)?;
        self.clear();
        self.width = 1;
        self.write_leaf(0, leaf_node, len, 0);
        Ok(())
    }

    /// The leaf an Add would fill: the leftmost blank one, or the first of
    /// a new right half (§12.1.1). Fails when that exceeds `LEAVES`.
    pub fn next_free_leaf(&self) -> Result<u32> {
        match (0..self.width).find(|&i| self.leaf_bytes(i).is_none()) {
            Some(i) => Ok(i),
            None if (self.width as usize) < LEAVES => Ok(self.width),
            None => Err(Error::CapacityExceeded { what: "leaves" }),
        }
    }

    /// Adds a member (§12.1.1): the leftmost blank leaf, extending the tree
    /// if there is none; the leaf becomes unmerged at every non-blank
    /// ancestor. Returns its leaf index.
    pub fn add_leaf(&mut self, leaf_node: &[u8]) -> Result<u32> {
        let len = Self::check_leaf_bytes(leaf_node)?;
        let leaf = self.next_free_leaf()?;
        while leaf >= self.width {
            self.extend();
        }
        self.write_leaf(leaf, leaf_node, len, UNMERGED_ALL);
        Ok(leaf)
    }

    /// Replaces `leaf`'s LeafNode and blanks its direct path (§12.1.2).
    pub fn update_leaf(&mut self, leaf: u32, leaf_node: &[u8]) -> Result<()> {
        let len = Self::check_leaf_bytes(leaf_node)?;
        let top = self
            .leaf_slot(leaf)
            .filter(|s| s.len != 0)
            .ok_or(Error::LeafOutOfRange { leaf })?
            .unmerged_top;
        self.write_leaf(leaf, leaf_node, len, top);
        self.blank_direct_path(leaf);
        Ok(())
    }

    /// Replaces `leaf`'s LeafNode without touching its path (the path of an
    /// UpdatePath is set by [`Self::set_parent`]).
    pub fn set_leaf(&mut self, leaf: u32, leaf_node: &[u8]) -> Result<()> {
        let len = Self::check_leaf_bytes(leaf_node)?;
        let top = self.leaf_slot(leaf).ok_or(Error::LeafOutOfRange { leaf })?.unmerged_top;
        self.write_leaf(leaf, leaf_node, len, top);
        Ok(())
    }

    /// Removes a member (§12.1.3): blanks the leaf and its direct path, then
    /// truncates.
    pub fn remove_leaf(&mut self, leaf: u32) -> Result<()> {
        self.leaf_slot(leaf)
            .filter(|s| s.len != 0)
            .ok_or(Error::LeafOutOfRange { leaf })?;
        if let Some(slot) = self.leaves.get_mut(leaf as usize) {
            *slot = LeafSlot::BLANK;
        }
        self.invalidate(tree_math::leaf_to_node(leaf));
        self.blank_direct_path(leaf);
        self.truncate();
        Ok(())
    }

    /// Blanks every parent on `leaf`'s direct path.
    pub fn blank_direct_path(&mut self, leaf: u32) {
        let nodes = direct_path(tree_math::leaf_to_node(leaf), self.width);
        for node in nodes {
            self.reset_parent(node, ParentSlot::BLANK);
        }
    }

    /// Sets a parent node's key and parent hash with no unmerged leaves, as
    /// merging an UpdatePath does (§7.5).
    pub fn set_parent(&mut self, node: u32, encryption_key: &[u8], parent_hash: &[u8]) -> Result<()> {
        self.parent_slot(node).ok_or(Error::Malformed {
            reason: "not a parent node",
        })?;
        let slot = ParentSlot {
            encryption_key: HpkePublicKey::from_slice(encryption_key)?,
            parent_hash: HashOutput::from_slice(parent_hash)?,
        };
        if slot.encryption_key.is_empty() {
            return Err(Error::InvalidLength {
                field: "encryption_key",
            });
        }
        self.reset_parent(node, slot);
        Ok(())
    }

    /// Writes `slot` to parent `node`; its old unmerged leaves are dropped
    /// (they cannot be unmerged above a blank or fresh node).
    fn reset_parent(&mut self, node: u32, slot: ParentSlot) {
        let cap = (level(node) - 1) as u8;
        for l in self.leaf_range(node) {
            if let Some(s) = self.leaves.get_mut(l as usize) {
                s.unmerged_top = s.unmerged_top.min(cap);
            }
        }
        if let Some(p) = self.parents.get_mut((node / 2) as usize) {
            *p = slot;
        }
        self.invalidate(node);
    }

    /// Doubles the tree to the right with a blank root and subtree (§7.7).
    /// The caller has checked the capacity.
    fn extend(&mut self) {
        let old = self.width;
        self.width = if old == 0 { 1 } else { old * 2 };
        // Nodes of the new right half and the new root: blank, hash stale.
        for x in tree_math::node_width(old)..tree_math::node_width(self.width) {
            if x & 1 == 1 {
                if let Some(p) = self.parents.get_mut((x / 2) as usize) {
                    *p = ParentSlot::BLANK;
                }
                if let Some(h) = self.hashes.get_mut((x / 2) as usize) {
                    *h = HashOutput::empty();
                }
            }
        }
    }

    /// Halves the tree while its right half has no non-blank leaf (§7.7).
    pub fn truncate(&mut self) {
        while self.width > 1 {
            let half = self.width / 2;
            if (half..self.width).any(|l| self.leaf_bytes(l).is_some()) {
                return;
            }
            let old_root = self.root();
            for x in (old_root..tree_math::node_width(self.width)).filter(|x| x & 1 == 1) {
                if let Some(p) = self.parents.get_mut((x / 2) as usize) {
                    *p = ParentSlot::BLANK;
                }
            }
            self.width = half;
        }
    }
}
