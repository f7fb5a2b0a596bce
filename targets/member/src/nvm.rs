//! The region that stands for flash: factory data, two state slots and a
//! download area. On QEMU it is a `NOLOAD` section, so its contents survive
//! a machine reset as flash would; RAM does not.
//!
//! Layout (byte offsets):
//!
//! | what | offset | bytes |
//! |---|---|---|
//! | harness bookkeeping (boots, resets fired, peak stack) | 0 | 64 |
//! | factory data (keys, KeyPackage, PSK), `u16` length + bytes each | 64 | 1024 |
//! | state slot A, then slot B | 1088 | 2 × [`SLOT`] |
//! | download area (the ratchet tree) | 1088 + 2 × [`SLOT`] | [`DOWNLOAD`] |
//!
//! A state slot is a 24-byte header (magic, sequence number, input cursor,
//! length, FNV-1a 64 of the rest) and the saved group. A save goes to the
//! older slot: its header is invalidated first and written last, so a reset
//! in the middle leaves the other slot as the latest valid one.

use crate::sizes::{DOWNLOAD, SLOT};

const META: usize = 64;
const FACTORY: usize = 1024;
const SLOTS_AT: usize = META + FACTORY;
const DOWNLOAD_AT: usize = SLOTS_AT + 2 * SLOT;
/// Bytes of the whole region.
pub const LEN: usize = DOWNLOAD_AT + DOWNLOAD;
const SLOT_HEADER: usize = 24;
const SLOT_MAGIC: u32 = 0x4d4c_5353; // "MLSS"
const META_MAGIC: u32 = 0x4d4c_534d; // "MLSM"

/// Factory fields: (offset in the factory area, capacity).
#[derive(Clone, Copy)]
pub enum Field {
    /// Signature private key.
    SignatureKey,
    /// The KeyPackage `MLSMessage`.
    KeyPackage,
    /// Init private key.
    InitKey,
    /// Leaf encryption private key.
    EncryptionKey,
    /// PSK id.
    PskId,
    /// PSK secret.
    PskSecret,
    /// Length of the downloaded ratchet tree (4 bytes).
    TreeLen,
}

impl Field {
    const fn span(self) -> (usize, usize) {
        match self {
            Field::SignatureKey => (0, 66),
            Field::KeyPackage => (66, 600),
            Field::InitKey => (666, 66),
            Field::EncryptionKey => (732, 66),
            Field::PskId => (798, 66),
            Field::PskSecret => (864, 66),
            Field::TreeLen => (930, 6),
        }
    }
}

/// Harness words in the bookkeeping area.
#[derive(Clone, Copy)]
pub enum Word {
    /// Boots so far.
    Boots = 1,
    /// Bitmask of the reset points that fired.
    Resets = 2,
    /// Peak stack over all boots.
    PeakStack = 3,
}

/// The flash stand-in's memory: the linker script of each firmware puts
/// section `.nvm` in a `NOLOAD` region outside RAM.
#[cfg(feature = "device")]
#[unsafe(link_section = ".nvm")]
static mut REGION: [u8; LEN] = [0; LEN];

/// The flash stand-in; see the [module docs](self).
pub struct Nvm {
    bytes: &'static mut [u8],
}

fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in parts.iter().flat_map(|p| p.iter()) {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        w.copy_from_slice(s);
    }
    u32::from_le_bytes(w)
}

fn put(b: &mut [u8], at: usize, v: &[u8]) {
    if let Some(d) = b.get_mut(at..at + v.len()) {
        d.copy_from_slice(v);
    }
}

/// The latest valid state slot.
pub struct Latest<'a> {
    /// Which slot (0 or 1).
    pub slot: usize,
    /// Its sequence number.
    pub seq: u32,
    /// Input offset to go on from.
    pub cursor: u32,
    /// The saved group.
    pub state: &'a [u8],
}

impl Nvm {
    /// The region; formats it (all zero) on the very first boot. Called
    /// once per boot.
    #[cfg(feature = "device")]
    pub(crate) fn take() -> Nvm {
        let region = &raw mut REGION;
        // SAFETY: called once per boot from the only thread, so this is the
        // only reference to the region.
        Nvm::over(unsafe { &mut *region })
    }

    /// The flash stand-in over `bytes` ([`LEN`] of them); formats it (all
    /// zero) unless it holds a formatted region already.
    pub fn over(bytes: &'static mut [u8]) -> Nvm {
        let nvm = Nvm { bytes };
        if u32_at(nvm.bytes, 0) != META_MAGIC {
            nvm.bytes.fill(0);
            put(nvm.bytes, 0, &META_MAGIC.to_le_bytes());
        }
        nvm
    }

    /// A harness word.
    pub fn word(&self, w: Word) -> u32 {
        u32_at(self.bytes, 4 * w as usize)
    }

    /// Sets a harness word.
    pub fn set_word(&mut self, w: Word, v: u32) {
        put(self.bytes, 4 * w as usize, &v.to_le_bytes());
    }

    /// A factory field (empty if never written).
    pub fn field(&self, f: Field) -> &[u8] {
        let (at, cap) = f.span();
        let at = META + at;
        let len = self
            .bytes
            .get(at..at + 2)
            .map_or(0, |l| usize::from(u16::from_le_bytes([l[0], l[1]])));
        self.bytes.get(at + 2..at + 2 + len.min(cap - 2)).unwrap_or_default()
    }

    /// Writes a factory field; `false` if it does not fit.
    pub fn set_field(&mut self, f: Field, v: &[u8]) -> bool {
        let (at, cap) = f.span();
        if v.len() > cap - 2 {
            return false;
        }
        put(self.bytes, META + at, &(v.len() as u16).to_le_bytes());
        put(self.bytes, META + at + 2, v);
        true
    }

    /// The download area.
    pub fn download(&self) -> &[u8] {
        self.bytes.get(DOWNLOAD_AT..).unwrap_or_default()
    }

    /// The download area, to write into.
    pub fn download_mut(&mut self) -> &mut [u8] {
        self.bytes.get_mut(DOWNLOAD_AT..).unwrap_or_default()
    }

    fn slot(&self, i: usize) -> &[u8] {
        let at = SLOTS_AT + i * SLOT;
        self.bytes.get(at..at + SLOT).unwrap_or_default()
    }

    fn slot_mut(&mut self, i: usize) -> &mut [u8] {
        let at = SLOTS_AT + i * SLOT;
        self.bytes.get_mut(at..at + SLOT).unwrap_or_default()
    }

    fn valid(&self, i: usize) -> Option<Latest<'_>> {
        let s = self.slot(i);
        let (header, body) = s.split_at_checked(SLOT_HEADER)?;
        let len = u32_at(header, 12) as usize;
        let state = body.get(..len)?;
        let sum = header.get(16..24)?;
        (u32_at(header, 0) == SLOT_MAGIC && sum == fnv(&[header.get(4..16)?, state]).to_le_bytes()).then(|| Latest {
            slot: i,
            seq: u32_at(header, 4),
            cursor: u32_at(header, 8),
            state,
        })
    }

    /// The valid slot with the highest sequence number, if any.
    pub fn latest(&self) -> Option<Latest<'_>> {
        match (self.valid(0), self.valid(1)) {
            (Some(a), Some(b)) => Some(if a.seq > b.seq { a } else { b }),
            (a, b) => a.or(b),
        }
    }

    /// The slot a save after `latest` goes to: the other one.
    fn target(latest: Option<(usize, u32)>) -> usize {
        latest.map_or(0, |(slot, _)| 1 - slot)
    }

    /// Starts a save after `latest` (a slot and sequence number): the
    /// other slot's header is invalidated and its body returned to write
    /// the state into.
    pub fn begin_save(&mut self, latest: Option<(usize, u32)>) -> &mut [u8] {
        let s = self.slot_mut(Self::target(latest));
        put(s, 0, &[0; SLOT_HEADER]);
        s.get_mut(SLOT_HEADER..).unwrap_or_default()
    }

    /// Completes a save begun by [`Nvm::begin_save`] with the same
    /// `latest`: writes the header that makes `len` bytes of state, resuming
    /// at `cursor`, the latest. Returns the new (slot, sequence number).
    pub fn commit_save(&mut self, latest: Option<(usize, u32)>, cursor: u32, len: usize) -> (usize, u32) {
        let target = Self::target(latest);
        let seq = latest.map_or(1, |(_, seq)| seq + 1);
        let s = self.slot_mut(target);
        let mut header = [0u8; SLOT_HEADER];
        put(&mut header, 0, &SLOT_MAGIC.to_le_bytes());
        put(&mut header, 4, &seq.to_le_bytes());
        put(&mut header, 8, &cursor.to_le_bytes());
        put(&mut header, 12, &(len as u32).to_le_bytes());
        let state = s.get(SLOT_HEADER..SLOT_HEADER + len).unwrap_or_default();
        let sum = fnv(&[&header[4..16], state]);
        put(&mut header, 16, &sum.to_le_bytes());
        put(s, 0, &header);
        (target, seq)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec;

    fn region() -> &'static mut [u8] {
        vec![0u8; LEN].leak()
    }

    /// Saves `state` with `cursor` after `latest`, as the member does.
    fn save(n: &mut Nvm, latest: Option<(usize, u32)>, cursor: u32, state: &[u8]) -> (usize, u32) {
        n.begin_save(latest)[..state.len()].copy_from_slice(state);
        n.commit_save(latest, cursor, state.len())
    }

    #[test]
    fn saves_alternate_and_the_newest_wins() {
        let mut n = Nvm::over(region());
        assert!(n.latest().is_none());
        let a = save(&mut n, None, 10, b"first");
        let b = save(&mut n, Some(a), 20, b"second state");
        assert_ne!(a.0, b.0);
        let l = n.latest().unwrap();
        assert_eq!((l.slot, l.seq, l.cursor, l.state), (b.0, b.1, 20, &b"second state"[..]));
        let c = save(&mut n, Some(b), 30, b"third");
        assert_eq!(c.0, a.0);
        assert_eq!(n.latest().unwrap().state, b"third");
    }

    #[test]
    fn a_torn_save_leaves_the_previous_state() {
        let mut n = Nvm::over(region());
        let a = save(&mut n, None, 10, b"first");
        let b = save(&mut n, Some(a), 20, b"second");
        // A reset while writing the next state: body half written, no header.
        let body = n.begin_save(Some(b));
        body[..3].copy_from_slice(b"thi");
        let l = n.latest().unwrap();
        assert_eq!((l.seq, l.cursor, l.state), (b.1, 20, &b"second"[..]));
    }

    #[test]
    fn a_damaged_slot_is_not_used() {
        let mut n = Nvm::over(region());
        let a = save(&mut n, None, 10, b"first");
        let b = save(&mut n, Some(a), 20, b"second");
        // One bit of the newest state flips.
        let at = SLOTS_AT + b.0 * SLOT + SLOT_HEADER;
        n.bytes[at] ^= 1;
        assert_eq!(n.latest().unwrap().state, b"first");
    }

    #[test]
    fn factory_fields_and_words_survive_a_reboot() {
        let mut n = Nvm::over(region());
        assert!(n.set_field(Field::PskId, b"fleet"));
        assert!(!n.set_field(Field::PskId, &[0; 65]));
        n.set_word(Word::Boots, 3);
        // The same bytes, seen again after a reset, are not reformatted.
        let again = Nvm::over(n.bytes);
        assert_eq!(again.field(Field::PskId), b"fleet");
        assert_eq!(again.word(Word::Boots), 3);
    }
}
