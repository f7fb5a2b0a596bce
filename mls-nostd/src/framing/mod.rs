//! Message framing (RFC 9420 §6): the content a member sends, how it is
//! authenticated, and the PublicMessage and PrivateMessage that carry it.

mod content;
mod encryption;
mod private;
mod public;
mod tbs;

pub use content::{AuthenticatedContent, Content, FramedContent, FramedContentAuthData, Sender};
pub use encryption::{
    DecryptedMessage, KeyUse, PrivateKeys, private_message_bound, protect_private, protect_private_with,
};
pub use private::{PrivateMessage, SenderData};
pub use public::{PublicMessage, protect_public, public_message_bound};
pub use tbs::{membership_tag, sign_content, verify_content};

use crate::codec::{Decode, Encode, Reader, Writer, wire_enum};
use crate::error::{Error, Result};
use crate::key_package::KeyPackage;
use crate::welcome::{GroupInfo, Welcome};

wire_enum! {
    /// `WireFormat` (§6, §17.2).
    pub enum WireFormat: u16 ("wire_format") {
        /// `mls_public_message`.
        PublicMessage = 1,
        /// `mls_private_message`.
        PrivateMessage = 2,
        /// `mls_welcome`.
        Welcome = 3,
        /// `mls_group_info`.
        GroupInfo = 4,
        /// `mls_key_package`.
        KeyPackage = 5,
    }
}

wire_enum! {
    /// `ContentType` (§6).
    pub enum ContentType: u8 ("content_type") {
        /// `application`.
        Application = 1,
        /// `proposal`.
        Proposal = 2,
        /// `commit`.
        Commit = 3,
    }
}

/// `MLSMessage` (§6): the envelope of everything MLS sends.
// Views live on the stack and there is no heap to box a large variant into.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MlsMessage<'a> {
    /// `mls_public_message`.
    PublicMessage(PublicMessage<'a>),
    /// `mls_private_message`.
    PrivateMessage(PrivateMessage<'a>),
    /// `mls_welcome`.
    Welcome(Welcome<'a>),
    /// `mls_group_info`.
    GroupInfo(GroupInfo<'a>),
    /// `mls_key_package`.
    KeyPackage(KeyPackage<'a>),
}

impl MlsMessage<'_> {
    /// The `wire_format` of the message.
    pub fn wire_format(&self) -> WireFormat {
        match self {
            MlsMessage::PublicMessage(_) => WireFormat::PublicMessage,
            MlsMessage::PrivateMessage(_) => WireFormat::PrivateMessage,
            MlsMessage::Welcome(_) => WireFormat::Welcome,
            MlsMessage::GroupInfo(_) => WireFormat::GroupInfo,
            MlsMessage::KeyPackage(_) => WireFormat::KeyPackage,
        }
    }
}

/// Reads and checks the `version` of an MLSMessage.
pub(crate) fn read_version(r: &mut Reader<'_>) -> Result<()> {
    match r.u16()? {
        crate::MLS10 => Ok(()),
        v => Err(Error::UnknownValue {
            field: "version",
            value: v.into(),
        }),
    }
}

impl<'a> Decode<'a> for MlsMessage<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        read_version(r)?;
        Ok(match WireFormat::decode(r)? {
            WireFormat::PublicMessage => MlsMessage::PublicMessage(PublicMessage::decode(r)?),
            WireFormat::PrivateMessage => MlsMessage::PrivateMessage(PrivateMessage::decode(r)?),
            WireFormat::Welcome => MlsMessage::Welcome(Welcome::decode(r)?),
            WireFormat::GroupInfo => MlsMessage::GroupInfo(GroupInfo::decode(r)?),
            WireFormat::KeyPackage => MlsMessage::KeyPackage(KeyPackage::decode(r)?),
        })
    }
}

impl Encode for MlsMessage<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        w.u16(crate::MLS10);
        self.wire_format().encode(w);
        match self {
            MlsMessage::PublicMessage(m) => m.encode(w),
            MlsMessage::PrivateMessage(m) => m.encode(w),
            MlsMessage::Welcome(m) => m.encode(w),
            MlsMessage::GroupInfo(m) => m.encode(w),
            MlsMessage::KeyPackage(m) => m.encode(w),
        }
    }
}
