//! `crypto-basics.json` (RFC 9420 §5.1.2, §5.1.3, §5.2, §8, §9): the
//! labelled operations, for cipher suite 1
//! (MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519).

use super::{CheckResult, Context, Failure, FailureKind, TestRng, cases, copy_into, expect_eq, expect_err, prefix};
use crate::vectors::crypto_basics::CASES;
use mls_nostd::crypto::{AEAD_TAG_LEN, CipherSuite, Curve25519Aes128, labels};

/// The suite under test.
const SUITE: Curve25519Aes128 = Curve25519Aes128;
/// Largest secret, content, plaintext or ciphertext the checks accept.
const MAX_DATA: usize = 256;
/// Largest `EncryptContext` (label and context) the checks accept.
const MAX_CONTEXT: usize = 256;

/// Fails unless the case is for the suite under test.
fn suite_of(cipher_suite: u64) -> CheckResult {
    match u16::try_from(cipher_suite) {
        Ok(Curve25519Aes128::ID) => Ok(()),
        _ => Err(Failure::new("cipher_suite", FailureKind::Unsupported)),
    }
}

/// `RefHash(label, value)` (§5.2); the label is used as given.
pub fn ref_hash(_: &mut TestRng) -> CheckResult {
    cases(CASES, |c| {
        suite_of(c.cipher_suite)?;
        let v = &c.ref_hash;
        let out = labels::ref_hash(&SUITE, v.label.as_bytes(), v.value);
        expect_eq("ref_hash", &out, v.out)
    })
}

/// `ExpandWithLabel(secret, label, context, length)` (§8).
pub fn expand_with_label(_: &mut TestRng) -> CheckResult {
    cases(CASES, |c| {
        suite_of(c.cipher_suite)?;
        let v = &c.expand_with_label;
        let mut buf = [0u8; MAX_DATA];
        let out = prefix("expand_with_label length", &mut buf, v.length)?;
        labels::expand_with_label(&SUITE, v.secret, v.label.as_bytes(), v.context, out).ctx("expand_with_label")?;
        expect_eq("expand_with_label", out, v.out)
    })
}

/// `DeriveSecret(secret, label)` (§8).
pub fn derive_secret(_: &mut TestRng) -> CheckResult {
    cases(CASES, |c| {
        suite_of(c.cipher_suite)?;
        let v = &c.derive_secret;
        let out = labels::derive_secret(&SUITE, v.secret, v.label.as_bytes()).ctx("derive_secret")?;
        expect_eq("derive_secret", out.as_slice(), v.out)
    })
}

/// `DeriveTreeSecret(secret, label, generation, length)` (§9).
pub fn derive_tree_secret(_: &mut TestRng) -> CheckResult {
    cases(CASES, |c| {
        suite_of(c.cipher_suite)?;
        let v = &c.derive_tree_secret;
        let generation =
            u32::try_from(v.generation).map_err(|_| Failure::new("generation", FailureKind::Unsupported))?;
        let mut buf = [0u8; MAX_DATA];
        let out = prefix("derive_tree_secret length", &mut buf, v.length)?;
        labels::derive_tree_secret(&SUITE, v.secret, v.label.as_bytes(), generation, out).ctx("derive_tree_secret")?;
        expect_eq("derive_tree_secret", out, v.out)
    })
}

/// `VerifyWithLabel` of the given signature, then `SignWithLabel` and
/// `VerifyWithLabel` of our own (§5.1.2), plus rejections.
pub fn sign_with_label(_: &mut TestRng) -> CheckResult {
    cases(CASES, |c| {
        suite_of(c.cipher_suite)?;
        let v = &c.sign_with_label;
        let label = v.label.as_bytes();
        let (sk, pk, content) = (v.r#priv, v.r#pub, v.content);

        labels::verify_with_label(&SUITE, pk, label, &[content], v.signature).ctx("verify the given signature")?;
        let sig = labels::sign_with_label(&SUITE, sk, label, &[content]).ctx("sign")?;
        labels::verify_with_label(&SUITE, pk, label, &[content], &sig).ctx("verify our own signature")?;
        // Ed25519 signing is deterministic (RFC 8032), so ours is the given one.
        expect_eq("own signature == given signature", &sig, v.signature)?;
        expect_eq(
            "public key from private key",
            &SUITE.signature_public_key(sk).ctx("public key from private key")?,
            pk,
        )?;

        expect_err(
            "signature under another label",
            labels::verify_with_label(&SUITE, pk, b"other label", &[content], &sig),
        )?;
        let mut buf = [0u8; MAX_DATA];
        let tampered = copy_into("content", &mut buf, content)?;
        if let Some(first) = tampered.first_mut() {
            *first ^= 0x01;
            expect_err(
                "signature over tampered content",
                labels::verify_with_label(&SUITE, pk, label, &[tampered], &sig),
            )?;
        }
        Ok(())
    })
}

/// `DecryptWithLabel` of the given ciphertext, then `EncryptWithLabel` and
/// `DecryptWithLabel` of our own (§5.1.3), plus a forged-tag rejection.
pub fn encrypt_with_label(rng: &mut TestRng) -> CheckResult {
    cases(CASES, |c| {
        suite_of(c.cipher_suite)?;
        let v = &c.encrypt_with_label;
        let label = v.label.as_bytes();
        let mut scratch = [0u8; MAX_CONTEXT];
        let scratch = prefix(
            "EncryptContext",
            &mut scratch,
            labels::encrypt_context_len(label, v.context),
        )?;

        // The given ciphertext is body || tag.
        let mut buf = [0u8; MAX_DATA];
        let given = copy_into("ciphertext", &mut buf, v.ciphertext)?;
        let split = given
            .len()
            .checked_sub(AEAD_TAG_LEN)
            .ok_or(Failure::new("ciphertext shorter than a tag", FailureKind::Unsupported))?;
        let (body, tag) = given.split_at_mut(split);
        labels::decrypt_with_label(&SUITE, v.r#priv, label, v.context, scratch, v.kem_output, body, tag)
            .ctx("decrypt the given ciphertext")?;
        expect_eq("decrypted plaintext", body, v.plaintext)?;

        // Our own round trip, with the deterministic RNG.
        let mut buf = [0u8; MAX_DATA];
        let ours = copy_into("plaintext", &mut buf, v.plaintext)?;
        let (kem_output, tag) =
            labels::encrypt_with_label(&SUITE, v.r#pub, label, v.context, scratch, ours, rng).ctx("encrypt our own")?;

        let mut forged = tag;
        forged[0] ^= 0x01;
        let mut copy = [0u8; MAX_DATA];
        let copy = copy_into("ciphertext copy", &mut copy, ours)?;
        expect_err(
            "ciphertext with a forged tag",
            labels::decrypt_with_label(&SUITE, v.r#priv, label, v.context, scratch, &kem_output, copy, &forged),
        )?;

        labels::decrypt_with_label(&SUITE, v.r#priv, label, v.context, scratch, &kem_output, ours, &tag)
            .ctx("decrypt our own")?;
        expect_eq("our own round trip", ours, v.plaintext)
    })
}
