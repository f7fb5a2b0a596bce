//! `key-schedule.json` (RFC 9420 §8, §8.1, §8.3, §8.5): five chained epochs
//! of cipher suite 1.

use super::{CheckResult, Context, Failure, FailureKind, TestRng, cases, expect_eq, prefix};
use crate::vectors::key_schedule::CASES;
use mls_nostd::codec::Encode;
use mls_nostd::crypto::{Curve25519Aes128, Secret};
use mls_nostd::group_context::GroupContext;
use mls_nostd::key_schedule as ks;

const SUITE: Curve25519Aes128 = Curve25519Aes128;

/// Encodes the GroupContext, derives every epoch secret and the exporter,
/// and chains each epoch's `init_secret` into the next.
pub fn epochs(_: &mut TestRng) -> CheckResult {
    cases(CASES, |c| {
        let mut init = Secret::from_slice(c.initial_init_secret).ctx("initial_init_secret")?;
        for (n, e) in c.epochs.iter().enumerate() {
            let suite = u16::try_from(c.cipher_suite).map_err(|_| Failure::new("suite", FailureKind::Unsupported))?;
            let gc = GroupContext::new(suite, c.group_id, n as u64, e.tree_hash, e.confirmed_transcript_hash);
            let mut buf = [0u8; 256];
            let len = gc.encode_to(&mut buf).ctx("encode group context")?;
            let gc = prefix("group context", &mut buf, len)?;
            expect_eq("group_context", gc, e.group_context)?;

            let joiner = ks::joiner_secret(&SUITE, init.as_slice(), e.commit_secret, gc).ctx("joiner_secret")?;
            expect_eq("joiner_secret", joiner.as_slice(), e.joiner_secret)?;
            let welcome = ks::welcome_secret(&SUITE, joiner.as_slice(), e.psk_secret).ctx("welcome_secret")?;
            expect_eq("welcome_secret", welcome.as_slice(), e.welcome_secret)?;
            let s = ks::epoch_secrets(&SUITE, joiner.as_slice(), e.psk_secret, gc).ctx("epoch_secrets")?;
            expect_eq(
                "sender_data_secret",
                s.sender_data_secret.as_slice(),
                e.sender_data_secret,
            )?;
            expect_eq("encryption_secret", s.encryption_secret.as_slice(), e.encryption_secret)?;
            expect_eq("exporter_secret", s.exporter_secret.as_slice(), e.exporter_secret)?;
            expect_eq(
                "epoch_authenticator",
                s.epoch_authenticator.as_slice(),
                e.epoch_authenticator,
            )?;
            expect_eq("external_secret", s.external_secret.as_slice(), e.external_secret)?;
            expect_eq("confirmation_key", s.confirmation_key.as_slice(), e.confirmation_key)?;
            expect_eq("membership_key", s.membership_key.as_slice(), e.membership_key)?;
            expect_eq("resumption_psk", s.resumption_psk.as_slice(), e.resumption_psk)?;
            expect_eq("init_secret", s.init_secret.as_slice(), e.init_secret)?;

            let (_, external_pub) = ks::external_key_pair(&SUITE, s.external_secret.as_slice()).ctx("external")?;
            expect_eq("external_pub", &external_pub, e.external_pub)?;
            let x = &e.exporter;
            let mut out = [0u8; 64];
            let out = prefix("exporter length", &mut out, x.length)?;
            let label = x.label.as_bytes();
            ks::exporter(&SUITE, s.exporter_secret.as_slice(), label, x.context, out).ctx("exporter")?;
            expect_eq("exporter", out, x.secret)?;
            init = s.init_secret.clone();
        }
        Ok(())
    })
}
