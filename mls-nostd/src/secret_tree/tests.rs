//! Unit tests of the secret tree.

use super::*;
use crate::crypto::labels::expand_with_label;
use crate::crypto::{AeadTag, CryptoRng, Curve25519Aes128, HpkePrivateKey, HpkePublicKey, KemOutput};
use crate::crypto::{Signature, SignaturePrivateKey, SignaturePublicKey};
use crate::memory::Fixed;
use core::sync::atomic::{AtomicU32, Ordering};
use std::println;

const S: Curve25519Aes128 = Curve25519Aes128;
const APP: ContentKind = ContentKind::Application;
const HS: ContentKind = ContentKind::Handshake;
const ROOT: [u8; 32] = [0x42; 32];

fn tree<const L: usize, const K: usize>(n_leaves: u32, config: SecretTreeConfig) -> SecretTree<Fixed<L>, K> {
    SecretTree::new(&S, &ROOT, n_leaves, config).unwrap()
}

fn small_config() -> SecretTreeConfig {
    SecretTreeConfig {
        max_forward_distance: 10,
        max_generation: 20,
    }
}

#[test]
fn size_of_64_leaves_8_skipped() {
    let size = core::mem::size_of::<SecretTree<Fixed<64>, 8>>();
    println!("size_of::<SecretTree<Fixed<64>, 8>>() = {size} bytes");
    println!(
        "per leaf {} bytes, per skipped key {} bytes",
        core::mem::size_of::<Slot>(),
        core::mem::size_of::<Skipped>()
    );
    // The figure documented on `SecretTree`.
    assert!(size <= 64 * 84 + 8 * 60 + 24, "{size}");
}

#[test]
fn follows_the_rfc_derivation() {
    // Figure "Secret Tree for a Four-Member Group": D is leaf 3.
    let t: SecretTree<Fixed<4>, 4> = tree(4, SecretTreeConfig::default());
    let f = expand_secret(&S, &ROOT, b"tree", b"right").unwrap();
    let d = expand_secret(&S, f.as_slice(), b"tree", b"right").unwrap();
    let ar0 = expand_secret(&S, d.as_slice(), b"application", b"").unwrap();
    let mut ar1 = [0u8; 32];
    expand_with_label(&S, ar0.as_slice(), b"secret", &0u32.to_be_bytes(), &mut ar1).unwrap();
    let mut k1 = [0u8; 16];
    expand_with_label(&S, &ar1, b"key", &1u32.to_be_bytes(), &mut k1).unwrap();
    let mut n1 = [0u8; 12];
    expand_with_label(&S, &ar1, b"nonce", &1u32.to_be_bytes(), &mut n1).unwrap();
    let got = t.receive_key(&S, 3, APP, 1).unwrap();
    assert_eq!((got.generation, got.key.as_slice(), got.nonce), (1, &k1[..], n1));
}

#[test]
fn lazy_derivation_erases_parents() {
    let mut t: SecretTree<Fixed<8>, 4> = tree(8, SecretTreeConfig::default());
    t.consume(&S, 5, HS, 0).unwrap();
    // Leaf 5 is under 3 nodes: the root (level 3) splits into [0,4) and
    // [4,8); [4,8) into [4,6) and [6,8); [4,6) into leaves 4 and 5.
    let levels: std::vec::Vec<_> = t
        .slots
        .iter()
        .map(|s| match s {
            Slot::Empty => "-",
            Slot::Node { level: 0, .. } => "0",
            Slot::Node { level: 1, .. } => "1",
            Slot::Node { level: 2, .. } => "2",
            Slot::Node { .. } => "?",
            Slot::Ratchets { .. } => "R",
        })
        .collect();
    assert_eq!(levels.concat(), "2---0R1-");
    // No copy of the root is left anywhere.
    assert!(
        !t.slots
            .iter()
            .any(|s| matches!(s, Slot::Node { secret, .. } if secret.as_slice() == ROOT))
    );
}

#[test]
fn order_of_use_does_not_change_keys() {
    let fresh: SecretTree<Fixed<8>, 4> = tree(8, SecretTreeConfig::default());
    let mut used = fresh.clone();
    for leaf in [6, 1, 7, 0, 3] {
        used.consume(&S, leaf, APP, 2).unwrap();
    }
    for leaf in [2, 4, 5] {
        for kind in [HS, APP] {
            assert_eq!(
                used.receive_key(&S, leaf, kind, 5),
                fresh.receive_key(&S, leaf, kind, 5)
            );
        }
    }
    // The handshake ratchet of a used leaf is untouched.
    assert_eq!(used.receive_key(&S, 6, HS, 0), fresh.receive_key(&S, 6, HS, 0));
    assert_ne!(fresh.receive_key(&S, 6, HS, 0), fresh.receive_key(&S, 6, APP, 0));
}

#[test]
fn replay_of_a_consumed_generation_fails() {
    let mut t: SecretTree<Fixed<4>, 4> = tree(4, SecretTreeConfig::default());
    t.receive_key(&S, 1, APP, 0).unwrap();
    t.consume(&S, 1, APP, 0).unwrap();
    let consumed = Some(Error::GenerationConsumed { generation: 0 });
    assert_eq!(t.receive_key(&S, 1, APP, 0).err(), consumed);
    assert_eq!(t.consume(&S, 1, APP, 0).err(), consumed);
    // The other ratchet of that leaf still has generation 0.
    assert!(t.receive_key(&S, 1, HS, 0).is_ok());
}

#[test]
fn out_of_order_inside_the_window_decrypts_once() {
    let fresh: SecretTree<Fixed<4>, 4> = tree(4, SecretTreeConfig::default());
    let mut t = fresh.clone();
    t.consume(&S, 2, APP, 3).unwrap();
    for generation in [1, 0, 2] {
        let key = t.receive_key(&S, 2, APP, generation).unwrap();
        assert_eq!(Ok(&key), fresh.receive_key(&S, 2, APP, generation).as_ref());
        t.consume(&S, 2, APP, generation).unwrap();
        let again = Some(Error::GenerationConsumed { generation });
        assert_eq!(t.receive_key(&S, 2, APP, generation).err(), again);
        assert_eq!(t.consume(&S, 2, APP, generation).err(), again);
    }
    assert!(t.skipped.is_empty());
    assert_eq!(t.receive_key(&S, 2, APP, 4), fresh.receive_key(&S, 2, APP, 4));
}

#[test]
fn window_is_shared_and_evicts_the_oldest() {
    let mut t: SecretTree<Fixed<4>, 2> = tree(4, SecretTreeConfig::default());
    // Generations 0..=2 of leaf 0 are skipped; only the 2 newest are kept.
    t.consume(&S, 0, APP, 3).unwrap();
    assert_eq!(
        t.consume(&S, 0, APP, 0),
        Err(Error::GenerationConsumed { generation: 0 })
    );
    assert!(t.receive_key(&S, 0, APP, 1).is_ok());
    // Each key skipped by leaf 3, in either ratchet, evicts one of leaf 0's.
    t.consume(&S, 3, HS, 1).unwrap();
    assert_eq!(
        t.consume(&S, 0, APP, 1),
        Err(Error::GenerationConsumed { generation: 1 })
    );
    assert!(t.receive_key(&S, 0, APP, 2).is_ok());
    t.consume(&S, 3, APP, 1).unwrap();
    assert_eq!(
        t.consume(&S, 0, APP, 2),
        Err(Error::GenerationConsumed { generation: 2 })
    );
    t.consume(&S, 3, HS, 0).unwrap();
    t.consume(&S, 3, APP, 0).unwrap();
    assert!(t.skipped.is_empty());
}

#[test]
fn forward_distance_is_enforced() {
    let mut t: SecretTree<Fixed<4>, 4> = tree(4, small_config());
    let too_far = Some(Error::GenerationTooFarAhead { generation: 11 });
    assert_eq!(t.receive_key(&S, 0, APP, 11).err(), too_far);
    assert_eq!(t.consume(&S, 0, APP, 11).err(), too_far);
    t.consume(&S, 0, APP, 10).unwrap();
    // The distance counts from the next unused generation.
    assert_eq!(t.receive_key(&S, 0, APP, 20).map(|k| k.generation), Ok(20));
}

#[test]
fn max_generation_is_enforced_on_send() {
    let config = SecretTreeConfig {
        max_forward_distance: 10,
        max_generation: 2,
    };
    let mut sender: SecretTree<Fixed<2>, 2> = tree(2, config);
    let receiver: SecretTree<Fixed<2>, 2> = tree(2, config);
    for generation in 0..=2 {
        let key = sender.next_send_key(&S, 1, APP).unwrap();
        assert_eq!(key.generation, generation);
        assert_eq!(Ok(&key), receiver.receive_key(&S, 1, APP, generation).as_ref());
    }
    let before = sender.clone();
    assert_eq!(sender.next_send_key(&S, 1, APP), Err(Error::GenerationsExhausted));
    assert_eq!(sender, before);
    // The used-up ratchet holds no secret; the other one still works.
    assert!(matches!(&sender.slots[1], Slot::Ratchets { application, .. } if application.secret.is_empty()));
    assert_eq!(sender.next_send_key(&S, 1, HS).map(|k| k.generation), Ok(0));
    let beyond = Err(Error::GenerationTooFarAhead { generation: 3 });
    assert_eq!(receiver.receive_key(&S, 0, APP, 3).map(|k| k.generation), beyond);
}

#[test]
fn capacity_and_leaf_range() {
    let new = |n: u32| SecretTree::<Fixed<4>, 2>::new(&S, &ROOT, n, SecretTreeConfig::default());
    assert_eq!(
        new(5).err(),
        Some(Error::CapacityExceeded {
            what: "secret tree leaves"
        })
    );
    assert!(matches!(new(0), Err(Error::Malformed { .. })));
    assert!(matches!(
        SecretTree::<Fixed<4>, 2>::new(&S, &ROOT[..31], 4, SecretTreeConfig::default()),
        Err(Error::InvalidLength { .. })
    ));
    let mut t = new(3).unwrap();
    assert_eq!(t.n_leaves(), 3);
    assert_eq!(t.consume(&S, 3, APP, 0), Err(Error::LeafOutOfRange { leaf: 3 }));
    assert_eq!(
        t.next_send_key(&S, 3, APP).err(),
        Some(Error::LeafOutOfRange { leaf: 3 })
    );
    // A 3-leaf tree is the 4-leaf tree without its last leaf.
    let full = new(4).unwrap();
    for leaf in 0..3 {
        assert_eq!(
            t.next_send_key(&S, leaf, HS).ok(),
            full.receive_key(&S, leaf, HS, 0).ok()
        );
    }
    // The node above the missing leaf 3 was erased, not stored.
    assert!(t.slots.iter().all(|s| matches!(s, Slot::Ratchets { .. } | Slot::Empty)));
}

#[test]
fn failed_calls_leave_the_tree_unchanged() {
    let mut t: SecretTree<Fixed<8>, 2> = tree(8, small_config());
    t.consume(&S, 4, APP, 3).unwrap();
    let before = t.clone();
    let failures = [
        t.consume(&S, 4, APP, 0),
        t.consume(&S, 4, APP, 3),
        t.consume(&S, 4, APP, 15),
        t.consume(&S, 4, APP, 21),
        t.consume(&S, 8, APP, 0),
        t.consume(&S, 0, HS, 11),
    ];
    assert!(failures.iter().all(Result::is_err), "{failures:?}");
    assert_eq!(t, before);
}

#[test]
fn a_failing_kdf_leaves_the_tree_unchanged() {
    // Each operation is retried with the KDF failing at its first, second,
    // third, ... call until it succeeds; every failure must be a no-op.
    type Op = fn(&mut SecretTree<Fixed<8>, 2>, &Flaky) -> Result<()>;
    let ops: [Op; 4] = [
        |t, s| t.consume(s, 5, APP, 3),
        |t, s| t.consume(s, 0, HS, 2),
        |t, s| t.next_send_key(s, 2, HS).map(drop),
        |t, s| t.consume(s, 7, APP, 0),
    ];
    let mut t: SecretTree<Fixed<8>, 2> = tree(8, small_config());
    t.consume(&S, 0, HS, 0).unwrap();
    for op in ops {
        let mut fail_at = 0;
        loop {
            let mut attempt = t.clone();
            let flaky = Flaky(AtomicU32::new(fail_at));
            match op(&mut attempt, &flaky) {
                Err(Error::KdfOutputTooLong) => assert_eq!(attempt, t, "after failure at call {fail_at}"),
                Err(e) => panic!("{e:?}"),
                Ok(()) => {
                    assert!(fail_at > 0);
                    t = attempt;
                    break;
                }
            }
            fail_at += 1;
        }
    }
}

#[test]
fn sender_data_uses_a_sample_of_nh_bytes() {
    let secret = [5u8; 32];
    let long: std::vec::Vec<u8> = (0..80).collect();
    let (key, nonce) = sender_data_key_nonce(&S, &secret, &long).unwrap();
    assert_eq!(
        sender_data_key_nonce(&S, &secret, &long[..32]).unwrap(),
        (key.clone(), nonce)
    );
    assert_ne!(sender_data_key_nonce(&S, &secret, &long[..31]).unwrap().1, nonce);
    let mut want = [0u8; 16];
    expand_with_label(&S, &secret, b"key", &long[..32], &mut want).unwrap();
    assert_eq!(key.as_slice(), want);
}

#[test]
fn message_key_zeroizes() {
    let t: SecretTree<Fixed<1>, 0> = tree(1, SecretTreeConfig::default());
    let mut key = t.receive_key(&S, 0, APP, 7).unwrap();
    assert!(key.nonce != [0; 12] && !key.key.is_empty());
    key.zeroize();
    assert!(key.nonce == [0; 12] && key.key.as_slice().iter().all(|b| *b == 0));
}

/// Suite 1, except that `kdf_expand` fails once the counter reaches 0.
struct Flaky(AtomicU32);

impl CipherSuite for Flaky {
    const ID: u16 = 1;
    const HASH_LEN: usize = 32;
    const AEAD_KEY_LEN: usize = 16;
    const AEAD_NONCE_LEN: usize = 12;
    const KEM_PUBLIC_KEY_LEN: usize = 32;
    const KEM_PRIVATE_KEY_LEN: usize = 32;
    const SIGNATURE_PUBLIC_KEY_LEN: usize = 32;
    type Hash = <Curve25519Aes128 as CipherSuite>::Hash;
    type Mac = <Curve25519Aes128 as CipherSuite>::Mac;

    fn hash(&self) -> Self::Hash {
        S.hash()
    }
    fn mac(&self, key: &[u8]) -> Self::Mac {
        S.mac(key)
    }
    fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> Secret {
        S.kdf_extract(salt, ikm)
    }
    fn kdf_expand(&self, prk: &[u8], info: &[&[u8]], out: &mut [u8]) -> Result<()> {
        let left = self.0.load(Ordering::Relaxed);
        if left == 0 {
            return Err(Error::KdfOutputTooLong);
        }
        self.0.store(left - 1, Ordering::Relaxed);
        S.kdf_expand(prk, info, out)
    }
    fn aead_seal(&self, key: &[u8], nonce: &[u8], aad: &[u8], in_out: &mut [u8]) -> Result<AeadTag> {
        S.aead_seal(key, nonce, aad, in_out)
    }
    fn aead_open(&self, key: &[u8], nonce: &[u8], aad: &[u8], in_out: &mut [u8], tag: &[u8]) -> Result<()> {
        S.aead_open(key, nonce, aad, in_out, tag)
    }
    fn hpke_seal<R: CryptoRng>(
        &self,
        pk: &[u8],
        info: &[u8],
        aad: &[u8],
        in_out: &mut [u8],
        rng: &mut R,
    ) -> Result<(KemOutput, AeadTag)> {
        S.hpke_seal(pk, info, aad, in_out, rng)
    }
    fn hpke_open(&self, sk: &[u8], enc: &[u8], info: &[u8], aad: &[u8], in_out: &mut [u8], tag: &[u8]) -> Result<()> {
        S.hpke_open(sk, enc, info, aad, in_out, tag)
    }
    fn hpke_export_sender<R: CryptoRng>(
        &self,
        pk: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        out: &mut [u8],
        rng: &mut R,
    ) -> Result<KemOutput> {
        S.hpke_export_sender(pk, info, exporter_context, out, rng)
    }
    fn hpke_export_receiver(
        &self,
        sk: &[u8],
        enc: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        out: &mut [u8],
    ) -> Result<()> {
        S.hpke_export_receiver(sk, enc, info, exporter_context, out)
    }
    fn hpke_derive_key_pair(&self, ikm: &[u8]) -> Result<(HpkePrivateKey, HpkePublicKey)> {
        S.hpke_derive_key_pair(ikm)
    }
    fn signature_key_pair<R: CryptoRng>(&self, rng: &mut R) -> (SignaturePrivateKey, SignaturePublicKey) {
        S.signature_key_pair(rng)
    }
    fn signature_public_key(&self, sk: &[u8]) -> Result<SignaturePublicKey> {
        S.signature_public_key(sk)
    }
    fn sign(&self, sk: &[u8], msg: &[&[u8]]) -> Result<Signature> {
        S.sign(sk, msg)
    }
    fn verify(&self, pk: &[u8], msg: &[&[u8]], sig: &[u8]) -> Result<()> {
        S.verify(pk, msg, sig)
    }
}
