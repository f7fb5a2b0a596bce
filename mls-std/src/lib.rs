//! `mls-std`: the host layer of [`mls_nostd`].
//!
//! `mls-nostd` is a heap-free, sans-IO core: every rule of RFC 9420 lives
//! there, once. This crate adds what a host program needs around it and no
//! protocol logic of its own:
//!
//! - [`client`]: a [`Client`] that owns many groups of one identity:
//!   create, invite, join, send, receive, with its state in storage.
//! - [`memory`]: [`Growable`](memory::Growable), memory that follows the
//!   group (no compile-time bound on members), for the core's `Group`.
//! - [`parallel`]: the core's independent jobs (UpdatePath encryptions,
//!   LeafNode signatures of a joined tree) on rayon's thread pool.
//! - [`storage`]: where group states, KeyPackage private keys and PSKs are
//!   kept: memory, one file per record, SQLite, and encryption at rest over
//!   any of them.
//! - [`x509`]: X.509 credentials validated against trust anchors the user
//!   gives, as an implementation of the core's credential hook.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod client;
pub mod memory;
pub mod parallel;
pub mod storage;
pub mod x509;

pub use client::{Client, ClientError};
