//! The group the device joins, built on the host from seeded members, and
//! the device's input script. The same seeds give the same bytes, so the
//! checker rebuilds the group instead of storing the host members' state.

use chacha20::ChaCha20Rng;
use mls_member::proto::{header, input};
use mls_nostd::codec::{Decode, Encode, List};
use mls_nostd::credential::Credential;
use mls_nostd::crypto::{CipherSuite, Curve25519Aes128, SignaturePrivateKey};
use mls_nostd::framing::MlsMessage;
use mls_nostd::group::{CommitOptions, Event, Group, GroupConfig, KeyPackageKeys, Status};
use mls_nostd::key_package::{LeafTemplate, generate};
use mls_nostd::proposal::Proposal;
use mls_nostd::psk::{PreSharedKeyId, Psk};
use mls_nostd::tree::{Capabilities, Lifetime, Now};
use rand_core::SeedableRng;

/// The cipher suite of the scenario (suite 1).
pub type Suite = Curve25519Aes128;
/// A host member's group: room for 64 members whatever the scenario size.
pub type HostGroup = mls_nostd::group::FixedGroup<Suite, 64, 512, 8, 1, 8192>;

/// The scenario's fixed time, in seconds since the Unix epoch. The device
/// has no clock (`Now::NoClock`), as many sensor nodes do not.
pub const NOW: Now = Now::UnixSeconds(1_750_000_000);
const LIFETIME: Lifetime = Lifetime {
    not_before: 1_740_000_000,
    not_after: 1_760_000_000,
};
/// The external PSK the device is provisioned with.
pub const PSK_ID: &[u8] = b"fleet-psk-2026";
/// Its secret.
pub const PSK_SECRET: &[u8] = &[0x42; 32];
/// The PSKs every host member knows.
pub const PSKS: &[(&[u8], &[u8])] = &[(PSK_ID, PSK_SECRET)];
/// The device's credential identity.
pub const DEVICE_IDENTITY: &[u8] = b"sensor-node-0001";
/// Texts the device is told to send, in order.
pub const DEVICE_TEXTS: [&str; 3] = [
    "node 0001: 21.5 C, battery 87 %",
    "node 0001: 21.7 C, battery 87 %",
    "node 0001: rotated keys, 21.6 C",
];

static VERSIONS: [u16; 1] = [1];
static SUITES: [u16; 1] = [1];
static CREDENTIALS: [u16; 1] = [1];

fn capabilities() -> Capabilities<'static> {
    Capabilities {
        versions: List::from_slice(&VERSIONS),
        cipher_suites: List::from_slice(&SUITES),
        extensions: List::empty(),
        proposals: List::empty(),
        credentials: List::from_slice(&CREDENTIALS),
    }
}

/// One host member (or the device, while the host prepares its keys).
pub struct Member {
    /// Identity in its basic credential (16 bytes, like the device's).
    pub name: Vec<u8>,
    sk: SignaturePrivateKey,
    rng: ChaCha20Rng,
    /// Its group.
    pub group: Box<HostGroup>,
}

impl Member {
    fn new(name: &[u8]) -> Member {
        let mut seed = [0u8; 32];
        seed[..name.len()].copy_from_slice(name);
        let mut rng = ChaCha20Rng::from_seed(seed);
        let (sk, _) = Suite::default().signature_key_pair(&mut rng);
        Member {
            name: name.to_vec(),
            sk,
            rng,
            group: Box::new(Group::new(Suite::default(), GroupConfig::new())),
        }
    }

    fn host(i: usize) -> Member {
        Member::new(format!("host member {i:04}").as_bytes())
    }

    fn key_package(&mut self) -> (Vec<u8>, KeyPackageKeys) {
        let mut out = vec![0u8; 2048];
        let template = LeafTemplate {
            credential: Credential::Basic { identity: &self.name },
            capabilities: capabilities(),
            extensions: List::empty(),
        };
        let (n, keys) = generate(
            &Suite::default(),
            &mut self.rng,
            self.sk.as_slice(),
            &template,
            LIFETIME,
            List::empty(),
            &mut out,
        )
        .expect("KeyPackage");
        out.truncate(n);
        (out, keys)
    }

    fn saved(&self) -> mls_nostd::group::Saved {
        let mut out = vec![0u8; self.group.saved_len()];
        self.group.save(&mut out).expect("save")
    }

    fn commit(&mut self, options: &CommitOptions<'_>) -> (Vec<u8>, Option<Vec<u8>>) {
        let mut work = vec![0u8; 1 << 17];
        let out = self
            .group
            .commit(options, PSKS, NOW, &mut self.rng, &mut work)
            .expect("commit");
        let c = out.release(&self.saved()).expect("release");
        (c.commit.to_vec(), c.welcome.map(<[u8]>::to_vec))
    }

    fn propose(&mut self, p: &Proposal<'_>) -> Vec<u8> {
        let mut out = vec![0u8; 4096];
        let o = self
            .group
            .propose(p, b"", NOW, &mut self.rng, &mut out)
            .expect("propose");
        o.release(&self.saved()).expect("release").to_vec()
    }

    fn propose_update(&mut self) -> Vec<u8> {
        let mut out = vec![0u8; 4096];
        let o = self
            .group
            .propose_update(b"", NOW, &mut self.rng, &mut out)
            .expect("propose update");
        o.release(&self.saved()).expect("release").to_vec()
    }

    fn send(&mut self, text: &str) -> Vec<u8> {
        let mut out = vec![0u8; text.len() + 512];
        let o = self
            .group
            .send(text.as_bytes(), b"", &mut self.rng, &mut out)
            .expect("send");
        o.release(&self.saved()).expect("release").to_vec()
    }

    /// Processes `msg`; what it did, as text (application data as text).
    pub fn process(&mut self, msg: &[u8]) -> Result<String, mls_nostd::Error> {
        let mut buf = vec![0u8; msg.len()];
        self.group.process(msg, PSKS, NOW, &mut buf).map(|e| match e {
            Event::Application { data, .. } => String::from_utf8_lossy(data).into_owned(),
            other => format!("{other:?}"),
        })
    }

    fn join(&mut self, welcome: &[u8], kp: &[u8], keys: &KeyPackageKeys) {
        let mut scratch = vec![0u8; 2 * welcome.len() + 1024];
        self.group
            .join(welcome, kp, keys, self.sk.as_slice(), None, PSKS, NOW, &mut scratch)
            .expect("join");
    }
}

/// The device's script and the host members at its end.
pub struct Scenario {
    /// Members of the group other than the device.
    pub members: Vec<Member>,
    /// The device's input script.
    pub script: Vec<u8>,
    /// Largest record body for the device's receive buffer (all but the
    /// ratchet tree, which goes to its download area).
    pub largest_record: usize,
}

impl Scenario {
    fn record(&mut self, kind: u8, body: &[u8]) {
        self.script.extend_from_slice(&header(kind, body.len()));
        self.script.extend_from_slice(body);
    }

    fn message(&mut self, kind: u8, prefix: &[u8], msg: &[u8]) {
        self.largest_record = self.largest_record.max(prefix.len() + msg.len());
        let mut body = prefix.to_vec();
        body.extend_from_slice(msg);
        self.record(kind, &body);
    }

    /// Delivers `msg` from member `from` to every other member, then to the
    /// device as a HANDSHAKE record with the epoch (and authenticator)
    /// every member has afterwards. `tamper` flips its last byte for the
    /// device only.
    fn handshake(&mut self, from: usize, msg: &[u8], is_commit: bool, tamper: bool) {
        // The committer applies its commit when it comes back; a proposer
        // keeps its own proposal already (§12.4.2).
        for (i, m) in self.members.iter_mut().enumerate() {
            if i != from || is_commit {
                let r = m.process(msg).expect("member processes handshake");
                assert!(i != from || r.contains("own: true"), "{r}");
            }
        }
        if is_commit {
            self.agree();
        }
        let g = &self.members[from].group;
        let commit = g.epoch_authenticator().to_vec();
        let auth: &[u8] = if is_commit { &commit } else { &[] };
        let mut prefix = g.epoch().to_le_bytes().to_vec();
        prefix.push(auth.len() as u8);
        prefix.extend_from_slice(auth);
        let mut msg = msg.to_vec();
        if tamper {
            let last = msg.len() - 1;
            msg[last] ^= 1;
        }
        self.message(input::HANDSHAKE, &prefix, &msg);
    }

    /// Every member is active in the same epoch with the same
    /// authenticator; returns the epoch.
    pub fn agree(&self) -> u64 {
        let first = &self.members[0].group;
        for m in self.members.iter().filter(|m| m.group.status() != Status::Removed) {
            assert_eq!(m.group.status(), Status::Active);
            assert_eq!(m.group.epoch(), first.epoch());
            assert_eq!(m.group.epoch_authenticator(), first.epoch_authenticator());
        }
        first.epoch()
    }

    fn application(&mut self, from: usize, text: &str) {
        let msg = self.members[from].send(text);
        for (i, m) in self.members.iter_mut().enumerate() {
            if i != from {
                assert_eq!(m.process(&msg).expect("member decrypts"), text);
            }
        }
        let mut prefix = (text.len() as u16).to_le_bytes().to_vec();
        prefix.extend_from_slice(text.as_bytes());
        self.message(input::APPLICATION, &prefix, &msg);
    }

    /// Index of the member named `host member {i}`.
    fn index(&self, i: usize) -> usize {
        let name = format!("host member {i:04}");
        self.members
            .iter()
            .position(|m| m.name == name.as_bytes())
            .expect("member")
    }

    /// Member `from` commits `proposals` (and those stored); every member
    /// applies it; members added by it join from its Welcome.
    fn commit(&mut self, from: usize, proposals: &[Proposal<'_>], tamper: bool) -> Option<Vec<u8>> {
        let options = CommitOptions {
            proposals,
            ..Default::default()
        };
        let (commit, welcome) = self.members[from].commit(&options);
        self.handshake(from, &commit, true, tamper);
        welcome
    }

    /// Adds new host members `range` in commits by member 0 of at most 30
    /// Adds each (tree in the Welcome).
    fn add_hosts(&mut self, range: std::ops::Range<usize>) {
        let ids: Vec<usize> = range.collect();
        for chunk in ids.chunks(30) {
            let mut new: Vec<Member> = chunk.iter().map(|&i| Member::host(i)).collect();
            let kps: Vec<(Vec<u8>, KeyPackageKeys)> = new.iter_mut().map(Member::key_package).collect();
            let adds: Vec<Proposal<'_>> = kps.iter().map(|(kp, _)| add(kp)).collect();
            let (commit, welcome) = self.members[0].commit(&CommitOptions {
                proposals: &adds,
                ..Default::default()
            });
            for m in &mut self.members {
                m.process(&commit).expect("apply");
            }
            let welcome = welcome.expect("Welcome");
            for (m, (kp, keys)) in new.iter_mut().zip(&kps) {
                m.join(&welcome, kp, keys);
            }
            self.members.extend(new);
        }
    }
}

fn add(kp: &[u8]) -> Proposal<'_> {
    match MlsMessage::decode_exact(kp).expect("KeyPackage") {
        MlsMessage::KeyPackage(key_package) => Proposal::Add { key_package },
        other => panic!("not a KeyPackage: {other:?}"),
    }
}

/// Builds the group of `size` members (the device included) and the
/// device's script. With `tamper`, the first commit the device receives
/// after joining has its last byte flipped (for the device only).
pub fn build(size: usize, tamper: bool) -> Scenario {
    assert!((8..=64).contains(&size));
    let mut s = Scenario {
        members: vec![Member::host(0)],
        script: Vec::new(),
        largest_record: 0,
    };
    let (kp, keys) = s.members[0].key_package();
    let MlsMessage::KeyPackage(k) = MlsMessage::decode_exact(&kp).expect("KeyPackage") else {
        unreachable!()
    };
    let mut rng = ChaCha20Rng::from_seed([7; 32]);
    let group_id = format!("mls-nostd firmware group of {size}");
    let m0 = &mut s.members[0];
    m0.group
        .create(
            group_id.as_bytes(),
            k.leaf_node.raw,
            keys.encryption_key.as_slice(),
            m0.sk.as_slice(),
            List::empty(),
            &mut rng,
        )
        .expect("create");
    // Host members 1 ..= size - 2; the device makes `size`.
    s.add_hosts(1..size - 1);
    // A group in steady state: one member of every pair of leaves has
    // rotated its keys (a commit with a path), so no parent node is blank
    // or has unmerged leaves and a commit encrypts to log2(N) nodes. Right
    // after the batch adds, a commit would encrypt to most leaves (5.7 KB
    // at 64 members instead of about 1 KB).
    for i in (1..s.members.len()).step_by(2) {
        let (commit, _) = s.members[i].commit(&CommitOptions::default());
        for m in &mut s.members {
            m.process(&commit).expect("apply");
        }
    }

    // The device: provisioned keys and a published KeyPackage.
    let mut device = Member::new(DEVICE_IDENTITY);
    let (dkp, dkeys) = device.key_package();
    s.record(input::SIGNATURE_KEY, device.sk.as_slice());
    s.record(input::KEY_PACKAGE, &dkp);
    s.record(input::INIT_KEY, dkeys.init_key.as_slice());
    s.record(input::ENCRYPTION_KEY, dkeys.encryption_key.as_slice());
    let mut psk = vec![PSK_ID.len() as u8];
    psk.extend_from_slice(PSK_ID);
    psk.extend_from_slice(PSK_SECRET);
    s.record(input::PSK, &psk);

    // Member 1 adds the device; the tree goes out of band.
    let (commit, welcome) = s.members[1].commit(&CommitOptions {
        proposals: &[add(&dkp)],
        ratchet_tree_in_welcome: false,
        ..Default::default()
    });
    for m in &mut s.members {
        m.process(&commit).expect("apply");
    }
    let mut tree = vec![0u8; s.members[1].group.tree().encoded_len()];
    s.members[1].group.tree().encode_to(&mut tree).expect("tree");
    s.record(input::RATCHET_TREE, &tree);
    s.message(input::WELCOME, &[], &welcome.expect("Welcome"));

    // Commits by others: a remove, an add by reference, an update by
    // reference, a PSK; application messages in between.
    let (a, b, c) = (s.index(2), s.index(3), s.index(4));
    let removed = s.members[b].group.own_leaf();
    s.commit(a, &[Proposal::Remove { removed }], tamper);
    s.members.remove(b);
    let c = if c > b { c - 1 } else { c };
    s.application(c, "host 0004: door closed");

    let mut newcomer = Member::host(size - 1);
    let (nkp, nkeys) = newcomer.key_package();
    let p = s.members[c].propose(&add(&nkp));
    s.handshake(c, &p, false, false);
    let welcome = s.commit(s.index(5), &[], false).expect("Welcome");
    newcomer.join(&welcome, &nkp, &nkeys);
    s.members.push(newcomer);
    let n = s.members.len() - 1;
    s.application(n, &format!("host {:04}: joined", size - 1));

    let u = s.index(6);
    let p = s.members[u].propose_update();
    s.handshake(u, &p, false, false);
    s.commit(0, &[], false);

    let nonce = [0x5a; 32];
    let psk = Proposal::PreSharedKey {
        psk: PreSharedKeyId {
            psk: Psk::External { psk_id: PSK_ID },
            psk_nonce: &nonce,
        },
    };
    s.commit(s.index(1), &[psk], false);
    s.application(0, "host 0000: all quiet");
    s.application(n, &format!("host {:04}: all quiet too", size - 1));
    s.agree();

    // The device speaks: two messages, its own update (twice: the first is
    // lost to a reset, see the firmware), and one more message.
    s.record(input::SEND, DEVICE_TEXTS[0].as_bytes());
    s.record(input::SEND, DEVICE_TEXTS[1].as_bytes());
    s.record(input::SELF_UPDATE, &[]);
    s.record(input::SELF_UPDATE, &[]);
    s.record(input::SEND, DEVICE_TEXTS[2].as_bytes());
    s.record(input::END, &[]);
    s
}
