//! The labelled operations of RFC 9420: `ExpandWithLabel`, `DeriveSecret`
//! (§8), `DeriveTreeSecret` (§9), `SignWithLabel`/`VerifyWithLabel`
//! (§5.1.2), `EncryptWithLabel`/`DecryptWithLabel` (§5.1.3) and `RefHash`
//! (§5.2).
//!
//! Labels are passed without the `"MLS 1.0 "` prefix, which these functions
//! add, except for `RefHash`, whose label is used as given.

use super::{AeadTag, CipherSuite, HashOutput, KemOutput, Secret, Signature, hash_encoded};
use crate::codec::{Encode, Writer, encode_varint};
use crate::error::{Error, Result};
use rand_core::CryptoRng;

/// The prefix every MLS label carries.
pub const LABEL_PREFIX: &[u8] = b"MLS 1.0 ";

/// A varint header on the stack.
struct Header {
    buf: [u8; 4],
    len: usize,
}

impl Header {
    fn new(n: usize) -> Result<Self> {
        let mut buf = [0u8; 4];
        let len = encode_varint(n, &mut buf);
        if len == 0 {
            return Err(Error::VectorTooLong);
        }
        Ok(Header { buf, len })
    }

    fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// `ExpandWithLabel(secret, label, context, out.len())`.
pub fn expand_with_label<S: CipherSuite>(
    suite: &S,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    out: &mut [u8],
) -> Result<()> {
    // KDFLabel { uint16 length; opaque label<V>; opaque context<V>; }
    let length = u16::try_from(out.len())
        .map_err(|_| Error::KdfOutputTooLong)?
        .to_be_bytes();
    let label_hdr = Header::new(LABEL_PREFIX.len() + label.len())?;
    let ctx_hdr = Header::new(context.len())?;
    suite.kdf_expand(
        secret,
        &[
            &length,
            label_hdr.as_slice(),
            LABEL_PREFIX,
            label,
            ctx_hdr.as_slice(),
            context,
        ],
        out,
    )
}

/// `ExpandWithLabel(secret, label, context, KDF.Nh)` as a [`Secret`].
pub fn expand_secret<S: CipherSuite>(suite: &S, secret: &[u8], label: &[u8], context: &[u8]) -> Result<Secret> {
    let mut out = Secret::empty();
    expand_with_label(suite, secret, label, context, out.fill(S::HASH_LEN)?)?;
    Ok(out)
}

/// `DeriveSecret(secret, label)`.
pub fn derive_secret<S: CipherSuite>(suite: &S, secret: &[u8], label: &[u8]) -> Result<Secret> {
    expand_secret(suite, secret, label, &[])
}

/// `DeriveTreeSecret(secret, label, generation, out.len())`.
pub fn derive_tree_secret<S: CipherSuite>(
    suite: &S,
    secret: &[u8],
    label: &[u8],
    generation: u32,
    out: &mut [u8],
) -> Result<()> {
    expand_with_label(suite, secret, label, &generation.to_be_bytes(), out)
}

/// Runs `f` with the `SignContent` prefix for a content of `content_len`
/// bytes: the message to sign is the prefix followed by the content.
fn with_sign_prefix<T>(label: &[u8], content_len: usize, f: impl FnOnce(&[&[u8]]) -> Result<T>) -> Result<T> {
    // SignContent { opaque label<V>; opaque content<V>; }
    let label_hdr = Header::new(LABEL_PREFIX.len() + label.len())?;
    let content_hdr = Header::new(content_len)?;
    f(&[label_hdr.as_slice(), LABEL_PREFIX, label, content_hdr.as_slice()])
}

/// Largest number of parts a signed content may be given in.
pub const MAX_SIGN_PARTS: usize = 12;

fn join_parts<'p>(prefix: &[&'p [u8]], content: &[&'p [u8]]) -> Result<([&'p [u8]; MAX_SIGN_PARTS + 4], usize)> {
    let mut all: [&[u8]; MAX_SIGN_PARTS + 4] = [&[]; MAX_SIGN_PARTS + 4];
    let n = prefix.len() + content.len();
    if content.len() > MAX_SIGN_PARTS || n > all.len() {
        return Err(Error::CapacityExceeded {
            what: "signature content parts",
        });
    }
    for (dst, src) in all.iter_mut().zip(prefix.iter().chain(content.iter())) {
        *dst = src;
    }
    Ok((all, n))
}

/// `SignWithLabel(sk, label, content)` with the content given in parts
/// whose concatenation is the encoded structure.
pub fn sign_with_label<S: CipherSuite>(suite: &S, sk: &[u8], label: &[u8], content: &[&[u8]]) -> Result<Signature> {
    let len = content.iter().map(|p| p.len()).sum();
    with_sign_prefix(label, len, |prefix| {
        let (all, n) = join_parts(prefix, content)?;
        suite.sign(sk, &all[..n])
    })
}

/// `VerifyWithLabel(pk, label, content, signature)` with the content given
/// in parts.
pub fn verify_with_label<S: CipherSuite>(
    suite: &S,
    pk: &[u8],
    label: &[u8],
    content: &[&[u8]],
    signature: &[u8],
) -> Result<()> {
    let len = content.iter().map(|p| p.len()).sum();
    with_sign_prefix(label, len, |prefix| {
        let (all, n) = join_parts(prefix, content)?;
        suite.verify(pk, &all[..n], signature)
    })
}

/// Writes `EncryptContext { label<V>, context<V> }` into `scratch` and
/// returns it; HPKE takes it as `info`.
pub fn encrypt_context<'s>(label: &[u8], context: &[u8], scratch: &'s mut [u8]) -> Result<&'s [u8]> {
    let mut w = Writer::new(scratch);
    w.varint(LABEL_PREFIX.len() + label.len());
    w.put(LABEL_PREFIX);
    w.put(label);
    w.vec_bytes(context);
    let n = w.finish()?;
    scratch.get(..n).ok_or(Error::BufferTooSmall { needed: n })
}

/// Size of the `EncryptContext` for `label` and `context`.
pub fn encrypt_context_len(label: &[u8], context: &[u8]) -> usize {
    let mut w = Writer::counter();
    w.varint(LABEL_PREFIX.len() + label.len());
    w.put(LABEL_PREFIX);
    w.put(label);
    w.vec_bytes(context);
    w.len()
}

/// `EncryptWithLabel(pk, label, context, plaintext)`: encrypts `in_out` in
/// place and returns `(kem_output, tag)`. `scratch` holds the
/// `EncryptContext` and must have [`encrypt_context_len`] bytes.
#[allow(clippy::too_many_arguments)]
pub fn encrypt_with_label<S: CipherSuite, R: CryptoRng>(
    suite: &S,
    pk: &[u8],
    label: &[u8],
    context: &[u8],
    scratch: &mut [u8],
    in_out: &mut [u8],
    rng: &mut R,
) -> Result<(KemOutput, AeadTag)> {
    let info = encrypt_context(label, context, scratch)?;
    super::drawn::seal(suite, pk, info, in_out, rng)
}

/// `DecryptWithLabel(sk, label, context, kem_output, ciphertext)`: decrypts
/// `in_out` in place after checking `tag`. `scratch` holds the
/// `EncryptContext`.
#[allow(clippy::too_many_arguments)]
pub fn decrypt_with_label<S: CipherSuite>(
    suite: &S,
    sk: &[u8],
    label: &[u8],
    context: &[u8],
    scratch: &mut [u8],
    kem_output: &[u8],
    in_out: &mut [u8],
    tag: &[u8],
) -> Result<()> {
    let info = encrypt_context(label, context, scratch)?;
    suite.hpke_open(sk, kem_output, info, &[], in_out, tag)
}

/// `RefHash(label, value)` where `value` is the encoding of `v`.
pub fn ref_hash_of<S: CipherSuite, T: Encode + ?Sized>(suite: &S, label: &[u8], v: &T) -> HashOutput {
    hash_encoded(suite, |w| {
        w.vec_bytes(label);
        w.varint(v.encoded_len());
        v.encode(w);
    })
}

/// `RefHash(label, value)`; `label` is used exactly as given (§5.2).
pub fn ref_hash<S: CipherSuite>(suite: &S, label: &[u8], value: &[u8]) -> HashOutput {
    hash_encoded(suite, |w| {
        w.vec_bytes(label);
        w.vec_bytes(value);
    })
}
