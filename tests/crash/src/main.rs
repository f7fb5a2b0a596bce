//! The crash-test child: one `Client` ("carol") over durable storage in a
//! directory, doing one operation per run, as a real program would, and
//! killing itself with SIGKILL at a chosen persist point.
//!
//! `mls-crash <root> <file|sqlite> <op> [arg]`
//!
//! - `<root>/store`: the client's storage (a [`FileStorage`] folder, or
//!   `store/db.sqlite` for [`SqliteStorage`]).
//! - `<root>/app`: what the program keeps of its own: `intent` (the epoch a
//!   commit started from, written before the commit is made, removed once
//!   its bytes are handed out).
//! - `<root>/io`: what it exchanges with the parent (the network): inputs
//!   `inbox` (`id hex` per line, from the Delivery Service) and `kp_in`;
//!   outputs `out_*` (bytes to send, written only once the call returned),
//!   `acked` (`id kind hex(data)` per accepted message, appended) and
//!   `state` (epoch and epoch authenticator of each group).
//!
//! `CRASH_AT=N` and `CRASH_WHEN=before|after`: the N-th `Storage::apply`
//! of this run kills the process just before or just after the write.
//! Every run (restarts too) prints `applies=<count>` on stderr.
//!
//! Operations: `key_package`, `create <group>`, `invite <group>` (the
//! KeyPackage in `io/kp_in`), `send <group> <text>`, `receive`,
//! `self_update <group>`, `propose_update <group>`, `commit <group>`,
//! `stage <group>`, `confirm <group>`.

use mls_std::client::{Client, ClientError, CommitMessages, Received, Suite1};
use mls_std::storage::{FileStorage, Space, SqliteStorage, Storage, StorageError, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::{env, fs, process};

/// The identity of the child's client.
const IDENTITY: &[u8] = b"carol";

/// When to die around the N-th apply.
#[derive(Clone, Copy, PartialEq)]
enum When {
    Before,
    After,
}

/// A storage that counts its `apply` calls and dies at one of them.
struct Crashing<T> {
    inner: T,
    count: AtomicU64,
    at: Option<(u64, When)>,
}

impl<T: Storage> Crashing<T> {
    fn die(&self, n: u64, when: When) {
        if self.at == Some((n, when)) {
            // SAFETY: kill(2) on our own pid; no memory is touched.
            unsafe {
                libc::kill(libc::getpid(), libc::SIGKILL);
            }
            // SIGKILL cannot be caught: nothing after this runs.
            unreachable!("SIGKILL returned");
        }
    }
}

impl<T: Storage> Storage for Crashing<T> {
    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        self.inner.get(space, key)
    }
    fn keys(&self, space: Space) -> Result<Vec<Vec<u8>>, StorageError> {
        self.inner.keys(space)
    }
    fn apply(&self, batch: &[Write]) -> Result<(), StorageError> {
        let n = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        self.die(n, When::Before);
        let r = self.inner.apply(batch);
        self.die(n, When::After);
        r
    }
}

/// Shares the counter with `main` (the storage is boxed in the client).
struct Counted<T>(std::sync::Arc<Crashing<T>>);

impl<T: Storage> Storage for Counted<T> {
    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        self.0.get(space, key)
    }
    fn keys(&self, space: Space) -> Result<Vec<Vec<u8>>, StorageError> {
        self.0.keys(space)
    }
    fn apply(&self, batch: &[Write]) -> Result<(), StorageError> {
        self.0.apply(batch)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Writes `bytes` to `path` durably, as one new file.
fn write_durable(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, bytes).expect("write");
    fs::File::open(&tmp).and_then(|f| f.sync_all()).expect("sync");
    fs::rename(&tmp, path).expect("rename");
}

/// Appends `line` to `path` durably.
fn append_durable(path: &Path, line: &str) {
    use std::io::Write as _;
    let mut f = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open");
    f.write_all(line.as_bytes()).expect("append");
    f.sync_all().expect("sync");
}

struct Child {
    client: Client<Suite1>,
    storage: std::sync::Arc<Crashing<Box<dyn Storage>>>,
    app: PathBuf,
    io: PathBuf,
}

/// The key of the record of accepted message `id` in [`Space::App`].
fn rx_key(id: &str) -> Vec<u8> {
    format!("rx.{id}").into_bytes()
}

/// How an accepted message is recorded: its kind and its data.
fn summary(r: &Received) -> (String, Vec<u8>) {
    match r {
        Received::Application { data, .. } => ("application".into(), data.clone()),
        Received::Proposal { .. } => ("proposal".into(), vec![]),
        Received::Commit { epoch, .. } => ("commit".into(), epoch.to_be_bytes().to_vec()),
        Received::Removed { .. } => ("removed".into(), vec![]),
        Received::Joined { epoch, .. } => ("joined".into(), epoch.to_be_bytes().to_vec()),
        Received::OwnMessage { .. } => ("own".into(), vec![]),
        _ => ("other".into(), vec![]),
    }
}

impl Child {
    fn out(&self, name: &str, bytes: &[u8]) {
        write_durable(&self.io.join(name), bytes);
    }

    fn out_commit(&self, m: &CommitMessages) {
        if let Some(w) = &m.welcome {
            self.out("out_welcome", w);
        }
        self.out("out_commit", &m.commit);
    }

    /// A commit that must not be lost once made: `intent` remembers the
    /// epoch it starts from; after a crash, a group past that epoch made it
    /// already, and its bytes are asked back from the client.
    fn commit(&self, group: &[u8], make: impl FnOnce() -> Result<CommitMessages, ClientError>) {
        let intent = self.app.join("intent");
        let epoch = self.client.epoch(group).expect("epoch");
        let from = match fs::read_to_string(&intent) {
            Ok(s) => s.trim().parse::<u64>().expect("intent"),
            Err(_) => {
                write_durable(&intent, epoch.to_string().as_bytes());
                epoch
            }
        };
        let messages = if epoch > from {
            self.client
                .last_commit(group)
                .expect("last commit")
                .expect("the commit made before the crash")
        } else {
            make().expect("commit")
        };
        self.out_commit(&messages);
        fs::remove_file(&intent).expect("intent");
    }

    /// Accepts the messages of `io/inbox` in order, each exactly once: the
    /// record of an accepted message is stored with the state that accepted
    /// it, so a redelivered one is acknowledged from that record.
    fn receive(&self) {
        let inbox = fs::read_to_string(self.io.join("inbox")).unwrap_or_default();
        for line in inbox.lines() {
            let (id, message) = line.split_once(' ').expect("inbox line");
            let key = rx_key(id);
            let record = match self.client_storage_get(&key) {
                Some(r) => r,
                None => {
                    // The record goes in the batch that stores the state
                    // accepting the message.
                    let mut record = None;
                    let r = self.client.receive_with(&unhex(message), |r| {
                        let (kind, data) = summary(r);
                        let value = format!("{kind} {}", hex(&data)).into_bytes();
                        record = Some(value.clone());
                        vec![Write::Put {
                            space: Space::App,
                            key: key.clone(),
                            value,
                        }]
                    });
                    match r {
                        Ok(_) => record.expect("record"),
                        Err(e) => format!("refused {}", hex(e.to_string().as_bytes())).into_bytes(),
                    }
                }
            };
            append_durable(
                &self.io.join("acked"),
                &format!("{id} {}\n", String::from_utf8(record).expect("utf-8")),
            );
        }
    }

    fn client_storage_get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.storage.get(Space::App, key).expect("app record")
    }

    fn state(&self) {
        let mut s = String::new();
        for g in self.client.groups().expect("groups") {
            let epoch = self.client.epoch(&g).expect("epoch");
            let auth = self.client.epoch_authenticator(&g).expect("authenticator");
            s += &format!("{} {epoch} {}\n", hex(&g), hex(&auth));
        }
        self.out("state", s.as_bytes());
    }
}

fn main() {
    let args: Vec<String> = env::args().collect();
    let [_, root, backend, op, rest @ ..] = &args[..] else {
        eprintln!("usage: mls-crash <root> <file|sqlite> <op> [args]");
        process::exit(2);
    };
    let root = Path::new(root);
    let at = match (env::var("CRASH_AT"), env::var("CRASH_WHEN").as_deref()) {
        (Ok(n), Ok("before")) => Some((n.parse().expect("CRASH_AT"), When::Before)),
        (Ok(n), Ok("after")) => Some((n.parse().expect("CRASH_AT"), When::After)),
        _ => None,
    };
    let (app, io) = (root.join("app"), root.join("io"));
    fs::create_dir_all(&app).expect("app dir");
    fs::create_dir_all(&io).expect("io dir");
    let inner: Box<dyn Storage> = match backend.as_str() {
        "file" => Box::new(FileStorage::open(root.join("store")).expect("file storage")),
        "sqlite" => {
            fs::create_dir_all(root.join("store")).expect("store dir");
            Box::new(SqliteStorage::open(root.join("store").join("db.sqlite")).expect("sqlite storage"))
        }
        other => panic!("unknown backend {other}"),
    };
    let storage = std::sync::Arc::new(Crashing {
        inner,
        count: AtomicU64::new(0),
        at,
    });
    let client = Client::builder(IDENTITY, Suite1)
        .storage(Counted(storage.clone()))
        .build()
        .expect("client");
    let child = Child {
        client,
        storage: storage.clone(),
        app,
        io,
    };
    let group = rest.first().map(|g| g.as_bytes().to_vec()).unwrap_or_default();
    let c = &child.client;
    match op.as_str() {
        "key_package" => child.out("out_kp", &c.fresh_key_package().expect("key package")),
        "create" => {
            // Made already before a crash: nothing to redo.
            if !c.groups().expect("groups").contains(&group) {
                c.create_group(&group).expect("create");
            }
        }
        "invite" => {
            let kp = fs::read(child.io.join("kp_in")).expect("kp_in");
            child.commit(&group, || {
                let i = c.invite_member(&group, &kp)?;
                Ok(CommitMessages {
                    commit: i.commit,
                    welcome: Some(i.welcome),
                    ratchet_tree: i.ratchet_tree,
                })
            })
        }
        "send" => {
            // A message lost in a crash is sent again, with a new generation.
            let text = rest.get(1).expect("text");
            child.out("out_message", &c.send(&group, text.as_bytes()).expect("send"));
        }
        "propose_update" => child.out("out_message", &c.propose_update(&group).expect("propose")),
        "receive" => child.receive(),
        "self_update" => child.commit(&group, || c.self_update(&group)),
        "commit" => child.commit(&group, || c.commit_pending_proposals(&group)),
        "stage" => {
            // A staged commit lost in a crash is made again (it replaces
            // the stored one, never sent).
            let p = c.commit_pending_proposals_staged(&group).expect("stage");
            child.out("out_commit", &p.commit);
        }
        "confirm" => child.commit(&group, || match c.confirm_pending_commit(&group) {
            Err(ClientError::NoPendingCommit) => panic!("no pending commit and no new epoch"),
            r => r,
        }),
        other => panic!("unknown operation {other}"),
    }
    child.state();
    eprintln!("applies={}", storage.count.load(Ordering::SeqCst));
}
