//! Each operation of the AWS-LC suites gives the bytes the core's
//! RustCrypto suites give (HPKE is deterministic once the ephemeral
//! randomness is fixed, and so is Ed25519), or bytes the core accepts
//! (ECDSA signatures are randomised): an independent implementation of
//! RFC 9180 and of each primitive as the check.

use chacha20::ChaCha20Rng;
use mls_nostd::crypto::{CipherSuite, Curve25519Aes128, P256Aes128};
use rand_core::SeedableRng;

fn rng(seed: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([seed; 32])
}

fn same_hpke<A: CipherSuite, C: CipherSuite>(ours: &A, core: &C) {
    for seed in 0..8u8 {
        let ikm = [seed; 32];
        let (sk_a, pk_a) = ours.hpke_derive_key_pair(&ikm).unwrap();
        let (sk_c, pk_c) = core.hpke_derive_key_pair(&ikm).unwrap();
        // The `hpke` crate keeps X25519 private keys clamped; the scalars
        // are the same, as the public keys and the cross-opening show.
        assert_eq!(pk_a.as_slice(), pk_c.as_slice());
        if A::ID == 2 {
            assert_eq!(sk_a.as_slice(), sk_c.as_slice());
        }

        let plain: Vec<u8> = (0..32 + seed).collect();
        let (mut a, mut c) = (plain.clone(), plain.clone());
        let sealed_a = ours
            .hpke_seal(pk_a.as_slice(), b"info", b"aad", &mut a, &mut rng(seed))
            .unwrap();
        let sealed_c = core
            .hpke_seal(pk_c.as_slice(), b"info", b"aad", &mut c, &mut rng(seed))
            .unwrap();
        assert_eq!(
            (sealed_a.0.as_slice(), sealed_a.1, &a),
            (sealed_c.0.as_slice(), sealed_c.1, &c)
        );

        // Each opens the other's; a wrong tag or info is refused.
        core.hpke_open(
            sk_c.as_slice(),
            sealed_a.0.as_slice(),
            b"info",
            b"aad",
            &mut a,
            &sealed_a.1,
        )
        .unwrap();
        assert_eq!(a, plain);
        let mut b = c.clone();
        assert!(
            ours.hpke_open(
                sk_a.as_slice(),
                sealed_c.0.as_slice(),
                b"other",
                b"aad",
                &mut b,
                &sealed_c.1
            )
            .is_err()
        );
        ours.hpke_open(
            sk_a.as_slice(),
            sealed_c.0.as_slice(),
            b"info",
            b"aad",
            &mut c,
            &sealed_c.1,
        )
        .unwrap();
        assert_eq!(c, plain);

        let (mut xa, mut xc) = ([0u8; 32], [0u8; 32]);
        let enc_a = ours
            .hpke_export_sender(pk_a.as_slice(), b"info", b"ctx", &mut xa, &mut rng(seed))
            .unwrap();
        let enc_c = core
            .hpke_export_sender(pk_c.as_slice(), b"info", b"ctx", &mut xc, &mut rng(seed))
            .unwrap();
        assert_eq!((enc_a.as_slice(), xa), (enc_c.as_slice(), xc));
        let mut back = [0u8; 32];
        ours.hpke_export_receiver(sk_a.as_slice(), enc_c.as_slice(), b"info", b"ctx", &mut back)
            .unwrap();
        assert_eq!(back, xc);
    }
}

fn signatures_accepted<A: CipherSuite, C: CipherSuite>(ours: &A, core: &C) {
    let (sk, pk) = core.signature_key_pair(&mut rng(1));
    assert_eq!(
        ours.signature_public_key(sk.as_slice()).unwrap().as_slice(),
        pk.as_slice()
    );
    let msg: [&[u8]; 2] = [b"MLS 1.0 ", b"FramedContentTBS"];
    let sig = ours.sign(sk.as_slice(), &msg).unwrap();
    core.verify(pk.as_slice(), &msg, sig.as_slice()).unwrap();
    ours.verify(pk.as_slice(), &msg, sig.as_slice()).unwrap();
    let sig = core.sign(sk.as_slice(), &msg).unwrap();
    ours.verify(pk.as_slice(), &msg, sig.as_slice()).unwrap();
    assert!(ours.verify(pk.as_slice(), &[b"other"], sig.as_slice()).is_err());
}

#[test]
fn suite_1_matches_the_core() {
    same_hpke(&mls_awslc::X25519Aes128, &Curve25519Aes128);
    signatures_accepted(&mls_awslc::X25519Aes128, &Curve25519Aes128);
}

#[test]
fn suite_2_matches_the_core() {
    same_hpke(&mls_awslc::P256Aes128, &P256Aes128);
    signatures_accepted(&mls_awslc::P256Aes128, &P256Aes128);
}
