//! `tree-math.json`: array-based tree arithmetic (Appendix C).

use crate::{Outcome, json};
use mls_nostd::tree_math as tm;
use serde_json::Value;

fn opt(v: &Value) -> Option<u32> {
    v.as_u64().map(|x| x as u32)
}

/// Checks root, left, right, parent and sibling of every node.
pub fn check(case: &Value) -> Outcome {
    Outcome::of(None, || {
        let n = json::uint(case, "n_leaves")? as u32;
        if u64::from(tm::node_width(n)) != json::uint(case, "n_nodes")? {
            return Err("n_nodes".into());
        }
        if u64::from(tm::root(n)) != json::uint(case, "root")? {
            return Err("root".into());
        }
        for key in ["left", "right", "parent", "sibling"] {
            for (i, want) in json::array(case, key)?.iter().enumerate() {
                let x = i as u32;
                let got = match key {
                    "left" => tm::left(x),
                    "right" => tm::right(x),
                    "parent" => tm::parent(x, n),
                    _ => tm::sibling(x, n),
                };
                if got != opt(want) {
                    return Err(format!("{key}[{i}]: got {got:?} want {want}"));
                }
            }
        }
        Ok(())
    })
}
