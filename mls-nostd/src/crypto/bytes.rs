//! Fixed-capacity byte strings for keys, hashes and secrets.

use crate::codec::{Decode, Encode, Reader, Writer};
use crate::error::{Error, Result};
use core::fmt;
use core::ops::Deref;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Public bytes of at most `N` (≤ 255) bytes, stored inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Bytes<const N: usize> {
    len: u8,
    buf: [u8; N],
}

impl<const N: usize> Bytes<N> {
    /// The empty string.
    pub const fn empty() -> Self {
        Bytes { len: 0, buf: [0; N] }
    }

    /// `len` zero bytes; fails if `len` is more than `N`.
    pub fn zero(len: usize) -> Result<Self> {
        let mut b = Self::empty();
        b.fill(len)?;
        Ok(b)
    }

    /// Copies `s`; fails if it is longer than `N`.
    pub fn from_slice(s: &[u8]) -> Result<Self> {
        let mut b = Self::empty();
        b.buf
            .get_mut(..s.len())
            .ok_or(Error::InvalidLength { field: "bytes" })?
            .copy_from_slice(s);
        b.len = s.len() as u8;
        Ok(b)
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }

    /// Mutable access to the first `len` bytes, which become the contents.
    pub fn fill(&mut self, len: usize) -> Result<&mut [u8]> {
        let s = self.buf.get_mut(..len).ok_or(Error::InvalidLength { field: "bytes" })?;
        self.len = len as u8;
        Ok(s)
    }
}

impl<const N: usize> Default for Bytes<N> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<const N: usize> Deref for Bytes<N> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl<const N: usize> AsRef<[u8]> for Bytes<N> {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl<const N: usize> fmt::Debug for Bytes<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.as_slice() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(feature = "defmt")]
impl<const N: usize> defmt::Format for Bytes<N> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=[u8]:x}", self.as_slice())
    }
}

/// Encodes as `opaque x<V>`.
impl<const N: usize> Encode for Bytes<N> {
    fn encode(&self, w: &mut Writer<'_>) {
        w.vec_bytes(self.as_slice())
    }
}

/// Decodes an `opaque x<V>` of at most `N` bytes.
impl<'a, const N: usize> Decode<'a> for Bytes<N> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Self::from_slice(r.vec_bytes()?)
    }
}

/// Secret bytes of at most `N` (≤ 255) bytes: erased on drop, compared in
/// constant time, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes<const N: usize> {
    len: u8,
    buf: [u8; N],
}

impl<const N: usize> SecretBytes<N> {
    /// The empty secret.
    pub const fn empty() -> Self {
        SecretBytes { len: 0, buf: [0; N] }
    }

    /// `len` zero bytes, the "0" of the key schedule (§8).
    pub fn zero(len: usize) -> Result<Self> {
        let mut s = Self::empty();
        s.fill(len)?;
        Ok(s)
    }

    /// Copies `s`; fails if it is longer than `N`.
    pub fn from_slice(s: &[u8]) -> Result<Self> {
        let mut b = Self::empty();
        b.fill(s.len())?.copy_from_slice(s);
        Ok(b)
    }

    /// The secret bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }

    /// Mutable access to the first `len` bytes, which become the contents.
    pub fn fill(&mut self, len: usize) -> Result<&mut [u8]> {
        let s = self
            .buf
            .get_mut(..len)
            .ok_or(Error::InvalidLength { field: "secret" })?;
        self.len = len as u8;
        Ok(s)
    }

    /// Number of bytes.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// True for the empty secret.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<const N: usize> PartialEq for SecretBytes<N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice().ct_eq(other.as_slice()).into()
    }
}

impl<const N: usize> Eq for SecretBytes<N> {}

impl<const N: usize> fmt::Debug for SecretBytes<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes({} bytes)", self.len)
    }
}

#[cfg(feature = "defmt")]
impl<const N: usize> defmt::Format for SecretBytes<N> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "SecretBytes({=u8} bytes)", self.len)
    }
}

/// Encodes as `opaque x<V>` (for example `path_secret` in GroupSecrets).
impl<const N: usize> Encode for SecretBytes<N> {
    fn encode(&self, w: &mut Writer<'_>) {
        w.vec_bytes(self.as_slice())
    }
}

/// Decodes an `opaque x<V>` of at most `N` bytes.
impl<'a, const N: usize> Decode<'a> for SecretBytes<N> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        Self::from_slice(r.vec_bytes()?)
    }
}

/// Constant-time equality of two byte strings (MACs and tags).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_is_enforced() {
        assert!(Bytes::<4>::from_slice(&[1, 2, 3, 4]).is_ok());
        assert_eq!(
            Bytes::<4>::from_slice(&[0; 5]),
            Err(Error::InvalidLength { field: "bytes" })
        );
        assert!(SecretBytes::<4>::from_slice(&[0; 5]).is_err());
        assert_eq!(SecretBytes::<32>::zero(32).unwrap().as_slice(), &[0u8; 32][..]);
    }

    #[test]
    fn decode_rejects_oversize() {
        let enc = [5u8, 1, 2, 3, 4, 5];
        assert!(Bytes::<4>::decode_exact(&enc).is_err());
        assert_eq!(Bytes::<5>::decode_exact(&enc).unwrap().as_slice(), &enc[1..]);
    }
}
