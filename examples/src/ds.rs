//! A tiny in-memory Delivery Service (RFC 9420 §3).
//!
//! It moves opaque `MLSMessage` bytes and decides their order: every member
//! receives group messages in the order the DS accepted them. Like a real
//! DS it can read only the cleartext `MLSMessage` header (version and wire
//! format). Handshakes are sent as PrivateMessages here, so the DS cannot
//! see who a commit adds or removes: the application tells it who is in
//! the group ([`DeliveryService::subscribe`]).

use std::collections::{BTreeMap, VecDeque};

use crate::util::short_hex;

/// One message waiting in a member's inbox.
pub struct Envelope {
    /// Who posted it.
    pub from: &'static str,
    /// The `MLSMessage`, exactly as posted.
    pub bytes: Vec<u8>,
}

/// The Delivery Service: a KeyPackage directory and one inbox per member.
#[derive(Default)]
pub struct DeliveryService {
    key_packages: BTreeMap<&'static str, Vec<u8>>,
    /// Who receives group traffic, in the order they joined.
    group: Vec<&'static str>,
    inboxes: BTreeMap<&'static str, VecDeque<Envelope>>,
    /// Messages and bytes relayed, for the summary.
    pub relayed: usize,
    /// Total bytes relayed.
    pub relayed_bytes: usize,
}

impl DeliveryService {
    /// Stores a client's KeyPackage (an `MLSMessage`) for others to fetch.
    pub fn publish_key_package(&mut self, owner: &'static str, key_package: Vec<u8>) {
        println!(
            "  [DS] stores {owner}'s KeyPackage: {}, {} B  {}",
            wire_format(&key_package),
            key_package.len(),
            short_hex(&key_package, 12)
        );
        self.key_packages.insert(owner, key_package);
    }

    /// Hands out a client's KeyPackage; each one is used once (§10).
    pub fn fetch_key_package(&mut self, owner: &'static str) -> Option<Vec<u8>> {
        self.key_packages.remove(owner)
    }

    /// `name` receives group traffic from now on.
    pub fn subscribe(&mut self, name: &'static str) {
        if !self.group.contains(&name) {
            self.group.push(name);
        }
    }

    /// `name` no longer receives group traffic.
    pub fn unsubscribe(&mut self, name: &'static str) {
        self.group.retain(|n| *n != name);
    }

    /// A commit goes to every member, its sender included: the sender
    /// applies its own commit only when the DS echoes it back, so everyone
    /// applies commits in the DS's order. The Welcome goes to the members
    /// the commit adds, who then receive group traffic.
    pub fn post_commit(&mut self, from: &'static str, commit: &[u8], welcome: Option<(&[u8], &[&'static str])>) {
        let to = self.group.clone();
        self.fan_out(from, commit, &to);
        if let Some((welcome, joiners)) = welcome {
            self.fan_out(from, welcome, joiners);
            joiners.iter().for_each(|j| self.subscribe(j));
        }
    }

    /// A proposal or application message goes to every other member.
    pub fn post(&mut self, from: &'static str, message: &[u8]) {
        let to: Vec<_> = self.group.iter().copied().filter(|n| *n != from).collect();
        self.fan_out(from, message, &to);
    }

    /// Who receives group traffic, in the order they joined.
    pub fn group(&self) -> &[&'static str] {
        &self.group
    }

    /// The next message waiting for `name`.
    pub fn next_for(&mut self, name: &'static str) -> Option<Envelope> {
        self.inboxes.get_mut(name)?.pop_front()
    }

    fn fan_out(&mut self, from: &'static str, bytes: &[u8], to: &[&'static str]) {
        println!(
            "  [DS] {from} -> {}: {}, {} B  {}",
            to.join(", "),
            wire_format(bytes),
            bytes.len(),
            short_hex(bytes, 12)
        );
        for name in to {
            self.inboxes.entry(name).or_default().push_back(Envelope {
                from,
                bytes: bytes.to_vec(),
            });
            self.relayed += 1;
            self.relayed_bytes += bytes.len();
        }
    }
}

/// The wire format named in an `MLSMessage` header (§6), which a DS can read.
pub fn wire_format(message: &[u8]) -> &'static str {
    match message.get(2..4) {
        Some([0, 1]) => "mls_public_message",
        Some([0, 2]) => "mls_private_message",
        Some([0, 3]) => "mls_welcome",
        Some([0, 4]) => "mls_group_info",
        Some([0, 5]) => "mls_key_package",
        _ => "unknown",
    }
}
