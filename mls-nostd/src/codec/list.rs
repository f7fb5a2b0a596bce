//! `T x<V>` vectors of structures, either borrowed from received bytes or
//! from a caller's slice.

use super::{Decode, Encode, Reader, Writer};
use crate::error::Result;
use core::fmt;
use core::marker::PhantomData;

/// A vector of `T`.
///
/// Decoding validates every element once and keeps only the borrowed
/// bytes; iterating decodes each element again on the fly, so a list costs
/// no memory beyond the input. To build a message, wrap a caller slice with
/// [`List::from_slice`].
pub struct List<'a, T> {
    repr: Repr<'a, T>,
}

enum Repr<'a, T> {
    Wire {
        bytes: &'a [u8],
        count: usize,
        _t: PhantomData<T>,
    },
    Slice(&'a [T]),
}

impl<T> Clone for List<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for List<'_, T> {}
impl<T> Clone for Repr<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Repr<'_, T> {}

impl<'a, T> List<'a, T> {
    /// The empty list.
    pub const fn empty() -> Self {
        List { repr: Repr::Slice(&[]) }
    }

    /// A list over elements the caller owns.
    pub const fn from_slice(items: &'a [T]) -> Self {
        List {
            repr: Repr::Slice(items),
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self.repr {
            Repr::Wire { count, .. } => count,
            Repr::Slice(s) => s.len(),
        }
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The encoded contents (without the length header) when this list
    /// was decoded from the wire.
    pub fn wire_bytes(&self) -> Option<&'a [u8]> {
        match self.repr {
            Repr::Wire { bytes, .. } => Some(bytes),
            Repr::Slice(_) => None,
        }
    }
}

impl<'a, T: Decode<'a> + Clone> List<'a, T> {
    /// The elements in order.
    pub fn iter(&self) -> Iter<'a, T> {
        match self.repr {
            Repr::Wire { bytes, .. } => Iter::Wire(Reader::new(bytes)),
            Repr::Slice(s) => Iter::Slice(s.iter()),
        }
    }

    /// The element at `i`, if any.
    pub fn get(&self, i: usize) -> Option<T> {
        self.iter().nth(i)
    }
}

/// Iterator over a [`List`].
#[derive(Clone)]
pub enum Iter<'a, T> {
    #[doc(hidden)]
    Wire(Reader<'a>),
    #[doc(hidden)]
    Slice(core::slice::Iter<'a, T>),
}

impl<'a, T: Decode<'a> + Clone> Iterator for Iter<'a, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        match self {
            // Every element was validated when the list was decoded, so a
            // failure here cannot happen; it ends the iteration regardless.
            Iter::Wire(r) if !r.is_empty() => T::decode(r).ok(),
            Iter::Wire(_) => None,
            Iter::Slice(s) => s.next().cloned(),
        }
    }
}

impl<'a, T: Decode<'a>> Decode<'a> for List<'a, T> {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        let bytes = r.vec_bytes()?;
        let mut inner = Reader::new(bytes);
        let mut count = 0;
        while !inner.is_empty() {
            T::decode(&mut inner)?;
            count += 1;
        }
        Ok(List {
            repr: Repr::Wire {
                bytes,
                count,
                _t: PhantomData,
            },
        })
    }
}

impl<'a, T: Decode<'a> + Encode + Clone> Encode for List<'a, T> {
    fn encode(&self, w: &mut Writer<'_>) {
        // Re-encode element by element, so that a round trip checks each
        // element's codec rather than copying bytes through.
        w.vec(|w| {
            for item in self.iter() {
                item.encode(w);
            }
        });
    }
}

impl<'a, T: Decode<'a> + Clone + PartialEq> PartialEq for List<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

impl<'a, T: Decode<'a> + Clone + fmt::Debug> fmt::Debug for List<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn decode_validates_every_element() {
        // Two uint16, then an odd trailing byte inside the vector.
        let ok = [4u8, 0, 1, 0, 2];
        let l = List::<u16>::decode_exact(&ok).unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l.get(1), Some(2));
        let bad = [3u8, 0, 1, 0];
        assert_eq!(List::<u16>::decode_exact(&bad).err(), Some(Error::Truncated));
    }

    #[test]
    fn slice_and_wire_encode_alike() {
        let items = [1u16, 2, 3];
        let l = List::from_slice(&items);
        let mut a = [0u8; 16];
        let n = l.encode_to(&mut a).unwrap();
        let back = List::<u16>::decode_exact(&a[..n]).unwrap();
        assert_eq!(back, l);
        let mut b = [0u8; 16];
        assert_eq!(back.encode_to(&mut b), Ok(n));
        assert_eq!(a, b);
    }
}
