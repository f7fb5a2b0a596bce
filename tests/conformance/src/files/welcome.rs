//! `welcome.json`: the cryptographic part of processing a Welcome
//! (§12.4.3.1): find the entry by KeyPackageRef, decrypt the GroupSecrets
//! with the init key, derive the welcome key, decrypt and verify the
//! GroupInfo, and check its confirmation tag.

use super::{SuiteCheck, per_suite};
use crate::Outcome;
use crate::json::{ctx, expect_eq, hex};
use mls_nostd::codec::{Decode, Encode};
use mls_nostd::crypto::labels::{decrypt_with_label, encrypt_context_len};
use mls_nostd::crypto::{AEAD_TAG_LEN, CipherSuite};
use mls_nostd::framing::MlsMessage;
use mls_nostd::key_schedule::{epoch_secrets, welcome_key_nonce, welcome_secret};
use mls_nostd::transcript::confirmation_tag;
use mls_nostd::welcome::{GroupInfo, GroupSecrets};
use serde_json::Value;

struct WelcomeCheck;

impl SuiteCheck for WelcomeCheck {
    fn check<S: CipherSuite + Copy>(&self, s: &S, case: &Value) -> Result<(), String> {
        let kp_bytes = hex(case, "key_package")?;
        let MlsMessage::KeyPackage(kp) = ctx("key package", MlsMessage::decode_exact(&kp_bytes))? else {
            return Err("key_package is not a KeyPackage".into());
        };
        let w_bytes = hex(case, "welcome")?;
        let MlsMessage::Welcome(w) = ctx("welcome", MlsMessage::decode_exact(&w_bytes))? else {
            return Err("welcome is not a Welcome".into());
        };
        let reference = kp.reference(s);
        let entry = w
            .secrets
            .iter()
            .find(|e| e.new_member == reference.as_slice())
            .ok_or("no entry for the KeyPackage")?;

        let egi = w.encrypted_group_info;
        let ct = entry.encrypted_group_secrets.ciphertext;
        let split = ct.len().checked_sub(AEAD_TAG_LEN).ok_or("short ciphertext")?;
        let mut gs_buf = ct[..split].to_vec();
        let mut scratch = vec![0u8; encrypt_context_len(b"Welcome", egi)];
        let kem = entry.encrypted_group_secrets.kem_output;
        let init_priv = hex(case, "init_priv")?;
        ctx(
            "decrypt group secrets",
            decrypt_with_label(
                s,
                &init_priv,
                b"Welcome",
                egi,
                &mut scratch,
                kem,
                &mut gs_buf,
                &ct[split..],
            ),
        )?;
        let gs = ctx("group secrets", GroupSecrets::decode_exact(&gs_buf))?;
        if !gs.psks.is_empty() {
            return Err("the file has no PSKs".into());
        }

        let psk = vec![0u8; S::HASH_LEN];
        let ws = ctx("welcome secret", welcome_secret(s, gs.joiner_secret, &psk))?;
        let (key, nonce) = ctx("welcome key", welcome_key_nonce(s, ws.as_slice()))?;
        let split = egi.len().checked_sub(AEAD_TAG_LEN).ok_or("short group info")?;
        let mut gi_buf = egi[..split].to_vec();
        ctx(
            "decrypt group info",
            s.aead_open(key.as_slice(), &nonce, &[], &mut gi_buf, &egi[split..]),
        )?;
        let gi = ctx("group info", GroupInfo::decode_exact(&gi_buf))?;
        ctx("group info signature", gi.verify(s, &hex(case, "signer_pub")?))?;

        let mut gc = vec![0u8; gi.group_context.encoded_len()];
        ctx("group context", gi.group_context.encode_to(&mut gc))?;
        let secrets = ctx("epoch secrets", epoch_secrets(s, gs.joiner_secret, &psk, &gc))?;
        let tag = confirmation_tag(
            s,
            secrets.confirmation_key.as_slice(),
            gi.group_context.confirmed_transcript_hash,
        );
        expect_eq("confirmation tag", &tag, gi.confirmation_tag)
    }
}

/// Processes the Welcome of one suite.
pub fn check(case: &Value) -> Outcome {
    per_suite(case, WelcomeCheck)
}
