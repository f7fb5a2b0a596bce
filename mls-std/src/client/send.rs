//! Application messages (RFC 9420 §6.3, §12.4).

use super::{Client, ClientError, CommitMessages, Entry, Result};
use crate::storage::Batch;
use mls_nostd::crypto::CipherSuite;

/// How [`Client::send_with`] sends.
#[derive(Debug, Clone, Copy, Default)]
pub struct SendOptions<'a> {
    /// Data sent in the clear beside the encrypted message, authenticated
    /// with it.
    pub authenticated_data: &'a [u8],
    /// When proposals of this epoch are not committed yet, commit them
    /// first (applied at once) instead of failing with
    /// [`ClientError::ProposalsPending`] (RFC 9420 §12.4).
    pub commit_pending_first: bool,
}

/// What [`Client::send_with`] produced, to send in this order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The commit of the pending proposals, when
    /// [`SendOptions::commit_pending_first`] made one; it goes first.
    pub commit: Option<CommitMessages>,
    /// The encrypted application message.
    pub message: Vec<u8>,
}

impl<S: CipherSuite + Copy + Send + Sync + 'static> Client<S> {
    /// Encrypts `data` for the group; returns the `MLSMessage` to send.
    /// Fails with [`ClientError::ProposalsPending`] while proposals of this
    /// epoch wait for a commit.
    pub fn send(&self, group_id: &[u8], data: &[u8]) -> Result<Vec<u8>> {
        Ok(self.send_with(group_id, data, SendOptions::default())?.message)
    }

    /// Encrypts `data` for the group as `options` say.
    pub fn send_with(&self, group_id: &[u8], data: &[u8], options: SendOptions<'_>) -> Result<Sent> {
        self.with_group(group_id, |entry, events| {
            let aad = options.authenticated_data;
            match self.encrypt(group_id, entry, data, aad) {
                Err(ClientError::ProposalsPending) if options.commit_pending_first => {
                    let commit = self.commit_apply(group_id, entry, &[], 0, false, events)?;
                    // One batch stores the commit's epoch and the message's
                    // generation.
                    let message = self.encrypt(group_id, entry, data, aad)?;
                    Ok(Sent {
                        commit: Some(commit),
                        message,
                    })
                }
                r => Ok(Sent {
                    commit: None,
                    message: r?,
                }),
            }
        })
    }

    /// Encrypts `data`, stores the state, and returns the message.
    fn encrypt(&self, id: &[u8], entry: &mut Entry<S>, data: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
        let mut rng = self.rng();
        let group = &mut *entry.group;
        let room = data.len() + aad.len() + group.config().padding + 1024;
        let mut out = vec![0u8; room];
        let o = match group.send(data, aad, &mut rng, &mut out) {
            Err(mls_nostd::Error::BufferTooSmall { needed }) => {
                out = vec![0u8; needed];
                group.send(data, aad, &mut rng, &mut out)?
            }
            r => r?,
        };
        let saved = self.persist(id, entry, Batch::new())?;
        Ok(o.release(&saved)?.to_vec())
    }
}
