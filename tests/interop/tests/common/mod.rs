//! One interface over the implementations (`mls-nostd`, the `mls-std`
//! Client, OpenMLS and mls-rs), and a mixed group that passes only MLS wire
//! bytes between its members.

pub mod client;
pub mod mls_rs;
pub mod ours;
pub mod peer_openmls;
pub mod resumption;

/// What processing a message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Processed {
    /// Application data and its AAD.
    Application(Vec<u8>, Vec<u8>),
    /// A proposal, kept.
    Proposal,
    /// A commit, applied.
    Commit,
    /// A commit that removed this member.
    Removed,
}

/// A proposal to send.
#[derive(Debug, Clone)]
pub enum Propose {
    /// Add the KeyPackage (an `MLSMessage`).
    Add(Vec<u8>),
    /// Remove the member at this leaf.
    Remove(u32),
    /// Update the proposer's own leaf.
    Update,
}

/// What a commit covers, besides the proposals the committer holds.
#[derive(Debug, Clone, Default)]
pub struct Commit {
    /// KeyPackages (`MLSMessage`s) to add by value.
    pub adds: Vec<Vec<u8>>,
    /// Leaves to remove by value.
    pub removes: Vec<u32>,
    /// Leave the path out where the proposals allow it (only where the
    /// implementation lets its user choose).
    pub no_path: bool,
}

/// A group member of one of the implementations.
pub trait Member {
    /// Which implementation.
    fn implementation(&self) -> &'static str;
    /// A fresh KeyPackage (`MLSMessage`); the member keeps its private keys
    /// for the Welcome that uses it.
    fn key_package(&mut self) -> Vec<u8>;
    /// Creates a group alone.
    fn create(&mut self, group_id: &[u8]);
    /// Creates a group alone whose `external_senders` extension lists one
    /// sender: a basic credential of `identity` with `signature_key`.
    fn create_with_external_sender(&mut self, group_id: &[u8], signature_key: &[u8], identity: &[u8]);
    /// Joins from a Welcome (`MLSMessage`) for its last KeyPackage.
    fn join(&mut self, welcome: &[u8]) -> Result<(), String>;
    /// Commits and applies its own commit; returns commit and Welcome.
    fn commit(&mut self, c: &Commit) -> Result<(Vec<u8>, Option<Vec<u8>>), String>;
    /// Sends a proposal and keeps it for its own next commit.
    fn propose(&mut self, p: &Propose) -> Result<Vec<u8>, String>;
    /// Encrypts application data with AAD.
    fn send(&mut self, data: &[u8], aad: &[u8]) -> Result<Vec<u8>, String>;
    /// Processes a message from another member.
    fn process(&mut self, msg: &[u8]) -> Result<Processed, String>;
    /// Its leaf index.
    fn leaf(&self) -> u32;
    /// The group's GroupInfo (`MLSMessage`) for external joins, with the
    /// ratchet tree.
    fn group_info(&mut self) -> Result<Vec<u8>, String>;
    /// Joins by external commit from a GroupInfo; returns the commit.
    fn join_external(&mut self, group_info: &[u8]) -> Result<Vec<u8>, String>;
    /// Epoch, epoch authenticator and the exporter's output for
    /// ("interop", "context", 32).
    fn state(&mut self) -> (u64, Vec<u8>, Vec<u8>);
}

/// A mixed group: members in a list, messages delivered to all others.
pub struct Mixed {
    /// The members.
    pub members: Vec<Box<dyn Member>>,
    /// Epochs checked so far.
    pub epochs: usize,
}

impl Mixed {
    /// `creator` alone in `group_id`.
    pub fn new(mut creator: Box<dyn Member>, group_id: &[u8]) -> Mixed {
        creator.create(group_id);
        Mixed {
            members: vec![creator],
            epochs: 0,
        }
    }

    /// `creator` alone in `group_id`, with one external sender.
    pub fn with_external_sender(
        mut creator: Box<dyn Member>,
        group_id: &[u8],
        signature_key: &[u8],
        identity: &[u8],
    ) -> Mixed {
        creator.create_with_external_sender(group_id, signature_key, identity);
        Mixed {
            members: vec![creator],
            epochs: 0,
        }
    }

    /// Delivers a message from outside the group to every member.
    pub fn deliver_external(&mut self, msg: &[u8]) -> Result<(), String> {
        self.deliver(usize::MAX, msg)
    }

    fn who(&self, i: usize) -> String {
        if i == usize::MAX {
            return "the external sender".into();
        }
        format!("member {i} ({})", self.members[i].implementation())
    }

    /// Delivers `msg` from member `from` to every other member; members
    /// removed by it leave the group.
    pub fn deliver(&mut self, from: usize, msg: &[u8]) -> Result<(), String> {
        let mut removed = Vec::new();
        for i in 0..self.members.len() {
            if i == from {
                continue;
            }
            match self.members[i].process(msg) {
                Ok(Processed::Removed) => removed.push(i),
                Ok(_) => {}
                Err(e) => return Err(format!("{} refused a message of {}: {e}", self.who(i), self.who(from))),
            }
        }
        for i in removed.into_iter().rev() {
            self.members.remove(i);
        }
        Ok(())
    }

    /// Member `by` commits `c`; everyone applies it; the new members made
    /// by `joiners` join from the Welcome. Then all must agree.
    pub fn commit(&mut self, by: usize, c: &Commit, joiners: Vec<Box<dyn Member>>) -> Result<(), String> {
        let (commit, welcome) = self.members[by]
            .commit(c)
            .map_err(|e| format!("{} could not commit: {e}", self.who(by)))?;
        self.deliver(by, &commit)?;
        if !joiners.is_empty() {
            let welcome = welcome.ok_or("a commit that adds members without a Welcome")?;
            for mut j in joiners {
                j.join(&welcome)
                    .map_err(|e| format!("a new {} member could not join: {e}", j.implementation()))?;
                self.members.push(j);
            }
        }
        self.agree()
    }

    /// `joiner` joins by external commit from member `from`'s GroupInfo;
    /// everyone applies the commit.
    pub fn external_join(&mut self, from: usize, mut joiner: Box<dyn Member>) -> Result<(), String> {
        let gi = self.members[from]
            .group_info()
            .map_err(|e| format!("{} could not publish a GroupInfo: {e}", self.who(from)))?;
        let commit = joiner
            .join_external(&gi)
            .map_err(|e| format!("a {} member could not join externally: {e}", joiner.implementation()))?;
        self.members.push(joiner);
        self.deliver(self.members.len() - 1, &commit)?;
        self.agree()
    }

    /// Member `by` adds `joiner` by value (with a path); `joiner` joins
    /// from the Welcome.
    pub fn add(&mut self, by: usize, mut joiner: Box<dyn Member>) -> Result<(), String> {
        let kp = joiner.key_package();
        let c = Commit {
            adds: vec![kp],
            ..Default::default()
        };
        self.commit(by, &c, vec![joiner])
    }

    /// Member `by` proposes `p`; everyone else keeps it.
    pub fn propose(&mut self, by: usize, p: &Propose) -> Result<(), String> {
        let msg = self.members[by]
            .propose(p)
            .map_err(|e| format!("{} could not propose {p:?}: {e}", self.who(by)))?;
        self.deliver(by, &msg)
    }

    /// Every member sends a message with AAD and every other decrypts it.
    pub fn talk(&mut self) -> Result<(), String> {
        for from in 0..self.members.len() {
            let text = format!("hello from {}", self.who(from));
            let aad = format!("aad of {from}");
            let msg = self.members[from]
                .send(text.as_bytes(), aad.as_bytes())
                .map_err(|e| format!("{} could not send: {e}", self.who(from)))?;
            for i in 0..self.members.len() {
                if i == from {
                    continue;
                }
                let got = self.members[i]
                    .process(&msg)
                    .map_err(|e| format!("{} could not decrypt {}: {e}", self.who(i), self.who(from)))?;
                if got != Processed::Application(text.clone().into_bytes(), aad.clone().into_bytes()) {
                    return Err(format!("{} decrypted {got:?}, not {text:?}", self.who(i)));
                }
            }
        }
        Ok(())
    }

    /// All members report the same epoch, epoch authenticator and exporter
    /// output.
    pub fn agree(&mut self) -> Result<(), String> {
        let first = self.members[0].state();
        for i in 1..self.members.len() {
            let s = self.members[i].state();
            if s != first {
                return Err(format!(
                    "{} is at epoch {} and differs from {} at epoch {}",
                    self.who(i),
                    s.0,
                    self.who(0),
                    first.0
                ));
            }
        }
        self.epochs += 1;
        Ok(())
    }
}
