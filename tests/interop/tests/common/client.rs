//! The `mls-std` [`Client`] as a [`Member`]: the host layer over the same
//! core as `mls-nostd`, on growable memory, with its state in
//! `MemoryStorage`. Everything goes through the Client's public API; the
//! harness names members by leaf, the Client by identity, so leaves are
//! mapped to identities through [`Client::members`].

use super::{Commit, Member, Processed, Propose};
use mls_nostd::codec::{Encode, List};
use mls_nostd::credential::Credential;
use mls_nostd::crypto::CipherSuite;
use mls_nostd::extension::{ExternalSender, extension_type};
use mls_std::client::{Client, ClientError, Received, SendOptions, Status, Suite1, Suite2, Suite3};

/// An `mls-std` Client in (at most) one group.
pub struct ClientMember<S: CipherSuite + Copy + Send + Sync + 'static> {
    client: Client<S>,
    /// The group's id, once created or joined.
    group: Option<Vec<u8>>,
    /// Proposals received or sent this epoch: the next commit commits them
    /// (`commit_pending_proposals`); without any it is a `self_update`.
    pending: bool,
}

fn text(e: ClientError) -> String {
    format!("{e:?}")
}

/// A Client member named `name` for cipher suite `suite`.
pub fn boxed(name: &str, suite: u16) -> Box<dyn Member> {
    match suite {
        1 => ClientMember::boxed_with(name, Suite1),
        2 => ClientMember::boxed_with(name, Suite2),
        _ => ClientMember::boxed_with(name, Suite3),
    }
}

impl<S: CipherSuite + Copy + Send + Sync + 'static> ClientMember<S> {
    fn boxed_with(name: &str, suite: S) -> Box<dyn Member> {
        // Seeded from the name, so that a failure can be replayed.
        let mut seed = [0u8; 32];
        for (d, s) in seed.iter_mut().zip(name.bytes()) {
            *d = s;
        }
        seed[30] = b'C';
        seed[31] = S::ID as u8;
        let client = Client::builder(name.as_bytes(), suite)
            .rng_seed(seed)
            .build()
            .expect("Client");
        Box::new(ClientMember {
            client,
            group: None,
            pending: false,
        })
    }

    fn id(&self) -> Result<&[u8], String> {
        self.group.as_deref().ok_or_else(|| "not in a group".to_string())
    }

    /// The identity of the member at `leaf`.
    fn identity(&self, leaf: u32) -> Result<Vec<u8>, String> {
        self.client
            .members(self.id()?)
            .map_err(text)?
            .into_iter()
            .find(|m| m.leaf_index == leaf)
            .map(|m| m.identity)
            .ok_or_else(|| format!("no member at leaf {leaf}"))
    }

    /// The one group this client holds.
    fn only_group(&self) -> Result<Vec<u8>, String> {
        match self.client.groups().map_err(text)?.as_slice() {
            [id] => Ok(id.clone()),
            ids => Err(format!("{} groups, not one", ids.len())),
        }
    }
}

impl<S: CipherSuite + Copy + Send + Sync + 'static> Member for ClientMember<S> {
    fn implementation(&self) -> &'static str {
        "mls-std Client"
    }

    fn key_package(&mut self) -> Vec<u8> {
        self.client.fresh_key_package().expect("KeyPackage")
    }

    fn create(&mut self, group_id: &[u8]) {
        self.client.create_group(group_id).expect("create");
        self.group = Some(group_id.to_vec());
    }

    fn create_with_external_sender(&mut self, group_id: &[u8], signature_key: &[u8], identity: &[u8]) {
        let sender = [ExternalSender {
            signature_key,
            credential: Credential::Basic { identity },
        }];
        let list = List::from_slice(&sender);
        let mut data = vec![0u8; list.encoded_len()];
        list.encode_to(&mut data).expect("encode");
        self.client
            .create_group_with_extensions(group_id, &[(extension_type::EXTERNAL_SENDERS, &data)])
            .expect("create");
        self.group = Some(group_id.to_vec());
    }

    fn join(&mut self, welcome: &[u8]) -> Result<(), String> {
        // The peers put the tree in the Welcome.
        let id = self.client.join_group(welcome).map_err(text)?;
        self.group = Some(id);
        self.pending = false;
        Ok(())
    }

    fn commit(&mut self, c: &Commit) -> Result<(Vec<u8>, Option<Vec<u8>>), String> {
        // The Client always commits with a path: `no_path` is not its
        // user's choice. Each call commits the proposals of this epoch too.
        let id = self.id()?.to_vec();
        let m = match (c.adds.as_slice(), c.removes.as_slice()) {
            ([], []) if self.pending => self.client.commit_pending_proposals(&id).map_err(text)?,
            ([], []) => self.client.self_update(&id).map_err(text)?,
            (adds, []) => {
                let kps: Vec<&[u8]> = adds.iter().map(Vec::as_slice).collect();
                let i = self.client.invite_members(&id, &kps).map_err(text)?;
                let ratchet_tree = i.ratchet_tree;
                if ratchet_tree.is_some() {
                    return Err("the ratchet tree went out of band".into());
                }
                self.pending = false;
                return Ok((i.commit, Some(i.welcome)));
            }
            ([], [leaf]) => {
                let identity = self.identity(*leaf)?;
                self.client.remove_member(&id, &identity).map_err(text)?
            }
            _ => return Err("the Client commits adds, or one remove, per call".into()),
        };
        self.pending = false;
        if m.ratchet_tree.is_some() {
            return Err("the ratchet tree went out of band".into());
        }
        Ok((m.commit, m.welcome))
    }

    fn propose(&mut self, p: &Propose) -> Result<Vec<u8>, String> {
        let id = self.id()?.to_vec();
        let msg = match p {
            Propose::Add(kp) => self.client.propose_add(&id, kp),
            Propose::Remove(leaf) => {
                let identity = self.identity(*leaf)?;
                self.client.propose_remove(&id, &identity)
            }
            Propose::Update => self.client.propose_update(&id),
        }
        .map_err(text)?;
        self.pending = true;
        Ok(msg)
    }

    fn send(&mut self, data: &[u8], aad: &[u8]) -> Result<Vec<u8>, String> {
        let id = self.id()?.to_vec();
        let options = SendOptions {
            authenticated_data: aad,
            commit_pending_first: false,
        };
        let sent = self.client.send_with(&id, data, options).map_err(text)?;
        if sent.commit.is_some() {
            return Err("a commit was made before the message".into());
        }
        Ok(sent.message)
    }

    fn process(&mut self, msg: &[u8]) -> Result<Processed, String> {
        let id = self.id()?.to_vec();
        let received = self.client.receive(msg).map_err(text)?;
        let group = match &received {
            Received::Application { group_id, .. }
            | Received::Proposal { group_id, .. }
            | Received::Commit { group_id, .. }
            | Received::Removed { group_id, .. } => group_id,
            other => return Err(format!("unexpected {other:?}")),
        };
        if *group != id {
            return Err(format!("routed to group {group:?}, not {id:?}"));
        }
        Ok(match received {
            Received::Application {
                data,
                authenticated_data,
                ..
            } => Processed::Application(data, authenticated_data),
            Received::Proposal { .. } => {
                self.pending = true;
                Processed::Proposal
            }
            Received::Removed { .. } => Processed::Removed,
            _ => {
                self.pending = false;
                Processed::Commit
            }
        })
    }

    fn leaf(&self) -> u32 {
        self.group
            .as_deref()
            .and_then(|id| self.client.own_leaf(id).ok())
            .unwrap_or(u32::MAX)
    }

    fn group_info(&mut self) -> Result<Vec<u8>, String> {
        let id = self.id()?.to_vec();
        self.client.group_info(&id).map_err(text)
    }

    fn join_external(&mut self, group_info: &[u8]) -> Result<Vec<u8>, String> {
        let commit = self.client.join_external(group_info).map_err(text)?;
        self.group = Some(self.only_group()?);
        self.pending = false;
        Ok(commit)
    }

    fn state(&mut self) -> (u64, Vec<u8>, Vec<u8>) {
        let id = self.group.clone().expect("in a group");
        assert_eq!(self.client.status(&id).expect("status"), Status::Active);
        (
            self.client.epoch(&id).expect("epoch"),
            self.client.epoch_authenticator(&id).expect("epoch authenticator"),
            self.client.export(&id, b"interop", b"context", 32).expect("export"),
        )
    }
}
