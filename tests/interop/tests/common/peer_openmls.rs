//! OpenMLS 0.9 (`openmls_rust_crypto`, `openmls_basic_credential`) as a
//! [`Member`].

use super::{Commit, Member, Processed, Propose};
use openmls::prelude::tls_codec::Deserialize;
use openmls::prelude::*;
use openmls::treesync::LeafNodeParameters;
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;

/// An OpenMLS member.
pub struct OpenMls {
    provider: OpenMlsRustCrypto,
    signer: SignatureKeyPair,
    credential: CredentialWithKey,
    suite: Ciphersuite,
    group: Option<MlsGroup>,
}

fn text(e: impl std::fmt::Debug) -> String {
    format!("{e:?}")
}

fn decode(msg: &[u8]) -> Result<MlsMessageBodyIn, String> {
    Ok(MlsMessageIn::tls_deserialize_exact(msg).map_err(text)?.extract())
}

fn key_package(provider: &OpenMlsRustCrypto, kp: &[u8]) -> Result<KeyPackage, String> {
    let MlsMessageBodyIn::KeyPackage(kp) = decode(kp)? else {
        return Err("not a KeyPackage".into());
    };
    kp.validate(provider.crypto(), ProtocolVersion::Mls10).map_err(text)
}

fn bytes(m: MlsMessageOut) -> Result<Vec<u8>, String> {
    m.to_bytes().map_err(text)
}

impl OpenMls {
    /// A member named `name` for cipher suite `suite`.
    pub fn boxed(name: &str, suite: u16) -> Box<dyn Member> {
        let suite = Ciphersuite::try_from(suite).expect("suite");
        let provider = OpenMlsRustCrypto::default();
        let signer = SignatureKeyPair::new(suite.signature_algorithm()).expect("signature key");
        signer.store(provider.storage()).expect("store");
        let credential = CredentialWithKey {
            credential: BasicCredential::new(name.as_bytes().to_vec()).into(),
            signature_key: signer.to_public_vec().into(),
        };
        Box::new(OpenMls {
            provider,
            signer,
            credential,
            suite,
            group: None,
        })
    }
}

impl Member for OpenMls {
    fn implementation(&self) -> &'static str {
        "OpenMLS"
    }

    fn key_package(&mut self) -> Vec<u8> {
        let bundle = KeyPackage::builder()
            .build(self.suite, &self.provider, &self.signer, self.credential.clone())
            .expect("KeyPackage");
        MlsMessageOut::from(bundle.key_package().clone())
            .to_bytes()
            .expect("encode")
    }

    fn create(&mut self, group_id: &[u8]) {
        let group = MlsGroup::builder()
            .ciphersuite(self.suite)
            .with_group_id(GroupId::from_slice(group_id))
            .use_ratchet_tree_extension(true)
            .with_wire_format_policy(MIXED_CIPHERTEXT_WIRE_FORMAT_POLICY)
            .build(&self.provider, &self.signer, self.credential.clone())
            .expect("create");
        self.group = Some(group);
    }

    fn create_with_external_sender(&mut self, group_id: &[u8], signature_key: &[u8], identity: &[u8]) {
        let sender = ExternalSender::new(
            signature_key.to_vec().into(),
            BasicCredential::new(identity.to_vec()).into(),
        );
        let exts = Extensions::single(Extension::ExternalSenders(vec![sender])).expect("extensions");
        let group = MlsGroup::builder()
            .ciphersuite(self.suite)
            .with_group_id(GroupId::from_slice(group_id))
            .use_ratchet_tree_extension(true)
            .with_wire_format_policy(MIXED_CIPHERTEXT_WIRE_FORMAT_POLICY)
            .with_group_context_extensions(exts)
            .build(&self.provider, &self.signer, self.credential.clone())
            .expect("create");
        self.group = Some(group);
    }

    fn join(&mut self, welcome: &[u8]) -> Result<(), String> {
        let MlsMessageBodyIn::Welcome(welcome) = decode(welcome)? else {
            return Err("not a Welcome".into());
        };
        let config = MlsGroupJoinConfig::builder()
            .use_ratchet_tree_extension(true)
            .wire_format_policy(MIXED_CIPHERTEXT_WIRE_FORMAT_POLICY)
            .build();
        let staged = StagedWelcome::new_from_welcome(&self.provider, &config, welcome, None).map_err(text)?;
        self.group = Some(staged.into_group(&self.provider).map_err(text)?);
        Ok(())
    }

    fn commit(&mut self, c: &Commit) -> Result<(Vec<u8>, Option<Vec<u8>>), String> {
        let kps = c
            .adds
            .iter()
            .map(|kp| key_package(&self.provider, kp))
            .collect::<Result<Vec<_>, _>>()?;
        let (p, s) = (&self.provider, &self.signer);
        let g = self.group.as_mut().ok_or("not in a group")?;
        // OpenMLS commits Adds and Removes through one call each, always
        // with a path; the rest through its pending proposals.
        let (commit, welcome) = if !kps.is_empty() {
            for leaf in &c.removes {
                g.propose_remove_member(p, s, LeafNodeIndex::new(*leaf)).map_err(text)?;
            }
            let (commit, welcome, _) = g.add_members(p, s, &kps).map_err(text)?;
            (commit, Some(welcome))
        } else if !c.removes.is_empty() {
            let leaves: Vec<LeafNodeIndex> = c.removes.iter().map(|l| LeafNodeIndex::new(*l)).collect();
            let (commit, welcome, _) = g.remove_members(p, s, &leaves).map_err(text)?;
            (commit, welcome)
        } else if g.pending_proposals().next().is_some() {
            let (commit, welcome, _) = g.commit_to_pending_proposals(p, s).map_err(text)?;
            (commit, welcome)
        } else {
            // A self-update adds nobody: no Welcome.
            let (commit, _, _) = g
                .self_update(p, s, LeafNodeParameters::default())
                .map_err(text)?
                .into_contents();
            (commit, None)
        };
        g.merge_pending_commit(p).map_err(text)?;
        Ok((bytes(commit)?, welcome.map(bytes).transpose()?))
    }

    fn propose(&mut self, q: &Propose) -> Result<Vec<u8>, String> {
        let kp = match q {
            Propose::Add(kp) => Some(key_package(&self.provider, kp)?),
            _ => None,
        };
        let (p, s) = (&self.provider, &self.signer);
        let g = self.group.as_mut().ok_or("not in a group")?;
        let (msg, _) = match (q, kp) {
            (Propose::Add(_), Some(kp)) => g.propose_add_member(p, s, &kp).map_err(text)?,
            (Propose::Remove(leaf), _) => g.propose_remove_member(p, s, LeafNodeIndex::new(*leaf)).map_err(text)?,
            _ => g
                .propose_self_update(p, s, LeafNodeParameters::default())
                .map_err(text)?,
        };
        bytes(msg)
    }

    fn send(&mut self, data: &[u8], aad: &[u8]) -> Result<Vec<u8>, String> {
        let (p, s) = (&self.provider, &self.signer);
        let g = self.group.as_mut().ok_or("not in a group")?;
        g.set_aad(aad.to_vec());
        bytes(g.create_message(p, s, data).map_err(text)?)
    }

    fn process(&mut self, msg: &[u8]) -> Result<Processed, String> {
        let m = MlsMessageIn::tls_deserialize_exact(msg)
            .map_err(text)?
            .try_into_protocol_message()
            .map_err(text)?;
        let p = &self.provider;
        let g = self.group.as_mut().ok_or("not in a group")?;
        let processed = g.process_message(p, m).map_err(text)?;
        let aad = processed.aad().to_vec();
        Ok(match processed.into_content() {
            ProcessedMessageContent::ApplicationMessage(a) => Processed::Application(a.into_bytes(), aad),
            ProcessedMessageContent::StagedCommitMessage(c) => {
                g.merge_staged_commit(p, *c).map_err(text)?;
                if g.is_active() {
                    Processed::Commit
                } else {
                    Processed::Removed
                }
            }
            ProcessedMessageContent::ProposalMessage(q) => {
                g.store_pending_proposal(p.storage(), *q).map_err(text)?;
                Processed::Proposal
            }
            other => return Err(format!("unexpected {other:?}")),
        })
    }

    fn leaf(&self) -> u32 {
        self.group.as_ref().map_or(u32::MAX, |g| g.own_leaf_index().u32())
    }

    fn group_info(&mut self) -> Result<Vec<u8>, String> {
        let g = self.group.as_ref().ok_or("not in a group")?;
        bytes(
            g.export_group_info(self.provider.crypto(), &self.signer, true)
                .map_err(text)?,
        )
    }

    fn join_external(&mut self, group_info: &[u8]) -> Result<Vec<u8>, String> {
        let MlsMessageBodyIn::GroupInfo(gi) = decode(group_info)? else {
            return Err("not a GroupInfo".into());
        };
        let config = MlsGroupJoinConfig::builder()
            .use_ratchet_tree_extension(true)
            .wire_format_policy(MIXED_CIPHERTEXT_WIRE_FORMAT_POLICY)
            .build();
        let (mut group, bundle) = MlsGroup::external_commit_builder()
            .with_config(config)
            .build_group(&self.provider, gi, self.credential.clone())
            .map_err(text)?
            .load_psks(self.provider.storage())
            .map_err(text)?
            .build(self.provider.rand(), self.provider.crypto(), &self.signer, |_| true)
            .map_err(text)?
            .finalize(&self.provider)
            .map_err(text)?;
        if group.pending_commit().is_some() {
            group.merge_pending_commit(&self.provider).map_err(text)?;
        }
        let commit = bytes(bundle.commit().clone())?;
        self.group = Some(group);
        Ok(commit)
    }

    fn state(&mut self) -> (u64, Vec<u8>, Vec<u8>) {
        let crypto = self.provider.crypto();
        let g = self.group.as_ref().expect("in a group");
        (
            g.epoch().as_u64(),
            g.epoch_authenticator().as_slice().to_vec(),
            g.export_secret(crypto, "interop", b"context", 32).expect("export"),
        )
    }
}

/// An external sender (a Delivery Service) whose proposals OpenMLS signs.
pub struct ExternalSenderKey {
    provider: OpenMlsRustCrypto,
    signer: SignatureKeyPair,
    /// Its identity in the `external_senders` extension.
    pub identity: Vec<u8>,
}

impl ExternalSenderKey {
    /// A fresh key for `suite`.
    pub fn new(suite: u16) -> Self {
        let suite = Ciphersuite::try_from(suite).expect("suite");
        let provider = OpenMlsRustCrypto::default();
        let signer = SignatureKeyPair::new(suite.signature_algorithm()).expect("signature key");
        ExternalSenderKey {
            provider,
            signer,
            identity: b"delivery service".to_vec(),
        }
    }

    /// Its signature public key.
    pub fn public_key(&self) -> Vec<u8> {
        self.signer.to_public_vec()
    }

    /// A Remove of `leaf` in `epoch` of `group_id`, as sender 0.
    pub fn remove(&self, group_id: &[u8], epoch: u64, leaf: u32) -> Vec<u8> {
        let m = ExternalProposal::new_remove::<OpenMlsRustCrypto>(
            LeafNodeIndex::new(leaf),
            GroupId::from_slice(group_id),
            GroupEpoch::from(epoch),
            &self.signer,
            SenderExtensionIndex::new(0),
        )
        .expect("external Remove");
        bytes(m).expect("encode")
    }

    /// An Add of the KeyPackage `kp` in `epoch` of `group_id`, as sender 0.
    pub fn add(&self, group_id: &[u8], epoch: u64, kp: &[u8]) -> Vec<u8> {
        let kp = key_package(&self.provider, kp).expect("KeyPackage");
        let m = ExternalProposal::new_add::<OpenMlsRustCrypto>(
            kp,
            GroupId::from_slice(group_id),
            GroupEpoch::from(epoch),
            &self.signer,
            SenderExtensionIndex::new(0),
        )
        .expect("external Add");
        bytes(m).expect("encode")
    }
}
