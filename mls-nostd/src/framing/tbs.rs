//! `FramedContentTBS` (RFC 9420 §6.1) as a list of borrowed parts, so that
//! content is signed, verified and MACed where it lies, without a copy.

use super::{FramedContent, FramedContentAuthData, WireFormat};
use crate::codec::{Encode, Update, Writer};
use crate::crypto::{CipherSuite, Digest, HashOutput, Signature, labels};
use crate::error::{Error, Result};

const LABEL: &[u8] = b"FramedContentTBS";

/// The encoded `FramedContentTBS`: small fixed fields in local arrays,
/// variable fields borrowed.
struct TbsParts<'a> {
    head: [u8; 8],
    head_len: usize,
    group_id: &'a [u8],
    mid: [u8; 17],
    mid_len: usize,
    aad: &'a [u8],
    content_type: [u8; 1],
    body: &'a [u8],
    group_context: &'a [u8],
}

impl<'a> TbsParts<'a> {
    /// `body` is the encoded content body (for example `application_data<V>`
    /// with its header); `group_context` the encoded GroupContext, used only
    /// for the senders whose signature covers it.
    fn new(wf: WireFormat, c: &FramedContent<'a>, body: &'a [u8], group_context: &'a [u8]) -> Result<Self> {
        let mut head = [0u8; 8];
        let mut w = Writer::new(&mut head);
        w.u16(crate::MLS10);
        wf.encode(&mut w);
        w.varint(c.group_id.len());
        let head_len = w.finish()?;
        let mut mid = [0u8; 17];
        let mut w = Writer::new(&mut mid);
        w.u64(c.epoch);
        c.sender.encode(&mut w);
        w.varint(c.authenticated_data.len());
        let mid_len = w.finish()?;
        let group_context = if c.sender.signs_group_context() {
            group_context
        } else {
            &[]
        };
        Ok(TbsParts {
            head,
            head_len,
            group_id: c.group_id,
            mid,
            mid_len,
            aad: c.authenticated_data,
            content_type: [c.content.content_type().value()],
            body,
            group_context,
        })
    }

    fn with<T>(&self, f: impl FnOnce(&[&[u8]]) -> T) -> T {
        let head = self.head.get(..self.head_len).unwrap_or_default();
        let mid = self.mid.get(..self.mid_len).unwrap_or_default();
        f(&[
            head,
            self.group_id,
            mid,
            self.aad,
            &self.content_type,
            self.body,
            self.group_context,
        ])
    }
}

/// `SignWithLabel(sk, "FramedContentTBS", FramedContentTBS)` (§6.1).
pub fn sign_content<S: CipherSuite>(
    suite: &S,
    sk: &[u8],
    wire_format: WireFormat,
    content: &FramedContent<'_>,
    body: &[u8],
    group_context: &[u8],
) -> Result<Signature> {
    TbsParts::new(wire_format, content, body, group_context)?
        .with(|parts| labels::sign_with_label(suite, sk, LABEL, parts))
}

/// `VerifyWithLabel(pk, "FramedContentTBS", FramedContentTBS, signature)`.
pub fn verify_content<S: CipherSuite>(
    suite: &S,
    pk: &[u8],
    wire_format: WireFormat,
    content: &FramedContent<'_>,
    body: &[u8],
    group_context: &[u8],
    signature: &[u8],
) -> Result<()> {
    TbsParts::new(wire_format, content, body, group_context)?
        .with(|parts| labels::verify_with_label(suite, pk, LABEL, parts, signature))
}

/// `MAC(membership_key, AuthenticatedContentTBM)` of a PublicMessage from a
/// member (§6.2).
pub fn membership_tag<S: CipherSuite>(
    suite: &S,
    membership_key: &[u8],
    content: &FramedContent<'_>,
    body: &[u8],
    group_context: &[u8],
    auth: &FramedContentAuthData<'_>,
) -> Result<HashOutput> {
    if !matches!(content.sender, super::Sender::Member(_)) {
        return Err(Error::WrongWireFormat);
    }
    let tbs = TbsParts::new(WireFormat::PublicMessage, content, body, group_context)?;
    let mut mac = suite.mac(membership_key);
    tbs.with(|parts| parts.iter().for_each(|p| mac.update(p)));
    auth.encode(&mut Writer::stream(&mut mac));
    Ok(mac.finish())
}
