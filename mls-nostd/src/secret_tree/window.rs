//! The keys of skipped generations kept for out-of-order messages (RFC 9420
//! §9.2 allows keeping unconsumed keys "for some reasonable amount of
//! time"): a fixed array, oldest first, that evicts the oldest when full.

use super::{ContentKind, MessageKey};

/// A key of a skipped generation and the ratchet it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Skipped {
    pub(super) leaf: u32,
    pub(super) kind: ContentKind,
    pub(super) key: MessageKey,
}

/// An unused entry: all zero, so that an empty window (and a `static`
/// holding one) needs no initialiser image in flash.
const EMPTY: Skipped = Skipped {
    leaf: 0,
    kind: ContentKind::Handshake,
    key: MessageKey::EMPTY,
};

/// At most `N` skipped keys. The first `len` entries are in use, in
/// insertion order; the rest are erased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Window<const N: usize> {
    entries: [Skipped; N],
    len: usize,
}

impl<const N: usize> Window<N> {
    pub(super) const fn new() -> Self {
        Window {
            entries: [EMPTY; N],
            len: 0,
        }
    }

    fn used(&self) -> &[Skipped] {
        self.entries.get(..self.len).unwrap_or_default()
    }

    /// The position of the key of `generation` of a ratchet.
    pub(super) fn find(&self, leaf: u32, kind: ContentKind, generation: u32) -> Option<usize> {
        self.used()
            .iter()
            .position(|e| e.leaf == leaf && e.kind == kind && e.key.generation == generation)
    }

    /// The key at position `i`.
    pub(super) fn get(&self, i: usize) -> Option<&MessageKey> {
        self.used().get(i).map(|e| &e.key)
    }

    /// Erases the key at position `i`.
    pub(super) fn remove(&mut self, i: usize) {
        if let Some(tail) = self.entries.get_mut(i..self.len)
            && let Some(entry) = tail.first_mut()
        {
            *entry = EMPTY;
            tail.rotate_left(1);
            self.len -= 1;
        }
    }

    /// Adds a key, evicting (erasing) the oldest one when full.
    pub(super) fn push(&mut self, entry: Skipped) {
        if let Some(free) = self.entries.get_mut(self.len) {
            *free = entry;
            self.len += 1;
        } else if let Some(oldest) = self.entries.first_mut() {
            *oldest = EMPTY;
            self.entries.rotate_left(1);
            if let Some(last) = self.entries.last_mut() {
                *last = entry;
            }
        }
    }

    /// The kept keys, oldest first.
    pub(super) fn iter(&self) -> impl Iterator<Item = &Skipped> {
        self.used().iter()
    }

    /// Adds the keys of `other`, oldest first.
    pub(super) fn append(&mut self, other: Self) {
        let len = other.len;
        for entry in other.entries.into_iter().take(len) {
            self.push(entry);
        }
    }

    /// True when no key is kept.
    #[cfg(test)]
    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }
}
