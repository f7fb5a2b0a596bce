//! A device that resets between producing a message and sending it never
//! reuses a generation (RFC 9420 §9.1: a key and nonce are used once).
//!
//! `Group::send` and `Group::commit` return `Outgoing` bytes that
//! `Outgoing::release` hands out only against a `Saved` made after they
//! were produced. A "reset" here drops the group and restores a fresh one
//! from the last saved bytes, as a microcontroller does after losing power.
//! The generation each ciphertext used is read from its sender data with
//! the sender-data secret of the receiver's saved state, and the receiver
//! also processes every message.

mod common;

use chacha20::ChaCha20Rng;
use common::{Client, G, NOW, add, event, private, save, saved_epoch_authenticator, two_member_group};
use mls_nostd::Error;
use mls_nostd::crypto::{CipherSuite, Curve25519Aes128, Curve25519ChaCha, P256Aes128};
use mls_nostd::group::{CommitOptions, Group, GroupConfig, HandshakeFormat};
use rand_core::{Rng, SeedableRng};
use std::collections::HashSet;

fn application(sender: u32, epoch: u64, data: &str) -> String {
    format!("Application {{ sender: {sender}, epoch: {epoch}, data: {data:?} }}")
}

impl<S: CipherSuite + Copy> Client<S> {
    /// A client sending handshakes as `handshake`, which is also its seed's
    /// variant byte. Its leaves list no extension types.
    fn new(suite: S, name: &'static str, handshake: HandshakeFormat) -> Self {
        let config = GroupConfig {
            handshake,
            ..GroupConfig::new()
        };
        Client::seeded(suite, name, config, handshake as u8, &[], common::LIFETIME)
    }

    /// Processes `msg` (no PSKs); what it did, as text.
    fn process(&mut self, msg: &[u8]) -> Result<String, Error> {
        self.process_as(msg, &(), event)
    }

    /// The device loses power: what was in RAM is gone, and the group is
    /// restored from `saved` into a fresh one.
    fn reset(&mut self, saved: &[u8]) {
        let mut fresh: Box<G<S>> = Box::new(Group::new(self.suite, self.config));
        fresh.restore(saved).unwrap();
        self.group = fresh;
    }
}

/// Alice creates a group and adds Bob.
fn pair<S: CipherSuite + Copy>(suite: S, handshake: HandshakeFormat) -> (Client<S>, Client<S>) {
    let mut alice = Client::new(suite, "alice", handshake);
    let mut bob = Client::new(suite, "bob", handshake);
    two_member_group(&mut alice, &mut bob, b"reset");
    assert_eq!(alice.group.epoch_authenticator(), bob.group.epoch_authenticator());
    (alice, bob)
}

/// The current epoch's sender-data secret, read from `c`'s saved state:
/// `EpochSecrets` are saved in order (sender data, encryption (erased, so
/// empty), exporter, epoch authenticator, ...), each with a one-byte
/// length, and are located by the epoch authenticator, which is public.
fn sender_data_secret<S: CipherSuite>(c: &Client<S>) -> Vec<u8> {
    let (bytes, at) = saved_epoch_authenticator(&c.group);
    let h = S::HASH_LEN;
    let exporter_at = at - 1 - h;
    assert_eq!(bytes[exporter_at], h as u8);
    assert_eq!(bytes[exporter_at - 1], 0, "encryption secret is saved erased");
    let sds_at = exporter_at - 2 - h;
    assert_eq!(bytes[sds_at], h as u8);
    bytes[sds_at + 1..sds_at + 1 + h].to_vec()
}

/// The (leaf, generation) a PrivateMessage was sent with.
fn generation<S: CipherSuite>(suite: &S, sds: &[u8], msg: &[u8]) -> (u32, u32) {
    let sd = private(msg).sender_data(suite, sds).unwrap();
    (sd.leaf_index, sd.generation)
}

/// (a) The state is saved after encrypting, and the device loses power
/// before sending. Restored from that save, it sends again with the next
/// generation; both ciphertexts would be accepted.
fn saved_then_reset<S: CipherSuite + Copy>(suite: S) {
    let (mut alice, mut bob) = pair(suite, HandshakeFormat::Private);
    let sds = sender_data_secret(&bob);
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let mut out = vec![0u8; 1024];
    let o = alice.group.send(b"first try", b"", &mut rng, &mut out).unwrap();
    let (saved_bytes, saved) = save(&alice.group);
    // Released, ready to go: then the power fails before it is sent.
    let lost = o.release(&saved).unwrap().to_vec();
    alice.reset(&saved_bytes);
    let resent = alice.send(b"second try", b"");
    let first = generation(&suite, &sds, &lost);
    let second = generation(&suite, &sds, &resent);
    assert_eq!(first, (0, 0));
    assert_eq!(second, (0, 1), "the restored state does not reuse the lost generation");
    // The receiver accepts both, in either order.
    let mut other_order: Box<G<S>> = common::copy(&bob.group);
    assert_eq!(bob.process(&resent).unwrap(), application(0, 1, "second try"));
    assert_eq!(bob.process(&lost).unwrap(), application(0, 1, "first try"));
    let mut buf = vec![0u8; lost.len()];
    let e = other_order.process(&lost, &(), NOW, &mut buf).map(event);
    assert_eq!(e.unwrap(), application(0, 1, "first try"));
    let mut buf = vec![0u8; resent.len()];
    let e = other_order.process(&resent, &(), NOW, &mut buf).map(event);
    assert_eq!(e.unwrap(), application(0, 1, "second try"));
}

#[test]
fn saved_then_reset_suite1() {
    saved_then_reset(Curve25519Aes128);
}

#[test]
fn saved_then_reset_suite2() {
    saved_then_reset(P256Aes128);
}

#[test]
fn saved_then_reset_suite3() {
    saved_then_reset(Curve25519ChaCha);
}

/// (b) No save after encrypting: an older `Saved` does not release the
/// bytes, so they never leave the device. Restored from that older save,
/// the device sends and the message is received.
#[test]
fn unsaved_bytes_are_not_released() {
    let suite = Curve25519Aes128;
    let (mut alice, mut bob) = pair(suite, HandshakeFormat::Private);
    let sds = sender_data_secret(&bob);
    let mut rng = ChaCha20Rng::from_seed([2; 32]);
    let (old_bytes, old) = save(&alice.group);
    let mut out = vec![0u8; 1024];
    let o = alice.group.send(b"never sent", b"", &mut rng, &mut out).unwrap();
    assert_eq!(o.release(&old).unwrap_err(), Error::NotSaved);
    // A second message before any save: still not released by the old save.
    let o = alice.group.send(b"never sent either", b"", &mut rng, &mut out).unwrap();
    assert_eq!(o.release(&old).unwrap_err(), Error::NotSaved);
    alice.reset(&old_bytes);
    let m = alice.send(b"after the reset", b"");
    // The generations the unreleased messages took are taken again: safe,
    // because no ciphertext made with them ever left the device.
    assert_eq!(generation(&suite, &sds, &m), (0, 0));
    assert_eq!(bob.process(&m).unwrap(), application(0, 1, "after the reset"));
    let m = alice.send(b"and the next", b"");
    assert_eq!(generation(&suite, &sds, &m), (0, 1));
    assert_eq!(bob.process(&m).unwrap(), application(0, 1, "and the next"));

    // A save made after the bytes were produced releases them; one made
    // before does not, even from a later operation's point of view.
    let (_, before) = save(&alice.group);
    let o1 = alice.group.send(b"one", b"", &mut rng, &mut out).unwrap();
    let mut out2 = vec![0u8; 1024];
    let o2 = alice.group.send(b"two", b"", &mut rng, &mut out2).unwrap();
    let (_, after) = save(&alice.group);
    assert_eq!(o1.release(&before).unwrap_err(), Error::NotSaved);
    let two = o2.release(&after).unwrap().to_vec();
    assert_eq!(bob.process(&two).unwrap(), application(0, 1, "two"));
}

/// Many sends with resets at random points, saving or not: every released
/// ciphertext has its own generation, and the receiver accepts them all.
#[test]
fn no_generation_is_released_twice() {
    let suite = Curve25519Aes128;
    let (mut alice, mut bob) = pair(suite, HandshakeFormat::Private);
    let sds = sender_data_secret(&bob);
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    let (mut latest, mut token) = save(&alice.group);
    let mut released = HashSet::new();
    let mut delivered = 0;
    let mut out = vec![0u8; 1024];
    for i in 0..80u32 {
        let text = format!("message {i}");
        let o = alice.group.send(text.as_bytes(), b"", &mut rng, &mut out).unwrap();
        match rng.next_u32() % 3 {
            // Saved, released and sent.
            0 => {
                (latest, token) = save(&alice.group);
                let m = o.release(&token).unwrap().to_vec();
                assert!(released.insert(generation(&suite, &sds, &m)), "generation reused");
                assert_eq!(bob.process(&m).unwrap(), application(0, 1, &text));
                delivered += 1;
            }
            // Saved and released, then lost on the way.
            1 => {
                (latest, token) = save(&alice.group);
                let m = o.release(&token).unwrap().to_vec();
                assert!(released.insert(generation(&suite, &sds, &m)), "generation reused");
            }
            // Not saved: not released.
            _ => assert_eq!(o.release(&token).unwrap_err(), Error::NotSaved),
        }
        if rng.next_u32() % 2 == 0 {
            alice.reset(&latest);
        }
    }
    assert!(delivered > 10 && released.len() > 20, "{delivered} {}", released.len());
}

/// A commit saved and sent, then a reset before its echo comes back: the
/// restored member holds the pending commit and recognises its own echo.
/// Restored from a save made before the commit, it cannot.
fn commit_reset_before_echo(handshake: HandshakeFormat) {
    let suite = Curve25519Aes128;
    let (mut alice, mut bob) = pair(suite, handshake);
    let (before_commit, _) = save(&alice.group);
    let mut work = vec![0u8; 1 << 16];
    let o = alice
        .group
        .commit(&CommitOptions::default(), &(), NOW, &mut alice.rng, &mut work)
        .unwrap();
    let (saved_bytes, saved) = save(&alice.group);
    let commit = o.release(&saved).unwrap().commit.to_vec();
    // Sent to the Delivery Service; then the power fails.
    alice.reset(&saved_bytes);
    assert_eq!(
        bob.process(&commit).unwrap(),
        "Commit { sender: Member(0), epoch: 2, own: false }"
    );
    // Without the pending commit, the echo is refused and changes nothing.
    let mut forgetful: Box<G<S1>> = Box::new(Group::new(suite, alice.config));
    forgetful.restore(&before_commit).unwrap();
    let mut buf = vec![0u8; commit.len()];
    let err = forgetful.process(&commit, &(), NOW, &mut buf).unwrap_err();
    assert_eq!(
        err,
        Error::Malformed {
            reason: "own commit that is not the pending one"
        }
    );
    assert!(save(&forgetful).0 == before_commit);
    // The restored member applies its echo.
    assert_eq!(
        alice.process(&commit).unwrap(),
        "Commit { sender: Member(0), epoch: 2, own: true }"
    );
    assert_eq!(alice.group.epoch_authenticator(), bob.group.epoch_authenticator());
    let m = alice.send(b"after the echo", b"");
    assert_eq!(bob.process(&m).unwrap(), application(0, 2, "after the echo"));
}

type S1 = Curve25519Aes128;

#[test]
fn commit_reset_before_echo_private() {
    commit_reset_before_echo(HandshakeFormat::Private);
}

#[test]
fn commit_reset_before_echo_public() {
    commit_reset_before_echo(HandshakeFormat::Public);
}

/// A commit saved, then a reset before it is sent: the bytes are lost.
/// The restored member commits again; with PrivateMessage handshakes the
/// new commit takes the next handshake generation. The new commit is
/// applied by everyone, the committer recognising its echo.
fn commit_lost_after_save(handshake: HandshakeFormat) {
    let suite = Curve25519Aes128;
    let (mut alice, mut bob) = pair(suite, handshake);
    let (mut carol, (carol_kp, carol_keys)) = {
        let mut c = Client::new(suite, "carol", handshake);
        let kp = c.key_package();
        (c, kp)
    };
    let options = CommitOptions {
        proposals: &[add(&carol_kp)],
        ..Default::default()
    };
    let sds = sender_data_secret(&bob);
    let mut work = vec![0u8; 1 << 16];
    let o = alice
        .group
        .commit(&options, &(), NOW, &mut alice.rng, &mut work)
        .unwrap();
    let (saved_bytes, saved) = save(&alice.group);
    let lost = o.release(&saved).unwrap().commit.to_vec();
    alice.reset(&saved_bytes);
    let (commit, welcome) = alice.commit(&options, &());
    if handshake == HandshakeFormat::Private {
        assert_eq!(generation(&suite, &sds, &lost), (0, 0));
        assert_eq!(generation(&suite, &sds, &commit), (0, 1));
    }
    assert_eq!(
        bob.process(&commit).unwrap(),
        "Commit { sender: Member(0), epoch: 2, own: false }"
    );
    assert_eq!(
        alice.process(&commit).unwrap(),
        "Commit { sender: Member(0), epoch: 2, own: true }"
    );
    let welcome = welcome.unwrap();
    carol.join(&welcome, &carol_kp, &carol_keys, None, &()).unwrap();
    assert_eq!(alice.group.epoch_authenticator(), bob.group.epoch_authenticator());
    assert_eq!(carol.group.epoch_authenticator(), bob.group.epoch_authenticator());
    // Had the lost commit gone out after all, it is of an epoch now past.
    assert!(bob.process(&lost).is_err());
}

#[test]
fn commit_lost_after_save_private() {
    commit_lost_after_save(HandshakeFormat::Private);
}

#[test]
fn commit_lost_after_save_public() {
    commit_lost_after_save(HandshakeFormat::Public);
}

/// A commit not saved: it is not released, and the device, restored from
/// the older save, commits again; everyone applies that commit.
fn commit_not_saved(handshake: HandshakeFormat) {
    let suite = Curve25519Aes128;
    let (mut alice, mut bob) = pair(suite, handshake);
    let sds = sender_data_secret(&bob);
    let (old_bytes, old) = save(&alice.group);
    let mut work = vec![0u8; 1 << 16];
    let o = alice
        .group
        .commit(&CommitOptions::default(), &(), NOW, &mut alice.rng, &mut work)
        .unwrap();
    assert_eq!(o.release(&old).unwrap_err(), Error::NotSaved);
    alice.reset(&old_bytes);
    let (commit, _) = alice.commit(&CommitOptions::default(), &());
    if handshake == HandshakeFormat::Private {
        // The unreleased commit's generation is taken again: nothing made
        // with it left the device.
        assert_eq!(generation(&suite, &sds, &commit), (0, 0));
    }
    assert_eq!(
        bob.process(&commit).unwrap(),
        "Commit { sender: Member(0), epoch: 2, own: false }"
    );
    assert_eq!(
        alice.process(&commit).unwrap(),
        "Commit { sender: Member(0), epoch: 2, own: true }"
    );
    assert_eq!(alice.group.epoch_authenticator(), bob.group.epoch_authenticator());
}

#[test]
fn commit_not_saved_private() {
    commit_not_saved(HandshakeFormat::Private);
}

#[test]
fn commit_not_saved_public() {
    commit_not_saved(HandshakeFormat::Public);
}

/// A `Saved` names the group and member it was made for: another
/// member's save, even with a higher version, does not release bytes whose
/// state was never saved (a device holding two groups that mixed up the
/// tokens would otherwise reuse a generation after a reset).
#[test]
fn saved_of_another_member_does_not_release_bytes() {
    let suite = Curve25519Aes128;
    let (mut alice, mut bob) = pair(suite, HandshakeFormat::Private);
    // Bob's group has changed more often than Alice's.
    for _ in 0..5 {
        let _ = bob.send(b"to nobody", b"");
    }
    let mut rng = ChaCha20Rng::from_seed([4; 32]);
    let mut out = vec![0u8; 1024];
    let o = alice.group.send(b"unsaved", b"", &mut rng, &mut out).unwrap();
    let (_, bob_token) = save(&bob.group);
    assert_eq!(o.check(&bob_token), Err(Error::NotSaved));
    // Alice's own save, made after the send, does release them.
    let (_, alice_token) = save(&alice.group);
    assert!(o.release(&alice_token).is_ok());
}

/// A proposal saved and then lost in a reset: the restored member keeps it
/// in its store, so it cannot send application data, and a commit that
/// covers its stored proposals refers to one nobody received and is
/// refused. A commit that leaves them out (`include_stored: false`) goes
/// through. (There is no call to resend or drop a stored proposal.)
#[test]
fn proposal_lost_after_save() {
    let suite = Curve25519Aes128;
    let (mut alice, mut bob) = pair(suite, HandshakeFormat::Private);
    let mut carol = Client::new(suite, "carol", HandshakeFormat::Private);
    let (kp, _) = carol.key_package();
    let mut out = vec![0u8; 4096];
    let o = alice
        .group
        .propose(&add(&kp), b"", NOW, &mut alice.rng, &mut out)
        .unwrap();
    let (saved_bytes, saved) = save(&alice.group);
    let _lost = o.release(&saved).unwrap();
    alice.reset(&saved_bytes);
    assert_eq!(alice.group.proposals().iter().count(), 1);
    let mut rng = ChaCha20Rng::from_seed([5; 32]);
    assert_eq!(
        alice.group.send(b"x", b"", &mut rng, &mut out).unwrap_err(),
        Error::ProposalsPending
    );
    let (commit, _) = alice.commit(&CommitOptions::default(), &());
    let (before, _) = save(&bob.group);
    assert_eq!(
        bob.process(&commit).unwrap_err(),
        Error::Malformed {
            reason: "unknown proposal reference"
        }
    );
    assert!(save(&bob.group).0 == before);
    let (commit, _) = alice.commit(
        &CommitOptions {
            include_stored: false,
            ..Default::default()
        },
        &(),
    );
    assert_eq!(
        bob.process(&commit).unwrap(),
        "Commit { sender: Member(0), epoch: 2, own: false }"
    );
    assert_eq!(
        alice.process(&commit).unwrap(),
        "Commit { sender: Member(0), epoch: 2, own: true }"
    );
    let m = alice.send(b"unblocked", b"");
    assert_eq!(bob.process(&m).unwrap(), application(0, 2, "unblocked"));
}
