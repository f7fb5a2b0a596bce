//! Creating a commit (RFC 9420 §12.4.1, §12.4.2) and, when it adds
//! members, their Welcome (§12.4.3.1).
//!
//! A commit is staged exactly as a receiver stages it, and the group does
//! not change until the commit comes back from the Delivery Service: it is
//! then applied like any other commit, with the secrets kept here.

use super::epoch::{NextEpoch, next_epoch};
use super::persist::Outgoing;
use super::proposals::{MAX_PSKS, resolve, stage};
use super::proposals::{ProposalStore, StoredProposal};
use super::welcome::{NewMember, WelcomeParts, welcome_bound, write_welcome};
use super::{
    Group, HandshakeFormat, PendingCommit, PskStore, encode_context, encode_extensions, extensions_of, leaf_check,
};
use crate::codec::{Decode, List};
use crate::commit::{Commit, ProposalOrRef};
use crate::credential::CredentialValidator;
use crate::crypto::{CipherSuite, CryptoRng, HashOutput, Secret, Signature};
use crate::error::{Error, Result};
use crate::framing::{Content, FramedContent, PrivateKeys, Sender, WireFormat};
use crate::framing::{private_message_bound, protect_private_with, protect_public, public_message_bound};
use crate::group_context::GroupContext;
use crate::memory::{LeafBytes, Memory, Slots};
use crate::proposal::Proposal;
use crate::secret_tree::ContentKind;
use crate::tree::{Now, TreeRead};
use crate::treekem::{CreatedPath, UpdatePath, create_path, encrypt_path, scratch_len, update_path_len};

/// Largest number of proposals this member puts in one commit, in fixed
/// memory ([`crate::memory::Fixed`]); growable memory has no such bound.
pub const MAX_COMMIT_PROPOSALS: usize = 32;

/// What a commit covers and how it is sent.
#[derive(Debug, Clone, Copy)]
pub struct CommitOptions<'a> {
    /// New proposals from this member, carried by value.
    pub proposals: &'a [Proposal<'a>],
    /// Also cover the proposals received this epoch, by reference (§12.4:
    /// a committer SHOULD include them). Where two would touch one leaf
    /// (§12.2), the latest Update of a leaf is taken, an Update of a leaf
    /// being removed is left out, and one Remove per leaf is taken (one in
    /// `proposals` first).
    pub include_stored: bool,
    /// Send an UpdatePath even when no proposal requires one.
    pub force_path: bool,
    /// Put the ratchet tree in the Welcome's GroupInfo (§12.4.3.3); else
    /// new members get it out of band.
    pub ratchet_tree_in_welcome: bool,
    /// `authenticated_data` of the commit message.
    pub authenticated_data: &'a [u8],
}

impl Default for CommitOptions<'_> {
    fn default() -> Self {
        CommitOptions {
            proposals: &[],
            include_stored: true,
            force_path: true,
            ratchet_tree_in_welcome: true,
            authenticated_data: &[],
        }
    }
}

/// The messages a commit produces.
#[derive(Debug, Clone, Copy)]
pub struct CommitOutput<'w> {
    /// `MLSMessage` carrying the commit, for the group.
    pub commit: &'w [u8],
    /// `MLSMessage(Welcome)` for the members it adds, if any.
    pub welcome: Option<&'w [u8]>,
}

impl<S, M: Memory, const K: usize, const P: usize, A: CredentialValidator> Group<S, M, K, P, A>
where
    S: CipherSuite,
{
    /// Creates a commit (§12.4.1) and, if it adds members, their Welcome,
    /// into `work`. The group waits for the commit to come back through
    /// [`Group::process`], which then applies it; a second call replaces
    /// the pending commit. The bytes are released once the state is saved
    /// (see [`Outgoing`]).
    ///
    /// # Example
    ///
    /// Alice adds Bob from his KeyPackage. The commit goes to the group, the
    /// Welcome to Bob; Alice moves to the new epoch when the Delivery Service
    /// echoes her commit back. `work` is sized by asking with an empty buffer:
    /// [`Error::BufferTooSmall`] gives the whole need and changes nothing.
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
    /// let add = [Proposal::Add { key_package: KeyPackage::decode_message(&bob_kp)? }];
    /// let options = CommitOptions { proposals: &add, ..CommitOptions::default() };
    /// let needed = match alice.commit(&options, &(), now, &mut rng, &mut []) {
    ///     Err(Error::BufferTooSmall { needed }) => needed,
    ///     other => panic!("{other:?}"),
    /// };
    /// let mut work = vec![0u8; needed];
    /// let outgoing = alice.commit(&options, &(), now, &mut rng, &mut work)?;
    ///
    /// // Persist, then transmit.
    /// let mut flash = vec![0u8; alice.saved_len()];
    /// let saved = alice.save(&mut flash)?;
    /// let out = outgoing.release(&saved)?;
    /// let welcome = out.welcome.expect("the commit adds a member");
    /// // ... send `out.commit` to the group and `welcome` to Bob ...
    ///
    /// // The Delivery Service echoes the commit: Alice applies it.
    /// let mut buf = vec![0u8; out.commit.len()];
    /// let event = alice.process(out.commit, &(), now, &mut buf)?;
    /// assert!(matches!(event, Event::Commit { epoch: 1, own: true, .. }));
    /// assert_eq!(alice.members().count(), 2);
    /// # let _ = welcome;
    /// # Ok::<(), Error>(())
    /// ```
    pub fn commit<'w, R: CryptoRng>(
        &mut self,
        options: &CommitOptions<'_>,
        psks: &(impl PskStore + ?Sized),
        now: Now,
        rng: &mut R,
        work: &'w mut [u8],
    ) -> Result<Outgoing<CommitOutput<'w>>> {
        self.active()?;
        let old_context = self.context_bytes()?;
        let me = Sender::Member(self.own);
        // Where this member's new LeafNode is signed (it outlives the stage).
        let mut leaf_store = M::LeafBytes::blank();

        // The proposal list: stored proposals by reference, then new ones.
        let mut list = M::List::<ProposalOrRef<'_>>::new_with(ProposalOrRef::Reference(&[]));
        let mut n = 0;
        let stored = self
            .proposals
            .iter()
            .enumerate()
            .filter(|(i, p)| options.include_stored && chosen(&self.proposals, *i, p, options.proposals, self.own))
            .map(|(_, p)| p);
        let items = stored
            .map(|p| ProposalOrRef::Reference(p.reference))
            .chain(options.proposals.iter().map(|p| ProposalOrRef::Proposal(*p)));
        let too_many = Error::CapacityExceeded {
            what: "proposals in a commit",
        };
        for item in items {
            if !list.grow(n + 1, ProposalOrRef::Reference(&[])) {
                return Err(too_many);
            }
            *list.as_mut_slice().get_mut(n).ok_or(too_many)? = item;
            n += 1;
        }
        let proposals = List::from_slice(list.as_slice().get(..n).unwrap_or_default());
        let listed = Commit { proposals, path: None };

        let exts = extensions_of(&self.extensions);
        let check = leaf_check(&self.group_id, now, self.config.max_lifetime, &exts);
        let mut applied = stage(
            &self.suite,
            &self.tree,
            resolve(&listed, &self.proposals, me),
            me,
            Some(self.own),
            self.epoch,
            &check,
            &self.validator,
        )?;
        let new_exts = match &applied.extensions {
            Some(e) => encode_extensions(e)?,
            None => self.extensions.clone(),
        };
        let new_exts_list = List::decode_exact(&new_exts)?;

        // The path, staged, and its encryption.
        let with_path = applied.path_required || options.force_path;
        let template_bytes = self
            .tree
            .leaf_bytes(self.own)
            .ok_or(Error::LeafOutOfRange { leaf: self.own })?;
        let leaf_buf = leaf_store.room(super::leaf_room(template_bytes.len()));
        let template = crate::tree::LeafNode::decode_exact(template_bytes)?;
        let created = match with_path {
            true => Some(create_path(
                &self.suite,
                &self.tree,
                &mut applied.stage,
                self.own,
                &template,
                self.signature_key.as_slice(),
                &self.group_id,
                rng,
                leaf_buf,
            )?),
            false => None,
        };
        let view = applied.stage.view(&self.tree);
        let tree_hash = view.hash_of(&self.suite, view.root());
        let new_context = self.next_context(&tree_hash, new_exts_list)?;

        // Every size is known before anything is signed, so that a buffer
        // too small fails with the whole need and changes nothing:
        // `work` = UpdatePath | commit message | Welcome.
        let path_len = match &created {
            Some(c) => update_path_len::<S>(&view, c, applied.added()),
            None => 0,
        };
        // The new leaf is signed afresh on every call and an ECDSA
        // signature's length varies: a retry's leaf may be longer by this
        // much, in the path, the commit message and the Welcome's tree.
        let leaf_slack = match &created {
            Some(_) => leaf_slack::<S>(&view, self.own)?,
            None => 0,
        };
        let sizing = FramedContent {
            group_id: &self.group_id,
            epoch: self.epoch,
            sender: me,
            authenticated_data: options.authenticated_data,
            content: Content::Commit(listed),
        };
        // The path goes in the commit body: it grows by exactly its length.
        let msg_len = path_len
            + match self.config.handshake {
                HandshakeFormat::Public => public_message_bound(&sizing),
                HandshakeFormat::Private => private_message_bound(&sizing, 0),
            };
        let members = || {
            new_members(
                &listed,
                &self.proposals,
                me,
                applied.added(),
                created.as_ref(),
                self.own,
            )
        };
        // The Welcome's sizes, with placeholders for the secrets and tags
        // known only once the commit is signed.
        let placeholder = HashOutput::zero(S::HASH_LEN)?;
        let sizing_parts = WelcomeParts {
            context: GroupContext {
                confirmed_transcript_hash: &placeholder,
                ..new_context
            },
            tree: options.ratchet_tree_in_welcome.then_some(&view),
            confirmation_tag: &placeholder,
            signer: self.own,
            signature_key: self.signature_key.as_slice(),
            joiner_secret: &placeholder,
            psk_secret: &placeholder,
            psks: applied.psks.get(..applied.psk_len.min(MAX_PSKS)).unwrap_or_default(),
        };
        let welcome_len = match applied.added_len {
            0 => 0,
            _ => {
                let gi_slack = if options.ratchet_tree_in_welcome { leaf_slack } else { 0 };
                welcome_bound::<S, _>(&sizing_parts, members(), gi_slack)?
            }
        };
        let needed = path_len + msg_len + welcome_len + 2 * leaf_slack;
        if work.len() < needed {
            return Err(Error::BufferTooSmall { needed });
        }
        let (path_area, work) = work.split_at_mut(path_len);
        let (msg_area, welcome_area) = work.split_at_mut(msg_len);
        let path = match &created {
            Some(c) => {
                let gc = encode_context(&new_context)?;
                let mut scratch = [0u8; scratch_len(super::MAX_GROUP_CONTEXT_LEN)];
                encrypt_path(
                    &self.suite,
                    &view,
                    c,
                    &gc,
                    applied.added(),
                    &mut scratch,
                    rng,
                    self.parallel.get(),
                    path_area,
                )?;
                Some(UpdatePath::decode_exact(path_area)?)
            }
            None => None,
        };
        let commit_secret = match &created {
            Some(c) => c.commit_secret.clone(),
            None => Secret::zero(S::HASH_LEN)?,
        };

        // Sign, then compute the next epoch from the signature.
        let psk = self.commit_psk_secret(applied.psks.get(..applied.psk_len).unwrap_or_default(), psks)?;
        let framed = FramedContent {
            content: Content::Commit(Commit { proposals, path }),
            ..sizing
        };
        let wire_format = match self.config.handshake {
            HandshakeFormat::Public => WireFormat::PublicMessage,
            HandshakeFormat::Private => WireFormat::PrivateMessage,
        };
        let mut next: Option<NextEpoch> = None;
        let init = self.secrets.init_secret.clone();
        let interim = self.interim_transcript_hash;
        let confirm = |signature: &Signature| -> Result<HashOutput> {
            let e = next_epoch(
                &self.suite,
                &interim,
                wire_format,
                &framed,
                signature,
                new_context,
                init.as_slice(),
                commit_secret.as_slice(),
                psk.as_slice(),
            )?;
            let tag = e.tag;
            next = Some(e);
            Ok(tag)
        };
        // A private commit's generation is consumed only once the Welcome
        // is written too (its HPKE encryptions can still fail).
        let (len, key) = match self.config.handshake {
            HandshakeFormat::Public => {
                let membership = Some(self.secrets.membership_key.as_slice());
                let sk = self.signature_key.as_slice();
                let (n, _) = protect_public(&self.suite, &framed, sk, &old_context, membership, confirm, msg_area)?;
                (n, None)
            }
            HandshakeFormat::Private => {
                let key = self
                    .secret_tree
                    .peek_send_key(&self.suite, self.own, ContentKind::Handshake)?;
                let keys = PrivateKeys {
                    signature_key: self.signature_key.as_slice(),
                    group_context: &old_context,
                    sender_data_secret: self.secrets.sender_data_secret.as_slice(),
                    message_key: &key,
                };
                let (n, _) = protect_private_with(&self.suite, &framed, &keys, 0, confirm, rng, msg_area)?;
                (n, Some(key))
            }
        };
        let next = next.ok_or(Error::Malformed {
            reason: "commit signed without a confirmation tag",
        })?;
        let commit_bytes: &'w [u8] = msg_area.get(..len).ok_or(Error::Truncated)?;

        // The Welcome, if the commit adds members.
        let welcome = match applied.added_len {
            0 => None,
            _ => {
                let parts = WelcomeParts {
                    context: GroupContext {
                        confirmed_transcript_hash: &next.confirmed,
                        ..sizing_parts.context
                    },
                    confirmation_tag: &next.tag,
                    joiner_secret: next.joiner_secret.as_slice(),
                    psk_secret: psk.as_slice(),
                    ..sizing_parts
                };
                let n = write_welcome(&self.suite, &parts, members, rng, &mut *welcome_area)?;
                let welcome_area: &'w [u8] = welcome_area;
                welcome_area.get(..n)
            }
        };

        // Nothing failed: the group changes from here on.
        drop(applied);
        drop(list);
        if let Some(k) = &key {
            self.secret_tree
                .consume(&self.suite, self.own, ContentKind::Handshake, k.generation)?;
        }
        let keys = match created {
            Some(c) => c.keys,
            None => self.keys.clone(),
        };
        self.pending = Some(PendingCommit {
            confirmation_tag: next.tag,
            keys,
            commit_secret,
            key: key.unwrap_or(crate::secret_tree::MessageKey::EMPTY),
        });
        let version = self.bump();
        Ok(Outgoing::new(
            CommitOutput {
                commit: commit_bytes,
                welcome,
            },
            self.owner(),
            version,
        ))
    }
}

/// How much longer `leaf`'s encoding in `tree` may be when it is signed
/// again: the room a size measured on it must add to be an upper bound.
pub(super) fn leaf_slack<S: CipherSuite>(tree: &impl TreeRead, leaf: u32) -> Result<usize> {
    if S::SIGNATURE_FIXED_LEN {
        return Ok(0);
    }
    let bytes = tree.leaf_bytes(leaf).ok_or(Error::LeafOutOfRange { leaf })?;
    let signature = crate::tree::LeafNode::decode_exact(bytes)?.signature;
    Ok(crate::crypto::signature_slack::<S>(signature))
}

/// The members a commit adds, for their Welcome: each added KeyPackage
/// with the path secret of its lowest common ancestor with the committer.
fn new_members<'a, M: Memory>(
    listed: &Commit<'a>,
    store: &'a ProposalStore<M>,
    committer: Sender,
    added: &'a [u32],
    created: Option<&'a CreatedPath>,
    own: u32,
) -> impl Iterator<Item = Result<NewMember<'a>>> + 'a {
    let key_packages = resolve(listed, store, committer).filter_map(|p| match p {
        Ok((Proposal::Add { key_package }, _)) => Some(Ok(key_package)),
        Ok(_) => None,
        Err(e) => Some(Err(e)),
    });
    key_packages.zip(added).map(move |(kp, &leaf)| {
        let lca = crate::tree_math::common_ancestor(2 * leaf, 2 * own);
        Ok(NewMember {
            key_package: kp?,
            path_secret: created.and_then(|c| c.path_secret(lca)).map(Secret::as_slice),
        })
    })
}

/// Whether the stored proposal `p`, the `index`-th of `store`, goes in
/// this member's commit beside the `new` ones. A commit may not hold two
/// Updates or Removes of one leaf (§12.2), so: the latest Update of a leaf,
/// none for a leaf being removed, one Remove per leaf (a new one first).
fn chosen<M: Memory>(
    store: &ProposalStore<M>,
    index: usize,
    p: &StoredProposal<'_>,
    new: &[Proposal<'_>],
    own: u32,
) -> bool {
    let removes = |leaf: u32, q: &Proposal<'_>| matches!(q, Proposal::Remove { removed } if *removed == leaf);
    let stored_usable = || store.iter().filter(|q| usable(q.proposal, q.sender, own));
    if !usable(p.proposal, p.sender, own) {
        return false;
    }
    match (p.proposal, p.sender) {
        (Proposal::Update { .. }, Sender::Member(leaf)) => {
            let later_update = store
                .iter()
                .skip(index + 1)
                .any(|q| matches!(q.proposal, Proposal::Update { .. }) && q.sender == p.sender);
            let removed = new.iter().any(|q| removes(leaf, q)) || stored_usable().any(|q| removes(leaf, &q.proposal));
            !later_update && !removed
        }
        (Proposal::Remove { removed }, _) => {
            let earlier = store
                .iter()
                .take(index)
                .filter(|q| usable(q.proposal, q.sender, own))
                .any(|q| removes(removed, &q.proposal));
            !earlier && !new.iter().any(|q| removes(removed, q))
        }
        _ => true,
    }
}

/// Whether a stored proposal can go in this member's commit (§12.2: not
/// its own Update, not its own removal).
fn usable(p: Proposal<'_>, sender: Sender, own: u32) -> bool {
    match p {
        Proposal::Update { .. } => sender != Sender::Member(own),
        Proposal::Remove { removed } => removed != own,
        _ => true,
    }
}
