//! Array-based tree arithmetic (RFC 9420 Appendix C, §4.1).
//!
//! Nodes are numbered left to right, leaves at even indices. A tree always
//! has a power-of-two number of leaves. Every function is total: an index
//! outside the tree gives `None`, never a panic.

/// Number of nodes of a tree with `n_leaves` leaves (`2n - 1`), 0 for none.
pub const fn node_width(n_leaves: u32) -> u32 {
    if n_leaves == 0 { 0 } else { 2 * (n_leaves - 1) + 1 }
}

/// The level of a node: leaves are 0, their parents 1, and so on.
pub const fn level(x: u32) -> u32 {
    (!x).trailing_zeros()
}

/// The root of a tree with `n_leaves` leaves.
pub const fn root(n_leaves: u32) -> u32 {
    let w = node_width(n_leaves);
    if w == 0 { 0 } else { (1 << (31 - w.leading_zeros())) - 1 }
}

/// The node index of leaf `leaf`.
pub const fn leaf_to_node(leaf: u32) -> u32 {
    leaf * 2
}

/// The leaf index of node `x`, if it is a leaf.
pub const fn node_to_leaf(x: u32) -> Option<u32> {
    if x & 1 == 0 { Some(x / 2) } else { None }
}

/// The left child of an intermediate node.
pub const fn left(x: u32) -> Option<u32> {
    let k = level(x);
    if k == 0 { None } else { Some(x ^ (1 << (k - 1))) }
}

/// The right child of an intermediate node.
pub const fn right(x: u32) -> Option<u32> {
    let k = level(x);
    if k == 0 { None } else { Some(x ^ (3 << (k - 1))) }
}

/// The parent of node `x` in a tree with `n_leaves` leaves.
pub const fn parent(x: u32, n_leaves: u32) -> Option<u32> {
    if x == root(n_leaves) || x >= node_width(n_leaves) {
        return None;
    }
    let k = level(x);
    let b = (x >> (k + 1)) & 1;
    Some((x | (1 << k)) ^ (b << (k + 1)))
}

/// The other child of `x`'s parent.
pub const fn sibling(x: u32, n_leaves: u32) -> Option<u32> {
    match parent(x, n_leaves) {
        None => None,
        Some(p) => {
            if x < p {
                right(p)
            } else {
                left(p)
            }
        }
    }
}

/// Iterator over the direct path of a node, from its parent up to the root.
#[derive(Debug, Clone)]
pub struct DirectPath {
    x: Option<u32>,
    n_leaves: u32,
}

impl Iterator for DirectPath {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        let p = parent(self.x?, self.n_leaves);
        self.x = p;
        p
    }
}

/// The direct path of `x`, ordered from leaf to root, excluding `x`.
pub fn direct_path(x: u32, n_leaves: u32) -> DirectPath {
    let x = if x < node_width(n_leaves) { Some(x) } else { None };
    DirectPath { x, n_leaves }
}

/// The copath of `x`: the siblings of `x` and of each node of its direct
/// path except the root.
pub fn copath(x: u32, n_leaves: u32) -> impl Iterator<Item = u32> {
    let start = if x < node_width(n_leaves) && x != root(n_leaves) {
        Some(x)
    } else {
        None
    };
    start
        .into_iter()
        .chain(direct_path(x, n_leaves))
        .filter_map(move |y| sibling(y, n_leaves))
}

/// True when `x` is in the subtree rooted at `ancestor`.
pub const fn is_in_subtree(x: u32, ancestor: u32) -> bool {
    let k = level(ancestor);
    (x >> (k + 1)) == (ancestor >> (k + 1))
}

/// The lowest common ancestor of two nodes.
pub const fn common_ancestor(x: u32, y: u32) -> u32 {
    let (lx, ly) = (level(x) + 1, level(y) + 1);
    if lx <= ly && x >> ly == y >> ly {
        return y;
    } else if ly <= lx && x >> lx == y >> lx {
        return x;
    }
    let (mut xn, mut yn, mut k) = (x, y, 0);
    while xn != yn {
        xn >>= 1;
        yn >>= 1;
        k += 1;
    }
    (xn << k) + (1 << (k - 1)) - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_tree() {
        // 4 leaves: nodes 0..7, root 3.
        assert_eq!(root(4), 3);
        assert_eq!(left(3), Some(1));
        assert_eq!(right(3), Some(5));
        assert_eq!(parent(0, 4), Some(1));
        assert_eq!(parent(3, 4), None);
        assert_eq!(sibling(4, 4), Some(6));
        assert_eq!(direct_path(0, 4).collect::<V>(), [1, 3]);
        assert_eq!(copath(0, 4).collect::<V>(), [2, 5]);
        assert_eq!(common_ancestor(0, 6), 3);
        assert_eq!(common_ancestor(4, 6), 5);
        assert_eq!(root(1), 0);
        assert_eq!(direct_path(0, 1).count(), 0);
        assert_eq!(parent(99, 4), None);
    }

    /// A collected path (the crate links `std` in tests).
    type V = std::vec::Vec<u32>;
}
