//! `mls-awslc`: MLS cipher suites 1 and 2 for hosts, with their
//! public-key operations on AWS-LC (through `aws-lc-rs`), behind the core's
//! [`CipherSuite`](mls_nostd::crypto::CipherSuite) trait.
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
//!
//! # Example
//!
//! A suite is a value of a zero-sized type, used wherever the core takes
//! one (`Group::new_in(X25519Aes128, config, validator)`, or the
//! `mls-std` `Client`, whose `Suite1` it is). Its HPKE, as MLS uses it:
//!
//! ```
//! use mls_awslc::X25519Aes128;
//! use mls_nostd::crypto::CipherSuite;
//! use rand_core::SeedableRng;
//!
//! let suite = X25519Aes128;
//! let mut rng = chacha20::ChaCha20Rng::from_seed([1; 32]);
//! let (sk, pk) = suite.hpke_derive_key_pair(&[7; 32])?;
//! let mut secret = *b"a path secret";
//! let (enc, tag) = suite.hpke_seal(pk.as_slice(), b"info", b"", &mut secret, &mut rng)?;
//! assert_ne!(&secret, b"a path secret");
//! suite.hpke_open(sk.as_slice(), enc.as_slice(), b"info", b"", &mut secret, &tag)?;
//! assert_eq!(&secret, b"a path secret");
//! # Ok::<(), mls_nostd::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod dh;
pub mod hpke;
mod suite;

pub use suite::{P256Aes128, X25519Aes128, with_suite};
