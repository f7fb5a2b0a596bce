//! A first tour of `mls-nostd`: Alice, Bob, Carol and Dave form an MLS
//! group (RFC 9420), chat, rotate keys, remove a member, and survive a
//! restart. Every message crosses a small in-memory Delivery Service as
//! `MLSMessage` bytes.
//!
//! Each claim the output makes is checked: on a failed check the program
//! prints `DEMO FAILED: ...` and exits with code 1, so it doubles as a
//! smoke test. Run it with `cargo run --release -p mls-demo`.
//!
//! - `steps.rs`: the story, steps 1 to 6; the summary is below.
//! - `world.rs`: the members and the DS, delivery and the agreement checks.
//! - `member.rs`: one device: `Group`, keys, RNG, and its flash.
//! - `ds.rs`: the Delivery Service.

mod ds;
mod member;
mod steps;
mod util;
mod world;

use std::process::ExitCode;

use member::{Member, UNIX_TIME};
use util::{Context, Result, ensure, hex, short_hex};
use world::World;

/// A reproducible 32-byte RNG seed named by `label`. Real deployments seed
/// from the OS (or a hardware TRNG), never from a constant.
fn seed(label: &str) -> [u8; 32] {
    let mut s = [0u8; 32];
    s.iter_mut().zip(label.bytes()).for_each(|(d, b)| *d = b);
    s
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => {
            println!("\nAll checks passed.");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!();
            eprintln!("DEMO FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints a step's title.
fn heading(title: &str) {
    println!("\n== {title} ==");
}

fn run() -> Result<()> {
    println!("mls-nostd demo: one MLS group (RFC 9420), four members, one Delivery Service (DS)");
    println!("cipher suite 1, MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519");
    println!("clock: fixed, Unix time {UNIX_TIME} (2026-01-01T00:00:00Z); LeafNode lifetimes are checked against it");
    println!("randomness: ChaCha20 with fixed seeds, for reproducible output (real devices use an OS RNG)");
    println!("every member saves its state to (simulated) flash before its bytes go to the DS; step 6 shows why");

    let mut w = World {
        ds: Default::default(),
        members: ["Alice", "Bob", "Carol", "Dave"]
            .into_iter()
            .map(|name| Member::new(name, seed(name)))
            .collect(),
    };
    steps::create(&mut w)?;
    steps::add(&mut w)?;
    steps::chat(&mut w)?;
    steps::rotate(&mut w)?;
    steps::remove(&mut w)?;
    steps::restart(&mut w)?;
    summary(&w)
}

/// Step 7: Every remaining member's epoch, epoch authenticator and an exporter
/// output, which must agree.
fn summary(w: &World) -> Result<()> {
    heading("7. Summary");
    let label = "mls-demo summary";
    println!("  exporter: MLS-Exporter({label:?}, \"\", 16)");
    println!(
        "  {:<6} {:>4} {:>6}  {:<20} exporter",
        "member", "leaf", "epoch", "epoch authenticator"
    );
    let remaining = ["Alice", "Bob", "Carol"];
    let mut exports = Vec::new();
    for m in remaining.map(|n| &w[n]) {
        let mut out = [0u8; 16];
        m.group.export(label.as_bytes(), b"", &mut out).context("export")?;
        println!(
            "  {:<6} {:>4} {:>6}  {:<20} {}",
            m.name,
            m.group.own_leaf(),
            m.group.epoch(),
            short_hex(m.group.epoch_authenticator(), 8),
            hex(&out)
        );
        exports.push(out);
    }
    let dave = &w["Dave"];
    ensure!(!dave.active(), "Dave is still active");
    let gone = dave.group.epoch() + 1;
    println!(
        "  {:<6} {:>4} {:>6}  removed by the commit that started epoch {gone}",
        "Dave", "-", "-"
    );
    w.agree(&remaining)?;
    ensure!(
        exports.windows(2).all(|e| e[0] == e[1]),
        "exporter outputs differ: {exports:?}"
    );
    println!("  ✓ Alice, Bob and Carol export the same secret");
    println!(
        "  the DS relayed {} messages, {} bytes in all",
        w.ds.relayed, w.ds.relayed_bytes
    );
    Ok(())
}
