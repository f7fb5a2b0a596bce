//! `mls-nostd`: Messaging Layer Security (RFC 9420) for microcontrollers.
//!
//! A `#![no_std]` core that never allocates: every buffer is the caller's,
//! every bound is chosen at compile time, randomness comes from a
//! `rand_core` RNG passed per call, and time is a parameter. See
//! `ARCHITECTURE.md` in the repository for the design.
//!
//! Modules follow the RFC's concepts:
//!
//! - [`codec`]: the TLS presentation language (§2.1).
//! - [`crypto`]: cipher suites and labelled operations (§5).
//! - [`tree_math`]: array-based tree arithmetic (Appendix C).
//! - [`credential`], [`extension`], [`group_context`]: shared structures.
//! - [`psk`]: pre-shared keys (§8.4).
//! - [`key_schedule`] (§8), [`transcript`] (§8.2), [`secret_tree`] (§9).
//! - [`framing`]: MLSMessage, PublicMessage, PrivateMessage (§6).
//! - [`tree`], [`treekem`]: the ratchet tree and UpdatePath (§7).
//! - [`key_package`] (§10), [`proposal`] (§12.1), [`commit`] (§12.4),
//!   [`welcome`] (§12.4.3).
//! - [`group`]: a member's state and the whole group lifecycle (§11, §12).
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(test)]
extern crate std;

pub mod codec;
pub mod commit;
pub mod credential;
pub mod crypto;
mod error;
pub mod extension;
pub mod framing;
pub mod group;
pub mod group_context;
pub mod key_package;
pub mod key_schedule;
pub mod memory;
pub mod proposal;
pub mod psk;
pub mod secret_tree;
pub mod transcript;
pub mod tree;
pub mod tree_math;
pub mod treekem;
pub mod welcome;

pub use error::{Error, Result};

/// The protocol version this crate speaks: `mls10` (§6).
pub const MLS10: u16 = 1;
