//! Memory that follows the group: the [`Growable`] implementation of the
//! core's [`Memory`].
//!
//! A group in `Growable` memory keeps one vector per kind of slot (leaves,
//! parents, cached hashes, secret-tree slots, staged changes), each as
//! long as the tree is wide, and each LeafNode in a vector of its own
//! length. Nothing is bounded at compile time: members, LeafNode sizes,
//! stored proposals and the proposals of one commit grow as needed. The
//! only bound is the core's tree depth, 2^16 leaves. A tree that halves
//! lets go of the slots it no longer uses.
//!
//! The protocol code is the core's, unchanged: `Growable` only says where
//! the slots live.

use mls_nostd::memory::{Item, LeafBytes, Memory, Slots};

/// Vectors that grow with the group; see the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Growable;

impl Memory for Growable {
    type Slots<T: Item> = Grow<T>;
    type List<T: Clone> = Grow<T>;
    type LeafBytes = GrowBytes;
    type Store = Grow<u8>;
}

/// A vector of slots (the storage of one [`Growable`] array).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grow<T>(Vec<T>);

impl<T: Clone> Slots<T> for Grow<T> {
    fn new_with(_fill: T) -> Self
    where
        T: Copy,
    {
        Grow(Vec::new())
    }

    fn new_from(_fill: impl FnMut() -> T) -> Self {
        Grow(Vec::new())
    }

    fn as_slice(&self) -> &[T] {
        &self.0
    }

    fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.0
    }

    fn grow(&mut self, len: usize, fill: T) -> bool {
        if len > self.0.len() {
            if self.0.try_reserve(len - self.0.len()).is_err() {
                return false;
            }
            self.0.resize(len, fill);
        }
        true
    }

    fn holds(_len: usize) -> bool {
        true
    }

    fn shrink(&mut self, len: usize) {
        self.0.truncate(len);
        // Give memory back once most of it is unused, not on every change.
        if self.0.capacity() > 2 * len.max(8) {
            self.0.shrink_to_fit();
        }
    }
}

/// One encoded LeafNode in a vector of its own length.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GrowBytes(Vec<u8>);

impl LeafBytes for GrowBytes {
    fn blank() -> Self {
        GrowBytes(Vec::new())
    }

    fn fits(_len: usize) -> bool {
        true
    }

    fn get(&self) -> &[u8] {
        &self.0
    }

    fn clear(&mut self) {
        self.0 = Vec::new();
    }

    fn room(&mut self, want: usize) -> &mut [u8] {
        self.0.resize(want, 0);
        &mut self.0
    }

    fn resize(&mut self, len: usize) -> Option<&mut [u8]> {
        self.0.resize(len, 0);
        self.0.shrink_to_fit();
        Some(&mut self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_keeps_and_shrinks() {
        let mut g = Grow::new_with(0u32);
        assert!(g.as_slice().is_empty());
        assert!(g.grow(4, 7));
        assert_eq!(g.as_slice(), &[7, 7, 7, 7]);
        g.as_mut_slice()[1] = 9;
        assert!(g.grow(2, 0), "growing to less keeps what is there");
        assert_eq!(g.as_slice(), &[7, 9, 7, 7]);
        g.shrink(1);
        assert_eq!(g.as_slice(), &[7]);
    }

    #[test]
    fn leaf_bytes_take_their_length() {
        let mut b = GrowBytes::blank();
        assert!(b.get().is_empty());
        assert!(b.set(&[1, 2, 3]));
        assert_eq!(b.get(), &[1, 2, 3]);
        assert!(b.set(&[4]));
        assert_eq!(b.get(), &[4]);
        assert!(GrowBytes::fits(1 << 20));
    }
}
