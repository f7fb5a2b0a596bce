//! `psk_secret.json`: chaining external PSKs into `psk_secret` (§8.4).

use super::{SuiteCheck, per_suite};
use crate::Outcome;
use crate::json::{array, ctx, expect_eq, hex};
use mls_nostd::crypto::CipherSuite;
use mls_nostd::psk::{PreSharedKeyId, Psk, psk_secret};
use serde_json::Value;

struct PskSecret;

impl SuiteCheck for PskSecret {
    fn check<S: CipherSuite + Copy>(&self, s: &S, case: &Value) -> Result<(), String> {
        // (psk_id, psk_nonce, psk) of each PSK, owned so the ids can borrow.
        let raw = array(case, "psks")?
            .iter()
            .map(|p| Ok((hex(p, "psk_id")?, hex(p, "psk_nonce")?, hex(p, "psk")?)))
            .collect::<Result<Vec<_>, String>>()?;
        let psks: Vec<(PreSharedKeyId<'_>, &[u8])> = raw
            .iter()
            .map(|(psk_id, psk_nonce, psk)| {
                let id = PreSharedKeyId {
                    psk: Psk::External { psk_id },
                    psk_nonce,
                };
                (id, psk.as_slice())
            })
            .collect();
        let got = ctx("psk_secret", psk_secret(s, &psks))?;
        expect_eq("psk_secret", got.as_slice(), &hex(case, "psk_secret")?)
    }
}

/// Checks the `psk_secret` of one list of external PSKs.
pub fn check(case: &Value) -> Outcome {
    per_suite(case, PskSecret)
}
