//! LeafNode validation (RFC 9420 §7.3) and the validation of a whole tree
//! when joining (§12.4.3.1, parent hashes per §7.9.2).

use super::{LeafNode, LeafNodeSource, RatchetTree, TreeRead};
use crate::credential::{CredentialUse, CredentialValidator};
use crate::crypto::CipherSuite;
use crate::error::{Error, Result};
use crate::extension::{self, RequiredCapabilities};
use crate::parallel::{Parallel, Sequential};
use crate::proposal::proposal_type;
use crate::tree_math::{self, left, level, right};

/// The time LeafNode lifetimes are checked against. A device without a
/// clock says so explicitly, and lifetimes are then not checked (§7.3 makes
/// the check RECOMMENDED for received leaves).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Now {
    /// Seconds since the Unix epoch.
    UnixSeconds(u64),
    /// No trustworthy clock.
    NoClock,
}

/// The group parameters a LeafNode is checked against (§7.3).
#[derive(Debug, Clone, Copy)]
pub struct LeafCheck<'a> {
    /// The group's id, signed by `update` and `commit` leaves.
    pub group_id: &'a [u8],
    /// The current time.
    pub now: Now,
    /// The longest `not_after - not_before` accepted (§7.2 asks every
    /// application to set one); `None` accepts any.
    pub max_lifetime: Option<u64>,
    /// The group's `required_capabilities`, if any.
    pub required: Option<RequiredCapabilities<'a>>,
}

/// Where a LeafNode was found, which fixes its `leaf_node_source` (§7.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum LeafContext {
    /// In a KeyPackage: source `key_package`.
    KeyPackage,
    /// In an Update proposal: source `update`.
    Update,
    /// In an UpdatePath: source `commit`.
    Commit,
    /// In a ratchet tree: any source.
    Tree,
}

fn reject(reason: &'static str) -> Error {
    Error::InvalidLeafNode { reason }
}

/// Checks everything about one LeafNode that does not involve the other
/// members (§7.3): source, signature, lifetime, own capabilities and the
/// group's required capabilities. `leaf_index` is the leaf it occupies
/// (or will occupy). Uniqueness across the group, and asking the
/// Authentication Service about the credential (§5.3.1, [`check_credential`],
/// [`check_successor`]), are the caller's.
pub fn validate_leaf_node<S: CipherSuite>(
    suite: &S,
    leaf: &LeafNode<'_>,
    leaf_index: u32,
    context: LeafContext,
    check: &LeafCheck<'_>,
) -> Result<()> {
    let source_ok = matches!(
        (context, leaf.source),
        (LeafContext::Tree, _)
            | (LeafContext::KeyPackage, LeafNodeSource::KeyPackage(_))
            | (LeafContext::Update, LeafNodeSource::Update)
            | (LeafContext::Commit, LeafNodeSource::Commit { .. })
    );
    if !source_ok {
        return Err(reject("leaf_node_source does not match where the leaf appears"));
    }
    if leaf.signature_key.len() != S::SIGNATURE_PUBLIC_KEY_LEN {
        return Err(reject("signature_key has the wrong length for the suite"));
    }
    if leaf.encryption_key.len() != S::KEM_PUBLIC_KEY_LEN {
        return Err(reject("encryption_key has the wrong length for the suite"));
    }
    leaf.verify(suite, check.group_id, leaf_index)?;

    if let LeafNodeSource::KeyPackage(life) = leaf.source {
        if life.not_before > life.not_after {
            return Err(reject("lifetime ends before it starts"));
        }
        if check
            .max_lifetime
            .is_some_and(|max| life.not_after - life.not_before > max)
        {
            return Err(reject("lifetime longer than the application allows"));
        }
        if let Now::UnixSeconds(t) = check.now
            && !(life.not_before..=life.not_after).contains(&t)
        {
            return Err(reject("outside its lifetime"));
        }
    }

    let caps = &leaf.capabilities;
    if !caps.credentials.iter().any(|c| c == leaf.credential.credential_type()) {
        return Err(reject("own credential type not in capabilities"));
    }
    let listed = |t: u16| caps.extensions.iter().any(|e| e == t);
    if !leaf
        .extensions
        .iter()
        .all(|e| extension::extension_type::is_default(e.extension_type) || listed(e.extension_type))
    {
        return Err(reject("extension not listed in capabilities"));
    }
    if !extension::types_are_unique(&leaf.extensions) {
        return Err(reject("duplicate extension type"));
    }
    if let Some(req) = &check.required {
        let ext_ok = req
            .extension_types
            .iter()
            .all(|t| extension::extension_type::is_default(t) || listed(t));
        let props = |t: u16| proposal_type::is_default(t) || caps.proposals.iter().any(|p| p == t);
        let creds = |t: u16| caps.credentials.iter().any(|c| c == t);
        if !ext_ok || !req.proposal_types.iter().all(props) || !req.credential_types.iter().all(creds) {
            return Err(reject("does not support the group's required capabilities"));
        }
    }
    Ok(())
}

/// Asks the Authentication Service about `leaf`'s credential (§5.3.1).
/// Generic, so that with `()` (which accepts all) nothing is compiled in.
pub fn check_credential<V: CredentialValidator + ?Sized>(
    validator: &V,
    leaf: &LeafNode<'_>,
    usage: CredentialUse,
) -> Result<()> {
    if validator.accepts_all() {
        return Ok(());
    }
    validator
        .validate(&leaf.credential, leaf.signature_key, usage)
        .map_err(|reason| Error::CredentialRejected { reason })
}

/// Asks the Authentication Service whether `new` may replace `old` as the
/// same member's LeafNode (an Update or an UpdatePath, §5.3.1), when its
/// credential changed.
pub fn check_successor<V: CredentialValidator + ?Sized>(
    validator: &V,
    old: &LeafNode<'_>,
    new: &LeafNode<'_>,
) -> Result<()> {
    if validator.accepts_all() || old.credential == new.credential {
        return Ok(());
    }
    validator
        .validate_successor(&old.credential, &new.credential)
        .map_err(|reason| Error::CredentialRejected { reason })
}

fn invalid(reason: &'static str) -> Error {
    Error::InvalidTree { reason }
}

/// Checks that a LeafNode at leaf `index` of `tree` keeps keys unique
/// (§7.3): its signature key is no other member's, and its encryption key
/// is in no other node. (That an Update or a commit changes the key of the
/// leaf it replaces is the caller's check.)
pub fn check_leaf_unique(tree: &impl TreeRead, leaf: &LeafNode<'_>, index: u32) -> Result<()> {
    let n = tree_math::node_width(tree.width());
    let own = tree_math::leaf_to_node(index);
    if (0..n)
        .filter(|&x| x != own)
        .any(|x| tree.encryption_key(x) == Some(leaf.encryption_key))
    {
        return Err(invalid("encryption key already in the tree"));
    }
    if (0..tree.width()).any(|i| i != index && tree.leaf_keys(i).is_some_and(|k| k.1 == leaf.signature_key)) {
        return Err(invalid("signature key used by another member"));
    }
    Ok(())
}

impl<M: crate::memory::Memory> RatchetTree<M> {
    /// Validates a received tree as a joiner must (§12.4.3.1): every leaf
    /// (§7.3, each checked once), credential types supported by all,
    /// unique keys, and every non-blank parent parent-hash valid (§7.9.2).
    /// The caller compares [`Self::tree_hash`] with the GroupInfo's. Only the
    /// hash cache changes.
    pub fn validate<S: CipherSuite>(&mut self, suite: &S, check: &LeafCheck<'_>) -> Result<()> {
        self.validate_with(suite, check, &Sequential)
    }

    /// [`Self::validate`], with the leaves' checks (their signatures) run
    /// as independent jobs by `parallel`.
    pub fn validate_with<S: CipherSuite>(
        &mut self,
        suite: &S,
        check: &LeafCheck<'_>,
        parallel: &dyn Parallel,
    ) -> Result<()> {
        self.update_tree_hash(suite);
        let tree = &*self;
        parallel.for_each_index(self.width as usize, &|i| {
            let i = i as u32;
            tree.leaf(i).map_or(Ok(()), |leaf| {
                validate_leaf_node(suite, &leaf, i, LeafContext::Tree, check)
            })
        })?;
        self.check_credentials_supported()?;
        super::unique::check_unique_keys::<M>(self)?;
        for node in (1..tree_math::node_width(self.width)).step_by(2) {
            if self.parent(node).is_some() && self.parent_hash_chains(suite, node) != 1 {
                return Err(invalid("parent node is not parent-hash valid"));
            }
        }
        Ok(())
    }

    /// Every member's credential type is in every member's capabilities.
    /// A tree uses few credential types: each is looked up in every
    /// member's capabilities once, not once per member using it.
    fn check_credentials_supported(&self) -> Result<()> {
        let (mut supported, mut next) = ([None::<u16>; 4], 0);
        for (_, a) in self.members() {
            let t = a.credential.credential_type();
            if supported.contains(&Some(t)) {
                continue;
            }
            if !self
                .members()
                .all(|(_, b)| b.capabilities.credentials.iter().any(|c| c == t))
            {
                return Err(invalid("a credential type is not supported by every member"));
            }
            supported[next % supported.len()] = Some(t);
            next += 1;
        }
        Ok(())
    }

    /// How many descendants D of parent `node` make it parent-hash valid
    /// (§7.9.2): D's parent hash is `node`'s parent hash with the other
    /// child as copath child, and the rest of the resolution of D's side
    /// is exactly `node`'s unmerged leaves on that side.
    fn parent_hash_chains<S: CipherSuite>(&self, suite: &S, node: u32) -> usize {
        let (Some(l), Some(r)) = (left(node), right(node)) else {
            return 0;
        };
        let k = level(node);
        let mut found = 0;
        for (child, sibling) in [(l, r), (r, l)] {
            let Some(ph) = self.parent_hash_of(suite, node, sibling) else {
                continue;
            };
            let (mut total, mut unmerged_at_node, mut matches) = (0usize, 0usize, 0usize);
            self.resolution(child, &mut |d| {
                total += 1;
                let leaf_unmerged = tree_math::node_to_leaf(d)
                    .is_some_and(|i| self.leaf_bytes(i).is_some() && u32::from(self.unmerged_top(i)) >= k);
                if leaf_unmerged {
                    unmerged_at_node += 1;
                } else if self.node_parent_hash(d).is_some_and(|h| h == ph.as_slice()) {
                    matches += 1;
                }
            });
            let unmerged_on_side = self
                .unmerged_leaves(node)
                .filter(|&i| self.leaf_range(child).contains(&i))
                .count();
            if total.checked_sub(1) == Some(unmerged_at_node) && unmerged_on_side == unmerged_at_node {
                found += matches;
            }
        }
        found
    }

    /// The `parent_hash` a node carries: a parent's field, or a `commit`
    /// leaf's.
    fn node_parent_hash(&self, node: u32) -> Option<&[u8]> {
        match tree_math::node_to_leaf(node) {
            Some(i) => match self.leaf(i)?.source {
                LeafNodeSource::Commit { parent_hash } => Some(parent_hash),
                _ => None,
            },
            None => self.parent(node).map(|p| p.parent_hash),
        }
    }
}
