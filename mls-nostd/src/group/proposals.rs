//! Proposals (RFC 9420 §12.1): the store of proposals received in an epoch,
//! and validating and staging a commit's proposal list (§12.2, §12.3).

use crate::codec::{Decode, Reader, Writer};
use crate::commit::{Commit, ProposalOrRef};
use crate::credential::{CredentialUse, CredentialValidator};
use crate::crypto::{CipherSuite, HashOutput};
use crate::error::{Error, Result};
use crate::extension::{self, Extensions, RequiredCapabilities};
use crate::framing::Sender;
use crate::key_package::KeyPackage;
use crate::memory::{Fixed, Memory, Slots};
use crate::proposal::{Proposal, ReInit, proposal_type};
use crate::psk::{PreSharedKeyId, Psk, ResumptionPskUsage};
use crate::tree::{
    LeafCheck, LeafContext, RatchetTree, Stage, TreeRead, check_credential, check_leaf_unique, check_successor,
    validate_leaf_node,
};

/// Longest encoded ReInit proposal a member keeps after the commit that
/// closes its group (§11.2).
pub(super) const MAX_REINIT_LEN: usize = {
    use super::{MAX_EXTENSIONS_LEN, MAX_GROUP_ID_LEN};
    use crate::codec::varint_len;
    2 + varint_len(MAX_GROUP_ID_LEN) + MAX_GROUP_ID_LEN + 4 + varint_len(MAX_EXTENSIONS_LEN) + MAX_EXTENSIONS_LEN
};

/// Largest number of PreSharedKey proposals in one commit.
pub const MAX_PSKS: usize = 16;

/// Proposals received (or sent) in the current epoch, kept so that a commit
/// can cover them by reference, in the storage `M` gives
/// ([`Fixed<_, _, STORE>`](Fixed): `STORE` bytes in all).
#[derive(Clone, PartialEq, Eq)]
pub struct ProposalStore<M: Memory> {
    bytes: M::Store,
    len: usize,
}

/// One stored proposal.
#[derive(Debug, Clone, Copy)]
pub struct StoredProposal<'a> {
    /// Its `ProposalRef` (§5.2).
    pub reference: &'a [u8],
    /// Who proposed it.
    pub sender: Sender,
    /// The proposal.
    pub proposal: Proposal<'a>,
}

impl<M: Memory> core::fmt::Debug for ProposalStore<M> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "ProposalStore({} proposals, {} bytes)",
            self.iter().count(),
            self.len
        )
    }
}

impl<const L: usize, const B: usize, const N: usize> ProposalStore<Fixed<L, B, N>> {
    /// An empty store in a fixed array; `const`.
    pub const fn new() -> Self {
        ProposalStore { bytes: [0; N], len: 0 }
    }
}

impl<M: Memory> ProposalStore<M> {
    /// An empty store, as small as `M` makes it.
    pub fn new_in() -> Self {
        ProposalStore {
            bytes: M::Store::new_with(0),
            len: 0,
        }
    }

    /// Forgets every proposal (a new epoch starts).
    pub fn clear(&mut self) {
        self.bytes.as_mut_slice().iter_mut().for_each(|b| *b = 0);
        self.bytes.shrink(0);
        self.len = 0;
    }

    /// Bytes used.
    pub fn used(&self) -> usize {
        self.len
    }

    /// The stored bytes, for persistence.
    pub(super) fn as_bytes(&self) -> &[u8] {
        self.bytes.as_slice().get(..self.len).unwrap_or_default()
    }

    /// Replaces the contents with bytes from [`Self::as_bytes`], checking
    /// that they parse.
    pub(super) fn set_bytes(&mut self, data: &[u8]) -> Result<()> {
        if !self.bytes.grow(data.len(), 0) {
            return Err(Error::CapacityExceeded { what: "proposal store" });
        }
        let dst = self
            .bytes
            .as_mut_slice()
            .get_mut(..data.len())
            .ok_or(Error::CapacityExceeded { what: "proposal store" })?;
        dst.copy_from_slice(data);
        self.len = data.len();
        let mut r = Reader::new(data);
        while !r.is_empty() {
            r.vec_bytes()?;
            Sender::decode(&mut r)?;
            Proposal::decode_exact(r.vec_bytes()?)?;
        }
        Ok(())
    }

    /// Whether [`Self::push`] of a proposal with a `reference_len`-byte
    /// reference would fit, so that a sender can check before it takes a
    /// key to send the proposal.
    pub(super) fn has_room(&self, reference_len: usize, sender: Sender, proposal: &Proposal<'_>) -> bool {
        Self::holds(self.len + Self::entry_len(reference_len, sender, proposal))
    }

    /// Whether the store can hold `len` bytes.
    pub(super) fn holds(len: usize) -> bool {
        M::Store::holds(len)
    }

    /// Bytes [`Self::push`] takes for a proposal.
    #[inline]
    pub(super) fn entry_len(reference_len: usize, sender: Sender, proposal: &Proposal<'_>) -> usize {
        let mut w = Writer::counter();
        w.varint(reference_len);
        crate::codec::Encode::encode(&sender, &mut w);
        w.vec(|w| crate::codec::Encode::encode(proposal, w));
        w.len() + reference_len
    }

    /// Keeps a proposal; fails with `CapacityExceeded` when it does not fit.
    pub fn push(&mut self, reference: &[u8], sender: Sender, proposal: &Proposal<'_>) -> Result<()> {
        let end = self.len + Self::entry_len(reference.len(), sender, proposal);
        if !self.bytes.grow(end, 0) {
            return Err(Error::CapacityExceeded { what: "proposal store" });
        }
        let space = self
            .bytes
            .as_mut_slice()
            .get_mut(self.len..)
            .ok_or(Error::CapacityExceeded { what: "proposal store" })?;
        let mut w = Writer::new(space);
        w.vec_bytes(reference);
        crate::codec::Encode::encode(&sender, &mut w);
        w.vec(|w| crate::codec::Encode::encode(proposal, w));
        let n = w
            .finish()
            .map_err(|_| Error::CapacityExceeded { what: "proposal store" })?;
        self.len += n;
        Ok(())
    }

    /// The stored proposals, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = StoredProposal<'_>> + Clone {
        let mut r = Reader::new(self.bytes.as_slice().get(..self.len).unwrap_or_default());
        core::iter::from_fn(move || {
            if r.is_empty() {
                return None;
            }
            let reference = r.vec_bytes().ok()?;
            let sender = Sender::decode(&mut r).ok()?;
            let proposal = Proposal::decode_exact(r.vec_bytes().ok()?).ok()?;
            Some(StoredProposal {
                reference,
                sender,
                proposal,
            })
        })
    }

    /// The proposal with `reference`.
    pub fn find(&self, reference: &[u8]) -> Option<StoredProposal<'_>> {
        self.iter().find(|p| p.reference == reference)
    }
}

impl<const L: usize, const B: usize, const N: usize> Default for ProposalStore<Fixed<L, B, N>> {
    fn default() -> Self {
        Self::new()
    }
}

/// The proposals a commit covers, each with its sender, in order; a
/// reference the store does not hold is an error.
pub(super) fn resolve<'a, M: Memory>(
    commit: &Commit<'a>,
    store: &'a ProposalStore<M>,
    committer: Sender,
) -> impl Iterator<Item = Result<(Proposal<'a>, Sender)>> + Clone + 'a {
    let list = commit.proposals;
    list.iter().map(move |p| match p {
        ProposalOrRef::Proposal(p) => Ok((p, committer)),
        ProposalOrRef::Reference(r) => store.find(r).map(|s| (s.proposal, s.sender)).ok_or(Error::Malformed {
            reason: "unknown proposal reference",
        }),
    })
}

/// What applying a proposal list does, staged.
pub(super) struct Applied<'c, M: Memory> {
    pub stage: Stage<'c, M>,
    /// New GroupContext extensions.
    pub extensions: Option<Extensions<'c>>,
    /// Leaves added, in order, with their KeyPackage.
    pub added: M::Slots<u32>,
    pub added_len: usize,
    pub psks: [Option<PreSharedKeyId<'c>>; MAX_PSKS],
    pub psk_len: usize,
    pub external_init: Option<&'c [u8]>,
    pub reinit: Option<ReInit<'c>>,
    pub path_required: bool,
    /// The commit removes this member.
    pub removes_me: bool,
    /// The commit applies an Update proposal of this member.
    pub updates_me: bool,
}

impl<M: Memory> Applied<'_, M> {
    /// Leaves added by the commit.
    pub fn added(&self) -> &[u32] {
        self.added.as_slice().get(..self.added_len).unwrap_or_default()
    }
}

fn invalid(reason: &'static str) -> Error {
    Error::Malformed { reason }
}

/// Checks a KeyPackage for this group (§10.1).
pub(super) fn validate_key_package<S: CipherSuite>(
    suite: &S,
    kp: &KeyPackage<'_>,
    leaf_index: u32,
    check: &LeafCheck<'_>,
) -> Result<()> {
    if kp.version != crate::MLS10 || kp.cipher_suite != S::ID {
        return Err(invalid("key package version or cipher suite differs from the group's"));
    }
    if kp.init_key.len() != S::KEM_PUBLIC_KEY_LEN || kp.init_key == kp.leaf_node.encryption_key {
        return Err(invalid(
            "key package init key invalid or equal to the leaf's encryption key",
        ));
    }
    kp.verify(suite)?;
    validate_leaf_node(suite, &kp.leaf_node, leaf_index, LeafContext::KeyPackage, check)
}

/// Whether every member supports the required capabilities in `exts`
/// (§11.1: a GroupContextExtensions proposal must not require what some
/// member lacks).
fn members_support(tree: &impl TreeRead, exts: &Extensions<'_>) -> bool {
    let Some(req) = extension::find(exts, extension::extension_type::REQUIRED_CAPABILITIES)
        .and_then(|d| RequiredCapabilities::decode_exact(d).ok())
    else {
        return true;
    };
    tree.members().all(|(_, m)| {
        let c = &m.capabilities;
        req.extension_types
            .iter()
            .all(|t| extension::extension_type::is_default(t) || c.extensions.iter().any(|x| x == t))
            && req
                .proposal_types
                .iter()
                .all(|t| proposal_type::is_default(t) || c.proposals.iter().any(|x| x == t))
            && req
                .credential_types
                .iter()
                .all(|t| c.credentials.iter().any(|x| x == t))
    })
}

/// Validates a proposal list (§12.2) and stages its application in the
/// order of §12.3: GroupContextExtensions, Updates, Removes, Adds, then the
/// PSKs, ExternalInit and ReInit are noted.
///
/// `committer` is the commit's sender (`NewMemberCommit` for an external
/// commit); `me` this member's leaf, if it is one; `epoch` the group's
/// current epoch: a reinit or branch resumption PSK is accepted only in the
/// commit that starts epoch 1 of a new group (§11.2, §11.3).
#[allow(clippy::too_many_arguments)]
pub(super) fn stage<'c, S: CipherSuite, M: Memory, A: CredentialValidator>(
    suite: &S,
    base: &RatchetTree<M>,
    proposals: impl Iterator<Item = Result<(Proposal<'c>, Sender)>> + Clone,
    committer: Sender,
    me: Option<u32>,
    epoch: u64,
    check: &LeafCheck<'_>,
    validator: &A,
) -> Result<Applied<'c, M>> {
    let external = committer == Sender::NewMemberCommit;
    let mut count = 0usize;
    let (mut gce, mut reinit, mut ext_init) = (0, 0, 0);
    let mut removes = 0;
    for p in proposals.clone() {
        let (p, sender) = p?;
        count += 1;
        match p {
            Proposal::GroupContextExtensions { .. } => gce += 1,
            Proposal::ReInit(_) => reinit += 1,
            Proposal::ExternalInit { .. } => ext_init += 1,
            Proposal::Remove { removed } => {
                removes += 1;
                if Sender::Member(removed) == committer {
                    return Err(invalid("commit removes its committer"));
                }
            }
            Proposal::Update { .. } if sender == committer => {
                return Err(invalid("commit covers its committer's Update"));
            }
            Proposal::Update { .. } if !matches!(sender, Sender::Member(_)) => {
                return Err(invalid("Update from a non-member"));
            }
            _ => {}
        }
        if external
            && !matches!(
                p,
                Proposal::ExternalInit { .. } | Proposal::Remove { .. } | Proposal::PreSharedKey { .. }
            )
        {
            return Err(invalid(
                "external commit with a proposal other than ExternalInit, Remove or PSK",
            ));
        }
    }
    if external && (ext_init != 1 || removes > 1) {
        return Err(invalid("external commit needs one ExternalInit and at most one Remove"));
    }
    if !external && ext_init > 0 {
        return Err(invalid("ExternalInit in a regular commit"));
    }
    if gce > 1 || (reinit > 0 && count > 1) {
        return Err(invalid(
            "more than one GroupContextExtensions, or ReInit with other proposals",
        ));
    }

    let mut out = Applied {
        stage: Stage::unfilled(base),
        extensions: None,
        added: M::Slots::new_with(0),
        added_len: 0,
        psks: [None; MAX_PSKS],
        psk_len: 0,
        external_init: None,
        reinit: None,
        path_required: count == 0,
        removes_me: false,
        updates_me: false,
    };
    out.stage.fill(base);
    let mut check = *check;

    // GroupContextExtensions first: the new extensions govern the rest.
    for p in proposals.clone() {
        if let (Proposal::GroupContextExtensions { extensions }, _) = p? {
            if !extension::types_are_unique(&extensions) || !members_support(base, &extensions) {
                return Err(invalid("GroupContextExtensions not supported by every member"));
            }
            super::check_external_senders(&extensions, validator)?;
            check.required = extension::find(&extensions, extension::extension_type::REQUIRED_CAPABILITIES)
                .map(RequiredCapabilities::decode_exact)
                .transpose()?;
            out.extensions = Some(extensions);
            out.path_required = true;
        }
    }

    // Updates and Removes: at most one per leaf.
    let mut touched = M::Slots::<bool>::new_with(false);
    if !touched.grow(base.width() as usize, false) {
        return Err(Error::CapacityExceeded { what: "leaves" });
    }
    let touched = touched.as_mut_slice();
    for p in proposals.clone() {
        let (p, sender) = p?;
        let leaf = match (p, sender) {
            (Proposal::Update { .. }, Sender::Member(l)) => l,
            (Proposal::Remove { removed }, _) => removed,
            _ => continue,
        };
        let seen = touched.get_mut(leaf as usize).ok_or(Error::LeafOutOfRange { leaf })?;
        if *seen {
            return Err(invalid("two Updates or Removes for one leaf"));
        }
        *seen = true;
    }
    for p in proposals.clone() {
        if let (Proposal::Update { leaf_node }, Sender::Member(leaf)) = p? {
            let view = out.stage.view(base);
            let old = view.leaf(leaf).ok_or(Error::LeafOutOfRange { leaf })?;
            if old.encryption_key == leaf_node.encryption_key {
                return Err(invalid("Update keeps the old encryption key"));
            }
            validate_leaf_node(suite, &leaf_node, leaf, LeafContext::Update, &check)?;
            check_credential(validator, &leaf_node, CredentialUse::Update)?;
            check_successor(validator, &old, &leaf_node)?;
            check_leaf_unique(&view, &leaf_node, leaf)?;
            out.stage.update_leaf(base, leaf, leaf_node.raw)?;
            out.updates_me |= me == Some(leaf);
            out.path_required = true;
        }
    }
    for p in proposals.clone() {
        if let (Proposal::Remove { removed }, _) = p? {
            out.stage.remove_leaf(base, removed)?;
            out.removes_me |= me == Some(removed);
            out.path_required = true;
        }
    }
    for p in proposals.clone() {
        if let (Proposal::Add { key_package }, _) = p? {
            let view = out.stage.view(base);
            let leaf = view.next_free_leaf(1 << 16)?;
            validate_key_package(suite, &key_package, leaf, &check)?;
            check_credential(validator, &key_package.leaf_node, CredentialUse::KeyPackage)?;
            let new = &key_package.leaf_node;
            // A client may not be added twice (§12.2): the RFC's example of
            // the same client, identical signature keys, is one of the
            // uniqueness checks. Comparing identities is left to the
            // application's credential validator.
            check_leaf_unique(&view, new, leaf)?;
            let at = out.stage.add_leaf(base, new.raw)?;
            if !out.added.grow(out.added_len + 1, 0) {
                return Err(Error::CapacityExceeded { what: "leaves" });
            }
            *out.added
                .as_mut_slice()
                .get_mut(out.added_len)
                .ok_or(Error::CapacityExceeded { what: "leaves" })? = at;
            out.added_len += 1;
        }
    }
    for p in proposals.clone() {
        match p?.0 {
            Proposal::PreSharedKey { psk } => {
                if psk.psk_nonce.len() != S::HASH_LEN {
                    return Err(invalid("psk_nonce is not KDF.Nh bytes"));
                }
                if matches!(psk.psk, Psk::Resumption { usage, .. } if usage != ResumptionPskUsage::Application)
                    && epoch != 0
                {
                    return Err(invalid(
                        "reinit or branch resumption PSK outside a new group's first commit",
                    ));
                }
                if out.psks.iter().take(out.psk_len).flatten().any(|q| *q == psk) {
                    return Err(invalid("the same PSK twice"));
                }
                *out.psks.get_mut(out.psk_len).ok_or(Error::CapacityExceeded {
                    what: "PSKs in a commit",
                })? = Some(psk);
                out.psk_len += 1;
            }
            Proposal::ExternalInit { kem_output } => {
                out.external_init = Some(kem_output);
                out.path_required = true;
            }
            Proposal::ReInit(r) => out.reinit = Some(r),
            _ => {}
        }
    }
    Ok(out)
}

/// Checks a proposal received on its own (§12.1), before it is kept for a
/// commit; the list rules of §12.2 apply when a commit covers it.
pub(super) fn check_proposal<S: CipherSuite, M: Memory, A: CredentialValidator>(
    suite: &S,
    tree: &RatchetTree<M>,
    p: &Proposal<'_>,
    sender: Sender,
    check: &LeafCheck<'_>,
    validator: &A,
) -> Result<()> {
    match p {
        Proposal::Add { key_package } => {
            let leaf = tree.next_free_leaf(1 << 16)?;
            if !crate::memory::holds_leaves::<M>(leaf as usize + 1) {
                return Err(Error::CapacityExceeded { what: "leaves" });
            }
            validate_key_package(suite, key_package, leaf, check)?;
            check_credential(validator, &key_package.leaf_node, CredentialUse::KeyPackage)?;
            check_leaf_unique(tree, &key_package.leaf_node, leaf)
        }
        Proposal::Update { leaf_node } => {
            let Sender::Member(leaf) = sender else {
                return Err(invalid("Update from a non-member"));
            };
            let old = tree.leaf(leaf).ok_or(Error::LeafOutOfRange { leaf })?;
            if old.encryption_key == leaf_node.encryption_key {
                return Err(invalid("Update keeps the old encryption key"));
            }
            validate_leaf_node(suite, leaf_node, leaf, LeafContext::Update, check)?;
            check_credential(validator, leaf_node, CredentialUse::Update)?;
            check_successor(validator, &old, leaf_node)?;
            check_leaf_unique(tree, leaf_node, leaf)
        }
        Proposal::Remove { removed } => tree
            .leaf(*removed)
            .map(|_| ())
            .ok_or(Error::LeafOutOfRange { leaf: *removed }),
        Proposal::PreSharedKey { psk } => {
            if psk.psk_nonce.len() != S::HASH_LEN {
                return Err(invalid("psk_nonce is not KDF.Nh bytes"));
            }
            match psk.psk {
                Psk::Resumption { usage, .. } if usage != ResumptionPskUsage::Application => {
                    Err(invalid("reinit or branch resumption PSK in a standalone proposal"))
                }
                _ => Ok(()),
            }
        }
        Proposal::ReInit(r) if r.version != crate::MLS10 => Err(invalid("ReInit to an unknown version")),
        Proposal::ReInit(_) => Ok(()),
        Proposal::ExternalInit { .. } => Err(invalid("ExternalInit outside an external commit")),
        Proposal::GroupContextExtensions { extensions } => {
            if extension::types_are_unique(extensions) && members_support(tree, extensions) {
                super::check_external_senders(extensions, validator)
            } else {
                Err(invalid("GroupContextExtensions not supported by every member"))
            }
        }
    }
}

/// `ProposalRef` of the AuthenticatedContent that carried a proposal
/// (§5.2).
pub(super) fn proposal_ref<S: CipherSuite>(suite: &S, auth_content: &impl crate::codec::Encode) -> HashOutput {
    crate::crypto::labels::ref_hash_of(suite, b"MLS 1.0 Proposal Reference", auth_content)
}
