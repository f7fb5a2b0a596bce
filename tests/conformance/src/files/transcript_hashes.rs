//! `transcript-hashes.json`: confirmed and interim transcript hashes and the
//! confirmation tag (§8.2, §6.1).

use super::{SuiteCheck, per_suite};
use crate::Outcome;
use crate::json::{ctx, expect_eq, hex};
use mls_nostd::codec::Decode;
use mls_nostd::crypto::CipherSuite;
use mls_nostd::framing::AuthenticatedContent;
use mls_nostd::transcript;
use serde_json::Value;

struct Transcript;

impl SuiteCheck for Transcript {
    fn check<S: CipherSuite + Copy>(&self, s: &S, case: &Value) -> Result<(), String> {
        let bytes = hex(case, "authenticated_content")?;
        let ac = ctx("authenticated_content", AuthenticatedContent::decode_exact(&bytes))?;
        let tag = ac.auth.confirmation_tag.ok_or("no confirmation tag")?;
        let confirmed_want = hex(case, "confirmed_transcript_hash_after")?;
        let mac = transcript::confirmation_tag(s, &hex(case, "confirmation_key")?, &confirmed_want);
        expect_eq("confirmation_tag", tag, &mac)?;
        let (confirmed, interim) = ctx(
            "after_commit",
            transcript::after_commit(s, &hex(case, "interim_transcript_hash_before")?, &ac),
        )?;
        expect_eq("confirmed_transcript_hash", &confirmed, &confirmed_want)?;
        expect_eq(
            "interim_transcript_hash",
            &interim,
            &hex(case, "interim_transcript_hash_after")?,
        )
    }
}

/// Checks the tag and both hashes of one suite.
pub fn check(case: &Value) -> Outcome {
    per_suite(case, Transcript)
}
