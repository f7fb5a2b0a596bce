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
