//! `message-protection.json` (RFC 9420 §6.1–§6.3): PublicMessage and
//! PrivateMessage, received from the vectors and produced by us, for cipher
//! suite 1.

use super::{CheckResult, Context, Failure, FailureKind, TestRng, cases, expect_eq, expect_err, prefix};
use crate::vectors::message_protection::{CASES, Case};
use mls_nostd::codec::{Decode, Encode};
use mls_nostd::commit::Commit;
use mls_nostd::crypto::{Curve25519Aes128, HashOutput};
use mls_nostd::framing::{
    Content, FramedContent, MlsMessage, Sender, WireFormat, protect_private, protect_public, verify_content,
};
use mls_nostd::group_context::GroupContext;
use mls_nostd::memory::Fixed;
use mls_nostd::proposal::Proposal;
use mls_nostd::secret_tree::{SecretTree, SecretTreeConfig};

const SUITE: Curve25519Aes128 = Curve25519Aes128;
type Tree = SecretTree<Fixed<2>, 2>;
/// Largest message the check builds or decrypts.
const MAX_MESSAGE: usize = 1024;

fn tree(c: &Case) -> Result<Tree, Failure> {
    Tree::new(&SUITE, c.encryption_secret, 2, SecretTreeConfig::default()).ctx("secret tree")
}

/// A PublicMessage from leaf 1 authenticates and carries `want`.
fn open_public(c: &Case, gc: &[u8], msg: &[u8], want: &[u8]) -> CheckResult {
    let Ok(MlsMessage::PublicMessage(pm)) = MlsMessage::decode_exact(msg) else {
        return Err(Failure::new("decode PublicMessage", FailureKind::Unsupported));
    };
    pm.authenticate(&SUITE, c.signature_pub, Some(c.membership_key), gc)
        .ctx("authenticate")?;
    expect_eq("public content", pm.body_bytes, want)?;
    expect_err(
        "wrong membership key",
        pm.authenticate(&SUITE, c.signature_pub, Some(c.sender_data_secret), gc),
    )
}

/// A PrivateMessage from leaf 1 decrypts, verifies, carries `want`, and
/// cannot be decrypted a second time once its key is consumed.
fn open_private(c: &Case, gc: &[u8], msg: &[u8], want: &[u8]) -> CheckResult {
    let Ok(MlsMessage::PrivateMessage(pm)) = MlsMessage::decode_exact(msg) else {
        return Err(Failure::new("decode PrivateMessage", FailureKind::Unsupported));
    };
    let mut tree = tree(c)?;
    let mut out = [0u8; MAX_MESSAGE];
    let d = pm
        .decrypt(&SUITE, c.sender_data_secret, &tree, &mut out)
        .ctx("decrypt")?;
    let ac = &d.content;
    if ac.content.sender != Sender::Member(1) {
        return Err(Failure::new("sender", FailureKind::Accepted));
    }
    let wf = WireFormat::PrivateMessage;
    verify_content(
        &SUITE,
        c.signature_pub,
        wf,
        &ac.content,
        d.body_bytes,
        gc,
        ac.auth.signature,
    )
    .ctx("verify")?;
    expect_eq("private content", d.body_bytes, want)?;
    let k = d.key_use;
    tree.consume(&SUITE, k.leaf, k.kind, k.generation).ctx("consume")?;
    let mut again = [0u8; MAX_MESSAGE];
    expect_err("replay", pm.decrypt(&SUITE, c.sender_data_secret, &tree, &mut again))
}

/// Protects `content` both ways (application data only privately) and opens
/// the results.
fn protect(c: &Case, gc: &[u8], content: Content<'_>, want: &[u8], tag: &[u8], rng: &mut TestRng) -> CheckResult {
    let framed = FramedContent {
        group_id: c.group_id,
        epoch: c.epoch,
        sender: Sender::Member(1),
        authenticated_data: &[],
        content,
    };
    let tag_fn = |_: &_| HashOutput::from_slice(tag);
    let mut out = [0u8; MAX_MESSAGE];
    let public = protect_public(
        &SUITE,
        &framed,
        c.signature_priv,
        gc,
        Some(c.membership_key),
        tag_fn,
        &mut out,
    );
    if matches!(content, Content::Application(_)) {
        expect_err("application data as PublicMessage", public)?;
    } else {
        let (n, _) = public.ctx("protect public")?;
        open_public(c, gc, prefix("public", &mut out, n)?, want)?;
    }
    let mut sender = tree(c)?;
    let sds = c.sender_data_secret;
    let (n, _, _) = protect_private(
        &SUITE,
        &framed,
        c.signature_priv,
        gc,
        sds,
        &mut sender,
        3,
        tag_fn,
        rng,
        &mut out,
    )
    .ctx("protect private")?;
    open_private(c, gc, prefix("private", &mut out, n)?, want)
}

/// Every message of the vector, in both directions.
pub fn messages(rng: &mut TestRng) -> CheckResult {
    cases(CASES, |c| {
        let suite = u16::try_from(c.cipher_suite).map_err(|_| Failure::new("suite", FailureKind::Unsupported))?;
        let gc = GroupContext::new(suite, c.group_id, c.epoch, c.tree_hash, c.confirmed_transcript_hash);
        let mut gc_buf = [0u8; 256];
        let n = gc.encode_to(&mut gc_buf).ctx("group context")?;
        let gc = prefix("group context", &mut gc_buf, n)?;

        open_public(c, gc, c.proposal_pub, c.proposal)?;
        open_private(c, gc, c.proposal_priv, c.proposal)?;
        let p = Proposal::decode_exact(c.proposal).ctx("proposal")?;
        protect(c, gc, Content::Proposal(p), c.proposal, &[], rng)?;

        open_public(c, gc, c.commit_pub, c.commit)?;
        open_private(c, gc, c.commit_priv, c.commit)?;
        let Ok(MlsMessage::PublicMessage(pm)) = MlsMessage::decode_exact(c.commit_pub) else {
            return Err(Failure::new("commit_pub", FailureKind::Unsupported));
        };
        let tag = pm.auth.confirmation_tag.unwrap_or_default();
        let commit = Commit::decode_exact(c.commit).ctx("commit")?;
        protect(c, gc, Content::Commit(commit), c.commit, tag, rng)?;

        let mut body = [0u8; MAX_MESSAGE];
        let n = c.application.encode_to(&mut body).ctx("application body")?;
        let body = prefix("application body", &mut body, n)?;
        open_private(c, gc, c.application_priv, body)?;
        protect(c, gc, Content::Application(c.application), body, &[], rng)
    })
}
