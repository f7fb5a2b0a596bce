//! Bad input never panics and always gets a typed error.
//!
//! The inputs are the official `messages.json` structures, damaged in every
//! way the codec must catch: truncated at every length, extended by a
//! byte, mutated byte by byte, re-encoded with non-minimal or reserved
//! length prefixes, and given unknown enum values or bad presence octets.

use mls_conformance::default_vectors_dir;
use mls_nostd::Error;
use mls_nostd::codec::{Decode, List, Reader};
use mls_nostd::commit::Commit;
use mls_nostd::crypto::{Bytes, CipherSuite, Curve25519Aes128, P256Aes128, labels};
use mls_nostd::extension::Extension;
use mls_nostd::framing::{AuthenticatedContent, MlsMessage};
use mls_nostd::key_package::KeyPackage;
use mls_nostd::proposal::{Proposal, ReInit};
use mls_nostd::psk::PreSharedKeyId;
use mls_nostd::tree::{LeafNode, NodeList};
use mls_nostd::welcome::GroupSecrets;
use serde_json::Value;

type DecodeFn = fn(&[u8]) -> Result<(), Error>;

macro_rules! dec {
    ($t:ty) => {
        |b: &[u8]| <$t>::decode_exact(b).map(|_| ())
    };
}

/// Each messages.json field with the decoder for its structure.
const FIELDS: &[(&str, DecodeFn)] = &[
    ("mls_welcome", dec!(MlsMessage)),
    ("mls_group_info", dec!(MlsMessage)),
    ("mls_key_package", dec!(MlsMessage)),
    ("ratchet_tree", dec!(NodeList)),
    ("group_secrets", dec!(GroupSecrets)),
    ("add_proposal", dec!(KeyPackage)),
    ("update_proposal", dec!(LeafNode)),
    ("remove_proposal", dec!(u32)),
    ("pre_shared_key_proposal", dec!(PreSharedKeyId)),
    ("re_init_proposal", dec!(ReInit)),
    ("external_init_proposal", dec!(&[u8])),
    ("group_context_extensions_proposal", dec!(List<Extension>)),
    ("commit", dec!(Commit)),
    ("public_message_application", dec!(MlsMessage)),
    ("public_message_proposal", dec!(MlsMessage)),
    ("public_message_commit", dec!(MlsMessage)),
    ("private_message", dec!(MlsMessage)),
];

/// One case per suite: enough variety, fast in a debug build.
fn cases() -> Vec<Value> {
    let path = default_vectors_dir().join("messages.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let all: Vec<Value> = serde_json::from_str(&text).expect("messages.json parses");
    let mut seen = std::collections::BTreeSet::new();
    all.into_iter()
        .filter(|c| {
            let kp = hex::decode(c["mls_key_package"].as_str().unwrap_or_default()).unwrap_or_default();
            seen.insert(kp.get(4..6).map(<[u8]>::to_vec))
        })
        .collect()
}

fn field(case: &Value, name: &str) -> Vec<u8> {
    hex::decode(case[name].as_str().expect(name)).expect("hex")
}

#[test]
fn every_truncation_is_an_error() {
    for case in cases() {
        for (name, decode) in FIELDS {
            let full = field(&case, name);
            decode(&full).unwrap_or_else(|e| panic!("{name} must decode: {e:?}"));
            for n in 0..full.len() {
                let e = decode(&full[..n]).expect_err(name);
                assert!(
                    matches!(
                        e,
                        Error::Truncated | Error::InvalidLength { .. } | Error::UnknownValue { .. }
                    ),
                    "{name} cut at {n}: {e:?}"
                );
            }
        }
    }
}

#[test]
fn trailing_byte_is_an_error() {
    for case in cases() {
        for (name, decode) in FIELDS {
            let mut b = field(&case, name);
            b.push(0);
            assert_eq!(decode(&b), Err(Error::TrailingData), "{name}");
        }
    }
}

#[test]
fn every_single_byte_mutation_is_handled() {
    // Must never panic; the result may be Ok (a byte inside a key) or Err.
    for case in cases() {
        for (name, decode) in FIELDS {
            let full = field(&case, name);
            let mut rejected = 0;
            for i in 0..full.len() {
                for x in [0x01u8, 0x40, 0x80, 0xff] {
                    let mut b = full.clone();
                    b[i] ^= x;
                    rejected += usize::from(decode(&b).is_err());
                }
            }
            // Every structure but a bare uint32 has a header the parser checks.
            if *name != "remove_proposal" {
                assert!(rejected > 0, "{name}: no mutation was rejected");
            }
        }
    }
}

/// The bytes of a KeyPackage MLSMessage from the vectors, and the offset of
/// its `init_key<V>` header: version(2) wire_format(2) version(2) suite(2).
fn key_package() -> (Vec<u8>, usize) {
    (field(&cases()[0], "mls_key_package"), 8)
}

#[test]
fn non_minimal_length_prefix_is_rejected() {
    let (kp, at) = key_package();
    let len = kp[at];
    assert!(len < 64, "init_key fits a one-byte header");
    let mut b = kp[..at].to_vec();
    b.extend_from_slice(&[0x40, len]);
    b.extend_from_slice(&kp[at + 1..]);
    assert_eq!(MlsMessage::decode_exact(&b).err(), Some(Error::NonMinimalVarint));
    let mut b = kp[..at].to_vec();
    b.extend_from_slice(&[0x80, 0, 0, len]);
    b.extend_from_slice(&kp[at + 1..]);
    assert_eq!(MlsMessage::decode_exact(&b).err(), Some(Error::NonMinimalVarint));
}

#[test]
fn reserved_length_prefix_is_rejected() {
    let (mut kp, at) = key_package();
    kp[at] |= 0xc0;
    assert_eq!(MlsMessage::decode_exact(&kp).err(), Some(Error::InvalidVarint));
}

#[test]
fn over_long_length_is_truncation() {
    let (mut kp, at) = key_package();
    kp[at] = 0x3f; // longer than the rest of the structure allows here
    assert!(MlsMessage::decode_exact(&kp).is_err());
    // A header claiming 2^30-1 bytes.
    let b = [0xbf, 0xff, 0xff, 0xff, 0];
    assert_eq!(<&[u8]>::decode_exact(&b), Err(Error::Truncated));
}

#[test]
fn unknown_enum_values_are_typed() {
    let (kp, _) = key_package();
    let mut b = kp.clone();
    b[3] = 9; // wire_format 9
    assert_eq!(
        MlsMessage::decode_exact(&b).err(),
        Some(Error::UnknownValue {
            field: "wire_format",
            value: 9
        })
    );
    let mut b = kp.clone();
    b[1] = 2; // version 2
    assert_eq!(
        MlsMessage::decode_exact(&b).err(),
        Some(Error::UnknownValue {
            field: "version",
            value: 2
        })
    );
    // Proposal type 0x0a0a (a GREASE value): the body cannot be parsed.
    assert_eq!(
        Proposal::decode_exact(&[0x0a, 0x0a, 0]).err(),
        Some(Error::UnknownValue {
            field: "proposal_type",
            value: 0x0a0a
        })
    );
    // ProposalOrRef type 3, sender type 5, credential type 7.
    assert_eq!(
        Commit::decode_exact(&[2, 3, 0, 0]).err(),
        Some(Error::UnknownValue {
            field: "proposal_or_ref_type",
            value: 3
        })
    );
    let content = [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5];
    assert_eq!(
        AuthenticatedContent::decode_exact(&content).err(),
        Some(Error::UnknownValue {
            field: "sender_type",
            value: 5
        })
    );
    let ln = field(&cases()[0], "update_proposal");
    let mut b = ln.clone();
    // credential_type follows encryption_key<V> and signature_key<V>.
    let mut r = Reader::new(&ln);
    r.vec_bytes().unwrap();
    r.vec_bytes().unwrap();
    let at = ln.len() - r.remaining();
    b[at] = 0;
    b[at + 1] = 7;
    assert_eq!(
        LeafNode::decode_exact(&b).err(),
        Some(Error::UnknownValue {
            field: "credential_type",
            value: 7
        })
    );
}

#[test]
fn bad_optional_presence_is_rejected() {
    // Commit with no proposals and a path presence octet of 2.
    assert_eq!(Commit::decode_exact(&[0, 2]).err(), Some(Error::InvalidOptional));
    assert_eq!(Commit::decode_exact(&[0, 0]).map(|c| c.path.is_none()), Ok(true));
}

#[test]
fn wrong_lengths_are_typed() {
    // A 33-byte value where at most 32 fit.
    let mut b = vec![33u8];
    b.extend_from_slice(&[7; 33]);
    assert_eq!(
        Bytes::<32>::decode_exact(&b),
        Err(Error::InvalidLength { field: "bytes" })
    );
    // Keys and signatures of the wrong size.
    let s = Curve25519Aes128;
    assert_eq!(s.verify(&[0; 31], &[&b"m"[..]], &[0; 64]), Err(Error::InvalidKey));
    assert_eq!(s.verify(&[9; 32], &[&b"m"[..]], &[0; 63]), Err(Error::InvalidSignature));
    assert_eq!(s.sign(&[1; 31], &[&b"m"[..]]).err(), Some(Error::InvalidKey));
    assert_eq!(s.hpke_derive_key_pair(&[]).map(|_| ()), Ok(()));
    let p = P256Aes128;
    assert_eq!(p.verify(&[4; 64], &[&b"m"[..]], &[0x30, 0]), Err(Error::InvalidKey));
    let mut buf = [0u8; 4];
    assert_eq!(
        s.aead_open(&[0; 15], &[0; 12], &[], &mut buf, &[0; 16]),
        Err(Error::InvalidLength { field: "aead key" })
    );
    assert_eq!(
        s.aead_open(&[0; 16], &[0; 11], &[], &mut buf, &[0; 16]),
        Err(Error::InvalidLength { field: "aead nonce" })
    );
    assert_eq!(
        s.aead_open(&[0; 16], &[0; 12], &[], &mut buf, &[0; 15]),
        Err(Error::DecryptionFailed)
    );
    assert_eq!(
        s.hpke_open(&[1; 32], &[2; 31], &[], &[], &mut buf, &[0; 16]),
        Err(Error::DecryptionFailed),
        "kem_output of the wrong length"
    );
}

#[test]
fn bad_tags_are_rejected() {
    let s = Curve25519Aes128;
    let key = [3u8; 16];
    let mut buf = *b"sensor reading 1";
    let tag = s.aead_seal(&key, &[0; 12], b"aad", &mut buf).unwrap();
    let mut bad = tag;
    bad[0] ^= 1;
    let mut copy = buf;
    assert_eq!(
        s.aead_open(&key, &[0; 12], b"aad", &mut copy, &bad),
        Err(Error::DecryptionFailed)
    );
    assert_eq!(
        s.aead_open(&key, &[0; 12], b"aaD", &mut copy, &tag),
        Err(Error::DecryptionFailed)
    );
    // A signature over other content or label does not verify.
    let (sk, pk) = s.signature_key_pair(&mut mls_conformance::files::test_rng());
    let sig = labels::sign_with_label(&s, sk.as_slice(), b"L", &[&b"content"[..]]).unwrap();
    assert_eq!(
        labels::verify_with_label(&s, &pk, b"L", &[&b"content"[..]], &sig),
        Ok(())
    );
    assert_eq!(
        labels::verify_with_label(&s, &pk, b"L", &[&b"contenT"[..]], &sig),
        Err(Error::InvalidSignature)
    );
    assert_eq!(
        labels::verify_with_label(&s, &pk, b"M", &[&b"content"[..]], &sig),
        Err(Error::InvalidSignature)
    );
}
