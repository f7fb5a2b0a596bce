//! Mixed groups of `mls-nostd` and mls-rs 0.57 (with
//! `mls-rs-crypto-rustcrypto`), in both directions, for cipher suites 1, 2
//! and 3. Only MLS wire bytes cross between the two. After every epoch both
//! must report the same epoch, epoch authenticator and exporter output.

use mls_interop::{Ours, add};
use mls_nostd::crypto::{CipherSuite, Curve25519Aes128, Curve25519ChaCha, P256Aes128};
use mls_rs::client_builder::MlsConfig;
use mls_rs::identity::SigningIdentity;
use mls_rs::identity::basic::{BasicCredential, BasicIdentityProvider};
use mls_rs::{CipherSuiteProvider, Client, CryptoProvider, Group, MlsMessage};
use mls_rs_crypto_rustcrypto::RustCryptoProvider;

/// An mls-rs client.
struct Peer<C: MlsConfig> {
    client: Client<C>,
    group: Option<Group<C>>,
}

fn peer(name: &str, suite: u16) -> Peer<impl MlsConfig> {
    let suite = mls_rs::CipherSuite::from(suite);
    let crypto = RustCryptoProvider::default();
    let cs = crypto.cipher_suite_provider(suite).expect("suite");
    let (secret, public) = cs.signature_key_generate().expect("signature key");
    let credential = BasicCredential::new(name.as_bytes().to_vec()).into_credential();
    let client = Client::builder()
        .identity_provider(BasicIdentityProvider)
        .crypto_provider(crypto)
        .signing_identity(SigningIdentity::new(credential, public), secret, suite)
        .build();
    Peer { client, group: None }
}

impl<C: MlsConfig> Peer<C> {
    fn group(&mut self) -> &mut Group<C> {
        self.group.as_mut().expect("in a group")
    }

    fn key_package(&self) -> Vec<u8> {
        let kp = self
            .client
            .generate_key_package_message(Default::default(), Default::default(), None)
            .expect("KeyPackage");
        kp.to_bytes().expect("encode")
    }

    fn create(&mut self) {
        self.group = Some(
            self.client
                .create_group(Default::default(), Default::default(), None)
                .expect("create"),
        );
    }

    fn join(&mut self, welcome: &[u8]) {
        let welcome = MlsMessage::from_bytes(welcome).expect("Welcome decodes");
        let (group, _) = self
            .client
            .join_group(None, &welcome, None)
            .expect("mls-rs accepts our Welcome");
        self.group = Some(group);
    }

    /// Adds the KeyPackage `kp`; returns commit and Welcome.
    fn add(&mut self, kp: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let kp = MlsMessage::from_bytes(kp).expect("KeyPackage decodes");
        let g = self.group();
        let out = g
            .commit_builder()
            .add_member(kp)
            .expect("mls-rs accepts our KeyPackage")
            .build()
            .expect("commit");
        g.apply_pending_commit().expect("apply");
        (
            out.commit_message.to_bytes().expect("encode"),
            out.welcome_messages[0].to_bytes().expect("encode"),
        )
    }

    fn self_update(&mut self) -> Vec<u8> {
        let g = self.group();
        let out = g.commit(Vec::new()).expect("commit");
        g.apply_pending_commit().expect("apply");
        out.commit_message.to_bytes().expect("encode")
    }

    fn send(&mut self, data: &[u8], aad: &[u8]) -> Vec<u8> {
        let m = self
            .group()
            .encrypt_application_message(data, aad.to_vec())
            .expect("send");
        m.to_bytes().expect("encode")
    }

    /// Processes `msg`: application data as `(data, aad)`.
    fn process(&mut self, msg: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
        let m = MlsMessage::from_bytes(msg).expect("message decodes");
        match self
            .group()
            .process_incoming_message(m)
            .expect("mls-rs accepts our message")
        {
            mls_rs::group::ReceivedMessage::ApplicationMessage(a) => {
                Some((a.data().to_vec(), a.authenticated_data.clone()))
            }
            mls_rs::group::ReceivedMessage::Commit(_) | mls_rs::group::ReceivedMessage::Proposal(_) => None,
            other => panic!("unexpected {other:?}"),
        }
    }

    fn exported(&mut self) -> Vec<u8> {
        let s = self.group().export_secret(b"interop", b"context", 32).expect("export");
        s.as_bytes().to_vec()
    }
}

/// Both report the same epoch, epoch authenticator and exporter output.
fn agree<S: CipherSuite + Copy + Default, C: MlsConfig>(ours: &Ours<S>, peer: &mut Peer<C>) -> u64 {
    let epoch = ours.group.epoch();
    let g = peer.group();
    assert_eq!(g.current_epoch(), epoch, "epoch");
    let auth = g.epoch_authenticator().expect("authenticator");
    assert_eq!(auth.as_bytes(), ours.group.epoch_authenticator(), "epoch authenticator");
    assert_eq!(peer.exported(), ours.exported(), "exporter");
    epoch
}

/// Application messages both ways, with AAD.
fn talk<S: CipherSuite + Copy + Default, C: MlsConfig>(ours: &mut Ours<S>, peer: &mut Peer<C>) {
    let m = ours.send(b"from mls-nostd", b"aad: ours");
    assert_eq!(
        peer.process(&m),
        Some((b"from mls-nostd".to_vec(), b"aad: ours".to_vec()))
    );
    let m = peer.send(b"from mls-rs", b"aad: peer");
    assert_eq!(ours.process(&m).expect("we decrypt mls-rs"), "from mls-rs");
}

/// Commits both ways: ours with a path, then mls-rs's.
fn commits<S: CipherSuite + Copy + Default, C: MlsConfig>(ours: &mut Ours<S>, peer: &mut Peer<C>) {
    let (commit, _) = ours.commit(&[]);
    ours.process(&commit).expect("own commit applies");
    peer.process(&commit);
    agree(ours, peer);
    let commit = peer.self_update();
    ours.process(&commit).expect("we apply mls-rs's commit");
    agree(ours, peer);
}

fn ours_creates<S: CipherSuite + Copy + Default>() {
    let mut ours = Ours::<S>::new("alice (mls-nostd)");
    let mut peer = peer("bob (mls-rs)", S::ID);
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
    let mut peer = peer("alice (mls-rs)", S::ID);
    peer.create();
    let (kp, keys) = ours.key_package();
    let (_, welcome) = peer.add(&kp);
    ours.join(&welcome, &kp, &keys).expect("we join from mls-rs's Welcome");
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
fn welcome_join_application_commit_mls_rs_creates_suite1() {
    peer_creates::<Curve25519Aes128>();
}

#[test]
fn welcome_join_application_commit_mls_rs_creates_suite2() {
    peer_creates::<P256Aes128>();
}

#[test]
fn welcome_join_application_commit_mls_rs_creates_suite3() {
    peer_creates::<Curve25519ChaCha>();
}
