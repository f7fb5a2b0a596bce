//! The client over the real storage backends: `FileStorage`, `SqliteStorage`,
//! and `Encrypted` over each. Every client's state lives under a path; a
//! restart is a client dropped and a new one built on a NEW storage object
//! opened on the same path, as a new process would.
//!
//! Then damage done to a stored group record (cut short, a bit flipped),
//! seen through the client: a typed storage error, never a panic, never a
//! group silently different from the one stored.

use mls_std::client::{Client, ClientError, Received, Status, Suite1};
use mls_std::storage::{Encrypted, EncryptionKey, FileStorage, Space, SqliteStorage, Storage, StorageError, Write};
use std::path::{Path, PathBuf};

type C = Client<Suite1>;

const G: &[u8] = b"group";
const KEY: [u8; 32] = [0x42; 32];
const WRONG_KEY: [u8; 32] = [0x24; 32];

/// A storage backend, opened on a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    File,
    Sqlite,
    EncryptedFile,
    EncryptedSqlite,
}

impl Backend {
    const ALL: [Backend; 4] = [
        Backend::File,
        Backend::Sqlite,
        Backend::EncryptedFile,
        Backend::EncryptedSqlite,
    ];

    fn encrypted(self) -> bool {
        matches!(self, Backend::EncryptedFile | Backend::EncryptedSqlite)
    }

    /// Where a client called `name` keeps its state under `dir`.
    fn path(self, dir: &Path, name: &str) -> PathBuf {
        match self {
            Backend::File | Backend::EncryptedFile => dir.join(name),
            Backend::Sqlite | Backend::EncryptedSqlite => dir.join(format!("{name}.sqlite")),
        }
    }

    /// The backend without encryption, on `path`: what sits on disk.
    fn open_plain(self, path: &Path) -> Box<dyn Storage> {
        match self {
            Backend::File | Backend::EncryptedFile => Box::new(FileStorage::open(path).unwrap()),
            Backend::Sqlite | Backend::EncryptedSqlite => Box::new(SqliteStorage::open(path).unwrap()),
        }
    }

    /// A new storage object on `path`, encrypted under `key` if the
    /// backend is.
    fn open_with(self, path: &Path, key: [u8; 32]) -> Box<dyn Storage> {
        let plain = self.open_plain(path);
        match self.encrypted() {
            true => Box::new(Encrypted::new(plain, EncryptionKey::new(key))),
            false => plain,
        }
    }

    fn open(self, path: &Path) -> Box<dyn Storage> {
        self.open_with(path, KEY)
    }

    /// The client `name`, on its storage under `dir` (a first start or a
    /// restart).
    fn client(self, dir: &Path, name: &str) -> C {
        self.try_client(dir, name, KEY).unwrap()
    }

    fn try_client(self, dir: &Path, name: &str, key: [u8; 32]) -> Result<C, ClientError> {
        Client::builder(name.as_bytes(), Suite1)
            .storage(self.open_with(&self.path(dir, name), key))
            .build()
    }

    /// The error a damaged group record must give through this backend
    /// when the damage passes the backend's own checksum (written through
    /// the backend below the encryption).
    fn tampered(self) -> StorageError {
        let (space, key) = (Space::Group, G.to_vec());
        match self.encrypted() {
            true => StorageError::Authentication { space, key },
            false => StorageError::Corrupted { space, key },
        }
    }
}

/// Every client agrees on the epoch and its authenticator; returns the
/// epoch.
fn agree(group: &[u8], clients: &[&C]) -> u64 {
    let epoch = clients[0].epoch(group).unwrap();
    let auth = clients[0].epoch_authenticator(group).unwrap();
    for c in &clients[1..] {
        let who = String::from_utf8_lossy(c.identity()).into_owned();
        assert_eq!(c.epoch(group).unwrap(), epoch, "epoch of {who}");
        assert_eq!(c.epoch_authenticator(group).unwrap(), auth, "authenticator of {who}");
    }
    epoch
}

/// The data and sender of an application message.
fn application(r: Received) -> (Vec<u8>, Vec<u8>) {
    match r {
        Received::Application { sender, data, .. } => (sender, data),
        other => panic!("expected application data, got {other:?}"),
    }
}

fn is_commit(r: &Received) -> bool {
    matches!(r, Received::Commit { .. })
}

/// How many KeyPackage private keys the client `name` has stored.
fn key_packages(backend: Backend, dir: &Path, name: &str) -> usize {
    backend
        .open(&backend.path(dir, name))
        .keys(Space::KeyPackage)
        .unwrap()
        .len()
}

/// Create, invite (Alice invites Bob, Bob invites Charlie), join, send,
/// update; Bob restarts and goes on (receives what came while he was down,
/// sends, removes Charlie); Charlie restarts, and the KeyPackage he made
/// before rejoins him, once.
fn lifecycle(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let alice = backend.client(dir, "alice");
    let bob = backend.client(dir, "bob");
    let charlie = backend.client(dir, "charlie");

    alice.create_group(G).unwrap();
    let invite = alice.invite_member(G, &bob.fresh_key_package().unwrap()).unwrap();
    assert_eq!(bob.join_group(&invite.welcome).unwrap(), G);
    let invite = bob.invite_member(G, &charlie.fresh_key_package().unwrap()).unwrap();
    assert!(is_commit(&alice.receive(&invite.commit).unwrap()));
    assert_eq!(charlie.join_group(&invite.welcome).unwrap(), G);
    assert_eq!(agree(G, &[&alice, &bob, &charlie]), 2);

    let m = alice.send(G, b"hello").unwrap();
    for c in [&bob, &charlie] {
        assert_eq!(
            application(c.receive(&m).unwrap()),
            (b"alice".to_vec(), b"hello".to_vec())
        );
    }
    let update = charlie.self_update(G).unwrap();
    for c in [&alice, &bob] {
        assert!(is_commit(&c.receive(&update.commit).unwrap()));
    }
    assert_eq!(agree(G, &[&alice, &bob, &charlie]), 3);

    // Charlie makes a KeyPackage for later; its private keys are stored.
    let later = charlie.fresh_key_package().unwrap();
    assert_eq!(key_packages(backend, dir, "charlie"), 1);

    // Bob stops. While he is down, Alice sends and commits.
    let bob_key = bob.members(G).unwrap()[1].signature_key.clone();
    drop(bob);
    let offline = alice.send(G, b"while you were away").unwrap();
    assert_eq!(
        application(charlie.receive(&offline).unwrap()).1,
        b"while you were away"
    );
    let update = alice.self_update(G).unwrap();
    assert!(is_commit(&charlie.receive(&update.commit).unwrap()));

    // Bob restarts on the same path: same key, same group, and he catches
    // up in order.
    let bob = backend.client(dir, "bob");
    assert_eq!(bob.groups().unwrap(), vec![G.to_vec()]);
    assert_eq!(bob.epoch(G).unwrap(), 3);
    assert_eq!(bob.members(G).unwrap()[1].signature_key, bob_key);
    assert_eq!(
        application(bob.receive(&offline).unwrap()),
        (b"alice".to_vec(), b"while you were away".to_vec())
    );
    assert!(is_commit(&bob.receive(&update.commit).unwrap()));
    assert_eq!(agree(G, &[&alice, &bob, &charlie]), 4);
    let m = bob.send(G, b"back").unwrap();
    for c in [&alice, &charlie] {
        assert_eq!(application(c.receive(&m).unwrap()), (b"bob".to_vec(), b"back".to_vec()));
    }
    // The restarted Bob commits: Charlie is removed.
    let removal = bob.remove_member(G, b"charlie").unwrap();
    assert!(is_commit(&alice.receive(&removal.commit).unwrap()));
    assert!(matches!(
        charlie.receive(&removal.commit).unwrap(),
        Received::Removed { .. }
    ));
    assert_eq!(agree(G, &[&alice, &bob]), 5);

    // Charlie restarts: still removed, and his KeyPackage is still there.
    drop(charlie);
    let charlie = backend.client(dir, "charlie");
    assert_eq!(charlie.status(G).unwrap(), Status::Removed);
    assert_eq!(key_packages(backend, dir, "charlie"), 1);

    // Bob invites him back with the KeyPackage made before the restart.
    let invite = bob.invite_member(G, &later).unwrap();
    assert!(is_commit(&alice.receive(&invite.commit).unwrap()));
    assert_eq!(charlie.join_group(&invite.welcome).unwrap(), G);
    assert_eq!(charlie.status(G).unwrap(), Status::Active);
    assert_eq!(key_packages(backend, dir, "charlie"), 0);
    assert_eq!(agree(G, &[&alice, &bob, &charlie]), 6);

    // The KeyPackage is used up: a second Welcome for it is refused, before
    // and after another restart.
    alice.create_group(b"other").unwrap();
    let second = alice.invite_member(b"other", &later).unwrap();
    assert_eq!(
        charlie.join_group(&second.welcome),
        Err(ClientError::KeyPackageNotFound)
    );
    drop(charlie);
    let charlie = backend.client(dir, "charlie");
    assert_eq!(
        charlie.join_group(&second.welcome),
        Err(ClientError::KeyPackageNotFound)
    );
    assert_eq!(charlie.groups().unwrap(), vec![G.to_vec()]);

    // Everyone restarts; the group goes on.
    drop((alice, bob, charlie));
    let [alice, bob, charlie] = ["alice", "bob", "charlie"].map(|n| backend.client(dir, n));
    assert_eq!(agree(G, &[&alice, &bob, &charlie]), 6);
    let m = charlie.send(G, b"rejoined").unwrap();
    for c in [&alice, &bob] {
        assert_eq!(
            application(c.receive(&m).unwrap()),
            (b"charlie".to_vec(), b"rejoined".to_vec())
        );
    }
    let update = bob.self_update(G).unwrap();
    for c in [&alice, &charlie] {
        assert!(is_commit(&c.receive(&update.commit).unwrap()));
    }
    assert_eq!(agree(G, &[&alice, &bob, &charlie]), 7);
}

#[test]
fn lifecycle_over_file_storage() {
    lifecycle(Backend::File);
}

#[test]
fn lifecycle_over_sqlite() {
    lifecycle(Backend::Sqlite);
}

#[test]
fn lifecycle_over_encrypted_file_storage() {
    lifecycle(Backend::EncryptedFile);
}

#[test]
fn lifecycle_over_encrypted_sqlite() {
    lifecycle(Backend::EncryptedSqlite);
}

// ---------------------------------------------------------------------------
// Damage.

/// Alice in a group with Bob, stopped; returns Alice's path and Bob, who
/// sends a message Alice has not received yet.
struct Stopped {
    _dir: tempfile::TempDir,
    path: PathBuf,
    bob: C,
    message: Vec<u8>,
}

fn stopped(backend: Backend) -> Stopped {
    let dir = tempfile::tempdir().unwrap();
    let alice = backend.client(dir.path(), "alice");
    let bob = backend.client(dir.path(), "bob");
    alice.create_group(G).unwrap();
    let invite = alice.invite_member(G, &bob.fresh_key_package().unwrap()).unwrap();
    bob.join_group(&invite.welcome).unwrap();
    let message = bob.send(G, b"are you there?").unwrap();
    Stopped {
        path: backend.path(dir.path(), "alice"),
        _dir: dir,
        bob,
        message,
    }
}

impl Backend {
    /// The bytes on disk of the group record of the client at `path`.
    fn read_raw(self, path: &Path) -> Vec<u8> {
        match self {
            Backend::File | Backend::EncryptedFile => {
                let record = FileStorage::open(path).unwrap().record_path(Space::Group, G).unwrap();
                std::fs::read(record).unwrap()
            }
            Backend::Sqlite | Backend::EncryptedSqlite => rusqlite::Connection::open(path)
                .unwrap()
                .query_row(
                    "SELECT value FROM records WHERE space = 'group' AND key = ?1",
                    [G],
                    |row| row.get(0),
                )
                .unwrap(),
        }
    }

    /// Replaces the bytes on disk of the group record of the client at
    /// `path`.
    fn write_raw(self, path: &Path, bytes: &[u8]) {
        match self {
            Backend::File | Backend::EncryptedFile => {
                let record = FileStorage::open(path).unwrap().record_path(Space::Group, G).unwrap();
                std::fs::write(record, bytes).unwrap();
            }
            Backend::Sqlite | Backend::EncryptedSqlite => {
                let n = rusqlite::Connection::open(path)
                    .unwrap()
                    .execute(
                        "UPDATE records SET value = ?1 WHERE space = 'group' AND key = ?2",
                        rusqlite::params![bytes, G],
                    )
                    .unwrap();
                assert_eq!(n, 1);
            }
        }
    }
}

/// Alice, restarted on damaged storage, reports `expected` for the group
/// on every call that needs it, and panics on none.
fn refuses(backend: Backend, s: &Stopped, expected: &StorageError) {
    let alice = backend.client(s.path.parent().unwrap(), "alice");
    let want = Some(ClientError::Storage(expected.clone()));
    // The group is still listed (keys are not read), but not loaded.
    assert_eq!(alice.groups().unwrap(), vec![G.to_vec()]);
    assert_eq!(alice.epoch(G).err(), want);
    assert_eq!(alice.epoch_authenticator(G).err(), want);
    assert_eq!(alice.members(G).err(), want);
    assert_eq!(alice.send(G, b"x").err(), want);
    assert_eq!(alice.receive(&s.message).err(), want);
    assert_eq!(alice.self_update(G).err(), want);
    // The group id cannot be taken over while its record is unreadable.
    assert_eq!(alice.create_group(G).err(), want);
}

/// Alice, restarted on repaired storage, reads the message Bob sent while
/// her record was damaged, and agrees with him.
fn repaired(backend: Backend, s: &Stopped) {
    let alice = backend.client(s.path.parent().unwrap(), "alice");
    assert_eq!(
        application(alice.receive(&s.message).unwrap()),
        (b"bob".to_vec(), b"are you there?".to_vec())
    );
    let update = alice.self_update(G).unwrap();
    assert!(is_commit(&s.bob.receive(&update.commit).unwrap()));
    agree(G, &[&alice, &s.bob]);
}

/// Damage on disk (cut short, any bit flipped) is caught by the backend's
/// checksum: `Corrupted`, with or without encryption above it (the
/// checksum is checked first). The good record, put back, works.
fn damage_on_disk(backend: Backend) {
    let s = stopped(backend);
    let good = backend.read_raw(&s.path);
    let corrupted = StorageError::Corrupted {
        space: Space::Group,
        key: G.to_vec(),
    };
    for cut in [0, 1, good.len() / 2, good.len() - 1] {
        backend.write_raw(&s.path, &good[..cut]);
        refuses(backend, &s, &corrupted);
    }
    let mut longer = good.clone();
    longer.push(0);
    backend.write_raw(&s.path, &longer);
    refuses(backend, &s, &corrupted);
    // A bit flipped in the header, the middle of the value and the checksum.
    for bit in [0, 5 * 8 + 3, good.len() * 4 + 1, good.len() * 8 - 1] {
        let mut flipped = good.clone();
        flipped[bit / 8] ^= 1 << (bit % 8);
        backend.write_raw(&s.path, &flipped);
        refuses(backend, &s, &corrupted);
    }
    backend.write_raw(&s.path, &good);
    repaired(backend, &s);
}

#[test]
fn damaged_group_file() {
    damage_on_disk(Backend::File);
}

#[test]
fn damaged_group_row() {
    damage_on_disk(Backend::Sqlite);
}

#[test]
fn damaged_encrypted_group_file() {
    damage_on_disk(Backend::EncryptedFile);
}

#[test]
fn damaged_encrypted_group_row() {
    damage_on_disk(Backend::EncryptedSqlite);
}

#[test]
fn sqlite_value_of_the_wrong_type_is_corrupted() {
    let s = stopped(Backend::Sqlite);
    let conn = rusqlite::Connection::open(&s.path).unwrap();
    conn.execute("UPDATE records SET value = 'text' WHERE space = 'group'", [])
        .unwrap();
    drop(conn);
    let corrupted = StorageError::Corrupted {
        space: Space::Group,
        key: G.to_vec(),
    };
    refuses(Backend::Sqlite, &s, &corrupted);
}

/// Damage that passes the backend's checksum (written through the backend
/// itself, as someone who can recompute the checksum would): under
/// encryption it is refused as `Authentication`; without, the client's
/// own record format catches what it can (`Corrupted`) and never panics.
fn damage_past_the_checksum(backend: Backend) {
    let s = stopped(backend);
    let plain = backend.open_plain(&s.path);
    let good = plain.get(Space::Group, G).unwrap().unwrap();
    let put = |value: &[u8]| {
        plain
            .apply(&[Write::Put {
                space: Space::Group,
                key: G.to_vec(),
                value: value.to_vec(),
            }])
            .unwrap()
    };
    // Cut short: the client's record says so without encryption, the
    // cipher with.
    for cut in [0, 1, good.len() / 2, good.len() - 1] {
        put(&good[..cut]);
        refuses(backend, &s, &backend.tampered());
    }
    if backend.encrypted() {
        // Under encryption, every flipped bit is caught.
        for bit in [0, 8 + 3, good.len() * 4 + 1, good.len() * 8 - 1] {
            let mut flipped = good.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            put(&flipped);
            refuses(backend, &s, &backend.tampered());
        }
        // A record moved under another key is caught too.
        let other = plain.get(Space::Client, b"signature_key").unwrap().unwrap();
        put(&other);
        refuses(backend, &s, &backend.tampered());
    }
    put(&good);
    repaired(backend, &s);
}

#[test]
fn tampered_group_file() {
    damage_past_the_checksum(Backend::File);
}

#[test]
fn tampered_group_row() {
    damage_past_the_checksum(Backend::Sqlite);
}

#[test]
fn tampered_encrypted_group_file() {
    damage_past_the_checksum(Backend::EncryptedFile);
}

#[test]
fn tampered_encrypted_group_row() {
    damage_past_the_checksum(Backend::EncryptedSqlite);
}

/// A wrong encryption key opens nothing: the client is not built (its
/// signature key does not authenticate), and the right key still works.
#[test]
fn wrong_encryption_key() {
    for backend in Backend::ALL.into_iter().filter(|b| b.encrypted()) {
        let s = stopped(backend);
        let dir = s.path.parent().unwrap();
        let err = backend.try_client(dir, "alice", WRONG_KEY).err();
        assert_eq!(
            err,
            Some(ClientError::Storage(StorageError::Authentication {
                space: Space::Client,
                key: b"signature_key".to_vec(),
            })),
            "{backend:?}"
        );
        // Read directly, the group record does not open either.
        let wrong = backend.open_with(&s.path, WRONG_KEY);
        assert_eq!(wrong.get(Space::Group, G), Err(backend.tampered()), "{backend:?}");
        repaired(backend, &s);
    }
}
