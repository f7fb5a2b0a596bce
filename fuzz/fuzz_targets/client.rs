//! The host client (`mls-std`): its receive path and its storage records.
//! Bob, a member of Alice's group, is rebuilt for every input from a
//! snapshot of his storage. The first byte picks the mode:
//!
//! 0. the rest is a message Bob's client receives;
//! 1. the rest replaces Bob's group record, then Bob receives Alice's real
//!    messages, sends and reads his group;
//! 2. the rest replaces Bob's signature-key record, then the client is
//!    built and sends;
//! 3. the rest replaces a KeyPackage record of Bob's, then Bob receives a
//!    real Welcome to that KeyPackage.
//!
//! Invariants: no panic; a call that fails leaves every record as it was.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mls_nostd::crypto::Curve25519Aes128;
use mls_std::Client;
use mls_std::storage::{Space, Storage, StorageError, Write};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

type Records = BTreeMap<(Space, Vec<u8>), Vec<u8>>;

/// A storage whose records can be copied out and in.
#[derive(Default)]
struct Snapshot(Mutex<Records>);

impl Snapshot {
    fn records(&self) -> Records {
        self.0.lock().unwrap().clone()
    }
}

impl Storage for Snapshot {
    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.0.lock().unwrap().get(&(space, key.to_vec())).cloned())
    }
    fn keys(&self, space: Space) -> Result<Vec<Vec<u8>>, StorageError> {
        let m = self.0.lock().unwrap();
        Ok(m.keys().filter(|(s, _)| *s == space).map(|(_, k)| k.clone()).collect())
    }
    fn apply(&self, batch: &[Write]) -> Result<(), StorageError> {
        let mut m = self.0.lock().unwrap();
        for w in batch {
            match w {
                Write::Put { space, key, value } => {
                    m.insert((*space, key.clone()), value.clone());
                }
                Write::Delete { space, key } => {
                    m.remove(&(*space, key.clone()));
                }
            }
        }
        Ok(())
    }
}

struct World {
    /// Bob's records, a member at epoch 1.
    bob: Records,
    /// Bob's records before he joined, with one KeyPackage published.
    bob_invited: Records,
    /// The Welcome to that KeyPackage.
    welcome: Vec<u8>,
    /// Alice's messages at epoch 1.
    messages: Vec<Vec<u8>>,
}

const GROUP: &[u8] = b"fuzz";

fn client(
    name: &[u8],
    records: Records,
    seed: u8,
) -> Result<(Client<Curve25519Aes128>, Arc<Snapshot>), mls_std::ClientError> {
    let storage = Arc::new(Snapshot(Mutex::new(records)));
    let c = Client::builder(name, Curve25519Aes128)
        .storage(storage.clone())
        .rng_seed([seed; 32])
        .clock(|| 1_767_225_600)
        .build()?;
    Ok((c, storage))
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let (alice, _) = client(b"alice", Records::new(), 1).unwrap();
        let (bob, bob_store) = client(b"bob", Records::new(), 2).unwrap();
        alice.create_group(GROUP).unwrap();
        let kp = bob.fresh_key_package().unwrap();
        let bob_invited = bob_store.records();
        let invitation = alice.invite_member(GROUP, &kp).unwrap();
        bob.join_group(&invitation.welcome).unwrap();
        let mut messages = vec![alice.send(GROUP, b"hello bob").unwrap()];
        messages.push(alice.propose_update(GROUP).unwrap());
        let (carol, _) = client(b"carol", Records::new(), 3).unwrap();
        let kp = carol.fresh_key_package().unwrap();
        messages.push(alice.propose_add(GROUP, &kp).unwrap());
        World {
            bob: bob_store.records(),
            bob_invited,
            welcome: invitation.welcome,
            messages,
        }
    })
}

/// On error, every record is as before.
fn untouched<T, E: std::fmt::Debug>(store: &Snapshot, before: &Records, r: &Result<T, E>) {
    if let Err(e) = r {
        assert!(
            store.records() == *before,
            "records changed by a call that failed with {e:?}"
        );
    }
}

fn replace(records: &Records, space: Space, data: &[u8]) -> Records {
    let mut r = records.clone();
    if let Some(v) = r.iter_mut().find(|((s, _), _)| *s == space).map(|(_, v)| v) {
        *v = data.to_vec();
    }
    r
}

fuzz_target!(|input: &[u8]| {
    let Some((&mode, data)) = input.split_first() else {
        return;
    };
    let w = world();
    match mode % 4 {
        0 => {
            let Ok((bob, store)) = client(b"bob", w.bob.clone(), 2) else {
                return;
            };
            let r = bob.receive(data);
            untouched(&store, &w.bob, &r);
        }
        1 => {
            let records = replace(&w.bob, Space::Group, data);
            let Ok((bob, store)) = client(b"bob", records, 2) else {
                return;
            };
            for m in &w.messages {
                let before = store.records();
                let r = bob.receive(m);
                untouched(&store, &before, &r);
            }
            let before = store.records();
            let r = bob.send(GROUP, b"after");
            untouched(&store, &before, &r);
            let _ = bob.members(GROUP);
            let _ = bob.epoch(GROUP);
        }
        2 => {
            let records = replace(&w.bob, Space::Client, data);
            if let Ok((bob, _)) = client(b"bob", records, 2) {
                let _ = bob.send(GROUP, b"after");
            }
        }
        _ => {
            let records = replace(&w.bob_invited, Space::KeyPackage, data);
            let Ok((bob, store)) = client(b"bob", records.clone(), 2) else {
                return;
            };
            let r = bob.receive(&w.welcome);
            untouched(&store, &records, &r);
        }
    }
});
