//! The files the host and the device exchange (semihosting files on QEMU):
//! a sequence of records, each `kind: u8`, `len: u32` (little endian) and
//! `len` bytes. The host writes the input script `in-N.bin`; the device
//! appends what it transmits to `out-N.bin`, where `N` is the group
//! capacity it was built for.

/// Bytes of a record header.
pub const HEADER: usize = 5;

/// Kinds of input records (host to device), in script order.
pub mod input {
    /// The device's signature private key (factory provisioning).
    pub const SIGNATURE_KEY: u8 = 1;
    /// The device's KeyPackage (`MLSMessage`), published for it.
    pub const KEY_PACKAGE: u8 = 2;
    /// The KeyPackage's init private key.
    pub const INIT_KEY: u8 = 3;
    /// The KeyPackage's leaf encryption private key.
    pub const ENCRYPTION_KEY: u8 = 4;
    /// An external PSK: `id_len: u8`, `psk_id`, then the secret.
    pub const PSK: u8 = 5;
    /// The ratchet tree, delivered out of band (§12.4.3.3).
    pub const RATCHET_TREE: u8 = 6;
    /// The Welcome (`MLSMessage`) that adds the device.
    pub const WELCOME: u8 = 7;
    /// A handshake message from another member: `epoch: u64` (little
    /// endian) the device must be in afterwards, `auth_len: u8`, the epoch
    /// authenticator it must then have (empty after a proposal), then the
    /// `MLSMessage`.
    pub const HANDSHAKE: u8 = 8;
    /// An application message from another member: `text_len: u16` (little
    /// endian), the text it must decrypt to, then the `MLSMessage`.
    pub const APPLICATION: u8 = 9;
    /// The device sends this text as an application message.
    pub const SEND: u8 = 10;
    /// The device commits an update of its own leaf (a full path).
    pub const SELF_UPDATE: u8 = 11;
    /// End of the script.
    pub const END: u8 = 12;
}

/// Kinds of output records (device to host).
pub mod output {
    /// An application message the device transmitted.
    pub const SENT_APPLICATION: u8 = 20;
    /// A commit the device transmitted (and then applied, as echoed).
    pub const SENT_COMMIT: u8 = 21;
    /// An application message that was saved as sent but lost to a reset
    /// before transmission: evidence that the next one uses a new
    /// generation. Written to the output only because this is a test.
    pub const LOST_APPLICATION: u8 = 22;
    /// A commit lost the same way.
    pub const LOST_COMMIT: u8 = 23;
    /// `epoch: u64` (little endian) and the epoch authenticator, after the
    /// device applied its own commit.
    pub const EPOCH: u8 = 24;
    /// Figures: [`super::Stats`] encoded.
    pub const STATS: u8 = 25;
}

/// What the device measured, reported at the end of the script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Peak stack over every boot, bytes (painted and scanned).
    pub peak_stack: u32,
    /// Bytes of the saved group state at the end.
    pub state_bytes: u32,
    /// Bytes of the in-memory `Group` value.
    pub group_bytes: u32,
    /// Boots, including the first.
    pub boots: u32,
    /// Simulated resets that fired.
    pub resets: u32,
}

impl Stats {
    /// Encoded length.
    pub const LEN: usize = 20;

    /// Little-endian encoding.
    pub fn encode(&self) -> [u8; Self::LEN] {
        let mut out = [0u8; Self::LEN];
        let fields = [
            self.peak_stack,
            self.state_bytes,
            self.group_bytes,
            self.boots,
            self.resets,
        ];
        for (chunk, v) in out.chunks_exact_mut(4).zip(fields) {
            chunk.copy_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// Decodes [`Stats::encode`]'s output.
    pub fn decode(b: &[u8]) -> Option<Self> {
        if b.len() != Self::LEN {
            return None;
        }
        let mut f = b.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
        Some(Stats {
            peak_stack: f.next()?,
            state_bytes: f.next()?,
            group_bytes: f.next()?,
            boots: f.next()?,
            resets: f.next()?,
        })
    }
}

/// Splits `bytes` into records; `None` if one is truncated.
pub fn records(mut bytes: &[u8]) -> impl Iterator<Item = Option<(u8, &[u8])>> {
    core::iter::from_fn(move || {
        if bytes.is_empty() {
            return None;
        }
        let Some((&kind, rest)) = bytes.split_first() else {
            return Some(None);
        };
        let len = rest
            .get(..4)
            .map(|l| u32::from_le_bytes([l[0], l[1], l[2], l[3]]) as usize);
        let body = len.and_then(|len| rest.get(4..4 + len));
        match body {
            Some(body) => {
                bytes = rest.get(4 + body.len()..).unwrap_or_default();
                Some(Some((kind, body)))
            }
            None => {
                bytes = &[];
                Some(None)
            }
        }
    })
}

/// A record header.
pub fn header(kind: u8, len: usize) -> [u8; HEADER] {
    let l = (len as u32).to_le_bytes();
    [kind, l[0], l[1], l[2], l[3]]
}
