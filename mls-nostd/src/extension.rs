//! Extensions (RFC 9420 §13.4) and the extension bodies the protocol
//! defines: `required_capabilities` (§11.1), `external_pub` (§12.4.3.2) and
//! `external_senders` (§12.1.8.1). The `ratchet_tree` body lives in
//! [`crate::tree`].

use crate::codec::{Decode, Encode, List, Reader, Writer};
use crate::credential::Credential;
use crate::error::{Error, Result};

/// Extension type values from the IANA registry (§17.3).
pub mod extension_type {
    /// `application_id`, in LeafNode.
    pub const APPLICATION_ID: u16 = 1;
    /// `ratchet_tree`, in GroupInfo.
    pub const RATCHET_TREE: u16 = 2;
    /// `required_capabilities`, in GroupContext.
    pub const REQUIRED_CAPABILITIES: u16 = 3;
    /// `external_pub`, in GroupInfo.
    pub const EXTERNAL_PUB: u16 = 4;
    /// `external_senders`, in GroupContext.
    pub const EXTERNAL_SENDERS: u16 = 5;

    /// True for the types this specification defines (§7.2 says these need
    /// not be listed in capabilities).
    pub const fn is_default(t: u16) -> bool {
        matches!(t, 1..=5)
    }
}

/// One extension: a type and opaque data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension<'a> {
    /// `extension_type`.
    pub extension_type: u16,
    /// `extension_data`.
    pub data: &'a [u8],
}

impl<'a> Decode<'a> for Extension<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(Extension {
            extension_type: r.u16()?,
            data: r.vec_bytes()?,
        })
    }
}

impl Encode for Extension<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        w.u16(self.extension_type);
        w.vec_bytes(self.data);
    }
}

/// `Extension extensions<V>`.
pub type Extensions<'a> = List<'a, Extension<'a>>;

/// Reads an `Extension extensions<V>` field: "Any field containing a list
/// of extensions MUST NOT have more than one extension of any given type"
/// (§13.4), so a repeated type is refused here, for every structure.
pub fn decode_list<'a>(r: &mut Reader<'a>) -> Result<Extensions<'a>> {
    let list = Extensions::decode(r)?;
    if types_are_unique(&list) {
        Ok(list)
    } else {
        Err(Error::Malformed {
            reason: "an extension type appears twice (§13.4)",
        })
    }
}

/// The data of the first extension of type `t`, if any.
pub fn find<'a>(exts: &Extensions<'a>, t: u16) -> Option<&'a [u8]> {
    exts.iter().find(|e| e.extension_type == t).map(|e| e.data)
}

/// True when no extension type appears twice (§13.4).
pub fn types_are_unique(exts: &Extensions<'_>) -> bool {
    exts.iter()
        .enumerate()
        .all(|(i, a)| exts.iter().skip(i + 1).all(|b| b.extension_type != a.extension_type))
}

/// `RequiredCapabilities` (§11.1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequiredCapabilities<'a> {
    /// `extension_types`.
    pub extension_types: List<'a, u16>,
    /// `proposal_types`.
    pub proposal_types: List<'a, u16>,
    /// `credential_types`.
    pub credential_types: List<'a, u16>,
}

impl<'a> Decode<'a> for RequiredCapabilities<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(RequiredCapabilities {
            extension_types: List::decode(r)?,
            proposal_types: List::decode(r)?,
            credential_types: List::decode(r)?,
        })
    }
}

impl Encode for RequiredCapabilities<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        self.extension_types.encode(w);
        self.proposal_types.encode(w);
        self.credential_types.encode(w);
    }
}

/// `ExternalPub` (§12.4.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExternalPub<'a> {
    /// `external_pub`, an HPKE public key.
    pub external_pub: &'a [u8],
}

impl<'a> Decode<'a> for ExternalPub<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(ExternalPub {
            external_pub: r.vec_bytes()?,
        })
    }
}

impl Encode for ExternalPub<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        w.vec_bytes(self.external_pub);
    }
}

/// `ExternalSender` (§12.1.8.1); the extension body is
/// `ExternalSender external_senders<V>`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExternalSender<'a> {
    /// `signature_key`.
    pub signature_key: &'a [u8],
    /// `credential`.
    pub credential: Credential<'a>,
}

impl<'a> Decode<'a> for ExternalSender<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(ExternalSender {
            signature_key: r.vec_bytes()?,
            credential: Credential::decode(r)?,
        })
    }
}

impl Encode for ExternalSender<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        w.vec_bytes(self.signature_key);
        self.credential.encode(w);
    }
}
