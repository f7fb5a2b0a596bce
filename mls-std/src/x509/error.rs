//! Why an X.509 credential was refused.

use core::fmt;

/// Why an X.509 credential, or the configuration of an
/// [`X509Validator`](super::X509Validator), was refused.
///
/// Each variant has a short, stable [`reason`](X509Error::reason): the text
/// the [`CredentialValidator`](mls_nostd::credential::CredentialValidator)
/// implementation hands back to the group when it refuses a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum X509Error {
    /// The credential carries no certificate.
    EmptyChain,
    /// A certificate, or a trust anchor or CRL given to the builder, is not
    /// valid DER or not a well-formed X.509 v3 structure.
    Malformed,
    /// A certificate of the path is past its notAfter time.
    Expired,
    /// A certificate of the path is before its notBefore time.
    NotYetValid,
    /// No path leads from the end-entity certificate to a trust anchor
    /// (unknown issuer).
    UntrustedRoot,
    /// A certificate's signature does not verify under its issuer's key.
    BadSignature,
    /// A certificate of the path is signed with an algorithm that is not
    /// supported.
    UnsupportedAlgorithm,
    /// A certificate carries a critical extension that is not understood.
    UnsupportedExtension,
    /// The path breaks a CA constraint: a CA certificate used as the end
    /// entity, an end-entity certificate used as a CA, a path length or
    /// name constraint, or a path too long or too complex to build.
    ConstraintViolation,
    /// The end-entity certificate's extended key usage does not allow
    /// client authentication.
    WrongUsage,
    /// A certificate of the path is revoked by one of the CRLs.
    Revoked,
    /// The revocation status of a certificate could not be determined.
    RevocationUnknown,
    /// A CRL that covers the path is past its nextUpdate time.
    CrlExpired,
    /// A CRL is not signed by its issuer's key, or its issuer may not sign
    /// CRLs.
    BadCrl,
    /// The end-entity key is not of the suite's signature scheme (or is an
    /// encoding of it this crate does not take, such as a compressed point).
    UnsupportedKey,
    /// The end-entity key differs from the credential's signature key.
    KeyMismatch,
    /// A `basic` credential was presented, and the validator does not
    /// accept them.
    BasicNotAllowed,
    /// A successor credential does not name the same identity as its
    /// predecessor.
    IdentityChanged,
    /// The cipher suite is not one this validator knows the signature
    /// scheme of.
    UnsupportedSuite,
    /// The validator was built without any trust anchor.
    NoTrustAnchor,
    /// The certificate was refused for a reason not listed above.
    Invalid,
}

impl X509Error {
    /// A short, stable reason naming the variant, such as
    /// `"x509: untrusted root"`.
    pub fn reason(&self) -> &'static str {
        match self {
            X509Error::EmptyChain => "x509: empty chain",
            X509Error::Malformed => "x509: malformed certificate",
            X509Error::Expired => "x509: expired",
            X509Error::NotYetValid => "x509: not yet valid",
            X509Error::UntrustedRoot => "x509: untrusted root",
            X509Error::BadSignature => "x509: bad signature",
            X509Error::UnsupportedAlgorithm => "x509: unsupported algorithm",
            X509Error::UnsupportedExtension => "x509: unsupported critical extension",
            X509Error::ConstraintViolation => "x509: constraint violation",
            X509Error::WrongUsage => "x509: wrong usage",
            X509Error::Revoked => "x509: revoked",
            X509Error::RevocationUnknown => "x509: revocation status unknown",
            X509Error::CrlExpired => "x509: crl expired",
            X509Error::BadCrl => "x509: bad crl",
            X509Error::UnsupportedKey => "x509: unsupported key",
            X509Error::KeyMismatch => "x509: key mismatch",
            X509Error::BasicNotAllowed => "x509: basic credential not allowed",
            X509Error::IdentityChanged => "x509: identity changed",
            X509Error::UnsupportedSuite => "x509: unsupported cipher suite",
            X509Error::NoTrustAnchor => "x509: no trust anchor",
            X509Error::Invalid => "x509: invalid certificate",
        }
    }

    /// The variant for an error of the path validator.
    pub(crate) fn from_webpki(e: &webpki::Error) -> Self {
        use webpki::Error as W;
        #[allow(deprecated)]
        match e {
            W::CertExpired { .. } => X509Error::Expired,
            W::CertNotValidYet { .. } => X509Error::NotYetValid,
            W::UnknownIssuer => X509Error::UntrustedRoot,
            W::InvalidSignatureForPublicKey => X509Error::BadSignature,
            W::CertRevoked => X509Error::Revoked,
            W::UnknownRevocationStatus => X509Error::RevocationUnknown,
            W::CrlExpired { .. } => X509Error::CrlExpired,
            W::InvalidCrlSignatureForPublicKey
            | W::IssuerNotCrlSigner
            | W::InvalidCrlNumber
            | W::UnsupportedCrlVersion
            | W::UnsupportedDeltaCrl
            | W::UnsupportedIndirectCrl
            | W::UnsupportedCrlIssuingDistributionPoint
            | W::UnsupportedRevocationReason
            | W::UnsupportedRevocationReasonsPartitioning
            | W::UnsupportedCrlSignatureAlgorithm
            | W::UnsupportedCrlSignatureAlgorithmContext(_)
            | W::UnsupportedCrlSignatureAlgorithmForPublicKey
            | W::UnsupportedCrlSignatureAlgorithmForPublicKeyContext(_) => X509Error::BadCrl,
            W::RequiredEkuNotFound | W::RequiredEkuNotFoundContext(_) | W::EmptyEkuExtension => X509Error::WrongUsage,
            W::CaUsedAsEndEntity
            | W::EndEntityUsedAsCa
            | W::PathLenConstraintViolated
            | W::NameConstraintViolation
            | W::MaximumNameConstraintComparisonsExceeded
            | W::MaximumPathBuildCallsExceeded
            | W::MaximumPathDepthExceeded
            | W::MaximumSignatureChecksExceeded
            | W::CertDistrusted => X509Error::ConstraintViolation,
            W::UnsupportedSignatureAlgorithm
            | W::UnsupportedSignatureAlgorithmContext(_)
            | W::UnsupportedSignatureAlgorithmForPublicKey
            | W::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => X509Error::UnsupportedAlgorithm,
            W::UnsupportedCriticalExtension => X509Error::UnsupportedExtension,
            W::BadDer
            | W::BadDerTime
            | W::TrailingData(_)
            | W::MalformedExtensions
            | W::ExtensionValueInvalid
            | W::InvalidCertValidity
            | W::InvalidSerialNumber
            | W::InvalidNetworkMaskConstraint
            | W::MalformedNameConstraint
            | W::MalformedDnsIdentifier
            | W::UnsupportedCertVersion
            | W::SignatureAlgorithmMismatch => X509Error::Malformed,
            _ => X509Error::Invalid,
        }
    }
}

impl fmt::Display for X509Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl std::error::Error for X509Error {}
