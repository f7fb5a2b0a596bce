//! `mls-awslc`: MLS cipher suites 1 and 2 for hosts, with their
//! public-key operations on AWS-LC (through `aws-lc-rs`), behind the core's
//! [`CipherSuite`] trait.
//!
//! What runs where, and why:
//!
//! - X25519 and P-256 Diffie-Hellman (AWS-LC's s2n-bignum and nistz
//!   code, about half the instructions of curve25519-dalek's and far fewer
//!   than RustCrypto's P-256), under HPKE base mode (RFC 9180) composed in
//!   [`hpke`], since `aws-lc-rs` does not expose HPKE. The composition
//!   takes each ephemeral key once (the `hpke` crate derives its public
//!   key twice).
//! - ECDSA P-256 signatures (suite 2) on AWS-LC.
//! - Hashes, HMAC, HKDF, AES-GCM and Ed25519 stay with the core's RustCrypto
//!   suites: SHA-NI and AES-NI make the first ones as fast, and the core's
//!   Ed25519 signs with one base-point multiplication (its keys carry their
//!   public half), where AWS-LC rebuilds the key pair for every signature.
//!
//! Keys, messages and states are the same bytes as with the core's
//! suites: a group saved with [`mls_nostd::crypto::Curve25519Aes128`] is
//! restored with [`X25519Aes128`], and members on either interoperate. The
//! official test vectors of suites 1 and 2 run through these types
//! (`tests/conformance`, feature `aws-lc`).
//!
//! Not `no_std`: AWS-LC is a C library that allocates. Firmware uses the
//! core's own suites.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod dh;
pub mod hpke;
mod suite;

pub use suite::{P256Aes128, X25519Aes128, with_suite};
