//! The member the firmware runs: it reads its input script from a
//! semihosting file, joins, follows the group, speaks in it, and appends
//! what it transmits to its output file. Its state is persisted to the
//! flash stand-in ([`crate::nvm`]) before anything it produced is transmitted, and
//! the machine is really reset at the points of [`ResetPoint`]; after each
//! reset the member restores its state and goes on from the input record
//! its latest save names.
//!
//! Memory: the group and two message buffers are `static`s (no heap);
//! the flash stand-in is a separate `NOLOAD` region, not counted as RAM.

mod run;
pub mod stack;

pub use run::run;

use crate::sizes;

/// The member's group type.
pub type DeviceGroup = mls_nostd::group::FixedGroup<
    mls_nostd::crypto::Curve25519Aes128,
    { sizes::MEMBERS },
    { sizes::LEAF_BYTES },
    { sizes::SKIPPED },
    { sizes::PAST },
    { sizes::STORE },
>;

/// What the board gives the member.
pub trait Platform {
    /// Resets the whole machine: RAM is lost, the flash stand-in kept.
    fn reset(&mut self) -> !;
    /// Ends the run with exit `code` (0 passed, non-zero failed).
    fn exit(&mut self, code: i32) -> !;
    /// Deepest stack use since boot, in bytes (painted and scanned).
    fn peak_stack(&self) -> usize;
}

/// Where the member resets itself, once each, to show that no state is
/// lost and no generation reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, defmt::Format)]
pub enum ResetPoint {
    /// Joined, not saved yet: joins again from the same Welcome.
    AfterJoin = 0,
    /// In the middle of writing the state after the first commit it
    /// receives: the other slot is still valid, and the commit is
    /// processed again.
    TornSave = 1,
    /// Decrypted an application message, not saved yet: decrypts it again.
    AfterDecrypt = 2,
    /// Encrypted its first message, not saved: the bytes were never
    /// released; it encrypts again, with the same generation (safe: the
    /// first ciphertext never left).
    BeforeSave = 3,
    /// Saved after encrypting its first message, not transmitted: the
    /// message is lost, and the next one uses the next generation.
    BeforeTransmit = 4,
    /// Saved after its first commit, not transmitted: the commit is lost,
    /// and the next commit replaces it.
    CommitBeforeTransmit = 5,
}
