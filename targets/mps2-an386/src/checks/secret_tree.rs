//! `secret-tree.json` (RFC 9420 §9, §6.3.2): sender-data keys and the
//! handshake and application ratchets of every leaf, for cipher suite 1.

use super::{CheckResult, Context, TestRng, cases, expect_eq, expect_err};
use crate::vectors::secret_tree::CASES;
use mls_nostd::crypto::Curve25519Aes128;
use mls_nostd::memory::Fixed;
use mls_nostd::secret_tree::{ContentKind, SecretTree, SecretTreeConfig, sender_data_key_nonce};

const SUITE: Curve25519Aes128 = Curve25519Aes128;
/// The vectors have at most 32 leaves.
type Tree = SecretTree<Fixed<32>, 4>;

/// Checks each listed generation of both ratchets of every leaf, consuming
/// as it goes, and that a consumed generation cannot be used again.
pub fn ratchets(_: &mut TestRng) -> CheckResult {
    cases(CASES, |c| {
        let sd = &c.sender_data;
        let (key, nonce) = sender_data_key_nonce(&SUITE, sd.sender_data_secret, sd.ciphertext).ctx("sender data")?;
        expect_eq("sender_data key", key.as_slice(), sd.key)?;
        expect_eq("sender_data nonce", &nonce, sd.nonce)?;

        let n = c.leaves.len() as u32;
        let mut tree = Tree::new(&SUITE, c.encryption_secret, n, SecretTreeConfig::default()).ctx("new tree")?;
        for (leaf, gens) in c.leaves.iter().enumerate() {
            let leaf = leaf as u32;
            for g in gens.iter() {
                let generation = g.generation as u32;
                for (kind, want_key, want_nonce) in [
                    (ContentKind::Handshake, g.handshake_key, g.handshake_nonce),
                    (ContentKind::Application, g.application_key, g.application_nonce),
                ] {
                    let k = tree.receive_key(&SUITE, leaf, kind, generation).ctx("receive_key")?;
                    expect_eq("key", k.key.as_slice(), want_key)?;
                    expect_eq("nonce", &k.nonce, want_nonce)?;
                    tree.consume(&SUITE, leaf, kind, generation).ctx("consume")?;
                    expect_err("replay", tree.receive_key(&SUITE, leaf, kind, generation))?;
                }
            }
        }
        Ok(())
    })
}
