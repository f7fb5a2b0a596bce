//! Creating a group (RFC 9420 §11).

use super::{Status, encode_extensions};
use crate::codec::Decode;
use crate::crypto::{Bytes, CipherSuite, CryptoRng, HashOutput, Secret, SignaturePrivateKey};
use crate::error::{Error, Result};
use crate::extension::{self, Extensions};
use crate::key_schedule::from_epoch_secret;
use crate::secret_tree::SecretTree;
use crate::transcript;
use crate::tree::LeafNode;
use crate::treekem::PathKeys;

impl<S, const L: usize, const B: usize, const K: usize, const P: usize, const N: usize> super::Group<S, L, B, K, P, N>
where
    S: CipherSuite,
{
    /// Creates a one-member group (§11) with `group_id` and GroupContext
    /// `extensions`, the creator at leaf 0 with the encoded `leaf_node`
    /// (for example the one of its own KeyPackage), whose private keys are
    /// `encryption_key` and `signature_key`. Replaces whatever the group
    /// held.
    #[allow(clippy::too_many_arguments)]
    pub fn create<R: CryptoRng>(
        &mut self,
        group_id: &[u8],
        leaf_node: &[u8],
        encryption_key: &[u8],
        signature_key: &[u8],
        extensions: Extensions<'_>,
        rng: &mut R,
    ) -> Result<()> {
        let leaf = LeafNode::decode_exact(leaf_node)?;
        if self.suite.signature_public_key(signature_key)?.as_slice() != leaf.signature_key {
            return Err(Error::InvalidKey);
        }
        if !extension::types_are_unique(&extensions) {
            return Err(Error::Malformed {
                reason: "duplicate extension type",
            });
        }
        let group_id = Bytes::from_slice(group_id).map_err(|_| Error::CapacityExceeded { what: "group id" })?;
        let exts = encode_extensions(&extensions)?;
        let keys = PathKeys::new(0, encryption_key)?;
        let signature_key = SignaturePrivateKey::from_slice(signature_key)?;

        // The epoch secret of epoch 0 is random (§11).
        let mut epoch_secret = Secret::empty();
        rng.fill_bytes(epoch_secret.fill(S::HASH_LEN)?);
        let mut secrets = from_epoch_secret(&self.suite, epoch_secret.as_slice())?;
        let secret_tree = SecretTree::new(
            &self.suite,
            secrets.encryption_secret.as_slice(),
            1,
            self.config.secret_tree,
        )?;
        secrets.encryption_secret = Secret::empty();
        let tag = transcript::confirmation_tag(&self.suite, secrets.confirmation_key.as_slice(), &[]);
        let interim = transcript::interim_transcript_hash(&self.suite, &[], &tag);

        self.tree.create(leaf_node)?;
        self.status = Status::Active;
        self.group_id = group_id;
        self.epoch = 0;
        self.extensions = exts;
        self.confirmed_transcript_hash = HashOutput::empty();
        self.interim_transcript_hash = interim;
        self.confirmation_tag = tag;
        self.own = 0;
        self.keys = keys;
        self.signature_key = signature_key;
        self.secrets = secrets;
        self.secret_tree = secret_tree;
        self.past.iter_mut().for_each(|p| *p = super::PastEpoch::EMPTY);
        self.proposals.clear();
        self.pending = None;
        self.pending_update = crate::crypto::HpkePrivateKey::empty();
        self.bump();
        Ok(())
    }
}
