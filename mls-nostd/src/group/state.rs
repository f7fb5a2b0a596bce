//! Replacing a member's whole state: the tree taken from a GroupInfo
//! (RFC 9420 §12.4.3.1, §12.4.3.2), and the first epoch of a group the
//! member created (§11) or joined (§12.4.3).

use super::{Group, PastEpoch, Status, encode_extensions, leaf_check};
use crate::codec::Decode;
use crate::credential::CredentialValidator;
use crate::crypto::{Bytes, CipherSuite, HashOutput, HpkePrivateKey, Secret, SignaturePrivateKey, ct_eq};
use crate::error::{Error, Result};
use crate::extension::{Extensions, extension_type, find};
use crate::key_schedule::EpochSecrets;
use crate::memory::Memory;
use crate::tree::{NodeList, Now, RatchetTree, TreeRead};
use crate::treekem::PathKeys;
use crate::welcome::GroupInfo;

/// The first epoch of this member in a group, computed and checked.
pub(super) struct FirstEpoch<'a> {
    pub group_id: &'a [u8],
    pub epoch: u64,
    pub extensions: &'a Extensions<'a>,
    pub confirmed_transcript_hash: HashOutput,
    pub interim_transcript_hash: HashOutput,
    pub confirmation_tag: HashOutput,
    /// This member's leaf.
    pub own: u32,
    /// Its private keys in the tree.
    pub keys: PathKeys,
    pub signature_key: &'a [u8],
    /// The epoch's secrets, `encryption_secret` included (it roots the
    /// secret tree and is then erased).
    pub secrets: EpochSecrets,
    /// Leaves of the new tree.
    pub n_leaves: u32,
}

impl<S, M: Memory, const K: usize, const P: usize, A: CredentialValidator> Group<S, M, K, P, A>
where
    S: CipherSuite,
{
    /// Imports the tree of `gi` (from its `ratchet_tree` extension, else
    /// `out_of_band`), validates it, and checks it against the GroupInfo:
    /// its hash, and the signer's signature (§12.4.3.1). Leaves the tree
    /// changed even on error: the caller empties the group then.
    pub(super) fn import_group_info_tree(
        &mut self,
        gi: &GroupInfo<'_>,
        out_of_band: Option<&[u8]>,
        now: Now,
    ) -> Result<()> {
        let gc = &gi.group_context;
        if gc.cipher_suite != S::ID {
            return Err(Error::UnsupportedCipherSuite(gc.cipher_suite));
        }
        let tree_bytes = find(&gi.extensions, extension_type::RATCHET_TREE)
            .or(out_of_band)
            .ok_or(Error::Malformed {
                reason: "no ratchet tree",
            })?;
        self.tree.import(&NodeList::decode_exact(tree_bytes)?)?;
        let check = leaf_check(gc.group_id, now, self.config.max_lifetime, &gc.extensions);
        self.tree.validate_with(&self.suite, &check, self.parallel.get())?;
        if !self.validator.accepts_all() {
            for (_, member) in self.tree.members() {
                crate::tree::check_credential(&self.validator, &member, crate::credential::CredentialUse::GroupMember)?;
            }
        }
        if !ct_eq(&self.tree.tree_hash(&self.suite), gc.tree_hash) {
            return Err(Error::InvalidTree {
                reason: "tree hash differs from the GroupInfo's",
            });
        }
        let signer = self
            .tree
            .leaf(gi.signer)
            .ok_or(Error::LeafOutOfRange { leaf: gi.signer })?;
        gi.verify(&self.suite, signer.signature_key)
    }

    /// `r`, after emptying the group if it is an error: a join that fails
    /// part-way leaves no half-imported tree behind.
    pub(super) fn empty_on_error<T>(&mut self, r: Result<T>) -> Result<T> {
        if r.is_err() {
            self.tree.clear();
            self.status = Status::Empty;
        }
        r
    }

    /// Replaces the whole state with `first`; `tree` puts the new ratchet
    /// tree in place. What can fail is done before anything changes, and
    /// `tree` must change nothing when it fails.
    pub(super) fn install(
        &mut self,
        first: FirstEpoch<'_>,
        tree: impl FnOnce(&mut RatchetTree<M>) -> Result<()>,
    ) -> Result<()> {
        let group_id = Bytes::from_slice(first.group_id).map_err(|_| Error::CapacityExceeded { what: "group id" })?;
        super::check_external_senders(first.extensions, &self.validator)?;
        let extensions = encode_extensions(first.extensions)?;
        let signature_key = SignaturePrivateKey::from_slice(first.signature_key)?;
        let mut secrets = first.secrets;
        // Atomic: on error nothing changes.
        self.secret_tree.reset(
            &self.suite,
            secrets.encryption_secret.as_slice(),
            first.n_leaves,
            self.config.secret_tree,
        )?;
        secrets.encryption_secret = Secret::empty();
        // The secret tree is already the new one's: leave no mix.
        let r = tree(&mut self.tree);
        self.empty_on_error(r)?;
        self.status = Status::Active;
        self.group_id = group_id;
        self.epoch = first.epoch;
        self.extensions = extensions;
        self.confirmed_transcript_hash = first.confirmed_transcript_hash;
        self.interim_transcript_hash = first.interim_transcript_hash;
        self.confirmation_tag = first.confirmation_tag;
        self.own = first.own;
        self.keys = first.keys;
        self.signature_key = signature_key;
        self.secrets = secrets;
        self.past.iter_mut().for_each(PastEpoch::clear);
        self.proposals.clear();
        self.pending = None;
        self.pending_update = HpkePrivateKey::empty();
        self.bump();
        Ok(())
    }
}
