//! X.509 credentials: real chains (root CA → intermediate → member) made
//! with `rcgen` at test time, the member key being an MLS signature key from
//! the core's suites.

use mls_nostd::codec::{Decode, Reader};
use mls_nostd::credential::{Credential, CredentialUse, CredentialValidator};
use mls_nostd::crypto::{CipherSuite, Curve25519Aes128, P256Aes128};
use mls_std::x509::{
    Identity, SignatureScheme, SubjectAltName, X509Error, X509Validator, encode_x509_credential, x509_credential,
};
use rand_core::SeedableRng;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, RevocationReason, RevokedCertParams, SanType, SerialNumber,
    date_time_ymd,
};
use rustls_pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

// ---------------------------------------------------------------------------
// Keys

#[derive(Clone, Copy, Debug)]
enum Alg {
    Ed25519,
    P256,
}

impl Alg {
    fn scheme(self) -> SignatureScheme {
        match self {
            Alg::Ed25519 => SignatureScheme::Ed25519,
            Alg::P256 => SignatureScheme::EcdsaP256Sha256,
        }
    }

    fn rcgen(self) -> &'static rcgen::SignatureAlgorithm {
        match self {
            Alg::Ed25519 => &rcgen::PKCS_ED25519,
            Alg::P256 => &rcgen::PKCS_ECDSA_P256_SHA256,
        }
    }
}

/// An MLS signature key pair made by the core's suite keygen, and the same
/// key for rcgen to certify.
struct MemberKey {
    alg: Alg,
    private: Vec<u8>,
    public: Vec<u8>,
    rcgen: KeyPair,
}

fn member_key(alg: Alg, seed: u8) -> MemberKey {
    let mut rng = chacha20::ChaCha20Rng::from_seed([seed; 32]);
    let (sk, pk) = match alg {
        Alg::Ed25519 => Curve25519Aes128.signature_key_pair(&mut rng),
        Alg::P256 => P256Aes128.signature_key_pair(&mut rng),
    };
    let (private, public) = (sk.as_slice().to_vec(), pk.as_slice().to_vec());
    // PKCS#8 v1 wrappings of the raw keys (RFC 8410, RFC 5915).
    let pkcs8 = match alg {
        // The seed: the first half of the core's key (seed and public key).
        Alg::Ed25519 => [&hex("302e020100300506032b657004220420")[..], &private[..32]].concat(),
        Alg::P256 => [
            &hex("308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420")[..],
            &private,
            &hex("a144034200"),
            &public,
        ]
        .concat(),
    };
    let rcgen = KeyPair::from_pkcs8_der_and_sign_algo(&PrivatePkcs8KeyDer::from(pkcs8), alg.rcgen()).unwrap();
    assert_eq!(rcgen.public_key_raw(), public.as_slice(), "rcgen sees the core's key");
    MemberKey {
        alg,
        private,
        public,
        rcgen,
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

// ---------------------------------------------------------------------------
// Certificates

type Ymd = (i32, u8, u8);
const NOW: Ymd = (2030, 6, 1);
const LONG: (Ymd, Ymd) = ((2020, 1, 1), (2040, 1, 1));
const CURRENT: (Ymd, Ymd) = ((2029, 1, 1), (2031, 1, 1));

fn clock_at(t: Ymd) -> impl Fn() -> SystemTime + Send + Sync + 'static {
    let secs = date_time_ymd(t.0, t.1, t.2).unix_timestamp() as u64;
    move || UNIX_EPOCH + Duration::from_secs(secs)
}

struct Ca {
    params: CertificateParams,
    key: KeyPair,
    der: Vec<u8>,
}

fn ca_params(name: &str, validity: (Ymd, Ymd)) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name.push(DnType::CommonName, name);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.not_before = date_time_ymd(validity.0.0, validity.0.1, validity.0.2);
    p.not_after = date_time_ymd(validity.1.0, validity.1.1, validity.1.2);
    p
}

impl Ca {
    fn root(name: &str, alg: Alg) -> Ca {
        let params = ca_params(name, LONG);
        let key = KeyPair::generate_for(alg.rcgen()).unwrap();
        let der = params.self_signed(&key).unwrap().der().to_vec();
        Ca { params, key, der }
    }

    fn intermediate(&self, name: &str, alg: Alg, validity: (Ymd, Ymd)) -> Ca {
        let params = ca_params(name, validity);
        let key = KeyPair::generate_for(alg.rcgen()).unwrap();
        let der = params.signed_by(&key, &self.issuer()).unwrap().der().to_vec();
        Ca { params, key, der }
    }

    fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }

    fn sign(&self, params: &CertificateParams, key: &KeyPair) -> Vec<u8> {
        params.signed_by(key, &self.issuer()).unwrap().der().to_vec()
    }
}

fn leaf_params(cn: &str, sans: &[&str], validity: (Ymd, Ymd)) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.subject_alt_names = sans
        .iter()
        .map(|s| match s.strip_prefix("uri:") {
            Some(uri) => SanType::URI((*uri).try_into().unwrap()),
            None => SanType::Rfc822Name((*s).try_into().unwrap()),
        })
        .collect();
    p.not_before = date_time_ymd(validity.0.0, validity.0.1, validity.0.2);
    p.not_after = date_time_ymd(validity.1.0, validity.1.1, validity.1.2);
    p
}

/// Root → intermediate → member, all current, with the member's key.
struct Pki {
    root: Ca,
    inter: Ca,
    member: MemberKey,
    leaf: Vec<u8>,
}

fn pki(alg: Alg) -> Pki {
    let root = Ca::root("Test Root", alg);
    let inter = root.intermediate("Test Intermediate", alg, LONG);
    let member = member_key(alg, 7);
    let leaf = inter.sign(
        &leaf_params("alice", &["alice@example.com", "uri:im:alice@example.com"], CURRENT),
        &member.rcgen,
    );
    Pki {
        root,
        inter,
        member,
        leaf,
    }
}

impl Pki {
    fn validator(&self) -> X509Validator {
        X509Validator::builder(self.member.alg.scheme())
            .trust_anchor(&self.root.der)
            .clock(clock_at(NOW))
            .build()
            .unwrap()
    }

    /// A member certificate issued by the intermediate.
    fn leaf(&self, params: &CertificateParams) -> Vec<u8> {
        self.inter.sign(params, &self.member.rcgen)
    }

    fn check(&self, v: &X509Validator, leaf: &[u8]) -> Result<Identity, X509Error> {
        v.check_chain(&[leaf, &self.inter.der], &self.member.public)
    }
}

const ALGS: [Alg; 2] = [Alg::Ed25519, Alg::P256];

// ---------------------------------------------------------------------------
// Chains

#[test]
fn valid_chain_is_accepted_with_its_identity() {
    for alg in ALGS {
        let p = pki(alg);
        let id = p.check(&p.validator(), &p.leaf).unwrap();
        assert_eq!(id.subject(), "CN=alice");
        assert!(!id.has_empty_subject());
        assert_eq!(
            id.alt_names(),
            [
                SubjectAltName::Email("alice@example.com".into()),
                SubjectAltName::Uri("im:alice@example.com".into())
            ]
        );
        assert_eq!(id, Identity::from_certificate(&p.leaf).unwrap());
    }
}

#[test]
fn intermediates_may_come_in_any_order_and_include_extras() {
    let p = pki(Alg::Ed25519);
    let stray = Ca::root("Stray", Alg::P256);
    let v = p.validator();
    v.check_chain(&[&p.leaf, &stray.der, &p.inter.der, &p.root.der], &p.member.public)
        .unwrap();
}

#[test]
fn leaf_issued_by_the_root_directly_is_accepted() {
    let p = pki(Alg::P256);
    let leaf = p.root.sign(&leaf_params("bob", &[], CURRENT), &p.member.rcgen);
    p.validator().check_chain(&[&leaf], &p.member.public).unwrap();
}

#[test]
fn chain_signed_with_another_algorithm_than_the_suite() {
    // A P-256 PKI certifying an Ed25519 member key, for suite 1.
    let root = Ca::root("P-256 Root", Alg::P256);
    let member = member_key(Alg::Ed25519, 3);
    let leaf = root.sign(&leaf_params("carol", &[], CURRENT), &member.rcgen);
    let v = X509Validator::builder(SignatureScheme::Ed25519)
        .trust_anchor(&root.der)
        .clock(clock_at(NOW))
        .build()
        .unwrap();
    v.check_chain(&[&leaf], &member.public).unwrap();
}

#[test]
fn expired_leaf() {
    for alg in ALGS {
        let p = pki(alg);
        let leaf = p.leaf(&leaf_params("alice", &[], ((2020, 1, 1), (2021, 1, 1))));
        assert_eq!(p.check(&p.validator(), &leaf), Err(X509Error::Expired));
    }
}

#[test]
fn not_yet_valid_leaf() {
    for alg in ALGS {
        let p = pki(alg);
        let leaf = p.leaf(&leaf_params("alice", &[], ((2035, 1, 1), (2036, 1, 1))));
        assert_eq!(p.check(&p.validator(), &leaf), Err(X509Error::NotYetValid));
    }
}

#[test]
fn the_clock_decides() {
    let p = pki(Alg::Ed25519);
    let at = |t| {
        X509Validator::builder(SignatureScheme::Ed25519)
            .trust_anchor(&p.root.der)
            .clock(clock_at(t))
            .build()
            .unwrap()
    };
    assert!(p.check(&at(NOW), &p.leaf).is_ok());
    assert_eq!(p.check(&at((2028, 12, 31)), &p.leaf), Err(X509Error::NotYetValid));
    assert_eq!(p.check(&at((2031, 1, 2)), &p.leaf), Err(X509Error::Expired));
}

#[test]
fn expired_intermediate() {
    for alg in ALGS {
        let p = pki(alg);
        let old = p
            .root
            .intermediate("Old Intermediate", alg, ((2020, 1, 1), (2021, 1, 1)));
        let leaf = old.sign(&leaf_params("alice", &[], CURRENT), &p.member.rcgen);
        let r = p.validator().check_chain(&[&leaf, &old.der], &p.member.public);
        assert_eq!(r, Err(X509Error::Expired));
    }
}

#[test]
fn key_mismatch() {
    for alg in ALGS {
        let p = pki(alg);
        let other = member_key(alg, 8);
        let r = p.validator().check_chain(&[&p.leaf, &p.inter.der], &other.public);
        assert_eq!(r, Err(X509Error::KeyMismatch));
        let r = p.validator().check_chain(&[&p.leaf, &p.inter.der], &[]);
        assert_eq!(r, Err(X509Error::KeyMismatch));
    }
}

#[test]
fn key_of_another_scheme_is_unsupported() {
    // An Ed25519 member certificate offered to a suite-2 validator.
    let p = pki(Alg::Ed25519);
    let v = X509Validator::builder(SignatureScheme::EcdsaP256Sha256)
        .trust_anchor(&p.root.der)
        .clock(clock_at(NOW))
        .build()
        .unwrap();
    assert_eq!(p.check(&v, &p.leaf), Err(X509Error::UnsupportedKey));
}

#[test]
fn untrusted_root() {
    for alg in ALGS {
        let p = pki(alg);
        let other = Ca::root("Other Root", alg);
        let v = X509Validator::builder(alg.scheme())
            .trust_anchor(&other.der)
            .clock(clock_at(NOW))
            .build()
            .unwrap();
        assert_eq!(p.check(&v, &p.leaf), Err(X509Error::UntrustedRoot));
        // Without the intermediate, no path either.
        let r = p.validator().check_chain(&[&p.leaf], &p.member.public);
        assert_eq!(r, Err(X509Error::UntrustedRoot));
    }
}

#[test]
fn chain_from_an_impostor_ca_with_the_trusted_name() {
    for alg in ALGS {
        let p = pki(alg);
        // Same subject name as the trusted root, another key.
        let impostor = Ca::root("Test Root", alg);
        let inter = impostor.intermediate("Test Intermediate", alg, LONG);
        let leaf = inter.sign(&leaf_params("alice", &[], CURRENT), &p.member.rcgen);
        let r = p.validator().check_chain(&[&leaf, &inter.der], &p.member.public);
        assert_eq!(r, Err(X509Error::BadSignature));
    }
}

#[test]
fn tampered_leaf_signature() {
    let p = pki(Alg::Ed25519);
    let mut leaf = p.leaf.clone();
    let last = leaf.len() - 1;
    leaf[last] ^= 1; // in the signature BIT STRING
    assert_eq!(p.check(&p.validator(), &leaf), Err(X509Error::BadSignature));
}

#[test]
fn malformed_and_truncated_der() {
    let p = pki(Alg::P256);
    let v = p.validator();
    let truncated = &p.leaf[..p.leaf.len() - 10];
    assert_eq!(p.check(&v, truncated), Err(X509Error::Malformed));
    assert_eq!(p.check(&v, &[]), Err(X509Error::Malformed));
    assert_eq!(p.check(&v, &[0x30, 0x03, 1, 2, 3]), Err(X509Error::Malformed));
    assert_eq!(p.check(&v, b"not a certificate"), Err(X509Error::Malformed));
    let mut trailing = p.leaf.clone();
    trailing.push(0);
    assert_eq!(p.check(&v, &trailing), Err(X509Error::Malformed));
    assert_eq!(Identity::from_certificate(truncated), Err(X509Error::Malformed));
}

#[test]
fn malformed_intermediate() {
    let p = pki(Alg::Ed25519);
    let r = p
        .validator()
        .check_chain(&[&p.leaf, &p.inter.der[..20]], &p.member.public);
    assert_eq!(r, Err(X509Error::Malformed));
}

#[test]
fn empty_chain() {
    let p = pki(Alg::Ed25519);
    assert_eq!(
        p.validator().check_chain(&[], &p.member.public),
        Err(X509Error::EmptyChain)
    );
}

#[test]
fn extended_key_usage() {
    for alg in ALGS {
        let p = pki(alg);
        let v = p.validator();
        let mut params = leaf_params("alice", &[], CURRENT);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        assert_eq!(p.check(&v, &p.leaf(&params)), Err(X509Error::WrongUsage));
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
        assert!(p.check(&v, &p.leaf(&params)).is_ok());
    }
}

#[test]
fn ca_certificate_as_member_is_refused() {
    let p = pki(Alg::Ed25519);
    let params = ca_params("alice", CURRENT);
    assert_eq!(
        p.check(&p.validator(), &p.leaf(&params)),
        Err(X509Error::ConstraintViolation)
    );
}

// ---------------------------------------------------------------------------
// Revocation

fn crl(ca: &Ca, serials: &[u64], validity: (Ymd, Ymd)) -> Vec<u8> {
    let params = CertificateRevocationListParams {
        this_update: date_time_ymd(validity.0.0, validity.0.1, validity.0.2),
        next_update: date_time_ymd(validity.1.0, validity.1.1, validity.1.2),
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: serials
            .iter()
            .map(|s| RevokedCertParams {
                serial_number: SerialNumber::from(*s),
                revocation_time: date_time_ymd(2030, 5, 15),
                reason_code: Some(RevocationReason::KeyCompromise),
                invalidity_date: None,
            })
            .collect(),
        key_identifier_method: KeyIdMethod::Sha256,
    };
    params.signed_by(&ca.issuer()).unwrap().der().to_vec()
}

const CRL_CURRENT: (Ymd, Ymd) = ((2030, 5, 1), (2030, 7, 1));

fn with_serial(serial: u64) -> CertificateParams {
    let mut params = leaf_params("alice", &[], CURRENT);
    params.serial_number = Some(SerialNumber::from(serial));
    params
}

#[test]
fn revoked_leaf() {
    for alg in ALGS {
        let p = pki(alg);
        let v = X509Validator::builder(alg.scheme())
            .trust_anchor(&p.root.der)
            .crl(&crl(&p.inter, &[42], CRL_CURRENT))
            .clock(clock_at(NOW))
            .build()
            .unwrap();
        assert_eq!(p.check(&v, &p.leaf(&with_serial(42))), Err(X509Error::Revoked));
        assert!(p.check(&v, &p.leaf(&with_serial(43))).is_ok());
    }
}

#[test]
fn revoked_intermediate() {
    let p = pki(Alg::P256);
    let v = X509Validator::builder(SignatureScheme::EcdsaP256Sha256)
        .trust_anchor(&p.root.der)
        .crl(&crl(&p.root, &[77], CRL_CURRENT))
        .clock(clock_at(NOW))
        .build()
        .unwrap();
    let mut params = ca_params("Revoked Intermediate", LONG);
    params.serial_number = Some(SerialNumber::from(77u64));
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let der = params.signed_by(&key, &p.root.issuer()).unwrap().der().to_vec();
    let inter = Ca { params, key, der };
    let leaf = inter.sign(&with_serial(5), &p.member.rcgen);
    let r = v.check_chain(&[&leaf, &inter.der], &p.member.public);
    assert_eq!(r, Err(X509Error::Revoked));
}

#[test]
fn stale_crl_and_coverage() {
    let p = pki(Alg::Ed25519);
    let builder = || {
        X509Validator::builder(SignatureScheme::Ed25519)
            .trust_anchor(&p.root.der)
            .clock(clock_at(NOW))
    };
    let stale = builder()
        .crl(&crl(&p.inter, &[], ((2030, 1, 1), (2030, 2, 1))))
        .build()
        .unwrap();
    assert_eq!(p.check(&stale, &p.leaf), Err(X509Error::CrlExpired));

    // Only the intermediate publishes a CRL: the intermediate itself is not
    // covered.
    let partial = builder().crl(&crl(&p.inter, &[], CRL_CURRENT));
    assert!(p.check(&partial.build().unwrap(), &p.leaf).is_ok());
    let partial = builder().crl(&crl(&p.inter, &[], CRL_CURRENT));
    let strict = partial.require_crl_coverage(true).build().unwrap();
    assert_eq!(p.check(&strict, &p.leaf), Err(X509Error::RevocationUnknown));
    let full = builder()
        .crl(&crl(&p.inter, &[], CRL_CURRENT))
        .crl(&crl(&p.root, &[], CRL_CURRENT))
        .require_crl_coverage(true)
        .build()
        .unwrap();
    assert!(p.check(&full, &p.leaf).is_ok());
}

// ---------------------------------------------------------------------------
// Builder

#[test]
fn builder_errors() {
    let p = pki(Alg::Ed25519);
    let b = || X509Validator::builder(SignatureScheme::Ed25519);
    assert_eq!(b().build().unwrap_err(), X509Error::NoTrustAnchor);
    assert_eq!(
        b().trust_anchor(&p.root.der[..30]).build().unwrap_err(),
        X509Error::Malformed
    );
    assert_eq!(
        b().trust_anchor(&p.root.der).crl(b"junk").build().unwrap_err(),
        X509Error::BadCrl
    );
    let v = b().trust_anchors([&p.root.der[..], &p.inter.der[..]]).build().unwrap();
    assert_eq!(v.scheme(), SignatureScheme::Ed25519);
}

#[test]
fn suites_map_to_schemes() {
    assert_eq!(SignatureScheme::for_suite(1), Ok(SignatureScheme::Ed25519));
    assert_eq!(SignatureScheme::for_suite(2), Ok(SignatureScheme::EcdsaP256Sha256));
    assert_eq!(SignatureScheme::for_suite(3), Ok(SignatureScheme::Ed25519));
    assert_eq!(SignatureScheme::for_suite(7), Err(X509Error::UnsupportedSuite));
}

#[test]
fn default_clock_is_the_system_time() {
    // A certificate valid around now, checked without an injected clock.
    let root = Ca::root("Now Root", Alg::Ed25519);
    let member = member_key(Alg::Ed25519, 9);
    let mut params = leaf_params("now", &[], CURRENT);
    params.not_before = rcgen::date_time_ymd(2000, 1, 1);
    params.not_after = rcgen::date_time_ymd(2999, 1, 1);
    let leaf = root.sign(&params, &member.rcgen);
    let v = X509Validator::builder(SignatureScheme::Ed25519)
        .trust_anchor(&root.der)
        .build()
        .unwrap();
    v.check_chain(&[&leaf], &member.public).unwrap();
}

// ---------------------------------------------------------------------------
// The credential hook

#[test]
fn through_the_trait_with_reasons() {
    for alg in ALGS {
        let p = pki(alg);
        let v = p.validator();
        let chain: [&[u8]; 2] = [&p.leaf, &p.inter.der];
        // Encoded and decoded as the group would see it.
        let bytes = encode_x509_credential(&chain).unwrap();
        let mut r = Reader::new(&bytes);
        let cred = Credential::decode(&mut r).unwrap();
        r.finish().unwrap();
        assert_eq!(cred, x509_credential(&chain));
        for usage in [
            CredentialUse::KeyPackage,
            CredentialUse::GroupMember,
            CredentialUse::Update,
            CredentialUse::ExternalSender,
        ] {
            assert_eq!(v.validate(&cred, &p.member.public, usage), Ok(()));
        }
        let other = member_key(alg, 99);
        assert_eq!(
            v.validate(&cred, &other.public, CredentialUse::Update),
            Err("x509: key mismatch")
        );
        let only_leaf: [&[u8]; 1] = [&p.leaf];
        assert_eq!(
            v.validate(
                &x509_credential(&only_leaf),
                &p.member.public,
                CredentialUse::KeyPackage
            ),
            Err("x509: untrusted root")
        );
        assert_eq!(
            v.validate(&x509_credential(&[]), &p.member.public, CredentialUse::GroupMember),
            Err("x509: empty chain")
        );
        // Through a reference, as the group holds it.
        let by_ref: &dyn CredentialValidator = &v;
        assert_eq!(
            by_ref.validate(&cred, &p.member.public, CredentialUse::KeyPackage),
            Ok(())
        );
    }
}

#[test]
fn basic_refused_unless_allowed() {
    let p = pki(Alg::Ed25519);
    let basic = Credential::Basic { identity: b"alice" };
    let v = p.validator();
    assert_eq!(
        v.check_credential(&basic, &p.member.public),
        Err(X509Error::BasicNotAllowed)
    );
    assert_eq!(
        v.validate(&basic, &p.member.public, CredentialUse::KeyPackage),
        Err("x509: basic credential not allowed")
    );
    let open = X509Validator::builder(SignatureScheme::Ed25519)
        .trust_anchor(&p.root.der)
        .allow_basic(true)
        .clock(clock_at(NOW))
        .build()
        .unwrap();
    assert_eq!(open.check_credential(&basic, &p.member.public), Ok(None));
    assert_eq!(
        open.validate(&basic, &p.member.public, CredentialUse::KeyPackage),
        Ok(())
    );
    // X.509 credentials are still checked.
    let chain: [&[u8]; 2] = [&p.leaf, &p.inter.der];
    assert!(
        open.check_credential(&x509_credential(&chain), &p.member.public)
            .unwrap()
            .is_some()
    );
}

#[test]
fn successor_same_subject_or_shared_san() {
    let p = pki(Alg::P256);
    let v = p.validator();
    let new_key = member_key(Alg::P256, 11);

    // Same subject, new key and no SAN in common.
    let renewed = p
        .inter
        .sign(&leaf_params("alice", &["alice@new.example"], CURRENT), &new_key.rcgen);
    // Another subject, a SAN in common.
    let renamed = p.inter.sign(
        &leaf_params("Alice Liddell", &["uri:im:alice@example.com"], CURRENT),
        &new_key.rcgen,
    );
    // Another subject, no SAN in common.
    let mallory = p.inter.sign(
        &leaf_params("mallory", &["mallory@example.com"], CURRENT),
        &new_key.rcgen,
    );

    let old: [&[u8]; 2] = [&p.leaf, &p.inter.der];
    let old = x509_credential(&old);
    for (new, expected) in [
        (&renewed, Ok(())),
        (&renamed, Ok(())),
        (&mallory, Err(X509Error::IdentityChanged)),
    ] {
        let chain: [&[u8]; 2] = [new, &p.inter.der];
        let new = x509_credential(&chain);
        assert_eq!(v.check_successor(&old, &new), expected);
        assert_eq!(v.validate_successor(&old, &new), expected.map_err(|e| e.reason()));
    }
    assert_eq!(
        v.validate_successor(&old, &x509_credential(&[&mallory[..]])),
        Err("x509: identity changed")
    );
}

#[test]
fn successor_across_credential_types() {
    let p = pki(Alg::Ed25519);
    let chain: [&[u8]; 2] = [&p.leaf, &p.inter.der];
    let x509 = x509_credential(&chain);
    let alice = Credential::Basic { identity: b"alice" };
    let bob = Credential::Basic { identity: b"bob" };

    let v = p.validator();
    assert_eq!(v.check_successor(&alice, &alice), Err(X509Error::BasicNotAllowed));
    assert_eq!(v.check_successor(&x509, &alice), Err(X509Error::BasicNotAllowed));
    assert_eq!(
        v.check_successor(&x509, &x509_credential(&[])),
        Err(X509Error::EmptyChain)
    );

    let open = X509Validator::builder(SignatureScheme::Ed25519)
        .trust_anchor(&p.root.der)
        .allow_basic(true)
        .build()
        .unwrap();
    assert_eq!(open.check_successor(&alice, &alice), Ok(()));
    assert_eq!(open.check_successor(&alice, &bob), Err(X509Error::IdentityChanged));
    assert_eq!(open.check_successor(&alice, &x509), Err(X509Error::IdentityChanged));
    assert_eq!(open.check_successor(&x509, &alice), Err(X509Error::IdentityChanged));
}

#[test]
fn identity_rules() {
    let p = pki(Alg::Ed25519);
    let empty_subject = {
        let mut params = leaf_params("x", &["alice@example.com"], CURRENT);
        params.distinguished_name = rcgen::DistinguishedName::new();
        Identity::from_certificate(&p.leaf(&params)).unwrap()
    };
    let empty_no_san = {
        let mut params = leaf_params("x", &["nobody@example.com"], CURRENT);
        params.distinguished_name = rcgen::DistinguishedName::new();
        Identity::from_certificate(&p.leaf(&params)).unwrap()
    };
    let alice = Identity::from_certificate(&p.leaf).unwrap();
    assert!(empty_subject.has_empty_subject());
    assert_eq!(empty_subject.subject(), "");
    assert!(empty_subject.is_same_as(&alice), "shares the e-mail SAN");
    assert!(
        !empty_no_san.is_same_as(&empty_subject),
        "two empty subjects are not a match"
    );
    assert!(SubjectAltName::Dns("Alice.Example".into()).matches(&SubjectAltName::Dns("alice.example".into())));
    assert!(!SubjectAltName::Email("A@x".into()).matches(&SubjectAltName::Email("a@x".into())));
}

// ---------------------------------------------------------------------------
// The certificate binds the MLS key

#[test]
fn mls_signature_verifies_under_the_certificate() {
    for alg in ALGS {
        let p = pki(alg);
        let msg: &[&[u8]] = &[b"MLS 1.0 ", b"LeafNodeTBS"];
        let (sig, webpki_alg): (Vec<u8>, &dyn rustls_pki_types::SignatureVerificationAlgorithm) = match alg {
            Alg::Ed25519 => (
                Curve25519Aes128
                    .sign(&p.member.private, msg)
                    .unwrap()
                    .as_slice()
                    .to_vec(),
                webpki::ring::ED25519,
            ),
            Alg::P256 => (
                P256Aes128.sign(&p.member.private, msg).unwrap().as_slice().to_vec(),
                webpki::ring::ECDSA_P256_SHA256,
            ),
        };
        let der = CertificateDer::from(p.leaf.as_slice());
        let ee = webpki::EndEntityCert::try_from(&der).unwrap();
        ee.verify_signature(webpki_alg, &msg.concat(), &sig).unwrap();
    }
}

// ---------------------------------------------------------------------------
// No panic from certificate bytes

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    fn fixture() -> &'static (Pki, X509Validator) {
        static F: std::sync::OnceLock<(Pki, X509Validator)> = std::sync::OnceLock::new();
        F.get_or_init(|| {
            let p = pki(Alg::P256);
            let v = p.validator();
            (p, v)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn mutated_leaf_never_panics(i in any::<prop::sample::Index>(), b in any::<u8>(), cut in any::<prop::sample::Index>()) {
            let (p, v) = fixture();
            let mut leaf = p.leaf.clone();
            let at = i.index(leaf.len());
            leaf[at] = b;
            leaf.truncate(cut.index(leaf.len() + 1).max(at + 1));
            let r = v.check_chain(&[&leaf, &p.inter.der], &p.member.public);
            if leaf != p.leaf {
                prop_assert!(r.is_err());
            }
            let _ = Identity::from_certificate(&leaf);
        }

        #[test]
        fn random_bytes_never_panic(a in prop::collection::vec(any::<u8>(), 0..300), b in prop::collection::vec(any::<u8>(), 0..300)) {
            let (p, v) = fixture();
            prop_assert!(v.check_chain(&[&a, &b], &p.member.public).is_err());
            let _ = v.check_successor(&x509_credential(&[&a[..]]), &x509_credential(&[&b[..]]));
        }
    }
}

#[test]
fn validator_is_send_and_sync() {
    fn check<T: Send + Sync + Clone>() {}
    check::<X509Validator>();
}

#[test]
fn repeated_san_extension_is_malformed() {
    let p = pki(Alg::Ed25519);
    let mut params = leaf_params("alice", &["alice@example.com"], CURRENT);
    // A second subjectAltName extension: dNSName "example.com".
    let names = [&[0x30, 0x0d, 0x82, 0x0b][..], b"example.com"].concat();
    params
        .custom_extensions
        .push(rcgen::CustomExtension::from_oid_content(&[2, 5, 29, 17], names));
    let leaf = p.leaf(&params);
    assert_eq!(p.check(&p.validator(), &leaf), Err(X509Error::Malformed));
    assert_eq!(Identity::from_certificate(&leaf), Err(X509Error::Malformed));
}
