//! ECDSA over P-256 with SHA-256 and DER signatures, the signature scheme of
//! suite 2 (RFC 9420 §5.1.2).

use crate::crypto::{Signature, SignaturePrivateKey, SignaturePublicKey};
use crate::error::{Error, Result};
use p256::ecdsa::{SigningKey, VerifyingKey};
use p256::elliptic_curve::Generate;
use rand_core::CryptoRng;
use signature::{MultipartSigner, MultipartVerifier};

fn signing_key(sk: &[u8]) -> Result<SigningKey> {
    SigningKey::from_slice(sk).map_err(|_| Error::InvalidKey)
}

fn encode_public(vk: &VerifyingKey) -> Result<SignaturePublicKey> {
    SignaturePublicKey::from_slice(vk.to_sec1_point(false).as_bytes())
}

/// A fresh key pair: the 32-byte scalar and the uncompressed public point.
pub fn key_pair<R: CryptoRng>(rng: &mut R) -> (SignaturePrivateKey, SignaturePublicKey) {
    let sk = SigningKey::generate_from_rng(rng);
    let priv_ = SignaturePrivateKey::from_slice(&sk.to_bytes()).unwrap_or_else(|_| SignaturePrivateKey::empty());
    let pub_ = encode_public(sk.verifying_key()).unwrap_or_default();
    (priv_, pub_)
}

/// The public key of a scalar.
pub fn public_key(sk: &[u8]) -> Result<SignaturePublicKey> {
    encode_public(signing_key(sk)?.verifying_key())
}

/// Signs the concatenation of `msg` (deterministic, RFC 6979); DER output.
pub fn sign(sk: &[u8], msg: &[&[u8]]) -> Result<Signature> {
    let sig: p256::ecdsa::Signature = signing_key(sk)?
        .try_multipart_sign(msg)
        .map_err(|_| Error::InvalidKey)?;
    Signature::from_slice(sig.to_der().as_bytes())
}

/// Verifies a DER signature over the concatenation of `msg`.
pub fn verify(pk: &[u8], msg: &[&[u8]], sig: &[u8]) -> Result<()> {
    let vk = VerifyingKey::from_sec1_bytes(pk).map_err(|_| Error::InvalidKey)?;
    let sig = p256::ecdsa::Signature::from_der(sig).map_err(|_| Error::InvalidSignature)?;
    vk.multipart_verify(msg, &sig).map_err(|_| Error::InvalidSignature)
}
