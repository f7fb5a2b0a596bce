//! Received messages: routed to their group by group id, processed by the
//! core, and told back as an owned [`Received`].

use super::summary::{Changes, Roster};
use super::{Client, ClientError, ClientEvent, Entry, Result};
use crate::storage::Batch;
use mls_nostd::codec::Decode;
use mls_nostd::crypto::CipherSuite;
use mls_nostd::framing::{MlsMessage, Sender};
use mls_nostd::group::Event;

/// What a received message did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Received {
    /// Application data from a member.
    Application {
        /// The group.
        group_id: Vec<u8>,
        /// The sender's identity.
        sender: Vec<u8>,
        /// The epoch it was sent in.
        epoch: u64,
        /// The data.
        data: Vec<u8>,
        /// The data sent in the clear with it.
        authenticated_data: Vec<u8>,
    },
    /// A proposal, kept for the next commit.
    Proposal {
        /// The group.
        group_id: Vec<u8>,
        /// The proposer's identity; `None` for a sender outside the group.
        sender: Option<Vec<u8>>,
    },
    /// A commit moved the group to a new epoch.
    Commit {
        /// The group.
        group_id: Vec<u8>,
        /// The committer's identity; `None` for an external commit (the
        /// joiner is in `added`).
        committer: Option<Vec<u8>>,
        /// Identities of the members it added.
        added: Vec<Vec<u8>>,
        /// Identities of the members it removed.
        removed: Vec<Vec<u8>>,
        /// Identities of the members, other than the committer, whose leaf
        /// got fresh keys (their Update proposals).
        updated: Vec<Vec<u8>>,
        /// The new epoch.
        epoch: u64,
    },
    /// A commit removed this client from the group.
    Removed {
        /// The group.
        group_id: Vec<u8>,
        /// The committer's identity.
        by: Option<Vec<u8>>,
    },
    /// This client joined a group from a Welcome.
    Joined {
        /// The group.
        group_id: Vec<u8>,
        /// Its epoch.
        epoch: u64,
    },
    /// A message this client sent itself (an application message, a
    /// proposal, or the last commit it applied), echoed by the Delivery
    /// Service: nothing changed.
    OwnMessage {
        /// The group.
        group_id: Vec<u8>,
    },
}

impl<S: CipherSuite + Copy + Send + Sync + 'static> Client<S> {
    /// Processes one received `MLSMessage`: a group message (routed by its
    /// group id) or a Welcome (joins the group). The new state is stored
    /// before this returns.
    pub fn receive(&self, message: &[u8]) -> Result<Received> {
        self.receive_with(message, |_| Batch::new())
    }

    /// [`Self::receive`], storing the writes `extra` makes of what the
    /// message did (the application's records, in
    /// [`Space::App`](crate::storage::Space::App)) in the same storage batch
    /// as the state that accepted it. A message is accepted only once (a
    /// replay is refused), so a program that must not lose one records it
    /// this way: after a crash before this returned, the record tells
    /// whether the message was accepted and what it was.
    pub fn receive_with(&self, message: &[u8], extra: impl FnOnce(&Received) -> Batch) -> Result<Received> {
        let group_id = match MlsMessage::decode_exact(message)? {
            MlsMessage::PublicMessage(pm) => pm.content.group_id.to_vec(),
            MlsMessage::PrivateMessage(pm) => pm.group_id.to_vec(),
            MlsMessage::Welcome(_) => return self.join_with(message, None, extra),
            _ => return Err(ClientError::UnexpectedMessage),
        };
        self.with_group(&group_id, |entry, events| {
            // The Delivery Service echoes this client's staged commit:
            // it was accepted.
            let received = if let Some(staged) = entry.staged.clone().filter(|s| s.commit == message) {
                let before = Roster::of(&entry.group);
                self.apply_own(&group_id, entry, &staged, false, events)?;
                let after = Roster::of(&entry.group);
                let own = Some(entry.group.own_leaf());
                commit_received(&group_id, &before, &after, own, entry)
            } else if entry.applied.as_ref().map(|a| a.commit.as_slice()) == Some(message) {
                // The echo of a commit this client applied already.
                Received::OwnMessage {
                    group_id: group_id.clone(),
                }
            } else {
                self.process(&group_id, entry, message, events)?
            };
            self.persist(&group_id, entry, extra(&received))?;
            Ok(received)
        })
    }

    /// Hands `message` to the core and tells what it did.
    fn process(
        &self,
        group_id: &[u8],
        entry: &mut Entry<S>,
        message: &[u8],
        events: &mut Vec<ClientEvent>,
    ) -> Result<Received> {
        let before = Roster::of(&entry.group);
        let mut buf = vec![0u8; message.len()];
        let id = || group_id.to_vec();
        let event = match entry.group.process(message, &(), self.now(), &mut buf) {
            Err(mls_nostd::Error::OwnMessage) => return Ok(Received::OwnMessage { group_id: id() }),
            r => r?,
        };
        let member = |s: Sender| match s {
            Sender::Member(leaf) => before.identity(leaf),
            _ => None,
        };
        Ok(match event {
            Event::Application {
                sender,
                epoch,
                data,
                authenticated_data,
            } => {
                // The sender holds its leaf (the core checked its signature
                // with that leaf's key).
                let sender = before.identity(sender).unwrap_or_default();
                events.push(ClientEvent::MessageReceived {
                    group_id: id(),
                    sender: sender.clone(),
                });
                Received::Application {
                    group_id: id(),
                    sender,
                    epoch,
                    data: data.to_vec(),
                    authenticated_data: authenticated_data.to_vec(),
                }
            }
            Event::Proposal { sender } => Received::Proposal {
                group_id: id(),
                sender: member(sender),
            },
            Event::Commit { sender, epoch, .. } => {
                entry.staged = None;
                let committer = match sender {
                    Sender::Member(leaf) => Some(leaf),
                    _ => None,
                };
                let after = Roster::of(&entry.group);
                let changes = Changes::between(&before, &after, committer);
                changes.events(group_id, epoch, changes.self_updated, events);
                commit_received(group_id, &before, &after, committer, entry)
            }
            Event::Removed { sender } => {
                entry.staged = None;
                events.push(ClientEvent::SelfRemoved { group_id: id() });
                Received::Removed {
                    group_id: id(),
                    by: member(sender),
                }
            }
        })
    }
}

/// The [`Received::Commit`] of a commit by leaf `committer` that moved the
/// group from `before` to `after`.
fn commit_received<S: CipherSuite>(
    group_id: &[u8],
    before: &Roster,
    after: &Roster,
    committer: Option<u32>,
    entry: &Entry<S>,
) -> Received {
    let changes = Changes::between(before, after, committer);
    Received::Commit {
        group_id: group_id.to_vec(),
        committer: committer.and_then(|leaf| before.identity(leaf)),
        added: changes.added,
        removed: changes.removed,
        updated: changes.updated,
        epoch: entry.group.epoch(),
    }
}
