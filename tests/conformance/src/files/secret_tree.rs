//! `secret-tree.json`: the sender-data key and nonce (§6.3.2) and the
//! handshake and application ratchets of every leaf (§9, §9.1).

use super::{SuiteCheck, per_suite};
use crate::Outcome;
use crate::json::{array, ctx, expect_eq, hex, uint};
use mls_nostd::crypto::CipherSuite;
use mls_nostd::memory::Fixed;
use mls_nostd::secret_tree::{ContentKind, MessageKey, SecretTree, SecretTreeConfig, sender_data_key_nonce};
use serde_json::Value;

/// Largest tree in the file is 32 leaves.
type Tree = SecretTree<Fixed<64>, 16>;

struct SecretTreeCheck;

fn expect_key(what: &str, got: &MessageKey, entry: &Value, prefix: &str) -> Result<(), String> {
    expect_eq(
        &format!("{what} {prefix}_key"),
        got.key.as_slice(),
        &hex(entry, &format!("{prefix}_key"))?,
    )?;
    expect_eq(
        &format!("{what} {prefix}_nonce"),
        &got.nonce,
        &hex(entry, &format!("{prefix}_nonce"))?,
    )
}

impl SuiteCheck for SecretTreeCheck {
    fn check<S: CipherSuite + Copy>(&self, s: &S, case: &Value) -> Result<(), String> {
        let sd = &case["sender_data"];
        let (key, nonce) = ctx(
            "sender_data_key_nonce",
            sender_data_key_nonce(s, &hex(sd, "sender_data_secret")?, &hex(sd, "ciphertext")?),
        )?;
        expect_eq("sender_data key", key.as_slice(), &hex(sd, "key")?)?;
        expect_eq("sender_data nonce", &nonce, &hex(sd, "nonce")?)?;

        let leaves = array(case, "leaves")?;
        let n_leaves = u32::try_from(leaves.len()).map_err(|e| e.to_string())?;
        let encryption_secret = hex(case, "encryption_secret")?;
        let config = SecretTreeConfig::default();
        // A receiver that takes each listed generation with receive + consume,
        // and a sender that walks every generation with next_send_key.
        let mut receiver = ctx("new", Tree::new(s, &encryption_secret, n_leaves, config))?;
        let mut sender = receiver.clone();
        for (leaf, entries) in (0u32..).zip(leaves) {
            let entries = entries.as_array().ok_or("leaf entry is not an array")?;
            for entry in entries {
                let generation = u32::try_from(uint(entry, "generation")?).map_err(|e| e.to_string())?;
                for (kind, prefix) in [
                    (ContentKind::Handshake, "handshake"),
                    (ContentKind::Application, "application"),
                ] {
                    let what = format!("leaf {leaf} generation {generation}");
                    let got = ctx(&what, receiver.receive_key(s, leaf, kind, generation))?;
                    expect_key(&format!("received {what}"), &got, entry, prefix)?;
                    ctx(&what, receiver.consume(s, leaf, kind, generation))?;
                    let sent = loop {
                        let k = ctx(&what, sender.next_send_key(s, leaf, kind))?;
                        if k.generation >= generation {
                            break k;
                        }
                    };
                    if sent.generation != generation {
                        return Err(format!("sender skipped past {what}"));
                    }
                    expect_key(&format!("sent {what}"), &sent, entry, prefix)?;
                }
            }
        }
        Ok(())
    }
}

/// Checks the sender-data key and every listed ratchet generation.
pub fn check(case: &Value) -> Outcome {
    per_suite(case, SecretTreeCheck)
}
