//! A complete MLS group member for microcontrollers, as the firmware in
//! `targets/member-m4` and `targets/member-rv` runs it under QEMU.
//!
//! - [`proto`]: the records the host and the device exchange (always built;
//!   the host side `member-host` uses it), and [`sizes`], the capacities.
//! - [`nvm`]: the layout of the flash stand-in (A/B state slots), tested
//!   on the host.
//! - `device` (feature `device`): the member itself: it joins from a
//!   Welcome, follows the group, speaks in it, persists its state to a
//!   region that stands for flash, and survives resets at chosen points.
#![no_std]

pub mod nvm;
pub mod proto;

pub mod sizes {
    //! The capacities of the member: the firmware is built with feature
    //! `group-8` or without it (64); the host side checks both.

    /// Group capacity (members).
    #[cfg(not(feature = "group-8"))]
    pub const MEMBERS: usize = 64;
    /// Group capacity (members).
    #[cfg(feature = "group-8")]
    pub const MEMBERS: usize = 8;
    /// One encoded LeafNode (basic credential with a 16-byte identity:
    /// at most 197 bytes in this scenario).
    pub const LEAF_BYTES: usize = 200;
    /// Out-of-order message keys kept (for all senders together).
    pub const SKIPPED: usize = 4;
    /// Past epochs kept for late application messages (none).
    pub const PAST: usize = 0;
    /// Bytes of proposals kept for commits by reference.
    pub const STORE: usize = 1024;
    /// The receive buffer, and the work buffer beside it.
    pub const BUFFER: usize = buffer(MEMBERS);

    /// The buffers of a member of a group of `members`: the largest
    /// message it receives or sends, plus its record prefix. `member-host
    /// gen` checks that every record it writes fits.
    pub const fn buffer(members: usize) -> usize {
        if members > 8 { 2048 } else { 1536 }
    }
    /// A state slot in the flash stand-in.
    pub const SLOT: usize = if MEMBERS > 8 { 24 * 1024 } else { 4 * 1024 };
    /// The download area (the ratchet tree: 17,055 B serialized at 64).
    pub const DOWNLOAD: usize = if MEMBERS > 8 { 20 * 1024 } else { 3 * 1024 };
}

#[cfg(feature = "device")]
pub mod device;
