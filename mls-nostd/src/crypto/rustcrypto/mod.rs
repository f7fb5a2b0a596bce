//! The built-in provider: RustCrypto primitives and the `hpke` crate.

mod aead;
#[cfg(any(feature = "suite-1", feature = "suite-3"))]
mod ed25519;
mod hpke;
#[cfg(feature = "suite-2")]
mod p256;
mod sha256;

use super::{AeadTag, CipherSuite, HpkePrivateKey, HpkePublicKey, KemOutput, Secret, Signature};
use super::{SignaturePrivateKey, SignaturePublicKey};
use crate::error::Result;
use rand_core::CryptoRng;

/// Implements [`CipherSuite`] for a SHA-256 suite from its KEM, AEAD and
/// signature module. All three built-in suites share SHA-256 and HKDF.
macro_rules! sha256_suite {
    ($name:ident, $id:literal, kem: $kem:ty, kem_pk: $npk:literal, aead: $aead:ty, hpke_aead: $haead:ty,
     aead_key: $nk:literal, sig: $sig:ident, sig_pk: $nsig:literal, sig_max: $sigmax:literal,
     sig_fixed: $fixed:literal) => {
        impl CipherSuite for $name {
            const ID: u16 = $id;
            const HASH_LEN: usize = 32;
            const AEAD_KEY_LEN: usize = $nk;
            const AEAD_NONCE_LEN: usize = 12;
            const KEM_PUBLIC_KEY_LEN: usize = $npk;
            const KEM_PRIVATE_KEY_LEN: usize = 32;
            const SIGNATURE_PUBLIC_KEY_LEN: usize = $nsig;
            const SIGNATURE_MAX_LEN: usize = $sigmax;
            const SIGNATURE_FIXED_LEN: bool = $fixed;

            type Hash = sha256::Sha256;
            type Mac = sha256::HmacSha256;

            fn hash(&self) -> Self::Hash {
                sha256::Sha256::default()
            }
            fn mac(&self, key: &[u8]) -> Self::Mac {
                sha256::HmacSha256::new(key)
            }
            fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Secret {
                sha256::extract(salt, ikm)
            }
            fn kdf_expand(&self, prk: &[u8], info: &[&[u8]], out: &mut [u8]) -> Result<()> {
                sha256::expand(prk, info, out)
            }
            fn aead_seal(&self, key: &[u8], nonce: &[u8], aad: &[u8], in_out: &mut [u8]) -> Result<AeadTag> {
                aead::seal::<$aead>(key, nonce, aad, in_out)
            }
            fn aead_open(&self, key: &[u8], nonce: &[u8], aad: &[u8], in_out: &mut [u8], tag: &[u8]) -> Result<()> {
                aead::open::<$aead>(key, nonce, aad, in_out, tag)
            }
            fn hpke_seal<R: CryptoRng>(
                &self,
                pk: &[u8],
                info: &[u8],
                aad: &[u8],
                in_out: &mut [u8],
                rng: &mut R,
            ) -> Result<(KemOutput, AeadTag)> {
                hpke::seal::<$kem, $haead, R>(pk, info, aad, in_out, rng)
            }
            fn hpke_open(
                &self,
                sk: &[u8],
                enc: &[u8],
                info: &[u8],
                aad: &[u8],
                in_out: &mut [u8],
                tag: &[u8],
            ) -> Result<()> {
                hpke::open::<$kem, $haead>(sk, enc, info, aad, in_out, tag)
            }
            fn hpke_export_sender<R: CryptoRng>(
                &self,
                pk: &[u8],
                info: &[u8],
                exporter_context: &[u8],
                out: &mut [u8],
                rng: &mut R,
            ) -> Result<KemOutput> {
                hpke::export_sender::<$kem, $haead, R>(pk, info, exporter_context, out, rng)
            }
            fn hpke_export_receiver(
                &self,
                sk: &[u8],
                enc: &[u8],
                info: &[u8],
                exporter_context: &[u8],
                out: &mut [u8],
            ) -> Result<()> {
                hpke::export_receiver::<$kem, $haead>(sk, enc, info, exporter_context, out)
            }
            fn hpke_derive_key_pair(&self, ikm: &[u8]) -> Result<(HpkePrivateKey, HpkePublicKey)> {
                hpke::derive_key_pair::<$kem>(ikm)
            }
            fn signature_key_pair<R: CryptoRng>(&self, rng: &mut R) -> (SignaturePrivateKey, SignaturePublicKey) {
                $sig::key_pair(rng)
            }
            fn signature_public_key(&self, sk: &[u8]) -> Result<SignaturePublicKey> {
                $sig::public_key(sk)
            }
            fn sign(&self, sk: &[u8], msg: &[&[u8]]) -> Result<Signature> {
                $sig::sign(sk, msg)
            }
            fn verify(&self, pk: &[u8], msg: &[&[u8]], sig: &[u8]) -> Result<()> {
                $sig::verify(pk, msg, sig)
            }
        }
    };
}

/// MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 (suite 1).
#[cfg(feature = "suite-1")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Curve25519Aes128;
#[cfg(feature = "suite-1")]
sha256_suite!(Curve25519Aes128, 1, kem: ::hpke::kem::X25519HkdfSha256, kem_pk: 32,
    aead: aes_gcm::Aes128Gcm, hpke_aead: ::hpke::aead::AesGcm128, aead_key: 16, sig: ed25519, sig_pk: 32, sig_max: 64, sig_fixed: true);

/// MLS_128_DHKEMP256_AES128GCM_SHA256_P256 (suite 2).
#[cfg(feature = "suite-2")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct P256Aes128;
#[cfg(feature = "suite-2")]
sha256_suite!(P256Aes128, 2, kem: ::hpke::kem::DhP256HkdfSha256, kem_pk: 65,
    aead: aes_gcm::Aes128Gcm, hpke_aead: ::hpke::aead::AesGcm128, aead_key: 16, sig: p256, sig_pk: 65, sig_max: 72, sig_fixed: false);

/// MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 (suite 3).
#[cfg(feature = "suite-3")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Curve25519ChaCha;
#[cfg(feature = "suite-3")]
sha256_suite!(Curve25519ChaCha, 3, kem: ::hpke::kem::X25519HkdfSha256, kem_pk: 32,
    aead: chacha20poly1305::ChaCha20Poly1305, hpke_aead: ::hpke::aead::ChaCha20Poly1305, aead_key: 32,
    sig: ed25519, sig_pk: 32, sig_max: 64, sig_fixed: true);
