//! mls-rs 0.57 (`mls-rs-crypto-rustcrypto`, basic identities) as a
//! [`Member`].

use super::{Commit, Member, Processed, Propose};
use mls_rs::ExtensionList;
use mls_rs::client_builder::MlsConfig;
use mls_rs::extension::built_in::ExternalSendersExt;
use mls_rs::group::{CommitEffect, ReceivedMessage};
use mls_rs::identity::SigningIdentity;
use mls_rs::identity::basic::{BasicCredential, BasicIdentityProvider};
use mls_rs::{CipherSuiteProvider, Client, CryptoProvider, Group, MlsMessage};
use mls_rs_crypto_rustcrypto::RustCryptoProvider;

/// An mls-rs member.
pub struct MlsRs<C: MlsConfig> {
    client: Client<C>,
    group: Option<Group<C>>,
}

fn text(e: impl std::fmt::Debug) -> String {
    format!("{e:?}")
}

fn decode(msg: &[u8]) -> Result<MlsMessage, String> {
    MlsMessage::from_bytes(msg).map_err(text)
}

/// An mls-rs client named `name` for cipher suite `suite`.
pub fn client(name: &str, suite: u16) -> Client<impl MlsConfig + use<>> {
    let suite = mls_rs::CipherSuite::from(suite);
    let crypto = RustCryptoProvider::default();
    let cs = crypto.cipher_suite_provider(suite).expect("suite");
    let (secret, public) = cs.signature_key_generate().expect("signature key");
    let credential = BasicCredential::new(name.as_bytes().to_vec()).into_credential();
    Client::builder()
        .identity_provider(BasicIdentityProvider)
        .crypto_provider(crypto)
        .signing_identity(SigningIdentity::new(credential, public), secret, suite)
        .build()
}

/// A member named `name` for cipher suite `suite`.
pub fn boxed(name: &str, suite: u16) -> Box<dyn Member> {
    Box::new(MlsRs {
        client: client(name, suite),
        group: None,
    })
}

impl<C: MlsConfig> MlsRs<C> {
    fn group(&mut self) -> Result<&mut Group<C>, String> {
        self.group.as_mut().ok_or_else(|| "not in a group".to_string())
    }
}

impl<C: MlsConfig> Member for MlsRs<C> {
    fn implementation(&self) -> &'static str {
        "mls-rs"
    }

    fn key_package(&mut self) -> Vec<u8> {
        self.client
            .generate_key_package_message(Default::default(), Default::default(), None)
            .and_then(|m| m.to_bytes())
            .expect("KeyPackage")
    }

    fn create(&mut self, group_id: &[u8]) {
        let group = self
            .client
            .create_group_with_id(group_id.to_vec(), Default::default(), Default::default(), None)
            .expect("create");
        self.group = Some(group);
    }

    fn create_with_external_sender(&mut self, group_id: &[u8], signature_key: &[u8], identity: &[u8]) {
        let sender = SigningIdentity::new(
            BasicCredential::new(identity.to_vec()).into_credential(),
            signature_key.to_vec().into(),
        );
        let mut exts = ExtensionList::new();
        exts.set_from(ExternalSendersExt::new(vec![sender])).expect("extension");
        let group = self
            .client
            .create_group_with_id(group_id.to_vec(), exts, Default::default(), None)
            .expect("create");
        self.group = Some(group);
    }

    fn join(&mut self, welcome: &[u8]) -> Result<(), String> {
        let (group, _) = self.client.join_group(None, &decode(welcome)?, None).map_err(text)?;
        self.group = Some(group);
        Ok(())
    }

    fn commit(&mut self, c: &Commit) -> Result<(Vec<u8>, Option<Vec<u8>>), String> {
        let g = self.group()?;
        let mut b = g.commit_builder();
        for kp in &c.adds {
            b = b.add_member(decode(kp)?).map_err(text)?;
        }
        for leaf in &c.removes {
            b = b.remove_member(*leaf).map_err(text)?;
        }
        let out = b.build().map_err(text)?;
        g.apply_pending_commit().map_err(text)?;
        let welcome = out
            .welcome_messages
            .first()
            .map(|w| w.to_bytes())
            .transpose()
            .map_err(text)?;
        Ok((out.commit_message.to_bytes().map_err(text)?, welcome))
    }

    fn propose(&mut self, p: &Propose) -> Result<Vec<u8>, String> {
        let g = self.group()?;
        let m = match p {
            Propose::Add(kp) => g.propose_add(decode(kp)?, Vec::new()),
            Propose::Remove(leaf) => g.propose_remove(*leaf, Vec::new()),
            Propose::Update => g.propose_update(Vec::new()),
        }
        .map_err(text)?;
        m.to_bytes().map_err(text)
    }

    fn send(&mut self, data: &[u8], aad: &[u8]) -> Result<Vec<u8>, String> {
        let m = self
            .group()?
            .encrypt_application_message(data, aad.to_vec())
            .map_err(text)?;
        m.to_bytes().map_err(text)
    }

    fn process(&mut self, msg: &[u8]) -> Result<Processed, String> {
        let m = decode(msg)?;
        Ok(match self.group()?.process_incoming_message(m).map_err(text)? {
            ReceivedMessage::ApplicationMessage(a) => {
                Processed::Application(a.data().to_vec(), a.authenticated_data.clone())
            }
            ReceivedMessage::Commit(c) => match c.effect {
                CommitEffect::Removed { .. } => Processed::Removed,
                _ => Processed::Commit,
            },
            ReceivedMessage::Proposal(_) => Processed::Proposal,
            other => return Err(format!("unexpected {other:?}")),
        })
    }

    fn leaf(&self) -> u32 {
        self.group.as_ref().map_or(u32::MAX, |g| g.current_member_index())
    }

    fn group_info(&mut self) -> Result<Vec<u8>, String> {
        let m = self
            .group()?
            .group_info_message_allowing_ext_commit(true)
            .map_err(text)?;
        m.to_bytes().map_err(text)
    }

    fn join_external(&mut self, group_info: &[u8]) -> Result<Vec<u8>, String> {
        let (group, commit) = self
            .client
            .external_commit_builder()
            .map_err(text)?
            .build(decode(group_info)?)
            .map_err(text)?;
        self.group = Some(group);
        commit.to_bytes().map_err(text)
    }

    fn state(&mut self) -> (u64, Vec<u8>, Vec<u8>) {
        let g = self.group.as_ref().expect("in a group");
        (
            g.current_epoch(),
            g.epoch_authenticator().expect("authenticator").as_bytes().to_vec(),
            g.export_secret(b"interop", b"context", 32)
                .expect("export")
                .as_bytes()
                .to_vec(),
        )
    }
}
