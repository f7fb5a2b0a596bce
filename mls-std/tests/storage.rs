//! The storage backends: one behaviour suite run on each, then what each
//! promises on its own (persistence, corruption and tamper detection,
//! atomicity, concurrency).

use mls_std::storage::{
    ENCRYPTION_OVERHEAD, Encrypted, EncryptionKey, FileStorage, MemoryStorage, Space, SqliteStorage, Storage,
    StorageError, Write,
};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

fn put(space: Space, key: &[u8], value: &[u8]) -> Write {
    Write::Put {
        space,
        key: key.to_vec(),
        value: value.to_vec(),
    }
}

fn del(space: Space, key: &[u8]) -> Write {
    Write::Delete {
        space,
        key: key.to_vec(),
    }
}

fn get(s: &dyn Storage, space: Space, key: &[u8]) -> Option<Vec<u8>> {
    s.get(space, key).expect("get")
}

fn key_a() -> EncryptionKey {
    EncryptionKey::new([0xa5; 32])
}

fn key_b() -> EncryptionKey {
    EncryptionKey::new([0x5a; 32])
}

// ---------------------------------------------------------------------------
// The shared suite.

/// What every backend must do, starting empty.
fn suite(s: &dyn Storage) {
    use Space::*;
    for space in Space::ALL {
        assert_eq!(s.keys(space).unwrap(), Vec::<Vec<u8>>::new(), "{space:?} starts empty");
    }
    assert_eq!(get(s, Group, b"g1"), None);

    // Put, get, and spaces are separate.
    s.apply(&[put(Group, b"g1", b"state 1")]).unwrap();
    assert_eq!(get(s, Group, b"g1").as_deref(), Some(&b"state 1"[..]));
    assert_eq!(get(s, Psk, b"g1"), None);
    assert_eq!(s.keys(Group).unwrap(), vec![b"g1".to_vec()]);
    assert_eq!(s.keys(Psk).unwrap(), Vec::<Vec<u8>>::new());

    // Overwrite.
    s.apply(&[put(Group, b"g1", b"state 2, longer than before")]).unwrap();
    assert_eq!(
        get(s, Group, b"g1").as_deref(),
        Some(&b"state 2, longer than before"[..])
    );
    s.apply(&[put(Group, b"g1", b"3")]).unwrap();
    assert_eq!(get(s, Group, b"g1").as_deref(), Some(&b"3"[..]));

    // Delete, and deleting what is absent.
    s.apply(&[del(Group, b"g1")]).unwrap();
    assert_eq!(get(s, Group, b"g1"), None);
    assert_eq!(s.keys(Group).unwrap(), Vec::<Vec<u8>>::new());
    s.apply(&[del(Group, b"g1"), del(Client, b"never")]).unwrap();

    // Empty values, and the empty key.
    s.apply(&[put(Client, b"empty", b""), put(Client, b"", b"under the empty key")])
        .unwrap();
    assert_eq!(get(s, Client, b"empty"), Some(Vec::new()));
    assert_eq!(get(s, Client, b"").as_deref(), Some(&b"under the empty key"[..]));
    assert_eq!(s.keys(Client).unwrap(), vec![b"".to_vec(), b"empty".to_vec()]);
    s.apply(&[del(Client, b""), del(Client, b"empty")]).unwrap();
    assert_eq!(s.keys(Client).unwrap(), Vec::<Vec<u8>>::new());

    // Keys come back sorted by bytes, per space.
    let app: [&[u8]; 7] = [b"b", b"a", b"\xff", b"\x00", b"ab", b"a\x00", b"\x00\x00"];
    let batch: Vec<Write> = app
        .iter()
        .map(|k| put(App, k, k))
        .chain([put(Psk, b"psk", b"p")])
        .collect();
    s.apply(&batch).unwrap();
    let mut sorted: Vec<Vec<u8>> = app.iter().map(|k| k.to_vec()).collect();
    sorted.sort();
    assert_eq!(sorted[0], b"\x00".to_vec());
    assert_eq!(s.keys(App).unwrap(), sorted);
    assert_eq!(s.keys(Psk).unwrap(), vec![b"psk".to_vec()]);
    for k in app {
        assert_eq!(get(s, App, k).as_deref(), Some(k));
    }
    s.apply(&app.iter().map(|k| del(App, k)).collect::<Vec<_>>()).unwrap();
    assert_eq!(s.keys(App).unwrap(), Vec::<Vec<u8>>::new());
    assert_eq!(s.keys(Psk).unwrap(), vec![b"psk".to_vec()]);

    // A large value.
    let large: Vec<u8> = (0..1 << 20)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    s.apply(&[put(Group, b"large", &large)]).unwrap();
    assert_eq!(get(s, Group, b"large"), Some(large));
    s.apply(&[del(Group, b"large")]).unwrap();

    // A batch applies in order: the last write to a key wins.
    s.apply(&[
        put(KeyPackage, b"k1", b"v1"),
        put(KeyPackage, b"k2", b"v2"),
        del(KeyPackage, b"k1"),
        put(KeyPackage, b"k3", b"first"),
        put(KeyPackage, b"k3", b"second"),
        del(Psk, b"psk"),
        put(Psk, b"psk", b"again"),
    ])
    .unwrap();
    assert_eq!(get(s, KeyPackage, b"k1"), None);
    assert_eq!(get(s, KeyPackage, b"k2").as_deref(), Some(&b"v2"[..]));
    assert_eq!(get(s, KeyPackage, b"k3").as_deref(), Some(&b"second"[..]));
    assert_eq!(s.keys(KeyPackage).unwrap(), vec![b"k2".to_vec(), b"k3".to_vec()]);
    assert_eq!(get(s, Psk, b"psk").as_deref(), Some(&b"again"[..]));

    // An empty batch changes nothing.
    s.apply(&[]).unwrap();
    assert_eq!(s.keys(KeyPackage).unwrap().len(), 2);
}

#[test]
fn suite_memory() {
    suite(&MemoryStorage::new());
}

#[test]
fn suite_file() {
    let dir = tempfile::tempdir().unwrap();
    suite(&FileStorage::open(dir.path().join("store")).unwrap());
}

#[test]
fn suite_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    suite(&SqliteStorage::open(dir.path().join("store.db")).unwrap());
}

#[test]
fn suite_sqlite_in_memory() {
    suite(&SqliteStorage::in_memory().unwrap());
}

#[test]
fn suite_encrypted_memory() {
    suite(&Encrypted::new(MemoryStorage::new(), key_a()));
}

#[test]
fn suite_encrypted_file() {
    let dir = tempfile::tempdir().unwrap();
    suite(&Encrypted::new(FileStorage::open(dir.path()).unwrap(), key_a()));
}

#[test]
fn suite_encrypted_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    suite(&Encrypted::new(
        SqliteStorage::open(dir.path().join("store.db")).unwrap(),
        key_a(),
    ));
}

// ---------------------------------------------------------------------------
// Persistence.

/// Writes records that [`check_written`] then expects.
fn write_some(s: &dyn Storage) {
    s.apply(&[put(Space::Group, b"g", b"group state"), put(Space::Client, b"me", b"")])
        .unwrap();
    s.apply(&[
        put(Space::Psk, b"p", b"psk"),
        del(Space::Client, b"me"),
        put(Space::Client, b"me2", b"x"),
    ])
    .unwrap();
}

fn check_written(s: &dyn Storage) {
    assert_eq!(get(s, Space::Group, b"g").as_deref(), Some(&b"group state"[..]));
    assert_eq!(get(s, Space::Psk, b"p").as_deref(), Some(&b"psk"[..]));
    assert_eq!(get(s, Space::Client, b"me"), None);
    assert_eq!(s.keys(Space::Client).unwrap(), vec![b"me2".to_vec()]);
}

#[test]
fn file_persists_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    write_some(&FileStorage::open(dir.path()).unwrap());
    let again = FileStorage::open(dir.path()).unwrap();
    check_written(&again);
    // Where the record lives: <dir>/<space>/<hex of key>.
    assert!(dir.path().join("group").join("67").is_file());
    assert_eq!(
        again.record_path(Space::Group, b"g").unwrap(),
        dir.path().join("group").join("67")
    );
}

#[test]
fn sqlite_persists_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    write_some(&SqliteStorage::open(&path).unwrap());
    check_written(&SqliteStorage::open(&path).unwrap());
}

#[test]
fn encrypted_file_persists_across_reopen_with_its_key_only() {
    let dir = tempfile::tempdir().unwrap();
    write_some(&Encrypted::new(FileStorage::open(dir.path()).unwrap(), key_a()));
    check_written(&Encrypted::new(FileStorage::open(dir.path()).unwrap(), key_a()));

    let wrong = Encrypted::new(FileStorage::open(dir.path()).unwrap(), key_b());
    assert_eq!(
        wrong.get(Space::Group, b"g"),
        Err(StorageError::Authentication {
            space: Space::Group,
            key: b"g".to_vec()
        })
    );
    // The names are not encrypted.
    assert_eq!(wrong.keys(Space::Group).unwrap(), vec![b"g".to_vec()]);
}

// ---------------------------------------------------------------------------
// Corruption of stored bytes.

/// Every way of cutting `good` short, and every single bit flip of it.
fn damaged(good: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    let cuts = (0..good.len()).map(|len| good[..len].to_vec());
    let flips = (0..good.len() * 8).map(|bit| {
        let mut b = good.to_vec();
        b[bit / 8] ^= 1 << (bit % 8);
        b
    });
    cuts.chain(flips)
}

#[test]
fn file_every_truncation_and_bit_flip_is_corrupted() {
    let dir = tempfile::tempdir().unwrap();
    let s = FileStorage::open(dir.path()).unwrap();
    let value = b"a group state of some length";
    s.apply(&[put(Space::Group, b"gid", value)]).unwrap();
    let path = s.record_path(Space::Group, b"gid").unwrap();
    let good = std::fs::read(&path).unwrap();
    assert!(good.len() > value.len());

    let corrupted = Err(StorageError::Corrupted {
        space: Space::Group,
        key: b"gid".to_vec(),
    });
    let mut tried = 0;
    for bad in damaged(&good) {
        std::fs::write(&path, &bad).unwrap();
        assert_eq!(s.get(Space::Group, b"gid"), corrupted, "stored {bad:02x?}");
        tried += 1;
    }
    assert_eq!(tried, good.len() * 9);

    // Longer than it should be.
    std::fs::write(&path, [&good[..], b"\0"].concat()).unwrap();
    assert_eq!(s.get(Space::Group, b"gid"), corrupted);

    // A good record put under another name.
    let other = s.record_path(Space::Group, b"gie").unwrap();
    std::fs::write(&other, &good).unwrap();
    assert_eq!(
        s.get(Space::Group, b"gie"),
        Err(StorageError::Corrupted {
            space: Space::Group,
            key: b"gie".to_vec()
        })
    );

    // The good bytes back: good again.
    std::fs::write(&path, &good).unwrap();
    assert_eq!(s.get(Space::Group, b"gid").unwrap().as_deref(), Some(&value[..]));
}

#[test]
fn sqlite_every_truncation_and_bit_flip_is_corrupted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let s = SqliteStorage::open(&path).unwrap();
    let value = b"a KeyPackage private key";
    s.apply(&[put(Space::KeyPackage, b"ref", value)]).unwrap();

    // A second connection edits the blob behind the store's back (without
    // syncing: only the content matters here).
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.pragma_update(None, "synchronous", "OFF").unwrap();
    let good: Vec<u8> = raw
        .query_row("SELECT value FROM records WHERE key = X'726566'", [], |r| r.get(0))
        .unwrap();
    assert!(good.len() > value.len());
    let set = |bytes: &dyn rusqlite::ToSql| {
        let n = raw.execute(
            "UPDATE records SET value = ?1 WHERE space = 'key_package' AND key = X'726566'",
            [bytes],
        );
        assert_eq!(n.unwrap(), 1);
    };

    let corrupted = Err(StorageError::Corrupted {
        space: Space::KeyPackage,
        key: b"ref".to_vec(),
    });
    let mut tried = 0;
    for bad in damaged(&good) {
        set(&bad);
        assert_eq!(s.get(Space::KeyPackage, b"ref"), corrupted, "stored {bad:02x?}");
        tried += 1;
    }
    assert_eq!(tried, good.len() * 9);

    // Not a blob at all.
    set(&"some text");
    assert_eq!(s.get(Space::KeyPackage, b"ref"), corrupted);
    set(&42i64);
    assert_eq!(s.get(Space::KeyPackage, b"ref"), corrupted);

    set(&good);
    assert_eq!(s.get(Space::KeyPackage, b"ref").unwrap().as_deref(), Some(&value[..]));
}

/// Tampering with what `e` keeps in its backend: every cut and bit flip of
/// the ciphertext, a ciphertext moved under another key or space, and the
/// wrong key, all give `Authentication`.
fn encrypted_tamper<S: Storage + Clone>(inner: S) {
    let e = Encrypted::new(inner.clone(), key_a());
    let value = b"secret group state";
    e.apply(&[put(Space::Group, b"gid", value)]).unwrap();
    let sealed = get(&inner, Space::Group, b"gid").unwrap();
    assert_eq!(sealed.len(), value.len() + ENCRYPTION_OVERHEAD);
    assert!(
        !sealed.windows(value.len()).any(|w| w == value),
        "the value is not stored in the clear"
    );

    let auth = |space, key: &[u8]| {
        Err(StorageError::Authentication {
            space,
            key: key.to_vec(),
        })
    };
    for bad in damaged(&sealed) {
        inner.apply(&[put(Space::Group, b"gid", &bad)]).unwrap();
        assert_eq!(
            e.get(Space::Group, b"gid"),
            auth(Space::Group, b"gid"),
            "stored {bad:02x?}"
        );
    }
    inner
        .apply(&[put(Space::Group, b"gid", &[&sealed[..], b"\0"].concat())])
        .unwrap();
    assert_eq!(e.get(Space::Group, b"gid"), auth(Space::Group, b"gid"));

    // Copied under another key, or into another space.
    inner
        .apply(&[
            put(Space::Group, b"other", &sealed),
            put(Space::Group, b"gie", &sealed),
            put(Space::App, b"gid", &sealed),
        ])
        .unwrap();
    assert_eq!(e.get(Space::Group, b"other"), auth(Space::Group, b"other"));
    assert_eq!(e.get(Space::Group, b"gie"), auth(Space::Group, b"gie"));
    assert_eq!(e.get(Space::App, b"gid"), auth(Space::App, b"gid"));
    // "app" and "psk" have names of the same length.
    e.apply(&[put(Space::App, b"x", b"an app record")]).unwrap();
    let app = get(&inner, Space::App, b"x").unwrap();
    inner.apply(&[put(Space::Psk, b"x", &app)]).unwrap();
    assert_eq!(e.get(Space::Psk, b"x"), auth(Space::Psk, b"x"));
    assert_eq!(e.get(Space::App, b"x").unwrap().as_deref(), Some(&b"an app record"[..]));

    // Back in place: good under the right key only.
    inner.apply(&[put(Space::Group, b"gid", &sealed)]).unwrap();
    assert_eq!(e.get(Space::Group, b"gid").unwrap().as_deref(), Some(&value[..]));
    let wrong = Encrypted::new(inner.clone(), key_b());
    assert_eq!(wrong.get(Space::Group, b"gid"), auth(Space::Group, b"gid"));
}

#[test]
fn encrypted_memory_tamper_is_authentication() {
    encrypted_tamper(Arc::new(MemoryStorage::new()));
}

#[test]
fn encrypted_file_tamper_is_authentication() {
    let dir = tempfile::tempdir().unwrap();
    encrypted_tamper(Arc::new(FileStorage::open(dir.path()).unwrap()));
}

#[test]
fn encrypted_sqlite_tamper_is_authentication() {
    encrypted_tamper(Arc::new(SqliteStorage::in_memory().unwrap()));
}

#[test]
fn encrypted_over_a_damaged_file_reports_the_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let e = Encrypted::new(FileStorage::open(dir.path()).unwrap(), key_a());
    e.apply(&[put(Space::Psk, b"p", b"psk")]).unwrap();
    let path = e.inner().record_path(Space::Psk, b"p").unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x80;
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(
        e.get(Space::Psk, b"p"),
        Err(StorageError::Corrupted {
            space: Space::Psk,
            key: b"p".to_vec()
        })
    );
}

// ---------------------------------------------------------------------------
// What each backend does on its own.

#[test]
fn file_ignores_temporary_and_stray_files() {
    let dir = tempfile::tempdir().unwrap();
    let s = FileStorage::open(dir.path()).unwrap();
    s.apply(&[put(Space::App, b"\x01", b"one")]).unwrap();
    for stray in [".tmp.1234.0", "notes.txt", "ABCD", "abc"] {
        std::fs::write(dir.path().join("app").join(stray), b"junk").unwrap();
    }
    assert_eq!(s.keys(Space::App).unwrap(), vec![vec![1u8]]);
    assert_eq!(get(&s, Space::App, b"\x01").as_deref(), Some(&b"one"[..]));
}

#[test]
fn file_leaves_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let s = FileStorage::open(dir.path()).unwrap();
    s.apply(&[
        put(Space::App, b"a", b"1"),
        put(Space::App, b"a", b"2"),
        put(Space::App, b"b", b"3"),
    ])
    .unwrap();
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("app"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["61", "62"]);
}

#[test]
fn file_key_length_limit_and_a_failed_batch_leaves_a_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let s = FileStorage::open(dir.path()).unwrap();
    let longest = [7u8; FileStorage::MAX_KEY_LEN];
    let too_long = [7u8; FileStorage::MAX_KEY_LEN + 1];
    s.apply(&[put(Space::Group, &longest, b"fits")]).unwrap();
    assert_eq!(get(&s, Space::Group, &longest).as_deref(), Some(&b"fits"[..]));
    let err = StorageError::KeyTooLong {
        space: Space::Group,
        len: too_long.len(),
    };
    assert_eq!(s.get(Space::Group, &too_long), Err(err.clone()));

    // Applied in order, record by record: what came before the failing
    // write stays, what came after never happens.
    let r = s.apply(&[
        put(Space::App, b"before", b"1"),
        put(Space::Group, &too_long, b"x"),
        put(Space::App, b"after", b"2"),
    ]);
    assert_eq!(r, Err(err));
    assert_eq!(s.keys(Space::App).unwrap(), vec![b"before".to_vec()]);
}

#[cfg(unix)]
#[test]
fn files_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let s = FileStorage::open(&store).unwrap();
    s.apply(&[put(Space::KeyPackage, b"kp", b"a private key")]).unwrap();
    assert_eq!(mode(&store), 0o700);
    assert_eq!(mode(&store.join("key_package")), 0o700);
    assert_eq!(mode(&s.record_path(Space::KeyPackage, b"kp").unwrap()), 0o600);

    let db = dir.path().join("store.db");
    let s = SqliteStorage::open(&db).unwrap();
    s.apply(&[put(Space::KeyPackage, b"kp", b"a private key")]).unwrap();
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(&dir.path().join("store.db-wal")), 0o600);
}

/// Creates a trigger in the database at `path` that refuses any record
/// with the key `bad`.
fn refuse_key_bad(path: &Path) {
    let raw = rusqlite::Connection::open(path).unwrap();
    raw.execute_batch(
        "CREATE TRIGGER refuse_bad BEFORE INSERT ON records WHEN NEW.key = X'626164'
         BEGIN SELECT RAISE(ABORT, 'refused'); END",
    )
    .unwrap();
}

fn sqlite_batch_is_all_or_nothing(s: &dyn Storage, path: &Path) {
    s.apply(&[put(Space::App, b"a", b"old"), put(Space::App, b"d", b"kept")])
        .unwrap();
    refuse_key_bad(path);
    let batch = [
        put(Space::App, b"a", b"new"),
        put(Space::App, b"c", b"new"),
        del(Space::App, b"d"),
        put(Space::Group, b"bad", b"refused"),
        put(Space::App, b"e", b"new"),
    ];
    assert!(matches!(s.apply(&batch), Err(StorageError::Sqlite(_))));
    assert_eq!(get(s, Space::App, b"a").as_deref(), Some(&b"old"[..]));
    assert_eq!(get(s, Space::App, b"d").as_deref(), Some(&b"kept"[..]));
    assert_eq!(s.keys(Space::App).unwrap(), vec![b"a".to_vec(), b"d".to_vec()]);
    assert_eq!(s.keys(Space::Group).unwrap(), Vec::<Vec<u8>>::new());

    // Without the refused write the same batch goes through whole.
    let good: Vec<Write> = batch
        .iter()
        .filter(|w| !matches!(w, Write::Put { key, .. } if key == b"bad"))
        .cloned()
        .collect();
    s.apply(&good).unwrap();
    assert_eq!(
        s.keys(Space::App).unwrap(),
        vec![b"a".to_vec(), b"c".to_vec(), b"e".to_vec()]
    );
    assert_eq!(get(s, Space::App, b"a").as_deref(), Some(&b"new"[..]));
}

#[test]
fn sqlite_failed_batch_leaves_nothing_applied() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    sqlite_batch_is_all_or_nothing(&SqliteStorage::open(&path).unwrap(), &path);
}

#[test]
fn encrypted_sqlite_failed_batch_leaves_nothing_applied() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    sqlite_batch_is_all_or_nothing(&Encrypted::new(SqliteStorage::open(&path).unwrap(), key_a()), &path);
}

// ---------------------------------------------------------------------------
// Concurrency.

/// Several threads write disjoint keys through one shared store; all land.
fn concurrent_writes_land(s: Arc<dyn Storage>) {
    const THREADS: u8 = 4;
    const EACH: u8 = 12;
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let s = Arc::clone(&s);
            std::thread::spawn(move || {
                for i in 0..EACH {
                    // Single writes and two-record batches.
                    let mut batch = vec![put(Space::Group, &[t, i], &[i, t, 1])];
                    if i % 3 == 0 {
                        batch.push(put(Space::App, &[t, i], &[t]));
                    }
                    s.apply(&batch).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("a writer panicked");
    }
    let keys = s.keys(Space::Group).unwrap();
    assert_eq!(keys.len(), usize::from(THREADS * EACH));
    for t in 0..THREADS {
        for i in 0..EACH {
            assert_eq!(get(&*s, Space::Group, &[t, i]), Some(vec![i, t, 1]));
            assert_eq!(get(&*s, Space::App, &[t, i]), (i % 3 == 0).then(|| vec![t]));
        }
    }
}

#[test]
fn concurrent_writes_memory_and_encrypted_memory() {
    concurrent_writes_land(Arc::new(MemoryStorage::new()));
    concurrent_writes_land(Arc::new(Encrypted::new(MemoryStorage::new(), key_a())));
}

#[test]
fn concurrent_writes_file_and_encrypted_file() {
    let dir = tempfile::tempdir().unwrap();
    concurrent_writes_land(Arc::new(FileStorage::open(dir.path().join("plain")).unwrap()));
    concurrent_writes_land(Arc::new(Encrypted::new(
        FileStorage::open(dir.path().join("enc")).unwrap(),
        key_a(),
    )));
}

#[test]
fn concurrent_writes_sqlite_and_encrypted_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    concurrent_writes_land(Arc::new(SqliteStorage::open(dir.path().join("plain.db")).unwrap()));
    concurrent_writes_land(Arc::new(SqliteStorage::in_memory().unwrap()));
    concurrent_writes_land(Arc::new(Encrypted::new(
        SqliteStorage::open(dir.path().join("enc.db")).unwrap(),
        key_a(),
    )));
}

// ---------------------------------------------------------------------------
// A backend against a model.

type Model = BTreeMap<(Space, Vec<u8>), Vec<u8>>;

fn space() -> impl Strategy<Value = Space> {
    prop::sample::select(Space::ALL.to_vec())
}

fn write() -> impl Strategy<Value = Write> {
    // Few keys, so that puts, overwrites and deletes meet.
    let key = prop::collection::vec(0u8..3, 0..3);
    prop_oneof![
        3 => (space(), key.clone(), prop::collection::vec(any::<u8>(), 0..24))
            .prop_map(|(space, key, value)| Write::Put { space, key, value }),
        1 => (space(), key).prop_map(|(space, key)| Write::Delete { space, key }),
    ]
}

fn batches() -> impl Strategy<Value = Vec<Vec<Write>>> {
    prop::collection::vec(prop::collection::vec(write(), 0..6), 1..6)
}

fn agrees_with_model(s: &dyn Storage, batches: &[Vec<Write>]) -> Result<(), TestCaseError> {
    let mut model = Model::new();
    for batch in batches {
        s.apply(batch).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for w in batch {
            match w {
                Write::Put { space, key, value } => {
                    model.insert((*space, key.clone()), value.clone());
                }
                Write::Delete { space, key } => {
                    model.remove(&(*space, key.clone()));
                }
            }
        }
        for space in Space::ALL {
            let want: Vec<Vec<u8>> = model
                .keys()
                .filter(|(s, _)| *s == space)
                .map(|(_, k)| k.clone())
                .collect();
            prop_assert_eq!(s.keys(space).map_err(|e| TestCaseError::fail(e.to_string()))?, want);
        }
        for ((space, key), value) in &model {
            prop_assert_eq!(s.get(*space, key), Ok(Some(value.clone())));
        }
        // A key the writes never use.
        prop_assert_eq!(s.get(Space::App, b"\x09"), Ok(None));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn file_agrees_with_a_model(batches in batches()) {
        let dir = tempfile::tempdir().unwrap();
        agrees_with_model(&FileStorage::open(dir.path()).unwrap(), &batches)?;
    }

    #[test]
    fn sqlite_file_agrees_with_a_model(batches in batches()) {
        let dir = tempfile::tempdir().unwrap();
        agrees_with_model(&SqliteStorage::open(dir.path().join("store.db")).unwrap(), &batches)?;
    }

    #[test]
    fn sqlite_in_memory_agrees_with_a_model(batches in batches()) {
        agrees_with_model(&SqliteStorage::in_memory().unwrap(), &batches)?;
    }
}
