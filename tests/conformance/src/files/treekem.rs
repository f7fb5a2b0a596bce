//! `treekem.json`: processing every UpdatePath at every member, merging it,
//! and creating a new UpdatePath that every member can process (§7.4–§7.9).

use super::tree_validation::HostTree;
use super::{SuiteCheck, per_suite, test_rng};
use crate::Outcome;
use crate::json::{array, ctx, expect_eq, hex, hex_opt, uint};
use mls_nostd::codec::{Decode, Encode};
use mls_nostd::crypto::CipherSuite;
use mls_nostd::group_context::GroupContext;
use mls_nostd::tree::{LeafCheck, LeafNode, NodeList, Now};
use mls_nostd::treekem::{
    PathKeys, UpdatePath, check_path, create_path, decrypt_path, encrypt_path, merge_path, scratch_len, update_path_len,
};
use serde_json::Value;

struct Member {
    leaf: u32,
    keys: PathKeys,
    signature_priv: Vec<u8>,
}

struct Ctx {
    suite: u16,
    group_id: Vec<u8>,
    epoch: u64,
    cth: Vec<u8>,
    tree: Box<HostTree>,
}

impl Ctx {
    fn group_context(&self, tree_hash: &[u8]) -> Result<Vec<u8>, String> {
        let gc = GroupContext::new(self.suite, &self.group_id, self.epoch, tree_hash, &self.cth);
        let mut out = vec![0u8; gc.encoded_len()];
        ctx("group context", gc.encode_to(&mut out))?;
        Ok(out)
    }

    fn check(&self) -> LeafCheck<'_> {
        LeafCheck {
            group_id: &self.group_id,
            now: Now::NoClock,
            max_lifetime: None,
            required: None,
        }
    }

    /// Checks and merges `path` from `sender` into a copy of the tree;
    /// returns the merged tree and its provisional GroupContext.
    fn merged<S: CipherSuite>(
        &self,
        s: &S,
        sender: u32,
        path: &UpdatePath,
    ) -> Result<(Box<HostTree>, Vec<u8>), String> {
        let mut tree = self.tree.clone();
        let checked = ctx("check path", check_path(s, &mut tree, sender, path, &self.check()))?;
        ctx("merge path", merge_path(&mut tree, path, &checked))?;
        let th = tree.tree_hash(s);
        let gc = self.group_context(&th)?;
        Ok((tree, gc))
    }
}

fn load_members<S: CipherSuite>(s: &S, c: &Ctx, case: &Value) -> Result<Vec<Member>, String> {
    let mut members = Vec::new();
    for p in array(case, "leaves_private")? {
        let leaf = uint(p, "index")? as u32;
        let mut keys = ctx("leaf key", PathKeys::new(leaf, &hex(p, "encryption_priv")?))?;
        for ps in array(p, "path_secrets")? {
            let node = uint(ps, "node")? as u32;
            let public = c
                .tree
                .encryption_key(node)
                .ok_or(format!("private key for blank node {node}"))?;
            ctx(
                "path secret",
                keys.set_from_path_secret(s, node, &hex(ps, "path_secret")?, public),
            )?;
        }
        members.push(Member {
            leaf,
            keys,
            signature_priv: hex(p, "signature_priv")?,
        });
    }
    Ok(members)
}

struct TreeKem;

impl SuiteCheck for TreeKem {
    fn check<S: CipherSuite>(&self, s: &S, case: &Value) -> Result<(), String> {
        let tree_bytes = hex(case, "ratchet_tree")?;
        let mut tree = Box::new(HostTree::new());
        ctx(
            "import",
            tree.import(&ctx("decode tree", NodeList::decode_exact(&tree_bytes))?),
        )?;
        let c = Ctx {
            suite: S::ID,
            group_id: hex(case, "group_id")?,
            epoch: uint(case, "epoch")?,
            cth: hex(case, "confirmed_transcript_hash")?,
            tree,
        };
        let members = load_members(s, &c, case)?;
        let mut scratch = vec![0u8; scratch_len(512)];

        for up in array(case, "update_paths")? {
            let sender = uint(up, "sender")? as u32;
            let bytes = hex(up, "update_path")?;
            let path = ctx("decode update path", UpdatePath::decode_exact(&bytes))?;
            let (mut merged, gc) = c.merged(s, sender, &path)?;
            expect_eq("tree_hash_after", &merged.tree_hash(s), &hex(up, "tree_hash_after")?)?;
            let secrets = array(up, "path_secrets")?;
            for m in members.iter().filter(|m| m.leaf != sender) {
                let d = ctx(
                    "decrypt",
                    decrypt_path(s, &merged, &m.keys, sender, &path, &gc, &[], &mut scratch),
                )?;
                let want = secrets
                    .get(m.leaf as usize)
                    .and_then(|v| v.as_str())
                    .ok_or("path secret")?;
                expect_eq(
                    "path secret",
                    d.path_secret.as_slice(),
                    &::hex::decode(want).map_err(|e| e.to_string())?,
                )?;
                expect_eq("commit secret", d.commit_secret.as_slice(), &hex(up, "commit_secret")?)?;
            }
            if hex_opt(up, "commit_secret")?.is_none() {
                return Err("missing commit secret".into());
            }

            // A new UpdatePath from the same sender, processed by everyone.
            let me = members
                .iter()
                .find(|m| m.leaf == sender)
                .ok_or("sender without private state")?;
            let mut own = c.tree.clone();
            let template_bytes = own.leaf_bytes(sender).ok_or("sender leaf blank")?.to_vec();
            let template = ctx("template", LeafNode::decode_exact(&template_bytes))?;
            let mut rng = test_rng();
            let created = ctx(
                "create",
                create_path(
                    s,
                    &mut own,
                    sender,
                    &template,
                    &me.signature_priv,
                    &c.group_id,
                    &mut rng,
                ),
            )?;
            let own_hash = own.tree_hash(s);
            let gc = c.group_context(&own_hash)?;
            let mut out = vec![0u8; update_path_len::<S, 64, 1024>(&own, &created, &[])];
            let n = ctx(
                "encrypt",
                encrypt_path(s, &own, &created, &gc, &[], &mut scratch, &mut rng, &mut out),
            )?;
            let new_path = ctx("decode new path", UpdatePath::decode_exact(&out[..n]))?;
            let (mut theirs, their_gc) = c.merged(s, sender, &new_path)?;
            expect_eq("receiver's tree hash", &theirs.tree_hash(s), &own_hash)?;
            for m in members.iter().filter(|m| m.leaf != sender) {
                let d = ctx(
                    "decrypt new",
                    decrypt_path(s, &theirs, &m.keys, sender, &new_path, &their_gc, &[], &mut scratch),
                )?;
                expect_eq(
                    "new commit secret",
                    d.commit_secret.as_slice(),
                    created.commit_secret.as_slice(),
                )?;
            }
        }
        Ok(())
    }
}

/// Processes and creates every UpdatePath of one case.
pub fn check(case: &Value) -> Outcome {
    per_suite(case, TreeKem)
}
