//! Staged changes to a ratchet tree: what a commit would do, seen through
//! [`Staged`] without touching the stored tree, then applied at once.
//!
//! A [`Stage`] records per node whether it is unchanged, blanked, or set,
//! with new LeafNodes borrowed from where they already are (the commit
//! message, or a proposal store). It costs a few bytes per leaf, whatever
//! the number of changes, and lets a commit be checked completely (tree
//! hash, parent hashes, path decryption, confirmation tag) before anything
//! changes: a rejected commit leaves the tree as it was.

use super::read::TreeRead;
use super::{LeafNode, ParentSlot, RatchetTree, UNMERGED_ALL};
use crate::codec::Decode;
use crate::crypto::{HashOutput, HpkePublicKey};
use crate::error::{Error, Result};
use crate::memory::{LeafBytes, Memory, Slots};
use crate::tree_math::{self, direct_path, level};

/// Deepest tree a path can cover (2^16 leaves).
pub const MAX_PATH: usize = 16;

/// A leaf's staged change, in two words: `None` unchanged, an empty
/// slice blanked, otherwise its new LeafNode (never empty: it decoded).
type LeafChange<'c> = Option<&'c [u8]>;
/// The leaf is blanked.
const BLANK: LeafChange<'static> = Some(&[]);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ParentChange {
    Same,
    Blank,
    /// Set from entry `i` of the stage's path.
    Path(u8),
}

/// Changes to a `RatchetTree<M>`, borrowing new LeafNodes for `'c`.
#[derive(Debug, Clone)]
pub struct Stage<'c, M: Memory> {
    width: u32,
    leaves: M::Slots<LeafChange<'c>>,
    tops: M::Slots<u8>,
    parents: M::Slots<ParentChange>,
    /// Parents whose subtree changed: their cached hash is stale.
    dirty: M::Slots<bool>,
    path: [(HpkePublicKey, HashOutput); MAX_PATH],
    path_len: u8,
}

/// A stored tree seen through a [`Stage`].
#[derive(Clone, Copy)]
pub struct Staged<'s, 'c, M: Memory> {
    base: &'s RatchetTree<M>,
    stage: &'s Stage<'c, M>,
}

impl<'c, M: Memory> Stage<'c, M> {
    /// No changes to `base`.
    pub fn new(base: &RatchetTree<M>) -> Self {
        let mut stage = Self::unfilled(base);
        stage.fill(base);
        stage
    }

    /// A stage of `base` whose slots are not filled yet: [`Self::fill`]
    /// must follow. Two steps so that a caller can build the stage where
    /// it ends up (a fixed-array stage is kilobytes, and a move copies it).
    #[inline(always)]
    pub(crate) fn unfilled(base: &RatchetTree<M>) -> Self {
        Stage {
            width: base.width,
            leaves: M::Slots::new_with(None),
            tops: M::Slots::new_with(0),
            parents: M::Slots::new_with(ParentChange::Same),
            dirty: M::Slots::new_with(false),
            path: [(HpkePublicKey::empty(), HashOutput::empty()); MAX_PATH],
            path_len: 0,
        }
    }

    /// Sizes the slots for `base` and takes its unmerged levels.
    pub(crate) fn fill(&mut self, base: &RatchetTree<M>) {
        // Room for the base's width cannot fail: the base holds it.
        self.reserve(base.width);
        for (t, s) in self.tops.as_mut_slice().iter_mut().zip(base.leaves.as_slice()) {
            *t = s.unmerged_top;
        }
    }

    /// Makes room for `width` leaves; `false` if the storage cannot.
    fn reserve(&mut self, width: u32) -> bool {
        let n = width as usize;
        n <= 1 << 16
            && self.leaves.grow(n, None)
            && self.tops.grow(n, 0)
            && self.parents.grow(n, ParentChange::Same)
            && self.dirty.grow(n, false)
    }

    /// The tree as it would be.
    pub fn view<'s>(&'s self, base: &'s RatchetTree<M>) -> Staged<'s, 'c, M> {
        Staged { base, stage: self }
    }

    fn check_leaf(leaf_node: &[u8]) -> Result<()> {
        LeafNode::decode_exact(leaf_node)?;
        if !M::LeafBytes::fits(leaf_node.len()) {
            return Err(Error::CapacityExceeded { what: "leaf node size" });
        }
        Ok(())
    }

    /// Marks `node` and its ancestors as changed.
    fn touch(&mut self, node: u32) {
        for x in core::iter::once(node)
            .chain(direct_path(node, self.width))
            .filter(|x| x & 1 == 1)
        {
            if let Some(d) = self.dirty.as_mut_slice().get_mut((x / 2) as usize) {
                *d = true;
            }
        }
    }

    fn set_leaf_change(&mut self, leaf: u32, change: LeafChange<'c>, top: u8) {
        if let (Some(l), Some(t)) = (
            self.leaves.as_mut_slice().get_mut(leaf as usize),
            self.tops.as_mut_slice().get_mut(leaf as usize),
        ) {
            *l = change;
            *t = top;
        }
        self.touch(tree_math::leaf_to_node(leaf));
    }

    /// Sets parent `node`, dropping its unmerged leaves: they cannot be
    /// unmerged above a blank or fresh node.
    fn reset_parent(&mut self, node: u32, change: ParentChange) {
        let cap = (level(node) - 1) as u8;
        let k = level(node);
        let first = (node >> (k + 1)) << k;
        for t in self.tops.as_mut_slice().iter_mut().skip(first as usize).take(1 << k) {
            *t = (*t).min(cap);
        }
        if let Some(p) = self.parents.as_mut_slice().get_mut((node / 2) as usize) {
            *p = change;
        }
        self.touch(node);
    }

    /// Adds a member (§12.1.1) at the leftmost blank leaf, extending the
    /// tree if there is none; it becomes unmerged at every non-blank
    /// ancestor. Returns its leaf index.
    pub fn add_leaf(&mut self, base: &RatchetTree<M>, leaf_node: &'c [u8]) -> Result<u32> {
        Self::check_leaf(leaf_node)?;
        let leaf = self.view(base).next_free_leaf(1 << 16)?;
        while leaf >= self.width {
            self.extend()?;
        }
        self.set_leaf_change(leaf, Some(leaf_node), UNMERGED_ALL);
        Ok(leaf)
    }

    /// Replaces member `leaf`'s LeafNode and blanks its direct path
    /// (§12.1.2).
    pub fn update_leaf(&mut self, base: &RatchetTree<M>, leaf: u32, leaf_node: &'c [u8]) -> Result<()> {
        self.set_leaf(base, leaf, leaf_node)?;
        self.blank_direct_path(leaf);
        Ok(())
    }

    /// Replaces member `leaf`'s LeafNode, leaving its path alone.
    pub fn set_leaf(&mut self, base: &RatchetTree<M>, leaf: u32, leaf_node: &'c [u8]) -> Result<()> {
        Self::check_leaf(leaf_node)?;
        self.view(base).leaf_bytes(leaf).ok_or(Error::LeafOutOfRange { leaf })?;
        let top = self.tops.as_slice().get(leaf as usize).copied().unwrap_or(0);
        self.set_leaf_change(leaf, Some(leaf_node), top);
        Ok(())
    }

    /// Removes member `leaf` (§12.1.3): blanks it and its direct path,
    /// then truncates.
    pub fn remove_leaf(&mut self, base: &RatchetTree<M>, leaf: u32) -> Result<()> {
        self.view(base).leaf_bytes(leaf).ok_or(Error::LeafOutOfRange { leaf })?;
        self.set_leaf_change(leaf, BLANK, 0);
        self.blank_direct_path(leaf);
        self.truncate(base);
        Ok(())
    }

    /// Blanks every parent on `leaf`'s direct path.
    pub fn blank_direct_path(&mut self, leaf: u32) {
        for node in direct_path(tree_math::leaf_to_node(leaf), self.width) {
            self.reset_parent(node, ParentChange::Blank);
        }
    }

    /// Merges an UpdatePath's nodes (§7.5): blanks `leaf`'s direct path,
    /// then gives `nodes[i]` (its filtered direct path) `keys[i]` and
    /// `parent_hashes[i]`.
    pub fn set_path(&mut self, leaf: u32, nodes: &[u32], keys: &[&[u8]], parent_hashes: &[HashOutput]) -> Result<()> {
        self.check_path_lengths(nodes, keys, parent_hashes)?;
        self.blank_direct_path(leaf);
        self.set_parents(nodes, keys, parent_hashes)
    }

    fn check_path_lengths(&self, nodes: &[u32], keys: &[&[u8]], parent_hashes: &[HashOutput]) -> Result<()> {
        if nodes.len() > MAX_PATH || keys.len() != nodes.len() || parent_hashes.len() != nodes.len() {
            return Err(Error::CapacityExceeded { what: "tree depth" });
        }
        if keys.iter().any(|k| k.is_empty()) {
            return Err(Error::InvalidLength {
                field: "encryption_key",
            });
        }
        Ok(())
    }

    /// Gives parent `nodes[i]` `keys[i]` and `parent_hashes[i]`, with no
    /// unmerged leaves.
    pub fn set_parents(&mut self, nodes: &[u32], keys: &[&[u8]], parent_hashes: &[HashOutput]) -> Result<()> {
        self.check_path_lengths(nodes, keys, parent_hashes)?;
        if nodes
            .iter()
            .any(|&n| n & 1 == 0 || n >= tree_math::node_width(self.width))
        {
            return Err(Error::Malformed {
                reason: "not a parent node",
            });
        }
        let mut path = [(HpkePublicKey::empty(), HashOutput::empty()); MAX_PATH];
        for (slot, (k, h)) in path.iter_mut().zip(keys.iter().zip(parent_hashes)) {
            *slot = (HpkePublicKey::from_slice(k)?, *h);
        }
        self.path = path;
        self.path_len = nodes.len() as u8;
        for (i, &node) in nodes.iter().enumerate() {
            self.reset_parent(node, ParentChange::Path(i as u8));
        }
        Ok(())
    }

    /// Doubles the tree to the right with a blank root and subtree (§7.7),
    /// if the storage has room.
    fn extend(&mut self) -> Result<()> {
        let old = self.width;
        let width = if old == 0 { 1 } else { old * 2 };
        if !self.reserve(width) {
            return Err(Error::CapacityExceeded { what: "leaves" });
        }
        self.width = width;
        for x in (tree_math::node_width(old)..tree_math::node_width(self.width)).filter(|x| x & 1 == 1) {
            if let (Some(p), Some(d)) = (
                self.parents.as_mut_slice().get_mut((x / 2) as usize),
                self.dirty.as_mut_slice().get_mut((x / 2) as usize),
            ) {
                *p = ParentChange::Blank;
                *d = true;
            }
        }
        Ok(())
    }

    /// Halves the tree while its right half has no non-blank leaf (§7.7).
    pub fn truncate(&mut self, base: &RatchetTree<M>) {
        while self.width > 1 {
            let half = self.width / 2;
            if (half..self.width).any(|l| self.view(base).leaf_bytes(l).is_some()) {
                return;
            }
            let old_root = tree_math::root(self.width);
            for x in (old_root..tree_math::node_width(self.width)).filter(|x| x & 1 == 1) {
                if let Some(p) = self.parents.as_mut_slice().get_mut((x / 2) as usize) {
                    *p = ParentChange::Blank;
                }
            }
            self.width = half;
        }
    }

    /// Writes the staged changes into `tree`, which must be the tree this
    /// stage was made from. Everything was checked when staged, but the
    /// storage may refuse to grow: then the tree is unchanged.
    pub fn apply(&self, tree: &mut RatchetTree<M>) -> Result<()> {
        tree.reserve(self.width)?;
        let n = tree_math::node_width(self.width) as usize;
        let leaves = tree.leaves.as_mut_slice().iter_mut();
        for (i, (slot, change)) in leaves.zip(self.leaves.as_slice()).enumerate() {
            match change {
                None => {}
                Some([]) => slot.reset(),
                Some(b) => {
                    slot.leaf.set(b);
                }
            }
            slot.unmerged_top = if 2 * i < n && slot.encoded().is_some() {
                self.tops.as_slice().get(i).copied().unwrap_or(0)
            } else {
                0
            };
            if 2 * i >= n && slot.encoded().is_some() {
                slot.reset();
            }
        }
        let parents = tree.parents.as_mut_slice().iter_mut();
        for (i, (slot, change)) in parents.zip(self.parents.as_slice()).enumerate() {
            match change {
                ParentChange::Same => {}
                ParentChange::Blank => *slot = ParentSlot::BLANK,
                ParentChange::Path(k) => {
                    if let Some((key, ph)) = self.path.get(usize::from(*k)) {
                        *slot = ParentSlot {
                            encryption_key: *key,
                            parent_hash: *ph,
                        };
                    }
                }
            }
            if 2 * i + 1 >= n {
                *slot = ParentSlot::BLANK;
            }
        }
        for (h, d) in tree.hashes.as_mut_slice().iter_mut().zip(self.dirty.as_slice()) {
            if *d {
                *h = HashOutput::empty();
            }
        }
        tree.width = self.width;
        tree.shrink();
        Ok(())
    }
}

impl<M: Memory> TreeRead for Staged<'_, '_, M> {
    fn width(&self) -> u32 {
        self.stage.width
    }

    fn leaf_bytes(&self, leaf: u32) -> Option<&[u8]> {
        if leaf >= self.stage.width {
            return None;
        }
        match self.stage.leaves.as_slice().get(leaf as usize)? {
            None => self.base.leaf_bytes(leaf),
            Some([]) => None,
            Some(b) => Some(b),
        }
    }

    fn parent_fields(&self, node: u32) -> Option<(&[u8], &[u8])> {
        if node & 1 == 0 || node >= tree_math::node_width(self.stage.width) {
            return None;
        }
        match self.stage.parents.as_slice().get((node / 2) as usize)? {
            ParentChange::Same => self.base.parent_fields(node),
            ParentChange::Blank => None,
            ParentChange::Path(k) => self
                .stage
                .path
                .get(usize::from(*k))
                .map(|(k, h)| (k.as_slice(), h.as_slice())),
        }
    }

    fn unmerged_top(&self, leaf: u32) -> u8 {
        self.stage.tops.as_slice().get(leaf as usize).copied().unwrap_or(0)
    }

    fn cached_hash(&self, node: u32) -> Option<HashOutput> {
        if self
            .stage
            .dirty
            .as_slice()
            .get((node / 2) as usize)
            .copied()
            .unwrap_or(true)
        {
            return None;
        }
        self.base.cached_hash(node)
    }
}
