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

fn read_ratchet(r: &mut Reader<'_>) -> Result<Ratchet> {
    Ok(Ratchet {
        next: r.u32()?,
        secret: Secret::from_slice(r.vec_bytes()?)?,
    })
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

    /// Reads a state written by [`Self::save`] into this tree. On error the
    /// tree is left empty.
    pub fn load(&mut self, r: &mut Reader<'_>) -> Result<()> {
        let result = self.load_inner(r);
        if result.is_err() {
            self.clear();
        }
        result
    }

    fn load_inner(&mut self, r: &mut Reader<'_>) -> Result<()> {
        let n_leaves = r.u32()?;
        if n_leaves > 1 << 16 || !self.slots.grow(n_leaves as usize, Slot::Empty) {
            return Err(Error::CapacityExceeded {
                what: "secret tree leaves",
            });
        }
        self.n_leaves = n_leaves;
        self.height = r.u8()?;
        self.config = SecretTreeConfig {
            max_forward_distance: r.u32()?,
            max_generation: r.u32()?,
        };
        self.slots.as_mut_slice().iter_mut().for_each(|s| *s = Slot::Empty);
        self.slots.shrink(n_leaves as usize);
        for slot in self.slots.as_mut_slice().iter_mut().take(n_leaves as usize) {
            *slot = match r.u8()? {
                0 => Slot::Empty,
                1 => Slot::Node {
                    level: r.u8()?,
                    secret: Secret::from_slice(r.vec_bytes()?)?,
                },
                2 => Slot::Ratchets {
                    handshake: read_ratchet(r)?,
                    application: read_ratchet(r)?,
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
