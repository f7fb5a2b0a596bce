//! A gateway whose MLS groups survive a process restart.
//!
//! A gateway owns two groups of sensors (RFC 9420 groups, through the
//! `mls-std` [`Client`]) and keeps them in one SQLite database
//! ([`SqliteStorage`]). It runs twice, each time in a new process started
//! from this program (`std::env::current_exe()`):
//!
//! 1. **phase 1**: the gateway creates the groups, the sensors join and
//!    send readings; a last reading of every sensor is still in flight (in
//!    a spool folder) when the process exits;
//! 2. **phase 2**: a new process reopens the same database. The gateway is
//!    at the epoch it left, with the same epoch authenticator, decrypts the
//!    readings sent while it was down, rotates its keys, removes a sensor,
//!    and goes on with the sensors.
//!
//! The sensors keep their own state in their own SQLite files (they restart
//! with the gateway here, as if the whole site lost power). Finally this
//! process opens the gateway's database once more and prints a summary.
//!
//! Run it with `cargo run -p mls-std --example gateway [-- <gateway.sqlite>]`:
//! the database goes to the path given (which must not exist yet) or to a
//! temporary folder. It exits non-zero if either phase or any check fails.

use mls_std::client::{Client, Received, Suite1};
use mls_std::storage::SqliteStorage;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

type C = Client<Suite1>;
type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// The gateway's groups and their sensors.
const GROUPS: [(&str, &[&str]); 2] = [
    ("greenhouse", &["temp-1", "humidity-1"]),
    ("cold-room", &["temp-2", "door-1"]),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [flag, phase, db, work] if flag == "--phase" => run_phase(phase, Path::new(db), Path::new(work)),
        [] => parent(None),
        [db] => parent(Some(PathBuf::from(db))),
        _ => Err("usage: gateway [<gateway.sqlite>]".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gateway example FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs phase 1 and phase 2 in two child processes, then prints what the
/// database holds.
fn parent(db: Option<PathBuf>) -> Result<()> {
    // The sensors' databases, the spool and phase 1's notes.
    let work = tempfile::tempdir()?;
    let db = db.unwrap_or_else(|| work.path().join("gateway.sqlite"));
    if db.exists() {
        return Err(format!("{} exists already: give a path for a new database", db.display()).into());
    }
    println!("gateway database: {}", db.display());
    println!("parent process: pid {}", std::process::id());
    for phase in ["1", "2"] {
        println!("\n=== phase {phase}: a new process ===");
        let status = Command::new(std::env::current_exe()?)
            .args(["--phase", phase])
            .arg(&db)
            .arg(work.path())
            .status()?;
        if !status.success() {
            return Err(format!("phase {phase} failed ({status})").into());
        }
        println!("=== phase {phase} exited ({status}) ===");
    }

    println!("\n=== summary, read from {} ===", db.display());
    let gateway = open(&db, "gateway")?;
    for group in gateway.groups()? {
        let members: Vec<_> = gateway.members(&group)?.iter().map(|m| text(&m.identity)).collect();
        println!(
            "  {:<11} epoch {}, authenticator {}…, members: {}",
            text(&group),
            gateway.epoch(&group)?,
            &hex(&gateway.epoch_authenticator(&group)?)[..16],
            members.join(", ")
        );
    }
    println!("gateway example: both phases passed; the groups survived the restart");
    Ok(())
}

fn run_phase(phase: &str, db: &Path, work: &Path) -> Result<()> {
    println!("  running as pid {}", std::process::id());
    let gateway = open(db, "gateway")?;
    let sensors = work.join("sensors");
    std::fs::create_dir_all(&sensors)?;
    let spool = work.join("spool");
    let notes = work.join("phase1.txt");
    match phase {
        "1" => phase1(&gateway, &sensors, &spool, &notes),
        "2" => phase2(&gateway, &sensors, &spool, &notes),
        _ => Err(format!("no phase {phase}").into()),
    }
}

/// The gateway creates its groups, the sensors join and report; the last
/// readings are spooled, not delivered.
fn phase1(gateway: &C, sensors: &Path, spool: &Path, notes: &Path) -> Result<()> {
    let mut note = String::new();
    std::fs::create_dir_all(spool)?;
    let mut spooled = 0;
    for (group, names) in GROUPS {
        let g = group.as_bytes();
        let members = open_sensors(sensors, names)?;
        gateway.create_group(g)?;
        let key_packages = members
            .iter()
            .map(|s| s.fresh_key_package())
            .collect::<mls_std::client::Result<Vec<_>>>()?;
        let refs: Vec<&[u8]> = key_packages.iter().map(Vec::as_slice).collect();
        let invite = gateway.invite_members(g, &refs)?;
        for s in &members {
            s.join_group(&invite.welcome)?;
        }
        println!("  {group}: created, {} joined", names.join(" and "));

        let command = gateway.send(g, b"report every 60 s")?;
        for s in &members {
            expect_data(s.receive(&command)?, "gateway", b"report every 60 s")?;
        }
        for (i, s) in members.iter().enumerate() {
            let reading = reading(s, i, 0);
            let m = s.send(g, reading.as_bytes())?;
            expect_data(gateway.receive(&m)?, &name(s), reading.as_bytes())?;
            println!("  {group}: gateway <- {}: {reading}", name(s));
        }
        let (epoch, auth) = agree(g, gateway, &members)?;
        note.push_str(&format!("{group} {epoch} {}\n", hex(&auth)));

        // A last reading from each sensor, still in flight at the exit.
        for (i, s) in members.iter().enumerate() {
            let m = s.send(g, reading(s, i, 1).as_bytes())?;
            std::fs::write(spool.join(format!("{spooled:02}.msg")), m)?;
            spooled += 1;
        }
    }
    std::fs::write(notes, note)?;
    println!("  {spooled} readings in flight; the gateway process exits now");
    Ok(())
}

/// The gateway, reopened, is where it was; it reads what was sent while it
/// was down, rotates its keys, removes `door-1`, and goes on.
fn phase2(gateway: &C, sensors: &Path, spool: &Path, notes: &Path) -> Result<()> {
    println!(
        "  reopened: groups {:?}",
        gateway.groups()?.iter().map(|g| text(g)).collect::<Vec<_>>()
    );
    for line in std::fs::read_to_string(notes)?.lines() {
        let [group, epoch, auth] = line.split(' ').collect::<Vec<_>>()[..] else {
            return Err(format!("bad note {line:?}").into());
        };
        let g = group.as_bytes();
        let (now, now_auth) = (gateway.epoch(g)?, hex(&gateway.epoch_authenticator(g)?));
        if now.to_string() != epoch || now_auth != auth {
            return Err(format!("{group}: phase 1 ended at epoch {epoch}, the reopened gateway is at {now}").into());
        }
        println!(
            "  {group}: epoch {epoch} and authenticator {}… as phase 1 left them",
            &auth[..16]
        );
    }

    let mut files: Vec<_> = std::fs::read_dir(spool)?.collect::<std::io::Result<Vec<_>>>()?;
    files.sort_by_key(|f| f.file_name());
    for file in &files {
        match gateway.receive(&std::fs::read(file.path())?)? {
            Received::Application {
                group_id, sender, data, ..
            } => println!(
                "  {}: gateway <- {}: {} (sent while it was down)",
                text(&group_id),
                text(&sender),
                text(&data)
            ),
            other => return Err(format!("expected a spooled reading, got {other:?}").into()),
        }
    }

    for (group, names) in GROUPS {
        let g = group.as_bytes();
        let mut members = open_sensors(sensors, names)?;
        agree(g, gateway, &members)?;

        let update = gateway.self_update(g)?;
        for s in &members {
            expect_commit(s.receive(&update.commit)?)?;
        }
        println!("  {group}: gateway rotated its keys, epoch {}", gateway.epoch(g)?);

        if let Some(i) = members.iter().position(|s| s.identity() == b"door-1") {
            let removal = gateway.remove_member(g, b"door-1")?;
            let door = members.remove(i);
            if !matches!(door.receive(&removal.commit)?, Received::Removed { .. }) {
                return Err("door-1 was not told it was removed".into());
            }
            for s in &members {
                expect_commit(s.receive(&removal.commit)?)?;
            }
            println!("  {group}: door-1 removed, epoch {}", gateway.epoch(g)?);
        }

        for (i, s) in members.iter().enumerate() {
            let reading = reading(s, i, 2);
            let m = s.send(g, reading.as_bytes())?;
            expect_data(gateway.receive(&m)?, &name(s), reading.as_bytes())?;
            println!("  {group}: gateway <- {}: {reading}", name(s));
        }
        agree(g, gateway, &members)?;
    }
    Ok(())
}

/// The client `name` on the SQLite database `path` (its state, if any, is
/// read from there).
fn open(path: &Path, name: &str) -> Result<C> {
    Ok(Client::builder(name.as_bytes(), Suite1)
        .storage(SqliteStorage::open(path)?)
        .build()?)
}

/// The sensors `names`, each on its own database in `dir`.
fn open_sensors(dir: &Path, names: &[&str]) -> Result<Vec<C>> {
    names
        .iter()
        .map(|n| open(&dir.join(format!("{n}.sqlite")), n))
        .collect()
}

/// A made-up reading of sensor `s`, the `i`th of its group, at time `t`.
fn reading(s: &C, i: usize, t: usize) -> String {
    let value = 20 + 3 * i + t;
    match name(s).split('-').next() {
        Some("temp") => format!("temperature {value}.5 °C"),
        Some("humidity") => format!("humidity {} %", 40 + value),
        _ => format!("door {}", if t == 1 { "open" } else { "closed" }),
    }
}

/// The gateway and every sensor agree on group `g`'s epoch and epoch
/// authenticator.
fn agree(g: &[u8], gateway: &C, sensors: &[C]) -> Result<(u64, Vec<u8>)> {
    let epoch = gateway.epoch(g)?;
    let auth = gateway.epoch_authenticator(g)?;
    for s in sensors {
        if s.epoch(g)? != epoch || s.epoch_authenticator(g)? != auth {
            return Err(format!("{} disagrees with the gateway on {}", name(s), text(g)).into());
        }
    }
    println!(
        "  {}: epoch {epoch}, authenticator {}…, agreed by the gateway and {} sensor(s)",
        text(g),
        &hex(&auth)[..16],
        sensors.len()
    );
    Ok((epoch, auth))
}

fn expect_data(r: Received, from: &str, data: &[u8]) -> Result<()> {
    match r {
        Received::Application { sender, data: got, .. } if sender == from.as_bytes() && got == data => Ok(()),
        other => Err(format!("expected {:?} from {from}, got {other:?}", text(data)).into()),
    }
}

fn expect_commit(r: Received) -> Result<()> {
    match r {
        Received::Commit { .. } => Ok(()),
        other => Err(format!("expected a commit, got {other:?}").into()),
    }
}

fn name(c: &C) -> String {
    text(c.identity())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
