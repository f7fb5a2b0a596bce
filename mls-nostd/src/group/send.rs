//! Sending application messages (RFC 9420 §6.3, §15) and proposals
//! (§12.1).

use super::persist::Outgoing;
use super::proposals::{check_proposal, proposal_ref};
use super::{Group, HandshakeFormat, extensions_of, leaf_check};
use crate::codec::{Decode, Encode};
use crate::credential::{Credential, CredentialValidator};
use crate::crypto::{CipherSuite, CryptoRng, HashOutput};
use crate::error::{Error, Result};
use crate::framing::{
    AuthenticatedContent, Content, FramedContent, FramedContentAuthData, Sender, WireFormat, protect_private,
    protect_public,
};
use crate::key_package::fresh_hpke_key;
use crate::memory::{LeafBytes, Memory};
use crate::proposal::Proposal;
use crate::tree::{LeafNode, LeafNodeSource, Now, TreeRead, sign_leaf_node};

fn no_tag(_: &crate::crypto::Signature) -> Result<HashOutput> {
    Err(Error::Malformed {
        reason: "only commits carry a confirmation tag",
    })
}

impl<S, M: Memory, const K: usize, const P: usize, A: CredentialValidator> Group<S, M, K, P, A>
where
    S: CipherSuite,
{
    /// Encrypts application `data` with `authenticated_data` as a
    /// PrivateMessage into `out` (§6.3), padded as the configuration says.
    /// The generation used is erased at once; the bytes are released once
    /// the state is saved. Refused while proposals wait for a commit
    /// (§12.4: a member must commit them before sending application data).
    ///
    /// # Example
    ///
    /// Alice sends to Bob. The output is sized by asking with an empty buffer;
    /// the bytes are released by the proof of a save made after the send.
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
    /// # let mut alice = Box::new(MyGroup::new(SUITE, GroupConfig::new()));
    /// # alice.create_from_key_package(b"group", &alice_kp, &alice_keys, alice_sk.as_slice(), List::empty(), &mut rng)?;
    /// # let (bob_sk, bob_kp, bob_keys) = client(b"bob", &mut rng);
    /// # let add = [Proposal::Add { key_package: KeyPackage::decode_message(&bob_kp)? }];
    /// # let options = CommitOptions { proposals: &add, ratchet_tree_in_welcome: true, ..CommitOptions::default() };
    /// # let mut work = vec![0u8; 8192];
    /// # let out = alice.commit(&options, &(), now, &mut rng, &mut work)?.release_unsaved();
    /// # let mut buf = vec![0u8; out.commit.len()];
    /// # alice.process(out.commit, &(), now, &mut buf)?;
    /// # let welcome = out.welcome.unwrap();
    /// # let mut scratch = vec![0u8; 2 * welcome.len()];
    /// # let mut bob = Box::new(MyGroup::new(SUITE, GroupConfig::new()));
    /// # bob.join(welcome, &bob_kp, &bob_keys, bob_sk.as_slice(), None, &(), now, &mut scratch)?;
    /// let (data, aad) = (b"hello, Bob".as_slice(), b"".as_slice());
    /// let needed = match alice.send(data, aad, &mut rng, &mut []) {
    ///     Err(Error::BufferTooSmall { needed }) => needed,
    ///     other => panic!("{other:?}"),
    /// };
    /// let mut out = vec![0u8; needed];
    /// let outgoing = alice.send(data, aad, &mut rng, &mut out)?;
    /// let mut flash = vec![0u8; alice.saved_len()];
    /// let message = outgoing.release(&alice.save(&mut flash)?)?;
    ///
    /// let mut buf = vec![0u8; message.len()];
    /// let event = bob.process(message, &(), now, &mut buf)?;
    /// assert!(matches!(event, Event::Application { sender: 0, data: b"hello, Bob", .. }));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn send<'o, R: CryptoRng>(
        &mut self,
        data: &[u8],
        authenticated_data: &[u8],
        rng: &mut R,
        out: &'o mut [u8],
    ) -> Result<Outgoing<&'o [u8]>> {
        self.active()?;
        if self.proposals.iter().next().is_some() {
            return Err(Error::ProposalsPending);
        }
        let context = self.context_bytes()?;
        let content = FramedContent {
            group_id: &self.group_id,
            epoch: self.epoch,
            sender: Sender::Member(self.own),
            authenticated_data,
            content: Content::Application(data),
        };
        let sds = self.secrets.sender_data_secret.as_slice();
        let sk = self.signature_key.as_slice();
        let (n, _, _) = protect_private(
            &self.suite,
            &content,
            sk,
            &context,
            sds,
            &mut self.secret_tree,
            self.config.padding,
            no_tag,
            rng,
            out,
        )?;
        self.bump();
        self.outgoing(out, n)
    }

    /// Sends a proposal (§12.1) into `out`, and keeps it so that this
    /// member's own next commit covers it by reference.
    pub fn propose<'o, R: CryptoRng>(
        &mut self,
        proposal: &Proposal<'_>,
        authenticated_data: &[u8],
        now: Now,
        rng: &mut R,
        out: &'o mut [u8],
    ) -> Result<Outgoing<&'o [u8]>> {
        self.active()?;
        let me = Sender::Member(self.own);
        if !matches!(proposal, Proposal::Update { .. }) {
            let exts = extensions_of(&self.extensions);
            let check = leaf_check(&self.group_id, now, self.config.max_lifetime, &exts);
            check_proposal(&self.suite, &self.tree, proposal, me, &check, &self.validator)?;
        }
        // Checked before a PrivateMessage takes a generation from the tree.
        if !self.proposals.has_room(S::HASH_LEN, me, proposal) {
            return Err(Error::CapacityExceeded { what: "proposal store" });
        }
        let context = self.context_bytes()?;
        let content = FramedContent {
            group_id: &self.group_id,
            epoch: self.epoch,
            sender: me,
            authenticated_data,
            content: Content::Proposal(*proposal),
        };
        let sk = self.signature_key.as_slice();
        let (n, signature, wire_format) = match self.config.handshake {
            HandshakeFormat::Public => {
                let membership = Some(self.secrets.membership_key.as_slice());
                let (n, sig) = protect_public(&self.suite, &content, sk, &context, membership, no_tag, out)?;
                (n, sig, WireFormat::PublicMessage)
            }
            HandshakeFormat::Private => {
                let sds = self.secrets.sender_data_secret.as_slice();
                let (n, sig, _) = protect_private(
                    &self.suite,
                    &content,
                    sk,
                    &context,
                    sds,
                    &mut self.secret_tree,
                    0,
                    no_tag,
                    rng,
                    out,
                )?;
                (n, sig, WireFormat::PrivateMessage)
            }
        };
        let auth = FramedContentAuthData {
            signature: &signature,
            confirmation_tag: None,
        };
        let reference = proposal_ref(
            &self.suite,
            &AuthenticatedContent {
                wire_format,
                content,
                auth,
            },
        );
        self.proposals.push(&reference, me, proposal)?;
        self.bump();
        self.outgoing(out, n)
    }

    /// Proposes to refresh this member's own leaf (§12.1.2): a fresh
    /// encryption key, the same credential and capabilities. The private key
    /// is kept until a commit applies the Update.
    pub fn propose_update<'o, R: CryptoRng>(
        &mut self,
        authenticated_data: &[u8],
        now: Now,
        rng: &mut R,
        out: &'o mut [u8],
    ) -> Result<Outgoing<&'o [u8]>> {
        self.propose_update_with(None, authenticated_data, now, rng, out)
    }

    /// As [`Group::propose_update`]; with `Some(credential)`, a new
    /// credential for this member under the same signature key (for example
    /// a renewed certificate). Every member's Authentication Service checks
    /// it, including `validate_successor` against the old one (§5.3.1). Its
    /// type must be in the leaf's capabilities.
    pub fn propose_update_with<'o, R: CryptoRng>(
        &mut self,
        credential: Option<Credential<'_>>,
        authenticated_data: &[u8],
        now: Now,
        rng: &mut R,
        out: &'o mut [u8],
    ) -> Result<Outgoing<&'o [u8]>> {
        self.active()?;
        let (sk, pk) = fresh_hpke_key(&self.suite, rng)?;
        let template = self
            .tree
            .leaf(self.own)
            .ok_or(Error::LeafOutOfRange { leaf: self.own })?;
        let credential = credential.unwrap_or(template.credential);
        let leaf = LeafNode {
            encryption_key: &pk,
            source: LeafNodeSource::Update,
            credential,
            signature: &[],
            signed_bytes: &[],
            raw: &[],
            ..template
        };
        let mut store = M::LeafBytes::blank();
        let buf = store.room(super::leaf_room(template.raw.len() + credential.encoded_len()));
        let len = sign_leaf_node(
            &self.suite,
            &leaf,
            self.signature_key.as_slice(),
            &self.group_id,
            self.own,
            buf,
        )
        .map_err(|e| match e {
            Error::BufferTooSmall { .. } => Error::CapacityExceeded { what: "leaf node size" },
            e => e,
        })?;
        let leaf_node = LeafNode::decode_exact(buf.get(..len).ok_or(Error::Truncated)?)?;
        // The leaf is signed afresh on every call and an ECDSA signature's
        // length varies: a retry's may be longer by this much.
        let slack = crate::crypto::signature_slack::<S>(leaf_node.signature);
        let out = self
            .propose(&Proposal::Update { leaf_node }, authenticated_data, now, rng, out)
            .map_err(|e| match e {
                Error::BufferTooSmall { needed } => Error::BufferTooSmall { needed: needed + slack },
                e => e,
            })?;
        self.pending_update = sk;
        Ok(out)
    }
}
