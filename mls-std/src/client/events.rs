//! What the client tells its event handler.

/// Something that happened in one of the client's groups, reported to the
/// handler set with [`ClientBuilder::on_event`](super::ClientBuilder::on_event)
/// once the new state is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// This client created or joined a group.
    GroupJoined {
        /// The group.
        group_id: Vec<u8>,
        /// Its epoch.
        epoch: u64,
    },
    /// A member was added to a group.
    MemberJoined {
        /// The group.
        group_id: Vec<u8>,
        /// The new member's identity.
        identity: Vec<u8>,
    },
    /// A member was removed from a group.
    MemberRemoved {
        /// The group.
        group_id: Vec<u8>,
        /// The removed member's identity.
        identity: Vec<u8>,
    },
    /// A commit moved a group to a new epoch.
    EpochAdvanced {
        /// The group.
        group_id: Vec<u8>,
        /// The new epoch.
        epoch: u64,
    },
    /// An application message arrived.
    MessageReceived {
        /// The group.
        group_id: Vec<u8>,
        /// The sender's identity.
        sender: Vec<u8>,
    },
    /// This client's own leaf got fresh keys (its commit, or a commit of
    /// its Update).
    SelfUpdated {
        /// The group.
        group_id: Vec<u8>,
        /// The new epoch.
        epoch: u64,
    },
    /// A commit removed this client from a group.
    SelfRemoved {
        /// The group.
        group_id: Vec<u8>,
    },
}
