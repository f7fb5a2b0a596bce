//! `messages.json`: every structure decodes and re-encodes to the same
//! bytes. Signatures and MACs are not checked here (the file's rules).

use crate::json::{ctx, expect_eq, hex};
use crate::{Outcome, Verdict};
use mls_nostd::codec::{Decode, Encode, List};
use mls_nostd::commit::Commit;
use mls_nostd::extension::Extension;
use mls_nostd::framing::{ContentType, MlsMessage, WireFormat};
use mls_nostd::key_package::KeyPackage;
use mls_nostd::proposal::ReInit;
use mls_nostd::psk::PreSharedKeyId;
use mls_nostd::tree::{LeafNode, NodeList};
use mls_nostd::welcome::GroupSecrets;
use serde_json::Value;

/// Decodes `bytes` as exactly one `T`, re-encodes it, and compares.
fn roundtrip<'a, T: Decode<'a> + Encode>(name: &str, bytes: &'a [u8]) -> Result<T, String> {
    let v = ctx(name, T::decode_exact(bytes))?;
    let mut out = vec![0u8; v.encoded_len()];
    let n = ctx(name, v.encode_to(&mut out))?;
    expect_eq(name, &out[..n], bytes)?;
    Ok(v)
}

fn message<'a>(name: &str, bytes: &'a [u8], want: WireFormat) -> Result<MlsMessage<'a>, String> {
    let m: MlsMessage = roundtrip(name, bytes)?;
    if m.wire_format() != want {
        return Err(format!("{name}: wire format {:?}, want {want:?}", m.wire_format()));
    }
    Ok(m)
}

fn public_content_type(name: &str, bytes: &[u8], want: ContentType) -> Result<(), String> {
    match message(name, bytes, WireFormat::PublicMessage)? {
        MlsMessage::PublicMessage(p) if p.content.content.content_type() == want => Ok(()),
        _ => Err(format!("{name}: content type is not {want:?}")),
    }
}

fn check_case(case: &Value) -> Result<Option<u16>, String> {
    let kp = hex(case, "mls_key_package")?;
    let suite = match message("mls_key_package", &kp, WireFormat::KeyPackage)? {
        MlsMessage::KeyPackage(k) => Some(k.cipher_suite),
        _ => None,
    };
    message("mls_welcome", &hex(case, "mls_welcome")?, WireFormat::Welcome)?;
    message("mls_group_info", &hex(case, "mls_group_info")?, WireFormat::GroupInfo)?;
    let tree = hex(case, "ratchet_tree")?;
    let t: NodeList = roundtrip("ratchet_tree", &tree)?;
    if t.is_empty() {
        return Err("empty ratchet tree".into());
    }
    roundtrip::<GroupSecrets>("group_secrets", &hex(case, "group_secrets")?)?;
    roundtrip::<KeyPackage>("add_proposal", &hex(case, "add_proposal")?)?;
    roundtrip::<LeafNode>("update_proposal", &hex(case, "update_proposal")?)?;
    roundtrip::<u32>("remove_proposal", &hex(case, "remove_proposal")?)?;
    roundtrip::<PreSharedKeyId>("pre_shared_key_proposal", &hex(case, "pre_shared_key_proposal")?)?;
    roundtrip::<ReInit>("re_init_proposal", &hex(case, "re_init_proposal")?)?;
    roundtrip::<&[u8]>("external_init_proposal", &hex(case, "external_init_proposal")?)?;
    roundtrip::<List<Extension>>(
        "group_context_extensions_proposal",
        &hex(case, "group_context_extensions_proposal")?,
    )?;
    let commit = hex(case, "commit")?;
    roundtrip::<Commit>("commit", &commit)?;
    public_content_type(
        "public_message_application",
        &hex(case, "public_message_application")?,
        ContentType::Application,
    )?;
    public_content_type(
        "public_message_proposal",
        &hex(case, "public_message_proposal")?,
        ContentType::Proposal,
    )?;
    public_content_type(
        "public_message_commit",
        &hex(case, "public_message_commit")?,
        ContentType::Commit,
    )?;
    message(
        "private_message",
        &hex(case, "private_message")?,
        WireFormat::PrivateMessage,
    )?;
    Ok(suite)
}

/// Round-trips all 17 structures of one case.
pub fn check(case: &Value) -> Outcome {
    match check_case(case) {
        Ok(suite) => Outcome {
            suite,
            verdict: Verdict::Passed,
        },
        Err(e) => {
            let suite = hex(case, "mls_key_package")
                .ok()
                .and_then(|b| b.get(4..6).map(|s| u16::from_be_bytes([s[0], s[1]])));
            Outcome {
                suite,
                verdict: Verdict::Failed(e),
            }
        }
    }
}
