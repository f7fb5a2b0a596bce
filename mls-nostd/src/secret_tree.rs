//! The secret tree (RFC 9420 §9): per-sender hash ratchets that give the
//! key and nonce of every PrivateMessage, and the sender-data key and nonce
//! (§6.3.2).
//!
//! Node secrets are derived lazily from the root (`encryption_secret`) the
//! first time a leaf is used, and a parent secret is erased as soon as both
//! of its children exist (§9.2). Keys of skipped generations (out-of-order
//! delivery) are kept in a small window shared by all senders.

use crate::crypto::labels::expand_secret;
use crate::crypto::{AeadKey, AeadNonce, CipherSuite, Secret};
use crate::error::{Error, Result};
use crate::memory::{Fixed, Memory, Slots};
use core::fmt;
use derive::{descend, message_key, next_secret, ratchet_root, right_child_first};
use window::{Skipped, Window};
use zeroize::{Zeroize, ZeroizeOnDrop};

mod derive;
mod persist;
mod window;

/// Which of a sender's two ratchets (§9): handshake messages (proposals and
/// commits) or application messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ContentKind {
    /// The handshake ratchet.
    Handshake,
    /// The application ratchet.
    Application,
}

/// The key and nonce of one generation of a ratchet (§9.1). Erased on drop.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct MessageKey {
    /// The generation, carried in `SenderData.generation`.
    pub generation: u32,
    /// The AEAD key (`AEAD.Nk` bytes).
    pub key: AeadKey,
    /// The AEAD nonce, before the reuse guard is applied.
    pub nonce: AeadNonce,
}

impl MessageKey {
    /// No key: generation 0, an empty key and a zero nonce.
    pub const EMPTY: MessageKey = MessageKey {
        generation: 0,
        key: AeadKey::empty(),
        nonce: [0; crate::crypto::AEAD_NONCE_LEN],
    };
}

impl fmt::Debug for MessageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageKey(generation {})", self.generation)
    }
}

/// Limits on how a ratchet may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SecretTreeConfig {
    /// How far past the next unused generation a received generation may
    /// be. Every generation skipped costs KDF calls on receipt.
    pub max_forward_distance: u32,
    /// The largest generation a ratchet may reach, for sending and
    /// receiving.
    pub max_generation: u32,
}

impl SecretTreeConfig {
    /// Limits of 0: no message is accepted (a placeholder until the real
    /// limits are set).
    pub const ZERO: SecretTreeConfig = SecretTreeConfig {
        max_forward_distance: 0,
        max_generation: 0,
    };
}

impl Default for SecretTreeConfig {
    /// A forward distance of 1000 and no limit on generations.
    fn default() -> Self {
        SecretTreeConfig {
            max_forward_distance: 1000,
            max_generation: u32::MAX,
        }
    }
}

/// One hash ratchet: the secret of generation `next`, the first unused one.
/// An empty secret means every generation was used.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ratchet {
    next: u32,
    secret: Secret,
}

/// What the tree keeps for one leaf index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot {
    /// Nothing: covered by a node stored in a slot to the left, or erased.
    Empty,
    /// The secret of the node `level` above the leaves whose leftmost leaf
    /// is this one. Stored nodes never overlap, so this is unambiguous.
    Node { level: u8, secret: Secret },
    /// The leaf's two ratchets, once its secret was used.
    Ratchets { handshake: Ratchet, application: Ratchet },
}

/// How a generation is reached: from the window, or by running the ratchet.
enum Plan {
    Window(usize),
    Ratchet,
}

/// The secret tree of one epoch, one slot per leaf in the storage `M`
/// gives ([`Fixed<LEAVES, ..>`](Fixed): at most `LEAVES` leaves), keeping at
/// most `SKIPPED` keys of skipped generations (shared by all senders and
/// both ratchets; the oldest is evicted first).
///
/// Size: with `MAX_HASH_LEN` and `MAX_AEAD_KEY_LEN` of 32 bytes, 84 bytes
/// per leaf (two ratchet secrets and generations), 60 per skipped key and
/// 16 to 24 more (with 32- or 64-bit `usize`): 5,880 bytes for
/// `SecretTree<Fixed<64>, 8>` on a 64-bit host. The state is plain data
/// without references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretTree<M: Memory, const SKIPPED: usize> {
    slots: M::Slots<Slot>,
    skipped: Window<SKIPPED>,
    n_leaves: u32,
    /// log2 of the tree's width (`n_leaves` rounded up to a power of two).
    height: u8,
    config: SecretTreeConfig,
}

impl<const LEAVES: usize, const LB: usize, const ST: usize, const SKIPPED: usize>
    SecretTree<Fixed<LEAVES, LB, ST>, SKIPPED>
{
    /// A tree with no leaves and no secrets in fixed arrays, as a
    /// placeholder; `const`.
    pub const fn empty() -> Self {
        SecretTree {
            slots: [const { Slot::Empty }; LEAVES],
            skipped: Window::new(),
            n_leaves: 0,
            height: 0,
            config: SecretTreeConfig::ZERO,
        }
    }
}

impl<M: Memory, const SKIPPED: usize> SecretTree<M, SKIPPED> {
    /// A tree with no leaves and no secrets, as small as `M` makes it.
    pub fn empty_in() -> Self {
        SecretTree {
            slots: M::Slots::new_from(|| Slot::Empty),
            skipped: Window::new(),
            n_leaves: 0,
            height: 0,
            config: SecretTreeConfig::ZERO,
        }
    }

    /// Forgets every secret, in place.
    pub fn clear(&mut self) {
        self.slots.as_mut_slice().iter_mut().for_each(|s| *s = Slot::Empty);
        self.slots.shrink(0);
        self.skipped = Window::new();
        self.n_leaves = 0;
        self.height = 0;
        self.config = SecretTreeConfig::ZERO;
    }

    /// The tree of an epoch with `n_leaves` leaves (the ratchet tree's
    /// leaf count) rooted at `encryption_secret`.
    pub fn new<S: CipherSuite>(
        suite: &S,
        encryption_secret: &[u8],
        n_leaves: u32,
        config: SecretTreeConfig,
    ) -> Result<Self> {
        let mut tree = Self::empty_in();
        tree.reset(suite, encryption_secret, n_leaves, config)?;
        Ok(tree)
    }

    /// Starts the tree of a new epoch in place, as [`Self::new`] would; on
    /// error nothing changes.
    pub fn reset<S: CipherSuite>(
        &mut self,
        _suite: &S,
        encryption_secret: &[u8],
        n_leaves: u32,
        config: SecretTreeConfig,
    ) -> Result<()> {
        if n_leaves == 0 {
            return Err(Error::Malformed {
                reason: "secret tree without leaves",
            });
        }
        let too_many = Error::CapacityExceeded {
            what: "secret tree leaves",
        };
        if n_leaves > 1 << 16 {
            return Err(too_many);
        }
        let width = n_leaves.checked_next_power_of_two().ok_or(too_many)?;
        if encryption_secret.len() != S::HASH_LEN {
            return Err(Error::InvalidLength {
                field: "encryption_secret",
            });
        }
        let root = Secret::from_slice(encryption_secret)?;
        if !self.slots.grow(n_leaves as usize, Slot::Empty) {
            return Err(too_many);
        }
        self.slots.as_mut_slice().iter_mut().for_each(|s| *s = Slot::Empty);
        self.slots.shrink(n_leaves as usize);
        self.skipped = Window::new();
        self.n_leaves = n_leaves;
        self.height = width.trailing_zeros() as u8;
        self.config = config;
        if let Some(first) = self.slots.as_mut_slice().first_mut() {
            *first = Slot::Node {
                level: self.height,
                secret: root,
            };
        }
        Ok(())
    }

    /// Number of leaves of the tree.
    pub fn n_leaves(&self) -> u32 {
        self.n_leaves
    }

    /// Sender side: takes the next unused generation of `leaf`'s ratchet
    /// and erases it at once. Fails with [`Error::GenerationsExhausted`]
    /// after `max_generation`.
    pub fn next_send_key<S: CipherSuite>(&mut self, suite: &S, leaf: u32, kind: ContentKind) -> Result<MessageKey> {
        let key = self.peek_send_key(suite, leaf, kind)?;
        self.consume(suite, leaf, kind, key.generation)?;
        Ok(key)
    }

    /// Sender side, read-only: the key [`Self::next_send_key`] would take.
    /// The caller must [`Self::consume`] its generation before anything
    /// encrypted with it leaves the device.
    pub fn peek_send_key<S: CipherSuite>(&self, suite: &S, leaf: u32, kind: ContentKind) -> Result<MessageKey> {
        let (next, exhausted) = self.position(leaf, kind)?;
        if exhausted || next > self.config.max_generation {
            return Err(Error::GenerationsExhausted);
        }
        self.receive_key(suite, leaf, kind, next)
    }

    /// Receiver side, read-only: the key and nonce for `generation`, or an
    /// error if consumed/erased/too far ahead.
    pub fn receive_key<S: CipherSuite>(
        &self,
        suite: &S,
        leaf: u32,
        kind: ContentKind,
        generation: u32,
    ) -> Result<MessageKey> {
        if let Plan::Window(i) = self.plan(leaf, kind, generation)? {
            return self.skipped.get(i).cloned().ok_or(INCONSISTENT);
        }
        let mut secret = match self.slot(leaf)? {
            Slot::Ratchets { handshake, application } => match kind {
                ContentKind::Handshake => handshake.secret.clone(),
                ContentKind::Application => application.secret.clone(),
            },
            _ => {
                let (first, level, node) = self.covering_node(leaf)?;
                let leaf_secret = descend(suite, node, first, level, leaf)?;
                ratchet_root(suite, &leaf_secret, kind)?
            }
        };
        let (next, _) = self.position(leaf, kind)?;
        for j in next..generation {
            secret = next_secret(suite, &secret, j)?;
        }
        message_key(suite, &secret, generation)
    }

    /// After a successful decryption: erase that key, advance the ratchet,
    /// keep skipped keys in the window.
    pub fn consume<S: CipherSuite>(&mut self, suite: &S, leaf: u32, kind: ContentKind, generation: u32) -> Result<()> {
        if let Plan::Window(i) = self.plan(leaf, kind, generation)? {
            self.skipped.remove(i);
            return Ok(());
        }
        let undo = match self.slot(leaf)? {
            Slot::Ratchets { .. } => None,
            _ => Some(self.expand_leaf(suite, leaf)?),
        };
        let result = self.advance(suite, leaf, kind, generation);
        if result.is_err()
            && let Some(undo) = undo
        {
            self.restore(undo);
        }
        result
    }

    fn slot(&self, leaf: u32) -> Result<&Slot> {
        match self.slots.as_slice().get(leaf as usize) {
            Some(slot) if leaf < self.n_leaves => Ok(slot),
            _ => Err(Error::LeafOutOfRange { leaf }),
        }
    }

    /// The next generation of a ratchet, and whether it is used up.
    fn position(&self, leaf: u32, kind: ContentKind) -> Result<(u32, bool)> {
        Ok(match self.slot(leaf)? {
            Slot::Ratchets { handshake, application } => {
                let r = match kind {
                    ContentKind::Handshake => handshake,
                    ContentKind::Application => application,
                };
                (r.next, r.secret.is_empty())
            }
            _ => (0, false),
        })
    }

    /// Checks that `generation` can be reached, without changing anything.
    fn plan(&self, leaf: u32, kind: ContentKind, generation: u32) -> Result<Plan> {
        let (next, exhausted) = self.position(leaf, kind)?;
        if let Some(i) = self.skipped.find(leaf, kind, generation) {
            return Ok(Plan::Window(i));
        }
        if generation > self.config.max_generation {
            return Err(Error::GenerationTooFarAhead { generation });
        }
        if generation < next || exhausted {
            return Err(Error::GenerationConsumed { generation });
        }
        if generation - next > self.config.max_forward_distance {
            return Err(Error::GenerationTooFarAhead { generation });
        }
        Ok(Plan::Ratchet)
    }

    /// The stored node above `leaf`: its leftmost leaf, level and secret.
    fn covering_node(&self, leaf: u32) -> Result<(u32, u8, &Secret)> {
        for level in 0..=self.height {
            let mask = 1u32.checked_shl(level.into()).map_or(u32::MAX, |m| m - 1);
            let first = leaf & !mask;
            if let Some(Slot::Node { level: l, secret }) = self.slots.as_slice().get(first as usize)
                && *l == level
            {
                return Ok((first, level, secret));
            }
        }
        Err(INCONSISTENT)
    }

    /// Replaces the node above `leaf` by its descendants off the path and
    /// the leaf's two ratchets (§9, §9.2). On error nothing changed; on
    /// success the returned [`Undo`] can still reverse it.
    fn expand_leaf<S: CipherSuite>(&mut self, suite: &S, leaf: u32) -> Result<Undo> {
        let (first, level, node) = self.covering_node(leaf)?;
        let undo = Undo {
            first,
            level,
            secret: node.clone(),
        };
        // The node is erased now; `undo` keeps it until the caller is done.
        if let Some(slot) = self.slots.as_mut_slice().get_mut(first as usize) {
            *slot = Slot::Empty;
        }
        match self.expand_from(suite, &undo, leaf) {
            Ok(()) => Ok(undo),
            Err(e) => {
                self.restore(undo);
                Err(e)
            }
        }
    }

    fn expand_from<S: CipherSuite>(&mut self, suite: &S, from: &Undo, leaf: u32) -> Result<()> {
        let (mut first, mut level) = (from.first, from.level);
        let mut secret = from.secret.clone();
        while let Some(child_level) = level.checked_sub(1) {
            level = child_level;
            let middle = right_child_first(first, level)?;
            let left = expand_secret(suite, secret.as_slice(), b"tree", b"left")?;
            let right = expand_secret(suite, secret.as_slice(), b"tree", b"right")?;
            // Keep the child on the path; store the other one. The parent
            // is dropped (and erased) here.
            if leaf >= middle {
                self.put_node(first, level, left);
                first = middle;
                secret = right;
            } else {
                self.put_node(middle, level, right);
                secret = left;
            }
        }
        let handshake = ratchet_root(suite, &secret, ContentKind::Handshake)?;
        let application = ratchet_root(suite, &secret, ContentKind::Application)?;
        let slot = self.slots.as_mut_slice().get_mut(leaf as usize).ok_or(INCONSISTENT)?;
        *slot = Slot::Ratchets {
            handshake: Ratchet {
                next: 0,
                secret: handshake,
            },
            application: Ratchet {
                next: 0,
                secret: application,
            },
        };
        Ok(())
    }

    /// Stores a node, or erases it if all its leaves are outside the tree.
    fn put_node(&mut self, first: u32, level: u8, secret: Secret) {
        if first < self.n_leaves
            && let Some(slot) = self.slots.as_mut_slice().get_mut(first as usize)
        {
            *slot = Slot::Node { level, secret };
        }
    }

    /// Reverses [`Self::expand_leaf`]: before it, the node's slot range held
    /// only the node.
    fn restore(&mut self, undo: Undo) {
        let width = 1u64.checked_shl(undo.level.into()).unwrap_or(u64::MAX);
        let end = u64::from(undo.first).saturating_add(width);
        let end = end.min(u64::from(self.n_leaves)) as usize;
        if let Some(range) = self.slots.as_mut_slice().get_mut(undo.first as usize..end) {
            range.iter_mut().for_each(|s| *s = Slot::Empty);
        }
        self.put_node(undo.first, undo.level, undo.secret);
    }

    /// Moves `leaf`'s ratchet past `generation` (checked by [`Self::plan`]),
    /// keeping the keys of the last skipped generations. All-or-nothing.
    fn advance<S: CipherSuite>(&mut self, suite: &S, leaf: u32, kind: ContentKind, generation: u32) -> Result<()> {
        let Some(Slot::Ratchets { handshake, application }) = self.slots.as_slice().get(leaf as usize) else {
            return Err(INCONSISTENT);
        };
        let ratchet = match kind {
            ContentKind::Handshake => handshake,
            ContentKind::Application => application,
        };
        let mut secret = ratchet.secret.clone();
        // Only the newest SKIPPED skipped keys would survive the window.
        let keep_from = generation.saturating_sub(u32::try_from(SKIPPED).unwrap_or(u32::MAX));
        let mut staged = Window::<SKIPPED>::new();
        for j in ratchet.next..generation {
            if j >= keep_from {
                let key = message_key(suite, &secret, j)?;
                staged.push(Skipped { leaf, kind, key });
            }
            secret = next_secret(suite, &secret, j)?;
        }
        let last = generation >= self.config.max_generation || generation == u32::MAX;
        let updated = Ratchet {
            next: generation.saturating_add(1),
            secret: if last {
                Secret::empty()
            } else {
                next_secret(suite, &secret, generation)?
            },
        };
        // Commit: nothing below can fail.
        if let Some(Slot::Ratchets { handshake, application }) = self.slots.as_mut_slice().get_mut(leaf as usize) {
            match kind {
                ContentKind::Handshake => *handshake = updated,
                ContentKind::Application => *application = updated,
            }
        }
        self.skipped.append(staged);
        Ok(())
    }
}

/// Returned when the stored state breaks the tree's invariants (only
/// possible with corrupted state).
const INCONSISTENT: Error = Error::Malformed {
    reason: "secret tree state is inconsistent",
};

/// A node taken out of the tree by [`SecretTree::expand_leaf`].
struct Undo {
    first: u32,
    level: u8,
    secret: Secret,
}

/// The key and nonce that protect a PrivateMessage's sender data (§6.3.2),
/// from the first `KDF.Nh` bytes of its `ciphertext` (all of it if shorter).
pub fn sender_data_key_nonce<S: CipherSuite>(
    suite: &S,
    sender_data_secret: &[u8],
    ciphertext: &[u8],
) -> Result<(AeadKey, AeadNonce)> {
    let sample = ciphertext.get(..S::HASH_LEN).unwrap_or(ciphertext);
    crate::key_schedule::aead_key_nonce(suite, sender_data_secret, sample)
}

#[cfg(all(test, feature = "suite-1"))]
mod tests;
