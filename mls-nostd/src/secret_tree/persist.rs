//! Saving and restoring a secret tree (secrets included): the caller keeps
//! the bytes where only this device can read them.

use super::window::{Skipped, Window};
use super::{ContentKind, MessageKey, Ratchet, SecretTree, SecretTreeConfig, Slot};
use crate::codec::{Reader, Writer};
use crate::crypto::{AeadKey, Secret};
use crate::error::{Error, Result};
use crate::memory::{Memory, Slots};

fn write_ratchet(w: &mut Writer<'_>, r: &Ratchet) {
    w.u32(r.next);
    w.vec_bytes(r.secret.as_slice());
}

fn corrupt(reason: &'static str) -> Error {
    Error::CorruptState { reason }
}

fn kind_value(k: ContentKind) -> u8 {
    match k {
        ContentKind::Handshake => 0,
        ContentKind::Application => 1,
    }
}

impl<M: Memory, const SKIPPED: usize> SecretTree<M, SKIPPED> {
    /// Writes the whole state, secrets included.
    pub fn save(&self, w: &mut Writer<'_>) {
        w.u32(self.n_leaves);
        w.u8(self.height);
        w.u32(self.config.max_forward_distance);
        w.u32(self.config.max_generation);
        for slot in self.slots.as_slice().iter().take(self.n_leaves as usize) {
            match slot {
                Slot::Empty => w.u8(0),
                Slot::Node { level, secret } => {
                    w.u8(1);
                    w.u8(*level);
                    w.vec_bytes(secret.as_slice());
                }
                Slot::Ratchets { handshake, application } => {
                    w.u8(2);
                    write_ratchet(w, handshake);
                    write_ratchet(w, application);
                }
            }
        }
        w.vec(|w| {
            for s in self.skipped.iter() {
                w.u32(s.leaf);
                w.u8(kind_value(s.kind));
                w.u32(s.key.generation);
                w.vec_bytes(s.key.key.as_slice());
                w.put(&s.key.nonce);
            }
        });
    }

    /// Reads a state written by [`Self::save`] into this tree, checking
    /// that it is one a tree could be in: secrets of `hash_len` bytes (the
    /// suite's `KDF.Nh`), nodes within the tree, skipped keys of its
    /// leaves. On error the tree is left empty.
    pub fn load(&mut self, r: &mut Reader<'_>, hash_len: usize) -> Result<()> {
        let result = self.load_inner(r, hash_len);
        if result.is_err() {
            self.clear();
        }
        result
    }

    fn load_inner(&mut self, r: &mut Reader<'_>, hash_len: usize) -> Result<()> {
        let n_leaves = r.u32()?;
        if n_leaves > 1 << 16 || !self.slots.grow(n_leaves as usize, Slot::Empty) {
            return Err(Error::CapacityExceeded {
                what: "secret tree leaves",
            });
        }
        let width = n_leaves.max(1).next_power_of_two();
        self.n_leaves = n_leaves;
        self.height = r.u8()?;
        if n_leaves == 0 || u32::from(self.height) != width.trailing_zeros() {
            return Err(corrupt("secret tree height"));
        }
        self.config = SecretTreeConfig {
            max_forward_distance: r.u32()?,
            max_generation: r.u32()?,
        };
        self.slots.as_mut_slice().iter_mut().for_each(|s| *s = Slot::Empty);
        self.slots.shrink(n_leaves as usize);
        let secret = |r: &mut Reader<'_>, may_be_empty: bool| {
            let s = r.vec_bytes()?;
            if s.len() == hash_len || (may_be_empty && s.is_empty()) {
                Secret::from_slice(s)
            } else {
                Err(corrupt("secret tree secret length"))
            }
        };
        let ratchet = |r: &mut Reader<'_>| {
            Ok::<_, Error>(Ratchet {
                next: r.u32()?,
                // Empty once the ratchet is used up.
                secret: secret(r, true)?,
            })
        };
        let height = self.height;
        for (i, slot) in self.slots.as_mut_slice().iter_mut().take(n_leaves as usize).enumerate() {
            *slot = match r.u8()? {
                0 => Slot::Empty,
                1 => {
                    // A node covers 2^level leaves starting at this one.
                    let level = r.u8()?;
                    if level > height || i % (1usize << level) != 0 {
                        return Err(corrupt("secret tree node"));
                    }
                    Slot::Node {
                        level,
                        secret: secret(r, false)?,
                    }
                }
                2 => Slot::Ratchets {
                    handshake: ratchet(r)?,
                    application: ratchet(r)?,
                },
                v => {
                    return Err(Error::UnknownValue {
                        field: "secret tree slot",
                        value: v.into(),
                    });
                }
            };
        }
        let mut window = Window::new();
        let mut entries = r.vec()?;
        while !entries.is_empty() {
            let leaf = entries.u32()?;
            if leaf >= n_leaves {
                return Err(corrupt("skipped key of a leaf outside the secret tree"));
            }
            let kind = match entries.u8()? {
                0 => ContentKind::Handshake,
                1 => ContentKind::Application,
                v => {
                    return Err(Error::UnknownValue {
                        field: "content kind",
                        value: v.into(),
                    });
                }
            };
            let generation = entries.u32()?;
            let key = AeadKey::from_slice(entries.vec_bytes()?)?;
            let nonce = entries.array()?;
            window.push(Skipped {
                leaf,
                kind,
                key: MessageKey { generation, key, nonce },
            });
        }
        self.skipped = window;
        Ok(())
    }
}
