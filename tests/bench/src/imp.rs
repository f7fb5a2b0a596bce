//! The workload every implementation runs, as a trait, and the checks that
//! it did the work.

/// The length of the application message (`encrypt`, `decrypt`).
pub const MESSAGE_LEN: usize = 1024;

/// The application message every implementation sends.
pub fn message() -> Vec<u8> {
    (0..MESSAGE_LEN).map(|i| (i % 251) as u8).collect()
}

/// The group id every implementation uses.
pub const GROUP_ID: &[u8] = b"mls-bench group";

/// Exporter label and context for the checks.
pub const EXPORT_LABEL: &str = "mls-bench";
/// Exporter context for the checks.
pub const EXPORT_CONTEXT: &[u8] = b"context";

/// Who in the scenario: creator A, member B, joiner J.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// The creator, who commits and encrypts.
    A,
    /// The member who processes and decrypts.
    B,
    /// The joiner.
    J,
}

/// What a member sees of its group, to check that an operation did its work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    /// The epoch.
    pub epoch: u64,
    /// The number of members.
    pub members: usize,
    /// 32 bytes of the exporter (label [`EXPORT_LABEL`]).
    pub exported: Vec<u8>,
}

/// One implementation in one scenario: A created a group of `n` members in
/// one commit, and B joined from its Welcome (the setup, not measured).
pub trait Imp {
    /// A commits an empty commit with an UpdatePath and applies it.
    fn commit(&mut self) -> Vec<u8>;
    /// B processes (and applies) the commit.
    fn process(&mut self, commit: &[u8]);
    /// A encrypts `data` as a PrivateMessage.
    fn encrypt(&mut self, data: &[u8]) -> Vec<u8>;
    /// B decrypts `message`; returns the plaintext.
    fn decrypt(&mut self, message: &[u8]) -> Vec<u8>;
    /// (Not measured.) A adds a fresh KeyPackage of J in one commit,
    /// applies it, and returns the Welcome (with the tree).
    fn prepare_join(&mut self) -> Vec<u8>;
    /// J joins from `welcome`.
    fn join(&mut self, welcome: &[u8]);
    /// What `who` sees of the group.
    fn state(&mut self, who: Who) -> State;
}

/// A fixed seed for a named member, so that runs repeat (callgrind counts).
pub fn seed(name: &str, suite: u16, salt: u8) -> [u8; 32] {
    let mut seed = [0u8; 32];
    for (d, s) in seed.iter_mut().zip(name.bytes()) {
        *d = s;
    }
    seed[29] = salt;
    seed[30] = (suite >> 8) as u8;
    seed[31] = suite as u8;
    seed
}

/// The name of the `i`th member (A is 0, B is 1).
pub fn name(i: usize) -> String {
    match i {
        0 => "A".into(),
        1 => "B".into(),
        _ => format!("member {i}"),
    }
}

/// Panics unless `x` and `y` agree on epoch, members and exporter.
pub fn check_same(what: &str, x: &State, y: &State) {
    assert!(
        x == y,
        "{what}: the two members disagree after the operation: {x:?} vs {y:?}"
    );
}
