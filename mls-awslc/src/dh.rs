//! The two Diffie-Hellman groups of suites 1 and 2 on AWS-LC, with the key
//! derivation of their DHKEMs (RFC 9180 §7.1.3).

use crate::hpke::{Kdf, labeled_expand, labeled_extract};
use aws_lc_rs::agreement::{self, Algorithm, PrivateKey, UnparsedPublicKey};
use mls_nostd::crypto::{HpkePrivateKey, HpkePublicKey};
use mls_nostd::{Error, Result};

/// A DHKEM's group: X25519 or P-256.
pub trait Group: Sync {
    /// `kem_id` (RFC 9180 §7.1).
    const KEM_ID: u16;
    /// `Npk`.
    const NPK: usize;
    /// The AWS-LC algorithm.
    fn algorithm() -> &'static Algorithm;
    /// `DeriveKeyPair(ikm)`'s private key.
    fn derive_private(kdf: &impl Kdf, ikm: &[u8]) -> Result<HpkePrivateKey>;
}

/// X25519 (DHKEM 0x0020).
pub struct X25519;
/// P-256 (DHKEM 0x0010).
pub struct P256;

impl Group for X25519 {
    const KEM_ID: u16 = 0x0020;
    const NPK: usize = 32;
    fn algorithm() -> &'static Algorithm {
        &agreement::X25519
    }
    fn derive_private(kdf: &impl Kdf, ikm: &[u8]) -> Result<HpkePrivateKey> {
        let id = kem_suite_id::<Self>();
        let prk = labeled_extract(kdf, &id, b"", b"dkp_prk", &[ikm]);
        let mut sk = [0u8; 32];
        labeled_expand(kdf, &id, prk.as_slice(), b"sk", &[], &mut sk)?;
        let key = HpkePrivateKey::from_slice(&sk);
        zeroize::Zeroize::zeroize(&mut sk);
        key
    }
}

/// The order of P-256, big-endian.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa,
    0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

impl Group for P256 {
    const KEM_ID: u16 = 0x0010;
    const NPK: usize = 65;
    fn algorithm() -> &'static Algorithm {
        &agreement::ECDH_P256
    }
    fn derive_private(kdf: &impl Kdf, ikm: &[u8]) -> Result<HpkePrivateKey> {
        let id = kem_suite_id::<Self>();
        let prk = labeled_extract(kdf, &id, b"", b"dkp_prk", &[ikm]);
        let mut sk = [0u8; 32];
        for counter in 0..=255u8 {
            labeled_expand(kdf, &id, prk.as_slice(), b"candidate", &[&[counter]], &mut sk)?;
            // The bitmask of P-256 is 0xff: the first byte is kept whole.
            if sk != [0u8; 32] && sk < P256_ORDER {
                let key = HpkePrivateKey::from_slice(&sk);
                zeroize::Zeroize::zeroize(&mut sk);
                return key;
            }
        }
        zeroize::Zeroize::zeroize(&mut sk);
        Err(Error::InvalidKey)
    }
}

/// `"KEM" || I2OSP(kem_id, 2)`.
pub fn kem_suite_id<G: Group>() -> [u8; 5] {
    let [a, b] = G::KEM_ID.to_be_bytes();
    [b'K', b'E', b'M', a, b]
}

/// A private key for AWS-LC, with the public key it derives once.
pub struct KeyPair<G> {
    key: PrivateKey,
    public: HpkePublicKey,
    _group: core::marker::PhantomData<G>,
}

impl<G: Group> KeyPair<G> {
    /// Parses `sk` (raw X25519 bytes, or a big-endian P-256 scalar).
    pub fn new(sk: &[u8]) -> Result<Self> {
        let key = PrivateKey::from_private_key(G::algorithm(), sk).map_err(|_| Error::InvalidKey)?;
        let public = key.compute_public_key().map_err(|_| Error::InvalidKey)?;
        Ok(KeyPair {
            public: HpkePublicKey::from_slice(public.as_ref())?,
            key,
            _group: core::marker::PhantomData,
        })
    }

    /// The public key (`SerializePublicKey`).
    pub fn public(&self) -> &[u8] {
        self.public.as_slice()
    }

    /// `DH(sk, pk)`: the shared secret (32 bytes for both groups).
    pub fn dh(&self, pk: &[u8]) -> Result<[u8; 32]> {
        if pk.len() != G::NPK {
            return Err(Error::InvalidKey);
        }
        let peer = UnparsedPublicKey::new(G::algorithm(), pk);
        agreement::agree(&self.key, peer, Error::InvalidKey, |s| {
            s.try_into().map_err(|_| Error::InvalidKey)
        })
    }
}
