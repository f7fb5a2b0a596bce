//! Creating, joining and changing groups: create, invite, join (by
//! Welcome or external commit), remove, leave, update, and proposals.

use super::record;
use super::{
    Client, ClientError, ClientEvent, CommitMessages, Credential, Entry, Invitation, Received, Result, Status, lock,
};
use crate::storage::{Batch, Space, Write};
use mls_nostd::codec::{Decode, List};
use mls_nostd::crypto::{CipherSuite, HpkePrivateKey};
use mls_nostd::extension::Extension;
use mls_nostd::framing::MlsMessage;
use mls_nostd::group::{ExternalJoin, KeyPackageKeys};
use mls_nostd::key_package::KeyPackage;
use mls_nostd::proposal::Proposal;
use mls_nostd::welcome::GroupInfo;

impl<S: CipherSuite + Copy + Send + Sync + 'static> Client<S> {
    /// Creates a group of one, this client, with `group_id`.
    pub fn create_group(&self, group_id: &[u8]) -> Result<()> {
        self.create_group_with_extensions(group_id, &[])
    }

    /// Creates a group with GroupContext `extensions`, each an
    /// `(extension_type, extension_data)` pair (for example
    /// `external_senders` or `required_capabilities`, RFC 9420 §12.1.7,
    /// §12.1.8.1), with this client its only member.
    pub fn create_group_with_extensions(&self, group_id: &[u8], extensions: &[(u16, &[u8])]) -> Result<()> {
        let extensions: Vec<Extension<'_>> = extensions
            .iter()
            .map(|&(extension_type, data)| Extension { extension_type, data })
            .collect();
        let _admission = lock(&self.admission);
        self.check_free(group_id)?;
        let (key_package, keys) = self.key_package_with_keys()?;
        let mut group = self.empty_group();
        group.create_from_key_package(
            group_id,
            &key_package,
            &keys,
            self.signature_key.as_slice(),
            List::from_slice(&extensions),
            &mut self.rng(),
        )?;
        self.admit(group_id, group, Batch::new())
    }

    /// Stores a group this client just created or joined, then makes it
    /// known.
    fn admit(&self, id: &[u8], group: Box<super::HostGroup<S>>, extra: Batch) -> Result<()> {
        let entry = Entry {
            group,
            staged: None,
            applied: None,
            stale: false,
        };
        self.persist(id, &entry, extra)?;
        let epoch = entry.group.epoch();
        self.install(id, entry);
        self.emit(&[ClientEvent::GroupJoined {
            group_id: id.to_vec(),
            epoch,
        }]);
        Ok(())
    }

    /// Adds the owner of `key_package` (an `MLSMessage`) to the group with
    /// a commit, applied at once; returns the commit for the group and the
    /// Welcome for the new member.
    pub fn invite_member(&self, group_id: &[u8], key_package: &[u8]) -> Result<Invitation> {
        self.invite_members(group_id, &[key_package])
    }

    /// Adds the owners of `key_packages` with one commit; see
    /// [`Self::invite_member`].
    pub fn invite_members(&self, group_id: &[u8], key_packages: &[&[u8]]) -> Result<Invitation> {
        if key_packages.is_empty() {
            return Err(ClientError::InvalidArgument("no KeyPackage to invite"));
        }
        let adds = key_packages
            .iter()
            .map(|kp| {
                Ok(Proposal::Add {
                    key_package: KeyPackage::decode_message(kp)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let len = key_packages.iter().map(|kp| kp.len()).sum();
        let m = self.with_group(group_id, |entry, events| {
            self.commit_now(group_id, entry, &adds, len, false, events)
        })?;
        Ok(Invitation {
            commit: m.commit,
            welcome: m.welcome.ok_or(ClientError::UnexpectedMessage)?,
            ratchet_tree: m.ratchet_tree,
        })
    }

    /// Joins a group from a `welcome` for one of this client's KeyPackages,
    /// the tree in the Welcome; returns the group id. The KeyPackage is
    /// used up (unless it is the last-resort one) in the same storage batch
    /// that stores the group.
    pub fn join_group(&self, welcome: &[u8]) -> Result<Vec<u8>> {
        self.join(welcome, None, |_| Batch::new())
    }

    /// Joins a group from a `welcome` and the `ratchet_tree` given out of
    /// band; see [`Self::join_group`].
    pub fn join_group_with_tree(&self, welcome: &[u8], ratchet_tree: &[u8]) -> Result<Vec<u8>> {
        self.join(welcome, Some(ratchet_tree), |_| Batch::new())
    }

    /// Joins from `welcome`, storing `extra` of the [`Received::Joined`]
    /// in the same batch as the group (see [`Self::receive_with`]).
    pub(super) fn join_with(
        &self,
        welcome: &[u8],
        ratchet_tree: Option<&[u8]>,
        extra: impl FnOnce(&Received) -> Batch,
    ) -> Result<Received> {
        let mut received = None;
        self.join(welcome, ratchet_tree, |r| {
            let batch = extra(r);
            received = Some(r.clone());
            batch
        })?;
        received.ok_or(ClientError::UnexpectedMessage)
    }

    fn join(
        &self,
        welcome: &[u8],
        ratchet_tree: Option<&[u8]>,
        extra: impl FnOnce(&Received) -> Batch,
    ) -> Result<Vec<u8>> {
        let MlsMessage::Welcome(w) = MlsMessage::decode_exact(welcome)? else {
            return Err(ClientError::UnexpectedMessage);
        };
        let _admission = lock(&self.admission);
        // The Welcome names each joiner's KeyPackage by reference.
        let mut found = None;
        for secrets in w.secrets.iter() {
            if let Some(bytes) = self.storage.get(Space::KeyPackage, secrets.new_member)? {
                let reference = secrets.new_member.to_vec();
                found = Some((record::decode_key_package(&reference, &bytes)?, reference));
                break;
            }
        }
        let (kp, reference) = found.ok_or(ClientError::KeyPackageNotFound)?;
        let keys = KeyPackageKeys {
            init_key: HpkePrivateKey::from_slice(&kp.init_key)?,
            encryption_key: HpkePrivateKey::from_slice(&kp.encryption_key)?,
        };
        let mut group = self.empty_group();
        let mut scratch = vec![0u8; 2 * welcome.len()];
        let sk = self.signature_key.as_slice();
        group.join(
            welcome,
            &kp.key_package,
            &keys,
            sk,
            ratchet_tree,
            &(),
            self.now(),
            &mut scratch,
        )?;
        let id = group.group_id().to_vec();
        self.check_free(&id)?;
        let mut used = match kp.last_resort {
            true => Batch::new(),
            false => vec![Write::Delete {
                space: Space::KeyPackage,
                key: reference,
            }],
        };
        used.extend(extra(&Received::Joined {
            group_id: id.clone(),
            epoch: group.epoch(),
        }));
        self.admit(&id, group, used)?;
        Ok(id)
    }

    /// Joins a group by external commit from its `group_info` (an
    /// `MLSMessage`, with the tree in it); returns the commit for the group.
    /// The client is in the new epoch at once. When this client is a member
    /// of the group already, the commit replaces its old leaf (a resync
    /// after lost state).
    pub fn join_external(&self, group_info: &[u8]) -> Result<Vec<u8>> {
        self.external(group_info, None)
    }

    /// Joins by external commit with the `ratchet_tree` given out of band;
    /// see [`Self::join_external`].
    pub fn join_external_with_tree(&self, group_info: &[u8], ratchet_tree: &[u8]) -> Result<Vec<u8>> {
        self.external(group_info, Some(ratchet_tree))
    }

    fn external(&self, group_info: &[u8], ratchet_tree: Option<&[u8]>) -> Result<Vec<u8>> {
        let gi = match MlsMessage::decode_exact(group_info) {
            Ok(MlsMessage::GroupInfo(gi)) => gi,
            _ => GroupInfo::decode_exact(group_info)?,
        };
        let id = gi.group_context.group_id.to_vec();
        let _admission = lock(&self.admission);
        let existing = self.find(&id)?;
        let mut old = existing.as_ref().map(|e| lock(e));
        let resync = match &old {
            Some(e) if e.group.status() == Status::Active => Some(e.group.own_leaf()),
            _ => None,
        };
        let certificates = self.certificates();
        let suites = [S::ID];
        let join = ExternalJoin {
            group_info,
            ratchet_tree,
            template: self.template(&certificates, &suites),
            signature_key: self.signature_key.as_slice(),
            resync,
            authenticated_data: &[],
        };
        let mut group = self.empty_group();
        let (now, mut rng) = (self.now(), self.rng());
        let mut work = vec![0u8; 2 * group_info.len() + ratchet_tree.map_or(0, <[u8]>::len) + 16 * 1024];
        let out = match group.join_external(&join, now, &mut rng, &mut work) {
            Err(mls_nostd::Error::BufferTooSmall { needed }) => {
                work = vec![0u8; needed];
                group.join_external(&join, now, &mut rng, &mut work)?
            }
            r => r?,
        };
        let entry = Entry {
            group,
            staged: None,
            applied: None,
            stale: false,
        };
        let (state, saved) = Self::snapshot(&entry.group)?;
        let commit = out.release(&saved)?.to_vec();
        self.store(&id, &entry, &state, Batch::new())?;
        let epoch = entry.group.epoch();
        match old.as_deref_mut() {
            Some(e) => *e = entry,
            None => self.install(&id, entry),
        }
        drop(old);
        self.emit(&[ClientEvent::GroupJoined { group_id: id, epoch }]);
        Ok(commit)
    }

    /// The leaf of the member with `identity`.
    fn leaf_of(entry: &Entry<S>, identity: &[u8]) -> Result<u32> {
        entry
            .group
            .members()
            .find(|(_, node)| super::Credential::from_core(&node.credential).identity() == identity)
            .map(|(leaf, _)| leaf)
            .ok_or(ClientError::UnknownMember)
    }

    /// Removes the member with `identity` with a commit, applied at once;
    /// returns the commit.
    pub fn remove_member(&self, group_id: &[u8], identity: &[u8]) -> Result<CommitMessages> {
        self.with_group(group_id, |entry, events| {
            let removed = Self::leaf_of(entry, identity)?;
            self.commit_now(group_id, entry, &[Proposal::Remove { removed }], 0, false, events)
        })
    }

    /// Gives this client's leaf fresh keys with a commit, applied at once;
    /// returns the commit.
    pub fn self_update(&self, group_id: &[u8]) -> Result<CommitMessages> {
        self.with_group(group_id, |entry, events| {
            self.commit_now(group_id, entry, &[], 0, true, events)
        })
    }

    /// Proposes to remove this client (a Remove of its own leaf), for
    /// another member to commit; returns the proposal. The client is out
    /// once it receives that commit ([`Received::Removed`](super::Received)).
    pub fn leave_group(&self, group_id: &[u8]) -> Result<Vec<u8>> {
        self.with_group(group_id, |entry, _| {
            let removed = entry.group.own_leaf();
            self.propose(group_id, entry, &Proposal::Remove { removed }, 0)
        })
    }

    /// Proposes to add the owner of `key_package`; returns the proposal.
    pub fn propose_add(&self, group_id: &[u8], key_package: &[u8]) -> Result<Vec<u8>> {
        let key_package_parsed = KeyPackage::decode_message(key_package)?;
        self.with_group(group_id, |entry, _| {
            let add = Proposal::Add {
                key_package: key_package_parsed,
            };
            self.propose(group_id, entry, &add, key_package.len())
        })
    }

    /// Proposes to remove the member with `identity`; returns the proposal.
    pub fn propose_remove(&self, group_id: &[u8], identity: &[u8]) -> Result<Vec<u8>> {
        self.with_group(group_id, |entry, _| {
            let removed = Self::leaf_of(entry, identity)?;
            self.propose(group_id, entry, &Proposal::Remove { removed }, 0)
        })
    }

    /// Proposes new GroupContext extensions, each an
    /// `(extension_type, extension_data)` pair, replacing the current ones
    /// once committed (§12.1.7); returns the proposal.
    pub fn propose_group_context_extensions(&self, group_id: &[u8], extensions: &[(u16, &[u8])]) -> Result<Vec<u8>> {
        let extensions: Vec<Extension<'_>> = extensions
            .iter()
            .map(|&(extension_type, data)| Extension { extension_type, data })
            .collect();
        let len = extensions.iter().map(|e| e.data.len() + 8).sum();
        self.with_group(group_id, |entry, _| {
            let proposal = Proposal::GroupContextExtensions {
                extensions: List::from_slice(&extensions),
            };
            self.propose(group_id, entry, &proposal, len)
        })
    }

    /// Proposes fresh keys and a new `credential` for this client's leaf,
    /// under the same signature key (for example a renewed certificate);
    /// returns the proposal, for another member to commit (§12.2: a member
    /// does not commit its own Update). Every member's validator checks the
    /// credential and its succession (§5.3.1). Only this group's leaf
    /// changes: build the client with the new credential for new
    /// KeyPackages.
    pub fn propose_update_with_credential(&self, group_id: &[u8], credential: &Credential) -> Result<Vec<u8>> {
        self.update(group_id, Some(credential))
    }

    /// Proposes fresh keys for this client's leaf (an Update); returns the
    /// proposal.
    pub fn propose_update(&self, group_id: &[u8]) -> Result<Vec<u8>> {
        self.update(group_id, None)
    }

    /// An Update proposal, with a new credential or the current one.
    fn update(&self, group_id: &[u8], credential: Option<&Credential>) -> Result<Vec<u8>> {
        let certificates = credential.map(Credential::certificates).unwrap_or_default();
        let credential = credential.map(|c| c.to_core(&certificates));
        let extra = credential.map_or(0, |c| mls_nostd::codec::Encode::encoded_len(&c));
        self.with_group(group_id, |entry, _| {
            let (now, mut rng) = (self.now(), self.rng());
            let group = &mut *entry.group;
            let mut out = vec![0u8; 8 * 1024 + extra];
            let o = match group.propose_update_with(credential, &[], now, &mut rng, &mut out) {
                Err(mls_nostd::Error::BufferTooSmall { needed }) => {
                    out = vec![0u8; needed];
                    group.propose_update_with(credential, &[], now, &mut rng, &mut out)?
                }
                r => r?,
            };
            let saved = self.persist(group_id, entry, Batch::new())?;
            Ok(o.release(&saved)?.to_vec())
        })
    }

    /// Sends `proposal` and stores the state that kept it.
    fn propose(&self, id: &[u8], entry: &mut Entry<S>, proposal: &Proposal<'_>, len: usize) -> Result<Vec<u8>> {
        let (now, mut rng) = (self.now(), self.rng());
        let group = &mut *entry.group;
        let mut out = vec![0u8; len + 4 * 1024];
        let o = match group.propose(proposal, &[], now, &mut rng, &mut out) {
            Err(mls_nostd::Error::BufferTooSmall { needed }) => {
                out = vec![0u8; needed];
                group.propose(proposal, &[], now, &mut rng, &mut out)?
            }
            r => r?,
        };
        let saved = self.persist(id, entry, Batch::new())?;
        Ok(o.release(&saved)?.to_vec())
    }

    /// Forgets group `group_id`: removes it from memory and storage (for
    /// example once this client was removed from it).
    pub fn forget_group(&self, group_id: &[u8]) -> Result<()> {
        let _admission = lock(&self.admission);
        let entry = self.find(group_id)?.ok_or(ClientError::UnknownGroup)?;
        let mut guard = lock(&entry);
        // A call waiting for this group finds it gone.
        guard.stale = true;
        self.storage.apply(&[Write::Delete {
            space: Space::Group,
            key: group_id.to_vec(),
        }])?;
        self.groups.write().unwrap_or_else(|p| p.into_inner()).remove(group_id);
        Ok(())
    }
}
