//! The `ratchet_tree` encoding (RFC 9420 §12.4.3.3): reading a received
//! tree into a [`RatchetTree`] and writing one out, truncated.

use super::{Node, NodeList, ParentSlot, RatchetTree, TreeRead};
use crate::codec::{Encode, Writer};
use crate::crypto::{HashOutput, HpkePublicKey};
use crate::error::{Error, Result};
use crate::memory::{LeafBytes, Memory, Slots};
use crate::tree_math::level;

const UNMERGED: Error = Error::InvalidTree {
    reason: "unmerged leaves not sorted, not non-blank descendants, or inconsistent",
};

impl<M: Memory> RatchetTree<M> {
    /// Replaces the tree with a received `ratchet_tree` (§12.4.3.3).
    ///
    /// Checks the structure: node kinds at their positions, no trailing
    /// blank, capacity, and that every `unmerged_leaves` list is exactly the
    /// sorted set a valid tree implies (§7.1, §12.4.3.1). Hashes and
    /// signatures are checked by [`Self::validate`]. Everything is checked
    /// before the tree changes, so on error it is as it was.
    pub fn import(&mut self, nodes: &NodeList<'_>) -> Result<()> {
        let n = u32::try_from(nodes.len()).map_err(|_| Error::CapacityExceeded { what: "leaves" })?;
        if n == 0 || nodes.iter().last().flatten().is_none() {
            return Err(Error::Malformed {
                reason: "ratchet tree empty or with a trailing blank node",
            });
        }
        let width = (n / 2 + 1).next_power_of_two();
        // Each leaf's presence and highest level of unmergedness, as the
        // received lists state them (2 bytes a leaf).
        let mut present = M::Slots::<bool>::new_with(false);
        let mut top = M::Slots::<u8>::new_with(0);
        if width > 1 << 16 || !present.grow(width as usize, false) || !top.grow(width as usize, 0) {
            return Err(Error::CapacityExceeded { what: "leaves" });
        }
        let (present, top) = (present.as_mut_slice(), top.as_mut_slice());
        for (i, node) in nodes.iter().enumerate() {
            let x = i as u32;
            match (x % 2, node) {
                (_, None) => {}
                (0, Some(Node::Leaf(l))) => {
                    if !M::LeafBytes::fits(l.encoded_len()) {
                        return Err(Error::CapacityExceeded { what: "leaf node size" });
                    }
                    if let Some(p) = present.get_mut((x / 2) as usize) {
                        *p = true;
                    }
                }
                (1, Some(Node::Parent(p))) => {
                    HpkePublicKey::from_slice(p.encryption_key)?;
                    HashOutput::from_slice(p.parent_hash)?;
                    if p.encryption_key.is_empty() {
                        return Err(Error::InvalidLength {
                            field: "encryption_key",
                        });
                    }
                    for l in p.unmerged_leaves.iter() {
                        let t = top.get_mut(l as usize).ok_or(UNMERGED)?;
                        *t = (*t).max(level(x) as u8);
                    }
                }
                _ => {
                    return Err(Error::Malformed {
                        reason: "node type does not match its position",
                    });
                }
            }
        }
        // The lists the levels imply must be exactly the lists received.
        for (i, node) in nodes.iter().enumerate() {
            let Some(Node::Parent(p)) = node else { continue };
            let x = i as u32;
            let k = level(x);
            let first = (x >> (k + 1)) << k;
            let implied = (first..(first + (1 << k)).min(width)).filter(|&l| {
                present.get(l as usize).copied().unwrap_or(false)
                    && top.get(l as usize).is_some_and(|&t| u32::from(t) >= k)
            });
            if !p.unmerged_leaves.iter().eq(implied) {
                return Err(UNMERGED);
            }
        }

        self.reserve(width)?;
        self.start(width);
        self.shrink();
        for (i, node) in nodes.iter().enumerate() {
            let x = i / 2;
            match node {
                Some(Node::Leaf(l)) => {
                    if let (Some(slot), Some(&t)) = (self.leaves.as_mut_slice().get_mut(x), top.get(x)) {
                        let dst = slot
                            .leaf
                            .resize(l.encoded_len())
                            .ok_or(Error::CapacityExceeded { what: "leaf node size" })?;
                        l.encode_to(dst)?;
                        slot.unmerged_top = t;
                    }
                }
                Some(Node::Parent(p)) => {
                    if let Some(slot) = self.parents.as_mut_slice().get_mut(x) {
                        *slot = ParentSlot {
                            encryption_key: HpkePublicKey::from_slice(p.encryption_key)?,
                            parent_hash: HashOutput::from_slice(p.parent_hash)?,
                        };
                    }
                }
                None => {}
            }
        }
        Ok(())
    }
}

/// Writes `optional<Node> ratchet_tree<V>` without trailing blank nodes.
impl<M: Memory> Encode for RatchetTree<M> {
    fn encode(&self, w: &mut Writer<'_>) {
        self.encode_tree(w)
    }
}
