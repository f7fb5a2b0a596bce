//! `mls-nostd`: Messaging Layer Security (RFC 9420) for microcontrollers.
//!
//! A `#![no_std]` core that never allocates: every buffer is the caller's,
//! every bound is chosen at compile time, randomness comes from a
//! `rand_core` RNG passed per call, and time is a parameter. See
//! `ARCHITECTURE.md` in the repository for the design.
//!
//! # Quick start
//!
//! One member's life, each step with a runnable example:
//!
//! 1. A signature key pair ([`CipherSuite::signature_key_pair`]) and a
//!    KeyPackage with its private keys ([`key_package::generate`]).
//! 2. A one-member group: [`Group::create_from_key_package`] (or
//!    [`Group::create`]) on an empty group from [`Group::new`] (fixed
//!    arrays, `const`; a firmware's group is a `static`) or
//!    [`Group::new_in`] (any [`Memory`](memory::Memory)).
//! 3. Adding members: [`Group::commit`] with
//!    [`Proposal::Add`](proposal::Proposal::Add) writes the commit and the
//!    Welcome; the committer applies the commit when it comes back through
//!    [`Group::process`], and the new member joins with [`Group::join`]
//!    (the tree in the Welcome or out of band).
//! 4. Messages: [`Group::send`] encrypts; [`Group::process`] handles
//!    whatever arrives and says what it was ([`Event`](group::Event)).
//! 5. Persist, then transmit: bytes a call produces come sealed in an
//!    [`Outgoing`](group::Outgoing), released by the
//!    [`Saved`](group::Saved) proof of a later [`Group::save`]
//!    ([`Outgoing::release`](group::Outgoing::release)); after a reset,
//!    [`Group::restore`].
//!
//! Every buffer is the caller's. One too small fails with
//! [`Error::BufferTooSmall`]` { needed }`, the whole need (exact, or an
//! upper bound where an ECDSA signature's length is not known in advance),
//! and changes nothing: grow the buffer to `needed` and call again.
//! [`Group::saved_len`] sizes a save; [`Group::join`] needs scratch of
//! twice the Welcome, [`Group::process`] a buffer as long as the message.
//! The `mls-demo` crate in the repository (`cargo run -p mls-demo`) runs a
//! whole group's life.
//!
//! # Randomness
//!
//! The core has no RNG of its own: every call that needs randomness takes
//! a `rand_core` [`CryptoRng`](crypto::CryptoRng) as `&mut`. On a host,
//! take it from the operating system with the `getrandom` crate (feature
//! `sys_rng`): its `SysRng` directly, or a ChaCha20 generator seeded from
//! it. On a microcontroller, implement the same trait over the hardware
//! TRNG (or seed a ChaCha20 generator from it). Never use a fixed seed
//! outside tests, and never restart a generator from a seed it has
//! already used (after a reset, seed it afresh).
//!
//! ```
//! use chacha20::ChaCha20Rng;
//! use mls_nostd::crypto::{CipherSuite, Curve25519Aes128};
//! use rand_core::{SeedableRng, UnwrapErr};
//!
//! // The OS RNG itself; `UnwrapErr` panics if the OS has no randomness.
//! let mut os = UnwrapErr(getrandom::SysRng);
//! let (_signature_key, _public) = Curve25519Aes128.signature_key_pair(&mut os);
//!
//! // Or a ChaCha20 generator, seeded once from the OS.
//! let mut rng = ChaCha20Rng::try_from_rng(&mut getrandom::SysRng).expect("OS randomness");
//! let (_signature_key, _public) = Curve25519Aes128.signature_key_pair(&mut rng);
//! ```
//!
//! # Memory
//!
//! What grows with the group (tree, secret tree, stored proposals) lives
//! in storage chosen by a [`Memory`](memory::Memory) type. [`Fixed`]
//! gives arrays bounded at compile time, for firmware:
//! [`FixedGroup`](group::FixedGroup) is a group in them, whose size is
//! known at link time and which refuses to outgrow it with
//! [`Error::CapacityExceeded`] before anything changes. On a host, the
//! `mls-std` crate's `mls_std::memory::Growable` keeps the same state in
//! vectors sized by the group as it is; see [`memory`].
//!
//! [`CipherSuite::signature_key_pair`]: crypto::CipherSuite::signature_key_pair
//! [`Group::create_from_key_package`]: group::Group::create_from_key_package
//! [`Group::create`]: group::Group::create
//! [`Group::new`]: group::Group::new
//! [`Group::new_in`]: group::Group::new_in
//! [`Group::commit`]: group::Group::commit
//! [`Group::process`]: group::Group::process
//! [`Group::join`]: group::Group::join
//! [`Group::send`]: group::Group::send
//! [`Group::save`]: group::Group::save
//! [`Group::saved_len`]: group::Group::saved_len
//! [`Group::restore`]: group::Group::restore
//! [`Fixed`]: memory::Fixed
//!
//! # Modules
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
pub mod parallel;
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
