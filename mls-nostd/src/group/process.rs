//! Processing a received message (RFC 9420 §6, §12.1, §12.4.2): check who
//! sent it and that it is intact, then deliver application data, keep a
//! proposal, or move to the epoch a commit starts. Nothing changes unless
//! the message is accepted whole.

use super::epoch::{NextEpoch, next_epoch};
use super::proposals::{MAX_REINIT_LEN, ProposalStore, check_proposal, proposal_ref, resolve, stage};
use super::{Group, PendingCommit, PskStore, Status, encode_context, encode_extensions, extensions_of, leaf_check};
use crate::codec::{Decode, Encode, List};
use crate::commit::{Commit, ProposalOrRef};
use crate::credential::CredentialUse;
use crate::credential::CredentialValidator;
use crate::crypto::{CipherSuite, Secret, ct_eq};
use crate::error::{Error, Result};
use crate::extension::{self, ExternalSender};
use crate::framing::{
    AuthenticatedContent, Content, ContentType, KeyUse, MlsMessage, PrivateMessage, Sender, WireFormat, verify_content,
};
use crate::key_schedule::{external_init_receiver, external_key_pair};
use crate::memory::Memory;
use crate::proposal::Proposal;
use crate::secret_tree::{ContentKind, SecretTreeConfig};
use crate::tree::{Now, TreeRead, check_credential, check_successor};
use crate::treekem::{PathKeys, check_path, decrypt_path, merge_path, scratch_len};

/// What processing a message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// Application data from member `sender`, sent in `epoch`.
    Application {
        /// Sender's leaf index.
        sender: u32,
        /// Epoch it was sent in (the current one or a kept past one).
        epoch: u64,
        /// The data.
        data: &'a [u8],
        /// The unencrypted `authenticated_data`.
        authenticated_data: &'a [u8],
    },
    /// A valid proposal, kept for a commit to cover by reference.
    Proposal {
        /// Who proposed it.
        sender: Sender,
    },
    /// A commit was applied: the group is in `epoch` now. `own` when it
    /// was this member's own commit, echoed back.
    Commit {
        /// Who committed.
        sender: Sender,
        /// The new epoch.
        epoch: u64,
        /// This member sent it.
        own: bool,
    },
    /// A commit removed this member: the group is over for it.
    Removed {
        /// Who committed.
        sender: Sender,
    },
}

/// The signature key of external sender `index` (§12.1.8.1).
fn external_sender_key<'e>(extensions: &crate::extension::Extensions<'e>, index: u32) -> Result<&'e [u8]> {
    let data = extension::find(extensions, extension::extension_type::EXTERNAL_SENDERS).ok_or(Error::Malformed {
        reason: "no external_senders extension",
    })?;
    let senders = List::<ExternalSender>::decode_exact(data)?;
    senders
        .get(index as usize)
        .map(|s| s.signature_key)
        .ok_or(Error::Malformed {
            reason: "unknown external sender",
        })
}

impl<S, M: Memory, const K: usize, const P: usize, A: CredentialValidator> Group<S, M, K, P, A>
where
    S: CipherSuite,
{
    /// Processes one received `MLSMessage`. `buf` holds decrypted content
    /// and must be at least as long as `message`. On error nothing changed.
    ///
    /// # Example
    ///
    /// Bob receives what Alice sent, in order: a commit that refreshes her keys,
    /// then an application message in the new epoch. He saves after each, so
    /// that a reset cannot make him accept a message twice.
    ///
    /// ```
    /// # use chacha20::ChaCha20Rng;
    /// # use mls_nostd::codec::List;
    /// # use mls_nostd::credential::{Credential, credential_type};
    /// # use mls_nostd::crypto::{CipherSuite, Curve25519Aes128, SignaturePrivateKey};
    /// # use mls_nostd::group::{CommitOptions, Event, FixedGroup, Group, GroupConfig};
    /// # use mls_nostd::key_package::{self, KeyPackage, KeyPackageKeys, LeafTemplate};
    /// # use mls_nostd::proposal::Proposal;
    /// # use mls_nostd::tree::{Capabilities, Lifetime, Now};
    /// # use mls_nostd::Error;
    /// # use rand_core::SeedableRng;
    /// # const SUITE: Curve25519Aes128 = Curve25519Aes128;
    /// # type MyGroup = FixedGroup<Curve25519Aes128, 8, 512>;
    /// # // A client: its signature key, a KeyPackage and the KeyPackage's private keys.
    /// # fn client(name: &'static [u8], rng: &mut ChaCha20Rng) -> (SignaturePrivateKey, Vec<u8>, KeyPackageKeys) {
    /// #     let (sk, _) = SUITE.signature_key_pair(rng);
    /// #     let capabilities = Capabilities {
    /// #         versions: List::from_slice(&[mls_nostd::MLS10]),
    /// #         cipher_suites: List::from_slice(&[Curve25519Aes128::ID]),
    /// #         extensions: List::empty(),
    /// #         proposals: List::empty(),
    /// #         credentials: List::from_slice(&[credential_type::BASIC]),
    /// #     };
    /// #     let credential = Credential::Basic { identity: name };
    /// #     let template = LeafTemplate { credential, capabilities, extensions: List::empty() };
    /// #     let lifetime = Lifetime { not_before: 0, not_after: u64::MAX };
    /// #     let mut kp = vec![0u8; 1024];
    /// #     let (len, keys) = key_package::generate(&SUITE, rng, sk.as_slice(), &template, lifetime, List::empty(), &mut kp)
    /// #         .unwrap();
    /// #     kp.truncate(len);
    /// #     (sk, kp, keys)
    /// # }
    /// # let mut rng = ChaCha20Rng::from_seed([7; 32]);
    /// # let now = Now::UnixSeconds(1_767_225_600);
    /// # let (alice_sk, alice_kp, alice_keys) = client(b"alice", &mut rng);
    /// # let mut alice = Box::new(MyGroup::new(SUITE, GroupConfig::new()));
    /// # alice.create_from_key_package(b"group", &alice_kp, &alice_keys, alice_sk.as_slice(), List::empty(), &mut rng)?;
    /// # let (bob_sk, bob_kp, bob_keys) = client(b"bob", &mut rng);
    /// # let add = [Proposal::Add { key_package: KeyPackage::decode_message(&bob_kp)? }];
    /// # let options = CommitOptions { proposals: &add, ratchet_tree_in_welcome: true, ..CommitOptions::default() };
    /// # let mut work = vec![0u8; 8192];
    /// # let out = alice.commit(&options, &(), now, &mut rng, &mut work)?.release_unsaved();
    /// # let mut buf = vec![0u8; out.commit.len()];
    /// # alice.process(out.commit, &(), now, &mut buf)?;
    /// # let welcome = out.welcome.unwrap();
    /// # let mut scratch = vec![0u8; 2 * welcome.len()];
    /// # let mut bob = Box::new(MyGroup::new(SUITE, GroupConfig::new()));
    /// # bob.join(welcome, &bob_kp, &bob_keys, bob_sk.as_slice(), None, &(), now, &mut scratch)?;
    /// # let refresh = CommitOptions::default();
    /// # let mut work = vec![0u8; 8192];
    /// # let commit = alice.commit(&refresh, &(), now, &mut rng, &mut work)?.release_unsaved().commit.to_vec();
    /// # let mut buf = vec![0u8; commit.len()];
    /// # alice.process(&commit, &(), now, &mut buf)?;
    /// # let mut out = vec![0u8; 1024];
    /// # let message = alice.send(b"hello", b"", &mut rng, &mut out)?.release_unsaved().to_vec();
    /// # let mut flash = Vec::new();
    /// for received in [&commit, &message] {
    ///     // Decrypted content goes in `buf`, as long as the message.
    ///     let mut buf = vec![0u8; received.len()];
    ///     match bob.process(received, &(), now, &mut buf)? {
    ///         Event::Application { sender, epoch, data, authenticated_data: _ } => {
    ///             assert_eq!((sender, epoch, data), (0, 2, &b"hello"[..]));
    ///         }
    ///         Event::Proposal { sender: _ } => { /* kept for the next commit */ }
    ///         Event::Commit { sender: _, epoch, own: _ } => assert_eq!(epoch, 2),
    ///         Event::Removed { sender: _ } => { /* the group is over for Bob */ }
    ///     }
    ///     flash.resize(bob.saved_len(), 0);
    ///     bob.save(&mut flash)?;
    /// }
    /// # Ok::<(), Error>(())
    /// ```
    pub fn process<'a>(
        &mut self,
        message: &'a [u8],
        psks: &(impl PskStore + ?Sized),
        now: Now,
        buf: &'a mut [u8],
    ) -> Result<Event<'a>> {
        self.active()?;
        match MlsMessage::decode_exact(message)? {
            MlsMessage::PublicMessage(pm) => {
                if pm.content.group_id != self.group_id.as_slice() {
                    return Err(Error::WrongGroup);
                }
                if pm.content.epoch != self.epoch {
                    return Err(Error::WrongEpoch {
                        epoch: pm.content.epoch,
                    });
                }
                let gc = self.context_bytes()?;
                let exts = self.extensions();
                let (key, membership) = match (pm.content.sender, &pm.content.content) {
                    (Sender::Member(l), c) if l == self.own && !matches!(c, Content::Commit(_)) => {
                        return Err(Error::OwnMessage);
                    }
                    (Sender::Member(l), _) => (self.member_key(l)?, Some(self.secrets.membership_key.as_slice())),
                    (Sender::External(i), Content::Proposal(p)) => {
                        use crate::proposal::proposal_type::*;
                        if !matches!(
                            p.proposal_type(),
                            ADD | REMOVE | PSK | REINIT | GROUP_CONTEXT_EXTENSIONS
                        ) {
                            return Err(Error::Malformed {
                                reason: "proposal type not allowed from an external sender",
                            });
                        }
                        (external_sender_key(&exts, i)?, None)
                    }
                    (Sender::NewMemberProposal, Content::Proposal(Proposal::Add { key_package })) => {
                        (key_package.leaf_node.signature_key, None)
                    }
                    (Sender::NewMemberCommit, Content::Commit(Commit { path: Some(path), .. })) => {
                        (path.leaf_node.signature_key, None)
                    }
                    _ => return Err(Error::WrongWireFormat),
                };
                let ac = pm.authenticate(&self.suite, key, membership, &gc)?;
                self.handle(ac, None, psks, now)
            }
            MlsMessage::PrivateMessage(pm) => self.process_private(pm, psks, now, buf),
            _ => Err(Error::WrongWireFormat),
        }
    }

    fn process_private<'a>(
        &mut self,
        pm: PrivateMessage<'a>,
        psks: &(impl PskStore + ?Sized),
        now: Now,
        buf: &'a mut [u8],
    ) -> Result<Event<'a>> {
        if pm.group_id != self.group_id.as_slice() {
            return Err(Error::WrongGroup);
        }
        if pm.epoch != self.epoch {
            return self.process_past(pm, buf);
        }
        let sds = self.secrets.sender_data_secret.clone();
        let sd = pm.sender_data(&self.suite, sds.as_slice())?;
        if sd.leaf_index == self.own && pm.content_type != ContentType::Commit {
            return Err(Error::OwnMessage);
        }
        // This member's own commit, echoed: read it with the key it kept.
        let d = match self.pending.as_ref().and_then(PendingCommit::key) {
            Some(key) if sd.leaf_index == self.own => pm.open_with(&self.suite, &sd, key, buf)?,
            _ => pm.decrypt(&self.suite, sds.as_slice(), &self.secret_tree, buf)?,
        };
        let leaf = d.key_use.leaf;
        let gc = self.context_bytes()?;
        let ac = d.content;
        verify_content(
            &self.suite,
            self.member_key(leaf)?,
            WireFormat::PrivateMessage,
            &ac.content,
            d.body_bytes,
            &gc,
            ac.auth.signature,
        )?;
        let key_use = (leaf != self.own).then_some(d.key_use);
        self.handle(ac, key_use, psks, now)
    }

    /// An application message of a kept past epoch. Its sender must still
    /// hold the same leaf, whose signature key then verifies it.
    fn process_past<'a>(&mut self, pm: PrivateMessage<'a>, buf: &'a mut [u8]) -> Result<Event<'a>> {
        let slot = self
            .past
            .iter()
            .position(|p| p.epoch == Some(pm.epoch))
            .ok_or(Error::WrongEpoch { epoch: pm.epoch })?;
        let past = self.past.get(slot).ok_or(Error::WrongEpoch { epoch: pm.epoch })?;
        if pm.content_type != ContentType::Application {
            return Err(Error::WrongEpoch { epoch: pm.epoch });
        }
        let sd = pm.sender_data(&self.suite, past.sender_data_secret.as_slice())?;
        if sd.leaf_index == self.own {
            return Err(Error::OwnMessage);
        }
        let kind = ContentKind::Application;
        let key = past
            .secret_tree
            .receive_key(&self.suite, sd.leaf_index, kind, sd.generation)?;
        let d = pm.open_with(&self.suite, &sd, &key, buf)?;
        let Content::Application(data) = d.content.content.content else {
            return Err(Error::WrongEpoch { epoch: pm.epoch });
        };
        let leaf = d.key_use.leaf;
        let ac = d.content;
        let key = self.member_key(leaf)?;
        verify_content(
            &self.suite,
            key,
            WireFormat::PrivateMessage,
            &ac.content,
            d.body_bytes,
            &past.context,
            ac.auth.signature,
        )?;
        let k = d.key_use;
        if let Some(p) = self.past.get_mut(slot) {
            p.secret_tree.consume(&self.suite, k.leaf, k.kind, k.generation)?;
        }
        self.bump();
        Ok(Event::Application {
            sender: leaf,
            epoch: pm.epoch,
            data,
            authenticated_data: ac.content.authenticated_data,
        })
    }

    /// Acts on authenticated content of the current epoch; `key_use` is the
    /// secret-tree key to consume once it is accepted.
    fn handle<'a>(
        &mut self,
        ac: AuthenticatedContent<'a>,
        key_use: Option<KeyUse>,
        psks: &(impl PskStore + ?Sized),
        now: Now,
    ) -> Result<Event<'a>> {
        match ac.content.content {
            Content::Application(data) => {
                let (Sender::Member(sender), WireFormat::PrivateMessage) = (ac.content.sender, ac.wire_format) else {
                    return Err(Error::WrongWireFormat);
                };
                self.consume(key_use)?;
                self.bump();
                Ok(Event::Application {
                    sender,
                    epoch: self.epoch,
                    data,
                    authenticated_data: ac.content.authenticated_data,
                })
            }
            Content::Proposal(p) => {
                let exts = extensions_of(&self.extensions);
                let check = leaf_check(&self.group_id, now, self.config.max_lifetime, &exts);
                check_proposal(&self.suite, &self.tree, &p, ac.content.sender, &check, &self.validator)?;
                let reference = proposal_ref(&self.suite, &ac);
                if self.proposals.find(&reference).is_none() {
                    self.proposals.push(&reference, ac.content.sender, &p)?;
                }
                self.consume(key_use)?;
                self.bump();
                Ok(Event::Proposal {
                    sender: ac.content.sender,
                })
            }
            Content::Commit(commit) => self.process_commit(&ac, &commit, key_use, psks, now),
        }
    }

    fn consume(&mut self, key_use: Option<KeyUse>) -> Result<()> {
        match key_use {
            Some(k) => self.secret_tree.consume(&self.suite, k.leaf, k.kind, k.generation),
            None => Ok(()),
        }
    }

    /// Processes a commit (§12.4.2): stage its proposals and path, compute
    /// the new epoch, check the confirmation tag, and only then apply.
    fn process_commit<'a>(
        &mut self,
        ac: &AuthenticatedContent<'a>,
        commit: &Commit<'a>,
        key_use: Option<KeyUse>,
        psks: &(impl PskStore + ?Sized),
        now: Now,
    ) -> Result<Event<'a>> {
        let sender = ac.content.sender;
        let own = sender == Sender::Member(self.own);
        let tag = ac.auth.confirmation_tag.ok_or(Error::Malformed {
            reason: "commit without confirmation tag",
        })?;
        if own && !self.pending.as_ref().is_some_and(|p| ct_eq(&p.confirmation_tag, tag)) {
            return Err(Error::Malformed {
                reason: "own commit that is not the pending one",
            });
        }
        let by_reference = commit
            .proposals
            .iter()
            .any(|p| matches!(p, ProposalOrRef::Reference(_)));
        if sender == Sender::NewMemberCommit && by_reference {
            return Err(Error::Malformed {
                reason: "external commit with a proposal by reference",
            });
        }
        if !matches!(sender, Sender::Member(_) | Sender::NewMemberCommit) {
            return Err(Error::WrongWireFormat);
        }
        let old_context = self.context_bytes()?;

        // From here until the stage is applied only fields are borrowed, so
        // that applying is possible while the stage borrows the proposals.
        let exts = extensions_of(&self.extensions);
        let check = leaf_check(&self.group_id, now, self.config.max_lifetime, &exts);
        let resolved = resolve(commit, &self.proposals, sender);
        let mut applied = stage(
            &self.suite,
            &self.tree,
            resolved,
            sender,
            Some(self.own),
            self.epoch,
            &check,
            &self.validator,
        )?;
        if applied.path_required && commit.path.is_none() {
            return Err(Error::Malformed {
                reason: "commit without the path its proposals require",
            });
        }
        // The committer's leaf: its own, or for an external commit the
        // leftmost free one (§12.4.3.2).
        let committer = match sender {
            Sender::Member(l) => l,
            _ => {
                let path = commit.path.as_ref().ok_or(Error::Malformed {
                    reason: "external commit without path",
                })?;
                // A resync removes the joiner's old leaf: the new leaf must
                // carry the same credential (§12.4.3.2 leaves "acceptable
                // identifiers" to the application; equality is this
                // library's rule).
                for p in commit.proposals.iter() {
                    if let ProposalOrRef::Proposal(Proposal::Remove { removed }) = p {
                        let old = self.tree.leaf(removed).ok_or(Error::LeafOutOfRange { leaf: removed })?;
                        if old.credential != path.leaf_node.credential {
                            return Err(Error::InvalidLeafNode {
                                reason: "external commit removes a member with another credential",
                            });
                        }
                    }
                }
                applied.stage.add_leaf(&self.tree, path.leaf_node.raw)?
            }
        };
        let new_exts = match &applied.extensions {
            Some(e) => encode_extensions(e)?,
            None => self.extensions.clone(),
        };
        let new_exts_list = List::decode_exact(&new_exts)?;
        let check = leaf_check(&self.group_id, now, self.config.max_lifetime, &new_exts_list);

        // The path: check, stage, and get the commit secret and new keys.
        let mut keys = self.keys.clone();
        if applied.updates_me {
            keys.set_leaf_key(self.pending_update.as_slice())?;
        }
        keys.forget_blank(&applied.stage.view(&self.tree));
        let mut commit_secret = Secret::zero(S::HASH_LEN)?;
        if let Some(path) = &commit.path {
            if let (Sender::Member(_), Some(old)) = (sender, self.tree.leaf(committer))
                && old.encryption_key == path.leaf_node.encryption_key
            {
                return Err(Error::InvalidLeafNode {
                    reason: "commit keeps the committer's encryption key",
                });
            }
            let view = applied.stage.view(&self.tree);
            let checked = check_path(&self.suite, &view, committer, path, &check)?;
            check_credential(&self.validator, &path.leaf_node, CredentialUse::Update)?;
            if let Some(old) = view.leaf(committer) {
                check_successor(&self.validator, &old, &path.leaf_node)?;
            }
            merge_path(&mut applied.stage, &self.tree, path, &checked)?;
        }
        // The staged tree is final from here: hash it once, for the path
        // secrets' context and for the new epoch.
        let view = applied.stage.view(&self.tree);
        let tree_hash = view.hash_of(&self.suite, view.root());
        let n_leaves = view.width();
        let gc = self.next_context(&tree_hash, new_exts_list)?;
        if let Some(path) = &commit.path {
            if own {
                let pending = self.pending.as_ref().ok_or(Error::Malformed {
                    reason: "no pending commit",
                })?;
                commit_secret = pending.commit_secret.clone();
                keys = pending.keys.clone();
            } else if !applied.removes_me {
                let gc_bytes = encode_context(&gc)?;
                let mut scratch = [0u8; scratch_len(super::MAX_GROUP_CONTEXT_LEN)];
                let added = applied.added();
                let d = decrypt_path(
                    &self.suite,
                    &view,
                    &keys,
                    committer,
                    path,
                    &gc_bytes,
                    added,
                    &mut scratch,
                )?;
                commit_secret = d.commit_secret;
                keys = d.keys;
            }
        }
        if applied.removes_me {
            // Removed: the commit's secrets are not ours to check (§12.4.2).
            if let Some(k) = key_use {
                self.secret_tree.consume(&self.suite, k.leaf, k.kind, k.generation)?;
            }
            drop(applied);
            return Ok(self.removed(sender));
        }

        // The new epoch.
        let psk = self.commit_psk_secret(applied.psks.get(..applied.psk_len).unwrap_or_default(), psks)?;
        let init = match applied.external_init {
            Some(kem_output) => {
                let (external_priv, _) = external_key_pair(&self.suite, self.secrets.external_secret.as_slice())?;
                external_init_receiver(&self.suite, external_priv.as_slice(), kem_output)?
            }
            None => self.secrets.init_secret.clone(),
        };
        let (wf, sig) = (ac.wire_format, ac.auth.signature);
        let next = next_epoch(
            &self.suite,
            &self.interim_transcript_hash,
            wf,
            &ac.content,
            sig,
            gc,
            init.as_slice(),
            commit_secret.as_slice(),
            psk.as_slice(),
        )?;
        if !ct_eq(&next.tag, tag) {
            return Err(Error::InvalidMac);
        }
        // Growing the tree's storage changes nothing it holds.
        self.tree.reserve(n_leaves)?;
        // A ReInit is kept (in the otherwise unused proposal store) so that
        // the Welcome of the new group can be checked against it (§11.2).
        let mut reinit = crate::codec::Buf::<MAX_REINIT_LEN>::new();
        if let Some(r) = &applied.reinit {
            let p = Proposal::ReInit(*r);
            if !ProposalStore::<M>::holds(ProposalStore::<M>::entry_len(0, sender, &p)) {
                return Err(Error::CapacityExceeded { what: "proposal store" });
            }
            let n = p
                .encode_to(reinit.space())
                .map_err(|_| Error::CapacityExceeded { what: "ReInit" })?;
            reinit.set_len(n)?;
        }

        // Accepted: apply. Nothing below fails on input.
        if let Some(k) = key_use {
            self.secret_tree.consume(&self.suite, k.leaf, k.kind, k.generation)?;
        }
        applied.stage.apply(&mut self.tree)?;
        drop(applied);
        self.retire_epoch(old_context);
        self.enter_epoch(next, new_exts, keys, n_leaves)?;
        self.status = Status::Active;
        if !reinit.is_empty() {
            self.status = Status::ReInit;
            self.proposals.push(&[], sender, &Proposal::decode_exact(&reinit)?)?;
        }
        self.bump();
        Ok(Event::Commit {
            sender,
            epoch: self.epoch,
            own,
        })
    }

    /// A commit removed this member: the group is over.
    fn removed<'a>(&mut self, sender: Sender) -> Event<'a> {
        self.status = Status::Removed;
        self.pending = None;
        self.proposals.clear();
        self.bump();
        Event::Removed { sender }
    }

    /// Keeps the current epoch's read keys, and `context`, its encoded
    /// GroupContext, in the past-epoch ring.
    fn retire_epoch(&mut self, context: crate::codec::Buf<{ super::MAX_GROUP_CONTEXT_LEN }>) {
        let oldest = (0..P).min_by_key(|&i| {
            self.past
                .get(i)
                .and_then(|p| p.epoch)
                .map_or(0, |e| e.saturating_add(1))
        });
        if let Some(past) = oldest.and_then(|slot| self.past.get_mut(slot)) {
            past.epoch = Some(self.epoch);
            past.sender_data_secret = self.secrets.sender_data_secret.clone();
            past.resumption_psk = self.secrets.resumption_psk.clone();
            past.context = context;
            core::mem::swap(&mut past.secret_tree, &mut self.secret_tree);
        }
    }

    /// Makes `next` the current epoch.
    fn enter_epoch(
        &mut self,
        next: NextEpoch,
        extensions: crate::codec::Buf<{ super::MAX_EXTENSIONS_LEN }>,
        keys: PathKeys,
        n_leaves: u32,
    ) -> Result<()> {
        let NextEpoch {
            confirmed,
            interim,
            tag,
            mut secrets,
            ..
        } = next;
        let epoch = self.epoch.checked_add(1).ok_or(Error::EpochsExhausted)?;
        let config: SecretTreeConfig = self.config.secret_tree;
        self.secret_tree
            .reset(&self.suite, secrets.encryption_secret.as_slice(), n_leaves, config)?;
        secrets.encryption_secret = Secret::empty();
        self.epoch = epoch;
        self.extensions = extensions;
        self.confirmed_transcript_hash = confirmed;
        self.interim_transcript_hash = interim;
        self.confirmation_tag = tag;
        self.secrets = secrets;
        self.keys = keys;
        self.keys.forget_blank(&self.tree);
        self.proposals.clear();
        self.pending = None;
        self.pending_update = crate::crypto::HpkePrivateKey::empty();
        Ok(())
    }
}
