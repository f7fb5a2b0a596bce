//! Changing a stored tree one operation at a time (RFC 9420 §12.1.1–§12.1.3,
//! §7.7). Each operation is staged and applied, so it either happens whole
//! or, on error, not at all. A commit stages all of its changes in one
//! [`Stage`] instead.

use super::stage::Stage;
use super::{LeafNode, RatchetTree};
use crate::codec::Decode;
use crate::error::{Error, Result};
use crate::memory::{LeafBytes, Memory, Slots};

impl<M: Memory> RatchetTree<M> {
    /// Starts a one-member tree holding `leaf_node` (§11).
    pub fn create(&mut self, leaf_node: &[u8]) -> Result<()> {
        LeafNode::decode_exact(leaf_node)?;
        if !M::LeafBytes::fits(leaf_node.len()) {
            return Err(Error::CapacityExceeded { what: "leaf node size" });
        }
        self.reserve(1)?;
        self.start(1);
        self.shrink();
        if let Some(slot) = self.leaves.as_mut_slice().first_mut() {
            slot.leaf.set(leaf_node);
        }
        Ok(())
    }

    fn one_change<'c, T>(&mut self, f: impl FnOnce(&mut Stage<'c, M>, &Self) -> Result<T>) -> Result<T> {
        let mut stage = Stage::new(self);
        let out = f(&mut stage, self)?;
        stage.apply(self)?;
        Ok(out)
    }

    /// Adds a member (§12.1.1); returns its leaf index.
    pub fn add_leaf(&mut self, leaf_node: &[u8]) -> Result<u32> {
        self.one_change(|s, t| s.add_leaf(t, leaf_node))
    }

    /// Replaces `leaf`'s LeafNode and blanks its direct path (§12.1.2).
    pub fn update_leaf(&mut self, leaf: u32, leaf_node: &[u8]) -> Result<()> {
        self.one_change(|s, t| s.update_leaf(t, leaf, leaf_node))
    }

    /// Removes a member and truncates (§12.1.3).
    pub fn remove_leaf(&mut self, leaf: u32) -> Result<()> {
        self.one_change(|s, t| s.remove_leaf(t, leaf))
    }

    /// Sets parent `node`'s key and parent hash with no unmerged leaves.
    pub fn set_parent(&mut self, node: u32, encryption_key: &[u8], parent_hash: &[u8]) -> Result<()> {
        let ph = crate::crypto::HashOutput::from_slice(parent_hash)?;
        if node & 1 == 0 || node >= crate::tree_math::node_width(self.width) {
            return Err(Error::Malformed {
                reason: "not a parent node",
            });
        }
        // A one-node path: the node alone, its direct path untouched.
        self.one_change(|s, _| s.set_parents(&[node], &[encryption_key], &[ph]))
    }
}
