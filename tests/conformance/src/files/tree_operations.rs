//! `tree-operations.json`: applying an Add, Update or Remove to a tree
//! (§12.1.1–§12.1.3, §7.7) and the tree hash before and after (§7.8).

use super::tree_validation::HostTree;
use super::{SuiteCheck, per_suite};
use crate::Outcome;
use crate::json::{ctx, expect_eq, hex, uint};
use mls_nostd::codec::{Decode, Encode};
use mls_nostd::crypto::CipherSuite;
use mls_nostd::proposal::Proposal;
use mls_nostd::tree::NodeList;
use serde_json::Value;

struct Operations;

fn encoded(v: &impl Encode) -> Result<Vec<u8>, String> {
    let mut out = vec![0u8; v.encoded_len()];
    ctx("encode", v.encode_to(&mut out))?;
    Ok(out)
}

impl SuiteCheck for Operations {
    fn check<S: CipherSuite + Copy>(&self, s: &S, case: &Value) -> Result<(), String> {
        let before = hex(case, "tree_before")?;
        let mut tree = Box::new(HostTree::new());
        ctx(
            "import",
            tree.import(&ctx("decode tree_before", NodeList::decode_exact(&before))?),
        )?;
        expect_eq("tree_hash_before", &tree.tree_hash(s), &hex(case, "tree_hash_before")?)?;

        let proposal = hex(case, "proposal")?;
        let sender = uint(case, "proposal_sender")? as u32;
        match ctx("decode proposal", Proposal::decode_exact(&proposal))? {
            Proposal::Add { key_package } => {
                ctx("add", tree.add_leaf(&encoded(&key_package.leaf_node)?))?;
            }
            Proposal::Update { leaf_node } => ctx("update", tree.update_leaf(sender, &encoded(&leaf_node)?))?,
            Proposal::Remove { removed } => ctx("remove", tree.remove_leaf(removed))?,
            p => return Err(format!("unexpected proposal {p:?}")),
        }
        expect_eq("tree_after", &encoded(&*tree)?, &hex(case, "tree_after")?)?;
        expect_eq("tree_hash_after", &tree.tree_hash(s), &hex(case, "tree_hash_after")?)
    }
}

/// Applies the proposal of one case.
pub fn check(case: &Value) -> Outcome {
    per_suite(case, Operations)
}
