//! The client end to end: three clients (and a fourth for external joins),
//! the Delivery Service simulated by handing bytes from one to the others.

use mls_std::client::{
    Client, ClientError, ClientEvent, Credential, HandshakeFormat, KeyPackageLifetime, RatchetTreeDelivery, Received,
    SendOptions, Status, Suite1,
};
use mls_std::storage::{MemoryStorage, Space, Storage, StorageError, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

type C = Client<Suite1>;

const G: &[u8] = b"group";

fn client(name: &str) -> C {
    Client::new(name.as_bytes(), Suite1).unwrap()
}

/// Every client agrees on the epoch, its authenticator and an exported
/// secret.
fn agree(group: &[u8], clients: &[&C]) -> u64 {
    let epoch = clients[0].epoch(group).unwrap();
    let auth = clients[0].epoch_authenticator(group).unwrap();
    let export = clients[0].export(group, b"test", b"ctx", 32).unwrap();
    for c in &clients[1..] {
        assert_eq!(c.epoch(group).unwrap(), epoch, "epoch of {:?}", c.identity());
        assert_eq!(c.epoch_authenticator(group).unwrap(), auth, "authenticator");
        assert_eq!(c.export(group, b"test", b"ctx", 32).unwrap(), export, "exporter");
    }
    epoch
}

/// Identities.
type Ids = Vec<Vec<u8>>;

fn commit_of(r: Received) -> (Option<Vec<u8>>, Ids, Ids, u64) {
    match r {
        Received::Commit {
            committer,
            added,
            removed,
            epoch,
            ..
        } => (committer, added, removed, epoch),
        other => panic!("expected a commit, got {other:?}"),
    }
}

/// Alice creates the group, invites Bob, then Charlie.
fn three() -> (C, C, C) {
    let (alice, bob, charlie) = (client("alice"), client("bob"), client("charlie"));
    alice.create_group(G).unwrap();
    let invite = alice.invite_member(G, &bob.fresh_key_package().unwrap()).unwrap();
    assert_eq!(bob.join_group(&invite.welcome).unwrap(), G);
    let invite = alice.invite_member(G, &charlie.fresh_key_package().unwrap()).unwrap();
    let (committer, added, removed, epoch) = commit_of(bob.receive(&invite.commit).unwrap());
    assert_eq!(
        (committer.as_deref(), added, removed, epoch),
        (Some(&b"alice"[..]), vec![b"charlie".to_vec()], vec![], 2)
    );
    assert_eq!(
        charlie.receive(&invite.welcome).unwrap(),
        Received::Joined {
            group_id: G.to_vec(),
            epoch: 2
        }
    );
    assert_eq!(agree(G, &[&alice, &bob, &charlie]), 2);
    (alice, bob, charlie)
}

fn application(r: Received) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    match r {
        Received::Application {
            sender,
            data,
            authenticated_data,
            ..
        } => (sender, data, authenticated_data),
        other => panic!("expected application data, got {other:?}"),
    }
}

#[test]
fn create_invite_join_send_receive() {
    let (alice, bob, charlie) = three();
    let members: Vec<_> = alice
        .members(G)
        .unwrap()
        .into_iter()
        .map(|m| (m.leaf_index, m.identity))
        .collect();
    assert_eq!(
        members,
        vec![(0, b"alice".to_vec()), (1, b"bob".to_vec()), (2, b"charlie".to_vec())]
    );
    assert_eq!(bob.own_leaf(G).unwrap(), 1);
    assert_eq!(alice.groups().unwrap(), vec![G.to_vec()]);

    let m = alice.send(G, b"hello").unwrap();
    for c in [&bob, &charlie] {
        assert_eq!(
            application(c.receive(&m).unwrap()),
            (b"alice".to_vec(), b"hello".to_vec(), vec![])
        );
    }
    let options = SendOptions {
        authenticated_data: b"aad",
        ..Default::default()
    };
    let sent = charlie.send_with(G, b"hi", options).unwrap();
    assert!(sent.commit.is_none());
    assert_eq!(
        application(bob.receive(&sent.message).unwrap()),
        (b"charlie".to_vec(), b"hi".to_vec(), b"aad".to_vec())
    );
    // A replay is refused and changes nothing.
    assert!(bob.receive(&sent.message).is_err());
    assert_eq!(application(alice.receive(&sent.message).unwrap()).1, b"hi");
    // The sender's own message, echoed.
    assert_eq!(
        charlie.receive(&sent.message).unwrap(),
        Received::OwnMessage { group_id: G.to_vec() }
    );
    agree(G, &[&alice, &bob, &charlie]);
}

#[test]
fn proposals_must_be_committed_before_sending() {
    let (alice, bob, charlie) = three();
    let update = bob.propose_update(G).unwrap();
    for c in [&alice, &charlie] {
        assert_eq!(
            c.receive(&update).unwrap(),
            Received::Proposal {
                group_id: G.to_vec(),
                sender: Some(b"bob".to_vec())
            }
        );
    }
    // RFC 9420 §12.4: no application data while proposals wait.
    assert_eq!(alice.send(G, b"too early"), Err(ClientError::ProposalsPending));
    assert_eq!(bob.send(G, b"too early"), Err(ClientError::ProposalsPending));
    let options = SendOptions {
        commit_pending_first: true,
        ..Default::default()
    };
    let sent = alice.send_with(G, b"after the commit", options).unwrap();
    let commit = sent.commit.expect("a commit of Bob's update");
    assert!(commit.welcome.is_none());
    for c in [&bob, &charlie] {
        match c.receive(&commit.commit).unwrap() {
            Received::Commit { updated, epoch, .. } => assert_eq!((updated, epoch), (vec![b"bob".to_vec()], 3)),
            other => panic!("{other:?}"),
        }
    }
    for c in [&bob, &charlie] {
        assert_eq!(application(c.receive(&sent.message).unwrap()).1, b"after the commit");
    }
    agree(G, &[&alice, &bob, &charlie]);
}

#[test]
fn staged_commit_confirmed_discarded_and_echoed() {
    let (alice, bob, charlie) = three();
    assert_eq!(alice.confirm_pending_commit(G), Err(ClientError::NoPendingCommit));
    assert_eq!(alice.discard_pending_commit(G), Err(ClientError::NoPendingCommit));

    // Alice stages a commit adding Dave, by a proposal of her own.
    let dave = client("dave");
    let add = alice.propose_add(G, &dave.fresh_key_package().unwrap()).unwrap();
    for c in [&bob, &charlie] {
        assert!(matches!(c.receive(&add).unwrap(), Received::Proposal { .. }));
    }
    let pending = alice.commit_pending_proposals_staged(G).unwrap();
    assert_eq!(alice.pending_commit(G).unwrap(), Some(pending.clone()));
    // Not applied yet.
    assert_eq!(alice.epoch(G).unwrap(), 2);
    // The Delivery Service accepts it: Alice confirms, the others apply it.
    let confirmed = alice.confirm_pending_commit(G).unwrap();
    assert_eq!(confirmed.commit, pending.commit);
    let welcome = confirmed.welcome.expect("a Welcome for Dave");
    for c in [&bob, &charlie] {
        let (_, added, _, epoch) = commit_of(c.receive(&pending.commit).unwrap());
        assert_eq!((added, epoch), (vec![b"dave".to_vec()], 3));
    }
    dave.join_group(&welcome).unwrap();
    assert_eq!(alice.pending_commit(G).unwrap(), None);
    agree(G, &[&alice, &bob, &charlie, &dave]);

    // Bob and Charlie both commit; the Delivery Service takes Charlie's.
    let bobs = bob.commit_pending_proposals_staged(G).unwrap();
    let charlies = charlie.commit_pending_proposals_staged(G).unwrap();
    bob.discard_pending_commit(G).unwrap();
    assert_eq!(bob.pending_commit(G).unwrap(), None);
    for c in [&alice, &bob, &dave] {
        let (committer, ..) = commit_of(c.receive(&charlies.commit).unwrap());
        assert_eq!(committer.as_deref(), Some(&b"charlie"[..]));
    }
    // Charlie's own commit comes back from the Delivery Service: applied.
    let (committer, _, _, epoch) = commit_of(charlie.receive(&charlies.commit).unwrap());
    assert_eq!((committer.as_deref(), epoch), (Some(&b"charlie"[..]), 4));
    // Bob's losing commit is refused by everyone.
    for c in [&alice, &charlie, &dave] {
        assert!(c.receive(&bobs.commit).is_err());
    }
    agree(G, &[&alice, &bob, &charlie, &dave]);

    // A staged commit is dropped when another commit arrives first.
    let alices = alice.commit_pending_proposals_staged(G).unwrap();
    let update = bob.self_update(G).unwrap();
    for c in [&alice, &charlie, &dave] {
        c.receive(&update.commit).unwrap();
    }
    assert_eq!(alice.pending_commit(G).unwrap(), None);
    assert!(charlie.receive(&alices.commit).is_err());
    agree(G, &[&alice, &bob, &charlie, &dave]);
}

#[test]
fn remove_and_leave() {
    let (alice, bob, charlie) = three();
    let removal = alice.remove_member(G, b"charlie").unwrap();
    assert_eq!(alice.remove_member(G, b"nobody"), Err(ClientError::UnknownMember));
    let (committer, added, removed, _) = commit_of(bob.receive(&removal.commit).unwrap());
    assert_eq!(
        (committer, added, removed),
        (Some(b"alice".to_vec()), vec![], vec![b"charlie".to_vec()])
    );
    assert_eq!(
        charlie.receive(&removal.commit).unwrap(),
        Received::Removed {
            group_id: G.to_vec(),
            by: Some(b"alice".to_vec())
        }
    );
    assert_eq!(charlie.status(G).unwrap(), Status::Removed);
    assert!(charlie.send(G, b"x").is_err());
    agree(G, &[&alice, &bob]);

    // Bob leaves: his proposal, committed by Alice.
    let leave = bob.leave_group(G).unwrap();
    assert!(matches!(alice.receive(&leave).unwrap(), Received::Proposal { .. }));
    let commit = alice.commit_pending_proposals(G).unwrap();
    assert!(matches!(bob.receive(&commit.commit).unwrap(), Received::Removed { .. }));
    assert_eq!(
        alice
            .members(G)
            .unwrap()
            .into_iter()
            .map(|m| m.identity)
            .collect::<Vec<_>>(),
        vec![b"alice".to_vec()]
    );
    // A removed client forgets the group.
    bob.forget_group(G).unwrap();
    assert_eq!(bob.groups().unwrap(), Vec::<Vec<u8>>::new());
    assert_eq!(bob.epoch(G), Err(ClientError::UnknownGroup));
}

#[test]
fn external_join_and_resync() {
    let (alice, bob, charlie) = three();
    let dave = client("dave");
    let group_info = bob.group_info(G).unwrap();
    let commit = dave.join_external(&group_info).unwrap();
    for c in [&alice, &bob, &charlie] {
        let (committer, added, ..) = commit_of(c.receive(&commit).unwrap());
        assert_eq!((committer, added), (None, vec![b"dave".to_vec()]));
    }
    let epoch = agree(G, &[&alice, &bob, &charlie, &dave]);
    let m = dave.send(G, b"in").unwrap();
    assert_eq!(application(alice.receive(&m).unwrap()).0, b"dave");

    // Charlie, a member, rejoins (as after losing state): its old leaf is
    // replaced.
    let commit = charlie.join_external(&alice.group_info(G).unwrap()).unwrap();
    for c in [&alice, &bob, &dave] {
        c.receive(&commit).unwrap();
    }
    assert_eq!(agree(G, &[&alice, &bob, &charlie, &dave]), epoch + 1);
    assert_eq!(alice.members(G).unwrap().len(), 4);
    let m = charlie.send(G, b"back").unwrap();
    assert_eq!(application(bob.receive(&m).unwrap()).1, b"back");
}

#[test]
fn key_packages_are_used_once_but_last_resort_is_kept() {
    let (alice, bob) = (client("alice"), client("bob"));
    let key_package = bob.fresh_key_package().unwrap();
    let last_resort = bob.last_resort_key_package().unwrap();
    let groups = [&b"four"[..], b"one", b"three", b"two"];
    for g in groups {
        alice.create_group(g).unwrap();
    }
    assert_eq!(alice.create_group(b"one"), Err(ClientError::GroupExists));
    assert!(matches!(
        alice.invite_members(b"one", &[]),
        Err(ClientError::InvalidArgument(_))
    ));
    assert_eq!(alice.epoch(b"one").unwrap(), 0);
    let first = alice.invite_member(b"one", &key_package).unwrap();
    let second = alice.invite_member(b"two", &key_package).unwrap();
    bob.join_group(&first.welcome).unwrap();
    assert_eq!(bob.join_group(&second.welcome), Err(ClientError::KeyPackageNotFound));
    // The last-resort KeyPackage serves twice.
    let three = alice.invite_member(b"three", &last_resort).unwrap();
    let four = alice.invite_member(b"four", &last_resort).unwrap();
    bob.join_group(&three.welcome).unwrap();
    bob.join_group(&four.welcome).unwrap();
    assert_eq!(
        bob.groups().unwrap(),
        vec![b"four".to_vec(), b"one".to_vec(), b"three".to_vec()]
    );
    for g in [&b"one"[..], b"three", b"four"] {
        agree(g, &[&alice, &bob]);
    }
    // A Welcome is not joined twice.
    assert_eq!(bob.join_group(&three.welcome), Err(ClientError::GroupExists));
}

/// Storage that can be told to fail its writes.
#[derive(Default)]
struct Flaky {
    inner: MemoryStorage,
    fail: AtomicBool,
}

impl Storage for Flaky {
    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        self.inner.get(space, key)
    }
    fn keys(&self, space: Space) -> Result<Vec<Vec<u8>>, StorageError> {
        self.inner.keys(space)
    }
    fn apply(&self, batch: &[Write]) -> Result<(), StorageError> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(StorageError::Io("disk full".into()));
        }
        self.inner.apply(batch)
    }
}

#[test]
fn reopened_client_finds_its_key_and_groups() {
    let storage = Arc::new(MemoryStorage::new());
    let (alice, charlie) = (client("alice"), client("charlie"));
    let bob = Client::builder(b"bob", Suite1)
        .storage(storage.clone())
        .build()
        .unwrap();
    let key_package = bob.fresh_key_package().unwrap();
    alice.create_group(G).unwrap();
    bob.join_group(&alice.invite_member(G, &key_package).unwrap().welcome)
        .unwrap();
    let invite = alice.invite_member(G, &charlie.fresh_key_package().unwrap()).unwrap();
    bob.receive(&invite.commit).unwrap();
    charlie.join_group(&invite.welcome).unwrap();
    // Bob stages a commit, then stops.
    let update = charlie.propose_update(G).unwrap();
    alice.receive(&update).unwrap();
    bob.receive(&update).unwrap();
    let pending = bob.commit_pending_proposals_staged(G).unwrap();
    let key = bob.members(G).unwrap()[1].signature_key.clone();
    let kp_later = bob.fresh_key_package().unwrap();
    drop(bob);

    let bob = Client::builder(b"bob", Suite1)
        .storage(storage.clone())
        .build()
        .unwrap();
    assert_eq!(bob.groups().unwrap(), vec![G.to_vec()]);
    assert_eq!(bob.pending_commit(G).unwrap(), Some(pending.clone()));
    let confirmed = bob.confirm_pending_commit(G).unwrap();
    assert_eq!(confirmed.commit, pending.commit);
    for c in [&alice, &charlie] {
        c.receive(&pending.commit).unwrap();
    }
    agree(G, &[&alice, &bob, &charlie]);
    let m = bob.send(G, b"after restart").unwrap();
    assert_eq!(
        application(alice.receive(&m).unwrap()),
        (b"bob".to_vec(), b"after restart".to_vec(), vec![])
    );
    // The same signature key, and the KeyPackage made before the restart.
    assert_eq!(bob.members(G).unwrap()[1].signature_key, key);
    alice.create_group(b"later").unwrap();
    let invite = alice.invite_member(b"later", &kp_later).unwrap();
    bob.join_group(&invite.welcome).unwrap();
    agree(b"later", &[&alice, &bob]);
}

#[test]
fn failed_storage_keeps_memory_as_stored() {
    let storage = Arc::new(Flaky::default());
    let (bob, charlie) = (client("bob"), client("charlie"));
    let alice = Client::builder(b"alice", Suite1)
        .storage(storage.clone())
        .build()
        .unwrap();
    alice.create_group(G).unwrap();
    bob.join_group(
        &alice
            .invite_member(G, &bob.fresh_key_package().unwrap())
            .unwrap()
            .welcome,
    )
    .unwrap();

    storage.fail.store(true, Ordering::SeqCst);
    let kp = charlie.fresh_key_package().unwrap();
    assert!(matches!(alice.invite_member(G, &kp), Err(ClientError::Storage(_))));
    assert!(matches!(alice.send(G, b"lost"), Err(ClientError::Storage(_))));
    assert!(matches!(alice.create_group(b"other"), Err(ClientError::Storage(_))));
    assert!(matches!(alice.fresh_key_package(), Err(ClientError::Storage(_))));
    // Nothing moved: the group is still in epoch 1 with two members.
    assert_eq!(alice.epoch(G).unwrap(), 1);
    assert_eq!(alice.members(G).unwrap().len(), 2);
    assert_eq!(alice.groups().unwrap(), vec![G.to_vec()]);

    storage.fail.store(false, Ordering::SeqCst);
    let m = alice.send(G, b"kept").unwrap();
    assert_eq!(application(bob.receive(&m).unwrap()).1, b"kept");
    let invite = alice.invite_member(G, &kp).unwrap();
    bob.receive(&invite.commit).unwrap();
    charlie.join_group(&invite.welcome).unwrap();
    agree(G, &[&alice, &bob, &charlie]);
}

#[test]
fn events_reach_the_handler() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let bob = Client::builder(b"bob", Suite1)
        .on_event(move |e| log.lock().unwrap().push(e.clone()))
        .build()
        .unwrap();
    let (alice, charlie) = (client("alice"), client("charlie"));
    alice.create_group(G).unwrap();
    bob.join_group(
        &alice
            .invite_member(G, &bob.fresh_key_package().unwrap())
            .unwrap()
            .welcome,
    )
    .unwrap();
    let invite = alice.invite_member(G, &charlie.fresh_key_package().unwrap()).unwrap();
    bob.receive(&invite.commit).unwrap();
    charlie.join_group(&invite.welcome).unwrap();
    bob.receive(&alice.send(G, b"hi").unwrap()).unwrap();
    let update = bob.self_update(G).unwrap();
    alice.receive(&update.commit).unwrap();
    charlie.receive(&update.commit).unwrap();
    let removal = alice.remove_member(G, b"charlie").unwrap();
    bob.receive(&removal.commit).unwrap();
    let removal = alice.remove_member(G, b"bob").unwrap();
    bob.receive(&removal.commit).unwrap();
    let g = || G.to_vec();
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            ClientEvent::GroupJoined {
                group_id: g(),
                epoch: 1
            },
            ClientEvent::MemberJoined {
                group_id: g(),
                identity: b"charlie".to_vec()
            },
            ClientEvent::EpochAdvanced {
                group_id: g(),
                epoch: 2
            },
            ClientEvent::MessageReceived {
                group_id: g(),
                sender: b"alice".to_vec()
            },
            ClientEvent::EpochAdvanced {
                group_id: g(),
                epoch: 3
            },
            ClientEvent::SelfUpdated {
                group_id: g(),
                epoch: 3
            },
            ClientEvent::MemberRemoved {
                group_id: g(),
                identity: b"charlie".to_vec()
            },
            ClientEvent::EpochAdvanced {
                group_id: g(),
                epoch: 4
            },
            ClientEvent::SelfRemoved { group_id: g() },
        ]
    );
}

#[test]
fn tree_out_of_band_public_handshakes_and_padding() {
    let make = |name: &str| {
        Client::builder(name.as_bytes(), Suite1)
            .ratchet_tree(RatchetTreeDelivery::OutOfBand)
            .handshake(HandshakeFormat::Public)
            .padding(64)
            .build()
            .unwrap()
    };
    let (alice, bob, charlie) = (make("alice"), make("bob"), make("charlie"));
    alice.create_group(G).unwrap();
    let invite = alice.invite_member(G, &bob.fresh_key_package().unwrap()).unwrap();
    let tree = invite.ratchet_tree.expect("the tree beside the Welcome");
    assert!(bob.join_group(&invite.welcome).is_err(), "no tree in the Welcome");
    bob.join_group_with_tree(&invite.welcome, &tree).unwrap();
    assert_eq!(alice.ratchet_tree(G).unwrap(), tree);
    // External join with the tree out of band.
    let commit = charlie
        .join_external_with_tree(&alice.group_info(G).unwrap(), &alice.ratchet_tree(G).unwrap())
        .unwrap();
    alice.receive(&commit).unwrap();
    bob.receive(&commit).unwrap();
    agree(G, &[&alice, &bob, &charlie]);
    // Padding hides the length of short messages.
    let (short, long) = (alice.send(G, b"a").unwrap(), alice.send(G, b"abcdefghij").unwrap());
    assert_eq!(short.len(), long.len());
    assert_eq!(application(bob.receive(&short).unwrap()).1, b"a");
}

#[test]
fn hostile_bytes_are_refused_without_panic() {
    let (alice, bob, _charlie) = three();
    let m = alice.send(G, b"hello").unwrap();
    let commit = alice.self_update(G).unwrap().commit;
    for bytes in [&m, &commit] {
        for n in 0..bytes.len() {
            assert!(bob.receive(&bytes[..n]).is_err(), "truncated at {n}");
        }
        for i in (0..bytes.len()).step_by(7) {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0x40;
            assert!(bob.receive(&flipped).is_err(), "flipped at {i}");
        }
    }
    assert_eq!(
        bob.receive(&[]).map(|_| ()),
        Err(ClientError::Mls(mls_nostd::Error::Truncated))
    );
    // A KeyPackage is not a message to receive; an unknown group is named.
    assert_eq!(
        bob.receive(&bob.fresh_key_package().unwrap()),
        Err(ClientError::UnexpectedMessage)
    );
    let other = client("eve");
    other.create_group(b"elsewhere").unwrap();
    other
        .invite_member(b"elsewhere", &client("x").fresh_key_package().unwrap())
        .unwrap();
    let stray = other.send(b"elsewhere", b"?").unwrap();
    assert_eq!(bob.receive(&stray), Err(ClientError::UnknownGroup));
    // After all that, Bob still follows the group.
    assert!(matches!(bob.receive(&commit).unwrap(), Received::Commit { .. }));
    assert_eq!(
        application(bob.receive(&alice.send(G, b"still").unwrap()).unwrap()).1,
        b"still"
    );
}

#[test]
fn groups_in_parallel_from_threads() {
    let (alice, bob) = (client("alice"), client("bob"));
    let groups: Vec<Vec<u8>> = (0..4).map(|i| format!("group {i}").into_bytes()).collect();
    std::thread::scope(|s| {
        for g in &groups {
            let (alice, bob) = (&alice, &bob);
            s.spawn(move || {
                alice.create_group(g).unwrap();
                let invite = alice.invite_member(g, &bob.fresh_key_package().unwrap()).unwrap();
                bob.join_group(&invite.welcome).unwrap();
                for i in 0..10u8 {
                    let m = alice.send(g, &[i]).unwrap();
                    assert_eq!(application(bob.receive(&m).unwrap()).1, vec![i]);
                    let reply = bob.send(g, &[i, i]).unwrap();
                    assert_eq!(application(alice.receive(&reply).unwrap()).1, vec![i, i]);
                }
                let update = bob.self_update(g).unwrap();
                alice.receive(&update.commit).unwrap();
            });
        }
    });
    // Two threads on one group take turns.
    let g = &groups[0];
    let sent = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..5 {
                    let m = alice.send(g, b"turn").unwrap();
                    sent.lock().unwrap().push(m);
                }
            });
        }
    });
    for m in sent.into_inner().unwrap() {
        assert_eq!(application(bob.receive(&m).unwrap()).1, b"turn");
    }
    for g in &groups {
        assert_eq!(agree(g, &[&alice, &bob]), 2);
    }
    fn send_sync<T: Send + Sync>(_: &T) {}
    send_sync(&alice);
}

/// Create, invite, send and update with suite `S`.
fn short_flow<S: mls_nostd::crypto::CipherSuite + Copy + Send + Sync + 'static>(suite: S) {
    let alice = Client::new(b"alice", suite).unwrap();
    let bob = Client::new(b"bob", suite).unwrap();
    alice.create_group(G).unwrap();
    bob.join_group(
        &alice
            .invite_member(G, &bob.fresh_key_package().unwrap())
            .unwrap()
            .welcome,
    )
    .unwrap();
    let m = bob.send(G, b"suite").unwrap();
    assert!(matches!(alice.receive(&m).unwrap(), Received::Application { data, .. } if data == b"suite"));
    alice.receive(&bob.self_update(G).unwrap().commit).unwrap();
    assert_eq!(
        alice.epoch_authenticator(G).unwrap(),
        bob.epoch_authenticator(G).unwrap()
    );
}

#[test]
fn every_suite() {
    short_flow(Suite1);
    short_flow(mls_std::client::Suite2);
    short_flow(mls_std::client::Suite3);
}

#[test]
fn x509_credentials() {
    let cert = |name: &str| {
        rcgen::generate_simple_self_signed(vec![name.to_string()])
            .unwrap()
            .cert
            .der()
            .to_vec()
    };
    let (alice_cert, bob_cert) = (cert("alice.example"), cert("bob.example"));
    let alice = Client::builder(b"alice", Suite1)
        .x509(vec![alice_cert.clone()])
        .build()
        .unwrap();
    // A Basic member and an X.509 member share a group.
    let bob = Client::builder(b"bob", Suite1)
        .x509(vec![bob_cert.clone()])
        .build()
        .unwrap();
    let carol = client("carol");
    alice.create_group(G).unwrap();
    let invite = alice
        .invite_members(
            G,
            &[&bob.fresh_key_package().unwrap(), &carol.fresh_key_package().unwrap()],
        )
        .unwrap();
    bob.join_group(&invite.welcome).unwrap();
    carol.join_group(&invite.welcome).unwrap();
    let members = carol.members(G).unwrap();
    assert_eq!(
        members[1].credential,
        Credential::X509 {
            chain: vec![bob_cert.clone()]
        }
    );
    assert_eq!(members[1].identity, bob_cert);
    alice.remove_member(G, &bob_cert).unwrap();
    assert_eq!(alice.members(G).unwrap().len(), 2);
}

#[test]
fn seeded_clients_are_reproducible_and_keys_are_checked() {
    let make = |storage: Arc<MemoryStorage>| {
        Client::builder(b"alice", Suite1)
            .storage(storage)
            .rng_seed([7; 32])
            .clock(|| 1_800_000_000)
            .key_package_lifetime(KeyPackageLifetime::Infinite)
            .build()
            .unwrap()
    };
    let (a, b) = (make(Arc::default()), make(Arc::default()));
    assert_eq!(a.fresh_key_package().unwrap(), b.fresh_key_package().unwrap());

    // A given signature key is used and stored; a client of another suite
    // refuses the stored one.
    let storage = Arc::new(MemoryStorage::new());
    let key = [3u8; 32];
    let c = Client::builder(b"c", Suite1)
        .storage(storage.clone())
        .signature_key(&key)
        .build()
        .unwrap();
    c.create_group(G).unwrap();
    let public = c.members(G).unwrap()[0].signature_key.clone();
    let reopened = Client::builder(b"c", Suite1).storage(storage.clone()).build().unwrap();
    assert_eq!(reopened.members(G).unwrap()[0].signature_key, public);
    assert!(matches!(
        Client::builder(b"c", mls_std::client::Suite2)
            .storage(storage.clone())
            .build(),
        Err(ClientError::WrongCipherSuite { stored: 1 })
    ));
    assert!(
        Client::builder(b"d", mls_std::client::Suite2)
            .signature_key(&[0; 3])
            .build()
            .is_err()
    );
}

#[test]
fn cancelled_proposals_are_forgotten_and_a_discarded_commit_never_applies() {
    let (alice, bob) = (client("alice"), client("bob"));
    alice.create_group(G).unwrap();
    let invite = alice.invite_member(G, &bob.fresh_key_package().unwrap()).unwrap();
    bob.join_group(&invite.welcome).unwrap();
    let update = bob.propose_update(G).unwrap();
    assert!(matches!(alice.receive(&update).unwrap(), Received::Proposal { .. }));
    assert_eq!(alice.send(G, b"x"), Err(ClientError::ProposalsPending));
    alice.cancel_pending_proposals(G).unwrap();
    // Nothing pending any more: Alice may send, and Bob reads it.
    let m = alice.send(G, b"after cancel").unwrap();
    assert!(matches!(bob.receive(&m).unwrap(), Received::Application { .. }));

    // A staged commit, discarded: its echo is no longer Alice's to apply,
    // and the group stays in its epoch until another commit.
    let epoch = alice.epoch(G).unwrap();
    let staged = alice.commit_pending_proposals_staged(G).unwrap();
    alice.discard_pending_commit(G).unwrap();
    assert!(alice.receive(&staged.commit).is_err());
    assert_eq!(alice.epoch(G).unwrap(), epoch);
    let commit = alice.self_update(G).unwrap();
    bob.receive(&commit.commit).unwrap();
    assert_eq!(agree(G, &[&alice, &bob]), epoch + 1);
}

#[test]
fn echoes_damaged_records() {
    let storage = Arc::new(MemoryStorage::new());
    let alice = Client::builder(b"alice", Suite1)
        .storage(storage.clone())
        .build()
        .unwrap();
    let bob = client("bob");
    alice.create_group(G).unwrap();
    let invite = alice.invite_member(G, &bob.fresh_key_package().unwrap()).unwrap();
    bob.join_group(&invite.welcome).unwrap();
    // The Delivery Service echoes Alice's commit and message to her.
    let own = Received::OwnMessage { group_id: G.to_vec() };
    assert_eq!(alice.receive(&invite.commit).unwrap(), own);
    let m = alice.send(G, b"x").unwrap();
    assert_eq!(alice.receive(&m).unwrap(), own);
    drop(alice);

    // A truncated group record is reported, never used.
    let record = storage.get(Space::Group, G).unwrap().unwrap();
    let put = |value: Vec<u8>| {
        storage
            .apply(&[Write::Put {
                space: Space::Group,
                key: G.to_vec(),
                value,
            }])
            .unwrap()
    };
    put(record[..record.len() / 2].to_vec());
    let alice = Client::builder(b"alice", Suite1)
        .storage(storage.clone())
        .build()
        .unwrap();
    assert!(matches!(
        alice.epoch(G),
        Err(ClientError::Storage(StorageError::Corrupted {
            space: Space::Group,
            ..
        }))
    ));
    // A flipped bit inside a secret cannot be seen without encryption at
    // rest; wherever it falls, it must not panic.
    for i in (0..record.len()).step_by(97) {
        let mut r = record.clone();
        r[i] ^= 1;
        put(r);
        let alice = Client::builder(b"alice", Suite1)
            .storage(storage.clone())
            .build()
            .unwrap();
        let _ = alice.epoch(G);
        let _ = alice.send(G, b"x");
    }
}

/// `external_senders` (RFC 9420 §12.1.8.1) with one Basic sender.
fn external_senders(identity: &[u8]) -> Vec<u8> {
    let mut sender = vec![32];
    sender.extend_from_slice(&[7; 32]);
    sender.extend_from_slice(&1u16.to_be_bytes());
    sender.push(identity.len() as u8);
    sender.extend_from_slice(identity);
    let mut out = vec![sender.len() as u8];
    out.extend(sender);
    out
}

/// Refuses the external sender named "mallory".
struct NoMallory;

impl mls_nostd::credential::CredentialValidator for NoMallory {
    fn validate(
        &self,
        credential: &mls_nostd::credential::Credential<'_>,
        _: &[u8],
        _: mls_nostd::credential::CredentialUse,
    ) -> Result<(), &'static str> {
        match credential {
            mls_nostd::credential::Credential::Basic { identity } if *identity == b"mallory" => Err("no mallory"),
            _ => Ok(()),
        }
    }
}

#[test]
fn group_context_extensions_set_at_creation_and_by_proposal() {
    let required: &[u8] = &[0, 0, 0];
    let alice = Client::builder(b"alice", Suite1)
        .credential_validator(NoMallory)
        .build()
        .unwrap();
    let bob = client("bob");
    alice.create_group_with_extensions(G, &[(3, required)]).unwrap();
    let invite = alice.invite_member(G, &bob.fresh_key_package().unwrap()).unwrap();
    bob.join_group(&invite.welcome).unwrap();
    assert_eq!(bob.group_context_extensions(G).unwrap(), vec![(3, required.to_vec())]);

    // Bob proposes an external sender; Alice commits it.
    let ds = external_senders(b"delivery service");
    let p = bob
        .propose_group_context_extensions(G, &[(3, required), (5, &ds)])
        .unwrap();
    assert!(matches!(alice.receive(&p).unwrap(), Received::Proposal { .. }));
    let commit = alice.commit_pending_proposals(G).unwrap();
    bob.receive(&commit.commit).unwrap();
    let expected = vec![(3, required.to_vec()), (5, ds.clone())];
    assert_eq!(alice.group_context_extensions(G).unwrap(), expected);
    assert_eq!(bob.group_context_extensions(G).unwrap(), expected);
    let epoch = agree(G, &[&alice, &bob]);

    // Alice's validator refuses an external sender she does not accept:
    // the proposal is rejected and nothing changes.
    let bad = external_senders(b"mallory");
    let p = bob.propose_group_context_extensions(G, &[(5, &bad)]).unwrap();
    assert_eq!(
        alice.receive(&p),
        Err(ClientError::Mls(mls_nostd::Error::CredentialRejected {
            reason: "no mallory"
        }))
    );
    assert_eq!(alice.epoch(G).unwrap(), epoch);
    assert_eq!(alice.group_context_extensions(G).unwrap(), expected);
}
