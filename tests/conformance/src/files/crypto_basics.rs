//! `crypto-basics.json`: the labelled operations of §5 and §8–§9.

use super::{SuiteCheck, per_suite, test_rng};
use crate::Outcome;
use crate::json::{ctx, expect_eq, hex, string, uint};
use mls_nostd::crypto::{AEAD_TAG_LEN, CipherSuite, labels};
use serde_json::Value;

struct Basics;

impl SuiteCheck for Basics {
    fn check<S: CipherSuite + Copy>(&self, s: &S, case: &Value) -> Result<(), String> {
        let v = &case["ref_hash"];
        let out = labels::ref_hash(s, string(v, "label")?.as_bytes(), &hex(v, "value")?);
        expect_eq("ref_hash", &out, &hex(v, "out")?)?;

        let v = &case["expand_with_label"];
        let mut out = vec![0u8; uint(v, "length")? as usize];
        let label = string(v, "label")?.as_bytes();
        ctx(
            "expand_with_label",
            labels::expand_with_label(s, &hex(v, "secret")?, label, &hex(v, "context")?, &mut out),
        )?;
        expect_eq("expand_with_label", &out, &hex(v, "out")?)?;

        let v = &case["derive_secret"];
        let out = ctx(
            "derive_secret",
            labels::derive_secret(s, &hex(v, "secret")?, string(v, "label")?.as_bytes()),
        )?;
        expect_eq("derive_secret", out.as_slice(), &hex(v, "out")?)?;

        let v = &case["derive_tree_secret"];
        let mut out = vec![0u8; uint(v, "length")? as usize];
        let generation = uint(v, "generation")? as u32;
        let label = string(v, "label")?.as_bytes();
        ctx(
            "derive_tree_secret",
            labels::derive_tree_secret(s, &hex(v, "secret")?, label, generation, &mut out),
        )?;
        expect_eq("derive_tree_secret", &out, &hex(v, "out")?)?;

        let v = &case["sign_with_label"];
        let (sk, pk, content) = (hex(v, "priv")?, hex(v, "pub")?, hex(v, "content")?);
        let label = string(v, "label")?.as_bytes();
        ctx(
            "verify given",
            labels::verify_with_label(s, &pk, label, &[&content], &hex(v, "signature")?),
        )?;
        let sig = ctx("sign", labels::sign_with_label(s, &sk, label, &[&content]))?;
        ctx(
            "verify own",
            labels::verify_with_label(s, &pk, label, &[&content], &sig),
        )?;
        // The same signature must not verify under another label or content.
        if labels::verify_with_label(s, &pk, b"other", &[&content], &sig).is_ok() {
            return Err("signature verified under a different label".into());
        }
        expect_eq("public key from private", &ctx("pk", s.signature_public_key(&sk))?, &pk)?;

        let v = &case["encrypt_with_label"];
        let (sk, pk) = (hex(v, "priv")?, hex(v, "pub")?);
        let (label, context, pt) = (string(v, "label")?.as_bytes(), hex(v, "context")?, hex(v, "plaintext")?);
        let mut scratch = vec![0u8; labels::encrypt_context_len(label, &context)];
        let mut ct = hex(v, "ciphertext")?;
        let split = ct
            .len()
            .checked_sub(AEAD_TAG_LEN)
            .ok_or("ciphertext shorter than a tag")?;
        let (body, tag) = ct.split_at_mut(split);
        let kem = hex(v, "kem_output")?;
        ctx(
            "decrypt given",
            labels::decrypt_with_label(s, &sk, label, &context, &mut scratch, &kem, body, tag),
        )?;
        expect_eq("decrypted plaintext", body, &pt)?;
        let mut buf = pt.clone();
        let (kem, tag) = ctx(
            "encrypt own",
            labels::encrypt_with_label(s, &pk, label, &context, &mut scratch, &mut buf, &mut test_rng()),
        )?;
        ctx(
            "decrypt own",
            labels::decrypt_with_label(s, &sk, label, &context, &mut scratch, &kem, &mut buf, &tag),
        )?;
        expect_eq("own round trip", &buf, &pt)
    }
}

/// Checks every labelled operation of one suite.
pub fn check(case: &Value) -> Outcome {
    per_suite(case, Basics)
}
