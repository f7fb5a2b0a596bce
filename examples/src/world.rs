//! The members and the DS between them: moving messages, and the checks
//! the narrative relies on.

use std::ops::{Index, IndexMut};

use crate::ds::DeliveryService;
use crate::member::{Member, Received};
use crate::util::{Result, ensure, short_hex};

/// Everyone in the demo: the DS and the member devices, found by name
/// (`world["Alice"]`).
pub struct World {
    pub ds: DeliveryService,
    pub members: Vec<Member>,
}

impl Index<&str> for World {
    type Output = Member;
    fn index(&self, name: &str) -> &Member {
        self.members.iter().find(|m| m.name == name).expect("no such member")
    }
}

impl IndexMut<&str> for World {
    fn index_mut(&mut self, name: &str) -> &mut Member {
        self.members
            .iter_mut()
            .find(|m| m.name == name)
            .expect("no such member")
    }
}

impl World {
    /// Lets each member in turn process everything the DS holds for it, in
    /// the DS's order, and prints what happened. Returns what each received.
    pub fn deliver(&mut self) -> Result<Vec<(&'static str, Received)>> {
        let mut all = Vec::new();
        for m in self.members.iter_mut() {
            while let Some(envelope) = self.ds.next_for(m.name) {
                let received = m
                    .receive(&envelope)
                    .map_err(|e| format!("{} could not process a message from {}: {e}", m.name, envelope.from))?;
                print_received(m.name, &received);
                all.push((m.name, received));
            }
        }
        Ok(all)
    }

    /// `sender` sends `text` with authenticated data `aad` through the DS;
    /// every member the DS delivers it to must decrypt exactly that.
    /// Returns the wire bytes.
    pub fn chat(&mut self, sender: &'static str, text: &str, aad: &str) -> Result<Vec<u8>> {
        println!("  {sender} sends {text:?} [aad {aad:?}]");
        let wire = self[sender].send(text, aad)?;
        self.ds.post(sender, &wire);
        let receivers: Vec<&str> = self.ds.group().iter().copied().filter(|n| *n != sender).collect();
        let received = self.deliver()?;
        let expected = Received::Application {
            from: sender.into(),
            epoch: self[sender].group.epoch(),
            data: text.into(),
            authenticated_data: aad.into(),
        };
        expect_all(&received, &receivers, &expected, "application message")?;
        Ok(wire)
    }

    /// Checks, and prints, that the members `names` are in the same epoch
    /// with the same epoch authenticator (§8.7).
    pub fn agree(&self, names: &[&str]) -> Result<()> {
        let first = &self[*names.first().ok_or("agree: no members")?];
        let (epoch, auth) = (first.group.epoch(), first.group.epoch_authenticator());
        for name in names {
            let m = &self[*name];
            ensure!(
                m.group.epoch() == epoch && m.group.epoch_authenticator() == auth,
                "{name} is at epoch {} with epoch authenticator {}, {} at epoch {epoch} with {}",
                m.group.epoch(),
                short_hex(m.group.epoch_authenticator(), 8),
                first.name,
                short_hex(auth, 8)
            );
        }
        println!(
            "  ✓ {} agree: epoch {epoch}, epoch authenticator {}",
            names.join(", "),
            short_hex(auth, 8)
        );
        Ok(())
    }
}

/// Checks that each of `names` received exactly `expected`; `what` names
/// the message in the failure.
pub fn expect_all(
    received: &[(&'static str, Received)],
    names: &[&str],
    expected: &Received,
    what: &str,
) -> Result<()> {
    for name in names {
        let got: Vec<_> = received.iter().filter(|(n, _)| n == name).map(|(_, r)| r).collect();
        ensure!(
            got == [expected],
            "{what}: {name} received {got:?}, expected exactly {expected:?}"
        );
    }
    Ok(())
}

fn print_received(who: &str, received: &Received) {
    match received {
        Received::Joined { epoch } => println!("  {who} joins from the Welcome, at epoch {epoch}"),
        Received::Application {
            from,
            data,
            authenticated_data,
            ..
        } => println!("  {who} decrypts {from}'s message: {data:?} [aad {authenticated_data:?}]"),
        Received::Proposal { from } => println!("  {who} keeps {from}'s proposal for the next commit"),
        Received::Commit { own: true, epoch, .. } => {
            println!("  {who} gets the commit back from the DS and applies it: epoch {epoch}")
        }
        Received::Commit { from, epoch, .. } => println!("  {who} applies {from}'s commit: epoch {epoch}"),
        Received::Removed { by } => println!("  {who} is removed by {by}: Event::Removed"),
    }
}
