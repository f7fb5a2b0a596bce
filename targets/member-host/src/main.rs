//! The host side of the firmware member scenario (see
//! `targets/member/README.md`).
//!
//! - `member-host gen DIR` builds the groups of 8 and 64 members and writes
//!   the device's input scripts `DIR/in-8.bin` and `DIR/in-64.bin`. With
//!   `MLS_MEMBER_TAMPER=1`, the first commit the device receives after
//!   joining has a flipped byte.
//! - `member-host verify DIR` rebuilds the same groups, and for each
//!   `DIR/out-N.bin` the device wrote, has every other member process what
//!   the device transmitted and checks that all agree with the device.
//!
//! Both exit non-zero on any failure.

mod scenario;

use mls_member::proto::{Stats, output, records};
use scenario::{DEVICE_TEXTS, build};
use std::path::Path;
use std::process::ExitCode;

/// The group sizes of the scenario.
const SIZES: [usize; 2] = [8, 64];

fn tamper() -> bool {
    std::env::var("MLS_MEMBER_TAMPER").is_ok_and(|v| v == "1")
}

fn generate(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for n in SIZES {
        let s = build(n, tamper());
        if s.largest_record > mls_member::sizes::buffer(n) {
            return Err(format!(
                "a {} B record does not fit the {n}-member device's {} B buffer",
                s.largest_record,
                mls_member::sizes::buffer(n)
            ));
        }
        let path = dir.join(format!("in-{n}.bin"));
        std::fs::write(&path, &s.script).map_err(|e| format!("{}: {e}", path.display()))?;
        println!(
            "member-host: {n}-member group built; script {} B, largest message {} B{}",
            s.script.len(),
            s.largest_record,
            if tamper() { " (TAMPERED commit)" } else { "" }
        );
    }
    Ok(())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Checks `out-N.bin` against the rebuilt group of `n`.
fn verify_one(dir: &Path, n: usize, out: &[u8]) -> Result<(), String> {
    let mut s = build(n, tamper());
    let script = std::fs::read(dir.join(format!("in-{n}.bin"))).map_err(|e| e.to_string())?;
    if script != s.script {
        return Err(format!("in-{n}.bin differs from the rebuilt script"));
    }
    let others = s.members.len();
    let mut texts = DEVICE_TEXTS.iter();
    let (mut sent, mut lost_apps, mut lost_commits, mut commits) = (0, 0, 0, 0);
    let mut stats = None;
    let mut device_epoch = None;
    for r in records(out) {
        let (kind, body) = r.ok_or("truncated output record")?;
        match kind {
            output::SENT_APPLICATION | output::LOST_APPLICATION => {
                let want = texts.next().ok_or("more messages than the script asked for")?;
                for m in &mut s.members {
                    let got = m
                        .process(body)
                        .map_err(|e| format!("{} refused the device's message: {e:?}", hex(&m.name)))?;
                    if got != *want {
                        return Err(format!("decrypted {got:?}, expected {want:?}"));
                    }
                }
                if kind == output::SENT_APPLICATION {
                    sent += 1;
                } else {
                    lost_apps += 1;
                }
            }
            output::LOST_COMMIT => {
                // A real commit: a member would accept it. Only a copy
                // processes it, since a later commit replaced it.
                // A copy through save and restore (a group is not `Clone`).
                let original = &s.members[0].group;
                let mut state = vec![0u8; original.saved_len()];
                original.save(&mut state).map_err(|e| format!("save: {e:?}"))?;
                let mut copy = Box::new(scenario::HostGroup::new(*original.suite(), *original.config()));
                copy.restore(&state).map_err(|e| format!("restore: {e:?}"))?;
                let mut buf = vec![0u8; body.len()];
                copy.process(body, scenario::PSKS, scenario::NOW, &mut buf)
                    .map_err(|e| format!("lost commit is not valid: {e:?}"))?;
                lost_commits += 1;
            }
            output::SENT_COMMIT => {
                for m in &mut s.members {
                    m.process(body)
                        .map_err(|e| format!("a member refused the device's commit: {e:?}"))?;
                }
                s.agree();
                commits += 1;
            }
            output::EPOCH => {
                let (epoch, auth) = body.split_at_checked(8).ok_or("short EPOCH record")?;
                let epoch = u64::from_le_bytes(epoch.try_into().map_err(|_| "epoch")?);
                let g = &s.members[0].group;
                if epoch != g.epoch() || auth != g.epoch_authenticator() {
                    return Err(format!(
                        "device is at epoch {epoch} {}, the others at {} {}",
                        hex(auth),
                        g.epoch(),
                        hex(g.epoch_authenticator())
                    ));
                }
                device_epoch = Some((epoch, hex(auth)));
            }
            output::STATS => stats = Some(Stats::decode(body).ok_or("bad STATS record")?),
            other => return Err(format!("unknown output record {other}")),
        }
    }
    let stats = stats.ok_or("no STATS record: the device did not finish")?;
    let (epoch, auth) = device_epoch.ok_or("no EPOCH record: the device never applied its commit")?;
    if texts.next().is_some() || sent < 2 || commits != 1 {
        return Err(format!(
            "the device transmitted {sent} messages and {commits} commits; expected 2 and 1"
        ));
    }
    if lost_apps == 0 || lost_commits == 0 {
        return Err("the reset plan did not lose a message and a commit before transmission".into());
    }
    let final_epoch = s.agree();
    if final_epoch != epoch {
        return Err(format!(
            "members moved on to epoch {final_epoch} after the device's {epoch}"
        ));
    }
    println!(
        "member-host: {n} members: all {others} others decrypted the device's {sent} messages and applied its commit; \
         all agree on epoch {epoch}, epoch authenticator {}…",
        &auth[..16]
    );
    println!(
        "member-host: {lost_apps} message and {lost_commits} commit were lost to resets before transmission; \
         every member also decrypted the lost message and then the next one, so no generation was reused"
    );
    println!(
        "STATS members={n} peak_stack={} state_bytes={} group_bytes={} boots={} resets={}",
        stats.peak_stack, stats.state_bytes, stats.group_bytes, stats.boots, stats.resets
    );
    Ok(())
}

fn verify(dir: &Path) -> Result<(), String> {
    let mut checked = 0;
    for n in SIZES {
        let path = dir.join(format!("out-{n}.bin"));
        let Ok(out) = std::fs::read(&path) else { continue };
        verify_one(dir, n, &out).map_err(|e| format!("{}: {e}", path.display()))?;
        checked += 1;
    }
    if checked == 0 {
        return Err(format!("no out-N.bin in {}", dir.display()));
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let r = match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("gen"), Some(dir)) => generate(Path::new(dir)),
        (Some("verify"), Some(dir)) => verify(Path::new(dir)),
        _ => Err("usage: member-host gen|verify DIR".into()),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("member-host: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}
