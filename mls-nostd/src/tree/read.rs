//! Reading a ratchet tree: nodes, unmerged leaves, resolutions, filtered
//! direct paths (RFC 9420 §4.1) and tree hashes (§7.8), written once for
//! the stored tree and for a tree seen through staged changes.

use super::{LeafNode, parent_hash};
use crate::codec::{Decode, Reader, Writer};
use crate::crypto::{CipherSuite, HashOutput, hash_encoded};
use crate::error::{Error, Result};
use crate::tree_math::{self, left, level, right};

/// A non-blank parent node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParentRef<'t> {
    /// Node index.
    pub node: u32,
    /// `encryption_key`.
    pub encryption_key: &'t [u8],
    /// `parent_hash`.
    pub parent_hash: &'t [u8],
}

/// Read access to a ratchet tree. Implementors give four accessors; every
/// algorithm over the tree is provided on top of them.
pub trait TreeRead {
    /// Number of leaves, blank ones included: a power of two, 0 if empty.
    fn width(&self) -> u32;
    /// The encoded LeafNode of a non-blank leaf.
    fn leaf_bytes(&self, leaf: u32) -> Option<&[u8]>;
    /// `(encryption_key, parent_hash)` of a non-blank parent.
    fn parent_fields(&self, node: u32) -> Option<(&[u8], &[u8])>;
    /// The highest level at which a non-blank `leaf` is unmerged; 0 for none.
    fn unmerged_top(&self, leaf: u32) -> u8;
    /// The tree hash of parent `node`, when known to be fresh.
    fn cached_hash(&self, _node: u32) -> Option<HashOutput> {
        None
    }

    /// The root's node index.
    fn root(&self) -> u32 {
        tree_math::root(self.width())
    }

    /// The LeafNode at `leaf`, if the leaf exists and is not blank.
    fn leaf(&self, leaf: u32) -> Option<LeafNode<'_>> {
        // Leaves are checked to decode before they are stored or staged.
        LeafNode::decode_exact(self.leaf_bytes(leaf)?).ok()
    }

    /// `(encryption_key, signature_key)` of a non-blank leaf: the first two
    /// fields of its encoding (§7.2), read without decoding the rest.
    fn leaf_keys(&self, leaf: u32) -> Option<(&[u8], &[u8])> {
        let mut r = Reader::new(self.leaf_bytes(leaf)?);
        Some((r.vec_bytes().ok()?, r.vec_bytes().ok()?))
    }

    /// The parent node `node`, if it exists and is not blank.
    fn parent(&self, node: u32) -> Option<ParentRef<'_>> {
        let (encryption_key, parent_hash) = self.parent_fields(node)?;
        Some(ParentRef {
            node,
            encryption_key,
            parent_hash,
        })
    }

    /// True when `node` is blank or outside the tree.
    fn is_blank(&self, node: u32) -> bool {
        match tree_math::node_to_leaf(node) {
            Some(leaf) => self.leaf_bytes(leaf).is_none(),
            None => self.parent_fields(node).is_none(),
        }
    }

    /// The HPKE public key of a non-blank node.
    fn encryption_key(&self, node: u32) -> Option<&[u8]> {
        match tree_math::node_to_leaf(node) {
            Some(leaf) => self.leaf_keys(leaf).map(|k| k.0),
            None => self.parent_fields(node).map(|p| p.0),
        }
    }

    /// The non-blank leaves in order, with their index.
    fn members(&self) -> impl Iterator<Item = (u32, LeafNode<'_>)> {
        (0..self.width()).filter_map(|i| Some((i, self.leaf(i)?)))
    }

    /// Number of non-blank leaves.
    fn member_count(&self) -> usize {
        (0..self.width()).filter(|&i| self.leaf_bytes(i).is_some()).count()
    }

    /// Leaf indices under `node`, clipped to the tree.
    fn leaf_range(&self, node: u32) -> core::ops::Range<u32> {
        let k = level(node);
        let first = (node >> (k + 1)) << k;
        first.min(self.width())..(first + (1 << k)).min(self.width())
    }

    /// `unmerged_leaves` of parent `node` (§7.1), in increasing order;
    /// empty for a blank node.
    fn unmerged_leaves(&self, node: u32) -> impl Iterator<Item = u32> + '_ {
        let range = if self.parent_fields(node).is_some() {
            self.leaf_range(node)
        } else {
            0..0
        };
        let k = level(node);
        range.filter(move |&l| self.leaf_bytes(l).is_some() && u32::from(self.unmerged_top(l)) >= k)
    }

    /// The leaf an Add would fill: the leftmost blank one, or the first of a
    /// new right half (§12.1.1), if that stays within `capacity` leaves.
    fn next_free_leaf(&self, capacity: usize) -> Result<u32> {
        match (0..self.width()).find(|&i| self.leaf_bytes(i).is_none()) {
            Some(i) => Ok(i),
            None if (self.width() as usize) < capacity => Ok(self.width()),
            None => Err(Error::CapacityExceeded { what: "leaves" }),
        }
    }

    /// Calls `f` with each node of the resolution of `node` (§4.1.1), in
    /// order: a non-blank node and its unmerged leaves, or the resolutions
    /// of a blank parent's children.
    fn resolution(&self, node: u32, f: &mut impl FnMut(u32)) {
        if !self.is_blank(node) {
            f(node);
            self.unmerged_leaves(node).for_each(|l| f(tree_math::leaf_to_node(l)));
        } else if let (Some(l), Some(r)) = (left(node), right(node)) {
            self.resolution(l, f);
            self.resolution(r, f);
        }
    }

    /// True when every node under `node` (itself included) is blank.
    fn is_subtree_blank(&self, node: u32) -> bool {
        match (left(node), right(node)) {
            (Some(l), Some(r)) => self.is_blank(node) && self.is_subtree_blank(l) && self.is_subtree_blank(r),
            _ => self.is_blank(node),
        }
    }

    /// The filtered direct path of `leaf` (§4.1.2) as `(node, copath
    /// child)` pairs from the leaf up: the direct path without the nodes
    /// whose copath child has an empty resolution.
    fn filtered_direct_path(&self, leaf: u32) -> impl Iterator<Item = (u32, u32)> + '_ {
        let start = tree_math::leaf_to_node(leaf);
        let width = self.width();
        core::iter::once(start)
            .chain(tree_math::direct_path(start, width))
            .filter_map(move |child| Some((tree_math::parent(child, width)?, tree_math::sibling(child, width)?)))
            .filter(|&(_, copath)| !self.is_subtree_blank(copath))
    }

    /// The tree hash of `node` (§7.8), from the cache where it is fresh.
    fn hash_of<S: CipherSuite>(&self, suite: &S, node: u32) -> HashOutput {
        self.subtree_hash(suite, node, None)
    }

    /// The tree hash of `node` in the tree where each leaf unmerged at
    /// level `exclude_from` or above is blank and dropped from the unmerged
    /// lists: the `original_sibling_tree_hash` for a parent at that level
    /// (§7.9).
    fn original_hash<S: CipherSuite>(&self, suite: &S, node: u32, exclude_from: u32) -> HashOutput {
        self.subtree_hash(suite, node, Some(exclude_from))
    }

    /// Tree hash with optional exclusion; cached hashes serve subtrees that
    /// hold no excluded leaf.
    fn subtree_hash<S: CipherSuite>(&self, suite: &S, node: u32, exclude_from: Option<u32>) -> HashOutput {
        let excluded =
            |l: u32| exclude_from.is_some_and(|e| self.leaf_bytes(l).is_some() && u32::from(self.unmerged_top(l)) >= e);
        let (Some(l), Some(r)) = (left(node), right(node)) else {
            let leaf = node / 2;
            let bytes = if excluded(leaf) { None } else { self.leaf_bytes(leaf) };
            return hash_encoded(suite, |w| {
                w.u8(1);
                w.u32(leaf);
                w.optional(bytes.as_ref(), |w, b| w.put(b));
            });
        };
        let clean = !self.leaf_range(node).any(excluded);
        if let Some(h) = self.cached_hash(node).filter(|_| clean) {
            return h;
        }
        let exclude = if clean { None } else { exclude_from };
        let (lh, rh) = (
            self.subtree_hash(suite, l, exclude),
            self.subtree_hash(suite, r, exclude),
        );
        hash_encoded(suite, |w| {
            w.u8(2);
            self.encode_optional_parent(node, exclude, w);
            w.vec_bytes(&lh);
            w.vec_bytes(&rh);
        })
    }

    /// Writes `optional<ParentNode>` of `node` (§7.1), leaving out of the
    /// unmerged list the leaves unmerged at level `exclude_from` or above.
    fn encode_optional_parent(&self, node: u32, exclude_from: Option<u32>, w: &mut Writer<'_>) {
        if self.parent_fields(node).is_none() {
            return w.u8(0);
        }
        w.u8(1);
        self.encode_parent_fields(node, exclude_from, w);
    }

    /// Writes the `ParentNode` of a non-blank parent, with the same
    /// exclusion as [`Self::encode_optional_parent`].
    fn encode_parent_fields(&self, node: u32, exclude_from: Option<u32>, w: &mut Writer<'_>) {
        let Some((key, ph)) = self.parent_fields(node) else {
            return;
        };
        w.vec_bytes(key);
        w.vec_bytes(ph);
        w.vec(|w| {
            for l in self.unmerged_leaves(node) {
                if exclude_from.is_none_or(|e| u32::from(self.unmerged_top(l)) < e) {
                    w.u32(l);
                }
            }
        });
    }

    /// The parent hash of parent `node` with copath child `sibling`
    /// (§7.9), using the original sibling tree hash.
    fn parent_hash_of<S: CipherSuite>(&self, suite: &S, node: u32, sibling: u32) -> Option<HashOutput> {
        let p = self.parent(node)?;
        let sibling_hash = self.original_hash(suite, sibling, level(node));
        Some(parent_hash(suite, p.encryption_key, p.parent_hash, &sibling_hash))
    }

    /// Writes `optional<Node> ratchet_tree<V>` without trailing blank nodes
    /// (§12.4.3.3).
    fn encode_tree(&self, w: &mut Writer<'_>) {
        let end = (0..tree_math::node_width(self.width()))
            .rev()
            .find(|&x| !self.is_blank(x))
            .map_or(0, |x| x + 1);
        w.vec(|w| {
            for x in 0..end {
                match tree_math::node_to_leaf(x) {
                    Some(leaf) => match self.leaf_bytes(leaf) {
                        Some(b) => {
                            w.put(&[1, 1]);
                            w.put(b);
                        }
                        None => w.u8(0),
                    },
                    None if self.is_blank(x) => w.u8(0),
                    None => {
                        w.put(&[1, 2]);
                        self.encode_parent_fields(x, None, w);
                    }
                }
            }
        });
    }
}
