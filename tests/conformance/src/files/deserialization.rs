//! `deserialization.json`: variable-length vector headers (§2.1.2).

use crate::{Outcome, json};
use mls_nostd::codec::{Reader, Writer};
use serde_json::Value;

/// Decodes the header, compares the length, and checks that encoding the
/// length gives back the same header.
pub fn check(case: &Value) -> Outcome {
    Outcome::of(None, || {
        let header = json::hex(case, "vlbytes_header")?;
        let want = json::uint(case, "length")? as usize;
        let mut r = Reader::new(&header);
        let got = json::ctx("decode", r.varint())?;
        if got != want || !r.is_empty() {
            return Err(format!("decoded {got}, want {want}"));
        }
        let mut buf = [0u8; 4];
        let mut w = Writer::new(&mut buf);
        w.varint(want);
        let n = json::ctx("encode", w.finish())?;
        json::expect_eq("re-encoded header", &buf[..n], &header)
    })
}
