//! Every structure a peer can send (RFC 9420 §6–§12), decoded from the
//! input after its first byte (which picks the structure), walked, and
//! re-encoded. Invariants: no panic; what decodes re-encodes to exactly the
//! input (the codec has one encoding per value, §2.1.2); a ratchet tree
//! that decodes is imported into an 8-leaf tree, hashed and validated
//! without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mls_fuzz_fixture::{SUITE, encode};
use mls_nostd::codec::{Decode, Encode, List};
use mls_nostd::commit::Commit;
use mls_nostd::credential::Credential;
use mls_nostd::extension::{Extension, Extensions};
use mls_nostd::framing::{AuthenticatedContent, FramedContent, MlsMessage, PrivateMessage, PublicMessage};
use mls_nostd::group_context::GroupContext;
use mls_nostd::key_package::KeyPackage;
use mls_nostd::memory::Fixed;
use mls_nostd::proposal::Proposal;
use mls_nostd::tree::{LeafCheck, LeafNode, NodeList, RatchetTree};
use mls_nostd::treekem::UpdatePath;
use mls_nostd::welcome::{GroupInfo, GroupSecrets, Welcome};

/// Decodes `data` as a `T`; if it decodes, its encoding must be `data`.
fn roundtrip<'a, T: Decode<'a> + Encode + core::fmt::Debug>(data: &'a [u8]) -> Option<T> {
    let v = T::decode_exact(data).ok()?;
    assert_eq!(v.encoded_len(), data.len(), "encoded_len of {v:?}");
    assert!(encode(&v) == data, "re-encoding differs: {v:?}");
    Some(v)
}

/// Walks every element of a list (each decodes lazily) and re-encodes it.
fn walk<'a, T: Decode<'a> + Encode + Clone + core::fmt::Debug>(list: &List<'a, T>) {
    for item in list.iter() {
        let _ = encode(&item);
    }
}

fn tree(data: &[u8]) {
    let Some(nodes) = roundtrip::<NodeList<'_>>(data) else {
        return;
    };
    walk(&nodes);
    let mut t: Box<RatchetTree<Fixed<8, 512>>> = Box::new(RatchetTree::new_in());
    if t.import(&nodes).is_ok() {
        let _ = t.update_tree_hash(&SUITE);
        let check = LeafCheck {
            group_id: b"fuzz",
            now: mls_fuzz_fixture::NOW,
            max_lifetime: None,
            required: None,
        };
        let _ = t.validate(&SUITE, &check);
        // What was imported encodes to what was decoded.
        let mut out = vec![0u8; t.encoded_len()];
        let n = t.encode_to(&mut out).expect("sized");
        assert!(out[..n] == *data, "imported tree encodes differently");
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&which, data)) = input.split_first() else {
        return;
    };
    match which % 16 {
        0 => {
            if let Some(m) = roundtrip::<MlsMessage<'_>>(data) {
                match m {
                    MlsMessage::Welcome(w) => walk(&w.secrets),
                    MlsMessage::GroupInfo(gi) => walk(&gi.extensions),
                    MlsMessage::KeyPackage(kp) => {
                        let _ = kp.verify(&SUITE);
                        walk(&kp.extensions);
                    }
                    _ => {}
                }
            }
        }
        1 => {
            if let Some(kp) = roundtrip::<KeyPackage<'_>>(data) {
                let _ = kp.verify(&SUITE);
                let _ = kp.reference(&SUITE);
            }
        }
        2 => {
            roundtrip::<Welcome<'_>>(data).inspect(|w| walk(&w.secrets));
        }
        3 => {
            if let Some(gi) = roundtrip::<GroupInfo<'_>>(data) {
                walk(&gi.extensions);
                let _ = gi.verify(&SUITE, &[0; 32]);
            }
        }
        4 => {
            roundtrip::<GroupSecrets<'_>>(data).inspect(|gs| walk(&gs.psks));
        }
        5 => tree(data),
        6 => {
            roundtrip::<Commit<'_>>(data).inspect(|c| walk(&c.proposals));
        }
        7 => {
            roundtrip::<Proposal<'_>>(data);
        }
        8 => {
            roundtrip::<UpdatePath<'_>>(data).inspect(|p| walk(&p.nodes));
        }
        9 => {
            roundtrip::<LeafNode<'_>>(data).inspect(|l| walk(&l.extensions));
        }
        10 => {
            roundtrip::<Extensions<'_>>(data).inspect(walk);
        }
        11 => {
            roundtrip::<Extension<'_>>(data);
        }
        12 => {
            roundtrip::<FramedContent<'_>>(data);
        }
        13 => {
            roundtrip::<AuthenticatedContent<'_>>(data);
        }
        14 => {
            roundtrip::<GroupContext<'_>>(data).inspect(|c| walk(&c.extensions));
        }
        _ => {
            roundtrip::<Credential<'_>>(data);
            roundtrip::<PublicMessage<'_>>(data);
            roundtrip::<PrivateMessage<'_>>(data);
        }
    }
});
