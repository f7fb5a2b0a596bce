//! Joining by external commit (RFC 9420 §12.4.3.2), and the GroupInfo a
//! member publishes for it.

use super::epoch::{NextEpoch, next_epoch};
use super::persist::Outgoing;
use super::proposals::stage;
use super::state::FirstEpoch;
use super::welcome::{WelcomeParts, write_group_info};
use super::{Group, encode_context, leaf_check};
use crate::codec::{Decode, List, Writer};
use crate::commit::{Commit, ProposalOrRef};
use crate::credential::CredentialValidator;
use crate::crypto::{CipherSuite, CryptoRng, HashOutput, Secret, Signature};
use crate::error::{Error, Result};
use crate::extension::{ExternalPub, extension_type, find};
use crate::framing::{Content, FramedContent, MlsMessage, Sender, WireFormat, protect_public, public_message_bound};
use crate::group_context::GroupContext;
use crate::key_package::{LeafTemplate, fresh_hpke_key};
use crate::key_schedule::{external_init_sender, external_key_pair};
use crate::memory::{LeafBytes, Memory};
use crate::proposal::Proposal;
use crate::transcript;
use crate::tree::{LeafNode, LeafNodeSource, Lifetime, Now, TreeRead, sign_leaf_node};
use crate::treekem::{UpdatePath, create_path, encrypt_path, scratch_len, update_path_len};
use crate::welcome::GroupInfo;

pub use crate::key_package::KeyPackageKeys;

/// What a client needs to join a group by external commit.
#[derive(Debug, Clone, Copy)]
pub struct ExternalJoin<'a> {
    /// The group's GroupInfo (an `MLSMessage` or a bare GroupInfo) with an
    /// `external_pub` extension.
    pub group_info: &'a [u8],
    /// The tree, when the GroupInfo does not carry it.
    pub ratchet_tree: Option<&'a [u8]>,
    /// What the joiner's LeafNode holds.
    pub template: LeafTemplate<'a>,
    /// The joiner's signature private key.
    pub signature_key: &'a [u8],
    /// The joiner's old leaf to remove, to rejoin after losing state.
    pub resync: Option<u32>,
    /// `authenticated_data` of the commit.
    pub authenticated_data: &'a [u8],
}

impl<S, M: Memory, const K: usize, const P: usize, A: CredentialValidator> Group<S, M, K, P, A>
where
    S: CipherSuite,
{
    /// Writes `MLSMessage(GroupInfo)` of the current epoch into `out`,
    /// signed, with the `external_pub` extension (so others can join by
    /// external commit) and, if `with_tree`, the `ratchet_tree` extension.
    pub fn group_info(&mut self, with_tree: bool, out: &mut [u8]) -> Result<usize> {
        self.active()?;
        let tree_hash = self.tree.tree_hash(&self.suite);
        let (_, external_pub) = external_key_pair(&self.suite, self.secrets.external_secret.as_slice())?;
        let ext_pub = ExternalPub {
            external_pub: &external_pub,
        };
        let parts = WelcomeParts {
            context: GroupContext {
                cipher_suite: S::ID,
                group_id: &self.group_id,
                epoch: self.epoch,
                tree_hash: &tree_hash,
                confirmed_transcript_hash: &self.confirmed_transcript_hash,
                extensions: super::extensions_of(&self.extensions),
            },
            tree: with_tree.then_some(&self.tree),
            confirmation_tag: &self.confirmation_tag,
            signer: self.own,
            signature_key: self.signature_key.as_slice(),
            joiner_secret: &[],
            psk_secret: &[],
            psks: &[],
        };
        // The GroupInfo after the 4-byte MLSMessage header; its need (exact
        // for EdDSA, an upper bound for ECDSA) is the need of the whole.
        let n = write_group_info(
            &self.suite,
            &parts,
            Some(&ext_pub),
            out.get_mut(4..).unwrap_or_default(),
        )
        .map_err(|e| match e {
            Error::BufferTooSmall { needed } => Error::BufferTooSmall { needed: 4 + needed },
            e => e,
        })?;
        let mut w = Writer::new(out);
        w.u16(crate::MLS10);
        w.u16(4);
        w.finish()?;
        Ok(4 + n)
    }

    /// Joins a group by external commit (§12.4.3.2): checks the GroupInfo
    /// and its tree, adds this client at the leftmost free leaf with a
    /// fresh path, and writes the commit into `work`. The group is in the
    /// new epoch at once; the bytes are released once it is saved.
    pub fn join_external<'w, R: CryptoRng>(
        &mut self,
        join: &ExternalJoin<'_>,
        now: Now,
        rng: &mut R,
        work: &'w mut [u8],
    ) -> Result<Outgoing<&'w [u8]>> {
        let r = self.join_external_inner(join, now, rng, work);
        self.empty_on_error(r)
    }

    fn join_external_inner<'w, R: CryptoRng>(
        &mut self,
        join: &ExternalJoin<'_>,
        now: Now,
        rng: &mut R,
        work: &'w mut [u8],
    ) -> Result<Outgoing<&'w [u8]>> {
        let gi = match MlsMessage::decode_exact(join.group_info) {
            Ok(MlsMessage::GroupInfo(gi)) => gi,
            _ => GroupInfo::decode_exact(join.group_info)?,
        };
        self.import_group_info_tree(&gi, join.ratchet_tree, now)?;
        let gc = gi.group_context;
        // §8: the joiner enters the next epoch; a group at the last one has none.
        let epoch = gc.epoch.checked_add(1).ok_or(Error::EpochsExhausted)?;
        let check = leaf_check(gc.group_id, now, self.config.max_lifetime, &gc.extensions);
        let external_pub = find(&gi.extensions, extension_type::EXTERNAL_PUB)
            .map(ExternalPub::decode_exact)
            .transpose()?
            .ok_or(Error::Malformed {
                reason: "GroupInfo without external_pub",
            })?;
        let old_context = encode_context(&gc)?;
        let interim =
            transcript::interim_transcript_hash(&self.suite, gc.confirmed_transcript_hash, gi.confirmation_tag);

        // The proposals: ExternalInit, and the old leaf's Remove to resync.
        let (kem_output, init_secret) = external_init_sender(&self.suite, external_pub.external_pub, rng)?;
        let mut list = [ProposalOrRef::Reference(&[]); 2];
        list[0] = ProposalOrRef::Proposal(Proposal::ExternalInit {
            kem_output: &kem_output,
        });
        let n = match join.resync {
            Some(removed) => {
                list[1] = ProposalOrRef::Proposal(Proposal::Remove { removed });
                2
            }
            None => 1,
        };
        let proposals = List::from_slice(list.get(..n).unwrap_or_default());
        let listed = Commit { proposals, path: None };
        // Where the new LeafNodes are signed (they outlive the stage).
        let (mut first, mut leaf_store) = (M::LeafBytes::blank(), M::LeafBytes::blank());
        let none = super::ProposalStore::<crate::memory::Fixed<1, 0, 0>>::new();
        let sender = Sender::NewMemberCommit;
        let resolved = super::proposals::resolve(&listed, &none, sender);
        let mut applied = stage(
            &self.suite,
            &self.tree,
            resolved,
            sender,
            None,
            gc.epoch,
            &check,
            &self.validator,
        )?;

        // This client's leaf, then its path.
        // A placeholder leaf marks the joiner's place; its path replaces it.
        let (_, enc_pk) = fresh_hpke_key(&self.suite, rng)?;
        let sig_pk = self.suite.signature_public_key(join.signature_key)?;
        let placeholder = LeafNode {
            encryption_key: &enc_pk,
            signature_key: &sig_pk,
            credential: join.template.credential,
            capabilities: join.template.capabilities,
            source: LeafNodeSource::KeyPackage(Lifetime {
                not_before: 0,
                not_after: u64::MAX,
            }),
            extensions: join.template.extensions,
            signature: &[],
            signed_bytes: &[],
            raw: &[],
        };
        let room = super::leaf_room(crate::codec::Encode::encoded_len(&placeholder));
        let first_buf = first.room(room);
        let first_len = sign_leaf_node(&self.suite, &placeholder, join.signature_key, gc.group_id, 0, first_buf)
            .map_err(|e| match e {
                Error::BufferTooSmall { .. } => Error::CapacityExceeded { what: "leaf node size" },
                e => e,
            })?;
        let first = first_buf.get(..first_len).ok_or(Error::Truncated)?;
        let own = applied.stage.add_leaf(&self.tree, first)?;
        let template = LeafNode::decode_exact(first)?;
        let leaf_buf = leaf_store.room(room);
        let sk = join.signature_key;
        let created = create_path(
            &self.suite,
            &self.tree,
            &mut applied.stage,
            own,
            &template,
            sk,
            gc.group_id,
            rng,
            leaf_buf,
        )?;
        let view = applied.stage.view(&self.tree);
        let tree_hash = view.hash_of(&self.suite, view.root());
        let n_leaves = view.width();
        let new_context = GroupContext {
            epoch,
            tree_hash: &tree_hash,
            ..gc
        };
        // `work` = UpdatePath | commit message, both sized before signing.
        let path_len = update_path_len::<S>(&view, &created, &[]);
        let sizing = FramedContent {
            group_id: gc.group_id,
            epoch: gc.epoch,
            sender,
            authenticated_data: join.authenticated_data,
            content: Content::Commit(listed),
        };
        // The message carries the path too: its body grows by `path_len`.
        // The leaf is signed afresh on every call and an ECDSA signature's
        // length varies: a retry's leaf may be longer, in both places.
        let leaf_slack = super::commit::leaf_slack::<S>(&view, own)?;
        let needed = 2 * (path_len + leaf_slack) + public_message_bound(&sizing);
        if work.len() < needed {
            return Err(Error::BufferTooSmall { needed });
        }
        let (path_area, work) = work.split_at_mut(path_len);
        let new_gc = encode_context(&new_context)?;
        let mut scratch = [0u8; scratch_len(super::MAX_GROUP_CONTEXT_LEN)];
        encrypt_path(
            &self.suite,
            &view,
            &created,
            &new_gc,
            &[],
            &mut scratch,
            rng,
            self.parallel.get(),
            path_area,
        )?;
        let path = UpdatePath::decode_exact(path_area)?;

        // Sign, and compute the new epoch from the signature.
        let framed = FramedContent {
            content: Content::Commit(Commit {
                proposals,
                path: Some(path),
            }),
            ..sizing
        };
        let zero = Secret::zero(S::HASH_LEN)?;
        let mut next: Option<NextEpoch> = None;
        let confirm = |signature: &Signature| -> Result<HashOutput> {
            let e = next_epoch(
                &self.suite,
                &interim,
                WireFormat::PublicMessage,
                &framed,
                signature,
                new_context,
                init_secret.as_slice(),
                created.commit_secret.as_slice(),
                zero.as_slice(),
            )?;
            let tag = e.tag;
            next = Some(e);
            Ok(tag)
        };
        let (len, _) = protect_public(&self.suite, &framed, sk, &old_context, None, confirm, work)?;
        let next = next.ok_or(Error::Malformed {
            reason: "commit signed without a confirmation tag",
        })?;

        // The joiner is in the new epoch.
        let NextEpoch {
            confirmed,
            interim,
            tag,
            secrets,
            ..
        } = next;
        let first = FirstEpoch {
            group_id: gc.group_id,
            epoch,
            extensions: &gc.extensions,
            confirmed_transcript_hash: confirmed,
            interim_transcript_hash: interim,
            confirmation_tag: tag,
            own,
            keys: created.keys,
            signature_key: join.signature_key,
            secrets,
            n_leaves,
        };
        let installed = self.install(first, |tree| applied.stage.apply(tree));
        drop(applied);
        installed?;
        self.outgoing(work, len)
    }
}
