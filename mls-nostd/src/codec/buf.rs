//! A fixed-capacity byte buffer for encodings kept in state.

use crate::error::{Error, Result};
use core::fmt;

/// Up to `N` bytes stored inline, with a `u16` length.
#[derive(Clone, PartialEq, Eq)]
pub struct Buf<const N: usize> {
    len: u16,
    bytes: [u8; N],
}

impl<const N: usize> Buf<N> {
    /// The empty buffer.
    pub const fn new() -> Self {
        const { assert!(N <= u16::MAX as usize, "Buf capacity must fit a u16") };
        Buf { len: 0, bytes: [0; N] }
    }

    /// Copies `data`; fails if it is longer than `N`.
    pub fn from_slice(data: &[u8]) -> Result<Self> {
        let mut b = Self::new();
        b.set(data)?;
        Ok(b)
    }

    /// Replaces the contents with `data`.
    pub fn set(&mut self, data: &[u8]) -> Result<()> {
        let dst = self
            .bytes
            .get_mut(..data.len())
            .ok_or(Error::CapacityExceeded { what: "buffer" })?;
        dst.copy_from_slice(data);
        self.len = data.len() as u16;
        Ok(())
    }

    /// The contents.
    pub fn as_slice(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }

    /// The whole capacity, for writing; then [`Self::set_len`].
    pub fn space(&mut self) -> &mut [u8] {
        &mut self.bytes
    }

    /// Keeps the first `len` bytes of the capacity as the contents.
    pub fn set_len(&mut self, len: usize) -> Result<()> {
        if len > N {
            return Err(Error::CapacityExceeded { what: "buffer" });
        }
        self.len = len as u16;
        Ok(())
    }
}

impl<const N: usize> Default for Buf<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> core::ops::Deref for Buf<N> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl<const N: usize> fmt::Debug for Buf<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Buf({} bytes)", self.len)
    }
}
