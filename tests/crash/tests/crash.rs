//! Real crashes of a `Client`: the child process (`src/main.rs`, "carol")
//! is killed with SIGKILL just before and just after every
//! `Storage::apply` of every operation of a scenario, restarted from its
//! storage, and the scenario goes on to its end from there. Alice and Bob
//! are ordinary in-process clients; the Delivery Service redelivers to
//! Carol every message she has not acknowledged (she acknowledges once
//! `receive` returned).
//!
//! Checked: every message Carol emitted (across restarts) is accepted by
//! the other members exactly once (a reused generation or key is refused by
//! them), every message sent to Carol is accepted by her program exactly
//! once, and after each step all members agree on the epoch and its
//! authenticator.

use mls_std::client::{Client, Received, Status, Suite1};
use mls_std::storage::{Space, Storage, StorageError, Write};
use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

const G: &str = "g";

/// Records by space and key.
type Records = BTreeMap<(Space, Vec<u8>), Vec<u8>>;

/// Storage in memory that can be copied (to fork a peer).
#[derive(Clone, Default)]
struct Snap(Arc<Mutex<Records>>);

impl Snap {
    fn deep(&self) -> Snap {
        Snap(Arc::new(Mutex::new(self.0.lock().unwrap().clone())))
    }
}

impl Storage for Snap {
    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.0.lock().unwrap().get(&(space, key.to_vec())).cloned())
    }
    fn keys(&self, space: Space) -> Result<Vec<Vec<u8>>, StorageError> {
        let map = self.0.lock().unwrap();
        Ok(map
            .keys()
            .filter(|(s, _)| *s == space)
            .map(|(_, k)| k.clone())
            .collect())
    }
    fn apply(&self, batch: &[Write]) -> Result<(), StorageError> {
        let mut map = self.0.lock().unwrap();
        for w in batch {
            match w {
                Write::Put { space, key, value } => map.insert((*space, key.clone()), value.clone()),
                Write::Delete { space, key } => map.remove(&(*space, key.clone())),
            };
        }
        Ok(())
    }
}

struct Peer {
    name: &'static str,
    storage: Snap,
    client: Client<Suite1>,
}

impl Peer {
    fn new(name: &'static str, storage: Snap) -> Peer {
        let client = Client::builder(name.as_bytes(), Suite1)
            .storage(storage.clone())
            .build()
            .unwrap();
        Peer { name, storage, client }
    }

    fn fork(&self) -> Peer {
        Peer::new(self.name, self.storage.deep())
    }

    fn member(&self) -> bool {
        self.client.status(G.as_bytes()).is_ok_and(|s| s == Status::Active)
    }
}

/// A kill point: the N-th apply of the run, before or after the write.
type KillPoint = (u64, &'static str);

#[derive(Default, Debug, Clone)]
struct Stats {
    kill_points: u64,
    kills: u64,
    restarts: u64,
    child_runs: u64,
    /// Carol's messages refused by a peer (a reused generation or key).
    reused: u64,
    /// Messages to Carol her program never accepted (or saw refused).
    lost: u64,
    /// Messages to Carol her program accepted more than once.
    duplicated: u64,
    /// Restarts that could not go on, and epoch disagreements.
    stuck: u64,
    disagreements: u64,
    failures: Vec<String>,
}

impl Stats {
    fn fail(&mut self, what: String) {
        if self.failures.len() < 12 {
            self.failures.push(what);
        }
    }
}

/// The Delivery Service, as Carol sees it.
#[derive(Clone, Default)]
struct Ds {
    /// Messages for Carol, by id.
    to_carol: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    /// How many times her program acknowledged each, and with what.
    acked: BTreeMap<usize, Vec<String>>,
    /// Every message Carol emitted (identical bytes are delivered once).
    from_carol: HashSet<Vec<u8>>,
}

struct World {
    backend: &'static str,
    root: PathBuf,
    _dir: Arc<tempfile::TempDir>,
    alice: Peer,
    bob: Peer,
    ds: Ds,
    /// A KeyPackage for Carol's next `invite`, and its owner.
    kp_in: Option<Vec<u8>>,
    /// Carol's last KeyPackage.
    carol_kp: Option<Vec<u8>>,
    /// Echo Carol's next commit back to her (a staged commit).
    echo: bool,
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), target).unwrap();
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

impl World {
    fn new(backend: &'static str) -> World {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let root = dir.path().join("carol");
        World {
            backend,
            root,
            _dir: dir,
            alice: Peer::new("alice", Snap::default()),
            bob: Peer::new("bob", Snap::default()),
            ds: Ds::default(),
            kp_in: None,
            carol_kp: None,
            echo: false,
        }
    }

    fn fork(&self) -> World {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let root = dir.path().join("carol");
        if self.root.exists() {
            copy_dir(&self.root, &root);
        }
        World {
            backend: self.backend,
            root,
            _dir: dir,
            alice: self.alice.fork(),
            bob: self.bob.fork(),
            ds: self.ds.clone(),
            kp_in: self.kp_in.clone(),
            carol_kp: self.carol_kp.clone(),
            echo: self.echo,
        }
    }

    fn io(&self) -> PathBuf {
        self.root.join("io")
    }

    /// A peer sends `bytes` to the group: the other peer that is a member
    /// takes it now, Carol through the Delivery Service.
    fn peer_sends(&mut self, from: usize, bytes: Vec<u8>, data: Option<&[u8]>) {
        let other = if from == 0 { &self.bob } else { &self.alice };
        if other.member() {
            other.client.receive(&bytes).unwrap();
        }
        self.ds.to_carol.push((bytes, data.map(<[u8]>::to_vec)));
    }

    /// Delivers a message Carol emitted to the peers that are members.
    fn carol_emits(&mut self, bytes: Vec<u8>, stats: &mut Stats) {
        if !self.ds.from_carol.insert(bytes.clone()) {
            return;
        }
        for p in [&self.alice, &self.bob] {
            if !p.member() {
                continue;
            }
            let r = p.client.receive(&bytes);
            if let Ok(Received::OwnMessage { .. }) | Err(_) = r {
                stats.reused += 1;
                stats.fail(format!("{} refused a message of Carol: {r:?}", p.name));
            }
        }
        if std::mem::take(&mut self.echo) {
            self.ds.to_carol.push((bytes, None));
        }
    }

    /// Runs Carol's `op` once; `Ok(true)` if she was killed.
    fn run_child(&mut self, op: &[&str], crash: Option<KillPoint>, stats: &mut Stats) -> Result<bool, String> {
        let io = self.io();
        fs::create_dir_all(&io).unwrap();
        let inbox: String = (self.ds.to_carol.iter().enumerate())
            .filter(|(id, _)| !self.ds.acked.contains_key(id))
            .map(|(id, (m, _))| format!("{id} {}\n", hex(m)))
            .collect();
        fs::write(io.join("inbox"), inbox).unwrap();
        if let Some(kp) = &self.kp_in {
            fs::write(io.join("kp_in"), kp).unwrap();
        }
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mls-crash"));
        cmd.arg(&self.root).arg(self.backend).args(op);
        if let Some((n, when)) = crash {
            cmd.env("CRASH_AT", n.to_string()).env("CRASH_WHEN", when);
        }
        stats.child_runs += 1;
        let out = cmd.output().unwrap();
        // What the program acknowledged before it returned or was killed.
        if let Ok(acked) = fs::read_to_string(io.join("acked")) {
            for line in acked.lines() {
                let (id, record) = line.split_once(' ').unwrap();
                self.ds
                    .acked
                    .entry(id.parse().unwrap())
                    .or_default()
                    .push(record.into());
            }
            fs::remove_file(io.join("acked")).unwrap();
        }
        if out.status.signal() == Some(libc::SIGKILL) {
            return Ok(true);
        }
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            // The panic's message: the line after "panicked at".
            let mut lines = stderr.lines().skip_while(|l| !l.contains("panicked"));
            let why = lines.nth(1).map(str::to_string);
            return Err(why.unwrap_or_else(|| format!("{:?}", out.status)));
        }
        Ok(false)
    }

    /// Carol's outputs of a finished operation, handed to the network.
    fn collect(&mut self, stats: &mut Stats) {
        let io = self.io();
        let take = |name: &str| {
            let p = io.join(name);
            let bytes = fs::read(&p).ok();
            let _ = fs::remove_file(&p);
            bytes
        };
        if let Some(kp) = take("out_kp") {
            self.carol_kp = Some(kp);
        }
        if let Some(m) = take("out_message") {
            self.carol_emits(m, stats);
        }
        if let Some(c) = take("out_commit") {
            self.carol_emits(c, stats);
        }
        if let Some(w) = take("out_welcome") {
            self.bob.client.join_group(&w).unwrap();
            self.kp_in = None;
        }
    }

    /// Every member agrees on the epoch of the group and its authenticator.
    fn agree(&self, stats: &mut Stats, step: &str) {
        let state = fs::read_to_string(self.io().join("state")).unwrap_or_default();
        for line in state.lines() {
            let mut f = line.split(' ');
            let (g, epoch, auth) = (unhex(f.next().unwrap()), f.next().unwrap(), f.next().unwrap());
            if g != G.as_bytes() {
                continue;
            }
            for p in [&self.alice, &self.bob].into_iter().filter(|p| p.member()) {
                let (e, a) = (p.client.epoch(&g).unwrap(), p.client.epoch_authenticator(&g).unwrap());
                if (e.to_string(), hex(&a)) != (epoch.to_string(), auth.to_string()) {
                    stats.disagreements += 1;
                    stats.fail(format!("{step}: carol at epoch {epoch}, {} at {e}", p.name));
                }
            }
        }
    }

    /// Carol's operation `op`, killed at `crash` if given, restarted until
    /// it finishes.
    fn carol(&mut self, op: &[&str], crash: Option<KillPoint>, stats: &mut Stats) -> Result<bool, ()> {
        let step = op.join(" ");
        let killed = match self.run_child(op, crash, stats) {
            Ok(k) => k,
            Err(e) => {
                stats.stuck += 1;
                stats.fail(format!("{step} at {crash:?}: {e}"));
                return Err(());
            }
        };
        if killed {
            stats.kills += 1;
            stats.restarts += 1;
            if let Err(e) = self.run_child(op, None, stats) {
                stats.stuck += 1;
                stats.fail(format!("{step}, restarted after a kill at {crash:?}: {e}"));
                return Err(());
            }
        }
        self.collect(stats);
        // A staged commit is applied by the others first, by Carol once
        // she confirms it or it comes back.
        if op[0] != "stage" {
            self.agree(stats, &step);
        }
        Ok(killed)
    }

    /// At the end: every message to Carol accepted by her exactly once,
    /// application data as sent.
    fn check_delivery(&self, stats: &mut Stats, label: &str) {
        for (id, (_, data)) in self.ds.to_carol.iter().enumerate() {
            let acks = self.ds.acked.get(&id).map_or(&[][..], Vec::as_slice);
            match acks {
                [] => {
                    stats.lost += 1;
                    stats.fail(format!("{label}: message {id} never accepted"));
                }
                [one] => {
                    let ok = match data {
                        Some(d) => *one == format!("application {}", hex(d)),
                        None => !one.starts_with("refused"),
                    };
                    if !ok {
                        stats.lost += 1;
                        stats.fail(format!("{label}: message {id} accepted as {one}"));
                    }
                }
                _ => {
                    stats.duplicated += 1;
                    stats.fail(format!("{label}: message {id} accepted {} times", acks.len()));
                }
            }
        }
    }
}

/// One step: what the peers do first, then Carol's operation.
struct Step {
    before: fn(&mut World),
    op: &'static [&'static str],
}

fn nothing(_: &mut World) {}

fn steps() -> Vec<Step> {
    vec![
        Step {
            before: nothing,
            op: &["key_package"],
        },
        // Alice creates the group and invites Carol.
        Step {
            before: |w| {
                w.alice.client.create_group(G.as_bytes()).unwrap();
                let kp = w.carol_kp.clone().unwrap();
                let invite = w.alice.client.invite_member(G.as_bytes(), &kp).unwrap();
                w.ds.to_carol.push((invite.welcome, None));
            },
            op: &["receive"],
        },
        // Carol invites Bob.
        Step {
            before: |w| w.kp_in = Some(w.bob.client.fresh_key_package().unwrap()),
            op: &["invite", G],
        },
        Step {
            before: |w| {
                let a = w.alice.client.send(G.as_bytes(), b"a1").unwrap();
                w.peer_sends(0, a, Some(b"a1"));
                let b = w.bob.client.send(G.as_bytes(), b"b1").unwrap();
                w.peer_sends(1, b, Some(b"b1"));
            },
            op: &["receive"],
        },
        // Two messages in one epoch: the second has the next generation.
        Step {
            before: nothing,
            op: &["send", G, "c1"],
        },
        Step {
            before: nothing,
            op: &["send", G, "c1b"],
        },
        Step {
            before: nothing,
            op: &["self_update", G],
        },
        // Bob proposes; Carol commits.
        Step {
            before: |w| {
                let p = w.bob.client.propose_update(G.as_bytes()).unwrap();
                w.peer_sends(1, p, None);
            },
            op: &["receive"],
        },
        Step {
            before: nothing,
            op: &["commit", G],
        },
        // Carol proposes; Alice commits.
        Step {
            before: nothing,
            op: &["propose_update", G],
        },
        Step {
            before: |w| {
                let c = w.alice.client.commit_pending_proposals(G.as_bytes()).unwrap();
                w.peer_sends(0, c.commit, None);
            },
            op: &["receive"],
        },
        // Alice proposes; Carol stages a commit, the Delivery Service
        // accepts it, Carol confirms.
        Step {
            before: |w| {
                let p = w.alice.client.propose_update(G.as_bytes()).unwrap();
                w.peer_sends(0, p, None);
            },
            op: &["receive"],
        },
        Step {
            before: nothing,
            op: &["stage", G],
        },
        Step {
            before: nothing,
            op: &["confirm", G],
        },
        // Bob proposes; Carol stages a commit, which comes back to her.
        Step {
            before: |w| {
                let p = w.bob.client.propose_update(G.as_bytes()).unwrap();
                w.peer_sends(1, p, None);
            },
            op: &["receive"],
        },
        Step {
            before: |w| w.echo = true,
            op: &["stage", G],
        },
        Step {
            before: |w| {
                let a = w.alice.client.send(G.as_bytes(), b"a2").unwrap();
                w.peer_sends(0, a, Some(b"a2"));
            },
            op: &["receive"],
        },
        Step {
            before: nothing,
            op: &["create", "h"],
        },
        Step {
            before: nothing,
            op: &["send", G, "c2"],
        },
    ]
}

/// Runs the steps from `from` on; with `enumerate`, each of Carol's
/// operations is first run in a copy of the world at each of its kill
/// points, and that copy goes on to the end without further kills.
fn run(world: &mut World, steps: &[Step], from: usize, enumerate: bool, stats: &mut Stats) -> Result<(), ()> {
    for (i, step) in steps.iter().enumerate().skip(from) {
        if enumerate {
            for when in ["before", "after"] {
                for n in 1.. {
                    let mut fork = world.fork();
                    (step.before)(&mut fork);
                    let label = format!("{} {} at {n} {when}", fork.backend, step.op.join(" "));
                    match fork.carol(step.op, Some((n, when)), stats) {
                        Ok(true) => {
                            stats.kill_points += 1;
                            if run(&mut fork, steps, i + 1, false, stats).is_ok() {
                                fork.check_delivery(stats, &label);
                            }
                        }
                        // Fewer than n applies: every kill point is done.
                        Ok(false) => break,
                        Err(()) => {
                            stats.kill_points += 1;
                            break;
                        }
                    }
                }
            }
        }
        (step.before)(world);
        world.carol(step.op, None, stats)?;
    }
    Ok(())
}

fn crash_test(backend: &'static str) {
    let start = std::time::Instant::now();
    let mut stats = Stats::default();
    let mut world = World::new(backend);
    let steps = steps();
    let finished = run(&mut world, &steps, 0, true, &mut stats).is_ok();
    if finished {
        world.check_delivery(&mut stats, "without crash");
    }
    println!(
        "crash test ({backend}): {} operations, {} kill points, {} kills, {} restarts, {} child runs, \
         {} generations reused, {} messages lost, {} duplicated, {} restarts stuck, {} disagreements, {:.1?}",
        steps.len(),
        stats.kill_points,
        stats.kills,
        stats.restarts,
        stats.child_runs,
        stats.reused,
        stats.lost,
        stats.duplicated,
        stats.stuck,
        stats.disagreements,
        start.elapsed()
    );
    for f in &stats.failures {
        println!("  {f}");
    }
    assert!(finished, "the run without crash failed");
    assert!(stats.kills > 0 && stats.kills == stats.kill_points);
    assert_eq!(stats.reused, 0, "generations reused");
    assert_eq!(stats.lost, 0, "messages lost");
    assert_eq!(stats.duplicated, 0, "messages duplicated");
    assert_eq!(stats.stuck, 0, "restarts that could not go on");
    assert_eq!(stats.disagreements, 0, "epoch disagreements");
}

#[test]
fn killed_at_every_persist_point_file_storage() {
    crash_test("file");
}

#[test]
fn killed_at_every_persist_point_sqlite() {
    crash_test("sqlite");
}
