//! Prints the memory a ratchet tree takes, as a markdown table.
//!
//! Run with suite 1 only, so that keys are sized for it:
//! `cargo run --release -p mls-nostd --no-default-features --features suite-1 --example tree_size`
//! (or `cargo xtask tree-size`).
//!
//! Every member has a Basic credential with a 16-byte identity. Each group
//! is built the way a real one ends up after every member has committed
//! once: each member replaces its leaf and its path in turn, so every
//! parent node holds a key and every leaf has source `commit`.

use mls_nostd::codec::{Encode, List};
use mls_nostd::credential::Credential;
use mls_nostd::crypto::{CipherSuite, Curve25519Aes128, SignaturePrivateKey};
use mls_nostd::memory::Fixed;
use mls_nostd::secret_tree::SecretTree;
use mls_nostd::tree::{Capabilities, LeafNode, LeafNodeSource, Lifetime, RatchetTree, Stage, TreeRead, sign_leaf_node};
use mls_nostd::treekem::{PathKeys, create_path};
use rand_core::SeedableRng;

type Rng = chacha20::ChaCha20Rng;
const SUITE: Curve25519Aes128 = Curve25519Aes128;
/// Room for a suite-1 LeafNode with a 16-byte Basic identity and source
/// `commit` (the longest source: a 32-byte parent hash); measured below.
const LEAF_BYTES: usize = 200;
const GROUP_ID: &[u8] = b"tree-size";

fn leaf(rng: &mut Rng, id: u32) -> (Vec<u8>, SignaturePrivateKey) {
    let (sig_sk, sig_pk) = SUITE.signature_key_pair(rng);
    let mut ikm = [0u8; 32];
    rand_core::Rng::fill_bytes(rng, &mut ikm);
    let (_, enc_pk) = SUITE.hpke_derive_key_pair(&ikm).expect("key pair");
    let mut identity = [0u8; 16];
    identity[..4].copy_from_slice(&id.to_be_bytes());
    let node = LeafNode {
        encryption_key: &enc_pk,
        signature_key: &sig_pk,
        credential: Credential::Basic { identity: &identity },
        capabilities: Capabilities {
            versions: List::from_slice(&[1]),
            cipher_suites: List::from_slice(&[1]),
            extensions: List::empty(),
            proposals: List::empty(),
            credentials: List::from_slice(&[1]),
        },
        source: LeafNodeSource::KeyPackage(Lifetime {
            not_before: 0,
            not_after: u64::MAX,
        }),
        extensions: List::empty(),
        signature: &[],
        signed_bytes: &[],
        raw: &[],
    };
    let mut buf = [0u8; 512];
    let n = sign_leaf_node(&SUITE, &node, sig_sk.as_slice(), GROUP_ID, id, &mut buf).expect("sign");
    (buf[..n].to_vec(), sig_sk)
}

struct Row {
    members: usize,
    ram: usize,
    encoded: usize,
    largest_leaf: usize,
}

fn measure<const N: usize>() -> Row {
    let mut rng = Rng::from_seed([1; 32]);
    let mut tree: Box<RatchetTree<Fixed<N, LEAF_BYTES>>> = Box::default();
    let mut keys = Vec::new();
    for i in 0..N as u32 {
        let (l, sk) = leaf(&mut rng, i);
        if i == 0 {
            tree.create(&l)
        } else {
            tree.add_leaf(&l).map(|_| ())
        }
        .expect("add");
        keys.push(sk);
    }
    for i in 0..N as u32 {
        let bytes = tree.leaf_bytes(i).expect("leaf").to_vec();
        let template = mls_nostd::codec::Decode::decode_exact(&bytes).expect("decode");
        let mut stage = Stage::new(&*tree);
        let mut leaf_buf = [0u8; LEAF_BYTES];
        let sk = keys[i as usize].as_slice();
        create_path(
            &SUITE,
            &tree,
            &mut stage,
            i,
            &template,
            sk,
            GROUP_ID,
            &mut rng,
            &mut leaf_buf,
        )
        .expect("path");
        stage.apply(&mut tree).unwrap();
    }
    let largest_leaf = (0..N as u32)
        .filter_map(|i| tree.leaf_bytes(i))
        .map(<[u8]>::len)
        .max()
        .unwrap_or(0);
    assert!(largest_leaf <= LEAF_BYTES);
    Row {
        members: N,
        ram: size_of::<RatchetTree<Fixed<N, LEAF_BYTES>>>(),
        encoded: tree.encoded_len(),
        largest_leaf,
    }
}

fn main() {
    if mls_nostd::crypto::MAX_KEM_PUBLIC_KEY_LEN != 32 {
        eprintln!(
            "build with --no-default-features --features suite-1 to measure suite 1 (see `cargo xtask tree-size`)"
        );
        std::process::exit(2);
    }
    let rows = [measure::<16>(), measure::<64>(), measure::<128>(), measure::<256>()];
    println!("Ratchet tree state, suite 1, Basic credentials with 16-byte identities,");
    println!("every member having committed once (all parents set, leaf source `commit`).");
    println!(
        "`RatchetTree<N, {LEAF_BYTES}>`: N leaf slots of {LEAF_BYTES} bytes (largest leaf seen: {} bytes).",
        rows[0].largest_leaf
    );
    println!();
    println!("| members | in memory (bytes) | per member | serialized `ratchet_tree` (bytes) | per member |");
    println!("|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {} |",
            r.members,
            r.ram,
            r.ram / r.members,
            r.encoded,
            r.encoded / r.members
        );
    }
    let (a, b) = (&rows[0], &rows[3]);
    println!();
    println!(
        "Bytes per added member: {} in memory (one leaf slot, one parent slot, one cached hash), \
         {} serialized (between 16 and 256 members).",
        (b.ram - a.ram) / (b.members - a.members),
        (b.encoded - a.encoded) / (b.members - a.members)
    );
    println!(
        "Other member state: PathKeys {} bytes, SecretTree<Fixed<N>, 8> {} bytes at 64 members.",
        size_of::<PathKeys>(),
        size_of::<SecretTree<Fixed<64>, 8>>()
    );
}
