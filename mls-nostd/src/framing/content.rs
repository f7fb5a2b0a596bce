//! FramedContent and its authentication data (RFC 9420 §6, §6.1).

use super::{ContentType, WireFormat};
use crate::codec::{Decode, Encode, Reader, Writer};
use crate::commit::Commit;
use crate::error::{Error, Result};
use crate::proposal::Proposal;

/// `Sender` (§6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Sender {
    /// `member`: the leaf index of a member.
    Member(u32),
    /// `external`: an index into the `external_senders` extension.
    External(u32),
    /// `new_member_proposal`: an external Add of the sender itself.
    NewMemberProposal,
    /// `new_member_commit`: an external commit.
    NewMemberCommit,
}

impl Sender {
    /// True when `FramedContentTBS` includes the GroupContext (§6.1).
    pub fn signs_group_context(&self) -> bool {
        matches!(self, Sender::Member(_) | Sender::NewMemberCommit)
    }
}

impl<'a> Decode<'a> for Sender {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(match r.u8()? {
            1 => Sender::Member(r.u32()?),
            2 => Sender::External(r.u32()?),
            3 => Sender::NewMemberProposal,
            4 => Sender::NewMemberCommit,
            v => {
                return Err(Error::UnknownValue {
                    field: "sender_type",
                    value: v.into(),
                });
            }
        })
    }
}

impl Encode for Sender {
    fn encode(&self, w: &mut Writer<'_>) {
        match self {
            Sender::Member(i) => {
                w.u8(1);
                w.u32(*i);
            }
            Sender::External(i) => {
                w.u8(2);
                w.u32(*i);
            }
            Sender::NewMemberProposal => w.u8(3),
            Sender::NewMemberCommit => w.u8(4),
        }
    }
}

/// The body of a FramedContent, selected by its `content_type`.
// Views live on the stack and there is no heap to box a large variant into.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Content<'a> {
    /// `application_data`.
    Application(&'a [u8]),
    /// A `Proposal`.
    Proposal(Proposal<'a>),
    /// A `Commit`.
    Commit(Commit<'a>),
}

impl<'a> Content<'a> {
    /// The `content_type`.
    pub fn content_type(&self) -> ContentType {
        match self {
            Content::Application(_) => ContentType::Application,
            Content::Proposal(_) => ContentType::Proposal,
            Content::Commit(_) => ContentType::Commit,
        }
    }

    /// Reads a body of type `t`.
    pub fn decode_body(t: ContentType, r: &mut Reader<'a>) -> Result<Self> {
        Ok(match t {
            ContentType::Application => Content::Application(r.vec_bytes()?),
            ContentType::Proposal => Content::Proposal(Proposal::decode(r)?),
            ContentType::Commit => Content::Commit(Commit::decode(r)?),
        })
    }

    /// Writes the body without its type.
    pub fn encode_body(&self, w: &mut Writer<'_>) {
        match self {
            Content::Application(d) => w.vec_bytes(d),
            Content::Proposal(p) => p.encode(w),
            Content::Commit(c) => c.encode(w),
        }
    }
}

/// `FramedContent` (§6).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FramedContent<'a> {
    /// `group_id`.
    pub group_id: &'a [u8],
    /// `epoch`.
    pub epoch: u64,
    /// `sender`.
    pub sender: Sender,
    /// `authenticated_data`.
    pub authenticated_data: &'a [u8],
    /// The content and, through its variant, `content_type`.
    pub content: Content<'a>,
}

impl<'a> FramedContent<'a> {
    /// Reads a FramedContent and also returns the bytes of its body.
    pub fn decode_with_body(r: &mut Reader<'a>) -> Result<(Self, &'a [u8])> {
        let group_id = r.vec_bytes()?;
        let epoch = r.u64()?;
        let sender = Sender::decode(r)?;
        let authenticated_data = r.vec_bytes()?;
        let t = ContentType::decode(r)?;
        let (content, body) = r.with_bytes(|r| Content::decode_body(t, r))?;
        Ok((
            FramedContent {
                group_id,
                epoch,
                sender,
                authenticated_data,
                content,
            },
            body,
        ))
    }
}

impl<'a> Decode<'a> for FramedContent<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(Self::decode_with_body(r)?.0)
    }
}

impl Encode for FramedContent<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        w.vec_bytes(self.group_id);
        w.u64(self.epoch);
        self.sender.encode(w);
        w.vec_bytes(self.authenticated_data);
        self.content.content_type().encode(w);
        self.content.encode_body(w);
    }
}

/// `FramedContentAuthData` (§6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FramedContentAuthData<'a> {
    /// `signature` over `FramedContentTBS`.
    pub signature: &'a [u8],
    /// `confirmation_tag`, present exactly for commits.
    pub confirmation_tag: Option<&'a [u8]>,
}

impl<'a> FramedContentAuthData<'a> {
    /// Reads the auth data of content of type `t`.
    pub fn decode_for(t: ContentType, r: &mut Reader<'a>) -> Result<Self> {
        let signature = r.vec_bytes()?;
        let confirmation_tag = if t == ContentType::Commit {
            Some(r.vec_bytes()?)
        } else {
            None
        };
        Ok(FramedContentAuthData {
            signature,
            confirmation_tag,
        })
    }
}

impl Encode for FramedContentAuthData<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        w.vec_bytes(self.signature);
        if let Some(t) = self.confirmation_tag {
            w.vec_bytes(t);
        }
    }
}

/// `AuthenticatedContent` (§6): a FramedContent with its wire format and
/// authentication data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AuthenticatedContent<'a> {
    /// `wire_format` the content was (or will be) sent in.
    pub wire_format: WireFormat,
    /// `content`.
    pub content: FramedContent<'a>,
    /// `auth`.
    pub auth: FramedContentAuthData<'a>,
}

impl<'a> Decode<'a> for AuthenticatedContent<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let wire_format = WireFormat::decode(r)?;
        let content = FramedContent::decode(r)?;
        let auth = FramedContentAuthData::decode_for(content.content.content_type(), r)?;
        Ok(AuthenticatedContent {
            wire_format,
            content,
            auth,
        })
    }
}

impl Encode for AuthenticatedContent<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        self.wire_format.encode(w);
        self.content.encode(w);
        self.auth.encode(w);
    }
}
