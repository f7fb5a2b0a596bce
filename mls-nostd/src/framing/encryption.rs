//! Encrypting and decrypting PrivateMessages (RFC 9420 §6.3) with keys from
//! the secret tree.

use super::private::SENDER_DATA_LEN;
use super::tbs::sign_content;
use super::{AuthenticatedContent, Content, ContentType, FramedContent, FramedContentAuthData, PrivateMessage};
use super::{Sender, SenderData, WireFormat};
use crate::codec::{Encode, Reader, Writer, encode_varint, varint_len};
use crate::crypto::{AEAD_NONCE_LEN, AEAD_TAG_LEN, CipherSuite, CryptoRng, HashOutput, MAX_HASH_LEN};
use crate::crypto::{MAX_SIGNATURE_LEN, Signature};
use crate::error::{Error, Result};
use crate::secret_tree::{ContentKind, MessageKey, SecretTree, sender_data_key_nonce};

/// Which secret-tree key a decrypted message used. Pass it to
/// [`SecretTree::consume`] once the message is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyUse {
    /// Sender's leaf.
    pub leaf: u32,
    /// Handshake or application ratchet.
    pub kind: ContentKind,
    /// Generation.
    pub generation: u32,
}

/// A decrypted PrivateMessage. Its signature is not yet verified: the
/// caller looks up the sender's key and calls
/// [`crate::framing::verify_content`] with `body_bytes`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecryptedMessage<'a> {
    /// The content and its authentication data.
    pub content: AuthenticatedContent<'a>,
    /// The decrypted encoding of the content body.
    pub body_bytes: &'a [u8],
    /// The key that decrypted it.
    pub key_use: KeyUse,
}

fn kind_of(t: ContentType) -> ContentKind {
    match t {
        ContentType::Application => ContentKind::Application,
        _ => ContentKind::Handshake,
    }
}

impl<'a> PrivateMessage<'a> {
    /// Length of the `SenderDataAAD` prefix of [`Self::aad_bytes`].
    fn sender_aad(&self) -> Result<&'a [u8]> {
        let mut hdr = [0u8; 4];
        let cut = encode_varint(self.authenticated_data.len(), &mut hdr) + self.authenticated_data.len();
        let n = self
            .aad_bytes
            .len()
            .checked_sub(cut)
            .ok_or(Error::Malformed { reason: "aad" })?;
        self.aad_bytes.get(..n).ok_or(Error::Malformed { reason: "aad" })
    }

    /// Decrypts the `SenderData` (§6.3.2).
    pub fn sender_data<S: CipherSuite>(&self, suite: &S, sender_data_secret: &[u8]) -> Result<SenderData> {
        let (key, nonce) = sender_data_key_nonce(suite, sender_data_secret, self.ciphertext)?;
        let split = self
            .encrypted_sender_data
            .len()
            .checked_sub(AEAD_TAG_LEN)
            .ok_or(Error::DecryptionFailed)?;
        let (ct, tag) = self.encrypted_sender_data.split_at(split);
        let mut buf = [0u8; SENDER_DATA_LEN];
        if ct.len() != buf.len() {
            return Err(Error::DecryptionFailed);
        }
        buf.copy_from_slice(ct);
        suite.aead_open(key.as_slice(), &nonce, self.sender_aad()?, &mut buf, tag)?;
        let mut r = Reader::new(&buf);
        Ok(SenderData {
            leaf_index: r.u32()?,
            generation: r.u32()?,
            reuse_guard: r.array()?,
        })
    }

    /// Decrypts the content into `out` with the key the secret tree gives
    /// for the sender; the tree is not changed (see [`KeyUse`]). Padding
    /// must be all zeros (§6.3.1). The caller checks that the sender's leaf
    /// is not blank, verifies the signature, then consumes the key.
    pub fn decrypt<'b, S: CipherSuite, M: crate::memory::Memory, const K: usize>(
        &self,
        suite: &S,
        sender_data_secret: &[u8],
        tree: &SecretTree<M, K>,
        out: &'b mut [u8],
    ) -> Result<DecryptedMessage<'b>>
    where
        'a: 'b,
    {
        if self.aad_bytes.is_empty() {
            return Err(Error::Malformed {
                reason: "private message was not decoded",
            });
        }
        let sd = self.sender_data(suite, sender_data_secret)?;
        let key = tree.receive_key(suite, sd.leaf_index, kind_of(self.content_type), sd.generation)?;
        self.open_with(suite, &sd, &key, out)
    }

    /// Decrypts the content with a known `key` (one the caller kept, such as
    /// the key of its own message); `sd` is the decrypted sender data.
    pub fn open_with<'b, S: CipherSuite>(
        &self,
        suite: &S,
        sd: &SenderData,
        key: &MessageKey,
        out: &'b mut [u8],
    ) -> Result<DecryptedMessage<'b>>
    where
        'a: 'b,
    {
        if self.aad_bytes.is_empty() || key.generation != sd.generation {
            return Err(Error::DecryptionFailed);
        }
        let kind = kind_of(self.content_type);
        let mut nonce = [0u8; AEAD_NONCE_LEN];
        nonce.copy_from_slice(&key.nonce);
        nonce.iter_mut().zip(sd.reuse_guard).for_each(|(n, g)| *n ^= g);

        let split = self
            .ciphertext
            .len()
            .checked_sub(AEAD_TAG_LEN)
            .ok_or(Error::DecryptionFailed)?;
        let (ct, tag) = self.ciphertext.split_at(split);
        let plain = out
            .get_mut(..ct.len())
            .ok_or(Error::BufferTooSmall { needed: ct.len() })?;
        plain.copy_from_slice(ct);
        suite.aead_open(key.key.as_slice(), &nonce, self.aad_bytes, plain, tag)?;
        let plain: &'b [u8] = plain;

        // PrivateMessageContent: body, auth, then zero padding.
        let mut r = Reader::new(plain);
        let (content, body_bytes) = r.with_bytes(|r| Content::decode_body(self.content_type, r))?;
        let auth = FramedContentAuthData::decode_for(self.content_type, &mut r)?;
        if r.rest().iter().any(|&b| b != 0) {
            return Err(Error::Malformed {
                reason: "non-zero padding",
            });
        }
        let framed = FramedContent {
            group_id: self.group_id,
            epoch: self.epoch,
            sender: Sender::Member(sd.leaf_index),
            authenticated_data: self.authenticated_data,
            content,
        };
        Ok(DecryptedMessage {
            content: AuthenticatedContent {
                wire_format: WireFormat::PrivateMessage,
                content: framed,
                auth,
            },
            body_bytes,
            key_use: KeyUse {
                leaf: sd.leaf_index,
                kind,
                generation: sd.generation,
            },
        })
    }
}

/// Signs `content`, encrypts it with the sender's next key and writes
/// `MLSMessage(PrivateMessage)` into `out`; returns its length, the
/// signature, and the key used (so that a sender can read its own message
/// back, as a committer does with its echoed commit).
///
/// The sender must be a member. Zero padding is appended so that the
/// plaintext (content, auth data and padding) is a multiple of
/// `padding_block` bytes (0 or 1: no padding, §6.3.1); it is computed from
/// the real lengths, so equal-length plaintexts stay equal whatever the
/// suite. For a commit, `confirmation_tag` is called with the signature.
/// The generation is taken from `tree` only after every other step has
/// succeeded, and is never reused: persist the state before sending `out`.
#[allow(clippy::too_many_arguments)]
pub fn protect_private<S: CipherSuite, R: CryptoRng, M: crate::memory::Memory, const K: usize>(
    suite: &S,
    content: &FramedContent<'_>,
    signature_key: &[u8],
    group_context: &[u8],
    sender_data_secret: &[u8],
    tree: &mut SecretTree<M, K>,
    padding_block: usize,
    confirmation_tag: impl FnOnce(&Signature) -> Result<HashOutput>,
    rng: &mut R,
    out: &mut [u8],
) -> Result<(usize, Signature, MessageKey)> {
    let Sender::Member(leaf) = content.sender else {
        return Err(Error::WrongWireFormat);
    };
    let kind = kind_of(content.content.content_type());
    let key = tree.peek_send_key(suite, leaf, kind)?;
    let keys = PrivateKeys {
        signature_key,
        group_context,
        sender_data_secret,
        message_key: &key,
    };
    let (len, signature) = protect_private_with(suite, content, &keys, padding_block, confirmation_tag, rng, out)?;
    tree.consume(suite, leaf, kind, key.generation)?;
    Ok((len, signature, key))
}

/// What [`protect_private_with`] signs and encrypts with.
#[derive(Clone, Copy)]
pub struct PrivateKeys<'a> {
    /// The sender's signature private key.
    pub signature_key: &'a [u8],
    /// The encoded GroupContext of the epoch.
    pub group_context: &'a [u8],
    /// The epoch's `sender_data_secret`.
    pub sender_data_secret: &'a [u8],
    /// The key and nonce of the sender's generation, from
    /// [`SecretTree::peek_send_key`].
    pub message_key: &'a MessageKey,
}

/// Largest `MLSMessage(PrivateMessage)` that [`protect_private`] writes for
/// `content` with `padding_block`.
pub fn private_message_bound(content: &FramedContent<'_>, padding_block: usize) -> usize {
    PrivateLayout::of(content, padding_block).bound
}

/// Sizes of a PrivateMessage being written.
struct PrivateLayout {
    prefix_len: usize,
    sender_aad_end: usize,
    body_at: usize,
    body_len: usize,
    block: usize,
    bound: usize,
}

impl PrivateLayout {
    fn of(content: &FramedContent<'_>, padding_block: usize) -> Self {
        let is_commit = content.content.content_type() == ContentType::Commit;
        // MLSMessage header and PrivateContentAAD.
        let mut prefix = Writer::counter();
        prefix.put(&[0; 4]);
        prefix.vec_bytes(content.group_id);
        let sender_aad_end = prefix.len() + 9;
        prefix.put(&[0; 9]);
        prefix.vec_bytes(content.authenticated_data);
        let prefix_len = prefix.len();
        // The content goes after room for the longest ciphertext header; it
        // moves down once the real header length is known.
        let body_at = prefix_len + SENDER_DATA_FIELD + 4;
        let mut c = Writer::counter();
        content.content.encode_body(&mut c);
        let body_len = c.len();
        let tag = varint_len(MAX_HASH_LEN) + MAX_HASH_LEN;
        let auth_bound = varint_len(MAX_SIGNATURE_LEN) + MAX_SIGNATURE_LEN + if is_commit { tag } else { 0 };
        let block = padding_block.max(1);
        PrivateLayout {
            prefix_len,
            sender_aad_end,
            body_at,
            body_len,
            block,
            bound: body_at + body_len + auth_bound + (block - 1) + AEAD_TAG_LEN,
        }
    }
}

/// Encoded `sender_data` field: length byte, SenderData, tag.
const SENDER_DATA_FIELD: usize = 1 + SENDER_DATA_LEN + AEAD_TAG_LEN;

/// [`protect_private`] with a key the caller took from the secret tree
/// (and consumes once the message is final); returns its length and the
/// signature. Used by a committer whose commit is not final until its
/// Welcome is written.
pub fn protect_private_with<S: CipherSuite, R: CryptoRng>(
    suite: &S,
    content: &FramedContent<'_>,
    keys: &PrivateKeys<'_>,
    padding_block: usize,
    confirmation_tag: impl FnOnce(&Signature) -> Result<HashOutput>,
    rng: &mut R,
    out: &mut [u8],
) -> Result<(usize, Signature)> {
    let Sender::Member(leaf) = content.sender else {
        return Err(Error::WrongWireFormat);
    };
    let content_type = content.content.content_type();
    let is_commit = content_type == ContentType::Commit;
    let PrivateLayout {
        prefix_len,
        sender_aad_end,
        body_at,
        body_len,
        block,
        bound,
    } = PrivateLayout::of(content, padding_block);
    let sd_field = SENDER_DATA_FIELD;
    if out.len() < bound {
        return Err(Error::BufferTooSmall { needed: bound });
    }

    let body_area = out.get_mut(body_at..).ok_or(Error::BufferTooSmall { needed: bound })?;
    let mut w = Writer::new(body_area);
    content.content.encode_body(&mut w);
    w.finish()?;
    let body = out.get(body_at..body_at + body_len).ok_or(Error::Truncated)?;
    let signature = sign_content(
        suite,
        keys.signature_key,
        WireFormat::PrivateMessage,
        content,
        body,
        keys.group_context,
    )?;
    let tag = if is_commit {
        Some(confirmation_tag(&signature)?)
    } else {
        None
    };
    let auth = FramedContentAuthData {
        signature: &signature,
        confirmation_tag: tag.as_deref(),
    };
    let auth_len = auth.encoded_len();
    let auth_area = out.get_mut(body_at + body_len..).ok_or(Error::Truncated)?;
    auth.encode_to(auth_area)?;
    let padding = (block - (body_len + auth_len) % block) % block;
    let plain_len = body_len + auth_len + padding;
    out.get_mut(body_at + body_len + auth_len..body_at + plain_len)
        .ok_or(Error::Truncated)?
        .fill(0);

    // Final layout: prefix | sender data | ciphertext header | ciphertext.
    let ct_len = plain_len + AEAD_TAG_LEN;
    let mut hdr = [0u8; 4];
    let hdr_len = encode_varint(ct_len, &mut hdr);
    if hdr_len == 0 {
        return Err(Error::VectorTooLong);
    }
    let ct_at = prefix_len + sd_field + hdr_len;
    out.copy_within(body_at..body_at + plain_len, ct_at);
    out.get_mut(ct_at - hdr_len..ct_at)
        .ok_or(Error::Truncated)?
        .copy_from_slice(&hdr[..hdr_len]);
    let mut w = Writer::new(out.get_mut(..prefix_len).ok_or(Error::Truncated)?);
    w.u16(crate::MLS10);
    WireFormat::PrivateMessage.encode(&mut w);
    w.vec_bytes(content.group_id);
    w.u64(content.epoch);
    content_type.encode(&mut w);
    w.vec_bytes(content.authenticated_data);
    w.finish()?;

    let key = keys.message_key;
    let mut reuse_guard = [0u8; 4];
    rng.fill_bytes(&mut reuse_guard);
    let mut nonce = [0u8; AEAD_NONCE_LEN];
    nonce.copy_from_slice(&key.nonce);
    nonce.iter_mut().zip(reuse_guard).for_each(|(n, g)| *n ^= g);
    let (head, tail) = out.split_at_mut(ct_at);
    let aad = head.get(4..prefix_len).ok_or(Error::Truncated)?;
    let plain = tail.get_mut(..plain_len).ok_or(Error::Truncated)?;
    let ct_tag = suite.aead_seal(key.key.as_slice(), &nonce, aad, plain)?;
    tail.get_mut(plain_len..ct_len)
        .ok_or(Error::Truncated)?
        .copy_from_slice(&ct_tag);

    // Sender data, keyed by a sample of the ciphertext (§6.3.2).
    let ciphertext = tail.get(..ct_len).ok_or(Error::Truncated)?;
    let (sd_key, sd_nonce) = sender_data_key_nonce(suite, keys.sender_data_secret, ciphertext)?;
    let mut sd = [0u8; SENDER_DATA_LEN];
    sd[..4].copy_from_slice(&leaf.to_be_bytes());
    sd[4..8].copy_from_slice(&key.generation.to_be_bytes());
    sd[8..].copy_from_slice(&reuse_guard);
    let sender_aad = head.get(4..sender_aad_end).ok_or(Error::Truncated)?;
    let sd_tag = suite.aead_seal(sd_key.as_slice(), &sd_nonce, sender_aad, &mut sd)?;
    let field = head
        .get_mut(prefix_len..prefix_len + sd_field)
        .ok_or(Error::Truncated)?;
    field[0] = (SENDER_DATA_LEN + AEAD_TAG_LEN) as u8;
    field[1..1 + SENDER_DATA_LEN].copy_from_slice(&sd);
    field[1 + SENDER_DATA_LEN..].copy_from_slice(&sd_tag);
    Ok((ct_at + ct_len, signature))
}
