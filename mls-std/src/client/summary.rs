//! What a commit changed, told by comparing the members before and after
//! it: no protocol rule, only the two rosters the core shows.

use super::host_group::HostGroup;
use super::{ClientEvent, Credential};
use mls_nostd::crypto::CipherSuite;

/// One member as a commit summary sees it.
pub(crate) struct Seat {
    leaf: u32,
    credential: Credential,
    encryption_key: Vec<u8>,
}

/// The members of a group at one moment.
pub(crate) struct Roster {
    seats: Vec<Seat>,
    own: u32,
}

impl Roster {
    pub(crate) fn of<S: CipherSuite>(group: &HostGroup<S>) -> Self {
        Roster {
            seats: group
                .members()
                .map(|(leaf, node)| Seat {
                    leaf,
                    credential: Credential::from_core(&node.credential),
                    encryption_key: node.encryption_key.to_vec(),
                })
                .collect(),
            own: group.own_leaf(),
        }
    }

    /// The identity at `leaf`, if a member is there.
    pub(crate) fn identity(&self, leaf: u32) -> Option<Vec<u8>> {
        self.seat(leaf).map(|s| s.credential.identity().to_vec())
    }

    fn seat(&self, leaf: u32) -> Option<&Seat> {
        self.seats.iter().find(|s| s.leaf == leaf)
    }
}

/// Who a commit added, removed and updated, by identity.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    pub added: Vec<Vec<u8>>,
    pub removed: Vec<Vec<u8>>,
    /// Members other than the committer whose leaf got new keys.
    pub updated: Vec<Vec<u8>>,
    /// This member's own leaf got new keys.
    pub self_updated: bool,
}

impl Changes {
    /// The changes from `before` to `after` of a commit by leaf
    /// `committer` (`None` for an external commit). A leaf that holds
    /// another credential after the commit counts as a removal and an
    /// addition.
    pub(crate) fn between(before: &Roster, after: &Roster, committer: Option<u32>) -> Self {
        let same = |a: &Seat, b: &Seat| a.leaf == b.leaf && a.credential == b.credential;
        let mut c = Changes::default();
        for old in &before.seats {
            match after.seats.iter().find(|new| same(old, new)) {
                None => c.removed.push(old.credential.identity().to_vec()),
                Some(new) if new.encryption_key != old.encryption_key => {
                    if new.leaf == after.own {
                        c.self_updated = true;
                    }
                    if Some(new.leaf) != committer {
                        c.updated.push(new.credential.identity().to_vec());
                    }
                }
                Some(_) => {}
            }
        }
        for new in &after.seats {
            if !before.seats.iter().any(|old| same(old, new)) {
                c.added.push(new.credential.identity().to_vec());
            }
        }
        c
    }

    /// The events of a commit that moved group `group_id` to `epoch`;
    /// `self_update` when this member asked for its own new keys.
    pub(crate) fn events(&self, group_id: &[u8], epoch: u64, self_update: bool, out: &mut Vec<ClientEvent>) {
        let id = || group_id.to_vec();
        for identity in &self.added {
            out.push(ClientEvent::MemberJoined {
                group_id: id(),
                identity: identity.clone(),
            });
        }
        for identity in &self.removed {
            out.push(ClientEvent::MemberRemoved {
                group_id: id(),
                identity: identity.clone(),
            });
        }
        out.push(ClientEvent::EpochAdvanced { group_id: id(), epoch });
        if self_update {
            out.push(ClientEvent::SelfUpdated { group_id: id(), epoch });
        }
    }
}
