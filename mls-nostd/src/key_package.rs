//! KeyPackages (RFC 9420 §10).

use crate::codec::{Decode, Encode, Reader, Writer};
use crate::crypto::{CipherSuite, HashOutput, labels};
use crate::error::{Error, Result};
use crate::extension::Extensions;
use crate::tree::LeafNode;

/// `KeyPackage` (§10).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyPackage<'a> {
    /// `version`.
    pub version: u16,
    /// `cipher_suite`.
    pub cipher_suite: u16,
    /// `init_key`, an HPKE public key.
    pub init_key: &'a [u8],
    /// `leaf_node`.
    pub leaf_node: LeafNode<'a>,
    /// `extensions`.
    pub extensions: Extensions<'a>,
    /// `signature` over `KeyPackageTBS`.
    pub signature: &'a [u8],
    /// The received encoding of `KeyPackageTBS`; empty when not decoded.
    pub signed_bytes: &'a [u8],
}

impl<'a> KeyPackage<'a> {
    /// Writes `KeyPackageTBS`.
    pub fn encode_content(&self, w: &mut Writer<'_>) {
        w.u16(self.version);
        w.u16(self.cipher_suite);
        w.vec_bytes(self.init_key);
        self.leaf_node.encode(w);
        self.extensions.encode(w);
    }

    /// `VerifyWithLabel(leaf_node.signature_key, "KeyPackageTBS", ...)`.
    pub fn verify<S: CipherSuite>(&self, suite: &S) -> Result<()> {
        if self.signed_bytes.is_empty() {
            return Err(crate::Error::Malformed {
                reason: "key package was not decoded",
            });
        }
        let key = self.leaf_node.signature_key;
        labels::verify_with_label(suite, key, b"KeyPackageTBS", &[self.signed_bytes], self.signature)
    }

    /// Decodes `MLSMessage(KeyPackage)`, or a bare KeyPackage.
    pub fn decode_message(bytes: &'a [u8]) -> crate::Result<Self> {
        match crate::framing::MlsMessage::decode_exact(bytes) {
            Ok(crate::framing::MlsMessage::KeyPackage(kp)) => Ok(kp),
            _ => Self::decode_exact(bytes),
        }
    }

    /// `KeyPackageRef`: `RefHash("MLS 1.0 KeyPackage Reference", KeyPackage)`
    /// (§5.2).
    pub fn reference<S: CipherSuite>(&self, suite: &S) -> HashOutput {
        labels::ref_hash_of(suite, b"MLS 1.0 KeyPackage Reference", self)
    }
}

impl<'a> Decode<'a> for KeyPackage<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let ((version, cipher_suite, init_key, leaf_node, extensions), signed_bytes) = r.with_bytes(|r| {
            Ok((
                r.u16()?,
                r.u16()?,
                r.vec_bytes()?,
                LeafNode::decode(r)?,
                crate::extension::decode_list(r)?,
            ))
        })?;
        Ok(KeyPackage {
            version,
            cipher_suite,
            init_key,
            leaf_node,
            extensions,
            signature: r.vec_bytes()?,
            signed_bytes,
        })
    }
}

impl Encode for KeyPackage<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        self.encode_content(w);
        w.vec_bytes(self.signature);
    }
}

/// What a client puts in its LeafNodes: credential, capabilities and leaf
/// extensions (§7.2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeafTemplate<'a> {
    /// `credential`.
    pub credential: crate::credential::Credential<'a>,
    /// `capabilities`; they must list the credential's type (§7.2).
    pub capabilities: crate::tree::Capabilities<'a>,
    /// LeafNode `extensions`.
    pub extensions: Extensions<'a>,
}

/// The private keys that go with a KeyPackage. Erased on drop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPackageKeys {
    /// Private key of `init_key`, which decrypts the Welcome.
    pub init_key: crate::crypto::HpkePrivateKey,
    /// Private key of the LeafNode's `encryption_key`.
    pub encryption_key: crate::crypto::HpkePrivateKey,
}

/// A fresh HPKE key pair.
pub(crate) fn fresh_hpke_key<S: CipherSuite, R: crate::crypto::CryptoRng>(
    suite: &S,
    rng: &mut R,
) -> Result<(crate::crypto::HpkePrivateKey, crate::crypto::HpkePublicKey)> {
    let mut ikm = crate::crypto::Secret::empty();
    rng.fill_bytes(ikm.fill(S::HASH_LEN)?);
    suite.hpke_derive_key_pair(ikm.as_slice())
}

/// Generates a KeyPackage (§10) signed with `signature_key`, and writes it
/// into `out` as an `MLSMessage`. Returns its length and the private keys.
/// On [`Error::BufferTooSmall`] the size is exact for EdDSA suites and an
/// upper bound for ECDSA, whose signatures vary in length.
///
/// # Example
///
/// A client with a Basic credential publishes a KeyPackage valid for 90
/// days, and keeps its private keys to join or create a group later:
///
/// ```
/// use chacha20::ChaCha20Rng;
/// use mls_nostd::codec::List;
/// use mls_nostd::credential::{Credential, credential_type};
/// use mls_nostd::crypto::{CipherSuite, Curve25519Aes128};
/// use mls_nostd::key_package::{self, KeyPackage, LeafTemplate};
/// use mls_nostd::tree::{Capabilities, Lifetime};
/// use mls_nostd::{Error, MLS10};
/// use rand_core::SeedableRng;
///
/// const SUITE: Curve25519Aes128 = Curve25519Aes128;
/// // A fixed seed for a reproducible example; see the crate docs for a real RNG.
/// let mut rng = ChaCha20Rng::from_seed([1; 32]);
/// let (signature_key, _public) = SUITE.signature_key_pair(&mut rng);
///
/// let template = LeafTemplate {
///     credential: Credential::Basic { identity: b"alice" },
///     capabilities: Capabilities {
///         versions: List::from_slice(&[MLS10]),
///         cipher_suites: List::from_slice(&[Curve25519Aes128::ID]),
///         extensions: List::empty(),
///         proposals: List::empty(),
///         credentials: List::from_slice(&[credential_type::BASIC]),
///     },
///     extensions: List::empty(),
/// };
/// let now = 1_767_225_600; // seconds since the Unix epoch
/// let lifetime = Lifetime { not_before: now, not_after: now + 90 * 24 * 3600 };
///
/// // Too small a buffer says how much is needed: grow it and retry.
/// let mut out = vec![0u8; 64];
/// let sk = signature_key.as_slice();
/// let (len, keys) = match key_package::generate(&SUITE, &mut rng, sk, &template, lifetime, List::empty(), &mut out) {
///     Err(Error::BufferTooSmall { needed }) => {
///         out.resize(needed, 0);
///         key_package::generate(&SUITE, &mut rng, sk, &template, lifetime, List::empty(), &mut out)?
///     }
///     result => result?,
/// };
/// out.truncate(len);
///
/// // `out` is an `MLSMessage(KeyPackage)` to publish; `keys` stay private.
/// let kp = KeyPackage::decode_message(&out)?;
/// kp.verify(&SUITE)?;
/// assert_eq!(kp.leaf_node.credential, Credential::Basic { identity: b"alice" });
/// # let _ = keys;
/// # Ok::<(), Error>(())
/// ```
pub fn generate<S: CipherSuite, R: crate::crypto::CryptoRng>(
    suite: &S,
    rng: &mut R,
    signature_key: &[u8],
    template: &LeafTemplate<'_>,
    lifetime: crate::tree::Lifetime,
    extensions: Extensions<'_>,
    out: &mut [u8],
) -> Result<(usize, KeyPackageKeys)> {
    use crate::tree::{LeafNode, LeafNodeSource, sign_leaf_node};
    let (init_sk, init_pk) = fresh_hpke_key(suite, rng)?;
    let (enc_sk, enc_pk) = fresh_hpke_key(suite, rng)?;
    let signature_pk = suite.signature_public_key(signature_key)?;
    let leaf = LeafNode {
        encryption_key: &enc_pk,
        signature_key: &signature_pk,
        credential: template.credential,
        capabilities: template.capabilities,
        source: LeafNodeSource::KeyPackage(lifetime),
        extensions: template.extensions,
        signature: &[],
        signed_bytes: &[],
        raw: &[],
    };
    // MLSMessage header, then KeyPackageTBS written and signed in place.
    let mut w = Writer::new(out);
    w.u16(crate::MLS10);
    w.u16(5);
    w.u16(crate::MLS10);
    w.u16(S::ID);
    w.vec_bytes(&init_pk);
    let leaf_at = w.len();
    // The whole size, with room for both signatures (exact for EdDSA, an
    // upper bound for ECDSA), is what any step too small for it reports.
    let needed = {
        let mut c = Writer::counter();
        leaf.encode_content(&mut c);
        leaf_at + c.len() + extensions.encoded_len() + 2 * crate::crypto::signature_field_max::<S>()
    };
    let too_small = |e| match e {
        Error::BufferTooSmall { .. } => Error::BufferTooSmall { needed },
        e => e,
    };
    w.finish().map_err(too_small)?;
    let leaf_len = sign_leaf_node(
        suite,
        &leaf,
        signature_key,
        &[],
        0,
        out.get_mut(leaf_at..).ok_or(Error::Truncated)?,
    )
    .map_err(too_small)?;
    let ext_at = leaf_at + leaf_len;
    let ext_len = extensions
        .encode_to(out.get_mut(ext_at..).ok_or(Error::BufferTooSmall { needed })?)
        .map_err(too_small)?;
    let tbs = out.get(4..ext_at + ext_len).ok_or(Error::Truncated)?;
    let signature = labels::sign_with_label(suite, signature_key, b"KeyPackageTBS", &[tbs])?;
    let sig_at = ext_at + ext_len;
    let sig_len = signature
        .as_slice()
        .encode_to(out.get_mut(sig_at..).ok_or(Error::BufferTooSmall { needed })?)
        .map_err(too_small)?;
    Ok((
        sig_at + sig_len,
        KeyPackageKeys {
            init_key: init_sk,
            encryption_key: enc_sk,
        },
    ))
}
