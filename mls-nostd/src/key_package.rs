//! KeyPackages (RFC 9420 §10).

use crate::codec::{Decode, Encode, List, Reader, Writer};
use crate::crypto::{CipherSuite, HashOutput, labels};
use crate::error::Result;
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

impl KeyPackage<'_> {
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
                List::decode(r)?,
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
