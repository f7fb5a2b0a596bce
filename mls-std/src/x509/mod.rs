//! X.509 credentials (RFC 9420 §5.3): chains validated against trust
//! anchors the user gives, as an implementation of the core's
//! [`CredentialValidator`] hook.
//!
//! Path validation (signatures, validity periods, CA constraints, extended
//! key usage, CRLs) is done by `rustls-webpki` with `ring`; certificate
//! fields the path validator does not expose (subject, subject alternative
//! names, the end-entity key) are read with `x509-parser`.

mod error;
mod identity;

pub use error::X509Error;
pub use identity::{Identity, SubjectAltName};

use identity::Parsed;
use mls_nostd::codec::{Encode, List, Writer};
use mls_nostd::credential::{Credential, CredentialUse, CredentialValidator};
use mls_nostd::crypto::{CipherSuite, Curve25519Aes128, Curve25519ChaCha, P256Aes128};
use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use webpki::{
    CertRevocationList, EndEntityCert, ExpirationPolicy, KeyUsage, OwnedCertRevocationList, RevocationCheckDepth,
    RevocationOptionsBuilder, UnknownStatusPolicy,
};

/// The signature scheme of a cipher suite: the kind of key an end-entity
/// certificate must certify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureScheme {
    /// Ed25519 (suites 1 and 3); the MLS signature key is the raw 32-byte
    /// public key.
    Ed25519,
    /// ECDSA over P-256 with SHA-256 (suite 2); the MLS signature key is
    /// the 65-byte SEC1 uncompressed point.
    EcdsaP256Sha256,
}

impl SignatureScheme {
    /// The scheme of the cipher suite `suite` (its IANA value), or
    /// [`X509Error::UnsupportedSuite`].
    pub fn for_suite(suite: u16) -> Result<Self, X509Error> {
        match suite {
            Curve25519Aes128::ID | Curve25519ChaCha::ID => Ok(SignatureScheme::Ed25519),
            P256Aes128::ID => Ok(SignatureScheme::EcdsaP256Sha256),
            _ => Err(X509Error::UnsupportedSuite),
        }
    }
}

/// The source of the current time used for validity periods and CRLs.
type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// The Authentication Service for X.509 credentials: validates a
/// credential's chain against the trust anchors, at the clock's time, and
/// checks it certifies the member's signature key.
///
/// The checks, for an X.509 credential (end-entity certificate first, the
/// others used as intermediates in any order):
///
/// - a path to one of the trust anchors, every signature on it verifying,
///   every certificate on it within its validity period, CA constraints
///   (basic constraints, path length, name constraints) holding;
/// - the end-entity certificate fit for client authentication: when it has
///   an extended key usage extension, the extension lists
///   `id-kp-clientAuth`; when it has none, any use is allowed (RFC 5280
///   §4.2.1.12);
/// - when CRLs are given, no certificate of the path revoked by them; a CRL
///   past its nextUpdate is refused ([`X509Error::CrlExpired`]); a
///   certificate no CRL covers is accepted unless
///   [`X509ValidatorBuilder::require_crl_coverage`] is set;
/// - the end-entity key of the suite's [`SignatureScheme`] and equal to the
///   signature key of the LeafNode (or external sender).
///
/// The certificates of the chain may be signed with any algorithm
/// `rustls-webpki` supports (ECDSA, Ed25519, RSA); only the end-entity key
/// is tied to the suite.
///
/// `basic` credentials are refused unless [`X509ValidatorBuilder::allow_basic`]
/// is set. The rule for successors is [`X509Validator::check_successor`].
///
/// # Example
///
/// ```
/// use mls_std::x509::{SignatureScheme, X509Validator};
/// use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, PKCS_ED25519};
///
/// // A root CA, and a member certificate for an Ed25519 signature key.
/// let ca_key = KeyPair::generate_for(&PKCS_ED25519)?;
/// let mut ca = CertificateParams::default();
/// ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
/// ca.distinguished_name.push(DnType::CommonName, "Example CA");
/// let root = ca.self_signed(&ca_key)?;
///
/// let key = KeyPair::generate_for(&PKCS_ED25519)?;
/// let mut leaf = CertificateParams::new(vec!["alice.example".to_string()])?;
/// leaf.distinguished_name.push(DnType::CommonName, "alice");
/// let cert = leaf.signed_by(&key, &Issuer::from_params(&ca, &ca_key))?;
///
/// let validator = X509Validator::builder(SignatureScheme::Ed25519)
///     .trust_anchor(root.der())
///     .build()?;
/// let chain: [&[u8]; 1] = [cert.der()];
/// let identity = validator.check_chain(&chain, key.public_key_raw())?;
/// assert_eq!(identity.subject(), "CN=alice");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct X509Validator {
    scheme: SignatureScheme,
    anchors: Vec<TrustAnchor<'static>>,
    crls: Arc<[CertRevocationList<'static>]>,
    clock: Clock,
    allow_basic: bool,
    require_crl_coverage: bool,
}

impl fmt::Debug for X509Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("X509Validator")
            .field("scheme", &self.scheme)
            .field("anchors", &self.anchors.len())
            .field("crls", &self.crls.len())
            .field("allow_basic", &self.allow_basic)
            .field("require_crl_coverage", &self.require_crl_coverage)
            .finish_non_exhaustive()
    }
}

/// Builds an [`X509Validator`]; made by [`X509Validator::builder`].
#[must_use]
pub struct X509ValidatorBuilder {
    scheme: SignatureScheme,
    anchors: Vec<Vec<u8>>,
    crls: Vec<Vec<u8>>,
    clock: Option<Clock>,
    allow_basic: bool,
    require_crl_coverage: bool,
}

impl fmt::Debug for X509ValidatorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("X509ValidatorBuilder")
            .field("scheme", &self.scheme)
            .field("anchors", &self.anchors.len())
            .field("crls", &self.crls.len())
            .field("allow_basic", &self.allow_basic)
            .field("require_crl_coverage", &self.require_crl_coverage)
            .finish_non_exhaustive()
    }
}

impl X509ValidatorBuilder {
    /// Trusts the (self-signed or not) CA certificate `der` as a root.
    pub fn trust_anchor(mut self, der: &[u8]) -> Self {
        self.anchors.push(der.to_vec());
        self
    }

    /// Trusts each of the CA certificates in `ders`.
    pub fn trust_anchors<'a>(mut self, ders: impl IntoIterator<Item = &'a [u8]>) -> Self {
        self.anchors.extend(ders.into_iter().map(<[u8]>::to_vec));
        self
    }

    /// Checks paths against the DER certificate revocation list `der`.
    pub fn crl(mut self, der: &[u8]) -> Self {
        self.crls.push(der.to_vec());
        self
    }

    /// Takes the current time from `clock` instead of the system clock.
    pub fn clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Accepts `basic` credentials (without any check) besides X.509 ones.
    /// Off by default.
    pub fn allow_basic(mut self, allow: bool) -> Self {
        self.allow_basic = allow;
        self
    }

    /// With CRLs given, refuses a certificate of the path that no CRL
    /// covers ([`X509Error::RevocationUnknown`]). Off by default.
    pub fn require_crl_coverage(mut self, require: bool) -> Self {
        self.require_crl_coverage = require;
        self
    }

    /// The validator, or [`X509Error::NoTrustAnchor`] when no anchor was
    /// given, [`X509Error::Malformed`] for an anchor that cannot be parsed,
    /// [`X509Error::BadCrl`] for a CRL that cannot be parsed.
    pub fn build(self) -> Result<X509Validator, X509Error> {
        if self.anchors.is_empty() {
            return Err(X509Error::NoTrustAnchor);
        }
        let anchors = self
            .anchors
            .iter()
            .map(|der| {
                let der = CertificateDer::from(der.as_slice());
                webpki::anchor_from_trusted_cert(&der)
                    .map(|a| a.to_owned())
                    .map_err(|_| X509Error::Malformed)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let crls = self
            .crls
            .iter()
            .map(|der| {
                OwnedCertRevocationList::from_der(der)
                    .map(CertRevocationList::from)
                    .map_err(|_| X509Error::BadCrl)
            })
            .collect::<Result<Arc<[_]>, _>>()?;
        Ok(X509Validator {
            scheme: self.scheme,
            anchors,
            crls,
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemTime::now)),
            allow_basic: self.allow_basic,
            require_crl_coverage: self.require_crl_coverage,
        })
    }
}

impl X509Validator {
    /// A builder for a validator of credentials whose keys are of `scheme`
    /// (see [`SignatureScheme::for_suite`]).
    pub fn builder(scheme: SignatureScheme) -> X509ValidatorBuilder {
        X509ValidatorBuilder {
            scheme,
            anchors: Vec::new(),
            crls: Vec::new(),
            clock: None,
            allow_basic: false,
            require_crl_coverage: false,
        }
    }

    /// The signature scheme end-entity keys must be of.
    pub fn scheme(&self) -> SignatureScheme {
        self.scheme
    }

    /// Validates the chain `certificates` (DER, end-entity first) and checks
    /// the end-entity certificate certifies `signature_key`; returns the
    /// identity it names. The checks are listed on [`X509Validator`].
    pub fn check_chain(&self, certificates: &[&[u8]], signature_key: &[u8]) -> Result<Identity, X509Error> {
        let (first, rest) = certificates.split_first().ok_or(X509Error::EmptyChain)?;
        let ee_der = CertificateDer::from(*first);
        let ee = EndEntityCert::try_from(&ee_der).map_err(|e| X509Error::from_webpki(&e))?;
        let intermediates: Vec<CertificateDer<'_>> = rest.iter().map(|c| CertificateDer::from(*c)).collect();

        let crls: Vec<&CertRevocationList<'_>> = self.crls.iter().collect();
        let revocation = RevocationOptionsBuilder::new(&crls).ok().map(|b| {
            let status = if self.require_crl_coverage {
                UnknownStatusPolicy::Deny
            } else {
                UnknownStatusPolicy::Allow
            };
            b.with_depth(RevocationCheckDepth::Chain)
                .with_status_policy(status)
                .with_expiration_policy(ExpirationPolicy::Enforce)
                .build()
        });

        ee.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &self.anchors,
            &intermediates,
            self.now(),
            KeyUsage::client_auth(),
            revocation,
            None,
        )
        .map_err(|e| X509Error::from_webpki(&e))?;

        let parsed = Parsed::new(first)?;
        if parsed.public_key(self.scheme)? != signature_key {
            return Err(X509Error::KeyMismatch);
        }
        parsed.identity()
    }

    /// Checks `credential`, presented with `signature_key`: an X.509 one
    /// with [`check_chain`](Self::check_chain), returning its identity; a
    /// `basic` one per [`X509ValidatorBuilder::allow_basic`], returning
    /// `None`.
    pub fn check_credential(
        &self,
        credential: &Credential<'_>,
        signature_key: &[u8],
    ) -> Result<Option<Identity>, X509Error> {
        match credential {
            Credential::Basic { .. } if self.allow_basic => Ok(None),
            Credential::Basic { .. } => Err(X509Error::BasicNotAllowed),
            Credential::X509 { certificates } => {
                let certs: Vec<&[u8]> = certificates.iter().collect();
                self.check_chain(&certs, signature_key).map(Some)
            }
        }
    }

    /// Checks that `new` may succeed `old` for the same member. The rule
    /// (RFC 9420 §5.3.1 leaves it to the application):
    ///
    /// - two X.509 credentials: their end-entity certificates name the same
    ///   entity ([`Identity::is_same_as`]: the same non-empty subject, or a
    ///   subject alternative name in common); otherwise
    ///   [`X509Error::IdentityChanged`];
    /// - two `basic` credentials (when allowed): the same identity bytes;
    /// - a change of credential type: [`X509Error::IdentityChanged`];
    /// - a `basic` credential when they are not allowed:
    ///   [`X509Error::BasicNotAllowed`].
    ///
    /// Only identities are compared: `new` is validated on its own (the
    /// group does so with [`CredentialValidator::validate`]), and `old` is
    /// not validated again, so an expired predecessor may be replaced.
    pub fn check_successor(&self, old: &Credential<'_>, new: &Credential<'_>) -> Result<(), X509Error> {
        let basic = matches!(old, Credential::Basic { .. }) || matches!(new, Credential::Basic { .. });
        if basic && !self.allow_basic {
            return Err(X509Error::BasicNotAllowed);
        }
        match (old, new) {
            (Credential::Basic { identity: a }, Credential::Basic { identity: b }) if a == b => Ok(()),
            (Credential::X509 { certificates: a }, Credential::X509 { certificates: b }) => {
                let a = Identity::from_certificate(a.get(0).ok_or(X509Error::EmptyChain)?)?;
                let b = Identity::from_certificate(b.get(0).ok_or(X509Error::EmptyChain)?)?;
                if a.is_same_as(&b) {
                    Ok(())
                } else {
                    Err(X509Error::IdentityChanged)
                }
            }
            _ => Err(X509Error::IdentityChanged),
        }
    }

    fn now(&self) -> UnixTime {
        // A clock before 1970 reads as 1970: every certificate is then not
        // yet valid.
        let since = (self.clock)().duration_since(UNIX_EPOCH).unwrap_or_default();
        UnixTime::since_unix_epoch(since)
    }
}

impl CredentialValidator for X509Validator {
    /// [`X509Validator::check_credential`]; a refusal is the
    /// [`X509Error::reason`]. The checks are the same for every `usage`.
    fn validate(
        &self,
        credential: &Credential<'_>,
        signature_key: &[u8],
        _usage: CredentialUse,
    ) -> Result<(), &'static str> {
        self.check_credential(credential, signature_key)
            .map(|_| ())
            .map_err(|e| e.reason())
    }

    /// [`X509Validator::check_successor`]; a refusal is the
    /// [`X509Error::reason`].
    fn validate_successor(&self, old: &Credential<'_>, new: &Credential<'_>) -> Result<(), &'static str> {
        self.check_successor(old, new).map_err(|e| e.reason())
    }
}

/// The MLS `x509` credential carrying `certificates` (DER, end-entity
/// first).
pub fn x509_credential<'a>(certificates: &'a [&'a [u8]]) -> Credential<'a> {
    Credential::X509 {
        certificates: List::from_slice(certificates),
    }
}

/// The encoding of the MLS `x509` credential carrying `certificates` (DER,
/// end-entity first), or the codec's error when a vector is too long.
pub fn encode_x509_credential(certificates: &[&[u8]]) -> Result<Vec<u8>, mls_nostd::Error> {
    let credential = x509_credential(certificates);
    let mut counter = Writer::counter();
    credential.encode(&mut counter);
    let mut out = vec![0; counter.finish()?];
    let mut w = Writer::new(&mut out);
    credential.encode(&mut w);
    w.finish()?;
    Ok(out)
}
