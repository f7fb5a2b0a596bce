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

/// At most `N` skipped keys. Occupied entries come first, in insertion
/// order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Window<const N: usize> {
    entries: [Option<Skipped>; N],
}

impl<const N: usize> Window<N> {
    pub(super) const fn new() -> Self {
        Window {
            entries: [const { None }; N],
        }
    }

    /// The position of the key of `generation` of a ratchet.
    pub(super) fn find(&self, leaf: u32, kind: ContentKind, generation: u32) -> Option<usize> {
        self.entries.iter().position(|e| {
            e.as_ref()
                .is_some_and(|e| e.leaf == leaf && e.kind == kind && e.key.generation == generation)
        })
    }

    /// The key at position `i`.
    pub(super) fn get(&self, i: usize) -> Option<&MessageKey> {
        self.entries.get(i).and_then(Option::as_ref).map(|e| &e.key)
    }

    /// Erases the key at position `i`.
    pub(super) fn remove(&mut self, i: usize) {
        if let Some(tail) = self.entries.get_mut(i..)
            && let Some(entry) = tail.first_mut()
        {
            *entry = None;
            tail.rotate_left(1);
        }
    }

    /// Adds a key, evicting (erasing) the oldest one when full.
    pub(super) fn push(&mut self, entry: Skipped) {
        if let Some(free) = self.entries.iter_mut().find(|e| e.is_none()) {
            *free = Some(entry);
        } else if let Some(oldest) = self.entries.first_mut() {
            *oldest = None;
            self.entries.rotate_left(1);
            if let Some(last) = self.entries.last_mut() {
                *last = Some(entry);
            }
        }
    }

    /// The kept keys, oldest first.
    pub(super) fn iter(&self) -> impl Iterator<Item = &Skipped> {
        self.entries.iter().flatten()
    }

    /// Adds the keys of `other`, oldest first.
    pub(super) fn append(&mut self, other: Self) {
        for entry in other.entries.into_iter().flatten() {
            self.push(entry);
        }
    }

    /// True when no key is kept.
    #[cfg(test)]
    pub(super) fn is_empty(&self) -> bool {
        self.entries.iter().all(Option::is_none)
    }
}
