//! What the client can tell about its groups.

use super::{Client, Credential, RatchetTreeDelivery, Result, Status};
use crate::storage::Space;
use mls_nostd::crypto::CipherSuite;

/// A member of a group, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Its identity (see [`Credential::identity`]).
    pub identity: Vec<u8>,
    /// Its leaf index.
    pub leaf_index: u32,
    /// Its credential.
    pub credential: Credential,
    /// Its signature public key.
    pub signature_key: Vec<u8>,
}

impl<S: CipherSuite + Copy + Send + Sync + 'static> Client<S> {
    /// The ids of the groups in storage, in increasing byte order.
    pub fn groups(&self) -> Result<Vec<Vec<u8>>> {
        Ok(self.storage.keys(Space::Group)?)
    }

    /// The group's current epoch.
    pub fn epoch(&self, group_id: &[u8]) -> Result<u64> {
        self.with_group(group_id, |e, _| Ok(e.group.epoch()))
    }

    /// The GroupContext extensions, as `(extension_type, extension_data)`
    /// pairs.
    pub fn group_context_extensions(&self, group_id: &[u8]) -> Result<Vec<(u16, Vec<u8>)>> {
        self.with_group(group_id, |e, _| {
            Ok(e.group
                .extensions()
                .iter()
                .map(|x| (x.extension_type, x.data.to_vec()))
                .collect())
        })
    }

    /// Where this client stands in the group (active, removed, ...).
    pub fn status(&self, group_id: &[u8]) -> Result<Status> {
        self.with_group(group_id, |e, _| Ok(e.group.status()))
    }

    /// This client's leaf index in the group.
    pub fn own_leaf(&self, group_id: &[u8]) -> Result<u32> {
        self.with_group(group_id, |e, _| Ok(e.group.own_leaf()))
    }

    /// The members of the group, by leaf index.
    pub fn members(&self, group_id: &[u8]) -> Result<Vec<Member>> {
        self.with_group(group_id, |e, _| {
            Ok(e.group
                .members()
                .map(|(leaf_index, node)| {
                    let credential = Credential::from_core(&node.credential);
                    Member {
                        identity: credential.identity().to_vec(),
                        leaf_index,
                        credential,
                        signature_key: node.signature_key.to_vec(),
                    }
                })
                .collect())
        })
    }

    /// `MLS-Exporter(label, context, len)` of the current epoch (RFC 9420
    /// §8.5).
    pub fn export(&self, group_id: &[u8], label: &[u8], context: &[u8], len: usize) -> Result<Vec<u8>> {
        self.with_group(group_id, |e, _| {
            let mut out = vec![0u8; len];
            e.group.export(label, context, &mut out)?;
            Ok(out)
        })
    }

    /// The current epoch's `epoch_authenticator` (RFC 9420 §8.7): equal for
    /// every member that agrees on the epoch.
    pub fn epoch_authenticator(&self, group_id: &[u8]) -> Result<Vec<u8>> {
        self.with_group(group_id, |e, _| Ok(e.group.epoch_authenticator().to_vec()))
    }

    /// A signed `MLSMessage(GroupInfo)` of the current epoch, for others to
    /// join by external commit. It carries the ratchet tree unless the
    /// client sends trees out of band ([`Self::ratchet_tree`]).
    pub fn group_info(&self, group_id: &[u8]) -> Result<Vec<u8>> {
        let with_tree = self.ratchet_tree == RatchetTreeDelivery::InWelcome;
        self.with_group(group_id, |e, _| {
            let room = 4096
                + if with_tree {
                    2 * mls_nostd::codec::Encode::encoded_len(e.group.tree())
                } else {
                    0
                };
            let mut out = vec![0u8; room];
            let n = match e.group.group_info(with_tree, &mut out) {
                Err(mls_nostd::Error::BufferTooSmall { needed }) => {
                    out = vec![0u8; needed];
                    e.group.group_info(with_tree, &mut out)?
                }
                r => r?,
            };
            out.truncate(n);
            Ok(out)
        })
    }

    /// The group's ratchet tree, encoded (RFC 9420 §12.4.3.3), for joiners
    /// that get it out of band.
    pub fn ratchet_tree(&self, group_id: &[u8]) -> Result<Vec<u8>> {
        self.with_group(group_id, |e, _| tree_bytes(&e.group))
    }
}

/// `group`'s ratchet tree, encoded.
pub(super) fn tree_bytes<S: CipherSuite>(group: &super::HostGroup<S>) -> Result<Vec<u8>> {
    let tree = group.tree();
    let mut out = vec![0u8; mls_nostd::codec::Encode::encoded_len(tree)];
    let n = mls_nostd::codec::Encode::encode_to(tree, &mut out)?;
    out.truncate(n);
    Ok(out)
}
