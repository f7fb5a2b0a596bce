//! A large group through the `Client`, on memory that grows with it: the
//! creator adds `N - 1` members in batches, a new member joins with the
//! ratchet tree out of band, the creator commits a self-update and the
//! joiner processes it; both must agree on the epoch authenticator.
//! Prints the time of each step and the creator's resident memory per
//! member (Linux `/proc/self/status`), and what its stored state takes.
//!
//! ```sh
//! cargo run --release -p mls-std --example big_group -- 10000 1000
//! ```
//!
//! Arguments: members (default 1,000) and members added per commit
//! (default 500). The protocol checks a joiner runs on the whole tree are
//! today quadratic in the number of members (see issue 11), so 10,000
//! members take minutes.

use mls_std::client::{RatchetTreeDelivery, Suite1};
use mls_std::storage::{MemoryStorage, Space, Storage};
use mls_std::{Client, ClientError};
use std::sync::Arc;
use std::time::Instant;

const GROUP: &[u8] = b"big group";

/// Resident memory of this process, in bytes (0 where `/proc` is absent).
fn resident() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn main() -> Result<(), ClientError> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let members = args.next().and_then(Result::ok).unwrap_or(1000).max(2);
    let batch = args.next().and_then(Result::ok).unwrap_or(500).max(1);
    println!("big_group: {members} members, {batch} added per commit");

    // KeyPackages of members-1 other clients (their clients are not kept:
    // only the creator's and the joiner's memory is measured).
    let start = Instant::now();
    let key_packages: Vec<Vec<u8>> = (1..members)
        .map(|i| Client::new(format!("member {i:05}").as_bytes(), Suite1)?.fresh_key_package())
        .collect::<Result<_, _>>()?;
    println!(
        "  {} KeyPackages made in {:.1} s",
        key_packages.len(),
        start.elapsed().as_secs_f64()
    );

    let before = resident();
    let storage = Arc::new(MemoryStorage::new());
    let creator = Client::builder(b"creator", Suite1)
        .storage(storage.clone())
        .ratchet_tree(RatchetTreeDelivery::OutOfBand)
        .build()?;
    creator.create_group(GROUP)?;
    let start = Instant::now();
    for (i, chunk) in key_packages.chunks(batch).enumerate() {
        let t = Instant::now();
        let refs: Vec<&[u8]> = chunk.iter().map(Vec::as_slice).collect();
        creator.invite_members(GROUP, &refs)?;
        println!(
            "  commit {:>3}: +{} members -> {} ({:.2} s)",
            i + 1,
            chunk.len(),
            creator.members(GROUP)?.len(),
            t.elapsed().as_secs_f64()
        );
    }
    drop(key_packages);
    let built = resident();
    println!(
        "  {} members added in {:.1} s",
        members - 1,
        start.elapsed().as_secs_f64()
    );

    // A new member joins, the tree out of band.
    let joiner = Client::new(b"joiner", Suite1)?;
    let kp = joiner.fresh_key_package()?;
    let t = Instant::now();
    let invitation = creator.invite_member(GROUP, &kp)?;
    println!("  invite of the joiner: {:.2} s", t.elapsed().as_secs_f64());
    let tree = invitation.ratchet_tree.clone().unwrap_or_default();
    let t = Instant::now();
    joiner.join_group_with_tree(&invitation.welcome, &tree)?;
    println!(
        "  joiner joined a tree of {} B in {:.2} s",
        tree.len(),
        t.elapsed().as_secs_f64()
    );
    let joined = resident();

    // A commit with a path by the creator, processed by the joiner.
    let t = Instant::now();
    let update = creator.self_update(GROUP)?;
    println!("  creator's self_update: {:.2} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    joiner.receive(&update.commit)?;
    println!("  joiner processed it: {:.3} s", t.elapsed().as_secs_f64());

    let n = creator.members(GROUP)?.len();
    let agree = creator.epoch_authenticator(GROUP)? == joiner.epoch_authenticator(GROUP)?
        && creator.epoch(GROUP)? == joiner.epoch(GROUP)?;
    let stored = storage.get(Space::Group, GROUP)?.map_or(0, |r| r.len());
    println!("  members: {n}, epoch {}, agree: {agree}", creator.epoch(GROUP)?);
    println!(
        "  resident memory: {:.1} MiB before the group, {:.1} MiB with it, {:.1} MiB after the join",
        before as f64 / 1048576.0,
        built as f64 / 1048576.0,
        joined as f64 / 1048576.0
    );
    println!(
        "  creator's resident memory per member: {} B; its stored group record: {} B ({} B per member)",
        built.saturating_sub(before) / (members as u64),
        stored,
        stored / n.max(1)
    );
    if n != members + 1 || !agree {
        eprintln!("big_group: FAILED (members {n}, agree {agree})");
        std::process::exit(1);
    }
    println!("big_group: ok");
    Ok(())
}
