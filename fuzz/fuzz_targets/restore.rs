//! Restoring a saved state (a reset, then flash read back), then living on
//! with it. The first byte picks the mode: 0, the rest is the saved bytes
//! as they are (so the integrity check must catch a corruption); 1, the
//! rest is the state without its integrity trailer, which the target
//! appends (so the fuzzer reaches the validation behind it). The second
//! byte picks what the member then does: process one of the fixture's
//! messages, send, commit, propose, save and restore again.
//!
//! Invariants: no panic; a refused state leaves the group empty; a
//! restored group saves back to the bytes it was restored from, and every
//! operation on it either succeeds or fails with a typed error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mls_fuzz_fixture::{NOW, SUITE, empty, save, untouched, world};
use mls_nostd::crypto::hash_encoded;
use mls_nostd::group::{CommitOptions, HandshakeFormat};

fuzz_target!(|input: &[u8]| {
    let [mode, op, data @ ..] = input else { return };
    let w = world();
    let mut saved = data.to_vec();
    if mode % 2 == 1 {
        saved.extend_from_slice(hash_encoded(&SUITE, |wr| wr.put(data)).as_slice());
    }
    let mut g = empty(HandshakeFormat::Public);
    let blank = save(&g);
    let r = g.restore(&saved);
    untouched(&g, &blank, &r);
    if r.is_err() {
        return;
    }
    // A format-1 state (no hash) is read, and saved back in format 2.
    if saved.get(16) != Some(&1) {
        assert!(save(&g) == saved, "a restored state saves differently");
    }
    let mut rng = mls_fuzz_fixture::rng();
    let mut out = vec![0u8; 1 << 16];
    let before = save(&g);
    match op % 6 {
        0 | 1 => {
            let i = usize::from(op / 6) % w.messages.len();
            let m = &w.messages[i].1;
            let mut buf = vec![0u8; m.len()];
            let r = g.process(m, &(), NOW, &mut buf);
            untouched(&g, &before, &r);
        }
        2 => {
            let r = g.send(b"after reset", b"", &mut rng, &mut out);
            untouched(&g, &before, &r);
        }
        3 => {
            let r = g.commit(&CommitOptions::default(), &(), NOW, &mut rng, &mut out);
            untouched(&g, &before, &r);
        }
        4 => {
            let r = g.propose_update(b"", NOW, &mut rng, &mut out);
            untouched(&g, &before, &r);
        }
        _ => {
            let r = g.group_info(true, &mut out);
            untouched(&g, &before, &r);
        }
    }
    let again = save(&g);
    let mut h = empty(HandshakeFormat::Public);
    h.restore(&again).expect("a state this member saved restores");
});
