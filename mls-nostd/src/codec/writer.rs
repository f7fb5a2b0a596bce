//! Writing the TLS presentation language into caller buffers, a byte
//! counter, or a running hash/MAC (RFC 9420 §2.1).

use super::reader::MAX_VARINT;
use crate::error::{Error, Result};

/// A sink for bytes that never needs the whole input at once: a hash or
/// MAC state.
pub trait Update {
    /// Absorbs `data`.
    fn update(&mut self, data: &[u8]);
}

enum Sink<'a> {
    Buf(&'a mut [u8]),
    Count,
    Stream(&'a mut dyn Update),
}

/// Where encoded bytes go. A write never fails on the spot: a writer over a
/// buffer keeps counting past its end, so [`Writer::finish`] can report the
/// exact size needed.
pub struct Writer<'a> {
    sink: Sink<'a>,
    len: usize,
    too_long: bool,
}

impl<'a> Writer<'a> {
    /// Writes into `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        Writer {
            sink: Sink::Buf(buf),
            len: 0,
            too_long: false,
        }
    }

    /// Only counts bytes; used to learn an encoding's size.
    pub fn counter() -> Writer<'static> {
        Writer {
            sink: Sink::Count,
            len: 0,
            too_long: false,
        }
    }

    /// Feeds the bytes to a hash or MAC state.
    pub fn stream(u: &'a mut dyn Update) -> Self {
        Writer {
            sink: Sink::Stream(u),
            len: 0,
            too_long: false,
        }
    }

    /// Bytes written (or counted) so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The total length, or [`Error::BufferTooSmall`] with the exact size
    /// needed, or [`Error::VectorTooLong`].
    pub fn finish(self) -> Result<usize> {
        if self.too_long {
            return Err(Error::VectorTooLong);
        }
        if let Sink::Buf(b) = &self.sink
            && self.len > b.len()
        {
            return Err(Error::BufferTooSmall { needed: self.len });
        }
        Ok(self.len)
    }

    /// Writes raw bytes.
    pub fn put(&mut self, data: &[u8]) {
        let end = self.len + data.len();
        match &mut self.sink {
            Sink::Buf(b) => {
                if let Some(dst) = b.get_mut(self.len..end) {
                    dst.copy_from_slice(data);
                }
            }
            Sink::Count => {}
            Sink::Stream(u) => u.update(data),
        }
        self.len = end;
    }

    /// Writes a `uint8`.
    pub fn u8(&mut self, v: u8) {
        self.put(&[v]);
    }

    /// Writes a big-endian `uint16`.
    pub fn u16(&mut self, v: u16) {
        self.put(&v.to_be_bytes());
    }

    /// Writes a big-endian `uint32`.
    pub fn u32(&mut self, v: u32) {
        self.put(&v.to_be_bytes());
    }

    /// Writes a big-endian `uint64`.
    pub fn u64(&mut self, v: u64) {
        self.put(&v.to_be_bytes());
    }

    /// Writes a minimal variable-length integer (§2.1.2).
    pub fn varint(&mut self, v: usize) {
        let mut b = [0u8; 4];
        let n = encode_varint(v, &mut b);
        if n == 0 {
            self.too_long = true;
            return;
        }
        self.put(&b[..n]);
    }

    /// Writes an `opaque x<V>`.
    pub fn vec_bytes(&mut self, data: &[u8]) {
        self.varint(data.len());
        self.put(data);
    }

    /// Writes a `T x<V>` whose contents `f` produces. `f` runs twice:
    /// once to count, once to write.
    pub fn vec(&mut self, f: impl Fn(&mut Writer<'_>)) {
        let mut c = Writer::counter();
        f(&mut c);
        self.too_long |= c.too_long;
        self.varint(c.len);
        f(self);
    }

    /// Writes an `optional<T>`.
    pub fn optional<T>(&mut self, v: Option<&T>, f: impl FnOnce(&mut Self, &T)) {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                f(self, v);
            }
        }
    }
}

/// Length of the minimal varint encoding of `v` (RFC 9420 §2.1.2), or 0
/// when `v` exceeds 2^30 - 1.
pub const fn varint_len(v: usize) -> usize {
    if v < 64 {
        1
    } else if v < 16384 {
        2
    } else if v <= MAX_VARINT {
        4
    } else {
        0
    }
}

/// Encodes `v` minimally into `out`; returns the length, or 0 when `v`
/// exceeds 2^30 - 1.
pub fn encode_varint(v: usize, out: &mut [u8; 4]) -> usize {
    if v < 64 {
        out[0] = v as u8;
        1
    } else if v < 16384 {
        out[..2].copy_from_slice(&(0x4000 | v as u16).to_be_bytes());
        2
    } else if v <= MAX_VARINT {
        out.copy_from_slice(&(0x8000_0000 | v as u32).to_be_bytes());
        4
    } else {
        0
    }
}

/// A structure that can be written in the TLS presentation language.
pub trait Encode {
    /// Writes the encoding of `self`.
    fn encode(&self, w: &mut Writer<'_>);

    /// The exact encoded size.
    fn encoded_len(&self) -> usize {
        let mut w = Writer::counter();
        self.encode(&mut w);
        w.len()
    }

    /// Writes into the front of `out`; returns the length used or
    /// [`Error::BufferTooSmall`] with the exact size needed.
    fn encode_to(&self, out: &mut [u8]) -> Result<usize> {
        let mut w = Writer::new(out);
        self.encode(&mut w);
        w.finish()
    }
}

impl Encode for u8 {
    fn encode(&self, w: &mut Writer<'_>) {
        w.u8(*self)
    }
}

impl Encode for u16 {
    fn encode(&self, w: &mut Writer<'_>) {
        w.u16(*self)
    }
}

impl Encode for u32 {
    fn encode(&self, w: &mut Writer<'_>) {
        w.u32(*self)
    }
}

impl Encode for u64 {
    fn encode(&self, w: &mut Writer<'_>) {
        w.u64(*self)
    }
}

/// `opaque x<V>`.
impl Encode for [u8] {
    fn encode(&self, w: &mut Writer<'_>) {
        w.vec_bytes(self)
    }
}

impl<T: Encode + ?Sized> Encode for &T {
    fn encode(&self, w: &mut Writer<'_>) {
        (**self).encode(w)
    }
}

/// `optional<T>` (§2.1.1).
impl<T: Encode> Encode for Option<T> {
    fn encode(&self, w: &mut Writer<'_>) {
        w.optional(self.as_ref(), |w, v| v.encode(w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Reader;

    #[test]
    fn exact_buffer_too_small() {
        let data = [7u8; 100];
        let mut buf = [0u8; 50];
        // 2-byte header + 100 bytes.
        assert_eq!(data[..].encode_to(&mut buf), Err(Error::BufferTooSmall { needed: 102 }));
        assert_eq!(data[..].encoded_len(), 102);
        let mut buf = [0u8; 102];
        assert_eq!(data[..].encode_to(&mut buf), Ok(102));
        assert_eq!(Reader::new(&buf).vec_bytes(), Ok(&data[..]));
    }

    #[test]
    fn varint_roundtrip_boundaries() {
        for v in [0, 1, 63, 64, 16383, 16384, MAX_VARINT] {
            let mut b = [0u8; 4];
            let n = encode_varint(v, &mut b);
            assert_eq!(Reader::new(&b[..n]).varint(), Ok(v), "{v}");
        }
        assert_eq!(encode_varint(MAX_VARINT + 1, &mut [0; 4]), 0);
    }

    #[test]
    fn nested_vec_counts_header_sizes() {
        // A vector holding a 70-byte opaque: inner header 2 bytes, outer
        // content 72 bytes so outer header 2 bytes.
        let inner = [1u8; 70];
        let mut buf = [0u8; 80];
        let mut w = Writer::new(&mut buf);
        w.vec(|w| w.vec_bytes(&inner));
        assert_eq!(w.finish(), Ok(74));
        let mut r = Reader::new(&buf[..74]);
        let mut v = r.vec().unwrap();
        assert_eq!(v.vec_bytes(), Ok(&inner[..]));
        assert!(v.is_empty() && r.is_empty());
    }
}
