//! Zero-copy reading of the TLS presentation language (RFC 9420 §2.1).

use crate::error::{Error, Result};

/// Largest length a variable-size vector header can carry (§2.1.2).
pub const MAX_VARINT: usize = (1 << 30) - 1;

/// A cursor over borrowed input. Every read either returns a value
/// borrowed from the input or a typed error; nothing panics.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Reads from `data`.
    pub const fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.data.len()
    }

    /// True when everything was read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The unread bytes, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        self.data
    }

    /// Fails with [`Error::TrailingData`] unless everything was read.
    pub fn finish(&self) -> Result<()> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err(Error::TrailingData)
        }
    }

    /// Takes the next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.data.len() {
            return Err(Error::Truncated);
        }
        let (head, tail) = self.data.split_at(n);
        self.data = tail;
        Ok(head)
    }

    /// Takes the next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// Reads a `uint8`.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    /// Reads a big-endian `uint16`.
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// Reads a big-endian `uint32`.
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// Reads a big-endian `uint64`.
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// Reads a variable-length integer, enforcing the minimal encoding
    /// (§2.1.2).
    pub fn varint(&mut self) -> Result<usize> {
        let first = self.u8()?;
        let prefix = first >> 6;
        let mut v = usize::from(first & 0x3f);
        let len = match prefix {
            0 => return Ok(v),
            1 => 2,
            2 => 4,
            _ => return Err(Error::InvalidVarint),
        };
        for &b in self.take(len - 1)? {
            v = (v << 8) | usize::from(b);
        }
        // The value must not fit in the next shorter encoding.
        let min = if len == 2 { 64 } else { 16384 };
        if v < min {
            return Err(Error::NonMinimalVarint);
        }
        Ok(v)
    }

    /// Reads an `opaque x<V>` and returns its contents.
    pub fn vec_bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.varint()?;
        self.take(n)
    }

    /// Reads the header of a `T x<V>` and returns a reader over exactly
    /// its contents.
    pub fn vec(&mut self) -> Result<Reader<'a>> {
        Ok(Reader::new(self.vec_bytes()?))
    }

    /// Reads an `opaque x<V>` that must be exactly `n` bytes long.
    pub fn vec_bytes_len(&mut self, n: usize, field: &'static str) -> Result<&'a [u8]> {
        let b = self.vec_bytes()?;
        if b.len() != n {
            return Err(Error::InvalidLength { field });
        }
        Ok(b)
    }

    /// Reads the presence octet of an `optional<T>` (§2.1.1).
    pub fn presence(&mut self) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Error::InvalidOptional),
        }
    }

    /// Reads an `optional<T>` with `f` decoding the value when present.
    pub fn optional<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<Option<T>> {
        if self.presence()? { f(self).map(Some) } else { Ok(None) }
    }

    /// Runs `f` and also returns the exact bytes it consumed.
    pub fn with_bytes<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<(T, &'a [u8])> {
        let start = self.data;
        let v = f(self)?;
        let used = start.len() - self.data.len();
        Ok((v, &start[..used]))
    }
}

/// A structure that can be read from borrowed bytes.
pub trait Decode<'a>: Sized {
    /// Reads one value from `r`.
    fn decode(r: &mut Reader<'a>) -> Result<Self>;

    /// Reads one value that must span all of `bytes`.
    fn decode_exact(bytes: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let v = Self::decode(&mut r)?;
        r.finish()?;
        Ok(v)
    }
}

impl<'a> Decode<'a> for u8 {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.u8()
    }
}

impl<'a> Decode<'a> for u16 {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.u16()
    }
}

impl<'a> Decode<'a> for u32 {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.u32()
    }
}

impl<'a> Decode<'a> for u64 {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.u64()
    }
}

/// `opaque x<V>` as a borrowed slice.
impl<'a> Decode<'a> for &'a [u8] {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.vec_bytes()
    }
}

/// `optional<T>` (§2.1.1).
impl<'a, T: Decode<'a>> Decode<'a> for Option<T> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.optional(T::decode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_rfc_examples() {
        assert_eq!(Reader::new(&[0x9d, 0x7f, 0x3e, 0x7d]).varint(), Ok(494_878_333));
        assert_eq!(Reader::new(&[0x7b, 0xbd]).varint(), Ok(15293));
        assert_eq!(Reader::new(&[0x25]).varint(), Ok(37));
    }

    #[test]
    fn varint_rejects_bad_prefix_and_non_minimal() {
        assert_eq!(Reader::new(&[0xc0]).varint(), Err(Error::InvalidVarint));
        assert_eq!(
            Reader::new(&[0xff, 0, 0, 0, 0, 0, 0, 0]).varint(),
            Err(Error::InvalidVarint)
        );
        // 37 in two bytes, 63 in two bytes, 16383 in four bytes.
        assert_eq!(Reader::new(&[0x40, 0x25]).varint(), Err(Error::NonMinimalVarint));
        assert_eq!(Reader::new(&[0x40, 0x3f]).varint(), Err(Error::NonMinimalVarint));
        assert_eq!(
            Reader::new(&[0x80, 0, 0x3f, 0xff]).varint(),
            Err(Error::NonMinimalVarint)
        );
        // Boundaries that are minimal.
        assert_eq!(Reader::new(&[0x40, 0x40]).varint(), Ok(64));
        assert_eq!(Reader::new(&[0x80, 0, 0x40, 0]).varint(), Ok(16384));
    }

    #[test]
    fn truncation_everywhere() {
        assert_eq!(Reader::new(&[]).u8(), Err(Error::Truncated));
        assert_eq!(Reader::new(&[0]).u16(), Err(Error::Truncated));
        assert_eq!(Reader::new(&[0; 3]).u32(), Err(Error::Truncated));
        assert_eq!(Reader::new(&[0; 7]).u64(), Err(Error::Truncated));
        assert_eq!(Reader::new(&[0x40]).varint(), Err(Error::Truncated));
        assert_eq!(Reader::new(&[0x80, 0, 0]).varint(), Err(Error::Truncated));
        // Header says 5 bytes, 4 present.
        assert_eq!(Reader::new(&[5, 1, 2, 3, 4]).vec_bytes(), Err(Error::Truncated));
        // Header says 2^30-1 bytes.
        assert_eq!(
            Reader::new(&[0xbf, 0xff, 0xff, 0xff]).vec_bytes(),
            Err(Error::Truncated)
        );
    }

    #[test]
    fn optional_presence() {
        assert_eq!(Reader::new(&[2]).presence(), Err(Error::InvalidOptional));
        assert_eq!(Reader::new(&[0]).optional(|r| r.u8()), Ok(None));
        assert_eq!(Reader::new(&[1, 9]).optional(|r| r.u8()), Ok(Some(9)));
    }

    #[test]
    fn exact_and_trailing() {
        assert_eq!(u16::decode_exact(&[0, 1, 2]), Err(Error::TrailingData));
        assert_eq!(<&[u8]>::decode_exact(&[2, 7, 8]), Ok(&[7u8, 8][..]));
        assert_eq!(
            Reader::new(&[1, 2, 3]).vec_bytes_len(2, "x"),
            Err(Error::InvalidLength { field: "x" })
        );
    }
}
