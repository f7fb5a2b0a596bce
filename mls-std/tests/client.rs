//! The client end to end: three clients (and a fourth for external joins),
//! the Delivery Service simulated by handing bytes from one to the others.

use mls_std::client::{Client, ClientError, Received, SendOptions, Status, Suite1};

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
