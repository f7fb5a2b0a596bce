//! The TLS presentation language as MLS uses it (RFC 9420 §2.1): fixed-size
//! integers, variable-size vector headers with the minimal-encoding rule,
//! `optional<T>`, and vectors of structures.
//!
//! Reading is zero-copy over `&[u8]`. Writing goes to a caller buffer (with
//! an exact [`crate::Error::BufferTooSmall`]), to a counter, or straight into
//! a hash or MAC so that nothing large is ever buffered to be hashed.

mod list;
mod reader;
mod writer;

pub use list::{Iter, List};
pub use reader::{Decode, MAX_VARINT, Reader};
pub use writer::{Encode, Update, Writer, encode_varint, varint_len};

/// Declares a `uint8`/`uint16` protocol enum with its known values; unknown
/// values decode to [`crate::Error::UnknownValue`].
macro_rules! wire_enum {
    (
        $(#[$m:meta])*
        $vis:vis enum $name:ident : $repr:ident ($field:literal) {
            $( $(#[$vm:meta])* $variant:ident = $val:literal ),+ $(,)?
        }
    ) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        #[repr($repr)]
        $vis enum $name { $( $(#[$vm])* $variant = $val ),+ }

        impl $name {
            /// The value on the wire.
            pub const fn value(self) -> $repr { self as $repr }

            /// The variant for a wire value.
            pub fn from_value(v: $repr) -> $crate::Result<Self> {
                match v {
                    $( $val => Ok($name::$variant), )+
                    _ => Err($crate::Error::UnknownValue { field: $field, value: v as u32 }),
                }
            }
        }

        impl<'a> $crate::codec::Decode<'a> for $name {
            fn decode(r: &mut $crate::codec::Reader<'a>) -> $crate::Result<Self> {
                Self::from_value(r.$repr()?)
            }
        }

        impl $crate::codec::Encode for $name {
            fn encode(&self, w: &mut $crate::codec::Writer<'_>) {
                w.$repr(self.value())
            }
        }
    };
}
pub(crate) use wire_enum;

mod buf;
pub use buf::Buf;
