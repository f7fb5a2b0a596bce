//! The two suites: the core's RustCrypto suites with their Diffie-Hellman
//! (and, for suite 2, ECDSA) on AWS-LC.

use crate::dh::{self, Group};
use crate::hpke;
use aws_lc_rs::agreement;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, UnparsedPublicKey};
use mls_nostd::crypto::{
    self as core_crypto, AeadTag, CipherSuite, CryptoRng, HpkePrivateKey, HpkePublicKey, KemOutput, Secret, Signature,
    SignaturePrivateKey, SignaturePublicKey, SuiteVisitor,
};
use mls_nostd::{Error, Result};

/// Draws the `Nsk` bytes of an ephemeral key from `rng`, as the core's
/// suites do, so that both give the same bytes from the same RNG.
fn randomness<R: CryptoRng>(rng: &mut R) -> zeroize::Zeroizing<[u8; 32]> {
    let mut r = zeroize::Zeroizing::new([0u8; 32]);
    rng.fill_bytes(r.as_mut());
    r
}

/// The signature half of a suite.
trait Signer {
    fn key_pair<R: CryptoRng>(rng: &mut R) -> (SignaturePrivateKey, SignaturePublicKey);
    fn public_key(sk: &[u8]) -> Result<SignaturePublicKey>;
    fn sign(sk: &[u8], msg: &[&[u8]]) -> Result<Signature>;
    fn verify(pk: &[u8], msg: &[&[u8]], sig: &[u8]) -> Result<()>;
}

/// Ed25519 as the core does it.
struct CoreEd25519;

impl Signer for CoreEd25519 {
    fn key_pair<R: CryptoRng>(rng: &mut R) -> (SignaturePrivateKey, SignaturePublicKey) {
        core_crypto::Curve25519Aes128.signature_key_pair(rng)
    }
    fn public_key(sk: &[u8]) -> Result<SignaturePublicKey> {
        core_crypto::Curve25519Aes128.signature_public_key(sk)
    }
    fn sign(sk: &[u8], msg: &[&[u8]]) -> Result<Signature> {
        core_crypto::Curve25519Aes128.sign(sk, msg)
    }
    fn verify(pk: &[u8], msg: &[&[u8]], sig: &[u8]) -> Result<()> {
        core_crypto::Curve25519Aes128.verify(pk, msg, sig)
    }
}

/// ECDSA P-256 with SHA-256, DER signatures, on AWS-LC.
struct AwsLcEcdsa;

impl AwsLcEcdsa {
    fn key_pair_of(sk: &[u8]) -> Result<EcdsaKeyPair> {
        let public = agreement::PrivateKey::from_private_key(&agreement::ECDH_P256, sk)
            .map_err(|_| Error::InvalidKey)?
            .compute_public_key()
            .map_err(|_| Error::InvalidKey)?;
        EcdsaKeyPair::from_private_key_and_public_key(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, sk, public.as_ref())
            .map_err(|_| Error::InvalidKey)
    }
}

impl Signer for AwsLcEcdsa {
    fn key_pair<R: CryptoRng>(rng: &mut R) -> (SignaturePrivateKey, SignaturePublicKey) {
        core_crypto::P256Aes128.signature_key_pair(rng)
    }
    fn public_key(sk: &[u8]) -> Result<SignaturePublicKey> {
        use aws_lc_rs::signature::KeyPair;
        SignaturePublicKey::from_slice(Self::key_pair_of(sk)?.public_key().as_ref())
    }
    fn sign(sk: &[u8], msg: &[&[u8]]) -> Result<Signature> {
        let sig = Self::key_pair_of(sk)?
            .sign(&SystemRandom::new(), &msg.concat())
            .map_err(|_| Error::InvalidKey)?;
        Signature::from_slice(sig.as_ref())
    }
    fn verify(pk: &[u8], msg: &[&[u8]], sig: &[u8]) -> Result<()> {
        UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, pk)
            .verify(&msg.concat(), sig)
            .map_err(|_| Error::InvalidSignature)
    }
}

macro_rules! suite {
    ($(#[$doc:meta])* $name:ident, base: $base:ty, group: $group:ty, signer: $signer:ty) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $name;

        impl CipherSuite for $name {
            const ID: u16 = <$base as CipherSuite>::ID;
            const HASH_LEN: usize = <$base as CipherSuite>::HASH_LEN;
            const AEAD_KEY_LEN: usize = <$base as CipherSuite>::AEAD_KEY_LEN;
            const AEAD_NONCE_LEN: usize = <$base as CipherSuite>::AEAD_NONCE_LEN;
            const KEM_PUBLIC_KEY_LEN: usize = <$group as Group>::NPK;
            const KEM_PRIVATE_KEY_LEN: usize = 32;
            const SIGNATURE_PUBLIC_KEY_LEN: usize = <$base as CipherSuite>::SIGNATURE_PUBLIC_KEY_LEN;
            const SIGNATURE_MAX_LEN: usize = <$base as CipherSuite>::SIGNATURE_MAX_LEN;
            const SIGNATURE_FIXED_LEN: bool = <$base as CipherSuite>::SIGNATURE_FIXED_LEN;

            type Hash = <$base as CipherSuite>::Hash;
            type Mac = <$base as CipherSuite>::Mac;

            fn hash(&self) -> Self::Hash {
                <$base>::default().hash()
            }
            fn mac(&self, key: &[u8]) -> Self::Mac {
                <$base>::default().mac(key)
            }
            fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Secret {
                <$base>::default().kdf_extract(salt, ikm)
            }
            fn kdf_expand(&self, prk: &[u8], info: &[&[u8]], out: &mut [u8]) -> Result<()> {
                <$base>::default().kdf_expand(prk, info, out)
            }
            fn aead_seal(&self, key: &[u8], nonce: &[u8], aad: &[u8], in_out: &mut [u8]) -> Result<AeadTag> {
                <$base>::default().aead_seal(key, nonce, aad, in_out)
            }
            fn aead_open(&self, key: &[u8], nonce: &[u8], aad: &[u8], in_out: &mut [u8], tag: &[u8]) -> Result<()> {
                <$base>::default().aead_open(key, nonce, aad, in_out, tag)
            }
            fn hpke_seal<R: CryptoRng>(
                &self,
                pk: &[u8],
                info: &[u8],
                aad: &[u8],
                in_out: &mut [u8],
                rng: &mut R,
            ) -> Result<(KemOutput, AeadTag)> {
                hpke::seal::<$group, _>(self, pk, info, aad, in_out, randomness(rng).as_ref())
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
                hpke::open::<$group, _>(self, sk, enc, info, aad, in_out, tag)
            }
            fn hpke_export_sender<R: CryptoRng>(
                &self,
                pk: &[u8],
                info: &[u8],
                exporter_context: &[u8],
                out: &mut [u8],
                rng: &mut R,
            ) -> Result<KemOutput> {
                hpke::export_sender::<$group, _>(self, pk, info, exporter_context, out, randomness(rng).as_ref())
            }
            fn hpke_export_receiver(
                &self,
                sk: &[u8],
                enc: &[u8],
                info: &[u8],
                exporter_context: &[u8],
                out: &mut [u8],
            ) -> Result<()> {
                hpke::export_receiver::<$group, _>(self, sk, enc, info, exporter_context, out)
            }
            fn hpke_derive_key_pair(&self, ikm: &[u8]) -> Result<(HpkePrivateKey, HpkePublicKey)> {
                hpke::derive_key_pair::<$group, _>(self, ikm)
            }
            fn signature_key_pair<R: CryptoRng>(&self, rng: &mut R) -> (SignaturePrivateKey, SignaturePublicKey) {
                <$signer>::key_pair(rng)
            }
            fn signature_public_key(&self, sk: &[u8]) -> Result<SignaturePublicKey> {
                <$signer>::public_key(sk)
            }
            fn sign(&self, sk: &[u8], msg: &[&[u8]]) -> Result<Signature> {
                <$signer>::sign(sk, msg)
            }
            fn verify(&self, pk: &[u8], msg: &[&[u8]], sig: &[u8]) -> Result<()> {
                <$signer>::verify(pk, msg, sig)
            }
        }
    };
}

suite!(
    /// MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 (suite 1), X25519 on
    /// AWS-LC.
    X25519Aes128, base: core_crypto::Curve25519Aes128, group: dh::X25519, signer: CoreEd25519
);

suite!(
    /// MLS_128_DHKEMP256_AES128GCM_SHA256_P256 (suite 2), P-256
    /// Diffie-Hellman and ECDSA on AWS-LC.
    P256Aes128, base: core_crypto::P256Aes128, group: dh::P256, signer: AwsLcEcdsa
);

/// Runs `f` with the suite `id` of this crate (1 or 2), as
/// [`mls_nostd::crypto::with_suite`] does with the core's.
pub fn with_suite<V: SuiteVisitor>(id: u16, f: V) -> Result<V::Output> {
    match id {
        1 => Ok(f.visit(&X25519Aes128)),
        2 => Ok(f.visit(&P256Aes128)),
        _ => Err(Error::UnsupportedCipherSuite(id)),
    }
}
