//! `mls-nostd` as a [`Member`].

use super::{Commit, Member, Processed, Propose};
use mls_interop::{Ours, add};
use mls_nostd::codec::{Encode, List};
use mls_nostd::credential::Credential;
use mls_nostd::crypto::CipherSuite;
use mls_nostd::extension::{Extension, ExternalSender, extension_type};
use mls_nostd::group::{Event, KeyPackageKeys, Status};
use mls_nostd::proposal::Proposal;

/// An `mls-nostd` member and its last KeyPackage.
pub struct OursMember<S: CipherSuite> {
    ours: Ours<S>,
    kp: Option<(Vec<u8>, KeyPackageKeys)>,
}

impl<S: CipherSuite + Copy + Default + 'static> OursMember<S> {
    /// A member named `name`.
    pub fn boxed(name: &str) -> Box<dyn Member> {
        Box::new(OursMember {
            ours: Ours::<S>::new(name),
            kp: None,
        })
    }
}

fn text(e: mls_nostd::Error) -> String {
    format!("{e:?}")
}

impl<S: CipherSuite + Copy + Default> Member for OursMember<S> {
    fn implementation(&self) -> &'static str {
        "mls-nostd"
    }

    fn key_package(&mut self) -> Vec<u8> {
        let (kp, keys) = self.ours.key_package();
        self.kp = Some((kp.clone(), keys));
        kp
    }

    fn create(&mut self, group_id: &[u8]) {
        self.ours.create(group_id);
    }

    fn create_with_external_sender(&mut self, group_id: &[u8], signature_key: &[u8], identity: &[u8]) {
        let sender = [ExternalSender {
            signature_key,
            credential: Credential::Basic { identity },
        }];
        let list = List::from_slice(&sender);
        let mut data = vec![0u8; list.encoded_len()];
        list.encode_to(&mut data).expect("encode");
        let ext = [Extension {
            extension_type: extension_type::EXTERNAL_SENDERS,
            data: &data,
        }];
        self.ours.create_with(group_id, &ext);
    }

    fn join(&mut self, welcome: &[u8]) -> Result<(), String> {
        let (kp, keys) = self.kp.take().ok_or("no KeyPackage")?;
        self.ours.join(welcome, &kp, &keys).map_err(text)
    }

    fn commit(&mut self, c: &Commit) -> Result<(Vec<u8>, Option<Vec<u8>>), String> {
        let mut proposals: Vec<Proposal<'_>> = c.adds.iter().map(|kp| add(kp)).collect();
        proposals.extend(c.removes.iter().map(|&removed| Proposal::Remove { removed }));
        let (commit, welcome) = self.ours.commit_with(&proposals, !c.no_path, &());
        // The Delivery Service's echo applies it.
        match self
            .ours
            .group
            .process(&commit, &(), mls_interop::now(), &mut vec![0u8; commit.len()])
        {
            Ok(Event::Commit { own: true, .. }) => Ok((commit, welcome)),
            other => Err(format!("own commit not applied: {other:?}")),
        }
    }

    fn propose(&mut self, p: &Propose) -> Result<Vec<u8>, String> {
        Ok(match p {
            Propose::Add(kp) => self.ours.propose(&add(kp)),
            Propose::Remove(removed) => self.ours.propose(&Proposal::Remove { removed: *removed }),
            Propose::Update => self.ours.propose_update(),
        })
    }

    fn send(&mut self, data: &[u8], aad: &[u8]) -> Result<Vec<u8>, String> {
        Ok(self.ours.send(data, aad))
    }

    fn process(&mut self, msg: &[u8]) -> Result<Processed, String> {
        let mut buf = vec![0u8; msg.len()];
        let e = self
            .ours
            .group
            .process(msg, &(), mls_interop::now(), &mut buf)
            .map_err(text)?;
        Ok(match e {
            Event::Application {
                data,
                authenticated_data,
                ..
            } => Processed::Application(data.to_vec(), authenticated_data.to_vec()),
            Event::Proposal { .. } => Processed::Proposal,
            Event::Commit { .. } => Processed::Commit,
            Event::Removed { .. } => Processed::Removed,
        })
    }

    fn leaf(&self) -> u32 {
        self.ours.group.own_leaf()
    }

    fn group_info(&mut self) -> Result<Vec<u8>, String> {
        Ok(self.ours.group_info())
    }

    fn join_external(&mut self, group_info: &[u8]) -> Result<Vec<u8>, String> {
        self.ours.join_external(group_info).map_err(text)
    }

    fn state(&mut self) -> (u64, Vec<u8>, Vec<u8>) {
        assert_eq!(self.ours.group.status(), Status::Active);
        (
            self.ours.group.epoch(),
            self.ours.group.epoch_authenticator().to_vec(),
            self.ours.exported(),
        )
    }
}
