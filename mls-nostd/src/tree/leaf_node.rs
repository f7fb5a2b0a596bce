//! LeafNode and its parts (RFC 9420 §7.2).

use crate::codec::{Decode, Encode, List, Reader, Writer, encode_varint};
use crate::credential::Credential;
use crate::crypto::{CipherSuite, labels};
use crate::error::{Error, Result};
use crate::extension::Extensions;

/// `Capabilities` (§7.2): what a client supports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Capabilities<'a> {
    /// `versions`.
    pub versions: List<'a, u16>,
    /// `cipher_suites`.
    pub cipher_suites: List<'a, u16>,
    /// `extensions`: extension types.
    pub extensions: List<'a, u16>,
    /// `proposals`: proposal types.
    pub proposals: List<'a, u16>,
    /// `credentials`: credential types.
    pub credentials: List<'a, u16>,
}

impl<'a> Decode<'a> for Capabilities<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(Capabilities {
            versions: List::decode(r)?,
            cipher_suites: List::decode(r)?,
            extensions: List::decode(r)?,
            proposals: List::decode(r)?,
            credentials: List::decode(r)?,
        })
    }
}

impl Encode for Capabilities<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        self.versions.encode(w);
        self.cipher_suites.encode(w);
        self.extensions.encode(w);
        self.proposals.encode(w);
        self.credentials.encode(w);
    }
}

/// `Lifetime` (§7.2): seconds since the Unix epoch, both bounds inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Lifetime {
    /// `not_before`.
    pub not_before: u64,
    /// `not_after`.
    pub not_after: u64,
}

impl<'a> Decode<'a> for Lifetime {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(Lifetime {
            not_before: r.u64()?,
            not_after: r.u64()?,
        })
    }
}

impl Encode for Lifetime {
    fn encode(&self, w: &mut Writer<'_>) {
        w.u64(self.not_before);
        w.u64(self.not_after);
    }
}

/// `leaf_node_source` with the data it selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeafNodeSource<'a> {
    /// `key_package` (1): the leaf of a KeyPackage, with its lifetime.
    KeyPackage(Lifetime),
    /// `update` (2): the leaf of an Update proposal.
    Update,
    /// `commit` (3): the leaf of a Commit's UpdatePath, with its parent hash.
    Commit {
        /// `parent_hash`.
        parent_hash: &'a [u8],
    },
}

impl LeafNodeSource<'_> {
    /// The `LeafNodeSource` value on the wire.
    pub fn value(&self) -> u8 {
        match self {
            LeafNodeSource::KeyPackage(_) => 1,
            LeafNodeSource::Update => 2,
            LeafNodeSource::Commit { .. } => 3,
        }
    }
}

impl<'a> Decode<'a> for LeafNodeSource<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        match r.u8()? {
            1 => Ok(LeafNodeSource::KeyPackage(Lifetime::decode(r)?)),
            2 => Ok(LeafNodeSource::Update),
            3 => Ok(LeafNodeSource::Commit {
                parent_hash: r.vec_bytes()?,
            }),
            v => Err(Error::UnknownValue {
                field: "leaf_node_source",
                value: v.into(),
            }),
        }
    }
}

impl Encode for LeafNodeSource<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        w.u8(self.value());
        match self {
            LeafNodeSource::KeyPackage(l) => l.encode(w),
            LeafNodeSource::Update => {}
            LeafNodeSource::Commit { parent_hash } => w.vec_bytes(parent_hash),
        }
    }
}

/// `LeafNode` (§7.2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeafNode<'a> {
    /// `encryption_key`, an HPKE public key.
    pub encryption_key: &'a [u8],
    /// `signature_key`.
    pub signature_key: &'a [u8],
    /// `credential`.
    pub credential: Credential<'a>,
    /// `capabilities`.
    pub capabilities: Capabilities<'a>,
    /// `leaf_node_source` and what it selects.
    pub source: LeafNodeSource<'a>,
    /// `extensions`.
    pub extensions: Extensions<'a>,
    /// `signature` over `LeafNodeTBS`.
    pub signature: &'a [u8],
    /// The received encoding of every field before `signature`; empty for a
    /// leaf node that was not decoded.
    pub signed_bytes: &'a [u8],
    /// The whole received encoding; empty for a leaf node that was not
    /// decoded.
    pub raw: &'a [u8],
}

impl<'a> LeafNode<'a> {
    /// Writes every field before `signature`: the start of `LeafNodeTBS`.
    pub fn encode_content(&self, w: &mut Writer<'_>) {
        w.vec_bytes(self.encryption_key);
        w.vec_bytes(self.signature_key);
        self.credential.encode(w);
        self.capabilities.encode(w);
        self.source.encode(w);
        self.extensions.encode(w);
    }

    /// `VerifyWithLabel(signature_key, "LeafNodeTBS", LeafNodeTBS)` (§7.2).
    /// `group_id` and `leaf_index` are used for `update` and `commit` leaves.
    pub fn verify<S: CipherSuite>(&self, suite: &S, group_id: &[u8], leaf_index: u32) -> Result<()> {
        if self.signed_bytes.is_empty() {
            return Err(Error::Malformed {
                reason: "leaf node was not decoded",
            });
        }
        with_tbs(self.signed_bytes, &self.source, group_id, leaf_index, |parts| {
            labels::verify_with_label(suite, self.signature_key, LABEL, parts, self.signature)
        })
    }
}

const LABEL: &[u8] = b"LeafNodeTBS";

/// Calls `f` with `LeafNodeTBS` in parts: the encoded fields before the
/// signature, then for `update` and `commit` leaves `group_id<V>` and
/// `leaf_index` (§7.2).
fn with_tbs<T>(
    content: &[u8],
    source: &LeafNodeSource<'_>,
    group_id: &[u8],
    leaf_index: u32,
    f: impl FnOnce(&[&[u8]]) -> Result<T>,
) -> Result<T> {
    let mut hdr = [0u8; 4];
    let n = encode_varint(group_id.len(), &mut hdr);
    let hdr = hdr.get(..n).ok_or(Error::VectorTooLong)?;
    let index = leaf_index.to_be_bytes();
    match source {
        LeafNodeSource::KeyPackage(_) => f(&[content]),
        _ => f(&[content, hdr, group_id, &index]),
    }
}

/// Encodes `leaf` with a fresh signature by `signature_key` into `out`
/// (§7.2); the fields before the signature are taken from `leaf`, its
/// `signature` and `signed_bytes` are ignored. Returns the length. On
/// [`Error::BufferTooSmall`] the size is exact for EdDSA suites and an
/// upper bound for ECDSA, whose signatures vary in length
/// ([`CipherSuite::SIGNATURE_MAX_LEN`]).
pub fn sign_leaf_node<S: CipherSuite>(
    suite: &S,
    leaf: &LeafNode<'_>,
    signature_key: &[u8],
    group_id: &[u8],
    leaf_index: u32,
    out: &mut [u8],
) -> Result<usize> {
    let mut w = Writer::new(out);
    leaf.encode_content(&mut w);
    let content_len = w.len();
    let needed = content_len + crate::crypto::signature_field_max::<S>();
    let too_small = |e| match e {
        Error::BufferTooSmall { .. } => Error::BufferTooSmall { needed },
        e => e,
    };
    w.finish().map_err(too_small)?;
    let content = out.get(..content_len).ok_or(Error::Truncated)?;
    let signature = with_tbs(content, &leaf.source, group_id, leaf_index, |parts| {
        labels::sign_with_label(suite, signature_key, LABEL, parts)
    })?;
    let mut w = Writer::new(out.get_mut(content_len..).ok_or(Error::Truncated)?);
    w.vec_bytes(&signature);
    Ok(content_len + w.finish().map_err(too_small)?)
}

impl<'a> Decode<'a> for LeafNode<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let (mut leaf, raw) = r.with_bytes(Self::decode_fields)?;
        leaf.raw = raw;
        Ok(leaf)
    }
}

impl<'a> LeafNode<'a> {
    /// Reads every field; `raw` is set by the caller.
    fn decode_fields(r: &mut Reader<'a>) -> Result<Self> {
        let ((encryption_key, signature_key, credential, capabilities, source, extensions), signed_bytes) = r
            .with_bytes(|r| {
                Ok((
                    r.vec_bytes()?,
                    r.vec_bytes()?,
                    Credential::decode(r)?,
                    Capabilities::decode(r)?,
                    LeafNodeSource::decode(r)?,
                    crate::extension::decode_list(r)?,
                ))
            })?;
        Ok(LeafNode {
            encryption_key,
            signature_key,
            credential,
            capabilities,
            source,
            extensions,
            signature: r.vec_bytes()?,
            signed_bytes,
            raw: &[],
        })
    }
}

impl Encode for LeafNode<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        self.encode_content(w);
        w.vec_bytes(self.signature);
    }
}
