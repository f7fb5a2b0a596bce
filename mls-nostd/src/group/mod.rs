//! The group (RFC 9420 §11, §12): one member's state of an MLS group, and
//! everything that moves it: creating the group, joining it, proposals,
//! commits, Welcome messages, application messages, and persistence.
//!
//! `Group<S, M, SKIPPED, PAST>` is plain data. What grows with the group
//! lives in the storage its [`Memory`] `M` gives; the rest is bounded by
//! const parameters:
//!
//! | parameter | bounds |
//! |---|---|
//! | `M` | members, LeafNode bytes, stored proposals ([`crate::memory`]) |
//! | `SKIPPED` | out-of-order message keys kept (§9) |
//! | `PAST` | past epochs whose application messages still decrypt |
//!
//! [`FixedGroup<S, LEAVES, LEAF_BYTES, SKIPPED, PAST, STORE>`](FixedGroup)
//! is a group in fixed arrays ([`Fixed`]): at most `LEAVES` members (a
//! power of two), LeafNodes of at most `LEAF_BYTES` bytes and `STORE` bytes
//! of stored proposals. It can be a `static`.
//!
//! Every operation either succeeds whole or returns an error and leaves the
//! group exactly as it was: a commit is staged ([`crate::tree::Stage`]) and
//! checked completely before anything changes. Operations that produce
//! bytes to send return them as [`Outgoing`], released only once the new
//! state has been saved, so a reset can never make the group reuse a key.

mod commit;
mod create;
mod epoch;
#[cfg(feature = "insider")]
mod insider;
mod join;
mod persist;
mod process;
mod proposals;
mod send;
mod state;
mod welcome;

pub use commit::{CommitOptions, CommitOutput, MAX_COMMIT_PROPOSALS};
pub use join::{ExternalJoin, KeyPackageKeys};
pub use persist::{Outgoing, Saved};
pub use process::Event;
pub use proposals::ProposalStore;

use crate::codec::{Buf, Decode, Encode, List};
use crate::credential::{CredentialUse, CredentialValidator};
use crate::crypto::{Bytes, CipherSuite, HashOutput, SignaturePrivateKey};
use crate::error::{Error, Result};
use crate::extension::{self, Extensions, RequiredCapabilities};
use crate::group_context::GroupContext;
use crate::key_schedule::EpochSecrets;
use crate::memory::{Fixed, Memory};
use crate::parallel::{Parallel, Sequential};
use crate::proposal::ReInit;
use crate::secret_tree::{SecretTree, SecretTreeConfig};
use crate::tree::{LeafCheck, LeafNode, Now, RatchetTree, TreeRead};
use crate::treekem::PathKeys;

/// Longest group id accepted.
pub const MAX_GROUP_ID_LEN: usize = 64;
/// Longest encoding of the GroupContext extensions accepted.
pub const MAX_EXTENSIONS_LEN: usize = 512;
/// Longest encoded GroupContext.
pub const MAX_GROUP_CONTEXT_LEN: usize = {
    use crate::codec::varint_len;
    let hash = varint_len(crate::crypto::MAX_HASH_LEN) + crate::crypto::MAX_HASH_LEN;
    2 + 2
        + varint_len(MAX_GROUP_ID_LEN)
        + MAX_GROUP_ID_LEN
        + 8
        + 2 * hash
        + varint_len(MAX_EXTENSIONS_LEN)
        + MAX_EXTENSIONS_LEN
};

/// How handshake messages are sent (§6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum HandshakeFormat {
    /// PublicMessage: readable by the Delivery Service.
    Public,
    /// PrivateMessage: encrypted.
    Private,
}

/// Run-time policies of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupConfig {
    /// Out-of-order window and generation limits (§9).
    pub secret_tree: SecretTreeConfig,
    /// Wire format of the proposals and commits this member sends.
    pub handshake: HandshakeFormat,
    /// Application messages are padded with zeros to a multiple of this
    /// many bytes (0 or 1: no padding; §6.3.1).
    pub padding: usize,
    /// Longest LeafNode lifetime accepted (§7.2); `None` accepts any.
    pub max_lifetime: Option<u64>,
}

impl GroupConfig {
    /// All zero: public handshakes, no padding, and secret-tree limits of
    /// 0, which accept no message. Only for a `static` group that gets its
    /// real configuration at boot ([`Group::new`], [`Group::set_config`]).
    pub const ZERO: GroupConfig = GroupConfig {
        secret_tree: SecretTreeConfig::ZERO,
        handshake: HandshakeFormat::Public,
        padding: 0,
        max_lifetime: None,
    };

    /// Private handshakes, no padding, default secret-tree limits.
    pub const fn new() -> Self {
        GroupConfig {
            secret_tree: SecretTreeConfig {
                max_forward_distance: 1000,
                max_generation: u32::MAX,
            },
            handshake: HandshakeFormat::Private,
            padding: 0,
            max_lifetime: None,
        }
    }
}

impl Default for GroupConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// Where pre-shared keys come from (§8.4). Resumption PSKs of this group's
/// own recent epochs are found by the group itself.
pub trait PskStore {
    /// The secret of an external PSK.
    fn external(&self, psk_id: &[u8]) -> Option<&[u8]>;
    /// The resumption PSK of another group's epoch (for reinit and branch).
    fn resumption(&self, _group_id: &[u8], _epoch: u64) -> Option<&[u8]> {
        None
    }
    /// The ReInit proposal of the commit that closed `group_id` and started
    /// its `epoch` ([`Group::reinit`] of that group). A Welcome that
    /// resumes it by a reinit PSK is accepted only if it matches (§11.2,
    /// §12.4.3.1); without it, such a Welcome is refused.
    fn reinit(&self, _group_id: &[u8], _epoch: u64) -> Option<ReInit<'_>> {
        None
    }
}

/// No PSKs.
impl PskStore for () {
    fn external(&self, _: &[u8]) -> Option<&[u8]> {
        None
    }
}

/// External PSKs as `(psk_id, psk)` pairs.
impl PskStore for [(&[u8], &[u8])] {
    fn external(&self, psk_id: &[u8]) -> Option<&[u8]> {
        self.iter().find(|(id, _)| *id == psk_id).map(|(_, psk)| *psk)
    }
}

/// Where a member stands in its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Status {
    /// Not created or joined yet.
    Empty,
    /// A member.
    Active,
    /// Removed by a commit: nothing can be sent any more.
    Removed,
    /// A commit carried a ReInit (§11.2): the group is closed and a new one
    /// must be joined.
    ReInit,
}

/// The secrets of a past epoch kept to read late application messages.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PastEpoch<M: Memory, const K: usize> {
    epoch: Option<u64>,
    /// The epoch's encoded GroupContext, which its signatures cover.
    context: Buf<MAX_GROUP_CONTEXT_LEN>,
    sender_data_secret: crate::crypto::Secret,
    resumption_psk: crate::crypto::Secret,
    secret_tree: SecretTree<M, K>,
}

impl<const L: usize, const B: usize, const N: usize, const K: usize> PastEpoch<Fixed<L, B, N>, K> {
    const EMPTY: Self = PastEpoch {
        epoch: None,
        context: Buf::new(),
        sender_data_secret: crate::crypto::Secret::empty(),
        resumption_psk: crate::crypto::Secret::empty(),
        secret_tree: SecretTree::empty(),
    };
}

impl<M: Memory, const K: usize> PastEpoch<M, K> {
    fn empty_in() -> Self {
        PastEpoch {
            epoch: None,
            context: Buf::new(),
            sender_data_secret: crate::crypto::Secret::empty(),
            resumption_psk: crate::crypto::Secret::empty(),
            secret_tree: SecretTree::empty_in(),
        }
    }

    /// Forgets the epoch, in place.
    fn clear(&mut self) {
        self.epoch = None;
        self.context = Buf::new();
        self.sender_data_secret = crate::crypto::Secret::empty();
        self.resumption_psk = crate::crypto::Secret::empty();
        self.secret_tree.clear();
    }
}

/// A commit this member sent and is waiting to see echoed (§12.4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
struct PendingCommit {
    /// The commit's confirmation tag, which identifies it.
    confirmation_tag: HashOutput,
    /// The member's keys once the commit applies.
    keys: PathKeys,
    /// The commit secret (zero when it had no path).
    commit_secret: crate::crypto::Secret,
    /// The key a PrivateMessage commit was encrypted with, to read the
    /// echo; empty for a PublicMessage commit. Not an `Option`, so that an
    /// empty group is all zeros (see [`Group::new`]).
    key: crate::secret_tree::MessageKey,
}

impl PendingCommit {
    /// The key of a PrivateMessage commit.
    fn key(&self) -> Option<&crate::secret_tree::MessageKey> {
        (!self.key.key.is_empty()).then_some(&self.key)
    }
}

/// One member's state of an MLS group; see the [module docs](self).
///
/// Not `Clone`: a copy could send with a key generation the original
/// already used, which receivers refuse as a replay. To copy a group, save
/// it and restore the copy ([`Group::save`], [`Group::restore`]).
///
/// `A` is the application's Authentication Service
/// ([`CredentialValidator`]), asked about every credential the group is
/// about to accept (RFC 9420 §5.3.1); `()` accepts all.
#[derive(PartialEq, Eq)]
pub struct Group<
    S: CipherSuite,
    M: Memory,
    const SKIPPED: usize = 8,
    const PAST: usize = 1,
    A: CredentialValidator = (),
> {
    suite: S,
    config: GroupConfig,
    status: Status,
    group_id: Bytes<MAX_GROUP_ID_LEN>,
    epoch: u64,
    /// `Extension extensions<V>` of the GroupContext, header included.
    extensions: Buf<MAX_EXTENSIONS_LEN>,
    tree: RatchetTree<M>,
    confirmed_transcript_hash: HashOutput,
    interim_transcript_hash: HashOutput,
    /// Confirmation tag of the commit that started this epoch.
    confirmation_tag: HashOutput,
    own: u32,
    keys: PathKeys,
    signature_key: SignaturePrivateKey,
    secrets: EpochSecrets,
    secret_tree: SecretTree<M, SKIPPED>,
    past: [PastEpoch<M, SKIPPED>; PAST],
    proposals: ProposalStore<M>,
    pending: Option<PendingCommit>,
    /// Private key of this member's own Update proposal, if one is pending.
    pending_update: crate::crypto::HpkePrivateKey,
    /// Counts changes, to pair sent bytes with saved states.
    version: u64,
    validator: A,
    parallel: Jobs,
}

/// Where a group runs its independent jobs ([`Group::set_parallel`]).
/// `None`, all zero bytes (a `static` group stays in `.bss`), runs them
/// in turn. Every executor gives the same results, so it takes no part in
/// comparing groups.
#[derive(Clone, Copy)]
struct Jobs(Option<&'static dyn Parallel>);

impl Jobs {
    fn get(self) -> &'static dyn Parallel {
        match self.0 {
            Some(p) => p,
            None => &Sequential,
        }
    }
}

impl PartialEq for Jobs {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Jobs {}

impl<S: CipherSuite, M: Memory, const K: usize, const P: usize, A: CredentialValidator> core::fmt::Debug
    for Group<S, M, K, P, A>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Group")
            .field("status", &self.status)
            .field("group_id", &self.group_id)
            .field("epoch", &self.epoch)
            .field("own", &self.own)
            .field("tree", &self.tree)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// A group in fixed arrays ([`Fixed`]): at most `LEAVES` members (a power
/// of two), encoded LeafNodes of at most `LEAF_BYTES` bytes, `SKIPPED`
/// out-of-order keys, `PAST` past epochs and `STORE` bytes of stored
/// proposals.
pub type FixedGroup<
    S,
    const LEAVES: usize,
    const LEAF_BYTES: usize,
    const SKIPPED: usize = 8,
    const PAST: usize = 1,
    const STORE: usize = 2048,
> = Group<S, Fixed<LEAVES, LEAF_BYTES, STORE>, SKIPPED, PAST>;

impl<S, const L: usize, const B: usize, const N: usize, const K: usize, const P: usize> Group<S, Fixed<L, B, N>, K, P>
where
    S: CipherSuite,
{
    /// A group not yet created or joined; `const`, so it can initialise a
    /// `static` without using the stack. Apart from `config`, an empty group
    /// is all zero bytes: a `static` made with [`GroupConfig::ZERO`] goes to
    /// `.bss` and costs no flash (any other configuration puts the whole
    /// group in `.data`, whose image is stored in flash); set the real one
    /// at boot with [`Group::set_config`].
    ///
    /// # Example
    ///
    /// A firmware's group, one `static` built at compile time, configured at
    /// boot and used through functions that take `&mut`. A host test uses
    /// `std::sync::Mutex` here; on a microcontroller the same pattern works with
    /// a `critical_section::Mutex<RefCell<_>>`, or with the `&'static mut` a
    /// crate such as `static_cell` hands out once at boot.
    ///
    /// ```
    /// use mls_nostd::crypto::Curve25519Aes128;
    /// use mls_nostd::group::{FixedGroup, Group, GroupConfig, Status};
    /// use std::sync::Mutex;
    ///
    /// /// At most 16 members, LeafNodes of at most 512 bytes.
    /// type DeviceGroup = FixedGroup<Curve25519Aes128, 16, 512>;
    ///
    /// /// All zeros: in `.bss`, no flash image, never on the stack.
    /// static GROUP: Mutex<DeviceGroup> = Mutex::new(Group::new(Curve25519Aes128, GroupConfig::ZERO));
    ///
    /// /// The real configuration; then restore from flash, create or join.
    /// fn boot(group: &mut DeviceGroup) {
    ///     group.set_config(GroupConfig::new());
    /// }
    ///
    /// let mut group = GROUP.lock().unwrap();
    /// boot(&mut group);
    /// assert_eq!(group.status(), Status::Empty);
    /// assert_eq!(*group.config(), GroupConfig::new());
    /// ```
    pub const fn new(suite: S, config: GroupConfig) -> Self {
        Group {
            suite,
            config,
            status: Status::Empty,
            group_id: Bytes::empty(),
            epoch: 0,
            extensions: Buf::new(),
            tree: RatchetTree::new(),
            confirmed_transcript_hash: HashOutput::empty(),
            interim_transcript_hash: HashOutput::empty(),
            confirmation_tag: HashOutput::empty(),
            own: 0,
            keys: PathKeys::empty(),
            signature_key: SignaturePrivateKey::empty(),
            secrets: EpochSecrets::empty(),
            secret_tree: SecretTree::empty(),
            past: [PastEpoch::EMPTY; P],
            proposals: ProposalStore::new(),
            pending: None,
            pending_update: crate::crypto::HpkePrivateKey::empty(),
            version: 0,
            validator: (),
            parallel: Jobs(None),
        }
    }
}

impl<S, M: Memory, const K: usize, const P: usize, A: CredentialValidator> Group<S, M, K, P, A>
where
    S: CipherSuite,
{
    /// A group not yet created or joined, in the storage of `M`, with the
    /// Authentication Service `validator`. With growable storage it is a
    /// few kilobytes whatever the group's size; for fixed arrays prefer
    /// the `const` [`Group::new`].
    pub fn new_in(suite: S, config: GroupConfig, validator: A) -> Self {
        Group {
            suite,
            config,
            status: Status::Empty,
            group_id: Bytes::empty(),
            epoch: 0,
            extensions: Buf::new(),
            tree: RatchetTree::new_in(),
            confirmed_transcript_hash: HashOutput::empty(),
            interim_transcript_hash: HashOutput::empty(),
            confirmation_tag: HashOutput::empty(),
            own: 0,
            keys: PathKeys::empty(),
            signature_key: SignaturePrivateKey::empty(),
            secrets: EpochSecrets::empty(),
            secret_tree: SecretTree::empty_in(),
            past: core::array::from_fn(|_| PastEpoch::empty_in()),
            proposals: ProposalStore::new_in(),
            pending: None,
            pending_update: crate::crypto::HpkePrivateKey::empty(),
            version: 0,
            validator,
            parallel: Jobs(None),
        }
    }

    /// Runs this group's independent jobs (the encryptions of a commit's
    /// UpdatePath, the LeafNode signatures of a tree it joins) with
    /// `parallel`, for example on a thread pool; `None` runs them in turn
    /// on the calling thread, the default. Results do not depend on it.
    pub fn set_parallel(&mut self, parallel: Option<&'static dyn Parallel>) {
        self.parallel = Jobs(parallel);
    }

    /// The Authentication Service.
    pub fn validator(&self) -> &A {
        &self.validator
    }

    /// Replaces the run-time policies (they are not saved; set them again
    /// after a restore into a group made with another configuration).
    pub fn set_config(&mut self, config: GroupConfig) {
        self.config = config;
    }

    /// The cipher suite.
    pub fn suite(&self) -> &S {
        &self.suite
    }

    /// The run-time policies.
    pub fn config(&self) -> &GroupConfig {
        &self.config
    }

    /// The group's status.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The ReInit proposal that closed the group, when the status is
    /// [`Status::ReInit`]: the parameters of the group that follows it
    /// (§11.2).
    pub fn reinit(&self) -> Option<ReInit<'_>> {
        if self.status != Status::ReInit {
            return None;
        }
        self.proposals.iter().find_map(|p| match p.proposal {
            crate::proposal::Proposal::ReInit(r) => Some(r),
            _ => None,
        })
    }

    /// The group id.
    pub fn group_id(&self) -> &[u8] {
        &self.group_id
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// This member's leaf index.
    pub fn own_leaf(&self) -> u32 {
        self.own
    }

    /// The ratchet tree.
    pub fn tree(&self) -> &RatchetTree<M> {
        &self.tree
    }

    /// The members, by leaf index, with their LeafNodes (credential,
    /// signature key, capabilities).
    pub fn members(&self) -> impl Iterator<Item = (u32, LeafNode<'_>)> {
        self.tree.members()
    }

    /// The LeafNode of the member at `leaf`, if that leaf is not blank.
    pub fn member(&self, leaf: u32) -> Option<LeafNode<'_>> {
        self.tree.leaf(leaf)
    }

    /// The GroupContext's `tree_hash` of the current epoch (§7.8).
    pub fn tree_hash(&self) -> HashOutput {
        self.tree.tree_hash(&self.suite)
    }

    /// The current epoch's `epoch_authenticator` (§8.7).
    pub fn epoch_authenticator(&self) -> &[u8] {
        self.secrets.epoch_authenticator.as_slice()
    }

    /// `MLS-Exporter(label, context, out.len())` of the current epoch (§8.5).
    pub fn export(&self, label: &[u8], context: &[u8], out: &mut [u8]) -> Result<()> {
        self.active()?;
        crate::key_schedule::exporter(
            &self.suite,
            self.secrets.exporter_secret.as_slice(),
            label,
            context,
            out,
        )
    }

    /// The resumption PSK of the current epoch or a kept past one (§8.6).
    pub fn resumption_psk(&self, epoch: u64) -> Option<&[u8]> {
        if epoch == self.epoch {
            return Some(self.secrets.resumption_psk.as_slice());
        }
        self.past
            .iter()
            .find(|p| p.epoch == Some(epoch))
            .map(|p| p.resumption_psk.as_slice())
    }

    /// The GroupContext extensions.
    pub fn extensions(&self) -> Extensions<'_> {
        extensions_of(&self.extensions)
    }

    /// The group's proposal store (proposals received this epoch).
    pub fn proposals(&self) -> &ProposalStore<M> {
        &self.proposals
    }

    /// Forgets the proposals received or sent this epoch, and the private
    /// key of this member's own pending Update (mls-go's
    /// `CancelPendingProposals`). Local only: other members keep theirs,
    /// and a commit that covers one of them by reference can no longer be
    /// processed here; use it when the Delivery Service dropped them.
    pub fn clear_proposals(&mut self) {
        self.proposals.clear();
        self.pending_update = crate::crypto::HpkePrivateKey::empty();
        self.bump();
    }

    /// Forgets the commit this member created and is waiting to see
    /// echoed (§12.4.2), for when the Delivery Service refused it. If that
    /// commit is delivered after all, it can no longer be processed here.
    pub fn discard_pending_commit(&mut self) {
        if self.pending.take().is_some() {
            self.bump();
        }
    }

    /// Whether this member has created a commit it has not seen echoed.
    pub fn has_pending_commit(&self) -> bool {
        self.pending.is_some()
    }

    /// Fails unless the group is active.
    fn active(&self) -> Result<()> {
        match self.status {
            Status::Active => Ok(()),
            _ => Err(Error::NotActive),
        }
    }

    /// Which group and member a [`Saved`] or [`Outgoing`] belongs to: a
    /// hash of the group id and the leaf, so that the proof of one group's
    /// save cannot release another group's bytes.
    fn owner(&self) -> u64 {
        // FNV-1a: a tag against mix-ups, not a cryptographic binding.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.group_id.iter().chain(&self.own.to_be_bytes()) {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        h
    }

    /// The encoded GroupContext of the current epoch (the tree hash comes
    /// from the cache, so this needs `&mut`).
    fn context_bytes(&mut self) -> Result<Buf<MAX_GROUP_CONTEXT_LEN>> {
        let tree_hash = self.tree.update_tree_hash(&self.suite);
        encode_context(&GroupContext {
            cipher_suite: S::ID,
            group_id: &self.group_id,
            epoch: self.epoch,
            tree_hash: &tree_hash,
            confirmed_transcript_hash: &self.confirmed_transcript_hash,
            extensions: extensions_of(&self.extensions),
        })
    }

    /// The provisional GroupContext of a commit (§12.4.1, §12.4.2): one
    /// epoch on, with the staged tree's `tree_hash`, the new `extensions`
    /// and the current confirmed transcript hash (which the key schedule
    /// replaces once the commit is signed).
    /// Fails with [`Error::EpochsExhausted`] in the last epoch, which no
    /// commit can leave.
    fn next_context<'a>(&'a self, tree_hash: &'a [u8], extensions: Extensions<'a>) -> Result<GroupContext<'a>> {
        Ok(GroupContext {
            cipher_suite: S::ID,
            group_id: &self.group_id,
            epoch: self.epoch.checked_add(1).ok_or(Error::EpochsExhausted)?,
            tree_hash,
            confirmed_transcript_hash: &self.confirmed_transcript_hash,
            extensions,
        })
    }

    /// The signature key of member `leaf`.
    fn member_key(&self, leaf: u32) -> Result<&[u8]> {
        self.tree
            .leaf(leaf)
            .map(|l| l.signature_key)
            .ok_or(Error::LeafOutOfRange { leaf })
    }

    /// Marks a change of state.
    /// The first `len` bytes of `bytes`, released once the state at the
    /// current version is saved.
    fn outgoing<'o>(&self, bytes: &'o [u8], len: usize) -> Result<Outgoing<&'o [u8]>> {
        Ok(Outgoing::new(
            bytes.get(..len).ok_or(Error::Truncated)?,
            self.owner(),
            self.version,
        ))
    }

    fn bump(&mut self) -> u64 {
        // `restore` refuses a counter that cannot advance; 2^64 saves never happen.
        self.version = self.version.saturating_add(1);
        self.version
    }
}

/// Room to sign a LeafNode made from `template_len` bytes of this
/// member's LeafNode: a bound on what a new encryption key, a parent hash
/// and a longer ECDSA signature add (storage of fixed size caps it).
fn leaf_room(template_len: usize) -> usize {
    template_len
        + crate::crypto::MAX_KEM_PUBLIC_KEY_LEN
        + crate::crypto::MAX_HASH_LEN
        + crate::crypto::MAX_SIGNATURE_LEN
        + 8
}

/// What LeafNodes in a group are checked against (§7.3).
fn leaf_check<'a>(
    group_id: &'a [u8],
    now: Now,
    max_lifetime: Option<u64>,
    extensions: &Extensions<'a>,
) -> LeafCheck<'a> {
    let required = extension::find(extensions, extension::extension_type::REQUIRED_CAPABILITIES)
        .and_then(|d| RequiredCapabilities::decode_exact(d).ok());
    LeafCheck {
        group_id,
        now,
        max_lifetime,
        required,
    }
}

/// Asks the Authentication Service about every external sender that
/// `extensions` lists (§5.3.1: when `external_senders` is set or changed).
fn check_external_senders<A: CredentialValidator + ?Sized>(extensions: &Extensions<'_>, validator: &A) -> Result<()> {
    if validator.accepts_all() {
        return Ok(());
    }
    let Some(data) = extension::find(extensions, extension::extension_type::EXTERNAL_SENDERS) else {
        return Ok(());
    };
    for sender in List::<extension::ExternalSender<'_>>::decode_exact(data)?.iter() {
        validator
            .validate(&sender.credential, sender.signature_key, CredentialUse::ExternalSender)
            .map_err(|reason| Error::CredentialRejected { reason })?;
    }
    Ok(())
}

/// The extensions list kept in `buf` (always a valid encoding).
fn extensions_of(buf: &Buf<MAX_EXTENSIONS_LEN>) -> Extensions<'_> {
    List::decode_exact(buf).unwrap_or(List::empty())
}

/// Encodes a GroupContext into a fixed buffer.
fn encode_context(gc: &GroupContext<'_>) -> Result<Buf<MAX_GROUP_CONTEXT_LEN>> {
    let mut buf = Buf::new();
    let n = gc
        .encode_to(buf.space())
        .map_err(|_| Error::CapacityExceeded { what: "group context" })?;
    buf.set_len(n)?;
    Ok(buf)
}

/// Encodes `Extension extensions<V>` into a fixed buffer.
fn encode_extensions(exts: &Extensions<'_>) -> Result<Buf<MAX_EXTENSIONS_LEN>> {
    let mut buf = Buf::new();
    let n = exts.encode_to(buf.space()).map_err(|_| Error::CapacityExceeded {
        what: "group context extensions",
    })?;
    buf.set_len(n)?;
    Ok(buf)
}

#[cfg(test)]
mod regressions;
#[cfg(test)]
mod tests;
