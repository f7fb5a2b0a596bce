//! ParentNode, Node and the `ratchet_tree` encoding (RFC 9420 §7.1,
//! §12.4.3.3).

use super::leaf_node::LeafNode;
use crate::codec::{Decode, Encode, List, Reader, Writer};
use crate::error::{Error, Result};

/// `ParentNode` (§7.1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParentNode<'a> {
    /// `encryption_key`, an HPKE public key.
    pub encryption_key: &'a [u8],
    /// `parent_hash`.
    pub parent_hash: &'a [u8],
    /// `unmerged_leaves`, leaf indices in increasing order.
    pub unmerged_leaves: List<'a, u32>,
}

impl<'a> Decode<'a> for ParentNode<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(ParentNode {
            encryption_key: r.vec_bytes()?,
            parent_hash: r.vec_bytes()?,
            unmerged_leaves: List::decode(r)?,
        })
    }
}

impl Encode for ParentNode<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        w.vec_bytes(self.encryption_key);
        w.vec_bytes(self.parent_hash);
        self.unmerged_leaves.encode(w);
    }
}

/// `Node` (§12.4.3.3): a leaf or a parent.
// Views live on the stack and there is no heap to box a large variant into.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Node<'a> {
    /// `leaf` (1).
    Leaf(LeafNode<'a>),
    /// `parent` (2).
    Parent(ParentNode<'a>),
}

impl<'a> Decode<'a> for Node<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        match r.u8()? {
            1 => Ok(Node::Leaf(LeafNode::decode(r)?)),
            2 => Ok(Node::Parent(ParentNode::decode(r)?)),
            v => Err(Error::UnknownValue {
                field: "node_type",
                value: v.into(),
            }),
        }
    }
}

impl Encode for Node<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        match self {
            Node::Leaf(l) => {
                w.u8(1);
                l.encode(w);
            }
            Node::Parent(p) => {
                w.u8(2);
                p.encode(w);
            }
        }
    }
}

/// `optional<Node> ratchet_tree<V>` (§12.4.3.3), as received. Trailing
/// blank nodes are omitted, so the length need not be `2^k - 1`.
pub type NodeList<'a> = List<'a, Option<Node<'a>>>;
