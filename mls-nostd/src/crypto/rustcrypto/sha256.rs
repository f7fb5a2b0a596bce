//! SHA-256, HMAC-SHA256 and HKDF-SHA256: the hash and KDF of suites 1–3.

use crate::codec::Update;
use crate::crypto::{Digest, HashOutput, Secret};
use crate::error::{Error, Result};
use hmac::{KeyInit, Mac};
use sha2::Digest as _;

/// Running SHA-256.
#[derive(Clone, Default)]
pub struct Sha256(sha2::Sha256);

impl Update for Sha256 {
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
}

impl Digest for Sha256 {
    fn finish(self) -> HashOutput {
        let mut out = HashOutput::empty();
        if let Ok(dst) = out.fill(32) {
            dst.copy_from_slice(&self.0.finalize());
        }
        out
    }
}

/// Running HMAC-SHA256.
#[derive(Clone)]
pub struct HmacSha256(hmac::Hmac<sha2::Sha256>);

impl HmacSha256 {
    pub(crate) fn new(key: &[u8]) -> Self {
        // HMAC accepts keys of any length; the error case cannot occur.
        match hmac::Hmac::new_from_slice(key) {
            Ok(m) => HmacSha256(m),
            Err(_) => HmacSha256(hmac::Hmac::new(&Default::default())),
        }
    }
}

impl Update for HmacSha256 {
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
}

impl Digest for HmacSha256 {
    fn finish(self) -> HashOutput {
        let mut out = HashOutput::empty();
        if let Ok(dst) = out.fill(32) {
            dst.copy_from_slice(&self.0.finalize().into_bytes());
        }
        out
    }
}

/// HKDF-Extract.
pub fn extract(salt: &[u8], ikm: &[u8]) -> Secret {
    let (prk, _) = hkdf::Hkdf::<sha2::Sha256>::extract(Some(salt), ikm);
    let mut s = Secret::empty();
    if let Ok(dst) = s.fill(32) {
        dst.copy_from_slice(&prk);
    }
    s
}

/// HKDF-Expand with the info given in parts.
pub fn expand(prk: &[u8], info: &[&[u8]], out: &mut [u8]) -> Result<()> {
    let hk = hkdf::Hkdf::<sha2::Sha256>::from_prk(prk).map_err(|_| Error::InvalidLength { field: "prk" })?;
    hk.expand_multi_info(info, out).map_err(|_| Error::KdfOutputTooLong)
}
