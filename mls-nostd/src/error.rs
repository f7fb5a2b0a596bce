//! The one error type of the core.

use core::fmt;

/// Everything that can go wrong in `mls-nostd`.
///
/// Every operation that fails returns one of these and leaves the state it
/// was given unchanged. The enum is `#[non_exhaustive]`: new variants arrive
/// with new protocol features.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Error {
    // ---- encoding and decoding (RFC 9420 §2.1) ----
    /// The output buffer is too small; `needed` is the exact total size, or
    /// a true upper bound where a signature's length is not known before
    /// signing (ECDSA): a buffer of `needed` bytes always suffices.
    BufferTooSmall {
        /// Bytes the whole output needs.
        needed: usize,
    },
    /// The input ended before the structure was complete.
    Truncated,
    /// Bytes were left over after a complete structure or vector.
    TrailingData,
    /// A variable-length integer started with the reserved prefix `0b11`.
    InvalidVarint,
    /// A variable-length integer did not use the minimal encoding.
    NonMinimalVarint,
    /// A vector was longer than 2^30 - 1 bytes, the most a header can say.
    VectorTooLong,
    /// An `optional<T>` presence octet was neither 0 nor 1.
    InvalidOptional,
    /// An enumerated field held a value this implementation does not know
    /// or that the protocol reserves.
    UnknownValue {
        /// Name of the field, as the RFC spells it.
        field: &'static str,
        /// The value received.
        value: u32,
    },
    /// A field had a length its type does not allow (a key, nonce, hash,
    /// or a fixed-size secret of the wrong size).
    InvalidLength {
        /// Name of the field.
        field: &'static str,
    },
    /// A value is structurally valid but not allowed here (for example
    /// non-zero padding, or a content type a wire format cannot carry).
    Malformed {
        /// What rule was broken.
        reason: &'static str,
    },

    // ---- cryptography (RFC 9420 §5) ----
    /// The cipher suite is not compiled in or differs from the group's.
    UnsupportedCipherSuite(u16),
    /// A public or private key could not be parsed for the suite.
    InvalidKey,
    /// A signature did not verify.
    InvalidSignature,
    /// A MAC (membership tag or confirmation tag) did not verify.
    InvalidMac,
    /// AEAD or HPKE decryption failed.
    DecryptionFailed,
    /// AEAD or HPKE encryption failed (input too long for the algorithm).
    EncryptionFailed,
    /// A KDF was asked for more output than it can give.
    KdfOutputTooLong,

    // ---- secret tree (RFC 9420 §9) ----
    /// A leaf index is outside the tree.
    LeafOutOfRange {
        /// The index received.
        leaf: u32,
    },
    /// The key for this generation was already used or erased; a replay
    /// or a message older than the out-of-order window.
    GenerationConsumed {
        /// The generation asked for.
        generation: u32,
    },
    /// The generation is further ahead than the configured forward
    /// distance allows.
    GenerationTooFarAhead {
        /// The generation asked for.
        generation: u32,
    },
    /// The sender has used every generation it is allowed in this epoch.
    GenerationsExhausted,
    /// The group is in epoch 2^64 - 1, the last one: no commit can follow
    /// and nobody can join the next (§8: the epoch is a `uint64`).
    EpochsExhausted,

    // ---- ratchet tree (RFC 9420 §7, §12.4.3.1) ----
    /// A LeafNode failed validation (§7.3); a bad signature is
    /// [`Error::InvalidSignature`] instead.
    InvalidLeafNode {
        /// Which rule was broken.
        reason: &'static str,
    },
    /// A ratchet tree failed validation (§7.9, §12.4.3.1).
    InvalidTree {
        /// Which rule was broken.
        reason: &'static str,
    },

    // ---- framing (RFC 9420 §6) ----
    /// The message belongs to another group.
    WrongGroup,
    /// The message belongs to another epoch.
    WrongEpoch {
        /// The epoch the message carries.
        epoch: u64,
    },
    /// The wire format cannot carry this content or sender.
    WrongWireFormat,
    /// Bytes to send were asked for before the state that produced them
    /// was saved (see `group::Outgoing`).
    NotSaved,
    /// The group is not active: not created or joined yet, removed, or
    /// closed by a ReInit.
    NotActive,
    /// Proposals received this epoch must be committed before this member
    /// sends application data (§12.4).
    ProposalsPending,
    /// A message this member sent itself, echoed back (other than a
    /// commit, whose echo applies it): nothing to do, nothing changed.
    OwnMessage,
    /// The group's [`CredentialValidator`](crate::credential::CredentialValidator)
    /// refused a credential (RFC 9420 §5.3.1); nothing changed.
    CredentialRejected {
        /// The validator's reason.
        reason: &'static str,
    },
    /// The capacity chosen at compile time is too small for this input.
    CapacityExceeded {
        /// Which bound was hit.
        what: &'static str,
    },

    // ---- persistence ----
    /// A saved state is corrupted (its integrity check fails) or
    /// inconsistent (it could not have been saved by a group); nothing was
    /// restored.
    CorruptState {
        /// What is wrong.
        reason: &'static str,
    },
}

/// Result with the crate's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BufferTooSmall { needed } => {
                write!(f, "output buffer too small: {needed} bytes needed")
            }
            Error::Truncated => f.write_str("input truncated"),
            Error::TrailingData => f.write_str("trailing bytes after structure"),
            Error::InvalidVarint => f.write_str("invalid variable-length integer prefix"),
            Error::NonMinimalVarint => f.write_str("variable-length integer not minimally encoded"),
            Error::VectorTooLong => f.write_str("vector longer than 2^30-1 bytes"),
            Error::InvalidOptional => f.write_str("optional presence octet not 0 or 1"),
            Error::UnknownValue { field, value } => write!(f, "unknown {field} value {value}"),
            Error::InvalidLength { field } => write!(f, "invalid length for {field}"),
            Error::Malformed { reason } => write!(f, "malformed: {reason}"),
            Error::UnsupportedCipherSuite(s) => write!(f, "unsupported cipher suite {s}"),
            Error::InvalidKey => f.write_str("invalid key"),
            Error::InvalidSignature => f.write_str("invalid signature"),
            Error::InvalidMac => f.write_str("invalid MAC"),
            Error::DecryptionFailed => f.write_str("decryption failed"),
            Error::EncryptionFailed => f.write_str("encryption failed"),
            Error::KdfOutputTooLong => f.write_str("KDF output too long"),
            Error::LeafOutOfRange { leaf } => write!(f, "leaf {leaf} outside the tree"),
            Error::GenerationConsumed { generation } => {
                write!(f, "generation {generation} already consumed or erased")
            }
            Error::GenerationTooFarAhead { generation } => {
                write!(f, "generation {generation} beyond the forward distance")
            }
            Error::GenerationsExhausted => f.write_str("sender generations exhausted"),
            Error::EpochsExhausted => f.write_str("the group is in its last epoch"),
            Error::CorruptState { reason } => write!(f, "corrupted saved state: {reason}"),
            Error::InvalidLeafNode { reason } => write!(f, "invalid leaf node: {reason}"),
            Error::InvalidTree { reason } => write!(f, "invalid ratchet tree: {reason}"),
            Error::WrongGroup => f.write_str("message for another group"),
            Error::WrongEpoch { epoch } => write!(f, "message for epoch {epoch}"),
            Error::WrongWireFormat => f.write_str("wire format cannot carry this content"),
            Error::NotSaved => f.write_str("state not saved before sending"),
            Error::NotActive => f.write_str("group not active"),
            Error::ProposalsPending => f.write_str("proposals must be committed before application data"),
            Error::OwnMessage => f.write_str("own message echoed"),
            Error::CredentialRejected { reason } => write!(f, "credential rejected: {reason}"),
            Error::CapacityExceeded { what } => write!(f, "capacity exceeded: {what}"),
        }
    }
}

impl core::error::Error for Error {}
