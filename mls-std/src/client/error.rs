//! What can go wrong in a [`Client`](super::Client) call.

use crate::storage::StorageError;
use std::fmt;

/// Why a client operation failed. When an operation fails, the group it
/// touched is as it was before the call, in memory and in storage.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientError {
    /// The MLS core refused (a bad message, a capacity reached, ...).
    Mls(mls_nostd::Error),
    /// Storage failed; nothing was sent and the group was reloaded from
    /// storage.
    Storage(StorageError),
    /// No group with this id is known to this client.
    UnknownGroup,
    /// A group with this id exists already.
    GroupExists,
    /// No member of the group has this identity.
    UnknownMember,
    /// There is no staged commit to confirm or discard.
    NoPendingCommit,
    /// Proposals received this epoch must be committed before sending
    /// application data (RFC 9420 §12.4); see
    /// [`SendOptions::commit_pending_first`](super::SendOptions).
    ProposalsPending,
    /// A Welcome for none of this client's KeyPackages (never made here, or
    /// already used).
    KeyPackageNotFound,
    /// The bytes are not a message this call takes (for example a
    /// KeyPackage given to `receive`).
    UnexpectedMessage,
    /// A stored record (signature key, group) belongs to another cipher
    /// suite than the client's.
    WrongCipherSuite {
        /// The suite of the record.
        stored: u16,
    },
    /// A call was given nothing to do (for example no KeyPackage to
    /// invite).
    InvalidArgument(&'static str),
    /// The operating system's random number generator failed.
    Rng,
    /// The operation needs something the MLS core does not offer yet.
    Unsupported {
        /// What is missing.
        what: &'static str,
    },
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Mls(e) => write!(f, "MLS: {e}"),
            ClientError::Storage(e) => write!(f, "storage: {e}"),
            ClientError::UnknownGroup => f.write_str("unknown group"),
            ClientError::GroupExists => f.write_str("group exists already"),
            ClientError::UnknownMember => f.write_str("no member with this identity"),
            ClientError::NoPendingCommit => f.write_str("no pending commit"),
            ClientError::ProposalsPending => f.write_str("proposals must be committed before sending application data"),
            ClientError::KeyPackageNotFound => f.write_str("no KeyPackage of this client matches the Welcome"),
            ClientError::UnexpectedMessage => f.write_str("unexpected message type"),
            ClientError::WrongCipherSuite { stored } => write!(f, "stored record of cipher suite {stored}"),
            ClientError::InvalidArgument(what) => write!(f, "invalid argument: {what}"),
            ClientError::Rng => f.write_str("the system random number generator failed"),
            ClientError::Unsupported { what } => write!(f, "not supported by the MLS core yet: {what}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Mls(e) => Some(e),
            ClientError::Storage(e) => Some(e),
            _ => None,
        }
    }
}

impl From<mls_nostd::Error> for ClientError {
    fn from(e: mls_nostd::Error) -> Self {
        match e {
            mls_nostd::Error::ProposalsPending => ClientError::ProposalsPending,
            e => ClientError::Mls(e),
        }
    }
}

impl From<StorageError> for ClientError {
    fn from(e: StorageError) -> Self {
        ClientError::Storage(e)
    }
}

/// Result with [`ClientError`].
pub type Result<T> = std::result::Result<T, ClientError>;
