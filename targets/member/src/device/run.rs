//! One boot of the member: restore, then follow the input script from the
//! saved cursor to its end (see the [module docs](super)).

use super::sizes::{BUFFER, MEMBERS};
use super::{DeviceGroup, Platform, ResetPoint};
use crate::nvm::{Field, Nvm, Word};
use crate::proto::{HEADER, Stats, header, input, output};
use chacha20::ChaCha20Rng;
use mls_nostd::Error;
use mls_nostd::crypto::{Curve25519Aes128, HpkePrivateKey};
use mls_nostd::group::{CommitOptions, CommitOutput, Event, GroupConfig, KeyPackageKeys, Outgoing, Saved, Status};
use mls_nostd::tree::Now;
use rand_core::SeedableRng;
use semihosting::fs::File;
use semihosting::io::{Read, Seek, SeekFrom, Write};

/// Why the run failed.
#[derive(Debug, defmt::Format)]
enum Failure {
    /// An MLS operation refused: which one, and its error.
    Mls(&'static str, Error),
    /// A semihosting file operation failed.
    Io(&'static str),
    /// The group is not where the host says it must be.
    Check(&'static str),
}

type Outcome<T> = Result<T, Failure>;

trait Context<T> {
    fn during(self, what: &'static str) -> Outcome<T>;
}

impl<T> Context<T> for Result<T, Error> {
    fn during(self, what: &'static str) -> Outcome<T> {
        self.map_err(|e| Failure::Mls(what, e))
    }
}

impl<T> Context<T> for semihosting::io::Result<T> {
    fn during(self, what: &'static str) -> Outcome<T> {
        self.map_err(|_| Failure::Io(what))
    }
}

/// The member's RAM: the group and two message buffers.
struct Ram {
    group: DeviceGroup,
    /// Received records; also the output of `send` and `commit`.
    rx: [u8; BUFFER],
    /// Decrypted content, join scratch, and commits' processing.
    work: [u8; BUFFER],
}

// All zero, so in `.bss`: no initialiser image in flash, and nothing built
// on the stack (`GroupConfig::ZERO` keeps the empty group all zeros).
static mut RAM: Ram = Ram {
    group: DeviceGroup::new(Curve25519Aes128, GroupConfig::ZERO),
    rx: [0; BUFFER],
    work: [0; BUFFER],
};

/// The group's configuration: private handshakes, no padding.
const CONFIG: GroupConfig = GroupConfig::new();

fn ram() -> &'static mut Ram {
    let ram = &raw mut RAM;
    // SAFETY: called once per boot, before any other access to `RAM`, from
    // the only thread: this is the only reference to it.
    let ram = unsafe { &mut *ram };
    ram.group.set_config(CONFIG);
    ram
}

/// One boot: returns only by exiting or resetting the machine.
pub fn run(p: &mut impl Platform) -> ! {
    let mut nvm = Nvm::take();
    let boots = nvm.word(Word::Boots) + 1;
    nvm.set_word(Word::Boots, boots);
    defmt::info!("boot {=u32}: {=usize}-member build", boots, MEMBERS);
    let mut m = Member {
        store: Store { nvm, latest: None },
        ram: ram(),
        // QEMU has no TRNG: a fixed seed, mixed with the boot count so that
        // no boot repeats another's randomness. A real device seeds from
        // its TRNG.
        rng: {
            let mut seed = [0x6d; 32];
            seed[..4].copy_from_slice(&boots.to_le_bytes());
            ChaCha20Rng::from_seed(seed)
        },
    };
    defmt::debug!("stack after init {=usize}", p.peak_stack());
    let r = m.follow(p);
    m.store.record_stack(p);
    match r {
        Ok(()) => {
            defmt::info!("member: script done");
            p.exit(0)
        }
        Err(f) => {
            defmt::error!("member FAILED: {}", f);
            p.exit(1)
        }
    }
}

struct Member {
    store: Store,
    ram: &'static mut Ram,
    rng: ChaCha20Rng,
}

/// The flash stand-in and the latest save in it.
struct Store {
    nvm: Nvm,
    /// The latest saved slot and its sequence number.
    latest: Option<(usize, u32)>,
}

/// Semihosting path of this build's input and output.
const IN: &core::ffi::CStr = if MEMBERS > 8 { c"in-64.bin" } else { c"in-8.bin" };
const OUT: &core::ffi::CStr = if MEMBERS > 8 { c"out-64.bin" } else { c"out-8.bin" };

fn transmit(out: &mut File, kind: u8, body: &[u8]) -> Outcome<()> {
    out.write_all(&header(kind, body.len())).during("write output")?;
    out.write_all(body).during("write output")
}

/// Commits; not inlined, so that the commit's frame (about 18 KB on
/// Cortex-M4 at 64 members) is gone before the echo is processed.
#[inline(never)]
fn commit<'w>(
    group: &mut DeviceGroup,
    options: &CommitOptions<'_>,
    psks: &[(&[u8], &[u8])],
    rng: &mut ChaCha20Rng,
    out: &'w mut [u8],
) -> Outcome<Outgoing<CommitOutput<'w>>> {
    group.commit(options, psks, Now::NoClock, rng, out).during("commit")
}

/// Restores `group`; not inlined, so that its frame is not part of the
/// caller's.
#[inline(never)]
fn restore(group: &mut DeviceGroup, state: &[u8]) -> Outcome<()> {
    group.restore(state).during("restore")
}

fn u16_at(b: &[u8]) -> usize {
    b.get(..2).map_or(0, |l| usize::from(u16::from_le_bytes([l[0], l[1]])))
}

impl Store {
    fn record_stack(&mut self, p: &impl Platform) {
        let peak = (p.peak_stack() as u32).max(self.nvm.word(Word::PeakStack));
        self.nvm.set_word(Word::PeakStack, peak);
    }

    /// Resets the machine at `point` unless that point fired already.
    fn maybe_reset(&mut self, p: &mut impl Platform, point: ResetPoint) {
        let fired = self.nvm.word(Word::Resets);
        let bit = 1 << point as u32;
        if fired & bit == 0 {
            self.nvm.set_word(Word::Resets, fired | bit);
            self.record_stack(p);
            defmt::warn!("simulated reset: {}", point);
            p.reset()
        }
    }

    /// Saves the group with the input `cursor` to go on from; the proof
    /// releases what the group produced.
    #[inline(never)]
    fn persist(&mut self, group: &DeviceGroup, p: &mut impl Platform, cursor: u32, tear: bool) -> Outcome<Saved> {
        let tear = tear && !self.fired(ResetPoint::TornSave);
        let slot = self.nvm.begin_save(self.latest);
        let saved = group.save(slot).during("save")?;
        if tear {
            // Half the state written, the header not: the reset of a power
            // cut while programming flash.
            let half = saved.len() / 2;
            if let Some(rest) = slot.get_mut(half..saved.len()) {
                rest.fill(0xff);
            }
            self.maybe_reset(p, ResetPoint::TornSave);
        }
        self.latest = Some(self.nvm.commit_save(self.latest, cursor, saved.len()));
        Ok(saved)
    }

    /// Whether reset `point` has fired.
    fn fired(&self, point: ResetPoint) -> bool {
        self.nvm.word(Word::Resets) & (1 << point as u32) != 0
    }
}

impl Member {
    fn follow(&mut self, p: &mut impl Platform) -> Outcome<()> {
        let mut cursor = 0;
        if let Some(l) = self.store.nvm.latest() {
            cursor = l.cursor;
            let (slot, seq) = (l.slot, l.seq);
            restore(&mut self.ram.group, l.state)?;
            self.store.latest = Some((slot, seq));
            defmt::info!(
                "restored {=usize} B of state (slot {=usize}, save {=u32}): epoch {=u64}, input offset {=u32}",
                l.state.len(),
                slot,
                seq,
                self.ram.group.epoch(),
                cursor
            );
        }
        let mut input = File::open(IN).during("open input")?;
        let mut out = File::options()
            .write(true)
            .append(true)
            .create(true)
            .open(OUT)
            .during("open output")?;
        // QEMU's semihosting does not honour append mode after a reset:
        // writes start at 0 unless the file offset is moved to the end.
        out.seek(SeekFrom::End(0)).during("seek output")?;
        input.seek(SeekFrom::Start(cursor.into())).during("seek input")?;
        let mut commits_seen = 0u32;
        loop {
            let mut h = [0u8; HEADER];
            input.read_exact(&mut h).during("read input")?;
            let len = u32::from_le_bytes([h[1], h[2], h[3], h[4]]) as usize;
            // The ratchet tree is received straight into the download area
            // (as a large download is written to flash); the rest into RAM.
            let body = match h[0] {
                input::RATCHET_TREE => self.store.nvm.download_mut().get_mut(..len),
                _ => self.ram.rx.get_mut(..len),
            };
            let body = body.ok_or(Failure::Check("record larger than its buffer"))?;
            input.read_exact(body).during("read input")?;
            let next = cursor + (HEADER + len) as u32;
            match h[0] {
                input::SIGNATURE_KEY => self.provision(Field::SignatureKey, len)?,
                input::KEY_PACKAGE => self.provision(Field::KeyPackage, len)?,
                input::INIT_KEY => self.provision(Field::InitKey, len)?,
                input::ENCRYPTION_KEY => self.provision(Field::EncryptionKey, len)?,
                input::PSK => {
                    let b = self.ram.rx.get(..len).unwrap_or_default();
                    let (id, secret) = b
                        .split_first()
                        .and_then(|(n, rest)| rest.split_at_checked(usize::from(*n)))
                        .ok_or(Failure::Check("PSK record"))?;
                    if !(self.store.nvm.set_field(Field::PskId, id)
                        && self.store.nvm.set_field(Field::PskSecret, secret))
                    {
                        return Err(Failure::Check("PSK too long"));
                    }
                }
                input::RATCHET_TREE => {
                    self.store.nvm.set_field(Field::TreeLen, &(len as u32).to_le_bytes());
                }
                input::WELCOME => {
                    self.join(len)?;
                    self.store.maybe_reset(p, ResetPoint::AfterJoin);
                    self.store.persist(&self.ram.group, p, next, false)?;
                }
                input::HANDSHAKE => {
                    let is_commit = self.handshake(len)?;
                    commits_seen += u32::from(is_commit);
                    self.store
                        .persist(&self.ram.group, p, next, is_commit && commits_seen == 1)?;
                }
                input::APPLICATION => {
                    self.application(len)?;
                    self.store.maybe_reset(p, ResetPoint::AfterDecrypt);
                    self.store.persist(&self.ram.group, p, next, false)?;
                }
                input::SEND => self.send(p, len, next, &mut out)?,
                input::SELF_UPDATE => self.self_update(p, next, &mut out)?,
                input::END => return self.finish(p, &mut out),
                _ => return Err(Failure::Check("unknown input record")),
            }
            defmt::debug!("record {=u8}: stack {=usize}", h[0], p.peak_stack());
            cursor = next;
        }
    }

    #[inline(never)]
    fn provision(&mut self, f: Field, len: usize) -> Outcome<()> {
        let v = self.ram.rx.get(..len).unwrap_or_default();
        if self.store.nvm.set_field(f, v) {
            Ok(())
        } else {
            Err(Failure::Check("provisioned value too long"))
        }
    }

    fn psks(nvm: &Nvm) -> [(&[u8], &[u8]); 1] {
        [(nvm.field(Field::PskId), nvm.field(Field::PskSecret))]
    }

    #[inline(never)]
    fn join(&mut self, len: usize) -> Outcome<()> {
        let n = &self.store.nvm;
        let keys = KeyPackageKeys {
            init_key: HpkePrivateKey::from_slice(n.field(Field::InitKey)).during("init key")?,
            encryption_key: HpkePrivateKey::from_slice(n.field(Field::EncryptionKey)).during("encryption key")?,
        };
        let tree_len = n.field(Field::TreeLen);
        let tree_len = u32::from_le_bytes(tree_len.try_into().map_err(|_| Failure::Check("no ratchet tree"))?);
        let tree = n.download().get(..tree_len as usize).unwrap_or_default();
        let welcome = self.ram.rx.get(..len).unwrap_or_default();
        self.ram
            .group
            .join(
                welcome,
                n.field(Field::KeyPackage),
                &keys,
                n.field(Field::SignatureKey),
                Some(tree),
                &Self::psks(n)[..],
                Now::NoClock,
                &mut self.ram.work,
            )
            .during("join")?;
        let g = &self.ram.group;
        defmt::info!(
            "joined: epoch {=u64}, leaf {=u32}, {=usize} members",
            g.epoch(),
            g.own_leaf(),
            g.members().count()
        );
        Ok(())
    }

    /// Processes a handshake; returns whether it was a commit.
    #[inline(never)]
    fn handshake(&mut self, len: usize) -> Outcome<bool> {
        let b = self.ram.rx.get(..len).unwrap_or_default();
        let (epoch, rest) = b.split_at_checked(8).ok_or(Failure::Check("HANDSHAKE record"))?;
        let epoch = u64::from_le_bytes(epoch.try_into().map_err(|_| Failure::Check("epoch"))?);
        let (auth, msg) = rest
            .split_first()
            .and_then(|(n, rest)| rest.split_at_checked(usize::from(*n)))
            .ok_or(Failure::Check("HANDSHAKE record"))?;
        let event = self
            .ram
            .group
            .process(msg, &Self::psks(&self.store.nvm)[..], Now::NoClock, &mut self.ram.work)
            .during("process handshake")?;
        let g = &self.ram.group;
        let is_commit = match event {
            Event::Commit { sender, epoch, .. } => {
                defmt::info!(
                    "commit by {}: epoch {=u64}, {=usize} members",
                    sender,
                    epoch,
                    g.members().count()
                );
                true
            }
            Event::Proposal { sender } => {
                defmt::info!("proposal by {} kept", sender);
                false
            }
            _ => return Err(Failure::Check("handshake record is not a handshake")),
        };
        if g.epoch() != epoch || (is_commit && g.epoch_authenticator() != auth) {
            return Err(Failure::Check("epoch or epoch authenticator differs from the host's"));
        }
        Ok(is_commit)
    }

    #[inline(never)]
    fn application(&mut self, len: usize) -> Outcome<()> {
        let b = self.ram.rx.get(..len).unwrap_or_default();
        let n = u16_at(b);
        let (text, msg) = b
            .get(2..)
            .and_then(|r| r.split_at_checked(n))
            .ok_or(Failure::Check("APPLICATION record"))?;
        let event = self
            .ram
            .group
            .process(msg, &[][..], Now::NoClock, &mut self.ram.work)
            .during("decrypt")?;
        let Event::Application { sender, data, .. } = event else {
            return Err(Failure::Check("not an application message"));
        };
        if data != text {
            return Err(Failure::Check("decrypted text differs from the host's"));
        }
        defmt::info!(
            "message from leaf {=u32}: {=str}",
            sender,
            core::str::from_utf8(data).unwrap_or("?")
        );
        Ok(())
    }

    #[inline(never)]
    fn send(&mut self, p: &mut impl Platform, len: usize, next: u32, out: &mut File) -> Outcome<()> {
        let text = self.ram.rx.get(..len).unwrap_or_default();
        let sent = self
            .ram
            .group
            .send(text, b"", &mut self.rng, &mut self.ram.work)
            .during("send")?;
        self.store.maybe_reset(p, ResetPoint::BeforeSave);
        let saved = self.store.persist(&self.ram.group, p, next, false)?;
        let bytes = sent.release(&saved).during("release")?;
        if !self.store.fired(ResetPoint::BeforeTransmit) {
            // Test-only evidence of what the reset destroys.
            transmit(out, output::LOST_APPLICATION, bytes)?;
            self.store.maybe_reset(p, ResetPoint::BeforeTransmit);
        }
        transmit(out, output::SENT_APPLICATION, bytes)?;
        defmt::info!("sent {=usize} B in epoch {=u64}", bytes.len(), self.ram.group.epoch());
        Ok(())
    }

    #[inline(never)]
    fn self_update(&mut self, p: &mut impl Platform, next: u32, out: &mut File) -> Outcome<()> {
        let options = CommitOptions {
            force_path: true,
            ..Default::default()
        };
        let psks = Self::psks(&self.store.nvm);
        let commit = commit(&mut self.ram.group, &options, &psks, &mut self.rng, &mut self.ram.rx)?;
        let saved = self.store.persist(&self.ram.group, p, next, false)?;
        let bytes = commit.release(&saved).during("release")?.commit;
        if !self.store.fired(ResetPoint::CommitBeforeTransmit) {
            transmit(out, output::LOST_COMMIT, bytes)?;
            self.store.maybe_reset(p, ResetPoint::CommitBeforeTransmit);
        }
        transmit(out, output::SENT_COMMIT, bytes)?;
        // The Delivery Service echoes the commit; applying it moves the
        // member to the new epoch (§12.4.2).
        let psks = Self::psks(&self.store.nvm);
        let event = self
            .ram
            .group
            .process(bytes, &psks[..], Now::NoClock, &mut self.ram.work)
            .during("apply own commit")?;
        if !matches!(event, Event::Commit { own: true, .. }) {
            return Err(Failure::Check("own commit not applied"));
        }
        self.store.persist(&self.ram.group, p, next, false)?;
        let g = &self.ram.group;
        let mut rec = [0u8; 8 + 32];
        rec[..8].copy_from_slice(&g.epoch().to_le_bytes());
        let auth = g.epoch_authenticator();
        let rec = rec
            .get_mut(..8 + auth.len())
            .ok_or(Failure::Check("authenticator length"))?;
        rec[8..].copy_from_slice(auth);
        transmit(out, output::EPOCH, rec)?;
        defmt::info!(
            "own commit applied: epoch {=u64}, {=usize} B sent",
            g.epoch(),
            bytes.len()
        );
        Ok(())
    }

    #[inline(never)]
    fn finish(&mut self, p: &mut impl Platform, out: &mut File) -> Outcome<()> {
        self.store.record_stack(p);
        let g = &self.ram.group;
        if g.status() != Status::Active {
            return Err(Failure::Check("not active at the end"));
        }
        let stats = Stats {
            peak_stack: self.store.nvm.word(Word::PeakStack),
            state_bytes: g.saved_len() as u32,
            group_bytes: core::mem::size_of::<DeviceGroup>() as u32,
            boots: self.store.nvm.word(Word::Boots),
            resets: self.store.nvm.word(Word::Resets).count_ones(),
        };
        defmt::info!(
            "done: epoch {=u64}; peak stack {=u32} B, state {=u32} B saved, group {=u32} B in RAM, {=u32} boots, {=u32} resets",
            g.epoch(),
            stats.peak_stack,
            stats.state_bytes,
            stats.group_bytes,
            stats.boots,
            stats.resets
        );
        transmit(out, output::STATS, &stats.encode())
    }
}
