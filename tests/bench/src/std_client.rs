//! The `mls-std` [`Client`] with its default in-memory storage, through its
//! public API only: commit = `self_update`, process and decrypt =
//! `receive`, encrypt = `send`, join = `join_group`. Handshakes are
//! PublicMessages, as for every implementation.

use crate::imp::{EXPORT_CONTEXT, EXPORT_LABEL, GROUP_ID, Imp, State, Who, name, seed};
use mls_nostd::crypto::CipherSuite;
use mls_std::client::{Client, HandshakeFormat, Received};

/// The scenario on the Client.
pub struct Std<S: CipherSuite + Copy + Send + Sync + 'static> {
    suite: S,
    a: Client<S>,
    b: Client<S>,
    j: Option<Client<S>>,
    joiners: usize,
    n: usize,
}

fn client<S: CipherSuite + Copy + Send + Sync + 'static>(suite: S, name: &str, salt: u8) -> Client<S> {
    Client::builder(name.as_bytes(), suite)
        .handshake(HandshakeFormat::Public)
        .rng_seed(seed(name, S::ID, salt))
        .build()
        .expect("Client")
}

impl<S: CipherSuite + Copy + Send + Sync + 'static> Std<S> {
    /// The setup: A creates the group and invites `n - 1` members with one
    /// commit; B joins from the Welcome.
    pub fn setup(suite: S, n: usize) -> Self {
        let a = client(suite, &name(0), 0);
        a.create_group(GROUP_ID).expect("create");
        let b = client(suite, &name(1), 0);
        let mut kps = vec![b.fresh_key_package().expect("KeyPackage")];
        for i in 2..n {
            kps.push(client(suite, &name(i), 0).fresh_key_package().expect("KeyPackage"));
        }
        let refs: Vec<&[u8]> = kps.iter().map(Vec::as_slice).collect();
        let invitation = a.invite_members(GROUP_ID, &refs).expect("invite");
        b.join_group(&invitation.welcome).expect("join");
        Std {
            suite,
            a,
            b,
            j: None,
            joiners: 0,
            n,
        }
    }
}

fn state<S: CipherSuite + Copy + Send + Sync + 'static>(c: &Client<S>) -> State {
    State {
        epoch: c.epoch(GROUP_ID).expect("epoch"),
        members: c.members(GROUP_ID).expect("members").len(),
        exported: c
            .export(GROUP_ID, EXPORT_LABEL.as_bytes(), EXPORT_CONTEXT, 32)
            .expect("export"),
    }
}

impl<S: CipherSuite + Copy + Send + Sync + 'static> Imp for Std<S> {
    fn commit(&mut self) -> Vec<u8> {
        self.a.self_update(GROUP_ID).expect("self_update").commit
    }

    fn process(&mut self, commit: &[u8]) {
        match self.b.receive(commit) {
            Ok(Received::Commit { .. }) => {}
            other => panic!("B did not apply the commit: {other:?}"),
        }
    }

    fn encrypt(&mut self, data: &[u8]) -> Vec<u8> {
        self.a.send(GROUP_ID, data).expect("send")
    }

    fn decrypt(&mut self, message: &[u8]) -> Vec<u8> {
        match self.b.receive(message) {
            Ok(Received::Application { data, .. }) => data,
            other => panic!("B did not decrypt: {other:?}"),
        }
    }

    fn prepare_join(&mut self) -> Vec<u8> {
        self.joiners += 1;
        let j = client(self.suite, &name(self.n + self.joiners), 1);
        let kp = j.fresh_key_package().expect("KeyPackage");
        let welcome = self.a.invite_member(GROUP_ID, &kp).expect("invite").welcome;
        self.j = Some(j);
        welcome
    }

    fn join(&mut self, welcome: &[u8]) {
        let id = self
            .j
            .as_ref()
            .expect("prepare_join first")
            .join_group(welcome)
            .expect("join");
        assert_eq!(id, GROUP_ID, "J joined another group");
    }

    fn state(&mut self, who: Who) -> State {
        match who {
            Who::A => state(&self.a),
            Who::B => state(&self.b),
            Who::J => state(self.j.as_ref().expect("J")),
        }
    }
}
