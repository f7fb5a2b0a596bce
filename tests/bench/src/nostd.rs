//! `mls-nostd` driven directly: groups in [`Growable`] memory (as the
//! Client uses them), the default validator `()`, outputs released without
//! a save (persistence is the application's, as OpenMLS's and mls-rs's
//! in-memory storage is theirs).

use crate::imp::{EXPORT_CONTEXT, EXPORT_LABEL, GROUP_ID, Imp, State, Who, name, seed};
use chacha20::ChaCha20Rng;
use mls_nostd::Error;
use mls_nostd::codec::{Encode, List};
use mls_nostd::credential::Credential;
use mls_nostd::crypto::{CipherSuite, SignaturePrivateKey};
use mls_nostd::group::{CommitOptions, Event, Group, GroupConfig, HandshakeFormat, KeyPackageKeys};
use mls_nostd::key_package::{KeyPackage, LeafTemplate, generate};
use mls_nostd::proposal::Proposal;
use mls_nostd::tree::{Capabilities, Lifetime, Now};
use mls_std::memory::Growable;
use rand_core::SeedableRng;

/// The core's group on growable memory, default limits and validator.
type G<S> = Group<S, Growable>;

static VERSIONS: [u16; 1] = [1];
static CREDENTIALS: [u16; 1] = [1];

fn now() -> Now {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Now::UnixSeconds(secs)
}

/// One member: its identity, signature key, RNG and group.
struct Member<S: CipherSuite> {
    name: Vec<u8>,
    sk: SignaturePrivateKey,
    rng: ChaCha20Rng,
    group: Box<G<S>>,
}

impl<S: CipherSuite + Copy + Default> Member<S> {
    fn new(name: &str, salt: u8) -> Self {
        let suite = S::default();
        let mut rng = ChaCha20Rng::from_seed(seed(name, S::ID, salt));
        let (sk, _) = suite.signature_key_pair(&mut rng);
        let config = GroupConfig {
            handshake: HandshakeFormat::Public,
            ..GroupConfig::new()
        };
        Member {
            name: name.as_bytes().to_vec(),
            sk,
            rng,
            group: Box::new(Group::new_in(suite, config, ())),
        }
    }

    /// A fresh KeyPackage (`MLSMessage`) and its private keys.
    fn key_package(&mut self) -> (Vec<u8>, KeyPackageKeys) {
        let suites = [S::ID];
        let template = LeafTemplate {
            credential: Credential::Basic { identity: &self.name },
            capabilities: Capabilities {
                versions: List::from_slice(&VERSIONS),
                cipher_suites: List::from_slice(&suites),
                extensions: List::empty(),
                proposals: List::empty(),
                credentials: List::from_slice(&CREDENTIALS),
            },
            extensions: List::empty(),
        };
        let secs = match now() {
            Now::UnixSeconds(s) => s,
            Now::NoClock => 0,
        };
        let lifetime = Lifetime {
            not_before: secs - 3600,
            not_after: secs + 90 * 86400,
        };
        let mut out = vec![0u8; 4096];
        let (n, keys) = generate(
            &S::default(),
            &mut self.rng,
            self.sk.as_slice(),
            &template,
            lifetime,
            List::empty(),
            &mut out,
        )
        .expect("KeyPackage");
        out.truncate(n);
        (out, keys)
    }

    /// Commits `proposals` with a path and applies the commit (the core
    /// applies its own commit when it is processed back); returns the
    /// commit and the Welcome.
    fn commit(&mut self, proposals: &[Proposal<'_>]) -> (Vec<u8>, Option<Vec<u8>>) {
        let options = CommitOptions {
            proposals,
            force_path: true,
            ratchet_tree_in_welcome: true,
            ..CommitOptions::default()
        };
        let room = 2 * self.group.tree().encoded_len() + 16 * 1024;
        let mut work = vec![0u8; room];
        let out = match self.group.commit(&options, &(), now(), &mut self.rng, &mut work) {
            Ok(o) => o.release_unsaved(),
            Err(Error::BufferTooSmall { needed }) => {
                work = vec![0u8; needed];
                self.group
                    .commit(&options, &(), now(), &mut self.rng, &mut work)
                    .expect("commit")
                    .release_unsaved()
            }
            Err(e) => panic!("commit: {e:?}"),
        };
        let (commit, welcome) = (out.commit.to_vec(), out.welcome.map(<[u8]>::to_vec));
        let mut buf = vec![0u8; commit.len()];
        match self.group.process(&commit, &(), now(), &mut buf) {
            Ok(Event::Commit { own: true, .. }) => {}
            other => panic!("own commit not applied: {other:?}"),
        }
        (commit, welcome)
    }

    fn join(&mut self, welcome: &[u8], kp: &[u8], keys: &KeyPackageKeys) {
        let mut scratch = vec![0u8; 2 * welcome.len() + 1024];
        self.group
            .join(welcome, kp, keys, self.sk.as_slice(), None, &(), now(), &mut scratch)
            .expect("join");
    }

    fn state(&self) -> State {
        let mut exported = vec![0u8; 32];
        self.group
            .export(EXPORT_LABEL.as_bytes(), EXPORT_CONTEXT, &mut exported)
            .expect("export");
        State {
            epoch: self.group.epoch(),
            members: self.group.members().count(),
            exported,
        }
    }
}

/// The scenario on `mls-nostd`.
pub struct Nostd<S: CipherSuite> {
    a: Member<S>,
    b: Member<S>,
    /// J, with the KeyPackage A added, until J joins.
    j: Option<(Member<S>, Vec<u8>, KeyPackageKeys)>,
    /// How many joiners so far (each has a fresh identity).
    joiners: usize,
    n: usize,
}

impl<S: CipherSuite + Copy + Default> Nostd<S> {
    /// The setup: A creates the group and adds `n - 1` members in one
    /// commit; B joins from the Welcome.
    pub fn setup(n: usize) -> Self {
        let mut a = Member::<S>::new(&name(0), 0);
        let (kp, keys) = a.key_package();
        a.group
            .create_from_key_package(GROUP_ID, &kp, &keys, a.sk.as_slice(), List::empty(), &mut a.rng)
            .expect("create");
        let mut b = Member::<S>::new(&name(1), 0);
        let mut kps = Vec::with_capacity(n - 1);
        let mut b_keys = None;
        for i in 1..n {
            let (kp, keys) = if i == 1 {
                b.key_package()
            } else {
                Member::<S>::new(&name(i), 0).key_package()
            };
            if i == 1 {
                b_keys = Some((kp.clone(), keys));
            }
            kps.push(kp);
        }
        let adds: Vec<Proposal<'_>> = kps
            .iter()
            .map(|kp| Proposal::Add {
                key_package: KeyPackage::decode_message(kp).expect("KeyPackage"),
            })
            .collect();
        let (_, welcome) = a.commit(&adds);
        let (b_kp, b_keys) = b_keys.expect("n >= 2");
        b.join(&welcome.expect("Welcome"), &b_kp, &b_keys);
        Nostd {
            a,
            b,
            j: None,
            joiners: 0,
            n,
        }
    }
}

impl<S: CipherSuite + Copy + Default> Imp for Nostd<S> {
    fn commit(&mut self) -> Vec<u8> {
        self.a.commit(&[]).0
    }

    fn process(&mut self, commit: &[u8]) {
        let mut buf = vec![0u8; commit.len()];
        match self.b.group.process(commit, &(), now(), &mut buf) {
            Ok(Event::Commit { .. }) => {}
            other => panic!("B did not apply the commit: {other:?}"),
        }
    }

    fn encrypt(&mut self, data: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; data.len() + 1024];
        let o = self.a.group.send(data, b"", &mut self.a.rng, &mut out).expect("send");
        o.release_unsaved().to_vec()
    }

    fn decrypt(&mut self, message: &[u8]) -> Vec<u8> {
        let mut buf = vec![0u8; message.len()];
        match self.b.group.process(message, &(), now(), &mut buf) {
            Ok(Event::Application { data, .. }) => data.to_vec(),
            other => panic!("B did not decrypt: {other:?}"),
        }
    }

    fn prepare_join(&mut self) -> Vec<u8> {
        self.joiners += 1;
        let mut j = Member::<S>::new(&name(self.n + self.joiners), 1);
        let (kp, keys) = j.key_package();
        let add = Proposal::Add {
            key_package: KeyPackage::decode_message(&kp).expect("KeyPackage"),
        };
        let (_, welcome) = self.a.commit(&[add]);
        self.j = Some((j, kp, keys));
        welcome.expect("Welcome")
    }

    fn join(&mut self, welcome: &[u8]) {
        let (j, kp, keys) = self.j.as_mut().expect("prepare_join first");
        j.join(welcome, kp, keys);
    }

    fn state(&mut self, who: Who) -> State {
        match who {
            Who::A => self.a.state(),
            Who::B => self.b.state(),
            Who::J => self.j.as_ref().expect("J").0.state(),
        }
    }
}
