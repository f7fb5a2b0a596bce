//! Ed25519 signatures (RFC 8032), the signature scheme of suites 1 and 3.
//!
//! A private key is either the 32-byte seed of RFC 8032 or, as
//! [`key_pair`] makes it, the seed followed by its 32-byte public key (the
//! layout of libsodium's secret keys). The second form signs without
//! deriving the public key again, one base-point multiplication less per
//! signature. Its public half is trusted when signing and checked against
//! the seed by [`public_key`], which the group calls where it takes a key
//! (creating, joining, making a KeyPackage).

use crate::crypto::{Signature, SignaturePrivateKey, SignaturePublicKey};
use crate::error::{Error, Result};
use ed25519_dalek::hazmat::{ExpandedSecretKey, raw_sign_byupdate};
use ed25519_dalek::{SigningKey, VerifyingKey};
use rand_core::CryptoRng;
use sha2::{Digest, Sha512};
use signature::MultipartVerifier;

/// The seed and, in the 64-byte form, the public key a private key holds.
fn split(sk: &[u8]) -> Result<(&[u8; 32], Option<&[u8; 32]>)> {
    match sk.len() {
        32 => Ok((sk.try_into().map_err(|_| Error::InvalidKey)?, None)),
        64 => {
            let (seed, pk) = sk.split_at(32);
            let seed = seed.try_into().map_err(|_| Error::InvalidKey)?;
            Ok((seed, Some(pk.try_into().map_err(|_| Error::InvalidKey)?)))
        }
        _ => Err(Error::InvalidKey),
    }
}

/// A fresh key pair: the seed with its public key (64 bytes), and the
/// public key.
pub fn key_pair<R: CryptoRng>(rng: &mut R) -> (SignaturePrivateKey, SignaturePublicKey) {
    let sk = SigningKey::generate(rng);
    let both = SignaturePrivateKey::from_slice(&sk.to_keypair_bytes()).unwrap_or_else(|_| SignaturePrivateKey::empty());
    let pub_ = SignaturePublicKey::from_slice(sk.verifying_key().as_bytes()).unwrap_or_default();
    (both, pub_)
}

/// The public key of a private key, derived from its seed; a 64-byte key
/// whose public half is not that one is refused.
pub fn public_key(sk: &[u8]) -> Result<SignaturePublicKey> {
    let (seed, stored) = split(sk)?;
    let derived = SigningKey::from_bytes(seed).verifying_key();
    if stored.is_some_and(|pk| pk != derived.as_bytes()) {
        return Err(Error::InvalidKey);
    }
    SignaturePublicKey::from_slice(derived.as_bytes())
}

/// Signs the concatenation of `msg`.
pub fn sign(sk: &[u8], msg: &[&[u8]]) -> Result<Signature> {
    let (seed, stored) = split(sk)?;
    let vk = match stored {
        Some(pk) => VerifyingKey::from_bytes(pk).map_err(|_| Error::InvalidKey)?,
        None => SigningKey::from_bytes(seed).verifying_key(),
    };
    let esk = ExpandedSecretKey::from(seed);
    let sig = raw_sign_byupdate::<Sha512, _>(
        &esk,
        |h| {
            msg.iter().for_each(|part| h.update(part));
            Ok(())
        },
        &vk,
    )
    .map_err(|_| Error::InvalidKey)?;
    Signature::from_slice(&sig.to_bytes())
}

/// Verifies over the concatenation of `msg`.
pub fn verify(pk: &[u8], msg: &[&[u8]], sig: &[u8]) -> Result<()> {
    let pk: &[u8; 32] = pk.try_into().map_err(|_| Error::InvalidKey)?;
    let vk = VerifyingKey::from_bytes(pk).map_err(|_| Error::InvalidKey)?;
    let sig = ed25519_dalek::Signature::from_slice(sig).map_err(|_| Error::InvalidSignature)?;
    vk.multipart_verify(msg, &sig).map_err(|_| Error::InvalidSignature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;

    /// The 64-byte form signs exactly as its seed does (Ed25519 is
    /// deterministic), and one whose public half is not the seed's is
    /// refused where the group takes a key.
    #[test]
    fn seed_with_public_key() {
        let (sk, pk) = key_pair(&mut chacha20::ChaCha20Rng::from_seed([4; 32]));
        let sk = sk.as_slice();
        assert_eq!(sk.len(), 64);
        let msg: [&[u8]; 2] = [b"MLS 1.0 ", b"LeafNodeTBS"];
        let (long, short) = (sign(sk, &msg).unwrap(), sign(&sk[..32], &msg).unwrap());
        assert_eq!(long.as_slice(), short.as_slice());
        assert_eq!(verify(pk.as_slice(), &msg, long.as_slice()), Ok(()));
        assert_eq!(public_key(sk).unwrap().as_slice(), pk.as_slice());
        assert_eq!(public_key(&sk[..32]).unwrap().as_slice(), pk.as_slice());
        let mut wrong = [0u8; 64];
        wrong.copy_from_slice(sk);
        wrong[40] ^= 1;
        assert_eq!(public_key(&wrong).err(), Some(Error::InvalidKey));
        assert_eq!(sign(&sk[..48], &msg).err(), Some(Error::InvalidKey));
    }
}
