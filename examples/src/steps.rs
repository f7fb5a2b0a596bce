//! The story, one function per step. Each prints what happens and checks
//! every claim it prints.

use mls_nostd::Error;
use mls_nostd::group::{CommitOptions, Group, Status};
use mls_nostd::proposal::Proposal;
use rand_core::Rng;

use crate::member::{DemoGroup, NOW, Received, SUITE, config, parse_key_package};
use crate::util::{Context, Result, ensure, hex, short_hex};
use crate::world::{World, expect_all};
use crate::{heading, seed};

const ALL: [&str; 4] = ["Alice", "Bob", "Carol", "Dave"];

/// Step 1: Alice creates the group, with her own KeyPackage's LeafNode as leaf 0.
pub fn create(w: &mut World) -> Result<()> {
    heading("1. Alice creates a group");
    let alice = &mut w["Alice"];
    let mut group_id = [0u8; 16];
    alice.rng.fill_bytes(&mut group_id);
    alice.key_package()?;
    alice.create_group(&group_id)?;
    println!("  group id:            {}", hex(alice.group.group_id()));
    println!("  epoch:               {}", alice.group.epoch());
    println!(
        "  epoch authenticator: {}",
        short_hex(alice.group.epoch_authenticator(), 8)
    );
    println!("  members:             {:?}", alice.roster());
    w.ds.subscribe("Alice");
    Ok(())
}

/// Step 2: Three KeyPackages, one commit with three Adds, one Welcome. The
/// commit comes back to Alice through the DS, and only then does she
/// move to the new epoch.
pub fn add(w: &mut World) -> Result<()> {
    heading("2. Bob, Carol and Dave publish KeyPackages; Alice adds them in one commit");
    let joiners = ["Bob", "Carol", "Dave"];
    for name in joiners {
        let kp = w[name].key_package()?;
        w.ds.publish_key_package(name, kp);
    }
    let fetched = joiners
        .map(|n| {
            w.ds.fetch_key_package(n)
                .ok_or(format!("the DS has no KeyPackage for {n}"))
        })
        .into_iter()
        .collect::<std::result::Result<Vec<_>, _>>()?;
    println!("  Alice fetches the three KeyPackages from the DS and checks their signatures");
    let adds = fetched
        .iter()
        .map(|kp| {
            Ok(Proposal::Add {
                key_package: parse_key_package(kp)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let options = CommitOptions {
        proposals: &adds,
        ..CommitOptions::default()
    };
    let (commit, welcome) = w["Alice"].commit(&options)?;
    let welcome = welcome.ok_or("a commit with Adds produced no Welcome")?;
    println!(
        "  Alice commits 3 Adds, and stays at epoch {} until the DS echoes the commit",
        w["Alice"].group.epoch()
    );
    w.ds.post_commit("Alice", &commit, Some((&welcome, &joiners)));
    let received = w.deliver()?;
    let own = Received::Commit {
        from: "Alice".into(),
        epoch: 1,
        own: true,
    };
    expect_all(&received, &["Alice"], &own, "Alice's echoed commit")?;
    expect_all(&received, &joiners, &Received::Joined { epoch: 1 }, "the Welcome")?;

    println!("  members (leaf index: identity from the Basic credential):");
    let roster = w["Alice"].roster();
    for (leaf, identity) in &roster {
        println!("    {leaf}: {identity}");
    }
    for name in joiners {
        ensure!(
            w[name].roster() == roster,
            "{name} sees the members {:?}",
            w[name].roster()
        );
    }
    println!("  ✓ all four see the same member list");
    w.agree(&ALL)
}

/// Step 3: Application messages: encrypted, padded, with authenticated data.
pub fn chat(w: &mut World) -> Result<()> {
    heading("3. Application messages, with authenticated data, padded to a multiple of 64 bytes");
    println!("  (the aad travels in clear, bound to the message by its signature and the AEAD)");
    let messages = [
        ("Alice", "Welcome, everyone!", "chat#1"),
        (
            "Bob",
            "Thanks Alice. Hi Carol, hi Dave, good to see you here.",
            "chat#2",
        ),
        ("Carol", "Hello!", "chat#3"),
        ("Dave", "Glad to be here.", "chat#4"),
    ];
    let mut sizes = Vec::new();
    for (sender, text, aad) in messages {
        let wire = w.chat(sender, text, aad)?;
        sizes.push((text.len(), wire.len()));
    }
    println!("  ✓ every message decrypted by every other member, text and aad intact");
    println!("  sizes (text -> PrivateMessage on the wire):");
    for (text, wire) in &sizes {
        println!("    {text:>2} B -> {wire} B");
    }
    let short: Vec<_> = sizes.iter().filter(|(t, _)| *t < 20).collect();
    ensure!(
        short.windows(2).all(|p| p[0].1 == p[1].1),
        "padding: texts under 20 bytes travel as messages of different lengths: {sizes:?}"
    );
    println!("  ✓ the texts of 6, 16 and 18 bytes travel as messages of the same length");
    Ok(())
}

/// Step 4: Carol's leaf keys rotate twice: by her own commit with no proposals
/// but a path, then by an Update proposal that Bob commits.
pub fn rotate(w: &mut World) -> Result<()> {
    heading("4. Carol rotates her keys");
    let carol = w["Carol"].group.own_leaf();
    let first = leaf_key(w, "Alice", carol)?;
    let (commit, _) = w["Carol"].commit(&CommitOptions {
        force_path: true,
        ..CommitOptions::default()
    })?;
    println!("  Carol commits no proposals, only a fresh path (force_path)");
    w.ds.post_commit("Carol", &commit, None);
    w.deliver()?;
    w.agree(&ALL)?;
    let second = leaf_key(w, "Alice", carol)?;
    ensure!(second != first, "Carol's leaf key did not change");
    println!(
        "  Carol's leaf encryption key: {} -> {}",
        short_hex(&first, 8),
        short_hex(&second, 8)
    );

    println!("  Carol proposes an Update; Bob commits it");
    let proposal = w["Carol"].propose_update()?;
    w.ds.post("Carol", &proposal);
    w.deliver()?;
    let (commit, _) = w["Bob"].commit(&CommitOptions::default())?;
    w.ds.post_commit("Bob", &commit, None);
    w.deliver()?;
    w.agree(&ALL)?;
    let third = leaf_key(w, "Alice", carol)?;
    ensure!(third != second, "Carol's Update did not change her leaf key");
    for name in ALL {
        ensure!(leaf_key(w, name, carol)? == third, "{name} sees another key for Carol");
    }
    println!(
        "  Carol's leaf encryption key: {} -> {}",
        short_hex(&second, 8),
        short_hex(&third, 8)
    );
    w.chat("Carol", "New keys, same Carol.", "chat#5")?;
    Ok(())
}

/// Step 5: Alice removes Dave; a message sent afterwards is beyond him.
pub fn remove(w: &mut World) -> Result<()> {
    heading("5. Alice removes Dave");
    let dave_leaf = w["Dave"].group.own_leaf();
    let dave_old_flash = w["Dave"].flash.clone();
    let remove = [Proposal::Remove { removed: dave_leaf }];
    let (commit, _) = w["Alice"].commit(&CommitOptions {
        proposals: &remove,
        ..CommitOptions::default()
    })?;
    w.ds.post_commit("Alice", &commit, None);
    let received = w.deliver()?;
    expect_all(
        &received,
        &["Dave"],
        &Received::Removed { by: "Alice".into() },
        "Dave's removal",
    )?;
    let status = w["Dave"].group.status();
    ensure!(status == Status::Removed, "Dave's status is {status:?}");
    w.ds.unsubscribe("Dave");
    w.agree(&["Alice", "Bob", "Carol"])?;
    println!("  members now: {:?}", w["Alice"].roster());

    let wire = w.chat("Bob", "Dave is gone. Now, about his birthday present...", "chat#6")?;
    println!("  Dave copies that ciphertext off the network and tries to read it:");
    let attempt = w["Dave"].process(&wire).map(|_| ());
    println!("    with his current state: {}", outcome(attempt));
    ensure!(attempt.is_err(), "Dave read a message sent after his removal");
    let mut old: Box<DemoGroup> = Box::new(Group::new(SUITE, config()));
    old.restore(&dave_old_flash).context("restore Dave's old state")?;
    let mut buf = vec![0u8; wire.len()];
    let attempt = old.process(&wire, &(), NOW, &mut buf).map(|_| ());
    println!(
        "    with his state saved at epoch {}: {}",
        old.epoch(),
        outcome(attempt)
    );
    ensure!(attempt.is_err(), "Dave's old state read a message of a later epoch");
    println!("  ✓ Dave cannot read it; Alice and Carol could");
    Ok(())
}

/// Step 6: Bob saves, restarts from flash, and goes on. Bytes to send are
/// released only by a save made after they were produced.
pub fn restart(w: &mut World) -> Result<()> {
    heading("6. Bob saves his state, restarts, and keeps talking");
    let bob = &mut w["Bob"];
    let saved = bob.persist()?;
    let before = (bob.group.epoch(), bob.group.epoch_authenticator().to_vec());
    println!("  Bob saves his state: {} bytes to flash", saved.len());
    bob.restart(seed("Bob after restart"))?;
    println!("  Bob restarts: Group::new(..), then restore() from flash");
    let after = (bob.group.epoch(), bob.group.epoch_authenticator().to_vec());
    ensure!(
        after == before,
        "Bob's restored state differs: {after:?}, saved {before:?}"
    );
    println!("  ✓ restored at epoch {}, same epoch authenticator", after.0);

    println!("  The rule: first save the state that produced a message, then send the message.");
    let mut out = vec![0u8; 1024];
    let outgoing = bob
        .group
        .send(b"Back online!", b"chat#7", &mut bob.rng, &mut out)
        .context("Bob encrypts")?;
    println!("  Bob encrypts a message and releases it with the proof of the save made BEFORE it:");
    match outgoing.release(&saved) {
        Err(Error::NotSaved) => println!("    refused: {} (Error::NotSaved)", Error::NotSaved),
        Err(e) => return Err(format!("early release: expected NotSaved, got {e:?}").into()),
        Ok(_) => return Err("early release: bytes released before the state was saved".into()),
    }
    println!("    that message is never sent; its key generation is simply skipped");
    let outgoing = bob
        .group
        .send(b"Back online!", b"chat#7", &mut bob.rng, &mut out)
        .context("Bob encrypts")?;
    let saved = bob.persist()?;
    let wire = outgoing.release(&saved).context("release after save")?.to_vec();
    println!(
        "  Bob encrypts again, saves ({} bytes), then releases {} B for the DS",
        saved.len(),
        wire.len()
    );
    let epoch = bob.group.epoch();
    w.ds.post("Bob", &wire);
    let received = w.deliver()?;
    let expected = Received::Application {
        from: "Bob".into(),
        epoch,
        data: "Back online!".into(),
        authenticated_data: "chat#7".into(),
    };
    expect_all(
        &received,
        &["Alice", "Carol"],
        &expected,
        "Bob's message after his restart",
    )?;
    w.chat("Alice", "Welcome back, Bob.", "chat#8")?;
    println!("  ✓ Bob sends and receives after the restart");
    Ok(())
}

/// The encryption key of `leaf` as member `viewer` sees it.
fn leaf_key(w: &World, viewer: &str, leaf: u32) -> Result<Vec<u8>> {
    let node = w[viewer]
        .group
        .member(leaf)
        .ok_or(format!("{viewer}: leaf {leaf} is blank"))?;
    Ok(node.encryption_key.to_vec())
}

/// How a decryption attempt went, for printing.
fn outcome(r: std::result::Result<(), Error>) -> String {
    match r {
        Ok(()) => "decrypted!".into(),
        Err(e) => format!("refused: {e} ({e:?})"),
    }
}
