//! Trees that break a rule of RFC 9420 §7.3, §7.9 or §12.4.3.1 are refused
//! with a typed error, and the tree is left unchanged.
//!
//! The trees are the suite-1 trees of the official `tree-validation.json`,
//! each damaged in one way.

use mls_conformance::default_vectors_dir;
use mls_nostd::Error;
use mls_nostd::codec::{Decode, Encode, List};
use mls_nostd::crypto::Curve25519Aes128;
use mls_nostd::extension::RequiredCapabilities;
use mls_nostd::memory::Fixed;
use mls_nostd::tree::{LeafCheck, Node, NodeList, Now, RatchetTree};
use serde_json::Value;

type Tree = RatchetTree<Fixed<64, 1024>>;
const SUITE: Curve25519Aes128 = Curve25519Aes128;

struct Case {
    tree: Vec<u8>,
    group_id: Vec<u8>,
}

fn cases() -> Vec<Case> {
    let path = default_vectors_dir().join("tree-validation.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let all: Vec<Value> = serde_json::from_str(&text).unwrap();
    all.iter()
        .filter(|c| c["cipher_suite"] == 1)
        .map(|c| Case {
            tree: hex::decode(c["tree"].as_str().unwrap()).unwrap(),
            group_id: hex::decode(c["group_id"].as_str().unwrap()).unwrap(),
        })
        .collect()
}

fn check(group_id: &[u8]) -> LeafCheck<'_> {
    LeafCheck {
        group_id,
        now: Now::NoClock,
        max_lifetime: None,
        required: None,
    }
}

fn encode(nodes: &[Option<Node>]) -> Vec<u8> {
    let list = List::from_slice(nodes);
    let mut out = vec![0u8; list.encoded_len()];
    list.encode_to(&mut out).unwrap();
    out
}

fn export(t: &Tree) -> Vec<u8> {
    let mut out = vec![0u8; t.encoded_len()];
    t.encode_to(&mut out).unwrap();
    out
}

/// Imports `bytes` and validates; on error, checks that the tree still
/// holds what it held before (as the exported encoding shows).
fn import_and_validate(bytes: &[u8], group_id: &[u8], now: Now) -> Result<(), Error> {
    let nodes = NodeList::decode_exact(bytes)?;
    let mut tree = Box::new(Tree::new());
    tree.import(&nodes)?;
    let before = export(&tree);
    let mut c = check(group_id);
    c.now = now;
    let r = tree.validate(&SUITE, &c);
    assert_eq!(export(&tree), before, "validate changed the tree");
    r
}

/// Runs `damage` on a copy of each tree's nodes; returns the results of
/// the trees it changed.
fn damaged(damage: impl Fn(&mut Vec<Option<Node<'static>>>) -> bool) -> Vec<Result<(), Error>> {
    let mut out = Vec::new();
    for c in cases() {
        let tree: &'static [u8] = Box::leak(c.tree.into_boxed_slice());
        let mut nodes: Vec<Option<Node>> = NodeList::decode_exact(tree).unwrap().iter().collect();
        if damage(&mut nodes) {
            out.push(import_and_validate(&encode(&nodes), &c.group_id, Now::NoClock));
        }
    }
    assert!(!out.is_empty(), "no tree could be damaged this way");
    out
}

/// Damaged values must outlive the borrowed nodes; tests may leak.
fn leak(v: Vec<u8>) -> &'static [u8] {
    Box::leak(v.into_boxed_slice())
}

#[test]
fn official_trees_are_valid() {
    for c in cases() {
        assert_eq!(import_and_validate(&c.tree, &c.group_id, Now::NoClock), Ok(()));
    }
}

#[test]
fn tampered_parent_hash_is_refused() {
    for r in damaged(|nodes| {
        let Some(Some(Node::Parent(p))) = nodes
            .iter_mut()
            .find(|n| matches!(n, Some(Node::Parent(p)) if !p.parent_hash.is_empty()))
        else {
            return false;
        };
        let mut h = p.parent_hash.to_vec();
        h[0] ^= 1;
        p.parent_hash = leak(h);
        true
    }) {
        assert_eq!(
            r,
            Err(Error::InvalidTree {
                reason: "parent node is not parent-hash valid"
            })
        );
    }
}

#[test]
fn replaced_parent_key_is_refused() {
    for r in damaged(|nodes| {
        let Some(Some(Node::Parent(p))) = nodes.iter_mut().find(|n| matches!(n, Some(Node::Parent(_)))) else {
            return false;
        };
        let mut k = p.encryption_key.to_vec();
        k[5] ^= 1;
        p.encryption_key = leak(k);
        true
    }) {
        assert_eq!(
            r,
            Err(Error::InvalidTree {
                reason: "parent node is not parent-hash valid"
            })
        );
    }
}

#[test]
fn tampered_leaf_signature_is_refused() {
    for r in damaged(|nodes| {
        let Some(Some(Node::Leaf(l))) = nodes.iter_mut().rev().find(|n| matches!(n, Some(Node::Leaf(_)))) else {
            return false;
        };
        let mut sig = l.signature.to_vec();
        sig[10] ^= 1;
        l.signature = leak(sig);
        true
    }) {
        assert_eq!(r, Err(Error::InvalidSignature));
    }
}

#[test]
fn duplicate_encryption_key_is_refused() {
    for r in damaged(|nodes| {
        let parents: Vec<usize> = (0..nodes.len())
            .filter(|&i| matches!(nodes[i], Some(Node::Parent(_))))
            .collect();
        let [a, b, ..] = parents[..] else { return false };
        let Some(Node::Parent(pa)) = nodes[a] else { return false };
        if let Some(Node::Parent(pb)) = &mut nodes[b] {
            pb.encryption_key = pa.encryption_key;
        }
        true
    }) {
        assert_eq!(
            r,
            Err(Error::InvalidTree {
                reason: "duplicate encryption key"
            })
        );
    }
}

/// A parent whose key is a leaf's: the keys of leaves and parents are
/// checked against each other, not only among their own kind.
#[test]
fn parent_with_a_leaf_encryption_key_is_refused() {
    let results = damaged(|nodes| {
        let Some(key) = nodes.iter().find_map(|n| match n {
            Some(Node::Leaf(l)) => Some(l.encryption_key),
            _ => None,
        }) else {
            return false;
        };
        let Some(Some(Node::Parent(p))) = nodes.iter_mut().rev().find(|n| matches!(n, Some(Node::Parent(_)))) else {
            return false;
        };
        p.encryption_key = key;
        true
    });
    assert!(!results.is_empty());
    for r in results {
        assert_eq!(
            r,
            Err(Error::InvalidTree {
                reason: "duplicate encryption key"
            })
        );
    }
}

/// Trees with unmerged leaves: replace the first non-empty list.
fn damage_unmerged(f: impl Fn(usize, &[u32], u32) -> Option<Vec<u32>>) -> Vec<Result<(), Error>> {
    damaged(|nodes| {
        let n = nodes.len() as u32;
        for (i, node) in nodes.iter_mut().enumerate() {
            let Some(Node::Parent(p)) = node else { continue };
            let list: Vec<u32> = p.unmerged_leaves.iter().collect();
            if list.is_empty() {
                continue;
            }
            let Some(new) = f(i, &list, n) else { continue };
            p.unmerged_leaves = List::from_slice(Box::leak(new.into_boxed_slice()));
            return true;
        }
        false
    })
}

const UNMERGED: Error = Error::InvalidTree {
    reason: "unmerged leaves not sorted, not non-blank descendants, or inconsistent",
};

#[test]
fn unmerged_leaf_outside_the_subtree_is_refused() {
    for r in damage_unmerged(|i, list, _| {
        // A leaf left of node i's subtree (leaf 0 is never under a right subtree).
        (i > 3 && !list.contains(&0)).then(|| [&[0], list].concat())
    }) {
        assert_eq!(r, Err(UNMERGED));
    }
}

#[test]
fn unsorted_or_repeated_unmerged_leaves_are_refused() {
    for r in damage_unmerged(|_, list, _| Some([list, &[list[0]]].concat())) {
        assert_eq!(r, Err(UNMERGED));
    }
}

#[test]
fn unmerged_leaf_missing_below_is_refused() {
    // Dropping a leaf from one list while an ancestor still lists it breaks
    // the rule that every non-blank node between them lists it too, unless
    // no ancestor lists it, which then breaks the chain above.
    for r in damage_unmerged(|_, list, _| Some(list[1..].to_vec())) {
        assert!(matches!(r, Err(UNMERGED) | Err(Error::InvalidTree { .. })), "{r:?}");
    }
}

#[test]
fn trailing_blank_and_misplaced_nodes_are_refused() {
    for c in cases() {
        let mut nodes: Vec<Option<Node>> = NodeList::decode_exact(&c.tree).unwrap().iter().collect();
        nodes.push(None);
        let bytes = encode(&nodes);
        assert_eq!(
            import_and_validate(&bytes, &c.group_id, Now::NoClock),
            Err(Error::Malformed {
                reason: "ratchet tree empty or with a trailing blank node"
            })
        );
        nodes.pop();
        nodes.swap(0, 1);
        let bytes = encode(&nodes);
        assert_eq!(
            import_and_validate(&bytes, &c.group_id, Now::NoClock),
            Err(Error::Malformed {
                reason: "node type does not match its position"
            })
        );
    }
}

#[test]
fn refused_import_leaves_the_previous_tree() {
    let all = cases();
    let (good, other) = (&all[0], &all[all.len() - 1]);
    let mut tree = Box::new(Tree::new());
    tree.import(&NodeList::decode_exact(&good.tree).unwrap()).unwrap();
    let before = export(&tree);
    let mut nodes: Vec<Option<Node>> = NodeList::decode_exact(&other.tree).unwrap().iter().collect();
    nodes.push(None);
    let bad = encode(&nodes);
    assert!(tree.import(&NodeList::decode_exact(&bad).unwrap()).is_err());
    assert_eq!(export(&tree), before);
}

#[test]
fn expired_leaves_are_refused_with_a_clock() {
    // The vectors' key_package leaves expired on 2024-02-20.
    let c = &cases()[0];
    let far_future = Now::UnixSeconds(4_000_000_000);
    assert_eq!(
        import_and_validate(&c.tree, &c.group_id, far_future),
        Err(Error::InvalidLeafNode {
            reason: "outside its lifetime"
        })
    );
}

#[test]
fn unsupported_required_capability_is_refused() {
    let c = &cases()[0];
    let mut tree = Box::new(Tree::new());
    tree.import(&NodeList::decode_exact(&c.tree).unwrap()).unwrap();
    let needs = [0x0a0au16];
    let mut check = check(&c.group_id);
    check.required = Some(RequiredCapabilities {
        extension_types: List::from_slice(&needs),
        proposal_types: List::empty(),
        credential_types: List::empty(),
    });
    assert_eq!(
        tree.validate(&SUITE, &check),
        Err(Error::InvalidLeafNode {
            reason: "does not support the group's required capabilities"
        })
    );
}
