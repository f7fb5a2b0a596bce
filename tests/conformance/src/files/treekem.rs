//! `treekem.json`: processing every UpdatePath at every member, merging it,
//! and creating a new UpdatePath that every member can process (§7.4–§7.9).

use super::tree_validation::HostTree;
use super::{SuiteCheck, per_suite, test_rng};
use crate::Outcome;
use crate::json::{array, ctx, expect_eq, hex, uint};
use mls_nostd::codec::{Decode, Encode};
use mls_nostd::crypto::CipherSuite;
use mls_nostd::group_context::GroupContext;
use mls_nostd::memory::Fixed;
use mls_nostd::tree::{LeafCheck, LeafNode, NodeList, Now, Stage, TreeRead};
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

    /// Checks `path` from `sender` and stages its merge; returns the stage
    /// and the provisional GroupContext.
    fn merged<'c, S: CipherSuite>(
        &self,
        s: &S,
        sender: u32,
        path: &UpdatePath<'c>,
    ) -> Result<(Box<Stage<'c, Fixed<64, 1024>>>, Vec<u8>), String> {
        let checked = ctx("check path", check_path(s, &*self.tree, sender, path, &self.check()))?;
        let mut stage = Box::new(Stage::new(&*self.tree));
        ctx("merge path", merge_path(&mut stage, &self.tree, path, &checked))?;
        let view = stage.view(&self.tree);
        let gc = self.group_context(&view.hash_of(s, view.root()))?;
        Ok((stage, gc))
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
    fn check<S: CipherSuite + Copy>(&self, s: &S, case: &Value) -> Result<(), String> {
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
            let (stage, gc) = c.merged(s, sender, &path)?;
            let merged = stage.view(&c.tree);
            expect_eq(
                "tree_hash_after",
                &merged.hash_of(s, merged.root()),
                &hex(up, "tree_hash_after")?,
            )?;
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

            // A new UpdatePath from the same sender, processed by everyone.
            let me = members
                .iter()
                .find(|m| m.leaf == sender)
                .ok_or("sender without private state")?;
            let template_bytes = c.tree.leaf_bytes(sender).ok_or("sender leaf blank")?.to_vec();
            let template = ctx("template", LeafNode::decode_exact(&template_bytes))?;
            let mut rng = test_rng();
            let mut leaf_buf = vec![0u8; 1024];
            let mut own_stage = Box::new(Stage::new(&*c.tree));
            let sk = &me.signature_priv;
            let created = ctx(
                "create",
                create_path(
                    s,
                    &c.tree,
                    &mut own_stage,
                    sender,
                    &template,
                    sk,
                    &c.group_id,
                    &mut rng,
                    &mut leaf_buf,
                ),
            )?;
            let own = own_stage.view(&c.tree);
            let own_hash = own.hash_of(s, own.root());
            let gc = c.group_context(&own_hash)?;
            let mut out = vec![0u8; update_path_len::<S>(&own, &created, &[])];
            let n = ctx(
                "encrypt",
                encrypt_path(
                    s,
                    &own,
                    &created,
                    &gc,
                    &[],
                    &mut scratch,
                    &mut rng,
                    &mls_nostd::parallel::Sequential,
                    &mut out,
                ),
            )?;
            let new_path = ctx("decode new path", UpdatePath::decode_exact(&out[..n]))?;
            let (their_stage, their_gc) = c.merged(s, sender, &new_path)?;
            let theirs = their_stage.view(&c.tree);
            expect_eq("receiver's tree hash", &theirs.hash_of(s, theirs.root()), &own_hash)?;
            for m in members.iter().filter(|m| m.leaf != sender) {
                let d = decrypt_path(s, &theirs, &m.keys, sender, &new_path, &their_gc, &[], &mut scratch);
                let d = ctx("decrypt new", d)?;
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
