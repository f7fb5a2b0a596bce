//! A live group on the receiving side (RFC 9420 §6, §12): Bob, a member at
//! epoch 1, processes the input. The first byte picks the mode:
//!
//! - raw: the rest is the MLSMessage Bob receives;
//! - insider, public: the rest is a FramedContent (then the confirmation
//!   tag a commit carries), signed and MACed by Alice with her real keys;
//! - insider, private: the same content encrypted by Alice under the
//!   sender leaf's real next key.
//!
//! Invariants: no panic; when `process` fails, Bob's saved state is
//! byte-identical to before.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mls_fuzz_fixture::{NOW, restored, save, untouched, world};
use mls_nostd::codec::{Decode, Reader};
use mls_nostd::framing::{FramedContent, WireFormat};
use mls_nostd::group::HandshakeFormat;

fuzz_target!(|input: &[u8]| {
    let Some((&mode, data)) = input.split_first() else {
        return;
    };
    let w = world();
    let mut out = vec![0u8; 4 * data.len() + 1024];
    let message: &[u8] = match mode % 3 {
        0 => data,
        m => {
            let mut r = Reader::new(data);
            let Ok(content) = FramedContent::decode(&mut r) else {
                return;
            };
            let tag = r.rest();
            let wire_format = if m == 1 {
                WireFormat::PublicMessage
            } else {
                WireFormat::PrivateMessage
            };
            let mut alice = restored(&w.alice, HandshakeFormat::Public);
            let mut rng = mls_fuzz_fixture::rng();
            match alice.protect_as_insider(&content, wire_format, tag, &mut rng, &mut out) {
                Ok(n) => &out[..n],
                Err(_) => return,
            }
        }
    };
    let mut bob = restored(&w.bob, HandshakeFormat::Public);
    let before = save(&bob);
    let mut buf = vec![0u8; message.len()];
    let result = bob.process(message, &(), NOW, &mut buf);
    untouched(&bob, &before, &result);
});
