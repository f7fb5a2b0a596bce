//! The key schedule (RFC 9420 §8): from the previous epoch's `init_secret`,
//! the `commit_secret`, the PSKs and the GroupContext to the secrets of the
//! new epoch, plus what is derived from them: the Welcome key and nonce
//! (§12.4.3.1), the external key pair and external initialization (§8.3),
//! and the exporter (§8.5).
//!
//! A "0" input of the RFC (no `commit_secret`, no PSK) is `KDF.Nh` zero
//! bytes: [`Secret::zero`]`(S::HASH_LEN)`.

use crate::codec::Update;
use crate::crypto::labels::{derive_secret, expand_secret, expand_with_label};
use crate::crypto::{AEAD_NONCE_LEN, AeadKey, AeadNonce, CipherSuite, CryptoRng, Digest};
use crate::crypto::{HpkePrivateKey, HpkePublicKey, KemOutput, Secret};
use crate::error::{Error, Result};

/// The secrets of one epoch (§8, "Epoch-Derived Secrets"), and the
/// `init_secret` that starts the next one. Erased on drop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochSecrets {
    /// `sender_data_secret`: keys for the sender data of PrivateMessages.
    pub sender_data_secret: Secret,
    /// `encryption_secret`: the root of the secret tree (§9).
    pub encryption_secret: Secret,
    /// `exporter_secret`: input of [`exporter`] (§8.5).
    pub exporter_secret: Secret,
    /// `epoch_authenticator` (§8.7).
    pub epoch_authenticator: Secret,
    /// `external_secret`: seed of the external key pair (§8.3).
    pub external_secret: Secret,
    /// `confirmation_key`: key of the confirmation tag MAC (§6.1).
    pub confirmation_key: Secret,
    /// `membership_key`: key of the membership tag MAC (§6.2).
    pub membership_key: Secret,
    /// `resumption_psk` (§8.6).
    pub resumption_psk: Secret,
    /// `init_secret` of the next epoch.
    pub init_secret: Secret,
}

impl EpochSecrets {
    /// All secrets empty, as a placeholder; `const`.
    pub const fn empty() -> Self {
        EpochSecrets {
            sender_data_secret: Secret::empty(),
            encryption_secret: Secret::empty(),
            exporter_secret: Secret::empty(),
            epoch_authenticator: Secret::empty(),
            external_secret: Secret::empty(),
            confirmation_key: Secret::empty(),
            membership_key: Secret::empty(),
            resumption_psk: Secret::empty(),
            init_secret: Secret::empty(),
        }
    }
}

/// `joiner_secret` (§8): the secret a Welcome hands to new members.
///
/// `group_context` is the encoded GroupContext of the new epoch.
pub fn joiner_secret<S: CipherSuite>(
    suite: &S,
    prev_init_secret: &[u8],
    commit_secret: &[u8],
    group_context: &[u8],
) -> Result<Secret> {
    // KDF.Extract(salt = init_secret_[n-1], ikm = commit_secret)
    let extracted = suite.kdf_extract(prev_init_secret, commit_secret);
    // ExpandWithLabel(., "joiner", GroupContext_[n], KDF.Nh)
    expand_secret(suite, extracted.as_slice(), b"joiner", group_context)
}

/// KDF.Extract(salt = joiner_secret, ikm = psk_secret): the secret that
/// both `welcome_secret` and `epoch_secret` come from (§8).
fn member_secret<S: CipherSuite>(suite: &S, joiner_secret: &[u8], psk_secret: &[u8]) -> Secret {
    suite.kdf_extract(joiner_secret, psk_secret)
}

/// `welcome_secret` (§8): the key material of a Welcome's encrypted
/// GroupInfo; see [`welcome_key_nonce`].
pub fn welcome_secret<S: CipherSuite>(suite: &S, joiner_secret: &[u8], psk_secret: &[u8]) -> Result<Secret> {
    let member = member_secret(suite, joiner_secret, psk_secret);
    derive_secret(suite, member.as_slice(), b"welcome")
}

/// The secrets of the epoch that `joiner_secret` and `psk_secret` start
/// (§8). `group_context` is the encoded GroupContext of that epoch.
pub fn epoch_secrets<S: CipherSuite>(
    suite: &S,
    joiner_secret: &[u8],
    psk_secret: &[u8],
    group_context: &[u8],
) -> Result<EpochSecrets> {
    let member = member_secret(suite, joiner_secret, psk_secret);
    let epoch_secret = expand_secret(suite, member.as_slice(), b"epoch", group_context)?;
    from_epoch_secret(suite, epoch_secret.as_slice())
}

/// The secrets derived from `epoch_secret` (§8), as a group's creator
/// derives them from a random epoch secret (§11).
pub fn from_epoch_secret<S: CipherSuite>(suite: &S, epoch_secret: &[u8]) -> Result<EpochSecrets> {
    let derive = |label: &[u8]| derive_secret(suite, epoch_secret, label);
    Ok(EpochSecrets {
        sender_data_secret: derive(b"sender data")?,
        encryption_secret: derive(b"encryption")?,
        exporter_secret: derive(b"exporter")?,
        epoch_authenticator: derive(b"authentication")?,
        external_secret: derive(b"external")?,
        confirmation_key: derive(b"confirm")?,
        membership_key: derive(b"membership")?,
        resumption_psk: derive(b"resumption")?,
        init_secret: derive(b"init")?,
    })
}

/// `ExpandWithLabel(secret, "key", context, AEAD.Nk)` and
/// `ExpandWithLabel(secret, "nonce", context, AEAD.Nn)`: the AEAD key and
/// nonce of a Welcome (§12.4.3.1) and of sender data (§6.3.2).
pub(crate) fn aead_key_nonce<S: CipherSuite>(suite: &S, secret: &[u8], context: &[u8]) -> Result<(AeadKey, AeadNonce)> {
    if S::AEAD_NONCE_LEN != AEAD_NONCE_LEN {
        return Err(Error::InvalidLength { field: "AEAD.Nn" });
    }
    let mut key = AeadKey::empty();
    expand_with_label(suite, secret, b"key", context, key.fill(S::AEAD_KEY_LEN)?)?;
    let mut nonce = [0u8; AEAD_NONCE_LEN];
    expand_with_label(suite, secret, b"nonce", context, &mut nonce)?;
    Ok((key, nonce))
}

/// `welcome_key` and `welcome_nonce` (§12.4.3.1), which encrypt the
/// GroupInfo of a Welcome.
pub fn welcome_key_nonce<S: CipherSuite>(suite: &S, welcome_secret: &[u8]) -> Result<(AeadKey, AeadNonce)> {
    aead_key_nonce(suite, welcome_secret, &[])
}

/// `MLS-Exporter(label, context, out.len())` (§8.5): fills `out` with a
/// secret for use outside MLS. `label` is any byte string.
pub fn exporter<S: CipherSuite>(
    suite: &S,
    exporter_secret: &[u8],
    label: &[u8],
    context: &[u8],
    out: &mut [u8],
) -> Result<()> {
    let derived = derive_secret(suite, exporter_secret, label)?;
    let mut hash = suite.hash();
    hash.update(context);
    let context_hash = hash.finish();
    expand_with_label(suite, derived.as_slice(), b"exported", &context_hash, out)
}

/// The group's external HPKE key pair (§8): `KEM.DeriveKeyPair(external_secret)`.
/// The public key goes into GroupInfo's `external_pub` extension.
pub fn external_key_pair<S: CipherSuite>(suite: &S, external_secret: &[u8]) -> Result<(HpkePrivateKey, HpkePublicKey)> {
    suite.hpke_derive_key_pair(external_secret)
}

/// The HPKE exporter label of external initialization (§8.3).
const EXTERNAL_INIT_LABEL: &[u8] = b"MLS 1.0 external init secret";

/// External initialization, joiner side (§8.3): a fresh `init_secret` for
/// an external Commit, and the `kem_output` that carries it to the group
/// in an ExternalInit proposal.
pub fn external_init_sender<S: CipherSuite, R: CryptoRng>(
    suite: &S,
    external_pub: &[u8],
    rng: &mut R,
) -> Result<(KemOutput, Secret)> {
    let mut init_secret = Secret::empty();
    let kem_output = suite.hpke_export_sender(
        external_pub,
        &[],
        EXTERNAL_INIT_LABEL,
        init_secret.fill(S::HASH_LEN)?,
        rng,
    )?;
    Ok((kem_output, init_secret))
}

/// External initialization, member side (§8.3): the `init_secret` that an
/// ExternalInit proposal's `kem_output` carries.
pub fn external_init_receiver<S: CipherSuite>(suite: &S, external_priv: &[u8], kem_output: &[u8]) -> Result<Secret> {
    let mut init_secret = Secret::empty();
    suite.hpke_export_receiver(
        external_priv,
        kem_output,
        &[],
        EXTERNAL_INIT_LABEL,
        init_secret.fill(S::HASH_LEN)?,
    )?;
    Ok(init_secret)
}

#[cfg(all(test, feature = "suite-1"))]
mod tests {
    use super::*;
    use crate::crypto::Curve25519Aes128;
    use rand_core::SeedableRng;

    const S: Curve25519Aes128 = Curve25519Aes128;

    fn zero() -> Secret {
        Secret::zero(32).unwrap()
    }

    #[test]
    fn inputs_change_every_secret() {
        let gc = b"group context";
        let joiner = joiner_secret(&S, &[1; 32], zero().as_slice(), gc).unwrap();
        let a = epoch_secrets(&S, joiner.as_slice(), zero().as_slice(), gc).unwrap();
        // Same inputs, same secrets.
        assert_eq!(a, epoch_secrets(&S, joiner.as_slice(), zero().as_slice(), gc).unwrap());
        // A PSK, another context or another joiner secret changes all of them.
        let b = epoch_secrets(&S, joiner.as_slice(), &[7; 32], gc).unwrap();
        let c = epoch_secrets(&S, joiner.as_slice(), zero().as_slice(), b"other").unwrap();
        let other_joiner = joiner_secret(&S, &[1; 32], &[2; 32], gc).unwrap();
        let d = epoch_secrets(&S, other_joiner.as_slice(), zero().as_slice(), gc).unwrap();
        for other in [&b, &c, &d] {
            assert_ne!(a.init_secret, other.init_secret);
            assert_ne!(a.encryption_secret, other.encryption_secret);
            assert_ne!(a.epoch_authenticator, other.epoch_authenticator);
        }
        // The derived secrets are distinct from each other.
        assert_ne!(a.sender_data_secret, a.encryption_secret);
        assert_ne!(a.confirmation_key, a.membership_key);
        // The welcome secret ignores the GroupContext but not the PSK.
        let w = welcome_secret(&S, joiner.as_slice(), zero().as_slice()).unwrap();
        assert_ne!(w, welcome_secret(&S, joiner.as_slice(), &[7; 32]).unwrap());
        let (key, nonce) = welcome_key_nonce(&S, w.as_slice()).unwrap();
        assert_eq!(key.len(), 16);
        assert_ne!(nonce, [0; 12]);
    }

    #[test]
    fn exporter_depends_on_label_context_and_length() {
        let secret = [3u8; 32];
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        exporter(&S, &secret, b"label", b"ctx", &mut a).unwrap();
        exporter(&S, &secret, b"label", b"ctx2", &mut b).unwrap();
        assert_ne!(a, b);
        exporter(&S, &secret, b"label2", b"ctx", &mut b).unwrap();
        assert_ne!(a, b);
        let mut short = [0u8; 16];
        exporter(&S, &secret, b"label", b"ctx", &mut short).unwrap();
        assert_ne!(short[..], a[..16]);
        // HKDF cannot give more than 255 * Nh bytes.
        let mut huge = [0u8; 255 * 32 + 1];
        assert!(exporter(&S, &secret, b"label", b"ctx", &mut huge).is_err());
    }

    #[test]
    fn external_init_round_trip() {
        let (sk, pk) = external_key_pair(&S, &[9; 32]).unwrap();
        let mut rng = chacha20::ChaCha20Rng::from_seed([1; 32]);
        let (kem_output, sent) = external_init_sender(&S, pk.as_slice(), &mut rng).unwrap();
        let received = external_init_receiver(&S, sk.as_slice(), kem_output.as_slice()).unwrap();
        assert_eq!(sent, received);
        assert_eq!(sent.len(), 32);
        // Another group's key pair gets another secret.
        let (other_sk, _) = external_key_pair(&S, &[8; 32]).unwrap();
        let wrong = external_init_receiver(&S, other_sk.as_slice(), kem_output.as_slice()).unwrap();
        assert_ne!(sent, wrong);
        // A malformed kem_output is an error, not a panic.
        assert!(external_init_receiver(&S, sk.as_slice(), &[1, 2, 3]).is_err());
    }
}
