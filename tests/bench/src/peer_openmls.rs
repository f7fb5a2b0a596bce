//! OpenMLS 0.9 with `OpenMlsRustCrypto` and basic credentials: handshakes
//! as PublicMessages (outgoing plaintext, incoming mixed: application
//! messages stay PrivateMessages), the ratchet tree in the Welcome, the
//! measured commit an empty commit with `force_self_update(true)`, applied
//! by `merge_pending_commit`.

use crate::imp::{EXPORT_CONTEXT, EXPORT_LABEL, GROUP_ID, Imp, State, Who, name};
use openmls::prelude::tls_codec::Deserialize;
use openmls::prelude::*;
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;

/// Outgoing handshakes in plaintext; incoming either.
const POLICY: WireFormatPolicy = MIXED_PLAINTEXT_WIRE_FORMAT_POLICY;

/// One OpenMLS member: its provider (crypto and the storage of its keys),
/// signer, credential and group.
struct Member {
    provider: OpenMlsRustCrypto,
    signer: SignatureKeyPair,
    credential: CredentialWithKey,
    group: Option<MlsGroup>,
}

impl Member {
    fn new(name: &str, suite: Ciphersuite) -> Self {
        let provider = OpenMlsRustCrypto::default();
        let signer = SignatureKeyPair::new(suite.signature_algorithm()).expect("signature key");
        signer.store(provider.storage()).expect("store");
        let credential = CredentialWithKey {
            credential: BasicCredential::new(name.as_bytes().to_vec()).into(),
            signature_key: signer.to_public_vec().into(),
        };
        Member {
            provider,
            signer,
            credential,
            group: None,
        }
    }

    fn key_package(&self, suite: Ciphersuite) -> KeyPackage {
        KeyPackage::builder()
            .build(suite, &self.provider, &self.signer, self.credential.clone())
            .expect("KeyPackage")
            .key_package()
            .clone()
    }

    fn join(&mut self, welcome: &[u8]) {
        let MlsMessageBodyIn::Welcome(welcome) = MlsMessageIn::tls_deserialize_exact(welcome)
            .expect("decode Welcome")
            .extract()
        else {
            panic!("not a Welcome");
        };
        let config = MlsGroupJoinConfig::builder()
            .use_ratchet_tree_extension(true)
            .wire_format_policy(POLICY)
            .build();
        let staged = StagedWelcome::new_from_welcome(&self.provider, &config, welcome, None).expect("Welcome");
        self.group = Some(staged.into_group(&self.provider).expect("join"));
    }

    /// Adds `kps` in one commit, merged; returns the Welcome.
    fn add(&mut self, kps: &[KeyPackage]) -> Vec<u8> {
        let (p, s) = (&self.provider, &self.signer);
        let g = self.group.as_mut().expect("in a group");
        let (_, welcome, _) = g.add_members(p, s, kps).expect("add");
        g.merge_pending_commit(p).expect("merge");
        welcome.to_bytes().expect("encode")
    }

    fn state(&mut self) -> State {
        let crypto = self.provider.crypto();
        let g = self.group.as_ref().expect("in a group");
        State {
            epoch: g.epoch().as_u64(),
            members: g.members().count(),
            exported: g
                .export_secret(crypto, EXPORT_LABEL, EXPORT_CONTEXT, 32)
                .expect("export"),
        }
    }
}

/// The scenario on OpenMLS.
pub struct OpenMls {
    suite: Ciphersuite,
    a: Member,
    b: Member,
    j: Option<Member>,
    joiners: usize,
    n: usize,
}

impl OpenMls {
    /// The setup: A creates the group and adds `n - 1` members in one
    /// commit; B joins from the Welcome.
    pub fn setup(suite: u16, n: usize) -> Self {
        let suite = Ciphersuite::try_from(suite).expect("suite");
        let mut a = Member::new(&name(0), suite);
        let group = MlsGroup::builder()
            .ciphersuite(suite)
            .with_group_id(GroupId::from_slice(GROUP_ID))
            .use_ratchet_tree_extension(true)
            .with_wire_format_policy(POLICY)
            .build(&a.provider, &a.signer, a.credential.clone())
            .expect("create");
        a.group = Some(group);
        let mut b = Member::new(&name(1), suite);
        let mut kps = vec![b.key_package(suite)];
        for i in 2..n {
            kps.push(Member::new(&name(i), suite).key_package(suite));
        }
        let welcome = a.add(&kps);
        b.join(&welcome);
        OpenMls {
            suite,
            a,
            b,
            j: None,
            joiners: 0,
            n,
        }
    }
}

impl Imp for OpenMls {
    fn commit(&mut self) -> Vec<u8> {
        let (p, s) = (&self.a.provider, &self.a.signer);
        let g = self.a.group.as_mut().expect("in a group");
        let bundle = g
            .commit_builder()
            .force_self_update(true)
            .load_psks(p.storage())
            .expect("PSKs")
            .build(p.rand(), p.crypto(), s, |_| true)
            .expect("commit")
            .stage_commit(p)
            .expect("stage");
        g.merge_pending_commit(p).expect("merge");
        bundle.commit().to_bytes().expect("encode")
    }

    fn process(&mut self, commit: &[u8]) {
        let m = MlsMessageIn::tls_deserialize_exact(commit)
            .expect("decode")
            .try_into_protocol_message()
            .expect("protocol message");
        let p = &self.b.provider;
        let g = self.b.group.as_mut().expect("in a group");
        let processed = g.process_message(p, m).expect("process");
        match processed.into_content() {
            ProcessedMessageContent::StagedCommitMessage(c) => g.merge_staged_commit(p, *c).expect("merge"),
            other => panic!("B did not get a commit: {other:?}"),
        }
    }

    fn encrypt(&mut self, data: &[u8]) -> Vec<u8> {
        let (p, s) = (&self.a.provider, &self.a.signer);
        let g = self.a.group.as_mut().expect("in a group");
        g.create_message(p, s, data).expect("send").to_bytes().expect("encode")
    }

    fn decrypt(&mut self, message: &[u8]) -> Vec<u8> {
        let m = MlsMessageIn::tls_deserialize_exact(message)
            .expect("decode")
            .try_into_protocol_message()
            .expect("protocol message");
        let p = &self.b.provider;
        let g = self.b.group.as_mut().expect("in a group");
        match g.process_message(p, m).expect("process").into_content() {
            ProcessedMessageContent::ApplicationMessage(a) => a.into_bytes(),
            other => panic!("B did not decrypt: {other:?}"),
        }
    }

    fn prepare_join(&mut self) -> Vec<u8> {
        self.joiners += 1;
        let j = Member::new(&name(self.n + self.joiners), self.suite);
        let kp = j.key_package(self.suite);
        self.j = Some(j);
        self.a.add(&[kp])
    }

    fn join(&mut self, welcome: &[u8]) {
        self.j.as_mut().expect("prepare_join first").join(welcome);
    }

    fn state(&mut self, who: Who) -> State {
        match who {
            Who::A => self.a.state(),
            Who::B => self.b.state(),
            Who::J => self.j.as_mut().expect("J").state(),
        }
    }
}
