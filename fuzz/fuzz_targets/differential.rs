//! Differential decoding against mls-rs (host only): the same bytes, as an
//! MLSMessage or as a ratchet tree, must be accepted by both decoders or
//! refused by both. The first byte picks the structure. A disagreement
//! is a bug in one of them; the ones explained and judged (see
//! `fuzz/README.md`) are recognised by `explained` and counted, not
//! reported.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mls_nostd::codec::Decode;
use mls_nostd::framing::MlsMessage;
use mls_nostd::tree::NodeList;

fuzz_target!(|input: &[u8]| {
    let Some((&which, data)) = input.split_first() else {
        return;
    };
    let (ours, theirs) = if which % 2 == 0 {
        let ours = MlsMessage::decode_exact(data).map(|_| ());
        let theirs = mls_rs::MlsMessage::from_bytes(data).map(|_| ());
        (ours, theirs)
    } else {
        let ours = NodeList::decode_exact(data).map(|_| ());
        let theirs = mls_rs::group::ExportedTree::from_bytes(data).map(|_| ());
        (ours, theirs)
    };
    if ours.is_ok() != theirs.is_ok()
        && mls_fuzz_fixture::differential::explained(which % 2 == 0, data, &ours, &format!("{theirs:?}")).is_none()
    {
        panic!("decoders disagree: mls-nostd {ours:?}, mls-rs {theirs:?}");
    }
});
