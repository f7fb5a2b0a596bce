//! Where a group keeps what grows with it: the memory a user chooses.
//!
//! The core never allocates. Everything whose size follows the group (one
//! slot per leaf and per parent in the ratchet tree and the secret tree,
//! each member's encoded LeafNode, the proposal store, the proposals of one
//! commit) lives in storage described by a [`Memory`], as smoltcp's
//! `ManagedSlice` lets the user give either a borrowed array or an owned
//! vector:
//!
//! - [`Fixed`] is a set of arrays whose bounds are const parameters: a
//!   firmware group is one `static`, its size known at link time, and a
//!   group that would outgrow it is refused with
//!   [`Error::CapacityExceeded`](crate::Error::CapacityExceeded) before
//!   anything changes;
//! - a host implements [`Memory`] with vectors (the `mls-std` crate's
//!   `Growable`), so a group uses what its real size needs.
//!
//! The protocol code is the same for both: it asks a [`Slots`] to grow
//! before it uses more, and reads and writes through slices.

/// A sequence of `T` the core sizes itself: a fixed array, or a vector.
pub trait Slots<T> {
    /// The smallest sequence this storage holds, its elements `fill`: a
    /// fixed array is always full, a vector starts empty.
    fn new_with(fill: T) -> Self
    where
        Self: Sized,
        T: Copy;
    /// As [`Slots::new_with`], for elements that are not `Copy`: each made
    /// by `fill`.
    fn new_from(fill: impl FnMut() -> T) -> Self
    where
        Self: Sized;
    /// The elements (at least as many as last asked for).
    fn as_slice(&self) -> &[T];
    /// The elements, mutable.
    fn as_mut_slice(&mut self) -> &mut [T];
    /// Makes at least `len` elements available, new ones `fill`; `false`
    /// if this storage cannot hold `len` (then nothing changed).
    fn grow(&mut self, len: usize, fill: T) -> bool;
    /// Whether this storage can hold `len` elements.
    fn holds(len: usize) -> bool
    where
        Self: Sized;
    /// The elements past `len` are no longer needed (they were reset by
    /// the caller): growable storage may free them.
    fn shrink(&mut self, _len: usize) {}
}

impl<T: Clone, const N: usize> Slots<T> for [T; N] {
    fn new_with(fill: T) -> Self
    where
        T: Copy,
    {
        // Built in place: no temporary array on the stack.
        [fill; N]
    }

    fn new_from(mut fill: impl FnMut() -> T) -> Self {
        core::array::from_fn(|_| fill())
    }

    fn as_slice(&self) -> &[T] {
        self
    }

    fn as_mut_slice(&mut self) -> &mut [T] {
        self
    }

    fn grow(&mut self, len: usize, _fill: T) -> bool {
        len <= N
    }

    fn holds(len: usize) -> bool {
        len <= N
    }
}

/// The storage of one group: which [`Slots`] hold what.
///
/// Element types bound by `Item` are the core's own; an implementation
/// only chooses the containers.
pub trait Memory {
    /// One slot per leaf or per parent (ratchet tree, secret tree, staged
    /// changes of a commit).
    type Slots<T: Item>: Slots<T> + Item;
    /// The proposals of one commit this member creates.
    type List<T: Clone>: Slots<T>;
    /// One encoded LeafNode.
    type LeafBytes: LeafBytes;
    /// The proposal store's bytes (proposals kept for commits by
    /// reference).
    type Store: Slots<u8> + Item;
}

/// What an element or a container of a [`Memory`] must offer: plain
/// data that jobs on other threads may read ([`crate::parallel`]).
pub trait Item: Clone + PartialEq + Eq + core::fmt::Debug + Send + Sync {}

impl<T: Clone + PartialEq + Eq + core::fmt::Debug + Send + Sync> Item for T {}

/// Fixed arrays: at most `LEAVES` members (a power of two, at most
/// 65,536), LeafNodes of at most `LEAF_BYTES` bytes, `STORE` bytes of
/// stored proposals, and [`MAX_COMMIT_PROPOSALS`] proposals in a commit
/// this member creates.
///
/// [`MAX_COMMIT_PROPOSALS`]: crate::group::MAX_COMMIT_PROPOSALS
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fixed<const LEAVES: usize, const LEAF_BYTES: usize = 512, const STORE: usize = 2048>;

impl<const LEAVES: usize, const LEAF_BYTES: usize, const STORE: usize> Memory for Fixed<LEAVES, LEAF_BYTES, STORE> {
    type Slots<T: Item> = [T; LEAVES];
    type List<T: Clone> = [T; crate::group::MAX_COMMIT_PROPOSALS];
    type LeafBytes = FixedBytes<LEAF_BYTES>;
    type Store = [u8; STORE];
}

/// Storage of one encoded LeafNode, empty when the leaf is blank.
pub trait LeafBytes: Item {
    /// Empty storage.
    fn blank() -> Self;
    /// Whether an encoding of `len` bytes fits.
    fn fits(len: usize) -> bool;
    /// The stored bytes (empty when blank).
    fn get(&self) -> &[u8];
    /// Makes the storage blank, erasing what it held.
    fn clear(&mut self);
    /// Makes the stored encoding `len` bytes long and returns them to be
    /// written; `None` (and no change) if `len` does not fit.
    fn resize(&mut self, len: usize) -> Option<&mut [u8]>;

    /// Space for an encoding of at most `want` bytes, or all the space
    /// this storage has if that is less (for a LeafNode about to be
    /// signed, whose exact length is known only then).
    fn room(&mut self, want: usize) -> &mut [u8];

    /// Stores `bytes`; `false` (and no change) if they do not fit.
    fn set(&mut self, bytes: &[u8]) -> bool {
        match self.resize(bytes.len()) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                true
            }
            None => false,
        }
    }
}

/// At most `N` bytes (`N` < 65,536) in an array.
#[derive(Clone, PartialEq, Eq)]
pub struct FixedBytes<const N: usize> {
    len: u16,
    bytes: [u8; N],
}

impl<const N: usize> FixedBytes<N> {
    /// Empty.
    pub const BLANK: Self = {
        assert!(N <= u16::MAX as usize, "LEAF_BYTES must fit a u16");
        FixedBytes { len: 0, bytes: [0; N] }
    };
}

impl<const N: usize> core::fmt::Debug for FixedBytes<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "FixedBytes({} of {N})", self.len)
    }
}

impl<const N: usize> LeafBytes for FixedBytes<N> {
    fn blank() -> Self {
        Self::BLANK
    }

    fn fits(len: usize) -> bool {
        len <= N && len <= usize::from(u16::MAX)
    }

    fn get(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }

    fn clear(&mut self) {
        self.len = 0;
        self.bytes.fill(0);
    }

    fn room(&mut self, want: usize) -> &mut [u8] {
        let n = want.min(N).min(usize::from(u16::MAX));
        self.len = n as u16;
        self.bytes.get_mut(..n).unwrap_or_default()
    }

    fn resize(&mut self, len: usize) -> Option<&mut [u8]> {
        let n = u16::try_from(len).ok()?;
        let dst = self.bytes.get_mut(..len)?;
        self.len = n;
        Some(dst)
    }
}

/// Whether storage `M` holds a tree of `n` leaves.
pub(crate) fn holds_leaves<M: Memory>(n: usize) -> bool {
    n <= 1 << 16 && <M::Slots<u8> as Slots<u8>>::holds(n)
}
