//! PublicMessage (RFC 9420 §6.2): signed, and MACed for members, in clear.

use super::tbs::{membership_tag, sign_content, verify_content};
use super::{AuthenticatedContent, Content, ContentType, FramedContent, FramedContentAuthData, Sender, WireFormat};
use crate::codec::{Decode, Encode, Reader, Writer, varint_len};
use crate::crypto::{CipherSuite, HashOutput, MAX_HASH_LEN, MAX_SIGNATURE_LEN, Signature, ct_eq};
use crate::error::{Error, Result};

/// `PublicMessage` (§6.2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PublicMessage<'a> {
    /// `content`.
    pub content: FramedContent<'a>,
    /// `auth`.
    pub auth: FramedContentAuthData<'a>,
    /// `membership_tag`, present exactly for member senders.
    pub membership_tag: Option<&'a [u8]>,
    /// The received encoding of the content body; empty when not decoded.
    pub body_bytes: &'a [u8],
}

impl<'a> PublicMessage<'a> {
    /// The authenticated content this message carries.
    pub fn authenticated_content(&self) -> AuthenticatedContent<'a> {
        AuthenticatedContent {
            wire_format: WireFormat::PublicMessage,
            content: self.content,
            auth: self.auth,
        }
    }

    /// Checks the `membership_tag` of a member's message (§6.2).
    pub fn verify_membership_tag<S: CipherSuite>(
        &self,
        suite: &S,
        membership_key: &[u8],
        group_context: &[u8],
    ) -> Result<()> {
        let got = self.membership_tag.ok_or(Error::WrongWireFormat)?;
        let want = membership_tag(
            suite,
            membership_key,
            &self.content,
            self.body_bytes,
            group_context,
            &self.auth,
        )?;
        if ct_eq(got, &want) {
            Ok(())
        } else {
            Err(Error::InvalidMac)
        }
    }

    /// Checks the signature with the sender's signature key (§6.1).
    pub fn verify_signature<S: CipherSuite>(
        &self,
        suite: &S,
        signature_key: &[u8],
        group_context: &[u8],
    ) -> Result<()> {
        let wf = WireFormat::PublicMessage;
        verify_content(
            suite,
            signature_key,
            wf,
            &self.content,
            self.body_bytes,
            group_context,
            self.auth.signature,
        )
    }

    /// Everything a receiver checks before using the content: application
    /// data is never accepted in clear (§6.2), a member's membership tag
    /// (`membership_key` must then be given), and the signature.
    pub fn authenticate<S: CipherSuite>(
        &self,
        suite: &S,
        signature_key: &[u8],
        membership_key: Option<&[u8]>,
        group_context: &[u8],
    ) -> Result<AuthenticatedContent<'a>> {
        if self.content.content.content_type() == ContentType::Application {
            return Err(Error::WrongWireFormat);
        }
        if let Sender::Member(_) = self.content.sender {
            self.verify_membership_tag(suite, membership_key.ok_or(Error::WrongWireFormat)?, group_context)?;
        }
        self.verify_signature(suite, signature_key, group_context)?;
        Ok(self.authenticated_content())
    }
}

impl<'a> Decode<'a> for PublicMessage<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let (content, body_bytes) = FramedContent::decode_with_body(r)?;
        let auth = FramedContentAuthData::decode_for(content.content.content_type(), r)?;
        let membership_tag = match content.sender {
            Sender::Member(_) => Some(r.vec_bytes()?),
            _ => None,
        };
        Ok(PublicMessage {
            content,
            auth,
            membership_tag,
            body_bytes,
        })
    }
}

impl Encode for PublicMessage<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        self.content.encode(w);
        self.auth.encode(w);
        if let Some(t) = self.membership_tag {
            w.vec_bytes(t);
        }
    }
}

/// Bytes of `FramedContentAuthData` plus membership tag, at most.
/// Largest `MLSMessage(PublicMessage)` that [`protect_public`] writes for
/// `content`.
pub fn public_message_bound(content: &FramedContent<'_>) -> usize {
    4 + content.encoded_len() + trailer_bound(content)
}

fn trailer_bound(content: &FramedContent<'_>) -> usize {
    let tag = varint_len(MAX_HASH_LEN) + MAX_HASH_LEN;
    let confirmation = if matches!(content.content, Content::Commit(_)) {
        tag
    } else {
        0
    };
    let membership = if matches!(content.sender, Sender::Member(_)) {
        tag
    } else {
        0
    };
    varint_len(MAX_SIGNATURE_LEN) + MAX_SIGNATURE_LEN + confirmation + membership
}

/// Signs `content` and writes `MLSMessage(PublicMessage)` into `out`;
/// returns its length and the signature.
///
/// For a commit, `confirmation_tag` is called with the signature and must
/// return the confirmation tag (§6.1); it is not called otherwise. A member
/// sender needs `membership_key`. Application data is refused (§6.2). On
/// [`Error::BufferTooSmall`] the size is exact for EdDSA suites and an upper
/// bound for ECDSA, whose signatures vary in length.
pub fn protect_public<S: CipherSuite>(
    suite: &S,
    content: &FramedContent<'_>,
    signature_key: &[u8],
    group_context: &[u8],
    membership_key: Option<&[u8]>,
    confirmation_tag: impl FnOnce(&Signature) -> Result<HashOutput>,
    out: &mut [u8],
) -> Result<(usize, Signature)> {
    if content.content.content_type() == ContentType::Application {
        return Err(Error::WrongWireFormat);
    }
    let member = matches!(content.sender, Sender::Member(_));
    if member && membership_key.is_none() {
        return Err(Error::WrongWireFormat);
    }
    let bound = public_message_bound(content);
    if out.len() < bound {
        return Err(Error::BufferTooSmall { needed: bound });
    }

    let mut w = Writer::new(out);
    w.u16(crate::MLS10);
    WireFormat::PublicMessage.encode(&mut w);
    let (body_start, body_end) = {
        let c = content;
        w.vec_bytes(c.group_id);
        w.u64(c.epoch);
        c.sender.encode(&mut w);
        w.vec_bytes(c.authenticated_data);
        c.content.content_type().encode(&mut w);
        let start = w.len();
        c.content.encode_body(&mut w);
        (start, w.len())
    };
    w.finish()?;
    let body = out.get(body_start..body_end).ok_or(Error::Truncated)?;
    let signature = sign_content(
        suite,
        signature_key,
        WireFormat::PublicMessage,
        content,
        body,
        group_context,
    )?;
    let tag = match content.content {
        Content::Commit(_) => Some(confirmation_tag(&signature)?),
        _ => None,
    };
    let auth = FramedContentAuthData {
        signature: &signature,
        confirmation_tag: tag.as_deref(),
    };
    let mtag = match membership_key {
        Some(k) if member => Some(membership_tag(suite, k, content, body, group_context, &auth)?),
        _ => None,
    };
    let rest = out.get_mut(body_end..).ok_or(Error::Truncated)?;
    let mut w = Writer::new(rest);
    auth.encode(&mut w);
    if let Some(t) = &mtag {
        w.vec_bytes(t);
    }
    let n = w.len();
    w.finish().map_err(|_| Error::BufferTooSmall { needed: body_end + n })?;
    Ok((body_end + n, signature))
}
