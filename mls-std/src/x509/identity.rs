//! The identity a certificate names, and the key it certifies.

use super::{SignatureScheme, X509Error};
use std::net::IpAddr;
use x509_parser::asn1_rs::Oid;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::oid_registry::{OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_SIG_ED25519};
use x509_parser::prelude::FromDer;

/// A subject alternative name of a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SubjectAltName {
    /// `dNSName`.
    Dns(String),
    /// `rfc822Name` (an e-mail address).
    Email(String),
    /// `uniformResourceIdentifier`.
    Uri(String),
    /// `iPAddress`.
    Ip(IpAddr),
}

impl SubjectAltName {
    /// True when both name the same thing: DNS names compare without regard
    /// to ASCII case, the other kinds byte for byte.
    pub fn matches(&self, other: &SubjectAltName) -> bool {
        match (self, other) {
            (SubjectAltName::Dns(a), SubjectAltName::Dns(b)) => a.eq_ignore_ascii_case(b),
            _ => self == other,
        }
    }
}

/// Who an end-entity certificate names: its subject and its subject
/// alternative names.
///
/// Two identities are the same entity ([`Identity::is_same_as`]) when they
/// have the same non-empty subject, or share at least one subject
/// alternative name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    subject_der: Vec<u8>,
    subject: String,
    subject_empty: bool,
    alt_names: Vec<SubjectAltName>,
}

impl Identity {
    /// The identity of a DER certificate, read without validating it;
    /// [`X509Error::Malformed`] when the certificate or its subject
    /// alternative name extension cannot be parsed.
    pub fn from_certificate(der: &[u8]) -> Result<Self, X509Error> {
        Parsed::new(der)?.identity()
    }

    /// The DER encoding of the subject `Name`.
    pub fn subject_der(&self) -> &[u8] {
        &self.subject_der
    }

    /// The subject as text, in the style of RFC 4514 (such as
    /// `CN=alice, O=Example`); empty when the subject is empty.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The subject alternative names of the kinds in [`SubjectAltName`];
    /// other kinds are left out.
    pub fn alt_names(&self) -> &[SubjectAltName] {
        &self.alt_names
    }

    /// True when the subject is an empty `Name`.
    pub fn has_empty_subject(&self) -> bool {
        self.subject_empty
    }

    /// True when `self` and `other` name the same entity: the same
    /// non-empty subject (byte for byte), or a subject alternative name in
    /// common (see [`SubjectAltName::matches`]).
    pub fn is_same_as(&self, other: &Identity) -> bool {
        let same_subject = !self.has_empty_subject() && self.subject_der == other.subject_der;
        same_subject
            || self
                .alt_names
                .iter()
                .any(|a| other.alt_names.iter().any(|b| a.matches(b)))
    }
}

/// An end-entity certificate read with `x509-parser`.
pub(crate) struct Parsed<'a> {
    cert: X509Certificate<'a>,
}

impl<'a> Parsed<'a> {
    pub(crate) fn new(der: &'a [u8]) -> Result<Self, X509Error> {
        match X509Certificate::from_der(der) {
            Ok(([], cert)) => Ok(Parsed { cert }),
            _ => Err(X509Error::Malformed),
        }
    }

    pub(crate) fn identity(&self) -> Result<Identity, X509Error> {
        let subject = self.cert.subject();
        let mut alt_names = Vec::new();
        let san = self.cert.subject_alternative_name().map_err(|_| X509Error::Malformed)?;
        if let Some(san) = san {
            for name in &san.value.general_names {
                let name = match name {
                    GeneralName::DNSName(s) => SubjectAltName::Dns((*s).to_owned()),
                    GeneralName::RFC822Name(s) => SubjectAltName::Email((*s).to_owned()),
                    GeneralName::URI(s) => SubjectAltName::Uri((*s).to_owned()),
                    GeneralName::IPAddress(b) => match ip(b) {
                        Some(a) => SubjectAltName::Ip(a),
                        None => continue,
                    },
                    _ => continue,
                };
                alt_names.push(name);
            }
        }
        Ok(Identity {
            subject_der: subject.as_raw().to_vec(),
            subject: subject
                .to_string_with_registry(x509_parser::objects::oid_registry())
                .unwrap_or_default(),
            subject_empty: subject.iter().next().is_none(),
            alt_names,
        })
    }

    /// The certified public key in the encoding the MLS signature key uses
    /// for `scheme`: the raw 32 bytes for Ed25519, the SEC1 uncompressed
    /// point for P-256.
    pub(crate) fn public_key(&self, scheme: SignatureScheme) -> Result<&[u8], X509Error> {
        let spki = self.cert.public_key();
        let alg = &spki.algorithm;
        let key = &spki.subject_public_key;
        if key.unused_bits != 0 {
            return Err(X509Error::UnsupportedKey);
        }
        let ok = match scheme {
            SignatureScheme::Ed25519 => {
                alg.algorithm == OID_SIG_ED25519 && alg.parameters.is_none() && key.data.len() == 32
            }
            SignatureScheme::EcdsaP256Sha256 => {
                let curve = alg.parameters.as_ref().and_then(|p| Oid::try_from(p).ok());
                alg.algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY
                    && curve == Some(OID_EC_P256)
                    && key.data.len() == 65
                    && key.data.first() == Some(&0x04)
            }
        };
        if ok {
            Ok(&key.data)
        } else {
            Err(X509Error::UnsupportedKey)
        }
    }
}

fn ip(b: &[u8]) -> Option<IpAddr> {
    if let Ok(v4) = <[u8; 4]>::try_from(b) {
        Some(IpAddr::from(v4))
    } else if let Ok(v6) = <[u8; 16]>::try_from(b) {
        Some(IpAddr::from(v6))
    } else {
        None
    }
}
