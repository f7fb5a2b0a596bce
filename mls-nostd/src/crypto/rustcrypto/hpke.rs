//! HPKE base mode (RFC 9180) through the `hpke` crate, without allocation.

use crate::crypto::{AeadTag, HpkePrivateKey, HpkePublicKey, KemOutput};
use crate::error::{Error, Result};
use hpke::aead::Aead;
use hpke::inout::InOutBuf;
use hpke::kdf::HkdfSha256;
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};
use rand_core::CryptoRng;

fn public_key<K: Kem>(pk: &[u8]) -> Result<K::PublicKey> {
    K::PublicKey::from_bytes(pk).map_err(|_| Error::InvalidKey)
}

fn private_key<K: Kem>(sk: &[u8]) -> Result<K::PrivateKey> {
    K::PrivateKey::from_bytes(sk).map_err(|_| Error::InvalidKey)
}

fn enc_bytes<K: Kem>(enc: &K::EncappedKey) -> Result<KemOutput> {
    KemOutput::from_slice(&enc.to_bytes())
}

/// `SealBase` in place.
pub fn seal<K: Kem, A: Aead, R: CryptoRng>(
    pk: &[u8],
    info: &[u8],
    aad: &[u8],
    in_out: &mut [u8],
    rng: &mut R,
) -> Result<(KemOutput, AeadTag)> {
    let pk = public_key::<K>(pk)?;
    let (enc, tag) = hpke::single_shot_seal_inout_detached_with_rng::<A, HkdfSha256, K>(
        &OpModeS::Base,
        &pk,
        info,
        InOutBuf::from(in_out),
        aad,
        rng,
    )
    .map_err(|_| Error::EncryptionFailed)?;
    let mut t = [0u8; 16];
    let tb = tag.to_bytes();
    if tb.len() != t.len() {
        return Err(Error::InvalidLength { field: "aead tag" });
    }
    t.copy_from_slice(&tb);
    Ok((enc_bytes::<K>(&enc)?, t))
}

/// `OpenBase` in place.
pub fn open<K: Kem, A: Aead>(
    sk: &[u8],
    enc: &[u8],
    info: &[u8],
    aad: &[u8],
    in_out: &mut [u8],
    tag: &[u8],
) -> Result<()> {
    let sk = private_key::<K>(sk)?;
    let enc = K::EncappedKey::from_bytes(enc).map_err(|_| Error::DecryptionFailed)?;
    let tag = hpke::aead::AeadTag::<A>::from_bytes(tag).map_err(|_| Error::DecryptionFailed)?;
    hpke::single_shot_open_inout_detached::<A, HkdfSha256, K>(
        &OpModeR::Base,
        &sk,
        &enc,
        info,
        InOutBuf::from(in_out),
        aad,
        &tag,
    )
    .map_err(|_| Error::DecryptionFailed)
}

/// `SetupBaseS` then `Export`.
pub fn export_sender<K: Kem, A: Aead, R: CryptoRng>(
    pk: &[u8],
    info: &[u8],
    exporter_context: &[u8],
    out: &mut [u8],
    rng: &mut R,
) -> Result<KemOutput> {
    let pk = public_key::<K>(pk)?;
    let (enc, ctx) = hpke::setup_sender_with_rng::<A, HkdfSha256, K>(&OpModeS::Base, &pk, info, rng)
        .map_err(|_| Error::EncryptionFailed)?;
    ctx.export(exporter_context, out).map_err(|_| Error::KdfOutputTooLong)?;
    enc_bytes::<K>(&enc)
}

/// `SetupBaseR` then `Export`.
pub fn export_receiver<K: Kem, A: Aead>(
    sk: &[u8],
    enc: &[u8],
    info: &[u8],
    exporter_context: &[u8],
    out: &mut [u8],
) -> Result<()> {
    let sk = private_key::<K>(sk)?;
    let enc = K::EncappedKey::from_bytes(enc).map_err(|_| Error::DecryptionFailed)?;
    let ctx = hpke::setup_receiver::<A, HkdfSha256, K>(&OpModeR::Base, &sk, &enc, info)
        .map_err(|_| Error::DecryptionFailed)?;
    ctx.export(exporter_context, out).map_err(|_| Error::KdfOutputTooLong)
}

/// `DeriveKeyPair(ikm)`.
pub fn derive_key_pair<K: Kem>(ikm: &[u8]) -> Result<(HpkePrivateKey, HpkePublicKey)> {
    let (sk, pk) = K::derive_keypair(ikm);
    Ok((
        HpkePrivateKey::from_slice(&sk.to_bytes())?,
        HpkePublicKey::from_slice(&pk.to_bytes())?,
    ))
}
