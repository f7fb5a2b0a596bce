//! The ratchet tree (RFC 9420 §4, §7): its nodes and their encodings.

mod leaf_node;
mod node;

pub use leaf_node::{Capabilities, LeafNode, LeafNodeSource, Lifetime};
pub use node::{Node, ParentNode, RatchetTree};
