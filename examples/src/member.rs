//! One group member: a device with its own RNG, signature key, `Group`
//! state and a "flash" area where the state is saved.

use chacha20::ChaCha20Rng;
use mls_nostd::codec::{Decode, List};
use mls_nostd::credential::Credential;
use mls_nostd::crypto::{CipherSuite, Curve25519Aes128, SignaturePrivateKey};
use mls_nostd::framing::{MlsMessage, Sender};
use mls_nostd::group::{CommitOptions, Event, FixedGroup, Group, GroupConfig, Outgoing, Saved, Status};
use mls_nostd::key_package::{self, KeyPackage, KeyPackageKeys, LeafTemplate};
use mls_nostd::tree::{Capabilities, Lifetime, Now};
use rand_core::SeedableRng;

use crate::ds::Envelope;
use crate::util::{Context, Result};

/// Cipher suite 1: MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.
pub const SUITE: Curve25519Aes128 = Curve25519Aes128;

/// Up to 8 members, 512 bytes per encoded LeafNode; the other bounds keep
/// their defaults (8 out-of-order keys, 1 past epoch, 2 KiB of proposals).
pub type DemoGroup = FixedGroup<Curve25519Aes128, 8, 512>;

/// The demo uses a fixed clock, 2026-01-01T00:00:00Z, so that LeafNode
/// lifetimes are really checked and the output is reproducible. A device
/// without a trustworthy clock passes `Now::NoClock` instead.
pub const UNIX_TIME: u64 = 1_767_225_600;
/// The time every operation is checked against.
pub const NOW: Now = Now::UnixSeconds(UNIX_TIME);
const DAY: u64 = 24 * 3600;

/// Group policies shared by all members.
pub fn config() -> GroupConfig {
    GroupConfig {
        // Application messages are padded to a multiple of 64 bytes, so that
        // their length on the wire hides the length of the text.
        padding: 64,
        // KeyPackages must not claim to be valid for more than 100 days.
        max_lifetime: Some(100 * DAY),
        ..GroupConfig::new()
    }
}

/// What processing one message did, owned (the library's [`Event`]
/// borrows the caller's buffer).
#[derive(Debug, PartialEq)]
pub enum Received {
    /// Joined the group from a Welcome.
    Joined { epoch: u64 },
    /// An application message.
    Application {
        from: String,
        epoch: u64,
        data: Text,
        authenticated_data: Text,
    },
    /// A proposal, kept for the next commit.
    Proposal { from: String },
    /// A commit was applied.
    Commit { from: String, epoch: u64, own: bool },
    /// A commit removed this member.
    Removed { by: String },
}

/// Bytes that are text in this demo: compared as bytes, shown as text.
#[derive(PartialEq)]
pub struct Text(pub Vec<u8>);

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text(s.as_bytes().to_vec())
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(&self.0))
    }
}

/// A client device.
pub struct Member {
    pub name: &'static str,
    pub group: Box<DemoGroup>,
    /// Each device has its own RNG. Seeded here for reproducible output:
    /// real deployments use the OS RNG (`rand::rngs::OsRng`, `getrandom`)
    /// or a hardware TRNG, never a fixed seed.
    pub rng: ChaCha20Rng,
    signature_key: SignaturePrivateKey,
    /// The KeyPackage last published, and its private keys.
    key_package: Option<(Vec<u8>, KeyPackageKeys)>,
    /// The device's persistent storage, with the last saved state.
    pub flash: Vec<u8>,
}

impl Member {
    /// A new client with a fresh signature key pair.
    pub fn new(name: &'static str, seed: [u8; 32]) -> Self {
        let mut rng = ChaCha20Rng::from_seed(seed);
        let (signature_key, _public) = SUITE.signature_key_pair(&mut rng);
        Member {
            name,
            group: Box::new(Group::new(SUITE, config())),
            rng,
            signature_key,
            key_package: None,
            flash: Vec::new(),
        }
    }

    /// Generates a KeyPackage (an `MLSMessage`) and keeps its private keys.
    pub fn key_package(&mut self) -> Result<Vec<u8>> {
        let identity = self.name.as_bytes();
        let template = LeafTemplate {
            credential: Credential::Basic { identity },
            capabilities: Capabilities {
                versions: List::from_slice(&[mls_nostd::MLS10]),
                cipher_suites: List::from_slice(&[Curve25519Aes128::ID]),
                extensions: List::empty(),
                proposals: List::empty(),
                credentials: List::from_slice(&[mls_nostd::credential::credential_type::BASIC]),
            },
            extensions: List::empty(),
        };
        let lifetime = Lifetime {
            not_before: UNIX_TIME - DAY,
            not_after: UNIX_TIME + 90 * DAY,
        };
        let mut out = vec![0u8; 1024];
        let (len, keys) = key_package::generate(
            &SUITE,
            &mut self.rng,
            self.signature_key.as_slice(),
            &template,
            lifetime,
            List::empty(),
            &mut out,
        )
        .context("generate a KeyPackage")?;
        out.truncate(len);
        self.key_package = Some((out.clone(), keys));
        Ok(out)
    }

    /// Creates a one-member group, with the LeafNode of this member's own
    /// KeyPackage as its leaf.
    pub fn create_group(&mut self, group_id: &[u8]) -> Result<()> {
        let (kp_bytes, keys) = self.key_package.take().ok_or("create_group: no KeyPackage")?;
        self.group
            .create_from_key_package(
                group_id,
                &kp_bytes,
                &keys,
                self.signature_key.as_slice(),
                List::empty(),
                &mut self.rng,
            )
            .context("create the group")?;
        self.persist()?;
        Ok(())
    }

    /// Saves the whole state to "flash"; the returned proof releases the
    /// bytes produced so far.
    pub fn persist(&mut self) -> Result<Saved> {
        self.flash.resize(self.group.saved_len(), 0);
        self.group.save(&mut self.flash).context("save the state")
    }

    /// Persist, then transmit: saves the state that produced `outgoing`,
    /// then opens it.
    fn release<T>(&mut self, outgoing: Outgoing<T>) -> Result<T> {
        let saved = self.persist()?;
        outgoing.release(&saved).context("release after save")
    }

    /// A reboot: the RAM state is gone, and a fresh `Group` is restored from
    /// flash. A rebooted device must not replay its RNG either: the seed
    /// stands for the fresh entropy an OS or TRNG gives after a reset.
    pub fn restart(&mut self, new_seed: [u8; 32]) -> Result<()> {
        // The RAM contents are lost: a fresh, empty group takes their place.
        *self.group = Group::new(SUITE, config());
        self.group.restore(&self.flash).context("restore from flash")?;
        self.rng = ChaCha20Rng::from_seed(new_seed);
        Ok(())
    }

    /// Commits, then returns the commit and Welcome to hand to the DS. The
    /// group moves to the new epoch only when the commit comes back.
    pub fn commit(&mut self, options: &CommitOptions<'_>) -> Result<(Vec<u8>, Option<Vec<u8>>)> {
        // The commit and the Welcome are written here. Their size is not
        // known beforehand; 16 KiB is ample for 8 members.
        let mut work = vec![0u8; 16 * 1024];
        let outgoing = self
            .group
            .commit(options, &(), NOW, &mut self.rng, &mut work)
            .context("create a commit")?;
        let out = self.release(outgoing)?;
        Ok((out.commit.to_vec(), out.welcome.map(<[u8]>::to_vec)))
    }

    /// Encrypts an application message.
    pub fn send(&mut self, text: &str, authenticated_data: &str) -> Result<Vec<u8>> {
        let mut out = vec![0u8; text.len() + authenticated_data.len() + 512];
        let outgoing = self
            .group
            .send(text.as_bytes(), authenticated_data.as_bytes(), &mut self.rng, &mut out)
            .context("encrypt an application message")?;
        Ok(self.release(outgoing)?.to_vec())
    }

    /// Proposes fresh keys for this member's own leaf.
    pub fn propose_update(&mut self) -> Result<Vec<u8>> {
        let mut out = vec![0u8; 2048];
        let outgoing = self
            .group
            .propose_update(b"", NOW, &mut self.rng, &mut out)
            .context("propose an Update")?;
        Ok(self.release(outgoing)?.to_vec())
    }

    /// Processes one message from the DS: a Welcome to join, or a group
    /// message. The new state is saved at once.
    pub fn receive(&mut self, envelope: &Envelope) -> Result<Received> {
        let received = self.process(&envelope.bytes).context("process")?;
        self.persist()?;
        Ok(received)
    }

    /// Processes one `MLSMessage` without saving; returns the library's
    /// error, so that a refusal can be shown.
    pub fn process(&mut self, message: &[u8]) -> std::result::Result<Received, mls_nostd::Error> {
        if let MlsMessage::Welcome(_) = MlsMessage::decode_exact(message)? {
            let (kp, keys) = self.key_package.take().ok_or(mls_nostd::Error::Malformed {
                reason: "a Welcome, but no KeyPackage published",
            })?;
            let mut scratch = vec![0u8; 2 * message.len()];
            let joined = self.group.join(
                message,
                &kp,
                &keys,
                self.signature_key.as_slice(),
                None,
                &(),
                NOW,
                &mut scratch,
            );
            if joined.is_err() {
                self.key_package = Some((kp, keys));
            }
            joined?;
            return Ok(Received::Joined {
                epoch: self.group.epoch(),
            });
        }
        let mut buf = vec![0u8; message.len()];
        let event = self.group.process(message, &(), NOW, &mut buf)?;
        let name = |s: Sender| match s {
            Sender::Member(leaf) => identity(&self.group, leaf),
            other => format!("{other:?}"),
        };
        Ok(match event {
            Event::Application {
                sender,
                epoch,
                data,
                authenticated_data,
            } => Received::Application {
                from: identity(&self.group, sender),
                epoch,
                data: Text(data.to_vec()),
                authenticated_data: Text(authenticated_data.to_vec()),
            },
            Event::Proposal { sender } => Received::Proposal { from: name(sender) },
            Event::Commit { sender, epoch, own } => Received::Commit {
                from: name(sender),
                epoch,
                own,
            },
            Event::Removed { sender } => Received::Removed { by: name(sender) },
        })
    }

    /// The members, as `(leaf index, identity)`, from the Basic credentials
    /// in this member's ratchet tree.
    pub fn roster(&self) -> Vec<(u32, String)> {
        self.group
            .members()
            .map(|(leaf, node)| (leaf, credential_identity(&node.credential)))
            .collect()
    }

    /// True while the member is in the group.
    pub fn active(&self) -> bool {
        self.group.status() == Status::Active
    }
}

/// The identity of member `leaf`, from its Basic credential.
pub fn identity(group: &DemoGroup, leaf: u32) -> String {
    match group.member(leaf) {
        Some(node) => credential_identity(&node.credential),
        None => format!("<blank leaf {leaf}>"),
    }
}

fn credential_identity(credential: &Credential<'_>) -> String {
    match credential {
        Credential::Basic { identity } => String::from_utf8_lossy(identity).into_owned(),
        Credential::X509 { .. } => "<x509>".into(),
    }
}

/// Decodes a KeyPackage fetched from the DS.
pub fn parse_key_package(bytes: &[u8]) -> Result<KeyPackage<'_>> {
    match MlsMessage::decode_exact(bytes).context("decode a KeyPackage")? {
        MlsMessage::KeyPackage(kp) => {
            kp.verify(&SUITE).context("verify a KeyPackage signature")?;
            Ok(kp)
        }
        _ => Err("the DS returned something that is not a KeyPackage".into()),
    }
}
