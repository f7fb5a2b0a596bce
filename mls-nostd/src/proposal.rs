//! Proposals (RFC 9420 §12.1).

use crate::codec::{Decode, Encode, Reader, Writer};
use crate::error::{Error, Result};
use crate::extension::Extensions;
use crate::key_package::KeyPackage;
use crate::psk::PreSharedKeyId;
use crate::tree::LeafNode;

/// Proposal type values from the IANA registry (§17.4).
pub mod proposal_type {
    /// `add`.
    pub const ADD: u16 = 1;
    /// `update`.
    pub const UPDATE: u16 = 2;
    /// `remove`.
    pub const REMOVE: u16 = 3;
    /// `psk`.
    pub const PSK: u16 = 4;
    /// `reinit`.
    pub const REINIT: u16 = 5;
    /// `external_init`.
    pub const EXTERNAL_INIT: u16 = 6;
    /// `group_context_extensions`.
    pub const GROUP_CONTEXT_EXTENSIONS: u16 = 7;

    /// True for the types this specification defines.
    pub const fn is_default(t: u16) -> bool {
        matches!(t, 1..=7)
    }
}

/// `ReInit` (§12.1.5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReInit<'a> {
    /// `group_id` of the new group.
    pub group_id: &'a [u8],
    /// `version`.
    pub version: u16,
    /// `cipher_suite`.
    pub cipher_suite: u16,
    /// `extensions`.
    pub extensions: Extensions<'a>,
}

impl<'a> Decode<'a> for ReInit<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(ReInit {
            group_id: r.vec_bytes()?,
            version: r.u16()?,
            cipher_suite: r.u16()?,
            extensions: crate::extension::decode_list(r)?,
        })
    }
}

impl Encode for ReInit<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        w.vec_bytes(self.group_id);
        w.u16(self.version);
        w.u16(self.cipher_suite);
        self.extensions.encode(w);
    }
}

/// `Proposal` (§12.1). Proposal types other than the seven defined ones
/// cannot be parsed (their body has no length prefix) and decode to
/// [`Error::UnknownValue`].
// Views live on the stack and there is no heap to box a large variant into.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Proposal<'a> {
    /// `add` (§12.1.1).
    Add {
        /// `key_package` of the new member.
        key_package: KeyPackage<'a>,
    },
    /// `update` (§12.1.2).
    Update {
        /// The sender's new `leaf_node`.
        leaf_node: LeafNode<'a>,
    },
    /// `remove` (§12.1.3).
    Remove {
        /// Leaf index of the member to remove.
        removed: u32,
    },
    /// `psk` (§12.1.4).
    PreSharedKey {
        /// The PSK to inject.
        psk: PreSharedKeyId<'a>,
    },
    /// `reinit` (§12.1.5).
    ReInit(ReInit<'a>),
    /// `external_init` (§12.1.6).
    ExternalInit {
        /// `kem_output`.
        kem_output: &'a [u8],
    },
    /// `group_context_extensions` (§12.1.7).
    GroupContextExtensions {
        /// The new GroupContext extensions.
        extensions: Extensions<'a>,
    },
}

impl<'a> Proposal<'a> {
    /// The `proposal_type` value.
    pub fn proposal_type(&self) -> u16 {
        use proposal_type::*;
        match self {
            Proposal::Add { .. } => ADD,
            Proposal::Update { .. } => UPDATE,
            Proposal::Remove { .. } => REMOVE,
            Proposal::PreSharedKey { .. } => PSK,
            Proposal::ReInit(_) => REINIT,
            Proposal::ExternalInit { .. } => EXTERNAL_INIT,
            Proposal::GroupContextExtensions { .. } => GROUP_CONTEXT_EXTENSIONS,
        }
    }

    /// Reads the body of a proposal of type `t` (the part after the type).
    pub fn decode_body(t: u16, r: &mut Reader<'a>) -> Result<Self> {
        use proposal_type::*;
        Ok(match t {
            ADD => Proposal::Add {
                key_package: KeyPackage::decode(r)?,
            },
            UPDATE => Proposal::Update {
                leaf_node: LeafNode::decode(r)?,
            },
            REMOVE => Proposal::Remove { removed: r.u32()? },
            PSK => Proposal::PreSharedKey {
                psk: PreSharedKeyId::decode(r)?,
            },
            REINIT => Proposal::ReInit(ReInit::decode(r)?),
            EXTERNAL_INIT => Proposal::ExternalInit {
                kem_output: r.vec_bytes()?,
            },
            GROUP_CONTEXT_EXTENSIONS => Proposal::GroupContextExtensions {
                extensions: crate::extension::decode_list(r)?,
            },
            _ => {
                return Err(Error::UnknownValue {
                    field: "proposal_type",
                    value: t.into(),
                });
            }
        })
    }

    /// Writes the body (the part after the type).
    pub fn encode_body(&self, w: &mut Writer<'_>) {
        match self {
            Proposal::Add { key_package } => key_package.encode(w),
            Proposal::Update { leaf_node } => leaf_node.encode(w),
            Proposal::Remove { removed } => w.u32(*removed),
            Proposal::PreSharedKey { psk } => psk.encode(w),
            Proposal::ReInit(r) => r.encode(w),
            Proposal::ExternalInit { kem_output } => w.vec_bytes(kem_output),
            Proposal::GroupContextExtensions { extensions } => extensions.encode(w),
        }
    }
}

impl<'a> Decode<'a> for Proposal<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let t = r.u16()?;
        Self::decode_body(t, r)
    }
}

impl Encode for Proposal<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        w.u16(self.proposal_type());
        self.encode_body(w);
    }
}
