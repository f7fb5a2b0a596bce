//! mls-rs 0.57 with `RustCryptoProvider` and basic identities: handshakes
//! as PublicMessages (`encrypt_control_messages` false), no padding (as the
//! others), commits with a path required, the ratchet tree in the Welcome,
//! own commits applied by `apply_pending_commit`.

use crate::imp::{EXPORT_CONTEXT, EXPORT_LABEL, GROUP_ID, Imp, State, Who, name};
use mls_rs::client_builder::{MlsConfig, PaddingMode};
use mls_rs::group::ReceivedMessage;
use mls_rs::identity::SigningIdentity;
use mls_rs::identity::basic::{BasicCredential, BasicIdentityProvider};
use mls_rs::mls_rules::{CommitOptions, DefaultMlsRules, EncryptionOptions};
use mls_rs::{CipherSuiteProvider, Client, CryptoProvider, Group, MlsMessage};
use mls_rs_crypto_rustcrypto::RustCryptoProvider;

/// A client named `name` for cipher suite `suite`, with the benchmark's
/// rules.
fn client(name: &str, suite: u16) -> Client<impl MlsConfig + use<>> {
    let suite = mls_rs::CipherSuite::from(suite);
    let crypto = RustCryptoProvider::default();
    let cs = crypto.cipher_suite_provider(suite).expect("suite");
    let (secret, public) = cs.signature_key_generate().expect("signature key");
    let credential = BasicCredential::new(name.as_bytes().to_vec()).into_credential();
    let rules = DefaultMlsRules::new()
        .with_commit_options(
            CommitOptions::new()
                .with_path_required(true)
                .with_ratchet_tree_extension(true),
        )
        .with_encryption_options(EncryptionOptions::new(false, PaddingMode::None));
    Client::builder()
        .identity_provider(BasicIdentityProvider)
        .crypto_provider(crypto)
        .mls_rules(rules)
        .signing_identity(SigningIdentity::new(credential, public), secret, suite)
        .build()
}

fn state<C: MlsConfig>(g: &Group<C>) -> State {
    State {
        epoch: g.current_epoch(),
        members: g.roster().members_iter().count(),
        exported: g
            .export_secret(EXPORT_LABEL.as_bytes(), EXPORT_CONTEXT, 32)
            .expect("export")
            .as_bytes()
            .to_vec(),
    }
}

fn key_package<C: MlsConfig>(c: &Client<C>) -> MlsMessage {
    c.generate_key_package_message(Default::default(), Default::default(), None)
        .expect("KeyPackage")
}

/// The scenario on mls-rs.
pub struct MlsRs<C: MlsConfig> {
    suite: u16,
    a: Group<C>,
    b: Group<C>,
    /// J's client (which holds its KeyPackage's keys), then its group.
    j: Option<Client<C>>,
    j_group: Option<Group<C>>,
    joiners: usize,
    n: usize,
    /// Makes a client (for J).
    make: fn(&str, u16) -> Client<C>,
}

/// The setup: A creates the group and adds `n - 1` members in one commit;
/// B joins from the Welcome.
pub fn setup(suite: u16, n: usize) -> Box<dyn Imp> {
    Box::new(setup_with(suite, n, client))
}

fn setup_with<C: MlsConfig>(suite: u16, n: usize, client: fn(&str, u16) -> Client<C>) -> MlsRs<C> {
    let a_client = client(&name(0), suite);
    let mut a = a_client
        .create_group_with_id(GROUP_ID.to_vec(), Default::default(), Default::default(), None)
        .expect("create");
    let b_client = client(&name(1), suite);
    let mut builder = a.commit_builder().add_member(key_package(&b_client)).expect("add");
    for i in 2..n {
        builder = builder.add_member(key_package(&client(&name(i), suite))).expect("add");
    }
    let out = builder.build().expect("commit");
    a.apply_pending_commit().expect("apply");
    let welcome = out
        .welcome_messages
        .first()
        .expect("Welcome")
        .to_bytes()
        .expect("encode");
    let (b, _) = b_client
        .join_group(None, &MlsMessage::from_bytes(&welcome).expect("decode"), None)
        .expect("join");
    MlsRs {
        suite,
        a,
        b,
        j: None,
        j_group: None,
        joiners: 0,
        n,
        make: client,
    }
}

impl<C: MlsConfig> Imp for MlsRs<C> {
    fn commit(&mut self) -> Vec<u8> {
        let out = self.a.commit_builder().build().expect("commit");
        self.a.apply_pending_commit().expect("apply");
        out.commit_message.to_bytes().expect("encode")
    }

    fn process(&mut self, commit: &[u8]) {
        let m = MlsMessage::from_bytes(commit).expect("decode");
        match self.b.process_incoming_message(m) {
            Ok(ReceivedMessage::Commit(_)) => {}
            other => panic!("B did not apply the commit: {other:?}"),
        }
    }

    fn encrypt(&mut self, data: &[u8]) -> Vec<u8> {
        self.a
            .encrypt_application_message(data, Vec::new())
            .expect("send")
            .to_bytes()
            .expect("encode")
    }

    fn decrypt(&mut self, message: &[u8]) -> Vec<u8> {
        let m = MlsMessage::from_bytes(message).expect("decode");
        match self.b.process_incoming_message(m) {
            Ok(ReceivedMessage::ApplicationMessage(a)) => a.data().to_vec(),
            other => panic!("B did not decrypt: {other:?}"),
        }
    }

    fn prepare_join(&mut self) -> Vec<u8> {
        self.joiners += 1;
        let j = (self.make)(&name(self.n + self.joiners), self.suite);
        let out = self
            .a
            .commit_builder()
            .add_member(key_package(&j))
            .expect("add")
            .build()
            .expect("commit");
        self.a.apply_pending_commit().expect("apply");
        self.j = Some(j);
        out.welcome_messages
            .first()
            .expect("Welcome")
            .to_bytes()
            .expect("encode")
    }

    fn join(&mut self, welcome: &[u8]) {
        let j = self.j.as_ref().expect("prepare_join first");
        let m = MlsMessage::from_bytes(welcome).expect("decode");
        let (g, _) = j.join_group(None, &m, None).expect("join");
        self.j_group = Some(g);
    }

    fn state(&mut self, who: Who) -> State {
        match who {
            Who::A => state(&self.a),
            Who::B => state(&self.b),
            Who::J => state(self.j_group.as_ref().expect("J")),
        }
    }
}
