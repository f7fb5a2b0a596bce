//! Transcript hashes and the confirmation tag (RFC 9420 §8.2, §6.1).

use crate::codec::Encode;
use crate::crypto::{CipherSuite, HashOutput, hash_encoded, mac_encoded};
use crate::error::{Error, Result};
use crate::framing::{AuthenticatedContent, FramedContent, WireFormat};

/// `confirmed_transcript_hash = Hash(interim_transcript_hash_prev ||
/// ConfirmedTranscriptHashInput)`, where the input is the commit's
/// `wire_format`, `content` and `signature`.
pub fn confirmed_transcript_hash<S: CipherSuite>(
    suite: &S,
    interim_prev: &[u8],
    wire_format: WireFormat,
    content: &FramedContent<'_>,
    signature: &[u8],
) -> HashOutput {
    hash_encoded(suite, |w| {
        w.put(interim_prev);
        wire_format.encode(w);
        content.encode(w);
        w.vec_bytes(signature);
    })
}

/// `interim_transcript_hash = Hash(confirmed_transcript_hash ||
/// InterimTranscriptHashInput)`.
pub fn interim_transcript_hash<S: CipherSuite>(suite: &S, confirmed: &[u8], confirmation_tag: &[u8]) -> HashOutput {
    hash_encoded(suite, |w| {
        w.put(confirmed);
        w.vec_bytes(confirmation_tag);
    })
}

/// `confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash)`.
pub fn confirmation_tag<S: CipherSuite>(suite: &S, confirmation_key: &[u8], confirmed: &[u8]) -> HashOutput {
    mac_encoded(suite, confirmation_key, |w| w.put(confirmed))
}

/// Both transcript hashes after a commit carried in `auth_content`.
pub fn after_commit<S: CipherSuite>(
    suite: &S,
    interim_prev: &[u8],
    auth_content: &AuthenticatedContent<'_>,
) -> Result<(HashOutput, HashOutput)> {
    let tag = auth_content.auth.confirmation_tag.ok_or(Error::Malformed {
        reason: "commit without confirmation tag",
    })?;
    let c = &auth_content.content;
    let confirmed = confirmed_transcript_hash(
        suite,
        interim_prev,
        auth_content.wire_format,
        c,
        auth_content.auth.signature,
    );
    let interim = interim_transcript_hash(suite, &confirmed, tag);
    Ok((confirmed, interim))
}
