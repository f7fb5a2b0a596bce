//! Credentials (RFC 9420 §5.3).

use crate::codec::{Decode, Encode, List, Reader, Writer};
use crate::error::{Error, Result};

/// Credential type values from the IANA registry (§17.5).
pub mod credential_type {
    /// `basic`.
    pub const BASIC: u16 = 1;
    /// `x509`.
    pub const X509: u16 = 2;
}

/// A credential. Types other than `basic` and `x509` cannot be parsed,
/// because their body has no length prefix; they decode to
/// [`Error::UnknownValue`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Credential<'a> {
    /// `basic`: an application-defined identity.
    Basic {
        /// `identity`.
        identity: &'a [u8],
    },
    /// `x509`: a chain of DER certificates, end-entity first.
    X509 {
        /// `certificates`, each the `cert_data` of a `Certificate`.
        certificates: List<'a, &'a [u8]>,
    },
}

impl Credential<'_> {
    /// The `credential_type` value.
    pub fn credential_type(&self) -> u16 {
        match self {
            Credential::Basic { .. } => credential_type::BASIC,
            Credential::X509 { .. } => credential_type::X509,
        }
    }
}

impl<'a> Decode<'a> for Credential<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        match r.u16()? {
            credential_type::BASIC => Ok(Credential::Basic {
                identity: r.vec_bytes()?,
            }),
            credential_type::X509 => Ok(Credential::X509 {
                certificates: List::decode(r)?,
            }),
            v => Err(Error::UnknownValue {
                field: "credential_type",
                value: v.into(),
            }),
        }
    }
}

impl Encode for Credential<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        w.u16(self.credential_type());
        match self {
            Credential::Basic { identity } => w.vec_bytes(identity),
            Credential::X509 { certificates } => certificates.encode(w),
        }
    }
}

/// Where a credential is checked (RFC 9420 §5.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CredentialUse {
    /// The KeyPackage of an Add proposal, made or received.
    KeyPackage,
    /// A member of the tree a Welcome or an external join brings.
    GroupMember,
    /// A member's new LeafNode, in an Update proposal or an UpdatePath
    /// (when its credential changed, the predecessor is checked with
    /// [`CredentialValidator::validate_successor`] too), and an external
    /// joiner's leaf as the other members see it. A resync keeps its
    /// credential: the core requires it equal to the removed leaf's.
    Update,
    /// An entry of the `external_senders` extension, when it is set or
    /// changed.
    ExternalSender,
}

/// The application's Authentication Service (RFC 9420 §5.3.1): the group
/// asks it about every credential it is about to accept. A refusal makes
/// the operation fail with [`Error::CredentialRejected`] and leaves the
/// group unchanged.
///
/// `()` accepts every credential (the signature checks of the protocol
/// still apply).
pub trait CredentialValidator {
    /// Accepts `credential`, presented with `signature_key` (the LeafNode's
    /// or the external sender's), or refuses it with a short reason.
    fn validate(
        &self,
        credential: &Credential<'_>,
        signature_key: &[u8],
        usage: CredentialUse,
    ) -> core::result::Result<(), &'static str>;

    /// Accepts `new` as the successor of `old` for the same member (an
    /// update or a resync changed the credential). Accepts by default.
    fn validate_successor(&self, old: &Credential<'_>, new: &Credential<'_>) -> core::result::Result<(), &'static str> {
        let _ = (old, new);
        Ok(())
    }

    /// Whether this validator accepts every credential without looking
    /// (then the group skips asking it, and a firmware that uses `()`
    /// carries none of the calls). `false` by default.
    fn accepts_all(&self) -> bool {
        false
    }
}

impl CredentialValidator for () {
    fn validate(&self, _: &Credential<'_>, _: &[u8], _: CredentialUse) -> core::result::Result<(), &'static str> {
        Ok(())
    }

    fn accepts_all(&self) -> bool {
        true
    }
}

impl<T: CredentialValidator + ?Sized> CredentialValidator for &T {
    fn validate(
        &self,
        credential: &Credential<'_>,
        signature_key: &[u8],
        usage: CredentialUse,
    ) -> core::result::Result<(), &'static str> {
        (**self).validate(credential, signature_key, usage)
    }

    fn validate_successor(&self, old: &Credential<'_>, new: &Credential<'_>) -> core::result::Result<(), &'static str> {
        (**self).validate_successor(old, new)
    }

    fn accepts_all(&self) -> bool {
        (**self).accepts_all()
    }
}
