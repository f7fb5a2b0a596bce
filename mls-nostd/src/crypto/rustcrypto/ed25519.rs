//! Ed25519 signatures (RFC 8032), the signature scheme of suites 1 and 3.

use crate::crypto::{Signature, SignaturePrivateKey, SignaturePublicKey};
use crate::error::{Error, Result};
use ed25519_dalek::{SigningKey, VerifyingKey};
use rand_core::CryptoRng;
use signature::{MultipartSigner, MultipartVerifier};

fn signing_key(sk: &[u8]) -> Result<SigningKey> {
    let seed: &[u8; 32] = sk.try_into().map_err(|_| Error::InvalidKey)?;
    Ok(SigningKey::from_bytes(seed))
}

/// A fresh key pair: the 32-byte seed and the public key.
pub fn key_pair<R: CryptoRng>(rng: &mut R) -> (SignaturePrivateKey, SignaturePublicKey) {
    let sk = SigningKey::generate(rng);
    let priv_ = SignaturePrivateKey::from_slice(sk.as_bytes()).unwrap_or_else(|_| SignaturePrivateKey::empty());
    let pub_ = SignaturePublicKey::from_slice(sk.verifying_key().as_bytes()).unwrap_or_default();
    (priv_, pub_)
}

/// The public key of a seed.
pub fn public_key(sk: &[u8]) -> Result<SignaturePublicKey> {
    SignaturePublicKey::from_slice(signing_key(sk)?.verifying_key().as_bytes())
}

/// Signs the concatenation of `msg`.
pub fn sign(sk: &[u8], msg: &[&[u8]]) -> Result<Signature> {
    let sig = signing_key(sk)?
        .try_multipart_sign(msg)
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
