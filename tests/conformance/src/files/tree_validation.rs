//! `tree-validation.json`: resolutions, per-node tree hashes, parent-hash
//! validity and leaf signatures of received trees (§4.1.1, §7.8, §7.9,
//! §7.3).

use super::{SuiteCheck, per_suite};
use crate::Outcome;
use crate::json::{array, ctx, expect_eq, hex};
use mls_nostd::codec::{Decode, Encode};
use mls_nostd::crypto::CipherSuite;
use mls_nostd::memory::Fixed;
use mls_nostd::tree::{LeafCheck, NodeList, Now, RatchetTree, TreeRead};
use serde_json::Value;

/// Big enough for every vector tree (34 leaves) on the host.
pub type HostTree = RatchetTree<Fixed<64, 1024>>;

struct Validation;

impl SuiteCheck for Validation {
    fn check<S: CipherSuite + Copy>(&self, s: &S, case: &Value) -> Result<(), String> {
        let bytes = hex(case, "tree")?;
        let nodes = ctx("decode tree", NodeList::decode_exact(&bytes))?;
        let mut tree = Box::new(HostTree::new());
        ctx("import", tree.import(&nodes))?;

        let mut out = vec![0u8; tree.encoded_len()];
        ctx("export", tree.encode_to(&mut out))?;
        expect_eq("re-exported tree", &out, &bytes)?;

        for (i, want) in array(case, "resolutions")?.iter().enumerate() {
            let want: Vec<u32> = want
                .as_array()
                .ok_or("resolution")?
                .iter()
                .filter_map(|v| v.as_u64())
                .map(|v| v as u32)
                .collect();
            let mut got = Vec::new();
            tree.resolution(i as u32, &mut |x| got.push(x));
            if got != want {
                return Err(format!("resolution of node {i}: got {got:?} want {want:?}"));
            }
        }
        for (i, want) in array(case, "tree_hashes")?.iter().enumerate() {
            let want = ::hex::decode(want.as_str().ok_or("tree hash")?).map_err(|e| e.to_string())?;
            expect_eq(&format!("tree hash of node {i}"), &tree.hash_of(s, i as u32), &want)?;
        }
        // The key_package leaves expired in 2024: lifetimes are not checked.
        let group_id = hex(case, "group_id")?;
        let check = LeafCheck {
            group_id: &group_id,
            now: Now::NoClock,
            max_lifetime: None,
            required: None,
        };
        ctx("validate", tree.validate(s, &check))
    }
}

/// Checks one tree of one suite.
pub fn check(case: &Value) -> Outcome {
    per_suite(case, Validation)
}
