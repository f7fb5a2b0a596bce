//! Cipher suites (RFC 9420 §5.1) and the labelled operations built on them.
//!
//! A suite is a type implementing [`CipherSuite`]. The crate ships one
//! zero-sized type per supported suite, each behind a cargo feature so that a
//! firmware build links only the curves it uses:
//!
//! | feature   | type                  | value | suite name |
//! |-----------|-----------------------|------:|------------|
//! | `suite-1` | [`Curve25519Aes128`]  | 1 | MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 |
//! | `suite-2` | [`P256Aes128`]        | 2 | MLS_128_DHKEMP256_AES128GCM_SHA256_P256 |
//! | `suite-3` | [`Curve25519ChaCha`]  | 3 | MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 |
//!
//! Protocol code only ever calls the trait, so another provider (a hardware
//! accelerator, or a faster host library) plugs in by implementing it; its
//! methods take `&self` so that a provider can hold a peripheral handle.

mod bytes;
pub(crate) mod drawn;
pub mod labels;
mod rustcrypto;

pub use bytes::{Bytes, SecretBytes, ct_eq};
#[cfg(feature = "suite-1")]
pub use rustcrypto::Curve25519Aes128;
#[cfg(feature = "suite-3")]
pub use rustcrypto::Curve25519ChaCha;
#[cfg(feature = "suite-2")]
pub use rustcrypto::P256Aes128;

use crate::codec::Update;
use crate::error::Result;
pub use rand_core::CryptoRng;

/// Largest hash / KDF output (`KDF.Nh`) of any compiled-in suite.
pub const MAX_HASH_LEN: usize = 32;
/// Largest AEAD key (`AEAD.Nk`).
pub const MAX_AEAD_KEY_LEN: usize = 32;
/// AEAD nonce length (`AEAD.Nn`) of every supported suite.
pub const AEAD_NONCE_LEN: usize = 12;
/// AEAD tag length of every supported suite.
pub const AEAD_TAG_LEN: usize = 16;
/// Largest HPKE public key (`Npk`): 65 with P-256, else 32.
pub const MAX_KEM_PUBLIC_KEY_LEN: usize = if cfg!(feature = "suite-2") { 65 } else { 32 };
/// Largest HPKE encapsulated key (`Nenc`).
pub const MAX_KEM_OUTPUT_LEN: usize = MAX_KEM_PUBLIC_KEY_LEN;
/// Largest HPKE private key (`Nsk`).
pub const MAX_KEM_PRIVATE_KEY_LEN: usize = 32;
/// Largest signature public key: 65 with P-256, else 32.
pub const MAX_SIGNATURE_PUBLIC_KEY_LEN: usize = MAX_KEM_PUBLIC_KEY_LEN;
/// Largest signature private key: an Ed25519 seed with its public key
/// (a P-256 scalar is 32 bytes).
pub const MAX_SIGNATURE_PRIVATE_KEY_LEN: usize = 64;
/// Largest signature: a DER ECDSA P-256 signature is at most 72 bytes.
pub const MAX_SIGNATURE_LEN: usize = if cfg!(feature = "suite-2") { 72 } else { 64 };

/// A hash or MAC output, or a hash reference.
pub type HashOutput = Bytes<MAX_HASH_LEN>;
/// A secret of `KDF.Nh` bytes.
pub type Secret = SecretBytes<MAX_HASH_LEN>;
/// An HPKE public key (`HPKEPublicKey`, §5.1.1).
pub type HpkePublicKey = Bytes<MAX_KEM_PUBLIC_KEY_LEN>;
/// A serialized HPKE private key.
pub type HpkePrivateKey = SecretBytes<MAX_KEM_PRIVATE_KEY_LEN>;
/// An HPKE encapsulated key (`kem_output`).
pub type KemOutput = Bytes<MAX_KEM_OUTPUT_LEN>;
/// A signature public key (`SignaturePublicKey`, §5.1.1).
pub type SignaturePublicKey = Bytes<MAX_SIGNATURE_PUBLIC_KEY_LEN>;
/// A signature private key (the raw seed or scalar).
pub type SignaturePrivateKey = SecretBytes<MAX_SIGNATURE_PRIVATE_KEY_LEN>;
/// A signature (raw for EdDSA, DER for ECDSA).
pub type Signature = Bytes<MAX_SIGNATURE_LEN>;
/// An AEAD key.
pub type AeadKey = SecretBytes<MAX_AEAD_KEY_LEN>;
/// An AEAD nonce.
pub type AeadNonce = [u8; AEAD_NONCE_LEN];
/// An AEAD authentication tag.
pub type AeadTag = [u8; AEAD_TAG_LEN];

/// A running hash or MAC.
pub trait Digest: Update {
    /// The output.
    fn finish(self) -> HashOutput;
}

/// The primitives of one MLS cipher suite (§5.1).
///
/// Lengths are in bytes. Every method that consumes external bytes returns a
/// typed error instead of panicking.
pub trait CipherSuite: Sync {
    /// IANA value (§17.1).
    const ID: u16;
    /// `KDF.Nh`, also the hash output length.
    const HASH_LEN: usize;
    /// `AEAD.Nk`.
    const AEAD_KEY_LEN: usize;
    /// `AEAD.Nn`.
    const AEAD_NONCE_LEN: usize;
    /// HPKE `Npk`.
    const KEM_PUBLIC_KEY_LEN: usize;
    /// HPKE `Nsk`.
    const KEM_PRIVATE_KEY_LEN: usize;
    /// Signature public key length.
    const SIGNATURE_PUBLIC_KEY_LEN: usize;
    /// Longest signature [`CipherSuite::sign`] returns: 64 for Ed25519, 72
    /// for a DER ECDSA P-256 signature (whose length varies, 70 to 72 bytes
    /// but for rare short values). A size computed before signing reserves
    /// this much, so that a `BufferTooSmall { needed }` it reports is exact
    /// for a fixed-length signature and a true upper bound otherwise.
    /// Defaults to [`MAX_SIGNATURE_LEN`].
    const SIGNATURE_MAX_LEN: usize = MAX_SIGNATURE_LEN;
    /// Whether every signature is exactly [`CipherSuite::SIGNATURE_MAX_LEN`]
    /// bytes (EdDSA), so that signing again never changes a size. `false`
    /// by default.
    const SIGNATURE_FIXED_LEN: bool = false;

    /// Running hash state.
    type Hash: Digest;
    /// Running MAC state.
    type Mac: Digest;

    /// Starts a hash.
    fn hash(&self) -> Self::Hash;
    /// Starts a MAC keyed with `key`.
    fn mac(&self, key: &[u8]) -> Self::Mac;
    /// `KDF.Extract(salt, ikm)`.
    fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Secret;
    /// `KDF.Expand(prk, info, out.len())` with `info` given in parts.
    fn kdf_expand(&self, prk: &[u8], info: &[&[u8]], out: &mut [u8]) -> Result<()>;

    /// Encrypts `in_out` in place; returns the tag.
    fn aead_seal(&self, key: &[u8], nonce: &[u8], aad: &[u8], in_out: &mut [u8]) -> Result<AeadTag>;
    /// Decrypts `in_out` in place after checking `tag`.
    fn aead_open(&self, key: &[u8], nonce: &[u8], aad: &[u8], in_out: &mut [u8], tag: &[u8]) -> Result<()>;

    /// HPKE `SealBase` (RFC 9180 §6.1) in place; returns `(enc, tag)`.
    fn hpke_seal<R: CryptoRng>(
        &self,
        pk: &[u8],
        info: &[u8],
        aad: &[u8],
        in_out: &mut [u8],
        rng: &mut R,
    ) -> Result<(KemOutput, AeadTag)>;
    /// HPKE `OpenBase` in place.
    fn hpke_open(&self, sk: &[u8], enc: &[u8], info: &[u8], aad: &[u8], in_out: &mut [u8], tag: &[u8]) -> Result<()>;
    /// `SetupBaseS(pk, info)` then `export(exporter_context, out.len())`;
    /// returns `enc` (§8.3 external initialization).
    fn hpke_export_sender<R: CryptoRng>(
        &self,
        pk: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        out: &mut [u8],
        rng: &mut R,
    ) -> Result<KemOutput>;
    /// `SetupBaseR(enc, sk, info)` then `export(exporter_context, out.len())`.
    fn hpke_export_receiver(
        &self,
        sk: &[u8],
        enc: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        out: &mut [u8],
    ) -> Result<()>;
    /// `KEM.DeriveKeyPair(ikm)`.
    fn hpke_derive_key_pair(&self, ikm: &[u8]) -> Result<(HpkePrivateKey, HpkePublicKey)>;

    /// A fresh signature key pair.
    fn signature_key_pair<R: CryptoRng>(&self, rng: &mut R) -> (SignaturePrivateKey, SignaturePublicKey);
    /// The public key of a signature private key.
    fn signature_public_key(&self, sk: &[u8]) -> Result<SignaturePublicKey>;
    /// Signs the concatenation of `msg`.
    fn sign(&self, sk: &[u8], msg: &[&[u8]]) -> Result<Signature>;
    /// Verifies `sig` over the concatenation of `msg`.
    fn verify(&self, pk: &[u8], msg: &[&[u8]], sig: &[u8]) -> Result<()>;
}

/// Bytes of the longest encoded `opaque signature<V>` of suite `S`: its
/// length prefix and [`CipherSuite::SIGNATURE_MAX_LEN`] bytes.
pub(crate) fn signature_field_max<S: CipherSuite>() -> usize {
    crate::codec::varint_len(S::SIGNATURE_MAX_LEN) + S::SIGNATURE_MAX_LEN
}

/// How much longer than the encoded `signature` field a fresh signature by
/// suite `S` can be: what a size measured on one signed structure must add
/// to bound the same structure signed again (ECDSA lengths vary).
pub(crate) fn signature_slack<S: CipherSuite>(signature: &[u8]) -> usize {
    if S::SIGNATURE_FIXED_LEN {
        return 0;
    }
    let len = crate::codec::varint_len(signature.len()) + signature.len();
    signature_field_max::<S>().saturating_sub(len)
}

/// Hashes the encoding produced by `f`.
pub fn hash_encoded<S: CipherSuite>(suite: &S, f: impl FnOnce(&mut crate::codec::Writer<'_>)) -> HashOutput {
    let mut h = suite.hash();
    let mut w = crate::codec::Writer::stream(&mut h);
    f(&mut w);
    h.finish()
}

/// MACs the encoding produced by `f` under `key`.
pub fn mac_encoded<S: CipherSuite>(suite: &S, key: &[u8], f: impl FnOnce(&mut crate::codec::Writer<'_>)) -> HashOutput {
    let mut m = suite.mac(key);
    let mut w = crate::codec::Writer::stream(&mut m);
    f(&mut w);
    m.finish()
}

/// Calls `f` with the suite type whose IANA value is `id`, or fails with
/// [`crate::Error::UnsupportedCipherSuite`] when it is not compiled in.
///
/// `f` is a [`SuiteVisitor`] because Rust closures cannot be generic.
pub fn with_suite<V: SuiteVisitor>(id: u16, f: V) -> Result<V::Output> {
    match id {
        #[cfg(feature = "suite-1")]
        1 => Ok(f.visit(&Curve25519Aes128)),
        #[cfg(feature = "suite-2")]
        2 => Ok(f.visit(&P256Aes128)),
        #[cfg(feature = "suite-3")]
        3 => Ok(f.visit(&Curve25519ChaCha)),
        _ => Err(crate::Error::UnsupportedCipherSuite(id)),
    }
}

/// Code to run with a suite chosen at run time; see [`with_suite`]. The
/// built-in suites are zero-sized and `Copy`.
pub trait SuiteVisitor {
    /// What the visit returns.
    type Output;
    /// Runs with the suite.
    fn visit<S: CipherSuite + Copy>(self, suite: &S) -> Self::Output;
}
