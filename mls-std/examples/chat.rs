//! The classic chat: Alice, Bob and Charlie in one MLS group (RFC 9420),
//! through the `mls-std` [`Client`].
//!
//! Alice creates the group and invites Bob; Bob invites Charlie. They send
//! messages with authenticated data (sent in the clear, bound to the
//! ciphertext), each rotates their keys with a self-update, and Alice
//! removes Charlie, who can then read nothing more. After every step each
//! member checks that the others agree on the epoch and its
//! `epoch_authenticator` (RFC 9420 §8.7).
//!
//! The Delivery Service is this program handing bytes from one client to
//! the others. Each client keeps its state in memory (see the `gateway`
//! example for state on disk).
//!
//! Run it with `cargo run -p mls-std --example chat`; it exits non-zero if
//! any check fails.

use mls_std::client::{Client, Received, SendOptions, Suite1};
use std::error::Error;
use std::process::ExitCode;

type C = Client<Suite1>;
type Result<T> = std::result::Result<T, Box<dyn Error>>;

const CHAT: &[u8] = b"chat";

fn main() -> ExitCode {
    match run() {
        Ok(()) => {
            println!("\nchat example: all checks passed");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\nchat example FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let alice = Client::new(b"alice", Suite1)?;
    let bob = Client::new(b"bob", Suite1)?;
    let charlie = Client::new(b"charlie", Suite1)?;

    step("1. Alice creates the group");
    alice.create_group(CHAT)?;
    agree(&[&alice])?;

    step("2. Bob publishes a KeyPackage; Alice invites him");
    let key_package = bob.fresh_key_package()?;
    println!("  Bob's KeyPackage: {} bytes", key_package.len());
    let invite = alice.invite_member(CHAT, &key_package)?;
    println!(
        "  Alice's commit: {} bytes, Welcome: {} bytes",
        invite.commit.len(),
        invite.welcome.len()
    );
    match bob.receive(&invite.welcome)? {
        Received::Joined { epoch, .. } => println!("  Bob joins at epoch {epoch}"),
        other => return Err(format!("Bob: expected to join, got {other:?}").into()),
    }
    agree(&[&alice, &bob])?;

    step("3. Charlie publishes a KeyPackage; Bob (not the creator) invites him");
    let invite = bob.invite_member(CHAT, &charlie.fresh_key_package()?)?;
    expect_commit(&alice, &invite.commit)?;
    charlie.join_group(&invite.welcome)?;
    println!("  Charlie joins at epoch {}", charlie.epoch(CHAT)?);
    print_members(&charlie)?;
    agree(&[&alice, &bob, &charlie])?;

    step("4. Messages, with authenticated data");
    talk(&alice, b"hi both!", b"thread: general", &[&bob, &charlie])?;
    talk(
        &bob,
        b"hello Alice, hello Charlie",
        b"thread: general",
        &[&alice, &charlie],
    )?;
    talk(
        &charlie,
        b"thanks for the invite, Bob",
        b"reply-to: bob",
        &[&alice, &bob],
    )?;
    agree(&[&alice, &bob, &charlie])?;

    step("5. Key rotation: each member updates its own keys");
    for (who, others) in [
        (&alice, [&bob, &charlie]),
        (&bob, [&alice, &charlie]),
        (&charlie, [&alice, &bob]),
    ] {
        let commit = who.self_update(CHAT)?;
        println!("  {} rotates its keys: epoch {}", name(who), who.epoch(CHAT)?);
        for other in others {
            expect_commit(other, &commit.commit)?;
        }
        agree(&[&alice, &bob, &charlie])?;
    }
    talk(&bob, b"fresh keys all round", b"", &[&alice, &charlie])?;

    step("6. Alice removes Charlie");
    let removal = alice.remove_member(CHAT, b"charlie")?;
    expect_commit(&bob, &removal.commit)?;
    match charlie.receive(&removal.commit)? {
        Received::Removed { by, .. } => {
            println!("  Charlie learns he was removed by {}", text(&by.unwrap_or_default()))
        }
        other => return Err(format!("Charlie: expected removal, got {other:?}").into()),
    }
    println!("  Charlie's status: {:?}", charlie.status(CHAT)?);
    if charlie.send(CHAT, b"am I still here?").is_ok() {
        return Err("Charlie could still send after his removal".into());
    }
    println!("  Charlie can no longer send");
    let secret = alice.send(CHAT, b"just the two of us now")?;
    expect_text(bob.receive(&secret)?, "alice", b"just the two of us now")?;
    if charlie.receive(&secret).is_ok() {
        return Err("Charlie could read a message sent after his removal".into());
    }
    println!("  Bob reads Alice's next message; Charlie cannot");
    print_members(&alice)?;
    agree(&[&alice, &bob])?;

    step("7. Where everyone stands");
    for c in [&alice, &bob, &charlie] {
        println!(
            "  {:<8} epoch {}, status {:?}",
            name(c),
            c.epoch(CHAT)?,
            c.status(CHAT)?
        );
    }
    Ok(())
}

fn step(title: &str) {
    println!("\n== {title} ==");
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

/// Every client in `clients` sees the same epoch and epoch authenticator.
fn agree(clients: &[&C]) -> Result<()> {
    let epoch = clients[0].epoch(CHAT)?;
    let auth = clients[0].epoch_authenticator(CHAT)?;
    for c in clients {
        if c.epoch(CHAT)? != epoch || c.epoch_authenticator(CHAT)? != auth {
            return Err(format!("{} disagrees with {} on epoch {epoch}", name(c), name(clients[0])).into());
        }
    }
    let names: Vec<_> = clients.iter().map(|c| name(c)).collect();
    println!(
        "  epoch {epoch}, authenticator {}…, agreed by {}",
        &hex(&auth)[..16],
        names.join(", ")
    );
    Ok(())
}

fn print_members(c: &C) -> Result<()> {
    let members: Vec<_> = c
        .members(CHAT)?
        .iter()
        .map(|m| format!("{}: {}", m.leaf_index, text(&m.identity)))
        .collect();
    println!("  members (leaf: identity): {}", members.join(", "));
    Ok(())
}

/// `from` sends `data` with `aad`; every one of `to` reads it.
fn talk(from: &C, data: &[u8], aad: &[u8], to: &[&C]) -> Result<()> {
    let options = SendOptions {
        authenticated_data: aad,
        ..Default::default()
    };
    let sent = from.send_with(CHAT, data, options)?;
    println!(
        "  {} sends {:?} ({} bytes on the wire)",
        name(from),
        text(data),
        sent.message.len()
    );
    for c in to {
        match c.receive(&sent.message)? {
            Received::Application {
                sender,
                data: got,
                authenticated_data,
                ..
            } if sender == from.identity() && got == data && authenticated_data == aad => {
                println!(
                    "    {} reads it, from {}, authenticated data {:?}",
                    name(c),
                    text(&sender),
                    text(&authenticated_data)
                );
            }
            other => return Err(format!("{}: unexpected {other:?}", name(c)).into()),
        }
    }
    Ok(())
}

fn expect_text(r: Received, from: &str, data: &[u8]) -> Result<()> {
    match r {
        Received::Application { sender, data: got, .. } if sender == from.as_bytes() && got == data => Ok(()),
        other => Err(format!("expected {:?} from {from}, got {other:?}", text(data)).into()),
    }
}

/// `c` applies a commit.
fn expect_commit(c: &C, commit: &[u8]) -> Result<()> {
    match c.receive(commit)? {
        Received::Commit {
            committer,
            added,
            removed,
            epoch,
            ..
        } => {
            let names = |v: &[Vec<u8>]| v.iter().map(|i| text(i)).collect::<Vec<_>>();
            println!(
                "    {} applies {}'s commit: epoch {epoch}, added {:?}, removed {:?}",
                name(c),
                text(&committer.unwrap_or_default()),
                names(&added),
                names(&removed)
            );
            Ok(())
        }
        other => Err(format!("{}: expected a commit, got {other:?}", name(c)).into()),
    }
}
