//! The PrivateMessage structure (RFC 9420 §6.3); encryption is in
//! [`super::encryption`].

use super::ContentType;
use crate::codec::{Decode, Encode, Reader, Writer};
use crate::error::Result;

/// `PrivateMessage` (§6.3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrivateMessage<'a> {
    /// `group_id`.
    pub group_id: &'a [u8],
    /// `epoch`.
    pub epoch: u64,
    /// `content_type`.
    pub content_type: ContentType,
    /// `authenticated_data`.
    pub authenticated_data: &'a [u8],
    /// `encrypted_sender_data`.
    pub encrypted_sender_data: &'a [u8],
    /// `ciphertext`.
    pub ciphertext: &'a [u8],
    /// The received encoding of the first four fields, which is the
    /// `PrivateContentAAD`; empty when not decoded.
    pub aad_bytes: &'a [u8],
}

/// Encoded size of `SenderData`.
pub(super) const SENDER_DATA_LEN: usize = 12;

/// `SenderData` (§6.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SenderData {
    /// `leaf_index` of the sender.
    pub leaf_index: u32,
    /// `generation` of the key used.
    pub generation: u32,
    /// `reuse_guard`.
    pub reuse_guard: [u8; 4],
}

impl<'a> Decode<'a> for PrivateMessage<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let ((group_id, epoch, content_type, authenticated_data), aad_bytes) =
            r.with_bytes(|r| Ok((r.vec_bytes()?, r.u64()?, ContentType::decode(r)?, r.vec_bytes()?)))?;
        Ok(PrivateMessage {
            group_id,
            epoch,
            content_type,
            authenticated_data,
            encrypted_sender_data: r.vec_bytes()?,
            ciphertext: r.vec_bytes()?,
            aad_bytes,
        })
    }
}

impl Encode for PrivateMessage<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        w.vec_bytes(self.group_id);
        w.u64(self.epoch);
        self.content_type.encode(w);
        w.vec_bytes(self.authenticated_data);
        w.vec_bytes(self.encrypted_sender_data);
        w.vec_bytes(self.ciphertext);
    }
}
