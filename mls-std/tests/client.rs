//! The client end to end: three clients (and a fourth for external joins),
//! the Delivery Service simulated by handing bytes from one to the others.

use mls_std::client::{Client, Received, SendOptions, Suite1};

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
