//! Key uniqueness over a whole tree (§7.3, §12.4.3.1) in O(n log n):
//! leaf and parent indices are sorted by key in scratch slots the group's
//! [`Memory`] gives (4 bytes per leaf), and duplicates are then neighbours.
//!
//! The sort is a heapsort: no recursion, no extra memory, a worst case of
//! O(n log n) comparisons whatever the keys, and one copy of a few hundred
//! bytes of code for every key (the standard library's unstable sort is
//! several KB of flash).

use super::TreeRead;
use crate::error::{Error, Result};
use crate::memory::{Memory, Slots};

/// Signature keys are unique among leaves, encryption keys among all
/// nodes of `tree`, whose width is at most what `M`'s slots hold.
pub(super) fn check_unique_keys<M: Memory>(tree: &impl TreeRead) -> Result<()> {
    let width = tree.width() as usize;
    let mut scratch = M::Slots::<[u16; 2]>::new_with([0; 2]);
    if !scratch.grow(width, [0; 2]) {
        return Err(Error::CapacityExceeded { what: "leaves" });
    }
    let flat = scratch.as_mut_slice().as_flattened_mut();
    let (leaves, parents) = flat.split_at_mut(width);
    // Leaf indices fit in 16 bits (at most 65,536 leaves); parent node
    // 2p + 1 is kept as p.
    let leaves = fill(leaves, (0..tree.width()).filter(|&i| tree.leaf_bytes(i).is_some()));
    let parents = fill(
        parents,
        (0..tree.width().saturating_sub(1)).filter(|&p| tree.parent_fields(2 * p + 1).is_some()),
    );

    let signature_key = |i: u16| tree.leaf_keys(u32::from(i)).map_or(&[][..], |k| k.1);
    heapsort(leaves, &signature_key);
    if has_neighbours(leaves, &signature_key) {
        return Err(invalid("duplicate signature key"));
    }

    let leaf_key = |i: u16| tree.leaf_keys(u32::from(i)).map_or(&[][..], |k| k.0);
    let parent_key = |p: u16| tree.parent_fields(2 * u32::from(p) + 1).map_or(&[][..], |f| f.0);
    heapsort(leaves, &leaf_key);
    heapsort(parents, &parent_key);
    if has_neighbours(leaves, &leaf_key) || has_neighbours(parents, &parent_key) {
        return Err(invalid("duplicate encryption key"));
    }
    // Both lists are sorted: a key in both meets itself in one merge walk.
    let (mut a, mut b) = (
        leaves.iter().map(|&i| leaf_key(i)),
        parents.iter().map(|&p| parent_key(p)),
    );
    let (mut x, mut y) = (a.next(), b.next());
    while let (Some(kx), Some(ky)) = (x, y) {
        match kx.cmp(ky) {
            core::cmp::Ordering::Less => x = a.next(),
            core::cmp::Ordering::Greater => y = b.next(),
            core::cmp::Ordering::Equal => return Err(invalid("duplicate encryption key")),
        }
    }
    Ok(())
}

fn invalid(reason: &'static str) -> Error {
    Error::InvalidTree { reason }
}

/// Writes the indices of `items` to the front of `slots`; the filled part.
fn fill(slots: &mut [u16], items: impl Iterator<Item = u32>) -> &mut [u16] {
    let mut n = 0;
    for (slot, i) in slots.iter_mut().zip(items) {
        *slot = i as u16;
        n += 1;
    }
    &mut slots[..n]
}

/// Whether two neighbours of sorted `v` have the same key.
fn has_neighbours<'k>(v: &[u16], key: &dyn Fn(u16) -> &'k [u8]) -> bool {
    v.windows(2).any(|w| key(w[0]) == key(w[1]))
}

/// Sorts `v` by `key`, ascending.
fn heapsort<'k>(v: &mut [u16], key: &dyn Fn(u16) -> &'k [u8]) {
    let n = v.len();
    for start in (0..n / 2).rev() {
        sift_down(v, start, n, key);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift_down(v, 0, end, key);
    }
}

/// Moves `v[root]` down the max-heap `v[..end]` to its place.
fn sift_down<'k>(v: &mut [u16], mut root: usize, end: usize, key: &dyn Fn(u16) -> &'k [u8]) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && key(v[child]) < key(v[child + 1]) {
            child += 1;
        }
        if key(v[root]) >= key(v[child]) {
            return;
        }
        v.swap(root, child);
        root = child;
    }
}

#[cfg(test)]
mod tests {
    use super::heapsort;

    /// The heapsort orders keys with repeats, prefixes and the empty key,
    /// at every length up to 40.
    #[test]
    fn heapsort_sorts() {
        let keys: [&[u8]; 9] = [b"m", b"", b"ab", b"a", b"zz", b"ab", b"b", b"m", b"aa"];
        for n in 0..=40usize {
            let mut v: [u16; 40] = core::array::from_fn(|i| ((i * 7 + n) % 9) as u16);
            let v = &mut v[..n];
            let key = |i: u16| keys[usize::from(i)];
            heapsort(v, &key);
            assert!(v.windows(2).all(|w| key(w[0]) <= key(w[1])), "n = {n}");
        }
    }
}
