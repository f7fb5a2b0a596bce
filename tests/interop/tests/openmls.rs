//! Mixed groups of `mls-nostd` and OpenMLS 0.9 (with `openmls_rust_crypto`
//! and `openmls_basic_credential`), in both directions, for cipher suites
//! 1, 2 and 3. Only MLS wire bytes cross between the two. After every
//! epoch both must report the same epoch, epoch authenticator and exporter
//! output.

use mls_interop::{Ours, add};
use mls_nostd::crypto::{CipherSuite, Curve25519Aes128, Curve25519ChaCha, P256Aes128};
use openmls::prelude::tls_codec::{Deserialize, Serialize};
use openmls::prelude::*;
use openmls::treesync::LeafNodeParameters;
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;

/// An OpenMLS client.
struct Peer {
    provider: OpenMlsRustCrypto,
    signer: SignatureKeyPair,
    credential: CredentialWithKey,
    suite: Ciphersuite,
    group: Option<MlsGroup>,
}

impl Peer {
    fn new(name: &str, suite: u16) -> Peer {
        let suite = Ciphersuite::try_from(suite).expect("suite");
        let provider = OpenMlsRustCrypto::default();
        let signer = SignatureKeyPair::new(suite.signature_algorithm()).expect("signature key");
        signer.store(provider.storage()).expect("store");
        let credential = CredentialWithKey {
            credential: BasicCredential::new(name.as_bytes().to_vec()).into(),
            signature_key: signer.to_public_vec().into(),
        };
        Peer {
            provider,
            signer,
            credential,
            suite,
            group: None,
        }
    }

    fn group(&mut self) -> &mut MlsGroup {
        self.group.as_mut().expect("in a group")
    }

    fn key_package(&self) -> Vec<u8> {
        let bundle = KeyPackage::builder()
            .build(self.suite, &self.provider, &self.signer, self.credential.clone())
            .expect("KeyPackage");
        bundle.key_package().tls_serialize_detached().expect("encode")
    }

    fn join_config() -> MlsGroupJoinConfig {
        MlsGroupJoinConfig::builder()
            .use_ratchet_tree_extension(true)
            .wire_format_policy(PURE_CIPHERTEXT_WIRE_FORMAT_POLICY)
            .build()
    }

    fn create(&mut self) {
        let group = MlsGroup::builder()
            .ciphersuite(self.suite)
            .use_ratchet_tree_extension(true)
            .with_wire_format_policy(PURE_CIPHERTEXT_WIRE_FORMAT_POLICY)
            .build(&self.provider, &self.signer, self.credential.clone())
            .expect("create");
        self.group = Some(group);
    }

    fn join(&mut self, welcome: &[u8]) {
        let MlsMessageBodyIn::Welcome(welcome) = MlsMessageIn::tls_deserialize_exact(welcome)
            .expect("Welcome decodes")
            .extract()
        else {
            panic!("not a Welcome");
        };
        let staged = StagedWelcome::new_from_welcome(&self.provider, &Self::join_config(), welcome, None)
            .expect("OpenMLS accepts our Welcome");
        self.group = Some(staged.into_group(&self.provider).expect("join"));
    }

    /// Adds the KeyPackage `kp` (an `MLSMessage`); returns commit and Welcome.
    fn add(&mut self, kp: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let MlsMessageBodyIn::KeyPackage(kp) = MlsMessageIn::tls_deserialize_exact(kp)
            .expect("KeyPackage decodes")
            .extract()
        else {
            panic!("not a KeyPackage");
        };
        let kp = kp
            .validate(self.provider.crypto(), ProtocolVersion::Mls10)
            .expect("OpenMLS accepts our KeyPackage");
        let (p, s) = (&self.provider, &self.signer);
        let g = self.group.as_mut().expect("in a group");
        let (commit, welcome, _) = g.add_members(p, s, &[kp]).expect("add");
        g.merge_pending_commit(p).expect("merge");
        (commit.to_bytes().expect("encode"), welcome.to_bytes().expect("encode"))
    }

    fn self_update(&mut self) -> Vec<u8> {
        let (p, s) = (&self.provider, &self.signer);
        let g = self.group.as_mut().expect("in a group");
        let (commit, _, _) = g
            .self_update(p, s, LeafNodeParameters::default())
            .expect("self update")
            .into_contents();
        g.merge_pending_commit(p).expect("merge");
        commit.to_bytes().expect("encode")
    }

    fn send(&mut self, data: &[u8], aad: &[u8]) -> Vec<u8> {
        let (p, s) = (&self.provider, &self.signer);
        let g = self.group.as_mut().expect("in a group");
        g.set_aad(aad.to_vec());
        g.create_message(p, s, data).expect("send").to_bytes().expect("encode")
    }

    /// Processes `msg`: application data as `(data, aad)`, commits merged.
    fn process(&mut self, msg: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
        let m = MlsMessageIn::tls_deserialize_exact(msg)
            .expect("message decodes")
            .try_into_protocol_message()
            .expect("a protocol message");
        let p = &self.provider;
        let g = self.group.as_mut().expect("in a group");
        let processed = g.process_message(p, m).expect("OpenMLS accepts our message");
        let aad = processed.aad().to_vec();
        match processed.into_content() {
            ProcessedMessageContent::ApplicationMessage(a) => Some((a.into_bytes(), aad)),
            ProcessedMessageContent::StagedCommitMessage(c) => {
                g.merge_staged_commit(p, *c).expect("merge");
                None
            }
            ProcessedMessageContent::ProposalMessage(q) => {
                g.store_pending_proposal(p.storage(), *q).expect("store");
                None
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    fn exported(&mut self) -> Vec<u8> {
        let crypto = self.provider.crypto();
        let g = self.group.as_ref().expect("in a group");
        g.export_secret(crypto, "interop", b"context", 32).expect("export")
    }
}

/// Both report the same epoch, epoch authenticator and exporter output.
fn agree<S: CipherSuite + Copy + Default>(ours: &Ours<S>, peer: &mut Peer) -> u64 {
    let epoch = ours.group.epoch();
    let g = peer.group();
    assert_eq!(g.epoch().as_u64(), epoch, "epoch");
    assert_eq!(
        g.epoch_authenticator().as_slice(),
        ours.group.epoch_authenticator(),
        "epoch authenticator"
    );
    assert_eq!(peer.exported(), ours.exported(), "exporter");
    epoch
}

/// Application messages both ways, with AAD.
fn talk<S: CipherSuite + Copy + Default>(ours: &mut Ours<S>, peer: &mut Peer) {
    let m = ours.send(b"from mls-nostd", b"aad: ours");
    assert_eq!(
        peer.process(&m),
        Some((b"from mls-nostd".to_vec(), b"aad: ours".to_vec()))
    );
    let m = peer.send(b"from OpenMLS", b"aad: peer");
    assert_eq!(ours.process(&m).expect("we decrypt OpenMLS"), "from OpenMLS");
}

/// Commits both ways: ours with a path, then OpenMLS's self-update.
fn commits<S: CipherSuite + Copy + Default>(ours: &mut Ours<S>, peer: &mut Peer) {
    let (commit, _) = ours.commit(&[]);
    ours.process(&commit).expect("own commit applies");
    peer.process(&commit);
    agree(ours, peer);
    let commit = peer.self_update();
    ours.process(&commit).expect("we apply OpenMLS's commit");
    agree(ours, peer);
}

fn ours_creates<S: CipherSuite + Copy + Default>() {
    let mut ours = Ours::<S>::new("alice (mls-nostd)");
    let mut peer = Peer::new("bob (OpenMLS)", S::ID);
    ours.create(b"interop: ours creates");
    let (commit, welcome) = ours.commit(&[add(&peer.key_package())]);
    ours.process(&commit).expect("own commit applies");
    peer.join(&welcome.expect("Welcome"));
    agree(&ours, &mut peer);
    talk(&mut ours, &mut peer);
    commits(&mut ours, &mut peer);
    talk(&mut ours, &mut peer);
}

fn peer_creates<S: CipherSuite + Copy + Default>() {
    let mut ours = Ours::<S>::new("bob (mls-nostd)");
    let mut peer = Peer::new("alice (OpenMLS)", S::ID);
    peer.create();
    let (kp, keys) = ours.key_package();
    let (_, welcome) = peer.add(&kp);
    ours.join(&welcome, &kp, &keys).expect("we join from OpenMLS's Welcome");
    agree(&ours, &mut peer);
    talk(&mut ours, &mut peer);
    commits(&mut ours, &mut peer);
    talk(&mut ours, &mut peer);
}

#[test]
fn welcome_join_application_commit_ours_creates_suite1() {
    ours_creates::<Curve25519Aes128>();
}

#[test]
fn welcome_join_application_commit_ours_creates_suite2() {
    ours_creates::<P256Aes128>();
}

#[test]
fn welcome_join_application_commit_ours_creates_suite3() {
    ours_creates::<Curve25519ChaCha>();
}

#[test]
fn welcome_join_application_commit_openmls_creates_suite1() {
    peer_creates::<Curve25519Aes128>();
}

#[test]
fn welcome_join_application_commit_openmls_creates_suite2() {
    peer_creates::<P256Aes128>();
}

#[test]
fn welcome_join_application_commit_openmls_creates_suite3() {
    peer_creates::<Curve25519ChaCha>();
}
