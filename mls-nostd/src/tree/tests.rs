//! Unit tests of the ratchet tree: capacity, atomicity, and how many hashes
//! a change costs.

use super::*;
use crate::codec::{Decode, Encode, List};
use crate::credential::Credential;
use crate::crypto::{CipherSuite, Curve25519Aes128, Digest, HpkePrivateKey, SignaturePrivateKey};
use crate::error::Error;
use crate::memory::Fixed;
use crate::treekem::{check_path, create_path, encrypt_path, merge_path, update_path_len};
use core::sync::atomic::{AtomicUsize, Ordering};
use rand_core::SeedableRng;
use std::boxed::Box;
use std::vec::Vec;

type Rng = chacha20::ChaCha20Rng;

const SUITES: [u16; 1] = [1];
const VERSIONS: [u16; 1] = [1];
const CREDENTIALS: [u16; 1] = [1];

/// A suite-1 LeafNode for a basic credential with a 16-byte identity, as
/// the size table asks. Returns its encoding and signature key.
fn leaf(rng: &mut Rng, id: u32, source: LeafNodeSource<'_>) -> (Vec<u8>, SignaturePrivateKey, HpkePrivateKey) {
    let s = Curve25519Aes128;
    let (sig_sk, sig_pk) = s.signature_key_pair(rng);
    let mut ikm = [0u8; 32];
    rand_core::Rng::fill_bytes(rng, &mut ikm);
    let (enc_sk, enc_pk) = s.hpke_derive_key_pair(&ikm).unwrap();
    let mut identity = [0u8; 16];
    identity[..4].copy_from_slice(&id.to_be_bytes());
    let node = LeafNode {
        encryption_key: &enc_pk,
        signature_key: &sig_pk,
        credential: Credential::Basic { identity: &identity },
        capabilities: Capabilities {
            versions: List::from_slice(&VERSIONS),
            cipher_suites: List::from_slice(&SUITES),
            extensions: List::empty(),
            proposals: List::empty(),
            credentials: List::from_slice(&CREDENTIALS),
        },
        source,
        extensions: List::empty(),
        signature: &[],
        signed_bytes: &[],
        raw: &[],
    };
    let mut buf = [0u8; 512];
    let n = sign_leaf_node(&s, &node, sig_sk.as_slice(), b"group", id, &mut buf).unwrap();
    (buf[..n].to_vec(), sig_sk, enc_sk)
}

fn kp_leaf(rng: &mut Rng, id: u32) -> Vec<u8> {
    leaf(
        rng,
        id,
        LeafNodeSource::KeyPackage(Lifetime {
            not_before: 0,
            not_after: u64::MAX,
        }),
    )
    .0
}

fn rng() -> Rng {
    Rng::from_seed([7; 32])
}

#[test]
fn add_beyond_capacity_is_refused_and_changes_nothing() {
    let mut rng = rng();
    let mut tree = RatchetTree::<Fixed<4, 256>>::new();
    tree.create(&kp_leaf(&mut rng, 0)).unwrap();
    for i in 1..4 {
        assert_eq!(tree.add_leaf(&kp_leaf(&mut rng, i)), Ok(i));
    }
    let before = tree.clone();
    assert_eq!(
        tree.add_leaf(&kp_leaf(&mut rng, 4)),
        Err(Error::CapacityExceeded { what: "leaves" })
    );
    assert!(tree == before, "a refused Add changed the tree");
    // After a removal the blank leaf is reused, within capacity.
    tree.remove_leaf(2).unwrap();
    assert_eq!(tree.add_leaf(&kp_leaf(&mut rng, 5)), Ok(2));
}

#[test]
fn oversized_leaf_is_refused_and_changes_nothing() {
    let mut rng = rng();
    let big = kp_leaf(&mut rng, 0);
    let mut tree = RatchetTree::<Fixed<4, 160>>::new();
    assert!(big.len() > 160);
    assert_eq!(
        tree.create(&big),
        Err(Error::CapacityExceeded { what: "leaf node size" })
    );
    assert!(tree == RatchetTree::new());
    // Garbage is not stored either.
    assert!(tree.create(&[1, 2, 3]).is_err());
    assert!(tree == RatchetTree::new());
}

#[test]
fn import_beyond_capacity_is_refused_and_changes_nothing() {
    let mut rng = rng();
    let mut wide = RatchetTree::<Fixed<8, 256>>::new();
    wide.create(&kp_leaf(&mut rng, 0)).unwrap();
    for i in 1..5 {
        wide.add_leaf(&kp_leaf(&mut rng, i)).unwrap();
    }
    let mut enc = std::vec![0u8; wide.encoded_len()];
    wide.encode_to(&mut enc).unwrap();
    let nodes = NodeList::decode_exact(&enc).unwrap();

    let mut small = RatchetTree::<Fixed<4, 256>>::new();
    small.create(&kp_leaf(&mut rng, 9)).unwrap();
    let before = small.clone();
    assert_eq!(small.import(&nodes), Err(Error::CapacityExceeded { what: "leaves" }));
    assert!(small == before);
}

#[test]
fn unmerged_leaves_follow_adds_and_resets() {
    let mut rng = rng();
    let mut tree = RatchetTree::<Fixed<8, 256>>::new();
    tree.create(&kp_leaf(&mut rng, 0)).unwrap();
    assert_eq!(tree.add_leaf(&kp_leaf(&mut rng, 1)), Ok(1));
    assert_eq!(tree.add_leaf(&kp_leaf(&mut rng, 2)), Ok(2));
    assert_eq!(tree.width(), 4);
    // Leaf 0 commits: nodes 1 and 3 get keys, with no unmerged leaves.
    tree.set_parent(1, &[1; 32], &[]).unwrap();
    tree.set_parent(3, &[3; 32], &[]).unwrap();
    assert_eq!(tree.unmerged_leaves(3).count(), 0);

    // Leaf 3 is added under the set root 3 and the blank node 5 (§12.1.1).
    assert_eq!(tree.add_leaf(&kp_leaf(&mut rng, 3)), Ok(3));
    assert_eq!(tree.unmerged_leaves(3).collect::<Vec<_>>(), [3]);
    assert_eq!(tree.unmerged_leaves(5).count(), 0, "blank nodes list nothing");
    let mut res = Vec::new();
    tree.resolution(3, &mut |x| res.push(x));
    assert_eq!(res, [3, 6], "a node's resolution includes its unmerged leaves");

    // Leaf 4 extends the tree under a new blank root.
    assert_eq!(tree.add_leaf(&kp_leaf(&mut rng, 4)), Ok(4));
    assert_eq!(tree.width(), 8);
    assert_eq!(tree.unmerged_leaves(3).collect::<Vec<_>>(), [3]);
    assert!(tree.is_blank(7));

    // Leaf 2 commits: nodes 5 and 3 are reset, merging leaf 3.
    tree.set_parent(5, &[5; 32], &[]).unwrap();
    tree.set_parent(3, &[33; 32], &[]).unwrap();
    assert_eq!(tree.unmerged_leaves(3).count(), 0);
    assert_eq!(tree.unmerged_leaves(5).count(), 0);

    // Removing leaf 4 empties the right half: the tree shrinks back.
    tree.remove_leaf(4).unwrap();
    assert_eq!(tree.width(), 4);
    assert_eq!(tree.member_count(), 4);
    assert_eq!(tree.remove_leaf(4), Err(Error::LeafOutOfRange { leaf: 4 }));
}

/// Suite 1, counting every hash it starts.
struct Counting {
    hashes: AtomicUsize,
}

impl CipherSuite for Counting {
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
        self.hashes.fetch_add(1, Ordering::Relaxed);
        Curve25519Aes128.hash()
    }
    fn mac(&self, key: &[u8]) -> Self::Mac {
        Curve25519Aes128.mac(key)
    }
    fn kdf_extract(&self, salt: &[u8], ikm: &[u8]) -> crate::crypto::Secret {
        Curve25519Aes128.kdf_extract(salt, ikm)
    }
    fn kdf_expand(&self, prk: &[u8], info: &[&[u8]], out: &mut [u8]) -> crate::Result<()> {
        Curve25519Aes128.kdf_expand(prk, info, out)
    }
    fn aead_seal(&self, k: &[u8], n: &[u8], a: &[u8], b: &mut [u8]) -> crate::Result<crate::crypto::AeadTag> {
        Curve25519Aes128.aead_seal(k, n, a, b)
    }
    fn aead_open(&self, k: &[u8], n: &[u8], a: &[u8], b: &mut [u8], t: &[u8]) -> crate::Result<()> {
        Curve25519Aes128.aead_open(k, n, a, b, t)
    }
    fn hpke_seal<R: rand_core::CryptoRng>(
        &self,
        pk: &[u8],
        info: &[u8],
        aad: &[u8],
        b: &mut [u8],
        rng: &mut R,
    ) -> crate::Result<(crate::crypto::KemOutput, crate::crypto::AeadTag)> {
        Curve25519Aes128.hpke_seal(pk, info, aad, b, rng)
    }
    fn hpke_open(&self, sk: &[u8], e: &[u8], i: &[u8], a: &[u8], b: &mut [u8], t: &[u8]) -> crate::Result<()> {
        Curve25519Aes128.hpke_open(sk, e, i, a, b, t)
    }
    fn hpke_export_sender<R: rand_core::CryptoRng>(
        &self,
        pk: &[u8],
        info: &[u8],
        ctx: &[u8],
        out: &mut [u8],
        rng: &mut R,
    ) -> crate::Result<crate::crypto::KemOutput> {
        Curve25519Aes128.hpke_export_sender(pk, info, ctx, out, rng)
    }
    fn hpke_export_receiver(&self, sk: &[u8], e: &[u8], i: &[u8], c: &[u8], out: &mut [u8]) -> crate::Result<()> {
        Curve25519Aes128.hpke_export_receiver(sk, e, i, c, out)
    }
    fn hpke_derive_key_pair(&self, ikm: &[u8]) -> crate::Result<(HpkePrivateKey, crate::crypto::HpkePublicKey)> {
        Curve25519Aes128.hpke_derive_key_pair(ikm)
    }
    fn signature_key_pair<R: rand_core::CryptoRng>(
        &self,
        rng: &mut R,
    ) -> (SignaturePrivateKey, crate::crypto::SignaturePublicKey) {
        Curve25519Aes128.signature_key_pair(rng)
    }
    fn signature_public_key(&self, sk: &[u8]) -> crate::Result<crate::crypto::SignaturePublicKey> {
        Curve25519Aes128.signature_public_key(sk)
    }
    fn sign(&self, sk: &[u8], msg: &[&[u8]]) -> crate::Result<crate::crypto::Signature> {
        Curve25519Aes128.sign(sk, msg)
    }
    fn verify(&self, pk: &[u8], msg: &[&[u8]], sig: &[u8]) -> crate::Result<()> {
        Curve25519Aes128.verify(pk, msg, sig)
    }
}

impl Counting {
    fn take(&self) -> usize {
        self.hashes.swap(0, Ordering::Relaxed)
    }
}

/// The hash computations of a commit on a 256-member tree are O(log N):
/// the committer's UpdatePath and new tree hash, and a receiver's check,
/// merge and new tree hash, each cost about log2(256) = 8 hashes plus a
/// few, against 511 for hashing the whole tree.
#[test]
fn commit_on_256_members_hashes_log_n_nodes() {
    const N: u32 = 256;
    let mut rng = rng();
    let suite = Counting {
        hashes: AtomicUsize::new(0),
    };
    let mut tree: Box<RatchetTree<Fixed<256, 256>>> = Box::default();
    let mut keys = Vec::new();
    let (first, sk0, _) = leaf(
        &mut rng,
        0,
        LeafNodeSource::KeyPackage(Lifetime {
            not_before: 0,
            not_after: 9,
        }),
    );
    tree.create(&first).unwrap();
    keys.push(sk0);
    for i in 1..N {
        let (l, sk, _) = leaf(
            &mut rng,
            i,
            LeafNodeSource::KeyPackage(Lifetime {
                not_before: 0,
                not_after: 9,
            }),
        );
        tree.add_leaf(&l).unwrap();
        keys.push(sk);
    }
    suite.take();
    tree.update_tree_hash(&suite);
    let full = suite.take();
    assert_eq!(full, 2 * N as usize - 1, "first tree hash hashes every node");

    // Member 77 commits with a path, staged, then applied.
    let committer = 77;
    let template_bytes = tree.leaf_bytes(committer).unwrap().to_vec();
    let template = LeafNode::decode_exact(&template_bytes).unwrap();
    let mut recv: Box<RatchetTree<Fixed<256, 256>>> = tree.clone();
    let sk = keys[committer as usize].as_slice();
    let mut leaf_buf = [0u8; 256];
    let mut stage = Stage::new(&*tree);
    let created = create_path(
        &suite,
        &tree,
        &mut stage,
        committer,
        &template,
        sk,
        b"group",
        &mut rng,
        &mut leaf_buf,
    )
    .unwrap();
    assert_eq!(created.len, 8);
    let committer_path = suite.take();
    let view = stage.view(&tree);
    let new_hash = view.hash_of(&suite, view.root());
    let committer_staged = suite.take();

    // No parent has a key yet, so the path is encrypted to all 255 others.
    let mut out = std::vec![0u8; update_path_len::<Counting>(&view, &created, &[])];
    let gc = [0u8; 8];
    let mut scratch = [0u8; 128];
    let n = encrypt_path(
        &suite,
        &view,
        &created,
        &gc,
        &[],
        &mut scratch,
        &mut rng,
        &crate::parallel::Sequential,
        &mut out,
    )
    .unwrap();
    stage.apply(&mut tree).unwrap();
    suite.take();
    assert_eq!(tree.update_tree_hash(&suite), new_hash);
    let committer_applied = suite.take();

    // A receiver checks and stages the same path, then applies it.
    let path = crate::treekem::UpdatePath::decode_exact(&out[..n]).unwrap();
    let check = LeafCheck {
        group_id: b"group",
        now: Now::NoClock,
        max_lifetime: None,
        required: None,
    };
    let checked = check_path(&suite, &*recv, committer, &path, &check).unwrap();
    let mut stage = Stage::new(&*recv);
    merge_path(&mut stage, &recv, &path, &checked).unwrap();
    let view = stage.view(&recv);
    assert_eq!(view.hash_of(&suite, view.root()), new_hash);
    let receiver_staged = suite.take();
    stage.apply(&mut recv).unwrap();
    assert_eq!(recv.update_tree_hash(&suite), new_hash);
    let receiver_applied = suite.take();

    std::println!(
        "256 members: full tree hash {full} hashes. Commit with a path: committer {committer_path} (path) + \
         {committer_staged} (staged tree hash) + {committer_applied} (cache after apply); receiver \
         {receiver_staged} (check + staged tree hash) + {receiver_applied} (cache after apply)"
    );
    let log_n = 8;
    for (what, n) in [
        ("committer path", committer_path),
        ("committer staged hash", committer_staged),
        ("committer cache", committer_applied),
        ("receiver cache", receiver_applied),
    ] {
        assert!(n <= log_n + 2, "{what}: {n}");
    }
    assert!(receiver_staged <= 2 * log_n + 4, "receiver: {receiver_staged}");
}

/// The hash cache changes only on paths that changed: an Add costs the
/// new leaf's path.
#[test]
fn add_on_256_members_hashes_one_path() {
    let mut rng = rng();
    let suite = Counting {
        hashes: AtomicUsize::new(0),
    };
    let mut tree: Box<RatchetTree<Fixed<256, 256>>> = Box::default();
    tree.create(&kp_leaf(&mut rng, 0)).unwrap();
    for i in 1..200 {
        tree.add_leaf(&kp_leaf(&mut rng, i)).unwrap();
    }
    tree.update_tree_hash(&suite);
    suite.take();
    tree.add_leaf(&kp_leaf(&mut rng, 200)).unwrap();
    tree.update_tree_hash(&suite);
    let cost = suite.take();
    assert!(cost <= 8 + 2, "an Add recomputed {cost} hashes");
}

#[test]
fn digest_is_deterministic() {
    // Sanity for the counting suite: it is suite 1.
    let a = Counting {
        hashes: AtomicUsize::new(0),
    }
    .hash()
    .finish();
    let b = Curve25519Aes128.hash().finish();
    assert_eq!(a, b);
}
