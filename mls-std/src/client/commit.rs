//! Commits: made and applied at once, or staged until the Delivery
//! Service answers (RFC 9420 §12.4).
//!
//! The core applies a member's own commit when it comes back through
//! `Group::process` (it keeps the commit's secrets until then). A commit
//! applied at once is fed back to the core right after it is made; a staged
//! one is fed back by [`Client::confirm_pending_commit`], or by
//! [`Client::receive`] when the Delivery Service echoes it.

use super::record::Staged;
use super::summary::{Changes, Roster};
use super::{Client, ClientError, ClientEvent, Entry, RatchetTreeDelivery, Result};
use crate::storage::Batch;
use mls_nostd::codec::Encode;
use mls_nostd::crypto::CipherSuite;
use mls_nostd::group::{CommitOptions, Event};
use mls_nostd::proposal::Proposal;
use zeroize::Zeroizing;

/// The messages of a commit, to hand to the Delivery Service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitMessages {
    /// `MLSMessage` carrying the commit, for the group.
    pub commit: Vec<u8>,
    /// `MLSMessage(Welcome)` for the members it adds, if any.
    pub welcome: Option<Vec<u8>>,
    /// The ratchet tree for those members, when it goes out of band
    /// ([`RatchetTreeDelivery::OutOfBand`]).
    pub ratchet_tree: Option<Vec<u8>>,
}

/// The messages of a commit that adds members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// `MLSMessage` carrying the commit, for the group.
    pub commit: Vec<u8>,
    /// `MLSMessage(Welcome)` for the new members.
    pub welcome: Vec<u8>,
    /// The ratchet tree for them, when it goes out of band.
    pub ratchet_tree: Option<Vec<u8>>,
}

/// A staged commit: sent to the Delivery Service, applied only once it is
/// accepted ([`Client::confirm_pending_commit`]) or dropped
/// ([`Client::discard_pending_commit`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCommit {
    /// `MLSMessage` carrying the commit.
    pub commit: Vec<u8>,
}

/// Room to try first for a commit: the core says the exact need if it is
/// more.
fn commit_room(tree_len: usize, proposals_len: usize) -> usize {
    2 * tree_len + 2 * proposals_len + 16 * 1024
}

impl<S: CipherSuite + Copy + Send + Sync + 'static> Client<S> {
    /// Makes a commit of `proposals` and the proposals received this epoch,
    /// with a path; returns it and the group's state once it is made, whose
    /// save released it.
    fn make_commit(
        &self,
        entry: &mut Entry<S>,
        proposals: &[Proposal<'_>],
        proposals_len: usize,
    ) -> Result<(Staged, Zeroizing<Vec<u8>>)> {
        let options = CommitOptions {
            proposals,
            ratchet_tree_in_welcome: self.ratchet_tree == RatchetTreeDelivery::InWelcome,
            ..CommitOptions::default()
        };
        let (now, mut rng) = (self.now(), self.rng());
        let group = &mut *entry.group;
        let mut work = vec![0u8; commit_room(group.tree().encoded_len(), proposals_len)];
        let out = match group.commit(&options, &(), now, &mut rng, &mut work) {
            Err(mls_nostd::Error::BufferTooSmall { needed }) => {
                work = vec![0u8; needed];
                group.commit(&options, &(), now, &mut rng, &mut work)?
            }
            r => r?,
        };
        let (state, saved) = Self::snapshot(group)?;
        let out = out.release(&saved)?;
        let staged = Staged {
            commit: out.commit.to_vec(),
            welcome: out.welcome.map(<[u8]>::to_vec),
        };
        Ok((staged, state))
    }

    /// Applies this member's own commit, which the core keeps pending, and
    /// collects its events. Returns the tree for new members when it goes
    /// out of band.
    pub(super) fn apply_own(
        &self,
        id: &[u8],
        entry: &mut Entry<S>,
        staged: &Staged,
        self_update: bool,
        events: &mut Vec<ClientEvent>,
    ) -> Result<CommitMessages> {
        let before = Roster::of(&entry.group);
        let mut buf = vec![0u8; staged.commit.len()];
        let epoch = match entry.group.process(&staged.commit, &(), self.now(), &mut buf)? {
            Event::Commit { epoch, .. } => epoch,
            // The core applies a member's own commit; nothing else can come
            // of its bytes.
            _ => return Err(ClientError::UnexpectedMessage),
        };
        entry.staged = None;
        entry.applied = Some(staged.clone());
        let after = Roster::of(&entry.group);
        Changes::between(&before, &after, Some(entry.group.own_leaf())).events(id, epoch, self_update, events);
        self.messages(entry, staged)
    }

    /// The messages of `staged`, a commit applied in `entry`, with the
    /// tree of the group's epoch when it goes out of band.
    fn messages(&self, entry: &Entry<S>, staged: &Staged) -> Result<CommitMessages> {
        let ratchet_tree = match (self.ratchet_tree, &staged.welcome) {
            (RatchetTreeDelivery::OutOfBand, Some(_)) => Some(super::queries::tree_bytes(&entry.group)?),
            _ => None,
        };
        Ok(CommitMessages {
            commit: staged.commit.clone(),
            welcome: staged.welcome.clone(),
            ratchet_tree,
        })
    }

    /// Commits `proposals` (and the proposals received this epoch) and
    /// applies the commit in memory; the caller stores the state before it
    /// returns the messages.
    pub(super) fn commit_apply(
        &self,
        id: &[u8],
        entry: &mut Entry<S>,
        proposals: &[Proposal<'_>],
        proposals_len: usize,
        self_update: bool,
        events: &mut Vec<ClientEvent>,
    ) -> Result<CommitMessages> {
        let (staged, _) = self.make_commit(entry, proposals, proposals_len)?;
        self.apply_own(id, entry, &staged, self_update, events)
    }

    /// [`Self::commit_apply`], then stores the new state before returning
    /// the messages.
    pub(super) fn commit_now(
        &self,
        id: &[u8],
        entry: &mut Entry<S>,
        proposals: &[Proposal<'_>],
        proposals_len: usize,
        self_update: bool,
        events: &mut Vec<ClientEvent>,
    ) -> Result<CommitMessages> {
        let messages = self.commit_apply(id, entry, proposals, proposals_len, self_update, events)?;
        self.persist(id, entry, Batch::new())?;
        Ok(messages)
    }

    /// Commits the proposals received this epoch (RFC 9420 §12.4) and
    /// applies the commit at once; returns the commit, and the Welcome if
    /// they add members.
    pub fn commit_pending_proposals(&self, group_id: &[u8]) -> Result<CommitMessages> {
        self.with_group(group_id, |entry, events| {
            self.commit_now(group_id, entry, &[], 0, false, events)
        })
    }

    /// Commits the proposals received this epoch without applying the
    /// commit: send it, then call [`Self::confirm_pending_commit`] if the
    /// Delivery Service accepts it, or [`Self::discard_pending_commit`] if
    /// another commit came first. A second call replaces the first commit.
    pub fn commit_pending_proposals_staged(&self, group_id: &[u8]) -> Result<PendingCommit> {
        self.with_group(group_id, |entry, _| {
            let (staged, state) = self.make_commit(entry, &[], 0)?;
            let commit = staged.commit.clone();
            entry.staged = Some(staged);
            self.store(group_id, entry, &state, Batch::new())?;
            Ok(PendingCommit { commit })
        })
    }

    /// Applies the staged commit; returns its messages, among them the
    /// Welcome for the members it adds.
    pub fn confirm_pending_commit(&self, group_id: &[u8]) -> Result<CommitMessages> {
        self.with_group(group_id, |entry, events| {
            let staged = entry.staged.clone().ok_or(ClientError::NoPendingCommit)?;
            let messages = self.apply_own(group_id, entry, &staged, false, events)?;
            self.persist(group_id, entry, Batch::new())?;
            Ok(messages)
        })
    }

    /// Drops the staged commit: the group stays in its epoch, with the
    /// proposals it had.
    ///
    /// The core has no call to forget its own pending commit: it keeps the
    /// commit's secrets until the next commit replaces them or the epoch
    /// changes, and would still apply the commit if it came back.
    pub fn discard_pending_commit(&self, group_id: &[u8]) -> Result<()> {
        self.with_group(group_id, |entry, _| {
            entry.staged.take().ok_or(ClientError::NoPendingCommit)?;
            entry.group.discard_pending_commit();
            self.persist(group_id, entry, Batch::new())?;
            Ok(())
        })
    }

    /// The messages of the last commit this client made and applied in the
    /// group, stored with the state it led to: after a crash between that
    /// store and sending them, send them again (the others have not seen
    /// the commit; this client is in its epoch). Its out-of-band ratchet
    /// tree is the group's current one.
    pub fn last_commit(&self, group_id: &[u8]) -> Result<Option<CommitMessages>> {
        self.with_group(group_id, |entry, _| match &entry.applied {
            Some(applied) => self.messages(entry, applied).map(Some),
            None => Ok(None),
        })
    }

    /// The staged commit of the group, if any.
    pub fn pending_commit(&self, group_id: &[u8]) -> Result<Option<PendingCommit>> {
        self.with_group(group_id, |entry, _| {
            Ok(entry.staged.as_ref().map(|s| PendingCommit {
                commit: s.commit.clone(),
            }))
        })
    }

    /// Drops the proposals received or sent this epoch (mls-go's
    /// `CancelPendingProposals`), and a staged commit that covered them.
    /// Local only: other members keep theirs, and a later commit that
    /// covers one of them by reference cannot be processed here.
    pub fn cancel_pending_proposals(&self, group_id: &[u8]) -> Result<()> {
        self.with_group(group_id, |entry, _| {
            entry.group.clear_proposals();
            if entry.staged.take().is_some() {
                entry.group.discard_pending_commit();
            }
            self.persist(group_id, entry, Batch::new())?;
            Ok(())
        })
    }
}
