//! The official MLS test vectors, converted at build time by `build.rs`.
//!
//! One module per vector file (`crypto_basics`, `key_schedule`,
//! `secret_tree`, `message_protection`), each with a `Case` struct that
//! mirrors the JSON and `pub static CASES: &[Case]` holding the suite-1
//! cases. Hex strings are `&'static [u8]`, integers `u64`, text `&'static
//! str`; a key that is a Rust keyword is a raw identifier (`r#priv`).
//! Read the generated source at `target/thumbv7em-none-eabihf/release/build/
//! fw-mps2-an386-*/out/vectors.rs`.

// Files whose checks are not written yet are converted all the same.
#![allow(dead_code)]

include!(concat!(env!("OUT_DIR"), "/vectors.rs"));
