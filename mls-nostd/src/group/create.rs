//! Creating a group (RFC 9420 §11).

use super::state::FirstEpoch;
use crate::codec::Decode;
use crate::credential::CredentialValidator;
use crate::crypto::{CipherSuite, CryptoRng, HashOutput, Secret};
use crate::error::{Error, Result};
use crate::extension::{self, Extensions};
use crate::key_package::{KeyPackage, KeyPackageKeys};
use crate::key_schedule::from_epoch_secret;
use crate::memory::{LeafBytes, Memory};
use crate::transcript;
use crate::tree::LeafNode;
use crate::treekem::PathKeys;

impl<S, M: Memory, const K: usize, const P: usize, A: CredentialValidator> super::Group<S, M, K, P, A>
where
    S: CipherSuite,
{
    /// Creates a one-member group (§11) as [`Self::create`] does, the
    /// creator's leaf taken from its own `key_package` (an `MLSMessage` or
    /// a bare KeyPackage) whose private keys are `keys` and
    /// `signature_key`.
    ///
    /// # Example
    ///
    /// Alice creates a group from her own KeyPackage
    /// ([`key_package::generate`](crate::key_package::generate)):
    ///
    /// ```
    /// # use chacha20::ChaCha20Rng;
    /// # use mls_nostd::codec::List;
    /// # use mls_nostd::credential::{Credential, credential_type};
    /// # use mls_nostd::crypto::{CipherSuite, Curve25519Aes128, SignaturePrivateKey};
    /// # use mls_nostd::group::{CommitOptions, Event, FixedGroup, Group, GroupConfig};
    /// # use mls_nostd::key_package::{self, KeyPackage, KeyPackageKeys, LeafTemplate};
    /// # use mls_nostd::proposal::Proposal;
    /// # use mls_nostd::tree::{Capabilities, Lifetime, Now};
    /// # use mls_nostd::Error;
    /// # use rand_core::SeedableRng;
    /// # const SUITE: Curve25519Aes128 = Curve25519Aes128;
    /// # type MyGroup = FixedGroup<Curve25519Aes128, 8, 512>;
    /// # // A client: its signature key, a KeyPackage and the KeyPackage's private keys.
    /// # fn client(name: &'static [u8], rng: &mut ChaCha20Rng) -> (SignaturePrivateKey, Vec<u8>, KeyPackageKeys) {
    /// #     let (sk, _) = SUITE.signature_key_pair(rng);
    /// #     let capabilities = Capabilities {
    /// #         versions: List::from_slice(&[mls_nostd::MLS10]),
    /// #         cipher_suites: List::from_slice(&[Curve25519Aes128::ID]),
    /// #         extensions: List::empty(),
    /// #         proposals: List::empty(),
    /// #         credentials: List::from_slice(&[credential_type::BASIC]),
    /// #     };
    /// #     let credential = Credential::Basic { identity: name };
    /// #     let template = LeafTemplate { credential, capabilities, extensions: List::empty() };
    /// #     let lifetime = Lifetime { not_before: 0, not_after: u64::MAX };
    /// #     let mut kp = vec![0u8; 1024];
    /// #     let (len, keys) = key_package::generate(&SUITE, rng, sk.as_slice(), &template, lifetime, List::empty(), &mut kp)
    /// #         .unwrap();
    /// #     kp.truncate(len);
    /// #     (sk, kp, keys)
    /// # }
    /// # let mut rng = ChaCha20Rng::from_seed([7; 32]);
    /// # let now = Now::UnixSeconds(1_767_225_600);
    /// # let (alice_sk, alice_kp, alice_keys) = client(b"alice", &mut rng);
    /// let mut alice = Box::new(MyGroup::new(SUITE, GroupConfig::new()));
    /// alice.create_from_key_package(
    ///     b"group id",
    ///     &alice_kp,             // her KeyPackage, an MLSMessage
    ///     &alice_keys,           // its private keys
    ///     alice_sk.as_slice(),   // her signature private key
    ///     List::empty(),         // no GroupContext extensions
    ///     &mut rng,
    /// )?;
    /// assert_eq!(alice.epoch(), 0);
    /// assert_eq!(alice.members().count(), 1);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn create_from_key_package<R: CryptoRng>(
        &mut self,
        group_id: &[u8],
        key_package: &[u8],
        keys: &KeyPackageKeys,
        signature_key: &[u8],
        extensions: Extensions<'_>,
        rng: &mut R,
    ) -> Result<()> {
        let kp = KeyPackage::decode_message(key_package)?;
        if kp.cipher_suite != S::ID {
            return Err(Error::UnsupportedCipherSuite(kp.cipher_suite));
        }
        let encryption_key = keys.encryption_key.as_slice();
        self.create(
            group_id,
            kp.leaf_node.raw,
            encryption_key,
            signature_key,
            extensions,
            rng,
        )
    }

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
        if !M::LeafBytes::fits(leaf_node.len()) {
            return Err(Error::CapacityExceeded { what: "leaf node size" });
        }
        let keys = PathKeys::new(0, encryption_key)?;

        // The epoch secret of epoch 0 is random (§11).
        let mut epoch_secret = Secret::empty();
        rng.fill_bytes(epoch_secret.fill(S::HASH_LEN)?);
        let secrets = from_epoch_secret(&self.suite, epoch_secret.as_slice())?;
        let tag = transcript::confirmation_tag(&self.suite, secrets.confirmation_key.as_slice(), &[]);
        let interim = transcript::interim_transcript_hash(&self.suite, &[], &tag);
        let first = FirstEpoch {
            group_id,
            epoch: 0,
            extensions: &extensions,
            confirmed_transcript_hash: HashOutput::empty(),
            interim_transcript_hash: interim,
            confirmation_tag: tag,
            own: 0,
            keys,
            signature_key,
            secrets,
            n_leaves: 1,
        };
        self.install(first, |tree| tree.create(leaf_node))?;
        Ok(())
    }
}
