//! The GroupContext (RFC 9420 §8.1).

use crate::codec::{Decode, Encode, List, Reader, Writer};
use crate::error::{Error, Result};
use crate::extension::Extensions;

/// `GroupContext`: the summary of the group's state that every member
/// agrees on in an epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupContext<'a> {
    /// `cipher_suite`.
    pub cipher_suite: u16,
    /// `group_id`.
    pub group_id: &'a [u8],
    /// `epoch`.
    pub epoch: u64,
    /// `tree_hash`.
    pub tree_hash: &'a [u8],
    /// `confirmed_transcript_hash`.
    pub confirmed_transcript_hash: &'a [u8],
    /// `extensions`.
    pub extensions: Extensions<'a>,
}

impl<'a> GroupContext<'a> {
    /// A context with no extensions.
    pub fn new(cipher_suite: u16, group_id: &'a [u8], epoch: u64, tree_hash: &'a [u8], cth: &'a [u8]) -> Self {
        GroupContext {
            cipher_suite,
            group_id,
            epoch,
            tree_hash,
            confirmed_transcript_hash: cth,
            extensions: List::empty(),
        }
    }
}

impl<'a> Decode<'a> for GroupContext<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let version = r.u16()?;
        if version != crate::MLS10 {
            return Err(Error::UnknownValue {
                field: "version",
                value: version.into(),
            });
        }
        Ok(GroupContext {
            cipher_suite: r.u16()?,
            group_id: r.vec_bytes()?,
            epoch: r.u64()?,
            tree_hash: r.vec_bytes()?,
            confirmed_transcript_hash: r.vec_bytes()?,
            extensions: crate::extension::decode_list(r)?,
        })
    }
}

impl Encode for GroupContext<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        w.u16(crate::MLS10);
        w.u16(self.cipher_suite);
        w.vec_bytes(self.group_id);
        w.u64(self.epoch);
        w.vec_bytes(self.tree_hash);
        w.vec_bytes(self.confirmed_transcript_hash);
        self.extensions.encode(w);
    }
}
