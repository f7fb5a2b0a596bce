//! Welcome, GroupSecrets and GroupInfo (RFC 9420 §12.4.3).

use crate::codec::{Decode, Encode, List, Reader, Writer};
use crate::crypto::{CipherSuite, labels};
use crate::error::Result;
use crate::extension::Extensions;
use crate::group_context::GroupContext;
use crate::psk::PreSharedKeyId;
use crate::treekem::HpkeCiphertext;

/// `GroupSecrets` (§12.4.3.1): what a joiner decrypts from a Welcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupSecrets<'a> {
    /// `joiner_secret`.
    pub joiner_secret: &'a [u8],
    /// `path_secret` of the lowest common ancestor, when the commit had a path.
    pub path_secret: Option<&'a [u8]>,
    /// `psks`, in the order the commit injected them.
    pub psks: List<'a, PreSharedKeyId<'a>>,
}

impl<'a> Decode<'a> for GroupSecrets<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(GroupSecrets {
            joiner_secret: r.vec_bytes()?,
            path_secret: r.optional(Reader::vec_bytes)?,
            psks: List::decode(r)?,
        })
    }
}

impl Encode for GroupSecrets<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        w.vec_bytes(self.joiner_secret);
        w.optional(self.path_secret.as_ref(), |w, s| w.vec_bytes(s));
        self.psks.encode(w);
    }
}

/// `EncryptedGroupSecrets` (§12.4.3.1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EncryptedGroupSecrets<'a> {
    /// `new_member`: the joiner's `KeyPackageRef`.
    pub new_member: &'a [u8],
    /// `encrypted_group_secrets`.
    pub encrypted_group_secrets: HpkeCiphertext<'a>,
}

impl<'a> Decode<'a> for EncryptedGroupSecrets<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(EncryptedGroupSecrets {
            new_member: r.vec_bytes()?,
            encrypted_group_secrets: HpkeCiphertext::decode(r)?,
        })
    }
}

impl Encode for EncryptedGroupSecrets<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        w.vec_bytes(self.new_member);
        self.encrypted_group_secrets.encode(w);
    }
}

/// `Welcome` (§12.4.3.1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Welcome<'a> {
    /// `cipher_suite`.
    pub cipher_suite: u16,
    /// `secrets`, one per joiner.
    pub secrets: List<'a, EncryptedGroupSecrets<'a>>,
    /// `encrypted_group_info`.
    pub encrypted_group_info: &'a [u8],
}

impl<'a> Decode<'a> for Welcome<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Ok(Welcome {
            cipher_suite: r.u16()?,
            secrets: List::decode(r)?,
            encrypted_group_info: r.vec_bytes()?,
        })
    }
}

impl Encode for Welcome<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        w.u16(self.cipher_suite);
        self.secrets.encode(w);
        w.vec_bytes(self.encrypted_group_info);
    }
}

/// `GroupInfo` (§12.4.3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupInfo<'a> {
    /// `group_context`.
    pub group_context: GroupContext<'a>,
    /// `extensions` (for example `ratchet_tree`, `external_pub`).
    pub extensions: Extensions<'a>,
    /// `confirmation_tag`.
    pub confirmation_tag: &'a [u8],
    /// `signer`: leaf index of the signing member.
    pub signer: u32,
    /// `signature` over `GroupInfoTBS`.
    pub signature: &'a [u8],
    /// The received encoding of `GroupInfoTBS`; empty when not decoded.
    pub signed_bytes: &'a [u8],
}

impl GroupInfo<'_> {
    /// Writes `GroupInfoTBS`.
    pub fn encode_content(&self, w: &mut Writer<'_>) {
        self.group_context.encode(w);
        self.extensions.encode(w);
        w.vec_bytes(self.confirmation_tag);
        w.u32(self.signer);
    }

    /// `VerifyWithLabel(signer_key, "GroupInfoTBS", GroupInfoTBS)`.
    pub fn verify<S: CipherSuite>(&self, suite: &S, signer_key: &[u8]) -> Result<()> {
        if self.signed_bytes.is_empty() {
            return Err(crate::Error::Malformed {
                reason: "group info was not decoded",
            });
        }
        labels::verify_with_label(suite, signer_key, b"GroupInfoTBS", &[self.signed_bytes], self.signature)
    }
}

impl<'a> Decode<'a> for GroupInfo<'a> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let ((group_context, extensions, confirmation_tag, signer), signed_bytes) = r.with_bytes(|r| {
            let gc = GroupContext::decode(r)?;
            Ok((gc, crate::extension::decode_list(r)?, r.vec_bytes()?, r.u32()?))
        })?;
        Ok(GroupInfo {
            group_context,
            extensions,
            confirmation_tag,
            signer,
            signature: r.vec_bytes()?,
            signed_bytes,
        })
    }
}

impl Encode for GroupInfo<'_> {
    fn encode(&self, w: &mut Writer<'_>) {
        self.encode_content(w);
        w.vec_bytes(self.signature);
    }
}
