//! `message-protection.json`: PublicMessage and PrivateMessage protection
//! and unprotection (§6.1–§6.3) with keys from the secret tree (§9).

use super::{SuiteCheck, per_suite, test_rng};
use crate::Outcome;
use crate::json::{ctx, expect_eq, hex, uint};
use mls_nostd::Error;
use mls_nostd::codec::{Decode, Encode};
use mls_nostd::commit::Commit;
use mls_nostd::crypto::{CipherSuite, HashOutput};
use mls_nostd::framing::{
    Content, FramedContent, MlsMessage, Sender, WireFormat, protect_private, protect_public, verify_content,
};
use mls_nostd::group_context::GroupContext;
use mls_nostd::memory::Fixed;
use mls_nostd::proposal::Proposal;
use mls_nostd::secret_tree::{SecretTree, SecretTreeConfig};
use serde_json::Value;

type Tree = SecretTree<Fixed<2>, 4>;

struct Keys {
    group_id: Vec<u8>,
    epoch: u64,
    gc: Vec<u8>,
    sig_priv: Vec<u8>,
    sig_pub: Vec<u8>,
    encryption_secret: Vec<u8>,
    sender_data_secret: Vec<u8>,
    membership_key: Vec<u8>,
}

impl Keys {
    fn load(suite: u16, case: &Value) -> Result<Self, String> {
        let group_id = hex(case, "group_id")?;
        let epoch = uint(case, "epoch")?;
        let (tree_hash, cth) = (hex(case, "tree_hash")?, hex(case, "confirmed_transcript_hash")?);
        let gc = GroupContext::new(suite, &group_id, epoch, &tree_hash, &cth);
        let mut gc_bytes = vec![0u8; gc.encoded_len()];
        ctx("group context", gc.encode_to(&mut gc_bytes))?;
        Ok(Keys {
            group_id,
            epoch,
            gc: gc_bytes,
            sig_priv: hex(case, "signature_priv")?,
            sig_pub: hex(case, "signature_pub")?,
            encryption_secret: hex(case, "encryption_secret")?,
            sender_data_secret: hex(case, "sender_data_secret")?,
            membership_key: hex(case, "membership_key")?,
        })
    }

    fn tree<S: CipherSuite>(&self, s: &S) -> Result<Tree, String> {
        ctx(
            "secret tree",
            Tree::new(s, &self.encryption_secret, 2, SecretTreeConfig::default()),
        )
    }

    fn framed<'a>(&'a self, content: Content<'a>) -> FramedContent<'a> {
        FramedContent {
            group_id: &self.group_id,
            epoch: self.epoch,
            sender: Sender::Member(1),
            authenticated_data: &[],
            content,
        }
    }
}

/// Checks that a decoded PublicMessage authenticates and carries `want`.
fn unprotect_public<S: CipherSuite>(s: &S, k: &Keys, msg: &[u8], want: &[u8]) -> Result<(), String> {
    let MlsMessage::PublicMessage(pm) = ctx("decode public", MlsMessage::decode_exact(msg))? else {
        return Err("not a PublicMessage".into());
    };
    ctx(
        "authenticate",
        pm.authenticate(s, &k.sig_pub, Some(&k.membership_key), &k.gc),
    )?;
    expect_eq("public content", pm.body_bytes, want)?;
    // A wrong membership key is caught.
    let mut bad = k.membership_key.clone();
    bad[0] ^= 1;
    if pm.authenticate(s, &k.sig_pub, Some(&bad), &k.gc) != Err(Error::InvalidMac) {
        return Err("wrong membership key accepted".into());
    }
    Ok(())
}

/// Decrypts a PrivateMessage with a fresh secret tree, verifies its
/// signature and checks it carries `want`.
fn unprotect_private<S: CipherSuite>(s: &S, k: &Keys, msg: &[u8], want: &[u8]) -> Result<(), String> {
    let MlsMessage::PrivateMessage(pm) = ctx("decode private", MlsMessage::decode_exact(msg))? else {
        return Err("not a PrivateMessage".into());
    };
    let mut tree = k.tree(s)?;
    let mut out = vec![0u8; pm.ciphertext.len()];
    let d = ctx("decrypt", pm.decrypt(s, &k.sender_data_secret, &tree, &mut out))?;
    let c = &d.content;
    if c.content.sender != Sender::Member(1) {
        return Err(format!("sender {:?}", c.content.sender));
    }
    let wf = WireFormat::PrivateMessage;
    ctx(
        "verify",
        verify_content(s, &k.sig_pub, wf, &c.content, d.body_bytes, &k.gc, c.auth.signature),
    )?;
    expect_eq("private content", d.body_bytes, want)?;
    ctx(
        "consume",
        tree.consume(s, d.key_use.leaf, d.key_use.kind, d.key_use.generation),
    )?;
    // The key is gone: the same message cannot be decrypted again.
    if pm.decrypt(s, &k.sender_data_secret, &tree, &mut out).is_ok() {
        return Err("replayed message decrypted".into());
    }
    Ok(())
}

fn protect_both<S: CipherSuite>(
    s: &S,
    k: &Keys,
    content: Content<'_>,
    want: &[u8],
    tag: Option<&[u8]>,
) -> Result<(), String> {
    let framed = k.framed(content);
    let tag_fn = |_: &_| HashOutput::from_slice(tag.unwrap_or_default());
    let mut out = vec![0u8; 4096];
    let public = protect_public(
        s,
        &framed,
        &k.sig_priv,
        &k.gc,
        Some(&k.membership_key),
        tag_fn,
        &mut out,
    );
    if matches!(content, Content::Application(_)) {
        if public != Err(Error::WrongWireFormat) {
            return Err(format!("application data protected as PublicMessage: {public:?}"));
        }
    } else {
        let (n, _) = ctx("protect public", public)?;
        unprotect_public(s, k, &out[..n], want)?;
    }
    let mut sender = k.tree(s)?;
    let sds = &k.sender_data_secret;
    let (n, _, _) = ctx(
        "protect private",
        protect_private(
            s,
            &framed,
            &k.sig_priv,
            &k.gc,
            sds,
            &mut sender,
            7,
            tag_fn,
            &mut test_rng(),
            &mut out,
        ),
    )?;
    unprotect_private(s, k, &out[..n], want)
}

struct Protection;

impl SuiteCheck for Protection {
    fn check<S: CipherSuite + Copy>(&self, s: &S, case: &Value) -> Result<(), String> {
        let k = Keys::load(S::ID, case)?;

        let proposal = hex(case, "proposal")?;
        unprotect_public(s, &k, &hex(case, "proposal_pub")?, &proposal)?;
        unprotect_private(s, &k, &hex(case, "proposal_priv")?, &proposal)?;
        let p = ctx("proposal", Proposal::decode_exact(&proposal))?;
        protect_both(s, &k, Content::Proposal(p), &proposal, None)?;

        let commit = hex(case, "commit")?;
        let commit_pub = hex(case, "commit_pub")?;
        unprotect_public(s, &k, &commit_pub, &commit)?;
        unprotect_private(s, &k, &hex(case, "commit_priv")?, &commit)?;
        let tag = match MlsMessage::decode_exact(&commit_pub) {
            Ok(MlsMessage::PublicMessage(pm)) => pm.auth.confirmation_tag.map(<[u8]>::to_vec),
            _ => None,
        };
        let c = ctx("commit", Commit::decode_exact(&commit))?;
        protect_both(
            s,
            &k,
            Content::Commit(c),
            &commit,
            Some(tag.as_deref().ok_or("no confirmation tag")?),
        )?;

        let app = hex(case, "application")?;
        let mut app_body = vec![0u8; app[..].encoded_len()];
        ctx("app body", app[..].encode_to(&mut app_body))?;
        unprotect_private(s, &k, &hex(case, "application_priv")?, &app_body)?;
        protect_both(s, &k, Content::Application(&app), &app_body, None)
    }
}

/// Checks every message of one suite.
pub fn check(case: &Value) -> Outcome {
    per_suite(case, Protection)
}
