//! The private keys a member holds for its leaf and the nodes above it.

use crate::crypto::labels::derive_secret;
use crate::crypto::{CipherSuite, HpkePrivateKey, HpkePublicKey};
use crate::error::{Error, Result};
use crate::tree_math::{self, level};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Deepest tree supported: 2^16 leaves.
pub const MAX_DEPTH: usize = 16;

/// `DeriveKeyPair(DeriveSecret(path_secret, "node"))` (§7.4).
pub fn node_key_pair<S: CipherSuite>(suite: &S, path_secret: &[u8]) -> Result<(HpkePrivateKey, HpkePublicKey)> {
    let node_secret = derive_secret(suite, path_secret, b"node")?;
    suite.hpke_derive_key_pair(node_secret.as_slice())
}

/// A member's HPKE private keys: its leaf's, and those it knows of the
/// parents on its direct path (indexed by level). Erased on drop.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct PathKeys {
    leaf: u32,
    leaf_key: HpkePrivateKey,
    /// `nodes[k]` is the key of the ancestor at level `k + 1`; empty when unknown.
    nodes: [HpkePrivateKey; MAX_DEPTH],
}

impl core::fmt::Debug for PathKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let known = self.nodes.iter().filter(|k| !k.is_empty()).count();
        write!(f, "PathKeys(leaf {}, {known} parent keys)", self.leaf)
    }
}

impl PathKeys {
    /// No keys, as a placeholder; `const`.
    pub const fn empty() -> Self {
        PathKeys {
            leaf: 0,
            leaf_key: HpkePrivateKey::empty(),
            nodes: [const { HpkePrivateKey::empty() }; MAX_DEPTH],
        }
    }

    /// The keys of the member at `leaf`, knowing only its leaf key.
    pub fn new(leaf: u32, leaf_key: &[u8]) -> Result<Self> {
        Ok(PathKeys {
            leaf,
            leaf_key: HpkePrivateKey::from_slice(leaf_key)?,
            nodes: core::array::from_fn(|_| HpkePrivateKey::empty()),
        })
    }

    /// The member's leaf index.
    pub fn leaf(&self) -> u32 {
        self.leaf
    }

    /// The leaf's private key.
    pub fn leaf_key(&self) -> &[u8] {
        self.leaf_key.as_slice()
    }

    /// Replaces the leaf's private key.
    pub fn set_leaf_key(&mut self, key: &[u8]) -> Result<()> {
        self.leaf_key = HpkePrivateKey::from_slice(key)?;
        Ok(())
    }

    /// The private key of `node`, if it is the member's leaf or a parent
    /// on its direct path whose key it knows.
    pub fn key_for(&self, node: u32) -> Option<&[u8]> {
        if node == tree_math::leaf_to_node(self.leaf) {
            return Some(self.leaf_key.as_slice());
        }
        let anc = tree_math::is_in_subtree(tree_math::leaf_to_node(self.leaf), node);
        let k = self.nodes.get((level(node) as usize).checked_sub(1)?)?;
        (anc && !k.is_empty()).then(|| k.as_slice())
    }

    /// Sets the key of ancestor `node`.
    pub fn set_node_key(&mut self, node: u32, key: &[u8]) -> Result<()> {
        if !tree_math::is_in_subtree(tree_math::leaf_to_node(self.leaf), node) || node & 1 == 0 {
            return Err(Error::Malformed {
                reason: "not an ancestor of the member's leaf",
            });
        }
        let slot = (level(node) as usize)
            .checked_sub(1)
            .and_then(|i| self.nodes.get_mut(i));
        *slot.ok_or(Error::CapacityExceeded { what: "tree depth" })? = HpkePrivateKey::from_slice(key)?;
        Ok(())
    }

    /// Sets the key of ancestor `node` from its path secret, checking that
    /// it matches the public key `expected`.
    pub fn set_from_path_secret<S: CipherSuite>(
        &mut self,
        suite: &S,
        node: u32,
        path_secret: &[u8],
        expected: &[u8],
    ) -> Result<()> {
        let (sk, pk) = node_key_pair(suite, path_secret)?;
        if pk.as_slice() != expected {
            return Err(Error::InvalidTree {
                reason: "path secret does not match the node's public key",
            });
        }
        self.set_node_key(node, sk.as_slice())
    }

    /// Erases the keys of the ancestors at level `from` and above.
    pub fn forget_from(&mut self, from: u32) {
        for k in self.nodes.iter_mut().skip((from as usize).saturating_sub(1)) {
            *k = HpkePrivateKey::empty();
        }
    }

    /// Erases the keys of the ancestors that are blank or gone in `tree`.
    pub fn forget_blank(&mut self, tree: &impl crate::tree::TreeRead) {
        let me = tree_math::leaf_to_node(self.leaf);
        for (i, k) in self.nodes.iter_mut().enumerate() {
            let node = ancestor_at(me, i as u32 + 1);
            if tree.parent(node).is_none() {
                *k = HpkePrivateKey::empty();
            }
        }
    }
}

impl PathKeys {
    /// Whether these keys could be a member's in a tree of `width` leaves:
    /// its leaf inside, keys of `key_len` bytes, none above the root.
    pub fn fit(&self, width: u32, key_len: usize) -> bool {
        let depth = width.max(1).trailing_zeros() as usize;
        let ok = |k: &HpkePrivateKey| k.is_empty() || k.as_slice().len() == key_len;
        self.leaf < width
            && ok(&self.leaf_key)
            && self.nodes.iter().all(ok)
            && self.nodes.iter().skip(depth).all(HpkePrivateKey::is_empty)
    }

    /// Writes the keys, for persistence.
    pub fn save(&self, w: &mut crate::codec::Writer<'_>) {
        w.u32(self.leaf);
        w.vec_bytes(self.leaf_key.as_slice());
        self.nodes.iter().for_each(|k| w.vec_bytes(k.as_slice()));
    }

    /// Reads keys written by [`Self::save`].
    pub fn load(r: &mut crate::codec::Reader<'_>) -> Result<Self> {
        let mut keys = Self::new(r.u32()?, r.vec_bytes()?)?;
        for k in keys.nodes.iter_mut() {
            *k = HpkePrivateKey::from_slice(r.vec_bytes()?)?;
        }
        Ok(keys)
    }
}

/// The ancestor of `node` at level `k`.
pub(crate) fn ancestor_at(node: u32, k: u32) -> u32 {
    ((node >> (k + 1)) << (k + 1)) | ((1 << k) - 1)
}
