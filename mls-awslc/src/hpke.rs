//! HPKE base mode (RFC 9180 §4, §5, §7.1): DHKEM over a [`Group`] on
//! AWS-LC, HKDF-SHA256 and AES-128-GCM from the core's suite. Only what MLS
//! uses: single-shot seal and open, and the exporter (§8.3 external init).

use crate::dh::{Group, KeyPair, kem_suite_id};
use mls_nostd::codec::Update;
use mls_nostd::crypto::{AeadTag, CipherSuite, Digest, HashOutput, KemOutput};
use mls_nostd::{Error, Result};
use zeroize::Zeroize;

/// HMAC and HKDF-Expand of the suite: the KDF of HPKE.
pub trait Kdf {
    /// `Extract(salt, parts...)`: HMAC keyed with `salt` over the parts.
    fn extract(&self, salt: &[u8], parts: &[&[u8]]) -> HashOutput;
    /// `Expand(prk, info parts..., out.len())`.
    fn expand(&self, prk: &[u8], info: &[&[u8]], out: &mut [u8]) -> Result<()>;
}

impl<S: CipherSuite> Kdf for S {
    fn extract(&self, salt: &[u8], parts: &[&[u8]]) -> HashOutput {
        let mut mac = self.mac(salt);
        parts.iter().for_each(|p| mac.update(p));
        mac.finish()
    }
    fn expand(&self, prk: &[u8], info: &[&[u8]], out: &mut [u8]) -> Result<()> {
        self.kdf_expand(prk, info, out)
    }
}

const VERSION: &[u8] = b"HPKE-v1";

/// `LabeledExtract(salt, label, ikm)` with `ikm` in parts (§4).
pub fn labeled_extract(kdf: &impl Kdf, suite_id: &[u8], salt: &[u8], label: &[u8], ikm: &[&[u8]]) -> HashOutput {
    let mut parts: [&[u8]; 6] = [VERSION, suite_id, label, &[], &[], &[]];
    for (slot, p) in parts[3..].iter_mut().zip(ikm) {
        *slot = p;
    }
    kdf.extract(salt, &parts)
}

/// `LabeledExpand(prk, label, info, out.len())` with `info` in parts (§4).
pub fn labeled_expand(
    kdf: &impl Kdf,
    suite_id: &[u8],
    prk: &[u8],
    label: &[u8],
    info: &[&[u8]],
    out: &mut [u8],
) -> Result<()> {
    let len = u16::try_from(out.len())
        .map_err(|_| Error::KdfOutputTooLong)?
        .to_be_bytes();
    let mut parts: [&[u8]; 7] = [&len, VERSION, suite_id, label, &[], &[], &[]];
    for (slot, p) in parts[4..].iter_mut().zip(info) {
        *slot = p;
    }
    kdf.expand(prk, &parts, out)
}

/// `"HPKE" || kem_id || kdf_id || aead_id` for HKDF-SHA256 and AES-128-GCM.
fn hpke_suite_id<G: Group>() -> [u8; 10] {
    let [a, b] = G::KEM_ID.to_be_bytes();
    [b'H', b'P', b'K', b'E', a, b, 0, 1, 0, 1]
}

/// `ExtractAndExpand(dh, kem_context)` (§4.1).
fn shared_secret<G: Group>(kdf: &impl Kdf, mut dh: [u8; 32], enc: &[u8], pk_r: &[u8]) -> Result<[u8; 32]> {
    let id = kem_suite_id::<G>();
    let prk = labeled_extract(kdf, &id, b"", b"eae_prk", &[&dh]);
    dh.zeroize();
    let mut out = [0u8; 32];
    labeled_expand(kdf, &id, prk.as_slice(), b"shared_secret", &[enc, pk_r], &mut out)?;
    Ok(out)
}

/// The key schedule of base mode (§5.1): AEAD key, base nonce and
/// exporter secret.
struct Context {
    key: [u8; 16],
    nonce: [u8; 12],
    exporter: [u8; 32],
}

impl Drop for Context {
    fn drop(&mut self) {
        self.key.zeroize();
        self.nonce.zeroize();
        self.exporter.zeroize();
    }
}

impl Context {
    fn new<G: Group>(kdf: &impl Kdf, mut shared: [u8; 32], info: &[u8]) -> Result<Self> {
        let id = hpke_suite_id::<G>();
        let psk_id_hash = labeled_extract(kdf, &id, b"", b"psk_id_hash", &[]);
        let info_hash = labeled_extract(kdf, &id, b"", b"info_hash", &[info]);
        let context: [&[u8]; 3] = [&[0], psk_id_hash.as_slice(), info_hash.as_slice()];
        let secret = labeled_extract(kdf, &id, &shared, b"secret", &[]);
        shared.zeroize();
        let mut c = Context {
            key: [0; 16],
            nonce: [0; 12],
            exporter: [0; 32],
        };
        labeled_expand(kdf, &id, secret.as_slice(), b"key", &context, &mut c.key)?;
        labeled_expand(kdf, &id, secret.as_slice(), b"base_nonce", &context, &mut c.nonce)?;
        labeled_expand(kdf, &id, secret.as_slice(), b"exp", &context, &mut c.exporter)?;
        Ok(c)
    }

    fn export<G: Group>(&self, kdf: &impl Kdf, exporter_context: &[u8], out: &mut [u8]) -> Result<()> {
        labeled_expand(
            kdf,
            &hpke_suite_id::<G>(),
            &self.exporter,
            b"sec",
            &[exporter_context],
            out,
        )
    }
}

/// `Encap(pkR)` with the ephemeral key of `DeriveKeyPair(randomness)`:
/// `(shared_secret, enc)`.
fn encap<G: Group>(kdf: &impl Kdf, pk_r: &[u8], randomness: &[u8]) -> Result<([u8; 32], KemOutput)> {
    let ephemeral = KeyPair::<G>::new(G::derive_private(kdf, randomness)?.as_slice())?;
    let dh = ephemeral.dh(pk_r)?;
    let enc = KemOutput::from_slice(ephemeral.public())?;
    Ok((shared_secret::<G>(kdf, dh, enc.as_slice(), pk_r)?, enc))
}

/// `Decap(enc, skR)`.
fn decap<G: Group>(kdf: &impl Kdf, sk_r: &[u8], enc: &[u8]) -> Result<[u8; 32]> {
    let own = KeyPair::<G>::new(sk_r)?;
    let dh = own.dh(enc).map_err(|_| Error::DecryptionFailed)?;
    shared_secret::<G>(kdf, dh, enc, own.public())
}

/// `SealBase(pkR, info, aad, in_out)` in place, the ephemeral key derived
/// from `randomness` (`Nsk` bytes from the caller's RNG).
pub fn seal<G: Group, S: CipherSuite>(
    suite: &S,
    pk_r: &[u8],
    info: &[u8],
    aad: &[u8],
    in_out: &mut [u8],
    randomness: &[u8],
) -> Result<(KemOutput, AeadTag)> {
    let (shared, enc) = encap::<G>(suite, pk_r, randomness)?;
    let c = Context::new::<G>(suite, shared, info)?;
    let tag = suite.aead_seal(&c.key, &c.nonce, aad, in_out)?;
    Ok((enc, tag))
}

/// `OpenBase(enc, skR, info, aad, in_out)` in place.
pub fn open<G: Group, S: CipherSuite>(
    suite: &S,
    sk_r: &[u8],
    enc: &[u8],
    info: &[u8],
    aad: &[u8],
    in_out: &mut [u8],
    tag: &[u8],
) -> Result<()> {
    let shared = decap::<G>(suite, sk_r, enc)?;
    let c = Context::new::<G>(suite, shared, info)?;
    suite.aead_open(&c.key, &c.nonce, aad, in_out, tag)
}

/// `SetupBaseS(pkR, info)` then `Export(exporter_context, out.len())`.
pub fn export_sender<G: Group, S: CipherSuite>(
    suite: &S,
    pk_r: &[u8],
    info: &[u8],
    exporter_context: &[u8],
    out: &mut [u8],
    randomness: &[u8],
) -> Result<KemOutput> {
    let (shared, enc) = encap::<G>(suite, pk_r, randomness)?;
    Context::new::<G>(suite, shared, info)?.export::<G>(suite, exporter_context, out)?;
    Ok(enc)
}

/// `SetupBaseR(enc, skR, info)` then `Export(exporter_context, out.len())`.
pub fn export_receiver<G: Group, S: CipherSuite>(
    suite: &S,
    sk_r: &[u8],
    enc: &[u8],
    info: &[u8],
    exporter_context: &[u8],
    out: &mut [u8],
) -> Result<()> {
    let shared = decap::<G>(suite, sk_r, enc)?;
    Context::new::<G>(suite, shared, info)?.export::<G>(suite, exporter_context, out)
}

/// `DeriveKeyPair(ikm)`: `(skR, pkR)`.
pub fn derive_key_pair<G: Group, S: CipherSuite>(
    suite: &S,
    ikm: &[u8],
) -> Result<(mls_nostd::crypto::HpkePrivateKey, mls_nostd::crypto::HpkePublicKey)> {
    let sk = G::derive_private(suite, ikm)?;
    let pk = mls_nostd::crypto::HpkePublicKey::from_slice(KeyPair::<G>::new(sk.as_slice())?.public())?;
    Ok((sk, pk))
}
