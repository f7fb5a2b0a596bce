//! TreeKEM (RFC 9420 §7.4–§7.6): UpdatePath and its encrypted path secrets.

use crate::codec::{Decode, Encode, List, Reader, Writer};
use crate::error::Result;
use crate::tree::LeafNode;

/// `HPKECiphertext` (§7.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HpkeCiphertext<'a> {
    /// `kem_output`.
    pub kem_output: &'a [u8],
    /// `ciphertext`, including the AEAD tag.
    pub ciphertext: &'a [u8],
}

impl<'a> Decode<'a> for HpkeCiphertext<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(HpkeCiphertext {
            kem_output: r.vec_bytes()?,
            ciphertext: r.vec_bytes()?,
        })
    }
}

impl Encode for HpkeCiphertext<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        w.vec_bytes(self.kem_output);
        w.vec_bytes(self.ciphertext);
    }
}

/// `UpdatePathNode` (§7.6).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UpdatePathNode<'a> {
    /// `encryption_key` of the parent node.
    pub encryption_key: &'a [u8],
    /// `encrypted_path_secret`, one per node of the copath child's resolution.
    pub encrypted_path_secret: List<'a, HpkeCiphertext<'a>>,
}

impl<'a> Decode<'a> for UpdatePathNode<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(UpdatePathNode {
            encryption_key: r.vec_bytes()?,
            encrypted_path_secret: List::decode(r)?,
        })
    }
}

impl Encode for UpdatePathNode<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        w.vec_bytes(self.encryption_key);
        self.encrypted_path_secret.encode(w);
    }
}

/// `UpdatePath` (§7.6).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UpdatePath<'a> {
    /// The committer's new `leaf_node`.
    pub leaf_node: LeafNode<'a>,
    /// `nodes`, one per node of the filtered direct path.
    pub nodes: List<'a, UpdatePathNode<'a>>,
}

impl<'a> Decode<'a> for UpdatePath<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(UpdatePath {
            leaf_node: LeafNode::decode(r)?,
            nodes: List::decode(r)?,
        })
    }
}

impl Encode for UpdatePath<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        self.leaf_node.encode(w);
        self.nodes.encode(w);
    }
}
