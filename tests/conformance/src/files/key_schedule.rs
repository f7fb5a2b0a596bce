//! `key-schedule.json`: the GroupContext (§8.1) and five chained epochs of
//! the key schedule (§8), with the external key pair (§8.3), the exporter
//! (§8.5), the resumption PSK (§8.6) and the epoch authenticator (§8.7).

use super::{SuiteCheck, per_suite, test_rng};
use crate::Outcome;
use crate::json::{array, ctx, expect_eq, hex, string, uint};
use mls_nostd::codec::Encode;
use mls_nostd::crypto::CipherSuite;
use mls_nostd::group_context::GroupContext;
use mls_nostd::key_schedule::{
    epoch_secrets, exporter, external_init_receiver, external_init_sender, external_key_pair, joiner_secret,
    welcome_secret,
};
use serde_json::Value;

struct KeySchedule;

impl SuiteCheck for KeySchedule {
    fn check<S: CipherSuite + Copy>(&self, s: &S, case: &Value) -> Result<(), String> {
        let group_id = hex(case, "group_id")?;
        let mut init_secret = hex(case, "initial_init_secret")?;
        for (epoch, e) in (0u64..).zip(array(case, "epochs")?) {
            let at = |what: &str| format!("epoch {epoch}: {what}");
            let (tree_hash, cth) = (hex(e, "tree_hash")?, hex(e, "confirmed_transcript_hash")?);
            let gc = GroupContext::new(S::ID, &group_id, epoch, &tree_hash, &cth);
            let mut gc_bytes = vec![0u8; gc.encoded_len()];
            ctx(&at("encode GroupContext"), gc.encode_to(&mut gc_bytes))?;
            expect_eq(&at("group_context"), &gc_bytes, &hex(e, "group_context")?)?;

            let (commit_secret, psk_secret) = (hex(e, "commit_secret")?, hex(e, "psk_secret")?);
            let joiner = ctx(&at("joiner"), joiner_secret(s, &init_secret, &commit_secret, &gc_bytes))?;
            expect_eq(&at("joiner_secret"), joiner.as_slice(), &hex(e, "joiner_secret")?)?;
            let welcome = ctx(&at("welcome"), welcome_secret(s, joiner.as_slice(), &psk_secret))?;
            expect_eq(&at("welcome_secret"), welcome.as_slice(), &hex(e, "welcome_secret")?)?;

            let es = ctx(
                &at("epoch"),
                epoch_secrets(s, joiner.as_slice(), &psk_secret, &gc_bytes),
            )?;
            for (name, got) in [
                ("init_secret", &es.init_secret),
                ("sender_data_secret", &es.sender_data_secret),
                ("encryption_secret", &es.encryption_secret),
                ("exporter_secret", &es.exporter_secret),
                ("epoch_authenticator", &es.epoch_authenticator),
                ("external_secret", &es.external_secret),
                ("confirmation_key", &es.confirmation_key),
                ("membership_key", &es.membership_key),
                ("resumption_psk", &es.resumption_psk),
            ] {
                expect_eq(&at(name), got.as_slice(), &hex(e, name)?)?;
            }

            let (external_priv, external_pub) =
                ctx(&at("external"), external_key_pair(s, es.external_secret.as_slice()))?;
            expect_eq(&at("external_pub"), &external_pub, &hex(e, "external_pub")?)?;
            // External initialization (§8.3) has no vector; the derived key
            // pair must at least agree with itself.
            let (kem_output, sent) = ctx(
                &at("external init"),
                external_init_sender(s, &external_pub, &mut test_rng()),
            )?;
            let received = ctx(
                &at("external init"),
                external_init_receiver(s, external_priv.as_slice(), &kem_output),
            )?;
            expect_eq(&at("external init secret"), sent.as_slice(), received.as_slice())?;

            // FORMAT.md types `exporter.label` as a string. It happens to
            // look like hex, but the label is its text, not the decoded
            // bytes (the vectors' README says otherwise; only the text
            // reproduces `secret`).
            let x = &e["exporter"];
            let mut out = vec![0u8; uint(x, "length")? as usize];
            ctx(
                &at("exporter"),
                exporter(
                    s,
                    es.exporter_secret.as_slice(),
                    string(x, "label")?.as_bytes(),
                    &hex(x, "context")?,
                    &mut out,
                ),
            )?;
            expect_eq(&at("exporter"), &out, &hex(x, "secret")?)?;

            init_secret = es.init_secret.as_slice().to_vec();
        }
        Ok(())
    }
}

/// Checks the five chained epochs of one suite.
pub fn check(case: &Value) -> Outcome {
    per_suite(case, KeySchedule)
}
