//! Resolutions and filtered direct paths (RFC 9420 §4.1).

use super::RatchetTree;
use crate::tree_math::{self, left, right};

impl<const LEAVES: usize, const LEAF_BYTES: usize> RatchetTree<LEAVES, LEAF_BYTES> {
    /// Calls `f` with each node of the resolution of `node`, in order: a
    /// non-blank node and its unmerged leaves, or the resolutions of a blank
    /// parent's children.
    pub fn resolution(&self, node: u32, f: &mut impl FnMut(u32)) {
        if !self.is_blank(node) {
            f(node);
            self.unmerged_leaves(node).for_each(|l| f(tree_math::leaf_to_node(l)));
        } else if let (Some(l), Some(r)) = (left(node), right(node)) {
            self.resolution(l, f);
            self.resolution(r, f);
        }
    }

    /// Number of nodes in the resolution of `node`.
    pub fn resolution_len(&self, node: u32) -> usize {
        let mut n = 0;
        self.resolution(node, &mut |_| n += 1);
        n
    }

    /// True when the resolution of `node` is empty: every node of its
    /// subtree is blank.
    pub fn is_subtree_blank(&self, node: u32) -> bool {
        match (left(node), right(node)) {
            (Some(l), Some(r)) => self.is_blank(node) && self.is_subtree_blank(l) && self.is_subtree_blank(r),
            _ => self.is_blank(node),
        }
    }

    /// The filtered direct path of `leaf` as `(node, copath child)` pairs,
    /// from the leaf up: the direct path without the nodes whose copath
    /// child has an empty resolution.
    pub fn filtered_direct_path(&self, leaf: u32) -> impl Iterator<Item = (u32, u32)> + '_ {
        let start = tree_math::leaf_to_node(leaf);
        let width = self.width;
        core::iter::once(start)
            .chain(tree_math::direct_path(start, width))
            .filter_map(move |child| {
                let parent = tree_math::parent(child, width)?;
                let copath = tree_math::sibling(child, width)?;
                Some((parent, copath))
            })
            .filter(|&(_, copath)| !self.is_subtree_blank(copath))
    }
}
